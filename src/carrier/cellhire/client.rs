//! [`CellhireClient`]: every Cellhire porting operation, typed.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use chrono::NaiveDate;
use futures::stream::{self, BoxStream, StreamExt};
use reqwest::Method;
use reqwest::header::{CONTENT_TYPE, HeaderName, HeaderValue};
use tokio::sync::Mutex;
use tokio::time::Instant;

use super::auth::{CellhireAuth, TokenSource};
use super::check::{self, CREATE};
use super::listing::{PageFacts, Verdict as Walked, Walk};
use super::planner::ConnectionDatePlanner;
use super::types::{
    CreatePort, PortDetails, PortPage, PortType, PortingNetworks, RowUpdate, TargetNetwork,
};
use super::{MsisdnFormat, from_wire, to_wire, wire};
use crate::error::{Error, Problems, RejectReason, Result};
use crate::http::error_body::{ErrorBody, error_for_status};
use crate::http::{Body, Call, Idempotency, Reply, Sender, Transport, Verdict, decode};
use crate::model::{PortId, PortSummary};
use crate::operation::{Carrier, Operation};
use crate::redact::{Runs, scrub_texts_with};
use crate::store::{Namespace, Shared, Store};

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
    sender: Sender,
    account_id: u64,
    /// The tokens, also the sender's authority with client credentials.
    tokens: Arc<TokenSource>,
    /// `/api/porting/{account}`: Create Port and List Ports, made once.
    ports_url: url::Url,
    /// `/api/porting/{account}/networks`, made once.
    networks_url: url::Url,
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
            .field("base_url", self.inner.sender.transport().base())
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
    /// The account's store namespace (base URL and account id, hashed).
    pub(super) fn account_namespace(&self) -> &Namespace {
        self.inner.shared.namespace()
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
        let tokens = Arc::new(TokenSource::new(auth, token_shared));
        let ports_path = format!("/api/porting/{account_id}");
        let ports_url = transport.url(&ports_path);
        let networks_url = transport.url(&format!("{ports_path}/networks"));
        Ok(Self {
            inner: Arc::new(Inner {
                sender: Sender::new(transport, tokens.authority()?),
                account_id,
                tokens,
                ports_url,
                networks_url,
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
            .sender
            .transport()
            .config()
            .clock
            .now()
            .with_timezone(&self.inner.timezone)
            .date_naive()
    }

    /// The HTTP settings (timeouts, deadline, retries) this client uses.
    pub(super) fn http_config(&self) -> &crate::http::HttpConfig {
        self.inner.sender.transport().config()
    }

    /// The time zone date rules are counted in.
    pub fn timezone(&self) -> chrono_tz::Tz {
        self.inner.timezone
    }

    /// `/api/porting/{account}/port/{id}`: one port.
    fn port_url(&self, id: &PortId) -> url::Url {
        let path = format!("/api/porting/{}/port/{id}", self.inner.account_id);
        self.inner.sender.transport().url(&path)
    }

    /// Sends `call` through the one authenticated send with Cellhire's
    /// classifier ([`read`]); `ok` reads a 2xx answer.
    async fn exchange<T: Send>(
        &self,
        call: Call<'_>,
        ok: impl Fn(Reply) -> Result<T> + Send + Sync,
    ) -> Result<T> {
        let config = self.http_config();
        let read = |reply: Reply| read(config, reply, &ok);
        self.inner.sender.send(call, read).await
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
        let headers = json_header();
        let mut call = Call::new(
            op,
            Idempotency::Idempotent,
            Method::GET,
            &self.inner.networks_url,
        );
        call.headers = &headers;
        let mut networks = self
            .exchange(call, |reply| {
                let list: Vec<wire::PortTypeNetworks> = decode::json(CARRIER, op, &reply.body)?;
                Ok(from_wire::networks(list))
            })
            .await?;
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
        self.with_target_network(
            port_type,
            id,
            CREATE.target_network_id,
            TargetNetwork::clone,
        )
        .await
    }

    /// `f` of the target network `id` for `port_type`, read in place in the
    /// cached list (no copy of its windows and holidays). A
    /// [`Error::Validation`] on `field` when there is none.
    pub(super) async fn with_target_network<R>(
        &self,
        port_type: &PortType,
        id: i64,
        field: &str,
        f: impl FnOnce(&TargetNetwork) -> R,
    ) -> Result<R> {
        let list = self.cached_networks().await?;
        let network = list
            .iter()
            .filter(|n| &n.port_type == port_type)
            .find_map(|n| n.target_networks.iter().find(|t| t.id == id));
        match network {
            Some(network) => Ok(f(network)),
            None => Err(check::unknown_target(field, port_type, id, &list)),
        }
    }

    /// The earliest valid connection date for a port to `target_network_id`
    /// booked today.
    pub async fn plan_connection_date(
        &self,
        port_type: &PortType,
        target_network_id: i64,
    ) -> Result<NaiveDate> {
        let today = self.today();
        self.with_target_network(
            port_type,
            target_network_id,
            CREATE.target_network_id,
            |network| {
                ConnectionDatePlanner::new(network)
                    .earliest(today)
                    .ok_or_else(|| check::no_bookable_day(CREATE.connection_date, network))
            },
        )
        .await?
    }

    /// Create Port. Checks every documented rule first (names, provisioning
    /// order, eSIM, source network, connection date) and sends nothing when
    /// one fails; only the network list is read to check the network rules.
    /// Never retried once it may have reached Cellhire.
    pub async fn create_port(&self, request: &CreatePort) -> Result<PortId> {
        let mut problems = Problems::new();
        check::create(request, &mut problems);
        problems.finish()?;
        let today = self.today();
        let field = CREATE.target_network_id;
        let (port_type, id) = (&request.port_type, request.target_network_id);
        self.with_target_network(port_type, id, field, |network| {
            let mut problems = Problems::new();
            check::create_network(request, network, today, &mut problems);
            problems.finish()
        })
        .await??;
        self.send_create(request).await
    }

    /// Create Port for a request already checked (the trait's submit checks
    /// the request it comes from). Sent once; a 2xx whose id cannot be read
    /// or used is [`Error::OutcomeUnknown`]: the port exists.
    pub(super) async fn send_create(&self, request: &CreatePort) -> Result<PortId> {
        let op = Operation::Submit;
        let body = serde_json::to_vec(&to_wire::create_port(request, &self.inner.msisdn))
            .map_err(|e| Error::Config(format!("could not encode the request: {e}")))?;
        let body = bytes::Bytes::from(body);
        let pacs: Vec<&str> = request.rows.iter().map(|r| r.pac.expose()).collect();
        let mut call = Call::new(
            op,
            Idempotency::CreateOnce,
            Method::POST,
            &self.inner.ports_url,
        );
        call.body = Body::Bytes(&body, JSON);
        call.secrets = &pacs;
        self.exchange(call, |reply| created(op, &reply)).await
    }

    /// Get Port Details: the port and every row.
    pub async fn port_details(&self, id: &PortId) -> Result<PortDetails> {
        check::guid(id)?;
        let op = Operation::Order;
        let url = self.port_url(id);
        let headers = json_header();
        let mut call = Call::new(op, Idempotency::Idempotent, Method::GET, &url);
        call.headers = &headers;
        let format = &self.inner.msisdn;
        let mut details = self
            .exchange(call, |reply| {
                let details: wire::PortDetails = decode::json(CARRIER, op, &reply.body)?;
                from_wire::details(details, format).map_err(|message| Error::Decode {
                    carrier: CARRIER,
                    operation: op,
                    message,
                })
            })
            .await?;
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
        check::page(page, page_size)?;
        let op = Operation::ListOrders;
        let headers = [
            json_header_pair(),
            (
                HeaderName::from_static("x-pagenumber"),
                HeaderValue::from(page),
            ),
            (
                HeaderName::from_static("x-pagesize"),
                HeaderValue::from(page_size),
            ),
        ];
        let mut call = Call::new(
            op,
            Idempotency::Idempotent,
            Method::GET,
            &self.inner.ports_url,
        );
        call.headers = &headers;
        self.exchange(call, |reply| list_page(page, &reply)).await
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
            let walked = st.walk.page(PageFacts {
                page: page_no,
                total: page.total,
                total_pages: page.total_pages,
                entries: page.entries as u64,
                fingerprint: page.fingerprint,
            });
            let (keep, end) = match walked {
                Walked::Next => (true, None),
                Walked::End => (true, Some(None)),
                Walked::Incomplete { keep, message } => {
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
        check::update(id, updates)?;
        self.send_update(id, updates).await
    }

    /// Update Port for updates already checked (the trait's amend checks
    /// the amendment they come from).
    pub(super) async fn send_update(&self, id: &PortId, updates: &[RowUpdate]) -> Result<()> {
        let body = serde_json::to_vec(&to_wire::update_port(updates, &self.inner.msisdn))
            .map_err(|e| Error::Config(format!("could not encode the request: {e}")))?;
        let body = bytes::Bytes::from(body);
        let url = self.port_url(id);
        let pacs: Vec<&str> = updates
            .iter()
            .filter_map(|u| match u {
                RowUpdate::Amend { pac, .. } => Some(pac.expose()),
                RowUpdate::Cancel { .. } => None,
            })
            .collect();
        let mut call = Call::new(
            Operation::Amend,
            Idempotency::Idempotent,
            Method::PATCH,
            &url,
        );
        call.body = Body::Bytes(&body, JSON);
        call.secrets = &pacs;
        self.exchange(call, |_| Ok(())).await
    }

    /// Cancel Port: the whole port, before it is Locked. Immediate in
    /// PacCheckFailed; from Submitted it takes a while, and the port becomes
    /// Cancelled when done.
    pub async fn cancel_port(&self, id: &PortId) -> Result<()> {
        check::guid(id)?;
        let url = self.port_url(id);
        let headers = json_header();
        let mut call = Call::new(
            Operation::Cancel,
            Idempotency::Idempotent,
            Method::DELETE,
            &url,
        );
        call.headers = &headers;
        self.exchange(call, |_| Ok(())).await
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

/// The content type the document's examples send on every call, reads
/// included.
const JSON: &str = "application/json;charset=UTF-8";

fn json_header_pair() -> (HeaderName, HeaderValue) {
    (CONTENT_TYPE, HeaderValue::from_static(JSON))
}

/// [`JSON`] as the header of a call without a body.
fn json_header() -> [(HeaderName, HeaderValue); 1] {
    [json_header_pair()]
}

/// Cellhire's classifier, for every call: a 2xx answer is read by `ok`; a
/// 401 may be answered with a new token; anything else is the error its
/// status and words make.
fn read<T>(
    config: &crate::http::HttpConfig,
    reply: Reply,
    ok: impl Fn(Reply) -> Result<T>,
) -> Verdict<T> {
    if reply.is_success() {
        return match ok(reply) {
            Ok(value) => Verdict::Done(value),
            Err(e) => Verdict::Failed(e),
        };
    }
    let retry_after = reply.retry_after(config);
    let status = reply.status;
    let error = error_for_status(
        CARRIER,
        status,
        ErrorBody::parse(&reply.body),
        retry_after,
        reject_reason,
    );
    if status == 401 {
        Verdict::Unauthorized(error)
    } else {
        Verdict::Failed(error)
    }
}

/// The id in Create Port's 2xx answer: the port exists, so an id that
/// cannot be read or used is a [`Error::Decode`] saying so (the sender
/// makes it [`Error::OutcomeUnknown`], as for any create).
fn created(op: Operation, reply: &Reply) -> Result<PortId> {
    let unreadable = |message: String| Error::Decode {
        carrier: CARRIER,
        operation: op,
        message,
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
        unreadable(format!(
            "Cellhire accepted the port (HTTP {}) but its id could not be read ({e}); \
             do not submit again: reconcile to find it",
            reply.status
        ))
    })?;
    PortId::new(id).map_err(|e| {
        unreadable(format!(
            "Cellhire accepted the port (HTTP {}) but returned an unusable id ({}); \
             do not submit again: reconcile to find it",
            reply.status, e.problem
        ))
    })
}

/// A 2xx answer to List Ports page `page`: a page, or
/// [`Error::Incomplete`] when it holds no listing.
fn list_page(page: u32, reply: &Reply) -> Result<PortPage> {
    let op = Operation::ListOrders;
    let list: wire::PortList = decode::json(CARRIER, op, &reply.body)?;
    let Some(data) = list.data else {
        let said = ErrorBody::parse(&reply.body).message;
        return Err(Error::Incomplete {
            carrier: CARRIER,
            operation: op,
            message: format!(
                "List Ports page {page} answered HTTP {} without a listing (no `data`): \
                 {said}",
                reply.status
            ),
        });
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

#[cfg(test)]
mod tests {
    use super::super::types::CreatePortRow;
    use super::*;
    use crate::http::{HttpConfig, RetryPolicy};
    use crate::model::{Iccid, Pac, PhoneNumber};
    use wiremock::matchers::{method, path};
    use wiremock::{Mock, MockServer, ResponseTemplate};

    async fn oauth_client(server: &MockServer) -> CellhireClient {
        CellhireClient::builder()
            .base_url(server.uri())
            .account_id(40001)
            .client_credentials("client-1", "secret-1")
            .token_url(format!("{}/token", server.uri()))
            .http_config(HttpConfig::default().with_retry(RetryPolicy::none()))
            .build()
            .unwrap()
    }

    fn create() -> CreatePort {
        CreatePort {
            name: "Example Port".into(),
            target_network_id: 1,
            source_network_id: 5,
            connection_date: NaiveDate::from_ymd_opt(2026, 5, 5).unwrap(),
            port_type: PortType::PortIn,
            rows: vec![CreatePortRow {
                group_name: "Group1".into(),
                esim: false,
                msisdn: PhoneNumber::parse("+447700900123").unwrap(),
                serial_no: Iccid::unchecked("1234567890").unwrap(),
                provisioning_order: Some(3630),
                provisioning_order_name: None,
                pac: Pac::new("ABC123456").unwrap(),
                tariff_id: 102344,
                bolt_ons: vec![502248],
                services: None,
            }],
        }
    }

    async fn paths(server: &MockServer) -> Vec<String> {
        let seen = server.received_requests().await.unwrap_or_default();
        seen.iter()
            .map(|r| format!("{} {}", r.method, r.url.path()))
            .collect()
    }

    /// Create Port while the token endpoint answers 503 (after any grant
    /// `server` already serves): the error is the token endpoint's, never
    /// "outcome unknown", and the requests `server` saw.
    async fn create_without_a_token(server: &MockServer) -> Vec<String> {
        Mock::given(method("POST"))
            .and(path("/token"))
            .respond_with(ResponseTemplate::new(503))
            .mount(server)
            .await;
        let err = oauth_client(server)
            .await
            .send_create(&create())
            .await
            .unwrap_err();
        assert!(!err.is_outcome_unknown(), "{err:?}");
        assert!(matches!(err, Error::Api { status: 503, .. }), "{err:?}");
        paths(server).await
    }

    /// A create whose token could not be obtained never left.
    #[tokio::test]
    async fn a_create_without_a_token_is_not_an_unknown_outcome() {
        let server = MockServer::start().await;

        assert_eq!(create_without_a_token(&server).await, ["POST /token"]);
    }

    /// Refused with 401, a create created nothing: when the new token
    /// cannot be obtained, nothing else was sent.
    #[tokio::test]
    async fn a_create_refused_401_then_without_a_token_is_not_an_unknown_outcome() {
        let server = MockServer::start().await;
        let grant = serde_json::json!({"access_token": "tok-1", "expires_in": 3600});
        Mock::given(method("POST"))
            .and(path("/token"))
            .respond_with(ResponseTemplate::new(200).set_body_json(grant))
            .up_to_n_times(1)
            .with_priority(1)
            .mount(&server)
            .await;
        Mock::given(method("POST"))
            .and(path("/api/porting/40001"))
            .respond_with(ResponseTemplate::new(401))
            .mount(&server)
            .await;

        assert_eq!(
            create_without_a_token(&server).await,
            ["POST /token", "POST /api/porting/40001", "POST /token"]
        );
    }

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
