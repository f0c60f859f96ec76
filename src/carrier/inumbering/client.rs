//! [`INumberingClient`]: every iNumbering porting operation, typed.

use std::fmt;
use std::sync::Arc;

use futures::StreamExt;
use futures::stream::BoxStream;
use reqwest::header::{AUTHORIZATION, CONTENT_TYPE, HeaderValue};

use super::auth::KeySource;
use super::builder::INumberingClientBuilder;
use super::precheck::{self, Prechecks, SharedChecks};
pub use super::summary::PORT_STATUS_PATH;
use super::summary::{Step, SummaryReader, status_texts};
use super::types::{
    AccountPort, AccountPortCreated, AssignedPin, Availability, PinUpdate, PortInOrder,
    PortStatusEntry,
};
use super::{check, from_wire, to_wire, wire};
use crate::error::{Error, Problems, Result};
use crate::http::{Idempotency, Transport};
use crate::model::{Credential, PhoneNumber, Pin};
use crate::operation::{Carrier, Operation};
use crate::store::Shared;

const CARRIER: Carrier = Carrier::INumbering;

/// `portInAvailability`.
pub const AVAILABILITY_PATH: &str = "/v2/iNumbering/portInAvailability/";
/// `portInOrder` (administrators only).
pub const PORT_IN_ORDER_PATH: &str = "/v2/iNumbering/portInOrder/";
/// `portOutPinUpdate`.
pub const PIN_UPDATE_PATH: &str = "/v2/iNumbering/portOutPinUpdate/";
/// Customer port requests (v2.2).
pub const ACCOUNT_PORT_PATH: &str = "/v2.2/account/port";

/// An iNumbering client. Cheap to clone; clones share the connection pool,
/// the API key and the portability checks.
///
/// Build one with [`INumberingClient::builder`] or
/// [`INumberingClient::from_env`]. It implements [`crate::PortProvider`]
/// and offers every call of iNumbering's spec:
/// [`port_in_availability`](Self::port_in_availability),
/// [`account_port`](Self::account_port),
/// [`port_in_order`](Self::port_in_order), [`port_status`](Self::port_status)
/// (or [`port_status_entries`](Self::port_status_entries), read as it
/// arrives),
/// [`port_out_pin_update`](Self::port_out_pin_update); the key exchange runs
/// by itself.
#[derive(Clone)]
pub struct INumberingClient {
    pub(super) inner: Arc<Inner>,
}

pub(super) struct Inner {
    pub(super) transport: Transport,
    pub(super) keys: KeySource,
    pub(super) admin: bool,
    pub(super) prechecks: Prechecks,
    /// The store shared with other clients of the account.
    pub(super) shared: Shared,
    /// Admin `orderId`s and the status records they were linked to.
    pub(super) links: std::sync::Mutex<super::links::AdminLinks>,
}

impl fmt::Debug for INumberingClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("INumberingClient")
            .field("base_url", self.inner.transport.base())
            .field("keys", &self.inner.keys)
            .field("admin", &self.inner.admin)
            .finish()
    }
}

impl INumberingClient {
    /// A builder.
    pub fn builder() -> INumberingClientBuilder {
        INumberingClientBuilder::default()
    }

    /// A client configured from `INUMBERING_BASE_URL` (optional),
    /// `INUMBERING_USERNAME`, `INUMBERING_PASSWORD` and `INUMBERING_ADMIN=1`
    /// (optional) for admin order submission.
    pub fn from_env() -> Result<Self> {
        INumberingClientBuilder::from_vars(|name| std::env::var(name).ok())?.build()
    }

    pub(super) fn from_parts(
        transport: Transport,
        keys: KeySource,
        admin: bool,
        shared: Shared,
    ) -> Self {
        Self {
            inner: Arc::new(Inner {
                transport,
                keys,
                admin,
                prechecks: Prechecks::default(),
                shared,
                links: std::sync::Mutex::default(),
            }),
        }
    }

    /// The account the client authenticates as.
    pub fn username(&self) -> u64 {
        self.inner.keys.username()
    }

    /// True when orders go to the admin `portInOrder` call.
    pub fn is_admin(&self) -> bool {
        self.inner.admin
    }

    /// The API key in use, if the client holds one (exchanged, or given to
    /// [`INumberingClientBuilder::api_key`]). Save it (as a secret) and pass
    /// it to the next process's builder so that a restart spends no
    /// exchange.
    pub async fn api_key(&self) -> Option<Credential> {
        self.inner.keys.current().await
    }

    /// How many key exchanges this client (and its clones) made.
    pub fn exchanges(&self) -> usize {
        self.inner.keys.exchanges()
    }

    /// POSTs the body `build` makes from the API key, with the key as Bearer
    /// token; exchanges the key again once after a 401. A failure in the
    /// HTTP status or in the body is an error, with every secret the client
    /// knows and the request's own `secrets` removed from its texts; for a
    /// create, a failure after sending is [`Error::OutcomeUnknown`].
    async fn call<T: wire::Answer>(
        &self,
        operation: Operation,
        idempotency: Idempotency,
        path: &str,
        secrets: &[&str],
        build: impl Fn(&str) -> serde_json::Result<Vec<u8>>,
    ) -> Result<T> {
        let mut key_seen: Option<Credential> = None;
        let result = self
            .call_inner(operation, idempotency, path, &build, &mut key_seen)
            .await;
        result.map_err(|e| {
            let mut all: Vec<&str> = secrets.to_vec();
            all.push(self.inner.keys.password());
            if let Some(key) = &key_seen {
                all.push(key.expose());
            }
            e.redacting(&all)
        })
    }

    async fn call_inner<T: wire::Answer>(
        &self,
        operation: Operation,
        idempotency: Idempotency,
        path: &str,
        build: &impl Fn(&str) -> serde_json::Result<Vec<u8>>,
        key_seen: &mut Option<Credential>,
    ) -> Result<T> {
        let transport = &self.inner.transport;
        let url = transport.url(path);
        let mut exchanged_again = false;
        let policy = transport.config().retry;
        let mut transient_retries = 0u32;
        loop {
            let key = self.inner.keys.key(transport).await?;
            *key_seen = Some(key.clone());
            let body = bytes::Bytes::from(
                build(key.expose())
                    .map_err(|e| Error::Config(format!("could not encode the request: {e}")))?,
            );
            let mut bearer = HeaderValue::from_str(&format!("Bearer {}", key.expose()))
                .map_err(|_| Error::Config("the API key is not a valid header value".into()))?;
            bearer.set_sensitive(true);
            let reply = transport
                .execute(operation, idempotency, |client| {
                    client
                        .post(url.clone())
                        .header(AUTHORIZATION, bearer.clone())
                        .header(CONTENT_TYPE, HeaderValue::from_static("application/json"))
                        .body(body.clone())
                })
                .await?;
            let answer: Result<T> = from_wire::answer(
                operation,
                reply.status,
                &reply.body,
                reply.retry_after(transport.config()),
            );
            match answer {
                Err(Error::Auth {
                    status: Some(401), ..
                }) if !exchanged_again => {
                    tracing::debug!("401: exchanging the API key again, once");
                    self.inner.keys.invalidate(&key).await;
                    exchanged_again = true;
                }
                Err(error) if idempotency == Idempotency::CreateOnce => {
                    return Err(error.ambiguous_after_send(operation));
                }
                // A transient failure reported in the carrier's words (a 409
                // storage error on portStatus) is retried like a 5xx, for
                // requests that may be repeated.
                Err(Error::CarrierUnavailable { .. })
                    if idempotency == Idempotency::Idempotent
                        && transient_retries + 1 < policy.max_attempts =>
                {
                    let delay = policy.backoff.delay(transient_retries);
                    transient_retries += 1;
                    tracing::warn!(
                        attempt = transient_retries,
                        ?delay,
                        "transient carrier failure: retrying"
                    );
                    transport.config().sleep.sleep(delay).await;
                }
                other => return other,
            }
        }
    }

    /// portInAvailability: one call for every number. Each answer is
    /// remembered for an hour ([`super::CHECK_LIFETIME`]). The carrier's
    /// texts (a reason, a provider's name) come back without the password
    /// or the API key, should the carrier echo them.
    pub async fn port_in_availability(&self, numbers: &[PhoneNumber]) -> Result<Vec<Availability>> {
        let mut p = Problems::new();
        check::numbers(&mut p, "tnList.tnItem", numbers);
        p.finish()?;
        let now = self.inner.transport.config().clock.now();
        let answer: wire::AvailabilityAnswer = self
            .call(
                Operation::CheckPortability,
                Idempotency::Idempotent,
                AVAILABILITY_PATH,
                &[],
                |key| serde_json::to_vec(&to_wire::availability(key, numbers)),
            )
            .await?;
        let mut results = from_wire::availability(answer);
        self.inner
            .keys
            .scrub(&[], precheck::texts(&mut results))
            .await;
        for r in &results {
            if let Some(number) = &r.number {
                self.inner
                    .prechecks
                    .record(to_wire::digits(number), now, r.clone());
            }
        }
        Ok(results)
    }

    /// Checks `numbers` once across every client sharing the store: when
    /// another client checked this very set within the hour, its results
    /// are used; otherwise one client checks while the others wait for it.
    /// The carrier's texts are kept (here and in the store) and returned
    /// without the client's credentials nor `secrets` (the secrets of the
    /// requests in scope), whoever wrote them.
    pub(super) async fn check_once(
        &self,
        numbers: &[PhoneNumber],
        secrets: &[&str],
    ) -> Result<Vec<Availability>> {
        let clock = &self.inner.transport.config().clock;
        let digits: Vec<String> = numbers.iter().map(to_wire::digits).collect();
        let item = Self::check_item(&digits);
        let key = self.inner.keys.current().await;
        let mut known: Vec<&str> = secrets.to_vec();
        known.push(self.inner.keys.password());
        known.extend(key.as_ref().map(Credential::expose));
        let checked = self
            .inner
            .shared
            .fetch_once(
                &item,
                |bytes| SharedChecks::decode(bytes, clock.now(), &known),
                SharedChecks::encode,
                |c| c.lifetime(clock.now()),
                || async {
                    let at = clock.now();
                    let mut results = self.port_in_availability(numbers).await?;
                    precheck::scrub(&mut results, secrets);
                    Ok::<_, Error>(SharedChecks { at, results })
                },
            )
            .await?;
        for r in &checked.results {
            if let Some(number) = &r.number {
                self.inner
                    .prechecks
                    .record(to_wire::digits(number), checked.at, r.clone());
            }
        }
        Ok(checked.results)
    }

    /// The remembered result for `number`, if checked within the hour.
    pub(super) fn fresh_check(&self, number: &PhoneNumber) -> Option<Availability> {
        let now = self.inner.transport.config().clock.now();
        self.inner.prechecks.fresh(&to_wire::digits(number), now)
    }

    /// Forgets the checks of `numbers`, here and the set's in the store.
    pub(super) async fn forget_checks(&self, numbers: &[PhoneNumber]) {
        let digits: Vec<String> = numbers.iter().map(to_wire::digits).collect();
        for d in &digits {
            self.inner.prechecks.forget(d);
        }
        let item = Self::check_item(&digits);
        self.inner.shared.expire(&item).await;
    }

    fn check_item(digits: &[String]) -> String {
        format!(
            "precheck:{}",
            crate::store::set_hash(digits.iter().map(String::as_str))
        )
    }

    /// portStatus: every port order of the account, newest first, read
    /// whole within [`crate::http::HttpConfig::max_body_bytes`] (4 MiB by
    /// default, about 14,000 orders; a larger summary is
    /// [`Error::ResponseTooLarge`]). For an account of any size, read
    /// [`port_status_entries`](Self::port_status_entries) instead, as
    /// [`crate::PortProvider::orders`], `order` and `reconcile` do.
    /// The carrier's texts (status, message, URL) come back without the
    /// password or the API key, should the carrier echo them.
    pub async fn port_status(&self) -> Result<Vec<PortStatusEntry>> {
        let answer: wire::StatusAnswer = self
            .call(
                Operation::ListOrders,
                Idempotency::Idempotent,
                PORT_STATUS_PATH,
                &[],
                |apikey| serde_json::to_vec(&wire::ApikeyOnly { apikey }),
            )
            .await?;
        let mut entries = from_wire::status(answer);
        let texts = entries.iter_mut().flat_map(status_texts);
        self.inner.keys.scrub(&[], texts).await;
        Ok(entries)
    }

    /// portStatus read as it arrives: each entry of the summary, newest
    /// first, decoded alone as soon as its last byte has arrived, in
    /// constant memory whatever the account's size (within
    /// [`crate::http::HttpConfig::max_listing_bytes`], 256 MiB by default).
    ///
    /// An entry that cannot be read (longer than
    /// [`super::MAX_ENTRY_BYTES`], or not of the documented shape) is
    /// [`Error::Decode`] in its place, and the stream goes on. The stream
    /// ends without an error only after the complete, well-formed answer
    /// was read; otherwise its last item is the error: the carrier's
    /// failure (in the HTTP status or inside a 200, wherever its fields
    /// come; retried as [`port_status`](Self::port_status) retries it while
    /// no entry was yielded), [`Error::Incomplete`] for an answer without
    /// the listing (`{}`, `{"status":"Success"}`), cut, malformed, followed
    /// by anything or over the bound, [`Error::Decode`] for a body that is
    /// not a JSON object, or the transport's error. Nothing is sent until
    /// the stream is first polled.
    pub fn port_status_entries(&self) -> BoxStream<'_, Result<PortStatusEntry>> {
        // Boxed: the reader is large, and the state moves on every item.
        let reader = Box::new(SummaryReader::new(self));
        futures::stream::unfold(Some(reader), |reader| async move {
            let mut reader = reader?;
            match reader.next().await {
                Step::Entry(entry) => Some((Ok(entry), Some(reader))),
                Step::Unreadable(e) => Some((Err(e), Some(reader))),
                Step::Failed(e) => Some((Err(e), None)),
                Step::Complete => None,
            }
        })
        .boxed()
    }

    /// portInOrder (administrators only): returns the `orderId`. Sent once;
    /// a 412 means a number was not checked within the hour.
    pub async fn port_in_order(&self, order: &PortInOrder) -> Result<String> {
        let mut p = Problems::new();
        check::port_in_order(order, &mut p);
        p.finish()?;
        let op = Operation::Submit;
        let secrets: Vec<&str> = order
            .items
            .iter()
            .flat_map(|i| {
                std::iter::once(i.account_number.expose())
                    .chain(i.account_pin.as_ref().map(|p| p.expose()))
            })
            .collect();
        let answer: wire::OrderAnswer = self
            .call(
                op,
                Idempotency::CreateOnce,
                PORT_IN_ORDER_PATH,
                &secrets,
                |key| serde_json::to_vec(&to_wire::port_in_order(key, order)),
            )
            .await?;
        answer
            .order_id
            .as_ref()
            .and_then(|v| match v {
                serde_json::Value::Number(n) => Some(n.to_string()),
                serde_json::Value::String(s) if !s.is_empty() => Some(s.clone()),
                _ => None,
            })
            .ok_or_else(|| not_readable(op, "orderId"))
    }

    /// account/port: a customer port request through iNumbering's LNP
    /// review. Sent once.
    pub async fn account_port(&self, port: &AccountPort) -> Result<AccountPortCreated> {
        let mut p = Problems::new();
        check::account_port(port, &mut p);
        p.finish()?;
        let op = Operation::Submit;
        let pin = port.pin.as_ref().map_or("", |p| p.expose());
        let secrets = [port.account_number.expose(), pin];
        let mut raw: serde_json::Value = self
            .call(
                op,
                Idempotency::CreateOnce,
                ACCOUNT_PORT_PATH,
                &secrets,
                |_| serde_json::to_vec(&to_wire::account_port(port)),
            )
            .await?;
        // Read from the parsed value in place: no second parse, no copy.
        let answer =
            <wire::AccountPortAnswer as serde::Deserialize>::deserialize(&raw).map_err(|e| {
                Error::Decode {
                    carrier: CARRIER,
                    operation: op,
                    message: format!("unexpected answer shape: {e}"),
                }
                .ambiguous_after_send(op)
            })?;
        // A carrier may echo the request: the kept answer must not hold the
        // account number or the PIN.
        let key = self.inner.keys.current().await;
        let mut all = secrets.to_vec();
        all.push(self.inner.keys.password());
        if let Some(key) = &key {
            all.push(key.expose());
        }
        crate::redact::Redactor::new(&all).scrub_json(&mut raw);
        let mut data = answer.data.ok_or_else(|| not_readable(op, "data.pid"))?;
        crate::redact::scrub_texts(
            &all,
            data.message
                .iter_mut()
                .chain(data.loa_url.iter_mut())
                .chain(data.port_url.iter_mut()),
        );
        let text = |v: &Option<serde_json::Value>| match v {
            Some(serde_json::Value::String(s)) => Some(s.clone()),
            Some(serde_json::Value::Number(n)) => Some(n.to_string()),
            _ => None,
        };
        let pid = text(&data.pid)
            .filter(|p| !p.is_empty())
            .ok_or_else(|| not_readable(op, "data.pid"))?;
        Ok(AccountPortCreated {
            pid,
            ticket: text(&data.ticket).and_then(|t| t.parse().ok()),
            loa_url: data.loa_url,
            port_url: data.port_url,
            message: data.message,
            raw,
        })
    }

    /// portOutPinUpdate: sets the given 4-digit PINs, or has iNumbering
    /// generate them, and returns what it assigned. Only the account's own
    /// numbers come back. Retried only when every PIN is given (a retry of
    /// a generation could assign different PINs than the first answer said).
    pub async fn port_out_pin_update(&self, updates: &[PinUpdate]) -> Result<Vec<AssignedPin>> {
        let mut p = Problems::new();
        check::pin_updates(updates, &mut p);
        p.finish()?;
        let idempotency = if updates.iter().all(|u| u.pin.is_some()) {
            Idempotency::Idempotent
        } else {
            Idempotency::CreateOnce
        };
        let pins: Vec<&str> = updates
            .iter()
            .filter_map(|u| u.pin.as_ref().map(Pin::expose))
            .collect();
        let answer: wire::PinAnswer = self
            .call(
                Operation::Native("port_out_pin_update"),
                idempotency,
                PIN_UPDATE_PATH,
                &pins,
                |key| serde_json::to_vec(&to_wire::pin_update(key, updates)),
            )
            .await?;
        // An answer without `portOutPin` does not say what was assigned:
        // after a generation, PINs may have changed that the caller never
        // learns.
        let Some(list) = answer.port_out_pin else {
            let error = Error::Decode {
                carrier: CARRIER,
                operation: Operation::Native("port_out_pin_update"),
                message: "the answer names no portOutPin: the PINs assigned are unknown".into(),
            };
            return Err(if idempotency == Idempotency::CreateOnce {
                error.ambiguous_after_send(Operation::Native("port_out_pin_update"))
            } else {
                error
            });
        };
        let items = list.tn_list.map(|l| l.tn_item).unwrap_or_default();
        Ok(items
            .into_iter()
            .filter_map(|item| {
                let text = |v: serde_json::Value| match v {
                    serde_json::Value::String(s) => Some(s),
                    serde_json::Value::Number(n) => Some(n.to_string()),
                    _ => None,
                };
                let number = PhoneNumber::nanp(&text(item.tn?)?).ok()?;
                let pin = Pin::new(text(item.port_out_pin?)?).ok()?;
                Some(AssignedPin { number, pin })
            })
            .collect())
    }
}

/// iNumbering accepted the order (2xx, no failure in the body) but its id
/// cannot be read: the order exists, the caller cannot tell which.
fn not_readable(op: Operation, field: &str) -> Error {
    Error::OutcomeUnknown {
        carrier: CARRIER,
        operation: op,
        cause: Box::new(Error::Decode {
            carrier: CARRIER,
            operation: op,
            message: format!(
                "iNumbering accepted the order but its {field} could not be read; \
                 do not submit again: reconcile to find it"
            ),
        }),
    }
}
