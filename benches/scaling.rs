//! Is the cost of a call flat? Each group runs one queue at several sizes of one quantity,
//! everything else fixed, and criterion prints calls simulated per CPU second ("elem/s", see
//! `support/cpu_time.rs`) for each size: a flat engine prints the same figure across a group.
//!
//! - `flat_agents/agents/N`: N = 10 … 10,000 agents at the same occupancy (offered load
//!   0.95 N Erlangs, AHT 4 min, mean patience 2 min): the cost of finding an idle agent and
//!   of a calendar holding N talks;
//! - `flat_queue/waiting/L`: an overloaded day (100 agents, 15,000 calls/h, ten times what
//!   they can answer), mean patience from 30 s to 4 h, so that L ≈ 100 … 54,000 callers are
//!   waiting on average (Erlang A's mean queue length, printed as L) and almost all of them
//!   abandon: the cost of queueing and of patience timers in a long queue;
//! - `flat_timers/pending/T`: the 100-agent queue of `flat_agents` behind an IVR of constant
//!   length, so that about T = 10 … 100,000 IVR timers are pending once it has filled
//!   (arrival rate × IVR time): the cost of a large calendar with a short queue. A constant
//!   delay gives its timers a FIFO lane of the calendar;
//! - `flat_random_timers/pending/T`: the same with exponential IVR times of the same means,
//!   whose timers go through the calendar's heap.
//!
//! Each size is timed twice: as `simulate` runs it (`agents/N`, …), which for the single
//! queues of `flat_agents` and `flat_queue` is the queue's recursion, and event by event
//! (`agents_event_loop/N`, …), as every centre with more than one queue runs.
//!
//! Each replication simulates about 400,000 calls from an empty centre (the filling is a
//! small share of the day, except for the 70-hour IVR: a quarter of the 280 hours).
//!
//! `cargo bench --bench scaling -- --measurement-time 3 --warm-up-time 1`

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};

#[path = "support/cpu_time.rs"]
mod cpu_time;
use cpu_time::CpuTime;

use callsim::analytic::ErlangA;
use callsim::engine::simulate;
use callsim::model::Model;
use callsim::routing::{EventByEvent, SkillPriority};
use callsim::scenario::Source;

/// Calls each replication simulates, about.
const CALLS: f64 = 400_000.0;

fn model(name: &str, toml: String) -> Model {
    Source {
        origin: format!("<bench {name}>"),
        text: toml,
    }
    .load()
    .expect("bench scenario is valid")
}

/// One call type served by one group: `rate` calls/h for `hours`, AHT 4 min, exponential
/// patience with mean `patience`, and `extra` appended to the call type.
fn single_queue(agents: u32, rate: f64, hours: u32, patience: &str, extra: &str) -> String {
    format!(
        "name = \"scaling\"\n[simulation]\nduration = \"{hours}h\"\ninterval = \"{hours}h\"\nreplications = 1\n\
         [[call_types]]\nname = \"q\"\narrival_rate = {rate}\n\
         handle_time = {{ distribution = \"exponential\", mean = \"4m\" }}\n\
         patience = {{ distribution = \"exponential\", mean = \"{patience}\" }}\n{extra}\
         [[agent_groups]]\nname = \"agents\"\nagents = {agents}\nskills = [\"q\"]\n"
    )
}

/// Hours of arrivals at `rate` calls/h that make about [`CALLS`] calls.
fn hours_for(rate: f64) -> u32 {
    (CALLS / rate).ceil() as u32
}

/// Times one replication of each `(label, model)` in group `name`, in calls per second.
fn bench_sizes(
    c: &mut Criterion<CpuTime>,
    name: &str,
    parameter: &str,
    models: &[(String, Model)],
) {
    let mut group = c.benchmark_group(name);
    group.sample_size(10);
    for (label, model) in models {
        let calls = simulate(model, SkillPriority::new(model), 0)
            .measures(model)
            .total
            .offered as u64;
        group.throughput(Throughput::Elements(calls));
        group.bench_function(BenchmarkId::new(parameter, label), |b| {
            b.iter(|| simulate(black_box(model), SkillPriority::new(model), 0))
        });
        let event_loop = format!("{parameter}_event_loop");
        group.bench_function(BenchmarkId::new(event_loop, label), |b| {
            b.iter(|| simulate(black_box(model), EventByEvent(SkillPriority::new(model)), 0))
        });
    }
    group.finish();
}

fn flat_agents(c: &mut Criterion<CpuTime>) {
    let models: Vec<(String, Model)> = [10u32, 100, 1_000, 10_000]
        .into_iter()
        .map(|agents| {
            // 0.95 Erlangs per agent at 15 calls per agent-hour (AHT 4 min).
            let rate = f64::from(agents) * 0.95 * 15.0;
            let toml = single_queue(agents, rate, hours_for(rate), "2m", "");
            (agents.to_string(), model("flat_agents", toml))
        })
        .collect();
    bench_sizes(c, "flat_agents", "agents", &models);
}

fn flat_queue(c: &mut Criterion<CpuTime>) {
    const AGENTS: u32 = 100;
    const RATE: f64 = 15_000.0;
    let models: Vec<(String, Model)> = [
        ("30s", 30.0),
        ("5m", 300.0),
        ("45m", 2700.0),
        ("4h", 14_400.0),
    ]
    .into_iter()
    .map(|(patience, patience_s)| {
        let waiting = ErlangA {
            agents: AGENTS,
            calls_per_second: RATE / 3600.0,
            aht_s: 240.0,
            patience_s,
        }
        .mean_queue_length();
        let toml = single_queue(AGENTS, RATE, hours_for(RATE), patience, "");
        (format!("{waiting:.0}"), model("flat_queue", toml))
    })
    .collect();
    bench_sizes(c, "flat_queue", "waiting", &models);
}

/// The 100-agent queue behind an IVR whose time has `distribution` with means giving about
/// 10, 1,000, 10,000 and 100,000 callers in the IVR.
fn timers(c: &mut Criterion<CpuTime>, name: &str, distribution: &str) {
    const RATE: f64 = 1425.0;
    let models: Vec<(String, Model)> = [
        ("25s", 25.0),
        ("42m", 2520.0),
        ("7h", 25_200.0),
        ("70h", 252_000.0),
    ]
    .into_iter()
    .map(|(ivr, ivr_s)| {
        let pending = RATE / 3600.0 * ivr_s;
        let time = match distribution {
            "constant" => format!("{{ distribution = \"constant\", value = \"{ivr}\" }}"),
            _ => format!("{{ distribution = \"{distribution}\", mean = \"{ivr}\" }}"),
        };
        let extra = format!("ivr = {{ time = {time}, self_service = 0.0 }}\n");
        let hours = hours_for(RATE).max(4 * 70);
        let toml = single_queue(100, RATE, hours, "2m", &extra);
        (format!("{pending:.0}"), model(name, toml))
    })
    .collect();
    bench_sizes(c, name, "pending", &models);
}

fn flat_timers(c: &mut Criterion<CpuTime>) {
    timers(c, "flat_timers", "constant");
}

fn flat_random_timers(c: &mut Criterion<CpuTime>) {
    timers(c, "flat_random_timers", "exponential");
}

criterion_group! {
    name = benches;
    config = cpu_time::criterion();
    targets = flat_agents, flat_queue, flat_timers, flat_random_timers
}
criterion_main!(benches);
