//! The table runner: one row = one fresh hostile server (and a second,
//! "other host" server that must stay untouched), one client, one call;
//! checks the typed outcome, the exact requests seen, creates, duration,
//! panics and secret leaks (Display, Debug, tracing at TRACE).

use std::future::Future;
use std::io::Write;
use std::panic::AssertUnwindSafe;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use futures::FutureExt;
use futures::future::BoxFuture;
use numport::Error;
use numport::http::{Backoff, HttpConfig, RetryPolicy, Sleep};
use tracing_subscriber::Layer;

use crate::server::Server;

/// What a call returned.
#[derive(Debug)]
pub enum Outcome {
    /// Success, with the value's Debug text.
    Ok(String),
    /// A listing: entries read, errors yielded.
    List { ok: usize, errors: Vec<Error> },
    /// Failure.
    Err(Error),
}

impl Outcome {
    pub fn err(&self) -> Option<&Error> {
        match self {
            Outcome::Err(e) => Some(e),
            _ => None,
        }
    }
    pub fn from<T: std::fmt::Debug>(r: Result<T, Error>) -> Self {
        match r {
            Ok(v) => Outcome::Ok(format!("{v:?}")),
            Err(e) => Outcome::Err(e),
        }
    }
}

/// Everything a row's call and checks can see.
pub struct Ctx {
    pub server: Server,
    pub other: Server,
    pub sleeps: Arc<RealSleep>,
}

/// Sleeps for real and records each delay.
#[derive(Debug, Default)]
pub struct RealSleep(Mutex<Vec<Duration>>);

impl RealSleep {
    pub fn delays(&self) -> Vec<Duration> {
        self.0.lock().unwrap().clone()
    }
}

impl Sleep for RealSleep {
    fn sleep(&self, duration: Duration) -> BoxFuture<'static, ()> {
        self.0.lock().unwrap().push(duration);
        Box::pin(tokio::time::sleep(duration))
    }
}

pub const REQUEST_TIMEOUT: Duration = Duration::from_millis(300);
pub const DEADLINE: Duration = Duration::from_secs(2);
pub const ATTEMPTS: u32 = 3;

/// The settings of every client: 300 ms per attempt, 2 s per call, three
/// attempts 1 ms / 2 ms apart, no jitter, Retry-After honoured up to 1 s.
pub fn http(sleeps: &Arc<RealSleep>) -> HttpConfig {
    HttpConfig::default()
        .with_connect_timeout(Duration::from_millis(300))
        .with_request_timeout(REQUEST_TIMEOUT)
        .with_operation_deadline(DEADLINE)
        .with_retry(
            RetryPolicy::default()
                .with_max_attempts(ATTEMPTS)
                .with_backoff(
                    Backoff::default()
                        .with_initial(Duration::from_millis(1))
                        .with_max(Duration::from_millis(5))
                        .with_multiplier(2.0)
                        .with_jitter(false),
                )
                .with_max_retry_after(Duration::from_secs(1)),
        )
        .with_sleep(sleeps.clone())
}

pub type Check = Box<dyn Fn(&Outcome, &Ctx) -> Result<(), String>>;
pub type Call = Box<dyn for<'a> Fn(&'a Ctx) -> Pin<Box<dyn Future<Output = Outcome> + 'a>>>;
pub type Setup = Box<dyn Fn(&Ctx)>;

/// Expected requests on one route: an exact count or a range.
pub struct Expect {
    pub method: &'static str,
    pub path: String,
    pub min: usize,
    pub max: usize,
}

pub fn exactly(method: &'static str, path: impl Into<String>, n: usize) -> Expect {
    Expect {
        method,
        path: path.into(),
        min: n,
        max: n,
    }
}

pub fn between(method: &'static str, path: impl Into<String>, min: usize, max: usize) -> Expect {
    Expect {
        method,
        path: path.into(),
        min,
        max,
    }
}

pub struct Row {
    pub name: String,
    pub setup: Setup,
    pub call: Call,
    pub check: Check,
    /// Every route the server may see, with its count; any other request
    /// fails the row.
    pub expect: Vec<Expect>,
    /// Connections accepted, when the row counts them (resets on accept).
    pub connections: Option<(usize, usize)>,
    /// The create route(s) of the carrier: (method, path).
    pub creates: Vec<(&'static str, String)>,
    /// Creates allowed (1 unless a refusal that provably created nothing
    /// lets the crate order again).
    pub creates_allowed: usize,
    pub max_duration: Duration,
    pub secrets: Vec<String>,
    /// Captures only numport's own TRACE output (the 20 000-page rows,
    /// where hyper's per-request TRACE lines cost more than the requests).
    pub only_numport_tracing: bool,
}

impl Row {
    pub fn new(name: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            setup: Box::new(|_| {}),
            call: Box::new(|_| Box::pin(async { Outcome::Ok(String::new()) })),
            check: Box::new(|_, _| Ok(())),
            expect: vec![],
            connections: None,
            creates: vec![],
            creates_allowed: 1,
            max_duration: Duration::from_secs(3),
            secrets: vec![],
            only_numport_tracing: false,
        }
    }
}

/// A shared buffer for the tracing subscriber.
#[derive(Clone, Default)]
pub struct Captured(Arc<Mutex<Vec<u8>>>);

impl Captured {
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap()).into_owned()
    }
}

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for Captured {
    type Writer = Captured;
    fn make_writer(&'a self) -> Self::Writer {
        self.clone()
    }
}

/// The secrets of `secrets` found in `text`, ignoring ASCII case, also in
/// their percent-encoded (form) spelling.
pub fn leaks(text: &str, secrets: &[String]) -> Vec<String> {
    let hay = text.to_ascii_lowercase();
    let mut found = Vec::new();
    for s in secrets {
        if s.len() < 3 {
            continue;
        }
        let forms = [
            s.clone(),
            url::form_urlencoded::byte_serialize(s.as_bytes()).collect::<String>(),
        ];
        for f in forms {
            let needle = f.to_ascii_lowercase();
            // A digits-only secret counts only when no digit touches it
            // (so that it is not found inside a port number or a duration).
            let digits = needle.bytes().all(|b| b.is_ascii_digit());
            let hit = hay.match_indices(&needle).any(|(i, m)| {
                !digits
                    || (!hay[..i]
                        .bytes()
                        .next_back()
                        .is_some_and(|b| b.is_ascii_digit())
                        && !hay[i + m.len()..]
                            .bytes()
                            .next()
                            .is_some_and(|b| b.is_ascii_digit()))
            });
            if hit {
                found.push(f);
            }
        }
    }
    found.sort();
    found.dedup();
    found
}

/// One row's result.
pub struct RowResult {
    pub name: String,
    pub failures: Vec<String>,
    pub requests: usize,
    pub duplicate_creates: usize,
    pub leaks: usize,
    pub panicked: bool,
    pub duration: Duration,
    pub outcome: String,
}

pub async fn run_row(row: Row) -> RowResult {
    let server = Server::start().await;
    let other = Server::start().await;
    let ctx = Ctx {
        server,
        other,
        sleeps: Arc::new(RealSleep::default()),
    };
    (row.setup)(&ctx);
    let captured = Captured::default();
    use tracing_subscriber::layer::SubscriberExt;
    let only_numport = row.only_numport_tracing;
    let layer = tracing_subscriber::fmt::layer()
        .with_writer(captured.clone())
        .with_ansi(false)
        .with_span_events(tracing_subscriber::fmt::format::FmtSpan::NEW)
        .without_time()
        .with_filter(tracing_subscriber::filter::filter_fn(move |m| {
            !only_numport || m.target().starts_with("numport")
        }));
    let subscriber = tracing_subscriber::registry()
        .with(layer.with_filter(tracing_subscriber::filter::LevelFilter::TRACE));
    // The subscriber is the default only while the call's future is
    // polled, so that rows can run side by side on one thread.
    use tracing::instrument::WithSubscriber;
    let started = Instant::now();
    let result = AssertUnwindSafe((row.call)(&ctx).with_subscriber(subscriber))
        .catch_unwind()
        .await;
    let duration = started.elapsed();
    let mut failures = Vec::new();
    let mut panicked = false;
    let outcome = match result {
        Ok(o) => o,
        Err(p) => {
            panicked = true;
            let text = p
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| p.downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap_or_default();
            failures.push(format!("PANIC: {text}"));
            Outcome::Ok("<panicked>".into())
        }
    };
    // Let any in-flight server handler record its request.
    tokio::time::sleep(Duration::from_millis(5)).await;
    let outcome_text = match &outcome {
        Outcome::Ok(v) => format!("Ok({})", short(v, 120)),
        Outcome::List { ok, errors } => format!(
            "List(ok={ok}, errors=[{}])",
            errors
                .iter()
                .map(|e| short(&format!("{e}"), 100))
                .collect::<Vec<_>>()
                .join(" | ")
        ),
        Outcome::Err(e) => format!("Err({})", short(&format!("{e:?}"), 200)),
    };
    if !panicked {
        if let Err(why) = (row.check)(&outcome, &ctx) {
            failures.push(format!("outcome: {why}; got {outcome_text}"));
        }
    }
    let counts = ctx.server.counts();
    let requests = ctx.server.total();
    for e in &row.expect {
        let n = ctx.server.count(e.method, &e.path);
        if n < e.min || n > e.max {
            let want = if e.min == e.max {
                e.min.to_string()
            } else {
                format!("{}..={}", e.min, e.max)
            };
            failures.push(format!(
                "{} {}: {n} requests, want {want}",
                e.method, e.path
            ));
        }
    }
    for (route, n) in &counts {
        let listed = row
            .expect
            .iter()
            .any(|e| format!("{} {}", e.method, e.path) == *route);
        if !listed && *n > 0 {
            failures.push(format!("unexpected requests: {route} x{n}"));
        }
    }
    if let Some((min, max)) = row.connections {
        let n = ctx.server.connections();
        if n < min || n > max {
            failures.push(format!("{n} connections, want {min}..={max}"));
        }
    }
    let other_seen = ctx.other.connections();
    if other_seen > 0 {
        failures.push(format!(
            "the other host received {other_seen} connection(s), {} request(s)",
            ctx.other.total()
        ));
    }
    let creates: usize = row
        .creates
        .iter()
        .map(|(m, p)| ctx.server.count(m, p))
        .sum();
    let duplicate_creates = creates.saturating_sub(row.creates_allowed);
    if duplicate_creates > 0 {
        failures.push(format!(
            "DUPLICATE CREATE: {creates} creates, at most {} allowed",
            row.creates_allowed
        ));
    }
    if duration > row.max_duration {
        failures.push(format!(
            "took {duration:?}, more than {:?}",
            row.max_duration
        ));
    }
    let mut leak_count = 0;
    let mut texts: Vec<(&str, String)> = vec![("tracing", captured.text())];
    match &outcome {
        Outcome::Err(e) => {
            texts.push(("Display", format!("{e}")));
            texts.push(("Debug", format!("{e:?}")));
            let mut source = std::error::Error::source(e);
            while let Some(s) = source {
                texts.push(("source", format!("{s} {s:?}")));
                source = s.source();
            }
        }
        Outcome::List { errors, .. } => {
            for e in errors {
                texts.push(("Display", format!("{e}")));
                texts.push(("Debug", format!("{e:?}")));
            }
        }
        Outcome::Ok(v) => texts.push(("Ok Debug", v.clone())),
    }
    for (place, text) in &texts {
        let found = leaks(text, &row.secrets);
        if !found.is_empty() {
            leak_count += found.len();
            let lower = text.to_ascii_lowercase();
            let at = found
                .iter()
                .filter_map(|f| {
                    let i = lower.find(&f.to_ascii_lowercase())?;
                    let mut lo = i.saturating_sub(60);
                    while !text.is_char_boundary(lo) {
                        lo -= 1;
                    }
                    let mut hi = (i + f.len() + 40).min(text.len());
                    while !text.is_char_boundary(hi) {
                        hi += 1;
                    }
                    Some(format!("…{}…", &text[lo..hi]))
                })
                .collect::<Vec<_>>()
                .join(" / ");
            failures.push(format!("LEAK in {place}: {found:?} at {at}"));
        }
    }
    RowResult {
        name: row.name,
        failures,
        requests,
        duplicate_creates,
        leaks: leak_count,
        panicked,
        duration,
        outcome: outcome_text,
    }
}

pub fn short(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        text.to_owned()
    } else {
        let cut: String = text.chars().take(max).collect();
        format!("{cut}…")
    }
}

#[derive(Default, Clone, Copy)]
pub struct Totals {
    pub scenarios: usize,
    pub failed: usize,
    pub requests: usize,
    pub duplicate_creates: usize,
    pub leaks: usize,
    pub panics: usize,
    pub longest: Duration,
}

impl Totals {
    fn add(&mut self, o: &Totals) {
        self.scenarios += o.scenarios;
        self.failed += o.failed;
        self.requests += o.requests;
        self.duplicate_creates += o.duplicate_creates;
        self.leaks += o.leaks;
        self.panics += o.panics;
        self.longest = self.longest.max(o.longest);
    }
    fn line(&self) -> String {
        format!(
            "scenarios {}, failed {}, requests {}, duplicate creates {}, leaks {}, panics {}, longest call {:?}",
            self.scenarios,
            self.failed,
            self.requests,
            self.duplicate_creates,
            self.leaks,
            self.panics,
            self.longest
        )
    }
}

static GRAND: Mutex<(usize, Totals)> = Mutex::new((
    0,
    Totals {
        scenarios: 0,
        failed: 0,
        requests: 0,
        duplicate_creates: 0,
        leaks: 0,
        panics: 0,
        longest: Duration::ZERO,
    },
));

/// Rows of one family in flight at once (each with its own servers,
/// client and subscriber). 1: on a 2-core machine, building debug
/// reqwest/rustls clients side by side starves the 300 ms timeouts.
pub const CONCURRENT_ROWS: usize = 1;

/// The families (test functions) run by default, for the grand total.
pub const FAMILIES: usize = 15;

/// Runs every row, prints the table and totals, fails with the list of
/// failing rows.
pub async fn run_family(family: &str, rows: Vec<Row>) {
    let mut totals = Totals::default();
    let mut lines = Vec::new();
    let mut failed = Vec::new();
    let started = Instant::now();
    use futures::StreamExt;
    let results: Vec<RowResult> = futures::stream::iter(rows)
        .map(run_row)
        .buffered(CONCURRENT_ROWS)
        .collect()
        .await;
    for r in results {
        totals.scenarios += 1;
        totals.requests += r.requests;
        totals.duplicate_creates += r.duplicate_creates;
        totals.leaks += r.leaks;
        totals.panics += usize::from(r.panicked);
        totals.longest = totals.longest.max(r.duration);
        let mark = if r.failures.is_empty() {
            "PASS"
        } else {
            "FAIL"
        };
        lines.push(format!(
            "{mark} [{family}] {} ({} req, {:?}) -> {}",
            r.name, r.requests, r.duration, r.outcome
        ));
        if !r.failures.is_empty() {
            totals.failed += 1;
            failed.push(format!(
                "[{family}] {}:\n      - {}",
                r.name,
                r.failures.join("\n      - ")
            ));
        }
    }
    let mut out = String::new();
    for l in &lines {
        out.push_str(l);
        out.push('\n');
    }
    out.push_str(&format!(
        "TOTALS [{family}] ({:?}): {}\n",
        started.elapsed(),
        totals.line()
    ));
    {
        let mut g = GRAND.lock().unwrap_or_else(|p| p.into_inner());
        g.0 += 1;
        g.1.add(&totals);
        if g.0 >= FAMILIES {
            out.push_str(&format!(
                "GRAND TOTALS ({} families): {}\n",
                g.0,
                g.1.line()
            ));
        } else {
            out.push_str(&format!(
                "running totals after {} of {FAMILIES} families: {}\n",
                g.0,
                g.1.line()
            ));
        }
    }
    println!("{out}");
    if let Ok(dir) = std::env::var("FAULTS_REPORT_DIR") {
        let _ = std::fs::write(format!("{dir}/{family}.txt"), &out);
    }
    assert!(
        failed.is_empty(),
        "{} of {} rows failed in {family}:\n  {}",
        failed.len(),
        totals.scenarios,
        failed.join("\n  ")
    );
}
