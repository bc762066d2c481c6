//! `callsim run` and `callsim validate`.

use std::path::PathBuf;

use callsim::report::{self, Report};
use callsim::scenario::DEFAULT_SCENARIO;
use callsim::RunOptions;

use super::{load, print, Failure};
use crate::{Format, RunArgs};

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
