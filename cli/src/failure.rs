//! What ends a command early, and the exit code it ends with.

use std::fmt;

use numport::Redactor;

/// Exit code: everything succeeded.
pub const OK: u8 = 0;
/// Exit code: some rows or orders failed.
pub const SOME_FAILED: u8 = 1;
/// Exit code: usage, configuration or input file error; nothing was sent.
pub const USAGE: u8 = 2;

/// A command's end before it could finish, with its exit code.
#[derive(Debug)]
pub struct Failure {
    /// The exit code.
    pub code: u8,
    /// What to tell the user (already masked).
    pub message: String,
}

/// A command's result: the exit code it finished with, or a [`Failure`].
pub type CliResult<T = u8> = Result<T, Failure>;

impl Failure {
    /// A usage, configuration or input error (exit 2).
    pub fn usage(message: impl Into<String>) -> Self {
        Self {
            code: USAGE,
            message: message.into(),
        }
    }

    /// A failure of the work itself (exit 1).
    pub fn failed(message: impl Into<String>) -> Self {
        Self {
            code: SOME_FAILED,
            message: message.into(),
        }
    }

    /// A crate error met while doing `what`, masked: an operation the carrier
    /// lacks, a configuration, input or credential problem exits 2, anything
    /// else 1.
    pub fn api(what: &str, error: &numport::Error, masker: &Redactor) -> Self {
        let text = masker.redact(&describe(error));
        let mut message = format!("{what}: {text}");
        if error.is_unsupported() {
            message.push_str(&unsupported_hint(error));
        }
        let usage = error.is_unsupported()
            || error.is_validation()
            || error.is_auth()
            || matches!(error, numport::Error::Config(_));
        if usage {
            Self::usage(message)
        } else {
            Self::failed(message)
        }
    }
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

/// An error as one line: a validation error lists its fields as
/// `field problem; ...` without the generic prefix; a carrier's refusal is
/// followed by the reasons it gave per field (behind a generic title such
/// as "One or more validation errors occurred." they say what to fix).
pub fn describe(error: &numport::Error) -> String {
    match error {
        numport::Error::Validation(fields) => fields
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join("; "),
        numport::Error::OutcomeUnknown { cause, .. } if !cause.field_errors().is_empty() => {
            with_fields(error.to_string(), cause.field_errors())
        }
        other => with_fields(other.to_string(), other.field_errors()),
    }
}

/// `text` followed by each field reason it does not already hold.
fn with_fields(mut text: String, fields: &[numport::FieldError]) -> String {
    let missing: Vec<String> = fields
        .iter()
        .filter(|f| !text.contains(f.problem.as_str()))
        .map(|f| {
            if f.field.is_empty() {
                f.problem.clone()
            } else {
                format!("{}: {}", f.field, f.problem)
            }
        })
        .collect();
    if !missing.is_empty() {
        text.push_str(" (");
        text.push_str(&missing.join("; "));
        text.push(')');
    }
    text
}

/// What a carrier without an operation offers instead.
fn unsupported_hint(error: &numport::Error) -> String {
    use numport::{Carrier, Operation};
    let numport::Error::Unsupported { carrier, operation } = error else {
        return String::new();
    };
    let hint = match (carrier, operation) {
        (Carrier::Cellhire, Operation::CheckPortability) => {
            " (Cellhire checks the PAC after the port is created: watch the order)"
        }
        (Carrier::Apeiron, Operation::Order | Operation::ListOrders | Operation::Reconcile) => {
            " (Apeiron has no call that reads an order back: keep the order ids of the results file)"
        }
        (Carrier::Apeiron | Carrier::INumbering, Operation::Amend | Operation::Cancel) => {
            " (ask the carrier's support)"
        }
        (_, Operation::Native(_)) => " (only iNumbering has port-out PINs)",
        _ => "",
    };
    hint.to_owned()
}
