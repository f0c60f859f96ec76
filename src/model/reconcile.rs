//! What a carrier says about a submission whose outcome was unknown.

use serde::{Deserialize, Serialize};

use crate::model::PortOrder;

/// The answer of [`crate::PortProvider::reconcile`]: did a submission whose
/// outcome was unknown ([`crate::Error::OutcomeUnknown`]) create an order?
///
/// The two answers are not symmetric. `Found` is given whenever the carrier
/// holds an order that *could* be the one the submission created, so it may
/// name an order that is not; `NotFound` is given only when the carrier's
/// complete listing holds nothing that could be it. Anything in between (a
/// listing that failed, was cut, or held an entry that could not be read)
/// is an error, never `NotFound`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "outcome", content = "orders", rename_all = "snake_case")]
#[non_exhaustive]
pub enum Reconciliation {
    /// The carrier holds these orders, any of which may be the one the
    /// submission created (never empty). **Do not resubmit**: follow or
    /// cancel the order instead. What each order holds depends on the
    /// carrier (Cellhire: its lines; iNumbering: no lines, its summary has
    /// no numbers).
    Found(Vec<PortOrder>),
    /// The carrier's complete listing holds no order the submission could
    /// have created: the submission did not reach the carrier (or was
    /// refused), and **resubmitting is safe**.
    NotFound,
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

    /// The orders found; empty for [`Reconciliation::NotFound`].
    pub fn orders(&self) -> &[PortOrder] {
        match self {
            Self::Found(orders) => orders,
            Self::NotFound => &[],
        }
    }
}
