//! The `callsim` command line: parses arguments, calls the library, prints.
//!
//! Exit status: 0 on success, 2 for a usage or scenario error (message on stderr), 1 for
//! anything else. Only the requested output goes to stdout.

mod cli;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};

use cli::Failure;

/// A contact-centre simulator: service level, abandonment, ASA and waiting-time
/// percentiles per call type, agent group and interval, with confidence intervals.
#[derive(Debug, Parser)]
#[command(name = "callsim", version, about, propagate_version = true)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Simulate a scenario and report service level, abandonment, ASA and waits.
    Run(RunArgs),
    /// Check a scenario file and summarise it, without simulating.
    Validate {
        /// The scenario file (TOML).
        scenario: PathBuf,
    },
    /// Run one simulated day in real time on a wallboard (HTTP), steerable while it runs.
    Live(cli::live::LiveArgs),
    /// Forecast the rest of the day from a live state (service level, abandons, queue).
    Intraday(cli::intraday::IntradayArgs),
}

#[derive(Debug, clap::Args)]
pub struct RunArgs {
    /// The scenario file (TOML); without one, the built-in default centre.
    scenario: Option<PathBuf>,
    /// Print the built-in default scenario (a starting point for your own) and exit.
    #[arg(long, conflicts_with = "scenario")]
    show_default: bool,
    /// Number of replications (overrides the scenario's).
    #[arg(long, short = 'r', value_parser = clap::value_parser!(u32).range(1..=1_000_000))]
    replications: Option<u32>,
    /// Random seed (overrides the scenario's).
    #[arg(long)]
    seed: Option<u64>,
    /// Output format.
    #[arg(long, short = 'f', value_enum, default_value_t = Format::Table)]
    format: Format,
    /// Worker threads (default: all cores). Results do not depend on it.
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..=1024))]
    threads: Option<u32>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// Tables for people.
    Table,
    /// One JSON document (the stable report format).
    Json,
    /// One row per interval and call type.
    Csv,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Run(args) => cli::run::run(args),
        Command::Validate { scenario } => cli::run::validate(&scenario),
        Command::Live(args) => cli::live::live(args),
        Command::Intraday(args) => cli::intraday::intraday(args),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(Failure::Scenario(e)) => {
            eprintln!("error: {e}");
            ExitCode::from(2)
        }
        Err(Failure::Usage(message)) => {
            eprintln!("error: {message}");
            ExitCode::from(2)
        }
        Err(Failure::Other(message)) => {
            eprintln!("error: {message}");
            ExitCode::from(1)
        }
    }
}
