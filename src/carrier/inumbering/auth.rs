//! The API-key exchange and its cache.
//!
//! iNumbering allows six exchanges per hour per IP, so the key is fetched
//! once, kept for the client's lifetime (shared by clones), and fetched
//! again only after a 401 — once.
//!
//! With a shared [`crate::store::Store`], the key, the hour's exchange
//! budget and a rate-limit lock-out are the fleet's: one replica exchanges
//! under the store's lock while the others wait and read its key, every
//! exchange counts against one budget of six an hour, and a 401 removes the
//! shared key only if it is still the one that failed.
//!
//! [`KeySource`] is the account's [`Authority`]: every call of the client
//! sends through [`crate::http::Sender`], which asks it for the key and,
//! after a 401, has it exchange again once.

use std::fmt;
use std::sync::atomic::{AtomicUsize, Ordering};

use async_trait::async_trait;
use reqwest::header::{CONTENT_TYPE, HeaderValue};
use std::time::Duration;

use tokio::sync::Mutex;
use tokio::time::Instant;

use super::{from_wire, wire};
use crate::error::{Error, Result};
use crate::http::{Authority, Grant, Idempotency, Transport};
use crate::model::Credential;
use crate::operation::{Carrier, Operation};
use crate::store::{Budget, Shared};

/// The exchange endpoint.
pub const APIKEY_PATH: &str = "/v2.2/account/apikey";

/// How long the exchange is left alone after a 429 that named no wait: the
/// carrier allows six an hour, so a tenth of that hour.
const LOCKOUT_WITHOUT_RETRY_AFTER: Duration = Duration::from_secs(600);

/// The start of the message of a locally refused exchange.
const BUDGET_SPENT: &str = "the six API-key exchanges allowed an hour are spent";

/// True for the local refusal of [`KeySource::budgeted_exchange`] (which
/// is no lock-out by the carrier).
fn refused_by_budget(e: &Error) -> bool {
    matches!(e, Error::RateLimited { message, .. } if message.starts_with(BUDGET_SPENT))
}

/// The carrier's exchange budget: six per hour per IP address.
pub const EXCHANGES_PER_HOUR: u32 = 6;

/// How long a shared key is kept without use proving it stale. The carrier
/// names no lifetime; a 401 replaces it sooner.
const SHARED_KEY_LIFETIME: Duration = Duration::from_secs(24 * 3600);

/// Store items. The budget is kept in the account's namespace: iNumbering
/// counts exchanges per IP address, which the client cannot see, so two
/// accounts behind one egress address each count their own six.
const KEY_ITEM: &str = "apikey";
const BUDGET_ITEM: &str = "apikey-exchanges";
const LOCKOUT_ITEM: &str = "apikey-lockout";

pub(super) struct KeySource {
    username: u64,
    password: Credential,
    key: Mutex<Slot>,
    exchanges: AtomicUsize,
    shared: Shared,
}

#[derive(Default)]
struct Slot {
    /// The key, with its `Bearer` header value (made once per key).
    key: Option<Grant>,
    /// After a 429 from the exchange: not before this instant.
    locked_until: Option<Instant>,
    /// The redaction runs of the password and `key`, made once per key
    /// (`None` until first needed, and again whenever the key changes).
    runs: Option<crate::redact::Runs<'static>>,
}

impl fmt::Debug for KeySource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("KeySource")
            .field("username", &self.username)
            .field("password", &self.password)
            .field("exchanges", &self.exchanges.load(Ordering::Relaxed))
            .finish()
    }
}

impl KeySource {
    /// A source that starts from `key` when the caller saved one.
    pub(super) fn new(
        username: u64,
        password: Credential,
        key: Option<Credential>,
        shared: Shared,
    ) -> Self {
        Self {
            username,
            password,
            key: Mutex::new(Slot {
                key: key.and_then(|key| Grant::new("Bearer", key).ok()),
                locked_until: None,
                runs: None,
            }),
            exchanges: AtomicUsize::new(0),
            shared,
        }
    }

    /// The key in use, if one is held.
    pub(super) async fn current(&self) -> Option<Credential> {
        self.key.lock().await.key.as_ref().map(|g| g.secret.clone())
    }

    pub(super) fn username(&self) -> u64 {
        self.username
    }

    /// The password, for redaction.
    pub(super) fn password(&self) -> &str {
        self.password.expose()
    }

    /// Removes the password, the API key in use and `extra` from every
    /// text of `texts` that may hold one; clean texts (the usual case) are
    /// neither copied nor changed (see [`crate::redact::scrub_texts`]).
    pub(super) async fn scrub<'t>(
        &self,
        extra: &[&str],
        texts: impl IntoIterator<Item = &'t mut String>,
    ) {
        let mut slot = self.key.lock().await;
        let Slot { key, runs, .. } = &mut *slot;
        let key = key.as_ref().map_or("", |g| g.secret.expose());
        let credentials = [self.password.expose(), key];
        if extra.is_empty() {
            let runs = runs.get_or_insert_with(|| {
                crate::redact::Runs::new(credentials.iter().copied()).into_owned()
            });
            crate::redact::scrub_texts_with(runs, &credentials, texts);
        } else {
            let all: Vec<&str> = extra.iter().chain(&credentials).copied().collect();
            crate::redact::scrub_texts(&all, texts);
        }
    }

    pub(super) fn exchanges(&self) -> usize {
        self.exchanges.load(Ordering::Relaxed)
    }

    /// The cached key, else the store's, else one exchanged for it.
    /// Concurrent callers wait for one exchange, in this process and across
    /// replicas sharing a store. After the exchange was rate-limited, or
    /// once the hour's six exchanges are spent, nothing is sent until the
    /// wait is over: each refused try would lengthen the lock-out.
    async fn key(&self, transport: &Transport) -> Result<Grant> {
        let mut slot = self.key.lock().await;
        if let Some(grant) = slot.key.as_ref() {
            return Ok(grant.clone());
        }
        if let Some(until) = slot.locked_until {
            if until <= Instant::now() {
                slot.locked_until = None;
            }
        }
        let left = match slot.locked_until {
            Some(until) => Some(until.saturating_duration_since(Instant::now())),
            None => self.shared_lockout().await,
        };
        if let Some(left) = left.filter(|l| !l.is_zero()) {
            return Err(Error::RateLimited {
                carrier: Carrier::INumbering,
                retry_after: Some(left),
                message: format!(
                    "the API-key exchange was rate-limited (six an hour); not tried again \
                     for {}s: nothing was sent",
                    left.as_secs()
                ),
            });
        }
        let fetched = self
            .shared
            .fetch_once(
                KEY_ITEM,
                |bytes| {
                    let key = std::str::from_utf8(bytes)
                        .ok()
                        .and_then(|text| Credential::new("apikey", text).ok());
                    // An empty value is an expired one (`Shared::expire`).
                    if key.is_none() && !bytes.is_empty() {
                        tracing::warn!(
                            bytes = bytes.len(),
                            "the shared API key is not a valid key; exchanging again"
                        );
                    }
                    key
                },
                |key: &Credential| key.expose().as_bytes().to_vec(),
                |_| SHARED_KEY_LIFETIME,
                || self.budgeted_exchange(transport),
            )
            .await;
        match fetched.and_then(|key| Grant::new("Bearer", key)) {
            Ok(grant) => {
                slot.key = Some(grant.clone());
                slot.runs = None;
                Ok(grant)
            }
            Err(e) => {
                if e.is_rate_limited() && !refused_by_budget(&e) {
                    let wait = e.retry_after().unwrap_or(LOCKOUT_WITHOUT_RETRY_AFTER);
                    slot.locked_until = Some(Instant::now() + wait);
                    self.share_lockout(wait).await;
                    tracing::warn!(
                        wait_secs = wait.as_secs(),
                        "iNumbering key exchange rate-limited; holding further exchanges"
                    );
                }
                Err(e)
            }
        }
    }

    /// Spends one of the hour's exchanges (counted across every client of
    /// the store), then exchanges; refuses locally when none is left.
    async fn budgeted_exchange(&self, transport: &Transport) -> Result<Credential> {
        let window = Duration::from_secs(3600);
        match self
            .shared
            .take_budget(BUDGET_ITEM, EXCHANGES_PER_HOUR, window)
            .await
        {
            Budget::Granted { .. } => self.exchange(transport).await,
            Budget::Spent { frees_in } => {
                tracing::warn!(
                    frees_in_secs = frees_in.as_secs(),
                    "the six API-key exchanges of the hour are spent; not exchanging"
                );
                Err(Error::RateLimited {
                    carrier: Carrier::INumbering,
                    retry_after: Some(frees_in),
                    message: format!(
                        "{BUDGET_SPENT}: the next frees in {}s; nothing was sent",
                        frees_in.as_secs().max(1)
                    ),
                })
            }
        }
    }

    /// The rate-limit lock-out another replica recorded, if any is running.
    async fn shared_lockout(&self) -> Option<Duration> {
        let bytes = self.shared.get(LOCKOUT_ITEM).await?;
        let Some(until_ms) = std::str::from_utf8(&bytes)
            .ok()
            .and_then(|text| text.parse::<i64>().ok())
        else {
            if !bytes.is_empty() {
                tracing::warn!(
                    bytes = bytes.len(),
                    "the shared exchange lock-out is unreadable; ignored"
                );
            }
            return None;
        };
        let left_ms = until_ms.saturating_sub(chrono::Utc::now().timestamp_millis());
        // Never longer than the budget's hour: a shared value is not
        // trusted further than the carrier's own window.
        (left_ms > 0)
            .then(|| Duration::from_millis(left_ms.unsigned_abs()).min(Duration::from_secs(3600)))
    }

    async fn share_lockout(&self, wait: Duration) {
        let until = chrono::Utc::now()
            .timestamp_millis()
            .saturating_add(i64::try_from(wait.as_millis()).unwrap_or(i64::MAX));
        self.shared
            .put(LOCKOUT_ITEM, until.to_string().as_bytes(), wait)
            .await;
    }

    /// Forgets `stale` here and in the store (unless another caller
    /// already replaced it).
    async fn forget(&self, stale: &Credential) {
        let mut slot = self.key.lock().await;
        if slot
            .key
            .as_ref()
            .is_some_and(|k| k.secret.expose() == stale.expose())
        {
            slot.key = None;
            slot.runs = None;
        }
        self.shared
            .remove_if(KEY_ITEM, stale.expose().as_bytes())
            .await;
    }

    async fn exchange(&self, transport: &Transport) -> Result<Credential> {
        let op = Operation::Authenticate;
        let body = serde_json::to_vec(&wire::KeyRequest {
            username: self.username,
            password: self.password.expose(),
        })
        .map_err(|e| Error::Config(format!("could not encode the key request: {e}")))?;
        let url = transport.url(APIKEY_PATH);
        self.exchanges.fetch_add(1, Ordering::Relaxed);
        tracing::debug!("exchanging iNumbering credentials for an API key");
        // Never retried on a status: the carrier counts every exchange.
        let body = bytes::Bytes::from(body);
        let reply = transport
            .execute(op, Idempotency::SendOnce, |client| {
                client
                    .post(url.clone())
                    .header(CONTENT_TYPE, HeaderValue::from_static("application/json"))
                    .body(body.clone())
            })
            .await?;
        let answer: wire::KeyAnswer = from_wire::answer(
            op,
            reply.status,
            &reply.body,
            reply.retry_after(transport.config()),
        )?;
        let key = answer
            .data
            .and_then(|d| d.apikey)
            .filter(|k| !k.trim().is_empty())
            .ok_or_else(|| Error::Decode {
                carrier: Carrier::INumbering,
                operation: op,
                message: "the key exchange answered without data.apikey".into(),
            })?;
        Credential::new("apikey", key).map_err(Error::from)
    }
}

#[async_trait]
impl Authority for KeySource {
    /// The cached key, else the store's, else one exchanged for it, within
    /// the hour's budget and any lock-out ([`KeySource::key`]).
    async fn grant(&self, transport: &Transport) -> Result<Grant> {
        self.key(transport).await
    }

    /// A 401 is answered with one more exchange.
    fn can_refresh(&self) -> bool {
        true
    }

    async fn invalidate(&self, rejected: &Credential) {
        self.forget(rejected).await;
    }

    /// The password (the key in use is the credential sent, removed by the
    /// sender).
    fn secrets(&self) -> Vec<&str> {
        vec![self.password.expose()]
    }
}
