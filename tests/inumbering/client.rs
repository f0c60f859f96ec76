//! The iNumbering adapter against a mock server: exact bodies per call, the
//! key exchanged once, the pre-check and its one-hour memory, 412 recovery,
//! not-portable refusal, failures inside a 200, redaction.

use std::sync::Arc;
use std::time::Duration;

use chrono::NaiveDate;
use futures::{StreamExt, TryStreamExt};
use numport::carrier::inumbering::{INumberingClient, INumberingOptions, NameType, PinUpdate};
use numport::clock::{Clock, ManualClock};
use numport::http::HttpConfig;
use numport::{
    AccountNumber, Error, PhoneNumber, Pin, PortId, PortLine, PortProvider, PortRequest,
    PortStatus, RejectReason,
};
use serde_json::{Value, json};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

use crate::support::clients;
use crate::support::mock::strict_server;
use crate::support::requests::maria_lopez_suite;

const KEY: &str = "dec759ed81963fd9a4b8a9c8f3e22b1a";
const USER: u64 = 1234567890;
const PASSWORD: &str = "abc1234567";

struct Setup {
    server: MockServer,
    client: INumberingClient,
    clock: Arc<ManualClock>,
}

async fn setup(admin: bool) -> Setup {
    let server = strict_server().await;
    Mock::given(method("POST"))
        .and(path("/v2.2/account/apikey"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({"status": "success", "data": {"apikey": KEY}})),
        )
        .mount(&server)
        .await;
    let clock = Arc::new(ManualClock::new("2026-05-01T09:00:00Z".parse().unwrap()));
    let client = clients::inumbering(
        &server.uri(),
        USER,
        PASSWORD,
        admin,
        HttpConfig::default()
            .with_clock(clock.clone())
            .with_retry(clients::two_attempts()),
    );
    Setup {
        server,
        client,
        clock,
    }
}

async fn on(server: &MockServer, at: &str, status: u16, body: Value) {
    Mock::given(method("POST"))
        .and(path(at))
        .respond_with(ResponseTemplate::new(status).set_body_json(body))
        .mount(server)
        .await;
}

/// `(path, authorization header, JSON body)` of every request.
async fn seen(server: &MockServer) -> Vec<(String, Option<String>, Value)> {
    server
        .received_requests()
        .await
        .unwrap()
        .iter()
        .map(|r: &Request| {
            assert_eq!(r.method.as_str(), "POST");
            assert_eq!(r.headers.get("user-agent").unwrap(), "numport/0.1.0");
            (
                r.url.path().to_owned(),
                r.headers
                    .get("authorization")
                    .map(|v| v.to_str().unwrap().to_owned()),
                serde_json::from_slice(&r.body).unwrap_or(Value::Null),
            )
        })
        .collect()
}

fn paths(seen: &[(String, Option<String>, Value)]) -> Vec<&str> {
    seen.iter().map(|(p, _, _)| p.as_str()).collect()
}

/// A portStatus answer with no orders.
fn empty_summary() -> Value {
    json!({"statusCode": "200", "status": "Success", "portStatusSummary": []})
}

/// A customer client on `server` with default HTTP settings.
fn plain_client(server: &MockServer) -> INumberingClient {
    INumberingClient::builder()
        .base_url(server.uri())
        .username(USER)
        .password(PASSWORD)
        .build()
        .unwrap()
}

fn bearer() -> Option<String> {
    Some(format!("Bearer {KEY}"))
}

fn exchange_body() -> Value {
    json!({"username": USER, "password": PASSWORD})
}

fn available(numbers: &[(&str, Option<&str>)]) -> Value {
    let items: Vec<Value> = numbers
        .iter()
        .map(|(tn, reason)| match reason {
            None => json!({"serviceProviderName": "Verizon", "telephoneNumber": tn, "isPortable": "true"}),
            Some(r) => json!({"serviceProviderName": "Verizon", "telephoneNumber": tn, "isPortable": "false", "notPortableReason": r}),
        })
        .collect();
    json!({"status": "Success", "serviceAvailable": items, "statusCode": "200"})
}

/// Mounts a portability answer: `tn` is portable.
async fn portable(server: &MockServer, tn: &str) {
    on(
        server,
        "/v2/iNumbering/portInAvailability/",
        200,
        available(&[(tn, None)]),
    )
    .await;
}

fn number(n: &str) -> PhoneNumber {
    PhoneNumber::nanp(n).unwrap()
}

fn request(numbers: &[&str]) -> PortRequest {
    PortRequest::new(numbers.iter().map(|n| PortLine::new(number(n))).collect())
        .with_subscriber(maria_lopez_suite())
        .with_authorization_name("Maria Lopez")
        .with_losing_account(
            AccountNumber::new("5512098734").unwrap(),
            Pin::new("7731").unwrap(),
        )
        .with_desired_date(NaiveDate::from_ymd_opt(2026, 5, 15).unwrap())
}

fn created() -> Value {
    json!({"status": "success", "data": {"pid": "A1B2C", "ticket": 88001,
        "loa_url": "https://x.invalid/loa", "port_url": "https://x.invalid/port", "message": "ok"}})
}

#[tokio::test]
async fn the_key_is_exchanged_once_for_twenty_calls() {
    let t = setup(false).await;
    on(
        &t.server,
        "/v2.1/iNumbering/portStatus/",
        200,
        empty_summary(),
    )
    .await;
    let clones: Vec<_> = (0..4).map(|_| t.client.clone()).collect();
    for i in 0..20 {
        clones[i % 4].port_status().await.unwrap();
    }
    let seen = seen(&t.server).await;
    assert_eq!(seen.len(), 21);
    assert_eq!(
        seen[0],
        ("/v2.2/account/apikey".into(), None, exchange_body())
    );
    for s in &seen[1..] {
        assert_eq!(
            s,
            &(
                "/v2.1/iNumbering/portStatus/".into(),
                bearer(),
                json!({"apikey": KEY})
            )
        );
    }
    assert_eq!(t.client.exchanges(), 1);
}

#[tokio::test]
async fn a_401_exchanges_the_key_again_once() {
    let t = setup(false).await;
    Mock::given(method("POST"))
        .and(path("/v2.1/iNumbering/portStatus/"))
        .respond_with(ResponseTemplate::new(401).set_body_json(
            json!({"status": "Error", "statusCode": "401", "message": "Invalid API key"}),
        ))
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&t.server)
        .await;
    on(
        &t.server,
        "/v2.1/iNumbering/portStatus/",
        200,
        empty_summary(),
    )
    .await;
    t.client.port_status().await.unwrap();
    assert_eq!(
        paths(&seen(&t.server).await),
        [
            "/v2.2/account/apikey",
            "/v2.1/iNumbering/portStatus/",
            "/v2.2/account/apikey",
            "/v2.1/iNumbering/portStatus/"
        ]
    );

    // A second 401 in a row is an error, after one more exchange only.
    let t = setup(false).await;
    on(
        &t.server,
        "/v2.1/iNumbering/portStatus/",
        401,
        json!({"status": "Error", "statusCode": "401", "message": "Invalid API key"}),
    )
    .await;
    let err = t.client.port_status().await.unwrap_err();
    assert!(err.is_auth(), "{err:?}");
    assert_eq!(err.carrier_message(), Some("Invalid API key"));
    assert_eq!(t.client.exchanges(), 2);
}

#[tokio::test]
async fn check_portability_sends_integers_and_reads_strings() {
    let t = setup(false).await;
    on(
        &t.server,
        "/v2/iNumbering/portInAvailability/",
        200,
        available(&[
            ("3125550142", None),
            ("3125550000", Some("Number is not active")),
        ]),
    )
    .await;
    let result = t
        .client
        .check_portability(&[number("3125550142"), number("3125550000")])
        .await
        .unwrap();
    assert_eq!(result.len(), 2);
    assert!(result[0].portable && result[0].reason.is_none());
    assert!(!result[1].portable);
    assert_eq!(result[1].reason.as_deref(), Some("Number is not active"));
    let seen = seen(&t.server).await;
    assert_eq!(
        seen[1],
        (
            "/v2/iNumbering/portInAvailability/".into(),
            bearer(),
            json!({"apikey": KEY, "tnList": {"tnItem": [{"tn": 3125550142u64}, {"tn": 3125550000u64}]}})
        )
    );
}

fn account_port_body() -> Value {
    json!({
        "did": ["3125550142", "3125550143"],
        "name": "Maria Lopez",
        "name_type": "residential",
        "lc_btn": "3125550142",
        "lc_account_number": "5512098734",
        "pin": "7731",
        "StreetNumber": "233",
        "StreetPrefix": "S",
        "Street": "Wacker",
        "StreetType": "DR",
        "StreetSuffix": "",
        "UnitValue": "STE 4700",
        "City": "Chicago",
        "State": "IL",
        "zip": "60606",
        "Country": "US",
        "auth_person": "Maria Lopez",
        "desired_due_date": "2026-05-15",
        "features": [
            {"number": "3125550142", "routing": {"gateway_id": 12}, "lidb": {"name": "MARIA LOPEZ"}, "sms": {"campaign_id": "C123456"}},
            {"number": "3125550143", "routing": {"gateway_id": 12}, "lidb": {"name": "MARIA LOPEZ"}, "sms": {"campaign_id": "C123456"}}
        ]
    })
}

#[tokio::test]
async fn a_customer_order_goes_straight_to_account_port() {
    // The check is mandatory before portInOrder only: a customer order is
    // not held back by it (the catch-all answers 599 if it were called).
    let t = setup(false).await;
    on(&t.server, "/v2.2/account/port", 201, created()).await;
    let req = request(&["3125550142", "3125550143"]).with_inumbering(
        INumberingOptions::new()
            .with_lidb_name("MARIA LOPEZ")
            .with_gateway_id(12)
            .with_sms_campaign_id("C123456"),
    );

    let submission = t.client.submit(&req).await.unwrap();

    let seen = seen(&t.server).await;
    assert_eq!(paths(&seen), ["/v2.2/account/apikey", "/v2.2/account/port"]);
    assert_eq!(
        seen[1],
        ("/v2.2/account/port".into(), bearer(), account_port_body())
    );
    assert_eq!(submission.orders.len(), 1);
    assert_eq!(submission.orders[0].id, PortId::new("A1B2C").unwrap());
    assert_eq!(
        submission.orders[0].numbers,
        [number("3125550142"), number("3125550143")]
    );
    assert_eq!(submission.orders[0].raw, created());
}

#[tokio::test]
async fn a_check_is_remembered_for_an_hour() {
    let t = setup(false).await;
    portable(&t.server, "3125550142").await;
    on(&t.server, "/v2.2/account/port", 201, created()).await;
    let req = request(&["3125550142"])
        .with_inumbering(INumberingOptions::new().with_portability_check(true));
    t.client.submit(&req).await.unwrap();
    t.clock.advance(chrono::Duration::minutes(59));
    t.client.submit(&req).await.unwrap();
    t.clock.advance(chrono::Duration::minutes(2));
    t.client.submit(&req).await.unwrap();
    assert_eq!(
        paths(&seen(&t.server).await),
        [
            "/v2.2/account/apikey",
            "/v2/iNumbering/portInAvailability/",
            "/v2.2/account/port",
            "/v2.2/account/port",
            "/v2/iNumbering/portInAvailability/",
            "/v2.2/account/port"
        ]
    );
}

#[tokio::test]
async fn a_412_on_an_admin_order_triggers_one_fresh_check_and_one_more_order() {
    let t = setup(true).await;
    portable(&t.server, "3125550142").await;
    Mock::given(method("POST"))
        .and(path("/v2/iNumbering/portInOrder/"))
        .respond_with(ResponseTemplate::new(412).set_body_json(json!({"message": "Please verify portability with portInAvailability API on all submitted tnItem(s)", "status": "Error", "statusCode": "412"})))
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&t.server)
        .await;
    on(
        &t.server,
        "/v2/iNumbering/portInOrder/",
        200,
        json!({"status": "Success", "orderId": 102644, "statusCode": "200"}),
    )
    .await;
    on(
        &t.server,
        "/v2.1/iNumbering/portStatus/",
        200,
        empty_summary(),
    )
    .await;
    let submission = t.client.submit(&request(&["3125550142"])).await.unwrap();
    // No status record yet: the orderId, linked on a later status read.
    assert_eq!(submission.orders[0].id.as_str(), "102644");
    assert_eq!(
        paths(&seen(&t.server).await),
        [
            "/v2.2/account/apikey",
            "/v2/iNumbering/portInAvailability/",
            "/v2/iNumbering/portInOrder/",
            "/v2/iNumbering/portInAvailability/",
            "/v2/iNumbering/portInOrder/",
            "/v2.1/iNumbering/portStatus/"
        ]
    );

    // A second 412 is the caller's: no third attempt.
    let t = setup(true).await;
    portable(&t.server, "3125550142").await;
    on(
        &t.server,
        "/v2/iNumbering/portInOrder/",
        412,
        json!({"message": "verify", "status": "Error", "statusCode": "412"}),
    )
    .await;
    let err = t
        .client
        .submit(&request(&["3125550142"]))
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Precondition { .. }), "{err:?}");
    assert_eq!(seen(&t.server).await.len(), 5);
}

#[tokio::test]
async fn a_customer_check_the_carrier_does_not_offer_never_stops_the_order() {
    let t = setup(false).await;
    on(
        &t.server,
        "/v2/iNumbering/portInAvailability/",
        414,
        json!({"status": "Error", "statusCode": "414", "message": "Wireless not allowed for Customer"}),
    )
    .await;
    on(&t.server, "/v2.2/account/port", 201, created()).await;
    let req = request(&["3125550142"])
        .with_inumbering(INumberingOptions::new().with_portability_check(true));

    let submission = t.client.submit(&req).await.unwrap();
    assert_eq!(submission.orders[0].id.as_str(), "A1B2C");
    assert_eq!(
        paths(&seen(&t.server).await),
        [
            "/v2.2/account/apikey",
            "/v2/iNumbering/portInAvailability/",
            "/v2.2/account/port"
        ]
    );

    // Asked directly, the 414 is its own typed outcome, not invalid fields.
    let err = t
        .client
        .check_portability(&[number("3125550142")])
        .await
        .unwrap_err();
    assert_eq!(err.reject_reason(), Some(RejectReason::CheckUnavailable));
    assert_eq!(
        err.carrier_message(),
        Some("Wireless not allowed for Customer")
    );
}

#[tokio::test]
async fn a_number_not_portable_stops_the_submission_before_any_order() {
    let t = setup(false).await;
    on(
        &t.server,
        "/v2/iNumbering/portInAvailability/",
        200,
        available(&[
            ("3125550142", None),
            ("3125550000", Some("Number is not active")),
        ]),
    )
    .await;
    let err = t
        .client
        .submit(
            &request(&["3125550142", "3125550000"])
                .with_inumbering(INumberingOptions::new().with_portability_check(true)),
        )
        .await
        .unwrap_err();
    assert_eq!(err.reject_reason(), Some(RejectReason::NotPortable));
    assert_eq!(
        err.carrier_message(),
        Some("+13125550000 is not portable: Number is not active")
    );
    assert_eq!(err.field_errors()[0].field, "lines[1].number");
    assert_eq!(
        paths(&seen(&t.server).await),
        ["/v2.2/account/apikey", "/v2/iNumbering/portInAvailability/"]
    );
}

#[tokio::test]
async fn a_failure_inside_a_200_body_is_a_failure() {
    let t = setup(false).await;
    on(
        &t.server,
        "/v2.1/iNumbering/portStatus/",
        200,
        json!({"exception": "storage unavailable", "status": "Error", "statusCode": "409"}),
    )
    .await;
    let err = t.client.port_status().await.unwrap_err();
    assert_eq!(err.status(), Some(409));
    assert_eq!(err.carrier_message(), Some("storage unavailable"));

    let t = setup(false).await;
    portable(&t.server, "3125550142").await;
    on(
        &t.server,
        "/v2.2/account/port",
        200,
        json!({"status": "error", "error": {"code": 402, "message": "Insufficient balance"}}),
    )
    .await;
    let err = t
        .client
        .submit(&request(&["3125550142"]))
        .await
        .unwrap_err();
    assert_eq!(err.reject_reason(), Some(RejectReason::InsufficientBalance));
    assert_eq!(err.carrier_message(), Some("Insufficient balance"));
}

#[tokio::test]
async fn an_admin_client_orders_through_port_in_order() {
    let t = setup(true).await;
    portable(&t.server, "3125550142").await;
    // After portInOrder the client reads the status summary to link the
    // order; here the summary cannot be read (the order keeps its id).
    Mock::given(method("POST"))
        .and(path("/v2.1/iNumbering/portStatus/"))
        .respond_with(ResponseTemplate::new(599).set_body_string("summary unavailable"))
        .named("status summary, unreadable")
        .mount(&t.server)
        .await;
    on(
        &t.server,
        "/v2/iNumbering/portInOrder/",
        200,
        json!({"status": "Success", "orderId": 102644, "statusCode": "200"}),
    )
    .await;
    let req = request(&["3125550142"]).with_inumbering(
        INumberingOptions::new()
            .with_name_type(NameType::Business)
            .with_lidb_name("LOPEZ LOGISTICS")
            .with_billing_number(number("3125550100")),
    );
    let mut req = req;
    req.subscriber.as_mut().unwrap().business_name = Some("Lopez Logistics".into());

    let submission = t.client.submit(&req).await.unwrap();

    assert_eq!(submission.orders[0].id.as_str(), "102644");
    let seen = seen(&t.server).await;
    assert_eq!(
        seen[2],
        (
            "/v2/iNumbering/portInOrder/".into(),
            bearer(),
            json!({"apikey": KEY, "portInOrder": {
                "desiredDueDate": "2026-05-15",
                "tnList": {"tnItem": [{
                    "tn": "3125550142",
                    "atn": "3125550100",
                    "accountNum": "5512098734",
                    "accountPin": "7731",
                    "authName": "Maria Lopez",
                    "endUser": {
                        "name": "Lopez Logistics",
                        "streetNum": "233",
                        "streetPreDir": "S",
                        "streetName": "Wacker",
                        "streetType": "DR",
                        "locationType1": "STE",
                        "locationValue1": "4700",
                        "city": "Chicago",
                        "state": "IL",
                        "postalCode": "60606",
                        "typeOfService": "B"
                    },
                    "tnFeature": {"callerId": {"callingName": "LOPEZ LOGISTICS"}}
                }]}
            }})
        )
    );
}

#[tokio::test]
async fn a_customer_refused_admin_access_gets_a_typed_error() {
    let t = setup(true).await;
    portable(&t.server, "3125550142").await;
    on(
        &t.server,
        "/v2/iNumbering/portInOrder/",
        403,
        json!({"status": "Error", "statusCode": "403", "message": "Forbidden"}),
    )
    .await;
    let err = t
        .client
        .submit(&request(&["3125550142"]))
        .await
        .unwrap_err();
    assert!(err.is_auth());
    assert_eq!(err.status(), Some(403));
}

fn status_summary() -> Value {
    json!({"statusCode": "200", "status": "Success", "portStatusSummary": [
        {"id": "doc-2", "key": ["1234567890", "1777700000"], "value": {"pid": "B2C3D", "status": "Pending",
            "message": "FOC 2026-05-20", "foc": "20260520", "notify": "1", "url": "https://x.invalid/t/2", "pin": "4821"}},
        {"id": "doc-1", "key": ["1234567890", "1777600000"], "value": {"pid": "A1B2C", "status": "Validating",
            "message": "Validating", "foc": "19750715", "notify": "0", "url": "https://x.invalid/t/1", "pin": "1234"}},
        {"id": "doc-0", "key": ["1234567890", "1777500000"], "value": {"pid": "Z9Y8X", "status": "Completed", "foc": "20260401", "extra": true}}
    ]})
}

#[tokio::test]
async fn status_reads_foc_notify_and_keeps_the_pin_secret() {
    let t = setup(false).await;
    on(
        &t.server,
        "/v2.1/iNumbering/portStatus/",
        200,
        status_summary(),
    )
    .await;
    let entries = t.client.port_status().await.unwrap();
    assert_eq!(entries.len(), 3);
    assert_eq!(entries[0].foc, NaiveDate::from_ymd_opt(2026, 5, 20));
    assert!(entries[0].notify);
    assert_eq!(entries[1].foc, None);
    assert!(!entries[1].notify);
    assert_eq!(entries[1].url.as_deref(), Some("https://x.invalid/t/1"));
    assert_eq!(entries[0].timestamp, Some(1777700000));
    let debug = format!("{:?}", entries[0]);
    assert!(
        debug.contains("Pin([REDACTED])") && !debug.contains("4821"),
        "{debug}"
    );

    let order = t
        .client
        .order(&PortId::new("B2C3D").unwrap())
        .await
        .unwrap();
    assert_eq!(order.status, PortStatus::Scheduled);
    assert_eq!(order.port_date, NaiveDate::from_ymd_opt(2026, 5, 20));
    let by_doc = t
        .client
        .order(&PortId::new("doc-1").unwrap())
        .await
        .unwrap();
    assert_eq!(by_doc.status, PortStatus::Submitted);
    let missing = t
        .client
        .order(&PortId::new("NOPE1").unwrap())
        .await
        .unwrap_err();
    assert!(missing.is_not_found());

    let all: Vec<_> = t.client.orders().try_collect().await.unwrap();
    let statuses: Vec<_> = all.iter().map(|s| (s.id.as_str(), s.status)).collect();
    assert_eq!(
        statuses,
        [
            ("B2C3D", PortStatus::Scheduled),
            ("A1B2C", PortStatus::Submitted),
            ("Z9Y8X", PortStatus::Complete)
        ]
    );
}

#[tokio::test]
async fn pins_are_set_or_generated_and_only_the_accounts_come_back() {
    let t = setup(false).await;
    on(&t.server, "/v2/iNumbering/portOutPinUpdate/", 200, json!({"statusCode": "200",
        "portOutPin": {"tnList": {"tnItem": [{"tn": 3125550101u64, "portOutPin": "4826"}, {"tn": 3125550102u64, "portOutPin": "5931"}]}},
        "status": "Success"})).await;
    let assigned = t
        .client
        .port_out_pin_update(&[
            PinUpdate::set(number("3125550101"), Pin::new("4826").unwrap()),
            PinUpdate::generate(number("3125550102")),
            PinUpdate::generate(number("3125559999")),
        ])
        .await
        .unwrap();
    let got: Vec<_> = assigned
        .iter()
        .map(|a| (a.number.clone(), a.pin.expose().to_owned()))
        .collect();
    assert_eq!(
        got,
        [
            (number("3125550101"), "4826".to_owned()),
            (number("3125550102"), "5931".to_owned())
        ]
    );
    let seen = seen(&t.server).await;
    assert_eq!(
        seen[1].2,
        json!({"apikey": KEY, "portOutPin": {"tnList": {"tnItem": [
            {"tn": 3125550101u64, "portOutPin": "4826"},
            {"tn": 3125550102u64},
            {"tn": 3125559999u64}
        ]}}})
    );
}

#[tokio::test]
async fn bad_input_is_refused_before_anything_is_sent() {
    let t = setup(false).await;
    let mut uk = request(&["3125550142"]);
    uk.lines
        .push(PortLine::new(PhoneNumber::parse("+447700900123").unwrap()));
    let long = request(&["3125550142"])
        .with_inumbering(INumberingOptions::new().with_lidb_name("A NAME OF SIXTEEN"));
    let mut no_account = request(&["3125550142"]);
    no_account.account_number = None;
    no_account
        .subscriber
        .as_mut()
        .unwrap()
        .address
        .as_mut()
        .unwrap()
        .line1 = "PO Box 7".into();
    let cases: [(PortRequest, &[&str]); 3] = [
        (uk, &["lines[1].number"]),
        (long, &["inumbering.lidb_name"]),
        (no_account, &["account_number", "subscriber.address.line1"]),
    ];
    for (req, fields) in cases {
        let err = t.client.submit(&req).await.unwrap_err();
        let got: Vec<_> = err
            .field_errors()
            .iter()
            .map(|f| f.field.as_str())
            .collect();
        assert_eq!(got, fields);
    }
    let admin = setup(true).await;
    let mut undated = request(&["3125550142"]);
    undated.desired_date = None;
    let err = admin.client.submit(&undated).await.unwrap_err();
    assert_eq!(err.field_errors()[0].field, "desired_date");
    let bad_pin = t
        .client
        .port_out_pin_update(&[PinUpdate::set(
            number("3125550101"),
            Pin::new("12345").unwrap(),
        )])
        .await
        .unwrap_err();
    assert_eq!(
        bad_pin.field_errors()[0].field,
        "tnList.tnItem[0].portOutPin"
    );
    assert!(seen(&t.server).await.is_empty());
    assert!(seen(&admin.server).await.is_empty());
}

#[test]
fn secrets_never_reach_debug_output() {
    let client = INumberingClient::builder()
        .username(USER)
        .password(PASSWORD)
        .build()
        .unwrap();
    assert_eq!(
        format!("{client:?}"),
        "INumberingClient { base_url: BaseUrl(https://api.voicetel.com/), keys: KeySource { username: 1234567890, password: Credential([REDACTED]), exchanges: 0 }, admin: false }"
    );
}

#[tokio::test]
async fn port_out_pins_and_the_key_echoed_in_an_error_are_redacted() {
    let t = setup(false).await;
    on(
        &t.server,
        "/v2/iNumbering/portOutPinUpdate/",
        400,
        json!({"status": "Error", "statusCode": "400",
            "message": format!("PIN 4826 refused for key {}", KEY.to_uppercase())}),
    )
    .await;
    let err = t
        .client
        .port_out_pin_update(&[PinUpdate::set(
            number("3125550101"),
            Pin::new("4826").unwrap(),
        )])
        .await
        .unwrap_err();
    let shown = format!("{err} {err:?}");
    assert!(!shown.contains("4826"), "{shown}");
    assert!(!shown.to_lowercase().contains(KEY), "{shown}");
    assert_eq!(
        err.carrier_message(),
        Some("PIN [REDACTED] refused for key [REDACTED]")
    );
}

#[tokio::test]
async fn a_key_exchange_that_echoes_the_password_is_redacted() {
    let server = strict_server().await;
    Mock::given(method("POST"))
        .and(path("/v2.2/account/apikey"))
        .respond_with(ResponseTemplate::new(401).set_body_json(
            json!({"status": "error", "error": {"code": 401, "message": format!("bad password {PASSWORD}")}}),
        ))
        .expect(1)
        .mount(&server)
        .await;
    let client = plain_client(&server);
    let err = client.port_status().await.unwrap_err();
    assert!(err.is_auth(), "{err:?}");
    assert_eq!(err.carrier_message(), Some("bad password [REDACTED]"));
}

#[tokio::test]
async fn an_account_port_answer_echoing_the_request_is_kept_without_its_secrets() {
    let t = setup(false).await;
    portable(&t.server, "3125550142").await;
    let mut answer = created();
    answer["data"]["echo"] = json!({"account_number": "5512098734", "pin": "7731"});
    on(&t.server, "/v2.2/account/port", 200, answer).await;
    let submission = t.client.submit(&request(&["3125550142"])).await.unwrap();
    let raw = serde_json::to_string(&submission.orders[0].raw).unwrap();
    assert!(
        !raw.contains("5512098734") && !raw.contains("7731"),
        "{raw}"
    );
    assert!(raw.contains("A1B2C"), "{raw}");
}

#[tokio::test]
async fn a_rate_limited_key_exchange_is_not_tried_again_until_its_retry_after() {
    let server = strict_server().await;
    Mock::given(method("POST"))
        .and(path("/v2.2/account/apikey"))
        .respond_with(
            ResponseTemplate::new(429)
                .insert_header("Retry-After", "1")
                .set_body_json(json!({"status": "error", "error": {"code": 429, "message": "Too many requests"}})),
        )
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/v2.2/account/apikey"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({"status": "success", "data": {"apikey": KEY}})),
        )
        .mount(&server)
        .await;
    on(
        &server,
        "/v2.1/iNumbering/portStatus/",
        200,
        empty_summary(),
    )
    .await;
    let client = plain_client(&server);

    let first = client.port_status().await.unwrap_err();
    assert!(first.is_rate_limited(), "{first:?}");
    // Held locally: the second call sends nothing and says how long.
    let second = client.port_status().await.unwrap_err();
    assert!(second.is_rate_limited(), "{second:?}");
    assert!(second.retry_after().unwrap() <= Duration::from_secs(1));
    assert!(second.to_string().contains("nothing was sent"), "{second}");
    assert_eq!(client.exchanges(), 1);
    assert_eq!(paths(&seen(&server).await), ["/v2.2/account/apikey"]);

    tokio::time::sleep(Duration::from_millis(1100)).await;
    client.port_status().await.unwrap();
    assert_eq!(client.exchanges(), 2);
    assert_eq!(
        paths(&seen(&server).await),
        [
            "/v2.2/account/apikey",
            "/v2.2/account/apikey",
            "/v2.1/iNumbering/portStatus/"
        ]
    );
}

#[tokio::test]
async fn a_saved_key_is_used_without_an_exchange_and_can_be_read_back() {
    let server = strict_server().await;
    on(
        &server,
        "/v2.1/iNumbering/portStatus/",
        200,
        empty_summary(),
    )
    .await;
    let client = INumberingClient::builder()
        .base_url(server.uri())
        .username(USER)
        .password(PASSWORD)
        .api_key(KEY)
        .build()
        .unwrap();
    assert!(!format!("{client:?}").contains(KEY));
    client.port_status().await.unwrap();
    assert_eq!(client.exchanges(), 0);
    assert_eq!(
        client
            .api_key()
            .await
            .map(|k| k.expose().to_owned())
            .as_deref(),
        Some(KEY)
    );
    let seen = seen(&server).await;
    assert_eq!(paths(&seen), ["/v2.1/iNumbering/portStatus/"]);
    assert_eq!(seen[0].1, bearer());
}

/// Mounts `body`, raw, as every portStatus answer.
async fn status_body(server: &MockServer, status: u16, body: impl Into<Vec<u8>>) {
    Mock::given(method("POST"))
        .and(path("/v2.1/iNumbering/portStatus/"))
        .respond_with(ResponseTemplate::new(status).set_body_raw(body.into(), "application/json"))
        .mount(server)
        .await;
}

/// The requests seen are one key exchange, then `n` portStatus requests,
/// each carrying the key as Bearer token and exactly `{"apikey": KEY}`.
async fn one_exchange_then_status_requests(server: &MockServer, n: usize) {
    let seen = seen(server).await;
    let mut want = vec![("/v2.2/account/apikey".to_owned(), None, exchange_body())];
    for _ in 0..n {
        want.push((
            "/v2.1/iNumbering/portStatus/".to_owned(),
            bearer(),
            json!({"apikey": KEY}),
        ));
    }
    assert_eq!(seen, want);
}

fn status_entry(pid: &str, at: u64) -> Value {
    json!({"id": format!("doc-{pid}"), "key": ["1234567890", at.to_string()],
        "value": {"pid": pid, "status": "Pending", "foc": "19750715", "pin": "4821"}})
}

/// An answer read whole but without a complete listing: `orders()` yields
/// what it could read and ends with `Incomplete`; `order` of an id not in
/// it is `Incomplete`, never `NotFound`; `reconcile` is `Inconclusive`,
/// never `NotFound`. One request each.
#[tokio::test]
async fn an_answer_without_a_complete_listing_is_never_an_absence() {
    let old = status_entry("A1B2C", 1_777_500_000).to_string();
    let prefix = format!(r#"{{"statusCode":"200","status":"Success","portStatusSummary":[{old}"#);
    let cases: Vec<(&str, String, usize)> = vec![
        ("200 {}", "{}".into(), 0),
        ("status Success only", r#"{"status":"Success"}"#.into(), 0),
        ("maintenance", r#"{"message":"maintenance"}"#.into(), 0),
        (
            "cut inside an entry",
            format!(r#"{prefix},{{"id":"doc-B"#),
            1,
        ),
        ("cut after an entry", format!("{prefix},"), 1),
        ("trailing garbage", format!("{prefix}]}} garbage"), 1),
    ];
    for (name, body, entries) in cases {
        let t = setup(false).await;
        status_body(&t.server, 200, body).await;

        let all: Vec<_> = t.client.orders().collect().await;
        assert_eq!(all.len(), entries + 1, "{name}");
        assert!(all[..entries].iter().all(Result::is_ok), "{name}: {all:?}");
        let last = all.last().unwrap().as_ref().unwrap_err();
        assert!(last.is_incomplete(), "{name}: {last:?}");
        assert_eq!(last.status(), None, "{name}");

        let missing = t
            .client
            .order(&PortId::new("NOPE1").unwrap())
            .await
            .unwrap_err();
        assert!(
            missing.is_incomplete() && !missing.is_not_found(),
            "{name}: {missing:?}"
        );

        let answer = t
            .client
            .reconcile(&request(&["3125550142"]), t.clock.now())
            .await
            .unwrap();
        assert!(answer.is_inconclusive(), "{name}: {answer:?}");
        assert!(!answer.is_safe_to_resubmit());

        one_exchange_then_status_requests(&t.server, 3).await;
    }
}

/// A failure inside a 200 is classified as `port_status()` classifies it,
/// wherever it is read from, and retried the same way (the 409 storage
/// error is transient: twice, with this client's two attempts).
#[tokio::test]
async fn a_failure_inside_a_200_is_the_same_failure_on_every_reading() {
    let body = json!({"exception": "storage unavailable", "status": "Error", "statusCode": "409"});
    let t = setup(false).await;
    on(&t.server, "/v2.1/iNumbering/portStatus/", 200, body.clone()).await;
    let whole = t.client.port_status().await.unwrap_err();
    assert!(matches!(
        whole,
        Error::CarrierUnavailable { status: 409, ref message, .. } if message == "storage unavailable"
    ));

    let all: Vec<_> = t.client.orders().collect().await;
    assert_eq!(all.len(), 1);
    let listed = all[0].as_ref().unwrap_err();
    let found = t
        .client
        .order(&PortId::new("A1B2C").unwrap())
        .await
        .unwrap_err();
    let reconciled = t
        .client
        .reconcile(&request(&["3125550142"]), t.clock.now())
        .await
        .unwrap_err();
    for e in [listed, &found, &reconciled] {
        assert_eq!(format!("{e:?}"), format!("{whole:?}"));
    }
    one_exchange_then_status_requests(&t.server, 8).await;

    // After the listing, once entries were read: yielded last, not retried.
    let t = setup(false).await;
    let entry = status_entry("A1B2C", 1_777_500_000);
    status_body(
        &t.server,
        200,
        format!(
            r#"{{"portStatusSummary":[{entry}],"exception":"storage unavailable","status":"Error","statusCode":"409"}}"#
        ),
    )
    .await;
    let all: Vec<_> = t.client.orders().collect().await;
    assert_eq!(all.len(), 2);
    assert_eq!(all[0].as_ref().unwrap().id.as_str(), "A1B2C");
    assert_eq!(
        format!("{:?}", all[1].as_ref().unwrap_err()),
        format!("{whole:?}")
    );
    one_exchange_then_status_requests(&t.server, 1).await;
}

/// Entries are read one by one: one that cannot be read is an error in
/// its place and the listing goes on to the end, with no error after.
#[tokio::test]
async fn an_unreadable_entry_is_an_error_in_its_place() {
    let t = setup(false).await;
    let big = json!({"id": "doc-big", "value": {"pid": "B0001", "message": "x".repeat(70_000)}});
    let summary = json!({"statusCode": "200", "status": "Success", "portStatusSummary": [
        status_entry("A0001", 1_777_500_003),
        {"id": "doc-x", "value": "4821"},
        big,
        status_entry("A0002", 1_777_500_001),
    ]});
    on(&t.server, "/v2.1/iNumbering/portStatus/", 200, summary).await;
    let all: Vec<_> = t.client.orders().collect().await;
    assert_eq!(all.len(), 4);
    assert_eq!(all[0].as_ref().unwrap().id.as_str(), "A0001");
    for (i, e) in [(1, "entry 2 "), (2, "entry 3 ")] {
        let err = all[i].as_ref().unwrap_err();
        assert!(matches!(err, Error::Decode { .. }), "{err:?}");
        assert!(err.to_string().contains(e), "{err}");
        assert!(!format!("{err:?}").contains("4821"), "{err:?}");
    }
    assert!(
        all[2]
            .as_ref()
            .unwrap_err()
            .to_string()
            .contains("70053 bytes")
    );
    assert_eq!(all[3].as_ref().unwrap().id.as_str(), "A0002");
    // The order asked for may be an unreadable entry: not "not found".
    let missing = t
        .client
        .order(&PortId::new("NOPE1").unwrap())
        .await
        .unwrap_err();
    assert!(missing.is_incomplete(), "{missing:?}");
    // The one asked for is found (reading stops there).
    let found = t
        .client
        .order(&PortId::new("A0002").unwrap())
        .await
        .unwrap();
    assert_eq!(found.id.as_str(), "A0002");
    one_exchange_then_status_requests(&t.server, 3).await;
}
