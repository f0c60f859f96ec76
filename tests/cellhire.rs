//! Cellhire's client against a mock server: authentication, bulk merging,
//! the client's calls, connection dates, errors and retries, validation.

mod support;

#[path = "cellhire/auth.rs"]
mod auth;

#[path = "cellhire/bulk.rs"]
mod bulk;

#[path = "cellhire/client.rs"]
mod client;

#[path = "cellhire/dates.rs"]
mod dates;

#[path = "cellhire/errors.rs"]
mod errors;

#[path = "cellhire/validation.rs"]
mod validation;
