//! Following orders: watching many at once, reconciling a submission whose
//! answer was lost, and List Ports read one page ahead.

mod support;

#[path = "tracking/listing_prefetch.rs"]
mod listing_prefetch;

#[path = "tracking/reconcile.rs"]
mod reconcile;

#[path = "tracking/watch_many.rs"]
mod watch_many;
