//! Store values bounded like carrier answers, and carrier texts kept by
//! the crate cleared of every secret the client knows.
//!
//! A "store" row plants a value in a store shared with another replica (or
//! a tampered store), then makes one call: a value over the size cap,
//! unreadable, dated in the future or outside the carrier's bounds is
//! dropped and read again from the carrier (counted on the wire), never
//! planned with. A "redaction" row has the carrier echo secrets in a text
//! the crate keeps (a portability reason, a status message, a row
//! message, a network's name); the harness finds none in the result's or
//! the error's Debug, Display or TRACE output, and the row checks the
//! bytes written to the store.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;
use chrono::{NaiveDate, TimeZone, Utc};
use futures::StreamExt;
use numport::carrier::cellhire::CellhireClient;
use numport::carrier::inumbering::INumberingClient;
use numport::clock::ManualClock;
use numport::http::HttpConfig;
use numport::store::{Budget, LockToken, MAX_VALUE_BYTES, MemoryStore, Store, StoreError};
use numport::{Error, PhoneNumber, PortId, PortProvider, PortProviderExt, TrackOptions};
use serde_json::{Value, json};

use crate::harness::{Ctx, Outcome, Row, exactly, http};
use crate::server::{Act, Reply, always};
use crate::targets::{
    ACCOUNT_ID, AVAIL_PATH, CH_ACCESS, CH_CLIENT_ID, CH_CLIENT_SECRET, CH_TOKEN, CREATED_ID,
    DETAILS_ID, IN_ACCOUNT, IN_KEY, IN_PASSWORD, IN_PIN, IN_USER, KEY_PATH, ORDER_PATH,
    STATUS_PATH, TOKEN_PATH, api, avail_reply, ch_create, fixture, in_request, key_reply,
    token_reply,
};

/// A memory store that also answers a planted value for keys ending with
/// a marker (or containing it, for a marker ending with `:`) until the
/// client writes the key, and records every write.
#[derive(Debug, Default)]
pub struct Planted {
    inner: MemoryStore,
    planted: Mutex<Option<(String, Vec<u8>)>>,
    writes: Mutex<Vec<(String, Vec<u8>)>>,
}

impl Planted {
    fn new(marker: &str, value: Vec<u8>) -> Arc<Self> {
        Arc::new(Self {
            planted: Mutex::new(Some((marker.to_owned(), value))),
            ..Self::default()
        })
    }

    fn empty() -> Arc<Self> {
        Arc::new(Self::default())
    }

    /// Every value written under a key containing `marker`.
    fn written(&self, marker: &str) -> Vec<Vec<u8>> {
        self.writes
            .lock()
            .unwrap()
            .iter()
            .filter(|(k, _)| k.contains(marker))
            .map(|(_, v)| v.clone())
            .collect()
    }
}

#[async_trait]
impl Store for Planted {
    fn name(&self) -> &'static str {
        "planted"
    }
    async fn get(&self, key: &str) -> Result<Option<Vec<u8>>, StoreError> {
        if let Some(v) = self.inner.get(key).await? {
            return Ok(Some(v));
        }
        Ok(self
            .planted
            .lock()
            .unwrap()
            .as_ref()
            .filter(|(marker, _)| {
                key.ends_with(marker.as_str())
                    || (marker.ends_with(':') && key.contains(marker.as_str()))
            })
            .map(|(_, v)| v.clone()))
    }
    async fn put(&self, key: &str, value: &[u8], ttl: Duration) -> Result<(), StoreError> {
        self.writes
            .lock()
            .unwrap()
            .push((key.to_owned(), value.to_vec()));
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

fn cfg(ctx: &Ctx) -> HttpConfig {
    http(&ctx.sleeps).with_clock(Arc::new(ManualClock::new(
        Utc.with_ymd_and_hms(2026, 5, 1, 9, 0, 0).unwrap(),
    )))
}

fn cellhire(ctx: &Ctx, oauth: bool, store: Arc<dyn Store>) -> numport::Result<CellhireClient> {
    let base = ctx.server.uri();
    let b = CellhireClient::builder()
        .base_url(&base)
        .account_id(ACCOUNT_ID)
        .store(store)
        .http_config(cfg(ctx));
    if oauth {
        b.client_credentials(CH_CLIENT_ID, CH_CLIENT_SECRET)
            .token_url(format!("{base}{TOKEN_PATH}"))
            .build()
    } else {
        b.bearer_token(CH_TOKEN).build()
    }
}

fn inumbering(ctx: &Ctx, admin: bool, store: Arc<dyn Store>) -> numport::Result<INumberingClient> {
    INumberingClient::builder()
        .base_url(ctx.server.uri())
        .username(IN_USER)
        .password(IN_PASSWORD)
        .admin(admin)
        .store(store)
        .http_config(cfg(ctx))
        .build()
}

fn number() -> PhoneNumber {
    PhoneNumber::nanp("3125550142").unwrap()
}

fn unix_ms_now() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

/// A networks list in the crate's store format: Vodafone (1) from O2 (5).
fn stored_networks(fetched_at_ms: i64, max_days: u32, sources: Value, holidays: usize) -> Vec<u8> {
    let first: NaiveDate = "2026-05-01".parse().unwrap();
    let holidays: Vec<NaiveDate> = first.iter_days().take(holidays).collect();
    serde_json::to_vec(&json!({
        "fetched_at_ms": fetched_at_ms,
        "list": [{"port_type": "PortIn", "port_type_id": 2, "target_networks": [{
            "id": 1, "name": "Vodafone", "max_port_days": max_days, "min_port_days": 1,
            "allow_esim": true, "network_number": 200, "source_networks": sources,
            "upcoming_holidays": holidays,
        }]}]
    }))
    .unwrap()
}

fn o2() -> Value {
    json!([{"id": 5, "name": "O2"}])
}

fn ensure(ok: bool, why: impl Into<String>) -> Result<(), String> {
    if ok { Ok(()) } else { Err(why.into()) }
}

fn is_ok(o: &Outcome) -> Result<(), String> {
    match o {
        Outcome::Ok(_) => Ok(()),
        _ => Err("expected success".into()),
    }
}

/// Cellhire serving its networks list (`networks`) and Create Port; the
/// call is Create Port for the document's example (5 May, valid on 1 May
/// on Cellhire's own list), through a client sharing `store`.
fn cellhire_create_row(name: &str, store: Arc<Planted>, networks: Value, creates: usize) -> Row {
    let mut row = Row::new(format!("Cellhire: {name}"));
    row.setup = Box::new(move |ctx| {
        ctx.server.route(
            "GET",
            &api("/networks"),
            always(Act::Reply(Reply::json(200, &networks))),
        );
        ctx.server.route(
            "POST",
            &api(""),
            always(Act::Reply(Reply::json(201, &json!(CREATED_ID)))),
        );
    });
    row.call = Box::new(move |ctx| {
        let store = store.clone();
        Box::pin(async move {
            match cellhire(ctx, false, store) {
                Ok(client) => Outcome::from(client.create_port(&ch_create()).await),
                Err(e) => Outcome::Err(e),
            }
        })
    });
    row.expect = vec![
        exactly("GET", api("/networks"), 1),
        exactly("POST", api(""), creates),
    ];
    row.creates = vec![("POST", api(""))];
    row.secrets = vec![CH_TOKEN.into(), "QWE987654".into()];
    row.check = Box::new(move |o, _| {
        if creates == 1 {
            is_ok(o)
        } else {
            let e = o.err().ok_or("expected an error")?;
            ensure(
                matches!(e, Error::Decode { .. }),
                "[rule: an absurd networks list from Cellhire is Error::Decode]",
            )
        }
    });
    row
}

/// iNumbering serving the exchange and `route`; the call is `call` on a
/// client sharing `store`.
fn inumbering_row(
    name: &str,
    store: Arc<Planted>,
    routes: Vec<(&'static str, Reply)>,
    call: fn(INumberingClient) -> futures::future::BoxFuture<'static, Outcome>,
) -> Row {
    let mut row = Row::new(format!("iNumbering: {name}"));
    let served = routes.clone();
    row.setup = Box::new(move |ctx| {
        for (p, reply) in &served {
            ctx.server
                .route("POST", p, always(Act::Reply(reply.clone())));
        }
    });
    row.call = Box::new(move |ctx| {
        let store = store.clone();
        Box::pin(async move {
            match inumbering(ctx, false, store) {
                Ok(client) => call(client).await,
                Err(e) => Outcome::Err(e),
            }
        })
    });
    row.secrets = vec![IN_PASSWORD.into(), IN_KEY.into()];
    row.check = Box::new(|o, _| is_ok(o));
    row
}

fn check_portability(client: INumberingClient) -> futures::future::BoxFuture<'static, Outcome> {
    Box::pin(async move { Outcome::from(client.check_portability(&[number()]).await) })
}

fn port_status(client: INumberingClient) -> futures::future::BoxFuture<'static, Outcome> {
    Box::pin(async move { Outcome::from(client.port_status().await) })
}

/// A check in the crate's store format, made at `at`.
fn stored_check(at: &str, reason: &str) -> Vec<u8> {
    serde_json::to_vec(&json!({"at": at, "results": [{
        "telephone_number": "3125550142", "number": "+13125550142", "portable": false,
        "not_portable_reason": reason, "service_provider": "Verizon"
    }]}))
    .unwrap()
}

fn status_reply() -> Reply {
    Reply::json(
        200,
        &json!({"statusCode": "200", "status": "Success", "portStatusSummary": []}),
    )
}

pub fn store_rows() -> Vec<Row> {
    let mut rows = vec![];
    let networks = fixture("networks.json");

    // Cellhire's networks list in the store.
    let million = stored_networks(unix_ms_now(), 30, o2(), 1_000_000);
    assert!(million.len() > 13_000_000);
    let cases: Vec<(&str, Vec<u8>)> = vec![
        (
            "a stored 13 MB list with 1,000,000 holidays is dropped unread and read again",
            million,
        ),
        (
            "a stored list dated a day ahead (naming no source network) is dropped and read again",
            stored_networks(unix_ms_now() + 86_400_000, 30, json!([]), 0),
        ),
        (
            "a stored list with 401 holidays (12 KB) is dropped and read again",
            stored_networks(unix_ms_now(), 30, o2(), 401),
        ),
        (
            "a stored list booking 100,000 days ahead is dropped and read again",
            stored_networks(unix_ms_now(), 100_000, o2(), 0),
        ),
        (
            "an unreadable stored list is dropped and read again",
            b"{\"fetched_at_ms\": \"soon\"".to_vec(),
        ),
    ];
    for (name, value) in cases {
        let store = Planted::new(":networks", value);
        rows.push(cellhire_create_row(name, store, networks.clone(), 1));
    }
    // Cellhire's own list out of bounds: never planned with, never stored.
    let mut many = networks.clone();
    many[0]["targetNetworks"][0]["upcomingHolidays"] = (0..1_000)
        .map(|i| {
            let d = NaiveDate::from_ymd_opt(2026, 5, 1).unwrap() + chrono::Days::new(i);
            json!(format!("{d}T00:00:00"))
        })
        .collect();
    let mut far = networks.clone();
    far[0]["targetNetworks"][0]["maxPortDays"] = json!(100_000);
    for (name, list) in [
        (
            "Cellhire's list with 1,000 holidays is a Decode error",
            many,
        ),
        (
            "Cellhire's list booking 100,000 days ahead is a Decode error",
            far,
        ),
    ] {
        let store = Planted::empty();
        let mut row = cellhire_create_row(name, store.clone(), list, 0);
        let check = row.check;
        row.check = Box::new(move |o, ctx| {
            check(o, ctx)?;
            ensure(
                store.written(":networks").is_empty(),
                "the absurd list was stored",
            )
        });
        rows.push(row);
    }

    // iNumbering's values in the store.
    let checks: Vec<(&str, Vec<u8>)> = vec![
        (
            "a stored check over the size cap is dropped and checked again",
            stored_check("2026-05-01T08:50:00Z", &"x".repeat(MAX_VALUE_BYTES)),
        ),
        (
            "a stored check dated a day ahead is dropped and checked again",
            stored_check("2026-05-02T09:00:00Z", "stale"),
        ),
        (
            "an unreadable stored check is dropped and checked again",
            b"[1, 2".to_vec(),
        ),
    ];
    for (name, value) in checks {
        let store = Planted::new(":precheck:", value);
        let mut row = inumbering_row(
            name,
            store,
            vec![(KEY_PATH, key_reply()), (AVAIL_PATH, avail_reply())],
            check_portability,
        );
        row.expect = vec![exactly("POST", KEY_PATH, 1), exactly("POST", AVAIL_PATH, 1)];
        rows.push(row);
    }
    let big_key = "k".repeat(MAX_VALUE_BYTES + 1).into_bytes();
    for (name, value) in [
        (
            "a stored API key over the size cap is dropped; one exchange",
            big_key,
        ),
        (
            "an unreadable stored lock-out is ignored; one exchange",
            b"soon".to_vec(),
        ),
    ] {
        let marker = if name.contains("lock-out") {
            ":apikey-lockout"
        } else {
            ":apikey"
        };
        let store = Planted::new(marker, value);
        let mut row = inumbering_row(
            name,
            store,
            vec![(KEY_PATH, key_reply()), (STATUS_PATH, status_reply())],
            port_status,
        );
        row.expect = vec![
            exactly("POST", KEY_PATH, 1),
            exactly("POST", STATUS_PATH, 1),
        ];
        rows.push(row);
    }
    let store = Planted::new(":apikey-lockout", i64::MAX.to_string().into_bytes());
    let mut row = inumbering_row(
        "a stored lock-out at the end of time holds exchanges an hour at most; nothing sent",
        store,
        vec![],
        port_status,
    );
    row.check = Box::new(|o, _| {
        let e = o.err().ok_or("expected an error")?;
        ensure(e.is_rate_limited(), "not RateLimited")?;
        ensure(
            e.retry_after()
                .is_some_and(|d| d <= Duration::from_secs(3600)),
            format!("[rule: a stored lock-out holds at most the hour] {e:?}"),
        )
    });
    rows.push(row);
    rows
}

/// The echo every redaction row's carrier sends: the secrets in upper case.
fn echo(secrets: &[&str]) -> String {
    format!("echo {}", secrets.join(" / ").to_uppercase())
}

fn not_portable(reason: String) -> Reply {
    Reply::json(
        200,
        &json!({"status": "Success", "statusCode": "200", "serviceAvailable": [{
            "serviceProviderName": "Verizon", "telephoneNumber": "3125550142",
            "isPortable": "false", "notPortableReason": reason}]}),
    )
}

fn status_echo(reason: String) -> Reply {
    Reply::json(
        200,
        &json!({"statusCode": "200", "status": "Success", "portStatusSummary": [{
            "id": "rec-1", "key": [IN_USER, 1777626000],
            "value": {"pid": "A1B2C", "status": "submitted", "message": reason,
                      "foc": "19750715", "notify": "0",
                      "url": format!("https://support.example/t/1?k={IN_KEY}")}}]}),
    )
}

pub fn redaction_rows() -> Vec<Row> {
    let mut rows = vec![];

    // The admin pre-check: the reason echoes the request's PIN and
    // account number and the credentials; the order is refused before
    // anything is ordered, and the check kept in the store is clean too.
    let all = [IN_PIN, IN_ACCOUNT, IN_PASSWORD, IN_KEY];
    let store = Planted::empty();
    let kept = store.clone();
    let mut row = Row::new(
        "iNumbering admin submit: a not-portable reason echoing PIN, account number, password and key",
    );
    let reason = echo(&all);
    row.setup = Box::new(move |ctx| {
        ctx.server
            .route("POST", KEY_PATH, always(Act::Reply(key_reply())));
        ctx.server.route(
            "POST",
            AVAIL_PATH,
            always(Act::Reply(not_portable(reason.clone()))),
        );
    });
    row.call = Box::new(move |ctx| {
        let store = store.clone();
        Box::pin(async move {
            match inumbering(ctx, true, store) {
                Ok(client) => Outcome::from(client.submit(&in_request()).await),
                Err(e) => Outcome::Err(e),
            }
        })
    });
    row.expect = vec![
        exactly("POST", KEY_PATH, 1),
        exactly("POST", AVAIL_PATH, 1),
        exactly("POST", ORDER_PATH, 0),
    ];
    row.creates = vec![("POST", ORDER_PATH.into())];
    row.secrets = all.iter().map(|s| s.to_string()).collect();
    row.check = Box::new(move |o, _| {
        let e = o.err().ok_or("expected an error")?;
        ensure(
            e.reject_reason() == Some(numport::RejectReason::NotPortable),
            "not NotPortable",
        )?;
        let stored = kept.written(":precheck:");
        ensure(stored.len() == 1, format!("{} checks stored", stored.len()))?;
        let text = String::from_utf8_lossy(&stored[0]).to_ascii_lowercase();
        for s in all {
            ensure(
                !text.contains(&s.to_ascii_lowercase()),
                format!("LEAK: the stored check holds {s:?}"),
            )?;
        }
        Ok(())
    });
    rows.push(row);

    let creds = [IN_PASSWORD, IN_KEY];
    let mut row = inumbering_row(
        "check_portability: a reason echoing the password and the key",
        Planted::empty(),
        vec![
            (KEY_PATH, key_reply()),
            (AVAIL_PATH, not_portable(echo(&creds))),
        ],
        check_portability,
    );
    row.expect = vec![exactly("POST", KEY_PATH, 1), exactly("POST", AVAIL_PATH, 1)];
    rows.push(row);

    type Read = fn(INumberingClient) -> futures::future::BoxFuture<'static, Outcome>;
    let reads: [(&str, Read); 3] = [
        ("orders()", |c| {
            Box::pin(async move {
                let listed: Vec<_> = c.orders().collect().await;
                Outcome::Ok(format!("{listed:?}"))
            })
        }),
        ("order()", |c| {
            Box::pin(async move { Outcome::from(c.order(&PortId::new("A1B2C").unwrap()).await) })
        }),
        ("watch_many, one round", |c| {
            Box::pin(async move {
                let changes: Vec<_> = c
                    .watch_many(
                        vec![PortId::new("A1B2C").unwrap()],
                        TrackOptions::default().with_max_rounds(1),
                    )
                    .collect()
                    .await;
                Outcome::Ok(format!("{changes:?}"))
            })
        }),
    ];
    for (name, read) in reads {
        let mut row = inumbering_row(
            &format!("{name}: a status message and URL echoing the key and the password"),
            Planted::empty(),
            vec![
                (KEY_PATH, key_reply()),
                (STATUS_PATH, status_echo(echo(&creds))),
            ],
            read,
        );
        row.expect = vec![
            exactly("POST", KEY_PATH, 1),
            exactly("POST", STATUS_PATH, 1),
        ];
        row.check = Box::new(|o, _| match o {
            Outcome::Ok(text) if text.contains("[REDACTED]") => Ok(()),
            _ => Err("expected the message, redacted".into()),
        });
        rows.push(row);
    }

    // Cellhire: a row's message echoing the row's PAC and the token in use.
    let details_path = api(&format!("/port/{DETAILS_ID}"));
    for oauth in [false, true] {
        let token = if oauth { CH_ACCESS } else { CH_TOKEN };
        let mut details = fixture("port_details.json");
        details["rows"][0]["message"] = json!(echo(&["84E046866KO2", token]));
        let mut row = Row::new(format!(
            "Cellhire port details ({}): a row message echoing its PAC and the token",
            if oauth {
                "granted token"
            } else {
                "static token"
            }
        ));
        let served = details_path.clone();
        row.setup = Box::new(move |ctx| {
            ctx.server
                .route("POST", TOKEN_PATH, always(Act::Reply(token_reply())));
            ctx.server.route(
                "GET",
                &served,
                always(Act::Reply(Reply::json(200, &details))),
            );
        });
        row.call = Box::new(move |ctx| {
            Box::pin(async move {
                match cellhire(ctx, oauth, Planted::empty()) {
                    Ok(client) => {
                        Outcome::from(client.order(&PortId::new(DETAILS_ID).unwrap()).await)
                    }
                    Err(e) => Outcome::Err(e),
                }
            })
        });
        row.expect = vec![exactly("GET", details_path.clone(), 1)];
        if oauth {
            row.expect.push(exactly("POST", TOKEN_PATH, 1));
        }
        row.secrets = vec![token.into(), "84E046866KO2".into(), CH_CLIENT_SECRET.into()];
        row.check = Box::new(|o, _| match o {
            Outcome::Ok(text) if text.contains("[REDACTED]") => Ok(()),
            _ => Err("expected the message, redacted".into()),
        });
        rows.push(row);
    }

    // Cellhire: network names echoing the token, kept in the store.
    let store = Planted::empty();
    let kept = store.clone();
    let mut networks = fixture("networks.json");
    networks[0]["targetNetworks"][0]["name"] = json!(echo(&[CH_TOKEN]));
    let mut row = Row::new("Cellhire networks(): a network name echoing the token");
    row.setup = Box::new(move |ctx| {
        ctx.server.route(
            "GET",
            &api("/networks"),
            always(Act::Reply(Reply::json(200, &networks))),
        );
    });
    row.call = Box::new(move |ctx| {
        let store = store.clone();
        Box::pin(async move {
            match cellhire(ctx, false, store) {
                Ok(client) => Outcome::from(client.networks().await),
                Err(e) => Outcome::Err(e),
            }
        })
    });
    row.expect = vec![exactly("GET", api("/networks"), 1)];
    row.secrets = vec![CH_TOKEN.into()];
    row.check = Box::new(move |o, _| {
        is_ok(o)?;
        let stored = kept.written(":networks");
        ensure(stored.len() == 1, "the list was not stored")?;
        ensure(
            !String::from_utf8_lossy(&stored[0])
                .to_ascii_lowercase()
                .contains(CH_TOKEN),
            "LEAK: the stored list holds the token",
        )
    });
    rows.push(row);
    rows
}
