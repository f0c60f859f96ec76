//! `numport follow`: orders `numport submit` created with `NUMPORT_REDIS_URL`
//! are in the order ledger there, and `follow` publishes each one's status
//! changes to the event stream, one poller per carrier account however
//! many processes run it; without Redis it is a configuration error with
//! nothing sent.

use std::collections::{BTreeMap, BTreeSet};
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Stdio};
use std::sync::Arc;
use std::time::Duration;

use numport::sandbox::{ApeironSandbox, CellhireSandbox, INumberingSandbox};
use numport::store::{RedisStore, Store};
use numport::{Carrier, EventConsumer, Events, Ledger, PortEvent, PortStatus};

use crate::redis_server::RedisServer;
use crate::support::*;

/// The portStatus path of the iNumbering sandbox.
const PORT_STATUS: &str = "/v2.1/iNumbering/portStatus/";

fn store(redis: &RedisServer) -> Arc<dyn Store> {
    Arc::new(RedisStore::builder(redis.url()).build().unwrap())
}

/// Cellhire and iNumbering (admin) sandboxes, and the variables that
/// point the binary at them and at `redis`.
async fn carriers(redis: &RedisServer) -> (CellhireSandbox, INumberingSandbox, Env) {
    let cellhire = CellhireSandbox::start().await.unwrap();
    let inumbering = INumberingSandbox::start().await.unwrap();
    let mut env = cellhire_env(&cellhire);
    env.extend(inumbering_env(&inumbering));
    env.push((
        "INUMBERING_USERNAME".into(),
        inumbering.admin_username().to_string(),
    ));
    env.push(("INUMBERING_ADMIN".into(), "1".into()));
    env.push(("NUMPORT_REDIS_URL".into(), redis.url()));
    (cellhire, inumbering, env)
}

/// Submits `count` Cellhire rows from +447700900{first} and `count`
/// iNumbering admin rows from 312555{first}; answers the order id of each
/// row by carrier, from the results files.
fn submit_both(
    env: &Env,
    dir: &TempDir,
    first: u32,
    count: usize,
) -> BTreeMap<Carrier, Vec<String>> {
    let ch_in = dir.join("cellhire.csv");
    std::fs::write(
        &ch_in,
        cellhire_csv(&uk_rows(first, count, "Acme followed fleet")),
    )
    .unwrap();
    let date = (chrono::Utc::now().date_naive() + chrono::Days::new(30)).to_string();
    let lines: Vec<String> = (0..count)
        .map(|i| {
            us_row(
                "inumbering",
                &format!("312555{:04}", first as usize + i),
                0,
                serde_json::json!({"desired_date": date}),
            )
        })
        .collect();
    let in_in = dir.join("inumbering.jsonl");
    std::fs::write(&in_in, lines.join("\n") + "\n").unwrap();
    let mut ids = BTreeMap::new();
    for (carrier, name, input) in [
        (Carrier::Cellhire, "cellhire", &ch_in),
        (Carrier::INumbering, "inumbering", &in_in),
    ] {
        let out = dir.join(&format!("{name}-results.csv"));
        run(numport(env)
            .args(["submit", "--carrier", name, "--out"])
            .arg(&out)
            .arg(input))
        .expect(0);
        ids.insert(carrier, order_ids(&out));
    }
    ids
}

/// The order id of every row of a results file, in row order.
fn order_ids(results: &Path) -> Vec<String> {
    last_records(results)
        .values()
        .map(|r| {
            assert_eq!(r["outcome"], "submitted", "{r:?}");
            r["order_id"].clone()
        })
        .collect()
}

/// Every event the group has not had yet, acknowledged.
async fn drain(consumer: &EventConsumer) -> Vec<PortEvent> {
    let mut events = Vec::new();
    loop {
        let batch = consumer.next(1000, Duration::ZERO).await.unwrap();
        if batch.is_empty() {
            return events;
        }
        for delivery in batch {
            consumer.ack(&delivery.entry_id).await.unwrap();
            events.push(delivery.event);
        }
    }
}

/// The events of `carrier`'s orders, by order id.
fn by_order(events: &[PortEvent], carrier: Carrier) -> BTreeMap<String, Vec<&PortEvent>> {
    let mut out: BTreeMap<String, Vec<&PortEvent>> = BTreeMap::new();
    for e in events.iter().filter(|e| e.carrier == carrier) {
        out.entry(e.order_id.to_string()).or_default().push(e);
    }
    out
}

fn sorted(ids: &[String]) -> Vec<String> {
    let mut ids = ids.to_vec();
    ids.sort();
    ids
}

/// Submitted with Redis, every order is in the ledger under its row's key;
/// `follow --once` publishes one event per order (sequence 1, the order
/// ids of the results files), and after the carriers moved on, the next
/// `--once` publishes each changed order's next one (sequence 2, from the
/// status of the first).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn follow_once_publishes_each_submitted_order_then_its_next_change() {
    let redis = RedisServer::start();
    let (cellhire, inumbering, env) = carriers(&redis).await;
    let dir = TempDir::new("follow-once");
    let ids = submit_both(&env, &dir, 860, 3);

    // The ledger holds every order under its row's key, no status yet.
    let store = store(&redis);
    let ledger = Ledger::new(store.clone());
    for (carrier, name) in [
        (Carrier::Cellhire, "cellhire"),
        (Carrier::INumbering, "inumbering"),
    ] {
        let entries = ledger.open_orders(carrier).await.unwrap();
        let mut got: Vec<String> = entries.iter().map(|e| e.order_id.to_string()).collect();
        got.sort();
        assert_eq!(got, sorted(&ids[&carrier]), "{name}");
        let keys: BTreeSet<String> = last_records(&dir.join(&format!("{name}-results.csv")))
            .values()
            .map(|r| r["idempotency_key"].clone())
            .collect();
        let recorded: BTreeSet<String> = entries
            .iter()
            .map(|e| e.idempotency_key.clone().expect("keyed"))
            .collect();
        assert_eq!(recorded, keys, "{name}");
        assert!(entries.iter().all(|e| e.status.is_none() && e.changes == 0));
    }
    // Admin orders are recorded under their status record's pid.
    assert!(
        ids[&Carrier::INumbering]
            .iter()
            .all(|id| id.starts_with('P'))
    );

    let status_reads = inumbering_calls(&inumbering, PORT_STATUS);
    let first = run(numport(&env).args(["follow", "--once", "--lease", "1s"])).expect(0);
    println!("first round:\n{}", first.stderr);
    for name in ["cellhire", "inumbering"] {
        assert!(
            first.stderr.contains(&format!(
                "numport: {name}: held the lease (epoch 1): 3 followed, 3 changed, 3 published\n"
            )),
            "{}",
            first.stderr
        );
    }
    assert_eq!(
        inumbering_calls(&inumbering, PORT_STATUS),
        status_reads + 1,
        "one portStatus call for the round"
    );
    let consumer = Events::new(store.clone()).consumer("tests", "follow");
    let events = drain(&consumer).await;
    assert_eq!(events.len(), 6);
    let mut first_status = BTreeMap::new();
    for carrier in [Carrier::Cellhire, Carrier::INumbering] {
        let orders = by_order(&events, carrier);
        assert_eq!(
            orders.keys().cloned().collect::<Vec<_>>(),
            sorted(&ids[&carrier])
        );
        for (id, events) in orders {
            assert_eq!(events.len(), 1, "{id}");
            let e = events[0];
            assert_eq!((e.sequence, e.from), (1, None), "{e:?}");
            assert_eq!(e.numbers.len(), 1, "{e:?}");
            first_status.insert(id, e.to);
        }
    }

    // Orders the carrier already ended (the iNumbering sandbox moves every
    // order on each portStatus read, and placing an admin order reads it
    // twice) are followed no more; the others are.
    let open = |carrier: Carrier| {
        ids[&carrier]
            .iter()
            .filter(|id| !first_status[*id].is_terminal())
            .cloned()
            .collect::<Vec<_>>()
    };
    println!("first statuses: {first_status:?}");
    assert_eq!(open(Carrier::Cellhire).len(), 3);
    assert!(!open(Carrier::INumbering).is_empty(), "{first_status:?}");

    // Time passes at the carriers; the first process's lease runs out.
    cellhire.tick();
    inumbering.tick();
    std::thread::sleep(Duration::from_millis(1500));
    let second = run(numport(&env).args(["follow", "--once", "--lease", "1s"])).expect(0);
    println!("second round:\n{}", second.stderr);
    let events = drain(&consumer).await;
    for (carrier, name) in [
        (Carrier::Cellhire, "cellhire"),
        (Carrier::INumbering, "inumbering"),
    ] {
        // Every open order moved on: its next event, and no other.
        let orders = by_order(&events, carrier);
        let open = open(carrier);
        assert_eq!(orders.keys().cloned().collect::<Vec<_>>(), sorted(&open));
        for (id, events) in &orders {
            assert_eq!(events.len(), 1, "{id}");
            let e = events[0];
            assert_eq!(e.sequence, 2, "{e:?}");
            assert_eq!(e.from, Some(first_status[id]), "{e:?}");
            assert_ne!(e.to, first_status[id]);
        }
        let n = open.len();
        assert!(
            second.stderr.contains(&format!(
                "numport: {name}: held the lease (epoch 2): {n} followed, {n} changed, {n} published\n"
            )),
            "{}",
            second.stderr
        );
    }
    assert_no_secrets(&[&first, &second], &[]);
}

/// Two `follow --once` at once: per carrier account one holds the lease and
/// polls, the other says it did not and reads nothing; one event per order.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_followers_at_once_poll_each_account_once() {
    let redis = RedisServer::start();
    let (_cellhire, inumbering, env) = carriers(&redis).await;
    let dir = TempDir::new("follow-two");
    let ids = submit_both(&env, &dir, 870, 2);
    let status_reads = inumbering_calls(&inumbering, PORT_STATUS);
    let children: Vec<Child> = (0..2)
        .map(|_| {
            numport(&env)
                .args(["follow", "--once", "--lease", "60s"])
                .stdout(Stdio::null())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    let outputs: Vec<String> = children
        .into_iter()
        .map(|child| {
            let out = child.wait_with_output().unwrap();
            let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
            assert_eq!(out.status.code(), Some(0), "{stderr}");
            stderr
        })
        .collect();
    println!("two followers:\n{}\n{}", outputs[0], outputs[1]);
    for name in ["cellhire", "inumbering"] {
        let held = format!(
            "numport: {name}: held the lease (epoch 1): 2 followed, 2 changed, 2 published\n"
        );
        let not = format!(
            "numport: {name}: did not hold the lease (another follower holds it, epoch 1): \
             nothing read\n"
        );
        let holders = outputs.iter().filter(|o| o.contains(&held)).count();
        let others = outputs.iter().filter(|o| o.contains(&not)).count();
        assert_eq!((holders, others), (1, 1), "{name}: {outputs:?}");
    }
    assert_eq!(inumbering_calls(&inumbering, PORT_STATUS), status_reads + 1);
    let events = drain(&Events::new(store(&redis)).consumer("tests", "two")).await;
    assert_eq!(events.len(), 4, "{events:?}");
    for carrier in [Carrier::Cellhire, Carrier::INumbering] {
        let orders = by_order(&events, carrier);
        assert_eq!(
            orders.keys().cloned().collect::<Vec<_>>(),
            sorted(&ids[&carrier])
        );
        assert!(orders.values().all(|e| e.len() == 1 && e[0].sequence == 1));
    }
}

/// Following until SIGTERM: rounds every interval until each order is
/// complete, each order's events in sequence from its first status to
/// `complete`; on SIGTERM the lease is handed back, so another follower
/// holds it at once (one more epoch).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn follow_runs_until_sigterm_and_hands_the_lease_back() {
    let redis = RedisServer::start();
    let (cellhire, _inumbering, env) = carriers(&redis).await;
    let dir = TempDir::new("follow-run");
    let ids = submit_both(&env, &dir, 880, 2);
    let mut child = numport(&env)
        .args(["follow", "--carrier", "cellhire", "--interval", "50ms"])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stderr = child.stderr.take().unwrap();
    let (lines_tx, lines) = std::sync::mpsc::channel::<String>();
    let reader = std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines() {
            let Ok(line) = line else { break };
            if lines_tx.send(line).is_err() {
                break;
            }
        }
    });
    // Rounds until every port is complete (the sandbox moves a port when
    // it is read, and on each tick).
    let store = store(&redis);
    let consumer = Events::new(store.clone()).consumer("tests", "run");
    let mut events = Vec::new();
    for _ in 0..600 {
        events.extend(drain(&consumer).await);
        let orders = by_order(&events, Carrier::Cellhire);
        let done = orders.len() == 2
            && orders
                .values()
                .all(|e| e.last().is_some_and(|e| e.to == PortStatus::Complete));
        if done {
            break;
        }
        cellhire.tick();
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let status = std::process::Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let code = child.wait().unwrap().code();
    reader.join().unwrap();
    let stderr: Vec<String> = lines.try_iter().collect();
    let text = stderr.join("\n");
    println!("{text}");
    assert_eq!(code, Some(0), "{text}");
    // No --lease: the library's, renewed between rounds.
    assert_eq!(
        stderr[0],
        "numport: following cellhire onto numport:events, a round every 50ms, lease 10s; \
         Ctrl-C or SIGTERM hands the lease back",
        "{text}"
    );
    assert!(
        text.contains("numport: cellhire: lease handed back (epoch 1)"),
        "{text}"
    );
    assert!(
        !text.contains("inumbering"),
        "only --carrier cellhire: {text}"
    );
    let rounds = stderr
        .iter()
        .filter(|l| l.starts_with("numport: cellhire: held the lease (epoch 1): "))
        .count();
    assert!(rounds >= 1, "{text}");
    assert!(
        text.ends_with(&format!(
            "numport: stopped (cellhire: {rounds} rounds, 0 failed)"
        )),
        "{text}"
    );

    events.extend(drain(&consumer).await);
    let orders = by_order(&events, Carrier::Cellhire);
    assert_eq!(
        orders.keys().cloned().collect::<Vec<_>>(),
        sorted(&ids[&Carrier::Cellhire])
    );
    for (id, events) in &orders {
        let sequences: Vec<u64> = events.iter().map(|e| e.sequence).collect();
        let expected: Vec<u64> = (1..=events.len() as u64).collect();
        assert_eq!(sequences, expected, "{id}");
        assert_eq!(events[0].from, None);
        for pair in events.windows(2) {
            assert_eq!(pair[1].from, Some(pair[0].to), "{id}");
        }
        assert_eq!(events.last().unwrap().to, PortStatus::Complete, "{id}");
    }
    // Handed back: another follower holds the lease at once, and finds
    // nothing open.
    let next = run(numport(&env).args(["follow", "--once", "--carrier", "cellhire"])).expect(0);
    assert!(
        next.stderr.contains(
            "numport: cellhire: held the lease (epoch 2): 0 followed, 0 changed, 0 published\n"
        ),
        "{}",
        next.stderr
    );
}

/// Without `NUMPORT_REDIS_URL`, with no carrier to follow, or with a lease
/// out of range: exit 2, nothing sent.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn follow_without_redis_or_a_trackable_carrier_is_a_configuration_error() {
    let redis = RedisServer::start();
    let (cellhire, inumbering, env) = carriers(&redis).await;
    let apeiron = ApeironSandbox::start().await.unwrap();

    let no_redis: Env = env
        .iter()
        .filter(|(k, _)| k != "NUMPORT_REDIS_URL")
        .cloned()
        .collect();
    let out = run(numport(&no_redis).args(["follow", "--once"])).expect(2);
    assert_eq!(
        out.stderr,
        "numport: error: NUMPORT_REDIS_URL is not set: follow reads the order ledger and \
         publishes to the event stream in Redis\n"
    );

    let mut only_apeiron = apeiron_env(&apeiron);
    only_apeiron.push(("NUMPORT_REDIS_URL".into(), redis.url()));
    let out = run(numport(&only_apeiron).args(["follow", "--once"])).expect(2);
    assert_eq!(
        out.stderr,
        "numport: apeiron orders cannot be followed (Apeiron has no status call): they stay in \
         the ledger; ask Apeiron about them\n\
         numport: error: no carrier to follow: only Cellhire and iNumbering orders can be \
         followed\n"
    );

    let redis_only: Env = vec![("NUMPORT_REDIS_URL".into(), redis.url())];
    let out = run(numport(&redis_only).args(["follow", "--once"])).expect(2);
    assert!(
        out.stderr.contains("no carrier is configured"),
        "{}",
        out.stderr
    );

    let out = run(numport(&env).args(["follow", "--interval", "30s", "--lease", "11m"])).expect(2);
    assert_eq!(
        out.stderr,
        "numport: error: --lease must be between 1s and 600s, not 660s\n"
    );

    assert!(cellhire.api_requests().is_empty());
    assert!(inumbering.requests().is_empty());
    assert_eq!(apeiron.requests(), 0);
    assert_eq!(Events::new(store(&redis)).len().await.unwrap(), 0);
}

/// A resumed run records in the ledger the order it finds at the carrier
/// for a row left `pending` (under the row's key, with the status it
/// read), as well as the orders it sends; `follow` then publishes both.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn orders_a_resumed_run_finds_are_recorded_and_followed() {
    use numport::PortProvider;
    let redis = RedisServer::start();
    let (cellhire, _inumbering, env) = carriers(&redis).await;
    let dir = TempDir::new("follow-resume");
    let rows = uk_rows(890, 2, "Acme resumed fleet");
    let input = dir.join("requests.csv");
    std::fs::write(&input, cellhire_csv(&rows)).unwrap();
    // Row 2 reached Cellhire, then the process died before its outcome.
    let found = cellhire_client(&cellhire)
        .submit(&crate::request_of(&rows[0]))
        .await
        .unwrap()
        .first_id()
        .unwrap()
        .to_string();
    let attempted = (chrono::Utc::now() - chrono::TimeDelta::minutes(1)).to_rfc3339();
    let out = dir.join("results.csv");
    std::fs::write(
        &out,
        format!(
            "row,number,outcome,order_id,carrier_status,error,note,carrier,attempted_at,recorded_at\n\
             2,{},pending,,,,,cellhire,{attempted},{attempted}\n",
            rows[0].number
        ),
    )
    .unwrap();
    let resumed = run(numport(&env)
        .args(["submit", "--carrier", "cellhire", "--json", "--resume"])
        .arg(&out)
        .arg(&input))
    .expect(0);
    let summary = resumed.json();
    let summary_rows = summary["rows"].as_array().unwrap();
    let key = |i: usize| {
        summary_rows[i]["idempotency_key"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    let order = |i: usize| summary_rows[i]["order_id"].as_str().unwrap().to_owned();
    assert_eq!(order(0), found);
    assert_ne!(order(1), found);
    assert_eq!(creates(&cellhire), 2, "the dead run's, and row 3's");

    let ledger = Ledger::new(store(&redis));
    let mut entries: Vec<(String, Option<String>)> = ledger
        .open_orders(Carrier::Cellhire)
        .await
        .unwrap()
        .into_iter()
        .map(|e| (e.order_id.to_string(), e.idempotency_key))
        .collect();
    entries.sort();
    let mut expected = vec![(order(0), Some(key(0))), (order(1), Some(key(1)))];
    expected.sort();
    assert_eq!(entries, expected);

    let follow = run(numport(&env).args(["follow", "--once", "--carrier", "cellhire"])).expect(0);
    assert!(
        follow.stderr.contains(
            "numport: cellhire: held the lease (epoch 1): 2 followed, 2 changed, 3 published\n"
        ),
        "{}",
        follow.stderr
    );
    // The found order's status read while reconciling is published first,
    // then the one the round read.
    let events = drain(&Events::new(store(&redis)).consumer("tests", "resume")).await;
    let sequences = |id: &str| -> Vec<u64> {
        events
            .iter()
            .filter(|e| e.order_id.as_str() == id)
            .map(|e| e.sequence)
            .collect()
    };
    assert_eq!(events.len(), 3, "{events:?}");
    assert_eq!(sequences(&order(0)), [1, 2]);
    assert_eq!(sequences(&order(1)), [1]);
}

/// With Redis, what `numport order`, `orders` and `cancel` read of an order
/// numport created is recorded in its ledger entry (the follower's next
/// round starts from it); orders not read stay as they were.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn order_orders_and_cancel_record_what_they_read_in_the_ledger() {
    let redis = RedisServer::start();
    let (_cellhire, _inumbering, env) = carriers(&redis).await;
    let dir = TempDir::new("ledger-reads");
    let ids = submit_both(&env, &dir, 880, 2);
    let ledger = Ledger::new(store(&redis));
    let entry = |carrier: Carrier, id: &str| {
        let ledger = ledger.clone();
        let id = numport::PortId::new(id).unwrap();
        async move {
            ledger
                .entries(carrier)
                .await
                .unwrap()
                .into_iter()
                .find(|e| e.order_id == id)
                .expect("in the ledger")
        }
    };
    let (ch0, ch1) = (&ids[&Carrier::Cellhire][0], &ids[&Carrier::Cellhire][1]);
    assert_eq!(entry(Carrier::Cellhire, ch0).await.status, None);

    // `order`: its entry holds what was printed.
    let out = run(numport(&env).args(["order", "--carrier", "cellhire", "--json", ch0])).expect(0);
    let shown = out.json();
    let e = entry(Carrier::Cellhire, ch0).await;
    assert!(e.status.is_some(), "{e:?}");
    assert_eq!(
        e.carrier_status.map(|s| s.name),
        shown["carrier_status"].as_str().map(str::to_owned)
    );
    assert_eq!(entry(Carrier::Cellhire, ch1).await.status, None);

    // `orders`: every listed order of numport's gets its status.
    for id in &ids[&Carrier::INumbering] {
        assert_eq!(entry(Carrier::INumbering, id).await.status, None);
    }
    run(numport(&env).args(["orders", "--carrier", "inumbering"])).expect(0);
    for id in &ids[&Carrier::INumbering] {
        let e = entry(Carrier::INumbering, id).await;
        assert!(e.status.is_some(), "{e:?}");
    }

    // `cancel`: the order read again afterwards is recorded.
    run(numport(&env).args(["cancel", "--carrier", "cellhire", ch1])).expect(0);
    let e = entry(Carrier::Cellhire, ch1).await;
    assert_eq!(e.status, Some(PortStatus::Cancelled), "{e:?}");
}
