//! Sending batch by batch: `pending` for every row of a batch, flushed, then
//! one `submit_many`, then each row's outcome; Ctrl-C stops between batches.

use std::io::IsTerminal;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use chrono::Utc;
use indicatif::{ProgressBar, ProgressStyle};
use numport::bulk::BulkOptions;
use numport::{PortProvider, PortRequest};
use tokio::sync::Notify;

use super::records;
use crate::args::SubmitArgs;
use crate::failure::CliResult;
use crate::journal::{Journal, Record};
use crate::output::Masker;
use crate::rows::Row;
use crate::signals::Signals;

/// What sending wrote, and whether Ctrl-C stopped it.
#[derive(Debug, Default)]
pub struct Sent {
    /// Every record appended.
    pub records: Vec<Record>,
    /// True when a stop request ended the run before every batch was sent.
    pub interrupted: bool,
}

/// The bar on stderr, hidden when stderr is not a terminal.
fn progress(total: usize) -> ProgressBar {
    if total == 0 || !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::new(total as u64);
    if let Ok(style) =
        ProgressStyle::with_template("{spinner} [{bar:30}] {pos}/{len} rows sent ({elapsed})")
    {
        bar.set_style(style.progress_chars("=> "));
    }
    bar
}

/// A stop flag set by the first Ctrl-C or SIGTERM; the second exits at once
/// with 130, leaving the batch in flight `pending`.
fn stop_on_signal(bar: ProgressBar) -> (Arc<AtomicBool>, Arc<Notify>) {
    let stop = Arc::new(AtomicBool::new(false));
    let woken = Arc::new(Notify::new());
    let (flag, notify) = (stop.clone(), woken.clone());
    tokio::spawn(async move {
        let mut signals = Signals::new();
        signals.next().await;
        // Said before the flag is set: the run may end right after.
        bar.suspend(|| {
            eprintln!(
                "numport: stopping after the batch in flight (Ctrl-C again to abort at once)"
            );
        });
        flag.store(true, Ordering::SeqCst);
        notify.notify_waiters();
        signals.next().await;
        bar.suspend(|| {
            eprintln!("numport: aborted; rows in flight stay `pending`: --resume reconciles them");
        });
        std::process::exit(130);
    });
    (stop, woken)
}

/// Sends `rows` in batches of `--batch-size`, journaling each row before and
/// after, with at most `--concurrency` carrier calls at once.
pub async fn send(
    args: &SubmitArgs,
    provider: &dyn PortProvider,
    rows: &[&Row],
    journal: &mut Journal,
    masker: &Masker,
) -> CliResult<Sent> {
    let mut sent = Sent::default();
    let bar = progress(rows.len());
    let (stop, woken) = stop_on_signal(bar.clone());
    let options = BulkOptions {
        max_in_flight: args.concurrency as usize,
        max_lines_per_order: args.max_lines_per_order as usize,
    };
    let carrier = provider.carrier();
    let batches: Vec<&[&Row]> = rows.chunks(args.batch_size as usize).collect();
    for (i, batch) in batches.iter().enumerate() {
        if stop.load(Ordering::SeqCst) {
            sent.interrupted = true;
            break;
        }
        let attempted_at = Utc::now();
        let pending: Vec<Record> = batch
            .iter()
            .map(|r| records::pending(r, carrier, attempted_at))
            .collect();
        journal.append(&pending)?;
        sent.records.extend(pending);
        let requests: Vec<PortRequest> = batch.iter().map(|r| r.request.clone()).collect();
        let results = provider.submit_many(&requests, &options).await;
        let outcomes: Vec<Record> = batch
            .iter()
            .zip(&results)
            .map(|(row, result)| records::outcome(row, carrier, attempted_at, result, masker))
            .collect();
        journal.append(&outcomes)?;
        sent.records.extend(outcomes);
        bar.inc(batch.len() as u64);
        let last = i + 1 == batches.len();
        if !last && !args.pause.is_zero() && !stop.load(Ordering::SeqCst) {
            tokio::select! {
                () = tokio::time::sleep(args.pause) => {}
                () = woken.notified() => {}
            }
        }
    }
    if stop.load(Ordering::SeqCst) && sent.records.len() < rows.len() * 2 {
        sent.interrupted = true;
    }
    bar.finish_and_clear();
    Ok(sent)
}
