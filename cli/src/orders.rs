//! `numport order` and `numport orders`.

use futures::StreamExt;
use numport::{PortId, PortOrder, PortStatus, PortSummary};
use serde::Serialize;

use crate::args::{Global, OrderArgs, OrdersArgs};
use crate::config;
use crate::failure::{CliResult, Failure, OK};
use numport::Redactor;

use crate::output::{self, or_dash, status_name};
use crate::output::{out, outln};

/// An order id from the command line.
pub fn port_id(text: &str) -> CliResult<PortId> {
    PortId::new(text.trim())
        .map_err(|e| Failure::usage(format!("{text:?} is not an order id: {}", e.problem)))
}

/// One line of an order, as printed.
#[derive(Debug, Serialize)]
struct LineView {
    number: String,
    status: String,
    carrier_status: String,
    sim: Option<String>,
    message: Option<String>,
}

/// An order, as printed (carrier messages masked).
#[derive(Debug, Serialize)]
struct OrderView {
    id: String,
    carrier: &'static str,
    status: String,
    carrier_status: String,
    name: Option<String>,
    port_date: Option<chrono::NaiveDate>,
    message: Option<String>,
    lines: Vec<LineView>,
}

impl OrderView {
    fn new(order: &PortOrder, masker: &Redactor) -> Self {
        Self {
            id: order.id.to_string(),
            carrier: crate::args::carrier_name(order.carrier),
            status: status_name(&order.status),
            carrier_status: order.carrier_status.name.clone(),
            name: order.name.clone(),
            port_date: order.port_date,
            message: masker.redact_opt(order.message.as_deref()),
            lines: order
                .lines
                .iter()
                .map(|l| LineView {
                    number: l
                        .number
                        .as_ref()
                        .map_or_else(|| l.msisdn.clone(), |n| n.e164()),
                    status: status_name(&l.status),
                    carrier_status: l.carrier_status.name.clone(),
                    sim: l.sim.clone(),
                    message: masker.redact_opt(l.message.as_deref()),
                })
                .collect(),
        }
    }
}

/// `numport order ID`.
pub async fn order(args: &OrderArgs, global: &Global) -> CliResult {
    let mut masker = Redactor::new();
    config::learn_env_secrets(&mut masker);
    let id = port_id(&args.id)?;
    let session = config::connect(args.carrier.into(), global.sandbox, &mut masker).await?;
    let order = session
        .recorded_provider(&masker)?
        .order(&id)
        .await
        .map_err(|e| Failure::api(&format!("cannot read order {id}"), &e, &masker))?;
    let view = OrderView::new(&order, &masker);
    if global.json {
        output::json(&view);
        return Ok(OK);
    }
    outln!("order        {}", view.id);
    outln!("carrier      {}", order.carrier);
    outln!("status       {} ({})", view.status, view.carrier_status);
    outln!("name         {}", or_dash(view.name.as_ref()));
    outln!("port date    {}", or_dash(view.port_date));
    outln!("message      {}", or_dash(view.message.as_ref()));
    if !view.lines.is_empty() {
        let rows: Vec<Vec<String>> = view
            .lines
            .iter()
            .map(|l| {
                vec![
                    l.number.clone(),
                    l.status.clone(),
                    l.carrier_status.clone(),
                    or_dash(l.sim.as_ref()),
                    or_dash(l.message.as_ref()),
                ]
            })
            .collect();
        outln!();
        out!(
            "{}",
            output::table(
                &["number", "status", "carrier status", "sim", "message"],
                &rows
            )
        );
    }
    Ok(OK)
}

/// An order of a listing, as printed.
#[derive(Debug, Serialize)]
struct SummaryView {
    id: String,
    status: String,
    carrier_status: String,
    name: Option<String>,
    port_date: Option<chrono::NaiveDate>,
    lines: Option<u32>,
    message: Option<String>,
}

/// Which statuses `--status` keeps.
enum StatusFilter {
    /// Every order not yet complete, cancelled or failed.
    Open,
    /// Orders in this state.
    Is(PortStatus),
}

impl StatusFilter {
    fn parse(text: &str) -> CliResult<Self> {
        let text = text.trim().to_ascii_lowercase();
        if text == "open" {
            return Ok(Self::Open);
        }
        serde_json::from_value(serde_json::Value::String(text.clone()))
            .map(Self::Is)
            .map_err(|_| {
                let known: Vec<String> = PortStatus::ALL.iter().map(status_name).collect();
                Failure::usage(format!(
                    "--status {text:?} is not a status: use open or one of {}",
                    known.join(", ")
                ))
            })
    }

    fn keeps(&self, status: PortStatus) -> bool {
        match self {
            Self::Open => !status.is_terminal(),
            Self::Is(wanted) => status == *wanted,
        }
    }
}

/// `numport orders`.
pub async fn orders(args: &OrdersArgs, global: &Global) -> CliResult {
    let mut masker = Redactor::new();
    config::learn_env_secrets(&mut masker);
    let keep = args
        .status
        .as_deref()
        .map(StatusFilter::parse)
        .transpose()?;
    let session = config::connect(args.carrier.into(), global.sandbox, &mut masker).await?;
    let provider = session.recorded_provider(&masker)?;
    let mut listing = provider.orders();
    let mut views = Vec::new();
    while let Some(item) = listing.next().await {
        let summary: PortSummary =
            item.map_err(|e| Failure::api("cannot list the orders", &e, &masker))?;
        if keep
            .as_ref()
            .is_some_and(|keep| !keep.keeps(summary.status))
        {
            continue;
        }
        if let Some(since) = args.since {
            if summary.port_date.is_none_or(|d| d < since) {
                continue;
            }
        }
        views.push(SummaryView {
            id: summary.id.to_string(),
            status: status_name(&summary.status),
            carrier_status: summary.carrier_status.name.clone(),
            name: summary.name.clone(),
            port_date: summary.port_date,
            lines: summary.line_count,
            message: masker.redact_opt(summary.message.as_deref()),
        });
    }
    if global.json {
        output::json(&views);
        return Ok(OK);
    }
    let rows: Vec<Vec<String>> = views
        .iter()
        .map(|v| {
            vec![
                v.id.clone(),
                v.status.clone(),
                v.carrier_status.clone(),
                or_dash(v.name.as_ref()),
                or_dash(v.port_date),
                or_dash(v.lines),
                or_dash(v.message.as_ref()),
            ]
        })
        .collect();
    out!(
        "{}",
        output::table(
            &[
                "id",
                "status",
                "carrier status",
                "name",
                "port date",
                "lines",
                "message"
            ],
            &rows
        )
    );
    outln!("{} orders", views.len());
    Ok(OK)
}
