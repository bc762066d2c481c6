//! Starting a replication from a live state instead of an empty centre at time zero, and
//! reading such a state back from a running simulation.
//!
//! A [`StartState`] is what a supervisor knows at an instant: the time, the calls waiting
//! (and how long each has waited), the agents on a call (per group and call type), and the
//! staffing from now on (the schedule plus a delta). What is not known is drawn:
//! - the **remaining handle time** of a call in progress is a fresh draw from the call
//!   type's handle-time distribution: exact for exponential handle times (memoryless),
//!   an approximation for the others (it ignores how long the call has already lasted);
//! - the **remaining patience** of a waiting caller is drawn from the patience distribution
//!   conditioned on exceeding the wait so far (by rejection, up to 64 draws; if none
//!   exceeds it, a fresh draw): exact for every distribution up to that bound;
//! - the handle time of a waiting caller is a fresh draw, as for any caller.
//!
//! These draws come from their own streams (call-type ids with the top bits set, which no
//! real call type has), apart from the streams of the callers who arrive after the state;
//! those start afresh at the state's time (a Poisson process is memoryless, so this is
//! exact). Two forecasts from the same state that differ only in staffing or routing thus
//! see the very same callers: common random numbers hold between them. (They are not the
//! callers a run from time zero would see after that time: its streams were consumed by
//! the hours before.)

use super::calendar::{Calendar, Event};
use super::calls::{WaitingCall, NO_LINE};
use super::pools::Pools;
use super::{call_sources, InService, Observer, Simulation};
use crate::dist::{stream, CallerDraws, Purpose};
use crate::model::Model;
use crate::routing::Router;
use crate::stats::NOT_COUNTED;
use crate::time::SimTime;

/// Marks the streams of the calls waiting in a start state.
const STATE_WAITING: u32 = 1 << 31;
/// Marks the streams of the calls in progress in a start state.
const STATE_TALKING: u32 = 1 << 30;
/// Draws tried for a patience longer than the wait so far.
const PATIENCE_TRIES: u32 = 64;

/// A live state to start from, by id. Missing entries (shorter vectors) mean none / zero.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct StartState {
    /// The simulated time of the state.
    pub at: SimTime,
    /// Per call type, how long each waiting call has waited (each at most `at`).
    pub waiting: Vec<Vec<SimTime>>,
    /// Per group, per call type: agents on a call of that type.
    pub talking: Vec<Vec<u32>>,
    /// Per group: agents added to (negative: removed from) the schedule from `at` on.
    pub staffing_delta: Vec<i64>,
}

impl<'m, R: Router> Simulation<'m, R> {
    /// Replication `replication` of `model` starting from `state` rather than from an empty
    /// centre at time zero. From the empty state at time zero it is exactly
    /// [`Simulation::new`]: the same events in the same order.
    ///
    /// Calls waiting in the state are counted in the interval of `state.at` (as if they
    /// arrived then), with their real waits; calls in progress are not counted (their
    /// outcome belongs to the past), but their remaining talk time is agent busy time.
    pub fn from_state(
        model: &'m Model,
        router: R,
        replication: u32,
        state: &StartState,
    ) -> Simulation<'m, R> {
        let mut sim = Simulation::new(model, router, replication);
        sim.restart(replication, state);
        sim
    }
}

impl<R: Router, O: Observer> Simulation<'_, R, O> {
    /// Throws away the time-zero schedule of a fresh simulation and sets up `state`.
    fn restart(&mut self, replication: u32, state: &StartState) {
        let model = self.model;
        let (types, groups) = (model.call_types.len(), model.groups.len());
        let at = state.at;
        self.now = at;
        self.calendar = Calendar::with_capacity(self.calendar.len() + 64);
        self.sources = call_sources(model, replication);
        self.present_since = vec![at; groups];
        let talking = |g: usize, t: usize| -> u32 {
            state
                .talking
                .get(g)
                .and_then(|row| row.get(t))
                .copied()
                .unwrap_or(0)
        };
        let mut slots = Vec::with_capacity(groups);
        for g in 0..groups as u32 {
            let delta = state.staffing_delta.get(g as usize).copied().unwrap_or(0);
            self.overrides.set(groups, g, delta);
            let point = self.current_point(g);
            let largest = (point..self.staffing[g as usize].len() as u32)
                .map(|p| self.headcount_target(g, p))
                .max()
                .unwrap_or(0);
            let busy: u32 = (0..types).map(|t| talking(g as usize, t)).sum();
            slots.push(model.max_agents(g).max(largest).max(busy));
        }
        let capacity: Vec<u32> = model.groups.iter().map(|g| g.max_concurrent).collect();
        self.pools = Pools::new(&slots, &capacity);

        let mut busy_streams: Vec<_> = (0..types as u32)
            .map(|t| {
                stream(
                    model.seed,
                    replication,
                    STATE_TALKING | t,
                    Purpose::HandleTime,
                )
            })
            .collect();
        for g in 0..groups as u32 {
            let point = self.current_point(g);
            let target = self.headcount_target(g, point);
            let busy: u32 = (0..types).map(|t| talking(g as usize, t)).sum();
            // Chat agents hold several contacts: enough agents for the contacts in hand.
            let capacity = model.groups[g as usize].max_concurrent;
            self.pools
                .set_headcount(g, target.max(busy.div_ceil(capacity)), at);
            for t in 0..types as u32 {
                for talked in 0..talking(g as usize, t as usize) {
                    let spec = &model.call_types[t as usize];
                    let class = spec.classes.start;
                    let agent = self
                        .pools
                        .take_idle(g, class)
                        .expect("the headcount covers the agents talking");
                    let remaining = spec.handle_time.sample(&mut busy_streams[t as usize]);
                    let mut call = WaitingCall {
                        class,
                        call_type: t,
                        arrival: at,
                        entered: at,
                        handle: remaining,
                        cell: NOT_COUNTED,
                        patience: SimTime::NEVER,
                        attempt: 1,
                        line: NO_LINE,
                        draws: CallerDraws::new(
                            model.seed,
                            replication,
                            STATE_TALKING | t,
                            (g as u64) << 32 | talked as u64,
                        ),
                    };
                    self.take_line(&mut call);
                    // Busy time only: the call's outcome belongs to the past.
                    self.tally
                        .answered(NOT_COUNTED, class, g, at, at, remaining);
                    let contact = self.in_service.start(InService {
                        call,
                        agent,
                        group: g,
                    });
                    self.calendar
                        .schedule(at.saturating_add(remaining), Event::ServiceEnd { contact });
                }
            }
            if busy.div_ceil(capacity) > target {
                // The excess leave as they finish, as after a scheduled drop.
                self.pools.set_headcount(g, target, at);
            }
            for index in point as usize + 1..self.staffing[g as usize].len() {
                let (time, n) = self.staffing[g as usize][index];
                if n != self.staffing[g as usize][index - 1].1 {
                    let event = Event::StaffingChange {
                        group: g,
                        interval: index as u32,
                    };
                    self.calendar.schedule(time, event);
                }
            }
        }
        match self.trace {
            Some(trace) => {
                let next = trace.partition_point(|c| c.arrival < at);
                if let Some(call) = trace.get(next) {
                    self.calendar
                        .schedule(call.arrival, Event::Replay { index: next as u32 });
                }
            }
            None => {
                for t in 0..types as u32 {
                    self.schedule_next_arrival(t);
                }
            }
        }

        for (t, waits) in state.waiting.iter().enumerate().take(types) {
            let spec = &model.call_types[t];
            let mut handle_stream = stream(
                model.seed,
                replication,
                STATE_WAITING | t as u32,
                Purpose::HandleTime,
            );
            let mut patience_stream = stream(
                model.seed,
                replication,
                STATE_WAITING | t as u32,
                Purpose::Patience,
            );
            let mut waits = waits.clone();
            waits.sort_unstable_by(|a, b| b.cmp(a));
            for (queued, waited) in waits.into_iter().enumerate() {
                let class = spec.classes.start;
                let since = SimTime(at.0.saturating_sub(waited.0));
                let mut call = WaitingCall {
                    class,
                    call_type: t as u32,
                    arrival: since,
                    entered: since,
                    handle: spec.handle_time.sample(&mut handle_stream),
                    cell: self.tally.cell_of(class, at),
                    patience: SimTime::NEVER,
                    attempt: 1,
                    line: NO_LINE,
                    draws: CallerDraws::new(
                        model.seed,
                        replication,
                        STATE_WAITING | t as u32,
                        queued as u64,
                    ),
                };
                self.take_line(&mut call);
                self.tally.offered(call.cell);
                self.tally.queued(call.cell);
                let remaining = model.classes[class as usize].patience.as_ref().map(|p| {
                    (0..PATIENCE_TRIES)
                        .map(|_| p.sample(&mut patience_stream))
                        .find(|&patience| patience > waited)
                        .map_or_else(|| p.sample(&mut patience_stream), |p| p - waited)
                });
                let (slot, generation) = self.queues.push(call);
                if let Some(remaining) = remaining {
                    let event = Event::PatienceExpires {
                        call: slot,
                        generation,
                    };
                    self.calendar.schedule(at.saturating_add(remaining), event);
                }
                // Overflow steps still ahead of this caller.
                let steps = &model.routing.overflow_steps[class as usize];
                let ahead = steps.partition_point(|&d| d <= waited) as u32;
                self.schedule_overflow(class, slot, generation, ahead);
            }
        }
        // A state may have idle agents and calls they could take: they take them now.
        for g in 0..groups as u32 {
            while self.pools.idle_counts()[g as usize] > 0 {
                let Some(call) = self.next_call_for(g) else {
                    break;
                };
                self.serve_now(g, call);
            }
        }
    }

    /// The live state now, for starting a forecast from it (see [`StartState`]). Callback
    /// jobs are left out: they are not callers on the line.
    pub fn state(&self) -> StartState {
        let model = self.model;
        let (types, groups) = (model.call_types.len(), model.groups.len());
        let waiting = model
            .call_types
            .iter()
            .map(|ct| {
                let callback = ct.callback.as_ref().map(|c| c.class);
                let mut waits: Vec<SimTime> = ct
                    .classes
                    .clone()
                    .filter(|&c| Some(c) != callback)
                    .flat_map(|c| self.queues.iter(c).map(|call| self.now - call.arrival))
                    .collect();
                waits.sort_unstable_by(|a, b| b.cmp(a));
                waits
            })
            .collect();
        let mut talking = vec![vec![0u32; types]; groups];
        for (_, event) in self.calendar.events() {
            if let Event::ServiceEnd { contact } = event {
                let InService { call, group, .. } = *self.in_service.get(contact);
                talking[group as usize][call.call_type as usize] += 1;
            }
        }
        StartState {
            at: self.now,
            waiting,
            talking,
            staffing_delta: (0..groups as u32).map(|g| self.staffing_delta(g)).collect(),
        }
    }
}
