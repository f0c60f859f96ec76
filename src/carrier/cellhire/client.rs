//! [`CellhireClient`]: every Cellhire porting operation, typed.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use chrono::NaiveDate;
use futures::stream::{self, BoxStream, StreamExt};
use reqwest::Method;
use reqwest::header::{AUTHORIZATION, CONTENT_TYPE, HeaderValue};
use tokio::sync::Mutex;
use tokio::time::Instant;

use super::auth::{Bearer, CellhireAuth, TokenSource};
use super::builder::CellhireClientBuilder;
use super::listing::{PageFacts, Verdict, Walk};
use super::planner::ConnectionDatePlanner;
use super::request::{check_network, check_static};
use super::types::{
    CreatePort, PortDetails, PortPage, PortType, PortingNetworks, RowUpdate, TargetNetwork,
};
use super::{MsisdnFormat, from_wire, to_wire, wire};
use crate::error::{Error, Problems, RejectReason, Result};
use crate::http::error_body::{ErrorBody, error_for_status};
use crate::http::{Idempotency, Reply, Transport, decode};
use crate::model::{Credential, PortId, PortSummary};
use crate::operation::{Carrier, Operation};
use crate::redact::{Runs, scrub_texts_with};
use crate::store::{Namespace, Shared, Store};

/// The largest page List Ports serves.
pub const MAX_PAGE_SIZE: u32 = 50;

/// The most pages [`CellhireClient::list_ports`] reads: 20,000 pages, a
/// million ports at the largest page size.
pub const MAX_LIST_PAGES: u32 = 20_000;

/// How long the network list (with its holidays) is reused.
const NETWORKS_TTL: Duration = Duration::from_secs(15 * 60);

const CARRIER: Carrier = Carrier::Cellhire;

/// A Cellhire client. Cheap to clone; clones share the connection pool, the
/// token cache and the network cache.
///
/// Build one with [`CellhireClient::builder`] or [`CellhireClient::from_env`].
/// It implements [`crate::PortProvider`], and offers Cellhire's own
/// operations as methods: [`networks`](Self::networks),
/// [`create_port`](Self::create_port), [`port_details`](Self::port_details),
/// [`list_ports`](Self::list_ports), [`update_port`](Self::update_port),
/// [`cancel_port`](Self::cancel_port).
#[derive(Clone)]
pub struct CellhireClient {
    inner: Arc<Inner>,
}

struct Inner {
    transport: Transport,
    account_id: u64,
    tokens: TokenSource,
    msisdn: MsisdnFormat,
    timezone: chrono_tz::Tz,
    networks: Mutex<Option<(Instant, Arc<Vec<PortingNetworks>>)>>,
    /// The store shared with other clients of the account (networks).
    shared: Shared,
}

/// The store item of the networks list.
const NETWORKS_ITEM: &str = "networks";

/// How far ahead of this machine's clock a shared networks list may be
/// dated: another replica's clock a little ahead is fine; more is not
/// believed (a list from the future would be reused for ever).
const NETWORKS_CLOCK_SKEW_MS: i64 = 5 * 60 * 1000;

/// The networks list with the time it was read, as shared through the store.
#[derive(serde::Serialize, serde::Deserialize)]
struct SharedNetworks {
    /// When it was read, in Unix milliseconds.
    fetched_at_ms: i64,
    list: Vec<PortingNetworks>,
}

/// What makes a networks list unbelievable, if anything: a target network
/// outside the planner's bounds ([`super::planner::MAX_PORT_DAYS`],
/// [`super::planner::MAX_HOLIDAYS`]).
fn networks_problem(list: &[PortingNetworks]) -> Option<String> {
    list.iter()
        .flat_map(|t| &t.target_networks)
        .find_map(super::planner::rules_problem)
}

impl SharedNetworks {
    fn now(list: Vec<PortingNetworks>) -> Self {
        Self {
            fetched_at_ms: chrono::Utc::now().timestamp_millis(),
            list,
        }
    }

    /// How long ago it was read; zero when dated (a little) ahead.
    fn age(&self) -> Duration {
        let ms = chrono::Utc::now()
            .timestamp_millis()
            .saturating_sub(self.fetched_at_ms);
        Duration::from_millis(ms.max(0).unsigned_abs())
    }

    /// A stored list, if readable, younger than [`NETWORKS_TTL`], not
    /// dated more than [`NETWORKS_CLOCK_SKEW_MS`] ahead and within the
    /// planner's bounds; anything else is dropped (with a warning unless
    /// it merely expired) and read again from Cellhire.
    fn decode(bytes: &[u8]) -> Option<Self> {
        let shared: Self = match serde_json::from_slice(bytes) {
            Ok(shared) => shared,
            Err(e) => {
                tracing::warn!(
                    error = ?e.classify(),
                    bytes = bytes.len(),
                    "the shared networks list is unreadable; reading it again"
                );
                return None;
            }
        };
        let ahead_ms = shared
            .fetched_at_ms
            .saturating_sub(chrono::Utc::now().timestamp_millis());
        if ahead_ms > NETWORKS_CLOCK_SKEW_MS {
            tracing::warn!(
                ahead_secs = ahead_ms / 1000,
                "the shared networks list is dated in the future; reading it again"
            );
            return None;
        }
        if let Some(problem) = networks_problem(&shared.list) {
            tracing::warn!(
                %problem,
                "the shared networks list is outside the believed bounds; reading it again"
            );
            return None;
        }
        (shared.age() < NETWORKS_TTL).then_some(shared)
    }

    fn encode(&self) -> Vec<u8> {
        serde_json::to_vec(self).unwrap_or_default()
    }

    fn lifetime(&self) -> Duration {
        NETWORKS_TTL.saturating_sub(self.age())
    }
}

impl fmt::Debug for CellhireClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CellhireClient")
            .field("base_url", self.inner.transport.base())
            .field("account_id", &self.inner.account_id)
            .field("tokens", &self.inner.tokens)
            .field("msisdn", &self.inner.msisdn)
            .field("timezone", &self.inner.timezone)
            .finish()
    }
}

/// Reads a typed reason from Cellhire's words.
pub(super) fn reject_reason(text: &str) -> RejectReason {
    let lower = text.to_ascii_lowercase();
    if lower.contains("already exists on our stock records") {
        return RejectReason::AlreadyInStock;
    }
    // The FAQ: "You will need to cancel the original port before a new
    // Port / Migration can be created for that MSISDN", and the ways a
    // server may put it.
    const DUPLICATE: &[&str] = &[
        "open port",
        "already being ported",
        "cancel the original port",
        "original port",
        "existing port",
        "port already exists",
        "already has a port",
        "already have a port",
        "already has an open",
        "already have an open",
        "active port",
        "pending port",
        "port in progress",
        "already been booked",
        "already booked",
    ];
    if DUPLICATE.iter().any(|p| lower.contains(p)) {
        return RejectReason::DuplicatePort;
    }
    if lower
        .split(|c: char| !c.is_ascii_alphanumeric())
        .any(|w| w == "pac" || w == "rio")
    {
        return RejectReason::PacInvalid;
    }
    RejectReason::Other
}

impl CellhireClient {
    /// A builder.
    pub fn builder() -> CellhireClientBuilder {
        CellhireClientBuilder::default()
    }

    /// A client configured from `CELLHIRE_BASE_URL` (optional),
    /// `CELLHIRE_ACCOUNT_ID`, and `CELLHIRE_TOKEN` or `CELLHIRE_CLIENT_ID` +
    /// `CELLHIRE_CLIENT_SECRET` (token endpoint `CELLHIRE_AUTH_URL`, optional).
    pub fn from_env() -> Result<Self> {
        CellhireClientBuilder::from_vars(|name| std::env::var(name).ok())?.build()
    }

    pub(super) fn from_parts(
        transport: Transport,
        account_id: u64,
        auth: CellhireAuth,
        msisdn: MsisdnFormat,
        timezone: chrono_tz::Tz,
        store: Option<Arc<dyn Store>>,
    ) -> Result<Self> {
        let token_shared = match &auth {
            CellhireAuth::ClientCredentials {
                client_id,
                token_url,
                ..
            } => Some(Shared::new(
                Namespace::new("cellhire", &[token_url.as_url().as_str(), client_id]),
                store.clone(),
            )),
            CellhireAuth::Token(_) => None,
        };
        let shared = Shared::new(
            Namespace::new(
                "cellhire",
                &[transport.base().as_url().as_str(), &account_id.to_string()],
            ),
            store,
        );
        Ok(Self {
            inner: Arc::new(Inner {
                transport,
                account_id,
                tokens: TokenSource::new(auth, token_shared)?,
                msisdn,
                timezone,
                networks: Mutex::new(None),
                shared,
            }),
        })
    }

    /// The Cellhire account number.
    pub fn account_id(&self) -> u64 {
        self.inner.account_id
    }

    /// How many tokens this client (and its clones) fetched from the token
    /// endpoint; always 0 with a static token.
    pub fn token_grants(&self) -> usize {
        self.inner.tokens.grants()
    }

    /// Today's date in Cellhire's time zone (Europe/London unless the
    /// builder set another) by the client's clock: the day the booking
    /// window counts "from now". Between 00:00 and 01:00 London time in
    /// summer the UTC date is still yesterday; this is already today.
    pub fn today(&self) -> NaiveDate {
        self.inner
            .transport
            .config()
            .clock
            .now()
            .with_timezone(&self.inner.timezone)
            .date_naive()
    }

    /// The HTTP settings (timeouts, deadline, retries) this client uses.
    pub(super) fn http_config(&self) -> &crate::http::HttpConfig {
        self.inner.transport.config()
    }

    /// The time zone date rules are counted in.
    pub fn timezone(&self) -> chrono_tz::Tz {
        self.inner.timezone
    }

    fn path(&self, rest: &str) -> String {
        format!("/api/porting/{}{rest}", self.inner.account_id)
    }

    /// Sends one request with the bearer token; on 401 fetches a new token
    /// once (client credentials only) and sends again. Non-2xx answers become
    /// errors, with every secret the client knows and the request's own
    /// `secrets` (PACs) removed from their texts; for a create, a failure
    /// after sending is [`Error::OutcomeUnknown`].
    #[allow(clippy::too_many_arguments)]
    async fn send(
        &self,
        operation: Operation,
        idempotency: Idempotency,
        method: Method,
        path: &str,
        headers: &[(&'static str, String)],
        body: Option<Vec<u8>>,
        secrets: &[&str],
    ) -> Result<Reply> {
        let mut token_seen: Option<Credential> = None;
        let result = self
            .send_inner(
                operation,
                idempotency,
                method,
                path,
                headers,
                body,
                &mut token_seen,
            )
            .await;
        result.map_err(|e| {
            let mut all: Vec<&str> = secrets.to_vec();
            all.extend(self.inner.tokens.secrets());
            if let Some(token) = &token_seen {
                all.push(token.expose());
            }
            e.redacting(&all)
        })
    }

    #[allow(clippy::too_many_arguments)]
    async fn send_inner(
        &self,
        operation: Operation,
        idempotency: Idempotency,
        method: Method,
        path: &str,
        headers: &[(&'static str, String)],
        body: Option<Vec<u8>>,
        token_seen: &mut Option<Credential>,
    ) -> Result<Reply> {
        let transport = &self.inner.transport;
        let url = transport.url(path);
        let body = body.map(bytes::Bytes::from);
        let mut refreshed = false;
        loop {
            let Bearer {
                token,
                header: bearer,
            } = self.inner.tokens.token(transport).await?;
            *token_seen = Some(token.clone());
            let reply = transport
                .execute(operation, idempotency, |client| {
                    // The document's examples send this Content-Type on
                    // every call, reads included.
                    let mut rb = client
                        .request(method.clone(), url.clone())
                        .header(AUTHORIZATION, bearer.clone())
                        .header(
                            CONTENT_TYPE,
                            HeaderValue::from_static("application/json;charset=UTF-8"),
                        );
                    for (name, value) in headers {
                        rb = rb.header(*name, value.as_str());
                    }
                    if let Some(body) = &body {
                        rb = rb.body(body.clone());
                    }
                    rb
                })
                .await?;
            if reply.status == 401 && !refreshed && self.inner.tokens.can_refresh() {
                tracing::debug!("401: fetching a new token and trying once more");
                self.inner.tokens.invalidate(&token).await;
                refreshed = true;
                continue;
            }
            if reply.is_success() {
                return Ok(reply);
            }
            let retry_after = reply.retry_after(transport.config());
            let error = error_for_status(
                CARRIER,
                reply.status,
                ErrorBody::parse(&reply.body),
                retry_after,
                reject_reason,
            );
            return Err(if idempotency == Idempotency::CreateOnce {
                error.ambiguous_after_send(operation)
            } else {
                error
            });
        }
    }

    /// Get Porting Networks: every port type with its target networks, their
    /// booking windows, eSIM rule, source networks and upcoming holidays.
    /// Always asks Cellhire, and refreshes the client's cache. A list
    /// outside the bounds the crate believes (a booking window longer than
    /// [`super::planner::MAX_PORT_DAYS`] days, more than
    /// [`super::planner::MAX_HOLIDAYS`] holidays for one network) is an
    /// [`Error::Decode`] and is neither cached nor planned with.
    pub async fn networks(&self) -> Result<Vec<PortingNetworks>> {
        let networks = self.fetch_networks().await?;
        let fetched = SharedNetworks::now(networks);
        self.inner
            .shared
            .put(NETWORKS_ITEM, &fetched.encode(), NETWORKS_TTL)
            .await;
        let networks = fetched.list.clone();
        *self.inner.networks.lock().await = Some((Instant::now(), Arc::new(fetched.list)));
        Ok(networks)
    }

    /// Get Porting Networks, read and checked: a list outside the
    /// planner's bounds (a booking window longer than
    /// [`super::planner::MAX_PORT_DAYS`], more than
    /// [`super::planner::MAX_HOLIDAYS`] holidays for a network) is an
    /// [`Error::Decode`], never planned with. The names it holds come back
    /// without the client's secrets, should Cellhire echo them.
    async fn fetch_networks(&self) -> Result<Vec<PortingNetworks>> {
        let op = Operation::Native("networks");
        let reply = self
            .send(
                op,
                Idempotency::Idempotent,
                Method::GET,
                &self.path("/networks"),
                &[],
                None,
                &[],
            )
            .await?;
        let list: Vec<wire::PortTypeNetworks> = decode::json(CARRIER, op, &reply.body)?;
        let mut networks = from_wire::networks(list);
        self.with_secrets(|runs, secrets| {
            scrub_texts_with(runs, secrets, from_wire::network_texts(&mut networks));
        })
        .await;
        if let Some(problem) = networks_problem(&networks) {
            return Err(Error::Decode {
                carrier: CARRIER,
                operation: op,
                message: format!(
                    "the networks list is not used: {problem} (no connection date is planned \
                     or checked against it)"
                ),
            });
        }
        Ok(networks)
    }

    /// Calls `f` with every secret the client knows (its configured
    /// secret: the static token or the client secret, and the token
    /// granted last) and their redaction runs.
    async fn with_secrets<R>(&self, f: impl FnOnce(&Runs<'_>, &[&str]) -> R) -> R {
        self.inner.tokens.with_secrets(f).await
    }

    /// The network list, from the cache while it is fresh, else from the
    /// store, else fetched. Single-flight: callers that arrive while one is
    /// fetching wait for its answer instead of fetching too (the lock is
    /// held across the fetch), and so do other replicas sharing the store.
    pub(super) async fn cached_networks(&self) -> Result<Arc<Vec<PortingNetworks>>> {
        let mut slot = self.inner.networks.lock().await;
        if let Some((at, list)) = slot.as_ref() {
            if at.elapsed() < NETWORKS_TTL {
                return Ok(list.clone());
            }
        }
        let mut fetched = self
            .inner
            .shared
            .fetch_once(
                NETWORKS_ITEM,
                SharedNetworks::decode,
                SharedNetworks::encode,
                SharedNetworks::lifetime,
                || async { Ok::<_, Error>(SharedNetworks::now(self.fetch_networks().await?)) },
            )
            .await?;
        // A list read back from the store was written by another client,
        // which may not know this one's secrets.
        self.with_secrets(|runs, secrets| {
            scrub_texts_with(runs, secrets, from_wire::network_texts(&mut fetched.list));
        })
        .await;
        let age = fetched.age();
        let list = Arc::new(fetched.list);
        let at = Instant::now().checked_sub(age).unwrap_or_else(Instant::now);
        *slot = Some((at, list.clone()));
        Ok(list)
    }

    /// The target network `id` for `port_type`, from the (cached) network
    /// list. A [`Error::Validation`] on `target_network_id` when there is none.
    pub async fn target_network(&self, port_type: &PortType, id: i64) -> Result<TargetNetwork> {
        self.with_target_network(port_type, id, TargetNetwork::clone)
            .await
    }

    /// `f` of the target network `id` for `port_type`, read in place in the
    /// cached list (no copy of its windows and holidays).
    pub(super) async fn with_target_network<R>(
        &self,
        port_type: &PortType,
        id: i64,
        f: impl FnOnce(&TargetNetwork) -> R,
    ) -> Result<R> {
        let list = self.cached_networks().await?;
        let of_type = list.iter().find(|n| &n.port_type == port_type);
        if let Some(network) = of_type.and_then(|n| n.target_networks.iter().find(|t| t.id == id)) {
            return Ok(f(network));
        }
        let known: Vec<String> = of_type
            .map(|n| {
                n.target_networks
                    .iter()
                    .map(|t| format!("{} ({})", t.id, t.name))
                    .collect()
            })
            .unwrap_or_default();
        Err(Error::invalid(
            "target_network_id",
            format!(
                "{id} is not a target network for {port_type} (known: {})",
                known.join(", ")
            ),
        ))
    }

    /// The earliest valid connection date for a port to `target_network_id`
    /// booked today.
    pub async fn plan_connection_date(
        &self,
        port_type: &PortType,
        target_network_id: i64,
    ) -> Result<NaiveDate> {
        let network = self.target_network(port_type, target_network_id).await?;
        ConnectionDatePlanner::new(&network)
            .earliest(self.today())
            .ok_or_else(|| {
                Error::invalid(
                    "connection_date",
                    format!("{} has no bookable working day in its window", network.name),
                )
            })
    }

    /// Create Port. Checks every documented rule first (names, provisioning
    /// order, eSIM, source network, connection date) and sends nothing when
    /// one fails; only the network list is read to check the network rules.
    /// Never retried once it may have reached Cellhire.
    pub async fn create_port(&self, request: &CreatePort) -> Result<PortId> {
        let mut problems = Problems::new();
        check_static(request, &mut problems);
        problems.finish()?;
        let today = self.today();
        self.with_target_network(&request.port_type, request.target_network_id, |network| {
            let mut problems = Problems::new();
            check_network(request, network, today, &mut problems);
            problems.finish()
        })
        .await??;
        self.post_create(request).await
    }

    pub(super) async fn post_create(&self, request: &CreatePort) -> Result<PortId> {
        let op = Operation::Submit;
        let body = serde_json::to_vec(&to_wire::create_port(request, &self.inner.msisdn))
            .map_err(|e| Error::Config(format!("could not encode the request: {e}")))?;
        let pacs: Vec<&str> = request.rows.iter().map(|r| r.pac.expose()).collect();
        let reply = self
            .send(
                op,
                Idempotency::CreateOnce,
                Method::POST,
                &self.path(""),
                &[],
                Some(body),
                &pacs,
            )
            .await?;
        // Cellhire answered 2xx: the port exists. An id we cannot read or
        // use leaves the caller not knowing which: an unknown outcome.
        let unknown = |message: String| Error::OutcomeUnknown {
            carrier: CARRIER,
            operation: op,
            cause: Box::new(Error::Decode {
                carrier: CARRIER,
                operation: op,
                message,
            }),
        };
        // A bare string as documented, else an object: read as the one its
        // first byte says, in one pass.
        let bare = reply.body.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'"');
        let created = if bare {
            decode::json::<String>(CARRIER, op, &reply.body)
        } else {
            decode::json::<wire::CreatedPort>(CARRIER, op, &reply.body).map(|c| c.port_id)
        };
        let id = created.map_err(|e| {
            unknown(format!(
                "Cellhire accepted the port (HTTP {}) but its id could not be read ({e}); \
                 do not submit again: reconcile to find it",
                reply.status
            ))
        })?;
        PortId::new(id).map_err(|e| {
            unknown(format!(
                "Cellhire accepted the port (HTTP {}) but returned an unusable id ({}); \
                 do not submit again: reconcile to find it",
                reply.status, e.problem
            ))
        })
    }

    /// Get Port Details: the port and every row.
    pub async fn port_details(&self, id: &PortId) -> Result<PortDetails> {
        check_guid(id)?;
        let op = Operation::Order;
        let path = format!("/api/porting/{}/port/{id}", self.inner.account_id);
        let reply = self
            .send(
                op,
                Idempotency::Idempotent,
                Method::GET,
                &path,
                &[],
                None,
                &[],
            )
            .await?;
        let details: wire::PortDetails = decode::json(CARRIER, op, &reply.body)?;
        let mut details =
            from_wire::details(details, &self.inner.msisdn).map_err(|message| Error::Decode {
                carrier: CARRIER,
                operation: op,
                message,
            })?;
        // Only a port whose rows carry messages is scrubbed (most carry none).
        if from_wire::has_messages(&details) {
            self.with_secrets(|runs, secrets| {
                from_wire::scrub_messages(&mut details, runs, secrets);
            })
            .await;
        }
        Ok(details)
    }

    /// One page of List Ports (`page` from 1, `page_size` 1 to 50).
    pub async fn list_ports_page(&self, page: u32, page_size: u32) -> Result<PortPage> {
        let mut problems = Problems::new();
        if page == 0 {
            problems.add("page", "starts at 1");
        }
        if page_size == 0 || page_size > MAX_PAGE_SIZE {
            problems.add("page_size", format!("must be 1 to {MAX_PAGE_SIZE}"));
        }
        problems.finish()?;
        let op = Operation::ListOrders;
        let headers = [
            ("x-pagenumber", page.to_string()),
            ("x-pagesize", page_size.to_string()),
        ];
        let reply = self
            .send(
                op,
                Idempotency::Idempotent,
                Method::GET,
                &self.path(""),
                &headers,
                None,
                &[],
            )
            .await?;
        let list: wire::PortList = decode::json(CARRIER, op, &reply.body)?;
        let Some(data) = list.data else {
            let said = ErrorBody::parse(&reply.body).message;
            let e = Error::Incomplete {
                carrier: CARRIER,
                operation: op,
                message: format!(
                    "List Ports page {page} answered HTTP {} without a listing (no `data`): \
                     {said}",
                    reply.status
                ),
            };
            return Err(e.redacting(&self.inner.tokens.secrets()));
        };
        let mut ports = Vec::with_capacity(data.len());
        let mut unreadable = Vec::new();
        let entries = data.len();
        let mut hasher = std::hash::DefaultHasher::new();
        for (i, item) in data.into_iter().enumerate() {
            from_wire::hash_list_id(&item, &mut hasher);
            match from_wire::list_entry(item) {
                Ok(entry) => ports.push(entry),
                Err(problem) => unreadable.push(format!(
                    "List Ports page {page} entry {} could not be read: {problem}",
                    i + 1
                )),
            }
        }
        Ok(PortPage {
            total: list.total,
            total_pages: list.total_pages,
            ports,
            unreadable,
            entries,
            fingerprint: std::hash::Hasher::finish(&hasher),
        })
    }

    /// Every port of the account, one page at a time as the stream is read.
    ///
    /// The stream ends quietly only when the listing is complete: every
    /// page was served as asked (no page repeats the previous one, the same
    /// `total` and `totalPages` on every page, every page but the last as
    /// full as the first, never more entries than `page_size`), and the last
    /// page ends exactly at `total` (or, when Cellhire names no totals, at a
    /// short or empty page). Otherwise it ends with an [`Error::Incomplete`]
    /// saying why, after the entries it could trust: nothing may be
    /// concluded from a port missing from such a listing.
    ///
    /// Bounded in requests and memory, whatever the carrier answers: never
    /// more than [`MAX_LIST_PAGES`] pages (a listing that names more ends
    /// after its first page with [`Error::Incomplete`]; one that names no
    /// end is cut there), never more than `page_size` entries a page, and
    /// only the previous page's fingerprint is kept.
    ///
    /// An entry whose id cannot be read is yielded in its place as an
    /// [`Error::Decode`] naming its page and position, and the listing goes
    /// on, so a caller reconciling its books sees every port reported. Any
    /// other error ends the stream after being yielded.
    ///
    /// The next page is requested while the current one is being read (at
    /// most one page ahead), so the carrier's latency overlaps the caller's
    /// work. The stream must be polled inside a tokio runtime.
    pub fn list_ports(&self, page_size: u32) -> BoxStream<'static, Result<PortSummary>> {
        struct State {
            client: CellhireClient,
            page: u32,
            walk: Walk,
            done: bool,
            /// The next page, already requested (at most one ahead).
            ahead: Option<Prefetch>,
        }
        let state = State {
            client: self.clone(),
            page: 1,
            walk: Walk::new(page_size, MAX_LIST_PAGES),
            done: false,
            ahead: None,
        };
        stream::unfold(state, move |mut st| async move {
            if st.done {
                return None;
            }
            let result = match st.ahead.take() {
                Some(prefetch) => prefetch.join().await,
                None => st.client.list_ports_page(st.page, page_size).await,
            };
            let page = match result {
                Err(e) => {
                    st.done = true;
                    return Some((vec![Err(e)], st));
                }
                Ok(page) => page,
            };
            let page_no = st.page;
            let verdict = st.walk.page(PageFacts {
                page: page_no,
                total: page.total,
                total_pages: page.total_pages,
                entries: page.entries as u64,
                fingerprint: page.fingerprint,
            });
            let (keep, end) = match verdict {
                Verdict::Next => (true, None),
                Verdict::End => (true, Some(None)),
                Verdict::Incomplete { keep, message } => {
                    tracing::warn!(page = page_no, %message, "List Ports is incomplete");
                    (
                        keep,
                        Some(Some(Error::Incomplete {
                            carrier: CARRIER,
                            operation: Operation::ListOrders,
                            message: format!("List Ports: {message}"),
                        })),
                    )
                }
            };
            let mut items: Vec<Result<PortSummary>> = Vec::new();
            if keep {
                items.reserve(page.entries);
                items.extend(page.ports.into_iter().map(|e| Ok(e.summary)));
                items.extend(page.unreadable.into_iter().map(|message| {
                    tracing::debug!(page = page_no, "unreadable List Ports entry");
                    Err(Error::Decode {
                        carrier: CARRIER,
                        operation: Operation::ListOrders,
                        message,
                    })
                }));
            }
            match end {
                None => {
                    st.page = st.page.saturating_add(1);
                    // Ask for the next page while this one is read.
                    st.ahead = Some(Prefetch::spawn(st.client.clone(), st.page, page_size));
                }
                Some(error) => {
                    st.done = true;
                    items.extend(error.map(Err));
                }
            }
            Some((items, st))
        })
        .flat_map(stream::iter)
        .boxed()
    }

    /// Update Port: new PACs for rows in PacInvalid / PacInvalidDate
    /// (`Amended`) and cancelled rows (`CancellationRequested`). Retried on
    /// transient failures (it creates nothing).
    pub async fn update_port(&self, id: &PortId, updates: &[RowUpdate]) -> Result<()> {
        let mut problems = Problems::new();
        if let Err(e) = check_guid(id) {
            problems.push(e.field_errors()[0].clone());
        }
        if updates.is_empty() {
            problems.add("updates", "is empty: Update Port needs at least one row");
        }
        for (i, u) in updates.iter().enumerate() {
            let number = row_number(u);
            if updates[..i].iter().any(|o| row_number(o) == number) {
                problems.add(
                    format!("updates[{i}].msisdn"),
                    format!("{number} is updated twice"),
                );
            }
        }
        problems.finish()?;
        let body = serde_json::to_vec(&to_wire::update_port(updates, &self.inner.msisdn))
            .map_err(|e| Error::Config(format!("could not encode the request: {e}")))?;
        let path = format!("/api/porting/{}/port/{id}", self.inner.account_id);
        let pacs: Vec<&str> = updates
            .iter()
            .filter_map(|u| match u {
                RowUpdate::Amend { pac, .. } => Some(pac.expose()),
                RowUpdate::Cancel { .. } => None,
            })
            .collect();
        self.send(
            Operation::Amend,
            Idempotency::Idempotent,
            Method::PATCH,
            &path,
            &[],
            Some(body),
            &pacs,
        )
        .await?;
        Ok(())
    }

    /// Cancel Port: the whole port, before it is Locked. Immediate in
    /// PacCheckFailed; from Submitted it takes a while, and the port becomes
    /// Cancelled when done.
    pub async fn cancel_port(&self, id: &PortId) -> Result<()> {
        check_guid(id)?;
        let path = format!("/api/porting/{}/port/{id}", self.inner.account_id);
        self.send(
            Operation::Cancel,
            Idempotency::Idempotent,
            Method::DELETE,
            &path,
            &[],
            None,
            &[],
        )
        .await?;
        Ok(())
    }
}

/// A List Ports page requested ahead of its turn; dropping it (the stream
/// dropped) aborts the request.
struct Prefetch(tokio::task::JoinHandle<Result<PortPage>>);

impl Prefetch {
    fn spawn(client: CellhireClient, page: u32, page_size: u32) -> Self {
        Self(tokio::spawn(async move {
            client.list_ports_page(page, page_size).await
        }))
    }

    async fn join(mut self) -> Result<PortPage> {
        match (&mut self.0).await {
            Ok(result) => result,
            Err(e) => Err(Error::Decode {
                carrier: CARRIER,
                operation: Operation::ListOrders,
                message: format!("the List Ports page task failed: {e}"),
            }),
        }
    }
}

impl Drop for Prefetch {
    fn drop(&mut self) {
        self.0.abort();
    }
}

fn row_number(u: &RowUpdate) -> &crate::model::PhoneNumber {
    match u {
        RowUpdate::Amend { msisdn, .. } | RowUpdate::Cancel { msisdn } => msisdn,
    }
}

/// Cellhire port ids are GUIDs; anything else would never match a port.
fn check_guid(id: &PortId) -> Result<()> {
    uuid::Uuid::parse_str(id.as_str())
        .map(|_| ())
        .map_err(|_| Error::invalid("id", format!("{id} is not a Cellhire port id (a GUID)")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reasons_from_cellhire_words() {
        assert_eq!(
            reject_reason(
                "The following MSISDN's already exists on our stock records: 07700900123"
            ),
            RejectReason::AlreadyInStock
        );
        assert_eq!(
            reject_reason("The following MSISDN's already have an open port: 07700900123"),
            RejectReason::DuplicatePort
        );
        assert_eq!(
            reject_reason("The PAC is invalid."),
            RejectReason::PacInvalid
        );
        assert_eq!(reject_reason("capacity exceeded"), RejectReason::Other);
        for text in [
            "You will need to cancel the original port before a new Port / Migration can be \
             created for that MSISDN.",
            "Cancel the original port first",
            "MSISDN 07700900123 already has a port in progress",
            "A port already exists for 07700900123",
            "An existing port for this MSISDN must be cancelled",
            "07700900123 is already booked on port 93949676",
        ] {
            assert_eq!(reject_reason(text), RejectReason::DuplicatePort, "{text}");
        }
    }
}
