//! The `callsim` command line: parses arguments, calls the library, prints.
//!
//! Exit status: 0 on success, 2 for a usage or scenario error (message on stderr), 1 for
//! anything else. Only the requested output goes to stdout.

mod cli;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use cli::Failure;

/// A contact-centre simulator: service level, abandonment, ASA and waiting-time
/// percentiles per call type, agent group and interval, with confidence intervals.
#[derive(Debug, Parser)]
#[command(name = "callsim", version, about, propagate_version = true)]
struct Cli {
    #[command(subcommand)]
    command: Command,
    /// The largest trace (`simulation.trace`) read, in MiB (default 1024).
    #[arg(long, global = true, value_name = "MIB", value_parser = clap::value_parser!(u64).range(1..=1 << 24))]
    max_trace_mb: Option<u64>,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Simulate a scenario and report service level, abandonment, ASA and waits.
    Run(cli::run::RunArgs),
    /// Merge the parts written by `run`, `compare` or `sweep --shard K/N` into their output.
    Merge(cli::merge::MergeArgs),
    /// Compare routing policies or scenario variants on the same callers, with paired
    /// differences and their confidence intervals.
    Compare(cli::compare::CompareArgs),
    /// Erlang B, C and A: the measures for a number of agents, or the least agents for targets.
    Erlang(cli::erlang::ErlangArgs),
    /// One simulation per staffing or load level: a service-level curve (table, JSON, SVG).
    Sweep(cli::sweep::SweepArgs),
    /// The least agents per interval and group that meet the targets, found by simulation.
    Staff(cli::staff::StaffArgs),
    /// Run one simulated day in real time on a wallboard (HTTP), steerable while it runs.
    Live(cli::live::LiveArgs),
    /// Forecast the rest of the day from a live state (offered calls, service level, abandon
    /// rate, queue), with 90 % bands.
    Intraday(cli::intraday::IntradayArgs),
    /// Fit a scenario to a call log: arrival rates, busyness, talk times, patience, staffing.
    Fit(cli::fit::FitArgs),
    /// Check a scenario file and say what it asks: calls per day, peak load in Erlangs
    /// against the agents who can take it, and every interval where the load reaches them.
    Validate {
        /// The scenario file (TOML).
        scenario: PathBuf,
    },
    /// Print the JSON Schema of the scenario format (for editors and validators).
    Schema,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    if let Some(mib) = cli.max_trace_mb {
        callsim::scenario::input::set_max_trace_bytes(mib << 20);
    }
    let result = match cli.command {
        Command::Run(args) => cli::run::run(args),
        Command::Compare(args) => cli::compare::run(args),
        Command::Merge(args) => cli::merge::run(args),
        Command::Validate { scenario } => cli::validate::validate(&scenario),
        Command::Schema => cli::print(&(callsim::scenario::json_schema() + "\n")),
        Command::Erlang(args) => cli::erlang::run(args),
        Command::Sweep(args) => cli::sweep::run(args),
        Command::Staff(args) => cli::staff::run(args),
        Command::Live(args) => cli::live::live(args),
        Command::Intraday(args) => cli::intraday::intraday(args),
        Command::Fit(args) => cli::fit::run(args),
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
