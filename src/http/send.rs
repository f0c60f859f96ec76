//! The one authenticated send: every carrier request that carries a
//! credential goes through [`Sender::send`] (or [`Sender::send_opening`]
//! for a listing read as it arrives). One place to read to know when numport
//! sends again:
//!
//! | what happened | what the sender does |
//! |---|---|
//! | connect failed (nothing left) | the transport sends again, creates included, within the retry policy |
//! | 5xx, 429, timeout, lost connection | the transport sends again reads, amendments and cancels ([`Idempotency::Idempotent`]), never a create |
//! | 401 | the credential is dropped and fetched again once, then the call is sent once more (a 401 creates nothing) |
//! | the carrier's own words say "transient" ([`Verdict::Transient`], iNumbering's 409 storage error) | sent again like a 5xx, idempotent calls only, within the same policy and deadline |
//! | the carrier refused and said what to do first ([`Verdict::Recover`], iNumbering's 412 "no fresh portability check") | the call's recovery runs once, then the call is sent once more, a create too: the refusal proves nothing was created |
//! | anything else | no second send |
//!
//! Every attempt, credential fetch and back-off sleep shares one deadline
//! ([`HttpConfig::operation_deadline`](crate::http::HttpConfig::operation_deadline)).
//! Every error the sender returns has had every secret the carrier's
//! [`Authority`] knows, the credential it sent and the call's own secrets
//! (PINs, PACs, account numbers) removed from its texts. A create that
//! failed after it may have left is [`Error::OutcomeUnknown`]; one that
//! provably never left (its credential could not be obtained, a recovery
//! step failed), or that the carrier refused, keeps its own error.
//!
//! What a carrier brings: an [`Authority`] (how to authenticate a request,
//! how to get a new credential) and a classifier, the `read` function of
//! each call, from an answer's status and words to a [`Verdict`].

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use async_trait::async_trait;
use bytes::Bytes;
use futures::future::Either;
use reqwest::header::{AUTHORIZATION, CONTENT_TYPE, HeaderName, HeaderValue};
use reqwest::{Client, Method, RequestBuilder};
use tokio::time::Instant;

use crate::error::{Error, Result};
use crate::http::{Answered, BodyStream, Idempotency, Reply, Transport};
use crate::model::Credential;
use crate::operation::Operation;

/// A credential and the `Authorization` value that carries it.
#[derive(Clone)]
pub(crate) struct Grant {
    /// The secret itself (a token, an API key, a password).
    pub secret: Credential,
    /// The `Authorization` header value, marked sensitive.
    pub header: HeaderValue,
}

impl fmt::Debug for Grant {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Grant(<redacted>)")
    }
}

impl Grant {
    /// `<scheme> <secret>` as a sensitive header value (`Bearer`, `Basic`).
    pub fn new(scheme: &str, secret: Credential) -> Result<Self> {
        let mut header =
            HeaderValue::from_str(&format!("{scheme} {}", secret.expose())).map_err(|_| {
                Error::Config(format!(
                    "the {scheme} credential is not a valid header value"
                ))
            })?;
        header.set_sensitive(true);
        Ok(Self { secret, header })
    }
}

/// How one carrier account authenticates its requests.
#[async_trait]
pub(crate) trait Authority: Send + Sync + fmt::Debug {
    /// The credential for the next attempt: cached, or obtained through
    /// `transport` (a token grant, a key exchange).
    async fn grant(&self, transport: &Transport) -> Result<Grant>;

    /// True when a 401 may be answered with a new credential.
    fn can_refresh(&self) -> bool {
        false
    }

    /// Forgets `rejected` (here and in a shared store, while it still holds
    /// it), so that the next [`Authority::grant`] obtains a new one.
    async fn invalidate(&self, rejected: &Credential) {
        let _ = rejected;
    }

    /// Every long-lived secret the authority knows (password, client
    /// secret, a fixed token), to be removed from every error text.
    fn secrets(&self) -> Vec<&str>;
}

/// A credential that never changes (HTTP Basic, a token the caller
/// obtained): a 401 is final.
#[derive(Debug)]
pub(crate) struct Fixed {
    grant: Grant,
    secrets: Vec<Credential>,
}

impl Fixed {
    /// `grant` on every request; `secrets` (and the grant's own) removed
    /// from every error text.
    pub fn new(grant: Grant, secrets: Vec<Credential>) -> Self {
        Self { grant, secrets }
    }
}

#[async_trait]
impl Authority for Fixed {
    async fn grant(&self, _transport: &Transport) -> Result<Grant> {
        Ok(self.grant.clone())
    }

    fn secrets(&self) -> Vec<&str> {
        let mut all: Vec<&str> = self.secrets.iter().map(Credential::expose).collect();
        all.push(self.grant.secret.expose());
        all
    }
}

/// What a carrier's classifier makes of one answer.
#[derive(Debug)]
pub(crate) enum Verdict<T> {
    /// The call's result.
    Done(T),
    /// A final failure.
    Failed(Error),
    /// The credential was refused: obtain a new one once, and send again.
    Unauthorized(Error),
    /// A failure the carrier's words call transient: sent again like a 5xx
    /// when the call may be repeated.
    Transient(Error),
    /// The carrier refused the call and said what to do first: the call's
    /// [`Call::recover`] runs once, then the call is sent again.
    Recover(Error),
}

/// A call's body.
#[derive(Clone, Copy)]
pub(crate) enum Body<'a> {
    /// No body.
    Empty,
    /// Bytes with their content type.
    Bytes(&'a Bytes, &'static str),
    /// A body made from the credential (iNumbering sends its key in the
    /// body too), once per credential.
    Keyed(
        &'a (dyn Fn(&str) -> Result<Bytes> + Send + Sync),
        &'static str,
    ),
    /// A multipart form, made again for every attempt (a form cannot be
    /// cloned).
    Form(&'a (dyn Fn() -> reqwest::multipart::Form + Send + Sync)),
}

/// A recovery step run before the one extra send a [`Verdict::Recover`]
/// allows.
pub(crate) type Recovery<'a> =
    &'a (dyn Fn() -> Pin<Box<dyn Future<Output = Result<()>> + Send + 'a>> + Send + Sync);

/// One call: what to send and what may be repeated.
pub(crate) struct Call<'a> {
    /// The operation, for errors and logs.
    pub operation: Operation,
    /// Whether the call may be repeated after it may have left.
    pub idempotency: Idempotency,
    /// The method.
    pub method: Method,
    /// The URL, under the transport's base URL.
    pub url: &'a url::Url,
    /// Extra headers.
    pub headers: &'a [(HeaderName, HeaderValue)],
    /// The body.
    pub body: Body<'a>,
    /// The call's own secrets (PINs, PACs, account numbers), removed from
    /// every error text.
    pub secrets: &'a [&'a str],
    /// What [`Verdict::Recover`] runs before sending again; without it, a
    /// `Recover` verdict is the call's failure.
    pub recover: Option<Recovery<'a>>,
}

impl<'a> Call<'a> {
    /// A call without body, headers, secrets or recovery.
    pub fn new(
        operation: Operation,
        idempotency: Idempotency,
        method: Method,
        url: &'a url::Url,
    ) -> Self {
        Self {
            operation,
            idempotency,
            method,
            url,
            headers: &[],
            body: Body::Empty,
            secrets: &[],
            recover: None,
        }
    }
}

/// A carrier's transport with its authority: the one authenticated send.
#[derive(Debug, Clone)]
pub(crate) struct Sender {
    transport: Transport,
    authority: Arc<dyn Authority>,
}

impl Sender {
    /// The send path of `authority`'s account over `transport`.
    pub fn new(transport: Transport, authority: Arc<dyn Authority>) -> Self {
        Self {
            transport,
            authority,
        }
    }

    /// The transport.
    pub fn transport(&self) -> &Transport {
        &self.transport
    }

    /// Sends `call` and reads each answer with `read`, the carrier's
    /// classifier, following the rules of this module.
    pub async fn send<T>(
        &self,
        call: Call<'_>,
        read: impl Fn(Reply) -> Verdict<T> + Send + Sync,
    ) -> Result<T>
    where
        T: Send,
    {
        let mut seen: Option<Credential> = None;
        let result = self.run(&call, &read, &mut seen).await;
        result.map_err(|e| self.finish_error(&call, e, seen.as_ref()))
    }

    /// Sends a read whose 2xx answer is read as it arrives. A non-2xx
    /// answer is read whole and given to `read`, like [`Sender::send`]
    /// (whose rules apply, 401 included). A 2xx head goes to `open`, which
    /// reads as much of the body as it takes to tell whether the carrier
    /// reported a failure inside the 200 (iNumbering does; as little as it
    /// can); its verdict is followed like `read`'s (a 401 or transient words
    /// in the body: the call is sent again). Nothing is sent again once
    /// `open` is done. For reads only. as much of a 2xx body
    /// as it takes to tell (as little as it can), and its verdict is
    /// followed like `read`'s (a 401 or transient words in the body: the
    /// call is sent again). Nothing is sent again once `open` is done.
    pub async fn send_opening<S, F>(
        &self,
        call: Call<'_>,
        read: impl Fn(Reply) -> Verdict<std::convert::Infallible> + Send + Sync,
        open: impl Fn(BodyStream) -> F + Send + Sync,
    ) -> Result<S>
    where
        S: Send,
        F: Future<Output = Verdict<S>> + Send,
    {
        let mut seen: Option<Credential> = None;
        let read = |answer: Answered| {
            let verdict = match answer {
                Answered::Streaming(body) => return Either::Left(open(body)),
                Answered::Whole(reply) => match read(reply) {
                    Verdict::Done(never) => match never {},
                    Verdict::Failed(e) => Verdict::Failed(e),
                    Verdict::Unauthorized(e) => Verdict::Unauthorized(e),
                    Verdict::Transient(e) => Verdict::Transient(e),
                    Verdict::Recover(e) => Verdict::Recover(e),
                },
            };
            Either::Right(std::future::ready(verdict))
        };
        let result = self.run_answers(&call, &read, &mut seen, true).await;
        result.map_err(|e| self.finish_error(&call, e, seen.as_ref()))
    }

    async fn run<T: Send>(
        &self,
        call: &Call<'_>,
        read: &(impl Fn(Reply) -> Verdict<T> + Send + Sync),
        seen: &mut Option<Credential>,
    ) -> Result<T> {
        let read = |answer: Answered| {
            std::future::ready(match answer {
                Answered::Whole(reply) => read(reply),
                // Not asked for: only `send_opening` streams.
                Answered::Streaming(_) => Verdict::Failed(Error::Config(format!(
                    "the {} answer was streamed where it was to be read whole",
                    call.operation
                ))),
            })
        };
        self.run_answers(call, &read, seen, false).await
    }

    /// The attempt loop above the transport's: credential, 401, the
    /// carrier's transient words, recovery; one deadline for all.
    ///
    /// A create's failure after it may have left is made
    /// [`Error::OutcomeUnknown`] here, where it is known to come from an
    /// attempt; a failure to obtain the credential or of the recovery step
    /// comes before the next attempt leaves, and is kept.
    async fn run_answers<T: Send, F: Future<Output = Verdict<T>> + Send>(
        &self,
        call: &Call<'_>,
        read: &(impl Fn(Answered) -> F + Send + Sync),
        seen: &mut Option<Credential>,
        stream: bool,
    ) -> Result<T> {
        let transport = &self.transport;
        let config = transport.config();
        let policy = config.retry;
        let deadline = Instant::now() + config.operation_deadline;
        let mut refreshed = false;
        let mut recovered = false;
        let mut transient: u32 = 0;
        loop {
            let grant = tokio::time::timeout_at(deadline, self.authority.grant(transport))
                .await
                .map_err(|_| transport.timeout_error(call.operation))??;
            *seen = Some(grant.secret.clone());
            let keyed = match call.body {
                Body::Keyed(make, _) => Some(make(grant.secret.expose())?),
                _ => None,
            };
            let build = |client: &Client| build(client, call, &grant, keyed.as_ref());
            let answer = transport
                .execute_by(deadline, call.operation, call.idempotency, stream, build)
                .await
                .map_err(|e| after_send(call, e))?;
            match read(answer).await {
                Verdict::Done(value) => return Ok(value),
                Verdict::Failed(e) => return Err(after_send(call, e)),
                Verdict::Unauthorized(e) => {
                    if refreshed || !self.authority.can_refresh() {
                        return Err(after_send(call, e));
                    }
                    tracing::debug!("401: obtaining a new credential and sending once more");
                    self.authority.invalidate(&grant.secret).await;
                    refreshed = true;
                }
                Verdict::Transient(e) => {
                    let left = deadline.saturating_duration_since(Instant::now());
                    let delay = policy.backoff.delay(transient);
                    if call.idempotency != Idempotency::Idempotent
                        || transient + 1 >= policy.max_attempts
                        || delay >= left
                    {
                        return Err(after_send(call, e));
                    }
                    transient += 1;
                    tracing::warn!(
                        attempt = transient,
                        ?delay,
                        "transient carrier failure: retrying"
                    );
                    config.sleep.sleep(delay).await;
                }
                Verdict::Recover(e) => {
                    let Some(recover) = call.recover.filter(|_| !recovered) else {
                        return Err(after_send(call, e));
                    };
                    // Logged with the same redaction as a returned error: the
                    // carrier's words may echo the key or a subscriber secret.
                    let shown = self.finish_error(call, e, Some(&grant.secret));
                    tracing::info!(error = %shown, "the carrier asked for a step first: taking it and sending once more");
                    recovered = true;
                    tokio::time::timeout_at(deadline, recover())
                        .await
                        .map_err(|_| transport.timeout_error(call.operation))??;
                }
            }
        }
    }

    /// Redaction, for every error the sender returns.
    fn finish_error(&self, call: &Call<'_>, error: Error, seen: Option<&Credential>) -> Error {
        let mut all: Vec<&str> = call.secrets.to_vec();
        all.extend(self.authority.secrets());
        if let Some(credential) = seen {
            all.push(credential.expose());
        }
        error.redacting(&all)
    }
}

/// The create rule, for a failure of an attempt: a create that may have
/// left is [`Error::OutcomeUnknown`] unless the failure proves otherwise.
fn after_send(call: &Call<'_>, error: Error) -> Error {
    if call.idempotency == Idempotency::CreateOnce {
        error.ambiguous_after_send(call.operation)
    } else {
        error
    }
}

fn build(client: &Client, call: &Call<'_>, grant: &Grant, keyed: Option<&Bytes>) -> RequestBuilder {
    let mut rb = client
        .request(call.method.clone(), call.url.clone())
        .header(AUTHORIZATION, grant.header.clone());
    for (name, value) in call.headers {
        rb = rb.header(name, value);
    }
    match call.body {
        Body::Empty => rb,
        Body::Bytes(bytes, content_type) => rb
            .header(CONTENT_TYPE, HeaderValue::from_static(content_type))
            .body(bytes.clone()),
        Body::Keyed(_, content_type) => {
            let rb = rb.header(CONTENT_TYPE, HeaderValue::from_static(content_type));
            match keyed {
                Some(bytes) => rb.body(bytes.clone()),
                None => rb,
            }
        }
        Body::Form(form) => rb.multipart(form()),
    }
}
