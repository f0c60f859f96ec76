//! The unified API over the crate's sandboxes: `watch()` following an order
//! from submission to completion, and bulk submission of 1,000 numbers with
//! the carrier calls counted.

use std::sync::Arc;
use std::time::Duration;

use chrono::NaiveDate;
use futures::TryStreamExt;
use numport::BulkOptions;
use numport::carrier::apeiron::{ApeironClient, ApeironOptions};
use numport::carrier::cellhire::{CellhireClient, Service};
use numport::carrier::inumbering::INumberingClient;
use numport::clock::ManualClock;
use numport::http::{Backoff, HttpConfig, RetryPolicy};
use numport::sandbox::{ApeironSandbox, CellhireSandbox, CellhireSandboxConfig, INumberingSandbox};
use numport::{
    Error, PortId, PortLine, PortProvider, PortProviderExt, PortRequest, PortStatus, WatchOptions,
};

use crate::support::requests::{self, cellhire_options, chicago, iccid, uk_line};

/// Two attempts per call, 1 ms apart: transient failures are quick to see.
fn http() -> HttpConfig {
    HttpConfig::default()
        .with_clock(Arc::new(ManualClock::new(
            "2026-05-01T09:00:00Z".parse().unwrap(),
        )))
        .with_retry(
            RetryPolicy::default()
                .with_max_attempts(2)
                .with_backoff(
                    Backoff::default()
                        .with_jitter(false)
                        .with_initial(Duration::from_millis(1))
                        .with_max(Duration::from_millis(1))
                        .with_multiplier(1.0),
                )
                .with_max_retry_after(Duration::from_secs(1)),
        )
}

async fn cellhire() -> (CellhireSandbox, Arc<dyn PortProvider>) {
    let today = NaiveDate::from_ymd_opt(2026, 5, 1).unwrap();
    let sandbox = CellhireSandbox::start_with(CellhireSandboxConfig::default().with_today(today))
        .await
        .unwrap();
    let client = CellhireClient::builder()
        .base_url(sandbox.base_url())
        .token_url(sandbox.token_url())
        .account_id(sandbox.account_id())
        .client_credentials(sandbox.client_id(), sandbox.client_secret())
        .http_config(http())
        .build()
        .unwrap();
    (sandbox, Arc::new(client))
}

fn cellhire_request(n: u32, pac: &str) -> PortRequest {
    let line = uk_line(
        &format!("+447700{n:06}"),
        &format!("894410003012{n:07}"),
        pac,
    );
    PortRequest::new(vec![line])
        .with_cellhire(cellhire_options("Fleet").with_service(Service::new("voice", "true")))
}

fn watch_options() -> WatchOptions {
    WatchOptions::default().with_intervals(Duration::from_millis(1), Duration::from_millis(4))
}

#[tokio::test]
async fn watch_follows_a_cellhire_order_to_completion_through_transient_failures() {
    let (sandbox, provider) = cellhire().await;
    let submission = provider
        .submit(&cellhire_request(900_201, "KQM482913"))
        .await
        .unwrap();
    let id = submission.first_id().unwrap().clone();

    // Three polls in, the carrier fails four requests in a row: two polls'
    // worth of attempts, ridden out by the watch.
    let mut stream = provider.watch(&id, watch_options());
    let mut seen = Vec::new();
    while let Some(change) = stream.try_next().await.unwrap() {
        if seen.len() == 2 {
            sandbox.fail_next(4, 503);
        }
        seen.push((change.from, change.to, change.carrier_status.name.clone()));
        assert!(change.expected, "{change:?}");
    }
    let expected = [
        (None, PortStatus::Received, "Created"),
        (
            Some(PortStatus::Received),
            PortStatus::Submitted,
            "Submitted",
        ),
        (Some(PortStatus::Submitted), PortStatus::Scheduled, "Locked"),
        (Some(PortStatus::Scheduled), PortStatus::Ported, "Ported"),
        (
            Some(PortStatus::Ported),
            PortStatus::Provisioning,
            "Create RA",
        ),
        (
            Some(PortStatus::Provisioning),
            PortStatus::Provisioning,
            "Awaiting RA",
        ),
        (
            Some(PortStatus::Provisioning),
            PortStatus::Provisioning,
            "Create Configuration",
        ),
        (
            Some(PortStatus::Provisioning),
            PortStatus::Provisioning,
            "Awaiting Configuration",
        ),
        (
            Some(PortStatus::Provisioning),
            PortStatus::Complete,
            "Complete",
        ),
    ]
    .map(|(f, t, n)| (f, t, n.to_owned()));
    assert_eq!(seen, expected);
    let failed = sandbox
        .api_requests()
        .iter()
        .filter(|(m, p)| m == "GET" && p.contains("/port/"))
        .count();
    // Nine changes, four failed attempts, no duplicate polls of a terminal order.
    assert_eq!(failed, 9 + 4);
}

#[tokio::test]
async fn watch_surfaces_a_permanent_error_and_ends() {
    let (_sandbox, provider) = cellhire().await;
    let id = PortId::new("0b0e3a43-94c4-4c2c-9d6a-000000000000").unwrap();
    let results: Vec<_> =
        futures::StreamExt::collect::<Vec<_>>(provider.watch(&id, watch_options())).await;
    assert_eq!(results.len(), 1);
    let err = results[0].as_ref().unwrap_err();
    assert!(matches!(err, Error::NotFound { .. }), "{err:?}");
}

#[tokio::test]
async fn bulk_of_1000_cellhire_numbers_takes_ten_creates() {
    let (sandbox, provider) = cellhire().await;
    let mut requests: Vec<PortRequest> = (0..1000)
        .map(|n| cellhire_request(800_000 + n, "KQM482913"))
        .collect();
    // One bad request (no PAC) fails alone, before anything is sent for it.
    requests[500].lines[0].pac = None;

    let results = provider
        .submit_many(&requests, &BulkOptions::default())
        .await;

    assert_eq!(results.len(), 1000);
    let failed: Vec<usize> = results
        .iter()
        .enumerate()
        .filter(|(_, r)| r.is_err())
        .map(|(i, _)| i)
        .collect();
    assert_eq!(failed, [500]);
    assert_eq!(
        results[500].as_ref().unwrap_err().field_errors()[0].field,
        "lines[0].pac"
    );
    // Results in input order: each carries its own number.
    for (i, result) in results.iter().enumerate().filter(|(i, _)| *i != 500) {
        let order = &result.as_ref().unwrap().orders[0];
        let want = format!("+447700{:06}", 800_000 + i);
        assert_eq!(order.numbers[0].e164(), want);
    }
    let calls = sandbox.api_requests();
    let creates = calls.iter().filter(|(m, _)| m == "POST").count();
    let reads = calls.iter().filter(|(m, _)| m == "GET").count();
    // 999 rows, at most 100 per port: ten creates, one read of the networks.
    assert_eq!((creates, reads), (10, 1));
    let ports: Vec<_> = provider.orders().try_collect().await.unwrap();
    assert_eq!(ports.len(), 10);
    assert_eq!(
        ports.iter().map(|p| p.line_count.unwrap_or(0)).sum::<u32>(),
        999
    );
}

async fn inumbering() -> (INumberingSandbox, Arc<dyn PortProvider>) {
    let sandbox = INumberingSandbox::start().await.unwrap();
    let client = INumberingClient::builder()
        .base_url(sandbox.base_url())
        .username(sandbox.username())
        .password(sandbox.password())
        .http_config(http())
        .build()
        .unwrap();
    (sandbox, Arc::new(client))
}

fn us_request(n: u32) -> PortRequest {
    requests::us_request(vec![
        PortLine::new(chicago(n)).with_sim(iccid(&format!("89012601234{n:08}"))),
    ])
    .with_apeiron(ApeironOptions::new("UTT5GB"))
}

#[tokio::test]
async fn watch_follows_an_inumbering_order_to_completion_through_transient_failures() {
    let (sandbox, provider) = inumbering().await;
    let submission = provider.submit(&us_request(5_550_142)).await.unwrap();
    let id = submission.first_id().unwrap().clone();

    let mut stream = provider.watch(&id, watch_options());
    let mut seen = Vec::new();
    while let Some(change) = stream.try_next().await.unwrap() {
        if seen.len() == 1 {
            sandbox.fail_next(2);
        }
        seen.push((
            change.to,
            change.carrier_status.name.clone(),
            change.order.port_date.is_some(),
        ));
    }
    let expected = [
        (PortStatus::Received, "submitted", false),
        (PortStatus::Submitted, "Validating", false),
        (PortStatus::Submitted, "Pending", false),
        (PortStatus::Scheduled, "Pending", true),
        (PortStatus::Complete, "Complete", true),
    ]
    .map(|(s, n, f)| (s, n.to_owned(), f));
    assert_eq!(seen, expected);
    let polls = sandbox
        .requests()
        .iter()
        .filter(|p| p.as_str() == "/v2.1/iNumbering/portStatus/")
        .count();
    // Five states, two failed attempts.
    assert_eq!(polls, 5 + 2);
}

#[tokio::test]
async fn bulk_of_1000_apeiron_numbers_is_one_call_per_number() {
    let sandbox = ApeironSandbox::start().await.unwrap();
    let client = ApeironClient::builder()
        .base_url(sandbox.base_url())
        .username(sandbox.username())
        .api_token(sandbox.api_token())
        .http_config(http())
        .build()
        .unwrap();
    let requests: Vec<PortRequest> = (0..1000).map(|n| us_request(5_551_000 + n)).collect();
    let results = client.submit_many(&requests, &BulkOptions::default()).await;
    assert_eq!(results.len(), 1000);
    for (i, result) in results.iter().enumerate() {
        let order = &result.as_ref().unwrap().orders[0];
        assert_eq!(
            order.numbers[0].nanp_digits().unwrap(),
            format!("312{:07}", 5_551_000 + i)
        );
    }
    assert_eq!(sandbox.requests(), 1000);
    assert_eq!(sandbox.accepted().len(), 1000);
}

#[tokio::test]
async fn bulk_of_1000_inumbering_numbers_takes_one_pre_check() {
    let (sandbox, provider) = inumbering().await;
    sandbox.set_balance(1_000_000);
    // Customer orders ask for the check (it is mandatory for admin orders
    // only): one check call for every number.
    let checked = |n: u32| {
        let mut request = us_request(n);
        request.inumbering = Some(
            request
                .inumbering
                .take()
                .unwrap_or_default()
                .with_portability_check(true),
        );
        request
    };
    let mut requests: Vec<PortRequest> = (0..1000).map(|n| checked(5_552_000 + n)).collect();
    // One number that is not portable fails its own request only.
    requests[7] = checked(5_550_000);
    let results = provider
        .submit_many(&requests, &BulkOptions::default())
        .await;
    assert_eq!(results.len(), 1000);
    let failed: Vec<usize> = results
        .iter()
        .enumerate()
        .filter(|(_, r)| r.is_err())
        .map(|(i, _)| i)
        .collect();
    assert_eq!(failed, [7]);
    assert_eq!(
        results[7].as_ref().unwrap_err().reject_reason(),
        Some(numport::RejectReason::NotPortable)
    );
    let calls = sandbox.requests();
    let count = |p: &str| calls.iter().filter(|c| c.as_str() == p).count();
    assert_eq!(count("/v2.2/account/apikey"), 1);
    assert_eq!(count("/v2/iNumbering/portInAvailability/"), 1);
    assert_eq!(count("/v2.2/account/port"), 999);
    assert_eq!(calls.len(), 1001);
}
