//! iNumbering's client against a mock server: the key exchange, every call
//! on the wire, the status summary read.

mod support;

#[path = "inumbering/client.rs"]
mod client;
