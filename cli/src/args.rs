//! The command-line tree: every subcommand, option and help text.

use std::path::PathBuf;
use std::time::Duration;

use clap::{ArgAction, Args, Parser, Subcommand, ValueEnum};
use numport::Carrier;

/// Exit codes and environment, shown at the end of `numport --help`.
const AFTER_HELP: &str = "\
Exit codes:
  0    everything asked for succeeded (every row submitted, every order complete)
  1    some rows or orders failed, need a manual check, or the run was interrupted
  2    usage, configuration or input-file error, or an operation the carrier lacks;
       nothing was sent
  130  a second Ctrl-C aborted `submit` at once (rows in flight stay `pending`
       in the results file; --resume reconciles them)

Environment (the same variables as the crate's examples):
  Cellhire    CELLHIRE_BASE_URL, CELLHIRE_ACCOUNT_ID, and CELLHIRE_TOKEN or
              CELLHIRE_CLIENT_ID + CELLHIRE_CLIENT_SECRET (token endpoint
              CELLHIRE_AUTH_URL)
  Apeiron     APEIRON_BASE_URL, APEIRON_USERNAME, APEIRON_API_TOKEN
  iNumbering  INUMBERING_BASE_URL, INUMBERING_USERNAME, INUMBERING_PASSWORD,
              INUMBERING_ADMIN=1 for admin orders, and optionally
              INUMBERING_API_KEY (a key saved from an earlier exchange: spares
              the six key exchanges an hour)
  State       credentials and caches (the iNumbering API key and its hourly
              exchange budget, Cellhire tokens and networks) are kept between
              runs: in Redis when NUMPORT_REDIS_URL is set, else in the file
              store.json of NUMPORT_STATE_DIR (default
              $XDG_STATE_HOME/numport or ~/.local/state/numport; owner-only).
              NUMPORT_REDIS_SEALING_KEY (32 bytes, base64) seals what is kept.
              With NUMPORT_REDIS_URL, `submit` also claims each row there under
              its idempotency key (the results file's idempotency_key column,
              the same for the same row on every machine): machines submitting
              copies of one file book each number once; and records every
              order it creates in the order ledger there, which `numport
              follow` follows.
  `numport sandbox` prints these for the embedded sandboxes; --sandbox starts
  them in-process instead (nothing is kept then). Secrets (tokens, passwords, PACs, PINs, account
  numbers) are never printed by any command but `numport sandbox`, whose
  credentials are the sandboxes' public, local ones.";

/// One async API for porting mobile numbers in through Cellhire, Apeiron
/// and iNumbering.
#[derive(Debug, Parser)]
#[command(name = "numport", version, after_help = AFTER_HELP)]
pub struct Cli {
    /// Options every subcommand takes.
    #[command(flatten)]
    pub global: Global,
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// Options every subcommand takes.
#[derive(Debug, Args)]
pub struct Global {
    /// Run against the embedded sandboxes, started in this process, instead
    /// of the carriers the environment names.
    #[arg(long, global = true)]
    pub sandbox: bool,
    /// Print JSON for scripts instead of tables.
    #[arg(long, global = true)]
    pub json: bool,
    /// More log output on stderr (-v: info, -vv: debug).
    #[arg(short, long, action = ArgAction::Count, global = true)]
    pub verbose: u8,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Ask whether numbers can be ported in (iNumbering; the others have no check).
    Check(CheckArgs),
    /// Submit a file of port requests, one row per number.
    Submit(Box<SubmitArgs>),
    /// Show one order with its lines.
    Order(OrderArgs),
    /// List the account's orders.
    Orders(OrdersArgs),
    /// Follow orders until every one is complete, cancelled or failed.
    Watch(WatchArgs),
    /// Change lines of an order: a new PAC, or a line cancelled (Cellhire).
    Amend(AmendArgs),
    /// Cancel whole orders (Cellhire, before the port is locked).
    Cancel(CancelArgs),
    /// Set or generate port-out PINs of the account's own numbers (iNumbering).
    Pins(PinsArgs),
    /// Start the three sandboxes on loopback and serve until Ctrl-C.
    Sandbox(SandboxArgs),
    /// Follow every open order of the ledger in Redis and publish each
    /// change to the event stream (one poller per carrier account across
    /// machines).
    Follow(FollowArgs),
    /// Deliver the event stream to an HTTP endpoint as signed webhooks.
    Relay(RelayArgs),
}

/// A carrier, as the command line names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum CarrierArg {
    /// Cellhire (UK and European MNP, PAC based).
    Cellhire,
    /// Apeiron (US cellular port-in).
    Apeiron,
    /// iNumbering by VoiceTel (US LNP).
    Inumbering,
}

impl From<CarrierArg> for Carrier {
    fn from(c: CarrierArg) -> Self {
        match c {
            CarrierArg::Cellhire => Carrier::Cellhire,
            CarrierArg::Apeiron => Carrier::Apeiron,
            CarrierArg::Inumbering => Carrier::INumbering,
        }
    }
}

/// A file format for port requests or results.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FileFormat {
    /// Comma-separated values with a header row.
    Csv,
    /// One JSON object a line (also `.ndjson`).
    Jsonl,
}

/// `numport check`.
#[derive(Debug, Args)]
pub struct CheckArgs {
    /// The carrier to ask.
    #[arg(long, value_enum)]
    pub carrier: CarrierArg,
    /// The numbers (E.164, or 10-digit NANP).
    #[arg(required = true)]
    pub numbers: Vec<String>,
}

/// `numport submit`.
#[derive(Debug, Args)]
#[command(after_help = crate::columns::help())]
pub struct SubmitArgs {
    /// The port requests: CSV, or JSON lines (.jsonl, .ndjson).
    pub file: PathBuf,
    /// The carrier to submit through. With a `carrier` column, only that
    /// carrier's rows are submitted.
    #[arg(long, value_enum)]
    pub carrier: CarrierArg,
    /// The input's format, when its extension does not say.
    #[arg(long, value_enum)]
    pub format: Option<FileFormat>,
    /// The results file to create (an append-only journal; CSV, or JSON lines
    /// for .jsonl/.ndjson). Refused when it already holds records.
    #[arg(long, value_name = "FILE", required_unless_present = "resume")]
    pub out: Option<PathBuf>,
    /// Continue an interrupted run: skip the rows this results file shows as
    /// submitted, reconcile the ones whose outcome is unknown, and append to it.
    #[arg(long, value_name = "FILE", conflicts_with = "out")]
    pub resume: Option<PathBuf>,
    /// The results file's format, when its extension does not say.
    #[arg(long, value_enum)]
    pub out_format: Option<FileFormat>,
    /// Send the valid rows when some are invalid (the invalid ones are
    /// recorded as `invalid`).
    #[arg(long)]
    pub skip_invalid: bool,
    /// Rows journaled and handed to the carrier at a time. Batches are cut
    /// between orders: Cellhire rows that make one port go in one batch,
    /// and a port larger than this goes whole in a batch of its own.
    #[arg(long, default_value_t = 100, value_parser = clap::value_parser!(u32).range(1..=10_000))]
    pub batch_size: u32,
    /// Carrier calls in flight at once (iNumbering admin orders are placed
    /// one at a time, so that each is linked to its status record).
    #[arg(long, default_value_t = 8, value_parser = clap::value_parser!(u32).range(1..=64))]
    pub concurrency: u32,
    /// The most rows merged into one order, where the carrier merges
    /// (Cellhire; with NUMPORT_REDIS_URL set each row is an order of its own,
    /// submitted once under its idempotency key).
    #[arg(long, default_value_t = 100, value_parser = clap::value_parser!(u32).range(1..=1_000))]
    pub max_lines_per_order: u32,
    /// Text hashed into every row's idempotency key. With NUMPORT_REDIS_URL
    /// a key's outcome (submitted, or refused) is answered for 24 hours
    /// without sending, and a row whose PAC, PIN or account number changed
    /// in that time is `manual_check`; under a new scope every row is a new
    /// request and is sent: check with the carrier first that it holds no
    /// order for it. Every machine submitting the file must pass the same.
    #[arg(long, value_name = "TEXT")]
    pub key_scope: Option<String>,
    /// A wait between batches, to spread the load on the carrier (500ms, 2s, 1m).
    #[arg(long, value_name = "DURATION", default_value = "0s", value_parser = parse_duration)]
    pub pause: Duration,
}

/// `numport order`.
#[derive(Debug, Args)]
pub struct OrderArgs {
    /// The carrier holding the order.
    #[arg(long, value_enum)]
    pub carrier: CarrierArg,
    /// The order id.
    pub id: String,
}

/// `numport orders`.
#[derive(Debug, Args)]
pub struct OrdersArgs {
    /// The carrier to list.
    #[arg(long, value_enum)]
    pub carrier: CarrierArg,
    /// Only orders in this state: received, action_required, submitted,
    /// scheduled, ported, provisioning, complete, cancel_requested,
    /// cancelled, carrier_error, failed, unknown; or `open` (not yet
    /// complete, cancelled or failed).
    #[arg(long, value_name = "STATUS")]
    pub status: Option<String>,
    /// Only orders whose port date is on or after this day (YYYY-MM-DD);
    /// orders without a date are left out.
    #[arg(long, value_name = "DATE")]
    pub since: Option<chrono::NaiveDate>,
}

/// `numport watch`.
#[derive(Debug, Args)]
pub struct WatchArgs {
    /// The orders to follow.
    #[arg(required_unless_present = "from", conflicts_with = "from")]
    pub ids: Vec<String>,
    /// Follow every order a `submit` results file records.
    #[arg(long, value_name = "RESULTS_FILE")]
    pub from: Option<PathBuf>,
    /// The carrier holding the orders (read from the results file with --from).
    #[arg(long, value_enum, required_unless_present = "from")]
    pub carrier: Option<CarrierArg>,
    /// The wait between rounds of status reads.
    #[arg(long, value_name = "DURATION", default_value = "60s", value_parser = parse_duration)]
    pub interval: Duration,
    /// Stop following after this long (exit 1 when orders are still open).
    #[arg(long, value_name = "DURATION", value_parser = parse_duration)]
    pub timeout: Option<Duration>,
}

/// `numport amend`.
#[derive(Debug, Args)]
pub struct AmendArgs {
    /// The carrier holding the order.
    #[arg(long, value_enum)]
    pub carrier: CarrierArg,
    /// The order id.
    pub id: String,
    /// A corrected PAC for a line refused at the PAC check (the PAC is never
    /// printed; mind your shell history).
    #[arg(long, value_name = "NUMBER=PAC")]
    pub new_pac: Vec<String>,
    /// Cancel this line only.
    #[arg(long, value_name = "NUMBER")]
    pub cancel_line: Vec<String>,
}

/// `numport cancel`.
#[derive(Debug, Args)]
pub struct CancelArgs {
    /// The carrier holding the orders.
    #[arg(long, value_enum)]
    pub carrier: CarrierArg,
    /// The order ids.
    #[arg(required = true)]
    pub ids: Vec<String>,
}

/// `numport pins`.
#[derive(Debug, Args)]
pub struct PinsArgs {
    /// The carrier (only iNumbering has port-out PINs).
    #[arg(long, value_enum, default_value = "inumbering")]
    pub carrier: CarrierArg,
    /// Numbers to give a generated PIN.
    pub numbers: Vec<String>,
    /// Set this PIN (4 digits) on a number.
    #[arg(long, value_name = "NUMBER=PIN")]
    pub set: Vec<String>,
    /// Print the assigned PINs (masked otherwise).
    #[arg(long)]
    pub reveal: bool,
    /// Write the assigned PINs to this new file (CSV `number,pin`, readable by
    /// its owner only), created before the carrier is called. Without --out
    /// or --reveal, generated PINs go to a new file in the state folder,
    /// whose name is printed: a PIN the carrier made is never thrown away.
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
}

/// `numport relay`.
#[derive(Debug, Args)]
#[command(after_help = crate::relay::HELP)]
pub struct RelayArgs {
    /// The endpoint: https, or plain http on a loopback host only.
    #[arg(long, value_name = "URL")]
    pub url: String,
    /// A file holding the secret (`whsec_...`), read instead of
    /// NUMPORT_WEBHOOK_SECRET.
    #[arg(long, value_name = "FILE")]
    pub secret_file: Option<PathBuf>,
    /// Refused: a secret on the command line shows in the process list
    /// and the shell's history.
    #[arg(long, hide = true, value_name = "SECRET", num_args = 0..=1)]
    pub secret: Option<Option<String>>,
    /// The event stream.
    #[arg(long, default_value = numport::DEFAULT_EVENT_STREAM)]
    pub stream: String,
    /// The consumer group: relays of one group share the events.
    #[arg(long, default_value = numport::webhook::DEFAULT_RELAY_GROUP)]
    pub group: String,
    /// This relay's name in the group (default: host name and process id).
    /// Give a cron job a fixed one, so that each run takes back the events
    /// the last one left pending.
    #[arg(long)]
    pub consumer: Option<String>,
    /// The waits before each attempt: the first before the first attempt,
    /// then after each failure (at most 20 steps, each at most 1d).
    #[arg(
        long,
        value_name = "STEPS",
        default_value = "0s,5s,5m,30m,2h,5h,10h,10h"
    )]
    pub schedule: String,
    /// Deliver what is due now, then exit (for cron).
    #[arg(long)]
    pub once: bool,
}

/// `numport follow`.
#[derive(Debug, Args)]
#[command(after_help = crate::follow::HELP)]
pub struct FollowArgs {
    /// Follow only this carrier's orders (repeatable; default: every
    /// carrier whose variables are set, or all with --sandbox).
    #[arg(long, value_enum)]
    pub carrier: Vec<CarrierArg>,
    /// The event stream the changes are published to.
    #[arg(long, default_value = numport::DEFAULT_EVENT_STREAM)]
    pub stream: String,
    /// The wait between two rounds of the lease's holder (1ms to 1d).
    #[arg(long, value_name = "DURATION", default_value = "30s", value_parser = parse_duration)]
    pub interval: Duration,
    /// How long a carrier account's lease lasts from its holder's last
    /// renewal (1s to 10m, default 10s): the holder renews it every third
    /// of it while following, and a holder that died is replaced within
    /// about this long.
    #[arg(long, value_name = "DURATION", value_parser = parse_duration)]
    pub lease: Option<Duration>,
    /// One round per carrier, then exit (for cron). The lease is kept until
    /// it runs out, so that another `--once` within it polls nothing.
    #[arg(long)]
    pub once: bool,
}

/// `numport sandbox`.
#[derive(Debug, Args)]
pub struct SandboxArgs {
    /// How often the sandboxes' orders move one step along their flows.
    #[arg(long, value_name = "DURATION", default_value = "1s", value_parser = parse_duration)]
    pub tick: Duration,
    /// Write the `export` lines to this new file (readable by its owner only)
    /// instead of standard output.
    #[arg(long, value_name = "FILE")]
    pub env_file: Option<PathBuf>,
}

/// Reads `250ms`, `2s`, `1.5s`, `3m`, `1h`, or plain seconds.
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    let text = text.trim();
    let split = text
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(text.len());
    let (value, unit) = text.split_at(split);
    let value: f64 = value
        .parse()
        .map_err(|_| format!("{text:?} is not a duration such as 500ms, 2s, 1m"))?;
    let seconds = match unit.trim() {
        "ms" => value / 1000.0,
        "" | "s" => value,
        "m" => value * 60.0,
        "h" => value * 3600.0,
        other => return Err(format!("unknown unit {other:?}: use ms, s, m or h")),
    };
    if !seconds.is_finite() || !(0.0..=86_400.0 * 7.0).contains(&seconds) {
        return Err(format!("{text:?} is out of range (at most a week)"));
    }
    Ok(Duration::from_secs_f64(seconds))
}

/// The command line's name of a carrier (`inumbering`), as results files
/// record it.
pub fn carrier_name(carrier: Carrier) -> &'static str {
    match carrier {
        Carrier::Cellhire => "cellhire",
        Carrier::Apeiron => "apeiron",
        _ => "inumbering",
    }
}

/// The carrier a results file names.
pub fn carrier_named(name: &str) -> Option<Carrier> {
    match name {
        "cellhire" => Some(Carrier::Cellhire),
        "apeiron" => Some(Carrier::Apeiron),
        "inumbering" => Some(Carrier::INumbering),
        _ => None,
    }
}
