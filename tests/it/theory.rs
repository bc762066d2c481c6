//! The simulation against exact queueing theory (Erlang C, Erlang A, M/M/1).
//!
//! Each case runs enough calls that the 95 % half-widths are a small fraction of the
//! measure, and checks the theory lies within 4 standard errors of the simulated mean
//! (a wrong engine—an off-by-one agent, a biased sampler, abandoned calls counted as
//! served—is many standard errors away; a right one fails with probability < 1e-4 per
//! check). Tests `a_wrong_engine_fails_*` prove the checks are sharp enough.

use callsim::analytic::{mm1_mean_wait_s, ErlangA, ErlangC};

use crate::support::{assert_agrees, SingleQueue};

const K: f64 = 4.0;

fn erlang_c_case(agents: u32, load: f64, aht_s: f64, hours: f64, replications: u32) {
    let calls_per_hour = load / aht_s * 3600.0;
    let case = SingleQueue {
        agents,
        calls_per_hour,
        aht_s,
        patience_s: None,
        hours,
        warmup_hours: hours / 8.0,
        replications,
        threshold_s: 20.0,
    };
    let report = case.run();
    let t = &report.total;
    let theory = ErlangC {
        agents,
        calls_per_second: calls_per_hour / 3600.0,
        aht_s,
    };
    let label = format!("Erlang C N={agents} load={load}");
    assert_agrees(
        &format!("{label} P(wait)"),
        &t.p_wait,
        replications,
        theory.p_wait(),
        K,
        0.0,
    );
    assert_agrees(
        &format!("{label} service level"),
        &t.service_level,
        replications,
        theory.service_level(20.0),
        K,
        0.0,
    );
    assert_agrees(
        &format!("{label} ASA"),
        &t.asa_s,
        replications,
        theory.asa_s(),
        K,
        0.0,
    );
    let p90 = theory.wait_quantile_s(0.9);
    // Waits are recorded in milliseconds at 3 significant figures: ≤ 0.1 % + 1 ms.
    assert_agrees(
        &format!("{label} p90 wait"),
        &t.wait_s.p90,
        replications,
        p90,
        K,
        0.001 * p90 + 0.001,
    );
    let p99 = theory.wait_quantile_s(0.99);
    assert!(p99 > 0.0, "every case has waits in its 99th percentile");
    assert_agrees(
        &format!("{label} p99 wait"),
        &t.wait_s.p99,
        replications,
        p99,
        K,
        0.001 * p99 + 0.001,
    );
    assert_eq!(t.abandoned.mean, Some(0.0));
}

#[test]
fn erlang_c_one_agent_half_loaded() {
    erlang_c_case(1, 0.5, 60.0, 400.0, 20);
}

#[test]
fn erlang_c_five_agents_at_80_percent() {
    erlang_c_case(5, 4.0, 180.0, 800.0, 20);
}

#[test]
fn erlang_c_twenty_agents_at_85_percent() {
    erlang_c_case(20, 17.0, 240.0, 600.0, 20);
}

#[test]
fn erlang_c_fifty_agents_at_90_percent() {
    erlang_c_case(50, 45.0, 240.0, 400.0, 20);
}

#[test]
fn erlang_c_hundred_agents_at_95_percent() {
    erlang_c_case(100, 95.0, 180.0, 400.0, 20);
}

#[test]
fn erlang_c_250_agents_at_95_percent() {
    erlang_c_case(250, 237.5, 180.0, 160.0, 20);
}

#[test]
fn erlang_c_ten_agents_half_loaded() {
    erlang_c_case(10, 5.0, 300.0, 600.0, 20);
}

fn erlang_a_case(agents: u32, load: f64, aht_s: f64, patience_s: f64, hours: f64) {
    let replications = 20;
    let calls_per_hour = load / aht_s * 3600.0;
    let case = SingleQueue {
        agents,
        calls_per_hour,
        aht_s,
        patience_s: Some(patience_s),
        hours,
        warmup_hours: hours / 8.0,
        replications,
        threshold_s: 20.0,
    };
    let report = case.run();
    let t = &report.total;
    let theory = ErlangA {
        agents,
        calls_per_second: calls_per_hour / 3600.0,
        aht_s,
        patience_s,
    };
    let label = format!("Erlang A N={agents} load={load} patience={patience_s}s");
    assert_agrees(
        &format!("{label} abandon rate"),
        &t.abandon_rate,
        replications,
        theory.abandon_rate(),
        K,
        0.0,
    );
    assert_agrees(
        &format!("{label} service level"),
        &t.service_level,
        replications,
        theory.service_level(20.0),
        K,
        0.0,
    );
    assert_agrees(
        &format!("{label} P(wait)"),
        &t.p_wait,
        replications,
        theory.p_wait(),
        K,
        0.0,
    );
    assert_agrees(
        &format!("{label} ASA"),
        &t.asa_s,
        replications,
        theory.asa_s(),
        K,
        0.0,
    );
}

#[test]
fn erlang_a_single_agent() {
    erlang_a_case(1, 0.8, 120.0, 60.0, 400.0);
}

#[test]
fn erlang_a_ten_agents_near_full_load() {
    erlang_a_case(10, 9.5, 180.0, 120.0, 600.0);
}

#[test]
fn erlang_a_fifty_agents_overloaded() {
    // More load than agents: stable only because callers abandon.
    erlang_a_case(50, 55.0, 240.0, 90.0, 300.0);
}

#[test]
fn erlang_a_two_hundred_agents_impatient_callers() {
    erlang_a_case(200, 195.0, 180.0, 30.0, 100.0);
}

#[test]
fn mm1_mean_wait() {
    let (aht_s, calls_per_hour) = (60.0, 42.0); // ρ = 0.7
    let replications = 20;
    let case = SingleQueue {
        agents: 1,
        calls_per_hour,
        aht_s,
        patience_s: None,
        hours: 1000.0,
        warmup_hours: 10.0,
        replications,
        threshold_s: 20.0,
    };
    let report = case.run();
    // ASA of answered calls = mean wait of all calls when nobody abandons.
    let theory = mm1_mean_wait_s(calls_per_hour / 3600.0, aht_s);
    assert!(
        (theory - 140.0).abs() < 1e-9,
        "Wq = ρ/(μ−λ) = 0.7/(1/60 − 0.7/60) = 140 s"
    );
    assert_agrees(
        "M/M/1 mean wait",
        &report.total.asa_s,
        replications,
        theory,
        K,
        0.0,
    );
}

/// The checks above are sharp: one agent fewer than the theory assumes (a typical
/// off-by-one) is detected by the same tolerance.
#[test]
fn a_wrong_engine_fails_the_erlang_c_check() {
    let case = SingleQueue {
        agents: 49,
        calls_per_hour: 45.0 / 240.0 * 3600.0,
        aht_s: 240.0,
        patience_s: None,
        hours: 400.0,
        warmup_hours: 50.0,
        replications: 20,
        threshold_s: 20.0,
    };
    let report = case.run();
    let theory_for_50 = ErlangC {
        agents: 50,
        calls_per_second: case.calls_per_hour / 3600.0,
        aht_s: 240.0,
    };
    let result = std::panic::catch_unwind(|| {
        assert_agrees(
            "49 agents vs theory for 50",
            &report.total.service_level,
            20,
            theory_for_50.service_level(20.0),
            K,
            0.0,
        )
    });
    assert!(result.is_err(), "a one-agent error must be detected");
}

/// Abandonment is detected too: Erlang C's numbers do not fit a queue whose callers leave.
#[test]
fn a_wrong_engine_fails_the_erlang_a_check() {
    let case = SingleQueue {
        agents: 10,
        calls_per_hour: 9.5 / 180.0 * 3600.0,
        aht_s: 180.0,
        patience_s: Some(120.0),
        hours: 600.0,
        warmup_hours: 75.0,
        replications: 20,
        threshold_s: 20.0,
    };
    let report = case.run();
    let without_abandonment = ErlangC {
        agents: 10,
        calls_per_second: case.calls_per_hour / 3600.0,
        aht_s: 180.0,
    };
    let result = std::panic::catch_unwind(|| {
        assert_agrees(
            "M/M/N+M vs Erlang C",
            &report.total.service_level,
            20,
            without_abandonment.service_level(20.0),
            K,
            0.0,
        )
    });
    assert!(result.is_err(), "ignoring abandonment must be detected");
}
