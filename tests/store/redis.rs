//! `RedisStore` against a real `redis-server` (started per test on a free
//! loopback port): the `Store` contract across two instances (two
//! replicas), sealing as Redis sees it, and bounded failures while Redis is
//! down or silent.

use std::net::TcpListener;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use futures::future::join_all;
use numport::store::{Budget, LockToken, RedisStore, SealingKey, Store};
use redis_server::RedisServer;

use crate::support::redis_server;

const KEY: &str = "numport:inumbering:0123456789abcdef0123456789abcdef:apikey";

fn plain(server: &RedisServer) -> RedisStore {
    RedisStore::new(server.url()).unwrap()
}

fn sealed(server: &RedisServer, key: u8) -> RedisStore {
    RedisStore::builder(server.url())
        .sealing_key(SealingKey::new([key; 32]))
        .build()
        .unwrap()
}

async fn raw(server: &RedisServer) -> redis::aio::MultiplexedConnection {
    redis::Client::open(server.url())
        .unwrap()
        .get_multiplexed_async_connection()
        .await
        .unwrap()
}

async fn raw_get(server: &RedisServer, key: &str) -> Option<Vec<u8>> {
    redis::cmd("GET")
        .arg(key)
        .query_async(&mut raw(server).await)
        .await
        .unwrap()
}

async fn raw_set(server: &RedisServer, key: &str, value: &[u8]) {
    redis::cmd("SET")
        .arg(key)
        .arg(value)
        .query_async::<()>(&mut raw(server).await)
        .await
        .unwrap();
}

async fn raw_int(server: &RedisServer, command: &str, key: &str) -> i64 {
    redis::cmd(command)
        .arg(key)
        .query_async(&mut raw(server).await)
        .await
        .unwrap()
}

#[tokio::test]
async fn values_are_shared_and_expire() {
    let server = RedisServer::start();
    let (a, b) = (plain(&server), plain(&server));
    assert_eq!(a.name(), "redis");

    a.put(KEY, b"v1", Duration::from_millis(200)).await.unwrap();
    assert_eq!(a.get(KEY).await.unwrap(), Some(b"v1".to_vec()));
    assert_eq!(b.get(KEY).await.unwrap(), Some(b"v1".to_vec()));
    assert_eq!(raw_get(&server, KEY).await, Some(b"v1".to_vec()));
    let pttl = raw_int(&server, "PTTL", KEY).await;
    assert!(pttl > 100 && pttl <= 200, "PTTL {pttl}");
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(a.get(KEY).await.unwrap(), None);
    assert_eq!(b.get(KEY).await.unwrap(), None);

    // The last write wins; binary values round-trip.
    let binary = [0u8, 255, 10, 13, 0, 128];
    a.put(KEY, b"v2", Duration::from_secs(10)).await.unwrap();
    b.put(KEY, &binary, Duration::from_secs(10)).await.unwrap();
    assert_eq!(a.get(KEY).await.unwrap(), Some(binary.to_vec()));
    assert_eq!(a.get("numport:test:absent").await.unwrap(), None);

    // A zero lifetime is a millisecond (a client's "expire now").
    a.put(KEY, b"", Duration::ZERO).await.unwrap();
    tokio::time::sleep(Duration::from_millis(20)).await;
    assert_eq!(b.get(KEY).await.unwrap(), None);
    assert_eq!(raw_int(&server, "EXISTS", KEY).await, 0);
}

#[tokio::test]
async fn remove_if_removes_only_the_expected_value_and_once() {
    let server = RedisServer::start();
    let (a, b) = (plain(&server), plain(&server));
    assert!(!a.remove_if(KEY, b"v1").await.unwrap(), "absent");
    a.put(KEY, b"v1", Duration::from_secs(10)).await.unwrap();
    assert!(!b.remove_if(KEY, b"v").await.unwrap());
    assert!(!b.remove_if(KEY, b"v1x").await.unwrap());
    assert!(!b.remove_if(KEY, b"").await.unwrap());
    assert_eq!(a.get(KEY).await.unwrap(), Some(b"v1".to_vec()));
    assert!(b.remove_if(KEY, b"v1").await.unwrap());
    assert!(!a.remove_if(KEY, b"v1").await.unwrap());
    assert_eq!(a.get(KEY).await.unwrap(), None);

    // Ten replicas invalidating the same stale value remove it once.
    a.put(KEY, b"stale", Duration::from_secs(10)).await.unwrap();
    let replicas: Vec<RedisStore> = (0..10).map(|_| plain(&server)).collect();
    let removed = join_all(replicas.iter().map(|r| r.remove_if(KEY, b"stale"))).await;
    let removed: Vec<bool> = removed.into_iter().map(Result::unwrap).collect();
    assert_eq!(removed.iter().filter(|r| **r).count(), 1, "{removed:?}");
}

#[tokio::test]
async fn sealed_remove_if_compares_plaintexts_across_replicas() {
    let server = RedisServer::start();
    let (a, b) = (sealed(&server, 1), sealed(&server, 1));
    a.put(KEY, b"v1", Duration::from_secs(10)).await.unwrap();
    assert!(!b.remove_if(KEY, b"v2").await.unwrap());
    assert!(!sealed(&server, 2).remove_if(KEY, b"v1").await.unwrap());
    // The stored bytes are not the plaintext.
    assert!(!plain(&server).remove_if(KEY, b"v1").await.unwrap());
    assert_eq!(b.get(KEY).await.unwrap(), Some(b"v1".to_vec()));
    assert!(b.remove_if(KEY, b"v1").await.unwrap());
    assert!(!a.remove_if(KEY, b"v1").await.unwrap());
    assert_eq!(raw_int(&server, "EXISTS", KEY).await, 0);

    // A value in clear is never removed by a sealed store's comparison.
    raw_set(&server, KEY, b"v1").await;
    assert!(!a.remove_if(KEY, b"v1").await.unwrap());
    assert_eq!(raw_get(&server, KEY).await, Some(b"v1".to_vec()));

    a.put(KEY, b"stale", Duration::from_secs(10)).await.unwrap();
    let replicas: Vec<RedisStore> = (0..10).map(|_| sealed(&server, 1)).collect();
    let removed = join_all(replicas.iter().map(|r| r.remove_if(KEY, b"stale"))).await;
    let removed: Vec<bool> = removed.into_iter().map(Result::unwrap).collect();
    assert_eq!(removed.iter().filter(|r| **r).count(), 1, "{removed:?}");
}

#[tokio::test]
async fn a_lock_belongs_to_its_taker_until_released_or_expired() {
    let server = RedisServer::start();
    let (a, b) = (plain(&server), plain(&server));
    let lock = "numport:test:lock:apikey";
    let ttl = Duration::from_millis(300);

    let held = a.try_lock(lock, ttl).await.unwrap().expect("free lock");
    assert_eq!(b.try_lock(lock, ttl).await.unwrap(), None);
    assert_eq!(a.try_lock(lock, ttl).await.unwrap(), None, "not reentrant");
    let pttl = raw_int(&server, "PTTL", lock).await;
    assert!(pttl > 200 && pttl <= 300, "PTTL {pttl}");
    // Someone else's token releases nothing.
    b.unlock(lock, &LockToken::new()).await.unwrap();
    assert_eq!(b.try_lock(lock, ttl).await.unwrap(), None);
    // The owner's does, from any instance.
    b.unlock(lock, &held).await.unwrap();
    assert_eq!(raw_int(&server, "EXISTS", lock).await, 0);
    let taken = b.try_lock(lock, ttl).await.unwrap().expect("released");
    assert_ne!(taken, held);
    // A stale token does not release the new holder's lock.
    a.unlock(lock, &held).await.unwrap();
    assert_eq!(a.try_lock(lock, ttl).await.unwrap(), None);

    // A holder that never releases (a crash) loses the lock after its ttl.
    tokio::time::sleep(Duration::from_millis(400)).await;
    let after = a.try_lock(lock, ttl).await.unwrap().expect("expired");
    assert_ne!(after, taken);

    // Ten replicas racing for a free lock: one wins.
    let race = "numport:test:lock:race";
    let replicas: Vec<RedisStore> = (0..10).map(|_| plain(&server)).collect();
    let won = join_all(replicas.iter().map(|r| r.try_lock(race, ttl))).await;
    assert_eq!(won.iter().filter(|w| matches!(w, Ok(Some(_)))).count(), 1);
}

#[tokio::test]
async fn a_budget_is_counted_across_replicas_on_redis_time() {
    let server = RedisServer::start();
    let (a, b) = (plain(&server), plain(&server));
    let key = "numport:test:budget";
    let window = Duration::from_secs(2);

    let started = Instant::now();
    for remaining in [5, 4, 3] {
        let store = if remaining % 2 == 0 { &a } else { &b };
        assert_eq!(
            store.take_budget(key, 6, window).await.unwrap(),
            Budget::Granted { remaining }
        );
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    for remaining in [2, 1, 0] {
        let store = if remaining % 2 == 0 { &a } else { &b };
        assert_eq!(
            store.take_budget(key, 6, window).await.unwrap(),
            Budget::Granted { remaining }
        );
    }
    let Budget::Spent { frees_in } = b.take_budget(key, 6, window).await.unwrap() else {
        panic!("a seventh use in the window was granted");
    };
    let elapsed = started.elapsed();
    assert!(
        frees_in <= window - Duration::from_millis(400)
            && frees_in + elapsed + Duration::from_millis(50) >= window,
        "frees in {frees_in:?}, {elapsed:?} after the first use"
    );
    assert!(matches!(
        a.take_budget(key, 6, window).await.unwrap(),
        Budget::Spent { .. }
    ));
    assert_eq!(
        raw_int(&server, "ZCARD", key).await,
        6,
        "spent records nothing"
    );
    let pttl = raw_int(&server, "PTTL", key).await;
    assert!(pttl > 1_000 && pttl <= 2_000, "PTTL {pttl}");

    // Once the first three leave the window, three are free again.
    tokio::time::sleep(frees_in + Duration::from_millis(50)).await;
    assert_eq!(
        a.take_budget(key, 6, window).await.unwrap(),
        Budget::Granted { remaining: 2 }
    );
    assert_eq!(raw_int(&server, "ZCARD", key).await, 4);

    // Budgets are per key; a limit of nothing grants nothing.
    assert_eq!(
        a.take_budget("numport:test:other", 1, window)
            .await
            .unwrap(),
        Budget::Granted { remaining: 0 }
    );
    assert_eq!(
        a.take_budget("numport:test:none", 0, window).await.unwrap(),
        Budget::Spent { frees_in: window }
    );
}

/// Collects what `tracing` writes.
#[derive(Clone, Default)]
struct Logged(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for Logged {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for Logged {
    type Writer = Logged;
    fn make_writer(&'a self) -> Self::Writer {
        self.clone()
    }
}

#[tokio::test]
async fn sealed_values_are_opaque_in_redis_and_open_only_with_the_key_under_their_key() {
    let logged = Logged::default();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::WARN)
        .with_writer(logged.clone())
        .with_ansi(false)
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);

    let server = RedisServer::start();
    let secret = b"inumbering-api-key-7f3a9c0e55d1";
    let (a, b) = (sealed(&server, 1), sealed(&server, 1));
    a.put(KEY, secret, Duration::from_secs(10)).await.unwrap();

    let stored = raw_get(&server, KEY).await.unwrap();
    assert!(stored.starts_with(b"np1"), "{stored:?}");
    assert_eq!(stored.len(), 3 + 32 + 24 + secret.len() + 16);
    assert!(!stored.windows(secret.len()).any(|w| w == secret));
    assert!(!stored.windows(8).any(|w| secret.windows(8).any(|s| s == w)));

    // Another replica with the key reads it; a store with another key, or
    // the same bytes under another Redis key, reads nothing.
    assert_eq!(b.get(KEY).await.unwrap(), Some(secret.to_vec()));
    assert_eq!(sealed(&server, 2).get(KEY).await.unwrap(), None);
    let copy = "numport:inumbering:ffffffffffffffffffffffffffffffff:apikey";
    raw_set(&server, copy, &stored).await;
    assert_eq!(a.get(copy).await.unwrap(), None);
    // An unsealed store sees only the sealed bytes.
    assert_eq!(plain(&server).get(KEY).await.unwrap(), Some(stored.clone()));
    // A value in clear, or tampered with, reads as absent.
    let clear = "numport:test:clear";
    raw_set(&server, clear, b"clear-text-value-42").await;
    assert_eq!(a.get(clear).await.unwrap(), None);
    let mut tampered = stored.clone();
    let last = tampered.len() - 1;
    tampered[last] ^= 1;
    raw_set(&server, KEY, &tampered).await;
    assert_eq!(a.get(KEY).await.unwrap(), None);

    let logged = String::from_utf8(logged.0.lock().unwrap().clone()).unwrap();
    assert_eq!(
        logged.matches("did not open with the sealing key").count(),
        4,
        "{logged}"
    );
    assert!(!logged.contains("inumbering-api-key"), "{logged}");
    assert!(!logged.contains("clear-text-value"), "{logged}");
}

/// Each method of `store`, timed: every one must fail within `bound`.
async fn every_method_fails_within(
    store: &RedisStore,
    bound: Duration,
    pause: Duration,
) -> Vec<(String, Duration)> {
    let mut timings = Vec::new();
    let mut check = |what: &str, started: Instant, failed: bool| {
        let elapsed = started.elapsed();
        assert!(failed, "{what} succeeded");
        assert!(elapsed < bound, "{what} took {elapsed:?}, bound {bound:?}");
        timings.push((what.to_owned(), elapsed));
    };
    let t = Instant::now();
    let r = store.get(KEY).await;
    check("get", t, r.is_err());
    tokio::time::sleep(pause).await;
    let t = Instant::now();
    let r = store.put(KEY, b"v", Duration::from_secs(1)).await;
    check("put", t, r.is_err());
    tokio::time::sleep(pause).await;
    let t = Instant::now();
    let r = store.remove_if(KEY, b"v").await;
    check("remove_if", t, r.is_err());
    tokio::time::sleep(pause).await;
    let t = Instant::now();
    let r = store
        .try_lock("numport:test:lock", Duration::from_secs(1))
        .await;
    check("try_lock", t, r.is_err());
    tokio::time::sleep(pause).await;
    let t = Instant::now();
    let r = store.unlock("numport:test:lock", &LockToken::new()).await;
    check("unlock", t, r.is_err());
    tokio::time::sleep(pause).await;
    let t = Instant::now();
    let r = store
        .take_budget("numport:test:budget", 6, Duration::from_secs(60))
        .await;
    check("take_budget", t, r.is_err());
    timings
}

/// The slack over a store's timeout allowed for a failing call.
const SLACK: Duration = Duration::from_millis(250);

#[tokio::test]
async fn a_stopped_server_fails_every_call_in_time_and_a_restarted_one_is_used_again() {
    let mut server = RedisServer::start();
    let timeout = Duration::from_millis(300);
    let build = || {
        RedisStore::builder(server.url())
            .timeout(timeout)
            .build()
            .unwrap()
    };
    let warm = build();
    let cold = build();
    warm.put(KEY, b"before", Duration::from_secs(60))
        .await
        .unwrap();
    assert_eq!(warm.get(KEY).await.unwrap(), Some(b"before".to_vec()));

    server.stop();
    let mut report = Vec::new();
    for round in 0..3 {
        // Round 1 waits out the reconnect pause before each call, so that
        // every method tries Redis itself.
        let pause = if round == 1 {
            Duration::from_millis(260)
        } else {
            Duration::ZERO
        };
        for (name, store) in [("warm", &warm), ("cold", &cold)] {
            let timings = every_method_fails_within(store, timeout + SLACK, pause).await;
            report.push(format!("round {round} {name}: {timings:?}"));
        }
        // Past the reconnect pause: the next round tries to connect again.
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
    let err = warm.get(KEY).await.unwrap_err();
    assert_eq!(err.store, "redis");
    eprintln!("stopped server:\n{}", report.join("\n"));

    // Redis back on the same port (empty). Within a couple of seconds both
    // stores work again.
    server.restart();
    let back = Instant::now();
    for store in [&warm, &cold] {
        let deadline = Instant::now() + Duration::from_secs(3);
        let mut attempts = 0;
        loop {
            attempts += 1;
            match store.put(KEY, b"after", Duration::from_secs(60)).await {
                Ok(()) => break,
                Err(e) => {
                    assert!(Instant::now() < deadline, "still failing: {e}");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
            }
        }
        eprintln!(
            "reconnected after {attempts} attempts, {:?}",
            back.elapsed()
        );
        assert_eq!(store.get(KEY).await.unwrap(), Some(b"after".to_vec()));
        let token = store
            .try_lock("numport:test:lock", Duration::from_secs(5))
            .await
            .unwrap()
            .expect("free after restart");
        store.unlock("numport:test:lock", &token).await.unwrap();
        assert!(store.remove_if(KEY, b"after").await.unwrap());
        assert_eq!(
            store
                .take_budget("numport:test:budget", 1, Duration::from_millis(50))
                .await
                .unwrap(),
            Budget::Granted { remaining: 0 }
        );
        tokio::time::sleep(Duration::from_millis(60)).await;
    }
}

#[tokio::test]
async fn a_frozen_server_fails_every_call_in_time_and_is_used_again_once_thawed() {
    let server = RedisServer::start();
    let timeout = Duration::from_millis(200);
    let store = RedisStore::builder(server.url())
        .timeout(timeout)
        .build()
        .unwrap();
    store
        .put(KEY, b"before", Duration::from_secs(60))
        .await
        .unwrap();

    server.freeze();
    let started = Instant::now();
    let first = store.get(KEY).await;
    let waited = started.elapsed();
    assert!(first.is_err());
    assert!(
        waited >= timeout - Duration::from_millis(20) && waited < timeout + SLACK,
        "{waited:?}"
    );
    let mut report = Vec::new();
    for pause in [Duration::ZERO, Duration::from_millis(260)] {
        let timings = every_method_fails_within(&store, timeout + SLACK, pause).await;
        report.push(format!("pause {pause:?}: {timings:?}"));
    }
    eprintln!("frozen server: first get {waited:?}\n{}", report.join("\n"));

    server.thaw();
    let deadline = Instant::now() + Duration::from_secs(3);
    loop {
        match store.get(KEY).await {
            Ok(value) => {
                // A write that timed out while Redis was frozen may still
                // land once it thaws: the store said `Err`, not "not done".
                assert!(
                    value == Some(b"before".to_vec()) || value == Some(b"v".to_vec()),
                    "{value:?}"
                );
                break;
            }
            Err(e) => {
                assert!(Instant::now() < deadline, "still failing: {e}");
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        }
    }
    store
        .put(KEY, b"after", Duration::from_secs(60))
        .await
        .unwrap();
    assert_eq!(store.get(KEY).await.unwrap(), Some(b"after".to_vec()));
}

#[tokio::test]
async fn a_server_that_never_answers_fails_every_call_in_time() {
    // Accepts connections (counting them), then says nothing.
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let accepted = Arc::new(AtomicUsize::new(0));
    let counter = accepted.clone();
    std::thread::spawn(move || {
        let mut held = Vec::new();
        for stream in listener.incoming() {
            counter.fetch_add(1, Ordering::SeqCst);
            held.push(stream);
        }
    });
    let timeout = Duration::from_millis(200);
    let store = RedisStore::builder(format!("redis://127.0.0.1:{port}"))
        .timeout(timeout)
        .build()
        .unwrap();
    let mut report = Vec::new();
    let rounds = 4;
    for round in 0..rounds {
        let started = Instant::now();
        let timings = every_method_fails_within(&store, timeout + SLACK, Duration::ZERO).await;
        if round == 0 {
            // The first call waits its whole timeout for the connection.
            assert!(
                timings[0].1 >= timeout - Duration::from_millis(20),
                "{timings:?}"
            );
        }
        report.push(format!(
            "round {round}: {timings:?} in {:?}",
            started.elapsed()
        ));
        // Past the reconnect pause.
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
    eprintln!("silent server:\n{}", report.join("\n"));
    // Failures are paced: a failed attempt observed by a call starts one
    // more in the background, and calls reach Redis once per round.
    let attempts = accepted.load(Ordering::SeqCst);
    assert!(
        (rounds..=rounds + 1).contains(&attempts),
        "{attempts} connections"
    );
}

#[test]
fn a_store_is_built_without_a_runtime_and_used_in_one() {
    let server = RedisServer::start();
    let store = RedisStore::new(server.url()).unwrap();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        store.put(KEY, b"v", Duration::from_secs(5)).await.unwrap();
        assert_eq!(store.get(KEY).await.unwrap(), Some(b"v".to_vec()));
    });
}

#[test]
fn debug_shows_no_password_and_no_key() {
    let key_bytes = [0x5au8; 32];
    let store = RedisStore::builder("redis://:hunter2@127.0.0.1:6379")
        .sealing_key(SealingKey::new(key_bytes))
        .build()
        .unwrap();
    let shown = format!("{store:?}");
    assert!(!shown.contains("hunter2"), "{shown}");
    assert!(shown.contains("redis://:***@127.0.0.1:6379"), "{shown}");
    assert!(shown.contains("sealed: true"), "{shown}");
    assert!(
        !shown.contains("90, 90") && !shown.contains("5a5a"),
        "{shown}"
    );

    let builder = RedisStore::builder("redis://user:hunter2@127.0.0.1:6379/2")
        .sealing_key(SealingKey::new(key_bytes));
    let shown = format!("{builder:?}");
    assert!(!shown.contains("hunter2"), "{shown}");
    assert!(
        shown.contains("redis://user:***@127.0.0.1:6379/2"),
        "{shown}"
    );
    let shown = format!("{:?}", builder.build().unwrap());
    assert!(!shown.contains("hunter2"), "{shown}");

    assert_eq!(
        format!("{:?}", SealingKey::new(key_bytes)),
        "SealingKey(..)"
    );

    // An invalid URL is named, never quoted.
    match RedisStore::new("redis://:hunter2@") {
        Err(numport::Error::Config(m)) => {
            assert!(m.contains("Redis URL"), "{m}");
            assert!(!m.contains("hunter2"), "{m}");
        }
        other => panic!("{other:?}"),
    }
    match RedisStore::new("postgres://:hunter2@db") {
        Err(e) => assert!(!e.to_string().contains("hunter2"), "{e}"),
        Ok(store) => panic!("{store:?}"),
    }
}

#[tokio::test]
async fn errors_name_no_secret() {
    // A server requiring a password, given the wrong one.
    let server = RedisServer::start();
    let mut conn = raw(&server).await;
    redis::cmd("CONFIG")
        .arg("SET")
        .arg("requirepass")
        .arg("right-password")
        .query_async::<()>(&mut conn)
        .await
        .unwrap();
    let url = format!("redis://:hunter2@127.0.0.1:{}/", server.port());
    let store = RedisStore::builder(url)
        .sealing_key(SealingKey::new([3; 32]))
        .build()
        .unwrap();
    let err = store
        .put(KEY, b"value-s3cret", Duration::from_secs(5))
        .await
        .unwrap_err();
    let text = format!("{err} {err:?}");
    assert!(!text.contains("hunter2"), "{text}");
    assert!(!text.contains("value-s3cret"), "{text}");
    assert!(!text.contains("right-password"), "{text}");

    // With the right password it works.
    let url = format!("redis://:right-password@127.0.0.1:{}/", server.port());
    let right = RedisStore::new(url).unwrap();
    right.put(KEY, b"v", Duration::from_secs(5)).await.unwrap();
    assert_eq!(right.get(KEY).await.unwrap(), Some(b"v".to_vec()));

    // Once the server takes the store's password, the store connects again.
    redis::cmd("CONFIG")
        .arg("SET")
        .arg("requirepass")
        .arg("hunter2")
        .query_async::<()>(&mut conn)
        .await
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(2);
    loop {
        match store
            .put(KEY, b"value-s3cret", Duration::from_secs(5))
            .await
        {
            Ok(()) => break,
            Err(e) => {
                assert!(Instant::now() < deadline, "still failing: {e}");
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        }
    }
    assert_eq!(
        store.get(KEY).await.unwrap(),
        Some(b"value-s3cret".to_vec())
    );
}
