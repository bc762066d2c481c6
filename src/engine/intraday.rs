//! Starting a replication from a live state instead of an empty centre at time zero, and
//! reading such a state back from a running simulation.
//!
//! A [`StartState`] is what a supervisor knows at an instant: the time, the calls waiting
//! (and how long each has waited), the calls in progress and the contacts in after-call work
//! (per group and call type, and how long each has lasted so far), and the staffing from now
//! on (the schedule plus a delta). What is not known is drawn, each from its distribution
//! conditioned on what has already elapsed ([`crate::dist::Distribution::sample_remaining`]):
//! - the **remaining handle time** of a call in progress: the handle time `X` given
//!   `X > elapsed`, minus the elapsed time. Exact for every distribution kind, so a forecast
//!   from a state is unbiased for log-normal and gamma talk times too (a fresh full handle
//!   time would overstate how long the calls in progress keep their agents);
//! - the **remaining wrap-up** of a contact in after-call work, likewise;
//! - the **remaining patience** of a waiting caller: its patience given that it exceeds the
//!   wait so far, minus that wait;
//! - the handle time of a waiting caller is a fresh draw, as for any caller, and so is its
//!   tier when the state does not say it (from the type's shares);
//! - the **callers the centre still owes** ([`ParkedCaller`]): the remaining IVR time of a
//!   caller in the IVR; the time before a caller who abandoned (or was blocked) redials, or
//!   one whose call was not resolved calls again, given the time since it hung up and that
//!   the call comes before the end of the day (the engine keeps only those); each then goes
//!   on as the engine's own (self-service or the queue; a new attempt with its attempt
//!   number; a new call), with a fresh handle time and patience;
//! - the **callback jobs** queue in their class with their waits so far, as waiting calls.
//!
//! An elapsed time of zero is a plain draw: a call that has just started. On a chat desk,
//! a contact may say which agent holds it and, with `concurrency_slowdown`, how many other
//! contacts that agent held when its talk began ([`InHand`]): its talk is then the handle
//! time `X` slowed by that factor `f`, and the time left is `f · (X − e/f)` for `X` given
//! `X > e/f` (`e` the elapsed time). Contacts that do not say are spread over the agents
//! least loaded first, and slowed by the other contacts their agent holds in the state.
//! Agents winding down (leaving once their contacts end) take no new contacts.
//!
//! These draws come from their own streams (call-type ids with the top bits set, which no
//! real call type has), apart from the streams of the callers who arrive after the state;
//! those start afresh at the state's time (a Poisson process is memoryless, so this is
//! exact). Two forecasts from the same state that differ only in staffing or routing thus
//! see the very same callers: common random numbers hold between them. (They are not the
//! callers a run from time zero would see after that time: its streams were consumed by
//! the hours before.)

use super::calendar::{Calendar, Event};
use super::calls::{Place, WaitingCall, NO_LINE};
use super::pools::Pools;
use super::{busyness_factor, call_sources, tier_of, InService, Observer, Simulation};
use rand::Rng;
use std::collections::{BTreeMap, BTreeSet};

use crate::dist::{stream, CallerDraws, Distribution, Purpose, Stream};
use crate::model::{CallType, Model};
use crate::routing::Router;
use crate::stats::NOT_COUNTED;
use crate::time::SimTime;

/// Marks the streams of the calls waiting in a start state.
const STATE_WAITING: u32 = 1 << 31;
/// Marks the streams of the calls in progress in a start state.
const STATE_TALKING: u32 = 1 << 30;
/// Marks the streams of the callers in the IVR in a start state.
const STATE_IN_IVR: u32 = 1 << 29;
/// Marks the streams of the callers about to redial in a start state.
const STATE_REDIALING: u32 = 1 << 28;
/// Marks the streams of the callers about to call again in a start state.
const STATE_CALLING_AGAIN: u32 = 1 << 27;
/// Marks the streams of the callback jobs in a start state.
const STATE_CALLBACKS: u32 = 1 << 26;

/// A caller of a start state outside the queues: in the IVR, or between two calls (about to
/// redial, or to call again after an unresolved contact).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ParkedCaller {
    /// Its call type.
    pub call_type: u32,
    /// Its call class, when the type has tiers and the caller's is known; `None`: the
    /// type's one class, or a tier drawn from the type's shares.
    pub class: Option<u32>,
    /// How long it has been there: in the IVR, or since it hung up (abandoned, was blocked,
    /// or ended an unresolved call).
    pub elapsed: SimTime,
    /// The attempt it is on (in the IVR) or will make next (about to redial): 1 is a
    /// caller's first call, and a repeat call's.
    pub attempt: u32,
}

/// A contact of a start state in service or in after-call work.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct InHand {
    /// How long it has lasted so far (in service, or in wrap-up).
    pub elapsed: SimTime,
    /// The agent holding it, by its number within the group (the contacts with the same
    /// number are on the same agent); `None`: any agent with a free slot, least loaded first.
    pub agent: Option<u32>,
    /// In service on a chat desk: how many other contacts its agent held when its talk
    /// began (its slowdown); `None`: as many as the others its agent holds in the state.
    pub others: Option<u32>,
    /// Its call class when known: a tier of its type, or the type's callback class for a
    /// callback job (the agent calling back a caller who took a callback), which holds no
    /// line. `None`: the type's one class, or a tier drawn from the type's shares.
    pub class: Option<u32>,
    /// On a group of call agents: its agent leaves when it ends (sent off by a break, a
    /// shift's end or a cut while in the call). A chat agent winding down is listed in
    /// [`StartState::leaving_agents`] instead.
    pub leaving: bool,
    /// Of a leaving call agent sent off by a break: when the break ends. Still in this call
    /// then, the agent stays on with its row. `None`: it leaves for good.
    pub back_at: Option<SimTime>,
}

impl InHand {
    /// A contact that has lasted `elapsed`, on any agent.
    pub fn lasted(elapsed: SimTime) -> InHand {
        InHand {
            elapsed,
            agent: None,
            others: None,
            class: None,
            leaving: false,
            back_at: None,
        }
    }
}

/// A live state to start from, by id. Missing entries (shorter vectors) mean none / zero.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct StartState {
    /// The simulated time of the state.
    pub at: SimTime,
    /// Per call type, how long each waiting caller has waited (each at most `at`), for the
    /// callers whose tier is not known: each gets a tier drawn from the type's shares (a
    /// type without tiers has just the one class).
    pub waiting: Vec<Vec<SimTime>>,
    /// Per call class ([`crate::model::ClassId`]), how long each waiting caller of that
    /// class has waited: callers whose tier is known.
    pub waiting_by_class: Vec<Vec<SimTime>>,
    /// Per group, per call type: the calls in progress (on a chat desk, each contact in
    /// hand), with how long each has been in service.
    pub talking: Vec<Vec<Vec<InHand>>>,
    /// Per group, per call type: the contacts in after-call work, with how long each has
    /// been in it.
    pub wrapping_up: Vec<Vec<Vec<InHand>>>,
    /// Per group: the chat agents winding down (by their number in `talking` and
    /// `wrapping_up`): they leave once their contacts end and take no new ones.
    pub leaving_agents: Vec<Vec<u32>>,
    /// Per group: those of `leaving_agents` sent off by a break, by number, with when it
    /// ends (still in a contact then, the agent stays on with its row).
    pub leaving_for_break: Vec<BTreeMap<u32, SimTime>>,
    /// Per group: agents added to (negative: removed from) the schedule from `at` on.
    pub staffing_delta: Vec<i64>,
    /// Callers in the IVR, with how long each has been in it.
    pub in_ivr: Vec<ParkedCaller>,
    /// Callers who abandoned or were blocked and will redial, with how long since.
    pub redialing: Vec<ParkedCaller>,
    /// Callers whose call was not resolved and who will call again, with how long since it
    /// ended.
    pub calling_again: Vec<ParkedCaller>,
    /// Per call type, how long each callback job has waited since the caller asked for it.
    pub callbacks: Vec<Vec<SimTime>>,
    /// The day's busyness factor, when known: the rest of the day's arrivals come at the
    /// forecast rates times it. `None`: each replication draws it, as a day from the start
    /// does (from the model's busyness CV; 1 without one).
    pub busyness: Option<f64>,
}

impl StartState {
    /// The agents group `g` needs to hold its contacts in hand (in service and in wrap-up):
    /// one per agent number, and enough for the others if packed `max_concurrent` to an
    /// agent (chat agents hold several).
    pub fn agents_holding(&self, g: usize, max_concurrent: u32) -> u32 {
        let numbered: BTreeSet<u32> = self.in_hand(g).filter_map(|c| c.agent).collect();
        let loose = self.in_hand(g).filter(|c| c.agent.is_none()).count() as u32;
        numbered.len() as u32 + loose.div_ceil(max_concurrent.max(1))
    }

    /// Every caller and contact the state holds (waiting, in the IVR, to call again or be
    /// called back, in service or wrap-up): each replication of a forecast restores them all.
    pub fn callers(&self) -> u64 {
        let lists = self
            .waiting
            .iter()
            .chain(&self.waiting_by_class)
            .chain(&self.callbacks)
            .map(Vec::len)
            .sum::<usize>();
        let parked = self.in_ivr.len() + self.redialing.len() + self.calling_again.len();
        let in_hand = (0..self.talking.len().max(self.wrapping_up.len()))
            .map(|g| self.in_hand(g).count())
            .sum::<usize>();
        (lists + parked + in_hand) as u64
    }

    /// Group `g`'s contacts in hand: in service, then in wrap-up.
    fn in_hand(&self, g: usize) -> impl Iterator<Item = &InHand> + '_ {
        [&self.talking, &self.wrapping_up]
            .into_iter()
            .filter_map(move |list| list.get(g))
            .flatten()
            .flatten()
    }

    /// The agents of group `g` (of `max_concurrent` contacts each) who leave when their
    /// contacts end: the chat agents winding down, or the call agents sent off in a call.
    pub fn agents_winding_down(&self, g: usize, max_concurrent: u32) -> u32 {
        if max_concurrent > 1 {
            return self.leaving_agents.get(g).map_or(0, |l| l.len() as u32);
        }
        self.in_hand(g).filter(|c| c.leaving).count() as u32
    }
}

/// Group `g`'s contacts of type `t` in `list` (none if left out).
fn in_progress(list: &[Vec<Vec<InHand>>], g: usize, t: usize) -> &[InHand] {
    list.get(g)
        .and_then(|row| row.get(t))
        .map_or(&[], Vec::as_slice)
}

impl<'m, R: Router> Simulation<'m, R> {
    /// Replication `replication` of `model` starting from `state` rather than from an empty
    /// centre at time zero. From the empty state at time zero it is exactly
    /// [`Simulation::new`]: the same events in the same order.
    ///
    /// Calls waiting in the state are counted in the interval of `state.at` (as if they
    /// arrived then), with their real waits; calls in progress and contacts in wrap-up are
    /// not counted (their outcome belongs to the past), but their remaining talk and
    /// wrap-up time is agent busy time.
    pub fn from_state(
        model: &'m Model,
        router: R,
        replication: u32,
        state: &StartState,
    ) -> Simulation<'m, R> {
        Simulation::from_state_in_day(model, router, replication, state, model.horizon)
    }

    /// As [`Simulation::from_state`], for a model cut short of the day the state was taken
    /// in (a forecast to `--until`): `day_end` is when that day ends. The callers between
    /// two calls in the state call back before it, since the engine keeps only those whose
    /// next call comes before the end of the day; so their time left is drawn conditioned
    /// on that too. Those due after `model`'s horizon are not re-created, as the engine
    /// drops its own redials past it.
    pub fn from_state_in_day(
        model: &'m Model,
        router: R,
        replication: u32,
        state: &StartState,
        day_end: SimTime,
    ) -> Simulation<'m, R> {
        let mut sim = Simulation::new(model, router, replication);
        sim.restart(replication, state, day_end.max(model.horizon));
        sim
    }
}

/// The random sources of one call type's callers of one kind in a start state.
struct StateSources {
    /// What is left of the time they have already spent (in the IVR, away).
    remaining: Stream,
    handle: Stream,
    patience: Stream,
    tier: Stream,
}

impl StateSources {
    /// Sources for every call type, marked with `mark`; `remaining` for `purpose`.
    fn of(model: &Model, replication: u32, mark: u32, purpose: Purpose) -> Vec<StateSources> {
        let seed = model.seed;
        (0..model.call_types.len() as u32)
            .map(|t| StateSources {
                remaining: stream(seed, replication, mark | t, purpose),
                handle: stream(seed, replication, mark | t, Purpose::HandleTime),
                patience: stream(seed, replication, mark | t, Purpose::Patience),
                tier: stream(seed, replication, mark | t, Purpose::Tier),
            })
            .collect()
    }

    /// The class of a caller of type `spec`: the one given, else drawn from the shares.
    fn class(&mut self, spec: &CallType, given: Option<u32>) -> u32 {
        given.unwrap_or_else(|| {
            spec.classes.start + tier_of(&spec.tier_cumulative_shares, &mut self.tier)
        })
    }
}

/// The time left of a delay `delay` (a redial's, a repeat call's) that has lasted `elapsed`
/// and is known to end within `window` from now (the engine keeps only the callers whose
/// next call comes before the end of the day): `X − elapsed` for `X` conditioned on
/// `elapsed < X < elapsed + window`, by rejection from
/// [`Distribution::sample_remaining`]. When 64 draws in a row miss the window (a window the
/// delay hardly reaches: a few minutes before closing), uniform over it, where the
/// conditioned density is nearly flat.
fn remaining_within<G: Rng + ?Sized>(
    delay: &Distribution,
    elapsed: SimTime,
    window: SimTime,
    rng: &mut G,
) -> SimTime {
    for _ in 0..64 {
        let left = delay.sample_remaining(elapsed, rng);
        if left < window {
            return left;
        }
    }
    SimTime::from_seconds(window.as_seconds() * rng.random::<f64>())
}

/// A caller of a start state, there since `since`, with its own numbers (the `serial`-th of
/// source `mark | call_type`): a first attempt, holding no line, without patience and not
/// counted, until the caller says otherwise.
fn state_caller(
    model: &Model,
    replication: u32,
    (mark, serial): (u32, usize),
    class: u32,
    call_type: usize,
    since: SimTime,
    handle: SimTime,
) -> WaitingCall {
    WaitingCall {
        class,
        call_type: call_type as u32,
        arrival: since,
        entered: since,
        handle,
        cell: NOT_COUNTED,
        patience: SimTime::NEVER,
        attempt: 1,
        line: NO_LINE,
        draws: CallerDraws::new(
            model.seed,
            replication,
            mark | call_type as u32,
            serial as u64,
        ),
    }
}

impl<R: Router, O: Observer> Simulation<'_, R, O> {
    /// Throws away the time-zero schedule of a fresh simulation and sets up `state`.
    fn restart(&mut self, replication: u32, state: &StartState, day_end: SimTime) {
        let model = self.model;
        let (types, groups) = (model.call_types.len(), model.groups.len());
        let at = state.at;
        self.now = at;
        self.calendar = Calendar::with_capacity(self.calendar.len() + 64);
        self.busyness = state
            .busyness
            .unwrap_or_else(|| busyness_factor(model, replication));
        self.sources = call_sources(model, replication, self.busyness);
        self.present_since = vec![at; groups];
        let talking = |g: usize, t: usize| in_progress(&state.talking, g, t);
        let wrapping_up = |g: usize, t: usize| in_progress(&state.wrapping_up, g, t);
        // Agents who leave as their contacts end.
        let winding_down = |g: usize| state.agents_winding_down(g, model.groups[g].max_concurrent);
        // Per group, the agents holding the contacts in hand.
        let holding: Vec<u32> = (0..groups)
            .map(|g| state.agents_holding(g, model.groups[g].max_concurrent))
            .collect();
        let mut slots = Vec::with_capacity(groups);
        for g in 0..groups as u32 {
            let delta = state.staffing_delta.get(g as usize).copied().unwrap_or(0);
            self.overrides.set(groups, g, delta);
            let point = self.current_point(g);
            let largest = (point..self.staffing[g as usize].len() as u32)
                .map(|p| self.headcount_target(g, p))
                .max()
                .unwrap_or(0);
            let winding = winding_down(g as usize);
            slots.push(
                model
                    .max_agents(g)
                    .max(largest + winding)
                    .max(holding[g as usize]),
            );
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
        let mut wrap_up_streams: Vec<_> = (0..types as u32)
            .map(|t| {
                stream(
                    model.seed,
                    replication,
                    STATE_TALKING | t,
                    Purpose::AfterCall,
                )
            })
            .collect();
        let mut tier_streams: Vec<_> = (0..types as u32)
            .map(|t| stream(model.seed, replication, STATE_TALKING | t, Purpose::Tier))
            .collect();
        for g in 0..groups as u32 {
            let gi = g as usize;
            let point = self.current_point(g);
            let target = self.headcount_target(g, point);
            let on_floor = holding[gi].max(target + winding_down(gi));
            self.pools.set_headcount(g, on_floor, at);
            // Each contact's class, in the order of `place_contacts`: per type, the calls in
            // progress, then the wrap-ups.
            let classes: Vec<u32> = (0..types)
                .flat_map(|t| {
                    talking(gi, t)
                        .iter()
                        .chain(wrapping_up(gi, t))
                        .map(move |c| (t, c))
                })
                .map(|(t, contact)| {
                    let spec = &model.call_types[t];
                    contact.class.unwrap_or_else(|| {
                        spec.classes.start
                            + tier_of(&spec.tier_cumulative_shares, &mut tier_streams[t])
                    })
                })
                .collect();
            let agents = self.place_contacts(g, state, &classes);
            let group = &model.groups[gi];
            let mut agent_of = agents.into_iter();
            let mut class_of = classes.into_iter();
            for t in 0..types as u32 {
                let spec = &model.call_types[t as usize];
                let callback_class = spec.callback.as_ref().map(|c| c.class);
                for (talked, contact) in talking(gi, t as usize).iter().enumerate() {
                    let class = class_of.next().expect("every contact has a class");
                    let agent = agent_of.next().expect("every contact placed");
                    let stream = &mut busy_streams[t as usize];
                    // The talk is the caller's need slowed by the contacts its agent held
                    // when it began: what is left of the need is drawn given the part of it
                    // already served.
                    let factor = if group.slows_contacts() {
                        let others = contact
                            .others
                            .unwrap_or_else(|| self.pools.agent(agent).load - 1);
                        group.talk_factor(others)
                    } else {
                        1.0
                    };
                    // `need`: the caller's whole handle time, unslowed.
                    let (need, remaining) = if factor == 1.0 {
                        let left = spec.handle_time.sample_remaining(contact.elapsed, stream);
                        (contact.elapsed.saturating_add(left), left)
                    } else {
                        let served = SimTime::from_seconds(contact.elapsed.as_seconds() / factor);
                        let left = spec.handle_time.sample_remaining(served, stream);
                        let slowed = SimTime::from_seconds(left.as_seconds() * factor);
                        (served.saturating_add(left), slowed)
                    };
                    let mut call = WaitingCall {
                        class,
                        call_type: t,
                        arrival: at,
                        entered: at,
                        handle: need,
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
                    // A callback job holds no line: the centre called out.
                    if callback_class != Some(class) {
                        self.take_line(&mut call);
                    }
                    // Busy time only: the call's outcome belongs to the past.
                    self.tally
                        .answered(NOT_COUNTED, class, g, at, at, remaining);
                    let contact = self.in_service.start(InService {
                        call,
                        agent,
                        group: g,
                        since: SimTime(at.0.saturating_sub(contact.elapsed.0)),
                    });
                    self.calendar
                        .schedule(at.saturating_add(remaining), Event::ServiceEnd { contact });
                }
                for (wrapped, contact) in wrapping_up(gi, t as usize).iter().enumerate() {
                    let agent = agent_of.next().expect("every contact placed");
                    // A type without wrap-up has none left (the state file refuses it).
                    let remaining = spec.wrap_up.as_ref().map_or(SimTime::ZERO, |w| {
                        w.sample_remaining(contact.elapsed, &mut wrap_up_streams[t as usize])
                    });
                    // The caller has hung up: no line, nothing more to count.
                    let class = class_of.next().expect("every contact has a class");
                    let call = WaitingCall {
                        class,
                        call_type: t,
                        arrival: at,
                        entered: at,
                        handle: SimTime::ZERO,
                        cell: NOT_COUNTED,
                        patience: SimTime::NEVER,
                        attempt: 1,
                        line: NO_LINE,
                        // Never drawn from (its talk is over); apart from the talking ones.
                        draws: CallerDraws::new(
                            model.seed,
                            replication,
                            STATE_TALKING | t,
                            1 << 63 | (g as u64) << 32 | wrapped as u64,
                        ),
                    };
                    let end = at.saturating_add(remaining);
                    self.tally.wrap_up(NOT_COUNTED, class, g, at, end);
                    self.wrapping[gi] += 1;
                    let contact = self.in_service.start(InService {
                        call,
                        agent,
                        group: g,
                        since: SimTime(at.0.saturating_sub(contact.elapsed.0)),
                    });
                    self.calendar.schedule(end, Event::WrapUpEnd { contact });
                }
            }
            if on_floor > target {
                // The excess leave as they finish, as after a scheduled drop: those winding
                // down first, then the next to finish a contact.
                self.pools.set_headcount(g, target, at);
            }
            self.schedule_staffing_events(g, at);
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

        for t in 0..types {
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
            let mut tier_stream = stream(
                model.seed,
                replication,
                STATE_WAITING | t as u32,
                Purpose::Tier,
            );
            // Callers of unknown tier get one drawn from the shares, longest wait first.
            let mut unknown = state.waiting.get(t).cloned().unwrap_or_default();
            unknown.sort_unstable_by(|a, b| b.cmp(a));
            let mut callers: Vec<(SimTime, u32)> = unknown
                .into_iter()
                .map(|waited| {
                    let tier = if spec.tier_cumulative_shares.len() > 1 {
                        let u: f64 = tier_stream.random();
                        spec.tier_cumulative_shares
                            .iter()
                            .position(|&s| u < s)
                            .unwrap_or(0)
                    } else {
                        0
                    };
                    (waited, spec.classes.start + tier as u32)
                })
                .collect();
            for c in spec.classes.clone() {
                if let Some(waits) = state.waiting_by_class.get(c as usize) {
                    callers.extend(waits.iter().map(|&waited| (waited, c)));
                }
            }
            // Longest wait first: each class's queue in arrival order.
            callers.sort_by_key(|&(waited, _)| std::cmp::Reverse(waited));
            for (queued, (waited, class)) in callers.into_iter().enumerate() {
                let since = SimTime(at.0.saturating_sub(waited.0));
                let handle = spec.handle_time.sample(&mut handle_stream);
                let mut call = WaitingCall {
                    cell: self.tally.cell_of(class, at),
                    ..state_caller(
                        model,
                        replication,
                        (STATE_WAITING, queued),
                        class,
                        t,
                        since,
                        handle,
                    )
                };
                self.take_line(&mut call);
                self.tally.offered(call.cell);
                self.tally.queued(call.cell);
                let remaining = model.classes[class as usize]
                    .patience
                    .as_ref()
                    .map(|p| p.sample_remaining(waited, &mut patience_stream));
                let (slot, generation) = self.queue_from_state(call, waited);
                if let Some(remaining) = remaining {
                    let event = Event::PatienceExpires {
                        call: slot,
                        generation,
                    };
                    self.calendar.schedule(at.saturating_add(remaining), event);
                }
            }
        }
        self.recreate_callbacks(replication, state);
        self.recreate_parked(replication, state, day_end);
        // A state may have free agents and calls they could take: they take them now, each
        // as an agent who has just become free would (itself not counted free, which a
        // reservation minds).
        for g in 0..groups as u32 {
            self.fill_free_slots(g);
        }
    }

    /// Puts group `g`'s contacts in hand in `state` on its agents (all idle, on the floor):
    /// each numbered agent on one fresh agent, in ascending order of number (the order in
    /// which [`Simulation::state`] numbers them), then the unnumbered contacts on the least
    /// loaded; marks the agents winding down. Returns each contact's agent, type by type,
    /// the calls in progress before the wrap-ups (the order of `classes`, their classes).
    fn place_contacts(&mut self, g: u32, state: &StartState, classes: &[u32]) -> Vec<u32> {
        let gi = g as usize;
        let types = self.model.call_types.len();
        let lists: Vec<(u32, &[InHand])> = (0..types)
            .flat_map(|t| {
                [&state.talking, &state.wrapping_up]
                    .map(|list| (t as u32, in_progress(list, gi, t)))
            })
            .collect();
        let numbers: BTreeSet<u32> = lists
            .iter()
            .flat_map(|(_, list)| list.iter().filter_map(|c| c.agent))
            .collect();
        let fresh: Vec<u32> = self.pools.idle_agents(g).take(numbers.len()).collect();
        let agent_numbered: BTreeMap<u32, u32> = numbers.into_iter().zip(fresh).collect();
        let mut agents = vec![u32::MAX; lists.iter().map(|(_, l)| l.len()).sum()];
        // Numbered contacts first, so that the others fill the slots left.
        for numbered in [true, false] {
            let mut i = 0;
            for &(_, list) in &lists {
                for contact in list {
                    let class = classes[i];
                    match (numbered, contact.agent) {
                        (true, Some(n)) => {
                            let agent = agent_numbered[&n];
                            self.pools.take_on(agent, class);
                            agents[i] = agent;
                        }
                        (false, None) => {
                            agents[i] = self
                                .pools
                                .take_idle(g, class)
                                .expect("the headcount covers the agents in hand");
                        }
                        _ => {}
                    }
                    i += 1;
                }
            }
        }
        if self.model.groups[gi].max_concurrent > 1 {
            let breaks = state.leaving_for_break.get(gi);
            for n in state.leaving_agents.get(gi).into_iter().flatten() {
                if let Some(&agent) = agent_numbered.get(n) {
                    let back_at = breaks.and_then(|b| b.get(n)).copied();
                    self.pools
                        .wind_down(agent, back_at.unwrap_or(SimTime::NEVER));
                }
            }
        } else {
            let contacts = lists.iter().flat_map(|(_, list)| list.iter());
            for (contact, &agent) in contacts.zip(&agents) {
                if contact.leaving {
                    self.pools
                        .wind_down(agent, contact.back_at.unwrap_or(SimTime::NEVER));
                }
            }
        }
        agents
    }

    /// Queues a caller of the state who has waited `waited`, with the overflow steps still
    /// ahead of it; returns its slot and generation.
    fn queue_from_state(&mut self, call: WaitingCall, waited: SimTime) -> (u32, u32) {
        let class = call.class;
        let (slot, generation) = self.queues.push(call);
        let steps = &self.model.routing.overflow_steps[class as usize];
        let ahead = steps.partition_point(|&d| d <= waited) as u32;
        self.schedule_overflow(class, slot, generation, ahead);
        (slot, generation)
    }

    /// Queues the callback jobs of `state`, longest-waiting first, each counted in the
    /// state's interval (offered, as a callback job), as the calls waiting are.
    fn recreate_callbacks(&mut self, replication: u32, state: &StartState) {
        let model = self.model;
        let at = state.at;
        for (t, waits) in state.callbacks.iter().enumerate() {
            let spec = &model.call_types[t];
            // The state file refuses callback jobs of a type without callbacks.
            let Some(callback) = &spec.callback else {
                continue;
            };
            let class = callback.class;
            let mut handle_stream = stream(
                model.seed,
                replication,
                STATE_CALLBACKS | t as u32,
                Purpose::HandleTime,
            );
            let mut waits = waits.clone();
            waits.sort_unstable_by(|a, b| b.cmp(a));
            for (serial, waited) in waits.into_iter().enumerate() {
                let since = SimTime(at.0.saturating_sub(waited.0));
                let handle = spec.handle_time.sample(&mut handle_stream);
                let job = WaitingCall {
                    cell: self.tally.cell_of(class, at),
                    ..state_caller(
                        model,
                        replication,
                        (STATE_CALLBACKS, serial),
                        class,
                        t,
                        since,
                        handle,
                    )
                };
                self.tally.offered(job.cell);
                self.tally.count(job.cell, |c| &mut c.callback_jobs);
                self.tally.queued(job.cell);
                self.queue_from_state(job, waited);
            }
        }
    }

    /// Parks the callers of `state` in the IVR and between two calls, each with what is
    /// left of its time there drawn conditioned on the time already spent, to go on as the
    /// engine's own: out of the IVR to self-service or the queue; back with a new attempt
    /// (or a new call), counted then.
    ///
    /// Callers in the IVR are counted in the state's interval (offered; a redial's attempt
    /// as a retrial), as the calls waiting are, and hold a line; their handle time and
    /// patience are fresh draws (the caller has not waited yet). Callers between two calls
    /// are counted when they call, in the interval they call in, as in a run; their handle
    /// time is a fresh draw.
    fn recreate_parked(&mut self, replication: u32, state: &StartState, day_end: SimTime) {
        let model = self.model;
        let at = state.at;
        let mut sources = StateSources::of(model, replication, STATE_IN_IVR, Purpose::Ivr);
        for (serial, p) in state.in_ivr.iter().enumerate() {
            let t = p.call_type as usize;
            let spec = &model.call_types[t];
            // The state file refuses IVR callers of a type without an IVR.
            let Some(ivr) = &spec.ivr else {
                continue;
            };
            let source = &mut sources[t];
            let class = source.class(spec, p.class);
            let handle = spec.handle_time.sample(&mut source.handle);
            let patience = model.classes[class as usize]
                .patience
                .as_ref()
                .map_or(SimTime::NEVER, |d| d.sample(&mut source.patience));
            let remaining = ivr.time.sample_remaining(p.elapsed, &mut source.remaining);
            let since = SimTime(at.0.saturating_sub(p.elapsed.0));
            let mut call = WaitingCall {
                cell: self.tally.cell_of(class, at),
                patience,
                attempt: p.attempt.max(1),
                ..state_caller(
                    model,
                    replication,
                    (STATE_IN_IVR, serial),
                    class,
                    t,
                    since,
                    handle,
                )
            };
            self.take_line(&mut call);
            self.tally.offered(call.cell);
            if call.attempt > 1 {
                self.tally.count(call.cell, |c| &mut c.retrials);
            }
            let (slot, generation) = self.queues.park(call, Place::Ivr);
            self.calendar.schedule(
                at.saturating_add(remaining),
                Event::IvrEnd {
                    call: slot,
                    generation,
                },
            );
        }
        let window = SimTime(day_end.0.saturating_sub(at.0));
        for (callers, mark, purpose) in [
            (&state.redialing, STATE_REDIALING, Purpose::Retrial),
            (
                &state.calling_again,
                STATE_CALLING_AGAIN,
                Purpose::AfterCall,
            ),
        ] {
            let mut sources = StateSources::of(model, replication, mark, purpose);
            for (serial, p) in callers.iter().enumerate() {
                let t = p.call_type as usize;
                let spec = &model.call_types[t];
                let (delay, attempt) = if mark == STATE_REDIALING {
                    (spec.retrial.as_ref().map(|r| &r.delay), p.attempt.max(2))
                } else {
                    (spec.unresolved.as_ref().map(|u| &u.delay), 1)
                };
                // The state file refuses callers of a type that has no such delay.
                let Some(delay) = delay else {
                    continue;
                };
                let source = &mut sources[t];
                let class = source.class(spec, p.class);
                let handle = spec.handle_time.sample(&mut source.handle);
                let remaining = remaining_within(delay, p.elapsed, window, &mut source.remaining);
                let due = at.saturating_add(remaining);
                if due >= model.horizon {
                    continue; // after the forecast's end, where the engine drops its own
                }
                let since = SimTime(at.0.saturating_sub(p.elapsed.0));
                let call = WaitingCall {
                    attempt,
                    ..state_caller(model, replication, (mark, serial), class, t, since, handle)
                };
                let (slot, generation) = self.queues.park(call, Place::Redialing);
                self.calendar.schedule(
                    due,
                    Event::Redial {
                        call: slot,
                        generation,
                    },
                );
            }
        }
    }

    /// When the break that `agent` is leaving for ends, if it is winding down for a break
    /// still to end.
    fn back_from_break(&self, agent: u32) -> Option<SimTime> {
        let a = self.pools.agent(agent);
        (a.leaving && a.back_at != SimTime::NEVER && a.back_at > self.now).then_some(a.back_at)
    }

    /// The live state now, for starting a forecast from it (see [`StartState`]).
    pub fn state(&self) -> StartState {
        let model = self.model;
        let (types, groups) = (model.call_types.len(), model.groups.len());
        // Callers of a type without tiers by type, of a tier by class.
        let mut waiting = vec![Vec::new(); types];
        let mut waiting_by_class = vec![Vec::new(); model.classes.len()];
        for (t, ct) in model.call_types.iter().enumerate() {
            let callback = ct.callback.as_ref().map(|c| c.class);
            for c in ct.classes.clone().filter(|&c| Some(c) != callback) {
                let list = if model.classes[c as usize].tier.is_some() {
                    &mut waiting_by_class[c as usize]
                } else {
                    &mut waiting[t]
                };
                list.extend(self.queues.iter(c).map(|call| self.now - call.arrival));
            }
        }
        for list in waiting.iter_mut().chain(&mut waiting_by_class) {
            list.sort_unstable_by(|a: &SimTime, b| b.cmp(a));
        }
        let mut talking = vec![vec![Vec::new(); types]; groups];
        let mut wrapping_up = vec![vec![Vec::new(); types]; groups];
        // (group, its contact, talking, when its talk or wrap-up ends)
        let in_hand: Vec<(u32, u32, bool, SimTime)> = self
            .calendar
            .events()
            .filter_map(|(end, event)| match event {
                Event::ServiceEnd { contact } => Some((contact, true, end)),
                Event::WrapUpEnd { contact } => Some((contact, false, end)),
                _ => None,
            })
            .map(|(contact, talk, end)| (self.in_service.get(contact).group, contact, talk, end))
            .collect();
        // A chat agent's number: its rank among its group's agents holding contacts.
        let mut holders = vec![Vec::new(); groups];
        for &(g, contact, ..) in &in_hand {
            if model.groups[g as usize].max_concurrent > 1 {
                holders[g as usize].push(self.in_service.get(contact).agent);
            }
        }
        for list in &mut holders {
            list.sort_unstable();
            list.dedup();
        }
        let number = |g: u32, agent: u32| {
            holders[g as usize]
                .binary_search(&agent)
                .ok()
                .map(|n| n as u32)
        };
        for &(g, contact, talk, end) in &in_hand {
            let InService {
                call, agent, since, ..
            } = *self.in_service.get(contact);
            let group = &model.groups[g as usize];
            // The talk is the need slowed by the other contacts held when it began.
            let others = (talk && group.slows_contacts()).then(|| {
                group.others_behind((end - since).as_seconds() / call.handle.as_seconds())
            });
            let lists = if talk { &mut talking } else { &mut wrapping_up };
            // The class when there is one to keep: a tier, or a callback job's.
            let spec = &model.call_types[call.call_type as usize];
            let callback = spec
                .callback
                .as_ref()
                .is_some_and(|c| c.class == call.class);
            let tier = model.classes[call.class as usize].tier.is_some();
            lists[g as usize][call.call_type as usize].push(InHand {
                elapsed: self.now - since,
                agent: number(g, agent),
                others,
                class: (callback || tier).then_some(call.class),
                // A chat agent winding down is in `leaving_agents`.
                leaving: group.max_concurrent == 1 && self.pools.agent(agent).leaving,
                back_at: (group.max_concurrent == 1)
                    .then(|| self.back_from_break(agent))
                    .flatten(),
            });
        }
        // Every field in the key: contacts that differ only in whether their agent leaves
        // (or goes on a break) must list alike however they were found.
        for list in talking.iter_mut().chain(&mut wrapping_up).flatten() {
            list.sort_unstable_by_key(|c| {
                let elapsed = std::cmp::Reverse(c.elapsed);
                (
                    kept(c.elapsed),
                    c.agent,
                    c.others,
                    c.class,
                    c.leaving,
                    c.back_at,
                    elapsed,
                )
            });
        }
        let leaving_agents = holders
            .iter()
            .map(|list| {
                (0..list.len() as u32)
                    .filter(|&n| self.pools.agent(list[n as usize]).leaving)
                    .collect()
            })
            .collect();
        let leaving_for_break = holders
            .iter()
            .map(|list| {
                (0..list.len() as u32)
                    .filter_map(|n| Some((n, self.back_from_break(list[n as usize])?)))
                    .collect()
            })
            .collect();
        let (mut in_ivr, mut redialing, mut calling_again) = (Vec::new(), Vec::new(), Vec::new());
        for (place, call) in self.queues.parked_calls() {
            let caller = ParkedCaller {
                call_type: call.call_type,
                class: model.classes[call.class as usize]
                    .tier
                    .is_some()
                    .then_some(call.class),
                // In the IVR since it reached the centre; away since it hung up.
                elapsed: self.now - call.arrival,
                attempt: call.attempt,
            };
            match place {
                Place::Ivr => in_ivr.push(caller),
                // A repeat call is a caller's new first attempt; a redial is a later one.
                _ if call.attempt > 1 => redialing.push(caller),
                _ => calling_again.push(caller),
            }
        }
        for list in [&mut in_ivr, &mut redialing, &mut calling_again] {
            list.sort_unstable_by_key(|p| {
                let elapsed = std::cmp::Reverse(p.elapsed);
                (p.call_type, kept(p.elapsed), p.class, p.attempt, elapsed)
            });
        }
        let callbacks = model
            .call_types
            .iter()
            .map(|ct| {
                ct.callback.as_ref().map_or_else(Vec::new, |c| {
                    self.queues
                        .iter(c.class)
                        .map(|job| self.now - job.arrival)
                        .collect()
                })
            })
            .collect();
        StartState {
            at: self.now,
            waiting,
            waiting_by_class,
            talking,
            wrapping_up,
            leaving_agents,
            leaving_for_break,
            staffing_delta: (0..groups as u32).map(|g| self.staffing_delta(g)).collect(),
            in_ivr,
            redialing,
            calling_again,
            callbacks,
            busyness: model.busyness_cv.map(|_| self.busyness),
        }
    }
}

/// The resolution to which a state file keeps elapsed times: a millisecond.
pub const STATE_RESOLUTION: SimTime = SimTime(1_000_000);

/// The sort key of an elapsed time in a [`StartState`]'s lists: longest first, to the
/// [`STATE_RESOLUTION`] a state file keeps, so that a state read back from its file lists
/// its contacts and callers in the same order as the state written (the nanoseconds only
/// break the ties left).
fn kept(elapsed: SimTime) -> std::cmp::Reverse<u64> {
    std::cmp::Reverse(elapsed.0 / STATE_RESOLUTION.0)
}
