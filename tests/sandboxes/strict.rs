//! The sandboxes held to their carriers' documents, over raw HTTP: every
//! request is written as the document shows it (reqwest directly, no
//! numport client), and every answer is checked against the document's
//! status and body, for the trigger value and for the happy path next to it.

use std::time::Duration;

use chrono::NaiveDate;
use numport::sandbox::{ApeironSandbox, CellhireSandbox, CellhireSandboxConfig, INumberingSandbox};
use reqwest::StatusCode;
use serde_json::{Value, json};

// ---------------------------------------------------------------- Cellhire

/// The Content-Type every Cellhire example sends.
const CELLHIRE_JSON: &str = "application/json;charset=UTF-8";

/// Friday 2026-05-01: Vodafone's earliest date is Tuesday 05-05 (Monday
/// 05-04 is a bank holiday).
fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 5, 1).unwrap()
}

struct Cellhire {
    sandbox: CellhireSandbox,
    http: reqwest::Client,
    token: String,
}

impl Cellhire {
    async fn start() -> Self {
        let sandbox =
            CellhireSandbox::start_with(CellhireSandboxConfig::default().with_today(today()))
                .await
                .unwrap();
        let http = reqwest::Client::new();
        let grant: Value = http
            .post(sandbox.token_url())
            .form(&[
                ("client_id", sandbox.client_id()),
                ("client_secret", sandbox.client_secret()),
                ("grant_type", "client_credentials"),
            ])
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let token = grant["access_token"].as_str().unwrap().to_owned();
        Self {
            sandbox,
            http,
            token,
        }
    }

    fn url(&self, tail: &str) -> String {
        format!(
            "{}/api/porting/{}{tail}",
            self.sandbox.base_url(),
            self.sandbox.account_id()
        )
    }

    fn request(&self, method: reqwest::Method, tail: &str) -> reqwest::RequestBuilder {
        self.http
            .request(method, self.url(tail))
            .header("Authorization", format!("Bearer {}", self.token))
    }

    /// Create Port exactly as the document's example sends it.
    async fn create_raw(&self, body: &Value) -> (StatusCode, Value) {
        let reply = self
            .request(reqwest::Method::POST, "")
            .header("Content-Type", CELLHIRE_JSON)
            .body(body.to_string())
            .send()
            .await
            .unwrap();
        let status = reply.status();
        let text = reply.text().await.unwrap();
        (
            status,
            serde_json::from_str(&text).unwrap_or(Value::String(text)),
        )
    }

    async fn create(&self, body: &Value) -> String {
        let (status, id) = self.create_raw(body).await;
        assert_eq!(status, StatusCode::CREATED, "{id}");
        id.as_str().unwrap().to_owned()
    }

    async fn details(&self, id: &str) -> Value {
        let reply = self
            .request(reqwest::Method::GET, &format!("/port/{id}"))
            .header("Content-Type", CELLHIRE_JSON)
            .send()
            .await
            .unwrap();
        assert_eq!(reply.status(), StatusCode::OK);
        reply.json().await.unwrap()
    }

    /// The port's statusName on each of `polls` Get Port Details calls.
    async fn statuses(&self, id: &str, polls: usize) -> Vec<String> {
        let mut seen = Vec::new();
        for _ in 0..polls {
            seen.push(
                self.details(id).await["statusName"]
                    .as_str()
                    .unwrap()
                    .to_owned(),
            );
        }
        seen
    }

    async fn update(&self, id: &str, rows: Value) -> (StatusCode, Value) {
        let reply = self
            .request(reqwest::Method::PATCH, &format!("/port/{id}"))
            .header("Content-Type", CELLHIRE_JSON)
            .body(json!({ "Rows": rows }).to_string())
            .send()
            .await
            .unwrap();
        let status = reply.status();
        let text = reply.text().await.unwrap();
        (status, serde_json::from_str(&text).unwrap_or(Value::Null))
    }

    async fn cancel(&self, id: &str) -> StatusCode {
        self.request(reqwest::Method::DELETE, &format!("/port/{id}"))
            .header("Content-Type", CELLHIRE_JSON)
            .send()
            .await
            .unwrap()
            .status()
    }
}

fn row(msisdn: &str, pac: &str) -> Value {
    json!({
        "groupName": "Group1",
        "esim": false,
        "msisdn": msisdn,
        "serialNo": "1234567890",
        "provisioningOrder": 3630,
        "provisioningOrderName": null,
        "pac": pac,
        "tariffId": 102344,
        "boltOns": [502248],
        "services": [{"name": "voice", "value": "true"}, {"name": "voiceRoaming", "value": "true"}]
    })
}

/// The document's Create Port example, on the sandbox's Vodafone (1, from
/// O2 5), with `rows` and `portType`.
fn port(port_type: &str, rows: Vec<Value>) -> Value {
    json!({
        "name": "Example Port",
        "targetNetworkId": 1,
        "sourceNetworkId": 5,
        "connectionDate": "2026-05-05T00:00:00.000Z",
        "portType": port_type,
        "rows": rows
    })
}

fn row_of<'a>(details: &'a Value, msisdn: &str) -> &'a Value {
    details["rows"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["msisdn"] == msisdn)
        .unwrap()
}

#[tokio::test]
async fn cellhire_pac_invalid_date_rows_are_amended() {
    let c = Cellhire::start().await;
    let id = c
        .create(&port(
            "PortIn",
            vec![
                row("07700900123", "EXP123456"),
                row("07700900124", "KQM482913"),
            ],
        ))
        .await;
    assert_eq!(c.details(&id).await["statusName"], "Created");
    let checked = c.details(&id).await;
    assert_eq!(checked["statusName"], "PacCheckFailed");
    let expiring = row_of(&checked, "07700900123");
    assert_eq!(expiring["statusName"], "PacInvalidDate");
    assert_eq!(
        expiring["message"],
        "PAC EXP123456 expires before the connection date"
    );
    // The happy path next to it: a valid PAC.
    let valid = row_of(&checked, "07700900124");
    assert_eq!(valid["statusName"], "PacValid");
    assert_eq!(valid["message"], Value::Null);

    let (status, _) = c
        .update(
            &id,
            json!([{"Msisdn": "07700900123", "Pac": "KQM482914", "PortRowStatus": "Amended"}]),
        )
        .await;
    assert_eq!(status, StatusCode::ACCEPTED);
    let amended = c.details(&id).await;
    assert_eq!(row_of(&amended, "07700900123")["statusName"], "Amended");
    assert_eq!(c.details(&id).await["statusName"], "Submitted");
}

#[tokio::test]
async fn cellhire_update_port_only_on_the_documented_row_states() {
    let c = Cellhire::start().await;
    let id = c
        .create(&port(
            "PortIn",
            vec![
                row("07700900123", "PAC12345"),
                row("07700900124", "EXP123456"),
                row("07700900125", "KQM482913"),
            ],
        ))
        .await;
    c.details(&id).await; // Created
    let checked = c.details(&id).await;
    assert_eq!(row_of(&checked, "07700900123")["statusName"], "PacInvalid");
    assert_eq!(
        row_of(&checked, "07700900124")["statusName"],
        "PacInvalidDate"
    );
    assert_eq!(row_of(&checked, "07700900125")["statusName"], "PacValid");

    // A PacValid row's PAC cannot be amended, nor the row cancelled.
    for update in [
        json!({"Msisdn": "07700900125", "Pac": "KQM482999", "PortRowStatus": "Amended"}),
        json!({"Msisdn": "07700900125", "PortRowStatus": "CancellationRequested"}),
    ] {
        let (status, body) = c.update(&id, json!([update])).await;
        assert_eq!(status, StatusCode::CONFLICT, "{body}");
    }
    // PacInvalid: amended; PacInvalidDate: cancelled (at once).
    let (status, _) = c
        .update(
            &id,
            json!([
                {"Msisdn": "07700900123", "Pac": "KQM482914", "PortRowStatus": "Amended"},
                {"Msisdn": "07700900124", "PortRowStatus": "CancellationRequested"}
            ]),
        )
        .await;
    assert_eq!(status, StatusCode::ACCEPTED);
    let now = c.details(&id).await;
    assert_eq!(row_of(&now, "07700900123")["statusName"], "Amended");
    assert_eq!(row_of(&now, "07700900124")["statusName"], "Cancelled");

    // Get Port Details answers, then moves the port on: it is Submitted now.
    assert_eq!(c.sandbox.port_status(&id).as_deref(), Some("Submitted"));
    // A Submitted row may be cancelled, not amended.
    let (status, _) = c
        .update(
            &id,
            json!([{"Msisdn": "07700900125", "Pac": "KQM482999", "PortRowStatus": "Amended"}]),
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT);
    let (status, _) = c
        .update(
            &id,
            json!([{"Msisdn": "07700900125", "PortRowStatus": "CancellationRequested"}]),
        )
        .await;
    assert_eq!(status, StatusCode::ACCEPTED);
    let submitted = c.details(&id).await;
    assert_eq!(submitted["statusName"], "Submitted");
    assert_eq!(
        row_of(&submitted, "07700900125")["statusName"],
        "CancellationRequested"
    );
    let after = c.details(&id).await;
    assert_eq!(row_of(&after, "07700900125")["statusName"], "Cancelled");
    // A Locked row is past both.
    assert_eq!(row_of(&after, "07700900123")["statusName"], "Locked");
    let (status, _) = c
        .update(
            &id,
            json!([{"Msisdn": "07700900123", "PortRowStatus": "CancellationRequested"}]),
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT);
}

#[tokio::test]
async fn cellhire_cancel_port_only_before_locked() {
    let c = Cellhire::start().await;
    // PacCheckFailed: cancelled at once.
    let failed = c
        .create(&port("PortIn", vec![row("07700900123", "EXP123456")]))
        .await;
    assert_eq!(c.statuses(&failed, 2).await, ["Created", "PacCheckFailed"]);
    assert_eq!(c.cancel(&failed).await, StatusCode::ACCEPTED);
    assert_eq!(c.statuses(&failed, 1).await, ["Cancelled"]);

    // Submitted: cancelled on the next poll.
    let submitted = c
        .create(&port("PortIn", vec![row("07700900124", "KQM482913")]))
        .await;
    assert_eq!(c.statuses(&submitted, 1).await, ["Created"]);
    assert_eq!(
        c.sandbox.port_status(&submitted).as_deref(),
        Some("Submitted")
    );
    assert_eq!(c.cancel(&submitted).await, StatusCode::ACCEPTED);
    assert_eq!(c.statuses(&submitted, 2).await, ["Submitted", "Cancelled"]);

    // Locked: too late.
    let locked = c
        .create(&port("PortIn", vec![row("07700900125", "KQM482913")]))
        .await;
    assert_eq!(c.statuses(&locked, 2).await, ["Created", "Submitted"]);
    assert_eq!(c.sandbox.port_status(&locked).as_deref(), Some("Locked"));
    assert_eq!(c.cancel(&locked).await, StatusCode::CONFLICT);
}

#[tokio::test]
async fn cellhire_error_states_have_triggers() {
    let c = Cellhire::start().await;
    let with_errors = c
        .create(&port("PortIn", vec![row("07700900901", "KQM482913")]))
        .await;
    assert_eq!(
        c.statuses(&with_errors, 4).await,
        [
            "Created",
            "Submitted",
            "SubmittedWithErrors",
            "SubmittedWithErrors"
        ]
    );
    let details = c.details(&with_errors).await;
    assert_eq!(details["rows"][0]["statusName"], "SubmittedWithErrors");
    assert_eq!(c.cancel(&with_errors).await, StatusCode::CONFLICT);

    let error = c
        .create(&port("PortIn", vec![row("447700900902", "KQM482913")]))
        .await;
    assert_eq!(
        c.statuses(&error, 6).await,
        ["Created", "Submitted", "Locked", "Ported", "Error", "Error"]
    );

    // The happy path next to them.
    let fine = c
        .create(&port("PortIn", vec![row("07700900904", "KQM482913")]))
        .await;
    assert_eq!(
        c.statuses(&fine, 6).await,
        [
            "Created",
            "Submitted",
            "Locked",
            "Ported",
            "Create RA",
            "Awaiting RA"
        ]
    );
}

#[tokio::test]
async fn cellhire_migrate_in_keep_waits_for_the_serial() {
    let c = Cellhire::start().await;
    let networks: Value = c
        .request(reqwest::Method::GET, "/networks")
        .header("Content-Type", CELLHIRE_JSON)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let names: Vec<&str> = networks
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["portTypeName"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["Port", "MigrateIn", "MigrateInKeep"]);

    let keep = c
        .create(&port(
            "MigrateInKeep",
            vec![row("07700900123", "KQM482913")],
        ))
        .await;
    assert_eq!(
        c.statuses(&keep, 6).await,
        [
            "Created",
            "Submitted",
            "Locked",
            "Ported",
            "Awaiting Serial",
            "Create RA"
        ]
    );
    assert_eq!(c.details(&keep).await["portTypeName"], "MigrateInKeep");

    let migrate = c
        .create(&port("MigrateIn", vec![row("07700900124", "KQM482913")]))
        .await;
    assert_eq!(
        c.statuses(&migrate, 5).await,
        ["Created", "Submitted", "Locked", "Ported", "Create RA"]
    );
    assert_eq!(c.details(&migrate).await["portTypeName"], "MigrateIn");
}

#[tokio::test]
async fn cellhire_source_network_rejection_cancels_with_the_reason() {
    let c = Cellhire::start().await;
    let id = c
        .create(&port(
            "PortIn",
            vec![
                row("07700900903", "KQM482913"),
                row("07700900124", "KQM482914"),
            ],
        ))
        .await;
    assert_eq!(c.statuses(&id, 2).await, ["Created", "Submitted"]);
    let cancelled = c.details(&id).await;
    assert_eq!(cancelled["statusName"], "Cancelled");
    let refused = row_of(&cancelled, "07700900903");
    assert_eq!(refused["statusName"], "Cancelled");
    assert_eq!(
        refused["message"],
        "Rejected by the source network: the account holder has asked for the number not to be ported"
    );
    let other = row_of(&cancelled, "07700900124");
    assert_eq!(other["statusName"], "Cancelled");
    assert_eq!(
        other["message"],
        "Cancelled: the source network rejected 07700900903 on this port"
    );
    // The number is free again: the happy path books it, without it the
    // port is not rejected.
    let again = c
        .create(&port("PortIn", vec![row("07700900124", "KQM482914")]))
        .await;
    assert_eq!(
        c.statuses(&again, 3).await,
        ["Created", "Submitted", "Locked"]
    );
}

#[tokio::test]
async fn cellhire_group_name_is_unique_per_configuration() {
    let c = Cellhire::start().await;
    // One name, two configurations.
    let mut other_tariff = row("07700900124", "KQM482914");
    other_tariff["tariffId"] = json!(102345);
    let (status, body) = c
        .create_raw(&port(
            "PortIn",
            vec![row("07700900123", "KQM482913"), other_tariff.clone()],
        ))
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(
        body["errors"]["rows[1].groupName"][0],
        "The groupName Group1 is already used by rows[0] with another Tariff + BoltOn + Services configuration; a groupName should be unique per Tariff + BoltOn + Services configuration."
    );
    // One configuration, two names.
    let mut renamed = row("07700900124", "KQM482914");
    renamed["groupName"] = json!("Group2");
    let (status, body) = c
        .create_raw(&port(
            "PortIn",
            vec![row("07700900123", "KQM482913"), renamed],
        ))
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(
        body["errors"]["rows[1].groupName"][0],
        "rows[0] has the same Tariff + BoltOn + Services configuration under the groupName Group1; a groupName should be unique per Tariff + BoltOn + Services configuration."
    );
    // Happy paths: a name per configuration; bolt-ons and services as sets.
    other_tariff["groupName"] = json!("Group2");
    let mut reordered = row("07700900125", "KQM482915");
    reordered["services"] = json!([
        {"name": "voiceRoaming", "value": "true"},
        {"name": "voice", "value": "true"}
    ]);
    let (status, body) = c
        .create_raw(&port(
            "PortIn",
            vec![row("07700900123", "KQM482913"), other_tariff, reordered],
        ))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
}

#[tokio::test]
async fn cellhire_content_type_is_checked_on_requests_with_a_body() {
    let c = Cellhire::start().await;
    let body = port("PortIn", vec![row("07700900123", "KQM482913")]).to_string();
    for content_type in [
        None,
        Some("text/plain"),
        Some("application/json;charset=ISO-8859-1"),
    ] {
        let mut rb = c.request(reqwest::Method::POST, "").body(body.clone());
        if let Some(ct) = content_type {
            rb = rb.header("Content-Type", ct);
        }
        let reply = rb.send().await.unwrap();
        assert_eq!(
            reply.status(),
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "{content_type:?}"
        );
        let problem: Value = reply.json().await.unwrap();
        assert_eq!(problem["status"], 415);
        assert_eq!(problem["title"], "Unsupported Media Type");
    }
    // As the document sends it.
    let id = c
        .create(&port("PortIn", vec![row("07700900123", "KQM482913")]))
        .await;
    // PATCH too.
    let reply = c
        .request(reqwest::Method::PATCH, &format!("/port/{id}"))
        .body(
            json!({"Rows": [{"Msisdn": "07700900123", "PortRowStatus": "CancellationRequested"}]})
                .to_string(),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(reply.status(), StatusCode::UNSUPPORTED_MEDIA_TYPE);
    // GET and DELETE carry no body: no Content-Type needed.
    let reply = c
        .request(reqwest::Method::GET, &format!("/port/{id}"))
        .send()
        .await
        .unwrap();
    assert_eq!(reply.status(), StatusCode::OK);
    let reply = c
        .request(reqwest::Method::DELETE, &format!("/port/{id}"))
        .send()
        .await
        .unwrap();
    assert_eq!(reply.status(), StatusCode::ACCEPTED);
}

// --------------------------------------------------------------- iNumbering

struct INumbering {
    sandbox: INumberingSandbox,
    http: reqwest::Client,
}

impl INumbering {
    async fn start() -> Self {
        Self {
            sandbox: INumberingSandbox::start().await.unwrap(),
            http: reqwest::Client::new(),
        }
    }

    /// The API key exchange as the document shows it: no Authorization.
    async fn key(&self, username: u64) -> String {
        let reply: Value = self
            .http
            .post(format!("{}/v2.2/account/apikey", self.sandbox.base_url()))
            .json(&json!({"username": username, "password": self.sandbox.password()}))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(reply["status"], "success");
        reply["data"]["apikey"].as_str().unwrap().to_owned()
    }

    async fn post(&self, key: &str, path: &str, body: Value) -> (StatusCode, Value) {
        let reply = self
            .http
            .post(format!("{}{path}", self.sandbox.base_url()))
            .bearer_auth(key)
            .json(&body)
            .send()
            .await
            .unwrap();
        (reply.status(), reply.json().await.unwrap())
    }

    async fn availability(&self, key: &str, tns: &[u64]) -> (StatusCode, Value) {
        let items: Vec<Value> = tns.iter().map(|tn| json!({"tn": tn})).collect();
        self.post(
            key,
            "/v2/iNumbering/portInAvailability/",
            json!({"apikey": key, "tnList": {"tnItem": items}}),
        )
        .await
    }

    async fn port_in_order(&self, key: &str, tn: &str) -> (StatusCode, Value) {
        self.post(
            key,
            "/v2/iNumbering/portInOrder/",
            json!({"apikey": key, "portInOrder": {
                "desiredDueDate": "2026-12-15",
                "tnList": {"tnItem": [{
                    "tn": tn,
                    "atn": tn,
                    "accountNum": "5512098734",
                    "authName": "Maria Lopez",
                    "accountPin": "7731",
                    "endUser": {
                        "name": "Maria Lopez",
                        "streetNum": "233",
                        "streetPreDir": "S",
                        "streetName": "Wacker",
                        "streetType": "Dr",
                        "city": "Chicago",
                        "state": "IL",
                        "postalCode": "60606",
                        "typeOfService": "R"
                    }
                }]}
            }}),
        )
        .await
    }

    async fn port_status(&self, key: &str) -> (StatusCode, Value) {
        self.post(key, "/v2.1/iNumbering/portStatus/", json!({"apikey": key}))
            .await
    }

    async fn account_port(&self, key: &str, body: Value) -> (StatusCode, Value) {
        self.post(key, "/v2.2/account/port", body).await
    }
}

/// The `portSubmitRequest` schema's example values.
fn port_submit(did: &str) -> Value {
    json!({
        "did": [did],
        "name": "Acme Corp",
        "name_type": "business",
        "lc_btn": "2015551000",
        "lc_account_number": "123456789",
        "pin": "1234",
        "StreetNumber": "550",
        "StreetPrefix": "N",
        "Street": "Main",
        "StreetType": "ST",
        "StreetSuffix": "",
        "City": "Chicago",
        "State": "IL",
        "zip": "60601",
        "Country": "US",
        "auth_person": "Jane Smith",
        "desired_due_date": "2026-06-15"
    })
}

#[tokio::test]
async fn inumbering_wireless_numbers_are_not_for_customers() {
    let i = INumbering::start().await;
    let customer = i.key(i.sandbox.username()).await;
    let admin = i.key(i.sandbox.admin_username()).await;
    let (status, body) = i.availability(&customer, &[3_129_461_234]).await;
    assert_eq!(status.as_u16(), 414);
    assert_eq!(
        body,
        json!({"status": "Error", "statusCode": "414", "message": "Wireless not allowed for Customer"})
    );
    // One wireless number in the list refuses the whole check.
    let (status, _) = i
        .availability(&customer, &[3_125_550_142, 3_129_469_999])
        .await;
    assert_eq!(status.as_u16(), 414);
    // The administrator may check it; the customer a wireline number.
    let (status, body) = i.availability(&admin, &[3_129_461_234]).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["serviceAvailable"][0]["isPortable"], "true");
    let (status, body) = i.availability(&customer, &[3_125_550_142]).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["statusCode"], "200");
    assert_eq!(body["serviceAvailable"][0]["telephoneNumber"], "3125550142");
}

#[tokio::test]
async fn inumbering_port_status_storage_error() {
    let i = INumbering::start().await;
    let key = i.key(i.sandbox.username()).await;
    i.sandbox.storage_errors(1);
    let (status, body) = i.port_status(&key).await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert_eq!(body["status"], "Error");
    assert_eq!(body["statusCode"], "409");
    assert!(body["exception"].as_str().is_some_and(|e| !e.is_empty()));
    let (status, body) = i.port_status(&key).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        body,
        json!({"statusCode": "200", "status": "Success", "portStatusSummary": []})
    );
}

#[tokio::test]
async fn inumbering_admin_orders_are_port_status_records() {
    let i = INumbering::start().await;
    let admin = i.key(i.sandbox.admin_username()).await;
    let (status, _) = i.availability(&admin, &[3_125_550_142]).await;
    assert_eq!(status, StatusCode::OK);
    let before = chrono::Utc::now().timestamp();
    let (status, order) = i.port_in_order(&admin, "3125550142").await;
    let after = chrono::Utc::now().timestamp();
    assert_eq!(status, StatusCode::OK);
    assert_eq!(order["status"], "Success");
    assert_eq!(order["statusCode"], "200");
    let order_id = order["orderId"].as_u64().unwrap();
    let pid = i.sandbox.pid_of_order(order_id).unwrap();
    assert_eq!(i.sandbox.pid_of_order(order_id + 1000), None);

    let (status, body) = i.port_status(&admin).await;
    assert_eq!(status, StatusCode::OK);
    let records = body["portStatusSummary"].as_array().unwrap();
    assert_eq!(records.len(), 1);
    let record = &records[0];
    let mut fields: Vec<&str> = record
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    fields.sort_unstable();
    assert_eq!(fields, ["id", "key", "value"]);
    let mut value: Vec<&str> = record["value"]
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    value.sort_unstable();
    assert_eq!(
        value,
        ["foc", "message", "notify", "pid", "pin", "status", "url"]
    );
    assert_eq!(record["value"]["pid"], pid.as_str());
    assert_eq!(record["value"]["status"], "submitted");
    assert_eq!(
        record["key"][0],
        i.sandbox.admin_username().to_string().as_str()
    );
    let created: i64 = record["key"][1].as_str().unwrap().parse().unwrap();
    assert!((before..=after).contains(&created), "{created}");
    // The customer account does not see it.
    let customer = i.key(i.sandbox.username()).await;
    let (_, body) = i.port_status(&customer).await;
    assert_eq!(body["portStatusSummary"], json!([]));
}

#[tokio::test]
async fn inumbering_losing_carrier_rejection_is_in_the_message() {
    let i = INumbering::start().await;
    let key = i.key(i.sandbox.username()).await;
    let (status, _) = i.account_port(&key, port_submit("3125554444")).await;
    assert_eq!(status, StatusCode::CREATED);
    let mut seen = Vec::new();
    for _ in 0..5 {
        let (status, body) = i.port_status(&key).await;
        assert_eq!(status, StatusCode::OK);
        let value = body["portStatusSummary"][0]["value"].clone();
        seen.push((
            value["status"].as_str().unwrap().to_owned(),
            value["foc"].as_str().unwrap().to_owned(),
            value["message"].as_str().unwrap().to_owned(),
        ));
    }
    let reason = "Rejected by the losing carrier: the account number and PIN do not match the losing carrier's records";
    assert_eq!(seen[0].0, "submitted");
    assert_eq!(seen[1].0, "Validating");
    for (status, foc, message) in &seen[2..] {
        assert_eq!(status, "Pending");
        assert_eq!(foc, "19750715");
        assert_eq!(message, reason);
    }

    // The happy path next to it: completes, with a FOC.
    let happy = INumbering::start().await;
    let key = happy.key(happy.sandbox.username()).await;
    let (status, _) = happy.account_port(&key, port_submit("3125550142")).await;
    assert_eq!(status, StatusCode::CREATED);
    let mut last = Value::Null;
    for _ in 0..5 {
        last = happy.port_status(&key).await.1["portStatusSummary"][0]["value"].clone();
    }
    assert_eq!(last["status"], "Complete");
    assert_ne!(last["foc"], "19750715");
    assert!(!last["message"].as_str().unwrap().contains("Rejected"));
}

#[tokio::test]
async fn inumbering_recheck_within_the_hour_is_cached_not_renewed() {
    let i = INumbering::start().await;
    let key = i.key(i.sandbox.admin_username()).await;
    let minutes = |m: u64| Duration::from_secs(60 * m);
    let (_, first) = i.availability(&key, &[3_125_550_142]).await;
    i.sandbox.advance(minutes(50));
    let (status, again) = i.availability(&key, &[3_125_550_142]).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(again, first);
    i.sandbox.advance(minutes(15));
    // 65 minutes after the check: the re-check did not renew it.
    let (status, body) = i.port_in_order(&key, "3125550142").await;
    assert_eq!(status, StatusCode::PRECONDITION_FAILED);
    assert_eq!(
        body,
        json!({"status": "Error", "statusCode": "412", "message": "Please verify portability with portInAvailability API on all submitted tnItem(s)"})
    );
    // After the hour a check is new again, and an order within the hour of
    // it goes through.
    let (status, _) = i.availability(&key, &[3_125_550_142]).await;
    assert_eq!(status, StatusCode::OK);
    i.sandbox.advance(minutes(50));
    let (status, body) = i.port_in_order(&key, "3125550142").await;
    assert_eq!(status, StatusCode::OK, "{body}");
}

#[tokio::test]
async fn inumbering_key_exchange_takes_no_authorization_header() {
    let i = INumbering::start().await;
    let url = format!("{}/v2.2/account/apikey", i.sandbox.base_url());
    let body = json!({"username": i.sandbox.username(), "password": i.sandbox.password()});
    let reply = i
        .http
        .post(&url)
        .bearer_auth("dec759ed81963fd9a4b8a9c8f3e22b1a")
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(reply.status(), StatusCode::BAD_REQUEST);
    let refused: Value = reply.json().await.unwrap();
    assert_eq!(refused["status"], "error");
    assert_eq!(refused["error"]["code"], 400);
    assert!(refused.get("data").is_none());

    let reply = i.http.post(&url).json(&body).send().await.unwrap();
    assert_eq!(reply.status(), StatusCode::OK);
    let granted: Value = reply.json().await.unwrap();
    assert_eq!(granted["status"], "success");
    let key = granted["data"]["apikey"].as_str().unwrap();
    assert_eq!(key.len(), 32);
    assert!(key.bytes().all(|b| b.is_ascii_hexdigit()));
}

#[tokio::test]
async fn inumbering_account_port_checks_state_zip_and_street_directions() {
    let i = INumbering::start().await;
    let key = i.key(i.sandbox.username()).await;
    let bad = [
        ("State", json!("XX")),
        ("State", json!("il")),
        ("State", json!("Illinois")),
        ("zip", json!("6060")),
        ("zip", json!("60601-12")),
        ("zip", json!("6060A")),
        ("StreetPrefix", json!("North")),
        ("StreetPrefix", json!("n")),
        ("StreetSuffix", json!("NNE")),
        ("StreetSuffix", json!(" ")),
    ];
    for (field, value) in bad {
        let mut body = port_submit("3125550142");
        body[field] = value.clone();
        let (status, answer) = i.account_port(&key, body).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{field} = {value}");
        assert_eq!(answer["status"], "error");
        assert_eq!(answer["error"]["code"], 400);
        let message = answer["error"]["message"].as_str().unwrap();
        assert!(
            message.starts_with(&format!("Bad input - invalid {field}")),
            "{message}"
        );
    }
    let mut missing = port_submit("3125550142");
    missing.as_object_mut().unwrap().remove("City");
    let (status, answer) = i.account_port(&key, missing).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(
        answer["error"]["message"],
        "Bad input - missing required field: City"
    );

    // The happy paths: the schema's example, ZIP+4, every direction.
    let (status, answer) = i.account_port(&key, port_submit("3125550142")).await;
    assert_eq!(status, StatusCode::CREATED, "{answer}");
    assert_eq!(answer["status"], "success");
    for (n, direction) in ["", "N", "NE", "E", "SE", "S", "SW", "W", "NW"]
        .iter()
        .enumerate()
    {
        let mut body = port_submit(&format!("312555016{n}"));
        body["zip"] = json!("60601-1234");
        body["State"] = json!("PR");
        body["StreetPrefix"] = json!(direction);
        body["StreetSuffix"] = json!(direction);
        let (status, answer) = i.account_port(&key, body).await;
        assert_eq!(status, StatusCode::CREATED, "{direction}: {answer}");
    }
}

// ----------------------------------------------------------------- Apeiron

/// The document's JSON example, verbatim.
fn apeiron_example() -> Value {
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
        "iccid": "89012345678901234567"
    })
}

/// The example with a Luhn-valid ICCID and its own MDN.
fn apeiron_port(mdn: &str) -> Value {
    let mut body = apeiron_example();
    body["mdn"] = json!(mdn);
    // 19 digits of body, then the check digit.
    let iccid = format!("8901234567890{}", &mdn[4..]);
    let fixed = (0..10)
        .map(|d| format!("{iccid}{d}"))
        .find(|c| luhn(c))
        .unwrap();
    body["iccid"] = json!(fixed);
    body
}

fn luhn(digits: &str) -> bool {
    let sum: u32 = digits
        .bytes()
        .rev()
        .enumerate()
        .map(|(i, b)| {
            let d = u32::from(b - b'0');
            if i % 2 == 1 {
                if d * 2 > 9 { d * 2 - 9 } else { d * 2 }
            } else {
                d
            }
        })
        .sum();
    sum % 10 == 0
}

async fn apeiron_post(sandbox: &ApeironSandbox, body: &Value) -> (StatusCode, Value) {
    let reply = reqwest::Client::new()
        .post(format!("{}/v2/cellular/port", sandbox.base_url()))
        .basic_auth(sandbox.username(), Some(sandbox.api_token()))
        .header("Content-Type", "application/json")
        .body(body.to_string())
        .send()
        .await
        .unwrap();
    (reply.status(), reply.json().await.unwrap())
}

#[tokio::test]
async fn apeiron_checks_the_state_and_zip() {
    let sandbox = ApeironSandbox::start().await.unwrap();
    for (field, value, message) in [
        (
            "state",
            "California",
            "\"California\" is not a valid choice.",
        ),
        ("state", "ca", "\"ca\" is not a valid choice."),
        ("state", "ZZ", "\"ZZ\" is not a valid choice."),
        ("postal_code", "1234", "Enter a valid ZIP or ZIP+4 code."),
        (
            "postal_code",
            "12345-67",
            "Enter a valid ZIP or ZIP+4 code.",
        ),
        (
            "postal_code",
            "SW1A 1AA",
            "Enter a valid ZIP or ZIP+4 code.",
        ),
    ] {
        let mut body = apeiron_port("2125550134");
        body[field] = json!(value);
        let (status, answer) = apeiron_post(&sandbox, &body).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{field} = {value}");
        assert_eq!(answer, json!({ field: [message] }));
    }
    let (status, answer) = apeiron_post(&sandbox, &apeiron_port("2125550134")).await;
    assert_eq!(status, StatusCode::CREATED, "{answer}");
    let mut plus_four = apeiron_port("2125550135");
    plus_four["postal_code"] = json!("12345-6789");
    plus_four["state"] = json!("DC");
    let (status, answer) = apeiron_post(&sandbox, &plus_four).await;
    assert_eq!(status, StatusCode::CREATED, "{answer}");
}

#[tokio::test]
async fn apeiron_checks_the_iccid_luhn_digit() {
    let sandbox = ApeironSandbox::start().await.unwrap();
    // The document's example ICCID fails its Luhn check.
    let (status, answer) = apeiron_post(&sandbox, &apeiron_example()).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(
        answer,
        json!({"iccid": ["Invalid ICCID: the check digit is wrong (Luhn)."]})
    );
    for bad in [
        "8901234567890123456",
        "1234567890123456789",
        "8901234567890ABC4563",
    ] {
        let mut body = apeiron_example();
        body["iccid"] = json!(bad);
        let (status, answer) = apeiron_post(&sandbox, &body).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{bad}");
        assert!(
            answer["iccid"][0]
                .as_str()
                .unwrap()
                .starts_with("Invalid ICCID")
        );
    }
    // The same body with its valid check digit.
    let mut body = apeiron_example();
    body["iccid"] = json!("89012345678901234563");
    let (status, answer) = apeiron_post(&sandbox, &body).await;
    assert_eq!(status, StatusCode::CREATED, "{answer}");
}

#[tokio::test]
async fn apeiron_refuses_a_partial_e911_address() {
    let sandbox = ApeironSandbox::start().await.unwrap();
    let mut partial = apeiron_port("2125550134");
    partial["e911_address1"] = json!("123 Main St");
    let (status, answer) = apeiron_post(&sandbox, &partial).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let required = ["This field is required when an E911 address is given."];
    assert_eq!(
        answer,
        json!({
            "e911_city": required,
            "e911_postal_code": required,
            "e911_state": required
        })
    );
    let mut bad_state = apeiron_port("2125550134");
    for (k, v) in [
        ("e911_address1", "123 Main St"),
        ("e911_city", "Anytown"),
        ("e911_state", "XX"),
        ("e911_postal_code", "1234"),
    ] {
        bad_state[k] = json!(v);
    }
    let (status, answer) = apeiron_post(&sandbox, &bad_state).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(
        answer,
        json!({
            "e911_state": ["\"XX\" is not a valid choice."],
            "e911_postal_code": ["Enter a valid ZIP or ZIP+4 code."]
        })
    );
    // The happy paths: a whole E911 address (address2 optional), or none.
    let mut whole = apeiron_port("2125550134");
    for (k, v) in [
        ("e911_address1", "123 Main St"),
        ("e911_city", "Anytown"),
        ("e911_state", "CA"),
        ("e911_postal_code", "12345"),
    ] {
        whole[k] = json!(v);
    }
    let (status, answer) = apeiron_post(&sandbox, &whole).await;
    assert_eq!(status, StatusCode::CREATED, "{answer}");
    let (status, answer) = apeiron_post(&sandbox, &apeiron_port("2125550135")).await;
    assert_eq!(status, StatusCode::CREATED, "{answer}");
}
