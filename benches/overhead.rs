//! numport against a hand-written reqwest client doing the same calls, on
//! loopback. Run on demand (not by CI), in release:
//!
//! ```text
//! cargo bench --bench overhead
//! ```
//!
//! A loopback axum server (its own OS thread and current-thread runtime)
//! serves fixed, realistic carrier bodies. For each row the numport call and
//! an equivalent raw reqwest 0.13 client (same crate and features, same
//! headers, decoding into a serde struct defined here that mirrors the
//! carrier JSON) run in interleaved batches on a current-thread runtime in a
//! second OS thread; the order alternates every round. CPU is that client
//! thread's alone (`/proc/thread-self/schedstat`, nanoseconds; `stat`
//! utime+stime as a fallback), so the server's work is not counted. The List
//! Ports rows run each listing in a child process (this binary re-executed)
//! so that peak RSS (`VmHWM`) is per run.
//!
//! Tunables (environment): `OVERHEAD_ROUNDS` (default 15), `OVERHEAD_BATCH`
//! (calls per batch, default 1000; the 64-in-flight row uses 5x that),
//! `OVERHEAD_LIST` (listing sizes, default `10000,100000,1000000`; `0` for
//! none), `OVERHEAD_ROWS` (rows to run, e.g. `4,5`; default all),
//! `OVERHEAD_SIDE` (`numport` or `raw`: run one side only, for a profiler).
//!
//! Goals are in `benches/README.md`.

#[path = "overhead/instructions.rs"]
mod instructions;

use std::future::Future;
use std::hint::black_box;
use std::net::SocketAddr;
use std::process::Command;
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::Response;
use axum::routing::{get, post};
use axum::serve::ListenerExt;
use base64::Engine;
use chrono::NaiveDate;
use futures::StreamExt;
use numport::carrier::apeiron::{ApeironClient, CellularPort, ServicePlan};
use numport::carrier::cellhire::{CellhireClient, CreatePort, CreatePortRow, PortType, Service};
use numport::carrier::inumbering::INumberingClient;
use numport::http::{HttpConfig, USER_AGENT_VALUE};
use numport::{AccountNumber, Address, Iccid, Pac, PhoneNumber, Pin, PortId, PortProvider};
use reqwest::header::{AUTHORIZATION, CONTENT_TYPE};
use serde::{Deserialize, Serialize};

// ---------------------------------------------------------------------------
// Fixed data

const CELLHIRE_ACCOUNT: u64 = 40001;
const CELLHIRE_TOKEN: &str = "tok-5c1e9a7d30b2-bench-0000000000000000";
const PORT_ID: &str = "93949676-932c-4c43-140f-08dca4c4f4e2";
const CREATED_ID: &str = "550e8400-e29b-41d4-a716-446655440000";
const APEIRON_USER: &str = "ops@example.com";
const APEIRON_TOKEN: &str = "tok:en/with+symbols";
const INUMBERING_USER: u64 = 3569689953;
const INUMBERING_PASSWORD: &str = "bench-password";
const APIKEY: &str = "4ab6986446d30b866abf91ecb4e7f5ac";
const CELLHIRE_JSON: &str = "application/json;charset=UTF-8";
const JSON: &str = "application/json";
const LIST_PAGE_SIZE: u32 = 50;
const IN_FLIGHT: usize = 64;
const CHILD_FLAG: &str = "__overhead_list_child";

/// Get Port Details with three rows, pretty-printed as in Cellhire's
/// document (about 2.4 KB).
fn port_details_body() -> String {
    let row = |id: &str,
               msisdn: &str,
               serial: &str,
               pac: &str,
               status: i64,
               name: &str,
               message: Option<&str>| {
        serde_json::json!({
            "id": id,
            "msisdn": msisdn,
            "serialNo": serial,
            "pac": pac,
            "status": status,
            "statusName": name,
            "message": message,
            "groupName": "Group1",
            "boltOns": [502102, 502248],
            "tariffId": 102295,
            "tariffName": "Bundle V+D Silver",
            "esim": false,
            "provisioningOrderName": null,
            "provisioningOrder": 9569,
            "services": [
                {"name": "admin", "value": "true"},
                {"name": "voice", "value": "true"}
            ]
        })
    };
    let body = serde_json::json!({
        "id": PORT_ID,
        "status": 3,
        "statusName": "Pac Check Failed",
        "name": "Fleet batch 7",
        "targetNetworkId": 1,
        "targetNetworkName": "Vodafone",
        "sourceNetworkId": 5,
        "sourceNetworkName": "O2",
        "connectionDate": "2026-05-05T00:00:00",
        "portType": 2,
        "portTypeName": "PortIn",
        "rowCount": 3,
        "rows": [
            row("8f16f79a-cd5a-40a5-0938-08dca4c4f4ff", "07700900123", "8944100030123456789",
                "ABC123456", 2, "PacValid", None),
            row("8f16f79a-cd5a-40a5-0938-08dca4c4f500", "07700900124", "8944100030123456797",
                "DEF654321", 4, "PacInvalid", Some("The PAC is invalid.")),
            row("8f16f79a-cd5a-40a5-0938-08dca4c4f501", "07700900125", "8944100030123456805",
                "GHI112233", 5, "Submitted", Some("Awaiting the losing network")),
        ]
    });
    serde_json::to_string_pretty(&body).unwrap()
}

/// portStatus with eight orders, compact (about 2.3 KB).
fn port_status_body() -> String {
    let statuses = [
        (
            "Complete",
            "Your numbers ported on May/06/2026 at 10:00 AM Central.",
            "20260506",
        ),
        (
            "Pending",
            "Your numbers will be porting on May/12/2026 at 10:00 AM Central.",
            "20260512",
        ),
        (
            "submitted",
            "Submitted to the losing carrier; awaiting FOC.",
            "19750715",
        ),
        (
            "Validating",
            "Validating the port request with the losing carrier.",
            "19750715",
        ),
    ];
    let entries: Vec<serde_json::Value> = (0..8)
        .map(|i| {
            let (status, message, foc) = statuses[i % statuses.len()];
            serde_json::json!({
                "id": format!("4ab6986446d30b866abf91ecb4e7f5ac633587{i:02x}"),
                "key": [INUMBERING_USER.to_string(), (1746000000 - i * 86400).to_string()],
                "value": {
                    "pid": format!("a3a2{i}"),
                    "status": status,
                    "message": message,
                    "foc": foc,
                    "notify": "1",
                    "url": format!("https://desk.support.voicetel.com/conversation/{}", 2114 + i),
                    "pin": format!("27{i:02}")
                }
            })
        })
        .collect();
    serde_json::json!({
        "statusCode": "200",
        "status": "Success",
        "portStatusSummary": entries
    })
    .to_string()
}

const LIST_STATUSES: [(&str, i64); 8] = [
    ("Created", 1),
    ("Pac Check Failed", 2),
    ("Submitted", 4),
    ("Locked", 5),
    ("Ported", 6),
    ("Awaiting Serial", 7),
    ("Complete", 16),
    ("Cancelled", 3),
];

/// One page of List Ports for an account of `total` ports.
fn list_page(total: u64, page: u64, size: u64) -> String {
    use std::fmt::Write;
    let pages = total.div_ceil(size);
    let start = (page - 1).saturating_mul(size).min(total);
    let end = (start + size).min(total);
    let mut s = String::with_capacity(64 + 230 * (end - start) as usize);
    write!(s, r#"{{"total":{total},"totalPages":{pages},"data":["#).unwrap();
    for i in start..end {
        if i > start {
            s.push(',');
        }
        let (name, id) = LIST_STATUSES[(i % LIST_STATUSES.len() as u64) as usize];
        let head = (i.wrapping_mul(2_654_435_761) & 0xffff_ffff) as u32;
        write!(
            s,
            r#"{{"id":"{head:08x}-932c-4c43-140f-{i:012x}","name":"Port {i}","connectionDate":"2026-05-05T00:00:00","portType":2,"portTypeName":"PortIn","rowCount":{},"status":{id},"statusName":"{name}"}}"#,
            1 + i % 3
        )
        .unwrap();
    }
    s.push_str("]}");
    s
}

// ---------------------------------------------------------------------------
// The loopback server

struct Bodies {
    port_details: Bytes,
    networks: Bytes,
    created: Bytes,
    apeiron_created: Bytes,
    apikey: Bytes,
    port_status: Bytes,
}

type Shared = State<Arc<Bodies>>;

fn reply(status: StatusCode, content_type: &'static str, body: Bytes) -> Response {
    let mut r = Response::new(Body::from(body));
    *r.status_mut() = status;
    r.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    r
}

async fn serve_port_details(State(b): Shared) -> Response {
    reply(StatusCode::OK, CELLHIRE_JSON, b.port_details.clone())
}

async fn serve_networks(State(b): Shared) -> Response {
    reply(StatusCode::OK, CELLHIRE_JSON, b.networks.clone())
}

async fn serve_create(State(b): Shared, body: Bytes) -> Response {
    black_box(body);
    reply(StatusCode::CREATED, CELLHIRE_JSON, b.created.clone())
}

/// List Ports: the account id is the number of ports on the account.
async fn serve_list(Path(account): Path<u64>, headers: HeaderMap) -> Response {
    let num = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse::<u64>().ok())
    };
    let page = num("x-pagenumber").unwrap_or(1).max(1);
    let size = num("x-pagesize").unwrap_or(10).clamp(1, 50);
    reply(
        StatusCode::OK,
        CELLHIRE_JSON,
        Bytes::from(list_page(account, page, size)),
    )
}

async fn serve_apeiron(State(b): Shared, body: Bytes) -> Response {
    black_box(body);
    reply(StatusCode::CREATED, JSON, b.apeiron_created.clone())
}

async fn serve_apikey(State(b): Shared, body: Bytes) -> Response {
    black_box(body);
    reply(StatusCode::OK, JSON, b.apikey.clone())
}

async fn serve_port_status(State(b): Shared, body: Bytes) -> Response {
    black_box(body);
    reply(StatusCode::OK, JSON, b.port_status.clone())
}

/// Starts the server on 127.0.0.1 in its own OS thread (current-thread
/// runtime) and returns its address.
fn start_server() -> SocketAddr {
    let networks: serde_json::Value =
        serde_json::from_str(include_str!("../tests/fixtures/cellhire/networks.json")).unwrap();
    let bodies = Arc::new(Bodies {
        port_details: Bytes::from(port_details_body()),
        networks: Bytes::from(networks.to_string()),
        created: Bytes::from(format!("\"{CREATED_ID}\"")),
        apeiron_created: Bytes::from_static(br#"{"id":41,"status":"pending"}"#),
        apikey: Bytes::from(format!(
            r#"{{"status":"success","data":{{"apikey":"{APIKEY}"}}}}"#
        )),
        port_status: Bytes::from(port_status_body()),
    });
    let app = Router::new()
        .route("/api/porting/{account}", get(serve_list).post(serve_create))
        .route("/api/porting/{account}/networks", get(serve_networks))
        .route("/api/porting/{account}/port/{id}", get(serve_port_details))
        .route("/v2/cellular/port", post(serve_apeiron))
        .route("/v2.2/account/apikey", post(serve_apikey))
        .route("/v2.1/iNumbering/portStatus/", post(serve_port_status))
        .with_state(bodies);
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::Builder::new()
        .name("loopback-server".into())
        .spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            rt.block_on(async move {
                let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
                tx.send(listener.local_addr().unwrap()).unwrap();
                let listener = listener.tap_io(|tcp| {
                    let _ = tcp.set_nodelay(true);
                });
                axum::serve(listener, app).await.unwrap();
            });
        })
        .unwrap();
    rx.recv().unwrap()
}

// ---------------------------------------------------------------------------
// CPU, wall and memory

/// CPU time of the calling thread: `/proc/thread-self/schedstat` (on-CPU
/// time in ns, user + system), else utime + stime of
/// `/proc/thread-self/stat` (10 ms ticks).
fn thread_cpu() -> Duration {
    schedstat("/proc/thread-self/schedstat").unwrap_or_else(|| stat_cpu("/proc/thread-self/stat"))
}

/// CPU time of this whole process, every thread.
fn process_cpu() -> Duration {
    let mut total = Duration::ZERO;
    let mut any = false;
    if let Ok(tasks) = std::fs::read_dir("/proc/self/task") {
        for task in tasks.flatten() {
            if let Some(t) = schedstat(&format!("{}/schedstat", task.path().display())) {
                total += t;
                any = true;
            }
        }
    }
    if any {
        total
    } else {
        stat_cpu("/proc/self/stat")
    }
}

fn schedstat(path: &str) -> Option<Duration> {
    let text = std::fs::read_to_string(path).ok()?;
    let ns = text.split_whitespace().next()?.parse::<u64>().ok()?;
    Some(Duration::from_nanos(ns))
}

fn stat_cpu(path: &str) -> Duration {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    // Fields after the command name's closing parenthesis start at field 3;
    // utime and stime are fields 14 and 15 (clock ticks of 1/100 s).
    let rest = text.rfind(')').map_or("", |i| &text[i + 1..]);
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let tick = |i: usize| {
        fields
            .get(i)
            .and_then(|v| v.parse::<u64>().ok())
            .unwrap_or(0)
    };
    Duration::from_millis((tick(11) + tick(12)) * 10)
}

fn cpu_source() -> &'static str {
    if schedstat("/proc/thread-self/schedstat").is_some() {
        "/proc/thread-self/schedstat (ns)"
    } else {
        "/proc/thread-self/stat utime+stime (10 ms ticks)"
    }
}

/// Peak resident set size of this process, in KiB.
fn vm_hwm_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .unwrap_or_default()
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}

#[derive(Debug, Clone, Copy)]
struct Sample {
    cpu: Duration,
    wall: Duration,
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    let n = v.len();
    if n == 0 {
        Duration::ZERO
    } else if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2
    }
}

fn ratio(a: Duration, b: Duration) -> f64 {
    a.as_secs_f64() / b.as_secs_f64().max(1e-12)
}

// ---------------------------------------------------------------------------
// Raw reqwest clients, written as one would by hand

/// The per-request timeout, set on every request as numport sets its own.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

/// The raw client, configured as numport's: no redirects, connect timeout
/// 10 s, numport's User-Agent (client-wide); the 30 s request timeout is
/// set on each request ([`REQUEST_TIMEOUT`]), as numport does.
fn raw_http() -> reqwest::Client {
    reqwest::Client::builder()
        .connect_timeout(Duration::from_secs(10))
        .redirect(reqwest::redirect::Policy::none())
        .user_agent(USER_AGENT_VALUE)
        .build()
        .unwrap()
}

fn sensitive(value: String) -> reqwest::header::HeaderValue {
    let mut v = reqwest::header::HeaderValue::from_str(&value).unwrap();
    v.set_sensitive(true);
    v
}

struct RawCellhire {
    http: reqwest::Client,
    base: String,
    account: u64,
    auth: reqwest::header::HeaderValue,
}

#[allow(dead_code)]
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawPortDetails {
    id: String,
    status: Option<i64>,
    status_name: Option<String>,
    name: Option<String>,
    target_network_id: Option<i64>,
    target_network_name: Option<String>,
    source_network_id: Option<i64>,
    source_network_name: Option<String>,
    connection_date: Option<String>,
    port_type: Option<i64>,
    port_type_name: Option<String>,
    row_count: Option<u32>,
    #[serde(default)]
    rows: Vec<RawPortRow>,
}

#[allow(dead_code)]
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawPortRow {
    id: Option<String>,
    #[serde(default)]
    msisdn: String,
    serial_no: Option<String>,
    pac: Option<String>,
    status: Option<i64>,
    status_name: Option<String>,
    message: Option<String>,
    group_name: Option<String>,
    bolt_ons: Option<Vec<i64>>,
    tariff_id: Option<i64>,
    tariff_name: Option<String>,
    esim: Option<bool>,
    provisioning_order_name: Option<String>,
    provisioning_order: Option<i64>,
    services: Option<Vec<RawService>>,
}

#[allow(dead_code)]
#[derive(Debug, Deserialize)]
struct RawService {
    name: String,
    value: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct RawCreatePort<'a> {
    name: &'a str,
    target_network_id: i64,
    source_network_id: i64,
    connection_date: String,
    port_type: &'a str,
    rows: Vec<RawCreatePortRow<'a>>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct RawCreatePortRow<'a> {
    group_name: &'a str,
    esim: bool,
    msisdn: &'a str,
    serial_no: &'a str,
    provisioning_order: Option<i64>,
    provisioning_order_name: Option<&'a str>,
    pac: &'a str,
    tariff_id: i64,
    bolt_ons: &'a [i64],
    services: Option<Vec<RawServiceOut<'a>>>,
}

#[derive(Serialize)]
struct RawServiceOut<'a> {
    name: &'a str,
    value: &'a str,
}

#[allow(dead_code)]
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawList {
    #[serde(default)]
    total: u64,
    #[serde(default)]
    total_pages: u64,
    #[serde(default)]
    data: Vec<RawListItem>,
}

/// A List Ports entry with the fields of numport's `PortSummary` (id,
/// status id and name, name, date, row count), as a user would decode it:
/// text as text, no mapping.
#[allow(dead_code)]
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawListItem {
    id: String,
    name: Option<String>,
    connection_date: Option<String>,
    row_count: Option<u32>,
    status: Option<i64>,
    status_name: Option<String>,
}

impl RawCellhire {
    fn new(http: reqwest::Client, base: &str, account: u64) -> Self {
        Self {
            http,
            base: base.to_owned(),
            account,
            auth: sensitive(format!("Bearer {CELLHIRE_TOKEN}")),
        }
    }

    async fn port_details(&self, id: &str) -> reqwest::Result<RawPortDetails> {
        self.http
            .get(format!(
                "{}/api/porting/{}/port/{id}",
                self.base, self.account
            ))
            .timeout(REQUEST_TIMEOUT)
            .header(AUTHORIZATION, self.auth.clone())
            .header(CONTENT_TYPE, CELLHIRE_JSON)
            .send()
            .await?
            .error_for_status()?
            .json()
            .await
    }

    async fn create_port(&self, port: &RawCreatePort<'_>) -> reqwest::Result<String> {
        self.http
            .post(format!("{}/api/porting/{}", self.base, self.account))
            .timeout(REQUEST_TIMEOUT)
            .header(AUTHORIZATION, self.auth.clone())
            .header(CONTENT_TYPE, CELLHIRE_JSON)
            .json(port)
            .send()
            .await?
            .error_for_status()?
            .json()
            .await
    }

    async fn list_page(&self, page: u64, size: u32) -> reqwest::Result<RawList> {
        self.http
            .get(format!("{}/api/porting/{}", self.base, self.account))
            .timeout(REQUEST_TIMEOUT)
            .header(AUTHORIZATION, self.auth.clone())
            .header(CONTENT_TYPE, CELLHIRE_JSON)
            .header("x-pagenumber", page.to_string())
            .header("x-pagesize", size.to_string())
            .send()
            .await?
            .error_for_status()?
            .json()
            .await
    }
}

#[derive(Serialize)]
struct RawApeironPort<'a> {
    mdn: &'a str,
    authorization_name: &'a str,
    first_name: &'a str,
    last_name: &'a str,
    address1: &'a str,
    address2: &'a str,
    city: &'a str,
    state: &'a str,
    postal_code: &'a str,
    account_number: &'a str,
    pin: &'a str,
    service_plan: &'a str,
    iccid: &'a str,
}

#[allow(dead_code)]
#[derive(Debug, Deserialize)]
struct RawApeironCreated {
    id: Option<u64>,
    status: Option<String>,
}

struct RawApeiron {
    http: reqwest::Client,
    url: String,
    auth: reqwest::header::HeaderValue,
}

impl RawApeiron {
    fn new(base: &str) -> Self {
        Self {
            http: raw_http(),
            url: format!("{base}/v2/cellular/port"),
            auth: sensitive(format!(
                "Basic {}",
                base64::engine::general_purpose::STANDARD
                    .encode(format!("{APEIRON_USER}:{APEIRON_TOKEN}"))
            )),
        }
    }

    async fn create_port(&self, port: &RawApeironPort<'_>) -> reqwest::Result<RawApeironCreated> {
        // `json` sets `Content-Type: application/json`, as numport sends.
        self.http
            .post(&self.url)
            .timeout(REQUEST_TIMEOUT)
            .header(AUTHORIZATION, self.auth.clone())
            .json(port)
            .send()
            .await?
            .error_for_status()?
            .json()
            .await
    }
}

#[derive(Serialize)]
struct RawApikeyOnly<'a> {
    apikey: &'a str,
}

#[allow(dead_code)]
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawStatusAnswer {
    status_code: Option<String>,
    status: Option<String>,
    #[serde(default)]
    port_status_summary: Vec<RawStatusItem>,
}

#[allow(dead_code)]
#[derive(Debug, Deserialize)]
struct RawStatusItem {
    id: Option<String>,
    #[serde(default)]
    key: Vec<String>,
    value: Option<RawStatusValue>,
}

#[allow(dead_code)]
#[derive(Debug, Deserialize)]
struct RawStatusValue {
    pid: Option<String>,
    status: Option<String>,
    message: Option<String>,
    foc: Option<String>,
    notify: Option<String>,
    url: Option<String>,
    pin: Option<String>,
}

struct RawINumbering {
    http: reqwest::Client,
    url: String,
    key: String,
    auth: reqwest::header::HeaderValue,
}

impl RawINumbering {
    /// The client after the key exchange (made once, before measuring).
    fn new(base: &str) -> Self {
        Self {
            http: raw_http(),
            url: format!("{base}/v2.1/iNumbering/portStatus/"),
            key: APIKEY.to_owned(),
            auth: sensitive(format!("Bearer {APIKEY}")),
        }
    }

    async fn port_status(&self) -> reqwest::Result<RawStatusAnswer> {
        let answer: RawStatusAnswer = self
            .http
            .post(&self.url)
            .timeout(REQUEST_TIMEOUT)
            .header(AUTHORIZATION, self.auth.clone())
            .json(&RawApikeyOnly { apikey: &self.key })
            .send()
            .await?
            .error_for_status()?
            .json()
            .await?;
        // iNumbering reports failures inside a 200: a careful hand-written
        // client looks at the body's status too.
        assert!(
            answer
                .status
                .as_deref()
                .is_some_and(|s| s.eq_ignore_ascii_case("success")),
            "iNumbering failure"
        );
        Ok(answer)
    }
}

// ---------------------------------------------------------------------------
// Interleaved measurement

#[derive(Clone, Copy)]
enum Mode {
    /// `n` calls one after the other.
    Sequential(usize),
    /// `n` calls with `k` in flight on one shared client.
    InFlight(usize, usize),
}

impl Mode {
    fn calls(self) -> usize {
        match self {
            Mode::Sequential(n) | Mode::InFlight(n, _) => n,
        }
    }
}

async fn measure<F, Fut>(mode: Mode, f: &F) -> Sample
where
    F: Fn() -> Fut,
    Fut: Future<Output = ()>,
{
    let cpu = thread_cpu();
    let wall = Instant::now();
    match mode {
        Mode::Sequential(n) => {
            for _ in 0..n {
                f().await;
            }
        }
        Mode::InFlight(n, k) => {
            futures::stream::iter(0..n)
                .map(|_| f())
                .buffer_unordered(k)
                .for_each(|()| async {})
                .await;
        }
    }
    Sample {
        cpu: thread_cpu() - cpu,
        wall: wall.elapsed(),
    }
}

struct RowResult {
    no: u8,
    name: &'static str,
    mode: Mode,
    numport: Vec<Sample>,
    raw: Vec<Sample>,
}

impl RowResult {
    fn cpu(&self) -> (Duration, Duration) {
        (
            median(self.numport.iter().map(|s| s.cpu).collect()),
            median(self.raw.iter().map(|s| s.cpu).collect()),
        )
    }

    fn wall(&self) -> (Duration, Duration) {
        (
            median(self.numport.iter().map(|s| s.wall).collect()),
            median(self.raw.iter().map(|s| s.wall).collect()),
        )
    }
}

/// Rows to run, from `OVERHEAD_ROWS` (`1,5`; default every row).
fn row_selected(no: u8) -> bool {
    match std::env::var("OVERHEAD_ROWS") {
        Ok(rows) if !rows.trim().is_empty() => rows
            .split(',')
            .any(|r| r.trim().parse::<u8>().ok() == Some(no)),
        _ => true,
    }
}

async fn compare<A, FA, B, FB>(
    no: u8,
    name: &'static str,
    rounds: usize,
    mode: Mode,
    numport: A,
    raw: B,
) -> RowResult
where
    A: Fn() -> FA,
    FA: Future<Output = ()>,
    B: Fn() -> FB,
    FB: Future<Output = ()>,
{
    let mut result = RowResult {
        no,
        name,
        mode,
        numport: Vec::with_capacity(rounds),
        raw: Vec::with_capacity(rounds),
    };
    if !row_selected(no) {
        return result;
    }
    // `OVERHEAD_SIDE=numport` or `raw` runs one side only (for a profiler,
    // e.g. callgrind's instruction counts); no ratio is printed then.
    let side = std::env::var("OVERHEAD_SIDE").unwrap_or_default();
    if side == "numport" || side == "raw" {
        let only = Mode::Sequential(mode.calls());
        if side == "numport" {
            measure(only, &numport).await;
        } else {
            measure(only, &raw).await;
        }
        return result;
    }
    eprint!("row {no} ({name}): warming up");
    let warm = match mode {
        Mode::Sequential(n) => Mode::Sequential((n / 5).max(50)),
        Mode::InFlight(n, k) => Mode::InFlight(n / 2, k),
    };
    measure(warm, &numport).await;
    measure(warm, &raw).await;
    eprint!(", {rounds} rounds of {} calls each", mode.calls());
    for round in 0..rounds {
        if round % 2 == 0 {
            result.numport.push(measure(mode, &numport).await);
            result.raw.push(measure(mode, &raw).await);
        } else {
            result.raw.push(measure(mode, &raw).await);
            result.numport.push(measure(mode, &numport).await);
        }
    }
    eprintln!(", done");
    result
}

// ---------------------------------------------------------------------------
// The rows

fn cellhire_client(base: &str, account: u64) -> CellhireClient {
    CellhireClient::builder()
        .base_url(base)
        .account_id(account)
        .bearer_token(CELLHIRE_TOKEN)
        .http_config(HttpConfig::default())
        .build()
        .unwrap()
}

fn cellhire_create(date: NaiveDate) -> CreatePort {
    let row = |msisdn: &str, serial: &str, pac: &str| CreatePortRow {
        group_name: "Group1".into(),
        esim: false,
        msisdn: PhoneNumber::parse(msisdn).unwrap(),
        serial_no: Iccid::unchecked(serial).unwrap(),
        provisioning_order: Some(3630),
        provisioning_order_name: None,
        pac: Pac::new(pac).unwrap(),
        tariff_id: 102344,
        bolt_ons: vec![502248],
        services: Some(vec![
            Service::new("voice", "true"),
            Service::new("voiceRoaming", "true"),
        ]),
    };
    CreatePort {
        name: "Example Port".into(),
        target_network_id: 1,
        source_network_id: 5,
        connection_date: date,
        port_type: PortType::PortIn,
        rows: vec![
            row("+447700900123", "1234567890", "ABC123456"),
            row("+447700900124", "1234567891", "DEF654321"),
        ],
    }
}

fn apeiron_client(base: &str) -> ApeironClient {
    ApeironClient::builder()
        .base_url(base)
        .username(APEIRON_USER)
        .api_token(APEIRON_TOKEN)
        .http_config(HttpConfig::default())
        .build()
        .unwrap()
}

/// The document's JSON example.
fn apeiron_port() -> CellularPort {
    CellularPort::new(
        PhoneNumber::nanp("4246346488").unwrap(),
        "John Doe",
        "John",
        "Doe",
        &Address::new("123 Main St", "Anytown", "CA", "12345", "US"),
        AccountNumber::new("123456789").unwrap(),
        Pin::new("1234").unwrap(),
        ServicePlan::Code("UTT5GB".into()),
        Iccid::parse("89012601234567000010").unwrap(),
    )
}

/// The same port as [`apeiron_port`], as the raw client sends it.
fn raw_apeiron_port() -> RawApeironPort<'static> {
    RawApeironPort {
        mdn: "4246346488",
        authorization_name: "John Doe",
        first_name: "John",
        last_name: "Doe",
        address1: "123 Main St",
        address2: "",
        city: "Anytown",
        state: "CA",
        postal_code: "12345",
        account_number: "123456789",
        pin: "1234",
        service_plan: "UTT5GB",
        iccid: "89012601234567000010",
    }
}

fn inumbering_client(base: &str) -> INumberingClient {
    INumberingClient::builder()
        .base_url(base)
        .username(INUMBERING_USER)
        .password(INUMBERING_PASSWORD)
        .http_config(HttpConfig::default())
        .build()
        .unwrap()
}

/// Create Port's `connectionDate` as the raw client writes it.
fn raw_date_text(date: NaiveDate) -> String {
    format!("{}T00:00:00.000Z", date.format("%Y-%m-%d"))
}

const RAW_BOLT_ONS: [i64; 1] = [502248];

/// The raw Create Port body of [`cellhire_create`], built from the data the
/// raw client holds (numbers in national form, as numport sends them).
fn raw_create_port(date_text: &str) -> RawCreatePort<'_> {
    let rows = [
        ("07700900123", "1234567890", "ABC123456"),
        ("07700900124", "1234567891", "DEF654321"),
    ];
    RawCreatePort {
        name: "Example Port",
        target_network_id: 1,
        source_network_id: 5,
        connection_date: date_text.to_owned(),
        port_type: "PortIn",
        rows: rows
            .iter()
            .map(|&(msisdn, serial_no, pac)| RawCreatePortRow {
                group_name: "Group1",
                esim: false,
                msisdn,
                serial_no,
                provisioning_order: Some(3630),
                provisioning_order_name: None,
                pac,
                tariff_id: 102344,
                bolt_ons: &RAW_BOLT_ONS,
                services: Some(vec![
                    RawServiceOut {
                        name: "voice",
                        value: "true",
                    },
                    RawServiceOut {
                        name: "voiceRoaming",
                        value: "true",
                    },
                ]),
            })
            .collect(),
    }
}

async fn run_rows(base: String, rounds: usize, batch: usize) -> Vec<RowResult> {
    let seq = Mode::Sequential(batch);
    let mut rows = Vec::new();

    // Cellhire, shared by rows 1, 2, 4 and 6.
    let cellhire = cellhire_client(&base, CELLHIRE_ACCOUNT);
    let raw_cellhire = RawCellhire::new(raw_http(), &base, CELLHIRE_ACCOUNT);
    let port_id = PortId::new(PORT_ID).unwrap();
    {
        let n = cellhire.port_details(&port_id).await.unwrap();
        let r = raw_cellhire.port_details(PORT_ID).await.unwrap();
        assert_eq!((n.rows.len(), r.rows.len()), (3, 3));
    }
    let np_details = || async {
        black_box(cellhire.port_details(&port_id).await.unwrap());
    };
    let raw_details = || async {
        black_box(raw_cellhire.port_details(PORT_ID).await.unwrap());
    };

    rows.push(
        compare(
            1,
            "Cellhire port_details",
            rounds,
            seq,
            np_details,
            raw_details,
        )
        .await,
    );

    // Apeiron create_port (JSON).
    let apeiron = apeiron_client(&base);
    let port = apeiron_port();
    let raw_apeiron = RawApeiron::new(&base);
    let raw_port = raw_apeiron_port();
    {
        let n = apeiron.create_port(&port).await.unwrap();
        let r = raw_apeiron.create_port(&raw_port).await.unwrap();
        assert_eq!(n.id.as_deref(), Some("41"));
        assert_eq!(r.id, Some(41));
    }
    rows.push(
        compare(
            3,
            "Apeiron create_port (JSON)",
            rounds,
            seq,
            || async {
                black_box(apeiron.create_port(&port).await.unwrap());
            },
            || async {
                black_box(raw_apeiron.create_port(&raw_port).await.unwrap());
            },
        )
        .await,
    );

    // Cellhire create_port, 2 rows; the network list is cached after this.
    let date = cellhire
        .plan_connection_date(&PortType::PortIn, 1)
        .await
        .unwrap();
    let create = cellhire_create(date);
    let date_text = raw_date_text(date);
    // The hand-written client builds its wire struct per call from the data
    // it holds, as numport does from `CreatePort`.
    let raw_create = || async {
        black_box(
            raw_cellhire
                .create_port(&raw_create_port(&date_text))
                .await
                .unwrap(),
        );
    };
    {
        let n = cellhire.create_port(&create).await.unwrap();
        assert_eq!(n.as_str(), CREATED_ID);
        raw_create().await;
    }
    rows.push(
        compare(
            4,
            "Cellhire create_port, 2 rows",
            rounds,
            seq,
            || async {
                black_box(cellhire.create_port(&create).await.unwrap());
            },
            raw_create,
        )
        .await,
    );

    // iNumbering port_status; the key is exchanged once, before measuring.
    let inumbering = inumbering_client(&base);
    let raw_inumbering = RawINumbering::new(&base);
    {
        let n = inumbering.port_status().await.unwrap();
        let r = raw_inumbering.port_status().await.unwrap();
        assert_eq!((n.len(), r.port_status_summary.len()), (8, 8));
        assert_eq!(inumbering.exchanges(), 1);
    }
    rows.push(
        compare(
            5,
            "iNumbering port_status",
            rounds,
            seq,
            || async {
                black_box(inumbering.port_status().await.unwrap());
            },
            || async {
                black_box(raw_inumbering.port_status().await.unwrap());
            },
        )
        .await,
    );
    assert_eq!(inumbering.exchanges(), 1);

    // The same summary through `PortProvider::orders()`, the path `order`,
    // `reconcile` and `watch_many` read, to the last entry.
    let np_orders = || async {
        let mut listing = inumbering.orders();
        let mut n = 0usize;
        while let Some(item) = listing.next().await {
            black_box(item.unwrap());
            n += 1;
        }
        assert_eq!(n, 8);
    };
    np_orders().await;
    rows.push(
        compare(
            8,
            "iNumbering orders() (same summary)",
            rounds,
            seq,
            np_orders,
            || async {
                black_box(raw_inumbering.port_status().await.unwrap());
            },
        )
        .await,
    );
    assert_eq!(inumbering.exchanges(), 1);

    // 64 in flight on one shared client.
    rows.push(
        compare(
            6,
            "Cellhire port_details, 64 in flight",
            rounds,
            Mode::InFlight(batch * 5, IN_FLIGHT),
            np_details,
            raw_details,
        )
        .await,
    );

    // Last, so that the subscriber cannot leave anything behind for the
    // other rows: the same as row 1 with an INFO subscriber writing to a
    // sink, installed for this thread only.
    {
        let subscriber = tracing_subscriber::fmt()
            .with_max_level(tracing::Level::INFO)
            .with_writer(std::io::sink)
            .finish();
        let _guard = tracing::subscriber::set_default(subscriber);
        rows.push(
            compare(
                2,
                "Cellhire port_details, INFO subscriber",
                rounds,
                seq,
                np_details,
                raw_details,
            )
            .await,
        );
    }
    rows.sort_by_key(|r| r.no);
    rows
}

// ---------------------------------------------------------------------------
// List Ports, one child process per run

/// Reads `client.list_ports` to the end; returns the number of ports.
async fn numport_list(client: &CellhireClient) -> u64 {
    let mut stream = client.list_ports(LIST_PAGE_SIZE);
    let mut count = 0u64;
    while let Some(item) = stream.next().await {
        black_box(item.unwrap());
        count += 1;
    }
    count
}

/// The hand-written paging loop: pages of 50 until `totalPages`.
async fn raw_list(client: &RawCellhire) -> u64 {
    let mut count = 0u64;
    let mut page = 1u64;
    loop {
        let list = client.list_page(page, LIST_PAGE_SIZE).await.unwrap();
        if list.data.is_empty() {
            break;
        }
        for item in list.data {
            black_box(item);
            count += 1;
        }
        if page >= list.total_pages {
            break;
        }
        page += 1;
    }
    count
}

/// In the child: lists `total` ports and prints
/// `LIST <count> <cpu ns> <wall ns> <VmHWM KiB>`.
fn child_main(mode: &str, total: u64, base: &str) {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let (count, sample) = rt.block_on(async {
        match mode {
            "numport" => {
                let client = cellhire_client(base, total);
                let cpu = process_cpu();
                let wall = Instant::now();
                let count = numport_list(&client).await;
                let sample = Sample {
                    cpu: process_cpu() - cpu,
                    wall: wall.elapsed(),
                };
                (count, sample)
            }
            "raw" => {
                let client = RawCellhire::new(raw_http(), base, total);
                let cpu = process_cpu();
                let wall = Instant::now();
                let count = raw_list(&client).await;
                let sample = Sample {
                    cpu: process_cpu() - cpu,
                    wall: wall.elapsed(),
                };
                (count, sample)
            }
            other => panic!("unknown listing mode {other}"),
        }
    });
    println!(
        "LIST {count} {} {} {}",
        sample.cpu.as_nanos(),
        sample.wall.as_nanos(),
        vm_hwm_kib()
    );
}

#[derive(Clone, Copy)]
struct ListRun {
    cpu: Duration,
    wall: Duration,
    hwm_kib: u64,
}

fn list_in_child(mode: &str, total: u64, base: &str) -> ListRun {
    let exe = std::env::current_exe().unwrap();
    let out = Command::new(exe)
        .args([CHILD_FLAG, mode, &total.to_string(), base])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    let line = text
        .lines()
        .find(|l| l.starts_with("LIST "))
        .unwrap_or_else(|| {
            panic!(
                "the {mode} listing child failed: {}",
                String::from_utf8_lossy(&out.stderr)
            )
        });
    let f: Vec<u64> = line[5..]
        .split_whitespace()
        .map(|v| v.parse().unwrap())
        .collect();
    assert_eq!(f[0], total, "{mode} listed {} of {total} ports", f[0]);
    ListRun {
        cpu: Duration::from_nanos(f[1]),
        wall: Duration::from_nanos(f[2]),
        hwm_kib: f[3],
    }
}

struct ListResult {
    total: u64,
    runs: usize,
    numport: Vec<ListRun>,
    raw: Vec<ListRun>,
}

fn run_listings(base: &str, sizes: &[u64]) -> Vec<ListResult> {
    sizes
        .iter()
        .map(|&total| {
            let runs = match total {
                0..=20_000 => 7,
                20_001..=200_000 => 5,
                _ => 3,
            };
            eprint!("row 7 (List Ports, {total} ports): {runs} run(s) each");
            let mut r = ListResult {
                total,
                runs,
                numport: Vec::new(),
                raw: Vec::new(),
            };
            for round in 0..runs {
                if round % 2 == 0 {
                    r.numport.push(list_in_child("numport", total, base));
                    r.raw.push(list_in_child("raw", total, base));
                } else {
                    r.raw.push(list_in_child("raw", total, base));
                    r.numport.push(list_in_child("numport", total, base));
                }
            }
            eprintln!(", done");
            r
        })
        .collect()
}

// ---------------------------------------------------------------------------
// Output

fn micros(d: Duration, calls: usize) -> f64 {
    d.as_secs_f64() * 1e6 / calls as f64
}

fn verdict(ok: bool) -> &'static str {
    if ok { "ok" } else { "EXCEEDS" }
}

fn env_or<T: std::str::FromStr>(name: &str, default: T) -> T {
    std::env::var(name)
        .ok()
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(default)
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.get(1).map(String::as_str) == Some(CHILD_FLAG) {
        child_main(&args[2], args[3].parse().unwrap(), &args[4]);
        return;
    }
    if args.get(1).map(String::as_str) == Some(instructions::FLAG) {
        instructions::child(
            args[2].parse().unwrap(),
            &args[3],
            args[4].parse().unwrap(),
            &args[5],
        );
        return;
    }
    if std::env::var("OVERHEAD_MODE").is_ok_and(|m| m.trim() == "instructions") {
        instructions::run();
        return;
    }
    let rounds: usize = env_or("OVERHEAD_ROUNDS", 15).max(1);
    let batch: usize = env_or("OVERHEAD_BATCH", 1000).max(10);
    let sizes: Vec<u64> = std::env::var("OVERHEAD_LIST")
        .unwrap_or_else(|_| "10000,100000,1000000".into())
        .split(',')
        .filter_map(|v| v.trim().parse().ok())
        .filter(|&v| v > 0)
        .collect();

    let started = Instant::now();
    let addr = start_server();
    let base = format!("http://{addr}");
    println!("numport overhead: numport / hand-written reqwest 0.13, loopback {addr}");
    println!(
        "client: current-thread tokio runtime in its own OS thread; CPU from {}",
        cpu_source()
    );
    println!(
        "bodies: port_details {} B, port_status {} B, List Ports page of 50 {} B",
        port_details_body().len(),
        port_status_body().len(),
        list_page(100_000, 2, 50).len()
    );
    println!(
        "{rounds} rounds per row, order alternating; {batch} calls per batch \
         ({} for 64 in flight); medians of batches",
        batch * 5
    );

    let client_base = base.clone();
    let rows = std::thread::Builder::new()
        .name("bench-client".into())
        .spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            rt.block_on(run_rows(client_base, rounds, batch))
        })
        .unwrap()
        .join()
        .unwrap();

    let listings = run_listings(&base, &sizes);

    println!();
    println!(
        "{:<2} {:<40} {:>13} {:>13} {:>9} {:>10}  {:<24}",
        "#", "row", "numport CPU", "raw CPU", "CPU ratio", "wall ratio", "goal"
    );
    let mut exceeded = Vec::new();
    for r in rows.iter().filter(|r| !r.numport.is_empty()) {
        let calls = r.mode.calls();
        let (nc, rc) = r.cpu();
        let (nw, rw) = r.wall();
        let cpu_ratio = ratio(nc, rc);
        let wall_ratio = ratio(nw, rw);
        let (goal, ok) = match r.no {
            2 => ("CPU <= 1.10".to_owned(), cpu_ratio <= 1.10),
            6 => {
                let throughput = ratio(rw, nw);
                (
                    format!("req/s >= 0.95x ({throughput:.3}x)"),
                    throughput >= 0.95,
                )
            }
            _ => ("CPU <= 1.05".to_owned(), cpu_ratio <= 1.05),
        };
        if !ok {
            exceeded.push(format!("row {}", r.no));
        }
        println!(
            "{:<2} {:<40} {:>10.1} us {:>10.1} us {:>9.3} {:>10.3}  {:<24} {}",
            r.no,
            r.name,
            micros(nc, calls),
            micros(rc, calls),
            cpu_ratio,
            wall_ratio,
            goal,
            verdict(ok)
        );
    }
    if let Some(r) = rows.iter().find(|r| r.no == 6) {
        let calls = r.mode.calls() as f64;
        let (nc, rc) = r.cpu();
        let (nw, rw) = r.wall();
        println!(
            "   64 in flight: numport {:.0} req/s, raw {:.0} req/s; client thread busy \
             {:.0}% / {:.0}% of wall time",
            calls / nw.as_secs_f64(),
            calls / rw.as_secs_f64(),
            100.0 * ratio(nc, nw),
            100.0 * ratio(rc, rw)
        );
    }
    println!("   (CPU = client thread CPU per call, median batch / calls per batch)");

    if !listings.is_empty() {
        println!();
        println!(
            "7  List Ports, {LIST_PAGE_SIZE} per page: list_ports stream vs raw paging loop \
             (one child process per run; medians; goal CPU <= 1.15, flat memory)"
        );
        println!(
            "   {:>9} {:>4} {:>11} {:>11} {:>9} {:>11} {:>11} {:>9} {:>10} {:>10}",
            "ports",
            "runs",
            "numport CPU",
            "raw CPU",
            "CPU ratio",
            "numport wall",
            "raw wall",
            "wall ratio",
            "numport RSS",
            "raw RSS"
        );
        let mut cpu_ok = true;
        for l in &listings {
            let nc = median(l.numport.iter().map(|r| r.cpu).collect());
            let rc = median(l.raw.iter().map(|r| r.cpu).collect());
            let nw = median(l.numport.iter().map(|r| r.wall).collect());
            let rw = median(l.raw.iter().map(|r| r.wall).collect());
            let nh = l.numport.iter().map(|r| r.hwm_kib).max().unwrap_or(0);
            let rh = l.raw.iter().map(|r| r.hwm_kib).max().unwrap_or(0);
            let cpu_ratio = ratio(nc, rc);
            cpu_ok &= cpu_ratio <= 1.15;
            println!(
                "   {:>9} {:>4} {:>9.0}ms {:>9.0}ms {:>9.3} {:>10.0}ms {:>9.0}ms {:>9.3} {:>7.1}MiB {:>7.1}MiB",
                l.total,
                l.runs,
                nc.as_secs_f64() * 1e3,
                rc.as_secs_f64() * 1e3,
                cpu_ratio,
                nw.as_secs_f64() * 1e3,
                rw.as_secs_f64() * 1e3,
                ratio(nw, rw),
                nh as f64 / 1024.0,
                rh as f64 / 1024.0
            );
        }
        let peak = |f: fn(&ListResult) -> &Vec<ListRun>, l: &ListResult| {
            f(l).iter().map(|r| r.hwm_kib).max().unwrap_or(0) as f64 / 1024.0
        };
        let first = listings.first().unwrap();
        let last = listings.last().unwrap();
        let growth = peak(|l| &l.numport, last) - peak(|l| &l.numport, first);
        let raw_growth = peak(|l| &l.raw, last) - peak(|l| &l.raw, first);
        // Flat: the peak grows by less than 4 MiB from the smallest listing
        // to the largest.
        let flat = growth < 4.0;
        println!(
            "   peak RSS growth {} -> {} ports: numport {growth:+.1} MiB, raw {raw_growth:+.1} MiB \
             (flat = under +4 MiB)",
            first.total, last.total
        );
        println!(
            "   goal CPU <= 1.15 at every size: {}; flat memory: {}",
            verdict(cpu_ok),
            verdict(flat)
        );
        if !cpu_ok || !flat {
            exceeded.push("row 7".into());
        }
    }
    println!();
    if exceeded.is_empty() {
        println!("every row meets its goal");
    } else {
        println!("rows over their goal: {}", exceeded.join(", "));
    }
    println!("total time {:.0} s", started.elapsed().as_secs_f64());
}
