//! `numport relay`: the events of a Redis stream delivered to one HTTP
//! endpoint as signed webhooks, by the library's `numport::webhook::Relay`.

use std::io::Read;
use std::path::Path;
use std::sync::Arc;

use numport::store::Store;
use numport::webhook::{Relay, RelayCounts, RetrySchedule, WebhookError, WebhookSecret};
use numport::{Events, REDIS_URL_VAR, Redactor};

use crate::args::{Global, RelayArgs};
use crate::config::env;
use crate::failure::{self, CliResult, Failure};
use crate::signals::Signals;

/// The variable holding the webhook secret.
pub const SECRET_VAR: &str = "NUMPORT_WEBHOOK_SECRET";

/// The largest secret file read, in bytes.
const MAX_SECRET_FILE: u64 = 4096;

/// Shown after `numport relay --help`.
pub const HELP: &str = "\
The events are read from a Redis stream (NUMPORT_REDIS_URL, required) by a
consumer group, and each is POSTed to --url as JSON, signed as Standard
Webhooks sign (headers webhook-id, webhook-timestamp, webhook-signature:
v1,<base64 HMAC-SHA256 of id.timestamp.body>) with the secret in
NUMPORT_WEBHOOK_SECRET (whsec_<base64>) or --secret-file; never on the
command line. A 2xx acknowledges an event; anything else is tried again on
the schedule, after which the event goes to the stream <stream>:dead. A
410 Gone stops the relay (exit 1). Within one order, events are delivered in
sequence. Counts go to stderr.

Exit codes: 0 the round (--once) or the run ended without an event
dead-lettered; 1 an event was dead-lettered, the endpoint answered 410 or
the stream failed; 2 a usage or configuration error (nothing sent).";

/// Runs the relay.
pub async fn run(args: &RelayArgs, global: &Global) -> CliResult {
    let mut masker = Redactor::new();
    crate::config::learn_env_secrets(&mut masker);
    if args.secret.is_some() {
        return Err(Failure::usage(format!(
            "--secret is not taken on the command line (it would show in the process \
             list and the shell's history): set {SECRET_VAR} or pass --secret-file"
        )));
    }
    if global.sandbox {
        return Err(Failure::usage(
            "relay reads the event stream in Redis (NUMPORT_REDIS_URL); --sandbox has none",
        ));
    }
    let secret_text = match &args.secret_file {
        Some(path) => read_secret_file(path)?,
        None => env(SECRET_VAR).ok_or_else(|| {
            Failure::usage(format!(
                "{SECRET_VAR} is not set: the webhook secret (whsec_<base64>) signs every \
                 webhook (or pass --secret-file)"
            ))
        })?,
    };
    masker.add(secret_text.trim());
    let secret = WebhookSecret::parse(&secret_text).map_err(|e| {
        let from = match &args.secret_file {
            Some(path) => path.display().to_string(),
            None => SECRET_VAR.to_owned(),
        };
        Failure::usage(format!("{from}: {e}"))
    })?;
    let schedule: RetrySchedule = args
        .schedule
        .parse()
        .map_err(|e: WebhookError| Failure::usage(format!("--schedule: {e}")))?;
    if env(REDIS_URL_VAR).is_none() {
        return Err(Failure::usage(format!(
            "{REDIS_URL_VAR} is not set: relay reads the event stream in Redis"
        )));
    }
    let store: Arc<dyn Store> = crate::state::store(false, env)?
        .ok_or_else(|| Failure::usage(format!("{REDIS_URL_VAR}: no Redis store could be made")))?;
    let consumer = args.consumer.clone().unwrap_or_else(default_consumer);
    let events = Events::new(store).stream(args.stream.clone());
    let mut relay = Relay::builder(events, &args.url, secret)
        .group(args.group.clone())
        .consumer(consumer.clone())
        .schedule(schedule.clone())
        .build()
        .map_err(|e| Failure::usage(masker.redact(&e.to_string())))?;

    eprintln!(
        "numport: relaying {} (group {}, consumer {}) to {} on the schedule {schedule}{}",
        args.stream,
        args.group,
        consumer,
        relay.endpoint(),
        if args.once { ", what is due now" } else { "" }
    );
    let result = if args.once {
        relay.run_once().await
    } else {
        let mut signals = Signals::new();
        let stop = async move { signals.next().await };
        relay.run(stop).await
    };
    match result {
        Ok(counts) => {
            eprintln!("numport: {}", summary(&counts, relay.held()));
            Ok(if counts.dead_lettered > 0 {
                failure::SOME_FAILED
            } else {
                failure::OK
            })
        }
        Err(e @ WebhookError::EndpointGone { .. }) => Err(Failure::failed(format!(
            "{}; nothing was acknowledged: the events stay pending for the group",
            masker.redact(&e.to_string())
        ))),
        Err(e) if e.is_config() => Err(Failure::usage(masker.redact(&e.to_string()))),
        Err(e) => Err(Failure::failed(masker.redact(&e.to_string()))),
    }
}

/// One line of counts.
fn summary(counts: &RelayCounts, held: usize) -> String {
    let mut line = format!(
        "{} delivered, {} to retry, {} dead-lettered, {} duplicates skipped, {held} held",
        counts.delivered, counts.retried, counts.dead_lettered, counts.duplicates_skipped
    );
    if counts.sent_out_of_order > 0 {
        line.push_str(&format!(
            ", {} sent without their predecessor",
            counts.sent_out_of_order
        ));
    }
    line
}

/// `<host name>-<process id>`.
fn default_consumer() -> String {
    let host = ["/proc/sys/kernel/hostname", "/etc/hostname"]
        .iter()
        .find_map(|path| std::fs::read_to_string(path).ok())
        .map(|h| h.trim().to_owned())
        .filter(|h| !h.is_empty())
        .or_else(|| env("HOSTNAME"))
        .unwrap_or_else(|| "numport".to_owned());
    let host: String = host
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '.' | '_'))
        .take(200)
        .collect();
    format!("{host}-{}", std::process::id())
}

/// The secret from a file (its first line, at most 4 KiB read).
fn read_secret_file(path: &Path) -> CliResult<String> {
    let file = std::fs::File::open(path)
        .map_err(|e| Failure::usage(format!("--secret-file {}: {e}", path.display())))?;
    let mut text = String::new();
    file.take(MAX_SECRET_FILE)
        .read_to_string(&mut text)
        .map_err(|e| Failure::usage(format!("--secret-file {}: {e}", path.display())))?;
    Ok(text.lines().next().unwrap_or_default().trim().to_owned())
}
