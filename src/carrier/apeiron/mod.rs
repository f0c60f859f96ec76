//! Apeiron: US cellular port-in (`POST /v2/cellular/port`).

mod options;

pub use options::ApeironOptions;
