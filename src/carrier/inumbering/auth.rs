//! The API-key exchange and its cache.
//!
//! iNumbering allows six exchanges per hour per IP, so the key is fetched
//! once, kept for the client's lifetime (shared by clones), and fetched
//! again only after a 401 — once.

use std::fmt;
use std::sync::atomic::{AtomicUsize, Ordering};

use reqwest::header::{CONTENT_TYPE, HeaderValue};
use std::time::Duration;

use tokio::sync::Mutex;
use tokio::time::Instant;

use super::{from_wire, wire};
use crate::error::{Error, Result};
use crate::http::{Idempotency, Transport};
use crate::model::Credential;
use crate::provider::{Carrier, Operation};

/// The exchange endpoint.
pub const APIKEY_PATH: &str = "/v2.2/account/apikey";

/// How long the exchange is left alone after a 429 that named no wait: the
/// carrier allows six an hour, so a tenth of that hour.
const LOCKOUT_WITHOUT_RETRY_AFTER: Duration = Duration::from_secs(600);

pub(super) struct KeySource {
    username: u64,
    password: Credential,
    key: Mutex<Slot>,
    exchanges: AtomicUsize,
}

#[derive(Default)]
struct Slot {
    key: Option<Credential>,
    /// After a 429 from the exchange: not before this instant.
    locked_until: Option<Instant>,
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
    pub(super) fn new(username: u64, password: Credential, key: Option<Credential>) -> Self {
        Self {
            username,
            password,
            key: Mutex::new(Slot {
                key,
                locked_until: None,
            }),
            exchanges: AtomicUsize::new(0),
        }
    }

    /// The key in use, if one is held.
    pub(super) async fn current(&self) -> Option<Credential> {
        self.key.lock().await.key.clone()
    }

    pub(super) fn username(&self) -> u64 {
        self.username
    }

    /// The password, for redaction.
    pub(super) fn password(&self) -> &str {
        self.password.expose()
    }

    pub(super) fn exchanges(&self) -> usize {
        self.exchanges.load(Ordering::Relaxed)
    }

    /// The cached key, exchanging credentials for one when there is none.
    /// Concurrent callers wait for one exchange. After the exchange was
    /// rate-limited, nothing is sent until its `Retry-After` (or ten
    /// minutes) has passed: each refused try would lengthen the lock-out.
    pub(super) async fn key(&self, transport: &Transport) -> Result<Credential> {
        let mut slot = self.key.lock().await;
        if let Some(key) = slot.key.as_ref() {
            return Ok(key.clone());
        }
        if let Some(until) = slot.locked_until {
            let left = until.saturating_duration_since(Instant::now());
            if !left.is_zero() {
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
            slot.locked_until = None;
        }
        match self.exchange(transport).await {
            Ok(key) => {
                slot.key = Some(key.clone());
                Ok(key)
            }
            Err(e) => {
                if e.is_rate_limited() {
                    let wait = e.retry_after().unwrap_or(LOCKOUT_WITHOUT_RETRY_AFTER);
                    slot.locked_until = Some(Instant::now() + wait);
                    tracing::warn!(
                        wait_secs = wait.as_secs(),
                        "iNumbering key exchange rate-limited; holding further exchanges"
                    );
                }
                Err(e)
            }
        }
    }

    /// Forgets `stale` (unless another caller already replaced it).
    pub(super) async fn invalidate(&self, stale: &Credential) {
        let mut slot = self.key.lock().await;
        if slot
            .key
            .as_ref()
            .is_some_and(|k| k.expose() == stale.expose())
        {
            slot.key = None;
        }
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
