//! The relay on a real Redis (feature `redis`): two relays, each with its
//! own `RedisStore` as two machines would have, share one group; every
//! order's events reach the receiver once, in sequence, although the first
//! of one order fails twice; the per-order records and attempt states are
//! in Redis, and nothing is left pending.

use std::collections::BTreeMap;
use std::sync::Arc;

use numport::Events;
use numport::store::{RedisStore, Store};
use numport::webhook::RelayCounts;

use crate::receiver::{Answer, Receiver, at, attempts_of, clock, event, relay};
use crate::support::redis_server::RedisServer;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_relays_on_redis_keep_each_order_s_sequence() {
    let redis = RedisServer::start();
    let store = |_: usize| -> Arc<dyn Store> {
        Arc::new(RedisStore::builder(redis.url()).build().unwrap())
    };
    let clock = clock();
    let receiver = Receiver::start(clock.clone()).await;
    let x1 = event("X", 1).id;
    receiver.script(move |id, before| {
        if id == x1 && before < 2 {
            Answer::status(503)
        } else {
            Answer::status(204)
        }
    });
    let publisher = Events::new(store(0));
    let mut published = Vec::new();
    for sequence in 1..=5 {
        for order in ["X", "Y", "Z"] {
            let e = event(order, sequence);
            publisher.publish(&e).await.unwrap();
            published.push(e);
        }
    }
    let build = |name: &str, store: Arc<dyn Store>| {
        relay(&Events::new(store), &receiver.url(), &clock, name)
            .batch(3)
            .max_held(3)
            .build()
            .unwrap()
    };
    let (mut a, mut b) = (build("machine-a", store(1)), build("machine-b", store(2)));
    let (mut total_a, mut total_b) = (RelayCounts::default(), RelayCounts::default());
    for round in 0..200 {
        at(&clock, round * 5);
        let (ca, cb) = tokio::join!(a.run_once(), b.run_once());
        total_a += ca.unwrap();
        total_b += cb.unwrap();
        if total_a.delivered + total_b.delivered == 15 {
            break;
        }
    }
    assert_eq!(total_a.delivered + total_b.delivered, 15);
    assert!(total_a.delivered > 0 && total_b.delivered > 0);
    assert_eq!(total_a.retried + total_b.retried, 2);
    assert_eq!(total_a.duplicates_skipped + total_b.duplicates_skipped, 0);

    let seen = receiver.seen();
    let mut accepted: BTreeMap<String, Vec<u64>> = BTreeMap::new();
    for s in seen.iter().filter(|s| s.answered == 204) {
        let e = s.verified.as_ref().expect("verified");
        assert!(published.contains(e));
        accepted
            .entry(e.order_id.as_str().to_owned())
            .or_default()
            .push(e.sequence);
    }
    for order in ["X", "Y", "Z"] {
        assert_eq!(accepted[order], [1, 2, 3, 4, 5], "order {order}");
    }
    assert_eq!(
        attempts_of(&seen, &event("X", 1).id),
        [(0, 503), (5, 503), (305, 204)]
    );
    // Nothing pending in the group, nothing dead.
    let check = store(3);
    let probe = Events::new(check.clone()).consumer(numport::webhook::DEFAULT_RELAY_GROUP, "probe");
    assert!(
        probe
            .claim_stale(std::time::Duration::ZERO, 100)
            .await
            .unwrap()
            .is_empty()
    );
    assert!(
        probe
            .next(100, std::time::Duration::ZERO)
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(check.stream_len("numport:events:dead").await.unwrap(), 0);
}
