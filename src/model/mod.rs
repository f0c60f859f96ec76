//! The typed models every carrier shares.
//!
//! Identifiers and secrets are newtypes validated at construction, so a value
//! of one of these types is always well-formed.

mod address;
mod document;
mod iccid;
pub(crate) mod options;
mod order;
mod phone;
mod reconcile;
mod request;
mod secret;
mod us;

pub use address::{Address, Subscriber};
pub use document::{ACCEPTED_MEDIA_TYPES, Document, DocumentKind};
pub use iccid::Iccid;
pub use order::{
    Amendment, LineChange, LineFailure, PortId, PortLineDetail, PortOrder, PortSummary,
    Portability, Submission, SubmittedOrder,
};
pub use phone::PhoneNumber;
pub use reconcile::{Baseline, MAX_BASELINE_ORDERS, Reconciliation};
pub(crate) use request::check_text;
pub use request::{PortLine, PortRequest};
pub use secret::{AccountNumber, Credential, Pac, Pin};
pub(crate) use us::{is_us_state, is_zip};
