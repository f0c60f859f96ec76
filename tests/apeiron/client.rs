//! The Apeiron adapter against a mock server: the exact request on the wire
//! (JSON and multipart), the checklist (zero requests), rejections, and a
//! port-in never sent twice.

use std::time::Duration;

use base64::Engine;
use numport::carrier::apeiron::{ApeironClient, ApeironOptions, E911Address};
use numport::http::HttpConfig;
use numport::{
    Address, Capabilities, Document, DocumentKind, Error, Iccid, Operation, PhoneNumber, PortId,
    PortLine, PortProvider, PortRequest, RejectReason,
};
use serde_json::{Value, json};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

use crate::support::clients;
use crate::support::mock::strict_server;
use crate::support::requests::{apeiron_request, nanp};

const USER: &str = "ops@example.com";
const TOKEN: &str = "tok:en/with+symbols";
const ICCID: &str = "89012601234567000010";

async fn server() -> MockServer {
    strict_server().await
}

fn client(server: &MockServer) -> ApeironClient {
    clients::apeiron(
        &server.uri(),
        USER,
        TOKEN,
        HttpConfig::default()
            .with_request_timeout(Duration::from_millis(300))
            .with_retry(clients::three_attempts()),
    )
}

async fn answer(server: &MockServer, status: u16, body: Value) {
    Mock::given(method("POST"))
        .and(path("/v2/cellular/port"))
        .respond_with(ResponseTemplate::new(status).set_body_json(body))
        .mount(server)
        .await;
}

async fn requests(server: &MockServer) -> Vec<Request> {
    server.received_requests().await.unwrap()
}

fn header<'a>(request: &'a Request, name: &str) -> &'a str {
    request
        .headers
        .get(name)
        .map(|v| v.to_str().unwrap())
        .unwrap_or("")
}

fn address() -> Address {
    Address::new("123 Main St", "Anytown", "CA", "12345", "US")
}

/// The document's example, as a unified request.
fn doc_request() -> PortRequest {
    apeiron_request(
        vec![PortLine::new(nanp("4246346488")).with_sim(Iccid::parse(ICCID).unwrap())],
        "12345",
    )
}

fn doc_body() -> Value {
    json!({
        "mdn": "4246346488",
        "authorization_name": "John Doe",
        "first_name": "John",
        "last_name": "Doe",
        "address1": "123 Main St",
        "address2": "",
        "city": "Anytown",
        "state": "CA",
        "postal_code": "12345",
        "account_number": "123456789",
        "pin": "1234",
        "service_plan": "UTT5GB",
        "iccid": ICCID
    })
}

fn basic() -> String {
    format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(format!("{USER}:{TOKEN}"))
    )
}

#[tokio::test]
async fn the_documents_json_example_goes_on_the_wire_exactly() {
    let server = server().await;
    answer(&server, 201, json!({"id": 41, "status": "pending"})).await;

    let submission = client(&server).submit(&doc_request()).await.unwrap();

    let sent = requests(&server).await;
    assert_eq!(sent.len(), 1);
    let r = &sent[0];
    assert_eq!(r.method.as_str(), "POST");
    assert_eq!(r.url.path(), "/v2/cellular/port");
    assert_eq!(header(r, "authorization"), basic());
    assert_eq!(header(r, "content-type"), "application/json");
    assert_eq!(header(r, "user-agent"), "numport/0.1.0");
    assert_eq!(
        serde_json::from_slice::<Value>(&r.body).unwrap(),
        doc_body()
    );

    assert_eq!(submission.orders.len(), 1);
    assert!(submission.failures.is_empty());
    let order = &submission.orders[0];
    assert_eq!(order.id, PortId::new("41").unwrap());
    assert_eq!(order.numbers, [PhoneNumber::nanp("4246346488").unwrap()]);
    assert_eq!(order.raw, json!({"id": 41, "status": "pending"}));
}

#[tokio::test]
async fn every_optional_field_is_reachable() {
    let server = server().await;
    answer(&server, 201, json!({"port_order_id": "PO-7"})).await;
    let mut request = doc_request().with_reference("batch 7").with_apeiron(
        ApeironOptions::new("UTT5GB")
            .with_ticket_id("T-1001")
            .with_create_subscriber(true)
            .with_e911(
                E911Address::new("1 Emergency Way", "Springfield", "IL", "62701-1234")
                    .with_address2("Suite 2"),
            ),
    );
    let subscriber = request.subscriber.take().unwrap();
    request = request.with_subscriber(
        subscriber
            .with_business_name("Doe Logistics")
            .with_address(address().with_line2("Unit 4")),
    );

    let submission = client(&server).submit(&request).await.unwrap();

    let mut want = doc_body();
    let extra = json!({
        "address2": "Unit 4",
        "ticket_id": "T-1001",
        "reference": "batch 7",
        "business_name": "Doe Logistics",
        "e911_address1": "1 Emergency Way",
        "e911_address2": "Suite 2",
        "e911_city": "Springfield",
        "e911_state": "IL",
        "e911_postal_code": "62701-1234",
        "create_subscriber": true
    });
    want.as_object_mut()
        .unwrap()
        .extend(extra.as_object().unwrap().clone());
    let sent = requests(&server).await;
    assert_eq!(
        serde_json::from_slice::<Value>(&sent[0].body).unwrap(),
        want
    );
    assert_eq!(submission.orders[0].id.as_str(), "PO-7");
}

#[tokio::test]
async fn a_plan_id_and_the_subscriber_address_for_e911() {
    let server = server().await;
    answer(&server, 200, json!({"data": {"order_id": 9}})).await;
    let request = doc_request().with_apeiron(
        ApeironOptions::new(numport::carrier::apeiron::ServicePlan::SubscriberPlanId(
            "1001".into(),
        ))
        .with_subscriber_address_for_e911(),
    );

    let submission = client(&server).submit(&request).await.unwrap();

    let mut want = doc_body();
    let body = want.as_object_mut().unwrap();
    body.remove("service_plan");
    body.insert("subscriber_service_plan_id".into(), json!("1001"));
    body.insert("use_subscriber_address_for_e911".into(), json!(true));
    let sent = requests(&server).await;
    assert_eq!(
        serde_json::from_slice::<Value>(&sent[0].body).unwrap(),
        want
    );
    assert_eq!(submission.orders[0].id.as_str(), "9");
}

/// `(name, file name, content type, body)` of each part.
type Part = (String, Option<String>, Option<String>, Vec<u8>);

fn parts(request: &Request) -> Vec<Part> {
    let content_type = header(request, "content-type");
    let boundary = content_type
        .strip_prefix("multipart/form-data; boundary=")
        .expect("a multipart body");
    let delimiter = format!("--{boundary}");
    let text = request.body.clone();
    let mut out = Vec::new();
    let raw = String::from_utf8_lossy(&text).into_owned();
    for chunk in raw.split(&delimiter).skip(1) {
        if chunk.starts_with("--") {
            break;
        }
        let chunk = chunk.strip_prefix("\r\n").unwrap();
        let (head, body) = chunk.split_once("\r\n\r\n").unwrap();
        let body = body.strip_suffix("\r\n").unwrap();
        let param = |key: &str| {
            head.split(';')
                .find_map(|p| p.trim().strip_prefix(&format!("{key}=\"")))
                .map(|v| v.split('"').next().unwrap().to_owned())
        };
        let kind = head
            .lines()
            .find_map(|l| {
                l.strip_prefix("content-type: ")
                    .or(l.strip_prefix("Content-Type: "))
            })
            .map(str::to_owned);
        out.push((
            param("name").unwrap(),
            param("filename"),
            kind,
            body.as_bytes().to_vec(),
        ));
    }
    out
}

#[tokio::test]
async fn documents_go_as_multipart_with_every_text_field() {
    let server = server().await;
    answer(&server, 201, json!({"id": "A-1"})).await;
    let request = doc_request()
        .with_document(Document::new(
            DocumentKind::LetterOfAuthorization,
            "loa.pdf",
            "application/pdf",
            b"%PDF-1.4 loa".to_vec(),
        ))
        .with_document(Document::new(
            DocumentKind::Bill,
            "bill.png",
            "image/png",
            b"PNG-bill".to_vec(),
        ));

    client(&server).submit(&request).await.unwrap();

    let sent = requests(&server).await;
    assert_eq!(sent.len(), 1);
    assert_eq!(header(&sent[0], "authorization"), basic());
    let mut got = parts(&sent[0]);
    got.sort();
    let mut want: Vec<Part> = doc_body()
        .as_object()
        .unwrap()
        .iter()
        .map(|(k, v)| {
            (
                k.clone(),
                None,
                None,
                v.as_str().unwrap().as_bytes().to_vec(),
            )
        })
        .collect();
    want.push((
        "loa".into(),
        Some("loa.pdf".into()),
        Some("application/pdf".into()),
        b"%PDF-1.4 loa".to_vec(),
    ));
    want.push((
        "bill".into(),
        Some("bill.png".into()),
        Some("image/png".into()),
        b"PNG-bill".to_vec(),
    ));
    want.sort();
    assert_eq!(got, want);
}

#[tokio::test]
async fn each_documented_rejection_is_typed_with_the_text_kept() {
    let cases = [
        (
            json!({"detail": "Address mismatch: must match losing carrier records"}),
            RejectReason::AddressMismatch,
        ),
        (
            json!({"iccid": ["Invalid ICCID: must be unused and assigned to your org"]}),
            RejectReason::InvalidIccid,
        ),
        (
            json!({"detail": "Incorrect PIN: verify with losing carrier"}),
            RejectReason::IncorrectPin,
        ),
        (
            json!({"mdn": ["MDN inactive: must be active and not pending port"]}),
            RejectReason::MdnInactive,
        ),
        (
            json!({"detail": "Plan invalid: check service_plan or subscriber_service_plan_id"}),
            RejectReason::PlanInvalid,
        ),
        (
            json!({"pin": ["Does not match."]}),
            RejectReason::IncorrectPin,
        ),
        (
            json!({"first_name": ["Ensure this field has no more than 30 characters."]}),
            RejectReason::InvalidFields,
        ),
    ];
    for (body, reason) in cases {
        let server = server().await;
        answer(&server, 400, body.clone()).await;
        let err = client(&server).submit(&doc_request()).await.unwrap_err();
        assert_eq!(err.reject_reason(), Some(reason), "{body}");
        assert_eq!(err.status(), Some(400));
        let text = body
            .as_object()
            .unwrap()
            .values()
            .next()
            .map(|v| match v {
                Value::String(s) => s.clone(),
                other => other[0].as_str().unwrap().to_owned(),
            })
            .unwrap();
        assert!(err.carrier_message().unwrap().contains(&text), "{err}");
        if body.get("detail").is_none() {
            let field = body.as_object().unwrap().keys().next().unwrap();
            assert_eq!(err.field_errors()[0].field, *field);
            assert_eq!(err.field_errors()[0].problem, text);
        }
        assert_eq!(requests(&server).await.len(), 1);
    }
}

#[tokio::test]
async fn bad_credentials_are_an_auth_error() {
    let server = server().await;
    answer(
        &server,
        401,
        json!({"detail": "Invalid username/password."}),
    )
    .await;
    let err = client(&server).submit(&doc_request()).await.unwrap_err();
    assert!(err.is_auth(), "{err:?}");
    assert_eq!(err.carrier_message(), Some("Invalid username/password."));
}

#[tokio::test]
async fn a_500_on_submit_is_not_retried() {
    let server = server().await;
    Mock::given(method("POST"))
        .and(path("/v2/cellular/port"))
        .respond_with(ResponseTemplate::new(500).set_body_string("<html>Server Error</html>"))
        .mount(&server)
        .await;
    let err = client(&server).submit(&doc_request()).await.unwrap_err();
    assert_eq!(err.status(), Some(500));
    assert_eq!(requests(&server).await.len(), 1);
}

#[tokio::test]
async fn a_timeout_on_submit_is_not_retried() {
    let server = server().await;
    Mock::given(method("POST"))
        .and(path("/v2/cellular/port"))
        .respond_with(
            ResponseTemplate::new(201)
                .set_body_json(json!({"id": 1}))
                .set_delay(Duration::from_secs(2)),
        )
        .mount(&server)
        .await;
    let err = client(&server).submit(&doc_request()).await.unwrap_err();
    assert!(err.is_timeout(), "{err:?}");
    assert!(!err.is_never_sent());
    assert_eq!(requests(&server).await.len(), 1);
}

#[tokio::test]
async fn any_2xx_is_success_even_without_a_readable_body() {
    for body in ["", "<html>Created</html>", "{\"status\": \"queued\"}"] {
        let server = server().await;
        Mock::given(method("POST"))
            .and(path("/v2/cellular/port"))
            .respond_with(ResponseTemplate::new(202).set_body_string(body))
            .mount(&server)
            .await;
        let submission = client(&server).submit(&doc_request()).await.unwrap();
        assert_eq!(submission.orders[0].id.as_str(), "mdn:4246346488", "{body}");
        let raw = if body.starts_with('{') {
            json!({"status": "queued"})
        } else {
            Value::Null
        };
        assert_eq!(submission.orders[0].raw, raw);
    }
}

#[tokio::test]
async fn several_numbers_make_one_order_each_reported_per_number() {
    let server = server().await;
    Mock::given(method("POST"))
        .and(path("/v2/cellular/port"))
        .and(|r: &Request| String::from_utf8_lossy(&r.body).contains("4246346489"))
        .respond_with(
            ResponseTemplate::new(400)
                .set_body_json(json!({"mdn": ["MDN inactive: must be active"]})),
        )
        .mount(&server)
        .await;
    answer(&server, 201, json!({"id": 77})).await;
    let mut request = doc_request();
    request.lines.push(
        PortLine::new(PhoneNumber::nanp("4246346489").unwrap())
            .with_sim(Iccid::with_check_digit("8901260123456700002").unwrap()),
    );

    let submission = client(&server).submit(&request).await.unwrap();

    assert_eq!(requests(&server).await.len(), 2);
    assert_eq!(submission.orders.len(), 1);
    assert_eq!(submission.orders[0].id.as_str(), "77");
    assert_eq!(submission.failures.len(), 1);
    let failure = &submission.failures[0];
    assert_eq!(failure.number, PhoneNumber::nanp("4246346489").unwrap());
    assert_eq!(failure.reason, Some(RejectReason::MdnInactive));
    assert_eq!(failure.status, Some(400));
}

/// An E911 address with only the parts `set` fills.
fn e911_part(set: impl FnOnce(&mut E911Address)) -> E911Address {
    let mut address = E911Address::default();
    set(&mut address);
    address
}

/// The fields a request's validation error names, after zero requests.
async fn refused(request: PortRequest) -> Vec<String> {
    let server = server().await;
    let err = client(&server).submit(&request).await.unwrap_err();
    assert!(requests(&server).await.is_empty(), "nothing may be sent");
    match err {
        Error::Validation(problems) => problems.into_iter().map(|p| p.field).collect(),
        other => panic!("expected a validation error, got {other:?}"),
    }
}

#[tokio::test]
async fn the_checklist_is_enforced_before_anything_is_sent() {
    let uk = {
        let mut r = doc_request();
        r.lines[0].number = PhoneNumber::parse("+447700900123").unwrap();
        r
    };
    assert_eq!(refused(uk).await, ["lines[0].number"]);

    let mut no_account = doc_request();
    no_account.account_number = None;
    no_account.pin = None;
    assert_eq!(refused(no_account).await, ["account_number", "pin"]);

    let bad_address = {
        let mut r = doc_request();
        let a = r.subscriber.as_mut().unwrap().address.as_mut().unwrap();
        a.state = "California".into();
        a.postal_code = "1234".into();
        a.city = " ".into();
        r
    };
    assert_eq!(
        refused(bad_address).await,
        [
            "subscriber.address.city",
            "subscriber.address.state",
            "subscriber.address.postal_code"
        ]
    );

    let mut no_sim = doc_request();
    no_sim.lines[0].sim = None;
    assert_eq!(refused(no_sim).await, ["lines[0].sim"]);

    let mut both = doc_request();
    both.apeiron.as_mut().unwrap().subscriber_service_plan_id = Some("1001".into());
    assert_eq!(refused(both).await, ["apeiron.subscriber_service_plan_id"]);
    let neither = doc_request().with_apeiron(ApeironOptions::default());
    assert_eq!(refused(neither).await, ["apeiron.service_plan"]);

    let combined = doc_request().with_apeiron(
        ApeironOptions::new("UTT5GB")
            .with_subscriber_address_for_e911()
            .with_e911(e911_part(|a| a.city = Some("Springfield".into()))),
    );
    assert_eq!(refused(combined).await, ["apeiron.e911"]);

    let partial = doc_request().with_apeiron(
        ApeironOptions::new("UTT5GB")
            .with_e911(e911_part(|a| a.address1 = Some("1 Emergency Way".into()))),
    );
    assert_eq!(
        refused(partial).await,
        [
            "apeiron.e911.city",
            "apeiron.e911.state",
            "apeiron.e911.postal_code"
        ]
    );

    let bad_e911 =
        doc_request().with_apeiron(ApeironOptions::new("UTT5GB").with_e911(E911Address::new(
            "1 Way",
            "Springfield",
            "ZZ",
            "627",
        )));
    assert_eq!(
        refused(bad_e911).await,
        ["apeiron.e911.state", "apeiron.e911.postal_code"]
    );

    let empty_loa = doc_request().with_document(Document::new(
        DocumentKind::LetterOfAuthorization,
        "loa.pdf",
        "application/pdf",
        Vec::new(),
    ));
    assert_eq!(refused(empty_loa).await, ["documents[0].bytes"]);
    let word_bill = doc_request().with_document(Document::new(
        DocumentKind::Bill,
        "bill.docx",
        "application/msword",
        b"doc".to_vec(),
    ));
    assert_eq!(refused(word_bill).await, ["documents[0].media_type"]);

    let bare = PortRequest::new(vec![
        PortLine::new(PhoneNumber::nanp("4246346488").unwrap())
            .with_sim(Iccid::parse(ICCID).unwrap()),
    ])
    .with_apeiron(ApeironOptions::new("UTT5GB"));
    assert_eq!(
        refused(bare).await,
        ["subscriber", "authorization_name", "account_number", "pin"]
    );

    let mut no_options = doc_request();
    no_options.apeiron = None;
    assert_eq!(refused(no_options).await, ["apeiron"]);
}

#[tokio::test]
async fn only_submit_is_supported_and_capabilities_say_so() {
    let server = server().await;
    let provider: std::sync::Arc<dyn PortProvider> = std::sync::Arc::new(client(&server));
    let caps = provider.capabilities();
    let mut want = Capabilities::NONE;
    want.submit = true;
    want.documents = true;
    assert_eq!(caps, want);
    let id = PortId::new("41").unwrap();
    let unsupported = |e: Error| match e {
        Error::Unsupported { operation, .. } => operation,
        other => panic!("{other:?}"),
    };
    assert_eq!(
        unsupported(provider.order(&id).await.unwrap_err()),
        Operation::Order
    );
    assert_eq!(
        unsupported(provider.cancel(&id).await.unwrap_err()),
        Operation::Cancel
    );
    assert_eq!(
        unsupported(provider.check_portability(&[]).await.unwrap_err()),
        Operation::CheckPortability
    );
    let listed: Vec<_> = futures::StreamExt::collect(provider.orders()).await;
    assert_eq!(listed.len(), 1);
    assert_eq!(
        unsupported(listed.into_iter().next().unwrap().unwrap_err()),
        Operation::ListOrders
    );
    assert!(requests(&server).await.is_empty());
}

#[test]
fn the_token_never_reaches_debug_output() {
    let client = ApeironClient::builder()
        .username(USER)
        .api_token(TOKEN)
        .build()
        .unwrap();
    assert_eq!(
        format!("{client:?}"),
        "ApeironClient { base_url: BaseUrl(https://api.apeiron.io/), username: \"ops@example.com\", api_token: Credential([REDACTED]) }"
    );
    let builder = ApeironClient::builder().username(USER).api_token(TOKEN);
    assert!(!format!("{builder:?}").contains("tok:en"));
    let request = doc_request();
    let debug = format!("{request:?}");
    assert!(
        !debug.contains("123456789") && !debug.contains("\"1234\""),
        "{debug}"
    );
}

#[tokio::test]
async fn a_pin_or_account_number_echoed_by_apeiron_is_redacted() {
    let server = server().await;
    answer(
        &server,
        400,
        json!({"pin": ["1234 is not the PIN of account 123456789."]}),
    )
    .await;
    let err = client(&server).submit(&doc_request()).await.unwrap_err();
    assert_eq!(err.reject_reason(), Some(RejectReason::IncorrectPin));
    assert_eq!(
        err.field_errors()[0].problem,
        "[REDACTED] is not the PIN of account [REDACTED]."
    );
    let shown = format!("{err} {err:?}");
    assert!(
        !shown.contains("1234") && !shown.contains("123456789"),
        "{shown}"
    );
}

#[tokio::test]
async fn the_basic_value_the_token_and_secrets_as_field_names_are_redacted() {
    let server = server().await;
    let encoded = basic()["Basic ".len()..].to_owned();
    // A DRF body keyed by the account number, echoing the Authorization
    // header and the token in another case, and the PIN right at the cut.
    let long = format!("{}{}", "x".repeat(497), "1234");
    answer(
        &server,
        400,
        json!({
            "123456789": [format!("auth was {} / {}", basic(), TOKEN.to_uppercase())],
            "detail": long,
        }),
    )
    .await;
    let err = client(&server).submit(&doc_request()).await.unwrap_err();
    let shown = format!("{err} {err:?}");
    for secret in [
        "1234",
        "123456789",
        encoded.as_str(),
        TOKEN,
        "TOK:EN/WITH+SYMBOLS",
    ] {
        assert!(!shown.contains(secret), "{secret} in {shown}");
    }
    assert_eq!(err.field_errors()[0].field, "[REDACTED]");
    assert_eq!(requests(&server).await.len(), 1);
}

#[tokio::test]
async fn an_answer_that_echoes_the_request_is_kept_without_its_secrets() {
    let server = server().await;
    answer(&server, 201, json!({"id": 77, "echo": doc_body()})).await;
    let submission = client(&server).submit(&doc_request()).await.unwrap();
    let raw = &submission.orders[0].raw;
    assert_eq!(raw["id"], json!(77));
    assert_eq!(raw["echo"]["pin"], json!("[REDACTED]"));
    assert_eq!(raw["echo"]["account_number"], json!("[REDACTED]"));
    assert_eq!(raw["echo"]["mdn"], json!("4246346488"));
}

#[tokio::test]
async fn a_redirect_on_submit_is_not_followed_and_the_outcome_is_unknown() {
    let server = server().await;
    let elsewhere = strict_server().await;
    Mock::given(method("POST"))
        .and(path("/v2/cellular/port"))
        .respond_with(
            ResponseTemplate::new(307)
                .insert_header("Location", format!("{}/v2/cellular/port", elsewhere.uri())),
        )
        .mount(&server)
        .await;
    let err = client(&server).submit(&doc_request()).await.unwrap_err();
    assert!(err.is_outcome_unknown() && err.is_redirect() && !err.is_never_sent());
    assert_eq!(err.status(), Some(307));
    assert_eq!(requests(&server).await.len(), 1);
    assert!(elsewhere.received_requests().await.unwrap().is_empty());
}

#[tokio::test]
async fn each_documented_reason_is_a_rejection_whatever_the_4xx_carrying_it() {
    let reasons = [
        (
            "Address mismatch: must match losing carrier records",
            RejectReason::AddressMismatch,
        ),
        (
            "Invalid ICCID: must be unused and assigned to your org",
            RejectReason::InvalidIccid,
        ),
        (
            "Incorrect PIN: verify with losing carrier",
            RejectReason::IncorrectPin,
        ),
        (
            "MDN inactive: must be active and not pending port",
            RejectReason::MdnInactive,
        ),
        (
            "Plan invalid: check service_plan or subscriber_service_plan_id",
            RejectReason::PlanInvalid,
        ),
    ];
    let mut rows = 0;
    for (text, reason) in reasons {
        for status in [400u16, 403, 409, 422] {
            for body in [
                json!({ "detail": text }),
                json!({ "error": "rejected", "message": text }),
            ] {
                let server = server().await;
                answer(&server, status, body.clone()).await;
                let err = client(&server).submit(&doc_request()).await.unwrap_err();
                assert!(err.is_rejected(), "{status} {body}: {err:?}");
                assert_eq!(err.reject_reason(), Some(reason), "{status} {body}");
                assert_eq!(err.status(), Some(status));
                assert_eq!(err.carrier_message().map(|m| m.contains(text)), Some(true));
                assert_eq!(requests(&server).await.len(), 1);
                rows += 1;
            }
        }
    }
    println!("{rows} reason × status × body shape rows");
}

#[tokio::test]
async fn undocumented_words_keep_the_status_meaning() {
    let server = server().await;
    answer(
        &server,
        403,
        json!({"detail": "You do not have permission to perform this action."}),
    )
    .await;
    let err = client(&server).submit(&doc_request()).await.unwrap_err();
    assert!(err.is_auth(), "{err:?}");
}
