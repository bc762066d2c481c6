//! What the engine runs: a validated scenario with dense integer ids and precomputed indexes.
//!
//! **Invariant:** a `Model` is always valid: every id is in range, every call type is served
//! by some group, every per-interval list has exactly `intervals` entries, every distribution
//! has valid parameters. Once a `Model` exists a run cannot fail. Names are kept only for
//! the report; the engine never looks at them.

use crate::dist::Distribution;
use crate::time::{SimTime, NANOS_PER_SECOND};

/// Index of a call type in [`Model::call_types`].
pub type TypeId = u32;
/// Index of an agent group in [`Model::groups`].
pub type GroupId = u32;
/// Index of a call class in [`Model::classes`]: a call type, or one customer tier of it.
pub type ClassId = u32;

/// The call type column of the rows that total every call type (CSV reports and the
/// workbook): no call type may bear it.
pub const TOTAL_LABEL: &str = "(all)";

/// A validated, index-based scenario.
#[derive(Debug, Clone)]
pub struct Model {
    /// Title for reports.
    pub name: String,
    /// Seed of every random stream.
    pub seed: u64,
    /// Number of independent replications.
    pub replications: u32,
    /// Arrivals are generated in `[0, horizon)`.
    pub horizon: SimTime,
    /// Calls arriving before this are not counted; time integrals start here.
    pub warmup: SimTime,
    /// Length of a reporting, rate and staffing interval.
    pub interval: SimTime,
    /// Number of intervals covering `[0, horizon)` (the last one may be shorter).
    pub intervals: u32,
    /// Clock time of simulated time zero, in seconds after midnight (labels only).
    pub start_of_day_s: u32,
    /// "Answered within T".
    pub service_level_threshold: SimTime,
    /// The scenario's targets, for the staffing verbs (the engine never reads them).
    pub targets: ServiceTargets,
    /// Call types, by [`TypeId`].
    pub call_types: Vec<CallType>,
    /// Agent groups, by [`GroupId`].
    pub groups: Vec<AgentGroup>,
    /// Call classes, by [`ClassId`]: each call type's tiers (or the type itself when it has
    /// none), in call-type order. Queues, routing and statistics work per class.
    pub classes: Vec<CallClass>,
    /// How calls and agents are matched.
    pub routing: Routing,
    /// Lines into the centre; a call finding them all busy is blocked.
    pub trunks: Option<u32>,
    /// Day-to-day forecast error: each replication's rates are multiplied by a gamma factor
    /// with mean 1 and this coefficient of variation.
    pub busyness_cv: Option<f64>,
    /// Recorded calls to replay instead of the random arrival process, in time order.
    pub trace: Option<std::sync::Arc<Vec<TracedCall>>>,
    /// The trace's later contacts of callers it already has (see `scenario::Trace`): the
    /// rows left out, as the scenario makes such contacts, and those replayed as new
    /// callers, as it does not.
    pub trace_later_contacts: (u64, u64),
    /// The file `trace` was read from: an input no output may overwrite.
    pub trace_file: Option<std::path::PathBuf>,
}

/// One call of a replayed trace.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TracedCall {
    /// When it arrived.
    pub arrival: SimTime,
    /// Its call type.
    pub call_type: TypeId,
    /// Its handle time, if recorded (else drawn).
    pub handle: Option<SimTime>,
    /// Its patience, if recorded (else drawn).
    pub patience: Option<SimTime>,
}

/// What callers of one class share: a call type without tiers, or one tier of a call type.
#[derive(Debug, Clone)]
pub struct CallClass {
    /// The tier's name; `None` for a call type without tiers.
    pub tier: Option<String>,
    /// The call type.
    pub call_type: TypeId,
    /// Priority under the `priority` policy: higher is served first.
    pub priority: f64,
    /// Weight under the `weighted-wait` policy.
    pub weight: f64,
    /// Patience of this class's callers (the tier's own, else the type's); `None`: never
    /// abandon.
    pub patience: Option<Distribution>,
    /// "Answered within T" for this class (tier, else type, else the scenario's threshold).
    pub threshold: SimTime,
    /// Whether the class (or its type) sets its own threshold rather than the scenario's.
    pub own_threshold: bool,
    /// The service-level target for this class, if one is set (a fraction).
    pub target: Option<f64>,
}

/// A built-in routing policy: how a freed agent picks among waiting calls, and how an
/// arriving call picks among groups with idle agents.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Policy {
    /// Preference lists: groups by their rank of the type (specialists first); a freed agent
    /// takes the first type in its skills with calls waiting.
    SkillPriority,
    /// One FIFO across all types: a freed agent takes the longest-waiting call it may take;
    /// an arriving call goes to the agent idle longest among all eligible groups.
    LongestIdle,
    /// A freed agent takes the highest-priority waiting call (priority grows with waiting
    /// when `aging` is set), longest-waiting first within a priority.
    Priority,
    /// A freed agent takes the call with the largest weight × wait.
    WeightedWait,
}

/// The routing configuration: a policy, and the time-based skill expansion (overflow) and
/// agent reservations that apply to every policy.
#[derive(Debug, Clone)]
pub struct Routing {
    /// The policy.
    pub policy: Policy,
    /// Under `priority`: one priority level is gained per `aging` of waiting.
    pub aging: Option<SimTime>,
    /// `delays[class × groups + group]`: how long a call of the class must have waited
    /// before agents of the group may take it; [`SimTime::NEVER`] if never.
    pub delays: Vec<SimTime>,
    /// Per class, the distinct positive delays at which its waiting calls are offered to
    /// more groups, ascending (empty without overflow).
    pub overflow_steps: Vec<Vec<SimTime>>,
    /// Per group, agents kept back for some classes.
    pub reserves: Vec<Option<Reserve>>,
    /// Whether overflow targets or reservations change who may take what (otherwise every
    /// group with the skill may take a call at once).
    pub has_overflow_or_reserve: bool,
}

impl Routing {
    /// Whether this is the contract's default routing, exactly: skill-priority with no
    /// overflow targets and no reservations.
    pub fn is_plain_skill_priority(&self) -> bool {
        self.policy == Policy::SkillPriority && !self.has_overflow_or_reserve
    }
}

/// A group's reservation: it keeps `agents` idle agents back for the `for_classes`.
#[derive(Debug, Clone)]
pub struct Reserve {
    /// How many agents are kept back.
    pub agents: u32,
    /// Per class: whether the class may use the reserved agents.
    pub for_classes: Vec<bool>,
}

impl Routing {
    /// How long a call of `class` must have waited before `group` may take it.
    #[inline]
    pub fn delay(&self, class: ClassId, group: GroupId, groups: usize) -> SimTime {
        self.delays[class as usize * groups + group as usize]
    }
}

/// Targets from the scenario's `[service_level]` table, each per interval and call type;
/// `None` is no target. Fractions are in [0, 1].
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct ServiceTargets {
    /// The service level to reach (0.8 for 80 %).
    pub service_level: Option<f64>,
    /// The highest acceptable abandon rate.
    pub max_abandon_rate: Option<f64>,
    /// The longest acceptable ASA, seconds.
    pub max_asa_s: Option<f64>,
    /// The highest acceptable occupancy of every agent group (busy time ÷ time on the
    /// floor), per interval.
    pub max_occupancy: Option<f64>,
}

/// A kind of contact.
#[derive(Debug, Clone)]
pub struct CallType {
    /// Name, for the report.
    pub name: String,
    /// Calls per hour in each interval (`intervals` entries, each ≥ 0).
    pub calls_per_hour: Vec<f64>,
    /// Talk time.
    pub handle_time: Distribution,
    /// Time a caller is willing to wait; `None`: never abandons.
    pub patience: Option<Distribution>,
    /// Groups with this skill, in the default routing order: by the rank of this type in the
    /// group's skills, then fewer skills first, then scenario order. Never empty.
    pub serving_groups: Vec<GroupId>,
    /// This type's classes (its tiers, or one class for the type itself), a contiguous
    /// range of [`Model::classes`].
    pub classes: std::ops::Range<ClassId>,
    /// Cumulative tier shares, one per class (the last is 1); a caller's tier is the first
    /// whose cumulative share exceeds a uniform draw.
    pub tier_cumulative_shares: Vec<f64>,
    /// The most calls of this type on the line at once (a cap within the centre's lines,
    /// not lines kept for it); a call finding them all busy is blocked.
    pub trunks: Option<u32>,
    /// The IVR in front of the queue.
    pub ivr: Option<Ivr>,
    /// Blocked and abandoned callers who redial.
    pub retrial: Option<Retrial>,
    /// After-call work: the agent stays busy this long after the talk.
    pub wrap_up: Option<Distribution>,
    /// A share of answered calls transferred to another type (e.g. tier-2 escalation).
    pub transfer: Option<Transfer>,
    /// A share of answered calls not resolved: the caller calls again later.
    pub unresolved: Option<Repeat>,
    /// Virtual hold: callers facing a long wait may take a callback instead.
    pub callback: Option<Callback>,
}

impl CallType {
    /// Mean work per call reaching an agent, seconds: handle time and wrap-up.
    pub fn mean_work_s(&self) -> f64 {
        self.handle_time.mean_seconds() + self.wrap_up.as_ref().map_or(0.0, |w| w.mean_seconds())
    }
}

/// Virtual hold (callbacks).
#[derive(Debug, Clone)]
pub struct Callback {
    /// A callback is offered when the expected wait on arrival exceeds this.
    pub when_wait_exceeds: SimTime,
    /// Fraction of callers offered a callback who take it.
    pub share: f64,
    /// The class in which callback jobs queue (the last of the type's classes); they never
    /// abandon.
    pub class: ClassId,
    /// Mean handle time plus mean wrap-up, seconds, for the expected-wait estimate.
    pub mean_work_s: f64,
}

/// Self-service in front of the queue.
#[derive(Debug, Clone)]
pub struct Ivr {
    /// Time in the IVR (the caller holds a line meanwhile).
    pub time: Distribution,
    /// Fraction of callers who complete in self-service and leave.
    pub self_service: f64,
}

/// Redialing after a busy signal or after hanging up.
#[derive(Debug, Clone)]
pub struct Retrial {
    /// Probability that a blocked or abandoning caller tries again.
    pub probability: f64,
    /// Time before the next attempt.
    pub delay: Distribution,
    /// Attempts at most, the first included (≥ 2).
    pub max_attempts: u32,
}

/// Transfers after the talk.
#[derive(Debug, Clone)]
pub struct Transfer {
    /// Fraction of answered calls transferred.
    pub share: f64,
    /// The call type they join (its queue), the caller still on the line.
    pub to: TypeId,
}

/// Repeat calls from callers whose issue was not resolved.
#[derive(Debug, Clone)]
pub struct Repeat {
    /// Fraction of answered (and not transferred) calls not resolved.
    pub share: f64,
    /// Time until the caller calls again.
    pub delay: Distribution,
}

/// Agents on the floor out of `scheduled`: the schedule less the `shrinkage` share, rounded
/// to the nearest agent, halves up (10 scheduled at 25 % shrinkage put 8 on the floor, 45 at
/// 30 % put 32).
pub fn on_the_floor(scheduled: u32, shrinkage: f64) -> u32 {
    scaled_headcount(scheduled, 1.0 - shrinkage)
}

/// `agents` × `factor`, to the nearest agent, halves up. The product is taken to 9 decimals
/// first, so that 45 × 0.7 (31.499999999999996 in binary) is the 31.5 it reads as, and
/// rounds up like 45 × 0.5 and 45 × 0.9.
pub fn scaled_headcount(agents: u32, factor: f64) -> u32 {
    let exact = (f64::from(agents) * factor * 1e9).round() / 1e9;
    exact.round() as u32
}

/// The least scheduled headcount that puts `wanted` agents on the floor at `shrinkage` (in
/// [0, 1)): the inverse of [`on_the_floor`], so that staffing grossed up by it is staffing the
/// simulation runs with `wanted` available. It can be below the planners' ⌈wanted ÷ (1 −
/// shrinkage)⌉ (8 on the floor at 25 %: 10, not 11), since the simulation rounds 7.5 up.
pub fn least_schedule_for(wanted: u32, shrinkage: f64) -> u32 {
    debug_assert!((0.0..1.0).contains(&shrinkage));
    // ⌈wanted ÷ (1 − shrinkage)⌉ always suffices, and the least is at most 0.5 ÷ (1 − shrinkage)
    // + 1 below it (50 steps at 99 %).
    let mut scheduled = crate::analytic::scheduled_agents(wanted, shrinkage);
    while scheduled > 0 && on_the_floor(scheduled - 1, shrinkage) >= wanted {
        scheduled -= 1;
    }
    scheduled
}

/// One shift row's move: its agents arriving, leaving, going on or back from a break.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ShiftMove {
    /// When.
    pub time: SimTime,
    /// The group's scheduled agents (every row, before shrinkage) just before the move.
    pub scheduled_before: u32,
    /// And just after it.
    pub scheduled_after: u32,
    /// What the row does.
    pub kind: MoveKind,
}

/// What a shift row does at a [`ShiftMove`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum MoveKind {
    /// The shift starts: its agents arrive.
    Arrive,
    /// A break ends: its agents come back (those still in the call they had when it
    /// started never left).
    Return,
    /// The shift ends: its agents go, each busy one when its call ends.
    Leave,
    /// A break starts, until `until`: its agents go, each busy one when its call ends.
    Break {
        /// When the break ends.
        until: SimTime,
    },
}

/// A pool of identical agents.
#[derive(Debug, Clone)]
pub struct AgentGroup {
    /// Name, for the report.
    pub name: String,
    /// Scheduled headcount in each interval (`intervals` entries). For a group with shifts,
    /// the largest headcount its shifts give in the interval (informative only).
    pub agents_by_interval: Vec<u32>,
    /// Call types served, most preferred first; no duplicates.
    pub skills: Vec<TypeId>,
    /// Fraction of scheduled agents not available (absence, meetings, coaching), in [0, 1).
    pub shrinkage: f64,
    /// Explicit shifts; when present they, not `agents_by_interval`, give the headcount.
    pub shifts: Vec<Shift>,
    /// Contacts an agent handles at once (1 for calls; chat desks often 2–4).
    pub max_concurrent: u32,
    /// Handle-time increase per extra simultaneous contact (0.15: each contact takes 15 %
    /// longer per other contact in hand).
    pub concurrency_slowdown: f64,
}

/// A block of agents working from `start` to `end`, with breaks taken together.
#[derive(Debug, Clone, PartialEq)]
pub struct Shift {
    /// When they arrive (simulated time).
    pub start: SimTime,
    /// When they leave (an agent in a call finishes it first).
    pub end: SimTime,
    /// How many agents.
    pub agents: u32,
    /// Breaks `(start, end)`, inside the shift, not overlapping, in order.
    pub breaks: Vec<(SimTime, SimTime)>,
}

impl AgentGroup {
    /// Whether contacts held at once slow each other down (a chat desk with a slowdown).
    #[inline]
    pub fn slows_contacts(&self) -> bool {
        self.max_concurrent > 1 && self.concurrency_slowdown > 0.0
    }

    /// How many times its need a contact's talk lasts when its agent holds `others` other
    /// contacts as it begins.
    #[inline]
    pub fn talk_factor(&self, others: u32) -> f64 {
        1.0 + self.concurrency_slowdown * others as f64
    }

    /// The other contacts in hand that made a talk last `factor` times its need (the
    /// inverse of [`AgentGroup::talk_factor`], rounded, within 0 … `max_concurrent` − 1).
    pub fn others_behind(&self, factor: f64) -> u32 {
        let others = ((factor - 1.0) / self.concurrency_slowdown).round();
        if others.is_finite() {
            others.clamp(0.0, (self.max_concurrent - 1) as f64) as u32
        } else {
            0
        }
    }

    /// The scheduled headcount as change points `(time, agents)` from time zero, before
    /// shrinkage: from the shifts (and their breaks) if any, else per interval.
    pub fn schedule(&self, interval: SimTime) -> Vec<(SimTime, u32)> {
        if self.shifts.is_empty() {
            return self
                .agents_by_interval
                .iter()
                .enumerate()
                .map(|(k, &n)| (SimTime(interval.0 * k as u64), n))
                .collect();
        }
        // Sweep +agents at each arrival / break end, -agents at each break start / leave.
        let mut deltas: Vec<(SimTime, i64)> = Vec::new();
        for shift in &self.shifts {
            let n = shift.agents as i64;
            deltas.push((shift.start, n));
            deltas.push((shift.end, -n));
            for &(from, to) in &shift.breaks {
                deltas.push((from, -n));
                deltas.push((to, n));
            }
        }
        deltas.sort();
        let mut points: Vec<(SimTime, u32)> = vec![(SimTime::ZERO, 0)];
        let mut level: i64 = 0;
        for (time, delta) in deltas {
            level += delta;
            let agents = level.max(0) as u32;
            match points.last_mut() {
                Some(last) if last.0 == time => last.1 = agents,
                _ => points.push((time, agents)),
            }
        }
        points.dedup_by(|b, a| a.1 == b.1);
        points
    }

    /// The shifts' rows' moves, in time order: at one time, those leaving (shift ends,
    /// breaks) before those arriving (shift starts, break ends), each group of them in row
    /// order. Unlike [`Self::schedule`], moves at one time are not netted: a row that ends
    /// when another starts is two moves, so that the ending row's agents still in a call
    /// finish it beside the new row. Empty without shifts.
    pub fn shift_moves(&self) -> Vec<ShiftMove> {
        let mut moves: Vec<(SimTime, bool, usize, MoveKind, u32)> = Vec::new();
        for (row, shift) in self.shifts.iter().enumerate() {
            let n = shift.agents;
            // The row's stretches on the floor: breaks that touch are one break, a break from
            // the shift's start delays its arrival, and one to its end brings it forward.
            let mut on_floor: Vec<(SimTime, SimTime)> = Vec::new();
            let mut from = shift.start;
            for &(break_start, break_end) in &shift.breaks {
                if break_start > from {
                    on_floor.push((from, break_start));
                }
                from = from.max(break_end);
            }
            if shift.end > from {
                on_floor.push((from, shift.end));
            }
            for (i, &(arrive, leave)) in on_floor.iter().enumerate() {
                let arriving = if i == 0 {
                    MoveKind::Arrive
                } else {
                    MoveKind::Return
                };
                let leaving = match on_floor.get(i + 1) {
                    Some(&(back, _)) => MoveKind::Break { until: back },
                    None => MoveKind::Leave,
                };
                moves.push((arrive, true, row, arriving, n));
                moves.push((leave, false, row, leaving, n));
            }
        }
        moves.sort_by_key(|&(time, arriving, row, _, _)| (time, arriving, row));
        let mut scheduled: u32 = 0;
        moves
            .into_iter()
            .map(|(time, arriving, _, kind, agents)| {
                let before = scheduled;
                scheduled = if arriving {
                    scheduled + agents
                } else {
                    scheduled.saturating_sub(agents)
                };
                ShiftMove {
                    time,
                    scheduled_before: before,
                    scheduled_after: scheduled,
                    kind,
                }
            })
            .collect()
    }

    /// The available headcount as change points: the schedule less shrinkage (rounded to
    /// the nearest agent).
    pub fn available(&self, interval: SimTime) -> Vec<(SimTime, u32)> {
        self.schedule(interval)
            .into_iter()
            .map(|(t, n)| (t, on_the_floor(n, self.shrinkage)))
            .collect()
    }

    /// The available headcount at time `t` (the last change point at or before it).
    pub fn available_at(&self, interval: SimTime, t: SimTime) -> u32 {
        self.available(interval)
            .iter()
            .take_while(|&&(from, _)| from <= t)
            .last()
            .map_or(0, |&(_, n)| n)
    }

    /// The available headcount (`available`) averaged over each of the day's `intervals`
    /// intervals of length `interval`: an agent present for half an interval counts ½.
    pub fn available_per_interval(&self, interval: SimTime, intervals: u32) -> Vec<f64> {
        let length = interval.0;
        let end_of_day = length.saturating_mul(intervals as u64);
        let mut agent_ns = vec![0.0f64; intervals as usize];
        let points = self.available(interval);
        for (i, &(t, n)) in points.iter().enumerate() {
            let to = points
                .get(i + 1)
                .map_or(end_of_day, |next| next.0 .0)
                .min(end_of_day);
            let mut from = t.0;
            while n > 0 && from < to {
                let k = from / length;
                let end = ((k + 1) * length).min(to);
                agent_ns[k as usize] += (end - from) as f64 * n as f64;
                from = end;
            }
        }
        agent_ns.iter().map(|ns| ns / length as f64).collect()
    }
}

/// What holds callers on the line (`trunks`), per call type. A callback job holds no line
/// (the centre calls out), and a transferred caller keeps the line, or lack of one, of the
/// type it came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LineLimits {
    /// The centre's lines.
    pub centre: Option<u32>,
    /// Per call type, its own limit where it holds every caller of the type: where no
    /// transfer leads into the type (whose transferred callers hold other types' lines).
    pub own: Vec<Option<u32>>,
    /// Per call type, whether some of its callers waiting or in talk may hold no line: the
    /// types with a `callback`, and those a transfer leads into from one of them.
    pub lineless: Vec<bool>,
}

impl LineLimits {
    /// The most callers of the call types in `set` that can be on the line at once
    /// (waiting or in talk), when lines bound them all: the centre's lines, or the sum of
    /// the types' own. `None` when some of them need no line or no limit applies.
    pub fn bounding(&self, set: &[usize]) -> Option<u32> {
        if set.iter().any(|&t| self.lineless[t]) {
            return None;
        }
        let own: Option<u64> = set.iter().map(|&t| self.own[t].map(u64::from)).sum();
        let own = own.map(|n| n.min(u64::from(u32::MAX)) as u32);
        match (self.centre, own) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }
}

impl Model {
    /// Start of interval `k` (simulated time).
    pub fn interval_start(&self, k: u32) -> SimTime {
        SimTime(self.interval.0 * k as u64)
    }

    /// Hours of interval `k` within the day (the last may be cut short).
    pub fn interval_hours(&self, k: u32) -> f64 {
        let start = self.interval_start(k).0;
        let end = (start + self.interval.0).min(self.horizon.0);
        end.saturating_sub(start) as f64 / 3.6e12
    }

    /// Whether no caller of type `t` ever hangs up while waiting (no class of it has a
    /// patience).
    pub fn never_abandons(&self, t: usize) -> bool {
        self.call_types[t]
            .classes
            .clone()
            .all(|c| self.classes[c as usize].patience.is_none())
    }

    /// Forecast calls of type `t` over the day: its rates times the hours of each interval
    /// (first attempts only; retrials, transfers and callbacks come on top).
    pub fn calls_per_day(&self, t: usize) -> f64 {
        (0..self.intervals)
            .map(|k| self.call_types[t].calls_per_hour[k as usize] * self.interval_hours(k))
            .sum()
    }

    /// The first interval that ends after the warm-up: the first one reported.
    pub fn first_reported_interval(&self) -> u32 {
        (self.warmup.0 / self.interval.0) as u32
    }

    /// Clock label of the start of interval `k`: `HH:MM` when intervals start on whole
    /// minutes (every planning day), `HH:MM:SS` on whole seconds, `HH:MM:SS.mmm`
    /// otherwise, so that no two intervals of a day share a label. A simulation longer than
    /// 24 hours would repeat clock times, so each of its labels names the day as well:
    /// `day 2 08:00` (day 1 is the day of `start_time`, day 2 begins at the next midnight).
    pub fn interval_label(&self, k: u32) -> String {
        const MS_PER_DAY: u64 = 86_400_000;
        let from_midnight =
            self.start_of_day_s as u64 * 1000 + self.interval_start(k).0 / 1_000_000;
        let ms = from_midnight % MS_PER_DAY;
        let (hours, minutes) = (ms / 3_600_000, ms / 60_000 % 60);
        let (seconds, millis) = (ms / 1000 % 60, ms % 1000);
        let interval_ns = self.interval.0;
        let clock = if interval_ns % 60_000_000_000 == 0 && self.start_of_day_s % 60 == 0 {
            format!("{hours:02}:{minutes:02}")
        } else if interval_ns % 1_000_000_000 == 0 {
            format!("{hours:02}:{minutes:02}:{seconds:02}")
        } else {
            format!("{hours:02}:{minutes:02}:{seconds:02}.{millis:03}")
        };
        self.with_day(from_midnight / 1000, clock)
    }

    /// Whether the simulation runs longer than 24 hours, so that its clock times recur and
    /// its times are written with their day (`day 2 14:00`).
    pub fn spans_days(&self) -> bool {
        self.horizon.0 > 86_400 * NANOS_PER_SECOND
    }

    /// `clock`, the clock time of `from_midnight_s` seconds after the first midnight, with
    /// its day in front when the simulation spans days (day 1 is the day it starts on).
    pub fn with_day(&self, from_midnight_s: u64, clock: String) -> String {
        if self.spans_days() {
            format!("day {} {clock}", 1 + from_midnight_s / 86_400)
        } else {
            clock
        }
    }

    /// Sets the scenario's service-level threshold, for every class that does not set its
    /// own.
    pub fn set_service_level_threshold(&mut self, threshold: SimTime) {
        self.service_level_threshold = threshold;
        for class in &mut self.classes {
            if !class.own_threshold {
                class.threshold = threshold;
            }
        }
    }

    /// The class's display name: `type` or `type/tier`.
    pub fn class_name(&self, class: ClassId) -> String {
        let c = &self.classes[class as usize];
        let type_name = &self.call_types[c.call_type as usize].name;
        match &c.tier {
            Some(tier) => format!("{type_name}/{tier}"),
            None => type_name.clone(),
        }
    }

    /// What holds each call type's callers on the line ([`LineLimits`]), worked out once.
    pub fn line_limits(&self) -> LineLimits {
        let types = self.call_types.len();
        let transfer_to = |t: usize| self.call_types[t].transfer.as_ref().map(|x| x.to as usize);
        let mut transferred_into = vec![false; types];
        for t in 0..types {
            if let Some(to) = transfer_to(t) {
                transferred_into[to] = true;
            }
        }
        // From each type with a callback along its chain of transfers (transfers never
        // loop), stopping where an earlier walk went on: each type is marked once.
        let mut lineless = vec![false; types];
        for start in (0..types).filter(|&t| self.call_types[t].callback.is_some()) {
            let mut at = Some(start);
            while let Some(t) = at.filter(|&t| !lineless[t]) {
                lineless[t] = true;
                at = transfer_to(t);
            }
        }
        let own = (0..types)
            .map(|t| self.call_types[t].trunks.filter(|_| !transferred_into[t]))
            .collect();
        LineLimits {
            centre: self.trunks,
            own,
            lineless,
        }
    }

    /// The largest headcount any interval gives a group: the engine's agent slots.
    pub fn max_agents(&self, group: GroupId) -> u32 {
        let group = &self.groups[group as usize];
        let by_interval = group.agents_by_interval.iter().copied().max().unwrap_or(0);
        let by_schedule = group
            .schedule(self.interval)
            .iter()
            .map(|&(_, n)| n)
            .max()
            .unwrap_or(0);
        by_interval.max(by_schedule)
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_scaled_headcount_rounds_halves_up_whatever_the_binary_error() {
        use super::{on_the_floor, scaled_headcount};
        assert_eq!(scaled_headcount(45, 0.5), 23);
        assert_eq!(scaled_headcount(45, 0.7), 32);
        assert_eq!(scaled_headcount(45, 0.9), 41);
        assert_eq!(scaled_headcount(10, 1.04), 10);
        assert_eq!(scaled_headcount(10, 1.05), 11);
        assert_eq!(scaled_headcount(0, 1.3), 0);
        // Every schedule up to 1,000 at every whole-percent shrinkage: the nearest agent to
        // the exact product (in hundredths of an agent, integers), halves up.
        for scheduled in 0..=1000u32 {
            for percent in 0..100u32 {
                let hundredths = scheduled * (100 - percent);
                let exact = (hundredths + 50) / 100;
                assert_eq!(
                    on_the_floor(scheduled, f64::from(percent) / 100.0),
                    exact,
                    "{scheduled} at {percent} %"
                );
            }
        }
    }

    use super::*;

    fn group(shifts: Vec<Shift>) -> AgentGroup {
        AgentGroup {
            name: "g".into(),
            agents_by_interval: vec![0],
            skills: vec![0],
            shrinkage: 0.0,
            shifts,
            max_concurrent: 1,
            concurrency_slowdown: 0.0,
        }
    }

    /// The rows' moves keep a row ending apart from one starting at the same time, and add
    /// up, time by time, to the netted schedule (a break from a shift's start, to its end,
    /// or right after another is no move at all).
    #[test]
    fn shift_moves_add_up_to_the_schedule() {
        let m = |min: u64| SimTime(min * 60 * 1_000_000_000);
        let g = group(vec![
            Shift {
                start: m(0),
                end: m(60),
                agents: 10,
                breaks: vec![
                    (m(0), m(5)),
                    (m(20), m(25)),
                    (m(25), m(28)),
                    (m(30), m(40)),
                    (m(40), m(60)),
                ],
            },
            Shift {
                start: m(60),
                end: m(120),
                agents: 10,
                breaks: vec![],
            },
            Shift {
                start: m(35),
                end: m(120),
                agents: 3,
                breaks: vec![(m(60), m(70))],
            },
        ]);
        let moves = g.shift_moves();
        // Row 0: breaks that touch are one break, and a break at either edge moves the edge.
        let first_row: Vec<_> = moves
            .iter()
            .filter(|x| x.time <= m(30))
            .map(|x| (x.time, x.kind))
            .collect();
        assert_eq!(
            first_row,
            vec![
                (m(5), MoveKind::Arrive),
                (m(20), MoveKind::Break { until: m(28) }),
                (m(28), MoveKind::Return),
                (m(30), MoveKind::Leave),
            ]
        );
        let handover: Vec<_> = moves
            .iter()
            .filter(|x| x.time == m(60))
            .map(|x| x.kind)
            .collect();
        assert_eq!(
            handover,
            vec![MoveKind::Break { until: m(70) }, MoveKind::Arrive]
        );
        let schedule = g.schedule(m(30));
        for pair in moves.windows(2) {
            assert_eq!(pair[0].scheduled_after, pair[1].scheduled_before);
        }
        for (i, x) in moves.iter().enumerate() {
            let last_at_time = moves.get(i + 1).is_none_or(|next| next.time != x.time);
            if last_at_time {
                let netted = schedule.iter().rev().find(|p| p.0 <= x.time).unwrap().1;
                assert_eq!(x.scheduled_after, netted, "at {:?}", x.time);
            }
            let arriving = matches!(x.kind, MoveKind::Arrive | MoveKind::Return);
            assert_eq!(x.scheduled_after > x.scheduled_before, arriving, "{x:?}");
        }
        assert_eq!(moves.last().unwrap().scheduled_after, 0);
    }

    /// `least_schedule_for` is the least headcount `on_the_floor` maps to at least the wanted
    /// agents, for every shrinkage on a grid and both sides of the halves.
    #[test]
    fn the_least_schedule_inverts_the_floor_rounding() {
        assert_eq!(on_the_floor(10, 0.25), 8);
        assert_eq!(least_schedule_for(8, 0.25), 10);
        assert_eq!(least_schedule_for(14, 0.3), 20);
        assert_eq!(least_schedule_for(0, 0.5), 0);
        for percent in 0..100 {
            let shrinkage = f64::from(percent) / 100.0;
            for wanted in 0..300 {
                let least = least_schedule_for(wanted, shrinkage);
                assert!(
                    on_the_floor(least, shrinkage) >= wanted,
                    "{wanted} at {shrinkage}"
                );
                assert!(
                    least == 0 || on_the_floor(least - 1, shrinkage) < wanted,
                    "{wanted} at {shrinkage}: {least} is not the least"
                );
            }
        }
    }
}
