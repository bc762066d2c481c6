//! `fit --check`: the fitted scenario re-simulated with the log's staffing, one replication
//! per day of the log, against what the log shows, interval by interval: service level,
//! abandon rate and ASA, each a mean with its 95 % interval on both sides.

use std::fmt::Write as _;

use crate::scenario::Source;
use crate::stats::Stat;

use super::write::{clock, stat_text};
use super::{Fit, FitError};

/// The staffing the re-simulation gives its one agent group per interval.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CheckStaffing {
    /// The mean over days of the distinct agents who served a call in the interval, rounded
    /// (the fitted scenario's own `agents_by_interval`): an upper bound on capacity.
    Serving,
    /// The agents busy with calls (talk and wrap-up summed ÷ interval), rounded up, plus
    /// one: a calibration on an outcome of the day, not a prediction.
    Busy,
    /// The agents given with `--agents`.
    Given,
}

/// One measure in one interval: what the log shows and what the simulation gives.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Pair {
    /// Mean over the log's days, with the Student-t 95 % half-width.
    pub actual: Stat,
    /// Mean over replications, with the Student-t 95 % half-width.
    pub simulated: Stat,
}

impl Pair {
    /// Whether the log's mean lies in the simulation's interval.
    pub fn covered(&self) -> Option<bool> {
        let (a, m, h) = (
            self.actual.mean?,
            self.simulated.mean?,
            self.simulated.ci95?,
        );
        Some((a - m).abs() <= h)
    }

    /// Whether the two 95 % intervals overlap.
    pub fn overlap(&self) -> Option<bool> {
        let (a, ha) = (self.actual.mean?, self.actual.ci95.unwrap_or(0.0));
        let (m, hm) = (self.simulated.mean?, self.simulated.ci95.unwrap_or(0.0));
        Some((a - m).abs() <= ha + hm)
    }
}

/// One interval of the check.
#[derive(Debug, Clone, PartialEq)]
pub struct CheckInterval {
    /// Its start, seconds since midnight.
    pub start_s: f64,
    /// Agents the simulation had.
    pub agents: f64,
    /// Calls offered a day.
    pub offered: Pair,
    /// Service level.
    pub service_level: Pair,
    /// Abandon rate.
    pub abandon_rate: Pair,
    /// ASA, seconds.
    pub asa_s: Pair,
}

/// The whole check.
#[derive(Debug, Clone, PartialEq)]
pub struct Check {
    /// The staffing simulated.
    pub staffing: CheckStaffing,
    /// Replications run (one per day of the log).
    pub replications: u32,
    /// The length of an interval, seconds.
    pub interval_s: f64,
    /// Per interval of the day.
    pub intervals: Vec<CheckInterval>,
    /// Over the day: service level, abandon rate and ASA, simulated.
    pub simulated_day: [Stat; 3],
}

/// Re-simulates `scenario` (the fit's own scenario text) with the staffing asked for, one
/// replication per day of the log, and pairs each interval's measures with the log's.
pub fn check(
    fit: &Fit,
    scenario: &str,
    staffing: CheckStaffing,
    threads: Option<usize>,
) -> Result<Check, FitError> {
    let agents: Vec<f64> = match (staffing, &fit.options.agents, &fit.floor) {
        (CheckStaffing::Given, Some(given), _) => fit.given_agents(given),
        (CheckStaffing::Serving, _, Some(floor)) => {
            floor.iter().map(|f| f.serving.round()).collect()
        }
        (CheckStaffing::Busy, _, Some(floor)) => {
            floor.iter().map(|f| f.busy.ceil() + 1.0).collect()
        }
        (CheckStaffing::Given, None, _) => {
            return Err(FitError {
                message: "--check needs the staffing of the log's days, and no --agents was given".into(),
                help: "give the agents on the floor with --agents, or leave --check out".into(),
            })
        }
        (CheckStaffing::Serving | CheckStaffing::Busy, _, None) => {
            return Err(FitError {
                message: "--check reads the staffing of the log's days from the agents who answered, and the log names no agents".into(),
                help: "name the column of the agent who answered with --columns agent=NAME, or give the agents on the floor with --agents (without --check-staffing), or leave --check out".into(),
            })
        }
    };
    let source = Source {
        origin: "<fitted scenario>".into(),
        text: scenario.to_owned(),
    };
    let model = source
        .load_modified(|s| {
            s.agent_groups[0].agents_by_interval = Some(agents.clone());
        })
        .map_err(|e| FitError {
            message: format!("the fitted scenario does not load: {e}"),
            help: "this is a bug in `callsim fit`: please report it with the log's header".into(),
        })?;
    let replications = fit.days.len().max(2) as u32;
    let report = crate::run(
        &model,
        &crate::RunOptions {
            replications: Some(replications),
            seed: None,
            threads,
        },
    );
    debug_assert_eq!(report.intervals.len(), fit.observed.len());
    let intervals = report
        .intervals
        .iter()
        .zip(&fit.observed)
        .enumerate()
        .map(|(i, (sim, obs))| CheckInterval {
            start_s: (fit.first_interval + i) as f64 * fit.options.interval_s,
            agents: agents[i],
            offered: Pair {
                actual: obs.offered,
                simulated: sim.total.offered,
            },
            service_level: Pair {
                actual: obs.service_level,
                simulated: sim.total.service_level,
            },
            abandon_rate: Pair {
                actual: obs.abandon_rate,
                simulated: sim.total.abandon_rate,
            },
            asa_s: Pair {
                actual: obs.asa_s,
                simulated: sim.total.asa_s,
            },
        })
        .collect();
    Ok(Check {
        staffing,
        replications,
        interval_s: fit.options.interval_s,
        intervals,
        simulated_day: [
            report.total.service_level,
            report.total.abandon_rate,
            report.total.asa_s,
        ],
    })
}

impl Check {
    /// Per measure (service level, abandon rate, ASA): intervals where the log's mean lies
    /// in the simulation's interval, where the two intervals overlap, and where both are
    /// defined.
    pub fn agreement(&self) -> [(usize, usize, usize); 3] {
        let mut counts = [(0, 0, 0); 3];
        for i in &self.intervals {
            for (k, pair) in [i.service_level, i.abandon_rate, i.asa_s]
                .iter()
                .enumerate()
            {
                if let (Some(c), Some(o)) = (pair.covered(), pair.overlap()) {
                    counts[k].0 += usize::from(c);
                    counts[k].1 += usize::from(o);
                    counts[k].2 += 1;
                }
            }
        }
        counts
    }

    /// The check as a text table.
    pub fn text(&self) -> String {
        let mut s = String::new();
        let _ = writeln!(
            s,
            "check: the fitted scenario re-simulated with {} agents per interval, {} replications (one per day), against the log (mean ± 95 % half-width)",
            match self.staffing {
                CheckStaffing::Serving => "the log's serving",
                CheckStaffing::Busy => "the log's busy (rounded up, plus one)",
                CheckStaffing::Given => "the given (--agents)",
            },
            self.replications
        );
        let _ = writeln!(
            s,
            "  {:<6} {:>6} {:>8} {:>8} {:>13} {:>13} {:>13} {:>13} {:>11} {:>11}",
            "from",
            "agents",
            "calls/d",
            "sim",
            "SL log",
            "SL sim",
            "aband log",
            "aband sim",
            "ASA log",
            "ASA sim"
        );
        for i in &self.intervals {
            let _ = writeln!(
                s,
                "  {:<6} {:>6} {:>8.1} {:>8.1} {:>13} {:>13} {:>13} {:>13} {:>11} {:>11}",
                clock(i.start_s),
                i.agents,
                i.offered.actual.mean.unwrap_or(0.0),
                i.offered.simulated.mean.unwrap_or(0.0),
                stat_text(&i.service_level.actual, 2),
                stat_text(&i.service_level.simulated, 2),
                stat_text(&i.abandon_rate.actual, 2),
                stat_text(&i.abandon_rate.simulated, 2),
                stat_text(&i.asa_s.actual, 0),
                stat_text(&i.asa_s.simulated, 0),
            );
        }
        let [sl, ab, asa] = &self.simulated_day;
        let _ = writeln!(
            s,
            "  simulated over the day: service level {}, abandon rate {}, ASA {} s",
            stat_text(sl, 2),
            stat_text(ab, 2),
            stat_text(asa, 0)
        );
        let names = ["service level", "abandon rate", "ASA"];
        for (name, (covered, overlap, n)) in names.iter().zip(self.agreement()) {
            let _ = writeln!(
                s,
                "  {name}: the log's mean inside the simulation's interval in {covered} of {n} intervals; the intervals overlap in {overlap}"
            );
        }
        s
    }
}
