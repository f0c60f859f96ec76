//! What is refused before any request leaves, and the documents' words the
//! crate is pinned to.

mod support;

#[path = "validation/contract_pins.rs"]
mod contract_pins;

#[path = "validation/requests.rs"]
mod requests;

#[path = "validation/zero_requests.rs"]
mod zero_requests;
