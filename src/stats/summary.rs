//! Across replications: the mean and the half-width of its 95 % confidence interval.

use serde::Serialize;
use statrs::distribution::{ContinuousCDF, StudentsT};

/// A statistic over replications: the mean, and the half-width of its 95 % confidence
/// interval (Student t with n − 1 degrees of freedom; 0 with one replication).
///
/// Both are `None` (JSON `null`) when no replication defines the statistic, e.g. the ASA of
/// an interval in which no call was answered. A replication in which a ratio is undefined
/// (nothing in its denominator) is left out of that statistic's mean.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Stat {
    /// Mean over the replications that define it.
    pub mean: Option<f64>,
    /// Half-width of the 95 % confidence interval of the mean.
    pub ci95: Option<f64>,
}

impl Stat {
    /// The summary of per-replication values; `None`s are left out.
    pub fn of(values: impl IntoIterator<Item = Option<f64>>) -> Stat {
        let defined: Vec<f64> = values.into_iter().flatten().collect();
        let n = defined.len();
        if n == 0 {
            return Stat {
                mean: None,
                ci95: None,
            };
        }
        let mean = defined.iter().sum::<f64>() / n as f64;
        let ci95 = if n < 2 {
            0.0
        } else {
            let variance = defined.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1) as f64;
            student_t_975(n - 1) * (variance / n as f64).sqrt()
        };
        Stat {
            mean: Some(mean),
            ci95: Some(ci95),
        }
    }

    /// The mean, or NaN when undefined (for tables and comparisons).
    pub fn value(&self) -> f64 {
        self.mean.unwrap_or(f64::NAN)
    }

    /// The half-width, or NaN when undefined.
    pub fn half_width(&self) -> f64 {
        self.ci95.unwrap_or(f64::NAN)
    }
}

/// A [`Stat`] folded one value at a time, in replication order, keeping no values.
///
/// The mean is the plain sum in order divided by the count, bit for bit [`Stat::of`]'s; the
/// half-width uses Welford's running sum of squared deviations, which agrees with the
/// two-pass formula of [`Stat::of`] to rounding error. The result depends only on the values
/// and their order, never on threads.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct RunningStat {
    /// Values defined so far.
    n: u32,
    /// Their sum, in order.
    sum: f64,
    /// Welford's running mean (for the deviations only).
    mean: f64,
    /// Welford's running sum of squared deviations from the mean.
    m2: f64,
}

impl RunningStat {
    /// Adds the next value; `None` (undefined in that replication) is left out.
    pub fn add(&mut self, value: Option<f64>) {
        let Some(x) = value else { return };
        self.n += 1;
        self.sum += x;
        let delta = x - self.mean;
        self.mean += delta / self.n as f64;
        self.m2 += delta * (x - self.mean);
    }

    /// The summary of the values added.
    pub fn finish(&self) -> Stat {
        if self.n == 0 {
            return Stat {
                mean: None,
                ci95: None,
            };
        }
        let n = self.n as f64;
        let ci95 = if self.n < 2 {
            0.0
        } else {
            student_t_975(self.n as usize - 1) * (self.m2 / (n - 1.0) / n).sqrt()
        };
        Stat {
            mean: Some(self.sum / n),
            ci95: Some(ci95),
        }
    }
}

/// The 97.5 % quantile of Student's t with `degrees_of_freedom` (≥ 1): the factor of a
/// two-sided 95 % confidence interval.
pub fn student_t_975(degrees_of_freedom: usize) -> f64 {
    StudentsT::new(0.0, 1.0, degrees_of_freedom as f64)
        .map(|t| t.inverse_cdf(0.975))
        .unwrap_or(f64::NAN)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn student_t_quantiles_match_tables() {
        assert!((student_t_975(1) - 12.706).abs() < 1e-3);
        assert!((student_t_975(9) - 2.262).abs() < 1e-3);
        assert!((student_t_975(1000) - 1.962).abs() < 1e-3);
    }

    #[test]
    fn mean_and_half_width() {
        let s = Stat::of([Some(1.0), Some(2.0), Some(3.0), None]);
        assert_eq!(s.mean, Some(2.0));
        // sd 1, n 3: 4.303 / √3
        assert!((s.ci95.unwrap() - 4.302_653 / 3f64.sqrt()).abs() < 1e-5);
        assert_eq!(Stat::of([Some(5.0)]).ci95, Some(0.0));
        assert_eq!(Stat::of([None]).mean, None);
    }

    #[test]
    fn running_matches_the_two_pass_summary() {
        let values: Vec<Option<f64>> = (0..200)
            .map(|i| (i % 7 != 3).then(|| ((i * 37) % 101) as f64 / 7.0 + 1e6))
            .collect();
        let exact = Stat::of(values.iter().copied());
        let mut running = RunningStat::default();
        values.iter().for_each(|&v| running.add(v));
        let folded = running.finish();
        assert_eq!(folded.mean, exact.mean, "the mean is the same sum");
        let (a, b) = (folded.ci95.unwrap(), exact.ci95.unwrap());
        assert!((a - b).abs() <= 1e-12 * b, "{a} vs {b}");
        let mut one = RunningStat::default();
        one.add(Some(5.0));
        assert_eq!(one.finish(), Stat::of([Some(5.0)]));
        assert_eq!(RunningStat::default().finish(), Stat::of([None]));
    }
}
