//! [`INumberingClient`]: every iNumbering porting operation, typed.

use std::fmt;
use std::future::Future;
use std::sync::Arc;

use futures::StreamExt;
use futures::stream::BoxStream;
use reqwest::Method;
use url::Url;

use super::auth::KeySource;
use super::builder::{INumberingClientBuilder, Parts};
use super::links::AdminLinks;
use super::precheck::{self, Prechecks, SharedChecks};
pub use super::summary::PORT_STATUS_PATH;
use super::summary::{Step, SummaryReader, status_texts};
use super::to_wire::{JSON, json as encode};
use super::types::{
    AccountPort, AccountPortCreated, AssignedPin, Availability, PinUpdate, PortInOrder,
    PortStatusEntry,
};
use super::{check, from_wire, to_wire, wire};
use crate::error::{Error, Result};
use crate::http::{Body, Call, Idempotency, Recovery, Sender};
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
    /// The one send path, with the key source as its authority.
    pub(super) sender: Sender,
    pub(super) keys: Arc<KeySource>,
    urls: Urls,
    pub(super) admin: bool,
    pub(super) prechecks: Prechecks,
    /// The store shared with other clients of the account.
    pub(super) shared: Shared,
    /// Admin `orderId`s and the status records they were linked to.
    links: std::sync::Mutex<AdminLinks>,
}

/// Every call's URL, made once per client.
struct Urls {
    availability: Url,
    port_in_order: Url,
    pin_update: Url,
    account_port: Url,
    port_status: Url,
}

impl INumberingClientBuilder {
    /// Checks everything and builds the client.
    pub fn build(self) -> Result<INumberingClient> {
        Ok(INumberingClient::from_parts(self.parts()?))
    }
}

impl fmt::Debug for INumberingClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("INumberingClient")
            .field("base_url", self.inner.sender.transport().base())
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

    fn from_parts(parts: Parts) -> Self {
        let Parts {
            transport,
            keys,
            admin,
            shared,
        } = parts;
        let urls = Urls {
            availability: transport.url(AVAILABILITY_PATH),
            port_in_order: transport.url(PORT_IN_ORDER_PATH),
            pin_update: transport.url(PIN_UPDATE_PATH),
            account_port: transport.url(ACCOUNT_PORT_PATH),
            port_status: transport.url(PORT_STATUS_PATH),
        };
        let keys = Arc::new(keys);
        Self {
            inner: Arc::new(Inner {
                sender: Sender::new(transport, keys.clone()),
                keys,
                urls,
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

    /// A POST of `body` to `url`, authenticated with the API key (as
    /// Bearer token; a [`Body::Keyed`] body carries it too); `secrets` are
    /// the request's own, removed from every error text with the password
    /// and the key.
    fn call<'a>(
        &self,
        operation: Operation,
        idempotency: Idempotency,
        url: &'a Url,
        body: Body<'a>,
        secrets: &'a [&'a str],
    ) -> Call<'a> {
        let mut call = Call::new(operation, idempotency, Method::POST, url);
        call.body = body;
        call.secrets = secrets;
        call
    }

    /// Sends `call` through the one send path (401: one more exchange; a
    /// transient failure: sent again where it may be; a create that failed
    /// after it may have left: [`Error::OutcomeUnknown`]), each answer read
    /// with iNumbering's classifier ([`from_wire::read`]): a success
    /// decoded as `T`, made the call's result by `then`.
    async fn send<T: wire::Answer, U: Send>(
        &self,
        call: Call<'_>,
        then: impl Fn(T) -> Result<U> + Send + Sync,
    ) -> Result<U> {
        let config = self.inner.sender.transport().config();
        let operation = call.operation;
        self.inner
            .sender
            .send(call, |reply| {
                from_wire::read(config, operation, reply, &then)
            })
            .await
    }

    /// A read whose body `make` makes from the key, sent like
    /// [`INumberingClient::send`].
    async fn read<T: wire::Answer, U: Send>(
        &self,
        operation: Operation,
        url: &Url,
        make: &(dyn Fn(&str) -> Result<bytes::Bytes> + Send + Sync),
        then: impl Fn(T) -> Result<U> + Send + Sync,
    ) -> Result<U> {
        let body = Body::Keyed(make, JSON);
        let call = self.call(operation, Idempotency::Idempotent, url, body, &[]);
        self.send(call, then).await
    }

    /// The clock of the HTTP config.
    pub(super) fn now(&self) -> chrono::DateTime<chrono::Utc> {
        self.inner.sender.transport().config().clock.now()
    }

    /// portInAvailability: one call for every number. Each answer is
    /// remembered for an hour ([`super::CHECK_LIFETIME`]). The carrier's
    /// texts (a reason, a provider's name) come back without the password
    /// or the API key, should the carrier echo them.
    pub async fn port_in_availability(&self, numbers: &[PhoneNumber]) -> Result<Vec<Availability>> {
        check::availability(numbers)?;
        self.availability(numbers).await
    }

    /// portInAvailability for numbers already checked.
    async fn availability(&self, numbers: &[PhoneNumber]) -> Result<Vec<Availability>> {
        let now = self.now();
        let make = |key: &str| encode(&to_wire::availability(key, numbers));
        let url = &self.inner.urls.availability;
        let mut results = self
            .read(Operation::CheckPortability, url, &make, |a| {
                Ok(from_wire::availability(a))
            })
            .await?;
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
    /// requests in scope), whoever wrote them. The numbers were checked.
    pub(super) async fn check_once(
        &self,
        numbers: &[PhoneNumber],
        secrets: &[&str],
    ) -> Result<Vec<Availability>> {
        let clock = &self.inner.sender.transport().config().clock;
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
                    let mut results = self.availability(numbers).await?;
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
        self.inner
            .prechecks
            .fresh(&to_wire::digits(number), self.now())
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
        let make = |apikey: &str| encode(&wire::ApikeyOnly { apikey });
        let url = &self.inner.urls.port_status;
        let mut entries = self
            .read(Operation::ListOrders, url, &make, |a| {
                Ok(from_wire::status(a))
            })
            .await?;
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
        let reader = Box::new(self.summary());
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

    /// A reading of the status summary, as it arrives; nothing is sent
    /// before its first step.
    pub(super) fn summary(&self) -> SummaryReader<'_> {
        SummaryReader::new(
            &self.inner.sender,
            &self.inner.keys,
            &self.inner.urls.port_status,
        )
    }

    /// The admin `orderId`s and the records they were linked to.
    pub(super) fn links(&self) -> std::sync::MutexGuard<'_, AdminLinks> {
        self.inner
            .links
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// portInOrder (administrators only): returns the `orderId`. Sent once;
    /// a 412 means a number was not checked within the hour.
    pub async fn port_in_order(&self, order: &PortInOrder) -> Result<String> {
        check::port_in_order(order)?;
        self.send_port_in_order(order, None).await
    }

    /// portInOrder for an order already checked; after a 412, `recover`
    /// (the portability check again) runs once and the order is sent once
    /// more.
    pub(super) async fn send_port_in_order(
        &self,
        order: &PortInOrder,
        recover: Option<Recovery<'_>>,
    ) -> Result<String> {
        let op = Operation::Submit;
        let secrets = order.secrets();
        let make = |key: &str| encode(&to_wire::port_in_order(key, order));
        let mut call = self.call(
            op,
            Idempotency::CreateOnce,
            &self.inner.urls.port_in_order,
            Body::Keyed(&make, JSON),
            &secrets,
        );
        // The call's borrows end here: the recovery is given theirs.
        let again = recover.map(|recover| {
            move || -> std::pin::Pin<Box<dyn Future<Output = Result<()>> + Send + '_>> { recover() }
        });
        call.recover = again.as_ref().map(|again| again as Recovery<'_>);
        self.send(call, |answer: wire::OrderAnswer| {
            answer
                .order_id
                .as_ref()
                .and_then(|v| match v {
                    serde_json::Value::Number(n) => Some(n.to_string()),
                    serde_json::Value::String(s) if !s.is_empty() => Some(s.clone()),
                    _ => None,
                })
                .ok_or_else(|| unreadable_id(op, "orderId"))
        })
        .await
    }

    /// account/port: a customer port request through iNumbering's LNP
    /// review. Sent once.
    pub async fn account_port(&self, port: &AccountPort) -> Result<AccountPortCreated> {
        check::account_port(port)?;
        self.send_account_port(port).await
    }

    /// account/port for a request already checked.
    pub(super) async fn send_account_port(&self, port: &AccountPort) -> Result<AccountPortCreated> {
        let op = Operation::Submit;
        let secrets = port.secrets();
        let body = encode(&to_wire::account_port(port))?;
        let call = self.call(
            op,
            Idempotency::CreateOnce,
            &self.inner.urls.account_port,
            Body::Bytes(&body, JSON),
            &secrets,
        );
        let text = |v: &Option<serde_json::Value>| match v {
            Some(serde_json::Value::String(s)) => Some(s.clone()),
            Some(serde_json::Value::Number(n)) => Some(n.to_string()),
            _ => None,
        };
        let (mut raw, mut data, pid) = self
            .send(call, |raw: serde_json::Value| {
                // Read from the parsed value in place: no second parse, no
                // copy.
                let answer = <wire::AccountPortAnswer as serde::Deserialize>::deserialize(&raw)
                    .map_err(|e| Error::Decode {
                        carrier: CARRIER,
                        operation: op,
                        message: format!("unexpected answer shape: {e}"),
                    })?;
                let data = answer.data.ok_or_else(|| unreadable_id(op, "data.pid"))?;
                let pid = text(&data.pid)
                    .filter(|p| !p.is_empty())
                    .ok_or_else(|| unreadable_id(op, "data.pid"))?;
                Ok((raw, data, pid))
            })
            .await?;
        // A carrier may echo the request: the kept answer must not hold the
        // account number or the PIN.
        let key = self.inner.keys.current().await;
        let mut all = secrets.clone();
        all.push(self.inner.keys.password());
        if let Some(key) = &key {
            all.push(key.expose());
        }
        crate::redact::Redactor::new(&all).scrub_json(&mut raw);
        crate::redact::scrub_texts(
            &all,
            data.message
                .iter_mut()
                .chain(data.loa_url.iter_mut())
                .chain(data.port_url.iter_mut()),
        );
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
        check::pin_updates(updates)?;
        let op = Operation::Native("port_out_pin_update");
        let idempotency = if updates.iter().all(|u| u.pin.is_some()) {
            Idempotency::Idempotent
        } else {
            Idempotency::CreateOnce
        };
        let pins: Vec<&str> = updates
            .iter()
            .filter_map(|u| u.pin.as_ref().map(Pin::expose))
            .collect();
        let make = |key: &str| encode(&to_wire::pin_update(key, updates));
        let call = self.call(
            op,
            idempotency,
            &self.inner.urls.pin_update,
            Body::Keyed(&make, JSON),
            &pins,
        );
        self.send(call, |answer: wire::PinAnswer| {
            // An answer without `portOutPin` does not say what was
            // assigned: after a generation, PINs may have changed that the
            // caller never learns (the send path makes it an unknown
            // outcome).
            let list = answer.port_out_pin.ok_or_else(|| Error::Decode {
                carrier: CARRIER,
                operation: op,
                message: "the answer names no portOutPin: the PINs assigned are unknown".into(),
            })?;
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
        })
        .await
    }
}

/// iNumbering accepted the order (2xx, no failure in the body) but its id
/// cannot be read: the order exists, the caller cannot tell which (the
/// send path makes it [`Error::OutcomeUnknown`]).
fn unreadable_id(op: Operation, field: &str) -> Error {
    Error::Decode {
        carrier: CARRIER,
        operation: op,
        message: format!(
            "iNumbering accepted the order but its {field} could not be read; \
             do not submit again: reconcile to find it"
        ),
    }
}

#[cfg(test)]
mod tests {
    use wiremock::matchers::{method, path};
    use wiremock::{Mock, MockServer, ResponseTemplate};

    use super::*;

    /// A create whose key exchange failed never left: the exchange's own
    /// error, not an unknown outcome.
    #[tokio::test]
    async fn a_create_whose_key_exchange_failed_keeps_the_exchange_error() {
        let server = MockServer::start().await;
        Mock::given(method("POST"))
            .and(path(super::super::APIKEY_PATH))
            .respond_with(ResponseTemplate::new(500).set_body_string("down"))
            .expect(1)
            .mount(&server)
            .await;
        Mock::given(method("POST"))
            .and(path(PIN_UPDATE_PATH))
            .respond_with(ResponseTemplate::new(200))
            .expect(0)
            .mount(&server)
            .await;
        let client = INumberingClient::builder()
            .base_url(server.uri())
            .username(1234567890)
            .password("abc1234567")
            .build()
            .unwrap();
        let generate = [PinUpdate::generate(
            PhoneNumber::nanp("3125550101").unwrap(),
        )];
        let err = client.port_out_pin_update(&generate).await.unwrap_err();
        assert!(
            matches!(err, Error::Api { status: 500, .. }),
            "not the exchange's error: {err:?}"
        );
        assert_eq!(client.exchanges(), 1);
    }
}
