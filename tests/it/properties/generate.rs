//! Random valid scenarios that mix every feature of the format, as TOML text.
//!
//! A [`Spec`] is a small plain description (a few hours, a few call types and groups, tens to
//! hundreds of calls); [`Spec::toml`] writes it as a scenario file, which the tests load
//! through the normal [`callsim::scenario::Source`] path. Every choice is drawn by a
//! proptest strategy, so a failing case shrinks towards fewer types, groups and features;
//! [`Case`] prints as its TOML, so the shrunk failure reads as a scenario.
//!
//! Validity by construction: transfers only go to a later call type (chains, never loops);
//! every call type is a skill of some group; overflow and reserve entries name only groups
//! with the skill; breaks are dropped when they do not fit their shift or would fill it.

use std::fmt::{self, Write as _};

use proptest::collection::vec;
use proptest::option;
use proptest::prelude::*;

/// Values per interval are drawn this long and cut to the day's intervals.
const MAX_INTERVALS: usize = 12;

/// A distribution, every kind the format knows; times in whole seconds.
#[derive(Debug, Clone)]
pub enum Dist {
    Exponential { mean: u32 },
    Constant { value: u32 },
    Uniform { min: u32, max: u32 },
    Lognormal { mean: u32, cv: f64 },
    Gamma { mean: u32, cv: f64 },
    Erlang { mean: u32, k: u32 },
    Empirical { values: Vec<u32> },
}

impl Dist {
    fn toml(&self) -> String {
        match self {
            Dist::Exponential { mean } => {
                format!("{{ distribution = \"exponential\", mean = \"{mean}s\" }}")
            }
            Dist::Constant { value } => {
                format!("{{ distribution = \"constant\", value = \"{value}s\" }}")
            }
            Dist::Uniform { min, max } => format!(
                "{{ distribution = \"uniform\", min = \"{min}s\", max = \"{}s\" }}",
                min + max
            ),
            Dist::Lognormal { mean, cv } => {
                format!("{{ distribution = \"lognormal\", mean = \"{mean}s\", cv = {cv} }}")
            }
            Dist::Gamma { mean, cv } => {
                format!("{{ distribution = \"gamma\", mean = \"{mean}s\", cv = {cv} }}")
            }
            Dist::Erlang { mean, k } => {
                format!("{{ distribution = \"erlang\", mean = \"{mean}s\", k = {k} }}")
            }
            Dist::Empirical { values } => {
                let values: Vec<String> = values.iter().map(|v| format!("\"{v}s\"")).collect();
                format!(
                    "{{ distribution = \"empirical\", values = [{}] }}",
                    values.join(", ")
                )
            }
        }
    }
}

/// A distribution of times with mean roughly in `lo..hi` seconds (never always zero).
fn dist(lo: u32, hi: u32) -> impl Strategy<Value = Dist> {
    let cv = (1u32..=15).prop_map(|c| c as f64 / 10.0);
    prop_oneof![
        (lo..hi).prop_map(|mean| Dist::Exponential { mean }),
        (lo..hi).prop_map(|value| Dist::Constant { value }),
        (0..lo.max(1), 1..hi).prop_map(|(min, max)| Dist::Uniform { min, max }),
        ((lo..hi), cv.clone()).prop_map(|(mean, cv)| Dist::Lognormal { mean, cv }),
        ((lo..hi), cv).prop_map(|(mean, cv)| Dist::Gamma { mean, cv }),
        ((lo..hi), 1u32..5).prop_map(|(mean, k)| Dist::Erlang { mean, k }),
        vec(lo..hi, 1..4).prop_map(|values| Dist::Empirical { values }),
    ]
}

/// Arrivals: one rate for the day, or one per interval.
#[derive(Debug, Clone)]
pub enum Rate {
    Constant(u32),
    PerInterval(Vec<u32>),
}

/// Headcount: constant, per interval, or shifts.
#[derive(Debug, Clone)]
pub enum Staffing {
    Agents(u32),
    ByInterval(Vec<u32>),
    Shifts(Vec<ShiftSpec>),
}

/// A shift, in minutes from the start of the day; its break is dropped if it does not fit.
#[derive(Debug, Clone)]
pub struct ShiftSpec {
    pub start_min: u32,
    pub length_min: u32,
    pub agents: u32,
    pub break_at_min: Option<(u32, u32)>,
}

#[derive(Debug, Clone)]
pub struct Tiers {
    /// The first tier's share, in percent (the second has the rest).
    pub gold_percent: u32,
    pub gold_priority: Option<u32>,
    pub gold_patience: Option<Dist>,
    /// The first tier's own service-level target, in percent.
    pub gold_target: Option<u32>,
}

#[derive(Debug, Clone)]
pub struct TypeSpec {
    pub rate: Rate,
    pub handle: Dist,
    pub patience: Option<Dist>,
    pub priority: Option<u32>,
    pub weight: Option<u32>,
    pub tiers: Option<Tiers>,
    pub trunks: Option<u32>,
    pub ivr: Option<(Dist, u32)>,
    pub retrial: Option<(u32, Dist, u32)>,
    pub wrap_up: Option<Dist>,
    /// Share in percent, and how many types further on the target is.
    pub transfer: Option<(u32, usize)>,
    pub unresolved: Option<(u32, Dist)>,
    /// Offer threshold (s), share (%), answer within (min), priority.
    pub callback: Option<(u32, u32, Option<u32>, Option<u32>)>,
    /// A service-level threshold of its own (seconds) and a target of its own (percent).
    pub service_level: (Option<u32>, Option<u32>),
}

#[derive(Debug, Clone)]
pub struct GroupSpec {
    /// Call types served, by index modulo the number of types (duplicates are dropped).
    pub skills: Vec<usize>,
    pub staffing: Staffing,
    pub shrinkage: Option<u32>,
    pub max_concurrent: Option<u32>,
    /// Percent per extra contact.
    pub slowdown: Option<u32>,
}

/// The base routing policies.
pub const POLICIES: [&str; 6] = [
    "skill-priority",
    "longest-idle",
    "priority",
    "weighted-wait",
    "overflow",
    "reserve",
];

#[derive(Debug, Clone)]
pub struct RoutingSpec {
    pub base: usize,
    pub overflow: bool,
    pub reserve: bool,
    pub aging: Option<u32>,
    /// Per call type: seconds before the other groups with the skill may take it.
    pub overflow_after: Vec<u32>,
    /// Group (index), agents kept back, and whether for the type's first tier only.
    pub reserve_for: (usize, u32, bool),
}

/// The scenario-wide targets of `[service_level]` (they judge the report and steer
/// `staff`; they never change what is simulated).
#[derive(Debug, Clone, Default)]
pub struct Targets {
    /// Service level, percent.
    pub service_level: Option<u32>,
    /// Abandon rate, percent.
    pub max_abandon_rate: Option<u32>,
    /// ASA, seconds.
    pub max_asa_s: Option<u32>,
    /// Occupancy, percent.
    pub max_occupancy: Option<u32>,
}

fn targets() -> impl Strategy<Value = Targets> {
    (
        option::of(50u32..100),
        option::of(1u32..40),
        option::of(1u32..300),
        option::of(50u32..=100),
    )
        .prop_map(
            |(service_level, max_abandon_rate, max_asa_s, max_occupancy)| Targets {
                service_level,
                max_abandon_rate,
                max_asa_s,
                max_occupancy,
            },
        )
}

/// A whole scenario.
#[derive(Debug, Clone)]
pub struct Spec {
    pub hours: u32,
    pub interval_min: u32,
    pub warmup: bool,
    pub seed: u32,
    pub replications: u32,
    pub threshold_s: u32,
    pub targets: Targets,
    pub trunks: Option<u32>,
    pub busyness_percent: Option<u32>,
    pub types: Vec<TypeSpec>,
    pub groups: Vec<GroupSpec>,
    pub routing: Option<RoutingSpec>,
}

fn rate() -> impl Strategy<Value = Rate> {
    prop_oneof![
        4 => (5u32..120).prop_map(Rate::Constant),
        4 => vec(0u32..120, MAX_INTERVALS).prop_map(Rate::PerInterval),
        // No caller dials it: only transfers bring its calls (tier 2 of a help desk).
        1 => Just(Rate::PerInterval(vec![0; MAX_INTERVALS])),
    ]
}

fn staffing() -> impl Strategy<Value = Staffing> {
    let shift = (0u32..12, 1u32..13, 1u32..6, option::of((0u32..8, 1u32..4))).prop_map(
        |(start, length, agents, brk)| ShiftSpec {
            start_min: start * 15,
            length_min: length * 15,
            agents,
            break_at_min: brk.map(|(at, len)| (at * 15, len * 5)),
        },
    );
    prop_oneof![
        (0u32..10).prop_map(Staffing::Agents),
        vec(0u32..10, MAX_INTERVALS).prop_map(Staffing::ByInterval),
        vec(shift, 1..3).prop_map(Staffing::Shifts),
    ]
}

fn call_type() -> impl Strategy<Value = TypeSpec> {
    let tiers = (
        10u32..90,
        option::of(0u32..4),
        option::of(dist(10, 300)),
        option::of(50u32..100),
    )
        .prop_map(
            |(gold_percent, gold_priority, gold_patience, gold_target)| Tiers {
                gold_percent,
                gold_priority,
                gold_patience,
                gold_target,
            },
        );
    (
        (
            rate(),
            dist(20, 600),
            option::of(dist(5, 400)),
            option::of(0u32..4),
            option::of(1u32..4),
            option::of(tiers),
            option::of(1u32..20),
        ),
        (
            option::of((dist(5, 60), 0u32..60)),
            option::of((0u32..=100, dist(10, 300), 2u32..5)),
            option::of(dist(1, 60)),
            option::of((1u32..60, 1usize..3)),
            option::of((1u32..40, dist(60, 1800))),
            option::of((
                5u32..180,
                0u32..=100,
                option::of(5u32..60),
                option::of(0u32..4),
            )),
            (option::of(5u32..60), option::of(50u32..100)),
        ),
    )
        .prop_map(
            |(
                (rate, handle, patience, priority, weight, tiers, trunks),
                (ivr, retrial, wrap_up, transfer, unresolved, callback, service_level),
            )| TypeSpec {
                rate,
                handle,
                patience,
                priority,
                weight,
                tiers,
                trunks,
                ivr,
                retrial,
                wrap_up,
                transfer,
                unresolved,
                callback,
                service_level,
            },
        )
}

fn group() -> impl Strategy<Value = GroupSpec> {
    (
        vec(0usize..3, 1..4),
        staffing(),
        option::of(0u32..40),
        option::of(1u32..5),
        option::of(0u32..50),
    )
        .prop_map(
            |(skills, staffing, shrinkage, max_concurrent, slowdown)| GroupSpec {
                skills,
                staffing,
                shrinkage,
                max_concurrent,
                // A slowdown is refused on agents who hold one contact at a time.
                slowdown: slowdown.filter(|_| max_concurrent.is_some_and(|m| m > 1)),
            },
        )
}

pub fn routing_spec() -> impl Strategy<Value = RoutingSpec> {
    (
        0..POLICIES.len(),
        any::<bool>(),
        any::<bool>(),
        option::of(10u32..120),
        vec(0u32..90, 3),
        (0usize..3, 1u32..3, any::<bool>()),
    )
        .prop_map(
            |(base, overflow, reserve, aging, overflow_after, reserve_for)| RoutingSpec {
                base,
                overflow,
                reserve,
                aging,
                overflow_after,
                reserve_for,
            },
        )
}

/// Any valid scenario of the generator's family.
pub fn spec() -> impl Strategy<Value = Spec> {
    (
        (
            1u32..4,
            prop_oneof![Just(15u32), Just(30), Just(60)],
            any::<bool>(),
            0u32..1000,
            1u32..3,
            (5u32..60, targets()),
            option::of(1u32..40),
            option::of(1u32..50),
        ),
        vec(call_type(), 1..4),
        vec(group(), 1..4),
        option::of(routing_spec()),
    )
        .prop_map(
            |(
                (
                    hours,
                    interval_min,
                    warmup,
                    seed,
                    replications,
                    (threshold_s, targets),
                    trunks,
                    busy,
                ),
                types,
                groups,
                routing,
            )| Spec {
                hours,
                interval_min,
                warmup,
                seed,
                replications,
                threshold_s,
                targets,
                trunks,
                busyness_percent: busy,
                types,
                groups,
                routing,
            },
        )
}

/// A generated scenario; it prints as its TOML so that a shrunk failure reads as a file.
#[derive(Clone)]
pub struct Case {
    pub spec: Spec,
    pub toml: String,
}

impl fmt::Debug for Case {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "scenario:\n{}", self.toml)
    }
}

/// Random valid scenarios, as [`Case`]s.
pub fn case() -> impl Strategy<Value = Case> {
    spec().prop_map(|spec| Case {
        toml: spec.toml(),
        spec,
    })
}

/// Random single first-come-first-served queues: one call type (tiers of one priority; no
/// redials, transfers, repeat calls or callbacks) answered by one group of single-contact
/// agents staffed by interval, under any policy but reservations, at one to three times the
/// generator's load: the centres the engine runs by the queue's recursion. Every other
/// choice (distributions, patience, wrap-up, lines, IVR, tiers' own patience and targets,
/// headcounts that rise and fall with callers waiting, shrinkage, warm-up, busyness) is
/// drawn as for [`case`].
pub fn single_queue_case() -> impl Strategy<Value = Case> {
    (spec(), 1u32..4).prop_map(|(mut spec, load)| {
        spec.types.truncate(1);
        let t = &mut spec.types[0];
        t.rate = match &t.rate {
            Rate::Constant(r) => Rate::Constant(r * load),
            Rate::PerInterval(rates) => Rate::PerInterval(rates.iter().map(|r| r * load).collect()),
        };
        t.retrial = None;
        t.transfer = None;
        t.unresolved = None;
        t.callback = None;
        spec.groups.truncate(1);
        let g = &mut spec.groups[0];
        g.skills = vec![0];
        g.max_concurrent = g.max_concurrent.map(|_| 1);
        g.slowdown = None;
        if let Staffing::Shifts(shifts) = &g.staffing {
            g.staffing = Staffing::Agents(shifts.iter().map(|s| s.agents).sum());
        }
        if let Some(r) = &mut spec.routing {
            r.reserve = false;
            if POLICIES[r.base] == "reserve" {
                r.base = 0;
            }
            // Tiers of one priority share one queue under `priority` (the generator gives
            // tiers no weight of their own, so they share it under `weighted-wait`).
            if POLICIES[r.base] == "priority" {
                if let Some(tiers) = &mut spec.types[0].tiers {
                    tiers.gold_priority = None;
                }
            }
        }
        Case {
            toml: spec.toml(),
            spec,
        }
    })
}

/// `HH:MM` for `minutes` after the day's start at `start_hour`, on a 24-hour clock (a
/// night centre's shifts run past midnight).
fn clock(start_hour: u32, minutes: u32) -> String {
    let m = (start_hour * 60 + minutes) % (24 * 60);
    format!("{:02}:{:02}", m / 60, m % 60)
}

fn type_name(t: usize) -> String {
    format!("t{t}")
}

fn group_name(g: usize) -> String {
    format!("g{g}")
}

/// `p` percent as the fraction the format wants.
fn percent(p: u32) -> f64 {
    p as f64 / 100.0
}

/// A type's or tier's own `service_level = { threshold, target }`, if it sets either.
fn own_service_level((threshold_s, target): (Option<u32>, Option<u32>)) -> Option<String> {
    let mut keys = Vec::new();
    if let Some(s) = threshold_s {
        keys.push(format!("threshold = \"{s}s\""));
    }
    if let Some(p) = target {
        keys.push(format!("target = {}", percent(p)));
    }
    (!keys.is_empty()).then(|| format!("{{ {} }}", keys.join(", ")))
}

fn list(values: impl IntoIterator<Item = String>) -> String {
    values.into_iter().collect::<Vec<_>>().join(", ")
}

impl Spec {
    /// The clock hour the day starts: 08:00, or 22:00 for every other seed (a night
    /// centre, whose shifts and breaks run past midnight).
    pub fn start_hour(&self) -> u32 {
        if self.seed % 2 == 0 {
            8
        } else {
            22
        }
    }

    /// The number of reporting intervals of the day.
    pub fn intervals(&self) -> usize {
        (self.hours * 60 / self.interval_min) as usize
    }

    /// The skills of group `g`, as call-type indices, most preferred first; every call type
    /// is served (type `t` by group `t % groups` at least).
    pub fn skills(&self, g: usize) -> Vec<usize> {
        let n = self.types.len();
        let mut skills: Vec<usize> = Vec::new();
        for &s in &self.groups[g].skills {
            if !skills.contains(&(s % n)) {
                skills.push(s % n);
            }
        }
        for t in (0..n).filter(|t| t % self.groups.len() == g) {
            if !skills.contains(&t) {
                skills.push(t);
            }
        }
        skills
    }

    /// The scenario file.
    pub fn toml(&self) -> String {
        let n = self.intervals();
        let day_min = self.hours * 60;
        let mut s = String::new();
        let w = &mut s;
        writeln!(w, "name = \"generated\"\n[simulation]").unwrap();
        writeln!(w, "duration = \"{}h\"", self.hours).unwrap();
        if self.warmup && n > 1 {
            writeln!(w, "warmup = \"{}m\"", self.interval_min).unwrap();
        }
        writeln!(w, "interval = \"{}m\"", self.interval_min).unwrap();
        writeln!(w, "start_time = \"{}\"", clock(self.start_hour(), 0)).unwrap();
        writeln!(w, "replications = {}", self.replications).unwrap();
        writeln!(w, "seed = {}", self.seed).unwrap();
        if let Some(trunks) = self.trunks {
            writeln!(w, "trunks = {trunks}").unwrap();
        }
        if let Some(b) = self.busyness_percent {
            writeln!(w, "busyness_cv = {}", b as f64 / 100.0).unwrap();
        }
        writeln!(w, "[service_level]\nthreshold = \"{}s\"", self.threshold_s).unwrap();
        let targets = &self.targets;
        if let Some(p) = targets.service_level {
            writeln!(w, "target = {}", percent(p)).unwrap();
        }
        if let Some(p) = targets.max_abandon_rate {
            writeln!(w, "max_abandon_rate = {}", percent(p)).unwrap();
        }
        if let Some(s) = targets.max_asa_s {
            writeln!(w, "max_asa = \"{s}s\"").unwrap();
        }
        if let Some(p) = targets.max_occupancy {
            writeln!(w, "max_occupancy = {}", percent(p)).unwrap();
        }

        let types = self.types.len();
        for (t, spec) in self.types.iter().enumerate() {
            writeln!(w, "\n[[call_types]]\nname = \"{}\"", type_name(t)).unwrap();
            match &spec.rate {
                Rate::Constant(r) => writeln!(w, "arrival_rate = {r}").unwrap(),
                Rate::PerInterval(rates) => {
                    // A type no caller dials and no transfer reaches is refused: then at
                    // least one call per hour. One reached by transfers keeps its zeros.
                    let transferred_in = self.types[..t]
                        .iter()
                        .enumerate()
                        .any(|(from, f)| f.transfer.is_some_and(|(_, ahead)| from + ahead == t));
                    let mut rates = rates[..n].to_vec();
                    if rates.iter().all(|&r| r == 0) && !transferred_in {
                        rates[0] = 1;
                    }
                    writeln!(
                        w,
                        "arrival_rates = [{}]",
                        list(rates.iter().map(u32::to_string))
                    )
                    .unwrap()
                }
            }
            writeln!(w, "handle_time = {}", spec.handle.toml()).unwrap();
            if let Some(p) = &spec.patience {
                writeln!(w, "patience = {}", p.toml()).unwrap();
            }
            if let Some(p) = spec.priority {
                writeln!(w, "priority = {p}").unwrap();
            }
            if let Some(x) = spec.weight {
                writeln!(w, "weight = {x}").unwrap();
            }
            if let Some(own) = own_service_level(spec.service_level) {
                writeln!(w, "service_level = {own}").unwrap();
            }
            if let Some(trunks) = spec.trunks {
                writeln!(w, "trunks = {trunks}").unwrap();
            }
            if let Some(tiers) = &spec.tiers {
                let mut gold = format!(
                    "{{ name = \"gold\", share = {}",
                    tiers.gold_percent as f64 / 100.0
                );
                if let Some(p) = tiers.gold_priority {
                    write!(gold, ", priority = {p}").unwrap();
                }
                if let Some(p) = &tiers.gold_patience {
                    write!(gold, ", patience = {}", p.toml()).unwrap();
                }
                if let Some(own) = own_service_level((None, tiers.gold_target)) {
                    write!(gold, ", service_level = {own}").unwrap();
                }
                gold.push_str(" }");
                writeln!(
                    w,
                    "tiers = [{gold}, {{ name = \"std\", share = {} }}]",
                    (100 - tiers.gold_percent) as f64 / 100.0
                )
                .unwrap();
            }
            if let Some((time, share)) = &spec.ivr {
                writeln!(
                    w,
                    "ivr = {{ time = {}, self_service = {} }}",
                    time.toml(),
                    *share as f64 / 100.0
                )
                .unwrap();
            }
            if let Some((p, delay, max)) = &spec.retrial {
                writeln!(
                    w,
                    "retrial = {{ probability = {}, delay = {}, max_attempts = {max} }}",
                    *p as f64 / 100.0,
                    delay.toml()
                )
                .unwrap();
            }
            if let Some(wrap) = &spec.wrap_up {
                writeln!(w, "wrap_up = {}", wrap.toml()).unwrap();
            }
            if let Some((share, ahead)) = spec.transfer {
                if t + ahead < types {
                    writeln!(
                        w,
                        "transfer = {{ share = {}, to = \"{}\" }}",
                        share as f64 / 100.0,
                        type_name(t + ahead)
                    )
                    .unwrap();
                }
            }
            if let Some((share, delay)) = &spec.unresolved {
                writeln!(
                    w,
                    "unresolved = {{ share = {}, delay = {} }}",
                    *share as f64 / 100.0,
                    delay.toml()
                )
                .unwrap();
            }
            if let Some((when, share, within, priority)) = spec.callback {
                let mut cb = format!(
                    "callback = {{ when_wait_exceeds = \"{when}s\", share = {}",
                    share as f64 / 100.0
                );
                if let Some(m) = within {
                    write!(cb, ", answer_within = \"{m}m\"").unwrap();
                }
                if let Some(p) = priority {
                    write!(cb, ", priority = {p}").unwrap();
                }
                writeln!(w, "{cb} }}").unwrap();
            }
        }

        for (g, spec) in self.groups.iter().enumerate() {
            writeln!(w, "\n[[agent_groups]]\nname = \"{}\"", group_name(g)).unwrap();
            writeln!(
                w,
                "skills = [{}]",
                list(
                    self.skills(g)
                        .into_iter()
                        .map(|t| format!("\"{}\"", type_name(t)))
                )
            )
            .unwrap();
            match &spec.staffing {
                Staffing::Agents(a) => writeln!(w, "agents = {a}").unwrap(),
                Staffing::ByInterval(a) => writeln!(
                    w,
                    "agents_by_interval = [{}]",
                    list(a[..n].iter().map(u32::to_string))
                )
                .unwrap(),
                Staffing::Shifts(shifts) => {
                    let shifts = shifts.iter().map(|sh| {
                        let start = sh.start_min.min(day_min - 15);
                        let end = (start + sh.length_min).min(day_min);
                        let mut text = format!(
                            "{{ start = \"{}\", end = \"{}\", agents = {}",
                            clock(self.start_hour(), start),
                            clock(self.start_hour(), end),
                            sh.agents
                        );
                        if let Some((at, length)) = sh.break_at_min {
                            let from = start + at;
                            // A break inside the shift that leaves some of it to work.
                            if from + length <= end && length < end - start {
                                write!(
                                    text,
                                    ", breaks = [{{ start = \"{}\", length = \"{length}m\" }}]",
                                    clock(self.start_hour(), from)
                                )
                                .unwrap();
                            }
                        }
                        text + " }"
                    });
                    writeln!(w, "shifts = [{}]", list(shifts)).unwrap();
                }
            }
            if let Some(s) = spec.shrinkage {
                writeln!(w, "shrinkage = {}", s as f64 / 100.0).unwrap();
            }
            if let Some(m) = spec.max_concurrent {
                writeln!(w, "max_concurrent = {m}").unwrap();
            }
            if let Some(s) = spec.slowdown {
                writeln!(w, "concurrency_slowdown = {}", s as f64 / 100.0).unwrap();
            }
        }

        if let Some(r) = &self.routing {
            s.push_str(&self.routing_toml(r));
        }
        s
    }

    fn routing_toml(&self, r: &RoutingSpec) -> String {
        let base = POLICIES[r.base];
        let overflow = r.overflow || base == "overflow";
        let reserve = r.reserve || base == "reserve";
        let mut policy = base.to_owned();
        if overflow && base != "overflow" {
            policy.push_str("+overflow");
        }
        if reserve && base != "reserve" {
            policy.push_str("+reserve");
        }
        let mut s = format!("\n[routing]\npolicy = \"{policy}\"\n");
        if let (Some(aging), "priority") = (r.aging, base) {
            writeln!(s, "aging = \"{aging}s\"").unwrap();
        }
        if overflow {
            // Each type: its first serving group at once, the others after a delay.
            for t in 0..self.types.len() {
                let serving: Vec<usize> = (0..self.groups.len())
                    .filter(|&g| self.skills(g).contains(&t))
                    .collect();
                let names =
                    |gs: &[usize]| list(gs.iter().map(|&g| format!("\"{}\"", group_name(g))));
                let mut targets =
                    format!("{{ groups = [{}], after = \"0s\" }}", names(&serving[..1]));
                if serving.len() > 1 {
                    write!(
                        targets,
                        ", {{ groups = [{}], after = \"{}s\" }}",
                        names(&serving[1..]),
                        r.overflow_after[t % r.overflow_after.len()]
                    )
                    .unwrap();
                }
                writeln!(
                    s,
                    "[[routing.overflow]]\ncall_type = \"{}\"\ntargets = [{targets}]",
                    type_name(t)
                )
                .unwrap();
            }
        }
        if reserve {
            let (g, agents, tier_only) = r.reserve_for;
            let g = g % self.groups.len();
            let t = self.skills(g)[0];
            let target = match (&self.types[t].tiers, tier_only) {
                (Some(_), true) => format!("{}/gold", type_name(t)),
                _ => type_name(t),
            };
            writeln!(
                s,
                "[[routing.reserve]]\ngroup = \"{}\"\nagents = {agents}\nfor = [\"{target}\"]",
                group_name(g)
            )
            .unwrap();
        }
        s
    }
}
