//! iNumbering's portStatus summary read as it arrives, through the three
//! calls that read it (`orders()`, `reconcile`, `order(id)`), against
//! hostile answers: no listing, a body cut, malformed or followed by
//! garbage, failures inside a 200 before or after the listing, oversized
//! entries and listings, stalls. The rule: "not found" (`NotFound`,
//! `Reconciliation::NotFound`) only after a complete, well-formed answer;
//! anything less is an error or `Inconclusive`, and `orders()` yields it
//! last, after every entry it could read.

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, TimeZone, Utc};
use numport::clock::ManualClock;
use numport::http::HttpConfig;
use numport::{Error, PortId, PortProvider};
use serde_json::{Value, json};

use crate::harness::{ATTEMPTS, Ctx, Outcome, Row, exactly, http};
use crate::server::{Act, Body, Reply, always};
use crate::targets::{self, IN_KEY, IN_PASSWORD, KEY_PATH, STATUS_PATH};

/// The port-out PIN every entry carries: a secret that must not leak.
const ENTRY_PIN: &str = "6391";
/// 2026-05-01T09:00:00Z: the attempt reconciled, and the clients' clock.
const ATTEMPT: i64 = 1_777_626_000;
/// A record a day before the attempt.
const OLD: i64 = ATTEMPT - 86_400;
/// A record a minute after the attempt.
const NEW: i64 = ATTEMPT + 60;

fn attempt() -> DateTime<Utc> {
    Utc.timestamp_opt(ATTEMPT, 0).unwrap()
}

fn entry(pid: &str, at: i64) -> Value {
    json!({"id": format!("doc-{pid}"), "key": ["1234567890", at.to_string()],
        "value": {"pid": pid, "status": "Pending", "message": "Validating", "foc": "19750715",
            "notify": "0", "url": "https://x.invalid/t/1", "pin": ENTRY_PIN}})
}

fn answer(entries: &[Value]) -> Value {
    json!({"statusCode": "200", "status": "Success", "portStatusSummary": entries})
}

fn raw(status: u16, body: impl Into<Vec<u8>>) -> Reply {
    Reply::new(status, body).header("content-type", "application/json")
}

/// The three calls that read the summary.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Op {
    Orders,
    Reconcile,
    Order,
}

/// What a call must end with.
#[derive(Clone, Copy)]
enum Want {
    /// The complete listing: `ok` entries and `decode` unreadable ones;
    /// `reconcile` says `NotFound` when `settled`, else `Inconclusive`;
    /// `order` of an absent id is `NotFound` when `absent` (every entry
    /// that could be it was read), else `Incomplete`.
    Complete {
        ok: usize,
        decode: usize,
        settled: bool,
        absent: bool,
    },
    /// Cut short: `ok` entries and `decode` unreadable ones, then
    /// `Incomplete`; `reconcile` is `Inconclusive`, `order` the
    /// `Incomplete` error.
    Incomplete { ok: usize, decode: usize },
    /// Refused: `ok` entries, then an error `is` accepts (never
    /// `NotFound`), also from `reconcile` and `order`.
    Fails { ok: usize, is: fn(&Error) -> bool },
}

struct Case {
    name: &'static str,
    reply: Act,
    /// portStatus requests.
    requests: usize,
    /// Key exchanges.
    exchanges: usize,
    want: Want,
    adjust: fn(HttpConfig) -> HttpConfig,
    max_duration: Duration,
}

fn case(name: &'static str, reply: Reply, want: Want) -> Case {
    Case {
        name,
        reply: Act::Reply(reply),
        requests: 1,
        exchanges: 1,
        want,
        adjust: |c| c,
        max_duration: Duration::from_secs(1),
    }
}

fn is_decode(e: &Error) -> bool {
    matches!(e, Error::Decode { .. })
}

fn cases() -> Vec<Case> {
    let old = entry("A0001", OLD);
    let new = entry("N0001", NEW);
    let complete_old = answer(std::slice::from_ref(&old)).to_string();
    let prefix = format!(
        r#"{{"statusCode":"200","status":"Success","portStatusSummary":[{old}"#,
        old = old
    );
    let huge = json!({"id": "doc-big", "value": {"pid": "B0001", "message": "x".repeat(70_000)}});
    let deep = format!("{}1{}", "[".repeat(200), "]".repeat(200));
    let listing_of = |n: usize| {
        let entries: Vec<Value> = (0..n)
            .map(|i| entry(&format!("L{i:04}"), OLD - i as i64))
            .collect();
        answer(&entries).to_string()
    };
    let incomplete = |ok| Want::Incomplete { ok, decode: 0 };
    let cases = vec![
        // An answer with no listing is not an empty listing.
        case("200 {}", raw(200, "{}"), incomplete(0)),
        case(
            "200 {\"status\":\"Success\"}",
            raw(200, r#"{"status":"Success"}"#),
            incomplete(0),
        ),
        case(
            "200 statusCode 200, status Success, no portStatusSummary",
            raw(200, r#"{"statusCode":"200","status":"Success"}"#),
            incomplete(0),
        ),
        case(
            "200 {\"message\":\"maintenance\"}",
            raw(200, r#"{"message":"maintenance"}"#),
            incomplete(0),
        ),
        case(
            "200 portStatusSummary null",
            raw(200, r#"{"status":"Success","portStatusSummary":null}"#),
            incomplete(0),
        ),
        case(
            "200 portStatusSummary an object",
            raw(200, r#"{"status":"Success","portStatusSummary":{"0":{}}}"#),
            incomplete(0),
        ),
        case(
            "200 portStatusSummary twice",
            raw(
                200,
                format!(r#"{{"portStatusSummary":[{old}],"portStatusSummary":[]}}"#),
            ),
            incomplete(1),
        ),
        // Cut, malformed, or more than one document.
        case(
            "200 JSON cut inside the second entry",
            raw(200, format!(r#"{prefix},{{"id":"doc-"#)),
            incomplete(1),
        ),
        case(
            "200 JSON cut after the first entry",
            raw(200, format!("{prefix},")),
            incomplete(1),
        ),
        case(
            "200 trailing garbage after the object",
            raw(200, format!("{complete_old} <!-- cached -->")),
            incomplete(1),
        ),
        case(
            "200 two objects",
            raw(200, format!("{complete_old}{complete_old}")),
            incomplete(1),
        ),
        case(
            "200 malformed literal inside an entry: unreadable in place, then Incomplete",
            raw(
                200,
                format!(r#"{prefix},{{"id":"doc-x","value":{{"notify":tru}}}},{old}]}}"#),
            ),
            Want::Incomplete { ok: 2, decode: 1 },
        ),
        case(
            "200 invalid UTF-8 inside an entry",
            raw(200, {
                let mut b = format!(r#"{prefix},{{"id":"doc-"#).into_bytes();
                b.extend_from_slice(b"\xff\"}]}");
                b
            }),
            incomplete(1),
        ),
        case(
            "200 an entry nested 200 levels deep",
            raw(
                200,
                format!(r#"{prefix},{{"id":"doc-d","value":{deep}}}]}}"#),
            ),
            incomplete(1),
        ),
        case(
            "200 100,000 opening brackets",
            raw(200, format!("{prefix},{}", "[".repeat(100_000))),
            incomplete(1),
        ),
        // Not a JSON object at all.
        case(
            "200 HTML",
            Reply::new(200, "<html><body>Maintenance</body></html>")
                .header("content-type", "text/html"),
            Want::Fails {
                ok: 0,
                is: is_decode,
            },
        ),
        case(
            "200 empty",
            raw(200, ""),
            Want::Fails {
                ok: 0,
                is: is_decode,
            },
        ),
        case(
            "200 JSON array",
            raw(200, "[]"),
            Want::Fails {
                ok: 0,
                is: is_decode,
            },
        ),
        // Failures inside a 200, classified as a whole-body read
        // classifies them.
        Case {
            requests: ATTEMPTS as usize,
            ..case(
                "200 storage error (statusCode 409) before any entry: retried",
                raw(
                    200,
                    r#"{"statusCode":"409","status":"Error","exception":"storage unavailable"}"#,
                ),
                Want::Fails {
                    ok: 0,
                    is: |e| {
                        matches!(e, Error::CarrierUnavailable { status: 409, .. })
                            && e.carrier_message() == Some("storage unavailable")
                    },
                },
            )
        },
        Case {
            requests: ATTEMPTS as usize,
            ..case(
                "200 status Error before the listing, listing present: no entry taken",
                raw(
                    200,
                    format!(
                        r#"{{"statusCode":"409","status":"Error","exception":"storage","portStatusSummary":[{old}]}}"#
                    ),
                ),
                Want::Fails {
                    ok: 0,
                    is: |e| matches!(e, Error::CarrierUnavailable { .. }),
                },
            )
        },
        case(
            "200 status Error after the listing: entries, then the failure",
            raw(
                200,
                format!(
                    r#"{{"portStatusSummary":[{old}],"statusCode":"409","status":"Error","exception":"storage"}}"#
                ),
            ),
            Want::Fails {
                ok: 1,
                is: |e| matches!(e, Error::CarrierUnavailable { .. }),
            },
        ),
        case(
            "200 status Failed",
            raw(200, r#"{"status":"Failed","message":"try later"}"#),
            Want::Fails {
                ok: 0,
                is: |e| e.is_rejected() && e.carrier_message() == Some("try later"),
            },
        ),
        Case {
            requests: 2,
            exchanges: 2,
            ..case(
                "200 statusCode 401: one more key exchange, then Auth",
                raw(
                    200,
                    r#"{"statusCode":"401","status":"Error","message":"bad key"}"#,
                ),
                Want::Fails {
                    ok: 0,
                    is: Error::is_auth,
                },
            )
        },
        // The HTTP status says it.
        Case {
            requests: ATTEMPTS as usize,
            ..case(
                "503 read whole and retried",
                raw(503, r#"{"status":"Error","message":"down"}"#),
                Want::Fails {
                    ok: 0,
                    is: |e| e.status() == Some(503),
                },
            )
        },
        Case {
            requests: ATTEMPTS as usize,
            ..case(
                "409 storage error: retried",
                raw(
                    409,
                    r#"{"statusCode":"409","status":"Error","exception":"storage"}"#,
                ),
                Want::Fails {
                    ok: 0,
                    is: |e| matches!(e, Error::CarrierUnavailable { .. }),
                },
            )
        },
        case(
            "302 to another host: not followed",
            Reply::new(302, "").header("location", "http://127.0.0.1:9/steal"),
            Want::Fails {
                ok: 0,
                is: Error::is_redirect,
            },
        ),
        // The transport gives out mid-body.
        case(
            "200 Content-Length longer than what is sent",
            raw(200, "").body(Body::Truncated {
                declared: complete_old.len() + 100,
                sent: prefix.clone().into_bytes(),
            }),
            Want::Fails {
                ok: 1,
                is: |e| matches!(e, Error::Transport { .. }),
            },
        ),
        Case {
            reply: Act::StallAfterHead,
            max_duration: Duration::from_millis(2300),
            ..case(
                "200 head, then nothing",
                raw(200, ""),
                Want::Fails {
                    ok: 0,
                    is: Error::is_timeout,
                },
            )
        },
        Case {
            max_duration: Duration::from_millis(2300),
            ..case(
                "200 dripping a byte every 50 ms",
                raw(200, "").body(Body::Drip {
                    data: complete_old.clone().into_bytes(),
                    every: Duration::from_millis(50),
                }),
                Want::Fails {
                    ok: 0,
                    is: Error::is_timeout,
                },
            )
        },
        // Bounds.
        case(
            "200 an entry of 70 KB among two: unreadable in place",
            raw(
                200,
                answer(&[old.clone(), huge, entry("A0002", OLD)]).to_string(),
            ),
            Want::Complete {
                ok: 2,
                decode: 1,
                settled: false,
                absent: false,
            },
        ),
        case(
            "200 an entry of the wrong shape",
            raw(
                200,
                answer(&[json!({"id": "doc-s", "value": ENTRY_PIN}), old.clone()]).to_string(),
            ),
            Want::Complete {
                ok: 1,
                decode: 1,
                settled: false,
                absent: false,
            },
        ),
        case(
            "200 an entry with neither pid nor id",
            raw(
                200,
                answer(&[
                    json!({"key": ["1", OLD.to_string()], "value": {"status": "Pending"}}),
                    old.clone(),
                ])
                .to_string(),
            ),
            Want::Complete {
                ok: 1,
                decode: 1,
                settled: false,
                absent: true,
            },
        ),
        Case {
            adjust: |c| c.with_max_listing_bytes(64 * 1024),
            ..case(
                "200 declaring 64 MiB over a 64 KiB listing bound",
                raw(200, "").body(Body::Stream {
                    total: 64 << 20,
                    declare: true,
                }),
                Want::Fails {
                    ok: 0,
                    is: Error::is_response_too_large,
                },
            )
        },
        case(
            "200 a 250 KB listing under the default bounds",
            raw(200, listing_of(1000)),
            Want::Complete {
                ok: 1000,
                decode: 0,
                settled: true,
                absent: true,
            },
        ),
        // [rule] NotFound only on a complete answer.
        case(
            "[rule: complete, every entry older -> NotFound] one old entry",
            raw(200, complete_old.clone()),
            Want::Complete {
                ok: 1,
                decode: 0,
                settled: true,
                absent: true,
            },
        ),
        case(
            "[rule: complete, empty -> NotFound] no entry",
            raw(200, answer(&[]).to_string()),
            Want::Complete {
                ok: 0,
                decode: 0,
                settled: true,
                absent: true,
            },
        ),
        case(
            "[rule: an order after the attempt -> Inconclusive, never Found]",
            raw(200, answer(&[new, old.clone()]).to_string()),
            Want::Complete {
                ok: 2,
                decode: 0,
                settled: false,
                absent: true,
            },
        ),
        case(
            "[rule: an entry without its time -> Inconclusive]",
            raw(
                200,
                answer(&[json!({"id": "doc-t", "value": {"pid": "T0001"}}), old]).to_string(),
            ),
            Want::Complete {
                ok: 2,
                decode: 0,
                settled: false,
                absent: true,
            },
        ),
    ];
    cases
}

fn check(op: Op, want: Want, o: &Outcome) -> Result<(), String> {
    let ensure = |ok: bool, why: String| if ok { Ok(()) } else { Err(why) };
    match (op, o) {
        (Op::Orders, Outcome::List { ok, errors }) => {
            let last = errors.last();
            match want {
                Want::Complete {
                    ok: want_ok,
                    decode,
                    ..
                } => {
                    ensure(*ok == want_ok, format!("{ok} entries, want {want_ok}"))?;
                    ensure(
                        errors.len() == decode && errors.iter().all(is_decode),
                        format!("{} errors, want {decode} Decode", errors.len()),
                    )
                }
                Want::Incomplete {
                    ok: want_ok,
                    decode,
                } => {
                    ensure(*ok == want_ok, format!("{ok} entries, want {want_ok}"))?;
                    ensure(
                        errors.len() == decode + 1
                            && errors[..decode].iter().all(is_decode)
                            && last.is_some_and(Error::is_incomplete),
                        "[rule: the listing ends with Incomplete]".into(),
                    )
                }
                Want::Fails { ok: want_ok, is } => {
                    ensure(*ok == want_ok, format!("{ok} entries, want {want_ok}"))?;
                    ensure(
                        errors.len() == 1 && last.is_some_and(is),
                        "the listing does not end with the expected error".into(),
                    )
                }
            }
        }
        (Op::Reconcile, o) => {
            let text = match o {
                Outcome::Ok(t) => Some(t.as_str()),
                _ => None,
            };
            ensure(
                text != Some("NotFound") || matches!(want, Want::Complete { settled: true, .. }),
                "[rule: NotFound only after a complete, well-formed answer]".into(),
            )?;
            match want {
                Want::Complete { settled: true, .. } => ensure(
                    text == Some("NotFound"),
                    "a complete answer with every entry older is NotFound".into(),
                ),
                Want::Complete { .. } | Want::Incomplete { .. } => ensure(
                    text.is_some_and(|t| t.starts_with("Inconclusive")),
                    "[rule: incomplete -> Inconclusive, never Found]".into(),
                ),
                Want::Fails { is, .. } => ensure(
                    o.err().is_some_and(is),
                    "reconcile does not return the failure".into(),
                ),
            }
        }
        (Op::Order, o) => {
            let e = o
                .err()
                .ok_or_else(|| "order of an absent id succeeded".to_owned())?;
            match want {
                Want::Complete { absent: true, .. } => ensure(
                    e.is_not_found(),
                    "a complete answer without it is NotFound".into(),
                ),
                Want::Complete { .. } | Want::Incomplete { .. } => ensure(
                    e.is_incomplete(),
                    "[rule: NotFound only after a complete, well-formed answer]".into(),
                ),
                Want::Fails { is, .. } => ensure(
                    !e.is_not_found() && is(e),
                    "order does not return the failure".into(),
                ),
            }
        }
        _ => Err("not a listing".into()),
    }
}

pub fn inumbering_listing_rows() -> Vec<Row> {
    let mut rows = vec![];
    for c in cases() {
        for op in [Op::Orders, Op::Reconcile, Op::Order] {
            let mut row = Row::new(format!("InListing {op:?}: {}", c.name));
            let act = c.reply.clone();
            row.setup = Box::new(move |ctx: &Ctx| {
                ctx.server
                    .route("POST", KEY_PATH, always(Act::Reply(targets::key_reply())));
                ctx.server.route("POST", STATUS_PATH, always(act.clone()));
            });
            let adjust = c.adjust;
            row.call = Box::new(move |ctx| {
                Box::pin(async move {
                    let cfg =
                        adjust(http(&ctx.sleeps).with_clock(Arc::new(ManualClock::new(attempt()))));
                    let client = match targets::inumbering(&ctx.server.uri(), false, cfg) {
                        Ok(c) => c,
                        Err(e) => return Outcome::Err(e),
                    };
                    match op {
                        Op::Orders => targets::collect(client.orders()).await,
                        Op::Reconcile => {
                            Outcome::from(client.reconcile(&targets::in_request(), attempt()).await)
                        }
                        Op::Order => {
                            Outcome::from(client.order(&PortId::new("ZZZZZ").unwrap()).await)
                        }
                    }
                })
            });
            let want = c.want;
            row.check = Box::new(move |o, _| check(op, want, o));
            row.expect = vec![
                exactly("POST", KEY_PATH, c.exchanges),
                exactly("POST", STATUS_PATH, c.requests),
            ];
            row.secrets = vec![IN_PASSWORD.into(), IN_KEY.into(), ENTRY_PIN.into()];
            row.max_duration = c.max_duration;
            rows.push(row);
        }
    }
    rows
}
