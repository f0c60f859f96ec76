//! `numport submit`: check the whole file, then send it batch by batch,
//! journaling every row before and after its request.

mod admin;
mod prepare;
mod records;
mod report;
mod resume;
mod send;

use numport::Carrier;

use crate::args::{Global, SubmitArgs};
use crate::config;
use crate::failure::{CliResult, Failure};
use crate::journal::{Journal, Outcome};
use crate::precheck;
use numport::Redactor;

/// Runs `numport submit`.
pub async fn run(args: &SubmitArgs, global: &Global) -> CliResult {
    let carrier: Carrier = args.carrier.into();
    let mut masker = Redactor::new();
    config::learn_env_secrets(&mut masker);
    if let Some(out) = &args.out {
        Journal::check_new(out)?;
    }
    let previous = match &args.resume {
        Some(path) => Journal::read(path)?,
        None => Vec::new(),
    };
    let mut prepared = prepare::prepare(args, carrier, &previous, &mut masker)?;
    prepared.refuse_or_skip(args, &masker)?;
    let session = config::connect(carrier, global.sandbox, &mut masker).await?;
    if let config::Client::Cellhire(client) = &session.client {
        let problems = precheck::cellhire(client, &prepared.valid, &masker).await?;
        prepared.add_problems(problems);
        prepared.refuse_or_skip(args, &masker)?;
    }
    let mut journal = match (&args.resume, &args.out) {
        (Some(path), _) => Journal::resume(path, args.out_format)?.0,
        (None, Some(path)) => Journal::create(path, args.out_format)?,
        (None, None) => return Err(Failure::usage("give --out FILE or --resume FILE")),
    };
    let mut written = Vec::new();
    let invalid = prepared.invalid_records(carrier, &previous, &masker);
    journal.append(&invalid)?;
    written.extend(invalid);

    let provider = session.provider();
    // With Redis, every order created is recorded in the order ledger
    // there (which `numport follow` follows): through `OnceSubmitter`, and
    // here for those a resumed run finds at the carrier.
    let ledger = send::ledger(&session);
    let plan = resume::plan(&prepared, &previous);
    let settled = resume::reconcile(provider, &prepared, &plan, ledger.as_ref(), &masker).await;
    journal.append(&settled.records)?;
    written.extend(settled.records);

    let mut to_send = plan.to_send;
    to_send.extend(settled.resend);
    to_send.sort_unstable();
    let rows: Vec<&crate::rows::Row> = prepared
        .valid
        .iter()
        .filter(|r| to_send.binary_search(&r.line).is_ok())
        .collect();
    // Under idempotency keys every row is an order of its own: an order
    // merging rows would depend on which rows this run sends (a resumed run
    // sends fewer than a fresh one on another machine), so no key of the
    // file could name it.
    let once = send::once(&session, ledger);
    let keys = match &session.client {
        config::Client::Cellhire(client) if once.is_none() => {
            precheck::cellhire_port_keys(client, &rows).await
        }
        _ => std::collections::HashMap::new(),
    };
    let batches = send::batches(
        &rows,
        &keys,
        args.batch_size as usize,
        args.max_lines_per_order as usize,
    );
    let sent = send::send(
        args,
        &session,
        batches,
        once.as_ref(),
        &mut journal,
        &masker,
    )
    .await?;
    written.extend(sent.records);

    let mut all = previous;
    all.extend(written);
    let summary = report::Summary::new(&prepared, &all, sent.interrupted, args);
    summary.print(&prepared, global.json, &masker);
    Ok(if summary.all_submitted() {
        crate::failure::OK
    } else {
        crate::failure::SOME_FAILED
    })
}

/// True when a row whose last record has `outcome` is sent (again).
fn sendable(outcome: Option<Outcome>) -> bool {
    matches!(outcome, None | Some(Outcome::Failed | Outcome::Invalid))
}
