//! Reading a success body as JSON, with an error that says what arrived.

use serde::de::DeserializeOwned;

use crate::error::{Error, Result};
use crate::operation::{Carrier, Operation};

/// Parses `body` as `T`. The error describes the body's shape (empty, an HTML
/// page, where the JSON broke) but never quotes it, since a carrier's answer
/// can echo a PAC or an account number.
pub(crate) fn json<T: DeserializeOwned>(
    carrier: Carrier,
    operation: Operation,
    body: &[u8],
) -> Result<T> {
    serde_json::from_slice(body).map_err(|e| Error::Decode {
        carrier,
        operation,
        message: describe(&e, body),
    })
}

fn describe(e: &serde_json::Error, body: &[u8]) -> String {
    let text = String::from_utf8_lossy(body);
    let trimmed = text.trim_start();
    if trimmed.is_empty() {
        return "the body is empty where JSON was expected".into();
    }
    if trimmed.starts_with('<') {
        return "the body is an HTML or XML page where JSON was expected".into();
    }
    let kind = match e.classify() {
        serde_json::error::Category::Io => "I/O",
        serde_json::error::Category::Syntax => "malformed JSON",
        serde_json::error::Category::Data => "JSON of an unexpected shape",
        serde_json::error::Category::Eof => "truncated JSON",
    };
    format!(
        "{kind} at line {} column {} ({} bytes)",
        e.line(),
        e.column(),
        body.len()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_describe_without_quoting() {
        let e = json::<u32>(Carrier::Cellhire, Operation::Order, b"").unwrap_err();
        assert_eq!(
            e.to_string(),
            "Cellhire: could not read the answer to order: the body is empty where JSON was expected"
        );
        let e = json::<u32>(Carrier::Cellhire, Operation::Order, b"<html>oops</html>").unwrap_err();
        assert!(
            e.to_string()
                .ends_with("an HTML or XML page where JSON was expected")
        );
        let e = json::<u32>(Carrier::Cellhire, Operation::Order, br#""SECRETPAC1""#).unwrap_err();
        assert!(!e.to_string().contains("SECRETPAC1"), "{e}");
        assert!(e.to_string().contains("unexpected shape"));
        let e =
            json::<serde_json::Value>(Carrier::Cellhire, Operation::Order, b"{\"a\":").unwrap_err();
        assert!(e.to_string().contains("truncated JSON"));
    }
}
