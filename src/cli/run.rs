//! `callsim run` and `callsim validate`.

use std::path::PathBuf;

use clap::ValueEnum;

use callsim::engine::{CallRecord, Observer, Outcome};
use callsim::model::Model;
use callsim::report::{self, Report};
use callsim::scenario::DEFAULT_SCENARIO;
use callsim::time::SimTime;
use callsim::RunOptions;

use super::output::OutputFile;
use super::{emit, load, print, Failure};

/// What `run` was asked.
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
    /// time, patience, tier, attempt, outcome, wait, group), streamed as outcomes become
    /// known; replayable as a trace.
    #[arg(long, value_name = "FILE")]
    write_calls: Option<PathBuf>,
    /// Write the report to FILE instead of stdout.
    #[arg(long, short = 'o', value_name = "FILE")]
    output: Option<PathBuf>,
    /// Replace the files named by --write-calls and --output if they exist.
    #[arg(long)]
    force: bool,
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

pub fn run(args: RunArgs) -> Result<(), Failure> {
    if args.show_default {
        return print(DEFAULT_SCENARIO);
    }
    let model = load(args.scenario.as_ref())?;
    let options = RunOptions {
        replications: args.replications,
        seed: args.seed,
        threads: args.threads.map(|n| n as usize),
    };
    let call_log =
        OutputFile::check_optional("--write-calls", args.write_calls.as_ref(), args.force)?;
    let output = OutputFile::check_optional("--output", args.output.as_ref(), args.force)?;
    let report = callsim::run(&model, &options);
    if let Some(file) = &call_log {
        write_call_log(&options.apply(&model), file)?;
    }
    emit(output.as_ref(), &render(&report, args.format)?)
}

/// The columns of a call log; the first four are the trace format (`simulation.trace`), so
/// a log can be replayed.
const CALL_LOG_HEADER: [&str; 9] = [
    "arrival_s",
    "call_type",
    "handle_time_s",
    "patience_s",
    "tier",
    "attempt",
    "outcome",
    "wait_s",
    "group",
];

/// Writes replication 0's calls to `file`, one line per call in the order their outcomes
/// became known, streamed (memory does not grow with the day) to a temporary file that
/// replaces the target only once complete.
fn write_call_log(model: &Model, file: &OutputFile) -> Result<(), Failure> {
    let mut pending = file.create()?;
    let failed = |e: csv::Error| {
        Failure::Other(format!(
            "--write-calls: cannot write {}: {e}",
            file.path().display()
        ))
    };
    let mut log = CsvCallLog {
        model,
        csv: csv::Writer::from_writer(std::io::BufWriter::new(pending.writer())),
        error: None,
    };
    log.csv.write_record(CALL_LOG_HEADER).map_err(failed)?;
    let mut log = callsim::observe(model, 0, log);
    if let Some(e) = log.error.take() {
        return Err(failed(e));
    }
    log.csv.flush().map_err(|e| failed(e.into()))?;
    drop(log);
    pending.commit()
}

/// An observer that writes each call as a CSV line the moment its outcome is known; the
/// first write error is kept and ends the writing.
struct CsvCallLog<'m, W: std::io::Write> {
    model: &'m Model,
    csv: csv::Writer<W>,
    error: Option<csv::Error>,
}

impl<W: std::io::Write> CsvCallLog<'_, W> {
    fn write(&mut self, r: &CallRecord) -> Result<(), csv::Error> {
        let (outcome, group) = match r.outcome {
            Outcome::Answered { group } => {
                ("answered", self.model.groups[group as usize].name.as_str())
            }
            Outcome::Abandoned => ("abandoned", ""),
            Outcome::Blocked => ("blocked", ""),
            Outcome::Deflected => ("deflected", ""),
            Outcome::Unserved => ("unserved", ""),
            Outcome::CallbackRequested => ("callback", ""),
        };
        let patience = if r.patience == SimTime::NEVER {
            String::new()
        } else {
            r.patience.as_seconds().to_string()
        };
        let tier = self.model.classes[r.class as usize].tier.as_deref();
        self.csv.write_field(r.arrival.as_seconds().to_string())?;
        self.csv
            .write_field(&self.model.call_types[r.call_type as usize].name)?;
        self.csv.write_field(r.handle.as_seconds().to_string())?;
        self.csv.write_field(patience)?;
        self.csv.write_field(tier.unwrap_or_default())?;
        self.csv.write_field(r.attempt.to_string())?;
        self.csv.write_field(outcome)?;
        // The wait for an agent: from leaving the IVR, as in the report.
        self.csv
            .write_field((r.end_of_wait - r.queued).as_seconds().to_string())?;
        self.csv.write_field(group)?;
        self.csv.write_record(None::<&[u8]>)
    }
}

impl<W: std::io::Write> Observer for CsvCallLog<'_, W> {
    fn call_ended(&mut self, record: &CallRecord) {
        if self.error.is_none() {
            if let Err(e) = self.write(record) {
                self.error = Some(e);
            }
        }
    }
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

pub fn validate(path: &PathBuf) -> Result<(), Failure> {
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
