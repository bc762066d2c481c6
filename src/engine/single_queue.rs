//! A centre of one queue, run by its recursion instead of event by event.
//!
//! In a centre where one call class is answered first come, first served by one group of
//! single-contact agents staffed by interval (no lines, IVR, redials, callbacks, transfers,
//! repeat calls, shifts, delays or reservations), a caller's fate depends only on the
//! callers before it: it is answered by the first agent free after them, if that comes
//! before its patience runs out, and an abandoning caller changes nothing for anyone else.
//! So the callers can be taken one at a time in arrival order, keeping only the times at
//! which the agents are next free (the Kiefer–Wolfowitz recursion, with abandonment and a
//! headcount that changes by interval): one heap operation per answered call, no timers,
//! and a cost per call that does not grow with the queue.
//!
//! It draws the same numbers from the same streams as the event loop, in the same order per
//! stream, and tells the [`Tally`] the same things (its sums are integers, so the order in
//! which they are added does not matter): the tally is identical. Where two times it
//! compares are equal, the event loop's order among simultaneous events decides what
//! happens, which the recursion does not model: it stops with [`Tie`], and the caller runs
//! the replication event by event. With continuous distributions that is rare.

use std::cmp::Reverse;
use std::collections::BinaryHeap;

use super::{busyness_factor, call_sources};
use crate::dist::CallerDraws;
use crate::model::Model;
use crate::stats::Tally;
use crate::time::SimTime;

/// Two times the recursion compares were equal: the replication must be run event by event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Tie;

/// Whether `model` is a single first-come-first-served queue that [`simulate`] can run.
pub fn is_single_queue(model: &Model) -> bool {
    let ([call_type], [group], [_class]) = (
        model.call_types.as_slice(),
        model.groups.as_slice(),
        model.classes.as_slice(),
    ) else {
        return false;
    };
    let routing = &model.routing;
    model.trace.is_none()
        && model.trunks.is_none()
        && call_type.trunks.is_none()
        && call_type.ivr.is_none()
        && call_type.retrial.is_none()
        && call_type.transfer.is_none()
        && call_type.unresolved.is_none()
        && call_type.callback.is_none()
        && call_type.serving_groups == [0]
        && group.max_concurrent <= 1
        && group.shifts.is_empty()
        && routing.delay(0, 0, 1) == SimTime::ZERO
        && routing.reserves.iter().all(Option::is_none)
        && routing.overflow_steps.iter().all(Vec::is_empty)
}

/// The agents of the one group: when each on the floor is next free, and the times at
/// which the count on the floor changes.
struct Agents {
    /// When each agent staying on the floor is next free (in the past: idle).
    free_at: BinaryHeap<Reverse<SimTime>>,
    /// When each agent due to leave finishes its call and goes.
    leaving: Vec<SimTime>,
    /// Changes of the count on the floor: (when, +1 or −1 per agent).
    presence: Vec<(SimTime, i64)>,
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

    /// The headcount becomes `target` at `at`, as the event loop's `Pools::set_headcount`
    /// does it: on a drop the idle agents leave first, then the next agents to finish a
    /// call; on a rise agents still due to leave stay (the last to finish first, so those
    /// that go are still the next to finish), then new ones arrive idle.
    fn set_headcount(&mut self, at: SimTime, target: usize) -> Result<(), Tie> {
        let mut still_leaving = Vec::new();
        for &f in &self.leaving {
            match f.cmp(&at) {
                std::cmp::Ordering::Less => self.presence.push((f, -1)),
                std::cmp::Ordering::Equal => return Err(Tie),
                std::cmp::Ordering::Greater => still_leaving.push(f),
            }
        }
        self.leaving = still_leaving;
        let staying = self.free_at.len();
        if target < staying {
            for _ in target..staying {
                let Reverse(f) = self.free_at.pop().expect("more staying than the target");
                match f.cmp(&at) {
                    std::cmp::Ordering::Less => self.presence.push((at, -1)),
                    std::cmp::Ordering::Equal => return Err(Tie),
                    std::cmp::Ordering::Greater => self.leaving.push(f),
                }
            }
            if self.first_free() == Some(at) {
                return Err(Tie);
            }
        } else {
            let mut missing = target - staying;
            self.leaving.sort_unstable();
            while missing > 0 {
                let Some(f) = self.leaving.pop() else { break };
                self.free_at.push(Reverse(f));
                missing -= 1;
            }
            if missing > 0 {
                self.presence.push((at, missing as i64));
                self.free_at
                    .extend(std::iter::repeat_n(Reverse(at), missing));
            }
        }
        Ok(())
    }

    /// Adds the agents' time on the floor to the tally (until the end of the day: the tally
    /// keeps only the reporting window).
    fn account_staffed(mut self, tally: &mut Tally, horizon: SimTime) {
        self.presence.extend(self.leaving.iter().map(|&f| (f, -1)));
        self.presence.sort_by_key(|&(t, _)| t);
        let (mut count, mut since) = (0i64, SimTime::ZERO);
        for &(t, change) in &self.presence {
            if t > since {
                tally.staffed(0, count as u32, since, t);
                since = t;
            }
            count += change;
        }
        tally.staffed(0, count as u32, since, since.max(horizon));
    }
}

/// Replication `replication` of `model` (for which [`is_single_queue`] holds), its callers taken in
/// arrival order. `passed` is called as [`super::simulate_in_slices`] calls it: as the
/// arrivals pass the end of each of the first `slices - 1` equal parts of the day, and once
/// more at the end. On a [`Tie`], also returns how many times it was called.
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

/// [`simulate`]'s recursion; `tick` is its `passed`.
fn run(model: &Model, replication: u32, slices: u64, tick: &mut dyn FnMut()) -> Result<Tally, Tie> {
    let spec = &model.call_types[0];
    let class = &model.classes[0];
    let group = &model.groups[0];
    let mut source = call_sources(model, replication, busyness_factor(model, replication))
        .pop()
        .expect("one call type");
    let mut tally = Tally::new(
        vec![class.threshold],
        1,
        model.intervals,
        model.interval,
        (model.warmup, model.horizon),
    );
    // The headcount's change points, as the event loop schedules them.
    let points = group.available(model.interval);
    let mut changes = points
        .iter()
        .enumerate()
        .filter(|&(i, &(_, n))| i == 0 || n != points[i - 1].1)
        .map(|(_, &point)| point)
        .peekable();
    let mut agents = Agents {
        free_at: BinaryHeap::new(),
        leaving: Vec::new(),
        presence: Vec::new(),
    };
    if let Some((at, n)) = changes.next() {
        agents.set_headcount(at, n as usize)?;
    }
    let slice_end = |k: u64| {
        let end = u128::from(model.horizon.0) * u128::from(k) / u128::from(slices.max(1));
        SimTime(end as u64)
    };
    let (mut slice, mut next_slice_end) = (1, slice_end(1));
    let mut now = SimTime::ZERO;
    while let Some(arrival) = source.arrivals.next_after(now, &mut source.arrival_stream) {
        now = arrival;
        while slice < slices && arrival > next_slice_end {
            tick();
            slice += 1;
            next_slice_end = slice_end(slice);
        }
        let mut draws = CallerDraws::of(source.caller_key, source.callers);
        source.callers += 1;
        let handle = spec.handle_time.sample(&mut source.handle_stream);
        let patience = class
            .patience
            .as_ref()
            .map_or(SimTime::NEVER, |p| p.sample(&mut source.patience_stream));
        let cell = tally.cell_of(0, arrival);
        tally.offered(cell);
        // Changes of headcount before the caller could be answered (or while nobody is on
        // the floor) come first.
        let start = loop {
            let start = agents.first_free().map(|f| f.max(arrival));
            match changes.peek() {
                Some(&(at, n)) if start.is_none_or(|s| at < s) => {
                    if at == arrival {
                        return Err(Tie);
                    }
                    agents.set_headcount(at, n as usize)?;
                    changes.next();
                }
                Some(&(at, _)) if start == Some(at) => return Err(Tie),
                _ => break start,
            }
        };
        let start = match start {
            Some(SimTime::NEVER) => return Err(Tie),
            Some(s) if s == arrival => {
                if agents.first_free() == Some(arrival) {
                    return Err(Tie);
                }
                s
            }
            start => {
                tally.queued(cell);
                let gives_up = arrival.saturating_add(patience);
                match start {
                    Some(s) if patience == SimTime::NEVER || s < gives_up => s,
                    Some(s) if s == gives_up => return Err(Tie),
                    None if patience == SimTime::NEVER => {
                        tally.unserved(cell);
                        continue;
                    }
                    _ => {
                        tally.abandoned(cell);
                        continue;
                    }
                }
            }
        };
        tally.answered(cell, 0, 0, arrival, start, handle);
        let mut free = start.saturating_add(handle);
        if let Some(wrap_up) = &spec.wrap_up {
            let w = wrap_up.sample(&mut draws.next_stream());
            if w > SimTime::ZERO {
                let end = free.saturating_add(w);
                tally.wrap_up(cell, 0, 0, free, end);
                free = end;
            }
        }
        agents.occupy_first(free);
    }
    for (at, n) in changes {
        agents.set_headcount(at, n as usize)?;
    }
    agents.account_staffed(&mut tally, model.horizon);
    let schedule = group.schedule(model.interval);
    for (i, &(from, n)) in schedule.iter().enumerate() {
        let to = schedule.get(i + 1).map_or(model.horizon, |p| p.0);
        tally.scheduled(0, n, from, to);
    }
    while slice <= slices {
        tick();
        slice += 1;
    }
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
    fn rising_and_falling(patience: &str) -> String {
        format!(
            "name = \"q\"\n[simulation]\nduration = \"2h\"\ninterval = \"10m\"\nwarmup = \"10m\"\n\
             busyness_cv = 0.1\n[[call_types]]\nname = \"q\"\narrival_rate = 400\n\
             handle_time = {{ distribution = \"lognormal\", mean = \"4m\", cv = 0.8 }}\n\
             wrap_up = {{ distribution = \"exponential\", mean = \"30s\" }}\n{patience}\n\
             [[agent_groups]]\nname = \"a\"\nskills = [\"q\"]\nshrinkage = 0.1\n\
             agents_by_interval = [33, 5, 5, 45, 12, 0, 30, 31, 8, 8, 40, 0]\n"
        )
    }

    #[test]
    fn headcounts_that_fall_and_rise_under_a_queue_count_as_the_event_loop_counts() {
        for patience in [
            "patience = { distribution = \"exponential\", mean = \"10m\" }",
            "",
        ] {
            let model = model(&rising_and_falling(patience));
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
                assert!(ends > 10.0, "{patience:?}: {total:?}");
                assert_eq!(measures(&model, tally), by_events(&model, rep), "rep {rep}");
            }
        }
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
            ("an IVR", plain.replace("[[agent_groups]]", "ivr = { time = { distribution = \"constant\", value = \"30s\" }, self_service = 0.2 }\n[[agent_groups]]")),
            ("a chat desk", format!("{plain}max_concurrent = 2\n")),
            ("two call types", plain.replace("[[agent_groups]]", second_type).replace("[\"q\"]", "[\"q\", \"r\"]")),
            ("a reservation", format!("{plain}\n[routing]\npolicy = \"skill-priority+reserve\"\n[[routing.reserve]]\ngroup = \"a\"\nagents = 2\nfor = [\"q\"]\n")),
        ] {
            assert!(!is_single_queue(&model(&text)), "{what}");
        }
    }
}
