//! Reading a port-request file (CSV or JSON lines) into rows of named cells,
//! each with the line it starts on.

use std::collections::BTreeMap;
use std::fmt;
use std::path::Path;

use crate::args::FileFormat;
use crate::columns;
use crate::failure::{CliResult, Failure};

/// One row as written: its line and its non-empty cells, trimmed.
#[derive(Debug, Clone)]
pub struct RawRow {
    /// The line of the file the row starts on (1-based).
    pub line: u64,
    /// Column name → value.
    pub cells: BTreeMap<String, String>,
}

impl RawRow {
    /// The value of `column`, when present.
    pub fn get(&self, column: &str) -> Option<&str> {
        self.cells.get(column).map(String::as_str)
    }
}

/// One problem with one row (or the whole file when `line` is 0).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// The line the row starts on.
    pub line: u64,
    /// The column, when the problem is with one.
    pub column: Option<String>,
    /// What is wrong.
    pub message: String,
}

impl Problem {
    /// A problem with `column` of the row on `line`.
    pub fn at(line: u64, column: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            line,
            column: Some(column.into()),
            message: message.into(),
        }
    }

    /// A problem with the row on `line` as a whole.
    pub fn row(line: u64, message: impl Into<String>) -> Self {
        Self {
            line,
            column: None,
            message: message.into(),
        }
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.column {
            Some(column) => write!(f, "line {}: {column}: {}", self.line, self.message),
            None => write!(f, "line {}: {}", self.line, self.message),
        }
    }
}

/// The format of `path`: `format` when given, else by extension
/// (`.jsonl`, `.ndjson`, `.json`: JSON lines; anything else CSV).
pub fn format_of(path: &Path, format: Option<FileFormat>) -> FileFormat {
    format.unwrap_or_else(|| {
        match path
            .extension()
            .and_then(|e| e.to_str())
            .map(str::to_ascii_lowercase)
            .as_deref()
        {
            Some("jsonl" | "ndjson" | "json") => FileFormat::Jsonl,
            _ => FileFormat::Csv,
        }
    })
}

/// Reads every row of `path`. A file that cannot be read at all is a
/// [`Failure`]; problems with single rows are returned beside the rows.
pub fn read(path: &Path, format: Option<FileFormat>) -> CliResult<(Vec<RawRow>, Vec<Problem>)> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| Failure::usage(format!("cannot read {}: {e}", path.display())))?;
    let (rows, problems) = match format_of(path, format) {
        FileFormat::Csv => read_csv(&text)?,
        FileFormat::Jsonl => read_jsonl(&text),
    };
    if rows.is_empty() && problems.is_empty() {
        return Err(Failure::usage(format!(
            "{} holds no port requests",
            path.display()
        )));
    }
    Ok((rows, problems))
}

fn read_csv(text: &str) -> CliResult<(Vec<RawRow>, Vec<Problem>)> {
    let mut reader = csv::ReaderBuilder::new()
        .comment(Some(b'#'))
        .trim(csv::Trim::All)
        .from_reader(text.as_bytes());
    let headers: Vec<String> = reader
        .headers()
        .map_err(|e| Failure::usage(format!("cannot read the header row: {e}")))?
        .iter()
        .map(|h| h.trim().to_ascii_lowercase())
        .collect();
    check_headers(&headers)?;
    let mut lines = LineCounter::new(text);
    let mut rows = Vec::new();
    let mut problems = Vec::new();
    for record in reader.records() {
        match record {
            Ok(record) => {
                let line = record.position().map_or(0, |p| lines.line_at(p.byte()));
                let cells = headers
                    .iter()
                    .zip(record.iter())
                    .filter(|(_, v)| !v.is_empty())
                    .map(|(h, v)| (h.clone(), v.to_owned()))
                    .collect();
                rows.push(RawRow { line, cells });
            }
            Err(e) => {
                let line = e.position().map_or(0, |p| lines.line_at(p.byte()));
                let message = match e.kind() {
                    csv::ErrorKind::UnequalLengths {
                        expected_len, len, ..
                    } => format!("has {len} cells where the header has {expected_len}"),
                    _ => "is not valid CSV".to_owned(),
                };
                problems.push(Problem::row(line, message));
            }
        }
    }
    Ok((rows, problems))
}

/// The line a record starts on, from its byte offset.
///
/// The csv reader's own line count is one short after a CRLF line end (it
/// starts the next record on the `\n` of `\r\n` before counting it), so
/// lines are counted here: the record starts at its first byte that is not
/// a line end, on the line after every `\n` before that byte. Offsets only
/// grow, so each byte is looked at once.
struct LineCounter<'a> {
    text: &'a [u8],
    /// Bytes counted so far, and the line at that offset.
    offset: usize,
    line: u64,
}

impl<'a> LineCounter<'a> {
    fn new(text: &'a str) -> Self {
        Self {
            text: text.as_bytes(),
            offset: 0,
            line: 1,
        }
    }

    /// The line of the first byte at or after `byte` that is not `\r` or
    /// `\n`.
    fn line_at(&mut self, byte: u64) -> u64 {
        let mut at = usize::try_from(byte)
            .unwrap_or(usize::MAX)
            .min(self.text.len());
        while at < self.text.len() && matches!(self.text[at], b'\r' | b'\n') {
            at += 1;
        }
        if at < self.offset {
            // Never expected: offsets come in order. Count from the start.
            self.offset = 0;
            self.line = 1;
        }
        let newlines = self.text[self.offset..at]
            .iter()
            .filter(|b| **b == b'\n')
            .count();
        self.line = self.line.saturating_add(newlines as u64);
        self.offset = at;
        self.line
    }
}

/// Unknown or repeated column names end the run: they are typos that
/// would silently drop data.
fn check_headers(headers: &[String]) -> CliResult<()> {
    let mut wrong = Vec::new();
    for (i, h) in headers.iter().enumerate() {
        if columns::scope(h).is_none() {
            wrong.push(format!("unknown column {h:?}"));
        } else if headers[..i].contains(h) {
            wrong.push(format!("column {h:?} appears twice"));
        }
    }
    if !headers.iter().any(|h| h == "number") {
        wrong.push("no \"number\" column".to_owned());
    }
    if wrong.is_empty() {
        Ok(())
    } else {
        Err(Failure::usage(format!(
            "the header row is not usable: {} (see `numport submit --help` for the columns)",
            wrong.join("; ")
        )))
    }
}

fn read_jsonl(text: &str) -> (Vec<RawRow>, Vec<Problem>) {
    let mut rows = Vec::new();
    let mut problems = Vec::new();
    for (i, line_text) in text.lines().enumerate() {
        let line = i as u64 + 1;
        let trimmed = line_text.trim();
        if trimmed.is_empty() || trimmed.starts_with('#') {
            continue;
        }
        let object = match serde_json::from_str::<serde_json::Value>(trimmed) {
            Ok(serde_json::Value::Object(object)) => object,
            Ok(_) => {
                problems.push(Problem::row(line, "is not a JSON object"));
                continue;
            }
            Err(e) => {
                // The parser's message names the position, never the text.
                problems.push(Problem::row(line, format!("is not valid JSON ({e})")));
                continue;
            }
        };
        let mut cells = BTreeMap::new();
        for (key, value) in object {
            let key = key.trim().to_ascii_lowercase();
            if columns::scope(&key).is_none() {
                problems.push(Problem::at(line, key, "is not a known column"));
                continue;
            }
            match cell(&value) {
                Some(text) if text.is_empty() => {}
                Some(text) => {
                    cells.insert(key, text);
                }
                None => problems.push(Problem::at(
                    line,
                    key,
                    "must be a string, number, boolean, or a list of them",
                )),
            }
        }
        rows.push(RawRow { line, cells });
    }
    (rows, problems)
}

/// A JSON value as a cell: scalars as text, a list joined with `;`.
fn cell(value: &serde_json::Value) -> Option<String> {
    use serde_json::Value;
    match value {
        Value::Null => Some(String::new()),
        Value::String(s) => Some(s.trim().to_owned()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        Value::Array(items) => {
            let parts: Option<Vec<String>> = items
                .iter()
                .map(|v| match v {
                    Value::Array(_) | Value::Object(_) => None,
                    other => cell(other),
                })
                .collect();
            parts.map(|p| p.join(";"))
        }
        Value::Object(_) => None,
    }
}
