//! A fake Cellhire: token endpoint, porting networks, create, details, list,
//! update and cancel, with the document's status flow.
//!
//! What it does, so that tests and examples can rely on it:
//!
//! - `POST /connect/token` grants a bearer token for the sandbox's client id
//!   and secret (form-encoded client credentials); anything else gets 400
//!   `{"error":"invalid_client"}`. Every `/api/porting/...` call needs a
//!   granted token (401 otherwise) and the sandbox's account id (404
//!   otherwise).
//! - Content-Type: a request with a body (Create Port `POST`, Update Port
//!   `PATCH`) must say its body is JSON, as every document example does
//!   (`Content-Type: application/json;charset=UTF-8`): `application/json`
//!   with no parameter or with `charset=UTF-8` (case-insensitive) is
//!   accepted; a missing header, another media type or another charset is
//!   415 problem details (checked after the token and the account). `GET`
//!   and `DELETE` are not checked: the document's examples send the header
//!   on them too, but they carry no body for it to describe, and an
//!   ASP.NET API ignores it there.
//! - Networks: port type `Port` (id 2) with Vodafone (id 1, 1–30 days, eSIM,
//!   from O2 5 or Virgin Media 10) and Orange (France) LMVNO (id 4, 3–20
//!   days, no eSIM, from Bouygues 34); `MigrateIn` (id 3) and
//!   `MigrateInKeep` (id 4, "available on limited networks") with Vodafone
//!   only. Upcoming holidays are the UK bank holidays inside each window.
//! - Create Port checks what the document says Cellhire checks and answers
//!   400 problem details naming each field: name, known networks, port type
//!   (`PortIn`, `MigrateIn` or `MigrateInKeep`), a connection date inside
//!   the window on a working day that is not a holiday, rows present, a
//!   provisioning order or its name on every row, eSIM only where allowed,
//!   and `groupName` "unique per Tariff + BoltOn + Services configuration":
//!   rows sharing a `groupName` must share `tariffId`, `boltOns` and
//!   `services` (as sets), and rows sharing that configuration must share
//!   one `groupName` (`rows[i].groupName` error otherwise). A number on the
//!   stock records (by default `07700900999`) gets the document's plain-text
//!   refusal; a number on an open port is refused until that port is
//!   cancelled. Success is `201` with the bare GUID string.
//! - Get Port Details answers the port as it is, then moves it one step:
//!   `Created` → PAC check (a PAC that is neither UK format, 3 letters and 6
//!   digits, nor a 12-character French RIO makes its row `PacInvalid`; a UK
//!   PAC starting `EXP`, e.g. `EXP123456`, is one that expires before the
//!   connection date and makes its row `PacInvalidDate`; either makes the
//!   port `PacCheckFailed`) → `Submitted` → `Locked` → `Ported` →
//!   (`Awaiting Serial`, for `MigrateInKeep` ports only) → `Create RA` →
//!   `Awaiting RA` → (`Create Configuration` → `Awaiting Configuration`
//!   when a row has services) → `Complete`. A port waits in
//!   `PacCheckFailed` until every row is `PacValid` or `Cancelled`.
//! - Trigger numbers (any form, e.g. `07700900901` or `447700900901`), on a
//!   live row:
//!
//!   | number | what happens |
//!   |---|---|
//!   | `07700900901` | on the poll after `Submitted` the port goes to `SubmittedWithErrors` and stays there |
//!   | `07700900902` | on the poll after `Ported` the port goes to `Error` and stays there |
//!   | `07700900903` | the source network rejects the port while `Submitted`: on the next poll the port and its rows are `Cancelled`, that row's `message` is "Rejected by the source network: the account holder has asked for the number not to be ported" and the other rows' message names it (the document's FAQ) |
//!   | `07700900999` | on the stock records (default config) |
//!
//!   The error states are the Cellhire team's to resolve: the sandbox
//!   never moves a port out of them, and Cancel Port there is 409.
//! - Update Port, as the document words it: the PAC of a row in
//!   `PacInvalid` or `PacInvalidDate` may be amended (`PortRowStatus`
//!   `Amended` with a `Pac`; the row is re-checked on the next poll); a row
//!   in `PacInvalid`, `PacInvalidDate` or `Submitted` may be cancelled
//!   (`CancellationRequested`: at once from a PAC state, on the next poll
//!   from `Submitted`); anything else is 409 and no row of the request is
//!   changed. Cancel Port is immediate before submission (`Created`,
//!   `PacCheckFailed`), takes one poll while `Submitted`, and is 409 once
//!   `Locked` or later.
//! - List Ports pages with `x-pagenumber` / `x-pagesize` (at most 50).
//!
//! Numbers are compared as digits with a national leading `0` read as UK
//! `44`, so `07700900123` and `447700900123` are the same number.

mod create;
mod flow;
mod networks;
mod routes;
mod state;
mod statuses;

use std::sync::{Arc, Mutex};

use chrono::NaiveDate;

use super::server::Server;
use crate::error::Result;
use state::State;

/// How a [`CellhireSandbox`] starts.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct CellhireSandboxConfig {
    /// The account id the API answers for.
    pub account_id: u64,
    /// `expires_in` of granted tokens, in seconds.
    pub token_lifetime_secs: u64,
    /// Numbers already on the stock records (refused by Create Port), in
    /// any form the sandbox reads (`07700900999`, `447700900999`).
    pub stock: Vec<String>,
    /// The sandbox's today; the London date when `None`.
    pub today: Option<NaiveDate>,
}

impl Default for CellhireSandboxConfig {
    fn default() -> Self {
        Self {
            account_id: CellhireSandbox::ACCOUNT_ID,
            token_lifetime_secs: 3600,
            stock: vec!["07700900999".to_owned()],
            today: None,
        }
    }
}

impl CellhireSandboxConfig {
    setters! {
        /// The defaults with `today` fixed.
        with_today(today: NaiveDate) => today = Some(today);

        /// The defaults with these numbers on the stock records.
        with_stock(stock: Vec<String>) => stock = stock;
    }
}

/// A running fake Cellhire on loopback. Stops when dropped.
#[derive(Debug)]
pub struct CellhireSandbox {
    server: Server,
    state: Arc<Mutex<State>>,
}

impl CellhireSandbox {
    /// The default account id.
    pub const ACCOUNT_ID: u64 = 40001;
    /// The client id the token endpoint accepts.
    pub const CLIENT_ID: &'static str = "numport-sandbox";
    /// The client secret the token endpoint accepts (not a secret: the
    /// sandbox is public and local).
    pub const CLIENT_SECRET: &'static str = "sandbox-secret";

    /// Starts a sandbox with the default configuration.
    pub async fn start() -> Result<Self> {
        Self::start_with(CellhireSandboxConfig::default()).await
    }

    /// Starts a sandbox with `config`.
    pub async fn start_with(config: CellhireSandboxConfig) -> Result<Self> {
        let state = Arc::new(Mutex::new(State::new(config)));
        let server = Server::spawn(routes::router(state.clone())).await?;
        Ok(Self { server, state })
    }

    /// The API base URL, `http://127.0.0.1:<port>`.
    pub fn base_url(&self) -> String {
        self.server.url()
    }

    /// The token endpoint, `<base_url>/connect/token`.
    pub fn token_url(&self) -> String {
        format!("{}/connect/token", self.server.url())
    }

    /// The account id the API answers for.
    pub fn account_id(&self) -> u64 {
        self.lock().config.account_id
    }

    /// The client id the token endpoint accepts.
    pub fn client_id(&self) -> &'static str {
        Self::CLIENT_ID
    }

    /// The client secret the token endpoint accepts.
    pub fn client_secret(&self) -> &'static str {
        Self::CLIENT_SECRET
    }

    /// A valid bearer token, granted without a round trip, for clients
    /// configured with a static token.
    pub fn issue_token(&self) -> String {
        self.lock().grant_token()
    }

    /// Tokens granted by the token endpoint so far.
    pub fn token_grants(&self) -> usize {
        self.lock().grants
    }

    /// Makes every granted token invalid, as when they expire.
    pub fn revoke_tokens(&self) {
        self.lock().tokens.clear();
    }

    /// `(method, path)` of every API request received, token requests
    /// excluded, oldest first.
    pub fn api_requests(&self) -> Vec<(String, String)> {
        self.lock().requests.clone()
    }

    /// Answers the next `count` API requests with `status` and a problem
    /// details body, before any other check.
    pub fn fail_next(&self, count: usize, status: u16) {
        let mut state = self.lock();
        state.fail_next = count;
        state.fail_status = status;
    }

    /// Holds the answer of the next create that is carried out for `by`:
    /// the order is recorded at once, its answer (with its id) leaves
    /// `by` later. A client that gives up or dies meanwhile has created
    /// the order without learning it (an unknown outcome, or a lost
    /// owner).
    pub fn stall_next_create(&self, by: std::time::Duration) {
        self.lock().stall_create = Some(by);
    }

    /// Puts `number` on the stock records, so that Create Port refuses it.
    pub fn add_stock(&self, number: &str) {
        let mut state = self.lock();
        let key = state::number_key(number);
        state.stock.insert(key);
    }

    /// Moves every port one step along the flow, as time passing at the
    /// carrier would (a details read also moves the port it reads).
    pub fn tick(&self) {
        let mut state = self.lock();
        for port in state.ports.iter_mut() {
            flow::step(port);
        }
    }

    /// The current status name of port `id`, without moving it on.
    pub fn port_status(&self, id: &str) -> Option<String> {
        self.lock().port(id).map(|p| p.status.name().to_owned())
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        // A handler never panics while holding the lock; recover anyway.
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }
}
