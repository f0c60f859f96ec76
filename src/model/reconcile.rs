//! What a carrier says about a submission whose outcome was unknown, and
//! what it held before one was sent.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::model::{PortId, PortOrder};

/// The answer of [`crate::PortProvider::reconcile`]: did a submission whose
/// outcome was unknown ([`crate::Error::OutcomeUnknown`]) create an order?
///
/// The answers are not symmetric:
/// - `Found` only when the carrier holds an order that matches *this*
///   request on what the carrier returns (its numbers, and its name and date
///   where the carrier lists them);
/// - `NotFound` only when the carrier's complete, well-formed answer was read
///   (every page served as asked, the listing field present, nothing cut by
///   a bound) and it holds nothing that could be the order;
/// - `Inconclusive` for everything in between: the answer was incomplete,
///   or orders were found that may be this request's but cannot be told
///   apart from others on what the carrier returns. **Never resubmit on it**.
///
/// A listing that could not be read at all is an [`crate::Error`], which is
/// "cannot tell" too.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "outcome", content = "detail", rename_all = "snake_case")]
#[non_exhaustive]
pub enum Reconciliation {
    /// The carrier holds these orders, each matching the request on the
    /// numbers the carrier returns for it (never empty). **Do not
    /// resubmit**: follow or cancel the order instead.
    Found(Vec<PortOrder>),
    /// The carrier's complete listing holds no order the submission could
    /// have created: the submission did not reach the carrier (or was
    /// refused), and **resubmitting is safe**.
    NotFound,
    /// numport cannot tell whether the submission created an order. **Do not
    /// resubmit**: check with the carrier (the candidates, if any, are the
    /// orders that may be it), or reconcile again later.
    Inconclusive {
        /// Why numport cannot tell, in words for the operator.
        reason: String,
        /// Orders that may be the one the submission created but could not
        /// be confirmed from what the carrier returns (possibly empty; at
        /// most a bounded number).
        candidates: Vec<PortOrder>,
    },
}

impl Reconciliation {
    /// True for [`Reconciliation::Found`]: do not resubmit.
    pub fn is_found(&self) -> bool {
        matches!(self, Self::Found(_))
    }

    /// True for [`Reconciliation::NotFound`]: resubmitting is safe.
    pub fn is_safe_to_resubmit(&self) -> bool {
        matches!(self, Self::NotFound)
    }

    /// True for [`Reconciliation::Inconclusive`]: do not resubmit.
    pub fn is_inconclusive(&self) -> bool {
        matches!(self, Self::Inconclusive { .. })
    }

    /// The orders found, or the candidates of an inconclusive answer; empty
    /// for [`Reconciliation::NotFound`].
    pub fn orders(&self) -> &[PortOrder] {
        match self {
            Self::Found(orders) => orders,
            Self::NotFound => &[],
            Self::Inconclusive { candidates, .. } => candidates,
        }
    }
}

/// The most order ids a [`Baseline`] holds: 1,000. A carrier listing more
/// orders recorded within a baseline's window gives no baseline.
pub const MAX_BASELINE_ORDERS: usize = 1_000;

/// What a carrier held just before a create, read by
/// [`crate::PortProvider::baseline`]: the ids of the orders its complete
/// listing held recorded at or after [`Baseline::since`]. Given back to
/// [`crate::PortProvider::reconcile_from`], it tells the order that create
/// made from the orders that existed before it.
///
/// Bounded: at most [`MAX_BASELINE_ORDERS`] ids, kept sorted and without
/// duplicates (a stored baseline read back is checked the same way). It
/// holds no secret: order ids and a time.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "BaselineForm")]
#[non_exhaustive]
pub struct Baseline {
    since: DateTime<Utc>,
    orders: Vec<PortId>,
}

/// A [`Baseline`] as stored, checked on the way in.
#[derive(Deserialize)]
struct BaselineForm {
    since: DateTime<Utc>,
    orders: Vec<PortId>,
}

impl TryFrom<BaselineForm> for Baseline {
    type Error = String;

    fn try_from(form: BaselineForm) -> Result<Self, Self::Error> {
        let n = form.orders.len();
        Self::new(form.since, form.orders).ok_or_else(|| {
            format!("a baseline holds at most {MAX_BASELINE_ORDERS} order ids, not {n}")
        })
    }
}

impl Baseline {
    /// The orders `orders` recorded at or after `since`; `None` when there
    /// are more than [`MAX_BASELINE_ORDERS`] (duplicates counted once).
    pub fn new(since: DateTime<Utc>, mut orders: Vec<PortId>) -> Option<Self> {
        orders.sort_unstable();
        orders.dedup();
        (orders.len() <= MAX_BASELINE_ORDERS).then_some(Self { since, orders })
    }

    /// The start of the window: the listing's orders recorded at or after
    /// this time are all in [`Baseline::orders`].
    pub fn since(&self) -> DateTime<Utc> {
        self.since
    }

    /// The ids of the orders recorded at or after [`Baseline::since`],
    /// sorted.
    pub fn orders(&self) -> &[PortId] {
        &self.orders
    }

    /// True when `id` is one of [`Baseline::orders`].
    pub fn contains(&self, id: &str) -> bool {
        self.orders.binary_search_by(|o| o.as_str().cmp(id)).is_ok()
    }
}
