//! The sandboxes (each carrier's stateful fake on loopback) driven through
//! the clients: flows, strictness to the documents, each carrier's own.

mod support;

#[path = "sandboxes/apeiron.rs"]
mod apeiron;

#[path = "sandboxes/cellhire.rs"]
mod cellhire;

#[path = "sandboxes/flows.rs"]
mod flows;

#[path = "sandboxes/inumbering.rs"]
mod inumbering;

#[path = "sandboxes/strict.rs"]
mod strict;
