//! The state of a run at an instant, for wallboards and state files.
//!
//! A [`Snapshot`] is built on demand from the queues, pools and tally, between two calls of
//! [`Simulation::run_until`]: the event loop does no extra work for it, so a run that nobody
//! watches is exactly as fast as before. Building one costs O(types × intervals + groups).

use super::{Observer, Simulation};
use crate::routing::Router;
use crate::stats::CallCell;
use crate::time::SimTime;

/// What a wallboard shows, by id (no names): queues, agents, and the day's service so far.
#[derive(Debug, Clone, PartialEq)]
pub struct Snapshot {
    /// The simulated clock.
    pub now: SimTime,
    /// The interval the clock is in.
    pub interval: u32,
    /// Whether nothing more can happen (no event left).
    pub done: bool,
    /// Per call type, by id.
    pub call_types: Vec<TypeState>,
    /// Per agent group, by id.
    pub groups: Vec<GroupState>,
    /// Calls counted so far (arrived after the warm-up), all call types, all intervals.
    pub today: CallCounts,
    /// Calls counted so far that arrived in the current interval, all call types.
    pub current_interval: CallCounts,
}

/// One call type's queue now.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TypeState {
    /// Calls waiting.
    pub waiting: u32,
    /// How long the longest-waiting call has waited (zero if none waits).
    pub longest_wait: SimTime,
    /// Calls of this type counted so far today.
    pub today: CallCounts,
}

/// One agent group now. `idle + talking + wrap_up + on_break` are the agents on the floor;
/// `off_shift` the rest of the group's largest scheduled headcount of the day.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GroupState {
    /// Agents with no contact in hand, waiting for one.
    pub idle: u32,
    /// Agents on a call or chat (including those who leave when it ends).
    pub talking: u32,
    /// Agents in after-call work (for a chat desk: contacts in wrap-up, at most the busy
    /// agents).
    pub wrap_up: u32,
    /// Scheduled agents on a break now (before shrinkage).
    pub on_break: u32,
    /// Agents of the day's largest scheduled headcount (after shrinkage) neither on the
    /// floor nor on a break; agents added or removed at runtime do not count.
    pub off_shift: u32,
    /// Agents on a call who leave when it ends (the headcount dropped under them).
    pub leaving: u32,
    /// The headcount the group should have now: the schedule plus the runtime delta.
    pub headcount: u32,
    /// The runtime delta to the schedule (see [`Simulation::change_staffing`]).
    pub delta: i64,
}

/// Counts of calls that ended, with the sums service level and ASA need.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct CallCounts {
    /// Calls that arrived.
    pub offered: u64,
    /// Calls answered.
    pub answered: u64,
    /// Calls abandoned.
    pub abandoned: u64,
    /// Calls answered within the service-level threshold.
    pub answered_within_threshold: u64,
    /// Sum of the waits of answered calls, ns.
    pub wait_ns: u128,
}

impl CallCounts {
    fn add(&mut self, cell: &CallCell) {
        self.offered += cell.offered;
        self.answered += cell.answered;
        self.abandoned += cell.abandoned;
        self.answered_within_threshold += cell.answered_within_threshold;
        self.wait_ns += cell.wait_ns;
    }

    /// Answered within the threshold ÷ (answered + abandoned), as in the report; `None`
    /// before any call ended.
    pub fn service_level(&self) -> Option<f64> {
        let ended = self.answered + self.abandoned;
        (ended > 0).then(|| self.answered_within_threshold as f64 / ended as f64)
    }

    /// Abandoned ÷ (answered + abandoned); `None` before any call ended.
    pub fn abandon_rate(&self) -> Option<f64> {
        let ended = self.answered + self.abandoned;
        (ended > 0).then(|| self.abandoned as f64 / ended as f64)
    }

    /// Mean wait of answered calls, seconds; `None` before any call was answered.
    pub fn asa_s(&self) -> Option<f64> {
        (self.answered > 0).then(|| self.wait_ns as f64 / 1e9 / self.answered as f64)
    }
}

impl<R: Router, O: Observer> Simulation<'_, R, O> {
    /// Whether nothing more can happen: no arrival, service end or timer is left.
    pub fn is_done(&self) -> bool {
        self.calendar.is_empty()
    }

    /// Lines (trunks) held now: in the whole centre, and per call type, by id. Every line
    /// is given back when its call ends, so both read zero once the day has drained.
    pub fn lines_in_use(&self) -> (u32, &[u32]) {
        (self.lines_in_use, &self.lines_in_use_by_type)
    }

    /// The state now. Statistics are those of the report so far: calls that arrived after
    /// the warm-up and have ended (answered or abandoned), by the interval they arrived in.
    pub fn snapshot(&self) -> Snapshot {
        let model = self.model;
        let current = self.current_interval();
        let mut today = CallCounts::default();
        let mut current_interval = CallCounts::default();
        let call_types = model
            .call_types
            .iter()
            .map(|ct| {
                let mut type_today = CallCounts::default();
                let mut waiting = 0;
                let mut oldest = SimTime::NEVER;
                for c in ct.classes.clone().map(|c| c as usize) {
                    for k in 0..=current as usize {
                        type_today.add(self.tally.call_cell(k, c));
                    }
                    current_interval.add(self.tally.call_cell(current as usize, c));
                    waiting += self.queues.waiting()[c];
                    oldest = oldest.min(self.queues.oldest_arrivals()[c]);
                }
                today.offered += type_today.offered;
                today.answered += type_today.answered;
                today.abandoned += type_today.abandoned;
                today.answered_within_threshold += type_today.answered_within_threshold;
                today.wait_ns += type_today.wait_ns;
                TypeState {
                    waiting,
                    longest_wait: if oldest == SimTime::NEVER {
                        SimTime::ZERO
                    } else {
                        self.now - oldest
                    },
                    today: type_today,
                }
            })
            .collect();
        let groups = (0..model.groups.len() as u32)
            .map(|g| {
                let present = self.pools.present(g);
                let idle = self.pools.idle(g);
                let wrap_up = self.wrapping[g as usize].min(present - idle);
                let on_break = model.groups[g as usize]
                    .shifts
                    .iter()
                    .filter(|s| {
                        s.breaks
                            .iter()
                            .any(|&(from, to)| from <= self.now && self.now < to)
                    })
                    .map(|s| s.agents)
                    .sum();
                GroupState {
                    idle,
                    talking: present - idle - wrap_up,
                    wrap_up,
                    on_break,
                    // The day's largest scheduled headcount (after shrinkage), not agents
                    // a supervisor added and removed since.
                    off_shift: self.staffing[g as usize]
                        .iter()
                        .map(|&(_, n)| n)
                        .max()
                        .unwrap_or(0)
                        .saturating_sub(present + on_break),
                    leaving: self.pools.leaving(g),
                    headcount: self.headcount(g),
                    delta: self.staffing_delta(g),
                }
            })
            .collect();
        Snapshot {
            now: self.now,
            interval: current,
            done: self.is_done(),
            call_types,
            groups,
            today,
            current_interval,
        }
    }
}
