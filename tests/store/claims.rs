//! The claims contract ([`Store::claim`], [`Store::record`],
//! [`Store::release`], [`Store::remove`]): one suite that every store
//! passes, run on a [`MemoryStore`] shared by two handles and on two
//! `RedisStore`s (two replicas) against one real `redis-server`, plain and
//! sealed.

use std::sync::Arc;
use std::time::{Duration, Instant};

use futures::future::join_all;
use numport::store::{Claim, Hold, LockToken, MAX_VALUE_BYTES, MemoryStore, Store};

use crate::support::basic_store::BasicStore;

const KEY: &str = "numport:cellhire:0123456789abcdef0123456789abcdef:once:k";
const LEASE: Duration = Duration::from_secs(30);
const TTL: Duration = Duration::from_secs(60);

/// Claims `key` until it is no longer leased, at most 100 times `pause`:
/// the kinds answered on the way and the last answer.
async fn claim_until_free(
    store: &dyn Store,
    key: &str,
    value: &[u8],
    pause: Duration,
) -> (usize, Claim) {
    let mut leased = 0;
    for _ in 0..100 {
        match store.claim(key, value, LEASE, TTL).await.unwrap() {
            Claim::Leased(_) => leased += 1,
            other => return (leased, other),
        }
        tokio::time::sleep(pause).await;
    }
    panic!("{key} still leased after 100 claims");
}

fn new_token(claim: Claim) -> LockToken {
    match claim {
        Claim::New(token) => token,
        other => panic!("expected New, got {other:?}"),
    }
}

/// The suite: `a` and `b` are two handles (two replicas) on one store.
pub(crate) async fn contract(a: Arc<dyn Store>, b: Arc<dyn Store>) {
    // The first claim stores its value; another sees it, changing nothing.
    let t1 = new_token(a.claim(KEY, b"v1", LEASE, TTL).await.unwrap());
    assert_eq!(
        b.claim(KEY, b"v2", LEASE, TTL).await.unwrap(),
        Claim::Leased(b"v1".to_vec())
    );
    // Only the holder records or releases.
    let stranger = LockToken::new();
    assert!(
        !b.record(KEY, &stranger, b"x", Hold::Settle, TTL)
            .await
            .unwrap()
    );
    assert!(!b.release(KEY, &stranger).await.unwrap());
    assert_eq!(
        b.claim(KEY, b"v2", LEASE, TTL).await.unwrap(),
        Claim::Leased(b"v1".to_vec())
    );
    // A value recorded with a lease that has ended is taken over by the
    // next claim, which gets the recorded value; the old holder is out.
    assert!(
        a.record(KEY, &t1, b"v3", Hold::Lease(Duration::ZERO), TTL)
            .await
            .unwrap()
    );
    let t2 = match b.claim(KEY, b"v4", LEASE, TTL).await.unwrap() {
        Claim::TakenOver { token, previous } => {
            assert_eq!(previous, b"v3");
            token
        }
        other => panic!("expected TakenOver, got {other:?}"),
    };
    assert_ne!(t1, t2);
    assert_eq!(
        a.claim(KEY, b"v5", LEASE, TTL).await.unwrap(),
        Claim::Leased(b"v3".to_vec())
    );
    assert!(
        !a.record(KEY, &t1, b"late", Hold::Settle, TTL)
            .await
            .unwrap()
    );
    assert!(!a.release(KEY, &t1).await.unwrap());
    // Settled: every claim reads the value, nobody takes it over.
    assert!(
        b.record(KEY, &t2, b"done", Hold::Settle, TTL)
            .await
            .unwrap()
    );
    for store in [&a, &b, &a] {
        assert_eq!(
            store.claim(KEY, b"v6", LEASE, TTL).await.unwrap(),
            Claim::Settled(b"done".to_vec())
        );
    }
    // Released by its holder, the key is free again; removed by anyone.
    assert!(b.release(KEY, &t2).await.unwrap());
    assert!(!b.release(KEY, &t2).await.unwrap());
    let _t3 = new_token(a.claim(KEY, b"v7", LEASE, TTL).await.unwrap());
    assert!(b.remove(KEY).await.unwrap());
    assert!(!a.remove(KEY).await.unwrap());
    let t4 = new_token(b.claim(KEY, b"v8", LEASE, TTL).await.unwrap());
    assert!(b.remove(KEY).await.unwrap());
    assert!(
        !b.record(KEY, &t4, b"gone", Hold::Settle, TTL)
            .await
            .unwrap()
    );

    // A lease runs out on its own: the next claim takes the key over.
    let short = "numport:cellhire:0123456789abcdef0123456789abcdef:once:short";
    let lease = Duration::from_millis(150);
    new_token(a.claim(short, b"owner died", lease, TTL).await.unwrap());
    assert!(matches!(
        b.claim(short, b"w", LEASE, TTL).await.unwrap(),
        Claim::Leased(_)
    ));
    let (_, after) = claim_until_free(&*b, short, b"w", Duration::from_millis(20)).await;
    match after {
        Claim::TakenOver { previous, .. } => assert_eq!(previous, b"owner died"),
        other => panic!("expected TakenOver, got {other:?}"),
    }

    // Every entry has a lifetime: a settled one goes when it ends.
    let brief = "numport:cellhire:0123456789abcdef0123456789abcdef:once:brief";
    let t = new_token(a.claim(brief, b"v", lease, lease).await.unwrap());
    assert!(
        a.record(
            brief,
            &t,
            b"settled",
            Hold::Settle,
            Duration::from_millis(150)
        )
        .await
        .unwrap()
    );
    let started = Instant::now();
    loop {
        match b.claim(brief, b"again", LEASE, TTL).await.unwrap() {
            Claim::Settled(v) => assert_eq!(v, b"settled"),
            Claim::New(_) => break,
            other => panic!("expected Settled then New, got {other:?}"),
        }
        assert!(started.elapsed() < Duration::from_secs(5), "never expired");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }

    // Values are bounded: a larger one is refused and nothing is stored.
    let big = "numport:cellhire:0123456789abcdef0123456789abcdef:once:big";
    let too_large = vec![b'x'; MAX_VALUE_BYTES + 1];
    let e = a.claim(big, &too_large, LEASE, TTL).await.unwrap_err();
    assert!(e.message.contains("limit"), "{e}");
    let t = new_token(a.claim(big, b"small", LEASE, TTL).await.unwrap());
    assert!(
        a.record(big, &t, &too_large, Hold::Settle, TTL)
            .await
            .is_err()
    );
    assert_eq!(
        b.claim(big, b"w", LEASE, TTL).await.unwrap(),
        Claim::Leased(b"small".to_vec())
    );

    // Eight claims at once (alternating handles): exactly one gets the key.
    let race = "numport:cellhire:0123456789abcdef0123456789abcdef:once:race";
    let stores = [&a, &b];
    let claims = join_all((0..8u8).map(|i| {
        let store = stores[usize::from(i % 2)].clone();
        async move { store.claim(race, &[i], LEASE, TTL).await.unwrap() }
    }))
    .await;
    let winners: Vec<usize> = claims
        .iter()
        .enumerate()
        .filter(|(_, c)| matches!(c, Claim::New(_)))
        .map(|(i, _)| i)
        .collect();
    assert_eq!(winners.len(), 1, "{claims:?}");
    let held = [u8::try_from(winners[0]).unwrap()].to_vec();
    for claim in claims.iter().filter(|c| !matches!(c, Claim::New(_))) {
        assert_eq!(claim, &Claim::Leased(held.clone()));
    }
}

#[tokio::test]
async fn a_memory_store_passes_the_claims_contract() {
    let store: Arc<dyn Store> = Arc::new(MemoryStore::new());
    contract(store.clone(), store).await;
}

/// A store written before claims existed: the defaults refuse, storing
/// nothing.
#[tokio::test]
async fn a_store_without_claims_refuses_them() {
    let old = BasicStore(MemoryStore::new());
    let e = old.claim(KEY, b"v", LEASE, TTL).await.unwrap_err();
    assert_eq!(
        e.to_string(),
        "store old: this store does not implement claims"
    );
    assert!(
        old.record(KEY, &LockToken::new(), b"v", Hold::Settle, TTL)
            .await
            .is_err()
    );
    assert!(old.release(KEY, &LockToken::new()).await.is_err());
    assert!(old.remove(KEY).await.is_err());
    assert_eq!(
        format!("{:?}", old.0),
        "MemoryStore { values: 0, locks: 0, budgets: 0, claims: 0, indexes: 0, streams: 0 }"
    );
}

#[cfg(feature = "redis")]
mod redis {
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
    async fn two_redis_stores_pass_the_claims_contract() {
        let server = RedisServer::start();
        contract(store(&server, None), store(&server, None)).await;
    }

    #[tokio::test]
    async fn two_sealed_redis_stores_pass_the_claims_contract_and_redis_sees_no_value() {
        let server = RedisServer::start();
        let (a, b) = (store(&server, Some(7)), store(&server, Some(7)));
        contract(a.clone(), b).await;

        let t = new_token(a.claim(KEY, b"fingerprint-abc", LEASE, TTL).await.unwrap());
        let mut c = raw(&server).await;
        let stored: Vec<u8> = ::redis::cmd("HGET")
            .arg(KEY)
            .arg("v")
            .query_async(&mut c)
            .await
            .unwrap();
        assert!(stored.starts_with(b"np1"));
        assert!(!stored.windows(11).any(|w| w == b"fingerprint"));
        let pttl: i64 = ::redis::cmd("PTTL")
            .arg(KEY)
            .query_async(&mut c)
            .await
            .unwrap();
        assert!(pttl > 0 && pttl <= 60_000, "{pttl}");
        assert!(
            a.record(KEY, &t, b"recorded", Hold::Settle, TTL)
                .await
                .unwrap()
        );
        let pttl: i64 = ::redis::cmd("PTTL")
            .arg(KEY)
            .query_async(&mut c)
            .await
            .unwrap();
        assert!(pttl > 0 && pttl <= 60_000, "{pttl}");

        // Another sealing key cannot read it: an error, never an absence
        // (an absent claim would let the caller send).
        let other = store(&server, Some(8));
        let e = other.claim(KEY, b"v", LEASE, TTL).await.unwrap_err();
        assert!(e.message.contains("did not open"), "{e}");
        assert_eq!(
            a.claim(KEY, b"v", LEASE, TTL).await.unwrap(),
            Claim::Settled(b"recorded".to_vec())
        );
    }

    #[tokio::test]
    async fn a_stopped_redis_fails_claims_and_a_restarted_one_serves_them() {
        let mut server = RedisServer::start();
        let a = store(&server, None);
        server.stop();
        assert!(a.claim(KEY, b"v", LEASE, TTL).await.is_err());
        assert!(a.remove(KEY).await.is_err());
        server.restart();
        let started = Instant::now();
        loop {
            match a.claim(KEY, b"v", LEASE, TTL).await {
                Ok(claim) => {
                    new_token(claim);
                    break;
                }
                Err(e) => assert!(started.elapsed() < Duration::from_secs(5), "{e}"),
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}
