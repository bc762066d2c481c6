//! `callsim run`.

use std::path::PathBuf;

use clap::ValueEnum;

use callsim::engine::{CallRecord, Observer, Outcome};
use callsim::footprint;
use callsim::model::Model;
use callsim::report::{self, Report};
use callsim::scenario::DEFAULT_SCENARIO;
use callsim::time::SimTime;
use callsim::RunOptions;

use super::output::{refuse_misnamed, OutputFile};
use super::progress::Progress;
use callsim::scenario::Source;

use super::{emit, emit_bytes, print, Failure};

/// What `run` was asked.
#[derive(Debug, clap::Args)]
pub struct RunArgs {
    /// The scenario file (TOML); without one, the built-in default centre.
    scenario: Option<PathBuf>,
    /// Print the built-in default scenario (a starting point for your own) and exit.
    #[arg(long, conflicts_with_all = ["scenario", "output", "format"])]
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
    /// With the tables: also every interval of each call type and tier, each headed by the
    /// service-level threshold it is measured against.
    #[arg(long)]
    intervals_by_type: bool,
    /// Worker threads (default: all cores). Results do not depend on it.
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..=1024))]
    threads: Option<u32>,
    /// Also write every call of the first replication to this CSV (arrival, type, handle
    /// time, patience, tier, attempt, outcome, wait, group), streamed as outcomes become
    /// known; replayable as a trace.
    #[arg(long, value_name = "FILE")]
    write_calls: Option<PathBuf>,
    /// Write the report to FILE instead of stdout (complete or not at all).
    #[arg(long, short = 'o', value_name = "FILE")]
    output: Option<PathBuf>,
    /// Replace the files named by --write-calls and --output if they exist.
    #[arg(long)]
    force: bool,
    /// Refuse a run whose estimated memory exceeds this (e.g. 16GB, 512MB; default: half of
    /// the machine's memory).
    #[arg(long, value_name = "SIZE", value_parser = footprint::parse_bytes)]
    memory_budget: Option<u64>,
    /// Run only shard K of N (numbered from 0) of the replications and write a part to
    /// --output, for `callsim merge` (see "Running on a cluster").
    #[arg(long, value_name = "K/N", requires = "output", conflicts_with_all = ["write_calls", "format"])]
    shard: Option<String>,
    /// No progress on stderr.
    #[arg(long, short = 'q')]
    quiet: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// Tables for people.
    Table,
    /// One JSON document (the stable report format).
    Json,
    /// One row per interval and call type.
    Csv,
    /// One self-contained HTML page: headline against targets, charts per interval, the
    /// waiting-time distribution (no network needed to view or print it).
    Html,
    /// Tidy (long) CSV for pivot tables: one row per statistic, period and call type, tier
    /// or agent group.
    #[value(name = "csv-long", alias = "tidy")]
    CsvLong,
    /// An Excel workbook (to a file: -o FILE.xlsx, or a redirect).
    Xlsx,
}

impl Format {
    /// The name `--format` takes.
    pub fn name(self) -> String {
        self.to_possible_value()
            .map(|v| v.get_name().to_owned())
            .unwrap_or_default()
    }
}

pub fn run(args: RunArgs) -> Result<(), Failure> {
    if args.show_default {
        return print(DEFAULT_SCENARIO);
    }
    let shard = super::shard(args.shard.as_deref())?;
    let source = match &args.scenario {
        Some(path) => Source::read(path).map_err(Failure::Scenario)?,
        None => Source::default_scenario(),
    };
    let model = super::load_source(&source)?;
    super::args::warn_of_threads_beyond_cores(args.threads);
    let options = RunOptions {
        replications: args.replications,
        seed: args.seed,
        threads: args.threads.map(|n| n as usize),
    };
    let call_log =
        OutputFile::check_optional("--write-calls", args.write_calls.as_ref(), args.force)?;
    let output = OutputFile::check_optional("--output", args.output.as_ref(), args.force)?;
    OutputFile::distinct(&[call_log.as_ref(), output.as_ref()])?;
    OutputFile::not_an_input(
        &[call_log.as_ref(), output.as_ref()],
        &[args.scenario.as_deref(), model.trace_file.as_deref()]
            .into_iter()
            .flatten()
            .collect::<Vec<_>>(),
    )?;
    // A shard writes a part (JSON), whatever --format says.
    match shard {
        None => check_format(args.format, output.as_ref())?,
        Some(_) => refuse_misnamed("--output", "a part (JSON)", &["json"], output.as_ref())?,
    }
    if args.format == Format::Xlsx {
        check_workbook_fits(&model)?;
    }
    if args.intervals_by_type && shard.is_some() {
        return Err(Failure::Usage(
            "--intervals-by-type: a shard writes a part, not tables\n  help: ask `callsim merge PARTS --intervals-by-type` for them".to_owned(),
        ));
    }
    check_intervals_by_type(args.intervals_by_type, args.format)?;
    warn_if_overloaded(&model);
    warn_of_reserves_holding_every_agent(&model);
    let workbook = if args.format == Format::Xlsx {
        vec![workbook_part(&model)]
    } else {
        Vec::new()
    };
    check_memory_with(
        &options.apply(&model),
        args.threads,
        args.memory_budget,
        &workbook,
    )?;
    if let Some(shard) = shard {
        let applied = options.apply(&model);
        let study = callsim::shard::Study::run(&source, &applied);
        let part = super::study_shard(
            "run",
            &study,
            options.threads,
            shard,
            args.quiet,
            |_| None,
            args.memory_budget,
        )?;
        return emit(output.as_ref(), &part);
    }
    if args.format == Format::Html {
        // The page also draws the waiting-time distribution: the waits pooled in the same run.
        let (report, waits) = callsim::run_with_waits(&model, &options);
        if let Some(file) = &call_log {
            write_call_log(&options.apply(&model), file)?;
        }
        let page = report::html::run_page(&options.apply(&model), &report, &waits);
        return emit(output.as_ref(), &page);
    }
    let mut progress = Progress::new(
        "run",
        Some(options.replications.unwrap_or(model.replications).into()),
        args.quiet,
    );
    let report = super::progress::watching(&mut progress, 0, |ticker| {
        callsim::run_with_progress(&model, &options, ticker)
    });
    progress.finish();
    if let Some(file) = &call_log {
        write_call_log(&options.apply(&model), file)?;
    }
    let mut rendered = render(&report, args.format)?;
    if args.intervals_by_type {
        rendered.extend(report::table::intervals_by_type(&report).into_bytes());
    }
    emit_bytes(output.as_ref(), &rendered)
}

/// Refuses `--intervals-by-type` (`run`, `merge`) with a format other than the tables.
pub(super) fn check_intervals_by_type(asked: bool, format: Format) -> Result<(), Failure> {
    if asked && format != Format::Table {
        return Err(Failure::Usage(format!(
            "--intervals-by-type adds tables to `--format table`; `--format {}` already holds every interval of every call type\n  help: leave out --intervals-by-type, or use --format table",
            format.name()
        )));
    }
    Ok(())
}

/// The workbook's part of a memory estimate, `-f xlsx` (`run`, `merge`): what, its bytes
/// ([`footprint::workbook_bytes`]), and the fix.
pub(super) fn workbook_part(model: &Model) -> (&'static str, u64, &'static str) {
    (
        "the workbook, every cell held until the file is written",
        footprint::workbook_bytes(model),
        "use `--format csv-long` (the same rows, written as they come), or longer intervals (`simulation.interval`)",
    )
}

/// Refuses, before any work, a workbook with more rows than a worksheet holds.
pub(super) fn check_workbook_fits(model: &Model) -> Result<(), Failure> {
    // A cell holds at most 32,767 characters (Excel's limit), names included.
    const MAX_CELL_CHARS: usize = 32_767;
    let names = std::iter::once(("name", &model.name))
        .chain(
            model
                .call_types
                .iter()
                .map(|t| ("a call type's name", &t.name)),
        )
        .chain(
            model
                .groups
                .iter()
                .map(|g| ("an agent group's name", &g.name)),
        )
        .chain(
            model
                .classes
                .iter()
                .filter_map(|c| c.tier.as_ref().map(|t| ("a tier's name", t))),
        );
    for (what, name) in names {
        let chars = name.chars().count();
        if chars > MAX_CELL_CHARS {
            return Err(Failure::Usage(format!(
                "--format xlsx: {what} has {chars} characters, more than the {MAX_CELL_CHARS} a worksheet cell holds\n  help: use `--format csv-long` (the same figures, no limit), or a shorter name"
            )));
        }
    }
    let rows = report::xlsx::rows_needed(model);
    if rows <= report::xlsx::MAX_ROWS {
        return Ok(());
    }
    Err(Failure::Usage(format!(
        "--format xlsx: the workbook's Data sheet would need {rows} rows, more than the {} a worksheet holds\n  help: use `--format csv-long` (the same rows, no limit), or longer intervals (`simulation.interval`)",
        report::xlsx::MAX_ROWS
    )))
}

/// Refuses, before any work, a binary format (xlsx) bound for a terminal.
pub(super) fn check_format(format: Format, output: Option<&OutputFile>) -> Result<(), Failure> {
    if format == Format::Xlsx {
        super::output::refuse_binary_on_terminal("--format xlsx", "report.xlsx", output)?;
    }
    super::output::refuse_other_extension(
        &format.name(),
        &[
            ("json", "json"),
            ("html", "html"),
            ("htm", "html"),
            ("xlsx", "xlsx"),
            ("csv", "csv"),
            ("csv", "csv-long"),
        ],
        output,
    )
}

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
    log.csv
        .write_record(callsim::scenario::CALL_LOG_COLUMNS)
        .map_err(failed)?;
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
        self.csv
            .write_field((r.queued - r.arrival).as_seconds().to_string())?;
        self.csv.write_field(format!("{:016x}", r.caller))?;
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

/// On stderr: a warning when a queue grows faster than its agents can answer.
pub(super) fn warn_if_overloaded(model: &Model) {
    let Some(o) = footprint::overload(model) else {
        return;
    };
    const SHOWN: usize = 3;
    let mut names: Vec<String> = o
        .call_types
        .iter()
        .take(SHOWN)
        .map(|&t| model.call_types[t as usize].name.clone())
        .collect();
    if o.call_types.len() > SHOWN {
        names.push(format!("{} more call types", o.call_types.len() - SHOWN));
    }
    let growth = if o.waiting_at_end > 0.5 {
        format!(
            "about {:.0} calls are still waiting at the end",
            o.waiting_at_end
        )
    } else {
        format!("up to about {:.0} calls wait at once", o.peak_waiting)
    };
    let (who, help) = if o.callbacks {
        (
            "callback jobs (and callers without patience) never hang up",
            "add agents, or offer fewer callbacks (`callback.share`, `when_wait_exceeds`)",
        )
    } else {
        (
            "these callers never hang up",
            "add agents, or give the callers a `patience` so that some hang up",
        )
    };
    eprintln!(
        "warning: overloaded: from {} the queue of {} grows by up to {:.0} calls/hour beyond \
         what its agents can answer; {growth}, and {who}\n  help: {help}",
        model.interval_label(o.from_interval),
        names.join(", "),
        o.calls_per_hour,
    );
}

/// On stderr: a warning per group whose `[[routing.reserve]]` keeps back at least as many
/// agents as the group ever has, so that it never takes a call outside the reserve's `for`
/// (not refused: `staff` and `sweep` may give the group more agents).
pub(super) fn warn_of_reserves_holding_every_agent(model: &Model) {
    for (g, reserve) in model.routing.reserves.iter().enumerate() {
        let Some(reserve) = reserve else { continue };
        let most = model.max_agents(g as u32);
        if reserve.agents >= most {
            eprintln!(
                "warning: the group `{}` keeps back {} agents (routing.reserve) but has at most {most} in any interval: it never takes a call outside the reserve's `for`\n  help: keep back fewer agents than the group has, or give the group more",
                model.groups[g].name, reserve.agents,
            );
        }
    }
}

/// Refuses (exit 2) a simulation of `model` (a run, a point of a sweep, a live day, a
/// forecast's replications) whose estimated memory exceeds `budget` (default: half of the
/// machine's memory), with the estimate and what to change.
pub(super) fn check_memory(
    model: &Model,
    threads: Option<u32>,
    budget: Option<u64>,
) -> Result<(), Failure> {
    check_memory_with(model, threads, budget, &[])
}

/// As [`check_memory`], with `extra` parts on top of the day's: (what, bytes, the fix).
pub(super) fn check_memory_with(
    model: &Model,
    threads: Option<u32>,
    budget: Option<u64>,
    extra: &[(&str, u64, &str)],
) -> Result<(), Failure> {
    let estimate = footprint::estimate(model, thread_count(threads));
    let (part, bytes) = estimate.largest();
    let total = extra
        .iter()
        .fold(estimate.total(), |sum, &(_, b, _)| sum.saturating_add(b));
    if let Some(&(what, most, fix)) = extra.iter().max_by_key(|&&(_, b, _)| b) {
        if most > bytes {
            return refuse_over_budget(total, (what, most), fix, budget);
        }
    }
    let fix = if bytes == estimate.queues && footprint::overload(model).is_some() {
        "the queue grows without bound (see the overload warning): add agents or give callers a `patience`"
    } else if bytes == estimate.queues {
        "fewer callers at once: fewer calls, shorter patience or IVR times, or fewer or quicker redials and repeat calls (`retrial`, `unresolved`), or overflow steps (`routing.overflow` `after`) no later than the callers' patience"
    } else if bytes == estimate.agents {
        "give the groups fewer agents (or chat agents fewer contacts at once, `max_concurrent`), or use fewer threads (`--threads 1`)"
    } else if bytes == estimate.trace {
        "replay a shorter trace (a day at a time), or simulate the arrivals from their rates"
    } else if bytes == estimate.tallies || bytes == estimate.measures {
        "use longer intervals (`simulation.interval`), fewer call types, or fewer threads (`--threads 1`)"
    } else {
        "use longer intervals (`simulation.interval`) or fewer call types"
    };
    refuse_over_budget(total, (part, bytes), fix, budget)
}

/// The worker threads a run will use.
pub(super) fn thread_count(threads: Option<u32>) -> usize {
    threads.map_or_else(
        || std::thread::available_parallelism().map_or(1, |n| n.get()),
        |n| n as usize,
    )
}

/// `Err` (exit 2) when `estimate` bytes exceed `budget` (default: half of the machine's
/// memory), naming the `largest` part and the `fix`.
pub(super) fn refuse_over_budget(
    estimate: u64,
    largest: (&str, u64),
    fix: &str,
    budget: Option<u64>,
) -> Result<(), Failure> {
    let (limit, whence) = match budget {
        Some(b) => (b, "--memory-budget"),
        None => (footprint::default_budget(), "half of this machine's memory"),
    };
    if estimate <= limit {
        return Ok(());
    }
    let raised = footprint::format_bytes(estimate.div_ceil(1_000_000_000) * 1_000_000_000)
        .replace(' ', "")
        .replace(".0", "");
    Err(Failure::Usage(format!(
        "this run would need about {} of memory, more than its budget of {} ({whence}); \
         the largest part is {} ({})\n  help: {fix}, or raise the budget with \
         `--memory-budget {raised}` if the machine has it",
        footprint::format_bytes(estimate),
        footprint::format_bytes(limit),
        largest.0,
        footprint::format_bytes(largest.1),
    )))
}

/// The report in `format`, as `run` prints it: text, or the bytes of a workbook.
pub(super) fn render(report: &Report, format: Format) -> Result<Vec<u8>, Failure> {
    let csv_failed = |e: csv::Error| Failure::Other(format!("writing CSV: {e}"));
    Ok(match format {
        Format::Table => report::table::render(report).into_bytes(),
        Format::Json => (report.to_json() + "\n").into_bytes(),
        Format::Csv => report::csv::render(report).map_err(csv_failed)?.into_bytes(),
        Format::CsvLong => report::csv::render_long(report)
            .map_err(csv_failed)?
            .into_bytes(),
        Format::Xlsx => report::xlsx::workbook(report).map_err(|e| {
            Failure::Other(format!(
                "writing the workbook: {e}\n  help: `--format csv-long` holds the same figures without Excel's limits"
            ))
        })?,
        // The page also needs the waits: `run` and `merge` draw it themselves.
        Format::Html => {
            return Err(Failure::Other(
                "the HTML report is drawn from the waits too, not from the report alone".into(),
            ))
        }
    })
}
