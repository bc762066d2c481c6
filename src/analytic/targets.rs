//! The least agents that meet several targets at once, and shrinkage.
//!
//! A planner's targets are a service level ("80 % within 20 s"), a longest acceptable ASA, a
//! highest acceptable abandon rate and a highest acceptable occupancy. Each measure is
//! monotone in the number of agents N (service level rises; ASA, abandon rate and occupancy
//! fall), so the least N meeting all of them is found by galloping up from a lower bound and
//! bisecting: O(log N) evaluations, each O(N + queue) — fast for thousands of agents.

use super::erlang_a::ErlangA;
use super::erlang_c::ErlangC;
use super::formulas::{erlang_b, offered_load};

/// "A fraction `fraction` of calls answered within `threshold_s` seconds", e.g. 80/20 is
/// `{ fraction: 0.8, threshold_s: 20.0 }`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ServiceLevelTarget {
    /// The fraction to reach, in [0, 1].
    pub fraction: f64,
    /// The threshold T, seconds (≥ 0).
    pub threshold_s: f64,
}

/// What a queue must achieve; `None` is no constraint. Every given target must hold.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Targets {
    /// Service level at least this.
    pub service_level: Option<ServiceLevelTarget>,
    /// ASA (mean wait of answered calls) at most this many seconds.
    pub max_asa_s: Option<f64>,
    /// Abandoned ÷ all calls at most this fraction.
    pub max_abandon_rate: Option<f64>,
    /// Agent occupancy at most this fraction.
    pub max_occupancy: Option<f64>,
}

impl Targets {
    /// Whether there is nothing to meet.
    pub fn is_empty(&self) -> bool {
        self.service_level.is_none()
            && self.max_asa_s.is_none()
            && self.max_abandon_rate.is_none()
            && self.max_occupancy.is_none()
    }

    /// Why the targets are unusable (a fraction outside [0, 1], a negative or NaN time, an
    /// occupancy cap of 0), or `None` when they are fine.
    pub fn invalid(&self) -> Option<String> {
        let fraction = |x: f64| (0.0..=1.0).contains(&x);
        if let Some(sl) = self.service_level {
            if !fraction(sl.fraction) {
                return Some(format!(
                    "a service-level target of {} is not a fraction in [0, 1]",
                    sl.fraction
                ));
            }
            if !(sl.threshold_s >= 0.0 && sl.threshold_s.is_finite()) {
                return Some(format!(
                    "a service-level threshold of {} s is not a time",
                    sl.threshold_s
                ));
            }
        }
        if let Some(asa) = self.max_asa_s {
            if asa.is_nan() || asa < 0.0 {
                return Some(format!("a longest ASA of {asa} s is not a time"));
            }
        }
        if let Some(a) = self.max_abandon_rate {
            if !fraction(a) {
                return Some(format!(
                    "an abandon-rate cap of {a} is not a fraction in [0, 1]"
                ));
            }
        }
        if let Some(o) = self.max_occupancy {
            if !(o > 0.0 && o <= 1.0) {
                return Some(format!(
                    "an occupancy cap of {o} is not a fraction in (0, 1]"
                ));
            }
        }
        None
    }
}

/// Why no number of agents meets the targets.
#[derive(Debug, Clone, PartialEq)]
pub struct Unreachable(pub String);

impl std::fmt::Display for Unreachable {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Unreachable {}

/// How [`ErlangA::agents_for`] begins an [`Unreachable`] for a staffing it cannot evaluate.
const CANNOT_EVALUATE: &str = "Erlang A cannot evaluate";

impl Unreachable {
    /// Whether the targets may well be met, but a staffing the search needed could not be
    /// evaluated (loosening the targets is then no help: shortening the patience is).
    pub fn is_beyond_evaluation(&self) -> bool {
        self.0.starts_with(CANNOT_EVALUATE)
    }
}

/// The search gives up this many agents above its lower bound.
const SEARCH_SPAN: u64 = 1 << 24;

/// The least n ≥ `lo` with `ok(n)`, for a predicate that is false then true as n grows.
fn least(lo: u32, ok: impl Fn(u32) -> bool) -> Option<u32> {
    if ok(lo) {
        return Some(lo);
    }
    let limit = (u64::from(lo) + SEARCH_SPAN).min(u64::from(u32::MAX)) as u32;
    let (mut bad, mut step) = (lo, 1u32);
    let good = loop {
        let probe = bad.saturating_add(step).min(limit);
        if ok(probe) {
            break probe;
        }
        if probe == limit {
            return None;
        }
        bad = probe;
        step = step.saturating_mul(2);
    };
    let (mut bad, mut good) = (bad, good);
    while good - bad > 1 {
        let mid = bad + (good - bad) / 2;
        if ok(mid) {
            good = mid;
        } else {
            bad = mid;
        }
    }
    Some(good)
}

fn check(targets: &Targets) -> Result<(), Unreachable> {
    match targets.invalid() {
        Some(why) => Err(Unreachable(why)),
        None => Ok(()),
    }
}

impl ErlangC {
    /// Whether this queue meets every target (an abandon-rate cap always holds: nobody
    /// hangs up). An unstable queue meets none but an abandon-rate cap.
    pub fn meets(&self, targets: &Targets) -> bool {
        self.is_stable()
            && targets
                .service_level
                .is_none_or(|sl| self.service_level(sl.threshold_s) >= sl.fraction)
            && targets.max_asa_s.is_none_or(|m| self.asa_s() <= m)
            && targets.max_occupancy.is_none_or(|m| self.occupancy() <= m)
    }

    /// The least number of agents whose Erlang C measures meet every target; at least one
    /// agent, and always more agents than the load (a stable queue).
    ///
    /// Errors when the load or the targets are not numbers that make sense.
    pub fn agents_for(
        calls_per_second: f64,
        aht_s: f64,
        targets: &Targets,
    ) -> Result<u32, Unreachable> {
        check(targets)?;
        let load = offered_load(calls_per_second, aht_s);
        if !load.is_finite() {
            return Err(Unreachable(format!("an offered load of {load} Erlangs")));
        }
        let lo = (load.floor() + 1.0).min(f64::from(u32::MAX)) as u32;
        least(lo, |agents| {
            ErlangC {
                agents,
                calls_per_second,
                aht_s,
            }
            .meets(targets)
        })
        .ok_or_else(|| {
            Unreachable(format!(
                "no number of agents up to {} meets the targets",
                u64::from(lo) + SEARCH_SPAN
            ))
        })
    }
}

impl ErlangA {
    /// Whether this queue meets every target.
    pub fn meets(&self, targets: &Targets) -> bool {
        targets
            .service_level
            .is_none_or(|sl| self.service_level(sl.threshold_s) >= sl.fraction)
            && targets.max_asa_s.is_none_or(|m| self.asa_s() <= m)
            && targets
                .max_abandon_rate
                .is_none_or(|m| self.abandon_rate() <= m)
            // An occupancy needs an agent to be one: no agents never meet a cap.
            && targets
                .max_occupancy
                .is_none_or(|m| self.agents > 0 && self.occupancy() <= m)
    }

    /// The least number of agents whose Erlang A measures meet every target (0 when no
    /// target asks for any agent; at least one under an occupancy cap).
    ///
    /// Errors when the inputs or the targets are not numbers that make sense.
    pub fn agents_for(
        calls_per_second: f64,
        aht_s: f64,
        patience_s: f64,
        targets: &Targets,
    ) -> Result<u32, Unreachable> {
        check(targets)?;
        let load = offered_load(calls_per_second, aht_s);
        if !load.is_finite() || patience_s.is_nan() || patience_s < 0.0 {
            return Err(Unreachable(format!(
                "an offered load of {load} Erlangs with a patience of {patience_s} s"
            )));
        }
        // The service level never exceeds the answered fraction, at most N/load.
        let lo = targets
            .service_level
            .map_or(0.0, |sl| (sl.fraction * load).floor())
            .min(f64::from(u32::MAX)) as u32;
        // A staffing whose queue is too long to evaluate has NaN measures: it would count
        // as missing targets it may well meet (at 300 Erlangs with a 100-hour patience, 91
        // agents meet a 70 % abandon cap, and 114 was answered). The first such staffing
        // tried ends the search: the least one cannot be known.
        let unevaluated = std::cell::Cell::new(None::<u32>);
        let least = least(lo, |agents| {
            if unevaluated.get().is_some() {
                return true;
            }
            let queue = ErlangA {
                agents,
                calls_per_second,
                aht_s,
                patience_s,
            };
            if queue.meets(targets) {
                return true;
            }
            if queue.p_wait().is_nan() {
                unevaluated.set(Some(agents));
            }
            false
        });
        match (least, unevaluated.get()) {
            (_, Some(u)) => Err(Unreachable(format!(
                "{CANNOT_EVALUATE} {u} agents (with a mean patience of {patience_s} s \
                 the queue would hold millions of callers), so the least staffing is unknown; \
                 shorten the patience"
            ))),
            (Some(n), None) => Ok(n),
            (None, None) => Err(Unreachable(format!(
                "no number of agents up to {} meets the targets",
                u64::from(lo) + SEARCH_SPAN
            ))),
        }
    }
}

/// The least number of trunks or agents whose Erlang B blocking is at most `max_blocking`
/// (a fraction in [0, 1]) for `load` Erlangs, optionally also keeping occupancy
/// (1 − B)·load/N at most `max_occupancy`.
pub fn agents_for_blocking(
    load: f64,
    max_blocking: Option<f64>,
    max_occupancy: Option<f64>,
) -> Result<u32, Unreachable> {
    if !(load.is_finite() && load >= 0.0) {
        return Err(Unreachable(format!("an offered load of {load} Erlangs")));
    }
    if let Some(b) = max_blocking {
        if !(0.0..=1.0).contains(&b) {
            return Err(Unreachable(format!(
                "a blocking cap of {b} is not a fraction in [0, 1]"
            )));
        }
    }
    check(&Targets {
        max_occupancy,
        ..Targets::default()
    })?;
    least(0, |agents| {
        let b = erlang_b(agents, load);
        max_blocking.is_none_or(|m| b <= m)
            && max_occupancy.is_none_or(|m| agents > 0 && (1.0 - b) * load / f64::from(agents) <= m)
    })
    .ok_or_else(|| Unreachable("no number of agents meets the targets".into()))
}

/// Agents to schedule so that `on_phones` are available after `shrinkage` (the fraction of
/// paid time lost to breaks, training, absence; in [0, 1)): ⌈on_phones / (1 − shrinkage)⌉.
///
/// A quotient within 1e-9 of a whole number counts as that number, so 14 agents at 30 %
/// shrinkage are 20 scheduled, not 21 (14 / 0.7 is 20.000000000000004 in floating point).
pub fn scheduled_agents(on_phones: u32, shrinkage: f64) -> u32 {
    debug_assert!((0.0..1.0).contains(&shrinkage));
    let exact = f64::from(on_phones) / (1.0 - shrinkage);
    (exact - 1e-9).ceil().max(0.0).min(f64::from(u32::MAX)) as u32
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sl(fraction: f64, threshold_s: f64) -> Option<ServiceLevelTarget> {
        Some(ServiceLevelTarget {
            fraction,
            threshold_s,
        })
    }

    /// The galloping search against a plain upward scan.
    #[test]
    fn least_agents_match_a_linear_scan() {
        let cases = [
            Targets {
                service_level: sl(0.8, 20.0),
                ..Targets::default()
            },
            Targets {
                max_asa_s: Some(15.0),
                ..Targets::default()
            },
            Targets {
                max_occupancy: Some(0.85),
                ..Targets::default()
            },
            Targets {
                service_level: sl(0.9, 30.0),
                max_abandon_rate: Some(0.03),
                max_asa_s: Some(10.0),
                max_occupancy: Some(0.9),
            },
            Targets {
                max_abandon_rate: Some(0.05),
                ..Targets::default()
            },
        ];
        for (lambda, aht, patience) in [
            (100.0 / 1800.0, 180.0, 60.0),
            (1.0, 240.0, 120.0),
            (0.01, 300.0, 30.0),
            (7.3, 200.0, 90.0),
        ] {
            for targets in &cases {
                let c = ErlangC::agents_for(lambda, aht, targets).unwrap();
                let scan_c = (1..)
                    .find(|&n| {
                        ErlangC {
                            agents: n,
                            calls_per_second: lambda,
                            aht_s: aht,
                        }
                        .meets(targets)
                    })
                    .unwrap();
                assert_eq!(c, scan_c, "C {lambda} {aht} {targets:?}");
                let a = ErlangA::agents_for(lambda, aht, patience, targets).unwrap();
                let scan_a = (0..)
                    .find(|&n| {
                        ErlangA {
                            agents: n,
                            calls_per_second: lambda,
                            aht_s: aht,
                            patience_s: patience,
                        }
                        .meets(targets)
                    })
                    .unwrap();
                assert_eq!(a, scan_a, "A {lambda} {aht} {patience} {targets:?}");
                // Patience can only help, unless abandonment itself is capped (Erlang C
                // meets any abandon cap: nobody hangs up).
                if targets.max_abandon_rate.is_none() {
                    assert!(a <= c, "{a} > {c} for {targets:?}");
                }
            }
        }
    }

    #[test]
    fn the_published_case_and_the_service_level_searches_agree() {
        let targets = Targets {
            service_level: sl(0.8, 20.0),
            ..Targets::default()
        };
        assert_eq!(ErlangC::agents_for(100.0 / 1800.0, 180.0, &targets), Ok(14));
        for (lambda, aht, patience) in [(2.0, 300.0, 20.0), (30.0, 240.0, 90.0)] {
            assert_eq!(
                ErlangA::agents_for(lambda, aht, patience, &targets).unwrap(),
                ErlangA::agents_for_service_level(lambda, aht, patience, 0.8, 20.0)
            );
            assert_eq!(
                ErlangC::agents_for(lambda, aht, &targets).unwrap(),
                ErlangC::agents_for_service_level(lambda, aht, 0.8, 20.0)
            );
        }
    }

    #[test]
    fn thousands_of_agents() {
        let targets = Targets {
            service_level: sl(0.8, 20.0),
            max_abandon_rate: Some(0.02),
            ..Targets::default()
        };
        let lambda = 4900.0 / 180.0;
        let c = ErlangC::agents_for(lambda, 180.0, &targets).unwrap();
        let a = ErlangA::agents_for(lambda, 180.0, 120.0, &targets).unwrap();
        assert!(c > 4900 && c < 5100, "{c}");
        assert!(a > 4700 && a <= c, "{a}");
    }

    /// An occupancy cap alone asks for the least agents whose occupancy is under it, never
    /// for none: with no agents there is no occupancy to cap.
    #[test]
    fn an_occupancy_cap_alone_asks_for_agents() {
        let targets = Targets {
            max_occupancy: Some(0.85),
            ..Targets::default()
        };
        let (lambda, aht, patience) = (0.2, 180.0, 180.0);
        let occupancy = |agents: u32| {
            ErlangA {
                agents,
                calls_per_second: lambda,
                aht_s: aht,
                patience_s: patience,
            }
            .occupancy()
        };
        let n = ErlangA::agents_for(lambda, aht, patience, &targets).unwrap();
        assert!(n > 36, "{n}");
        assert!(occupancy(n) <= 0.85 && occupancy(n - 1) > 0.85, "{n}");
        let idle = ErlangA::agents_for(0.0, aht, patience, &targets).unwrap();
        assert_eq!(idle, 1);
    }

    #[test]
    fn blocking_and_occupancy() {
        // B(10, 5) ≈ 0.0184, B(9, 5) ≈ 0.0375.
        assert_eq!(agents_for_blocking(5.0, Some(0.02), None), Ok(10));
        assert_eq!(agents_for_blocking(5.0, Some(1.0), None), Ok(0));
        let n = agents_for_blocking(5.0, None, Some(0.5)).unwrap();
        let occupancy = |n: u32| (1.0 - erlang_b(n, 5.0)) * 5.0 / f64::from(n);
        assert!(occupancy(n) <= 0.5 && occupancy(n - 1) > 0.5);
        assert!(agents_for_blocking(f64::NAN, Some(0.1), None).is_err());
        assert!(agents_for_blocking(5.0, Some(1.5), None).is_err());
    }

    #[test]
    fn a_staffing_whose_fewer_agents_cannot_be_evaluated_is_not_called_the_least() {
        // 300 Erlangs of 1-second calls, 100-hour patience: from 91 agents (abandon rate
        // 0.6967, under the 70 % cap) to 113 the queue would hold over 2^26 callers; 114
        // is the first evaluable staffing, which was reported as the least.
        let targets = Targets {
            max_abandon_rate: Some(0.7),
            ..Targets::default()
        };
        let found = ErlangA::agents_for(300.0, 1.0, 100.0 * 3600.0, &targets);
        let Err(Unreachable(why)) = found else {
            panic!("{found:?}")
        };
        assert!(why.contains("shorten the patience"), "{why}");
        assert!(Unreachable(why).is_beyond_evaluation());
        // Where every staffing tried can be evaluated, the answer stands.
        let targets = Targets {
            max_abandon_rate: Some(0.05),
            ..Targets::default()
        };
        assert!(ErlangA::agents_for(300.0, 1.0, 60.0, &targets).is_ok());
    }

    #[test]
    fn nonsense_targets_are_refused() {
        let bad = Targets {
            service_level: sl(1.2, 20.0),
            ..Targets::default()
        };
        assert!(ErlangC::agents_for(1.0, 100.0, &bad).is_err());
        let bad = Targets {
            max_occupancy: Some(0.0),
            ..Targets::default()
        };
        assert!(ErlangA::agents_for(1.0, 100.0, 60.0, &bad).is_err());
        assert!(Targets::default().is_empty());
    }

    #[test]
    fn shrinkage() {
        assert_eq!(scheduled_agents(14, 0.3), 20);
        assert_eq!(scheduled_agents(15, 0.3), 22);
        assert_eq!(scheduled_agents(14, 0.0), 14);
        assert_eq!(scheduled_agents(0, 0.5), 0);
        assert_eq!(scheduled_agents(1, 0.99), 100);
    }
}
