//! The fake Cellhire's HTTP surface.

use std::sync::{Arc, Mutex};

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, Request, State as Shared};
use axum::http::{HeaderMap, Method, StatusCode, Uri, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde_json::{Value, json};

use super::create::{self, Refusal};
use super::flow;
use super::networks;
use super::state::{State, number_key};
use super::statuses::{PortState, RowState};
use crate::sandbox::server::{self, lock};

type Db = Arc<Mutex<State>>;

pub(crate) fn router(db: Db) -> Router {
    let api = Router::new()
        .route("/api/porting/{account}/networks", get(list_networks))
        .route("/api/porting/{account}", get(list_ports).post(create_port))
        .route(
            "/api/porting/{account}/port/{id}",
            get(port_details).patch(update_port).delete(cancel_port),
        )
        .route_layer(middleware::from_fn_with_state(db.clone(), admit));
    Router::new()
        .route("/connect/token", post(token))
        .merge(api)
        .fallback(not_found)
        .with_state(db)
}

fn json_answer(status: StatusCode, body: Value) -> Response {
    server::json_answer(status, "application/json; charset=utf-8", &body)
}

/// ASP.NET-style problem details.
fn problem(status: StatusCode, title: &str, detail: Option<String>) -> Response {
    let mut body = json!({ "title": title, "status": status.as_u16() });
    if let Some(detail) = detail {
        body["detail"] = json!(detail);
    }
    json_answer(status, body)
}

fn text_answer(status: StatusCode, text: String) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        text,
    )
        .into_response()
}

async fn not_found(method: Method, uri: Uri) -> Response {
    problem(
        StatusCode::NOT_FOUND,
        "Not Found",
        Some(format!("No route for {method} {}", uri.path())),
    )
}

async fn token(Shared(db): Shared<Db>, body: Bytes) -> Response {
    let form: Vec<(String, String)> = url::form_urlencoded::parse(&body).into_owned().collect();
    let field = |name: &str| {
        form.iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    };
    if field("grant_type") != Some("client_credentials") {
        return json_answer(
            StatusCode::BAD_REQUEST,
            json!({"error": "unsupported_grant_type"}),
        );
    }
    if field("client_id") != Some(super::CellhireSandbox::CLIENT_ID)
        || field("client_secret") != Some(super::CellhireSandbox::CLIENT_SECRET)
    {
        return json_answer(StatusCode::BAD_REQUEST, json!({"error": "invalid_client"}));
    }
    let mut state = lock(&db);
    state.grants += 1;
    let token = state.grant_token();
    json_answer(
        StatusCode::OK,
        json!({
            "access_token": token,
            "expires_in": state.config.token_lifetime_secs,
            "token_type": "Bearer",
            "scope": "porting",
        }),
    )
}

/// Records every API request and answers it when it must not go further:
/// an injected failure, a missing or unknown token, another account.
async fn admit(
    Shared(db): Shared<Db>,
    Path(params): Path<Vec<(String, String)>>,
    request: Request,
    next: Next,
) -> Response {
    let account = params
        .iter()
        .find(|(k, _)| k == "account")
        .map_or("", |(_, v)| v.as_str());
    let refused = refusal(
        &mut lock(&db),
        request.method(),
        request.uri(),
        request.headers(),
        account,
    );
    match refused {
        Some(answer) => answer,
        None => next.run(request).await,
    }
}

fn refusal(
    state: &mut State,
    method: &Method,
    uri: &Uri,
    headers: &HeaderMap,
    account: &str,
) -> Option<Response> {
    state
        .requests
        .push((method.to_string(), uri.path().to_owned()));
    if state.fail_next > 0 {
        state.fail_next -= 1;
        let status =
            StatusCode::from_u16(state.fail_status).unwrap_or(StatusCode::SERVICE_UNAVAILABLE);
        return Some(problem(status, "Injected failure", None));
    }
    let token = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "));
    if !token.is_some_and(|t| state.tokens.contains(t)) {
        return Some(problem(StatusCode::UNAUTHORIZED, "Unauthorized", None));
    }
    if account != state.config.account_id.to_string() {
        return Some(problem(
            StatusCode::NOT_FOUND,
            "Not Found",
            Some(format!("Account {account} was not found")),
        ));
    }
    // A body must be JSON, as the document's examples send it
    // (`application/json;charset=UTF-8`). GET and DELETE carry no body, so
    // there is nothing for a Content-Type to describe: not checked there.
    let with_body = matches!(*method, Method::POST | Method::PATCH | Method::PUT);
    if with_body && !json_content_type(headers) {
        let sent = headers
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("none");
        return Some(json_answer(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            json!({
                "type": "https://tools.ietf.org/html/rfc9110#section-15.5.16",
                "title": "Unsupported Media Type",
                "status": 415,
                "detail": format!("Content-Type {sent} is not supported; send application/json;charset=UTF-8"),
            }),
        ));
    }
    None
}

/// `application/json`, with no parameter or `charset=UTF-8` (any case).
fn json_content_type(headers: &HeaderMap) -> bool {
    let Some(value) = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
    else {
        return false;
    };
    let mut parts = value.split(';').map(str::trim);
    if !parts
        .next()
        .is_some_and(|m| m.eq_ignore_ascii_case("application/json"))
    {
        return false;
    }
    parts.all(|param| {
        param.split_once('=').is_some_and(|(k, v)| {
            k.trim().eq_ignore_ascii_case("charset")
                && v.trim().trim_matches('"').eq_ignore_ascii_case("utf-8")
        })
    })
}

async fn list_networks(Shared(db): Shared<Db>) -> Response {
    let today = lock(&db).today();
    json_answer(StatusCode::OK, networks::list(today))
}

fn header_number(headers: &HeaderMap, name: &str, default: u64) -> Option<u64> {
    match headers.get(name) {
        None => Some(default),
        Some(v) => v.to_str().ok()?.trim().parse().ok(),
    }
}

async fn list_ports(Shared(db): Shared<Db>, headers: HeaderMap) -> Response {
    let state = lock(&db);
    let page = header_number(&headers, "x-pagenumber", 1).filter(|p| *p >= 1);
    let size = header_number(&headers, "x-pagesize", 10).filter(|s| (1..=50).contains(s));
    let (Some(page), Some(size)) = (page, size) else {
        return problem(
            StatusCode::BAD_REQUEST,
            "Bad Request",
            Some("x-pagenumber must be 1 or more and x-pagesize 1 to 50".into()),
        );
    };
    let total = state.ports.len() as u64;
    let skip = usize::try_from((page - 1).saturating_mul(size)).unwrap_or(usize::MAX);
    let take = usize::try_from(size).unwrap_or(50);
    let data: Vec<Value> = state
        .ports
        .iter()
        .skip(skip)
        .take(take)
        .map(|p| p.summary())
        .collect();
    json_answer(
        StatusCode::OK,
        json!({ "total": total, "totalPages": total.div_ceil(size), "data": data }),
    )
}

async fn create_port(Shared(db): Shared<Db>, body: Bytes) -> Response {
    let answer = create_port_now(&db, &body);
    let stall = lock(&db).stall_answer.take();
    if let Some(by) = stall {
        tokio::time::sleep(by).await;
    }
    answer
}

fn create_port_now(db: &Db, body: &Bytes) -> Response {
    let mut state = lock(db);
    let body: Value = match serde_json::from_slice(body) {
        Ok(v @ Value::Object(_)) => v,
        _ => {
            return validation(json!({ "$": ["The request body is not a JSON object."] }));
        }
    };
    match create::build(&state, &body) {
        Ok(port) => {
            let id = port.id.clone();
            state.ports.push(port);
            state.stall_answer = state.stall_create.take();
            json_answer(StatusCode::CREATED, json!(id))
        }
        Err(Refusal::Fields(errors)) => validation(json!(errors)),
        Err(Refusal::Text(text)) => text_answer(StatusCode::BAD_REQUEST, text),
    }
}

fn validation(errors: Value) -> Response {
    json_answer(
        StatusCode::BAD_REQUEST,
        json!({
            "type": "https://tools.ietf.org/html/rfc9110#section-15.5.1",
            "title": "One or more validation errors occurred.",
            "status": 400,
            "errors": errors,
        }),
    )
}

fn no_port(id: &str) -> Response {
    problem(
        StatusCode::NOT_FOUND,
        "Not Found",
        Some(format!("Port {id} was not found")),
    )
}

async fn port_details(Shared(db): Shared<Db>, Path((_, id)): Path<(String, String)>) -> Response {
    let mut state = lock(&db);
    let Some(port) = state.port_mut(&id) else {
        return no_port(&id);
    };
    let answer = port.details();
    flow::step(port);
    json_answer(StatusCode::OK, answer)
}

async fn update_port(
    Shared(db): Shared<Db>,
    Path((_, id)): Path<(String, String)>,
    body: Bytes,
) -> Response {
    let mut state = lock(&db);
    let Some(port) = state.port_mut(&id) else {
        return no_port(&id);
    };
    let body: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    let Some(updates) = body
        .get("Rows")
        .and_then(Value::as_array)
        .filter(|r| !r.is_empty())
    else {
        return validation(json!({ "Rows": ["The Rows field is required."] }));
    };
    // Check every update before applying any.
    let mut plan = Vec::with_capacity(updates.len());
    for (i, update) in updates.iter().enumerate() {
        let msisdn = update
            .get("Msisdn")
            .and_then(Value::as_str)
            .unwrap_or_default();
        let Some(row) = port
            .rows
            .iter()
            .position(|r| number_key(&r.msisdn) == number_key(msisdn))
        else {
            return validation(json!({
                format!("Rows[{i}].Msisdn"): [format!("{msisdn} is not on this port.")]
            }));
        };
        let state_now = port.rows[row].state;
        let invalid = state_now.pac_failed();
        match update.get("PortRowStatus").and_then(Value::as_str) {
            Some("Amended") => {
                let Some(pac) = update
                    .get("Pac")
                    .and_then(Value::as_str)
                    .filter(|p| !p.trim().is_empty())
                else {
                    return validation(json!({
                        format!("Rows[{i}].Pac"): ["A PAC is required to amend a row."]
                    }));
                };
                if !invalid {
                    return conflict(format!(
                        "Row {msisdn} is {}; only rows in PacInvalid or PacInvalidDate can be amended",
                        state_now.name()
                    ));
                }
                plan.push((row, RowState::Amended, Some(pac.to_owned())));
            }
            Some("CancellationRequested") => {
                let submitted = state_now == RowState::Following(PortState::Submitted);
                if !invalid && !submitted {
                    return conflict(format!(
                        "Row {msisdn} is {}; only rows in PacInvalid, PacInvalidDate or Submitted can be cancelled",
                        state_now.name()
                    ));
                }
                let next = if submitted {
                    RowState::CancellationRequested
                } else {
                    RowState::Cancelled
                };
                plan.push((row, next, None));
            }
            _ => {
                return validation(json!({
                    format!("Rows[{i}].PortRowStatus"): ["The PortRowStatus must be Amended or CancellationRequested."]
                }));
            }
        }
    }
    for (row, next, pac) in plan {
        let row = &mut port.rows[row];
        row.state = next;
        row.message = None;
        if let Some(pac) = pac {
            row.pac = pac;
        }
    }
    StatusCode::ACCEPTED.into_response()
}

fn conflict(detail: String) -> Response {
    problem(StatusCode::CONFLICT, "Conflict", Some(detail))
}

async fn cancel_port(Shared(db): Shared<Db>, Path((_, id)): Path<(String, String)>) -> Response {
    let mut state = lock(&db);
    let Some(port) = state.port_mut(&id) else {
        return no_port(&id);
    };
    match port.status {
        PortState::Created | PortState::PacCheckFailed => {
            port.status = PortState::Cancelled;
            for row in &mut port.rows {
                row.state = RowState::Cancelled;
            }
        }
        PortState::Submitted => port.cancel_requested = true,
        PortState::Cancelled => {
            return conflict("The port is already Cancelled".to_owned());
        }
        PortState::SubmittedWithErrors | PortState::Error => {
            return conflict(format!(
                "The port is {}; the Cellhire team has been informed and will resolve it",
                port.status.name()
            ));
        }
        other => {
            return conflict(format!(
                "The port is {}; a port can only be cancelled before it is Locked",
                other.name()
            ));
        }
    }
    StatusCode::ACCEPTED.into_response()
}
