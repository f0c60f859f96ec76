//! Entry points for property tests, fuzzing and benches; not a stable API.
//!
//! Every function here takes untrusted bytes or text and drives one group of
//! numport's readers with it. None of them may panic, whatever the input:
//! `tests/proptests.rs` checks that with `proptest`, and the `fuzz/`
//! cargo-fuzz crate runs the same functions for longer.
//!
//! Two kinds of entry point:
//! - Direct: the shared error-body reader ([`error_body`]), the generic JSON
//!   decoder ([`json_value`]), `Retry-After` ([`retry_after`]), the status
//!   maps and other text parsers ([`status_text`], [`constructors`]) and the
//!   redactor ([`redact`]) are called as they are.
//! - Through a carrier client: each carrier's wire types and `from_wire`
//!   mappings are private to their module, so they are driven through the
//!   public client method that reads them, against a loopback HTTP server
//!   that answers the fuzzed status and body (a fixed, valid answer for the
//!   calls that precede it, such as a key exchange). These functions block
//!   on an internal single-threaded runtime: call them from synchronous code,
//!   never from inside an async runtime. Calls are serialised internally.
//!
//! Every function returns `()` or a [`Result`]; an `Err` is an ordinary
//! outcome (the input was refused), a panic is a bug.

use std::collections::HashMap;
use std::future::Future;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use futures::StreamExt;

use crate::carrier::apeiron::{ApeironClient, CellularPort, ServicePlan};
use crate::carrier::cellhire::{
    self, CellhireClient, CreatePort, CreatePortRow, MsisdnFormat, PortType, Service,
};
use crate::carrier::inumbering::{
    self, AccountPort, EndUser, INumberingClient, NameType, PinUpdate, PortInItem, PortInOrder,
    StreetParts,
};
use crate::clock::ManualClock;
use crate::error::{Error, RejectReason, Result};
use crate::http::error_body::{ErrorBody, error_for_status};
use crate::http::{BaseUrl, HttpConfig, RetryPolicy, decode, parse_retry_after};
use crate::model::{
    AccountNumber, Address, Credential, Document, DocumentKind, Iccid, Pac, PhoneNumber, Pin,
    PortId,
};
use crate::operation::{Carrier, Operation};
use crate::provider::PortProvider;
use crate::redact::Redactor;

// ---------------------------------------------------------------------------
// Direct entry points.

/// Reads `body` with the shared error-body reader, turns it into the error
/// of every interesting HTTP status, and renders each error.
pub fn error_body(body: &[u8]) {
    let parsed = ErrorBody::parse(body);
    let _ = format!("{parsed:?}");
    let carriers = [Carrier::Cellhire, Carrier::Apeiron, Carrier::INumbering];
    let secret = String::from_utf8_lossy(body.get(..8).unwrap_or(body)).into_owned();
    for (i, status) in [0, 200, 400, 401, 404, 409, 412, 422, 429, 500, 999]
        .into_iter()
        .enumerate()
    {
        let e = error_for_status(
            carriers[i % carriers.len()],
            status,
            parsed.clone(),
            Some(Duration::from_secs(1)),
            any_word_reason,
        );
        // Redacting must never cut a character in half either.
        touch_error(&e.redacting(&[secret.as_str(), "1234", "pin"]));
    }
}

/// A reason reader in the style of the carriers' own (which are private to
/// their modules): any word picks a reason.
fn any_word_reason(text: &str) -> RejectReason {
    let lower = text.to_ascii_lowercase();
    if lower.contains("pac") {
        RejectReason::PacInvalid
    } else if lower.contains("pin") {
        RejectReason::IncorrectPin
    } else {
        RejectReason::Other
    }
}

/// Decodes `body` as any JSON value with the shared success-body decoder
/// (the one every carrier's wire types go through).
pub fn json_value(body: &[u8]) -> Result<serde_json::Value> {
    let out = decode::json::<serde_json::Value>(Carrier::Cellhire, Operation::Order, body);
    if let Err(e) = &out {
        touch_error(e);
    }
    // A few fixed shapes too, so type mismatches are described as well.
    for e in [
        decode::json::<u64>(Carrier::Apeiron, Operation::Submit, body).err(),
        decode::json::<Vec<String>>(Carrier::INumbering, Operation::ListOrders, body).err(),
        decode::json::<HashMap<String, i64>>(Carrier::Cellhire, Operation::Amend, body).err(),
    ]
    .into_iter()
    .flatten()
    {
        touch_error(&e);
    }
    out
}

/// Parses `value` as a `Retry-After` header at several "now"s and caps.
/// Returns the result at a fixed now (2026-05-01T09:00:00Z) and a one-day cap.
pub fn retry_after(value: &str) -> Option<Duration> {
    let nows = [
        DateTime::<Utc>::MIN_UTC,
        DateTime::<Utc>::UNIX_EPOCH,
        fixed_now(),
        DateTime::<Utc>::MAX_UTC,
    ];
    let maxes = [Duration::ZERO, Duration::from_secs(86_400), Duration::MAX];
    for now in nows {
        for max in maxes {
            let _ = parse_retry_after(value, now, max);
        }
    }
    parse_retry_after(value, fixed_now(), Duration::from_secs(86_400))
}

/// Maps `text` through every status map and the other text readers of the
/// carrier modules: Cellhire order and row statuses, port types and MSISDNs,
/// iNumbering statuses (with and without a FOC date) and street lines.
pub fn status_text(text: &str) {
    let _ = cellhire::status_map::order_status(text);
    let _ = cellhire::status_map::line_status(text);
    let t = PortType::from_name(text);
    let _ = (t.wire_name().to_owned(), t.to_string());
    for format in [
        MsisdnFormat::default(),
        MsisdnFormat::International,
        MsisdnFormat::National {
            country_code: "1".into(),
        },
    ] {
        if let Some(n) = format.read(text) {
            let _ = format.write(&n);
        }
    }
    let foc = NaiveDate::from_ymd_opt(2026, 12, 4);
    let _ = inumbering::status_map::order_status(text, None);
    let _ = inumbering::status_map::order_status(text, foc);
    let _ = StreetParts::parse(text);
}

/// Runs every public constructor and parser of the models on `text`, and
/// every accessor of what they build.
pub fn constructors(text: &str) {
    for n in [
        PhoneNumber::parse(text),
        PhoneNumber::nanp(text),
        text.parse::<PhoneNumber>(),
    ]
    .into_iter()
    .flatten()
    {
        let _ = (n.e164(), n.msisdn(), n.is_nanp(), n.nanp_digits());
        for cc in ["1", "44", "33", ""] {
            let _ = n.national(cc);
        }
        let _ = format!("{n} {n:?}");
    }
    // The first up-to-3 characters as a calling code, the rest as national.
    let split = text
        .char_indices()
        .nth(3)
        .map(|(i, _)| i)
        .unwrap_or(text.len());
    let _ = PhoneNumber::from_national(&text[split..], &text[..split]);
    for cc in ["1", "44", "33", "0", ""] {
        let _ = PhoneNumber::from_national(text, cc);
    }
    for i in [
        Iccid::parse(text),
        Iccid::unchecked(text),
        Iccid::with_check_digit(text),
    ]
    .into_iter()
    .flatten()
    {
        let _ = (i.as_str(), i.is_checked(), format!("{i} {i:?}"));
    }
    if let Ok(p) = Pac::new(text) {
        let _ = (p.is_uk_format(), p.is_rio_format(), p.expose());
    }
    let _ = Pin::new(text);
    let _ = AccountNumber::new(text);
    let _ = Credential::new(text, text);
    if let Ok(id) = PortId::new(text) {
        let _ = (id.as_str(), id.to_string());
    }
    if let Ok(url) = BaseUrl::parse("base_url", text) {
        let _ = url.join("/a/b?c#d");
        let _ = url.join(text);
    }
    let _ = Address::new(text, text, text, text, text).with_line2(text);
    for kind in [DocumentKind::LetterOfAuthorization, DocumentKind::Bill] {
        let d = Document::new(kind, text, text, text.as_bytes());
        let _ = (d.validate(), format!("{d:?}"));
        let d = Document::new(kind, "loa.pdf", "application/pdf", text.as_bytes());
        let _ = d.validate();
    }
}

/// Removes `secret` from `text` and from `text` read as JSON, and cuts the
/// result to a few lengths, as every error and kept answer is.
pub fn redact(secret: &str, text: &[u8]) {
    let lossy = String::from_utf8_lossy(text).into_owned();
    let r = Redactor::new(&[secret, "1234", "ABC123456"]);
    let _ = r.is_empty();
    let scrubbed = r.scrub(&lossy);
    for max in [0, 1, 3, 500, usize::MAX] {
        let mut t = scrubbed.clone();
        crate::redact::truncate(&mut t, max);
        let mut t = lossy.clone();
        r.scrub_truncate(&mut t, max);
    }
    if let Ok(mut value) = serde_json::from_slice::<serde_json::Value>(text) {
        r.scrub_json(&mut value);
    }
}

// ---------------------------------------------------------------------------
// Through the carrier clients, against a loopback server.

/// The bulk planner: groups request indices by key (`None` alone), at most
/// `max_lines` lines a group, as a carrier's `submit_many` does before it
/// sends (for `benches/bulk_plan.rs`).
pub fn bulk_batches(
    keys: Vec<Option<String>>,
    lines: &[usize],
    max_lines: usize,
) -> Vec<Vec<usize>> {
    crate::bulk::batches(keys, lines, max_lines)
}

/// The status a fuzzer's byte selects: one of the statuses the carriers'
/// documents name, or 200 (most bytes, so that bodies mostly reach the
/// success decoders).
pub fn pick_status(byte: u8) -> u16 {
    const STATUSES: [u16; 24] = [
        201, 202, 204, 301, 400, 401, 402, 403, 404, 409, 410, 411, 412, 414, 422, 429, 430, 431,
        500, 502, 503, 504, 599, 299,
    ];
    STATUSES.get(usize::from(byte)).copied().unwrap_or(200)
}

/// `data[0]` picks the Cellhire operation, `data[1]` the HTTP status
/// ([`pick_status`]), the rest is the body.
pub fn cellhire(data: &[u8]) -> Result<()> {
    let (op, status, body) = split(data);
    match op % 5 {
        0 => cellhire_networks(status, body),
        1 => cellhire_port_details(status, body),
        2 => cellhire_list_page(status, body),
        3 => cellhire_token(status, body),
        _ => cellhire_created(status, body),
    }
}

/// `data[0]` picks JSON or multipart, `data[1]` the HTTP status
/// ([`pick_status`]), the rest is the body.
pub fn apeiron(data: &[u8]) -> Result<()> {
    let (op, status, body) = split(data);
    apeiron_created(status, body, op % 2 == 1)
}

/// `data[0]` picks the iNumbering operation, `data[1]` the HTTP status
/// ([`pick_status`]), the rest is the body.
pub fn inumbering(data: &[u8]) -> Result<()> {
    let (op, status, body) = split(data);
    match op % 6 {
        0 => inumbering_availability(status, body),
        1 => inumbering_status(status, body),
        2 => inumbering_order(status, body),
        3 => inumbering_account_port(status, body),
        4 => inumbering_key(status, body),
        _ => inumbering_pin(status, body),
    }
}

fn split(data: &[u8]) -> (u8, u16, &[u8]) {
    match data {
        [] => (0, 200, &[]),
        [op] => (*op, 200, &[]),
        [op, status, body @ ..] => (*op, pick_status(*status), body),
    }
}

const CELLHIRE_ACCOUNT: u64 = 40001;
const CELLHIRE_TOKEN_PATH: &str = "/connect/token";
const CELLHIRE_GUID: &str = "93949676-932c-4c43-140f-08dca4c4f4e2";
const INUMBERING_KEY: &str =
    r#"{"status":"success","data":{"apikey":"dec759ed81963fd9a4b8a9c8f3e22b1a"}}"#;

/// Cellhire's network list for [`cellhire_created`]: Vodafone (1) takes O2
/// (5) ports 1 to 30 days ahead.
const CELLHIRE_NETWORKS: &str = r#"[{"portTypeName":"Port","portType":2,"targetNetworks":[
    {"id":1,"name":"Vodafone","maxPortDays":30,"minPortDays":1,"allowEsim":true,
     "networkNumber":200,"sourceNetworks":[{"id":5,"name":"O2"}],
     "upcomingHolidays":["2026-05-04T00:00:00"]}]}]"#;

fn cellhire_path(rest: &str) -> String {
    format!("/api/porting/{CELLHIRE_ACCOUNT}{rest}")
}

/// Get Porting Networks answering `status` / `body`: the wire list and its
/// mapping (dates of holidays included).
pub fn cellhire_networks(status: u16, body: &[u8]) -> Result<()> {
    let answers = [(cellhire_path("/networks"), Canned::new(status, body))];
    with_server(&answers, |base, http| async move {
        let client = cellhire_client(&base, http, false)?;
        let networks = client.networks().await?;
        let _ = format!("{networks:?}");
        for t in &networks {
            for n in &t.target_networks {
                let _ = client.target_network(&t.port_type, n.id).await;
                let _ = cellhire::ConnectionDatePlanner::new(n).earliest(client.today());
            }
        }
        Ok(())
    })
}

/// Get Port Details answering `status` / `body`: the wire details, their
/// mapping, and the shared order model made from them.
pub fn cellhire_port_details(status: u16, body: &[u8]) -> Result<()> {
    let answers = [(
        cellhire_path(&format!("/port/{CELLHIRE_GUID}")),
        Canned::new(status, body),
    )];
    with_server(&answers, |base, http| async move {
        let client = cellhire_client(&base, http, false)?;
        let id = PortId::new(CELLHIRE_GUID).map_err(Error::from)?;
        let details = client.port_details(&id).await?;
        let order = cellhire::order_from_details(&details);
        let _ = (
            details.rows_holding_port().len(),
            details.rows.iter().filter(|r| r.is_ready()).count(),
            order.lines_needing_action().count(),
            format!("{details:?} {order:?}"),
        );
        let via_trait = PortProvider::order(&client, &id).await?;
        let _ = format!("{via_trait:?}");
        Ok(())
    })
}

/// List Ports answering `status` / `body` to every page: one page, then the
/// whole listing (which must stop, as every page repeats the first).
pub fn cellhire_list_page(status: u16, body: &[u8]) -> Result<()> {
    let answers = [(cellhire_path(""), Canned::new(status, body))];
    with_server(&answers, |base, http| async move {
        let client = cellhire_client(&base, http, false)?;
        let page = client.list_ports_page(1, 50).await;
        let _ = format!("{page:?}");
        let all: Vec<_> = client.list_ports(50).take(1000).collect().await;
        for item in &all {
            if let Err(e) = item {
                touch_error(e);
            }
        }
        page.map(|_| ())
    })
}

/// The OAuth2 token endpoint answering `status` / `body`, then Get Porting
/// Networks with the token (answering a valid list).
pub fn cellhire_token(status: u16, body: &[u8]) -> Result<()> {
    let answers = [
        (CELLHIRE_TOKEN_PATH.to_owned(), Canned::new(status, body)),
        (
            cellhire_path("/networks"),
            Canned::new(200, CELLHIRE_NETWORKS.as_bytes()),
        ),
    ];
    with_server(&answers, |base, http| async move {
        let client = cellhire_client(&base, http, true)?;
        client.networks().await?;
        let _ = client.token_grants();
        Ok(())
    })
}

/// Create Port answering `status` / `body` (after a valid network list):
/// the created-port answer, bare string or object, and its id.
pub fn cellhire_created(status: u16, body: &[u8]) -> Result<()> {
    let answers = [
        (
            cellhire_path("/networks"),
            Canned::new(200, CELLHIRE_NETWORKS.as_bytes()),
        ),
        (cellhire_path(""), Canned::new(status, body)),
    ];
    with_server(&answers, |base, http| async move {
        let client = cellhire_client(&base, http, false)?;
        let request = CreatePort {
            name: "Fuzz Port".into(),
            target_network_id: 1,
            source_network_id: 5,
            connection_date: NaiveDate::from_ymd_opt(2026, 5, 5).unwrap_or_default(),
            port_type: PortType::PortIn,
            rows: vec![CreatePortRow {
                group_name: "Group1".into(),
                esim: false,
                msisdn: PhoneNumber::parse("+447700900123")?,
                serial_no: Iccid::unchecked("1234567890")?,
                provisioning_order: Some(3630),
                provisioning_order_name: None,
                pac: Pac::new("ABC123456")?,
                tariff_id: 102344,
                bolt_ons: vec![502248],
                services: Some(vec![Service::new("voice", "true")]),
            }],
        };
        let id = client.create_port(&request).await?;
        let _ = id.to_string();
        Ok(())
    })
}

/// Apeiron's port-in answering `status` / `body`: the tolerant created-port
/// reader on 2xx, its rejection reasons and field errors otherwise.
/// `multipart` sends the request with an LoA attached.
pub fn apeiron_created(status: u16, body: &[u8], multipart: bool) -> Result<()> {
    let answers = [(
        crate::carrier::apeiron::PORT_PATH.to_owned(),
        Canned::new(status, body),
    )];
    with_server(&answers, |base, http| async move {
        let client = ApeironClient::builder()
            .base_url(base)
            .username("ops@example.com")
            .api_token("tok:en/with+symbols")
            .http_config(http_config(http))
            .build()?;
        let address = Address::new("123 Main St", "Anytown", "CA", "12345", "US");
        let mut port = CellularPort::new(
            PhoneNumber::nanp("4246346488")?,
            "John Doe",
            "John",
            "Doe",
            &address,
            AccountNumber::new("123456789")?,
            Pin::new("1234")?,
            ServicePlan::Code("UTT5GB".into()),
            Iccid::parse("89012601234567000010")?,
        );
        if multipart {
            port.loa = Some(Document::new(
                DocumentKind::LetterOfAuthorization,
                "loa.pdf",
                "application/pdf",
                b"%PDF-1.4".to_vec(),
            ));
        }
        let created = client.create_port(&port).await;
        match &created {
            Ok(c) => {
                let _ = format!("{c:?}");
            }
            Err(e) => {
                touch_error(e);
                let _ = (e.reject_reason(), e.field_errors().len());
            }
        }
        created.map(|_| ())
    })
}

fn inumbering_answers(path: &str, status: u16, body: &[u8]) -> Vec<(String, Canned)> {
    vec![
        (
            inumbering::APIKEY_PATH.to_owned(),
            Canned::new(200, INUMBERING_KEY.as_bytes()),
        ),
        (path.to_owned(), Canned::new(status, body)),
    ]
}

fn nanp(digits: &str) -> Result<PhoneNumber> {
    Ok(PhoneNumber::nanp(digits)?)
}

/// portInAvailability answering `status` / `body`: failures in the status
/// or in the body, and the availability mapping.
pub fn inumbering_availability(status: u16, body: &[u8]) -> Result<()> {
    let answers = inumbering_answers(inumbering::AVAILABILITY_PATH, status, body);
    with_server(&answers, |base, http| async move {
        let client = inumbering_client(&base, http, false)?;
        let numbers = [nanp("3125550150")?, nanp("4246346488")?];
        let out = client.port_in_availability(&numbers).await?;
        let _ = format!("{out:?}");
        let via_trait = PortProvider::check_portability(&client, &numbers).await?;
        let _ = format!("{via_trait:?}");
        Ok(())
    })
}

/// portStatus answering `status` / `body`: the status entries (FOC dates,
/// PINs, timestamps), and the order summaries and order the trait makes of
/// them through the status map.
pub fn inumbering_status(status: u16, body: &[u8]) -> Result<()> {
    let answers = inumbering_answers(inumbering::PORT_STATUS_PATH, status, body);
    with_server(&answers, |base, http| async move {
        let client = inumbering_client(&base, http, false)?;
        let entries = client.port_status().await?;
        let _ = format!("{entries:?}");
        let summaries: Vec<_> = PortProvider::orders(&client).collect().await;
        let _ = format!("{summaries:?}");
        for entry in &entries {
            for id in [&entry.pid, &entry.id].into_iter().flatten() {
                if let Ok(id) = PortId::new(id.as_str()) {
                    let _ = format!("{:?}", PortProvider::order(&client, &id).await);
                }
            }
        }
        Ok(())
    })
}

/// portInOrder (admin) answering `status` / `body`: failures and the
/// `orderId`.
pub fn inumbering_order(status: u16, body: &[u8]) -> Result<()> {
    let answers = inumbering_answers(inumbering::PORT_IN_ORDER_PATH, status, body);
    with_server(&answers, |base, http| async move {
        let client = inumbering_client(&base, http, true)?;
        let mut street = StreetParts::new("233", "Wacker", "DR");
        street.prefix = "S".into();
        let order = PortInOrder {
            desired_due_date: NaiveDate::from_ymd_opt(2026, 5, 5).unwrap_or_default(),
            items: vec![PortInItem {
                tn: nanp("3125550150")?,
                atn: nanp("3125550150")?,
                account_number: AccountNumber::new("5512098734")?,
                account_pin: Some(Pin::new("4321")?),
                auth_name: "Maria Lopez".into(),
                end_user: EndUser {
                    name: "Maria Lopez".into(),
                    street,
                    city: "Chicago".into(),
                    state: "IL".into(),
                    postal_code: "60606".into(),
                    type_of_service: NameType::Residential,
                },
                calling_name: Some("MARIA LOPEZ".into()),
            }],
        };
        let id = client.port_in_order(&order).await?;
        let _ = id.len();
        Ok(())
    })
}

/// account/port answering `status` / `body`: failures, the answer's shape,
/// its `pid` and `ticket`, and the redaction of the kept answer.
pub fn inumbering_account_port(status: u16, body: &[u8]) -> Result<()> {
    let answers = inumbering_answers(inumbering::ACCOUNT_PORT_PATH, status, body);
    with_server(&answers, |base, http| async move {
        let client = inumbering_client(&base, http, false)?;
        let port = AccountPort {
            numbers: vec![nanp("3125550150")?],
            name: "Maria Lopez".into(),
            name_type: NameType::Residential,
            billing_number: nanp("3125550150")?,
            account_number: AccountNumber::new("5512098734")?,
            pin: Some(Pin::new("4321")?),
            street: StreetParts::new("233", "Wacker", "DR"),
            city: "Chicago".into(),
            state: "IL".into(),
            zip: "60606".into(),
            country: "US".into(),
            auth_person: "Maria Lopez".into(),
            desired_due_date: None,
            features: Vec::new(),
        };
        let created = client.account_port(&port).await?;
        let _ = format!("{created:?}");
        Ok(())
    })
}

/// The API-key exchange answering `status` / `body`, then portStatus with
/// the key (answering an empty list).
pub fn inumbering_key(status: u16, body: &[u8]) -> Result<()> {
    let answers = [
        (
            inumbering::APIKEY_PATH.to_owned(),
            Canned::new(status, body),
        ),
        (
            inumbering::PORT_STATUS_PATH.to_owned(),
            Canned::new(200, br#"{"portStatusSummary":[]}"#),
        ),
    ];
    with_server(&answers, |base, http| async move {
        let client = inumbering_client(&base, http, false)?;
        client.port_status().await?;
        let _ = client.exchanges();
        Ok(())
    })
}

/// portOutPinUpdate answering `status` / `body`: failures and the assigned
/// PINs.
pub fn inumbering_pin(status: u16, body: &[u8]) -> Result<()> {
    let answers = inumbering_answers(inumbering::PIN_UPDATE_PATH, status, body);
    with_server(&answers, |base, http| async move {
        let client = inumbering_client(&base, http, false)?;
        let updates = [
            PinUpdate::set(nanp("3125550150")?, Pin::new("1234")?),
            PinUpdate::generate(nanp("4246346488")?),
        ];
        let pins = client.port_out_pin_update(&updates).await?;
        let _ = format!("{pins:?}");
        Ok(())
    })
}

// ---------------------------------------------------------------------------
// Helpers.

/// Formats and queries an error the way a caller would.
fn touch_error(e: &Error) {
    let _ = (
        e.to_string(),
        format!("{e:?}"),
        e.is_retryable(),
        e.reject_reason(),
        e.field_errors().len(),
        e.is_outcome_unknown(),
    );
}

/// 2026-05-01T09:00:00Z, a Friday: the clock every client here reads.
fn fixed_now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 5, 1, 9, 0, 0)
        .single()
        .unwrap_or(DateTime::<Utc>::UNIX_EPOCH)
}

fn http_config(client: reqwest::Client) -> HttpConfig {
    HttpConfig::default()
        .with_client(client)
        .with_retry(RetryPolicy::none())
        .with_request_timeout(Duration::from_secs(10))
        .with_operation_deadline(Duration::from_secs(20))
        .with_clock(Arc::new(ManualClock::new(fixed_now())))
}

fn cellhire_client(base: &str, http: reqwest::Client, oauth: bool) -> Result<CellhireClient> {
    let b = CellhireClient::builder()
        .base_url(base)
        .account_id(CELLHIRE_ACCOUNT)
        .http_config(http_config(http));
    let b = if oauth {
        b.client_credentials("numport-fuzz", "s3cr3t")
            .token_url(format!("{base}{CELLHIRE_TOKEN_PATH}"))
    } else {
        b.bearer_token("tok-5c1e9a7d30b2")
    };
    b.build()
}

fn inumbering_client(base: &str, http: reqwest::Client, admin: bool) -> Result<INumberingClient> {
    INumberingClient::builder()
        .base_url(base)
        .username(1_234_567_890)
        .password("abc1234567")
        .admin(admin)
        .http_config(http_config(http))
        .build()
}

/// One canned HTTP answer.
#[derive(Debug, Clone)]
struct Canned {
    status: u16,
    body: Vec<u8>,
}

impl Canned {
    /// `status` is forced into 200..=599 (hyper waits past 1xx answers).
    fn new(status: u16, body: &[u8]) -> Self {
        let status = if (200..=599).contains(&status) {
            status
        } else {
            200 + status % 400
        };
        Self {
            status,
            body: body.to_vec(),
        }
    }
}

type Routes = Arc<Mutex<HashMap<String, Canned>>>;

/// The loopback server, its runtime and the shared HTTP client.
struct Harness {
    addr: SocketAddr,
    routes: Routes,
    runtime: tokio::runtime::Runtime,
    client: reqwest::Client,
}

static HARNESS: OnceLock<std::result::Result<Harness, String>> = OnceLock::new();
static SERIAL: Mutex<()> = Mutex::new(());

fn harness() -> Result<&'static Harness> {
    HARNESS
        .get_or_init(start_harness)
        .as_ref()
        .map_err(|e| Error::Config(format!("fuzzing harness: {e}")))
}

fn start_harness() -> std::result::Result<Harness, String> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| e.to_string())?;
    let client = {
        let _guard = runtime.enter();
        reqwest::Client::builder()
            .no_proxy()
            .redirect(reqwest::redirect::Policy::none())
            .pool_max_idle_per_host(0)
            .user_agent(crate::http::USER_AGENT_VALUE)
            .build()
            .map_err(|e| e.to_string())?
    };
    let listener = TcpListener::bind("127.0.0.1:0").map_err(|e| e.to_string())?;
    let addr = listener.local_addr().map_err(|e| e.to_string())?;
    let routes: Routes = Arc::default();
    let served = routes.clone();
    std::thread::Builder::new()
        .name("numport-fuzz-server".into())
        .spawn(move || {
            for stream in listener.incoming().flatten() {
                let _ = answer(stream, &served);
            }
        })
        .map_err(|e| e.to_string())?;
    Ok(Harness {
        addr,
        routes,
        runtime,
        client,
    })
}

/// Answers one request on `stream` from `routes` (by path; 599 for any
/// other), then closes the connection.
fn answer(stream: TcpStream, routes: &Routes) -> std::io::Result<()> {
    stream.set_read_timeout(Some(Duration::from_secs(5)))?;
    stream.set_write_timeout(Some(Duration::from_secs(5)))?;
    let mut reader = BufReader::new(stream.try_clone()?);
    let mut line = String::new();
    reader.read_line(&mut line)?;
    let path = line
        .split_whitespace()
        .nth(1)
        .unwrap_or("/")
        .split('?')
        .next()
        .unwrap_or("/")
        .to_owned();
    let mut length = 0usize;
    loop {
        let mut header = String::new();
        if reader.read_line(&mut header)? == 0 {
            break;
        }
        let header = header.trim_end();
        if header.is_empty() {
            break;
        }
        if let Some((name, value)) = header.split_once(':') {
            if name.trim().eq_ignore_ascii_case("content-length") {
                length = value.trim().parse().unwrap_or(0);
            }
        }
    }
    let mut sink = vec![0u8; length.min(1 << 20)];
    reader.read_exact(&mut sink)?;
    let canned = routes
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .get(&path)
        .cloned()
        .unwrap_or(Canned {
            status: 599,
            body: b"unexpected request".to_vec(),
        });
    let mut out = stream;
    write!(
        out,
        "HTTP/1.1 {} Fuzz\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\
         Retry-After: 1\r\nConnection: close\r\n\r\n",
        canned.status,
        canned.body.len()
    )?;
    out.write_all(&canned.body)?;
    out.flush()?;
    out.shutdown(std::net::Shutdown::Write)
}

/// Installs `answers`, then runs `call` with the server's base URL and the
/// shared HTTP client on the harness runtime. One call at a time.
fn with_server<F, Fut>(answers: &[(String, Canned)], call: F) -> Result<()>
where
    F: FnOnce(String, reqwest::Client) -> Fut,
    Fut: Future<Output = Result<()>>,
{
    let h = harness()?;
    let _serial = SERIAL.lock().unwrap_or_else(|p| p.into_inner());
    {
        let mut routes = h.routes.lock().unwrap_or_else(|p| p.into_inner());
        routes.clear();
        routes.extend(answers.iter().cloned());
    }
    let base = format!("http://{}", h.addr);
    let result = h.runtime.block_on(call(base, h.client.clone()));
    if let Err(e) = &result {
        touch_error(e);
    }
    result
}
