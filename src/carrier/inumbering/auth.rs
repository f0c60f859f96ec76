//! The API-key exchange and its cache.
//!
//! iNumbering allows six exchanges per hour per IP, so the key is fetched
//! once, kept for the client's lifetime (shared by clones), and fetched
//! again only after a 401 — once.

use std::fmt;
use std::sync::atomic::{AtomicUsize, Ordering};

use reqwest::header::CONTENT_TYPE;
use tokio::sync::Mutex;

use super::{from_wire, wire};
use crate::error::{Error, Result};
use crate::http::{Idempotency, Transport, decode};
use crate::model::Credential;
use crate::provider::{Carrier, Operation};

/// The exchange endpoint.
pub const APIKEY_PATH: &str = "/v2.2/account/apikey";

pub(super) struct KeySource {
    username: u64,
    password: Credential,
    key: Mutex<Option<Credential>>,
    exchanges: AtomicUsize,
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
    pub(super) fn new(username: u64, password: Credential) -> Self {
        Self {
            username,
            password,
            key: Mutex::new(None),
            exchanges: AtomicUsize::new(0),
        }
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
    /// Concurrent callers wait for one exchange.
    pub(super) async fn key(&self, transport: &Transport) -> Result<Credential> {
        let mut slot = self.key.lock().await;
        if let Some(key) = slot.as_ref() {
            return Ok(key.clone());
        }
        let key = self.exchange(transport).await?;
        *slot = Some(key.clone());
        Ok(key)
    }

    /// Forgets `stale` (unless another caller already replaced it).
    pub(super) async fn invalidate(&self, stale: &Credential) {
        let mut slot = self.key.lock().await;
        if slot.as_ref().is_some_and(|k| k.expose() == stale.expose()) {
            *slot = None;
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
                    .header(CONTENT_TYPE, "application/json")
                    .body(body.clone())
            })
            .await?;
        if let Some(error) = from_wire::failure(
            reply.status,
            &reply.body,
            reply.retry_after(transport.config()),
        ) {
            return Err(error);
        }
        let answer: wire::KeyAnswer = decode::json(Carrier::INumbering, op, &reply.body)?;
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
