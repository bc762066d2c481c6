//! Level load, level staffing: the stretches of a day whose intervals offer the same calls.
//!
//! A planner who forecasts the same calls for 10:00, 10:30 and 11:00 expects the same
//! headcount in all three. On such a stretch the search moves agents in every interval of
//! it at once and judges its targets on the stretch's calls pooled (its first interval or
//! its halves apart when they differ, each interval keeping a veto when it alone is shown
//! to miss:
//! `check::run_checks`). Left to single intervals, the search finds answers
//! that alternate, n − 1 between two n, which meet a half-hour target only through the
//! interval boundaries (a half hour at n − 1 starts from its neighbour's shorter queue and
//! ends before its own has built up), look like noise on a flat forecast, and each of
//! whose verdicts rests on a quarter of the calls a level verdict has.

use std::ops::Range;

use super::start;
use crate::model::{Model, ServiceTargets};
use crate::offered::forecast_reaching_per_hour;
use crate::time::SimTime;

/// How long a change of forecast unsettles the intervals after it: until the calls it
/// leaves in hand (or missing) are down to about one agent's worth. Those of a call type
/// drain as their talks end, the work of ΔE Erlangs falling below one after a mean
/// handle time (talk and after-call work) times ln(1 + ΔE), with ΔE the load reaching the
/// agents changed over every call type (`reaching`: per hour, past the IVR, with the calls
/// transferred in, so that a second line's longer talks count when the front line's
/// forecast changes): 3.9 handle times for a drop from 100 to 50 Erlangs, 1.8 for one from
/// 55 to 50.
fn unsettled_for(model: &Model, reaching: &[Vec<f64>], k: usize) -> SimTime {
    let mut changed_erlangs = 0.0;
    let mut longest_work_s: f64 = 0.0;
    for (t, rates) in model.call_types.iter().zip(reaching) {
        let change = (rates[k] - rates[k - 1]).abs();
        if change > 0.0 {
            changed_erlangs += change * t.mean_work_s() / 3600.0;
            longest_work_s = longest_work_s.max(t.mean_work_s());
        }
    }
    SimTime::from_seconds(longest_work_s * (1.0 + changed_erlangs).ln())
}

/// The reported intervals of `model` cut into maximal runs of consecutive intervals with the
/// same load: for every call type the same forecast (calls per hour) and the same Erlang
/// staffing for `targets` of the calls reaching its agents ([`start::per_type`]), which
/// tells apart the intervals of a level forecast whose load drifts as repeat calls build
/// up. In order, covering every reported interval once; a replayed trace (no forecast)
/// gives one run per interval.
///
/// The interval of a change of forecast (from the interval before, warm-up included), and
/// every interval that starts while the change is unsettled ([`unsettled_for`]), is a run
/// of its own: it opens with the calls in hand and the queue of another load, so it may
/// need more agents than the settled intervals after it (after a drop from 100 to 50
/// Erlangs with 3-minute calls, 66 for the first half hour, 56 after; with 10-minute calls
/// and quarter hours, 90, 63 and 58 before 57) or fewer (after a rise), and must not
/// raise or lower the whole stretch.
pub fn level_runs(model: &Model, targets: &ServiceTargets) -> Vec<Range<usize>> {
    let first = model.first_reported_interval() as usize;
    let intervals = model.intervals as usize;
    // Targets no headcount meets leave the search an error to report; here they leave the
    // forecast alone to decide.
    let erlang = start::per_type(model, targets, false).unwrap_or_default();
    let same_forecast = |a: usize, b: usize| {
        model.trace.is_none()
            && model
                .call_types
                .iter()
                .all(|t| t.calls_per_hour[a] == t.calls_per_hour[b])
    };
    let same_load = |a: usize, b: usize| same_forecast(a, b) && erlang.iter().all(|n| n[a] == n[b]);
    let reaching = forecast_reaching_per_hour(model);
    let mut runs: Vec<Range<usize>> = Vec::new();
    // When the latest change of forecast settles, and whether the last run is unsettled.
    let mut settles_at = SimTime(0);
    let mut last_unsettled = false;
    for k in 0..intervals {
        let start = model.interval_start(k as u32);
        let changed = k > 0 && !same_forecast(k - 1, k);
        if changed {
            settles_at = start.saturating_add(unsettled_for(model, &reaching, k));
        }
        let unsettled = changed || start < settles_at;
        if k < first {
            continue;
        }
        match runs.last_mut() {
            Some(run) if !unsettled && !last_unsettled && same_load(run.start, k) => {
                run.end = k + 1
            }
            _ => {
                runs.push(k..k + 1);
                last_unsettled = unsettled;
            }
        }
    }
    runs
}

/// For each model interval, the index of its run in `runs` (`None` in the warm-up).
pub fn run_index(runs: &[Range<usize>], intervals: usize) -> Vec<Option<usize>> {
    let mut index = vec![None; intervals];
    for (r, run) in runs.iter().enumerate() {
        for k in run.clone() {
            index[k] = Some(r);
        }
    }
    index
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::Source;

    /// The scenario `text` as a model.
    fn load(text: &str) -> Model {
        Source {
            origin: "runs.toml".into(),
            text: text.into(),
        }
        .load()
        .unwrap()
    }

    fn model(rates: &str, trace: bool) -> Model {
        model_with(rates, "30m", "3m", trace)
    }

    fn model_with(rates: &str, interval: &str, handle: &str, trace: bool) -> Model {
        let text = format!(
            r#"
name = "runs"
[simulation]
duration = "3h"
warmup = "30m"
interval = "{interval}"
[[call_types]]
name = "a"
arrival_rates = {rates}
handle_time = {{ distribution = "exponential", mean = "{handle}" }}
[[call_types]]
name = "b"
arrival_rate = 60
handle_time = {{ distribution = "exponential", mean = "3m" }}
[[agent_groups]]
name = "agents"
agents = 20
skills = ["a", "b"]
"#
        );
        let mut model = load(&text);
        if trace {
            model.trace = Some(Vec::new().into());
        }
        model
    }

    #[test]
    fn runs_are_the_stretches_of_equal_forecasts_after_the_warm_up() {
        let m = model("[100, 100, 100, 120, 120, 100]", false);
        // Interval 0 is the warm-up; 1..3 share 100 calls/h, 3..5 share 120 but 3 opens
        // after the rise, so stands alone; 5 is alone (the same rate as 1..3, but not next
        // to them).
        let runs = level_runs(&m, &m.targets);
        assert_eq!(runs, vec![1..3, 3..4, 4..5, 5..6]);
        assert_eq!(
            run_index(&runs, 6),
            vec![None, Some(0), Some(0), Some(1), Some(2), Some(3)]
        );
    }

    #[test]
    fn the_first_interval_after_a_change_of_forecast_is_a_run_of_its_own() {
        // The warm-up (80/h) differs from 01:00's 100/h: 01:00 opens with another load's
        // calls in hand, and so does 02:00 after the drop to 90/h; the rest stay level.
        let m = model("[80, 100, 100, 90, 90, 90]", false);
        assert_eq!(level_runs(&m, &m.targets), vec![1..2, 2..3, 3..4, 4..6]);
        // A warm-up with the same forecast leaves the first reported interval in its run.
        let m = model("[100, 100, 100, 90, 90, 90]", false);
        assert_eq!(level_runs(&m, &m.targets), vec![1..3, 3..4, 4..6]);
    }

    #[test]
    fn the_intervals_that_start_before_a_change_settles_stand_alone() {
        // Quarter hours, 10-minute calls: the drop from 100 to 50 Erlangs at 01:00 leaves
        // more than an agent's worth of calls in hand for 10 × ln 51 = 39 minutes, so the
        // quarter hours starting at 01:00, 01:15 and 01:30 stand alone.
        let rates = "[600, 600, 600, 600, 300, 300, 300, 300, 300, 300, 300, 300]";
        let m = model_with(rates, "15m", "10m", false);
        assert_eq!(
            level_runs(&m, &m.targets),
            vec![2..4, 4..5, 5..6, 6..7, 7..12]
        );
        // A drop of 5 Erlangs settles in 10 × ln 6 = 18 minutes.
        let rates = "[330, 330, 330, 330, 300, 300, 300, 300, 300, 300, 300, 300]";
        let m = model_with(rates, "15m", "10m", false);
        assert_eq!(level_runs(&m, &m.targets), vec![2..4, 4..5, 5..6, 6..12]);
        // With 3-minute calls (100 to 50 Erlangs: 12 minutes) only the quarter hour of the
        // change does.
        let rates = "[2000, 2000, 2000, 2000, 1000, 1000, 1000, 1000, 1000, 1000, 1000, 1000]";
        let m = model_with(rates, "15m", "3m", false);
        assert_eq!(level_runs(&m, &m.targets), vec![2..4, 4..5, 5..12]);
        // A change inside the warm-up (at 00:15, settled at 00:54) still unsettles the
        // first reported intervals.
        let rates = "[600, 300, 300, 300, 300, 300, 300, 300, 300, 300, 300, 300]";
        let m = model_with(rates, "15m", "10m", false);
        assert_eq!(level_runs(&m, &m.targets), vec![2..3, 3..4, 4..12]);
    }

    #[test]
    fn a_level_forecast_is_cut_where_its_repeat_calls_change_the_erlang_staffing() {
        // 500 calls/h all day, 15 % calling again after about 2 hours: the load reaching
        // the agents rises from 33 to 39 Erlangs, and the Erlang C staffing for 80/20 with
        // it, one agent at a time; the runs are the stretches of equal staffing.
        let text = r#"
name = "repeats"
[simulation]
duration = "6h"
warmup = "30m"
interval = "30m"
[service_level]
threshold = "20s"
target = 0.8
[[call_types]]
name = "a"
arrival_rate = 500
handle_time = { distribution = "exponential", mean = "4m" }
unresolved = { share = 0.15, delay = { distribution = "exponential", mean = "2h" } }
[[agent_groups]]
name = "agents"
agents = 40
skills = ["a"]
"#;
        let m = load(text);
        let erlang = start::per_type(&m, &m.targets, false).unwrap();
        let runs = level_runs(&m, &m.targets);
        assert!(runs.len() >= 4, "{runs:?}");
        for run in &runs {
            assert!(run.clone().all(|k| erlang[0][k] == erlang[0][run.start]));
        }
        for pair in runs.windows(2) {
            assert_ne!(erlang[0][pair[0].start], erlang[0][pair[1].start]);
        }
        // Without the repeat calls, one run.
        let level = text.replace("unresolved = { share = 0.15", "unresolved = { share = 0.0");
        let m = load(&level);
        assert_eq!(level_runs(&m, &m.targets), vec![1..12]);
    }

    #[test]
    fn a_second_lines_longer_talks_keep_a_change_of_the_front_lines_forecast_unsettled() {
        // The front line's 3-minute calls (100 → 50 Erlangs at 01:00) settle in 12 minutes
        // on their own; a fifth of them transferred to 20-minute talks (133 → 67 Erlangs
        // there) keep the change unsettled for 20 × ln(1 + 117) = 95 minutes: the quarter
        // hours starting at 01:00 … 02:30 stand alone.
        let text = r#"
name = "transfers"
[simulation]
duration = "4h"
warmup = "30m"
interval = "15m"
[[call_types]]
name = "front"
arrival_rates = [2000, 2000, 2000, 2000, 1000, 1000, 1000, 1000, 1000, 1000, 1000, 1000, 1000, 1000, 1000, 1000]
handle_time = { distribution = "exponential", mean = "3m" }
transfer = { share = 0.2, to = "second" }
[[call_types]]
name = "second"
arrival_rate = 0
handle_time = { distribution = "exponential", mean = "20m" }
[[agent_groups]]
name = "agents"
agents = 200
skills = ["front", "second"]
"#;
        let m = load(text);
        let runs = level_runs(&m, &m.targets);
        assert_eq!(
            runs,
            vec![2..4, 4..5, 5..6, 6..7, 7..8, 8..9, 9..10, 10..11, 11..16],
            "{runs:?}"
        );
    }

    #[test]
    fn a_trace_has_no_forecast_so_every_interval_is_its_own_run() {
        let m = model("[100, 100, 100, 100, 100, 100]", true);
        assert_eq!(
            level_runs(&m, &m.targets),
            vec![1..2, 2..3, 3..4, 4..5, 5..6]
        );
    }
}
