//! The sleep between retries, injectable for tests.

use std::fmt;
use std::time::Duration;

use futures::future::BoxFuture;

/// Waits between retry attempts. The default is [`TokioSleep`]; a test can
/// inject one that records the delays and returns at once.
pub trait Sleep: Send + Sync + fmt::Debug {
    /// A future that completes after `duration`.
    fn sleep(&self, duration: Duration) -> BoxFuture<'static, ()>;
}

/// Sleeps on the tokio timer (so `tokio::time::pause` applies to it).
#[derive(Debug, Clone, Copy, Default)]
pub struct TokioSleep;

impl Sleep for TokioSleep {
    fn sleep(&self, duration: Duration) -> BoxFuture<'static, ()> {
        Box::pin(tokio::time::sleep(duration))
    }
}
