//! Random quantities: handle-time and patience distributions, the arrival process, and the
//! random streams that make common random numbers possible.

mod arrivals;
mod streams;

pub use arrivals::PiecewisePoisson;
pub use streams::{stream, Purpose, Stream};

use rand::Rng;
use rand_distr::{Distribution as _, Exp1, Gamma, LogNormal, Uniform};

use crate::time::SimTime;

/// Seconds in a (365.25-day) year.
pub const YEAR_S: f64 = 365.25 * 86400.0;

/// Longest time a distribution may draw (see [`Distribution::tail_seconds`]): a hundred
/// years, so that sums of draws and clock times stay far from the end of `SimTime` (584
/// years) and nothing saturates.
pub const LONGEST_DRAW_S: f64 = 100.0 * YEAR_S;

/// A validated distribution of a non-negative duration, in seconds.
///
/// The samplers are built once (when the model is made); drawing allocates nothing.
#[derive(Debug, Clone)]
pub enum Distribution {
    /// Exponential with the given mean.
    Exponential {
        /// Mean, seconds (> 0).
        mean: f64,
    },
    /// Always the same value.
    Constant {
        /// The value, seconds (≥ 0).
        value: f64,
    },
    /// Uniform on `[min, max]`.
    Uniform {
        /// Lower bound, seconds.
        min: f64,
        /// Upper bound, seconds.
        max: f64,
        /// The sampler.
        sampler: Uniform<f64>,
    },
    /// Log-normal with the given mean and coefficient of variation.
    LogNormal {
        /// Mean, seconds.
        mean: f64,
        /// Coefficient of variation.
        cv: f64,
        /// The sampler.
        sampler: LogNormal<f64>,
    },
    /// Gamma with the given mean and coefficient of variation (Erlang-k when cv = 1/√k).
    Gamma {
        /// Mean, seconds.
        mean: f64,
        /// Coefficient of variation.
        cv: f64,
        /// The sampler.
        sampler: Gamma<f64>,
    },
    /// A draw with equal probability from observed values.
    Empirical {
        /// The values, seconds; never empty.
        values: Vec<f64>,
    },
}

impl Distribution {
    /// Exponential with `mean` seconds; `mean` must be positive and finite.
    pub fn exponential(mean: f64) -> Distribution {
        debug_assert!(mean > 0.0 && mean.is_finite());
        Distribution::Exponential { mean }
    }

    /// Uniform on `[min, max]` seconds; needs `0 ≤ min ≤ max`.
    pub fn uniform(min: f64, max: f64) -> Result<Distribution, String> {
        let sampler = Uniform::new_inclusive(min, max).map_err(|e| e.to_string())?;
        Ok(Distribution::Uniform { min, max, sampler })
    }

    /// Log-normal with `mean` seconds and coefficient of variation `cv` (both > 0).
    pub fn lognormal(mean: f64, cv: f64) -> Result<Distribution, String> {
        let sigma2 = (1.0 + cv * cv).ln();
        let mu = mean.ln() - sigma2 / 2.0;
        let sampler = LogNormal::new(mu, sigma2.sqrt()).map_err(|e| e.to_string())?;
        Ok(Distribution::LogNormal { mean, cv, sampler })
    }

    /// Gamma with `mean` seconds and coefficient of variation `cv` (both > 0).
    pub fn gamma(mean: f64, cv: f64) -> Result<Distribution, String> {
        let shape = 1.0 / (cv * cv);
        let sampler = Gamma::new(shape, mean / shape).map_err(|e| e.to_string())?;
        Ok(Distribution::Gamma { mean, cv, sampler })
    }

    /// Erlang with `k` phases and `mean` seconds: a gamma with cv = 1/√k.
    pub fn erlang(mean: f64, k: u32) -> Result<Distribution, String> {
        Distribution::gamma(mean, 1.0 / (k as f64).sqrt())
    }

    /// The mean, in seconds.
    pub fn mean_seconds(&self) -> f64 {
        match self {
            Distribution::Exponential { mean } => *mean,
            Distribution::Constant { value } => *value,
            Distribution::Uniform { min, max, .. } => (min + max) / 2.0,
            Distribution::LogNormal { mean, .. } | Distribution::Gamma { mean, .. } => *mean,
            Distribution::Empirical { values } => values.iter().sum::<f64>() / values.len() as f64,
        }
    }

    /// A draw exceeds this many seconds with probability at most 10⁻¹⁵: the largest value
    /// of a bounded distribution, a bound on the 1 − 10⁻¹⁵ quantile of the others (for the
    /// gamma, the sub-gamma tail bound `θ(a + √(2at) + t)`, t = ln 10¹⁵).
    pub fn tail_seconds(&self) -> f64 {
        let t = 1e15f64.ln();
        match self {
            Distribution::Exponential { mean } => mean * t,
            Distribution::Constant { value } => *value,
            Distribution::Uniform { max, .. } => *max,
            Distribution::LogNormal { mean, cv, .. } => {
                // P(Z > 7.94) = 10⁻¹⁵ for a standard normal Z.
                let sigma2 = (1.0 + cv * cv).ln();
                (mean.ln() - sigma2 / 2.0 + 7.94 * sigma2.sqrt()).exp()
            }
            Distribution::Gamma { mean, cv, .. } => {
                let shape = 1.0 / (cv * cv);
                let scale = mean / shape;
                scale * (shape + (2.0 * shape * t).sqrt() + t)
            }
            Distribution::Empirical { values } => values.iter().copied().fold(0.0, f64::max),
        }
    }

    /// One draw, in seconds.
    #[inline]
    pub fn sample_seconds<R: Rng + ?Sized>(&self, rng: &mut R) -> f64 {
        match self {
            Distribution::Exponential { mean } => mean * rng.sample::<f64, _>(Exp1),
            Distribution::Constant { value } => *value,
            Distribution::Uniform { sampler, .. } => sampler.sample(rng),
            Distribution::LogNormal { sampler, .. } => sampler.sample(rng),
            Distribution::Gamma { sampler, .. } => sampler.sample(rng),
            Distribution::Empirical { values } => values[rng.random_range(0..values.len())],
        }
    }

    /// One draw, as simulated time.
    #[inline]
    pub fn sample<R: Rng + ?Sized>(&self, rng: &mut R) -> SimTime {
        SimTime::from_seconds(self.sample_seconds(rng))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample_mean_and_cv(d: &Distribution) -> (f64, f64) {
        let mut rng = stream(7, 0, 0, Purpose::HandleTime);
        let n = 200_000;
        let xs: Vec<f64> = (0..n).map(|_| d.sample_seconds(&mut rng)).collect();
        let mean = xs.iter().sum::<f64>() / n as f64;
        let var = xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1) as f64;
        (mean, var.sqrt() / mean)
    }

    #[test]
    fn samples_have_the_stated_mean_and_cv() {
        let cases = [
            (Distribution::exponential(240.0), 240.0, 1.0),
            (Distribution::Constant { value: 30.0 }, 30.0, 0.0),
            (
                Distribution::uniform(60.0, 180.0).unwrap(),
                120.0,
                (60.0 / 3f64.sqrt()) / 120.0,
            ),
            (Distribution::lognormal(240.0, 0.8).unwrap(), 240.0, 0.8),
            (Distribution::gamma(240.0, 0.5).unwrap(), 240.0, 0.5),
            (Distribution::erlang(240.0, 4).unwrap(), 240.0, 0.5),
        ];
        for (d, mean, cv) in cases {
            let (m, c) = sample_mean_and_cv(&d);
            assert!((m - mean).abs() < 0.01 * mean, "{d:?}: mean {m}");
            assert!((c - cv).abs() < 0.02, "{d:?}: cv {c}");
            assert!((d.mean_seconds() - mean).abs() < 1e-9);
        }
    }

    #[test]
    fn empirical_draws_only_its_values() {
        let d = Distribution::Empirical {
            values: vec![10.0, 20.0, 60.0],
        };
        let mut rng = stream(1, 0, 0, Purpose::Patience);
        for _ in 0..1000 {
            let x = d.sample_seconds(&mut rng);
            assert!([10.0, 20.0, 60.0].contains(&x));
        }
        assert_eq!(d.mean_seconds(), 30.0);
    }
}
