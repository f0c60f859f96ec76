//! The stream contract ([`Store::stream_add`], [`Store::stream_read`],
//! [`Store::stream_ack`], [`Store::stream_claim`], [`Store::stream_len`])
//! and the typed events above it ([`Events`]): one suite that every store
//! passes, run on a [`MemoryStore`] shared by two handles and on two
//! `RedisStore`s (two replicas) against one real `redis-server`, plain and
//! sealed.

use std::sync::Arc;
use std::time::Duration;

use chrono::{TimeZone, Utc};
use numport::store::{MAX_VALUE_BYTES, MemoryStore, Store, StreamEntry};
use numport::{Carrier, Error, Events, MAX_EVENT_BYTES, PortEvent, PortId, PortStatus};

const STREAM: &str = "numport:test:events";
const GROUP: &str = "relay";

fn payloads(entries: &[StreamEntry]) -> Vec<&[u8]> {
    entries.iter().map(|e| e.payload.as_slice()).collect()
}

/// The suite: `a` and `b` are two handles (two replicas) on one store.
pub(crate) async fn contract(a: Arc<dyn Store>, b: Arc<dyn Store>) {
    let none = Duration::ZERO;
    assert_eq!(a.stream_len(STREAM).await.unwrap(), 0);
    // A group on an empty stream: nothing to read, nothing pending.
    assert!(
        a.stream_read(STREAM, GROUP, "c1", false, 10, none)
            .await
            .unwrap()
            .is_empty()
    );
    assert!(
        a.stream_read(STREAM, GROUP, "c1", true, 10, none)
            .await
            .unwrap()
            .is_empty()
    );

    // What one handle appends, the other's consumers read once per group.
    let id1 = a.stream_add(STREAM, b"one", 1000).await.unwrap();
    let id2 = b.stream_add(STREAM, b"two", 1000).await.unwrap();
    let id3 = a.stream_add(STREAM, b"three", 1000).await.unwrap();
    assert_ne!(id1, id2);
    assert_eq!(b.stream_len(STREAM).await.unwrap(), 3);
    let first = b
        .stream_read(STREAM, GROUP, "c1", false, 2, none)
        .await
        .unwrap();
    assert_eq!(payloads(&first), [b"one".as_slice(), b"two"]);
    assert_eq!(first[0].id, id1);
    assert_eq!(
        first.iter().map(|e| e.deliveries).collect::<Vec<_>>(),
        [1, 1]
    );
    // Another consumer of the group gets only what is left.
    let second = a
        .stream_read(STREAM, GROUP, "c2", false, 10, none)
        .await
        .unwrap();
    assert_eq!(payloads(&second), [b"three".as_slice()]);
    assert_eq!(second[0].id, id3);
    assert!(
        a.stream_read(STREAM, GROUP, "c2", false, 10, none)
            .await
            .unwrap()
            .is_empty()
    );
    // Another group sees everything from the start.
    let other = a
        .stream_read(STREAM, "audit", "x", false, 10, none)
        .await
        .unwrap();
    assert_eq!(payloads(&other).len(), 3);

    // Unacknowledged entries come back to their consumer, counted.
    let again = a
        .stream_read(STREAM, GROUP, "c1", true, 10, none)
        .await
        .unwrap();
    assert_eq!(payloads(&again), [b"one".as_slice(), b"two"]);
    assert_eq!(
        again.iter().map(|e| e.deliveries).collect::<Vec<_>>(),
        [2, 2]
    );
    assert!(b.stream_ack(STREAM, GROUP, &id1).await.unwrap());
    assert!(
        !b.stream_ack(STREAM, GROUP, &id1).await.unwrap(),
        "acknowledged once"
    );
    let left = b
        .stream_read(STREAM, GROUP, "c1", true, 10, none)
        .await
        .unwrap();
    assert_eq!(payloads(&left), [b"two".as_slice()]);

    // A dead consumer's entries are claimed by another once idle long enough.
    assert!(
        b.stream_claim(STREAM, GROUP, "c3", Duration::from_secs(60), 10)
            .await
            .unwrap()
            .is_empty()
    );
    tokio::time::sleep(Duration::from_millis(30)).await;
    let claimed = b
        .stream_claim(STREAM, GROUP, "c3", Duration::from_millis(20), 10)
        .await
        .unwrap();
    let mut claimed_ids: Vec<&str> = claimed.iter().map(|e| e.id.as_str()).collect();
    claimed_ids.sort();
    let mut expected = vec![id2.as_str(), id3.as_str()];
    expected.sort();
    assert_eq!(claimed_ids, expected);
    let two = claimed.iter().find(|e| e.id == id2).unwrap();
    assert_eq!(two.deliveries, 4, "read, read back twice, claimed");
    // Now c3's, not c1's.
    assert!(
        a.stream_read(STREAM, GROUP, "c1", true, 10, none)
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(
        a.stream_read(STREAM, GROUP, "c3", true, 10, none)
            .await
            .unwrap()
            .len(),
        2
    );

    // A read that may wait returns when an entry arrives.
    let waiting = {
        let a = a.clone();
        tokio::spawn(async move {
            a.stream_read(STREAM, GROUP, "c4", false, 10, Duration::from_secs(5))
                .await
                .unwrap()
        })
    };
    tokio::time::sleep(Duration::from_millis(100)).await;
    b.stream_add(STREAM, b"four", 1000).await.unwrap();
    let woke = waiting.await.unwrap();
    assert_eq!(payloads(&woke), [b"four".as_slice()]);

    // Bounds: a payload over the value bound is refused, nothing appended.
    let before = a.stream_len(STREAM).await.unwrap();
    let big = vec![b'x'; MAX_VALUE_BYTES + 1];
    assert!(a.stream_add(STREAM, &big, 1000).await.is_err());
    assert_eq!(a.stream_len(STREAM).await.unwrap(), before);
    // The stream is trimmed to about max_len (Redis trims whole nodes of
    // 100 entries with `~`; memory exactly).
    let trimmed = "numport:test:trimmed";
    for i in 0..1000u32 {
        a.stream_add(trimmed, &i.to_be_bytes(), 100).await.unwrap();
    }
    let len = a.stream_len(trimmed).await.unwrap();
    assert!(
        (100..=200).contains(&len),
        "trimmed to about 100, not {len}"
    );
    // A group reading a trimmed stream starts at what is left.
    let read = a
        .stream_read(trimmed, GROUP, "c1", false, 1000, none)
        .await
        .unwrap();
    assert_eq!(read.len() as u64, len);
    assert_eq!(read.last().unwrap().payload, 999u32.to_be_bytes());
}

fn event(order: &str, sequence: u64, to: PortStatus) -> PortEvent {
    PortEvent::status_changed(
        Carrier::Cellhire,
        "numport:cellhire:0123abcd",
        PortId::new(order).unwrap(),
        vec!["+447700900123".parse().unwrap()],
        sequence,
        None,
        to,
        Utc.with_ymd_and_hms(2026, 12, 3, 18, 0, 0).unwrap(),
    )
    .with_carrier_words(None, Some("Port scheduled".into()))
}

/// Typed events over the same stream: published, consumed, acknowledged,
/// claimed from a dead consumer; the id stable per order and sequence.
pub(crate) async fn events_contract(a: Arc<dyn Store>, b: Arc<dyn Store>) {
    let publisher = Events::new(a).stream("numport:test:typed");
    let reader = Events::new(b).stream("numport:test:typed");
    let e1 = event("PO-1", 1, PortStatus::Submitted);
    let e2 = event("PO-1", 2, PortStatus::Scheduled);
    assert_eq!(
        e1.id,
        PortEvent::id_for("numport:cellhire:0123abcd", &e1.order_id, 1)
    );
    assert_eq!(
        e1.id,
        event("PO-1", 1, PortStatus::Complete).id,
        "the id is the change's, not its content's"
    );
    assert_ne!(e1.id, e2.id);
    assert!(e1.id.starts_with("evt_") && e1.id.len() == 36);
    publisher.publish(&e1).await.unwrap();
    publisher.publish(&e2).await.unwrap();
    assert_eq!(reader.len().await.unwrap(), 2);

    let relay = reader.consumer("relay", "r1");
    let got = relay.next(10, Duration::ZERO).await.unwrap();
    assert_eq!(got.iter().map(|d| &d.event).collect::<Vec<_>>(), [&e1, &e2]);
    assert!(relay.ack(&got[0].entry_id).await.unwrap());
    // Nothing new; what r1 holds unacknowledged is pending for it alone.
    assert!(relay.fresh(10, Duration::ZERO).await.unwrap().is_empty());
    let held = relay.pending(10).await.unwrap();
    assert_eq!(held.len(), 1);
    assert_eq!((&held[0].event, held[0].deliveries), (&e2, 2));
    let other = reader.consumer("relay", "r9");
    assert!(other.pending(10).await.unwrap().is_empty());
    // After a restart, r1 gets what it did not acknowledge first.
    let again = relay.next(10, Duration::ZERO).await.unwrap();
    assert_eq!(again.len(), 1);
    assert_eq!(again[0].event, e2);
    assert_eq!(again[0].deliveries, 3);
    // r1 died: r2 takes its event over.
    tokio::time::sleep(Duration::from_millis(30)).await;
    let r2 = reader.consumer("relay", "r2");
    let taken = r2.claim_stale(Duration::from_millis(20), 10).await.unwrap();
    assert_eq!(taken.len(), 1);
    assert_eq!(taken[0].event, e2);
    assert!(r2.ack(&taken[0].entry_id).await.unwrap());
    assert!(relay.next(10, Duration::ZERO).await.unwrap().is_empty());

    // An entry that is not an event is dropped (acknowledged), not handed
    // out forever.
    publisher
        .store()
        .stream_add("numport:test:typed", b"not json", 100)
        .await
        .unwrap();
    assert!(relay.next(10, Duration::ZERO).await.unwrap().is_empty());
    assert!(relay.next(10, Duration::ZERO).await.unwrap().is_empty());

    // An event over the bound is refused, nothing appended.
    let mut big = event("PO-2", 1, PortStatus::Failed);
    big.message = Some("x".repeat(MAX_EVENT_BYTES));
    let before = reader.len().await.unwrap();
    assert!(matches!(
        publisher.publish(&big).await,
        Err(Error::Events { .. })
    ));
    assert_eq!(reader.len().await.unwrap(), before);
    // A bound out of range is a configuration error.
    let wrong = Events::new(Arc::new(MemoryStore::new())).max_len(0);
    assert!(matches!(wrong.publish(&e1).await, Err(Error::Config(_))));
}

#[tokio::test]
async fn a_memory_store_passes_the_stream_contract() {
    let store: Arc<dyn Store> = Arc::new(MemoryStore::new());
    contract(store.clone(), store.clone()).await;
    events_contract(store.clone(), store).await;
}

#[tokio::test]
async fn the_event_json_is_the_documented_schema() {
    let e = event("PO-1", 2, PortStatus::Scheduled);
    let json = serde_json::to_value(&e).unwrap();
    assert_eq!(
        json,
        serde_json::json!({
            "id": PortEvent::id_for("numport:cellhire:0123abcd", &e.order_id, 2),
            "type": "port.status_changed",
            "carrier": "cellhire",
            "account": "numport:cellhire:0123abcd",
            "order_id": "PO-1",
            "numbers": ["+447700900123"],
            "sequence": 2,
            "from": null,
            "to": "scheduled",
            "carrier_status": null,
            "message": "Port scheduled",
            "seen_at": "2026-12-03T18:00:00Z"
        })
    );
}

#[cfg(feature = "redis")]
mod redis {
    use ::redis::AsyncCommands;
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

    #[tokio::test]
    async fn two_redis_stores_pass_the_stream_contract() {
        let server = RedisServer::start();
        contract(store(&server, None), store(&server, None)).await;
        events_contract(store(&server, None), store(&server, None)).await;
    }

    #[tokio::test]
    async fn two_sealed_redis_stores_pass_the_stream_contract_and_keep_nothing_readable() {
        let server = RedisServer::start();
        contract(store(&server, Some(5)), store(&server, Some(5))).await;
        events_contract(store(&server, Some(5)), store(&server, Some(5))).await;
        // The stream's payloads are sealed: no event text in Redis.
        let mut raw = ::redis::Client::open(server.url())
            .unwrap()
            .get_multiplexed_async_connection()
            .await
            .unwrap();
        let dump: ::redis::Value = ::redis::cmd("XRANGE")
            .arg("numport:test:typed")
            .arg("-")
            .arg("+")
            .query_async(&mut raw)
            .await
            .unwrap();
        let text = format!("{dump:?}");
        assert!(
            !text.contains("PO-1") && !text.contains("447700900123"),
            "{text}"
        );
        // Another key's store cannot read them (an error, never nothing).
        let other = Events::new(store(&server, Some(6))).stream("numport:test:typed");
        let _: () = raw.del("unused").await.unwrap();
        assert!(
            other
                .consumer("fresh", "x")
                .next(10, Duration::ZERO)
                .await
                .is_err()
        );
    }

    /// Redis restarted without its data: the group is made again on the
    /// next read, and reading goes on.
    #[tokio::test]
    async fn a_group_lost_with_redis_is_made_again() {
        let mut server = RedisServer::start();
        let events = Events::new(store(&server, None)).stream("numport:test:restart");
        let relay = events.consumer("relay", "r1");
        assert!(relay.next(10, Duration::ZERO).await.unwrap().is_empty());
        server.stop();
        assert!(relay.next(10, Duration::ZERO).await.is_err());
        server.restart();
        tokio::time::sleep(Duration::from_millis(300)).await;
        events
            .publish(&event("PO-9", 1, PortStatus::Submitted))
            .await
            .unwrap();
        let got = relay.next(10, Duration::ZERO).await.unwrap();
        assert_eq!(got.len(), 1);
    }
}
