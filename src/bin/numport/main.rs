//! The `numport` command line.

fn main() {}
