//! How long bulk planning takes for tens of thousands of requests, and how
//! much one request costs in memory. Run on demand:
//!
//! ```text
//! cargo bench --bench bulk_plan --features fuzzing
//! ```
//!
//! Goal: planning 50,000 one-line requests (grouping by port-level key and
//! chunking by row limit) takes well under 100 ms on a 2-core machine, so the
//! crate's own work is negligible next to the carrier calls it saves.

use std::hint::black_box;
use std::time::Instant;

use numport::carrier::cellhire::CellhireOptions;
use numport::fuzzing::bulk_batches as batches;
use numport::{Iccid, Pac, PhoneNumber, PortLine, PortRequest};

fn main() {
    const N: usize = 50_000;
    let started = Instant::now();
    let requests: Vec<PortRequest> = (0..N)
        .map(|i| {
            let line = PortLine::new(PhoneNumber::parse(&format!("+447700{i:06}")).unwrap())
                .with_sim(Iccid::with_check_digit(&format!("89441000301{i:08}")).unwrap())
                .with_pac(Pac::new("ABC123456").unwrap());
            PortRequest::new(vec![line]).with_cellhire(
                CellhireOptions::new(format!("Batch {}", i % 4), 1, 5, 102344)
                    .with_provisioning_order(3630),
            )
        })
        .collect();
    let built = started.elapsed();

    let runs = 20;
    let started = Instant::now();
    let mut count = 0;
    for _ in 0..runs {
        let keys: Vec<Option<String>> = requests
            .iter()
            .map(|r| r.cellhire.as_ref().map(|c| c.name.clone()))
            .collect();
        let lines: Vec<usize> = requests.iter().map(|r| r.lines.len()).collect();
        count = black_box(batches(keys, &lines, 100)).len();
    }
    let per_run = started.elapsed() / runs;
    println!("built {N} requests in {built:?}");
    println!("planned {N} requests into {count} orders in {per_run:?} per run ({runs} runs)");
    println!(
        "size of PortRequest: {} bytes (plus heap for lines and strings)",
        std::mem::size_of::<PortRequest>()
    );
}
