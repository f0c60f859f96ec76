//! Points of the carriers' documents pinned one by one: each test names the
//! document's words it holds the crate to.

use std::time::Duration;

use chrono::NaiveDate;
use futures::StreamExt;
use numport::carrier::apeiron::{ApeironClient, ApeironOptions};
use numport::carrier::cellhire::{
    CellhireClient, CellhireOptions, CreatePort, CreatePortRow, PortType, Service,
};
use numport::carrier::inumbering::{INumberingClient, PinUpdate};
use numport::http::HttpConfig;
use numport::sandbox::{CellhireSandbox, CellhireSandboxConfig};
use numport::{
    AccountNumber, Address, Document, DocumentKind, Iccid, Pac, PhoneNumber, Pin, PortLine,
    PortProvider, PortProviderExt, PortRequest, PortStatus, Subscriber, WatchOptions,
};
use serde_json::{Value, json};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::support::cellhire as common;
use crate::support::clients;
use crate::support::requests::{apeiron_request, nanp};

fn fast_retries() -> HttpConfig {
    clients::fixed_clock_two_attempts()
}

// ------------------------------------------------------------------ Apeiron

fn apeiron(server: &MockServer) -> ApeironClient {
    ApeironClient::builder()
        .base_url(server.uri())
        .username("ops@example.com")
        .api_token("apeiron-token-1")
        .http_config(fast_retries())
        .build()
        .unwrap()
}

/// The document's example, with its ICCID, whose check digit is not Luhn's:
/// reachable only through the explicitly unchecked constructor.
fn apeiron_doc_request() -> PortRequest {
    apeiron_request(
        vec![
            PortLine::new(nanp("4246346488"))
                .with_sim(Iccid::unchecked("89012345678901234567").unwrap()),
        ],
        "12345",
    )
}

#[tokio::test]
async fn apeiron_sends_the_documents_json_example_byte_for_byte() {
    assert!(Iccid::parse("89012345678901234567").is_err());
    let server = common::server().await;
    Mock::given(method("POST"))
        .and(path("/v2/cellular/port"))
        .respond_with(ResponseTemplate::new(201).set_body_json(json!({"id": 7})))
        .expect(1)
        .mount(&server)
        .await;

    apeiron(&server)
        .submit(&apeiron_doc_request())
        .await
        .unwrap();

    // Section 3 of the document, its line breaks removed.
    let document = r#"{"mdn":"4246346488","authorization_name":"John Doe","first_name":"John","last_name":"Doe","address1":"123 Main St","address2":"","city":"Anytown","state":"CA","postal_code":"12345","account_number":"123456789","pin":"1234","service_plan":"UTT5GB","iccid":"89012345678901234567"}"#;
    let sent = server.received_requests().await.unwrap();
    assert_eq!(String::from_utf8_lossy(&sent[0].body), document);
    assert_eq!(sent[0].headers["content-type"], "application/json");
}

#[tokio::test]
async fn apeiron_takes_one_loa_and_one_bill_and_sends_booleans_as_text() {
    let server = common::server().await;
    let loa = |name: &str| {
        Document::new(
            DocumentKind::LetterOfAuthorization,
            name,
            "application/pdf",
            b"%PDF".to_vec(),
        )
    };
    let two = apeiron_doc_request()
        .with_document(loa("a.pdf"))
        .with_document(loa("b.pdf"));
    let err = apeiron(&server).submit(&two).await.unwrap_err();
    assert!(err.is_validation(), "{err:?}");
    assert_eq!(err.field_errors()[0].field, "documents[1]");
    assert!(server.received_requests().await.unwrap().is_empty());

    Mock::given(method("POST"))
        .and(path("/v2/cellular/port"))
        .respond_with(ResponseTemplate::new(201).set_body_json(json!({"id": 8})))
        .expect(1)
        .mount(&server)
        .await;
    let one = apeiron_doc_request()
        .with_apeiron(ApeironOptions::new("UTT5GB").with_create_subscriber(true))
        .with_document(loa("loa.pdf"));
    apeiron(&server).submit(&one).await.unwrap();
    let sent = server.received_requests().await.unwrap();
    let body = String::from_utf8_lossy(&sent[0].body);
    // A multipart text part holds the word, as a form would send it.
    assert!(
        body.contains("name=\"create_subscriber\"\r\n\r\ntrue\r\n"),
        "{body}"
    );
}

// ----------------------------------------------------------------- Cellhire

#[test]
fn cellhire_defaults_to_its_documented_host() {
    let client = CellhireClient::builder()
        .account_id(1)
        .bearer_token("tok-5c1e9a7d30b2")
        .build()
        .unwrap();
    assert!(
        format!("{client:?}").contains("https://api.cellhire.com/"),
        "{client:?}"
    );
}

#[tokio::test]
async fn cellhire_create_spells_migrate_in_as_the_document_does() {
    let t = common::setup().await;
    common::mount_networks(&t.server).await;
    common::mount_create(&t.server, common::json(201, &json!(common::CREATED_ID))).await;
    let create = CreatePort {
        name: "Migration".into(),
        target_network_id: 4,
        source_network_id: 34,
        connection_date: NaiveDate::from_ymd_opt(2026, 5, 5).unwrap(),
        port_type: PortType::MigrateIn,
        rows: vec![CreatePortRow {
            group_name: "Group1".into(),
            esim: false,
            msisdn: PhoneNumber::parse("+447700900123").unwrap(),
            serial_no: Iccid::unchecked("1234567890").unwrap(),
            provisioning_order: Some(3630),
            provisioning_order_name: None,
            pac: Pac::new("ABC123456").unwrap(),
            tariff_id: 102344,
            bolt_ons: vec![],
            services: Some(vec![Service::new("voice", "true")]),
        }],
    };
    t.client.create_port(&create).await.unwrap();
    let sent = t.server.received_requests().await.unwrap();
    let body: Value = serde_json::from_slice(&sent[1].body).unwrap();
    assert_eq!(body["portType"], "MigrateIn");
}

#[tokio::test]
async fn a_port_the_source_network_rejects_while_submitted_ends_cancelled_with_its_reason() {
    // The FAQ: "a source network provider may reject the request, which ...
    // will be automatically cancelled. This reason can be seen in the
    // Message field on the PortRow".
    let today = NaiveDate::from_ymd_opt(2026, 5, 1).unwrap();
    let sandbox = CellhireSandbox::start_with(CellhireSandboxConfig::default().with_today(today))
        .await
        .unwrap();
    let client = CellhireClient::builder()
        .base_url(sandbox.base_url())
        .token_url(sandbox.token_url())
        .account_id(sandbox.account_id())
        .client_credentials(sandbox.client_id(), sandbox.client_secret())
        .http_config(fast_retries())
        .build()
        .unwrap();
    let line = PortLine::new(PhoneNumber::parse("+447700900903").unwrap())
        .with_sim(Iccid::with_check_digit("8944100030129009030").unwrap())
        .with_pac(Pac::new("KQM482913").unwrap());
    let request = PortRequest::new(vec![line]).with_cellhire(
        CellhireOptions::new("Fleet", 1, 5, 102344)
            .with_provisioning_order(3630)
            .with_service(Service::new("voice", "true")),
    );
    let id = client.submit(&request).await.unwrap().orders[0].id.clone();
    let options =
        WatchOptions::default().with_intervals(Duration::from_millis(1), Duration::from_millis(2));
    let changes: Vec<_> = client
        .watch(&id, options)
        .map(|c| c.unwrap())
        .collect()
        .await;
    let statuses: Vec<PortStatus> = changes.iter().map(|c| c.to).collect();
    assert!(statuses.contains(&PortStatus::Submitted), "{statuses:?}");
    let last = changes.last().unwrap();
    assert_eq!(last.to, PortStatus::Cancelled);
    let message = last.message.as_deref().unwrap_or_default();
    assert!(
        message.contains("Rejected by the source network"),
        "{message}"
    );
}

// --------------------------------------------------------------- iNumbering

const KEY: &str = "dec759ed81963fd9a4b8a9c8f3e22b1a";

async fn inumbering() -> (MockServer, INumberingClient) {
    let server = common::server().await;
    Mock::given(method("POST"))
        .and(path("/v2.2/account/apikey"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({"status": "success", "data": {"apikey": KEY}})),
        )
        .mount(&server)
        .await;
    let client = INumberingClient::builder()
        .base_url(server.uri())
        .username(1_234_567_890)
        .password("abc1234567")
        .http_config(fast_retries())
        .build()
        .unwrap();
    (server, client)
}

fn inumbering_request(desired: Option<NaiveDate>) -> PortRequest {
    let request = PortRequest::new(vec![PortLine::new(
        PhoneNumber::nanp("3125550142").unwrap(),
    )])
    .with_subscriber(Subscriber::new("Maria", "Lopez").with_address(Address::new(
        "233 S Wacker Drive",
        "Chicago",
        "IL",
        "60606",
        "US",
    )))
    .with_authorization_name("Maria Lopez")
    .with_losing_account(
        AccountNumber::new("5512098734").unwrap(),
        Pin::new("7731").unwrap(),
    );
    match desired {
        Some(date) => request.with_desired_date(date),
        None => request,
    }
}

#[tokio::test]
async fn inumbering_account_port_without_a_date_sends_no_desired_due_date_and_returns_the_loa() {
    let (server, client) = inumbering().await;
    Mock::given(method("POST"))
        .and(path("/v2.2/account/port"))
        .respond_with(
            ResponseTemplate::new(201).set_body_json(json!({"status": "success",
            "data": {"pid": "A1B2C", "ticket": 88001, "loa_url": "https://x.invalid/loa/A1B2C",
                     "port_url": "https://x.invalid/port/A1B2C",
                     "message": "Sign the LOA at loa_url to continue."}})),
        )
        .expect(1)
        .mount(&server)
        .await;

    let submission = client.submit(&inumbering_request(None)).await.unwrap();

    let sent = server.received_requests().await.unwrap();
    let body: Value = serde_json::from_slice(&sent[1].body).unwrap();
    assert!(body.get("desired_due_date").is_none(), "{body}");
    // "Sign the LOA at loa_url": the link comes back for signing.
    assert_eq!(
        submission.orders[0].raw["data"]["loa_url"],
        "https://x.invalid/loa/A1B2C"
    );
}

#[tokio::test]
async fn inumbering_pin_updates_are_retried_only_when_every_pin_is_given() {
    let answer = || {
        ResponseTemplate::new(200).set_body_json(json!({"statusCode": "200", "status": "Success",
            "portOutPin": {"tnList": {"tnItem": [{"tn": 3125550101u64, "portOutPin": "4826"}]}}}))
    };
    let unavailable = || ResponseTemplate::new(503).set_body_string("busy");
    let number = PhoneNumber::nanp("3125550101").unwrap();

    // Every PIN given: repeating sets the same PINs, so a 503 is retried.
    let (server, client) = inumbering().await;
    Mock::given(method("POST"))
        .and(path("/v2/iNumbering/portOutPinUpdate/"))
        .respond_with(unavailable())
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/v2/iNumbering/portOutPinUpdate/"))
        .respond_with(answer())
        .mount(&server)
        .await;
    let set = [PinUpdate::set(number.clone(), Pin::new("4826").unwrap())];
    assert_eq!(client.port_out_pin_update(&set).await.unwrap().len(), 1);
    let updates = |s: &[wiremock::Request]| {
        s.iter()
            .filter(|r| r.url.path() == "/v2/iNumbering/portOutPinUpdate/")
            .count()
    };
    assert_eq!(updates(&server.received_requests().await.unwrap()), 2);

    // A PIN to generate: a repeat could assign another, so it is sent once
    // and the outcome is unknown.
    let (server, client) = inumbering().await;
    Mock::given(method("POST"))
        .and(path("/v2/iNumbering/portOutPinUpdate/"))
        .respond_with(unavailable())
        .mount(&server)
        .await;
    let err = client
        .port_out_pin_update(&[PinUpdate::generate(number)])
        .await
        .unwrap_err();
    assert!(err.is_outcome_unknown(), "{err:?}");
    assert_eq!(updates(&server.received_requests().await.unwrap()), 1);
}
