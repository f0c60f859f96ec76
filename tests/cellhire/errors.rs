//! Cellhire's failures: refusals, missing ports, wrong states, rate limits,
//! outages, timeouts and bodies that cannot be read, each as a typed error
//! after exactly the requests the retry rules allow.

use std::time::Duration;

use numport::carrier::cellhire::{PortDetails, RowUpdate};
use numport::{
    Carrier, CarrierStatus, Error, FieldError, LineStatus, Operation, Pac, PortStatus, RejectReason,
};
use serde_json::{Value, json};
use wiremock::matchers::{header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use common::{
    CREATED_ID, DETAILS_ID, Seen, api_path, assert_requests, doc_create, doc_create_body, fixture,
    json, mount_create, mount_networks, number, port_id, setup, setup_with,
};

use crate::support::cellhire as common;

fn details_get() -> Seen {
    Seen::api("GET", &format!("/port/{DETAILS_ID}"))
}

async fn details(t: &common::Setup) -> Result<PortDetails, Error> {
    t.client.port_details(&port_id(DETAILS_ID)).await
}

/// Get Port Details answers `answer` `times` times (then falls through to
/// lower priorities).
async fn mount_details_once(server: &MockServer, answer: ResponseTemplate, times: u64) {
    Mock::given(method("GET"))
        .and(path(api_path(&format!("/port/{DETAILS_ID}"))))
        .respond_with(answer)
        .up_to_n_times(times)
        .with_priority(1)
        .expect(times)
        .mount(server)
        .await;
}

/// Get Port Details answers the document's example.
async fn mount_details_ok(server: &MockServer) {
    Mock::given(method("GET"))
        .and(path(api_path(&format!("/port/{DETAILS_ID}"))))
        .respond_with(json(200, &fixture("port_details.json")))
        .with_priority(2)
        .expect(1)
        .mount(server)
        .await;
}

/// Unpacks an `Error::Rejected`: (status, reason, message, field errors).
fn rejected(err: Error) -> (Option<u16>, RejectReason, String, Vec<FieldError>) {
    match err {
        Error::Rejected {
            carrier,
            status,
            reason,
            message,
            field_errors,
        } => {
            assert_eq!(carrier, Carrier::Cellhire);
            (status, reason, message, field_errors)
        }
        other => panic!("expected Rejected, got {other:?}"),
    }
}

/// Unpacks an `Error::Decode`: (operation, message).
fn decode(err: Error) -> (Operation, String) {
    match err {
        Error::Decode {
            carrier,
            operation,
            message,
        } => {
            assert_eq!(carrier, Carrier::Cellhire);
            (operation, message)
        }
        other => panic!("expected Decode, got {other:?}"),
    }
}

// ------------------------------------------------------------- refusals

#[tokio::test]
async fn a_problem_details_400_on_create_is_rejected_with_its_field_errors() {
    let t = setup().await;
    mount_networks(&t.server).await;
    mount_create(
        &t.server,
        json(
            400,
            &json!({
                "type": "https://tools.ietf.org/html/rfc9110#section-15.5.1",
                "title": "One or more validation errors occurred.",
                "status": 400,
                "traceId": "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00",
                "errors": {
                    "Rows[0].Pac": ["The PAC is invalid."],
                    "Rows[0].TariffId": ["The tariff is not available on this network."]
                }
            }),
        ),
    )
    .await;

    let err = t.client.create_port(&doc_create()).await.unwrap_err();

    let want_fields = vec![
        FieldError::new("Rows[0].Pac", "The PAC is invalid."),
        FieldError::new(
            "Rows[0].TariffId",
            "The tariff is not available on this network.",
        ),
    ];
    assert_eq!(err.field_errors(), want_fields);
    assert_eq!(
        rejected(err),
        (
            Some(400),
            // Read from the field error's words.
            RejectReason::PacInvalid,
            "One or more validation errors occurred.".to_owned(),
            want_fields,
        )
    );
    assert_requests(
        &t.server,
        &[
            Seen::networks(),
            Seen::api("POST", "").json(doc_create_body()),
        ],
    )
    .await;
}

#[tokio::test]
async fn field_errors_without_a_known_reason_are_invalid_fields() {
    let t = setup().await;
    Mock::given(method("PATCH"))
        .and(path(api_path(&format!("/port/{CREATED_ID}"))))
        .respond_with(json(
            400,
            &json!({
                "title": "One or more validation errors occurred.",
                "status": 400,
                "errors": {"Rows[0].PortRowStatus": ["The value 'Amended' is not valid for a row in status Submitted."]}
            }),
        ))
        .expect(1)
        .mount(&t.server)
        .await;

    let updates = [RowUpdate::Amend {
        msisdn: number("+447700900123"),
        pac: Pac::new("ABC123456").unwrap(),
    }];
    let err = t
        .client
        .update_port(&port_id(CREATED_ID), &updates)
        .await
        .unwrap_err();

    assert_eq!(
        rejected(err),
        (
            Some(400),
            RejectReason::InvalidFields,
            "One or more validation errors occurred.".to_owned(),
            vec![FieldError::new(
                "Rows[0].PortRowStatus",
                "The value 'Amended' is not valid for a row in status Submitted."
            )],
        )
    );
    assert_requests(
        &t.server,
        &[
            Seen::api("PATCH", &format!("/port/{CREATED_ID}")).json(json!({"Rows": [
                {"Msisdn": "07700900123", "Pac": "ABC123456", "PortRowStatus": "Amended"}
            ]})),
        ],
    )
    .await;
}

#[tokio::test]
async fn a_plain_text_400_is_rejected_with_the_text() {
    let t = setup().await;
    mount_networks(&t.server).await;
    mount_create(
        &t.server,
        ResponseTemplate::new(400).set_body_string("Connection date is not available"),
    )
    .await;

    let err = t.client.create_port(&doc_create()).await.unwrap_err();

    assert_eq!(
        rejected(err),
        (
            Some(400),
            RejectReason::Other,
            "Connection date is not available".to_owned(),
            vec![],
        )
    );
    assert_requests(
        &t.server,
        &[
            Seen::networks(),
            Seen::api("POST", "").json(doc_create_body()),
        ],
    )
    .await;
}

#[tokio::test]
async fn the_stock_records_refusal_is_already_in_stock_with_the_text_kept() {
    let t = setup().await;
    mount_networks(&t.server).await;
    let text = "The following MSISDN's already exists on our stock records: 07700900123";
    mount_create(&t.server, ResponseTemplate::new(400).set_body_string(text)).await;

    let err = t.client.create_port(&doc_create()).await.unwrap_err();

    assert_eq!(err.reject_reason(), Some(RejectReason::AlreadyInStock));
    assert_eq!(
        rejected(err),
        (
            Some(400),
            RejectReason::AlreadyInStock,
            text.to_owned(),
            vec![]
        )
    );
    assert_requests(
        &t.server,
        &[
            Seen::networks(),
            Seen::api("POST", "").json(doc_create_body()),
        ],
    )
    .await;
}

#[tokio::test]
async fn the_stock_records_refusal_as_a_json_string_is_read_too() {
    let t = setup().await;
    mount_networks(&t.server).await;
    let text = "The following MSISDN's already exists on our stock records: 07700900123";
    mount_create(&t.server, json(400, &json!(text))).await;

    let err = t.client.create_port(&doc_create()).await.unwrap_err();

    assert_eq!(
        rejected(err),
        (
            Some(400),
            RejectReason::AlreadyInStock,
            text.to_owned(),
            vec![]
        )
    );
    assert_eq!(common::received(&t.server).await.len(), 2);
}

#[tokio::test]
async fn a_404_is_not_found() {
    let t = setup().await;
    mount_details_once(
        &t.server,
        json(
            404,
            &json!({"title": "Not Found", "status": 404, "detail": "No port with this id"}),
        ),
        1,
    )
    .await;

    let err = details(&t).await.unwrap_err();

    match err {
        Error::NotFound { carrier, message } => {
            assert_eq!(carrier, Carrier::Cellhire);
            assert_eq!(message, "Not Found: No port with this id");
        }
        other => panic!("expected NotFound, got {other:?}"),
    }
    // Not retried.
    assert_requests(&t.server, &[details_get()]).await;
}

#[tokio::test]
async fn a_409_on_cancel_is_invalid_state() {
    let t = setup().await;
    Mock::given(method("DELETE"))
        .and(path(api_path(&format!("/port/{CREATED_ID}"))))
        .respond_with(
            ResponseTemplate::new(409)
                .set_body_string("The port is Locked and can no longer be cancelled"),
        )
        .expect(1)
        .mount(&t.server)
        .await;

    let err = t
        .client
        .cancel_port(&port_id(CREATED_ID))
        .await
        .unwrap_err();

    match err {
        Error::InvalidState { carrier, message } => {
            assert_eq!(carrier, Carrier::Cellhire);
            assert_eq!(message, "The port is Locked and can no longer be cancelled");
        }
        other => panic!("expected InvalidState, got {other:?}"),
    }
    assert_requests(
        &t.server,
        &[Seen::api("DELETE", &format!("/port/{CREATED_ID}"))],
    )
    .await;
}

#[tokio::test]
async fn a_403_is_an_auth_error() {
    let t = setup().await;
    mount_details_once(
        &t.server,
        ResponseTemplate::new(403).set_body_string("Account 40001 is not yours"),
        1,
    )
    .await;

    let err = details(&t).await.unwrap_err();

    match err {
        Error::Auth {
            carrier,
            status,
            message,
        } => {
            assert_eq!(carrier, Carrier::Cellhire);
            assert_eq!(status, Some(403));
            assert_eq!(message, "Account 40001 is not yours");
        }
        other => panic!("expected Auth, got {other:?}"),
    }
    assert_requests(&t.server, &[details_get()]).await;
}

// -------------------------------------------------- rate limits and outages

#[tokio::test]
async fn a_429_with_retry_after_seconds_on_a_read_waits_then_succeeds() {
    let t = setup().await;
    mount_details_once(
        &t.server,
        ResponseTemplate::new(429).insert_header("Retry-After", "1"),
        1,
    )
    .await;
    mount_details_ok(&t.server).await;

    let d = details(&t).await.unwrap();

    assert_eq!(d.id, port_id(DETAILS_ID));
    assert_eq!(d.status, PortStatus::Complete);
    assert_eq!(t.sleeps.delays(), [Duration::from_secs(1)]);
    assert_requests(&t.server, &[details_get(), details_get()]).await;
}

#[tokio::test]
async fn a_429_with_an_http_date_waits_until_that_date_by_the_clients_clock() {
    let t = setup().await;
    // The clock shows Fri, 01 May 2026 09:00:00 GMT.
    mount_details_once(
        &t.server,
        ResponseTemplate::new(429).insert_header("Retry-After", "Fri, 01 May 2026 09:00:01 GMT"),
        1,
    )
    .await;
    mount_details_ok(&t.server).await;

    let d = details(&t).await.unwrap();

    assert_eq!(d.id, port_id(DETAILS_ID));
    assert_eq!(t.sleeps.delays(), [Duration::from_secs(1)]);
    assert_requests(&t.server, &[details_get(), details_get()]).await;
}

#[tokio::test]
async fn a_retry_after_beyond_the_policy_maximum_ends_the_call_at_once() {
    let t = setup().await;
    mount_details_once(
        &t.server,
        ResponseTemplate::new(429).insert_header("Retry-After", "Fri, 01 May 2026 10:00:00 GMT"),
        1,
    )
    .await;

    let err = details(&t).await.unwrap_err();

    assert!(err.is_rate_limited(), "{err:?}");
    let wait = err.retry_after().expect("the wait the carrier asked for");
    assert!(wait > Duration::from_secs(2), "{wait:?}");
    assert!(t.sleeps.delays().is_empty());
    assert_requests(&t.server, &[details_get()]).await;
}

#[tokio::test]
async fn a_429_every_time_ends_rate_limited_after_three_attempts() {
    let t = setup().await;
    mount_details_once(
        &t.server,
        ResponseTemplate::new(429)
            .insert_header("Retry-After", "1")
            .set_body_string("Too many requests"),
        3,
    )
    .await;

    let err = details(&t).await.unwrap_err();

    match err {
        Error::RateLimited {
            carrier,
            retry_after,
            message,
        } => {
            assert_eq!(carrier, Carrier::Cellhire);
            assert_eq!(retry_after, Some(Duration::from_secs(1)));
            assert_eq!(message, "Too many requests");
        }
        other => panic!("expected RateLimited, got {other:?}"),
    }
    assert_eq!(
        t.sleeps.delays(),
        [Duration::from_secs(1), Duration::from_secs(1)]
    );
    assert_requests(&t.server, &[details_get(), details_get(), details_get()]).await;
}

#[tokio::test]
async fn a_500_on_a_read_is_retried_then_succeeds() {
    let t = setup().await;
    mount_details_once(&t.server, ResponseTemplate::new(500), 1).await;
    mount_details_ok(&t.server).await;

    let d = details(&t).await.unwrap();

    assert_eq!(d.name.as_deref(), Some("Example Port"));
    assert_eq!(t.sleeps.delays(), [Duration::from_millis(1)]);
    assert_requests(&t.server, &[details_get(), details_get()]).await;
}

#[tokio::test]
async fn a_lasting_html_502_on_a_read_is_an_api_error_after_three_attempts() {
    let t = setup().await;
    mount_details_once(
        &t.server,
        ResponseTemplate::new(502).set_body_raw(
            "<!DOCTYPE html><html><head><title>502 Bad Gateway</title></head><body></body></html>",
            "text/html",
        ),
        3,
    )
    .await;

    let err = details(&t).await.unwrap_err();

    match err {
        Error::Api {
            carrier,
            status,
            retry_after,
            message,
        } => {
            assert_eq!(carrier, Carrier::Cellhire);
            assert_eq!(status, 502);
            assert_eq!(retry_after, None);
            assert_eq!(message, "HTML error page: 502 Bad Gateway");
        }
        other => panic!("expected Api, got {other:?}"),
    }
    // Backoff 1 ms then 2 ms, no jitter.
    assert_eq!(
        t.sleeps.delays(),
        [Duration::from_millis(1), Duration::from_millis(2)]
    );
    assert_requests(&t.server, &[details_get(), details_get(), details_get()]).await;
}

/// A 503 whose `Retry-After` is longer than the client waits within a
/// call: the call ends at once (no second attempt) and the error carries
/// the carrier's ask, for the caller or the watch helpers to honour.
#[tokio::test]
async fn a_503_with_a_long_retry_after_ends_the_read_with_the_ask() {
    let t = setup().await;
    mount_details_once(
        &t.server,
        ResponseTemplate::new(503)
            .insert_header("Retry-After", "120")
            .set_body_string("Down for maintenance"),
        1,
    )
    .await;

    let err = details(&t).await.unwrap_err();

    assert!(err.is_retryable(), "{err:?}");
    assert_eq!(err.retry_after(), Some(Duration::from_secs(120)));
    match &err {
        Error::Api {
            carrier,
            status,
            retry_after,
            message,
        } => {
            assert_eq!(*carrier, Carrier::Cellhire);
            assert_eq!(*status, 503);
            assert_eq!(*retry_after, Some(Duration::from_secs(120)));
            assert_eq!(message, "Down for maintenance");
        }
        other => panic!("expected Api, got {other:?}"),
    }
    assert_eq!(
        err.to_string(),
        "Cellhire answered HTTP 503 (retry after 120s): Down for maintenance"
    );
    assert!(t.sleeps.delays().is_empty());
    assert_requests(&t.server, &[details_get()]).await;
}

#[tokio::test]
async fn a_500_on_create_is_never_retried() {
    let t = setup().await;
    mount_networks(&t.server).await;
    mount_create(
        &t.server,
        json(
            500,
            &json!({"title": "An error occurred while processing your request.", "status": 500}),
        ),
    )
    .await;

    let err = t.client.create_port(&doc_create()).await.unwrap_err();

    // A 500 after the create left: Cellhire may have booked it.
    assert!(err.is_outcome_unknown() && !err.is_never_sent() && !err.is_retryable());
    match err.outcome_unknown_cause() {
        Some(Error::Api {
            carrier,
            status,
            retry_after,
            message,
        }) => {
            assert_eq!(*carrier, Carrier::Cellhire);
            assert_eq!(*status, 500);
            assert_eq!(*retry_after, None);
            assert_eq!(message, "An error occurred while processing your request.");
        }
        other => panic!("expected an unknown outcome caused by Api, got {other:?}"),
    }
    assert!(t.sleeps.delays().is_empty());
    // Exactly one POST.
    assert_requests(
        &t.server,
        &[
            Seen::networks(),
            Seen::api("POST", "").json(doc_create_body()),
        ],
    )
    .await;
}

#[tokio::test]
async fn a_429_on_create_is_never_retried() {
    let t = setup().await;
    mount_networks(&t.server).await;
    mount_create(
        &t.server,
        ResponseTemplate::new(429).insert_header("Retry-After", "1"),
    )
    .await;

    let err = t.client.create_port(&doc_create()).await.unwrap_err();

    assert_eq!(err.retry_after(), Some(Duration::from_secs(1)));
    assert!(err.is_rate_limited(), "{err:?}");
    assert!(t.sleeps.delays().is_empty());
    assert_requests(
        &t.server,
        &[
            Seen::networks(),
            Seen::api("POST", "").json(doc_create_body()),
        ],
    )
    .await;
}

// ---------------------------------------------------------------- timeouts

#[tokio::test]
async fn a_create_that_times_out_is_sent_once_and_is_a_timeout() {
    let t = setup_with(|http| http.with_request_timeout(Duration::from_millis(300))).await;
    mount_networks(&t.server).await;
    mount_create(
        &t.server,
        json(201, &json!(CREATED_ID)).set_delay(Duration::from_secs(5)),
    )
    .await;

    let err = t.client.create_port(&doc_create()).await.unwrap_err();

    assert!(err.is_outcome_unknown() && err.is_timeout() && !err.is_never_sent());
    match err.outcome_unknown_cause() {
        Some(Error::Timeout { carrier, operation }) => {
            assert_eq!(*carrier, Carrier::Cellhire);
            assert_eq!(*operation, Operation::Submit);
        }
        other => panic!("expected an unknown outcome caused by a timeout, got {other:?}"),
    }
    assert!(t.sleeps.delays().is_empty());
    assert_requests(
        &t.server,
        &[
            Seen::networks(),
            Seen::api("POST", "").json(doc_create_body()),
        ],
    )
    .await;
}

#[tokio::test]
async fn a_read_that_times_out_is_retried() {
    let t = setup_with(|http| http.with_request_timeout(Duration::from_millis(300))).await;
    mount_details_once(
        &t.server,
        json(200, &fixture("port_details.json")).set_delay(Duration::from_secs(5)),
        1,
    )
    .await;
    mount_details_ok(&t.server).await;

    let d = details(&t).await.unwrap();

    assert_eq!(d.id, port_id(DETAILS_ID));
    assert_eq!(t.sleeps.delays(), [Duration::from_millis(1)]);
    assert_requests(&t.server, &[details_get(), details_get()]).await;
}

// ---------------------------------------------------------- unreadable bodies

#[tokio::test]
async fn malformed_json_on_details_is_a_decode_error() {
    let t = setup().await;
    let body = format!(r#"{{"id": "{DETAILS_ID}", "status": 11,}}"#);
    mount_details_once(
        &t.server,
        ResponseTemplate::new(200).set_body_raw(body.clone(), "application/json"),
        1,
    )
    .await;

    let err = details(&t).await.unwrap_err();

    assert_eq!(
        decode(err),
        (
            Operation::Order,
            format!(
                "malformed JSON at line 1 column {} ({} bytes)",
                body.len(),
                body.len()
            )
        )
    );
    // A 200 is not retried, whatever its body.
    assert_requests(&t.server, &[details_get()]).await;
}

#[tokio::test]
async fn an_html_200_is_a_decode_error() {
    let t = setup().await;
    mount_details_once(
        &t.server,
        ResponseTemplate::new(200)
            .set_body_raw("<html><body>Sign in to Cellhire</body></html>", "text/html"),
        1,
    )
    .await;

    let err = details(&t).await.unwrap_err();

    assert_eq!(
        decode(err),
        (
            Operation::Order,
            "the body is an HTML or XML page where JSON was expected".to_owned()
        )
    );
    assert_requests(&t.server, &[details_get()]).await;
}

#[tokio::test]
async fn an_empty_200_is_a_decode_error() {
    let t = setup().await;
    mount_details_once(&t.server, ResponseTemplate::new(200), 1).await;

    let err = details(&t).await.unwrap_err();

    assert_eq!(
        decode(err),
        (
            Operation::Order,
            "the body is empty where JSON was expected".to_owned()
        )
    );
    assert_requests(&t.server, &[details_get()]).await;
}

#[tokio::test]
async fn an_unreadable_create_answer_says_not_to_submit_again() {
    let t = setup().await;
    mount_networks(&t.server).await;
    mount_create(&t.server, ResponseTemplate::new(201)).await;

    let err = t.client.create_port(&doc_create()).await.unwrap_err();

    assert!(err.is_outcome_unknown() && !err.is_never_sent());
    assert_eq!(
        decode(err.outcome_unknown_cause().unwrap().clone()),
        (
            Operation::Submit,
            "Cellhire accepted the port (HTTP 201) but its id could not be read \
             (Cellhire: could not read the answer to submit: the body is empty where JSON \
             was expected); do not submit again: reconcile to find it"
                .to_owned()
        )
    );
    assert_requests(
        &t.server,
        &[
            Seen::networks(),
            Seen::api("POST", "").json(doc_create_body()),
        ],
    )
    .await;
}

// ------------------------------------------------------- tolerant reading

#[tokio::test]
async fn an_unknown_status_name_is_unknown_with_the_raw_name_kept() {
    let t = setup().await;
    let mut body = fixture("port_details.json");
    body["status"] = json!(99);
    body["statusName"] = json!("Teleported");
    body["rows"][0]["status"] = json!(77);
    body["rows"][0]["statusName"] = json!("Beamed Up");
    mount_details_once(&t.server, json(200, &body), 1).await;

    let d = details(&t).await.unwrap();

    assert_eq!(d.status, PortStatus::Unknown);
    assert_eq!(d.carrier_status, CarrierStatus::new("Teleported", Some(99)));
    assert_eq!(d.rows[0].status, LineStatus::Unknown);
    assert_eq!(
        d.rows[0].carrier_status,
        CarrierStatus::new("Beamed Up", Some(77))
    );
    assert_requests(&t.server, &[details_get()]).await;
}

#[tokio::test]
async fn an_unknown_status_in_a_list_is_unknown_too() {
    let t = setup().await;
    let mut body = fixture("list_page3.json");
    body["totalPages"] = json!(1);
    body["data"][0]["status"] = json!(42);
    body["data"][0]["statusName"] = json!("Quarantined");
    Mock::given(method("GET"))
        .and(path(api_path("")))
        .and(header("x-pagenumber", "1"))
        .respond_with(json(200, &body))
        .expect(1)
        .mount(&t.server)
        .await;

    let page = t.client.list_ports_page(1, 50).await.unwrap();

    assert_eq!(page.ports.len(), 1);
    assert_eq!(page.ports[0].summary.status, PortStatus::Unknown);
    assert_eq!(
        page.ports[0].summary.carrier_status,
        CarrierStatus::new("Quarantined", Some(42))
    );
    assert_requests(&t.server, &[Seen::api("GET", "").page(1, 50)]).await;
}

fn with_extra_fields(mut details: Value) -> Value {
    details["createdBy"] = json!("api-user");
    details["audit"] = json!({"createdAt": "2026-05-01T08:59:00Z", "version": 3});
    let row = &mut details["rows"][0];
    row["simType"] = json!("Triple cut");
    row["history"] = json!([{"status": "Created", "at": "2024-07-01T00:00:00"}]);
    row["services"][0]["editable"] = json!(false);
    details
}

#[tokio::test]
async fn extra_unknown_fields_are_ignored() {
    let t = setup().await;
    mount_details_once(
        &t.server,
        json(200, &with_extra_fields(fixture("port_details.json"))),
        1,
    )
    .await;
    mount_details_ok(&t.server).await;

    let with_extras = details(&t).await.unwrap();
    let plain = details(&t).await.unwrap();

    assert_eq!(with_extras, plain);
    assert_eq!(with_extras.rows[0].tariff_id, Some(102295));
    assert_requests(&t.server, &[details_get(), details_get()]).await;
}

#[tokio::test]
async fn extra_unknown_fields_in_networks_are_ignored() {
    let t = setup().await;
    let mut body = fixture("networks.json");
    body[0]["description"] = json!("Port in from another network");
    body[0]["targetNetworks"][0]["country"] = json!("GB");
    body[0]["targetNetworks"][0]["sourceNetworks"][0]["mnc"] = json!("10");
    Mock::given(method("GET"))
        .and(path(api_path("/networks")))
        .respond_with(json(200, &body))
        .up_to_n_times(1)
        .with_priority(1)
        .expect(1)
        .mount(&t.server)
        .await;
    mount_networks(&t.server).await;

    let with_extras = t.client.networks().await.unwrap();
    let plain = t.client.networks().await.unwrap();

    assert_eq!(with_extras, plain);
    assert_eq!(with_extras[0].target_networks[0].name, "Vodafone");
    assert_requests(&t.server, &[Seen::networks(), Seen::networks()]).await;
}

#[tokio::test]
async fn a_retry_after_of_zero_or_in_the_past_keeps_the_back_off_floor() {
    let t = setup().await;
    mount_details_once(
        &t.server,
        ResponseTemplate::new(503).insert_header("Retry-After", "0"),
        1,
    )
    .await;
    mount_details_once(
        &t.server,
        ResponseTemplate::new(429).insert_header("Retry-After", "Fri, 01 May 2020 10:00:00 GMT"),
        1,
    )
    .await;
    mount_details_ok(&t.server).await;

    details(&t).await.unwrap();

    // The policy's back-off (1 ms, then 2 ms), not zero.
    assert_eq!(
        t.sleeps.delays(),
        [Duration::from_millis(1), Duration::from_millis(2)]
    );
    assert_requests(&t.server, &[details_get(), details_get(), details_get()]).await;
}

#[tokio::test]
async fn documented_refusals_are_typed_by_their_words_whatever_the_4xx() {
    let cases = [
        (
            json!({"title": "The following MSISDN's already exists on our stock records: 07700900123"}),
            RejectReason::AlreadyInStock,
        ),
        // The FAQ's words, and wordings a server may use for the same rule
        // (none of them is what the sandbox says).
        (
            json!({"detail": "You will need to cancel the original port before a new Port / Migration can be created for that MSISDN."}),
            RejectReason::DuplicatePort,
        ),
        (
            json!({"title": "Validation failed", "errors": {"Rows[0].Msisdn": ["07700900123 already has a port in progress"]}}),
            RejectReason::DuplicatePort,
        ),
        (
            json!("A port already exists for MSISDN 07700900123; cancel it first"),
            RejectReason::DuplicatePort,
        ),
        (
            json!({"errors": {"Rows[0].Pac": ["The PAC is invalid."]}}),
            RejectReason::PacInvalid,
        ),
    ];
    let mut rows = 0;
    for (body, reason) in cases {
        for status in [400u16, 403, 409, 422] {
            let t = setup().await;
            mount_networks(&t.server).await;
            mount_create(&t.server, json(status, &body)).await;
            let err = t.client.create_port(&doc_create()).await.unwrap_err();
            assert!(err.is_rejected(), "{status} {body}: {err:?}");
            assert_eq!(err.reject_reason(), Some(reason), "{status} {body}");
            assert_eq!(err.status(), Some(status));
            assert!(!err.is_outcome_unknown());
            rows += 1;
        }
    }
    println!("{rows} wording × status rows");
}
