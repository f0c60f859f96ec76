//! What is printed: secrets masked out of free text, tables, JSON, and
//! standard output itself, which may be closed early (`numport orders |
//! head`): a closed pipe ends the printing quietly, never the command.

use std::io::Write;
use std::sync::atomic::{AtomicBool, Ordering};

use serde::Serialize;

/// Set once standard output was found closed (a broken pipe).
static STDOUT_CLOSED: AtomicBool = AtomicBool::new(false);

/// Writes `text` to standard output and flushes it. A closed pipe (the
/// reader went away, as `head` does) is not an error: nothing more is
/// printed, and the command ends as it would have; see
/// [`stdout_closed`]. Any other write error is reported once on stderr.
pub fn write_out(text: &str) {
    if STDOUT_CLOSED.load(Ordering::Relaxed) {
        return;
    }
    let mut out = std::io::stdout().lock();
    if let Err(e) = out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        STDOUT_CLOSED.store(true, Ordering::Relaxed);
        if e.kind() != std::io::ErrorKind::BrokenPipe {
            eprintln!("numport: cannot write to standard output: {e}");
        }
    }
}

/// True once standard output was found closed: a command that only
/// prints (such as `watch`) may stop.
pub fn stdout_closed() -> bool {
    STDOUT_CLOSED.load(Ordering::Relaxed)
}

/// `print!` that survives a closed standard output.
macro_rules! out {
    ($($arg:tt)*) => {
        $crate::output::write_out(&format!($($arg)*))
    };
}

/// `println!` that survives a closed standard output.
macro_rules! outln {
    () => {
        $crate::output::write_out("\n")
    };
    ($($arg:tt)*) => {{
        let mut text = format!($($arg)*);
        text.push('\n');
        $crate::output::write_out(&text)
    }};
}

pub(crate) use {out, outln};

/// What a masked secret is shown as.
pub const MASK: &str = "[REDACTED]";

/// The shortest value masked: shorter ones would blank out ordinary text.
const MIN_SECRET: usize = 3;

/// Removes known secrets from free text before it is printed.
///
/// It knows the secrets of the environment (tokens, passwords), of the
/// input file (PACs, PINs, account numbers) and of the command line, and
/// masks them ignoring ASCII case; it also masks any word shaped like a PAC
/// or RIO (8 to 12 characters mixing letters and digits), since carriers
/// echo PACs in their messages. It is applied to free text only (errors, carrier messages);
/// structured values (numbers, order ids, statuses) are printed as they are.
#[derive(Debug, Default, Clone)]
pub struct Masker {
    /// Lower-cased, longest first.
    secrets: Vec<String>,
}

impl Masker {
    /// Adds a secret (values shorter than three characters are ignored).
    pub fn add(&mut self, secret: &str) {
        let secret = secret.trim().to_ascii_lowercase();
        if secret.len() < MIN_SECRET || self.secrets.contains(&secret) {
            return;
        }
        let at = self.secrets.partition_point(|s| s.len() >= secret.len());
        self.secrets.insert(at, secret);
    }

    /// `text` with every known secret and PAC-shaped word masked.
    pub fn mask(&self, text: &str) -> String {
        let mut out = mask_pac_shapes(text);
        for secret in &self.secrets {
            if let Some(replaced) = replace_ignoring_case(&out, secret) {
                out = replaced;
            }
        }
        out
    }

    /// [`Masker::mask`] of an optional text.
    pub fn mask_opt(&self, text: Option<&str>) -> Option<String> {
        text.map(|t| self.mask(t))
    }
}

/// `text` with each occurrence of `needle` (lower-case) replaced, ignoring
/// ASCII case; `None` when there is none. ASCII lower-casing keeps byte
/// offsets, so offsets found in the lower-cased copy are valid in `text`.
fn replace_ignoring_case(text: &str, needle: &str) -> Option<String> {
    let lower = text.to_ascii_lowercase();
    let first = lower.find(needle)?;
    let mut out = String::with_capacity(text.len());
    out.push_str(&text[..first]);
    out.push_str(MASK);
    let mut at = first + needle.len();
    while let Some(pos) = lower[at..].find(needle) {
        out.push_str(&text[at..at + pos]);
        out.push_str(MASK);
        at += pos + needle.len();
    }
    out.push_str(&text[at..]);
    Some(out)
}

/// True for a word shaped like a PAC or a RIO: 8 to 12 ASCII letters and
/// digits, with at least one of each (`ABC123456`, `PAC12345`,
/// `84E046866KO2`).
fn pac_shaped(word: &[u8]) -> bool {
    (8..=12).contains(&word.len())
        && word.iter().all(u8::is_ascii_alphanumeric)
        && word.iter().any(u8::is_ascii_alphabetic)
        && word.iter().any(u8::is_ascii_digit)
}

/// Masks each PAC-shaped word. Words run over letters, digits, `-` and `_`,
/// so that ids such as GUIDs stay whole and are never mistaken for PACs.
fn mask_pac_shapes(text: &str) -> String {
    let in_word = |b: u8| b.is_ascii_alphanumeric() || b == b'-' || b == b'_';
    let bytes = text.as_bytes();
    let mut out = String::with_capacity(text.len());
    let mut start = 0;
    while start < bytes.len() {
        if !in_word(bytes[start]) {
            // Copy the separator whole (it may be a multi-byte character).
            let ch = text[start..].chars().next().unwrap_or(' ');
            out.push(ch);
            start += ch.len_utf8();
            continue;
        }
        let end = bytes[start..]
            .iter()
            .position(|b| !in_word(*b))
            .map_or(bytes.len(), |n| start + n);
        if pac_shaped(&bytes[start..end]) {
            out.push_str(MASK);
        } else {
            out.push_str(&text[start..end]);
        }
        start = end;
    }
    out
}

/// Columns aligned with two spaces between them, a header first.
pub fn table(headers: &[&str], rows: &[Vec<String>]) -> String {
    let mut widths: Vec<usize> = headers.iter().map(|h| h.chars().count()).collect();
    for row in rows {
        for (i, cell) in row.iter().enumerate() {
            if let Some(w) = widths.get_mut(i) {
                *w = (*w).max(cell.chars().count());
            }
        }
    }
    let line = |cells: Vec<&str>| {
        let mut text = String::new();
        for (i, cell) in cells.iter().enumerate() {
            if i + 1 == cells.len() {
                text.push_str(cell);
            } else {
                let pad = widths[i].saturating_sub(cell.chars().count());
                text.push_str(cell);
                text.push_str(&" ".repeat(pad + 2));
            }
        }
        text.trim_end().to_owned()
    };
    let mut out = line(headers.to_vec());
    out.push('\n');
    for row in rows {
        out.push_str(&line(row.iter().map(String::as_str).collect()));
        out.push('\n');
    }
    out
}

/// Prints `value` as one line of JSON on standard output.
pub fn json_line<T: Serialize>(value: &T) {
    match serde_json::to_string(value) {
        Ok(text) => outln!("{text}"),
        Err(e) => eprintln!("numport: could not write JSON: {e}"),
    }
}

/// Prints `value` as pretty JSON on standard output.
pub fn json<T: Serialize>(value: &T) {
    match serde_json::to_string_pretty(value) {
        Ok(text) => outln!("{text}"),
        Err(e) => eprintln!("numport: could not write JSON: {e}"),
    }
}

/// `-` for an absent value.
pub fn or_dash(value: Option<impl ToString>) -> String {
    value.map_or_else(|| "-".to_owned(), |v| v.to_string())
}

/// The unified status as the command line writes it (`action_required`).
pub fn status_name<T: Serialize>(status: &T) -> String {
    match serde_json::to_value(status) {
        Ok(serde_json::Value::String(s)) => s,
        _ => "unknown".to_owned(),
    }
}
