//! Which carrier and which operation a call, an error or a log line is
//! about: the two names every layer shares, so this module imports nothing
//! of the crate.

use std::fmt;

use serde::{Deserialize, Serialize};

/// The carriers this crate speaks to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Carrier {
    /// Cellhire (UK and European MNP, PAC based).
    Cellhire,
    /// Apeiron (US cellular port-in).
    Apeiron,
    /// iNumbering by VoiceTel (US LNP). Written `inumbering` (as in
    /// account references); `i_numbering` is read too.
    #[serde(rename = "inumbering", alias = "i_numbering")]
    INumbering,
}

impl fmt::Display for Carrier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Cellhire => "Cellhire",
            Self::Apeiron => "Apeiron",
            Self::INumbering => "iNumbering",
        })
    }
}

/// The operations of [`PortProvider`](crate::PortProvider), for errors and [`Capabilities`](crate::Capabilities).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Operation {
    /// [`PortProvider::check_portability`](crate::PortProvider::check_portability).
    CheckPortability,
    /// [`PortProvider::submit`](crate::PortProvider::submit).
    Submit,
    /// [`PortProvider::order`](crate::PortProvider::order).
    Order,
    /// [`PortProvider::orders`](crate::PortProvider::orders).
    ListOrders,
    /// [`PortProvider::amend`](crate::PortProvider::amend).
    Amend,
    /// [`PortProvider::cancel`](crate::PortProvider::cancel).
    Cancel,
    /// A carrier's own operation outside the trait (networks, PIN update, ...).
    Native(&'static str),
    /// Obtaining credentials (token grant, key exchange).
    Authenticate,
    /// [`PortProvider::reconcile`](crate::PortProvider::reconcile).
    Reconcile,
}

impl fmt::Display for Operation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::CheckPortability => "check_portability",
            Self::Submit => "submit",
            Self::Order => "order",
            Self::ListOrders => "orders",
            Self::Amend => "amend",
            Self::Cancel => "cancel",
            Self::Native(name) => name,
            Self::Authenticate => "authenticate",
            Self::Reconcile => "reconcile",
        })
    }
}
