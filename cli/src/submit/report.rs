//! The end of a submission: how many rows came to what, and the rows that
//! need attention.

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;

use super::prepare::Prepared;
use crate::args::{SubmitArgs, carrier_name};
use crate::journal::{self, Outcome, Record};
use numport::Redactor;

use crate::output;
use crate::output::{out, outln};
use crate::rows;

/// Every row of this carrier and its last record.
#[derive(Debug, Serialize)]
pub struct Summary {
    /// The input file.
    file: String,
    /// The carrier.
    carrier: &'static str,
    /// The results file.
    results: String,
    /// True when Ctrl-C stopped the run.
    interrupted: bool,
    /// Rows left out because they are for other carriers.
    other_carriers: usize,
    /// Rows by outcome (`not_sent`: no record yet).
    counts: BTreeMap<String, usize>,
    /// The last record of each row (rows not sent yet have none).
    rows: Vec<Record>,
    /// Rows not sent yet: their lines.
    not_sent: Vec<u64>,
}

impl Summary {
    /// The summary of `prepared`'s rows after `all` records.
    pub fn new(prepared: &Prepared, all: &[Record], interrupted: bool, args: &SubmitArgs) -> Self {
        let last = journal::latest(all);
        let mut lines: BTreeSet<u64> = prepared.mine.iter().map(|r| r.line).collect();
        lines.extend(prepared.problems.iter().map(|p| p.line));
        let mut counts: BTreeMap<String, usize> = BTreeMap::new();
        let mut rows_out = Vec::new();
        let mut not_sent = Vec::new();
        for line in lines {
            match last.get(&line) {
                Some(record) => {
                    *counts.entry(record.outcome.name().to_owned()).or_default() += 1;
                    rows_out.push((*record).clone());
                }
                None => {
                    *counts.entry("not_sent".to_owned()).or_default() += 1;
                    not_sent.push(line);
                }
            }
        }
        let results = args.resume.as_ref().or(args.out.as_ref());
        Self {
            file: prepared.file.display().to_string(),
            carrier: carrier_name(prepared.carrier),
            results: results.map(|p| p.display().to_string()).unwrap_or_default(),
            interrupted,
            other_carriers: prepared.others,
            counts,
            rows: rows_out,
            not_sent,
        }
    }

    /// True when every row's last record is `submitted`.
    pub fn all_submitted(&self) -> bool {
        self.not_sent.is_empty() && self.rows.iter().all(|r| r.outcome == Outcome::Submitted)
    }

    /// Prints the summary: JSON, or a table of counts and of the rows that
    /// need attention.
    pub fn print(&self, prepared: &Prepared, json: bool, masker: &Redactor) {
        if json {
            output::json(self);
            return;
        }
        let total = self.rows.len() + self.not_sent.len();
        let mut text = format!("{total} {} rows in {}", prepared.carrier, self.file);
        if self.other_carriers > 0 {
            text.push_str(&format!(
                " ({} rows for other carriers left out)",
                self.other_carriers
            ));
        }
        outln!("{text}; results in {}", self.results);
        let counts: Vec<Vec<String>> = self
            .counts
            .iter()
            .map(|(k, v)| vec![k.clone(), v.to_string()])
            .collect();
        out!("{}", output::table(&["outcome", "rows"], &counts));
        let attention: Vec<Vec<String>> = self
            .rows
            .iter()
            .filter(|r| r.outcome != Outcome::Submitted)
            .map(|r| {
                vec![
                    r.row.to_string(),
                    r.number.clone(),
                    r.outcome.name().to_owned(),
                    masker.redact(r.error.as_deref().unwrap_or("-")),
                ]
            })
            .collect();
        if !attention.is_empty() {
            outln!("\nRows that need attention:");
            out!(
                "{}",
                output::table(&["row", "number", "outcome", "error"], &attention)
            );
        }
        if !self.not_sent.is_empty() {
            let numbers: Vec<String> = self
                .not_sent
                .iter()
                .filter_map(|line| prepared.mine.iter().find(|r| r.line == *line))
                .map(rows::number_text)
                .collect();
            outln!(
                "\n{} rows not sent yet ({}); continue with: numport submit {} --carrier {} --resume {}",
                self.not_sent.len(),
                abbreviate(&numbers),
                self.file,
                self.carrier,
                self.results
            );
        }
    }
}

/// The first few items, then how many more.
fn abbreviate(items: &[String]) -> String {
    const SHOWN: usize = 3;
    let mut text = items
        .iter()
        .take(SHOWN)
        .cloned()
        .collect::<Vec<_>>()
        .join(", ");
    if items.len() > SHOWN {
        text.push_str(&format!(" and {} more", items.len() - SHOWN));
    }
    text
}
