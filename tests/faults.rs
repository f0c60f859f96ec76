//! Fault injection: one hostile loopback server, every carrier operation,
//! a table of scenarios per family. Each row checks the typed outcome, the
//! exact requests the server saw, at most one create per order, a bounded
//! duration, no panic and no secret in Display, Debug or TRACE output.
//! Rows tagged `[rule: ...]` pin a rule the crate must follow.

mod support;

#[path = "faults/follow_rows.rs"]
mod follow_rows;
#[path = "faults/harness.rs"]
mod harness;
#[path = "faults/scenarios.rs"]
mod scenarios;
#[path = "faults/server.rs"]
mod server;
#[path = "faults/store_rows.rs"]
mod store_rows;
#[path = "faults/targets.rs"]
mod targets;

use harness::run_family;

#[tokio::test(flavor = "current_thread")]
async fn status_codes_on_every_operation() {
    run_family("status", scenarios::status_rows()).await;
}

#[tokio::test(flavor = "current_thread")]
async fn retry_after_seconds_dates_huge_and_garbage() {
    run_family("retry-after", scenarios::retry_after_rows()).await;
}

#[tokio::test(flavor = "current_thread")]
async fn resets_stalls_drips_and_refusals() {
    run_family("connection", scenarios::connection_rows()).await;
}

#[tokio::test(flavor = "current_thread")]
async fn unreadable_bodies() {
    run_family("bodies", scenarios::body_rows()).await;
}

#[tokio::test(flavor = "current_thread")]
async fn oversized_and_endless_bodies() {
    run_family("oversized", scenarios::oversized_rows()).await;
}

#[tokio::test(flavor = "current_thread")]
async fn redirects_are_never_followed() {
    run_family("redirects", scenarios::redirect_rows()).await;
}

#[tokio::test(flavor = "current_thread")]
async fn echoed_secrets_are_redacted() {
    run_family("echo", scenarios::echo_rows()).await;
}

#[tokio::test(flavor = "current_thread")]
async fn lying_pagination_is_bounded() {
    run_family("paging", scenarios::paging_rows()).await;
}

#[tokio::test(flavor = "current_thread")]
async fn lying_pagination_growing_total() {
    run_family("paging-growing-total", scenarios::paging_ceiling_rows(1)).await;
}

/// 20 000 requests (the crate's hard ceiling, 30-70 s on a debug build):
/// `cargo test --all-features --test faults -- --ignored`.
#[tokio::test(flavor = "current_thread")]
#[ignore = "runs the crate's 20 000-page hard ceiling (30-70 s)"]
async fn lying_pagination_hard_ceiling() {
    run_family("paging-ceiling", scenarios::paging_ceiling_rows(0)).await;
}

#[tokio::test(flavor = "current_thread")]
async fn absurd_settings_are_config_errors() {
    run_family("config", scenarios::config_rows()).await;
}

#[tokio::test(flavor = "current_thread")]
async fn reconcile_says_not_found_only_on_a_complete_listing() {
    run_family("reconcile", follow_rows::reconcile_rows()).await;
}

#[tokio::test(flavor = "current_thread")]
async fn watch_many_claims_absence_only_on_a_complete_listing() {
    run_family("watch-many", follow_rows::watch_rows()).await;
}

#[tokio::test(flavor = "current_thread")]
async fn store_values_are_bounded() {
    run_family("store", store_rows::store_rows()).await;
}

#[tokio::test(flavor = "current_thread")]
async fn carrier_texts_kept_are_redacted() {
    run_family("redaction", store_rows::redaction_rows()).await;
}

#[path = "faults/inumbering_listing_rows.rs"]
mod inumbering_listing_rows;

#[tokio::test(flavor = "current_thread")]
async fn inumbering_listing_is_complete_or_inconclusive() {
    run_family(
        "inumbering-listing",
        inumbering_listing_rows::inumbering_listing_rows(),
    )
    .await;
}
