//! The one error type every operation returns.
//!
//! [`Error`] says what went wrong and, where it can, what to fix: a validation
//! error lists every problem by field before anything is sent; a carrier's
//! rejection keeps its own words in `message` and a typed [`RejectReason`] when
//! the words allow one. No variant ever holds a secret: PACs, PINs, account
//! numbers and credentials live in types that cannot be formatted.

use std::fmt;
use std::time::Duration;

use crate::operation::{Carrier, Operation};

/// The longest text an error keeps from a carrier (characters), applied
/// after redaction.
pub const MAX_MESSAGE_CHARS: usize = 500;

/// A `Result` whose error is [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// One problem with one field of an input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    /// The field's path, such as `lines[2].iccid` or `connection_date`.
    pub field: String,
    /// What is wrong, phrased to complete "`field` ...", such as "is empty".
    pub problem: String,
}

impl FieldError {
    /// A problem with `field`.
    pub fn new(field: impl Into<String>, problem: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            problem: problem.into(),
        }
    }

    /// The same problem under a parent path: `at("lines[0]")` turns `pac` into
    /// `lines[0].pac`.
    pub fn at(mut self, parent: &str) -> Self {
        self.field = if self.field.is_empty() {
            parent.to_owned()
        } else {
            format!("{parent}.{}", self.field)
        };
        self
    }
}

impl fmt::Display for FieldError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.field, self.problem)
    }
}

impl std::error::Error for FieldError {}

/// Collects [`FieldError`]s so that every problem is reported at once.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub(crate) struct Problems(Vec<FieldError>);

impl Problems {
    /// No problems yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// Records a problem.
    pub fn push(&mut self, error: FieldError) {
        self.0.push(error);
    }

    /// Records a problem with `field`.
    pub fn add(&mut self, field: impl Into<String>, problem: impl Into<String>) {
        self.0.push(FieldError::new(field, problem));
    }

    /// Keeps the value of `result`, or records its error (under `parent` when
    /// it is not empty) and returns `None`.
    pub fn take<T>(&mut self, parent: &str, result: Result<T, FieldError>) -> Option<T> {
        match result {
            Ok(value) => Some(value),
            Err(e) => {
                self.0
                    .push(if parent.is_empty() { e } else { e.at(parent) });
                None
            }
        }
    }

    /// The fields recorded so far, in order.
    #[cfg(test)]
    pub fn fields(&self) -> impl Iterator<Item = &str> {
        self.0.iter().map(|e| e.field.as_str())
    }

    /// True when nothing was recorded.
    #[cfg(test)]
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// `Ok(())` when nothing was recorded, else [`Error::Validation`].
    pub fn finish(self) -> Result<()> {
        if self.0.is_empty() {
            Ok(())
        } else {
            Err(Error::Validation(self.0))
        }
    }
}

/// Why a carrier refused a request, where its words allow a typed reason.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum RejectReason {
    /// The PAC (or RIO) was refused by the losing network.
    PacInvalid,
    /// Cellhire: "The following MSISDN's already exists on our stock records";
    /// the carrier's account manager must release the number first.
    AlreadyInStock,
    /// A port for this number is already open; cancel it before booking again.
    DuplicatePort,
    /// The service address does not match the losing carrier's records.
    AddressMismatch,
    /// The ICCID is unknown, used, or not assigned to this account.
    InvalidIccid,
    /// The losing carrier's PIN or passcode is wrong.
    IncorrectPin,
    /// The number is not active, or already pending another port.
    MdnInactive,
    /// The service plan (or plan id) is not valid for this account.
    PlanInvalid,
    /// The carrier reports the number cannot be ported.
    NotPortable,
    /// The carrier refused fields of the request (see `field_errors`).
    InvalidFields,
    /// The account's balance does not cover the carrier's fee (iNumbering 402).
    InsufficientBalance,
    /// The carrier does not offer this check to this account for these
    /// numbers (iNumbering 414 "Wireless not allowed for Customer" on the
    /// portability check). Says nothing about whether the number can be
    /// ported: an order may still be placed.
    CheckUnavailable,
    /// No typed reason could be read; the carrier's text is in `message`.
    Other,
}

impl fmt::Display for RejectReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let text = match self {
            Self::PacInvalid => "PAC invalid",
            Self::AlreadyInStock => "number already on the carrier's stock records",
            Self::DuplicatePort => "a port for this number is already open",
            Self::AddressMismatch => "address mismatch",
            Self::InvalidIccid => "invalid ICCID",
            Self::IncorrectPin => "incorrect PIN",
            Self::MdnInactive => "number inactive or pending another port",
            Self::PlanInvalid => "plan invalid",
            Self::NotPortable => "not portable",
            Self::InvalidFields => "invalid fields",
            Self::InsufficientBalance => "insufficient account balance",
            Self::CheckUnavailable => "check not available to this account for these numbers",
            Self::Other => "rejected",
        };
        f.write_str(text)
    }
}

/// Everything that can go wrong, from bad input to a carrier outage.
///
/// `Display` shows the carrier's own message where there is one. Use the `is_*`
/// predicates and [`Error::is_retryable`] rather than matching on text.
#[derive(Debug, Clone, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The input is invalid; nothing was sent. Holds every problem found.
    #[error("invalid input: {}", join(.0))]
    Validation(Vec<FieldError>),

    /// The client's configuration is invalid (base URL, credentials, limits).
    #[error("invalid configuration: {0}")]
    Config(String),

    /// The carrier has no such operation; nothing was sent.
    #[error("{carrier} does not support {operation}")]
    Unsupported {
        /// The carrier asked.
        carrier: Carrier,
        /// The operation it lacks.
        operation: Operation,
    },

    /// The credentials were refused (HTTP 401/403, or the token endpoint said no).
    #[error("{carrier} refused the credentials{}: {message}", status_suffix(*.status))]
    Auth {
        /// The carrier.
        carrier: Carrier,
        /// The HTTP status, when there was one.
        status: Option<u16>,
        /// The carrier's message (never the credential itself).
        message: String,
    },

    /// The order (or another named resource) does not exist at the carrier.
    #[error("{carrier}: not found: {message}")]
    NotFound {
        /// The carrier.
        carrier: Carrier,
        /// The carrier's message, or what was looked up.
        message: String,
    },

    /// The carrier refused the request.
    #[error("{carrier} rejected the request ({reason}): {message}")]
    Rejected {
        /// The carrier.
        carrier: Carrier,
        /// The HTTP status, when the refusal came over HTTP.
        status: Option<u16>,
        /// The typed reason read from the carrier's words.
        reason: RejectReason,
        /// The carrier's text, unaltered.
        message: String,
        /// Field-level problems the carrier named, if any.
        field_errors: Vec<FieldError>,
    },

    /// The order is in a state that does not allow the operation (for example a
    /// cancel after the port is locked).
    #[error("{carrier}: invalid state: {message}")]
    InvalidState {
        /// The carrier.
        carrier: Carrier,
        /// The carrier's message, or the state that forbids the operation.
        message: String,
    },

    /// A precondition the carrier requires was not met (for example a
    /// portability check that is missing or stale).
    #[error("{carrier}: precondition failed: {message}")]
    Precondition {
        /// The carrier.
        carrier: Carrier,
        /// The carrier's message.
        message: String,
    },

    /// The carrier asked us to slow down (HTTP 429).
    #[error("{carrier} rate-limited the request{}: {message}", retry_suffix(*.retry_after))]
    RateLimited {
        /// The carrier.
        carrier: Carrier,
        /// How long the carrier asked us to wait, when it said.
        retry_after: Option<Duration>,
        /// The carrier's message.
        message: String,
    },

    /// The carrier reported a transient failure of its own (iNumbering's
    /// "Internal storage error" on portStatus, a "DB Error"), whatever the
    /// HTTP status that carried it. Retryable: reads are retried, and
    /// [`crate::PortProviderExt::watch`] rides it out.
    #[error("{carrier} reported a transient failure (HTTP {status}): {message}")]
    CarrierUnavailable {
        /// The carrier.
        carrier: Carrier,
        /// The HTTP status (or the status code in the body).
        status: u16,
        /// The carrier's message.
        message: String,
    },

    /// Any other HTTP error status.
    #[error("{carrier} answered HTTP {status}{}: {message}", retry_suffix(*.retry_after))]
    Api {
        /// The carrier.
        carrier: Carrier,
        /// The HTTP status.
        status: u16,
        /// How long the carrier asked us to wait (its `Retry-After`, as a
        /// 503 may carry), when it said.
        retry_after: Option<Duration>,
        /// The carrier's message, or the start of its body.
        message: String,
    },

    /// No answer came within the configured timeout.
    #[error("{carrier}: timed out during {operation}")]
    Timeout {
        /// The carrier.
        carrier: Carrier,
        /// The operation that timed out.
        operation: Operation,
    },

    /// The request could not be sent or its answer not received.
    #[error("{carrier}: transport error during {operation}: {source}")]
    Transport {
        /// The carrier.
        carrier: Carrier,
        /// The operation.
        operation: Operation,
        /// True when the request provably never left this machine (a failed
        /// connect), so repeating it cannot duplicate an order.
        never_sent: bool,
        /// The underlying error (shared, so that the error can be cloned),
        /// behind the standard error trait: the HTTP library's own types
        /// are not part of numport's API.
        #[source]
        source: std::sync::Arc<dyn std::error::Error + Send + Sync>,
    },

    /// The carrier answered with a body we could not read.
    #[error("{carrier}: could not read the answer to {operation}: {message}")]
    Decode {
        /// The carrier.
        carrier: Carrier,
        /// The operation.
        operation: Operation,
        /// What did not fit, with the start of the body.
        message: String,
    },

    /// The carrier's answer was read, but it does not hold everything that
    /// was asked for: a listing whose pages repeat or ignore the page size,
    /// that was cut by one of the crate's bounds, or an answer with no
    /// listing at all (`200 {}`). **Nothing may be concluded from what is
    /// missing from it**: an order absent from an incomplete listing may
    /// still exist. A listing stream ([`crate::PortProvider::orders`]) yields
    /// it last, after every entry it could read.
    #[error("{carrier}: the answer to {operation} is incomplete: {message}")]
    Incomplete {
        /// The carrier.
        carrier: Carrier,
        /// The operation.
        operation: Operation,
        /// What was missing or why reading stopped.
        message: String,
    },

    /// The carrier answered with a redirect (3xx). Redirects are never
    /// followed: a credential or a subscriber's secret must not reach any
    /// host but the configured one, and a create must not be sent twice.
    #[error(
        "{carrier} answered {operation} with a redirect (HTTP {status}{}); redirects are not followed",
        location_suffix(.location_host.as_deref())
    )]
    Redirect {
        /// The carrier.
        carrier: Carrier,
        /// The operation.
        operation: Operation,
        /// The HTTP status (300 to 399).
        status: u16,
        /// The host the `Location` header names, when it names one.
        location_host: Option<String>,
    },

    /// The carrier's answer was larger than [`crate::http::HttpConfig::max_body_bytes`];
    /// reading stopped there.
    #[error("{carrier}: the answer to {operation} is larger than the {limit}-byte limit")]
    ResponseTooLarge {
        /// The carrier.
        carrier: Carrier,
        /// The operation.
        operation: Operation,
        /// The limit in bytes that was reached.
        limit: usize,
    },

    /// The carrier may have carried out the request, and nobody can tell from
    /// here: a create was sent but its answer was lost, cut, unreadable, a
    /// redirect or a 5xx. **Do not resubmit blindly**: ask the carrier with
    /// [`crate::PortProvider::reconcile`], and resubmit only when it reports
    /// that no order exists. `cause` says what happened.
    #[error(
        "{carrier}: the outcome of {operation} is unknown (the carrier may have created the order; reconcile before resubmitting): {cause}"
    )]
    OutcomeUnknown {
        /// The carrier.
        carrier: Carrier,
        /// The operation (usually [`Operation::Submit`]).
        operation: Operation,
        /// What went wrong after the request left this machine.
        cause: Box<Error>,
    },

    /// An idempotent submission ([`crate::OnceSubmitter`]) could not go
    /// ahead under its key (`problem` says why); this call sent nothing.
    #[error("idempotency key {key:?}: {problem}")]
    Idempotency {
        /// The caller's idempotency key.
        key: String,
        /// What stopped it.
        problem: IdempotencyProblem,
    },

    /// The order ledger ([`crate::Ledger`]) could not be read or written:
    /// its store failed or holds an entry that cannot be read, or a
    /// listing is larger than the ledger reads. Nothing may be concluded
    /// about the orders it did not answer.
    #[error("order ledger: {message}")]
    Ledger {
        /// What went wrong, without secrets.
        message: String,
    },

    /// The event stream ([`crate::Events`]) could not be read or written:
    /// its store failed, or an event is over its size bound. Whether an
    /// event that failed to publish was appended is not known: it may be
    /// delivered (events are at-least-once, with stable ids).
    #[error("event stream: {message}")]
    Events {
        /// What went wrong, without secrets.
        message: String,
    },
}

/// Why an idempotent submission ([`crate::OnceSubmitter`]) could not go
/// ahead under its key: the problem of an [`Error::Idempotency`].
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum IdempotencyProblem {
    /// The key was first used for a different request. Nothing was sent:
    /// a new request needs a new key.
    Conflict,
    /// Another call with this key is submitting and had no outcome within
    /// this call's deadline. Nothing was sent by this call; call again
    /// later to read its outcome.
    InFlight,
    /// Another submission on the same account (under another key) held
    /// the account lock past this call's deadline: a carrier with
    /// baselines ([`crate::Capabilities::baseline`]) takes one create at a
    /// time per account. Nothing was sent by this call; call again later.
    AccountBusy,
    /// The store holding the keys could not be reached, or answered what
    /// cannot be read, so the guarantee cannot be kept. Nothing was sent.
    Store {
        /// What the store said, without secrets.
        message: String,
    },
    /// An earlier submission under the key may have created an order, and
    /// that cannot be resolved from here. Nothing was sent again. The
    /// cause of an [`Error::OutcomeUnknown`].
    Unresolved {
        /// Why, and what to do.
        reason: String,
    },
}

impl fmt::Display for IdempotencyProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Conflict => f.write_str(
                "it was first used for a different request; nothing was sent (use a new key for a new request)",
            ),
            Self::InFlight => f.write_str(
                "another call with this key is submitting and had no outcome within the deadline; nothing was sent (call again later)",
            ),
            Self::AccountBusy => f.write_str(
                "another submission on the same account held the account lock past the deadline; nothing was sent (call again later)",
            ),
            Self::Store { message } => write!(
                f,
                "the store of idempotency keys failed ({message}); nothing was sent"
            ),
            Self::Unresolved { reason } => f.write_str(reason),
        }
    }
}

fn location_suffix(host: Option<&str>) -> String {
    host.map(|h| format!(" to {h}")).unwrap_or_default()
}

impl From<FieldError> for Error {
    /// A constructor's field error as a one-problem [`Error::Validation`], so
    /// `PhoneNumber::parse(..)?` works in a function returning [`Result`].
    fn from(error: FieldError) -> Self {
        Self::Validation(vec![error])
    }
}

fn join(errors: &[FieldError]) -> String {
    errors
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("; ")
}

fn status_suffix(status: Option<u16>) -> String {
    status.map(|s| format!(" (HTTP {s})")).unwrap_or_default()
}

fn retry_suffix(after: Option<Duration>) -> String {
    after
        .map(|d| format!(" (retry after {}s)", d.as_secs()))
        .unwrap_or_default()
}

impl Error {
    /// This error with every secret the client knows removed from every
    /// text it holds (messages, field names and field problems, a redirect's
    /// host, the cause of an unknown outcome), then each text cut to
    /// [`MAX_MESSAGE_CHARS`]. A carrier may echo a PIN, an account number, a
    /// PAC (in any letter case) or a key back in its message. Matching
    /// ignores ASCII case; the longest secret is replaced first; values
    /// shorter than three characters are left alone (they would blank out
    /// ordinary text). Truncation comes after redaction, so a secret is never
    /// left half-cut.
    pub(crate) fn redacting(mut self, secrets: &[&str]) -> Self {
        let redactor = crate::redact::Redactor::new(secrets);
        self.redact_with(&redactor);
        self
    }

    pub(crate) fn redact_with(&mut self, redactor: &crate::redact::Redactor<'_>) {
        let scrub = |text: &mut String| redactor.scrub_truncate(text, MAX_MESSAGE_CHARS);
        match self {
            Self::Validation(field_errors) => {
                for f in field_errors {
                    scrub(&mut f.field);
                    scrub(&mut f.problem);
                }
            }
            Self::Rejected {
                message,
                field_errors,
                ..
            } => {
                scrub(message);
                for f in field_errors {
                    scrub(&mut f.field);
                    scrub(&mut f.problem);
                }
            }
            Self::Auth { message, .. }
            | Self::NotFound { message, .. }
            | Self::InvalidState { message, .. }
            | Self::Precondition { message, .. }
            | Self::RateLimited { message, .. }
            | Self::Api { message, .. }
            | Self::CarrierUnavailable { message, .. }
            | Self::Decode { message, .. }
            | Self::Incomplete { message, .. }
            | Self::Ledger { message }
            | Self::Events { message }
            | Self::Config(message) => scrub(message),
            Self::Redirect { location_host, .. } => {
                if let Some(host) = location_host {
                    scrub(host);
                }
            }
            Self::OutcomeUnknown { cause, .. } => cause.redact_with(redactor),
            Self::Idempotency { problem, .. } => match problem {
                IdempotencyProblem::Store { message } => scrub(message),
                IdempotencyProblem::Unresolved { reason } => scrub(reason),
                IdempotencyProblem::Conflict
                | IdempotencyProblem::InFlight
                | IdempotencyProblem::AccountBusy => {}
            },
            Self::Unsupported { .. }
            | Self::Timeout { .. }
            | Self::Transport { .. }
            | Self::ResponseTooLarge { .. } => {}
        }
    }

    /// `self` as an [`Error::OutcomeUnknown`] for `operation` when it is a
    /// failure that may follow a carried-out request (a timeout or a lost
    /// connection after sending, a 5xx, a redirect, an answer cut by the body
    /// limit or unreadable); otherwise `self` unchanged.
    pub(crate) fn ambiguous_after_send(self, operation: Operation) -> Self {
        let ambiguous = match &self {
            Self::Timeout { .. }
            | Self::Redirect { .. }
            | Self::ResponseTooLarge { .. }
            | Self::Decode { .. }
            | Self::Incomplete { .. }
            | Self::CarrierUnavailable { .. } => true,
            Self::Transport { never_sent, .. } => !never_sent,
            Self::Api { status, .. } => *status >= 500,
            _ => false,
        };
        match self.carrier() {
            Some(carrier) if ambiguous => Self::OutcomeUnknown {
                carrier,
                operation,
                cause: Box::new(self),
            },
            _ => self,
        }
    }

    /// A validation error for one field.
    pub fn invalid(field: impl Into<String>, problem: impl Into<String>) -> Self {
        Self::Validation(vec![FieldError::new(field, problem)])
    }

    /// True when the same call may succeed if repeated later: timeouts, rate
    /// limits, transport failures, 5xx answers and incomplete answers (a
    /// listing cut or inconsistent, a "maintenance" answer without one). A validation, auth or
    /// rejection error is never retryable. Whether a *create* may be repeated
    /// is a separate question: see [`Error::is_never_sent`].
    /// An [`Error::OutcomeUnknown`] is never retryable: reconcile it first.
    /// An [`Error::Idempotency`] is retryable when another call holds the
    /// key, another submission holds the account lock, or the store failed.
    pub fn is_retryable(&self) -> bool {
        match self {
            Self::Idempotency { problem, .. } => matches!(
                problem,
                IdempotencyProblem::InFlight
                    | IdempotencyProblem::AccountBusy
                    | IdempotencyProblem::Store { .. }
            ),
            Self::Timeout { .. }
            | Self::RateLimited { .. }
            | Self::Transport { .. }
            | Self::CarrierUnavailable { .. }
            | Self::Incomplete { .. } => true,
            Self::Api { status, .. } => *status >= 500,
            _ => false,
        }
    }

    /// True for [`Error::OutcomeUnknown`]: the carrier may have carried out
    /// the request. Reconcile with [`crate::PortProvider::reconcile`] before
    /// submitting again.
    pub fn is_outcome_unknown(&self) -> bool {
        matches!(self, Self::OutcomeUnknown { .. })
    }

    /// True for [`Error::Redirect`] (or an unknown outcome caused by one).
    pub fn is_redirect(&self) -> bool {
        match self {
            Self::Redirect { .. } => true,
            Self::OutcomeUnknown { cause, .. } => cause.is_redirect(),
            _ => false,
        }
    }

    /// True for [`Error::ResponseTooLarge`] (or an unknown outcome caused by one).
    pub fn is_response_too_large(&self) -> bool {
        match self {
            Self::ResponseTooLarge { .. } => true,
            Self::OutcomeUnknown { cause, .. } => cause.is_response_too_large(),
            _ => false,
        }
    }

    /// What went wrong after the request left, for [`Error::OutcomeUnknown`].
    pub fn outcome_unknown_cause(&self) -> Option<&Error> {
        match self {
            Self::OutcomeUnknown { cause, .. } => Some(cause),
            _ => None,
        }
    }

    /// True when the request provably never reached the carrier: no byte of
    /// it left this machine. Only then is repeating a create safe without
    /// asking the carrier first.
    ///
    /// For an [`Error::Idempotency`] it speaks of this call:
    /// [`IdempotencyProblem::Conflict`] sent nothing, but another request
    /// under the key (one differing in a PAC, PIN or account number, say)
    /// may have created an order for the same numbers; check before
    /// sending under another key. A key whose earlier attempt may have
    /// reached the carrier answers [`Error::OutcomeUnknown`] instead, never
    /// "never sent".
    pub fn is_never_sent(&self) -> bool {
        matches!(
            self,
            Self::Validation(_) | Self::Config(_) | Self::Unsupported { .. }
        ) || matches!(
            self,
            Self::Transport {
                never_sent: true,
                ..
            } | Self::Idempotency {
                problem: IdempotencyProblem::Conflict | IdempotencyProblem::Store { .. },
                ..
            }
        )
    }

    /// True for [`Error::Idempotency`] with
    /// [`IdempotencyProblem::Conflict`]: the key was first used for a
    /// different request, and nothing was sent.
    pub fn is_idempotency_conflict(&self) -> bool {
        matches!(
            self,
            Self::Idempotency {
                problem: IdempotencyProblem::Conflict,
                ..
            }
        )
    }

    /// The [`IdempotencyProblem`] of an [`Error::Idempotency`], also when
    /// it is the cause of an [`Error::OutcomeUnknown`].
    pub fn idempotency_problem(&self) -> Option<&IdempotencyProblem> {
        match self {
            Self::Idempotency { problem, .. } => Some(problem),
            Self::OutcomeUnknown { cause, .. } => cause.idempotency_problem(),
            _ => None,
        }
    }

    /// True for [`Error::Incomplete`]: the carrier's answer did not hold
    /// everything asked for, so no absence may be concluded from it.
    pub fn is_incomplete(&self) -> bool {
        matches!(self, Self::Incomplete { .. })
    }

    /// True for [`Error::Validation`].
    pub fn is_validation(&self) -> bool {
        matches!(self, Self::Validation(_))
    }

    /// True for [`Error::Unsupported`].
    pub fn is_unsupported(&self) -> bool {
        matches!(self, Self::Unsupported { .. })
    }

    /// True for [`Error::Auth`].
    pub fn is_auth(&self) -> bool {
        matches!(self, Self::Auth { .. })
    }

    /// True for [`Error::NotFound`].
    pub fn is_not_found(&self) -> bool {
        matches!(self, Self::NotFound { .. })
    }

    /// True for [`Error::Rejected`].
    pub fn is_rejected(&self) -> bool {
        matches!(self, Self::Rejected { .. })
    }

    /// True for [`Error::RateLimited`].
    pub fn is_rate_limited(&self) -> bool {
        matches!(self, Self::RateLimited { .. })
    }

    /// True for [`Error::Timeout`] (or an unknown outcome caused by one).
    pub fn is_timeout(&self) -> bool {
        match self {
            Self::Timeout { .. } => true,
            Self::OutcomeUnknown { cause, .. } => cause.is_timeout(),
            _ => false,
        }
    }

    /// The field problems of a validation error or a carrier's field-level
    /// rejection; empty otherwise.
    pub fn field_errors(&self) -> &[FieldError] {
        match self {
            Self::Validation(errors) => errors,
            Self::Rejected { field_errors, .. } => field_errors,
            _ => &[],
        }
    }

    /// The typed rejection reason, for [`Error::Rejected`].
    pub fn reject_reason(&self) -> Option<RejectReason> {
        match self {
            Self::Rejected { reason, .. } => Some(*reason),
            _ => None,
        }
    }

    /// How long the carrier asked us to wait (its `Retry-After`, at most a
    /// day), for [`Error::RateLimited`] and for another error status that
    /// carried one ([`Error::Api`], a 503 say). The watch helpers and the
    /// follower wait at least this long (bounded) before asking again.
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            Self::RateLimited { retry_after, .. } | Self::Api { retry_after, .. } => *retry_after,
            _ => None,
        }
    }

    /// The HTTP status the carrier answered with, when the error came from one.
    pub fn status(&self) -> Option<u16> {
        match self {
            Self::Auth { status, .. } | Self::Rejected { status, .. } => *status,
            Self::Api { status, .. }
            | Self::Redirect { status, .. }
            | Self::CarrierUnavailable { status, .. } => Some(*status),
            Self::OutcomeUnknown { cause, .. } => cause.status(),
            Self::NotFound { .. } => Some(404),
            Self::RateLimited { .. } => Some(429),
            _ => None,
        }
    }

    /// The carrier involved, when the error came from (or concerns) one.
    pub fn carrier(&self) -> Option<Carrier> {
        match self {
            Self::Validation(_)
            | Self::Config(_)
            | Self::Idempotency { .. }
            | Self::Ledger { .. }
            | Self::Events { .. } => None,
            Self::Unsupported { carrier, .. }
            | Self::Auth { carrier, .. }
            | Self::NotFound { carrier, .. }
            | Self::Rejected { carrier, .. }
            | Self::InvalidState { carrier, .. }
            | Self::Precondition { carrier, .. }
            | Self::RateLimited { carrier, .. }
            | Self::Api { carrier, .. }
            | Self::CarrierUnavailable { carrier, .. }
            | Self::Timeout { carrier, .. }
            | Self::Transport { carrier, .. }
            | Self::Decode { carrier, .. }
            | Self::Incomplete { carrier, .. }
            | Self::Redirect { carrier, .. }
            | Self::ResponseTooLarge { carrier, .. }
            | Self::OutcomeUnknown { carrier, .. } => Some(*carrier),
        }
    }

    /// The carrier's own message, when it sent one.
    pub fn carrier_message(&self) -> Option<&str> {
        match self {
            Self::Auth { message, .. }
            | Self::NotFound { message, .. }
            | Self::Rejected { message, .. }
            | Self::InvalidState { message, .. }
            | Self::Precondition { message, .. }
            | Self::RateLimited { message, .. }
            | Self::Api { message, .. }
            | Self::CarrierUnavailable { message, .. } => Some(message),
            Self::OutcomeUnknown { cause, .. } => cause.carrier_message(),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_echoed_by_a_carrier_are_redacted() {
        let e = Error::Rejected {
            carrier: Carrier::Apeiron,
            status: Some(400),
            reason: RejectReason::IncorrectPin,
            message: "PIN 7731 does not match account 5512098734".into(),
            field_errors: vec![FieldError::new("pin", "7731 is wrong")],
        }
        .redacting(&["7731", "5512098734", "12"]);
        assert_eq!(
            e.carrier_message(),
            Some("PIN [REDACTED] does not match account [REDACTED]")
        );
        assert_eq!(e.field_errors()[0].problem, "[REDACTED] is wrong");
    }

    #[test]
    fn validation_display_lists_every_field() {
        let mut p = Problems::new();
        p.add("lines[0].pac", "is empty");
        p.push(FieldError::new("name", "is longer than 255 characters").at("cellhire"));
        let err = p.finish().unwrap_err();
        assert_eq!(
            err.to_string(),
            "invalid input: lines[0].pac is empty; cellhire.name is longer than 255 characters"
        );
        assert!(err.is_validation() && err.is_never_sent() && !err.is_retryable());
        assert_eq!(err.field_errors().len(), 2);
    }

    #[test]
    fn predicates_and_accessors() {
        let e = Error::RateLimited {
            carrier: Carrier::Cellhire,
            retry_after: Some(Duration::from_secs(7)),
            message: "slow down".into(),
        };
        assert!(e.is_retryable() && e.is_rate_limited());
        assert_eq!(e.status(), Some(429));
        assert_eq!(e.retry_after(), Some(Duration::from_secs(7)));
        assert_eq!(e.carrier(), Some(Carrier::Cellhire));
        assert_eq!(
            e.to_string(),
            "Cellhire rate-limited the request (retry after 7s): slow down"
        );

        let e = Error::Api {
            carrier: Carrier::Cellhire,
            status: 502,
            retry_after: None,
            message: "bad gateway".into(),
        };
        assert!(e.is_retryable());
        let e = Error::Api {
            carrier: Carrier::Cellhire,
            status: 418,
            retry_after: None,
            message: "teapot".into(),
        };
        assert!(!e.is_retryable());
        assert_eq!(e.carrier_message(), Some("teapot"));
    }

    #[test]
    fn rejected_display_shows_carrier_message() {
        let e = Error::Rejected {
            carrier: Carrier::Cellhire,
            status: Some(400),
            reason: RejectReason::AlreadyInStock,
            message: "The following MSISDN's already exists on our stock records: 447700900123"
                .into(),
            field_errors: vec![],
        };
        assert_eq!(
            e.to_string(),
            "Cellhire rejected the request (number already on the carrier's stock records): \
             The following MSISDN's already exists on our stock records: 447700900123"
        );
        assert_eq!(e.reject_reason(), Some(RejectReason::AlreadyInStock));
    }
}
