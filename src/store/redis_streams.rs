//! The stream operations of [`RedisStore`]: Redis Streams with consumer
//! groups (`XADD … MAXLEN ~`, `XREADGROUP`, `XACK`, `XAUTOCLAIM`).
//!
//! Reads never block on the server: the store's connection is shared by
//! every call of the process, and a blocking `XREADGROUP` would hold it.
//! A read that may wait polls instead, every [`Store::poll_interval`] (at
//! least [`MIN_STREAM_POLL`]).

use std::time::Duration;

use redis::{RedisError, Value};
use tokio::time::Instant;

use super::redis::RedisStore;
use super::{Store, StoreError, StreamEntry, check_index_names};

/// The shortest pause between two polls of a waiting read.
const MIN_STREAM_POLL: Duration = Duration::from_millis(50);

/// The field every entry's payload is kept under.
const FIELD: &str = "p";

fn is_nogroup(e: &RedisError) -> bool {
    e.code() == Some("NOGROUP") || e.to_string().contains("NOGROUP")
}

fn bad_reply(op: &str) -> StoreError {
    RedisStore::error(op, "unexpected reply from Redis")
}

fn text(value: &Value) -> Option<String> {
    match value {
        Value::BulkString(bytes) => String::from_utf8(bytes.clone()).ok(),
        Value::SimpleString(s) => Some(s.clone()),
        _ => None,
    }
}

fn items(value: Value) -> Option<Vec<Value>> {
    match value {
        Value::Array(items) | Value::Set(items) => Some(items),
        Value::Nil => Some(Vec::new()),
        _ => None,
    }
}

/// An entry as read: its id, and its payload unless it was trimmed away.
type Read = (String, Option<Vec<u8>>);

/// `[[id, [field, value, …]] | [id, nil], …]` as `(id, payload)`; an
/// entry trimmed away (nil fields) has no payload.
fn entries(op: &str, value: Value) -> Result<Vec<Read>, StoreError> {
    let mut out = Vec::new();
    for entry in items(value).ok_or_else(|| bad_reply(op))? {
        let mut parts = items(entry).ok_or_else(|| bad_reply(op))?.into_iter();
        let id = parts
            .next()
            .as_ref()
            .and_then(text)
            .ok_or_else(|| bad_reply(op))?;
        let fields = match parts.next() {
            None | Some(Value::Nil) => None,
            Some(fields) => Some(items(fields).ok_or_else(|| bad_reply(op))?),
        };
        let payload = match fields {
            None => None,
            Some(fields) => {
                let mut payload = None;
                let mut it = fields.into_iter();
                while let (Some(name), Some(value)) = (it.next(), it.next()) {
                    if text(&name).as_deref() == Some(FIELD)
                        && let Value::BulkString(bytes) = value
                    {
                        payload = Some(bytes);
                    }
                }
                Some(payload.ok_or_else(|| bad_reply(op))?)
            }
        };
        out.push((id, payload));
    }
    Ok(out)
}

impl RedisStore {
    pub(super) async fn xadd(
        &self,
        stream: &str,
        payload: &[u8],
        max_len: u64,
    ) -> Result<String, StoreError> {
        check_index_names(self.name(), "stream_add", stream, None)?;
        let sealed = self.sealed("stream_add", stream, payload)?;
        let sealed = sealed.as_slice();
        let max_len = max_len.max(1);
        self.run("stream_add", |mut c| async move {
            redis::cmd("XADD")
                .arg(stream)
                .arg("MAXLEN")
                .arg("~")
                .arg(max_len)
                .arg("*")
                .arg(FIELD)
                .arg(sealed)
                .query_async::<String>(&mut c)
                .await
        })
        .await
    }

    async fn create_group(&self, stream: &str, group: &str) -> Result<(), StoreError> {
        self.run("stream_read", |mut c| async move {
            let answer = redis::cmd("XGROUP")
                .arg("CREATE")
                .arg(stream)
                .arg(group)
                .arg("0")
                .arg("MKSTREAM")
                .query_async::<()>(&mut c)
                .await;
            match answer {
                Err(e) if e.code() == Some("BUSYGROUP") => Ok(()),
                other => other,
            }
        })
        .await
    }

    /// Runs a group command, creating the group (at the stream's start)
    /// when Redis says it does not exist, and running it once more.
    async fn in_group(
        &self,
        op: &'static str,
        stream: &str,
        group: &str,
        cmd: &redis::Cmd,
    ) -> Result<Value, StoreError> {
        for _ in 0..2 {
            // A missing group is an answer to act on, not a failure.
            let answer = self
                .run(op, |mut c| async move {
                    match cmd.query_async::<Value>(&mut c).await {
                        Err(e) if is_nogroup(&e) => Ok(None),
                        other => other.map(Some),
                    }
                })
                .await?;
            match answer {
                Some(value) => return Ok(value),
                None => self.create_group(stream, group).await?,
            }
        }
        Err(Self::error(op, "the consumer group could not be created"))
    }

    /// `(id, deliveries)` of what `consumer` holds pending (or the ids in
    /// `only`), at most `count`.
    async fn pending_of(
        &self,
        op: &'static str,
        stream: &str,
        group: &str,
        consumer: &str,
        count: usize,
    ) -> Result<Vec<(String, u64)>, StoreError> {
        let mut cmd = redis::cmd("XPENDING");
        cmd.arg(stream)
            .arg(group)
            .arg("-")
            .arg("+")
            .arg(count)
            .arg(consumer);
        let value = self.in_group(op, stream, group, &cmd).await?;
        let mut out = Vec::new();
        for row in items(value).ok_or_else(|| bad_reply(op))? {
            let row = items(row).ok_or_else(|| bad_reply(op))?;
            let (Some(id), Some(Value::Int(n))) = (row.first().and_then(text), row.get(3)) else {
                return Err(bad_reply(op));
            };
            out.push((id, u64::try_from(*n).unwrap_or(0)));
        }
        Ok(out)
    }

    /// Opens what was read; trimmed entries are acknowledged and left out.
    async fn opened_entries(
        &self,
        op: &'static str,
        stream: &str,
        group: &str,
        read: Vec<Read>,
        deliveries: impl Fn(&str) -> u64,
    ) -> Result<Vec<StreamEntry>, StoreError> {
        let mut out = Vec::with_capacity(read.len());
        for (id, payload) in read {
            match payload {
                Some(stored) => {
                    let payload = self.opened(op, stream, stored)?;
                    let n = deliveries(&id);
                    out.push(StreamEntry::new(id, payload, n));
                }
                None => {
                    self.xack(stream, group, &id).await?;
                }
            }
        }
        Ok(out)
    }

    async fn read_fresh(
        &self,
        stream: &str,
        group: &str,
        consumer: &str,
        count: usize,
    ) -> Result<Vec<StreamEntry>, StoreError> {
        let op = "stream_read";
        let mut cmd = redis::cmd("XREADGROUP");
        cmd.arg("GROUP")
            .arg(group)
            .arg(consumer)
            .arg("COUNT")
            .arg(count)
            .arg("STREAMS")
            .arg(stream)
            .arg(">");
        let value = self.in_group(op, stream, group, &cmd).await?;
        let mut read = Vec::new();
        for per_stream in items(value).ok_or_else(|| bad_reply(op))? {
            let mut parts = items(per_stream).ok_or_else(|| bad_reply(op))?.into_iter();
            let _name = parts.next();
            let listed = parts.next().ok_or_else(|| bad_reply(op))?;
            read.extend(entries(op, listed)?);
        }
        self.opened_entries(op, stream, group, read, |_| 1).await
    }

    /// What `consumer` holds pending, claimed again by it (one more
    /// delivery each).
    async fn read_mine(
        &self,
        stream: &str,
        group: &str,
        consumer: &str,
        count: usize,
    ) -> Result<Vec<StreamEntry>, StoreError> {
        let op = "stream_read";
        let pending = self.pending_of(op, stream, group, consumer, count).await?;
        if pending.is_empty() {
            return Ok(Vec::new());
        }
        let mut cmd = redis::cmd("XCLAIM");
        cmd.arg(stream).arg(group).arg(consumer).arg(0);
        for (id, _) in &pending {
            cmd.arg(id);
        }
        let value = self.in_group(op, stream, group, &cmd).await?;
        let read = entries(op, value)?;
        let claimed: Vec<&String> = read.iter().map(|(id, _)| id).collect();
        // Entries trimmed away leave the pending list with XCLAIM (Redis
        // 7); acknowledge any listed but not answered as well.
        for (id, _) in &pending {
            if !claimed.contains(&id) {
                self.xack(stream, group, id).await?;
            }
        }
        let counts = pending;
        self.opened_entries(op, stream, group, read, |id| {
            counts
                .iter()
                .find(|(p, _)| p == id)
                .map_or(1, |(_, n)| n.saturating_add(1))
        })
        .await
    }

    pub(super) async fn xreadgroup(
        &self,
        stream: &str,
        group: &str,
        consumer: &str,
        mine: bool,
        count: usize,
        block: Duration,
    ) -> Result<Vec<StreamEntry>, StoreError> {
        check_index_names(self.name(), "stream_read", stream, Some(group))?;
        check_index_names(self.name(), "stream_read", stream, Some(consumer))?;
        if count == 0 {
            return Ok(Vec::new());
        }
        if mine {
            return self.read_mine(stream, group, consumer, count).await;
        }
        let until = Instant::now().checked_add(block);
        let pause = self.poll_interval().max(MIN_STREAM_POLL);
        loop {
            let read = self.read_fresh(stream, group, consumer, count).await?;
            if !read.is_empty() {
                return Ok(read);
            }
            let Some(until) = until else {
                return Ok(read);
            };
            let left = until.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return Ok(read);
            }
            tokio::time::sleep(pause.min(left)).await;
        }
    }

    pub(super) async fn xack(
        &self,
        stream: &str,
        group: &str,
        id: &str,
    ) -> Result<bool, StoreError> {
        check_index_names(self.name(), "stream_ack", stream, Some(group))?;
        let acked: i64 = self
            .run("stream_ack", |mut c| async move {
                redis::cmd("XACK")
                    .arg(stream)
                    .arg(group)
                    .arg(id)
                    .query_async(&mut c)
                    .await
            })
            .await?;
        Ok(acked > 0)
    }

    pub(super) async fn xautoclaim(
        &self,
        stream: &str,
        group: &str,
        consumer: &str,
        min_idle: Duration,
        count: usize,
    ) -> Result<Vec<StreamEntry>, StoreError> {
        check_index_names(self.name(), "stream_claim", stream, Some(group))?;
        check_index_names(self.name(), "stream_claim", stream, Some(consumer))?;
        if count == 0 {
            return Ok(Vec::new());
        }
        let op = "stream_claim";
        let idle = u64::try_from(min_idle.as_millis()).unwrap_or(u64::MAX);
        let mut cmd = redis::cmd("XAUTOCLAIM");
        cmd.arg(stream)
            .arg(group)
            .arg(consumer)
            .arg(idle)
            .arg("0-0")
            .arg("COUNT")
            .arg(count);
        let value = self.in_group(op, stream, group, &cmd).await?;
        let mut parts = items(value).ok_or_else(|| bad_reply(op))?.into_iter();
        let _next = parts.next();
        let read = entries(op, parts.next().ok_or_else(|| bad_reply(op))?)?;
        if read.is_empty() {
            return Ok(Vec::new());
        }
        let counts = self
            .pending_of(
                op,
                stream,
                group,
                consumer,
                count.saturating_add(read.len()),
            )
            .await?;
        self.opened_entries(op, stream, group, read, |id| {
            counts
                .iter()
                .find(|(p, _)| p == id)
                .map_or(1, |(_, n)| (*n).max(1))
        })
        .await
    }

    pub(super) async fn xlen(&self, stream: &str) -> Result<u64, StoreError> {
        check_index_names(self.name(), "stream_len", stream, None)?;
        let n: u64 = self
            .run("stream_len", |mut c| async move {
                redis::cmd("XLEN").arg(stream).query_async(&mut c).await
            })
            .await?;
        Ok(n)
    }
}
