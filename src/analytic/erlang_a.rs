//! The M/M/N+M queue (Erlang A, Palm's model): Erlang C plus exponential patience.
//!
//! # Method
//! Let μ = 1/AHT, θ = 1/patience. The number in system is a birth–death chain with birth
//! rate λ and death rate min(k, N)·μ + max(k − N, 0)·θ. Only the states k = N + j (all agents
//! busy, j callers waiting) need explicit probabilities q_j; the states below N together have
//! mass (1/B − 1)·q_0 with B = Erlang B(N, A), which keeps the computation O(N + queue) and
//! free of factorials. The tail ratios q_j/q_0 = Π λ/(Nμ + iθ) are summed in log space
//! (they can exceed f64 in overload) and truncated once the geometric bound on the rest falls
//! below 1e-18 of the total.
//!
//! A tagged arrival that finds j callers waiting moves up one place at rate r_i = Nμ + iθ while
//! i are ahead and abandons at rate θ, so with s_m = Nμ + mθ:
//! * P(answered | j) = Π r_i/(r_i + θ) = Nμ / s_{j+1} (the product telescopes);
//! * E[time in queue | j] = (j + 1)/s_{j+1}, so P(abandon | j) = θ·E[time in queue | j];
//! * given it is answered, its wait is hypoexponential with rates s_1, …, s_{j+1} (the
//!   exponential tilt e^{−θV} turns each stage rate r into r + θ), with mean Σ 1/s_m; and
//! * that hypoexponential with rates in arithmetic progression is a Beta law in disguise:
//!   1 − e^{−θV} ~ Beta(j + 1, Nμ/θ + 1). With an integer first parameter its CDF is a
//!   negative-binomial tail: P(V ≤ t) = P(K ≥ j + 1), K ~ NegBin(Nμ/θ + 1, e^{−θt}), the same
//!   K for every j. One pass over j with a running negative-binomial CDF therefore gives the
//!   service level exactly, with only positive terms (no alternating hypoexponential sums).

use super::erlang_c::ErlangC;
use super::formulas::{erlang_b, offered_load};

/// An M/M/N+M queue (Erlang A, Palm's model): as Erlang C, plus each waiting caller abandons
/// after an exponential patience with mean `patience_s`. Always stable.
///
/// `patience_s = f64::INFINITY` is the Erlang C queue ([`ErlangC`], which can be unstable) and
/// `patience_s = 0` the Erlang B loss system (a caller who finds all agents busy leaves at
/// once). Probabilities are in [0, 1] and waits never negative. Every measure is NaN when the
/// load is not finite or an input is negative or NaN, and also when the queue would be too
/// long to evaluate (more than 2^26 callers waiting, i.e. absurd patience in overload: use
/// [`ErlangC`]). Each measure costs O(N + L), L the longest queue with non-negligible
/// probability (≈ (λ − Nμ)·patience in overload, ≈ a few hundred otherwise).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ErlangA {
    /// Number of agents N.
    pub agents: u32,
    /// Arrival rate λ, calls per second.
    pub calls_per_second: f64,
    /// Mean handle time 1/μ, seconds.
    pub aht_s: f64,
    /// Mean patience 1/θ of a waiting caller, seconds.
    pub patience_s: f64,
}

/// The longest queue evaluated; longer ones make the measures NaN.
const MAX_QUEUE: usize = 1 << 26;
/// ln of the relative size of the neglected tail of the queue-length distribution.
const LN_TAIL_EPS: f64 = -41.4465; // ln(1e-18)

/// How the measures of an [`ErlangA`] queue are computed.
enum Regime {
    /// A negative or NaN input, an infinite load, or a queue too long to evaluate.
    Invalid,
    /// Infinite patience: the Erlang C queue.
    NoAbandonment(ErlangC),
    /// Zero patience: the Erlang B loss system with blocking `b`.
    Loss { b: f64 },
    /// No arriving call finds all agents busy (Erlang B underflows to 0).
    NeverWaits,
    /// The general case.
    Palm(Palm),
}

/// Per-call expectations over the arrival-time distribution of the waiting states.
struct Totals {
    /// P(all agents busy at arrival).
    p_wait: f64,
    /// P(answered after waiting).
    answered_waiting: f64,
    /// P(abandon).
    abandoned: f64,
    /// E[wait; answered after waiting].
    answered_wait_s: f64,
    /// E[time in queue] over all calls.
    wait_all_s: f64,
    /// E[number waiting].
    queue: f64,
}

impl ErlangA {
    /// Offered load A = λ × AHT, in Erlangs.
    pub fn load(&self) -> f64 {
        offered_load(self.calls_per_second, self.aht_s)
    }

    fn regime(&self) -> Regime {
        let load = self.load();
        if !(load.is_finite() && self.patience_s >= 0.0) {
            return Regime::Invalid;
        }
        if self.patience_s == f64::INFINITY {
            return Regime::NoAbandonment(ErlangC {
                agents: self.agents,
                calls_per_second: self.calls_per_second,
                aht_s: self.aht_s,
            });
        }
        let b = erlang_b(self.agents, load);
        let theta = 1.0 / self.patience_s;
        if theta == f64::INFINITY {
            Regime::Loss { b }
        } else if b == 0.0 {
            Regime::NeverWaits
        } else {
            Palm::new(self, b, theta).map_or(Regime::Invalid, Regime::Palm)
        }
    }

    /// Whether nobody can be answered: no agents for a positive load (then every caller
    /// waits and, with a finite patience, abandons: exactly 1, not a sum's rounding of it).
    fn nobody_answers(&self) -> bool {
        self.agents == 0 && self.load() > 0.0 && self.patience_s.is_finite()
    }

    /// P(an arriving call finds all agents busy), in [0, 1].
    pub fn p_wait(&self) -> f64 {
        if self.nobody_answers() {
            return 1.0;
        }
        match self.regime() {
            Regime::Invalid => f64::NAN,
            Regime::NoAbandonment(c) => c.p_wait(),
            Regime::Loss { b } => b,
            Regime::NeverWaits => 0.0,
            Regime::Palm(palm) => palm.totals().p_wait,
        }
    }

    /// P(abandon) = fraction of arriving calls that abandon, in [0, 1]. Equals
    /// θ·E[number waiting]/λ (checked in the tests).
    pub fn abandon_rate(&self) -> f64 {
        if self.nobody_answers() {
            return 1.0;
        }
        match self.regime() {
            Regime::Invalid => f64::NAN,
            Regime::NoAbandonment(_) | Regime::NeverWaits => 0.0,
            Regime::Loss { b } => b,
            Regime::Palm(palm) => palm.totals().abandoned.min(1.0),
        }
    }

    /// Calls answered within `threshold_s` ÷ all calls (answered + abandoned): an abandoned
    /// call counts as missed however early it left. In [0, 1]; 0 for a negative threshold.
    pub fn service_level(&self, threshold_s: f64) -> f64 {
        if threshold_s.is_nan() {
            return f64::NAN;
        }
        match self.regime() {
            Regime::Invalid => f64::NAN,
            _ if threshold_s < 0.0 => 0.0,
            Regime::NoAbandonment(c) => c.service_level(threshold_s),
            Regime::Loss { b } => 1.0 - b,
            Regime::NeverWaits => 1.0,
            Regime::Palm(palm) => palm.answered_within(threshold_s),
        }
    }

    /// Average speed of answer: the mean wait of ANSWERED calls (zeros included), seconds.
    /// INFINITY if no call is ever answered (no agents).
    pub fn asa_s(&self) -> f64 {
        match self.regime() {
            Regime::Invalid => f64::NAN,
            Regime::NoAbandonment(c) => c.asa_s(),
            Regime::Loss { .. } | Regime::NeverWaits => 0.0,
            Regime::Palm(palm) => {
                let totals = palm.totals();
                let answered = palm.p_free + totals.answered_waiting;
                if answered > 0.0 {
                    totals.answered_wait_s / answered
                } else {
                    f64::INFINITY
                }
            }
        }
    }

    /// Mean time in queue over all calls (answered and abandoned) = E\[Q\]/λ, seconds.
    pub fn mean_wait_all_s(&self) -> f64 {
        match self.regime() {
            Regime::Invalid => f64::NAN,
            Regime::NoAbandonment(c) => c.asa_s(),
            Regime::Loss { .. } | Regime::NeverWaits => 0.0,
            Regime::Palm(palm) => palm.totals().wait_all_s,
        }
    }

    /// Mean number of callers waiting, E\[Q\] (time average).
    pub fn mean_queue_length(&self) -> f64 {
        match self.regime() {
            Regime::Invalid => f64::NAN,
            Regime::NoAbandonment(_) if self.calls_per_second == 0.0 => 0.0,
            Regime::NoAbandonment(c) => self.calls_per_second * c.asa_s(), // Little
            Regime::Loss { .. } | Regime::NeverWaits => 0.0,
            Regime::Palm(palm) => palm.totals().queue,
        }
    }

    /// Agent occupancy (1 - abandon_rate)·λ·AHT / N, in [0, 1]; 0 when there are no agents.
    pub fn occupancy(&self) -> f64 {
        let n = f64::from(self.agents);
        let answered = match self.regime() {
            Regime::Invalid => return f64::NAN,
            Regime::NoAbandonment(c) => return c.occupancy(),
            _ if self.agents == 0 => return 0.0,
            Regime::Loss { b } => 1.0 - b,
            Regime::NeverWaits => 1.0,
            Regime::Palm(palm) => palm.p_free + palm.totals().answered_waiting,
        };
        (answered * self.load() / n).min(1.0)
    }

    /// The least number of agents N whose Erlang A service level at `threshold_s` seconds
    /// reaches `target` (abandoned calls count as missed).
    ///
    /// Steps N up from ⌊target·load⌋, a lower bound because the service level never exceeds
    /// the answered fraction, which is at most N/load. A target of 0 gives that bound.
    ///
    /// # Panics
    /// If the load is not finite, `patience_s` is negative or NaN, `target` is outside
    /// [0, 1] or `threshold_s` is negative or NaN.
    pub fn agents_for_service_level(
        calls_per_second: f64,
        aht_s: f64,
        patience_s: f64,
        target: f64,
        threshold_s: f64,
    ) -> u32 {
        let load = offered_load(calls_per_second, aht_s);
        assert!(load.is_finite(), "offered load must be finite and >= 0");
        assert!(patience_s >= 0.0, "patience must be >= 0");
        assert!((0.0..=1.0).contains(&target), "target must be in [0, 1]");
        assert!(threshold_s >= 0.0, "threshold must be >= 0");
        let mut agents = (target * load).floor() as u32; // `as` saturates
        loop {
            let queue = ErlangA {
                agents,
                calls_per_second,
                aht_s,
                patience_s,
            };
            if queue.service_level(threshold_s) >= target {
                return agents;
            }
            let Some(next) = agents.checked_add(1) else {
                return u32::MAX;
            };
            agents = next;
        }
    }
}

/// The arrival-time distribution of the states where all agents are busy, for 0 < θ < ∞ and
/// B(N, A) > 0: q_j = P(an arrival finds all N agents busy and j callers waiting).
struct Palm {
    lambda: f64,
    /// Nμ: the service completion rate when all agents are busy.
    n_mu: f64,
    /// θ: the abandonment rate of one waiting caller.
    theta: f64,
    /// P(an arrival finds a free agent).
    p_free: f64,
    /// The normaliser of q_j/q_0 is e^ln_ref · scale, ln_ref being one of the ln(q_j/q_0)
    /// exactly, so that q_j = e^{ln(q_j/q_0) − ln_ref}/scale loses nothing to large logs.
    ln_ref: f64,
    scale: f64,
    /// The largest queue length kept.
    last: usize,
}

impl Palm {
    /// `None` if the queue is too long to evaluate (more than `MAX_QUEUE` waiting).
    fn new(model: &ErlangA, b: f64, theta: f64) -> Option<Palm> {
        let mut palm = Palm {
            lambda: model.calls_per_second,
            n_mu: if model.agents == 0 {
                0.0
            } else {
                f64::from(model.agents) / model.aht_s
            },
            theta,
            p_free: 0.0,
            ln_ref: 0.0,
            scale: 1.0,
            last: 0,
        };
        // States 0..=N weigh 1/B relative to state N (j = 0).
        let ln_low = -b.ln();
        let mut z = LogSum::new(ln_low);
        let mut ln_q = CompensatedSum::new(0.0);
        // The queue-length mode is about (λ − Nμ)/θ.
        if (palm.lambda - palm.n_mu) / theta > MAX_QUEUE as f64 {
            return None;
        }
        loop {
            let r = palm.ratio(palm.last + 1);
            // Once the ratios are below 1 they keep falling: the rest is below q·r/(1 − r).
            if r < 1.0 && ln_q.value() + (r / (1.0 - r)).ln() < z.ln() + LN_TAIL_EPS {
                break;
            }
            if palm.last == MAX_QUEUE {
                return None;
            }
            palm.last += 1;
            ln_q.add(r.ln());
            z.add(ln_q.value());
        }
        (palm.ln_ref, palm.scale) = (z.reference, z.scaled.value());
        palm.p_free = ((-b).ln_1p() + ln_low - palm.ln_ref).exp() / palm.scale;
        Some(palm)
    }

    /// q_j / q_{j−1} = λ / (Nμ + jθ).
    fn ratio(&self, j: usize) -> f64 {
        self.lambda / self.stage_rate(j)
    }

    /// s_m = Nμ + mθ: the rate at which the queue of m callers (all agents busy) shrinks.
    fn stage_rate(&self, m: usize) -> f64 {
        self.n_mu + m as f64 * self.theta
    }

    /// Calls `f(j, q_j)` for j = 0..=last.
    fn for_each(&self, mut f: impl FnMut(usize, f64)) {
        let mut ln_q = CompensatedSum::new(0.0);
        for j in 0..=self.last {
            if j > 0 {
                ln_q.add(self.ratio(j).ln());
            }
            f(j, (ln_q.value() - self.ln_ref).exp() / self.scale);
        }
    }

    fn totals(&self) -> Totals {
        let mut t = Totals {
            p_wait: 0.0,
            answered_waiting: 0.0,
            abandoned: 0.0,
            answered_wait_s: 0.0,
            wait_all_s: 0.0,
            queue: 0.0,
        };
        let mut mean_served_wait = 0.0; // Σ_{m ≤ j+1} 1/s_m
        self.for_each(|j, q| {
            let s = self.stage_rate(j + 1);
            mean_served_wait += 1.0 / s;
            let answered = q * self.n_mu / s;
            t.p_wait += q;
            t.answered_waiting += answered;
            t.abandoned += q * (j + 1) as f64 * self.theta / s;
            t.answered_wait_s += answered * mean_served_wait;
            t.wait_all_s += q * (j + 1) as f64 / s;
            t.queue += q * j as f64;
        });
        t.p_wait = t.p_wait.min(1.0);
        t
    }

    /// P(answered within t) for t >= 0: the calls finding a free agent plus, for each j,
    /// q_j · P(answered | j) · P(K ≥ j + 1) with K ~ NegBin(Nμ/θ + 1, e^{−θt}).
    fn answered_within(&self, t: f64) -> f64 {
        let mut k_at_least = NegBinTail::new(self.n_mu / self.theta, self.theta, t);
        let mut total = self.p_free;
        self.for_each(|j, q| {
            total += q * self.n_mu / self.stage_rate(j + 1) * k_at_least.next_value();
        });
        total.clamp(0.0, 1.0)
    }
}

/// P(K ≥ 1), P(K ≥ 2), … for K ~ NegBin(α + 1, e^{−θt}), pmf(k) = Γ(α+1+k)/(Γ(α+1) k!) ·
/// u^k (1 − u)^{α+1}, u = 1 − e^{−θt}. The pmf is carried in log space with compensated
/// summation, starting from ln pmf(0) = −(α + 1)θt, so it neither underflows nor drifts.
struct NegBinTail {
    alpha: f64,
    u: f64,
    ln_pmf: CompensatedSum,
    cdf: f64,
    k: usize,
    /// t = ∞ (or so large that pmf(0) is not representable even in logs): K = ∞.
    infinite: bool,
}

impl NegBinTail {
    fn new(alpha: f64, theta: f64, t: f64) -> NegBinTail {
        let ln_pmf0 = -(alpha + 1.0) * theta * t;
        NegBinTail {
            alpha,
            u: -(-theta * t).exp_m1(),
            ln_pmf: CompensatedSum::new(ln_pmf0),
            cdf: 0.0,
            k: 0,
            infinite: !ln_pmf0.is_finite(),
        }
    }

    /// P(K ≥ k + 1) for the current k, then moves on to k + 1.
    fn next_value(&mut self) -> f64 {
        if self.infinite {
            return 1.0;
        }
        if self.k > 0 && self.cdf < 1.0 {
            let k = self.k as f64;
            let ratio = (self.alpha + k) * self.u / k;
            if ratio > 0.0 {
                self.ln_pmf.add(ratio.ln());
            } else {
                self.cdf = 1.0; // t = 0 (u = 0): K = 0
            }
        }
        if self.cdf < 1.0 {
            self.cdf += self.ln_pmf.value().exp();
        }
        self.k += 1;
        (1.0 - self.cdf).clamp(0.0, 1.0)
    }
}

/// ln Σ e^{x_i}, accumulated without overflow as e^reference · Σ e^{x_i − reference} with
/// compensation. The reference is one of the x_i, moved only when a term exceeds it by e^64,
/// so rounding from rescaling stays negligible.
struct LogSum {
    reference: f64,
    scaled: CompensatedSum,
}

impl LogSum {
    fn new(x: f64) -> LogSum {
        LogSum {
            reference: x,
            scaled: CompensatedSum::new(1.0),
        }
    }

    fn add(&mut self, x: f64) {
        if x > self.reference + 64.0 {
            let factor = (self.reference - x).exp();
            self.scaled.sum *= factor;
            self.scaled.compensation *= factor;
            self.reference = x;
        }
        self.scaled.add((x - self.reference).exp());
    }

    fn ln(&self) -> f64 {
        self.reference + self.scaled.value().ln()
    }
}

/// Neumaier's compensated sum.
struct CompensatedSum {
    sum: f64,
    compensation: f64,
}

impl CompensatedSum {
    fn new(x: f64) -> CompensatedSum {
        CompensatedSum {
            sum: x,
            compensation: 0.0,
        }
    }

    fn add(&mut self, x: f64) {
        let t = self.sum + x;
        if self.sum.abs() >= x.abs() {
            self.compensation += (self.sum - t) + x;
        } else {
            self.compensation += (x - t) + self.sum;
        }
        self.sum = t;
    }

    fn value(&self) -> f64 {
        self.sum + self.compensation
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn queue(agents: u32, calls_per_second: f64, aht_s: f64, patience_s: f64) -> ErlangA {
        ErlangA {
            agents,
            calls_per_second,
            aht_s,
            patience_s,
        }
    }

    fn close(a: f64, b: f64, tol: f64) -> bool {
        (a - b).abs() <= tol * b.abs().max(1.0)
    }

    /// The stationary distribution π_0..=π_k_max by plain products (small cases only).
    fn brute_force_pi(q: &ErlangA, k_max: usize) -> Vec<f64> {
        let (n, mu, theta) = (q.agents as usize, 1.0 / q.aht_s, 1.0 / q.patience_s);
        let mut pi = vec![1.0];
        for k in 1..=k_max {
            let death = k.min(n) as f64 * mu + k.saturating_sub(n) as f64 * theta;
            pi.push(pi[k - 1] * q.calls_per_second / death);
        }
        let total: f64 = pi.iter().sum();
        assert!(pi[k_max] < 1e-18 * total, "k_max too small");
        // Drop the negligible tail: it would only slow the ODE below down.
        let last = pi
            .iter()
            .rposition(|p| *p >= 1e-20 * total)
            .unwrap_or(0)
            .max(n);
        pi[..=last].iter().map(|p| p / total).collect()
    }

    /// Integrates (RK4) the forward equations of a tagged arrival's position in the queue,
    /// started from the arrival distribution of the queue length. Returns
    /// (P(answered after waiting, by t) for each t in `ts`, E[wait; answered], P(answered)).
    fn tagged_caller_by_ode(q: &ErlangA, ts: &[f64]) -> (Vec<f64>, f64, f64) {
        let pi = brute_force_pi(q, 400);
        let n = q.agents as usize;
        let k_max = pi.len() - 1;
        let (n_mu, theta) = (n as f64 / q.aht_s, 1.0 / q.patience_s);
        // y[i] = P(i callers ahead, still waiting); y[J] = P(answered); y[J+1] = E[wait; answered].
        let j_max = k_max - n;
        let mut y: Vec<f64> = pi[n..].to_vec();
        y.extend([0.0, 0.0]);
        let advance = |i: usize| n_mu + i as f64 * theta; // rate of moving up with i ahead
        let deriv = |t: f64, y: &[f64], dy: &mut [f64]| {
            for i in 0..=j_max {
                let inflow = if i < j_max {
                    advance(i + 1) * y[i + 1]
                } else {
                    0.0
                };
                dy[i] = inflow - (advance(i) + theta) * y[i];
            }
            dy[j_max + 1] = n_mu * y[0];
            dy[j_max + 2] = t * n_mu * y[0];
        };
        let h_max = 0.02 / (advance(j_max) + theta);
        let m = y.len();
        let mut k = [
            vec![0.0; m],
            vec![0.0; m],
            vec![0.0; m],
            vec![0.0; m],
            vec![0.0; m],
        ];
        let mut rk4_step = |t: f64, h: f64, y: &mut [f64]| {
            let [k1, k2, k3, k4, tmp] = &mut k;
            deriv(t, y, k1);
            (0..m).for_each(|i| tmp[i] = y[i] + 0.5 * h * k1[i]);
            deriv(t + 0.5 * h, tmp, k2);
            (0..m).for_each(|i| tmp[i] = y[i] + 0.5 * h * k2[i]);
            deriv(t + 0.5 * h, tmp, k3);
            (0..m).for_each(|i| tmp[i] = y[i] + h * k3[i]);
            deriv(t + h, tmp, k4);
            (0..m).for_each(|i| y[i] += h / 6.0 * (k1[i] + 2.0 * k2[i] + 2.0 * k3[i] + k4[i]));
        };
        let (mut t, mut out) = (0.0, Vec::new());
        for &target in ts {
            // Equal steps that land exactly on `target`.
            let steps = ((target - t) / h_max).ceil();
            let h = (target - t) / steps.max(1.0);
            for _ in 0..steps as usize {
                rk4_step(t, h, &mut y);
                t += h;
            }
            t = target;
            out.push(y[j_max + 1]);
        }
        while y[..=j_max].iter().sum::<f64>() > 1e-15 {
            rk4_step(t, h_max, &mut y);
            t += h_max;
        }
        let p_free: f64 = pi[..n].iter().sum();
        (out, y[j_max + 2], p_free + y[j_max + 1])
    }

    /// No agents: every caller waits and abandons, exactly (the chain's sums read
    /// 0.9999999999999999).
    #[test]
    fn no_agents_lose_every_caller_exactly() {
        for patience in [0.0, 120.0] {
            let q = queue(0, 100.0 / 3600.0, 180.0, patience);
            assert_eq!(q.p_wait(), 1.0, "patience {patience}");
            assert_eq!(q.abandon_rate(), 1.0, "patience {patience}");
            assert_eq!(q.service_level(20.0), 0.0, "patience {patience}");
        }
    }

    /// M/M/1+M, M/M/3+M and an overloaded M/M/1+M against the brute-force distribution and
    /// the numerically integrated tagged-caller chain.
    #[test]
    fn matches_independent_computation() {
        let ts = [0.0, 5.0, 20.0, 60.0, 240.0];
        for q in [
            queue(1, 1.0 / 60.0, 45.0, 30.0),
            queue(1, 1.0 / 20.0, 45.0, 120.0),
            queue(3, 0.1, 40.0, 25.0),
            queue(20, 30.0 / 180.0, 180.0, 60.0),
            // Nμt = 800 at t = 240: the negative-binomial pmf starts below f64's range.
            queue(100, 95.0 / 30.0, 30.0, 45.0),
        ] {
            let pi = brute_force_pi(&q, 400);
            let n = q.agents as usize;
            let p_wait: f64 = pi[n..].iter().sum();
            let mean_queue: f64 = pi
                .iter()
                .enumerate()
                .map(|(k, p)| k.saturating_sub(n) as f64 * p)
                .sum();
            let busy: f64 = pi
                .iter()
                .enumerate()
                .map(|(k, p)| k.min(n) as f64 * p)
                .sum();
            assert!(close(q.p_wait(), p_wait, 1e-12), "{q:?}");
            assert!(close(q.mean_queue_length(), mean_queue, 1e-12), "{q:?}");
            assert!(close(q.occupancy(), busy / n as f64, 1e-12), "{q:?}");
            let (answered_by, answered_wait, answered) = tagged_caller_by_ode(&q, &ts);
            let p_free = 1.0 - p_wait;
            for (t, by) in ts.iter().zip(&answered_by) {
                let sl = q.service_level(*t);
                assert!(
                    (sl - (p_free + by)).abs() < 1e-10,
                    "{q:?} t={t}: {sl} vs {}",
                    p_free + by
                );
            }
            assert!(close(1.0 - q.abandon_rate(), answered, 1e-9), "{q:?}");
            assert!(close(q.asa_s(), answered_wait / answered, 1e-9), "{q:?}");
            assert!(close(
                q.mean_wait_all_s(),
                mean_queue / q.calls_per_second,
                1e-12
            ));
        }
    }

    #[test]
    fn abandonment_obeys_little() {
        for q in [
            queue(14, 100.0 / 1800.0, 180.0, 60.0),
            queue(1, 1.0 / 20.0, 45.0, 120.0),
            queue(10, 15.0 / 180.0, 180.0, 60.0),
            queue(0, 0.5, 100.0, 30.0),
            queue(5000, 4900.0 / 180.0, 180.0, 120.0),
            queue(5000, 6000.0 / 180.0, 180.0, 300.0),
            queue(50, 100.0, 1.0, 600.0),
            queue(200, 1.0, 180.0, 0.5),
        ] {
            let little = q.mean_queue_length() / q.patience_s / q.calls_per_second;
            let abandon = q.abandon_rate();
            assert!(
                (abandon - little).abs() < 1e-9 * little.max(1e-3),
                "{q:?}: {abandon} vs {little}"
            );
            for value in [q.p_wait(), abandon, q.service_level(20.0), q.occupancy()] {
                assert!((0.0..=1.0).contains(&value), "{q:?}: {value}");
            }
            assert!(q.asa_s() >= 0.0 && q.mean_wait_all_s() >= 0.0);
            assert!(q.service_level(20.0) <= 1.0 - abandon + 1e-12);
        }
    }

    #[test]
    fn long_patience_is_erlang_c() {
        for (agents, lambda, aht) in [
            (14, 100.0 / 1800.0, 180.0),
            (1, 0.004, 200.0),
            (300, 1.6, 180.0),
            (5000, 4900.0 / 180.0, 180.0),
        ] {
            // 1e9 s is not yet "infinite" for the M/M/1 case, whose waits are ~800 s.
            let a = queue(agents, lambda, aht, if agents == 1 { 1e12 } else { 1e9 });
            let c = ErlangC {
                agents,
                calls_per_second: lambda,
                aht_s: aht,
            };
            assert!((a.p_wait() - c.p_wait()).abs() < 1e-6);
            for t in [0.0, 20.0, 120.0] {
                assert!(
                    (a.service_level(t) - c.service_level(t)).abs() < 1e-6,
                    "t = {t}"
                );
            }
            assert!((a.asa_s() - c.asa_s()).abs() < 1e-6 * c.asa_s().max(1.0));
            assert!((a.mean_wait_all_s() - c.asa_s()).abs() < 1e-6 * c.asa_s().max(1.0));
            assert!(a.abandon_rate() < 1e-6);
            // patience = ∞ is exactly Erlang C, unstable included.
            let inf = queue(agents, lambda, aht, f64::INFINITY);
            assert_eq!(inf.service_level(20.0), c.service_level(20.0));
        }
        let unstable = queue(5, 0.1, 60.0, f64::INFINITY);
        assert_eq!((unstable.p_wait(), unstable.asa_s()), (1.0, f64::INFINITY));
    }

    #[test]
    fn no_patience_is_erlang_b() {
        let b = erlang_b(10, 9.0);
        for patience in [0.0, 1e-9] {
            let q = queue(10, 0.05, 180.0, patience);
            assert!((q.p_wait() - b).abs() < 1e-6 && (q.abandon_rate() - b).abs() < 1e-6);
            assert!((q.service_level(0.0) - (1.0 - b)).abs() < 1e-6);
            assert!(q.asa_s() < 1e-6 && (q.occupancy() - (1.0 - b) * 0.9).abs() < 1e-6);
        }
    }

    /// The negative-binomial form of the hypoexponential CDF against its closed form for one
    /// to three stages (well conditioned at this size).
    #[test]
    fn negative_binomial_is_the_hypoexponential_cdf() {
        let (n_mu, theta) = (0.07, 0.02);
        let s = |m: f64| n_mu + m * theta;
        for t in [0.0, 1.0, 13.0, 90.0] {
            let mut tail = NegBinTail::new(n_mu / theta, theta, t);
            let (s1, s2, s3) = (s(1.0), s(2.0), s(3.0));
            let e = |r: f64| (-r * t).exp();
            let one = 1.0 - e(s1);
            let two = 1.0 - (s2 * e(s1) - s1 * e(s2)) / (s2 - s1);
            let three = 1.0
                - (s2 * s3 / ((s2 - s1) * (s3 - s1)) * e(s1)
                    + s1 * s3 / ((s1 - s2) * (s3 - s2)) * e(s2)
                    + s1 * s2 / ((s1 - s3) * (s2 - s3)) * e(s3));
            for exact in [one, two, three] {
                assert!((tail.next_value() - exact).abs() < 1e-13, "t = {t}");
            }
        }
    }

    #[test]
    fn thousands_of_agents_and_long_queues() {
        let big = queue(5000, 4900.0 / 180.0, 180.0, 120.0);
        let sl = big.service_level(20.0);
        assert!(sl > 0.0 && sl < 1.0 && big.asa_s().is_finite());
        // Far overloaded: about (λ − Nμ)·patience = 30 000 waiting; nearly all arrivals wait.
        let jam = queue(50, 100.0, 1.0, 600.0);
        assert!((jam.mean_queue_length() - 30_000.0).abs() < 100.0);
        assert!((jam.abandon_rate() - 0.5).abs() < 1e-3 && jam.p_wait() > 0.999);
        assert!(jam.service_level(3600.0) <= 1.0 - jam.abandon_rate() + 1e-12);
        // Huge threshold: every answered call counts.
        let answered = 1.0 - big.abandon_rate();
        assert!((big.service_level(1e9) - answered).abs() < 1e-12);
        assert!((big.service_level(f64::INFINITY) - answered).abs() < 1e-12);
    }

    #[test]
    fn staffing_search_is_least() {
        for (lambda, aht, patience, target, t) in [
            (100.0 / 1800.0, 180.0, 60.0, 0.8, 20.0),
            (30.0, 240.0, 90.0, 0.9, 30.0),
            (2.0, 300.0, 20.0, 0.7, 60.0),
        ] {
            let n = ErlangA::agents_for_service_level(lambda, aht, patience, target, t);
            assert!(queue(n, lambda, aht, patience).service_level(t) >= target);
            assert!(
                queue(n - 1, lambda, aht, patience).service_level(t) < target,
                "{n}"
            );
        }
        assert_eq!(
            ErlangA::agents_for_service_level(0.1, 100.0, 60.0, 0.0, 20.0),
            0
        );
    }

    #[test]
    fn invalid_and_degenerate_inputs() {
        let bad = queue(3, 0.1, 60.0, -1.0);
        assert!(bad.p_wait().is_nan() && bad.service_level(5.0).is_nan() && bad.asa_s().is_nan());
        assert!(queue(3, f64::NAN, 60.0, 5.0).abandon_rate().is_nan());
        assert!(queue(3, 0.1, f64::INFINITY, 5.0).asa_s().is_nan());
        // Overloaded with ~1e10 callers waiting: not evaluated.
        let endless = queue(14, 0.1, 180.0, 1e12);
        assert!(endless.p_wait().is_nan() && endless.service_level(20.0).is_nan());
        let idle = queue(3, 0.0, 60.0, 30.0);
        assert_eq!(
            (idle.p_wait(), idle.abandon_rate(), idle.service_level(0.0)),
            (0.0, 0.0, 1.0)
        );
        let nobody = queue(0, 0.1, 60.0, 30.0);
        assert_eq!((nobody.p_wait(), nobody.abandon_rate()), (1.0, 1.0));
        assert_eq!(
            (nobody.service_level(20.0), nobody.asa_s()),
            (0.0, f64::INFINITY)
        );
        assert_eq!(nobody.occupancy(), 0.0);
        assert_eq!(queue(3, 0.1, 60.0, 30.0).service_level(-1.0), 0.0);
    }
}
