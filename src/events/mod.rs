//! Events: each change of a followed order, on a stream every replica
//! shares (see [`crate::PortEvent`] and [`crate::Events`]).

mod event;
mod stream;

pub use event::{MAX_EVENT_BYTES, PortEvent, STATUS_CHANGED};
pub use stream::{
    DEFAULT_EVENT_STREAM, DEFAULT_EVENT_STREAM_LEN, Delivery, EventConsumer, Events,
    MAX_EVENT_BATCH, MAX_EVENT_STREAM_LEN,
};
