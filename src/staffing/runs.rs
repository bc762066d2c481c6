//! Level load, level staffing: the stretches of a day whose intervals offer the same calls.
//!
//! A planner who forecasts the same calls for 10:00, 10:30 and 11:00 expects the same
//! headcount in all three. On such a stretch the search moves agents in every interval of
//! it at once and judges its targets on the stretch's calls pooled (its halves apart when
//! they differ, each interval keeping a veto when it alone is shown to miss:
//! `check::run_checks`). Left to single intervals, the search finds answers
//! that alternate, n − 1 between two n, which meet a half-hour target only through the
//! interval boundaries (a half hour at n − 1 starts from its neighbour's shorter queue and
//! ends before its own has built up), look like noise on a flat forecast, and each of
//! whose verdicts rests on a quarter of the calls a level verdict has.

use std::ops::Range;

use crate::model::Model;

/// The reported intervals of `model` cut into maximal runs of consecutive intervals with the
/// same forecast: for every call type the same calls per hour. In order, covering every
/// reported interval once; a replayed trace (no forecast) gives one run per interval.
///
/// The first interval after a change of forecast (from the interval before it, warm-up
/// included) is a run of its own: it starts with the calls in hand and the queue of a
/// different load, so it may need more agents than the settled intervals after it (after a
/// drop: 100 to 50 Erlangs with 3-minute calls needs 65 agents for its first half hour, 56
/// after) or fewer (after a rise), and must not raise or lower the whole stretch.
pub fn level_runs(model: &Model) -> Vec<Range<usize>> {
    let first = model.first_reported_interval() as usize;
    let intervals = model.intervals as usize;
    let same_forecast = |a: usize, b: usize| {
        model.trace.is_none()
            && model
                .call_types
                .iter()
                .all(|t| t.calls_per_hour[a] == t.calls_per_hour[b])
    };
    let follows_a_change = |k: usize| k > 0 && !same_forecast(k - 1, k);
    let mut runs: Vec<Range<usize>> = Vec::new();
    for k in first..intervals {
        match runs.last_mut() {
            Some(run) if same_forecast(run.start, k) && !follows_a_change(run.start) => {
                run.end = k + 1
            }
            _ => runs.push(k..k + 1),
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

    fn model(rates: &str, trace: bool) -> Model {
        let text = format!(
            r#"
name = "runs"
[simulation]
duration = "3h"
warmup = "30m"
interval = "30m"
[[call_types]]
name = "a"
arrival_rates = {rates}
handle_time = {{ distribution = "exponential", mean = "3m" }}
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
        let mut model = Source {
            origin: "runs.toml".into(),
            text,
        }
        .load()
        .unwrap();
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
        let runs = level_runs(&m);
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
        assert_eq!(level_runs(&m), vec![1..2, 2..3, 3..4, 4..6]);
        // A warm-up with the same forecast leaves the first reported interval in its run.
        let m = model("[100, 100, 100, 90, 90, 90]", false);
        assert_eq!(level_runs(&m), vec![1..3, 3..4, 4..6]);
    }

    #[test]
    fn a_trace_has_no_forecast_so_every_interval_is_its_own_run() {
        let m = model("[100, 100, 100, 100, 100, 100]", true);
        assert_eq!(level_runs(&m), vec![1..2, 2..3, 3..4, 4..5, 5..6]);
    }
}
