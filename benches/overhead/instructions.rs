//! `OVERHEAD_MODE=instructions`: client instructions per call, counted by
//! valgrind's callgrind.
//!
//! The parent serves (the loopback server is a thread of the parent
//! process) and runs every measurement as a child: this binary re-executed
//! under `valgrind --tool=callgrind --separate-threads=yes`. The child runs
//! the client on its main thread, on a current-thread tokio runtime, so the
//! client's instructions are those of thread 1 (`<out>-01`); any other
//! thread (none is expected) is reported apart and not counted.
//!
//! Each row runs twice per side, with `n1` and `n2` calls after the same
//! set-up and warm-up; the cost per call is `(I(n2) - I(n1)) / (n2 - n1)`,
//! so start-up (valgrind's, the runtime's, the client's, the first
//! connection's) cancels. List Ports is per listed port: listings of `l1`
//! and `l2` ports, `(I(l2) - I(l1)) / (l2 - l1)`.

use std::path::{Path, PathBuf};
use std::process::Command;

use super::*;

/// The child's first argument.
pub(crate) const FLAG: &str = "__overhead_instructions_child";

/// Calls per side in the warm-up before the counted calls (both batch
/// sizes make it, so it cancels).
const WARM_UP: usize = 20;

#[derive(Clone, Copy)]
struct Row {
    no: u8,
    name: &'static str,
    /// Per call (`false`) or per listed port (`true`).
    per_port: bool,
    goal: f64,
}

const ROWS: [Row; 5] = [
    Row {
        no: 1,
        name: "Cellhire port_details",
        per_port: false,
        goal: 1.08,
    },
    Row {
        no: 3,
        name: "Apeiron create_port (JSON)",
        per_port: false,
        goal: 1.08,
    },
    Row {
        no: 4,
        name: "Cellhire create_port, 2 rows",
        per_port: false,
        goal: 1.08,
    },
    Row {
        no: 5,
        name: "iNumbering port_status (8 entries)",
        per_port: false,
        goal: 1.08,
    },
    Row {
        no: 7,
        name: "List Ports, per port",
        per_port: true,
        goal: 1.15,
    },
];

/// In the child: set-up and warm-up, then `n` calls (or a listing of `n`
/// ports) of `row` on `side`, on this thread.
pub(crate) fn child(row: u8, side: &str, n: u64, base: &str) {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let numport = match side {
        "numport" => true,
        "raw" => false,
        other => panic!("unknown side {other}"),
    };
    rt.block_on(async {
        match row {
            1 => {
                let port_id = PortId::new(PORT_ID).unwrap();
                if numport {
                    let client = cellhire_client(base, CELLHIRE_ACCOUNT);
                    repeat(n, || async {
                        let d = client.port_details(&port_id).await.unwrap();
                        assert_eq!(d.rows.len(), 3);
                        black_box(d);
                    })
                    .await;
                } else {
                    let client = RawCellhire::new(raw_http(), base, CELLHIRE_ACCOUNT);
                    repeat(n, || async {
                        let d = client.port_details(PORT_ID).await.unwrap();
                        assert_eq!(d.rows.len(), 3);
                        black_box(d);
                    })
                    .await;
                }
            }
            3 => {
                if numport {
                    let client = apeiron_client(base);
                    let port = apeiron_port();
                    repeat(n, || async {
                        let created = client.create_port(&port).await.unwrap();
                        assert_eq!(created.id.as_deref(), Some("41"));
                        black_box(created);
                    })
                    .await;
                } else {
                    let client = RawApeiron::new(base);
                    let port = raw_apeiron_port();
                    repeat(n, || async {
                        let created = client.create_port(&port).await.unwrap();
                        assert_eq!(created.id, Some(41));
                        black_box(created);
                    })
                    .await;
                }
            }
            4 => {
                // Both sides read the network list once (the date is planned
                // from it); numport keeps it cached for what follows.
                let cellhire = cellhire_client(base, CELLHIRE_ACCOUNT);
                let date = cellhire
                    .plan_connection_date(&PortType::PortIn, 1)
                    .await
                    .unwrap();
                if numport {
                    let create = cellhire_create(date);
                    repeat(n, || async {
                        let id = cellhire.create_port(&create).await.unwrap();
                        assert_eq!(id.as_str(), CREATED_ID);
                        black_box(id);
                    })
                    .await;
                } else {
                    let client = RawCellhire::new(raw_http(), base, CELLHIRE_ACCOUNT);
                    let date_text = raw_date_text(date);
                    repeat(n, || async {
                        let id = client
                            .create_port(&raw_create_port(&date_text))
                            .await
                            .unwrap();
                        assert_eq!(id, CREATED_ID);
                        black_box(id);
                    })
                    .await;
                }
            }
            5 => {
                if numport {
                    let client = inumbering_client(base);
                    repeat(n, || async {
                        let entries = client.port_status().await.unwrap();
                        assert_eq!(entries.len(), 8);
                        black_box(entries);
                    })
                    .await;
                    // The key was exchanged once, in the warm-up.
                    assert_eq!(client.exchanges(), 1);
                } else {
                    let client = RawINumbering::new(base);
                    repeat(n, || async {
                        let answer = client.port_status().await.unwrap();
                        assert_eq!(answer.port_status_summary.len(), 8);
                        black_box(answer);
                    })
                    .await;
                }
            }
            7 => {
                let count = if numport {
                    numport_list(&cellhire_client(base, n)).await
                } else {
                    raw_list(&RawCellhire::new(raw_http(), base, n)).await
                };
                assert_eq!(count, n, "{side} listed {count} of {n} ports");
            }
            other => panic!("no row {other} in the instructions mode"),
        }
    });
}

/// The warm-up, then `n` calls.
async fn repeat<F, Fut>(n: u64, f: F)
where
    F: Fn() -> Fut,
    Fut: Future<Output = ()>,
{
    for _ in 0..WARM_UP {
        f().await;
    }
    for _ in 0..n {
        f().await;
    }
}

/// Instructions of one child run: thread 1's, and the other threads' sum.
struct Count {
    main: u64,
    others: u64,
}

/// Runs one child under callgrind and reads its counts.
fn run_child(dir: &Path, row: u8, side: &str, n: u64, base: &str) -> Count {
    let exe = std::env::current_exe().unwrap();
    let out = dir.join(format!("row{row}-{side}-{n}.callgrind"));
    let status = Command::new("valgrind")
        .arg("--tool=callgrind")
        .arg("--separate-threads=yes")
        .arg(format!("--callgrind-out-file={}", out.display()))
        .arg(&exe)
        .args([FLAG, &row.to_string(), side, &n.to_string(), base])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .output()
        .unwrap_or_else(|e| panic!("could not run valgrind (is it installed?): {e}"));
    if !status.status.success() {
        panic!(
            "row {row} {side} x{n} failed under valgrind:\n{}",
            String::from_utf8_lossy(&status.stderr)
        );
    }
    let mut count = Count { main: 0, others: 0 };
    let mut found_main = false;
    let name = out.file_name().unwrap().to_string_lossy().into_owned();
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let file = entry.file_name().to_string_lossy().into_owned();
        let Some(thread) = file.strip_prefix(&format!("{name}-")) else {
            continue;
        };
        let thread: u32 = thread.parse().unwrap_or(0);
        let ir = total_ir(&entry.path());
        if thread == 1 {
            count.main = ir;
            found_main = true;
        } else {
            count.others += ir;
        }
    }
    assert!(found_main, "no thread-1 output for {}", out.display());
    count
}

/// The `summary:` (or `totals:`) line of a callgrind output: Ir.
fn total_ir(path: &Path) -> u64 {
    let text = std::fs::read_to_string(path).unwrap();
    text.lines()
        .find_map(|l| {
            l.strip_prefix("summary:")
                .or_else(|| l.strip_prefix("totals:"))
        })
        .and_then(|v| v.split_whitespace().next())
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| panic!("no instruction total in {}", path.display()))
}

fn pair(name: &str, default: (u64, u64)) -> (u64, u64) {
    let parsed = std::env::var(name).ok().and_then(|v| {
        let mut it = v.split(',').map(|x| x.trim().parse::<u64>().ok());
        Some((it.next()??, it.next()??))
    });
    match parsed {
        Some((a, b)) if b > a => (a, b),
        _ => default,
    }
}

/// The parent: serves, runs every child, prints the table.
pub(crate) fn run() {
    let (n1, n2) = pair("OVERHEAD_CALLS", (100, 600));
    let (l1, l2) = pair("OVERHEAD_PORTS", (10_000, 20_000));
    let keep = std::env::var("OVERHEAD_CALLGRIND_DIR").ok();
    let dir: PathBuf = match &keep {
        Some(d) => PathBuf::from(d),
        None => std::env::temp_dir().join(format!("numport-overhead-{}", std::process::id())),
    };
    std::fs::create_dir_all(&dir).unwrap();
    let started = Instant::now();
    let addr = start_server();
    let base = format!("http://{addr}");
    println!(
        "numport overhead in instructions: numport / hand-written reqwest 0.13, loopback {addr}"
    );
    println!(
        "server: a thread of this process; client: a child process under valgrind callgrind \
         (--separate-threads=yes), on its main thread (current-thread runtime), thread 1 counted"
    );
    println!(
        "per call = (I({n2}) - I({n1})) / {} calls after {WARM_UP} warm-up calls; List Ports per \
         port = (I({l2} ports) - I({l1} ports)) / {}",
        n2 - n1,
        l2 - l1
    );
    let selected: Vec<Row> = ROWS
        .iter()
        .copied()
        .filter(|r| row_selected(r.no))
        .collect();
    let mut results = Vec::new();
    for row in &selected {
        let (a, b) = if row.per_port { (l1, l2) } else { (n1, n2) };
        let mut per = [0f64; 2];
        let mut others = 0u64;
        for (i, side) in ["numport", "raw"].into_iter().enumerate() {
            eprint!("row {} ({}) {side}: x{a}", row.no, row.name);
            let small = run_child(&dir, row.no, side, a, &base);
            eprint!(", x{b}");
            let large = run_child(&dir, row.no, side, b, &base);
            eprintln!(", done");
            per[i] = large.main.saturating_sub(small.main) as f64 / (b - a) as f64;
            others += small.others + large.others;
        }
        results.push((*row, per[0], per[1], others));
    }
    println!();
    println!(
        "{:<2} {:<36} {:>14} {:>14} {:>8}  {:<12}",
        "#", "row", "numport instr", "raw instr", "ratio", "goal"
    );
    let mut exceeded = Vec::new();
    for (row, np, raw, others) in &results {
        let ratio = np / raw.max(1.0);
        let ok = ratio <= row.goal;
        if !ok {
            exceeded.push(format!("row {}", row.no));
        }
        println!(
            "{:<2} {:<36} {:>14.0} {:>14.0} {:>8.3}  <= {:<9.2} {}{}",
            row.no,
            row.name,
            np,
            raw,
            ratio,
            row.goal,
            verdict(ok),
            if *others > 0 {
                format!(" ({others} instructions on other threads, not counted)")
            } else {
                String::new()
            }
        );
    }
    println!("   (instructions of the client thread per call; row 7 per listed port)");
    println!();
    if exceeded.is_empty() {
        println!("every row meets its goal");
    } else {
        println!("rows over their goal: {}", exceeded.join(", "));
    }
    match keep {
        Some(d) => println!("callgrind outputs kept in {d}"),
        None => {
            let _ = std::fs::remove_dir_all(&dir);
        }
    }
    println!("total time {:.0} s", started.elapsed().as_secs_f64());
}
