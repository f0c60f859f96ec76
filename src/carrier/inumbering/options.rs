//! iNumbering settings carried by a unified [`crate::PortRequest`].

use serde::{Deserialize, Serialize};

/// What iNumbering needs beyond the common request.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct INumberingOptions {}
