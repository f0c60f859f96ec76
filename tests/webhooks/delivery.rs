//! The relay against a receiver that fails, goes away, comes back, never
//! recovers, answers `410 Gone` or redirects: attempts at the schedule's
//! times (the injected clock's), every event delivered or dead-lettered,
//! nothing acknowledged that was not.

use std::time::Duration;

use numport::Events;
use numport::webhook::{
    AttemptOutcome, DeadLetter, Endpoint, RelayCounts, RetrySchedule, Sender, WebhookError,
};

use crate::receiver::{
    Answer, Receiver, at, attempts_of, clock, event, events, pending, relay, secret,
};

fn counts(delivered: u64, retried: u64, dead_lettered: u64) -> RelayCounts {
    let mut c = RelayCounts::default();
    c.delivered = delivered;
    c.retried = retried;
    c.dead_lettered = dead_lettered;
    c
}

/// 503 for three attempts, then connection refused for two, then back:
/// with the default schedule (0 s, 5 s, 5 min, 30 min, 2 h, 5 h, ...) the
/// attempts fall at exactly 0, 5, 305, 2105, 9305 and 27305 seconds; the
/// receiver sees the ones it was up for, and an order's later events wait
/// behind its first one and then arrive in sequence.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_receiver_down_then_back_gets_every_event_in_order_at_the_schedule_s_times() {
    let clock = clock();
    let mut receiver = Receiver::start(clock.clone()).await;
    receiver.answer(503);
    let (store, events) = events();
    let published = [
        event("A100", 1),
        event("A100", 2),
        event("A100", 3),
        event("B200", 1),
    ];
    for e in &published {
        events.publish(e).await.unwrap();
    }
    let mut relay = relay(&events, &receiver.url(), &clock, "r1")
        .build()
        .unwrap();

    // (seconds, what the round did) while the receiver fails.
    let failing = [(0, 2), (4, 0), (5, 2), (304, 0), (305, 2)];
    for (seconds, retried) in failing {
        at(&clock, seconds);
        assert_eq!(
            relay.run_once().await.unwrap(),
            counts(0, retried, 0),
            "at {seconds} s"
        );
    }
    receiver.stop().await;
    for (seconds, retried) in [(2104, 0), (2105, 2), (9304, 0), (9305, 2)] {
        at(&clock, seconds);
        assert_eq!(
            relay.run_once().await.unwrap(),
            counts(0, retried, 0),
            "refused, at {seconds} s"
        );
    }
    receiver.restart().await;
    receiver.answer(204);
    at(&clock, 27_304);
    assert_eq!(relay.run_once().await.unwrap(), counts(0, 0, 0));
    at(&clock, 27_305);
    assert_eq!(relay.run_once().await.unwrap(), counts(4, 0, 0));

    let seen = receiver.seen();
    let first_of_order = [(0, 503), (5, 503), (305, 503), (27_305, 204)];
    assert_eq!(attempts_of(&seen, &published[0].id), first_of_order);
    assert_eq!(attempts_of(&seen, &published[3].id), first_of_order);
    assert_eq!(attempts_of(&seen, &published[1].id), [(27_305, 204)]);
    assert_eq!(attempts_of(&seen, &published[2].id), [(27_305, 204)]);
    assert_eq!(seen.len(), 10);
    // Every request verified, each the event published: a POST to the
    // endpoint's path, its body the event's JSON.
    for s in &seen {
        let verified = s.verified.as_ref().expect("verified");
        assert!(published.contains(verified));
        assert_eq!(verified.id, s.id);
        assert_eq!(
            (s.method.as_str(), s.path.as_str(), s.content_type.as_str()),
            ("POST", "/hooks/numport", "application/json")
        );
        assert_eq!(s.user_agent, numport::http::USER_AGENT_VALUE);
        assert_eq!(s.body, serde_json::to_vec(verified).unwrap());
    }
    // Order A100 arrived 1, 2, 3.
    let delivered_a: Vec<u64> = seen
        .iter()
        .filter(|s| s.answered == 204)
        .filter_map(|s| s.verified.as_ref().ok())
        .filter(|e| e.order_id.as_str() == "A100")
        .map(|e| e.sequence)
        .collect();
    assert_eq!(delivered_a, [1, 2, 3]);

    assert_eq!(relay.held(), 0);
    assert!(pending(&store, "r1").await.is_empty());
    assert_eq!(store.stream_len("numport:events:dead").await.unwrap(), 0);
    // Nothing more to do.
    at(&clock, 200_000);
    assert_eq!(relay.run_once().await.unwrap(), counts(0, 0, 0));
    assert_eq!(receiver.seen().len(), 10);
}

/// A receiver that never recovers: after the schedule's last attempt the
/// event is on `<stream>:dead` with the last error (the receiver's words
/// redacted) and acknowledged in the main group; the order's next event,
/// which waited behind it, is tried only then.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_receiver_that_never_recovers_gets_the_event_dead_lettered() {
    let clock = clock();
    let receiver = Receiver::start(clock.clone()).await;
    receiver.script(|_, _| Answer::status(500).with_body("the PAC ABC123456 is not ours"));
    let (store, events) = events();
    let first = event("A100", 1);
    let second = event("A100", 2);
    events.publish(&first).await.unwrap();
    events.publish(&second).await.unwrap();
    let schedule: RetrySchedule = "0s,5s,5m".parse().unwrap();
    let mut relay = relay(&events, &receiver.url(), &clock, "r1")
        .schedule(schedule)
        .build()
        .unwrap();
    assert_eq!(relay.dead_letter_stream(), "numport:events:dead");

    at(&clock, 0);
    assert_eq!(relay.run_once().await.unwrap(), counts(0, 1, 0));
    at(&clock, 5);
    assert_eq!(relay.run_once().await.unwrap(), counts(0, 1, 0));
    at(&clock, 305);
    assert_eq!(relay.run_once().await.unwrap(), counts(0, 1, 1));

    let seen = receiver.seen();
    assert_eq!(
        attempts_of(&seen, &first.id),
        [(0, 500), (5, 500), (305, 500)]
    );
    assert_eq!(attempts_of(&seen, &second.id), [(305, 500)]);
    assert_eq!(seen.len(), 4);

    let dead = store
        .stream_read(
            "numport:events:dead",
            "check",
            "c",
            false,
            10,
            Duration::ZERO,
        )
        .await
        .unwrap();
    assert_eq!(dead.len(), 1);
    let letter = DeadLetter::from_json(&dead[0].payload).unwrap();
    assert_eq!(letter.event, first);
    assert_eq!(letter.dead_letter.attempts, 3);
    assert_eq!(
        letter.dead_letter.last_error,
        "HTTP 500: the PAC [REDACTED] is not ours"
    );
    assert_eq!(letter.dead_letter.endpoint, relay.endpoint().hash());
    assert_eq!(
        letter.dead_letter.at,
        crate::receiver::t0() + chrono::Duration::seconds(305)
    );
    let raw = String::from_utf8(dead[0].payload.clone()).unwrap();
    assert!(
        !raw.contains("ABC123456") && !raw.contains("hooks/numport"),
        "{raw}"
    );

    // The main group: the first acknowledged, the second still pending.
    let still = pending(&store, "r1").await;
    assert_eq!(still.len(), 1);
    assert_eq!(relay.held(), 1);

    at(&clock, 310);
    assert_eq!(relay.run_once().await.unwrap(), counts(0, 1, 0));
    at(&clock, 610);
    assert_eq!(relay.run_once().await.unwrap(), counts(0, 0, 1));
    assert!(pending(&store, "r1").await.is_empty());
    assert_eq!(relay.held(), 0);

    // The dead letters read back as events, to be sent again.
    let replay = Events::new(store.clone())
        .stream("numport:events:dead")
        .consumer("replay", "one");
    let again: Vec<_> = replay
        .next(10, Duration::ZERO)
        .await
        .unwrap()
        .into_iter()
        .map(|d| d.event)
        .collect();
    assert_eq!(again, [first, second]);
}

/// `410 Gone`: the relay stops with the typed error, acknowledging and
/// dead-lettering nothing, and sends nothing more.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn gone_stops_the_relay_and_acknowledges_nothing() {
    let clock = clock();
    let receiver = Receiver::start(clock.clone()).await;
    receiver.answer(410);
    let (store, events) = events();
    for order in ["A100", "B200", "C300"] {
        events.publish(&event(order, 1)).await.unwrap();
    }
    let mut relay = relay(&events, &receiver.url(), &clock, "r1")
        .concurrency(1)
        .build()
        .unwrap();
    let origin = format!("http://{}:{}", receiver.addr().ip(), receiver.addr().port());
    // `run` ends at the first 410.
    match relay.run(std::future::pending::<()>()).await {
        Err(WebhookError::EndpointGone { endpoint }) => assert_eq!(endpoint, origin),
        other => panic!("expected EndpointGone, got {other:?}"),
    }
    assert_eq!(receiver.seen().len(), 1);
    assert_eq!(pending(&store, "r1").await.len(), 3);
    assert_eq!(relay.held(), 3);
    assert_eq!(store.stream_len("numport:events:dead").await.unwrap(), 0);

    // And stays stopped: nothing more is sent.
    at(&clock, 3600);
    assert!(matches!(
        relay.run_once().await,
        Err(WebhookError::EndpointGone { .. })
    ));
    assert_eq!(receiver.seen().len(), 1);
    assert_eq!(pending(&store, "r1").await.len(), 3);
}

/// A 302 to another host is a failed attempt: not followed (the other
/// host gets nothing), tried again on the schedule.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_redirect_is_a_failure_and_is_never_followed() {
    let clock = clock();
    let other = Receiver::start_on("127.0.0.2:0".parse().unwrap(), clock.clone()).await;
    let receiver = Receiver::start(clock.clone()).await;
    let target = other.url();
    receiver.script(move |_, _| Answer::status(302).with_header("location", target.clone()));
    let (_store, events) = events();
    let published = event("A100", 1);
    events.publish(&published).await.unwrap();
    let mut relay = relay(&events, &receiver.url(), &clock, "r1")
        .build()
        .unwrap();
    assert_eq!(relay.run_once().await.unwrap(), counts(0, 1, 0));
    at(&clock, 5);
    assert_eq!(relay.run_once().await.unwrap(), counts(0, 1, 0));
    assert_eq!(receiver.seen().len(), 2);
    assert_eq!(other.seen().len(), 0);

    let sender = Sender::new(Endpoint::parse(&receiver.url()).unwrap(), secret()).unwrap();
    let outcome = sender.send(&published).await;
    assert_eq!(
        outcome,
        AttemptOutcome::Redirected {
            status: 302,
            location_host: Some("127.0.0.2".into())
        }
    );
    assert_eq!(
        outcome.describe(),
        "HTTP 302: a redirect to 127.0.0.2, not followed"
    );
    assert_eq!(other.seen().len(), 0);
}
