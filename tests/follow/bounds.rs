//! The follower's bounds: a round reads at most `max_orders_per_round`
//! open orders (the oldest-updated first; the others on later rounds), and
//! settings out of range are refused before anything is sent or stored.

use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::Duration;

use numport::sandbox::INumberingSandbox;
use numport::store::{Claim, MemoryStore, Store};
use numport::{
    Error, Events, MAX_FOLLOW_INTERVAL, MAX_FOLLOW_LEASE, MAX_ORDERS_PER_ROUND,
    MIN_FOLLOW_INTERVAL, MIN_FOLLOW_LEASE, PortId, RoundLease,
};

use crate::setup::{follower, inumbering, inumbering_orders, status_calls, stream};

fn index(ids: &[PortId], id: &PortId) -> usize {
    ids.iter().position(|i| i == id).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_round_reads_at_most_max_orders_the_oldest_updated_first_and_the_rest_later() {
    let sandbox = INumberingSandbox::start().await.unwrap();
    let store: Arc<dyn Store> = Arc::new(MemoryStore::new());
    // Recorded one at a time: order i was updated before order i + 1.
    let ids = inumbering_orders(&sandbox, &store, 10, true).await;
    let follower = follower(inumbering(&sandbox, &store), &store).max_orders_per_round(4);

    let mut read = Vec::new();
    let mut on_stream = 0;
    for _ in 0..4 {
        let before = status_calls(&sandbox);
        let report = follower.round().await.unwrap();
        // The listing is one call whatever the bound; four orders of it are
        // followed, each with a new status (the sandbox moves every order
        // on each call).
        assert_eq!(status_calls(&sandbox) - before, 1);
        assert_eq!(report.lease, RoundLease::Held { epoch: 1 });
        assert_eq!(
            (report.followed, report.changed, report.published),
            (4, 4, 4)
        );
        let events = stream(&store).await;
        let round: BTreeSet<usize> = events[on_stream..]
            .iter()
            .map(|e| index(&ids, &e.order_id))
            .collect();
        on_stream = events.len();
        read.push(round);
    }
    let set = |r: std::ops::Range<usize>| r.collect::<BTreeSet<usize>>();
    // The four oldest-updated, then the next four.
    assert_eq!(read[0], set(0..4));
    assert_eq!(read[1], set(4..8));
    // Then the two never read, and two of those read longest ago.
    assert!(read[2].is_superset(&set(8..10)), "{read:?}");
    let first_again: BTreeSet<usize> = read[2].difference(&set(8..10)).copied().collect();
    assert_eq!(first_again.len(), 2);
    assert!(first_again.is_subset(&set(0..4)), "{read:?}");
    // Then the other two of the first round, and two of the second.
    let rest: BTreeSet<usize> = set(0..4).difference(&first_again).copied().collect();
    assert!(read[3].is_superset(&rest), "{read:?}");
    assert_eq!(
        read[3]
            .difference(&rest)
            .filter(|i| (4..8).contains(*i))
            .count(),
        2,
        "{read:?}"
    );
    println!("max_orders_per_round 4 over 10 open orders: read by round {read:?}");
}

#[tokio::test]
async fn settings_out_of_range_are_refused_with_nothing_sent_or_stored() {
    let sandbox = INumberingSandbox::start().await.unwrap();
    let store: Arc<dyn Store> = Arc::new(MemoryStore::new());
    inumbering_orders(&sandbox, &store, 3, false).await;
    let provider = inumbering(&sandbox, &store);
    let base = follower(provider.clone(), &store);
    let calls = sandbox.requests().len();

    let bad = [
        (
            "Follower: lease must be between 1s and 600s, not 999ms",
            base.clone()
                .lease(MIN_FOLLOW_LEASE - Duration::from_millis(1)),
        ),
        (
            "Follower: lease must be between 1s and 600s, not 600.001s",
            base.clone()
                .lease(MAX_FOLLOW_LEASE + Duration::from_millis(1)),
        ),
        (
            "Follower: interval must be between 1ms and 86400s, not 0ns",
            base.clone().interval(Duration::ZERO),
        ),
        (
            "Follower: interval must be between 1ms and 86400s, not 86400.001s",
            base.clone()
                .interval(MAX_FOLLOW_INTERVAL + Duration::from_millis(1)),
        ),
        (
            "Follower: max_orders_per_round must be between 1 and 100000, not 0",
            base.clone().max_orders_per_round(0),
        ),
        (
            "Follower: max_orders_per_round must be between 1 and 100000, not 100001",
            base.clone().max_orders_per_round(MAX_ORDERS_PER_ROUND + 1),
        ),
    ];
    for (expected, follower) in &bad {
        match follower.round().await {
            Err(Error::Config(message)) => assert_eq!(message, *expected),
            other => panic!("{expected}: {other:?}"),
        }
        match follower.run(std::future::pending()).await {
            Err(Error::Config(message)) => assert_eq!(message, *expected),
            other => panic!("{expected}: {other:?}"),
        }
    }
    // Nothing sent, nothing published, and the lease never claimed.
    assert_eq!(sandbox.requests().len(), calls);
    assert_eq!(Events::new(store.clone()).len().await.unwrap(), 0);
    let key = format!("{}:follow", provider.account_reference().unwrap());
    let claim = store
        .claim(
            &key,
            b"probe",
            Duration::from_millis(1),
            Duration::from_secs(1),
        )
        .await
        .unwrap();
    assert!(matches!(claim, Claim::New(_)), "{claim:?}");
    assert!(store.remove(&key).await.unwrap());

    // The bounds themselves are accepted; a lease handed back is taken over
    // at once, one epoch more.
    let shortest = base
        .clone()
        .lease(MIN_FOLLOW_LEASE)
        .interval(MIN_FOLLOW_INTERVAL)
        .max_orders_per_round(1);
    assert_eq!(
        shortest.round().await.unwrap().lease,
        RoundLease::Held { epoch: 1 }
    );
    shortest.release().await.unwrap();
    let longest = follower(inumbering(&sandbox, &store), &store)
        .lease(MAX_FOLLOW_LEASE)
        .interval(MAX_FOLLOW_INTERVAL)
        .max_orders_per_round(MAX_ORDERS_PER_ROUND);
    let report = longest.round().await.unwrap();
    assert_eq!(report.lease, RoundLease::Held { epoch: 2 });
    assert_eq!(report.followed, 3);
    // The first holder finds it held elsewhere.
    assert_eq!(
        shortest.round().await.unwrap().lease,
        RoundLease::Elsewhere { epoch: Some(2) }
    );
}
