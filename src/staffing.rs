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
//!    mark as needed the removal in each interval that fell short (or the nearest one before
//!    it) and try the rest again. Then **exchange**: two agents of groups whose skills a
//!    third group has become one agent of that group (pooling), tried the same way; after a
//!    kept exchange, removals are tried again, until no move is left untried.
//! 4. **Polish**: every removal once more, in even then odd intervals only, so that none is
//!    judged together with a move next to it. Only feasible days are ever kept, so the
//!    result is feasible on the search's replications.

pub mod check;
pub mod start;

pub use check::{checks, one_sided_factor, Check, Measure};

use std::collections::BTreeSet;

use crate::model::{Model, ServiceTargets, TypeId};
use crate::stats::ReplicationMeasures;

/// Where the search starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Start {
    /// The per-type Erlang staffing ([`start::per_type`]) in each type's first group.
    #[default]
    Erlang,
    /// The scenario's own `agents_by_interval` (except in the warm-up, which always gets
    /// the Erlang staffing: it is not measured).
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
    crate::replicate(&model, threads)
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

/// What a move does, for remembering the moves found to be needed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum MoveKind {
    /// One agent less in a group.
    Remove,
    /// One agent less in each of two groups whose skills a third group has, one more there.
    Exchange,
}

/// A move in one interval, as remembered: its kind, interval and groups.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
struct MoveKey {
    kind: MoveKind,
    interval: usize,
    groups: [usize; 3],
}

/// A change of headcounts in one interval that saves one agent.
#[derive(Debug, Clone)]
struct Move {
    key: MoveKey,
    /// (group, change in agents).
    changes: Vec<(usize, i64)>,
}

fn apply(agents: &mut [Vec<u32>], m: &Move) {
    for &(g, delta) in &m.changes {
        let k = m.key.interval;
        agents[g][k] = (i64::from(agents[g][k]) + delta) as u32;
    }
}

/// The removal tried in interval `k`: one agent of the least-occupied group (scenario order
/// breaking ties) not yet found to be needed there.
fn removal(
    model: &Model,
    agents: &[Vec<u32>],
    current: &Evaluation,
    needed: &BTreeSet<MoveKey>,
    k: usize,
) -> Option<Move> {
    (0..model.groups.len())
        .filter(|&g| {
            agents[g][k] > 0
                && !needed.contains(&MoveKey {
                    kind: MoveKind::Remove,
                    interval: k,
                    groups: [g, g, g],
                })
        })
        .fold(None, |best: Option<usize>, g| match best {
            Some(b) if current.occupancy[b][k] <= current.occupancy[g][k] => Some(b),
            _ => Some(g),
        })
        .map(|g| Move {
            key: MoveKey {
                kind: MoveKind::Remove,
                interval: k,
                groups: [g, g, g],
            },
            changes: vec![(g, -1)],
        })
}

/// The pooling exchange tried in interval `k`: one agent less in each of two groups, one
/// more in a group that has both their skills (two specialists become one multi-skilled
/// agent). The least-occupied pair first.
fn exchange(
    model: &Model,
    agents: &[Vec<u32>],
    caps: &[Vec<u32>],
    current: &Evaluation,
    needed: &BTreeSet<MoveKey>,
    k: usize,
) -> Option<Move> {
    let groups = &model.groups;
    let covers = |wide: usize, narrow: usize| {
        groups[narrow]
            .skills
            .iter()
            .all(|t| groups[wide].skills.contains(t))
    };
    let mut best: Option<(f64, [usize; 3])> = None;
    for pool in 0..groups.len() {
        if agents[pool][k] >= caps[pool][k] {
            continue;
        }
        for a in 0..groups.len() {
            for b in a + 1..groups.len() {
                if a == pool || b == pool || agents[a][k] == 0 || agents[b][k] == 0 {
                    continue;
                }
                if !(covers(pool, a) && covers(pool, b)) {
                    continue;
                }
                let key = MoveKey {
                    kind: MoveKind::Exchange,
                    interval: k,
                    groups: [a, b, pool],
                };
                if needed.contains(&key) {
                    continue;
                }
                let score = current.occupancy[a][k] + current.occupancy[b][k];
                if best.is_none_or(|(s, _)| score < s) {
                    best = Some((score, [a, b, pool]));
                }
            }
        }
    }
    best.map(|(_, [a, b, pool])| Move {
        key: MoveKey {
            kind: MoveKind::Exchange,
            interval: k,
            groups: [a, b, pool],
        },
        changes: vec![(a, -1), (b, -1), (pool, 1)],
    })
}

/// Tries batches of moves (at most one per interval) from `propose` until it proposes none,
/// keeping every batch that stays feasible. A failed batch marks as needed the move in each
/// interval that fell short (or, if it had none, the nearest one before it: queues carry
/// over), and the rest is tried again. Returns whether any move was kept.
fn improve<F: FnMut(&Progress)>(
    searcher: &mut Searcher<'_, F>,
    agents: &mut Vec<Vec<u32>>,
    current: &mut Evaluation,
    needed: &mut BTreeSet<MoveKey>,
    propose: impl Fn(&[Vec<u32>], &Evaluation, &BTreeSet<MoveKey>) -> Vec<Move>,
) -> bool {
    let mut kept_any = false;
    loop {
        let mut proposal = propose(agents, current, needed);
        if proposal.is_empty() {
            return kept_any;
        }
        while !proposal.is_empty() {
            let mut trial = agents.clone();
            for m in &proposal {
                apply(&mut trial, m);
            }
            let evaluation = searcher.evaluate(&trial, Phase::Removing);
            if evaluation.feasible() {
                *agents = trial;
                *current = evaluation;
                kept_any = true;
                break;
            }
            // Blame, for each short interval, its own move, or else the nearest move before
            // it (queues carry over); every failed batch settles at least one move.
            let short = evaluation.short_intervals();
            let mut blamed: Vec<MoveKey> = short
                .iter()
                .filter_map(|&s| {
                    proposal
                        .iter()
                        .filter(|m| m.key.interval <= s as usize)
                        .max_by_key(|m| m.key.interval)
                        .map(|m| m.key)
                })
                .collect();
            if blamed.is_empty() {
                blamed = proposal.iter().map(|m| m.key).collect();
            }
            blamed.sort_unstable();
            blamed.dedup();
            needed.extend(blamed.iter().copied());
            proposal.retain(|m| !blamed.contains(&m.key));
        }
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
/// every agent left was tried — its removal (last in a batch that moved no neighbouring
/// interval), or its exchange, made its interval or the next fall short; the same model and options give the
/// same result whatever the number of threads. Intervals inside the warm-up are not
/// measured: they get the per-type Erlang staffing. Errors when there is no target, or when a
/// target is still missed with every group serving its call type at the cap.
pub fn search(
    model: &Model,
    options: &SearchOptions,
    progress: impl FnMut(&Progress),
) -> Result<Staffing, SearchError> {
    let targets = &options.targets;
    if targets.service_level.is_none()
        && targets.max_abandon_rate.is_none()
        && targets.max_asa_s.is_none()
        && model.classes.iter().all(|c| c.target.is_none())
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
    let erlang_start = start::to_groups(model, &erlang_by_type);
    let mut agents = match options.start {
        Start::Erlang => erlang_start.clone(),
        Start::Scenario => model
            .groups
            .iter()
            .map(|g| g.agents_by_interval.clone())
            .collect(),
    };
    // Intervals inside the warm-up are not measured, so the search cannot judge them; they
    // get the Erlang staffing, so that the first measured interval does not inherit a
    // backlog nobody could fix.
    let warmup = model.first_reported_interval() as usize;
    for (row, erlang) in agents.iter_mut().zip(&erlang_start) {
        row[..warmup].copy_from_slice(&erlang[..warmup]);
    }
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
                .filter(|c| {
                    // Out of rounds: everything still missed; otherwise what is stuck.
                    !c.met()
                        && (!moved
                            || rounds >= MAX_ADD_ROUNDS
                            || stuck.contains(&(c.call_type, c.interval)))
                })
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

    // 3. Remove while feasible: single agents, then pooling exchanges, until neither helps.
    let reported: Vec<usize> =
        (model.first_reported_interval() as usize..model.intervals as usize).collect();
    let mut needed = BTreeSet::new();
    loop {
        improve(
            &mut searcher,
            &mut agents,
            &mut current,
            &mut needed,
            |agents, current, needed| {
                reported
                    .iter()
                    .filter_map(|&k| removal(model, agents, current, needed, k))
                    .collect()
            },
        );
        let pooled = improve(
            &mut searcher,
            &mut agents,
            &mut current,
            &mut needed,
            |agents, current, needed| {
                reported
                    .iter()
                    .filter_map(|&k| exchange(model, agents, &caps, current, needed, k))
                    .collect()
            },
        );
        if !pooled {
            break;
        }
        // An exchange changes which single removals are possible: try them all again.
        needed.retain(|m: &MoveKey| m.kind != MoveKind::Remove);
    }

    // 4. Polish: removals judged in a batch with their neighbours' may have been blamed for
    // a neighbour's queue. Try every removal again, in alternate intervals only, so that no
    // move is ever judged together with a move in the interval before or after it.
    needed.clear();
    for parity in [0, 1] {
        improve(
            &mut searcher,
            &mut agents,
            &mut current,
            &mut needed,
            |agents, current, needed| {
                reported
                    .iter()
                    .filter(|&&k| k % 2 == parity)
                    .filter_map(|&k| removal(model, agents, current, needed, k))
                    .collect()
            },
        );
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
