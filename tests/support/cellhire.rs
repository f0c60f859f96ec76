//! Set-up for the tests against a Cellhire mock server: a mock server that
//! fails the test on anything no test asked for, a client on a fixed clock with
//! fast deterministic retries, fixtures, and the exact list of requests the
//! server received.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use futures::future::BoxFuture;
use numport::carrier::cellhire::{CellhireClient, CreatePort, CreatePortRow, PortType, Service};
use numport::clock::ManualClock;
use numport::http::{Backoff, HttpConfig, RetryPolicy, Sleep};
use numport::{Iccid, Pac, PhoneNumber, PortId};
use serde_json::Value;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

pub const ACCOUNT_ID: u64 = 40001;
pub const TOKEN: &str = "tok-5c1e9a7d30b2";
pub const CLIENT_ID: &str = "numport-tests";
pub const CLIENT_SECRET: &str = "s3cr3t/with+symbols&=";
pub const TOKEN_PATH: &str = "/connect/token";
pub const USER_AGENT: &str = "numport/0.1.0";
pub const JSON_UTF8: &str = "application/json;charset=UTF-8";
pub const FORM: &str = "application/x-www-form-urlencoded";

/// The port of the document's Get Port Details example.
pub const DETAILS_ID: &str = "93949676-932c-4c43-140f-08dca4c4f4e2";
/// The GUID of the document's Create Port answer.
pub const CREATED_ID: &str = "550e8400-e29b-41d4-a716-446655440000";

/// The clock every client reads: Friday 2026-05-01 09:00 UTC.
pub fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 5, 1, 9, 0, 0).unwrap()
}

/// `"2026-05-05"` as a date.
pub fn date(text: &str) -> NaiveDate {
    text.parse().unwrap()
}

/// A phone number from its E.164 form.
pub fn number(e164: &str) -> PhoneNumber {
    PhoneNumber::parse(e164).unwrap()
}

/// A port id.
pub fn port_id(id: &str) -> PortId {
    PortId::new(id).unwrap()
}

/// The document's Create Port example, on a UK number and a date valid on
/// Friday 2026-05-01 for Vodafone (id 1).
pub fn doc_create() -> CreatePort {
    CreatePort {
        name: "Example Port".into(),
        target_network_id: 1,
        source_network_id: 5,
        connection_date: date("2026-05-05"),
        port_type: PortType::PortIn,
        rows: vec![CreatePortRow {
            group_name: "Group1".into(),
            esim: false,
            msisdn: number("+447700900123"),
            serial_no: Iccid::unchecked("1234567890").unwrap(),
            provisioning_order: Some(3630),
            provisioning_order_name: None,
            pac: Pac::new("ABC123456").unwrap(),
            tariff_id: 102344,
            bolt_ons: vec![502248],
            services: Some(vec![
                Service::new("voice", "true"),
                Service::new("voiceRoaming", "true"),
            ]),
        }],
    }
}

pub fn doc_create_body() -> serde_json::Value {
    serde_json::json!({
        "name": "Example Port",
        "targetNetworkId": 1,
        "sourceNetworkId": 5,
        "connectionDate": "2026-05-05T00:00:00.000Z",
        "portType": "PortIn",
        "rows": [{
            "groupName": "Group1",
            "esim": false,
            "msisdn": "07700900123",
            "serialNo": "1234567890",
            "provisioningOrder": 3630,
            "provisioningOrderName": null,
            "pac": "ABC123456",
            "tariffId": 102344,
            "boltOns": [502248],
            "services": [
                {"name": "voice", "value": "true"},
                {"name": "voiceRoaming", "value": "true"}
            ]
        }]
    })
}

/// A mock server with the shared catch-all: anything no test mounted is
/// answered 599 and fails the test.
pub async fn server() -> MockServer {
    super::mock::strict_server().await
}

/// A [`Sleep`] that records each delay and returns at once.
#[derive(Debug, Default)]
pub struct RecordingSleep(Mutex<Vec<Duration>>);

impl RecordingSleep {
    /// Every delay asked for, in order.
    pub fn delays(&self) -> Vec<Duration> {
        self.0.lock().unwrap().clone()
    }
}

impl Sleep for RecordingSleep {
    fn sleep(&self, duration: Duration) -> BoxFuture<'static, ()> {
        self.0.lock().unwrap().push(duration);
        Box::pin(async {})
    }
}

/// Three attempts, 1 ms then 2 ms (capped at 5 ms), no jitter, `Retry-After`
/// honoured up to 2 s.
pub fn retry_policy() -> RetryPolicy {
    RetryPolicy::default()
        .with_max_attempts(3)
        .with_backoff(
            Backoff::default()
                .with_jitter(false)
                .with_initial(Duration::from_millis(1))
                .with_max(Duration::from_millis(5))
                .with_multiplier(2.0),
        )
        .with_max_retry_after(Duration::from_secs(2))
}

/// The HTTP settings of every test client: the fixed clock, the fast retry
/// policy and a recording sleep.
pub fn http_config(sleeps: &Arc<RecordingSleep>) -> HttpConfig {
    HttpConfig::default()
        .with_clock(Arc::new(ManualClock::new(now())))
        .with_retry(retry_policy())
        .with_sleep(sleeps.clone())
}

/// A mock server and a client pointed at it.
pub struct Setup {
    pub server: MockServer,
    pub client: CellhireClient,
    pub sleeps: Arc<RecordingSleep>,
}

/// A client with the static bearer token [`TOKEN`].
pub async fn setup() -> Setup {
    setup_with(|http| http).await
}

/// A client with the static bearer token [`TOKEN`] and adjusted HTTP settings.
pub async fn setup_with(adjust: impl FnOnce(HttpConfig) -> HttpConfig) -> Setup {
    let server = server().await;
    let sleeps = Arc::new(RecordingSleep::default());
    let client = CellhireClient::builder()
        .base_url(server.uri())
        .account_id(ACCOUNT_ID)
        .bearer_token(TOKEN)
        .http_config(adjust(http_config(&sleeps)))
        .build()
        .unwrap();
    Setup {
        server,
        client,
        sleeps,
    }
}

/// A client with OAuth2 client credentials against the mock's token endpoint.
pub async fn setup_oauth() -> Setup {
    let server = server().await;
    let sleeps = Arc::new(RecordingSleep::default());
    let client = CellhireClient::builder()
        .base_url(server.uri())
        .account_id(ACCOUNT_ID)
        .client_credentials(CLIENT_ID, CLIENT_SECRET)
        .token_url(format!("{}{TOKEN_PATH}", server.uri()))
        .http_config(http_config(&sleeps))
        .build()
        .unwrap();
    Setup {
        server,
        client,
        sleeps,
    }
}

/// `/api/porting/40001{rest}`.
pub fn api_path(rest: &str) -> String {
    format!("/api/porting/{ACCOUNT_ID}{rest}")
}

/// A fixture under `tests/fixtures/cellhire/`, as text.
pub fn fixture_text(name: &str) -> String {
    let file = format!(
        "{}/tests/fixtures/cellhire/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    std::fs::read_to_string(&file).unwrap_or_else(|e| panic!("{file}: {e}"))
}

/// A fixture under `tests/fixtures/cellhire/`, as JSON.
pub fn fixture(name: &str) -> Value {
    serde_json::from_str(&fixture_text(name)).unwrap()
}

/// A JSON answer as Cellhire sends it.
pub fn json(status: u16, body: &Value) -> ResponseTemplate {
    ResponseTemplate::new(status).set_body_raw(body.to_string(), JSON_UTF8)
}

/// Mounts Get Porting Networks answering `networks.json`, expected once.
pub async fn mount_networks(server: &MockServer) {
    Mock::given(method("GET"))
        .and(path(api_path("/networks")))
        .respond_with(json(200, &fixture("networks.json")))
        .expect(1)
        .named("networks")
        .mount(server)
        .await;
}

/// Mounts Create Port answering `answer`, expected exactly once.
pub async fn mount_create(server: &MockServer, answer: ResponseTemplate) {
    Mock::given(method("POST"))
        .and(path(api_path("")))
        .respond_with(answer)
        .expect(1)
        .named("create port")
        .mount(server)
        .await;
}

/// A request body, read by its content type.
#[derive(Debug, Clone, PartialEq)]
pub enum Body {
    Empty,
    Json(Value),
    Form(Vec<(String, String)>),
    Text(String),
}

/// A request as the server saw it: method, path (with any query), the
/// headers that matter, and the body.
#[derive(Debug, Clone, PartialEq)]
pub struct Seen {
    pub method: String,
    pub path: String,
    pub headers: BTreeMap<String, String>,
    pub body: Body,
}

/// The headers compared; any other header is ignored.
const KEY_HEADERS: [&str; 5] = [
    "authorization",
    "content-type",
    "user-agent",
    "x-pagenumber",
    "x-pagesize",
];

impl Seen {
    /// A Cellhire API request with the static token, no body.
    pub fn api(method: &str, rest: &str) -> Self {
        let headers = BTreeMap::from([
            ("authorization".to_owned(), format!("Bearer {TOKEN}")),
            ("content-type".to_owned(), JSON_UTF8.to_owned()),
            ("user-agent".to_owned(), USER_AGENT.to_owned()),
        ]);
        Self {
            method: method.to_owned(),
            path: api_path(rest),
            headers,
            body: Body::Empty,
        }
    }

    /// Get Porting Networks.
    pub fn networks() -> Self {
        Self::api("GET", "/networks")
    }

    /// The OAuth2 client-credentials grant, exactly.
    pub fn token_grant() -> Self {
        let headers = BTreeMap::from([
            ("content-type".to_owned(), FORM.to_owned()),
            ("user-agent".to_owned(), USER_AGENT.to_owned()),
        ]);
        Self {
            method: "POST".to_owned(),
            path: TOKEN_PATH.to_owned(),
            headers,
            body: Body::Form(vec![
                ("client_id".to_owned(), CLIENT_ID.to_owned()),
                ("client_secret".to_owned(), CLIENT_SECRET.to_owned()),
                ("grant_type".to_owned(), "client_credentials".to_owned()),
            ]),
        }
    }

    /// The same request with another bearer token.
    pub fn bearer(mut self, token: &str) -> Self {
        self.headers
            .insert("authorization".to_owned(), format!("Bearer {token}"));
        self
    }

    /// The same request with List Ports' paging headers.
    pub fn page(mut self, number: u32, size: u32) -> Self {
        self.headers
            .insert("x-pagenumber".to_owned(), number.to_string());
        self.headers
            .insert("x-pagesize".to_owned(), size.to_string());
        self
    }

    /// The same request with this JSON body.
    pub fn json(mut self, body: Value) -> Self {
        self.body = Body::Json(body);
        self
    }
}

fn seen(request: &wiremock::Request) -> Seen {
    let mut headers = BTreeMap::new();
    for name in KEY_HEADERS {
        let values: Vec<&str> = request
            .headers
            .get_all(name)
            .iter()
            .map(|v| v.to_str().expect("a printable header"))
            .collect();
        if !values.is_empty() {
            headers.insert(name.to_owned(), values.join(", "));
        }
    }
    let content_type = headers.get("content-type").cloned().unwrap_or_default();
    let body = if request.body.is_empty() {
        Body::Empty
    } else if content_type.starts_with("application/json") {
        Body::Json(serde_json::from_slice(&request.body).expect("a JSON request body"))
    } else if content_type.starts_with(FORM) {
        Body::Form(
            url::form_urlencoded::parse(&request.body)
                .into_owned()
                .collect(),
        )
    } else {
        Body::Text(String::from_utf8_lossy(&request.body).into_owned())
    };
    let path = match request.url.query() {
        Some(query) => format!("{}?{query}", request.url.path()),
        None => request.url.path().to_owned(),
    };
    Seen {
        method: request.method.as_str().to_owned(),
        path,
        headers,
        body,
    }
}

/// Every request the server received, in arrival order.
pub async fn received(server: &MockServer) -> Vec<Seen> {
    server
        .received_requests()
        .await
        .expect("request recording is on")
        .iter()
        .map(seen)
        .collect()
}

/// Asserts the server received exactly these requests, in this order.
pub async fn assert_requests(server: &MockServer, expected: &[Seen]) {
    assert_eq!(received(server).await, expected);
}
