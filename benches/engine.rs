//! Benchmarks of the engine's hot loop and of whole scenarios.
//!
//! `cargo bench` reports simulated calls per second (criterion's "elem/s") for:
//! - `single_queue_abandonment`: one queue, 100 agents, load 95 Erlangs, exponential
//!   patience: the hot loop (arrival, queue, patience timer, service end) at a realistic
//!   occupancy;
//! - `erlang_a_36`: M/M/36+M (720 calls/h, 3 min talk, 3 min mean patience, 36 agents: load
//!   1), the Erlang A centre of the speed target: about half the calls queue, 7 % abandon;
//! - `hotline_day`: one replication of the default scenario (3 types, 3 groups, 24 intervals);
//! - `routing_20_types_50_groups`: 20 call types, 50 groups of 3–5 skills each, under the
//!   skill-priority and the priority policy: the cost of routing decisions in a large
//!   multi-skill centre.

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};

use callsim::engine::simulate;
use callsim::model::Model;
use callsim::routing::SkillPriority;
use callsim::scenario::Source;

fn model(toml: &str) -> Model {
    Source {
        origin: "<bench>".into(),
        text: toml.into(),
    }
    .load()
    .expect("bench scenario is valid")
}

/// One queue, 100 agents, 95 Erlangs offered, callers with 2 minutes' patience on average.
const SINGLE_QUEUE: &str = r#"
name = "single queue, 100 agents, rho 0.95"
[simulation]
duration = "100h"
replications = 1
interval = "100h"
[[call_types]]
name = "q"
arrival_rate = 1425
handle_time = { distribution = "exponential", mean = "4m" }
patience = { distribution = "exponential", mean = "2m" }
[[agent_groups]]
name = "agents"
agents = 100
skills = ["q"]
"#;

/// M/M/36+M at load 1: 720 calls/h, 3 min talk, exponential patience with a 3 min mean.
const ERLANG_A_36: &str = r#"
name = "M/M/36+M, 720 calls/h"
[simulation]
duration = "1000h"
replications = 1
interval = "1000h"
[[call_types]]
name = "q"
arrival_rate = 720
handle_time = { distribution = "exponential", mean = "3m" }
patience = { distribution = "exponential", mean = "3m" }
[[agent_groups]]
name = "agents"
agents = 36
skills = ["q"]
"#;

fn calls_offered(model: &Model) -> u64 {
    simulate(model, SkillPriority::new(model), 0)
        .measures(model)
        .total
        .offered as u64
}

fn bench_scenario(c: &mut Criterion, name: &str, model: &Model) {
    let calls = calls_offered(model);
    let mut group = c.benchmark_group(name);
    group.throughput(Throughput::Elements(calls));
    group.sample_size(20);
    group.bench_function(BenchmarkId::new("replication", calls), |b| {
        b.iter(|| simulate(model, SkillPriority::new(model), 0))
    });
    group.finish();
}

/// 20 call types and 50 groups with 3–5 skills each (a deterministic pattern), at about 90 %
/// occupancy, under `policy`.
fn multi_skill(policy: &str) -> String {
    let mut toml = format!(
        "name = \"20 types, 50 groups\"\n[simulation]\nduration = \"20h\"\nreplications = 1\ninterval = \"20h\"\n[routing]\npolicy = \"{policy}\"\n"
    );
    for t in 0..20 {
        toml += &format!(
            "[[call_types]]\nname = \"t{t}\"\narrival_rate = 200\npriority = {}\nhandle_time = {{ distribution = \"exponential\", mean = \"4m\" }}\npatience = {{ distribution = \"exponential\", mean = \"2m\" }}\n",
            t % 3
        );
    }
    for g in 0..50 {
        let skills: Vec<String> = (0..3 + g % 3)
            .map(|k| format!("\"t{}\"", (g * 7 + k * 3) % 20))
            .collect();
        toml += &format!(
            "[[agent_groups]]\nname = \"g{g}\"\nagents = 6\nskills = [{}]\n",
            skills.join(", ")
        );
    }
    toml
}

fn bench_router<R: callsim::routing::Router>(
    c: &mut Criterion,
    name: &str,
    model: &Model,
    make: impl Fn(&Model) -> R,
) {
    let calls = calls_offered(model);
    let mut group = c.benchmark_group("routing_20_types_50_groups");
    group.throughput(Throughput::Elements(calls));
    group.sample_size(10);
    group.bench_function(BenchmarkId::new(name, calls), |b| {
        b.iter(|| simulate(model, make(model), 0))
    });
    group.finish();
}

fn engine(c: &mut Criterion) {
    let skill_priority = model(&multi_skill("skill-priority"));
    bench_router(c, "skill-priority", &skill_priority, SkillPriority::new);
    let priority = model(&multi_skill("priority"));
    bench_router(c, "priority", &priority, callsim::routing::Acd::new);
    bench_scenario(c, "single_queue_abandonment", &model(SINGLE_QUEUE));
    bench_scenario(c, "erlang_a_36", &model(ERLANG_A_36));
    let hotline = Source::default_scenario()
        .load()
        .expect("default scenario is valid");
    bench_scenario(c, "hotline_day", &hotline);
}

criterion_group!(benches, engine);
criterion_main!(benches);
