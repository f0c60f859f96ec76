//! Sending batch by batch: `pending` for every row of a batch, flushed, then
//! one `submit_many`, then each row's outcome; Ctrl-C stops between batches.
//! Batches are cut between the carrier's orders, never inside one.

use std::io::IsTerminal;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use chrono::Utc;
use futures::StreamExt;
use indicatif::{ProgressBar, ProgressStyle};
use numport::{
    BulkOptions, IdempotencyKey, Ledger, OnceSubmitter, PortProvider, PortRequest, Submission,
};
use tokio::sync::Notify;

use super::records;
use crate::args::SubmitArgs;
use crate::config::{Client, Session};
use crate::failure::CliResult;
use crate::journal::{Journal, Record};
use crate::rows::Row;
use crate::signals::Signals;
use numport::Redactor;

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

/// The submitter of rows under their idempotency keys, when the store is
/// shared by every machine (Redis): then every row is an order of its own,
/// claimed under its key before it is sent. iNumbering admin orders go
/// through it too, each linked to its status record by
/// [`super::admin::Linked`]. Every order it creates (or answers from a
/// key) is recorded in `ledger`, with the row's key: an admin order under
/// the `pid` of its status record when it was linked, as the results file
/// names it. `None` with the file store or none (each run on its own, as
/// the results file keeps it).
pub fn once(session: &Session, ledger: Option<Ledger>) -> Option<OnceSubmitter> {
    if !session.shared {
        return None;
    }
    let store = session.store.clone()?;
    let provider: Arc<dyn PortProvider> = match &session.client {
        Client::INumbering(client) if client.is_admin() => {
            Arc::new(super::admin::Linked::new(client.clone()))
        }
        _ => session.shared_provider(),
    };
    let once = OnceSubmitter::new(provider, store);
    Some(match ledger {
        Some(ledger) => once.ledger(ledger),
        None => once,
    })
}

/// The order ledger in the store every machine shares (Redis,
/// `NUMPORT_REDIS_URL`), which `numport follow` follows; `None` without one.
pub fn ledger(session: &Session) -> Option<Ledger> {
    if !session.shared {
        return None;
    }
    session.store.clone().map(Ledger::new)
}

/// Submits each row of `batch` under its key, at most `concurrency` at
/// once; the results in the batch's order.
async fn submit_once(
    once: &OnceSubmitter,
    batch: &[&Row],
    concurrency: usize,
) -> Vec<numport::Result<Submission>> {
    futures::stream::iter(batch.iter().map(|row| async move {
        let key = IdempotencyKey::new(row.key.clone())?;
        once.submit(&key, &row.request).await
    }))
    .buffered(concurrency.max(1))
    .collect()
    .await
}

/// The rows of each batch, in file order. Rows the carrier merges into
/// one order (Cellhire: same `keys` entry, in chunks of
/// `max_lines_per_order` taken in file order, as the crate merges them) stay
/// in one batch: batches are cut between orders, never inside one, and an
/// order larger than `batch_size` goes whole into a batch of its own. Rows
/// without a key are orders of their own.
pub fn batches<'a, K: Ord + Clone>(
    rows: &[&'a Row],
    keys: &std::collections::HashMap<u64, K>,
    batch_size: usize,
    max_lines_per_order: usize,
) -> Vec<Vec<&'a Row>> {
    let batch_size = batch_size.max(1);
    let max_lines = max_lines_per_order.max(1);
    // Orders, in the order their first row comes; the open order of each key.
    let mut orders: Vec<Vec<&'a Row>> = Vec::new();
    let mut open: std::collections::BTreeMap<K, usize> = std::collections::BTreeMap::new();
    for row in rows {
        let Some(key) = keys.get(&row.line) else {
            orders.push(vec![*row]);
            continue;
        };
        match open.get(key) {
            Some(&at) if orders[at].len() < max_lines => orders[at].push(*row),
            _ => {
                open.insert(key.clone(), orders.len());
                orders.push(vec![*row]);
            }
        }
    }
    let mut out: Vec<Vec<&'a Row>> = Vec::new();
    let mut current: Vec<&'a Row> = Vec::new();
    for order in orders {
        if !current.is_empty() && current.len() + order.len() > batch_size {
            out.push(std::mem::take(&mut current));
        }
        current.extend(order);
        if current.len() >= batch_size {
            out.push(std::mem::take(&mut current));
        }
    }
    if !current.is_empty() {
        out.push(current);
    }
    for batch in &mut out {
        batch.sort_by_key(|r| r.line);
    }
    out
}

/// Sends `batches`, journaling each row before and after, with at most
/// `--concurrency` carrier calls at once (iNumbering admin orders: one at
/// a time, each linked to its status record, see [`super::admin`]).
pub async fn send(
    args: &SubmitArgs,
    session: &Session,
    batches: Vec<Vec<&Row>>,
    once: Option<&OnceSubmitter>,
    journal: &mut Journal,
    masker: &Redactor,
) -> CliResult<Sent> {
    let mut sent = Sent::default();
    let total: usize = batches.iter().map(Vec::len).sum();
    let bar = progress(total);
    let (stop, woken) = stop_on_signal(bar.clone());
    let options = BulkOptions::default()
        .with_max_in_flight(args.concurrency as usize)
        .with_max_lines_per_order(args.max_lines_per_order as usize);
    let provider = session.provider();
    let carrier = provider.carrier();
    let count = batches.len();
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
        match &session.client {
            Client::INumbering(client) if client.is_admin() => {
                let admin = super::admin::Admin::new(client, session.store.clone(), once);
                admin.check(batch).await;
                for row in batch {
                    let record = admin.place(row, attempted_at, masker).await;
                    journal.append(std::slice::from_ref(&record))?;
                    sent.records.push(record);
                    bar.inc(1);
                }
            }
            _ => {
                let results = match once {
                    Some(once) => submit_once(once, batch, args.concurrency as usize).await,
                    None => {
                        let requests: Vec<PortRequest> =
                            batch.iter().map(|r| r.request.clone()).collect();
                        provider.submit_many(&requests, &options).await
                    }
                };
                let outcomes: Vec<Record> = batch
                    .iter()
                    .zip(&results)
                    .map(|(row, result)| {
                        records::outcome(row, carrier, attempted_at, result, masker)
                    })
                    .collect();
                journal.append(&outcomes)?;
                sent.records.extend(outcomes);
                bar.inc(batch.len() as u64);
            }
        }
        let last = i + 1 == count;
        if !last && !args.pause.is_zero() && !stop.load(Ordering::SeqCst) {
            tokio::select! {
                () = tokio::time::sleep(args.pause) => {}
                () = woken.notified() => {}
            }
        }
    }
    if stop.load(Ordering::SeqCst) && sent.records.len() < total * 2 {
        sent.interrupted = true;
    }
    bar.finish_and_clear();
    Ok(sent)
}
