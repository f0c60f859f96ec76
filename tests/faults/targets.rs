//! The operations under test: how to build each carrier's client against
//! the hostile server, which route each operation hits, what must be served
//! around it, its secrets, and a valid call.

use std::sync::Arc;

use base64::Engine;
use chrono::{NaiveDate, TimeZone, Utc};
use futures::StreamExt;
use numport::carrier::apeiron::{ApeironClient, ApeironOptions};
use numport::carrier::cellhire::{
    CellhireClient, CreatePort, CreatePortRow, PortType, RowUpdate, Service,
};
use numport::carrier::inumbering::{INumberingClient, INumberingOptions, PinUpdate};
use numport::clock::ManualClock;
use numport::http::HttpConfig;
use numport::{
    AccountNumber, Iccid, Pac, PhoneNumber, Pin, PortId, PortLine, PortProvider, PortRequest,
};
use serde_json::{Value, json};

use crate::harness::{Ctx, Outcome, http};
use crate::server::{Act, Reply, always};

use crate::support::requests::{john_doe, maria_lopez_suite};

// Cellhire.
pub const ACCOUNT_ID: u64 = 40001;
pub const CH_TOKEN: &str = "tok-5c1e9a7d30b2";
pub const CH_CLIENT_ID: &str = "numport-faults";
pub const CH_CLIENT_SECRET: &str = "s3cr3t/with+symbols&=";
pub const CH_ACCESS: &str = "eyJhbGciOiJSUzI1NiJ9.faultsAccessTok";
pub const CH_PAC: &str = "QWE987654";
pub const CH_PAC2: &str = "ZXC456789";
pub const TOKEN_PATH: &str = "/connect/token";
pub const DETAILS_ID: &str = "93949676-932c-4c43-140f-08dca4c4f4e2";
pub const CREATED_ID: &str = "550e8400-e29b-41d4-a716-446655440000";

// Apeiron.
pub const AP_USER: &str = "ops@example.com";
pub const AP_TOKEN: &str = "apTok:en/with+symbols";
pub const AP_PIN: &str = "8642";
pub const AP_ACCOUNT: &str = "987650123";
pub const AP_PATH: &str = "/v2/cellular/port";

// iNumbering.
pub const IN_USER: u64 = 1234567890;
pub const IN_PASSWORD: &str = "pw-Kq81zR7mVx";
pub const IN_KEY: &str = "dec759ed81963fd9a4b8a9c8f3e22b1a";
pub const IN_ACCOUNT: &str = "5512098734";
pub const IN_PIN: &str = "7731";
pub const IN_OUT_PIN: &str = "4826";
pub const KEY_PATH: &str = "/v2.2/account/apikey";
pub const AVAIL_PATH: &str = "/v2/iNumbering/portInAvailability/";
pub const STATUS_PATH: &str = "/v2.1/iNumbering/portStatus/";
pub const ORDER_PATH: &str = "/v2/iNumbering/portInOrder/";
pub const ACCOUNT_PORT_PATH: &str = "/v2.2/account/port";
pub const PIN_PATH: &str = "/v2/iNumbering/portOutPinUpdate/";

pub fn api(rest: &str) -> String {
    format!("/api/porting/{ACCOUNT_ID}{rest}")
}

pub fn fixture(name: &str) -> Value {
    let file = format!(
        "{}/tests/fixtures/cellhire/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    serde_json::from_str(&std::fs::read_to_string(file).unwrap()).unwrap()
}

pub fn basic() -> String {
    base64::engine::general_purpose::STANDARD.encode(format!("{AP_USER}:{AP_TOKEN}"))
}

/// Whether repeating the operation is allowed after it may have been sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Read,
    Create,
    SendOnce,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    ChGrant,
    ChNetworks,
    ChCreate,
    ChCreateOAuth,
    ChDetails,
    ChDetailsOAuth,
    ChListPage,
    ChUpdate,
    ChCancel,
    ApSubmit,
    InExchange,
    InAvailability,
    InStatus,
    InPortInOrder,
    InAccountPort,
    InPinSet,
    InPinGenerate,
}

pub const ALL: [Target; 17] = [
    Target::ChGrant,
    Target::ChNetworks,
    Target::ChCreate,
    Target::ChCreateOAuth,
    Target::ChDetails,
    Target::ChDetailsOAuth,
    Target::ChListPage,
    Target::ChUpdate,
    Target::ChCancel,
    Target::ApSubmit,
    Target::InExchange,
    Target::InAvailability,
    Target::InStatus,
    Target::InPortInOrder,
    Target::InAccountPort,
    Target::InPinSet,
    Target::InPinGenerate,
];

impl Target {
    pub fn kind(self) -> Kind {
        use Target::*;
        match self {
            ChCreate | ChCreateOAuth | ApSubmit | InPortInOrder | InAccountPort | InPinGenerate => {
                Kind::Create
            }
            InExchange => Kind::SendOnce,
            _ => Kind::Read,
        }
    }

    pub fn is_create(self) -> bool {
        self.kind() == Kind::Create
    }

    pub fn is_cellhire(self) -> bool {
        format!("{self:?}").starts_with("Ch")
    }

    pub fn is_inumbering(self) -> bool {
        format!("{self:?}").starts_with("In")
    }

    pub fn oauth(self) -> bool {
        matches!(
            self,
            Target::ChGrant | Target::ChCreateOAuth | Target::ChDetailsOAuth
        )
    }

    /// The route the fault is put on.
    pub fn route(self) -> (&'static str, String) {
        use Target::*;
        match self {
            ChGrant => ("POST", TOKEN_PATH.into()),
            ChNetworks => ("GET", api("/networks")),
            ChCreate | ChCreateOAuth => ("POST", api("")),
            ChDetails | ChDetailsOAuth => ("GET", api(&format!("/port/{DETAILS_ID}"))),
            ChListPage => ("GET", api("")),
            ChUpdate => ("PATCH", api(&format!("/port/{DETAILS_ID}"))),
            ChCancel => ("DELETE", api(&format!("/port/{DETAILS_ID}"))),
            ApSubmit => ("POST", AP_PATH.into()),
            InExchange => ("POST", KEY_PATH.into()),
            InAvailability => ("POST", AVAIL_PATH.into()),
            InStatus => ("POST", STATUS_PATH.into()),
            InPortInOrder => ("POST", ORDER_PATH.into()),
            InAccountPort => ("POST", ACCOUNT_PORT_PATH.into()),
            InPinSet | InPinGenerate => ("POST", PIN_PATH.into()),
        }
    }

    /// Routes hit once each before the target's request is sent.
    pub fn before(self) -> Vec<(&'static str, String)> {
        use Target::*;
        let mut v = vec![];
        if matches!(self, ChCreateOAuth | ChDetailsOAuth) {
            v.push(("POST", TOKEN_PATH.to_owned()));
        }
        if matches!(self, ChCreate | ChCreateOAuth) {
            v.push(("GET", api("/networks")));
        }
        if self.is_inumbering() && self != InExchange {
            v.push(("POST", KEY_PATH.to_owned()));
        }
        if matches!(self, InPortInOrder | InAccountPort) {
            v.push(("POST", AVAIL_PATH.to_owned()));
        }
        v
    }

    /// Routes hit after the target succeeds (the call the grant or the
    /// exchange was for).
    pub fn after(self) -> Vec<(&'static str, String)> {
        match self {
            Target::ChGrant => vec![("GET", api(&format!("/port/{DETAILS_ID}")))],
            Target::InExchange => vec![("POST", STATUS_PATH.to_owned())],
            _ => vec![],
        }
    }

    /// The create route of this target's carrier, if the target creates.
    pub fn creates(self) -> Vec<(&'static str, String)> {
        if self.is_create() {
            vec![self.route()]
        } else {
            vec![]
        }
    }

    /// A valid answer to the target's route.
    pub fn success(self) -> Reply {
        use Target::*;
        match self {
            ChGrant => token_reply(),
            ChNetworks => Reply::json(200, &fixture("networks.json")),
            ChCreate | ChCreateOAuth => Reply::json(201, &json!(CREATED_ID)),
            ChDetails | ChDetailsOAuth => Reply::json(200, &fixture("port_details.json")),
            ChListPage => Reply::json(200, &fixture("list_page1.json")),
            ChUpdate | ChCancel => Reply::new(204, ""),
            ApSubmit => Reply::json(201, &json!({"id": "AP-778"})),
            InExchange => key_reply(),
            InAvailability => avail_reply(),
            InStatus => Reply::json(
                200,
                &json!({"statusCode": "200", "status": "Success", "portStatusSummary": []}),
            ),
            InPortInOrder => Reply::json(
                200,
                &json!({"status": "Success", "orderId": 102644, "statusCode": "200"}),
            ),
            InAccountPort => Reply::json(
                201,
                &json!({"status": "success", "data": {"pid": "A1B2C", "ticket": 88001}}),
            ),
            InPinSet | InPinGenerate => Reply::json(
                200,
                &json!({"statusCode": "200", "status": "Success",
                    "portOutPin": {"tnList": {"tnItem": [{"tn": 3125550101u64, "portOutPin": IN_OUT_PIN}]}}}),
            ),
        }
    }

    /// Every secret the client of this target knows when the call fails.
    pub fn secrets(self) -> Vec<String> {
        use Target::*;
        let mut v: Vec<&str> = vec![];
        if self.is_cellhire() {
            if self.oauth() {
                v.push(CH_CLIENT_SECRET);
                if self != ChGrant {
                    v.push(CH_ACCESS);
                }
            } else {
                v.push(CH_TOKEN);
            }
            if matches!(self, ChCreate | ChCreateOAuth) {
                v.push(CH_PAC);
            }
            if self == ChUpdate {
                v.push(CH_PAC2);
            }
        } else if self == ApSubmit {
            v.extend([AP_TOKEN, AP_PIN, AP_ACCOUNT]);
        } else {
            v.push(IN_PASSWORD);
            if self != InExchange {
                v.push(IN_KEY);
            }
            if matches!(self, InPortInOrder | InAccountPort) {
                v.extend([IN_ACCOUNT, IN_PIN]);
            }
            if self == InPinSet {
                v.push(IN_OUT_PIN);
            }
        }
        let mut v: Vec<String> = v.into_iter().map(str::to_owned).collect();
        if self == ApSubmit {
            v.push(basic());
        }
        v
    }

    /// Serves everything around the target with valid answers, and the
    /// target itself with a valid answer (rows override it).
    pub fn install(self, ctx: &Ctx) {
        let s = &ctx.server;
        if self.is_cellhire() {
            s.route("POST", TOKEN_PATH, always(Act::Reply(token_reply())));
            s.route(
                "GET",
                &api("/networks"),
                always(Act::Reply(Reply::json(200, &fixture("networks.json")))),
            );
            s.route(
                "GET",
                &api(&format!("/port/{DETAILS_ID}")),
                always(Act::Reply(Reply::json(200, &fixture("port_details.json")))),
            );
        }
        if self.is_inumbering() {
            s.route("POST", KEY_PATH, always(Act::Reply(key_reply())));
            s.route("POST", AVAIL_PATH, always(Act::Reply(avail_reply())));
            s.route(
                "POST",
                STATUS_PATH,
                always(Act::Reply(Target::InStatus.success())),
            );
        }
        let (m, p) = self.route();
        s.route(m, &p, always(Act::Reply(self.success())));
    }

    /// The call, on a fresh client.
    pub async fn call(self, ctx: &Ctx, adjust: &dyn Fn(HttpConfig) -> HttpConfig) -> Outcome {
        self.call_at(ctx, &ctx.server.uri(), adjust).await
    }

    /// The call, on a fresh client pointed at `base`.
    pub async fn call_at(
        self,
        ctx: &Ctx,
        base: &str,
        adjust: &dyn Fn(HttpConfig) -> HttpConfig,
    ) -> Outcome {
        use Target::*;
        let cfg = adjust(http(&ctx.sleeps).with_clock(Arc::new(ManualClock::new(
            Utc.with_ymd_and_hms(2026, 5, 1, 9, 0, 0).unwrap(),
        ))));
        if self.is_cellhire() {
            let client = match cellhire(base, self.oauth(), cfg) {
                Ok(c) => c,
                Err(e) => return Outcome::Err(e),
            };
            let id = PortId::new(DETAILS_ID).unwrap();
            return match self {
                ChGrant | ChDetails | ChDetailsOAuth => {
                    Outcome::from(client.port_details(&id).await)
                }
                ChNetworks => Outcome::from(client.networks().await),
                ChCreate | ChCreateOAuth => Outcome::from(client.create_port(&ch_create()).await),
                ChListPage => Outcome::from(client.list_ports_page(1, 50).await),
                ChUpdate => Outcome::from(
                    client
                        .update_port(
                            &id,
                            &[RowUpdate::Amend {
                                msisdn: PhoneNumber::parse("+447700900123").unwrap(),
                                pac: Pac::new(CH_PAC2).unwrap(),
                            }],
                        )
                        .await,
                ),
                ChCancel => Outcome::from(client.cancel_port(&id).await),
                _ => unreachable!(),
            };
        }
        if self == ApSubmit {
            let client = match apeiron(base, cfg) {
                Ok(c) => c,
                Err(e) => return Outcome::Err(e),
            };
            return Outcome::from(client.submit(&ap_request()).await);
        }
        let admin = self == InPortInOrder;
        let client = match inumbering(base, admin, cfg) {
            Ok(c) => c,
            Err(e) => return Outcome::Err(e),
        };
        let n = |s: &str| PhoneNumber::nanp(s).unwrap();
        match self {
            InExchange | InStatus => Outcome::from(client.port_status().await),
            InAvailability => Outcome::from(client.check_portability(&[n("3125550142")]).await),
            InPortInOrder | InAccountPort => Outcome::from(client.submit(&in_request()).await),
            InPinSet => Outcome::from(
                client
                    .port_out_pin_update(&[PinUpdate::set(
                        n("3125550101"),
                        Pin::new(IN_OUT_PIN).unwrap(),
                    )])
                    .await,
            ),
            InPinGenerate => Outcome::from(
                client
                    .port_out_pin_update(&[PinUpdate::generate(n("3125550101"))])
                    .await,
            ),
            _ => unreachable!(),
        }
    }
}

pub fn token_reply() -> Reply {
    Reply::json(
        200,
        &json!({"access_token": CH_ACCESS, "expires_in": 3600, "token_type": "Bearer"}),
    )
}

pub fn key_reply() -> Reply {
    Reply::json(
        200,
        &json!({"status": "success", "data": {"apikey": IN_KEY}}),
    )
}

pub fn avail_reply() -> Reply {
    Reply::json(
        200,
        &json!({"status": "Success", "statusCode": "200", "serviceAvailable": [
            {"serviceProviderName": "Verizon", "telephoneNumber": "3125550142", "isPortable": "true"}]}),
    )
}

pub fn cellhire(base: &str, oauth: bool, cfg: HttpConfig) -> numport::Result<CellhireClient> {
    let b = CellhireClient::builder()
        .base_url(base)
        .account_id(ACCOUNT_ID);
    let b = if oauth {
        b.client_credentials(CH_CLIENT_ID, CH_CLIENT_SECRET)
            .token_url(format!("{base}{TOKEN_PATH}"))
    } else {
        b.bearer_token(CH_TOKEN)
    };
    b.http_config(cfg).build()
}

pub fn apeiron(base: &str, cfg: HttpConfig) -> numport::Result<ApeironClient> {
    ApeironClient::builder()
        .base_url(base)
        .username(AP_USER)
        .api_token(AP_TOKEN)
        .http_config(cfg)
        .build()
}

pub fn inumbering(base: &str, admin: bool, cfg: HttpConfig) -> numport::Result<INumberingClient> {
    INumberingClient::builder()
        .base_url(base)
        .username(IN_USER)
        .password(IN_PASSWORD)
        .admin(admin)
        .http_config(cfg)
        .build()
}

pub fn ch_create() -> CreatePort {
    CreatePort {
        name: "Example Port".into(),
        target_network_id: 1,
        source_network_id: 5,
        connection_date: NaiveDate::from_ymd_opt(2026, 5, 5).unwrap(),
        port_type: PortType::PortIn,
        rows: vec![CreatePortRow {
            group_name: "Group1".into(),
            esim: false,
            msisdn: PhoneNumber::parse("+447700900123").unwrap(),
            serial_no: Iccid::unchecked("1234567890").unwrap(),
            provisioning_order: Some(3630),
            provisioning_order_name: None,
            pac: Pac::new(CH_PAC).unwrap(),
            tariff_id: 102344,
            bolt_ons: vec![502248],
            services: Some(vec![Service::new("voice", "true")]),
        }],
    }
}

pub fn ap_request() -> PortRequest {
    PortRequest::new(vec![
        PortLine::new(PhoneNumber::nanp("4246346488").unwrap())
            .with_sim(Iccid::parse("89012601234567000010").unwrap()),
    ])
    .with_subscriber(john_doe("12345"))
    .with_authorization_name("John Doe")
    .with_losing_account(
        AccountNumber::new(AP_ACCOUNT).unwrap(),
        Pin::new(AP_PIN).unwrap(),
    )
    .with_apeiron(ApeironOptions::new("UTT5GB"))
}

pub fn in_request() -> PortRequest {
    PortRequest::new(vec![PortLine::new(
        PhoneNumber::nanp("3125550142").unwrap(),
    )])
    .with_subscriber(maria_lopez_suite())
    .with_authorization_name("Maria Lopez")
    .with_losing_account(
        AccountNumber::new(IN_ACCOUNT).unwrap(),
        Pin::new(IN_PIN).unwrap(),
    )
    .with_desired_date(NaiveDate::from_ymd_opt(2026, 5, 15).unwrap())
    .with_inumbering(INumberingOptions::new())
}

/// Collects a listing stream into an outcome.
pub async fn collect(
    stream: futures::stream::BoxStream<'_, numport::Result<numport::PortSummary>>,
) -> Outcome {
    let items: Vec<_> = stream.collect().await;
    let ok = items.iter().filter(|r| r.is_ok()).count();
    let errors = items.into_iter().filter_map(Result::err).collect();
    Outcome::List { ok, errors }
}
