//! `numport follow`: the open orders of the order ledger in Redis followed
//! at their carriers, one `numport::Follower` per carrier account, each
//! status change published to the event stream (which `numport relay`
//! delivers).
//!
//! Following continuously goes through [`Follower::run_reporting`] (one
//! per carrier, at once): the lease is renewed in the background, also
//! between rounds, and each round is reported on stderr. `--once` runs
//! one [`Follower::round`] per carrier and leaves the lease to run out.

use std::sync::Arc;
use std::time::Duration;

use numport::store::Store;
use numport::{
    Carrier, DEFAULT_FOLLOW_LEASE, Events, Follower, Ledger, MAX_FOLLOW_INTERVAL, MAX_FOLLOW_LEASE,
    MIN_FOLLOW_INTERVAL, MIN_FOLLOW_LEASE, REDIS_URL_VAR, Redactor, RoundLease, RoundReport,
};
use tokio::sync::watch;

use crate::args::{FollowArgs, Global, carrier_name};
use crate::config::{self, Session, env};
use crate::failure::{self, CliResult, Failure};
use crate::signals::Signals;

/// Shown after `numport follow --help`.
pub const HELP: &str = "\
The orders are those `numport submit` recorded in the order ledger in Redis
(NUMPORT_REDIS_URL, required), for every carrier configured as for the
other subcommands (--carrier to choose; --sandbox follows sandboxes started
here, new accounts with no orders in the ledger: for trying it out).
Apeiron cannot be followed (it has no status call). Every machine
may run it: per carrier account, one of them holds a lease in Redis and
polls, with the fewest calls a round; the others wait and take over when
its lease runs out. Each status change is written into the ledger, then
published to the stream (at least once, in sequence per order), where
`numport relay` reads it. Each round is reported on stderr: the carrier,
whether this process held the lease, and how many orders it followed,
changed and published.

Exit codes: 0 every round ran (held or not); 1 a round failed or lost its
lease midway (with --once; following, rounds are tried again, and the exit
code after Ctrl-C says whether any failed); 2 a usage or configuration
error, or no carrier that can be followed (nothing sent).";

/// The variables whose presence says a carrier is configured (the names
/// `numport::Registry::from_env` looks at).
const CONFIGURED_BY: [(Carrier, &[&str]); 3] = [
    (
        Carrier::Cellhire,
        &[
            "CELLHIRE_ACCOUNT_ID",
            "CELLHIRE_TOKEN",
            "CELLHIRE_CLIENT_ID",
            "CELLHIRE_CLIENT_SECRET",
        ],
    ),
    (Carrier::Apeiron, &["APEIRON_USERNAME", "APEIRON_API_TOKEN"]),
    (
        Carrier::INumbering,
        &["INUMBERING_USERNAME", "INUMBERING_PASSWORD"],
    ),
];

/// The lease and interval of a run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Timing {
    interval: Duration,
    lease: Duration,
}

impl Timing {
    /// The interval and lease `args` ask for, checked: any lease in range,
    /// by default the library's ([`DEFAULT_FOLLOW_LEASE`]).
    fn new(args: &FollowArgs) -> CliResult<Self> {
        let interval = args.interval;
        if !(MIN_FOLLOW_INTERVAL..=MAX_FOLLOW_INTERVAL).contains(&interval) {
            return Err(Failure::usage(format!(
                "--interval must be between {MIN_FOLLOW_INTERVAL:?} and {MAX_FOLLOW_INTERVAL:?}, \
                 not {interval:?}"
            )));
        }
        if let Some(lease) = args.lease {
            if !(MIN_FOLLOW_LEASE..=MAX_FOLLOW_LEASE).contains(&lease) {
                return Err(Failure::usage(format!(
                    "--lease must be between {MIN_FOLLOW_LEASE:?} and {MAX_FOLLOW_LEASE:?}, not \
                     {lease:?}"
                )));
            }
        }
        let lease = args.lease.unwrap_or(DEFAULT_FOLLOW_LEASE);
        Ok(Self { interval, lease })
    }
}

/// A carrier account's follower, and the connection behind it.
struct Followed {
    carrier: Carrier,
    follower: Follower,
    _session: Session,
}

impl Followed {
    fn name(&self) -> &'static str {
        carrier_name(self.carrier)
    }
}

/// What the rounds of one carrier came to.
#[derive(Debug, Default, Clone, Copy)]
struct Tally {
    rounds: u64,
    /// Rounds that failed, or lost the lease midway.
    failed: u64,
}

/// Runs `numport follow`.
pub async fn run(args: &FollowArgs, global: &Global) -> CliResult {
    let mut masker = Redactor::new();
    config::learn_env_secrets(&mut masker);
    let timing = Timing::new(args)?;
    if args.stream.is_empty() || args.stream.len() > 512 {
        return Err(Failure::usage(
            "--stream must name a stream of 1 to 512 bytes",
        ));
    }
    if env(REDIS_URL_VAR).is_none() {
        return Err(Failure::usage(format!(
            "{REDIS_URL_VAR} is not set: follow reads the order ledger and publishes to the \
             event stream in Redis"
        )));
    }
    let store: Arc<dyn Store> = crate::state::store(false, env)?
        .ok_or_else(|| Failure::usage(format!("{REDIS_URL_VAR}: no Redis store could be made")))?;
    let chosen = carriers(args, global.sandbox)?;
    if chosen.contains(&Carrier::Apeiron) {
        eprintln!(
            "numport: apeiron orders cannot be followed (Apeiron has no status call): they stay \
             in the ledger; ask Apeiron about them"
        );
    }
    let trackable: Vec<Carrier> = chosen
        .into_iter()
        .filter(|c| *c != Carrier::Apeiron)
        .collect();
    if trackable.is_empty() {
        return Err(Failure::usage(
            "no carrier to follow: only Cellhire and iNumbering orders can be followed",
        ));
    }
    let ledger = Ledger::new(store.clone());
    let events = Events::new(store).stream(args.stream.clone());
    let mut followed = Vec::new();
    for carrier in trackable {
        let session = config::connect(carrier, global.sandbox, &mut masker).await?;
        let follower = Follower::new(session.shared_provider(), ledger.clone(), events.clone())
            .lease(timing.lease)
            .interval(timing.interval);
        followed.push(Followed {
            carrier,
            follower,
            _session: session,
        });
    }
    let names: Vec<&str> = followed.iter().map(Followed::name).collect();
    if args.once {
        eprintln!(
            "numport: one round of {} onto {} (the lease, {:?}, is kept until it runs out)",
            names.join(", "),
            args.stream,
            timing.lease
        );
        once(&followed, &masker).await
    } else {
        eprintln!(
            "numport: following {} onto {}, a round every {:?}, lease {:?}; Ctrl-C or SIGTERM \
             hands the lease back",
            names.join(", "),
            args.stream,
            timing.interval,
            timing.lease
        );
        until_stopped(&followed, timing, &masker).await
    }
}

/// The carriers to follow: those of `--carrier`; else every carrier with
/// `--sandbox`; else those whose variables are set.
fn carriers(args: &FollowArgs, sandbox: bool) -> CliResult<Vec<Carrier>> {
    let asked: Vec<Carrier> = args.carrier.iter().map(|c| Carrier::from(*c)).collect();
    let chosen: Vec<Carrier> = CONFIGURED_BY
        .iter()
        .filter(|(carrier, names)| {
            if !asked.is_empty() {
                asked.contains(carrier)
            } else {
                sandbox || names.iter().any(|name| env(name).is_some())
            }
        })
        .map(|(carrier, _)| *carrier)
        .collect();
    if chosen.is_empty() {
        return Err(Failure::usage(
            "no carrier is configured: set a carrier's variables (see `numport --help`) or pass \
             --sandbox",
        ));
    }
    Ok(chosen)
}

/// One round per carrier, one carrier after the other.
async fn once(followed: &[Followed], masker: &Redactor) -> CliResult {
    let mut failed = false;
    for f in followed {
        match f.follower.round().await {
            Ok(report) => {
                eprintln!("numport: {}", line(f.name(), &report));
                failed |= matches!(report.lease, RoundLease::Lost { .. });
            }
            Err(e) if matches!(e, numport::Error::Config(_)) => {
                return Err(Failure::api(
                    &format!("{} cannot be followed", f.name()),
                    &e,
                    masker,
                ));
            }
            Err(e) => {
                eprintln!(
                    "numport: {}: the round failed: {}",
                    f.name(),
                    masker.redact(&failure::describe(&e))
                );
                failed = true;
            }
        }
    }
    Ok(if failed {
        failure::SOME_FAILED
    } else {
        failure::OK
    })
}

/// Rounds of every carrier until Ctrl-C or SIGTERM; then each lease held
/// is handed back.
async fn until_stopped(followed: &[Followed], timing: Timing, masker: &Redactor) -> CliResult {
    let (stop, stopped) = watch::channel(false);
    let stop = Arc::new(stop);
    let on_signal = stop.clone();
    let signals = tokio::spawn(async move {
        let mut signals = Signals::new();
        signals.next().await;
        eprintln!("numport: stopping; handing the leases back");
        on_signal.send_replace(true);
    });
    let results = futures::future::join_all(
        followed
            .iter()
            .map(|f| follow(f, timing, stopped.clone(), &stop, masker)),
    )
    .await;
    signals.abort();
    let mut code = failure::OK;
    let mut summary = Vec::new();
    for (f, result) in followed.iter().zip(results) {
        let tally = result?;
        if tally.failed > 0 {
            code = failure::SOME_FAILED;
        }
        summary.push(format!(
            "{}: {} rounds, {} failed",
            f.name(),
            tally.rounds,
            tally.failed
        ));
    }
    eprintln!("numport: stopped ({})", summary.join("; "));
    Ok(code)
}

/// The rounds of one carrier ([`Follower::run_reporting`], each on
/// stderr) until `stopped` says stop (or another carrier's configuration
/// error stops them all); the lease is then handed back.
async fn follow(
    f: &Followed,
    timing: Timing,
    mut stopped: watch::Receiver<bool>,
    stop: &watch::Sender<bool>,
    masker: &Redactor,
) -> CliResult<Tally> {
    let mut tally = Tally::default();
    let mut at_stop = None;
    let shutdown = async {
        wait_for_stop(&mut stopped).await;
        at_stop = Some(f.follower.lease_status());
    };
    let on_round = |report: &RoundReport, error: Option<&numport::Error>| {
        tally.rounds = tally.rounds.saturating_add(1);
        match error {
            None => {
                eprintln!("numport: {}", line(f.name(), report));
                if matches!(report.lease, RoundLease::Lost { .. }) {
                    tally.failed = tally.failed.saturating_add(1);
                }
            }
            Some(e) => {
                tally.failed = tally.failed.saturating_add(1);
                // The follower's own wait: the interval, longer when the
                // carrier asks; the standby after a lease not taken.
                let wait = report.next_try_in.unwrap_or(timing.interval);
                eprintln!(
                    "numport: {}: the round failed: {}; trying again in {wait:?}",
                    f.name(),
                    masker.redact(&failure::describe(e))
                );
            }
        }
    };
    if let Err(e) = f.follower.run_reporting(shutdown, on_round).await {
        stop.send_replace(true);
        return Err(Failure::api(
            &format!("{} cannot be followed", f.name()),
            &e,
            masker,
        ));
    }
    if let Some(numport::FollowerLease {
        held: true,
        epoch: Some(epoch),
        ..
    }) = at_stop
    {
        eprintln!("numport: {}: lease handed back (epoch {epoch})", f.name());
    }
    Ok(tally)
}

/// Completes once a stop was asked for.
async fn wait_for_stop(stopped: &mut watch::Receiver<bool>) {
    if stopped.wait_for(|stop| *stop).await.is_err() {
        // Nobody can ask any more.
        std::future::pending::<()>().await;
    }
}

/// One round, as one line.
fn line(name: &str, report: &RoundReport) -> String {
    let counts = || {
        let mut counts = format!(
            "{} followed, {} changed, {} published",
            report.followed, report.changed, report.published
        );
        if report.missing > 0 {
            counts.push_str(&format!(
                ", {} missing at the carrier (left in the ledger)",
                report.missing
            ));
        }
        counts
    };
    match report.lease {
        RoundLease::Held { epoch } => {
            format!("{name}: held the lease (epoch {epoch}): {}", counts())
        }
        RoundLease::Lost { epoch } => format!(
            "{name}: held the lease (epoch {epoch}) and lost it during the round: {}",
            counts()
        ),
        RoundLease::Elsewhere { epoch: Some(epoch) } => format!(
            "{name}: did not hold the lease (another follower holds it, epoch {epoch}): nothing \
             read"
        ),
        _ => format!("{name}: did not hold the lease (another follower holds it): nothing read"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    fn timing(line: &[&str]) -> CliResult<Timing> {
        let mut argv = vec!["numport", "follow"];
        argv.extend_from_slice(line);
        let cli = crate::args::Cli::try_parse_from(argv).expect("parses");
        match cli.command {
            crate::args::Command::Follow(args) => Timing::new(&args),
            other => panic!("not follow: {other:?}"),
        }
    }

    #[test]
    fn the_lease_is_the_librarys_unless_given() {
        let secs = Duration::from_secs;
        let t = timing(&[]).unwrap();
        assert_eq!((t.interval, t.lease), (secs(30), secs(10)));
        let t = timing(&["--interval", "1s"]).unwrap();
        assert_eq!((t.interval, t.lease), (secs(1), secs(10)));
        let t = timing(&["--interval", "1h"]).unwrap();
        assert_eq!(t.lease, DEFAULT_FOLLOW_LEASE);
        let t = timing(&["--once"]).unwrap();
        assert_eq!(t.lease, DEFAULT_FOLLOW_LEASE);
        let t = timing(&["--once", "--lease", "2s"]).unwrap();
        assert_eq!(t.lease, secs(2));
        // A lease shorter than the interval is taken: it is renewed
        // between rounds.
        let t = timing(&["--interval", "30s", "--lease", "1s"]).unwrap();
        assert_eq!(t.lease, secs(1));
        let t = timing(&["--lease", "10m"]).unwrap();
        assert_eq!(t.lease, MAX_FOLLOW_LEASE);

        let e = timing(&["--lease", "11m"]).unwrap_err();
        assert_eq!(e.code, failure::USAGE);
        assert_eq!(e.message, "--lease must be between 1s and 600s, not 660s");
        let e = timing(&["--lease", "999ms"]).unwrap_err();
        assert_eq!(e.message, "--lease must be between 1s and 600s, not 999ms");
        let e = timing(&["--once", "--lease", "11m"]).unwrap_err();
        assert_eq!(e.message, "--lease must be between 1s and 600s, not 660s");
        let e = timing(&["--interval", "0s"]).unwrap_err();
        assert_eq!(
            e.message,
            "--interval must be between 1ms and 86400s, not 0ns"
        );
    }
}
