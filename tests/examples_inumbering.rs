//! `examples/inumbering.rs`, its steps run here: against an iNumbering
//! that does not offer the portability check to the customer account (414
//! "Wireless not allowed for Customer") it says so and goes on to the
//! order; on the crate's sandbox it runs as `cargo run --example
//! inumbering` does.

mod support;

use chrono::{Days, NaiveDate, Utc};
use numport::carrier::inumbering::INumberingClient;
use numport::sandbox::INumberingSandbox;
use serde_json::{Value, json};
use wiremock::matchers::{body_json, header, method, path};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

use crate::support::mock::strict_server;

// The example's `main` and sandbox start-up are not called from here.
#[allow(dead_code)]
#[path = "../examples/inumbering.rs"]
mod example;

const KEY: &str = "dec759ed81963fd9a4b8a9c8f3e22b1a";
const USER: u64 = 1234567890;
const PASSWORD: &str = "abc1234567";

fn bearer() -> String {
    format!("Bearer {KEY}")
}

/// The body the example's port request must have; `desired_due_date` is
/// ten days after the day it was built.
fn account_port_body(desired: NaiveDate) -> Value {
    json!({
        "did": ["3125550142"],
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
        "desired_due_date": desired.format("%Y-%m-%d").to_string(),
        "features": [{"number": "3125550142", "lidb": {"name": "MARIA LOPEZ"}}]
    })
}

/// The days the example may have built its request on, seen from now: today,
/// or yesterday when midnight passed since.
fn desired_dates() -> [NaiveDate; 2] {
    let today = Utc::now().date_naive();
    [today, today.pred_opt().unwrap_or(today)].map(|d| d.checked_add_days(Days::new(10)).unwrap())
}

/// An iNumbering answering only the requests the document describes, each
/// exactly as the example must send it; the portability check is answered
/// with the document's 414 for a customer account.
async fn inumbering_without_the_check() -> MockServer {
    let server = strict_server().await;
    // The key exchange takes the credentials in the body, no Authorization.
    Mock::given(method("POST"))
        .and(path("/v2.2/account/apikey"))
        .and(|r: &Request| !r.headers.contains_key("authorization"))
        .and(body_json(json!({"username": USER, "password": PASSWORD})))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({"status": "success", "data": {"apikey": KEY}})),
        )
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/v2/iNumbering/portInAvailability/"))
        .and(header("authorization", bearer().as_str()))
        .and(body_json(json!({"apikey": KEY, "tnList": {"tnItem": [
            {"tn": 3125550142u64}, {"tn": 3125550000u64}
        ]}})))
        .respond_with(ResponseTemplate::new(414).set_body_json(json!({
            "status": "Error", "statusCode": "414", "message": "Wireless not allowed for Customer"
        })))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/v2.2/account/port"))
        .and(header("authorization", bearer().as_str()))
        .and(|r: &Request| {
            let body: Value = serde_json::from_slice(&r.body).unwrap_or(Value::Null);
            desired_dates()
                .iter()
                .any(|d| body == account_port_body(*d))
        })
        .respond_with(ResponseTemplate::new(201).set_body_json(json!({
            "status": "success",
            "data": {"pid": "A1B2C", "ticket": 88001, "loa_url": "https://x.invalid/loa/A1B2C",
                "port_url": "https://x.invalid/port/A1B2C", "message": "Port request submitted"}
        })))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/v2.1/iNumbering/portStatus/"))
        .and(header("authorization", bearer().as_str()))
        .and(body_json(json!({"apikey": KEY})))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "statusCode": "200", "status": "Success", "portStatusSummary": [
                {"id": "doc-1", "key": ["1234567890", "1777600000"], "value": {"pid": "A1B2C",
                    "status": "submitted", "message": "Port request received", "foc": "19750715",
                    "notify": "1", "url": "https://x.invalid/t/1", "pin": "2722"}}
            ]
        })))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/v2/iNumbering/portOutPinUpdate/"))
        .and(header("authorization", bearer().as_str()))
        .and(body_json(
            json!({"apikey": KEY, "portOutPin": {"tnList": {"tnItem": [
                {"tn": 3125550101u64, "portOutPin": "4826"},
                {"tn": 3125550102u64}
            ]}}}),
        ))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "statusCode": "200", "status": "Success",
            "portOutPin": {"tnList": {"tnItem": [
                {"tn": 3125550101u64, "portOutPin": "4826"},
                {"tn": 3125550102u64, "portOutPin": "5931"}
            ]}}
        })))
        .mount(&server)
        .await;
    server
}

/// `(path, authorization header, JSON body)` of every request.
async fn seen(server: &MockServer) -> Vec<(String, Option<String>, Value)> {
    server
        .received_requests()
        .await
        .unwrap()
        .iter()
        .map(|r| {
            assert_eq!(r.method.as_str(), "POST");
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

#[tokio::test]
async fn a_check_not_offered_to_the_account_is_said_and_the_order_goes_on() {
    let server = inumbering_without_the_check().await;
    // What `INUMBERING_BASE_URL`, `INUMBERING_USERNAME` and
    // `INUMBERING_PASSWORD` configure.
    let client = INumberingClient::builder()
        .base_url(server.uri())
        .username(USER)
        .password(PASSWORD)
        .build()
        .unwrap();
    let mut out = Vec::new();

    let result = example::steps(&client, &mut out).await;

    let out = String::from_utf8(out).unwrap();
    assert!(result.is_ok(), "{result:?}\n{out}");
    assert_eq!(
        out,
        "1. Portability of +13125550142 and +13125550000 (the API key is exchanged first)\n\
         \x20  iNumbering does not offer this check to this account for these numbers \
         (Wireless not allowed for Customer): going on to the order without it\n\
         \x20  key exchanges so far: 1\n\
         2. Port request for +13125550142\n\
         \x20  ordered: A1B2C ({\"data\":{\"loa_url\":\"https://x.invalid/loa/A1B2C\",\
         \"message\":\"Port request submitted\",\"pid\":\"A1B2C\",\
         \"port_url\":\"https://x.invalid/port/A1B2C\",\"ticket\":88001},\"status\":\"success\"})\n\
         3. Status\n\
         \x20  A1B2C is Received (iNumbering: submitted), FOC not set\n\
         \x20  A1B2C submitted — Port request received\n\
         4. Port-out PINs: one set, one generated\n\
         \x20  +13125550101 now has a port-out PIN (4 digits)\n\
         \x20  +13125550102 now has a port-out PIN (4 digits)\n\
         \x20  key exchanges in all: 1\n"
    );
    let seen = seen(&server).await;
    let paths: Vec<&str> = seen.iter().map(|(p, _, _)| p.as_str()).collect();
    assert_eq!(
        paths,
        [
            "/v2.2/account/apikey",
            "/v2/iNumbering/portInAvailability/",
            "/v2.2/account/port",
            "/v2.1/iNumbering/portStatus/",
            "/v2.1/iNumbering/portStatus/",
            "/v2/iNumbering/portOutPinUpdate/"
        ]
    );
    // Every request was one the fake answers (the catch-all answers 599):
    // the port request is checked field by field there.
    assert!(
        desired_dates().iter().any(|d| seen[2]
            == (
                "/v2.2/account/port".into(),
                Some(bearer()),
                account_port_body(*d)
            )),
        "{:#}",
        seen[2].2
    );
    assert_eq!(client.exchanges(), 1);
}

#[tokio::test]
async fn on_the_sandbox_every_step_runs() {
    let sandbox = INumberingSandbox::start().await.unwrap();
    let client = INumberingClient::builder()
        .base_url(sandbox.base_url())
        .username(sandbox.username())
        .password(sandbox.password())
        .build()
        .unwrap();
    let mut out = Vec::new();

    let result = example::steps(&client, &mut out).await;

    let out = String::from_utf8(out).unwrap();
    assert!(result.is_ok(), "{result:?}\n{out}");
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(
        lines[..4],
        [
            "1. Portability of +13125550142 and +13125550000 (the API key is exchanged first)",
            "   +13125550142: portable",
            "   +13125550000: not portable (Number is not active with the current provider)",
            "   key exchanges so far: 1",
        ]
    );
    assert!(lines[5].starts_with("   ordered: "), "{out}");
    assert_eq!(
        lines[lines.len() - 4..],
        [
            "4. Port-out PINs: one set, one generated",
            "   +13125550101 now has a port-out PIN (4 digits)",
            "   +13125550102 now has a port-out PIN (4 digits)",
            "   key exchanges in all: 1",
        ]
    );
}
