//! A holder dies mid-round: four followers run on one Redis; the holder's
//! task is aborted while it publishes a round (one event on the stream, its
//! entry's outbox not yet emptied), its state dropped. Another follower
//! takes the lease over within the lease time (Redis's clock), one epoch
//! on, publishes what the dead one left in the outboxes, and follows every
//! order to its end: each change on the stream at least once, in sequence
//! order per order, none lost.

use std::sync::Arc;
use std::time::Duration;

use numport::sandbox::INumberingSandbox;
use numport::store::Store;
use numport::{Carrier, Follower, Ledger, PortStatus};
use redis_server::RedisServer;

use crate::setup::{chains, follower, inumbering, inumbering_orders, redis_store, stream};
use crate::support::patience::Patience;
use crate::support::redis_server;
use crate::support::trapped::{Trap, Trapped};

const ORDERS: usize = 500;
const LEASE: Duration = Duration::from_secs(1);

/// Redis's own clock, in milliseconds.
async fn redis_ms(redis: &RedisServer) -> i64 {
    let client = redis::Client::open(redis.url()).unwrap();
    let mut conn = client.get_multiplexed_async_connection().await.unwrap();
    let (secs, micros): (i64, i64) = redis::cmd("TIME").query_async(&mut conn).await.unwrap();
    secs * 1_000 + micros / 1_000
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_holder_aborted_mid_round_is_taken_over_within_the_lease_and_nothing_is_lost() {
    let _alone = crate::setup::ONE_AT_A_TIME.lock().await;
    let redis = RedisServer::start();
    let sandbox = INumberingSandbox::start().await.unwrap();
    let submitter = redis_store(&redis);
    let ids = inumbering_orders(&sandbox, &submitter, ORDERS, false).await;
    let ledger = Ledger::new(submitter.clone());
    let trap = Trap::new(100);
    let interval = Duration::from_millis(50);
    let fleet: Vec<Follower> = (0..4)
        .map(|follower_no| {
            let store: Arc<dyn Store> = Arc::new(Trapped {
                inner: redis_store(&redis),
                trap: trap.clone(),
                follower: follower_no,
            });
            follower(inumbering(&sandbox, &store), &store)
                .lease(LEASE)
                .interval(interval)
        })
        .collect();
    let mut stops = Vec::new();
    let mut tasks = Vec::new();
    for f in &fleet {
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let f = f.clone();
        stops.push(Some(stop));
        tasks.push(Some(tokio::spawn(async move {
            f.run(async {
                let _ = stopped.await;
            })
            .await
        })));
    }
    let mut fleet: Vec<Option<Follower>> = fleet.into_iter().map(Some).collect();

    // Every order's first status on the stream: a round went through.
    let patience = Patience::waiting_for("a first round through");
    loop {
        patience.check();
        let entries = ledger.entries(Carrier::INumbering).await.unwrap();
        if entries
            .iter()
            .all(|e| e.changes >= 1 && e.outbox.is_empty())
        {
            break;
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    trap.arm();
    let patience = Patience::waiting_for("the trap to spring");
    let dead = loop {
        patience.check();
        if let Some(n) = trap.sprung() {
            break n;
        }
        tokio::time::sleep(Duration::from_millis(1)).await;
    };
    // Mid-round: the 100th event of the round is on the stream, its outbox
    // not emptied. The holder dies with its state.
    let task = tasks[dead].take().unwrap();
    task.abort();
    assert!(task.await.unwrap_err().is_cancelled());
    let aborted_at = redis_ms(&redis).await;
    let old = fleet[dead].take().unwrap().lease_status();
    stops[dead] = None;
    let old_epoch = old.epoch.unwrap();
    let waiting = ledger
        .entries(Carrier::INumbering)
        .await
        .unwrap()
        .iter()
        .filter(|e| !e.outbox.is_empty())
        .count();
    assert!(waiting >= 1, "the round was cut while publishing");

    // Another follower takes over, one epoch on.
    let patience = Patience::waiting_for("another follower to take over");
    let (next, new_bound, taken_at) = loop {
        patience.check();
        let taken = fleet.iter().enumerate().find_map(|(n, f)| {
            let status = f.as_ref()?.lease_status();
            (status.held && status.epoch == Some(old_epoch + 1)).then_some((n, status.until?))
        });
        if let Some((n, until)) = taken {
            break (n, until, redis_ms(&redis).await);
        }
        tokio::time::sleep(Duration::from_millis(2)).await;
    };
    // The new tenure began (its claim was sent) when the dead holder's
    // fencing bound had passed, but for the claim's own way to Redis: the
    // two never overlap.
    let lease = chrono::TimeDelta::from_std(LEASE).unwrap();
    let old_bound = old.until.unwrap();
    let gap = (new_bound - lease) - old_bound;
    assert!(gap > -chrono::TimeDelta::milliseconds(50), "{gap:?}");
    // The dead holder's lease ran out at most a lease after its last
    // renewal (before the abort); a waiting follower tries every quarter
    // lease at most (here every interval): it took over within the lease
    // and that wait (and the time its own claim took), by Redis's clock.
    let new_start = (new_bound - lease).timestamp_millis();
    let takeover = Duration::from_millis(u64::try_from(new_start - aborted_at).unwrap());
    assert!(
        takeover <= LEASE + interval.min(LEASE / 4) + LEASE / 10,
        "{takeover:?}"
    );
    assert!(taken_at >= new_start);
    assert_ne!(next, dead);

    // The new holder follows every order to its end.
    let patience = Patience::waiting_for("every order ended");
    loop {
        patience.check();
        let entries = ledger.entries(Carrier::INumbering).await.unwrap();
        if entries
            .iter()
            .all(|e| e.published == Some(PortStatus::Complete) && e.outbox.is_empty())
        {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    for stop in stops.into_iter().flatten() {
        stop.send(()).unwrap();
    }
    for task in tasks.into_iter().flatten() {
        task.await.unwrap().unwrap();
    }

    let chains = chains(stream(&submitter).await);
    assert_eq!(chains.orders.len(), ORDERS);
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
    // The event appended as the holder died was in its outbox: published
    // again by the next holder, with the same id.
    assert!(chains.duplicates >= 1);
    println!(
        "takeover: holder {dead} (epoch {old_epoch}) aborted mid-round with {waiting} orders' \
         changes in their outboxes; follower {next} took over (epoch {}) {} ms later by Redis's \
         clock (lease {} ms), {} ms after the dead holder's fencing bound; {} events, {} duplicates (same id), {} orders, none lost",
        old_epoch + 1,
        takeover.as_millis(),
        LEASE.as_millis(),
        gap.num_milliseconds(),
        chains.events,
        chains.duplicates,
        chains.orders.len()
    );
}
