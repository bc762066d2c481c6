//! The command line as users and scripts meet it: exit codes, formats, bad input.

use crate::support::{callsim, text};
use std::path::Path;

const SMALL: &str = r#"
name = "Small"
[simulation]
duration = "2h"
warmup = "30m"
replications = 3
seed = 42
interval = "30m"
[service_level]
threshold = "20s"
[[call_types]]
name = "general"
arrival_rate = 120
handle_time = { distribution = "exponential", mean = "4m" }
patience = { distribution = "exponential", mean = "2m" }
[[agent_groups]]
name = "agents"
agents = 10
skills = ["general"]
"#;

fn write(dir: &Path, name: &str, contents: &[u8]) -> String {
    let path = dir.join(name);
    std::fs::write(&path, contents).unwrap();
    path.to_str().unwrap().to_owned()
}

#[test]
fn run_without_a_scenario_runs_the_default_centre_as_a_table() {
    let out = callsim(&["run", "--replications", "2"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    assert!(stdout.contains("Mobile operator hotline"));
    assert!(stdout.contains("generalists"));
    assert!(stdout.contains("SL 20s"));
    assert!(out.stderr.is_empty());
}

#[test]
fn show_default_prints_a_scenario_that_validates() {
    let out = callsim(&["run", "--show-default"]);
    assert!(out.status.success());
    let dir = tempfile::tempdir().unwrap();
    let path = write(dir.path(), "default.toml", &out.stdout);
    let check = callsim(&["validate", &path]);
    assert!(check.status.success(), "{}", text(&check.stderr));
    assert!(text(&check.stdout).contains("ok"));
}

#[test]
fn json_output_is_one_document_with_the_contract_keys() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(dir.path(), "small.toml", SMALL.as_bytes());
    let out = callsim(&["run", &path, "--format", "json"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let json: serde_json::Value =
        serde_json::from_slice(&out.stdout).expect("stdout is one JSON document");
    assert_eq!(json["scenario"], "Small");
    assert_eq!(json["replications"], 3);
    assert_eq!(json["seed"], 42);
    assert_eq!(json["service_level_threshold_s"], 20.0);
    let block_keys = [
        "offered",
        "answered",
        "abandoned",
        "service_level",
        "abandon_rate",
        "asa_s",
        "aht_s",
        "occupancy",
    ];
    let check_block = |block: &serde_json::Value| {
        for key in block_keys {
            assert!(block[key]["mean"].is_number(), "{key} in {block}");
            assert!(block[key]["ci95"].is_number(), "{key} in {block}");
        }
        for p in ["p50", "p80", "p90", "p95", "p99", "max"] {
            assert!(block["wait_s"][p]["mean"].is_number(), "{p}");
        }
    };
    check_block(&json["total"]);
    check_block(&json["call_types"][0]);
    assert_eq!(json["call_types"][0]["name"], "general");
    assert_eq!(json["agent_groups"][0]["name"], "agents");
    assert!(json["agent_groups"][0]["answered"]["mean"].is_number());
    assert!(json["agent_groups"][0]["occupancy"]["mean"].is_number());
    let intervals = json["intervals"].as_array().unwrap();
    assert_eq!(intervals.len(), 3, "the warm-up interval is not reported");
    assert_eq!(intervals[0]["start_s"], 1800.0);
    check_block(&intervals[0]["total"]);
    check_block(&intervals[0]["call_types"][0]);
    let t = &json["total"];
    let sum = t["answered"]["mean"].as_f64().unwrap() + t["abandoned"]["mean"].as_f64().unwrap();
    assert!((t["offered"]["mean"].as_f64().unwrap() - sum).abs() < 1e-9);
}

#[test]
fn csv_output_has_a_row_per_interval_and_call_type() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(dir.path(), "small.toml", SMALL.as_bytes());
    let out = callsim(&["run", &path, "--format", "csv"]);
    assert!(out.status.success());
    let stdout = text(&out.stdout);
    let lines: Vec<&str> = stdout.lines().collect();
    assert!(lines[0].starts_with("interval_start_s,interval_start,call_type,offered,offered_ci95"));
    assert_eq!(
        lines.len(),
        1 + 3 * 2,
        "header + 3 intervals × (1 type + all)"
    );
    assert!(lines[1].starts_with("1800,00:30,general,"));
}

#[test]
fn output_is_the_same_on_one_thread_or_many() {
    let a = callsim(&["run", "--format", "json", "--threads", "1", "-r", "4"]);
    let b = callsim(&["run", "--format", "json", "--threads", "4", "-r", "4"]);
    assert!(a.status.success() && b.status.success());
    assert_eq!(a.stdout, b.stdout);
}

#[test]
fn threads_beyond_the_cores_are_warned_of_and_change_nothing() {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let beyond = (cores + 1).to_string();
    let within = callsim(&["run", "-r", "3", "--threads", "1", "-q", "-f", "json"]);
    let over = callsim(&["run", "-r", "3", "--threads", &beyond, "-q", "-f", "json"]);
    assert!(over.status.success());
    assert_eq!(over.stdout, within.stdout);
    assert!(!text(&within.stderr).contains("--threads"));
    assert!(
        text(&over.stderr).contains(&format!(
            "warning: --threads {beyond} on a machine of {cores} core"
        )),
        "{}",
        text(&over.stderr)
    );
}

#[test]
fn an_output_named_for_another_format_is_refused_before_any_work() {
    let dir = tempfile::tempdir().unwrap();
    let at = |name: &str| dir.path().join(name).to_str().unwrap().to_owned();
    let default = callsim(&["run", "--show-default"]).stdout;
    let scenario = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(scenario.path(), default).unwrap();
    let scenario = scenario.path().to_str().unwrap().to_owned();
    for (args, expected) in [
        (
            vec!["run".to_owned(), "-o".into(), at("day.xlsx")],
            "add --format xlsx",
        ),
        (
            vec![
                "run".into(),
                "-f".into(),
                "json".into(),
                "-o".into(),
                at("day.HTML"),
            ],
            "add --format html",
        ),
        (
            vec![
                "compare".into(),
                scenario.clone(),
                "--policy".into(),
                "priority".into(),
                "--policy".into(),
                "longest-idle".into(),
                "-o".into(),
                at("c.xlsx"),
            ],
            "this command writes no .xlsx file",
        ),
    ] {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let out = callsim(&args);
        let stderr = text(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(stderr.contains(expected), "{args:?}: {stderr}");
    }
    assert!(std::fs::read_dir(dir.path()).unwrap().next().is_none());
    // Formats that suit their names, and names of no format, are written.
    for (format, name) in [
        ("csv-long", "long.csv"),
        ("xlsx", "day.xlsx"),
        ("table", "day.txt"),
    ] {
        let out = callsim(&["run", "-r", "2", "-q", "-f", format, "-o", &at(name)]);
        assert!(out.status.success(), "{format}: {}", text(&out.stderr));
    }
}

#[test]
fn a_day_of_no_whole_number_of_intervals_names_its_last_one() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = |rates: &str| {
        format!(
            "name = \"short\"\n[simulation]\nduration = \"2h\"\ninterval = \"7m\"\n\
             [[call_types]]\nname = \"q\"\n{rates}\n\
             handle_time = {{ distribution = \"exponential\", mean = \"3m\" }}\n\
             [[agent_groups]]\nname = \"a\"\nagents = 6\nskills = [\"q\"]\n"
        )
    };
    let path = write(
        dir.path(),
        "ok.toml",
        scenario("arrival_rate = 60").as_bytes(),
    );
    let out = callsim(&["validate", &path]);
    assert!(
        text(&out.stdout).contains("18 intervals (the last 1m)"),
        "{}",
        text(&out.stdout)
    );
    let rates = format!("arrival_rates = [{}]", vec!["60"; 17].join(", "));
    let path = write(dir.path(), "bad.toml", scenario(&rates).as_bytes());
    let out = callsim(&["validate", &path]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("the simulation has 18 intervals of 7m, the last 1m"),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn usage_errors_exit_2() {
    for args in [
        vec!["run", "--format", "xml"],
        vec!["run", "--replications", "0"],
        vec!["frobnicate"],
        vec![],
    ] {
        let out = callsim(&args);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert!(out.stdout.is_empty(), "{args:?}");
    }
}

/// Each family of bad input: exit status 2, nothing on stdout, and a message that names the
/// place (file:line:column where there is one), the field, and what would be right.
#[test]
fn bad_scenarios_are_refused_with_a_precise_message() {
    let cases: Vec<(&str, String, Vec<&str>)> = vec![
        ("syntax", SMALL.replace("name = \"Small\"", "name = \"Small"), vec![":2:"]),
        ("unknown key", SMALL.replace("seed = 42", "sede = 42"), vec![":7:", "unknown field `sede`", "help"]),
        ("bare number duration", SMALL.replace("threshold = \"20s\"", "threshold = 20"), vec![":10:", "bare number", "\"20s\""]),
        ("unknown unit", SMALL.replace("\"2h\"", "\"2hours\""), vec![":4:", "`hours`", "not a unit"]),
        ("negative rate", SMALL.replace("arrival_rate = 120", "arrival_rate = -5"), vec![":13:", "call_types[0].arrival_rate", "≥ 0"]),
        ("absurd rate", SMALL.replace("arrival_rate = 120", "arrival_rate = 1e12"), vec![":13:", "call_types[0].arrival_rate", "per hour"]),
        ("NaN rate", SMALL.replace("arrival_rate = 120", "arrival_rate = nan"), vec![":13:", "arrival_rate", "NaN"]),
        ("negative agents", SMALL.replace("agents = 10", "agents = -3"), vec![":18:", "agent_groups[0].agents", "at least 0"]),
        ("fractional agents", SMALL.replace("agents = 10", "agents = 4.5"), vec![":18:", "whole number"]),
        ("zero replications", SMALL.replace("replications = 3", "replications = 0"), vec![":6:", "simulation.replications"]),
        ("type nobody serves", SMALL.replace("skills = [\"general\"]", "skills = [\"general\"]\n[[call_types]]\nname = \"vip\"\narrival_rate = 10\nhandle_time = { distribution = \"exponential\", mean = \"4m\" }"), vec!["call_types[1].name", "no agent group serves", "vip"]),
        ("skill naming no type", SMALL.replace("skills = [\"general\"]", "skills = [\"general\", \"genral\"]"), vec![":19:", "agent_groups[0].skills[1]", "`genral`", "general"]),
        ("duplicate names", format!("{SMALL}\n[[agent_groups]]\nname = \"agents\"\nagents = 1\nskills = [\"general\"]\n"), vec!["agent_groups[1].name", "used twice"]),
        ("list of wrong length", SMALL.replace("arrival_rate = 120", "arrival_rates = [100, 120]"), vec![":13:", "call_types[0].arrival_rates", "give exactly 4 values"]),
        ("unknown distribution", SMALL.replace("distribution = \"exponential\", mean = \"4m\"", "distribution = \"expo\", mean = \"4m\""), vec![":14:", "call_types[0].handle_time.distribution", "`expo`", "lognormal"]),
        ("incomplete distribution", SMALL.replace("distribution = \"exponential\", mean = \"4m\"", "distribution = \"lognormal\", mean = \"4m\""), vec![":14:", "call_types[0].handle_time", "needs `cv`"]),
        ("parameter of another distribution", SMALL.replace("distribution = \"exponential\", mean = \"4m\"", "distribution = \"exponential\", mean = \"4m\", cv = 2.0"), vec![":14:", "call_types[0].handle_time.cv", "not a parameter"]),
        ("warm-up past the duration", SMALL.replace("warmup = \"30m\"", "warmup = \"3h\""), vec![":5:", "simulation.warmup", "shorter"]),
        ("no call types", "name = \"x\"\n[simulation]\nduration = \"1h\"\n".to_owned(), vec!["no call types"]),
        ("missing field", SMALL.replace("duration = \"2h\"\n", ""), vec!["missing field `duration`"]),
        ("empty file", "  \n".to_owned(), vec!["is empty"]),
        ("unknown policy", format!("{SMALL}\n[routing]\npolicy = \"fifo\"\n"), vec![":22:", "routing.policy", "`fifo`", "longest-idle"]),
        ("overflow to a group without the skill", format!("{SMALL}\n[[agent_groups]]\nname = \"other\"\nagents = 1\nskills = [\"general\"]\n[[call_types]]\nname = \"x\"\narrival_rate = 1\nhandle_time = {{ distribution = \"exponential\", mean = \"1m\" }}\n[routing]\npolicy = \"overflow\"\n[[routing.overflow]]\ncall_type = \"general\"\ntargets = [{{ groups = [\"x\"], after = \"0s\" }}]\n"), vec!["no agent group serves"]),
        ("overflow naming no group", format!("{SMALL}\n[routing]\npolicy = \"overflow\"\n[[routing.overflow]]\ncall_type = \"general\"\ntargets = [{{ groups = [\"agnets\"], after = \"30s\" }}]\n"), vec!["routing.overflow[0].targets[0].groups[0]", "`agnets` names no agent group"]),
        ("tier shares", SMALL.replace("arrival_rate = 120", "arrival_rate = 120\ntiers = [{ name = \"gold\", share = 0.3 }, { name = \"basic\", share = 0.6 }]"), vec!["call_types[0].tiers", "add up to 0.9"]),
        ("transfer loop", SMALL.replace("arrival_rate = 120", "arrival_rate = 120\ntransfer = { share = 0.1, to = \"back\" }").replace("skills = [\"general\"]", "skills = [\"general\", \"back\"]\n[[call_types]]\nname = \"back\"\narrival_rate = 1\nhandle_time = { distribution = \"exponential\", mean = \"1m\" }\ntransfer = { share = 0.5, to = \"general\" }"), vec!["call_types[0].transfer.to", "general → back → general", "loop"]),
        ("aging without priority", format!("{SMALL}\n[routing]\naging = \"1m\"\n"), vec!["routing.aging", "priority"]),
    ];
    let dir = tempfile::tempdir().unwrap();
    for (what, contents, expected) in cases {
        let path = write(dir.path(), "bad.toml", contents.as_bytes());
        let out = callsim(&["run", &path]);
        let stderr = text(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{what}: {stderr}");
        assert!(out.stdout.is_empty(), "{what}: stdout must stay empty");
        assert!(stderr.contains(&path), "{what}: names the file: {stderr}");
        for needle in expected {
            assert!(
                stderr.contains(needle),
                "{what}: expected `{needle}` in:\n{stderr}"
            );
        }
        assert!(!stderr.contains("panicked"), "{what}: {stderr}");
    }
}

#[test]
fn unreadable_files_are_refused_with_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    let binary = write(dir.path(), "binary.toml", &[0u8, 159, 146, 150, 0, 1, 2]);
    let missing = dir.path().join("missing.toml").to_str().unwrap().to_owned();
    let directory = dir.path().to_str().unwrap().to_owned();
    for (path, needle) in [
        (binary, "not a text file"),
        (missing, "cannot read"),
        (directory, ""),
    ] {
        let out = callsim(&["run", &path]);
        let stderr = text(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{path}: {stderr}");
        assert!(out.stdout.is_empty());
        assert!(
            stderr.contains(&path) && stderr.contains(needle),
            "{stderr}"
        );
    }
}

#[test]
fn a_trace_with_a_bad_line_is_refused_with_its_line_number() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "monday.csv",
        b"arrival_s,call_type,handle_time_s\n10.5,general,200\n12,general,abc\n15,general,100\n",
    );
    let scenario = SMALL.replace("seed = 42", "seed = 42\ntrace = \"monday.csv\"");
    let path = write(dir.path(), "replay.toml", scenario.as_bytes());
    let out = callsim(&["run", &path]);
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(out.stdout.is_empty(), "nothing half-read is used");
    assert!(
        stderr.contains("monday.csv:3") && stderr.contains("`abc`"),
        "{stderr}"
    );
    // A quote left open swallows the rest of the file into one field: named at its line
    // (it was refused only as a call type named with the lines after it).
    write(
        dir.path(),
        "monday.csv",
        b"arrival_s,call_type,handle_time_s\n10.5,\"general,200\n12,general,100\n",
    );
    let stderr = text(&callsim(&["run", &path]).stderr);
    assert!(
        stderr.contains("monday.csv:2") && stderr.contains("a quote (\") is left open"),
        "{stderr}"
    );
    // An unknown call type, and a missing file, are refused too.
    write(dir.path(), "monday.csv", b"10,genral\n");
    let stderr = text(&callsim(&["run", &path]).stderr);
    assert!(
        stderr.contains("monday.csv:1") && stderr.contains("`genral`"),
        "{stderr}"
    );
    std::fs::remove_file(dir.path().join("monday.csv")).unwrap();
    let out = callsim(&["run", &path]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("simulation.trace"),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn shifts_and_breaks_that_do_not_fit_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let cases = [
        ("shifts = [{ start = \"01:00\", end = \"00:30\", agents = 5 }]", "ends (00:30) before it starts"),
        // A break that starts inside its shift and runs past its end: the length is named.
        ("shifts = [{ start = \"00:00\", end = \"01:00\", agents = 5, breaks = [{ start = \"00:50\", length = \"15m\" }] }]", "breaks[0].length"),
        ("shifts = [{ start = \"00:00\", end = \"01:00\", agents = 5, breaks = [{ start = \"00:50\", length = \"15m\" }] }]", "at most length = \"10m\""),
        ("shifts = [{ start = \"00:00\", end = \"01:00\", agents = 5, breaks = [{ start = \"01:10\", length = \"5m\" }] }]", "not inside the shift"),
        ("shifts = [{ start = \"8h\", end = \"09:00\", agents = 5 }]", "not a clock time"),
        // The day is 00:00 to 02:00.
        ("shifts = [{ start = \"20:00\", end = \"22:00\", agents = 5 }]", "outside the simulated day (00:00 to 02:00)"),
    ];
    for (shifts, needle) in cases {
        let scenario = SMALL.replace("agents = 10", shifts);
        let path = write(dir.path(), "shifts.toml", scenario.as_bytes());
        let out = callsim(&["run", &path]);
        let stderr = text(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{stderr}");
        assert!(
            stderr.contains("agent_groups[0].shifts[0]") && stderr.contains(needle),
            "{needle}: {stderr}"
        );
    }
}

#[test]
fn a_night_centre_has_shifts_past_midnight() {
    let dir = tempfile::tempdir().unwrap();
    let night = SMALL
        .replace("duration = \"2h\"", "duration = \"12h\"\nstart_time = \"20:00\"")
        .replace(
            "agents = 10",
            "shifts = [{ start = \"20:00\", end = \"02:00\", agents = 10, breaks = [{ start = \"00:30\", length = \"15m\" }] }, { start = \"22:00\", end = \"08:00\", agents = 6 }]",
        );
    let path = write(dir.path(), "night.toml", night.as_bytes());
    let out = callsim(&["run", &path, "-f", "json", "-q"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let answered = report["total"]["answered"]["mean"].as_f64().unwrap();
    assert!(answered > 1000.0, "{answered}");
    // Before 20:00 is the next morning, after the day (20:00 to 08:00) ends.
    let early = night.replace("start = \"22:00\"", "start = \"19:00\"");
    let path = write(dir.path(), "early.toml", early.as_bytes());
    let out = callsim(&["run", &path]);
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("outside the simulated day (20:00 to 08:00)"),
        "{stderr}"
    );
}

#[test]
fn the_call_log_is_not_overwritten_without_force() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(dir.path(), "small.toml", SMALL.as_bytes());
    let log = write(dir.path(), "calls.csv", b"precious");
    let out = callsim(&["run", &path, "--write-calls", &log]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("--force"));
    assert_eq!(std::fs::read(&log).unwrap(), b"precious");
    let out = callsim(&["run", &path, "--write-calls", &log, "--force"]);
    assert!(out.status.success());
    let written = std::fs::read_to_string(&log).unwrap();
    assert!(written.starts_with(
        "arrival_s,call_type,handle_time_s,patience_s,tier,attempt,outcome,wait_s,group"
    ));
    assert!(written.lines().count() > 100);
}

/// A policy named on the command line that does not exist (or needs entries the scenario
/// lacks) is the flag's error, not the scenario file's, whose own policy is fine.
/// A policy that leaves out a routing setting of the scenario is warned of, with a policy
/// that uses it: `priority` for `aging` (the example once named `priority+overflow`,
/// refused on a scenario without overflow).
#[test]
fn compare_names_a_policy_that_uses_the_setting_it_drops() {
    let args = |policy: &'static str| {
        [
            "compare",
            "scenarios/telecom-tiers.toml",
            "--policy",
            "skill-priority",
            "--policy",
            policy,
            "-r",
            "2",
        ]
    };
    let out = callsim(&args("weighted-wait"));
    let stderr = text(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(stderr.contains("without its `aging`"), "{stderr}");
    assert!(stderr.contains("e.g. `--policy priority`"), "{stderr}");
    let out = callsim(&args("priority"));
    assert!(out.status.success(), "{}", text(&out.stderr));
}

#[test]
fn a_bad_compare_policy_names_the_flag() {
    for (policy, needle) in [
        ("priorty", "`priorty` is not a routing policy"),
        (
            "priority+overflow",
            "needs at least one [[routing.overflow]] entry",
        ),
    ] {
        let out = callsim(&[
            "compare",
            "scenarios/telecom-tiers.toml",
            "--policy",
            "priority",
            "--policy",
            policy,
            "-r",
            "2",
            "-q",
        ]);
        let stderr = text(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{stderr}");
        assert!(
            stderr.contains(&format!("--policy {policy}: ")) && stderr.contains(needle),
            "{stderr}"
        );
        assert!(!stderr.contains("telecom-tiers.toml:"), "{stderr}");
    }
}
