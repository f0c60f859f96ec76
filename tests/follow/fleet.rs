//! Four followers (each its own client and its own `RedisStore` on one
//! Redis, as four replicas) over 5,000 open orders spend, round by round,
//! exactly the carrier calls one follower spends: one of them holds the
//! lease and polls; the stream gets each change of each order once.

use futures::future::join_all;
use numport::sandbox::INumberingSandbox;
use numport::{Follower, PortStatus, RoundReport};
use redis_server::RedisServer;

use crate::setup::{
    cellhire, cellhire_calls, cellhire_orders, cellhire_sandbox, chains, follower, inumbering,
    inumbering_orders, redis_store, status_calls, stream,
};
use crate::support::redis_server;

const ORDERS: usize = 5_000;

/// One round of every follower at once: exactly one holds the lease.
async fn round(fleet: &[Follower]) -> RoundReport {
    let reports: Vec<RoundReport> = join_all(fleet.iter().map(Follower::round))
        .await
        .into_iter()
        .map(Result::unwrap)
        .collect();
    let held: Vec<&RoundReport> = reports.iter().filter(|r| r.held()).collect();
    assert_eq!(held.len(), 1, "{reports:?}");
    *held[0]
}

/// `followers` replicas follow `ORDERS` iNumbering orders until none is
/// open: portStatus calls by round, events on the stream.
async fn inumbering_fleet(followers: usize) -> (Vec<usize>, usize) {
    let redis = RedisServer::start();
    let sandbox = INumberingSandbox::start().await.unwrap();
    let submitter = redis_store(&redis);
    let ids = inumbering_orders(&sandbox, &submitter, ORDERS, false).await;
    let fleet: Vec<Follower> = (0..followers)
        .map(|_| {
            let store = redis_store(&redis);
            follower(inumbering(&sandbox, &store), &store)
        })
        .collect();
    let mut calls = Vec::new();
    for _ in 0..10 {
        let before = status_calls(&sandbox);
        let report = round(&fleet).await;
        calls.push(status_calls(&sandbox) - before);
        if report.followed == 0 {
            break;
        }
        assert_eq!(report.followed, ORDERS);
    }
    let chains = chains(stream(&submitter).await);
    assert_eq!(chains.duplicates, 0);
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
    (calls, chains.events)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn four_inumbering_followers_make_one_followers_calls_one_port_status_a_round() {
    let _alone = crate::setup::ONE_AT_A_TIME.lock().await;
    let (one, one_events) = inumbering_fleet(1).await;
    let (four, four_events) = inumbering_fleet(4).await;
    // One portStatus call a round while orders are open (the sandbox moves
    // each order one step a call: five reads to Complete), none after.
    assert_eq!(one, [1, 1, 1, 1, 1, 0]);
    assert_eq!(four, one);
    assert_eq!(four_events, one_events);
    assert_eq!(one_events, 4 * ORDERS);
    println!(
        "iNumbering, {ORDERS} orders: calls per round: 1 follower = {one:?}, \
         4 followers = {four:?}; events 1 follower = {one_events}, 4 followers = {four_events}"
    );
}

/// `followers` replicas follow `ORDERS` Cellhire orders for three rounds,
/// every port moved one step after the first: (pages, details) by round.
async fn cellhire_fleet(followers: usize) -> (Vec<(usize, usize)>, usize) {
    let redis = RedisServer::start();
    let sandbox = cellhire_sandbox().await;
    let submitter = redis_store(&redis);
    let ids = cellhire_orders(&sandbox, &submitter, ORDERS).await;
    let fleet: Vec<Follower> = (0..followers)
        .map(|_| {
            let store = redis_store(&redis);
            follower(cellhire(&sandbox, &store), &store)
        })
        .collect();
    let mut calls = Vec::new();
    for n in 1..=3 {
        let before = cellhire_calls(&sandbox);
        let report = round(&fleet).await;
        let after = cellhire_calls(&sandbox);
        calls.push((after.0 - before.0, after.1 - before.1));
        assert_eq!(report.followed, ORDERS);
        if n == 1 {
            sandbox.tick();
        }
    }
    let chains = chains(stream(&submitter).await);
    assert_eq!(chains.duplicates, 0);
    for id in &ids {
        assert_eq!(
            chains.statuses(id),
            [
                PortStatus::Received,
                PortStatus::Submitted,
                PortStatus::Scheduled
            ],
            "{id}"
        );
    }
    (calls, chains.events)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn four_cellhire_followers_make_one_followers_calls_a_round() {
    let _alone = crate::setup::ONE_AT_A_TIME.lock().await;
    let (one, one_events) = cellhire_fleet(1).await;
    let (four, four_events) = cellhire_fleet(4).await;
    let pages = ORDERS.div_ceil(50);
    // Round 1: one listing pass, each order first seen from it. Round 2:
    // every port moved: the pass, and a read of each. Round 3: each read
    // moved its port again: the same.
    assert_eq!(one, [(pages, 0), (pages, ORDERS), (pages, ORDERS)]);
    assert_eq!(four, one);
    assert_eq!((one_events, four_events), (3 * ORDERS, 3 * ORDERS));
    let total = |c: &[(usize, usize)]| c.iter().map(|(p, d)| p + d).collect::<Vec<_>>();
    println!(
        "Cellhire, {ORDERS} orders: calls per round: 1 follower = {:?}, 4 followers = {:?} \
         ((pages, details): {one:?} / {four:?})",
        total(&one),
        total(&four)
    );
}
