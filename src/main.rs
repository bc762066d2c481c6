//! The `callsim` command line: parses arguments, calls the library, prints.
//!
//! Exit status: 0 on success, 2 for a usage or scenario error (message on stderr), 1 for
//! anything else. Only the requested output goes to stdout.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};

use callsim::model::Model;
use callsim::report::{self, Report};
use callsim::scenario::{ScenarioError, Source, DEFAULT_SCENARIO};
use callsim::RunOptions;

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
}

#[derive(Debug, clap::Args)]
struct RunArgs {
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
enum Format {
    /// Tables for people.
    Table,
    /// One JSON document (the stable report format).
    Json,
    /// One row per interval and call type.
    Csv,
}

/// Why the command failed, which decides the exit status.
enum Failure {
    /// Bad input: exit 2.
    Scenario(ScenarioError),
    /// Anything else: exit 1.
    Other(String),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Run(args) => run(args),
        Command::Validate { scenario } => validate(&scenario),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(Failure::Scenario(e)) => {
            eprintln!("error: {e}");
            ExitCode::from(2)
        }
        Err(Failure::Other(message)) => {
            eprintln!("error: {message}");
            ExitCode::from(1)
        }
    }
}

fn load(path: Option<&PathBuf>) -> Result<Model, Failure> {
    let source = match path {
        Some(path) => Source::read(path).map_err(Failure::Scenario)?,
        None => Source::default_scenario(),
    };
    source.load().map_err(Failure::Scenario)
}

fn run(args: RunArgs) -> Result<(), Failure> {
    if args.show_default {
        return print(DEFAULT_SCENARIO);
    }
    let model = load(args.scenario.as_ref())?;
    let options = RunOptions {
        replications: args.replications,
        seed: args.seed,
        threads: args.threads.map(|n| n as usize),
    };
    let report = callsim::run(&model, &options);
    print(&render(&report, args.format)?)
}

fn render(report: &Report, format: Format) -> Result<String, Failure> {
    Ok(match format {
        Format::Table => report::table::render(report),
        Format::Json => report.to_json() + "\n",
        Format::Csv => {
            report::csv::render(report).map_err(|e| Failure::Other(format!("writing CSV: {e}")))?
        }
    })
}

fn validate(path: &PathBuf) -> Result<(), Failure> {
    let model = load(Some(path))?;
    let agents: Vec<String> = model
        .groups
        .iter()
        .map(|g| {
            let (lo, hi) = (
                g.agents_by_interval.iter().min(),
                g.agents_by_interval.iter().max(),
            );
            match (lo, hi) {
                (Some(lo), Some(hi)) if lo != hi => format!("{} ({lo}–{hi} agents)", g.name),
                (_, Some(hi)) => format!("{} ({hi} agents)", g.name),
                _ => g.name.clone(),
            }
        })
        .collect();
    let types: Vec<&str> = model.call_types.iter().map(|t| t.name.as_str()).collect();
    print(&format!(
        "{}: ok — \"{}\": {} call type{} ({}), {} agent group{} ({}), {} intervals, {} replications\n",
        path.display(),
        model.name,
        types.len(),
        if types.len() == 1 { "" } else { "s" },
        types.join(", "),
        agents.len(),
        if agents.len() == 1 { "" } else { "s" },
        agents.join(", "),
        model.intervals,
        model.replications,
    ))
}

/// Writes to stdout; a closed pipe (`callsim run | head`) is not an error.
fn print(text: &str) -> Result<(), Failure> {
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        Err(e) => Err(Failure::Other(format!("writing the output: {e}"))),
    }
}
