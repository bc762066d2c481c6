//! The discrete-event core: one replication of a model, event by event.
//!
//! Lifecycle of a run:
//! 1. [`Simulation::new`] builds the state for (model, router, replication): empty queues,
//!    agent pools at the first interval's headcount, the first arrival of each call type and
//!    every later headcount change in the calendar.
//! 2. [`Simulation::run_until`] pops events in exact time order (ties in scheduling order)
//!    and applies them: arrivals (random, replayed, redials), IVR ends, talk and wrap-up
//!    ends, patience timers, overflow timers, staffing changes.
//!
//! A call's path: lines (trunks) → IVR (self-service or on) → queue → agent → talk →
//! transfer to another type's queue, or wrap-up; blocked and abandoning callers may redial,
//! unresolved ones call again later. Every attempt ends exactly once: answered, abandoned,
//! blocked, deflected or unserved.
//! 3. [`Simulation::finish`] runs to the end (arrivals stop at the horizon; calls in the
//!    centre are still served) and returns the replication's [`Tally`].
//!
//! Each new caller's tier, handle time and patience are drawn from the call type's own
//! streams when the caller arrives, and everything decided for it later from its own
//! [`CallerDraws`], so the same (model, seed, replication) gives the same callers whatever
//! the routing or staffing. The loop allocates nothing per event in the steady state: calls
//! live in a slab of reused slots, contacts in service in another, agents in fixed pools,
//! events in two heaps that reach their working size.

mod calendar;
mod calls;
mod intraday;
mod monotone;
mod observer;
mod pools;
mod single_queue;
mod snapshot;
mod staffing;
mod timers;

pub use calendar::{Calendar, Event};
pub use intraday::{InHand, ParkedCaller, StartState, STATE_RESOLUTION};
pub use observer::{CallRecord, Observer, Outcome};
pub use single_queue::is_single_queue;
pub use snapshot::{CallCounts, GroupState, Snapshot, TypeState};
pub use staffing::{StaffingError, MAX_HEADCOUNT};

use rand::Rng;

use crate::dist::{chance, stream, CallerDraws, PiecewisePoisson, Purpose, Stream};
use crate::model::{on_the_floor, CallClass, CallType, Model, MoveKind, ShiftMove, TracedCall};
use crate::routing::{CentreView, Router};
use crate::stats::{Tally, NOT_COUNTED};
use crate::time::SimTime;
use calls::{Place, Queues, WaitingCall, NO_LINE};
use pools::{Finished, Pools};
use timers::TimerLanes;

/// The random sources of one call type's new callers. Everything drawn for a caller later
/// comes from the caller's own [`CallerDraws`].
struct CallSource {
    arrivals: PiecewisePoisson,
    arrival_stream: Stream,
    handle_stream: Stream,
    patience_stream: Stream,
    tier_stream: Stream,
    /// New callers of the type so far: the serial number of the next one's draws.
    callers: u64,
    /// The type's key for its callers' own numbers ([`CallerDraws::source_key`]).
    caller_key: u64,
}

impl CallSource {
    /// The serial number and own numbers of the type's next new caller (random or
    /// replayed: the `n`-th caller of a type has the same numbers either way).
    fn next_caller(&mut self) -> (u64, CallerDraws) {
        let serial = self.callers;
        self.callers += 1;
        (serial, CallerDraws::of(self.caller_key, serial))
    }

    /// A new caller's class (its tier), handle time and patience, drawn from the type's own
    /// streams, one draw of each per caller in arrival order: the event loop and the
    /// single-queue recursion draw every new caller here.
    #[inline(always)]
    fn draw_new_caller(
        &mut self,
        spec: &CallType,
        classes: &[CallClass],
    ) -> (u32, SimTime, SimTime) {
        let class =
            spec.classes.start + tier_of(&spec.tier_cumulative_shares, &mut self.tier_stream);
        let handle = spec.handle_time.sample(&mut self.handle_stream);
        // A `match` rather than `map_or`: LLVM left `map_or` (with the sampler inlined in
        // its closure) a call of its own in the recursion's loop, +4 % instructions per call.
        let patience = match &classes[class as usize].patience {
            Some(p) => p.sample(&mut self.patience_stream),
            None => SimTime::NEVER,
        };
        (class, handle, patience)
    }
}

/// One contact in service: the call, and the agent (of `group`) talking to it, then in its
/// after-call work. A chat agent holds several at once, each its own entry.
#[derive(Debug, Clone, Copy)]
struct InService {
    call: WaitingCall,
    agent: u32,
    group: u32,
    /// When the talk began; once it has ended, when the wrap-up began (for the elapsed
    /// times of a live state).
    since: SimTime,
}

/// The contacts in service, in a slab of reused entries: a talk-end (or wrap-up-end) event
/// names its entry, so it ends exactly the contact it was scheduled for.
#[derive(Debug, Default)]
struct Contacts {
    entries: Vec<InService>,
    free: Vec<u32>,
}

impl Contacts {
    /// Stores a contact that starts now; returns its id for the talk-end event.
    #[inline(always)]
    fn start(&mut self, contact: InService) -> u32 {
        match self.free.pop() {
            Some(id) => {
                self.entries[id as usize] = contact;
                id
            }
            None => {
                self.entries.push(contact);
                (self.entries.len() - 1) as u32
            }
        }
    }

    /// Removes the contact that is over (talk, and wrap-up if any) and frees its entry.
    #[inline]
    fn end(&mut self, id: u32) -> InService {
        self.free.push(id);
        self.entries[id as usize]
    }

    /// The contact `id` (still in service).
    #[inline]
    fn get(&self, id: u32) -> &InService {
        &self.entries[id as usize]
    }

    /// The contact `id`'s talk has ended and its wrap-up begins `now`.
    #[inline]
    fn wrap_up_from(&mut self, id: u32, now: SimTime) {
        self.entries[id as usize].since = now;
    }
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
    /// The day's busyness factor: the forecast rates times it are the arrival rates.
    busyness: f64,
    tally: Tally,
    /// When each group's count of agents on the floor last changed (for staffed time).
    present_since: Vec<SimTime>,
    /// Per group, the available headcount's change points `(time, agents)`.
    staffing: Vec<Vec<(SimTime, u32)>>,
    /// Per group working in shifts, its rows' moves (which, unlike `staffing`, keep a row
    /// ending apart from one starting at the same time); empty for the others.
    shift_moves: Vec<Vec<ShiftMove>>,
    /// The contacts agents are talking to.
    in_service: Contacts,
    /// Lines in use, in the centre and per call type.
    lines_in_use: u32,
    lines_in_use_by_type: Vec<u32>,
    /// The replayed trace, if any.
    trace: Option<&'m [TracedCall]>,
    /// Runtime changes to the scheduled headcounts (see [`Simulation::change_staffing`]).
    overrides: staffing::Overrides,
    /// Per group, contacts in after-call work now (for snapshots).
    wrapping: Vec<u32>,
    /// The calendar lane of each timer source with a constant delay.
    lanes: TimerLanes,
    /// Per group working in shifts, the stream that picks which agents go at a break or a
    /// shift's end (`None` for a group staffed by interval).
    shift_streams: Vec<Option<Stream>>,
}

/// A read-only view of the centre, built from disjoint fields so the router can be borrowed
/// mutably beside it.
macro_rules! centre_view {
    ($sim:expr) => {
        CentreView {
            now: $sim.now,
            idle_agents: $sim.pools.idle_counts(),
            keeps_a_slot: $sim.pools.keeps_a_slot(),
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
        let staffing: Vec<Vec<(SimTime, u32)>> = model
            .groups
            .iter()
            .map(|g| g.available(model.interval))
            .collect();
        let busyness = busyness_factor(model, replication);
        let mut sim = Simulation {
            model,
            router,
            observer,
            now: SimTime::ZERO,
            calendar: Calendar::with_capacity(total_agents as usize + 4 * types + 64),
            queues: Queues::new(model.classes.len()),
            pools: Pools::new(
                &slots,
                &model
                    .groups
                    .iter()
                    .map(|g| g.max_concurrent)
                    .collect::<Vec<_>>(),
            ),
            sources: call_sources(model, replication, busyness),
            busyness,
            tally: empty_tally(model),
            present_since: vec![SimTime::ZERO; groups],
            staffing,
            shift_moves: model.groups.iter().map(|g| g.shift_moves()).collect(),
            in_service: Contacts {
                entries: Vec::with_capacity(total_agents as usize),
                free: Vec::with_capacity(total_agents as usize),
            },
            lines_in_use: 0,
            lines_in_use_by_type: vec![0; types],
            trace: model.trace.as_deref().map(Vec::as_slice),
            overrides: staffing::Overrides::default(),
            wrapping: vec![0; groups],
            lanes: TimerLanes::of(model),
            shift_streams: (0..groups)
                .map(|g| {
                    let shifts = !model.groups[g].shifts.is_empty();
                    shifts.then(|| stream(model.seed, replication, g as u32, Purpose::Shifts))
                })
                .collect(),
        };
        for g in 0..groups {
            let points = &sim.staffing[g];
            if let Some(&(t, n)) = points.first() {
                debug_assert_eq!(t, SimTime::ZERO);
                sim.pools.set_headcount(g as u32, n, SimTime::ZERO);
            }
            sim.schedule_staffing_events(g as u32, SimTime::ZERO);
        }
        match sim.trace {
            Some(trace) if !trace.is_empty() => sim
                .calendar
                .schedule(trace[0].arrival, Event::Replay { index: 0 }),
            Some(_) => {}
            None => {
                for t in 0..types as u32 {
                    sim.schedule_next_arrival(t);
                }
            }
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
            add_scheduled_time(&mut self.tally, self.model, g, end);
        }
        (self.tally, self.observer)
    }

    #[inline(always)]
    fn observe(&mut self, call: &WaitingCall, outcome: Outcome) {
        let record = CallRecord {
            call_type: call.call_type,
            class: call.class,
            arrival: call.entered,
            end_of_wait: self.now,
            // `call.arrival` moves to the end of the IVR when the caller leaves it.
            queued: match outcome {
                Outcome::Deflected => self.now,
                _ => call.arrival,
            },
            handle: call.handle,
            patience: call.patience,
            attempt: call.attempt,
            caller: call.draws.caller_id(),
            counted: call.cell != NOT_COUNTED,
            outcome,
        };
        self.observer.call_ended(&record);
    }

    #[inline(always)]
    fn handle(&mut self, event: Event) {
        match event {
            Event::Arrival { call_type } => self.on_arrival(call_type),
            Event::Replay { index } => self.on_replay(index),
            Event::Redial { call, generation } => {
                if self.queues.parked(call, generation, Place::Redialing) {
                    let mut call = self.queues.take(call);
                    call.arrival = self.now;
                    call.entered = self.now;
                    call.cell = self.tally.cell_of(call.class, self.now);
                    call.patience = self.caller_patience(&mut call);
                    self.tally.offered(call.cell);
                    let counter: fn(&mut crate::stats::CallCell) -> &mut u64 = if call.attempt > 1 {
                        |c| &mut c.retrials
                    } else {
                        |c| &mut c.repeats
                    };
                    self.tally.count(call.cell, counter);
                    self.enter(call);
                }
            }
            Event::IvrEnd { call, generation } => {
                if self.queues.parked(call, generation, Place::Ivr) {
                    let mut call = self.queues.take(call);
                    let ivr = self.model.call_types[call.call_type as usize]
                        .ivr
                        .as_ref()
                        .expect("an IVR call has an IVR");
                    if chance(&mut call.draws.next_stream(), ivr.self_service) {
                        self.release_line(&mut call);
                        self.tally.count(call.cell, |c| &mut c.deflected);
                        self.observe(&call, Outcome::Deflected);
                    } else {
                        // The wait for an agent starts when the caller leaves the IVR.
                        call.arrival = self.now;
                        self.offer(call);
                    }
                }
            }
            Event::ServiceEnd { contact } => self.on_talk_end(contact),
            Event::WrapUpEnd { contact } => {
                let InService { agent, group, .. } = self.in_service.end(contact);
                self.wrapping[group as usize] -= 1;
                self.on_agent_free(agent);
            }
            Event::PatienceExpires { call, generation } => {
                if self.queues.live(call, generation) {
                    let mut call = self.queues.remove(call);
                    self.release_line(&mut call);
                    self.tally.abandoned(call.cell);
                    self.observe(&call, Outcome::Abandoned);
                    self.maybe_redial(call);
                }
            }
            Event::Overflow {
                call,
                generation,
                step,
            } => self.on_overflow(call, generation, step),
            Event::StaffingChange { group, interval } => self.on_staffing_change(group, interval),
            Event::ShiftMove { group, index } => self.on_shift_move(group, index),
        }
    }

    #[inline(always)]
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
        let draws = self.next_caller_draws(call_type);
        let call = self.new_caller(call_type, None, None, draws);
        self.tally.offered(call.cell);
        self.enter(call);
    }

    /// The next call of a replayed trace.
    fn on_replay(&mut self, index: u32) {
        let trace = self.trace.expect("replay events come from a trace");
        let traced = trace[index as usize];
        if let Some(next) = trace.get(index as usize + 1) {
            self.calendar
                .schedule(next.arrival, Event::Replay { index: index + 1 });
        }
        let draws = self.next_caller_draws(traced.call_type);
        let call = self.new_caller(traced.call_type, traced.handle, traced.patience, draws);
        self.tally.offered(call.cell);
        self.enter(call);
    }

    /// The own numbers of the next new caller of `call_type` (random or replayed: the
    /// `n`-th caller of a type has the same numbers either way, so a replayed call log
    /// repeats its callers' IVR, redial and after-call decisions).
    fn next_caller_draws(&mut self, call_type: u32) -> CallerDraws {
        self.sources[call_type as usize].next_caller().1
    }

    /// A new caller of `call_type` arriving now: its tier, handle time and patience (drawn
    /// from the type's own streams, in arrival order, unless given), and its own numbers
    /// for everything later.
    #[inline(always)]
    fn new_caller(
        &mut self,
        call_type: u32,
        handle: Option<SimTime>,
        patience: Option<SimTime>,
        draws: CallerDraws,
    ) -> WaitingCall {
        let spec = &self.model.call_types[call_type as usize];
        let (class, drawn_handle, drawn_patience) =
            self.sources[call_type as usize].draw_new_caller(spec, &self.model.classes);
        WaitingCall {
            class,
            call_type,
            arrival: self.now,
            entered: self.now,
            handle: handle.unwrap_or(drawn_handle),
            cell: self.tally.cell_of(class, self.now),
            patience: patience.unwrap_or(drawn_patience),
            attempt: 1,
            line: NO_LINE,
            draws,
        }
    }

    /// The patience of a caller's later attempt (a redial, a repeat call), from its own
    /// numbers.
    fn caller_patience(&self, call: &mut WaitingCall) -> SimTime {
        self.model.classes[call.class as usize]
            .patience
            .as_ref()
            .map_or(SimTime::NEVER, |p| p.sample(&mut call.draws.next_stream()))
    }

    /// The same caller as a call of `call_type` (transferred there): its tier there, handle
    /// time and patience, from its own numbers.
    fn transferred_caller(&self, call: &WaitingCall, call_type: u32) -> WaitingCall {
        let spec = &self.model.call_types[call_type as usize];
        let mut draws = call.draws;
        let mut rng = draws.next_stream();
        let class = spec.classes.start + tier_of(&spec.tier_cumulative_shares, &mut rng);
        let handle = spec.handle_time.sample(&mut rng);
        let patience = self.model.classes[class as usize]
            .patience
            .as_ref()
            .map_or(SimTime::NEVER, |p| p.sample(&mut rng));
        WaitingCall {
            class,
            call_type,
            arrival: self.now,
            entered: self.now,
            handle,
            cell: self.tally.cell_of(class, self.now),
            patience,
            attempt: 1,
            line: call.line,
            draws,
        }
    }

    /// A call reaches the centre: a line, then the IVR or the queue.
    #[inline(always)]
    fn enter(&mut self, mut call: WaitingCall) {
        let t = call.call_type as usize;
        let centre_full = self.model.trunks.is_some_and(|n| self.lines_in_use >= n);
        let type_full = self.model.call_types[t]
            .trunks
            .is_some_and(|n| self.lines_in_use_by_type[t] >= n);
        if centre_full || type_full {
            self.tally.count(call.cell, |c| &mut c.blocked);
            self.observe(&call, Outcome::Blocked);
            self.maybe_redial(call);
            return;
        }
        self.take_line(&mut call);
        if let Some(ivr) = &self.model.call_types[t].ivr {
            let time = ivr.time.sample(&mut call.draws.next_stream());
            let (slot, generation) = self.queues.park(call, Place::Ivr);
            self.calendar.schedule_timer(
                self.lanes.ivr[t],
                self.now.saturating_add(time),
                Event::IvrEnd {
                    call: slot,
                    generation,
                },
            );
            return;
        }
        self.offer(call);
    }

    /// The call takes a line of its type.
    #[inline]
    fn take_line(&mut self, call: &mut WaitingCall) {
        self.lines_in_use += 1;
        self.lines_in_use_by_type[call.call_type as usize] += 1;
        call.line = call.call_type;
    }

    /// Frees the line a call holds, if any.
    #[inline]
    fn release_line(&mut self, call: &mut WaitingCall) {
        if call.line != NO_LINE {
            self.lines_in_use -= 1;
            self.lines_in_use_by_type[call.line as usize] -= 1;
            call.line = NO_LINE;
        }
    }

    /// A blocked or abandoning caller may try again later.
    fn maybe_redial(&mut self, mut call: WaitingCall) {
        let Some(retrial) = &self.model.call_types[call.call_type as usize].retrial else {
            return;
        };
        if call.attempt >= retrial.max_attempts {
            return;
        }
        let mut rng = call.draws.next_stream();
        if rng.random::<f64>() >= retrial.probability {
            return;
        }
        let delay = retrial.delay.sample(&mut rng);
        if self.now.saturating_add(delay) >= self.model.horizon {
            return; // the centre has closed by then: the day is over for this caller
        }
        call.attempt += 1;
        // While it is away, its `arrival` is when it hung up (a state reads the time since);
        // the redial sets it anew.
        call.arrival = self.now;
        let lane = self.lanes.redial[call.call_type as usize];
        let (slot, generation) = self.queues.park(call, Place::Redialing);
        self.calendar.schedule_timer(
            lane,
            self.now.saturating_add(delay),
            Event::Redial {
                call: slot,
                generation,
            },
        );
    }

    /// A call is offered to the agents: answered at once, or queued with its timers.
    #[inline(always)]
    fn offer(&mut self, call: WaitingCall) {
        debug_assert_eq!(call.arrival, self.now, "patience runs from the offer");
        let class = call.class;
        let view = centre_view!(self);
        if let Some(group) = self.router.group_for_call(class, SimTime::ZERO, &view) {
            self.serve_now(group, call);
            return;
        }
        let mut call = call;
        if self.takes_callback(&mut call) {
            return;
        }
        self.tally.queued(call.cell);
        let patience = call.patience;
        let (slot, generation) = self.queues.push(call);
        if patience != SimTime::NEVER {
            let event = Event::PatienceExpires {
                call: slot,
                generation,
            };
            self.calendar.schedule_timer(
                self.lanes.patience[class as usize],
                self.now.saturating_add(patience),
                event,
            );
        }
        self.schedule_overflow(class, slot, generation, 0);
    }

    /// Virtual hold: a caller about to queue, facing an expected wait over the type's
    /// threshold, may take a callback; the callback job then queues in its own class. Returns
    /// whether it did.
    #[inline(always)]
    fn takes_callback(&mut self, call: &mut WaitingCall) -> bool {
        self.model.call_types[call.call_type as usize]
            .callback
            .is_some()
            && self.offers_callback(call)
    }

    /// [`Simulation::takes_callback`] for a type that offers callbacks.
    #[inline(never)]
    fn offers_callback(&mut self, call: &mut WaitingCall) -> bool {
        let t = call.call_type as usize;
        let Some(callback) = &self.model.call_types[t].callback else {
            return false;
        };
        if call.class == callback.class {
            return false;
        }
        let spec = &self.model.call_types[t];
        let waiting: u32 = spec
            .classes
            .clone()
            .filter(|&c| c != callback.class)
            .map(|c| self.queues.waiting()[c as usize])
            .sum();
        let agents: u32 = spec
            .serving_groups
            .iter()
            .map(|&g| self.pools.present(g))
            .sum();
        let expected_wait_s = (waiting + 1) as f64 * callback.mean_work_s / agents.max(1) as f64;
        if expected_wait_s <= callback.when_wait_exceeds.as_seconds()
            || !chance(
                // Per attempt and call type (a redial or a transfer may be offered again).
                &mut call
                    .draws
                    .stream_when_waiting(call.attempt << 16 | call.call_type),
                callback.share,
            )
        {
            return false;
        }
        let mut call = *call;
        self.release_line(&mut call);
        self.tally.count(call.cell, |c| &mut c.callbacks);
        self.observe(&call, Outcome::CallbackRequested);
        let job = WaitingCall {
            class: callback.class,
            cell: self.tally.cell_of(callback.class, self.now),
            arrival: self.now,
            entered: self.now,
            patience: SimTime::NEVER,
            attempt: 1,
            line: NO_LINE,
            ..call
        };
        self.tally.offered(job.cell);
        self.tally.count(job.cell, |c| &mut c.callback_jobs);
        self.tally.queued(job.cell);
        let (slot, generation) = self.queues.push(job);
        self.schedule_overflow(job.class, slot, generation, 0);
        true
    }

    /// Schedules overflow step `step` of a waiting call, if its class has one.
    /// A call whose patience runs out by the step's time (its own `patience`, set from its
    /// arrival in [`Simulation::offer`]) gets no timer: it would only ever find the call
    /// gone (its patience timer, scheduled first, fires first at a tie), and a step far
    /// beyond the callers' patience (a last resort "after 8760h") would otherwise hold one
    /// timer per call that waited until then.
    #[inline(always)]
    fn schedule_overflow(&mut self, class: u32, slot: u32, generation: u32, step: u32) {
        let steps = &self.model.routing.overflow_steps[class as usize];
        if let Some(&delay) = steps.get(step as usize) {
            if delay >= self.queues.patience(slot) {
                return;
            }
            let arrival = self.queues.arrival(slot);
            let event = Event::Overflow {
                call: slot,
                generation,
                step,
            };
            self.calendar.schedule_timer(
                self.lanes.overflow[class as usize][step as usize],
                arrival.saturating_add(delay),
                event,
            );
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

    #[inline(always)]
    fn start_service(&mut self, agent: u32, group: u32, call: WaitingCall) {
        let spec = &self.model.groups[group as usize];
        // The talk takes the caller's handle time, longer on a chat desk for every other
        // contact in hand; the caller's own handle time (its need) is kept as drawn.
        let mut talk = call.handle;
        if spec.slows_contacts() {
            let others = self.pools.agent(agent).load.saturating_sub(1);
            talk = SimTime::from_seconds(call.handle.as_seconds() * spec.talk_factor(others));
        }
        self.tally
            .answered(call.cell, call.class, group, call.arrival, self.now, talk);
        self.observe(&call, Outcome::Answered { group });
        let call_type = call.call_type;
        let contact = self.in_service.start(InService {
            call,
            agent,
            group,
            since: self.now,
        });
        self.calendar.schedule_timer(
            self.lanes.talk[call_type as usize],
            self.now.saturating_add(talk),
            Event::ServiceEnd { contact },
        );
    }

    /// The talk ends: the caller is transferred, or hangs up (resolved or not); the agent
    /// goes on to wrap-up or is free.
    #[inline(always)]
    fn on_talk_end(&mut self, contact: u32) {
        let InService {
            mut call,
            agent,
            group,
            ..
        } = *self.in_service.get(contact);
        let spec = &self.model.call_types[call.call_type as usize];
        if spec.transfer.is_none() && spec.unresolved.is_none() && spec.wrap_up.is_none() {
            self.in_service.end(contact);
            self.release_line(&mut call);
            self.on_agent_free(agent);
            return;
        }
        let mut rng = call.draws.next_stream();
        let transfer_to = spec
            .transfer
            .as_ref()
            .filter(|t| rng.random::<f64>() < t.share)
            .map(|t| t.to);
        let repeat_after = match (&spec.unresolved, transfer_to) {
            (Some(u), None) if rng.random::<f64>() < u.share => Some(u.delay.sample(&mut rng)),
            _ => None,
        };
        let wrap_up = spec.wrap_up.as_ref().map(|w| w.sample(&mut rng));
        match transfer_to {
            Some(to) => {
                self.tally.count(call.cell, |c| &mut c.transferred);
                // The caller stays on the line and joins the other type's queue.
                let next = self.transferred_caller(&call, to);
                self.tally.offered(next.cell);
                self.tally.count(next.cell, |c| &mut c.transfers_in);
                self.offer(next);
            }
            None => {
                self.release_line(&mut call);
                if repeat_after.is_some() {
                    self.tally.count(call.cell, |c| &mut c.unresolved);
                }
                // The caller calls again if the centre is still open by then.
                if let Some(delay) =
                    repeat_after.filter(|&d| self.now.saturating_add(d) < self.model.horizon)
                {
                    // The same caller calls the type again, in the same tier (a callback
                    // job's caller is given a live tier), for a new conversation: its talk
                    // time is drawn afresh, from the caller's own numbers, like any call's
                    // (a copy of the first would tie the two calls' lengths together, which
                    // no forecast of AHT describes, and lengthen the waits).
                    let mut repeat = call;
                    let spec = &self.model.call_types[call.call_type as usize];
                    repeat.handle = spec.handle_time.sample(&mut repeat.draws.next_stream());
                    if spec
                        .callback
                        .as_ref()
                        .is_some_and(|c| c.class == call.class)
                    {
                        let tier = tier_of(
                            &spec.tier_cumulative_shares,
                            &mut repeat.draws.next_stream(),
                        );
                        repeat.class = spec.classes.start + tier;
                    }
                    repeat.attempt = 1;
                    // When its call ended (a state reads the time since); the new call
                    // sets it anew.
                    repeat.arrival = self.now;
                    repeat.cell = NOT_COUNTED;
                    repeat.patience = SimTime::NEVER;
                    let lane = self.lanes.repeat[repeat.call_type as usize];
                    let (slot, generation) = self.queues.park(repeat, Place::Redialing);
                    self.calendar.schedule_timer(
                        lane,
                        self.now.saturating_add(delay),
                        Event::Redial {
                            call: slot,
                            generation,
                        },
                    );
                }
            }
        }
        match wrap_up {
            Some(w) if w > SimTime::ZERO => {
                let end = self.now.saturating_add(w);
                self.tally
                    .wrap_up(call.cell, call.class, group, self.now, end);
                self.wrapping[group as usize] += 1;
                // The contact stays in the table through its wrap-up.
                self.in_service.wrap_up_from(contact, self.now);
                self.calendar.schedule_timer(
                    self.lanes.wrap_up[call.call_type as usize],
                    end,
                    Event::WrapUpEnd { contact },
                );
            }
            _ => {
                self.in_service.end(contact);
                self.on_agent_free(agent);
            }
        }
    }

    /// An agent has finished a call (talk and wrap-up): it leaves, takes the next call or
    /// goes idle.
    #[inline(always)]
    fn on_agent_free(&mut self, agent: u32) {
        let group = self.pools.agent(agent).group;
        match self.pools.finish(agent) {
            Finished::Left => self.note_present_change(group, 1),
            Finished::Leaving => {}
            Finished::Free => match self.next_call_for(group) {
                Some(call) => {
                    self.pools.keep_busy(agent, call.class);
                    self.start_service(agent, group, call);
                }
                None => {
                    self.pools.release(agent, self.now);
                    // On a chat desk with agents kept back, who takes a call matters: the
                    // agent just freed may be barred where a less loaded colleague, who
                    // keeps a free slot, is not.
                    if self.model.groups[group as usize].max_concurrent > 1
                        && self.model.routing.reserves[group as usize].is_some()
                    {
                        self.fill_free_slots(group);
                    }
                }
            },
        }
    }

    /// The free agents of `group` take waiting calls while the router gives them one, each
    /// asked as the agent who takes the next contact ([`Pools::first_free`]) once it holds
    /// it, so that a reservation counts the agents idle after the take. Afterwards no
    /// waiting call is one the group's next taker may take.
    fn fill_free_slots(&mut self, group: u32) {
        while let Some((agent, serving)) = self.pools.first_free(group) {
            self.pools.take_on(agent, serving);
            match self.next_call_for(group) {
                Some(call) => {
                    self.pools.keep_busy(agent, call.class);
                    self.start_service(agent, group, call);
                }
                None => {
                    self.pools.put_back(agent, serving);
                    return;
                }
            }
        }
    }

    /// The waiting call a free agent of `group` takes, if the router picks one.
    #[inline(always)]
    fn next_call_for(&mut self, group: u32) -> Option<WaitingCall> {
        let view = centre_view!(self);
        let class = self.router.class_for_agent(group, &view)?;
        let call = self.queues.pop_front(class);
        debug_assert!(call.is_some(), "router chose a class with no call waiting");
        call
    }

    /// Schedules the changes of `group`'s headcount after `after`: its rows' moves in a
    /// group working in shifts, its change points otherwise.
    fn schedule_staffing_events(&mut self, group: u32, after: SimTime) {
        let g = group as usize;
        if !self.shift_moves[g].is_empty() {
            for index in 0..self.shift_moves[g].len() {
                let time = self.shift_moves[g][index].time;
                if time > after {
                    let event = Event::ShiftMove {
                        group,
                        index: index as u32,
                    };
                    self.calendar.schedule(time, event);
                }
            }
            return;
        }
        for (index, (time, _)) in headcount_changes(&self.staffing[g]) {
            if time > after {
                let event = Event::StaffingChange {
                    group,
                    interval: index as u32,
                };
                self.calendar.schedule(time, event);
            }
        }
    }

    /// A shift row's move in `group` (move `index`). The agents on the floor move by the
    /// difference it makes to the shrunk schedule, with the runtime changes. A row leaving
    /// (or going on a break) is any of the agents on the floor, drawn at random, and each
    /// busy one finishes its own contact first ([`Pools::send_off`]); a row arriving comes
    /// beside the agents of other rows still finishing theirs, and a row back from a break
    /// finds those of its agents still in their call on the floor ([`Pools::arrive`]).
    fn on_shift_move(&mut self, group: u32, index: u32) {
        let g = group as usize;
        let m = self.shift_moves[g][index as usize];
        let shrinkage = self.model.groups[g].shrinkage;
        let target = self.with_runtime_changes(group, on_the_floor(m.scheduled_after, shrinkage));
        let staying = self.pools.staying(group);
        let before = self.pools.present(group);
        let arrived = match m.kind {
            MoveKind::Leave | MoveKind::Break { .. } if target < staying => {
                let back_at = match m.kind {
                    MoveKind::Break { until } => until,
                    _ => SimTime::NEVER,
                };
                let rng = self.shift_streams[g]
                    .as_mut()
                    .expect("a group in shifts has a shift stream");
                self.pools.send_off(group, staying - target, back_at, rng);
                0
            }
            MoveKind::Arrive | MoveKind::Return if target > staying => {
                let returning = (m.kind == MoveKind::Return).then_some(self.now);
                let arrived = self
                    .pools
                    .arrive(group, target - staying, returning, self.now);
                arrived.0
            }
            _ => return,
        };
        if self.pools.present(group) != before {
            self.account_staffed(group, before);
        }
        // New agents take waiting calls at once (several each, on a chat desk).
        if arrived > 0 {
            self.fill_free_slots(group);
        }
    }

    /// Sets `group`'s headcount to that of change point `interval` (with the runtime
    /// changes): when it drops, idle agents leave first, then the next agents to finish a
    /// contact; when it rises, agents arrive and take waiting calls.
    fn on_staffing_change(&mut self, group: u32, interval: u32) {
        let before = self.pools.present(group);
        let target = self.headcount_target(group, interval);
        let arrived = self.pools.set_headcount(group, target, self.now);
        if self.pools.present(group) != before {
            self.account_staffed(group, before);
        }
        // New agents take waiting calls at once (several each, on a chat desk).
        if arrived.0 > 0 {
            self.fill_free_slots(group);
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

/// A caller's tier, given its type's cumulative tier shares: one draw when the type has
/// tiers, none otherwise.
#[inline]
fn tier_of<G: Rng + ?Sized>(cumulative_shares: &[f64], rng: &mut G) -> u32 {
    if cumulative_shares.len() > 1 {
        let u: f64 = rng.random();
        cumulative_shares.iter().position(|&s| u < s).unwrap_or(0) as u32
    } else {
        0
    }
}

/// The day's busyness factor of `replication`: one gamma draw with mean 1 when the model
/// has a busyness CV, else 1.
pub fn busyness_factor(model: &Model, replication: u32) -> f64 {
    model.busyness_cv.map_or(1.0, |cv| {
        let shape = 1.0 / (cv * cv);
        let mut rng = stream(model.seed, replication, u32::MAX, Purpose::Busyness);
        rand_distr::Gamma::new(shape, 1.0 / shape).map_or(1.0, |g| rng.sample(g))
    })
}

/// The random sources of every call type for `replication`: arrivals at the forecast rates
/// times the day's `busyness` factor, and one stream per purpose.
fn call_sources(model: &Model, replication: u32, busyness: f64) -> Vec<CallSource> {
    let seed = model.seed;
    model
        .call_types
        .iter()
        .enumerate()
        .map(|(t, ct)| {
            let t = t as u32;
            let rates: Vec<f64> = ct.calls_per_hour.iter().map(|r| r * busyness).collect();
            CallSource {
                arrivals: PiecewisePoisson::new(&rates, model.interval, model.horizon),
                arrival_stream: stream(seed, replication, t, Purpose::Arrivals),
                handle_stream: stream(seed, replication, t, Purpose::HandleTime),
                patience_stream: stream(seed, replication, t, Purpose::Patience),
                tier_stream: stream(seed, replication, t, Purpose::Tier),
                callers: 0,
                caller_key: CallerDraws::source_key(seed, replication, t),
            }
        })
        .collect()
}

/// The change points of a headcount schedule `points` after the first that change it, with
/// their index: a point that repeats the headcount before it is no change (no event in the
/// event loop, nothing for the single-queue recursion).
fn headcount_changes(
    points: &[(SimTime, u32)],
) -> impl Iterator<Item = (usize, (SimTime, u32))> + '_ {
    points
        .iter()
        .enumerate()
        .skip(1)
        .filter(move |&(i, &(_, n))| n != points[i - 1].1)
        .map(|(i, &point)| (i, point))
}

/// An empty tally for `model`: its classes' service-level thresholds, its groups and
/// intervals, the reporting window `[warm-up, end of day)`.
fn empty_tally(model: &Model) -> Tally {
    Tally::new(
        model.classes.iter().map(|c| c.threshold).collect(),
        model.groups.len(),
        model.intervals,
        model.interval,
        (model.warmup, model.horizon),
    )
}

/// Adds `group`'s scheduled agent time, from its schedule, up to `end` (at or after the
/// end of the day).
fn add_scheduled_time(tally: &mut Tally, model: &Model, group: u32, end: SimTime) {
    let schedule = model.groups[group as usize].schedule(model.interval);
    for (i, &(from, n)) in schedule.iter().enumerate() {
        let to = schedule.get(i + 1).map_or(end, |p| p.0);
        tally.scheduled(group, n, from, to);
    }
}

/// The end of slice `k` of `slices` equal parts of `model`'s day.
fn slice_end(model: &Model, k: u64, slices: u64) -> SimTime {
    let end = u128::from(model.horizon.0) * u128::from(k) / u128::from(slices.max(1));
    SimTime(end as u64)
}

/// Runs replication `replication` of `model` with `router` to the end.
pub fn simulate<R: Router>(model: &Model, router: R, replication: u32) -> Tally {
    simulate_in_slices(model, router, replication, 1, || {})
}

/// [`simulate`], in `slices` slices of the day: `passed` is called as the simulated clock
/// passes the end of each of the first `slices - 1` (equal parts of the day), and once more
/// when the calls have drained. The events and the result are [`simulate`]'s.
///
/// A single first-come-first-served queue under a router that serves it so
/// ([`Router::is_work_conserving`]) is run by its recursion (`single_queue`), which gives
/// the same tally without an event calendar; where that meets simultaneous events it cannot
/// order, the replication is run event by event.
pub fn simulate_in_slices<R: Router>(
    model: &Model,
    router: R,
    replication: u32,
    slices: u64,
    mut passed: impl FnMut(),
) -> Tally {
    let mut already = 0;
    if router.is_work_conserving() && single_queue::is_single_queue(model) {
        match single_queue::simulate(model, replication, slices, &mut passed) {
            Ok(tally) => return tally,
            Err((single_queue::Tie, ticks)) => already = ticks,
        }
    }
    // After a tie, the slices the recursion passed are not told again.
    let mut passed = || {
        if already > 0 {
            already -= 1;
        } else {
            passed();
        }
    };
    let mut sim = Simulation::new(model, router, replication);
    for k in 1..slices {
        sim.run_until(slice_end(model, k, slices));
        passed();
    }
    let tally = sim.finish();
    passed();
    tally
}
