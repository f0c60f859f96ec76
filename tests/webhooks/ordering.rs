//! Per-order order: across two relays sharing one group, behind a
//! predecessor being retried, after a predecessor that never comes, and
//! with the same event twice on the stream; a dead relay's events taken
//! over.

use std::collections::BTreeMap;
use std::time::Duration;

use numport::webhook::RelayCounts;

use crate::receiver::{Answer, Receiver, at, attempts_of, clock, event, events, pending, relay};

/// Two relays of one group (each holding two events at most, so that
/// they split every order between them): order X's six events reach the
/// receiver in sequence order although its first one fails twice and the
/// relay holding X2 has no record of X1 yet; Y's three too; each once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_relays_sharing_a_group_keep_each_order_s_sequence() {
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
    let (store, events) = events();
    for (order, sequence) in [
        ("X", 1),
        ("Y", 1),
        ("X", 2),
        ("Y", 2),
        ("X", 3),
        ("Y", 3),
        ("X", 4),
        ("X", 5),
        ("X", 6),
    ] {
        events.publish(&event(order, sequence)).await.unwrap();
    }
    let build = |name: &str| {
        relay(&events, &receiver.url(), &clock, name)
            .batch(2)
            .max_held(2)
            .build()
            .unwrap()
    };
    let (mut a, mut b) = (build("ra"), build("rb"));
    let (mut total_a, mut total_b) = (RelayCounts::default(), RelayCounts::default());
    for round in 0..100 {
        at(&clock, round * 5);
        let (ca, cb) = tokio::join!(a.run_once(), b.run_once());
        total_a += ca.unwrap();
        total_b += cb.unwrap();
        if total_a.delivered + total_b.delivered == 9 {
            break;
        }
    }
    assert_eq!(total_a.delivered + total_b.delivered, 9);
    assert!(
        total_a.delivered > 0 && total_b.delivered > 0,
        "{total_a:?} {total_b:?}"
    );
    assert_eq!(total_a.retried + total_b.retried, 2);
    assert_eq!(total_a.duplicates_skipped + total_b.duplicates_skipped, 0);
    assert_eq!(total_a.sent_out_of_order + total_b.sent_out_of_order, 0);

    let seen = receiver.seen();
    let mut accepted: BTreeMap<String, Vec<u64>> = BTreeMap::new();
    for s in seen.iter().filter(|s| s.answered == 204) {
        let e = s.verified.as_ref().expect("verified");
        accepted
            .entry(e.order_id.as_str().to_owned())
            .or_default()
            .push(e.sequence);
    }
    assert_eq!(accepted["X"], [1, 2, 3, 4, 5, 6]);
    assert_eq!(accepted["Y"], [1, 2, 3]);
    // X1 at 0 and 5 s (503), then at 305 s.
    assert_eq!(
        attempts_of(&seen, &event("X", 1).id),
        [(0, 503), (5, 503), (305, 204)]
    );
    assert!(pending(&store, "ra").await.is_empty());
    assert!(pending(&store, "rb").await.is_empty());
}

/// A relay that dies holding events: another of the group takes them over
/// once they are idle for `claim_idle` (zero here) and delivers them when
/// the schedule the dead one kept in the store says.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dead_relay_s_events_are_taken_over() {
    let clock = clock();
    let receiver = Receiver::start(clock.clone()).await;
    receiver.answer(503);
    let (store, events) = events();
    events.publish(&event("X", 1)).await.unwrap();
    events.publish(&event("Y", 1)).await.unwrap();
    let mut dying = relay(&events, &receiver.url(), &clock, "ra")
        .build()
        .unwrap();
    let mut c = RelayCounts::default();
    c.retried = 2;
    assert_eq!(dying.run_once().await.unwrap(), c);
    assert_eq!(pending(&store, "ra").await.len(), 2);
    drop(dying);

    receiver.answer(204);
    let mut heir = relay(&events, &receiver.url(), &clock, "rb")
        .claim_idle(Duration::ZERO)
        .build()
        .unwrap();
    // The schedule goes on where the dead relay left it: next at 5 s.
    at(&clock, 4);
    assert_eq!(heir.run_once().await.unwrap(), RelayCounts::default());
    assert_eq!(heir.held(), 2);
    at(&clock, 5);
    let mut c = RelayCounts::default();
    c.delivered = 2;
    assert_eq!(heir.run_once().await.unwrap(), c);
    assert_eq!(
        attempts_of(&receiver.seen(), &event("X", 1).id),
        [(0, 503), (5, 204)]
    );
    assert!(pending(&store, "ra").await.is_empty());
    assert!(pending(&store, "rb").await.is_empty());
    assert_eq!(receiver.seen().len(), 4);
}

/// An event whose predecessor never shows up waits the whole schedule
/// (99,305 s by default), then goes out with a warning; the predecessor
/// arriving after it is acknowledged as passed, not sent.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_event_whose_predecessor_never_comes_is_sent_after_the_schedule_s_time() {
    let clock = clock();
    let receiver = Receiver::start(clock.clone()).await;
    let (_store, events) = events();
    let second = event("X", 2);
    events.publish(&second).await.unwrap();
    let mut relay = relay(&events, &receiver.url(), &clock, "r1")
        .build()
        .unwrap();
    for seconds in [0, 3600, 99_305] {
        at(&clock, seconds);
        assert_eq!(relay.run_once().await.unwrap(), RelayCounts::default());
    }
    assert!(receiver.seen().is_empty());
    at(&clock, 99_306);
    let mut c = RelayCounts::default();
    c.delivered = 1;
    c.sent_out_of_order = 1;
    assert_eq!(relay.run_once().await.unwrap(), c);
    assert_eq!(attempts_of(&receiver.seen(), &second.id), [(99_306, 204)]);

    events.publish(&event("X", 1)).await.unwrap();
    let mut c = RelayCounts::default();
    c.duplicates_skipped = 1;
    assert_eq!(relay.run_once().await.unwrap(), c);
    assert_eq!(receiver.seen().len(), 1);
}

/// The same event published twice (two entries): sent once, the second
/// entry acknowledged as a duplicate; so is an entry of an event delivered
/// earlier.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_same_event_twice_is_sent_once() {
    let clock = clock();
    let receiver = Receiver::start(clock.clone()).await;
    let (store, events) = events();
    let first = event("X", 1);
    events.publish(&first).await.unwrap();
    events.publish(&first).await.unwrap();
    events.publish(&event("X", 2)).await.unwrap();
    let mut relay = relay(&events, &receiver.url(), &clock, "r1")
        .build()
        .unwrap();
    let mut c = RelayCounts::default();
    c.delivered = 2;
    c.duplicates_skipped = 1;
    assert_eq!(relay.run_once().await.unwrap(), c);
    events.publish(&first).await.unwrap();
    let mut c = RelayCounts::default();
    c.duplicates_skipped = 1;
    assert_eq!(relay.run_once().await.unwrap(), c);
    assert_eq!(attempts_of(&receiver.seen(), &first.id), [(0, 204)]);
    assert_eq!(receiver.seen().len(), 2);
    assert!(pending(&store, "r1").await.is_empty());
}

/// A relay restarted under the same consumer name (as `numport relay
/// --once` from cron) takes back its pending events with their schedule:
/// the third attempt of "0s,5s,5m" falls at 305 s and dead-letters.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_restarted_relay_keeps_the_schedule() {
    let clock = clock();
    let receiver = Receiver::start(clock.clone()).await;
    receiver.answer(503);
    let (store, events) = events();
    let published = event("X", 1);
    events.publish(&published).await.unwrap();
    let schedule: numport::webhook::RetrySchedule = "0s,5s,5m".parse().unwrap();
    let start = || {
        relay(&events, &receiver.url(), &clock, "cron")
            .schedule(schedule.clone())
            .build()
            .unwrap()
    };
    let mut retried = RelayCounts::default();
    retried.retried = 1;
    for seconds in [0, 5] {
        at(&clock, seconds);
        assert_eq!(start().run_once().await.unwrap(), retried);
    }
    at(&clock, 304);
    assert_eq!(start().run_once().await.unwrap(), RelayCounts::default());
    at(&clock, 305);
    let mut dead = RelayCounts::default();
    dead.dead_lettered = 1;
    assert_eq!(start().run_once().await.unwrap(), dead);
    assert_eq!(
        attempts_of(&receiver.seen(), &published.id),
        [(0, 503), (5, 503), (305, 503)]
    );
    assert_eq!(store.stream_len("numport:events:dead").await.unwrap(), 1);
    assert!(pending(&store, "cron").await.is_empty());
}

/// The wait for a missing predecessor outlives the relay: started afresh
/// for each round (as `numport relay --once` from cron), an event whose
/// predecessor never comes still goes out once the whole schedule's time
/// has passed since a relay first took it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_wait_for_a_missing_predecessor_survives_a_restart() {
    let clock = clock();
    let receiver = Receiver::start(clock.clone()).await;
    let (store, events) = events();
    let second = event("X", 2);
    events.publish(&second).await.unwrap();
    let start = || {
        relay(&events, &receiver.url(), &clock, "cron")
            .build()
            .unwrap()
    };
    for seconds in [0, 3600, 99_305] {
        at(&clock, seconds);
        assert_eq!(start().run_once().await.unwrap(), RelayCounts::default());
    }
    assert!(receiver.seen().is_empty());
    at(&clock, 99_306);
    let mut c = RelayCounts::default();
    c.delivered = 1;
    c.sent_out_of_order = 1;
    assert_eq!(start().run_once().await.unwrap(), c);
    assert_eq!(attempts_of(&receiver.seen(), &second.id), [(99_306, 204)]);
    assert!(pending(&store, "cron").await.is_empty());
}
