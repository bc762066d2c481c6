//! Across replications: the mean and the half-width of its 95 % confidence interval; a ratio
//! pooled over replications ([`RatioStat`]); the half-width of a pooled percentile
//! ([`sectioning_half_width`]).

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

/// A ratio of two per-replication totals pooled over replications, ΣX ÷ ΣN — e.g. calls
/// answered within the threshold over calls ended: the per-call figure queueing theory gives,
/// which the mean of each replication's own ratio is not when replications are short — with
/// the half-width of its 95 % confidence interval by the delta method (the ratio estimator's
/// standard error √(Σ(Xᵣ − r̂·Nᵣ)² / (R(R − 1))) ÷ N̄, Student t with R − 1 degrees of freedom).
///
/// Every replication counts, those with nothing in the denominator too (they add 0 to both
/// sums). Undefined (`None`) while ΣN is 0. Folded in replication order with Welford's
/// co-moments; the sums are plain sums in order, so the result depends on the values and
/// their order only, never on threads.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct RatioStat {
    n: u32,
    sum_x: f64,
    sum_n: f64,
    mean_x: f64,
    mean_n: f64,
    m2_x: f64,
    m2_n: f64,
    c_xn: f64,
}

impl RatioStat {
    /// Adds the next replication's numerator `x` and denominator `n`.
    pub fn add(&mut self, x: f64, n: f64) {
        self.n += 1;
        self.sum_x += x;
        self.sum_n += n;
        let count = self.n as f64;
        let dx = x - self.mean_x;
        let dn = n - self.mean_n;
        self.mean_x += dx / count;
        self.mean_n += dn / count;
        self.m2_x += dx * (x - self.mean_x);
        self.m2_n += dn * (n - self.mean_n);
        self.c_xn += dx * (n - self.mean_n);
    }

    /// The pooled ratio and its half-width.
    pub fn finish(&self) -> Stat {
        if self.n == 0 || self.sum_n <= 0.0 {
            return Stat {
                mean: None,
                ci95: None,
            };
        }
        let ratio = self.sum_x / self.sum_n;
        let ci95 = if self.n < 2 {
            0.0
        } else {
            let r = self.n as f64;
            let residuals =
                (self.m2_x - 2.0 * ratio * self.c_xn + ratio * ratio * self.m2_n).max(0.0);
            let mean_n = self.sum_n / r;
            student_t_975(self.n as usize - 1) * (residuals / (r * (r - 1.0))).sqrt() / mean_n
        };
        Stat {
            mean: Some(ratio),
            ci95: Some(ci95),
        }
    }
}

/// One replication's numerator and denominator of a ratio.
pub type RatioParts = (f64, f64);

/// The difference of two pooled ratios measured on the same replications (common random
/// numbers), ΣXᵃ/ΣNᵃ − ΣXᵇ/ΣNᵇ, with the half-width of its 95 % confidence interval by the
/// paired delta method: per replication the residual
/// (Xᵃᵣ − r̂ᵃ·Nᵃᵣ)/N̄ᵃ − (Xᵇᵣ − r̂ᵇ·Nᵇᵣ)/N̄ᵇ, whose spread gives the standard error. `pairs`
/// are each replication's ((Xᵃ, Nᵃ), (Xᵇ, Nᵇ)); undefined while either ΣN is 0.
pub fn paired_ratio_difference(pairs: &[(RatioParts, RatioParts)]) -> Stat {
    let undefined = Stat {
        mean: None,
        ci95: None,
    };
    let r = pairs.len();
    let (mut xa, mut na, mut xb, mut nb) = (0.0, 0.0, 0.0, 0.0);
    for &((x1, n1), (x2, n2)) in pairs {
        xa += x1;
        na += n1;
        xb += x2;
        nb += n2;
    }
    if r == 0 || na <= 0.0 || nb <= 0.0 {
        return undefined;
    }
    let (ra, rb) = (xa / na, xb / nb);
    let (mean_na, mean_nb) = (na / r as f64, nb / r as f64);
    let ci95 = if r < 2 {
        0.0
    } else {
        let squares: f64 = pairs
            .iter()
            .map(|&((x1, n1), (x2, n2))| {
                let e = (x1 - ra * n1) / mean_na - (x2 - rb * n2) / mean_nb;
                e * e
            })
            .sum();
        student_t_975(r - 1) * (squares / (r * (r - 1)) as f64).sqrt()
    };
    Stat {
        mean: Some(ra - rb),
        ci95: Some(ci95),
    }
}

/// The half-width of the 95 % confidence interval of a pooled estimate (a percentile of the
/// waits of every replication's calls together) by sectioning: from `n` replications' own
/// estimates and the sum of their squared deviations from the pooled one,
/// t · √(Σ(qᵣ − q̂)² / (n(n − 1))) (0 with one replication).
pub fn sectioning_half_width(n: u32, squares: f64) -> f64 {
    if n < 2 {
        return 0.0;
    }
    let n = n as usize;
    student_t_975(n - 1) * (squares.max(0.0) / (n * (n - 1)) as f64).sqrt()
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
    fn pooled_ratio_and_its_delta_method_interval() {
        // Three replications: 8/10, 0/0 (nothing ended), 18/20.
        let mut r = RatioStat::default();
        for (x, n) in [(8.0, 10.0), (0.0, 0.0), (18.0, 20.0)] {
            r.add(x, n);
        }
        let s = r.finish();
        let ratio = 26.0 / 30.0;
        assert!((s.mean.unwrap() - ratio).abs() < 1e-15);
        // Two-pass: residuals xᵣ − r̂·nᵣ, mean denominator 10.
        let squares: f64 = [(8.0, 10.0), (0.0, 0.0), (18.0, 20.0)]
            .iter()
            .map(|(x, n): &(f64, f64)| (x - ratio * n).powi(2))
            .sum();
        let expected = student_t_975(2) * (squares / 6.0).sqrt() / 10.0;
        assert!((s.ci95.unwrap() - expected).abs() < 1e-12, "{s:?}");
        // Equal ratios in every replication: no spread.
        let mut same = RatioStat::default();
        same.add(3.0, 4.0);
        same.add(6.0, 8.0);
        assert!(same.finish().ci95.unwrap() < 1e-12);
        assert_eq!(RatioStat::default().finish().mean, None);
        let mut empty = RatioStat::default();
        empty.add(0.0, 0.0);
        assert_eq!(empty.finish().mean, None, "nothing in any denominator");
    }

    #[test]
    fn paired_difference_of_pooled_ratios() {
        // B is A with one more call within the threshold in each replication.
        let a = [(8.0, 10.0), (15.0, 20.0), (9.0, 10.0)];
        let pairs: Vec<_> = a.iter().map(|&(x, n)| ((x + 1.0, n), (x, n))).collect();
        let d = paired_ratio_difference(&pairs);
        assert!((d.mean.unwrap() - 3.0 / 40.0).abs() < 1e-15);
        // Residuals: (x+1 − r̂ᵃn)/N̄ − (x − r̂ᵇn)/N̄ = (1 − n·3/40)/N̄ with N̄ = 40/3.
        let squares: f64 = a
            .iter()
            .map(|&(_, n)| ((1.0 - n * 3.0 / 40.0) / (40.0 / 3.0)).powi(2))
            .sum();
        let expected = student_t_975(2) * (squares / 6.0).sqrt();
        assert!((d.ci95.unwrap() - expected).abs() < 1e-12, "{d:?}");
        assert_eq!(
            paired_ratio_difference(&[((1.0, 2.0), (0.0, 0.0))]).mean,
            None
        );
    }

    #[test]
    fn sectioning_interval() {
        // Batches 3, 7.5, 1.25, 9, 4 about a pooled 5.
        let squares: f64 = [3.0f64, 7.5, 1.25, 9.0, 4.0]
            .iter()
            .map(|v| (v - 5.0) * (v - 5.0))
            .sum();
        let h = sectioning_half_width(5, squares);
        assert!((h - student_t_975(4) * (squares / 20.0).sqrt()).abs() < 1e-12);
        assert_eq!(sectioning_half_width(1, 4.0), 0.0);
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
