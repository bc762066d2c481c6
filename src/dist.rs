//! Random quantities: handle-time and patience distributions, the arrival process, and the
//! random streams that make common random numbers possible.

mod arrivals;
mod streams;

pub use arrivals::PiecewisePoisson;
pub use streams::{chance, stream, CallerDraws, DecisionStream, Purpose, Stream};

use rand::Rng;
use rand_distr::{Distribution as _, Exp1, Gamma, LogNormal, Uniform};
use statrs::function::erf::{erfc, erfc_inv};
use statrs::function::gamma::{checked_gamma_ur, ln_gamma};

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

/// One draw of the exponential distribution of mean 1 (rand_distr's ziggurat), inlined
/// into the caller: the event loop draws one for nearly every arrival, handle time and
/// patience, and as a function call the draw cost twice its own work.
#[inline(always)]
pub fn unit_exponential<R: Rng + ?Sized>(rng: &mut R) -> f64 {
    <Exp1 as rand_distr::Distribution<f64>>::sample(&Exp1, rng)
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
        let (mu, sigma) = lognormal_parameters(mean, cv);
        let sampler = LogNormal::new(mu, sigma).map_err(|e| e.to_string())?;
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

    /// Whether every draw is the same value (no random number is used).
    pub fn is_constant(&self) -> bool {
        matches!(self, Distribution::Constant { .. })
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

    /// One draw, in seconds. An exponential time, the event loop's most common, is drawn
    /// in the caller's own code; the other kinds in [`Distribution::draw_seconds`]. (Also
    /// inlining the constant kind measured 1 % more instructions per call, not fewer.)
    #[inline(always)]
    pub fn sample_seconds<R: Rng + ?Sized>(&self, rng: &mut R) -> f64 {
        match self {
            Distribution::Exponential { mean } => mean * unit_exponential(rng),
            _ => self.draw_seconds(rng),
        }
    }

    /// One draw of any kind, in seconds (the same as [`Distribution::sample_seconds`], out
    /// of line).
    #[inline(never)]
    fn draw_seconds<R: Rng + ?Sized>(&self, rng: &mut R) -> f64 {
        match self {
            Distribution::Exponential { mean } => mean * unit_exponential(rng),
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

    /// `∫₀ˣ P(draw ≤ y) dy = E[(x − draw)⁺]`, with `x` = `x_s` seconds: how long, on
    /// average, a draw has been over by time `x` (0 for `x ≤ 0`). Differences of it give
    /// the share of draws, started uniformly over one stretch of time, that end within
    /// another (repeat calls landing in an interval: [`crate::offered`]). Exact for every
    /// kind, through the regularized incomplete gamma and the normal's `erfc`.
    pub fn integrated_cdf_seconds(&self, x_s: f64) -> f64 {
        let x = x_s;
        if x.is_nan() || x <= 0.0 {
            return 0.0;
        }
        let value = match self {
            Distribution::Exponential { mean } => x - mean * -(-x / mean).exp_m1(),
            Distribution::Constant { value } => x - value,
            Distribution::Uniform { min, max, .. } => {
                if x <= *min {
                    0.0
                } else if x >= *max {
                    x - (min + max) / 2.0
                } else {
                    (x - min) * (x - min) / (2.0 * (max - min))
                }
            }
            Distribution::LogNormal { mean, cv, .. } => {
                // x Φ(d) − mean Φ(d − σ), d = (ln x − μ) / σ.
                let (mu, sigma) = lognormal_parameters(*mean, *cv);
                let d = (x.ln() - mu) / sigma;
                let phi = |z: f64| 0.5 * erfc(-z / std::f64::consts::SQRT_2);
                x * phi(d) - mean * phi(d - sigma)
            }
            Distribution::Gamma { mean, cv, .. } => {
                // x P(a, x/θ) − aθ P(a + 1, x/θ), P the regularized lower incomplete gamma.
                let shape = 1.0 / (cv * cv);
                let y = x / (mean / shape);
                let lower = |a: f64| 1.0 - checked_gamma_ur(a, y).unwrap_or(0.0);
                x * lower(shape) - mean * lower(shape + 1.0)
            }
            Distribution::Empirical { values } => {
                values.iter().map(|v| (x - v).max(0.0)).sum::<f64>() / values.len() as f64
            }
        };
        // Never below 0 nor above x (rounding in the differences above).
        value.clamp(0.0, x)
    }

    /// The time left of a duration that has already lasted `elapsed` (a call in service, a
    /// caller's patience while waiting): `X − elapsed` for `X` drawn from the distribution
    /// conditioned on `X > elapsed`. See [`Distribution::sample_remaining_seconds`].
    pub fn sample_remaining<R: Rng + ?Sized>(&self, elapsed: SimTime, rng: &mut R) -> SimTime {
        SimTime::from_seconds(self.sample_remaining_seconds(elapsed.as_seconds(), rng))
    }

    /// `X − e` for `X` drawn from the distribution conditioned on `X > e`, in seconds, where
    /// `e` = `elapsed_s`. Exact for every kind: exponential is memoryless (one draw, as
    /// [`Distribution::sample_seconds`]); uniform and empirical draw on the part of the
    /// support above `e`; log-normal and gamma invert the tail's survival function (one
    /// uniform per draw). With `e` = 0 (or not a positive number) it is a plain draw.
    ///
    /// Fallbacks, for a duration the distribution says should already be over: past the
    /// largest value of a bounded distribution (constant, uniform, empirical) the time left
    /// is 0 (it ends now); so far into a log-normal's or gamma's tail that the tail's
    /// probability underflows to 0 in floating point (hundreds of means), the time left is
    /// exponential with the distribution's asymptotic hazard rate there. Never a panic,
    /// never a loop without a bound.
    pub fn sample_remaining_seconds<R: Rng + ?Sized>(&self, elapsed_s: f64, rng: &mut R) -> f64 {
        let e = elapsed_s;
        if e.is_nan() || e <= 0.0 {
            return self.sample_seconds(rng);
        }
        match self {
            Distribution::Exponential { mean } => mean * unit_exponential(rng),
            Distribution::Constant { value } => (value - e).max(0.0),
            Distribution::Uniform { min, max, .. } => {
                if e >= *max {
                    return 0.0;
                }
                let from = min.max(e);
                (from + (max - from) * rng.random::<f64>() - e).max(0.0)
            }
            Distribution::LogNormal { mean, cv, .. } => {
                let (mu, sigma) = lognormal_parameters(*mean, *cv);
                let z0 = (e.ln() - mu) / sigma;
                // The standard normal's tail beyond z0, inverted at u × its mass.
                let tail = 0.5 * erfc(z0 / std::f64::consts::SQRT_2);
                let target = open_unit(rng) * tail;
                if target > 0.0 {
                    let z = std::f64::consts::SQRT_2 * erfc_inv(2.0 * target);
                    let x = (mu + sigma * z).exp();
                    if x.is_finite() {
                        return (x - e).max(0.0);
                    }
                }
                // Mills' ratio: far in the tail the hazard is z0 / (σ e).
                exponential_with_mean(sigma * e / z0.max(1.0), rng)
            }
            Distribution::Gamma { mean, cv, .. } => {
                let shape = 1.0 / (cv * cv);
                let scale = mean / shape;
                match gamma_tail_quantile(shape, e / scale, open_unit(rng)) {
                    Some(y) => (y * scale - e).max(0.0),
                    // Far in the tail a gamma's hazard tends to 1 / scale.
                    None => exponential_with_mean(scale, rng),
                }
            }
            Distribution::Empirical { values } => {
                let above = values.iter().filter(|&&v| v > e).count();
                if above == 0 {
                    return 0.0;
                }
                let pick = rng.random_range(0..above);
                let value = values
                    .iter()
                    .filter(|&&v| v > e)
                    .nth(pick)
                    .expect("`pick` is below the count of values above e");
                value - e
            }
        }
    }
}

/// `(μ, σ)` of the normal whose exponential has `mean` and coefficient of variation `cv`.
fn lognormal_parameters(mean: f64, cv: f64) -> (f64, f64) {
    let sigma2 = (1.0 + cv * cv).ln();
    (mean.ln() - sigma2 / 2.0, sigma2.sqrt())
}

/// A uniform draw on `(0, 1]` (never 0, so that a tail's mass times it stays positive).
fn open_unit<R: Rng + ?Sized>(rng: &mut R) -> f64 {
    1.0 - rng.random::<f64>()
}

fn exponential_with_mean<R: Rng + ?Sized>(mean: f64, rng: &mut R) -> f64 {
    let mean = if mean.is_finite() && mean > 0.0 {
        mean
    } else {
        0.0
    };
    mean * unit_exponential(rng)
}

/// The `y ≥ y0` at which the upper tail of the standard gamma of shape `shape`,
/// `Q(shape, y)`, is `u × Q(shape, y0)`: the inverse-survival draw of the gamma conditioned on
/// exceeding `y0`. `None` when `Q(shape, y0)` underflows (or cannot be computed).
///
/// Solves `ln Q(y) = ln(u Q(y0))` by Newton's method on the log tail (whose slope is minus
/// the hazard rate), safeguarded by bisection inside a bracket: at most 64 doublings to find
/// the bracket and 200 steps within it.
fn gamma_tail_quantile(shape: f64, y0: f64, u: f64) -> Option<f64> {
    let log_tail = |y: f64| checked_gamma_ur(shape, y).ok().map(f64::ln);
    let tail0 = log_tail(y0)?;
    if !tail0.is_finite() {
        return None;
    }
    let goal = tail0 + u.ln();
    // g(y) = ln Q(y) − goal: ≥ 0 at y0, decreasing, below 0 far enough out.
    let g = |y: f64| log_tail(y).map(|l| l - goal);
    let (mut lo, mut hi) = (y0, y0);
    let mut step = shape.max(1.0);
    let mut bracketed = false;
    for _ in 0..64 {
        hi = y0 + step;
        if g(hi)? <= 0.0 {
            bracketed = true;
            break;
        }
        lo = hi;
        step *= 2.0;
    }
    if !bracketed {
        return None;
    }
    let ln_gamma_shape = ln_gamma(shape);
    let mut y = 0.5 * (lo + hi);
    for _ in 0..200 {
        let gy = g(y)?;
        if gy == 0.0 {
            return Some(y);
        }
        if gy > 0.0 {
            lo = y;
        } else {
            hi = y;
        }
        if hi - lo <= 1e-14 * hi {
            break;
        }
        // Newton: g'(y) = −hazard(y) = −pdf(y) / Q(y).
        let log_pdf = (shape - 1.0) * y.ln() - y - ln_gamma_shape;
        let hazard = (log_pdf - log_tail(y)?).exp();
        let next = y + gy / hazard;
        y = if next.is_finite() && next > lo && next < hi {
            next
        } else {
            0.5 * (lo + hi)
        };
    }
    Some(y)
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
    fn the_integrated_cdf_is_the_mean_time_a_draw_has_been_over() {
        // E[(x − X)⁺] from 400,000 draws, at x below, near and far above the mean.
        let cases = [
            Distribution::exponential(240.0),
            Distribution::Constant { value: 30.0 },
            Distribution::uniform(60.0, 180.0).unwrap(),
            Distribution::lognormal(240.0, 0.8).unwrap(),
            Distribution::lognormal(7200.0, 2.5).unwrap(),
            Distribution::gamma(240.0, 0.5).unwrap(),
            Distribution::gamma(240.0, 2.0).unwrap(),
            Distribution::Empirical {
                values: vec![10.0, 20.0, 20.0, 600.0],
            },
        ];
        for d in cases {
            let mut rng = stream(11, 0, 0, Purpose::HandleTime);
            let draws: Vec<f64> = (0..400_000).map(|_| d.sample_seconds(&mut rng)).collect();
            let mean = d.mean_seconds();
            for x in [0.1 * mean, 0.9 * mean, mean, 3.0 * mean, 20.0 * mean] {
                let sampled =
                    draws.iter().map(|v| (x - v).max(0.0)).sum::<f64>() / draws.len() as f64;
                let exact = d.integrated_cdf_seconds(x);
                assert!(
                    (exact - sampled).abs() <= 0.01 * x,
                    "{d:?} at {x}: {exact} against {sampled} sampled"
                );
            }
            assert_eq!(d.integrated_cdf_seconds(0.0), 0.0);
            assert_eq!(d.integrated_cdf_seconds(-5.0), 0.0);
            // Far past every draw, x less the mean.
            let far = 1e4 * mean;
            assert!((d.integrated_cdf_seconds(far) - (far - mean)).abs() < 1e-6 * far);
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

    /// The standard normal's upper tail.
    fn normal_tail(z: f64) -> f64 {
        0.5 * erfc(z / std::f64::consts::SQRT_2)
    }

    /// The mean of `X − e` given `X > e`, in closed form.
    fn conditional_mean_residual(d: &Distribution, e: f64) -> f64 {
        match d {
            Distribution::Exponential { mean } => *mean,
            Distribution::Constant { value } => value - e,
            Distribution::Uniform { min, max, .. } => (min.max(e) + max) / 2.0 - e,
            Distribution::LogNormal { mean, cv, .. } => {
                let (mu, sigma) = lognormal_parameters(*mean, *cv);
                let z0 = (e.ln() - mu) / sigma;
                mean * normal_tail(z0 - sigma) / normal_tail(z0) - e
            }
            Distribution::Gamma { mean, cv, .. } => {
                let shape = 1.0 / (cv * cv);
                let scale = mean / shape;
                let q = |a: f64| checked_gamma_ur(a, e / scale).unwrap();
                mean * q(shape + 1.0) / q(shape) - e
            }
            Distribution::Empirical { values } => {
                let above: Vec<f64> = values.iter().copied().filter(|&v| v > e).collect();
                above.iter().sum::<f64>() / above.len() as f64 - e
            }
        }
    }

    #[test]
    fn remaining_times_have_the_conditional_mean_of_every_kind() {
        let empirical = Distribution::Empirical {
            values: vec![10.0, 20.0, 60.0, 100.0, 20.0],
        };
        let cases = [
            (Distribution::exponential(240.0), 500.0),
            (Distribution::Constant { value: 300.0 }, 120.0),
            (Distribution::uniform(60.0, 180.0).unwrap(), 30.0),
            (Distribution::uniform(60.0, 180.0).unwrap(), 100.0),
            (Distribution::lognormal(240.0, 0.8).unwrap(), 60.0),
            (Distribution::lognormal(240.0, 0.8).unwrap(), 240.0),
            (Distribution::lognormal(240.0, 0.8).unwrap(), 1500.0),
            (Distribution::gamma(240.0, 0.5).unwrap(), 60.0),
            (Distribution::gamma(240.0, 0.5).unwrap(), 720.0),
            (Distribution::gamma(240.0, 1.5).unwrap(), 100.0),
            (Distribution::erlang(240.0, 3).unwrap(), 300.0),
            (empirical.clone(), 15.0),
            (empirical, 60.0),
        ];
        let n = 100_000;
        for (d, e) in cases {
            let mut rng = stream(11, 0, 0, Purpose::HandleTime);
            let xs: Vec<f64> = (0..n)
                .map(|_| d.sample_remaining_seconds(e, &mut rng))
                .collect();
            assert!(xs.iter().all(|&x| x.is_finite() && x >= 0.0), "{d:?}");
            let mean = xs.iter().sum::<f64>() / n as f64;
            let var = xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1) as f64;
            let se = (var / n as f64).sqrt();
            let expected = conditional_mean_residual(&d, e);
            assert!(
                (mean - expected).abs() <= 5.0 * se + 1e-9,
                "{d:?} after {e} s: mean left {mean} ± {se}, closed form {expected}"
            );
            // Not merely the mean: for the continuous tails, half the draws end before the
            // conditional median, F⁻¹(1 − S(e)/2).
            let median = match &d {
                Distribution::LogNormal { mean, cv, .. } => {
                    let (mu, sigma) = lognormal_parameters(*mean, *cv);
                    let tail = normal_tail((e.ln() - mu) / sigma);
                    Some((mu + sigma * std::f64::consts::SQRT_2 * erfc_inv(tail)).exp())
                }
                Distribution::Gamma { mean, cv, .. } => {
                    let shape = 1.0 / (cv * cv);
                    let y = gamma_tail_quantile(shape, e * shape / mean, 0.5).unwrap();
                    Some(y * mean / shape)
                }
                _ => None,
            };
            if let Some(median) = median {
                let below = xs.iter().filter(|&&x| x + e <= median).count() as f64 / n as f64;
                assert!(
                    (below - 0.5).abs() < 5.0 * 0.5 / (n as f64).sqrt(),
                    "{d:?}: {below}"
                );
            }
        }
    }

    #[test]
    fn gamma_tail_quantiles_agree_with_the_cdf() {
        use statrs::distribution::{ContinuousCDF, Gamma as G};
        let shape = 2.5;
        let g = G::new(shape, 1.0).unwrap();
        for (y0, u) in [(0.5, 0.3), (3.0, 0.9), (10.0, 0.01), (0.01, 1.0)] {
            let y = gamma_tail_quantile(shape, y0, u).unwrap();
            let want = u * g.sf(y0);
            assert!(y >= y0, "{y} < {y0}");
            assert!((g.sf(y) - want).abs() <= 1e-10 * want, "Q({y}) ≠ {want}");
        }
    }

    #[test]
    fn remaining_times_beyond_the_support_or_far_in_the_tail_fall_back() {
        let mut rng = stream(3, 0, 0, Purpose::Patience);
        let ended = [
            (Distribution::Constant { value: 30.0 }, 30.0),
            (Distribution::uniform(60.0, 180.0).unwrap(), 180.0),
            (Distribution::uniform(60.0, 180.0).unwrap(), 1e9),
            (
                Distribution::Empirical {
                    values: vec![10.0, 20.0],
                },
                20.0,
            ),
        ];
        for (d, e) in ended {
            assert_eq!(d.sample_remaining_seconds(e, &mut rng), 0.0, "{d:?}");
        }
        // Far in an unbounded tail: finite, and of the order of the asymptotic hazard.
        let lognormal = Distribution::lognormal(240.0, 0.8).unwrap();
        let gamma = Distribution::gamma(240.0, 0.5).unwrap();
        for e in [1e6, 1e12, 1e300, f64::MAX] {
            for d in [&lognormal, &gamma] {
                let x = d.sample_remaining_seconds(e, &mut rng);
                assert!(x.is_finite() && x >= 0.0, "{d:?} after {e}: {x}");
            }
        }
        let n = 20_000;
        let mean = (0..n)
            .map(|_| gamma.sample_remaining_seconds(1e6, &mut rng))
            .sum::<f64>()
            / n as f64;
        assert!(
            (mean - 60.0).abs() < 3.0,
            "gamma's far tail: scale 60 s, got {mean}"
        );
        // Zero elapsed: a plain draw, from the same stream position.
        for d in [lognormal, gamma, Distribution::exponential(10.0)] {
            let (mut a, mut b) = (
                stream(5, 1, 2, Purpose::HandleTime),
                stream(5, 1, 2, Purpose::HandleTime),
            );
            assert_eq!(
                d.sample_remaining_seconds(0.0, &mut a),
                d.sample_seconds(&mut b)
            );
        }
    }
}
