//! `callsim validate`: check a scenario and say what it asks of the agents, without
//! simulating.

use std::fmt::Write as _;
use std::io::Write as _;
use std::path::{Path, PathBuf};

use callsim::model::Model;
use callsim::offered::OfferedLoad;
use callsim::time::SimTime;

use super::{load, print, Failure};

/// Checks the scenario at `path`; on stdout, a summary and per call type the calls per day
/// and the peak interval's load against the agents who can take it; on stderr, a warning
/// for every interval whose load meets or exceeds them (and the overload warning of `run`).
pub fn validate(path: &PathBuf) -> Result<(), Failure> {
    let model = load(Some(path))?;
    super::run::warn_if_overloaded(&model);
    super::run::warn_of_reserves_holding_every_agent(&model);
    let load = OfferedLoad::of(&model);
    warn_of_shortfalls(&model, &load);
    print(&(summary(path, &model) + &load_table(&model, &load)))
}

/// The widest column of the load table, in characters.
const MAX_COLUMN_WIDTH: usize = 80;

/// The first line: what the scenario holds.
fn summary(path: &Path, model: &Model) -> String {
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
    format!(
        "{}: ok — \"{}\": {} call type{} ({}), {} agent group{} ({}), {} intervals{}, {} replications\n",
        path.display(),
        model.name,
        types.len(),
        plural(types.len()),
        types.join(", "),
        agents.len(),
        plural(agents.len()),
        agents.join(", "),
        model.intervals,
        last_interval(model),
        model.replications,
    )
}

/// ` (the last 1m)` when the day is not a whole number of intervals, else nothing.
fn last_interval(model: &Model) -> String {
    let whole = model.interval.0 * u64::from(model.intervals.saturating_sub(1));
    let last = model.horizon.0.saturating_sub(whole);
    if last == model.interval.0 {
        String::new()
    } else {
        format!(
            " (the last {})",
            callsim::scenario::format_seconds(SimTime(last).as_seconds())
        )
    }
}

fn plural(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

/// Per call type and for the whole centre: calls per day, and the peak interval's load
/// against the agents who can take it, with a note saying what is compared.
fn load_table(model: &Model, load: &OfferedLoad) -> String {
    let mut rows: Vec<[String; 6]> = vec![[
        "call type".into(),
        "calls per day".into(),
        "peak".into(),
        "load (Erlangs)".into(),
        "agents".into(),
        "load ÷ agents".into(),
    ]];
    let row = |name: &str, calls: f64, t: Option<usize>| {
        let k = load.peak(t);
        let (erlangs, agents) = match t {
            Some(t) => (load.erlangs[t][k], load.agents[t][k]),
            None => (load.total_erlangs[k], load.total_agents[k]),
        };
        let ratio = if agents > 0.0 {
            format!("{:.0}%", 100.0 * erlangs / agents)
        } else {
            "no agents".into()
        };
        [
            name.to_owned(),
            format!("{calls:.0}"),
            model.interval_label(k as u32),
            format!("{erlangs:.1}"),
            format!("{agents:.1}"),
            ratio,
        ]
    };
    for (t, call_type) in model.call_types.iter().enumerate() {
        rows.push(row(&call_type.name, load.calls_per_day[t], Some(t)));
    }
    if model.call_types.len() > 1 {
        rows.push(row("all types", load.calls_per_day.iter().sum(), None));
    }
    // Capped: a longer name overflows its column rather than the formatter (whose widths
    // stop at 65,535).
    let widths: Vec<usize> = (0..6)
        .map(|c| {
            rows.iter()
                .map(|r| r[c].chars().count().min(MAX_COLUMN_WIDTH))
                .max()
                .unwrap_or(0)
        })
        .collect();
    let source = if model.trace.is_some() {
        "the trace's arrivals"
    } else {
        "rates are calls per hour"
    };
    let mut out = format!(
        "\nWhat it asks ({source}). Calls per day: first attempts. Load at the busiest interval, in \
         Erlangs:\ncalls reaching the agents (with the repeat calls expected of unresolved calls, after \
         IVR self-service, with transfers in; redials come on top)\n× mean handle time and wrap-up. Agents: on the floor (after \
         shrinkage and breaks) in the groups serving the type;\nall groups for all types.\n"
    );
    for r in &rows {
        let mut line = format!("{:<w$}", r[0], w = widths[0]);
        for (cell, &w) in r.iter().zip(&widths).skip(1) {
            let _ = write!(line, "  {cell:>w$}");
        }
        out += line.trim_end();
        out.push('\n');
    }
    let k = load.peak(None);
    let busiest = load.total_erlangs[k] / load.total_agents[k];
    // (A trace's arrivals are counted, not typed: no rate can be off by half.)
    if busiest < LIGHT_LOAD && model.trace.is_none() {
        let _ = writeln!(
            out,
            "note: at its busiest ({}) the load is only {:.0}% of the agents on the floor; if the \
             arrival rates were written as calls per half hour, they are half what they should be \
             (rates are calls per hour)",
            model.interval_label(k as u32),
            100.0 * busiest
        );
    }
    out
}

/// Below this share of the agents at the busiest interval, `validate` asks whether the rates
/// were written per half hour: centres are staffed to keep agents busier than this.
const LIGHT_LOAD: f64 = 0.5;

/// Shortfall warnings printed at most; past them, one line counts the rest.
const MAX_SHORTFALL_WARNINGS: usize = 40;

/// On stderr: one warning per interval and call type (and for the whole centre) whose load
/// meets or exceeds the agents who can take it (the first [`MAX_SHORTFALL_WARNINGS`]), then
/// what to check.
fn warn_of_shortfalls(model: &Model, load: &OfferedLoad) {
    // With one call type the whole centre is that type: its warnings say it all.
    let shortfalls: Vec<_> = load
        .shortfalls()
        .into_iter()
        .filter(|s| s.call_type.is_some() || model.call_types.len() > 1)
        .collect();
    if shortfalls.is_empty() {
        return;
    }
    let mut err = std::io::stderr().lock();
    for s in shortfalls.iter().take(MAX_SHORTFALL_WARNINGS) {
        let (what, who) = match s.call_type {
            Some(t) => (
                model.call_types[t].name.as_str(),
                "agents on the floor who serve it",
            ),
            None => ("all call types", "agents on the floor in all groups"),
        };
        let _ = writeln!(
            err,
            "warning: {}: {what}: a load of {:.1} Erlangs meets or exceeds the {:.1} {who}: \
             the queue cannot settle (it grows, or callers hang up)",
            model.interval_label(s.interval),
            s.erlangs,
            s.agents,
        );
    }
    if shortfalls.len() > MAX_SHORTFALL_WARNINGS {
        let _ = writeln!(
            err,
            "warning: and {} more intervals short, of call types or of the whole centre",
            shortfalls.len() - MAX_SHORTFALL_WARNINGS
        );
    }
    let _ = writeln!(
        err,
        "  help: {} interval{} short; check that the arrival rates are calls per hour (a volume per \
         half hour is half the hourly rate) and the units of the handle times (\"4m\", not \"4h\"); \
         otherwise add agents in those intervals",
        shortfalls.len(),
        plural(shortfalls.len()),
    );
}
