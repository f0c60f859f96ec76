//! [`Redactor`]: the crate's redaction, for texts an application shows.

use std::borrow::Cow;
use std::fmt;

use crate::redact;

/// What a redacted secret or PAC-shaped word is replaced with.
pub const REDACTED: &str = "[REDACTED]";

/// Removes secrets from texts meant for people: log lines, tables, result
/// files, a carrier's message shown to an operator.
///
/// It is the redaction numport applies to its own errors and kept carrier
/// texts, offered for an application's texts:
/// - every secret added is replaced with [`REDACTED`] wherever it stands,
///   ignoring ASCII case, also in the forms it takes on the wire
///   (form-encoded, percent-encoded, JSON-escaped), longest first, so that a
///   PIN inside an account number leaves nothing of it behind;
/// - and, unless [`Redactor::without_pac_shapes`] was called, every word
///   shaped like a PAC or a RIO (8 to 12 ASCII letters and digits with at
///   least one of each, such as `ABC123456` or `84E046866KO2`) is replaced
///   too, so that a PAC the application never added cannot reach the
///   screen. Words run over letters, digits, `-` and `_`, so GUIDs and
///   other ids stay whole.
///
/// Values shorter than three characters are not secrets to it (they would
/// blank out ordinary text).
///
/// ```
/// use numport::Redactor;
///
/// let mut redactor = Redactor::new();
/// redactor.add("hunter2!");
/// assert_eq!(
///     redactor.redact("password=hunter2%21 and PAC ABC123456 for order 8c1f-22"),
///     "password=[REDACTED] and PAC [REDACTED] for order 8c1f-22"
/// );
/// ```
#[derive(Clone, Default)]
pub struct Redactor {
    secrets: redact::Redactor<'static>,
    keep_pac_shapes: bool,
}

impl fmt::Debug for Redactor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Redactor")
            .field("forms", &self.secrets.len())
            .field("pac_shapes", &!self.keep_pac_shapes)
            .finish()
    }
}

impl Redactor {
    /// A redactor with no secret yet, masking PAC-shaped words.
    pub fn new() -> Self {
        Self::default()
    }

    /// The same, leaving PAC-shaped words alone (only the secrets added are
    /// removed).
    pub fn without_pac_shapes(mut self) -> Self {
        self.keep_pac_shapes = true;
        self
    }

    /// Adds a secret (trimmed; values shorter than three characters are
    /// ignored).
    pub fn add(&mut self, secret: &str) {
        self.secrets.add(Cow::Owned(secret.trim().to_owned()));
    }

    /// The same redactor with `secret` added.
    pub fn with_secret(mut self, secret: &str) -> Self {
        self.add(secret);
        self
    }

    /// `text` with every secret (and, unless turned off, every PAC-shaped
    /// word) replaced with [`REDACTED`].
    pub fn redact(&self, text: &str) -> String {
        let text = if self.keep_pac_shapes {
            Cow::Borrowed(text)
        } else {
            mask_pac_shapes(text)
        };
        if self.secrets.is_empty() {
            text.into_owned()
        } else {
            self.secrets.scrub(&text)
        }
    }

    /// [`Redactor::redact`] of an optional text.
    pub fn redact_opt(&self, text: Option<&str>) -> Option<String> {
        text.map(|t| self.redact(t))
    }
}

/// True for a word shaped like a PAC or a RIO: 8 to 12 ASCII letters and
/// digits, with at least one of each.
fn pac_shaped(word: &[u8]) -> bool {
    (8..=12).contains(&word.len())
        && word.iter().all(u8::is_ascii_alphanumeric)
        && word.iter().any(u8::is_ascii_alphabetic)
        && word.iter().any(u8::is_ascii_digit)
}

/// `text` with each PAC-shaped word masked; borrowed when there is none.
fn mask_pac_shapes(text: &str) -> Cow<'_, str> {
    let in_word = |b: u8| b.is_ascii_alphanumeric() || b == b'-' || b == b'_';
    let bytes = text.as_bytes();
    let mut out: Option<String> = None;
    let mut copied = 0;
    let mut start = 0;
    while start < bytes.len() {
        if !in_word(bytes[start]) {
            start += 1;
            continue;
        }
        let end = bytes[start..]
            .iter()
            .position(|b| !in_word(*b))
            .map_or(bytes.len(), |n| start + n);
        if pac_shaped(&bytes[start..end]) {
            let out = out.get_or_insert_with(|| String::with_capacity(text.len()));
            // `start` and `end` sit at ASCII bytes: valid char boundaries.
            out.push_str(&text[copied..start]);
            out.push_str(REDACTED);
            copied = end;
        }
        start = end;
    }
    match out {
        None => Cow::Borrowed(text),
        Some(mut out) => {
            out.push_str(&text[copied..]);
            Cow::Owned(out)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_in_every_form_and_case() {
        let redactor = Redactor::new()
            .with_secret("  pa\"ss&word ")
            .with_secret("ab");
        assert_eq!(
            redactor.redact(
                r#"a=pa%22ss%26word b=PA"SS&WORD c={"p":"pa\"ss&word"} d=pa%22ss%26word e=ab"#
            ),
            r#"a=[REDACTED] b=[REDACTED] c={"p":"[REDACTED]"} d=[REDACTED] e=ab"#
        );
    }

    #[test]
    fn pac_shaped_words_unless_turned_off() {
        let text = "PAC ABC123456, RIO 84E046866KO2, id 5f3c2a10-9d4e-4b1a-8c2f-1e2d3c4b5a69, ref PORT1234567890123, 12345678, né ABC123456";
        assert_eq!(
            Redactor::new().redact(text),
            "PAC [REDACTED], RIO [REDACTED], id 5f3c2a10-9d4e-4b1a-8c2f-1e2d3c4b5a69, ref PORT1234567890123, 12345678, né [REDACTED]"
        );
        assert_eq!(Redactor::new().without_pac_shapes().redact(text), text);
        assert_eq!(Redactor::new().redact_opt(None), None);
    }

    #[test]
    fn longest_secret_first() {
        let redactor = Redactor::new()
            .without_pac_shapes()
            .with_secret("1234")
            .with_secret("99123456");
        assert_eq!(
            redactor.redact("acct 99123456 pin 1234"),
            "acct [REDACTED] pin [REDACTED]"
        );
    }

    #[test]
    fn debug_shows_no_secret() {
        let redactor = Redactor::new().with_secret("hunter22");
        assert_eq!(
            format!("{redactor:?}"),
            "Redactor { forms: 1, pac_shapes: true }"
        );
    }
}
