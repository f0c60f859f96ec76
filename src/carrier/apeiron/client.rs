//! [`ApeironClient`]: Apeiron's cellular port-in, typed.

use std::fmt;
use std::sync::Arc;

use base64::Engine;
use reqwest::Method;

use super::types::{CellularPort, CreatedPort};
use super::{check, from_wire, to_wire};
use crate::error::{Error, Problems, RejectReason, Result};
use crate::http::error_body::{ErrorBody, error_for_status};
use crate::http::{Body, Call, Fixed, Grant, Idempotency, Reply, Sender, Transport, Verdict};
use crate::model::Credential;
use crate::operation::{Carrier, Operation};

const CARRIER: Carrier = Carrier::Apeiron;

/// The port-in endpoint.
pub const PORT_PATH: &str = "/v2/cellular/port";

/// An Apeiron client. Cheap to clone; clones share the connection pool.
///
/// Build one with [`ApeironClient::builder`] or [`ApeironClient::from_env`].
/// It implements [`crate::PortProvider`] (submit only: Apeiron documents no
/// status, list, amend or cancel call) and offers the carrier's call typed,
/// [`ApeironClient::create_port`].
#[derive(Clone)]
pub struct ApeironClient {
    inner: Arc<Inner>,
}

struct Inner {
    sender: Sender,
    /// The port-in URL, made once.
    port_url: url::Url,
    username: String,
    token: Credential,
    /// The base64 part of the `Basic` header value, for redaction.
    basic: Credential,
    /// The token's and the Basic value's [`crate::redact::longest_run`],
    /// made once.
    static_runs: [String; 2],
}

impl fmt::Debug for ApeironClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ApeironClient")
            .field("base_url", self.inner.sender.transport().base())
            .field("username", &self.inner.username)
            .field("api_token", &self.inner.token)
            .finish()
    }
}

impl ApeironClient {
    pub(super) fn from_parts(
        transport: Transport,
        username: String,
        token: Credential,
    ) -> Result<Self> {
        let basic = base64::engine::general_purpose::STANDARD
            .encode(format!("{username}:{}", token.expose()));
        let basic = Credential::new("api_token", basic).map_err(Error::from)?;
        let grant = Grant::new("Basic", basic.clone())?;
        let port_url = transport.url(PORT_PATH);
        let authority = Fixed::new(grant, vec![token.clone()]);
        Ok(Self {
            inner: Arc::new(Inner {
                static_runs: [
                    crate::redact::longest_run(token.expose()).to_owned(),
                    crate::redact::longest_run(basic.expose()).to_owned(),
                ],
                sender: Sender::new(transport, Arc::new(authority)),
                port_url,
                username,
                token,
                basic,
            }),
        })
    }

    /// The account's reference: `numport:apeiron:<hash>` of the base URL
    /// and the user name (Apeiron keeps nothing in a store; the reference
    /// is made as the other carriers' store namespaces are).
    pub(super) fn account_namespace(&self) -> crate::store::Namespace {
        crate::store::Namespace::new(
            "apeiron",
            &[
                self.inner.sender.transport().base().as_url().as_str(),
                &self.inner.username,
            ],
        )
    }

    /// The account e-mail the client authenticates as.
    pub fn username(&self) -> &str {
        &self.inner.username
    }

    /// `POST /v2/cellular/port`: JSON, or `multipart/form-data` with `loa`
    /// and `bill` file parts when a document is attached.
    ///
    /// The checklist runs first ([`Error::Validation`] naming Apeiron's
    /// fields, nothing sent). The request is sent once: it is repeated only
    /// when the connection was never made, since a repeat could order the
    /// same port twice. Any 2xx is success, whatever its body
    /// ([`CreatedPort`]).
    pub async fn create_port(&self, port: &CellularPort) -> Result<CreatedPort> {
        let mut problems = Problems::new();
        check::port(port, &mut problems);
        problems.finish()?;
        self.submit_port(port).await
    }

    /// `POST /v2/cellular/port` for a port already checked (the trait's
    /// submit checks the request it comes from): sent once, and the kept
    /// answer scrubbed of the port's secrets.
    pub(super) async fn submit_port(&self, port: &CellularPort) -> Result<CreatedPort> {
        let secrets = [
            port.pin.expose(),
            port.account_number.expose(),
            self.inner.token.expose(),
            self.inner.basic.expose(),
        ];
        self.send_port(port).await.map(|mut created| {
            // A carrier may echo the request: the kept answer must not
            // hold the PIN or the account number.
            let text = created.raw.to_string();
            let text = text.as_bytes();
            let may_hold = crate::redact::may_hold_any(&secrets[..2], text)
                || self
                    .inner
                    .static_runs
                    .iter()
                    .any(|run| crate::redact::may_hold_run(run, text));
            if may_hold {
                crate::redact::Redactor::new(&secrets).scrub_json(&mut created.raw);
            }
            created
        })
    }

    async fn send_port(&self, port: &CellularPort) -> Result<CreatedPort> {
        let mut call = Call::new(
            Operation::Submit,
            Idempotency::CreateOnce,
            Method::POST,
            &self.inner.port_url,
        );
        let json;
        let fields;
        let form;
        if port.is_multipart() {
            fields = to_wire::form_fields(port).map_err(encode_error)?;
            form = || to_wire::form(&fields, port);
            call.body = Body::Form(&form);
        } else {
            json = bytes::Bytes::from(to_wire::json(port).map_err(encode_error)?);
            call.body = Body::Bytes(&json, "application/json");
        }
        let secrets = [port.pin.expose(), port.account_number.expose()];
        call.secrets = &secrets;
        let transport = self.inner.sender.transport();
        self.inner
            .sender
            .send(call, |reply| read(transport, reply))
            .await
    }
}

fn encode_error(e: serde_json::Error) -> Error {
    Error::Config(format!("could not encode the request: {e}"))
}

/// Apeiron's classifier: any 2xx is the created port, whatever its body;
/// a refusal naming fields is read as the reason those fields give.
fn read(transport: &Transport, reply: Reply) -> Verdict<CreatedPort> {
    if reply.is_success() {
        return Verdict::Done(from_wire::created(reply.status, &reply.body));
    }
    let retry_after = reply.retry_after(transport.config());
    let error = error_for_status(
        CARRIER,
        reply.status,
        ErrorBody::parse(&reply.body),
        retry_after,
        from_wire::reject_reason,
    );
    Verdict::Failed(match error {
        Error::Rejected {
            carrier,
            reason: RejectReason::InvalidFields | RejectReason::Other,
            message,
            field_errors,
            status,
        } if !field_errors.is_empty() => Error::Rejected {
            carrier,
            reason: from_wire::reason_from_fields(&field_errors),
            message,
            field_errors,
            status,
        },
        other => other,
    })
}
