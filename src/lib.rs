//! numport: one async API to port mobile numbers in through several carriers.
#![forbid(unsafe_code)]
#![deny(missing_docs)]
#![cfg_attr(docsrs, feature(doc_cfg))]

pub mod carrier;
pub mod clock;
mod error;
pub mod http;
pub mod model;
mod provider;
#[cfg(feature = "sandbox")]
#[cfg_attr(docsrs, doc(cfg(feature = "sandbox")))]
pub mod sandbox;
pub mod status;

pub use error::{Error, FieldError, Problems, RejectReason, Result};
pub use model::{
    AccountNumber, Address, Amendment, Credential, Document, DocumentKind, Iccid, LineChange,
    LineFailure, Pac, PhoneNumber, Pin, PortId, PortLine, PortLineDetail, PortOrder, PortRequest,
    PortSummary, Portability, Submission, SubmittedOrder, Subscriber,
};
pub use provider::{Capabilities, Carrier, Operation, PortProvider};
pub use status::{CarrierStatus, LineStatus, PortStatus};
