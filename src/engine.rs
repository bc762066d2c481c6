//! The discrete-event core: one replication of a model, event by event.
//!
//! Lifecycle of a run:
//! 1. [`Simulation::new`] builds the state for (model, router, replication): empty queues,
//!    agent pools at the first interval's headcount, the first arrival of each call type and
//!    every later headcount change in the calendar.
//! 2. [`Simulation::run_until`] pops events in exact time order (ties in scheduling order)
//!    and applies them: arrivals, service ends, patience timers, staffing changes.
//! 3. [`Simulation::finish`] runs to the end (arrivals stop at the horizon; calls in the
//!    centre are still served) and returns the replication's [`Tally`].
//!
//! Each caller's handle time and patience are drawn from the call type's own streams when
//! the caller arrives, so the same (model, seed, replication) gives the same callers whatever
//! the routing or staffing. The loop allocates nothing per event in the steady state: calls
//! live in a slab of reused slots, agents in fixed pools, events in a preallocated heap.

mod calendar;
mod calls;
mod intraday;
mod observer;
mod pools;
mod snapshot;
mod staffing;

pub use calendar::{Calendar, Event};
pub use intraday::StartState;
pub use observer::{CallRecord, Observer, Outcome};
pub use snapshot::{CallCounts, GroupState, Snapshot, TypeState};
pub use staffing::{StaffingError, MAX_HEADCOUNT};

use crate::dist::{stream, PiecewisePoisson, Purpose, Stream};
use crate::model::Model;
use crate::routing::{CentreView, Router};
use crate::stats::Tally;
use crate::time::SimTime;
use calls::{Queues, WaitingCall};
use pools::Pools;

/// The random sources of one call type.
struct CallSource {
    arrivals: PiecewisePoisson,
    arrival_stream: Stream,
    handle_stream: Stream,
    patience_stream: Stream,
}

/// One replication in progress.
pub struct Simulation<'m, R: Router, O: Observer = ()> {
    model: &'m Model,
    router: R,
    observer: O,
    now: SimTime,
    calendar: Calendar,
    queues: Queues,
    pools: Pools,
    sources: Vec<CallSource>,
    tally: Tally,
    /// When each group's count of agents on the floor last changed (for staffed time).
    present_since: Vec<SimTime>,
    /// Runtime changes to the scheduled headcounts (see [`Simulation::change_staffing`]).
    staffing: staffing::Overrides,
}

impl<'m, R: Router> Simulation<'m, R> {
    /// The state at time zero of replication `replication` of `model`, routed by `router`.
    pub fn new(model: &'m Model, router: R, replication: u32) -> Simulation<'m, R> {
        Simulation::observed(model, router, (), replication)
    }
}

impl<'m, R: Router, O: Observer> Simulation<'m, R, O> {
    /// As [`Simulation::new`], with `observer` told of every call's outcome.
    pub fn observed(
        model: &'m Model,
        router: R,
        observer: O,
        replication: u32,
    ) -> Simulation<'m, R, O> {
        let types = model.call_types.len();
        let groups = model.groups.len();
        let slots: Vec<u32> = (0..groups as u32).map(|g| model.max_agents(g)).collect();
        let total_agents: u32 = slots.iter().sum();
        let mut sim = Simulation {
            model,
            router,
            observer,
            now: SimTime::ZERO,
            calendar: Calendar::with_capacity(total_agents as usize + 4 * types + 64),
            queues: Queues::new(types),
            pools: Pools::new(&slots),
            sources: model
                .call_types
                .iter()
                .enumerate()
                .map(|(t, ct)| CallSource {
                    arrivals: PiecewisePoisson::new(
                        &ct.calls_per_hour,
                        model.interval,
                        model.horizon,
                    ),
                    arrival_stream: stream(model.seed, replication, t as u32, Purpose::Arrivals),
                    handle_stream: stream(model.seed, replication, t as u32, Purpose::HandleTime),
                    patience_stream: stream(model.seed, replication, t as u32, Purpose::Patience),
                })
                .collect(),
            tally: Tally::new(
                types,
                groups,
                model.intervals,
                model.interval,
                (model.warmup, model.horizon),
                model.service_level_threshold,
            ),
            present_since: vec![SimTime::ZERO; groups],
            staffing: staffing::Overrides::default(),
        };
        for (g, group) in model.groups.iter().enumerate() {
            sim.pools
                .set_headcount(g as u32, group.agents_by_interval[0]);
            for k in 1..model.intervals {
                if group.agents_by_interval[k as usize] != group.agents_by_interval[k as usize - 1]
                {
                    let event = Event::StaffingChange {
                        group: g as u32,
                        interval: k,
                    };
                    sim.calendar.schedule(model.interval_start(k), event);
                }
            }
        }
        for t in 0..types as u32 {
            sim.schedule_next_arrival(t);
        }
        sim
    }

    /// The current simulated time.
    pub fn now(&self) -> SimTime {
        self.now
    }

    /// Processes every event up to and including `until`; the clock then reads `until` (or
    /// the last event's time if the calendar emptied earlier).
    pub fn run_until(&mut self, until: SimTime) {
        while let Some(time) = self.calendar.next_time() {
            if time > until {
                self.now = until;
                return;
            }
            let (time, event) = self.calendar.pop().expect("peeked");
            self.now = time;
            self.handle(event);
        }
    }

    /// Runs to the end (no more events) and returns what the replication counted. Calls
    /// still waiting then (nobody left who could answer them) are counted as unserved.
    pub fn finish(self) -> Tally {
        self.finish_observed().0
    }

    /// As [`Simulation::finish`], also returning the observer.
    pub fn finish_observed(mut self) -> (Tally, O) {
        self.run_until(SimTime::NEVER);
        for call in self.queues.drain() {
            self.tally.unserved(call.cell);
            self.observe(&call, Outcome::Unserved);
        }
        let end = self.now.max(self.model.horizon);
        for g in 0..self.model.groups.len() as u32 {
            let present = self.pools.present(g);
            self.tally
                .staffed(g, present, self.present_since[g as usize], end);
        }
        (self.tally, self.observer)
    }

    #[inline(always)]
    fn observe(&mut self, call: &WaitingCall, outcome: Outcome) {
        let record = CallRecord {
            call_type: call.call_type,
            arrival: call.arrival,
            end_of_wait: self.now,
            handle: call.handle,
            counted: call.cell != crate::stats::NOT_COUNTED,
            outcome,
        };
        self.observer.call_ended(&record);
    }

    #[inline]
    fn handle(&mut self, event: Event) {
        match event {
            Event::Arrival { call_type } => self.on_arrival(call_type),
            Event::ServiceEnd { agent } => self.on_service_end(agent),
            Event::PatienceExpires { call, generation } => {
                if self.queues.live(call, generation) {
                    let call = self.queues.remove(call);
                    self.tally.abandoned(call.cell);
                    self.observe(&call, Outcome::Abandoned);
                }
            }
            Event::StaffingChange { group, interval } => self.on_staffing_change(group, interval),
        }
    }

    fn schedule_next_arrival(&mut self, call_type: u32) {
        let source = &mut self.sources[call_type as usize];
        if let Some(next) = source
            .arrivals
            .next_after(self.now, &mut source.arrival_stream)
        {
            self.calendar.schedule(next, Event::Arrival { call_type });
        }
    }

    #[inline]
    fn on_arrival(&mut self, call_type: u32) {
        self.schedule_next_arrival(call_type);
        let spec = &self.model.call_types[call_type as usize];
        let source = &mut self.sources[call_type as usize];
        let handle = spec.handle_time.sample(&mut source.handle_stream);
        let patience = spec
            .patience
            .as_ref()
            .map(|p| p.sample(&mut source.patience_stream));
        let call = WaitingCall {
            call_type,
            arrival: self.now,
            handle,
            cell: self.tally.cell_of(call_type, self.now),
        };
        self.tally.offered(call.cell);

        let view = CentreView {
            now: self.now,
            idle_agents: self.pools.idle_counts(),
            waiting_calls: self.queues.waiting(),
            oldest_arrival: self.queues.oldest_arrivals(),
        };
        if let Some(group) = self.router.group_for_call(call_type, &view) {
            let agent = self
                .pools
                .take_idle(group, call_type)
                .expect("router chose a group with an idle agent");
            self.start_service(agent, group, call);
            return;
        }
        self.tally.queued(call.cell);
        let (slot, generation) = self.queues.push(call);
        if let Some(patience) = patience {
            let event = Event::PatienceExpires {
                call: slot,
                generation,
            };
            self.calendar
                .schedule(self.now.saturating_add(patience), event);
        }
    }

    #[inline]
    fn start_service(&mut self, agent: u32, group: u32, call: WaitingCall) {
        self.tally.answered(
            call.cell,
            call.call_type,
            group,
            call.arrival,
            self.now,
            call.handle,
        );
        self.observe(&call, Outcome::Answered { group });
        self.calendar.schedule(
            self.now.saturating_add(call.handle),
            Event::ServiceEnd { agent },
        );
    }

    #[inline]
    fn on_service_end(&mut self, agent: u32) {
        let group = self.pools.agent(agent).group;
        if !self.pools.finish(agent) {
            self.note_present_change(group, 1);
            return;
        }
        match self.next_call_for(group) {
            Some(call) => {
                self.pools.keep_busy(agent, call.call_type);
                self.start_service(agent, group, call);
            }
            None => self.pools.make_idle(agent),
        }
    }

    /// The waiting call a free agent of `group` takes, if the router picks one.
    #[inline]
    fn next_call_for(&mut self, group: u32) -> Option<WaitingCall> {
        let view = CentreView {
            now: self.now,
            idle_agents: self.pools.idle_counts(),
            waiting_calls: self.queues.waiting(),
            oldest_arrival: self.queues.oldest_arrivals(),
        };
        let call_type = self.router.call_type_for_agent(group, &view)?;
        let call = self.queues.pop_front(call_type);
        debug_assert!(
            call.is_some(),
            "router chose a call type with no call waiting"
        );
        call
    }

    fn on_staffing_change(&mut self, group: u32, interval: u32) {
        let before = self.pools.present(group);
        let target = self.headcount_target(group, interval);
        let arrived = self.pools.set_headcount(group, target);
        let after = self.pools.present(group);
        if after != before {
            self.account_staffed(group, before);
        }
        // New agents take waiting calls at once.
        for _ in 0..arrived.0 {
            let Some(call) = self.next_call_for(group) else {
                break;
            };
            let agent = self
                .pools
                .take_idle(group, call.call_type)
                .expect("a new agent is idle");
            self.start_service(agent, group, call);
        }
    }

    /// An agent of `group` left after finishing a call: `by` fewer on the floor.
    fn note_present_change(&mut self, group: u32, by: u32) {
        let before = self.pools.present(group) + by;
        self.account_staffed(group, before);
    }

    /// Adds the staffed time of `group` since the last change, when `count` were present.
    fn account_staffed(&mut self, group: u32, count: u32) {
        let since = std::mem::replace(&mut self.present_since[group as usize], self.now);
        self.tally.staffed(group, count, since, self.now);
    }
}

/// Runs replication `replication` of `model` with `router` to the end.
pub fn simulate<R: Router>(model: &Model, router: R, replication: u32) -> Tally {
    Simulation::new(model, router, replication).finish()
}
