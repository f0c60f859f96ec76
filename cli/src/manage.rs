//! `numport check`, `amend`, `cancel` and `pins`.

use numport::carrier::inumbering::{AssignedPin, PinUpdate};
use numport::{Amendment, Carrier, Pac, PhoneNumber, Pin};
use serde::Serialize;

use crate::args::{AmendArgs, CancelArgs, CheckArgs, Global, PinsArgs};
use crate::config::{self, Client};
use crate::failure::{CliResult, Failure, OK, SOME_FAILED};
use crate::orders::port_id;
use numport::Redactor;

use crate::output::{self, MASK, or_dash};
use crate::output::{out, outln};

fn number(text: &str) -> CliResult<PhoneNumber> {
    PhoneNumber::parse(text)
        .map_err(|e| Failure::usage(format!("{text:?} is not a phone number: {}", e.problem)))
}

/// `NUMBER=VALUE`, the value never echoed.
fn pair(text: &str, what: &str) -> CliResult<(PhoneNumber, String)> {
    let (n, value) = text
        .split_once('=')
        .ok_or_else(|| Failure::usage(format!("expected NUMBER={what}")))?;
    Ok((number(n)?, value.trim().to_owned()))
}

#[derive(Debug, Serialize)]
struct CheckView {
    number: String,
    portable: bool,
    reason: Option<String>,
}

/// `numport check`: exit 1 when a number is not portable.
pub async fn check(args: &CheckArgs, global: &Global) -> CliResult {
    let mut masker = Redactor::new();
    config::learn_env_secrets(&mut masker);
    let numbers = args
        .numbers
        .iter()
        .map(|n| number(n))
        .collect::<CliResult<Vec<_>>>()?;
    let carrier: Carrier = args.carrier.into();
    let session = config::connect(carrier, global.sandbox, &mut masker).await?;
    let provider = session.provider();
    let checks = provider
        .check_portability(&numbers)
        .await
        .map_err(|e| Failure::api("cannot check portability", &e, &masker))?;
    let views: Vec<CheckView> = checks
        .iter()
        .map(|c| CheckView {
            number: c.number.e164(),
            portable: c.portable,
            reason: masker.redact_opt(c.reason.as_deref()),
        })
        .collect();
    if global.json {
        output::json(&views);
    } else {
        let rows: Vec<Vec<String>> = views
            .iter()
            .map(|v| {
                let portable = if v.portable { "yes" } else { "no" };
                vec![
                    v.number.clone(),
                    portable.to_owned(),
                    or_dash(v.reason.as_ref()),
                ]
            })
            .collect();
        out!(
            "{}",
            output::table(&["number", "portable", "reason"], &rows)
        );
    }
    Ok(if views.iter().all(|v| v.portable) {
        OK
    } else {
        SOME_FAILED
    })
}

/// `numport amend`.
pub async fn amend(args: &AmendArgs, global: &Global) -> CliResult {
    let mut masker = Redactor::new();
    config::learn_env_secrets(&mut masker);
    let id = port_id(&args.id)?;
    let mut amendment = Amendment::new();
    for text in &args.new_pac {
        let (n, pac) = pair(text, "PAC")?;
        masker.add(&pac);
        let pac =
            Pac::new(pac).map_err(|e| Failure::usage(format!("PAC for {n}: {}", e.problem)))?;
        amendment = amendment.new_pac(n, pac);
    }
    for text in &args.cancel_line {
        amendment = amendment.cancel_line(number(text)?);
    }
    if amendment.changes.is_empty() {
        return Err(Failure::usage(
            "give --new-pac NUMBER=PAC or --cancel-line NUMBER",
        ));
    }
    let carrier: Carrier = args.carrier.into();
    let session = config::connect(carrier, global.sandbox, &mut masker).await?;
    let provider = session.recorded_provider(&masker)?;
    provider
        .amend(&id, &amendment)
        .await
        .map_err(|e| Failure::api(&format!("cannot amend order {id}"), &e, &masker))?;
    let (pacs, cancels) = (args.new_pac.len(), args.cancel_line.len());
    if global.json {
        output::json(
            &serde_json::json!({"id": id.as_str(), "new_pacs": pacs, "lines_cancelled": cancels}),
        );
    } else {
        outln!("Amended order {id}: {pacs} new PACs, {cancels} lines cancelled");
    }
    Ok(OK)
}

/// `numport cancel`: exit 1 when an order could not be cancelled.
pub async fn cancel(args: &CancelArgs, global: &Global) -> CliResult {
    let mut masker = Redactor::new();
    config::learn_env_secrets(&mut masker);
    let ids = args
        .ids
        .iter()
        .map(|id| port_id(id))
        .collect::<CliResult<Vec<_>>>()?;
    let carrier: Carrier = args.carrier.into();
    let session = config::connect(carrier, global.sandbox, &mut masker).await?;
    let provider = session.recorded_provider(&masker)?;
    let mut failed = 0;
    let mut results = Vec::new();
    for id in &ids {
        let result = provider.cancel(id).await;
        if let Err(e) = &result {
            if e.is_unsupported() {
                return Err(Failure::api("cannot cancel", e, &masker));
            }
        }
        let error = result.as_ref().err().map(|e| masker.redact(&e.to_string()));
        if error.is_some() {
            failed += 1;
        }
        if !global.json {
            match &error {
                None => outln!("{id}: cancellation requested"),
                Some(e) => outln!("{id}: not cancelled: {e}"),
            }
        }
        results.push(
            serde_json::json!({"id": id.as_str(), "cancelled": error.is_none(), "error": error}),
        );
    }
    if global.json {
        output::json(&results);
    }
    Ok(if failed == 0 { OK } else { SOME_FAILED })
}

/// `numport pins`: port-out PINs, masked unless `--reveal`.
///
/// A PIN the carrier generated exists nowhere else once it is assigned, so
/// it is never thrown away: it goes to `--out FILE`, or is printed with
/// `--reveal`, or else is written to a new file in the state folder, whose
/// name is printed. The file is created (exclusively, readable by its owner
/// only) before the carrier is called: a file that exists or cannot be made
/// stops the command with nothing sent.
pub async fn pins(args: &PinsArgs, global: &Global) -> CliResult {
    let mut masker = Redactor::new();
    config::learn_env_secrets(&mut masker);
    let carrier: Carrier = args.carrier.into();
    if carrier != Carrier::INumbering {
        return Err(Failure::usage(format!(
            "{carrier} has no port-out PIN operation (only iNumbering has: --carrier inumbering)"
        )));
    }
    let mut updates = Vec::new();
    for text in &args.set {
        let (n, pin) = pair(text, "PIN")?;
        masker.add(&pin);
        let pin =
            Pin::new(pin).map_err(|e| Failure::usage(format!("PIN for {n}: {}", e.problem)))?;
        updates.push(PinUpdate::set(n, pin));
    }
    for text in &args.numbers {
        updates.push(PinUpdate::generate(number(text)?));
    }
    if updates.is_empty() {
        return Err(Failure::usage(
            "give numbers to generate PINs for, or --set NUMBER=PIN",
        ));
    }
    let generated = updates.iter().any(|u| u.pin.is_none());
    let mut file = match &args.out {
        Some(path) => Some(PinFile::create(path.clone())?),
        None if generated && !args.reveal => Some(PinFile::create(default_pin_file()?)?),
        None => None,
    };
    let session = config::connect(carrier, global.sandbox, &mut masker).await?;
    let Client::INumbering(client) = &session.client else {
        return Err(Failure::usage(format!(
            "{carrier} has no port-out PIN operation"
        )));
    };
    let assigned = match client.port_out_pin_update(&updates).await {
        Ok(assigned) => assigned,
        Err(e) => {
            if let Some(file) = file.take() {
                file.discard();
            }
            return Err(Failure::api("cannot update port-out PINs", &e, &masker));
        }
    };
    // The PINs written first: whatever is printed after, they are kept.
    let mut reveal = args.reveal;
    if let Some(file) = file.take() {
        match file.write(&assigned) {
            Ok(path) => {
                let how = if args.out.is_some() {
                    ""
                } else {
                    " (no --out or --reveal was given)"
                };
                eprintln!(
                    "numport: wrote {} PINs to {} (readable by you only){how}",
                    assigned.len(),
                    path.display()
                );
            }
            Err(e) => {
                eprintln!("numport: {e}; the PINs are printed instead, keep them safe");
                reveal = true;
            }
        }
    }
    let shown = |pin: &Pin| {
        if reveal {
            pin.expose().to_owned()
        } else {
            MASK.to_owned()
        }
    };
    let missing: Vec<String> = updates
        .iter()
        .filter(|u| !assigned.iter().any(|a| a.number == u.number))
        .map(|u| u.number.e164())
        .collect();
    if global.json {
        let pins: Vec<_> = assigned
            .iter()
            .map(|a| serde_json::json!({"number": a.number.e164(), "pin": shown(&a.pin)}))
            .collect();
        output::json(&serde_json::json!({"assigned": pins, "not_on_account": missing}));
    } else {
        let rows: Vec<Vec<String>> = assigned
            .iter()
            .map(|a| vec![a.number.e164(), shown(&a.pin)])
            .collect();
        out!("{}", output::table(&["number", "port-out pin"], &rows));
        if !missing.is_empty() {
            outln!(
                "Not numbers of this account (no PIN set): {}",
                missing.join(", ")
            );
        }
    }
    Ok(if missing.is_empty() { OK } else { SOME_FAILED })
}

/// A new file in the state folder for PINs nobody asked to see or save.
fn default_pin_file() -> CliResult<std::path::PathBuf> {
    let dir = crate::state::dir(|name| std::env::var(name).ok().filter(|v| !v.is_empty()))
        .ok_or_else(|| {
            Failure::usage(
                "give --out FILE or --reveal: the generated PINs must go somewhere, and there is \
                 no state folder to keep them in (set NUMPORT_STATE_DIR or HOME); nothing was sent",
            )
        })?;
    crate::state::private_dir(&dir).map_err(|e| {
        Failure::usage(format!(
            "cannot use the state folder {}: {e}; give --out FILE or --reveal (nothing was sent)",
            dir.display()
        ))
    })?;
    let stamp = chrono::Utc::now().format("%Y%m%dT%H%M%S%.3fZ");
    Ok(dir.join(format!("pins-{stamp}-{}.csv", std::process::id())))
}

/// The file PINs are written to, created before the carrier is called.
struct PinFile {
    path: std::path::PathBuf,
    file: std::fs::File,
}

impl PinFile {
    /// Creates `path`, which must not exist, readable by its owner only.
    fn create(path: std::path::PathBuf) -> CliResult<Self> {
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            options.mode(0o600);
        }
        let file = options.open(&path).map_err(|e| {
            Failure::usage(format!(
                "cannot create {}: {e} (choose a new file); nothing was sent",
                path.display()
            ))
        })?;
        Ok(Self { path, file })
    }

    /// Writes the PINs (`number,pin`) and syncs them to disk.
    fn write(mut self, assigned: &[AssignedPin]) -> Result<std::path::PathBuf, String> {
        use std::io::Write;
        let mut text = String::from("number,pin\n");
        for a in assigned {
            text.push_str(&format!("{},{}\n", a.number.e164(), a.pin.expose()));
        }
        self.file
            .write_all(text.as_bytes())
            .and_then(|()| self.file.sync_all())
            .map_err(|e| format!("cannot write {}: {e}", self.path.display()))?;
        Ok(self.path)
    }

    /// Removes the (still empty) file: the carrier assigned nothing.
    fn discard(self) {
        drop(self.file);
        let _ = std::fs::remove_file(&self.path);
    }
}
