//! Whether a simulated staffing meets the targets: one check per interval, call type and
//! target, each with its confidence bound.

use statrs::distribution::{ContinuousCDF, StudentsT};

use crate::model::{ClassId, Model, ServiceTargets, TypeId};
use crate::stats::{student_t_975, CallMeasures, ReplicationMeasures};

/// A measure a target applies to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Measure {
    /// Service level: must be at least the target.
    ServiceLevel,
    /// Abandon rate: must be at most the target.
    AbandonRate,
    /// ASA, seconds: must be at most the target.
    Asa,
}

impl Measure {
    /// The planner's name of the measure.
    pub fn name(self) -> &'static str {
        match self {
            Measure::ServiceLevel => "service level",
            Measure::AbandonRate => "abandon rate",
            Measure::Asa => "ASA",
        }
    }

    fn value(self, m: &CallMeasures) -> Option<f64> {
        match self {
            Measure::ServiceLevel => m.service_level,
            Measure::AbandonRate => m.abandon_rate,
            Measure::Asa => m.asa_s,
        }
    }

    /// Whether larger values are better (service level) or worse (the others).
    pub fn higher_is_better(self) -> bool {
        self == Measure::ServiceLevel
    }
}

/// One target in one interval for one call type, against the simulation.
#[derive(Debug, Clone, PartialEq)]
pub struct Check {
    /// Interval index in the model.
    pub interval: u32,
    /// The call type.
    pub call_type: TypeId,
    /// The tier (or callback class) the check is for, when it has its own target; `None`
    /// for the whole call type.
    pub class: Option<ClassId>,
    /// The measure.
    pub measure: Measure,
    /// The target (a floor for the service level, a ceiling for the others).
    pub target: f64,
    /// Mean over replications.
    pub mean: f64,
    /// Half-width of the two-sided 95 % confidence interval (0 with one replication).
    pub ci95: f64,
    /// The one-sided confidence bound that must meet the target: mean − k·SE for the service
    /// level, mean + k·SE for the others, k the Student-t quantile of the confidence.
    pub bound: f64,
}

impl Check {
    /// Whether the bound meets the target.
    pub fn met(&self) -> bool {
        if self.measure.higher_is_better() {
            self.bound >= self.target
        } else {
            self.bound <= self.target
        }
    }

    /// How far the bound is on the right side of the target, relative to the target's scale
    /// (negative when missed): the slack that orders the binding intervals.
    pub fn slack(&self) -> f64 {
        let scale = match self.measure {
            Measure::Asa => self.target.max(1.0),
            _ => 1.0,
        };
        if self.measure.higher_is_better() {
            (self.bound - self.target) / scale
        } else {
            (self.target - self.bound) / scale
        }
    }
}

/// The Student-t factor of a one-sided bound at `confidence` (in [0.5, 1)) with `n`
/// replications; 0 for a confidence of 0.5 (the bound is the mean) or one replication.
pub fn one_sided_factor(confidence: f64, n: usize) -> f64 {
    if n < 2 || confidence <= 0.5 {
        return 0.0;
    }
    StudentsT::new(0.0, 1.0, (n - 1) as f64)
        .map(|t| t.inverse_cdf(confidence))
        .unwrap_or(f64::NAN)
}

/// Every check of `targets` in every reported interval and call type of `measures` (the
/// replications of one staffing), and of each tier's own service-level target (the
/// scenario's `service_level = { target = ... }` on a call type or tier). Cells that no
/// replication defines (no calls) are skipped.
pub fn checks(
    model: &Model,
    targets: &ServiceTargets,
    confidence: f64,
    measures: &[ReplicationMeasures],
) -> Vec<Check> {
    let wanted: Vec<(Measure, f64)> = [
        (Measure::ServiceLevel, targets.service_level),
        (Measure::AbandonRate, targets.max_abandon_rate),
        (Measure::Asa, targets.max_asa_s),
    ]
    .into_iter()
    .filter_map(|(m, t)| t.map(|t| (m, t)))
    .collect();
    let Some(first) = measures.first() else {
        return Vec::new();
    };
    // (type, class, measure, target): the scenario-wide targets per type, then each class
    // with a service-level target of its own.
    let mut wanted_cells: Vec<(TypeId, Option<ClassId>, Measure, f64)> = Vec::new();
    for t in 0..model.call_types.len() as TypeId {
        for &(measure, target) in &wanted {
            wanted_cells.push((t, None, measure, target));
        }
    }
    for (c, class) in model.classes.iter().enumerate() {
        let t = &model.call_types[class.call_type as usize];
        let single = t.classes.len() == 1;
        if let Some(target) = class.target {
            if single && targets.service_level.is_some() {
                // A type's own target replaces the scenario-wide one.
                wanted_cells.retain(|w| !(w.0 == class.call_type && w.2 == Measure::ServiceLevel));
            }
            wanted_cells.push((
                class.call_type,
                Some(c as ClassId),
                Measure::ServiceLevel,
                target,
            ));
        }
    }
    let mut out = Vec::new();
    for (i, interval) in first.intervals.iter().enumerate() {
        for &(t, class, measure, target) in &wanted_cells {
            {
                let cell = |rep: &ReplicationMeasures| -> Option<f64> {
                    let block = match class {
                        Some(c) => &rep.intervals[i].classes[c as usize],
                        None => &rep.intervals[i].call_types[t as usize],
                    };
                    measure.value(block)
                };
                let values: Vec<f64> = measures.iter().filter_map(cell).collect();
                if values.is_empty() {
                    continue;
                }
                let n = values.len();
                let mean = values.iter().sum::<f64>() / n as f64;
                let se = if n < 2 {
                    0.0
                } else {
                    let var =
                        values.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1) as f64;
                    (var / n as f64).sqrt()
                };
                let k = one_sided_factor(confidence, n);
                let bound = if measure.higher_is_better() {
                    mean - k * se
                } else {
                    mean + k * se
                };
                out.push(Check {
                    interval: interval.interval,
                    call_type: t,
                    class,
                    measure,
                    target,
                    mean,
                    ci95: if n < 2 {
                        0.0
                    } else {
                        student_t_975(n - 1) * se
                    },
                    bound,
                });
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn factors() {
        assert_eq!(one_sided_factor(0.5, 20), 0.0);
        assert_eq!(one_sided_factor(0.95, 1), 0.0);
        // t(0.95, 9) = 1.833, t(0.95, 19) = 1.729.
        assert!((one_sided_factor(0.95, 10) - 1.833).abs() < 1e-3);
        assert!((one_sided_factor(0.95, 20) - 1.729).abs() < 1e-3);
    }

    #[test]
    fn met_and_slack_point_the_right_way() {
        let check = |measure, target, bound| Check {
            interval: 0,
            call_type: 0,
            class: None,
            measure,
            target,
            mean: bound,
            ci95: 0.0,
            bound,
        };
        assert!(check(Measure::ServiceLevel, 0.8, 0.81).met());
        assert!(!check(Measure::ServiceLevel, 0.8, 0.79).met());
        assert!(check(Measure::AbandonRate, 0.05, 0.04).met());
        assert!(!check(Measure::Asa, 30.0, 31.0).met());
        assert!((check(Measure::Asa, 30.0, 27.0).slack() - 0.1).abs() < 1e-12);
        assert!(check(Measure::ServiceLevel, 0.8, 0.7).slack() < 0.0);
    }
}
