//! Reading typed values out of a row's cells, collecting every problem.

use chrono::NaiveDate;
use numport::{Carrier, FieldError, PhoneNumber};

use crate::input::{Problem, RawRow};

/// A row being read, and the problems found so far.
pub struct Cells<'a> {
    row: &'a RawRow,
    problems: Vec<Problem>,
}

impl<'a> Cells<'a> {
    pub fn new(row: &'a RawRow) -> Self {
        Self {
            row,
            problems: Vec::new(),
        }
    }

    /// Records a problem with `column`.
    pub fn problem(&mut self, column: &str, message: impl Into<String>) {
        self.problems
            .push(Problem::at(self.row.line, column, message));
    }

    /// The problems found.
    pub fn into_problems(self) -> Vec<Problem> {
        self.problems
    }

    /// The text of `column`, when present.
    pub fn text(&self, column: &str) -> Option<String> {
        self.row.get(column).map(str::to_owned)
    }

    /// True when `column` holds a value.
    pub fn has(&self, column: &str) -> bool {
        self.row.get(column).is_some()
    }

    /// The text of `column`, or a problem saying why it is needed.
    pub fn required(&mut self, column: &str, why: &str) -> Option<String> {
        let value = self.text(column);
        if value.is_none() {
            self.problem(column, format!("is missing: {why}"));
        }
        value
    }

    /// `column` read by a crate constructor; its problem when it refuses.
    pub fn parsed<T>(
        &mut self,
        column: &str,
        parse: impl FnOnce(&str) -> Result<T, FieldError>,
    ) -> Option<T> {
        let value = self.row.get(column)?;
        match parse(value) {
            Ok(v) => Some(v),
            Err(e) => {
                self.problem(column, e.problem);
                None
            }
        }
    }

    /// A whole number.
    pub fn int(&mut self, column: &str) -> Option<i64> {
        let value = self.row.get(column)?;
        match value.parse() {
            Ok(n) => Some(n),
            Err(_) => {
                self.problem(column, format!("{value:?} is not a whole number"));
                None
            }
        }
    }

    /// A required whole number.
    pub fn required_int(&mut self, column: &str, why: &str) -> Option<i64> {
        if !self.has(column) {
            self.problem(column, format!("is missing: {why}"));
            return None;
        }
        self.int(column)
    }

    /// `true`/`false` (also yes/no, 1/0).
    pub fn bool(&mut self, column: &str) -> Option<bool> {
        let value = self.row.get(column)?;
        match value.to_ascii_lowercase().as_str() {
            "true" | "yes" | "y" | "1" => Some(true),
            "false" | "no" | "n" | "0" => Some(false),
            _ => {
                self.problem(column, format!("{value:?} is not true or false"));
                None
            }
        }
    }

    /// A `YYYY-MM-DD` date.
    pub fn date(&mut self, column: &str) -> Option<NaiveDate> {
        let value = self.row.get(column)?;
        match NaiveDate::parse_from_str(value, "%Y-%m-%d") {
            Ok(d) => Some(d),
            Err(_) => {
                self.problem(column, format!("{value:?} is not a date (YYYY-MM-DD)"));
                None
            }
        }
    }

    /// The row's number; US carriers take 10-digit NANP numbers only.
    pub fn number(&mut self, carrier: Carrier) -> Option<PhoneNumber> {
        if !self.has("number") {
            self.problem("number", "is missing");
            return None;
        }
        let number = self.parsed("number", PhoneNumber::parse)?;
        if carrier != Carrier::Cellhire && !number.is_nanp() {
            self.problem(
                "number",
                format!("{number} is not a NANP (+1) number: {carrier} ports US numbers"),
            );
            return None;
        }
        Some(number)
    }

    /// A text of at most `max` characters, when present.
    pub fn short_text(&mut self, column: &str, max: usize) -> Option<String> {
        let value = self.text(column)?;
        if value.chars().count() > max {
            self.problem(column, format!("is longer than {max} characters"));
            return None;
        }
        Some(value)
    }
}
