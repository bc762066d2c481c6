//! Every example of the stable interface the README promises to scripts (scenario, CLI,
//! JSON report), exercised as written, and every example scenario shipped in `scenarios/`.

use crate::support::callsim;
use callsim::scenario::Source;

/// The single-queue scenario of the stable interface, verbatim.
const CONTRACT_SCENARIO: &str = r#"name = "Single queue"

[simulation]
duration = "8h"        # arrivals are generated for this long; calls in the system at the end are still finished
warmup = "30m"         # calls that arrive before this are simulated but not counted
replications = 10      # independent replications
seed = 42
interval = "30m"       # length of a reporting interval (also of a rate or staffing step)

[service_level]
threshold = "20s"      # "answered within T"

[[call_types]]
name = "general"
arrival_rate = 600                          # calls per hour, constant over the day
# arrival_rates = [300, 450, 600, 600]      # or: calls per hour for each interval, in order
handle_time = { distribution = "exponential", mean = "4m" }
patience = { distribution = "exponential", mean = "2m" }   # leave out: callers never abandon

[[agent_groups]]
name = "agents"
agents = 45                                 # constant headcount ...
# agents_by_interval = [40, 45, 50, 50]     # ... or one count per interval
skills = ["general"]                        # call types served, most preferred first
"#;

#[test]
fn the_contract_scenario_runs_and_reports_every_contract_key() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("single.toml");
    std::fs::write(&path, CONTRACT_SCENARIO).unwrap();
    let out = callsim(&["run", path.to_str().unwrap(), "--format", "json"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    for key in [
        "scenario",
        "replications",
        "seed",
        "service_level_threshold_s",
        "total",
        "call_types",
        "agent_groups",
        "intervals",
    ] {
        assert!(json.get(key).is_some(), "{key}");
    }
    let stats = [
        "offered",
        "answered",
        "abandoned",
        "service_level",
        "abandon_rate",
        "asa_s",
        "aht_s",
        "occupancy",
    ];
    for block in [
        &json["total"],
        &json["call_types"][0],
        &json["intervals"][0]["total"],
        &json["intervals"][0]["call_types"][0],
    ] {
        for key in stats {
            let stat = &block[key];
            assert!(
                stat["mean"].as_f64().is_some() && stat["ci95"].as_f64().is_some(),
                "{key}: {stat}"
            );
        }
        for p in ["p50", "p80", "p90", "p95", "p99", "max"] {
            assert!(block["wait_s"][p]["mean"].as_f64().is_some());
        }
        // Fractions in [0, 1].
        for key in ["service_level", "abandon_rate", "occupancy"] {
            let x = block[key]["mean"].as_f64().unwrap();
            assert!((0.0..=1.0).contains(&x), "{key} = {x}");
        }
    }
    assert_eq!(
        json["intervals"].as_array().unwrap().len(),
        15,
        "8 h of 30 min intervals, the first in warm-up"
    );
    assert_eq!(json["intervals"][0]["start_s"], 1800.0);
    assert!(json["agent_groups"][0]["answered"]["mean"].is_number());
    assert!(json["agent_groups"][0]["occupancy"]["mean"].is_number());
}

#[test]
fn compare_prints_alternatives_and_paired_differences() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("single.toml");
    std::fs::write(&path, CONTRACT_SCENARIO).unwrap();
    let path = path.to_str().unwrap();
    let out = callsim(&[
        "compare",
        path,
        "--policy",
        "skill-priority",
        "--policy",
        "longest-idle",
        "--format",
        "json",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let alternatives = json["alternatives"].as_array().unwrap();
    assert_eq!(alternatives.len(), 2);
    assert_eq!(alternatives[0]["name"], "skill-priority");
    assert!(alternatives[1]["total"]["service_level"]["mean"].is_number());
    let differences = json["differences"].as_array().unwrap();
    assert_eq!(differences.len(), 1);
    assert!(differences[0]["name"].is_string());
    // One queue, one group: both policies do the same thing, call for call.
    assert_eq!(differences[0]["total"]["service_level"]["mean"], 0.0);
    assert_eq!(differences[0]["total"]["service_level"]["ci95"], 0.0);
}

#[test]
fn every_shipped_scenario_is_valid() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/scenarios");
    let mut seen = 0;
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "toml") {
            let source = Source::read(&path).unwrap();
            source.load().unwrap_or_else(|e| panic!("{e}"));
            seen += 1;
        }
    }
    assert!(seen >= 8, "{seen} scenarios");
}

#[test]
fn the_schema_is_json_and_describes_the_format() {
    let out = callsim(&["schema"]);
    assert!(out.status.success());
    let schema: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(schema["title"], "Scenario");
    let defs = &schema["$defs"];
    for def in [
        "Simulation",
        "CallTypeSpec",
        "AgentGroupSpec",
        "DistributionSpec",
        "RoutingSpec",
        "TierSpec",
        "Duration",
    ] {
        assert!(defs.get(def).is_some(), "{def}");
    }
    assert_eq!(
        defs["CallTypeSpec"]["additionalProperties"], false,
        "unknown keys are refused"
    );
}

#[test]
fn interval_labels_are_unique_at_any_interval_length() {
    let day = |start: &str, interval: &str, duration: &str| {
        crate::support::model(&format!(
            "name = \"labels\"\n[simulation]\nstart_time = \"{start}\"\nduration = \"{duration}\"\n\
             interval = \"{interval}\"\n[[call_types]]\nname = \"q\"\narrival_rate = 60\n\
             handle_time = {{ distribution = \"exponential\", mean = \"3m\" }}\n\
             [[agent_groups]]\nname = \"a\"\nagents = 2\nskills = [\"q\"]\n"
        ))
    };
    let labels = |model: &callsim::model::Model| -> Vec<String> {
        (0..model.intervals)
            .map(|k| model.interval_label(k))
            .collect()
    };
    // Planning days keep HH:MM, and wrap at midnight.
    assert_eq!(
        labels(&day("23:00", "30m", "2h")),
        ["23:00", "23:30", "00:00", "00:30"]
    );
    // Seconds show when the intervals or the start need them.
    assert_eq!(
        labels(&day("08:00", "20s", "1m")),
        ["08:00:00", "08:00:20", "08:00:40"]
    );
    assert_eq!(
        labels(&day("08:00:30", "1m", "2m")),
        ["08:00:30", "08:01:30"]
    );
    assert_eq!(
        labels(&day("08:00", "1500ms", "3s")),
        ["08:00:00.000", "08:00:01.500"]
    );
    // A day of one-second intervals: every label is its own.
    let second = labels(&day("09:00", "1s", "1h"));
    let distinct: std::collections::BTreeSet<_> = second.iter().collect();
    assert_eq!((second.len(), distinct.len()), (3600, 3600));
    // Longer than 24 hours, clock times repeat: the labels name the calendar day too.
    let week = labels(&day("22:00", "1h", "48h"));
    assert_eq!(
        [&week[0], &week[1], &week[2], &week[47]],
        ["day 1 22:00", "day 1 23:00", "day 2 00:00", "day 3 21:00"]
    );
    let distinct: std::collections::BTreeSet<_> = week.iter().collect();
    assert_eq!(distinct.len(), 48);
    // Exactly 24 hours needs no day.
    assert_eq!(labels(&day("08:00", "12h", "24h")), ["08:00", "20:00"]);
}
