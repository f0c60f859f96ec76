//! Many replicas sharing credentials and caches through a real Redis
//! (`redis-server`, started per test on a free loopback port): carrier
//! calls counted on the sandboxes.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use chrono::NaiveDate;
use futures::future::join_all;
use numport::carrier::cellhire::{CellhireClient, Service};
use numport::carrier::inumbering::INumberingClient;
use numport::clock::ManualClock;
use numport::http::HttpConfig;
use numport::sandbox::{CellhireSandbox, CellhireSandboxConfig, INumberingSandbox};
use numport::store::{RedisStore, SealingKey, Store};
use numport::{PhoneNumber, PortProvider, PortRequest};
use redis_server::RedisServer;

use crate::support::redis_server;
use crate::support::requests::{self, cellhire_options, chicago, lines, uk_line};

const REPLICAS: usize = 8;
const APIKEY: &str = "/v2.2/account/apikey";
const AVAILABILITY: &str = "/v2/iNumbering/portInAvailability/";

/// The fleet's sealing key (as production would set it).
const SEALING_KEY: [u8; 32] = [7; 32];

/// One replica's store: its own connection, as another process would have.
fn store(redis: &RedisServer) -> Arc<dyn Store> {
    Arc::new(
        RedisStore::builder(redis.url())
            .lock_ttl(Duration::from_secs(1))
            .sealing_key(SealingKey::new(SEALING_KEY))
            .build()
            .unwrap(),
    )
}

/// Every key and value Redis holds, read with a plain connection.
async fn everything_in(redis: &RedisServer) -> Vec<(String, Vec<u8>)> {
    let client = redis::Client::open(redis.url()).unwrap();
    let mut conn = client.get_multiplexed_async_connection().await.unwrap();
    let keys: Vec<String> = redis::cmd("KEYS")
        .arg("*")
        .query_async(&mut conn)
        .await
        .unwrap();
    let mut all = Vec::new();
    for key in keys {
        let kind: String = redis::cmd("TYPE")
            .arg(&key)
            .query_async(&mut conn)
            .await
            .unwrap();
        let value: Vec<u8> = if kind == "string" {
            redis::cmd("GET")
                .arg(&key)
                .query_async(&mut conn)
                .await
                .unwrap()
        } else {
            Vec::new()
        };
        all.push((key, value));
    }
    all
}

fn holds(hay: &[u8], needle: &str) -> bool {
    hay.windows(needle.len()).any(|w| w == needle.as_bytes())
}

fn inumbering(sandbox: &INumberingSandbox, username: u64, redis: &RedisServer) -> INumberingClient {
    INumberingClient::builder()
        .base_url(sandbox.base_url())
        .username(username)
        .password(sandbox.password())
        .admin(username == sandbox.admin_username())
        .store(store(redis))
        .build()
        .unwrap()
}

fn cellhire(sandbox: &CellhireSandbox, redis: &RedisServer) -> CellhireClient {
    CellhireClient::builder()
        .base_url(sandbox.base_url())
        .token_url(sandbox.token_url())
        .account_id(sandbox.account_id())
        .client_credentials(sandbox.client_id(), sandbox.client_secret())
        .http_config(HttpConfig::default().with_clock(Arc::new(ManualClock::new(
            "2026-05-01T09:00:00Z".parse().unwrap(),
        ))))
        .store(store(redis))
        .build()
        .unwrap()
}

async fn cellhire_sandbox() -> CellhireSandbox {
    let today = NaiveDate::from_ymd_opt(2026, 5, 1).unwrap();
    CellhireSandbox::start_with(CellhireSandboxConfig::default().with_today(today))
        .await
        .unwrap()
}

fn us_request(numbers: &[u32]) -> PortRequest {
    requests::us_request(lines(numbers.iter().map(|n| chicago(*n))))
}

fn uk_request(n: u32) -> PortRequest {
    let line = uk_line(
        &format!("+4477009{n:05}"),
        &format!("894410003018{n:07}"),
        "KQM482913",
    );
    PortRequest::new(vec![line]).with_cellhire(
        cellhire_options(format!("Replica order {n}")).with_service(Service::new("voice", "true")),
    )
}

fn count(paths: &[String], path: &str) -> usize {
    paths.iter().filter(|p| *p == path).count()
}

fn networks_reads(sandbox: &CellhireSandbox) -> usize {
    sandbox
        .api_requests()
        .iter()
        .filter(|(m, p)| m == "GET" && p.ends_with("/networks"))
        .count()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn eight_replicas_spend_one_exchange_one_grant_one_networks_read_one_check_and_a_deploy_none()
{
    let redis = RedisServer::start();
    let inum = INumberingSandbox::start().await.unwrap();
    inum.set_balance(10_000_000);
    let cell = cellhire_sandbox().await;

    // Eight replicas, built independently, each submitting its own order
    // at the same moment.
    let customers: Vec<INumberingClient> = (0..REPLICAS)
        .map(|_| inumbering(&inum, inum.username(), &redis))
        .collect();
    let results = join_all(
        customers
            .iter()
            .enumerate()
            .map(|(i, c)| async move { c.submit(&us_request(&[5_700_000 + i as u32])).await }),
    )
    .await;
    assert!(results.iter().all(Result::is_ok), "{results:?}");
    assert_eq!(inum.exchanges(), 1, "one key exchange for the fleet");

    // Eight admin replicas asked whether the same three numbers port, at
    // once; one of them orders them.
    let admins: Vec<INumberingClient> = (0..REPLICAS)
        .map(|_| inumbering(&inum, inum.admin_username(), &redis))
        .collect();
    let set = us_request(&[5_710_001, 5_710_002, 5_710_003])
        .with_desired_date(chrono::Utc::now().date_naive() + chrono::Days::new(7));
    let numbers: Vec<PhoneNumber> = set.lines.iter().map(|l| l.number.clone()).collect();
    let checks = join_all(admins.iter().map(|a| a.check_portability(&numbers))).await;
    for check in &checks {
        let check = check.as_ref().unwrap();
        assert_eq!(check.len(), 3);
        assert!(check.iter().all(|p| p.portable), "{check:?}");
    }
    admins[3].submit(&set).await.unwrap();
    assert_eq!(
        count(&inum.requests(), AVAILABILITY),
        1,
        "one pre-check for the number set"
    );
    assert_eq!(
        inum.exchanges(),
        2,
        "and one exchange for the admin account"
    );

    // Eight Cellhire replicas submitting at once.
    let replicas: Vec<CellhireClient> = (0..REPLICAS).map(|_| cellhire(&cell, &redis)).collect();
    let results = join_all(
        replicas
            .iter()
            .enumerate()
            .map(|(i, c)| async move { c.submit(&uk_request(i as u32)).await }),
    )
    .await;
    assert!(results.iter().all(Result::is_ok), "{results:?}");
    assert_eq!(cell.token_grants(), 1, "one token grant");
    assert_eq!(networks_reads(&cell), 1, "one networks read");

    // What Redis holds: namespaced keys without an account name, and no
    // key or token in clear.
    let key = customers[0].api_key().await.unwrap();
    let stored = everything_in(&redis).await;
    assert!(stored.len() >= 6, "{stored:?}");
    for (name, value) in &stored {
        assert!(name.starts_with("numport:"), "{name}");
        let user = inum.username().to_string();
        for account in [user.as_str(), cell.client_id()] {
            assert!(!name.contains(account), "{name}");
        }
        assert!(!holds(value, key.expose()), "{name} holds the API key");
        if name.ends_with(":apikey") || name.ends_with(":token") {
            assert!(value.starts_with(b"np1"), "{name} is not sealed");
        }
    }

    // A deploy: every client dropped, eight new ones built.
    drop((customers, admins, replicas));
    let customers: Vec<INumberingClient> = (0..REPLICAS)
        .map(|_| inumbering(&inum, inum.username(), &redis))
        .collect();
    let replicas: Vec<CellhireClient> = (0..REPLICAS).map(|_| cellhire(&cell, &redis)).collect();
    let results = join_all(
        customers
            .iter()
            .enumerate()
            .map(|(i, c)| async move { c.submit(&us_request(&[5_720_000 + i as u32])).await }),
    )
    .await;
    assert!(results.iter().all(Result::is_ok), "{results:?}");
    let results = join_all(
        replicas
            .iter()
            .enumerate()
            .map(|(i, c)| async move { c.submit(&uk_request(100 + i as u32)).await }),
    )
    .await;
    assert!(results.iter().all(Result::is_ok), "{results:?}");
    assert_eq!(inum.exchanges(), 2, "no exchange after the deploy");
    assert_eq!(cell.token_grants(), 1, "no grant after the deploy");
    assert_eq!(
        networks_reads(&cell),
        1,
        "no networks read after the deploy"
    );
    println!(
        "{REPLICAS} replicas then a deploy: exchanges {}, grants {}, networks reads {}, pre-checks {}",
        inum.exchanges(),
        cell.token_grants(),
        networks_reads(&cell),
        count(&inum.requests(), AVAILABILITY)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_revoked_key_or_token_seen_by_every_replica_is_replaced_once() {
    let redis = RedisServer::start();
    let inum = INumberingSandbox::start().await.unwrap();
    let cell = cellhire_sandbox().await;
    let customers: Vec<INumberingClient> = (0..REPLICAS)
        .map(|_| inumbering(&inum, inum.username(), &redis))
        .collect();
    let replicas: Vec<CellhireClient> = (0..REPLICAS).map(|_| cellhire(&cell, &redis)).collect();
    for c in &customers {
        c.port_status().await.unwrap();
    }
    for c in &replicas {
        c.networks().await.unwrap();
    }
    assert_eq!((inum.exchanges(), cell.token_grants()), (1, 1));

    inum.rotate_keys();
    cell.revoke_tokens();
    let statuses = join_all(customers.iter().map(|c| c.port_status())).await;
    assert!(statuses.iter().all(Result::is_ok), "{statuses:?}");
    let networks = join_all(replicas.iter().map(|c| c.networks())).await;
    assert!(networks.iter().all(Result::is_ok), "{networks:?}");
    assert_eq!(
        inum.exchanges(),
        2,
        "every replica saw the 401: one exchange"
    );
    assert_eq!(
        cell.token_grants(),
        2,
        "every replica saw the 401: one grant"
    );
    let keys: Vec<_> = join_all(customers.iter().map(|c| c.api_key())).await;
    assert!(
        keys.windows(2).all(|w| w[0] == w[1]),
        "every replica holds the new key"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_spent_exchange_budget_is_refused_locally_saying_when_it_frees() {
    let redis = RedisServer::start();
    let inum = INumberingSandbox::start().await.unwrap();
    let replica = inumbering(&inum, inum.username(), &redis);
    replica.port_status().await.unwrap();
    // Five more keys, each after the carrier revoked the last: six
    // exchanges, the hour's budget.
    for _ in 0..5 {
        inum.rotate_keys();
        replica.port_status().await.unwrap();
    }
    assert_eq!(inum.exchanges(), 6);

    inum.rotate_keys();
    let sent = inum.requests().len();
    let err = replica.port_status().await.unwrap_err();
    let wait = err.retry_after().expect("says when the budget frees");
    assert!(err.is_rate_limited(), "{err:?}");
    assert!(
        wait > Duration::from_secs(3500) && wait <= Duration::from_secs(3600),
        "{wait:?}"
    );
    assert!(
        err.to_string().contains("frees in") && err.to_string().contains("nothing was sent"),
        "{err}"
    );
    // The portStatus call with the revoked key went out; no exchange did.
    assert_eq!(inum.requests()[sent..], ["/v2.1/iNumbering/portStatus/"]);
    assert_eq!(inum.exchanges(), 6);

    // Another replica, fresh: refused before any request.
    let other = inumbering(&inum, inum.username(), &redis);
    let sent = inum.requests().len();
    let err = other.port_status().await.unwrap_err();
    assert!(err.is_rate_limited(), "{err:?}");
    assert_eq!(inum.requests().len(), sent, "nothing sent");
}

/// Collects `tracing` warnings.
#[derive(Clone, Default)]
struct Warnings(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for Warnings {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for Warnings {
    type Writer = Warnings;
    fn make_writer(&'a self) -> Self::Writer {
        self.clone()
    }
}

#[tokio::test]
async fn a_stopped_redis_never_fails_a_port_and_sharing_resumes_once_it_is_back() {
    let warnings = Warnings::default();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::WARN)
        .with_writer(warnings.clone())
        .with_ansi(false)
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);

    let mut redis = RedisServer::start();
    let inum = INumberingSandbox::start().await.unwrap();
    inum.set_balance(10_000_000);
    let cell = cellhire_sandbox().await;
    let a = inumbering(&inum, inum.username(), &redis);
    let b = inumbering(&inum, inum.username(), &redis);
    a.port_status().await.unwrap();
    b.port_status().await.unwrap();
    assert_eq!(inum.exchanges(), 1);

    redis.stop();
    // Ports go through: the replicas hold their key, and new replicas
    // exchange their own (the store cannot be asked).
    a.submit(&us_request(&[5_730_001])).await.unwrap();
    let c = inumbering(&inum, inum.username(), &redis);
    let started = Instant::now();
    c.submit(&us_request(&[5_730_002])).await.unwrap();
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "bounded: {:?}",
        started.elapsed()
    );
    let replica = cellhire(&cell, &redis);
    replica.submit(&uk_request(200)).await.unwrap();
    assert_eq!(inum.exchanges(), 2);
    let logged = String::from_utf8(warnings.0.lock().unwrap().clone()).unwrap();
    assert!(
        logged.contains("the shared store failed; using this client's memory for now"),
        "{logged}"
    );
    assert!(!logged.contains(inum.password()), "{logged}");

    // Redis back (empty: it keeps nothing on disk). After the client's
    // back-off, two new replicas share one exchange again.
    redis.restart();
    tokio::time::sleep(Duration::from_millis(1_200)).await;
    let d = inumbering(&inum, inum.username(), &redis);
    let e = inumbering(&inum, inum.username(), &redis);
    d.port_status().await.unwrap();
    e.port_status().await.unwrap();
    assert_eq!(inum.exchanges(), 3, "one exchange for both new replicas");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_replica_dying_while_it_holds_the_lock_is_taken_over_once_the_lock_expires() {
    let redis = RedisServer::start();
    let inum = INumberingSandbox::start().await.unwrap();
    inum.stall_next_exchange(Duration::from_secs(30));
    let doomed = inumbering(&inum, inum.username(), &redis);
    let task = tokio::spawn(async move { doomed.port_status().await });
    // Wait until its exchange reached the carrier: it holds the lock.
    let deadline = Instant::now() + Duration::from_secs(5);
    while count(&inum.requests(), APIKEY) == 0 {
        assert!(Instant::now() < deadline, "the exchange never arrived");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let died_at = Instant::now();
    task.abort();

    let survivor = inumbering(&inum, inum.username(), &redis);
    survivor.port_status().await.unwrap();
    let waited = died_at.elapsed();
    // The lock lives 1 s: the survivor waited for it, and no longer than
    // the store lets a lock live twice.
    assert!(
        waited >= Duration::from_millis(700) && waited < Duration::from_secs(2),
        "{waited:?}"
    );
    assert_eq!(count(&inum.requests(), APIKEY), 2);
    assert_eq!(
        inum.exchanges(),
        1,
        "only the survivor's exchange completed"
    );
    let err = task.await.unwrap_err();
    assert!(err.is_cancelled());
}
