//! Rows for what is built on the listings: `reconcile` says `NotFound` only
//! on a complete answer, and `watch_many` reports an order missing only from
//! a complete listing, yields what it can read, and honours `Retry-After`
//! between rounds.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::{TimeZone, Utc};
use futures::StreamExt;
use futures::future::BoxFuture;
use numport::clock::ManualClock;
use numport::http::Sleep;
use numport::{
    Error, PortId, PortProvider, PortProviderExt, PortRequest, Reconciliation, TrackOptions,
};
use serde_json::{Value, json};

use crate::harness::{Ctx, Expect, Outcome, Row, between, exactly, http};
use crate::server::{Act, Handler, Reply, Seen, always, dynamic};
use crate::targets::{
    self, DETAILS_ID, IN_KEY, IN_PASSWORD, KEY_PATH, STATUS_PATH, Target, api, fixture,
};

use crate::support::requests::{cellhire_options, uk_line};

type Res = Result<(), String>;

fn ensure(ok: bool, why: impl Into<String>) -> Res {
    if ok { Ok(()) } else { Err(why.into()) }
}

fn page_no(seen: &Seen) -> u64 {
    seen.header("x-pagenumber")
        .and_then(|v| v.parse().ok())
        .unwrap_or(0)
}

fn guid(n: u64) -> String {
    format!("00000000-0000-4000-8000-{n:012x}")
}

/// A listed port; `ours` names it and dates it like the request.
fn entry(n: u64, ours: bool) -> Value {
    let (name, date) = if ours {
        ("Fleet batch 7", "2026-05-05T00:00:00")
    } else {
        ("Other", "2024-07-18T00:00:00")
    };
    json!({"id": guid(n), "name": name, "connectionDate": date, "portType": 2,
        "portTypeName": "PortIn", "rowCount": 1, "status": 3, "statusName": "Submitted"})
}

fn listing(total: u64, total_pages: u64, data: Vec<Value>) -> Act {
    Act::Reply(Reply::json(
        200,
        &json!({"total": total, "totalPages": total_pages, "data": data}),
    ))
}

/// Port details of port `n` holding `msisdn`.
fn details(n: u64, msisdn: &str) -> Act {
    let mut body = fixture("port_details.json");
    body["id"] = json!(guid(n));
    body["name"] = json!("Fleet batch 7");
    body["connectionDate"] = json!("2026-05-05T00:00:00");
    body["rows"][0]["msisdn"] = json!(msisdn);
    Act::Reply(Reply::json(200, &body))
}

/// The request reconciled: one UK line, planned date, "Fleet batch 7".
fn ch_request() -> PortRequest {
    PortRequest::new(vec![uk_line(
        "+447700900123",
        "8944100030120000101",
        targets::CH_PAC,
    )])
    .with_cellhire(cellhire_options("Fleet batch 7"))
}

fn clock_cfg(ctx: &Ctx) -> numport::http::HttpConfig {
    http(&ctx.sleeps).with_clock(Arc::new(ManualClock::new(
        Utc.with_ymd_and_hms(2026, 5, 1, 9, 0, 0).unwrap(),
    )))
}

fn reconcile_outcome(r: numport::Result<Reconciliation>) -> Outcome {
    match r {
        Ok(answer) => Outcome::Ok(format!("{answer:?}")),
        Err(e) => Outcome::Err(e),
    }
}

/// What a reconcile row expects.
enum Want {
    NotFound,
    Found(u64),
    /// Inconclusive, its reason holding this text, with this many candidates.
    Inconclusive(&'static str, usize),
    /// An error with this HTTP status.
    Status(u16),
}

struct ReconcileCase {
    name: &'static str,
    list: Handler,
    /// Ports whose details are served: (n, msisdn).
    details: Vec<(u64, &'static str)>,
    expect: Vec<Expect>,
    want: Want,
    max: Duration,
}

fn reconcile_row(case: ReconcileCase) -> Row {
    let ReconcileCase {
        name,
        list,
        details: served,
        expect,
        want,
        max,
    } = case;
    let mut row = Row::new(format!("ChReconcile: {name}"));
    let got: Arc<Mutex<Option<Reconciliation>>> = Arc::default();
    let got_call = got.clone();
    row.setup = Box::new(move |ctx| {
        ctx.server.route("GET", &api(""), list.clone());
        for (n, msisdn) in &served {
            ctx.server.route(
                "GET",
                &api(&format!("/port/{}", guid(*n))),
                always(details(*n, msisdn)),
            );
        }
    });
    row.call = Box::new(move |ctx| {
        let got = got_call.clone();
        Box::pin(async move {
            let c = match targets::cellhire(&ctx.server.uri(), false, clock_cfg(ctx)) {
                Ok(c) => c,
                Err(e) => return Outcome::Err(e),
            };
            let attempted = Utc.with_ymd_and_hms(2026, 5, 1, 8, 59, 0).unwrap();
            // The answer itself is checked below, through its Debug text and
            // these typed facts.
            let answer = c.reconcile(&ch_request(), attempted).await;
            if let Ok(a) = &answer {
                *got.lock().unwrap() = Some(a.clone());
            }
            reconcile_outcome(answer)
        })
    });
    row.expect = expect;
    row.secrets = Target::ChListPage.secrets();
    row.max_duration = max;
    row.check = Box::new(move |o, _| {
        let answer = got.lock().unwrap().take();
        match (&want, o, answer) {
            (Want::NotFound, Outcome::Ok(_), Some(a)) => {
                ensure(a == Reconciliation::NotFound, format!("{a:?}"))
            }
            (Want::Found(n), Outcome::Ok(_), Some(Reconciliation::Found(orders))) => ensure(
                orders.len() == 1 && orders[0].id.as_str() == guid(*n),
                format!("found {orders:?}"),
            ),
            (
                Want::Inconclusive(words, count),
                Outcome::Ok(_),
                Some(Reconciliation::Inconclusive { reason, candidates }),
            ) => {
                ensure(reason.contains(words), format!("reason: {reason}"))?;
                ensure(
                    candidates.len() == *count,
                    format!("{} candidates, want {count}", candidates.len()),
                )
            }
            (Want::Status(s), Outcome::Err(e), _) => {
                ensure(e.status() == Some(*s), format!("{e:?}"))
            }
            (_, o, a) => Err(format!("unexpected: {o:?} / {a:?}")),
        }
    });
    row
}

/// A complete listing of 53 ports on 2 pages whose port 51 is named and
/// dated like the request and holds `msisdn`.
fn control(name: &'static str, msisdn: &'static str, want: Want) -> ReconcileCase {
    ReconcileCase {
        name,
        list: dynamic(move |seen, _| {
            if page_no(seen) == 1 {
                listing(53, 2, (0..50).map(|n| entry(n, false)).collect())
            } else {
                listing(
                    53,
                    2,
                    vec![entry(50, false), entry(51, true), entry(52, false)],
                )
            }
        }),
        details: vec![(51, msisdn)],
        expect: vec![
            exactly("GET", api(""), 2),
            exactly("GET", api(&format!("/port/{}", guid(51))), 1),
        ],
        want,
        max: Duration::from_secs(1),
    }
}

pub fn reconcile_rows() -> Vec<Row> {
    let ours = |n| entry(n, true);
    let full = |from: u64, f: fn(u64) -> Value| (from..from + 50).map(f).collect::<Vec<_>>();
    let cases = vec![
        ReconcileCase {
            name: "the page number ignored: every page is page 1 (total 150, 3 pages)",
            list: dynamic(move |_, _| listing(150, 3, full(0, |n| entry(n, false)))),
            details: vec![],
            expect: vec![exactly("GET", api(""), 2)],
            want: Want::Inconclusive("page 2 repeated page 1", 0),
            max: Duration::from_secs(1),
        },
        ReconcileCase {
            name: "no totals, page 2 repeats page 1",
            list: dynamic(move |_, _| listing(0, 0, full(0, |n| entry(n, false)))),
            details: vec![],
            expect: vec![exactly("GET", api(""), 2)],
            want: Want::Inconclusive("page 2 repeated page 1", 0),
            max: Duration::from_secs(1),
        },
        ReconcileCase {
            name: "200 {}",
            list: always(Act::Reply(Reply::json(200, &json!({})))),
            details: vec![],
            expect: vec![exactly("GET", api(""), 1)],
            want: Want::Inconclusive("without a listing", 0),
            max: Duration::from_secs(1),
        },
        ReconcileCase {
            name: "200 {\"message\":\"Service temporarily unavailable\"}",
            list: always(Act::Reply(Reply::json(
                200,
                &json!({"message": "Service temporarily unavailable"}),
            ))),
            details: vec![],
            expect: vec![exactly("GET", api(""), 1)],
            want: Want::Inconclusive("Service temporarily unavailable", 0),
            max: Duration::from_secs(1),
        },
        ReconcileCase {
            name: "no totals, 1,000 new entries a page for ever (50 asked)",
            list: dynamic(|seen, _| {
                let p = page_no(seen);
                listing(
                    0,
                    0,
                    (0..1_000).map(|i| entry(p * 10_000 + i, false)).collect(),
                )
            }),
            details: vec![],
            expect: vec![exactly("GET", api(""), 1)],
            want: Want::Inconclusive("the page size was not honoured", 0),
            max: Duration::from_secs(1),
        },
        ReconcileCase {
            name: "20,000 pages named like ours, every port another subscriber's",
            list: dynamic(move |seen, _| {
                let p = page_no(seen);
                listing(1_000_000, 20_000, full((p - 1) * 50, |n| entry(n, true)))
            }),
            details: (0..50).map(|n| (n, "07700900999")).collect(),
            expect: vec![
                between("GET", api(""), 2, 3),
                // exactly 50 details reads; one route each
            ]
            .into_iter()
            .chain((0..50).map(|n| exactly("GET", api(&format!("/port/{}", guid(n))), 1)))
            .collect(),
            want: Want::Inconclusive("more than 50 ports are named and dated like the request", 1),
            max: Duration::from_secs(2),
        },
        ReconcileCase {
            name: "total u64::MAX, one entry a page",
            list: dynamic(|seen, _| listing(u64::MAX, 0, vec![entry(page_no(seen), false)])),
            details: vec![],
            expect: vec![exactly("GET", api(""), 1)],
            want: Want::Inconclusive("more than the 20000 read", 0),
            max: Duration::from_secs(1),
        },
        ReconcileCase {
            name: "the last page ends short of the total",
            list: dynamic(move |seen, _| {
                if page_no(seen) == 1 {
                    listing(60, 2, full(0, |n| entry(n, false)))
                } else {
                    listing(60, 2, (50..59).map(|n| entry(n, false)).collect())
                }
            }),
            details: vec![],
            expect: vec![exactly("GET", api(""), 2)],
            want: Want::Inconclusive("held 59 entries where 60 ports were named", 0),
            max: Duration::from_secs(1),
        },
        control(
            "[control] complete listing, ours holds other numbers: NotFound",
            "07700900999",
            Want::NotFound,
        ),
        control(
            "[control] complete listing, ours holds the request's number: Found",
            "07700900123",
            Want::Found(51),
        ),
        ReconcileCase {
            name: "a port named like ours whose details have no rows",
            list: always(listing(1, 1, vec![ours(7)])),
            details: vec![],
            expect: vec![
                exactly("GET", api(""), 1),
                exactly("GET", api(&format!("/port/{}", guid(7))), 1),
            ],
            want: Want::Inconclusive("has no rows", 1),
            max: Duration::from_secs(1),
        },
        ReconcileCase {
            name: "page 2 answers 503 three times",
            list: dynamic(move |seen, _| {
                if page_no(seen) == 1 {
                    listing(0, 0, full(0, |n| entry(n, false)))
                } else {
                    Act::Reply(Reply::json(503, &json!({"message": "busy"})))
                }
            }),
            details: vec![],
            expect: vec![exactly("GET", api(""), 4)],
            want: Want::Status(503),
            max: Duration::from_secs(1),
        },
    ];
    let mut rows: Vec<Row> = cases.into_iter().map(reconcile_row).collect();
    // The port with no rows: its details answer has an empty row list.
    let last_but_one = rows.len() - 2;
    let setup = std::mem::replace(&mut rows[last_but_one].setup, Box::new(|_| {}));
    rows[last_but_one].setup = Box::new(move |ctx| {
        setup(ctx);
        let mut body = fixture("port_details.json");
        body["id"] = json!(guid(7));
        body["rows"] = json!([]);
        ctx.server.route(
            "GET",
            &api(&format!("/port/{}", guid(7))),
            always(Act::Reply(Reply::json(200, &body))),
        );
    });
    rows
}

// ------------------------------------------------------------- watch_many

/// Records each wait between rounds and returns at once.
#[derive(Debug, Default)]
struct Waits(Mutex<Vec<Duration>>);

impl Sleep for Waits {
    fn sleep(&self, d: Duration) -> BoxFuture<'static, ()> {
        self.0.lock().unwrap().push(d);
        Box::pin(async {})
    }
}

/// Follows `ids` for at most `rounds` rounds, 60 s apart, and collects what
/// the stream yields: changes as "id:from->to" and errors.
async fn follow(
    provider: &dyn PortProvider,
    ids: &[String],
    rounds: u64,
) -> (Vec<String>, Vec<Error>, Vec<u64>) {
    let waits = Arc::new(Waits::default());
    let options = TrackOptions::default()
        .with_interval(Duration::from_secs(60))
        .with_max_rounds(rounds)
        .with_sleep(waits.clone());
    let ids = ids
        .iter()
        .map(|i| PortId::new(i.as_str()).unwrap())
        .collect();
    let items: Vec<_> = provider.watch_many(ids, options).collect().await;
    let waited = waits
        .0
        .lock()
        .unwrap()
        .iter()
        .map(Duration::as_secs)
        .collect();
    let mut changes = Vec::new();
    let mut errors = Vec::new();
    for item in items {
        match item {
            Ok(c) => changes.push(format!("{}:{:?}->{:?}", c.id, c.from, c.to)),
            Err(e) => errors.push(e),
        }
    }
    (changes, errors, waited)
}

fn kinds(errors: &[Error]) -> Vec<&'static str> {
    errors
        .iter()
        .map(|e| match e {
            Error::NotFound { .. } => "NotFound",
            Error::Decode { .. } => "Decode",
            Error::Incomplete { .. } => "Incomplete",
            Error::Timeout { .. } => "Timeout",
            Error::RateLimited { .. } => "RateLimited",
            _ => "other",
        })
        .collect()
}

struct WatchCase {
    name: &'static str,
    target: Target,
    setup: Box<dyn Fn(&Ctx)>,
    ids: Vec<String>,
    rounds: u64,
    expect: Vec<Expect>,
    changes: Vec<String>,
    errors: Vec<&'static str>,
    waits: Vec<u64>,
}

fn watch_row(case: WatchCase) -> Row {
    let WatchCase {
        name,
        target,
        setup,
        ids,
        rounds,
        expect,
        changes,
        errors,
        waits,
    } = case;
    let mut row = Row::new(format!("WatchMany: {name}"));
    row.setup = setup;
    let ids = Arc::new(ids);
    type Got = (Vec<String>, Vec<&'static str>, Vec<u64>);
    let got: Arc<Mutex<Option<Got>>> = Arc::default();
    let got_call = got.clone();
    row.call = Box::new(move |ctx| {
        let ids = ids.clone();
        let got = got_call.clone();
        Box::pin(async move {
            let provider: Box<dyn PortProvider> = if target.is_cellhire() {
                match targets::cellhire(&ctx.server.uri(), false, clock_cfg(ctx)) {
                    Ok(c) => Box::new(c),
                    Err(e) => return Outcome::Err(e),
                }
            } else {
                match targets::inumbering(&ctx.server.uri(), false, clock_cfg(ctx)) {
                    Ok(c) => Box::new(c),
                    Err(e) => return Outcome::Err(e),
                }
            };
            let (changes, errors, waited) = follow(provider.as_ref(), &ids, rounds).await;
            *got.lock().unwrap() = Some((changes.clone(), kinds(&errors), waited));
            Outcome::List {
                ok: changes.len(),
                errors,
            }
        })
    });
    row.expect = expect;
    row.secrets = target.secrets();
    row.max_duration = Duration::from_secs(2);
    row.check = Box::new(move |_, _| {
        let Some((got_changes, got_errors, got_waits)) = got.lock().unwrap().take() else {
            return Err("the call did not finish".into());
        };
        ensure(
            got_changes == changes,
            format!("changes {got_changes:?}, want {changes:?}"),
        )?;
        ensure(
            got_errors == errors,
            format!("errors {got_errors:?}, want {errors:?}"),
        )?;
        ensure(
            got_waits == waits,
            format!("waits {got_waits:?}, want {waits:?}"),
        )
    });
    row
}

fn in_summary(entries: Vec<Value>) -> Act {
    Act::Reply(Reply::json(
        200,
        &json!({"statusCode": "200", "status": "Success", "portStatusSummary": entries}),
    ))
}

fn in_entry(pid: &str, status: &str) -> Value {
    json!({"id": format!("rec-{pid}"), "key": ["1234567890", "1777626000"],
        "value": {"pid": pid, "status": status, "message": "", "foc": "19750715"}})
}

fn in_setup(status: Handler) -> Box<dyn Fn(&Ctx)> {
    Box::new(move |ctx| {
        ctx.server.route(
            "POST",
            KEY_PATH,
            always(Act::Reply(Reply::json(
                200,
                &json!({"status": "success", "data": {"apikey": IN_KEY}}),
            ))),
        );
        ctx.server.route("POST", STATUS_PATH, status.clone());
    })
}

pub fn watch_rows() -> Vec<Row> {
    let _ = IN_PASSWORD;
    let s = |v: &[&str]| v.iter().map(|x| (*x).to_owned()).collect::<Vec<_>>();
    let cases = vec![
        WatchCase {
            name: "iNumbering: an order absent from a complete summary is NotFound in round 1",
            target: Target::InStatus,
            setup: in_setup(always(in_summary(vec![in_entry("b2b2b", "Pending")]))),
            ids: s(&["a1a1a"]),
            rounds: 10,
            expect: vec![
                exactly("POST", KEY_PATH, 1),
                exactly("POST", STATUS_PATH, 1),
            ],
            changes: vec![],
            errors: vec!["NotFound"],
            waits: vec![],
        },
        WatchCase {
            name: "iNumbering: unreadable entries do not hide changing orders",
            target: Target::InStatus,
            setup: in_setup(dynamic(|_, hit| {
                let status = if hit == 0 { "submitted" } else { "Validating" };
                in_summary(vec![
                    in_entry("a1a1a", status),
                    json!({"key": ["1234567890", "1777626000"], "value": {"status": "Pending"}}),
                    in_entry("c3c3c", if hit == 0 { "Pending" } else { "Complete" }),
                ])
            })),
            ids: s(&["a1a1a", "c3c3c", "zzzzz"]),
            rounds: 2,
            expect: vec![
                exactly("POST", KEY_PATH, 1),
                exactly("POST", STATUS_PATH, 2),
            ],
            changes: s(&[
                "a1a1a:None->Received",
                "c3c3c:None->Submitted",
                "a1a1a:Some(Received)->Submitted",
                "c3c3c:Some(Submitted)->Complete",
            ]),
            // The unreadable entry once; `zzzzz` never claimed missing; the
            // round limit.
            errors: vec!["Decode", "Timeout"],
            waits: vec![60],
        },
        WatchCase {
            name: "Cellhire: absent from a complete listing, details 404: NotFound in round 1",
            target: Target::ChListPage,
            setup: Box::new(|ctx| {
                ctx.server.route(
                    "GET",
                    &api(""),
                    always(listing(1, 1, vec![entry(1, false)])),
                );
                ctx.server.route(
                    "GET",
                    &api(&format!("/port/{DETAILS_ID}")),
                    always(Act::Reply(Reply::json(404, &json!({"title": "Not Found"})))),
                );
            }),
            ids: s(&[DETAILS_ID]),
            rounds: 10,
            expect: vec![
                exactly("GET", api(""), 1),
                exactly("GET", api(&format!("/port/{DETAILS_ID}")), 1),
            ],
            changes: vec![],
            errors: vec!["NotFound"],
            waits: vec![],
        },
        WatchCase {
            name: "Cellhire: unreadable entries do not hide changing orders, nor claim absence",
            target: Target::ChListPage,
            setup: Box::new(|ctx| {
                ctx.server.route(
                    "GET",
                    &api(""),
                    dynamic(|_, hit| {
                        let mut e = entry(1, false);
                        if hit > 0 {
                            e["statusName"] = json!("PacCheckFailed");
                            e["status"] = json!(4);
                        }
                        listing(3, 1, vec![e, json!({"id": null}), json!(42)])
                    }),
                );
                ctx.server.route(
                    "GET",
                    &api(&format!("/port/{}", guid(1))),
                    always(details(1, "07700900123")),
                );
                // The order the listing lacks is read on its own, and that
                // read fails for now: it is neither claimed missing nor
                // allowed to cost the other order its changes.
                ctx.server.route(
                    "GET",
                    &api(&format!("/port/{DETAILS_ID}")),
                    always(Act::Reply(Reply::json(503, &json!({"title": "busy"})))),
                );
            }),
            ids: s(&[guid(1).as_str(), DETAILS_ID]),
            rounds: 2,
            expect: vec![
                exactly("GET", api(""), 2),
                exactly("GET", api(&format!("/port/{}", guid(1))), 1),
                // Two rounds of three attempts.
                exactly("GET", api(&format!("/port/{DETAILS_ID}")), 6),
            ],
            changes: vec![
                format!("{}:None->Submitted", guid(1)),
                // The listing's change is read in full: the details say
                // Complete.
                format!("{}:Some(Submitted)->Complete", guid(1)),
            ],
            errors: vec!["Decode", "Decode", "Timeout"],
            waits: vec![60],
        },
        WatchCase {
            name: "Cellhire: a listing that repeats its page is used, never claims absence",
            target: Target::ChListPage,
            setup: Box::new(|ctx| {
                ctx.server.route(
                    "GET",
                    &api(""),
                    always(listing(0, 0, (1..=50).map(|n| entry(n, false)).collect())),
                );
                ctx.server.route(
                    "GET",
                    &api(&format!("/port/{DETAILS_ID}")),
                    always(Act::Reply(Reply::json(200, &fixture("port_details.json")))),
                );
            }),
            ids: s(&[guid(1).as_str(), DETAILS_ID]),
            rounds: 2,
            // The order the cut listing lacks is read on its own.
            expect: vec![
                exactly("GET", api(""), 4),
                exactly("GET", api(&format!("/port/{DETAILS_ID}")), 1),
            ],
            changes: vec![
                format!("{}:None->Submitted", guid(1)),
                format!("{DETAILS_ID}:None->Complete"),
            ],
            errors: vec!["Incomplete", "Timeout"],
            waits: vec![60],
        },
        WatchCase {
            name: "Cellhire: 429 with Retry-After 999999 on the listing: the next round waits (bounded to 1 h)",
            target: Target::ChListPage,
            setup: Box::new(|ctx| {
                ctx.server.route(
                    "GET",
                    &api(""),
                    dynamic(|_, hit| {
                        if hit == 0 {
                            Act::Reply(
                                Reply::json(429, &json!({"message": "slow down"}))
                                    .header("retry-after", "999999"),
                            )
                        } else {
                            listing(1, 1, vec![entry(1, false)])
                        }
                    }),
                );
            }),
            ids: s(&[guid(1).as_str()]),
            rounds: 2,
            expect: vec![exactly("GET", api(""), 2)],
            changes: vec![format!("{}:None->Submitted", guid(1))],
            errors: vec!["Timeout"],
            waits: vec![3600],
        },
        WatchCase {
            name: "Cellhire: 503 with Retry-After 120 on the listing: the next round waits 120 s",
            target: Target::ChListPage,
            setup: Box::new(|ctx| {
                ctx.server.route(
                    "GET",
                    &api(""),
                    dynamic(|_, hit| {
                        if hit == 0 {
                            Act::Reply(
                                Reply::json(503, &json!({"message": "maintenance"}))
                                    .header("retry-after", "120"),
                            )
                        } else {
                            listing(1, 1, vec![entry(1, false)])
                        }
                    }),
                );
            }),
            ids: s(&[guid(1).as_str()]),
            rounds: 2,
            expect: vec![exactly("GET", api(""), 2)],
            changes: vec![format!("{}:None->Submitted", guid(1))],
            errors: vec!["Timeout"],
            waits: vec![120],
        },
    ];
    cases.into_iter().map(watch_row).collect()
}
