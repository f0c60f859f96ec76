//! No secret value ever reaches `Debug` output or an error message.

mod support;

use numport::carrier::cellhire::{
    CellhireAuth, CellhireClient, CellhireOptions, CreatePort, CreatePortRow, PortType, RowUpdate,
    Service,
};
use numport::{
    AccountNumber, Address, Amendment, Credential, Document, DocumentKind, Error, Iccid, Pac,
    PhoneNumber, Pin, PortLine, PortProvider, PortRequest, Subscriber,
};
use serde_json::json;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::support::mock::strict_server;

const PAC: &str = "ZQX482913";
const PIN: &str = "48213";
const ACCOUNT: &str = "ACCT77123";
const CLIENT_SECRET: &str = "cs-Hx7-secret-value";
const STATIC_TOKEN: &str = "static-token-Qm9vYmll";
const GRANTED_TOKEN: &str = "granted-token-WW91IGZvdW5k";
const DOC_BYTES: &[u8] = b"%PDF-1.4 SIGNATURE-BLOB";

const SECRETS: &[&str] = &[
    PAC,
    PIN,
    ACCOUNT,
    CLIENT_SECRET,
    STATIC_TOKEN,
    GRANTED_TOKEN,
    "SIGNATURE-BLOB",
];

fn assert_clean(what: &str, rendered: &str) {
    for secret in SECRETS {
        assert!(
            !rendered.contains(secret),
            "{what} shows {secret:?}: {rendered}"
        );
    }
}

fn request() -> PortRequest {
    let line = PortLine::new(PhoneNumber::parse("+447700900123").unwrap())
        .with_sim(Iccid::with_check_digit("8944100030123456789").unwrap())
        .with_pac(Pac::new(PAC).unwrap())
        .esim(false);
    PortRequest::new(vec![line])
        .with_subscriber(
            Subscriber::new("Ada", "Lovelace")
                .with_business_name("Analytical Engines Ltd")
                .with_address(
                    Address::new("1 Main St", "London", "LDN", "N1 9GU", "GB")
                        .with_line2("Floor 2"),
                ),
        )
        .with_authorization_name("Ada Lovelace")
        .with_losing_account(AccountNumber::new(ACCOUNT).unwrap(), Pin::new(PIN).unwrap())
        .with_document(Document::new(
            DocumentKind::LetterOfAuthorization,
            "loa.pdf",
            "application/pdf",
            DOC_BYTES,
        ))
        .with_reference("ticket-1")
        .with_cellhire(
            CellhireOptions::new("Batch", 1, 5, 102344)
                .with_provisioning_order(3630)
                .with_bolt_ons(vec![502248])
                .with_service(Service::new("voice", "true")),
        )
}

#[test]
fn secret_types_render_exactly_redacted() {
    assert_eq!(format!("{:?}", Pac::new(PAC).unwrap()), "Pac([REDACTED])");
    assert_eq!(format!("{:?}", Pin::new(PIN).unwrap()), "Pin([REDACTED])");
    assert_eq!(
        format!("{:?}", AccountNumber::new(ACCOUNT).unwrap()),
        "AccountNumber([REDACTED])"
    );
    assert_eq!(
        format!("{:?}", Credential::new("token", STATIC_TOKEN).unwrap()),
        "Credential([REDACTED])"
    );
    assert_eq!(
        format!(
            "{:?}",
            Document::new(DocumentKind::Bill, "bill.png", "image/png", DOC_BYTES)
        ),
        "Document { kind: Bill, file_name: \"bill.png\", media_type: \"image/png\", len: 23 }"
    );
}

#[test]
fn populated_requests_and_changes_are_clean() {
    let req = request();
    assert_clean("PortRequest", &format!("{req:?}"));
    assert_clean("PortRequest (pretty)", &format!("{req:#?}"));
    let amendment = Amendment::new()
        .new_pac(
            PhoneNumber::parse("+447700900123").unwrap(),
            Pac::new(PAC).unwrap(),
        )
        .cancel_line(PhoneNumber::parse("+447700900124").unwrap());
    assert_clean("Amendment", &format!("{amendment:?}"));
    let create = CreatePort {
        name: "Batch".into(),
        target_network_id: 1,
        source_network_id: 5,
        connection_date: chrono::NaiveDate::from_ymd_opt(2026, 5, 5).unwrap(),
        port_type: PortType::PortIn,
        rows: vec![CreatePortRow {
            group_name: "G".into(),
            esim: false,
            msisdn: PhoneNumber::parse("+447700900123").unwrap(),
            serial_no: Iccid::unchecked("2358880040200").unwrap(),
            provisioning_order: Some(1),
            provisioning_order_name: None,
            pac: Pac::new(PAC).unwrap(),
            tariff_id: 2,
            bolt_ons: vec![],
            services: None,
        }],
    };
    assert_clean("CreatePort", &format!("{create:?}"));
    let update = RowUpdate::Amend {
        msisdn: PhoneNumber::parse("+447700900123").unwrap(),
        pac: Pac::new(PAC).unwrap(),
    };
    assert_clean("RowUpdate", &format!("{update:?}"));
}

#[test]
fn clients_builders_and_config_are_clean() {
    let builder = CellhireClient::builder()
        .account_id(1)
        .client_credentials("cid", CLIENT_SECRET);
    assert_clean("builder", &format!("{builder:?}"));
    let client = builder.build().unwrap();
    assert_clean("client (client credentials)", &format!("{client:?}"));
    let client = CellhireClient::builder()
        .account_id(1)
        .bearer_token(STATIC_TOKEN)
        .build()
        .unwrap();
    assert_clean("client (static token)", &format!("{client:?}"));
    let auth = CellhireAuth::Token(Credential::new("token", STATIC_TOKEN).unwrap());
    assert_clean("CellhireAuth", &format!("{auth:?}"));
    // A bad secret's validation error names the field, not the value.
    let err = CellhireClient::builder()
        .account_id(1)
        .bearer_token("bad\ntoken-VALUE")
        .build()
        .unwrap_err();
    assert!(!format!("{err:?}{err}").contains("token-VALUE"), "{err:?}");
}

/// A client on `server` with OAuth client credentials (token endpoint on the
/// same server).
fn oauth_client(server: &MockServer) -> CellhireClient {
    CellhireClient::builder()
        .base_url(server.uri())
        .token_url(format!("{}/connect/token", server.uri()))
        .account_id(1)
        .client_credentials("cid", CLIENT_SECRET)
        .build()
        .unwrap()
}

#[tokio::test]
async fn tokens_in_use_and_details_with_pacs_stay_clean() {
    let server = strict_server().await;
    Mock::given(method("POST"))
        .and(path("/connect/token"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "access_token": GRANTED_TOKEN, "expires_in": 3600, "token_type": "Bearer", "scope": "porting"
        })))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/porting/1/port/93949676-932c-4c43-140f-08dca4c4f4e2"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "id": "93949676-932c-4c43-140f-08dca4c4f4e2", "status": 2, "statusName": "PacCheckFailed",
            "rows": [{"id": "r1", "msisdn": "07700900123", "serialNo": "2358880040200", "pac": PAC,
                      "status": 3, "statusName": "PacInvalid", "message": "PAC check failed"}]
        })))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/porting/1/networks"))
        .respond_with(ResponseTemplate::new(401))
        .mount(&server)
        .await;
    let client = oauth_client(&server);
    let id = numport::PortId::new("93949676-932c-4c43-140f-08dca4c4f4e2").unwrap();
    let details = client.port_details(&id).await.unwrap();
    assert_eq!(details.rows[0].pac.as_ref().map(Pac::expose), Some(PAC));
    assert_clean("PortDetails", &format!("{details:?}"));
    assert_clean(
        "PortOrder",
        &format!("{:?}", client.order(&id).await.unwrap()),
    );
    assert_clean("client after a grant", &format!("{client:?}"));
    let err: Error = client.networks().await.unwrap_err();
    assert!(err.is_auth(), "{err:?}");
    assert_clean("auth error", &format!("{err:?} {err}"));
}

fn assert_clean_any_case(what: &str, rendered: &str) {
    let lower = rendered.to_lowercase();
    for secret in SECRETS {
        assert!(
            !lower.contains(&secret.to_lowercase()),
            "{what} shows {secret:?} in some letter case: {rendered}"
        );
    }
}

#[tokio::test]
async fn a_token_endpoint_echoing_the_client_secret_is_redacted() {
    let server = strict_server().await;
    Mock::given(method("POST"))
        .and(path("/connect/token"))
        .respond_with(ResponseTemplate::new(400).set_body_json(json!({
            "error": "invalid_client",
            "error_description": format!("client_secret {CLIENT_SECRET} is not valid"),
        })))
        .expect(1)
        .mount(&server)
        .await;
    let client = oauth_client(&server);
    let err = client.networks().await.unwrap_err();
    assert!(err.is_auth(), "{err:?}");
    assert_clean_any_case("token endpoint error", &format!("{err} {err:?}"));
}

#[tokio::test]
async fn the_access_token_and_a_pac_in_another_case_as_a_field_name_are_redacted() {
    let server = strict_server().await;
    Mock::given(method("POST"))
        .and(path("/connect/token"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "access_token": GRANTED_TOKEN, "expires_in": 3600, "token_type": "Bearer"
        })))
        .mount(&server)
        .await;
    let id = "93949676-932c-4c43-140f-08dca4c4f4e2";
    // A PAC echoed lower-case, as a field name, and right at the 500-char cut.
    let long = format!("{}{}", "x".repeat(495), PAC.to_lowercase());
    Mock::given(method("PATCH"))
        .and(path(format!("/api/porting/1/port/{id}")))
        .respond_with(ResponseTemplate::new(400).set_body_json(json!({
            "title": long,
            "errors": {PAC.to_lowercase(): [format!("token {} expired", GRANTED_TOKEN.to_uppercase())]},
        })))
        .expect(1)
        .mount(&server)
        .await;
    let client = oauth_client(&server);
    let err = client
        .update_port(
            &numport::PortId::new(id).unwrap(),
            &[RowUpdate::Amend {
                msisdn: PhoneNumber::parse("+447700900123").unwrap(),
                pac: Pac::new(PAC).unwrap(),
            }],
        )
        .await
        .unwrap_err();
    assert!(err.is_rejected(), "{err:?}");
    assert_eq!(err.field_errors()[0].field, "[REDACTED]");
    assert_clean_any_case("amend error", &format!("{err} {err:?}"));
    // Not even the first characters of the PAC survive the cut.
    assert!(!format!("{err}").to_lowercase().contains("zqx48"), "{err}");
}

#[test]
fn a_password_in_a_base_url_never_reaches_debug() {
    let builder = CellhireClient::builder()
        .base_url("https://ops:hunter2-pass@api.cellhire.com")
        .account_id(1)
        .bearer_token(STATIC_TOKEN);
    let shown = format!("{builder:?}");
    assert!(!shown.contains("hunter2-pass"), "{shown}");
    let err = builder.build().unwrap_err();
    assert!(err.is_validation(), "{err:?}");
    assert_eq!(err.field_errors()[0].field, "base_url");
    assert!(!format!("{err} {err:?}").contains("hunter2-pass"));
}
