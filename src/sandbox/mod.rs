//! Fake carriers on loopback, for examples and tests (feature `sandbox`).
//!
//! Each sandbox is a small stateful HTTP server bound to `127.0.0.1` on a
//! free port. It speaks its carrier's documented wire format, checks requests
//! the way the carrier's document says the carrier does, and moves orders
//! through the carrier's status flow as they are polled. Point a client at
//! [`CellhireSandbox::base_url`] and it behaves as it would against the
//! carrier, without credentials or network access.
//!
//! A sandbox stops when it is dropped.
//!
//! ```no_run
//! # async fn demo() -> numport::Result<()> {
//! use numport::carrier::cellhire::CellhireClient;
//! use numport::sandbox::CellhireSandbox;
//!
//! let sandbox = CellhireSandbox::start().await?;
//! let client = CellhireClient::builder()
//!     .base_url(sandbox.base_url())
//!     .token_url(sandbox.token_url())
//!     .account_id(sandbox.account_id())
//!     .client_credentials(sandbox.client_id(), sandbox.client_secret())
//!     .build()?;
//! let networks = client.networks().await?;
//! assert!(!networks.is_empty());
//! # Ok(())
//! # }
//! ```

mod apeiron;
mod cellhire;
mod inumbering;
mod multipart;
mod server;
mod us;

pub use apeiron::ApeironSandbox;
pub use cellhire::{CellhireSandbox, CellhireSandboxConfig};
pub use inumbering::INumberingSandbox;
