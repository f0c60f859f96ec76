//! Redis stops mid-run: four followers (each its own client, its own
//! `RedisStore`); the holder cannot renew, so it stops, and no follower
//! reads the carrier after its fencing bound, nor at all while Redis is
//! down, though the carrier's orders move meanwhile. Redis comes back (with
//! what it held: it saved on the way down) and the following resumes, one
//! epoch on; no change is lost.

use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use numport::sandbox::INumberingSandbox;
use numport::{Carrier, Follower, Ledger, PortStatus};
use redis_server::RedisServer;

use crate::setup::{
    Logged, chains, follower, inumbering, inumbering_orders, redis_store, status_calls, stream,
};
use crate::support::patience::Patience;
use crate::support::redis_server;

const ORDERS: usize = 200;
const LEASE: Duration = Duration::from_secs(1);

/// Stops Redis the clean way: it saves what it holds, so that a restart
/// in its directory loads it again.
async fn shutdown_saving(redis: &mut RedisServer) {
    let client = redis::Client::open(redis.url()).unwrap();
    let mut conn = client.get_multiplexed_async_connection().await.unwrap();
    let _: redis::RedisResult<()> = redis::cmd("SHUTDOWN")
        .arg("SAVE")
        .query_async(&mut conn)
        .await;
    redis.stop();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_follower_polls_past_its_fencing_bound_while_redis_is_down_and_none_loses_a_change() {
    let _alone = crate::setup::ONE_AT_A_TIME.lock().await;
    let mut redis = RedisServer::start();
    let sandbox = INumberingSandbox::start().await.unwrap();
    let submitter = redis_store(&redis);
    let ids = inumbering_orders(&sandbox, &submitter, ORDERS, false).await;
    let ledger = Ledger::new(submitter.clone());
    let (logs, fleet): (Vec<Arc<Logged>>, Vec<Follower>) = (0..4)
        .map(|_| {
            let store = redis_store(&redis);
            let log = Logged::new(inumbering(&sandbox, &store));
            let follower = follower(log.clone(), &store)
                .lease(LEASE)
                .interval(Duration::from_millis(100));
            (log, follower)
        })
        .unzip();
    let mut stops = Vec::new();
    let mut tasks = Vec::new();
    for f in &fleet {
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let f = f.clone();
        stops.push(stop);
        tasks.push(tokio::spawn(async move {
            f.run(async {
                let _ = stopped.await;
            })
            .await
        }));
    }
    // A round went through.
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
    let (holder, epoch) = fleet
        .iter()
        .enumerate()
        .find_map(|(n, f)| {
            let status = f.lease_status();
            status.held.then_some((n, status.epoch?))
        })
        .unwrap();

    // Redis stops mid-run.
    shutdown_saving(&mut redis).await;
    let stopped_at = Utc::now();
    // Every follower stops holding, and every fencing bound passes.
    let patience = Patience::waiting_for("every follower past its fencing bound");
    let bounds = loop {
        patience.check();
        let statuses: Vec<_> = fleet.iter().map(Follower::lease_status).collect();
        let now = Utc::now();
        if statuses
            .iter()
            .all(|s| !s.held && s.until.is_none_or(|until| until < now))
        {
            break statuses;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    };
    // The carrier's orders move while nobody can follow them.
    sandbox.tick();
    sandbox.tick();
    let calls_when_down = status_calls(&sandbox);
    // Long enough for each follower to try its lease again several times.
    tokio::time::sleep(3 * LEASE).await;
    let calls_still_down = status_calls(&sandbox);

    let mut after_bound = 0;
    let mut held_before = 0;
    for (log, status) in logs.iter().zip(&bounds) {
        let Some(until) = status.until else {
            continue;
        };
        held_before += 1;
        after_bound += log.calls().iter().filter(|at| **at >= until).count();
    }
    assert!(held_before >= 1);
    assert_eq!(after_bound, 0, "reads begun after a fencing bound");
    assert_eq!(
        calls_still_down, calls_when_down,
        "polls while Redis was down"
    );
    let last_bound = bounds.iter().filter_map(|s| s.until).max().unwrap();

    // Redis comes back with what it held: the following resumes.
    redis.restart();
    let patience = Patience::waiting_for("every order ended after the restart");
    loop {
        patience.check();
        // The test's own connection may fail once on the restarted server.
        let Ok(entries) = ledger.entries(Carrier::INumbering).await else {
            tokio::time::sleep(Duration::from_millis(10)).await;
            continue;
        };
        if entries
            .iter()
            .all(|e| e.published == Some(PortStatus::Complete) && e.outbox.is_empty())
        {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    // The holder that renews its own lease (nobody took it meanwhile) keeps
    // its epoch; another one takes it over, one epoch on.
    let (next, resumed) = fleet
        .iter()
        .enumerate()
        .find_map(|(n, f)| {
            let status = f.lease_status();
            status.held.then_some((n, status.epoch?))
        })
        .unwrap();
    assert_eq!(resumed, if next == holder { epoch } else { epoch + 1 });
    for stop in stops {
        stop.send(()).unwrap();
    }
    for task in tasks {
        task.await.unwrap().unwrap();
    }

    let chains = chains(stream(&submitter).await);
    assert_eq!(chains.orders.len(), ORDERS);
    let mut skipped = 0;
    for id in &ids {
        let statuses = chains.statuses(id);
        assert_eq!(statuses.first(), Some(&PortStatus::Received), "{id}");
        assert_eq!(statuses.last(), Some(&PortStatus::Complete), "{id}");
        skipped += 4usize.saturating_sub(statuses.len());
    }
    println!(
        "outage: the last fencing bound fell {} ms after Redis stopped (lease {} ms); \
         reads begun after a bound: {after_bound}; portStatus calls while down: {}; \
         follower {holder} held epoch {epoch} before, follower {next} epoch {resumed} after; \
         {} events, {} duplicates; statuses the \
         carrier moved past while Redis was down (seen by no one): {skipped}",
        (last_bound - stopped_at).num_milliseconds(),
        LEASE.as_millis(),
        calls_still_down - calls_when_down,
        chains.events,
        chains.duplicates
    );
}
