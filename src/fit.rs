//! `callsim fit`: from a call log to a calibrated scenario. Reading the log ([`log`]),
//! arrival rates and day-to-day dispersion ([`arrivals`]), talk-time families
//! ([`durations`]), patience from censored waits ([`patience`]), redials from repeated
//! caller ids ([`redial`]), IVR time and self-service share, per-weekday profiles, agents on
//! the floor, the log's own service per interval, the commented scenario and text report
//! ([`write`]), the HTML report ([`html`]) and the re-simulation against the log
//! ([`check`]).

pub mod arrivals;
pub mod check;
pub mod durations;
pub mod html;
pub mod log;
pub mod patience;
pub mod redial;
pub mod write;

use std::collections::BTreeMap;

use crate::stats::{RatioStat, Stat};
use redial::RedialFit;

use arrivals::{Dispersion, Estimate};
use durations::DurationFit;
use log::{CallLog, Ending};
use patience::{PatienceFit, Wait};

/// The fewest days a fit accepts without a warning: day-to-day variation needs several.
pub const MIN_DAYS: usize = 5;

/// What to fit and how.
#[derive(Debug, Clone)]
pub struct FitOptions {
    /// The length of an interval of the day, in seconds (divides 24 h).
    pub interval_s: f64,
    /// Weekdays to keep (0 = Monday ... 6 = Sunday); `None` keeps every day. Needs dates.
    pub weekdays: Option<Vec<usize>>,
    /// The service-level threshold written into the scenario, in seconds.
    pub threshold_s: f64,
    /// A call is a redial when its caller abandoned the same type at most this long before.
    pub redial_window_s: f64,
    /// Agents on the floor per interval (one value: all intervals), when known from
    /// elsewhere than the log: written into the scenario and used by the check.
    pub agents: Option<Vec<f64>>,
    /// Rate profiles per weekday: `Some(true)` asks for them (needs dates), `Some(false)`
    /// turns them off, `None` gives them when the log has dates over two weeks or more.
    pub by_weekday: Option<bool>,
}

impl Default for FitOptions {
    fn default() -> Self {
        FitOptions {
            interval_s: 1800.0,
            weekdays: None,
            threshold_s: 20.0,
            redial_window_s: 3600.0,
            agents: None,
            by_weekday: None,
        }
    }
}

/// Time in the IVR and the share of callers who end there, for one call type.
#[derive(Debug, Clone)]
pub struct IvrFit {
    /// Seconds in the IVR.
    pub time: DurationFit,
    /// Self-served ÷ calls of the type, with its Wilson 95 % interval.
    pub self_service: Estimate,
}

/// One weekday's arrival profile.
#[derive(Debug, Clone)]
pub struct WeekdayProfile {
    /// 0 = Monday ... 6 = Sunday.
    pub weekday: usize,
    /// Days of this weekday in the log.
    pub days: usize,
    /// Calls a day (first attempts, fitted intervals): mean with the Student-t 95 %
    /// half-width over these days.
    pub calls_per_day: Stat,
    /// Per call type (in [`Fit::types`] order), calls per hour per interval.
    pub rates: Vec<Vec<Estimate>>,
}

/// What the log says happened in one interval of the day, as `run` reports a simulation
/// over replications: calls a day as the mean over days, rates as those of all the days'
/// calls in the interval together, each with its 95 % half-width over the days.
#[derive(Debug, Clone)]
pub struct Observed {
    /// Calls offered a day (redials included, as `run` counts offered calls).
    pub offered: Stat,
    /// Answered within the threshold ÷ (answered + abandoned).
    pub service_level: Stat,
    /// Abandoned ÷ (answered + abandoned).
    pub abandon_rate: Stat,
    /// Mean wait of the answered, seconds.
    pub asa_s: Stat,
}

/// The fitted model of one call type.
#[derive(Debug, Clone)]
pub struct TypeFit {
    /// The call type's name in the log.
    pub name: String,
    /// Calls offered over the days fitted.
    pub calls: u64,
    /// Of which answered.
    pub answered: u64,
    /// Of which abandoned.
    pub abandoned: u64,
    /// Calls per hour in each interval, with 95 % intervals.
    pub rates: Vec<Estimate>,
    /// Its talk times, or `None` when too few (the pooled fit is used).
    pub talk: Option<DurationFit>,
    /// Its wrap-up times, when the log has them and there are enough.
    pub wrap: Option<DurationFit>,
    /// Its patience, or `None` when too few abandonments (the pooled fit is used).
    pub patience: Option<PatienceFit>,
    /// Of its calls, self-served in the IVR.
    pub self_served: u64,
    /// Its IVR, when the log has IVR times and enough of them are positive.
    pub ivr: Option<IvrFit>,
}

/// Agents on the floor in one interval of the day, from the agents named in the log.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FloorInterval {
    /// Mean over days of the distinct agents who served a call during the interval.
    pub serving: f64,
    /// Mean over days of the agents busy with calls (busy seconds ÷ interval length).
    pub busy: f64,
}

/// Everything fitted from a log.
#[derive(Debug, Clone)]
pub struct Fit {
    /// The options used.
    pub options: FitOptions,
    /// Index of the first interval of the day with calls.
    pub first_interval: usize,
    /// Intervals from the first to the last with calls.
    pub intervals: usize,
    /// The days fitted (days since 1970-01-01, or day numbers of a log in seconds).
    pub days: Vec<i64>,
    /// Whether days are calendar dates.
    pub dated: bool,
    /// Per call type, in order of first appearance.
    pub types: Vec<TypeFit>,
    /// Talk times of all types together (the fallback for types with too few).
    pub pooled_talk: Option<DurationFit>,
    /// Wrap-up times of all types together.
    pub pooled_wrap: Option<DurationFit>,
    /// Patience of all types together.
    pub pooled_patience: Option<PatienceFit>,
    /// Calls per day (over the fitted intervals) and their dispersion.
    pub daily_totals: Vec<u64>,
    /// The dispersion test; `None` with one day.
    pub dispersion: Option<Dispersion>,
    /// Agents on the floor per interval, when the log names agents.
    pub floor: Option<Vec<FloorInterval>>,
    /// Redials, when the log identifies callers and enough redialled.
    pub redial: Option<RedialFit>,
    /// Calls linked as redials: left out of the arrival rates when `redial` is fitted
    /// (the simulation makes them).
    pub redial_calls: u64,
    /// Per weekday present (Monday first), when asked for or the log spans two weeks.
    pub weekday_profiles: Vec<WeekdayProfile>,
    /// The log's own service per interval.
    pub observed: Vec<Observed>,
    /// Rows read, skipped as ignored, skipped as hung up before the queue, skipped as work
    /// the centre made (callback jobs).
    pub rows: (u64, u64, u64, u64),
    /// What the planner should know: the reader's and the fit's doubts.
    pub warnings: Vec<String>,
}

/// Why no scenario can be fitted.
#[derive(Debug, Clone, PartialEq)]
pub struct FitError {
    /// What is missing.
    pub message: String,
    /// What would make a fit possible.
    pub help: String,
}

impl std::fmt::Display for FitError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}\n  help: {}", self.message, self.help)
    }
}

impl std::error::Error for FitError {}

/// A warning for each day of the log with under a quarter of the median day's calls (of a
/// log of two days, the other day's): a day cut short (an export that runs a few minutes
/// past midnight, or starts late) counts as a whole day and lowers every rate fitted.
fn partial_days(calls: &[&log::Call], dated: bool) -> Vec<String> {
    let mut per_day: BTreeMap<i64, u64> = BTreeMap::new();
    for c in calls {
        *per_day.entry(c.day).or_default() += 1;
    }
    if per_day.len() < 2 {
        return Vec::new();
    }
    let mut counts: Vec<u64> = per_day.values().copied().collect();
    counts.sort_unstable();
    // Of two days, the upper one: the day that is not in question.
    let median = counts[counts.len() / 2];
    let typical = if counts.len() == 2 {
        "on the other day"
    } else {
        "on a median day"
    };
    per_day
        .iter()
        .filter(|&(_, &n)| (n as f64) < 0.25 * median as f64)
        .map(|(&day, &n)| {
            let name = if dated {
                log::date_text(day)
            } else {
                format!("day {day} (seconds {} to {})", day * 86_400, (day + 1) * 86_400)
            };
            format!(
                "{name} has {n} call{} against {median} {typical}: a partial day counts as a whole one and lowers every rate fitted; trim it from the log unless the centre was really that quiet",
                if n == 1 { "" } else { "s" }
            )
        })
        .collect()
}

/// How many times the median a duration may be before it is named: a stuck call, or a
/// value in milliseconds among seconds.
const FAR_BEYOND_MEDIAN: f64 = 100.0;

/// A warning when some of a call type's durations `(seconds, line)` are more than
/// [`FAR_BEYOND_MEDIAN`] times their median: how many, the largest with its line, and how
/// much of the mean written they make up (the fit keeps the sample's mean, the workload).
fn far_beyond_the_rest(
    name: &str,
    what: &str,
    values: impl Iterator<Item = (f64, u64)>,
) -> Option<String> {
    let mut values: Vec<(f64, u64)> = values.filter(|&(v, _)| v > 0.0).collect();
    if values.len() < durations::MIN_SAMPLE {
        return None;
    }
    values.sort_by(|a, b| a.0.total_cmp(&b.0));
    let median = values[values.len() / 2].0;
    let limit = FAR_BEYOND_MEDIAN * median;
    let far: Vec<&(f64, u64)> = values.iter().filter(|&&(v, _)| v > limit).collect();
    let &&(largest, line) = far.last()?;
    let total: f64 = values.iter().map(|&(v, _)| v).sum();
    let share = far.iter().map(|&&(v, _)| v).sum::<f64>() / total;
    Some(format!(
        "call type `{name}`: {} {what}{} over {FAR_BEYOND_MEDIAN:.0} times the median of {} (the largest {}, line {line}) make{} up {:.0} % of the mean written ({}); if {} or in another unit, remove {} from the log",
        far.len(),
        if far.len() == 1 { "" } else { "s" },
        write::secs(median),
        write::secs(largest),
        if far.len() == 1 { "s" } else { "" },
        100.0 * share,
        write::secs(total / values.len() as f64),
        if far.len() == 1 { "it is a stuck call" } else { "they are stuck calls" },
        if far.len() == 1 { "it" } else { "them" },
    ))
}

/// A warning when no family follows a call type's durations (the chosen one's KS distance
/// significant and over 0.05) and there are too few of them for their own quantiles: the
/// family written keeps their mean and cv, not their shape.
fn no_family_fits(name: &str, what: &str, fit: &durations::DurationFit) -> Option<String> {
    let chosen = fit.chosen();
    (fit.empirical.is_none() && chosen.ks > fit.ks_critical && chosen.ks > 0.05).then(|| {
        format!(
            "call type `{name}`: no family follows the {what}s (the {}'s KS distance {:.3}, 5 % critical {:.3}) and {} values are too few ({}) to write their own distribution: the {} written keeps their mean and cv, not their shape",
            chosen.family.name(),
            chosen.ks,
            fit.ks_critical,
            fit.mean.n,
            durations::MIN_FOR_QUANTILES,
            chosen.family.name(),
        )
    })
}

/// Of a patience fit that left out its best family for a cv no scenario takes: which, and
/// what was used instead.
fn set_aside(fit: &patience::PatienceFit) -> Option<String> {
    let left_out = &fit.fits[fit.set_aside?];
    let used = fit.chosen();
    Some(format!(
        "{} fits the waits best, but with a cv of {:.1}, beyond the {} a scenario takes (its tail rests on {} abandonments among {} waits); {} used (mean {:.1} s, cv {:.2})",
        left_out.family.name(),
        left_out.cv.value,
        crate::scenario::MAX_CV,
        fit.events,
        fit.events + fit.censored,
        used.family.name(),
        used.mean.value,
        used.cv.value,
    ))
}

/// Fits arrivals, talk and wrap-up times, patience and (when agents are named) the floor
/// staffing of `log`.
pub fn fit(log: &CallLog, options: &FitOptions) -> Result<Fit, FitError> {
    let interval = options.interval_s;
    if !(interval >= 60.0 && (86_400.0 / interval).fract() == 0.0) {
        return Err(FitError {
            message: format!("--interval: an interval of {interval} s does not divide the day into whole intervals of at least a minute"),
            help: "use e.g. --interval 15m, 30m or 1h".into(),
        });
    }
    let mut warnings = log.warnings.clone();
    let calls: Vec<&log::Call> = match &options.weekdays {
        None => log.calls.iter().collect(),
        Some(days) => {
            if !log.dated {
                return Err(FitError {
                    message: "--weekdays needs a log with dates, and this one has seconds".into(),
                    help: "name the log's date column with --columns date=NAME, or leave --weekdays out".into(),
                });
            }
            log.calls
                .iter()
                .filter(|c| days.contains(&log::weekday(c.day)))
                .collect()
        }
    };
    if calls.is_empty() {
        return Err(FitError {
            message: "no call falls on the weekdays asked for".into(),
            help: "check --weekdays against the dates in the log".into(),
        });
    }
    if options.by_weekday == Some(true) && !log.dated {
        return Err(FitError {
            message: "--by-weekday needs a log with dates, and this one has seconds".into(),
            help: "name the log's date column with --columns date=NAME, or leave --by-weekday out"
                .into(),
        });
    }
    let chains = log
        .has_callers
        .then(|| redial::chains(&calls, options.redial_window_s));
    let redial = chains
        .as_ref()
        .and_then(|c| redial::fit(c, options.redial_window_s));
    if let (Some(c), None) = (&chains, &redial) {
        warnings.push(format!(
            "the log identifies callers, but {} first abandonments could be followed and {} calls were redials: too few (at least {} of each) to fit redials; redials are counted as new calls",
            c.eligible,
            c.delays.len(),
            durations::MIN_SAMPLE
        ));
    }
    // With redials modelled, the simulation makes them: the rates count first attempts.
    let is_first: Vec<bool> = match (&chains, &redial) {
        (Some(c), Some(_)) => c.attempt.iter().map(|&a| a == 1).collect(),
        _ => vec![true; calls.len()],
    };
    let redial_calls = chains
        .as_ref()
        .map_or(0, |c| c.attempt.iter().filter(|&&a| a > 1).count() as u64);
    let mut days: Vec<i64> = calls.iter().map(|c| c.day).collect();
    days.dedup();
    days.sort_unstable();
    days.dedup();
    warnings.extend(partial_days(&calls, log.dated));
    if days.len() < MIN_DAYS {
        warnings.push(format!(
            "only {} day{} in the log: rates rest on few days and the day-to-day variation {}; export {MIN_DAYS} days or more",
            days.len(),
            if days.len() == 1 { "" } else { "s" },
            if days.len() == 1 { "cannot be estimated" } else { "is rough" },
        ));
    }
    // The day spans the intervals in which new callers arrive: a row of a caller seen
    // before that day (a transfer's next leg, a repeat call, a redial) may come after the
    // last new caller, when the centre has closed, and does not stretch the day.
    let new_caller: Vec<bool> = {
        let mut seen = std::collections::HashSet::new();
        calls
            .iter()
            .map(|c| c.caller.is_none_or(|id| seen.insert((c.day, id))))
            .collect()
    };
    let slot = |t: f64| (t / interval).floor() as usize;
    let opening_slots = || {
        calls
            .iter()
            .zip(&new_caller)
            .filter(|(_, &new)| new)
            .map(|(c, _)| slot(c.time_of_day))
    };
    let first_interval = opening_slots().min().expect("a first row of a caller");
    let last = opening_slots().max().expect("a first row of a caller");
    let intervals = last - first_interval + 1;
    let in_day = |c: &log::Call| (first_interval..=last).contains(&slot(c.time_of_day));
    let after_hours = calls.iter().filter(|c| !in_day(c)).count();
    // The calls the rates count: first attempts (all calls when redials are not modelled)
    // within the day.
    let arrival: Vec<bool> = calls
        .iter()
        .zip(&is_first)
        .map(|(c, &first)| first && in_day(c))
        .collect();
    if after_hours > 0 {
        warnings.push(format!(
            "{after_hours} calls of callers seen earlier (transfers, repeat calls, redials) came after the day's last new caller, outside the fitted day: they are not counted as arrivals"
        ));
    }
    if let Some(given) = &options.agents {
        if given.len() != 1 && given.len() != intervals {
            return Err(FitError {
                message: format!(
                    "--agents gives {} values, and the log's calls span {intervals} intervals from {}",
                    given.len(),
                    write::clock(first_interval as f64 * interval)
                ),
                help: format!("give one value for all intervals, or {intervals} values"),
            });
        }
    }
    let day_index = |day: i64| days.binary_search(&day).expect("a fitted day");

    let mut daily_totals = vec![0u64; days.len()];
    for (c, _) in calls.iter().zip(&arrival).filter(|(_, &arrival)| arrival) {
        daily_totals[day_index(c.day)] += 1;
    }
    let dispersion = arrivals::dispersion(&daily_totals);
    let cv = dispersion
        .map(|d| {
            if d.p_value < 0.05 {
                d.busyness_cv.value
            } else {
                0.0
            }
        })
        .unwrap_or(0.0);

    let mut types = Vec::new();
    let mut type_ids = Vec::new();
    for (t, name) in log.types.iter().enumerate() {
        let mine: Vec<&&log::Call> = calls.iter().filter(|c| c.call_type == t).collect();
        if mine.is_empty() {
            continue;
        }
        let mut counts = vec![0u64; intervals];
        for (c, _) in calls
            .iter()
            .zip(&arrival)
            .filter(|(c, &arrival)| arrival && c.call_type == t)
        {
            counts[slot(c.time_of_day) - first_interval] += 1;
        }
        let self_served = mine
            .iter()
            .filter(|c| c.ending == Ending::SelfServed)
            .count() as u64;
        let ivr = if log.has_ivr {
            let times: Vec<f64> = mine.iter().filter_map(|c| c.ivr).collect();
            let fitted = durations::fit(&times);
            let lines = mine.iter().filter_map(|c| c.ivr.map(|v| (v, c.line)));
            warnings.extend(far_beyond_the_rest(name, "IVR time", lines));
            warnings.extend(
                fitted
                    .as_ref()
                    .and_then(|f| no_family_fits(name, "IVR time", f)),
            );
            if fitted.is_none() && (self_served > 0 || times.iter().any(|&t| t > 0.0)) {
                warnings.push(format!(
                    "call type `{name}`: {} positive IVR times, fewer than the {} needed to fit one; no IVR written",
                    times.iter().filter(|&&t| t > 0.0).count(),
                    durations::MIN_SAMPLE
                ));
            }
            fitted.map(|time| {
                let n = mine.len() as u64;
                let (lo, hi) = redial::wilson(self_served, n);
                IvrFit {
                    time,
                    self_service: Estimate {
                        value: self_served as f64 / n as f64,
                        lo,
                        hi,
                        n,
                    },
                }
            })
        } else {
            None
        };
        let answered: Vec<&&&log::Call> = mine
            .iter()
            .filter(|c| c.ending == Ending::Answered)
            .collect();
        let talk = durations::fit(&answered.iter().filter_map(|c| c.talk).collect::<Vec<_>>());
        let wrap = durations::fit(&answered.iter().filter_map(|c| c.wrap).collect::<Vec<_>>());
        for (what, of) in [
            (
                "talk time",
                (|c: &log::Call| c.talk) as fn(&log::Call) -> Option<f64>,
            ),
            ("wrap-up time", |c| c.wrap),
        ] {
            let values = answered.iter().filter_map(|c| of(c).map(|v| (v, c.line)));
            warnings.extend(far_beyond_the_rest(name, what, values));
        }
        for (what, fitted) in [("talk time", &talk), ("wrap-up time", &wrap)] {
            warnings.extend(fitted.as_ref().and_then(|f| no_family_fits(name, what, f)));
        }
        let waits = waits_of(mine.iter().map(|c| **c));
        let patience = patience::fit(&waits);
        let abandoned = mine
            .iter()
            .filter(|c| c.ending == Ending::Abandoned)
            .count() as u64;
        if talk.is_none() {
            warnings.push(format!(
                "call type `{name}`: {} answered calls with a talk time, fewer than the {} needed to fit one; all types' talk times used",
                answered.len(),
                durations::MIN_SAMPLE
            ));
        }
        if let Some(note) = patience.as_ref().and_then(set_aside) {
            warnings.push(format!("call type `{name}`'s patience: {note}"));
        }
        if patience.is_none() && abandoned > 0 {
            warnings.push(format!(
                "call type `{name}`: {abandoned} abandonments, fewer than the {} needed to fit patience; all types' patience used",
                patience::MIN_EVENTS
            ));
        }
        types.push(TypeFit {
            name: name.clone(),
            calls: mine.len() as u64,
            answered: answered.len() as u64,
            abandoned,
            rates: counts
                .iter()
                .map(|&k| arrivals::rate(k, days.len(), interval, cv))
                .collect(),
            talk,
            wrap,
            patience,
            self_served,
            ivr,
        });
        type_ids.push(t);
    }
    let answered_all = calls.iter().filter(|c| c.ending == Ending::Answered);
    let pooled_talk = durations::fit(
        &answered_all
            .clone()
            .filter_map(|c| c.talk)
            .collect::<Vec<_>>(),
    );
    let pooled_wrap = durations::fit(&answered_all.filter_map(|c| c.wrap).collect::<Vec<_>>());
    let pooled_patience = patience::fit(&waits_of(calls.iter().copied()));
    if types.iter().any(|t| t.patience.is_none()) {
        if let Some(note) = pooled_patience.as_ref().and_then(set_aside) {
            warnings.push(format!("the patience of all types pooled: {note}"));
        }
    }
    if pooled_talk.is_none() {
        return Err(FitError {
            message: format!(
                "the log has fewer than {} answered calls with a positive talk time",
                durations::MIN_SAMPLE
            ),
            help: "a fit needs talk times: check the talk column (--columns talk=NAME) and the answered outcomes (--answered)".into(),
        });
    }

    let floor =
        (!log.agents.is_empty()).then(|| floor(&calls, &days, first_interval, intervals, interval));
    let by_weekday = options
        .by_weekday
        .unwrap_or_else(|| log.dated && days.last().expect("days") - days[0] + 1 >= 14);
    let weekday_profiles = if by_weekday {
        (0..7)
            .filter_map(|wd| {
                let mine: Vec<usize> = (0..days.len())
                    .filter(|&d| log::weekday(days[d]) == wd)
                    .collect();
                if mine.is_empty() {
                    return None;
                }
                let mut counts = vec![vec![0u64; intervals]; type_ids.len()];
                for (c, _) in calls
                    .iter()
                    .zip(&arrival)
                    .filter(|(c, &arrival)| arrival && log::weekday(c.day) == wd)
                {
                    let t = type_ids
                        .iter()
                        .position(|&t| t == c.call_type)
                        .expect("a fitted type");
                    counts[t][slot(c.time_of_day) - first_interval] += 1;
                }
                Some(WeekdayProfile {
                    weekday: wd,
                    days: mine.len(),
                    calls_per_day: Stat::of(mine.iter().map(|&d| Some(daily_totals[d] as f64))),
                    rates: counts
                        .iter()
                        .map(|row| {
                            row.iter()
                                .map(|&k| arrivals::rate(k, mine.len(), interval, cv))
                                .collect()
                        })
                        .collect(),
                })
            })
            .collect()
    } else {
        Vec::new()
    };
    let in_day_calls: Vec<&log::Call> = calls.iter().copied().filter(|c| in_day(c)).collect();
    let observed = observe(
        &in_day_calls,
        &days,
        first_interval,
        intervals,
        interval,
        options.threshold_s,
    );
    Ok(Fit {
        options: options.clone(),
        first_interval,
        intervals,
        days,
        dated: log.dated,
        types,
        pooled_talk,
        pooled_wrap,
        pooled_patience,
        daily_totals,
        dispersion,
        floor,
        redial,
        redial_calls,
        weekday_profiles,
        observed,
        rows: (
            log.calls.len() as u64,
            log.ignored_rows,
            log.not_queued_rows,
            log.made_by_the_centre_rows,
        ),
        warnings,
    })
}

/// The queued callers' waits: abandoned (events) and answered (censored). Other endings
/// (blocked, deflected) never queued.
fn waits_of<'a>(calls: impl Iterator<Item = &'a log::Call>) -> Vec<Wait> {
    calls
        .filter(|c| matches!(c.ending, Ending::Answered | Ending::Abandoned))
        .map(|c| Wait {
            seconds: c.wait,
            abandoned: c.ending == Ending::Abandoned,
        })
        .collect()
}

/// Agents serving and busy per interval of the day, averaged over `days`: a service runs
/// from arrival + wait for talk + wrap-up, cut at midnight.
fn floor(
    calls: &[&log::Call],
    days: &[i64],
    first_interval: usize,
    intervals: usize,
    interval: f64,
) -> Vec<FloorInterval> {
    let mut serving: Vec<Vec<std::collections::BTreeSet<usize>>> =
        vec![vec![Default::default(); intervals]; days.len()];
    let mut busy = vec![0.0; intervals];
    let origin = first_interval as f64 * interval;
    for c in calls {
        let Some(agent) = c.agent else { continue };
        let d = days.binary_search(&c.day).expect("a fitted day");
        let start = c.queued_at() + c.wait - origin;
        let end = (start + c.talk.unwrap_or(0.0) + c.wrap.unwrap_or(0.0))
            .min(intervals as f64 * interval);
        let mut i = (start / interval).floor().max(0.0) as usize;
        while i < intervals && (i as f64) * interval < end.max(start + 1e-9) {
            let (lo, hi) = (i as f64 * interval, (i + 1) as f64 * interval);
            serving[d][i].insert(agent);
            busy[i] += (end.min(hi) - start.max(lo)).max(0.0);
            i += 1;
        }
    }
    let n = days.len() as f64;
    (0..intervals)
        .map(|i| FloorInterval {
            serving: serving.iter().map(|day| day[i].len() as f64).sum::<f64>() / n,
            busy: busy[i] / (interval * n),
        })
        .collect()
}

/// The log's service per interval of arrival, as `run` measures it per replication: per
/// day, then summarised over the days.
fn observe(
    calls: &[&log::Call],
    days: &[i64],
    first_interval: usize,
    intervals: usize,
    interval: f64,
    threshold_s: f64,
) -> Vec<Observed> {
    #[derive(Clone, Copy, Default)]
    struct Cell {
        offered: u64,
        answered: u64,
        within: u64,
        abandoned: u64,
        wait: f64,
    }
    let mut cells = vec![vec![Cell::default(); intervals]; days.len()];
    for c in calls {
        let d = days.binary_search(&c.day).expect("a fitted day");
        let cell = &mut cells[d][(c.time_of_day / interval).floor() as usize - first_interval];
        cell.offered += 1;
        match c.ending {
            Ending::Answered => {
                cell.answered += 1;
                cell.within += u64::from(c.wait <= threshold_s);
                cell.wait += c.wait;
            }
            Ending::Abandoned => cell.abandoned += 1,
            Ending::SelfServed | Ending::Other => {}
        }
    }
    // Rates of all the days' calls together (as `run` reports a simulation's), each day
    // adding its numerator and denominator.
    let pooled = |i: usize, parts: fn(&Cell) -> (f64, f64)| {
        let mut rate = RatioStat::default();
        for d in &cells {
            let (x, n) = parts(&d[i]);
            rate.add(x, n);
        }
        rate.finish()
    };
    (0..intervals)
        .map(|i| Observed {
            offered: Stat::of(cells.iter().map(|d| Some(d[i].offered as f64))),
            service_level: pooled(i, |c| (c.within as f64, (c.answered + c.abandoned) as f64)),
            abandon_rate: pooled(i, |c| {
                (c.abandoned as f64, (c.answered + c.abandoned) as f64)
            }),
            asa_s: pooled(i, |c| (c.wait, c.answered as f64)),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `days` days of one busy type `a` (answered after 5 s, talk 100–199 s, every tenth
    /// caller hanging up after 30 s) and, on day 0, two calls of a rare type `b`.
    fn synthetic(days: u32) -> CallLog {
        let mut text = String::from("arrival_s,call_type,handle_time_s,outcome,wait_s\n");
        for d in 0..days {
            for i in 0..200u32 {
                let t = f64::from(d) * 86_400.0 + 3600.0 + f64::from(i) * 60.0;
                let outcome = if i % 10 == 0 {
                    "abandoned,30"
                } else {
                    "answered,5"
                };
                text += &format!("{t},a,{},{outcome}\n", 100 + i % 100);
            }
        }
        text += "3700,b,50,answered,0\n3800,b,60,abandoned,3\n";
        log::parse("synthetic.csv", text.as_bytes(), &log::Columns::callsim()).unwrap()
    }

    #[test]
    fn one_day_and_rare_types_are_warned_about_and_pooled() {
        let fitted = fit(&synthetic(1), &FitOptions::default()).unwrap();
        assert!(fitted.dispersion.is_none());
        let all = fitted.warnings.join("\n");
        assert!(
            all.contains("only 1 day") && all.contains("cannot be estimated"),
            "{all}"
        );
        assert!(all.contains("call type `b`: 1 answered calls"), "{all}");
        assert!(all.contains("call type `b`: 1 abandonments"), "{all}");
        let b = fitted.types.iter().find(|t| t.name == "b").unwrap();
        assert!(b.talk.is_none() && b.patience.is_none());
        let scenario = fitted.scenario_toml("synthetic.csv");
        assert!(scenario.contains("all types pooled"));
        assert!(scenario.contains("one day only"));
        crate::scenario::Source {
            origin: "fitted".into(),
            text: scenario,
        }
        .load()
        .unwrap();
    }

    #[test]
    fn rates_count_calls_per_hour_of_each_interval() {
        let fitted = fit(
            &synthetic(5),
            &FitOptions {
                interval_s: 3600.0,
                ..FitOptions::default()
            },
        )
        .unwrap();
        assert_eq!((fitted.first_interval, fitted.intervals), (1, 4));
        let a = &fitted.types[0];
        // 200 calls a minute apart from 01:00: 60 in each of the first three hours, 20 in the fourth.
        let rates: Vec<f64> = a.rates.iter().map(|r| r.value).collect();
        assert_eq!(rates, [60.0, 60.0, 60.0, 20.0]);
        // 202, 200, 200, 200, 200 calls a day: well within Poisson.
        let d = fitted.dispersion.unwrap();
        assert!(d.p_value > 0.99 && d.busyness_cv.value == 0.0, "{d:?}");
    }

    #[test]
    fn refuses_weekdays_without_dates_and_intervals_that_do_not_divide_the_day() {
        let log = synthetic(2);
        let e = fit(
            &log,
            &FitOptions {
                weekdays: Some(vec![0]),
                ..FitOptions::default()
            },
        )
        .unwrap_err();
        assert!(e.message.contains("--weekdays needs a log with dates"));
        let e = fit(
            &log,
            &FitOptions {
                interval_s: 7.0 * 60.0,
                ..FitOptions::default()
            },
        )
        .unwrap_err();
        assert!(e.message.contains("does not divide the day"));
    }

    #[test]
    fn agents_on_the_floor_are_the_mean_distinct_servers_per_interval() {
        // Two days of 30 calls from 09:00, 10 s apart, each talking 60 s: served by A and B
        // in turn on the first day, by A alone on the second; one call on day 2 talks into
        // the next half hour.
        let mut text = String::from("date,vru_exit,type,outcome,q_start,q_time,ser_time,server\n");
        for (date, agents) in [("1999-08-01", ["A", "B"]), ("1999-08-02", ["A", "A"])] {
            for i in 0..30 {
                let talk = if date == "1999-08-02" && i == 29 {
                    1800
                } else {
                    60
                };
                text += &format!(
                    "{date},9:{:02}:{:02},PS,AGENT,0:00:00,0,{talk},{}\n",
                    i / 6,
                    (i % 6) * 10,
                    agents[i % 2]
                );
            }
        }
        let columns = log::Columns {
            time: "vru_exit".into(),
            ivr: None,
            caller: None,
            ..log::Columns::bank()
        };
        let log = log::parse("floor.csv", text.as_bytes(), &columns).unwrap();
        let fitted = fit(&log, &FitOptions::default()).unwrap();
        let floor = fitted.floor.clone().expect("the log names agents");
        assert_eq!((fitted.first_interval, fitted.intervals), (18, 1));
        assert_eq!(floor[0].serving, 1.5);
        // Busy: day 1 30 × 60 s; day 2 29 × 60 s + the 1800 s call from 09:04:50 cut at 09:30.
        let busy = (30.0 * 60.0 + 29.0 * 60.0 + (1800.0 - 290.0)) / (2.0 * 1800.0);
        assert!(
            (floor[0].busy - busy).abs() < 1e-9,
            "{} vs {busy}",
            floor[0].busy
        );
        assert!(fitted
            .scenario_toml("floor.csv")
            .contains("agents_by_interval = [2]"));
    }
}
