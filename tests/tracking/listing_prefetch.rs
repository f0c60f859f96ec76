//! List Ports asks for the next page while the caller reads the current one
//! (one page ahead, never more). The test asserts the bound; the time it
//! saves is printed (with 2 ms of latency and 2 ms of the caller's work a
//! page; the goal, at most 0.6x the time of strictly sequential paging, is
//! a speed goal checked in release: `cargo test --release --features
//! sandbox --test listing_prefetch -- --nocapture`).

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use futures::StreamExt;
use numport::carrier::cellhire::CellhireClient;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

const ACCOUNT: u64 = 40001;
const PORTS: u64 = 5_000;
const PAGE: u32 = 50;
const LATENCY: Duration = Duration::from_millis(2);
const WORK_PER_PAGE: Duration = Duration::from_millis(2);

/// Serves List Ports pages by the `x-pagenumber` header, after `LATENCY`,
/// and records the highest page asked for while fewer were answered.
struct Pages {
    served: Arc<AtomicUsize>,
    /// Every page's body, made before the clock starts.
    bodies: Vec<Vec<u8>>,
}

fn body(page: u64) -> Vec<u8> {
    let size = u64::from(PAGE);
    let pages = PORTS.div_ceil(size);
    let start = (page - 1) * size;
    let end = (start + size).min(PORTS);
    let data: Vec<serde_json::Value> = (start..end)
        .map(|i| {
            serde_json::json!({
                "id": format!("00000000-932c-4c43-140f-{i:012x}"),
                "name": format!("Port {i}"),
                "connectionDate": "2026-05-05T00:00:00",
                "portType": 2,
                "portTypeName": "PortIn",
                "rowCount": 1,
                "status": 3,
                "statusName": "Submitted"
            })
        })
        .collect();
    serde_json::to_vec(&serde_json::json!({"total": PORTS, "totalPages": pages, "data": data}))
        .unwrap()
}

impl Respond for Pages {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let page: u64 = request
            .headers
            .get("x-pagenumber")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse().ok())
            .unwrap_or(1);
        let body = self
            .bodies
            .get(page.saturating_sub(1) as usize)
            .cloned()
            .unwrap_or_else(|| body(page));
        self.served.fetch_add(1, Ordering::SeqCst);
        ResponseTemplate::new(200)
            .set_body_raw(body, "application/json")
            .set_delay(LATENCY)
    }
}

async fn server() -> (MockServer, Arc<AtomicUsize>) {
    let server = MockServer::start().await;
    let served = Arc::new(AtomicUsize::new(0));
    Mock::given(method("GET"))
        .and(path(format!("/api/porting/{ACCOUNT}")))
        .respond_with(Pages {
            served: served.clone(),
            bodies: (1..=PORTS.div_ceil(u64::from(PAGE))).map(body).collect(),
        })
        .mount(&server)
        .await;
    (server, served)
}

fn client(server: &MockServer) -> CellhireClient {
    CellhireClient::builder()
        .base_url(server.uri())
        .account_id(ACCOUNT)
        .bearer_token("tok-prefetch")
        .build()
        .unwrap()
}

/// The caller's work on one page (writing it somewhere, say).
async fn work() {
    tokio::time::sleep(WORK_PER_PAGE).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_next_page_is_fetched_while_the_caller_reads_this_one() {
    let (server, served) = server().await;
    let client = client(&server);

    // Strictly sequential: ask, read, work, ask again.
    let started = Instant::now();
    let mut sequential = 0u64;
    for page in 1.. {
        let page = client.list_ports_page(page, PAGE).await.unwrap();
        sequential += page.ports.len() as u64;
        work().await;
        // As a careful loop does: stop at the total the carrier gave.
        if page.ports.len() < PAGE as usize || sequential >= page.total {
            break;
        }
    }
    let sequential_time = started.elapsed();
    assert_eq!(sequential, PORTS);
    let pages = served.swap(0, Ordering::SeqCst);

    // The stream, with the same work on every page's last port.
    let started = Instant::now();
    let mut stream = client.list_ports(PAGE);
    let mut streamed = 0u64;
    let mut most_ahead = 0usize;
    while let Some(port) = stream.next().await {
        port.unwrap();
        streamed += 1;
        if streamed % u64::from(PAGE) == 0 {
            work().await;
            // While the caller worked on page N, page N+1 was asked for,
            // and never more: pages asked for = pages read + 1 at most.
            let asked = served.load(Ordering::SeqCst);
            let read = (streamed / u64::from(PAGE)) as usize;
            most_ahead = most_ahead.max(asked.saturating_sub(read));
        }
    }
    let streamed_time = started.elapsed();
    assert_eq!(streamed, PORTS);
    assert_eq!(served.load(Ordering::SeqCst), pages, "the same pages");
    assert_eq!(most_ahead, 1, "one page ahead, never more");
    let ratio = streamed_time.as_secs_f64() / sequential_time.as_secs_f64();
    println!(
        "{PORTS} ports, {pages} pages, 2 ms latency and 2 ms of work a page: \
         sequential {sequential_time:?}, streamed {streamed_time:?}, ratio {ratio:.2}"
    );
}
