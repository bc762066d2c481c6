//! The planner's slips (issue 11): `validate` says what a scenario asks of its agents and
//! warns where the load reaches them; implausible values are refused with their file, line,
//! field and the fix; long work shows its progress on stderr, never on stdout.

use crate::support::{callsim, text};
use std::path::Path;
use std::process::{Command, Output};

fn write(dir: &Path, name: &str, contents: &str) -> String {
    let path = dir.join(name);
    std::fs::write(&path, contents).unwrap();
    path.to_str().unwrap().to_owned()
}

/// One queue over 2 hours in 30-minute intervals: 40 Erlangs (600 calls an hour of 4
/// minutes) on 45 agents. Line 11 is the handle time, line 15 the headcount.
const ONE_QUEUE: &str = r#"name = "One queue"
[simulation]
duration = "2h"
replications = 2
[service_level]
threshold = "20s"
target = 0.8
[[call_types]]
name = "general"
arrival_rates = [600, 600, 600, 600]
handle_time = { distribution = "lognormal", mean = "4m", cv = 0.7 }
patience = { distribution = "exponential", mean = "2m" }
[[agent_groups]]
name = "agents"
agents = 45
skills = ["general"]
"#;

#[test]
fn validate_prints_calls_per_day_and_the_peak_load_against_the_agents() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(dir.path(), "one.toml", ONE_QUEUE);
    let out = callsim(&["validate", &path]);
    let (stdout, stderr) = (text(&out.stdout), text(&out.stderr));
    assert!(out.status.success(), "{stderr}");
    assert!(stderr.is_empty(), "no warning at 89 %: {stderr}");
    assert!(stdout.contains("ok"), "{stdout}");
    assert!(stdout.contains("rates are calls per hour"), "{stdout}");
    let row = stdout
        .lines()
        .find(|l| l.starts_with("general"))
        .unwrap_or_else(|| panic!("a row for the call type: {stdout}"));
    let cells: Vec<&str> = row.split_whitespace().collect();
    assert_eq!(cells, ["general", "1200", "00:00", "40.0", "45.0", "89%"]);
}

#[test]
fn hourly_rates_doubled_warn_for_every_interval_that_reaches_the_agents() {
    let dir = tempfile::tempdir().unwrap();
    // Two intervals at 45 Erlangs (exactly the agents: warned), one at 60, one at 40.
    let doubled = ONE_QUEUE.replace("[600, 600, 600, 600]", "[675, 900, 600, 675]");
    let path = write(dir.path(), "doubled.toml", &doubled);
    let out = callsim(&["validate", &path]);
    let stderr = text(&out.stderr);
    assert!(out.status.success(), "warnings, not errors: {stderr}");
    let warnings: Vec<&str> = stderr
        .lines()
        .filter(|l| l.starts_with("warning:"))
        .collect();
    assert_eq!(warnings.len(), 3, "{stderr}");
    assert!(warnings[0].contains("00:00: general: a load of 45.0 Erlangs"));
    assert!(warnings[1].contains("00:30: general: a load of 60.0 Erlangs"));
    assert!(warnings[2].contains("01:30"));
    assert!(warnings.iter().all(|w| w.contains("45.0 agents")));
    assert!(stderr.contains("calls per hour"), "{stderr}");

    // Half-hourly volumes typed as rates: agents mostly idle, and asked about.
    let halved = ONE_QUEUE.replace("[600, 600, 600, 600]", "[300, 300, 300, 300]");
    let path = write(dir.path(), "halved.toml", &halved);
    let out = callsim(&["validate", &path]);
    assert!(out.status.success());
    assert!(
        text(&out.stdout).contains("only 44% of the agents")
            && text(&out.stdout).contains("calls per half hour"),
        "{}",
        text(&out.stdout)
    );
}

#[test]
fn multi_skill_load_is_checked_per_type_and_for_the_whole_centre() {
    let dir = tempfile::tempdir().unwrap();
    // a: 30 Erlangs on 16 specialists on the floor (20 less 20 % shrinkage) + 15
    // generalists (fine); b: 20 Erlangs (3 minutes' talk + 1 of wrap-up) on the 15
    // generalists (short); together 50 on 31 (short).
    let scenario = r#"name = "Two skills"
[simulation]
duration = "1h"
interval = "1h"
[[call_types]]
name = "a"
arrival_rate = 450
handle_time = { distribution = "exponential", mean = "4m" }
[[call_types]]
name = "b"
arrival_rate = 300
handle_time = { distribution = "exponential", mean = "3m" }
wrap_up = { distribution = "constant", value = "1m" }
[[agent_groups]]
name = "specialists"
agents = 20
shrinkage = 0.2
skills = ["a"]
[[agent_groups]]
name = "generalists"
agents = 15
skills = ["a", "b"]
"#;
    let path = write(dir.path(), "two.toml", scenario);
    let out = callsim(&["validate", &path]);
    let stderr = text(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(
        stderr.contains("00:00: b: a load of 20.0 Erlangs meets or exceeds the 15.0 agents"),
        "{stderr}"
    );
    assert!(
        stderr.contains("00:00: all call types: a load of 50.0 Erlangs meets or exceeds the 31.0"),
        "{stderr}"
    );
    assert!(!stderr.contains(": a: "), "{stderr}");
    assert!(text(&out.stdout).contains("all types"));
}

/// 45 scheduled at 30 % shrinkage are 31.5 agents: 32 on the floor (halves up), in the run
/// and in `validate`, though 45 × 0.7 is 31.499999999999996 in binary.
#[test]
fn shrinkage_rounds_the_agents_on_the_floor_halves_up() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(
        dir.path(),
        "shrunk.toml",
        &ONE_QUEUE.replace("agents = 45", "agents = 45\nshrinkage = 0.3"),
    );
    let out = callsim(&["run", &path, "-r", "1", "-f", "json"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let group = &report["agent_groups"][0];
    assert_eq!(group["staffed_agents"]["mean"], 32.0, "{group}");
    assert_eq!(group["scheduled_agents"]["mean"], 45.0, "{group}");
    let out = callsim(&["validate", &path]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let said = format!("{}{}", text(&out.stdout), text(&out.stderr));
    assert!(said.contains("32.0"), "{said}");
    assert!(!said.contains("31.0"), "{said}");
}

/// Runs `validate` on `ONE_QUEUE` with `from` replaced by `to`, asserting exit 2 and that
/// stderr holds every needle.
fn refused(from: &str, to: &str, needles: &[&str]) {
    assert!(ONE_QUEUE.contains(from), "{from}");
    let dir = tempfile::tempdir().unwrap();
    let path = write(dir.path(), "slip.toml", &ONE_QUEUE.replace(from, to));
    let out = callsim(&["validate", &path]);
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{to}: {stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    for needle in needles {
        assert!(stderr.contains(needle), "{to}: no `{needle}` in {stderr}");
    }
}

#[test]
fn a_percentage_where_a_fraction_belongs_is_refused_with_the_fraction_to_write() {
    refused(
        "cv = 0.7",
        "cv = 70",
        &[
            "slip.toml:11:",
            "`call_types[0].handle_time.cv`",
            "at most 5",
            "cv = 0.7 for 70 %",
        ],
    );
    refused(
        "target = 0.8",
        "target = \"80%\"",
        &["slip.toml:7:", "`service_level.target`", "target = 0.8"],
    );
    refused(
        "target = 0.8",
        "target = 80",
        &["`service_level.target`", "target = 0.8"],
    );
    refused(
        "agents = 45",
        "agents = 45\nshrinkage = 30",
        &[
            "slip.toml:16:",
            "`agent_groups[0].shrinkage`",
            "shrinkage = 0.3",
        ],
    );
    refused(
        "agents = 45",
        "agents = 45\nmax_concurrent = 3\nconcurrency_slowdown = 5",
        &[
            "`agent_groups[0].concurrency_slowdown`",
            "at most 3×",
            "= 0.05",
        ],
    );
    refused(
        "patience = {",
        "ivr = { time = { distribution = \"constant\", value = \"20s\" }, self_service = 25 }\npatience = {",
        &["`call_types[0].ivr.self_service`", "self_service = 0.25"],
    );
    refused(
        "patience = {",
        "tiers = [{ name = \"gold\", share = 20 }, { name = \"basic\", share = 80 }]\npatience = {",
        &["`call_types[0].tiers[0].share`", "share = 0.2"],
    );
    refused(
        "patience = {",
        "service_level = { target = 90 }\npatience = {",
        &["`call_types[0].service_level.target`", "target = 0.9"],
    );
    refused(
        "patience = {",
        "retrial = { probability = 60, delay = { distribution = \"exponential\", mean = \"5m\" } }\npatience = {",
        &["`call_types[0].retrial.probability`", "probability = 0.6"],
    );
    refused(
        "replications = 2",
        "replications = 2\nbusyness_cv = 10",
        &["`simulation.busyness_cv`", "busyness_cv = 0.1"],
    );
}

#[test]
fn durations_and_numbers_written_wrongly_name_their_field_and_the_fix() {
    refused(
        "mean = \"4m\"",
        "mean = 240",
        &[
            "slip.toml:11:",
            "`call_types[0].handle_time.mean`",
            "a bare number (240)",
            "mean = \"20s\"",
        ],
    );
    refused(
        "mean = \"4m\"",
        "mean = \"2 min\"",
        &["`call_types[0].handle_time.mean`", "write \"2m\""],
    );
    refused(
        "threshold = \"20s\"",
        "threshold = \"20 seconds\"",
        &["`service_level.threshold`", "write \"20s\""],
    );
    refused(
        "arrival_rates = [600, 600, 600, 600]",
        "arrival_rates = [600, \"600\", 600, 600]",
        &[
            "`call_types[0].arrival_rates[1]`",
            "without quotes: 600 in the list",
        ],
    );
    refused(
        "agents = 45",
        "agents = \"45\"",
        &["`agent_groups[0].agents`", "without quotes: agents = 45"],
    );
    // A list where one value goes: the key that takes one per interval.
    refused(
        "agents = 45",
        "agents = [45, 46, 47, 48]",
        &[
            "`agent_groups[0].agents`",
            "agents_by_interval = [12, 14, 15]",
        ],
    );
    refused(
        "arrival_rates = [600, 600, 600, 600]",
        "arrival_rate = [600, 600, 600, 600]",
        &[
            "`call_types[0].arrival_rate`",
            "arrival_rates = [120, 180, 240]",
        ],
    );
    refused(
        "replications = 2",
        "replications = 2\ntypo = 1",
        &["slip.toml:5:", "unknown field `typo`", "simulation"],
    );
}

/// Inputs that were taken silently, or with a message that did not say what to change
/// (a robustness audit): each is refused at its field, with the fix.
#[test]
fn settings_that_would_be_ignored_or_misread_are_refused_with_the_fix() {
    // A unit given twice or out of order, and a duration below the clock's nanosecond.
    refused(
        "threshold = \"20s\"",
        "threshold = \"10s10s\"",
        &["`service_level.threshold`", "gives `s` twice"],
    );
    refused(
        "mean = \"4m\"",
        "mean = \"30s4m\"",
        &["`call_types[0].handle_time.mean`", "larger unit first"],
    );
    refused(
        "mean = \"4m\"",
        "mean = \"0.0000001ms\"",
        &[
            "`call_types[0].handle_time.mean`",
            "shorter than a nanosecond",
        ],
    );
    // A slowdown of contacts held at once, on agents who hold one.
    refused(
        "agents = 45",
        "agents = 45\nconcurrency_slowdown = 0.2",
        &[
            "`agent_groups[0].concurrency_slowdown`",
            "max_concurrent = 3",
        ],
    );
    // Routing entries the policy would not use.
    refused(
        "skills = [\"general\"]",
        "skills = [\"general\"]\n[[routing.reserve]]\ngroup = \"agents\"\nagents = 2\nfor = [\"general\"]",
        &["`routing.reserve`", "policy = \"skill-priority+reserve\""],
    );
    refused(
        "skills = [\"general\"]",
        "skills = [\"general\"]\n[routing]\npolicy = \"priority\"\n[[routing.overflow]]\ncall_type = \"general\"\ntargets = [{ groups = [\"agents\"], after = \"0s\" }]",
        &["`routing.overflow`", "policy = \"priority+overflow\""],
    );
    // Of two loops of transfers, the one whose first type comes first, whichever is
    // reached first along the transfers.
    let call_type = |name: &str, to: &str| {
        format!("[[call_types]]\nname = \"{name}\"\narrival_rate = 1\nhandle_time = {{ distribution = \"exponential\", mean = \"1m\" }}\ntransfer = {{ share = 0.5, to = \"{to}\" }}\n")
    };
    let loops = ["t3", "t2", "t1", "t4", "t3"]
        .iter()
        .enumerate()
        .map(|(i, to)| call_type(&format!("t{i}"), to))
        .collect::<String>();
    refused(
        "skills = [\"general\"]",
        &format!("skills = [\"general\", \"t0\", \"t1\", \"t2\", \"t3\", \"t4\"]\n{loops}"),
        &["`call_types[2].transfer.to`", "(t1 → t2 → t1)"],
    );
    // A key given twice, a number beyond any centre, a seed beyond its range.
    refused(
        "replications = 2",
        "replications = 2\nreplications = 3",
        &[
            "slip.toml:5:",
            "`replications` is given twice",
            "delete the other line",
        ],
    );
    refused(
        "agents = 45",
        "agents = 99999999999999999999999",
        &["`agent_groups[0].agents`", "beyond any contact centre"],
    );
    refused(
        "replications = 2",
        "replications = 2\nseed = 18446744073709551615",
        &["`simulation.seed`", "from 0 to 9223372036854775807"],
    );
}

/// A scenario whose tables would take gigabytes is refused before any is built, and one
/// whose waiting callers could not all be answered before the clock's end is refused, not
/// reported with saturated waits.
#[test]
fn scenarios_beyond_what_can_be_held_or_counted_are_refused_before_running() {
    let dir = tempfile::tempdir().unwrap();
    let validate = |name: &str, toml: &str| {
        let out = callsim(&["validate", &write(dir.path(), name, toml)]);
        let stderr = text(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{stderr}");
        stderr
    };
    // 6,000 tiers of one type on 6,000 groups: 36 million routing entries.
    let n = 6000;
    let tiers: Vec<String> = (0..n)
        .map(|i| format!("{{ name = \"t{i}\", share = {} }}", 1.0 / n as f64))
        .collect();
    let mut text = format!(
        "name = \"wide\"\n[simulation]\nduration = \"1h\"\n[[call_types]]\nname = \"g\"\narrival_rate = 10\nhandle_time = {{ distribution = \"exponential\", mean = \"2m\" }}\ntiers = [{}]\n",
        tiers.join(", ")
    );
    for g in 0..n {
        text.push_str(&format!(
            "[[agent_groups]]\nname = \"a{g}\"\nagents = 1\nskills = [\"g\"]\n"
        ));
    }
    let stderr = validate("wide.toml", &text);
    assert!(
        stderr.contains("`agent_groups`") && stderr.contains("36000000 routing entries"),
        "{stderr}"
    );
    // 40 call types in one-second intervals over 277 hours: 40 million rates.
    let mut text =
        "name = \"fine\"\n[simulation]\nduration = \"277h\"\ninterval = \"1s\"\n".to_owned();
    for t in 0..40 {
        text.push_str(&format!(
            "[[call_types]]\nname = \"t{t}\"\narrival_rate = 1\nhandle_time = {{ distribution = \"exponential\", mean = \"2m\" }}\n"
        ));
    }
    text.push_str("[[agent_groups]]\nname = \"a\"\nagents = 10\nskills = [\"t0\"]\n");
    let stderr = validate("fine.toml", &text);
    assert!(
        stderr.contains("`simulation.interval`") && stderr.contains("40 call types × 997200"),
        "{stderr}"
    );
    // Twenty groups of a million agents: `run` counts them in its memory estimate.
    let mut text = "name = \"crowd\"\n[simulation]\nduration = \"1h\"\nreplications = 1\n[[call_types]]\nname = \"g\"\narrival_rate = 60\nhandle_time = { distribution = \"exponential\", mean = \"2m\" }\n".to_owned();
    for g in 0..20 {
        text.push_str(&format!(
            "[[agent_groups]]\nname = \"a{g}\"\nagents = 1000000\nskills = [\"g\"]\n"
        ));
    }
    let crowd = write(dir.path(), "crowd.toml", &text);
    // Every verb that simulates it refuses it before allocating (they aborted once, out of
    // memory): a sweep at its first point, a live day, a forecast, a staffing search.
    let state = write(dir.path(), "state.json", r#"{"clock": "00:30"}"#);
    for args in [
        vec!["run", &crowd],
        vec!["sweep", &crowd, "--group", "a0", "--agents", "1..2"],
        vec!["live", &crowd, "--speed", "max", "--no-server"],
        vec!["intraday", &crowd, "--state", &state],
        vec!["staff", &crowd, "--service-level", "80/20"],
    ] {
        let out = callsim(&[&args[..], &["--memory-budget", "1GB"]].concat());
        let stderr = crate::support::text(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(
            stderr.contains("the agents and the contacts they can hold")
                && stderr.contains("fewer agents"),
            "{args:?}: {stderr}"
        );
    }
    // One agent, a hundred callers an hour who never hang up, talks of ten years.
    let stderr = validate(
        "forever.toml",
        "name = \"forever\"\n[simulation]\nduration = \"1h\"\n[[call_types]]\nname = \"g\"\narrival_rate = 100\nhandle_time = { distribution = \"constant\", value = \"87840h\" }\n[[agent_groups]]\nname = \"a\"\nagents = 1\nskills = [\"g\"]\n",
    );
    assert!(
        stderr.contains("`call_types[0].handle_time`")
            && stderr.contains("give callers a `patience`"),
        "{stderr}"
    );
    // The same work brought by transfers to a desk of one agent, beside a hundred agents
    // who cannot take it (all agents together would finish within 500 years).
    let stderr = validate(
        "transferred.toml",
        "name = \"transferred\"\n[simulation]\nduration = \"8h\"\n[[call_types]]\nname = \"a\"\narrival_rate = 60\nhandle_time = { distribution = \"constant\", value = \"1s\" }\ntransfer = { share = 1, to = \"b\" }\n[[call_types]]\nname = \"b\"\narrival_rate = 0.0001\nhandle_time = { distribution = \"constant\", value = \"87840h\" }\n[[agent_groups]]\nname = \"front\"\nagents = 100\nskills = [\"a\"]\n[[agent_groups]]\nname = \"back\"\nagents = 1\nskills = [\"b\"]\n",
    );
    assert!(
        stderr.contains("`call_types[1].handle_time`") && stderr.contains("`b` brings"),
        "{stderr}"
    );
    // And by a trace's recorded talk times of ten years each.
    let rows: String = (0..100).map(|i| format!("{i},g,315000000\n")).collect();
    let trace = write(dir.path(), "long-talks.csv", &rows);
    let stderr = validate(
        "traced.toml",
        &format!("name = \"traced\"\n[simulation]\nduration = \"8h\"\ntrace = \"{trace}\"\n[[call_types]]\nname = \"g\"\narrival_rate = 1\nhandle_time = {{ distribution = \"exponential\", mean = \"4m\" }}\n[[agent_groups]]\nname = \"a\"\nagents = 1\nskills = [\"g\"]\n"),
    );
    assert!(
        stderr.contains("`call_types[0].handle_time`") && stderr.contains("998 years"),
        "{stderr}"
    );
}

/// Runs callsim with plain progress lines due at every tenth of the work.
fn with_every_line(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_callsim"))
        .args(args)
        .env("CALLSIM_PROGRESS_SECONDS", "0")
        .output()
        .expect("the binary runs")
}

#[test]
fn progress_lines_go_to_stderr_and_never_change_stdout() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(dir.path(), "one.toml", ONE_QUEUE);
    let part = dir.path().join("part.json");
    let part = part.to_str().unwrap();
    let shard: &[&str] = &["--shard", "1/2", "--output", part, "--force"];
    let run: &[&str] = &["run", &path, "-r", "20"];
    let compare: &[&str] = &[
        "compare",
        &path,
        "--policy",
        "skill-priority",
        "--policy",
        "longest-idle",
        "-r",
        "10",
    ];
    let sweep: &[&str] = &[
        "sweep", &path, "--scale", "0.9..1.1", "--step", "0.1", "-r", "4",
    ];
    // Each verb whole, and as a shard (which counts its own replications).
    let cases = [
        [run, &["-f", "json"]].concat(),
        compare.to_vec(),
        sweep.to_vec(),
        [run, shard].concat(),
        [compare, shard].concat(),
        [sweep, shard].concat(),
    ];
    for args in &cases {
        let verb = args[0];
        let shown = with_every_line(args);
        let stderr = text(&shown.stderr);
        assert!(shown.status.success(), "{args:?}: {stderr}");
        let lines: Vec<&str> = stderr
            .lines()
            .filter(|l| l.starts_with(&format!("{verb}: ")) && l.contains(" replications ("))
            .collect();
        assert!(!lines.is_empty(), "{args:?}: no progress line in {stderr}");
        let last = lines.last().unwrap();
        assert!(
            last.contains("(100%)") && last.contains("elapsed"),
            "{last}"
        );
        // A silent run prints the same bytes and nothing else.
        let mut quiet = args.to_vec();
        quiet.push("-q");
        let silent = with_every_line(&quiet);
        assert!(silent.status.success());
        assert!(
            silent.stderr.is_empty(),
            "{quiet:?}: {}",
            text(&silent.stderr)
        );
        assert_eq!(shown.stdout, silent.stdout, "{args:?}");
    }
    // Short work prints no progress line at the default rate.
    let out = callsim(&["run", &path, "-r", "2"]);
    assert!(out.status.success());
    assert!(out.stderr.is_empty(), "{}", text(&out.stderr));
    // Lines further apart than any clock counts are as good as none (it panicked).
    let out = Command::new(env!("CARGO_BIN_EXE_callsim"))
        .args(["run", &path, "-r", "2"])
        .env("CALLSIM_PROGRESS_SECONDS", "1e20")
        .output()
        .expect("the binary runs");
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(out.stderr.is_empty(), "{}", text(&out.stderr));
}

/// One long replication shows its progress as its day goes by, not only when it ends, and
/// watching it changes no byte of the report.
#[test]
fn one_long_replication_shows_its_progress() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(
        dir.path(),
        "long.toml",
        &ONE_QUEUE
            .replace(
                "duration = \"2h\"",
                "duration = \"6000h\"\ninterval = \"6000h\"",
            )
            .replace("replications = 2", "replications = 1")
            .replace("arrival_rates = [600, 600, 600, 600]", "arrival_rate = 600"),
    );
    let args = ["run", path.as_str(), "-f", "json"];
    let shown = with_every_line(&args);
    let stderr = text(&shown.stderr);
    assert!(shown.status.success(), "{stderr}");
    let percents: Vec<u64> = stderr
        .lines()
        .filter_map(|l| l.strip_prefix("run: "))
        .map(|l| {
            let (_, after) = l.split_once("replications (").expect("a progress line");
            after.split('%').next().unwrap().parse().unwrap()
        })
        .collect();
    assert!(
        percents.iter().any(|&p| p > 0 && p < 100),
        "no progress within the replication: {stderr}"
    );
    assert!(percents.windows(2).all(|w| w[0] <= w[1]), "{stderr}");
    assert_eq!(percents.last(), Some(&100), "{stderr}");
    assert!(stderr.contains("run: 0/1 replications ("), "{stderr}");
    let silent = with_every_line(&[&args[..], &["-q"]].concat());
    assert_eq!(shown.stdout, silent.stdout);
}

#[test]
fn a_replayed_trace_is_counted_and_never_taken_for_half_hourly_rates() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "calls.csv",
        "arrival_s,call_type\n10,general\n20,general\n4000,general\n",
    );
    let traced = ONE_QUEUE.replace(
        "replications = 2",
        "replications = 2\ntrace = \"calls.csv\"",
    );
    let path = write(dir.path(), "traced.toml", &traced);
    let out = callsim(&["validate", &path]);
    let stdout = text(&out.stdout);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(stdout.contains("the trace's arrivals"), "{stdout}");
    let row: Vec<&str> = stdout
        .lines()
        .find(|l| l.starts_with("general"))
        .unwrap()
        .split_whitespace()
        .collect();
    // Two calls in the first half hour: 4 an hour of 4 minutes = 0.27 Erlangs.
    assert_eq!(row[..5], ["general", "3", "00:00", "0.3", "45.0"]);
    assert!(!stdout.contains("note:"), "{stdout}");

    // A day-to-day factor on the rates cannot apply to a log's calls: refused, not ignored.
    let busy = traced.replace("trace = ", "busyness_cv = 0.1\ntrace = ");
    let path = write(dir.path(), "busy.toml", &busy);
    let out = callsim(&["validate", &path]);
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("`simulation.busyness_cv`") && stderr.contains("drop busyness_cv"),
        "{stderr}"
    );
}

/// `--service-level P/T` sets the threshold of the calls without one of their own; tiers
/// with their own keep it. Before, `staff --service-level 95/5m` on such a centre said
/// "within 5m" and staffed to the tiers' 10 and 30 s without a word.
#[test]
fn a_service_level_flag_names_the_calls_that_keep_their_own_threshold() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(
        dir.path(),
        "tiers.toml",
        r#"
name = "tiers"
[simulation]
duration = "1h"
replications = 2
seed = 1
[[call_types]]
name = "mobile"
arrival_rate = 30
handle_time = { distribution = "exponential", mean = "3m" }
tiers = [
  { name = "gold", share = 0.2, service_level = { threshold = "10s" } },
  { name = "basic", share = 0.8, service_level = { threshold = "30s" } },
]
[[agent_groups]]
name = "agents"
agents = 3
skills = ["mobile"]
"#,
    );
    for verb in [
        vec!["staff", &path, "-q", "--max-replications", "4"],
        vec![
            "sweep", &path, "-q", "--group", "agents", "--agents", "2..3",
        ],
    ] {
        let mut args = verb.clone();
        args.extend(["--service-level", "95/5m"]);
        let out = callsim(&args);
        let stderr = text(&out.stderr);
        assert!(out.status.success(), "{stderr}");
        assert!(
            stderr.contains("mobile/gold 10s, mobile/basic 30s")
                && stderr.contains("applies to no call"),
            "{stderr}"
        );
    }
    let out = callsim(&[
        "staff",
        &path,
        "-q",
        "--max-replications",
        "4",
        "--service-level",
        "95/5m",
    ]);
    assert!(
        text(&out.stdout).contains("within 5m (or a call's own threshold)"),
        "{}",
        text(&out.stdout)
    );
}

/// Blocked callers count in no target, so `staff` can meet every target while the lines
/// turn many away: it says so (before, it reported "no target fails" with half the peak's
/// calls blocked).
#[test]
fn staff_warns_when_the_lines_turn_callers_away() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = |trunks: u32| {
        format!(
            r#"
name = "lines"
[simulation]
duration = "1h"
replications = 4
seed = 1
trunks = {trunks}
[service_level]
threshold = "20s"
target = 0.8
[[call_types]]
name = "q"
arrival_rate = 120
handle_time = {{ distribution = "exponential", mean = "3m" }}
[[agent_groups]]
name = "agents"
agents = 3
skills = ["q"]
"#
        )
    };
    let few = write(dir.path(), "few.toml", &scenario(4));
    let out = callsim(&["staff", &few, "-q", "--max-replications", "8"]);
    let stderr = text(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(
        stderr.contains("the lines (`trunks`) turn away"),
        "{stderr}"
    );
    let many = write(dir.path(), "many.toml", &scenario(40));
    let out = callsim(&["staff", &many, "-q", "--max-replications", "8"]);
    let stderr = text(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(!stderr.contains("turn away"), "{stderr}");
}
