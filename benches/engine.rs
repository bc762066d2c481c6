//! Benchmarks of the engine's hot loop and of whole scenarios.
//!
//! `cargo bench` reports simulated calls per second (criterion's "elem/s") for:
//! - `single_queue_abandonment`: one queue, 100 agents, load 95 Erlangs, exponential
//!   patience: the hot loop (arrival, queue, patience timer, service end) at a realistic
//!   occupancy;
//! - `hotline_day`: one replication of the default scenario (3 types, 3 groups, 24 intervals).

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

fn engine(c: &mut Criterion) {
    bench_scenario(c, "single_queue_abandonment", &model(SINGLE_QUEUE));
    let hotline = Source::default_scenario()
        .load()
        .expect("default scenario is valid");
    bench_scenario(c, "hotline_day", &hotline);
}

criterion_group!(benches, engine);
criterion_main!(benches);
