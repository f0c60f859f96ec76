//! Apeiron's client against a mock server: the document's example on the
//! wire, its answers read, its errors typed.

mod support;

#[path = "apeiron/client.rs"]
mod client;
