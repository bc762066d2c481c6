//! Helpers shared by the integration tests.

use callsim::model::Model;
use callsim::report::Report;
use callsim::scenario::Source;
use callsim::stats::{student_t_975, Stat};
use callsim::RunOptions;

/// The model of a scenario given as TOML text; panics with the scenario error.
pub fn model(toml: &str) -> Model {
    Source {
        origin: "<test scenario>".into(),
        text: toml.into(),
    }
    .load()
    .unwrap_or_else(|e| panic!("test scenario is invalid: {e}"))
}

/// One queue, one group: M/M/N (no patience) or M/M/N+M (exponential patience).
pub struct SingleQueue {
    pub agents: u32,
    pub calls_per_hour: f64,
    pub aht_s: f64,
    pub patience_s: Option<f64>,
    pub hours: f64,
    pub warmup_hours: f64,
    pub replications: u32,
    pub threshold_s: f64,
}

impl SingleQueue {
    pub fn toml(&self) -> String {
        let talk = format!(
            r#"{{ distribution = "exponential", mean = "{}s" }}"#,
            self.aht_s
        );
        let patience = self
            .patience_s
            .map(|p| format!(r#"patience = {{ distribution = "exponential", mean = "{p}s" }}"#))
            .unwrap_or_default();
        OneQueue {
            hours: self.hours,
            warmup_hours: self.warmup_hours,
            seed: 12345,
            replications: self.replications,
            threshold_s: self.threshold_s,
            calls_per_hour: self.calls_per_hour,
            talk: &talk,
            agents: self.agents,
            call_type: &patience,
            ..OneQueue::default()
        }
        .toml()
    }

    pub fn run(&self) -> Report {
        callsim::run(&model(&self.toml()), &RunOptions::default())
    }
}

/// One queue, one group, in one interval as long as the day, with any talk times: `talk` is
/// the handle-time table; `simulation`, `call_type` and `group` are lines added to those
/// tables (lines, an IVR, patience, wrap-up, redials, chats per agent).
pub struct OneQueue<'a> {
    pub hours: f64,
    pub warmup_hours: f64,
    pub seed: u64,
    pub replications: u32,
    pub threshold_s: f64,
    pub calls_per_hour: f64,
    pub talk: &'a str,
    pub agents: u32,
    pub simulation: &'a str,
    pub call_type: &'a str,
    pub group: &'a str,
}

/// 1,000 hours after a 10-hour warm-up, 20 replications of seed 7, a 20 s threshold, one
/// agent, nothing added.
impl Default for OneQueue<'_> {
    fn default() -> Self {
        OneQueue {
            hours: 1000.0,
            warmup_hours: 10.0,
            seed: 7,
            replications: 20,
            threshold_s: 20.0,
            calls_per_hour: 0.0,
            talk: "",
            agents: 1,
            simulation: "",
            call_type: "",
            group: "",
        }
    }
}

impl OneQueue<'_> {
    pub fn toml(&self) -> String {
        let OneQueue {
            hours,
            warmup_hours,
            seed,
            replications,
            threshold_s,
            calls_per_hour,
            talk,
            agents,
            simulation,
            call_type,
            group,
        } = self;
        format!(
            r#"
name = "single queue"
[simulation]
duration = "{hours}h"
warmup = "{warmup_hours}h"
replications = {replications}
seed = {seed}
interval = "{hours}h"
{simulation}
[service_level]
threshold = "{threshold_s}s"
[[call_types]]
name = "q"
arrival_rate = {calls_per_hour}
handle_time = {talk}
{call_type}
[[agent_groups]]
name = "agents"
agents = {agents}
skills = ["q"]
{group}
"#
        )
    }

    pub fn model(&self) -> Model {
        model(&self.toml())
    }

    pub fn run(&self) -> Report {
        callsim::run(&self.model(), &RunOptions::default())
    }
}

/// Asserts that `theory` lies within `k` standard errors of the simulated mean (the
/// standard error recovered from the 95 % half-width), plus `slack` for known
/// discretisation (e.g. histogram resolution). Returns the distance in standard errors.
#[track_caller]
pub fn assert_agrees(
    what: &str,
    sim: &Stat,
    replications: u32,
    theory: f64,
    k: f64,
    slack: f64,
) -> f64 {
    let mean = sim.mean.unwrap_or_else(|| panic!("{what}: undefined"));
    let se = sim.ci95.unwrap() / student_t_975(replications as usize - 1);
    let distance = (mean - theory).abs();
    eprintln!(
        "{what}: simulated {mean:.5} ± {:.5}, theory {theory:.5} ({:.2} SE)",
        sim.ci95.unwrap(),
        distance / se
    );
    assert!(
        distance <= k * se + slack,
        "{what}: simulated {mean:.5} ± {:.5} (95%), theory {theory:.5}: off by {:.1} standard errors",
        sim.ci95.unwrap(),
        distance / se
    );
    distance / se
}

/// Runs the callsim binary with `args`; its exit status and output.
pub fn callsim(args: &[&str]) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_callsim"))
        .args(args)
        .output()
        .expect("the binary runs")
}

/// Bytes of a process's output as text.
pub fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}
