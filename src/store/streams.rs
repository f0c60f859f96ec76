//! Streams with consumer groups in this process's memory, for
//! [`super::MemoryStore`]: the same semantics as Redis Streams
//! (`XADD`/`XREADGROUP`/`XACK`/`XAUTOCLAIM`) within one process.

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::sync::Mutex;
use std::time::Duration;

use tokio::sync::Notify;
use tokio::time::Instant;

use super::{MAX_VALUE_BYTES, StoreError, StreamEntry};

/// Every stream of a memory store, and a signal for blocked readers.
#[derive(Default)]
pub(super) struct MemoryStreams {
    streams: Mutex<HashMap<String, Stream>>,
    appended: Notify,
}

#[derive(Default)]
struct Stream {
    /// Entries by sequence number, oldest first.
    entries: VecDeque<(u64, Vec<u8>)>,
    /// The next entry's sequence number (starts at 1).
    next: u64,
    groups: HashMap<String, Group>,
}

#[derive(Default)]
struct Group {
    /// The last sequence number delivered to the group.
    last_delivered: u64,
    /// Delivered and not acknowledged, by sequence number.
    pending: BTreeMap<u64, Pending>,
}

struct Pending {
    consumer: String,
    delivered_at: Instant,
    deliveries: u64,
}

fn entry_id(seq: u64) -> String {
    format!("0-{seq}")
}

fn parse_id(id: &str) -> Option<u64> {
    id.strip_prefix("0-")?.parse().ok()
}

impl Stream {
    fn payload(&self, seq: u64) -> Option<&Vec<u8>> {
        let first = self.entries.front()?.0;
        let at = usize::try_from(seq.checked_sub(first)?).ok()?;
        self.entries.get(at).map(|(_, p)| p)
    }

    /// Drops pending entries of `group` whose entry was trimmed away.
    fn forget_trimmed(&mut self, group: &str) {
        let first = self.entries.front().map_or(self.next, |(s, _)| *s);
        if let Some(g) = self.groups.get_mut(group) {
            g.pending.retain(|seq, _| *seq >= first);
        }
    }
}

impl MemoryStreams {
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Stream>> {
        self.streams.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub(super) fn len(&self) -> usize {
        self.lock().len()
    }

    pub(super) fn add(
        &self,
        stream: &str,
        payload: &[u8],
        max_len: u64,
    ) -> Result<String, StoreError> {
        if payload.len() > MAX_VALUE_BYTES {
            return Err(StoreError::new(
                "memory",
                format!(
                    "stream_add: a payload of {} bytes is over the {MAX_VALUE_BYTES}-byte bound",
                    payload.len()
                ),
            ));
        }
        let id = {
            let mut streams = self.lock();
            let s = streams.entry(stream.to_owned()).or_default();
            s.next = s.next.max(1);
            let seq = s.next;
            s.next = s.next.saturating_add(1);
            s.entries.push_back((seq, payload.to_vec()));
            let keep = usize::try_from(max_len.max(1)).unwrap_or(usize::MAX);
            while s.entries.len() > keep {
                s.entries.pop_front();
            }
            entry_id(seq)
        };
        self.appended.notify_waiters();
        Ok(id)
    }

    /// One non-blocking read; see [`super::Store::stream_read`].
    fn read_now(
        &self,
        stream: &str,
        group: &str,
        consumer: &str,
        mine: bool,
        count: usize,
    ) -> Vec<StreamEntry> {
        let mut streams = self.lock();
        let s = streams.entry(stream.to_owned()).or_default();
        s.groups.entry(group.to_owned()).or_default();
        s.forget_trimmed(group);
        let now = Instant::now();
        let mut out = Vec::new();
        if mine {
            let seqs: Vec<u64> = s.groups[group]
                .pending
                .iter()
                .filter(|(_, p)| p.consumer == consumer)
                .map(|(seq, _)| *seq)
                .take(count)
                .collect();
            for seq in seqs {
                let Some(payload) = s.payload(seq).cloned() else {
                    continue;
                };
                let g = s.groups.get_mut(group).expect("created above");
                let p = g.pending.get_mut(&seq).expect("listed above");
                p.deliveries = p.deliveries.saturating_add(1);
                p.delivered_at = now;
                out.push(StreamEntry::new(entry_id(seq), payload, p.deliveries));
            }
            return out;
        }
        let last = s.groups[group].last_delivered;
        let fresh: Vec<(u64, Vec<u8>)> = s
            .entries
            .iter()
            .filter(|(seq, _)| *seq > last)
            .take(count)
            .cloned()
            .collect();
        let g = s.groups.get_mut(group).expect("created above");
        for (seq, payload) in fresh {
            g.last_delivered = seq;
            g.pending.insert(
                seq,
                Pending {
                    consumer: consumer.to_owned(),
                    delivered_at: now,
                    deliveries: 1,
                },
            );
            out.push(StreamEntry::new(entry_id(seq), payload, 1));
        }
        out
    }

    pub(super) async fn read(
        &self,
        stream: &str,
        group: &str,
        consumer: &str,
        mine: bool,
        count: usize,
        block: Duration,
    ) -> Vec<StreamEntry> {
        let until = Instant::now().checked_add(block);
        loop {
            let appended = self.appended.notified();
            let out = self.read_now(stream, group, consumer, mine, count);
            if !out.is_empty() || mine || count == 0 {
                return out;
            }
            let Some(until) = until else { return out };
            if Instant::now() >= until {
                return out;
            }
            if tokio::time::timeout_at(until, appended).await.is_err() {
                return self.read_now(stream, group, consumer, mine, count);
            }
        }
    }

    pub(super) fn ack(&self, stream: &str, group: &str, id: &str) -> bool {
        let Some(seq) = parse_id(id) else {
            return false;
        };
        let mut streams = self.lock();
        streams
            .get_mut(stream)
            .and_then(|s| s.groups.get_mut(group))
            .is_some_and(|g| g.pending.remove(&seq).is_some())
    }

    pub(super) fn claim(
        &self,
        stream: &str,
        group: &str,
        consumer: &str,
        min_idle: Duration,
        count: usize,
    ) -> Vec<StreamEntry> {
        let mut streams = self.lock();
        let Some(s) = streams.get_mut(stream) else {
            return Vec::new();
        };
        if !s.groups.contains_key(group) {
            return Vec::new();
        }
        s.forget_trimmed(group);
        let now = Instant::now();
        let idle: Vec<u64> = s.groups[group]
            .pending
            .iter()
            .filter(|(_, p)| now.saturating_duration_since(p.delivered_at) >= min_idle)
            .map(|(seq, _)| *seq)
            .take(count)
            .collect();
        let mut out = Vec::new();
        for seq in idle {
            let Some(payload) = s.payload(seq).cloned() else {
                continue;
            };
            let g = s.groups.get_mut(group).expect("checked above");
            let p = g.pending.get_mut(&seq).expect("listed above");
            p.consumer = consumer.to_owned();
            p.delivered_at = now;
            p.deliveries = p.deliveries.saturating_add(1);
            out.push(StreamEntry::new(entry_id(seq), payload, p.deliveries));
        }
        out
    }

    pub(super) fn stream_len(&self, stream: &str) -> u64 {
        self.lock()
            .get(stream)
            .map_or(0, |s| s.entries.len() as u64)
    }
}
