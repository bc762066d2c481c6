//! The staffing search: exact against Erlang where Erlang is exact, honest on fresh seeds
//! where it is not, and the monotonicity it relies on.

use callsim::analytic::{scheduled_agents, ErlangA, ErlangC, ServiceLevelTarget, Targets};
use callsim::model::{least_schedule_for, Model, ServiceTargets};
use callsim::routing::SkillPriority;
use callsim::run_replications;
use callsim::staffing::{self, checks, search, Rule, SearchOptions, Start};

use crate::support::callsim;
use crate::support::model;

/// One call type, one group, one constant rate per (long) interval: Erlang's assumptions.
fn single_queue(rates: &[f64], agents: &[u32], patience: Option<&str>) -> Model {
    let list = |xs: Vec<String>| xs.join(", ");
    let patience = patience
        .map(|p| format!("patience = {{ distribution = \"exponential\", mean = \"{p}\" }}"))
        .unwrap_or_default();
    model(&format!(
        r#"
name = "single queue by interval"
[simulation]
duration = "{hours}h"
warmup = "1h"
replications = 10
seed = 2024
interval = "10h"
[[call_types]]
name = "q"
arrival_rates = [{rates}]
handle_time = {{ distribution = "exponential", mean = "3m" }}
{patience}
[[agent_groups]]
name = "agents"
agents_by_interval = [{agents}]
skills = ["q"]
"#,
        hours = 10 * rates.len(),
        rates = list(rates.iter().map(|r| r.to_string()).collect()),
        agents = list(agents.iter().map(|a| a.to_string()).collect()),
    ))
}

fn options(targets: ServiceTargets, start: Start) -> SearchOptions {
    SearchOptions {
        start,
        // Long intervals make every verdict quick: a smaller budget keeps the tests short.
        max_replications: Some(160),
        ..SearchOptions::new(targets)
    }
}

/// Whether `found` agents in an interval are the exact Erlang minimum `exact`, or one off
/// where the exact measure of `exact` or `exact − 1` agents is within the tolerance of its
/// target (`close`).
fn exact_or_allowed(found: u32, exact: u32, close: bool) -> bool {
    found == exact || (close && found.abs_diff(exact) == 1)
}

/// With constant rates, exponential handle times and long intervals, the least staffing
/// per interval is Erlang C's, for any seed: four loads from 6 to 25 Erlangs, three seeds,
/// and a start far away (too few agents for a stable queue in one interval, far too many in
/// another).
#[test]
fn staffing_is_exactly_erlang_c_per_interval_for_any_seed() {
    let rates = [120.0, 150.0, 300.0, 500.0];
    let targets_80_20 = Targets {
        service_level: Some(ServiceLevelTarget {
            fraction: 0.8,
            threshold_s: 20.0,
        }),
        ..Targets::default()
    };
    let exact: Vec<(u32, bool)> = rates
        .iter()
        .map(|r| {
            let n = ErlangC::agents_for(r / 3600.0, 180.0, &targets_80_20).unwrap();
            let sl = |agents| {
                ErlangC {
                    agents,
                    calls_per_second: r / 3600.0,
                    aht_s: 180.0,
                }
                .service_level(20.0)
            };
            (
                n,
                (sl(n) - 0.8).abs() < 0.005 || (sl(n - 1) - 0.8).abs() < 0.005,
            )
        })
        .collect();
    assert_eq!(
        exact.iter().map(|e| e.0).collect::<Vec<_>>(),
        vec![9, 11, 19, 30]
    );
    let targets = ServiceTargets {
        service_level: Some(0.8),
        ..ServiceTargets::default()
    };
    for (seed, start) in [(1, Start::Erlang), (2, Start::Erlang), (3, Start::Scenario)] {
        let mut m = single_queue(&rates, &[2, 40, 9, 25], None);
        m.seed = seed;
        let found = search(&m, &options(targets, start), |_| {}).unwrap();
        for (k, &(n, close)) in exact.iter().enumerate() {
            assert!(
                exact_or_allowed(found.agents[0][k], n, close),
                "seed {seed} {start:?}: {:?}, exact {exact:?}",
                found.agents
            );
        }
        assert_eq!(
            found.erlang_c_by_type,
            vec![exact.iter().map(|e| e.0).collect::<Vec<_>>()]
        );
        assert!(found.validation.passed, "seed {seed}");
        eprintln!(
            "seed {seed} {start:?}: {} simulations, {} replications",
            found.simulations, found.replications_run
        );
    }
}

/// The same with exponential patience: Erlang A's least staffing for a service level and
/// an abandon-rate cap together, for two seeds.
#[test]
fn staffing_with_patience_is_exactly_erlang_a_per_interval_for_any_seed() {
    let rates = [120.0, 300.0, 200.0, 400.0];
    let analytic = Targets {
        service_level: Some(ServiceLevelTarget {
            fraction: 0.85,
            threshold_s: 20.0,
        }),
        max_abandon_rate: Some(0.05),
        ..Targets::default()
    };
    let exact: Vec<(u32, bool)> = rates
        .iter()
        .map(|r| {
            let n = ErlangA::agents_for(r / 3600.0, 180.0, 120.0, &analytic).unwrap();
            let queue = |agents| ErlangA {
                agents,
                calls_per_second: r / 3600.0,
                aht_s: 180.0,
                patience_s: 120.0,
            };
            let close = [n, n - 1].iter().any(|&a| {
                (queue(a).service_level(20.0) - 0.85).abs() < 0.005
                    || (queue(a).abandon_rate() - 0.05).abs() < 0.005
            });
            (n, close)
        })
        .collect();
    assert_eq!(
        exact.iter().map(|e| e.0).collect::<Vec<_>>(),
        vec![9, 18, 13, 23]
    );
    let targets = ServiceTargets {
        service_level: Some(0.85),
        max_abandon_rate: Some(0.05),
        max_asa_s: None,
        max_occupancy: None,
    };
    for seed in [1, 2] {
        let mut m = single_queue(&rates, &[30, 5, 13, 40], Some("2m"));
        m.seed = seed;
        let found = search(&m, &options(targets, Start::Erlang), |_| {}).unwrap();
        for (k, &(n, close)) in exact.iter().enumerate() {
            assert!(
                exact_or_allowed(found.agents[0][k], n, close),
                "seed {seed}: {:?}, exact {exact:?}",
                found.agents
            );
        }
        assert_eq!(
            found.erlang_by_type,
            vec![exact.iter().map(|e| e.0).collect::<Vec<_>>()]
        );
    }
}

const TWO_SKILLS: &str = r#"
name = "two skills"
[simulation]
duration = "6h"
replications = 20
seed = 11
interval = "1h"
[service_level]
threshold = "20s"
target = 0.8
max_abandon_rate = 0.06
max_asa = "25s"
[[call_types]]
name = "sales"
arrival_rates = [80, 160, 240, 200, 120, 90]
handle_time = { distribution = "lognormal", mean = "5m", cv = 0.8 }
patience = { distribution = "exponential", mean = "2m" }
[[call_types]]
name = "service"
arrival_rates = [150, 120, 100, 160, 220, 180]
handle_time = { distribution = "gamma", mean = "4m", cv = 1.2 }
patience = { distribution = "uniform", min = "30s", max = "4m" }
[[agent_groups]]
name = "sales team"
agents = 10
skills = ["sales"]
[[agent_groups]]
name = "service team"
agents = 10
skills = ["service"]
[[agent_groups]]
name = "universal"
agents = 3
skills = ["service", "sales"]
"#;

/// A staffing found on one seed holds up on fresh seeds: no target missed by more than the
/// re-simulation's own 95 % confidence half-width, in any interval, for any call type.
#[test]
fn two_skill_staffing_holds_up_when_resimulated_with_fresh_seeds() {
    let base = model(TWO_SKILLS);
    for seed in [11, 12] {
        let mut m = base.clone();
        m.seed = seed;
        let found = search(&m, &options(m.targets, Start::Erlang), |_| {}).unwrap();
        // The universal agents start at 0 (Erlang puts each type in its specialists); the
        // pooling exchange puts some back.
        let hours = staffing::agent_hours(&m, &found.agents);
        assert!(found.agents[2].iter().any(|&n| n > 0), "{:?}", found.agents);
        let mut fresh = m.clone();
        fresh.seed = 1_000 + seed;
        fresh.replications = 30;
        let measures = staffing::simulate(&fresh, &found.agents, None);
        let resimulated = checks(
            &fresh,
            &fresh.targets,
            &Rule::new(0.95, 1, 0.005),
            &measures,
        );
        assert!(!resimulated.is_empty());
        for c in &resimulated {
            let shortfall = if c.measure.higher_is_better() {
                c.target - c.mean
            } else {
                c.mean - c.target
            };
            assert!(
                shortfall <= c.ci95,
                "seed {seed}: {c:?} misses by {shortfall} > {}",
                c.ci95
            );
        }
        eprintln!(
            "seed {seed}: {hours:.1} agent-hours in {} simulations; Erlang C per type {:.1}",
            found.simulations,
            staffing::agent_hours(&m, &found.erlang_c_by_type)
        );
    }
}

/// Common random numbers make one more agent help every replication of a FIFO queue, not
/// just on average: each caller's wait can only shrink. Checked for an agent added in every
/// interval and in one interval only, per replication, for the day and each interval.
#[test]
fn adding_an_agent_never_lowers_the_service_level_replication_by_replication() {
    let m = model(
        r#"
name = "fifo"
[simulation]
duration = "4h"
replications = 12
seed = 5
interval = "30m"
[[call_types]]
name = "q"
arrival_rates = [200, 300, 400, 350, 300, 250, 200, 150]
handle_time = { distribution = "lognormal", mean = "3m", cv = 1.1 }
[[agent_groups]]
name = "agents"
agents_by_interval = [10, 14, 19, 17, 15, 12, 10, 8]
skills = ["q"]
"#,
    );
    let sl = |m: &Model| run_replications(m, None, SkillPriority::new);
    let base = sl(&m);
    let mut variants: Vec<Model> = Vec::new();
    let mut everywhere = m.clone();
    everywhere.groups[0]
        .agents_by_interval
        .iter_mut()
        .for_each(|n| *n += 1);
    variants.push(everywhere);
    for k in [0, 3, 7] {
        let mut one = m.clone();
        one.groups[0].agents_by_interval[k] += 1;
        variants.push(one);
    }
    let mut strictly_better = 0;
    for (v, variant) in variants.iter().enumerate() {
        let more = sl(variant);
        for (r, (a, b)) in base.iter().zip(&more).enumerate() {
            let (before, after) = (
                a.total.service_level.unwrap(),
                b.total.service_level.unwrap(),
            );
            assert!(after >= before, "variant {v} rep {r}: {before} → {after}");
            strictly_better += usize::from(after > before);
            for (ia, ib) in a.intervals.iter().zip(&b.intervals) {
                let (x, y) = (ia.total.service_level, ib.total.service_level);
                assert!(
                    y >= x,
                    "variant {v} rep {r} interval {}: {x:?} → {y:?}",
                    ia.interval
                );
            }
        }
    }
    assert!(
        strictly_better > 20,
        "the extra agent does help: {strictly_better}"
    );
}

/// A target that no number of agents within the cap can meet is reported as infeasible,
/// naming the call type and interval, instead of searching forever.
#[test]
fn infeasible_targets_are_reported_with_their_call_type_and_interval() {
    let m = single_queue(&[150.0, 600.0], &[11, 11], None);
    let mut opts = options(
        ServiceTargets {
            service_level: Some(0.8),
            ..ServiceTargets::default()
        },
        Start::Erlang,
    );
    opts.max_agents = Some(25); // 600 calls/h × 3 min = 30 Erlangs
    match search(&m, &opts, |_| {}) {
        Err(staffing::SearchError::Infeasible { missed, caps, .. }) => {
            assert!(!missed.is_empty());
            assert!(missed.iter().all(|c| c.interval == 1 && c.call_type == 0));
            assert_eq!(caps[0][1], 25);
        }
        other => panic!("expected infeasible, got {other:?}"),
    }
}

/// The search's answer does not depend on the number of threads.
#[test]
fn the_search_is_deterministic_whatever_the_threads() {
    let m = model(TWO_SKILLS);
    let run = |threads| {
        let mut o = options(m.targets, Start::Erlang);
        o.threads = Some(threads);
        let found = search(&m, &o, |_| {}).unwrap();
        (found.agents, found.simulations)
    };
    assert_eq!(run(1), run(2));
}

/// Tier targets from the scenario drive the search: each tier's own service level, at its
/// own threshold, is met with the stated confidence, and re-simulated on fresh seeds it does
/// not miss its target by more than its confidence interval.
#[test]
fn staff_meets_each_tiers_own_target() {
    let m = model(
        r#"
name = "tiered staffing"
[simulation]
duration = "4h"
warmup = "30m"
replications = 10
seed = 4
interval = "1h"
[routing]
policy = "priority"
[[call_types]]
name = "mobile"
arrival_rate = 300
handle_time = { distribution = "exponential", mean = "4m" }
patience = { distribution = "exponential", mean = "3m" }
tiers = [
  { name = "gold", share = 0.2, priority = 2, service_level = { threshold = "10s", target = 0.95 } },
  { name = "basic", share = 0.8, service_level = { threshold = "30s", target = 0.8 } },
]
[[agent_groups]]
name = "agents"
agents = 20
skills = ["mobile"]
"#,
    );
    let options = SearchOptions::new(ServiceTargets::default());
    let found = search(&m, &options, |_| {}).unwrap();
    let tier_checks: Vec<_> = found.checks.iter().filter(|c| c.class.is_some()).collect();
    assert_eq!(
        tier_checks.len(),
        2 * 4,
        "two tiers × four measured intervals"
    );
    assert!(tier_checks.iter().all(|c| c.met()));
    // Fresh seeds: the tiers still reach their targets, within the CI.
    let mut fresh = m.clone();
    for (g, agents) in fresh.groups.iter_mut().zip(&found.agents) {
        g.agents_by_interval.clone_from(agents);
    }
    fresh.seed += 1000;
    fresh.replications = 20;
    let again = checks(
        &fresh,
        &ServiceTargets::default(),
        &Rule::new(0.95, 1, 0.005),
        &callsim::replicate(&fresh, None),
    );
    for c in again.iter().filter(|c| c.class.is_some()) {
        assert!(c.mean + c.ci95 >= c.target, "{c:?}");
    }
}

/// On a multi-skill day the answer does not depend on the seed: agent-hours within 1 % and
/// per-interval totals within one agent in at least 90 % of the intervals, for every pair
/// of seeds.
#[test]
fn multi_skill_staffing_agrees_across_seeds() {
    // The two-skill day at four times the calls: 1 % of its agent-hours is more than one
    // agent in one interval.
    let base = model(
        &TWO_SKILLS
            .replace(
                "[80, 160, 240, 200, 120, 90]",
                "[320, 640, 960, 800, 480, 360]",
            )
            .replace(
                "[150, 120, 100, 160, 220, 180]",
                "[600, 480, 400, 640, 880, 720]",
            ),
    );
    let runs: Vec<(u64, Vec<u32>, f64)> = [21, 22, 23]
        .into_iter()
        .map(|seed| {
            let mut m = base.clone();
            m.seed = seed;
            let found = search(&m, &options(m.targets, Start::Erlang), |_| {}).unwrap();
            let totals: Vec<u32> = (0..m.intervals as usize)
                .map(|k| found.agents.iter().map(|g| g[k]).sum())
                .collect();
            let hours = staffing::agent_hours(&m, &found.agents);
            eprintln!(
                "seed {seed}: {hours:.1} agent-hours {totals:?}, {} replications",
                found.replications_run
            );
            (seed, totals, hours)
        })
        .collect();
    for (i, a) in runs.iter().enumerate() {
        for b in &runs[i + 1..] {
            assert!(
                (a.2 - b.2).abs() <= 0.01 * a.2.max(b.2),
                "seeds {} and {}: {} vs {} agent-hours",
                a.0,
                b.0,
                a.2,
                b.2
            );
            let agree =
                a.1.iter()
                    .zip(&b.1)
                    .filter(|(x, y)| x.abs_diff(**y) <= 1)
                    .count();
            assert!(
                agree * 10 >= 9 * a.1.len(),
                "seeds {} and {}: {:?} vs {:?}",
                a.0,
                b.0,
                a.1,
                b.1
            );
        }
    }
}

/// The validation re-simulates the answer on replications the search never saw: the first
/// validation round is replications `VALIDATION_FIRST..`, not the search's `0..`.
#[test]
fn validation_uses_independent_replications() {
    let m = single_queue(&[150.0, 300.0], &[11, 19], None);
    let targets = ServiceTargets {
        service_level: Some(0.8),
        ..ServiceTargets::default()
    };
    let found = search(&m, &options(targets, Start::Erlang), |_| {}).unwrap();
    let v = &found.validation;
    assert_eq!(v.rounds, 1);
    assert!(v.passed && !v.measures.is_empty());
    let staffed = staffing::sample::staffed(&m, &found.agents);
    let runner = staffing::sample::Runner::new(None);
    let n = v.measures.len() as u32;
    assert_eq!(
        runner.run(&staffed, staffing::Stream::Validation(0), 0..n),
        v.measures,
        "validation replications are those of the validation stream"
    );
    let search_side = runner.run(&staffed, staffing::Stream::Search, 0..n);
    assert!(
        v.measures.iter().zip(&search_side).all(|(a, b)| a != b),
        "no validation replication is one of the search's"
    );
    // Every interval's validation verdict rests on all of them, at least the budget: no
    // lucky first look decides a validation.
    assert!(
        n >= found.max_replications,
        "{n} < {}",
        found.max_replications
    );
    assert!(v.checks.iter().all(|c| c.replications == n));
    assert!(staffing::Stream::Validation(0).replication(0) >= staffing::sample::VALIDATION_FIRST);
}

/// When the search's own replications were lucky, the validation finds the miss on fresh
/// ones and the search goes on: with the mean of two replications deciding (confidence
/// 50 %, a budget of 2), the first validation fails somewhere, agents are added there, and
/// a later round on new replications judges again.
#[test]
fn a_failed_validation_adds_agents_and_validates_again_on_new_replications() {
    let m = model(
        r#"
name = "lucky"
[simulation]
duration = "6h"
replications = 2
seed = 3
interval = "30m"
[[call_types]]
name = "q"
# Rates that change every half hour: no level runs, so each verdict rests on one half
# hour's calls of two days.
arrival_rates = [300, 310, 300, 310, 300, 310, 300, 310, 300, 310, 300, 310]
handle_time = { distribution = "exponential", mean = "3m" }
[[agent_groups]]
name = "agents"
agents = 17
skills = ["q"]
"#,
    );
    let options = SearchOptions {
        confidence: 0.5,
        max_replications: Some(2),
        ..SearchOptions::new(ServiceTargets {
            service_level: Some(0.8),
            ..ServiceTargets::default()
        })
    };
    let found = search(&m, &options, |_| {}).unwrap();
    let v = &found.validation;
    assert!(v.rounds >= 2, "{} rounds", v.rounds);
    // Every round had its own replications: the last one's are not round 0's.
    let staffed = staffing::sample::staffed(&m, &found.agents);
    let runner = staffing::sample::Runner::new(None);
    let n = v.measures.len() as u32;
    assert_eq!(
        runner.run(&staffed, staffing::Stream::Validation(v.rounds - 1), 0..n),
        v.measures
    );
    assert_ne!(
        runner.run(&staffed, staffing::Stream::Validation(0), 0..n),
        v.measures
    );
}

/// A stationary single queue on a short day of half-hour intervals (Erlang's world, where a
/// day's service level in one half hour is very noisy): calls of `aht_min` minutes at
/// `erlangs` Erlangs, exponential patience of 4 minutes when `patience`, 80/20, a warm-up
/// half hour and `intervals` measured ones.
/// Half hours of warm-up before `stationary`'s measured intervals: one, and four from 100
/// Erlangs, where a queue near 95 % occupancy relaxes over tens of minutes (about 38 at
/// 150 Erlangs, an hour at 500) and half an hour from an empty centre leaves the first
/// measured interval well below its steady-state load.
fn warmup_intervals(erlangs: f64) -> u32 {
    if erlangs >= 100.0 {
        4
    } else {
        1
    }
}

fn stationary(erlangs: f64, aht_min: f64, patience: bool, intervals: u32, seed: u64) -> Model {
    model(&stationary_text(
        erlangs, aht_min, patience, intervals, seed,
    ))
}

/// The scenario text of [`stationary`].
fn stationary_text(
    erlangs: f64,
    aht_min: f64,
    patience: bool,
    intervals: u32,
    seed: u64,
) -> String {
    let patience = if patience {
        r#"patience = { distribution = "exponential", mean = "4m" }"#
    } else {
        ""
    };
    format!(
        r#"
name = "stationary"
[simulation]
duration = "{minutes}m"
warmup = "{warmup}m"
replications = 10
seed = {seed}
interval = "30m"
[service_level]
threshold = "20s"
target = 0.8
[[call_types]]
name = "q"
arrival_rate = {rate}
handle_time = {{ distribution = "exponential", mean = "{aht_s}s" }}
{patience}
[[agent_groups]]
name = "agents"
agents = {start}
skills = ["q"]
"#,
        minutes = 30 * (intervals + warmup_intervals(erlangs)),
        warmup = 30 * warmup_intervals(erlangs),
        rate = erlangs * 60.0 / aht_min,
        aht_s = aht_min * 60.0,
        start = erlangs.ceil(),
    )
}

/// The exact Erlang minimum for 80/20 on `stationary`'s queue, and whether one agent off is
/// allowed: the exact service level of the minimum or of one agent less is within half a
/// point of the target.
fn exact_80_20(erlangs: f64, aht_min: f64, patience: bool) -> (u32, bool) {
    let aht_s = aht_min * 60.0;
    let lambda = erlangs / aht_s;
    let targets = Targets {
        service_level: Some(ServiceLevelTarget {
            fraction: 0.8,
            threshold_s: 20.0,
        }),
        ..Targets::default()
    };
    let sl = |agents: u32| {
        if patience {
            ErlangA {
                agents,
                calls_per_second: lambda,
                aht_s,
                patience_s: 240.0,
            }
            .service_level(20.0)
        } else {
            ErlangC {
                agents,
                calls_per_second: lambda,
                aht_s,
            }
            .service_level(20.0)
        }
    };
    let n = if patience {
        ErlangA::agents_for(lambda, aht_s, 240.0, &targets).unwrap()
    } else {
        ErlangC::agents_for(lambda, aht_s, &targets).unwrap()
    };
    (
        n,
        (sl(n) - 0.8).abs() < 0.005 || (sl(n - 1) - 0.8).abs() < 0.005,
    )
}

/// Runs the default search on each stationary case and seed; asserts the exact Erlang
/// minimum in every measured interval (one off only where allowed) and a passed
/// validation, and prints a line per run for the record.
fn assert_exact_on_stationary_days(cases: &[(f64, f64, bool)], seeds: &[u64], intervals: u32) {
    let mut failures = Vec::new();
    for &(erlangs, aht_min, patience) in cases {
        let (exact, close) = exact_80_20(erlangs, aht_min, patience);
        for &seed in seeds {
            let m = stationary(erlangs, aht_min, patience, intervals, seed);
            let found = search(&m, &SearchOptions::new(m.targets), |_| {}).unwrap();
            let agents = &found.agents[0];
            let first = m.first_reported_interval() as usize;
            eprintln!(
                "{erlangs} Erlangs {} seed {seed}: {:?} (exact {exact}{}), {} simulations, {} replications, validation {} round(s)",
                if patience { "A" } else { "C" },
                &agents[first..],
                if close { ", ±1 allowed" } else { "" },
                found.simulations,
                found.replications_run,
                found.validation.rounds
            );
            if !found.validation.passed
                || (first..agents.len()).any(|k| !exact_or_allowed(agents[k], exact, close))
            {
                failures.push(format!(
                    "{erlangs} Erlangs, patience {patience}, seed {seed}: {:?}, exact {exact}, validation passed: {}",
                    &agents[first..],
                    found.validation.passed
                ));
            }
        }
    }
    assert!(failures.is_empty(), "{failures:#?}");
}

/// Half-hour intervals, where one interval short by an agent between two full ones misses
/// the target by only about a point in context (its queue starts from the neighbour's
/// better state): the default search still gives the exact Erlang minimum for any seed, on
/// loads from 5 to 40 Erlangs, with and without abandonment.
#[test]
fn short_intervals_get_the_exact_erlang_minimum_for_any_seed() {
    // scenarios/erlang-c.toml's queue (600 calls/h of 4 minutes): 46 agents (83.9 %), 45
    // give 77.5 %.
    assert_eq!(exact_80_20(40.0, 4.0, false), (46, false));
    assert_exact_on_stationary_days(
        &[(40.0, 4.0, false), (5.0, 3.0, true), (20.0, 3.0, true)],
        &[1, 2],
        3,
    );
}

/// A minimum whose service level clears the target by more than the tolerance, but by less
/// than the budget's replications can resolve (39 Erlangs: 44 agents give 80.74 %, 43 give
/// 72.6 %): a check whose mean is on the right side at the budget, by less than the
/// tolerance, is extended, as the validation is, instead of being left to the margin rule,
/// which kept a 45th agent for seeds 1, 6 and 9 of ten. (Seed 9 still keeps it: its mean at
/// the budget is below the target, a one-in-thirty draw.)
#[test]
fn a_minimum_just_beyond_the_tolerance_is_found() {
    assert_eq!(exact_80_20(39.0, 3.0, false), (44, false));
    for seed in [1, 6] {
        // Six measured half hours after an hour's warm-up.
        let text = stationary_text(39.0, 3.0, false, 7, seed)
            .replace(r#"warmup = "30m""#, r#"warmup = "60m""#);
        let m = model(&text);
        assert_eq!((m.first_reported_interval(), m.intervals), (2, 8));
        let found = search(&m, &SearchOptions::new(m.targets), |_| {}).unwrap();
        assert_eq!(found.agents[0][2..], [44; 6], "seed {seed}");
        assert!(found.validation.passed);
    }
}

/// At high loads a queue relaxes over tens of minutes (150 Erlangs: about 38), so a half
/// hour at one agent below Erlang's minimum between two at it starts from their shorter
/// queues and meets the target in the simulated day (157 agents between 158s: 80.6 %, where
/// the steady state gives 78.7 %); and one half hour's service level swings by some 27
/// points from day to day at 500 Erlangs. A level forecast is staffed level and judged on
/// its pooled calls, so the answer is still Erlang's, interval by interval.
#[test]
fn high_loads_get_the_exact_erlang_minimum_for_any_seed() {
    assert_eq!(exact_80_20(150.0, 3.0, false), (158, false));
    assert_eq!(exact_80_20(500.0, 3.0, false), (510, false));
    assert_exact_on_stationary_days(&[(150.0, 3.0, false)], &[1, 2], 4);
    assert_exact_on_stationary_days(&[(500.0, 3.0, false)], &[1], 4);
}

/// A two-hour day that opens with an empty queue and no warm-up: its first half hour is
/// far better than the settled ones after it. Pooled over the whole flat day, that surplus
/// would pay for one agent less everywhere (157 at 150 Erlangs, where the settled half
/// hours need 158); judged in halves when they differ, the answer is Erlang's in every
/// interval.
#[test]
fn an_empty_start_does_not_pay_for_the_settled_intervals() {
    for seed in [1, 2] {
        // Two hours, all measured.
        let text = stationary_text(150.0, 3.0, false, 4, seed)
            .replace(r#"duration = "240m""#, r#"duration = "120m""#)
            .replace(r#"warmup = "120m""#, r#"warmup = "0m""#);
        let m = model(&text);
        assert_eq!((m.first_reported_interval(), m.intervals), (0, 4));
        let found = search(&m, &SearchOptions::new(m.targets), |_| {}).unwrap();
        assert_eq!(found.agents[0], vec![158; 4], "seed {seed}");
        assert!(found.validation.passed);
    }
}

/// Intervals with the same forecast get the same staffing, group by group, on a multi-skill
/// day whose forecast is flat for a while, then steps up: a planner reads 10:00 to 12:00
/// at one level, not a pattern of one agent more and one less.
#[test]
fn a_level_forecast_gets_a_level_staffing() {
    let m = model(
        &TWO_SKILLS
            .replace(
                "[80, 160, 240, 200, 120, 90]",
                "[160, 160, 160, 240, 240, 240]",
            )
            .replace(
                "[150, 120, 100, 160, 220, 180]",
                "[120, 120, 120, 160, 160, 160]",
            ),
    );
    let found = search(&m, &options(m.targets, Start::Erlang), |_| {}).unwrap();
    assert!(found.validation.passed);
    for (group, agents) in m.groups.iter().zip(&found.agents) {
        assert!(
            agents[..3].iter().all(|&n| n == agents[0])
                && agents[3..].iter().all(|&n| n == agents[3]),
            "{}: {agents:?}",
            group.name
        );
    }
    let total = |k: usize| found.agents.iter().map(|g| g[k]).sum::<u32>();
    assert!(total(3) > total(0), "the step up needs more agents");
}

/// The sweep of docs/staffing.md ("The exactness sweep"): Erlang C and Erlang A, 5 to 500
/// Erlangs, three seeds, four measured half hours each; it lists every run that misses
/// (`cargo test --release --test it exact_erlang_sweep -- --nocapture` prints every run:
/// about a minute on 2 cores).
#[test]
fn exact_erlang_sweep() {
    let cases: Vec<(f64, f64, bool)> = [5.0, 20.0, 50.0, 150.0, 500.0]
        .into_iter()
        .flat_map(|e| [(e, 3.0, false), (e, 3.0, true)])
        .collect();
    assert_exact_on_stationary_days(&cases, &[1, 2, 3], 4);
}

/// `[service_level] max_occupancy` (and `--max-occupancy`) caps every group's occupancy in
/// every interval: on a single queue with only that target, the least staffing is Erlang's
/// ⌈load ÷ cap⌉.
#[test]
fn max_occupancy_caps_every_groups_occupancy() {
    let rates = [240.0, 400.0, 300.0];
    let mut m = single_queue(&rates, &[30, 30, 30], None);
    m.targets = ServiceTargets {
        max_occupancy: Some(0.85),
        ..ServiceTargets::default()
    };
    let with_cap = Targets {
        max_occupancy: Some(0.85),
        ..Targets::default()
    };
    let exact: Vec<u32> = rates
        .iter()
        .map(|r| ErlangC::agents_for(r / 3600.0, 180.0, &with_cap).unwrap())
        .collect();
    // 12, 20, 15 Erlangs at 85 %: 15 (80 %), 24 (83.3 %), 18 (83.3 %); one less is 85.7 %
    // or more.
    assert_eq!(exact, vec![15, 24, 18]);
    let found = search(&m, &options(m.targets, Start::Scenario), |_| {}).unwrap();
    assert_eq!(found.agents[0], exact, "{:?}", found.agents);
    let occupancy: Vec<_> = found
        .validation
        .checks
        .iter()
        .filter(|c| c.measure == staffing::Measure::Occupancy)
        .collect();
    assert_eq!(occupancy.len(), 3, "one group × three measured intervals");
    assert!(occupancy
        .iter()
        .all(|c| c.group == Some(0) && c.mean <= 0.85));
    // The scenario's key reads into the same target.
    let from_file =
        model(&SCENARIO_WITH_OCCUPANCY_CAP.replace("max_occupancy = 0.85", "max_occupancy = 0.9"));
    assert_eq!(from_file.targets.max_occupancy, Some(0.9));
}

const SCENARIO_WITH_OCCUPANCY_CAP: &str = r#"
name = "occupancy cap"
[simulation]
duration = "3h"
warmup = "30m"
replications = 4
seed = 9
interval = "1h"
[service_level]
threshold = "20s"
max_occupancy = 0.85
[[call_types]]
name = "q"
arrival_rate = 400
handle_time = { distribution = "exponential", mean = "3m" }
[[agent_groups]]
name = "agents"
agents = 30
shrinkage = 0.3
skills = ["q"]
"#;

/// Shrinkage: the Erlang baseline is in scheduled agents, like the staffing found, so that
/// a single queue with 30 % shrinkage shows no pooling saving or cost beyond an agent's
/// rounding (it used to show the shrinkage as a 30 % "pooling cost").
#[test]
fn the_erlang_baseline_uses_the_scenarios_shrinkage() {
    let mut m = single_queue(&[300.0, 500.0], &[20, 20], None);
    m.groups[0].shrinkage = 0.3;
    let targets = ServiceTargets {
        service_level: Some(0.8),
        ..ServiceTargets::default()
    };
    let found = search(&m, &options(targets, Start::Erlang), |_| {}).unwrap();
    // On the phones: 19 and 30 (Erlang C, 15 and 25 Erlangs); scheduled: the least
    // headcount the simulation puts that many on the floor from (27 × 0.7 = 18.9 → 19).
    assert_eq!(
        found.erlang_c_by_type,
        vec![vec![
            least_schedule_for(19, 0.3),
            least_schedule_for(30, 0.3)
        ]]
    );
    assert_eq!(found.erlang_c_by_type, vec![vec![27, 43]]);
    let k = 1; // the measured interval
    let (found_k, erlang_k) = (found.agents[0][k], found.erlang_c_by_type[0][k]);
    assert!(found_k.abs_diff(erlang_k) <= 1, "{found_k} vs {erlang_k}");
}

/// The Erlang baseline and the start are grossed up the way the simulation removes
/// shrinkage (round half up), not by ⌈n ÷ (1 − shrinkage)⌉: at 25 % shrinkage the 8 agents
/// Erlang C asks for at 5 Erlangs are on the floor from 10 scheduled (7.5 → 8), so a single
/// queue's answer equals the baseline in every interval, warm-up included, and shows no
/// pooling saving (with ⌈8 ÷ 0.75⌉ = 11 it showed one agent per interval "saved" by pooling
/// the one skill there is).
#[test]
fn the_erlang_baseline_rounds_shrinkage_as_the_simulation_does() {
    let mut m = single_queue(&[100.0, 100.0], &[20, 20], None);
    m.groups[0].shrinkage = 0.25;
    let targets = ServiceTargets {
        service_level: Some(0.8),
        ..ServiceTargets::default()
    };
    let found = search(&m, &options(targets, Start::Erlang), |_| {}).unwrap();
    assert_eq!(found.erlang_c_by_type, vec![vec![10, 10]]);
    assert_eq!(found.agents, vec![vec![10, 10]]);
    assert_eq!(
        scheduled_agents(8, 0.25),
        11,
        "the planners' rule differs here"
    );
}

/// `staff --format json` lists every target it applied, per call type, tier and group, each
/// with its own threshold; the table labels each type's column with its own threshold
/// (not the scenario's 20 s over a type held to 60 s); `--max-occupancy` adds the groups'
/// caps.
#[test]
fn staff_lists_every_applied_target_with_its_own_threshold() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("tiers.toml");
    std::fs::write(
        &path,
        r#"
name = "own thresholds"
[simulation]
duration = "3h"
warmup = "1h"
replications = 4
seed = 3
interval = "1h"
[service_level]
threshold = "20s"
target = 0.8
[[call_types]]
name = "billing"
arrival_rate = 120
handle_time = { distribution = "exponential", mean = "4m" }
service_level = { threshold = "60s", target = 0.7 }
[[call_types]]
name = "mobile"
arrival_rate = 200
handle_time = { distribution = "exponential", mean = "3m" }
tiers = [
  { name = "gold", share = 0.3, service_level = { threshold = "10s", target = 0.9 } },
  { name = "basic", share = 0.7 },
]
[[agent_groups]]
name = "billing team"
agents = 10
skills = ["billing"]
[[agent_groups]]
name = "mobile team"
agents = 12
skills = ["mobile"]
"#,
    )
    .unwrap();
    let path = path.to_str().unwrap();
    let common = ["--max-replications", "80", "--max-occupancy", "90%", "-q"];
    let json = callsim(&[&["staff", path, "-f", "json"], &common[..]].concat());
    assert!(
        json.status.success(),
        "{}",
        String::from_utf8_lossy(&json.stderr)
    );
    let doc: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    let applied = doc["applied_targets"].as_array().unwrap();
    let find = |key: &str, name: &str, tier: Option<&str>, measure: &str| {
        applied
            .iter()
            .find(|a| {
                a[key] == name
                    && a["measure"] == measure
                    && tier.is_none_or(|t| a["tier"] == t)
                    && (tier.is_some() || a.get("tier").is_none())
            })
            .unwrap_or_else(|| panic!("{name} {tier:?} {measure} in {applied:#?}"))
    };
    // billing is held to its own 70/60s, not the scenario's 80/20.
    let billing = find("call_type", "billing", None, "service_level");
    assert_eq!(
        (billing["target"].as_f64(), billing["threshold_s"].as_f64()),
        (Some(0.7), Some(60.0))
    );
    assert_eq!(
        applied
            .iter()
            .filter(|a| a["call_type"] == "billing" && a["measure"] == "service_level")
            .count(),
        1
    );
    // mobile: the scenario's 80/20 for all its calls, and gold's own 90/10s.
    let mobile = find("call_type", "mobile", None, "service_level");
    assert_eq!(mobile["target"].as_f64(), Some(0.8));
    let gold = find("call_type", "mobile", Some("gold"), "service_level");
    assert_eq!(
        (gold["target"].as_f64(), gold["threshold_s"].as_f64()),
        (Some(0.9), Some(10.0))
    );
    for group in ["billing team", "mobile team"] {
        let cap = find("agent_group", group, None, "occupancy");
        assert_eq!(
            (cap["target"].as_f64(), cap["bound"].as_str()),
            (Some(0.9), Some("at_most"))
        );
    }
    assert_eq!(doc["targets"]["max_occupancy"].as_f64(), Some(0.9));

    let table = callsim(&[&["staff", path], &common[..]].concat());
    assert!(table.status.success());
    let table = String::from_utf8(table.stdout).unwrap();
    assert!(table.contains("billing SL 1m"), "{table}");
    assert!(!table.contains("billing SL 20s"), "{table}");
    assert!(table.contains("billing team occupancy"), "{table}");
    assert!(table.contains("occupancy ≤ 90% in every group"), "{table}");
}

/// The per-type Erlang (the search's start, the warm-up's staffing, the baseline and the
/// cap) counts the load as `validate` does: talk and wrap-up, calls past the IVR's
/// self-service, and the calls transferred in. Counting talk alone left the warm-up 7
/// agents short of 33.3 Erlangs, and the backlog built there forced 41 agents where 39
/// are Erlang C's; counting own arrivals alone gave an escalation desk fed by transfers
/// one agent in the warm-up and a false "cannot be met".
#[test]
fn the_erlang_start_counts_wrap_up_self_service_and_transfers() {
    let wrap_up = model(
        r#"
name = "Wrap-up baseline"
[simulation]
duration = "4h"
warmup = "30m"
replications = 20
seed = 3
interval = "30m"
[[call_types]]
name = "general"
arrival_rate = 400
handle_time = { distribution = "exponential", mean = "4m" }
wrap_up = { distribution = "constant", value = "1m" }
[[agent_groups]]
name = "agents"
agents = 40
skills = ["general"]
"#,
    );
    let targets = ServiceTargets {
        service_level: Some(0.8),
        ..Default::default()
    };
    let exact = ErlangC::agents_for(
        400.0 / 3600.0,
        300.0,
        &Targets {
            service_level: Some(ServiceLevelTarget {
                fraction: 0.8,
                threshold_s: 20.0,
            }),
            ..Default::default()
        },
    )
    .unwrap();
    assert_eq!(exact, 39);
    let found = search(&wrap_up, &SearchOptions::new(targets), |_| {}).unwrap();
    assert!(found.erlang_c_by_type[0].iter().all(|&n| n == exact));
    assert!(
        found.agents[0].iter().all(|&n| n == exact),
        "{:?}",
        found.agents[0]
    );

    let escalation = model(
        r#"
name = "IVR and escalation"
[simulation]
duration = "3h"
warmup = "30m"
replications = 20
seed = 4
interval = "30m"
[[call_types]]
name = "front"
arrival_rate = 600
handle_time = { distribution = "exponential", mean = "4m" }
ivr = { time = { distribution = "constant", value = "30s" }, self_service = 0.5 }
transfer = { share = 0.25, to = "tier 2" }
[[call_types]]
name = "tier 2"
arrival_rate = 0.001
handle_time = { distribution = "exponential", mean = "10m" }
[[agent_groups]]
name = "front line"
agents = 25
skills = ["front"]
[[agent_groups]]
name = "tier 2"
agents = 15
skills = ["tier 2"]
"#,
    );
    // 300 calls/h reach the front line (20 Erlangs), 75 are escalated (12.5 Erlangs).
    let found = search(&escalation, &SearchOptions::new(targets), |_| {}).unwrap();
    let c = |calls_per_hour: f64, aht_s: f64| {
        ErlangC::agents_for(
            calls_per_hour / 3600.0,
            aht_s,
            &Targets {
                service_level: Some(ServiceLevelTarget {
                    fraction: 0.8,
                    threshold_s: 20.0,
                }),
                ..Default::default()
            },
        )
        .unwrap()
    };
    assert_eq!(found.erlang_c_by_type[0][0], c(300.0, 240.0));
    assert_eq!(found.erlang_c_by_type[1][0], c(75.0, 600.0));
    for (g, exact) in [(0, c(300.0, 240.0)), (1, c(75.0, 600.0))] {
        assert!(
            found.agents[g].iter().all(|&n| n.abs_diff(exact) <= 1),
            "group {g}: {:?} against Erlang C's {exact}",
            found.agents[g]
        );
    }
}

/// A level run of many tiny intervals: a 10-minute day cut into 1-second intervals (100
/// calls an hour, 0.03 per interval and replication). The right answer is the 10-minute
/// day's (7 agents: 6 abandon 5.9 %); an interval where one or two of its few callers
/// happened to abandon must not veto the run, whatever the seed.
#[test]
fn many_tiny_intervals_are_staffed_as_their_level_run() {
    let m = model(
        r#"
name = "a day of one-second intervals"
[simulation]
duration = "10m"
interval = "1s"
replications = 10
[service_level]
threshold = "20s"
target = 0.8
max_abandon_rate = 0.05
[[call_types]]
name = "general"
arrival_rate = 100
handle_time = { distribution = "exponential", mean = "3m" }
patience = { distribution = "exponential", mean = "2m" }
[[agent_groups]]
name = "agents"
skills = ["general"]
agents = 8
"#,
    );
    for seed in [3, 5, 6, 7] {
        let mut m = m.clone();
        m.seed = seed;
        let options = SearchOptions {
            max_replications: Some(80),
            ..SearchOptions::new(m.targets)
        };
        let found = search(&m, &options, |_| {}).unwrap();
        let (least, most) = (found.agents[0].iter().min(), found.agents[0].iter().max());
        assert!(
            least == Some(&7) && most == Some(&7),
            "seed {seed}: from {least:?} to {most:?} agents"
        );
    }
}

/// One call type of exponential calls averaging `aht`, one group, 80/20, after a 30-minute
/// warm-up: the calls per hour of each `interval_min`-minute interval, warm-up included.
fn day_of_rates(interval_min: usize, rates: &[f64], aht: &str) -> String {
    let rates: Vec<String> = rates.iter().map(|r| r.to_string()).collect();
    format!(
        r#"name = "day of rates"
[simulation]
duration = "{minutes}m"
warmup = "30m"
replications = 10
seed = 1
interval = "{interval_min}m"
[service_level]
threshold = "20s"
target = 0.8
[[call_types]]
name = "general"
arrival_rates = [{rates}]
handle_time = {{ distribution = "exponential", mean = "{aht}" }}
[[agent_groups]]
name = "agents"
agents = 50
skills = ["general"]
"#,
        minutes = interval_min * rates.len(),
        rates = rates.join(", "),
    )
}

/// A cap at a staffing whose true service level is a quarter point short (14 agents at
/// 217.6 calls/h of 3 minutes: 79.76 % in Erlang C, inside the tolerance): the search may
/// count it met, and then the validation, unable to add an agent, shows it short. The
/// answer is printed and stderr says it misses, which and by how much; the warning comes
/// exactly when the JSON says the validation did not pass. A seed on which the search
/// itself sees the shortfall exits 2 at the cap.
#[test]
fn a_staffing_that_fails_its_last_validation_is_warned_of() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("capped.toml");
    std::fs::write(&path, day_of_rates(30, &[217.6; 8], "3m")).unwrap();
    let mut warned = 0;
    for seed in ["1", "2", "3"] {
        let out = callsim(&[
            "staff",
            path.to_str().unwrap(),
            "--max-agents",
            "14",
            "--seed",
            seed,
            "-q",
            "-f",
            "json",
        ]);
        let stderr = String::from_utf8_lossy(&out.stderr);
        if out.status.code() == Some(2) {
            assert!(stderr.contains("--max-agents 14"), "seed {seed}: {stderr}");
            continue;
        }
        assert!(out.status.success(), "{stderr}");
        let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        let passed = json["validation"]["passed"].as_bool().unwrap();
        let warning = stderr.contains("fails 1 target on its last validation round")
            || stderr.contains("targets on its last validation round");
        assert_eq!(warning, !passed, "seed {seed}: {stderr}");
        if warning {
            warned += 1;
            assert!(stderr.contains("service level"), "{stderr}");
            assert!(stderr.contains("(short by "), "{stderr}");
        }
    }
    assert!(
        warned > 0,
        "no seed failed its validation: pick another one"
    );
}

/// A budget below the 40 replications a verdict needs is a quick look: said on stderr, and
/// the table says how many checks the validation left undecided (it read "no target
/// fails" for an answer 2.8 points short, every check undecided).
#[test]
fn a_budget_too_small_to_decide_is_said_to_be_a_quick_look() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("small.toml");
    std::fs::write(
        &path,
        day_of_rates(30, &[2000.0, 1000.0, 1000.0, 1000.0], "3m"),
    )
    .unwrap();
    let path = path.to_str().unwrap();
    let out = callsim(&["staff", path, "--max-replications", "10", "-q"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(
        stderr.contains("--max-replications 10 is below the 40 replications"),
        "{stderr}"
    );
    let json = callsim(&[
        "staff",
        path,
        "--max-replications",
        "10",
        "-q",
        "-f",
        "json",
    ]);
    let json: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    let undecided = json["validation"]["undecided"].as_u64().unwrap();
    let table = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        table.contains(&format!("{undecided} left undecided")),
        undecided > 0 && json["validation"]["passed"].as_bool().unwrap(),
        "{table}"
    );
    let out = callsim(&["staff", path, "--max-replications", "40", "-q"]);
    assert!(
        !String::from_utf8_lossy(&out.stderr).contains("below the 40"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// With 10-minute calls in quarter hours a drop from 100 to 50 Erlangs takes more than one
/// interval to settle: the quarter hours until it has stand alone, so the settled stretch
/// after them keeps Erlang C's 57 (it was raised to 62–63 as a whole, 3.5 % more
/// agent-hours, and on one seed in three still failed its validation).
#[test]
fn a_drop_that_takes_several_intervals_to_settle_does_not_raise_the_stretch_after_it() {
    let rates = [[600.0; 4].as_slice(), &[300.0; 10]].concat();
    let m = model(&day_of_rates(15, &rates, "10m"));
    for seed in [1, 2] {
        let mut m = m.clone();
        m.seed = seed;
        let found = search(&m, &SearchOptions::new(m.targets), |_| {}).unwrap();
        let agents = &found.agents[0];
        assert!(found.validation.passed, "seed {seed}: {agents:?}");
        // The quarter hours of the drop need more the nearer they are to it.
        assert!(
            agents[4] > agents[5] && agents[5] > agents[6] && agents[6] >= agents[7],
            "seed {seed}: {agents:?}"
        );
        assert!(
            agents[7..].iter().all(|&n| n == 57),
            "seed {seed}: the settled stretch is staffed {:?}, Erlang C 57",
            &agents[7..]
        );
    }
}

/// Searches a day of 3-minute calls at `rates` (one per `interval_min`-minute interval) on
/// each of `seeds`, and asserts that the answer passes its validation, that interval
/// `change` (the first after a change of forecast) has agents in `at_change`, and that
/// every interval after it has the same number, in `settled` (Erlang C's, or one fewer
/// where that is within the tolerance).
fn assert_staffed_after_a_change(
    interval_min: usize,
    rates: &[f64],
    seeds: [u64; 2],
    change: usize,
    at_change: std::ops::RangeInclusive<u32>,
    settled: std::ops::RangeInclusive<u32>,
) {
    let m = model(&day_of_rates(interval_min, rates, "3m"));
    for seed in seeds {
        let mut m = m.clone();
        m.seed = seed;
        let found = search(&m, &SearchOptions::new(m.targets), |_| {}).unwrap();
        let agents = &found.agents[0];
        assert!(found.validation.passed, "seed {seed}: {agents:?}");
        assert!(
            at_change.contains(&agents[change]),
            "seed {seed}: the interval of the change has {} agents",
            agents[change]
        );
        let stretch = &agents[change + 1..];
        assert!(
            stretch.iter().all(|&n| n == stretch[0]) && settled.contains(&stretch[0]),
            "seed {seed}: the stretch after the change is staffed {stretch:?}, not level in \
             {settled:?}",
        );
    }
}

/// After a rise from 50 to 100 Erlangs (3-minute calls, quarter hours), the quarter hour of
/// the rise stands alone, and the stretch after it inherits its queue: the agent that
/// queue needs goes into the quarter hour of the rise (an advance, or the validation's
/// raise of the shorter run before), not into all five quarter hours after it. The stretch
/// gets Erlang C's 107; before, it got 108 (99 then 108 ×5, 215.75 agent-hours, against
/// 100 then 107 ×5, 214.75, which re-simulated meets every interval).
#[test]
fn after_a_rise_the_queue_it_leaves_is_answered_in_the_interval_of_the_rise() {
    let rates = [[1000.0; 4].as_slice(), &[2000.0; 6]].concat();
    assert_staffed_after_a_change(15, &rates, [1, 2], 4, 98..=104, 107..=107);
}

/// After a rise from 150 to 225 Erlangs (3-minute calls, half hours) at 96 % occupancy, the
/// half hour of the rise needs about 228 agents for its own callers, and the queue it
/// leaves takes most of the next half hour to clear at 234 (Erlang C; 233 is within the
/// tolerance): judged with the settled half hours after it, that first half hour read
/// 78.9 % on fresh replications while its run passed (228 then 234 ×4). It is judged on
/// its own calls once they differ from the rest of the run, and the agents it needs go
/// into the half hour of the rise, two or three at a time (230 then 234 ×4).
#[test]
fn after_a_rise_at_high_occupancy_the_next_half_hour_is_not_hidden_by_the_settled_ones() {
    let rates = [[3000.0; 2].as_slice(), &[4500.0; 5]].concat();
    assert_staffed_after_a_change(30, &rates, [1, 2], 2, 229..=233, 233..=234);
}

/// After a drop from 100 to 50 Erlangs the first half hour still holds the busier
/// interval's calls: it needs about 65 agents where the settled intervals after it need
/// Erlang C's 56. It is staffed on its own, so the flat stretch keeps its 56 (and the
/// answer passes its validation at once) on every seed.
#[test]
fn the_first_interval_after_a_drop_does_not_raise_the_flat_stretch_after_it() {
    let rates = [[2000.0; 2].as_slice(), &[1000.0; 6]].concat();
    assert_staffed_after_a_change(30, &rates, [1, 3], 2, 64..=67, 56..=56);
}

/// Agent-hours are summed in whole agent-nanoseconds: 17 agents over 240 one-minute
/// intervals are 68 agent-hours, where adding up 240 × 17 sixtieths of an hour read
/// 67.99999999999984 in the JSON.
#[test]
fn agent_hours_of_short_intervals_carry_no_rounding_residue() {
    let m = model(&day_of_rates(1, &[300.0; 240], "3m"));
    assert_eq!(m.intervals, 240);
    assert_eq!(staffing::agent_hours(&m, &[vec![17u32; 240]]), 68.0);
    let mut half_day = vec![vec![0u32; 240]];
    half_day[0][..120].fill(17);
    assert_eq!(staffing::agent_hours(&m, &half_day), 34.0);
}

/// A replayed log that fixes every call's arrival, handle time and patience makes every
/// replication the same day: `staff` says its answer fits that day, and that the
/// confidence figures say nothing of other days. A forecast's replications are not
/// identical, and nothing is said.
#[test]
fn staffing_a_replayed_day_says_every_replication_is_that_day() {
    let dir = tempfile::tempdir().unwrap();
    let forecast = day_of_rates(30, &[300.0; 6], "3m").replace(
        "mean = \"3m\" }",
        "mean = \"3m\" }\npatience = { distribution = \"exponential\", mean = \"2m\" }",
    );
    let forecast_path = dir.path().join("forecast.toml");
    std::fs::write(&forecast_path, &forecast).unwrap();
    let calls = dir.path().join("calls.csv");
    let out = callsim(&[
        "run",
        forecast_path.to_str().unwrap(),
        "-r",
        "1",
        "--write-calls",
        calls.to_str().unwrap(),
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let staff = |path: &std::path::Path| {
        let out = callsim(&["staff", path.to_str().unwrap(), "-q", "-f", "json"]);
        let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
        assert!(out.status.success(), "{stderr}");
        stderr
    };
    let said = "validation replications are the same day";
    assert!(!staff(&forecast_path).contains(said));
    let replay = dir.path().join("replay.toml");
    std::fs::write(
        &replay,
        forecast.replacen(
            "[simulation]\n",
            &format!("[simulation]\ntrace = \"{}\"\n", calls.display()),
            1,
        ),
    )
    .unwrap();
    let stderr = staff(&replay);
    assert!(stderr.contains(said), "{stderr}");
    assert!(stderr.contains("callsim fit"), "{stderr}");
}

/// Callers who never hang up, and a target whose threshold is long (80 % within 30
/// minutes): 36 agents at 40 Erlangs met it on a 4-hour day while the queue grew all day
/// (ASA 185 s in the first half hour, 1,376 s in the last), the backlog answered after
/// closing by agents the answer's agent-hours do not count. Every interval now keeps more
/// agents on the floor than the load: Erlang C's 41, the queue settles.
#[test]
fn a_queue_whose_callers_never_hang_up_is_never_staffed_below_its_load() {
    let mut m = model(&day_of_rates(30, &[600.0; 9], "4m").replace("20s", "30m"));
    for seed in [1, 2] {
        m.seed = seed;
        let found = search(&m, &SearchOptions::new(m.targets), |_| {}).unwrap();
        assert!(found.validation.passed);
        assert!(
            found.agents[0].iter().all(|&n| n >= 41),
            "seed {seed}: {:?} at 40 Erlangs",
            found.agents[0]
        );
    }
}

/// A level forecast whose load drifts is not staffed level: 500 calls an hour all day, 15 %
/// of them calling again about two hours later, so the calls reaching the agents rise from
/// 250 to 290 a half hour. Level runs were cut on the forecast alone, so the whole day was
/// one run staffed for its busiest end: 44 in every half hour (45 on seed 2), 94.9 % at
/// 00:30 and 80.3 % at 05:30 on fresh days, where 40, 41, 42, 43 … 44 meets every half hour
/// with 6 to 11.5 agent-hours fewer. Runs are now cut where the Erlang staffing of the load
/// reaching the agents (repeat calls counted) changes: the answer rises with the load.
#[test]
fn a_level_forecast_whose_repeat_calls_build_up_is_staffed_as_its_load_rises() {
    let mut text = day_of_rates(30, &[500.0; 12], "4m");
    text = text.replace(
        "handle_time = { distribution = \"exponential\", mean = \"4m\" }",
        "handle_time = { distribution = \"exponential\", mean = \"4m\" }\n\
         unresolved = { share = 0.15, delay = { distribution = \"exponential\", mean = \"2h\" } }",
    );
    assert!(text.contains("unresolved"));
    let mut m = model(&text);
    for seed in [1, 3] {
        m.seed = seed;
        let found = search(&m, &SearchOptions::new(m.targets), |_| {}).unwrap();
        assert!(found.validation.passed);
        let measured = &found.agents[0][1..];
        assert!(
            measured[0] + 3 <= measured[measured.len() - 1]
                && measured.windows(2).all(|w| w[0] <= w[1] + 1),
            "seed {seed}: {measured:?} for a load rising from 33 to 39 Erlangs"
        );
        // At least 5 agent-hours under the level staffing of its busiest half hour.
        let peak = *measured.iter().max().unwrap();
        let saved = (peak as usize * measured.len()) as f64 / 2.0
            - measured.iter().sum::<u32>() as f64 / 2.0;
        assert!(
            saved >= 5.0,
            "seed {seed}: {measured:?} saves {saved} agent-hours"
        );
    }
}
