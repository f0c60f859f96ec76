//! Bearer tokens: a caller's static token, or OAuth2 client credentials
//! fetched, cached until shortly before expiry, refreshed by one task at a
//! time, and refreshed once when the API answers 401.
//!
//! With a shared [`crate::store::Store`], the token is the fleet's: one
//! replica asks for a grant under the store's lock while the others wait
//! and read its token, and a 401 removes the shared token only if it is
//! still the one that failed.

use std::fmt;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use async_trait::async_trait;
use reqwest::header::{ACCEPT, HeaderValue};
use tokio::sync::Mutex;
use tokio::time::Instant;

use super::wire::TokenResponse;
use crate::RejectReason;
use crate::error::{Error, Result};
use crate::http::error_body::{ErrorBody, error_for_status};
use crate::http::{Authority, BaseUrl, Fixed, Grant, Idempotency, Transport};
use crate::model::Credential;
use crate::operation::{Carrier, Operation};
use crate::redact::Runs;
use crate::store::Shared;

/// The store item of the token.
const TOKEN_ITEM: &str = "token";

/// Cellhire's token endpoint.
pub const DEFAULT_TOKEN_URL: &str = "https://auth.cellhire.com/connect/token";

/// The longest lifetime believed, whatever `expires_in` says: a day. An
/// absurd value must not overflow the clock nor keep a token forever.
const MAX_LIFETIME: Duration = Duration::from_secs(86_400);

/// The lifetime assumed when the token endpoint names none.
const DEFAULT_LIFETIME: Duration = Duration::from_secs(3600);

/// How a [`super::CellhireClient`] authenticates.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub enum CellhireAuth {
    /// A bearer token the caller obtained; used as is, never refreshed.
    Token(Credential),
    /// OAuth2 client credentials against a token endpoint.
    ClientCredentials {
        /// The client id (not secret).
        client_id: String,
        /// The client secret.
        client_secret: Credential,
        /// The token endpoint (default [`DEFAULT_TOKEN_URL`]).
        token_url: BaseUrl,
    },
}

/// `Bearer <token>`, made once per token rather than once per request.
fn bearer(token: Credential) -> Result<Grant> {
    Grant::new("Bearer", token)
        .map_err(|_| Error::Config("the bearer token is not a valid HTTP header value".into()))
}

struct Cached {
    grant: Grant,
    refresh_at: Instant,
    /// The token's form in the store, for a compare-and-remove on a 401.
    stored: Vec<u8>,
    /// The redaction runs of the client secret and this token.
    runs: Runs<'static>,
}

/// The tokens of a client and its clones: the caller's static token, or
/// client-credentials tokens fetched and cached. As an [`Authority`] it
/// obtains them; a static token goes through [`Fixed`]
/// ([`TokenSource::authority`]).
pub(super) struct TokenSource {
    auth: CellhireAuth,
    /// The static token's redaction runs, made at construction.
    fixed_runs: Option<Runs<'static>>,
    cache: Mutex<Option<Cached>>,
    grants: AtomicUsize,
    /// The store shared by the clients of this client id (client
    /// credentials only).
    shared: Option<Shared>,
}

impl fmt::Debug for TokenSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TokenSource")
            .field("auth", &self.auth)
            .finish_non_exhaustive()
    }
}

impl TokenSource {
    /// A source for `auth`.
    pub fn new(auth: CellhireAuth, shared: Option<Shared>) -> Self {
        let fixed_runs = match &auth {
            CellhireAuth::Token(token) => Some(Runs::new([token.expose()]).into_owned()),
            CellhireAuth::ClientCredentials { .. } => None,
        };
        Self {
            auth,
            fixed_runs,
            cache: Mutex::new(None),
            grants: AtomicUsize::new(0),
            shared,
        }
    }

    /// The authority requests are sent with: [`Fixed`] for a static token
    /// (a 401 is final), the source itself for client credentials. A
    /// static token that cannot be a header value is [`Error::Config`].
    pub fn authority(self: &Arc<Self>) -> Result<Arc<dyn Authority>> {
        Ok(match &self.auth {
            CellhireAuth::Token(token) => Arc::new(Fixed::new(bearer(token.clone())?, Vec::new())),
            CellhireAuth::ClientCredentials { .. } => self.clone(),
        })
    }

    /// How many tokens this source has fetched.
    pub fn grants(&self) -> usize {
        self.grants.load(Ordering::Relaxed)
    }

    /// Calls `f` with the secrets the source knows, for redaction (the
    /// static token, or the client secret and the token granted last) and
    /// their runs, made once per token. Nothing is copied.
    pub(super) async fn with_secrets<R>(&self, f: impl FnOnce(&Runs<'_>, &[&str]) -> R) -> R {
        match &self.auth {
            CellhireAuth::Token(token) => match &self.fixed_runs {
                Some(runs) => f(runs, &[token.expose()]),
                None => f(&Runs::new([token.expose()]), &[token.expose()]),
            },
            CellhireAuth::ClientCredentials { client_secret, .. } => {
                let cache = self.cache.lock().await;
                match cache.as_ref() {
                    Some(c) => f(&c.runs, &[client_secret.expose(), c.grant.secret.expose()]),
                    None => f(
                        &Runs::new([client_secret.expose()]),
                        &[client_secret.expose()],
                    ),
                }
            }
        }
    }
}

#[async_trait]
impl Authority for TokenSource {
    /// A valid token: the cached one, or a new one. Callers that arrive
    /// while another is fetching wait for its result instead of fetching too.
    async fn grant(&self, transport: &Transport) -> Result<Grant> {
        let (client_id, client_secret, token_url) = match &self.auth {
            CellhireAuth::Token(token) => return bearer(token.clone()),
            CellhireAuth::ClientCredentials {
                client_id,
                client_secret,
                token_url,
            } => (client_id, client_secret, token_url),
        };
        let mut cache = self.cache.lock().await;
        if let Some(cached) = cache.as_ref() {
            if Instant::now() < cached.refresh_at {
                return Ok(cached.grant.clone());
            }
        }
        let grant = || async {
            let (token, lifetime) = fetch(transport, client_id, client_secret, token_url)
                .await
                .map_err(|e| e.redacting(&[client_secret.expose()]))?;
            self.grants.fetch_add(1, Ordering::Relaxed);
            // Refresh a minute early, or at 90% of a short lifetime.
            let margin = Duration::from_secs(60).min(lifetime / 10);
            Ok::<_, Error>(SharedToken {
                token,
                refresh_at_ms: now_ms() + millis(lifetime - margin),
            })
        };
        let fetched = match &self.shared {
            Some(shared) => {
                shared
                    .fetch_once(
                        TOKEN_ITEM,
                        SharedToken::decode,
                        SharedToken::encode,
                        SharedToken::lifetime,
                        grant,
                    )
                    .await?
            }
            None => grant().await?,
        };
        let grant = bearer(fetched.token.clone())?;
        let runs = Runs::new([client_secret.expose(), fetched.token.expose()]).into_owned();
        *cache = Some(Cached {
            grant: grant.clone(),
            refresh_at: Instant::now() + fetched.lifetime(),
            stored: fetched.encode(),
            runs,
        });
        Ok(grant)
    }

    /// True for client credentials: a 401 is answered by fetching a new
    /// token.
    fn can_refresh(&self) -> bool {
        matches!(self.auth, CellhireAuth::ClientCredentials { .. })
    }

    /// Forgets `rejected` so that the next call fetches a new token, unless
    /// another task has already replaced it.
    async fn invalidate(&self, rejected: &Credential) {
        let mut cache = self.cache.lock().await;
        let Some(cached) = cache.take_if(|c| &c.grant.secret == rejected) else {
            return;
        };
        // Removed from the store only while it still holds this very token:
        // ten replicas seeing the same 401 remove it once.
        if let Some(shared) = &self.shared {
            shared.remove_if(TOKEN_ITEM, &cached.stored).await;
        }
    }

    /// The configured secret: the static token or the client secret.
    fn secrets(&self) -> Vec<&str> {
        match &self.auth {
            CellhireAuth::Token(token) => vec![token.expose()],
            CellhireAuth::ClientCredentials { client_secret, .. } => vec![client_secret.expose()],
        }
    }
}

/// A token with the time to refresh it, as shared through the store:
/// `<refresh at, Unix ms> <token>`.
struct SharedToken {
    token: Credential,
    refresh_at_ms: i64,
}

fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

fn millis(d: Duration) -> i64 {
    i64::try_from(d.as_millis()).unwrap_or(i64::MAX / 2)
}

impl SharedToken {
    fn decode(bytes: &[u8]) -> Option<Self> {
        let text = std::str::from_utf8(bytes).ok()?;
        let (at, token) = text.split_once(' ')?;
        let shared = Self {
            token: Credential::new("access_token", token).ok()?,
            refresh_at_ms: at.parse().ok()?,
        };
        (!shared.lifetime().is_zero()).then_some(shared)
    }

    fn encode(&self) -> Vec<u8> {
        format!("{} {}", self.refresh_at_ms, self.token.expose()).into_bytes()
    }

    /// Never more than a token can live: a value in a shared store is not
    /// trusted further than that.
    fn lifetime(&self) -> Duration {
        Duration::from_millis(
            self.refresh_at_ms
                .saturating_sub(now_ms())
                .max(0)
                .unsigned_abs(),
        )
        .min(MAX_LIFETIME)
    }
}

async fn fetch(
    transport: &Transport,
    client_id: &str,
    client_secret: &Credential,
    token_url: &BaseUrl,
) -> Result<(Credential, Duration)> {
    let url = token_url.as_url().clone();
    let reply = transport
        .execute(Operation::Authenticate, Idempotency::Idempotent, |client| {
            client
                .post(url.clone())
                .header(ACCEPT, HeaderValue::from_static("application/json"))
                .form(&[
                    ("client_id", client_id),
                    ("client_secret", client_secret.expose()),
                    ("grant_type", "client_credentials"),
                ])
        })
        .await?;
    let carrier = Carrier::Cellhire;
    if !reply.is_success() {
        let body = ErrorBody::parse(&reply.body);
        // An OAuth2 error answer (400 invalid_client, ...) is an auth failure.
        if reply.status == 400 || reply.status == 401 {
            return Err(Error::Auth {
                carrier,
                status: Some(reply.status),
                message: body.message,
            });
        }
        let retry_after = reply.retry_after(transport.config());
        return Err(error_for_status(
            carrier,
            reply.status,
            body,
            retry_after,
            |_| RejectReason::Other,
        ));
    }
    let parsed: TokenResponse = serde_json::from_slice(&reply.body).map_err(|e| Error::Decode {
        carrier,
        operation: Operation::Authenticate,
        message: format!(
            "token response: {:?} error at line {} column {}",
            e.classify(),
            e.line(),
            e.column()
        ),
    })?;
    if let Some(kind) = &parsed.token_type {
        if !kind.eq_ignore_ascii_case("bearer") {
            return Err(Error::Decode {
                carrier,
                operation: Operation::Authenticate,
                message: format!("token_type is {kind:?}, not Bearer"),
            });
        }
    }
    let token =
        Credential::new("access_token", parsed.access_token).map_err(|e| Error::Decode {
            carrier,
            operation: Operation::Authenticate,
            message: e.to_string(),
        })?;
    let lifetime = parsed
        .expires_in
        .filter(|s| *s > 0)
        .map(Duration::from_secs)
        .unwrap_or(DEFAULT_LIFETIME)
        .min(MAX_LIFETIME);
    Ok((token, lifetime))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_shared_token_is_believed_no_longer_than_a_token_lives() {
        let far = SharedToken::decode(format!("{} tok-abc", i64::MAX).as_bytes()).unwrap();
        assert_eq!(far.lifetime(), MAX_LIFETIME);
        assert!(SharedToken::decode(format!("{} tok-abc", i64::MIN).as_bytes()).is_none());
        assert!(SharedToken::decode(b"not a token").is_none());
        let soon =
            SharedToken::decode(format!("{} tok-abc", now_ms() + 60_000).as_bytes()).unwrap();
        assert!(
            soon.lifetime() <= Duration::from_secs(60),
            "{:?}",
            soon.lifetime()
        );
        assert_eq!(soon.token.expose(), "tok-abc");
    }
}
