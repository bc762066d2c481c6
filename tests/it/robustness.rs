//! Robust under abuse (issue 10): bad, endless and extreme inputs end in a prompt exit-2
//! message that names the place and the fix — never a panic, a hang or a silent cap — and
//! every file callsim writes is complete or absent.

use crate::support::{callsim, text};
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

fn write(dir: &Path, name: &str, contents: &[u8]) -> String {
    let path = dir.join(name);
    std::fs::write(&path, contents).unwrap();
    path.to_str().unwrap().to_owned()
}

/// A small valid scenario; `extra_simulation` goes into `[simulation]`, `handle` is the
/// handle-time table.
fn scenario(extra_simulation: &str, handle: &str) -> String {
    format!(
        r#"name = "Small"
[simulation]
duration = "2h"
seed = 42
replications = 2
{extra_simulation}
[[call_types]]
name = "general"
arrival_rate = 120
handle_time = {handle}
patience = {{ distribution = "exponential", mean = "2m" }}
[[agent_groups]]
name = "agents"
agents = 10
skills = ["general"]
"#
    )
}

const EXPONENTIAL: &str = r#"{ distribution = "exponential", mean = "4m" }"#;

/// Runs callsim, asserting exit 2 and that stderr contains every needle; returns stderr.
fn refused(args: &[&str], needles: &[&str]) -> String {
    let out = callsim(args);
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
    assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
    for needle in needles {
        assert!(
            stderr.contains(needle),
            "{args:?}: no `{needle}` in {stderr}"
        );
    }
    stderr
}

// ---- Crashes ----

#[test]
fn an_error_past_column_65535_is_shown_not_a_panic() {
    let dir = tempfile::tempdir().unwrap();
    let long = format!(
        "name = \"x\"\n[simulation]\nduration = \"1h\"\nseed = 1 {}= 2\n",
        " ".repeat(70_000)
    );
    let path = write(dir.path(), "long.toml", long.as_bytes());
    let stderr = refused(&["validate", &path], &["long.toml:4:"]);
    // The line is shown as a window around the column, not 70 kB of it.
    assert!(stderr.len() < 2_000, "{} bytes", stderr.len());
    let caret_line = stderr
        .lines()
        .find(|l| l.trim_end().ends_with('^'))
        .unwrap();
    assert!(caret_line.len() < 200);
}

#[test]
fn a_long_bad_duration_is_quoted_shortly() {
    let dir = tempfile::tempdir().unwrap();
    let long = scenario(
        &format!("interval = \"{}\"", "a".repeat(70_000)),
        EXPONENTIAL,
    );
    let path = write(dir.path(), "long.toml", long.as_bytes());
    let stderr = refused(&["validate", &path], &["not a duration"]);
    assert!(stderr.len() < 2_000, "{} bytes", stderr.len());
}

#[test]
fn validate_refuses_devices_promptly() {
    if !Path::new("/dev/zero").exists() {
        return;
    }
    let started = Instant::now();
    refused(&["validate", "/dev/zero"], &["/dev/zero", "a device"]);
    assert!(started.elapsed() < Duration::from_secs(10));
}

#[cfg(unix)]
#[test]
fn a_fifo_trace_is_refused_not_waited_for() {
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("calls.csv");
    let made = Command::new("mkfifo").arg(&fifo).status();
    if !made.is_ok_and(|s| s.success()) {
        return; // no mkfifo on this system
    }
    let path = write(
        dir.path(),
        "replay.toml",
        scenario("trace = \"calls.csv\"", EXPONENTIAL).as_bytes(),
    );
    let started = Instant::now();
    refused(&["validate", &path], &["simulation.trace", "FIFO"]);
    assert!(started.elapsed() < Duration::from_secs(10));
}

#[cfg(unix)]
#[test]
fn fit_refuses_a_fifo_and_a_device_at_once() {
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("calls.csv");
    let made = Command::new("mkfifo").arg(&fifo).status();
    if !made.is_ok_and(|s| s.success()) {
        return; // no mkfifo on this system
    }
    let started = Instant::now();
    refused(&["fit", fifo.to_str().unwrap()], &["FIFO", "regular file"]);
    refused(&["fit", "/dev/zero"], &["a device", "regular file"]);
    assert!(started.elapsed() < Duration::from_secs(10));
}

#[test]
fn fit_reads_a_fixed_talk_time_as_a_constant() {
    // An ACD's set wrap-up or a recorded message: every value the same, no spread to fit.
    let dir = tempfile::tempdir().unwrap();
    let mut log = String::from("arrival_s,call_type,handle_time_s,outcome,wait_s\n");
    for i in 1..=60 {
        log += &format!("{},sales,180,answered,0\n", i * 60);
    }
    let path = write(dir.path(), "calls.csv", log.as_bytes());
    let out_path = dir.path().join("fitted.toml");
    let out = callsim(&["fit", &path, "-o", out_path.to_str().unwrap()]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    let fitted = std::fs::read_to_string(&out_path).unwrap();
    assert!(
        fitted.contains(r#"handle_time = { distribution = "constant", value = "180.0s" }"#),
        "{fitted}"
    );
    let valid = callsim(&["validate", out_path.to_str().unwrap()]);
    assert!(valid.status.success(), "{}", text(&valid.stderr));
}

#[test]
fn validate_prints_a_name_longer_than_any_column() {
    let dir = tempfile::tempdir().unwrap();
    let long = "x".repeat(70_000);
    let toml = scenario("", EXPONENTIAL).replace("\"general\"", &format!("\"{long}\""));
    let path = write(dir.path(), "long.toml", toml.as_bytes());
    let out = callsim(&["validate", &path]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains(&long));
}

#[test]
fn a_call_type_named_with_a_slash_can_be_reserved_for() {
    let toml = r#"name = "slash in a call type name"
[simulation]
duration = "1h"
[[call_types]]
name = "sales/new"
arrival_rate = 100
handle_time = { distribution = "exponential", mean = "4m" }
tiers = [ { name = "gold", share = 0.2 }, { name = "basic", share = 0.8 } ]
[[agent_groups]]
name = "agents"
agents = 20
skills = ["sales/new"]
[routing]
policy = "reserve"
[[routing.reserve]]
group = "agents"
agents = 2
for = ["sales/new"]
"#;
    // The type's own name, then a tier of it.
    let tier = toml.replace(r#"for = ["sales/new"]"#, r#"for = ["sales/new/gold"]"#);
    let dir = tempfile::tempdir().unwrap();
    for (name, toml) in [("slash.toml", toml), ("tier.toml", tier.as_str())] {
        let out = callsim(&["validate", &write(dir.path(), name, toml.as_bytes())]);
        assert!(out.status.success(), "{name}: {}", text(&out.stderr));
    }
}

/// `validate` refuses the small scenario whose call type also has `line`, naming `needles`.
fn refused_with_type_line(line: &str, needles: &[&str]) {
    let toml = scenario("", EXPONENTIAL).replace("patience =", &format!("{line}\npatience ="));
    let dir = tempfile::tempdir().unwrap();
    let path = write(dir.path(), "scenario.toml", toml.as_bytes());
    refused(&["validate", &path], needles);
}

#[test]
fn a_tier_cannot_take_the_name_of_the_callback_jobs() {
    refused_with_type_line(
        "tiers = [ { name = \"callback\", share = 1 } ]\ncallback = { when_wait_exceeds = \"30s\", share = 0.5 }",
        &["tiers[0].name", "callback jobs", "another name"],
    );
}

#[test]
fn an_unresolved_share_of_one_is_refused() {
    // Every repeat call would repeat again: callers loop until the day ends.
    refused_with_type_line(
        "unresolved = { share = 1, delay = { distribution = \"constant\", value = \"1s\" } }",
        &["unresolved.share", "100%", "share = 0.15"],
    );
    // Nearly one: each caller would call ten thousand times on average, a storm of repeat
    // calls that ran for minutes in a one-hour day.
    refused_with_type_line(
        "unresolved = { share = 0.9999, delay = { distribution = \"constant\", value = \"1s\" } }",
        &["unresolved.share", "10000 times", "at most 0.99"],
    );
    // A delay of zero is named as a delay, not as a handle time.
    refused_with_type_line(
        "unresolved = { share = 0.2, delay = { distribution = \"constant\", value = \"0s\" } }",
        &[
            "unresolved.delay.value",
            "a delay of zero",
            "redial or repeat call",
        ],
    );
    let toml = scenario("", EXPONENTIAL).replace(
        "patience =",
        "unresolved = { share = 0.99, delay = { distribution = \"constant\", value = \"1s\" } }\npatience =",
    );
    let dir = tempfile::tempdir().unwrap();
    let out = callsim(&["validate", &write(dir.path(), "most.toml", toml.as_bytes())]);
    assert!(out.status.success(), "{}", text(&out.stderr));
}

/// A name with an invisible character (a zero-width space, a direction override) is
/// refused: `general` and `general` + U+200B printed alike in every table.
#[test]
fn names_with_invisible_characters_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let toml =
        scenario("", EXPONENTIAL).replace("name = \"general\"", "name = \"general\u{200B}\"");
    let path = write(dir.path(), "zw.toml", toml.as_bytes());
    refused(
        &["validate", &path],
        &["call_types[0].name", "U+200B", "retype the name"],
    );
    let toml = scenario("", EXPONENTIAL).replace("name = \"Small\"", "name = \"\u{202E}Small\"");
    let path = write(dir.path(), "rlo.toml", toml.as_bytes());
    refused(&["validate", &path], &["`name`", "U+202E"]);
}

/// Reports label a tier `type/tier` and the CSV's total rows `(all)`: a call type named
/// like either shared its label with other figures (a tier's figures printed under the
/// type's name, two JSON entries of one name, a type missing from the HTML), so it is
/// refused at its name; a `/` that reads as no tier is a name like any other.
#[test]
fn call_type_names_that_read_as_a_tier_or_the_total_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let two_types = |second: &str| {
        scenario("", EXPONENTIAL)
            .replace(
                "arrival_rate = 120",
                "arrival_rate = 120\ntiers = [{ name = \"b\", share = 0.5 }, { name = \"c\", share = 0.5 }]",
            )
            .replace("name = \"general\"", "name = \"a\"")
            .replace("skills = [\"general\"]", &format!("skills = [\"a\", \"{second}\"]"))
            + &format!(
                "[[call_types]]\nname = \"{second}\"\narrival_rate = 60\nhandle_time = {EXPONENTIAL}\n"
            )
    };
    let path = write(dir.path(), "slash.toml", two_types("a/b").as_bytes());
    refused(
        &["validate", &path],
        &[
            "call_types[1].name",
            "tier `b` of call type `a`",
            "without `/`",
        ],
    );
    let path = write(dir.path(), "all.toml", two_types("(all)").as_bytes());
    refused(
        &["validate", &path],
        &["call_types[1].name", "total rows", "another name"],
    );
    let path = write(dir.path(), "fine.toml", two_types("a/d").as_bytes());
    let out = callsim(&["validate", &path]);
    assert!(out.status.success(), "{}", text(&out.stderr));
}

/// Targets every staffing meets, none included, are refused: an abandon rate for callers
/// who never hang up, an ASA for callers who never wait (nobody answered: nobody abandons,
/// nobody waits). `staff` used to answer 0 agents, "no target fails".
#[test]
fn targets_that_even_no_agents_meet_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let never_hang_up = scenario("", EXPONENTIAL).replace(
        "patience = { distribution = \"exponential\", mean = \"2m\" }\n",
        "",
    );
    let path = write(dir.path(), "never.toml", never_hang_up.as_bytes());
    refused(
        &["staff", &path, "-q", "--max-abandon", "5%"],
        &[
            "`general` never hang up",
            "even by no agents",
            "--service-level",
        ],
    );
    let never_wait = scenario("", EXPONENTIAL).replace(
        "{ distribution = \"exponential\", mean = \"2m\" }",
        "{ distribution = \"constant\", value = \"0s\" }",
    );
    let path = write(dir.path(), "zero.toml", never_wait.as_bytes());
    refused(
        &["staff", &path, "-q", "--max-asa", "30s"],
        &["`general` never wait", "even by no agents"],
    );
    // Nor does an occupancy cap of 100 %: no agent is busier than always (it staffed 0).
    refused(
        &["staff", &path, "-q", "--max-occupancy", "100%"],
        &["has no target", "occupancy cap of 100 % holds nothing up"],
    );
    // Either target with one that holds the staffing up is a question with an answer.
    let out = callsim(&[
        "staff",
        &path,
        "-q",
        "--max-asa",
        "30s",
        "--max-abandon",
        "5%",
        "-r",
        "10",
        "--max-replications",
        "20",
        "-f",
        "json",
    ]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    // A type with no target of its own beside one with: said as it is (before, the message
    // spoke of an ASA target and a patience of 0 s that neither was there).
    let two = format!(
        "{}\n[[call_types]]\nname = \"sales\"\narrival_rate = 60\nhandle_time = {{ distribution = \"exponential\", mean = \"3m\" }}\nservice_level = {{ threshold = \"30s\", target = 0.9 }}\n[[agent_groups]]\nname = \"sales desk\"\nagents = 3\nskills = [\"sales\"]\n",
        scenario("", EXPONENTIAL)
    );
    let path = write(dir.path(), "two.toml", two.as_bytes());
    refused(
        &["staff", &path, "-q"],
        &["the call type `general` has no target", "--max-abandon 5%"],
    );
    // A group in shifts is refused at its field, with the file and line.
    let shifts = scenario("", EXPONENTIAL).replace(
        "agents = 10\n",
        "shifts = [{ start = \"00:00\", end = \"02:00\", agents = 10 }]\n",
    );
    let path = write(dir.path(), "shifts.toml", shifts.as_bytes());
    refused(
        &["staff", &path, "-q", "--service-level", "80/20"],
        &[
            "shifts.toml:",
            "`agent_groups[0].shifts`",
            "agents_by_interval",
        ],
    );
}

/// Targets no finite staffing meets (100 % within the threshold, no abandons, an ASA of 0 s)
/// are refused from the scenario as from the flags: `staff` used to take them from the file
/// and answer 19 agents for 5 Erlangs, "met with 100 % confidence" on replications that
/// happened to show no wait.
#[test]
fn targets_no_staffing_meets_are_refused_from_the_scenario_and_the_flags() {
    let dir = tempfile::tempdir().unwrap();
    for (line, needles) in [
        (
            "target = 1",
            ["service_level.target", "100 %", "target = 0.95"],
        ),
        (
            "max_abandon_rate = 0",
            [
                "service_level.max_abandon_rate",
                "abandon rate of 0",
                "0.05",
            ],
        ),
        (
            "max_asa = \"0s\"",
            ["service_level.max_asa", "ASA of 0s", "max_asa = \"30s\""],
        ),
    ] {
        let toml = scenario("", EXPONENTIAL).replace(
            "[[call_types]]",
            &format!("[service_level]\nthreshold = \"20s\"\n{line}\n[[call_types]]"),
        );
        let path = write(dir.path(), "targets.toml", toml.as_bytes());
        refused(&["validate", &path], &needles);
        refused(&["staff", &path, "-q"], &needles);
    }
    let own = scenario("", EXPONENTIAL).replace(
        "patience =",
        "service_level = { threshold = \"20s\", target = 1 }\npatience =",
    );
    let path = write(dir.path(), "own.toml", own.as_bytes());
    refused(
        &["validate", &path],
        &[
            "call_types[0].service_level.target",
            "100 %",
            "no finite number",
        ],
    );
    let plain = write(
        dir.path(),
        "plain.toml",
        scenario("", EXPONENTIAL).as_bytes(),
    );
    refused(
        &["staff", &plain, "--service-level", "100%/20"],
        &[
            "--service-level 100%/20",
            "no finite number",
            "longer than 20s",
        ],
    );
    refused(
        &[
            "sweep",
            &plain,
            "--agents",
            "8..12",
            "--group",
            "agents",
            "--service-level",
            "100%/20",
        ],
        &["--service-level 100%/20", "no finite number"],
    );
    refused(
        &[
            "sweep",
            &plain,
            "--agents",
            "8..12",
            "--group",
            "agents",
            "--max-abandon",
            "0%",
        ],
        &["--max-abandon", "0%", "no finite number"],
    );
}

/// A call type no caller dials is refused unless transfers bring it calls (tier 2 of a help
/// desk takes only escalations) or a trace replays them: then its rate of 0 runs, and every
/// call it answers came by transfer.
#[test]
fn a_call_type_reached_only_by_transfers_may_have_no_arrivals() {
    let two_tiers = |transfer: &str, rate: &str| {
        format!(
            r#"name = "Help desk"
[simulation]
duration = "3h"
seed = 7
replications = 4
[[call_types]]
name = "tier 1"
arrival_rate = 120
handle_time = {{ distribution = "exponential", mean = "4m" }}
{transfer}
[[call_types]]
name = "tier 2"
{rate}
handle_time = {{ distribution = "exponential", mean = "10m" }}
[[agent_groups]]
name = "first line"
agents = 10
skills = ["tier 1"]
[[agent_groups]]
name = "specialists"
agents = 4
skills = ["tier 2"]
"#
        )
    };
    let dir = tempfile::tempdir().unwrap();
    let transfer = r#"transfer = { share = 0.2, to = "tier 2" }"#;
    for rate in ["arrival_rate = 0", "arrival_rates = [0, 0, 0, 0, 0, 0]"] {
        let path = write(
            dir.path(),
            "desk.toml",
            two_tiers(transfer, rate).as_bytes(),
        );
        let out = callsim(&["run", &path, "-q", "-f", "json"]);
        assert!(out.status.success(), "{rate}: {}", text(&out.stderr));
        let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        let tier2 = &report["call_types"][1];
        assert_eq!(tier2["name"], "tier 2");
        let offered = tier2["offered"]["mean"].as_f64().unwrap();
        // A fifth of about 360 calls answered at tier 1.
        assert!((40.0..110.0).contains(&offered), "{rate}: {offered}");
        let path = write(dir.path(), "alone.toml", two_tiers("", rate).as_bytes());
        let key = rate.split(' ').next().unwrap();
        refused(
            &["validate", &path],
            &[
                &format!("call_types[1].{key}"),
                "no transfers in",
                "never occurs",
                "transfer calls into it",
            ],
        );
    }
    // A replayed trace brings the calls: its scenario's rates are not read.
    std::fs::write(
        dir.path().join("calls.csv"),
        "arrival_s,call_type\n12.5,tier 2\n",
    )
    .unwrap();
    let replay = two_tiers("", "arrival_rate = 0").replace(
        "replications = 4",
        "replications = 1\ntrace = \"calls.csv\"",
    );
    let path = write(dir.path(), "replay.toml", replay.as_bytes());
    let out = callsim(&["validate", &path]);
    assert!(out.status.success(), "{}", text(&out.stderr));
}

/// A reserve that keeps back every agent the group has is not refused (`staff` and `sweep`
/// may raise the headcount) but warned of: the group would never take another call.
#[test]
fn a_reserve_holding_back_the_whole_group_is_warned_of() {
    let dir = tempfile::tempdir().unwrap();
    let toml = r#"
name = "reserve"
[simulation]
duration = "1h"
replications = 2
[routing]
policy = "reserve"
[[routing.reserve]]
group = "agents"
agents = 500
for = ["vip"]
[[call_types]]
name = "vip"
arrival_rate = 10
handle_time = { distribution = "exponential", mean = "4m" }
[[call_types]]
name = "general"
arrival_rate = 60
handle_time = { distribution = "exponential", mean = "4m" }
patience = { distribution = "exponential", mean = "2m" }
[[agent_groups]]
name = "agents"
agents = 50
skills = ["general", "vip"]
"#;
    let path = write(dir.path(), "reserve.toml", toml.as_bytes());
    for verb in ["validate", "run"] {
        let out = callsim(&[verb, &path]);
        let stderr = text(&out.stderr);
        assert!(out.status.success(), "{verb}: {stderr}");
        assert!(
            stderr.contains("keeps back 500 agents") && stderr.contains("at most 50"),
            "{verb}: {stderr}"
        );
    }
    let fewer = write(
        dir.path(),
        "fewer.toml",
        toml.replace("agents = 500", "agents = 5").as_bytes(),
    );
    let out = callsim(&["validate", &fewer]);
    assert!(
        !text(&out.stderr).contains("keeps back"),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn a_coefficient_of_variation_too_small_to_sample_points_to_constant() {
    let dir = tempfile::tempdir().unwrap();
    let gamma = r#"{ distribution = "gamma", mean = "4m", cv = 1e-160 }"#;
    let path = write(dir.path(), "gamma.toml", scenario("", gamma).as_bytes());
    refused(
        &["validate", &path],
        &["handle_time.cv", "fixed time", "constant"],
    );
}

#[test]
fn a_workbook_refuses_a_name_longer_than_a_cell_before_simulating() {
    let dir = tempfile::tempdir().unwrap();
    let long = "g".repeat(40_000);
    let toml = scenario("", EXPONENTIAL).replace("\"agents\"", &format!("\"{long}\""));
    let path = write(dir.path(), "long.toml", toml.as_bytes());
    let out = dir.path().join("report.xlsx");
    let started = Instant::now();
    refused(
        &["run", &path, "-f", "xlsx", "-o", out.to_str().unwrap()],
        &["an agent group's name", "40000 characters", "csv-long"],
    );
    assert!(!out.exists());
    assert!(started.elapsed() < Duration::from_secs(10));
}

#[test]
fn compare_warns_when_the_alternatives_do_not_share_their_callers() {
    let dir = tempfile::tempdir().unwrap();
    let base = scenario("", EXPONENTIAL);
    let same = write(
        dir.path(),
        "same.toml",
        base.replace("agents = 10", "agents = 11").as_bytes(),
    );
    let other = write(
        dir.path(),
        "other.toml",
        base.replace("\"general\"", "\"sales\"").as_bytes(),
    );
    let base = write(dir.path(), "base.toml", base.as_bytes());
    let out = callsim(&["compare", &base, "--variant", &same, "-r", "2"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(
        !text(&out.stderr).contains("warning"),
        "{}",
        text(&out.stderr)
    );
    assert!(text(&out.stdout).starts_with("2 alternatives on the same callers"));
    assert!(text(&out.stdout).contains("\nPaired differences against base"));
    let out = callsim(&["compare", &base, "--variant", &other, "-r", "2"]);
    let stderr = text(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(
        stderr.contains("[general]") && stderr.contains("[sales]") && stderr.contains("not paired"),
        "{stderr}"
    );
    // The output says so too: not "on the same callers", not "paired".
    let stdout = text(&out.stdout);
    assert!(
        stdout.starts_with("2 alternatives not on the same callers"),
        "{stdout}"
    );
    assert!(
        stdout.contains("\nDifferences (not paired) against base") && !stdout.contains("Paired"),
        "{stdout}"
    );
}

/// A variant's own seed and replications give way to the first alternative's (paired
/// comparison): a warning says so, where they were dropped without a word; flags that
/// choose them for every alternative need none.
#[test]
fn a_variants_own_seed_and_replications_are_said_to_give_way() {
    let dir = tempfile::tempdir().unwrap();
    let base = scenario("", EXPONENTIAL);
    let first = write(dir.path(), "first.toml", base.as_bytes());
    let own = base
        .replace("agents = 10", "agents = 12")
        .replace("seed = 42", "seed = 99")
        .replace("replications = 2", "replications = 3");
    let other = write(dir.path(), "other.toml", own.as_bytes());
    let out = callsim(&["compare", &first, "--variant", &other, "-q"]);
    let stderr = text(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(
        stderr.contains("`other` sets seed 99") && stderr.contains("3 replications (runs"),
        "{stderr}"
    );
    let out = callsim(&[
        "compare",
        &first,
        "--variant",
        &other,
        "-q",
        "--seed",
        "5",
        "-r",
        "2",
    ]);
    assert!(out.status.success());
    assert!(
        !text(&out.stderr).contains("warning"),
        "{}",
        text(&out.stderr)
    );
}

/// Alternatives are told apart by their labels: two files of one name from different
/// folders are labelled by their paths (before, both read `day`, and the second's figures
/// showed under the first's name), and the same file or policy twice is refused.
#[test]
fn compare_labels_each_alternative_apart() {
    let dir = tempfile::tempdir().unwrap();
    let base = scenario("", EXPONENTIAL);
    std::fs::create_dir_all(dir.path().join("old")).unwrap();
    std::fs::create_dir_all(dir.path().join("new")).unwrap();
    let old = write(&dir.path().join("old"), "day.toml", base.as_bytes());
    let new = write(
        &dir.path().join("new"),
        "day.toml",
        base.replace("agents = 10", "agents = 12").as_bytes(),
    );
    let out = callsim(&["compare", &old, "--variant", &new, "-r", "2", "-f", "json"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let names: Vec<&str> = json["alternatives"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["name"].as_str().unwrap())
        .collect();
    let without = |p: &str| p.trim_end_matches(".toml").to_owned();
    assert_eq!(names, [without(&old), without(&new)]);

    let out = callsim(&["compare", &old, "--variant", &old, "-r", "2"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("given twice"),
        "{}",
        text(&out.stderr)
    );
    // The same file by another spelling is still the same file.
    let detour = dir.path().join("new/../old/day.toml");
    let out = callsim(&[
        "compare",
        &old,
        "--variant",
        detour.to_str().unwrap(),
        "-r",
        "2",
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("are the same file, given twice"),
        "{}",
        text(&out.stderr)
    );
    let out = callsim(&[
        "compare", &old, "--policy", "priority", "--policy", "priority",
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("`--policy priority` is given twice"),
        "{}",
        text(&out.stderr)
    );
    let out = callsim(&[
        "compare",
        &old,
        "--policy",
        "priority+overflow",
        "--policy",
        "overflow + priority",
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("is the same policy"),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn compare_says_which_routing_settings_a_policy_runs_without() {
    // `run` refuses `aging` under skill-priority; `compare --policy skill-priority` runs the
    // scenario without it, and without the overflow entries, and says so.
    let dir = tempfile::tempdir().unwrap();
    let base = scenario("", EXPONENTIAL)
        + "[routing]\npolicy = \"priority+overflow\"\naging = \"1m\"\n\
           [[routing.overflow]]\ncall_type = \"general\"\n\
           targets = [{ groups = [\"agents\"], after = \"0s\" }]\n";
    let path = write(dir.path(), "aging.toml", base.as_bytes());
    let out = callsim(&[
        "compare",
        &path,
        "--policy",
        "priority+overflow",
        "--policy",
        "skill-priority",
        "-r",
        "2",
    ]);
    let stderr = text(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    let warnings: Vec<&str> = stderr
        .lines()
        .filter(|l| l.starts_with("warning"))
        .collect();
    assert_eq!(warnings.len(), 1, "{stderr}");
    assert!(
        warnings[0].contains("`--policy skill-priority`")
            && warnings[0].contains("`aging`")
            && warnings[0].contains("[[routing.overflow]]"),
        "{stderr}"
    );
}

#[test]
fn a_scenario_over_the_size_cap_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let mut big = scenario("", EXPONENTIAL);
    big.push_str(&format!("# {}\n", "x".repeat(17 << 20)));
    let path = write(dir.path(), "big.toml", big.as_bytes());
    refused(&["validate", &path], &["larger than the limit of 16 MiB"]);
}

#[test]
fn a_trace_over_its_cap_is_refused_and_the_cap_can_be_raised() {
    let dir = tempfile::tempdir().unwrap();
    let mut trace = String::from("arrival_s,call_type\n");
    for i in 0..100_000 {
        trace.push_str(&format!("{}.5,general\n", i % 7000));
    }
    assert!(trace.len() > 1 << 20);
    write(dir.path(), "calls.csv", trace.as_bytes());
    let path = write(
        dir.path(),
        "replay.toml",
        scenario("trace = \"calls.csv\"", EXPONENTIAL).as_bytes(),
    );
    refused(
        &["validate", &path, "--max-trace-mb", "1"],
        &["larger than the limit of 1 MiB", "--max-trace-mb"],
    );
    let out = callsim(&["validate", &path, "--max-trace-mb", "2"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
}

#[test]
fn a_state_file_that_is_a_device_or_too_large_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(dir.path(), "day.toml", scenario("", EXPONENTIAL).as_bytes());
    if Path::new("/dev/zero").exists() {
        refused(
            &["intraday", &path, "--state", "/dev/zero"],
            &["state file", "a device"],
        );
    }
    let big = write(dir.path(), "state.json", &vec![b' '; 17 << 20]);
    refused(
        &["intraday", &path, "--state", &big],
        &["larger than the limit of 16 MiB"],
    );
}

#[test]
fn times_that_would_pass_the_end_of_the_clock_are_refused_with_the_limit() {
    let dir = tempfile::tempdir().unwrap();
    // Two long handle times used to run and report the same saturated maximum.
    let constant = r#"{ distribution = "constant", value = "100000h" }"#;
    let path = write(dir.path(), "c.toml", scenario("", constant).as_bytes());
    refused(
        &["run", &path],
        &["100000h", "limit of 10 years", "584 years"],
    );
    let heavy = r#"{ distribution = "lognormal", mean = "1000h", cv = 5 }"#;
    let path = write(dir.path(), "l.toml", scenario("", heavy).as_bytes());
    refused(
        &["run", &path],
        &[
            "call_types[0].handle_time",
            "limit of 100 years",
            "584 years",
        ],
    );
    // Long but safe times are fine.
    let fine = r#"{ distribution = "exponential", mean = "10000h" }"#;
    let path = write(dir.path(), "f.toml", scenario("", fine).as_bytes());
    let out = callsim(&["validate", &path]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    // A chat desk's slowest contacts last (1 + slowdown × others) times their draw: ten
    // years, a hundred chats at once slowed by 2 each, reach 1,990 years (they were capped
    // at the clock's end, the AHT read 499 years for 1,000).
    let chat = r#"
name = "chat"
[simulation]
duration = "1h"
[[call_types]]
name = "c"
arrival_rate = 5000
handle_time = { distribution = "constant", value = "87840h" }
patience = { distribution = "constant", value = "1h" }
[[agent_groups]]
name = "a"
agents = 1
skills = ["c"]
max_concurrent = 100
concurrency_slowdown = 2
"#;
    let path = write(dir.path(), "chat.toml", chat.as_bytes());
    refused(
        &["run", &path],
        &[
            "agent_groups[0].concurrency_slowdown",
            "1994 years",
            "limit of 100 years",
        ],
    );
    let path = write(
        dir.path(),
        "chat-fine.toml",
        chat.replace("87840h", "5m").as_bytes(),
    );
    let out = callsim(&["validate", &path]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    // A caller stays on the line through a chain of transfers: seventy ten-year talks add
    // up to 700 years (the legs past the clock's end were logged at 2^64 ns).
    let chain = |talk: &str| {
        let mut text = String::from("name = \"chain\"\n[simulation]\nduration = \"1h\"\n");
        for i in 0..70 {
            text += &format!(
                "[[call_types]]\nname = \"t{i}\"\narrival_rate = {}\n\
                 handle_time = {{ distribution = \"constant\", value = \"{talk}\" }}\n\
                 patience = {{ distribution = \"exponential\", mean = \"1m\" }}\n",
                if i == 0 { 30 } else { 0 }
            );
            if i < 69 {
                text += &format!("transfer = {{ share = 1.0, to = \"t{}\" }}\n", i + 1);
            }
        }
        let skills: Vec<String> = (0..70).map(|i| format!("\"t{i}\"")).collect();
        text += &format!(
            "[[agent_groups]]\nname = \"all\"\nagents = 5\nskills = [{}]\n",
            skills.join(", ")
        );
        text
    };
    let path = write(dir.path(), "chain.toml", chain("87600h").as_bytes());
    refused(
        &["run", &path],
        &[
            "call_types[0].transfer",
            "t0 → t1 → t2 → … → t68 → t69 (70 legs)",
            "700 years",
            "limit of 100 years",
        ],
    );
    let path = write(dir.path(), "chain-fine.toml", chain("10m").as_bytes());
    let out = callsim(&["validate", &path]);
    assert!(out.status.success(), "{}", text(&out.stderr));
}

/// A sweep's points are held to the scenario's limits: one with fewer agents (or more
/// calls) than the scenario that `run` would refuse ran the clock to its end and reported
/// waits of 584 years.
#[test]
fn a_sweep_point_beyond_the_clock_is_refused_before_anything_runs() {
    let dir = tempfile::tempdir().unwrap();
    let one = r#"
name = "one"
[simulation]
duration = "24h"
replications = 1
interval = "1h"
[[call_types]]
name = "a"
arrival_rate = 10
handle_time = { distribution = "constant", value = "87840h" }
[[agent_groups]]
name = "g"
agents = 12
skills = ["a"]
"#;
    let path = write(dir.path(), "one.toml", one.as_bytes());
    let out = callsim(&["validate", &path]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    refused(
        &[
            "sweep", &path, "--group", "g", "--agents", "1..12", "--step", "11",
        ],
        &[
            "the point agents = 1",
            "would pass 500 years",
            "narrower range",
        ],
    );
    refused(
        &["sweep", &path, "--arrivals", "1..12", "--step", "11"],
        &["the point arrivals = 12", "would pass 500 years"],
    );
}

#[test]
fn a_redial_storm_is_refused_with_the_reason() {
    let dir = tempfile::tempdir().unwrap();
    let storm = scenario("", EXPONENTIAL).replace(
        "patience = { distribution = \"exponential\", mean = \"2m\" }",
        "patience = { distribution = \"exponential\", mean = \"2m\" }\n\
         retrial = { probability = 1.0, delay = { distribution = \"constant\", value = \"1ms\" }, max_attempts = 1000000 }",
    );
    let path = write(dir.path(), "storm.toml", storm.as_bytes());
    refused(
        &["run", &path],
        &["retrial.max_attempts", "limit of 100", "redial storm"],
    );
    let fine = storm.replace("max_attempts = 1000000", "max_attempts = 100");
    let path = write(dir.path(), "fine.toml", fine.as_bytes());
    let out = callsim(&["validate", &path]);
    assert!(out.status.success(), "{}", text(&out.stderr));
}

// ---- Messages ----

#[test]
fn an_integer_beyond_i64_is_refused_at_its_place_and_later_errors_keep_theirs() {
    let dir = tempfile::tempdir().unwrap();
    let bad = scenario("trunks = 18446744073709551615", EXPONENTIAL);
    let path = write(dir.path(), "u64.toml", bad.as_bytes());
    refused(
        &["validate", &path],
        &["u64.toml:6:10", "9223372036854775807"],
    );
}

#[test]
fn a_deeply_dotted_header_is_located_and_explained() {
    let dir = tempfile::tempdir().unwrap();
    let deep = format!("name = \"x\"\n[{}]\n", vec!["a"; 200].join("."));
    let path = write(dir.path(), "deep.toml", deep.as_bytes());
    refused(
        &["validate", &path],
        &["deep.toml:2:1", "nested too deeply", "80"],
    );
}

#[test]
fn huge_numbers_are_shown_in_scientific_notation() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(
        dir.path(),
        "big.toml",
        scenario("trunks = 1e308", EXPONENTIAL).as_bytes(),
    );
    let stderr = refused(&["validate", &path], &["1e308", "limit of 1000000"]);
    assert!(!stderr.contains("00000000000000000000"), "{stderr}");
}

#[test]
fn integers_near_the_ends_of_i64_do_not_wrap_in_messages() {
    use callsim::engine::Simulation;
    use callsim::routing::SkillPriority;
    let model = crate::support::model(&scenario("", EXPONENTIAL));
    let mut sim = Simulation::new(&model, SkillPriority::new(&model), 0);
    let error = sim.change_staffing(0, i64::MIN).unwrap_err().to_string();
    assert!(
        error.contains("would leave -9223372036854775798"),
        "{error}"
    );
    assert!(sim.change_staffing(0, i64::MAX).is_err());
    assert_eq!(sim.headcount(0), 10);

    let dir = tempfile::tempdir().unwrap();
    let path = write(dir.path(), "day.toml", scenario("", EXPONENTIAL).as_bytes());
    let state = write(
        dir.path(),
        "state.json",
        br#"{"clock": "00:30", "agent_groups": [{"name": "agents", "extra_agents": 9223372036854775807}]}"#,
    );
    let stderr = refused(&["intraday", &path, "--state", &state], &["extra_agents"]);
    assert!(
        stderr.contains("9223372036854775807 extra agents"),
        "{stderr}"
    );
}

#[test]
fn huge_and_tiny_sweep_arguments_are_refused_readably() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(dir.path(), "day.toml", scenario("", EXPONENTIAL).as_bytes());
    let stderr = refused(
        &["sweep", &path, "--scale", "1..1e308"],
        &["1e308", "beyond any plan"],
    );
    assert!(!stderr.contains("00000000000000000000"), "{stderr}");
    // A tiny step used to overflow the point count (a panic).
    refused(
        &["sweep", &path, "--scale", "0.5..1", "--step", "1e-308"],
        &["points are too many"],
    );
    let stderr = refused(
        &[
            "erlang",
            "c",
            "--calls-per-hour",
            "-1e308",
            "--aht",
            "3m",
            "--agents",
            "5",
        ],
        &["-1e308"],
    );
    assert!(!stderr.contains("00000000000000000000"), "{stderr}");
}

#[test]
fn a_service_level_of_bare_1_is_ambiguous() {
    refused(
        &[
            "erlang",
            "c",
            "--calls-per-hour",
            "100",
            "--aht",
            "3m",
            "--service-level",
            "1/20",
        ],
        &["ambiguous", "100%/20"],
    );
    let out = callsim(&[
        "erlang",
        "c",
        "--calls-per-hour",
        "100",
        "--aht",
        "3m",
        "--service-level",
        "1%/20",
        "--format",
        "json",
    ]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    // And 100 %, written out, is met by no finite number of agents.
    refused(
        &[
            "erlang",
            "c",
            "--calls-per-hour",
            "100",
            "--aht",
            "3m",
            "--service-level",
            "100%/20",
        ],
        &["100%", "no finite number of agents"],
    );
}

#[test]
fn erlang_refuses_targets_no_finite_staffing_meets() {
    refused(
        &[
            "erlang",
            "c",
            "--calls-per-hour",
            "100",
            "--aht",
            "3m",
            "--max-asa",
            "0s",
        ],
        &["--max-asa", "no finite number of agents"],
    );
    refused(
        &[
            "erlang",
            "a",
            "--calls-per-hour",
            "100",
            "--aht",
            "3m",
            "--patience",
            "1m",
            "--max-abandon",
            "0%",
        ],
        &["--max-abandon", "no finite number of agents"],
    );
}

/// `staff` refuses a first look larger than the budget of a verdict (`-r` or the
/// scenario's `replications` above `--max-replications`): the screening keeps each look
/// whole, so memory would follow `-r`, not the budget the estimate counts.
#[test]
fn staff_refuses_a_first_look_beyond_its_replication_budget() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(dir.path(), "day.toml", scenario("", EXPONENTIAL).as_bytes());
    let base = ["staff", path.as_str(), "--service-level", "80/20", "-q"];
    let mut flag = base.to_vec();
    flag.extend(["-r", "20000", "--max-replications", "80"]);
    refused(
        &flag,
        &[
            "-r 20000 is more than --max-replications 80",
            "-r 80 or less",
        ],
    );
    let many = write(
        dir.path(),
        "many.toml",
        scenario("", EXPONENTIAL)
            .replace("replications = 2", "replications = 500")
            .as_bytes(),
    );
    refused(
        &[
            "staff",
            &many,
            "--service-level",
            "80/20",
            "-q",
            "--max-replications",
            "80",
        ],
        &["the scenario's `replications = 500`", "--max-replications"],
    );
}

// ---- Files ----

/// `-o /dev/stdout` when standard output is a pipe (as it is here) leads to no file: the
/// refusal says so, and where the report goes instead.
#[test]
fn an_output_that_leads_to_a_pipe_is_refused_as_such() {
    refused(
        &["run", "-q", "-r", "1", "-o", "/dev/stdout"],
        &[
            "--output /dev/stdout",
            "a pipe or a device",
            "standard output",
        ],
    );
}

#[test]
fn every_written_file_refuses_to_replace_an_existing_one_without_force() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(dir.path(), "day.toml", scenario("", EXPONENTIAL).as_bytes());
    let precious = write(dir.path(), "precious", b"precious");
    let state = write(dir.path(), "state.json", br#"{"clock": "00:30"}"#);
    let log = concat!(env!("CARGO_MANIFEST_DIR"), "/docs/sample-calls.csv");
    let fitted = dir.path().join("fitted.toml").display().to_string();
    let fit_report = dir.path().join("fit-report.txt").display().to_string();
    let cases: Vec<Vec<&str>> = vec![
        vec!["run", &path, "-r", "1", "--output", &precious],
        vec!["run", &path, "-r", "1", "-o", &precious],
        vec!["run", &path, "-r", "1", "--write-calls", &precious],
        vec![
            "sweep", &path, "--scale", "1..1", "-r", "1", "-q", "--chart", &precious,
        ],
        vec![
            "sweep", &path, "--scale", "1..1", "-r", "1", "-q", "--output", &precious,
        ],
        vec![
            "staff",
            &path,
            "--service-level",
            "80/20",
            "-r",
            "2",
            "-q",
            "--write",
            &precious,
        ],
        vec![
            "staff",
            &path,
            "--service-level",
            "80/20",
            "-r",
            "2",
            "-q",
            "--output",
            &precious,
        ],
        vec![
            "compare",
            &path,
            "--policy",
            "skill-priority",
            "--policy",
            "longest-idle",
            "-r",
            "2",
            "--output",
            &precious,
        ],
        vec![
            "erlang",
            "c",
            "--calls-per-hour",
            "100",
            "--aht",
            "3m",
            "--agents",
            "8",
            "--output",
            &precious,
        ],
        vec![
            "live",
            &path,
            "--speed",
            "max",
            "--no-server",
            "--save-state",
            &precious,
        ],
        // `-o` is `--output` on every verb that has it.
        vec![
            "intraday", &path, "--state", &state, "-r", "2", "-o", &precious,
        ],
        vec![
            "erlang",
            "a",
            "--calls-per-hour",
            "100",
            "--aht",
            "3m",
            "--patience",
            "1m",
            "--agents",
            "8",
            "-o",
            &precious,
        ],
        vec![
            "compare",
            &path,
            "--policy",
            "skill-priority",
            "--policy",
            "priority",
            "-r",
            "2",
            "-o",
            &precious,
        ],
        vec![
            "sweep", &path, "--scale", "1..1", "-r", "1", "-q", "-o", &precious,
        ],
        vec![
            "staff",
            &path,
            "--service-level",
            "80/20",
            "-r",
            "2",
            "-q",
            "-o",
            &precious,
        ],
        vec!["fit", log, "-o", &precious, "--report", &fit_report],
        vec!["fit", log, "--report", &precious, "-o", &fitted],
    ];
    for args in &cases {
        let started = Instant::now();
        refused(args, &["exists", "--force"]);
        // Refused before any simulation.
        assert!(started.elapsed() < Duration::from_secs(20), "{args:?}");
        assert_eq!(std::fs::read(&precious).unwrap(), b"precious", "{args:?}");
    }
    // With --force each replaces it.
    for args in &cases {
        let mut args = args.clone();
        args.push("--force");
        let out = callsim(&args);
        assert!(out.status.success(), "{args:?}: {}", text(&out.stderr));
        assert_ne!(std::fs::read(&precious).unwrap(), b"precious", "{args:?}");
        std::fs::write(&precious, b"precious").unwrap();
    }
    // Nothing is left behind.
    let leftovers: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().ends_with(".partial"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}

#[test]
fn two_flags_naming_one_file_are_refused_before_any_work() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(dir.path(), "day.toml", scenario("", EXPONENTIAL).as_bytes());
    let same = dir.path().join("same").display().to_string();
    let same_again = format!("{}/./same", dir.path().display());
    let log = concat!(env!("CARGO_MANIFEST_DIR"), "/docs/sample-calls.csv");
    let cases: Vec<Vec<&str>> = vec![
        vec![
            "run",
            &path,
            "-r",
            "1",
            "--write-calls",
            &same,
            "-o",
            &same_again,
        ],
        vec![
            "sweep", &path, "--scale", "1..1", "-r", "1", "-q", "-o", &same, "--chart", &same,
        ],
        vec![
            "staff",
            &path,
            "--service-level",
            "80/20",
            "-q",
            "-o",
            &same,
            "--write",
            &same,
        ],
        vec!["fit", log, "-o", &same, "--report", &same_again],
    ];
    for args in &cases {
        let started = Instant::now();
        // Even with --force: one result would replace the other.
        let mut forced = args.clone();
        forced.push("--force");
        refused(&forced, &["is also the", "give each its own file name"]);
        assert!(started.elapsed() < Duration::from_secs(20), "{args:?}");
        assert!(!Path::new(&same).exists(), "{args:?}");
    }
}

/// An output that names a file the command reads (directly, as `./name`, or through a
/// link) is refused before any work, even with `--force`: the input is left as it was.
#[test]
fn no_output_may_overwrite_an_input() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(dir.path(), "day.toml", scenario("", EXPONENTIAL).as_bytes());
    let link = dir.path().join("link.toml");
    std::os::unix::fs::symlink(&path, &link).unwrap();
    let link = link.to_str().unwrap().to_string();
    let dotted = format!("{}/./day.toml", dir.path().display());
    let log_copy = dir.path().join("calls.csv");
    std::fs::copy(
        concat!(env!("CARGO_MANIFEST_DIR"), "/docs/sample-calls.csv"),
        &log_copy,
    )
    .unwrap();
    let log = log_copy.to_str().unwrap().to_string();
    let original = std::fs::read(&path).unwrap();
    let original_log = std::fs::read(&log).unwrap();
    let cases: Vec<Vec<&str>> = vec![
        vec!["run", &path, "-r", "1", "--write-calls", &path],
        vec!["run", &link, "-r", "1", "-o", &dotted],
        vec![
            "sweep", &path, "--scale", "1..1", "-r", "1", "-q", "--chart", &link,
        ],
        vec![
            "staff",
            &path,
            "--service-level",
            "80/20",
            "-q",
            "-o",
            &path,
        ],
        vec![
            "staff",
            &path,
            "--service-level",
            "80/20",
            "-q",
            "--write",
            &link,
        ],
        vec!["compare", &path, "--policy", "fcfs", "-r", "2", "-o", &link],
        vec!["fit", &log, "-o", &log],
    ];
    for args in &cases {
        let mut forced = args.clone();
        forced.push("--force");
        refused(
            &forced,
            &["is the input", "give the output its own file name"],
        );
        assert_eq!(std::fs::read(&path).unwrap(), original, "{args:?}");
    }
    assert_eq!(std::fs::read(&log).unwrap(), original_log);
}

/// The trace a scenario replays is an input too: no verb's output may replace it (a call
/// log written over it, `--write-calls` being "a format the replay reads back", broke the
/// next run of the scenario).
#[test]
fn no_output_may_overwrite_the_trace_a_scenario_replays() {
    let dir = tempfile::tempdir().unwrap();
    let trace = "arrival_s,call_type\n12.5,general\n30,general\n";
    let trace_path = write(dir.path(), "calls.csv", trace.as_bytes());
    let replay = scenario("trace = \"calls.csv\"", EXPONENTIAL)
        .replace("replications = 2", "replications = 1");
    let path = write(dir.path(), "replay.toml", replay.as_bytes());
    let state = dir.path().join("state.json").to_str().unwrap().to_string();
    let cases: Vec<Vec<&str>> = vec![
        vec!["run", &path, "--write-calls", &trace_path],
        vec!["run", &path, "-o", &trace_path],
        vec![
            "live",
            &path,
            "--speed",
            "max",
            "--no-server",
            "--save-state",
            &trace_path,
        ],
        vec![
            "compare",
            &path,
            "--policy",
            "longest-idle",
            "--policy",
            "priority",
            "-o",
            &trace_path,
        ],
    ];
    for args in &cases {
        let mut forced = args.clone();
        forced.push("--force");
        refused(&forced, &["is the input", "calls.csv"]);
        assert_eq!(
            std::fs::read_to_string(&trace_path).unwrap(),
            trace,
            "{args:?}"
        );
    }
    let out = callsim(&[
        "live",
        &path,
        "--speed",
        "max",
        "--no-server",
        "--stop-at",
        "00:30",
        "--save-state",
        &state,
    ]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    refused(
        &[
            "intraday",
            &path,
            "--state",
            &state,
            "-o",
            &trace_path,
            "--force",
        ],
        &["is the input", "calls.csv"],
    );
    assert_eq!(std::fs::read_to_string(&trace_path).unwrap(), trace);
}

#[test]
fn the_report_goes_to_output_exactly_as_to_stdout() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(dir.path(), "day.toml", scenario("", EXPONENTIAL).as_bytes());
    let report = dir.path().join("report.json");
    let out = callsim(&[
        "run",
        &path,
        "-f",
        "json",
        "--output",
        report.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(out.stdout.is_empty());
    let stdout = callsim(&["run", &path, "-f", "json"]).stdout;
    assert_eq!(std::fs::read(&report).unwrap(), stdout);
}

#[test]
fn unwritable_places_are_refused_before_simulating() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(dir.path(), "day.toml", scenario("", EXPONENTIAL).as_bytes());
    let missing = dir.path().join("no/such/dir/calls.csv");
    refused(
        &["run", &path, "--write-calls", missing.to_str().unwrap()],
        &["--write-calls", "cannot create a file in"],
    );
    refused(
        &["run", &path, "--output", dir.path().to_str().unwrap()],
        &["not a regular file"],
    );
    #[cfg(unix)]
    {
        let link = dir.path().join("dangling.csv");
        std::os::unix::fs::symlink(dir.path().join("nowhere/target.csv"), &link).unwrap();
        refused(
            &[
                "run",
                &path,
                "--write-calls",
                link.to_str().unwrap(),
                "--force",
            ],
            &["symbolic link", "does not exist"],
        );
        assert!(!dir.path().join("nowhere").exists());
        // A link to an existing file stands for it: replaced with --force, link kept.
        let real = write(dir.path(), "real.csv", b"old");
        let link = dir.path().join("link.csv");
        std::os::unix::fs::symlink(&real, &link).unwrap();
        let out = callsim(&[
            "run",
            &path,
            "-r",
            "1",
            "--write-calls",
            link.to_str().unwrap(),
            "--force",
        ]);
        assert!(out.status.success(), "{}", text(&out.stderr));
        assert!(std::fs::symlink_metadata(&link)
            .unwrap()
            .file_type()
            .is_symlink());
        assert!(std::fs::read_to_string(&real)
            .unwrap()
            .starts_with("arrival_s,"));
    }
}

/// A scenario with a 30 s IVR and far more agents than calls: nobody waits for an agent.
const IVR_SCENARIO: &str = r#"name = "IVR"
[simulation]
duration = "2h"
seed = 3
replications = 1
[[call_types]]
name = "general"
arrival_rate = 60
handle_time = { distribution = "exponential", mean = "3m" }
ivr = { time = { distribution = "constant", value = "30s" }, self_service = 0.2 }
[[agent_groups]]
name = "agents"
agents = 40
skills = ["general"]
"#;

#[test]
fn the_call_log_wait_starts_when_the_caller_leaves_the_ivr() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(dir.path(), "ivr.toml", IVR_SCENARIO.as_bytes());
    let log = dir.path().join("calls.csv");
    let out = callsim(&[
        "run",
        &path,
        "-f",
        "json",
        "--write-calls",
        log.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["total"]["asa_s"]["mean"], 0.0);
    let mut reader = csv::Reader::from_path(&log).unwrap();
    let (mut answered, mut deflected) = (0, 0);
    for row in reader.records() {
        let row = row.unwrap();
        match &row[6] {
            "answered" => answered += 1,
            "deflected" => deflected += 1,
            other => panic!("unexpected outcome {other}"),
        }
        assert_eq!(&row[7], "0", "{row:?}");
    }
    assert!(answered > 50 && deflected > 5, "{answered} {deflected}");
}

#[test]
fn names_with_commas_and_quotes_round_trip_through_the_call_log() {
    let dir = tempfile::tempdir().unwrap();
    let odd = IVR_SCENARIO
        .replace(
            "name = \"general\"",
            "name = \"sales, \\\"new\\\" customers\"",
        )
        .replace(
            "skills = [\"general\"]",
            "skills = [\"sales, \\\"new\\\" customers\"]",
        )
        .replace("name = \"agents\"", "name = \"team \\\"A\\\", floor 2\"");
    let path = write(dir.path(), "odd.toml", odd.as_bytes());
    let log = dir.path().join("calls.csv");
    let out = callsim(&[
        "run",
        &path,
        "-f",
        "json",
        "--write-calls",
        log.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let original: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let replay = odd.replace(
        "replications = 1",
        "replications = 1\ntrace = \"calls.csv\"",
    );
    let replay_path = write(dir.path(), "replay.toml", replay.as_bytes());
    let out = callsim(&["run", &replay_path, "-f", "json"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let replayed: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    for key in ["offered", "answered", "deflected", "aht_s"] {
        assert_eq!(original["total"][key], replayed["total"][key], "{key}");
    }
}

#[test]
fn names_that_cannot_round_trip_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    for (name, needle) in [
        (" general", "starts or ends with a space"),
        ("general ", "starts or ends with a space"),
        ("gen\\teral", "control character"),
        ("gen\\neral", "control character"),
    ] {
        let bad = IVR_SCENARIO.replace("name = \"agents\"", &format!("name = \"{name}\""));
        let path = write(dir.path(), "bad.toml", bad.as_bytes());
        refused(&["validate", &path], &["agent_groups[0].name", needle]);
    }
}

#[test]
fn a_typo_in_the_first_trace_line_is_an_error_not_a_header() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(
        dir.path(),
        "replay.toml",
        scenario("trace = \"calls.csv\"", EXPONENTIAL).as_bytes(),
    );
    write(dir.path(), "calls.csv", b"1O.5,general\n20,general\n");
    refused(&["validate", &path], &["calls.csv:1", "1O.5"]);
    // Headers still are headers: the call log's own, and words naming no call type.
    for header in [
        "arrival_s,call_type",
        "time,type",
        "# comment\narrival,kind",
    ] {
        write(
            dir.path(),
            "calls.csv",
            format!("{header}\n10.5,general\n20,general\n").as_bytes(),
        );
        let out = callsim(&["validate", &path]);
        assert!(out.status.success(), "{header}: {}", text(&out.stderr));
    }
}

/// A day of 480,000 calls: a call log of 36 MB.
const BIG: &str = r#"name = "Big"
[simulation]
duration = "8h"
seed = 5
replications = 1
[[call_types]]
name = "general"
arrival_rate = 60000
handle_time = { distribution = "exponential", mean = "1m" }
patience = { distribution = "exponential", mean = "2m" }
[[agent_groups]]
name = "agents"
agents = 1000
skills = ["general"]
"#;

/// The peak resident memory (kB) of `callsim args`, sampled from /proc while it runs.
#[cfg(target_os = "linux")]
fn peak_memory_kb(args: &[&str]) -> u64 {
    let mut child = Command::new(env!("CARGO_BIN_EXE_callsim"))
        .args(args)
        .stdout(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let status_file = format!("/proc/{}/status", child.id());
    let mut peak = 0;
    while child.try_wait().unwrap().is_none() {
        if let Ok(status) = std::fs::read_to_string(&status_file) {
            let hwm = status
                .lines()
                .find_map(|l| l.strip_prefix("VmHWM:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok());
            peak = peak.max(hwm.unwrap_or(0));
        }
        std::thread::sleep(Duration::from_millis(3));
    }
    peak
}

/// `--write-calls` streams: writing a 36 MB log costs no more memory than not writing it
/// (it used to hold every record and then the whole text: about 70 MB more here).
#[cfg(target_os = "linux")]
#[test]
fn the_call_log_is_streamed_in_bounded_memory() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(dir.path(), "big.toml", BIG.as_bytes());
    let log = dir.path().join("calls.csv");
    let without = peak_memory_kb(&["run", &path]);
    let with = peak_memory_kb(&["run", &path, "--write-calls", log.to_str().unwrap()]);
    let size = std::fs::metadata(&log).unwrap().len();
    assert!(size > 30_000_000, "{size}");
    assert!(
        with < without + 16_000,
        "peak {with} kB with the call log, {without} kB without"
    );
}

/// SIGINT while `--write-calls` is writing leaves the old file (or, had the write
/// finished, the complete new one) — never a log cut mid-row that a replay would accept.
#[cfg(unix)]
#[test]
fn an_interrupted_call_log_leaves_the_old_file_or_the_complete_new_one() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(dir.path(), "big.toml", BIG.as_bytes());
    let log = write(dir.path(), "calls.csv", b"old\n");
    let mut child = Command::new(env!("CARGO_BIN_EXE_callsim"))
        .args(["run", &path, "--write-calls", &log, "--force"])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    // Wait until the call log is being written: a temporary file beside it has contents
    // (or, written in place, the target itself changed).
    let started = Instant::now();
    let writing = loop {
        let partial = std::fs::read_dir(dir.path())
            .unwrap()
            .filter_map(|e| e.ok())
            .any(|e| {
                e.file_name().to_string_lossy().ends_with(".partial")
                    && e.metadata().is_ok_and(|m| m.len() > 0)
            });
        let in_place = std::fs::metadata(&log).is_ok_and(|m| m.len() != 4);
        if partial || in_place || started.elapsed() > Duration::from_secs(120) {
            break partial;
        }
        if child.try_wait().unwrap().is_some() {
            break false;
        }
        std::thread::sleep(Duration::from_millis(2));
    };
    let killed = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    let status = child.wait().unwrap();
    let contents = std::fs::read_to_string(&log).unwrap();
    if status.success() {
        // The write finished before the signal: the new log is whole.
        assert!(contents.starts_with("arrival_s,"));
        assert!(contents.ends_with('\n'));
        let mut reader = csv::Reader::from_reader(contents.as_bytes());
        assert!(reader.records().all(|r| r.is_ok_and(|r| r.len() == 9)));
    } else {
        assert!(
            writing && killed.success(),
            "interrupted before writing: {status}"
        );
        assert_eq!(
            contents, "old\n",
            "the old log must survive an interrupted write"
        );
        assert_eq!(status.code(), Some(130), "{status}");
    }
    // Nor is the temporary file left behind.
    let leftovers: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().ends_with(".partial"))
        .map(|e| e.file_name())
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}

// ---- A small fuzz corpus: mutated inputs are refused with a message, never a panic ----

/// A deterministic xorshift generator: the corpus is the same on every run.
struct Mutator(u64);

impl Mutator {
    fn below(&mut self, n: usize) -> usize {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 % n.max(1) as u64) as usize
    }

    /// `text` with one random edit: a deletion, an insertion of an awkward token, a
    /// duplicated line or a swapped number.
    fn mutate(&mut self, text: &str, tokens: &[&str]) -> String {
        let mut cut = self.below(text.len() + 1);
        while !text.is_char_boundary(cut) {
            cut -= 1;
        }
        let (head, tail) = text.split_at(cut);
        match self.below(4) {
            0 => {
                let mut end = (cut + 1 + self.below(40)).min(text.len());
                while !text.is_char_boundary(end) {
                    end -= 1;
                }
                format!("{head}{}", &text[end..])
            }
            1 | 2 => format!("{head}{}{tail}", tokens[self.below(tokens.len())]),
            _ => {
                let lines: Vec<&str> = text.lines().collect();
                let k = self.below(lines.len());
                let mut out = lines.clone();
                out.insert(k, lines[k]);
                out.join("\n")
            }
        }
    }
}

const TOKENS: &[&str] = &[
    "1e308",
    "-1",
    "0",
    "18446744073709551615",
    "-9223372036854775808",
    "nan",
    "inf",
    "\"",
    "[",
    "]]",
    "{",
    "}",
    "=",
    ",",
    ".",
    "\n",
    "\t",
    "\u{0}",
    "é",
    "\"0s\"",
    "\"87841h\"",
    "\"1e9h\"",
    "\"9999999999h\"",
    " 1.5",
    "#",
    "\"\"",
    "[[call_types]]\n",
    "[[agent_groups]]\n",
    "a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a",
];

#[test]
fn mutated_scenarios_are_refused_without_a_panic() {
    let mut mutator = Mutator(0x9e37_79b9_7f4a_7c15);
    let mut refusals = 0;
    for entry in std::fs::read_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/scenarios")).unwrap() {
        let path = entry.unwrap().path();
        let original = std::fs::read_to_string(&path).unwrap();
        for i in 0..150 {
            let mut text = mutator.mutate(&original, TOKENS);
            if i % 3 == 0 {
                text = mutator.mutate(&text, TOKENS);
            }
            let source = callsim::scenario::Source {
                origin: "mutant.toml".into(),
                text: text.clone(),
            };
            let outcome = std::panic::catch_unwind(|| source.load().err().map(|e| e.to_string()));
            match outcome {
                Ok(Some(message)) => {
                    refusals += 1;
                    assert!(message.starts_with("mutant.toml"), "{message}");
                }
                Ok(None) => {}
                Err(_) => panic!("{} mutant {i} panicked:\n{text}", path.display()),
            }
        }
    }
    assert!(
        refusals > 500,
        "{refusals} refusals: the mutations are too gentle"
    );
}

#[test]
fn mutated_traces_are_refused_without_a_panic() {
    let dir = tempfile::tempdir().unwrap();
    let scenario_path = dir.path().join("replay.toml");
    std::fs::write(
        &scenario_path,
        scenario("trace = \"calls.csv\"", EXPONENTIAL),
    )
    .unwrap();
    let original =
        "arrival_s,call_type,handle_time_s,patience_s,tier,attempt,outcome,wait_s,group\n\
                    10.5,general,240,60,,1,answered,0,agents\n\
                    \"11\",\"general\",,,,1,abandoned,30,\n\
                    # a comment\n\
                    12.25,general,100.5\n";
    let mut mutator = Mutator(0x2545_f491_4f6c_dd1d);
    for i in 0..300 {
        let text = mutator.mutate(original, TOKENS);
        std::fs::write(dir.path().join("calls.csv"), &text).unwrap();
        let outcome = std::panic::catch_unwind(|| {
            callsim::scenario::Source::read(&scenario_path)
                .and_then(|s| s.load())
                .err()
                .map(|e| e.to_string())
        });
        match outcome {
            Ok(Some(message)) => assert!(message.contains("calls.csv"), "{message}"),
            Ok(None) => {}
            Err(_) => panic!("trace mutant {i} panicked:\n{text}"),
        }
    }
}

#[test]
fn mutated_state_files_are_refused_without_a_panic() {
    use callsim::live::state::StateFile;
    let model = callsim::scenario::Source::default_scenario()
        .load()
        .unwrap();
    let original = r#"{
  "scenario": "Mobile operator hotline, weekday",
  "clock": "10:30:00.000",
  "call_types": [
    { "name": "general", "waiting_s": [95.5, 40.0, 3.2] },
    { "name": "billing", "waiting_s": [] }
  ],
  "agent_groups": [
    { "name": "generalists", "talking": { "general": 30, "billing": 4 }, "extra_agents": 2 }
  ]
}"#;
    let mut mutator = Mutator(0x5851_f42d_4c95_7f2d);
    for i in 0..400 {
        let text = mutator.mutate(original, TOKENS);
        let outcome = std::panic::catch_unwind(|| {
            StateFile::parse("state.json", &text)
                .and_then(|f| f.resolve("state.json", &model))
                .err()
                .map(|e| e.to_string())
        });
        match outcome {
            Ok(Some(message)) => assert!(message.contains("state.json"), "{message}"),
            Ok(None) => {}
            Err(_) => panic!("state mutant {i} panicked:\n{text}"),
        }
    }
}

/// The shifts of a group together are held to a group's limit of agents: their sum once
/// wrapped around 2³² and read as a handful of agents.
#[test]
fn shifts_adding_up_to_more_agents_than_a_group_can_have_are_refused() {
    let shift = r#"{ start = "08:00", end = "16:00", agents = 400000 }"#;
    let toml = format!(
        r#"name = "many shifts"
[simulation]
duration = "8h"
start_time = "08:00"
[[call_types]]
name = "general"
arrival_rate = 600
handle_time = {{ distribution = "exponential", mean = "4m" }}
[[agent_groups]]
name = "agents"
skills = ["general"]
shifts = [{shift}, {shift}, {shift}]
"#
    );
    let dir = tempfile::tempdir().unwrap();
    let path = write(dir.path(), "shifts.toml", toml.as_bytes());
    refused(
        &["validate", &path],
        &[
            "shifts[2].agents",
            "1200000 agents",
            "1000000",
            "several groups",
        ],
    );
}

/// The scenario's title heads every report: an escape in it would reach the terminal.
#[test]
fn a_scenario_title_with_a_control_character_is_refused() {
    let toml = scenario("", EXPONENTIAL);
    let first = toml.lines().next().unwrap().to_owned();
    assert!(first.starts_with("name = "), "{first}");
    let toml = toml.replacen(&first, "name = \"x\\u001b[2J\"", 1);
    let dir = tempfile::tempdir().unwrap();
    let path = write(dir.path(), "title.toml", toml.as_bytes());
    refused(
        &["validate", &path],
        &["`name`", "control character", "one line"],
    );
}

/// A scenario path that is a loop of symbolic links is refused with a fix about the link,
/// not about permissions.
#[cfg(unix)]
#[test]
fn a_loop_of_symbolic_links_is_named_as_such() {
    let dir = tempfile::tempdir().unwrap();
    let (a, b) = (dir.path().join("a.toml"), dir.path().join("b.toml"));
    std::os::unix::fs::symlink(&b, &a).unwrap();
    std::os::unix::fs::symlink(&a, &b).unwrap();
    let out = callsim(&["validate", a.to_str().unwrap()]);
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("cannot read the scenario file"), "{stderr}");
    assert!(stderr.contains("symbolic link"), "{stderr}");
    assert!(!stderr.contains("permissions"), "{stderr}");
}

/// Every file a command writes refuses a name whose extension says another kind of file:
/// an `erlang` table in `e.json`, a fitted scenario in `f.json`, a shard's JSON part in
/// `p.html`, an SVG chart in `ch.json` (each was written as asked, and would not open as
/// its name says). Refused before any work, the file never created.
#[test]
fn a_file_named_for_another_kind_than_it_holds_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(dir.path(), "day.toml", scenario("", EXPONENTIAL).as_bytes());
    let state = write(dir.path(), "state.json", br#"{"clock": "00:30"}"#);
    let log = concat!(env!("CARGO_MANIFEST_DIR"), "/docs/sample-calls.csv");
    let named = |name: &str| dir.path().join(name).display().to_string();
    let (e_json, e_html, i_json, i_xlsx) = (
        named("e.json"),
        named("e.html"),
        named("i.json"),
        named("i.xlsx"),
    );
    let (f_json, r_json, p_html, ch_json, c_csv) = (
        named("f.json"),
        named("r.json"),
        named("p.html"),
        named("ch.json"),
        named("c.csv"),
    );
    let erlang = ["erlang", "c", "--calls-per-hour", "100", "--aht", "3m"];
    let cases: Vec<(Vec<&str>, &str, &str)> = vec![
        (
            [&erlang[..], &["--agents", "8", "-o", &e_json]].concat(),
            "--output",
            ".txt",
        ),
        (
            [&erlang[..], &["--agents", "8", "-f", "json", "-o", &e_html]].concat(),
            "--output",
            ".json",
        ),
        (
            vec!["intraday", &path, "--state", &state, "-o", &i_json],
            "--output",
            ".txt",
        ),
        (
            vec![
                "intraday", &path, "--state", &state, "-f", "json", "-o", &i_xlsx,
            ],
            "--output",
            ".json",
        ),
        (vec!["fit", log, "-o", &f_json], "--output", ".toml"),
        (vec!["fit", log, "--report", &r_json], "--report", ".html"),
        (
            vec!["run", &path, "--shard", "0/2", "-o", &p_html],
            "--output",
            ".json",
        ),
        (
            vec![
                "compare", &path, "--policy", "fifo", "--shard", "0/2", "-o", &c_csv,
            ],
            "--output",
            ".json",
        ),
        (
            vec![
                "sweep", &path, "--scale", "1..1", "-r", "1", "-q", "--chart", &ch_json,
            ],
            "--chart",
            ".svg",
        ),
    ];
    for (args, flag, fix) in &cases {
        refused(args, &[flag, "would not hold", fix]);
    }
    let left: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| !["day.toml", "state.json"].contains(&n.as_str()))
        .collect();
    assert!(left.is_empty(), "{left:?}");
}
