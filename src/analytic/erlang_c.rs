//! The M/M/N queue with infinite patience (Erlang C).

use super::formulas::{erlang_b, erlang_b_step, erlang_c_from_b, offered_load};

/// An M/M/N queue (Erlang C): Poisson arrivals, exponential handle times, N agents, infinite
/// patience, FIFO.
///
/// For unstable queues (load >= agents) the measures are: `p_wait` 1, `service_level` 0,
/// `asa_s` and `wait_quantile_s` `f64::INFINITY`, `occupancy` 1. Every measure is NaN when an
/// input is negative or NaN; waits are never negative.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ErlangC {
    /// Number of agents N.
    pub agents: u32,
    /// Arrival rate λ, calls per second.
    pub calls_per_second: f64,
    /// Mean handle time 1/μ, seconds.
    pub aht_s: f64,
}

/// What the measures of an [`ErlangC`] queue follow from.
enum Regime {
    /// A negative or NaN input.
    Invalid,
    /// load >= agents: the queue grows without bound.
    Unstable,
    /// The wait W has P(W > t) = c·exp(−decay·t).
    Stable {
        /// P(W > 0), the Erlang C value.
        c: f64,
        /// (N − A)/AHT = Nμ − λ, per second.
        decay: f64,
    },
}

impl ErlangC {
    /// Offered load A = λ × AHT, in Erlangs.
    pub fn load(&self) -> f64 {
        offered_load(self.calls_per_second, self.aht_s)
    }

    /// Whether the queue is stable: load < agents.
    pub fn is_stable(&self) -> bool {
        self.load() < f64::from(self.agents)
    }

    fn regime(&self) -> Regime {
        let load = self.load();
        if load.is_nan() {
            Regime::Invalid
        } else if !self.is_stable() {
            Regime::Unstable
        } else {
            let b = erlang_b(self.agents, load);
            Regime::Stable {
                c: erlang_c_from_b(self.agents, load, b),
                decay: (f64::from(self.agents) - load) / self.aht_s,
            }
        }
    }

    /// P(W > 0): the probability that an arriving call waits (the Erlang C formula), in [0, 1].
    pub fn p_wait(&self) -> f64 {
        match self.regime() {
            Regime::Invalid => f64::NAN,
            Regime::Unstable => 1.0,
            Regime::Stable { c, .. } => c,
        }
    }

    /// P(W <= t) = 1 − C·exp(−(N − A)·t/AHT): the fraction of calls answered within
    /// `threshold_s` seconds, in [0, 1] (0 for a negative threshold).
    pub fn service_level(&self, threshold_s: f64) -> f64 {
        if threshold_s.is_nan() {
            return f64::NAN;
        }
        match self.regime() {
            Regime::Invalid => f64::NAN,
            _ if threshold_s < 0.0 => 0.0,
            Regime::Unstable => 0.0,
            Regime::Stable { c, decay } => sl_from_c(c, decay, threshold_s),
        }
    }

    /// Average speed of answer: the mean wait of all calls, C·AHT/(N − A) seconds (≥ 0).
    pub fn asa_s(&self) -> f64 {
        match self.regime() {
            Regime::Invalid => f64::NAN,
            Regime::Unstable => f64::INFINITY,
            Regime::Stable { c, decay } => c / decay,
        }
    }

    /// The `p`-quantile of the wait of all calls, seconds: the least t with P(W <= t) >= p,
    /// i.e. AHT/(N − A) · ln(C/(1 − p)). It is 0 when p <= 1 − C and INFINITY when p >= 1 > 1 − C.
    pub fn wait_quantile_s(&self, p: f64) -> f64 {
        if p.is_nan() {
            return f64::NAN;
        }
        match self.regime() {
            Regime::Invalid => f64::NAN,
            Regime::Unstable => f64::INFINITY,
            Regime::Stable { c, .. } if p <= 1.0 - c => 0.0,
            Regime::Stable { .. } if p >= 1.0 => f64::INFINITY,
            Regime::Stable { c, decay } => ((c / (1.0 - p)).ln() / decay).max(0.0),
        }
    }

    /// Agent occupancy A/N: the fraction of time an agent is busy, in [0, 1].
    pub fn occupancy(&self) -> f64 {
        match self.regime() {
            Regime::Invalid => f64::NAN,
            Regime::Unstable => 1.0,
            Regime::Stable { .. } => self.load() / f64::from(self.agents),
        }
    }

    /// The least stable number of agents N (N > load) whose service level at `threshold_s`
    /// seconds reaches `target`: the classic Erlang C staffing number.
    ///
    /// Steps N up from ⌊load⌋ + 1, updating Erlang B in O(1) per step.
    ///
    /// # Panics
    /// If the load is not finite, `target` is outside [0, 1] or `threshold_s` is negative
    /// or NaN (these would make the search meaningless or endless).
    pub fn agents_for_service_level(
        calls_per_second: f64,
        aht_s: f64,
        target: f64,
        threshold_s: f64,
    ) -> u32 {
        let load = offered_load(calls_per_second, aht_s);
        assert!(load.is_finite(), "offered load must be finite and >= 0");
        assert!((0.0..=1.0).contains(&target), "target must be in [0, 1]");
        assert!(threshold_s >= 0.0, "threshold must be >= 0");
        // `as` saturates: a load beyond u32::MAX agents gives u32::MAX.
        let mut n = (load.floor() + 1.0) as u32;
        let mut b = erlang_b(n, load);
        loop {
            let c = erlang_c_from_b(n, load, b);
            let decay = (f64::from(n) - load) / aht_s;
            if c < 1.0 && sl_from_c(c, decay, threshold_s) >= target {
                return n;
            }
            let Some(next) = n.checked_add(1) else {
                return u32::MAX;
            };
            n = next;
            b = erlang_b_step(b, n, load);
        }
    }
}

/// P(W <= t) = 1 − c·exp(−decay·t) for t >= 0.
fn sl_from_c(c: f64, decay: f64, t: f64) -> f64 {
    if c == 0.0 {
        1.0 // also covers AHT = 0, where decay·0 would be ∞·0
    } else {
        (1.0 - c * (-decay * t).exp()).clamp(0.0, 1.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The published case: 100 calls per 30 min, AHT 180 s, 14 agents.
    fn published(agents: u32) -> ErlangC {
        ErlangC {
            agents,
            calls_per_second: 100.0 / 1800.0,
            aht_s: 180.0,
        }
    }

    #[test]
    fn published_case() {
        let q = published(14);
        assert!((q.load() - 10.0).abs() < 1e-12);
        assert!(q.is_stable());
        assert!((q.p_wait() - 0.1741).abs() < 0.001, "{}", q.p_wait());
        assert!((q.service_level(20.0) - 0.8883).abs() < 0.001);
        // ASA = C·AHT/(N − A) = 0.1741 × 180 / 4 ≈ 7.83 s.
        assert!((q.asa_s() - 0.1741 * 45.0).abs() < 0.05, "{}", q.asa_s());
        assert!((q.occupancy() - 10.0 / 14.0).abs() < 1e-15);
        assert_eq!(q.service_level(0.0), 1.0 - q.p_wait());
        assert_eq!(q.service_level(-1.0), 0.0);
        assert_eq!(q.service_level(f64::INFINITY), 1.0);
        // 13 agents miss 80/20, 14 make it.
        assert!(published(13).service_level(20.0) < 0.8);
        assert_eq!(
            ErlangC::agents_for_service_level(100.0 / 1800.0, 180.0, 0.8, 20.0),
            14
        );
    }

    #[test]
    fn staffing_search_is_least_and_handles_edges() {
        for (lambda, aht, target, t) in [
            (0.5, 300.0, 0.9, 15.0),
            (27.0, 180.0, 0.8, 20.0),
            (0.001, 60.0, 0.95, 0.0),
            (3.0, 240.0, 1.0, 30.0),
        ] {
            let n = ErlangC::agents_for_service_level(lambda, aht, target, t);
            let at = |agents| ErlangC {
                agents,
                calls_per_second: lambda,
                aht_s: aht,
            };
            assert!(at(n).service_level(t) >= target, "{lambda} {aht}: {n}");
            assert!(n == 1 || at(n - 1).service_level(t) < target || !at(n - 1).is_stable());
        }
        assert_eq!(ErlangC::agents_for_service_level(0.0, 100.0, 0.8, 20.0), 1);
        assert_eq!(ErlangC::agents_for_service_level(1.0, 10.0, 0.0, 20.0), 11);
    }

    #[test]
    fn unstable_and_invalid_queues() {
        let q = published(10); // load == agents
        assert!(!q.is_stable());
        assert_eq!(q.p_wait(), 1.0);
        assert_eq!(q.service_level(20.0), 0.0);
        assert_eq!(q.asa_s(), f64::INFINITY);
        assert_eq!(q.wait_quantile_s(0.5), f64::INFINITY);
        assert_eq!(q.occupancy(), 1.0);
        let bad = ErlangC {
            agents: 3,
            calls_per_second: -1.0,
            aht_s: 10.0,
        };
        assert!(bad.p_wait().is_nan() && bad.asa_s().is_nan() && bad.occupancy().is_nan());
    }

    #[test]
    fn mm1_c_is_rho() {
        for rho in [0.05, 0.5, 0.95] {
            let q = ErlangC {
                agents: 1,
                calls_per_second: rho / 120.0,
                aht_s: 120.0,
            };
            assert!((q.p_wait() - rho).abs() < 1e-14);
            let wq = super::super::formulas::mm1_mean_wait_s(q.calls_per_second, q.aht_s);
            assert!((q.asa_s() - wq).abs() < 1e-9 * wq, "{} vs {wq}", q.asa_s());
        }
    }

    #[test]
    fn quantiles_invert_the_service_level() {
        for q in [published(11), published(14), published(20)] {
            let c = q.p_wait();
            for p in [0.5, 0.8, 0.9, 0.95, 0.99, 0.999999] {
                let t = q.wait_quantile_s(p);
                if p <= 1.0 - c {
                    assert_eq!(t, 0.0);
                } else {
                    assert!(t > 0.0 && t.is_finite());
                    let sl = q.service_level(t);
                    assert!((sl - p).abs() < 1e-12, "p = {p}: SL(t) = {sl}");
                }
            }
            assert_eq!(q.wait_quantile_s(1.0), f64::INFINITY);
            assert_eq!(q.wait_quantile_s(0.0), 0.0);
        }
        // The median wait of a heavily loaded queue is positive: 11 agents, C ≈ 0.68.
        assert!(published(11).wait_quantile_s(0.5) > 0.0);
    }

    #[test]
    fn thousands_of_agents() {
        let q = ErlangC {
            agents: 5000,
            calls_per_second: 4900.0 / 180.0,
            aht_s: 180.0,
        };
        let (c, sl, asa) = (q.p_wait(), q.service_level(20.0), q.asa_s());
        assert!(c > 0.0 && c < 1.0 && sl > 0.0 && sl < 1.0 && asa >= 0.0 && asa.is_finite());
    }
}
