//! Arrival rates per call type and interval of the day, and the day-to-day variation beyond
//! Poisson (`busyness_cv`).

use statrs::distribution::{ChiSquared, ContinuousCDF};

/// A point estimate with its 95 % confidence interval and the sample it rests on.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Estimate {
    /// The estimate.
    pub value: f64,
    /// Lower end of the 95 % confidence interval.
    pub lo: f64,
    /// Upper end of the 95 % confidence interval.
    pub hi: f64,
    /// The sample size (calls, days or events, as the estimate says).
    pub n: u64,
}

impl Estimate {
    /// Whether `x` lies in the confidence interval.
    pub fn covers(&self, x: f64) -> bool {
        self.lo <= x && x <= self.hi
    }
}

/// The exact (Garwood) 95 % interval for the mean of a Poisson count `k`.
pub fn poisson_interval(k: u64) -> (f64, f64) {
    let lo = if k == 0 {
        0.0
    } else {
        chi2_quantile(2.0 * k as f64, 0.025) / 2.0
    };
    (lo, chi2_quantile(2.0 * k as f64 + 2.0, 0.975) / 2.0)
}

/// The `p` quantile of the χ² distribution with `dof` degrees of freedom.
pub fn chi2_quantile(dof: f64, p: f64) -> f64 {
    ChiSquared::new(dof)
        .expect("degrees of freedom are positive")
        .inverse_cdf(p)
}

/// The day-to-day variation of the daily totals.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Dispersion {
    /// Days compared.
    pub days: usize,
    /// Mean calls per day.
    pub mean: f64,
    /// Sample variance of the calls per day.
    pub variance: f64,
    /// The dispersion statistic Σ (N_d − mean)² / mean, χ² with days − 1 degrees of
    /// freedom when days are Poisson with one mean.
    pub statistic: f64,
    /// P(χ² ≥ statistic): small means more variation than Poisson.
    pub p_value: f64,
    /// The coefficient of variation of a day's busyness factor (mean 1) that explains the
    /// excess: cv² = (variance − mean) / mean², with the interval from the variance's χ²
    /// interval (0 when the variation is within Poisson).
    pub busyness_cv: Estimate,
}

/// Tests daily totals for over-dispersion and estimates `busyness_cv`; `None` with fewer
/// than two days.
pub fn dispersion(daily_totals: &[u64]) -> Option<Dispersion> {
    let n = daily_totals.len();
    if n < 2 {
        return None;
    }
    let mean = daily_totals.iter().sum::<u64>() as f64 / n as f64;
    if mean <= 0.0 {
        return None;
    }
    let ss: f64 = daily_totals
        .iter()
        .map(|&x| (x as f64 - mean).powi(2))
        .sum();
    let variance = ss / (n - 1) as f64;
    let statistic = ss / mean;
    let dof = (n - 1) as f64;
    let p_value = 1.0 - ChiSquared::new(dof).expect("dof > 0").cdf(statistic);
    let cv_for = |var: f64| ((var - mean) / (mean * mean)).max(0.0).sqrt();
    let busyness_cv = Estimate {
        value: cv_for(variance),
        lo: cv_for(ss / chi2_quantile(dof, 0.975)),
        hi: cv_for(ss / chi2_quantile(dof, 0.025)),
        n: n as u64,
    };
    Some(Dispersion {
        days: n,
        mean,
        variance,
        statistic,
        p_value,
        busyness_cv,
    })
}

/// Calls per hour in one interval from `count` calls over `days` days of `interval_s`
/// seconds, with the exact Poisson interval widened by √(1 + cv² m) for a day's busyness
/// (m = calls per day in the interval), since a mixed Poisson count has variance
/// m (1 + cv² m).
pub fn rate(count: u64, days: usize, interval_s: f64, busyness_cv: f64) -> Estimate {
    let exposure_h = days as f64 * interval_s / 3600.0;
    let value = count as f64 / exposure_h;
    let (lo, hi) = poisson_interval(count);
    let widen = (1.0 + busyness_cv * busyness_cv * count as f64 / days as f64).sqrt();
    let scale = |end: f64| (count as f64 + (end - count as f64) * widen).max(0.0) / exposure_h;
    Estimate {
        value,
        lo: scale(lo),
        hi: scale(hi),
        n: count,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn garwood_interval_matches_published_values() {
        // Tables of exact Poisson limits: k = 0 → [0, 3.689], k = 10 → [4.795, 18.390].
        let (lo, hi) = poisson_interval(0);
        assert_eq!(lo, 0.0);
        assert!((hi - 3.689).abs() < 1e-3);
        let (lo, hi) = poisson_interval(10);
        assert!(
            (lo - 4.795).abs() < 1e-3 && (hi - 18.390).abs() < 1e-3,
            "{lo} {hi}"
        );
    }

    #[test]
    fn rate_is_calls_per_hour() {
        let r = rate(600, 10, 1800.0, 0.0);
        assert!((r.value - 120.0).abs() < 1e-12);
        assert!(r.lo < 120.0 && r.hi > 120.0 && r.hi - r.lo < 25.0);
        let wider = rate(600, 10, 1800.0, 0.2);
        assert!(wider.lo < r.lo && wider.hi > r.hi);
    }

    #[test]
    fn equal_days_are_not_over_dispersed() {
        let d = dispersion(&[100, 100, 100, 100]).unwrap();
        assert_eq!(d.statistic, 0.0);
        assert!((d.p_value - 1.0).abs() < 1e-12);
        assert_eq!(d.busyness_cv.value, 0.0);
        assert!(dispersion(&[100]).is_none());
    }

    #[test]
    fn busyness_cv_from_known_variance() {
        // mean 1000, sample variance 1000 + (0.1 · 1000)² = 11000 → cv 0.1 exactly.
        let spread = (11000f64 / 2.0).sqrt();
        let (a, b) = (1000.0 - spread, 1000.0 + spread);
        let days: Vec<u64> = [a, b].iter().map(|x: &f64| x.round() as u64).collect();
        let d = dispersion(&days).unwrap();
        assert!((d.mean - 1000.0).abs() < 1e-9);
        assert!((d.busyness_cv.value - 0.1).abs() < 2e-3, "{:?}", d);
        assert!(d.p_value < 0.01);
        assert!(d.busyness_cv.lo <= 0.1 && d.busyness_cv.hi > 0.1);
    }
}
