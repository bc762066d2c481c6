//! Memory is bounded by what the user asked for: blocks cost what happened in them,
//! replications are folded as they finish, an overloaded queue is announced, and a run that
//! would not fit its memory budget is refused (exit 2) before it starts.
//!
//! Peak memory is measured in a child process (this test binary, running one ignored test)
//! that reads its own high-water mark, so the other tests running alongside do not count.

use std::process::Command;

use callsim::footprint;
use callsim::report::{Report, ReportFold};
use callsim::RunOptions;

use crate::support::callsim;
use crate::support::model;

fn scenario_file(toml: &str) -> tempfile::NamedTempFile {
    let file = tempfile::Builder::new()
        .suffix(".toml")
        .tempfile()
        .expect("temp file");
    std::fs::write(file.path(), toml).expect("write scenario");
    file
}

/// One call type at `rate` calls an hour on `agents` agents, with `interval` and `duration`.
fn one_queue(duration: &str, interval: &str, rate: f64, agents: u32, patience: bool) -> String {
    let patience = if patience {
        r#"patience = { distribution = "exponential", mean = "3m" }"#
    } else {
        ""
    };
    format!(
        r#"
name = "one queue"
[simulation]
duration = "{duration}"
interval = "{interval}"
replications = 1
seed = 7
[[call_types]]
name = "general"
arrival_rate = {rate}
handle_time = {{ distribution = "exponential", mean = "2m" }}
{patience}
[[agent_groups]]
name = "agents"
agents = {agents}
skills = ["general"]
"#
    )
}

/// [`one_queue`] over an hour with `agents`, replaying a trace of 200,000 calls (one every
/// 18 ms) written to `dir`.
fn one_queue_replaying_200_000_calls(dir: &std::path::Path, agents: u32, patience: bool) -> String {
    let trace = dir.join("calls.csv");
    let rows: String = (0..200_000)
        .map(|i| format!("{},general\n", i as f64 * 0.018))
        .collect();
    std::fs::write(&trace, rows).unwrap();
    one_queue("1h", "30m", 1.0, agents, patience).replace(
        "seed = 7",
        &format!("seed = 7\ntrace = \"{}\"", trace.display()),
    )
}

/// `types` call types of one call an hour each over 48 half-hour intervals.
fn many_types(types: usize) -> String {
    let mut toml = String::from(
        "name = \"many types\"\n[simulation]\nduration = \"24h\"\ninterval = \"30m\"\nreplications = 1\nseed = 7\n",
    );
    for t in 0..types {
        toml += &format!(
            "[[call_types]]\nname = \"t{t}\"\narrival_rate = 1\nhandle_time = {{ distribution = \"exponential\", mean = \"2m\" }}\n"
        );
    }
    let skills: Vec<String> = (0..types).map(|t| format!("\"t{t}\"")).collect();
    toml += &format!(
        "[[agent_groups]]\nname = \"agents\"\nagents = {}\nskills = [{}]\n",
        types / 20 + 5,
        skills.join(",")
    );
    toml
}

/// The extreme cases, by name: (scenario, replications).
fn case(name: &str) -> (String, u32) {
    match name {
        // 10,800 one-second intervals: ~23 kB each before (a histogram per block).
        "seconds" => (one_queue("3h", "1s", 100.0, 5, false), 1),
        // 1,000 call types × 48 intervals.
        "types" => (many_types(1000), 1),
        // 300 replications of 3,600 one-second intervals (~1.5 MB of measures each).
        "replications" => (one_queue("1h", "1s", 100.0, 5, false), 300),
        other => panic!("no case {other}"),
    }
}

/// Child side: runs the case named by `CALLSIM_MEMORY_CASE` and prints its peak RSS and
/// the estimate. Run only by [`peak_rss`].
#[test]
#[ignore = "run in a child process by the memory tests"]
fn memory_child() {
    let name = std::env::var("CALLSIM_MEMORY_CASE").expect("run by peak_rss");
    let (toml, replications) = case(&name);
    let model = model(&toml);
    let options = RunOptions {
        replications: Some(replications),
        threads: Some(2),
        ..Default::default()
    };
    let report = callsim::run(&model, &options);
    assert_eq!(report.replications, replications);
    let status = std::fs::read_to_string("/proc/self/status").expect("Linux /proc");
    let kb: u64 = status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .expect("VmHWM in /proc/self/status");
    let estimate = footprint::estimate(&options.apply(&model), 2).total();
    println!("PEAK_RSS_BYTES={} ESTIMATE_BYTES={estimate}", kb * 1024);
}

/// The peak RSS of a run of `case` in a child process, and the run's estimate, bytes.
fn peak_rss(case: &str) -> (u64, u64) {
    let out = Command::new(std::env::current_exe().expect("test binary"))
        .args([
            "memory::memory_child",
            "--exact",
            "--ignored",
            "--nocapture",
        ])
        .args(["--test-threads", "1"])
        .env("CALLSIM_MEMORY_CASE", case)
        .output()
        .expect("the test binary runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{case}: {stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let field = |key: &str| -> u64 {
        stdout
            .split_whitespace()
            .find_map(|w| w.strip_prefix(key))
            .and_then(|v| v.parse().ok())
            .unwrap_or_else(|| panic!("{case}: no {key} in {stdout}"))
    };
    (field("PEAK_RSS_BYTES="), field("ESTIMATE_BYTES="))
}

const MB: u64 = 1_000_000;

#[test]
fn one_second_intervals_run_in_modest_memory() {
    if !std::path::Path::new("/proc/self/status").exists() {
        return; // peak RSS is read from Linux's /proc
    }
    // Before compact blocks: ~250 MB of histograms alone.
    let (peak, estimate) = peak_rss("seconds");
    assert!(peak < 120 * MB, "peak {} MB", peak / MB);
    assert!(
        estimate >= peak,
        "estimate {} MB < peak {} MB",
        estimate / MB,
        peak / MB
    );
}

#[test]
fn a_thousand_call_types_run_in_modest_memory() {
    if !std::path::Path::new("/proc/self/status").exists() {
        return;
    }
    // Before compact blocks: ~1.1 GB of histograms.
    let (peak, estimate) = peak_rss("types");
    assert!(peak < 200 * MB, "peak {} MB", peak / MB);
    assert!(
        estimate >= peak,
        "estimate {} MB < peak {} MB",
        estimate / MB,
        peak / MB
    );
}

#[test]
fn replications_are_folded_as_they_finish() {
    if !std::path::Path::new("/proc/self/status").exists() {
        return;
    }
    // Keeping every replication's measures: ~450 MB; folded: the kept values (≤ 64 MB) and
    // one batch.
    let (peak, estimate) = peak_rss("replications");
    assert!(peak < 200 * MB, "peak {} MB", peak / MB);
    assert!(
        estimate >= peak,
        "estimate {} MB < peak {} MB",
        estimate / MB,
        peak / MB
    );
}

#[test]
fn a_folded_report_is_the_report_of_all_replications() {
    let m = model(&one_queue("2h", "30m", 300.0, 6, true));
    let options = RunOptions {
        replications: Some(40),
        ..Default::default()
    };
    let m = options.apply(&m);
    let all = callsim::replicate(&m, Some(2));
    let exact = Report::new(&m, &all);
    // Within the kept values: the same report, bit for bit, on any number of threads.
    for threads in [1, 3] {
        let folded = callsim::run(
            &m,
            &RunOptions {
                threads: Some(threads),
                ..options.clone()
            },
        );
        assert_eq!(folded.to_json(), exact.to_json(), "{threads} threads");
    }
    // Past them: the same means, and half-widths equal to rounding error.
    let mut fold = ReportFold::new(&m, 5, all.len());
    all.iter().for_each(|r| fold.add(r));
    assert_eq!(fold.kept_bytes(), 0, "no value is kept past `keep`");
    let folded = fold.finish();
    let pairs = [(&folded.total, &exact.total)].into_iter().chain(
        folded
            .intervals
            .iter()
            .map(|i| &i.total)
            .zip(exact.intervals.iter().map(|i| &i.total)),
    );
    for (a, b) in pairs {
        for ((key, x), (_, y)) in a.stats().into_iter().zip(b.stats()) {
            assert_eq!(x.mean, y.mean, "{key}");
            match (x.ci95, y.ci95) {
                (Some(p), Some(q)) => assert!(
                    (p - q).abs() <= 1e-9 * q.abs().max(1e-9),
                    "{key}: {p} vs {q}"
                ),
                (p, q) => assert_eq!(p, q, "{key}"),
            }
        }
    }
}

#[test]
fn an_overloaded_day_is_refused_with_its_estimate() {
    // 10⁷ calls an hour on 10 agents, callers who never hang up: ~2.4 × 10⁸ calls waiting.
    let file = scenario_file(&one_queue("24h", "30m", 1e7, 10, false));
    let path = file.path().to_str().unwrap();
    let out = callsim(&["run", path]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("warning: overloaded"), "{stderr}");
    assert!(stderr.contains("calls/hour"), "{stderr}");
    assert!(stderr.contains("would need about"), "{stderr}");
    assert!(stderr.contains("GB of memory"), "{stderr}");
    assert!(stderr.contains("callers waiting in the queues"), "{stderr}");
    assert!(stderr.contains("--memory-budget"), "{stderr}");
    assert!(out.stdout.is_empty(), "nothing simulated, nothing printed");
}

/// Lines bound a queue: callers beyond them are blocked, not queued. An overloaded centre
/// behind few lines (M/M/c/K) is neither warned of nor refused, and one whose callers
/// would take centuries to answer without the lines is valid with them.
#[test]
fn a_queue_behind_few_lines_is_not_overloaded() {
    let with_lines = |toml: String, lines: &str| {
        toml.replace("seed = 7", &format!("seed = 7\ntrunks = {lines}"))
    };
    // 600 calls an hour on 3 agents, 8 lines: at most 5 wait.
    let file = scenario_file(&with_lines(one_queue("8h", "30m", 600.0, 3, false), "8"));
    let out = callsim(&["run", file.path().to_str().unwrap(), "-q"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(!stderr.contains("overloaded"), "{stderr}");
    // 10⁵ calls an hour for 2,000 hours on one agent: 760 years to answer them all without
    // lines (refused), valid behind 20.
    let flood = one_queue("2000h", "2000h", 1e5, 1, false);
    let file = scenario_file(&flood);
    let out = callsim(&["validate", file.path().to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    let file = scenario_file(&with_lines(flood, "20"));
    let out = callsim(&["validate", file.path().to_str().unwrap()]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Callers waiting to call again are held too: a redial six hours after each of ten
/// million calls an hour (all blocked by one line) once aborted the run out of memory;
/// and a replayed trace's queue counts by its own arrivals.
#[test]
fn callers_between_two_calls_and_a_traces_queue_count_in_the_estimate() {
    let redials = one_queue("12h", "1h", 1e7, 1, true).replace(
        "seed = 7",
        "seed = 7\ntrunks = 1",
    ).replace(
        "[[agent_groups]]",
        "retrial = { probability = 1.0, delay = { distribution = \"constant\", value = \"6h\" }, max_attempts = 2 }\n[[agent_groups]]",
    );
    let file = scenario_file(&redials);
    let out = callsim(&[
        "run",
        file.path().to_str().unwrap(),
        "--memory-budget",
        "1GB",
    ]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("or to call again"), "{stderr}");
    assert!(stderr.contains("redials"), "{stderr}");
    // 200,000 traced calls in an hour on one agent, callers who never hang up.
    let dir = tempfile::tempdir().unwrap();
    let traced = one_queue_replaying_200_000_calls(dir.path(), 1, false);
    let file = scenario_file(&traced);
    let out = callsim(&[
        "run",
        file.path().to_str().unwrap(),
        "--memory-budget",
        "40MB",
    ]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("callers waiting in the queues"), "{stderr}");
}

/// An overflow step's timer outlives its call until the step's time: a last-resort group
/// "after 8760h" for callers who never hang up holds one timer per call that waited (720,000 of
/// a million calls in ten hours: 23 MB measured), so the estimate counts them and the run
/// is refused within its budget. Callers with a patience set no timer beyond it: the same step costs nothing.
#[test]
fn overflow_timers_count_in_the_estimate() {
    let overflow = |patience: bool| {
        one_queue("10h", "1h", 1e5, 3345, patience).replace(
            "[[call_types]]",
            "[routing]\npolicy = \"overflow\"\n[[routing.overflow]]\ncall_type = \"general\"\n\
             targets = [{ groups = [\"agents\"], after = \"0s\" }, \
             { groups = [\"last resort\"], after = \"8760h\" }]\n[[call_types]]",
        ) + "[[agent_groups]]\nname = \"last resort\"\nagents = 1\nskills = [\"general\"]\n"
    };
    let file = scenario_file(&overflow(false));
    let out = callsim(&[
        "run",
        file.path().to_str().unwrap(),
        "--memory-budget",
        "80MB",
    ]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("their timers") && stderr.contains("overflow steps"),
        "{stderr}"
    );
    let file = scenario_file(&overflow(true));
    let out = callsim(&[
        "run",
        file.path().to_str().unwrap(),
        "--memory-budget",
        "80MB",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A replayed trace's calls are held once (shared by every replication and every point of
/// a sweep) and count in the estimate: 200,000 calls answered at once are 9.6 MB of trace
/// and little else, so a budget below that refuses the run, naming the trace and the fix.
#[test]
fn a_replayed_traces_calls_count_in_the_estimate() {
    let dir = tempfile::tempdir().unwrap();
    let traced = one_queue_replaying_200_000_calls(dir.path(), 2000, true);
    let file = scenario_file(&traced);
    let path = file.path().to_str().unwrap();
    let model = model(&traced);
    let estimate = footprint::estimate(&model, 1);
    let per_call = std::mem::size_of::<callsim::model::TracedCall>() as u64;
    assert_eq!(estimate.trace, 200_000 * per_call);
    assert_eq!(estimate.largest().0, "the replayed trace's calls");
    let refused = callsim(&["run", path, "--threads", "1", "--memory-budget", "9MB"]);
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert_eq!(refused.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("the replayed trace's calls") && stderr.contains("shorter trace"),
        "{stderr}"
    );
}

#[test]
fn the_memory_budget_is_a_flag() {
    let out = callsim(&["run", "--memory-budget", "1MB"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("budget of 1 MB (--memory-budget)"),
        "{stderr}"
    );
    let out = callsim(&[
        "run",
        "-r",
        "2",
        "--memory-budget",
        "4GB",
        "--format",
        "json",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = callsim(&["run", "--memory-budget", "16 parsecs"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("unknown unit"));
}

/// `staff` keeps every replication's measures of the staffing it judges (up to 4 × its
/// budget): a day of many short intervals that a single run holds in little memory can
/// need gigabytes there, and is refused with that estimate rather than run out of memory.
#[test]
fn staff_counts_the_replications_it_keeps() {
    // 16 hours of one-minute intervals: about 1.9 MB of measures a replication.
    let day = one_queue("16h", "1m", 600.0, 25, true)
        .replace("replications = 1", "replications = 10")
        .replace(
            "[[call_types]]",
            "[service_level]\nthreshold = \"20s\"\ntarget = 0.8\n[[call_types]]",
        );
    let file = scenario_file(&day);
    let path = file.path().to_str().unwrap();
    let out = callsim(&["staff", path, "-q", "--memory-budget", "1GB"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("the measures of the replications two verdicts rest on")
            && stderr.contains("--max-replications"),
        "{stderr}"
    );
    // A run of the same day fits that budget.
    let out = callsim(&[
        "run",
        path,
        "-r",
        "2",
        "-q",
        "--memory-budget",
        "1GB",
        "-f",
        "json",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn overload_is_announced_only_when_the_queue_grows() {
    // 12 Erlangs on 10 agents, callers who never hang up: +20 calls an hour.
    let file = scenario_file(&one_queue("8h", "30m", 360.0, 10, false));
    let out = callsim(&["validate", file.path().to_str().unwrap()]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(
        stderr.contains("grows by up to 60 calls/hour"),
        "12 Erlangs on 10 agents at 2 min: 60 calls an hour beyond capacity: {stderr}"
    );
    let o = footprint::overload(&model(&one_queue("8h", "30m", 360.0, 10, false))).unwrap();
    assert!((o.calls_per_hour - 60.0).abs() < 1e-9);
    assert!((o.waiting_at_end - 480.0).abs() < 1e-6, "8 h × 60 calls");
    // The same centre whose callers hang up is stable; so is one with enough agents.
    for toml in [
        one_queue("8h", "30m", 360.0, 10, true),
        one_queue("8h", "30m", 360.0, 14, false),
    ] {
        let file = scenario_file(&toml);
        let out = callsim(&["validate", file.path().to_str().unwrap()]);
        assert!(out.status.success());
        // (12 Erlangs on 10 agents still gets `validate`'s per-interval load warnings.)
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(!stderr.contains("overloaded"), "{stderr}");
    }
}

/// `one_queue` whose callers first pass an IVR of `ivr` that serves `self_service` of them.
fn one_queue_with_ivr(rate: f64, agents: u32, ivr: &str, self_service: f64) -> String {
    one_queue("8h", "30m", rate, agents, false).replace(
        "handle_time =",
        &format!(
            "ivr = {{ time = {{ distribution = \"constant\", value = \"{ivr}\" }}, self_service = {self_service} }}\nhandle_time ="
        ),
    )
}

#[test]
fn callers_the_ivr_serves_never_overload_the_agents() {
    // 480 calls an hour at 2 min is 16 Erlangs; the IVR serves a quarter, so 12 Erlangs
    // reach 14 agents: stable, no warning, however patient the callers.
    let stable = one_queue_with_ivr(480.0, 14, "30s", 0.25);
    assert_eq!(footprint::overload(&model(&stable)), None);
    let file = scenario_file(&stable);
    let out = callsim(&["validate", file.path().to_str().unwrap()]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(!stderr.contains("overloaded"), "{stderr}");
    // On 10 agents the 12 Erlangs that reach them grow the queue by 60 calls an hour
    // (the 120 served in the IVR do not count).
    let short = one_queue_with_ivr(480.0, 10, "30s", 0.25);
    let o = footprint::overload(&model(&short)).expect("12 Erlangs on 10 agents");
    assert!(
        (o.calls_per_hour - 60.0).abs() < 1e-9,
        "{}",
        o.calls_per_hour
    );
    // Callers in the IVR are held too: 100,000 an hour for 6 min is 10,000 at once.
    let busy_ivr = one_queue_with_ivr(100_000.0, 2_000, "6m", 0.9);
    assert_eq!(footprint::overload(&model(&busy_ivr)), None);
    let held = footprint::peak_waiting(&model(&busy_ivr));
    assert!((held - 10_000.0).abs() < 1e-6, "{held}");
}

#[test]
fn callback_jobs_that_pile_up_are_an_overload() {
    // 360 impatient calls an hour at 2 min (12 Erlangs) on 10 agents: the hang-ups keep the
    // queue bounded, but half the callers take a callback, and those jobs never hang up.
    let with_callbacks = |share: f64| {
        one_queue("8h", "30m", 360.0, 10, true).replace(
            "handle_time =",
            &format!(
                "callback = {{ when_wait_exceeds = \"30s\", share = {share} }}\nhandle_time ="
            ),
        )
    };
    let o = footprint::overload(&model(&with_callbacks(0.9))).expect("10.8 Erlangs of jobs");
    assert!(o.callbacks);
    assert!(
        (o.calls_per_hour - 24.0).abs() < 1e-9,
        "{}",
        o.calls_per_hour
    );
    let file = scenario_file(&with_callbacks(0.9));
    let out = callsim(&["validate", file.path().to_str().unwrap()]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("callback jobs"), "{stderr}");
    // 6 Erlangs of jobs: the agents keep up with them.
    assert_eq!(footprint::overload(&model(&with_callbacks(0.5))), None);
}

#[test]
fn shipped_scenarios_fit_and_are_not_overloaded() {
    for entry in std::fs::read_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/scenarios")).unwrap() {
        let path = entry.unwrap().path();
        let m = callsim::scenario::Source::read(&path)
            .unwrap()
            .load()
            .unwrap();
        assert_eq!(footprint::overload(&m), None, "{}", path.display());
        let estimate = footprint::estimate(&m, 8).total();
        assert!(
            estimate < 500 * MB,
            "{}: {} MB",
            path.display(),
            estimate / MB
        );
    }
}

#[test]
fn compare_keeps_only_the_days_values_and_has_a_budget() {
    let out = callsim(&[
        "compare",
        concat!(env!("CARGO_MANIFEST_DIR"), "/scenarios/erlang-c.toml"),
        "--policy",
        "skill-priority",
        "--policy",
        "longest-idle",
        "-r",
        "1000000",
        "--memory-budget",
        "100MB",
    ]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("kept for the paired differences"),
        "{stderr}"
    );
    assert!(stderr.contains("fewer replications"), "{stderr}");
    // A million replications of two alternatives keep ~2 × 312 MB of day measures: no more.
    let m = model(&one_queue("8h", "30m", 600.0, 45, false));
    let kept = footprint::compared_bytes_per_replication(&m);
    assert!(kept < 1000, "{kept} bytes per replication");
}

/// A workbook holds every cell of its Data sheet until the file is written: about 1.2–1.4 kB
/// a row measured, 600 MB for a day of one-minute intervals of 10 types, which the estimate
/// left out (141 MB estimated). A budget that the JSON report fits refuses the workbook,
/// naming it and the format that streams.
#[test]
fn a_workbook_counts_in_the_estimate() {
    let mut day = String::from(
        "name = \"workbook\"\n[simulation]\nduration = \"24h\"\ninterval = \"5m\"\nreplications = 2\nseed = 1\n",
    );
    for t in 0..10 {
        day.push_str(&format!(
            "[[call_types]]\nname = \"t{t}\"\narrival_rate = 20\nhandle_time = {{ distribution = \"exponential\", mean = \"3m\" }}\n"
        ));
    }
    for g in 0..5 {
        day.push_str(&format!(
            "[[agent_groups]]\nname = \"g{g}\"\nagents = 4\nskills = [\"t{}\", \"t{}\"]\n",
            2 * g,
            2 * g + 1
        ));
    }
    let file = scenario_file(&day);
    let path = file.path().to_str().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let out_file = dir.path().join("day.xlsx");
    let out = callsim(&[
        "run",
        path,
        "-q",
        "-f",
        "xlsx",
        "-o",
        out_file.to_str().unwrap(),
        "--memory-budget",
        "120MB",
    ]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("the workbook, every cell held") && stderr.contains("csv-long"),
        "{stderr}"
    );
    let out = callsim(&["run", path, "-q", "-f", "json", "--memory-budget", "120MB"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}
