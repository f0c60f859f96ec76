//! One adapter per carrier, each implementing [`crate::PortProvider`] and
//! offering the carrier's own operations the trait cannot express.

pub mod apeiron;
pub mod cellhire;
pub mod inumbering;
