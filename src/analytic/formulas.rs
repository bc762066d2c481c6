//! The closed-form formulas: offered load, Erlang B, Erlang C and the M/M/1 wait.

/// Offered load in Erlangs = arrival rate × mean handle time.
///
/// NaN if either input is negative or NaN.
pub fn offered_load(calls_per_second: f64, aht_s: f64) -> f64 {
    if calls_per_second >= 0.0 && aht_s >= 0.0 {
        calls_per_second * aht_s
    } else {
        f64::NAN
    }
}

/// Erlang B blocking probability for `agents` servers and offered load `load` (Erlangs).
/// agents=0 → 1.0.
///
/// Uses the recursion B(n) = A·B(n−1) / (n + A·B(n−1)), which is stable for any number of
/// agents and fractional load (no factorials, no overflow); the result is in [0, 1]. Costs
/// O(min(agents, load + a few hundred)). NaN for a negative or NaN load.
pub fn erlang_b(agents: u32, load: f64) -> f64 {
    if load.is_nan() || load < 0.0 {
        return f64::NAN;
    }
    if load == f64::INFINITY {
        return 1.0;
    }
    let mut b = 1.0;
    for n in 1..=agents {
        b = erlang_b_step(b, n, load);
        if b == 0.0 {
            break; // underflowed; stays zero for every larger n
        }
    }
    b
}

/// One step of the Erlang B recursion: B(n) from B(n−1).
pub(super) fn erlang_b_step(b_prev: f64, n: u32, load: f64) -> f64 {
    let ab = load * b_prev;
    ab / (f64::from(n) + ab)
}

/// Erlang C probability that an arriving call waits (M/M/N). Returns 1.0 when load >= agents.
///
/// Computed from Erlang B as C = B / (1 − ρ(1 − B)), ρ = load/agents, so it inherits its
/// stability; the result is in [0, 1]. NaN for a negative or NaN load.
pub fn erlang_c(agents: u32, load: f64) -> f64 {
    erlang_c_from_b(agents, load, erlang_b(agents, load))
}

/// Erlang C from the Erlang B value `b` = B(agents, load).
pub(super) fn erlang_c_from_b(agents: u32, load: f64, b: f64) -> f64 {
    let n = f64::from(agents);
    if b.is_nan() {
        f64::NAN
    } else if load >= n {
        1.0
    } else {
        let rho = load / n;
        (b / (1.0 - rho * (1.0 - b))).min(1.0)
    }
}

/// The M/M/1 mean wait in queue Wq = ρ/(μ-λ) (seconds); INFINITY if unstable.
///
/// Never negative; NaN if an input is negative or NaN.
pub fn mm1_mean_wait_s(calls_per_second: f64, aht_s: f64) -> f64 {
    let rho = offered_load(calls_per_second, aht_s);
    if rho.is_nan() {
        f64::NAN
    } else if rho >= 1.0 {
        f64::INFINITY
    } else {
        rho * aht_s / (1.0 - rho)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Erlang B by the textbook sum, for small cases only.
    fn erlang_b_by_sum(agents: u32, load: f64) -> f64 {
        let mut term = 1.0;
        let mut sum = 1.0;
        for k in 1..=agents {
            term *= load / f64::from(k);
            sum += term;
        }
        term / sum
    }

    #[test]
    fn erlang_b_known_values() {
        assert!((erlang_b(10, 5.0) - 0.018384).abs() < 1e-6); // 0.01838457
        assert_eq!(erlang_b(1, 1.0), 0.5);
        assert_eq!(erlang_b(0, 3.0), 1.0);
        assert_eq!(erlang_b(0, 0.0), 1.0);
        assert_eq!(erlang_b(4, 0.0), 0.0);
        // B(2, 1) = (1/2) / (1 + 1 + 1/2) = 0.2
        assert!((erlang_b(2, 1.0) - 0.2).abs() < 1e-15);
        for (n, a) in [(3, 2.5), (20, 17.3), (50, 61.0), (7, 0.01)] {
            let (fast, slow) = (erlang_b(n, a), erlang_b_by_sum(n, a));
            assert!(
                (fast - slow).abs() < 1e-13 * slow,
                "B({n}, {a}): {fast} vs {slow}"
            );
        }
        assert!(erlang_b(3, -1.0).is_nan());
        assert!(erlang_b(3, f64::NAN).is_nan());
    }

    #[test]
    fn erlang_b_is_stable_for_thousands_of_agents() {
        let b = erlang_b(5000, 4900.0);
        assert!(b.is_finite() && b > 0.0 && b < 1.0, "B = {b}");
        // Standard approximation: B(n, n·ρ) for large n is small but of order 1/√n here.
        assert!(b > 1e-4 && b < 1e-2, "B = {b}");
        // Fractional load and more agents than load × 10: tiny but never negative or NaN.
        let tiny = erlang_b(100_000, 10.5);
        assert!((0.0..1e-300).contains(&tiny));
        // B decreases in the number of agents and increases in load.
        assert!(erlang_b(5001, 4900.0) < b && erlang_b(5000, 4900.5) > b);
    }

    #[test]
    fn erlang_c_published_case() {
        // 100 calls per 30 minutes, AHT 180 s → 10 Erlangs; 14 agents.
        let load = offered_load(100.0 / 1800.0, 180.0);
        assert!((load - 10.0).abs() < 1e-12);
        assert!((erlang_c(14, load) - 0.1741).abs() < 0.001);
        assert_eq!(erlang_c(10, 10.0), 1.0);
        assert_eq!(erlang_c(3, 7.5), 1.0);
        assert_eq!(erlang_c(0, 0.0), 1.0);
        assert_eq!(erlang_c(2, 0.0), 0.0);
    }

    #[test]
    fn mm1_erlang_c_is_rho() {
        for rho in [0.0, 0.1, 0.5, 0.9, 0.999] {
            assert!((erlang_c(1, rho) - rho).abs() < 1e-15, "rho = {rho}");
        }
        // Wq = ρ/(μ−λ): λ = 0.5/s, AHT 1 s → 0.5 / 0.5 = 1 s.
        assert!((mm1_mean_wait_s(0.5, 1.0) - 1.0).abs() < 1e-15);
        assert!((mm1_mean_wait_s(1.0 / 300.0, 240.0) - 960.0).abs() < 1e-9);
        assert_eq!(mm1_mean_wait_s(1.0, 1.0), f64::INFINITY);
        assert_eq!(mm1_mean_wait_s(0.0, 100.0), 0.0);
        assert!(mm1_mean_wait_s(-1.0, 1.0).is_nan());
    }
}
