//! Intraday forecasting: "with what is waiting now, where will we be by 11:00?"
//!
//! [`forecast`] starts many replications from one live state ([`StartState`]) and runs each
//! to the horizon: arrivals stop there, and calls still in the centre are finished, so every
//! call that arrives before the horizon counts, as in `run`. Per interval from the state's
//! on, it gives the mean and the 90 % band (the 5th and 95th percentiles across
//! replications, linearly interpolated) of the offered calls, the service level, the
//! abandon rate, and the queue (calls waiting) at the end of the interval.
//!
//! The calls waiting in the state count in the state's interval (see
//! [`crate::engine::Simulation::from_state`]); the scenario's warm-up does not apply (the
//! state is the real state). From the empty state at the start of the day and to its end,
//! the forecast's means are exactly `run`'s for a scenario without warm-up. A state at or
//! after the end of the day (what `live --save-state` writes once the day is over) leaves
//! nothing to forecast: the forecast has no intervals.

use rayon::prelude::*;
use serde::Serialize;

use super::state::clock_with_millis;
use crate::engine::{Simulation, StartState};
use crate::model::Model;
use crate::routing::{with_model_router, Router, RouterUser};
use crate::stats::{CallMeasures, Stat};
use crate::time::SimTime;

/// How to forecast.
#[derive(Debug, Clone)]
pub struct ForecastOptions {
    /// Replications (each an independent continuation of the state).
    pub replications: u32,
    /// Seed instead of the scenario's.
    pub seed: Option<u64>,
    /// Worker threads (default: all cores). The result does not depend on it.
    pub threads: Option<usize>,
    /// The horizon: arrivals stop then. At most the end of the scenario's day.
    pub until: SimTime,
}

/// The forecast of the rest of the day.
#[derive(Debug, Clone, Serialize)]
pub struct Forecast {
    /// The scenario's name.
    pub scenario: String,
    /// The state's clock time.
    pub from: String,
    /// The horizon's clock time.
    pub until: String,
    /// Replications run.
    pub replications: u32,
    /// The seed.
    pub seed: u64,
    /// What the band is.
    pub band: &'static str,
    /// Per interval from the state's to the horizon's.
    pub intervals: Vec<ForecastInterval>,
}

/// One interval of the forecast.
#[derive(Debug, Clone, Serialize)]
pub struct ForecastInterval {
    /// Start of the interval, `HH:MM`.
    pub start: String,
    /// Start, seconds from the start of the day.
    pub start_s: f64,
    /// End (the horizon for the last), seconds from the start of the day.
    pub end_s: f64,
    /// All call types.
    pub total: ForecastBlock,
    /// Per call type.
    pub call_types: Vec<NamedBlock>,
}

/// A call type's block, with its name.
#[derive(Debug, Clone, Serialize)]
pub struct NamedBlock {
    /// The call type.
    pub name: String,
    /// Its figures.
    #[serde(flatten)]
    pub block: ForecastBlock,
}

/// The figures of one block of one interval.
#[derive(Debug, Clone, Serialize)]
pub struct ForecastBlock {
    /// Calls offered (arrived; for the state's interval, including those waiting then).
    pub offered: Band,
    /// Answered within the threshold ÷ (answered + abandoned + unserved).
    pub service_level: Band,
    /// Abandoned ÷ (answered + abandoned + unserved).
    pub abandon_rate: Band,
    /// Calls waiting at the end of the interval.
    pub queue_at_end: Band,
}

/// A mean with its 90 % band across replications; `null`s when no replication defines it.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Band {
    /// Mean over the replications that define it; for a rate, the rate of all the
    /// replications' calls together (as `run` reports it).
    pub mean: Option<f64>,
    /// 5th percentile across replications.
    pub p5: Option<f64>,
    /// 95th percentile across replications.
    pub p95: Option<f64>,
}

impl Band {
    /// The band of per-replication values; `None`s are left out.
    pub fn of(values: impl IntoIterator<Item = Option<f64>> + Clone) -> Band {
        let mean = Stat::of(values.clone()).mean;
        let mut defined: Vec<f64> = values.into_iter().flatten().collect();
        defined.sort_by(f64::total_cmp);
        Band {
            mean,
            p5: quantile(&defined, 0.05),
            p95: quantile(&defined, 0.95),
        }
    }

    /// The band of a rate: each replication's numerator and denominator; the mean is the
    /// rate of all their calls pooled, the band that of the replications' own rates.
    pub fn of_rate(parts: &[(f64, f64)]) -> Band {
        let mut pooled = crate::stats::RatioStat::default();
        parts.iter().for_each(|&(x, n)| pooled.add(x, n));
        Band {
            mean: pooled.finish().mean,
            ..Band::of(parts.iter().map(|&(x, n)| (n > 0.0).then(|| x / n)))
        }
    }
}

/// The `q` quantile of sorted values, interpolating linearly between order statistics.
fn quantile(sorted: &[f64], q: f64) -> Option<f64> {
    let last = sorted.len().checked_sub(1)?;
    let pos = q * last as f64;
    let (lo, hi) = (pos.floor() as usize, pos.ceil() as usize);
    Some(sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo as f64))
}

/// What one replication gives: per forecast interval, per call type (and total last), the
/// measures and the queue at the interval's end.
struct RepResult {
    measures: Vec<(Vec<CallMeasures>, CallMeasures)>,
    queues: Vec<Vec<u32>>,
}

/// The model a forecast runs: no warm-up, arrivals up to `until`, the seed given.
pub fn horizon_model(model: &Model, until: SimTime, seed: Option<u64>) -> Model {
    let mut m = model.clone();
    m.warmup = SimTime::ZERO;
    if let Some(seed) = seed {
        m.seed = seed;
    }
    let until = until.min(model.horizon);
    m.horizon = until;
    // One interval more than those reported when the day goes on after `until`: a call
    // arriving after it (a transfer's next leg, a redial) counts there, as in the whole
    // day's run, and not in the last interval reported.
    m.intervals = (reported_intervals(&m) + 1).min(model.intervals);
    let n = m.intervals as usize;
    for t in &mut m.call_types {
        t.calls_per_hour.truncate(n);
    }
    for g in &mut m.groups {
        g.agents_by_interval.truncate(n);
    }
    m
}

/// The intervals a forecast with `m` (from [`horizon_model`]) reports: those up to its
/// horizon.
fn reported_intervals(m: &Model) -> u32 {
    (m.horizon.0.div_ceil(m.interval.0) as u32).max(1)
}

/// The forecast's replications under the model's router, in replication order.
struct Replicate<'a> {
    model: &'a Model,
    /// When the day the state was taken in ends (the model's horizon may be earlier).
    day_end: SimTime,
    state: &'a StartState,
    /// The first forecast interval.
    first: u32,
    /// The end of each forecast interval.
    ends: &'a [SimTime],
    replications: u32,
    threads: Option<usize>,
}

impl RouterUser for Replicate<'_> {
    type Output = Vec<RepResult>;

    fn run<R: Router + Clone + Send + Sync>(self, router: R) -> Vec<RepResult> {
        let Replicate {
            model: m,
            day_end,
            state,
            first,
            ends,
            ..
        } = self;
        let one = |rep: u32| {
            let mut sim = Simulation::from_state_in_day(m, router.clone(), rep, state, day_end);
            let queues = ends
                .iter()
                .map(|&end| {
                    sim.run_until(end.max(sim.now()));
                    sim.snapshot()
                        .call_types
                        .iter()
                        .map(|t| t.waiting)
                        .collect()
                })
                .collect();
            let measures = sim.finish().measures_without_waits(m);
            RepResult {
                measures: (first..first + ends.len() as u32)
                    .map(|k| {
                        let i = &measures.intervals[k as usize];
                        (i.call_types.clone(), i.total.clone())
                    })
                    .collect(),
                queues,
            }
        };
        let all = || {
            (0..self.replications)
                .into_par_iter()
                .map(one)
                .collect::<Vec<_>>()
        };
        match self
            .threads
            .and_then(|n| rayon::ThreadPoolBuilder::new().num_threads(n).build().ok())
        {
            Some(pool) => pool.install(all),
            None => all(),
        }
    }
}

/// Bytes a forecast holds at its peak, about: each replication keeps its measures of every
/// interval left (the total and each call type) and its queue lengths until the bands are
/// taken across them.
pub fn estimated_bytes(model: &Model, state: &StartState, options: &ForecastOptions) -> u64 {
    let m = horizon_model(model, options.until, options.seed);
    let left = u64::from(reported_intervals(&m) - first_interval(&m, state));
    if left == 0 {
        return 0;
    }
    let types = m.call_types.len() as u64;
    let measures = (types + 1) * std::mem::size_of::<CallMeasures>() as u64 + 48;
    let queues = types * 4 + 24;
    u64::from(options.replications) * (left * (measures + queues) + 48)
}

/// The first interval of `m` (a forecast's model) that a forecast from `state` reports: the
/// state's own; [`reported_intervals`] (none) for a state at or after the horizon.
fn first_interval(m: &Model, state: &StartState) -> u32 {
    let reported = reported_intervals(m);
    if state.at >= m.horizon {
        reported
    } else {
        ((state.at.0 / m.interval.0) as u32).min(reported - 1)
    }
}

/// Forecasts `model`'s day from `state` to `options.until` (at most the end of the day; see
/// the module docs). A state at or after the horizon (e.g. taken after the day ended) leaves
/// nothing to forecast: the forecast then has no intervals.
pub fn forecast(model: &Model, state: &StartState, options: &ForecastOptions) -> Forecast {
    let m = horizon_model(model, options.until, options.seed);
    let first = first_interval(&m, state);
    let reported = reported_intervals(&m);
    let ends: Vec<SimTime> = (first..reported)
        .map(|k| m.interval_start(k + 1).min(m.horizon))
        .collect();
    let reps = if first == reported {
        Vec::new()
    } else {
        with_model_router(
            &m,
            Replicate {
                model: &m,
                day_end: model.horizon,
                state,
                first,
                ends: &ends,
                replications: options.replications,
                threads: options.threads,
            },
        )
    };

    let block = |pick: &dyn Fn(&RepResult) -> (&CallMeasures, f64)| {
        let rate = |f: &dyn Fn(&CallMeasures) -> f64| {
            let parts: Vec<(f64, f64)> = reps
                .iter()
                .map(|r| {
                    let m = pick(r).0;
                    (f(m), m.answered + m.abandoned + m.unserved)
                })
                .collect();
            Band::of_rate(&parts)
        };
        ForecastBlock {
            offered: Band::of(
                reps.iter()
                    .map(|r| Some(pick(r).0.offered))
                    .collect::<Vec<_>>(),
            ),
            service_level: rate(&|m| m.answered_within_threshold),
            abandon_rate: rate(&|m| m.abandoned),
            queue_at_end: Band::of(reps.iter().map(|r| Some(pick(r).1)).collect::<Vec<_>>()),
        }
    };
    let intervals = (first..reported)
        .enumerate()
        .map(|(i, k)| ForecastInterval {
            start: m.interval_label(k),
            start_s: m.interval_start(k).as_seconds(),
            end_s: ends[i].as_seconds(),
            total: block(&|r| (&r.measures[i].1, r.queues[i].iter().sum::<u32>() as f64)),
            call_types: m
                .call_types
                .iter()
                .enumerate()
                .map(|(t, ct)| NamedBlock {
                    name: ct.name.clone(),
                    block: block(&|r| (&r.measures[i].0[t], r.queues[i][t] as f64)),
                })
                .collect(),
        })
        .collect();
    Forecast {
        scenario: model.name.clone(),
        from: clock_with_millis(model, state.at),
        // HH:MM, with the seconds (and milliseconds) when the forecast ends within a minute.
        until: {
            let label = clock_with_millis(model, m.horizon);
            let label = label.strip_suffix(".000").unwrap_or(&label);
            label.strip_suffix(":00").unwrap_or(label).to_owned()
        },
        replications: options.replications,
        seed: m.seed,
        band: "5th to 95th percentile across replications",
        intervals,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bands_interpolate_between_order_statistics() {
        let values: Vec<Option<f64>> = (0..=100).map(|x| Some(x as f64)).collect();
        let band = Band::of(values);
        assert_eq!(band.mean, Some(50.0));
        assert_eq!(band.p5, Some(5.0));
        assert_eq!(band.p95, Some(95.0));
        let few = Band::of(vec![Some(1.0), None, Some(3.0)]);
        assert_eq!(
            (few.mean, few.p5, few.p95),
            (Some(2.0), Some(1.1), Some(2.9))
        );
        assert_eq!(Band::of(vec![None]).p5, None);
    }
}
