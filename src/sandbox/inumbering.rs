//! A fake iNumbering: the key exchange, portability checks, customer and
//! admin orders, port status and port-out PINs.
//!
//! - Accounts: a customer ([`INumberingSandbox::USERNAME`]) and an
//!   administrator ([`INumberingSandbox::ADMIN_USERNAME`]), both with
//!   [`INumberingSandbox::PASSWORD`]. Each has one API key, returned by every
//!   exchange; the exchange is limited to six per hour (429 after).
//! - The key exchange takes no Authorization header: the document says it
//!   "does not require an Authorization header" and the OpenAPI operation
//!   says "No Bearer token is required or accepted — credentials must be
//!   provided in the request body" (`security: []`). Strict reading of
//!   "not accepted": an exchange that carries an `Authorization` header
//!   (any scheme) is refused with 400
//!   `{"status":"error","error":{"code":400,"message":"No Bearer token is
//!   required or accepted - credentials must be provided in the request body"}}`
//!   and gets no key. It still counts toward the rate limit (the limit is
//!   per request).
//! - Every other call needs `Authorization: Bearer <key>`; the v2 calls also
//!   need the same key as `apikey` in the body (401 otherwise).
//! - portInAvailability: a number whose last four digits are `0000` is not
//!   portable ("not active with the current provider"), a toll-free number
//!   (8xx) neither; others are. A `tn` that is not a 10-digit integer gets
//!   a failure inside an HTTP 200 (`statusCode` "409").
//! - Wireless numbers: the NPA-NXX block `312-946` (`3129460000` to
//!   `3129469999`, [`INumberingSandbox::WIRELESS_PREFIX`]) is wireless. A
//!   customer account's portInAvailability naming any of them is answered
//!   414 `{"status":"Error","statusCode":"414","message":"Wireless not
//!   allowed for Customer"}` (the document's 414 wording) and checks none
//!   of the numbers; the administrator account checks them normally.
//! - A check is remembered for one hour. Re-checking a number within that
//!   hour answers the cached result and does *not* renew the check time
//!   (the document: "re-checking within that window returns the cached
//!   result"), so an order more than an hour after the first check is 412
//!   however often the number was re-checked. [`INumberingSandbox::advance`]
//!   moves the sandbox's hour clock on, for tests.
//! - portInOrder: administrators only (403), 414 when a required field is
//!   missing, 412 unless every number was checked by this account within
//!   the hour. `orderId` is a number; [`INumberingSandbox::pid_of_order`]
//!   tells which port record (`pid`) an `orderId` created.
//! - account/port: 400 on a missing field or an invalid value, with the
//!   document's wording ("Bad input - missing required field or invalid
//!   phone number" style: `Bad input - missing required field: City`,
//!   `Bad input - invalid State: ...`). Checked against the
//!   `portSubmitRequest` schema: every required field non-empty,
//!   `name_type` `business`/`residential`, `did` 10-digit strings,
//!   `StreetPrefix` and `StreetSuffix` exactly one of `""`, `N`, `NE`, `E`,
//!   `SE`, `S`, `SW`, `W`, `NW` (case-sensitive, as the enum lists them),
//!   `State` a 2-character upper-case USPS code of a US state, DC or
//!   territory (`PR`, `GU`, `VI`, `AS`, `MP`), `zip` 5 digits or ZIP+4
//!   (`12345-6789`), `desired_due_date` `YYYY-MM-DD` when not blank,
//!   `features[].lidb.name` at most 15 characters. 402 when the balance
//!   does not cover the per-number fee ([`INumberingSandbox::set_balance`]),
//!   201 with `pid`, `ticket`, `loa_url`, `port_url`.
//! - portStatus lists every order of the account, customer (account/port)
//!   and administrator (portInOrder) alike, as the document's records:
//!   `id`, `key` = `[username, unix timestamp of creation]` (there is no
//!   `orderId` in a record; a client links an `orderId` to its record by
//!   that timestamp), `value` {`pid`, `status`, `message`, `foc`, `notify`,
//!   `url`, `pin`}, newest first. Each call moves each order one step:
//!   `submitted` → `Validating` → `Pending` (no FOC, `19750715`) →
//!   `Pending` (FOC set) → `Complete`. [`INumberingSandbox::tick`] moves
//!   every order (every account's) one step the same way, with no call:
//!   time passing at the carrier.
//! - Rejection by the losing carrier: an order holding a number whose last
//!   four digits are `4444` ([`INumberingSandbox::REJECTED_SUFFIX`]) goes
//!   `submitted` → `Validating` → `Pending` and stays `Pending` with no FOC
//!   (`19750715`), the losing carrier's reason in `message` ("Rejected by
//!   the losing carrier: ..."). The document's status list has no
//!   rejected or cancelled value, and says `message` carries "any rejection
//!   reason from the losing carrier", so the sandbox invents no status.
//! - [`INumberingSandbox::storage_errors`] answers the next n portStatus
//!   calls with the document's 409 "Internal storage error" shape:
//!   `{"exception": "...", "status": "Error", "statusCode": "409"}`
//!   (orders do not move on those calls).
//! - portOutPinUpdate sets or generates (1000–9999) the PINs of the
//!   account's own numbers (numbers of its orders, and `3125550100`–`109`)
//!   and leaves the others out of the answer.
//! - [`INumberingSandbox::fail_next`] answers the next calls with 503, for
//!   tests of retries.
//! - Port order ids (`pid`) have the document's 5 characters: `P0001` to
//!   `P9999`, then `Q0000` to `Zzzzz` (base 36). A create past the last
//!   (16,806,159 orders) is answered 503 and creates nothing.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Bytes;
use axum::extract::State as Shared;
use axum::http::Uri;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::Response;
use axum::routing::post;
use chrono::{Days, Utc};
use serde_json::{Value, json};

use super::server::{self, Server, lock};
use super::us::{is_state, is_zip};
use crate::error::Result;

const HOUR: Duration = Duration::from_secs(3600);
/// `StreetPrefix` / `StreetSuffix`, exactly as portSubmitRequest lists them.
const DIRECTIONS: &[&str] = &["", "N", "NE", "E", "SE", "S", "SW", "W", "NW"];
const FEE_PER_NUMBER: i64 = 150;

#[derive(Debug)]
struct Port {
    id: String,
    pid: String,
    order_id: Option<u64>,
    /// The numbers ordered (10 digits).
    numbers: Vec<String>,
    account: u64,
    step: usize,
    created: i64,
    pin: String,
    /// The losing carrier's rejection reason, for a rejected order.
    rejection: Option<&'static str>,
}

impl Port {
    /// One step along the flow (a rejected order stops at `Pending`).
    fn move_on(&mut self) {
        let last = if self.rejection.is_some() {
            REJECTED_AT
        } else {
            STEPS.len() - 1
        };
        self.step = (self.step + 1).min(last);
    }
}

/// Where a rejected order stops: `Pending`, no FOC.
const REJECTED_AT: usize = 2;
const REJECTION: &str = "Rejected by the losing carrier: the account number and PIN do not match the losing carrier's records";

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
    checks: HashMap<(u64, String), (Instant, Value)>,
    skew: Duration,
    storage_errors: usize,
    ports: Vec<Port>,
    pins: HashMap<String, String>,
    owned: HashMap<u64, HashSet<String>>,
    balance: i64,
    requests: Vec<String>,
    fail_next: usize,
    /// How long the next key exchange waits before it is handled.
    stall_exchange: Option<Duration>,
    /// How long the answer of the next create waits once it is recorded.
    stall_create: Option<Duration>,
    /// How long the create just recorded waits before its answer.
    stall_answer: Option<Duration>,
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
    /// The wireless NPA-NXX block: `3129460000`-`3129469999`. A customer's
    /// portInAvailability naming one is 414 "Wireless not allowed for
    /// Customer".
    pub const WIRELESS_PREFIX: &'static str = "312946";
    /// The last four digits of a number the losing carrier rejects: its
    /// order stops at `Pending` with the reason in `message`.
    pub const REJECTED_SUFFIX: &'static str = "4444";

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
            skew: Duration::ZERO,
            storage_errors: 0,
            ports: Vec::new(),
            pins: HashMap::new(),
            owned,
            balance: 100_000,
            requests: Vec::new(),
            fail_next: 0,
            stall_exchange: None,
            stall_create: None,
            stall_answer: None,
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

    /// Answers the next `count` portStatus calls with the document's 409
    /// "Internal storage error" (`{"exception", "status": "Error",
    /// "statusCode": "409"}`).
    pub fn storage_errors(&self, count: usize) {
        lock(&self.state).storage_errors = count;
    }

    /// Moves the sandbox's clock on by `by`: the hour of a portability
    /// check and of the key-exchange rate limit. Port record timestamps
    /// keep the wall clock.
    pub fn advance(&self, by: Duration) {
        lock(&self.state).skew += by;
    }

    /// The `pid` of the port record that portInOrder `order_id` created.
    pub fn pid_of_order(&self, order_id: u64) -> Option<String> {
        lock(&self.state)
            .ports
            .iter()
            .find(|p| p.order_id == Some(order_id))
            .map(|p| p.pid.clone())
    }

    /// Every order placed so far (customer and admin), oldest first: its
    /// `pid` and the numbers it holds (10 digits), for counting what was
    /// ordered against what was asked.
    pub fn orders(&self) -> Vec<(String, Vec<String>)> {
        lock(&self.state)
            .ports
            .iter()
            .map(|p| (p.pid.clone(), p.numbers.clone()))
            .collect()
    }

    /// Holds the next key exchange for `by` before handling it (it is
    /// listed in [`requests`](Self::requests) on arrival, and counted in
    /// [`exchanges`](Self::exchanges) only once handled): a client that
    /// dies while waiting never gets its key.
    pub fn stall_next_exchange(&self, by: Duration) {
        lock(&self.state).stall_exchange = Some(by);
    }

    /// Holds the answer of the next create that is carried out for `by`:
    /// the order is recorded at once, its answer (with its id) leaves
    /// `by` later. A client that gives up or dies meanwhile has created
    /// the order without learning it (an unknown outcome, or a lost
    /// owner).
    pub fn stall_next_create(&self, by: Duration) {
        lock(&self.state).stall_create = Some(by);
    }

    /// Moves every order one step along the flow, as a portStatus call
    /// does, without a call: time passing at the carrier.
    pub fn tick(&self) {
        for port in lock(&self.state).ports.iter_mut() {
            port.move_on();
        }
    }

    /// Gives every account a new API key, as a password change does.
    pub fn rotate_keys(&self) {
        lock(&self.state).keys.clear();
    }
}

impl State {
    /// The sandbox's clock: the monotonic clock plus [`INumberingSandbox::advance`].
    fn now(&self) -> Instant {
        Instant::now() + self.skew
    }
}

fn answer(status: StatusCode, body: Value) -> Response {
    server::json_answer(status, "application/json", &body)
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

async fn exchange(Shared(db): Shared<Db>, uri: Uri, headers: HeaderMap, body: Bytes) -> Response {
    let stall = {
        let mut s = lock(&db);
        s.requests.push(uri.path().to_owned());
        s.stall_exchange.take()
    };
    if let Some(by) = stall {
        tokio::time::sleep(by).await;
    }
    let mut s = lock(&db);
    let now = s.now();
    s.exchanges.retain(|t| now.duration_since(*t) < HOUR);
    s.exchanges.push(now);
    if s.exchanges.len() > 6 {
        return v22_error(429, "Rate limit exceeded: 6 requests per hour per IP");
    }
    if headers.contains_key(header::AUTHORIZATION) {
        return v22_error(
            400,
            "No Bearer token is required or accepted - credentials must be provided in the request body",
        );
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

/// The array at `pointer`, or none.
fn list_at(value: &Value, pointer: &str) -> Vec<Value> {
    value
        .pointer(pointer)
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default()
}

fn tn_text(v: &Value) -> Option<String> {
    let t = match v {
        Value::Number(n) => n.as_u64()?.to_string(),
        Value::String(s) => s.clone(),
        _ => return None,
    };
    (t.len() == 10 && t.bytes().all(|b| b.is_ascii_digit())).then_some(t)
}

fn is_wireless(tn: &str) -> bool {
    tn.starts_with(INumberingSandbox::WIRELESS_PREFIX)
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
    let items = list_at(&body, "/tnList/tnItem");
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
    if acct != INumberingSandbox::ADMIN_USERNAME && tns.iter().any(|tn| is_wireless(tn)) {
        return v2_error(414, "Wireless not allowed for Customer");
    }
    let mut s = lock(&db);
    let now = s.now();
    let results: Vec<Value> = tns
        .iter()
        .map(|tn| {
            // Within the hour: the cached answer, and the check time stays.
            if let Some((_, cached)) = s
                .checks
                .get(&(acct, tn.clone()))
                .filter(|(at, _)| now.duration_since(*at) < HOUR)
            {
                return cached.clone();
            }
            let provider = if is_wireless(tn) {
                "Sandbox Wireless"
            } else {
                "Sandbox Telephone"
            };
            let result = match not_portable(tn) {
                None => json!({"serviceProviderName": provider, "telephoneNumber": tn, "isPortable": "true"}),
                Some(reason) => json!({"serviceProviderName": provider, "telephoneNumber": tn, "isPortable": "false", "notPortableReason": reason}),
            };
            s.checks.insert((acct, tn.clone()), (now, result.clone()));
            result
        })
        .collect();
    answer(
        StatusCode::OK,
        json!({"status": "Success", "serviceAvailable": results, "statusCode": "200"}),
    )
}

/// Waits as [`INumberingSandbox::stall_next_create`] asked, if the create
/// just handled was carried out while it was set.
async fn stall_answer(db: &Db) {
    let stall = lock(db).stall_answer.take();
    if let Some(by) = stall {
        tokio::time::sleep(by).await;
    }
}

/// How many port orders the sandbox can create: as many as there are
/// 5-character ids in [`pid_for`]'s ranges.
const MAX_PORTS: u64 = 9_999 + 10 * 36u64.pow(4);

/// The 5-character id (the document's `pid`) of the `n`th port order
/// (from 1, at most [`MAX_PORTS`]): `P0001` to `P9999`, then `Q` to `Z`
/// followed by 4 base-36 digits (`Q0000`, `Q0001`, …, `Zzzzz`).
fn pid_for(n: u64) -> String {
    if n <= 9_999 {
        return format!("P{n:04}");
    }
    const DIGITS: &[u8; 36] = b"0123456789abcdefghijklmnopqrstuvwxyz";
    let block = 36u64.pow(4);
    let m = n - 10_000;
    let letter = b"QRSTUVWXYZ"[usize::try_from((m / block).min(9)).unwrap_or(9)];
    let mut rest = m % block;
    let mut tail = [b'0'; 4];
    for at in (0..4).rev() {
        tail[at] = DIGITS[usize::try_from(rest % 36).unwrap_or(0)];
        rest /= 36;
    }
    let mut pid = String::with_capacity(5);
    pid.push(char::from(letter));
    pid.extend(tail.iter().map(|b| char::from(*b)));
    pid
}

fn new_port(s: &mut State, account: u64, numbers: Vec<String>, admin: bool) -> (String, u64) {
    s.next += 1;
    let order_id = 102_643 + s.next;
    let rejection = numbers
        .iter()
        .any(|n| n.ends_with(INumberingSandbox::REJECTED_SUFFIX))
        .then_some(REJECTION);
    let pid = pid_for(s.next);
    let created = Utc::now().timestamp();
    let pin = format!("{}", 1000 + random_u64() % 9000);
    s.owned
        .entry(account)
        .or_default()
        .extend(numbers.iter().cloned());
    s.ports.push(Port {
        id: format!("port-{}", uuid::Uuid::new_v4().simple()),
        pid: pid.clone(),
        order_id: admin.then_some(order_id),
        numbers,
        account,
        step: 0,
        created,
        pin,
        rejection,
    });
    (pid, order_id)
}

async fn port_in_order(
    Shared(db): Shared<Db>,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let answer = port_in_order_now(&db, &uri, &headers, &body);
    stall_answer(&db).await;
    answer
}

fn port_in_order_now(db: &Db, uri: &Uri, headers: &HeaderMap, body: &Bytes) -> Response {
    let (acct, body) = match open(db, uri, headers, body, true) {
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
    let items = list_at(&order, "/tnList/tnItem");
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
    let mut s = lock(db);
    let now = s.now();
    let verified = tns.iter().all(|tn| {
        s.checks
            .get(&(acct, tn.clone()))
            .is_some_and(|(at, _)| now.duration_since(*at) < HOUR)
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
    if s.next >= MAX_PORTS {
        return v2_error(503, "The sandbox has no port order id left");
    }
    let (_, order_id) = new_port(&mut s, acct, tns, true);
    s.stall_answer = s.stall_create.take();
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
    let answer = account_port_now(&db, &uri, &headers, &body);
    stall_answer(&db).await;
    answer
}

fn account_port_now(db: &Db, uri: &Uri, headers: &HeaderMap, body: &Bytes) -> Response {
    let (acct, body) = match open(db, uri, headers, body, false) {
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
            return v22_error(400, &format!("Bad input - missing required field: {f}"));
        }
    }
    if !matches!(text("name_type"), Some("business" | "residential")) {
        return v22_error(
            400,
            "Bad input - invalid name_type: must be business or residential",
        );
    }
    for f in ["StreetPrefix", "StreetSuffix"] {
        match body.get(f) {
            None => {}
            Some(Value::String(d)) if DIRECTIONS.contains(&d.as_str()) => {}
            Some(_) => {
                return v22_error(
                    400,
                    &format!(
                        "Bad input - invalid {f}: must be one of \"\", N, NE, E, SE, S, SW, W, NW"
                    ),
                );
            }
        }
    }
    if !text("State").is_some_and(is_state) {
        return v22_error(
            400,
            "Bad input - invalid State: must be a 2-character US state abbreviation",
        );
    }
    if !text("zip").is_some_and(is_zip) {
        return v22_error(
            400,
            "Bad input - invalid zip: must be 5 digits or ZIP+4 (12345-6789)",
        );
    }
    if let Some(date) = text("desired_due_date") {
        let well_formed =
            date.len() == 10 && chrono::NaiveDate::parse_from_str(date, "%Y-%m-%d").is_ok();
        if !well_formed {
            return v22_error(
                400,
                "Bad input - invalid desired_due_date: must be YYYY-MM-DD",
            );
        }
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
        return v22_error(400, "Bad input - invalid phone number in did");
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
        return v22_error(
            400,
            "Bad input - invalid features lidb.name: at most 15 characters",
        );
    }
    let mut s = lock(db);
    let fee = FEE_PER_NUMBER * i64::try_from(dids.len()).unwrap_or(i64::MAX);
    if s.balance < fee {
        return v22_error(402, "Insufficient balance");
    }
    if s.next >= MAX_PORTS {
        return v22_error(503, "The sandbox has no port order id left");
    }
    s.balance -= fee;
    let (pid, _) = new_port(&mut s, acct, dids, false);
    let ticket = 88_000 + s.next;
    s.stall_answer = s.stall_create.take();
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
    if s.storage_errors > 0 {
        s.storage_errors -= 1;
        return answer(
            StatusCode::CONFLICT,
            json!({
                "exception": "Internal storage error: the port record store did not answer",
                "status": "Error",
                "statusCode": "409"
            }),
        );
    }
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
        let message = match port.rejection {
            Some(reason) if port.step >= REJECTED_AT => reason.to_owned(),
            _ if has_foc => format!("FOC {foc} 09:00 ET"),
            _ => format!("{status}: awaiting FOC"),
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
        port.move_on();
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
    let items = list_at(&body, "/portOutPin/tnList/tnItem");
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_pid_has_the_documented_5_characters_and_is_unique() {
        assert_eq!(pid_for(1), "P0001");
        assert_eq!(pid_for(9_999), "P9999");
        assert_eq!(pid_for(10_000), "Q0000");
        assert_eq!(pid_for(10_001), "Q0001");
        assert_eq!(pid_for(10_000 + 36u64.pow(4)), "R0000");
        assert_eq!(pid_for(MAX_PORTS), "Zzzzz");
        let mut seen = std::collections::HashSet::new();
        let sample = (1..=30_000).chain((MAX_PORTS - 30_000)..=MAX_PORTS);
        for n in sample {
            let pid = pid_for(n);
            assert_eq!(pid.len(), 5, "{n}: {pid}");
            assert!(pid.bytes().all(|b| b.is_ascii_alphanumeric()), "{pid}");
            assert!(seen.insert(pid), "{n} repeats an id");
        }
        // Around every range's edge.
        for letter in 0..10u64 {
            let start = 10_000 + letter * 36u64.pow(4);
            assert_ne!(pid_for(start - 1), pid_for(start));
        }
    }
}
