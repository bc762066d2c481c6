//! The discrete-event core: one replication of a model, event by event.
//!
//! Lifecycle of a run:
//! 1. [`Simulation::new`] builds the state for (model, router, replication): empty queues,
//!    agent pools at the first interval's headcount, the first arrival of each call type and
//!    every later headcount change in the calendar.
//! 2. [`Simulation::run_until`] pops events in exact time order (ties in scheduling order)
//!    and applies them: arrivals, service ends, patience timers, overflow timers, staffing
//!    changes.
//! 3. [`Simulation::finish`] runs to the end (arrivals stop at the horizon; calls in the
//!    centre are still served) and returns the replication's [`Tally`].
//!
//! Each caller's tier, handle time and patience are drawn from the call type's own streams
//! when the caller arrives, so the same (model, seed, replication) gives the same callers
//! whatever the routing or staffing. The loop allocates nothing per event in the steady
//! state: calls live in a slab of reused slots, agents in fixed pools, events in a heap that
//! reaches its working size.

mod calendar;
mod calls;
mod observer;
mod pools;

pub use calendar::{Calendar, Event};
pub use observer::{CallRecord, Observer, Outcome};

use rand::Rng;

use crate::dist::{stream, PiecewisePoisson, Purpose, Stream};
use crate::model::Model;
use crate::routing::{CentreView, Router};
use crate::stats::{Tally, NOT_COUNTED};
use crate::time::SimTime;
use calls::{Queues, WaitingCall};
use pools::Pools;

/// The random sources of one call type.
struct CallSource {
    arrivals: PiecewisePoisson,
    arrival_stream: Stream,
    handle_stream: Stream,
    patience_stream: Stream,
    tier_stream: Stream,
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
}

/// A read-only view of the centre, built from disjoint fields so the router can be borrowed
/// mutably beside it.
macro_rules! centre_view {
    ($sim:expr) => {
        CentreView {
            now: $sim.now,
            idle_agents: $sim.pools.idle_counts(),
            longest_idle_since: $sim.pools.longest_idle_since(),
            waiting_calls: $sim.queues.waiting(),
            oldest_arrival: $sim.queues.oldest_arrivals(),
        }
    };
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
        let seed = model.seed;
        let mut sim = Simulation {
            model,
            router,
            observer,
            now: SimTime::ZERO,
            calendar: Calendar::with_capacity(total_agents as usize + 4 * types + 64),
            queues: Queues::new(model.classes.len()),
            pools: Pools::new(&slots),
            sources: model
                .call_types
                .iter()
                .enumerate()
                .map(|(t, ct)| {
                    let t = t as u32;
                    CallSource {
                        arrivals: PiecewisePoisson::new(
                            &ct.calls_per_hour,
                            model.interval,
                            model.horizon,
                        ),
                        arrival_stream: stream(seed, replication, t, Purpose::Arrivals),
                        handle_stream: stream(seed, replication, t, Purpose::HandleTime),
                        patience_stream: stream(seed, replication, t, Purpose::Patience),
                        tier_stream: stream(seed, replication, t, Purpose::Tier),
                    }
                })
                .collect(),
            tally: Tally::new(
                model.classes.iter().map(|c| c.threshold).collect(),
                groups,
                model.intervals,
                model.interval,
                (model.warmup, model.horizon),
            ),
            present_since: vec![SimTime::ZERO; groups],
        };
        for (g, group) in model.groups.iter().enumerate() {
            sim.pools
                .set_headcount(g as u32, group.agents_by_interval[0], SimTime::ZERO);
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
            class: call.class,
            arrival: call.arrival,
            end_of_wait: self.now,
            handle: call.handle,
            counted: call.cell != NOT_COUNTED,
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
            Event::Overflow {
                call,
                generation,
                step,
            } => self.on_overflow(call, generation, step),
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
        let class = if spec.tier_cumulative_shares.len() > 1 {
            let u: f64 = source.tier_stream.random();
            let tier = spec
                .tier_cumulative_shares
                .iter()
                .position(|&s| u < s)
                .unwrap_or(0);
            spec.classes.start + tier as u32
        } else {
            spec.classes.start
        };
        let handle = spec.handle_time.sample(&mut source.handle_stream);
        let patience = self.model.classes[class as usize]
            .patience
            .as_ref()
            .map(|p| p.sample(&mut source.patience_stream));
        let call = WaitingCall {
            class,
            call_type,
            arrival: self.now,
            handle,
            cell: self.tally.cell_of(class, self.now),
        };
        self.tally.offered(call.cell);

        let view = centre_view!(self);
        if let Some(group) = self.router.group_for_call(class, SimTime::ZERO, &view) {
            self.serve_now(group, call);
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
        self.schedule_overflow(class, slot, generation, 0);
    }

    /// Schedules overflow step `step` of a waiting call, if its class has one.
    #[inline]
    fn schedule_overflow(&mut self, class: u32, slot: u32, generation: u32, step: u32) {
        let steps = &self.model.routing.overflow_steps[class as usize];
        if let Some(&delay) = steps.get(step as usize) {
            let arrival = self.queues.arrival(slot);
            let event = Event::Overflow {
                call: slot,
                generation,
                step,
            };
            self.calendar.schedule(arrival.saturating_add(delay), event);
        }
    }

    /// A waiting call has waited long enough to be offered to more groups.
    fn on_overflow(&mut self, slot: u32, generation: u32, step: u32) {
        if !self.queues.live(slot, generation) {
            return;
        }
        let class = self.queues.class(slot);
        let waited = self.model.routing.overflow_steps[class as usize][step as usize];
        let view = centre_view!(self);
        if let Some(group) = self.router.group_for_call(class, waited, &view) {
            let call = self.queues.remove(slot);
            self.serve_now(group, call);
        } else {
            self.schedule_overflow(class, slot, generation, step + 1);
        }
    }

    /// The longest-idle agent of `group` (which the router found idle) takes `call`.
    #[inline]
    fn serve_now(&mut self, group: u32, call: WaitingCall) {
        let agent = self
            .pools
            .take_idle(group, call.class)
            .expect("the router chose a group with an idle agent");
        self.start_service(agent, group, call);
    }

    #[inline]
    fn start_service(&mut self, agent: u32, group: u32, call: WaitingCall) {
        self.tally.answered(
            call.cell,
            call.class,
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
                self.pools.keep_busy(agent, call.class);
                self.start_service(agent, group, call);
            }
            None => self.pools.make_idle(agent, self.now),
        }
    }

    /// The waiting call a free agent of `group` takes, if the router picks one.
    #[inline]
    fn next_call_for(&mut self, group: u32) -> Option<WaitingCall> {
        let view = centre_view!(self);
        let class = self.router.class_for_agent(group, &view)?;
        let call = self.queues.pop_front(class);
        debug_assert!(call.is_some(), "router chose a class with no call waiting");
        call
    }

    fn on_staffing_change(&mut self, group: u32, interval: u32) {
        let before = self.pools.present(group);
        let target = self.model.groups[group as usize].agents_by_interval[interval as usize];
        let arrived = self.pools.set_headcount(group, target, self.now);
        if self.pools.present(group) != before {
            self.account_staffed(group, before);
        }
        // New agents take waiting calls at once.
        for _ in 0..arrived.0 {
            let Some(call) = self.next_call_for(group) else {
                break;
            };
            self.serve_now(group, call);
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
