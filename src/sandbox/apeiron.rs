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
use std::sync::{Arc, Mutex, MutexGuard};

use axum::Router;
use axum::body::Bytes;
use axum::extract::State as Shared;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use base64::Engine;
use serde_json::{Value, json};

use super::multipart;
use super::server::Server;
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

    /// The MDNs of the ports accepted so far, oldest first.
    pub fn accepted(&self) -> Vec<String> {
        lock(&self.state)
            .ports
            .iter()
            .map(|(_, mdn, _)| mdn.clone())
            .collect()
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
    let mut state = lock(&db);
    state.requests += 1;
    if let Err((status, body)) = authorized(&headers) {
        return answer(status, body);
    }
    let (fields, files) = match read(&headers, &body) {
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
    answer(
        StatusCode::CREATED,
        json!({"id": id, "mdn": mdn, "status": "pending", "documents": documents}),
    )
}
