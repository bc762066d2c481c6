//! Features combined: regression tests for defects that only showed when two features met
//! (chat concurrency with lines and changing headcounts, common random numbers for derived
//! calls, callbacks in the caller counts).

use callsim::report::Report;
use callsim::RunOptions;

use crate::support::model;

fn run(toml: &str, replications: u32) -> Report {
    callsim::run(
        &model(toml),
        &RunOptions {
            replications: Some(replications),
            threads: Some(2),
            ..Default::default()
        },
    )
}

/// Two chat types with their own lines, one group serving both.
fn chat_with_lines(agents: u32, max_concurrent: u32) -> String {
    format!(
        r#"
name = "chat with lines"
[simulation]
duration = "8h"
replications = 4
seed = 7
[service_level]
threshold = "20s"
[[call_types]]
name = "a"
arrival_rate = 60
trunks = 10
handle_time = {{ distribution = "exponential", mean = "6m" }}
patience = {{ distribution = "exponential", mean = "2m" }}
[[call_types]]
name = "b"
arrival_rate = 60
trunks = 20
handle_time = {{ distribution = "exponential", mean = "12m" }}
patience = {{ distribution = "exponential", mean = "2m" }}
[[agent_groups]]
name = "desk"
agents = {agents}
max_concurrent = {max_concurrent}
skills = ["a", "b"]
"#
    )
}

#[test]
fn a_chat_talk_end_ends_its_own_contact() {
    // 10 agents × 3 contacts with no slowdown are 30 interchangeable servers: every caller
    // meets the same queue as with 30 agents × 1, so outcomes and waits agree exactly. The
    // engine used to keep one in-service entry per agent, so a talk end released the line
    // of whichever contact came last: 380 of 480 type-a calls were blocked instead of 25.
    let plain = run(&chat_with_lines(30, 1), 4);
    let chat = run(&chat_with_lines(10, 3), 4);
    for (p, c) in plain.call_types.iter().zip(&chat.call_types) {
        assert_eq!(p.block.offered.mean, c.block.offered.mean, "{}", p.name);
        assert_eq!(
            p.block.blocked.mean, c.block.blocked.mean,
            "{} blocked",
            p.name
        );
        assert_eq!(
            p.block.answered.mean, c.block.answered.mean,
            "{} answered",
            p.name
        );
        assert_eq!(
            p.block.abandoned.mean, c.block.abandoned.mean,
            "{} abandoned",
            p.name
        );
        assert_eq!(p.block.asa_s.mean, c.block.asa_s.mean, "{} ASA", p.name);
        assert_eq!(
            p.block.wait_s.p90.mean, c.block.wait_s.p90.mean,
            "{} p90",
            p.name
        );
    }
    let blocked_a = chat.call_types[0].block.blocked.mean.unwrap();
    let offered_a = chat.call_types[0].block.offered.mean.unwrap();
    assert!(
        blocked_a < 0.2 * offered_a,
        "blocked {blocked_a} of {offered_a}"
    );
}

#[test]
fn a_chat_desk_whose_headcount_falls_and_rises_again_runs_on_every_seed() {
    // Used to panic in the pools ("agent slots cover the largest headcount"): agents
    // winding down their last chats were counted as gone when the headcount rose again.
    let toml = r#"
name = "chat desk 3-1-3"
[simulation]
duration = "3h"
interval = "1h"
replications = 40
seed = 1
[service_level]
threshold = "60s"
[[call_types]]
name = "chat"
arrival_rate = 60
handle_time = { distribution = "lognormal", mean = "9m", cv = 1.5 }
patience = { distribution = "exponential", mean = "5m" }
[[agent_groups]]
name = "desk"
agents_by_interval = [3, 1, 3]
max_concurrent = 3
skills = ["chat"]
"#;
    let report = run(toml, 40);
    let t = &report.total;
    let ended = t.answered.mean.unwrap() + t.abandoned.mean.unwrap();
    assert!((t.offered.mean.unwrap() - ended).abs() < 1e-9);
}

#[test]
fn the_shipped_chat_desk_runs_with_very_variable_chats_on_every_seed() {
    let toml = std::fs::read_to_string("scenarios/chat-desk.toml")
        .unwrap()
        .replace("cv = 0.7", "cv = 1.5");
    for seed in 1..=8 {
        let report = callsim::run(
            &model(&toml),
            &RunOptions {
                replications: Some(4),
                seed: Some(seed),
                threads: Some(2),
            },
        );
        assert!(report.total.answered.mean.unwrap() > 0.0);
    }
}
