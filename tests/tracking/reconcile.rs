//! `PortProvider::reconcile` after a submission whose outcome was unknown:
//! the submitted order is found, nothing found means resubmitting is safe,
//! a listing that fails is an error, iNumbering's summary (which holds
//! nothing of a request) can only name candidates and is never `NotFound`
//! unless complete, Apeiron says it cannot; and Apeiron's multi-number
//! submission keeps every order it created.

use std::sync::Arc;

use chrono::{DateTime, NaiveDate, Utc};
use numport::carrier::apeiron::ApeironClient;
use numport::carrier::cellhire::CellhireClient;
use numport::carrier::inumbering::INumberingClient;
use numport::clock::ManualClock;
use numport::http::{HttpConfig, RetryPolicy};
use numport::sandbox::{CellhireSandbox, CellhireSandboxConfig, INumberingSandbox};
use numport::{
    Baseline, Error, MAX_BASELINE_ORDERS, Operation, PhoneNumber, PortLine, PortProvider,
    PortRequest, Reconciliation,
};
use serde_json::json;
use wiremock::matchers::{body_partial_json, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::support::cellhire as common;
use crate::support::clients;
use crate::support::mock::strict_server;
use crate::support::requests::{self, cellhire_options, iccid};

fn fast_retries() -> RetryPolicy {
    clients::three_attempts()
}

// ---------------------------------------------------------------- Cellhire

/// Friday 2026-05-01, 09:00 UTC.
fn attempted_at() -> DateTime<Utc> {
    "2026-05-01T09:00:00Z".parse().unwrap()
}

async fn cellhire() -> (CellhireSandbox, CellhireClient) {
    let today = NaiveDate::from_ymd_opt(2026, 5, 1).unwrap();
    let sandbox = CellhireSandbox::start_with(CellhireSandboxConfig::default().with_today(today))
        .await
        .unwrap();
    let http = HttpConfig::default()
        .with_clock(Arc::new(ManualClock::new(attempted_at())))
        .with_retry(fast_retries());
    let client = CellhireClient::builder()
        .base_url(sandbox.base_url())
        .token_url(sandbox.token_url())
        .account_id(sandbox.account_id())
        .client_credentials(sandbox.client_id(), sandbox.client_secret())
        .http_config(http)
        .build()
        .unwrap();
    (sandbox, client)
}

fn uk_line(n: u32) -> PortLine {
    requests::uk_line(
        &format!("+44770090{n:04}"),
        &format!("894410003012{n:07}"),
        "ABC123456",
    )
}

fn cellhire_request(name: &str, numbers: &[u32]) -> PortRequest {
    PortRequest::new(numbers.iter().map(|n| uk_line(*n)).collect())
        .with_cellhire(cellhire_options(name))
}

#[tokio::test]
async fn cellhire_finds_the_submitted_port() {
    let (_sandbox, client) = cellhire().await;
    assert!(client.capabilities().reconcile);
    let request = cellhire_request("Fleet batch 7", &[101, 102]);
    let submitted = client.submit(&request).await.unwrap();

    let answer = client.reconcile(&request, attempted_at()).await.unwrap();

    assert!(answer.is_found() && !answer.is_safe_to_resubmit());
    let ids: Vec<_> = answer.orders().iter().map(|o| o.id.clone()).collect();
    assert_eq!(ids, [submitted.orders[0].id.clone()]);
    assert_eq!(answer.orders()[0].lines.len(), 2);
    assert_eq!(answer.orders()[0].name.as_deref(), Some("Fleet batch 7"));
}

#[tokio::test]
async fn cellhire_reports_not_found_when_no_port_could_be_it() {
    let (sandbox, client) = cellhire().await;
    // Same name and date, other numbers; other name, same numbers.
    client
        .submit(&cellhire_request("Fleet batch 7", &[201]))
        .await
        .unwrap();
    client
        .submit(&cellhire_request("Another batch", &[301]))
        .await
        .unwrap();
    let mut dated = cellhire_request("Dated batch", &[401]);
    dated.desired_date = Some(NaiveDate::from_ymd_opt(2026, 5, 6).unwrap());
    client.submit(&dated).await.unwrap();

    let request = cellhire_request("Fleet batch 7", &[301]);
    let answer = client.reconcile(&request, attempted_at()).await.unwrap();
    assert_eq!(answer, Reconciliation::NotFound);
    assert!(answer.is_safe_to_resubmit());

    // The same name and numbers on another requested date is not it.
    let mut elsewhere = cellhire_request("Dated batch", &[401]);
    elsewhere.desired_date = Some(NaiveDate::from_ymd_opt(2026, 5, 12).unwrap());
    let answer = client.reconcile(&elsewhere, attempted_at()).await.unwrap();
    assert_eq!(answer, Reconciliation::NotFound);
    let answer = client.reconcile(&dated, attempted_at()).await.unwrap();
    assert!(answer.is_found());
    // Only the candidates' details were read: one for "Fleet batch 7",
    // one for the dated port.
    let details = sandbox
        .api_requests()
        .iter()
        .filter(|(m, p)| m == "GET" && p.contains("/port/"))
        .count();
    assert_eq!(details, 2);
}

#[tokio::test]
async fn cellhire_walks_every_page_once() {
    let (sandbox, client) = cellhire().await;
    // 55 ports: two pages of 50.
    for n in 0..55 {
        client
            .submit(&cellhire_request(&format!("Port {n}"), &[500 + n]))
            .await
            .unwrap();
    }
    let pages = || {
        sandbox
            .api_requests()
            .into_iter()
            .filter(|(m, p)| m == "GET" && p.ends_with("/40001"))
            .count()
    };
    let before = pages();
    let none = client
        .reconcile(&cellhire_request("Port 99", &[599]), attempted_at())
        .await
        .unwrap();
    assert_eq!(none, Reconciliation::NotFound);
    // Both pages, once each.
    assert_eq!(pages() - before, 2);
    let newest = client
        .reconcile(&cellhire_request("Port 54", &[554]), attempted_at())
        .await
        .unwrap();
    assert_eq!(newest.orders().len(), 1);
    assert_eq!(newest.orders()[0].name.as_deref(), Some("Port 54"));
    assert_eq!(pages() - before, 4);
    // Found on page 1: the walk stops there (page 2 may have been asked
    // ahead, never page 3).
    let before = pages();
    let oldest = client
        .reconcile(&cellhire_request("Port 0", &[500]), attempted_at())
        .await
        .unwrap();
    assert_eq!(oldest.orders().len(), 1);
    assert!((1..=2).contains(&(pages() - before)));
}

#[tokio::test]
async fn cellhire_returns_the_listing_error() {
    let (sandbox, client) = cellhire().await;
    let request = cellhire_request("Fleet batch 7", &[101]);
    client.submit(&request).await.unwrap();
    sandbox.fail_next(10, 503);

    let err = client
        .reconcile(&request, attempted_at())
        .await
        .unwrap_err();

    assert_eq!(err.status(), Some(503), "{err:?}");
}

#[tokio::test]
async fn cellhire_an_unreadable_entry_is_inconclusive_not_not_found() {
    let t = common::setup().await;
    Mock::given(method("GET"))
        .and(path(common::api_path("")))
        .respond_with(common::json(
            200,
            &json!({"total": 1, "totalPages": 1, "data": [
                {"id": 7, "name": "Fleet batch 7", "connectionDate": "2026-05-05T00:00:00",
                 "statusName": "Created"}
            ]}),
        ))
        .mount(&t.server)
        .await;

    let answer = t
        .client
        .reconcile(&cellhire_request("Fleet batch 7", &[101]), attempted_at())
        .await
        .unwrap();

    let Reconciliation::Inconclusive { reason, candidates } = &answer else {
        panic!("expected Inconclusive, got {answer:?}");
    };
    assert_eq!(
        reason,
        "cannot tell whether the submission created a port: an entry could not be read \
         (List Ports page 1 entry 1 could not be read: its id is not a string)"
    );
    assert!(candidates.is_empty());
    assert!(!answer.is_safe_to_resubmit() && answer.is_inconclusive());
}

#[tokio::test]
async fn cellhire_a_listing_that_changes_while_read_is_inconclusive() {
    let t = common::setup().await;
    let entry = |i: u32| {
        json!({"id": format!("00000000-0000-4000-8000-{i:012}"), "name": format!("Other {i}"),
               "connectionDate": "2026-05-05T00:00:00", "statusName": "Created"})
    };
    let page = |total: u32, from: u32, to: u32| json!({"total": total, "totalPages": 2, "data": (from..to).map(entry).collect::<Vec<_>>()});
    for (number, body) in [("1", page(60, 0, 50)), ("2", page(61, 50, 61))] {
        Mock::given(method("GET"))
            .and(path(common::api_path("")))
            .and(wiremock::matchers::header("x-pagenumber", number))
            .respond_with(common::json(200, &body))
            .mount(&t.server)
            .await;
    }

    let answer = t
        .client
        .reconcile(&cellhire_request("Fleet batch 7", &[101]), attempted_at())
        .await
        .unwrap();

    let Reconciliation::Inconclusive { reason, .. } = &answer else {
        panic!("expected Inconclusive, got {answer:?}");
    };
    assert_eq!(
        reason,
        "cannot tell whether the submission created a port: List Ports: the listing changed \
         while it was read (page 1 named 60 ports on 2 pages, page 2 61 on 2); read it again"
    );
}

#[tokio::test]
async fn cellhire_an_invalid_request_is_refused_before_sending() {
    let t = common::setup().await;
    let mut request = cellhire_request("Fleet batch 7", &[101]);
    request.cellhire = None;
    let err = t
        .client
        .reconcile(&request, attempted_at())
        .await
        .unwrap_err();
    assert!(err.is_validation());
    assert!(t.server.received_requests().await.unwrap().is_empty());
}

// -------------------------------------------------------------- iNumbering

fn inumbering(sandbox: &INumberingSandbox) -> INumberingClient {
    INumberingClient::builder()
        .base_url(sandbox.base_url())
        .username(sandbox.username())
        .password(sandbox.password())
        .http_config(HttpConfig::default().with_retry(fast_retries()))
        .build()
        .unwrap()
}

fn nanp(n: &str) -> PhoneNumber {
    PhoneNumber::nanp(n).unwrap()
}

fn us_request(n: &str) -> PortRequest {
    requests::us_request(vec![PortLine::new(nanp(n))])
}

/// The summary holds nothing of a request: the order placed after the
/// attempt is a candidate, never `Found`.
#[tokio::test]
async fn inumbering_names_the_order_placed_after_the_attempt_as_a_candidate() {
    let sandbox = INumberingSandbox::start().await.unwrap();
    let client = inumbering(&sandbox);
    assert!(client.capabilities().reconcile);
    let request = us_request("3125550142");
    let attempted_at = Utc::now();
    let submitted = client.submit(&request).await.unwrap();

    let answer = client.reconcile(&request, attempted_at).await.unwrap();

    let Reconciliation::Inconclusive { reason, candidates } = &answer else {
        panic!("not inconclusive: {answer:?}");
    };
    let ids: Vec<_> = candidates.iter().map(|o| o.id.clone()).collect();
    assert_eq!(ids, [submitted.orders[0].id.clone()]);
    assert!(
        reason.starts_with("the account has 1 order recorded at or after "),
        "{reason}"
    );
    assert!(reason.contains("holds nothing of a request"), "{reason}");
}

/// A portStatus answer with `n` orders recorded one second apart, the
/// newest first, the newest at `newest`.
fn summary_of(n: i64, newest: i64) -> serde_json::Value {
    let entries: Vec<_> = (0..n)
        .map(|i| {
            json!({"id": format!("doc-{i}"), "key": ["1234567890", (newest - i).to_string()],
                "value": {"pid": format!("{i:05}"), "status": "submitted", "foc": "19750715"}})
        })
        .collect();
    json!({"statusCode": "200", "status": "Success", "portStatusSummary": entries})
}

async fn inumbering_mock(body: ResponseTemplate) -> (MockServer, INumberingClient) {
    let server = strict_server().await;
    Mock::given(method("POST"))
        .and(path("/v2.2/account/apikey"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({"status": "success", "data": {"apikey": "k".repeat(32)}})),
        )
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/v2.1/iNumbering/portStatus/"))
        .and(body_partial_json(json!({"apikey": "k".repeat(32)})))
        .respond_with(body)
        .expect(1)
        .mount(&server)
        .await;
    let client = INumberingClient::builder()
        .base_url(server.uri())
        .username(1234567890)
        .password("pw-1234567")
        .http_config(HttpConfig::default().with_retry(fast_retries()))
        .build()
        .unwrap();
    (server, client)
}

/// 150 orders after the attempt: the 100 recorded closest to it are the
/// candidates, oldest first, and the reason says how many there were.
#[tokio::test]
async fn inumbering_names_the_hundred_orders_closest_to_the_attempt() {
    let attempt = attempted_at().timestamp();
    // 150 orders from attempt+149 s down to the attempt, then 50 older
    // than the attempt less the five minutes of skew.
    let mut body = summary_of(150, attempt + 149);
    let older = summary_of(50, attempt - 301);
    body["portStatusSummary"].as_array_mut().unwrap().extend(
        older["portStatusSummary"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| {
                let mut e = e.clone();
                e["value"]["pid"] =
                    json!(format!("O{}", &e["value"]["pid"].as_str().unwrap()[1..]));
                e
            }),
    );
    let (_server, client) = inumbering_mock(ResponseTemplate::new(200).set_body_json(body)).await;

    let answer = client
        .reconcile(&us_request("3125550142"), attempted_at())
        .await
        .unwrap();

    let Reconciliation::Inconclusive { reason, candidates } = answer else {
        panic!("not inconclusive: {answer:?}");
    };
    let ids: Vec<_> = candidates
        .iter()
        .map(|o| o.id.as_str().to_owned())
        .collect();
    // Entry i was recorded at attempt+149-i: the closest are i = 149..=50.
    let want: Vec<_> = (50..150).rev().map(|i| format!("{i:05}")).collect();
    assert_eq!(ids, want);
    assert!(
        reason.starts_with(
            "the account has 150 orders recorded at or after 2026-05-01T08:55:00Z (the attempt \
             less 5 minutes for clock differences)"
        ),
        "{reason}"
    );
    assert!(
        reason.contains("the 100 recorded closest to the attempt are the candidates"),
        "{reason}"
    );
}

/// Every order older than the attempt on a complete answer: `NotFound`.
#[tokio::test]
async fn inumbering_a_complete_answer_with_every_order_older_is_not_found() {
    let body = summary_of(20, attempted_at().timestamp() - 301);
    let (_server, client) = inumbering_mock(ResponseTemplate::new(200).set_body_json(body)).await;
    let answer = client
        .reconcile(&us_request("3125550142"), attempted_at())
        .await
        .unwrap();
    assert_eq!(answer, Reconciliation::NotFound);
}

/// An answer that is not a complete listing is never `NotFound`.
#[tokio::test]
async fn inumbering_an_answer_without_a_complete_listing_is_inconclusive() {
    let complete = summary_of(3, attempted_at().timestamp() - 3600).to_string();
    for body in [
        "{}".to_owned(),
        r#"{"status":"Success"}"#.to_owned(),
        r#"{"message":"maintenance"}"#.to_owned(),
        complete[..complete.len() - 40].to_owned(),
        format!("{complete}, more"),
    ] {
        let (_server, client) = inumbering_mock(
            ResponseTemplate::new(200).set_body_raw(body.clone(), "application/json"),
        )
        .await;
        let answer = client
            .reconcile(&us_request("3125550142"), attempted_at())
            .await
            .unwrap();
        let Reconciliation::Inconclusive { reason, candidates } = &answer else {
            panic!("{body}: {answer:?}");
        };
        assert!(candidates.is_empty(), "{body}: {answer:?}");
        assert!(
            reason.contains("incomplete") && reason.contains("do not resubmit"),
            "{reason}"
        );
    }
}

#[tokio::test]
async fn inumbering_reports_not_found_when_every_order_is_older() {
    let sandbox = INumberingSandbox::start().await.unwrap();
    let client = inumbering(&sandbox);
    let request = us_request("3125550142");
    // An empty account.
    let answer = client.reconcile(&request, Utc::now()).await.unwrap();
    assert_eq!(answer, Reconciliation::NotFound);
    // An order placed well before the attempt.
    client.submit(&us_request("3125550143")).await.unwrap();
    let later = Utc::now() + chrono::TimeDelta::minutes(10);
    let answer = client.reconcile(&request, later).await.unwrap();
    assert_eq!(answer, Reconciliation::NotFound);
}

#[tokio::test]
async fn inumbering_returns_the_listing_error() {
    let sandbox = INumberingSandbox::start().await.unwrap();
    let client = inumbering(&sandbox);
    let request = us_request("3125550142");
    client.submit(&request).await.unwrap();
    sandbox.fail_next(10);

    let err = client.reconcile(&request, Utc::now()).await.unwrap_err();

    assert_eq!(err.status(), Some(503), "{err:?}");
}

// ------------------------------------------- iNumbering, from a baseline

/// A baseline as a store would give it back: the window's start and the
/// ids it holds.
fn baseline_of(since: DateTime<Utc>, ids: &[&str]) -> Baseline {
    serde_json::from_value(json!({"since": since, "orders": ids})).unwrap()
}

/// The orders recorded after the baseline: exactly one is `Found` (by
/// elimination), none is `NotFound`; the plain reconcile cannot tell.
#[tokio::test]
async fn inumbering_reconcile_from_finds_the_one_order_created_after_the_baseline() {
    let sandbox = INumberingSandbox::start().await.unwrap();
    let client = inumbering(&sandbox);
    assert!(client.capabilities().baseline);
    // An order placed before: recent, and in the baseline.
    let earlier = client.submit(&us_request("3125550143")).await.unwrap();
    let baseline = client.baseline().await.unwrap().unwrap();
    assert_eq!(baseline.orders(), [earlier.orders[0].id.clone()]);
    let attempted_at = Utc::now();
    assert_eq!(
        client
            .reconcile_from(attempted_at, &baseline)
            .await
            .unwrap(),
        Reconciliation::NotFound
    );

    let request = us_request("3125550142");
    let submitted = client.submit(&request).await.unwrap();
    let answer = client
        .reconcile_from(attempted_at, &baseline)
        .await
        .unwrap();
    let Reconciliation::Found(orders) = &answer else {
        panic!("not found: {answer:?}");
    };
    let ids: Vec<_> = orders.iter().map(|o| o.id.clone()).collect();
    assert_eq!(ids, [submitted.orders[0].id.clone()]);
    assert!(orders[0].lines.is_empty());
    // Without the baseline both orders are candidates.
    let plain = client.reconcile(&request, attempted_at).await.unwrap();
    assert!(
        plain.is_inconclusive() && plain.orders().len() == 2,
        "{plain:?}"
    );
}

/// A baseline read after the attempt does not cover its window: nothing
/// is read, and the answer cannot tell.
#[tokio::test]
async fn inumbering_reconcile_from_a_baseline_read_after_the_attempt_is_inconclusive_unsent() {
    let sandbox = INumberingSandbox::start().await.unwrap();
    let client = inumbering(&sandbox);
    let baseline = client.baseline().await.unwrap().unwrap();
    assert!(baseline.orders().is_empty());
    let requests = sandbox.requests().len();
    let attempted_at = baseline.since(); // five minutes before the read
    let answer = client
        .reconcile_from(attempted_at, &baseline)
        .await
        .unwrap();
    let Reconciliation::Inconclusive { reason, candidates } = &answer else {
        panic!("{answer:?}");
    };
    assert!(candidates.is_empty());
    assert!(
        reason.contains("it was not read before the attempt"),
        "{reason}"
    );
    assert_eq!(sandbox.requests().len(), requests);
}

#[tokio::test]
async fn inumbering_reconcile_from_two_new_orders_is_inconclusive_naming_both() {
    let attempt = attempted_at().timestamp();
    // 00000 (attempt+10 s), 00001 (+9 s), 00002 (+8 s): 00002 was there
    // before the create.
    let body = summary_of(3, attempt + 10);
    let (_server, client) = inumbering_mock(ResponseTemplate::new(200).set_body_json(body)).await;
    let baseline = baseline_of(attempted_at() - chrono::TimeDelta::minutes(5), &["00002"]);

    let answer = client
        .reconcile_from(attempted_at(), &baseline)
        .await
        .unwrap();

    let Reconciliation::Inconclusive { reason, candidates } = answer else {
        panic!("not inconclusive: {answer:?}");
    };
    let ids: Vec<_> = candidates.iter().map(|o| o.id.as_str()).collect();
    assert_eq!(ids, ["00001", "00000"]);
    assert!(
        reason.starts_with(
            "the account has 2 new orders recorded at or after 2026-05-01T08:55:00Z (the \
             attempt less 5 minutes for clock differences) that the baseline read before the \
             create does not hold"
        ),
        "{reason}"
    );
    assert!(reason.contains("outside numport"), "{reason}");
}

#[tokio::test]
async fn inumbering_reconcile_from_an_entry_without_a_time_is_inconclusive() {
    let attempt = attempted_at().timestamp();
    let mut body = summary_of(1, attempt + 10);
    body["portStatusSummary"]
        .as_array_mut()
        .unwrap()
        .push(json!({"id": "doc-t", "key": ["1234567890"],
            "value": {"pid": "TTTTT", "status": "submitted", "foc": "19750715"}}));
    let (_server, client) = inumbering_mock(ResponseTemplate::new(200).set_body_json(body)).await;
    // The timed order was there before: only the timeless one may be new.
    let baseline = baseline_of(attempted_at() - chrono::TimeDelta::minutes(5), &["00000"]);

    let answer = client
        .reconcile_from(attempted_at(), &baseline)
        .await
        .unwrap();

    let Reconciliation::Inconclusive { reason, candidates } = answer else {
        panic!("not inconclusive: {answer:?}");
    };
    let ids: Vec<_> = candidates.iter().map(|o| o.id.as_str()).collect();
    assert_eq!(ids, ["TTTTT"]);
    assert!(
        reason.starts_with("1 entry without a time may be the order: do not resubmit"),
        "{reason}"
    );
}

#[tokio::test]
async fn inumbering_reconcile_from_an_incomplete_summary_is_inconclusive() {
    let attempt = attempted_at().timestamp();
    // One new order, then the body is cut.
    let complete = summary_of(3, attempt + 10).to_string();
    let cut = complete[..complete.len() - 40].to_owned();
    let (_server, client) =
        inumbering_mock(ResponseTemplate::new(200).set_body_raw(cut, "application/json")).await;
    let baseline = baseline_of(
        attempted_at() - chrono::TimeDelta::minutes(5),
        &["00001", "00002"],
    );

    let answer = client
        .reconcile_from(attempted_at(), &baseline)
        .await
        .unwrap();

    let Reconciliation::Inconclusive { reason, .. } = &answer else {
        panic!("not inconclusive: {answer:?}");
    };
    assert!(
        reason.contains("incomplete") && reason.contains("do not resubmit"),
        "{reason}"
    );
}

/// `n` orders all recorded at `at`.
fn recent_summary(n: usize, at: i64) -> serde_json::Value {
    let entries: Vec<_> = (0..n)
        .map(|i| {
            json!({"id": format!("doc-{i}"), "key": ["1234567890", at.to_string()],
                "value": {"pid": format!("{i:05}"), "status": "submitted", "foc": "19750715"}})
        })
        .collect();
    json!({"statusCode": "200", "status": "Success", "portStatusSummary": entries})
}

#[tokio::test]
async fn inumbering_baseline_holds_up_to_a_thousand_recent_orders_and_none_over() {
    let now = Utc::now().timestamp();
    // 1,000 recent orders and 5 older than the window.
    let mut body = recent_summary(MAX_BASELINE_ORDERS, now);
    let older = recent_summary(5, now - 3600);
    body["portStatusSummary"].as_array_mut().unwrap().extend(
        older["portStatusSummary"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| {
                let mut e = e.clone();
                e["value"]["pid"] = json!(format!("old-{}", e["value"]["pid"].as_str().unwrap()));
                e
            }),
    );
    let (_server, client) = inumbering_mock(ResponseTemplate::new(200).set_body_json(body)).await;
    let baseline = client.baseline().await.unwrap().unwrap();
    assert_eq!(baseline.orders().len(), 1_000);
    assert!(baseline.contains("00999") && !baseline.contains("old-00000"));
    assert!(baseline.since() <= Utc::now() - chrono::TimeDelta::minutes(5));

    let body = recent_summary(MAX_BASELINE_ORDERS + 1, now);
    let (_server, client) = inumbering_mock(ResponseTemplate::new(200).set_body_json(body)).await;
    assert_eq!(client.baseline().await.unwrap(), None);
}

#[tokio::test]
async fn inumbering_baseline_is_none_on_an_entry_it_cannot_place_and_an_error_on_a_failure() {
    let now = Utc::now().timestamp();
    let complete = recent_summary(2, now);
    let mut timeless = complete.clone();
    timeless["portStatusSummary"][1]["key"] = json!(["1234567890"]);
    let mut unnamed = complete.clone();
    unnamed["portStatusSummary"][1] =
        json!({"key": ["1234567890", now.to_string()], "value": {"status": "submitted"}});
    let text = complete.to_string();
    for body in [
        ResponseTemplate::new(200).set_body_json(timeless),
        ResponseTemplate::new(200).set_body_json(unnamed),
        ResponseTemplate::new(200)
            .set_body_raw(text[..text.len() - 40].to_owned(), "application/json"),
        ResponseTemplate::new(200).set_body_raw(r#"{"status":"Success"}"#, "application/json"),
    ] {
        let (_server, client) = inumbering_mock(body).await;
        assert_eq!(client.baseline().await.unwrap(), None);
    }

    let sandbox = INumberingSandbox::start().await.unwrap();
    let client = inumbering(&sandbox);
    sandbox.fail_next(10);
    let err = client.baseline().await.unwrap_err();
    assert_eq!(err.status(), Some(503), "{err:?}");
}

// ----------------------------------------------------------------- Apeiron

fn apeiron(server: &MockServer) -> ApeironClient {
    ApeironClient::builder()
        .base_url(server.uri())
        .username("ops@example.com")
        .api_token("tok-apeiron-0001")
        .http_config(HttpConfig::default().with_retry(fast_retries()))
        .build()
        .unwrap()
}

fn apeiron_request(mdns: &[&str]) -> PortRequest {
    let lines = mdns
        .iter()
        .enumerate()
        .map(|(i, n)| {
            PortLine::new(nanp(n)).with_sim(iccid(&format!("89012601234567{:05}", i + 1)))
        })
        .collect();
    requests::apeiron_request(lines, "90210")
}

#[tokio::test]
async fn apeiron_cannot_reconcile_and_says_so_without_sending() {
    let server = common::server().await;
    let client = apeiron(&server);
    assert!(!client.capabilities().reconcile);
    assert!(!client.capabilities().supports(Operation::Reconcile));
    assert_eq!(Operation::Reconcile.to_string(), "reconcile");

    let err = client
        .reconcile(&apeiron_request(&["2125550134"]), Utc::now())
        .await
        .unwrap_err();

    assert!(
        matches!(
            err,
            Error::Unsupported {
                operation: Operation::Reconcile,
                ..
            }
        ),
        "{err:?}"
    );
    assert!(server.received_requests().await.unwrap().is_empty());
}

async fn on_mdn(server: &MockServer, mdn: &str, answer: ResponseTemplate) {
    Mock::given(method("POST"))
        .and(path("/v2/cellular/port"))
        .and(body_partial_json(json!({ "mdn": mdn })))
        .respond_with(answer)
        .expect(1)
        .mount(server)
        .await;
}

#[tokio::test]
async fn apeiron_keeps_every_order_created_whatever_its_id() {
    let server = common::server().await;
    // An id the crate cannot use (space, slash), a refusal, an id too long,
    // and a usable id.
    on_mdn(
        &server,
        "2125550134",
        ResponseTemplate::new(201).set_body_json(json!({"id": "PO 9/1", "status": "pending"})),
    )
    .await;
    on_mdn(
        &server,
        "2125550135",
        ResponseTemplate::new(400).set_body_json(json!({"detail": "Incorrect PIN"})),
    )
    .await;
    let too_long = "9".repeat(129);
    on_mdn(
        &server,
        "2125550136",
        ResponseTemplate::new(201).set_body_json(json!({"id": too_long})),
    )
    .await;
    on_mdn(
        &server,
        "2125550137",
        ResponseTemplate::new(201).set_body_json(json!({"id": 50007})),
    )
    .await;
    let client = apeiron(&server);

    let submission = client
        .submit(&apeiron_request(&[
            "2125550134",
            "2125550135",
            "2125550136",
            "2125550137",
        ]))
        .await
        .unwrap();

    let ids: Vec<&str> = submission.orders.iter().map(|o| o.id.as_str()).collect();
    assert_eq!(ids, ["mdn:2125550134", "mdn:2125550136", "50007"]);
    assert_eq!(submission.orders[0].raw["id"], "PO 9/1");
    assert_eq!(submission.orders[1].raw["id"], json!(too_long));
    assert_eq!(submission.failures.len(), 1);
    assert_eq!(submission.failures[0].number, nanp("2125550135"));
    assert_eq!(submission.failures[0].status, Some(400));
    server.verify().await;
}

#[tokio::test]
async fn apeiron_an_unknown_outcome_wins_over_a_refusal_when_nothing_was_created() {
    let server = common::server().await;
    on_mdn(
        &server,
        "2125550134",
        ResponseTemplate::new(400).set_body_json(json!({"detail": "Incorrect PIN"})),
    )
    .await;
    on_mdn(
        &server,
        "2125550135",
        ResponseTemplate::new(502).set_body_string("bad gateway"),
    )
    .await;
    let client = apeiron(&server);

    let err = client
        .submit(&apeiron_request(&["2125550134", "2125550135"]))
        .await
        .unwrap_err();

    assert!(err.is_outcome_unknown(), "{err:?}");
    assert!(!err.is_never_sent());
    server.verify().await;
}
