//! A webhook receiver on loopback (axum) for the relay's tests: it checks
//! each request with `numport::webhook::verify` at the test's clock,
//! records it, and answers what the test scripts. Every answer closes its
//! connection, so that a stopped receiver refuses the next attempt.

#![allow(dead_code)]

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, TimeZone, Utc};
use numport::clock::{Clock, ManualClock};
use numport::store::{MemoryStore, Store};
use numport::webhook::{WebhookSecret, verify};
use numport::{Carrier, Events, PortEvent, PortId, PortStatus};
use tokio::task::JoinHandle;

/// The test clock's start: 2026-03-02 09:00:00 UTC.
pub fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 2, 9, 0, 0).unwrap()
}

/// A fixed secret for the tests (24 bytes).
pub fn secret() -> WebhookSecret {
    WebhookSecret::parse("whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD").unwrap()
}

/// A memory store and the events on its default stream.
pub fn events() -> (Arc<dyn Store>, Events) {
    let store: Arc<dyn Store> = Arc::new(MemoryStore::new());
    (store.clone(), Events::new(store))
}

/// Change `sequence` of `order` of account `numport:cellhire:acct`.
pub fn event(order: &str, sequence: u64) -> PortEvent {
    let statuses = [
        PortStatus::Received,
        PortStatus::Submitted,
        PortStatus::Scheduled,
        PortStatus::Ported,
        PortStatus::Provisioning,
        PortStatus::Complete,
    ];
    let at = |n: u64| statuses[usize::try_from(n).unwrap().min(statuses.len()) - 1];
    PortEvent::status_changed(
        Carrier::Cellhire,
        "numport:cellhire:acct",
        PortId::new(order).unwrap(),
        vec![],
        sequence,
        (sequence > 1).then(|| at(sequence - 1)),
        at(sequence),
        t0(),
    )
}

/// What the receiver answers a request: status, extra headers, body.
#[derive(Debug, Clone)]
pub struct Answer {
    pub status: u16,
    pub headers: Vec<(&'static str, String)>,
    pub body: Vec<u8>,
}

impl Answer {
    pub fn status(status: u16) -> Self {
        Self {
            status,
            headers: vec![],
            body: vec![],
        }
    }

    pub fn with_body(mut self, body: impl Into<Vec<u8>>) -> Self {
        self.body = body.into();
        self
    }

    pub fn with_header(mut self, name: &'static str, value: impl Into<String>) -> Self {
        self.headers.push((name, value.into()));
        self
    }
}

/// Decides the answer from the webhook's id and how many requests with
/// that id came before this one.
pub type Script = Arc<dyn Fn(&str, usize) -> Answer + Send + Sync>;

/// One request the receiver got.
#[derive(Debug, Clone)]
pub struct Seen {
    /// The request's method.
    pub method: String,
    /// The request's path (and query, if any).
    pub path: String,
    /// `content-type`.
    pub content_type: String,
    /// `user-agent`.
    pub user_agent: String,
    /// `webhook-id`.
    pub id: String,
    /// `webhook-timestamp`.
    pub timestamp: i64,
    /// `webhook-signature`.
    pub signature: String,
    /// The body.
    pub body: Vec<u8>,
    /// What `verify` said at the test clock's time.
    pub verified: Result<PortEvent, String>,
    /// The status answered.
    pub answered: u16,
}

struct Shared {
    secret: WebhookSecret,
    clock: Arc<ManualClock>,
    script: Mutex<Script>,
    seen: Mutex<Vec<Seen>>,
}

/// The receiver.
pub struct Receiver {
    addr: SocketAddr,
    shared: Arc<Shared>,
    task: Option<JoinHandle<()>>,
}

impl Receiver {
    /// A receiver on `127.0.0.1` answering 204 to everything.
    pub async fn start(clock: Arc<ManualClock>) -> Self {
        Self::start_on("127.0.0.1:0".parse().unwrap(), clock).await
    }

    /// A receiver on `addr`.
    pub async fn start_on(addr: SocketAddr, clock: Arc<ManualClock>) -> Self {
        let shared = Arc::new(Shared {
            secret: secret(),
            clock,
            script: Mutex::new(Arc::new(|_: &str, _: usize| Answer::status(204))),
            seen: Mutex::new(Vec::new()),
        });
        let mut receiver = Self {
            addr,
            shared,
            task: None,
        };
        receiver.serve().await;
        receiver
    }

    async fn serve(&mut self) {
        let listener = tokio::net::TcpListener::bind(self.addr).await.unwrap();
        self.addr = listener.local_addr().unwrap();
        let router = axum::Router::new()
            .fallback(handle)
            .with_state(self.shared.clone());
        self.task = Some(tokio::spawn(async move {
            let _ = axum::serve(listener, router).await;
        }));
    }

    /// `http://127.0.0.1:<port>/hooks/numport`.
    pub fn url(&self) -> String {
        format!("http://{}/hooks/numport", self.addr)
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Answers what `script` says from now on.
    pub fn script(&self, script: impl Fn(&str, usize) -> Answer + Send + Sync + 'static) {
        *self.shared.script.lock().unwrap() = Arc::new(script);
    }

    /// Answers `status` to everything from now on.
    pub fn answer(&self, status: u16) {
        self.script(move |_, _| Answer::status(status));
    }

    /// Stops listening: connections are refused until [`Receiver::restart`].
    pub async fn stop(&mut self) {
        if let Some(task) = self.task.take() {
            task.abort();
            let _ = task.await;
        }
    }

    /// Listens again on the same port.
    pub async fn restart(&mut self) {
        self.stop().await;
        self.serve().await;
    }

    /// Every request so far.
    pub fn seen(&self) -> Vec<Seen> {
        self.shared.seen.lock().unwrap().clone()
    }
}

impl Drop for Receiver {
    fn drop(&mut self) {
        if let Some(task) = self.task.take() {
            task.abort();
        }
    }
}

async fn handle(
    State(shared): State<Arc<Shared>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let text = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned()
    };
    let id = text("webhook-id");
    let verified =
        verify(&shared.secret, &headers, &body, shared.clock.now()).map_err(|e| format!("{e:?}"));
    let script = shared.script.lock().unwrap().clone();
    let mut seen = shared.seen.lock().unwrap();
    let before = seen.iter().filter(|s| s.id == id).count();
    let answer = script(&id, before);
    seen.push(Seen {
        method: method.to_string(),
        path: uri
            .path_and_query()
            .map(ToString::to_string)
            .unwrap_or_default(),
        content_type: text("content-type"),
        user_agent: text("user-agent"),
        id: id.clone(),
        timestamp: text("webhook-timestamp").parse().unwrap_or(i64::MIN),
        signature: text("webhook-signature"),
        body: body.to_vec(),
        verified,
        answered: answer.status,
    });
    drop(seen);
    let mut response = (
        StatusCode::from_u16(answer.status).unwrap(),
        answer.body.clone(),
    )
        .into_response();
    for (name, value) in &answer.headers {
        response
            .headers_mut()
            .insert(*name, HeaderValue::from_str(value).unwrap());
    }
    response
        .headers_mut()
        .insert(header::CONNECTION, HeaderValue::from_static("close"));
    response
}

/// A relay of `events` to `url` as consumer `name` of the default group,
/// on the test clock.
pub fn relay(
    events: &Events,
    url: &str,
    clock: &Arc<ManualClock>,
    name: &str,
) -> numport::webhook::RelayBuilder {
    numport::webhook::Relay::builder(events.clone(), url, secret())
        .consumer(name)
        .clock(clock.clone())
}

/// A clock at [`t0`].
pub fn clock() -> Arc<ManualClock> {
    Arc::new(ManualClock::new(t0()))
}

/// Sets `clock` to `seconds` after [`t0`].
pub fn at(clock: &ManualClock, seconds: i64) {
    clock.set(t0() + chrono::Duration::seconds(seconds));
}

/// The entry ids pending for consumer `name` of the default relay group
/// on the default stream.
pub async fn pending(store: &Arc<dyn Store>, name: &str) -> Vec<String> {
    store
        .stream_read(
            numport::DEFAULT_EVENT_STREAM,
            numport::webhook::DEFAULT_RELAY_GROUP,
            name,
            true,
            1_000,
            std::time::Duration::ZERO,
        )
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.id)
        .collect()
}

/// The requests seen for `id`: (seconds after [`t0`], status answered).
pub fn attempts_of(seen: &[Seen], id: &str) -> Vec<(i64, u16)> {
    seen.iter()
        .filter(|s| s.id == id)
        .map(|s| (s.timestamp - t0().timestamp(), s.answered))
        .collect()
}
