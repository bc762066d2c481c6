//! Patience from censored waits. An abandoned caller's wait is its patience (an event); an
//! answered caller's wait is a lower bound on it (censored); a caller answered at once tells
//! nothing and is left out.

use statrs::distribution::{Continuous, ContinuousCDF, Gamma, LogNormal};

use super::arrivals::{chi2_quantile, Estimate};
use super::durations::Family;
use crate::scenario::{MAX_CV, MIN_CV};

/// The fewest abandonments fitted for one call type.
pub const MIN_EVENTS: usize = 10;

/// One queued caller: how long it waited and whether it hung up.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Wait {
    /// Seconds in queue.
    pub seconds: f64,
    /// Hung up (the wait is the patience) or was answered (patience was longer).
    pub abandoned: bool,
}

/// A censored maximum-likelihood fit of one family.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CensoredFit {
    /// Which family.
    pub family: Family,
    /// Its mean, with the 95 % interval from the observed information.
    pub mean: Estimate,
    /// Its cv, with the 95 % interval (exactly 1 for exponential).
    pub cv: Estimate,
    /// The maximised censored log-likelihood.
    pub log_likelihood: f64,
    /// AIC.
    pub aic: f64,
    /// sup |S_KM − S| over the event times with at least [`KM_MIN_AT_RISK`] callers at
    /// risk: the distance to the Kaplan–Meier curve.
    pub km_distance: f64,
}

/// The patience fit of one call type.
#[derive(Debug, Clone, PartialEq)]
pub struct PatienceFit {
    /// Abandonments (observed patience).
    pub events: u64,
    /// Answered after a positive wait (censored).
    pub censored: u64,
    /// Answered at once, left out.
    pub zero_waits: u64,
    /// Total seconds waited by the callers kept.
    pub exposure: f64,
    /// Exponential, lognormal, gamma.
    pub fits: Vec<CensoredFit>,
    /// Likelihood-ratio statistic of gamma against exponential (its special case with
    /// shape 1), χ² with 1 degree of freedom.
    pub lr_statistic: f64,
    /// Exponential rejected at 5 % (statistic above 3.84).
    pub exponential_rejected: bool,
    /// The family used: exponential unless rejected, else the smaller AIC of the families
    /// whose cv a scenario takes.
    pub chosen: usize,
    /// The family of smaller AIC left out because its cv is beyond what a scenario takes
    /// (a tail the waits cannot show: few abandonments, mostly censored), if any.
    pub set_aside: Option<usize>,
    /// The Kaplan–Meier survival curve.
    pub kaplan_meier: Vec<KmPoint>,
    /// 100 equally likely patience values when even the chosen family is more than 0.05
    /// from the Kaplan–Meier curve with at least 500 abandonments: Kaplan–Meier quantiles
    /// where its curve rests on [`KM_MIN_AT_RISK`] callers or more, the chosen family's tail
    /// (conditioned on lasting that long) beyond.
    pub empirical: Option<Vec<f64>>,
}

impl PatienceFit {
    /// The family used.
    pub fn chosen(&self) -> &CensoredFit {
        &self.fits[self.chosen]
    }
}

/// One step of a Kaplan–Meier curve.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct KmPoint {
    /// An event time.
    pub time: f64,
    /// The survival probability just after it.
    pub survival: f64,
    /// Callers still waiting just before it.
    pub at_risk: u64,
}

/// The fewest callers at risk for a Kaplan–Meier step to count in the distance to a fit
/// (the far tail rests on a handful of callers and is noise).
pub const KM_MIN_AT_RISK: u64 = 100;

/// Kaplan–Meier survival curve of censored data: S(t) just after each distinct event time.
pub fn kaplan_meier(waits: &[Wait]) -> Vec<KmPoint> {
    let mut w: Vec<Wait> = waits.to_vec();
    // Events before censorings at equal times (the usual convention).
    w.sort_by(|a, b| {
        a.seconds
            .partial_cmp(&b.seconds)
            .expect("finite")
            .then(b.abandoned.cmp(&a.abandoned))
    });
    let mut at_risk = w.len() as f64;
    let mut s = 1.0;
    let mut curve = Vec::new();
    let mut i = 0;
    while i < w.len() {
        let t = w[i].seconds;
        let (mut events, mut leaving) = (0.0, 0.0);
        while i < w.len() && w[i].seconds == t {
            events += f64::from(u8::from(w[i].abandoned));
            leaving += 1.0;
            i += 1;
        }
        if events > 0.0 {
            s *= 1.0 - events / at_risk;
            curve.push(KmPoint {
                time: t,
                survival: s,
                at_risk: at_risk as u64,
            });
        }
        at_risk -= leaving;
    }
    curve
}

/// Fits patience to `waits`; zero waits of answered callers are dropped. `None` with fewer
/// than [`MIN_EVENTS`] abandonments.
pub fn fit(waits: &[Wait]) -> Option<PatienceFit> {
    let zero_waits = waits
        .iter()
        .filter(|w| !w.abandoned && w.seconds <= 0.0)
        .count() as u64;
    let kept: Vec<Wait> = waits
        .iter()
        .copied()
        .filter(|w| w.abandoned || w.seconds > 0.0)
        .collect();
    let events = kept.iter().filter(|w| w.abandoned).count() as u64;
    if (events as usize) < MIN_EVENTS {
        return None;
    }
    let censored = kept.len() as u64 - events;
    let exposure: f64 = kept.iter().map(|w| w.seconds).sum();
    let km = kaplan_meier(&kept);
    let km_distance = |family: Family, mean: f64, cv: f64| {
        km.iter()
            .filter(|p| p.at_risk >= KM_MIN_AT_RISK)
            .map(|p| (p.survival - (1.0 - family.cdf(mean, cv, p.time))).abs())
            .fold(0.0, f64::max)
    };

    // Exponential: mean = exposure / events; 2·events·mean̂/mean is about χ²(2·events).
    let mean = exposure / events as f64;
    let e = events as f64;
    let ll_exp = -e * mean.ln() - exposure / mean;
    let exponential = CensoredFit {
        family: Family::Exponential,
        mean: Estimate {
            value: mean,
            lo: 2.0 * e * mean / chi2_quantile(2.0 * e, 0.975),
            hi: 2.0 * e * mean / chi2_quantile(2.0 * e, 0.025),
            n: events,
        },
        cv: Estimate {
            value: 1.0,
            lo: 1.0,
            hi: 1.0,
            n: events,
        },
        log_likelihood: ll_exp,
        aic: 2.0 - 2.0 * ll_exp,
        km_distance: km_distance(Family::Exponential, mean, 1.0),
    };
    let mut fits = vec![exponential];
    let tally = tallied(&kept);
    for family in [Family::Lognormal, Family::Gamma] {
        let ll = |p: [f64; 2]| censored_log_likelihood(family, p[0].exp(), p[1].exp(), &tally);
        let best = maximise(&ll, [mean.ln(), 0.0]);
        let value = ll(best);
        // Observed information in (ln mean, ln cv) by central differences.
        let h = 1e-3;
        let at = |a: f64, b: f64| ll([best[0] + a, best[1] + b]);
        let d00 = (at(h, 0.0) - 2.0 * value + at(-h, 0.0)) / (h * h);
        let d11 = (at(0.0, h) - 2.0 * value + at(0.0, -h)) / (h * h);
        let d01 = (at(h, h) - at(h, -h) - at(-h, h) + at(-h, -h)) / (4.0 * h * h);
        let det = d00 * d11 - d01 * d01;
        let (var0, var1) = if det > 0.0 && d00 < 0.0 {
            (-d11 / det, -d00 / det)
        } else {
            (f64::INFINITY, f64::INFINITY)
        };
        let interval = |p: f64, var: f64| {
            let half = 1.96 * var.sqrt();
            Estimate {
                value: p.exp(),
                lo: (p - half).exp(),
                hi: (p + half).exp(),
                n: events,
            }
        };
        fits.push(CensoredFit {
            family,
            mean: interval(best[0], var0),
            cv: interval(best[1], var1),
            log_likelihood: value,
            aic: 4.0 - 2.0 * value,
            km_distance: km_distance(family, best[0].exp(), best[1].exp()),
        });
    }
    let lr_statistic = (2.0 * (fits[2].log_likelihood - ll_exp)).max(0.0);
    let exponential_rejected = lr_statistic > 3.841;
    // A family whose cv a scenario refuses is no answer, however well it fits.
    let usable = |f: &CensoredFit| (MIN_CV..=MAX_CV).contains(&f.cv.value);
    let (mut chosen, mut set_aside) = (0, None);
    if exponential_rejected {
        let by_aic = if fits[1].aic < fits[2].aic {
            [1, 2]
        } else {
            [2, 1]
        };
        chosen = by_aic.into_iter().find(|&k| usable(&fits[k])).unwrap_or(0);
        set_aside = (chosen != by_aic[0]).then_some(by_aic[0]);
    }
    let c = fits[chosen];
    let empirical = (c.km_distance > 0.05 && events >= 500)
        .then(|| km_quantiles(&km, c.family, c.mean.value, c.cv.value));
    Some(PatienceFit {
        events,
        censored,
        zero_waits,
        exposure,
        fits,
        lr_statistic,
        exponential_rejected,
        chosen,
        set_aside,
        empirical,
        kaplan_meier: km,
    })
}

/// The patience values at probabilities (i + ½) / 100: from the Kaplan–Meier curve while it
/// rests on enough callers, then from `family` conditioned on exceeding the last such time.
fn km_quantiles(km: &[KmPoint], family: Family, mean: f64, cv: f64) -> Vec<f64> {
    let reliable: Vec<&KmPoint> = km.iter().filter(|p| p.at_risk >= KM_MIN_AT_RISK).collect();
    let (t_end, f_end) = reliable
        .last()
        .map_or((0.0, 0.0), |p| (p.time, 1.0 - p.survival));
    let family_end = family.cdf(mean, cv, t_end);
    (0..100)
        .map(|i| {
            let p = (f64::from(i) + 0.5) / 100.0;
            if p <= f_end {
                reliable
                    .iter()
                    .find(|k| 1.0 - k.survival >= p)
                    .map_or(t_end, |k| k.time)
            } else {
                // The family's tail beyond t_end, rescaled to the probability left.
                let q = family_end + (p - f_end) / (1.0 - f_end) * (1.0 - family_end);
                family.quantile(mean, cv, q.min(1.0 - 1e-9)).max(t_end)
            }
        })
        .collect()
}

/// `waits` as their distinct values (wait, abandoned or not), each with how many there
/// are, in order: the likelihood's terms depend on nothing else, and a log's waits repeat
/// (whole seconds: a month of 3.2 million calls has some thousands of distinct waits), so
/// each step of the fit costs a term per distinct wait, not per call (70 s for that month
/// before).
fn tallied(waits: &[Wait]) -> Vec<(Wait, f64)> {
    let mut sorted = waits.to_vec();
    sorted.sort_by(|a, b| {
        (a.abandoned, a.seconds)
            .partial_cmp(&(b.abandoned, b.seconds))
            .expect("waits are finite")
    });
    let mut tally: Vec<(Wait, f64)> = Vec::new();
    for w in sorted {
        match tally.last_mut() {
            Some((last, count)) if *last == w => *count += 1.0,
            _ => tally.push((w, 1.0)),
        }
    }
    tally
}

/// Σ ln f(wait) over abandonments + Σ ln S(wait) over censored waits, of the distinct
/// `waits` each times its count ([`tallied`]).
fn censored_log_likelihood(family: Family, mean: f64, cv: f64, waits: &[(Wait, f64)]) -> f64 {
    if !(mean.is_finite() && cv.is_finite() && mean > 0.0 && (1e-3..=20.0).contains(&cv)) {
        return f64::NEG_INFINITY;
    }
    let total = match family {
        Family::Lognormal => {
            let s2 = (1.0 + cv * cv).ln();
            let d = LogNormal::new(mean.ln() - s2 / 2.0, s2.sqrt()).expect("valid");
            sum_terms(&d, waits)
        }
        Family::Gamma | Family::Exponential | Family::Constant => {
            let k = 1.0 / (cv * cv);
            sum_terms(&Gamma::new(k, k / mean).expect("valid"), waits)
        }
    };
    if total.is_nan() {
        f64::NEG_INFINITY
    } else {
        total
    }
}

fn sum_terms<D: Continuous<f64, f64> + ContinuousCDF<f64, f64>>(
    d: &D,
    waits: &[(Wait, f64)],
) -> f64 {
    waits
        .iter()
        .map(|(w, count)| {
            count
                * if w.abandoned {
                    d.ln_pdf(w.seconds.max(1e-3))
                } else {
                    d.sf(w.seconds).ln()
                }
        })
        .sum()
}

/// Nelder–Mead maximisation in two dimensions from `start`.
fn maximise(f: &dyn Fn([f64; 2]) -> f64, start: [f64; 2]) -> [f64; 2] {
    let mut simplex = [
        start,
        [start[0] + 0.3, start[1]],
        [start[0], start[1] + 0.3],
    ];
    let mut values = simplex.map(|p| -f(p));
    for _ in 0..400 {
        let mut order = [0, 1, 2];
        order.sort_by(|&a, &b| values[a].total_cmp(&values[b]));
        let (b, m, w) = (order[0], order[1], order[2]);
        if (values[w] - values[b]).abs() < 1e-9 * (1.0 + values[b].abs()) {
            break;
        }
        let centre = [
            (simplex[b][0] + simplex[m][0]) / 2.0,
            (simplex[b][1] + simplex[m][1]) / 2.0,
        ];
        let along = |t: f64| {
            [
                centre[0] + t * (simplex[w][0] - centre[0]),
                centre[1] + t * (simplex[w][1] - centre[1]),
            ]
        };
        let reflected = along(-1.0);
        let fr = -f(reflected);
        if fr < values[b] {
            let expanded = along(-2.0);
            let fe = -f(expanded);
            (simplex[w], values[w]) = if fe < fr {
                (expanded, fe)
            } else {
                (reflected, fr)
            };
        } else if fr < values[m] {
            (simplex[w], values[w]) = (reflected, fr);
        } else {
            let contracted = if fr < values[w] {
                along(-0.5)
            } else {
                along(0.5)
            };
            let fc = -f(contracted);
            if fc < values[w].min(fr) {
                (simplex[w], values[w]) = (contracted, fc);
            } else {
                for i in [m, w] {
                    simplex[i] = [
                        (simplex[i][0] + simplex[b][0]) / 2.0,
                        (simplex[i][1] + simplex[b][1]) / 2.0,
                    ];
                    values[i] = -f(simplex[i]);
                }
            }
        }
    }
    let best = (0..3)
        .min_by(|&a, &b| values[a].total_cmp(&values[b]))
        .expect("three points");
    simplex[best]
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::{Rng, SeedableRng};
    use rand_distr::{Distribution, Exp, LogNormal as LogNormalDist};

    #[test]
    fn kaplan_meier_textbook_example() {
        // Times 1, 2+, 3, 3, 4+ : S(1) = 4/5, S(3) = 4/5 · (1 − 2/3) = 4/15.
        let w = |seconds, abandoned| Wait { seconds, abandoned };
        let km = kaplan_meier(&[
            w(1.0, true),
            w(2.0, false),
            w(3.0, true),
            w(3.0, true),
            w(4.0, false),
        ]);
        assert_eq!(km.len(), 2);
        assert!(
            (km[0].survival - 0.8).abs() < 1e-12 && (km[1].survival - 4.0 / 15.0).abs() < 1e-12
        );
        assert_eq!((km[0].at_risk, km[1].at_risk), (5, 3));
    }

    #[test]
    fn exponential_is_events_over_exposure_and_ignores_zero_waits() {
        let mut waits: Vec<Wait> = (0..20)
            .map(|i| Wait {
                seconds: 10.0 + f64::from(i),
                abandoned: i % 2 == 0,
            })
            .collect();
        let before = fit(&waits).unwrap();
        waits.extend((0..500).map(|_| Wait {
            seconds: 0.0,
            abandoned: false,
        }));
        let after = fit(&waits).unwrap();
        assert_eq!(after.zero_waits, 500);
        assert_eq!(
            before.fits[0].mean, after.fits[0].mean,
            "zero waits tell nothing"
        );
        assert!((before.fits[0].mean.value - (20.0 * 10.0 + 190.0) / 10.0).abs() < 1e-12);
    }

    /// Patience X and an independent service-start time C: the caller abandons at X if
    /// X < C, else is answered at C (censored).
    fn censored_sample(patience: impl Distribution<f64>, n: usize, seed: u64) -> Vec<Wait> {
        let mut rng = rand_xoshiro::Xoshiro256PlusPlus::seed_from_u64(seed);
        let censor = Exp::new(1.0 / 90.0).unwrap();
        (0..n)
            .map(|_| {
                let x = patience.sample(&mut rng);
                let c = if rng.random::<f64>() < 0.3 {
                    0.0
                } else {
                    censor.sample(&mut rng)
                };
                Wait {
                    seconds: x.min(c),
                    abandoned: x < c,
                }
            })
            .collect()
    }

    /// The likelihood summed over distinct waits times their counts is the sum over every
    /// call (to rounding), for waits in whole seconds as logs give them.
    #[test]
    fn the_tallied_likelihood_is_the_sum_over_every_call() {
        let waits: Vec<Wait> = censored_sample(Exp::new(1.0 / 60.0).unwrap(), 20_000, 7)
            .into_iter()
            .map(|w| Wait {
                seconds: w.seconds.round(),
                ..w
            })
            .filter(|w| w.abandoned || w.seconds > 0.0)
            .collect();
        let tally = tallied(&waits);
        assert!(tally.len() < waits.len() / 20, "{} distinct", tally.len());
        assert_eq!(tally.iter().map(|t| t.1).sum::<f64>(), waits.len() as f64);
        for family in [Family::Lognormal, Family::Gamma] {
            let each: Vec<(Wait, f64)> = waits.iter().map(|&w| (w, 1.0)).collect();
            let whole = censored_log_likelihood(family, 70.0, 1.3, &each);
            let tallied = censored_log_likelihood(family, 70.0, 1.3, &tally);
            assert!(
                ((whole - tallied) / whole).abs() < 1e-12,
                "{family:?}: {whole} against {tallied}"
            );
        }
    }

    #[test]
    fn recovers_exponential_patience_under_censoring() {
        let waits = censored_sample(Exp::new(1.0 / 180.0).unwrap(), 6000, 3);
        let f = fit(&waits).unwrap();
        assert!(
            f.censored > f.events,
            "mostly censored: {} vs {}",
            f.censored,
            f.events
        );
        assert!(f.fits[0].mean.covers(180.0), "{:?}", f.fits[0].mean);
        assert!(!f.exponential_rejected, "LR {}", f.lr_statistic);
        assert!(f.fits[0].km_distance < 0.05, "{}", f.fits[0].km_distance);
        // The naive mean of the abandoned waits is far below the truth.
        let naive = waits
            .iter()
            .filter(|w| w.abandoned)
            .map(|w| w.seconds)
            .sum::<f64>()
            / f.events as f64;
        assert!(naive < 100.0);
    }

    #[test]
    fn rejects_exponential_for_lognormal_patience_and_recovers_it() {
        let s2 = (1.0f64 + 1.5 * 1.5).ln();
        let d = LogNormalDist::new(120f64.ln() - s2 / 2.0, s2.sqrt()).unwrap();
        let f = fit(&censored_sample(d, 8000, 5)).unwrap();
        assert!(f.exponential_rejected);
        let c = f.chosen();
        assert_eq!(c.family, Family::Lognormal);
        assert!(c.mean.covers(120.0) && c.cv.covers(1.5), "{c:?}");
        assert!(c.km_distance < f.fits[0].km_distance);
    }

    /// 40 % hang up within 10 s (an announcement), the rest are patient (exponential, 10
    /// min): no single family follows both, so Kaplan–Meier quantiles are written.
    struct EarlyHangUps;

    impl Distribution<f64> for EarlyHangUps {
        fn sample<R: Rng + ?Sized>(&self, rng: &mut R) -> f64 {
            if rng.random::<f64>() < 0.4 {
                rng.random::<f64>() * 10.0
            } else {
                Exp::new(1.0 / 600.0).unwrap().sample(rng)
            }
        }
    }

    #[test]
    fn falls_back_to_kaplan_meier_quantiles_when_no_family_fits() {
        let f = fit(&censored_sample(EarlyHangUps, 8000, 9)).unwrap();
        assert!(f.chosen().km_distance > 0.05, "{:?}", f.chosen());
        let q = f.empirical.as_ref().expect("Kaplan–Meier quantiles");
        assert_eq!(q.len(), 100);
        assert!(q.windows(2).all(|w| w[0] <= w[1]), "non-decreasing");
        // P(X ≤ 10 s) = 0.4 + 0.6 (1 − e^(−1/60)) ≈ 0.41: the 35th value is below 10 s, the
        // 45th above.
        assert!(q[35] < 10.0 && q[45] > 10.0, "{:?}", &q[30..50]);
    }
}
