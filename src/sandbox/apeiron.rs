//! A fake Apeiron: `POST /v2/cellular/port`, JSON or multipart.
//!
//! It checks HTTP Basic (user [`ApeironSandbox::USERNAME`], password
//! [`ApeironSandbox::API_TOKEN`]; 401 `{"detail": ...}` otherwise), reads
//! JSON or `multipart/form-data` (`loa` and `bill` parts must be PDF or
//! image), and validates like the carrier: every required field present
//! (`address2` may be empty), a 10-digit MDN, exactly one of `service_plan`
//! and `subscriber_service_plan_id`, `use_subscriber_address_for_e911` never
//! with an `e911_*` field. Problems are 400 Django-REST-style bodies
//! (`{"field": ["message"]}`).
//!
//! The pre-submission checklist, checked as the document asks:
//!
//! - "Match service address to losing carrier records": the losing carriers
//!   are US carriers, so `state` must be a two-letter USPS code (the 50
//!   states, `DC`, `PR`, `GU`, `VI`, `AS`, `MP`; upper case, as the example's
//!   `CA`) and `postal_code` a ZIP (`12345`) or ZIP+4 (`12345-6789`). Any
//!   other value is 400 `{"state": ["\"XX\" is not a valid choice."]}` /
//!   `{"postal_code": ["Enter a valid ZIP or ZIP+4 code."]}`.
//! - "Ensure ICCID is assigned and unused": an ICCID (ITU-T E.118: 19 to 22
//!   digits starting `89`, ending in a Luhn check digit) that is malformed
//!   or fails the Luhn check cannot be a SIM assigned to the account, so it
//!   is 400 `{"iccid": ["Invalid ICCID: ..."]}`. The document's own example
//!   ICCID `89012345678901234567` fails the Luhn check (the carrier docs'
//!   README lists this contradiction) and is refused; `89012345678901234563`
//!   is the same body with its valid check digit.
//! - "Provide E911 address if required": an E911 address is all or nothing.
//!   When any `e911_*` field is sent, `e911_address1`, `e911_city`,
//!   `e911_state` and `e911_postal_code` must all be there and non-empty
//!   (`e911_address2` stays optional, like `address2`), and the state and
//!   postal code are checked as above: 400
//!   `{"e911_city": ["This field is required when an E911 address is given."]}`.
//!
//! The document's five rejections have trigger values:
//!
//! | rejection | trigger |
//! |---|---|
//! | address mismatch | `postal_code` `00000` |
//! | invalid ICCID | an ICCID already used by an accepted port |
//! | incorrect PIN | `pin` `0000` |
//! | MDN inactive | an MDN ending in `0000`, or one with a pending port |
//! | plan invalid | a plan other than `UTT5GB`, `UTT10GB`, `UTTUNL` (ids `1001`, `1002`) |
//!
//! An accepted port is answered `201` with
//! `{"id": <n>, "mdn": ..., "status": "pending"}` and stays pending, so a
//! second port of the same MDN is refused.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::extract::State as Shared;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::Response;
use axum::routing::post;
use base64::Engine;
use serde_json::{Value, json};

use super::multipart;
use super::server::{self, Server, lock};
use super::us::{is_state, is_zip};
use crate::error::Result;

const PLAN_CODES: &[&str] = &["UTT5GB", "UTT10GB", "UTTUNL"];
const PLAN_IDS: &[&str] = &["1001", "1002"];
const REQUIRED: &[&str] = &[
    "mdn",
    "authorization_name",
    "first_name",
    "last_name",
    "address1",
    "city",
    "state",
    "postal_code",
    "account_number",
    "pin",
    "iccid",
];
/// The E911 fields an E911 address cannot do without.
const E911_REQUIRED: &[&str] = &[
    "e911_address1",
    "e911_city",
    "e911_state",
    "e911_postal_code",
];
const E911_FIELDS: &[&str] = &[
    "e911_address1",
    "e911_address2",
    "e911_city",
    "e911_state",
    "e911_postal_code",
];

#[derive(Debug, Default)]
struct State {
    requests: usize,
    next_id: u64,
    /// Accepted ports: (id, mdn, iccid).
    ports: Vec<(u64, String, String)>,
    /// How long the answer of the next create waits once it is recorded.
    stall_create: Option<Duration>,
    /// How long the create just recorded waits before its answer.
    stall_answer: Option<Duration>,
}

type Db = Arc<Mutex<State>>;

/// A running fake Apeiron on loopback. Stops when dropped.
#[derive(Debug)]
pub struct ApeironSandbox {
    server: Server,
    state: Db,
}

impl ApeironSandbox {
    /// The Basic-auth user name the sandbox accepts.
    pub const USERNAME: &'static str = "sandbox@numport.invalid";
    /// The API token the sandbox accepts (not a secret: the sandbox is
    /// public and local).
    pub const API_TOKEN: &'static str = "sandbox-api-token";

    /// Starts a sandbox.
    pub async fn start() -> Result<Self> {
        let state = Db::default();
        let router = Router::new()
            .route("/v2/cellular/port", post(create_port))
            .fallback(|| async { answer(StatusCode::NOT_FOUND, json!({"detail": "Not found."})) })
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

    /// The user name the sandbox accepts.
    pub fn username(&self) -> &'static str {
        Self::USERNAME
    }

    /// The API token the sandbox accepts.
    pub fn api_token(&self) -> &'static str {
        Self::API_TOKEN
    }

    /// Requests received so far.
    pub fn requests(&self) -> usize {
        lock(&self.state).requests
    }

    /// The ports accepted so far, oldest first: each order's `id` (as the
    /// answer gave it) and its MDN.
    pub fn accepted_orders(&self) -> Vec<(String, String)> {
        lock(&self.state)
            .ports
            .iter()
            .map(|(id, mdn, _)| (id.to_string(), mdn.clone()))
            .collect()
    }

    /// Holds the answer of the next create that is carried out for `by`:
    /// the order is recorded at once, its answer (with its id) leaves
    /// `by` later. A client that gives up or dies meanwhile has created
    /// the order without learning it (an unknown outcome, or a lost
    /// owner).
    pub fn stall_next_create(&self, by: Duration) {
        lock(&self.state).stall_create = Some(by);
    }

    /// The MDNs of the ports accepted so far, oldest first.
    pub fn accepted(&self) -> Vec<String> {
        lock(&self.state)
            .ports
            .iter()
            .map(|(_, mdn, _)| mdn.clone())
            .collect()
    }
}

fn answer(status: StatusCode, body: Value) -> Response {
    server::json_answer(status, "application/json", &body)
}

/// A refusal: the status and the DRF-style body.
type Refusal = (StatusCode, Value);

fn authorized(headers: &HeaderMap) -> std::result::Result<(), Refusal> {
    let Some(value) = headers.get(header::AUTHORIZATION) else {
        return Err((
            StatusCode::UNAUTHORIZED,
            json!({"detail": "Authentication credentials were not provided."}),
        ));
    };
    let decoded = value
        .to_str()
        .ok()
        .and_then(|v| v.strip_prefix("Basic "))
        .and_then(|b| base64::engine::general_purpose::STANDARD.decode(b).ok())
        .and_then(|b| String::from_utf8(b).ok());
    let expected = format!("{}:{}", ApeironSandbox::USERNAME, ApeironSandbox::API_TOKEN);
    if decoded.as_deref() == Some(expected.as_str()) {
        Ok(())
    } else {
        Err((
            StatusCode::UNAUTHORIZED,
            json!({"detail": "Invalid username/password."}),
        ))
    }
}

/// The form's text fields and file parts, from JSON or multipart.
type Fields = (BTreeMap<String, String>, Vec<multipart::Part>);

fn read(headers: &HeaderMap, body: &[u8]) -> std::result::Result<Fields, Refusal> {
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    if let Some(boundary) = multipart::boundary(content_type) {
        let parts = multipart::parse(body, &boundary).ok_or_else(|| {
            (
                StatusCode::BAD_REQUEST,
                json!({"detail": "Multipart form parse error."}),
            )
        })?;
        let (files, texts): (Vec<_>, Vec<_>) =
            parts.into_iter().partition(|p| p.file_name.is_some());
        let fields = texts
            .into_iter()
            .map(|p| (p.name, String::from_utf8_lossy(&p.body).into_owned()))
            .collect();
        return Ok((fields, files));
    }
    if content_type.starts_with("application/json") {
        let Ok(Value::Object(map)) = serde_json::from_slice::<Value>(body) else {
            return Err((
                StatusCode::BAD_REQUEST,
                json!({"detail": "JSON parse error."}),
            ));
        };
        let fields = map
            .into_iter()
            .map(|(k, v)| {
                let text = match v {
                    Value::String(s) => s,
                    other => other.to_string(),
                };
                (k, text)
            })
            .collect();
        return Ok((fields, Vec::new()));
    }
    Err((
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
        json!({"detail": format!("Unsupported media type \"{content_type}\" in request.")}),
    ))
}

/// Why `iccid` cannot be a SIM: not E.118-shaped, or a bad Luhn digit.
fn iccid_problem(iccid: &str) -> Option<&'static str> {
    if !(19..=22).contains(&iccid.len())
        || !iccid.bytes().all(|b| b.is_ascii_digit())
        || !iccid.starts_with("89")
    {
        return Some("Invalid ICCID: an ICCID is 19 to 22 digits starting with 89.");
    }
    let sum: u32 = iccid
        .bytes()
        .rev()
        .enumerate()
        .map(|(i, b)| {
            let d = u32::from(b - b'0');
            if i % 2 == 1 {
                let twice = d * 2;
                if twice > 9 { twice - 9 } else { twice }
            } else {
                d
            }
        })
        .sum();
    (sum % 10 != 0).then_some("Invalid ICCID: the check digit is wrong (Luhn).")
}

/// Field errors, as the carrier's serializer would list them.
fn validate(
    fields: &BTreeMap<String, String>,
    files: &[multipart::Part],
) -> BTreeMap<String, Vec<String>> {
    let mut errors: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut add = |field: &str, message: &str| {
        errors
            .entry(field.to_owned())
            .or_default()
            .push(message.to_owned())
    };
    let get = |name: &str| fields.get(name).map(String::as_str);
    for name in REQUIRED {
        if get(name).is_none_or(|v| v.trim().is_empty()) {
            add(name, "This field is required.");
        }
    }
    if get("address2").is_none() {
        add("address2", "This field is required.");
    }
    if let Some(mdn) = get("mdn").filter(|m| !m.is_empty()) {
        if mdn.len() != 10 || !mdn.bytes().all(|b| b.is_ascii_digit()) {
            add("mdn", "Enter a valid 10-digit MDN.");
        }
    }
    let mut address = |state_field: &str, zip_field: &str| {
        if let Some(code) = get(state_field).filter(|v| !v.trim().is_empty()) {
            if !is_state(code) {
                add(state_field, &format!("\"{code}\" is not a valid choice."));
            }
        }
        if let Some(zip) = get(zip_field).filter(|v| !v.trim().is_empty()) {
            if !is_zip(zip) {
                add(zip_field, "Enter a valid ZIP or ZIP+4 code.");
            }
        }
    };
    address("state", "postal_code");
    if E911_FIELDS.iter().any(|f| get(f).is_some()) {
        address("e911_state", "e911_postal_code");
        for name in E911_REQUIRED {
            if get(name).is_none_or(|v| v.trim().is_empty()) {
                add(
                    name,
                    "This field is required when an E911 address is given.",
                );
            }
        }
    }
    if let Some(problem) = get("iccid")
        .filter(|v| !v.trim().is_empty())
        .and_then(iccid_problem)
    {
        add("iccid", problem);
    }
    match (get("service_plan"), get("subscriber_service_plan_id")) {
        (Some(_), Some(_)) | (None, None) => add(
            "non_field_errors",
            "Provide exactly one of service_plan or subscriber_service_plan_id.",
        ),
        _ => {}
    }
    let e911 = E911_FIELDS.iter().any(|f| get(f).is_some());
    if get("use_subscriber_address_for_e911") == Some("true") && e911 {
        add(
            "use_subscriber_address_for_e911",
            "This option is incompatible with the other e911 fields.",
        );
    }
    for file in files {
        let kind = file.content_type.as_deref().unwrap_or("");
        if !matches!(file.name.as_str(), "loa" | "bill") {
            add(&file.name, "Unexpected file.");
        } else if file.body.is_empty() {
            add(&file.name, "The submitted file is empty.");
        } else if kind != "application/pdf" && !kind.starts_with("image/") {
            add(&file.name, "Upload a PDF or an image.");
        }
    }
    errors
}

/// The documented rejections, on their trigger values.
fn reject(state: &State, fields: &BTreeMap<String, String>) -> Option<Value> {
    let get = |name: &str| fields.get(name).map(String::as_str).unwrap_or("");
    let mdn = get("mdn");
    if get("postal_code") == "00000" {
        return Some(
            json!({"detail": "Address mismatch: the service address must match the losing carrier's records."}),
        );
    }
    if state
        .ports
        .iter()
        .any(|(_, _, iccid)| iccid == get("iccid"))
    {
        return Some(json!({"iccid": ["Invalid ICCID: the SIM is already in use."]}));
    }
    if get("pin") == "0000" {
        return Some(json!({"detail": "Incorrect PIN: verify the PIN with the losing carrier."}));
    }
    if mdn.ends_with("0000") {
        return Some(json!({"mdn": ["MDN inactive: the MDN must be active."]}));
    }
    if state.ports.iter().any(|(_, m, _)| m == mdn) {
        return Some(json!({"mdn": ["MDN inactive: the MDN has a pending port."]}));
    }
    let plan_ok = match (
        fields.get("service_plan"),
        fields.get("subscriber_service_plan_id"),
    ) {
        (Some(code), _) => PLAN_CODES.contains(&code.as_str()),
        (_, Some(id)) => PLAN_IDS.contains(&id.as_str()),
        _ => false,
    };
    if !plan_ok {
        return Some(
            json!({"service_plan": ["Plan invalid: the plan is not available to this account."]}),
        );
    }
    None
}

async fn create_port(Shared(db): Shared<Db>, headers: HeaderMap, body: Bytes) -> Response {
    let answer = create_port_now(&db, &headers, &body);
    let stall = lock(&db).stall_answer.take();
    if let Some(by) = stall {
        tokio::time::sleep(by).await;
    }
    answer
}

fn create_port_now(db: &Db, headers: &HeaderMap, body: &Bytes) -> Response {
    let mut state = lock(db);
    state.requests += 1;
    if let Err((status, body)) = authorized(headers) {
        return answer(status, body);
    }
    let (fields, files) = match read(headers, body) {
        Ok(read) => read,
        Err((status, body)) => return answer(status, body),
    };
    let errors = validate(&fields, &files);
    if !errors.is_empty() {
        return answer(StatusCode::BAD_REQUEST, json!(errors));
    }
    if let Some(rejection) = reject(&state, &fields) {
        return answer(StatusCode::BAD_REQUEST, rejection);
    }
    state.next_id += 1;
    let id = 50_000 + state.next_id;
    let mdn = fields.get("mdn").cloned().unwrap_or_default();
    let iccid = fields.get("iccid").cloned().unwrap_or_default();
    state.ports.push((id, mdn.clone(), iccid));
    let documents: Vec<&str> = files.iter().map(|f| f.name.as_str()).collect();
    state.stall_answer = state.stall_create.take();
    answer(
        StatusCode::CREATED,
        json!({"id": id, "mdn": mdn, "status": "pending", "documents": documents}),
    )
}
