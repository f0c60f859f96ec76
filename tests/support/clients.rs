//! Each carrier's client against a loopback base URL, with the tests' HTTP
//! settings: deterministic retries (no jitter, millisecond back-off) and, for
//! the clients that read dates, a fixed clock.

use std::sync::Arc;
use std::time::Duration;

use numport::carrier::apeiron::ApeironClient;
use numport::carrier::cellhire::CellhireClient;
use numport::carrier::inumbering::INumberingClient;
use numport::clock::ManualClock;
use numport::http::{Backoff, HttpConfig, RetryPolicy};

use super::cellhire::{ACCOUNT_ID, TOKEN, now};

/// Three attempts, 1 ms then 2 ms apart (capped at 2 ms), no jitter,
/// `Retry-After` honoured up to 1 s.
pub fn three_attempts() -> RetryPolicy {
    RetryPolicy::default()
        .with_max_attempts(3)
        .with_backoff(
            Backoff::default()
                .with_jitter(false)
                .with_initial(Duration::from_millis(1))
                .with_max(Duration::from_millis(2))
                .with_multiplier(2.0),
        )
        .with_max_retry_after(Duration::from_secs(1))
}

/// Two attempts, 1 ms apart, no jitter, `Retry-After` honoured up to 1 s.
pub fn two_attempts() -> RetryPolicy {
    RetryPolicy::default()
        .with_max_attempts(2)
        .with_backoff(
            Backoff::default()
                .with_jitter(false)
                .with_initial(Duration::from_millis(1))
                .with_max(Duration::from_millis(1))
                .with_multiplier(1.0),
        )
        .with_max_retry_after(Duration::from_secs(1))
}

/// The fixed clock (Friday 2026-05-01 09:00 UTC) and [`two_attempts`].
pub fn fixed_clock_two_attempts() -> HttpConfig {
    HttpConfig::default()
        .with_clock(Arc::new(ManualClock::new(now())))
        .with_retry(two_attempts())
}

/// An Apeiron client for `username` with `api_token`.
pub fn apeiron(base_url: &str, username: &str, api_token: &str, http: HttpConfig) -> ApeironClient {
    ApeironClient::builder()
        .base_url(base_url)
        .username(username)
        .api_token(api_token)
        .http_config(http)
        .build()
        .unwrap()
}

/// An iNumbering client for `username` with `password`, a customer account
/// unless `admin`.
pub fn inumbering(
    base_url: &str,
    username: u64,
    password: &str,
    admin: bool,
    http: HttpConfig,
) -> INumberingClient {
    INumberingClient::builder()
        .base_url(base_url)
        .username(username)
        .password(password)
        .admin(admin)
        .http_config(http)
        .build()
        .unwrap()
}

/// A Cellhire client on account [`ACCOUNT_ID`] with the static bearer token
/// [`TOKEN`].
pub fn cellhire(base_url: &str, http: HttpConfig) -> CellhireClient {
    CellhireClient::builder()
        .base_url(base_url)
        .account_id(ACCOUNT_ID)
        .bearer_token(TOKEN)
        .http_config(http)
        .build()
        .unwrap()
}
