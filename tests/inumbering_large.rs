//! A large iNumbering account: 100,000 orders in one portStatus answer of
//! about 30 MB, written in chunks by a loopback server that generates it
//! as it goes. With the default `HttpConfig` (4 MiB per body read whole),
//! `orders()` yields every order, `order(id)` finds the last one,
//! `reconcile` answers, and the heap grows by a bounded amount while each
//! reads the summary: it is decoded entry by entry, never held whole.
//!
//! Heap use is counted by this binary's own global allocator, so this file
//! holds a single test (tests running side by side would count each
//! other's allocations).

mod support;

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use chrono::{DateTime, Utc};
use futures::StreamExt;
use numport::carrier::inumbering::INumberingClient;
use numport::http::HttpConfig;
use numport::{Error, PortId, PortLine, PortProvider, PortRequest, PortStatus, Reconciliation};
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

use crate::support::requests::{nanp, us_request};

// ---------------------------------------------------------------------------
// Heap accounting.

struct Counting;

static LIVE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

fn grew(n: usize) {
    let now = LIVE.fetch_add(n, Ordering::Relaxed) + n;
    PEAK.fetch_max(now, Ordering::Relaxed);
}

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let p = unsafe { System.alloc(layout) };
        if !p.is_null() {
            grew(layout.size());
        }
        p
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        let p = unsafe { System.alloc_zeroed(layout) };
        if !p.is_null() {
            grew(layout.size());
        }
        p
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) };
        LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let p = unsafe { System.realloc(ptr, layout, new_size) };
        if !p.is_null() {
            if new_size >= layout.size() {
                grew(new_size - layout.size());
            } else {
                LIVE.fetch_sub(layout.size() - new_size, Ordering::Relaxed);
            }
        }
        p
    }
}

#[global_allocator]
static HEAP: Counting = Counting;

/// The largest growth of the heap while `f` runs, and its result.
async fn peak_growth<T>(f: impl std::future::Future<Output = T>) -> (usize, T) {
    let base = LIVE.load(Ordering::Relaxed);
    PEAK.store(base, Ordering::Relaxed);
    let out = f.await;
    (PEAK.load(Ordering::Relaxed).saturating_sub(base), out)
}

/// The bound: the summary is about 30 MB.
const MAX_GROWTH: usize = 8 << 20;

// ---------------------------------------------------------------------------
// The account.

const ORDERS: u64 = 100_000;
const KEY: &str = "4ab6986446d30b866abf91ecb4e7f5ac";
const USER: u64 = 3569689953;
const PASSWORD: &str = "large-account-pw";
/// The newest order's time (2026-05-01T09:00:00Z); order `i` is `i`
/// seconds older.
const NEWEST: i64 = 1_777_626_000;

fn pid(i: u64) -> String {
    format!("{i:05x}")
}

fn entry(i: u64) -> String {
    let status = ["Complete", "Pending", "submitted", "Validating"][(i % 4) as usize];
    format!(
        r#"{{"id":"{i:040x}","key":["{USER}","{}"],"value":{{"pid":"{}","status":"{status}","message":"Your numbers will be porting on May/06/2026 at 10:00 AM Central.","foc":"20260506","notify":"1","url":"https://desk.support.voicetel.com/conversation/{i}","pin":"2722"}}}}"#,
        NEWEST - i as i64,
        pid(i)
    )
}

/// What the server saw: `(path, authorization, body)` of each request.
type Seen = Arc<Mutex<Vec<(String, Option<String>, Value)>>>;

struct Server {
    base: String,
    seen: Seen,
    /// Body bytes of the last portStatus answer.
    written: Arc<AtomicU64>,
}

async fn serve() -> Server {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let seen: Seen = Arc::default();
    let written = Arc::new(AtomicU64::new(0));
    let (s, w) = (seen.clone(), written.clone());
    tokio::spawn(async move {
        loop {
            let Ok((stream, _)) = listener.accept().await else {
                continue;
            };
            tokio::spawn(connection(stream, s.clone(), w.clone()));
        }
    });
    Server {
        base,
        seen,
        written,
    }
}

async fn connection(mut stream: TcpStream, seen: Seen, written: Arc<AtomicU64>) {
    let mut buf = Vec::new();
    loop {
        let head_end = loop {
            if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
                break i + 4;
            }
            let mut chunk = [0u8; 4096];
            match stream.read(&mut chunk).await {
                Ok(0) | Err(_) => return,
                Ok(n) => buf.extend_from_slice(&chunk[..n]),
            }
        };
        let head = String::from_utf8_lossy(&buf[..head_end]).to_string();
        buf.drain(..head_end);
        let path = head.split(' ').nth(1).unwrap_or("").to_owned();
        let header = |name: &str| {
            head.lines()
                .filter_map(|l| l.split_once(':'))
                .find(|(n, _)| n.trim().eq_ignore_ascii_case(name))
                .map(|(_, v)| v.trim().to_owned())
        };
        let length: usize = header("content-length")
            .and_then(|v| v.parse().ok())
            .unwrap_or(0);
        while buf.len() < length {
            let mut chunk = [0u8; 4096];
            match stream.read(&mut chunk).await {
                Ok(0) | Err(_) => return,
                Ok(n) => buf.extend_from_slice(&chunk[..n]),
            }
        }
        let body: Vec<u8> = buf.drain(..length).collect();
        seen.lock().unwrap().push((
            path.clone(),
            header("authorization"),
            serde_json::from_slice(&body).unwrap_or(Value::Null),
        ));
        let ok = match path.as_str() {
            "/v2.2/account/apikey" => {
                let body = json!({"status": "success", "data": {"apikey": KEY}}).to_string();
                let reply = format!(
                    "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n{body}",
                    body.len()
                );
                stream.write_all(reply.as_bytes()).await.is_ok()
            }
            "/v2.1/iNumbering/portStatus/" => summary(&mut stream, &written).await.is_ok(),
            _ => {
                let _ = stream
                    .write_all(b"HTTP/1.1 599 Unexpected\r\ncontent-length: 0\r\n\r\n")
                    .await;
                false
            }
        };
        if !ok {
            return;
        }
    }
}

/// Writes the summary, chunked, 500 entries a chunk, generated as it goes.
async fn summary(stream: &mut TcpStream, written: &AtomicU64) -> std::io::Result<()> {
    stream
        .write_all(
            b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ntransfer-encoding: chunked\r\n\r\n",
        )
        .await?;
    let mut total = 0u64;
    let mut chunk = String::from(r#"{"statusCode":"200","status":"Success","portStatusSummary":["#);
    for i in 0..ORDERS {
        if i > 0 {
            chunk.push(',');
        }
        chunk.push_str(&entry(i));
        if i % 500 == 499 || i + 1 == ORDERS {
            if i + 1 == ORDERS {
                chunk.push_str("]}");
            }
            total += chunk.len() as u64;
            stream
                .write_all(format!("{:x}\r\n", chunk.len()).as_bytes())
                .await?;
            stream.write_all(chunk.as_bytes()).await?;
            stream.write_all(b"\r\n").await?;
            chunk.clear();
        }
    }
    stream.write_all(b"0\r\n\r\n").await?;
    written.store(total, Ordering::Relaxed);
    Ok(())
}

fn client(server: &Server, http: HttpConfig) -> INumberingClient {
    INumberingClient::builder()
        .base_url(&server.base)
        .username(USER)
        .password(PASSWORD)
        .http_config(http)
        .build()
        .unwrap()
}

fn request() -> PortRequest {
    us_request(vec![PortLine::new(nanp("3125550142"))])
}

fn at(t: i64) -> DateTime<Utc> {
    DateTime::from_timestamp(t, 0).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hundred_thousand_orders_are_read_in_bounded_memory() {
    let server = serve().await;
    let client = client(&server, HttpConfig::default());

    // Every order, in the order sent.
    let (growth, (count, first, last, errors)) = peak_growth(async {
        let mut listing = client.orders();
        let (mut count, mut first, mut last, mut errors) = (0u64, None, None, Vec::new());
        while let Some(item) = listing.next().await {
            match item {
                Ok(summary) => {
                    count += 1;
                    if first.is_none() {
                        first = Some(summary.id.clone());
                    }
                    last = Some(summary.id);
                }
                Err(e) => errors.push(e),
            }
        }
        (count, first, last, errors)
    })
    .await;
    let size = server.written.load(Ordering::Relaxed);
    println!("orders(): {count} orders from {size} bytes, heap grew by at most {growth} bytes");
    assert!(errors.is_empty(), "{errors:?}");
    assert_eq!(count, ORDERS);
    assert_eq!(first.unwrap().as_str(), pid(0));
    assert_eq!(last.unwrap().as_str(), pid(ORDERS - 1));
    assert!(size > 25_000_000, "the summary is only {size} bytes");
    assert!(
        growth < MAX_GROWTH,
        "orders(): the heap grew by {growth} bytes"
    );

    // The last order of the summary, found.
    let (growth, order) = peak_growth(client.order(&PortId::new(pid(ORDERS - 1)).unwrap())).await;
    println!("order(last): heap grew by at most {growth} bytes");
    let order = order.unwrap();
    assert_eq!(order.id.as_str(), pid(ORDERS - 1));
    assert_eq!(order.carrier_status.name, "Validating");
    assert_eq!(order.status, PortStatus::Submitted);
    assert!(
        growth < MAX_GROWTH,
        "order(): the heap grew by {growth} bytes"
    );

    // An id not in the complete summary: not found.
    let (growth, missing) = peak_growth(client.order(&PortId::new("zzzzz").unwrap())).await;
    assert!(missing.unwrap_err().is_not_found());
    assert!(
        growth < MAX_GROWTH,
        "order(): the heap grew by {growth} bytes"
    );

    // Half the account recorded after the attempt (less the skew):
    // inconclusive, the 100 closest to the attempt named.
    let attempt = NEWEST - 50_000 + 300;
    let (growth, answer) = peak_growth(client.reconcile(&request(), at(attempt))).await;
    println!("reconcile: heap grew by at most {growth} bytes");
    let Reconciliation::Inconclusive { reason, candidates } = answer.unwrap() else {
        panic!("not inconclusive");
    };
    let ids: Vec<String> = candidates
        .iter()
        .map(|c| c.id.as_str().to_owned())
        .collect();
    let want: Vec<String> = (49_901..=50_000).rev().map(pid).collect();
    assert_eq!(ids, want);
    assert!(
        reason.starts_with("the account has 50001 orders recorded at or after "),
        "{reason}"
    );
    assert!(
        growth < MAX_GROWTH,
        "reconcile: the heap grew by {growth} bytes"
    );

    // Every order older than the attempt: resubmitting is safe.
    let (growth, answer) = peak_growth(client.reconcile(&request(), at(NEWEST + 3600))).await;
    assert_eq!(answer.unwrap(), Reconciliation::NotFound);
    assert!(
        growth < MAX_GROWTH,
        "reconcile: the heap grew by {growth} bytes"
    );

    // The same listing over a 1 MiB listing bound: cut, and said so last.
    let bounded = self::client(
        &server,
        HttpConfig::default().with_max_listing_bytes(1 << 20),
    );
    let items: Vec<_> = bounded.orders().collect().await;
    let (last, read) = items.split_last().unwrap();
    assert!(read.iter().all(Result::is_ok));
    assert!((3000..3700).contains(&read.len()), "{} entries", read.len());
    let last = last.as_ref().unwrap_err();
    assert!(
        matches!(last, Error::Incomplete { message, .. }
            if message.contains("larger than the 1048576-byte listing bound")),
        "{last:?}"
    );

    // The requests: one key exchange per client, then one portStatus per
    // reading, each carrying the key.
    let seen = server.seen.lock().unwrap().clone();
    let exchange = (
        "/v2.2/account/apikey".to_owned(),
        None,
        json!({"username": USER, "password": PASSWORD}),
    );
    let status = (
        "/v2.1/iNumbering/portStatus/".to_owned(),
        Some(format!("Bearer {KEY}")),
        json!({"apikey": KEY}),
    );
    let mut want = vec![exchange.clone()];
    want.extend(std::iter::repeat_n(status.clone(), 5));
    want.push(exchange);
    want.push(status);
    assert_eq!(seen, want);
}
