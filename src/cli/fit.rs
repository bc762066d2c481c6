//! `callsim fit`: a call log in, a commented scenario out (and a report on stderr).

use std::path::PathBuf;

use clap::ValueEnum;

use callsim::fit::check::{self, CheckStaffing};
use callsim::fit::log::{self, Columns};
use callsim::fit::{self, FitOptions};
use callsim::scenario::Source;

use super::args::{duration, usage};
use super::output::{refuse_misnamed, OutputFile};
use super::{emit, Failure};

/// What `fit` was asked.
#[derive(Debug, clap::Args)]
pub struct FitArgs {
    /// The call log: CSV with a header line, one row per call.
    log: PathBuf,
    /// The column layout to start from: callsim's own `run --write-calls` log, or the
    /// Technion "Anonymous Bank" layout.
    #[arg(long, value_enum, default_value_t = Preset::Callsim)]
    preset: Preset,
    /// Column names, overriding the preset: KEY=NAME,... with keys time, date, type,
    /// outcome, wait, talk, wrap, agent, caller, ivr (e.g.
    /// `--columns time=start,type=queue,wrap=acw`); an empty NAME drops an optional column.
    #[arg(long, value_name = "KEY=NAME,...")]
    columns: Option<String>,
    /// Outcome values of answered calls (replace the preset's), comma-separated.
    #[arg(long, value_name = "VALUES")]
    answered: Option<String>,
    /// Outcome values of callers who hung up while waiting, comma-separated.
    #[arg(long, value_name = "VALUES")]
    abandoned: Option<String>,
    /// Outcome values of callers who completed in self-service (the IVR), comma-separated.
    #[arg(long, value_name = "VALUES")]
    self_served: Option<String>,
    /// Outcome values of calls offered but neither answered nor abandoned (blocked...).
    #[arg(long, value_name = "VALUES")]
    other_outcome: Option<String>,
    /// Outcome values of rows to skip (test or phantom calls), comma-separated.
    #[arg(long, value_name = "VALUES")]
    ignore: Option<String>,
    /// COLUMN=VALUE marking an abandoned row that never reached the queue (hung up in the
    /// IVR): skipped, not an arrival.
    #[arg(long, value_name = "COLUMN=VALUE")]
    not_queued: Option<String>,
    /// Length of an interval of the day (of the rates and staffing).
    #[arg(long, default_value = "30m")]
    interval: String,
    /// Keep only these weekdays (a log with dates), e.g. `sun,mon,tue,wed,thu`.
    #[arg(long, value_name = "DAYS")]
    weekdays: Option<String>,
    /// Arrival profiles per weekday in the report and the scenario's comments (by default
    /// when the log has dates over two weeks or more).
    #[arg(long)]
    by_weekday: bool,
    /// A caller who abandoned and called the same type again within this long redialled.
    #[arg(long, default_value = "1h")]
    redial_window: String,
    /// The service-level threshold written into the scenario.
    #[arg(long, default_value = "20s")]
    threshold: String,
    /// Agents on the floor per interval, when known from elsewhere: one number for every
    /// interval or a comma-separated list, one per interval of the log's day. Written into
    /// the scenario and used by --check.
    #[arg(long, value_name = "N,...")]
    agents: Option<String>,
    /// Re-simulate the fitted scenario with the log's staffing (one replication per day)
    /// and compare service level, abandon rate and ASA per interval with the log's.
    #[arg(long)]
    check: bool,
    /// The staffing of --check: the agents who served calls in each interval, or the agents
    /// busy with calls rounded up plus one (default: --agents when given, else serving).
    #[arg(long, value_enum, requires = "check")]
    check_staffing: Option<StaffingArg>,
    /// Write the scenario to FILE instead of stdout (complete or not at all).
    #[arg(long, short = 'o', value_name = "FILE")]
    output: Option<PathBuf>,
    /// Write the report to FILE instead of stderr (complete or not at all): HTML with charts
    /// when FILE ends in .html or .htm, text otherwise.
    #[arg(long, value_name = "FILE")]
    report: Option<PathBuf>,
    /// Replace the files named by --output and --report if they exist.
    #[arg(long)]
    force: bool,
    /// Refuse a log whose fitting would need more memory than this (e.g. 16GB, 512MB;
    /// default: half of the machine's memory).
    #[arg(long, value_name = "SIZE", value_parser = callsim::footprint::parse_bytes)]
    memory_budget: Option<u64>,
}

/// The staffing `--check` simulates.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum StaffingArg {
    /// The agents who served a call in the interval (mean over days, rounded).
    Serving,
    /// The agents busy with calls, rounded up, plus one.
    Busy,
}

/// A known column layout.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Preset {
    /// `callsim run --write-calls`: arrival_s, call_type, handle_time_s, outcome, wait_s.
    Callsim,
    /// The Technion "Anonymous Bank" logs: date + vru_entry, vru_time, type, outcome
    /// AGENT/HANG/PHANTOM, q_time, ser_time, server, customer_id (a HANG with q_start
    /// 0:00:00 ended in the VRU).
    Bank,
}

fn values(text: &str) -> Vec<String> {
    text.split(',').map(|v| v.trim().to_owned()).collect()
}

/// The `--columns` keys a fit cannot do without.
const REQUIRED_COLUMNS: [&str; 5] = ["time", "type", "outcome", "wait", "talk"];

fn columns(args: &FitArgs) -> Result<Columns, Failure> {
    let mut c = match args.preset {
        Preset::Callsim => Columns::callsim(),
        Preset::Bank => Columns::bank(),
    };
    if let Some(spec) = &args.columns {
        let mut named = std::collections::HashSet::new();
        for pair in spec.split(',').filter(|p| !p.trim().is_empty()) {
            let Some((key, name)) = pair.split_once('=') else {
                return Err(usage(format!("--columns: `{pair}` is not KEY=NAME; write e.g. --columns time=start,type=queue")));
            };
            let name = name.trim().to_owned();
            let key = key.trim();
            if !named.insert(key.to_owned()) {
                return Err(usage(format!(
                    "--columns: `{key}` is named twice; name each column once"
                )));
            }
            if name.is_empty() && REQUIRED_COLUMNS.contains(&key) {
                return Err(usage(format!(
                    "--columns: `{key}=` would drop the {key} column, which a fit needs; name the log's column, e.g. --columns {key}=NAME (only date, wrap, agent, caller and ivr can be dropped)"
                )));
            }
            match key {
                "time" => c.time = name,
                "date" => c.date = Some(name).filter(|n| !n.is_empty()),
                "type" => c.call_type = name,
                "outcome" => c.outcome = name,
                "wait" => c.wait = name,
                "talk" => c.talk = name,
                "wrap" => c.wrap = Some(name).filter(|n| !n.is_empty()),
                "agent" => c.agent = Some(name).filter(|n| !n.is_empty()),
                "caller" => {
                    c.caller = Some(name).filter(|n| !n.is_empty());
                    c.caller_optional = false;
                }
                "ivr" => {
                    c.ivr = Some(name).filter(|n| !n.is_empty());
                    c.ivr_optional = false;
                }
                other => {
                    return Err(usage(format!(
                        "--columns: unknown key `{other}`; the keys are time, date, type, outcome, wait, talk, wrap, agent, caller, ivr"
                    )))
                }
            }
        }
    }
    if let Some(v) = &args.answered {
        c.answered = values(v);
    }
    if let Some(v) = &args.abandoned {
        c.abandoned = values(v);
    }
    if let Some(v) = &args.self_served {
        c.self_served = values(v);
    }
    if let Some(v) = &args.other_outcome {
        c.other = values(v);
    }
    if let Some(v) = &args.ignore {
        c.ignored = values(v);
    }
    // A value given to a flag takes it out of the preset's other lists (`--abandoned
    // answered` means it); one value given to two flags is refused.
    let given = [
        ("--answered", args.answered.is_some()),
        ("--abandoned", args.abandoned.is_some()),
        ("--self-served", args.self_served.is_some()),
        ("--other-outcome", args.other_outcome.is_some()),
        ("--ignore", args.ignore.is_some()),
    ];
    let lists = [
        &mut c.answered,
        &mut c.abandoned,
        &mut c.self_served,
        &mut c.other,
        &mut c.ignored,
    ];
    for i in (0..lists.len()).filter(|&i| given[i].1) {
        for value in lists[i].clone() {
            for j in (0..lists.len()).filter(|&j| j != i) {
                if !lists[j].contains(&value) {
                    continue;
                }
                if given[j].1 {
                    return Err(usage(format!(
                        "`{value}` is given both to {} and to {}: an outcome is one kind of ending\n  help: name it with one of them",
                        given[i.min(j)].0,
                        given[i.max(j)].0
                    )));
                }
                lists[j].retain(|v| *v != value);
            }
        }
    }
    if let Some(spec) = &args.not_queued {
        let Some((column, value)) = spec.split_once('=') else {
            return Err(usage(format!("--not-queued: `{spec}` is not COLUMN=VALUE; write e.g. --not-queued q_start=0:00:00")));
        };
        c.not_queued = Some((column.trim().to_owned(), value.trim().to_owned()));
    }
    Ok(c)
}

fn weekdays(text: &str) -> Result<Vec<usize>, Failure> {
    const NAMES: [&str; 7] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];
    text.split(',')
        .map(|d| {
            let d = d.trim().to_ascii_lowercase();
            NAMES.iter().position(|n| d.starts_with(n) && !d.is_empty()).ok_or_else(|| {
                usage(format!("--weekdays: `{d}` is not a weekday; write e.g. --weekdays sun,mon,tue,wed,thu"))
            })
        })
        .collect()
}

fn agents(text: &str) -> Result<Vec<f64>, Failure> {
    let agents: Vec<f64> = text
        .split(',')
        .map(|a| {
            let a = a.trim();
            let n = a.parse::<u64>().map_err(|_| {
                usage(format!(
                    "--agents: `{a}` is not a whole number of agents; write e.g. --agents 12 or --agents 4,6,8,8,6"
                ))
            })?;
            if n > 1_000_000 {
                return Err(usage(format!(
                    "--agents: {n} agents is beyond the limit of 1000000 per interval; write the agents on the phones, e.g. --agents 12 or --agents 4,6,8,8,6"
                )));
            }
            Ok(n as f64)
        })
        .collect::<Result<_, _>>()?;
    if agents.iter().all(|&n| n == 0.0) {
        return Err(usage(
            "--agents: no agents in any interval would answer none of the log's calls; give the agents on the phones, e.g. --agents 12 or --agents 4,6,8,8,6",
        ));
    }
    Ok(agents)
}

pub fn run(args: FitArgs) -> Result<(), Failure> {
    let columns = columns(&args)?;
    let options = FitOptions {
        interval_s: duration("--interval", &args.interval)?,
        weekdays: args.weekdays.as_deref().map(weekdays).transpose()?,
        threshold_s: duration("--threshold", &args.threshold)?,
        redial_window_s: duration("--redial-window", &args.redial_window)?,
        by_weekday: args.by_weekday.then_some(true),
        agents: args.agents.as_deref().map(agents).transpose()?,
    };
    if options.redial_window_s >= 86_400.0 {
        return Err(usage(format!(
            "--redial-window {}: redials are followed within the day of the abandonment, so a window of a day or more follows none; give less than a day (e.g. 1h, 4h)",
            args.redial_window
        )));
    }
    if let (Some(staffing), Some(_)) = (&args.check_staffing, &args.agents) {
        let name = match staffing {
            StaffingArg::Serving => "serving",
            StaffingArg::Busy => "busy",
        };
        return Err(Failure::Usage(format!(
            "--agents and --check-staffing {name} both say the staffing --check runs with: give one (--agents for the headcount you know, --check-staffing to read it from the log's agents)"
        )));
    }
    // Both files are checked before the log is read: nothing is fitted for nothing.
    let output = OutputFile::check_optional("--output", args.output.as_ref(), args.force)?;
    let report_file = OutputFile::check_optional("--report", args.report.as_ref(), args.force)?;
    OutputFile::distinct(&[output.as_ref(), report_file.as_ref()])?;
    OutputFile::not_an_input(&[output.as_ref(), report_file.as_ref()], &[&args.log])?;
    refuse_misnamed("--output", "a scenario (TOML)", &["toml"], output.as_ref())?;
    refuse_misnamed(
        "--report",
        "text, or a page when named .html",
        &["txt", "html", "htm"],
        report_file.as_ref(),
    )?;
    let bytes = log::read_bytes(&args.log).map_err(|e| Failure::Usage(e.to_string()))?;
    // Counted before parsing: a log too large for the machine is refused, not half read.
    let (rows, longest_row) = rows_of(&bytes);
    let (text, calls) = callsim::footprint::fit_bytes(bytes.len() as u64, rows, longest_row);
    super::run::refuse_over_budget(
        text.saturating_add(calls),
        if text > calls {
            ("the log's text as it is read", text)
        } else {
            ("the log's calls", calls)
        },
        "fit a shorter period (a month is plenty): split the log",
        args.memory_budget,
    )?;
    let log = log::parse(&args.log.display().to_string(), &bytes, &columns)
        .map_err(|e| Failure::Usage(e.to_string()))?;
    drop(bytes);
    let fitted = fit::fit(&log, &options)
        .map_err(|e| Failure::Usage(format!("{}: {e}", args.log.display())))?;
    let origin = args.log.file_name().map_or_else(
        || args.log.display().to_string(),
        |n| n.to_string_lossy().into_owned(),
    );
    let scenario = fitted.scenario_toml(&origin);
    // A log of values beyond what a scenario may hold (talk times of years, a headcount in
    // the millions) fits a scenario that would not load: say so rather than write it.
    // Nor one larger than a scenario file may be (thousands of call types, each with its
    // rates and distributions).
    let max_bytes = callsim::scenario::input::MAX_SCENARIO_BYTES;
    let unloadable = if scenario.len() as u64 > max_bytes {
        Some(format!(
            "it is {} long, more than a scenario file may be ({}): the log has {} call types",
            callsim::footprint::format_bytes(scenario.len() as u64),
            callsim::scenario::input::megabytes(max_bytes),
            fitted.types.len()
        ))
    } else {
        Source {
            origin: "the fitted scenario".into(),
            text: scenario.clone(),
        }
        .load()
        .err()
        .map(|e| e.to_string())
    };
    let checked = if args.check && unloadable.is_none() {
        let staffing = match args.check_staffing {
            Some(StaffingArg::Serving) => CheckStaffing::Serving,
            Some(StaffingArg::Busy) => CheckStaffing::Busy,
            None if options.agents.is_some() => CheckStaffing::Given,
            None => CheckStaffing::Serving,
        };
        Some(
            check::check(&fitted, &scenario, staffing, None)
                .map_err(|e| Failure::Usage(format!("{}: {e}", args.log.display())))?,
        )
    } else {
        None
    };
    let shown = args.log.display().to_string();
    let html = args.report.as_ref().is_some_and(|p| {
        p.extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("html") || e.eq_ignore_ascii_case("htm"))
    });
    let mut report = fitted.report_text(&shown);
    if let Some(c) = &checked {
        report += &c.text();
    }
    if html {
        report = fit::html::render(&fitted, checked.as_ref(), &shown);
    }
    match &report_file {
        Some(file) => file.write(report.as_bytes())?,
        None => eprint!("{report}"),
    }
    if let Some(e) = unloadable {
        return Err(Failure::Usage(format!(
            "{}: the fit is above, but the scenario it gives does not load, so it is not written:\n{e}\n  help: the log holds values beyond what callsim simulates; check its time units (seconds), its outliers and its call type column (`--columns type=NAME`)",
            args.log.display()
        )));
    }
    emit(output.as_ref(), &scenario)
}

/// The rows of a log's text and the length of the longest, in bytes: rows end at LF, CR LF
/// or a lone CR, as the CSV reader takes them (a log with CR line ends is not one row).
fn rows_of(bytes: &[u8]) -> (u64, u64) {
    let (mut rows, mut longest, mut start) = (1u64, 0u64, 0usize);
    for (i, &b) in bytes.iter().enumerate() {
        if b == b'\n' || (b == b'\r' && bytes.get(i + 1) != Some(&b'\n')) {
            rows += 1;
            longest = longest.max((i - start) as u64);
            start = i + 1;
        }
    }
    (rows, longest.max((bytes.len() - start) as u64))
}

#[cfg(test)]
mod tests {
    use super::rows_of;

    #[test]
    fn rows_end_at_any_line_end_and_the_longest_is_measured() {
        assert_eq!(rows_of(b""), (1, 0));
        assert_eq!(rows_of(b"abc"), (1, 3));
        assert_eq!(rows_of(b"a,b\n1,2\n"), (3, 3));
        // The CR of a CR LF counts in its row.
        assert_eq!(rows_of(b"a,b\r\n1,22\r\n"), (3, 5));
        // Carriage returns alone end rows too: this log is three rows, not one.
        assert_eq!(rows_of(b"a,b\r1,2\r3,4"), (3, 3));
    }
}
