//! callsim against an independent simulator of the same centre: a short event loop written
//! apart from the engine (std `BinaryHeap` calendar, one `VecDeque` per call type, its own
//! random numbers), fed a multi-skill centre with specialists, generalists and impatient
//! callers, must give the same service level, abandon rate and ASA per call type as
//! `callsim run`, within their joint confidence. Where no formula exists, this is how the
//! routing's semantics are held to what the README says they are.

use std::cmp::{Ordering, Reverse};
use std::collections::{BinaryHeap, VecDeque};

use rand::SeedableRng;
use rand_distr::{Distribution, Exp};
use rand_xoshiro::Xoshiro256PlusPlus;

use crate::support::model;

/// Standard errors of the difference allowed: the two are independent runs.
const K: f64 = 4.0;

/// A call type of the reference centre.
struct CallType {
    calls_per_hour: f64,
    aht_s: f64,
    patience_s: f64,
}

/// An agent group: its headcount and its skills, most preferred first.
struct Group {
    agents: u32,
    skills: &'static [usize],
}

/// Two call types; two specialist groups and generalists serving A before B. Under
/// skill-priority an arriving call tries its specialists, then the generalists; a freed
/// agent takes the first of its skills with calls waiting, its longest-waiting call.
const TYPES: [CallType; 2] = [
    CallType {
        calls_per_hour: 100.0,
        aht_s: 240.0,
        patience_s: 180.0,
    },
    CallType {
        calls_per_hour: 60.0,
        aht_s: 360.0,
        patience_s: 180.0,
    },
];
const GROUPS: [Group; 3] = [
    Group {
        agents: 5,
        skills: &[0],
    },
    Group {
        agents: 5,
        skills: &[1],
    },
    Group {
        agents: 3,
        skills: &[0, 1],
    },
];
/// Per call type, the groups an arriving call tries, in order.
const PREFERENCE: [&[usize]; 2] = [&[0, 2], &[1, 2]];
const HOURS: f64 = 200.0;
const WARMUP_HOURS: f64 = 2.0;
const THRESHOLD_S: f64 = 20.0;
const REPLICATIONS: u32 = 40;

#[derive(Clone, Copy, PartialEq)]
enum Kind {
    Arrival(usize),
    TalkEnd(usize),
    Patience(usize, u64),
}

struct Event {
    time: f64,
    seq: u64,
    kind: Kind,
}

impl Ord for Event {
    fn cmp(&self, other: &Self) -> Ordering {
        self.time
            .total_cmp(&other.time)
            .then(self.seq.cmp(&other.seq))
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

/// What one replication counted for one call type (calls arriving after the warm-up).
#[derive(Default, Clone, Copy)]
struct Counts {
    answered: f64,
    within: f64,
    abandoned: f64,
    wait_s: f64,
}

/// One day of the reference centre, the generalists taking `generalist_skills` in order.
fn reference_day(seed: u64, generalist_skills: &[usize]) -> [Counts; 2] {
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
    let (end, warmup) = (HOURS * 3600.0, WARMUP_HOURS * 3600.0);
    let mut calendar: BinaryHeap<Reverse<Event>> = BinaryHeap::new();
    let mut seq = 0;
    let mut schedule = |calendar: &mut BinaryHeap<Reverse<Event>>, time: f64, kind: Kind| {
        seq += 1;
        calendar.push(Reverse(Event { time, seq, kind }));
    };
    let exp = |mean: f64| Exp::new(1.0 / mean).expect("a positive mean");
    let mut idle: Vec<u32> = GROUPS.iter().map(|g| g.agents).collect();
    // Waiting callers per type: (id, arrival); ids of those who hung up are skipped.
    let mut queues: [VecDeque<(u64, f64)>; 2] = [VecDeque::new(), VecDeque::new()];
    let mut hung_up: Vec<bool> = Vec::new();
    let mut counts = [Counts::default(); 2];
    for (t, spec) in TYPES.iter().enumerate() {
        let first = exp(3600.0 / spec.calls_per_hour).sample(&mut rng);
        schedule(&mut calendar, first, Kind::Arrival(t));
    }
    while let Some(Reverse(Event {
        time: now, kind, ..
    })) = calendar.pop()
    {
        match kind {
            Kind::Arrival(t) => {
                let spec = &TYPES[t];
                let next = now + exp(3600.0 / spec.calls_per_hour).sample(&mut rng);
                if next < end {
                    schedule(&mut calendar, next, Kind::Arrival(t));
                }
                if let Some(&g) = PREFERENCE[t].iter().find(|&&g| idle[g] > 0) {
                    idle[g] -= 1;
                    count_answer(&mut counts[t], now, now);
                    let talk = exp(spec.aht_s).sample(&mut rng);
                    schedule(&mut calendar, now + talk, Kind::TalkEnd(g));
                } else {
                    let id = hung_up.len() as u64;
                    hung_up.push(false);
                    queues[t].push_back((id, now));
                    let patience = exp(spec.patience_s).sample(&mut rng);
                    schedule(&mut calendar, now + patience, Kind::Patience(t, id));
                }
            }
            Kind::TalkEnd(g) => {
                let skills = if g == 2 {
                    generalist_skills
                } else {
                    GROUPS[g].skills
                };
                let next = skills.iter().find_map(|&t| {
                    while queues[t]
                        .front()
                        .is_some_and(|&(id, _)| hung_up[id as usize])
                    {
                        queues[t].pop_front();
                    }
                    queues[t].pop_front().map(|(_, arrived)| (t, arrived))
                });
                match next {
                    Some((t, arrived)) => {
                        count_answer(&mut counts[t], arrived, now);
                        let talk = exp(TYPES[t].aht_s).sample(&mut rng);
                        schedule(&mut calendar, now + talk, Kind::TalkEnd(g));
                    }
                    None => idle[g] += 1,
                }
            }
            Kind::Patience(t, id) => {
                // Still waiting if it is in the queue (answered callers have left it).
                if let Some(&(_, arrived)) = queues[t].iter().find(|&&(i, _)| i == id) {
                    hung_up[id as usize] = true;
                    if arrived >= warmup {
                        counts[t].abandoned += 1.0;
                    }
                }
            }
        }
    }
    counts
}

/// An answered call of a counted caller (arrived after the warm-up).
fn count_answer(counts: &mut Counts, arrived: f64, now: f64) {
    if arrived >= WARMUP_HOURS * 3600.0 {
        let wait = now - arrived;
        counts.answered += 1.0;
        counts.within += f64::from(u8::from(wait <= THRESHOLD_S));
        counts.wait_s += wait;
    }
}

/// A measure of one call type's day in the reference.
type Measure = fn(&Counts) -> f64;

/// Mean and standard error of one number per replication.
fn mean_and_se(values: &[f64]) -> (f64, f64) {
    let n = values.len() as f64;
    let mean = values.iter().sum::<f64>() / n;
    let variance = values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (n - 1.0);
    (mean, (variance / n).sqrt())
}

#[test]
fn a_multi_skill_centre_agrees_with_an_independent_simulator() {
    let reference = |generalist_skills: &[usize]| -> Vec<[Counts; 2]> {
        (0..REPLICATIONS)
            .map(|r| reference_day(1_000 + u64::from(r), generalist_skills))
            .collect()
    };
    let days = reference(GROUPS[2].skills);
    // The same reference with the generalists preferring B: the check must tell them apart.
    let b_first = reference(&[1, 0]);
    let scenario = format!(
        r#"
name = "reference centre"
[simulation]
duration = "{HOURS}h"
warmup = "{WARMUP_HOURS}h"
replications = {REPLICATIONS}
seed = 5
interval = "{HOURS}h"
[service_level]
threshold = "{THRESHOLD_S}s"
{types}
{groups}
"#,
        types = TYPES
            .iter()
            .enumerate()
            .map(|(t, c)| format!(
                "[[call_types]]\nname = \"{}\"\narrival_rate = {}\nhandle_time = {{ distribution = \"exponential\", mean = \"{}s\" }}\npatience = {{ distribution = \"exponential\", mean = \"{}s\" }}\n",
                ["A", "B"][t],
                c.calls_per_hour,
                c.aht_s,
                c.patience_s
            ))
            .collect::<String>(),
        groups = GROUPS
            .iter()
            .enumerate()
            .map(|(g, group)| format!(
                "[[agent_groups]]\nname = \"{}\"\nagents = {}\nskills = [{}]\n",
                ["A specialists", "B specialists", "generalists"][g],
                group.agents,
                group
                    .skills
                    .iter()
                    .map(|&t| format!("\"{}\"", ["A", "B"][t]))
                    .collect::<Vec<_>>()
                    .join(", ")
            ))
            .collect::<String>(),
    );
    let report = callsim::run(&model(&scenario), &callsim::RunOptions::default());
    let mut farthest_from_b_first: f64 = 0.0;
    for (t, name) in ["A", "B"].into_iter().enumerate() {
        let ours = &report
            .call_types
            .iter()
            .find(|c| c.name == name)
            .expect("the call type is reported")
            .block;
        let measures: [(&str, Measure, callsim::stats::Stat); 3] = [
            (
                "service level",
                |c| c.within / (c.answered + c.abandoned),
                ours.service_level,
            ),
            (
                "abandon rate",
                |c| c.abandoned / (c.answered + c.abandoned),
                ours.abandon_rate,
            ),
            ("ASA", |c| c.wait_s / c.answered, ours.asa_s),
        ];
        for (measure, of_day, simulated) in measures {
            let mean = simulated.mean.expect("measured");
            let se = simulated.ci95.expect("measured")
                / callsim::stats::student_t_975(REPLICATIONS as usize - 1);
            let distance_to = |days: &[[Counts; 2]]| {
                let per_day: Vec<f64> = days.iter().map(|d| of_day(&d[t])).collect();
                let (reference_mean, reference_se) = mean_and_se(&per_day);
                let joint = (reference_se.powi(2) + se.powi(2)).sqrt();
                (reference_mean, (mean - reference_mean).abs() / joint)
            };
            farthest_from_b_first = farthest_from_b_first.max(distance_to(&b_first).1);
            let (reference_mean, distance) = distance_to(&days);
            eprintln!(
                "{name} {measure}: callsim {mean:.5}, reference {reference_mean:.5} ({distance:.2} SE)"
            );
            assert!(
                distance <= K,
                "{name} {measure}: callsim {mean:.5}, independent simulator {reference_mean:.5}: {distance:.1} standard errors apart"
            );
        }
    }
    eprintln!("generalists preferring B instead: up to {farthest_from_b_first:.1} SE from callsim");
    assert!(
        farthest_from_b_first > 2.0 * K,
        "the check cannot tell generalists preferring A from preferring B ({farthest_from_b_first:.1} SE)"
    );
}
