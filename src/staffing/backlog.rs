//! The load floor: a queue whose work never leaves is staffed above its load.
//!
//! Every verdict of the search is on the calls of a finite day, and the agents of its last
//! interval keep answering after it ends. Where callers never hang up (or offered a
//! callback leave a job that waits however long), a target with a long threshold (80 %
//! within 30 minutes) can be met by fewer agents than the load: the backlog grows all day
//! and is answered after closing by agents the answer's agent-hours do not count (40
//! Erlangs over 4 hours met 80/1800 with 36 agents, the last caller answered 45 minutes
//! after closing; over 8 hours it took 39). So wherever a call type keeps its work, the
//! search keeps more agents on the floor who can take it than its load, in every interval:
//! the queue settles, as `callsim validate` checks. A queue whose callers hang up settles
//! at any headcount (they leave), and its abandon rate is a target of its own.

use std::ops::Range;

use super::has_room;
use super::sample::staffed;
use crate::model::Model;
use crate::offered::OfferedLoad;

/// Whether call type `t` keeps its work until an agent takes it: none of its callers hangs
/// up (no tier has a patience), or it offers callbacks, whose jobs wait for an agent
/// however long.
pub fn keeps_its_work(model: &Model, t: usize) -> bool {
    model.call_types[t].callback.is_some() || model.never_abandons(t)
}

/// Every (interval, call type) of the staffing `agents` (`[group][interval]`, scheduled)
/// in which a call type that keeps its work has a load at or above the agents on the floor
/// who can take it ([`OfferedLoad`]): its queue cannot settle there. In interval order.
pub fn unsettled(model: &Model, agents: &[Vec<u32>]) -> Vec<(usize, usize)> {
    let keeping: Vec<usize> = (0..model.call_types.len())
        .filter(|&t| keeps_its_work(model, t))
        .collect();
    if keeping.is_empty() {
        return Vec::new();
    }
    let load = OfferedLoad::of(&staffed(model, agents));
    (0..model.intervals as usize)
        .flat_map(|k| keeping.iter().map(move |&t| (k, t)))
        .filter(|&(k, t)| load.erlangs[t][k] > 0.0 && load.erlangs[t][k] >= load.agents[t][k])
        .collect()
}

/// Raises `agents` until no call type that keeps its work is short of its load
/// ([`unsettled`]): one agent at a time in the first group routing offers the type to
/// that has room under `caps`, in every interval of the level run (of `runs`) holding the
/// short interval, or in that interval alone outside the runs (the warm-up). Stops where
/// no serving group has room.
pub fn raise_to_load(
    model: &Model,
    agents: &mut [Vec<u32>],
    caps: &[Vec<u32>],
    runs: &[Range<usize>],
) {
    loop {
        let mut raised = false;
        let mut done: Vec<(usize, usize)> = Vec::new();
        for (k, t) in unsettled(model, agents) {
            let span = runs
                .iter()
                .find(|run| run.contains(&k))
                .cloned()
                .unwrap_or(k..k + 1);
            if done.contains(&(span.start, t)) {
                continue;
            }
            done.push((span.start, t));
            let group = model.call_types[t]
                .serving_groups
                .iter()
                .map(|&g| g as usize)
                .find(|&g| has_room(agents, caps, g, &span));
            if let Some(g) = group {
                for j in span {
                    agents[g][j] += 1;
                }
                raised = true;
            }
        }
        if !raised {
            return;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::Source;

    fn model(patience: &str, callback: &str) -> Model {
        let text = format!(
            r#"
name = "backlog"
[simulation]
duration = "2h"
interval = "30m"
[[call_types]]
name = "email"
arrival_rates = [600, 600, 300, 300]
handle_time = {{ distribution = "exponential", mean = "4m" }}
{patience}
{callback}
[[agent_groups]]
name = "agents"
agents = 30
skills = ["email"]
shrinkage = 0.2
"#
        );
        Source {
            origin: "backlog.toml".into(),
            text,
        }
        .load()
        .unwrap()
    }

    #[test]
    fn a_queue_that_keeps_its_work_is_raised_above_its_load() {
        // 40 Erlangs, then 20; 30 scheduled at 20 % shrinkage are 24 on the floor.
        let m = model("", "");
        assert!(keeps_its_work(&m, 0));
        assert_eq!(unsettled(&m, &[vec![30; 4]]), vec![(0, 0), (1, 0)]);
        let mut agents = vec![vec![30; 4]];
        let caps = [vec![100; 4]];
        raise_to_load(&m, &mut agents, &caps, &[0..2, 2..4]);
        // 51 scheduled put 41 on the floor (40.8, halves up); the 20-Erlang run keeps 30.
        assert_eq!(agents, vec![vec![51, 51, 30, 30]]);
        assert!(unsettled(&m, &agents).is_empty());
        // A cap stops the raise where it leaves no room.
        let mut agents = vec![vec![30; 4]];
        raise_to_load(&m, &mut agents, &[vec![45; 4]], &[0..2, 2..4]);
        assert_eq!(agents, vec![vec![45, 45, 30, 30]]);
    }

    #[test]
    fn callers_who_hang_up_let_the_queue_settle_unless_callbacks_keep_their_work() {
        let patience = r#"patience = { distribution = "exponential", mean = "3m" }"#;
        let m = model(patience, "");
        assert!(!keeps_its_work(&m, 0));
        assert!(unsettled(&m, &[vec![30; 4]]).is_empty());
        let callback =
            r#"callback = { when_wait_exceeds = "10s", share = 1.0, answer_within = "30m" }"#;
        let m = model(patience, callback);
        assert!(keeps_its_work(&m, 0));
        assert_eq!(unsettled(&m, &[vec![30; 4]]), vec![(0, 0), (1, 0)]);
    }
}
