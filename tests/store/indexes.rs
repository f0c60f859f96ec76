//! The index contract ([`Store::index_put`], [`Store::index_get`],
//! [`Store::index_swap`], [`Store::index_remove`], [`Store::index_list`]): one suite that every
//! store passes, run on a [`MemoryStore`] shared by two handles and on two
//! `RedisStore`s (two replicas) against one real `redis-server`, plain and
//! sealed.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use futures::future::join_all;
use numport::store::{MAX_INDEX_NAME_BYTES, MAX_VALUE_BYTES, MemoryStore, Store};

use crate::support::basic_store::BasicStore;

const INDEX: &str = "numport:ledger:cellhire";
const TTL: Duration = Duration::from_secs(60);

async fn listed(store: &dyn Store, limit: usize) -> BTreeMap<String, Vec<u8>> {
    store
        .index_list(INDEX, limit)
        .await
        .unwrap()
        .into_iter()
        .collect()
}

fn map(pairs: &[(&str, &[u8])]) -> BTreeMap<String, Vec<u8>> {
    pairs
        .iter()
        .map(|(m, v)| ((*m).to_owned(), v.to_vec()))
        .collect()
}

/// Lists `INDEX` until `member` is gone, at most 200 times `pause`.
async fn until_gone(store: &dyn Store, member: &str, pause: Duration) -> usize {
    for round in 0..200 {
        if !listed(store, 100).await.contains_key(member) {
            return round;
        }
        tokio::time::sleep(pause).await;
    }
    panic!("{member} still listed after 200 listings");
}

/// The suite: `a` and `b` are two handles (two replicas) on one store.
pub(crate) async fn contract(a: Arc<dyn Store>, b: Arc<dyn Store>) {
    // Empty: nothing listed, nothing read, nothing removed.
    assert!(listed(&*a, 10).await.is_empty());
    assert_eq!(a.index_get(INDEX, "m1").await.unwrap(), None);
    assert!(!a.index_remove(INDEX, "m1").await.unwrap());

    // What one handle puts, the other reads and lists.
    a.index_put(INDEX, "m1", b"v1", TTL).await.unwrap();
    b.index_put(INDEX, "m2", b"v2", TTL).await.unwrap();
    assert_eq!(
        b.index_get(INDEX, "m1").await.unwrap(),
        Some(b"v1".to_vec())
    );
    assert_eq!(listed(&*b, 10).await, map(&[("m1", b"v1"), ("m2", b"v2")]));
    // Another index is another index.
    assert!(
        b.index_list("numport:ledger:apeiron", 10)
            .await
            .unwrap()
            .is_empty()
    );

    // A put replaces the member's value (one member, not two).
    b.index_put(INDEX, "m1", b"v1b", TTL).await.unwrap();
    assert_eq!(listed(&*a, 10).await, map(&[("m1", b"v1b"), ("m2", b"v2")]));

    // The limit bounds the listing: one more than wanted tells a cut one.
    assert_eq!(a.index_list(INDEX, 1).await.unwrap().len(), 1);
    assert_eq!(a.index_list(INDEX, 0).await.unwrap().len(), 0);
    assert_eq!(a.index_list(INDEX, usize::MAX).await.unwrap().len(), 2);

    // Removed by one handle: gone for both, once.
    assert!(a.index_remove(INDEX, "m2").await.unwrap());
    assert!(!b.index_remove(INDEX, "m2").await.unwrap());
    assert_eq!(b.index_get(INDEX, "m2").await.unwrap(), None);
    assert_eq!(listed(&*b, 10).await, map(&[("m1", b"v1b")]));

    // A member lives its own lifetime: a short one leaves the listing and
    // the reads, the long one stays.
    a.index_put(INDEX, "short", b"s", Duration::from_millis(20))
        .await
        .unwrap();
    // Read until it expires (not listed first: a read sees expiry too).
    let mut reads = 0;
    while b.index_get(INDEX, "short").await.unwrap().is_some() {
        reads += 1;
        assert!(reads < 200, "short still read after 200 reads");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    until_gone(&*b, "short", Duration::from_millis(10)).await;
    assert_eq!(listed(&*b, 10).await, map(&[("m1", b"v1b")]));
    // A put renews a lifetime: a long-lived member made short expires.
    b.index_put(INDEX, "m1", b"v1c", Duration::from_millis(20))
        .await
        .unwrap();
    until_gone(&*a, "m1", Duration::from_millis(10)).await;
    assert!(listed(&*a, 10).await.is_empty());

    // Bounds: names and values, refused before anything is stored.
    let long = "m".repeat(MAX_INDEX_NAME_BYTES + 1);
    assert!(a.index_put(INDEX, &long, b"v", TTL).await.is_err());
    assert!(a.index_put(&long, "m", b"v", TTL).await.is_err());
    assert!(a.index_put(INDEX, "", b"v", TTL).await.is_err());
    assert!(a.index_get(INDEX, &long).await.is_err());
    assert!(a.index_list(&long, 1).await.is_err());
    let big = vec![b'x'; MAX_VALUE_BYTES + 1];
    let e = a.index_put(INDEX, "big", &big, TTL).await.unwrap_err();
    assert!(e.message.contains("larger than"), "{e}");
    let at_limit = "m".repeat(MAX_INDEX_NAME_BYTES);
    a.index_put(INDEX, &at_limit, b"v", TTL).await.unwrap();
    assert!(a.index_remove(INDEX, &at_limit).await.unwrap());
    assert!(listed(&*a, 10).await.is_empty());

    // Compare-and-set: a swap writes only over what it expects.
    assert!(a.index_swap(INDEX, "s", None, b"s1", TTL).await.unwrap());
    // Absent expected, present found: nothing written.
    assert!(!b.index_swap(INDEX, "s", None, b"other", TTL).await.unwrap());
    // A stale expectation: nothing written.
    assert!(
        !b.index_swap(INDEX, "s", Some(b"s0"), b"other", TTL)
            .await
            .unwrap()
    );
    assert_eq!(a.index_get(INDEX, "s").await.unwrap(), Some(b"s1".to_vec()));
    assert!(
        b.index_swap(INDEX, "s", Some(b"s1"), b"s2", TTL)
            .await
            .unwrap()
    );
    assert_eq!(a.index_get(INDEX, "s").await.unwrap(), Some(b"s2".to_vec()));
    // Present expected, absent found: nothing written (not recreated).
    assert!(a.index_remove(INDEX, "s").await.unwrap());
    assert!(
        !a.index_swap(INDEX, "s", Some(b"s2"), b"s3", TTL)
            .await
            .unwrap()
    );
    assert_eq!(b.index_get(INDEX, "s").await.unwrap(), None);
    assert!(listed(&*b, 10).await.is_empty());
    // An expired member counts as absent.
    a.index_put(INDEX, "s", b"brief", Duration::from_millis(20))
        .await
        .unwrap();
    until_gone(&*a, "s", Duration::from_millis(10)).await;
    assert!(a.index_swap(INDEX, "s", None, b"s4", TTL).await.unwrap());
    assert!(a.index_remove(INDEX, "s").await.unwrap());
    // Bounds as for a put: nothing stored.
    assert!(a.index_swap(INDEX, &long, None, b"v", TTL).await.is_err());
    assert!(a.index_swap(INDEX, "s", None, &big, TTL).await.is_err());
    assert!(listed(&*a, 10).await.is_empty());
    // Many replicas incrementing one counter by read and swap, each
    // retrying on a lost swap: no increment is lost.
    a.index_put(INDEX, "n", b"0", TTL).await.unwrap();
    let bumps = (0..40).map(|i| {
        let store = if i % 2 == 0 { a.clone() } else { b.clone() };
        async move {
            let mut lost = 0;
            loop {
                let read = store.index_get(INDEX, "n").await.unwrap().unwrap();
                let n: u64 = std::str::from_utf8(&read).unwrap().parse().unwrap();
                let next = (n + 1).to_string();
                if store
                    .index_swap(INDEX, "n", Some(&read), next.as_bytes(), TTL)
                    .await
                    .unwrap()
                {
                    return lost;
                }
                lost += 1;
                tokio::task::yield_now().await;
            }
        }
    });
    let lost: usize = join_all(bumps).await.into_iter().sum();
    assert_eq!(a.index_get(INDEX, "n").await.unwrap(), Some(b"40".to_vec()));
    println!("index_swap: 40 increments from 2 handles, {lost} lost swap(s) retried");
    assert!(a.index_remove(INDEX, "n").await.unwrap());

    // Many replicas putting at once: every member listed once.
    let puts = (0..200).map(|i| {
        let store = if i % 2 == 0 { a.clone() } else { b.clone() };
        async move {
            store
                .index_put(INDEX, &format!("p{i}"), format!("v{i}").as_bytes(), TTL)
                .await
        }
    });
    for put in join_all(puts).await {
        put.unwrap();
    }
    let all = listed(&*a, 1000).await;
    assert_eq!(all.len(), 200);
    assert_eq!(all["p137"], b"v137");
    assert_eq!(a.index_list(INDEX, 150).await.unwrap().len(), 150);
}

#[tokio::test]
async fn a_memory_store_passes_the_index_contract() {
    let store: Arc<dyn Store> = Arc::new(MemoryStore::new());
    contract(store.clone(), store).await;
}

/// A store written before indexes existed: the defaults refuse, storing
/// nothing.
#[tokio::test]
async fn a_store_without_indexes_refuses_them() {
    let old = BasicStore::default();
    let e = old.index_put(INDEX, "m", b"v", TTL).await.unwrap_err();
    assert_eq!(
        e.to_string(),
        "store old: this store does not implement indexes"
    );
    assert!(old.index_get(INDEX, "m").await.is_err());
    assert!(old.index_swap(INDEX, "m", None, b"v", TTL).await.is_err());
    assert!(old.index_remove(INDEX, "m").await.is_err());
    assert!(old.index_list(INDEX, 1).await.is_err());
    assert_eq!(
        format!("{:?}", old.0),
        "MemoryStore { values: 0, locks: 0, budgets: 0, claims: 0, indexes: 0, streams: 0 }"
    );
}

#[cfg(feature = "redis")]
mod redis {
    use ::redis::AsyncCommands;
    use numport::store::{RedisStore, SealingKey};

    use super::*;
    use crate::support::redis_server::RedisServer;

    fn store(server: &RedisServer, sealing: Option<u8>) -> Arc<dyn Store> {
        let mut builder = RedisStore::builder(server.url());
        if let Some(k) = sealing {
            builder = builder.sealing_key(SealingKey::new([k; 32]));
        }
        Arc::new(builder.build().unwrap())
    }

    async fn raw(server: &RedisServer) -> ::redis::aio::MultiplexedConnection {
        ::redis::Client::open(server.url())
            .unwrap()
            .get_multiplexed_async_connection()
            .await
            .unwrap()
    }

    #[tokio::test]
    async fn two_redis_stores_pass_the_index_contract() {
        let server = RedisServer::start();
        contract(store(&server, None), store(&server, None)).await;
    }

    #[tokio::test]
    async fn two_sealed_redis_stores_pass_the_index_contract() {
        let server = RedisServer::start();
        contract(store(&server, Some(3)), store(&server, Some(3))).await;
    }

    /// An index in Redis: a sorted set and one key per member, every one
    /// with a lifetime; sealed, no value is readable, and another key's
    /// store fails (never reads an absence).
    #[tokio::test]
    async fn an_index_in_redis_has_lifetimes_everywhere_and_sealed_values() {
        let server = RedisServer::start();
        let sealed = store(&server, Some(3));
        sealed
            .index_put(INDEX, "o1", b"order o1 status open", TTL)
            .await
            .unwrap();
        let mut c = raw(&server).await;
        let keys: Vec<String> = c.keys("*").await.unwrap();
        let mut keys = keys;
        keys.sort();
        assert_eq!(keys, vec![INDEX.to_owned(), format!("{INDEX}:member:o1")]);
        for key in &keys {
            let ttl: i64 = c.pttl(key).await.unwrap();
            assert!(ttl > 0 && ttl <= 60_000, "{key}: {ttl}");
        }
        let stored: Vec<u8> = c.get(format!("{INDEX}:member:o1")).await.unwrap();
        assert!(!String::from_utf8_lossy(&stored).contains("order"));
        let other = store(&server, Some(4));
        let e = other.index_list(INDEX, 10).await.unwrap_err();
        assert!(e.message.contains("did not open"), "{e}");
        assert!(other.index_get(INDEX, "o1").await.is_err());
        // An unsealed store reads no sealed value as its own either.
        assert!(
            store(&server, None).index_list(INDEX, 10).await.unwrap()[0].1
                != b"order o1 status open".to_vec()
        );
        // Removing leaves nothing behind.
        assert!(sealed.index_remove(INDEX, "o1").await.unwrap());
        let keys: Vec<String> = c.keys("*").await.unwrap();
        assert!(keys.is_empty(), "{keys:?}");
    }
}
