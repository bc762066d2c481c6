//! callsim's engine side by side with a naive event loop on the same queue, so the speed-up
//! over the obvious program is measured in one run rather than remembered.
//!
//! Each criterion group is one M/M/N+M queue (Erlang A), simulated by:
//! - `naive_loop`: the short simulator below (std `BinaryHeap` calendar, `VecDeque` queue,
//!   xoshiro256++, HdrHistogram of waits), the baseline a good engine should beat;
//! - `callsim_engine`: `callsim::engine::simulate`, the engine alone: for this single
//!   first-come-first-served queue, the queue's recursion (`engine/single_queue.rs`);
//! - `callsim_event_loop`: the same, event by event (`routing::EventByEvent`), as every
//!   centre with more than one queue runs;
//! - `callsim_run`: `callsim::run` with one thread and one replication, i.e. the engine plus
//!   measures and the report (the library's share of `callsim run --threads 1`).
//!
//! Criterion prints calls simulated per CPU second of the process ("elem/s", see
//! `support/cpu_time.rs`: figures hold on a loaded machine) for each. Before timing, the setup
//! checks that the naive loop simulates the same queue: its service level and abandonment
//! rate must agree with Erlang A's and with callsim's (`check_agreement`); otherwise the
//! bench panics rather than compare against a wrong baseline.
//!
//! `cargo bench --bench baseline -- --measurement-time 3 --warm-up-time 1`

use std::cmp::Ordering;
use std::collections::{BinaryHeap, VecDeque};
use std::hint::black_box;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};

#[path = "support/cpu_time.rs"]
mod cpu_time;
use cpu_time::CpuTime;
use hdrhistogram::Histogram;
use rand::SeedableRng;
use rand_distr::{Distribution, Exp};
use rand_xoshiro::Xoshiro256PlusPlus;

use callsim::analytic::ErlangA;
use callsim::engine::simulate;
use callsim::model::Model;
use callsim::routing::{EventByEvent, SkillPriority};
use callsim::scenario::Source;
use callsim::RunOptions;

/// An M/M/N+M queue, run for `hours` of arrivals (the calls then in the centre are finished).
#[derive(Debug, Clone, Copy)]
struct Queue {
    name: &'static str,
    agents: u32,
    calls_per_hour: f64,
    aht_s: f64,
    patience_s: f64,
    hours: u32,
}

/// The two queues of issue 12: the engine bench's single queue (100 agents, 95 Erlangs,
/// patience 2 min) and the Erlang A centre M/M/36+M (720 calls/h, AHT 3 min, patience 3 min).
const QUEUES: [Queue; 2] = [
    Queue {
        name: "single_queue_100_agents",
        agents: 100,
        calls_per_hour: 1425.0,
        aht_s: 240.0,
        patience_s: 120.0,
        hours: 100,
    },
    Queue {
        name: "erlang_a_m_m_36_m",
        agents: 36,
        calls_per_hour: 720.0,
        aht_s: 180.0,
        patience_s: 180.0,
        hours: 200,
    },
];

/// The service-level threshold, callsim's default.
const THRESHOLD_S: f64 = 20.0;

impl Queue {
    /// The same queue as a callsim scenario (one interval, one replication).
    fn scenario(&self) -> String {
        format!(
            "name = \"{name}\"\n[simulation]\nduration = \"{h}h\"\ninterval = \"{h}h\"\nreplications = 1\n\
             [service_level]\nthreshold = \"{t}s\"\n\
             [[call_types]]\nname = \"q\"\narrival_rate = {rate}\n\
             handle_time = {{ distribution = \"exponential\", mean = \"{aht}s\" }}\n\
             patience = {{ distribution = \"exponential\", mean = \"{patience}s\" }}\n\
             [[agent_groups]]\nname = \"agents\"\nagents = {agents}\nskills = [\"q\"]\n",
            name = self.name,
            h = self.hours,
            t = THRESHOLD_S,
            rate = self.calls_per_hour,
            aht = self.aht_s,
            patience = self.patience_s,
            agents = self.agents,
        )
    }

    fn erlang_a(&self) -> ErlangA {
        ErlangA {
            agents: self.agents,
            calls_per_second: self.calls_per_hour / 3600.0,
            aht_s: self.aht_s,
            patience_s: self.patience_s,
        }
    }
}

/// What the naive loop counts.
struct NaiveOutcome {
    offered: u64,
    answered: u64,
    abandoned: u64,
    answered_within_threshold: u64,
    /// Waits of answered calls, milliseconds.
    waits_ms: Histogram<u64>,
}

impl NaiveOutcome {
    /// Counts a call answered after `wait` seconds.
    fn answer(&mut self, wait: f64) {
        self.answered += 1;
        self.answered_within_threshold += u64::from(wait <= THRESHOLD_S);
        self.waits_ms.saturating_record((wait * 1000.0) as u64);
    }
    fn service_level(&self) -> f64 {
        self.answered_within_threshold as f64 / (self.answered + self.abandoned) as f64
    }
    fn abandon_rate(&self) -> f64 {
        self.abandoned as f64 / (self.answered + self.abandoned) as f64
    }
}

enum Kind {
    Arrival,
    ServiceEnd,
    /// The patience of waiting call `call` runs out (stale if it was answered).
    Patience {
        call: u64,
    },
}

/// A calendar entry: earliest time first, ties in scheduling order.
struct Event {
    time: f64,
    seq: u64,
    kind: Kind,
}

impl Ord for Event {
    fn cmp(&self, other: &Self) -> Ordering {
        (other.time.total_cmp(&self.time)).then(other.seq.cmp(&self.seq))
    }
}
impl PartialOrd for Event {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl PartialEq for Event {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}
impl Eq for Event {}

/// The event calendar: a binary heap and the scheduling counter that breaks ties.
#[derive(Default)]
struct Calendar {
    heap: BinaryHeap<Event>,
    seq: u64,
}

impl Calendar {
    fn schedule(&mut self, time: f64, kind: Kind) {
        self.seq += 1;
        self.heap.push(Event {
            time,
            seq: self.seq,
            kind,
        });
    }
}

/// A caller in the queue; `gone` once their patience ran out.
struct Waiting {
    call: u64,
    arrived: f64,
    gone: bool,
}

/// The obvious discrete-event simulation of `queue`, FIFO, one seed.
fn naive_loop(queue: &Queue, seed: u64) -> NaiveOutcome {
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
    let gap = Exp::new(queue.calls_per_hour / 3600.0).expect("positive rate");
    let handle = Exp::new(1.0 / queue.aht_s).expect("positive AHT");
    let patience = Exp::new(1.0 / queue.patience_s).expect("positive patience");
    let end = f64::from(queue.hours) * 3600.0;

    let mut out = NaiveOutcome {
        offered: 0,
        answered: 0,
        abandoned: 0,
        answered_within_threshold: 0,
        waits_ms: Histogram::new(3).expect("3 significant figures are valid"),
    };
    let mut calendar = Calendar::default();
    let mut waiting: VecDeque<Waiting> = VecDeque::new();
    let mut idle = queue.agents;
    let mut next_call = 0u64;

    calendar.schedule(gap.sample(&mut rng), Kind::Arrival);
    while let Some(Event {
        time: now, kind, ..
    }) = calendar.heap.pop()
    {
        match kind {
            Kind::Arrival => {
                out.offered += 1;
                let next = now + gap.sample(&mut rng);
                if next < end {
                    calendar.schedule(next, Kind::Arrival);
                }
                if idle > 0 {
                    idle -= 1;
                    out.answer(0.0);
                    calendar.schedule(now + handle.sample(&mut rng), Kind::ServiceEnd);
                } else {
                    let call = next_call;
                    next_call += 1;
                    waiting.push_back(Waiting {
                        call,
                        arrived: now,
                        gone: false,
                    });
                    let hang_up = now + patience.sample(&mut rng);
                    calendar.schedule(hang_up, Kind::Patience { call });
                }
            }
            Kind::ServiceEnd => match waiting.pop_front() {
                // Callers who hung up are popped as soon as they reach the front, so the
                // front caller is still waiting.
                Some(caller) => {
                    out.answer(now - caller.arrived);
                    calendar.schedule(now + handle.sample(&mut rng), Kind::ServiceEnd);
                    while waiting.front().is_some_and(|w| w.gone) {
                        waiting.pop_front();
                    }
                }
                None => idle += 1,
            },
            Kind::Patience { call } => {
                // Waiting calls are in call order; a call no longer there was answered.
                if let Ok(i) = waiting.binary_search_by_key(&call, |w| w.call) {
                    waiting[i].gone = true;
                    out.abandoned += 1;
                    while waiting.front().is_some_and(|w| w.gone) {
                        waiting.pop_front();
                    }
                }
            }
        }
    }
    out
}

fn model(queue: &Queue) -> Model {
    Source {
        origin: format!("<bench {}>", queue.name),
        text: queue.scenario(),
    }
    .load()
    .expect("bench scenario is valid")
}

/// Panics unless the naive loop's and callsim's service level and abandonment rate are both
/// within sampling error of Erlang A's (absolute 0.02 and 0.01 on ~140,000 calls; the
/// replications' spread is a few thousandths). Returns the calls each simulated.
fn check_agreement(queue: &Queue, model: &Model) -> (u64, u64) {
    let theory = queue.erlang_a();
    let (sl, abandon) = (theory.service_level(THRESHOLD_S), theory.abandon_rate());
    let naive = naive_loop(queue, 1);
    let engine = simulate(model, SkillPriority::new(model), 0)
        .measures(model)
        .total;
    let engine_sl = engine.service_level.expect("calls were offered");
    let engine_abandon = engine.abandon_rate.expect("calls were offered");
    let p50 = naive.waits_ms.value_at_quantile(0.5);
    eprintln!(
        "{}: Erlang A SL {sl:.4} abandon {abandon:.4} | naive SL {:.4} abandon {:.4} (median wait {p50} ms, {} calls) | callsim SL {engine_sl:.4} abandon {engine_abandon:.4} ({} calls)",
        queue.name,
        naive.service_level(),
        naive.abandon_rate(),
        naive.offered,
        engine.offered,
    );
    for (who, got_sl, got_abandon) in [
        ("naive loop", naive.service_level(), naive.abandon_rate()),
        ("callsim", engine_sl, engine_abandon),
    ] {
        assert!(
            (got_sl - sl).abs() < 0.02 && (got_abandon - abandon).abs() < 0.01,
            "{}: the {who} disagrees with Erlang A (SL {got_sl:.4} vs {sl:.4}, abandon {got_abandon:.4} vs {abandon:.4})",
            queue.name
        );
    }
    assert_eq!(
        naive.offered,
        naive.answered + naive.abandoned,
        "every call ends"
    );
    (naive.offered, engine.offered as u64)
}

fn baseline(c: &mut Criterion<CpuTime>) {
    for queue in &QUEUES {
        let model = model(queue);
        let (naive_calls, engine_calls) = check_agreement(queue, &model);
        let mut group = c.benchmark_group(format!("baseline/{}", queue.name));
        group.sample_size(20);
        group.throughput(Throughput::Elements(naive_calls));
        group.bench_function(BenchmarkId::new("naive_loop", naive_calls), |b| {
            b.iter(|| naive_loop(black_box(queue), 1).offered)
        });
        group.throughput(Throughput::Elements(engine_calls));
        group.bench_function(BenchmarkId::new("callsim_engine", engine_calls), |b| {
            b.iter(|| simulate(black_box(&model), SkillPriority::new(&model), 0))
        });
        group.bench_function(BenchmarkId::new("callsim_event_loop", engine_calls), |b| {
            b.iter(|| {
                simulate(
                    black_box(&model),
                    EventByEvent(SkillPriority::new(&model)),
                    0,
                )
            })
        });
        let one_thread = RunOptions {
            replications: Some(1),
            threads: Some(1),
            ..Default::default()
        };
        group.bench_function(BenchmarkId::new("callsim_run", engine_calls), |b| {
            b.iter(|| callsim::run(black_box(&model), &one_thread))
        });
        group.finish();
    }
}

criterion_group! {
    name = benches;
    config = cpu_time::criterion();
    targets = baseline
}
criterion_main!(benches);
