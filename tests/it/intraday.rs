//! Intraday forecasts from a live state: against `run`, against queueing theory, and the
//! state file's validation.

use std::path::Path;
use std::process::Command;

use callsim::engine::{Simulation, StartState};
use callsim::live::intraday::{forecast, ForecastOptions};
use callsim::live::state::StateFile;
use callsim::routing::SkillPriority;
use callsim::scenario::Source;
use callsim::time::SimTime;
use callsim::RunOptions;

use crate::support::model;

#[test]
fn from_the_empty_state_at_the_start_it_is_run() {
    let mut model = Source::default_scenario().load().unwrap();
    model.replications = 8;
    assert_eq!(model.warmup, SimTime::ZERO);
    let report = callsim::run(&model, &RunOptions::default());
    let options = ForecastOptions {
        replications: 8,
        seed: None,
        threads: Some(2),
        until: model.horizon,
    };
    let f = forecast(&model, &StartState::default(), &options);
    assert_eq!(f.from, "08:00:00.000");
    assert_eq!(f.until, "20:00");
    assert_eq!(f.intervals.len(), report.intervals.len());
    for (i, (fi, ri)) in f.intervals.iter().zip(&report.intervals).enumerate() {
        assert_eq!(fi.start, ri.start);
        assert_eq!(fi.total.offered.mean, ri.total.offered.mean, "interval {i}");
        assert_eq!(
            fi.total.service_level.mean, ri.total.service_level.mean,
            "interval {i}"
        );
        assert_eq!(
            fi.total.abandon_rate.mean, ri.total.abandon_rate.mean,
            "interval {i}"
        );
        for (ft, rt) in fi.call_types.iter().zip(&ri.call_types) {
            assert_eq!(ft.block.service_level.mean, rt.block.service_level.mean);
        }
        let band = fi.total.service_level;
        assert!(band.p5 <= band.mean && band.mean <= band.p95, "{band:?}");
    }
}

/// 50 agents all busy, 1000 calls waiting, no arrivals, exponential handle times of 5 min,
/// no abandonment: while the queue lasts, all 50 agents are busy and calls leave it as a
/// Poisson process of rate N/AHT = 1/6 per second (Erlang C's transient), so the queue at
/// t is 1000 − t/6 on average.
#[test]
fn a_long_queue_without_arrivals_drains_at_n_over_aht() {
    let mut m = model(
        r#"
name = "drain"
[simulation]
duration = "3h"
interval = "10m"
seed = 11
[[call_types]]
name = "q"
arrival_rate = 1
handle_time = { distribution = "exponential", mean = "5m" }
[[agent_groups]]
name = "agents"
agents = 50
skills = ["q"]
"#,
    );
    m.call_types[0].calls_per_hour = vec![0.0; m.intervals as usize];
    let state = StartState {
        at: SimTime::ZERO,
        waiting: vec![vec![SimTime::ZERO; 1000]],
        talking: vec![vec![50]],
        staffing_delta: vec![0],
    };
    let reps = 40;
    let options = ForecastOptions {
        replications: reps,
        seed: None,
        threads: Some(2),
        until: SimTime::from_seconds(5400.0),
    };
    let f = forecast(&m, &state, &options);
    assert_eq!(f.intervals.len(), 9);
    for interval in &f.intervals {
        let t = interval.end_s;
        let expected = 1000.0 - t / 6.0;
        let queue = interval.total.queue_at_end;
        let sd = (t / 6.0).sqrt();
        let tolerance = 4.0 * sd / (reps as f64).sqrt() + 1.0;
        eprintln!(
            "t = {t} s: queue {:?}, theory {expected:.1} ± {tolerance:.1}",
            queue.mean
        );
        assert!(
            (queue.mean.unwrap() - expected).abs() < tolerance,
            "t = {t}: {queue:?} vs {expected}"
        );
        // The band is about ±1.645 sd of the Poisson count wide.
        let width = queue.p95.unwrap() - queue.p5.unwrap();
        assert!(
            width > 1.5 * sd && width < 5.0 * sd,
            "t = {t}: band {width}"
        );
    }
    // Every call in the state counts, in the state's interval, and none abandons.
    assert_eq!(f.intervals[0].total.offered.mean, Some(1000.0));
    assert_eq!(f.intervals[0].total.abandon_rate.mean, Some(0.0));
}

#[test]
fn a_saved_state_reads_back_and_restarts_the_same_centre() {
    let model = Source::default_scenario().load().unwrap();
    let mut sim = Simulation::new(&model, SkillPriority::new(&model), 0);
    sim.run_until(SimTime::from_seconds(4.0 * 3600.0 + 17.3));
    sim.change_staffing(2, -3).unwrap();
    let state = sim.state();
    let text = StateFile::from_state(&model, &state).to_json();
    let back = StateFile::parse("<saved>", &text)
        .unwrap()
        .resolve("<saved>", &model)
        .unwrap();
    assert_eq!(back.at, SimTime::from_seconds(4.0 * 3600.0 + 17.3));
    assert_eq!(back.talking, state.talking);
    assert_eq!(back.staffing_delta, state.staffing_delta);
    for (a, b) in back.waiting.iter().zip(&state.waiting) {
        assert_eq!(a.len(), b.len());
        for (x, y) in a.iter().zip(b) {
            assert!(x.0.abs_diff(y.0) < 1_000_000, "waits kept to the ms");
        }
    }
    // Restarted from it, the centre has the same people in the same places.
    let restarted = Simulation::from_state(&model, SkillPriority::new(&model), 5, &back);
    let (a, b) = (sim.snapshot(), restarted.snapshot());
    for (x, y) in a.groups.iter().zip(&b.groups) {
        assert_eq!(
            (x.idle, x.talking, x.headcount, x.delta),
            (y.idle, y.talking, y.headcount, y.delta)
        );
    }
    for (x, y) in a.call_types.iter().zip(&b.call_types) {
        assert_eq!(x.waiting, y.waiting);
    }
    // Every call ends exactly once.
    let m = restarted.finish().measures(&model);
    for i in &m.intervals {
        assert_eq!(
            i.total.offered,
            i.total.answered + i.total.abandoned + i.total.unserved
        );
    }
}

fn callsim(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_callsim"))
        .args(args)
        .output()
        .unwrap()
}

fn write(dir: &Path, name: &str, text: &str) -> String {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path.to_str().unwrap().to_owned()
}

#[test]
fn live_saves_a_state_that_intraday_forecasts_from() {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("state.json");
    let state = state.to_str().unwrap();
    let out = callsim(&[
        "live",
        "--speed",
        "max",
        "--no-server",
        "--stop-at",
        "10:30",
        "--save-state",
        state,
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.stdout.is_empty(), "stopped early: no report");
    let scenario = "scenarios/mobile-hotline.toml";
    let out = callsim(&[
        "intraday", scenario, "--state", state, "--until", "12:00", "-r", "20", "--format", "json",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["from"], "10:30:00.000");
    assert_eq!(json["until"], "12:00");
    let intervals = json["intervals"].as_array().unwrap();
    assert_eq!(intervals.len(), 3);
    assert_eq!(intervals[0]["start"], "10:30");
    for key in ["service_level", "abandon_rate", "queue_at_end", "offered"] {
        for stat in ["mean", "p5", "p95"] {
            assert!(intervals[0]["total"][key][stat].is_number(), "{key}.{stat}");
        }
    }
    let table = callsim(&["intraday", scenario, "--state", state, "-r", "5"]);
    assert!(table.status.success());
    assert!(String::from_utf8_lossy(&table.stdout).contains("19:30"));
}

#[test]
fn bad_state_files_are_refused_with_the_field_and_the_fix() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = "scenarios/mobile-hotline.toml";
    let cases: Vec<(&str, &str, Vec<&str>)> = vec![
        ("empty", "  ", vec!["is empty"]),
        ("not JSON", "clock = 10:30", vec!["expected value", "help"]),
        ("missing clock", "{}", vec!["missing field `clock`"]),
        (
            "unknown key",
            r#"{"clock": "10:30", "clok": 1}"#,
            vec!["clok", "unknown field"],
        ),
        (
            "bad clock",
            r#"{"clock": "25:00"}"#,
            vec!["clock", "not a clock time", "HH:MM"],
        ),
        (
            "clock outside the day",
            r#"{"clock": "21:00"}"#,
            vec!["clock", "outside the scenario's day", "08:00 to 20:00"],
        ),
        (
            "unknown call type",
            r#"{"clock": "10:30", "call_types": [{"name": "sales", "waiting_s": [1]}]}"#,
            vec![
                "call_types[0].name",
                "`sales`",
                "`general`, `billing`, `technical`",
            ],
        ),
        (
            "negative wait",
            r#"{"clock": "10:30", "call_types": [{"name": "general", "waiting_s": [3, -1]}]}"#,
            vec!["call_types[0].waiting_s[1]", "not a wait"],
        ),
        (
            "wait longer than the day",
            r#"{"clock": "08:10", "call_types": [{"name": "general", "waiting_s": [3600]}]}"#,
            vec!["call_types[0].waiting_s[0]", "longer than the day had run"],
        ),
        (
            "wait of the wrong type",
            r#"{"clock": "10:30", "call_types": [{"name": "general", "waiting_s": ["5s"]}]}"#,
            vec!["call_types[0].waiting_s[0]", "invalid type"],
        ),
        (
            "type twice",
            r#"{"clock": "10:30", "call_types": [{"name": "general"}, {"name": "general"}]}"#,
            vec!["call_types[1].name", "twice"],
        ),
        (
            "unknown group",
            r#"{"clock": "10:30", "agent_groups": [{"name": "sales"}]}"#,
            vec!["agent_groups[0].name", "`sales`", "generalists"],
        ),
        (
            "skill the group lacks",
            r#"{"clock": "10:30", "agent_groups": [{"name": "billing specialists", "talking": {"technical": 2}}]}"#,
            vec![
                "agent_groups[0].talking.technical",
                "does not serve",
                "`billing`",
            ],
        ),
        (
            "negative talking",
            r#"{"clock": "10:30", "agent_groups": [{"name": "generalists", "talking": {"general": -2}}]}"#,
            vec!["agent_groups[0].talking.general", "invalid value"],
        ),
        (
            "too few agents",
            r#"{"clock": "10:30", "agent_groups": [{"name": "generalists", "extra_agents": -50}]}"#,
            vec![
                "agent_groups[0].extra_agents",
                "gives -12 agents",
                "extra_agents ≥ -38",
            ],
        ),
        (
            "more on calls than the group has had",
            r#"{"clock": "10:30", "agent_groups": [{"name": "generalists", "talking": {"general": 500}}]}"#,
            vec![
                "agent_groups[0].talking",
                "500 contacts in service",
                "can hold at most",
            ],
        ),
        (
            "other scenario",
            r#"{"scenario": "Elsewhere", "clock": "10:30"}"#,
            vec!["scenario", "\"Elsewhere\""],
        ),
        ("trailing text", r#"{"clock": "10:30"} x"#, vec!["trailing"]),
    ];
    for (what, text, needles) in cases {
        let path = write(dir.path(), "state.json", text);
        let out = callsim(&["intraday", scenario, "--state", &path, "-r", "2"]);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{what}: {stderr}");
        assert!(out.stdout.is_empty(), "{what}");
        assert!(stderr.contains(&path), "{what}: names the file: {stderr}");
        for needle in needles {
            assert!(
                stderr.contains(needle),
                "{what}: expected `{needle}` in {stderr}"
            );
        }
        assert!(!stderr.contains("panicked"), "{what}");
    }
    let ok = write(dir.path(), "ok.json", r#"{"clock": "10:30"}"#);
    for (args, needle) in [
        (vec!["--until", "10:00"], "after the state's clock"),
        (vec!["--until", "nine"], "--until nine"),
        (vec!["--until", "21:00"], "within the scenario's day"),
    ] {
        let mut all = vec!["intraday", scenario, "--state", &ok];
        all.extend(args);
        let out = callsim(&all);
        assert_eq!(out.status.code(), Some(2));
        assert!(String::from_utf8_lossy(&out.stderr).contains(needle));
    }
    let missing = dir.path().join("none.json");
    let out = callsim(&["intraday", scenario, "--state", missing.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("cannot read the state file"));
}

#[test]
fn starting_from_the_empty_state_at_zero_is_exactly_a_fresh_run() {
    let model = Source::default_scenario().load().unwrap();
    for rep in [0, 7] {
        let restarted = Simulation::from_state(
            &model,
            SkillPriority::new(&model),
            rep,
            &StartState::default(),
        );
        let fresh = callsim::engine::simulate(&model, SkillPriority::new(&model), rep);
        assert_eq!(restarted.finish().measures(&model), fresh.measures(&model));
    }
}

/// Two forecasts from one state that differ only in staffing see the same callers: with
/// more agents, as many calls are offered in every replication, and the service is better.
#[test]
fn forecasts_from_one_state_share_their_callers() {
    let model = Source::default_scenario().load().unwrap();
    let mut sim = Simulation::new(&model, SkillPriority::new(&model), 0);
    sim.run_until(SimTime::from_seconds(2.0 * 3600.0));
    let state = sim.state();
    let mut more = state.clone();
    more.staffing_delta[2] = 5;
    let options = ForecastOptions {
        replications: 10,
        seed: None,
        threads: Some(2),
        until: SimTime::from_seconds(4.0 * 3600.0),
    };
    let (a, b) = (
        forecast(&model, &state, &options),
        forecast(&model, &more, &options),
    );
    for (x, y) in a.intervals.iter().zip(&b.intervals) {
        assert_eq!(x.total.offered, y.total.offered, "the same callers");
        assert!(y.total.service_level.mean >= x.total.service_level.mean);
        assert!(y.total.queue_at_end.mean <= x.total.queue_at_end.mean);
    }
}

/// Contacts in service need agents: at most the most agents the group has had so far today
/// (after a drop, busy agents finish their call before they leave) times the contacts each
/// can hold.
#[test]
fn a_state_with_more_contacts_than_the_agents_can_hold_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    // The chat desk: 5 agents from 09:00, 7 from 10:00, 3 chats each.
    let scenario = "scenarios/chat-desk.toml";
    let state = |talking: u32, extra: i64| {
        format!(
            r#"{{"clock": "10:15", "agent_groups": [{{"name": "chat agents", "talking": {{"chat": {talking}}}, "extra_agents": {extra}}}]}}"#
        )
    };
    for (talking, extra, accepted) in [
        (21, 0, true),
        (22, 0, false),
        (24, 1, true),
        (25, 1, false),
        (100, 0, false),
    ] {
        let path = write(dir.path(), "state.json", &state(talking, extra));
        let out = callsim(&["intraday", scenario, "--state", &path, "-r", "2"]);
        let stderr = String::from_utf8_lossy(&out.stderr);
        if accepted {
            assert!(
                out.status.success(),
                "{talking} with {extra} extra: {stderr}"
            );
        } else {
            assert_eq!(out.status.code(), Some(2), "{talking}: {stderr}");
            for needle in [
                path.as_str(),
                "agent_groups[0].talking",
                &format!("{talking} contacts in service"),
                &format!("at most {} by 10:15", (7 + extra) * 3),
                "× 3 contacts each",
                "extra_agents",
            ] {
                assert!(stderr.contains(needle), "expected `{needle}` in {stderr}");
            }
        }
    }

    // A state saved just after the headcount drops has more agents on calls than the
    // headcount (they finish before they leave): live writes it, intraday takes it.
    let small = write(
        dir.path(),
        "drop.toml",
        r#"
name = "drop"
[simulation]
duration = "2h"
replications = 1
seed = 7
interval = "30m"
[[call_types]]
name = "q"
arrival_rate = 200
handle_time = { distribution = "exponential", mean = "4m" }
patience = { distribution = "exponential", mean = "2m" }
[[agent_groups]]
name = "agents"
agents_by_interval = [10, 10, 2, 2]
skills = ["q"]
"#,
    );
    let saved = dir.path().join("saved.json");
    let saved = saved.to_str().unwrap();
    let out = callsim(&[
        "live",
        &small,
        "--speed",
        "max",
        "--no-server",
        "--stop-at",
        "01:00:01",
        "--save-state",
        saved,
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let file = StateFile::parse("saved", &std::fs::read_to_string(saved).unwrap()).unwrap();
    let on_calls: u32 = file.agent_groups[0].talking.values().sum();
    assert!(
        on_calls > 2,
        "the case at hand: {on_calls} on calls, 2 scheduled"
    );
    let out = callsim(&["intraday", &small, "--state", saved, "-r", "2"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}
