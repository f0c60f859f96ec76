//! Each input row turned into a [`PortRequest`] of one number, built with the
//! crate's validating constructors; every problem is reported by line and
//! column, and the row is not sent.

mod cellhire;
mod cells;
mod us;

use std::collections::HashMap;
use std::path::Path;

use numport::{Carrier, PhoneNumber, PortRequest};

use crate::columns;
use crate::input::{Problem, RawRow};
use cells::Cells;
use numport::Redactor;

/// A valid row: one number and the request that ports it.
#[derive(Debug, Clone)]
pub struct Row {
    /// The input line the row starts on.
    pub line: u64,
    /// The number, normalised.
    pub number: PhoneNumber,
    /// The request of this one number.
    pub request: PortRequest,
    /// The row's idempotency key ([`idempotency_key`]).
    pub key: String,
}

/// The columns whose values are secrets: masked wherever text is printed.
const SECRET_COLUMNS: &[&str] = &["pac", "pin", "account_number"];

/// Adds the secrets of `row` to `masker`, valid or not.
pub fn learn_secrets(row: &RawRow, masker: &mut Redactor) {
    for column in SECRET_COLUMNS {
        if let Some(value) = row.get(column) {
            masker.add(value);
        }
    }
}

/// True when `row` is for `carrier` (a row without a `carrier` cell is for
/// any), or the problem with its `carrier` cell.
pub fn is_for(row: &RawRow, carrier: Carrier) -> Result<bool, Problem> {
    let Some(named) = row.get("carrier") else {
        return Ok(true);
    };
    let named = match named.to_ascii_lowercase().as_str() {
        "cellhire" => Carrier::Cellhire,
        "apeiron" => Carrier::Apeiron,
        "inumbering" => Carrier::INumbering,
        _ => {
            return Err(Problem::at(
                row.line,
                "carrier",
                "must be cellhire, apeiron or inumbering",
            ));
        }
    };
    Ok(named == carrier)
}

/// How every idempotency key of a row starts.
pub const KEY_PREFIX: &str = "numport-row-";

/// The idempotency key of `row`: [`KEY_PREFIX`] and 32 hex digits, the
/// first half of a SHA-256 over the carrier and every non-empty column of
/// the row but the secret ones (PAC, PIN, account number), by column name
/// (so in any column order), the number normalised to E.164 when it
/// parses. The same row gives the same key on every machine, whatever the
/// file is called, where it lies, on which line the row is, or how its
/// lines end; a row that differs in any other column gets another key.
/// The secrets are left out so that the key, printed in the results file,
/// tells nothing about them (the store's fingerprint of the request covers
/// them). A `scope` (`--key-scope`) is hashed in too: the same row under
/// another scope is another request.
pub fn idempotency_key(row: &RawRow, carrier: Carrier, scope: Option<&str>) -> String {
    use sha2::{Digest, Sha256};
    fn put(hash: &mut Sha256, text: &str) {
        hash.update((text.len() as u64).to_be_bytes());
        hash.update(text.as_bytes());
    }
    let mut hash = Sha256::new();
    put(&mut hash, "numport command line row, version 1");
    put(&mut hash, crate::args::carrier_name(carrier));
    if let Some(scope) = scope {
        put(&mut hash, "--key-scope");
        put(&mut hash, scope);
    }
    for (column, value) in &row.cells {
        let value = value.trim();
        if value.is_empty() || SECRET_COLUMNS.contains(&column.as_str()) {
            continue;
        }
        put(&mut hash, column);
        if column == "number" {
            put(&mut hash, &number_text(row));
        } else {
            put(&mut hash, value);
        }
    }
    let digest = hash.finalize();
    let hex: String = digest[..16].iter().map(|b| format!("{b:02x}")).collect();
    format!("{KEY_PREFIX}{hex}")
}

/// The row's number as the results file records it: normalised when it
/// parses, as written otherwise.
pub fn number_text(row: &RawRow) -> String {
    let written = row.get("number").unwrap_or_default();
    PhoneNumber::parse(written).map_or_else(|_| written.to_owned(), |n| n.e164())
}

/// Builds the request of `row` for `carrier`; `base` is the input file's
/// folder (documents are read relative to it).
pub fn build(
    row: &RawRow,
    carrier: Carrier,
    base: &Path,
    key_scope: Option<&str>,
) -> Result<Row, Vec<Problem>> {
    let mut cells = Cells::new(row);
    let number = cells.number(carrier);
    let built = match carrier {
        Carrier::Cellhire => cellhire::request(&mut cells, number.clone()),
        Carrier::Apeiron => us::apeiron(&mut cells, number.clone(), base),
        _ => us::inumbering(&mut cells, number.clone()),
    };
    let desired = cells.date("desired_date");
    let reference = cells.text("reference");
    let mut problems = cells.into_problems();
    let (Some(number), Some(mut request)) = (number, built) else {
        return Err(problems);
    };
    if let Some(date) = desired {
        request = request.with_desired_date(date);
    }
    if let Some(reference) = reference {
        request = request.with_reference(reference);
    }
    if let Err(e) = request.validate() {
        for f in e.field_errors() {
            problems.push(Problem::at(row.line, column_of(&f.field), &f.problem));
        }
    }
    if problems.is_empty() {
        Ok(Row {
            line: row.line,
            number,
            request,
            key: idempotency_key(row, carrier, key_scope),
        })
    } else {
        Err(problems)
    }
}

/// The input column behind a [`PortRequest`] field path.
fn column_of(field: &str) -> String {
    let field = field.split_once("].").map_or(field, |(_, rest)| rest);
    match field {
        "number" => "number",
        "sim" | "iccid" => "sim",
        "pac" => "pac",
        f if f.starts_with("documents") => "loa/bill",
        other => other,
    }
    .to_owned()
}

/// A problem for every row whose number an earlier row already holds.
pub fn duplicates(rows: &[&RawRow]) -> Vec<Problem> {
    let mut first: HashMap<String, u64> = HashMap::new();
    let mut problems = Vec::new();
    for row in rows {
        let number = number_text(row);
        if number.is_empty() {
            continue;
        }
        match first.get(&number) {
            Some(line) => problems.push(Problem::at(
                row.line,
                "number",
                format!("{number} is also on line {line}: a number is ported once"),
            )),
            None => {
                first.insert(number, row.line);
            }
        }
    }
    problems
}

/// The columns that hold values in `rows` but that `carrier` does not read.
pub fn unused_columns(rows: &[&RawRow], carrier: Carrier) -> Vec<String> {
    let mut unused: Vec<String> = Vec::new();
    for row in rows {
        for column in row.cells.keys() {
            let used = columns::scope(column).is_some_and(|s| s.covers(carrier));
            if !used && column != "carrier" && !unused.contains(column) {
                unused.push(column.clone());
            }
        }
    }
    unused.sort();
    unused
}

#[cfg(test)]
mod tests {
    use super::*;

    fn raw(line: u64, cells: &[(&str, &str)]) -> RawRow {
        RawRow {
            line,
            cells: cells
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect(),
        }
    }

    const ROW: &[(&str, &str)] = &[
        ("number", "+447700900123"),
        ("sim", "89441000301234567891"),
        ("pac", "ABC123456"),
        ("port_name", "Fleet 7"),
    ];

    #[test]
    fn the_key_is_the_row_s_content_without_its_secrets() {
        let key = idempotency_key(&raw(2, ROW), Carrier::Cellhire, None);
        assert!(key.starts_with(KEY_PREFIX), "{key}");
        assert_eq!(key.len(), KEY_PREFIX.len() + 32);
        assert!(numport::IdempotencyKey::new(key.clone()).is_ok());
        // Another line, the number spaced: the same row.
        let moved: Vec<(&str, &str)> = ROW
            .iter()
            .map(|&(k, v)| {
                if k == "number" {
                    (k, "0044 7700 900123")
                } else {
                    (k, v)
                }
            })
            .collect();
        assert_eq!(
            idempotency_key(&raw(9, &moved), Carrier::Cellhire, None),
            key
        );
        // Another secret: the same key (the store's fingerprint tells them apart).
        let mut other_pac = ROW.to_vec();
        other_pac[2] = ("pac", "XYZ654321");
        assert_eq!(
            idempotency_key(&raw(2, &other_pac), Carrier::Cellhire, None),
            key
        );
        // Another carrier, or any other column changed or added: another key.
        assert_ne!(idempotency_key(&raw(2, ROW), Carrier::Apeiron, None), key);
        let mut renamed = ROW.to_vec();
        renamed[3] = ("port_name", "Fleet 8");
        assert_ne!(
            idempotency_key(&raw(2, &renamed), Carrier::Cellhire, None),
            key
        );
        let mut added = ROW.to_vec();
        added.push(("tariff_id", "102344"));
        assert_ne!(
            idempotency_key(&raw(2, &added), Carrier::Cellhire, None),
            key
        );
        // Another scope: another key; the same scope: the same key.
        let scoped = idempotency_key(&raw(2, ROW), Carrier::Cellhire, Some("retry 2"));
        assert_ne!(scoped, key);
        assert_eq!(
            idempotency_key(&raw(5, ROW), Carrier::Cellhire, Some("retry 2")),
            scoped
        );
        assert_ne!(
            idempotency_key(&raw(2, ROW), Carrier::Cellhire, Some("retry 3")),
            scoped
        );
    }
}
