//! Each carrier's optional part of a [`PortRequest`](crate::PortRequest):
//! plain serialisable data, kept with the shared model so that one request
//! can go to any carrier's adapter while the model imports no carrier. Each
//! carrier module re-exports its own (`numport::carrier::cellhire::CellhireOptions`
//! and so on), which is their public path.

pub(crate) mod apeiron;
pub(crate) mod cellhire;
pub(crate) mod inumbering;
