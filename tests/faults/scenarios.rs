//! The scenario tables.

use std::time::Duration;

use futures::StreamExt;
use numport::http::{Backoff, HttpConfig};
use numport::{Error, PortProvider};
use serde_json::{Value, json};

use crate::harness::{ATTEMPTS, Ctx, Expect, Outcome, Row, between, exactly};
use crate::server::{Act, Body, Handler, Reply, Seen, always, dynamic, first_n};
use crate::targets::{self, ALL, Kind, Target, api};

type Res = Result<(), String>;

fn variant(e: &Error) -> String {
    let d = format!("{e:?}");
    d.split([' ', '{', '(']).next().unwrap_or("").to_owned()
}

fn err(o: &Outcome) -> Result<&Error, String> {
    o.err().ok_or_else(|| "expected an error".to_owned())
}

fn ensure(ok: bool, why: impl Into<String>) -> Res {
    if ok { Ok(()) } else { Err(why.into()) }
}

fn cause(e: &Error) -> Option<&Error> {
    e.outcome_unknown_cause()
}

/// A row on `t` whose target route does `handler`; everything around is
/// served validly. `n` requests on the target; routes before it once,
/// routes after it `after` times.
fn row_on(t: Target, name: String, handler: Handler, n: usize, after: usize) -> Row {
    let mut row = Row::new(format!("{t:?}: {name}"));
    row.setup = Box::new(move |ctx: &Ctx| {
        t.install(ctx);
        let (m, p) = t.route();
        ctx.server.route(m, &p, handler.clone());
    });
    row.call = Box::new(move |ctx| Box::pin(t.call(ctx, &|c| c)));
    row.expect = expects(t, n, after);
    row.creates = t.creates();
    row.secrets = t.secrets();
    row
}

fn expects(t: Target, n: usize, after: usize) -> Vec<Expect> {
    let mut v = vec![];
    for (m, p) in t.before() {
        // A customer's account/port runs the portability pre-check only
        // when the crate decides to (it is being changed): 0 or 1.
        if t == Target::InAccountPort && p == targets::AVAIL_PATH {
            v.push(between(m, p, 0, 1));
        } else {
            v.push(exactly(m, p, 1));
        }
    }
    let (m, p) = t.route();
    v.push(exactly(m, p, n));
    for (m, p) in t.after() {
        v.push(exactly(m, p, after));
    }
    v
}

fn set(v: &mut [Expect], method: &str, path: &str, n: usize) {
    for e in v.iter_mut() {
        if e.method == method && e.path == path {
            e.min = n;
            e.max = n;
        }
    }
}

/// A row answering an error status, with the requests the crate's
/// documented recoveries add (a 401 refreshes the credential and sends
/// once more, an iNumbering 412 re-checks and orders once more: both
/// answers say nothing was created, so the second create is allowed).
fn status_row(t: Target, s: u16, name: String, handler: Handler) -> Row {
    // iNumbering documents 409 on portStatus as "Internal storage error":
    // transient, retried like a 5xx.
    let retried =
        t.kind() == Kind::Read && (s == 429 || s >= 500 || (s == 409 && t == Target::InStatus));
    let n = if retried { ATTEMPTS as usize } else { 1 };
    let mut row = row_on(t, name, handler, n, 0);
    let (m, p) = t.route();
    if s == 401 && t.is_inumbering() && t != Target::InExchange {
        set(&mut row.expect, "POST", targets::KEY_PATH, 2);
        set(&mut row.expect, m, &p, 2);
        row.creates_allowed = 2;
    }
    if s == 401 && matches!(t, Target::ChCreateOAuth | Target::ChDetailsOAuth) {
        set(&mut row.expect, "POST", targets::TOKEN_PATH, 2);
        set(&mut row.expect, m, &p, 2);
        row.creates_allowed = 2;
    }
    if s == 412 && t == Target::InPortInOrder {
        set(&mut row.expect, "POST", targets::AVAIL_PATH, 2);
        set(&mut row.expect, m, &p, 2);
        row.creates_allowed = 2;
    }
    row
}

fn check_status(t: Target, s: u16, o: &Outcome) -> Res {
    let e = err(o)?;
    ensure(!e.is_never_sent(), "is_never_sent() after the request left")?;
    ensure(!e.is_timeout(), "a timeout")?;
    if t.is_create() && s >= 500 {
        ensure(
            e.is_outcome_unknown(),
            format!("[rule: create + {s} -> OutcomeUnknown]"),
        )?;
        ensure(e.status() == Some(s), "status() is not the carrier's")?;
        return Ok(());
    }
    ensure(
        !e.is_outcome_unknown(),
        format!("OutcomeUnknown for a {s} answer"),
    )?;
    let v = variant(e);
    ensure(
        e.status() == Some(s) || matches!(v.as_str(), "NotFound" | "InvalidState" | "Precondition"),
        format!("status() {:?} for HTTP {s}", e.status()),
    )?;
    if s == 401 {
        ensure(e.is_auth(), "401 is not Auth")?;
    }
    if s == 429 {
        ensure(e.is_rate_limited(), "429 is not RateLimited")?;
    }
    Ok(())
}

const STATUSES: [u16; 28] = [
    400, 401, 402, 403, 404, 405, 406, 408, 409, 410, 411, 412, 413, 415, 418, 422, 423, 425, 426,
    428, 429, 431, 451, 500, 501, 502, 503, 504,
];

pub fn status_rows() -> Vec<Row> {
    let mut rows = vec![];
    for t in ALL {
        for s in STATUSES {
            let body = json!({"message": format!("status {s} from the carrier"),
                "status": "Error", "statusCode": s.to_string()});
            let handler = always(Act::Reply(Reply::json(s, &body)));
            let mut row = status_row(t, s, format!("HTTP {s}"), handler);
            row.check = Box::new(move |o, _| check_status(t, s, o));
            row.max_duration = Duration::from_secs(1);
            rows.push(row);
        }
    }
    rows
}

fn ra(status: u16, value: &str) -> Act {
    Act::Reply(
        Reply::json(
            status,
            &json!({"message": "slow down", "status": "Error", "statusCode": status.to_string()}),
        )
        .header("retry-after", value),
    )
}

type RaCase = (
    &'static str,
    u16,
    &'static str,
    usize,
    Vec<Duration>,
    Option<Option<Duration>>,
);

pub fn retry_after_rows() -> Vec<Row> {
    let mut rows = vec![];
    let secs = Duration::from_secs;
    let ms = Duration::from_millis;
    // (name, status, Retry-After, requests for a read, sleeps for a read,
    //  the retry_after() wanted when it is pinned)
    let cases: Vec<RaCase> = vec![
        (
            "429 RA 1s always",
            429,
            "1",
            2,
            vec![secs(1)],
            Some(Some(secs(1))),
        ),
        ("429 RA 999999 (huge)", 429, "999999", 1, vec![], None),
        (
            "429 RA 2s (over max_retry_after 1s)",
            429,
            "2",
            1,
            vec![],
            Some(Some(secs(2))),
        ),
        (
            "429 RA HTTP date +1 day",
            429,
            "Sat, 02 May 2026 09:00:00 GMT",
            1,
            vec![],
            None,
        ),
        (
            "429 RA HTTP date +1s",
            429,
            "Fri, 01 May 2026 09:00:01 GMT",
            2,
            vec![secs(1)],
            Some(Some(secs(1))),
        ),
        (
            "429 RA HTTP date in the past",
            429,
            "Fri, 01 May 2026 08:00:00 GMT",
            3,
            vec![ms(1), ms(2)],
            None,
        ),
        (
            "429 RA garbage 'soon'",
            429,
            "soon",
            3,
            vec![ms(1), ms(2)],
            Some(None),
        ),
        ("429 RA '-5'", 429, "-5", 3, vec![ms(1), ms(2)], Some(None)),
        (
            "429 RA '1.5'",
            429,
            "1.5",
            3,
            vec![ms(1), ms(2)],
            Some(None),
        ),
        (
            "429 RA 0 (back-off is the floor)",
            429,
            "0",
            3,
            vec![ms(1), ms(2)],
            None,
        ),
        ("503 RA 1s", 503, "1", 2, vec![secs(1)], None),
        ("503 RA 999999", 503, "999999", 1, vec![], None),
    ];
    let targets = [
        Target::ChDetails,
        Target::ChGrant,
        Target::InStatus,
        Target::ApSubmit,
        Target::ChCreate,
        Target::InAccountPort,
        Target::InExchange,
        Target::InPinGenerate,
    ];
    for t in targets {
        for (name, s, value, n_read, sleeps, retry_after) in cases.clone() {
            let read = t.kind() == Kind::Read;
            let n = if read { n_read } else { 1 };
            let mut row = row_on(t, name.to_owned(), always(ra(s, value)), n, 0);
            let sleeps = if read { sleeps } else { vec![] };
            row.max_duration = if n == 1 {
                ms(250)
            } else if sleeps.contains(&secs(1)) {
                ms(1600)
            } else {
                ms(600)
            };
            row.check = Box::new(move |o, ctx| {
                let e = err(o)?;
                if t.is_create() && s >= 500 {
                    ensure(
                        e.is_outcome_unknown(),
                        "[rule: create + 5xx -> OutcomeUnknown]",
                    )?;
                } else {
                    ensure(!e.is_outcome_unknown(), "OutcomeUnknown")?;
                }
                if s == 429 {
                    ensure(e.is_rate_limited(), "not RateLimited")?;
                    if let Some(want) = retry_after {
                        ensure(
                            e.retry_after() == want,
                            format!("retry_after {:?}, want {want:?}", e.retry_after()),
                        )?;
                    } else if n == 1 && read {
                        ensure(
                            e.retry_after().is_some_and(|d| d >= Duration::from_secs(1)),
                            format!("retry_after {:?}", e.retry_after()),
                        )?;
                    }
                } else {
                    ensure(e.status() == Some(s), format!("status {:?}", e.status()))?;
                }
                let got = ctx.sleeps.delays();
                ensure(got == sleeps, format!("sleeps {got:?}, want {sleeps:?}"))
            });
            rows.push(row);
        }
        // 429 with Retry-After 0, then a valid answer.
        let read = t.kind() == Kind::Read;
        let mut row = row_on(
            t,
            "429 RA 0 then success".into(),
            first_n(1, ra(429, "0"), Act::Reply(t.success())),
            if read { 2 } else { 1 },
            if read { 1 } else { 0 },
        );
        row.max_duration = ms(300);
        row.check = Box::new(move |o, ctx| {
            if read {
                ensure(matches!(o, Outcome::Ok(_)), "not Ok after one 429")?;
                let got = ctx.sleeps.delays();
                ensure(
                    got == vec![Duration::from_millis(1)],
                    format!("sleeps {got:?}, want [1ms] (back-off floor)"),
                )
            } else {
                let e = err(o)?;
                ensure(
                    e.is_rate_limited() && !e.is_outcome_unknown(),
                    "a create's (or exchange's) 429 must be RateLimited, sent once",
                )
            }
        });
        rows.push(row);
    }
    rows
}

pub fn connection_rows() -> Vec<Row> {
    let mut rows = vec![];
    let faults: Vec<(&str, Act, bool)> = vec![
        ("reset after the request", Act::ResetAfterRequest, false),
        ("reset before the body is read", Act::ResetBeforeBody, false),
        ("accept and stall", Act::Stall, true),
        ("head sent, body stalls", Act::StallAfterHead, true),
        (
            "slow drip (1 byte / 50 ms)",
            Act::Reply(Reply::new(200, "").body(Body::Drip {
                data: vec![b' '; 200],
                every: Duration::from_millis(50),
            })),
            true,
        ),
        (
            "truncated body (declares 1000, sends 12)",
            Act::Reply(
                Reply::new(200, "")
                    .header("content-type", "application/json")
                    .body(Body::Truncated {
                        declared: 1000,
                        sent: b"{\"id\": \"abc".to_vec(),
                    }),
            ),
            false,
        ),
    ];
    for t in ALL {
        for (name, act, timeout) in faults.clone() {
            let n = if t.kind() == Kind::Read {
                ATTEMPTS as usize
            } else {
                1
            };
            let mut row = row_on(t, name.to_owned(), always(act), n, 0);
            // 150 ms per attempt here, so that the stalls stay cheap.
            row.call = Box::new(move |ctx| {
                Box::pin(t.call(ctx, &|c: HttpConfig| {
                    c.with_request_timeout(Duration::from_millis(150))
                }))
            });
            row.max_duration =
                Duration::from_millis(if timeout { 150 * n as u64 + 400 } else { 500 });
            row.check = Box::new(move |o, _| {
                let e = err(o)?;
                let inner = if t.is_create() {
                    ensure(
                        e.is_outcome_unknown(),
                        "[rule: create lost after sending -> OutcomeUnknown]",
                    )?;
                    cause(e).unwrap()
                } else {
                    ensure(!e.is_outcome_unknown(), "OutcomeUnknown on a non-create")?;
                    e
                };
                if timeout {
                    ensure(inner.is_timeout(), "not a timeout")
                } else {
                    ensure(
                        matches!(inner, Error::Transport { .. }) && !inner.is_never_sent(),
                        "want Transport with never_sent false",
                    )
                }
            });
            rows.push(row);
        }
    }
    // Resets as soon as the connection is accepted (nothing read): only for
    // targets with nothing before them.
    for t in ALL.into_iter().filter(|t| t.before().is_empty()) {
        let n = if t.kind() == Kind::Read {
            ATTEMPTS as usize
        } else {
            1
        };
        let mut row = row_on(
            t,
            "reset on accept (before any byte is read)".into(),
            always(Act::Stall),
            0,
            0,
        );
        let old = std::mem::replace(&mut row.setup, Box::new(|_| {}));
        row.setup = Box::new(move |ctx| {
            old(ctx);
            ctx.server.reset_on_accept(usize::MAX);
        });
        row.connections = Some((n, n));
        row.max_duration = Duration::from_millis(500);
        row.check = Box::new(move |o, _| {
            let e = err(o)?;
            if t.is_create() {
                ensure(
                    e.is_outcome_unknown(),
                    "[rule: create reset after connect -> OutcomeUnknown (a byte may have left)]",
                )
            } else {
                ensure(matches!(e, Error::Transport { .. }), "not Transport")
            }
        });
        rows.push(row);
    }
    // Nothing listens: the request provably never left; even a create may
    // be retried.
    for t in ALL {
        let mut row = Row::new(format!("{t:?}: connection refused"));
        row.call = Box::new(move |ctx| {
            Box::pin(async move {
                let dead = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
                let port = dead.local_addr().unwrap().port();
                drop(dead);
                t.call_at(ctx, &format!("http://127.0.0.1:{port}"), &|c| c)
                    .await
            })
        });
        row.secrets = t.secrets();
        row.max_duration = Duration::from_millis(500);
        row.check = Box::new(move |o, ctx| {
            let e = err(o)?;
            ensure(
                e.is_never_sent(),
                "a refused connection must be is_never_sent()",
            )?;
            ensure(
                !e.is_outcome_unknown(),
                "OutcomeUnknown though nothing was sent",
            )?;
            let tries = ctx.sleeps.delays().len() + 1;
            ensure(
                tries == ATTEMPTS as usize,
                format!("{tries} connect attempts, want {ATTEMPTS} (never sent: retrying is safe)"),
            )
        });
        rows.push(row);
    }
    // The deadline bounds a call of many attempts.
    for t in [Target::ChDetails, Target::InStatus] {
        let (m, p) = t.route();
        let mut row = row_on(
            t,
            "stall, 20 attempts, 2 s deadline".into(),
            always(Act::Stall),
            0,
            0,
        );
        row.expect.retain(|e| !(e.method == m && e.path == p));
        row.expect.push(between(m, p.clone(), 6, 7));
        row.call = Box::new(move |ctx| {
            Box::pin(t.call(ctx, &|c: HttpConfig| {
                let mut c = c;
                c.retry.max_attempts = 20;
                c
            }))
        });
        row.max_duration = Duration::from_millis(2300);
        row.check = Box::new(|o, _| ensure(err(o)?.is_timeout(), "not a timeout"));
        rows.push(row);
        let mut row = row_on(
            t,
            "drip, request_timeout 10 s, deadline 2 s".into(),
            always(Act::Reply(Reply::new(200, "").body(Body::Drip {
                data: vec![b' '; 1000],
                every: Duration::from_millis(50),
            }))),
            1,
            0,
        );
        row.call = Box::new(move |ctx| {
            Box::pin(t.call(ctx, &|c: HttpConfig| {
                c.with_request_timeout(Duration::from_secs(10))
            }))
        });
        row.max_duration = Duration::from_millis(2300);
        row.check = Box::new(|o, _| ensure(err(o)?.is_timeout(), "not a timeout"));
        rows.push(row);
    }
    rows
}

pub fn body_rows() -> Vec<Row> {
    let mut rows = vec![];
    let deep_array = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
    let deep_object = format!("{}1{}", "{\"a\":".repeat(50_000), "}".repeat(50_000));
    let ct = |r: Reply| r.header("content-type", "application/json");
    let bodies: Vec<(&str, Reply)> = vec![
        (
            "200 HTML",
            Reply::new(200, "<html><body><h1>Gateway</h1></body></html>")
                .header("content-type", "text/html"),
        ),
        ("200 empty", ct(Reply::new(200, ""))),
        (
            "200 non-UTF-8",
            ct(Reply::new(200, vec![0xff, 0xfe, 0x00, 0x80, b'{', 0xc3])),
        ),
        (
            "200 wrong shape",
            Reply::json(200, &json!({"unexpected": [1, 2, 3], "data": 7})),
        ),
        ("200 JSON null", Reply::json(200, &Value::Null)),
        (
            "200 deeply nested array (100k)",
            ct(Reply::new(200, deep_array.clone())),
        ),
        (
            "200 deeply nested object (50k)",
            ct(Reply::new(200, deep_object.clone())),
        ),
    ];
    for t in ALL {
        for (name, reply) in bodies.clone() {
            let mut row = row_on(t, name.to_owned(), always(Act::Reply(reply)), 1, 0);
            row.max_duration = Duration::from_millis(500);
            row.check = Box::new(move |o, _| {
                // Apeiron's contract: "A 2xx is never reported to the caller
                // as a failure". The port was created; the crate records it
                // under `mdn:<number>` with the answer kept.
                if t == Target::ApSubmit {
                    return match o {
                        Outcome::Ok(debug) => ensure(
                            debug.contains("mdn:4246346488"),
                            "[rule: Apeiron 2xx -> an order under mdn:<number>]",
                        ),
                        _ => Err("[rule: Apeiron 2xx is never a failure] but got an error".into()),
                    };
                }
                if t.is_create() {
                    let e = err(o).map_err(|_| {
                        "[rule: create + 2xx without usable id -> OutcomeUnknown] but got Ok"
                            .to_owned()
                    })?;
                    return ensure(
                        e.is_outcome_unknown() && matches!(cause(e), Some(Error::Decode { .. })),
                        "[rule: create + 2xx without usable id -> OutcomeUnknown(Decode)]",
                    );
                }
                match o {
                    // A List Ports answer with no `data` holds no listing.
                    Outcome::Err(Error::Incomplete { .. }) if t == Target::ChListPage => Ok(()),
                    Outcome::Err(e) => {
                        ensure(matches!(e, Error::Decode { .. }), "want Decode (or Ok)")
                    }
                    // Updates and cancels do not read a 2xx body; reads may
                    // default missing fields.
                    _ => Ok(()),
                }
            });
            rows.push(row);
        }
        for (name, s, reply) in [
            (
                "400 deeply nested",
                400u16,
                ct(Reply::new(400, deep_array.clone())),
            ),
            (
                "400 non-UTF-8",
                400,
                ct(Reply::new(400, vec![0xff, 0xfe, 0x80])),
            ),
            (
                "502 HTML",
                502,
                Reply::new(502, "<html>Bad Gateway</html>").header("content-type", "text/html"),
            ),
            ("404 empty", 404, Reply::new(404, "")),
        ] {
            let mut row = status_row(t, s, name.to_owned(), always(Act::Reply(reply)));
            row.check = Box::new(move |o, _| check_status(t, s, o));
            row.max_duration = Duration::from_millis(500);
            rows.push(row);
        }
    }
    rows
}

pub fn oversized_rows() -> Vec<Row> {
    let mut rows = vec![];
    let big = 64 * 1024 * 1024;
    let cases: Vec<(&str, Reply)> = vec![
        (
            "200, 64 MiB declared",
            Reply::new(200, "").body(Body::Stream {
                total: big,
                declare: true,
            }),
        ),
        (
            "200, 64 MiB chunked",
            Reply::new(200, "").body(Body::Stream {
                total: big,
                declare: false,
            }),
        ),
        ("200, endless", Reply::new(200, "").body(Body::Endless)),
        ("500, endless", Reply::new(500, "").body(Body::Endless)),
        (
            "400, 64 MiB declared",
            Reply::new(400, "").body(Body::Stream {
                total: big,
                declare: true,
            }),
        ),
    ];
    for t in ALL {
        for (name, reply) in cases.clone() {
            let mut row = row_on(
                t,
                format!("{name} (limit 64 KiB)"),
                always(Act::Reply(reply)),
                1,
                0,
            );
            row.call = Box::new(move |ctx| {
                Box::pin(t.call(ctx, &|c: HttpConfig| c.with_max_body_bytes(64 * 1024)))
            });
            row.max_duration = Duration::from_millis(800);
            row.check = Box::new(move |o, _| {
                let e = err(o)?;
                ensure(e.is_response_too_large(), "not ResponseTooLarge")?;
                if t.is_create() {
                    ensure(
                        e.is_outcome_unknown(),
                        "[rule: create + oversized -> OutcomeUnknown]",
                    )
                } else {
                    ensure(
                        matches!(e, Error::ResponseTooLarge { .. }),
                        "not ResponseTooLarge",
                    )
                }
            });
            rows.push(row);
        }
    }
    rows
}

fn check_redirect(t: Target, s: u16, host: Option<String>, o: &Outcome) -> Res {
    let e = err(o)?;
    ensure(e.is_redirect(), "not is_redirect()")?;
    let inner = if t.is_create() {
        ensure(
            e.is_outcome_unknown(),
            "[rule: create + 3xx -> OutcomeUnknown(Redirect)]",
        )?;
        cause(e).unwrap()
    } else {
        ensure(!e.is_outcome_unknown(), "OutcomeUnknown on a non-create")?;
        e
    };
    match inner {
        Error::Redirect {
            status,
            location_host,
            ..
        } => {
            ensure(*status == s, format!("status {status}"))?;
            if let Some(h) = host {
                ensure(
                    location_host.as_deref() == Some(h.as_str()),
                    format!("location_host {location_host:?}, want {h}"),
                )?;
            }
            Ok(())
        }
        _ => Err("cause is not Redirect".into()),
    }
}

/// A secret of `t`'s client that is a valid host name label.
fn host_secret(t: Target) -> String {
    use Target::*;
    match t {
        ChGrant => "not-a-secret".into(),
        ChCreateOAuth | ChDetailsOAuth => "faultsaccesstok".into(),
        ChCreate => targets::CH_PAC.to_ascii_lowercase(),
        ApSubmit => format!("x{}", targets::AP_ACCOUNT),
        InExchange => targets::IN_PASSWORD.to_ascii_lowercase(),
        t if t.is_cellhire() => targets::CH_TOKEN.into(),
        _ => targets::IN_KEY.into(),
    }
}

pub fn redirect_rows() -> Vec<Row> {
    let mut rows = vec![];
    for t in ALL {
        for s in [301u16, 302, 303, 307, 308] {
            for place in [
                "same host",
                "other host (127.0.0.1)",
                "other host (localhost)",
                "loop",
                "secret in host",
            ] {
                if place == "secret in host" && s != 302 {
                    continue;
                }
                let mut row = row_on(t, format!("{s} to {place}"), always(Act::Stall), 1, 0);
                let old = std::mem::replace(&mut row.setup, Box::new(|_| {}));
                let hs = host_secret(t);
                row.setup = Box::new(move |ctx: &Ctx| {
                    old(ctx);
                    let (m, p) = t.route();
                    let location = match place {
                        "same host" => format!("{}/elsewhere", ctx.server.uri()),
                        "other host (127.0.0.1)" => {
                            format!("http://127.0.0.1:{}/steal", ctx.other.port)
                        }
                        "other host (localhost)" => {
                            format!("http://localhost:{}/steal", ctx.other.port)
                        }
                        "loop" => p.clone(),
                        _ => format!("http://{hs}.invalid:{}/x", ctx.other.port),
                    };
                    ctx.server.route(
                        m,
                        &p,
                        always(Act::Reply(
                            Reply::new(s, "moved").header("location", location),
                        )),
                    );
                });
                let want_host = match place {
                    "other host (localhost)" => Some("localhost".to_owned()),
                    "secret in host" => None,
                    _ => Some("127.0.0.1".to_owned()),
                };
                row.max_duration = Duration::from_millis(500);
                row.check = Box::new(move |o, _| check_redirect(t, s, want_host.clone(), o));
                rows.push(row);
            }
        }
    }
    rows
}

type Make = fn(&Seen, &[String]) -> Vec<u8>;

pub fn echo_rows() -> Vec<Row> {
    let mut rows = vec![];
    let modes: Vec<(&str, Make)> = vec![
        ("request body echoed as message", |seen, _| {
            json!({"message": String::from_utf8_lossy(&seen.body), "status": "Error"})
                .to_string()
                .into_bytes()
        }),
        ("Authorization echoed", |seen, _| {
            json!({"message": format!("bad credentials: {}", seen.header("authorization").unwrap_or("none")),
                "error": seen.header("authorization")})
            .to_string()
            .into_bytes()
        }),
        ("secrets as JSON field names", |seen, secrets| {
            let mut errors = serde_json::Map::new();
            for s in secrets {
                errors.insert(s.clone(), json!(["is invalid"]));
            }
            if let Some(a) = seen.header("authorization") {
                errors.insert(a.to_owned(), json!(["is invalid"]));
            }
            json!({"message": "One or more validation errors occurred.", "errors": errors})
                .to_string()
                .into_bytes()
        }),
        ("secrets in upper case", |_, secrets| {
            json!({"message": secrets.join(" ").to_uppercase()})
                .to_string()
                .into_bytes()
        }),
        ("secrets in lower case", |_, secrets| {
            json!({"message": secrets.join(" ").to_lowercase()})
                .to_string()
                .into_bytes()
        }),
        (
            "600-char message, secret at the 500-char cut",
            |_, secrets| {
                let s = secrets.iter().max_by_key(|s| s.len()).unwrap();
                let msg = format!(
                    "{}{}{}",
                    "x".repeat(497),
                    s,
                    "y".repeat(600usize.saturating_sub(497 + s.len()))
                );
                json!({"message": msg}).to_string().into_bytes()
            },
        ),
        ("plain-text body with the request", |seen, _| {
            format!(
                "error near: {} / {}",
                String::from_utf8_lossy(&seen.body),
                seen.header("authorization").unwrap_or("")
            )
            .into_bytes()
        }),
    ];
    for t in ALL {
        // An admin order's 412 is answered by the recovery step, which logs
        // the carrier's words before ordering once more: they must leave
        // redacted there too.
        let recovery: &[u16] = if t == Target::InPortInOrder {
            &[412]
        } else {
            &[]
        };
        for &s in [400u16, 403, 500, 429].iter().chain(recovery) {
            for (name, make) in modes.clone() {
                let secrets = t.secrets();
                let sc = secrets.clone();
                let handler = dynamic(move |seen, _| {
                    Act::Reply(
                        Reply::new(s, make(seen, &sc)).header("content-type", "application/json"),
                    )
                });
                let mut row = status_row(t, s, format!("{s} {name}"), handler);
                let cut = name.starts_with("600");
                row.check = Box::new(move |o, _| {
                    check_status(t, s, o)?;
                    if cut {
                        let e = err(o)?;
                        let msg = e.carrier_message().unwrap_or("").to_ascii_lowercase();
                        for sec in &secrets {
                            for k in 3..sec.len() {
                                if msg.ends_with(&sec[..k].to_ascii_lowercase()) {
                                    return Err(format!(
                                        "LEAK: message ends with {k} chars of a secret (cut before redaction)"
                                    ));
                                }
                            }
                        }
                    }
                    Ok(())
                });
                row.max_duration = Duration::from_secs(1);
                rows.push(row);
            }
        }
        // A created (or read) answer that echoes the request.
        let success = t.success();
        if let Body::Fixed(bytes) = &success.body {
            if let Ok(Value::Object(obj)) = serde_json::from_slice::<Value>(bytes) {
                let secrets = t.secrets();
                let status = success.status;
                let handler = dynamic(move |seen, _| {
                    let mut o = obj.clone();
                    o.insert("echo".into(), json!(String::from_utf8_lossy(&seen.body)));
                    o.insert("auth".into(), json!(seen.header("authorization")));
                    o.insert("secrets".into(), json!(secrets));
                    if let Some(Value::Object(d)) = o.get_mut("data") {
                        d.insert("message".into(), json!(String::from_utf8_lossy(&seen.body)));
                    }
                    Act::Reply(Reply::json(status, &Value::Object(o)))
                });
                let mut row = row_on(t, "2xx answer echoing the request".into(), handler, 1, 1);
                if t.is_inumbering() && t != Target::InStatus && t != Target::InExchange {
                    row.expect.push(between("POST", targets::STATUS_PATH, 0, 1));
                }
                row.check = Box::new(|_, _| Ok(()));
                rows.push(row);
            }
        }
    }
    rows
}

fn item(n: u64) -> Value {
    json!({"id": format!("00000000-0000-4000-8000-{n:012x}"), "name": format!("P{n}"),
        "connectionDate": "2024-07-18T00:00:00", "portType": 2, "portTypeName": "PortIn",
        "rowCount": 1, "status": 16, "statusName": "Complete"})
}

fn page(total: u64, total_pages: u64, items: Vec<Value>) -> Act {
    Act::Reply(Reply::json(
        200,
        &json!({"total": total, "totalPages": total_pages, "data": items}),
    ))
}

fn page_no(seen: &Seen) -> u64 {
    seen.header("x-pagenumber")
        .and_then(|v| v.parse().ok())
        .unwrap_or(0)
}

fn fresh(per: u64, total: fn(u64) -> u64, pages: u64) -> Handler {
    dynamic(move |seen, _| {
        let p = page_no(seen);
        page(
            total(p),
            pages,
            (0..per).map(|i| item(p * 1000 + i)).collect(),
        )
    })
}

/// (name, handler, requests, entries, errors, via `PortProvider::orders()`)
type PageCase = (&'static str, Handler, usize, usize, usize, bool);

pub fn paging_rows() -> Vec<Row> {
    // Every listing not served as asked ends with one `Incomplete` error
    // after the entries it could trust.
    let cases: Vec<PageCase> = vec![
        (
            "totalPages 1e9, total 1e9, the same page every time: more pages named than read",
            dynamic(|_, _| page(1_000_000_000, 1_000_000_000, vec![item(1), item(2)])),
            1,
            2,
            1,
            false,
        ),
        (
            "same, via PortProvider::orders()",
            dynamic(|_, _| page(1_000_000_000, 1_000_000_000, vec![item(1), item(2)])),
            1,
            2,
            1,
            true,
        ),
        (
            "total 150, totalPages 75, the page number ignored (page 1 every time)",
            dynamic(|_, _| page(150, 75, vec![item(1), item(2)])),
            2,
            2,
            1,
            false,
        ),
        (
            "no totals, page 2 repeats page 1",
            dynamic(|_, _| page(0, 0, vec![item(1), item(2)])),
            2,
            2,
            1,
            false,
        ),
        (
            "total 0, totalPages 3, fresh items",
            fresh(2, |_| 0, 3),
            3,
            6,
            0,
            false,
        ),
        (
            "first page empty (total 10, totalPages 5)",
            dynamic(|_, _| page(10, 5, vec![])),
            1,
            0,
            1,
            false,
        ),
        (
            "empty page 3 (no totals)",
            dynamic(|seen, _| {
                let p = page_no(seen);
                page(
                    0,
                    0,
                    if p < 3 {
                        vec![item(p * 10), item(p * 10 + 1)]
                    } else {
                        vec![]
                    },
                )
            }),
            3,
            4,
            0,
            false,
        ),
        (
            "empty page 2 with 10 ports named on 5 pages",
            dynamic(|seen, _| {
                let p = page_no(seen);
                page(
                    10,
                    5,
                    if p < 2 {
                        vec![item(1), item(2)]
                    } else {
                        vec![]
                    },
                )
            }),
            2,
            2,
            1,
            false,
        ),
        (
            "total 5, totalPages 1e9, fresh pages of 2: totals that contradict",
            fresh(2, |_| 5, 1_000_000_000),
            1,
            2,
            1,
            false,
        ),
        (
            "total 5, via orders()",
            fresh(2, |_| 5, 1_000_000_000),
            1,
            2,
            1,
            true,
        ),
        (
            "total 4, pages of 2, more pages offered",
            fresh(2, |_| 4, 0),
            2,
            4,
            0,
            false,
        ),
        (
            "server serves 1 per page where 2 were asked, total 3: consistent, complete",
            fresh(1, |_| 3, 0),
            3,
            3,
            0,
            false,
        ),
        (
            "500 entries a page where 2 were asked, totalPages u64::MAX",
            dynamic(|seen, _| {
                let p = page_no(seen);
                page(
                    0,
                    u64::MAX,
                    (0..500).map(|i| item(p * 10_000 + i)).collect(),
                )
            }),
            1,
            0,
            1,
            false,
        ),
        (
            "total u64::MAX, one entry a page",
            fresh(1, |_| u64::MAX, 0),
            1,
            1,
            1,
            false,
        ),
        (
            "total u64::MAX, totalPages u64::MAX, via orders()",
            fresh(1, |_| u64::MAX, u64::MAX),
            1,
            1,
            1,
            true,
        ),
        (
            "the last page named ends short of the total (6 named, 5 served)",
            dynamic(|seen, _| {
                let p = page_no(seen);
                let items = match p {
                    1 => vec![item(1), item(2)],
                    2 => vec![item(3), item(4)],
                    _ => vec![item(5)],
                };
                page(6, 3, items)
            }),
            3,
            5,
            1,
            false,
        ),
        (
            "page 2 answers 500",
            dynamic(|seen, _| {
                if page_no(seen) == 1 {
                    page(0, 0, vec![item(1), item(2)])
                } else {
                    Act::Reply(Reply::json(500, &json!({"message": "boom"})))
                }
            }),
            4,
            2,
            1,
            false,
        ),
        (
            "200 {} (no listing)",
            always(Act::Reply(Reply::json(200, &json!({})))),
            1,
            0,
            1,
            false,
        ),
        (
            "200 {\"message\":\"Service temporarily unavailable\"}",
            always(Act::Reply(Reply::json(
                200,
                &json!({"message": "Service temporarily unavailable"}),
            ))),
            1,
            0,
            1,
            false,
        ),
        (
            "unreadable ids on pages 1 and 2, total 4, totalPages 2",
            dynamic(|seen, _| {
                if page_no(seen) == 1 {
                    page(4, 2, vec![item(1), json!({"id": null})])
                } else {
                    page(4, 2, vec![json!({"id": 42}), item(2)])
                }
            }),
            2,
            2,
            2,
            false,
        ),
    ];
    paging_table(cases)
}

/// The rows that may run to the hard ceiling (20 000 pages), each in its
/// own test so that they run in parallel with the rest.
pub fn paging_ceiling_rows(which: usize) -> Vec<Row> {
    let mut cases: Vec<PageCase> = vec![
        (
            "total 0, totalPages 0, fresh items for ever: hard ceiling",
            fresh(2, |_| 0, 0),
            20_000,
            40_000,
            1,
            false,
        ),
        (
            "[rule: <= total/page_size+1] total grows every page (100 x page), 1 fresh item per page",
            fresh(1, |p| 100 * p, 0),
            101,
            101,
            0,
            false,
        ),
    ];
    paging_table(vec![cases.remove(which)])
}

fn paging_table(cases: Vec<PageCase>) -> Vec<Row> {
    let mut rows = vec![];
    for (name, handler, requests, entries, errors, via_orders) in cases {
        let mut row = Row::new(format!("ChOrders: {name}"));
        let rule_row = name.starts_with("[rule");
        row.setup = Box::new(move |ctx| {
            Target::ChListPage.install(ctx);
            ctx.server.route("GET", &api(""), handler.clone());
        });
        row.call = Box::new(move |ctx| {
            Box::pin(async move {
                let c = match targets::cellhire(
                    &ctx.server.uri(),
                    false,
                    crate::harness::http(&ctx.sleeps),
                ) {
                    Ok(c) => c,
                    Err(e) => return Outcome::Err(e),
                };
                // A rule row stops reading one entry past what the rule
                // allows: the verdict is decided by then.
                let cap = if rule_row { entries + 1 } else { usize::MAX };
                if via_orders {
                    targets::collect(c.orders().take(cap).boxed()).await
                } else {
                    targets::collect(c.list_ports(2).take(cap).boxed()).await
                }
            })
        });
        row.expect = if rule_row {
            vec![between("GET", api(""), 1, requests)]
        } else {
            vec![exactly("GET", api(""), requests)]
        };
        row.secrets = Target::ChListPage.secrets();
        row.max_duration = Duration::from_secs(if requests > 1000 {
            120
        } else if requests > 100 {
            5
        } else {
            1
        });
        row.only_numport_tracing = requests > 1000;
        row.check = Box::new(move |o, _| match o {
            Outcome::List { ok, errors: errs } => {
                if rule_row {
                    return ensure(*ok <= entries, format!("{ok} entries"));
                }
                ensure(*ok == entries, format!("{ok} entries, want {entries}"))?;
                ensure(
                    errs.len() == errors,
                    format!("{} errors, want {errors}", errs.len()),
                )?;
                // Only the last error may end the listing; the others are
                // unreadable entries.
                let (last, before) = match errs.split_last() {
                    Some(split) => split,
                    None => return Ok(()),
                };
                ensure(
                    before.iter().all(|e| matches!(e, Error::Decode { .. })),
                    format!("errors before the last: {before:?}"),
                )?;
                ensure(
                    matches!(last, Error::Decode { .. } | Error::Incomplete { .. })
                        || last.status() == Some(500),
                    format!("last error: {last:?}"),
                )
            }
            _ => Err("not a listing".into()),
        });
        rows.push(row);
    }
    rows
}

type Adjust = fn(HttpConfig) -> HttpConfig;

pub fn config_rows() -> Vec<Row> {
    let cases: Vec<(&str, Adjust)> = vec![
        ("request_timeout 0", |c| {
            c.with_request_timeout(Duration::ZERO)
        }),
        ("request_timeout MAX", |c| {
            c.with_request_timeout(Duration::MAX)
        }),
        ("connect_timeout 0", |c| {
            c.with_connect_timeout(Duration::ZERO)
        }),
        ("operation_deadline 0", |c| {
            c.with_operation_deadline(Duration::ZERO)
        }),
        ("operation_deadline MAX", |c| {
            c.with_operation_deadline(Duration::MAX)
        }),
        ("max_body_bytes 0", |c| c.with_max_body_bytes(0)),
        ("max_body_bytes usize::MAX", |c| {
            c.with_max_body_bytes(usize::MAX)
        }),
        ("max_attempts 0", |mut c| {
            c.retry.max_attempts = 0;
            c
        }),
        ("max_attempts u32::MAX", |mut c| {
            c.retry.max_attempts = u32::MAX;
            c
        }),
        ("max_retry_after MAX", |mut c| {
            c.retry.max_retry_after = Duration::MAX;
            c
        }),
        ("multiplier NaN", |mut c| {
            c.retry.backoff.multiplier = f64::NAN;
            c
        }),
        ("multiplier inf", |mut c| {
            c.retry.backoff.multiplier = f64::INFINITY;
            c
        }),
        ("multiplier 0.5", |mut c| {
            c.retry.backoff.multiplier = 0.5;
            c
        }),
        ("backoff initial > max", |mut c| {
            c.retry.backoff = Backoff::default()
                .with_initial(Duration::from_secs(10))
                .with_max(Duration::from_secs(1))
                .with_multiplier(2.0)
                .with_jitter(false);
            c
        }),
        ("backoff initial MAX", |mut c| {
            c.retry.backoff.initial = Duration::MAX;
            c.retry.backoff.max = Duration::MAX;
            c
        }),
    ];
    let mut rows = vec![];
    for t in [
        Target::ChDetails,
        Target::ChGrant,
        Target::ApSubmit,
        Target::InStatus,
    ] {
        for (name, adjust) in cases.clone() {
            let mut row = Row::new(format!("{t:?}: {name}"));
            row.setup = Box::new(move |ctx| t.install(ctx));
            row.call = Box::new(move |ctx| Box::pin(async move { t.call(ctx, &adjust).await }));
            row.secrets = t.secrets();
            row.max_duration = Duration::from_millis(200);
            row.check = Box::new(|o, _| {
                let e = err(o)?;
                ensure(
                    matches!(e, Error::Config(_)) && e.is_never_sent(),
                    "not Config at build()",
                )
            });
            rows.push(row);
        }
    }
    rows
}
