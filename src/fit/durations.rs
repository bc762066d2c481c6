//! Talk and wrap-up times: exponential, lognormal and gamma by maximum likelihood, the
//! choice by AIC, the Kolmogorov–Smirnov distance, and an empirical distribution when no
//! family fits plentiful data.

use statrs::distribution::{ContinuousCDF, Exp, Gamma, LogNormal};
use statrs::function::gamma::digamma;

use super::arrivals::{chi2_quantile, Estimate};

/// The fewest positive durations fitted for one call type.
pub const MIN_SAMPLE: usize = 30;
/// The fewest values written as their own quantiles when no family follows them (below,
/// the quantiles' tails rest on too few values).
pub const MIN_FOR_QUANTILES: usize = 500;

/// A distribution family `callsim` can simulate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Family {
    /// One parameter: cv = 1.
    Exponential,
    /// log X normal.
    Lognormal,
    /// Gamma with shape k = 1/cv².
    Gamma,
    /// Every value the same (cv = 0): a fixed time, as an IVR message or a set wrap-up.
    Constant,
}

impl Family {
    /// The name used in scenarios.
    pub fn name(self) -> &'static str {
        match self {
            Family::Exponential => "exponential",
            Family::Lognormal => "lognormal",
            Family::Gamma => "gamma",
            Family::Constant => "constant",
        }
    }

    fn parameters(self) -> f64 {
        match self {
            Family::Exponential | Family::Constant => 1.0,
            Family::Lognormal | Family::Gamma => 2.0,
        }
    }

    /// The distribution function at `x` for a given mean and cv.
    pub fn cdf(self, mean: f64, cv: f64, x: f64) -> f64 {
        match self {
            Family::Exponential => Exp::new(1.0 / mean).expect("mean > 0").cdf(x),
            Family::Lognormal => {
                let s2 = (1.0 + cv * cv).ln();
                LogNormal::new(mean.ln() - s2 / 2.0, s2.sqrt())
                    .expect("cv > 0")
                    .cdf(x)
            }
            Family::Gamma => {
                let k = 1.0 / (cv * cv);
                Gamma::new(k, k / mean).expect("mean, cv > 0").cdf(x)
            }
            Family::Constant => f64::from(u8::from(x >= mean)),
        }
    }
}

impl Family {
    /// The `p` quantile for a given mean and cv.
    pub fn quantile(self, mean: f64, cv: f64, p: f64) -> f64 {
        match self {
            Family::Exponential => -mean * (1.0 - p).ln(),
            Family::Lognormal => {
                let s2 = (1.0 + cv * cv).ln();
                LogNormal::new(mean.ln() - s2 / 2.0, s2.sqrt())
                    .expect("cv > 0")
                    .inverse_cdf(p)
            }
            Family::Gamma => {
                let k = 1.0 / (cv * cv);
                Gamma::new(k, k / mean)
                    .expect("mean, cv > 0")
                    .inverse_cdf(p)
            }
            Family::Constant => mean,
        }
    }
}

/// One family fitted by maximum likelihood.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FamilyFit {
    /// Which family.
    pub family: Family,
    /// Its mean.
    pub mean: f64,
    /// Its coefficient of variation.
    pub cv: f64,
    /// The maximised log-likelihood.
    pub log_likelihood: f64,
    /// Akaike's information criterion, 2 parameters − 2 log-likelihood (smaller is better).
    pub aic: f64,
    /// The Kolmogorov–Smirnov distance between the fitted and the empirical distribution.
    pub ks: f64,
}

/// The fit of a sample of durations.
#[derive(Debug, Clone, PartialEq)]
pub struct DurationFit {
    /// Zero durations left out (lognormal and gamma need positive values).
    pub zeros: usize,
    /// The sample mean with its 95 % interval (central limit theorem); `n` positive values.
    pub mean: Estimate,
    /// The sample coefficient of variation.
    pub sample_cv: f64,
    /// Every family, in the order exponential, lognormal, gamma.
    pub families: Vec<FamilyFit>,
    /// Index of the family with the smallest AIC.
    pub best: usize,
    /// The chosen family's cv with its 95 % interval (exactly 1 for exponential).
    pub cv: Estimate,
    /// The 5 % critical KS distance, 1.36 / √n.
    pub ks_critical: f64,
    /// 100 quantiles of the sample when no family fits: the best family's KS distance is
    /// both significant and above 0.05, with at least 500 values.
    pub empirical: Option<Vec<f64>>,
    /// The sample's quantiles at (i + 0.5) / 100, i = 0..100: its empirical distribution,
    /// for charts.
    pub quantiles: Vec<f64>,
}

impl DurationFit {
    /// The family with the smallest AIC.
    pub fn chosen(&self) -> &FamilyFit {
        &self.families[self.best]
    }
}

/// Fits `values` (seconds); `None` with fewer than [`MIN_SAMPLE`] positive values. When
/// every positive value is the same, the fit is that constant (no family with a spread
/// fits a sample without one).
pub fn fit(values: &[f64]) -> Option<DurationFit> {
    let mut x: Vec<f64> = values.iter().copied().filter(|&v| v > 0.0).collect();
    let zeros = values.len() - x.len();
    let n = x.len();
    if n < MIN_SAMPLE {
        return None;
    }
    x.sort_by(|a, b| a.partial_cmp(b).expect("durations are finite"));
    if x[0] == x[n - 1] {
        return Some(constant_fit(x[0], n, zeros));
    }
    let nf = n as f64;
    let mean = x.iter().sum::<f64>() / nf;
    let var = x.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (nf - 1.0);
    let half = 1.96 * (var / nf).sqrt();
    let mean_log = x.iter().map(|v| v.ln()).sum::<f64>() / nf;
    let var_log = x.iter().map(|v| (v.ln() - mean_log).powi(2)).sum::<f64>() / nf;

    let ll_exp = -nf * mean.ln() - nf;
    let ll_lognormal =
        -nf * mean_log - nf / 2.0 * (2.0 * std::f64::consts::PI * var_log).ln() - nf / 2.0;
    let shape = gamma_shape(mean.ln() - mean_log);
    let ll_gamma = nf
        * (shape * (shape / mean).ln() - statrs::function::gamma::ln_gamma(shape)
            + (shape - 1.0) * mean_log
            - shape);
    let lognormal_cv = (var_log.exp() - 1.0).sqrt();
    let gamma_cv = 1.0 / shape.sqrt();
    let family = |family: Family, cv: f64, ll: f64| {
        let ks = ks_distance(&x, |t| family.cdf(mean, cv, t));
        FamilyFit {
            family,
            mean,
            cv,
            log_likelihood: ll,
            aic: 2.0 * family.parameters() - 2.0 * ll,
            ks,
        }
    };
    let families = vec![
        family(Family::Exponential, 1.0, ll_exp),
        family(Family::Lognormal, lognormal_cv, ll_lognormal),
        family(Family::Gamma, gamma_cv, ll_gamma),
    ];
    let best = (0..3)
        .min_by(|&a, &b| {
            families[a]
                .aic
                .partial_cmp(&families[b].aic)
                .expect("finite AIC")
        })
        .expect("three families");
    let cv = match families[best].family {
        Family::Exponential | Family::Constant => Estimate {
            value: families[best].cv,
            lo: families[best].cv,
            hi: families[best].cv,
            n: n as u64,
        },
        Family::Lognormal => {
            // n σ̂² / σ² is χ² with n − 1 degrees of freedom.
            let to_cv = |s2: f64| (s2.exp() - 1.0).sqrt();
            Estimate {
                value: lognormal_cv,
                lo: to_cv(nf * var_log / chi2_quantile(nf - 1.0, 0.975)),
                hi: to_cv(nf * var_log / chi2_quantile(nf - 1.0, 0.025)),
                n: n as u64,
            }
        }
        Family::Gamma => {
            // Fisher information of the shape with the mean profiled out: n (ψ'(k) − 1/k).
            let se = 1.0 / (nf * (trigamma(shape) - 1.0 / shape)).sqrt();
            let (k_lo, k_hi) = ((shape - 1.96 * se).max(1e-6), shape + 1.96 * se);
            Estimate {
                value: gamma_cv,
                lo: 1.0 / k_hi.sqrt(),
                hi: 1.0 / k_lo.sqrt(),
                n: n as u64,
            }
        }
    };
    let ks_critical = 1.36 / nf.sqrt();
    let quantiles: Vec<f64> = (0..100)
        .map(|i| x[((i as f64 + 0.5) / 100.0 * nf) as usize])
        .collect();
    let empirical =
        (families[best].ks > ks_critical && families[best].ks > 0.05 && n >= MIN_FOR_QUANTILES)
            .then(|| quantiles.clone());
    Some(DurationFit {
        zeros,
        mean: Estimate {
            value: mean,
            // A duration's mean is never negative, however skewed the sample.
            lo: (mean - half).max(0.0),
            hi: mean + half,
            n: n as u64,
        },
        sample_cv: var.sqrt() / mean,
        families,
        best,
        cv,
        ks_critical,
        empirical,
        quantiles,
    })
}

/// The fit of `n` positive values all equal to `value`: that constant, exactly.
fn constant_fit(value: f64, n: usize, zeros: usize) -> DurationFit {
    let exact = |value: f64| Estimate {
        value,
        lo: value,
        hi: value,
        n: n as u64,
    };
    DurationFit {
        zeros,
        mean: exact(value),
        sample_cv: 0.0,
        families: vec![FamilyFit {
            family: Family::Constant,
            mean: value,
            cv: 0.0,
            log_likelihood: 0.0,
            aic: 2.0,
            ks: 0.0,
        }],
        best: 0,
        cv: exact(0.0),
        ks_critical: 1.36 / (n as f64).sqrt(),
        empirical: None,
        quantiles: vec![value; 100],
    }
}

/// The gamma shape k solving ln k − ψ(k) = s (s = ln mean − mean of ln > 0), by Newton's
/// method from Minka's closed-form start.
pub fn gamma_shape(s: f64) -> f64 {
    if s <= 0.0 {
        return 1e6;
    }
    let mut k = (3.0 - s + ((s - 3.0).powi(2) + 24.0 * s).sqrt()) / (12.0 * s);
    for _ in 0..50 {
        let f = k.ln() - digamma(k) - s;
        let df = 1.0 / k - trigamma(k);
        let next = k - f / df;
        let next = if next <= 0.0 { k / 2.0 } else { next };
        if (next - k).abs() < 1e-12 * k {
            return next;
        }
        k = next;
    }
    k
}

/// ψ'(x), the trigamma function, for x > 0: the recurrence up to x ≥ 10, then the asymptotic
/// series (error below 1e-12).
pub fn trigamma(mut x: f64) -> f64 {
    let mut acc = 0.0;
    while x < 10.0 {
        acc += 1.0 / (x * x);
        x += 1.0;
    }
    let x2 = 1.0 / (x * x);
    acc + 1.0 / x
        + x2 / 2.0
        + (1.0 / x) * x2 * (1.0 / 6.0 - x2 * (1.0 / 30.0 - x2 * (1.0 / 42.0 - x2 / 30.0)))
}

/// sup |F_n − F| over a sorted sample.
pub fn ks_distance(sorted: &[f64], cdf: impl Fn(f64) -> f64) -> f64 {
    let n = sorted.len() as f64;
    sorted
        .iter()
        .enumerate()
        .map(|(i, &x)| {
            let f = cdf(x);
            (f - i as f64 / n).abs().max(((i + 1) as f64 / n - f).abs())
        })
        .fold(0.0, f64::max)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use rand_distr::{Distribution, Gamma as GammaDist, LogNormal as LogNormalDist};

    #[test]
    fn trigamma_and_gamma_shape_known_values() {
        // ψ'(1) = π²/6, ψ'(0.5) = π²/2.
        assert!((trigamma(1.0) - std::f64::consts::PI.powi(2) / 6.0).abs() < 1e-10);
        assert!((trigamma(0.5) - std::f64::consts::PI.powi(2) / 2.0).abs() < 1e-10);
        for k in [0.3f64, 1.0, 2.5, 40.0] {
            let s = k.ln() - digamma(k);
            assert!((gamma_shape(s) - k).abs() < 1e-8 * k, "{k}");
        }
    }

    #[test]
    fn a_sample_without_spread_is_that_constant() {
        let f = fit(&[0.0; 3]
            .iter()
            .chain(&[180.0; 40])
            .copied()
            .collect::<Vec<_>>())
        .unwrap();
        assert_eq!(f.chosen().family, Family::Constant);
        assert_eq!((f.mean.value, f.cv.value, f.zeros), (180.0, 0.0, 3));
        assert_eq!(f.chosen().family.quantile(180.0, 0.0, 0.9), 180.0);
        assert_eq!(f.chosen().family.cdf(180.0, 0.0, 179.0), 0.0);
        // One value apart is a spread: a family with a cv fits it, without a panic.
        let mut nearly = vec![180.0; 40];
        nearly[7] = 181.0;
        assert_ne!(fit(&nearly).unwrap().chosen().family, Family::Constant);
    }

    #[test]
    fn exponential_data_has_cv_one_and_small_ks() {
        // Exact exponential quantiles: every family's mean is the sample mean.
        let x: Vec<f64> = (0..2000)
            .map(|i| -120.0 * (1.0 - (i as f64 + 0.5) / 2000.0).ln())
            .collect();
        let f = fit(&x).unwrap();
        assert!((f.mean.value - 120.0).abs() < 1.0);
        assert!(
            (f.families[2].cv - 1.0).abs() < 0.02,
            "gamma shape ≈ 1: {:?}",
            f.families[2]
        );
        assert!(f.families[0].ks < 0.01);
        assert!(f.empirical.is_none());
    }

    #[test]
    fn recovers_lognormal_and_gamma_by_aic() {
        let mut rng = rand_xoshiro::Xoshiro256PlusPlus::seed_from_u64(11);
        // Lognormal with mean 200 and cv 1.5.
        let s2 = (1.0f64 + 2.25).ln();
        let ln = LogNormalDist::new(200f64.ln() - s2 / 2.0, s2.sqrt()).unwrap();
        let x: Vec<f64> = (0..5000).map(|_| ln.sample(&mut rng)).collect();
        let f = fit(&x).unwrap();
        assert_eq!(f.chosen().family, Family::Lognormal);
        assert!(
            f.mean.covers(200.0) && f.cv.covers(1.5),
            "{:?} {:?}",
            f.mean,
            f.cv
        );
        assert!(f.chosen().ks < f.ks_critical);
        // Gamma with mean 300 and cv 0.5 (shape 4).
        let g = GammaDist::new(4.0, 75.0).unwrap();
        let x: Vec<f64> = (0..5000).map(|_| g.sample(&mut rng)).collect();
        let f = fit(&x).unwrap();
        assert_eq!(f.chosen().family, Family::Gamma);
        assert!(
            f.mean.covers(300.0) && f.cv.covers(0.5),
            "{:?} {:?}",
            f.mean,
            f.cv
        );
    }

    #[test]
    fn too_few_or_zero_values_are_not_fitted() {
        assert!(fit(&[1.0; 29]).is_none());
        let mut x = vec![0.0; 10];
        x.extend((1..=40).map(f64::from));
        assert_eq!(fit(&x).unwrap().zeros, 10);
    }

    #[test]
    fn a_bimodal_sample_gets_an_empirical_distribution() {
        let x: Vec<f64> = (0..1000)
            .map(|i| {
                if i % 2 == 0 {
                    10.0 + (i % 7) as f64
                } else {
                    600.0 + (i % 11) as f64
                }
            })
            .collect();
        let f = fit(&x).unwrap();
        let q = f.empirical.as_ref().expect("no family fits two spikes");
        assert_eq!(q.len(), 100);
        assert!(q[10] < 20.0 && q[90] > 600.0);
    }
}
