//! The `numport` command line: check, submit, follow, amend and cancel port
//! orders through Cellhire, Apeiron and iNumbering, or run their sandboxes.
//!
//! `main` only parses the command line (see [`args`]) and dispatches; each
//! subcommand lives in its own module.
#![forbid(unsafe_code)]

mod args;
mod columns;
mod config;
mod failure;
mod follow;
mod input;
mod journal;
mod manage;
mod orders;
mod output;
mod precheck;
mod relay;
mod rows;
mod sandboxes;
mod signals;
mod state;
mod submit;
mod watch;

use std::process::ExitCode;

use clap::Parser;

use args::{Cli, Command};

fn main() -> ExitCode {
    let cli = Cli::parse();
    let level = match cli.global.verbose {
        0 => tracing::Level::WARN,
        1 => tracing::Level::INFO,
        _ => tracing::Level::DEBUG,
    };
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_max_level(level)
        .with_target(false)
        .init();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("numport: cannot start the async runtime: {e}");
            return ExitCode::from(failure::SOME_FAILED);
        }
    };
    let global = &cli.global;
    let result = runtime.block_on(async {
        match &cli.command {
            Command::Check(a) => manage::check(a, global).await,
            Command::Submit(a) => submit::run(a, global).await,
            Command::Order(a) => orders::order(a, global).await,
            Command::Orders(a) => orders::orders(a, global).await,
            Command::Watch(a) => watch::run(a, global).await,
            Command::Amend(a) => manage::amend(a, global).await,
            Command::Cancel(a) => manage::cancel(a, global).await,
            Command::Pins(a) => manage::pins(a, global).await,
            Command::Sandbox(a) => sandboxes::run(a, global).await,
            Command::Follow(a) => follow::run(a, global).await,
            Command::Relay(a) => relay::run(a, global).await,
        }
    });
    // Sandboxes and clients end with the runtime; do not wait for tasks.
    runtime.shutdown_background();
    match result {
        Ok(code) => ExitCode::from(code),
        Err(failure) => {
            eprintln!("numport: error: {failure}");
            ExitCode::from(failure.code)
        }
    }
}
