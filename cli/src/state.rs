//! What the command line keeps between runs: the carriers' credentials and
//! caches (the iNumbering API key and its hourly exchange budget, Cellhire
//! tokens and networks), in the crate's [`Store`].
//!
//! With `NUMPORT_REDIS_URL` set, that is the crate's `RedisStore` (shared
//! with every process and service using the same Redis). Otherwise it is a
//! file, `store.json`, in the state folder: `NUMPORT_STATE_DIR`, else
//! `$XDG_STATE_HOME/numport`, else `~/.local/state/numport`. The folder is
//! made readable by its owner only (0700), the file too (0600). With a
//! sealing key (`NUMPORT_REDIS_SEALING_KEY`, 32 bytes in base64) every value
//! is sealed (XChaCha20-Poly1305, bound to its key), in Redis and in the
//! file alike.
//!
//! The file is shared safely by processes running at once: every change is
//! made under a lock file (created exclusively, holding the owner's process
//! id), read, changed and written to a temporary file renamed over the old
//! one. A lock whose owner died (no such process on this machine) or that
//! is older than [`STALE_LOCK`] is taken over. Entries, locks and budgets
//! are timed on the wall clock, which every process shares.

use std::collections::BTreeMap;
use std::fs::OpenOptions;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use base64::Engine as _;
use chacha20poly1305::aead::{Aead, Generate, Payload};
use chacha20poly1305::{KeyInit, XChaCha20Poly1305, XNonce};
use hmac::{Hmac, Mac};
use numport::store::{Budget, LockToken, RedisStore, SealingKey, Store, StoreError};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::failure::{CliResult, Failure};

/// The variable naming the state folder.
pub const STATE_DIR_VAR: &str = "NUMPORT_STATE_DIR";

/// A lock file older than this is a leftover (changes take milliseconds).
const STALE_LOCK: Duration = Duration::from_secs(10);

/// How long one change waits for the lock file before giving up (the
/// client then uses its own memory for that call).
const LOCK_WAIT: Duration = Duration::from_millis(1500);

/// The store of this run: Redis when `NUMPORT_REDIS_URL` is set, else the
/// state file; `None` with `--sandbox` (the sandboxes live in this process
/// only) or when no state folder can be found or made (with a warning).
pub fn store(
    sandbox: bool,
    get: impl Fn(&str) -> Option<String>,
) -> CliResult<Option<Arc<dyn Store>>> {
    if sandbox {
        return Ok(None);
    }
    let sealing = match get(numport::REDIS_SEALING_KEY_VAR) {
        Some(text) => {
            // Checked (and its error worded) by the crate; its bytes kept
            // here too, for the file's own sealing.
            let key = SealingKey::from_base64(text.trim()).map_err(|e| {
                Failure::usage(format!(
                    "{}: {}",
                    numport::REDIS_SEALING_KEY_VAR,
                    crate::failure::describe(&e)
                ))
            })?;
            let bytes: [u8; 32] = base64::engine::general_purpose::STANDARD
                .decode(text.trim())
                .ok()
                .and_then(|b| b.try_into().ok())
                .ok_or_else(|| {
                    Failure::usage(format!(
                        "{}: not 32 bytes of base64",
                        numport::REDIS_SEALING_KEY_VAR
                    ))
                })?;
            Some((key, bytes))
        }
        None => None,
    };
    if let Some(url) = get(numport::REDIS_URL_VAR) {
        let mut builder = RedisStore::builder(url.trim());
        if let Some((key, _)) = sealing {
            builder = builder.sealing_key(key);
        }
        let store = builder.build().map_err(|e| {
            Failure::usage(format!(
                "{}: {}",
                numport::REDIS_URL_VAR,
                crate::failure::describe(&e)
            ))
        })?;
        return Ok(Some(Arc::new(store)));
    }
    let explicit = get(STATE_DIR_VAR);
    let Some(dir) = dir(&get) else {
        eprintln!(
            "numport: no state folder (set {STATE_DIR_VAR} or HOME): credentials are not kept \
             between runs"
        );
        return Ok(None);
    };
    match FileStore::open(&dir, sealing.as_ref().map(|(_, bytes)| bytes)) {
        Ok(store) => Ok(Some(Arc::new(store))),
        Err(e) if explicit.is_some() => Err(Failure::usage(format!(
            "{STATE_DIR_VAR} {}: {e}",
            dir.display()
        ))),
        Err(e) => {
            eprintln!(
                "numport: cannot use the state folder {}: {e}; credentials are not kept between \
                 runs (set {STATE_DIR_VAR} to another folder)",
                dir.display()
            );
            Ok(None)
        }
    }
}

/// The state folder: `NUMPORT_STATE_DIR`, else `$XDG_STATE_HOME/numport`
/// (when absolute), else `$HOME/.local/state/numport`.
pub fn dir(get: impl Fn(&str) -> Option<String>) -> Option<PathBuf> {
    match get(STATE_DIR_VAR) {
        Some(dir) => Some(PathBuf::from(dir)),
        None => get("XDG_STATE_HOME")
            .filter(|d| Path::new(d).is_absolute())
            .map(|d| PathBuf::from(d).join("numport"))
            .or_else(|| get("HOME").map(|h| PathBuf::from(h).join(".local/state/numport"))),
    }
}

/// Makes `dir` (and its parents) when missing, readable by its owner only.
pub fn private_dir(dir: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))?;
    }
    Ok(())
}

/// The namespace of the command line's own items for one carrier account,
/// as the crate names its keys: a hash of the account, never the account.
pub fn namespace(carrier: &str, identity: &[&str]) -> String {
    let mut hash = Sha256::new();
    for part in identity {
        hash.update((part.len() as u64).to_be_bytes());
        hash.update(part.as_bytes());
    }
    let digest = hash.finalize();
    let hex: String = digest[..16].iter().map(|b| format!("{b:02x}")).collect();
    format!("numport:cli:{carrier}:{hex}")
}

/// Milliseconds since the Unix epoch, on the wall clock.
fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

/// `d` in milliseconds, saturating.
fn ms(d: Duration) -> i64 {
    i64::try_from(d.as_millis()).unwrap_or(i64::MAX)
}

/// One value: base64 of its bytes (sealed when the store has a key), and
/// when it expires.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Entry {
    value: String,
    until_ms: i64,
}

/// A held lock: its owner's token and process, and when it expires.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Held {
    token: String,
    pid: u32,
    until_ms: i64,
}

/// The file's content.
#[derive(Debug, Default, Serialize, Deserialize)]
struct Content {
    #[serde(default)]
    values: BTreeMap<String, Entry>,
    #[serde(default)]
    locks: BTreeMap<String, Held>,
    #[serde(default)]
    budgets: BTreeMap<String, Vec<i64>>,
}

impl Content {
    /// Drops what expired (budget uses older than a day: no window is
    /// longer than the hour).
    fn prune(&mut self, now: i64) {
        self.values.retain(|_, e| e.until_ms > now);
        self.locks.retain(|_, l| l.until_ms > now);
        let day = 86_400_000;
        for uses in self.budgets.values_mut() {
            uses.retain(|at| now.saturating_sub(*at) < day);
        }
        self.budgets.retain(|_, uses| !uses.is_empty());
    }
}

/// A [`Store`] in one JSON file, shared by every process of this user; see
/// the [module docs](self).
pub struct FileStore {
    file: PathBuf,
    lock: PathBuf,
    sealer: Option<Sealer>,
}

impl std::fmt::Debug for FileStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FileStore")
            .field("file", &self.file)
            .field("sealed", &self.sealer.is_some())
            .finish()
    }
}

impl FileStore {
    /// The store in `dir` (made, 0700, when missing), sealed with `key`.
    pub fn open(dir: &Path, key: Option<&[u8; 32]>) -> std::io::Result<Self> {
        private_dir(dir)?;
        let file = dir.join("store.json");
        #[cfg(unix)]
        if file.exists() {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o600))?;
        }
        Ok(Self {
            lock: dir.join("store.lock"),
            file,
            sealer: key.map(Sealer::new),
        })
    }

    /// Runs `change` on the file's content under the lock file, and writes
    /// the content back when `change` says it changed it.
    async fn with_content<T>(
        &self,
        change: impl FnOnce(&mut Content, i64) -> (T, bool),
    ) -> Result<T, StoreError> {
        let _guard = self.lock_file().await?;
        let now = now_ms();
        let mut content = self.read();
        let before = content.values.len() + content.locks.len() + content.budgets.len();
        content.prune(now);
        let pruned = before != content.values.len() + content.locks.len() + content.budgets.len();
        let (out, changed) = change(&mut content, now);
        if changed || pruned {
            self.write(&content)?;
        }
        Ok(out)
    }

    /// The content; an unreadable or damaged file counts as empty (it is
    /// rewritten by the next change).
    fn read(&self) -> Content {
        match std::fs::read(&self.file) {
            Ok(bytes) => serde_json::from_slice(&bytes).unwrap_or_else(|_| {
                tracing::warn!(file = %self.file.display(), "the state file is damaged; starting it anew");
                Content::default()
            }),
            Err(_) => Content::default(),
        }
    }

    fn write(&self, content: &Content) -> Result<(), StoreError> {
        let fail =
            |e: std::io::Error| StoreError::new("file", format!("{}: {e}", self.file.display()));
        let bytes =
            serde_json::to_vec(content).map_err(|e| StoreError::new("file", e.to_string()))?;
        let tmp = self
            .file
            .with_extension(format!("json.{}.tmp", std::process::id()));
        let mut options = OpenOptions::new();
        options.write(true).create(true).truncate(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            options.mode(0o600);
        }
        let mut out = options.open(&tmp).map_err(fail)?;
        out.write_all(&bytes)
            .and_then(|()| out.sync_all())
            .map_err(fail)?;
        drop(out);
        std::fs::rename(&tmp, &self.file).map_err(fail)
    }

    /// Takes the lock file, waiting up to [`LOCK_WAIT`].
    async fn lock_file(&self) -> Result<LockFile, StoreError> {
        let give_up = tokio::time::Instant::now() + LOCK_WAIT;
        loop {
            let mut options = OpenOptions::new();
            options.write(true).create_new(true);
            #[cfg(unix)]
            {
                use std::os::unix::fs::OpenOptionsExt;
                options.mode(0o600);
            }
            match options.open(&self.lock) {
                Ok(mut file) => {
                    let _ = write!(file, "{}", std::process::id());
                    return Ok(LockFile(self.lock.clone()));
                }
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                    if self.lock_is_stale() {
                        let _ = std::fs::remove_file(&self.lock);
                        continue;
                    }
                }
                Err(e) => {
                    return Err(StoreError::new(
                        "file",
                        format!("{}: {e}", self.lock.display()),
                    ));
                }
            }
            if tokio::time::Instant::now() >= give_up {
                return Err(StoreError::new(
                    "file",
                    format!("{} stayed locked for {LOCK_WAIT:?}", self.lock.display()),
                ));
            }
            tokio::time::sleep(Duration::from_millis(2)).await;
        }
    }

    /// True when the lock file's owner is gone or the file is old.
    fn lock_is_stale(&self) -> bool {
        let old = std::fs::metadata(&self.lock)
            .and_then(|m| m.modified())
            .ok()
            .and_then(|t| t.elapsed().ok())
            .is_some_and(|age| age > STALE_LOCK);
        let dead = std::fs::read_to_string(&self.lock)
            .ok()
            .and_then(|t| t.trim().parse::<u32>().ok())
            .is_some_and(|pid| !process_alive(pid));
        old || dead
    }

    fn encode(&self, key: &str, value: &[u8]) -> Result<String, StoreError> {
        let bytes = match &self.sealer {
            Some(sealer) => sealer
                .seal(key, value)
                .map_err(|e| StoreError::new("file", e))?,
            None => value.to_vec(),
        };
        Ok(base64::engine::general_purpose::STANDARD.encode(bytes))
    }

    /// The value of an entry; `None` when it does not open (another key,
    /// damaged, or written in clear while a key is set).
    fn decode(&self, key: &str, entry: &Entry) -> Option<Vec<u8>> {
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(&entry.value)
            .ok()?;
        match &self.sealer {
            Some(sealer) => {
                let opened = sealer.open(key, &bytes);
                if opened.is_none() {
                    tracing::warn!(
                        key,
                        "a stored value does not open with the sealing key; ignored"
                    );
                }
                opened
            }
            None => Some(bytes),
        }
    }
}

/// True when process `pid` runs on this machine, as far as can be told:
/// on Linux, by its `/proc` entry; elsewhere it is assumed alive (the lock
/// then ends by its age or lifetime).
fn process_alive(pid: u32) -> bool {
    let proc_root = Path::new("/proc/self");
    if !proc_root.exists() {
        return true;
    }
    Path::new("/proc").join(pid.to_string()).exists()
}

/// The held lock file, removed when dropped.
struct LockFile(PathBuf);

impl Drop for LockFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

#[async_trait]
impl Store for FileStore {
    fn name(&self) -> &'static str {
        "file"
    }

    async fn get(&self, key: &str) -> Result<Option<Vec<u8>>, StoreError> {
        self.with_content(|c, _| (c.values.get(key).and_then(|e| self.decode(key, e)), false))
            .await
    }

    async fn put(&self, key: &str, value: &[u8], ttl: Duration) -> Result<(), StoreError> {
        let encoded = self.encode(key, value)?;
        self.with_content(|c, now| {
            let until_ms = now.saturating_add(ms(ttl).max(1));
            c.values.insert(
                key.to_owned(),
                Entry {
                    value: encoded,
                    until_ms,
                },
            );
            ((), true)
        })
        .await
    }

    async fn remove_if(&self, key: &str, expected: &[u8]) -> Result<bool, StoreError> {
        self.with_content(|c, _| {
            let matches = c
                .values
                .get(key)
                .and_then(|e| self.decode(key, e))
                .is_some_and(|v| v == expected);
            if matches {
                c.values.remove(key);
            }
            (matches, matches)
        })
        .await
    }

    async fn try_lock(&self, key: &str, ttl: Duration) -> Result<Option<LockToken>, StoreError> {
        let me = std::process::id();
        self.with_content(|c, now| {
            let held = c
                .locks
                .get(key)
                .is_some_and(|l| l.until_ms > now && (l.pid == me || process_alive(l.pid)));
            if held {
                return (None, false);
            }
            let token = LockToken::new();
            c.locks.insert(
                key.to_owned(),
                Held {
                    token: token.as_str().to_owned(),
                    pid: me,
                    until_ms: now.saturating_add(ms(ttl).max(1)),
                },
            );
            (Some(token), true)
        })
        .await
    }

    async fn unlock(&self, key: &str, token: &LockToken) -> Result<(), StoreError> {
        self.with_content(|c, _| {
            let mine = c.locks.get(key).is_some_and(|l| l.token == token.as_str());
            if mine {
                c.locks.remove(key);
            }
            ((), mine)
        })
        .await
    }

    async fn take_budget(
        &self,
        key: &str,
        limit: u32,
        window: Duration,
    ) -> Result<Budget, StoreError> {
        if limit == 0 {
            return Ok(Budget::Spent { frees_in: window });
        }
        let window_ms = ms(window);
        self.with_content(|c, now| {
            let uses = c.budgets.entry(key.to_owned()).or_default();
            uses.retain(|at| now.saturating_sub(*at) < window_ms && *at <= now);
            uses.sort_unstable();
            let limit = limit as usize;
            if uses.len() >= limit {
                let oldest = uses[uses.len() - limit];
                let frees_at = oldest.saturating_add(window_ms);
                let frees_in = u64::try_from(frees_at.saturating_sub(now)).unwrap_or(0);
                return (
                    Budget::Spent {
                        frees_in: Duration::from_millis(frees_in),
                    },
                    false,
                );
            }
            uses.push(now);
            let remaining = u32::try_from(limit - uses.len()).unwrap_or(0);
            (Budget::Granted { remaining }, true)
        })
        .await
    }

    fn timeout(&self) -> Duration {
        // The lock file may be waited for up to LOCK_WAIT.
        LOCK_WAIT + Duration::from_millis(500)
    }
}

/// Seals the file's values: XChaCha20-Poly1305 under a subkey of the
/// sealing key, a fresh nonce per value, the store key as associated data
/// (a value copied under another key does not open).
#[derive(Clone)]
struct Sealer {
    cipher: XChaCha20Poly1305,
}

/// The first bytes of a sealed value.
const SEALED: &[u8] = b"nps1";

impl Sealer {
    fn new(key: &[u8; 32]) -> Self {
        // A subkey of its own (HMAC-SHA256 of a label), so that the file's
        // values and Redis's never share a key.
        let mut block = [0u8; 64];
        block[..32].copy_from_slice(key);
        let mut mac = <Hmac<Sha256> as hmac::KeyInit>::new(&block.into());
        mac.update(b"numport/state-file/v1");
        let subkey: [u8; 32] = mac.finalize().into_bytes().into();
        Self {
            cipher: XChaCha20Poly1305::new(&subkey.into()),
        }
    }

    fn seal(&self, key: &str, plaintext: &[u8]) -> Result<Vec<u8>, &'static str> {
        let nonce = XNonce::try_generate().map_err(|_| "no randomness for a nonce")?;
        let ciphertext = self
            .cipher
            .encrypt(
                &nonce,
                Payload {
                    msg: plaintext,
                    aad: key.as_bytes(),
                },
            )
            .map_err(|_| "the value could not be sealed")?;
        let mut out = Vec::with_capacity(SEALED.len() + nonce.len() + ciphertext.len());
        out.extend_from_slice(SEALED);
        out.extend_from_slice(&nonce);
        out.extend_from_slice(&ciphertext);
        Ok(out)
    }

    fn open(&self, key: &str, sealed: &[u8]) -> Option<Vec<u8>> {
        let rest = sealed.strip_prefix(SEALED)?;
        if rest.len() < 24 {
            return None;
        }
        let (nonce, ciphertext) = rest.split_at(24);
        let nonce = XNonce::try_from(nonce).ok()?;
        self.cipher
            .decrypt(
                &nonce,
                Payload {
                    msg: ciphertext,
                    aad: key.as_bytes(),
                },
            )
            .ok()
    }
}
