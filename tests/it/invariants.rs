//! Invariants that hold for every run: conservation of calls, skills, FIFO, staffing
//! changes, determinism.

use callsim::engine::{CallRecord, Outcome, Simulation};
use callsim::routing::SkillPriority;
use callsim::scenario::Source;
use callsim::stats::CallMeasures;
use callsim::time::SimTime;
use callsim::{run_replications, RunOptions};

use crate::support::model;

fn hotline() -> callsim::model::Model {
    Source::default_scenario()
        .load()
        .expect("the default scenario is valid")
}

fn conserved(m: &CallMeasures, what: &str) {
    assert_eq!(
        m.offered,
        m.answered + m.abandoned + m.unserved,
        "{what}: {m:?}"
    );
}

#[test]
fn every_call_ends_exactly_once_per_type_interval_and_replication() {
    let model = hotline();
    let reps = run_replications(&model, Some(2), SkillPriority::new);
    assert_eq!(reps.len(), model.replications as usize);
    for (r, rep) in reps.iter().enumerate() {
        conserved(&rep.total, &format!("rep {r} total"));
        assert!(rep.total.offered > 1000.0);
        for (t, m) in rep.call_types.iter().enumerate() {
            conserved(m, &format!("rep {r} type {t}"));
        }
        for interval in &rep.intervals {
            conserved(
                &interval.total,
                &format!("rep {r} interval {}", interval.interval),
            );
            for m in &interval.call_types {
                conserved(m, &format!("rep {r} interval {}", interval.interval));
            }
        }
        let by_interval: f64 = rep.intervals.iter().map(|i| i.total.offered).sum();
        assert_eq!(by_interval, rep.total.offered);
        let by_group: f64 = rep.groups.iter().map(|g| g.answered).sum();
        assert_eq!(by_group, rep.total.answered);
    }
}

fn trace(model: &callsim::model::Model, replication: u32) -> Vec<CallRecord> {
    let sim = Simulation::observed(model, SkillPriority::new(model), Vec::new(), replication);
    sim.finish_observed().1
}

#[test]
fn no_agent_takes_a_call_type_it_lacks() {
    let model = hotline();
    let records = trace(&model, 0);
    let mut answered_by = vec![vec![0u32; model.groups.len()]; model.call_types.len()];
    for r in &records {
        if let Outcome::Answered { group } = r.outcome {
            let skills = &model.groups[group as usize].skills;
            assert!(
                skills.contains(&r.call_type),
                "group {group} answered type {}",
                r.call_type
            );
            answered_by[r.call_type as usize][group as usize] += 1;
        }
    }
    // Generalists do help the specialists (the overflow really happens).
    assert!(
        answered_by[1][2] > 0 && answered_by[2][2] > 0,
        "{answered_by:?}"
    );
}

#[test]
fn calls_of_a_type_are_answered_first_come_first_served() {
    let model = hotline();
    let mut records = trace(&model, 1);
    records.retain(|r| matches!(r.outcome, Outcome::Answered { .. }));
    for t in 0..model.call_types.len() as u32 {
        let mut of_type: Vec<&CallRecord> = records.iter().filter(|r| r.call_type == t).collect();
        of_type.sort_by_key(|r| r.arrival);
        assert!(of_type.len() > 500);
        for pair in of_type.windows(2) {
            assert!(
                pair[0].end_of_wait <= pair[1].end_of_wait,
                "type {t}: {:?} then {:?}",
                pair[0],
                pair[1]
            );
        }
    }
}

const STAFFING_CHANGE: &str = r#"
name = "staffing change"
[simulation]
duration = "3h"
replications = 5
interval = "1h"
[[call_types]]
name = "q"
arrival_rates = [60, 60, 60]
handle_time = { distribution = "constant", value = "10m" }
[[agent_groups]]
name = "a"
agents_by_interval = [0, 20, 1]
skills = ["q"]
"#;

#[test]
fn new_agents_take_waiting_calls_at_once_and_leaving_agents_finish_their_call() {
    let model = model(STAFFING_CHANGE);
    let records = trace(&model, 0);
    let first_hour: Vec<&CallRecord> = records
        .iter()
        .filter(|r| r.arrival < SimTime::from_seconds(3600.0))
        .collect();
    assert!(first_hour.len() > 30);
    // Nobody works in the first hour: every call waits until 01:00, then 20 agents arrive
    // and the first 20 callers are answered at once.
    let at_one = first_hour
        .iter()
        .filter(|r| r.end_of_wait == SimTime::from_seconds(3600.0))
        .count();
    assert_eq!(at_one, 20);
    // Headcount drops to 1 at 02:00, but the agents in a call finish it: the staffed time of
    // the last interval is more than one agent's.
    let reps = run_replications(&model, Some(1), SkillPriority::new);
    let last = &reps[0].intervals[2].groups[0];
    assert!(
        last.staffed_agents > 1.0 && last.staffed_agents < 20.0,
        "{last:?}"
    );
    // Calls answered after 02:00 are answered one at a time: 10 minutes apart at least.
    let mut late: Vec<SimTime> = records
        .iter()
        .filter(|r| {
            matches!(r.outcome, Outcome::Answered { .. })
                && r.end_of_wait > SimTime::from_seconds(7800.0)
        })
        .map(|r| r.end_of_wait)
        .collect();
    late.sort();
    for pair in late.windows(2) {
        assert!(
            pair[1].0 - pair[0].0 >= SimTime::from_seconds(600.0).0,
            "{pair:?}"
        );
    }
}

#[test]
fn calls_nobody_can_answer_are_unserved_not_lost() {
    let toml = STAFFING_CHANGE.replace("[0, 20, 1]", "[5, 5, 0]");
    let model = model(&toml);
    let report = callsim::run(&model, &RunOptions::default());
    let t = &report.total;
    assert!(t.unserved.mean.unwrap() > 0.0);
    assert_eq!(
        t.offered.mean.unwrap(),
        t.answered.mean.unwrap() + t.abandoned.mean.unwrap() + t.unserved.mean.unwrap()
    );
}

#[test]
fn the_same_seed_gives_byte_identical_json_whatever_the_thread_count() {
    let model = hotline();
    let json = |threads| {
        callsim::run(
            &model,
            &RunOptions {
                threads: Some(threads),
                replications: Some(6),
                ..Default::default()
            },
        )
        .to_json()
    };
    let one = json(1);
    assert_eq!(one, json(2));
    assert_eq!(one, json(3));
    let other_seed = callsim::run(
        &model,
        &RunOptions {
            seed: Some(99),
            replications: Some(6),
            threads: Some(2),
        },
    )
    .to_json();
    assert_ne!(one, other_seed);
}

#[test]
fn callers_are_the_same_whatever_the_staffing() {
    // Common random numbers: more agents change waits, never who calls or for how long.
    let base = model(STAFFING_CHANGE);
    let more = model(&STAFFING_CHANGE.replace("[0, 20, 1]", "[30, 30, 30]"));
    let key = |records: Vec<CallRecord>| {
        let mut calls: Vec<(SimTime, SimTime)> =
            records.iter().map(|r| (r.arrival, r.handle)).collect();
        calls.sort();
        calls
    };
    assert_eq!(key(trace(&base, 3)), key(trace(&more, 3)));
}

#[test]
fn overriding_the_threshold_applies_to_every_class_without_its_own() {
    let written = STAFFING_CHANGE.replace(
        "[[call_types]]",
        "[service_level]\nthreshold = \"30s\"\n[[call_types]]",
    );
    let mut overridden = model(STAFFING_CHANGE);
    overridden.set_service_level_threshold(SimTime::from_seconds(30.0));
    let a = callsim::run(&model(&written), &RunOptions::default()).to_json();
    let b = callsim::run(&overridden, &RunOptions::default()).to_json();
    assert_eq!(a, b);
}
