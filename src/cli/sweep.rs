//! `callsim sweep`: one simulation per headcount or load level, on common random numbers —
//! the service-level curve, as a table, JSON and an SVG chart.

use std::fmt::Write;
use std::path::PathBuf;

use callsim::model::{scaled_headcount, Model};
use callsim::report::chart::{self, Chart, Series, TargetLine};
use callsim::report::table::{
    grid, percent, precision_note, seconds, thresholds_list, type_within, Within,
};
use callsim::report::{CallBlock, Report, TypeBlock};
use callsim::scenario::{shown, Source, MAX_CALLS_PER_HOUR};
use callsim::shard::{Assembled, PartKind, Study};
use callsim::time::SimTime;
use serde::{Deserialize, Serialize};

use super::args::{self, usage, Output};
use super::output::{refuse_misnamed, OutputFile};
use super::progress::Progress;
use super::{emit, hours_text, Failure};

/// The most points one sweep may have.
const MAX_POINTS: usize = 1001;

/// Arguments of `callsim sweep`.
#[derive(Debug, clap::Args)]
pub struct SweepArgs {
    /// The scenario file (TOML).
    scenario: PathBuf,
    /// The agent group whose headcount --agents sets.
    #[arg(long, value_name = "GROUP")]
    group: Option<String>,
    /// Headcounts of --group, the same in every interval, e.g. 20..40.
    #[arg(long, value_name = "LO..HI")]
    agents: Option<String>,
    /// Factors applied to every group's headcount in every interval (rounded), e.g. 0.8..1.2.
    #[arg(long, value_name = "LO..HI")]
    scale: Option<String>,
    /// Factors applied to every call type's arrival rates (the load), e.g. 0.8..1.2.
    #[arg(long, value_name = "LO..HI")]
    arrivals: Option<String>,
    /// Step between points (default 1 agent, or 0.05 for --scale and --arrivals).
    #[arg(long, value_name = "STEP")]
    step: Option<f64>,
    /// The service-level target to draw, e.g. 80/20 (its T becomes the threshold); default:
    /// the scenario's `[service_level] target`.
    #[arg(long, value_name = "P/T")]
    service_level: Option<String>,
    /// The abandon-rate cap to draw, e.g. 5%; default: the scenario's `max_abandon_rate`.
    #[arg(long, value_name = "P")]
    max_abandon: Option<String>,
    /// The ASA cap that marks a point met, e.g. 30s; default: the scenario's `max_asa`.
    #[arg(long, value_name = "DURATION")]
    max_asa: Option<String>,
    /// Write an SVG chart of service level and abandon rate against the swept value.
    #[arg(long, value_name = "FILE.svg")]
    chart: Option<PathBuf>,
    /// Number of replications per point (overrides the scenario's).
    #[arg(long, short = 'r', value_parser = clap::value_parser!(u32).range(1..=1_000_000))]
    replications: Option<u32>,
    /// Random seed (overrides the scenario's); every point uses it.
    #[arg(long)]
    seed: Option<u64>,
    /// Worker threads (default: all cores). Results do not depend on it.
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..=1024))]
    threads: Option<u32>,
    /// Refuse a point whose estimated memory exceeds this (e.g. 4GB; default: half of this
    /// machine's memory).
    #[arg(long, value_name = "SIZE", value_parser = callsim::footprint::parse_bytes)]
    memory_budget: Option<u64>,
    /// No progress on stderr.
    #[arg(long, short = 'q')]
    quiet: bool,
    /// Output format.
    #[arg(long, short = 'f', value_enum, default_value_t = Output::Table)]
    format: Output,
    /// Write the report to FILE instead of stdout (complete or not at all).
    #[arg(long, short = 'o', value_name = "FILE")]
    output: Option<PathBuf>,
    /// Replace the files named by --output and --chart if they exist.
    #[arg(long)]
    force: bool,
    /// Run only shard K of N (numbered from 0) of the points × replications and write a part
    /// to --output, for `callsim merge` (see "Running on a cluster").
    #[arg(long, value_name = "K/N", requires = "output", conflicts_with_all = ["format", "chart"])]
    shard: Option<String>,
}

/// What the parts of a sharded sweep record besides the scenario and the seed and
/// replications, so that `merge` rebuilds the very same points and output.
#[derive(Debug, Serialize, Deserialize)]
pub(super) struct SweepSettings {
    /// `agents`, `scale` or `arrivals`.
    variable: String,
    /// The group whose headcount is swept (`agents`).
    group: Option<String>,
    /// The swept values.
    points: Vec<f64>,
    /// The service-level threshold given by --service-level, if any.
    service_level_threshold_s: Option<f64>,
    /// The service-level target drawn.
    target_service_level: Option<f64>,
    /// The abandon-rate cap drawn.
    max_abandon_rate: Option<f64>,
    /// The ASA cap judged, s.
    #[serde(default)]
    max_asa_s: Option<f64>,
}

impl SweepSettings {
    /// The variable swept in `base`.
    fn variable(&self, base: &Model) -> Result<Variable, String> {
        match (self.variable.as_str(), &self.group) {
            ("agents", Some(name)) => base
                .groups
                .iter()
                .position(|g| &g.name == name)
                .map(|group| Variable::Agents { group })
                .ok_or_else(|| format!("the scenario has no agent group `{name}`")),
            ("scale", None) => Ok(Variable::Scale),
            ("arrivals", None) => Ok(Variable::Arrivals),
            (v, _) => Err(format!("`{v}` is not a variable a sweep varies")),
        }
    }

    /// `base` with the settings' threshold applied.
    fn apply(&self, mut base: Model) -> Model {
        if let Some(threshold) = self.service_level_threshold_s {
            base.set_service_level_threshold(callsim::time::SimTime::from_seconds(threshold));
        }
        base
    }
}

/// What is swept.
#[derive(Debug, Clone, PartialEq)]
enum Variable {
    /// The headcount of one group, constant over the day.
    Agents { group: usize },
    /// Every group's headcount times a factor.
    Scale,
    /// Every arrival rate times a factor.
    Arrivals,
}

impl Variable {
    fn key(&self) -> &'static str {
        match self {
            Variable::Agents { .. } => "agents",
            Variable::Scale => "scale",
            Variable::Arrivals => "arrivals",
        }
    }

    /// The model at `value`.
    fn apply(&self, base: &Model, value: f64) -> Model {
        let mut model = base.clone();
        match *self {
            Variable::Agents { group } => {
                let n = value.round() as u32;
                // A constant headcount replaces the group's shifts, if it had any.
                model.groups[group].shifts.clear();
                model.groups[group].agents_by_interval = vec![n; model.intervals as usize];
            }
            Variable::Scale => {
                for g in &mut model.groups {
                    for n in &mut g.agents_by_interval {
                        *n = scaled_headcount(*n, value);
                    }
                    for shift in &mut g.shifts {
                        shift.agents = scaled_headcount(shift.agents, value);
                    }
                }
            }
            Variable::Arrivals => {
                for t in &mut model.call_types {
                    for r in &mut t.calls_per_hour {
                        *r *= value;
                    }
                }
            }
        }
        model
    }
}

/// One point of the curve.
#[derive(Debug, Serialize)]
struct Point {
    value: f64,
    agent_hours: f64,
    total: CallBlock,
    call_types: Vec<TypeBlock>,
}

/// The JSON document.
#[derive(Debug, Serialize)]
struct Sweep {
    scenario: String,
    variable: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    group: Option<String>,
    replications: u32,
    seed: u64,
    service_level_threshold_s: f64,
    target_service_level: Option<f64>,
    max_abandon_rate: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    max_asa_s: Option<f64>,
    points: Vec<Point>,
}

/// The swept values, `lo, lo + step, ..., ≤ hi` (computed from the index, so no drift).
fn values(flag: &str, lo: f64, hi: f64, step: f64) -> Result<Vec<f64>, Failure> {
    // In floating point first: a tiny step gives more points than a usize holds.
    let stepped = ((hi - lo) / step + 1e-9).floor() + 1.0;
    // The range's end is a point even when the steps pass it by (`40..50 --step 4`: 48, 50).
    let ends_short = lo + step * (stepped - 1.0) < hi - 1e-9;
    let count = stepped + f64::from(u8::from(ends_short));
    if count > MAX_POINTS as f64 {
        return Err(usage(format!(
            "{flag}: {} points are too many (at most {MAX_POINTS}); use a larger --step or a shorter range",
            shown(count)
        )));
    }
    let mut points: Vec<f64> = (0..stepped as usize)
        .map(|i| {
            let v = lo + step * i as f64;
            (v * 1e9).round() / 1e9
        })
        .collect();
    if ends_short {
        points.push(hi);
    }
    Ok(points)
}

/// Runs `callsim sweep`.
pub fn run(args: SweepArgs) -> Result<(), Failure> {
    let output = OutputFile::check_optional("--output", args.output.as_ref(), args.force)?;
    let chart = OutputFile::check_optional("--chart", args.chart.as_ref(), args.force)?;
    OutputFile::distinct(&[output.as_ref(), chart.as_ref()])?;
    OutputFile::not_an_input(&[output.as_ref(), chart.as_ref()], &[&args.scenario])?;
    refuse_misnamed("--chart", "an SVG chart", &["svg"], chart.as_ref())?;
    let chosen = [&args.agents, &args.scale, &args.arrivals]
        .iter()
        .filter(|a| a.is_some())
        .count();
    if chosen != 1 {
        return Err(usage(
            "say what to sweep, once: --group G --agents 20..40 (one group's headcount), --scale 0.8..1.2 (every group's) or --arrivals 0.8..1.2 (the load)",
        ));
    }
    if args.group.is_some() && args.agents.is_none() {
        return Err(usage(
            "--group goes with --agents (e.g. --group billing --agents 5..15); --scale and --arrivals apply to every group",
        ));
    }
    if let Some(step) = args.step {
        if !(step.is_finite() && step > 0.0) {
            return Err(usage(format!(
                "--step: {} is not a positive step; e.g. --step 2 (agents) or --step 0.1 (factors)",
                shown(step)
            )));
        }
    }
    let shard = super::shard(args.shard.as_deref())?;
    if shard.is_some() {
        refuse_misnamed("--output", "a part (JSON)", &["json"], output.as_ref())?;
    }
    let source = Source::read(&args.scenario).map_err(Failure::Scenario)?;
    let mut base = super::load_source(&source)?;
    OutputFile::not_an_input(
        &[output.as_ref(), chart.as_ref()],
        base.trace_file.as_slice(),
    )?;
    if shard.is_none() {
        super::args::check_output_extension(args.format, output.as_ref())?;
    }
    if let Some(r) = args.replications {
        base.replications = r;
    }
    if let Some(s) = args.seed {
        base.seed = s;
    }
    let mut target = base.targets.service_level;
    let mut threshold_s = None;
    if let Some(text) = &args.service_level {
        let (fraction, threshold) = args::service_level_target(text)?;
        target = Some(fraction);
        threshold_s = Some(threshold);
        args::warn_of_own_thresholds(&base, text);
    }
    let max_abandon = match &args.max_abandon {
        Some(text) => Some(args::max_abandon(text)?),
        None => base.targets.max_abandon_rate,
    };
    let max_asa = match &args.max_asa {
        Some(text) => Some(args::max_asa(text)?),
        None => base.targets.max_asa_s,
    };
    let (variable, flag, text, default_step, example) = if let Some(text) = &args.agents {
        let Some(name) = &args.group else {
            let names: Vec<&str> = base.groups.iter().map(|g| g.name.as_str()).collect();
            return Err(usage(format!(
                "--agents needs --group: the agent group to sweep, one of: {}",
                names.join(", ")
            )));
        };
        let Some(group) = base.groups.iter().position(|g| &g.name == name) else {
            let names: Vec<String> = base
                .groups
                .iter()
                .map(|g| format!("`{}`", g.name))
                .collect();
            return Err(usage(format!(
                "--group: the scenario has no agent group `{name}`; use one of: {}",
                names.join(", ")
            )));
        };
        if !base.groups[group].shifts.is_empty() {
            eprintln!(
                "warning: the group `{name}` works in shifts: each point of --agents puts that many agents in every interval instead (no shift edges, no breaks; shrinkage still applies)\n  help: to keep the shifts and their breaks, sweep every group's headcount with --scale"
            );
        }
        (Variable::Agents { group }, "--agents", text, 1.0, "20..40")
    } else if let Some(text) = &args.scale {
        (Variable::Scale, "--scale", text, 0.05, "0.8..1.2")
    } else {
        let text = args.arrivals.as_ref().expect("one of the three is given");
        if base.trace.is_some() {
            return Err(usage(format!(
                "--arrivals scales the arrival rates, but {} replays a trace (`simulation.trace`): its calls are the log's, whatever the factor\n  help: sweep the staffing with --scale or --group G --agents, or drop `trace` to simulate the arrivals",
                args.scenario.display()
            )));
        }
        (Variable::Arrivals, "--arrivals", text, 0.05, "0.8..1.2")
    };
    let (lo, hi) = args::range(flag, text, example)?;
    if let Variable::Agents { .. } = variable {
        if lo.fract() != 0.0 || hi.fract() != 0.0 || args.step.is_some_and(|s| s.fract() != 0.0) {
            return Err(usage(
                "--agents: headcounts are whole numbers; e.g. --agents 20..40 --step 2",
            ));
        }
        if hi > 1e6 {
            return Err(usage("--agents: at most 1000000 agents in a group"));
        }
    } else if hi > 100.0 {
        return Err(usage(format!(
            "{flag}: a factor of {} is beyond any plan; factors are multipliers such as {example}",
            shown(hi)
        )));
    }
    let points = values(flag, lo, hi, args.step.unwrap_or(default_step))?;
    if let Variable::Arrivals = variable {
        let busiest = base
            .call_types
            .iter()
            .flat_map(|t| t.calls_per_hour.iter().map(move |&r| (r, &t.name)))
            .max_by(|a, b| a.0.total_cmp(&b.0));
        let top = points.iter().copied().fold(0.0, f64::max);
        if let Some((rate, name)) = busiest.filter(|(rate, _)| rate * top > MAX_CALLS_PER_HOUR) {
            return Err(usage(format!(
                "--arrivals: a factor of {} puts the call type `{name}` at {} calls per hour, beyond the limit of {} a scenario may hold; sweep factors up to {}",
                shown(top),
                shown(rate * top),
                shown(MAX_CALLS_PER_HOUR),
                shown((MAX_CALLS_PER_HOUR / rate * 100.0).floor() / 100.0)
            )));
        }
    }
    let settings = SweepSettings {
        variable: variable.key().to_owned(),
        group: match variable {
            Variable::Agents { group } => Some(base.groups[group].name.clone()),
            _ => None,
        },
        points,
        service_level_threshold_s: threshold_s,
        target_service_level: target,
        max_abandon_rate: max_abandon,
        max_asa_s: max_asa,
    };
    let base = settings.apply(base);
    // Points whose callers who never hang up (or callback jobs) outnumber their agents'
    // capacity: the queue grows all day (`run` warns of each such run).
    let mut overloaded: Vec<f64> = Vec::new();
    for &value in &settings.points {
        let model = variable.apply(&base, value);
        if callsim::footprint::overload(&model).is_some() {
            overloaded.push(value);
        }
        // A point with fewer agents or more calls than the scenario is held to the limits
        // the scenario was.
        callsim::scenario::check_time_limits(&model, &source).map_err(|e| {
            Failure::Usage(format!(
                "the point {} = {value}: {}{}",
                variable.key(),
                e.message,
                e.help.as_ref().map_or(String::new(), |help| format!(
                    "\n  help: {help}, or sweep a narrower range"
                ))
            ))
        })?;
        super::run::check_memory(&model, args.threads, args.memory_budget).map_err(|failure| {
            match failure {
                Failure::Usage(why) => {
                    Failure::Usage(format!("the point {} = {value}: {why}", variable.key()))
                }
                other => other,
            }
        })?;
    }
    if let (Some(first), Some(last)) = (overloaded.first(), overloaded.last()) {
        eprintln!(
            "warning: at {} = {first}{}, callers who never hang up (or callback jobs) bring \
             more work than the agents can do: the queue grows all day, so those points' \
             waits, ASA and service level depend on the day's length\n  help: sweep a range \
             the agents can carry, or give the callers a `patience`",
            variable.key(),
            if overloaded.len() > 1 {
                format!(" … {last} ({} points)", overloaded.len())
            } else {
                String::new()
            },
        );
    }
    super::args::warn_of_threads_beyond_cores(args.threads);
    let threads = args.threads.map(|n| n as usize);
    if let Some(shard) = shard {
        let models: Vec<Model> = settings
            .points
            .iter()
            .map(|&value| variable.apply(&base, value))
            .collect();
        let study = Study {
            kind: PartKind::Sweep,
            source: &source,
            settings: serde_json::to_value(&settings).map_err(|e| Failure::Other(e.to_string()))?,
            models: &models,
        };
        let point = |run: usize| {
            Some(format!(
                "point {}/{} ({} {})",
                run + 1,
                settings.points.len(),
                variable.key(),
                settings.points[run]
            ))
        };
        let part = super::study_shard(
            "sweep",
            &study,
            threads,
            shard,
            args.quiet,
            point,
            args.memory_budget,
        )?;
        return emit(output.as_ref(), &part);
    }
    let points = &settings.points;
    let mut results = Vec::with_capacity(points.len());
    let per_point = u64::from(base.replications);
    let mut progress = Progress::new("sweep", Some(per_point * points.len() as u64), args.quiet);
    for (i, &value) in points.iter().enumerate() {
        progress.note(format!(
            "point {}/{} ({} {value})",
            i + 1,
            points.len(),
            variable.key()
        ));
        let model = variable.apply(&base, value);
        let options = callsim::RunOptions {
            threads,
            ..Default::default()
        };
        let before = per_point * i as u64;
        let report = super::progress::watching(&mut progress, before, |ticker| {
            callsim::run_with_progress(&model, &options, ticker)
        });
        results.push(point(&model, value, report));
    }
    progress.finish();
    let sweep = document(&base, &variable, &settings, results);
    write(&sweep, args.format, output.as_ref(), chart.as_ref())
}

/// The agent-hours on `model`'s schedule over the whole day (before shrinkage, as `run`'s
/// `scheduled_agents`): per interval for a headcount, and for shifts from their edges and
/// breaks (not the largest headcount of each interval, which `agents_by_interval` holds
/// for display).
fn scheduled_agent_hours(model: &Model) -> f64 {
    let end = model.horizon;
    let hours = |from: SimTime, to: SimTime| (to.0 - from.0) as f64 / 3.6e12;
    model
        .groups
        .iter()
        .map(|g| {
            let points = g.schedule(model.interval);
            points
                .iter()
                .enumerate()
                .map(|(i, &(from, n))| {
                    let to = points.get(i + 1).map_or(end, |p| p.0).min(end);
                    f64::from(n) * hours(from.min(to), to)
                })
                .sum::<f64>()
        })
        .sum()
}

/// The point at `value`, from the report of its `model`.
fn point(model: &Model, value: f64, report: Report) -> Point {
    Point {
        value,
        agent_hours: scheduled_agent_hours(model),
        total: report.total,
        call_types: report.call_types,
    }
}

/// The sweep's document from its `points`.
fn document(
    base: &Model,
    variable: &Variable,
    settings: &SweepSettings,
    points: Vec<Point>,
) -> Sweep {
    Sweep {
        scenario: base.name.clone(),
        variable: variable.key(),
        group: match *variable {
            Variable::Agents { group } => Some(base.groups[group].name.clone()),
            _ => None,
        },
        replications: base.replications,
        seed: base.seed,
        service_level_threshold_s: base.service_level_threshold.as_seconds(),
        target_service_level: settings.target_service_level,
        max_abandon_rate: settings.max_abandon_rate,
        max_asa_s: settings.max_asa_s,
        points,
    }
}

/// Prints `sweep` in `format`, and writes its chart if asked.
fn write(
    sweep: &Sweep,
    format: Output,
    output: Option<&OutputFile>,
    chart: Option<&OutputFile>,
) -> Result<(), Failure> {
    if let Some(file) = chart {
        file.write(chart::svg(&chart_of(sweep)).as_bytes())?;
    }
    emit(
        output,
        &match format {
            Output::Json => {
                serde_json::to_string_pretty(sweep).expect("plain numbers serialise") + "\n"
            }
            Output::Table => table(sweep),
            Output::Html => html(sweep),
        },
    )
}

/// The sweep of the shards' parts in `study` (checked to belong together), as the sweep
/// run on one machine prints it (and its chart, if asked).
pub(super) fn merged(
    study: &Assembled,
    format: Output,
    output: Option<&OutputFile>,
    chart: Option<&OutputFile>,
) -> Result<(), Failure> {
    let fail = |why: String| super::merge::unusable(study, why);
    let settings: SweepSettings = serde_json::from_value(study.settings.clone())
        .map_err(|e| fail(format!("its sweep settings do not read: {e}")))?;
    let h = study.header;
    let mut base = study
        .source
        .load()
        .map_err(|e| fail(format!("its scenario no longer loads: {e}")))?;
    base.replications = h.replications;
    base.seed = h.seed;
    let base = settings.apply(base);
    let variable = settings.variable(&base).map_err(fail)?;
    if settings.points.len() != h.runs as usize {
        return Err(fail(format!(
            "its settings name {} points and its header {}",
            settings.points.len(),
            h.runs
        )));
    }
    let points = settings
        .points
        .iter()
        .enumerate()
        .map(|(i, &value)| {
            let model = variable.apply(&base, value);
            let (report, _) = callsim::shard::fold_report(&model, study.run(i), study.waits(i))
                .map_err(Failure::Usage)?;
            Ok(point(&model, value, report))
        })
        .collect::<Result<Vec<_>, Failure>>()?;
    write(
        &document(&base, &variable, &settings, points),
        format,
        output,
        chart,
    )
}

/// The sweep as a self-contained HTML page (the `--chart` curve, per call type, the points).
fn html(sweep: &Sweep) -> String {
    callsim::report::html::sweep_page(&callsim::report::html::SweepView {
        chart: chart_of(sweep),
        x_label: x_label(sweep),
        scenario: &sweep.scenario,
        replications: sweep.replications,
        seed: sweep.seed,
        target_service_level: sweep.target_service_level,
        max_abandon_rate: sweep.max_abandon_rate,
        max_asa_s: sweep.max_asa_s,
        points: sweep
            .points
            .iter()
            .map(|p| callsim::report::html::SweepPoint {
                value: p.value,
                agent_hours: p.agent_hours,
                total: &p.total,
                call_types: &p.call_types,
            })
            .collect(),
    })
}

fn x_label(sweep: &Sweep) -> String {
    match (&sweep.group, sweep.variable) {
        (Some(g), _) => format!("agents in “{g}” (every interval)"),
        (_, "scale") => "headcount factor (every group, every interval)".into(),
        _ => "arrival factor (every call type's forecast)".into(),
    }
}

/// The thresholds the points' service levels are measured against (every point has the
/// same call types and thresholds; the first says which): one, or `mixed`.
fn points_within(sweep: &Sweep) -> Within {
    Within::of(sweep.points.first().into_iter().flat_map(|p| {
        p.call_types
            .iter()
            .flat_map(|t| type_within(t).seconds().to_vec())
    }))
}

fn chart_of(sweep: &Sweep) -> Chart {
    // `mixed` where types or tiers have thresholds of their own, as in the table.
    let threshold = points_within(sweep).label();
    let series = |name: String, colour: &str, f: fn(&CallBlock) -> &callsim::stats::Stat| Series {
        name,
        colour: colour.into(),
        points: sweep
            .points
            .iter()
            .map(|p| (p.value, f(&p.total).mean, f(&p.total).ci95))
            .collect(),
    };
    let mut targets = Vec::new();
    if let Some(t) = sweep.target_service_level {
        targets.push(TargetLine {
            name: format!("SL target {}%", t * 100.0),
            value: t,
            colour: "#1f4e9c".into(),
        });
    }
    if let Some(a) = sweep.max_abandon_rate {
        targets.push(TargetLine {
            name: format!("abandon cap {}%", a * 100.0),
            value: a,
            colour: "#c0392b".into(),
        });
    }
    Chart {
        title: format!("{} — service level and abandonment", sweep.scenario),
        subtitle: format!(
            "whole day, mean of {} replications on common random numbers (seed {}); band: 95% confidence",
            sweep.replications, sweep.seed
        ),
        x_label: x_label(sweep),
        series: vec![
            series(
                format!("service level ({threshold})"),
                "#2c7fb8",
                |b| &b.service_level,
            ),
            series("abandon rate".into(), "#e6550d", |b| &b.abandon_rate),
        ],
        targets,
    }
}

fn table(sweep: &Sweep) -> String {
    let mut out = String::new();
    let within = points_within(sweep);
    let _ = writeln!(
        out,
        "{} — sweep of {}; {} replication{} per point on common random numbers (seed {}); {}",
        sweep.scenario,
        x_label(sweep),
        sweep.replications,
        if sweep.replications == 1 { "" } else { "s" },
        sweep.seed,
        precision_note(sweep.replications)
    );
    if within.single().is_none() {
        let _ = writeln!(
            out,
            "SL mixed: each call within its own type's or tier's threshold ({})",
            thresholds_list(&sweep.points[0].call_types)
        );
    }
    let mut targets = Vec::new();
    if let Some(t) = sweep.target_service_level {
        targets.push(format!("service level ≥ {}%", t * 100.0));
    }
    if let Some(a) = sweep.max_abandon_rate {
        targets.push(format!("abandon rate ≤ {}%", a * 100.0));
    }
    if let Some(a) = sweep.max_asa_s {
        targets.push(format!("ASA ≤ {a}s"));
    }
    if !targets.is_empty() {
        let _ = writeln!(
            out,
            "Targets: {} (* = met over the day)",
            targets.join(", ")
        );
    }
    out += "\n";
    let mut rows = vec![vec![
        sweep.variable.to_owned(),
        "agent-hours".to_owned(),
        within.header(),
        "abandon".to_owned(),
        "ASA".to_owned(),
        "p90 wait".to_owned(),
        "occupancy".to_owned(),
        String::new(),
    ]];
    for p in &sweep.points {
        let met = (sweep.target_service_level.is_some()
            || sweep.max_abandon_rate.is_some()
            || sweep.max_asa_s.is_some())
            && sweep
                .target_service_level
                .is_none_or(|t| p.total.service_level.mean.is_some_and(|m| m >= t))
            && sweep
                .max_abandon_rate
                .is_none_or(|a| p.total.abandon_rate.mean.is_some_and(|m| m <= a))
            && sweep
                .max_asa_s
                .is_none_or(|a| p.total.asa_s.mean.is_some_and(|m| m <= a));
        rows.push(vec![
            format!("{}", p.value),
            hours_text(p.agent_hours),
            percent(&p.total.service_level),
            percent(&p.total.abandon_rate),
            seconds(&p.total.asa_s),
            seconds(&p.total.wait_s.p90),
            percent(&p.total.occupancy),
            if met { "*".into() } else { String::new() },
        ]);
    }
    grid(&mut out, &rows);
    out
}
