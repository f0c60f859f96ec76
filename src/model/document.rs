//! Documents attached to a port request: a Letter of Authorization, a bill.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::error::FieldError;

/// What a document is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum DocumentKind {
    /// A signed Letter of Authorization.
    LetterOfAuthorization,
    /// A recent bill from the losing carrier.
    Bill,
}

/// A file sent with a port request.
///
/// `Debug` shows the name, media type and size, never the bytes.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Document {
    /// What the document is.
    pub kind: DocumentKind,
    /// The file name sent with it, such as `loa.pdf`.
    pub file_name: String,
    /// Its media type, such as `application/pdf` or `image/png`.
    pub media_type: String,
    /// The file's contents.
    pub bytes: Vec<u8>,
}

/// Media types carriers accept for port documents.
pub const ACCEPTED_MEDIA_TYPES: &[&str] = &[
    "application/pdf",
    "image/png",
    "image/jpeg",
    "image/gif",
    "image/tiff",
];

impl Document {
    /// A document; see [`Document::validate`] for the rules.
    pub fn new(
        kind: DocumentKind,
        file_name: impl Into<String>,
        media_type: impl Into<String>,
        bytes: impl Into<Vec<u8>>,
    ) -> Self {
        Self {
            kind,
            file_name: file_name.into(),
            media_type: media_type.into(),
            bytes: bytes.into(),
        }
    }

    /// Checks the document is non-empty, named, and a PDF or image.
    ///
    /// The file name is sent in a multipart `Content-Disposition` header, so it
    /// must be a plain name: not empty or blank, at most 255 bytes of UTF-8
    /// (the limit of common file systems), not `.` or `..`, and free of path
    /// separators (`/`, `\`) and control characters (line breaks, NUL, tab,
    /// DEL and the C1 range). Anything else, quotes and non-ASCII letters
    /// included, is kept as written; it is sent as an RFC 7578 quoted string.
    pub fn validate(&self) -> Result<(), FieldError> {
        if self.bytes.is_empty() {
            return Err(FieldError::new("bytes", "is empty"));
        }
        check_file_name(&self.file_name)?;
        if !ACCEPTED_MEDIA_TYPES.contains(&self.media_type.as_str()) {
            return Err(FieldError::new(
                "media_type",
                format!("must be one of {}", ACCEPTED_MEDIA_TYPES.join(", ")),
            ));
        }
        Ok(())
    }
}

/// The longest file name a [`Document`] may have, in bytes (UTF-8).
const MAX_FILE_NAME_BYTES: usize = 255;

fn check_file_name(name: &str) -> Result<(), FieldError> {
    const FIELD: &str = "file_name";
    if name.trim().is_empty() {
        return Err(FieldError::new(FIELD, "is empty"));
    }
    if let Some(c) = name.chars().find(|c| c.is_control()) {
        return Err(FieldError::new(
            FIELD,
            format!("holds the control character {c:?}"),
        ));
    }
    if let Some(c) = name.chars().find(|c| matches!(c, '/' | '\\')) {
        return Err(FieldError::new(
            FIELD,
            format!("holds the path separator {c:?}; give the file's name only"),
        ));
    }
    if matches!(name, "." | "..") {
        return Err(FieldError::new(FIELD, "is not a file name"));
    }
    if name.len() > MAX_FILE_NAME_BYTES {
        return Err(FieldError::new(
            FIELD,
            format!("is longer than {MAX_FILE_NAME_BYTES} bytes"),
        ));
    }
    Ok(())
}

impl fmt::Debug for Document {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Document")
            .field("kind", &self.kind)
            .field("file_name", &self.file_name)
            .field("media_type", &self.media_type)
            .field("len", &self.bytes.len())
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn named(name: &str) -> Result<(), FieldError> {
        Document::new(
            DocumentKind::LetterOfAuthorization,
            name,
            "application/pdf",
            b"%PDF-1.4".to_vec(),
        )
        .validate()
    }

    #[test]
    fn plain_names_pass_as_written() {
        for name in [
            "loa.pdf",
            "LOA - Jane Roe (signed).pdf",
            "Jane \"JJ\" Roe; LOA.pdf",
            "facture-électricité.pdf",
            "bill",
            ".hidden.png",
            "a..b.pdf",
        ] {
            assert_eq!(named(name), Ok(()), "{name}");
        }
        assert_eq!(named(&"a".repeat(MAX_FILE_NAME_BYTES)), Ok(()));
    }

    #[test]
    fn unsafe_names_are_refused() {
        for (name, problem) in [
            ("", "is empty"),
            ("   ", "is empty"),
            (
                "loa.pdf\r\nX-Injected: 1",
                "holds the control character '\\r'",
            ),
            ("loa\n.pdf", "holds the control character '\\n'"),
            ("loa\0.pdf", "holds the control character '\\0'"),
            ("loa\t.pdf", "holds the control character '\\t'"),
            ("loa\u{7f}.pdf", "holds the control character '\\u{7f}'"),
            ("loa\u{85}.pdf", "holds the control character '\\u{85}'"),
            (
                "docs/loa.pdf",
                "holds the path separator '/'; give the file's name only",
            ),
            (
                "C:\\docs\\loa.pdf",
                "holds the path separator '\\\\'; give the file's name only",
            ),
            ("..", "is not a file name"),
            (".", "is not a file name"),
        ] {
            assert_eq!(
                named(name),
                Err(FieldError::new("file_name", problem)),
                "{name:?}"
            );
        }
        assert_eq!(
            named(&"é".repeat(128)),
            Err(FieldError::new("file_name", "is longer than 255 bytes"))
        );
    }
}
