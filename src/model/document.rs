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
    pub fn validate(&self) -> Result<(), FieldError> {
        if self.bytes.is_empty() {
            return Err(FieldError::new("bytes", "is empty"));
        }
        if self.file_name.trim().is_empty() || self.file_name.contains(['/', '\\', '"']) {
            return Err(FieldError::new(
                "file_name",
                "must be a plain, non-empty file name",
            ));
        }
        if !ACCEPTED_MEDIA_TYPES.contains(&self.media_type.as_str()) {
            return Err(FieldError::new(
                "media_type",
                format!("must be one of {}", ACCEPTED_MEDIA_TYPES.join(", ")),
            ));
        }
        Ok(())
    }
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
