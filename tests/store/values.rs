//! Values read back from a store are bounded like carrier answers, and
//! every carrier text the crate keeps or shows is cleared of the secrets
//! the client knows: portability reasons (in the result, in the error and
//! in the store), status messages (listing, single order, watch), Cellhire
//! row messages.
//!
//! The store is a [`MemoryStore`] behind a wrapper that can hold a value
//! "written by another replica" (planted) and that lists every key the
//! client wrote, so the raw stored bytes can be read.

use std::collections::BTreeSet;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;
use chrono::{Days, NaiveDate};
use futures::StreamExt;
use numport::carrier::cellhire::{CellhireClient, PortType};
use numport::carrier::cellhire::{MAX_HOLIDAYS, MAX_PORT_DAYS};
use numport::carrier::inumbering::INumberingClient;
use numport::clock::ManualClock;
use numport::http::HttpConfig;
use numport::store::{Budget, LockToken, MAX_VALUE_BYTES, MemoryStore, Store, StoreError};
use numport::{
    AccountNumber, Error, Pac, PhoneNumber, Pin, PortId, PortLine, PortProvider, PortProviderExt,
    PortRequest, RejectReason, TrackOptions,
};
use serde_json::{Value, json};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use common::{ACCOUNT_ID, CREATED_ID, Seen, api_path, assert_requests, fixture, now};

use crate::support::cellhire as common;
use crate::support::mock::strict_server;
use crate::support::requests::{cellhire_options, maria_lopez_suite, uk_line};

// ------------------------------------------------------------- the store

/// A [`MemoryStore`] that also answers planted values (another replica's,
/// or a tampered store's) for keys ending with a marker, until the client
/// writes the key itself, and remembers every key written.
#[derive(Debug, Default)]
struct PlantedStore {
    inner: MemoryStore,
    planted: Mutex<Vec<(String, Vec<u8>)>>,
    written: Mutex<BTreeSet<String>>,
}

impl PlantedStore {
    fn with(marker: &str, value: Vec<u8>) -> Arc<Self> {
        let store = Self::default();
        store
            .planted
            .lock()
            .unwrap()
            .push((marker.to_owned(), value));
        Arc::new(store)
    }

    /// The raw bytes the memory store holds under every key the client
    /// wrote whose key contains `marker`.
    async fn raw_values(&self, marker: &str) -> Vec<Vec<u8>> {
        let keys: Vec<String> = self.written.lock().unwrap().iter().cloned().collect();
        let mut out = Vec::new();
        for key in keys.iter().filter(|k| k.contains(marker)) {
            if let Some(value) = self.inner.get(key).await.unwrap() {
                out.push(value);
            }
        }
        out
    }
}

#[async_trait]
impl Store for PlantedStore {
    fn name(&self) -> &'static str {
        "planted"
    }

    async fn get(&self, key: &str) -> Result<Option<Vec<u8>>, StoreError> {
        if let Some(value) = self.inner.get(key).await? {
            return Ok(Some(value));
        }
        Ok(self
            .planted
            .lock()
            .unwrap()
            .iter()
            .find(|(marker, _)| key.contains(marker.as_str()))
            .map(|(_, v)| v.clone()))
    }

    async fn put(&self, key: &str, value: &[u8], ttl: Duration) -> Result<(), StoreError> {
        self.written.lock().unwrap().insert(key.to_owned());
        self.inner.put(key, value, ttl).await
    }

    async fn remove_if(&self, key: &str, expected: &[u8]) -> Result<bool, StoreError> {
        self.inner.remove_if(key, expected).await
    }

    async fn try_lock(&self, key: &str, ttl: Duration) -> Result<Option<LockToken>, StoreError> {
        self.inner.try_lock(key, ttl).await
    }

    async fn unlock(&self, key: &str, token: &LockToken) -> Result<(), StoreError> {
        self.inner.unlock(key, token).await
    }

    async fn take_budget(
        &self,
        key: &str,
        limit: u32,
        window: Duration,
    ) -> Result<Budget, StoreError> {
        self.inner.take_budget(key, limit, window).await
    }
}

fn holds(hay: &[u8], needle: &str) -> bool {
    let hay = String::from_utf8_lossy(hay).to_ascii_lowercase();
    hay.contains(&needle.to_ascii_lowercase())
}

fn assert_clean(what: &str, rendered: &str, secrets: &[&str]) {
    for secret in secrets {
        assert!(
            !holds(rendered.as_bytes(), secret),
            "{what} shows {secret:?}: {rendered}"
        );
    }
}

// ------------------------------------------------------------- Cellhire

/// The client's clock is Friday 2026-05-01; the store's times are the
/// machine's (Unix milliseconds).
fn unix_ms_now() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

fn cellhire(server: &MockServer, store: Arc<dyn Store>) -> CellhireClient {
    CellhireClient::builder()
        .base_url(server.uri())
        .account_id(ACCOUNT_ID)
        .bearer_token(common::TOKEN)
        .http_config(HttpConfig::default().with_clock(Arc::new(ManualClock::new(now()))))
        .store(store)
        .build()
        .unwrap()
}

/// One line to Vodafone (1) from O2 (5), no desired date: the planner
/// picks the connection date.
fn uk_request() -> PortRequest {
    PortRequest::new(vec![uk_line(
        "+447700900123",
        "8944500102030405060",
        "ABC123456",
    )])
    .with_cellhire(cellhire_options("Fleet batch 7"))
}

/// Create Port as the request above sends it, on `date`.
fn create_body(date: &str) -> Value {
    json!({
        "name": "Fleet batch 7",
        "targetNetworkId": 1,
        "sourceNetworkId": 5,
        "connectionDate": format!("{date}T00:00:00.000Z"),
        "portType": "PortIn",
        "rows": [{
            "groupName": "T102344",
            "esim": false,
            "msisdn": "07700900123",
            "serialNo": "89445001020304050600",
            "provisioningOrder": 3630,
            "provisioningOrderName": null,
            "pac": "ABC123456",
            "tariffId": 102344,
            "boltOns": [],
            "services": null
        }]
    })
}

/// Cellhire serving `networks.json` (Vodafone: 1 to 30 days, holiday
/// Monday 2026-05-04) and Create Port.
async fn cellhire_server(networks: Value) -> MockServer {
    let server = common::server().await;
    Mock::given(method("GET"))
        .and(path(api_path("/networks")))
        .respond_with(common::json(200, &networks))
        .named("networks")
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path(api_path("")))
        .respond_with(common::json(201, &json!(CREATED_ID)))
        .named("create port")
        .mount(&server)
        .await;
    server
}

/// A stored networks list (the crate's own format): Vodafone (1) from O2
/// (5) with `max_days` and these holidays, read at `fetched_at_ms`.
fn stored_networks(fetched_at_ms: i64, max_days: u32, holidays: &[NaiveDate]) -> Vec<u8> {
    serde_json::to_vec(&json!({
        "fetched_at_ms": fetched_at_ms,
        "list": [{
            "port_type": "PortIn",
            "port_type_id": 2,
            "target_networks": [{
                "id": 1, "name": "Vodafone", "max_port_days": max_days, "min_port_days": 1,
                "allow_esim": true, "network_number": 200,
                "source_networks": [{"id": 5, "name": "O2"}],
                "upcoming_holidays": holidays,
            }]
        }]
    }))
    .unwrap()
}

fn every_day_from(first: &str, days: usize) -> Vec<NaiveDate> {
    first
        .parse::<NaiveDate>()
        .unwrap()
        .iter_days()
        .take(days)
        .collect()
}

/// Submits the planned request and checks the exact requests: one read of
/// the networks list (the stored one was dropped) and one Create Port on
/// the date planned from Cellhire's list (Tuesday 5 May: Saturday and
/// Sunday are skipped, Monday 4 May is a holiday).
async fn submit_reads_the_list_once_and_plans_from_it(store: Arc<PlantedStore>) {
    let server = cellhire_server(fixture("networks.json")).await;
    let client = cellhire(&server, store.clone());

    let submission = client.submit(&uk_request()).await.unwrap();

    assert_eq!(submission.orders[0].id.as_str(), CREATED_ID);
    assert_requests(
        &server,
        &[
            Seen::networks(),
            Seen::api("POST", "").json(create_body("2026-05-05")),
        ],
    )
    .await;
    // Cellhire's list replaced the dropped one in the store.
    let stored = store.raw_values(":networks").await;
    assert_eq!(stored.len(), 1);
    assert!(holds(&stored[0], "\"max_port_days\":30"));
}

#[tokio::test]
async fn a_13_mb_stored_networks_list_with_a_million_holidays_is_dropped_and_read_again() {
    // Every day for a million days from today is a holiday: planned with,
    // it leaves no bookable day (and a million-entry search per day).
    let holidays = every_day_from("2026-05-01", 1_000_000);
    let value = stored_networks(unix_ms_now(), 30, &holidays);
    assert!(value.len() > 13_000_000, "{} bytes", value.len());
    assert!(value.len() > MAX_VALUE_BYTES);

    submit_reads_the_list_once_and_plans_from_it(PlantedStore::with(":networks", value)).await;
}

#[tokio::test]
async fn a_stored_networks_list_dated_a_day_ahead_is_dropped_and_read_again() {
    // Dated tomorrow: believed, it would never expire. It also names no
    // source network, so every submit planned with it fails validation.
    let mut value: Value =
        serde_json::from_slice(&stored_networks(unix_ms_now() + 86_400_000, 30, &[])).unwrap();
    value["list"][0]["target_networks"][0]["source_networks"] = json!([]);

    submit_reads_the_list_once_and_plans_from_it(PlantedStore::with(
        ":networks",
        serde_json::to_vec(&value).unwrap(),
    ))
    .await;
}

#[tokio::test]
async fn a_stored_networks_list_with_more_holidays_than_believed_is_dropped_under_the_size_cap() {
    let holidays = every_day_from("2026-05-01", MAX_HOLIDAYS + 1);
    let value = stored_networks(unix_ms_now(), 30, &holidays);
    assert!(value.len() < 10_000, "{} bytes", value.len());

    submit_reads_the_list_once_and_plans_from_it(PlantedStore::with(":networks", value)).await;
}

#[tokio::test]
async fn a_stored_booking_window_longer_than_believed_is_dropped_and_the_date_checked_on_cellhires()
{
    // Believed, a window of 100,000 days would let a date a year and a
    // half away through to Create Port.
    let value = stored_networks(unix_ms_now(), 100_000, &[]);
    let store = PlantedStore::with(":networks", value);
    let server = cellhire_server(fixture("networks.json")).await;
    let client = cellhire(&server, store);

    let far = uk_request().with_desired_date("2027-11-02".parse().unwrap());
    let err = client.submit(&far).await.unwrap_err();

    assert!(err.is_validation(), "{err:?}");
    assert_eq!(
        err.field_errors()[0].to_string(),
        "desired_date 2027-11-02 is after the latest bookable date 2026-05-31"
    );
    assert_requests(&server, &[Seen::networks()]).await;
}

#[tokio::test]
async fn a_list_from_cellhire_with_more_holidays_than_believed_is_a_decode_error_and_not_stored() {
    let mut networks = fixture("networks.json");
    networks[0]["targetNetworks"][0]["upcomingHolidays"] = every_day_from("2026-05-01", 1_000)
        .iter()
        .map(|d| json!(format!("{d}T00:00:00")))
        .collect();
    let server = cellhire_server(networks).await;
    let store = Arc::new(PlantedStore::default());
    let client = cellhire(&server, store.clone());

    let err = client.submit(&uk_request()).await.unwrap_err();

    assert!(matches!(err, Error::Decode { .. }), "{err:?}");
    assert_eq!(
        err.to_string(),
        "Cellhire: could not read the answer to networks: the networks list is not used: \
         target network 1 names 1000 upcoming holidays, more than the 400 believed (no \
         connection date is planned or checked against it)"
    );
    assert_requests(&server, &[Seen::networks()]).await;
    assert!(store.raw_values(":networks").await.is_empty());
}

#[tokio::test]
async fn a_stored_networks_list_naming_the_token_is_read_back_without_it() {
    let mut value: Value =
        serde_json::from_slice(&stored_networks(unix_ms_now(), 30, &[])).unwrap();
    value["list"][0]["target_networks"][0]["name"] =
        json!(format!("Vodafone {}", common::TOKEN.to_uppercase()));
    let store = PlantedStore::with(":networks", serde_json::to_vec(&value).unwrap());
    let server = cellhire_server(fixture("networks.json")).await;
    let client = cellhire(&server, store);

    let network = client.target_network(&PortType::PortIn, 1).await.unwrap();

    assert_eq!(network.name, "Vodafone [REDACTED]");
    // Read from the store: nothing sent.
    assert_requests(&server, &[]).await;
}

// ----------------------------------------------------------- iNumbering

const KEY: &str = "dec759ed81963fd9a4b8a9c8f3e22b1a";
const USER: u64 = 1234567890;
const PASSWORD: &str = "pw-Kq81zR7mVx";
const ACCOUNT: &str = "5512098734";
const PIN: &str = "7731";
const NUMBER: &str = "3125550142";

const AVAILABILITY: &str = "/v2/iNumbering/portInAvailability/";
const STATUS: &str = "/v2.1/iNumbering/portStatus/";
const EXCHANGE: &str = "/v2.2/account/apikey";

fn inumbering(server: &MockServer, admin: bool, store: Arc<dyn Store>) -> INumberingClient {
    INumberingClient::builder()
        .base_url(server.uri())
        .username(USER)
        .password(PASSWORD)
        .admin(admin)
        .http_config(HttpConfig::default().with_clock(Arc::new(ManualClock::new(now()))))
        .store(store)
        .build()
        .unwrap()
}

/// iNumbering with the key exchange, and `route` answering `body`.
async fn inumbering_server(route: &str, body: Value) -> MockServer {
    let server = strict_server().await;
    Mock::given(method("POST"))
        .and(path(EXCHANGE))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({"status": "success", "data": {"apikey": KEY}})),
        )
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path(route))
        .respond_with(ResponseTemplate::new(200).set_body_json(body))
        .mount(&server)
        .await;
    server
}

/// The paths the server saw, in order.
async fn paths(server: &MockServer) -> Vec<String> {
    server
        .received_requests()
        .await
        .unwrap()
        .iter()
        .map(|r| r.url.path().to_owned())
        .collect()
}

/// portInAvailability: the number is not portable, for a reason that
/// echoes `echo`.
fn not_portable(echo: &str) -> Value {
    json!({"status": "Success", "statusCode": "200", "serviceAvailable": [{
        "serviceProviderName": "Verizon", "telephoneNumber": NUMBER, "isPortable": "false",
        "notPortableReason": format!("losing carrier refused: {echo}"),
    }]})
}

fn admin_request() -> PortRequest {
    PortRequest::new(vec![PortLine::new(PhoneNumber::nanp(NUMBER).unwrap())])
        .with_subscriber(maria_lopez_suite())
        .with_authorization_name("Maria Lopez")
        .with_losing_account(AccountNumber::new(ACCOUNT).unwrap(), Pin::new(PIN).unwrap())
        .with_desired_date("2026-05-15".parse().unwrap())
        .with_inumbering(numport::carrier::inumbering::INumberingOptions::new())
}

#[tokio::test]
async fn a_not_portable_reason_echoing_every_secret_is_shown_and_stored_without_them() {
    // The carrier echoes the PIN and the account number (the request's),
    // the password and the API key, in another letter case.
    let echo = format!(
        "pin {PIN} account {ACCOUNT} password {} key {}",
        PASSWORD.to_uppercase(),
        KEY.to_uppercase()
    );
    let server = inumbering_server(AVAILABILITY, not_portable(&echo)).await;
    let store = Arc::new(PlantedStore::default());
    let client = inumbering(&server, true, store.clone());
    let secrets = [PIN, ACCOUNT, PASSWORD, KEY];

    let err = client.submit(&admin_request()).await.unwrap_err();

    assert_eq!(err.reject_reason(), Some(RejectReason::NotPortable));
    assert_eq!(
        err.field_errors()[0].to_string(),
        "lines[0].number +13125550142 is not portable: losing carrier refused: pin [REDACTED] \
         account [REDACTED] password [REDACTED] key [REDACTED]"
    );
    assert_clean("error", &format!("{err} {err:?}"), &secrets);
    // Refused before ordering: the exchange and the check only.
    assert_eq!(paths(&server).await, [EXCHANGE, AVAILABILITY]);
    // The check kept in the store holds none of them either.
    let stored = store.raw_values(":precheck:").await;
    assert_eq!(stored.len(), 1);
    assert!(holds(&stored[0], "losing carrier refused"));
    assert_clean(
        "stored check",
        &String::from_utf8_lossy(&stored[0]),
        &secrets,
    );

    // The same number checked again is answered from that check.
    let checked = client
        .check_portability(&[PhoneNumber::nanp(NUMBER).unwrap()])
        .await
        .unwrap();
    assert!(!checked[0].portable);
    assert_clean("result", &format!("{checked:?}"), &secrets);
    assert_eq!(paths(&server).await, [EXCHANGE, AVAILABILITY]);
}

#[tokio::test]
async fn a_portability_result_echoing_the_credentials_is_returned_and_stored_without_them() {
    let echo = format!("password {PASSWORD} key {KEY}");
    let server = inumbering_server(AVAILABILITY, not_portable(&echo)).await;
    let store = Arc::new(PlantedStore::default());
    let client = inumbering(&server, false, store.clone());

    let checked = client
        .check_portability(&[PhoneNumber::nanp(NUMBER).unwrap()])
        .await
        .unwrap();
    let native = client
        .port_in_availability(&[PhoneNumber::nanp(NUMBER).unwrap()])
        .await
        .unwrap();

    assert_eq!(
        checked[0].reason.as_deref(),
        Some("losing carrier refused: password [REDACTED] key [REDACTED]")
    );
    assert_eq!(
        native[0].not_portable_reason.as_deref(),
        Some("losing carrier refused: password [REDACTED] key [REDACTED]")
    );
    let stored = store.raw_values(":precheck:").await;
    assert_eq!(stored.len(), 1);
    assert_clean(
        "stored check",
        &String::from_utf8_lossy(&stored[0]),
        &[PASSWORD, KEY],
    );
    assert_eq!(paths(&server).await, [EXCHANGE, AVAILABILITY, AVAILABILITY]);
}

/// A check as the crate stores it, made at `at`, whose reason says `reason`.
fn stored_check(at: &str, reason: &str) -> Vec<u8> {
    serde_json::to_vec(&json!({"at": at, "results": [{
        "telephone_number": NUMBER, "number": "+13125550142", "portable": false,
        "not_portable_reason": reason, "service_provider": "Verizon"
    }]}))
    .unwrap()
}

#[tokio::test]
async fn a_stored_check_written_elsewhere_is_read_back_without_the_secrets_the_client_knows() {
    let server = inumbering_server(AVAILABILITY, not_portable("none")).await;
    let store = PlantedStore::with(
        ":precheck:",
        stored_check(
            "2026-05-01T08:50:00Z",
            &format!("echo {PASSWORD} {}", KEY.to_uppercase()),
        ),
    );
    let client = INumberingClient::builder()
        .base_url(server.uri())
        .username(USER)
        .password(PASSWORD)
        .api_key(KEY)
        .http_config(HttpConfig::default().with_clock(Arc::new(ManualClock::new(now()))))
        .store(store)
        .build()
        .unwrap();

    let checked = client
        .check_portability(&[PhoneNumber::nanp(NUMBER).unwrap()])
        .await
        .unwrap();

    assert_eq!(
        checked[0].reason.as_deref(),
        Some("echo [REDACTED] [REDACTED]")
    );
    // Answered from the store: nothing sent.
    assert!(paths(&server).await.is_empty());
}

#[tokio::test]
async fn a_stored_check_over_the_size_cap_is_dropped_and_checked_again() {
    // Well-formed, within its hour, and larger than the cap.
    let reason = "x".repeat(MAX_VALUE_BYTES);
    let store = PlantedStore::with(":precheck:", stored_check("2026-05-01T08:50:00Z", &reason));
    let server = inumbering_server(AVAILABILITY, not_portable("number in a ported block")).await;
    let client = inumbering(&server, false, store);

    let checked = client
        .check_portability(&[PhoneNumber::nanp(NUMBER).unwrap()])
        .await
        .unwrap();

    assert_eq!(
        checked[0].reason.as_deref(),
        Some("losing carrier refused: number in a ported block")
    );
    assert_eq!(paths(&server).await, [EXCHANGE, AVAILABILITY]);
}

/// portStatus with one open order whose message echoes the credentials.
fn status_echoing_credentials() -> Value {
    json!({"statusCode": "200", "status": "Success", "portStatusSummary": [{
        "id": "rec-1", "key": [USER, 1777626000],
        "value": {"pid": "A1B2C", "status": "submitted",
                  "message": format!("awaiting FOC; apikey={} pw={}", KEY.to_uppercase(), PASSWORD),
                  "foc": "19750715", "notify": "0", "url": "https://support.example/t/1"}
    }]})
}

#[tokio::test]
async fn a_status_message_echoing_the_credentials_is_shown_without_them_everywhere() {
    let server = inumbering_server(STATUS, status_echoing_credentials()).await;
    let client = inumbering(&server, false, Arc::new(MemoryStore::new()));
    let secrets = [PASSWORD, KEY];
    let want = Some("awaiting FOC; apikey=[REDACTED] pw=[REDACTED]");
    let id = PortId::new("A1B2C").unwrap();

    let listed: Vec<_> = client.orders().collect().await;
    let order = client.order(&id).await.unwrap();
    let changes: Vec<_> = client
        .watch_many(
            vec![id.clone()],
            TrackOptions::default()
                .with_max_rounds(1)
                .with_clock(Arc::new(ManualClock::new(now()))),
        )
        .collect()
        .await;
    let native = client.port_status().await.unwrap();

    let summary = listed[0].as_ref().unwrap();
    assert_eq!(summary.message.as_deref(), want);
    assert_eq!(order.message.as_deref(), want);
    let change = changes[0].as_ref().unwrap();
    assert_eq!(change.message.as_deref(), want);
    assert_eq!(native[0].message.as_deref(), want);
    for (what, shown) in [
        ("listing", format!("{listed:?}")),
        ("order", format!("{order:?}")),
        ("watch", format!("{changes:?}")),
        ("portStatus", format!("{native:?}")),
    ] {
        assert_clean(what, &shown, &secrets);
    }
    // One exchange, then one portStatus call for each read (the watch's
    // one round ends with its round limit).
    assert_eq!(
        paths(&server).await,
        [EXCHANGE, STATUS, STATUS, STATUS, STATUS]
    );
    assert_eq!(changes.len(), 2, "{changes:?}");
    assert!(changes[1].as_ref().unwrap_err().is_timeout());
}

// ------------------------------------------------- Cellhire row messages

#[tokio::test]
async fn a_row_message_echoing_the_pac_and_the_token_is_shown_without_them() {
    let server = common::server().await;
    let mut details = fixture("port_details.json");
    details["rows"][0]["statusName"] = json!("PacInvalid");
    details["rows"][0]["message"] = json!(format!(
        "PAC {} refused (token {})",
        "84e046866ko2",
        common::TOKEN.to_uppercase()
    ));
    Mock::given(method("GET"))
        .and(path(api_path(&format!("/port/{}", common::DETAILS_ID))))
        .respond_with(common::json(200, &details))
        .mount(&server)
        .await;
    let client = cellhire(&server, Arc::new(MemoryStore::new()));
    let id = PortId::new(common::DETAILS_ID).unwrap();

    let read = client.port_details(&id).await.unwrap();
    let order = client.order(&id).await.unwrap();

    let want = Some("PAC [REDACTED] refused (token [REDACTED])");
    assert_eq!(read.rows[0].message.as_deref(), want);
    assert_eq!(order.message.as_deref(), want);
    assert_eq!(order.lines[0].message.as_deref(), want);
    assert_eq!(
        read.rows[0].pac.as_ref().map(Pac::expose),
        Some("84E046866KO2")
    );
    assert_clean(
        "details and order",
        &format!("{read:?} {order:?}"),
        &["84E046866KO2", common::TOKEN],
    );
    let details_path = format!("/port/{}", common::DETAILS_ID);
    assert_requests(
        &server,
        &[
            Seen::api("GET", &details_path),
            Seen::api("GET", &details_path),
        ],
    )
    .await;
}

#[test]
fn the_bounds_are_what_the_documentation_says() {
    assert_eq!(MAX_VALUE_BYTES, 4 * 1024 * 1024);
    assert_eq!(MAX_PORT_DAYS, 366);
    assert_eq!(MAX_HOLIDAYS, 400);
    // A year's window holds at most one holiday a day.
    let first: NaiveDate = "2026-05-01".parse().unwrap();
    let last = first
        .checked_add_days(Days::new(MAX_PORT_DAYS.into()))
        .unwrap();
    assert!(first.iter_days().take_while(|d| *d <= last).count() <= MAX_HOLIDAYS);
}
