//! The `numport` binary, driven as a user would, against sandboxes started
//! in this test process (their variables passed to each child).

#[path = "cli/support.rs"]
mod support;

use std::collections::{BTreeMap, BTreeSet};
use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::Stdio;
use std::time::{Duration, Instant};

use numport::sandbox::{ApeironSandbox, CellhireSandbox, INumberingSandbox};
use numport::{PortProvider, PortRequest};
use support::*;

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/cli")
        .join(name)
}

/// The checkout's root: the library package, whose README documents the
/// command line.
fn workspace_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// 500 rows: 499 merged into five ports, one refused (stock records); each
/// row's outcome matches the port the sandbox holds its number on.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn five_hundred_rows_each_get_their_own_outcome() {
    let sandbox = CellhireSandbox::start().await.unwrap();
    let dir = TempDir::new("500");
    let mut rows = uk_rows(100, 499, "Acme fleet 500");
    rows.push(CellhireRow {
        number: "+447700900999".into(),
        sim: uk_iccid(9999),
        pac: pac(999),
        port_name: "Acme stock check".into(),
    });
    let input = dir.join("requests.csv");
    std::fs::write(&input, cellhire_csv(&rows)).unwrap();
    let out = dir.join("results.csv");
    let submit = run(numport(&cellhire_env(&sandbox))
        .args(["submit", "--carrier", "cellhire", "--json", "--out"])
        .arg(&out)
        .arg(&input))
    .expect(1);

    let summary = submit.json();
    assert_eq!(
        summary["counts"],
        serde_json::json!({"submitted": 499, "failed": 1})
    );
    assert_eq!(summary["rows"].as_array().unwrap().len(), 500);
    let ports = ports(&sandbox).await;
    let sizes: Vec<usize> = ports.values().map(Vec::len).collect();
    assert_eq!(sizes.iter().sum::<usize>(), 499);
    assert_eq!(ports.len(), 5, "ports of at most 100 rows: {sizes:?}");
    assert_eq!(creates(&sandbox), 6, "five ports and one refused create");
    let port_of: BTreeMap<&str, &str> = ports
        .iter()
        .flat_map(|(id, numbers)| numbers.iter().map(move |n| (n.as_str(), id.as_str())))
        .collect();
    let last = last_records(&out);
    assert_eq!(last.len(), 500);
    for (i, row) in rows.iter().enumerate() {
        let record = &last[&(i as u64 + 2)];
        assert_eq!(record["number"], row.number);
        if row.number == "+447700900999" {
            assert_eq!(record["outcome"], "failed");
            assert!(record["error"].contains("stock records"), "{record:?}");
            assert!(!port_of.contains_key(row.number.as_str()));
        } else {
            assert_eq!(record["outcome"], "submitted", "{record:?}");
            assert_eq!(record["order_id"], port_of[row.number.as_str()]);
        }
    }
    // Every row has exactly one pending record, written before its outcome.
    let pending = results(&out)
        .iter()
        .filter(|r| r["outcome"] == "pending")
        .count();
    assert_eq!(pending, 500);
    let secrets: Vec<&str> = rows.iter().map(|r| r.pac.as_str()).collect();
    assert_no_secrets(&[&submit], &secrets);
}

/// Bad rows are reported by line and column, and nothing at all is sent.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_rows_are_refused_with_lines_and_columns() {
    let sandbox = CellhireSandbox::start().await.unwrap();
    let dir = TempDir::new("bad");
    let input = fixture("bad_rows.csv");
    let out = dir.join("results.csv");
    let refused = run(numport(&cellhire_env(&sandbox))
        .args(["submit", "--carrier", "cellhire", "--out"])
        .arg(&out)
        .arg(&input))
    .expect(2);
    let at = input.display();
    let expected = [
        format!("{at}: line 3: number: must have 8 to 15 digits with its country code"),
        format!("{at}: line 4: sim: has an invalid Luhn check digit"),
        format!("{at}: line 5: pac: is missing: Cellhire needs the PAC"),
        format!("{at}: line 6: pac: may hold only letters and digits"),
        format!("{at}: line 6: target_network_id: \"x\" is not a whole number"),
        format!(
            "{at}: line 6: provisioning_order: is missing, and so is provisioning_order_name: Cellhire needs one"
        ),
        format!("{at}: line 7: number: +447700900301 is also on line 2: a number is ported once"),
        "numport: error: 5 of 6 rows are invalid; nothing was sent (fix them, or pass \
         --skip-invalid to send the valid rows)"
            .to_owned(),
    ];
    let lines: Vec<&str> = refused.stderr.lines().collect();
    assert_eq!(lines, expected);
    assert_eq!(refused.stdout, "");
    assert!(sandbox.api_requests().is_empty());
    assert_eq!(sandbox.token_grants(), 0);
    assert!(!out.exists(), "no results file for a refused input");
    assert_no_secrets(
        &[&refused],
        &["KQM482913", "RTN551204", "BTX600417", "HPL239871", "AB-12"],
    );

    // With --skip-invalid the one good row goes, the others are recorded.
    let skipped = run(numport(&cellhire_env(&sandbox))
        .args([
            "submit",
            "--carrier",
            "cellhire",
            "--skip-invalid",
            "--json",
            "--out",
        ])
        .arg(&out)
        .arg(&input))
    .expect(1);
    assert_eq!(
        skipped.json()["counts"],
        serde_json::json!({"invalid": 5, "submitted": 1})
    );
    assert_eq!(creates(&sandbox), 1);
    let last = last_records(&out);
    let outcomes: Vec<(u64, &str)> = last
        .iter()
        .map(|(k, v)| (*k, v["outcome"].as_str()))
        .collect();
    assert_eq!(
        outcomes,
        vec![
            (2, "submitted"),
            (3, "invalid"),
            (4, "invalid"),
            (5, "invalid"),
            (6, "invalid"),
            (7, "invalid")
        ]
    );
    assert_no_secrets(&[&skipped], &["KQM482913", "HPL239871", "AB-12"]);
}

/// A run killed for real (SIGKILL) in the middle of a batch, then resumed:
/// the rows of the batch in flight are `pending`, the carrier is asked about
/// them, and every number ends up booked exactly once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_killed_run_resumes_without_booking_twice() {
    let sandbox = CellhireSandbox::start().await.unwrap();
    let dir = TempDir::new("kill");
    // One port per row (its own name), created one after the other, so that
    // a batch stays in flight long enough to be killed in the middle.
    let mut rows = uk_rows(100, 200, "");
    for (i, row) in rows.iter_mut().enumerate() {
        row.port_name = format!("Acme subscriber {i:03}");
    }
    let input = dir.join("requests.csv");
    std::fs::write(&input, cellhire_csv(&rows)).unwrap();
    let out = dir.join("results.csv");
    let mut child = numport(&cellhire_env(&sandbox))
        .args([
            "submit",
            "--carrier",
            "cellhire",
            "--batch-size",
            "20",
            "--concurrency",
            "1",
        ])
        .args(["--pause", "50ms", "--out"])
        .arg(&out)
        .arg(&input)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let text = std::fs::read_to_string(&out).unwrap_or_default();
        let pending = text.matches(",pending,").count();
        let done = text.matches(",submitted,").count();
        // Two batches done, and most of the third still waiting for its answer.
        if done >= 40 && pending >= done + 10 {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "never caught a batch in flight:\n{text}"
        );
        std::thread::sleep(Duration::from_millis(1));
    }
    std::thread::sleep(Duration::from_millis(15));
    child.kill().unwrap();
    assert!(!child.wait().unwrap().success());
    let before = last_records(&out);
    let in_flight = before
        .values()
        .filter(|r| r["outcome"] == "pending")
        .count();
    assert!(
        (1..=20).contains(&in_flight),
        "{in_flight} rows in flight at the kill"
    );
    let created_before = creates(&sandbox);

    let resumed = run(numport(&cellhire_env(&sandbox))
        .args(["submit", "--carrier", "cellhire", "--json", "--resume"])
        .arg(&out)
        .arg(&input))
    .expect(0);
    let summary = resumed.json();
    assert_eq!(summary["counts"], serde_json::json!({"submitted": 200}));
    let reconciled = summary["rows"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| {
            r["note"]
                .as_str()
                .is_some_and(|n| n.starts_with("reconciled"))
        })
        .count();
    let sent_in_flight = created_before - (before.len() - in_flight);
    eprintln!(
        "in flight {in_flight}, created before the kill {sent_in_flight}, reconciled {reconciled}"
    );
    assert_eq!(
        reconciled, sent_in_flight,
        "the rows created before the kill are found"
    );
    let ports = ports(&sandbox).await;
    let mut booked: BTreeMap<&str, usize> = BTreeMap::new();
    for numbers in ports.values() {
        for n in numbers {
            *booked.entry(n.as_str()).or_default() += 1;
        }
    }
    assert_eq!(booked.len(), 200);
    assert!(
        booked.values().all(|&n| n == 1),
        "a number booked twice: {booked:?}"
    );
    assert_eq!(ports.len(), 200);
    assert_eq!(creates(&sandbox), 200, "no create was repeated");
    let last = last_records(&out);
    for (i, row) in rows.iter().enumerate() {
        let record = &last[&(i as u64 + 2)];
        assert_eq!(record["outcome"], "submitted");
        assert_eq!(ports[&record["order_id"]], vec![row.number.clone()]);
    }
    for (row, record) in before.iter().filter(|(_, r)| r["outcome"] == "submitted") {
        assert_eq!(
            last[row]["order_id"], record["order_id"],
            "row {row} kept its order"
        );
    }
}

/// `pending` and `unknown` rows are reconciled: the ones the carrier holds
/// are recorded with the order found, the others are sent.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn resume_reconciles_rows_whose_outcome_is_unknown() {
    let sandbox = CellhireSandbox::start().await.unwrap();
    let dir = TempDir::new("reconcile");
    let rows = uk_rows(700, 4, "Acme reconcile");
    let input = dir.join("requests.csv");
    std::fs::write(&input, cellhire_csv(&rows)).unwrap();
    // The batch of rows 2 and 3 reached Cellhire, then the process died.
    let client = cellhire_client(&sandbox);
    let requests: Vec<PortRequest> = rows[..2].iter().map(request_of).collect();
    let created = client
        .submit_many(&requests, &Default::default())
        .await
        .into_iter()
        .map(|r| r.unwrap().first_id().unwrap().to_string())
        .collect::<BTreeSet<_>>();
    assert_eq!(created.len(), 1);
    let found = created.into_iter().next().unwrap();
    let attempted = (chrono::Utc::now() - chrono::TimeDelta::minutes(1)).to_rfc3339();
    let journal = format!(
        "row,number,outcome,order_id,carrier_status,error,note,carrier,attempted_at,recorded_at\n\
         2,{n2},pending,,,,,cellhire,{attempted},{attempted}\n\
         3,{n3},pending,,,,,cellhire,{attempted},{attempted}\n\
         4,{n4},pending,,,,,cellhire,{attempted},{attempted}\n\
         3,{n3},unknown,,,Cellhire: timed out during submit,,cellhire,{attempted},{attempted}\n",
        n2 = rows[0].number,
        n3 = rows[1].number,
        n4 = rows[2].number,
    );
    let out = dir.join("results.csv");
    std::fs::write(&out, journal).unwrap();
    let resumed = run(numport(&cellhire_env(&sandbox))
        .args(["submit", "--carrier", "cellhire", "--json", "--resume"])
        .arg(&out)
        .arg(&input))
    .expect(0);
    let rows_out = resumed.json()["rows"].as_array().unwrap().clone();
    // A results file written before keys existed keeps its columns; every
    // row, reconciled or sent, is named with its key in the summary.
    let text = std::fs::read_to_string(&out).unwrap();
    assert!(!text.lines().next().unwrap().contains("idempotency_key"));
    assert!(
        rows_out.iter().all(|r| r["idempotency_key"]
            .as_str()
            .is_some_and(|k| k.starts_with("numport-row-"))),
        "{rows_out:?}"
    );
    let order = |i: usize| rows_out[i]["order_id"].as_str().unwrap().to_owned();
    assert_eq!(order(0), found);
    assert_eq!(order(1), found);
    assert!(
        rows_out[0]["note"]
            .as_str()
            .unwrap()
            .starts_with("reconciled")
    );
    assert_ne!(order(2), found);
    assert_eq!(order(2), order(3), "rows 4 and 5 sent together");
    assert_eq!(
        creates(&sandbox),
        2,
        "one create by the dead run, one by the resumed run"
    );
    let ports = ports(&sandbox).await;
    assert_eq!(
        ports[&found],
        vec![rows[0].number.clone(), rows[1].number.clone()]
    );
    assert_eq!(
        ports[&order(2)],
        vec![rows[2].number.clone(), rows[3].number.clone()]
    );
}

/// The request the binary builds for a row (same name and networks).
fn request_of(row: &CellhireRow) -> PortRequest {
    use numport::carrier::cellhire::CellhireOptions;
    use numport::{Iccid, Pac, PhoneNumber, PortLine};
    PortRequest::new(vec![
        PortLine::new(PhoneNumber::parse(&row.number).unwrap())
            .with_sim(Iccid::parse(&row.sim).unwrap())
            .with_pac(Pac::new(row.pac.as_str()).unwrap()),
    ])
    .with_cellhire(CellhireOptions::new(&row.port_name, 1, 5, 102344).with_provisioning_order(3630))
}

/// Apeiron cannot be asked about a pending row: it is never resent, it is
/// reported for a manual check, and the run exits 1. JSON lines in.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn apeiron_pending_rows_need_a_manual_check() {
    let sandbox = ApeironSandbox::start().await.unwrap();
    let dir = TempDir::new("apeiron");
    let out = dir.join("results.jsonl");
    let attempted = chrono::Utc::now().to_rfc3339();
    let pending = serde_json::json!({
        "row": 1, "number": "+12125550134", "outcome": "pending", "order_id": null,
        "carrier_status": null, "error": null, "note": null, "carrier": "apeiron",
        "attempted_at": attempted, "recorded_at": attempted,
    });
    std::fs::write(&out, format!("{pending}\n")).unwrap();
    let submit = || {
        run(numport(&apeiron_env(&sandbox))
            .args(["submit", "--carrier", "apeiron", "--resume"])
            .arg(&out)
            .arg(fixture("us_rows.jsonl")))
    };
    let first = submit().expect(1);
    assert_eq!(sandbox.requests(), 2, "rows 2 and 3 only");
    assert!(
        first.stdout.contains(
            "1    +12125550134  manual_check  Apeiron cannot be asked whether the order exists; \
             check +12125550134 with Apeiron before submitting it again"
        ),
        "{}",
        first.stdout
    );
    assert!(
        first.stdout.contains("3 Apeiron rows in"),
        "{}",
        first.stdout
    );
    let records: Vec<serde_json::Value> = std::fs::read_to_string(&out)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let last_of = |row: u64| records.iter().rev().find(|r| r["row"] == row).unwrap();
    assert_eq!(last_of(1)["outcome"], "manual_check");
    assert_eq!(last_of(2)["outcome"], "submitted");
    assert_eq!(last_of(2)["carrier_status"], "pending");
    assert_eq!(last_of(3)["outcome"], "submitted");
    // Resuming again sends nothing: the row still waits for a person.
    let second = submit().expect(1);
    assert_eq!(sandbox.requests(), 2);
    assert_no_secrets(&[&first, &second], &["778812340", "482193"]);
}

/// iNumbering end to end: submit, watch --from to the end, order, orders,
/// check and pins, all in JSON; one key exchange serves every process.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn inumbering_submit_watch_and_read_back() {
    let sandbox = INumberingSandbox::start().await.unwrap();
    let client = numport::carrier::inumbering::INumberingClient::builder()
        .base_url(sandbox.base_url())
        .username(sandbox.username())
        .password(sandbox.password())
        .build()
        .unwrap();
    client.port_status().await.unwrap();
    let key = client.api_key().await.unwrap().expose().to_owned();
    let mut env = inumbering_env(&sandbox);
    env.push(("INUMBERING_API_KEY".into(), key.clone()));
    let dir = TempDir::new("inumbering");
    let out = dir.join("results.jsonl");
    let submit = run(numport(&env)
        .args(["submit", "--carrier", "inumbering", "--json", "--out"])
        .arg(&out)
        .arg(fixture("us_rows.jsonl")))
    .expect(0);
    let summary = submit.json();
    assert_eq!(summary["counts"], serde_json::json!({"submitted": 2}));
    assert_eq!(summary["other_carriers"], 3);
    // The two orders are placed concurrently: either may be P0001.
    let mut ids: Vec<String> = summary["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["order_id"].as_str().unwrap().to_owned())
        .collect();
    ids.sort();
    assert_eq!(ids, vec!["P0001", "P0002"]);

    let watch = run(numport(&env)
        .args([
            "watch",
            "--json",
            "--interval",
            "20ms",
            "--timeout",
            "20s",
            "--from",
        ])
        .arg(&out))
    .expect(0);
    let changes = watch.json_lines();
    let last = changes.last().unwrap();
    assert_eq!(last["finished"], true);
    assert_eq!(last["counts"], serde_json::json!({"complete": 2}));
    for id in &ids {
        let path: Vec<&str> = changes
            .iter()
            .filter(|c| c["id"] == id.as_str())
            .map(|c| c["to"].as_str().unwrap())
            .collect();
        assert_eq!(path.last(), Some(&"complete"), "{id}: {path:?}");
    }

    let order =
        run(numport(&env).args(["order", "--carrier", "inumbering", "--json", "P0002"])).expect(0);
    let order = order.json();
    assert_eq!(order["id"], "P0002");
    assert_eq!(order["status"], "complete");
    assert_eq!(order["carrier_status"], "Complete");
    let orders = run(numport(&env).args([
        "orders",
        "--carrier",
        "inumbering",
        "--json",
        "--status",
        "complete",
    ]))
    .expect(0);
    let listed: BTreeSet<String> = orders
        .json()
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["id"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(listed, ids.iter().cloned().collect());

    let check = run(numport(&env).args([
        "check",
        "--carrier",
        "inumbering",
        "--json",
        "3125550142",
        "3125550000",
    ]))
    .expect(1);
    assert_eq!(
        check.json(),
        serde_json::json!([
            {"number": "+13125550142", "portable": true, "reason": null},
            {"number": "+13125550000", "portable": false, "reason": "Number is not active with the current provider"},
        ])
    );
    let pins =
        run(numport(&env).args(["pins", "--json", "--set", "3125550102=4826", "3125550101"]))
            .expect(0);
    let assigned = pins.json()["assigned"].clone();
    assert_eq!(assigned.as_array().unwrap().len(), 2);
    assert!(
        assigned
            .as_array()
            .unwrap()
            .iter()
            .all(|a| a["pin"] == "[REDACTED]")
    );
    let table = run(numport(&env).args(["pins", "--set", "3125550103=5931"])).expect(0);
    assert_eq!(
        table.stdout,
        "number        port-out pin\n+13125550103  [REDACTED]\n"
    );
    assert_eq!(sandbox.exchanges(), 1, "every process used the saved key");
    assert_no_secrets(
        &[&submit, &watch, &check, &pins, &table],
        &["5512098734", "773119", "4826", "5931", &key],
    );
}

/// `numport sandbox` in one process, submit and watch in others: the
/// exported variables work across processes, and Ctrl-C stops it with 0.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sandbox_command_serves_other_processes() {
    let mut server = numport(&Vec::new())
        .args(["sandbox", "--tick", "50ms"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut env = Env::new();
    let mut lines = BufReader::new(server.stdout.take().unwrap()).lines();
    while env.len() < 12 {
        let line = lines.next().expect("an export line").unwrap();
        let (name, value) = line
            .strip_prefix("export ")
            .and_then(|l| l.split_once('='))
            .expect("export NAME='value'");
        env.push((name.to_owned(), value.trim_matches('\'').to_owned()));
    }
    let names: Vec<&str> = env.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(
        names[..5],
        [
            "CELLHIRE_BASE_URL",
            "CELLHIRE_AUTH_URL",
            "CELLHIRE_ACCOUNT_ID",
            "CELLHIRE_CLIENT_ID",
            "CELLHIRE_CLIENT_SECRET"
        ]
    );
    assert_eq!(names[11], "INUMBERING_API_KEY");
    let dir = TempDir::new("sandbox-cmd");
    let input = dir.join("requests.csv");
    std::fs::write(&input, cellhire_csv(&uk_rows(500, 3, "Acme cross-process"))).unwrap();
    let out = dir.join("results.csv");
    let submit = run(numport(&env)
        .args(["submit", "--carrier", "cellhire", "--out"])
        .arg(&out)
        .arg(&input))
    .expect(0);
    assert!(
        submit.stdout.starts_with("3 Cellhire rows in"),
        "{}",
        submit.stdout
    );
    let watch = run(numport(&env)
        .args(["watch", "--interval", "50ms", "--timeout", "20s", "--from"])
        .arg(&out))
    .expect(0);
    assert!(
        watch.stdout.ends_with("1 orders: 1 complete\n"),
        "{}",
        watch.stdout
    );
    let key = env[11].1.clone();
    assert_no_secrets(&[&submit, &watch], &[&key]);
    let pid = server.id().to_string();
    assert!(
        std::process::Command::new("kill")
            .args(["-INT", &pid])
            .status()
            .unwrap()
            .success()
    );
    assert_eq!(server.wait().unwrap().code(), Some(0));
}

/// Cellhire amend, order and cancel; a PAC the carrier echoes is masked.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cellhire_amend_order_and_cancel() {
    let sandbox = CellhireSandbox::start().await.unwrap();
    let env = cellhire_env(&sandbox);
    let dir = TempDir::new("amend");
    let mut rows = uk_rows(800, 2, "Acme amend");
    rows[1].pac = "PAC12345".into();
    let input = dir.join("requests.csv");
    std::fs::write(&input, cellhire_csv(&rows)).unwrap();
    let out = dir.join("results.csv");
    run(numport(&env)
        .args(["submit", "--carrier", "cellhire", "--out"])
        .arg(&out)
        .arg(&input))
    .expect(0);
    let id = last_records(&out)[&2]["order_id"].clone();
    sandbox.tick();
    assert_eq!(sandbox.port_status(&id).as_deref(), Some("PacCheckFailed"));
    let order =
        run(numport(&env).args(["order", "--carrier", "cellhire", "--json", &id])).expect(0);
    let view = order.json();
    assert_eq!(view["status"], "action_required");
    assert_eq!(view["lines"][1]["carrier_status"], "PacInvalid");
    assert_eq!(
        view["lines"][1]["message"],
        "PAC check failed: [REDACTED] is not a valid PAC for this number"
    );
    let new_pac = format!("--new-pac={}=RTN551204", rows[1].number);
    let amend =
        run(numport(&env).args(["amend", "--carrier", "cellhire", &id, &new_pac])).expect(0);
    assert_eq!(
        amend.stdout,
        format!("Amended order {id}: 1 new PACs, 0 lines cancelled\n")
    );
    let cancel = run(numport(&env).args(["cancel", "--carrier", "cellhire", &id])).expect(0);
    assert_eq!(cancel.stdout, format!("{id}: cancellation requested\n"));
    assert_eq!(sandbox.port_status(&id).as_deref(), Some("Cancelled"));
    let again =
        run(numport(&env).args(["cancel", "--carrier", "cellhire", &id, "no-such-port"])).expect(1);
    assert!(
        again.stdout.contains("no-such-port: not cancelled"),
        "{}",
        again.stdout
    );
    assert_no_secrets(
        &[&order, &amend, &cancel, &again],
        &["PAC12345", "RTN551204", &rows[0].pac],
    );
}

/// Exit 2 for usage, configuration, input-file errors and operations a
/// carrier lacks; nothing is sent in any of these cases.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn usage_and_configuration_errors_exit_2() {
    let dir = TempDir::new("usage");
    let input = dir.join("requests.csv");
    std::fs::write(&input, cellhire_csv(&uk_rows(900, 2, "Acme usage"))).unwrap();
    let none = Env::new();
    run(numport(&none).args(["submit", "--carrier", "vodafone", "x.csv", "--out", "r.csv"]))
        .expect(2);
    run(numport(&none)
        .args(["submit", "--carrier", "cellhire"])
        .arg(&input))
    .expect(2);
    let unconfigured = run(numport(&none)
        .args(["submit", "--carrier", "cellhire", "--out"])
        .arg(dir.join("r.csv"))
        .arg(&input))
    .expect(2);
    assert!(
        unconfigured
            .stderr
            .contains("Cellhire is not configured: CELLHIRE_ACCOUNT_ID is not set"),
        "{}",
        unconfigured.stderr
    );
    let missing = run(numport(&none)
        .args(["submit", "--carrier", "cellhire", "--out", "r.csv"])
        .arg(dir.join("absent.csv")))
    .expect(2);
    assert!(missing.stderr.contains("cannot read"), "{}", missing.stderr);
    std::fs::write(dir.join("typo.csv"), "numbr,sim\n+447700900123,1\n").unwrap();
    let typo = run(numport(&none)
        .args(["submit", "--carrier", "cellhire", "--out", "r.csv"])
        .arg(dir.join("typo.csv")))
    .expect(2);
    assert!(
        typo.stderr.contains("unknown column \"numbr\""),
        "{}",
        typo.stderr
    );

    let sandbox = CellhireSandbox::start().await.unwrap();
    let env = cellhire_env(&sandbox);
    let out = dir.join("results.csv");
    run(numport(&env)
        .args(["submit", "--carrier", "cellhire", "--out"])
        .arg(&out)
        .arg(&input))
    .expect(0);
    let creates_before = creates(&sandbox);
    let again = run(numport(&env)
        .args(["submit", "--carrier", "cellhire", "--out"])
        .arg(&out)
        .arg(&input))
    .expect(2);
    assert!(
        again.stderr.contains("already holds records"),
        "{}",
        again.stderr
    );
    // A resumed input whose rows changed is refused.
    std::fs::write(&input, cellhire_csv(&uk_rows(901, 2, "Acme usage"))).unwrap();
    let changed = run(numport(&env)
        .args(["submit", "--carrier", "cellhire", "--resume"])
        .arg(&out)
        .arg(&input))
    .expect(2);
    assert!(
        changed.stderr.contains("the input changed"),
        "{}",
        changed.stderr
    );
    run(numport(&env)
        .args(["submit", "--carrier", "apeiron", "--resume"])
        .arg(&out)
        .arg(&input))
    .expect(2);
    assert_eq!(creates(&sandbox), creates_before);
    // Operations a carrier lacks.
    let cancel =
        run(numport(&none).args(["--sandbox", "cancel", "--carrier", "apeiron", "5"])).expect(2);
    assert_eq!(
        cancel.stderr,
        "numport: error: cannot cancel: Apeiron does not support cancel (ask the carrier's support)\n"
    );
    run(numport(&none).args([
        "--sandbox",
        "check",
        "--carrier",
        "cellhire",
        "+447700900123",
    ]))
    .expect(2);
    run(numport(&none).args(["--sandbox", "watch", "--carrier", "apeiron", "5"])).expect(2);
    run(numport(&none).args([
        "--sandbox",
        "pins",
        "--carrier",
        "cellhire",
        "+447700900123",
    ]))
    .expect(2);
    run(numport(&none).args([
        "--sandbox",
        "amend",
        "--carrier",
        "inumbering",
        "P1",
        "--cancel-line",
        "3125550142",
    ]))
    .expect(2);
    let help = run(numport(&none).args(["--help"])).expect(0);
    assert!(help.stdout.contains("Exit codes:\n  0 "), "{}", help.stdout);
}

/// iNumbering's status summary names nothing of a request, so a pending
/// row is never "found": with no order after the attempt it is sent; with
/// orders after it (even when the journal names another row's), it needs
/// a manual check, the candidate orders named, and is never resent.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn inumbering_reconcile_never_guesses_a_pending_row_s_order() {
    let sandbox = INumberingSandbox::start().await.unwrap();
    let env = inumbering_env(&sandbox);
    let dir = TempDir::new("inumbering-reconcile");
    let input = fixture("us_rows.jsonl");
    let attempted = (chrono::Utc::now() - chrono::TimeDelta::minutes(1)).to_rfc3339();
    let record = |row: u64, number: &str, outcome: &str, order: Option<&str>| {
        serde_json::json!({
            "row": row, "number": number, "outcome": outcome, "order_id": order,
            "carrier_status": null, "error": null, "note": null, "carrier": "inumbering",
            "attempted_at": attempted, "recorded_at": attempted,
        })
        .to_string()
    };
    // Both rows pending, and the carrier holds nothing: both are sent.
    let out = dir.join("first.jsonl");
    let journal = [
        record(4, "+13125550142", "pending", None),
        record(5, "+13125550143", "pending", None),
    ];
    std::fs::write(&out, journal.join("\n") + "\n").unwrap();
    let first = run(numport(&env)
        .args(["submit", "--carrier", "inumbering", "--json", "--resume"])
        .arg(&out)
        .arg(&input))
    .expect(0);
    let rows = first.json()["rows"].as_array().unwrap().clone();
    let order_of = |i: usize| rows[i]["order_id"].as_str().unwrap().to_owned();
    let (order4, order5) = (order_of(0), order_of(1));
    assert_eq!(
        BTreeSet::from([order4.as_str(), order5.as_str()]),
        BTreeSet::from(["P0001", "P0002"])
    );
    assert!(
        rows.iter().all(|r| r["note"].is_null()),
        "sent, not reconciled: {rows:?}"
    );

    // Row 4's order is known; row 5 died pending: the order after the
    // attempt may be row 5's, or not; numport cannot tell.
    let out = dir.join("second.jsonl");
    let journal = [
        record(4, "+13125550142", "submitted", Some(&order4)),
        record(5, "+13125550143", "pending", None),
    ];
    std::fs::write(&out, journal.join("\n") + "\n").unwrap();
    let orders_before = inumbering_calls(&sandbox, "/v2.2/account/port");
    let second = run(numport(&env)
        .args(["submit", "--carrier", "inumbering", "--json", "--resume"])
        .arg(&out)
        .arg(&input))
    .expect(1);
    let summary = second.json();
    assert_eq!(
        summary["counts"],
        serde_json::json!({"submitted": 1, "manual_check": 1})
    );
    let row5 = summary["rows"][1].clone();
    assert_eq!(row5["outcome"], "manual_check");
    assert!(row5["order_id"].is_null(), "{row5}");
    let error = row5["error"].as_str().unwrap();
    assert!(
        error.starts_with("cannot tell whether iNumbering holds this row's order: "),
        "{error}"
    );
    assert!(
        error.contains("candidate orders: P000"),
        "the orders are named: {error}"
    );
    assert!(
        error.ends_with("; check +13125550143 with iNumbering before submitting it again"),
        "{error}"
    );
    assert_eq!(
        inumbering_calls(&sandbox, "/v2.2/account/port"),
        orders_before,
        "nothing sent"
    );
    // Resuming again leaves it to the person.
    run(numport(&env)
        .args(["submit", "--carrier", "inumbering", "--resume"])
        .arg(&out)
        .arg(&input))
    .expect(1);
    assert_eq!(sandbox.orders().len(), 2, "nothing sent twice");
}

/// Runs `numport submit` with `args`, waits until at least `done` rows are
/// submitted and at least ten more are `pending` (a batch in flight), and
/// kills it for real (SIGKILL). Returns the last record of each row then.
fn submit_and_kill(
    env: &Env,
    args: &[&str],
    out: &std::path::Path,
    done: usize,
) -> BTreeMap<u64, BTreeMap<String, String>> {
    let mut child = numport(env)
        .args(args)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let text = std::fs::read_to_string(out).unwrap_or_default();
        // The outcome is the third column (Apeiron's carrier status is
        // "pending" too).
        let outcome = |name: &str| {
            text.lines()
                .filter(|l| l.split(',').nth(2) == Some(name))
                .count()
        };
        let (pending, submitted) = (outcome("pending"), outcome("submitted"));
        if submitted >= done && pending >= submitted + 10 {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "never caught a batch in flight:\n{text}"
        );
        std::thread::sleep(Duration::from_millis(1));
    }
    std::thread::sleep(Duration::from_millis(15));
    child.kill().unwrap();
    assert!(!child.wait().unwrap().success());
    last_records(out)
}

/// The rows of a killed and resumed run, checked against what the carrier
/// received: every row is `submitted` on an order the carrier holds for its
/// number and for nothing else, or `manual_check` (a row of the batch in
/// flight, never resent); no number was ordered twice; every create is
/// accounted for. `ordered` maps each order id the carrier holds to its
/// numbers (E.164).
fn check_killed_run(
    rows: &[String],
    before: &BTreeMap<u64, BTreeMap<String, String>>,
    after: &BTreeMap<u64, BTreeMap<String, String>>,
    ordered: &[(String, Vec<String>)],
    first_line: u64,
) {
    let in_flight: BTreeSet<u64> = before
        .iter()
        .filter(|(_, r)| r["outcome"] == "pending")
        .map(|(row, _)| *row)
        .collect();
    assert!(!in_flight.is_empty(), "a batch was in flight");
    let mut times: BTreeMap<&str, usize> = BTreeMap::new();
    for (_, numbers) in ordered {
        for n in numbers {
            *times.entry(n.as_str()).or_default() += 1;
        }
    }
    assert!(
        times.values().all(|&n| n == 1),
        "a number ordered twice: {times:?}"
    );
    let order_of: BTreeMap<&str, &[String]> = ordered
        .iter()
        .map(|(id, numbers)| (id.as_str(), numbers.as_slice()))
        .collect();
    let mut reached_in_flight = 0;
    for (i, number) in rows.iter().enumerate() {
        let line = first_line + i as u64;
        let record = &after[&line];
        assert_eq!(&record["number"], number);
        if in_flight.contains(&line) {
            assert_eq!(record["outcome"], "manual_check", "{record:?}");
            assert!(
                record["error"].contains("cannot tell")
                    || record["error"].contains("cannot be asked"),
                "{record:?}"
            );
            assert_eq!(record["order_id"], "");
            reached_in_flight += times.get(number.as_str()).copied().unwrap_or(0);
        } else {
            assert_eq!(record["outcome"], "submitted", "{record:?}");
            assert_eq!(
                order_of.get(record["order_id"].as_str()).copied(),
                Some(std::slice::from_ref(number)),
                "row {line}'s order holds its number and nothing else"
            );
        }
    }
    let submitted = rows.len() - in_flight.len();
    assert_eq!(
        ordered.len(),
        submitted + reached_in_flight,
        "every create is a submitted row or a row left for a manual check"
    );
    eprintln!(
        "{} rows: {} in flight at the kill ({} of them reached the carrier), {} submitted",
        rows.len(),
        in_flight.len(),
        reached_in_flight,
        submitted
    );
}

/// iNumbering customer orders killed mid-batch and resumed: the rows of
/// the batch in flight are left for a manual check with the candidate
/// orders named (the carrier's summary cannot tell whose an order is), the
/// rows never sent are sent, and nothing is ordered twice.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn inumbering_killed_run_resumes_without_losing_or_doubling_a_row() {
    let sandbox = INumberingSandbox::start().await.unwrap();
    let env = inumbering_env(&sandbox);
    let dir = TempDir::new("kill-inumbering");
    let numbers: Vec<String> = (0..200).map(|i| format!("312555{:04}", 2000 + i)).collect();
    let lines: Vec<String> = numbers
        .iter()
        .map(|n| us_row("inumbering", n, 0, serde_json::json!({})))
        .collect();
    let input = dir.join("requests.jsonl");
    std::fs::write(&input, lines.join("\n") + "\n").unwrap();
    let out = dir.join("results.csv");
    let mut args = vec!["submit", "--carrier", "inumbering", "--batch-size", "40"];
    args.extend(["--concurrency", "1", "--pause", "50ms", "--out"]);
    let (out_s, input_s) = (out.display().to_string(), input.display().to_string());
    args.extend([out_s.as_str(), input_s.as_str()]);
    let before = submit_and_kill(&env, &args, &out, 80);
    let created_before = inumbering_calls(&sandbox, "/v2.2/account/port");

    let resumed = run(numport(&env)
        .args(["submit", "--carrier", "inumbering", "--json", "--resume"])
        .arg(&out)
        .arg(&input))
    .expect(1);
    let never_sent = numbers.len() - before.len();
    assert_eq!(
        inumbering_calls(&sandbox, "/v2.2/account/port"),
        created_before + never_sent,
        "the resumed run sent only the rows never sent"
    );
    let e164: Vec<String> = numbers.iter().map(|n| format!("+1{n}")).collect();
    let ordered: Vec<(String, Vec<String>)> = sandbox
        .orders()
        .into_iter()
        .map(|(pid, ns)| (pid, ns.iter().map(|n| format!("+1{n}")).collect()))
        .collect();
    check_killed_run(&e164, &before, &last_records(&out), &ordered, 1);
    let manual = resumed.json()["counts"]["manual_check"].as_u64().unwrap();
    assert!(manual >= 10, "{}", resumed.stdout);
    // No row's order names every order of the account.
    for record in last_records(&out).values() {
        assert!(!record["order_id"].contains(';'), "{record:?}");
        assert!(
            record["error"].matches("P0").count() <= 10,
            "candidates are named, bounded: {record:?}"
        );
    }
    assert_no_secrets(&[&resumed], &["5512098734", "773119"]);
}

/// iNumbering admin orders killed mid-batch and resumed: as customer
/// orders, and each submitted row holds the status record (`pid`) its
/// `orderId` created.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn inumbering_admin_killed_run_resumes_without_losing_or_doubling_a_row() {
    let sandbox = INumberingSandbox::start().await.unwrap();
    let mut env = inumbering_env(&sandbox);
    env.push((
        "INUMBERING_USERNAME".into(),
        sandbox.admin_username().to_string(),
    ));
    env.push(("INUMBERING_ADMIN".into(), "1".into()));
    let dir = TempDir::new("kill-admin");
    let date = (chrono::Utc::now().date_naive() + chrono::Days::new(30)).to_string();
    let numbers: Vec<String> = (0..160).map(|i| format!("312555{:04}", 3000 + i)).collect();
    let lines: Vec<String> = numbers
        .iter()
        .map(|n| {
            us_row(
                "inumbering",
                n,
                0,
                serde_json::json!({"desired_date": date}),
            )
        })
        .collect();
    let input = dir.join("requests.jsonl");
    std::fs::write(&input, lines.join("\n") + "\n").unwrap();
    let out = dir.join("results.csv");
    let (out_s, input_s) = (out.display().to_string(), input.display().to_string());
    let args = [
        "submit",
        "--carrier",
        "inumbering",
        "--batch-size",
        "40",
        "--concurrency",
        "8",
        "--out",
        &out_s,
        &input_s,
    ];
    let before = submit_and_kill(&env, &args, &out, 50);
    let created_before = inumbering_calls(&sandbox, "/v2/iNumbering/portInOrder/");

    run(numport(&env)
        .args(["submit", "--carrier", "inumbering", "--resume"])
        .arg(&out)
        .arg(&input))
    .expect(1);
    let never_sent = numbers.len() - before.len();
    assert_eq!(
        inumbering_calls(&sandbox, "/v2/iNumbering/portInOrder/"),
        created_before + never_sent
    );
    let e164: Vec<String> = numbers.iter().map(|n| format!("+1{n}")).collect();
    let ordered: Vec<(String, Vec<String>)> = sandbox
        .orders()
        .into_iter()
        .map(|(pid, ns)| (pid, ns.iter().map(|n| format!("+1{n}")).collect()))
        .collect();
    let after = last_records(&out);
    check_killed_run(&e164, &before, &after, &ordered, 1);
    for record in after.values().filter(|r| r["outcome"] == "submitted") {
        let note = &record["note"];
        let order_id: u64 = note
            .strip_prefix("iNumbering orderId ")
            .and_then(|n| n.split(' ').next())
            .and_then(|n| n.parse().ok())
            .unwrap_or_else(|| panic!("the orderId is noted: {record:?}"));
        assert_eq!(
            sandbox.pid_of_order(order_id).as_deref(),
            Some(record["order_id"].as_str()),
            "{record:?}"
        );
    }
}

/// Apeiron orders killed mid-batch and resumed: Apeiron cannot be asked,
/// so the rows in flight wait for a manual check; the others are sent once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn apeiron_killed_run_resumes_without_losing_or_doubling_a_row() {
    let sandbox = ApeironSandbox::start().await.unwrap();
    let env = apeiron_env(&sandbox);
    let dir = TempDir::new("kill-apeiron");
    let numbers: Vec<String> = (0..200).map(|i| format!("212555{:04}", 2000 + i)).collect();
    let lines: Vec<String> = numbers
        .iter()
        .enumerate()
        .map(|(i, n)| us_row("apeiron", n, 1000 + i as u32, serde_json::json!({})))
        .collect();
    let input = dir.join("requests.jsonl");
    std::fs::write(&input, lines.join("\n") + "\n").unwrap();
    let out = dir.join("results.csv");
    let (out_s, input_s) = (out.display().to_string(), input.display().to_string());
    let args = [
        "submit",
        "--carrier",
        "apeiron",
        "--batch-size",
        "40",
        "--concurrency",
        "1",
        "--pause",
        "50ms",
        "--out",
        &out_s,
        &input_s,
    ];
    let before = submit_and_kill(&env, &args, &out, 80);
    let created_before = sandbox.requests();
    let resumed = run(numport(&env)
        .args(["submit", "--carrier", "apeiron", "--resume"])
        .arg(&out)
        .arg(&input))
    .expect(1);
    assert_eq!(
        sandbox.requests(),
        created_before + numbers.len() - before.len()
    );
    let e164: Vec<String> = numbers.iter().map(|n| format!("+1{n}")).collect();
    let ordered: Vec<(String, Vec<String>)> = sandbox
        .accepted_orders()
        .into_iter()
        .map(|(id, mdn)| (id, vec![format!("+1{mdn}")]))
        .collect();
    check_killed_run(&e164, &before, &last_records(&out), &ordered, 1);
    assert_no_secrets(&[&resumed], &["5512098734", "773119"]);
}

/// Eight `numport orders` in a row spend one iNumbering key exchange (six
/// are allowed an hour): the key is kept in the state file, which only its
/// owner can read, sealed when a sealing key is set.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_inumbering_key_is_kept_between_runs_in_a_private_state_file() {
    use std::os::unix::fs::PermissionsExt;
    let sandbox = INumberingSandbox::start().await.unwrap();
    let dir = TempDir::new("state");
    let state = dir.join("state");
    let mut env = inumbering_env(&sandbox);
    env.push(("NUMPORT_STATE_DIR".into(), state.display().to_string()));
    for i in 0..8 {
        let orders = run(numport(&env).args(["orders", "--carrier", "inumbering", "--json"]));
        assert_eq!(orders.code, 0, "run {i}: {}", orders.stderr);
    }
    assert_eq!(sandbox.exchanges(), 1, "one exchange for eight runs");
    let file = state.join("store.json");
    let mode = |p: &std::path::Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&file), 0o600);
    assert_eq!(mode(&state), 0o700);
    let client = numport::carrier::inumbering::INumberingClient::builder()
        .base_url(sandbox.base_url())
        .username(sandbox.username())
        .password(sandbox.password())
        .build()
        .unwrap();
    client.port_status().await.unwrap();
    let key = client.api_key().await.unwrap().expose().to_owned();
    let text = std::fs::read_to_string(&file).unwrap();
    assert!(
        !text.contains(&key),
        "the key is stored encoded, not as text"
    );

    // Sealed: the file holds nothing that opens without the sealing key.
    let sealed_state = dir.join("sealed");
    let mut sealed = inumbering_env(&sandbox);
    sealed.push((
        "NUMPORT_STATE_DIR".into(),
        sealed_state.display().to_string(),
    ));
    sealed.push((
        "NUMPORT_REDIS_SEALING_KEY".into(),
        "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=".into(),
    ));
    let exchanges = sandbox.exchanges();
    for _ in 0..3 {
        run(numport(&sealed).args(["orders", "--carrier", "inumbering"])).expect(0);
    }
    assert_eq!(sandbox.exchanges(), exchanges + 1);
    let plain = std::fs::read_to_string(&file).unwrap();
    let encoded: serde_json::Value = serde_json::from_str(&plain).unwrap();
    let decode = |v: &serde_json::Value| {
        use base64::Engine as _;
        base64::engine::general_purpose::STANDARD
            .decode(v["value"].as_str().unwrap())
            .unwrap()
    };
    let values = |doc: &serde_json::Value| -> Vec<Vec<u8>> {
        doc["values"]
            .as_object()
            .unwrap()
            .iter()
            .filter(|(k, _)| k.ends_with(":apikey"))
            .map(|(_, v)| decode(v))
            .collect()
    };
    assert_eq!(values(&encoded), vec![key.as_bytes().to_vec()]);
    let sealed_doc: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(sealed_state.join("store.json")).unwrap())
            .unwrap();
    let sealed_values = values(&sealed_doc);
    assert_eq!(sealed_values.len(), 1);
    assert!(
        !sealed_values[0]
            .windows(key.len())
            .any(|w| w == key.as_bytes()),
        "sealed"
    );
    // A bad sealing key is a configuration error: nothing is sent.
    let mut bad = sealed.clone();
    bad.push(("NUMPORT_REDIS_SEALING_KEY".into(), "c2hvcnQ=".into()));
    let refused = run(numport(&bad).args(["orders", "--carrier", "inumbering"])).expect(2);
    assert!(
        refused.stderr.contains("NUMPORT_REDIS_SEALING_KEY"),
        "{}",
        refused.stderr
    );
}

// The library's Redis test server (its tests/fleet.rs and tests/store_redis.rs
// start theirs with it too).
#[path = "../../tests/support/redis_server.rs"]
mod redis_server;

#[path = "cli/relay.rs"]
mod relay;

#[path = "cli/follow.rs"]
mod follow;

/// With `NUMPORT_REDIS_URL`, processes share the key through Redis.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_inumbering_key_is_shared_through_redis() {
    let redis = redis_server::RedisServer::start();
    let sandbox = INumberingSandbox::start().await.unwrap();
    let dir = TempDir::new("redis-state");
    let mut env = inumbering_env(&sandbox);
    env.push(("NUMPORT_REDIS_URL".into(), redis.url()));
    env.push((
        "NUMPORT_STATE_DIR".into(),
        dir.join("unused").display().to_string(),
    ));
    for _ in 0..8 {
        run(numport(&env).args(["orders", "--carrier", "inumbering"])).expect(0);
    }
    assert_eq!(sandbox.exchanges(), 1);
    assert!(!dir.join("unused").exists(), "Redis, not the file");
}

/// Two machines submitting copies of one file at once against one Redis:
/// each row is claimed under its idempotency key (the same on both, from
/// the row's content), so each number is booked once and both results
/// files name the same orders. A third copy (another path, its rows in
/// another order, CRLF line ends) books nothing more; without Redis the
/// rows are merged into one port as before, with the same keys.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_machines_submitting_one_file_book_each_number_once() {
    let redis = redis_server::RedisServer::start();
    let sandbox = CellhireSandbox::start().await.unwrap();
    let dir = TempDir::new("two-machines");
    let rows = uk_rows(820, 6, "Acme shared fleet");
    let text = cellhire_csv(&rows);
    let mut env = cellhire_env(&sandbox);
    env.push(("NUMPORT_REDIS_URL".into(), redis.url()));
    let machines = ["a", "b"];
    for m in machines {
        std::fs::create_dir_all(dir.join(m)).unwrap();
        std::fs::write(dir.join(m).join("requests.csv"), &text).unwrap();
    }
    let children: Vec<_> = machines
        .iter()
        .map(|m| {
            numport(&env)
                .args(["submit", "--carrier", "cellhire", "--out"])
                .arg(dir.join(m).join("results.csv"))
                .arg(dir.join(m).join("requests.csv"))
                .spawn_quiet()
        })
        .collect();
    all_succeed(children);
    assert_eq!(
        creates(&sandbox),
        6,
        "one create per row, by either machine"
    );
    let ports = ports(&sandbox).await;
    assert_eq!(ports.len(), 6);
    let booked: Vec<String> = ports.values().flatten().cloned().collect();
    let numbers: BTreeSet<String> = rows.iter().map(|r| r.number.clone()).collect();
    assert_eq!(booked.len(), 6, "{ports:?}");
    assert_eq!(booked.iter().cloned().collect::<BTreeSet<_>>(), numbers);
    // number → (order, key), from a results file.
    let orders_of = |path: &std::path::Path| -> BTreeMap<String, (String, String)> {
        last_records(path)
            .into_values()
            .map(|r| {
                assert_eq!(r["outcome"], "submitted", "{r:?}");
                assert_eq!(ports[&r["order_id"]], vec![r["number"].clone()]);
                (
                    r["number"].clone(),
                    (r["order_id"].clone(), r["idempotency_key"].clone()),
                )
            })
            .collect()
    };
    let a = orders_of(&dir.join("a").join("results.csv"));
    let b = orders_of(&dir.join("b").join("results.csv"));
    assert_eq!(a.len(), 6);
    assert_eq!(a, b, "both machines name the same orders and keys");
    let keys: BTreeSet<&str> = a.values().map(|(_, k)| k.as_str()).collect();
    assert_eq!(keys.len(), 6);
    assert!(
        keys.iter()
            .all(|k| k.len() == 44 && k.starts_with("numport-row-")),
        "{keys:?}"
    );
    // No PAC in a results file, not even through the key.
    let journal = std::fs::read_to_string(dir.join("a").join("results.csv")).unwrap();
    for row in &rows {
        assert!(!journal.contains(&row.pac));
    }

    // A third machine, later, its copy reordered and with CRLF line ends:
    // every row is answered from Redis, nothing is sent.
    let mut lines: Vec<&str> = text.lines().collect();
    lines[1..].reverse();
    let c_input = dir.join("c-requests.csv");
    std::fs::write(&c_input, lines.join("\r\n") + "\r\n").unwrap();
    let c_out = dir.join("c-results.csv");
    run(numport(&env)
        .args(["submit", "--carrier", "cellhire", "--out"])
        .arg(&c_out)
        .arg(&c_input))
    .expect(0);
    assert_eq!(creates(&sandbox), 6, "nothing sent again");
    assert_eq!(orders_of(&c_out), a);

    // Resuming a finished run sends nothing either.
    run(numport(&env)
        .args(["submit", "--carrier", "cellhire", "--resume"])
        .arg(dir.join("a").join("results.csv"))
        .arg(dir.join("a").join("requests.csv")))
    .expect(0);
    assert_eq!(creates(&sandbox), 6);

    // Without Redis (the state file): merged into one port as before, the
    // same keys in the results file.
    let alone = CellhireSandbox::start().await.unwrap();
    let out = dir.join("alone.csv");
    run(numport(&cellhire_env(&alone))
        .args(["submit", "--carrier", "cellhire", "--out"])
        .arg(&out)
        .arg(dir.join("a").join("requests.csv")))
    .expect(0);
    assert_eq!(creates(&alone), 1);
    let last = last_records(&out);
    let merged: BTreeSet<&str> = last.values().map(|r| r["order_id"].as_str()).collect();
    assert_eq!(merged.len(), 1);
    for record in last.values() {
        assert_eq!(record["idempotency_key"], a[&record["number"]].1);
    }
}

/// With Redis, a row's key answers its recorded outcome: a refused row
/// resumed unchanged is answered the refusal, nothing sent; with another
/// PAC it is `manual_check` (the key was used for another request), nothing
/// sent; under a new `--key-scope` it is sent again.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_key_answers_its_outcome_until_a_new_key_scope() {
    let redis = redis_server::RedisServer::start();
    let sandbox = CellhireSandbox::start().await.unwrap();
    let dir = TempDir::new("key-scope");
    let mut env = cellhire_env(&sandbox);
    env.push(("NUMPORT_REDIS_URL".into(), redis.url()));
    // Cellhire's stock records refuse this number.
    let mut row = CellhireRow {
        number: "+447700900999".into(),
        sim: uk_iccid(9999),
        pac: pac(999),
        port_name: "Acme stock check".into(),
    };
    let input = dir.join("requests.csv");
    std::fs::write(&input, cellhire_csv(std::slice::from_ref(&row))).unwrap();
    let submit = |out: &str, extra: &[&str]| {
        let mut cmd = numport(&env);
        cmd.args(["submit", "--carrier", "cellhire"])
            .args(extra)
            .arg(dir.join(out))
            .arg(&input);
        let last = |run: Run| {
            let run = run.expect(1);
            let record = last_records(&dir.join(out)).remove(&2).unwrap();
            (run, record)
        };
        last(run(&mut cmd))
    };
    let (_, first) = submit("first.csv", &["--out"]);
    assert_eq!(first["outcome"], "failed");
    assert!(first["error"].contains("stock records"), "{first:?}");
    assert_eq!(creates(&sandbox), 1);

    let (_, resumed) = submit("first.csv", &["--resume"]);
    assert_eq!(resumed["outcome"], "failed");
    assert_eq!(resumed["error"], first["error"]);
    assert_eq!(creates(&sandbox), 1, "the refusal is answered from Redis");

    row.pac = pac(998);
    std::fs::write(&input, cellhire_csv(std::slice::from_ref(&row))).unwrap();
    let (changed_run, changed) = submit("changed.csv", &["--out"]);
    assert_eq!(changed["outcome"], "manual_check", "{changed:?}");
    assert_eq!(changed["idempotency_key"], first["idempotency_key"]);
    assert_eq!(
        changed["error"],
        format!(
            "this row's idempotency key {} was first used for another request (the row's PAC, \
             PIN or account number differs) within the key's lifetime; nothing was sent; that \
             request may have created an order: check +447700900999 with Cellhire; if it holds \
             none, submit the row again under a new --key-scope",
            first["idempotency_key"]
        )
    );
    assert_eq!(creates(&sandbox), 1, "nothing sent");

    let (scoped_run, scoped) = submit("scoped.csv", &["--key-scope", "pac 998", "--out"]);
    assert_eq!(scoped["outcome"], "failed");
    assert_ne!(scoped["idempotency_key"], first["idempotency_key"]);
    assert_eq!(creates(&sandbox), 2, "sent under the new scope");
    assert_no_secrets(&[&changed_run, &scoped_run], &[&pac(998), &pac(999)]);
}

/// A row whose key another machine holds is waited for, never sent again:
/// the first create iNumbering receives is answered only after both
/// processes wrote the row `pending`, and the one that did not send it
/// records the order the other one created.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_row_another_machine_is_sending_is_waited_for() {
    let redis = redis_server::RedisServer::start();
    let sandbox = INumberingSandbox::start().await.unwrap();
    let dir = TempDir::new("in-flight");
    let mut env = inumbering_env(&sandbox);
    env.push(("NUMPORT_REDIS_URL".into(), redis.url()));
    let lines: Vec<String> = (0..3)
        .map(|i| {
            us_row(
                "inumbering",
                &format!("312555{:04}", 6100 + i),
                0,
                serde_json::json!({}),
            )
        })
        .collect();
    let input = dir.join("requests.jsonl");
    std::fs::write(&input, lines.join("\n") + "\n").unwrap();
    sandbox.stall_next_create(Duration::from_secs(3));
    let outs = [dir.join("a.csv"), dir.join("b.csv")];
    let children: Vec<_> = outs
        .iter()
        .map(|out| {
            numport(&env)
                .args([
                    "submit",
                    "--carrier",
                    "inumbering",
                    "--concurrency",
                    "1",
                    "--out",
                ])
                .arg(out)
                .arg(&input)
                .spawn_quiet()
        })
        .collect();
    all_succeed(children);
    assert_eq!(inumbering_calls(&sandbox, "/v2.2/account/port"), 3);
    let orders = sandbox.orders();
    assert_eq!(orders.len(), 3);
    let [a, b] = outs.each_ref().map(|out| last_records(out));
    assert_eq!(a.len(), 3);
    for (row, record) in &a {
        assert_eq!(record["outcome"], "submitted", "{record:?}");
        assert_eq!(record["order_id"], b[row]["order_id"]);
        assert_eq!(record["idempotency_key"], b[row]["idempotency_key"]);
    }
    // Both wrote the first row `pending` before either learnt its order:
    // they were sending it at once.
    let first = |out: &std::path::Path, outcome: &str| {
        results(out)
            .into_iter()
            .find(|r| r["row"] == "1" && r["outcome"] == outcome)
            .map(|r| {
                r["recorded_at"]
                    .parse::<chrono::DateTime<chrono::Utc>>()
                    .unwrap()
            })
            .unwrap()
    };
    let pending = first(&outs[0], "pending").max(first(&outs[1], "pending"));
    let answered = first(&outs[0], "submitted").min(first(&outs[1], "submitted"));
    assert!(pending < answered, "{pending} {answered}");
}

/// Two machines submitting copies of one iNumbering admin file at once
/// against one Redis: each row goes through `OnceSubmitter` under its key,
/// the account lock taking one create at a time, so each number is ordered
/// once (one `portInOrder` call per row), and both results files name the
/// same key, status record and `orderId` for each row.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_machines_submitting_one_admin_file_order_each_number_once() {
    let redis = redis_server::RedisServer::start();
    let sandbox = INumberingSandbox::start().await.unwrap();
    let mut env = inumbering_env(&sandbox);
    env.push((
        "INUMBERING_USERNAME".into(),
        sandbox.admin_username().to_string(),
    ));
    env.push(("INUMBERING_ADMIN".into(), "1".into()));
    env.push(("NUMPORT_REDIS_URL".into(), redis.url()));
    let dir = TempDir::new("admin-two-machines");
    let date = (chrono::Utc::now().date_naive() + chrono::Days::new(30)).to_string();
    let numbers: Vec<String> = (0..12).map(|i| format!("312555{:04}", 7000 + i)).collect();
    let lines: Vec<String> = numbers
        .iter()
        .map(|n| {
            us_row(
                "inumbering",
                n,
                0,
                serde_json::json!({"desired_date": date}),
            )
        })
        .collect();
    let machines = ["a", "b"];
    for m in machines {
        std::fs::create_dir_all(dir.join(m)).unwrap();
        std::fs::write(dir.join(m).join("requests.jsonl"), lines.join("\n") + "\n").unwrap();
    }
    let children: Vec<_> = machines
        .iter()
        .map(|m| {
            numport(&env)
                .args(["submit", "--carrier", "inumbering", "--batch-size", "5"])
                .arg("--out")
                .arg(dir.join(m).join("results.csv"))
                .arg(dir.join(m).join("requests.jsonl"))
                .spawn_quiet()
        })
        .collect();
    all_succeed(children);
    let port_in_orders = inumbering_calls(&sandbox, "/v2/iNumbering/portInOrder/");
    let orders = sandbox.orders();
    println!(
        "admin file on two machines: {} rows, {port_in_orders} portInOrder calls, {} orders",
        numbers.len(),
        orders.len()
    );
    assert_eq!(
        port_in_orders,
        numbers.len(),
        "one order per row, by either"
    );
    assert_eq!(orders.len(), numbers.len());
    let ordered: BTreeSet<&String> = orders.iter().flat_map(|(_, ns)| ns).collect();
    assert_eq!(ordered.len(), numbers.len());
    assert_eq!(ordered, numbers.iter().collect::<BTreeSet<_>>());

    let [a, b] = machines.map(|m| last_records(&dir.join(m).join("results.csv")));
    assert_eq!(a.len(), numbers.len());
    assert_eq!(b.len(), numbers.len());
    let mut keys = BTreeSet::new();
    for (row, record) in &a {
        let other = &b[row];
        assert_eq!(record["outcome"], "submitted", "{record:?}");
        assert_eq!(other["outcome"], "submitted", "{other:?}");
        let key = &record["idempotency_key"];
        assert!(key.len() == 44 && key.starts_with("numport-row-"), "{key}");
        assert_eq!(&other["idempotency_key"], key);
        keys.insert(key.clone());
        // The status record (what `watch` follows), the orderId that
        // created it in the note, and the row's number on it.
        assert_eq!(record["order_id"], other["order_id"]);
        assert_eq!(record["note"], other["note"]);
        let order_id: u64 = record["note"]
            .strip_prefix("iNumbering orderId ")
            .and_then(|n| n.split(' ').next())
            .and_then(|n| n.parse().ok())
            .unwrap_or_else(|| panic!("the orderId is noted: {record:?}"));
        assert_eq!(
            sandbox.pid_of_order(order_id).as_deref(),
            Some(record["order_id"].as_str())
        );
        let on_order: Vec<String> = orders
            .iter()
            .find(|(pid, _)| pid == &record["order_id"])
            .map(|(_, ns)| ns.iter().map(|n| format!("+1{n}")).collect())
            .unwrap_or_default();
        assert_eq!(on_order, vec![record["number"].clone()]);
    }
    assert_eq!(keys.len(), numbers.len());
}

/// Admin orders placed by a bulk submit (and by two processes at once) are
/// each linked to their status record, so `watch --from` follows them all.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn admin_orders_of_a_bulk_submit_can_be_followed_from_another_process() {
    let sandbox = INumberingSandbox::start().await.unwrap();
    let mut env = inumbering_env(&sandbox);
    env.push((
        "INUMBERING_USERNAME".into(),
        sandbox.admin_username().to_string(),
    ));
    env.push(("INUMBERING_ADMIN".into(), "1".into()));
    let dir = TempDir::new("admin-watch");
    let date = (chrono::Utc::now().date_naive() + chrono::Days::new(30)).to_string();
    let file = |name: &str, first: usize, count: usize| {
        let lines: Vec<String> = (first..first + count)
            .map(|i| {
                us_row(
                    "inumbering",
                    &format!("312555{:04}", 5000 + i),
                    0,
                    serde_json::json!({"desired_date": date}),
                )
            })
            .collect();
        let path = dir.join(name);
        std::fs::write(&path, lines.join("\n") + "\n").unwrap();
        path
    };
    let watch_all = |out: &std::path::Path, count: usize| {
        let watch = run(numport(&env)
            .args(["watch", "--interval", "20ms", "--timeout", "30s", "--from"])
            .arg(out))
        .expect(0);
        assert!(
            watch
                .stdout
                .ends_with(&format!("{count} orders: {count} complete\n")),
            "{}\n{}",
            watch.stdout,
            watch.stderr
        );
    };
    for (name, concurrency, first) in [("c8", "8", 0), ("c1", "1", 100)] {
        let input = file(&format!("{name}.jsonl"), first, 18);
        let out = dir.join(&format!("{name}.csv"));
        run(numport(&env)
            .args([
                "submit",
                "--carrier",
                "inumbering",
                "--concurrency",
                concurrency,
            ])
            .arg("--out")
            .arg(&out)
            .arg(&input))
        .expect(0);
        let last = last_records(&out);
        let pids: BTreeSet<&str> = last.values().map(|r| r["order_id"].as_str()).collect();
        assert_eq!(pids.len(), 18);
        assert!(pids.iter().all(|p| p.starts_with('P')), "{pids:?}");
        watch_all(&out, 18);
    }
    // Two processes at once, sharing the state folder.
    let inputs = [file("a.jsonl", 200, 9), file("b.jsonl", 300, 9)];
    let outs = [dir.join("a.csv"), dir.join("b.csv")];
    let children: Vec<_> = inputs
        .iter()
        .zip(&outs)
        .map(|(input, out)| {
            numport(&env)
                .args(["submit", "--carrier", "inumbering", "--out"])
                .arg(out)
                .arg(input)
                .spawn_quiet()
        })
        .collect();
    all_succeed(children);
    for out in &outs {
        for record in last_records(out).values() {
            let order_id: u64 = record["note"]
                .strip_prefix("iNumbering orderId ")
                .and_then(|n| n.split(' ').next())
                .and_then(|n| n.parse().ok())
                .unwrap_or_else(|| panic!("{record:?}"));
            assert_eq!(
                sandbox.pid_of_order(order_id).as_deref(),
                Some(record["order_id"].as_str())
            );
        }
        watch_all(out, 9);
    }
}

/// Generated PINs are never thrown away: the output file is checked (made,
/// exclusively, owner-only) before the carrier is called, and without
/// --out or --reveal they go to a new file whose name is printed.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pins_made_by_the_carrier_are_always_kept() {
    use std::os::unix::fs::PermissionsExt;
    let sandbox = INumberingSandbox::start().await.unwrap();
    let dir = TempDir::new("pins");
    let mut env = inumbering_env(&sandbox);
    env.push((
        "NUMPORT_STATE_DIR".into(),
        dir.join("state").display().to_string(),
    ));
    let updates = || inumbering_calls(&sandbox, "/v2/iNumbering/portOutPinUpdate/");
    // An existing output file: refused before anything is sent.
    let existing = dir.join("existing.csv");
    std::fs::write(&existing, "keep me\n").unwrap();
    let refused = run(numport(&env)
        .args(["pins", "3125550101", "--out"])
        .arg(&existing))
    .expect(2);
    assert!(
        refused.stderr.contains("cannot create") && refused.stderr.contains("nothing was sent"),
        "{}",
        refused.stderr
    );
    assert_eq!(updates(), 0);
    assert_eq!(std::fs::read_to_string(&existing).unwrap(), "keep me\n");
    // A folder that does not exist: the same.
    run(numport(&env)
        .args(["pins", "3125550101", "--out"])
        .arg(dir.join("missing/pins.csv")))
    .expect(2);
    assert_eq!(updates(), 0);

    // Neither --out nor --reveal: a new private file, named on stderr.
    let kept = run(numport(&env).args(["pins", "3125550101", "3125550102"])).expect(0);
    assert_eq!(updates(), 1);
    assert_eq!(
        kept.stdout,
        "number        port-out pin\n+13125550101  [REDACTED]\n+13125550102  [REDACTED]\n"
    );
    let path = kept
        .stderr
        .strip_prefix("numport: wrote 2 PINs to ")
        .and_then(|rest| rest.split(" (readable by you only)").next())
        .unwrap_or_else(|| panic!("{}", kept.stderr));
    let path = std::path::PathBuf::from(path);
    assert!(path.starts_with(dir.join("state")), "{}", path.display());
    assert_eq!(
        std::fs::metadata(&path).unwrap().permissions().mode() & 0o777,
        0o600
    );
    let text = std::fs::read_to_string(&path).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines[0], "number,pin");
    assert_eq!(lines.len(), 3);
    for (line, number) in lines[1..].iter().zip(["+13125550101", "+13125550102"]) {
        let (n, pin) = line.split_once(',').unwrap();
        assert_eq!(n, number);
        assert!(
            pin.len() == 4 && pin.bytes().all(|b| b.is_ascii_digit()),
            "{line}"
        );
    }
    // A refused call leaves no empty file behind.
    let out = dir.join("new.csv");
    sandbox.fail_next(10);
    run(numport(&env)
        .args(["pins", "3125550103", "--out"])
        .arg(&out))
    .expect(1);
    assert!(!out.exists());
}

/// A CRLF file reports the lines a person sees, in errors and in the
/// results file's `row`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn crlf_files_report_the_right_lines() {
    let sandbox = CellhireSandbox::start().await.unwrap();
    let env = cellhire_env(&sandbox);
    let dir = TempDir::new("crlf");
    let mut rows = uk_rows(600, 3, "Acme CRLF");
    // A wrong check digit.
    let last = rows[1].sim.pop().unwrap();
    rows[1].sim.push(if last == '0' { '1' } else { '0' });
    let input = dir.join("requests.csv");
    std::fs::write(&input, cellhire_csv(&rows).replace('\n', "\r\n")).unwrap();
    let out = dir.join("results.csv");
    let refused = run(numport(&env)
        .args(["submit", "--carrier", "cellhire", "--out"])
        .arg(&out)
        .arg(&input))
    .expect(2);
    assert_eq!(
        refused.stderr.lines().next().unwrap(),
        format!(
            "{}: line 3: sim: has an invalid Luhn check digit",
            input.display()
        )
    );
    run(numport(&env)
        .args(["submit", "--carrier", "cellhire", "--skip-invalid", "--out"])
        .arg(&out)
        .arg(&input))
    .expect(1);
    let last = last_records(&out);
    let seen: Vec<(u64, &str, &str)> = last
        .iter()
        .map(|(row, r)| (*row, r["number"].as_str(), r["outcome"].as_str()))
        .collect();
    assert_eq!(
        seen,
        vec![
            (2, rows[0].number.as_str(), "submitted"),
            (3, rows[1].number.as_str(), "invalid"),
            (4, rows[2].number.as_str(), "submitted"),
        ]
    );
}

/// A Cellhire refusal shows the reasons it gave per field, not only its
/// generic title.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cellhire_field_reasons_are_shown() {
    let sandbox = CellhireSandbox::start().await.unwrap();
    let dir = TempDir::new("fields");
    let input = dir.join("requests.csv");
    let rows = uk_rows(650, 2, "Acme groups");
    let mut text = String::from(
        "number,sim,pac,port_name,target_network_id,source_network_id,tariff_id,provisioning_order,group_name\n",
    );
    for (r, tariff) in rows.iter().zip([102344, 102345]) {
        text.push_str(&format!(
            "{},{},{},{},1,5,{tariff},3630,Fleet\n",
            r.number, r.sim, r.pac, r.port_name
        ));
    }
    std::fs::write(&input, text).unwrap();
    let out = dir.join("results.csv");
    let submit = run(numport(&cellhire_env(&sandbox))
        .args(["submit", "--carrier", "cellhire", "--out"])
        .arg(&out)
        .arg(&input))
    .expect(1);
    let last = last_records(&out);
    for record in last.values() {
        assert_eq!(record["outcome"], "failed");
        assert!(
            record["error"].contains("One or more validation errors occurred.")
                && record["error"].contains(
                    "rows[1].groupName: The groupName Fleet is already used by rows[0] with another Tariff + BoltOn + Services configuration"
                ),
            "{record:?}"
        );
    }
    assert!(
        submit.stdout.contains("rows[1].groupName"),
        "{}",
        submit.stdout
    );
}

/// Cellhire's network list is read once for the whole run (the docs
/// promise a 15-minute cache), however many batches there are.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cellhire_networks_are_read_once_for_every_batch() {
    let sandbox = CellhireSandbox::start().await.unwrap();
    let dir = TempDir::new("networks");
    let mut rows = uk_rows(200, 50, "");
    for (i, row) in rows.iter_mut().enumerate() {
        row.port_name = format!("Acme single {i:02}");
    }
    let input = dir.join("requests.csv");
    std::fs::write(&input, cellhire_csv(&rows)).unwrap();
    run(numport(&cellhire_env(&sandbox))
        .args([
            "submit",
            "--carrier",
            "cellhire",
            "--batch-size",
            "1",
            "--out",
        ])
        .arg(dir.join("results.csv"))
        .arg(&input))
    .expect(0);
    assert_eq!(creates(&sandbox), 50);
    let reads = sandbox
        .api_requests()
        .iter()
        .filter(|(method, path)| method == "GET" && path.ends_with("/networks"))
        .count();
    assert_eq!(reads, 1);
}

/// Batches are cut between ports: rows Cellhire merges into one port are
/// sent together, and a port larger than the batch goes whole.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn batches_never_split_a_port() {
    let sandbox = CellhireSandbox::start().await.unwrap();
    let dir = TempDir::new("batches");
    // Two ports of 100 rows, their rows interleaved in the file, and a
    // port of 30.
    let a = uk_rows(100, 100, "Acme port A");
    let b = uk_rows(300, 100, "Acme port B");
    let c = uk_rows(500, 30, "Acme port C");
    let mut rows = Vec::new();
    for (x, y) in a.into_iter().zip(b) {
        rows.push(x);
        rows.push(y);
    }
    rows.extend(c);
    let input = dir.join("requests.csv");
    std::fs::write(&input, cellhire_csv(&rows)).unwrap();
    let out = dir.join("results.csv");
    let submit = run(numport(&cellhire_env(&sandbox))
        .args([
            "submit",
            "--carrier",
            "cellhire",
            "--batch-size",
            "50",
            "--json",
        ])
        .arg("--out")
        .arg(&out)
        .arg(&input))
    .expect(0);
    assert_eq!(
        submit.json()["counts"],
        serde_json::json!({"submitted": 230})
    );
    let ports = ports(&sandbox).await;
    let mut sizes: Vec<usize> = ports.values().map(Vec::len).collect();
    sizes.sort_unstable();
    assert_eq!(sizes, vec![30, 100, 100]);
    assert_eq!(creates(&sandbox), 3);
    // Each row's pending record came in the same batch as its port's.
    let pending_at: BTreeMap<String, String> = results(&out)
        .into_iter()
        .filter(|r| r["outcome"] == "pending")
        .map(|r| (r["number"].clone(), r["attempted_at"].clone()))
        .collect();
    for numbers in ports.values() {
        let batches: BTreeSet<&str> = numbers.iter().map(|n| pending_at[n].as_str()).collect();
        assert_eq!(batches.len(), 1, "one port, one batch");
    }
}

/// A closed standard output (`numport orders | head`) ends the printing
/// quietly: no panic, the subcommand's own exit code.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_closed_stdout_is_no_panic() {
    let sandbox = INumberingSandbox::start().await.unwrap();
    let env = inumbering_env(&sandbox);
    for args in [
        vec!["--json", "orders", "--carrier", "inumbering"],
        vec!["orders", "--carrier", "inumbering"],
        vec!["--json", "check", "--carrier", "inumbering", "3125550142"],
    ] {
        let mut child = numport(&env)
            .args(&args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        drop(child.stdout.take());
        let out = child.wait_with_output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(0), "{args:?}: {stderr}");
        assert!(!stderr.contains("panicked"), "{stderr}");
        assert_eq!(stderr, "", "{args:?}");
    }
}

/// The README's install commands work from a checkout (the crates are not
/// published; the command line is the package in `cli/`), and it says which
/// iNumbering orders are checked first.
#[test]
fn readme_install_commands_work_from_a_checkout() {
    let readme = std::fs::read_to_string(workspace_root().join("README.md")).unwrap();
    assert!(!readme.contains("cargo add numport\n"));
    assert!(!readme.contains("cargo install numport --features cli"));
    assert!(readme.contains("cargo install --path cli"));
    assert!(
        !readme.contains("--features cli"),
        "the command line is its own package"
    );
    assert!(
        !readme.contains("pre-check (unless checked within the hour), then `/v2.2/account/port`")
    );
    let lib = std::fs::read_to_string(workspace_root().join("src/lib.rs")).unwrap();
    assert!(
        !readme
            .contains("Portability is checked first; a number that is not portable stops it here."),
        "customer orders go straight to /v2.2/account/port"
    );
    assert!(!lib.contains("portability pre-check before every order"));
}
