//! Removing every secret a client knows from every text it produces.
//!
//! A carrier may echo a PIN, an account number, a PAC or a key back, in its
//! message, as a JSON field name, in another letter case, or in the body of
//! a successful answer. [`Redactor`] replaces each occurrence with
//! `[REDACTED]`, ignoring ASCII case, longest secret first (so that a PIN
//! inside an account number does not leave the rest of it behind), and cuts
//! texts to length only afterwards (so that a secret is never left half-cut
//! at the cut).

use std::borrow::Cow;

use serde_json::Value;

/// What a redacted secret is replaced with.
pub(crate) const REDACTED: &str = "[REDACTED]";

/// The shortest secret redacted: shorter values would blank out ordinary
/// text (and no carrier issues PINs, PACs or keys that short).
const MIN_SECRET_LEN: usize = 3;

/// A set of secrets to remove from texts.
#[derive(Default)]
pub(crate) struct Redactor<'a> {
    /// Longest first, deduplicated ignoring ASCII case; each secret also in
    /// the forms it takes on the wire (form-encoded, JSON-escaped), since a
    /// server may echo the request as it received it.
    secrets: Vec<Cow<'a, str>>,
}

impl<'a> Redactor<'a> {
    /// A redactor for `secrets` (empty and too-short values are ignored).
    pub fn new(secrets: &[&'a str]) -> Self {
        let mut out: Vec<Cow<'a, str>> = Vec::with_capacity(secrets.len());
        for secret in secrets
            .iter()
            .copied()
            .filter(|s| s.len() >= MIN_SECRET_LEN)
        {
            // Only a secret with characters that encoding changes has other
            // forms (most PINs, PACs and keys have none: no allocation).
            let plain = secret
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'*'));
            if !plain {
                let form: String =
                    url::form_urlencoded::byte_serialize(secret.as_bytes()).collect();
                let percent = form.replace('+', "%20");
                let json = serde_json::to_string(secret).unwrap_or_default();
                let json = json.trim_matches('"').to_owned();
                for variant in [form, percent, json] {
                    if variant != secret {
                        out.push(Cow::Owned(variant));
                    }
                }
            }
            out.push(Cow::Borrowed(secret));
        }
        out.sort_by_key(|s| std::cmp::Reverse(s.len()));
        out.dedup_by(|a, b| a.eq_ignore_ascii_case(b));
        Self { secrets: out }
    }

    /// True when there is nothing to redact.
    pub fn is_empty(&self) -> bool {
        self.secrets.is_empty()
    }

    /// True when `text` holds a secret.
    fn holds_secret(&self, text: &str) -> bool {
        self.secrets
            .iter()
            .any(|s| contains_ignore_ascii_case(text.as_bytes(), s.as_bytes()))
    }

    /// `text` with every secret replaced, ignoring ASCII case.
    pub fn scrub(&self, text: &str) -> String {
        let mut out = text.to_owned();
        for secret in &self.secrets {
            if let Some(replaced) = replace_ignore_ascii_case(&out, secret.as_ref()) {
                out = replaced;
            }
        }
        out
    }

    /// Scrubs `text` in place, then cuts it to `max_chars` characters (with
    /// an ellipsis when cut).
    pub fn scrub_truncate(&self, text: &mut String, max_chars: usize) {
        if !self.is_empty() {
            *text = self.scrub(text);
        }
        truncate(text, max_chars);
    }

    /// `value` with every string and every object key scrubbed.
    pub fn scrub_json(&self, value: &mut Value) {
        if self.is_empty() {
            return;
        }
        match value {
            Value::String(s) if self.holds_secret(s) => *s = self.scrub(s),
            Value::String(_) => {}
            Value::Array(items) => items.iter_mut().for_each(|v| self.scrub_json(v)),
            Value::Object(map) => {
                if !map.keys().any(|k| self.holds_secret(k)) {
                    map.values_mut().for_each(|v| self.scrub_json(v));
                    return;
                }
                let entries = std::mem::take(map);
                for (key, mut v) in entries {
                    self.scrub_json(&mut v);
                    map.insert(self.scrub(&key), v);
                }
            }
            Value::Number(n) => {
                let text = n.to_string();
                let scrubbed = self.scrub(&text);
                if scrubbed != text {
                    *value = Value::String(scrubbed);
                }
            }
            Value::Null | Value::Bool(_) => {}
        }
    }
}

/// Cuts `text` to `max_chars` characters, appending `…` when it was longer.
pub(crate) fn truncate(text: &mut String, max_chars: usize) {
    if let Some((cut, _)) = text.char_indices().nth(max_chars) {
        text.truncate(cut);
        text.push('…');
    }
}

/// `text` with every ASCII-case-insensitive occurrence of `needle` replaced,
/// or `None` when there is none. Case folding is ASCII only, so byte offsets
/// are the same in both and every match lies on character boundaries.
/// True unless `text` certainly holds none of `secrets` in any form the
/// redactor knows; a cheap test made before building a [`Redactor`] for a
/// successful answer. Every form of a secret (plain, form- or
/// percent-encoded, JSON-escaped) keeps the secret's letters and digits as
/// they are, so a text without the longest run of them holds no form of
/// it. A secret without a run of 3 is assumed present.
pub(crate) fn may_hold_any(secrets: &[&str], text: &[u8]) -> bool {
    secrets
        .iter()
        .filter(|s| s.len() >= MIN_SECRET_LEN)
        .any(|secret| may_hold_run(longest_run(secret), text))
}

/// The longest run of ASCII letters and digits in `secret`: what every
/// form of it keeps. Worth computing once for a secret used on every call.
pub(crate) fn longest_run(secret: &str) -> &str {
    if secret.bytes().all(|b| b.is_ascii_alphanumeric()) {
        return secret;
    }
    secret
        .split(|c: char| !c.is_ascii_alphanumeric())
        .max_by_key(|r| r.len())
        .unwrap_or("")
}

/// [`may_hold_any`] for one secret's [`longest_run`].
pub(crate) fn may_hold_run(run: &str, text: &[u8]) -> bool {
    run.len() < MIN_SECRET_LEN || contains_ignore_ascii_case(text, run.as_bytes())
}

fn contains_ignore_ascii_case(hay: &[u8], pat: &[u8]) -> bool {
    let Some((first, rest)) = pat.split_first() else {
        return true;
    };
    let (lower, upper) = (first.to_ascii_lowercase(), first.to_ascii_uppercase());
    let mut from = 0;
    while let Some(at) = hay[from..].iter().position(|&b| b == lower || b == upper) {
        let at = from + at;
        match hay.get(at + 1..at + pat.len()) {
            Some(tail) if tail.eq_ignore_ascii_case(rest) => return true,
            Some(_) => from = at + 1,
            None => return false,
        }
    }
    false
}

fn replace_ignore_ascii_case(text: &str, needle: &str) -> Option<String> {
    let hay = text.as_bytes();
    let pat = needle.as_bytes();
    if pat.is_empty() || hay.len() < pat.len() {
        return None;
    }
    let mut out: Option<String> = None;
    let mut copied = 0;
    let mut i = 0;
    while i + pat.len() <= hay.len() {
        if hay[i..i + pat.len()].eq_ignore_ascii_case(pat) {
            let o = out.get_or_insert_with(|| String::with_capacity(text.len()));
            o.push_str(&text[copied..i]);
            o.push_str(REDACTED);
            i += pat.len();
            copied = i;
        } else {
            i += 1;
        }
    }
    out.map(|mut o| {
        o.push_str(&text[copied..]);
        o
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_pre_check_finds_every_form_and_clears_only_clean_texts() {
        let secret = "s3cr3t/with+symbols&=";
        let forms = [
            "s3cr3t/with+symbols&=",
            "S3CR3T%2FWITH%2BSYMBOLS%26%3D",
            r#"{"echo":"client_secret=s3cr3t%2Fwith%2Bsymbols%26%3D"}"#,
        ];
        for form in forms {
            assert!(may_hold_any(&[secret], form.as_bytes()), "{form}");
            let scrubbed = Redactor::new(&[secret]).scrub(form);
            assert!(!scrubbed.contains("s3cr3t"), "{scrubbed}");
        }
        assert!(!may_hold_any(
            &[secret, "7731"],
            br#"{"id":41,"status":"pending"}"#
        ));
        assert!(may_hold_any(&["7731"], br#"{"pin":7731}"#));
        // Too short to be redacted at all: no reason to look.
        assert!(!may_hold_any(&["ab"], b"ab"));
        // No run of three letters or digits: assumed present.
        assert!(may_hold_any(&["+/=+"], b"clean"));
    }

    #[test]
    fn any_case_longest_first() {
        let r = Redactor::new(&["abc123456", "5512098734", "7731", "12"]);
        assert_eq!(
            r.scrub("PAC Abc123456 for 55120987731 / 5512098734"),
            "PAC [REDACTED] for 5512098[REDACTED] / [REDACTED]"
        );
        assert_eq!(r.scrub("nothing here 12"), "nothing here 12");
    }

    #[test]
    fn the_forms_a_secret_takes_on_the_wire_are_redacted_too() {
        let r = Redactor::new(&["s3cr3t/with+symbols&=", "pa\"ss word"]);
        assert_eq!(
            r.scrub("client_secret=s3cr3t%2Fwith%2Bsymbols%26%3D&x=1"),
            "client_secret=[REDACTED]&x=1"
        );
        assert_eq!(
            r.scrub(r#"{"password":"pa\"ss word"}"#),
            r#"{"password":"[REDACTED]"}"#
        );
        assert_eq!(
            r.scrub("p=pa%22ss+word or pa%22ss%20word"),
            "p=[REDACTED] or [REDACTED]"
        );
    }

    #[test]
    fn unicode_text_survives() {
        let r = Redactor::new(&["sécret"]);
        assert_eq!(r.scrub("ü SÉCRET sécret ü"), "ü SÉCRET [REDACTED] ü");
    }

    #[test]
    fn truncation_after_redaction() {
        let secret = "ABCDEFGHIJ";
        let mut text = format!("{}{secret}", "x".repeat(495));
        Redactor::new(&[secret]).scrub_truncate(&mut text, 500);
        assert!(!text.contains("ABCDE"), "{text}");
        assert!(text.ends_with('…'));
        assert_eq!(text.chars().count(), 501);
    }

    #[test]
    fn json_keys_values_and_numbers() {
        let mut v = serde_json::json!({"7731": ["pin 7731"], "acct": 5512098734u64, "ok": true});
        Redactor::new(&["7731", "5512098734"]).scrub_json(&mut v);
        assert_eq!(
            v,
            serde_json::json!({"[REDACTED]": ["pin [REDACTED]"], "acct": "[REDACTED]", "ok": true})
        );
    }
}
