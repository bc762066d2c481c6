//! Poisson arrivals whose rate is constant within each interval (piecewise-constant).

use rand::Rng;

use crate::time::SimTime;

/// A non-homogeneous Poisson process with one rate per interval, over `[0, horizon)`.
///
/// Each arrival consumes exactly one unit-exponential draw, inverted through the cumulative
/// rate: exact (no thinning), and the k-th arrival always uses the k-th draw of its stream.
#[derive(Debug, Clone)]
pub struct PiecewisePoisson {
    /// Arrivals per nanosecond in each interval.
    rates: Vec<f64>,
    interval: u64,
    horizon: u64,
}

impl PiecewisePoisson {
    /// A process with `calls_per_hour[k]` in interval `k` of length `interval`, ending at
    /// `horizon`.
    pub fn new(calls_per_hour: &[f64], interval: SimTime, horizon: SimTime) -> PiecewisePoisson {
        let per_ns = 1.0 / 3600e9;
        PiecewisePoisson {
            rates: calls_per_hour.iter().map(|r| r * per_ns).collect(),
            interval: interval.0,
            horizon: horizon.0,
        }
    }

    /// The first arrival after `now`, or `None` if there is none before the horizon.
    #[inline(always)]
    pub fn next_after<R: Rng + ?Sized>(&self, now: SimTime, rng: &mut R) -> Option<SimTime> {
        let mut hazard = super::unit_exponential(rng);
        let mut t = now.0;
        let mut k = (t / self.interval) as usize;
        while k < self.rates.len() {
            let end = ((k as u64 + 1) * self.interval).min(self.horizon);
            let rate = self.rates[k];
            if rate > 0.0 {
                let gap = hazard / rate;
                if gap < (end - t) as f64 {
                    let next = t + (gap + 0.5) as u64; // rounded; gap ≥ 0
                    return (next < self.horizon).then_some(SimTime(next));
                }
                hazard -= rate * (end - t) as f64;
            }
            t = end;
            k += 1;
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dist::{stream, Purpose};

    fn count_per_interval(rates: &[f64], interval_s: f64, horizon_s: f64) -> Vec<u64> {
        let p = PiecewisePoisson::new(
            rates,
            SimTime::from_seconds(interval_s),
            SimTime::from_seconds(horizon_s),
        );
        let mut rng = stream(5, 0, 0, Purpose::Arrivals);
        let mut counts = vec![0u64; rates.len()];
        let mut t = SimTime::ZERO;
        while let Some(next) = p.next_after(t, &mut rng) {
            assert!(next >= t);
            counts[(next.as_seconds() / interval_s) as usize] += 1;
            t = next;
        }
        counts
    }

    #[test]
    fn counts_follow_the_rate_of_each_interval() {
        // 1000 hours per interval: Poisson counts with sd ≈ √mean.
        let rates = [100.0, 0.0, 400.0, 50.0];
        let counts = count_per_interval(&rates, 3600.0 * 1000.0, 3600.0 * 4000.0);
        for (rate, count) in rates.iter().zip(&counts) {
            let expected = rate * 1000.0;
            let tolerance = 4.0 * expected.sqrt() + 1.0;
            assert!(
                (*count as f64 - expected).abs() < tolerance,
                "rate {rate}: {count}"
            );
        }
        assert_eq!(counts[1], 0);
    }

    #[test]
    fn no_arrivals_at_or_after_the_horizon() {
        let counts = count_per_interval(&[3600.0], 60.0, 30.0);
        assert!(counts[0] > 0);
    }
}
