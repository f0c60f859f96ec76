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
#[derive(Default, Clone)]
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
        for secret in secrets.iter().copied() {
            push_forms(&mut out, Cow::Borrowed(secret));
        }
        let mut redactor = Self { secrets: out };
        redactor.order();
        redactor
    }

    /// Adds `secret` (and its wire forms); too-short values are ignored.
    pub fn add(&mut self, secret: Cow<'a, str>) {
        push_forms(&mut self.secrets, secret);
        self.order();
    }

    /// How many forms of secrets it removes.
    pub fn len(&self) -> usize {
        self.secrets.len()
    }

    /// Longest first (so that a PIN inside an account number does not leave
    /// the rest of it behind), without repeats ignoring ASCII case.
    fn order(&mut self) {
        self.secrets.sort_by_key(|s| std::cmp::Reverse(s.len()));
        self.secrets.dedup_by(|a, b| a.eq_ignore_ascii_case(b));
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

/// Pushes `secret` and the forms it takes on the wire (form-encoded,
/// percent-encoded, JSON-escaped), since a server may echo the request as
/// it received it. Too-short values are ignored.
fn push_forms<'a>(out: &mut Vec<Cow<'a, str>>, secret: Cow<'a, str>) {
    if secret.len() < MIN_SECRET_LEN {
        return;
    }
    // Only a secret with characters that encoding changes has other forms
    // (most PINs, PACs and keys have none: no allocation).
    let plain = secret
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'*'));
    if !plain {
        let form: String = url::form_urlencoded::byte_serialize(secret.as_bytes()).collect();
        let percent = form.replace('+', "%20");
        let json = serde_json::to_string(secret.as_ref()).unwrap_or_default();
        let json = json.trim_matches('"').to_owned();
        for variant in [form, percent, json] {
            if variant != secret.as_ref() {
                out.push(Cow::Owned(variant));
            }
        }
    }
    out.push(secret);
}

/// Removes every one of `secrets` from each of `texts` that may hold one:
/// each text is first tested with [`may_hold_any`], and one without any
/// secret is neither copied nor changed. The [`Redactor`] is made only for
/// the first text that may hold one, so a call whose texts are clean (the
/// usual case) costs one scan of each text and no allocation. Texts are
/// not cut: they are the carrier's words kept in a result, not an error.
pub(crate) fn scrub_texts<'t>(secrets: &[&str], texts: impl IntoIterator<Item = &'t mut String>) {
    scrub_texts_with(&Runs::new(secrets.iter().copied()), secrets, texts);
}

/// [`scrub_texts`] with the [`Runs`] of `secrets` made beforehand (for
/// secrets used on every call, such as a client's credentials).
pub(crate) fn scrub_texts_with<'t>(
    runs: &Runs<'_>,
    secrets: &[&str],
    texts: impl IntoIterator<Item = &'t mut String>,
) {
    if runs.is_empty() {
        return;
    }
    let mut redactor: Option<Redactor<'_>> = None;
    for text in texts {
        if !runs.may_hold(text.as_bytes()) {
            continue;
        }
        let redactor = redactor.get_or_insert_with(|| Redactor::new(secrets));
        if redactor.holds_secret(text) {
            *text = redactor.scrub(text);
        }
    }
}

/// The [`longest_run`] of each of a set of secrets, for testing many
/// texts: [`may_hold_any`] made once per set, and run as a set-Horspool
/// search (a window as long as the shortest run slides over the text, by
/// as many bytes as its last byte allows), so that a clean text costs
/// about one comparison every few bytes, whatever the number of secrets.
pub(crate) struct Runs<'a> {
    runs: Vec<Cow<'a, str>>,
    /// The length of the shortest run: the window.
    window: usize,
    /// How far the window may move when it ends on a byte: the distance
    /// from the last of that byte (in either case) in any run's first
    /// `window` bytes to the window's end; 0 for a byte that ends one.
    shift: [u8; 256],
    /// A secret without a run of three is assumed to be in every text.
    always: bool,
}

impl<'a> Runs<'a> {
    /// The runs of `secrets` (too-short secrets are ignored).
    pub(crate) fn new(secrets: impl IntoIterator<Item = &'a str>) -> Self {
        let mut out = Self {
            runs: Vec::new(),
            window: usize::from(u8::MAX),
            shift: [0; 256],
            always: false,
        };
        for secret in secrets.into_iter().filter(|s| s.len() >= MIN_SECRET_LEN) {
            let run = longest_run(secret);
            if run.len() >= MIN_SECRET_LEN {
                out.window = out.window.min(run.len());
                out.runs.push(Cow::Borrowed(run));
            } else {
                out.always = true;
            }
        }
        let window = out.window;
        // `window` is at most 255: every distance fits a byte.
        out.shift = [u8::try_from(window).unwrap_or(u8::MAX); 256];
        for run in &out.runs {
            for (at, b) in run.as_bytes()[..window].iter().enumerate() {
                let distance = u8::try_from(window - 1 - at).unwrap_or(u8::MAX);
                for b in [b.to_ascii_lowercase(), b.to_ascii_uppercase()] {
                    let slot = &mut out.shift[usize::from(b)];
                    *slot = (*slot).min(distance);
                }
            }
        }
        out
    }

    /// The same runs, owning their text (to be kept with a credential).
    pub(crate) fn into_owned(self) -> Runs<'static> {
        Runs {
            runs: self
                .runs
                .into_iter()
                .map(|r| Cow::Owned(r.into_owned()))
                .collect(),
            window: self.window,
            shift: self.shift,
            always: self.always,
        }
    }

    /// True when there is nothing to look for.
    pub(crate) fn is_empty(&self) -> bool {
        self.runs.is_empty() && !self.always
    }

    /// [`may_hold_any`] for the whole set.
    #[inline]
    pub(crate) fn may_hold(&self, text: &[u8]) -> bool {
        if self.always {
            return true;
        }
        if self.runs.is_empty() {
            return false;
        }
        let window = self.window;
        let mut at = 0;
        while at + window <= text.len() {
            match self.shift[usize::from(text[at + window - 1])] {
                0 => {
                    let rest = &text[at..];
                    let found = self.runs.iter().any(|run| {
                        rest.get(..run.len())
                            .is_some_and(|t| t.eq_ignore_ascii_case(run.as_bytes()))
                    });
                    if found {
                        return true;
                    }
                    at += 1;
                }
                shift => at += usize::from(shift),
            }
        }
        false
    }
}

/// Cuts `text` to `max_chars` characters, appending `…` when it was longer.
pub(crate) fn truncate(text: &mut String, max_chars: usize) {
    if let Some((cut, _)) = text.char_indices().nth(max_chars) {
        text.truncate(cut);
        text.push('…');
    }
}

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
    // Byte by byte: a run is ASCII, so its ends are character boundaries.
    let (mut best, mut start) = ((0, 0), 0);
    for (at, b) in secret.bytes().enumerate() {
        if !b.is_ascii_alphanumeric() {
            start = at + 1;
        } else if at + 1 - start >= best.1 - best.0 {
            best = (start, at + 1);
        }
    }
    secret.get(best.0..best.1).unwrap_or("")
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

/// `text` with every ASCII-case-insensitive occurrence of `needle` replaced,
/// or `None` when there is none. Case folding is ASCII only, so byte offsets
/// are the same in both and every match lies on character boundaries.
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
    fn scrub_texts_changes_only_texts_holding_a_secret() {
        let mut texts = vec![
            "not portable: PIN 7731 on account ACCT-5512".to_owned(),
            "clean".to_owned(),
            "key DEC759ED in upper case".to_owned(),
        ];
        scrub_texts(&["7731", "acct-5512", "dec759ed"], texts.iter_mut());
        assert_eq!(
            texts,
            [
                "not portable: PIN [REDACTED] on account [REDACTED]",
                "clean",
                "key [REDACTED] in upper case",
            ]
        );
        // Nothing to remove: texts are left as they are.
        let mut none = vec!["7731".to_owned()];
        scrub_texts(&[], none.iter_mut());
        assert_eq!(none, ["7731"]);
        // Every form of a secret with symbols is found by its run.
        let secret = "s3cr3t/with+symbols&=";
        let mut forms = vec![
            "S3CR3T%2FWITH%2BSYMBOLS%26%3D".to_owned(),
            "secret=s3cr3t/with+symbols&=".to_owned(),
        ];
        scrub_texts(&[secret, "ab"], forms.iter_mut());
        assert_eq!(forms, ["[REDACTED]", "secret=[REDACTED]"]);
    }

    #[test]
    fn the_window_search_agrees_with_the_search_of_each_run_on_many_texts() {
        // Texts drawn from the secrets' own letters, so that near misses
        // and overlaps are common.
        let secrets = ["7731", "5512098734", "Kq81zR7mVx", "abcabd"];
        let alphabet = b"7315290k8qzrmvxKQABCDabcd -";
        let mut seed: u64 = 0x9e37_79b9_7f4a_7c15;
        let mut positives = 0;
        for _ in 0..20_000 {
            seed = seed
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            let len = usize::try_from(seed >> 58).unwrap_or(0);
            let mut text: Vec<u8> = (0..len)
                .map(|i| {
                    let r = seed.rotate_left(u32::try_from(i * 7).unwrap_or(0)) >> 40;
                    alphabet[usize::try_from(r).unwrap_or(0) % alphabet.len()]
                })
                .collect();
            // Half the texts hold a secret, in upper case or with one
            // byte changed, somewhere.
            if seed & 1 == 1 {
                let pick = secrets[usize::try_from((seed >> 8) % 4).unwrap_or(0)];
                let mut piece = pick.as_bytes().to_vec();
                match (seed >> 12) % 3 {
                    0 => piece.make_ascii_uppercase(),
                    1 => {
                        let at = usize::try_from(seed >> 16).unwrap_or(0) % piece.len();
                        piece[at] = b'-';
                    }
                    _ => {}
                }
                let at = usize::try_from(seed >> 20).unwrap_or(0) % (text.len() + 1);
                text.splice(at..at, piece);
                positives += usize::from(may_hold_any(&secrets, &text));
            }
            for n in 1..=secrets.len() {
                assert_eq!(
                    Runs::new(secrets[..n].iter().copied()).may_hold(&text),
                    may_hold_any(&secrets[..n], &text),
                    "{:?}",
                    String::from_utf8_lossy(&text)
                );
            }
        }
        assert!(positives > 5_000, "{positives}");
    }

    #[test]
    fn the_longest_run_of_letters_and_digits() {
        assert_eq!(longest_run("tok-5c1e9a7d30b2-bench-0000"), "5c1e9a7d30b2");
        assert_eq!(longest_run("abc-def"), "def");
        assert_eq!(longest_run("plain123"), "plain123");
        assert_eq!(longest_run("é-ab-ü"), "ab");
        assert_eq!(longest_run("+/=+"), "");
        assert_eq!(longest_run(""), "");
    }

    #[test]
    fn the_one_pass_test_agrees_with_the_test_of_each_secret() {
        let secrets = ["7731", "5512098734", "pw-Kq81zR7mVx", "+/=+", "ab"];
        let texts = [
            "clean",
            "PIN 7731",
            "pw-KQ81ZR7MVX",
            "kq81zr7mv",
            "551209873",
            "",
            "77",
            "+/=+",
            "x5512098734",
            "at the end 773",
            "at the end 7731",
            "5512098737731",
            "KQ81ZR7MVX and 5512098734 and 7731 in one",
        ];
        for text in texts {
            for n in 0..=secrets.len() {
                assert_eq!(
                    Runs::new(secrets[..n].iter().copied()).may_hold(text.as_bytes()),
                    may_hold_any(&secrets[..n], text.as_bytes()),
                    "{text:?} with {:?}",
                    &secrets[..n]
                );
            }
        }
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
