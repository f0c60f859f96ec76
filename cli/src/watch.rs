//! `numport watch`: follows orders with `watch_many` (the fewest carrier
//! calls a round), one line per change, until every order is terminal.

use std::collections::{BTreeMap, BTreeSet};

use futures::StreamExt;
use numport::{Carrier, OrderChange, PortId, PortProviderExt, PortStatus, TrackOptions, Tracking};
use serde::Serialize;

use crate::args::{Global, WatchArgs, carrier_name, carrier_named};
use crate::config;
use crate::failure::{CliResult, Failure, OK, SOME_FAILED};
use crate::journal::{self, Journal, Outcome};
use crate::orders::port_id;
use crate::output::outln;
use numport::Redactor;

use crate::output::{self, status_name};

/// The carrier and the orders to follow.
fn targets(args: &WatchArgs) -> CliResult<(Carrier, Vec<PortId>)> {
    let Some(path) = &args.from else {
        let carrier = args
            .carrier
            .ok_or_else(|| Failure::usage("give --carrier"))?
            .into();
        let ids = args
            .ids
            .iter()
            .map(|id| port_id(id))
            .collect::<CliResult<_>>()?;
        return Ok((carrier, ids));
    };
    let records = Journal::read(path)?;
    let last = journal::latest(&records);
    let carriers: BTreeSet<&str> = last.values().map(|r| r.carrier.as_str()).collect();
    let carrier = match carriers.into_iter().collect::<Vec<_>>().as_slice() {
        [one] => carrier_named(one).ok_or_else(|| {
            Failure::usage(format!("{} names an unknown carrier", path.display()))
        })?,
        [] => {
            return Err(Failure::usage(format!(
                "{} holds no records",
                path.display()
            )));
        }
        _ => return Err(Failure::usage(format!("{} mixes carriers", path.display()))),
    };
    if let Some(given) = args.carrier.map(Carrier::from) {
        if given != carrier {
            return Err(Failure::usage(format!(
                "{} holds {} orders, not {}",
                path.display(),
                carrier_name(carrier),
                carrier_name(given)
            )));
        }
    }
    let mut ids: Vec<PortId> = Vec::new();
    let unlinked = last.values().filter(|r| r.is_unlinked()).count();
    if unlinked > 0 {
        eprintln!(
            "numport: {unlinked} iNumbering admin orders of {} are not linked to a status record \
             and cannot be followed (see their notes)",
            path.display()
        );
    }
    for record in last
        .values()
        .filter(|r| r.outcome == Outcome::Submitted && !r.is_unlinked())
    {
        for id in record.order_ids() {
            let id = port_id(&id)?;
            if !ids.contains(&id) {
                ids.push(id);
            }
        }
    }
    let without = last
        .values()
        .filter(|r| r.outcome != Outcome::Submitted)
        .count();
    if without > 0 {
        eprintln!(
            "numport: {without} rows of {} hold no order (not followed)",
            path.display()
        );
    }
    if ids.is_empty() {
        return Err(Failure::usage(format!(
            "{} holds no submitted orders",
            path.display()
        )));
    }
    Ok((carrier, ids))
}

/// One change, as printed.
#[derive(Debug, Serialize)]
struct ChangeView {
    seen_at: chrono::DateTime<chrono::Utc>,
    id: String,
    from: Option<String>,
    to: String,
    carrier_status: String,
    message: Option<String>,
}

impl ChangeView {
    fn new(change: &OrderChange, masker: &Redactor) -> Self {
        Self {
            seen_at: change.seen_at,
            id: change.id.to_string(),
            from: change.from.as_ref().map(status_name),
            to: status_name(&change.to),
            carrier_status: change.carrier_status.name.clone(),
            message: masker.redact_opt(change.message.as_deref()),
        }
    }

    fn line(&self) -> String {
        let mut text = format!(
            "{}  {}  {} -> {}  ({})",
            self.seen_at.format("%H:%M:%S"),
            self.id,
            self.from.as_deref().unwrap_or("new"),
            self.to,
            self.carrier_status
        );
        if let Some(message) = &self.message {
            text.push_str("  ");
            text.push_str(message);
        }
        text
    }
}

/// `numport watch`.
pub async fn run(args: &WatchArgs, global: &Global) -> CliResult {
    let mut masker = Redactor::new();
    config::learn_env_secrets(&mut masker);
    let (carrier, ids) = targets(args)?;
    let session = config::connect(carrier, global.sandbox, &mut masker).await?;
    let provider = session.recorded_provider(&masker)?;
    let provider = &*provider;
    if provider.tracking() == Tracking::Unsupported {
        let error = numport::Error::Unsupported {
            carrier,
            operation: numport::Operation::Order,
        };
        return Err(Failure::api("cannot follow the orders", &error, &masker));
    }
    if !global.json {
        eprintln!(
            "numport: following {} {carrier} orders every {:?} until each is complete, cancelled or failed",
            ids.len(),
            args.interval
        );
    }
    let options = TrackOptions::default().with_interval(args.interval);
    let mut changes = provider.watch_many(ids.clone(), options);
    let deadline = args.timeout.map(|t| tokio::time::Instant::now() + t);
    let mut status: BTreeMap<String, PortStatus> = BTreeMap::new();
    let mut lost = 0usize;
    let mut timed_out = false;
    loop {
        let next = match deadline {
            Some(at) => match tokio::time::timeout_at(at, changes.next()).await {
                Ok(next) => next,
                Err(_) => {
                    timed_out = true;
                    break;
                }
            },
            None => changes.next().await,
        };
        match next {
            None => break,
            Some(Ok(change)) => {
                let view = ChangeView::new(&change, &masker);
                if global.json {
                    output::json_line(&view);
                } else {
                    outln!("{}", view.line());
                }
                status.insert(view.id, change.to);
                if output::stdout_closed() {
                    // Nobody reads the changes any more: stop following,
                    // as --timeout would.
                    timed_out = true;
                    break;
                }
            }
            Some(Err(e)) if e.is_not_found() => {
                lost += 1;
                eprintln!("numport: {}", masker.redact(&e.to_string()));
            }
            Some(Err(e)) => return Err(Failure::api("cannot follow the orders", &e, &masker)),
        }
    }
    let mut counts: BTreeMap<String, usize> = BTreeMap::new();
    for id in &ids {
        let name = match status.get(id.as_str()) {
            Some(s) if timed_out && !s.is_terminal() => format!("still {}", status_name(s)),
            Some(s) => status_name(s),
            None => "not seen".to_owned(),
        };
        *counts.entry(name).or_default() += 1;
    }
    let complete = ids
        .iter()
        .filter(|id| status.get(id.as_str()) == Some(&PortStatus::Complete))
        .count();
    if global.json {
        output::json_line(&serde_json::json!({
            "finished": !timed_out,
            "orders": ids.len(),
            "counts": counts,
        }));
    } else {
        let parts: Vec<String> = counts.iter().map(|(k, v)| format!("{v} {k}")).collect();
        let ending = if timed_out {
            " (stopped by --timeout)"
        } else {
            ""
        };
        outln!("{} orders: {}{ending}", ids.len(), parts.join(", "));
    }
    Ok(if complete == ids.len() && lost == 0 && !timed_out {
        OK
    } else {
        SOME_FAILED
    })
}
