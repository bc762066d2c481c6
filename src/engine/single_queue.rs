//! A centre of one queue, run by its recursion instead of event by event.
//!
//! In a centre where one call type (its tiers too, where the policy serves them first come,
//! first served) is answered first come, first served by one group of single-contact agents
//! staffed by interval (lines and an IVR or not; no redials, callbacks, transfers, repeat
//! calls, shifts, delays or reservations), a caller's fate
//! depends only on the callers before it: it finds a line if fewer of those that arrived
//! before it still hold one; it is answered by the first agent free after those that
//! reached the queue before it (on arrival, or on leaving the IVR), if that comes before
//! its patience runs out; and an abandoning caller changes nothing for anyone else. So the
//! callers can be taken one at a time in the order they reach the queue, keeping only the
//! times at which the agents are next free (the Kiefer–Wolfowitz recursion, with
//! abandonment and a headcount that changes by interval), when the calls holding lines let
//! them go, and who is in the IVR: a few heap operations per call, no event calendar, and
//! a cost per call that does not grow with the queue.
//!
//! It draws the same numbers from the same streams as the event loop, in the same order per
//! stream, and tells the [`Tally`] the same things (its sums are integers, so the order in
//! which they are added does not matter): the tally is identical. Where two times it
//! compares are equal, the event loop's order among simultaneous events decides what
//! happens, which the recursion does not model: it stops with [`Tie`], and the caller runs
//! the replication event by event. With continuous distributions that is rare.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, VecDeque};

use super::{
    add_scheduled_time, busyness_factor, call_sources, empty_tally, headcount_changes,
    monotone::{Keyed, MonotoneQueue},
    slice_end,
};
use crate::dist::{chance, CallerDraws};
use crate::model::{Model, Policy};
use crate::stats::Tally;
use crate::time::SimTime;

/// Two times the recursion compares were equal: the replication must be run event by event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Tie;

/// Whether `model` is a single first-come-first-served queue, which the engine runs by the
/// queue's recursion rather than event by event (under a router that serves it so,
/// [`crate::routing::Router::is_work_conserving`]).
pub fn is_single_queue(model: &Model) -> bool {
    let ([call_type], [group]) = (model.call_types.as_slice(), model.groups.as_slice()) else {
        return false;
    };
    let routing = &model.routing;
    let classes = 0..model.classes.len() as u32;
    model.trace.is_none()
        && call_type.retrial.is_none()
        && call_type.transfer.is_none()
        && call_type.unresolved.is_none()
        && call_type.callback.is_none()
        && call_type.serving_groups == [0]
        && group.max_concurrent <= 1
        && group.shifts.is_empty()
        && classes
            .clone()
            .all(|c| routing.delay(c, 0, 1) == SimTime::ZERO)
        && routing.reserves.iter().all(Option::is_none)
        && routing.overflow_steps.iter().all(Vec::is_empty)
        && tiers_share_one_queue(model)
}

/// Whether the call type's tiers (if it has any) are answered first come, first served
/// across them: under skill-priority and longest-idle, and under priority or weighted-wait
/// when every tier has the same priority or weight (then the longer wait always wins).
fn tiers_share_one_queue(model: &Model) -> bool {
    let all_equal = |of: fn(&crate::model::CallClass) -> f64| {
        model.classes.iter().all(|c| of(c) == of(&model.classes[0]))
    };
    match model.routing.policy {
        Policy::SkillPriority | Policy::LongestIdle => true,
        Policy::Priority => all_equal(|c| c.priority),
        Policy::WeightedWait => all_equal(|c| c.weight),
    }
}

/// The agents of the one group: when each on the floor is next free, and their time on the
/// floor, added to the tally as the count changes (as the event loop adds it).
struct Agents {
    /// When each agent staying on the floor is next free (in the past: idle).
    free_at: BinaryHeap<Reverse<SimTime>>,
    /// When each agent due to leave finishes its call and goes.
    leaving: Vec<SimTime>,
    /// Agents on the floor (those due to leave included), and since when.
    on_floor: u32,
    on_floor_since: SimTime,
}

impl Agents {
    /// The earliest time an agent staying on the floor is free; `None` with nobody on it.
    #[inline(always)]
    fn first_free(&self) -> Option<SimTime> {
        self.free_at.peek().map(|r| r.0)
    }

    /// The first free agent is next free at `until`.
    #[inline(always)]
    fn occupy_first(&mut self, until: SimTime) {
        *self.free_at.peek_mut().expect("an agent to occupy") = Reverse(until);
    }

    /// From `at` on, `count` agents are on the floor.
    fn floor_count(&mut self, tally: &mut Tally, at: SimTime, count: u32) {
        tally.staffed(0, self.on_floor, self.on_floor_since, at);
        self.on_floor = count;
        self.on_floor_since = at;
    }

    /// The agents due to leave whose call ends before `at` go, in the order their calls end.
    fn let_go_before(&mut self, tally: &mut Tally, at: SimTime) {
        self.leaving.sort_unstable();
        let gone = self.leaving.partition_point(|&f| f < at);
        for i in 0..gone {
            let f = self.leaving[i];
            self.floor_count(tally, f, self.on_floor - 1);
        }
        self.leaving.drain(..gone);
    }

    /// The headcount becomes `target` at `at`, as the event loop's `Pools::set_headcount`
    /// does it: on a drop the idle agents leave first, then the next agents to finish a
    /// call; on a rise agents still due to leave stay (the last to finish first, so those
    /// that go are still the next to finish), then new ones arrive idle.
    fn set_headcount(&mut self, tally: &mut Tally, at: SimTime, target: usize) -> Result<(), Tie> {
        self.let_go_before(tally, at);
        if self.leaving.first() == Some(&at) {
            return Err(Tie);
        }
        let staying = self.free_at.len();
        if target < staying {
            let mut idle = 0;
            for _ in target..staying {
                let Reverse(f) = self.free_at.pop().expect("more staying than the target");
                match f.cmp(&at) {
                    std::cmp::Ordering::Less => idle += 1,
                    std::cmp::Ordering::Equal => return Err(Tie),
                    std::cmp::Ordering::Greater => self.leaving.push(f),
                }
            }
            if self.first_free() == Some(at) {
                return Err(Tie);
            }
            self.floor_count(tally, at, self.on_floor - idle);
        } else {
            let mut missing = target - staying;
            while missing > 0 {
                let Some(f) = self.leaving.pop() else { break };
                self.free_at.push(Reverse(f));
                missing -= 1;
            }
            if missing > 0 {
                self.floor_count(tally, at, self.on_floor + missing as u32);
                self.free_at
                    .extend(std::iter::repeat_n(Reverse(at), missing));
            }
        }
        Ok(())
    }

    /// Adds the rest of the agents' time on the floor to the tally, up to the end of the
    /// day (the tally keeps only the reporting window).
    fn account_staffed(mut self, tally: &mut Tally, horizon: SimTime) {
        self.let_go_before(tally, SimTime::NEVER);
        let end = self.on_floor_since.max(horizon);
        self.floor_count(tally, end, 0);
    }
}

/// The lines of a centre that has a limit: when each call holding one lets it go.
struct Lines {
    limit: usize,
    released_at: BinaryHeap<Reverse<SimTime>>,
}

impl Lines {
    /// Whether a call arriving at `at` finds every line busy, once the calls that ended
    /// before it have let theirs go; `in_ivr` more hold one in the IVR.
    #[inline]
    fn all_busy(&mut self, at: SimTime, in_ivr: usize) -> Result<bool, Tie> {
        while let Some(&Reverse(released)) = self.released_at.peek() {
            if released > at {
                break;
            }
            if released == at {
                return Err(Tie);
            }
            self.released_at.pop();
        }
        Ok(self.released_at.len() + in_ivr >= self.limit)
    }

    /// A call holds a line until `released` (never: [`SimTime::NEVER`]).
    #[inline]
    fn hold_until(&mut self, released: SimTime) {
        self.released_at.push(Reverse(released));
    }
}

/// Replication `replication` of `model` (for which [`is_single_queue`] holds), its callers
/// taken in the order they reach the queue. `passed` is called as
/// [`super::simulate_in_slices`] calls it: as the arrivals pass the end of each of the first
/// `slices - 1` equal parts of the day, and once more at the end. On a [`Tie`], also returns
/// how many times it was called.
pub fn simulate(
    model: &Model,
    replication: u32,
    slices: u64,
    mut passed: impl FnMut(),
) -> Result<Tally, (Tie, u64)> {
    let mut ticks = 0;
    let mut tick = || {
        ticks += 1;
        passed();
    };
    let result = run(model, replication, slices, &mut tick);
    result.map_err(|tie| (tie, ticks))
}

/// A caller on its way to the queue, with what was drawn for it on arrival.
#[derive(Debug, Clone, Copy)]
struct Caller {
    /// When it reaches the queue: its arrival, or the end of its time in the IVR.
    enters: SimTime,
    /// Its arrival's number among the callers (orders callers leaving the IVR together).
    serial: u64,
    /// Its tier's class.
    class: u32,
    cell: u32,
    handle: SimTime,
    patience: SimTime,
    draws: CallerDraws,
}

impl Keyed for Caller {
    /// By the time it reaches the queue, then by serial: unique.
    #[inline(always)]
    fn key(&self) -> u128 {
        (u128::from(self.enters.0) << 64) | u128::from(self.serial)
    }
}

/// The callers in the IVR, the first to leave it first.
enum InIvr {
    /// Of a constant time in the IVR: they leave in the order they came.
    Fifo(VecDeque<Caller>),
    /// Of times drawn at random: they leave in order of `Caller::key`.
    Queue(MonotoneQueue<Caller>),
}

impl InIvr {
    /// The caller who leaves the IVR first.
    #[inline]
    fn first(&self) -> Option<&Caller> {
        match self {
            InIvr::Fifo(callers) => callers.front(),
            InIvr::Queue(callers) => callers.first(),
        }
    }

    #[inline]
    fn pop(&mut self) -> Option<Caller> {
        match self {
            InIvr::Fifo(callers) => callers.pop_front(),
            InIvr::Queue(callers) => callers.pop(),
        }
    }

    #[inline]
    fn push(&mut self, caller: Caller) {
        match self {
            InIvr::Fifo(callers) => callers.push_back(caller),
            InIvr::Queue(callers) => callers.push(caller),
        }
    }

    #[inline]
    fn len(&self) -> usize {
        match self {
            InIvr::Fifo(callers) => callers.len(),
            InIvr::Queue(callers) => callers.len(),
        }
    }
}

/// The queue's side of the centre: the agents, their headcount changes to come, and the
/// lines (the calls let them go as their fates are known).
struct Queue<'m> {
    model: &'m Model,
    agents: Agents,
    /// The headcount's change points still to come, as the event loop schedules them.
    changes: std::iter::Peekable<std::vec::IntoIter<(SimTime, u32)>>,
    lines: Option<Lines>,
}

impl Queue<'_> {
    /// The caller reaches the queue: answered at once or later, abandoned, or left waiting
    /// with nobody to answer.
    #[inline(always)]
    fn offer(&mut self, mut caller: Caller, tally: &mut Tally) -> Result<(), Tie> {
        let enters = caller.enters;
        let cell = caller.cell;
        // Changes of headcount before the caller could be answered (or while nobody is on
        // the floor) come first.
        let start = loop {
            let start = self.agents.first_free().map(|f| f.max(enters));
            match self.changes.peek() {
                Some(&(at, n)) if start.is_none_or(|s| at < s) => {
                    if at == enters {
                        return Err(Tie);
                    }
                    self.agents.set_headcount(tally, at, n as usize)?;
                    self.changes.next();
                }
                Some(&(at, _)) if start == Some(at) => return Err(Tie),
                _ => break start,
            }
        };
        let start = match start {
            Some(SimTime::NEVER) => return Err(Tie),
            Some(s) if s == enters => {
                if self.agents.first_free() == Some(enters) {
                    return Err(Tie);
                }
                s
            }
            start => {
                tally.queued(cell);
                let patience = caller.patience;
                let gives_up = enters.saturating_add(patience);
                match start {
                    Some(s) if patience == SimTime::NEVER || s < gives_up => s,
                    Some(s) if s == gives_up => return Err(Tie),
                    None if patience == SimTime::NEVER => {
                        tally.unserved(cell);
                        self.hold_line_until(SimTime::NEVER);
                        return Ok(());
                    }
                    _ => {
                        tally.abandoned(cell);
                        self.hold_line_until(gives_up);
                        return Ok(());
                    }
                }
            }
        };
        tally.answered(cell, caller.class, 0, enters, start, caller.handle);
        let mut free = start.saturating_add(caller.handle);
        self.hold_line_until(free);
        if let Some(wrap_up) = &self.model.call_types[0].wrap_up {
            let w = wrap_up.sample(&mut caller.draws.next_stream());
            if w > SimTime::ZERO {
                let end = free.saturating_add(w);
                tally.wrap_up(cell, caller.class, 0, free, end);
                free = end;
            }
        }
        self.agents.occupy_first(free);
        Ok(())
    }

    /// The call holds its line (if the centre counts lines) until `released`.
    #[inline(always)]
    fn hold_line_until(&mut self, released: SimTime) {
        if let Some(lines) = &mut self.lines {
            lines.hold_until(released);
        }
    }
}

/// [`simulate`]'s recursion; `tick` is its `passed`. Callers are taken in the order they
/// reach the queue: as they arrive, or, behind an IVR, as they leave it (those in it wait
/// in a heap, and each arrival first lets those that left before it on).
fn run(model: &Model, replication: u32, slices: u64, tick: &mut dyn FnMut()) -> Result<Tally, Tie> {
    let spec = &model.call_types[0];
    let group = &model.groups[0];
    let mut source = call_sources(model, replication, busyness_factor(model, replication))
        .pop()
        .expect("one call type");
    let mut tally = empty_tally(model);
    let points = group.available(model.interval);
    let changes: Vec<(SimTime, u32)> = points
        .first()
        .copied()
        .into_iter()
        .chain(headcount_changes(&points).map(|(_, point)| point))
        .collect();
    let limit = model.line_limits().bounding(&[0]);
    let mut queue = Queue {
        model,
        agents: Agents {
            free_at: BinaryHeap::new(),
            leaving: Vec::new(),
            on_floor: 0,
            on_floor_since: SimTime::ZERO,
        },
        changes: changes.into_iter().peekable(),
        lines: limit.map(|limit| Lines {
            limit: limit as usize,
            released_at: BinaryHeap::new(),
        }),
    };
    if let Some((at, n)) = queue.changes.next() {
        queue.agents.set_headcount(&mut tally, at, n as usize)?;
    }
    let (mut slice, mut next_slice_end) = (1, slice_end(model, 1, slices));
    let mut in_ivr = match &spec.ivr {
        Some(ivr) if ivr.time.is_constant() => InIvr::Fifo(VecDeque::new()),
        _ => InIvr::Queue(MonotoneQueue::default()),
    };
    let mut last_arrival = SimTime::NEVER;
    let mut next_arrival = source
        .arrivals
        .next_after(SimTime::ZERO, &mut source.arrival_stream);
    loop {
        // The next caller to reach the queue or the centre, in time order.
        let leaves_ivr = match (in_ivr.first(), next_arrival) {
            (Some(c), Some(a)) if c.enters == a => return Err(Tie),
            (Some(c), Some(a)) => c.enters < a,
            (Some(_), None) => true,
            (None, Some(_)) => false,
            (None, None) => break,
        };
        if leaves_ivr {
            let mut caller = in_ivr.pop().expect("peeked");
            if in_ivr.first().is_some_and(|c| c.enters == caller.enters) {
                return Err(Tie);
            }
            let ivr = spec.ivr.as_ref().expect("a caller in the IVR has one");
            if chance(&mut caller.draws.next_stream(), ivr.self_service) {
                tally.count(caller.cell, |c| &mut c.deflected);
                queue.hold_line_until(caller.enters);
                continue;
            }
            queue.offer(caller, &mut tally)?;
            continue;
        }
        let arrival = next_arrival.expect("an arrival comes next");
        next_arrival = source
            .arrivals
            .next_after(arrival, &mut source.arrival_stream);
        while slice < slices && arrival > next_slice_end {
            tick();
            slice += 1;
            next_slice_end = slice_end(model, slice, slices);
        }
        // Callers of two tiers arriving together reach the queue in the event loop's class
        // order, not in arrival order.
        if arrival == last_arrival && model.classes.len() > 1 {
            return Err(Tie);
        }
        last_arrival = arrival;
        let (serial, draws) = source.next_caller();
        let (class, handle, patience) = source.draw_new_caller(spec, &model.classes);
        let mut caller = Caller {
            enters: arrival,
            serial,
            class,
            cell: tally.cell_of(class, arrival),
            handle,
            patience,
            draws,
        };
        tally.offered(caller.cell);
        if let Some(lines) = &mut queue.lines {
            if lines.all_busy(arrival, in_ivr.len())? {
                tally.count(caller.cell, |c| &mut c.blocked);
                continue;
            }
        }
        match &spec.ivr {
            Some(ivr) => {
                let time = ivr.time.sample(&mut caller.draws.next_stream());
                caller.enters = arrival.saturating_add(time);
                in_ivr.push(caller);
            }
            None => queue.offer(caller, &mut tally)?,
        }
    }
    for (at, n) in queue.changes {
        queue.agents.set_headcount(&mut tally, at, n as usize)?;
    }
    queue.agents.account_staffed(&mut tally, model.horizon);
    add_scheduled_time(&mut tally, model, 0, model.horizon);
    while slice < slices {
        tick();
        slice += 1;
    }
    tick();
    Ok(tally)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::routing::{EventByEvent, ModelRouter};
    use crate::scenario::Source;

    fn model(text: &str) -> Model {
        Source {
            origin: "<test>".into(),
            text: text.into(),
        }
        .load()
        .unwrap_or_else(|e| panic!("{e}"))
    }

    /// A replication's measures, as JSON.
    fn measures(model: &Model, tally: Tally) -> String {
        serde_json::to_string(&tally.into_measures(model)).unwrap()
    }

    /// Replication `rep` event by event.
    fn by_events(model: &Model, rep: u32) -> String {
        let router = EventByEvent(ModelRouter::new(model));
        measures(model, super::super::simulate(model, router, rep))
    }

    /// A queue of 400 calls an hour (27 Erlangs) whose headcount falls far below the load
    /// and rises again while callers wait, then falls to nobody with callers still waiting.
    fn rising_and_falling(extra: &str) -> String {
        format!(
            "name = \"q\"\n[simulation]\nduration = \"2h\"\ninterval = \"10m\"\nwarmup = \"10m\"\n\
             busyness_cv = 0.1\n[[call_types]]\nname = \"q\"\narrival_rate = 400\n\
             handle_time = {{ distribution = \"lognormal\", mean = \"4m\", cv = 0.8 }}\n\
             wrap_up = {{ distribution = \"exponential\", mean = \"30s\" }}\n{extra}\n\
             [[agent_groups]]\nname = \"a\"\nskills = [\"q\"]\nshrinkage = 0.1\n\
             agents_by_interval = [33, 5, 5, 45, 12, 0, 30, 31, 8, 8, 40, 0]\n"
        )
    }

    #[test]
    fn headcounts_that_fall_and_rise_under_a_queue_count_as_the_event_loop_counts() {
        let patient = "patience = { distribution = \"exponential\", mean = \"10m\" }";
        let ivr = "ivr = { time = { distribution = \"lognormal\", mean = \"40s\", cv = 1.5 }, \
                   self_service = 0.25 }";
        let tiers = "tiers = [{ name = \"gold\", share = 0.3, priority = 2, \
                     patience = { distribution = \"gamma\", mean = \"3m\", cv = 0.5 }, \
                     service_level = { threshold = \"10s\", target = 0.9 } }, \
                     { name = \"basic\", share = 0.7 }]";
        let ivr_and_tiers = format!("{ivr}\n{tiers}");
        let constant_ivr = "ivr = { time = { distribution = \"constant\", value = \"25s\" }, \
                            self_service = 0.1 }";
        for (patience, lines, ivr) in [
            (patient, "", ""),
            ("", "", ""),
            (patient, "trunks = 45", ""),
            ("", "trunks = 60", ""),
            (patient, "", ivr),
            (patient, "trunks = 32", ivr),
            ("", "trunks = 40", constant_ivr),
            (patient, "trunks = 32", tiers),
            (patient, "", &ivr_and_tiers),
        ] {
            let extra = format!("{patience}\n{lines}\n{ivr}");
            let model = model(&rising_and_falling(&extra));
            assert!(is_single_queue(&model));
            for rep in 0..4 {
                let tally = simulate(&model, rep, 1, || {}).expect("no tie");
                let total = &tally.clone().into_measures(&model).total;
                assert!(total.offered > 600.0 && total.queued > 100.0, "{total:?}");
                let ends = if patience.is_empty() {
                    total.unserved
                } else {
                    total.abandoned
                };
                assert!(ends > 10.0, "{extra}: {total:?}");
                assert_eq!(
                    total.blocked > 10.0,
                    !lines.is_empty(),
                    "{extra}: {total:?}"
                );
                let deflects = ivr.contains("ivr");
                assert_eq!(total.deflected > 10.0, deflects, "{extra}: {total:?}");
                assert_eq!(measures(&model, tally), by_events(&model, rep), "rep {rep}");
            }
        }
    }

    #[test]
    fn thousands_pending_count_as_the_event_loop_counts() {
        // A day that swells from 40 to 2,500 agents, thousands of talks and of callers in
        // the IVR and waiting, and shrinks back: the event loop's calendar and the
        // recursion's IVR turn into radix heaps and back into heaps (more than 1,024
        // pending, then fewer than 256), and both ways of running give the same figures.
        let model = model(
            "name = \"q\"\n[simulation]\nduration = \"3h\"\ninterval = \"30m\"\n\
             [[call_types]]\nname = \"q\"\narrival_rates = [500, 30000, 45000, 30000, 500, 100]\n\
             handle_time = { distribution = \"lognormal\", mean = \"4m\", cv = 0.8 }\n\
             patience = { distribution = \"exponential\", mean = \"5m\" }\n\
             ivr = { time = { distribution = \"exponential\", mean = \"3m\" }, self_service = 0.1 }\n\
             [[agent_groups]]\nname = \"a\"\nskills = [\"q\"]\n\
             agents_by_interval = [40, 1800, 2500, 1500, 40, 40]\n",
        );
        assert!(is_single_queue(&model));
        let tally = simulate(&model, 0, 1, || {}).expect("no tie");
        let total = &tally.clone().into_measures(&model).total;
        assert!(
            total.offered > 50_000.0 && total.abandoned > 1_000.0,
            "{total:?}"
        );
        assert_eq!(measures(&model, tally), by_events(&model, 0));
    }

    #[test]
    fn a_tie_is_left_to_the_event_loop() {
        // Agents arriving at 10:00 answer waiting callers for exactly ten minutes, so their
        // calls end as the headcount falls at 20:00: which comes first is the event loop's
        // order of simultaneous events.
        let model = model(
            "name = \"q\"\n[simulation]\nduration = \"30m\"\ninterval = \"10m\"\n\
             [[call_types]]\nname = \"q\"\narrival_rate = 100\n\
             handle_time = { distribution = \"constant\", value = \"10m\" }\n\
             [[agent_groups]]\nname = \"a\"\nskills = [\"q\"]\nagents_by_interval = [2, 5, 1]\n",
        );
        let mut ticks = 0;
        let tie = simulate(&model, 0, 4, || ticks += 1).map(|_| ());
        assert!(
            matches!(tie, Err((Tie, n)) if n == ticks && n < 4),
            "{tie:?}"
        );
        let mut ticks = 0;
        let router = ModelRouter::new(&model);
        let tally = super::super::simulate_in_slices(&model, router, 0, 4, || ticks += 1);
        assert_eq!(ticks, 4, "each slice is told once");
        assert_eq!(measures(&model, tally), by_events(&model, 0));
    }

    #[test]
    fn only_a_single_first_come_first_served_queue_is_run_by_recursion() {
        let plain = rising_and_falling("");
        assert!(is_single_queue(&model(&plain)));
        let second_type = "[[call_types]]\nname = \"r\"\narrival_rate = 10\n\
                           handle_time = { distribution = \"exponential\", mean = \"1m\" }\n\
                           [[agent_groups]]";
        for (what, text) in [
            ("redials", plain.replace("[[agent_groups]]", "trunks = 5\nretrial = { probability = 0.5, delay = { distribution = \"constant\", value = \"1m\" } }\n[[agent_groups]]")),
            (
                "tiers of different priorities under priority",
                format!("{plain}\n[routing]\npolicy = \"priority\"\n").replace(
                    "[[agent_groups]]",
                    "tiers = [{ name = \"gold\", share = 0.5, priority = 1 }, \
                     { name = \"basic\", share = 0.5 }]\n[[agent_groups]]",
                ),
            ),
            ("a chat desk", format!("{plain}max_concurrent = 2\n")),
            ("two call types", plain.replace("[[agent_groups]]", second_type).replace("[\"q\"]", "[\"q\", \"r\"]")),
            ("a reservation", format!("{plain}\n[routing]\npolicy = \"skill-priority+reserve\"\n[[routing.reserve]]\ngroup = \"a\"\nagents = 2\nfor = [\"q\"]\n")),
        ] {
            assert!(!is_single_queue(&model(&text)), "{what}");
        }
    }
}
