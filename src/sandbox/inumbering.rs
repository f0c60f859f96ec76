//! A fake iNumbering: the key exchange, portability checks, customer and
//! admin orders, port status and port-out PINs.
//!
//! - Accounts: a customer ([`INumberingSandbox::USERNAME`]) and an
//!   administrator ([`INumberingSandbox::ADMIN_USERNAME`]), both with
//!   [`INumberingSandbox::PASSWORD`]. Each has one API key, returned by every
//!   exchange; the exchange is limited to six per hour (429 after).
//! - Every other call needs `Authorization: Bearer <key>`; the v2 calls also
//!   need the same key as `apikey` in the body (401 otherwise).
//! - portInAvailability: a number whose last four digits are `0000` is not
//!   portable ("not active with the current provider"), a toll-free number
//!   (8xx) neither; others are. A `tn` that is not a 10-digit integer gets
//!   a failure inside an HTTP 200 (`statusCode` "409").
//! - portInOrder: administrators only (403), 414 when a required field is
//!   missing, 412 unless every number was checked by this account within
//!   the hour.
//! - account/port: 400 on a missing field, 402 when the balance does not
//!   cover the per-number fee ([`INumberingSandbox::set_balance`]), 201
//!   with `pid`, `ticket`, `loa_url`, `port_url`.
//! - portStatus moves each of the account's orders one step per call:
//!   `submitted` → `Validating` → `Pending` (no FOC, `19750715`) →
//!   `Pending` (FOC set) → `Complete`.
//! - portOutPinUpdate sets or generates (1000–9999) the PINs of the
//!   account's own numbers (numbers of its orders, and `3125550100`–`109`)
//!   and leaves the others out of the answer.
//! - [`INumberingSandbox::fail_next`] answers the next calls with 503, for
//!   tests of retries.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Bytes;
use axum::extract::State as Shared;
use axum::http::Uri;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use chrono::{Days, Utc};
use serde_json::{Value, json};

use super::server::Server;
use crate::error::Result;

const HOUR: Duration = Duration::from_secs(3600);
const FEE_PER_NUMBER: i64 = 150;

#[derive(Debug)]
struct Port {
    id: String,
    pid: String,
    account: u64,
    step: usize,
    created: i64,
    pin: String,
}

const STEPS: &[(&str, bool)] = &[
    ("submitted", false),
    ("Validating", false),
    ("Pending", false),
    ("Pending", true),
    ("Complete", true),
];

#[derive(Debug)]
struct State {
    keys: HashMap<u64, String>,
    exchanges: Vec<Instant>,
    checks: HashMap<(u64, String), Instant>,
    ports: Vec<Port>,
    pins: HashMap<String, String>,
    owned: HashMap<u64, HashSet<String>>,
    balance: i64,
    requests: Vec<String>,
    fail_next: usize,
    next: u64,
}

type Db = Arc<Mutex<State>>;

/// A running fake iNumbering on loopback. Stops when dropped.
#[derive(Debug)]
pub struct INumberingSandbox {
    server: Server,
    state: Db,
}

fn random_u64() -> u64 {
    let bytes = uuid::Uuid::new_v4().into_bytes();
    u64::from_le_bytes([
        bytes[0], bytes[1], bytes[2], bytes[3], bytes[4], bytes[5], bytes[6], bytes[7],
    ])
}

impl INumberingSandbox {
    /// The customer account's username.
    pub const USERNAME: u64 = 1_234_567_890;
    /// The administrator account's username.
    pub const ADMIN_USERNAME: u64 = 1_000_000_001;
    /// Both accounts' password (not a secret: the sandbox is local).
    pub const PASSWORD: &'static str = "sandbox-password";

    /// Starts a sandbox.
    pub async fn start() -> Result<Self> {
        let mut owned = HashMap::new();
        owned.insert(
            Self::USERNAME,
            (100..110).map(|n| format!("3125550{n}")).collect(),
        );
        let state = Arc::new(Mutex::new(State {
            keys: HashMap::new(),
            exchanges: Vec::new(),
            checks: HashMap::new(),
            ports: Vec::new(),
            pins: HashMap::new(),
            owned,
            balance: 100_000,
            requests: Vec::new(),
            fail_next: 0,
            next: 0,
        }));
        let router = Router::new()
            .route("/v2.2/account/apikey", post(exchange))
            .route("/v2/iNumbering/portInAvailability/", post(availability))
            .route("/v2/iNumbering/portInOrder/", post(port_in_order))
            .route("/v2.2/account/port", post(account_port))
            .route("/v2.1/iNumbering/portStatus/", post(port_status))
            .route("/v2/iNumbering/portOutPinUpdate/", post(pin_update))
            .fallback(|| async {
                answer(
                    StatusCode::NOT_FOUND,
                    json!({"status": "Error", "statusCode": "404", "message": "Not found"}),
                )
            })
            .with_state(state.clone());
        Ok(Self {
            server: Server::spawn(router).await?,
            state,
        })
    }

    /// The API base URL, `http://127.0.0.1:<port>`.
    pub fn base_url(&self) -> String {
        self.server.url()
    }

    /// The customer username.
    pub fn username(&self) -> u64 {
        Self::USERNAME
    }

    /// The administrator username.
    pub fn admin_username(&self) -> u64 {
        Self::ADMIN_USERNAME
    }

    /// The password of both accounts.
    pub fn password(&self) -> &'static str {
        Self::PASSWORD
    }

    /// Key exchanges received so far.
    pub fn exchanges(&self) -> usize {
        lock(&self.state).exchanges.len()
    }

    /// The path of every request received, oldest first.
    pub fn requests(&self) -> Vec<String> {
        lock(&self.state).requests.clone()
    }

    /// Sets the account balance, in cents (each number costs 150).
    pub fn set_balance(&self, cents: i64) {
        lock(&self.state).balance = cents;
    }

    /// Answers the next `count` calls after the key exchange with 503.
    pub fn fail_next(&self, count: usize) {
        lock(&self.state).fail_next = count;
    }

    /// Gives every account a new API key, as a password change does.
    pub fn rotate_keys(&self) {
        lock(&self.state).keys.clear();
    }
}

fn lock(db: &Db) -> MutexGuard<'_, State> {
    db.lock().unwrap_or_else(|e| e.into_inner())
}

fn answer(status: StatusCode, body: Value) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, "application/json")],
        body.to_string(),
    )
        .into_response()
}

/// A v2 failure: `status` "Error", `statusCode` as a string.
fn v2_error(code: u16, message: &str) -> Response {
    let status = StatusCode::from_u16(code).unwrap_or(StatusCode::BAD_REQUEST);
    answer(
        status,
        json!({"status": "Error", "statusCode": code.to_string(), "message": message}),
    )
}

/// A v2.2 failure envelope.
fn v22_error(code: u16, message: &str) -> Response {
    let status = StatusCode::from_u16(code).unwrap_or(StatusCode::BAD_REQUEST);
    answer(
        status,
        json!({"status": "error", "error": {"code": code, "message": message}}),
    )
}

async fn exchange(Shared(db): Shared<Db>, uri: Uri, body: Bytes) -> Response {
    let mut s = lock(&db);
    s.requests.push(uri.path().to_owned());
    let now = Instant::now();
    s.exchanges.retain(|t| now.duration_since(*t) < HOUR);
    s.exchanges.push(now);
    if s.exchanges.len() > 6 {
        return v22_error(429, "Rate limit exceeded: 6 requests per hour per IP");
    }
    let body: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    let (Some(user), Some(password)) = (
        body.get("username").and_then(Value::as_u64),
        body.get("password").and_then(Value::as_str),
    ) else {
        return v22_error(400, "Fields Required: username, password");
    };
    let known = user == INumberingSandbox::USERNAME || user == INumberingSandbox::ADMIN_USERNAME;
    if !known || password != INumberingSandbox::PASSWORD {
        return v22_error(401, "Invalid username or password");
    }
    let key = s
        .keys
        .entry(user)
        .or_insert_with(|| format!("{:016x}{:016x}", random_u64(), random_u64()))
        .clone();
    answer(
        StatusCode::OK,
        json!({"status": "success", "data": {"apikey": key}}),
    )
}

/// The account behind the Bearer key (and the body's `apikey`, when the
/// call needs one).
fn account(s: &State, headers: &HeaderMap, body: &Value, in_body: bool) -> Option<u64> {
    let key = headers
        .get(header::AUTHORIZATION)?
        .to_str()
        .ok()?
        .strip_prefix("Bearer ")?;
    if in_body && body.get("apikey").and_then(Value::as_str) != Some(key) {
        return None;
    }
    s.keys
        .iter()
        .find(|(_, k)| k.as_str() == key)
        .map(|(a, _)| *a)
}

/// Parses the body and finds the account, or answers 401.
fn open(
    db: &Db,
    uri: &Uri,
    headers: &HeaderMap,
    body: &[u8],
    in_body: bool,
) -> std::result::Result<(u64, Value), Box<Response>> {
    let mut s = lock(db);
    s.requests.push(uri.path().to_owned());
    if s.fail_next > 0 {
        s.fail_next -= 1;
        return Err(Box::new(v2_error(503, "Service temporarily unavailable")));
    }
    let body: Value = serde_json::from_slice(body).unwrap_or(Value::Null);
    match account(&s, headers, &body, in_body) {
        Some(a) => Ok((a, body)),
        None if in_body => Err(Box::new(v2_error(401, "Unauthorized: invalid API key"))),
        None => Err(Box::new(v22_error(401, "Unauthorized"))),
    }
}

fn tn_text(v: &Value) -> Option<String> {
    let t = match v {
        Value::Number(n) => n.as_u64()?.to_string(),
        Value::String(s) => s.clone(),
        _ => return None,
    };
    (t.len() == 10 && t.bytes().all(|b| b.is_ascii_digit())).then_some(t)
}

fn not_portable(tn: &str) -> Option<&'static str> {
    if tn.ends_with("0000") {
        Some("Number is not active with the current provider")
    } else if tn.starts_with('8') {
        Some("Toll-free numbers port through a RespOrg change")
    } else {
        None
    }
}

async fn availability(
    Shared(db): Shared<Db>,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let (acct, body) = match open(&db, &uri, &headers, &body, true) {
        Ok(v) => v,
        Err(r) => return *r,
    };
    let items = body
        .pointer("/tnList/tnItem")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    // The tn must be an integer here.
    let tns: Option<Vec<String>> = items
        .iter()
        .map(|i| i.get("tn").filter(|t| t.is_u64()).and_then(tn_text))
        .collect();
    let Some(tns) = tns.filter(|t| !t.is_empty()) else {
        return answer(
            StatusCode::OK,
            json!({"status": "Error", "statusCode": "409", "message": "Invalid TN submitted"}),
        );
    };
    let mut s = lock(&db);
    let now = Instant::now();
    let results: Vec<Value> = tns
        .iter()
        .map(|tn| {
            s.checks.insert((acct, tn.clone()), now);
            match not_portable(tn) {
                None => json!({"serviceProviderName": "Sandbox Wireless", "telephoneNumber": tn, "isPortable": "true"}),
                Some(reason) => json!({"serviceProviderName": "Sandbox Wireless", "telephoneNumber": tn, "isPortable": "false", "notPortableReason": reason}),
            }
        })
        .collect();
    answer(
        StatusCode::OK,
        json!({"status": "Success", "serviceAvailable": results, "statusCode": "200"}),
    )
}

fn new_port(s: &mut State, account: u64, numbers: Vec<String>) -> (String, u64) {
    s.next += 1;
    let pid = format!("P{:04}", s.next);
    let created = Utc::now().timestamp();
    let pin = format!("{}", 1000 + random_u64() % 9000);
    s.owned
        .entry(account)
        .or_default()
        .extend(numbers.iter().cloned());
    s.ports.push(Port {
        id: format!("port-{}", uuid::Uuid::new_v4().simple()),
        pid: pid.clone(),
        account,
        step: 0,
        created,
        pin,
    });
    (pid, 102_643 + s.next)
}

async fn port_in_order(
    Shared(db): Shared<Db>,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let (acct, body) = match open(&db, &uri, &headers, &body, true) {
        Ok(v) => v,
        Err(r) => return *r,
    };
    if acct != INumberingSandbox::ADMIN_USERNAME {
        return v2_error(
            403,
            "Forbidden - administrator access required. Customers must use POST /v2.2/account/port",
        );
    }
    let order = body.get("portInOrder").cloned().unwrap_or(Value::Null);
    let items = order
        .pointer("/tnList/tnItem")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let mut missing: Vec<String> = Vec::new();
    if order
        .get("desiredDueDate")
        .and_then(Value::as_str)
        .is_none()
    {
        missing.push("desiredDueDate".into());
    }
    if items.is_empty() {
        missing.push("tnItem".into());
    }
    for (i, item) in items.iter().enumerate() {
        for f in ["tn", "atn", "accountNum", "authName"] {
            if item
                .get(f)
                .and_then(Value::as_str)
                .is_none_or(str::is_empty)
            {
                missing.push(format!("tnItem[{i}].{f}"));
            }
        }
        for f in [
            "city",
            "name",
            "postalCode",
            "state",
            "streetName",
            "streetNum",
            "streetType",
            "typeOfService",
        ] {
            if item
                .pointer(&format!("/endUser/{f}"))
                .and_then(Value::as_str)
                .is_none_or(str::is_empty)
            {
                missing.push(format!("tnItem[{i}].endUser.{f}"));
            }
        }
    }
    if !missing.is_empty() {
        return v2_error(414, &format!("Fields Are Required: {}", missing.join(", ")));
    }
    let tns: Vec<String> = items
        .iter()
        .filter_map(|i| i.get("tn").and_then(tn_text))
        .collect();
    if tns.len() != items.len() {
        return v2_error(409, "Invalid TN submitted");
    }
    let mut s = lock(&db);
    let now = Instant::now();
    let verified = tns.iter().all(|tn| {
        s.checks
            .get(&(acct, tn.clone()))
            .is_some_and(|at| now.duration_since(*at) < HOUR)
    });
    if !verified {
        return v2_error(
            412,
            "Please verify portability with portInAvailability API on all submitted tnItem(s)",
        );
    }
    if let Some(tn) = tns.iter().find(|tn| not_portable(tn).is_some()) {
        return v2_error(409, &format!("TN {tn} is not portable"));
    }
    let (_, order_id) = new_port(&mut s, acct, tns);
    answer(
        StatusCode::OK,
        json!({"status": "Success", "orderId": order_id, "statusCode": "200"}),
    )
}

async fn account_port(
    Shared(db): Shared<Db>,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let (acct, body) = match open(&db, &uri, &headers, &body, false) {
        Ok(v) => v,
        Err(r) => return *r,
    };
    let text = |f: &str| {
        body.get(f)
            .and_then(Value::as_str)
            .filter(|v| !v.trim().is_empty())
    };
    for f in [
        "name",
        "name_type",
        "lc_btn",
        "lc_account_number",
        "StreetNumber",
        "Street",
        "StreetType",
        "City",
        "State",
        "zip",
        "Country",
        "auth_person",
    ] {
        if text(f).is_none() {
            return v22_error(400, &format!("Missing required field: {f}"));
        }
    }
    if !matches!(text("name_type"), Some("business" | "residential")) {
        return v22_error(400, "name_type must be business or residential");
    }
    let dids: Option<Vec<String>> = body.get("did").and_then(Value::as_array).map(|list| {
        list.iter()
            .filter(|d| d.is_string())
            .filter_map(tn_text)
            .collect()
    });
    let count = body
        .get("did")
        .and_then(Value::as_array)
        .map_or(0, Vec::len);
    let Some(dids) = dids.filter(|d| !d.is_empty() && d.len() == count) else {
        return v22_error(400, "Invalid phone number in did");
    };
    let long_name = body
        .get("features")
        .and_then(Value::as_array)
        .is_some_and(|f| {
            f.iter().any(|f| {
                f.pointer("/lidb/name")
                    .and_then(Value::as_str)
                    .is_some_and(|n| n.chars().count() > 15)
            })
        });
    if long_name {
        return v22_error(400, "lidb.name must be at most 15 characters");
    }
    let mut s = lock(&db);
    let fee = FEE_PER_NUMBER * i64::try_from(dids.len()).unwrap_or(i64::MAX);
    if s.balance < fee {
        return v22_error(402, "Insufficient balance");
    }
    s.balance -= fee;
    let (pid, _) = new_port(&mut s, acct, dids);
    let ticket = 88_000 + s.next;
    answer(
        StatusCode::CREATED,
        json!({"status": "success", "data": {
            "pid": pid,
            "ticket": ticket,
            "loa_url": format!("https://sandbox.numport.invalid/loa/{pid}"),
            "port_url": format!("https://sandbox.numport.invalid/port/{pid}"),
            "message": "Port request submitted. Sign the LOA at loa_url to continue."
        }}),
    )
}

async fn port_status(
    Shared(db): Shared<Db>,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let (acct, _) = match open(&db, &uri, &headers, &body, true) {
        Ok(v) => v,
        Err(r) => return *r,
    };
    let mut s = lock(&db);
    let today = Utc::now().date_naive();
    let mut entries: Vec<(i64, Value)> = Vec::new();
    for port in s.ports.iter_mut().filter(|p| p.account == acct) {
        let (status, has_foc) = STEPS[port.step.min(STEPS.len() - 1)];
        let foc = if has_foc {
            today
                .checked_add_days(Days::new(3))
                .unwrap_or(today)
                .format("%Y%m%d")
                .to_string()
        } else {
            "19750715".to_owned()
        };
        let message = if has_foc {
            format!("FOC {foc} 09:00 ET")
        } else {
            format!("{status}: awaiting FOC")
        };
        entries.push((
            port.created,
            json!({
                "id": port.id,
                "key": [acct.to_string(), port.created.to_string()],
                "value": {
                    "pid": port.pid,
                    "status": status,
                    "message": message,
                    "foc": foc,
                    "notify": "1",
                    "url": format!("https://sandbox.numport.invalid/ticket/{}", port.pid),
                    "pin": port.pin,
                }
            }),
        ));
        port.step = (port.step + 1).min(STEPS.len() - 1);
    }
    entries.sort_by_key(|(created, _)| std::cmp::Reverse(*created));
    let summary: Vec<Value> = entries.into_iter().map(|(_, v)| v).collect();
    answer(
        StatusCode::OK,
        json!({"statusCode": "200", "status": "Success", "portStatusSummary": summary}),
    )
}

async fn pin_update(Shared(db): Shared<Db>, uri: Uri, headers: HeaderMap, body: Bytes) -> Response {
    let (acct, body) = match open(&db, &uri, &headers, &body, true) {
        Ok(v) => v,
        Err(r) => return *r,
    };
    let items = body
        .pointer("/portOutPin/tnList/tnItem")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    if items.is_empty() {
        return v2_error(400, "Bad input: missing tn");
    }
    let mut s = lock(&db);
    let owned = s.owned.get(&acct).cloned().unwrap_or_default();
    let mut out = Vec::new();
    for item in &items {
        let Some(tn) = item.get("tn").filter(|t| t.is_u64()).and_then(tn_text) else {
            return v2_error(400, "Bad input: tn must be a 10-digit integer");
        };
        let pin = match item.get("portOutPin").and_then(Value::as_str) {
            Some(p) if p.len() == 4 && p.bytes().all(|b| b.is_ascii_digit()) => p.to_owned(),
            Some(_) => return v2_error(400, "Bad input: portOutPin must be 4 digits"),
            None => format!("{}", 1000 + random_u64() % 9000),
        };
        if owned.contains(&tn) {
            s.pins.insert(tn.clone(), pin.clone());
            out.push(json!({"tn": tn.parse::<u64>().unwrap_or_default(), "portOutPin": pin}));
        }
    }
    answer(
        StatusCode::OK,
        json!({"statusCode": "200", "portOutPin": {"tnList": {"tnItem": out}}, "status": "Success"}),
    )
}
