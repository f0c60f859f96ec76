//! Reading and checking the whole input file before anything is sent.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use numport::Carrier;

use crate::args::SubmitArgs;
use crate::failure::{CliResult, Failure};
use crate::input::{self, Problem, RawRow};
use crate::journal::{self, Outcome, Record};
use crate::rows::{self, Row};
use numport::Redactor;

/// The input file read and checked.
#[derive(Debug)]
pub struct Prepared {
    /// The input file.
    pub file: PathBuf,
    /// The carrier of this run.
    pub carrier: Carrier,
    /// The rows for this carrier, in file order.
    pub mine: Vec<RawRow>,
    /// How many rows are for other carriers.
    pub others: usize,
    /// The rows that may be sent (checked, with no problem).
    pub valid: Vec<Row>,
    /// Every problem found, in the order found.
    pub problems: Vec<Problem>,
    /// `--key-scope`, hashed into every row's idempotency key.
    pub key_scope: Option<String>,
    /// How many problems were already printed.
    reported: usize,
}

/// Reads `args.file`, keeps this carrier's rows, checks them against the
/// results file being resumed (`previous`) and builds every row that may
/// be sent.
pub fn prepare(
    args: &SubmitArgs,
    carrier: Carrier,
    previous: &[Record],
    masker: &mut Redactor,
) -> CliResult<Prepared> {
    let (raw, mut problems) = input::read(&args.file, args.format)?;
    let mut mine = Vec::new();
    let mut others = 0;
    for row in raw {
        rows::learn_secrets(&row, masker);
        match rows::is_for(&row, carrier) {
            Ok(true) => mine.push(row),
            Ok(false) => others += 1,
            Err(problem) => problems.push(problem),
        }
    }
    if mine.is_empty() && problems.is_empty() {
        return Err(Failure::usage(format!(
            "{} holds no rows for {carrier}",
            args.file.display()
        )));
    }
    let unused = rows::unused_columns(&mine.iter().collect::<Vec<_>>(), carrier);
    if !unused.is_empty() {
        eprintln!(
            "numport: {carrier} does not read these columns; their values are ignored: {}",
            unused.join(", ")
        );
    }
    let last = journal::latest(previous);
    check_same_input(&last, &mine, carrier, args)?;
    let settled: BTreeSet<u64> = last
        .values()
        .filter(|r| matches!(r.outcome, Outcome::Submitted | Outcome::ManualCheck))
        .map(|r| r.row)
        .collect();
    let base = args
        .file
        .parent()
        .map_or_else(|| Path::new(".").to_owned(), Path::to_owned);
    let mut valid = Vec::new();
    for row in mine.iter().filter(|r| !settled.contains(&r.line)) {
        match rows::build(row, carrier, &base, args.key_scope.as_deref()) {
            Ok(built) => valid.push(built),
            Err(found) => problems.extend(found),
        }
    }
    problems.extend(
        rows::duplicates(&mine.iter().collect::<Vec<_>>())
            .into_iter()
            .filter(|p| !settled.contains(&p.line)),
    );
    let mut prepared = Prepared {
        file: args.file.clone(),
        carrier,
        mine,
        others,
        valid,
        problems: Vec::new(),
        key_scope: args.key_scope.clone(),
        reported: 0,
    };
    prepared.add_problems(problems);
    Ok(prepared)
}

/// A results file being resumed must be of this carrier and this input:
/// each of its rows that may hold an order (submitted, pending, unknown,
/// manual check) holds the same number on the same line. Rows that failed
/// or were invalid created nothing, and may have been corrected since.
fn check_same_input(
    last: &BTreeMap<u64, &Record>,
    mine: &[RawRow],
    carrier: Carrier,
    args: &SubmitArgs,
) -> CliResult<()> {
    let name = crate::args::carrier_name(carrier);
    let results = args.resume.as_deref().unwrap_or(Path::new("")).display();
    for record in last.values() {
        if record.carrier != name {
            return Err(Failure::usage(format!(
                "{results} records {} rows, not {name}: resume it with --carrier {}",
                record.carrier, record.carrier
            )));
        }
        if super::sendable(Some(record.outcome)) {
            continue;
        }
        let row = mine.iter().find(|r| r.line == record.row);
        let number = row.map(rows::number_text);
        if number.as_deref() != Some(record.number.as_str()) {
            return Err(Failure::usage(format!(
                "{results} row {} is {} but line {} of {} holds {}: the input changed since \
                 the results were written",
                record.row,
                record.number,
                record.row,
                args.file.display(),
                number.unwrap_or_else(|| format!("no {name} row"))
            )));
        }
    }
    Ok(())
}

impl Prepared {
    /// Records `problems`; their rows are not sent.
    pub fn add_problems(&mut self, problems: Vec<Problem>) {
        let lines: BTreeSet<u64> = problems.iter().map(|p| p.line).collect();
        self.valid.retain(|r| !lines.contains(&r.line));
        self.problems.extend(problems);
    }

    /// Prints the problems not printed yet; ends the run (exit 2, nothing
    /// sent) when there are any, unless `--skip-invalid`.
    pub fn refuse_or_skip(&mut self, args: &SubmitArgs, masker: &Redactor) -> CliResult<()> {
        if self.problems.len() == self.reported {
            return Ok(());
        }
        let mut new: Vec<&Problem> = self.problems[self.reported..].iter().collect();
        new.sort_by_key(|p| p.line);
        for problem in new {
            eprintln!(
                "{}: {}",
                self.file.display(),
                masker.redact(&problem.to_string())
            );
        }
        self.reported = self.problems.len();
        let bad: BTreeSet<u64> = self.problems.iter().map(|p| p.line).collect();
        if args.skip_invalid {
            eprintln!(
                "numport: {} invalid rows are skipped (--skip-invalid)",
                bad.len()
            );
            return Ok(());
        }
        Err(Failure::usage(format!(
            "{} of {} rows are invalid; nothing was sent (fix them, or pass --skip-invalid \
             to send the valid rows)",
            bad.len(),
            self.mine.len().max(bad.len())
        )))
    }

    /// An `invalid` record for each row with problems, unless the results
    /// file says more about it: a row whose outcome is unknown keeps its
    /// `pending` or `unknown` record (an `invalid` one would let a later run
    /// send it again without asking the carrier first).
    pub fn invalid_records(
        &self,
        carrier: Carrier,
        previous: &[Record],
        masker: &Redactor,
    ) -> Vec<Record> {
        let last = journal::latest(previous);
        let mut by_line: BTreeMap<u64, Vec<String>> = BTreeMap::new();
        for problem in &self.problems {
            if !super::sendable(last.get(&problem.line).map(|r| r.outcome)) {
                continue;
            }
            let text = match &problem.column {
                Some(column) => format!("{column}: {}", problem.message),
                None => problem.message.clone(),
            };
            by_line.entry(problem.line).or_default().push(text);
        }
        by_line
            .into_iter()
            .map(|(line, texts)| {
                let raw = self.mine.iter().find(|r| r.line == line);
                let number = raw.map(rows::number_text).unwrap_or_default();
                let error = masker.redact(&texts.join("; "));
                let mut record =
                    super::records::plain(line, number, carrier, Outcome::Invalid, Some(error));
                record.idempotency_key =
                    raw.map(|r| rows::idempotency_key(r, carrier, self.key_scope.as_deref()));
                record
            })
            .collect()
    }
}
