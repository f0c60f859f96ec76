//! `OnceSubmitter`: a request submitted at most once per idempotency key,
//! across replicas sharing a real Redis (separate clients, separate
//! `RedisStore`s), and within one process on a `MemoryStore`. Creates are
//! counted on the sandboxes.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use futures::future::join_all;
use numport::carrier::apeiron::ApeironClient;
use numport::carrier::cellhire::{CellhireClient, Service};
use numport::carrier::inumbering::INumberingClient;
use numport::sandbox::{ApeironSandbox, CellhireSandbox, INumberingSandbox};
use numport::store::{MemoryStore, RedisStore, SealingKey, Store};
use numport::{
    Baseline, Capabilities, Carrier, Error, IdempotencyKey, IdempotencyProblem, OnceSubmitter,
    PhoneNumber, PortLine, PortProvider, PortRequest, Portability, Reconciliation, RejectReason,
    Submission,
};
use redis_server::RedisServer;

use crate::support::redis_server;
use crate::support::requests::{self, cellhire_options, chicago, iccid, uk_line};

const REPLICAS: usize = 8;

/// One replica's store: its own connection, sealed as production would be.
fn redis(server: &RedisServer) -> Arc<dyn Store> {
    Arc::new(
        RedisStore::builder(server.url())
            .sealing_key(SealingKey::new([9; 32]))
            .build()
            .unwrap(),
    )
}

/// A submitter that waits up to 5 s and reconciles an unknown outcome at
/// once.
fn once(provider: Arc<dyn PortProvider>, store: Arc<dyn Store>) -> OnceSubmitter {
    OnceSubmitter::new(provider, store)
        .deadline(Duration::from_secs(5))
        .reconcile_after(Duration::ZERO)
}

fn key(text: &str) -> IdempotencyKey {
    IdempotencyKey::new(text).unwrap()
}

/// The three carriers, each with its sandbox, a way to build one more
/// client (a replica), a request and its create count.
enum Sandbox {
    Cellhire(CellhireSandbox),
    Apeiron(ApeironSandbox),
    INumbering(INumberingSandbox),
}

impl Sandbox {
    async fn start(name: &str) -> Self {
        match name {
            "cellhire" => Self::Cellhire(CellhireSandbox::start().await.unwrap()),
            "apeiron" => Self::Apeiron(ApeironSandbox::start().await.unwrap()),
            _ => Self::INumbering(INumberingSandbox::start().await.unwrap()),
        }
    }

    fn client(&self) -> Arc<dyn PortProvider> {
        match self {
            Self::Cellhire(s) => Arc::new(
                CellhireClient::builder()
                    .base_url(s.base_url())
                    .token_url(s.token_url())
                    .account_id(s.account_id())
                    .client_credentials(s.client_id(), s.client_secret())
                    .build()
                    .unwrap(),
            ),
            Self::Apeiron(s) => Arc::new(
                ApeironClient::builder()
                    .base_url(s.base_url())
                    .username(s.username())
                    .api_token(s.api_token())
                    .build()
                    .unwrap(),
            ),
            Self::INumbering(s) => Arc::new(
                INumberingClient::builder()
                    .base_url(s.base_url())
                    .username(s.username())
                    .password(s.password())
                    .build()
                    .unwrap(),
            ),
        }
    }

    /// A request for number `n` (1..=99).
    fn request(&self, n: u32) -> PortRequest {
        match self {
            Self::Cellhire(_) => {
                let line = uk_line(
                    &format!("+4477009{n:05}"),
                    &format!("894410003018{n:07}"),
                    "KQM482913",
                );
                PortRequest::new(vec![line]).with_cellhire(
                    cellhire_options(format!("Once order {n}"))
                        .with_service(Service::new("voice", "true")),
                )
            }
            Self::Apeiron(_) => requests::apeiron_request(
                vec![
                    PortLine::new(chicago(5_800_000 + n))
                        .with_sim(iccid(&format!("89012601234{n:08}"))),
                ],
                "12345",
            ),
            Self::INumbering(_) => {
                requests::us_request(vec![PortLine::new(chicago(5_800_000 + n))])
            }
        }
    }

    /// Create requests received so far.
    fn creates(&self) -> usize {
        match self {
            Self::Cellhire(s) => s
                .api_requests()
                .iter()
                .filter(|(m, p)| m == "POST" && p == &format!("/api/porting/{}", s.account_id()))
                .count(),
            Self::Apeiron(s) => s.requests(),
            Self::INumbering(s) => s
                .requests()
                .iter()
                .filter(|p| p.as_str() == "/v2.2/account/port")
                .count(),
        }
    }

    /// Orders the carrier holds.
    fn orders(&self) -> usize {
        match self {
            Self::Cellhire(s) => s
                .api_requests()
                .iter()
                .filter(|(m, p)| m == "POST" && p == &format!("/api/porting/{}", s.account_id()))
                .count(),
            Self::Apeiron(s) => s.accepted().len(),
            Self::INumbering(s) => s.orders().len(),
        }
    }

    fn stall_next_create(&self, by: Duration) {
        match self {
            Self::Cellhire(s) => s.stall_next_create(by),
            Self::Apeiron(s) => s.stall_next_create(by),
            Self::INumbering(s) => s.stall_next_create(by),
        }
    }
}

fn problem(e: &Error) -> Option<&IdempotencyProblem> {
    e.idempotency_problem()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn eight_replicas_submit_one_request_once_per_carrier_and_a_different_request_conflicts() {
    let server = RedisServer::start();
    for name in ["cellhire", "apeiron", "inumbering"] {
        let sandbox = Sandbox::start(name).await;
        let request = sandbox.request(1);
        let k = key(&format!("checkout-{name}-1"));
        let replicas: Vec<OnceSubmitter> = (0..REPLICAS)
            .map(|_| once(sandbox.client(), redis(&server)))
            .collect();
        let results: Vec<Submission> = join_all(replicas.iter().map(|r| r.submit(&k, &request)))
            .await
            .into_iter()
            .map(|r| r.unwrap())
            .collect();
        println!(
            "{name}: {REPLICAS} replicas, {} create(s), {} distinct submission(s)",
            sandbox.creates(),
            results.iter().filter(|s| **s != results[0]).count() + 1
        );
        assert_eq!(sandbox.creates(), 1, "{name}");
        assert_eq!(results[0].orders.len(), 1, "{name}");
        for s in &results {
            assert_eq!(s, &results[0], "{name}");
        }

        // The same key with another request: a conflict naming the key,
        // nothing sent.
        let e = replicas[3]
            .submit(&k, &sandbox.request(2))
            .await
            .unwrap_err();
        assert!(
            e.is_idempotency_conflict() && e.is_never_sent() && !e.is_retryable(),
            "{e}"
        );
        assert_eq!(
            e.to_string(),
            format!(
                "idempotency key \"checkout-{name}-1\": it was first used for a different \
                 request; nothing was sent (use a new key for a new request)"
            )
        );
        // The same request again, from a new replica: the recorded answer.
        let again = once(sandbox.client(), redis(&server))
            .submit(&k, &request)
            .await
            .unwrap();
        assert_eq!(again, results[0]);
        assert_eq!(sandbox.creates(), 1, "{name}");
    }
}

/// Waits until the sandbox holds `n` orders (at most 5 s).
async fn until_orders(sandbox: &Sandbox, n: usize) {
    let started = Instant::now();
    while sandbox.orders() < n {
        assert!(started.elapsed() < Duration::from_secs(5), "no order");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

/// The owner's create is recorded by the carrier, its answer stalled, and
/// the owner aborted: the next call (another replica) waits for the
/// owner's lease, takes the key over and reconciles.
async fn after_an_aborted_owner(name: &str) -> (Sandbox, Result<Submission, Error>, usize) {
    let server = RedisServer::start();
    let sandbox = Sandbox::start(name).await;
    let request = sandbox.request(3);
    let k = key("aborted-owner");
    abort_after_create(&server, &sandbox, &k, &request).await;
    let (result, in_flight) = submit_until_settled(&server, &sandbox, &k, &request).await;
    (sandbox, result, in_flight)
}

/// An owner (800 ms deadline) submits `request` under `k`; the carrier
/// records the create and stalls its answer; the owner is aborted.
async fn abort_after_create(
    server: &RedisServer,
    sandbox: &Sandbox,
    k: &IdempotencyKey,
    request: &PortRequest,
) {
    let before = sandbox.creates();
    sandbox.stall_next_create(Duration::from_secs(30));
    let owner = OnceSubmitter::new(sandbox.client(), redis(server))
        .deadline(Duration::from_millis(800))
        .reconcile_after(Duration::ZERO);
    let task = {
        let (k, request) = (k.clone(), request.clone());
        tokio::spawn(async move { owner.submit(&k, &request).await })
    };
    until_orders(sandbox, before + 1).await;
    task.abort();
    assert!(task.await.unwrap_err().is_cancelled());
    assert_eq!(sandbox.creates(), before + 1);
}

/// Submits through a new replica until the answer is not "in flight" (at
/// most 4 such answers); the answer and how many there were.
async fn submit_until_settled(
    server: &RedisServer,
    sandbox: &Sandbox,
    k: &IdempotencyKey,
    request: &PortRequest,
) -> (Result<Submission, Error>, usize) {
    let next = once(sandbox.client(), redis(server));
    let mut in_flight = 0;
    let result = loop {
        match next.submit(k, request).await {
            Err(e) if problem(&e) == Some(&IdempotencyProblem::InFlight) => {
                assert!(e.is_retryable());
                in_flight += 1;
                assert!(in_flight < 5);
            }
            other => break other,
        }
    };
    (result, in_flight)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cellhire_owner_aborted_after_its_create_left_is_reconciled_and_not_resent() {
    let (sandbox, result, in_flight) = after_an_aborted_owner("cellhire").await;
    let submission = result.unwrap();
    println!(
        "cellhire: creates {}, in-flight answers {in_flight}",
        sandbox.creates()
    );
    assert_eq!(sandbox.creates(), 1);
    let Sandbox::Cellhire(s) = &sandbox else {
        unreachable!()
    };
    let id = submission.first_id().unwrap();
    assert!(s.port_status(id.as_str()).is_some(), "{id}");
    assert_eq!(
        submission.orders[0].numbers,
        vec![requests::uk("+447700900003")]
    );
}

/// The iNumbering orders the sandbox holds, oldest first: their pids.
fn inumbering_pids(sandbox: &Sandbox) -> Vec<String> {
    let Sandbox::INumbering(s) = sandbox else {
        unreachable!()
    };
    s.orders().into_iter().map(|(pid, _)| pid).collect()
}

/// Requests of any kind the sandbox received.
fn inumbering_requests(sandbox: &Sandbox) -> usize {
    let Sandbox::INumbering(s) = sandbox else {
        unreachable!()
    };
    s.requests().len()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_inumbering_owner_aborted_after_its_create_left_is_reconciled_from_its_baseline() {
    // The owner read the account's orders (its baseline) under the account
    // lock before its create: the one order recorded since is its own.
    let server = RedisServer::start();
    let sandbox = Sandbox::start("inumbering").await;
    let request = sandbox.request(3);
    let k = key("aborted-owner");
    abort_after_create(&server, &sandbox, &k, &request).await;
    let (result, in_flight) = submit_until_settled(&server, &sandbox, &k, &request).await;
    let submission = result.unwrap();
    println!(
        "inumbering: creates {}, in-flight answers {in_flight}, order {}",
        sandbox.creates(),
        submission.first_id().unwrap()
    );
    assert_eq!(sandbox.creates(), 1);
    let pids = inumbering_pids(&sandbox);
    assert_eq!(pids.len(), 1);
    assert_eq!(submission.orders.len(), 1);
    assert_eq!(submission.orders[0].id.as_str(), pids[0]);
    assert_eq!(submission.orders[0].numbers, vec![chicago(5_800_003)]);

    // Recorded: the next call answers it without a request of any kind.
    let requests = inumbering_requests(&sandbox);
    let again = once(sandbox.client(), redis(&server))
        .submit(&k, &request)
        .await
        .unwrap();
    assert_eq!(again, submission);
    assert_eq!(inumbering_requests(&sandbox), requests);
    assert_eq!(sandbox.creates(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn another_inumbering_key_resolves_the_aborted_holder_of_the_account_lock_first() {
    let server = RedisServer::start();
    let sandbox = Sandbox::start("inumbering").await;
    let (a, b) = (key("holder-a"), key("next-b"));
    let (request_a, request_b) = (sandbox.request(10), sandbox.request(11));
    abort_after_create(&server, &sandbox, &a, &request_a).await;

    // B waits for A's account lock, resolves A from A's baseline (A's
    // order is the one recorded since), then creates its own.
    let (b_result, in_flight) = submit_until_settled(&server, &sandbox, &b, &request_b).await;
    let b_submission = b_result.unwrap();
    assert_eq!(sandbox.creates(), 2);
    let pids = inumbering_pids(&sandbox);
    assert_eq!(pids.len(), 2);
    assert_eq!(b_submission.orders[0].id.as_str(), pids[1]);
    assert_eq!(b_submission.orders[0].numbers, vec![chicago(5_800_011)]);

    // A's next call: A's own order, recorded by B, without any request.
    let requests = inumbering_requests(&sandbox);
    let a_submission = once(sandbox.client(), redis(&server))
        .submit(&a, &request_a)
        .await
        .unwrap();
    println!(
        "inumbering handover: creates {}, in-flight answers {in_flight}, A {} B {}",
        sandbox.creates(),
        a_submission.first_id().unwrap(),
        b_submission.first_id().unwrap()
    );
    assert_eq!(inumbering_requests(&sandbox), requests);
    assert_eq!(a_submission.orders[0].id.as_str(), pids[0]);
    assert_eq!(a_submission.orders[0].numbers, vec![chicago(5_800_010)]);
    assert_ne!(a_submission.orders[0].id, b_submission.orders[0].id);
    assert_eq!(sandbox.creates(), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn another_inumbering_key_past_its_deadline_on_a_busy_account_sends_nothing() {
    // A holds the account lock while its create's answer is stalled; B,
    // with another key and a short deadline, waits for the lock, gives up
    // with AccountBusy (retryable), and sends nothing; its key is free.
    let server = RedisServer::start();
    let sandbox = Sandbox::start("inumbering").await;
    let (a, b) = (key("busy-holder-a"), key("busy-waiter-b"));
    let (request_a, request_b) = (sandbox.request(30), sandbox.request(31));
    sandbox.stall_next_create(Duration::from_secs(2));
    let holder = once(sandbox.client(), redis(&server));
    let task = {
        let (a, request_a) = (a.clone(), request_a.clone());
        tokio::spawn(async move { holder.submit(&a, &request_a).await })
    };
    until_orders(&sandbox, 1).await;

    let waiter = OnceSubmitter::new(sandbox.client(), redis(&server))
        .deadline(Duration::from_millis(300))
        .reconcile_after(Duration::ZERO);
    let requests = inumbering_requests(&sandbox);
    let e = waiter.submit(&b, &request_b).await.unwrap_err();
    println!(
        "inumbering busy account: creates {}: {e}",
        sandbox.creates()
    );
    assert_eq!(problem(&e), Some(&IdempotencyProblem::AccountBusy), "{e:?}");
    assert!(e.is_retryable() && !e.is_outcome_unknown(), "{e}");
    assert_eq!(
        e.to_string(),
        "idempotency key \"busy-waiter-b\": another submission on the same account held \
         the account lock past the deadline; nothing was sent (call again later)"
    );
    // B made no request of any kind (not even its baseline's read).
    assert_eq!(inumbering_requests(&sandbox), requests);
    assert_eq!(sandbox.creates(), 1);
    assert_eq!(inumbering_pids(&sandbox).len(), 1);

    let a_submission = task.await.unwrap().unwrap();
    assert_eq!(sandbox.creates(), 1);
    // B's key was released: its next call sends, once.
    let b_submission = once(sandbox.client(), redis(&server))
        .submit(&b, &request_b)
        .await
        .unwrap();
    assert_eq!(sandbox.creates(), 2);
    let pids = inumbering_pids(&sandbox);
    assert_eq!(a_submission.orders[0].id.as_str(), pids[0]);
    assert_eq!(b_submission.orders[0].id.as_str(), pids[1]);
    assert_eq!(b_submission.orders[0].numbers, vec![chicago(5_800_031)]);
}

/// Reads its baseline as the carrier's client does, then never sends: an
/// owner that dies after its baseline was kept and before its create left.
#[derive(Debug)]
struct DiesBeforeCreate {
    inner: Arc<dyn PortProvider>,
    submits: Arc<AtomicUsize>,
}

#[async_trait]
impl PortProvider for DiesBeforeCreate {
    fn carrier(&self) -> Carrier {
        self.inner.carrier()
    }
    fn capabilities(&self) -> Capabilities {
        self.inner.capabilities()
    }
    fn account_reference(&self) -> Option<String> {
        self.inner.account_reference()
    }
    async fn check_portability(
        &self,
        numbers: &[PhoneNumber],
    ) -> numport::Result<Vec<Portability>> {
        self.inner.check_portability(numbers).await
    }
    async fn submit(&self, _: &PortRequest) -> numport::Result<Submission> {
        self.submits.fetch_add(1, Ordering::SeqCst);
        std::future::pending().await
    }
    async fn baseline(&self) -> numport::Result<Option<Baseline>> {
        self.inner.baseline().await
    }
    async fn reconcile_from(
        &self,
        attempted_at: DateTime<Utc>,
        baseline: &Baseline,
    ) -> numport::Result<Reconciliation> {
        self.inner.reconcile_from(attempted_at, baseline).await
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_baseline_is_never_used_after_another_keys_create() {
    // A kept its baseline, then died before its create left. B takes the
    // account lock and creates. Had A's baseline survived B's create, A's
    // next call would find B's order as the one recorded since, and answer
    // it as A's: B resolves A first (nothing found: A is released).
    let server = RedisServer::start();
    let sandbox = Sandbox::start("inumbering").await;
    let (a, b) = (key("dies-before-create"), key("creates-meanwhile"));
    let (request_a, request_b) = (sandbox.request(20), sandbox.request(21));
    let submits = Arc::new(AtomicUsize::new(0));
    let dying: Arc<dyn PortProvider> = Arc::new(DiesBeforeCreate {
        inner: sandbox.client(),
        submits: submits.clone(),
    });
    let owner = OnceSubmitter::new(dying, redis(&server))
        .deadline(Duration::from_millis(800))
        .reconcile_after(Duration::ZERO);
    let task = {
        let (a, request_a) = (a.clone(), request_a.clone());
        tokio::spawn(async move { owner.submit(&a, &request_a).await })
    };
    let started = Instant::now();
    while submits.load(Ordering::SeqCst) == 0 {
        assert!(started.elapsed() < Duration::from_secs(5), "no submit");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    task.abort();
    assert!(task.await.unwrap_err().is_cancelled());
    assert_eq!(sandbox.creates(), 0);

    let (b_result, _) = submit_until_settled(&server, &sandbox, &b, &request_b).await;
    let b_submission = b_result.unwrap();
    assert_eq!(sandbox.creates(), 1);

    let (a_result, _) = submit_until_settled(&server, &sandbox, &a, &request_a).await;
    let a_submission = a_result.unwrap();
    println!(
        "inumbering safety: creates {}, A {} B {}",
        sandbox.creates(),
        a_submission.first_id().unwrap(),
        b_submission.first_id().unwrap()
    );
    assert_eq!(sandbox.creates(), 2);
    let pids = inumbering_pids(&sandbox);
    assert_eq!(b_submission.orders[0].id.as_str(), pids[0]);
    assert_eq!(a_submission.orders[0].id.as_str(), pids[1]);
    assert_ne!(a_submission.orders[0].id, b_submission.orders[0].id);
    assert_eq!(a_submission.orders[0].numbers, vec![chicago(5_800_020)]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_apeiron_owner_aborted_after_its_create_left_stays_unknown_until_cleared() {
    let (sandbox, result, _) = after_an_aborted_owner("apeiron").await;
    let e = result.unwrap_err();
    println!("apeiron: creates {}: {e}", sandbox.creates());
    assert!(e.is_outcome_unknown() && !e.is_retryable(), "{e}");
    let Some(IdempotencyProblem::Unresolved { reason }) = problem(&e) else {
        panic!("{e:?}")
    };
    assert!(reason.contains("Apeiron cannot be asked"), "{reason}");
    assert!(
        reason.contains("clear the key (OnceSubmitter::clear)"),
        "{reason}"
    );
    assert_eq!(sandbox.creates(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stopped_redis_fails_before_sending_and_a_restarted_one_sends_once() {
    let mut server = RedisServer::start();
    let sandbox = Sandbox::start("cellhire").await;
    let request = sandbox.request(4);
    let k = key("redis-down");
    let submitter = once(sandbox.client(), redis(&server));
    server.stop();
    let e = submitter.submit(&k, &request).await.unwrap_err();
    assert!(e.is_retryable() && e.is_never_sent(), "{e}");
    assert!(
        matches!(problem(&e), Some(IdempotencyProblem::Store { .. })),
        "{e:?}"
    );
    assert_eq!(sandbox.creates(), 0);

    // Best effort: sent without the guarantee.
    let best = once(sandbox.client(), redis(&server)).best_effort(true);
    best.submit(&key("best-effort"), &sandbox.request(5))
        .await
        .unwrap();
    assert_eq!(sandbox.creates(), 1);

    server.restart();
    let started = Instant::now();
    let first = loop {
        match submitter.submit(&k, &request).await {
            Ok(s) => break s,
            Err(e) => {
                assert!(
                    matches!(problem(&e), Some(IdempotencyProblem::Store { .. })),
                    "{e}"
                );
                assert!(started.elapsed() < Duration::from_secs(5), "{e}");
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        }
    };
    let second = submitter.submit(&k, &request).await.unwrap();
    assert_eq!(first, second);
    assert_eq!(sandbox.creates(), 2);
}

#[tokio::test]
async fn bad_keys_are_refused_at_the_call_with_nothing_stored_or_sent() {
    let server = RedisServer::start();
    let store = redis(&server);
    let cases = [
        (
            "x".repeat(256),
            "is 256 bytes long; at most 255 are allowed",
        ),
        ("order\n7".to_owned(), "holds a control character at byte 5"),
        (
            "order\u{0}7".to_owned(),
            "holds a control character at byte 5",
        ),
        (String::new(), "is empty"),
    ];
    for (text, expected) in cases {
        let e = IdempotencyKey::new(text).unwrap_err();
        assert!(e.is_validation());
        assert_eq!(e.field_errors()[0].field, "idempotency_key");
        assert_eq!(e.field_errors()[0].problem, expected);
    }
    // Nothing was stored (nor sent: no submitter could be called).
    let mut c = redis::Client::open(server.url())
        .unwrap()
        .get_multiplexed_async_connection()
        .await
        .unwrap();
    let keys: Vec<String> = redis::cmd("KEYS")
        .arg("*")
        .query_async(&mut c)
        .await
        .unwrap();
    assert!(keys.is_empty(), "{keys:?}");
    drop(store);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn in_one_process_a_memory_store_gives_the_same_guarantee() {
    let sandbox = Sandbox::start("cellhire").await;
    let Sandbox::Cellhire(cellhire) = &sandbox else {
        unreachable!()
    };
    let store: Arc<dyn Store> = Arc::new(MemoryStore::new());
    let client = sandbox.client();
    let submitter = once(client.clone(), store.clone());
    let request = sandbox.request(6);
    let k = key("memory-1");
    let results = join_all((0..REPLICAS).map(|_| submitter.submit(&k, &request))).await;
    let first = results[0].as_ref().unwrap().clone();
    for r in &results {
        assert_eq!(r.as_ref().unwrap(), &first);
    }
    assert_eq!(sandbox.creates(), 1);
    assert!(
        submitter
            .submit(&k, &sandbox.request(7))
            .await
            .unwrap_err()
            .is_idempotency_conflict()
    );
    assert_eq!(sandbox.creates(), 1);

    // A carrier's refusal is recorded and answered again, unsent.
    cellhire.add_stock("447700900008");
    let refused = key("memory-refused");
    let e = submitter
        .submit(&refused, &sandbox.request(8))
        .await
        .unwrap_err();
    assert_eq!(e.reject_reason(), Some(RejectReason::AlreadyInStock), "{e}");
    assert_eq!(sandbox.creates(), 2);
    let again = submitter
        .submit(&refused, &sandbox.request(8))
        .await
        .unwrap_err();
    assert_eq!(again.to_string(), e.to_string());
    assert_eq!(sandbox.creates(), 2);

    // A failure that created nothing (a rate limit) releases the key: the
    // next call sends.
    let limited = key("memory-limited");
    cellhire.fail_next(1, 429);
    let e = submitter
        .submit(&limited, &sandbox.request(9))
        .await
        .unwrap_err();
    assert!(e.is_rate_limited(), "{e}");
    let s = submitter
        .submit(&limited, &sandbox.request(9))
        .await
        .unwrap();
    assert_eq!(s.orders.len(), 1);

    // Cleared, a key sends again.
    assert!(submitter.clear(&k).await.unwrap());
    assert!(!submitter.clear(&k).await.unwrap());
    let before = sandbox.creates();
    submitter.submit(&k, &request).await.unwrap_err();
    assert_eq!(sandbox.creates(), before + 1);
}

/// A key whose entry cannot be read (settled, or held by another call)
/// may stand for a request that reached the carrier: the call sends
/// nothing and answers an unknown outcome, never "never sent".
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unreadable_entry_is_an_unknown_outcome_with_nothing_sent() {
    use numport::store::{Claim, Hold};
    use sha2::{Digest, Sha256};

    let sandbox = Sandbox::start("cellhire").await;
    let store: Arc<dyn Store> = Arc::new(MemoryStore::new());
    let client = sandbox.client();
    let account = client.account_reference().unwrap();
    let submitter = once(client, store.clone());
    let store_key = |text: &str| {
        let digest = Sha256::digest(text.as_bytes());
        let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
        format!("{account}:once:{hex}")
    };
    let long = Duration::from_secs(3600);
    // Settled, unreadable.
    let settled = store_key("unreadable-settled");
    let Claim::New(token) = store
        .claim(&settled, b"{not json", long, long)
        .await
        .unwrap()
    else {
        panic!("a fresh key")
    };
    assert!(
        store
            .record(&settled, &token, b"{not json", Hold::Settle, long)
            .await
            .unwrap()
    );
    // Held by another call, unreadable.
    let held = store_key("unreadable-held");
    assert!(matches!(
        store.claim(&held, b"{not json", long, long).await.unwrap(),
        Claim::New(_)
    ));
    for text in ["unreadable-settled", "unreadable-held"] {
        let e = submitter
            .submit(&key(text), &sandbox.request(8))
            .await
            .unwrap_err();
        assert!(e.is_outcome_unknown() && !e.is_never_sent(), "{text}: {e}");
        assert!(
            matches!(problem(&e), Some(IdempotencyProblem::Store { .. })),
            "{text}: {e:?}"
        );
        assert!(
            e.to_string().contains("could not be read") && e.to_string().contains(text),
            "{text}: {e}"
        );
    }
    assert_eq!(sandbox.creates(), 0);
}
