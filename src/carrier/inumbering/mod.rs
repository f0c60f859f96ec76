//! iNumbering (VoiceTel): US LNP port-in with a mandatory portability pre-check.

mod options;

pub use options::INumberingOptions;
