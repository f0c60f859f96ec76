//! The [`PortProvider`] trait every carrier adapter implements.

use std::fmt;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use futures::stream::{self, BoxStream, StreamExt};
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::model::{
    Amendment, Baseline, PhoneNumber, PortId, PortOrder, PortRequest, PortSummary, Portability,
    Reconciliation, Submission,
};
use crate::operation::{Carrier, Operation};

/// Which [`PortProvider`] operations a carrier supports.
///
/// An operation marked `false` returns [`Error::Unsupported`] without sending
/// anything.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Capabilities {
    /// [`PortProvider::check_portability`].
    pub check_portability: bool,
    /// [`PortProvider::submit`].
    pub submit: bool,
    /// [`PortProvider::order`].
    pub order: bool,
    /// [`PortProvider::orders`].
    pub orders: bool,
    /// [`PortProvider::amend`].
    pub amend: bool,
    /// [`PortProvider::cancel`].
    pub cancel: bool,
    /// [`PortProvider::reconcile`]: the carrier can be asked whether a
    /// submission whose outcome was unknown created an order.
    pub reconcile: bool,
    /// [`PortProvider::baseline`] and [`PortProvider::reconcile_from`]: the
    /// carrier's listing, read just before a create, lets the order that
    /// create made be told from the others afterwards, as long as nothing
    /// else creates an order on the account meanwhile.
    /// [`crate::OnceSubmitter`] serialises the account's submissions for
    /// such a carrier (one create at a time, through a lock in its store).
    #[serde(default)]
    pub baseline: bool,
    /// True when one order may hold several numbers.
    pub multi_line_orders: bool,
    /// True when the carrier takes documents (LoA, bill) with an order.
    pub documents: bool,
}

impl Capabilities {
    /// Nothing supported; set the fields that are.
    pub const NONE: Capabilities = Capabilities {
        check_portability: false,
        submit: false,
        order: false,
        orders: false,
        amend: false,
        cancel: false,
        reconcile: false,
        baseline: false,
        multi_line_orders: false,
        documents: false,
    };

    /// True when `operation` is supported.
    pub fn supports(&self, operation: Operation) -> bool {
        match operation {
            Operation::CheckPortability => self.check_portability,
            Operation::Submit => self.submit,
            Operation::Order => self.order,
            Operation::ListOrders => self.orders,
            Operation::Amend => self.amend,
            Operation::Cancel => self.cancel,
            Operation::Reconcile => self.reconcile,
            Operation::Native(_) | Operation::Authenticate => true,
        }
    }

    /// `Ok(())` when `operation` is supported, else [`Error::Unsupported`].
    pub fn require(&self, carrier: Carrier, operation: Operation) -> Result<()> {
        if self.supports(operation) {
            Ok(())
        } else {
            Err(Error::Unsupported { carrier, operation })
        }
    }
}

/// How a carrier's orders can be followed in bulk.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Tracking {
    /// No read call: orders cannot be followed.
    Unsupported,
    /// Only one read per order ([`crate::PortProvider::order`]).
    PerOrder,
    /// A listing of every order of the account with its status.
    Listing {
        /// Orders per listing call; `None` when one call lists them all.
        page_size: Option<u32>,
        /// True when a listed summary carries what a change event needs
        /// (status and message), so no per-order read follows a change.
        complete_summaries: bool,
    },
}

/// Limits for [`crate::PortProvider::submit_many`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct BulkOptions {
    /// Carrier calls in flight at once (default 8; 0 counts as 1).
    pub max_in_flight: usize,
    /// The most lines merged into one order, where the carrier merges
    /// (default 100: a Cellhire port progresses only once every row's PAC is
    /// valid, so one bad PAC holds back the whole port; smaller ports limit
    /// that).
    pub max_lines_per_order: usize,
}

impl Default for BulkOptions {
    fn default() -> Self {
        Self {
            max_in_flight: 8,
            max_lines_per_order: 100,
        }
    }
}

impl BulkOptions {
    /// The defaults: 8 orders in flight, 100 lines an order.
    pub fn new() -> Self {
        Self::default()
    }

    setters! {
        /// At most `n` carrier calls in flight (at least 1).
        with_max_in_flight(n: usize) => max_in_flight = n;

        /// At most `n` lines merged into one order (at least 1).
        with_max_lines_per_order(n: usize) => max_lines_per_order = n;
    }
}

/// [`Error::Unsupported`]: what a default method answers, sending nothing.
fn unsupported(carrier: Carrier, operation: Operation) -> Error {
    Error::Unsupported { carrier, operation }
}

/// `provider`'s [`PortProvider::account_reference`], or [`Error::Config`]
/// saying that its `what` (its orders, its idempotency keys) cannot be
/// told from another account's without one.
pub(crate) fn account_of(provider: &dyn PortProvider, what: &str) -> Result<String> {
    provider.account_reference().ok_or_else(|| {
        Error::Config(format!(
            "the {} provider names no account (PortProvider::account_reference), so {what} \
             cannot be told from another account's",
            provider.carrier()
        ))
    })
}

/// A carrier that ports numbers in.
///
/// Dyn-compatible: hold adapters as `Arc<dyn PortProvider>` and route requests
/// without knowing which carrier is behind each. Every method validates its
/// input before sending anything and reports problems as
/// [`Error::Validation`]; an operation the carrier lacks returns
/// [`Error::Unsupported`], as [`PortProvider::capabilities`] says beforehand.
#[async_trait]
pub trait PortProvider: Send + Sync + fmt::Debug {
    /// Which carrier this is.
    fn carrier(&self) -> Carrier;

    /// What this carrier supports.
    fn capabilities(&self) -> Capabilities;

    /// A stable reference to the carrier account this provider acts for,
    /// holding no secret: its store namespace,
    /// `numport:<carrier>:<hash of the account identity>` (base URL and
    /// user name, client id or account number, hashed). Every replica
    /// configured for the same account gives the same reference.
    /// [`crate::OnceSubmitter`] keeps its keys under it.
    ///
    /// The default, for a provider that names no account, is `None`.
    fn account_reference(&self) -> Option<String> {
        None
    }

    /// Asks whether each number can be ported in.
    async fn check_portability(&self, numbers: &[PhoneNumber]) -> Result<Vec<Portability>>;

    /// Validates and submits a port request.
    ///
    /// A submission is never repeated once it may have reached the carrier, so
    /// a failure here never leaves a duplicate order behind. When the request
    /// may have created an order without the answer saying so, the error is
    /// [`Error::OutcomeUnknown`]: call [`PortProvider::reconcile`] before
    /// submitting the same request again.
    async fn submit(&self, request: &PortRequest) -> Result<Submission>;

    /// Asks the carrier whether a submission of `request` made at (or just
    /// before) `attempted_at`, whose outcome was unknown
    /// ([`Error::is_outcome_unknown`]), created an order.
    ///
    /// [`Reconciliation::Found`] holds the order that matches this request
    /// on what the carrier returns: do **not** resubmit.
    /// [`Reconciliation::NotFound`] is answered only when the carrier's whole
    /// listing was read, complete and well-formed, and nothing in it could
    /// be that order: resubmitting is then safe.
    /// [`Reconciliation::Inconclusive`] is every other ending (a listing cut,
    /// inconsistent or with unreadable entries, candidates that cannot be
    /// confirmed): do **not** resubmit. A listing that fails is an error.
    /// Read-only: nothing is created or changed.
    ///
    /// Record `attempted_at` *before* calling [`PortProvider::submit`]. Each
    /// carrier documents what it matches on; the default, for carriers with
    /// no way to look orders up, returns [`Error::Unsupported`] with
    /// [`Operation::Reconcile`] without sending anything (see
    /// [`Capabilities::reconcile`]). The request is validated as
    /// [`PortProvider::submit`] would, before anything is sent.
    async fn reconcile(
        &self,
        request: &PortRequest,
        attempted_at: DateTime<Utc>,
    ) -> Result<Reconciliation> {
        let _ = (request, attempted_at);
        Err(unsupported(self.carrier(), Operation::Reconcile))
    }

    /// What the carrier holds now, read before a create, that lets
    /// [`PortProvider::reconcile_from`] tell the order this create makes
    /// from those that existed before: the ids of the orders recorded since
    /// a little before now, from a complete listing. Read-only.
    ///
    /// `Ok(None)` when no usable baseline can be read (a listing that is
    /// incomplete, holds an entry that cannot be read or has no id or no
    /// time, or holds more than [`crate::MAX_BASELINE_ORDERS`] recent
    /// orders): an unknown outcome is then resolved by
    /// [`PortProvider::reconcile`] alone. A listing that fails (the
    /// carrier's refusal, a transport error) is the error. The default,
    /// for carriers without it ([`Capabilities::baseline`] false), is
    /// `Ok(None)`, sending nothing.
    async fn baseline(&self) -> Result<Option<Baseline>> {
        Ok(None)
    }

    /// Asks whether the create attempted at `attempted_at`, sent after
    /// `baseline` was read (by [`PortProvider::baseline`]), created an
    /// order: the orders recorded since the attempt that the baseline does
    /// not hold are the ones created after it was read.
    ///
    /// [`Reconciliation::Found`] is answered *by elimination*, when exactly
    /// one such order exists: it holds only when nothing else created an
    /// order on the account between the baseline's read and this call
    /// ([`crate::OnceSubmitter`] makes sure of that for its own
    /// submissions; an order placed on the account another way meanwhile,
    /// such as in the carrier's portal, makes the answer
    /// [`Reconciliation::Inconclusive`], or could be taken for it). No new
    /// order on a complete, well-formed listing is
    /// [`Reconciliation::NotFound`]; anything else is
    /// [`Reconciliation::Inconclusive`]. A listing that fails is an error.
    /// Read-only.
    ///
    /// Take `attempted_at` after the baseline was read and before the
    /// create is sent, on the clock the provider reads its baseline with
    /// (the system clock unless one was injected): a baseline whose window
    /// does not cover the attempt's is [`Reconciliation::Inconclusive`].
    ///
    /// The default, for carriers without baselines
    /// ([`Capabilities::baseline`] false), returns [`Error::Unsupported`]
    /// with [`Operation::Reconcile`] without sending anything.
    async fn reconcile_from(
        &self,
        attempted_at: DateTime<Utc>,
        baseline: &Baseline,
    ) -> Result<Reconciliation> {
        let _ = (attempted_at, baseline);
        Err(unsupported(self.carrier(), Operation::Reconcile))
    }

    /// One order with its lines.
    ///
    /// The default, for a carrier with no such call, is
    /// [`Error::Unsupported`], sending nothing.
    async fn order(&self, id: &PortId) -> Result<PortOrder> {
        let _ = id;
        Err(unsupported(self.carrier(), Operation::Order))
    }

    /// Every order of the account, walking every page as the stream is read.
    ///
    /// The default, for a carrier with no listing, is one
    /// [`Error::Unsupported`], sending nothing.
    fn orders(&self) -> BoxStream<'_, Result<PortSummary>> {
        let error = unsupported(self.carrier(), Operation::ListOrders);
        stream::once(async move { Err(error) }).boxed()
    }

    /// Changes lines of an existing order (a new PAC, a line cancelled).
    ///
    /// The default, for a carrier with no such call, is
    /// [`Error::Unsupported`], sending nothing.
    async fn amend(&self, id: &PortId, amendment: &Amendment) -> Result<()> {
        let _ = (id, amendment);
        Err(unsupported(self.carrier(), Operation::Amend))
    }

    /// Asks the carrier to cancel a whole order.
    ///
    /// The default, for a carrier with no such call, is
    /// [`Error::Unsupported`], sending nothing.
    async fn cancel(&self, id: &PortId) -> Result<()> {
        let _ = id;
        Err(unsupported(self.carrier(), Operation::Cancel))
    }

    /// How this carrier's orders can be followed in bulk by
    /// [`crate::PortProviderExt::watch_many`]. The default follows each order
    /// by its own read when the carrier has one.
    fn tracking(&self) -> Tracking {
        if self.capabilities().order {
            Tracking::PerOrder
        } else {
            Tracking::Unsupported
        }
    }

    /// Submits many requests with at most `options.max_in_flight` carrier
    /// calls at once and the fewest calls the carrier's rules allow. Returns
    /// one result per request, in input order; one failure never stops the
    /// others. The default sends one [`PortProvider::submit`] per request;
    /// adapters that can merge requests into fewer orders override it.
    async fn submit_many(
        &self,
        requests: &[PortRequest],
        options: &BulkOptions,
    ) -> Vec<Result<Submission>> {
        // Indexing (rather than mapping over references) keeps the closure
        // free of higher-ranked lifetimes, so the future stays `Send` behind
        // async-trait.
        stream::iter(0..requests.len())
            .map(|i| self.submit(&requests[i]))
            .buffered(options.max_in_flight.max(1))
            .collect()
            .await
    }
}
