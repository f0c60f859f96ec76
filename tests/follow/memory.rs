//! One process, one `MemoryStore`: the follower follows Cellhire orders to
//! their end, publishes a status read elsewhere (through `Recorded`) before
//! the next one, and hands its lease back when `run` is shut down.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use numport::sandbox::INumberingSandbox;
use numport::store::{MemoryStore, Store};
use numport::{Carrier, Ledger, PortProvider, PortStatus, Recorded, RoundLease};

use crate::setup::{
    cellhire, cellhire_calls, cellhire_orders, cellhire_sandbox, chains, follower, inumbering,
    inumbering_orders, stream,
};
use crate::support::patience::Patience;

const CELLHIRE_FLOW: [PortStatus; 6] = [
    PortStatus::Received,
    PortStatus::Submitted,
    PortStatus::Scheduled,
    PortStatus::Ported,
    PortStatus::Provisioning,
    PortStatus::Complete,
];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_process_follows_cellhire_orders_to_their_end_on_a_memory_store() {
    const ORDERS: usize = 20;
    let sandbox = cellhire_sandbox().await;
    let store: Arc<dyn Store> = Arc::new(MemoryStore::new());
    let ids = cellhire_orders(&sandbox, &store, ORDERS).await;
    let follower = follower(cellhire(&sandbox, &store), &store);

    let mut calls = Vec::new();
    let mut published = Vec::new();
    for round in 1..=20 {
        let before = cellhire_calls(&sandbox);
        let report = follower.round().await.unwrap();
        assert_eq!(report.lease, RoundLease::Held { epoch: 1 });
        let after = cellhire_calls(&sandbox);
        calls.push((after.0 - before.0, after.1 - before.1));
        published.push(report.published);
        if report.followed == 0 {
            break;
        }
        if round == 1 {
            // Time passes at the carrier: every port moves one step. After
            // that, each details read moves the port it reads.
            sandbox.tick();
        }
    }
    // Round 1: one page, every order seen from it. Then one page and a read
    // of each order (each has moved) until every one is complete; then
    // nothing is open and nothing is called.
    assert_eq!(calls[0], (1, 0));
    assert_eq!(calls.last(), Some(&(0, 0)));
    assert!(
        calls[1..calls.len() - 1].iter().all(|c| *c == (1, ORDERS)),
        "{calls:?}"
    );

    let chains = chains(stream(&store).await);
    assert_eq!(chains.duplicates, 0);
    assert_eq!(chains.orders.len(), ORDERS);
    for id in &ids {
        assert_eq!(chains.statuses(id), CELLHIRE_FLOW, "{id}");
    }
    let ledger = Ledger::new(store.clone());
    assert!(
        ledger
            .open_orders(Carrier::Cellhire)
            .await
            .unwrap()
            .is_empty()
    );
    for entry in ledger.entries(Carrier::Cellhire).await.unwrap() {
        assert_eq!(entry.changes, CELLHIRE_FLOW.len() as u64);
        assert_eq!(entry.published, Some(PortStatus::Complete));
        assert!(entry.outbox.is_empty());
    }
    println!(
        "memory, Cellhire, {ORDERS} orders: (pages, details) by round {calls:?}, \
         events by round {published:?}, {} events, {} duplicates",
        chains.events, chains.duplicates
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_status_read_through_recorded_is_published_before_the_next_one() {
    let sandbox = cellhire_sandbox().await;
    let store: Arc<dyn Store> = Arc::new(MemoryStore::new());
    let ids = cellhire_orders(&sandbox, &store, 2).await;
    let provider = cellhire(&sandbox, &store);
    let recorded = Recorded::new(provider.clone(), Ledger::new(store.clone())).unwrap();
    let follower = follower(provider, &store);

    assert_eq!(follower.round().await.unwrap().published, 2);
    sandbox.tick();
    // Read elsewhere: the ledger holds Submitted, the stream does not.
    assert_eq!(
        recorded.order(&ids[0]).await.unwrap().status,
        PortStatus::Submitted
    );
    let report = follower.round().await.unwrap();
    // Order 0: Submitted from the ledger, then Scheduled read now.
    // Order 1: Submitted read now.
    assert_eq!((report.changed, report.published), (2, 3));
    // Order 1 read elsewhere until it ends: the ledger holds it ended, and
    // no longer open; its end is published from the ledger.
    let patience = Patience::waiting_for("order 1 read as complete");
    while recorded.order(&ids[1]).await.unwrap().status != PortStatus::Complete {
        patience.check();
    }
    let report = follower.round().await.unwrap();
    assert_eq!((report.followed, report.published), (1, 2));

    let chains = chains(stream(&store).await);
    assert_eq!(
        chains.statuses(&ids[0]),
        [
            PortStatus::Received,
            PortStatus::Submitted,
            PortStatus::Scheduled,
            PortStatus::Ported
        ]
    );
    assert_eq!(
        chains.statuses(&ids[1]),
        [
            PortStatus::Received,
            PortStatus::Submitted,
            PortStatus::Complete
        ]
    );
    assert_eq!(chains.duplicates, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn run_follows_until_shutdown_and_hands_the_lease_back() {
    let sandbox = INumberingSandbox::start().await.unwrap();
    let store: Arc<dyn Store> = Arc::new(MemoryStore::new());
    let ids = inumbering_orders(&sandbox, &store, 3, false).await;
    let running = follower(inumbering(&sandbox, &store), &store)
        .lease(Duration::from_secs(1))
        .interval(Duration::from_millis(5));
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let task = {
        let running = running.clone();
        tokio::spawn(async move {
            running
                .run(async {
                    let _ = stopped.await;
                })
                .await
        })
    };
    let ledger = Ledger::new(store.clone());
    // Until every order ended and its end is on the stream.
    let patience = Patience::waiting_for("every order ended and its end on the stream");
    loop {
        patience.check();
        let entries = ledger.entries(Carrier::INumbering).await.unwrap();
        if entries
            .iter()
            .all(|e| e.published == Some(PortStatus::Complete) && e.outbox.is_empty())
        {
            break;
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    assert!(running.lease_status().held);
    stop.send(()).unwrap();
    task.await.unwrap().unwrap();
    assert!(!running.lease_status().held);
    // Handed back: another follower takes it over at once, one epoch on.
    let next = follower(inumbering(&sandbox, &store), &store);
    let report = next.round().await.unwrap();
    assert_eq!(report.lease, RoundLease::Held { epoch: 2 });
    assert_eq!(report.followed, 0);

    let chains = chains(stream(&store).await);
    for id in &ids {
        assert_eq!(
            chains.statuses(id),
            [
                PortStatus::Received,
                PortStatus::Submitted,
                PortStatus::Scheduled,
                PortStatus::Complete
            ]
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn run_reporting_reports_each_round_with_its_counts_and_hands_the_lease_back() {
    let sandbox = INumberingSandbox::start().await.unwrap();
    let store: Arc<dyn Store> = Arc::new(MemoryStore::new());
    let ids = inumbering_orders(&sandbox, &store, 3, false).await;
    let running = follower(inumbering(&sandbox, &store), &store).interval(Duration::from_millis(5));
    // Each try's report: (lease, followed, changed, published, error,
    // next try in).
    type Seen = (
        RoundLease,
        usize,
        usize,
        usize,
        Option<String>,
        Option<Duration>,
    );
    let seen: Arc<Mutex<Vec<Seen>>> = Arc::default();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let task = {
        let running = running.clone();
        let seen = seen.clone();
        tokio::spawn(async move {
            running
                .run_reporting(
                    async {
                        let _ = stopped.await;
                    },
                    move |report, error| {
                        seen.lock().unwrap().push((
                            report.lease,
                            report.followed,
                            report.changed,
                            report.published,
                            error.map(ToString::to_string),
                            report.next_try_in,
                        ))
                    },
                )
                .await
        })
    };
    // A second follower of the account, started once the first holds the
    // lease: every try of its finds the lease elsewhere and waits the
    // standby (its interval, 40 ms, under a quarter of the 10 s lease).
    let patience = Patience::waiting_for("the first follower's lease");
    while !running.lease_status().held {
        patience.check();
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
    type Tries = Arc<Mutex<Vec<(RoundLease, Option<Duration>)>>>;
    let standby: Tries = Arc::default();
    let (stop_standby, standby_stopped) = tokio::sync::oneshot::channel::<()>();
    let standing_by = {
        let other =
            follower(inumbering(&sandbox, &store), &store).interval(Duration::from_millis(40));
        let standby = standby.clone();
        tokio::spawn(async move {
            other
                .run_reporting(
                    async {
                        let _ = standby_stopped.await;
                    },
                    move |report, _| {
                        standby
                            .lock()
                            .unwrap()
                            .push((report.lease, report.next_try_in));
                    },
                )
                .await
        })
    };
    // Until a round found nothing open (every order ended and was
    // published in an earlier one).
    let patience = Patience::waiting_for("a round that found nothing open");
    loop {
        patience.check();
        if seen.lock().unwrap().iter().any(|s| s.1 == 0) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    assert!(running.lease_status().held);
    stop_standby.send(()).unwrap();
    standing_by.await.unwrap().unwrap();
    stop.send(()).unwrap();
    task.await.unwrap().unwrap();
    assert!(!running.lease_status().held);

    let standby = standby.lock().unwrap().clone();
    assert!(!standby.is_empty());
    for (lease, next) in &standby {
        assert_eq!(*lease, RoundLease::Elsewhere { epoch: Some(1) });
        assert_eq!(*next, Some(Duration::from_millis(40)));
    }

    let seen = seen.lock().unwrap().clone();
    let held = RoundLease::Held { epoch: 1 };
    let next = Some(Duration::from_millis(5));
    let first_empty = seen.iter().position(|s| s.1 == 0).unwrap();
    // One portStatus call a round moves every order one step: each round
    // follows the three orders and changes each one's entry; a step that
    // changes only the carrier's status name (round 3) publishes nothing,
    // the others each order's new status, until all are complete.
    assert_eq!(
        seen[..=first_empty],
        [
            (held, 3, 3, 3, None, next),
            (held, 3, 3, 3, None, next),
            (held, 3, 3, 0, None, next),
            (held, 3, 3, 3, None, next),
            (held, 3, 3, 3, None, next),
            (held, 0, 0, 0, None, next),
        ]
    );
    // The rounds after it (if any ran before the shutdown) found nothing.
    assert!(
        seen[first_empty..]
            .iter()
            .all(|s| *s == (held, 0, 0, 0, None, next)),
        "{seen:?}"
    );
    let chains = chains(stream(&store).await);
    assert_eq!((chains.events, chains.duplicates), (12, 0));
    for id in &ids {
        assert_eq!(
            chains.statuses(id),
            [
                PortStatus::Received,
                PortStatus::Submitted,
                PortStatus::Scheduled,
                PortStatus::Complete
            ],
            "{id}"
        );
    }
    // Handed back: another follower takes it over at once, one epoch on.
    let next = follower(inumbering(&sandbox, &store), &store);
    let report = next.round().await.unwrap();
    assert_eq!(report.lease, RoundLease::Held { epoch: 2 });
    assert_eq!(report.followed, 0);
}
