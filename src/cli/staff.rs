//! `callsim staff`: the least agents per interval and group that meet the targets, found by
//! simulation on common random numbers, against the per-type Erlang staffing.

use std::fmt::Write;
use std::io::Write as _;
use std::path::PathBuf;

use callsim::footprint;
use callsim::model::{Model, ServiceTargets};
use callsim::report::table::{grid, percent, seconds};
use callsim::report::Report;
use callsim::scenario::{format_seconds, with_staffing, Source, StaffingEdit};
use callsim::staffing::{self, agent_hours, Check, Phase, SearchError, SearchOptions, Start};
use callsim::stats::Stat;
use callsim::time::SimTime;
use serde::Serialize;

use super::args::{self, usage, Output};
use super::output::OutputFile;
use super::progress::Progress;
use super::{emit, hours_text, Failure};

/// Where the search starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum StartFrom {
    /// The per-type Erlang staffing.
    Erlang,
    /// The scenario's own headcounts.
    Scenario,
}

/// Arguments of `callsim staff`.
#[derive(Debug, clap::Args)]
pub struct StaffArgs {
    /// The scenario file (TOML).
    scenario: PathBuf,
    /// At least P % answered within T in every interval, e.g. 80/20 (default: the
    /// scenario's `[service_level] target` at its threshold).
    #[arg(long, value_name = "P/T")]
    service_level: Option<String>,
    /// Abandon rate at most P in every interval, e.g. 5% (default: the scenario's).
    #[arg(long, value_name = "P")]
    max_abandon: Option<String>,
    /// ASA at most D in every interval, e.g. 30s (default: the scenario's).
    #[arg(long, value_name = "D")]
    max_asa: Option<String>,
    /// Occupancy of every agent group at most P in every interval, e.g. 85% (default: the
    /// scenario's `[service_level] max_occupancy`).
    #[arg(long, value_name = "P")]
    max_occupancy: Option<String>,
    /// Confidence with which each interval's verdict on each target must be right, from 50%
    /// to 99.9% (replications are added until it is, or the budget is spent).
    #[arg(long, value_name = "P", default_value = "95%")]
    confidence: String,
    /// Indifference zone of the service level and abandon rate: a true value this close to
    /// its target may be judged either way (ASA: 1s).
    #[arg(long, value_name = "P", default_value = "0.5%")]
    tolerance: String,
    /// The replication budget of a verdict (default: 2,200,000 simulated calls ÷ the day's
    /// calls, at least 640 and at most 10,240: small days get more); a close call still
    /// open there, and the validation's, may take up to 4 × the budget.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(2..=1_000_000))]
    max_replications: Option<u32>,
    /// The most agents the search may put in one group in one interval (default: 3 × the
    /// load the group could serve there, + 20).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..=1_000_000))]
    max_agents: Option<u32>,
    /// Where the search starts.
    #[arg(long, value_enum, default_value_t = StartFrom::Erlang)]
    start: StartFrom,
    /// Write the scenario with the staffing (and targets) filled in to FILE; comments stay.
    #[arg(long, value_name = "FILE")]
    write: Option<PathBuf>,
    /// Replace the files named by --write and --output if they exist.
    #[arg(long)]
    force: bool,
    /// Refuse a staffing whose estimated memory exceeds this (e.g. 4GB; default: half of
    /// this machine's memory).
    #[arg(long, value_name = "SIZE", value_parser = callsim::footprint::parse_bytes)]
    memory_budget: Option<u64>,
    /// Replications of the first look at each staffing (overrides the scenario's); more are
    /// added where a verdict needs them.
    #[arg(long, short = 'r', value_parser = clap::value_parser!(u32).range(1..=1_000_000))]
    replications: Option<u32>,
    /// Random seed (overrides the scenario's).
    #[arg(long)]
    seed: Option<u64>,
    /// Worker threads (default: all cores). Results do not depend on it.
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..=1024))]
    threads: Option<u32>,
    /// No progress on stderr.
    #[arg(long, short = 'q')]
    quiet: bool,
    /// Output format.
    #[arg(long, short = 'f', value_enum, default_value_t = Output::Table)]
    format: Output,
    /// Write the report to FILE instead of stdout (complete or not at all).
    #[arg(long, short = 'o', value_name = "FILE")]
    output: Option<PathBuf>,
}

/// The JSON document.
#[derive(Debug, Serialize)]
struct StaffReport {
    scenario: String,
    replications: u32,
    seed: u64,
    confidence: f64,
    service_level_threshold_s: f64,
    targets: TargetsJson,
    /// Every target applied, per call type, tier and agent group.
    applied_targets: Vec<AppliedJson>,
    tolerance: f64,
    max_replications: u32,
    simulations: u32,
    replications_run: u64,
    /// Where `intervals[].call_types[]`'s statistics come from: "validation".
    figures: &'static str,
    validation: ValidationJson,
    /// The screening's local optimum from each start (the cheapest was confirmed).
    local_optima: Vec<LocalOptimumJson>,
    /// Worst minus best local optimum: how much the choice of start mattered.
    multi_start_gap_agent_hours: f64,
    agent_hours: f64,
    erlang_c_agent_hours: f64,
    pooling_saving_agent_hours: f64,
    erlang_agent_hours: f64,
    scenario_agent_hours: f64,
    agent_groups: Vec<GroupJson>,
    erlang_c_by_type: Vec<GroupJson>,
    intervals: Vec<IntervalJson>,
}

/// The found staffing re-simulated on replications the search never saw.
#[derive(Debug, Serialize)]
struct ValidationJson {
    /// Replication numbers start here (the search's are 0, 1, 2, …).
    first_replication: u32,
    replications: u32,
    rounds: u32,
    passed: bool,
    /// Checks that fail on the validation replications: missed beyond doubt, or not shown
    /// met with a mean short by more than the tolerance.
    failed: usize,
    /// Checks whose verdict ran out of budget (decided by the mean).
    undecided: usize,
}

#[derive(Debug, Serialize)]
struct LocalOptimumJson {
    start: &'static str,
    agent_hours: f64,
}

/// What the sequential sampling spent on one interval, and how sure its verdict is.
#[derive(Debug, Serialize)]
struct DecisionJson {
    /// Replications the interval's verdict rests on.
    replications: u32,
    /// The lowest achieved confidence among the interval's checks.
    confidence: Option<f64>,
    met: bool,
}

#[derive(Debug, Serialize)]
struct TargetsJson {
    service_level: Option<f64>,
    max_abandon_rate: Option<f64>,
    max_asa_s: Option<f64>,
    max_occupancy: Option<f64>,
}

/// One target the search applied in every reported interval: to a call type, one of its
/// tiers, or an agent group (occupancy).
#[derive(Debug, Serialize)]
struct AppliedJson {
    #[serde(skip_serializing_if = "Option::is_none")]
    call_type: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    tier: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    agent_group: Option<String>,
    /// `service_level`, `abandon_rate`, `asa_s` or `occupancy`.
    measure: &'static str,
    /// `at_least` (service level) or `at_most` (the others).
    bound: &'static str,
    target: f64,
    /// The service level's "answered within" threshold; absent where a type's tiers have
    /// different thresholds (each call is then held to its tier's).
    #[serde(skip_serializing_if = "Option::is_none")]
    threshold_s: Option<f64>,
}

/// A name and one headcount per interval (an agent group's, or a call type's Erlang C).
#[derive(Debug, Serialize)]
struct GroupJson {
    name: String,
    agents_by_interval: Vec<u32>,
}

#[derive(Debug, Serialize)]
struct IntervalJson {
    #[serde(skip)]
    index: u32,
    start_s: f64,
    start: String,
    agents: u32,
    erlang_c_agents: u32,
    /// The search's verdict (its replications).
    search: DecisionJson,
    /// The validation's verdict (fresh replications).
    validation: DecisionJson,
    call_types: Vec<TypeJson>,
    /// Each group's occupancy (busy ÷ on the floor), on the validation replications.
    agent_groups: Vec<GroupOccupancyJson>,
}

#[derive(Debug, Serialize)]
struct GroupOccupancyJson {
    name: String,
    occupancy: Stat,
}

#[derive(Debug, Serialize)]
struct TypeJson {
    name: String,
    service_level: Stat,
    abandon_rate: Stat,
    asa_s: Stat,
    erlang_c_agents: u32,
    /// Tiers with a service-level target of their own.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    tiers: Vec<TierJson>,
}

#[derive(Debug, Serialize)]
struct TierJson {
    name: String,
    service_level_threshold_s: f64,
    service_level_target: f64,
    service_level: Stat,
}

/// The targets: the scenario's, each replaced by its flag when given.
fn targets(args: &StaffArgs, model: &mut Model) -> Result<ServiceTargets, Failure> {
    let mut targets = model.targets;
    if let Some(text) = &args.service_level {
        let (fraction, threshold) = args::service_level_target(text)?;
        targets.service_level = Some(fraction);
        model.set_service_level_threshold(SimTime::from_seconds(threshold));
        args::warn_of_own_thresholds(model, text);
    }
    if let Some(text) = &args.max_abandon {
        targets.max_abandon_rate = Some(args::max_abandon(text)?);
    }
    if let Some(text) = &args.max_asa {
        targets.max_asa_s = Some(args::max_asa(text)?);
    }
    if let Some(text) = &args.max_occupancy {
        let cap = args::fraction("--max-occupancy", text, "85%")?;
        if cap <= 0.0 {
            return Err(usage(format!(
                "--max-occupancy: {text} leaves the agents no time to take calls; e.g. --max-occupancy 85%"
            )));
        }
        targets.max_occupancy = Some(cap);
    }
    if targets == ServiceTargets::default() && model.classes.iter().all(|c| c.target.is_none()) {
        return Err(usage(
            "no target to staff for: give --service-level 80/20 (and/or --max-abandon 5%, --max-asa 30s, --max-occupancy 85%), or set `target`, `max_abandon_rate`, `max_asa` or `max_occupancy` in the scenario's [service_level] table",
        ));
    }
    if let Some(why) = vacuous_targets(model, &targets) {
        return Err(usage(why));
    }
    Ok(targets)
}

/// Why the targets hold no call type's staffing up, if they do not: an abandon rate for
/// callers who never hang up, or an ASA for callers who never wait, is met by every
/// staffing, none at all included (nobody answered: nobody abandons, nobody waits). The
/// calls of a replayed trace carry their own patience, so they are not judged here. An
/// occupancy cap of 100 % or more holds nothing up either: no agent is busier than always.
fn vacuous_targets(model: &Model, targets: &ServiceTargets) -> Option<String> {
    let occupancy_holds = targets.max_occupancy.is_some_and(|cap| cap < 1.0);
    if model.trace.is_some() || targets.service_level.is_some() || occupancy_holds {
        return None;
    }
    model.call_types.iter().enumerate().find_map(|(i, t)| {
        let classes = &model.classes[t.classes.start as usize..t.classes.end as usize];
        if classes.iter().any(|c| c.target.is_some()) {
            return None;
        }
        let hang_up = !model.never_abandons(i);
        let wait = classes.iter().any(|c| {
            c.patience
                .as_ref()
                .is_none_or(|p| !(p.is_constant() && p.mean_seconds() <= 0.0))
        });
        let held = targets.max_abandon_rate.is_some() && hang_up || targets.max_asa_s.is_some() && wait;
        (!held).then(|| {
            // Both set, one always holds: callers who never hang up can wait.
            if targets.max_abandon_rate.is_none() && targets.max_asa_s.is_none() {
                return format!(
                    "the call type `{}` has no target: neither its own (`service_level = {{ target = … }}`) nor one for all calls{}, so no agents at all would be found to serve it\n  help: give it a target, or give one for all calls (--service-level 80/20, --max-abandon 5% or --max-asa 30s, or `target`, `max_abandon_rate` or `max_asa` in [service_level])",
                    t.name,
                    if targets.max_occupancy.is_some() {
                        " (an occupancy cap of 100 % holds nothing up: no agent is busier than always)"
                    } else {
                        ""
                    }
                );
            }
            let what = if targets.max_abandon_rate.is_some() {
                format!(
                    "the callers of `{}` never hang up (no `patience`), so an abandon-rate target",
                    t.name
                )
            } else {
                format!(
                    "the callers of `{}` never wait (a `patience` of 0 s), so an ASA target",
                    t.name
                )
            };
            format!(
                "{what} is met by every staffing, even by no agents at all (nobody answered: nobody abandons or waits): add a service-level target (--service-level 80/20, or `target` in [service_level]) or --max-occupancy, or give the type a `patience` its callers can wait out"
            )
        })
    })
}

/// Runs `callsim staff`.
pub fn run(args: StaffArgs) -> Result<(), Failure> {
    let output = OutputFile::check_optional("--output", args.output.as_ref(), args.force)?;
    // `--write` may name the scenario itself: the staffing is written into it in place.
    OutputFile::not_an_input(&[output.as_ref()], &[&args.scenario])?;
    let source = Source::read(&args.scenario).map_err(Failure::Scenario)?;
    let mut model = super::load_source(&source)?;
    if let Some(r) = args.replications {
        model.replications = r;
    }
    if let Some(s) = args.seed {
        model.seed = s;
    }
    if let Some((k, g)) = model
        .groups
        .iter()
        .enumerate()
        .find(|(_, g)| !g.shifts.is_empty())
    {
        let path = callsim::scenario::FieldPath::default()
            .key("agent_groups")
            .index(k)
            .key("shifts");
        return Err(Failure::Scenario(source.error_at(
            &path,
            format!(
                "the group `{}` is scheduled by shifts, but `staff` searches a headcount per interval",
                g.name
            ),
            "give the group `agents_by_interval` instead (then turn the result into shifts)",
        )));
    }
    let targets = targets(&args, &mut model)?;
    super::args::warn_of_threads_beyond_cores(args.threads);
    super::run::check_memory(&model, args.threads, args.memory_budget)?;
    let confidence = args::fraction("--confidence", &args.confidence, "95%")?;
    if !(0.5..=0.999).contains(&confidence) {
        return Err(usage(format!(
            "--confidence: {} is outside 50%..99.9%; e.g. --confidence 95% (50% asks only the mean to meet each target)",
            args.confidence
        )));
    }
    let written = OutputFile::check_optional("--write", args.write.as_ref(), args.force)?;
    OutputFile::distinct(&[output.as_ref(), written.as_ref()])?;
    let inputs: Vec<&std::path::Path> = std::iter::once(args.scenario.as_path())
        .chain(model.trace_file.as_deref())
        .collect();
    OutputFile::not_an_input(&[output.as_ref(), written.as_ref()], &inputs)?;
    super::args::check_output_extension(args.format, output.as_ref())?;
    // The scenario with a staffing and the targets staffed to, as `--write` writes it.
    let threshold_s = args
        .service_level
        .is_some()
        .then(|| model.service_level_threshold.as_seconds());
    let written_text = |agents: &[Vec<u32>]| {
        with_staffing(
            &source.text,
            &StaffingEdit {
                agents,
                threshold_s,
                targets,
            },
        )
    };
    if written.is_some() {
        // Find out now, not after the search, if the file cannot be edited.
        let current: Vec<Vec<u32>> = model
            .groups
            .iter()
            .map(|g| g.agents_by_interval.clone())
            .collect();
        written_text(&current).map_err(|why| usage(format!("--write: {why}")))?;
    }
    let tolerance = args::fraction("--tolerance", &args.tolerance, "0.5%")?;
    if tolerance > 0.1 {
        return Err(usage(format!(
            "--tolerance: {} is more than 10 points; e.g. --tolerance 0.5% (half a percentage point)",
            args.tolerance
        )));
    }
    // The screening looks at each staffing with the first look's replications, kept whole.
    if let Some(budget) = args.max_replications.filter(|&b| model.replications > b) {
        let first = model.replications;
        let whence = if args.replications.is_some() {
            format!("-r {first}")
        } else {
            format!("the scenario's `replications = {first}`")
        };
        return Err(usage(format!(
            "{whence} is more than --max-replications {budget}: the first look at each staffing \
             would take more replications than a verdict may rest on; give -r {budget} or less, \
             or raise --max-replications"
        )));
    }
    if let Some(budget) = args
        .max_replications
        .filter(|&b| b < callsim::staffing::MIN_FIRST_LOOK)
    {
        eprintln!(
            "warning: --max-replications {budget} is below the {} replications a verdict needs to take in a day's bad days: the staffing found may miss its targets (a few replications make a lucky sample look sure); use it for a quick look only",
            callsim::staffing::MIN_FIRST_LOOK
        );
    }
    let options = SearchOptions {
        targets,
        confidence,
        tolerance,
        max_replications: args.max_replications,
        threads: args.threads.map(|n| n as usize),
        max_agents: args.max_agents,
        start: match args.start {
            StartFrom::Erlang => Start::Erlang,
            StartFrom::Scenario => Start::Scenario,
        },
    };
    check_kept_measures(&model, &options, args.threads, args.memory_budget)?;
    let quiet = args.quiet;
    let began = std::time::Instant::now();
    // The search's length depends on its verdicts: a spinner on a terminal, not a bar.
    let mut progress = Progress::new("staff", None, quiet);
    let result = staffing::search(&model, &options, |p| {
        progress.note(format!(
            "simulation {:>3} ({}, {:>4} replications) {:>9.1} agent-hours, {} interval{} short{}",
            p.simulations,
            match p.phase {
                Phase::Screening => "screening ",
                Phase::Adding => "adding    ",
                Phase::Removing => "removing  ",
                Phase::Validating => "validating",
            },
            p.replications,
            p.agent_hours,
            p.short_intervals,
            if p.short_intervals == 1 { "" } else { "s" },
            p.best_agent_hours
                .map_or_else(String::new, |b| format!("; best so far {b:.1}")),
        ));
    });
    progress.finish();
    let found = match result {
        Ok(found) => found,
        Err(SearchError::BadTargets(why)) => return Err(usage(why)),
        Err(SearchError::Infeasible {
            missed,
            caps,
            simulations,
        }) => return Err(infeasible(&model, &missed, &caps, simulations, &args)),
    };
    if !quiet {
        let _ = writeln!(
            std::io::stderr().lock(),
            "staff: done in {} simulations, {} replications ({:.1} s)",
            found.simulations,
            found.replications_run,
            began.elapsed().as_secs_f64()
        );
    }

    warn_of_blocking(&model, &found.validation.measures);
    warn_of_identical_days(&found.validation.measures);
    warn_of_failed_validation(&model, &found.validation, options.tolerance);
    let report = staff_report(&model, &options, &found);
    if let Some(file) = &written {
        let text =
            written_text(&found.agents).map_err(|why| Failure::Other(format!("--write: {why}")))?;
        file.write(text.as_bytes())?;
    }
    emit(
        output.as_ref(),
        &match args.format {
            Output::Json => {
                serde_json::to_string_pretty(&report).expect("plain numbers serialise") + "\n"
            }
            Output::Table => table(&report, &model),
            Output::Html => html(&report, &model, &found, options.targets),
        },
    )
}

/// The staffing as a self-contained HTML page: heat maps of the staffing and the Erlang
/// baseline, and what the staffing achieves on the validation replications.
fn html(
    report: &StaffReport,
    model: &Model,
    found: &staffing::Staffing,
    targets: ServiceTargets,
) -> String {
    let achieved = Report::new(model, &found.validation.measures);
    callsim::report::html::staff_page(&callsim::report::html::StaffView {
        model,
        targets,
        report: &achieved,
        agents: &found.agents,
        erlang_c_by_type: &found.erlang_c_by_type,
        erlang_by_type: &found.erlang_by_type,
        agent_hours: [
            report.agent_hours,
            report.erlang_c_agent_hours,
            report.erlang_agent_hours,
            report.scenario_agent_hours,
        ],
        validation_passed: report.validation.passed,
    })
}

fn infeasible(
    model: &Model,
    missed: &[Check],
    caps: &[Vec<u32>],
    simulations: u32,
    args: &StaffArgs,
) -> Failure {
    let mut message = format!(
        "these targets cannot be met with the given skills, even with the most agents the search may use (after {simulations} simulation{}):",
        if simulations == 1 { "" } else { "s" }
    );
    for c in missed.iter().take(8) {
        let t = &model.call_types[c.call_type as usize];
        let groups: Vec<String> = t
            .serving_groups
            .iter()
            .map(|&g| {
                format!(
                    "`{}` at {}",
                    model.groups[g as usize].name, caps[g as usize][c.interval as usize]
                )
            })
            .collect();
        let (value, target) = match c.measure {
            staffing::Measure::Asa => (
                format!("{:.1}s ±{:.1}", c.mean, c.ci95),
                format!("≤ {}", format_seconds(c.target)),
            ),
            staffing::Measure::ServiceLevel => (
                format!("{:.1}% ±{:.1}", c.mean * 100.0, c.ci95 * 100.0),
                format!("≥ {}%", c.target * 100.0),
            ),
            staffing::Measure::AbandonRate | staffing::Measure::Occupancy => (
                format!("{:.1}% ±{:.1}", c.mean * 100.0, c.ci95 * 100.0),
                format!("≤ {}%", c.target * 100.0),
            ),
        };
        if let Some(g) = c.group {
            let _ = write!(
                message,
                "\n  agent group `{}`, interval {}: occupancy {value}, needs {target}; the group is at its cap of {}",
                model.groups[g as usize].name,
                model.interval_label(c.interval),
                caps[g as usize][c.interval as usize]
            );
            continue;
        }
        let _ = write!(
            message,
            "\n  call type `{}`, interval {}: {} {value}, needs {target}; serving groups {}",
            c.class
                .map_or_else(|| t.name.clone(), |class| model.class_name(class)),
            model.interval_label(c.interval),
            c.measure.name(),
            groups.join(", ")
        );
    }
    if missed.len() > 8 {
        let _ = write!(message, "\n  … and {} more", missed.len() - 8);
    }
    let _ = write!(
        message,
        "\n  help: relax the target, give the call type to more groups, or raise the cap{}",
        match args.max_agents {
            Some(n) => format!(" above --max-agents {n}"),
            None => " with --max-agents N".into(),
        }
    );
    usage(message)
}

/// The verdict of interval `k` from `checks`: the most replications any of its checks rests
/// on, the lowest achieved confidence, and whether all are met.
fn decision(checks: &[Check], k: u32) -> DecisionJson {
    let mine: Vec<&Check> = checks.iter().filter(|c| c.interval == k).collect();
    DecisionJson {
        replications: mine.iter().map(|c| c.replications).max().unwrap_or(0),
        confidence: mine.iter().map(|c| c.confidence).reduce(f64::min),
        met: mine.iter().all(|c| c.met()),
    }
}

/// The service-level threshold of call type `t`, seconds: its classes' one, or `None` when
/// its tiers have different thresholds.
fn type_threshold(model: &Model, t: usize) -> Option<f64> {
    let mut thresholds = model.call_types[t]
        .classes
        .clone()
        .map(|c| model.classes[c as usize].threshold.as_seconds());
    let first = thresholds.next()?;
    thresholds.all(|x| x == first).then_some(first)
}

/// Every target the search applies, as the JSON lists them.
fn applied(model: &Model, targets: &ServiceTargets) -> Vec<AppliedJson> {
    staffing::applied_targets(model, targets)
        .iter()
        .map(|a| {
            let measure = match a.measure {
                staffing::Measure::ServiceLevel => "service_level",
                staffing::Measure::AbandonRate => "abandon_rate",
                staffing::Measure::Asa => "asa_s",
                staffing::Measure::Occupancy => "occupancy",
            };
            let threshold_s = (a.measure == staffing::Measure::ServiceLevel)
                .then(|| match a.class {
                    Some(c) => Some(model.classes[c as usize].threshold.as_seconds()),
                    None => type_threshold(model, a.call_type as usize),
                })
                .flatten();
            AppliedJson {
                call_type: a
                    .group
                    .is_none()
                    .then(|| model.call_types[a.call_type as usize].name.clone()),
                tier: a.class.and_then(|c| model.classes[c as usize].tier.clone()),
                agent_group: a.group.map(|g| model.groups[g as usize].name.clone()),
                measure,
                bound: if a.measure.higher_is_better() {
                    "at_least"
                } else {
                    "at_most"
                },
                target: a.target,
                threshold_s,
            }
        })
        .collect()
}

/// Warns when the staffing found still fails a target on the last round of validation:
/// the answer is printed, as the best the search reached, but a planner must not take it
/// as meeting the targets. Each failure says by how much it is short; when every one is
/// short by less than the tolerance, the warning says they are close calls.
fn warn_of_failed_validation(model: &Model, validation: &staffing::Validation, tolerance: f64) {
    if validation.passed {
        return;
    }
    const SHOWN: usize = 5;
    // The shortfall, as text, and whether it is within the tolerance.
    let shortfall = |c: &Check| -> (String, bool) {
        let short = (c.mean - c.target).abs();
        match c.measure {
            staffing::Measure::Asa => (
                format!("{short:.1} s"),
                short < staffing::check::ASA_TOLERANCE_S,
            ),
            _ => {
                let points = short * 100.0;
                let text = if points >= 0.1 {
                    format!("{points:.1}")
                } else {
                    format!("{points:.3}")
                };
                (format!("{text} points"), short < tolerance)
            }
        }
    };
    let close_calls = validation.failures.iter().all(|c| shortfall(c).1);
    let mut lines: Vec<String> = validation
        .failures
        .iter()
        .take(SHOWN)
        .map(|c| {
            let (mean, target, half) = match c.measure {
                staffing::Measure::Asa => (
                    format!("{:.1} s", c.mean),
                    format!("{:.1} s", c.target),
                    format!("{:.1} s", c.ci95),
                ),
                _ => (
                    format!("{:.1}%", c.mean * 100.0),
                    format!("{}%", super::args::percent_as_given(c.target)),
                    format!("{:.1}", c.ci95 * 100.0),
                ),
            };
            let whose = match c.group {
                Some(g) => model.groups[g as usize].name.clone(),
                None => model.call_types[c.call_type as usize].name.clone(),
            };
            format!(
                "  {} {whose}: {} {mean} ± {half} against {target} (short by {})",
                model.interval_label(c.interval),
                c.measure.name(),
                shortfall(c).0
            )
        })
        .collect();
    if validation.failed > SHOWN {
        lines.push(format!("  and {} more", validation.failed - SHOWN));
    }
    let (verdict, help) = if close_calls {
        (
            format!(
                "each by less than the tolerance ({} points; {} s for ASA): close calls, which more replications may decide either way",
                shown_points(tolerance),
                callsim::scenario::shown(staffing::check::ASA_TOLERANCE_S)
            ),
            "search on more replications (--max-replications) to settle them, or add an agent where one fails (raise --max-agents if the cap left no room there)",
        )
    } else {
        (
            "so it does not meet the targets as asked".to_owned(),
            "add agents where it fails (raise --max-agents if the cap left no room there), or search on more replications (--max-replications)",
        )
    };
    eprintln!(
        "warning: the staffing printed fails {} target{} on its last validation round ({} round{} on fresh replications), {verdict}:\n{}\n  help: {help}",
        validation.failed,
        if validation.failed == 1 { "" } else { "s" },
        validation.rounds,
        if validation.rounds == 1 { "" } else { "s" },
        lines.join("\n")
    );
}

/// A verdict's cell: the achieved confidence (that the true value is not short of the
/// target by more than the tolerance) of a met target; for one not shown met, `close call`
/// where that confidence is still above even (the mean short, by less than the tolerance
/// most likely), `short` otherwise. ("100.0% short" read as a contradiction.)
fn verdict(confidence: f64, met: bool) -> String {
    if met {
        format!("{:.1}%", confidence * 100.0)
    } else if confidence > 0.5 {
        "close call".to_owned()
    } else {
        "short".to_owned()
    }
}

/// A fraction as percentage points, as few decimals as it needs (0.005: `0.5`).
fn shown_points(fraction: f64) -> String {
    callsim::scenario::shown((fraction * 100.0 * 1e9).round() / 1e9)
}

/// On stderr: a warning when every validation replication measured the same day (a
/// replayed trace that fixes each call's arrival, handle time and patience): the answer
/// fits that one day exactly, and its confidence figures say nothing of other days.
fn warn_of_identical_days(validation: &[callsim::stats::ReplicationMeasures]) {
    let Some((first, rest)) = validation.split_first() else {
        return;
    };
    if rest.is_empty() || rest.iter().any(|m| m.total != first.total) {
        return;
    }
    eprintln!(
        "warning: all {} validation replications are the same day (the trace fixes every call's arrival, handle time and patience): the staffing is the least for that recorded day, and its confidence figures say nothing of other days\n  help: to staff for days like it, fit a scenario to the log (`callsim fit`) and staff that",
        validation.len()
    );
}

/// The share of calls blocked above which `staff` warns: lines, not agents, then limit the
/// service, and blocked callers count in no target.
const BLOCKED_WARNING: f64 = 0.01;

/// On stderr: a warning when the lines (`trunks`) block more than [`BLOCKED_WARNING`] of
/// the calls of some interval at the staffing found (its validation's replications).
/// Blocked callers hear a busy signal and count in no service level, abandon rate or ASA,
/// so every target may be met while many callers are turned away.
fn warn_of_blocking(model: &Model, validation: &[callsim::stats::ReplicationMeasures]) {
    let Some(first) = validation.first() else {
        return;
    };
    let share = |p: usize| {
        let (blocked, offered) = validation.iter().fold((0.0, 0.0), |(b, o), m| {
            let t = &m.intervals[p].total;
            (b + t.blocked, o + t.offered)
        });
        (offered > 0.0).then(|| blocked / offered)
    };
    let worst = (0..first.intervals.len())
        .filter_map(|p| share(p).map(|s| (p, s)))
        .max_by(|a, b| a.1.total_cmp(&b.1));
    let Some((p, worst)) = worst.filter(|&(_, s)| s > BLOCKED_WARNING) else {
        return;
    };
    let (blocked, offered) = validation.iter().fold((0.0, 0.0), |(b, o), m| {
        (b + m.total.blocked, o + m.total.offered)
    });
    eprintln!(
        "warning: at this staffing the lines (`trunks`) turn away {:.1}% of the calls at {} ({:.1}% of the day's): blocked callers hear a busy signal and count in no service level, abandon rate or ASA target, so the targets are met on the calls let in\n  help: give the centre more `trunks` (`callsim erlang b` sizes lines for a blocking target), or staff more agents than the targets need so that fewer calls hold lines while waiting",
        worst * 100.0,
        model.interval_label(first.intervals[p].interval),
        if offered > 0.0 { blocked / offered * 100.0 } else { 0.0 }
    );
}

fn staff_report(model: &Model, options: &SearchOptions, found: &staffing::Staffing) -> StaffReport {
    let validation = &found.validation;
    let report = Report::new(model, &validation.measures);
    let scenario_agents: Vec<Vec<u32>> = model
        .groups
        .iter()
        .map(|g| g.agents_by_interval.clone())
        .collect();
    let erlang_c_hours = agent_hours(model, &found.erlang_c_by_type);
    let hours = agent_hours(model, &found.agents);
    StaffReport {
        scenario: model.name.clone(),
        replications: model.replications,
        seed: model.seed,
        confidence: options.confidence,
        service_level_threshold_s: model.service_level_threshold.as_seconds(),
        targets: TargetsJson {
            service_level: options.targets.service_level,
            max_abandon_rate: options.targets.max_abandon_rate,
            max_asa_s: options.targets.max_asa_s,
            max_occupancy: options.targets.max_occupancy,
        },
        applied_targets: applied(model, &options.targets),
        tolerance: options.tolerance,
        max_replications: found.max_replications,
        simulations: found.simulations,
        replications_run: found.replications_run,
        figures: "validation",
        validation: ValidationJson {
            first_replication: staffing::sample::VALIDATION_FIRST,
            replications: validation.measures.len() as u32,
            rounds: validation.rounds,
            passed: validation.passed,
            failed: validation.failed,
            undecided: validation.checks.iter().filter(|c| !c.decided).count(),
        },
        local_optima: found
            .local_optima
            .iter()
            .map(|o| LocalOptimumJson {
                start: o.start,
                agent_hours: o.agent_hours,
            })
            .collect(),
        multi_start_gap_agent_hours: {
            let hours = found.local_optima.iter().map(|o| o.agent_hours);
            hours.clone().fold(f64::MIN, f64::max) - hours.fold(f64::MAX, f64::min)
        },
        agent_hours: hours,
        erlang_c_agent_hours: erlang_c_hours,
        pooling_saving_agent_hours: erlang_c_hours - hours,
        erlang_agent_hours: agent_hours(model, &found.erlang_by_type),
        scenario_agent_hours: agent_hours(model, &scenario_agents),
        agent_groups: model
            .groups
            .iter()
            .zip(&found.agents)
            .map(|(g, a)| GroupJson {
                name: g.name.clone(),
                agents_by_interval: a.clone(),
            })
            .collect(),
        erlang_c_by_type: model
            .call_types
            .iter()
            .zip(&found.erlang_c_by_type)
            .map(|(t, a)| GroupJson {
                name: t.name.clone(),
                agents_by_interval: a.clone(),
            })
            .collect(),
        intervals: report
            .intervals
            .iter()
            .map(|i| {
                let k = (SimTime::from_seconds(i.start_s).0 / model.interval.0) as usize;
                IntervalJson {
                    index: k as u32,
                    start_s: i.start_s,
                    start: i.start.clone(),
                    agents: found.agents.iter().map(|g| g[k]).sum(),
                    erlang_c_agents: found.erlang_c_by_type.iter().map(|t| t[k]).sum(),
                    search: decision(&found.checks, k as u32),
                    validation: decision(&validation.checks, k as u32),
                    agent_groups: i
                        .agent_groups
                        .iter()
                        .map(|g| GroupOccupancyJson {
                            name: g.name.clone(),
                            occupancy: g.block.occupancy,
                        })
                        .collect(),
                    call_types: i
                        .call_types
                        .iter()
                        .enumerate()
                        .map(|(t, b)| TypeJson {
                            name: b.name.clone(),
                            service_level: b.block.service_level,
                            abandon_rate: b.block.abandon_rate,
                            asa_s: b.block.asa_s,
                            erlang_c_agents: found.erlang_c_by_type[t][k],
                            tiers: b
                                .tiers
                                .iter()
                                .filter_map(|tier| {
                                    Some(TierJson {
                                        name: tier.name.clone(),
                                        service_level_threshold_s: tier.service_level_threshold_s,
                                        service_level_target: tier.service_level_target?,
                                        service_level: tier.block.service_level,
                                    })
                                })
                                .collect(),
                        })
                        .collect(),
                }
            })
            .collect(),
    }
}

fn table(report: &StaffReport, model: &Model) -> String {
    let mut out = String::new();
    let threshold = format_seconds(report.service_level_threshold_s);
    let t = &report.targets;
    let mut wanted = Vec::new();
    if let Some(sl) = t.service_level {
        let own = if model.classes.iter().any(|c| c.own_threshold) {
            " (or a call's own threshold)"
        } else {
            ""
        };
        wanted.push(format!(
            "service level ≥ {}% within {threshold}{own}",
            sl * 100.0
        ));
    }
    if let Some(a) = t.max_abandon_rate {
        wanted.push(format!("abandon rate ≤ {}%", a * 100.0));
    }
    if let Some(a) = t.max_asa_s {
        wanted.push(format!("ASA ≤ {}", format_seconds(a)));
    }
    if let Some(o) = t.max_occupancy {
        wanted.push(format!("occupancy ≤ {}% in every group", o * 100.0));
    }
    let _ = writeln!(
        out,
        "{} — least staffing found by simulation",
        report.scenario
    );
    for class in &model.classes {
        if let Some(target) = class.target {
            let name = model.call_types[class.call_type as usize].name.clone();
            let name = class
                .tier
                .as_ref()
                .map_or(name.clone(), |tier| format!("{name}/{tier}"));
            wanted.push(format!(
                "`{name}` {}/{}",
                target * 100.0,
                format_seconds(class.threshold.as_seconds())
            ));
        }
    }
    let _ = writeln!(
        out,
        "Targets, in every interval: {}; each verdict right with {}% confidence (true values within {} points of a target may go either way), on {} to {} replications per staffing (seed {}).",
        wanted.join(", "),
        report.confidence * 100.0,
        shown_points(report.tolerance),
        report.replications.max(2),
        report.max_replications,
        report.seed
    );
    let v = &report.validation;
    let _ = writeln!(
        out,
        "Simulations: {} ({} replications). Validation: {} fresh replications (numbered from {}), {} round{}: {}.\n",
        report.simulations,
        report.replications_run,
        v.replications,
        v.first_replication,
        v.rounds,
        if v.rounds == 1 { "" } else { "s" },
        match (v.passed, v.undecided) {
            (true, 0) => "no target fails".to_owned(),
            (true, open) => format!(
                "no target fails; {open} left undecided (each mean on the right side, not shown with the confidence asked)"
            ),
            (false, _) => format!(
                "{} target(s) fail (not shown met, with the mean short of the target)",
                v.failed
            ),
        }
    );

    let _ = writeln!(out, "Agents per interval");
    let mut header = vec!["Interval".to_owned()];
    header.extend(model.groups.iter().map(|g| g.name.clone()));
    header.push("total".into());
    header.push("Erlang C per type".into());
    header.push("search reps".into());
    header.push("confidence".into());
    header.push("validation reps".into());
    header.push("confidence".into());
    let mut rows = vec![header];
    for k in 0..model.intervals as usize {
        let mut row = vec![model.interval_label(k as u32)];
        row.extend(
            report
                .agent_groups
                .iter()
                .map(|g| g.agents_by_interval[k].to_string()),
        );
        let total: u32 = report
            .agent_groups
            .iter()
            .map(|g| g.agents_by_interval[k])
            .sum();
        row.push(total.to_string());
        row.push(if k < model.first_reported_interval() as usize {
            "(warm-up)".into()
        } else {
            report
                .erlang_c_by_type
                .iter()
                .map(|t| t.agents_by_interval[k])
                .sum::<u32>()
                .to_string()
        });
        match report.intervals.iter().find(|i| i.index == k as u32) {
            Some(i) => {
                for d in [&i.search, &i.validation] {
                    row.push(d.replications.to_string());
                    row.push(
                        d.confidence
                            .map_or_else(|| "–".to_owned(), |c| verdict(c, d.met)),
                    );
                }
            }
            None => row.extend([
                "–".to_owned(),
                "–".to_owned(),
                "–".to_owned(),
                "–".to_owned(),
            ]),
        }
        rows.push(row);
    }
    grid(&mut out, &rows);

    let optima: Vec<String> = report
        .local_optima
        .iter()
        .map(|o| format!("{} from the {} start", hours_text(o.agent_hours), o.start))
        .collect();
    let _ = writeln!(
        out,
        "\nScreening (the mean of {} replications deciding): local optima {}; multi-start gap {} agent-hours. The cheapest was confirmed by sequential sampling.",
        report.replications.max(2),
        optima.join(", "),
        hours_text(report.multi_start_gap_agent_hours),
    );
    let saving = report.pooling_saving_agent_hours;
    // Erlang's agents hold one contact at a time; a chat desk's hold several, which is
    // part of what the simulation's answer saves against it.
    let chat = model.groups.iter().any(|g| g.max_concurrent > 1);
    let _ = writeln!(
        out,
        "Agent-hours: {} found; {} with per-type Erlang C (each call type on its own agents{}{}) — {}{} {} {} ({:.1}%); {} with per-type Erlang A; {} in the scenario as written.\n",
        hours_text(report.agent_hours),
        hours_text(report.erlang_c_agent_hours),
        if chat { ", one contact each" } else { "" },
        if model.groups.iter().any(|g| g.shrinkage > 0.0) {
            ", grossed up by its first group's shrinkage"
        } else {
            ""
        },
        // Skills are pooled only where a group serves several call types; otherwise the
        // difference is the simulated day's (its abandonment, its changing load).
        if model.groups.iter().any(|g| g.skills.len() > 1) {
            "pooling the skills"
        } else {
            "the simulated day"
        },
        if chat { " and the chat desks' several contacts at once" } else { "" },
        if saving >= 0.0 { "saves" } else { "costs" },
        hours_text(saving.abs()),
        if report.erlang_c_agent_hours > 0.0 {
            saving.abs() / report.erlang_c_agent_hours * 100.0
        } else {
            0.0
        },
        hours_text(report.erlang_agent_hours),
        hours_text(report.scenario_agent_hours),
    );

    let _ = writeln!(
        out,
        "Achieved on the {} validation replications (fresh seeds, not those of the search), rates of their calls pooled ±95% CI half-width",
        report.validation.replications
    );
    let mut header = vec!["Interval".to_owned()];
    for (index, ct) in model.call_types.iter().enumerate() {
        // Each type's column names its own threshold; a type whose tiers differ pools
        // calls each held to its tier's.
        header.push(match type_threshold(model, index) {
            Some(own) => format!("{} SL {}", ct.name, format_seconds(own)),
            None => format!("{} SL (tiers' thresholds)", ct.name),
        });
        if t.max_abandon_rate.is_some() {
            header.push(format!("{} abandon", ct.name));
        }
        if t.max_asa_s.is_some() {
            header.push(format!("{} ASA", ct.name));
        }
        for class in ct.classes.clone().map(|c| &model.classes[c as usize]) {
            if let (Some(tier), Some(_)) = (&class.tier, class.target) {
                header.push(format!(
                    "{tier} SL {}",
                    format_seconds(class.threshold.as_seconds())
                ));
            }
        }
    }
    if t.max_occupancy.is_some() {
        header.extend(model.groups.iter().map(|g| format!("{} occupancy", g.name)));
    }
    let mut rows = vec![header];
    for i in &report.intervals {
        let mut row = vec![i.start.clone()];
        for ct in &i.call_types {
            row.push(percent(&ct.service_level));
            if t.max_abandon_rate.is_some() {
                row.push(percent(&ct.abandon_rate));
            }
            if t.max_asa_s.is_some() {
                row.push(seconds(&ct.asa_s));
            }
            for tier in &ct.tiers {
                row.push(percent(&tier.service_level));
            }
        }
        if t.max_occupancy.is_some() {
            row.extend(i.agent_groups.iter().map(|g| percent(&g.occupancy)));
        }
        rows.push(row);
    }
    grid(&mut out, &rows);
    out
}

/// Refuses (exit 2) a search whose kept measures would exceed the memory budget: a verdict
/// keeps the day's measures of every replication it rests on, up to 4 × the budget for a
/// close call and in the validation (`staffing::most_replications_per_verdict`), and two
/// verdicts are held at once: the staffing kept and the one being judged (or validated).
/// A quarter more is counted for the allocator: freed verdicts leave gaps that later ones
/// do not always fill (`energy-supplier` at `--max-replications 640`: 689 MB at the peak,
/// against 614 MB for two verdicts and the run).
fn check_kept_measures(
    model: &Model,
    options: &SearchOptions,
    threads: Option<u32>,
    budget: Option<u64>,
) -> Result<(), Failure> {
    let replications = staffing::most_replications_per_verdict(model, options);
    let per_replication = footprint::measures_without_waits_bytes(model);
    let kept = 2 * u64::from(replications) * per_replication / 4 * 5;
    let run = footprint::estimate(model, super::run::thread_count(threads)).total();
    super::run::refuse_over_budget(
        run.saturating_add(kept),
        ("the measures of the replications two verdicts rest on (the staffing kept and the one judged)", kept),
        "use longer intervals (`simulation.interval`), fewer call types or tiers, or a smaller `--max-replications`",
        budget,
    )
}

#[cfg(test)]
mod tests {
    use super::verdict;

    #[test]
    fn a_target_not_shown_met_reads_short_or_close_call_never_a_confidence() {
        assert_eq!(verdict(0.993, true), "99.3%");
        assert_eq!(verdict(1.0, false), "close call");
        assert_eq!(verdict(0.62, false), "close call");
        assert_eq!(verdict(0.3, false), "short");
    }
}
