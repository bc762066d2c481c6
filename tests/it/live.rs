//! The live mode: the same engine as `run`, paced on tokio's clock, steerable.

use std::process::Command as Process;
use std::time::Duration;

use callsim::engine::Simulation;
use callsim::live::clock::{drive, Command, PUBLISH_EVERY};
use callsim::live::{Live, Pacing, Speed};
use callsim::routing::SkillPriority;
use callsim::scenario::Source;
use callsim::time::SimTime;
use callsim::{run_replications, RunOptions};
use tokio::sync::{mpsc, oneshot};
use tokio::time::Instant;

use crate::support::model;

fn hotline() -> callsim::model::Model {
    Source::default_scenario().load().expect("valid")
}

/// One group of 10 agents, 2 hours, 30-minute intervals, headcount 10 → 6 at 01:00.
const SMALL: &str = r#"
name = "small"
[simulation]
duration = "2h"
replications = 1
seed = 7
interval = "30m"
[[call_types]]
name = "q"
arrival_rate = 100
handle_time = { distribution = "exponential", mean = "4m" }
patience = { distribution = "exponential", mean = "2m" }
[[agent_groups]]
name = "agents"
agents_by_interval = [10, 10, 6, 6]
skills = ["q"]
"#;

#[tokio::test]
async fn live_at_max_speed_ends_with_the_numbers_of_run() {
    let model = hotline();
    let pacing = Pacing {
        speed: Speed::Max,
        paused: false,
    };
    let mut live = Live::new(&model, 0, pacing, None);
    let mut boards = 0;
    live.run(|_| boards += 1).await;
    assert!(boards >= 2, "the first and the final board are published");
    let live_measures = live.finish().measures(&model);
    let mut one = RunOptions::default().apply(&model);
    one.replications = 1;
    let run_measures = run_replications(&one, Some(1), SkillPriority::new);
    assert_eq!(live_measures, run_measures[0]);
}

#[test]
fn the_live_verb_at_max_speed_prints_runs_report() {
    let bin = env!("CARGO_BIN_EXE_callsim");
    let live = Process::new(bin)
        .args(["live", "--speed", "max", "--no-server", "--format", "json"])
        .output()
        .unwrap();
    let run = Process::new(bin)
        .args(["run", "--replications", "1", "--format", "json"])
        .output()
        .unwrap();
    assert!(
        live.status.success(),
        "{}",
        String::from_utf8_lossy(&live.stderr)
    );
    assert_eq!(
        live.stdout, run.stdout,
        "same engine, same seed, same report"
    );
    // NDJSON: one board per line, the last one final with the same totals.
    let nd = Process::new(bin)
        .args([
            "live",
            "--speed",
            "max",
            "--no-server",
            "--format",
            "ndjson",
        ])
        .output()
        .unwrap();
    assert!(nd.status.success());
    let text = String::from_utf8(nd.stdout).unwrap();
    let last: serde_json::Value = serde_json::from_str(text.lines().last().unwrap()).unwrap();
    for line in text.lines() {
        let _: serde_json::Value = serde_json::from_str(line).expect("each line is JSON");
    }
    assert_eq!(last["finished"], true);
    let report: serde_json::Value = serde_json::from_slice(&run.stdout).unwrap();
    for key in ["offered", "answered", "abandoned"] {
        assert_eq!(
            last["today"][key].as_f64().unwrap(),
            report["total"][key]["mean"].as_f64().unwrap(),
            "{key}"
        );
    }
    let sl = last["today"]["service_level"].as_f64().unwrap();
    assert!((sl - report["total"]["service_level"]["mean"].as_f64().unwrap()).abs() < 1e-12);
}

/// Two types (one with a VIP tier), specialists and generalists, with overflow and
/// reservation tables (used only by the policies that name them): `{policy}` is replaced.
/// `EVERY_POLICY`'s overflow table, for the policies that use it.
const OVERFLOW_TABLE: &str = "[[routing.overflow]]\ncall_type = \"billing\"\ntargets = [ { groups = [\"billing desk\"], after = \"0s\" }, { groups = [\"generalists\"], after = \"20s\" } ]\n";
/// `EVERY_POLICY`'s reservation, for the policies that use it.
const RESERVE_TABLE: &str =
    "[[routing.reserve]]\ngroup = \"generalists\"\nagents = 2\nfor = [\"general/vip\"]\n";

const EVERY_POLICY: &str = r#"
name = "every policy"
[simulation]
duration = "3h"
replications = 1
seed = 29
interval = "30m"
[routing]
policy = "{policy}"
[[routing.overflow]]
call_type = "billing"
targets = [ { groups = ["billing desk"], after = "0s" }, { groups = ["generalists"], after = "20s" } ]
[[routing.reserve]]
group = "generalists"
agents = 2
for = ["general/vip"]
[[call_types]]
name = "general"
arrival_rate = 260
handle_time = { distribution = "lognormal", mean = "4m", cv = 0.8 }
patience = { distribution = "exponential", mean = "2m" }
tiers = [
  { name = "vip", share = 0.2, priority = 5, weight = 4, service_level = { threshold = "10s" } },
  { name = "basic", share = 0.8, priority = 0, weight = 1 },
]
[[call_types]]
name = "billing"
arrival_rate = 90
priority = 1
handle_time = { distribution = "exponential", mean = "6m" }
patience = { distribution = "exponential", mean = "3m" }
[[agent_groups]]
name = "billing desk"
agents = 7
skills = ["billing"]
[[agent_groups]]
name = "generalists"
agents = 17
skills = ["general", "billing"]
"#;

/// Live at full speed is `run -r 1` under every routing policy: the live mode routes with
/// the model's own router, not the default.
#[tokio::test]
async fn live_at_max_speed_is_run_under_every_policy() {
    let policies = [
        "skill-priority",
        "longest-idle",
        "priority",
        "weighted-wait",
        "overflow",
        "reserve",
        "priority+overflow+reserve",
        "longest-idle+overflow",
        "weighted-wait+reserve",
    ];
    let mut vip_service_levels = Vec::new();
    for policy in policies {
        // The tables a policy does not use are refused: left out for it.
        let mut text = EVERY_POLICY.replace("{policy}", policy);
        if !policy.contains("overflow") {
            text = text.replace(OVERFLOW_TABLE, "");
        }
        if !policy.contains("reserve") {
            text = text.replace(RESERVE_TABLE, "");
        }
        let model = model(&text);
        let pacing = Pacing {
            speed: Speed::Max,
            paused: false,
        };
        let mut live = Live::new(&model, 0, pacing, None);
        live.run(|_| {}).await;
        let live_measures = live.finish().measures(&model);
        let run_measures = callsim::replicate(&model, Some(1));
        assert_eq!(live_measures, run_measures[0], "{policy}");
        vip_service_levels.push(live_measures.classes[0].service_level);
    }
    // The policies really differ on this centre (so the equality above means something).
    vip_service_levels.dedup();
    assert!(vip_service_levels.len() >= 4, "{vip_service_levels:?}");
}

#[test]
fn the_live_verb_routes_a_priority_scenario_as_run_does() {
    let bin = env!("CARGO_BIN_EXE_callsim");
    let scenario = concat!(env!("CARGO_MANIFEST_DIR"), "/scenarios/telecom-tiers.toml");
    let live = Process::new(bin)
        .args(["live", scenario, "--speed", "max", "--no-server"])
        .args(["--format", "json"])
        .output()
        .unwrap();
    let run = Process::new(bin)
        .args(["run", scenario, "-r", "1", "--format", "json"])
        .output()
        .unwrap();
    assert!(
        live.status.success() && run.status.success(),
        "{}",
        String::from_utf8_lossy(&live.stderr)
    );
    assert_eq!(
        String::from_utf8_lossy(&live.stdout),
        String::from_utf8_lossy(&run.stdout),
        "live routes by priority, as run does"
    );
}

/// On tokio's paused clock: every board published while running at speed f shows the
/// simulated clock at exactly f × the real time elapsed; pauses stop it; speed changes
/// change its rate without a jump.
#[tokio::test(start_paused = true)]
async fn pacing_follows_the_clock_exactly() {
    let model = model(SMALL);
    let mut sim = Simulation::new(&model, SkillPriority::new(&model), 0);
    let (tx, mut rx) = mpsc::channel(8);
    let start = Instant::now();
    let steer = tokio::spawn(async move {
        let ask = |make: fn(oneshot::Sender<()>) -> Command| {
            let tx = tx.clone();
            async move {
                let (reply, answer) = oneshot::channel();
                tx.send(make(reply)).await.unwrap();
                answer.await.unwrap();
            }
        };
        tokio::time::sleep_until(start + Duration::from_secs(10)).await;
        ask(|reply| Command::Pause {
            paused: true,
            reply,
        })
        .await;
        tokio::time::sleep_until(start + Duration::from_secs(20)).await;
        ask(|reply| Command::Pause {
            paused: false,
            reply,
        })
        .await;
        ask(|reply| Command::Speed {
            speed: Speed::Factor(120.0),
            reply,
        })
        .await;
    });
    let mut seen: Vec<(Duration, SimTime, Pacing)> = Vec::new();
    let pacing = Pacing {
        speed: Speed::Factor(60.0),
        paused: false,
    };
    drive(&mut sim, pacing, None, &mut rx, |snapshot, pacing, _| {
        seen.push((start.elapsed(), snapshot.now, *pacing));
    })
    .await;
    steer.await.unwrap();
    let day = model.horizon;
    let sec = |s: f64| SimTime::from_seconds(s);
    for &(real, sim_time, pacing) in &seen {
        let r = real.as_secs_f64();
        let expected = if r <= 10.0 {
            sec(60.0 * r)
        } else if r <= 20.0 {
            sec(600.0)
        } else {
            sec(600.0 + 120.0 * (r - 20.0))
        };
        if sim_time < day {
            assert_eq!(sim_time, expected, "at {real:?} ({pacing:?})");
        }
        if r > 10.0 && r < 20.0 {
            assert!(pacing.paused);
        }
    }
    // Published every 250 ms of real time while running: (10 s + the rest) / 0.25 s.
    // The tail after the horizon (calls finishing) adds a few more.
    let running = seen
        .iter()
        .filter(|(r, _, p)| !p.paused && *r > Duration::ZERO)
        .count() as f64;
    let expected_ticks = (10.0 + (7200.0 - 600.0) / 120.0) / PUBLISH_EVERY.as_secs_f64();
    assert!(
        running >= expected_ticks && running < expected_ticks + 60.0,
        "{running}"
    );
    // The day ends when its last call does; at 120× the 2 h day takes 20 s + 55 s.
    let (end, _, _) = seen.last().unwrap();
    assert!(end.as_secs_f64() >= 75.0, "{end:?}");
    assert!(sim.is_done());
}

#[test]
fn staffing_changes_hold_from_now_on_as_a_delta_to_the_schedule() {
    let model = model(SMALL);
    let mut sim = Simulation::new(&model, SkillPriority::new(&model), 0);
    sim.run_until(SimTime::from_seconds(600.0));
    assert_eq!(sim.headcount(0), 10);
    assert_eq!(sim.change_staffing(0, 5), Ok(15));
    let s = sim.snapshot();
    assert_eq!(s.groups[0].headcount, 15);
    assert_eq!(s.groups[0].delta, 5);
    assert_eq!(s.groups[0].idle + s.groups[0].talking, 15);
    assert_eq!(
        s.groups[0].off_shift, 0,
        "more on the floor than the schedule's largest headcount"
    );
    // Refused changes change nothing.
    assert!(sim.change_staffing(0, -16).is_err());
    assert!(sim.change_staffing(7, 1).is_err());
    assert!(sim.change_staffing(0, 1_000_000).is_err());
    assert_eq!(sim.snapshot(), s);
    // The schedule's drop of 4 at 01:00 still happens: 6 + 5.
    sim.run_until(SimTime::from_seconds(3600.0));
    assert_eq!(sim.headcount(0), 11);
    let g = sim.snapshot().groups[0];
    assert_eq!(g.idle + g.talking - g.leaving, 11);
    // Down to zero and up again.
    assert_eq!(sim.change_staffing(0, -11), Ok(0));
    let g = sim.snapshot().groups[0];
    assert_eq!(g.idle, 0);
    assert_eq!(g.talking, g.leaving);
    // Off shift: the day's largest scheduled headcount (10) less those on the floor, not
    // the 15 agents the supervisor once had.
    let on_floor = g.idle + g.talking + g.wrap_up;
    assert_eq!(g.off_shift, 10u32.saturating_sub(on_floor), "{g:?}");
    assert_eq!(sim.change_staffing(0, 3), Ok(3));
    let tally = sim.finish();
    let m = tally.measures(&model);
    assert_eq!(
        m.total.offered,
        m.total.answered + m.total.abandoned + m.total.unserved
    );
}

#[test]
fn snapshots_agree_with_the_tally_and_cost_nothing_when_unused() {
    let model = hotline();
    let mut watched = Simulation::new(&model, SkillPriority::new(&model), 3);
    let mut t = SimTime::ZERO;
    while !watched.is_done() {
        t = t.saturating_add(SimTime::from_seconds(97.0));
        watched.run_until(t);
        let s = watched.snapshot();
        for (ty, state) in s.call_types.iter().enumerate() {
            assert_eq!(
                state.waiting == 0,
                state.longest_wait == SimTime::ZERO,
                "type {ty}"
            );
        }
        // Generalists serve every type: while one is idle, nobody waits.
        if s.groups[2].idle > 0 {
            assert!(s.call_types.iter().all(|c| c.waiting == 0), "{s:?}");
        }
    }
    let last = watched.snapshot();
    let tally = watched.finish();
    // Watching changes nothing: the same numbers as a run nobody watched.
    let unwatched = callsim::engine::simulate(&model, SkillPriority::new(&model), 3);
    assert_eq!(tally.measures(&model), unwatched.measures(&model));
    let total = tally.measures(&model).total;
    assert_eq!(last.today.offered as f64, total.offered);
    assert_eq!(last.today.answered as f64, total.answered);
    assert_eq!(last.today.abandoned as f64, total.abandoned);
    assert_eq!(last.today.service_level(), total.service_level);
}

#[test]
fn bad_live_arguments_exit_2_with_nothing_on_stdout() {
    let bin = env!("CARGO_BIN_EXE_callsim");
    for (args, needle) in [
        (vec!["--speed", "0"], "out of range"),
        (vec!["--speed", "fast"], "not a speed"),
        (vec!["--speed", "inf"], "out of range"),
        (vec!["--stop-at", "25:00"], "--stop-at 25:00"),
        (vec!["--stop-at", "07:00"], "08:00 to 20:00"),
        (vec!["--paused", "--no-server"], "cannot be used with"),
        (vec!["--bind", "localhost:80"], "invalid"),
        (vec!["--port", "70000"], "invalid"),
        // No server, so nothing to serve on: refused rather than ignored.
        (vec!["--port", "8081"], "cannot be used with"),
        (vec!["--bind", "0.0.0.0"], "cannot be used with"),
    ] {
        let mut all = vec!["live"];
        if !args.contains(&"--no-server") {
            all.push("--no-server");
        }
        all.extend(&args);
        let out = Process::new(bin).args(&all).output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(out.stdout.is_empty(), "{args:?}");
        assert!(
            stderr.contains(needle),
            "{args:?}: expected `{needle}` in {stderr}"
        );
    }
    // `--hold` keeps the wallboard after the end of the day, which `--stop-at` never
    // reaches: refused, not silently ignored.
    let out = Process::new(bin)
        .args(["live", "--port", "0", "--stop-at", "09:00", "--hold"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("cannot be used with '--hold'"), "{stderr}");
}

/// `--stop-at` at the day's end stops there: the state saved holds the calls still talking,
/// so no report counts them finishing after the stop (the report and the state would
/// describe two moments).
#[test]
fn stopping_at_the_days_end_with_calls_in_the_centre_prints_no_report() {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("state.json");
    let out = Process::new(env!("CARGO_BIN_EXE_callsim"))
        .args(["live", "--no-server", "--speed", "max", "-f", "json"])
        .args([
            "--stop-at",
            "20:00",
            "--save-state",
            state.to_str().unwrap(),
        ])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(out.stdout.is_empty(), "a report at the stop");
    assert!(
        stderr.contains("stopped at 20:00") && stderr.contains("still in the centre"),
        "{stderr}"
    );
    let text = std::fs::read_to_string(&state).unwrap();
    let file = callsim::live::state::StateFile::parse("state", &text).unwrap();
    let talking: u64 = file.agent_groups[0].talking.values().map(|c| c.len()).sum();
    assert!(talking > 0, "the case at hand: calls talking at 20:00");
}

#[test]
fn an_ndjson_stream_ends_when_its_reader_goes_away() {
    use std::io::{BufRead, BufReader};
    let mut child = Process::new(env!("CARGO_BIN_EXE_callsim"))
        .args(["live", "--no-server", "--format", "ndjson", "--speed", "60"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let first: serde_json::Value = serde_json::from_str(&lines.next().unwrap().unwrap()).unwrap();
    assert_eq!(first["clock"], "08:00:00");
    let second: serde_json::Value = serde_json::from_str(&lines.next().unwrap().unwrap()).unwrap();
    assert_eq!(
        second["clock"], "08:00:15",
        "60× and 4 boards a second: 15 s apart"
    );
    drop(lines);
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if std::time::Instant::now() > deadline {
            let _ = child.kill();
            panic!("live kept running after its reader left");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    assert!(status.success());
}

/// A `callsim live` process, killed if still running when dropped. Its stdout and stderr
/// are read on threads (a report is larger than a pipe holds).
pub(crate) struct LiveProcess {
    child: std::process::Child,
    stderr: std::sync::mpsc::Receiver<String>,
    stderr_seen: Vec<String>,
    stdout: Option<std::thread::JoinHandle<String>>,
}

impl LiveProcess {
    /// Starts `callsim live ARGS`.
    pub(crate) fn start(args: &[&str]) -> LiveProcess {
        use std::io::{BufRead, BufReader, Read};
        let mut child = Process::new(env!("CARGO_BIN_EXE_callsim"))
            .arg("live")
            .args(args)
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        let (tx, stderr) = std::sync::mpsc::channel();
        let err = child.stderr.take().unwrap();
        std::thread::spawn(move || {
            for line in BufReader::new(err).lines() {
                let Ok(line) = line else { break };
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        let mut out = child.stdout.take().unwrap();
        let stdout = std::thread::spawn(move || {
            let mut text = String::new();
            let _ = out.read_to_string(&mut text);
            text
        });
        LiveProcess {
            child,
            stderr,
            stderr_seen: Vec::new(),
            stdout: Some(stdout),
        }
    }

    /// Waits (at most 60 s) for a line on stderr containing `needle`, and returns it.
    pub(crate) fn line_with(&mut self, needle: &str) -> String {
        let deadline = std::time::Instant::now() + Duration::from_secs(60);
        loop {
            let left = deadline.saturating_duration_since(std::time::Instant::now());
            match self.stderr.recv_timeout(left) {
                Ok(line) => {
                    self.stderr_seen.push(line.clone());
                    if line.contains(needle) {
                        return line;
                    }
                }
                Err(_) => panic!(
                    "no `{needle}` on stderr; it said: {}",
                    self.stderr_seen.join("\n")
                ),
            }
        }
    }

    /// The wallboard's address, from the line the server prints when it listens.
    pub(crate) fn address(&mut self) -> std::net::SocketAddr {
        let line = self.line_with("wallboard at http://");
        let url = line.split("http://").nth(1).unwrap();
        url.split('/').next().unwrap().parse().unwrap()
    }

    /// Sends the signal `name` (`TERM`, `INT`) to the process.
    #[cfg(unix)]
    pub(crate) fn signal(&self, name: &str) {
        let status = Process::new("kill")
            .args([&format!("-{name}"), &self.child.id().to_string()])
            .status()
            .unwrap();
        assert!(status.success());
    }

    /// Waits (at most 60 s) for the process to end: its status, stdout and whole stderr.
    pub(crate) fn finish(mut self) -> (std::process::ExitStatus, String, String) {
        let deadline = std::time::Instant::now() + Duration::from_secs(60);
        let status = loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                break status;
            }
            assert!(
                std::time::Instant::now() < deadline,
                "live did not end; stderr: {}",
                self.stderr_seen.join("\n")
            );
            std::thread::sleep(Duration::from_millis(20));
        };
        let stdout = self.stdout.take().unwrap().join().unwrap();
        while let Ok(line) = self.stderr.recv_timeout(Duration::from_secs(5)) {
            self.stderr_seen.push(line);
        }
        (status, stdout, self.stderr_seen.join("\n"))
    }
}

impl Drop for LiveProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[cfg(unix)]
#[test]
fn sigterm_stops_live_as_ctrl_c_does_and_saves_the_state() {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("state.json");
    let mut live = LiveProcess::start(&[
        "--port",
        "0",
        "--speed",
        "600",
        "--format",
        "json",
        "--save-state",
        state.to_str().unwrap(),
    ]);
    let addr = live.address();
    let (status, _) = crate::http::request(addr, "GET", "/api/snapshot", b"");
    assert_eq!(status, 200);
    live.signal("TERM");
    let (status, stdout, stderr) = live.finish();
    assert!(status.success(), "{stderr}");
    assert!(
        stderr.contains("interrupted at") && stderr.contains("the day is not over"),
        "{stderr}"
    );
    assert!(stdout.is_empty(), "no report for half a day: {stdout}");
    let text = std::fs::read_to_string(&state).expect("the state is saved on SIGTERM");
    let file = callsim::live::state::StateFile::parse("state", &text).unwrap();
    file.resolve("state", &hotline())
        .expect("a state intraday accepts");
}

/// Supervisors send stop signals in pairs (to the process, then its group): the second,
/// arriving while the state is being saved, abandoned the save in about 1 of 10 tries.
#[cfg(unix)]
#[test]
fn a_second_sigterm_does_not_abandon_the_saved_state() {
    for attempt in 0..8 {
        let dir = tempfile::tempdir().unwrap();
        let state = dir.path().join("state.json");
        let mut live = LiveProcess::start(&[
            "--port",
            "0",
            "--speed",
            "600",
            "--save-state",
            state.to_str().unwrap(),
        ]);
        live.address();
        live.signal("TERM");
        live.signal("TERM");
        let (status, _, stderr) = live.finish();
        assert!(status.success(), "attempt {attempt}: {stderr}");
        assert!(state.exists(), "attempt {attempt}: no state; {stderr}");
    }
}

#[cfg(unix)]
#[test]
fn hold_prints_the_report_then_serves_until_sigterm() {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("state.json");
    let mut live = LiveProcess::start(&[
        "--port",
        "0",
        "--speed",
        "max",
        "--hold",
        "--format",
        "json",
        "--save-state",
        state.to_str().unwrap(),
    ]);
    let addr = live.address();
    live.line_with("still serving the wallboard");
    let (status, board) = crate::http::request(addr, "GET", "/api/snapshot", b"");
    assert_eq!(status, 200);
    let board: serde_json::Value = serde_json::from_str(&board).unwrap();
    assert_eq!(board["finished"], true);
    assert!(
        std::fs::metadata(&state).is_ok(),
        "saved at the end of the day"
    );
    live.signal("TERM");
    let (status, stdout, stderr) = live.finish();
    assert!(status.success(), "{stderr}");
    let run = Process::new(env!("CARGO_BIN_EXE_callsim"))
        .args(["run", "--replications", "1", "--format", "json"])
        .output()
        .unwrap();
    assert_eq!(
        stdout,
        String::from_utf8(run.stdout).unwrap(),
        "the day's report"
    );
}

/// Runs `callsim live SCENARIO` at `speed` and sets the first group's headcount to each of
/// `steps` in turn, `(headcount, then wait this long)`; then runs the rest of the day at
/// full speed. The server must stay up and the day's report be written; a crash, should
/// there be one, must say so on stderr with a non-zero exit (never die silently).
/// One request with `Connection: close`: the status and body, or `None` if the server is
/// gone.
fn try_request(
    addr: std::net::SocketAddr,
    method: &str,
    path: &str,
    body: &[u8],
) -> Option<(u16, String)> {
    use std::io::{Read, Write};
    let mut s = std::net::TcpStream::connect(addr).ok()?;
    s.set_read_timeout(Some(Duration::from_secs(20))).ok()?;
    let head = format!(
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    s.write_all(head.as_bytes()).ok()?;
    s.write_all(body).ok()?;
    let mut response = String::new();
    s.read_to_string(&mut response).ok()?;
    let status = response.get(9..12)?.parse().ok()?;
    Some((status, response.split_once("\r\n\r\n")?.1.to_owned()))
}

fn steer_headcounts(scenario: &str, speed: &str, steps: &[(i64, Duration)]) {
    let mut live = LiveProcess::start(&[
        scenario, "--port", "0", "--speed", speed, "--format", "json",
    ]);
    let addr = live.address();
    let headcount = |addr| {
        let (_, board) = try_request(addr, "GET", "/api/snapshot", b"")?;
        let board: serde_json::Value = serde_json::from_str(&board).ok()?;
        board["agent_groups"][0]["headcount"].as_i64()
    };
    let mut answers = Vec::new();
    for &(target, wait) in steps {
        let Some(now) = headcount(addr) else { break };
        let body = format!(r#"{{"group": "chat agents", "change": {}}}"#, target - now);
        answers.push(try_request(addr, "POST", "/api/staffing", body.as_bytes()));
        std::thread::sleep(wait);
    }
    let up = headcount(addr).is_some();
    try_request(addr, "POST", "/api/speed", br#"{"speed": "max"}"#);
    let (status, stdout, stderr) = live.finish();
    if !status.success() {
        assert!(
            status.code() == Some(1) && stderr.contains("error: the simulation failed at"),
            "a crash must be reported, not silent: {status:?}\n{stderr}"
        );
    }
    assert!(status.success(), "live failed: {stderr}");
    assert!(up, "the server is up after the sequence");
    for (i, answer) in answers.iter().enumerate() {
        assert!(matches!(answer, Some((200, _))), "step {i}: {answer:?}");
    }
    let report: serde_json::Value =
        serde_json::from_str(&stdout).expect("the day's report is written");
    assert_eq!(report["scenario"], "Chat desk, three chats per agent");
}

/// The sequence of the issue: on the chat desk, the chat group's headcount set to 0, 20,
/// 1 and 12 while the day runs, as a supervisor clicking would.
#[test]
fn the_chat_staffing_sequence_leaves_the_server_up_and_the_report_written() {
    let pause = Duration::from_millis(400);
    steer_headcounts(
        "scenarios/chat-desk.toml",
        "3000",
        &[(0, pause), (20, pause), (1, pause), (12, pause)],
    );
}

/// The same sequence timed to hit the engine's worst case every time: on a busy chat desk
/// (600 chats an hour, patient customers) the queue builds while nobody works, 20 agents
/// take three chats each, the headcount drops to 1 while they are all busy, and rises to
/// 12 while most of them are still finishing their chats before they leave.
#[test]
fn the_chat_staffing_sequence_while_every_agent_is_busy() {
    let dir = tempfile::tempdir().unwrap();
    let shipped = std::fs::read_to_string("scenarios/chat-desk.toml").unwrap();
    let busy = shipped
        .lines()
        .map(|line| {
            if line.starts_with("arrival_rates") {
                "arrival_rate = 600".to_owned()
            } else {
                line.replace(r#"mean = "5m""#, r#"mean = "1h""#)
            }
        })
        .collect::<Vec<_>>()
        .join("\n");
    assert!(busy.contains("arrival_rate = 600") && busy.contains(r#"mean = "1h""#));
    let path = dir.path().join("busy-chat.toml");
    std::fs::write(&path, busy).unwrap();
    // At 120×: 10 simulated minutes, 1, 6, then 12 agents for a simulated minute.
    let ms = Duration::from_millis;
    steer_headcounts(
        path.to_str().unwrap(),
        "120",
        &[(0, ms(5000)), (20, ms(500)), (1, ms(3000)), (12, ms(500))],
    );
}
