//! The relay's bounds: a receiver's body read to 64 KiB, an attempt cut at
//! its timeout, the schedule's and the settings' ranges, endpoints.

use std::time::Duration;

use numport::webhook::{
    AttemptOutcome, Endpoint, MAX_RECEIVER_BODY_BYTES, Relay, RetrySchedule, Sender, WebhookError,
};

use crate::receiver::{Answer, Receiver, clock, event, events, secret};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_receiver_body_over_64_kib_is_cut() {
    let clock = clock();
    let receiver = Receiver::start(clock.clone()).await;
    receiver.script(|_, _| Answer::status(500).with_body(vec![b'x'; 1024 * 1024]));
    let sender = Sender::new(Endpoint::parse(&receiver.url()).unwrap(), secret()).unwrap();
    let outcome = sender.send(&event("X", 1)).await;
    let AttemptOutcome::Refused {
        status,
        body,
        body_cut,
    } = &outcome
    else {
        panic!("{outcome:?}");
    };
    assert_eq!(*status, 500);
    assert_eq!(body.len(), MAX_RECEIVER_BODY_BYTES);
    assert_eq!(body.len(), 65_536);
    assert!(body_cut);
    assert_eq!(
        outcome.describe(),
        format!("HTTP 500: {} [cut]", "x".repeat(500))
    );

    // A 2xx with a large body is delivered all the same.
    receiver.script(|_, _| Answer::status(200).with_body(vec![b'y'; 1024 * 1024]));
    assert_eq!(
        sender.send(&event("X", 1)).await,
        AttemptOutcome::Delivered { status: 200 }
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_attempt_without_an_answer_ends_at_its_timeout() {
    // Accepts connections and never answers.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let hold = tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((socket, _)) = listener.accept().await {
            held.push(socket);
        }
    });
    let url = format!("http://{addr}/hook");
    let sender = Sender::new(Endpoint::parse(&url).unwrap(), secret())
        .unwrap()
        .attempt_timeout(Duration::from_millis(200));
    assert_eq!(
        sender.send(&event("X", 1)).await,
        AttemptOutcome::Failed {
            reason: "no answer within 200 ms".into()
        }
    );
    hold.abort();

    // Nobody listening: a failure naming the connection, not the URL.
    let closed = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = closed.local_addr().unwrap().port();
    drop(closed);
    let sender = Sender::new(
        Endpoint::parse(&format!("http://127.0.0.1:{port}/hook/t0ken")).unwrap(),
        secret(),
    )
    .unwrap();
    let AttemptOutcome::Failed { reason } = sender.send(&event("X", 1)).await else {
        panic!("a closed port answered");
    };
    assert!(reason.starts_with("cannot connect"), "{reason}");
    assert!(!reason.contains("t0ken"), "{reason}");
}

#[test]
fn the_schedule_is_bounded() {
    let step = Duration::from_secs(1);
    match RetrySchedule::new(vec![step; 21]) {
        Err(WebhookError::Schedule(why)) => {
            assert_eq!(why, "it has 21 steps, over the bound of 20");
        }
        other => panic!("21 steps: {other:?}"),
    }
    assert_eq!(RetrySchedule::new(vec![step; 20]).unwrap().attempts(), 20);
    assert!(matches!(
        RetrySchedule::new(vec![]),
        Err(WebhookError::Schedule(_))
    ));
    let day = Duration::from_secs(86_400);
    assert_eq!(RetrySchedule::new(vec![day]).unwrap().to_string(), "1d");
    assert!(matches!(
        RetrySchedule::new(vec![day + step]),
        Err(WebhookError::Schedule(_))
    ));
    let text = vec!["1s"; 21].join(",");
    assert!(matches!(
        text.parse::<RetrySchedule>(),
        Err(WebhookError::Schedule(_))
    ));
    for bad in [
        "",
        "5",
        "5x",
        "s",
        "-5s",
        "1.5s",
        "5s,,5s",
        "99999999999999999999d",
    ] {
        assert!(
            matches!(bad.parse::<RetrySchedule>(), Err(WebhookError::Schedule(_))),
            "{bad:?}"
        );
    }
    let default = RetrySchedule::default();
    assert_eq!(default.to_string(), "0s,5s,5m,30m,2h,5h,10h,10h");
    assert_eq!(default.total(), Duration::from_secs(99_305));
    assert_eq!(
        "250ms, 1m,90s"
            .parse::<RetrySchedule>()
            .unwrap()
            .to_string(),
        "250ms,1m,90s"
    );
}

#[test]
fn relay_settings_and_endpoints_are_checked() {
    let (_store, events) = events();
    let build = |url: &str| Relay::builder(events.clone(), url, secret());
    for url in [
        "http://hooks.example.com/numport",
        "https://user:pw@hooks.example.com/numport",
        "https://hooks.example.com/numport?token=1",
        "ftp://127.0.0.1/x",
        "not a url",
    ] {
        assert!(
            matches!(build(url).build(), Err(WebhookError::InvalidEndpoint(_))),
            "{url}"
        );
    }
    let ok = "https://hooks.example.com/numport";
    assert!(build(ok).build().is_ok());
    assert!(build("http://localhost:9/x").build().is_ok());
    let config = |r: Result<Relay, WebhookError>| matches!(r, Err(WebhookError::Config(_)));
    assert!(config(build(ok).concurrency(0).build()));
    assert!(config(build(ok).concurrency(65).build()));
    assert!(config(build(ok).batch(1_001).build()));
    assert!(config(build(ok).max_held(0).build()));
    assert!(config(build(ok).attempt_timeout(Duration::ZERO).build()));
    assert!(config(
        build(ok)
            .attempt_timeout(Duration::from_secs(7_200))
            .build()
    ));
    assert!(config(build(ok).group("").build()));
    assert!(config(build(ok).consumer("c".repeat(513)).build()));
    assert!(config(
        build(ok).claim_idle(Duration::from_secs(90_000)).build()
    ));

    let endpoint = Endpoint::parse("https://hooks.example.com/t/S3CRETPATH").unwrap();
    assert_eq!(endpoint.to_string(), "https://hooks.example.com:443");
    let debug = format!("{endpoint:?}");
    assert!(!debug.contains("S3CRETPATH"), "{debug}");
    assert_eq!(endpoint.hash().len(), 16);
    assert_ne!(
        endpoint.hash(),
        Endpoint::parse("https://hooks.example.com/t/other")
            .unwrap()
            .hash()
    );
}
