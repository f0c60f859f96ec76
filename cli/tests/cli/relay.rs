//! `numport relay`: events published through the library to a real Redis
//! reach a receiver on loopback signed, in order, with `--once`; the
//! secret comes only from the environment (or a file), and a missing one,
//! or a missing Redis, is a configuration error with nothing delivered.

use std::sync::{Arc, Mutex};

use numport::store::{RedisStore, Store};
use numport::webhook::{
    HEADER_ID, HEADER_SIGNATURE, HEADER_TIMESTAMP, HeaderMap, HeaderValue, WebhookSecret, verify,
};
use numport::{Carrier, Events, PortEvent, PortId, PortStatus};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

use crate::redis_server::RedisServer;
use crate::support::{Env, numport, run};

const SECRET: &str = "whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD";

/// One webhook received: its event as `verify` read it, or why it refused.
type Received = Arc<Mutex<Vec<Result<PortEvent, String>>>>;

/// A receiver on loopback that answers 204 to each request after checking
/// it with `numport::webhook::verify`.
async fn receiver() -> (String, Received) {
    answering("204 No Content").await
}

/// A receiver on loopback that answers `status` (e.g. `410 Gone`) to each
/// request after checking it with `numport::webhook::verify` (a minimal
/// HTTP/1.1 reader: this package has no HTTP server).
async fn answering(status: &'static str) -> (String, Received) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/hooks", listener.local_addr().unwrap());
    let received: Received = Arc::default();
    let out = received.clone();
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            let out = out.clone();
            tokio::spawn(async move {
                let mut data = Vec::new();
                let mut buf = [0u8; 4096];
                let (head_len, body_len) = loop {
                    let n = socket.read(&mut buf).await.unwrap_or(0);
                    if n == 0 {
                        return;
                    }
                    data.extend_from_slice(&buf[..n]);
                    if let Some(end) = data.windows(4).position(|w| w == b"\r\n\r\n") {
                        let head = String::from_utf8_lossy(&data[..end]).to_lowercase();
                        let length = head
                            .lines()
                            .find_map(|l| l.strip_prefix("content-length:"))
                            .and_then(|v| v.trim().parse::<usize>().ok())
                            .unwrap_or(0);
                        break (end + 4, length);
                    }
                };
                while data.len() < head_len + body_len {
                    let n = socket.read(&mut buf).await.unwrap_or(0);
                    if n == 0 {
                        return;
                    }
                    data.extend_from_slice(&buf[..n]);
                }
                let head = String::from_utf8_lossy(&data[..head_len]).into_owned();
                let mut headers = HeaderMap::new();
                for line in head.lines().skip(1) {
                    let Some((name, value)) = line.split_once(':') else {
                        continue;
                    };
                    let name = name.trim().to_ascii_lowercase();
                    for wanted in [HEADER_ID, HEADER_TIMESTAMP, HEADER_SIGNATURE] {
                        if name == wanted {
                            headers.insert(wanted, HeaderValue::from_str(value.trim()).unwrap());
                        }
                    }
                }
                let body = &data[head_len..head_len + body_len];
                let secret = WebhookSecret::parse(SECRET).unwrap();
                let verified =
                    verify(&secret, &headers, body, chrono::Utc::now()).map_err(|e| e.to_string());
                out.lock().unwrap().push(verified);
                let answer =
                    format!("HTTP/1.1 {status}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
                let _ = socket.write_all(answer.as_bytes()).await;
            });
        }
    });
    (url, received)
}

fn event(order: &str, sequence: u64, to: PortStatus) -> PortEvent {
    PortEvent::status_changed(
        Carrier::INumbering,
        "numport:inumbering:9f3c",
        PortId::new(order).unwrap(),
        vec![],
        sequence,
        None,
        to,
        chrono::Utc::now(),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn relay_once_delivers_the_stream_signed_and_in_order() {
    let redis = RedisServer::start();
    let store: Arc<dyn Store> = Arc::new(RedisStore::builder(redis.url()).build().unwrap());
    let events = Events::new(store.clone());
    let published = [
        event("ORD-7", 1, PortStatus::Submitted),
        event("ORD-8", 1, PortStatus::Submitted),
        event("ORD-7", 2, PortStatus::Scheduled),
    ];
    for e in &published {
        events.publish(e).await.unwrap();
    }
    let (url, received) = receiver().await;
    let env: Env = vec![
        ("NUMPORT_REDIS_URL".into(), redis.url()),
        ("NUMPORT_WEBHOOK_SECRET".into(), SECRET.into()),
    ];
    let out =
        run(numport(&env).args(["relay", "--url", &url, "--once", "--consumer", "cron"])).expect(0);
    assert!(
        out.stderr
            .contains("3 delivered, 0 to retry, 0 dead-lettered, 0 duplicates skipped, 0 held"),
        "{}",
        out.stderr
    );
    assert!(out.stdout.is_empty(), "{}", out.stdout);
    for text in [&out.stdout, &out.stderr] {
        assert!(
            !text.contains("C2FVsBQIhrscChlQIMV"),
            "the secret was printed: {text}"
        );
    }
    let got: Vec<PortEvent> = received
        .lock()
        .unwrap()
        .iter()
        .map(|r| r.clone().expect("signed with the secret"))
        .collect();
    assert_eq!(got.len(), 3);
    for e in &published {
        assert!(got.contains(e), "{e:?} missing");
    }
    let ord7: Vec<u64> = got
        .iter()
        .filter(|e| e.order_id.as_str() == "ORD-7")
        .map(|e| e.sequence)
        .collect();
    assert_eq!(ord7, [1, 2]);

    // A second run finds nothing to do: everything was acknowledged.
    let again =
        run(numport(&env).args(["relay", "--url", &url, "--once", "--consumer", "cron"])).expect(0);
    assert!(again.stderr.contains("0 delivered"), "{}", again.stderr);
    assert_eq!(received.lock().unwrap().len(), 3);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn relay_without_its_secret_or_redis_is_a_configuration_error() {
    let redis = RedisServer::start();
    let store: Arc<dyn Store> = Arc::new(RedisStore::builder(redis.url()).build().unwrap());
    Events::new(store.clone())
        .publish(&event("ORD-9", 1, PortStatus::Submitted))
        .await
        .unwrap();
    let (url, received) = receiver().await;

    // No NUMPORT_WEBHOOK_SECRET.
    let env: Env = vec![("NUMPORT_REDIS_URL".into(), redis.url())];
    let out = run(numport(&env).args(["relay", "--url", &url, "--once"])).expect(2);
    assert!(
        out.stderr.contains("NUMPORT_WEBHOOK_SECRET is not set"),
        "{}",
        out.stderr
    );

    // The secret on the command line: refused, and never echoed.
    let out =
        run(numport(&env).args(["relay", "--url", &url, "--once", "--secret", SECRET])).expect(2);
    assert!(
        out.stderr
            .contains("--secret is not taken on the command line"),
        "{}",
        out.stderr
    );
    assert!(
        !out.stderr.contains("C2FVsBQIhrscChlQIMV"),
        "{}",
        out.stderr
    );

    // A secret that is not one: named, not shown.
    let bad: Env = vec![
        ("NUMPORT_REDIS_URL".into(), redis.url()),
        ("NUMPORT_WEBHOOK_SECRET".into(), "whsec_c2hvcnQ=".into()),
    ];
    let out = run(numport(&bad).args(["relay", "--url", &url, "--once"])).expect(2);
    assert!(
        out.stderr
            .contains("NUMPORT_WEBHOOK_SECRET: the webhook secret is invalid"),
        "{}",
        out.stderr
    );
    assert!(!out.stderr.contains("c2hvcnQ"), "{}", out.stderr);

    // No NUMPORT_REDIS_URL.
    let no_redis: Env = vec![("NUMPORT_WEBHOOK_SECRET".into(), SECRET.into())];
    let out = run(numport(&no_redis).args(["relay", "--url", &url, "--once"])).expect(2);
    assert!(
        out.stderr.contains("NUMPORT_REDIS_URL is not set"),
        "{}",
        out.stderr
    );

    // A plain-http endpoint off loopback, a schedule of 21 steps.
    let env: Env = vec![
        ("NUMPORT_REDIS_URL".into(), redis.url()),
        ("NUMPORT_WEBHOOK_SECRET".into(), SECRET.into()),
    ];
    let out = run(numport(&env).args(["relay", "--url", "http://hooks.example.com/x", "--once"]))
        .expect(2);
    assert!(out.stderr.contains("must use https"), "{}", out.stderr);
    let steps = vec!["1s"; 21].join(",");
    let out =
        run(numport(&env).args(["relay", "--url", &url, "--once", "--schedule", &steps])).expect(2);
    assert!(out.stderr.contains("--schedule"), "{}", out.stderr);

    assert!(received.lock().unwrap().is_empty());
    assert_eq!(
        store
            .stream_read(
                numport::DEFAULT_EVENT_STREAM,
                "numport-relay",
                "probe",
                false,
                10,
                std::time::Duration::ZERO
            )
            .await
            .unwrap()
            .len(),
        1,
        "the event is still new to the relays' group"
    );
}

/// The group's entries not yet delivered to it (`new`) or pending for the
/// consumer `consumer`.
async fn unread(store: &Arc<dyn Store>, stream: &str, consumer: &str, new: bool) -> usize {
    store
        .stream_read(
            stream,
            "numport-relay",
            consumer,
            !new,
            10,
            std::time::Duration::ZERO,
        )
        .await
        .unwrap()
        .len()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn relay_reads_its_secret_from_a_file() {
    let redis = RedisServer::start();
    let store: Arc<dyn Store> = Arc::new(RedisStore::builder(redis.url()).build().unwrap());
    Events::new(store.clone())
        .publish(&event("ORD-3", 1, PortStatus::Submitted))
        .await
        .unwrap();
    let (url, received) = receiver().await;
    let dir = std::env::temp_dir().join(format!("numport-relay-secret-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("webhook.secret");
    std::fs::write(&file, format!("{SECRET}\n")).unwrap();
    let env: Env = vec![("NUMPORT_REDIS_URL".into(), redis.url())];
    let file_arg = file.to_str().unwrap();

    let out =
        run(numport(&env).args(["relay", "--url", &url, "--once", "--secret-file", file_arg]))
            .expect(0);
    assert!(out.stderr.contains("1 delivered"), "{}", out.stderr);
    assert!(
        !out.stderr.contains("C2FVsBQIhrscChlQIMV"),
        "{}",
        out.stderr
    );
    let got = received.lock().unwrap().clone();
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].as_ref().unwrap().order_id.as_str(), "ORD-3");

    // A missing file: a configuration error naming it, nothing sent.
    let missing = dir.join("absent.secret");
    let out = run(numport(&env).args([
        "relay",
        "--url",
        &url,
        "--once",
        "--secret-file",
        missing.to_str().unwrap(),
    ]))
    .expect(2);
    assert!(
        out.stderr.contains("--secret-file") && out.stderr.contains("absent.secret"),
        "{}",
        out.stderr
    );
    // A file holding something else: named, not shown.
    std::fs::write(&file, "whsec_c2hvcnQ=\n").unwrap();
    let out =
        run(numport(&env).args(["relay", "--url", &url, "--once", "--secret-file", file_arg]))
            .expect(2);
    assert!(
        out.stderr
            .contains("webhook.secret: the webhook secret is invalid"),
        "{}",
        out.stderr
    );
    assert!(!out.stderr.contains("c2hvcnQ"), "{}", out.stderr);
    assert_eq!(received.lock().unwrap().len(), 1);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn relay_exits_1_after_a_dead_letter() {
    let redis = RedisServer::start();
    let store: Arc<dyn Store> = Arc::new(RedisStore::builder(redis.url()).build().unwrap());
    Events::new(store.clone())
        .publish(&event("ORD-4", 1, PortStatus::Submitted))
        .await
        .unwrap();
    let (url, received) = answering("500 Internal Server Error").await;
    let env: Env = vec![
        ("NUMPORT_REDIS_URL".into(), redis.url()),
        ("NUMPORT_WEBHOOK_SECRET".into(), SECRET.into()),
    ];
    // One attempt, no retry: the refused event is dead-lettered at once.
    let out = run(numport(&env).args([
        "relay",
        "--url",
        &url,
        "--once",
        "--schedule",
        "0s",
        "--consumer",
        "cron",
    ]))
    .expect(1);
    assert!(
        out.stderr
            .contains("0 delivered, 0 to retry, 1 dead-lettered"),
        "{}",
        out.stderr
    );
    assert_eq!(received.lock().unwrap().len(), 1, "one attempt");
    let dead = format!("{}:dead", numport::DEFAULT_EVENT_STREAM);
    assert_eq!(store.stream_len(&dead).await.unwrap(), 1);
    // Acknowledged on the stream: nothing new, nothing pending.
    assert_eq!(
        unread(&store, numport::DEFAULT_EVENT_STREAM, "cron", true).await,
        0
    );
    assert_eq!(
        unread(&store, numport::DEFAULT_EVENT_STREAM, "cron", false).await,
        0
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn relay_stops_with_exit_1_when_the_endpoint_is_gone() {
    let redis = RedisServer::start();
    let store: Arc<dyn Store> = Arc::new(RedisStore::builder(redis.url()).build().unwrap());
    Events::new(store.clone())
        .publish(&event("ORD-5", 1, PortStatus::Submitted))
        .await
        .unwrap();
    let (url, received) = answering("410 Gone").await;
    let env: Env = vec![
        ("NUMPORT_REDIS_URL".into(), redis.url()),
        ("NUMPORT_WEBHOOK_SECRET".into(), SECRET.into()),
    ];
    let out =
        run(numport(&env).args(["relay", "--url", &url, "--once", "--consumer", "cron"])).expect(1);
    assert!(
        out.stderr.contains("410") && out.stderr.contains("nothing was acknowledged"),
        "{}",
        out.stderr
    );
    assert_eq!(received.lock().unwrap().len(), 1, "one attempt");
    let dead = format!("{}:dead", numport::DEFAULT_EVENT_STREAM);
    assert_eq!(store.stream_len(&dead).await.unwrap(), 0);
    // Not acknowledged: the event is pending for the consumer that took it.
    assert_eq!(
        unread(&store, numport::DEFAULT_EVENT_STREAM, "cron", false).await,
        1
    );
}
