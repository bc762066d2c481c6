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
//! * [`level_checks`]: the same, each level run judged as the search judges it (its calls
//!   pooled): the verdicts `staff` prints.
//!
//! # The method (details, figures and limits in `docs/staffing.md`)
//! Every evaluation simulates the whole day on common random numbers (replications `0, 1,
//! 2, …` of the seed), so two staffings are compared on the very same callers.
//! * **Level runs** ([`runs::level_runs`]): neighbouring intervals with the same forecast
//!   (and the same Erlang staffing of the load reaching the agents, which repeat calls can
//!   make drift under a level forecast) are staffed alike; every move below changes a whole run, and a run's checks pool its
//!   intervals' calls (`check::run_checks`: the first interval apart while it differs
//!   from the rest, else halves apart when they differ; an interval
//!   shown to miss on its own calls keeps its own verdict).
//! * **Verdicts** ([`Rule`]): each interval's (run's) checks are decided on the pooled ratio
//!   of its calls over the replications, with replications doubled (from `max(-r, 40)` up to a
//!   budget) until each check's one-sided interval clears its target or is narrower than
//!   the tolerance; a check still open at the budget with its mean on the right side by
//!   less than the tolerance is extended (doubling) up to [`VALIDATION_EXTENSION`] × the
//!   budget (`check::Look`); what is still open then is decided by its mean with the tolerance
//!   as margin (below the stated confidence, which the report gives; the validation judges
//!   the answer again).
//! * **Screening**: the greedy search — start; **add** (one agent per missed call type in the
//!   busiest serving group, doubling while missed); **remove** one agent per interval from
//!   the least-occupied group, keeping feasible batches and marking as needed the moves
//!   blamed for a shortfall; **exchange** two specialists for one multi-skilled agent;
//!   **polish** removals in alternate intervals — each verdict by the mean of the first
//!   `-r` replications, from the per-type Erlang start and from the pooled start
//!   ([`start::to_widest_groups`]). The cheapest local optimum goes on.
//! * **Confirmation**: add where a target is not shown met, then removals in alternate
//!   level runs, every verdict sequential; a removal rejected alone (or for its own
//!   interval) is not retried; where none is kept, **advances** (one agent fewer in a run,
//!   one or more in the shorter run before it, whose queue it inherits: [`advance`]).
//! * **Budget** ([`default_max_replications`]): by default a staffing is judged on up to
//!   [`DEFAULT_CALL_BUDGET`] simulated calls, at least 640 replications.
//! * **Validation**: the answer on independent replications ([`Stream::Validation`]), every
//!   interval judged on all of them (the budget, doubled up to [`VALIDATION_EXTENSION`] ×
//!   while a check is a close call); where a target fails ([`Rule::fails`]: not shown met,
//!   mean short of it), an agent is added (in its level run, or in the shorter run before
//!   it: [`run_raised_for`]) and a new round validates on new replications.

pub mod backlog;
pub mod check;
pub mod runs;
pub mod sample;
pub mod start;

pub use check::{
    applied_targets, checks, one_sided_factor, AppliedTarget, Check, Measure, Rule, Verdict,
};
pub use sample::Stream;

use std::collections::BTreeSet;
use std::ops::Range;

use crate::model::{GroupId, Model, ServiceTargets, TypeId};
use crate::stats::ReplicationMeasures;
use check::Look;
use sample::{staffed, Runner};

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
    /// The confidence, in [0.5, 1), with which each interval's verdict on each target must be
    /// right (for true values farther than `tolerance` from the target); shared among the
    /// sequential looks.
    pub confidence: f64,
    /// The indifference zone of rates (service level, abandon rate): a true value within it
    /// of the target may be judged either way. 0.005 = half a percentage point.
    pub tolerance: f64,
    /// The sequential budget (a close call still open there may take up to [`VALIDATION_EXTENSION`] × it); `None`:
    /// [`default_max_replications`] (640, more for small days).
    pub max_replications: Option<u32>,
    /// Worker threads for the replications (the result does not depend on it).
    pub threads: Option<usize>,
    /// The most agents the search may put in one group in one interval; `None`: 3 × the
    /// offered load the group could serve there, + 20.
    pub max_agents: Option<u32>,
    /// Where to start.
    pub start: Start,
}

impl SearchOptions {
    /// Options with the defaults of `callsim staff`: 95 % confidence, a tolerance of half a
    /// percentage point, the default budget and cap, starting from Erlang.
    pub fn new(targets: ServiceTargets) -> SearchOptions {
        SearchOptions {
            targets,
            confidence: 0.95,
            tolerance: DEFAULT_TOLERANCE,
            max_replications: None,
            threads: None,
            max_agents: None,
            start: Start::Erlang,
        }
    }
}

/// The least default sequential budget: the most replications one staffing is judged on,
/// whatever the day's size.
pub const DEFAULT_MAX_REPLICATIONS: u32 = 640;

/// The default budget in simulated calls: a staffing is judged on up to this many offered
/// calls (replications × calls a day), at least [`DEFAULT_MAX_REPLICATIONS`] replications.
/// Set so that `scenarios/energy-supplier.toml` (3,457.5 calls a day) keeps 640: a small
/// day's replications are cheap, and its close calls need many of them.
pub const DEFAULT_CALL_BUDGET: f64 = 2_200_000.0;

/// The most replications the call budget may give one staffing by default (a day of very
/// few calls would otherwise get an unbounded budget).
pub const MAX_DEFAULT_REPLICATIONS: u32 = 16 * DEFAULT_MAX_REPLICATIONS;

/// Expected offered calls in one replication of `model`: the forecast rates over the day (a
/// replayed trace: its calls). Retrials, transfers and callbacks come on top.
pub fn forecast_calls(model: &Model) -> f64 {
    if let Some(trace) = &model.trace {
        return trace.len() as f64;
    }
    (0..model.call_types.len())
        .map(|t| model.calls_per_day(t))
        .sum()
}

/// The default sequential budget of `model`: [`DEFAULT_CALL_BUDGET`] ÷ its calls a day,
/// at least [`DEFAULT_MAX_REPLICATIONS`] and at most [`MAX_DEFAULT_REPLICATIONS`]
/// replications. A 20-Erlang half-hour day (1,000 calls) gets 2,200; the energy day 640.
pub fn default_max_replications(model: &Model) -> u32 {
    let calls = forecast_calls(model);
    let by_calls = if calls > 0.0 {
        (DEFAULT_CALL_BUDGET / calls).min(f64::from(MAX_DEFAULT_REPLICATIONS)) as u32
    } else {
        MAX_DEFAULT_REPLICATIONS
    };
    by_calls.max(DEFAULT_MAX_REPLICATIONS)
}

/// The fewest replications a sequential verdict rests on: a day's service level in one
/// interval is skewed (a few bad days pull it down), and fewer replications often miss
/// the bad days and make a lucky sample look sure.
pub const MIN_FIRST_LOOK: u32 = 40;

/// The first look in simulated calls: a sixteenth of [`DEFAULT_CALL_BUDGET`], so that a
/// default budget takes five looks whatever the day's size. A small day's first look then
/// holds more replications, as its skew needs: on 40 replications of a 20-Erlang day, a
/// few very bad days once put a half hour whose true service level is 81.4 % at 67.4 %,
/// "surely missed".
pub const FIRST_LOOK_CALLS: f64 = DEFAULT_CALL_BUDGET / 16.0;

/// The replications of the first sequential look on `model`: [`FIRST_LOOK_CALLS`] ÷ its
/// calls a day, at least [`MIN_FIRST_LOOK`] and at most a sixteenth of
/// [`MAX_DEFAULT_REPLICATIONS`]. The energy day (3,457.5 calls) gets 40, a 20-Erlang
/// 2½-hour day (1,000 calls) 138.
pub fn first_look(model: &Model) -> u32 {
    let calls = forecast_calls(model);
    let most = MAX_DEFAULT_REPLICATIONS / 16;
    let by_calls = if calls > 0.0 {
        (FIRST_LOOK_CALLS / calls).ceil().min(f64::from(most)) as u32
    } else {
        most
    };
    by_calls.max(MIN_FIRST_LOOK)
}

/// The default indifference zone of rates: half a percentage point.
pub const DEFAULT_TOLERANCE: f64 = 0.005;

/// Validation rounds before the search reports a staffing that still fails on fresh seeds.
pub const MAX_VALIDATION_ROUNDS: u32 = 4;

/// How far a validation may extend its replications, as a multiple of the budget, while
/// a check is a close call: at 4 × 640 replications a one-point shortfall in a half hour
/// of 40 Erlangs (a day-to-day spread of 20 points) shows up in more than 99 % of
/// validations.
pub const VALIDATION_EXTENSION: u32 = 4;

/// A phase of the search, for progress reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    /// The greedy search from each start, each verdict by the mean of the first look.
    Screening,
    /// Adding agents until every target is met.
    Adding,
    /// Removing agents that are not needed.
    Removing,
    /// Re-simulating the answer on fresh replications.
    Validating,
}

/// Where the search is, after each simulation.
#[derive(Debug, Clone, Copy)]
pub struct Progress {
    /// The phase.
    pub phase: Phase,
    /// Simulations (each of all replications) so far.
    pub simulations: u32,
    /// Replications this simulation took (sequential sampling stops when decided).
    pub replications: u32,
    /// Agent-hours of the staffing just simulated.
    pub agent_hours: f64,
    /// Intervals of that staffing with a missed target.
    pub short_intervals: usize,
    /// Agent-hours of the best feasible staffing so far, if any.
    pub best_agent_hours: Option<f64>,
}

/// Where one screening start ended: its local optimum.
#[derive(Debug, Clone, PartialEq)]
pub struct LocalOptimum {
    /// The start: `erlang` (per-type Erlang in each type's first group), `scenario`, or
    /// `pooled` (per-type Erlang in the serving group with the most skills).
    pub start: &'static str,
    /// Agent-hours of the local optimum it reached.
    pub agent_hours: f64,
}

/// The found staffing re-simulated on independent replications.
#[derive(Debug, Clone)]
pub struct Validation {
    /// The replications of the validation (replication numbers from
    /// [`sample::VALIDATION_FIRST`], never seen by the search).
    pub measures: Vec<ReplicationMeasures>,
    /// Every check, each on all of `measures` (at least the budget; up to
    /// [`VALIDATION_EXTENSION`] × the budget when some check was a close call).
    pub checks: Vec<Check>,
    /// Validation rounds run (each failed round added agents where a target failed, and
    /// the next round used fresh replications again).
    pub rounds: u32,
    /// Whether no target fails ([`Rule::fails`]) in the last round.
    pub passed: bool,
    /// The checks that fail in the last round.
    pub failed: usize,
    /// Those checks, in interval order.
    pub failures: Vec<Check>,
}

/// The staffing found.
#[derive(Debug, Clone)]
pub struct Staffing {
    /// Agents per group and interval (`[group][interval]`), ready for `agents_by_interval`.
    pub agents: Vec<Vec<u32>>,
    /// The replications of the found staffing (on the search's seed).
    pub measures: Vec<ReplicationMeasures>,
    /// The checks of the search's last kept evaluation of the found staffing (on its
    /// replications): all decided ones are met.
    pub checks: Vec<Check>,
    /// The found staffing on independent replications: the figures to report.
    pub validation: Validation,
    /// The screening's local optimum from each start; the cheapest was confirmed. Their
    /// spread is the multi-start gap: how much the choice of start mattered.
    pub local_optima: Vec<LocalOptimum>,
    /// Simulations run (each of as many replications as its decisions needed).
    pub simulations: u32,
    /// Replications run in all, search and validation.
    pub replications_run: u64,
    /// The sequential budget (close calls may have taken up to [`VALIDATION_EXTENSION`] × it).
    pub max_replications: u32,
    /// Per-type Erlang staffing (`[type][interval]`, Erlang A where callers abandon), as
    /// scheduled agents: grossed up by the shrinkage of the type's first serving group
    /// ([`start::scheduled_by_type`]), like the staffing found.
    pub erlang_by_type: Vec<Vec<u32>>,
    /// Per-type Erlang C staffing (`[type][interval]`): the classic per-queue answer, as
    /// scheduled agents (the same shrinkage).
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
/// interval counts only up to the end of the day. Summed in whole agent-nanoseconds and
/// divided once, so that 68 agent-hours of one-minute intervals read 68, not 67.99999999999984.
pub fn agent_hours(model: &Model, agents: &[Vec<u32>]) -> f64 {
    let horizon = model.horizon.0;
    let interval = model.interval.0;
    let agent_nanos: u128 = (0..model.intervals as usize)
        .map(|k| {
            let span = horizon.saturating_sub(interval * k as u64).min(interval);
            let n: u64 = agents.iter().map(|g| u64::from(g[k])).sum();
            u128::from(n) * u128::from(span)
        })
        .sum();
    agent_nanos as f64 / (3600 * crate::time::NANOS_PER_SECOND) as f64
}

/// Runs `model`'s replications `0..model.replications` with the staffing `agents`.
pub fn simulate(
    model: &Model,
    agents: &[Vec<u32>],
    threads: Option<usize>,
) -> Vec<ReplicationMeasures> {
    crate::replicate(&staffed(model, agents), threads)
}

/// The sequential plan: the first look, the budget, how far a check still open at the
/// budget may extend, and the rule each look applies.
#[derive(Debug, Clone, Copy)]
struct Plan {
    initial: u32,
    budget: u32,
    /// The most replications a search verdict may rest on: a check still open at the
    /// budget with its mean just on the right side is extended (doubling) up to
    /// [`VALIDATION_EXTENSION`] × the budget, as the validation is (see [`Look`]).
    limit: u32,
    rule: Rule,
}

impl Plan {
    /// One look at the scenario's replications; the mean decides.
    fn screening(model: &Model) -> Plan {
        let initial = model.replications.max(2);
        Plan {
            initial,
            budget: initial,
            limit: initial,
            rule: Rule {
                look_confidence: 0.5,
                tolerance: 0.0,
                asa_tolerance_s: 0.0,
            },
        }
    }

    fn new(model: &Model, options: &SearchOptions) -> Plan {
        let initial = model.replications.max(first_look(model));
        let budget = options
            .max_replications
            .unwrap_or_else(|| default_max_replications(model).max(initial))
            .max(2);
        let initial = initial.min(budget);
        let limit = budget.saturating_mul(VALIDATION_EXTENSION);
        // Every look a verdict may take shares the confidence, the extension's too.
        let mut looks = 1;
        let mut n = initial;
        while n < limit {
            n = next_look(n, budget, limit);
            looks += 1;
        }
        Plan {
            initial,
            budget,
            limit,
            rule: Rule::new(options.confidence, looks, options.tolerance),
        }
    }

    /// The look after one of `n` replications.
    fn next_look(&self, n: u32) -> u32 {
        next_look(n, self.budget, self.limit)
    }

    /// Which look one of `n` replications is.
    fn look(&self, n: u32) -> Look {
        if n >= self.limit {
            Look::Last
        } else if n > self.budget {
            Look::Extension
        } else if n == self.budget {
            Look::Budget
        } else {
            Look::Open
        }
    }
}

/// The most replications one verdict of a search of `model` under `options` may rest on
/// (the budget, extended for close calls and in the validation): what a search keeps in
/// memory at most, per staffing judged.
pub fn most_replications_per_verdict(model: &Model, options: &SearchOptions) -> u32 {
    Plan::new(model, options).limit
}

/// The look after one of `n` replications: doubled, up to `budget`, then (for checks still
/// open there) up to `limit`.
fn next_look(n: u32, budget: u32, limit: u32) -> u32 {
    n.saturating_mul(2)
        .min(if n < budget { budget } else { limit })
}

/// One simulated staffing and its verdict.
struct Evaluation {
    measures: Vec<ReplicationMeasures>,
    checks: Vec<Check>,
    /// Intervals whose staffing changed (`[interval]`); the others' is that of an earlier
    /// feasible evaluation, so only a decided miss counts there (a target not shown to be
    /// met was not shown to be met before either).
    moved: Vec<bool>,
    /// Whether sampling stopped at the first decided miss, leaving some intervals unjudged.
    cut: bool,
    /// Mean occupancy per group and model interval (`[group][interval]`; −1 if unknown).
    occupancy: Vec<Vec<f64>>,
}

impl Evaluation {
    /// Whether a check counts against the staffing: a miss, except one left undecided in
    /// an interval outside the focus.
    fn counts_as_missed(&self, c: &Check) -> bool {
        !c.met() && (c.decided || self.moved[c.interval as usize])
    }

    fn feasible(&self) -> bool {
        !self.cut && !self.checks.iter().any(|c| self.counts_as_missed(c))
    }

    /// Model intervals with a missed check, ascending.
    fn short_intervals(&self) -> Vec<u32> {
        let mut ks: Vec<u32> = self
            .checks
            .iter()
            .filter(|c| self.counts_as_missed(c))
            .map(|c| c.interval)
            .collect();
        ks.dedup();
        ks
    }
}

struct Searcher<'a, F: FnMut(&Progress)> {
    model: &'a Model,
    /// The level runs of the reported intervals ([`runs::level_runs`]): the unit of every
    /// move and verdict.
    runs: Vec<Range<usize>>,
    options: &'a SearchOptions,
    plan: Plan,
    runner: Runner,
    progress: F,
    simulations: u32,
    replications_run: u64,
    best_agent_hours: Option<f64>,
}

impl<F: FnMut(&Progress)> Searcher<'_, F> {
    /// Simulates `agents` on `stream`, adding replications (doubling) until every check of
    /// every interval in `moved` (`None`: all) and of the interval after each is decided, or
    /// the budget is spent; with `stop_at_miss`, sampling stops as soon as one of them is
    /// decided short. Each interval's checks rest on the replications run when it was
    /// decided.
    fn evaluate(
        &mut self,
        agents: &[Vec<u32>],
        moved: Option<&[bool]>,
        stream: Stream,
        stop_at_miss: bool,
        phase: Phase,
    ) -> Evaluation {
        let model = staffed(self.model, agents);
        let intervals = self.model.intervals as usize;
        let moved: Vec<bool> = moved.map_or_else(|| vec![true; intervals], <[bool]>::to_vec);
        let focus: Vec<bool> = (0..intervals)
            .map(|k| moved[k] || (k > 0 && moved[k - 1]))
            .collect();
        let targets = &self.options.targets;
        let rule = self.plan.rule;
        let mut measures: Vec<ReplicationMeasures> = Vec::new();
        // Per level run: its reported positions, whether it is in the focus, its verdict.
        let mut runs: Vec<(Vec<usize>, bool, Option<Vec<Check>>)> = Vec::new();
        let mut n = self.plan.initial;
        let mut cut = false;
        loop {
            let more = self.runner.run(&model, stream, measures.len() as u32..n);
            self.replications_run += more.len() as u64;
            measures.extend(more);
            if runs.is_empty() {
                runs = self
                    .run_positions(&measures[0])
                    .into_iter()
                    .map(|positions| {
                        let focused = positions
                            .iter()
                            .any(|&p| focus[measures[0].intervals[p].interval as usize]);
                        (positions, focused, None)
                    })
                    .collect();
            }
            let look = self.plan.look(n);
            let mut pending = false;
            let mut missed = false;
            for (positions, focused, slot) in &mut runs {
                if slot.is_none() {
                    *slot = check::run_checks(
                        self.model,
                        targets,
                        &rule,
                        &measures,
                        positions,
                        if *focused { look } else { Look::Open },
                    );
                }
                match slot {
                    None => pending |= *focused,
                    Some(checks) => missed |= *focused && checks.iter().any(|c| !c.met()),
                }
            }
            if !pending || look == Look::Last {
                break;
            }
            if stop_at_miss && missed {
                cut = true;
                break;
            }
            n = self.plan.next_look(n);
        }
        // Runs left open: outside the focus, the mean on what was run (a miss there counts
        // only if decided); when cut, nothing.
        let mut checks = Vec::new();
        for (positions, _, slot) in runs {
            match slot {
                Some(c) => checks.extend(c),
                None if !cut => checks.extend(
                    check::run_checks(
                        self.model,
                        targets,
                        &rule,
                        &measures,
                        &positions,
                        Look::Last,
                    )
                    .unwrap_or_default(),
                ),
                None => {}
            }
        }
        self.finish(agents, measures, checks, moved, cut, stream, phase)
    }

    /// Every check on all of `measures`, as [`level_checks`] judges them, on the search's
    /// own level runs (they depend on the forecast and the targets, not on the staffing).
    fn final_checks(&self, rule: &Rule, measures: &[ReplicationMeasures]) -> Vec<Check> {
        checks_by_runs(
            self.model,
            &self.runs,
            &self.options.targets,
            rule,
            measures,
        )
    }

    /// The reported positions of `measures` (one replication's) grouped by level run.
    fn run_positions(&self, measures: &ReplicationMeasures) -> Vec<Vec<usize>> {
        positions_by_run(self.model, &self.runs, measures)
    }

    /// Counts the simulation, reports progress and wraps up its verdict.
    #[allow(clippy::too_many_arguments)]
    fn finish(
        &mut self,
        agents: &[Vec<u32>],
        measures: Vec<ReplicationMeasures>,
        checks: Vec<Check>,
        moved: Vec<bool>,
        cut: bool,
        stream: Stream,
        phase: Phase,
    ) -> Evaluation {
        self.simulations += 1;
        let intervals = self.model.intervals as usize;
        let mut occupancy = vec![vec![-1.0; intervals]; agents.len()];
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
            moved,
            cut,
            occupancy,
        };
        let hours = agent_hours(self.model, agents);
        if evaluation.feasible() && stream == Stream::Search {
            self.best_agent_hours = Some(self.best_agent_hours.map_or(hours, |b| b.min(hours)));
        }
        (self.progress)(&Progress {
            phase,
            simulations: self.simulations,
            replications: evaluation.measures.len() as u32,
            agent_hours: hours,
            short_intervals: evaluation.short_intervals().len(),
            best_agent_hours: self.best_agent_hours,
        });
        evaluation
    }

    /// Validation round `round`: `agents` on fresh replications, every interval judged on
    /// all of them (no early verdict, which a lucky first look could fool). The budget's
    /// replications first; while a check is neither met nor missed beyond doubt (a close
    /// call), replications are doubled up to [`VALIDATION_EXTENSION`] × the budget, so that
    /// a shortfall the search's luck hid is seen.
    fn validate(&mut self, agents: &[Vec<u32>], round: u32) -> Evaluation {
        let model = staffed(self.model, agents);
        let stream = Stream::Validation(round);
        let rule = self.plan.rule;
        let limit = self.plan.limit;
        let mut n = self.plan.budget;
        let mut measures: Vec<ReplicationMeasures> = Vec::new();
        let checks = loop {
            let more = self.runner.run(&model, stream, measures.len() as u32..n);
            self.replications_run += more.len() as u64;
            measures.extend(more);
            let checks = self.final_checks(&rule, &measures);
            // A close call: left to the mean by the budget, or missed but not beyond doubt.
            let close = checks
                .iter()
                .any(|c| !c.decided || (!c.met() && !c.surely_missed()));
            if !close || n >= limit {
                break checks;
            }
            n = n.saturating_mul(2).min(limit);
        };
        let intervals = self.model.intervals as usize;
        self.finish(
            agents,
            measures,
            checks,
            vec![true; intervals],
            false,
            stream,
            Phase::Validating,
        )
    }

    /// The search's verdict on `agents`, every interval decided.
    fn judge(&mut self, agents: &[Vec<u32>], phase: Phase) -> Evaluation {
        self.evaluate(agents, None, Stream::Search, false, phase)
    }
}

/// What a move does, for remembering the moves found to be needed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum MoveKind {
    /// One agent less in a group.
    Remove,
    /// One agent less in each of two groups whose skills a third group has, one more there.
    Exchange,
    /// One agent less in a group over a level run, this many more there over the shorter
    /// run before it, whose queue the run inherits.
    Advance(u32),
}

/// A move in one level run, as remembered: its kind, the run's first interval and the
/// groups.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
struct MoveKey {
    kind: MoveKind,
    interval: usize,
    groups: [usize; 3],
}

/// A change of headcounts that saves agent-intervals: in every interval of one level run,
/// or (an advance) of two neighbouring ones.
#[derive(Debug, Clone)]
struct Move {
    key: MoveKey,
    /// The intervals it changes (the run; an advance's two runs).
    run: Range<usize>,
    /// (group, change in agents, intervals changed).
    changes: Vec<(usize, i64, Range<usize>)>,
}

fn apply(agents: &mut [Vec<u32>], m: &Move) {
    for (g, delta, intervals) in &m.changes {
        for k in intervals.clone() {
            agents[*g][k] = (i64::from(agents[*g][k]) + delta) as u32;
        }
    }
}

/// Whether group `g` is below its cap in every interval of `run` (one more agent fits).
fn has_room(agents: &[Vec<u32>], caps: &[Vec<u32>], g: usize, run: &Range<usize>) -> bool {
    run.clone().all(|k| agents[g][k] < caps[g][k])
}

/// A group's mean occupancy over the intervals of `run`.
fn run_occupancy(current: &Evaluation, g: usize, run: &Range<usize>) -> f64 {
    run.clone().map(|k| current.occupancy[g][k]).sum::<f64>() / run.len() as f64
}

/// The removal tried in level run `run`: one agent of the least-occupied group (scenario
/// order breaking ties) not yet found to be needed there.
fn removal(
    model: &Model,
    agents: &[Vec<u32>],
    current: &Evaluation,
    needed: &BTreeSet<MoveKey>,
    run: &Range<usize>,
) -> Option<Move> {
    let key = |g: usize| MoveKey {
        kind: MoveKind::Remove,
        interval: run.start,
        groups: [g, g, g],
    };
    (0..model.groups.len())
        .filter(|&g| run.clone().all(|k| agents[g][k] > 0) && !needed.contains(&key(g)))
        .fold(None, |best: Option<usize>, g| match best {
            Some(b) if run_occupancy(current, b, run) <= run_occupancy(current, g, run) => Some(b),
            _ => Some(g),
        })
        .map(|g| Move {
            key: key(g),
            run: run.clone(),
            changes: vec![(g, -1, run.clone())],
        })
}

/// The pooling exchange tried in level run `run`: one agent less in each of two groups, one
/// more in a group that has both their skills (two specialists become one multi-skilled
/// agent). The least-occupied pair first.
fn exchange(
    model: &Model,
    agents: &[Vec<u32>],
    caps: &[Vec<u32>],
    current: &Evaluation,
    needed: &BTreeSet<MoveKey>,
    run: &Range<usize>,
) -> Option<Move> {
    let groups = &model.groups;
    let covers = |wide: usize, narrow: usize| {
        groups[narrow]
            .skills
            .iter()
            .all(|t| groups[wide].skills.contains(t))
    };
    let empty = |g: usize| run.clone().any(|k| agents[g][k] == 0);
    let mut best: Option<(f64, [usize; 3])> = None;
    for pool in 0..groups.len() {
        if !has_room(agents, caps, pool, run) {
            continue;
        }
        for a in 0..groups.len() {
            for b in a + 1..groups.len() {
                if a == pool || b == pool || empty(a) || empty(b) {
                    continue;
                }
                if !(covers(pool, a) && covers(pool, b)) {
                    continue;
                }
                let key = MoveKey {
                    kind: MoveKind::Exchange,
                    interval: run.start,
                    groups: [a, b, pool],
                };
                if needed.contains(&key) {
                    continue;
                }
                let score = run_occupancy(current, a, run) + run_occupancy(current, b, run);
                if best.is_none_or(|(s, _)| score < s) {
                    best = Some((score, [a, b, pool]));
                }
            }
        }
    }
    best.map(|(_, [a, b, pool])| Move {
        key: MoveKey {
            kind: MoveKind::Exchange,
            interval: run.start,
            groups: [a, b, pool],
        },
        run: run.clone(),
        changes: vec![
            (a, -1, run.clone()),
            (b, -1, run.clone()),
            (pool, 1, run.clone()),
        ],
    })
}

/// The advance tried in level run `runs[r]`: where removing one agent of a group there was
/// found to miss a target, one agent less there and `n` more in the shorter run just
/// before it, the least `n` not yet found to miss, while the `n` cost fewer
/// agent-intervals than the one saved. The first intervals of a stretch inherit the queue
/// of the one before: after a rise the interval of the rise stands alone, and its backlog,
/// not the stretch's own calls, is what the stretch's extra agent answers (100 Erlangs
/// after 50, 3-minute calls, quarter hours: 101 then 107 ×5 meets every target where 99
/// then 108 ×5 was found; 225 after 150, half hours: 230 then 234 ×4, where 228 then 235 ×4
/// was found and 229 then 234 ×4 reads 80.2 % in the first half hour at 234).
fn advance(
    agents: &[Vec<u32>],
    caps: &[Vec<u32>],
    needed: &BTreeSet<MoveKey>,
    runs: &[Range<usize>],
    r: usize,
) -> Option<Move> {
    let run = &runs[r];
    let before = runs[..r]
        .last()
        .filter(|b| b.end == run.start && b.len() < run.len())?;
    let key = |kind: MoveKind, g: usize| MoveKey {
        kind,
        interval: run.start,
        groups: [g, g, g],
    };
    (0..agents.len())
        .filter(|&g| {
            needed.contains(&key(MoveKind::Remove, g)) && run.clone().all(|k| agents[g][k] > 0)
        })
        .find_map(|g| {
            let n = (1..)
                .take_while(|&n| n as usize * before.len() < run.len())
                .find(|&n| !needed.contains(&key(MoveKind::Advance(n), g)))?;
            let room = before.clone().all(|k| agents[g][k] + n <= caps[g][k]);
            room.then(|| Move {
                key: key(MoveKind::Advance(n), g),
                run: before.start..run.end,
                changes: vec![(g, -1, run.clone()), (g, i64::from(n), before.clone())],
            })
        })
}

/// Tries batches of moves (at most one per level run) from `propose` until it proposes none,
/// keeping every batch that stays feasible. A failed batch marks as needed the move in each
/// interval that fell short; a move blamed only for a later interval's shortfall (the
/// nearest move before it: queues carry over) is tried again alone, and marked needed if it
/// fails there; the rest is tried again. Returns whether any move was kept.
fn improve<F: FnMut(&Progress)>(
    searcher: &mut Searcher<'_, F>,
    agents: &mut Vec<Vec<u32>>,
    current: &mut Evaluation,
    needed: &mut BTreeSet<MoveKey>,
    phase: Phase,
    propose: impl Fn(&[Vec<u32>], &Evaluation, &BTreeSet<MoveKey>) -> Vec<Move>,
) -> bool {
    let mut kept_any = false;
    loop {
        let mut proposal = propose(agents, current, needed);
        // A move that leaves a queue keeping its work short of its load is never kept
        // (`backlog`): not tried, and not proposed again.
        proposal.retain(|m| {
            let mut trial = agents.clone();
            apply(&mut trial, m);
            let settles = backlog::unsettled(searcher.model, &trial)
                .iter()
                .all(|(k, _)| !m.run.contains(k));
            if !settles {
                needed.insert(m.key);
            }
            settles
        });
        if proposal.is_empty() {
            return kept_any;
        }
        // Moves blamed only for a later interval's shortfall, to be tried alone.
        let mut deferred: Vec<Move> = Vec::new();
        while !proposal.is_empty() {
            let mut trial = agents.clone();
            for m in &proposal {
                apply(&mut trial, m);
            }
            // Decide the intervals the moves change (and the next ones: queues carry over);
            // stop at the first one decided short.
            let mut moved = vec![false; searcher.model.intervals as usize];
            for m in &proposal {
                moved[m.run.clone()].fill(true);
            }
            let evaluation = searcher.evaluate(&trial, Some(&moved), Stream::Search, true, phase);
            if evaluation.feasible() {
                *agents = trial;
                *current = evaluation;
                kept_any = true;
                break;
            }
            // Blame, for each short interval, its own move, or else the nearest move before
            // it (queues carry over); every failed batch settles or sets aside at least one
            // move. A move blamed for a later interval's shortfall in a batch of several is
            // not settled but tried again alone: that interval's late callers also wait into the next
            // interval, whose own move may be the cause.
            let short = evaluation.short_intervals();
            let mut blamed: Vec<(MoveKey, bool)> = short
                .iter()
                .filter_map(|&s| {
                    proposal
                        .iter()
                        .filter(|m| m.run.start <= s as usize)
                        .max_by_key(|m| m.run.start)
                        .map(|m| (m.key, m.run.contains(&(s as usize))))
                })
                .collect();
            if blamed.is_empty() {
                blamed = proposal.iter().map(|m| (m.key, true)).collect();
            }
            let alone = proposal.len() == 1;
            let settled: Vec<MoveKey> = blamed
                .iter()
                .filter(|&&(_, own)| alone || own)
                .map(|&(key, _)| key)
                .collect();
            for &(key, _) in &blamed {
                if !settled.contains(&key) && !deferred.iter().any(|m: &Move| m.key == key) {
                    deferred.extend(proposal.iter().filter(|m| m.key == key).cloned());
                }
            }
            needed.extend(settled.iter().copied());
            proposal.retain(|m| !blamed.iter().any(|&(key, _)| key == m.key));
            if proposal.is_empty() && !deferred.is_empty() {
                proposal.push(deferred.remove(0));
            }
        }
    }
}

/// The default cap per group and interval: 3 × the load of the types it serves, + 20.
fn default_caps(model: &Model) -> Vec<Vec<u32>> {
    // The load reaching the agents (past IVR self-service, with transfers in, talk and
    // wrap-up), as `validate` counts it.
    let erlangs = crate::offered::OfferedLoad::of(model).erlangs;
    model
        .groups
        .iter()
        .map(|g| {
            (0..model.intervals as usize)
                .map(|k| {
                    let load: f64 = g.skills.iter().map(|&t| erlangs[t as usize][k]).sum();
                    (3.0 * load).ceil().min(1e6) as u32 + 20
                })
                .collect()
        })
        .collect()
}

/// Step 2: adds agents until every target is met (doubling the step where the same target
/// stays missed); the feasible evaluation, or which targets stay missed at the caps.
fn add_until_feasible<F: FnMut(&Progress)>(
    searcher: &mut Searcher<'_, F>,
    agents: &mut [Vec<u32>],
    caps: &[Vec<u32>],
    phase: Phase,
) -> Result<Evaluation, SearchError> {
    let model = searcher.model;
    // 2. Add until feasible.
    // One row per call type (its targets), then one per group (its occupancy cap); one
    // column per level run.
    let types = model.call_types.len();
    let rows = types + model.groups.len();
    let row_of = |c: &Check| c.group.map_or(c.call_type as usize, |g| types + g as usize);
    let runs = searcher.runs.clone();
    let run_of = runs::run_index(&runs, model.intervals as usize);
    let mut step = vec![vec![1u32; runs.len()]; rows];
    let mut missed_before = vec![vec![false; runs.len()]; rows];
    let mut current = searcher.judge(agents, phase);
    let mut rounds = 0;
    while !current.feasible() {
        rounds += 1;
        let mut missed_now = vec![vec![false; runs.len()]; rows];
        for c in current.checks.iter().filter(|c| !c.met()) {
            if let Some(run) = run_of[c.interval as usize] {
                missed_now[row_of(c)][run] = true;
            }
        }
        let mut stuck = Vec::new();
        let mut moved = false;
        for (r, row) in missed_now.iter().enumerate() {
            for (column, (run, &missed)) in runs.iter().zip(row).enumerate() {
                if !missed {
                    step[r][column] = 1;
                    continue;
                }
                if missed_before[r][column] {
                    step[r][column] = step[r][column].saturating_mul(2);
                }
                // A call type's agents go to its busiest serving group; a group too busy
                // gets them itself. The whole run alike.
                let group = if r < types {
                    busiest_with_room(model, agents, caps, &current, r as TypeId, run)
                } else {
                    Some(r - types).filter(|&g| has_room(agents, caps, g, run))
                };
                match group {
                    Some(g) => {
                        for k in run.clone() {
                            agents[g][k] =
                                agents[g][k].saturating_add(step[r][column]).min(caps[g][k]);
                        }
                        moved = true;
                    }
                    None => stuck.extend(run.clone().map(|k| (r, k as u32))),
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
                            || stuck.contains(&(row_of(c), c.interval)))
                })
                .cloned()
                .collect();
            return Err(SearchError::Infeasible {
                missed,
                caps: caps.to_vec(),
                simulations: searcher.simulations,
            });
        }
        current = searcher.judge(agents, phase);
    }

    Ok(current)
}

/// Steps 3 to 5: removes agents while every target holds; with `thorough`, also pooling
/// exchanges and the polish in alternate intervals. Returns the last kept evaluation.
fn trim<F: FnMut(&Progress)>(
    searcher: &mut Searcher<'_, F>,
    agents: &mut Vec<Vec<u32>>,
    mut current: Evaluation,
    caps: &[Vec<u32>],
    thorough: bool,
    phase: Phase,
) -> Evaluation {
    let model = searcher.model;
    // 3. Remove while feasible: single agents, then pooling exchanges, until neither helps.
    let runs = searcher.runs.clone();
    // The runs of one parity: alternate runs, so that no move is judged beside another.
    let alternate = |parity: usize| {
        runs.iter()
            .enumerate()
            .filter(move |(r, _)| r % 2 == parity)
            .map(|(_, run)| run)
    };
    let mut needed = BTreeSet::new();
    if !thorough {
        // Removals only, in alternate intervals (no move judged beside another), until a
        // pass over both parities keeps none.
        loop {
            let mut kept = false;
            for parity in [0, 1] {
                kept |= improve(
                    searcher,
                    agents,
                    &mut current,
                    &mut needed,
                    phase,
                    |agents, current, needed| {
                        alternate(parity)
                            .filter_map(|run| removal(model, agents, current, needed, run))
                            .collect()
                    },
                );
            }
            // Where a removal was rejected, an advance may still save agent-intervals.
            if !kept && !advance_all(searcher, agents, &mut current, &mut needed, caps, phase) {
                return current;
            }
            // A removal once rejected stays rejected: judging it again on the same
            // replications would give luck another chance.
        }
    }
    loop {
        improve(
            searcher,
            agents,
            &mut current,
            &mut needed,
            phase,
            |agents, current, needed| {
                runs.iter()
                    .filter_map(|run| removal(model, agents, current, needed, run))
                    .collect()
            },
        );
        let pooled = improve(
            searcher,
            agents,
            &mut current,
            &mut needed,
            phase,
            |agents, current, needed| {
                runs.iter()
                    .filter_map(|run| exchange(model, agents, caps, current, needed, run))
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
            searcher,
            agents,
            &mut current,
            &mut needed,
            phase,
            |agents, current, needed| {
                alternate(parity)
                    .filter_map(|run| removal(model, agents, current, needed, run))
                    .collect()
            },
        );
    }
    advance_all(searcher, agents, &mut current, &mut needed, caps, phase);
    current
}

/// Tries the advances ([`advance`]) of alternate level runs, one parity after the other,
/// so that no advance is judged beside another. Returns whether any was kept.
fn advance_all<F: FnMut(&Progress)>(
    searcher: &mut Searcher<'_, F>,
    agents: &mut Vec<Vec<u32>>,
    current: &mut Evaluation,
    needed: &mut BTreeSet<MoveKey>,
    caps: &[Vec<u32>],
    phase: Phase,
) -> bool {
    let runs = searcher.runs.clone();
    let mut kept = false;
    for parity in [0, 1] {
        kept |= improve(
            searcher,
            agents,
            current,
            needed,
            phase,
            |agents, _, needed| {
                (parity..runs.len())
                    .step_by(2)
                    .filter_map(|r| advance(agents, caps, needed, &runs, r))
                    .collect()
            },
        );
    }
    kept
}

/// Every check of `targets` on `measures` (replications of `model`), judged as the search
/// and its validation judge them: each level run ([`runs::level_runs`]) on its intervals'
/// calls pooled — its first interval apart while it differs from the rest beyond their
/// noise, else its two halves apart when they do, an interval
/// whose own calls show a target missed on its own — the mean deciding what `rule` leaves
/// open. One check per reported interval and applied target with calls, like [`checks`].
pub fn level_checks(
    model: &Model,
    targets: &ServiceTargets,
    rule: &Rule,
    measures: &[ReplicationMeasures],
) -> Vec<Check> {
    checks_by_runs(
        model,
        &runs::level_runs(model, targets),
        targets,
        rule,
        measures,
    )
}

/// [`level_checks`] on the level runs `runs` (of `model`, for `targets`).
fn checks_by_runs(
    model: &Model,
    runs: &[Range<usize>],
    targets: &ServiceTargets,
    rule: &Rule,
    measures: &[ReplicationMeasures],
) -> Vec<Check> {
    let Some(first) = measures.first() else {
        return Vec::new();
    };
    positions_by_run(model, runs, first)
        .iter()
        .flat_map(|positions| {
            check::run_checks(model, targets, rule, measures, positions, Look::Last)
                .unwrap_or_default()
        })
        .collect()
}

/// The reported positions of `measures` (one replication's) grouped by the level runs
/// `runs`, in order; a position outside every run (none today) is a run of its own.
fn positions_by_run(
    model: &Model,
    runs: &[Range<usize>],
    measures: &ReplicationMeasures,
) -> Vec<Vec<usize>> {
    let run_of = runs::run_index(runs, model.intervals as usize);
    let mut grouped: Vec<(Option<usize>, Vec<usize>)> = Vec::new();
    for (position, interval) in measures.intervals.iter().enumerate() {
        let run = run_of[interval.interval as usize];
        match grouped.last_mut() {
            Some((r, positions)) if run.is_some() && *r == run => positions.push(position),
            _ => grouped.push((run, vec![position])),
        }
    }
    grouped
        .into_iter()
        .map(|(_, positions)| positions)
        .collect()
}

/// Finds the least agent-hours per group and interval whose measures meet every target in
/// every reported interval, for every call type, by the sequential verdicts of `options`.
/// `progress` is called after every simulation.
///
/// Guarantees: every check of the last kept evaluation that was decided is met, and no
/// removal tried in the confirmation was kept without its interval being shown to meet its
/// targets; the answer is validated on replications the search never used
/// ([`Staffing::validation`]); the same model and options give the same result whatever the
/// number of threads. Intervals inside the warm-up are not measured: they get the per-type
/// Erlang staffing. Errors when there is no target, or when a target is still missed with
/// every group serving its call type at the cap.
pub fn search(
    model: &Model,
    options: &SearchOptions,
    progress: impl FnMut(&Progress),
) -> Result<Staffing, SearchError> {
    let targets = &options.targets;
    if targets.service_level.is_none()
        && targets.max_abandon_rate.is_none()
        && targets.max_asa_s.is_none()
        && targets.max_occupancy.is_none()
        && model.classes.iter().all(|c| c.target.is_none())
    {
        return Err(SearchError::BadTargets(
            "no target to meet: give a service level, an abandon-rate, ASA or occupancy cap".into(),
        ));
    }
    if !(0.5..1.0).contains(&options.confidence) {
        return Err(SearchError::BadTargets(format!(
            "a confidence of {} is not in [0.5, 1)",
            options.confidence
        )));
    }
    // Targets even the Erlang formulas cannot meet with any headcount in reach (an
    // occupancy cap of a millionth, say): say which to loosen.
    let unreachable = |e: crate::analytic::Unreachable| {
        SearchError::BadTargets(format!(
            "{e}\n  help: loosen the targets (the service level, --max-asa, --max-abandon, \
             --max-occupancy, or the scenario's [service_level]); an occupancy cap needs the \
             load ÷ the cap agents"
        ))
    };
    let erlang_by_type = start::per_type(model, targets, false).map_err(unreachable)?;
    let erlang_c_by_type = start::per_type(model, targets, true).map_err(unreachable)?;
    let caps = match options.max_agents {
        Some(cap) => vec![vec![cap; model.intervals as usize]; model.groups.len()],
        None => default_caps(model),
    };
    let erlang_start = start::to_groups(model, &erlang_by_type);
    let agents = match options.start {
        Start::Erlang => erlang_start.clone(),
        Start::Scenario => model
            .groups
            .iter()
            .map(|g| g.agents_by_interval.clone())
            .collect(),
    };
    // Intervals inside the warm-up are not measured, so the search cannot judge them; they
    // get the Erlang staffing (below, for every start), so that the first measured interval
    // does not inherit a backlog nobody could fix.
    let warmup = model.first_reported_interval() as usize;
    let level_runs = runs::level_runs(model, targets);
    let run_of = runs::run_index(&level_runs, model.intervals as usize);
    let mut searcher = Searcher {
        model,
        runs: level_runs,
        options,
        plan: Plan::screening(model),
        runner: Runner::new(options.threads),
        progress,
        simulations: 0,
        replications_run: 0,
        best_agent_hours: None,
    };

    // Screening: from each start, the whole greedy search with the mean of the first look
    // deciding; the cheapest local optimum goes on.
    let mut starts = vec![(
        match options.start {
            Start::Erlang => "erlang",
            Start::Scenario => "scenario",
        },
        agents,
    )];
    if model.groups.iter().any(|g| g.skills.len() > 1) {
        starts.push(("pooled", start::to_widest_groups(model, &erlang_by_type)));
    }
    let mut local_optima = Vec::new();
    // The cheapest local optimum whose targets the first look met; one that missed at
    // the caps only if none did.
    let mut best: Option<(bool, Vec<Vec<u32>>)> = None;
    for (name, mut agents) in starts {
        for ((row, start_row), cap_row) in agents.iter_mut().zip(&erlang_start).zip(&caps) {
            row[..warmup].copy_from_slice(&start_row[..warmup]);
            // Level runs start level, at their largest headcount.
            for run in &searcher.runs {
                let most = row[run.clone()].iter().copied().max().unwrap_or(0);
                row[run.clone()].fill(most);
            }
            for (n, cap) in row.iter_mut().zip(cap_row) {
                *n = (*n).min(*cap);
            }
        }
        backlog::raise_to_load(model, &mut agents, &caps, &searcher.runs);
        // The first look's mean may miss at the caps a target that the sequential verdicts
        // show met there (a cap of Erlang's answer, say): that is for the confirmation to
        // decide, from the capped staffing.
        let met = match add_until_feasible(&mut searcher, &mut agents, &caps, Phase::Screening) {
            Ok(current) => {
                trim(
                    &mut searcher,
                    &mut agents,
                    current,
                    &caps,
                    true,
                    Phase::Screening,
                );
                true
            }
            Err(SearchError::Infeasible { .. }) => false,
            Err(e) => return Err(e),
        };
        let hours = agent_hours(model, &agents);
        let better = best.as_ref().is_none_or(|(best_met, b)| {
            (met && !best_met) || (met == *best_met && hours < agent_hours(model, b) - 1e-9)
        });
        if better {
            best = Some((met, agents.clone()));
        }
        local_optima.push(LocalOptimum {
            start: name,
            agent_hours: hours,
        });
    }
    let (_, mut agents) = best.expect("at least one start");

    // Confirmation: every verdict by sequential sampling, from the best local optimum: add
    // where a target is not shown to be met, then remove what is shown not to be needed.
    searcher.plan = Plan::new(model, options);
    let current = add_until_feasible(&mut searcher, &mut agents, &caps, Phase::Adding)?;
    let mut current = trim(
        &mut searcher,
        &mut agents,
        current,
        &caps,
        false,
        Phase::Removing,
    );

    // 5. Validate on fresh replications; where a target fails there ([`Rule::fails`]), add
    // an agent (in the busiest group serving the call type) and validate again on new ones.
    let mut round = 0;
    // Every (type, group, run start) raised by an earlier round, once per round.
    let mut raised_before: Vec<(TypeId, Option<GroupId>, usize)> = Vec::new();
    let validation = loop {
        let fresh = searcher.validate(&agents, round);
        round += 1;
        let failed: Vec<(TypeId, Option<GroupId>, usize)> = {
            let mut cells: Vec<(TypeId, Option<GroupId>, usize)> = fresh
                .checks
                .iter()
                .filter(|c| searcher.plan.rule.fails(c))
                .map(|c| (c.call_type, c.group, c.interval as usize))
                .collect();
            cells.sort_unstable();
            cells.dedup();
            cells
        };
        let mut moved = false;
        if round < MAX_VALIDATION_ROUNDS {
            // One agent more in the whole level run of each failed interval (once per run),
            // or in the shorter run before it, whose queue it inherits.
            let mut raised: Vec<(TypeId, Option<GroupId>, usize)> = Vec::new();
            for &(t, group, k) in &failed {
                let Some(r) = run_of[k] else {
                    continue;
                };
                let r = run_raised_for(&searcher.runs, r, &failed, (t, group), &raised_before);
                let run = &searcher.runs[r];
                if raised.contains(&(t, group, run.start)) {
                    continue;
                }
                raised.push((t, group, run.start));
                let group = match group {
                    Some(g) => Some(g as usize).filter(|&g| has_room(&agents, &caps, g, run)),
                    None => busiest_with_room(model, &agents, &caps, &fresh, t, run),
                };
                if let Some(g) = group {
                    for k in run.clone() {
                        agents[g][k] += 1;
                    }
                    moved = true;
                }
            }
            raised_before.extend(raised);
        }
        if !moved {
            let failures: Vec<Check> = fresh
                .checks
                .iter()
                .filter(|c| searcher.plan.rule.fails(c))
                .cloned()
                .collect();
            break Validation {
                passed: failures.is_empty(),
                failed: failures.len(),
                failures,
                measures: fresh.measures,
                checks: fresh.checks,
                rounds: round,
            };
        }
        // At most two verdicts' measures at once (the kept one and the one being judged):
        // the failed round's are not needed again.
        drop(fresh);
        current = searcher.judge(&agents, Phase::Adding);
    };

    Ok(Staffing {
        agents,
        checks: current.checks,
        measures: current.measures,
        validation,
        local_optima,
        simulations: searcher.simulations,
        replications_run: searcher.replications_run,
        max_replications: searcher.plan.budget,
        erlang_by_type: start::scheduled_by_type(model, &erlang_by_type),
        erlang_c_by_type: start::scheduled_by_type(model, &erlang_c_by_type),
    })
}

/// The level run a validation raises for a failure of `(type, group)` in run `r`: `r`
/// itself, or the run just before it when every failure in `r` is in its first half and
/// raising the run before (once more than `raised_before` did) still costs fewer
/// agent-intervals than raising `r`. The first interval of a level stretch inherits the
/// queue of the one before: after a rise, the interval of the rise stands alone with no
/// more agents than it needs itself, and the next one, still answering its callers, fails
/// while the rest of its stretch passes. An agent more in the short interval before clears
/// it for a fraction of an agent more in the whole stretch (100 Erlangs after 50, 3-minute
/// calls, half hours: 105 then 107, against 104 then 108).
fn run_raised_for(
    runs: &[Range<usize>],
    r: usize,
    failed: &[(TypeId, Option<GroupId>, usize)],
    cell: (TypeId, Option<GroupId>),
    raised_before: &[(TypeId, Option<GroupId>, usize)],
) -> usize {
    let run = &runs[r];
    // Failures in the first half of the run only: the inherited queue, not the run's own
    // calls.
    let early = failed
        .iter()
        .all(|&(t, g, j)| (t, g) != cell || !run.contains(&j) || j < run.start + run.len() / 2);
    let Some(before) = r.checked_sub(1).filter(|&b| runs[b].end == run.start) else {
        return r;
    };
    let times = raised_before
        .iter()
        .filter(|&&(t, g, start)| (t, g) == cell && start == runs[before].start)
        .count();
    if early && (times + 1) * runs[before].len() < run.len() {
        before
    } else {
        r
    }
}

/// The busiest group (highest mean occupancy over level run `run`, routing order breaking
/// ties) that serves call type `t` and is below its cap throughout the run.
fn busiest_with_room(
    model: &Model,
    agents: &[Vec<u32>],
    caps: &[Vec<u32>],
    evaluation: &Evaluation,
    t: TypeId,
    run: &Range<usize>,
) -> Option<usize> {
    model.call_types[t as usize]
        .serving_groups
        .iter()
        .map(|&g| g as usize)
        .filter(|&g| has_room(agents, caps, g, run))
        .fold(None, |best: Option<usize>, g| match best {
            Some(b) if run_occupancy(evaluation, b, run) >= run_occupancy(evaluation, g, run) => {
                Some(b)
            }
            _ => Some(g),
        })
}
