//! `RedisStore`: the state of every replica kept in one Redis.

use std::fmt;
use std::future::Future;
use std::sync::Mutex;
use std::time::Duration;

use async_trait::async_trait;
use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use redis::{Client, RedisError, RedisResult, Script, Value};
use tokio::time::Instant;

use super::seal::{Sealer, SealingKey};
use super::{
    Budget, Claim, Hold, LockToken, MAX_INDEX_MEMBERS, MAX_VALUE_BYTES, Store, StoreError,
    StreamEntry, check_index_names, check_size,
};

const NAME: &str = "redis";

const DEFAULT_TIMEOUT: Duration = Duration::from_millis(500);
const DEFAULT_LOCK_TTL: Duration = Duration::from_secs(10);
const DEFAULT_POLL_INTERVAL: Duration = Duration::from_millis(25);

/// The shortest setting accepted.
const MIN_SETTING: Duration = Duration::from_millis(1);
const MAX_TIMEOUT: Duration = Duration::from_secs(60);
const MAX_LOCK_TTL: Duration = Duration::from_secs(24 * 3600);
const MAX_POLL_INTERVAL: Duration = Duration::from_secs(60);

/// After Redis could not be reached, calls fail at once for this long
/// before one tries to connect again.
const RECONNECT_AFTER: Duration = Duration::from_millis(250);

/// The longest lifetime written (a century): beyond it Redis refuses the
/// expiry as out of range.
const MAX_TTL_MS: u64 = 100 * 365 * 24 * 3600 * 1000;

/// Deletes `KEYS[1]` if it holds `ARGV[1]` (unsealed `remove_if`, and
/// `unlock`): 1 when deleted, else 0.
const COMPARE_AND_DELETE: &str = r"
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
";

/// Deletes `KEYS[1]` if it holds a sealed value (`np1`, then a 32-byte tag)
/// whose tag is `ARGV[1]` (sealed `remove_if`): 1 when deleted, else 0.
const COMPARE_TAG_AND_DELETE: &str = r"
local v = redis.call('GET', KEYS[1])
if v and string.sub(v, 1, 3) == 'np1' and string.sub(v, 4, 35) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
";

/// A sliding-window budget in the sorted set `KEYS[1]`, scored by Redis's
/// own clock in microseconds. `ARGV`: limit, window (ms), a unique member.
/// Returns `{1, remaining}` when one use was recorded, `{0, frees_in_ms}`
/// when the window's uses are spent (nothing recorded).
const TAKE_BUDGET: &str = r"
if redis.replicate_commands then redis.replicate_commands() end
local limit = tonumber(ARGV[1])
local window = tonumber(ARGV[2]) * 1000
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
local used = redis.call('ZCARD', KEYS[1])
if used >= limit then
  local oldest = redis.call('ZRANGE', KEYS[1], used - limit, used - limit, 'WITHSCORES')
  local frees = math.ceil((tonumber(oldest[2]) + window - now) / 1000)
  if frees < 0 then frees = 0 end
  return {0, frees}
end
redis.call('ZADD', KEYS[1], now, ARGV[3])
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return {1, limit - used - 1}
";

/// A claim is a hash at `KEYS[1]`: `v` the value, `o` the holder's token,
/// `l` when its lease ends in ms on Redis's own clock (`0`: settled).
/// `ARGV`: value, token, lease (ms), lifetime (ms, at least the lease).
/// Returns `{kind, value}`: `new` (stored), `taken` (lease had run out: the
/// caller holds it now, `value` is the one kept), `leased` or `settled`
/// (nothing changed).
const CLAIM: &str = r"
if redis.replicate_commands then redis.replicate_commands() end
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local e = redis.call('HMGET', KEYS[1], 'v', 'l')
if not e[1] then
  redis.call('DEL', KEYS[1])
  redis.call('HSET', KEYS[1], 'v', ARGV[1], 'o', ARGV[2], 'l', now + tonumber(ARGV[3]))
  redis.call('PEXPIRE', KEYS[1], ARGV[4])
  return {'new', ''}
end
local l = tonumber(e[2]) or 0
if l == 0 then return {'settled', e[1]} end
if l > now then return {'leased', e[1]} end
redis.call('HSET', KEYS[1], 'o', ARGV[2], 'l', now + tonumber(ARGV[3]))
if redis.call('PTTL', KEYS[1]) < tonumber(ARGV[4]) then
  redis.call('PEXPIRE', KEYS[1], ARGV[4])
end
return {'taken', e[1]}
";

/// Replaces the value of the claim `KEYS[1]` if the token `ARGV[1]` holds
/// it. `ARGV`: token, value, lifetime (ms), lease (ms from now, or `-1`:
/// settled). Returns 1 when recorded, else 0.
const RECORD: &str = r"
if redis.replicate_commands then redis.replicate_commands() end
if redis.call('HGET', KEYS[1], 'o') ~= ARGV[1] then return 0 end
local l = 0
if tonumber(ARGV[4]) >= 0 then
  local t = redis.call('TIME')
  l = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000) + tonumber(ARGV[4])
end
redis.call('HSET', KEYS[1], 'v', ARGV[2], 'l', l)
redis.call('PEXPIRE', KEYS[1], ARGV[3])
return 1
";

/// Deletes the claim `KEYS[1]` if the token `ARGV[1]` holds it: 1 when
/// deleted, else 0.
const RELEASE: &str = r"
if redis.call('HGET', KEYS[1], 'o') == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
";

/// An index is a sorted set at `KEYS[1]` whose members are scored by when
/// they expire (ms on Redis's own clock), each member's value a plain key
/// `KEYS[2]` living as long. `ARGV`: member, value, lifetime (ms), most
/// members, guard (`any`; `absent`: only when `KEYS[2]` does not exist;
/// `value`: only when `KEYS[2]` holds exactly `ARGV[6]`). Answers 2 when
/// the guard fails (nothing written); drops expired members, refuses a new
/// member into a full index (0), else writes both and makes the set live
/// as long as its longest-lived member (1).
const INDEX_PUT: &str = r"
if redis.replicate_commands then redis.replicate_commands() end
if ARGV[5] == 'absent' then
  if redis.call('EXISTS', KEYS[2]) == 1 then return 2 end
elseif ARGV[5] == 'value' then
  if redis.call('GET', KEYS[2]) ~= ARGV[6] then return 2 end
end
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local ttl = tonumber(ARGV[3])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
if not redis.call('ZSCORE', KEYS[1], ARGV[1]) then
  if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[4]) then return 0 end
end
redis.call('SET', KEYS[2], ARGV[2], 'PX', ttl)
redis.call('ZADD', KEYS[1], now + ttl, ARGV[1])
local last = redis.call('ZRANGE', KEYS[1], -1, -1, 'WITHSCORES')
local keep = tonumber(last[2]) - now
if keep < 1 then keep = 1 end
redis.call('PEXPIRE', KEYS[1], keep)
return 1
";

/// Removes the member `ARGV[1]` from the index `KEYS[1]` and deletes its
/// value `KEYS[2]`: 1 when it was there, else 0.
const INDEX_REMOVE: &str = r"
local listed = redis.call('ZREM', KEYS[1], ARGV[1])
local held = redis.call('DEL', KEYS[2])
if listed > 0 and held > 0 then return 1 end
return 0
";

/// At most `ARGV[1]` live members of the index `KEYS[1]` with their values
/// (the value of member `m` is at `ARGV[2] .. m`), as a flat list `{m1, v1,
/// m2, v2, ...}`. Drops expired members, and members whose value is gone.
const INDEX_LIST: &str = r"
if redis.replicate_commands then redis.replicate_commands() end
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
local want = tonumber(ARGV[1])
local out = {}
local n = 0
local offset = 0
while n < want do
  local ms = redis.call('ZRANGEBYSCORE', KEYS[1], '(' .. now, '+inf', 'LIMIT', offset, want - n)
  if #ms == 0 then break end
  for _, m in ipairs(ms) do
    local v = redis.call('GET', ARGV[2] .. m)
    if v then
      out[#out + 1] = m
      out[#out + 1] = v
      n = n + 1
      offset = offset + 1
    else
      redis.call('ZREM', KEYS[1], m)
    end
  end
end
return out
";

/// What [`INDEX_PUT`] checks before writing.
enum Guard {
    /// Nothing: write.
    Any,
    /// The member's value key does not exist.
    Absent,
    /// The member's value key holds exactly these (stored, sealed) bytes.
    Value(Vec<u8>),
}

/// The Redis key holding the value of `member` of `index`.
fn member_prefix(index: &str) -> String {
    format!("{index}:member:")
}

/// A [`Store`] in Redis, shared by every replica that connects to it
/// (feature `redis`).
///
/// Values are plain `SET … PX` entries; [`remove_if`](Store::remove_if),
/// [`unlock`](Store::unlock) and [`take_budget`](Store::take_budget) are
/// Lua scripts (atomic in Redis); locks are `SET … NX PX`; budgets are
/// sorted sets scored by Redis's own clock, so replicas whose clocks
/// disagree still count one window. Claims ([`Store::claim`]) are hashes
/// (value, holder's token, end of the lease on Redis's clock) changed only
/// by Lua scripts, with a lifetime on every one. An index
/// ([`Store::index_put`]) is a sorted set at the index's name, scored by
/// each member's expiry on Redis's clock, and one `SET … PX` key per member
/// (`<index>:member:<member>`) holding its value; Lua scripts write, remove
/// and list them together and drop expired members, and the set lives as
/// long as its longest-lived member.
///
/// The store connects on first use, not when built, so building never fails
/// because Redis is down. Every call returns within the
/// [`timeout`](RedisStoreBuilder::timeout) whatever Redis does; after Redis
/// could not be reached, calls fail at once for a quarter of a second, then
/// one connects again. A call that timed out may still take effect once a
/// stalled Redis catches up (a lock then held by nobody expires with its
/// lifetime).
///
/// # Sealing
///
/// Given a [`SealingKey`], the store seals every value it writes with
/// XChaCha20-Poly1305 (see [`SealingKey`] for the format), bound to the
/// Redis key it is stored under: whoever reads Redis (a backup, a replica,
/// `MONITOR`) sees no credential. Every replica needs the same key. A value
/// that does not open reads as absent (and is fetched again), with a
/// `tracing` warning. Keys themselves never hold a secret.
///
/// ```no_run
/// use std::sync::Arc;
/// use std::time::Duration;
///
/// use numport::store::{RedisStore, SealingKey, Store};
///
/// # fn main() -> Result<(), numport::Error> {
/// // 32 random bytes, as standard base64 (`openssl rand -base64 32`).
/// let key = SealingKey::from_base64("q83vEjRWeJCrze8SNFZ4kKvN7xI0VniQq83vEjRWeJA=")?;
/// let store: Arc<dyn Store> = Arc::new(
///     RedisStore::builder("redis://:password@redis.internal:6379/0")
///         .timeout(Duration::from_millis(300))
///         .sealing_key(key)
///         .build()?,
/// );
/// // Hand `store` to every carrier client of every replica.
/// # let _ = store;
/// # Ok(())
/// # }
/// ```
pub struct RedisStore {
    client: Client,
    /// The URL without its password, for `Debug`.
    shown_url: String,
    settings: Settings,
    sealer: Option<Sealer>,
    /// Made on first use (it needs the tokio runtime).
    manager: Mutex<Option<ConnectionManager>>,
    /// While set and in the future, calls fail without trying Redis.
    down_until: Mutex<Option<Instant>>,
    compare_and_delete: Script,
    compare_tag_and_delete: Script,
    take_budget: Script,
    claim: Script,
    record: Script,
    release: Script,
    index_put: Script,
    index_remove: Script,
    index_list: Script,
}

#[derive(Debug, Clone, Copy)]
struct Settings {
    timeout: Duration,
    lock_ttl: Duration,
    poll_interval: Duration,
}

/// Settings of a [`RedisStore`], from [`RedisStore::builder`].
pub struct RedisStoreBuilder {
    url: String,
    settings: Settings,
    sealing_key: Option<SealingKey>,
}

impl RedisStore {
    /// A builder for a store at `url`, e.g. `redis://127.0.0.1:6379/0`,
    /// `redis://user:password@host:6379` or `redis+unix:///run/redis.sock`.
    pub fn builder(url: impl Into<String>) -> RedisStoreBuilder {
        RedisStoreBuilder {
            url: url.into(),
            settings: Settings {
                timeout: DEFAULT_TIMEOUT,
                lock_ttl: DEFAULT_LOCK_TTL,
                poll_interval: DEFAULT_POLL_INTERVAL,
            },
            sealing_key: None,
        }
    }

    /// A store at `url` with the default settings, values unsealed.
    ///
    /// Errors with [`Error::Config`](crate::Error::Config) when the URL is
    /// not a Redis URL; Redis itself is not contacted.
    pub fn new(url: impl Into<String>) -> Result<Self, crate::Error> {
        Self::builder(url).build()
    }
}

impl RedisStoreBuilder {
    /// The longest one call may take, connecting included (default 500 ms,
    /// 1 ms to 60 s). It is also the [`Store::timeout`] clients allow.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.settings.timeout = timeout;
        self
    }

    /// How long a fetch lock lives at most (default 10 s, 1 ms to 24 h):
    /// a replica dying while it fetches blocks the others this long.
    pub fn lock_ttl(mut self, ttl: Duration) -> Self {
        self.settings.lock_ttl = ttl;
        self
    }

    /// How often a replica waiting for another's fetch looks again
    /// (default 25 ms, 1 ms to 60 s).
    pub fn poll_interval(mut self, interval: Duration) -> Self {
        self.settings.poll_interval = interval;
        self
    }

    /// Seals every value with `key` (see [`RedisStore`]'s "Sealing").
    pub fn sealing_key(mut self, key: SealingKey) -> Self {
        self.sealing_key = Some(key);
        self
    }

    /// The store. Errors with [`Error::Config`](crate::Error::Config)
    /// naming the problem: a URL that is not a Redis URL, or a setting out
    /// of its range. Redis is not contacted.
    pub fn build(self) -> Result<RedisStore, crate::Error> {
        let s = self.settings;
        check_range("timeout", s.timeout, MAX_TIMEOUT)?;
        check_range("lock_ttl", s.lock_ttl, MAX_LOCK_TTL)?;
        check_range("poll_interval", s.poll_interval, MAX_POLL_INTERVAL)?;
        let client = Client::open(self.url.as_str())
            .map_err(|e| crate::Error::Config(format!("the Redis URL is invalid: {e}")))?;
        Ok(RedisStore {
            client,
            shown_url: redact_url(&self.url),
            settings: s,
            sealer: self.sealing_key.as_ref().map(Sealer::new),
            manager: Mutex::new(None),
            down_until: Mutex::new(None),
            compare_and_delete: Script::new(COMPARE_AND_DELETE),
            compare_tag_and_delete: Script::new(COMPARE_TAG_AND_DELETE),
            take_budget: Script::new(TAKE_BUDGET),
            claim: Script::new(CLAIM),
            record: Script::new(RECORD),
            release: Script::new(RELEASE),
            index_put: Script::new(INDEX_PUT),
            index_remove: Script::new(INDEX_REMOVE),
            index_list: Script::new(INDEX_LIST),
        })
    }
}

fn check_range(name: &str, value: Duration, max: Duration) -> Result<(), crate::Error> {
    if value < MIN_SETTING || value > max {
        return Err(crate::Error::Config(format!(
            "the Redis store's {name} must be between {MIN_SETTING:?} and {max:?}, not {value:?}"
        )));
    }
    Ok(())
}

/// `url` without its password: `redis://user:***@host`, and `pass=***` in a
/// socket URL's query. A URL that does not parse is not shown at all.
fn redact_url(url: &str) -> String {
    let Ok(mut parsed) = url::Url::parse(url) else {
        return "<not a URL>".to_owned();
    };
    if parsed.password().is_some() && parsed.set_password(Some("***")).is_err() {
        return "<redacted>".to_owned();
    }
    if parsed.query().is_some() {
        let pairs: Vec<(String, String)> = parsed
            .query_pairs()
            .map(|(k, v)| {
                let secret = matches!(k.as_ref(), "pass" | "password");
                let v = if secret {
                    "***".to_owned()
                } else {
                    v.into_owned()
                };
                (k.into_owned(), v)
            })
            .collect();
        parsed.query_pairs_mut().clear().extend_pairs(pairs);
    }
    parsed.to_string()
}

fn show_settings(f: &mut fmt::DebugStruct<'_, '_>, url: &str, s: &Settings, sealed: bool) {
    f.field("url", &url)
        .field("timeout", &s.timeout)
        .field("lock_ttl", &s.lock_ttl)
        .field("poll_interval", &s.poll_interval)
        .field("sealed", &sealed);
}

impl fmt::Debug for RedisStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut d = f.debug_struct("RedisStore");
        show_settings(
            &mut d,
            &self.shown_url,
            &self.settings,
            self.sealer.is_some(),
        );
        d.finish_non_exhaustive()
    }
}

impl fmt::Debug for RedisStoreBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut d = f.debug_struct("RedisStoreBuilder");
        show_settings(
            &mut d,
            &redact_url(&self.url),
            &self.settings,
            self.sealing_key.is_some(),
        );
        d.finish()
    }
}

/// Whether `e` says Redis could not be reached (rather than that it
/// answered with an error).
fn unreachable(e: &RedisError) -> bool {
    e.is_io_error()
        || e.is_connection_refusal()
        || e.is_connection_dropped()
        || e.is_timeout()
        || e.is_unrecoverable_error()
}

/// What went wrong, for a [`StoreError`]. Redis's errors name kinds and
/// commands, never arguments; they are cut short all the same.
fn describe(e: &RedisError) -> String {
    const MAX: usize = 200;
    let text = e.to_string();
    match text.char_indices().nth(MAX) {
        Some((at, _)) => format!("{}…", &text[..at]),
        None => text,
    }
}

/// `d` in whole milliseconds, rounded up, at least 1 and at most a century.
fn millis(d: Duration) -> u64 {
    let ms = d.as_nanos().div_ceil(1_000_000);
    u64::try_from(ms).unwrap_or(MAX_TTL_MS).clamp(1, MAX_TTL_MS)
}

/// `d` in whole milliseconds, rounded up, at most a century (zero stays
/// zero: a lease that ends now).
fn lease_millis(d: Duration) -> u64 {
    if d.is_zero() { 0 } else { millis(d) }
}

impl RedisStore {
    /// `value` sealed for `key` when the store seals, else as is.
    /// Runs [`INDEX_PUT`] under `guard`: true when written, false when the
    /// guard failed (nothing written).
    async fn put_member(
        &self,
        op: &'static str,
        index: &str,
        member: &str,
        guard: Guard,
        value: &[u8],
        ttl: Duration,
    ) -> Result<bool, StoreError> {
        check_index_names(NAME, op, index, Some(member))?;
        let key = format!("{}{member}", member_prefix(index));
        let sealed = self.sealed(op, &key, value)?;
        let sealed = sealed.as_slice();
        let ttl_ms = millis(ttl);
        let script = &self.index_put;
        let key = key.as_str();
        let (mode, expected): (&str, &[u8]) = match &guard {
            Guard::Any => ("any", b""),
            Guard::Absent => ("absent", b""),
            Guard::Value(stored) => ("value", stored),
        };
        let stored: i64 = self
            .run(op, |mut c| async move {
                script
                    .key(index)
                    .key(key)
                    .arg(member)
                    .arg(sealed)
                    .arg(ttl_ms)
                    .arg(MAX_INDEX_MEMBERS)
                    .arg(mode)
                    .arg(expected)
                    .invoke_async(&mut c)
                    .await
            })
            .await?;
        match stored {
            1 => Ok(true),
            2 => Ok(false),
            _ => Err(Self::error(
                op,
                format!("the index holds {MAX_INDEX_MEMBERS} members already"),
            )),
        }
    }

    pub(super) fn sealed(&self, op: &str, key: &str, value: &[u8]) -> Result<Vec<u8>, StoreError> {
        check_size(NAME, op, value)?;
        match &self.sealer {
            Some(sealer) => sealer.seal(key, value).map_err(|e| Self::error(op, e)),
            None => Ok(value.to_vec()),
        }
    }

    /// A claim's stored value, opened. Unlike [`Store::get`], a value that
    /// does not open (or is too large) is an error, never an absence.
    pub(super) fn opened(
        &self,
        op: &str,
        key: &str,
        stored: Vec<u8>,
    ) -> Result<Vec<u8>, StoreError> {
        let value = match &self.sealer {
            Some(sealer) => sealer.open(key, &stored).ok_or_else(|| {
                Self::error(
                    op,
                    "the stored value did not open with the sealing key (another key, \
                     tampered with, or written unsealed)",
                )
            })?,
            None => stored,
        };
        if value.len() > MAX_VALUE_BYTES {
            return Err(Self::error(
                op,
                format!("the stored value is larger than {MAX_VALUE_BYTES} bytes"),
            ));
        }
        Ok(value)
    }

    pub(super) fn error(op: &str, message: impl fmt::Display) -> StoreError {
        StoreError::new(NAME, format!("{op}: {message}"))
    }

    /// The connection manager, made on first use. It connects lazily and
    /// reconnects after I/O errors; every wait on it is bounded by
    /// [`run`](Self::run).
    fn connection(&self) -> Result<ConnectionManager, StoreError> {
        let mut slot = self.manager.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(manager) = slot.as_ref() {
            return Ok(manager.clone());
        }
        let timeout = Some(self.settings.timeout);
        let config = ConnectionManagerConfig::new()
            .set_connection_timeout(timeout)
            .set_response_timeout(timeout)
            // One attempt per reconnect: `run` paces them.
            .set_number_of_retries(0);
        let manager = ConnectionManager::new_lazy_with_config(self.client.clone(), config)
            .map_err(|e| Self::error("connect", describe(&e)))?;
        *slot = Some(manager.clone());
        Ok(manager)
    }

    fn set_down_until(&self, until: Option<Instant>) {
        *self.down_until.lock().unwrap_or_else(|e| e.into_inner()) = until;
    }

    /// How long calls still fail without trying Redis.
    fn backing_off(&self) -> Option<Duration> {
        let until = (*self.down_until.lock().unwrap_or_else(|e| e.into_inner()))?;
        let left = until.saturating_duration_since(Instant::now());
        (!left.is_zero()).then_some(left)
    }

    /// Runs `call` on the connection within the timeout.
    ///
    /// When the manager holds a failed connection attempt (refused: nothing
    /// was sent), it starts a new one and `call` runs once more on that.
    /// When Redis cannot be reached, the calls of the next
    /// [`RECONNECT_AFTER`] fail at once.
    pub(super) async fn run<T, F, Fut>(&self, op: &'static str, call: F) -> Result<T, StoreError>
    where
        F: Fn(ConnectionManager) -> Fut,
        Fut: Future<Output = RedisResult<T>>,
    {
        if let Some(left) = self.backing_off() {
            return Err(Self::error(
                op,
                format!("Redis failed moments ago; trying again in {left:?}"),
            ));
        }
        let manager = self.connection()?;
        let attempt = async {
            match call(manager.clone()).await {
                Err(e) if e.is_connection_refusal() => call(manager).await,
                other => other,
            }
        };
        match tokio::time::timeout(self.settings.timeout, attempt).await {
            Ok(Ok(value)) => {
                self.set_down_until(None);
                Ok(value)
            }
            Ok(Err(e)) => {
                if unreachable(&e) {
                    self.set_down_until(Some(Instant::now() + RECONNECT_AFTER));
                    if !e.is_io_error() {
                        // The manager reconnects after I/O errors only; it
                        // would keep any other failure to connect (such as
                        // a refused password) for good. Start afresh.
                        *self.manager.lock().unwrap_or_else(|e| e.into_inner()) = None;
                    }
                }
                Err(Self::error(op, describe(&e)))
            }
            Err(_) => {
                self.set_down_until(Some(Instant::now() + RECONNECT_AFTER));
                Err(Self::error(
                    op,
                    format!("no answer within {:?}", self.settings.timeout),
                ))
            }
        }
    }
}

#[async_trait]
impl Store for RedisStore {
    fn name(&self) -> &'static str {
        NAME
    }

    async fn get(&self, key: &str) -> Result<Option<Vec<u8>>, StoreError> {
        let stored: Option<Vec<u8>> = self
            .run("get", |mut c| async move {
                redis::cmd("GET").arg(key).query_async(&mut c).await
            })
            .await?;
        let (Some(stored), Some(sealer)) = (stored.as_ref(), &self.sealer) else {
            return Ok(stored);
        };
        match sealer.open(key, stored) {
            Some(plaintext) => Ok(Some(plaintext)),
            None => {
                tracing::warn!(
                    store = NAME,
                    key,
                    "a stored value did not open with the sealing key (another key, \
                     tampered with, or written unsealed); reading it as absent"
                );
                Ok(None)
            }
        }
    }

    async fn put(&self, key: &str, value: &[u8], ttl: Duration) -> Result<(), StoreError> {
        let sealed;
        let value = match &self.sealer {
            Some(sealer) => {
                sealed = sealer.seal(key, value).map_err(|e| Self::error("put", e))?;
                sealed.as_slice()
            }
            None => value,
        };
        let ms = millis(ttl);
        self.run("put", |mut c| async move {
            redis::cmd("SET")
                .arg(key)
                .arg(value)
                .arg("PX")
                .arg(ms)
                .query_async::<()>(&mut c)
                .await
        })
        .await
    }

    async fn remove_if(&self, key: &str, expected: &[u8]) -> Result<bool, StoreError> {
        let (script, compared) = match &self.sealer {
            Some(sealer) => (&self.compare_tag_and_delete, sealer.tag(expected).to_vec()),
            None => (&self.compare_and_delete, expected.to_vec()),
        };
        let compared = compared.as_slice();
        let removed: i64 = self
            .run("remove_if", |mut c| async move {
                script.key(key).arg(compared).invoke_async(&mut c).await
            })
            .await?;
        Ok(removed > 0)
    }

    async fn try_lock(&self, key: &str, ttl: Duration) -> Result<Option<LockToken>, StoreError> {
        let token = LockToken::new();
        let ms = millis(ttl);
        let reply: Value = self
            .run("try_lock", |mut c| {
                let token = token.as_str();
                async move {
                    redis::cmd("SET")
                        .arg(key)
                        .arg(token)
                        .arg("NX")
                        .arg("PX")
                        .arg(ms)
                        .query_async(&mut c)
                        .await
                }
            })
            .await?;
        match reply {
            Value::Nil => Ok(None),
            Value::Okay => Ok(Some(token)),
            Value::SimpleString(s) if s == "OK" => Ok(Some(token)),
            _ => Err(Self::error("try_lock", "unexpected reply to SET NX")),
        }
    }

    async fn unlock(&self, key: &str, token: &LockToken) -> Result<(), StoreError> {
        let script = &self.compare_and_delete;
        let token = token.as_str();
        let _: i64 = self
            .run("unlock", |mut c| async move {
                script.key(key).arg(token).invoke_async(&mut c).await
            })
            .await?;
        Ok(())
    }

    async fn take_budget(
        &self,
        key: &str,
        limit: u32,
        window: Duration,
    ) -> Result<Budget, StoreError> {
        if limit == 0 {
            // Nothing is ever granted; no use ever frees one.
            return Ok(Budget::Spent { frees_in: window });
        }
        let window_ms = millis(window);
        let script = &self.take_budget;
        let member = uuid::Uuid::new_v4().simple().to_string();
        let member = member.as_str();
        let (granted, n): (i64, i64) = self
            .run("take_budget", |mut c| async move {
                script
                    .key(key)
                    .arg(limit)
                    .arg(window_ms)
                    .arg(member)
                    .invoke_async(&mut c)
                    .await
            })
            .await?;
        let n = u64::try_from(n).unwrap_or(0);
        Ok(if granted == 1 {
            Budget::Granted {
                remaining: u32::try_from(n).unwrap_or(0),
            }
        } else {
            Budget::Spent {
                frees_in: Duration::from_millis(n),
            }
        })
    }

    async fn claim(
        &self,
        key: &str,
        value: &[u8],
        lease: Duration,
        ttl: Duration,
    ) -> Result<Claim, StoreError> {
        let sealed = self.sealed("claim", key, value)?;
        let sealed = sealed.as_slice();
        let lease_ms = lease_millis(lease);
        let ttl_ms = millis(ttl).max(lease_ms);
        let script = &self.claim;
        let token = LockToken::new();
        let (kind, stored): (String, Vec<u8>) = self
            .run("claim", |mut c| {
                let token = token.as_str();
                async move {
                    script
                        .key(key)
                        .arg(sealed)
                        .arg(token)
                        .arg(lease_ms)
                        .arg(ttl_ms)
                        .invoke_async(&mut c)
                        .await
                }
            })
            .await?;
        match kind.as_str() {
            "new" => Ok(Claim::New(token)),
            "taken" => Ok(Claim::TakenOver {
                token,
                previous: self.opened("claim", key, stored)?,
            }),
            "leased" => Ok(Claim::Leased(self.opened("claim", key, stored)?)),
            "settled" => Ok(Claim::Settled(self.opened("claim", key, stored)?)),
            _ => Err(Self::error(
                "claim",
                "unexpected reply from the claim script",
            )),
        }
    }

    async fn record(
        &self,
        key: &str,
        token: &LockToken,
        value: &[u8],
        hold: Hold,
        ttl: Duration,
    ) -> Result<bool, StoreError> {
        let sealed = self.sealed("record", key, value)?;
        let sealed = sealed.as_slice();
        let (lease_ms, least): (i64, u64) = match hold {
            Hold::Settle => (-1, 0),
            Hold::Lease(d) => {
                let ms = lease_millis(d);
                (i64::try_from(ms).unwrap_or(i64::MAX), ms)
            }
        };
        let ttl_ms = millis(ttl).max(least);
        let script = &self.record;
        let token = token.as_str();
        let recorded: i64 = self
            .run("record", |mut c| async move {
                script
                    .key(key)
                    .arg(token)
                    .arg(sealed)
                    .arg(ttl_ms)
                    .arg(lease_ms)
                    .invoke_async(&mut c)
                    .await
            })
            .await?;
        Ok(recorded > 0)
    }

    async fn release(&self, key: &str, token: &LockToken) -> Result<bool, StoreError> {
        let script = &self.release;
        let token = token.as_str();
        let released: i64 = self
            .run("release", |mut c| async move {
                script.key(key).arg(token).invoke_async(&mut c).await
            })
            .await?;
        Ok(released > 0)
    }

    async fn remove(&self, key: &str) -> Result<bool, StoreError> {
        let removed: i64 = self
            .run("remove", |mut c| async move {
                redis::cmd("DEL").arg(key).query_async(&mut c).await
            })
            .await?;
        Ok(removed > 0)
    }

    async fn index_put(
        &self,
        index: &str,
        member: &str,
        value: &[u8],
        ttl: Duration,
    ) -> Result<(), StoreError> {
        self.put_member("index_put", index, member, Guard::Any, value, ttl)
            .await
            .map(|_| ())
    }

    async fn index_swap(
        &self,
        index: &str,
        member: &str,
        expected: Option<&[u8]>,
        value: &[u8],
        ttl: Duration,
    ) -> Result<bool, StoreError> {
        check_index_names(NAME, "index_swap", index, Some(member))?;
        let key = format!("{}{member}", member_prefix(index));
        let k = key.as_str();
        // The stored value is sealed with a fresh nonce at every write, so
        // the raw bytes read here stand for this one write: the script
        // below writes only while they are still there.
        let stored: Option<Vec<u8>> = self
            .run("index_swap", |mut c| async move {
                redis::cmd("GET").arg(k).query_async(&mut c).await
            })
            .await?;
        let guard = match (stored, expected) {
            (None, None) => Guard::Absent,
            (Some(stored), Some(expected)) => {
                if self.opened("index_swap", &key, stored.clone())? != expected {
                    return Ok(false);
                }
                Guard::Value(stored)
            }
            _ => return Ok(false),
        };
        self.put_member("index_swap", index, member, guard, value, ttl)
            .await
    }

    async fn index_get(&self, index: &str, member: &str) -> Result<Option<Vec<u8>>, StoreError> {
        check_index_names(NAME, "index_get", index, Some(member))?;
        let key = format!("{}{member}", member_prefix(index));
        let k = key.as_str();
        let stored: Option<Vec<u8>> = self
            .run("index_get", |mut c| async move {
                redis::cmd("GET").arg(k).query_async(&mut c).await
            })
            .await?;
        stored
            .map(|stored| self.opened("index_get", &key, stored))
            .transpose()
    }

    async fn index_remove(&self, index: &str, member: &str) -> Result<bool, StoreError> {
        check_index_names(NAME, "index_remove", index, Some(member))?;
        let key = format!("{}{member}", member_prefix(index));
        let key = key.as_str();
        let script = &self.index_remove;
        let removed: i64 = self
            .run("index_remove", |mut c| async move {
                script
                    .key(index)
                    .key(key)
                    .arg(member)
                    .invoke_async(&mut c)
                    .await
            })
            .await?;
        Ok(removed > 0)
    }

    async fn index_list(
        &self,
        index: &str,
        limit: usize,
    ) -> Result<Vec<(String, Vec<u8>)>, StoreError> {
        check_index_names(NAME, "index_list", index, None)?;
        // An index never holds more than MAX_INDEX_MEMBERS: one more tells
        // a full listing from a cut one.
        let limit = limit.min(MAX_INDEX_MEMBERS.saturating_add(1));
        if limit == 0 {
            return Ok(Vec::new());
        }
        let prefix = member_prefix(index);
        let prefix = prefix.as_str();
        let script = &self.index_list;
        let flat: Vec<Vec<u8>> = self
            .run("index_list", |mut c| async move {
                script
                    .key(index)
                    .arg(limit)
                    .arg(prefix)
                    .invoke_async(&mut c)
                    .await
            })
            .await?;
        if flat.len() % 2 != 0 || flat.len() / 2 > limit {
            return Err(Self::error(
                "index_list",
                "unexpected reply from the listing script",
            ));
        }
        let mut out = Vec::with_capacity(flat.len() / 2);
        let mut items = flat.into_iter();
        while let (Some(member), Some(stored)) = (items.next(), items.next()) {
            let member = String::from_utf8(member).map_err(|_| {
                Self::error(
                    "index_list",
                    "a member name is not UTF-8 (not written here)",
                )
            })?;
            let key = format!("{prefix}{member}");
            let value = self.opened("index_list", &key, stored)?;
            out.push((member, value));
        }
        Ok(out)
    }

    async fn stream_add(
        &self,
        stream: &str,
        payload: &[u8],
        max_len: u64,
    ) -> Result<String, StoreError> {
        self.xadd(stream, payload, max_len).await
    }

    async fn stream_read(
        &self,
        stream: &str,
        group: &str,
        consumer: &str,
        mine: bool,
        count: usize,
        block: Duration,
    ) -> Result<Vec<StreamEntry>, StoreError> {
        self.xreadgroup(stream, group, consumer, mine, count, block)
            .await
    }

    async fn stream_ack(&self, stream: &str, group: &str, id: &str) -> Result<bool, StoreError> {
        self.xack(stream, group, id).await
    }

    async fn stream_claim(
        &self,
        stream: &str,
        group: &str,
        consumer: &str,
        min_idle: Duration,
        count: usize,
    ) -> Result<Vec<StreamEntry>, StoreError> {
        self.xautoclaim(stream, group, consumer, min_idle, count)
            .await
    }

    async fn stream_len(&self, stream: &str) -> Result<u64, StoreError> {
        self.xlen(stream).await
    }

    fn timeout(&self) -> Duration {
        self.settings.timeout
    }

    fn lock_ttl(&self) -> Duration {
        self.settings.lock_ttl
    }

    fn poll_interval(&self) -> Duration {
        self.settings.poll_interval
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_are_shown_without_passwords() {
        assert_eq!(
            redact_url("redis://:hunter2@127.0.0.1:6379"),
            "redis://:***@127.0.0.1:6379"
        );
        assert_eq!(
            redact_url("redis://user:hunter2@host:6379/1"),
            "redis://user:***@host:6379/1"
        );
        assert_eq!(
            redact_url("redis://user@host:6379"),
            "redis://user@host:6379"
        );
        assert_eq!(
            redact_url("redis+unix:///run/redis.sock?db=1&pass=hunter2"),
            "redis+unix:///run/redis.sock?db=1&pass=***"
        );
        assert_eq!(redact_url("hunter2"), "<not a URL>");
    }

    #[test]
    fn milliseconds_round_up_and_are_bounded() {
        assert_eq!(millis(Duration::ZERO), 1);
        assert_eq!(millis(Duration::from_micros(1)), 1);
        assert_eq!(millis(Duration::from_micros(1_001)), 2);
        assert_eq!(millis(Duration::from_millis(200)), 200);
        assert_eq!(millis(Duration::MAX), MAX_TTL_MS);
    }

    #[test]
    fn settings_out_of_range_are_named() {
        let check = |b: RedisStoreBuilder, name: &str| match b.build() {
            Err(crate::Error::Config(m)) => assert!(m.contains(name), "{m}"),
            other => panic!("{other:?}"),
        };
        let url = "redis://127.0.0.1:6379";
        check(RedisStore::builder(url).timeout(Duration::ZERO), "timeout");
        check(
            RedisStore::builder(url).timeout(Duration::from_secs(61)),
            "timeout",
        );
        check(
            RedisStore::builder(url).lock_ttl(Duration::ZERO),
            "lock_ttl",
        );
        check(
            RedisStore::builder(url).poll_interval(Duration::from_secs(3600)),
            "poll_interval",
        );
        check(RedisStore::builder("http://host"), "Redis URL");
    }

    #[test]
    fn a_store_builds_without_a_runtime_or_a_server() {
        let store = RedisStore::builder("redis://127.0.0.1:1")
            .timeout(Duration::from_millis(5))
            .lock_ttl(Duration::from_secs(2))
            .poll_interval(Duration::from_millis(7))
            .build()
            .unwrap();
        assert_eq!(store.name(), "redis");
        assert_eq!(Store::timeout(&store), Duration::from_millis(5));
        assert_eq!(Store::lock_ttl(&store), Duration::from_secs(2));
        assert_eq!(Store::poll_interval(&store), Duration::from_millis(7));
    }
}
