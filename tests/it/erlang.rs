//! `callsim erlang`: published values, the contract's JSON keys, the simulation on the same
//! cases, and every refusal with its fix.

use serde_json::Value;

use crate::support::callsim;
use crate::support::{assert_agrees, SingleQueue};

fn json(args: &[&str]) -> Value {
    let out = callsim(args);
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.stderr.is_empty(), "nothing but the output");
    serde_json::from_slice(&out.stdout).expect("one JSON document")
}

fn number(v: &Value, key: &str) -> f64 {
    v[key]
        .as_f64()
        .unwrap_or_else(|| panic!("`{key}` is not a number in {v}"))
}

const QUEUE_KEYS: [&str; 6] = [
    "agents",
    "p_wait",
    "service_level",
    "asa_s",
    "occupancy",
    "abandon_rate",
];

/// A shipped scenario, for `staff`.
const ERLANG_C_SCENARIO: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/scenarios/erlang-c.toml");

/// 100 calls per 30 minutes, AHT 180 s, 80/20: 14 agents, service level 0.888, P(wait)
/// 0.174 (the textbook case), solved and evaluated, with the contract's keys.
#[test]
fn the_published_erlang_c_case() {
    let solved = json(&[
        "erlang",
        "c",
        "--calls-per-hour",
        "200",
        "--aht",
        "180s",
        "--service-level",
        "80/20",
        "--format",
        "json",
    ]);
    for key in QUEUE_KEYS {
        assert!(solved[key].is_number(), "{key} in {solved}");
    }
    assert_eq!(solved["agents"], 14);
    assert!((number(&solved, "service_level") - 0.888).abs() < 0.001);
    assert!((number(&solved, "p_wait") - 0.174).abs() < 0.001);
    assert!((number(&solved, "asa_s") - 7.84).abs() < 0.01);
    assert!((number(&solved, "occupancy") - 10.0 / 14.0).abs() < 1e-12);
    assert_eq!(number(&solved, "abandon_rate"), 0.0);
    let given = json(&[
        "erlang",
        "c",
        "--calls-per-hour",
        "200",
        "--aht",
        "3m",
        "--agents",
        "14",
        "--threshold",
        "20s",
        "--format",
        "json",
    ]);
    for key in QUEUE_KEYS {
        assert_eq!(given[key], solved[key], "{key}");
    }
    // 13 agents miss the target.
    let short = json(&[
        "erlang",
        "c",
        "--calls-per-hour",
        "200",
        "--aht",
        "3m",
        "--agents",
        "13",
        "-f",
        "json",
    ]);
    assert!(number(&short, "service_level") < 0.8);
}

#[test]
fn erlang_b_and_a_print_their_keys() {
    let b = json(&[
        "erlang",
        "b",
        "--calls-per-hour",
        "100",
        "--aht",
        "3m",
        "--agents",
        "10",
        "-f",
        "json",
    ]);
    assert_eq!(b["agents"], 10);
    // B(10, 5) = 0.018385.
    assert!((number(&b, "blocking") - 0.018385).abs() < 1e-5);
    let b = json(&[
        "erlang",
        "b",
        "--calls-per-hour",
        "100",
        "--aht",
        "3m",
        "--max-blocking",
        "2%",
        "-f",
        "json",
    ]);
    assert_eq!(b["agents"], 10);
    let a = json(&[
        "erlang",
        "a",
        "--calls-per-hour",
        "200",
        "--aht",
        "3m",
        "--patience",
        "2m",
        "--service-level",
        "80/20",
        "-f",
        "json",
    ]);
    for key in QUEUE_KEYS {
        assert!(a[key].is_number(), "{key} in {a}");
    }
    // Patience lets fewer agents reach 80/20 than Erlang C's 14, with some abandonment.
    let agents = a["agents"].as_u64().unwrap();
    assert!(agents <= 14 && number(&a, "abandon_rate") > 0.0, "{a}");
    assert!(number(&a, "service_level") >= 0.8);
}

#[test]
fn targets_and_shrinkage() {
    let v = json(&[
        "erlang",
        "c",
        "--calls-per-hour",
        "200",
        "--aht",
        "3m",
        "--service-level",
        "80/20",
        "--shrinkage",
        "30%",
        "-f",
        "json",
    ]);
    assert_eq!(
        (v["agents"].as_u64(), v["agents_scheduled"].as_u64()),
        (Some(14), Some(20))
    );
    let asa = json(&[
        "erlang",
        "c",
        "--calls-per-hour",
        "200",
        "--aht",
        "3m",
        "--max-asa",
        "5s",
        "-f",
        "json",
    ]);
    assert!(number(&asa, "asa_s") <= 5.0 && asa["agents"].as_u64() > Some(14));
    let occupancy = json(&[
        "erlang",
        "c",
        "--calls-per-hour",
        "200",
        "--aht",
        "3m",
        "--max-occupancy",
        "70%",
        "-f",
        "json",
    ]);
    assert_eq!(occupancy["agents"], 15); // 10 / 15 ≤ 0.7 < 10 / 14
    let abandon = json(&[
        "erlang",
        "a",
        "--calls-per-hour",
        "200",
        "--aht",
        "3m",
        "--patience",
        "1m",
        "--max-abandon",
        "2%",
        "-f",
        "json",
    ]);
    assert!(number(&abandon, "abandon_rate") <= 0.02);
    // Thousands of agents and a fractional load, at once.
    let big = json(&[
        "erlang",
        "c",
        "--calls-per-hour",
        "98000.5",
        "--aht",
        "3m",
        "--service-level",
        "80/20",
        "-f",
        "json",
    ]);
    let n = big["agents"].as_u64().unwrap();
    assert!(n > 4900 && n < 5000, "{n}");
    // The table for people says what it found.
    let out = callsim(&[
        "erlang",
        "c",
        "--calls-per-hour",
        "200",
        "--aht",
        "3m",
        "--service-level",
        "80/20",
    ]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("Erlang C") && text.contains("14") && text.contains("88.8%"),
        "{text}"
    );
}

/// The simulation agrees with what `callsim erlang` prints for the same cases.
#[test]
fn the_simulation_agrees_with_the_calculator() {
    for (patience, agents) in [(None, 14u32), (Some(120.0), 12)] {
        let mut args = vec![
            "erlang".to_owned(),
            if patience.is_some() { "a" } else { "c" }.to_owned(),
            "--calls-per-hour".into(),
            "200".into(),
            "--aht".into(),
            "3m".into(),
            "--agents".into(),
            agents.to_string(),
            "-f".into(),
            "json".into(),
        ];
        if let Some(p) = patience {
            args.extend(["--patience".to_owned(), format!("{p}s")]);
        }
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let theory = json(&args);
        let case = SingleQueue {
            agents,
            calls_per_hour: 200.0,
            aht_s: 180.0,
            patience_s: patience,
            hours: 500.0,
            warmup_hours: 10.0,
            replications: 20,
            threshold_s: 20.0,
        };
        let report = case.run();
        let t = &report.total;
        let label = format!("erlang {}", args[1]);
        for (what, stat, key) in [
            ("service level", &t.service_level, "service_level"),
            ("P(wait)", &t.p_wait, "p_wait"),
            ("ASA", &t.asa_s, "asa_s"),
            ("abandon rate", &t.abandon_rate, "abandon_rate"),
            ("occupancy", &t.occupancy, "occupancy"),
        ] {
            let expected = number(&theory, key);
            if expected == 0.0 {
                assert_eq!(stat.mean, Some(0.0), "{label} {what}");
            } else {
                assert_agrees(&format!("{label} {what}"), stat, 20, expected, 4.0, 0.0);
            }
        }
    }
}

/// Every refusal exits 2, prints nothing on stdout, names the flag and says what would work.
#[test]
fn bad_arguments_are_refused_with_the_fix() {
    let base = ["erlang", "c", "--calls-per-hour", "200", "--aht", "3m"];
    let with = |extra: &[&'static str]| -> Vec<&'static str> {
        base.iter().copied().chain(extra.iter().copied()).collect()
    };
    let cases: Vec<(Vec<&str>, Vec<&str>)> = vec![
        (
            with(&["--agents", "10"]),
            vec!["10 Erlangs", "--agents 11", "erlang a"],
        ),
        (
            with(&["--agents", "14", "--service-level", "80/20"]),
            vec!["--agents", "not both"],
        ),
        (with(&[]), vec!["--agents 14", "--service-level 80/20"]),
        (
            with(&["--patience", "2m", "--agents", "14"]),
            vec!["--patience", "erlang a"],
        ),
        (
            with(&["--max-abandon", "5%"]),
            vec!["--max-abandon", "erlang a"],
        ),
        (
            with(&["--max-blocking", "1%"]),
            vec!["--max-blocking", "erlang b"],
        ),
        (
            with(&["--service-level", "80/20", "--threshold", "30s"]),
            vec!["--threshold", "contradicts", "once"],
        ),
        (
            with(&["--service-level", "80"]),
            vec!["--service-level", "80/20"],
        ),
        (
            with(&["--service-level", "180/20"]),
            vec!["--service-level", "e.g."],
        ),
        (
            with(&["--max-occupancy", "85"]),
            vec!["--max-occupancy", "85%"],
        ),
        (
            with(&["--service-level", "80/20", "--shrinkage", "100%"]),
            vec!["--shrinkage", "30%"],
        ),
        (
            with(&["--service-level", "80/20", "--max-asa", "30"]),
            vec!["--max-asa", "unit"],
        ),
        (
            vec![
                "erlang",
                "c",
                "--calls-per-hour",
                "-5",
                "--aht",
                "3m",
                "--agents",
                "3",
            ],
            vec!["--calls-per-hour", "e.g."],
        ),
        (
            vec![
                "erlang",
                "c",
                "--calls-per-hour",
                "200",
                "--aht",
                "3",
                "--agents",
                "3",
            ],
            vec!["--aht", "e.g."],
        ),
        (
            vec![
                "erlang",
                "c",
                "--calls-per-hour",
                "200",
                "--aht",
                "0s",
                "--agents",
                "3",
            ],
            vec!["--aht", "e.g."],
        ),
        (
            vec![
                "erlang",
                "a",
                "--calls-per-hour",
                "200",
                "--aht",
                "3m",
                "--agents",
                "3",
            ],
            vec!["--patience", "e.g."],
        ),
        (
            vec![
                "erlang",
                "b",
                "--calls-per-hour",
                "200",
                "--aht",
                "3m",
                "--max-asa",
                "20s",
            ],
            vec!["--max-blocking"],
        ),
        (
            vec!["erlang", "x", "--calls-per-hour", "200", "--aht", "3m"],
            vec!["invalid value"],
        ),
        (
            vec![
                "erlang",
                "b",
                "--calls-per-hour",
                "200",
                "--aht",
                "3m",
                "--max-blocking",
                "0%",
            ],
            vec!["--max-blocking", "no finite number", "e.g."],
        ),
        (
            vec![
                "erlang",
                "b",
                "--calls-per-hour",
                "600",
                "--aht",
                "4m",
                "--service-level",
                "100%/20",
            ],
            vec![
                "--service-level 100%/20",
                "no finite number",
                "every agent busy",
            ],
        ),
        (
            vec![
                "erlang",
                "a",
                "--calls-per-hour",
                "600",
                "--aht",
                "4m",
                "--patience",
                "1m",
                "--service-level",
                "100%/20",
            ],
            vec!["no finite number", "waits longer than 20s", "e.g."],
        ),
        (
            vec![
                "erlang",
                "c",
                "--calls-per-hour",
                "600",
                "--aht",
                "4m",
                "--service-level",
                "80/20",
                "--shrinkage",
                "99.9999999%",
            ],
            vec!["--shrinkage 99.9999999%", "at most 99.0%", "e.g."],
        ),
        (
            vec!["staff", ERLANG_C_SCENARIO, "--max-asa", "0s"],
            vec!["--max-asa", "no finite number"],
        ),
        (
            vec!["staff", ERLANG_C_SCENARIO, "--max-abandon", "0%"],
            vec!["--max-abandon", "no finite number"],
        ),
    ];
    for (args, needles) in cases {
        let out = callsim(&args);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(out.stdout.is_empty(), "{args:?}");
        assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
        for needle in needles {
            assert!(
                stderr.contains(needle),
                "{args:?}: expected `{needle}` in {stderr}"
            );
        }
    }
}

/// Every form the README promises to scripts prints its keys.
#[test]
fn every_contract_form_prints_the_contract_keys() {
    for formula in ["b", "c", "a"] {
        for solve in [false, true] {
            let mut args = vec!["erlang", formula, "--calls-per-hour", "200", "--aht", "3m"];
            if formula == "a" {
                args.extend(["--patience", "2m"]);
            }
            if solve {
                args.extend(["--service-level", "80/20"]);
            } else {
                args.extend(["--agents", "14", "--threshold", "20s"]);
            }
            args.extend(["--format", "json"]);
            let v = json(&args);
            let keys: &[&str] = if formula == "b" {
                &["agents", "blocking"]
            } else {
                &QUEUE_KEYS
            };
            for key in keys {
                assert!(v[key].is_number(), "{args:?}: {key} in {v}");
            }
            if solve && formula != "b" {
                assert!(number(&v, "service_level") >= 0.8, "{args:?}");
            }
            if solve && formula == "b" {
                // No queue: answered at once or lost, so 80 % answered is ≤ 20 % blocked.
                assert!(number(&v, "blocking") <= 0.2, "{v}");
            }
        }
    }
}

/// Targets beyond any search name the flags to relax, once (the message used to say "no
/// number of agents meets these targets: no number of agents … meets the targets").
#[test]
fn unreachable_targets_name_the_flags_to_relax() {
    let out = crate::support::callsim(&[
        "erlang",
        "c",
        "--calls-per-hour",
        "1e7",
        "--aht",
        "6m",
        "--max-occupancy",
        "1e-12",
    ]);
    let stderr = crate::support::text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("relax --max-occupancy"), "{stderr}");
    assert!(stderr.contains("load ÷ c"), "{stderr}");
    assert_eq!(stderr.matches("meets the targets").count(), 1, "{stderr}");
}

/// An Erlang B target read as a service level allows exactly the blocking it reads as: at
/// 0.25 Erlangs one line blocks exactly 1/5 of the calls, which meets "80/20" as it meets
/// `--max-blocking 20%` (1 − 0.8 in floating point, 0.19999999999999996, refused it).
#[test]
fn an_erlang_b_service_level_at_an_exact_tie_is_met() {
    for target in [["--service-level", "80/20"], ["--max-blocking", "20%"]] {
        let v = json(&[
            "erlang",
            "b",
            "--calls-per-hour",
            "15",
            "--aht",
            "1m",
            target[0],
            target[1],
            "-f",
            "json",
        ]);
        assert_eq!(number(&v, "agents"), 1.0, "{target:?}: {v}");
    }
}
