//! # numport
//!
//! One async API to port mobile numbers in through several carriers.
//!
//! MVNOs, resellers and IoT fleet operators port numbers in through carriers
//! whose APIs share nothing: Basic auth here, OAuth2 there, an API-key
//! exchange elsewhere; a PAC in one market, an account PIN in another. numport
//! puts one trait, [`PortProvider`], in front of them, with typed models that
//! are valid by construction, one [`Error`] type that says what to fix, and one
//! status flow ([`PortStatus`]) that every carrier's statuses map onto.
//!
//! ## Organisation
//! - [`PortProvider`]: submit, follow, amend, cancel and list port orders.
//!   Dyn-compatible: hold carriers as `Arc<dyn PortProvider>`.
//! - The shared model, at the crate root: phone numbers, ICCIDs, PACs, PINs,
//!   addresses, documents, the unified [`PortRequest`] and what carriers
//!   answer ([`PortOrder`], [`PortSummary`], [`Submission`], ...).
//! - [`PortStatus`] and [`LineStatus`], their predicates and the allowed
//!   transitions as data; the carrier's raw status ([`CarrierStatus`]) is
//!   always kept.
//! - [`carrier`]: one adapter per carrier, with the carrier's own operations
//!   the trait cannot express and its part of a request
//!   ([`carrier::cellhire::CellhireOptions`], ...): [`carrier::cellhire`]
//!   (OAuth2, paged lists, create / amend / cancel), [`carrier::apeiron`]
//!   (HTTP Basic, JSON or multipart with LoA and bill),
//!   [`carrier::inumbering`] (API-key exchange, portability pre-check
//!   before every admin order, and before a customer order that asks for
//!   it).
//! - [`Registry`]: one `Arc<dyn PortProvider>` per [`Carrier`], built from
//!   configuration or from the environment, to route requests by carrier.
//! - [`PortProviderExt::watch`]: follow one order as a stream of status
//!   changes until it ends; the carriers have no webhooks.
//!   [`PortProviderExt::watch_many`]: follow thousands of orders with the
//!   fewest carrier calls a round.
//! - [`OnceSubmitter`]: submit a request at most once per idempotency key
//!   across replicas sharing a store.
//! - [`Follower`]: one poller per carrier account for a whole fleet, each
//!   order's status change into the [`Ledger`] and onto the [`Events`]
//!   stream.
//! - `webhook` (feature `webhooks`): those events as signed webhooks
//!   (Standard Webhooks): the `Relay` that delivers them to an endpoint
//!   with retries, dead letters and per-order order, and `verify` for the
//!   services that receive them.
//! - [`PortProvider::submit_many`]: submit thousands of requests with
//!   bounded concurrency and the fewest carrier calls ([`BulkOptions`]).
//! - [`http`]: the transport settings they share: timeouts, retries,
//!   backoff, body limits ([`http::HttpConfig`]).
//! - [`store`]: where clients share what they fetched (API keys, tokens,
//!   portability checks) across replicas: memory, or Redis (feature
//!   `redis`).
//! - [`Redactor`]: the crate's redaction, for an application's own texts.
//! - `sandbox` (feature `sandbox`): stateful fake carriers on loopback, one
//!   per carrier, for examples and your own tests.
//!
//! ## Architecture
//! Layers, each importing only from the layers below it (a test,
//! `tests/architecture.rs`, reads the `use` lines and fails on a circle or
//! an arrow upwards):
//!
//! ```text
//!  registry · sandbox · fuzzing            wiring, fakes, fuzz entry points
//!  ───────────────────────────────────────────────────────────────────────
//!  carrier/apeiron  carrier/cellhire  carrier/inumbering      adapters (no arrows between them)
//!  ───────────────────────────────────────────────────────────────────────
//!  webhook (feature webhooks: signer, verify, Relay over the events)
//!  ───────────────────────────────────────────────────────────────────────
//!  follow (one poller per account, over the ledger and the events)
//!  ───────────────────────────────────────────────────────────────────────
//!  watch · track · once · ledger · events (above the trait)    bulk (beside it)
//!  ───────────────────────────────────────────────────────────────────────
//!  provider: the PortProvider trait, Capabilities, Tracking, BulkOptions
//!  ───────────────────────────────────────────────────────────────────────
//!  model (with each carrier's request options) · status · store · http
//!  ───────────────────────────────────────────────────────────────────────
//!  error · redact · clock · operation (Carrier, Operation)      leaves
//! ```
//!
//! Where each concern lives:
//! - **Sending**: `http/send.rs` is the one authenticated send: the
//!   credential (through the carrier's `Authority`), "refresh once on 401",
//!   the carrier's transient words and recovery step, one deadline for the
//!   whole call, redaction of every error it returns, and "a create that
//!   failed after it may have left is [`Error::OutcomeUnknown`]". Under it,
//!   `http/transport.rs` sends one request with its retries (by status and
//!   [`http::Idempotency`]), the origin check, the redirect refusal and the
//!   body caps. The table at the top of `http/send.rs` is the one place that
//!   says when numport sends again.
//! - **A carrier folder** has the same files in each carrier: `builder.rs`
//!   (configuration), `client.rs` (the carrier's calls, typed, and its
//!   classifier from status and words to a result), `check.rs` (the one
//!   validation pass, in the request's own field names, before anything
//!   leaves), `request.rs` (the shared request to the carrier's types),
//!   `to_wire.rs` / `from_wire.rs` (one mapping per direction), `wire.rs`
//!   (private wire types), `types.rs` (public native types), `provider.rs`
//!   (the trait on top of the client), and, where the carrier has them,
//!   `auth.rs`, `status_map.rs` and listing readers.
//! - **Sharing across replicas**: `store/` (memory, Redis, sealing, keys);
//!   `once.rs` (idempotent submits), `ledger.rs` (the order ledger) and
//!   `events/` (the event stream) on top of it; `follow/` (the fleet
//!   follower: its lease, its round) on top of those.
//! - **Redaction**: `redact.rs` (the scans), [`Redactor`] (the public face).
//!
//! ## Quick start
//! ```no_run
//! use std::sync::Arc;
//! use numport::{PortProvider, PortRequest, PortLine, PhoneNumber, Iccid, Pac};
//! use numport::carrier::cellhire::{CellhireClient, CellhireOptions};
//!
//! # async fn run() -> numport::Result<()> {
//! let cellhire: Arc<dyn PortProvider> = Arc::new(
//!     CellhireClient::builder()
//!         .account_id(40001)
//!         .client_credentials("client-id", "client-secret")
//!         .build()?,
//! );
//! let line = PortLine::new(PhoneNumber::parse("+447700900123")?)
//!     .with_sim(Iccid::parse("89441000301234567891")?)
//!     .with_pac(Pac::new("ABC123456")?);
//! let request = PortRequest::new(vec![line]).with_cellhire(
//!     CellhireOptions::new("Fleet batch 7", 1, 5, 102344).with_provisioning_order(3630),
//! );
//! let submission = cellhire.submit(&request).await?;
//! for order in &submission.orders {
//!     let order = cellhire.order(&order.id).await?;
//!     println!("{}: {} ({})", order.id, order.status, order.carrier_status);
//! }
//! # Ok(())
//! # }
//! ```
//!
//! ## Errors
//! Every operation returns [`Result`]. Input is validated before anything is
//! sent, and [`Error::Validation`] lists every problem by field. A carrier's
//! refusal is [`Error::Rejected`] with a typed [`RejectReason`] where its words
//! allow one and its text always. [`Error::is_retryable`] tells a transient
//! failure from a permanent one.
//!
//! ## Retries, and what is never retried
//! Reads, amendments and cancels are retried on 5xx, 429 (honouring
//! `Retry-After` in seconds or as an HTTP date, clamped), timeouts and
//! transport errors, with capped exponential backoff and jitter. A request
//! that creates a port order is sent once: it is repeated only when the
//! connection was never made, since repeating it could book the same number
//! twice. See [`http::RetryPolicy`], and the table in the crate's
//! `http/send.rs` for the carriers' own words (a 401, iNumbering's 409
//! storage error and 412 "check first").
//!
//! ## When a submission's outcome is unknown: reconcile
//! A create that timed out, lost its connection after sending, or got a
//! 5xx, a redirect or a 2xx without a usable id may have created the order:
//! [`PortProvider::submit`] then fails with [`Error::OutcomeUnknown`]
//! ([`Error::is_outcome_unknown`]). Never resubmit blindly. Ask the carrier
//! with [`PortProvider::reconcile`], giving the same request and the time
//! of the attempt. The three answers:
//! - [`Reconciliation::Found`]: the carrier holds an order matching *this*
//!   request on what it returns (Cellhire: a port named and dated like the
//!   request, one of whose rows holds one of its numbers). Do not resubmit:
//!   follow or cancel it.
//! - [`Reconciliation::NotFound`]: the carrier's complete, well-formed
//!   answer was read (every page served as asked, nothing cut by a bound)
//!   and holds nothing the order could be. Resubmitting is safe.
//! - [`Reconciliation::Inconclusive`]: anything in between (a listing that
//!   was cut or inconsistent, an entry that could not be read, orders that
//!   may be it but cannot be told apart from others). Do not resubmit: check
//!   the candidates it names with the carrier. iNumbering's summary holds
//!   nothing of the request (no numbers, no name), so its answer is
//!   `NotFound` or `Inconclusive`, never `Found`.
//!
//! A listing that cannot be read at all is an error, which is "cannot tell"
//! too. Apeiron has no call that reads an order back, so its `reconcile` is
//! [`Error::Unsupported`] ([`Capabilities::reconcile`] says so beforehand).
//!
//! ```no_run
//! use numport::{PortProvider, PortRequest, Reconciliation, Submission};
//!
//! /// Submits `request`, and after an unknown outcome resubmits only when
//! /// the carrier holds no order it could have created.
//! async fn submit_once(
//!     carrier: &dyn PortProvider,
//!     request: &PortRequest,
//! ) -> numport::Result<Option<Submission>> {
//!     let attempted_at = chrono::Utc::now(); // before sending
//!     match carrier.submit(request).await {
//!         Ok(submission) => Ok(Some(submission)),
//!         Err(e) if e.is_outcome_unknown() => {
//!             match carrier.reconcile(request, attempted_at).await? {
//!                 Reconciliation::Found(orders) => {
//!                     // The order (or one that may be it) exists: do not
//!                     // resubmit; follow it with `carrier.order(&id)`.
//!                     for order in &orders {
//!                         println!("found {} ({})", order.id, order.status);
//!                     }
//!                     Ok(None)
//!                 }
//!                 // Nothing was created: resubmitting is safe.
//!                 Reconciliation::NotFound => carrier.submit(request).await.map(Some),
//!                 // Cannot tell: never resubmit; a person checks.
//!                 Reconciliation::Inconclusive { reason, candidates } => {
//!                     eprintln!("check with the carrier: {reason} ({} candidates)", candidates.len());
//!                     Ok(None)
//!                 }
//!                 // `Reconciliation` is non-exhaustive: treat anything
//!                 // new as "do not resubmit".
//!                 _ => Ok(None),
//!             }
//!         }
//!         Err(e) => Err(e),
//!     }
//! }
//! ```
//!
//! ## Submitting exactly once
//! A handler retried after a timeout, or the same request arriving at two
//! replicas, must not port a number twice. [`OnceSubmitter`] submits a
//! request at most once per [`IdempotencyKey`] (an order id, a UUID: 1 to
//! 255 bytes of printable ASCII) across every replica sharing a
//! [`store::Store`] (Redis, or [`store::MemoryStore`] within one process):
//! the first call claims the key and records the outcome; a later call
//! with the same key and request answers the recorded [`Submission`] (or
//! refusal) without sending; a call while the first is in flight waits for
//! it (up to [`OnceSubmitter::deadline`]). The same key with another
//! request is [`Error::Idempotency`] with [`IdempotencyProblem::Conflict`]
//! ([`Error::is_idempotency_conflict`]), nothing sent. A key whose owner
//! died, or whose outcome was unknown, is [reconciled](PortProvider::reconcile)
//! before anything is sent again, and never resent when the carrier cannot
//! tell (or, like Apeiron, cannot be asked): that is an
//! [`Error::OutcomeUnknown`] saying how to clear the key
//! ([`OnceSubmitter::clear`]).
//!
//! iNumbering's listing holds nothing of a request, so its orders can be
//! told apart only by elimination: for such a carrier
//! ([`Capabilities::baseline`]) the submitter serialises the account's
//! submissions through an account lock in the store, reads a
//! [`Baseline`] of the account's recent orders before each create
//! ([`PortProvider::baseline`]), and resolves a create whose owner died
//! with [`PortProvider::reconcile_from`]: the one order that appeared
//! since is that create's, recorded and answered without a second create.
//! A call with another key on the account waits for the lock (and
//! resolves such a key first). An order placed on the account outside
//! numport meanwhile (iNumbering's portal) makes that answer unresolvable,
//! or could be taken for the create's own.
//!
//! When the store cannot be reached, the call fails before sending with a
//! retryable error, unless [`OnceSubmitter::best_effort`] is set. Keys are
//! kept 24 hours by default ([`OnceSubmitter::key_ttl`]).
//!
//! ```
//! use std::sync::Arc;
//! use numport::{IdempotencyKey, OnceSubmitter, PortProvider, PortRequest, Submission};
//! use numport::store::MemoryStore;
//!
//! /// The handler of `POST /orders/{order_id}/port`: retried by the caller
//! /// after a timeout, it ports once and answers the same submission.
//! async fn handle(
//!     ports: &OnceSubmitter,
//!     order_id: &str,
//!     request: &PortRequest,
//! ) -> numport::Result<Submission> {
//!     let key = IdempotencyKey::new(format!("order-{order_id}"))?;
//!     ports.submit(&key, request).await
//! }
//!
//! # async fn run() -> numport::Result<()> {
//! # let sandbox = numport::sandbox::CellhireSandbox::start().await?;
//! # let line = numport::PortLine::new(numport::PhoneNumber::parse("+447700900123")?)
//! #     .with_sim(numport::Iccid::parse("89441000301234567891")?)
//! #     .with_pac(numport::Pac::new("ABC123456")?);
//! # let request = PortRequest::new(vec![line]).with_cellhire(
//! #     numport::carrier::cellhire::CellhireOptions::new("Fleet batch 7", 1, 5, 102344)
//! #         .with_provisioning_order(3630)
//! #         .with_service(numport::carrier::cellhire::Service::new("voice", "true")),
//! # );
//! let cellhire: Arc<dyn PortProvider> = Arc::new(
//!     numport::carrier::cellhire::CellhireClient::builder()
//!         .base_url(sandbox.base_url())
//!         .token_url(sandbox.token_url())
//!         .account_id(sandbox.account_id())
//!         .client_credentials(sandbox.client_id(), sandbox.client_secret())
//!         .build()?,
//! );
//! // In production: the `RedisStore` every replica shares.
//! let ports = OnceSubmitter::new(cellhire, Arc::new(MemoryStore::new()));
//! let first = handle(&ports, "7731", &request).await?;
//! // The caller timed out and retries: the same submission, nothing sent.
//! let retried = handle(&ports, "7731", &request).await?;
//! assert_eq!(first, retried);
//! # Ok(())
//! # }
//! # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap()
//! #     .block_on(run()).unwrap();
//! ```
//!
//! ## The order ledger
//! A [`Ledger`] keeps every order numport created in the shared
//! [`store::Store`]: carrier, a hash of the account, order id, numbers,
//! submitted-at, the last status and message the carrier gave (none until
//! the order was first read: numport invents no status) and the
//! idempotency key, if any. Wrap a provider in [`Recorded`] and its
//! `submit`, `submit_many`, `order` and `orders` keep the ledger up to date
//! (so do [`PortProviderExt::watch`] and [`PortProviderExt::watch_many`]
//! on the wrapper, and `amend` and `cancel`, which read the order again);
//! [`OnceSubmitter::ledger`] adds the idempotency key.
//! [`Ledger::open_orders`] lists what has not ended, for one carrier and
//! every account of it, across replicas. Open orders are kept 400 days from
//! their last update, ended ones [`Ledger::keep_after_end`] (7 days by
//! default). The ledger holds no PIN, PAC, account number or credential,
//! and is sealed with the store's sealing key when it has one. A ledger
//! that fails never fails a carrier call (it is logged); reading it fails
//! with [`Error::Ledger`] rather than answering a partial list.
//!
//! ```
//! use std::sync::Arc;
//! use numport::{Carrier, Ledger, PortProvider, Recorded};
//! use numport::store::MemoryStore;
//!
//! # async fn run() -> numport::Result<()> {
//! # let sandbox = numport::sandbox::INumberingSandbox::start().await?;
//! let inumbering: Arc<dyn PortProvider> = Arc::new(
//!     numport::carrier::inumbering::INumberingClient::builder()
//!         .base_url(sandbox.base_url())
//!         .username(sandbox.username())
//!         .password(sandbox.password())
//!         .build()?,
//! );
//! // In production: the `RedisStore` every replica shares.
//! let ledger = Ledger::new(Arc::new(MemoryStore::new()));
//! let ports = Recorded::new(inumbering, ledger.clone())?;
//! // ... ports.submit(&request), ports.watch_many(ids, options) ...
//! assert!(ledger.open_orders(Carrier::INumbering).await?.is_empty());
//! # let _ = ports;
//! # Ok(())
//! # }
//! # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap()
//! #     .block_on(run()).unwrap();
//! ```
//!
//! ## Following the fleet's orders
//! The carriers push nothing: numport polls. A [`Follower`] per carrier
//! account, in every replica (built from that replica's own client), follows
//! the account's open orders in the [`Ledger`] and publishes each status
//! change as a [`PortEvent`] on the [`Events`] stream, for the whole fleet:
//! the followers share a lease in the store
//! (`numport:<carrier>:<account hash>:follow`, with an epoch that grows on
//! every takeover), and only its holder polls, with the fewest calls a round
//! ([`PortProviderExt::watch_many`]: one portStatus call for iNumbering, one
//! listing pass and a read of each changed order for Cellhire), at most
//! [`Follower::max_orders_per_round`] orders a round. The holder renews its
//! lease every third of it; one that cannot stops at once, and at the latest
//! at its fencing bound (its last renewal plus the lease): no carrier call,
//! event or ledger write of it starts after that. When a holder dies,
//! another takes over once its lease has run out and first publishes what it
//! left half done: each change is written into its order's entry (with the
//! event, in the entry's outbox) before it is published, and the outbox
//! emptied after, so events are at least once, never lost, with stable ids,
//! in sequence order per order. [`Follower::run`] follows until shutdown;
//! [`Follower::round`] runs one round. An order the carrier says does not
//! exist is logged and left in the ledger.
//!
//! ```
//! use std::sync::Arc;
//! use std::time::Duration;
//! use numport::{Events, Follower, Ledger, PortProvider, PortStatus, Recorded};
//! use numport::store::{MemoryStore, Store};
//!
//! # async fn run() -> numport::Result<()> {
//! # let sandbox = numport::sandbox::INumberingSandbox::start().await?;
//! # let request = numport::PortRequest::new(vec![numport::PortLine::new(
//! #     numport::PhoneNumber::nanp("3125550142")?,
//! # )])
//! # .with_subscriber(numport::Subscriber::new("Maria", "Lopez").with_address(
//! #     numport::Address::new("233 S Wacker Dr", "Chicago", "IL", "60606", "US"),
//! # ))
//! # .with_authorization_name("Maria Lopez")
//! # .with_losing_account(
//! #     numport::AccountNumber::new("5512098734")?,
//! #     numport::Pin::new("7731")?,
//! # );
//! let inumbering: Arc<dyn PortProvider> = Arc::new(
//!     numport::carrier::inumbering::INumberingClient::builder()
//!         .base_url(sandbox.base_url())
//!         .username(sandbox.username())
//!         .password(sandbox.password())
//!         .build()?,
//! );
//! // In production: the `RedisStore` every replica shares.
//! let store: Arc<dyn Store> = Arc::new(MemoryStore::new());
//! let ledger = Ledger::new(store.clone());
//! let submission = Recorded::new(inumbering.clone(), ledger.clone())?
//!     .submit(&request)
//!     .await?;
//!
//! let follower = Follower::new(inumbering, ledger, Events::new(store.clone()));
//! // A service runs `follower.run(shutdown).await` in every replica; here,
//! // one round.
//! let report = follower.round().await?;
//! assert!(report.held());
//! assert_eq!((report.followed, report.published), (1, 1));
//!
//! // Consumers read the stream in groups, and acknowledge what they handled.
//! let consumer = Events::new(store).consumer("billing", "replica-1");
//! let delivered = consumer.next(100, Duration::ZERO).await?;
//! let event = &delivered[0].event;
//! assert_eq!(event.order_id, submission.orders[0].id);
//! assert_eq!((event.sequence, event.from, event.to), (1, None, PortStatus::Received));
//! consumer.ack(&delivered[0].entry_id).await?;
//! # Ok(())
//! # }
//! # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap()
//! #     .block_on(run()).unwrap();
//! ```
//!
//! ## Security and redaction
//! PACs, PINs, account numbers, passwords, tokens and API keys live in types
//! ([`Pac`], [`Pin`], [`AccountNumber`], [`Credential`]) that print as
//! `Type([REDACTED])` in `Debug`, have no `Display`, and are wiped from memory
//! on drop. Errors never quote a carrier's body where it could echo one.
//! Authorization headers are marked sensitive. Plain `http://` is accepted
//! only for loopback hosts.
//!
//! ## The sandbox
//! With feature `sandbox`, `numport::sandbox` starts fake Cellhire, Apeiron
//! and iNumbering servers on `127.0.0.1`. They speak the carriers' documented
//! wire formats, check requests as the carriers' documents say, move orders
//! through the status flows as they are polled, and can inject transient
//! failures. Every example runs on them when no credentials are set:
//! `cargo run --example quickstart`.
#![forbid(unsafe_code)]
#![deny(missing_docs)]
#![cfg_attr(docsrs, feature(doc_cfg))]

#[macro_use]
mod macros;

mod bulk;
pub mod carrier;
pub mod clock;
mod error;
mod events;
mod follow;
mod ledger;
// Feature `fuzzing`, for the fuzz targets and property tests only.
#[cfg(feature = "fuzzing")]
#[doc(hidden)]
pub mod fuzzing;
pub mod http;
mod model;
mod once;
mod operation;
mod provider;
mod redact;
mod redactor;
mod registry;
#[cfg(feature = "sandbox")]
#[cfg_attr(docsrs, doc(cfg(feature = "sandbox")))]
pub mod sandbox;
mod status;
pub mod store;
mod track;
mod vars;
mod watch;
#[cfg(feature = "webhooks")]
#[cfg_attr(docsrs, doc(cfg(feature = "webhooks")))]
pub mod webhook;

/// The README's code, compiled as a doctest so it cannot drift from the API.
#[cfg(all(doctest, feature = "webhooks"))]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;

pub use error::{Error, FieldError, IdempotencyProblem, RejectReason, Result};
pub use events::{
    DEFAULT_EVENT_STREAM, DEFAULT_EVENT_STREAM_LEN, Delivery, EventConsumer, Events,
    MAX_EVENT_BATCH, MAX_EVENT_BYTES, MAX_EVENT_STREAM_LEN, PortEvent, STATUS_CHANGED,
};
pub use follow::{
    DEFAULT_FOLLOW_INTERVAL, DEFAULT_FOLLOW_LEASE, DEFAULT_MAX_ORDERS_PER_ROUND, Follower,
    FollowerLease, MAX_FOLLOW_INTERVAL, MAX_FOLLOW_LEASE, MAX_ORDERS_PER_ROUND,
    MIN_FOLLOW_INTERVAL, MIN_FOLLOW_LEASE, RoundLease, RoundReport,
};
pub use ledger::{
    DEFAULT_KEEP_AFTER_END, DEFAULT_MAX_LISTED, Ledger, LedgerEntry, MAX_KEEP_AFTER_END,
    OPEN_LIFETIME, Recorded,
};
pub use model::{
    ACCEPTED_MEDIA_TYPES, AccountNumber, Address, Amendment, Baseline, Credential, Document,
    DocumentKind, Iccid, LineChange, LineFailure, MAX_BASELINE_ORDERS, Pac, PhoneNumber, Pin,
    PortId, PortLine, PortLineDetail, PortOrder, PortRequest, PortSummary, Portability,
    Reconciliation, Submission, SubmittedOrder, Subscriber,
};
pub use once::{
    DEFAULT_DEADLINE, DEFAULT_KEY_TTL, DEFAULT_RECONCILE_AFTER, IdempotencyKey, MAX_KEY_TTL,
    MIN_KEY_TTL, OnceSubmitter,
};
pub use operation::{Carrier, Operation};
pub use provider::{BulkOptions, Capabilities, PortProvider, Tracking};
pub use redactor::{REDACTED, Redactor};
pub use registry::{REDIS_SEALING_KEY_VAR, REDIS_URL_VAR, Registry};
pub use status::{CarrierStatus, LineStatus, PortStatus};
pub use track::{OrderChange, TrackOptions};
pub use watch::{PortProviderExt, StatusChange, WatchOptions};
