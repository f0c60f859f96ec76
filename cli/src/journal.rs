//! The results file of `submit`: an append-only journal, one record a line,
//! written and flushed record by record, the last record of a row winning.

use std::collections::BTreeMap;
use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::args::FileFormat;
use crate::failure::{CliResult, Failure};
use crate::input::format_of;

/// What became of a row.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// About to be sent (written before the request can leave).
    Pending,
    /// The carrier holds an order for it (`order_id`).
    Submitted,
    /// Refused, or never sent: nothing was created; may be sent again.
    Failed,
    /// The carrier may have created the order: reconcile before resending.
    Unknown,
    /// Unknown, and numport cannot tell (the carrier cannot be asked, or its
    /// answer does not name the row): never resent by numport.
    ManualCheck,
    /// The row is invalid and was not sent (`--skip-invalid`).
    Invalid,
}

impl Outcome {
    /// The name written in the file.
    pub fn name(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Submitted => "submitted",
            Self::Failed => "failed",
            Self::Unknown => "unknown",
            Self::ManualCheck => "manual_check",
            Self::Invalid => "invalid",
        }
    }
}

/// How the note of a record written after asking the carrier starts.
pub const RECONCILED: &str = "reconciled:";

/// How the note of an iNumbering admin order not linked to its status
/// record starts (the record's `order_id` is then the `orderId`, which
/// the status summary never names: such an order cannot be followed).
pub const UNLINKED: &str = "iNumbering orderId not linked to a status record:";

/// One line of the results file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Record {
    /// The input line the row starts on.
    pub row: u64,
    /// The number (E.164 when it parsed).
    pub number: String,
    /// What became of it.
    pub outcome: Outcome,
    /// The order(s) holding it, joined by `;`.
    pub order_id: Option<String>,
    /// The carrier's own status, when known.
    pub carrier_status: Option<String>,
    /// What went wrong (masked).
    pub error: Option<String>,
    /// How the record came about (reconciled, never sent, ...).
    pub note: Option<String>,
    /// cellhire, apeiron or inumbering.
    pub carrier: String,
    /// When the request was (about to be) sent: what `reconcile` is asked about.
    pub attempted_at: Option<DateTime<Utc>>,
    /// When this record was written.
    pub recorded_at: DateTime<Utc>,
    /// The row's idempotency key: the same on every machine for the same
    /// row (see `rows::idempotency_key`). Absent from results files written
    /// before keys existed.
    #[serde(default)]
    pub idempotency_key: Option<String>,
}

/// A record as results files without the key column hold it.
#[derive(Serialize)]
struct Legacy<'a> {
    row: u64,
    number: &'a str,
    outcome: Outcome,
    order_id: &'a Option<String>,
    carrier_status: &'a Option<String>,
    error: &'a Option<String>,
    note: &'a Option<String>,
    carrier: &'a str,
    attempted_at: &'a Option<DateTime<Utc>>,
    recorded_at: &'a DateTime<Utc>,
}

impl<'a> Legacy<'a> {
    fn of(r: &'a Record) -> Self {
        Self {
            row: r.row,
            number: &r.number,
            outcome: r.outcome,
            order_id: &r.order_id,
            carrier_status: &r.carrier_status,
            error: &r.error,
            note: &r.note,
            carrier: &r.carrier,
            attempted_at: &r.attempted_at,
            recorded_at: &r.recorded_at,
        }
    }
}

impl Record {
    /// True for an iNumbering admin order not linked to its status record.
    pub fn is_unlinked(&self) -> bool {
        self.note
            .as_deref()
            .is_some_and(|n| n.starts_with(UNLINKED))
    }

    /// The order ids of a `submitted` record.
    pub fn order_ids(&self) -> Vec<String> {
        self.order_id
            .as_deref()
            .unwrap_or_default()
            .split(';')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .collect()
    }
}

/// One line of text: a record is always one line of the file.
pub fn one_line(text: &str) -> String {
    text.split(['\r', '\n'])
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

const CSV_HEADER: &str = "row,number,outcome,order_id,carrier_status,error,note,carrier,\
                          attempted_at,recorded_at,idempotency_key";

/// The header of results files written before keys existed: resumed
/// without the key column.
const LEGACY_CSV_HEADER: &str =
    "row,number,outcome,order_id,carrier_status,error,note,carrier,attempted_at,recorded_at";

/// The results file, open for appending.
#[derive(Debug)]
pub struct Journal {
    file: File,
    format: FileFormat,
    path: PathBuf,
    /// A CSV file without the key column: its records are written without.
    legacy: bool,
}

impl Journal {
    /// Refuses a results file that already holds records (before anything
    /// is checked or sent, so that the refusal comes first).
    pub fn check_new(path: &Path) -> CliResult<()> {
        let holds_records = std::fs::metadata(path).is_ok_and(|m| m.len() > 0)
            && parse(path, None).map_or(true, |parsed| !parsed.records.is_empty());
        if holds_records {
            return Err(Failure::usage(format!(
                "{} already holds records: continue that run with --resume {}, or choose another file",
                path.display(),
                path.display()
            )));
        }
        Ok(())
    }

    /// Creates the results file (an existing one without records is reused).
    pub fn create(path: &Path, format: Option<FileFormat>) -> CliResult<Self> {
        Self::check_new(path)?;
        let format = format_of(path, format);
        let file = open(path)?;
        file.set_len(0).map_err(|e| io_failure(path, &e))?;
        let mut journal = Self {
            file,
            format,
            path: path.to_owned(),
            legacy: false,
        };
        if format == FileFormat::Csv {
            journal.write(format!("{CSV_HEADER}\n").as_bytes())?;
        }
        Ok(journal)
    }

    /// Opens an existing results file to continue it: its records, oldest
    /// first. A last line cut short by a crash is dropped from the file.
    pub fn resume(path: &Path, format: Option<FileFormat>) -> CliResult<(Self, Vec<Record>)> {
        let Parsed {
            format,
            records,
            keep,
            legacy,
        } = parse(path, format)?;
        let file = open(path)?;
        let len = file.metadata().map_err(|e| io_failure(path, &e))?.len();
        if keep < len {
            eprintln!(
                "numport: {}: dropping a last record cut short by an interruption",
                path.display()
            );
            file.set_len(keep).map_err(|e| io_failure(path, &e))?;
        }
        let mut journal = Self {
            file,
            format,
            path: path.to_owned(),
            legacy: legacy && keep > 0,
        };
        if format == FileFormat::Csv && keep == 0 {
            journal.write(format!("{CSV_HEADER}\n").as_bytes())?;
        }
        Ok((journal, records))
    }

    /// Reads a results file without opening it for writing.
    pub fn read(path: &Path) -> CliResult<Vec<Record>> {
        Ok(parse(path, None)?.records)
    }

    /// Appends `records`, each with its own write, then flushes them to disk.
    pub fn append(&mut self, records: &[Record]) -> CliResult<()> {
        for record in records {
            let line = encode(record, self.format, self.legacy)
                .map_err(|e| Failure::usage(format!("cannot encode a record: {e}")))?;
            self.write(&line)?;
        }
        self.file
            .sync_data()
            .map_err(|e| io_failure(&self.path, &e))
    }

    fn write(&mut self, bytes: &[u8]) -> CliResult<()> {
        self.file
            .write_all(bytes)
            .map_err(|e| io_failure(&self.path, &e))
    }
}

fn open(path: &Path) -> CliResult<File> {
    OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .map_err(|e| io_failure(path, &e))
}

fn io_failure(path: &Path, e: &std::io::Error) -> Failure {
    Failure::usage(format!("results file {}: {e}", path.display()))
}

fn encode(record: &Record, format: FileFormat, legacy: bool) -> Result<Vec<u8>, String> {
    match format {
        FileFormat::Jsonl => {
            let mut line = serde_json::to_vec(record).map_err(|e| e.to_string())?;
            line.push(b'\n');
            Ok(line)
        }
        FileFormat::Csv => {
            let mut writer = csv::WriterBuilder::new()
                .has_headers(false)
                .from_writer(Vec::new());
            if legacy {
                writer.serialize(Legacy::of(record))
            } else {
                writer.serialize(record)
            }
            .map_err(|e| e.to_string())?;
            writer.into_inner().map_err(|e| e.to_string())
        }
    }
}

/// A results file read.
struct Parsed {
    format: FileFormat,
    records: Vec<Record>,
    /// How many bytes of the file hold whole lines.
    keep: u64,
    /// A CSV file whose header has no key column.
    legacy: bool,
}

/// The format, the records, how many bytes of the file hold whole lines,
/// and whether it is a CSV file without the key column.
fn parse(path: &Path, format: Option<FileFormat>) -> CliResult<Parsed> {
    let bytes = std::fs::read(path).map_err(|e| io_failure(path, &e))?;
    let text = String::from_utf8(bytes)
        .map_err(|_| Failure::usage(format!("{} is not a numport results file", path.display())))?;
    let keep = text.rfind('\n').map_or(0, |i| i + 1);
    let whole = &text[..keep];
    let format = format.unwrap_or_else(|| match whole.trim_start().chars().next() {
        Some('{') => FileFormat::Jsonl,
        Some(_) => FileFormat::Csv,
        None => format_of(path, None),
    });
    let not_ours = |line: usize, why: String| {
        Failure::usage(format!(
            "{} line {line} is not a numport results record: {why}",
            path.display()
        ))
    };
    let mut records = Vec::new();
    let mut legacy = false;
    match format {
        FileFormat::Jsonl => {
            for (i, line) in whole.lines().enumerate() {
                if line.trim().is_empty() {
                    continue;
                }
                let record =
                    serde_json::from_str(line).map_err(|e| not_ours(i + 1, e.to_string()))?;
                records.push(record);
            }
        }
        FileFormat::Csv => {
            let mut reader = csv::Reader::from_reader(whole.as_bytes());
            if !whole.is_empty() {
                let header = reader
                    .headers()
                    .map_err(|e| not_ours(1, e.to_string()))?
                    .iter()
                    .collect::<Vec<_>>()
                    .join(",");
                legacy = header == LEGACY_CSV_HEADER;
                if header != CSV_HEADER && !legacy {
                    return Err(not_ours(1, "unexpected header".to_owned()));
                }
            }
            for (i, record) in reader.deserialize().enumerate() {
                records.push(record.map_err(|e| not_ours(i + 2, e.to_string()))?);
            }
        }
    }
    Ok(Parsed {
        format,
        records,
        keep: keep as u64,
        legacy,
    })
}

/// The last record of each row, by row.
pub fn latest(records: &[Record]) -> BTreeMap<u64, &Record> {
    let mut last = BTreeMap::new();
    for record in records {
        last.insert(record.row, record);
    }
    last
}
