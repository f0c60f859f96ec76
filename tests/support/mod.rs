//! The set-up every test binary shares: who ports what ([`requests`]), the
//! clients' test settings ([`clients`]), the mock servers' catch-all
//! ([`mock`]), the Cellhire mock-server helpers ([`cellhire`]) and a real
//! `redis-server` ([`redis_server`]), a store that hangs a follower
//! mid-publish ([`trapped`]) and one with only the basic methods
//! ([`basic_store`]), and a bound on a test's polling waits
//! ([`patience`]).
//!
//! Each top-level file under `tests/` is a binary that declares `mod support;`
//! and uses the part it needs.

// Each test binary uses a different subset of these helpers.
#![allow(dead_code, unused_imports)]

pub mod basic_store;
pub mod cellhire;
pub mod clients;
pub mod mock;
pub mod patience;
pub mod redis_server;
pub mod requests;
pub mod trapped;
