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

/// iNumbering matches an unknown outcome by time only: orders the carrier
/// named for other rows are set aside, so a pending row gets its own order.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn inumbering_reconcile_sets_aside_orders_of_other_rows() {
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

    // Row 4's order is known; row 5 died pending: it is row 5's order.
    let out = dir.join("second.jsonl");
    let journal = [
        record(4, "+13125550142", "submitted", Some(&order4)),
        record(5, "+13125550143", "pending", None),
    ];
    std::fs::write(&out, journal.join("\n") + "\n").unwrap();
    let second = run(numport(&env)
        .args(["submit", "--carrier", "inumbering", "--json", "--resume"])
        .arg(&out)
        .arg(&input))
    .expect(0);
    let row5 = second.json()["rows"][1].clone();
    assert_eq!(row5["order_id"], order5.as_str());
    assert_eq!(
        row5["note"],
        "reconciled: matched by time only (the carrier's listing names no numbers): the order"
    );
    let orders = run(numport(&env).args(["orders", "--carrier", "inumbering", "--json"])).expect(0);
    assert_eq!(
        orders.json().as_array().unwrap().len(),
        2,
        "nothing sent twice"
    );
}
