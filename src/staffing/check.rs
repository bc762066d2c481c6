//! Whether a simulated staffing meets the targets: one check per interval, call type and
//! target, each with its confidence bound.

use statrs::distribution::{Binomial, ContinuousCDF, DiscreteCDF, StudentsT};

use crate::model::{ClassId, GroupId, Model, ServiceTargets, TypeId};
use crate::stats::{student_t_975, CallMeasures, GroupMeasures, ReplicationMeasures};

/// A measure a target applies to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Measure {
    /// Service level: must be at least the target.
    ServiceLevel,
    /// Abandon rate: must be at most the target.
    AbandonRate,
    /// ASA, seconds: must be at most the target.
    Asa,
    /// An agent group's occupancy (busy time ÷ time on the floor): must be at most the
    /// target.
    Occupancy,
}

impl Measure {
    /// The planner's name of the measure.
    pub fn name(self) -> &'static str {
        match self {
            Measure::ServiceLevel => "service level",
            Measure::AbandonRate => "abandon rate",
            Measure::Asa => "ASA",
            Measure::Occupancy => "occupancy",
        }
    }

    /// The measure's numerator and denominator in one replication: calls within the
    /// threshold and calls ended (service level), abandoned and calls ended (abandon rate),
    /// total wait and calls answered (ASA).
    fn parts(self, m: &CallMeasures) -> (f64, f64) {
        let ended = m.answered + m.abandoned + m.unserved;
        match self {
            Measure::ServiceLevel => (m.answered_within_threshold, ended),
            Measure::AbandonRate => (m.abandoned, ended),
            Measure::Asa => (m.wait_sum_s, m.answered),
            // A group's measure, not a call type's: see `group_parts`.
            Measure::Occupancy => (0.0, 0.0),
        }
    }

    /// An agent group's busy agent-time and time on the floor in one replication (their
    /// ratio is the occupancy).
    fn group_parts(g: &GroupMeasures) -> (f64, f64) {
        (g.busy_s, g.capacity_s)
    }

    /// Whether larger values are better (service level) or worse (the others).
    pub fn higher_is_better(self) -> bool {
        self == Measure::ServiceLevel
    }

    /// Whether the measure is a share of calls (service level, abandon rate), which the
    /// exact binomial test can judge.
    fn is_share_of_calls(self) -> bool {
        matches!(self, Measure::ServiceLevel | Measure::AbandonRate)
    }
}

/// How a check is decided: the sequential test that every interval's targets go through.
///
/// A check is *decided* when its one-sided confidence interval lies on one side of the target
/// (met: mean − k·SE ≥ target for a service level; missed: mean + k·SE < target), or when that
/// interval has become narrower than the tolerance (k·SE ≤ tolerance), in which case the mean
/// decides: a true value at least the tolerance away from the target is then judged right with
/// the stated confidence, and one within the tolerance may go either way. k is the Student-t
/// quantile of the per-look confidence (the stated one shared among the looks, Bonferroni).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Rule {
    /// The confidence of each look, in [0.5, 1).
    pub look_confidence: f64,
    /// Indifference for rates (service level, abandon rate), as a fraction: 0.005 = 0.5 points.
    pub tolerance: f64,
    /// Indifference for the ASA, seconds.
    pub asa_tolerance_s: f64,
}

impl Rule {
    /// The rule for `looks` looks at an overall `confidence` per check.
    pub fn new(confidence: f64, looks: u32, tolerance: f64) -> Rule {
        Rule {
            look_confidence: 1.0 - (1.0 - confidence) / f64::from(looks.max(1)),
            tolerance,
            asa_tolerance_s: ASA_TOLERANCE_S,
        }
    }

    /// Whether a validation counts `check` as failed: not shown to be met, with a mean on
    /// the wrong side of the target. (The validation judges on enough fresh replications
    /// that a true value on the right side is rarely seen on the wrong one; a true value
    /// more than the tolerance short almost never passes.)
    pub fn fails(&self, check: &Check) -> bool {
        let margin = if check.measure.higher_is_better() {
            check.mean - check.target
        } else {
            check.target - check.mean
        };
        check.surely_missed() || (!check.met() && margin < 0.0)
    }

    fn tolerance_of(&self, measure: Measure) -> f64 {
        match measure {
            Measure::Asa => self.asa_tolerance_s,
            _ => self.tolerance,
        }
    }
}

/// The indifference for ASA targets, seconds.
pub const ASA_TOLERANCE_S: f64 = 1.0;

/// What a check says about its target.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// The target is met.
    Met,
    /// The target is missed.
    Missed,
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
    /// The agent group an occupancy check is for (`call_type` is then the group's first
    /// skill); `None` for the call-type measures.
    pub group: Option<GroupId>,
    /// The measure.
    pub measure: Measure,
    /// The target (a floor for the service level, a ceiling for the others).
    pub target: f64,
    /// The pooled ratio over the replications: e.g. all the interval's calls answered within
    /// the threshold ÷ all its calls (ASA: total wait ÷ calls answered).
    pub mean: f64,
    /// Half-width of the two-sided 95 % confidence interval of the pooled ratio (delta
    /// method; 0 with one replication).
    pub ci95: f64,
    /// The one-sided confidence bound at the per-look confidence: mean − k·SE for the
    /// service level, mean + k·SE for the others.
    pub bound: f64,
    /// Replications the verdict rests on.
    pub replications: u32,
    /// The verdict.
    pub verdict: Verdict,
    /// Whether the verdict was reached by the rule (`false`: the replication budget ran out
    /// first and the mean decided).
    pub decided: bool,
    /// The achieved confidence of the verdict: the probability, by the Student-t interval,
    /// that the true value is not on the wrong side of the target by more than the tolerance.
    pub confidence: f64,
}

impl Check {
    /// Whether the verdict is that the target is met.
    pub fn met(&self) -> bool {
        self.verdict == Verdict::Met
    }

    /// Whether the target is missed beyond doubt: even the optimistic one-sided bound misses
    /// it (what a validation counts as a failure).
    pub fn surely_missed(&self) -> bool {
        if self.measure.higher_is_better() {
            2.0 * self.mean - self.bound < self.target
        } else {
            2.0 * self.mean - self.bound > self.target
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

/// The Student-t probability that a value `z` standard errors below the mean is exceeded
/// (`n` replications); 1 when there is no spread to speak of.
fn t_cdf(z: f64, n: usize) -> f64 {
    if !z.is_finite() {
        return if z > 0.0 { 1.0 } else { 0.0 };
    }
    if n < 2 {
        return if z >= 0.0 { 0.5 } else { 0.0 };
    }
    StudentsT::new(0.0, 1.0, (n - 1) as f64)
        .map(|t| t.cdf(z))
        .unwrap_or(f64::NAN)
}

/// The statistics of one check before a verdict.
#[derive(Debug, Clone)]
struct Sample {
    interval: u32,
    call_type: TypeId,
    class: Option<ClassId>,
    group: Option<GroupId>,
    measure: Measure,
    target: f64,
    n: usize,
    /// Replications in which the measure has a denominator (calls ended, calls answered,
    /// time on the floor): with few calls, the others add nothing to what is known.
    n_with_calls: usize,
    /// The measure's denominator summed over the replications (calls, or seconds on the
    /// floor for occupancy).
    denominator: f64,
    mean: f64,
    se: f64,
}

/// Which look at the replications a verdict is: how a check the rule leaves open is
/// treated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Look {
    /// Before the budget: an open check stays open.
    Open,
    /// At the budget: an open check whose mean is on the right side of the target by less
    /// than the tolerance stays open (the extension); any other is decided by its mean,
    /// with the tolerance as margin.
    Budget,
    /// Beyond the budget: only the one-sided interval decides, or the mean with the
    /// tolerance as margin; a mean on the right side by less than the tolerance stays open.
    Extension,
    /// The last look: every check is decided.
    Last,
}

impl Sample {
    /// Signed distance of the mean from the target, positive on the good side.
    fn margin(&self) -> f64 {
        if self.measure.higher_is_better() {
            self.mean - self.target
        } else {
            self.target - self.mean
        }
    }

    /// Whether this interval's own calls show its target missed, one of `family` intervals
    /// of a level run each asked the same (its veto in [`pooled_checks`]). The claim is made
    /// at the look's confidence for the run as a whole (Bonferroni over its intervals: of
    /// 600 one-second intervals at a true value on the target, 30 would miss at 95 % each),
    /// with the Student-t factor of the replications that had calls, and, for a share of
    /// calls (service level, abandon rate), only when the exact binomial test of the calls
    /// pooled agrees: a lone abandoned call has a standard error of 0 by the delta method,
    /// but shows nothing.
    fn shown_missed(&self, rule: &Rule, family: usize) -> bool {
        let alpha = (1.0 - rule.look_confidence) / family.max(1) as f64;
        self.n_with_calls >= 2
            && self.margin() + one_sided_factor(1.0 - alpha, self.n_with_calls) * self.se < 0.0
            && self.binomial_shows_missed(alpha)
    }

    /// For a share of calls: whether calls drawn independently at exactly the target's
    /// share would give a result as bad as the pooled one with probability below `alpha`.
    /// Always true for the other measures, which are not shares of calls.
    fn binomial_shows_missed(&self, alpha: f64) -> bool {
        if !self.measure.is_share_of_calls() {
            return true;
        }
        let as_bad = binomial_tail(
            self.target,
            self.denominator,
            self.mean * self.denominator,
            self.measure.higher_is_better(),
        );
        as_bad < alpha
    }

    /// The verdict under `rule` at `look`, or `None` while undecided.
    fn judge(&self, rule: &Rule, look: Look) -> Option<Check> {
        let k = one_sided_factor(rule.look_confidence, self.n);
        let h = k * self.se;
        let tolerance = rule.tolerance_of(self.measure);
        let margin = self.margin();
        let (verdict, decided) = if self.n >= 2 && margin - h >= 0.0 {
            (Verdict::Met, true)
        } else if self.n >= 2 && margin + h < 0.0 {
            (Verdict::Missed, true)
        } else if h <= tolerance && self.n >= 2 && look != Look::Extension {
            (
                if margin >= 0.0 {
                    Verdict::Met
                } else {
                    Verdict::Missed
                },
                true,
            )
        } else {
            match look {
                Look::Open => return None,
                // On the right side by less than the tolerance: more replications.
                Look::Budget | Look::Extension if (0.0..tolerance).contains(&margin) => {
                    return None
                }
                // Below the stated confidence (`decided` says so): met when the mean
                // clears the target by the tolerance. Counting every such check as missed
                // would keep an agent wherever the budget cannot resolve a true value a
                // point or two above the target; letting the bare mean decide would take
                // every lucky close call, which the validation on fresh replications then
                // has to undo.
                _ => (
                    if margin >= tolerance {
                        Verdict::Met
                    } else {
                        Verdict::Missed
                    },
                    false,
                ),
            }
        };
        let confidence = if self.se > 0.0 {
            match verdict {
                Verdict::Met => t_cdf((margin + tolerance) / self.se, self.n),
                Verdict::Missed => t_cdf((tolerance - margin) / self.se, self.n),
            }
        } else if self.n >= 2 {
            1.0
        } else {
            0.5
        };
        Some(Check {
            interval: self.interval,
            call_type: self.call_type,
            class: self.class,
            group: self.group,
            measure: self.measure,
            target: self.target,
            mean: self.mean,
            ci95: if self.n < 2 {
                0.0
            } else {
                student_t_975(self.n - 1) * self.se
            },
            bound: if self.measure.higher_is_better() {
                self.mean - h
            } else {
                self.mean + h
            },
            replications: self.n as u32,
            verdict,
            decided,
            confidence,
        })
    }
}

/// The checks of one reported interval (`position` in `measures[r].intervals`), decided
/// under `rule` on the first `n` replications; `None` while any is undecided (never at
/// the last look).
pub(crate) fn interval_checks(
    model: &Model,
    targets: &ServiceTargets,
    rule: &Rule,
    measures: &[ReplicationMeasures],
    position: usize,
    look: Look,
) -> Option<Vec<Check>> {
    run_checks(model, targets, rule, measures, &[position], look)
}

/// The checks of a level run (reported intervals `positions`, consecutive, with the same
/// forecast and staffing: see [`super::runs`]), one per interval and target, each decided
/// on the run's calls pooled, except:
/// * when the run's first interval differs from the rest beyond their noise in some
///   target's measure ([`parts_differ`]), it is judged on its own calls and the rest as a
///   run of its own (so peeled again while its first differs); otherwise, when its two
///   halves (the first `len / 2` intervals, then the rest) differ, each half is judged on
///   its own calls pooled: a transient at the start of the run — a queue carried from a
///   busier or shorter-staffed interval, or a day that opens empty — must not be averaged
///   with the settled intervals after it. One that fades within the first interval needs
///   the peeling: after a rise from 150 to 225 Erlangs at 96 % occupancy (234 agents), the
///   first half hour of the new level read 78.9 % where the three after it read 83 %, and
///   its half passed at 80.9 %;
/// * an interval whose own calls alone show a target missed (its own bound on the wrong
///   side) gets its own verdict.
///
/// `None` while a pooled check is undecided (never at the last look).
pub(crate) fn run_checks(
    model: &Model,
    targets: &ServiceTargets,
    rule: &Rule,
    measures: &[ReplicationMeasures],
    positions: &[usize],
    look: Look,
) -> Option<Vec<Check>> {
    if let [first, rest @ ..] = positions {
        if !rest.is_empty() && parts_differ(model, targets, measures, &[*first], rest) {
            let mut checks = pooled_checks(model, targets, rule, measures, &[*first], look)?;
            checks.extend(run_checks(model, targets, rule, measures, rest, look)?);
            return Some(checks);
        }
    }
    let (early, late) = positions.split_at(positions.len() / 2);
    if early.is_empty() || !parts_differ(model, targets, measures, early, late) {
        return pooled_checks(model, targets, rule, measures, positions, look);
    }
    let mut checks = pooled_checks(model, targets, rule, measures, early, look)?;
    checks.extend(pooled_checks(model, targets, rule, measures, late, look)?);
    Some(checks)
}

/// The checks of intervals `positions` judged on their calls pooled, with the veto of an
/// interval shown to miss on its own calls ([`run_checks`]).
fn pooled_checks(
    model: &Model,
    targets: &ServiceTargets,
    rule: &Rule,
    measures: &[ReplicationMeasures],
    positions: &[usize],
    look: Look,
) -> Option<Vec<Check>> {
    let pooled: Vec<Check> = samples(model, targets, measures, positions)
        .iter()
        .map(|s| s.judge(rule, look))
        .collect::<Option<_>>()?;
    if let [_] = positions {
        return Some(pooled);
    }
    let mut checks = Vec::new();
    for &position in positions {
        for alone in samples(model, targets, measures, &[position]) {
            let Some(run) = pooled.iter().find(|c| {
                (c.call_type, c.class, c.group, c.measure)
                    == (alone.call_type, alone.class, alone.group, alone.measure)
            }) else {
                continue;
            };
            checks.push(if alone.shown_missed(rule, positions.len()) {
                alone
                    .judge(rule, Look::Last)
                    .expect("a last look always decides")
            } else {
                Check {
                    interval: alone.interval,
                    ..run.clone()
                }
            });
        }
    }
    Some(checks)
}

/// Every check of `targets` in every reported interval and call type of `measures` (the
/// replications of one staffing), and of each tier's own service-level target (the
/// scenario's `service_level = { target = ... }` on a call type or tier), each decided by
/// `rule` on all of `measures` (the mean deciding what the rule leaves open). Cells that no
/// replication defines (no calls) are skipped.
pub fn checks(
    model: &Model,
    targets: &ServiceTargets,
    rule: &Rule,
    measures: &[ReplicationMeasures],
) -> Vec<Check> {
    let Some(first) = measures.first() else {
        return Vec::new();
    };
    (0..first.intervals.len())
        .flat_map(|i| {
            interval_checks(model, targets, rule, measures, i, Look::Last).unwrap_or_default()
        })
        .collect()
}

/// One target as the search applies it, in every reported interval: to a call type, to
/// one of its tiers (its own service-level target), or to an agent group (occupancy).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct AppliedTarget {
    /// The call type (for an occupancy target, the group's first skill).
    pub call_type: TypeId,
    /// The tier (class) with a target of its own; `None` for the whole call type.
    pub class: Option<ClassId>,
    /// The agent group of an occupancy target.
    pub group: Option<GroupId>,
    /// The measure.
    pub measure: Measure,
    /// The target: a floor for the service level, a ceiling for the others.
    pub target: f64,
}

/// Every target the search applies: the scenario-wide targets per call type (a type whose
/// only class carries a service-level target of its own is held to that one instead), each
/// tier's own service-level target, and the occupancy cap per agent group.
pub fn applied_targets(model: &Model, targets: &ServiceTargets) -> Vec<AppliedTarget> {
    let wanted: Vec<(Measure, f64)> = [
        (Measure::ServiceLevel, targets.service_level),
        (Measure::AbandonRate, targets.max_abandon_rate),
        (Measure::Asa, targets.max_asa_s),
    ]
    .into_iter()
    .filter_map(|(m, t)| t.map(|t| (m, t)))
    .collect();
    let mut cells: Vec<AppliedTarget> = Vec::new();
    for t in 0..model.call_types.len() as TypeId {
        for &(measure, target) in &wanted {
            cells.push(AppliedTarget {
                call_type: t,
                class: None,
                group: None,
                measure,
                target,
            });
        }
    }
    for (c, class) in model.classes.iter().enumerate() {
        let t = &model.call_types[class.call_type as usize];
        let single = t.classes.len() == 1;
        if let Some(target) = class.target {
            if single && targets.service_level.is_some() {
                // A type's own target replaces the scenario-wide one.
                cells.retain(|w| {
                    !(w.call_type == class.call_type && w.measure == Measure::ServiceLevel)
                });
            }
            cells.push(AppliedTarget {
                call_type: class.call_type,
                class: Some(c as ClassId),
                group: None,
                measure: Measure::ServiceLevel,
                target,
            });
        }
    }
    if let Some(target) = targets.max_occupancy {
        for (g, group) in model.groups.iter().enumerate() {
            cells.push(AppliedTarget {
                call_type: group.skills[0],
                class: None,
                group: Some(g as GroupId),
                measure: Measure::Occupancy,
                target,
            });
        }
    }
    cells
}

/// Per replication, the numerator and denominator of `applied`'s measure (e.g. calls within
/// the threshold, calls ended) summed over reported intervals `positions`.
fn replication_parts(
    applied: &AppliedTarget,
    measures: &[ReplicationMeasures],
    positions: &[usize],
) -> Vec<(f64, f64)> {
    measures
        .iter()
        .map(|rep| {
            positions
                .iter()
                .map(|&p| {
                    let interval = &rep.intervals[p];
                    match (applied.group, applied.class) {
                        (Some(g), _) => Measure::group_parts(&interval.groups[g as usize]),
                        (None, Some(c)) => applied.measure.parts(&interval.classes[c as usize]),
                        (None, None) => applied
                            .measure
                            .parts(&interval.call_types[applied.call_type as usize]),
                    }
                })
                .fold((0.0, 0.0), |(a, b), (x, y)| (a + x, b + y))
        })
        .collect()
}

/// The chance that `calls` calls, each a hit independently with probability `share`, give
/// `hits` hits or fewer (`fewer`), or `hits` or more (both rounded to whole calls).
fn binomial_tail(share: f64, calls: f64, hits: f64, fewer: bool) -> f64 {
    let (calls, hits) = (calls.round().max(0.0) as u64, hits.round().max(0.0) as u64);
    let Ok(binomial) = Binomial::new(share.clamp(0.0, 1.0), calls) else {
        return 0.0;
    };
    if fewer {
        binomial.cdf(hits)
    } else if hits == 0 {
        1.0
    } else {
        binomial.sf(hits - 1)
    }
}

/// How many standard errors apart two parts of a level run must be, in some target's
/// measure, to be judged apart (two-sided 95 %).
const PARTS_APART_Z: f64 = 1.96;
/// The one-sided tail beyond [`PARTS_APART_Z`]: how unlikely a part's calls must be at the
/// other part's share.
const PARTS_APART_TAIL: f64 = 0.025;

/// Whether reported intervals `early` and `late` (two parts of a level run) differ in
/// some target's measure by more than [`PARTS_APART_Z`] standard errors of the difference
/// of their pooled ratios (delta method on each replication's difference, so that the
/// correlation of neighbouring half hours counts), and, for a share of calls (service
/// level, abandon rate), the early part's calls are as unlikely (two-sided 95 %) at the
/// late part's share drawn independently: a first second of the day whose 18 calls were
/// all answered at once has a delta-method standard error of 0, and shows little against
/// a rest of the day at 82 %.
fn parts_differ(
    model: &Model,
    targets: &ServiceTargets,
    measures: &[ReplicationMeasures],
    early: &[usize],
    late: &[usize],
) -> bool {
    let n = measures.len();
    if n < 2 {
        return false;
    }
    applied_targets(model, targets).iter().any(|applied| {
        let early = replication_parts(applied, measures, early);
        let late = replication_parts(applied, measures, late);
        let (early_calls, late_calls): (f64, f64) = (
            early.iter().map(|p| p.1).sum(),
            late.iter().map(|p| p.1).sum(),
        );
        if early_calls <= 0.0 || late_calls <= 0.0 {
            return false;
        }
        let early_mean = early.iter().map(|p| p.0).sum::<f64>() / early_calls;
        let late_mean = late.iter().map(|p| p.0).sum::<f64>() / late_calls;
        let squares: f64 = early
            .iter()
            .zip(&late)
            .map(|(e, l)| {
                let early_residual = (e.0 - early_mean * e.1) / (early_calls / n as f64);
                let late_residual = (l.0 - late_mean * l.1) / (late_calls / n as f64);
                (early_residual - late_residual).powi(2)
            })
            .sum();
        let se = (squares / (n - 1) as f64 / n as f64).sqrt();
        let share = applied.measure.is_share_of_calls();
        (early_mean - late_mean).abs() > PARTS_APART_Z * se
            && (!share
                || binomial_tail(
                    late_mean,
                    early_calls,
                    early_mean * early_calls,
                    early_mean < late_mean,
                ) < PARTS_APART_TAIL)
    })
}

/// The statistics of every check over reported intervals `positions` (their calls pooled),
/// labelled with the first of them.
fn samples(
    model: &Model,
    targets: &ServiceTargets,
    measures: &[ReplicationMeasures],
    positions: &[usize],
) -> Vec<Sample> {
    let Some(first) = measures.first() else {
        return Vec::new();
    };
    let interval = first.intervals[positions[0]].interval;
    let mut out = Vec::new();
    for applied in applied_targets(model, targets) {
        let AppliedTarget {
            call_type: t,
            class,
            group,
            measure,
            target,
        } = applied;
        let parts = replication_parts(&applied, measures, positions);
        let n = parts.len();
        let n_with_calls = parts.iter().filter(|p| p.1 > 0.0).count();
        let denominator: f64 = parts.iter().map(|p| p.1).sum();
        if denominator <= 0.0 {
            continue;
        }
        // The pooled ratio (all the intervals' calls over the replications) and its delta-
        // method standard error.
        let mean = parts.iter().map(|p| p.0).sum::<f64>() / denominator;
        let se = if n < 2 {
            0.0
        } else {
            let residuals: f64 = parts.iter().map(|p| (p.0 - mean * p.1).powi(2)).sum();
            (residuals / (n - 1) as f64 / n as f64).sqrt() / (denominator / n as f64)
        };
        out.push(Sample {
            interval,
            call_type: t,
            class,
            group,
            measure,
            target,
            n,
            n_with_calls,
            denominator,
            mean,
            se,
        });
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

    fn sample(measure: Measure, target: f64, n: usize, mean: f64, se: f64) -> Sample {
        Sample {
            interval: 0,
            call_type: 0,
            class: None,
            group: None,
            measure,
            target,
            n,
            n_with_calls: n,
            denominator: 100.0 * n as f64,
            mean,
            se,
        }
    }

    #[test]
    fn an_interval_vetoes_its_run_only_on_evidence() {
        let rule = Rule::new(0.95, 1, 0.005);
        let abandon = |n_with_calls, calls: f64, mean, se| Sample {
            n_with_calls,
            denominator: calls,
            ..sample(Measure::AbandonRate, 0.05, 40, mean, se)
        };
        // Clearly missed on many calls: a veto, alone and among 48 half hours.
        let busy = abandon(40, 4000.0, 0.09, 0.005);
        assert!(busy.shown_missed(&rule, 1) && busy.shown_missed(&rule, 48));
        // Missed by a little: a veto alone, not as one of 600 intervals tried.
        let close = abandon(40, 4000.0, 0.0575, 0.0035);
        assert!(close.shown_missed(&rule, 1) && !close.shown_missed(&rule, 600));
        // A lone abandoned call (one replication with calls): its standard error is 0,
        // but it shows nothing.
        assert!(!abandon(1, 1.0, 1.0, 0.0).shown_missed(&rule, 1));
        // Two calls in two replications, both abandoned: the delta method again says 0;
        // at a true rate of 5 % that happens once in 400, which one interval in 600 would
        // see by chance.
        let pair = abandon(2, 2.0, 1.0, 0.0);
        assert!(pair.shown_missed(&rule, 1) && !pair.shown_missed(&rule, 600));
        // A service level of 0 on 5 calls: a miss alone; among 600, the binomial at 80 %
        // gives 0 of 5 with probability 3.2e-4, above 0.05 / 600.
        let sl = Sample {
            n_with_calls: 5,
            denominator: 5.0,
            ..sample(Measure::ServiceLevel, 0.8, 40, 0.0, 0.0)
        };
        assert!(sl.shown_missed(&rule, 1) && !sl.shown_missed(&rule, 600));
    }

    #[test]
    fn verdicts_follow_the_sequential_rule() {
        let rule = Rule::new(0.95, 1, 0.005);
        let sl = |n, mean, se| sample(Measure::ServiceLevel, 0.8, n, mean, se);
        // Clear on either side: decided at once.
        let met = sl(10, 0.85, 0.01).judge(&rule, Look::Open).unwrap();
        assert!(met.met() && met.decided && met.confidence > 0.99);
        let missed = sl(10, 0.75, 0.01).judge(&rule, Look::Open).unwrap();
        assert!(!missed.met() && missed.surely_missed());
        // Close and noisy: undecided until the budget, then the mean decides (not
        // `decided`: below the stated confidence).
        assert!(sl(10, 0.81, 0.02).judge(&rule, Look::Open).is_none());
        let last = sl(10, 0.81, 0.02).judge(&rule, Look::Last).unwrap();
        assert!(last.met() && !last.decided && last.confidence < 0.95);
        let last = sl(10, 0.803, 0.02).judge(&rule, Look::Last).unwrap();
        assert!(!last.met() && !last.decided && !last.surely_missed());
        // At the budget: a mean just on the right side (by less than the tolerance) stays
        // open for the extension; a mean short of the target, or clear of it by the
        // tolerance, is decided there by the margin rule.
        assert!(sl(10, 0.803, 0.02).judge(&rule, Look::Budget).is_none());
        let short = sl(10, 0.797, 0.02).judge(&rule, Look::Budget).unwrap();
        assert!(!short.met() && !short.decided);
        let clear = sl(10, 0.81, 0.02).judge(&rule, Look::Budget).unwrap();
        assert!(clear.met() && !clear.decided);
        // Close but precise: within the tolerance, the mean decides, except in the
        // extension, where only the interval or the margin rule does.
        let tight = sl(400, 0.799, 0.001).judge(&rule, Look::Open).unwrap();
        assert!(!tight.met() && tight.decided && !tight.surely_missed());
        assert!(sl(400, 0.801, 0.001)
            .judge(&rule, Look::Budget)
            .unwrap()
            .met());
        assert!(sl(400, 0.801, 0.001)
            .judge(&rule, Look::Extension)
            .is_none());
        let short = sl(400, 0.799, 0.001).judge(&rule, Look::Extension).unwrap();
        assert!(!short.met() && !short.decided);
        // Ceilings point the other way.
        let asa = sample(Measure::Asa, 30.0, 20, 27.0, 0.5)
            .judge(&rule, Look::Open)
            .unwrap();
        assert!(asa.met() && (asa.slack() - 0.1).abs() < 0.05);
        let abandon = sample(Measure::AbandonRate, 0.05, 20, 0.07, 0.002)
            .judge(&rule, Look::Open)
            .unwrap();
        assert!(!abandon.met() && abandon.slack() < 0.0);
    }

    /// One replication of a day of `levels.len()` reported intervals, one call type and one
    /// group: in interval `p`, 100 calls of which `levels[p]` answered within the threshold.
    fn replication(levels: &[f64]) -> ReplicationMeasures {
        let calls = |within: f64| -> CallMeasures {
            serde_json::from_value(serde_json::json!({
                "offered": 100.0, "answered": 100.0, "abandoned": 0.0, "unserved": 0.0,
                "blocked": 0.0, "deflected": 0.0, "retrials": 0.0, "transfers_in": 0.0,
                "repeats": 0.0, "transferred": 0.0, "unresolved": 0.0, "callbacks": 0.0,
                "callback_jobs": 0.0, "answered_within_threshold": within, "queued": 0.0,
                "wait_sum_s": 1000.0, "handle_sum_s": 18000.0, "busy_s": 14400.0,
                "capacity_s": 18000.0, "service_level": within / 100.0, "p_wait": null,
                "abandon_rate": 0.0, "asa_s": 10.0, "aht_s": 180.0, "occupancy": 0.8,
                "longest_wait_s": null,
            }))
            .expect("a complete CallMeasures")
        };
        let group = GroupMeasures {
            answered: 100.0,
            occupancy: Some(0.8),
            busy_s: 14400.0,
            capacity_s: 18000.0,
            staffed_agents: 10.0,
            scheduled_agents: 10.0,
        };
        let total = calls(levels.iter().sum::<f64>() / levels.len() as f64);
        ReplicationMeasures {
            total: total.clone(),
            call_types: vec![total.clone()],
            classes: vec![total],
            groups: vec![group.clone()],
            intervals: levels
                .iter()
                .enumerate()
                .map(|(p, &within)| crate::stats::IntervalMeasures {
                    interval: p as u32 + 1,
                    total: calls(within),
                    call_types: vec![calls(within)],
                    classes: vec![calls(within)],
                    groups: vec![group.clone()],
                })
                .collect(),
            waits: Default::default(),
        }
    }

    #[test]
    fn a_level_run_is_judged_on_its_pooled_calls_with_a_veto_per_interval() {
        let model = crate::scenario::Source {
            origin: "run.toml".into(),
            text: r#"
name = "run"
[simulation]
duration = "2h"
warmup = "30m"
interval = "30m"
[[call_types]]
name = "q"
arrival_rate = 100
handle_time = { distribution = "exponential", mean = "3m" }
[[agent_groups]]
name = "agents"
agents = 5
skills = ["q"]
"#
            .into(),
        }
        .load()
        .unwrap();
        let targets = ServiceTargets {
            service_level: Some(0.8),
            ..ServiceTargets::default()
        };
        let rule = Rule::new(0.95, 1, 0.005);
        // 45 days whose six half hours each answer 68 to 96 of 100 calls within the
        // threshold (a mean of 82 %): no interval alone is sure of 80 %, each half of the
        // run (three intervals pooled) is.
        let days: Vec<ReplicationMeasures> = (0..45)
            .map(|d| {
                let wobble = |p: usize| 3.5 * (f64::from(((d * 7 + p * 3) % 9) as u32) - 4.0);
                replication(&(0..6).map(|p| 82.0 + wobble(p)).collect::<Vec<_>>())
            })
            .collect();
        for p in 0..6 {
            assert!(interval_checks(&model, &targets, &rule, &days, p, Look::Open).is_none());
        }
        let all: Vec<usize> = (0..6).collect();
        let run = run_checks(&model, &targets, &rule, &days, &all, Look::Open).unwrap();
        assert_eq!(run.len(), 6);
        for (p, check) in run.iter().enumerate() {
            assert_eq!(check.interval, p as u32 + 1);
            assert!(check.met() && check.decided, "{check:?}");
            assert!((check.mean - 0.82).abs() < 1e-9 && check.replications == 45);
        }
        // The first half hour far short (carried a peak's queue): its half pooled (80.7 %)
        // would pass, but it differs from the rest of the run, so it keeps its own verdict
        // and the rest of the run is judged on its own calls (85 %).
        let days: Vec<ReplicationMeasures> = (0..40)
            .map(|d| {
                let wobble = f64::from((d % 5) as u32) - 2.0;
                replication(&[72.0 + wobble, 85.0 - wobble, 85.0, 85.0, 85.0, 85.0])
            })
            .collect();
        let run = run_checks(&model, &targets, &rule, &days, &all, Look::Last).unwrap();
        assert!(!run[0].met() && run[0].decided && (run[0].mean - 0.72).abs() < 1e-9);
        assert!(run[1..]
            .iter()
            .all(|c| c.met() && (c.mean - 0.85).abs() < 1e-9));
        // A transient that fades within the first of four half hours (a rise's backlog at
        // 96 % occupancy): too little to show a miss on its own calls (its veto), and its
        // half pooled (81 %) passes; apart from the rest of the run, it misses.
        let days: Vec<ReplicationMeasures> = (0..99)
            .map(|d| {
                let wobble = |p: usize| 4.0 * (f64::from(((d * 7 + p * 3) % 9) as u32) - 4.0);
                replication(&[79.0 + wobble(0), 83.0 + wobble(1), 83.0, 83.0 + wobble(3)])
            })
            .collect();
        let four = [0, 1, 2, 3];
        assert!(!pooled_checks(&model, &targets, &rule, &days, &[0], Look::Last).unwrap()[0].met());
        assert!(
            pooled_checks(&model, &targets, &rule, &days, &[0, 1], Look::Last).unwrap()[0].met()
        );
        let run = run_checks(&model, &targets, &rule, &days, &four, Look::Last).unwrap();
        assert!(
            !run[0].met() && (run[0].mean - 0.79).abs() < 1e-9,
            "{:?}",
            run[0]
        );
        assert!(run[1..]
            .iter()
            .all(|c| c.met() && (c.mean - 0.83).abs() < 1e-9));
        // A day that opens empty: the early half far better than the settled later half,
        // which misses on its own although the whole run pooled (80.3 %) would pass.
        let days: Vec<ReplicationMeasures> = (0..40)
            .map(|d| {
                let wobble = f64::from((d % 5) as u32) - 2.0;
                replication(&[88.0 + wobble, 83.0, 82.0, 77.0, 77.0 - wobble, 75.0])
            })
            .collect();
        let run = run_checks(&model, &targets, &rule, &days, &all, Look::Last).unwrap();
        assert!(run[..3].iter().all(|c| c.met()));
        assert!(run[3..].iter().all(|c| !c.met()));
    }
}
