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
    /// Compare routing policies or scenario variants on the same callers, with paired
    /// differences and their confidence intervals.
    Compare(CompareArgs),
    /// Print the JSON Schema of the scenario format (for editors and validators).
    Schema,
    /// Check a scenario file and summarise it, without simulating.
    Validate {
        /// The scenario file (TOML).
        scenario: PathBuf,
    },
    /// Erlang B, C and A: the measures for a number of agents, or the least agents for targets.
    Erlang(cli::erlang::ErlangArgs),
    /// One simulation per staffing or load level: a service-level curve (table, JSON, SVG).
    Sweep(cli::sweep::SweepArgs),
    /// The least agents per interval and group that meet the targets, found by simulation.
    Staff(cli::staff::StaffArgs),
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
    /// Also write every call of the first replication to this CSV (arrival, type, handle
    /// time, patience, tier, attempt, outcome, wait, group); replayable as a trace.
    #[arg(long, value_name = "FILE")]
    write_calls: Option<PathBuf>,
    /// Overwrite the --write-calls file if it exists.
    #[arg(long, requires = "write_calls")]
    force: bool,
}

#[derive(Debug, clap::Args)]
pub struct CompareArgs {
    /// The scenario file (TOML).
    scenario: PathBuf,
    /// A routing policy to run the scenario under (repeat: the first is the baseline), e.g.
    /// `skill-priority`, `priority`, `overflow`, `priority+overflow`.
    #[arg(long = "policy", value_name = "NAME")]
    policies: Vec<String>,
    /// Another scenario file to compare (e.g. other staffing); runs with the first
    /// alternative's seed and replications.
    #[arg(long = "variant", value_name = "FILE")]
    variants: Vec<PathBuf>,
    /// Number of replications (overrides the scenario's).
    #[arg(long, short = 'r', value_parser = clap::value_parser!(u32).range(2..=1_000_000))]
    replications: Option<u32>,
    /// Random seed (overrides the scenario's).
    #[arg(long)]
    seed: Option<u64>,
    /// Output format.
    #[arg(long, short = 'f', value_enum, default_value_t = CompareFormat::Table)]
    format: CompareFormat,
    /// Worker threads (default: all cores). Results do not depend on it.
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..=1024))]
    threads: Option<u32>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum CompareFormat {
    /// Tables for people.
    Table,
    /// One JSON document.
    Json,
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
        Command::Compare(args) => cli::compare::run(cli::compare::CompareArgs {
            scenario: args.scenario,
            policies: args.policies,
            variants: args.variants,
            replications: args.replications,
            seed: args.seed,
            threads: args.threads.map(|n| n as usize),
            json: args.format == CompareFormat::Json,
        }),
        Command::Validate { scenario } => cli::run::validate(&scenario),
        Command::Schema => cli::print(&(callsim::scenario::json_schema() + "\n")),
        Command::Erlang(args) => cli::erlang::run(args),
        Command::Sweep(args) => cli::sweep::run(args),
        Command::Staff(args) => cli::staff::run(args),
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
