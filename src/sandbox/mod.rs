//! Fake carriers on loopback, for examples and tests (feature `sandbox`).
