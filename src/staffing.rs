//! The least staffing that meets the targets, by simulation.
//!
//! Which function do I use when?
//! * [`search`]: the least agents per group and interval whose simulated service level,
//!   abandon rate and ASA meet every target in every interval, for every call type, with
//!   the stated confidence. This is `callsim staff`.
//! * [`start::per_type`]: Erlang C / Erlang A per call type and interval, as if each type had
//!   its own agents — the search's start and the baseline of the pooling saving.
//! * [`checks`]: the per-interval, per-type verdict of any set of replications (e.g. a
//!   re-simulation of a found staffing with fresh seeds).
//!
//! # The method (details and its limits in `docs/staffing.md`)
//! Every evaluation simulates the whole day, all replications, on the same seed: common
//! random numbers, so two staffings are compared on the very same callers and the search is
//! not misled by noise. A staffing is *feasible* when every check's one-sided confidence
//! bound meets its target.
//! 1. **Start** from the per-type Erlang staffing, each type's agents put in the first group
//!    that routing offers it to (or from the scenario's own staffing).
//! 2. **Add** until feasible: in every interval with a missed target, one agent (doubling
//!    while the same target stays missed) for each missed call type, in the group serving it
//!    that is busiest in that interval. All intervals move at once, then the day is
//!    simulated again, because queues carry over from one interval to the next.
//! 3. **Remove** while feasible: in every interval, one agent from the least-occupied group
//!    not yet known to be needed there; simulate; keep the day if it is feasible, otherwise
//!    mark as needed the removals in or just before the intervals that failed and try the
//!    rest again. Ends when every agent left is needed. Only feasible days are ever kept,
//!    so the result is feasible on the search's replications.

pub mod check;
pub mod start;

pub use check::{checks, one_sided_factor, Check, Measure};

use crate::model::{Model, ServiceTargets, TypeId};
use crate::routing::SkillPriority;
use crate::stats::ReplicationMeasures;

/// Where the search starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Start {
    /// The per-type Erlang staffing ([`start::per_type`]) in each type's first group.
    #[default]
    Erlang,
    /// The scenario's own `agents_by_interval`.
    Scenario,
}

/// How to search.
#[derive(Debug, Clone)]
pub struct SearchOptions {
    /// The targets, per interval and call type; at least one must be set.
    pub targets: ServiceTargets,
    /// One-sided confidence with which each target must hold, in [0.5, 1): 0.95 asks that
    /// the mean minus 1.73 standard errors (20 replications) reaches a service-level target;
    /// 0.5 asks only the mean to.
    pub confidence: f64,
    /// Worker threads for the replications (the result does not depend on it).
    pub threads: Option<usize>,
    /// The most agents the search may put in one group in one interval; `None`: 3 × the
    /// offered load the group could serve there, + 20.
    pub max_agents: Option<u32>,
    /// Where to start.
    pub start: Start,
}

/// A phase of the search, for progress reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    /// Adding agents until every target is met.
    Adding,
    /// Removing agents that are not needed.
    Removing,
}

/// Where the search is, after each simulation.
#[derive(Debug, Clone, Copy)]
pub struct Progress {
    /// The phase.
    pub phase: Phase,
    /// Simulations (each of all replications) so far.
    pub simulations: u32,
    /// Agent-hours of the staffing just simulated.
    pub agent_hours: f64,
    /// Intervals of that staffing with a missed target.
    pub short_intervals: usize,
    /// Agent-hours of the best feasible staffing so far, if any.
    pub best_agent_hours: Option<f64>,
}

/// The staffing found.
#[derive(Debug, Clone)]
pub struct Staffing {
    /// Agents per group and interval (`[group][interval]`), ready for `agents_by_interval`.
    pub agents: Vec<Vec<u32>>,
    /// The replications of the found staffing (on the search's seed).
    pub measures: Vec<ReplicationMeasures>,
    /// Every check of the found staffing; all are met.
    pub checks: Vec<Check>,
    /// Simulations run (each of all replications).
    pub simulations: u32,
    /// Per-type Erlang staffing (`[type][interval]`, Erlang A where callers abandon).
    pub erlang_by_type: Vec<Vec<u32>>,
    /// Per-type Erlang C staffing (`[type][interval]`): the classic per-queue answer.
    pub erlang_c_by_type: Vec<Vec<u32>>,
}

/// Why no staffing was found.
#[derive(Debug, Clone)]
pub enum SearchError {
    /// No target to meet, or targets that make no sense.
    BadTargets(String),
    /// Some targets stay missed even with the most agents allowed in every group that
    /// serves the call type.
    Infeasible {
        /// The checks still missed, each in an interval whose serving groups are all at
        /// their cap.
        missed: Vec<Check>,
        /// The cap per group and interval (`[group][interval]`).
        caps: Vec<Vec<u32>>,
        /// Simulations run.
        simulations: u32,
    },
}

impl std::fmt::Display for SearchError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SearchError::BadTargets(why) => f.write_str(why),
            SearchError::Infeasible { missed, .. } => {
                write!(f, "{} target(s) cannot be met", missed.len())
            }
        }
    }
}

impl std::error::Error for SearchError {}

/// Add rounds before the search gives up (each round at least doubles a missed cell's step,
/// so the caps are reached long before).
const MAX_ADD_ROUNDS: u32 = 200;

/// Agent-hours of a staffing (`[group][interval]`) over the whole simulated day; the last
/// interval counts only up to the end of the day.
pub fn agent_hours(model: &Model, agents: &[Vec<u32>]) -> f64 {
    let horizon = model.horizon.as_seconds();
    let interval = model.interval.as_seconds();
    (0..model.intervals as usize)
        .map(|k| {
            let hours = (horizon - interval * k as f64).min(interval) / 3600.0;
            let n: u64 = agents.iter().map(|g| u64::from(g[k])).sum();
            n as f64 * hours
        })
        .sum()
}

/// Runs `model`'s replications with the staffing `agents`.
pub fn simulate(
    model: &Model,
    agents: &[Vec<u32>],
    threads: Option<usize>,
) -> Vec<ReplicationMeasures> {
    let mut model = model.clone();
    for (group, a) in model.groups.iter_mut().zip(agents) {
        group.agents_by_interval.clone_from(a);
    }
    crate::run_replications(&model, threads, SkillPriority::new)
}

/// One simulated staffing and its verdict.
struct Evaluation {
    measures: Vec<ReplicationMeasures>,
    checks: Vec<Check>,
    /// Mean occupancy per group and model interval (`[group][interval]`; −1 if unknown).
    occupancy: Vec<Vec<f64>>,
}

impl Evaluation {
    fn feasible(&self) -> bool {
        self.checks.iter().all(Check::met)
    }

    /// Model intervals with a missed check, ascending.
    fn short_intervals(&self) -> Vec<u32> {
        let mut ks: Vec<u32> = self
            .checks
            .iter()
            .filter(|c| !c.met())
            .map(|c| c.interval)
            .collect();
        ks.dedup();
        ks
    }
}

struct Searcher<'a, F: FnMut(&Progress)> {
    model: &'a Model,
    options: &'a SearchOptions,
    progress: F,
    simulations: u32,
    best_agent_hours: Option<f64>,
}

impl<F: FnMut(&Progress)> Searcher<'_, F> {
    fn evaluate(&mut self, agents: &[Vec<u32>], phase: Phase) -> Evaluation {
        let measures = simulate(self.model, agents, self.options.threads);
        self.simulations += 1;
        let checks = checks(
            self.model,
            &self.options.targets,
            self.options.confidence,
            &measures,
        );
        let mut occupancy = vec![vec![-1.0; self.model.intervals as usize]; agents.len()];
        if let Some(first) = measures.first() {
            for (i, interval) in first.intervals.iter().enumerate() {
                for (g, row) in occupancy.iter_mut().enumerate() {
                    let values: Vec<f64> = measures
                        .iter()
                        .filter_map(|m| m.intervals[i].groups[g].occupancy)
                        .collect();
                    if !values.is_empty() {
                        row[interval.interval as usize] =
                            values.iter().sum::<f64>() / values.len() as f64;
                    }
                }
            }
        }
        let evaluation = Evaluation {
            measures,
            checks,
            occupancy,
        };
        let hours = agent_hours(self.model, agents);
        if evaluation.feasible() {
            self.best_agent_hours = Some(self.best_agent_hours.map_or(hours, |b| b.min(hours)));
        }
        (self.progress)(&Progress {
            phase,
            simulations: self.simulations,
            agent_hours: hours,
            short_intervals: evaluation.short_intervals().len(),
            best_agent_hours: self.best_agent_hours,
        });
        evaluation
    }
}

/// The default cap per group and interval: 3 × the load of the types it serves, + 20.
fn default_caps(model: &Model) -> Vec<Vec<u32>> {
    model
        .groups
        .iter()
        .map(|g| {
            (0..model.intervals as usize)
                .map(|k| {
                    let load: f64 = g
                        .skills
                        .iter()
                        .map(|&t| {
                            let ct = &model.call_types[t as usize];
                            ct.calls_per_hour[k] / 3600.0 * ct.handle_time.mean_seconds()
                        })
                        .sum();
                    (3.0 * load).ceil().min(1e6) as u32 + 20
                })
                .collect()
        })
        .collect()
}

/// Finds the least agent-hours per group and interval whose simulated measures meet every
/// target in every reported interval, for every call type, with the stated confidence.
/// `progress` is called after every simulation.
///
/// Guarantees: the result is feasible on the search's replications (every [`Check`] met);
/// removing any single agent that the last removal round tried makes some check fail; the
/// same model and options give the same result whatever the number of threads. Intervals
/// inside the warm-up are not measured: they keep the starting staffing.
pub fn search(
    model: &Model,
    options: &SearchOptions,
    progress: impl FnMut(&Progress),
) -> Result<Staffing, SearchError> {
    let targets = &options.targets;
    if targets.service_level.is_none()
        && targets.max_abandon_rate.is_none()
        && targets.max_asa_s.is_none()
    {
        return Err(SearchError::BadTargets(
            "no target to meet: give a service level, an abandon-rate cap or an ASA cap".into(),
        ));
    }
    if !(0.5..1.0).contains(&options.confidence) {
        return Err(SearchError::BadTargets(format!(
            "a confidence of {} is not in [0.5, 1)",
            options.confidence
        )));
    }
    let erlang_by_type = start::per_type(model, targets, false)
        .map_err(|e| SearchError::BadTargets(e.to_string()))?;
    let erlang_c_by_type = start::per_type(model, targets, true)
        .map_err(|e| SearchError::BadTargets(e.to_string()))?;
    let caps = match options.max_agents {
        Some(cap) => vec![vec![cap; model.intervals as usize]; model.groups.len()],
        None => default_caps(model),
    };
    let mut agents = match options.start {
        Start::Erlang => start::to_groups(model, &erlang_by_type),
        Start::Scenario => model
            .groups
            .iter()
            .map(|g| g.agents_by_interval.clone())
            .collect(),
    };
    for (row, cap_row) in agents.iter_mut().zip(&caps) {
        for (n, cap) in row.iter_mut().zip(cap_row) {
            *n = (*n).min(*cap);
        }
    }
    let mut searcher = Searcher {
        model,
        options,
        progress,
        simulations: 0,
        best_agent_hours: None,
    };

    // 2. Add until feasible.
    let types = model.call_types.len();
    let mut step = vec![vec![1u32; model.intervals as usize]; types];
    let mut missed_before = vec![vec![false; model.intervals as usize]; types];
    let mut current = searcher.evaluate(&agents, Phase::Adding);
    let mut rounds = 0;
    while !current.feasible() {
        rounds += 1;
        let mut missed_now = vec![vec![false; model.intervals as usize]; types];
        for c in current.checks.iter().filter(|c| !c.met()) {
            missed_now[c.call_type as usize][c.interval as usize] = true;
        }
        let mut stuck = Vec::new();
        let mut moved = false;
        for (t, row) in missed_now.iter().enumerate() {
            for (k, &missed) in row.iter().enumerate() {
                if !missed {
                    step[t][k] = 1;
                    continue;
                }
                if missed_before[t][k] {
                    step[t][k] = step[t][k].saturating_mul(2);
                }
                // The busiest serving group with room, routing order breaking ties.
                let serving = &model.call_types[t].serving_groups;
                let group = serving
                    .iter()
                    .map(|&g| g as usize)
                    .filter(|&g| agents[g][k] < caps[g][k])
                    .fold(None, |best: Option<usize>, g| match best {
                        Some(b) if current.occupancy[b][k] >= current.occupancy[g][k] => Some(b),
                        _ => Some(g),
                    });
                match group {
                    Some(g) => {
                        agents[g][k] = agents[g][k].saturating_add(step[t][k]).min(caps[g][k]);
                        moved = true;
                    }
                    None => stuck.push((t as TypeId, k as u32)),
                }
            }
        }
        missed_before = missed_now;
        if !moved || rounds >= MAX_ADD_ROUNDS {
            let missed = current
                .checks
                .iter()
                .filter(|c| !c.met() && (!moved || stuck.contains(&(c.call_type, c.interval))))
                .cloned()
                .collect();
            return Err(SearchError::Infeasible {
                missed,
                caps,
                simulations: searcher.simulations,
            });
        }
        current = searcher.evaluate(&agents, Phase::Adding);
    }

    // 3. Remove while feasible.
    let reported: Vec<usize> =
        (model.first_reported_interval() as usize..model.intervals as usize).collect();
    let mut needed = vec![vec![false; model.intervals as usize]; model.groups.len()];
    loop {
        // One removal per interval: the least-occupied group not known to be needed.
        let mut proposal: Vec<(usize, usize)> = reported
            .iter()
            .filter_map(|&k| {
                (0..model.groups.len())
                    .filter(|&g| agents[g][k] > 0 && !needed[g][k])
                    .fold(None, |best: Option<usize>, g| match best {
                        Some(b) if current.occupancy[b][k] <= current.occupancy[g][k] => Some(b),
                        _ => Some(g),
                    })
                    .map(|g| (g, k))
            })
            .collect();
        if proposal.is_empty() {
            break;
        }
        loop {
            let mut trial = agents.clone();
            for &(g, k) in &proposal {
                trial[g][k] -= 1;
            }
            let evaluation = searcher.evaluate(&trial, Phase::Removing);
            if evaluation.feasible() {
                agents = trial;
                current = evaluation;
                break;
            }
            // Removals in or just before a short interval are needed (queues carry over).
            let short = evaluation.short_intervals();
            let implicated = |k: usize| {
                short
                    .iter()
                    .any(|&s| s as usize == k || s as usize == k + 1)
            };
            let (blamed, kept): (Vec<_>, Vec<_>) =
                proposal.iter().partition(|&&(_, k)| implicated(k));
            let blamed = if blamed.is_empty() {
                // The damage reached further: blame the nearest removal before each short
                // interval, so that every failed trial settles at least one removal.
                let mut blamed: Vec<(usize, usize)> = short
                    .iter()
                    .filter_map(|&s| {
                        proposal
                            .iter()
                            .copied()
                            .filter(|&(_, k)| k <= s as usize)
                            .max_by_key(|&(_, k)| k)
                    })
                    .collect();
                if blamed.is_empty() {
                    blamed.clone_from(&proposal);
                }
                blamed.sort_unstable();
                blamed.dedup();
                blamed
            } else {
                blamed
            };
            for &(g, k) in &blamed {
                needed[g][k] = true;
            }
            proposal = kept.into_iter().filter(|p| !blamed.contains(p)).collect();
            if proposal.is_empty() {
                break;
            }
        }
    }

    Ok(Staffing {
        agents,
        checks: current.checks,
        measures: current.measures,
        simulations: searcher.simulations,
        erlang_by_type,
        erlang_c_by_type,
    })
}
