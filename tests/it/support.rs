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
        let patience = self
            .patience_s
            .map(|p| format!("patience = {{ distribution = \"exponential\", mean = \"{p}s\" }}"))
            .unwrap_or_default();
        format!(
            r#"
name = "single queue"
[simulation]
duration = "{hours}h"
warmup = "{warmup}h"
replications = {reps}
seed = 12345
interval = "{hours}h"
[service_level]
threshold = "{threshold}s"
[[call_types]]
name = "q"
arrival_rate = {rate}
handle_time = {{ distribution = "exponential", mean = "{aht}s" }}
{patience}
[[agent_groups]]
name = "agents"
agents = {agents}
skills = ["q"]
"#,
            hours = self.hours,
            warmup = self.warmup_hours,
            reps = self.replications,
            threshold = self.threshold_s,
            rate = self.calls_per_hour,
            aht = self.aht_s,
            agents = self.agents,
        )
    }

    pub fn run(&self) -> Report {
        callsim::run(&model(&self.toml()), &RunOptions::default())
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
