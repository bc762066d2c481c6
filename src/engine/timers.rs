//! Which timers keep a FIFO lane of their own in the calendar.
//!
//! A timer whose delay is the same for every call it is set for (a constant IVR time,
//! wrap-up, talk time, patience, redial delay, or an overflow step) expires in the order it
//! was set, so its source can have a [`Lane`]: a first-in first-out queue that the calendar
//! merges with its heaps at O(1) per timer, however many are pending. A lane pays off when
//! many of its timers are pending at once; with a few, the heap is cheaper (callgrind, 100
//! agents behind a constant IVR: +2.5 % instructions per call with 10 callers in the IVR,
//! −4 % with 1,000, −16 % with 100,000). So a source gets a lane only when
//! [`LANE_MIN_PENDING`] or more of its timers may be pending at once, by its call type's
//! peak calls per second times the delay (Little's law, as if every call set the timer).
//! The lanes change nothing but speed: the calendar pops in exactly the same order either
//! way.

use super::calendar::Lane;
use crate::dist::Distribution;
use crate::model::Model;

/// The lane of each timer source of a model whose delay is constant (`None`: the heap).
#[derive(Debug, Default)]
pub struct TimerLanes {
    /// Per call type: the IVR end.
    pub ivr: Vec<Option<Lane>>,
    /// Per call type: the end of the talk.
    pub talk: Vec<Option<Lane>>,
    /// Per call type: the end of the wrap-up.
    pub wrap_up: Vec<Option<Lane>>,
    /// Per call type: a redial after a busy signal or hanging up.
    pub redial: Vec<Option<Lane>>,
    /// Per call type: the repeat call of an unresolved caller.
    pub repeat: Vec<Option<Lane>>,
    /// Per class: the end of a waiting caller's patience.
    pub patience: Vec<Option<Lane>>,
    /// Per class and overflow step: the step's timer.
    pub overflow: Vec<Vec<Option<Lane>>>,
}

/// Timers that may be pending at once from one source, at least, for it to get a lane.
pub const LANE_MIN_PENDING: f64 = 500.0;

impl TimerLanes {
    /// A lane for every timer source of `model` whose delay is constant and whose timers
    /// may number [`LANE_MIN_PENDING`] or more at once.
    pub fn of(model: &Model) -> TimerLanes {
        TimerLanes::with_min_pending(model, LANE_MIN_PENDING)
    }

    /// A lane for every timer source of `model` whose delay is constant and whose timers
    /// may number `min_pending` or more at once.
    fn with_min_pending(model: &Model, min_pending: f64) -> TimerLanes {
        // Numbered in order; past the calendar's last lane, timers go to its heap.
        let mut next = 0usize;
        let mut lane = |pending: Option<f64>| {
            let wanted = pending.is_some_and(|n| n >= min_pending);
            let lane = (wanted && next < Lane::COUNT).then_some(Lane(next as u16));
            next += usize::from(lane.is_some());
            lane
        };
        let peak_per_s: Vec<f64> = model
            .call_types
            .iter()
            .map(|t| t.calls_per_hour.iter().copied().fold(0.0, f64::max) / 3600.0)
            .collect();
        // The timers pending at once from a source of `rate` calls per second whose delay
        // is `delay`, if that is constant.
        let pending = |rate: f64, delay: Option<&Distribution>| {
            delay
                .filter(|d| d.is_constant())
                .map(|d| rate * d.mean_seconds())
        };
        let mut lanes = TimerLanes::default();
        for (t, &rate) in model.call_types.iter().zip(&peak_per_s) {
            lanes
                .ivr
                .push(lane(pending(rate, t.ivr.as_ref().map(|i| &i.time))));
            lanes.talk.push(lane(pending(rate, Some(&t.handle_time))));
            lanes.wrap_up.push(lane(pending(rate, t.wrap_up.as_ref())));
            let redial = t.retrial.as_ref().map(|r| &r.delay);
            lanes.redial.push(lane(pending(rate, redial)));
            let repeat = t.unresolved.as_ref().map(|u| &u.delay);
            lanes.repeat.push(lane(pending(rate, repeat)));
        }
        for c in &model.classes {
            let rate = peak_per_s[c.call_type as usize];
            lanes
                .patience
                .push(lane(pending(rate, c.patience.as_ref())));
        }
        for (c, steps) in model.routing.overflow_steps.iter().enumerate() {
            let rate = peak_per_s[model.classes[c].call_type as usize];
            let lanes_of_steps = steps
                .iter()
                .map(|delay| lane(Some(rate * delay.as_seconds())))
                .collect();
            lanes.overflow.push(lanes_of_steps);
        }
        lanes
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::Simulation;
    use crate::routing::ModelRouter;
    use crate::scenario::Source;

    /// A shipped scenario with every distribution that has a mean or a value made constant
    /// at it, so that (nearly) every timer source has a constant delay.
    fn constant_everywhere(path: &str) -> Model {
        let mut text = std::fs::read_to_string(path).unwrap();
        let mut from = 0;
        while let Some(start) = text[from..].find("{ distribution = ").map(|i| from + i) {
            let end = start + text[start..].find('}').unwrap() + 1;
            let table = &text[start..end];
            let value = ["mean = ", "value = "].iter().find_map(|field| {
                let at = table.find(field)? + field.len();
                let len = table[at + 1..].find('"')? + 2;
                Some(table[at..at + len].to_string())
            });
            let replaced = match value {
                Some(value) => format!("{{ distribution = \"constant\", value = {value} }}"),
                None => table.to_string(),
            };
            text.replace_range(start..end, &replaced);
            from = start + replaced.len();
        }
        Source {
            origin: path.to_string(),
            text,
        }
        .load()
        .unwrap_or_else(|e| panic!("{e}"))
    }

    /// The replication's counts with timers laned as `lanes` says.
    fn tally(model: &Model, replication: u32, lanes: TimerLanes) -> String {
        let mut sim = Simulation::new(model, ModelRouter::new(model), replication);
        sim.lanes = lanes;
        format!("{:?}", sim.finish())
    }

    #[test]
    fn lanes_change_nothing_but_speed() {
        for path in [
            "scenarios/hotline-full-day.toml",
            "scenarios/chat-desk.toml",
            "scenarios/telecom-tiers.toml",
            "scenarios/regional-centres.toml",
        ] {
            let model = constant_everywhere(path);
            let every = TimerLanes::with_min_pending(&model, 0.0);
            let lanes = every.ivr.iter().chain(&every.talk).chain(&every.patience);
            assert!(lanes.flatten().count() > 0, "{path}: no constant timer");
            for replication in 0..2 {
                let heap_only = tally(
                    &model,
                    replication,
                    TimerLanes::with_min_pending(&model, f64::INFINITY),
                );
                let laned = tally(
                    &model,
                    replication,
                    TimerLanes::with_min_pending(&model, 0.0),
                );
                assert_eq!(heap_only, laned, "{path}, replication {replication}");
                assert_eq!(
                    heap_only,
                    tally(&model, replication, TimerLanes::of(&model))
                );
            }
        }
    }
}
