//! Followed orders to a verifying receiver, end to end, on a real Redis:
//! orders submitted through `Recorded` on the iNumbering and Cellhire
//! sandboxes; two followers per carrier (each its own client and
//! `RedisStore`, as replicas) follow them round by round while the
//! sandboxes move them on; two relays of one group deliver the stream to a
//! receiver on loopback that checks every webhook with
//! `numport::webhook::verify`. Mid-way, each carrier's lease holder is
//! aborted while it publishes a round (its state dropped): the other
//! follower takes over within the lease (Redis's clock), publishes what the
//! dead one left in the outboxes, and follows every order to its end.
//! Every change of every order reaches the receiver, in sequence per order;
//! none is lost.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use chrono::{DateTime, Utc};
use numport::clock::ManualClock;
use numport::sandbox::INumberingSandbox;
use numport::store::Store;
use numport::webhook::{Relay, RelayCounts};
use numport::{
    Carrier, Events, Follower, FollowerLease, Ledger, PortEvent, PortId, PortStatus, RoundLease,
    RoundReport,
};
use tokio::task::JoinHandle;

use crate::receiver::{Receiver, secret};
use crate::support::patience::Patience;
use crate::support::redis_server::RedisServer;
use crate::support::trapped::{Trap, Trapped};

// The follower tests' set-up: sandboxes with orders in the ledger, a
// sealed `RedisStore` per replica, clients, the stream read back.
#[allow(dead_code)]
#[path = "../follow/setup.rs"]
mod setup;

use setup::{
    cellhire, cellhire_orders, cellhire_sandbox, chains, follower, inumbering, inumbering_orders,
    redis_store, stream,
};

/// Orders per carrier.
const ORDERS: usize = 100;
/// The followers' lease (the shortest allowed).
const LEASE: Duration = Duration::from_secs(1);
/// The wait between two tries of the followers while none holds the lease.
const PAUSE: Duration = Duration::from_millis(20);
/// The trap springs on this append of the second round.
const TRAP_AFTER: usize = 30;
/// Guards of the driving loops (never reached when all goes well).
const MAX_CYCLES: usize = 200;
const MAX_RELAY_ROUNDS: usize = 20_000;

/// iNumbering as the followers see it with a tick between rounds (the
/// sandbox moves each order one step a tick and one a portStatus call).
const INUMBERING_FLOW: [PortStatus; 4] = [
    PortStatus::Received,
    PortStatus::Submitted,
    PortStatus::Scheduled,
    PortStatus::Complete,
];

/// Cellhire as the followers see it with a tick between rounds (a details
/// read also moves the port it reads).
const CELLHIRE_FLOW: [PortStatus; 5] = [
    PortStatus::Received,
    PortStatus::Submitted,
    PortStatus::Scheduled,
    PortStatus::Provisioning,
    PortStatus::Complete,
];

/// Redis's own clock, in milliseconds.
async fn redis_ms(redis: &RedisServer) -> i64 {
    let client = redis::Client::open(redis.url()).unwrap();
    let mut conn = client.get_multiplexed_async_connection().await.unwrap();
    let (secs, micros): (i64, i64) = redis::cmd("TIME").query_async(&mut conn).await.unwrap();
    secs * 1_000 + micros / 1_000
}

/// A holder aborted mid-publish.
#[derive(Debug)]
struct Death {
    follower: usize,
    /// Its lease as it left it.
    lease: FollowerLease,
    /// When it was aborted, by Redis's clock (ms).
    aborted_at: i64,
}

/// One round of every live follower at once, each in its own task. Meanwhile,
/// every millisecond: the first fencing bound seen of each epoch (its
/// tenure's claim plus the lease), and a follower whose trap sprang has its
/// task aborted and its state dropped.
async fn round_all(
    fleet: &mut [Option<Follower>],
    trap: &Trap,
    redis: &RedisServer,
    first_bounds: &mut BTreeMap<u64, DateTime<Utc>>,
) -> (Vec<RoundReport>, Option<Death>) {
    type Task = JoinHandle<numport::Result<RoundReport>>;
    let mut tasks: Vec<(usize, Option<Task>)> = fleet
        .iter()
        .enumerate()
        .filter_map(|(n, f)| {
            let f = f.clone()?;
            Some((n, Some(tokio::spawn(async move { f.round().await }))))
        })
        .collect();
    let mut reports = Vec::new();
    let mut death = None;
    let patience = Patience::waiting_for("every follower round to end");
    loop {
        patience.check();
        for f in fleet.iter().flatten() {
            let status = f.lease_status();
            if let (true, Some(epoch), Some(until)) = (status.held, status.epoch, status.until) {
                first_bounds.entry(epoch).or_insert(until);
            }
        }
        if let Some(n) = trap.sprung() {
            if let Some((_, slot)) = tasks.iter_mut().find(|(m, t)| *m == n && t.is_some()) {
                let task = slot.take().unwrap();
                task.abort();
                assert!(task.await.unwrap_err().is_cancelled());
                let aborted_at = redis_ms(redis).await;
                let lease = fleet[n].take().unwrap().lease_status();
                death = Some(Death {
                    follower: n,
                    lease,
                    aborted_at,
                });
            }
        }
        let mut running = false;
        for (_, slot) in &mut tasks {
            match slot {
                Some(task) if task.is_finished() => {
                    reports.push(slot.take().unwrap().await.unwrap().unwrap());
                }
                Some(_) => running = true,
                None => {}
            }
        }
        if !running {
            break;
        }
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
    (reports, death)
}

/// What following one carrier's orders to their end came to.
#[derive(Debug)]
struct Followed {
    carrier: Carrier,
    /// The follower aborted mid-round, and the epoch it held.
    dead: usize,
    old_epoch: u64,
    /// Orders with changes in their outboxes when it died.
    waiting: usize,
    /// The events in those outboxes that were on the stream already.
    again: usize,
    /// The follower that took over.
    next: usize,
    /// From the abort to the new tenure's claim, by Redis's clock.
    takeover: Duration,
    /// From the dead holder's fencing bound to the new tenure's claim.
    gap_ms: i64,
    /// Rounds run under the lease (the cut one included).
    rounds: usize,
}

/// Whether every order of `carrier` in the ledger has ended and its end
/// is on the stream.
async fn all_ended(ledger: &Ledger, carrier: Carrier) -> bool {
    ledger
        .entries(carrier)
        .await
        .unwrap()
        .iter()
        .all(|e| e.published.is_some_and(PortStatus::is_terminal) && e.outbox.is_empty())
}

/// Follows `carrier`'s orders to their end with `fleet`: a round of every
/// follower at once (one holds the lease), then a tick of the sandbox
/// before the next; the second round is cut by the trap and its holder
/// aborted; rounds are tried every [`PAUSE`] (with no tick) until another
/// follower takes over.
async fn follow_to_the_end(
    carrier: Carrier,
    fleet: Vec<Follower>,
    tick: &(dyn Fn() + Send + Sync),
    trap: &Trap,
    ledger: &Ledger,
    redis: &RedisServer,
) -> Followed {
    let mut fleet: Vec<Option<Follower>> = fleet.into_iter().map(Some).collect();
    let mut first_bounds = BTreeMap::new();
    let mut death: Option<Death> = None;
    let mut taken: Option<(usize, u64)> = None;
    let mut waiting = 0;
    let mut again = 0;
    let mut rounds = 0;
    let mut ticked = false;
    for cycle in 0..MAX_CYCLES {
        if cycle == 1 {
            trap.arm();
        }
        let (reports, died) = round_all(&mut fleet, trap, redis, &mut first_bounds).await;
        let held = reports.iter().filter(|r| r.held()).count();
        assert!(held <= 1, "{carrier}: {reports:?}");
        if let Some(died) = died {
            assert!(death.is_none(), "{carrier}: one trap, one death");
            assert_eq!(held, 0, "{carrier}: {reports:?}");
            rounds += 1;
            death = Some(died);
            // Mid-round: its changes were written into the entries first;
            // each one not yet on the stream is in its entry's outbox, and
            // some are.
            let entries = ledger.entries(carrier).await.unwrap();
            let on_stream: HashSet<String> = stream(ledger.store())
                .await
                .into_iter()
                .map(|e| e.id)
                .collect();
            let mut unpublished = 0;
            for e in &entries {
                let last = PortEvent::id_for(&e.account, &e.order_id, e.changes);
                if !on_stream.contains(&last) {
                    unpublished += 1;
                    assert!(e.outbox.iter().any(|o| o.id == last), "{carrier}: {e:?}");
                }
            }
            assert!(
                unpublished >= 1,
                "{carrier}: the round was cut while publishing"
            );
            waiting = entries.iter().filter(|e| !e.outbox.is_empty()).count();
            // Those in the outboxes and on the stream already are published
            // again by the next holder.
            again = entries
                .iter()
                .flat_map(|e| &e.outbox)
                .filter(|e| on_stream.contains(&e.id))
                .count();
            assert!(again >= 1, "{carrier}");
            continue;
        }
        if held == 0 {
            // The dead holder's lease has not run out yet.
            assert!(death.is_some() && taken.is_none(), "{carrier}: {reports:?}");
            tokio::time::sleep(PAUSE).await;
            continue;
        }
        rounds += 1;
        if death.is_some() && taken.is_none() {
            let next = fleet
                .iter()
                .position(|f| f.as_ref().is_some_and(|f| f.lease_status().held))
                .unwrap();
            let report = reports.iter().find(|r| r.held()).unwrap();
            let (RoundLease::Held { epoch } | RoundLease::Lost { epoch }) = report.lease else {
                unreachable!()
            };
            taken = Some((next, epoch));
        }
        if death.is_some() && all_ended(ledger, carrier).await {
            break;
        }
        assert!(
            cycle + 1 < MAX_CYCLES,
            "{carrier}: not ended in {MAX_CYCLES} cycles"
        );
        tick();
        ticked = true;
    }
    assert!(ticked);
    let death = death.unwrap_or_else(|| panic!("{carrier}: the trap never sprang"));
    let (next, new_epoch) = taken.unwrap();
    assert_ne!(next, death.follower);
    // Another follower took over, one epoch on.
    let old_epoch = death.lease.epoch.unwrap();
    assert_eq!(new_epoch, old_epoch + 1, "{carrier}");

    // The new tenure began (its claim was sent) once the dead holder's
    // fencing bound had passed, but for the claim's own way to Redis.
    let lease = chrono::TimeDelta::from_std(LEASE).unwrap();
    let old_bound = death.lease.until.unwrap();
    let new_start = first_bounds[&new_epoch] - lease;
    let gap = new_start - old_bound;
    assert!(
        gap > -chrono::TimeDelta::milliseconds(50),
        "{carrier}: {gap:?}"
    );
    // The dead holder's lease ran out at most a lease after its last
    // renewal (before the abort); the other follower tries every PAUSE:
    // it took over within the lease, that wait and a tenth of the lease.
    let takeover = Duration::from_millis(
        u64::try_from(new_start.timestamp_millis() - death.aborted_at).unwrap(),
    );
    assert!(
        takeover <= LEASE + PAUSE + LEASE / 10,
        "{carrier}: {takeover:?}"
    );
    Followed {
        carrier,
        dead: death.follower,
        old_epoch,
        waiting,
        again,
        next,
        takeover,
        gap_ms: gap.num_milliseconds(),
        rounds,
    }
}

/// A relay's rounds until `finish` is set and then a round finds nothing
/// to do and holds nothing: its totals.
async fn relay_until(mut relay: Relay, finish: Arc<AtomicBool>) -> RelayCounts {
    let mut totals = RelayCounts::default();
    for _ in 0..MAX_RELAY_ROUNDS {
        let finishing = finish.load(Ordering::SeqCst);
        let counts = relay.run_once().await.unwrap();
        totals += counts;
        if finishing && counts == RelayCounts::default() && relay.held() == 0 {
            return totals;
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    panic!("the relay did not finish in {MAX_RELAY_ROUNDS} rounds: {totals:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn followed_changes_reach_the_receiver_in_order_through_a_takeover() {
    let redis = RedisServer::start();
    let inumbering_sandbox = INumberingSandbox::start().await.unwrap();
    let cellhire_sandbox = cellhire_sandbox().await;

    // Orders submitted through `Recorded`, each carrier's by a client and
    // store of its own.
    let inumbering_submitter = redis_store(&redis);
    let inumbering_ids =
        inumbering_orders(&inumbering_sandbox, &inumbering_submitter, ORDERS, false).await;
    let cellhire_submitter = redis_store(&redis);
    let cellhire_ids = cellhire_orders(&cellhire_sandbox, &cellhire_submitter, ORDERS).await;
    let ledger = Ledger::new(redis_store(&redis));

    // The receiver, verifying at the time of day; two relays of one group
    // (each its own store), on the real time schedule.
    let receiver = Receiver::start(Arc::new(ManualClock::new(Utc::now()))).await;
    let finish = Arc::new(AtomicBool::new(false));
    let relays: Vec<JoinHandle<RelayCounts>> = ["relay-a", "relay-b"]
        .into_iter()
        .map(|name| {
            let relay = Relay::builder(Events::new(redis_store(&redis)), &receiver.url(), secret())
                .consumer(name)
                .batch(10)
                .max_held(20)
                .build()
                .unwrap();
            tokio::spawn(relay_until(relay, finish.clone()))
        })
        .collect();

    // Two followers per carrier, each its own client and store.
    let inumbering_trap = Trap::new(TRAP_AFTER);
    let cellhire_trap = Trap::new(TRAP_AFTER);
    let trapped = |trap: &Arc<Trap>, follower: usize| -> Arc<dyn Store> {
        Arc::new(Trapped {
            inner: redis_store(&redis),
            trap: trap.clone(),
            follower,
        })
    };
    let inumbering_fleet: Vec<Follower> = (0..2)
        .map(|n| {
            let store = trapped(&inumbering_trap, n);
            follower(inumbering(&inumbering_sandbox, &store), &store).lease(LEASE)
        })
        .collect();
    let cellhire_fleet: Vec<Follower> = (0..2)
        .map(|n| {
            let store = trapped(&cellhire_trap, n);
            follower(cellhire(&cellhire_sandbox, &store), &store).lease(LEASE)
        })
        .collect();
    let tick_inumbering = || inumbering_sandbox.tick();
    let tick_cellhire = || cellhire_sandbox.tick();
    let (followed_inumbering, followed_cellhire) = tokio::join!(
        follow_to_the_end(
            Carrier::INumbering,
            inumbering_fleet,
            &tick_inumbering,
            &inumbering_trap,
            &ledger,
            &redis,
        ),
        follow_to_the_end(
            Carrier::Cellhire,
            cellhire_fleet,
            &tick_cellhire,
            &cellhire_trap,
            &ledger,
            &redis,
        ),
    );

    // Nothing more is published: the relays deliver what is left and stop.
    finish.store(true, Ordering::SeqCst);
    let mut relayed = RelayCounts::default();
    for relay in relays {
        let counts = relay.await.unwrap();
        assert!(counts.delivered > 0, "{counts:?}");
        relayed += counts;
    }
    assert_eq!(relayed.retried, 0);
    assert_eq!(relayed.dead_lettered, 0);
    assert_eq!(relayed.sent_out_of_order, 0);
    let check = redis_store(&redis);
    let probe = Events::new(check.clone()).consumer(numport::webhook::DEFAULT_RELAY_GROUP, "probe");
    assert!(
        probe
            .claim_stale(Duration::ZERO, 100)
            .await
            .unwrap()
            .is_empty()
    );
    assert!(probe.next(100, Duration::ZERO).await.unwrap().is_empty());
    assert_eq!(check.stream_len("numport:events:dead").await.unwrap(), 0);

    // The stream: each order's changes in sequence from 1, each `from` the
    // previous `to`; a repeated id repeats its event.
    let stream = chains(stream(&check).await);
    assert_eq!(stream.orders.len(), 2 * ORDERS);
    // Each cut round left its changes in the outboxes: those its holder
    // had appended before it died were appended again by the next holder,
    // with the same ids; nothing else twice.
    assert_eq!(
        stream.duplicates,
        followed_inumbering.again + followed_cellhire.again
    );
    let by_id: HashMap<&str, &PortEvent> = stream
        .orders
        .values()
        .flatten()
        .map(|e| (e.id.as_str(), e))
        .collect();

    // The ledger: every order ended, its changes as the stream has them.
    let mut changes: BTreeMap<PortId, u64> = BTreeMap::new();
    for (carrier, ids, flow) in [
        (Carrier::INumbering, &inumbering_ids, &INUMBERING_FLOW[..]),
        (Carrier::Cellhire, &cellhire_ids, &CELLHIRE_FLOW[..]),
    ] {
        let entries = ledger.entries(carrier).await.unwrap();
        assert_eq!(entries.len(), ORDERS);
        for entry in entries {
            assert!(ids.contains(&entry.order_id));
            assert_eq!(entry.outbox, []);
            assert_eq!(entry.published, flow.last().copied(), "{carrier}");
            assert_eq!(stream.statuses(&entry.order_id), flow, "{carrier}");
            assert_eq!(entry.changes, flow.len() as u64);
            changes.insert(entry.order_id.clone(), entry.changes);
        }
    }

    // The receiver: every webhook verified, each the stream's event of its
    // id: (webhook-id, account, order, sequence, to) in arrival order.
    let seen = receiver.seen();
    let records: Vec<(String, String, PortId, u64, PortStatus)> = seen
        .iter()
        .map(|s| {
            let event = s.verified.as_ref().expect("every webhook verifies");
            assert_eq!(s.answered, 204);
            assert_eq!(s.id, event.id);
            assert_eq!(by_id.get(s.id.as_str()), Some(&event));
            (
                s.id.clone(),
                event.account.clone(),
                event.order_id.clone(),
                event.sequence,
                event.to,
            )
        })
        .collect();
    // Per order: every sequence as it arrived, and first arrivals only.
    let mut arrivals: BTreeMap<PortId, Vec<u64>> = BTreeMap::new();
    let mut first: BTreeMap<PortId, Vec<u64>> = BTreeMap::new();
    let mut ids: HashSet<&str> = HashSet::new();
    for (id, account, order, sequence, to) in &records {
        let told = &stream.orders[order];
        assert_eq!(&told[0].account, account);
        assert_eq!(told.get(*sequence as usize - 1).map(|e| e.to), Some(*to));
        arrivals.entry(order.clone()).or_default().push(*sequence);
        if ids.insert(id.as_str()) {
            first.entry(order.clone()).or_default().push(*sequence);
        }
    }
    let lost: usize = changes
        .iter()
        .map(|(order, n)| {
            let got = first.get(order).map(Vec::as_slice).unwrap_or_default();
            (1..=*n).filter(|s| !got.contains(s)).count()
        })
        .sum();
    assert_eq!(lost, 0);
    for (order, n) in &changes {
        let arrived = &arrivals[order];
        assert!(arrived.is_sorted(), "{order}: {arrived:?}");
        let expected: Vec<u64> = (1..=*n).collect();
        assert_eq!(first[order], expected, "{order}");
    }
    assert_eq!(arrivals.len(), 2 * ORDERS);
    let total_changes: u64 = changes.values().sum();
    assert_eq!(ids.len() as u64, total_changes);
    let delivered = records.len() as u64;
    let duplicates = delivered - total_changes;
    // Every request the receiver answered is one the relays counted
    // delivered; every stream entry was delivered or skipped as a
    // duplicate.
    assert_eq!(relayed.delivered, delivered);
    assert_eq!(
        relayed.delivered + relayed.duplicates_skipped,
        stream.events as u64
    );

    for f in [&followed_inumbering, &followed_cellhire] {
        println!(
            "{}: holder {} (epoch {}) aborted mid-round with {} orders' changes in their \
             outboxes ({} of them on the stream), follower {} took over (epoch {}) {} ms later \
             ({} ms after the dead holder's bound), {} rounds under the lease",
            f.carrier,
            f.dead,
            f.old_epoch,
            f.waiting,
            f.again,
            f.next,
            f.old_epoch + 1,
            f.takeover.as_millis(),
            f.gap_ms,
            f.rounds
        );
    }
    println!(
        "stream: {} events ({} again); relays: {} delivered, {} skipped as delivered already",
        stream.events, stream.duplicates, relayed.delivered, relayed.duplicates_skipped
    );
    let takeover = followed_inumbering
        .takeover
        .max(followed_cellhire.takeover)
        .as_millis();
    println!(
        "end to end: orders {}, changes {total_changes}, delivered {delivered}, duplicates \
         (same webhook-id) {duplicates}, lost {lost}, takeover after {takeover} ms",
        2 * ORDERS
    );
}
