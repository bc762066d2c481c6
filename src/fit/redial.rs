//! Redials from repeated caller ids: a caller who hung up while waiting and called the same
//! call type again within a window redialled. Its probability, the delay before the next
//! attempt and the most attempts seen.

use super::arrivals::Estimate;
use super::durations::{self, DurationFit};
use super::log::{Call, Ending};

/// How the calls of a log link into redial chains.
#[derive(Debug, Clone, PartialEq)]
pub struct Chains {
    /// Per call (in the order given): which attempt of its caller it is (1 = first; a call
    /// of an unknown caller is always a first attempt).
    pub attempt: Vec<u32>,
    /// Seconds from each linked abandonment's end to the redial.
    pub delays: Vec<f64>,
    /// First attempts that were abandoned by a known caller with the whole window still
    /// observed after they hung up (the day's calls go on that long): the sample of the
    /// probability.
    pub eligible: u64,
    /// Of which redialled within the window.
    pub redialled: u64,
}

/// Links `calls` (in time order) into chains: a call is a redial when its caller's
/// previous call was of the same type, was abandoned, and ended (arrival + IVR + wait) at
/// most `window_s` before this one arrived.
pub fn chains(calls: &[&Call], window_s: f64) -> Chains {
    let at = |c: &Call| c.day as f64 * 86_400.0 + c.time_of_day;
    let ended = |c: &Call| at(c) + c.ivr.unwrap_or(0.0) + c.wait;
    // The last arrival of each day: an abandonment is eligible when the day's calls go on
    // for the whole window after it (after the centre closes nobody can redial).
    let mut day_end: std::collections::HashMap<i64, f64> = Default::default();
    for c in calls {
        let e = day_end.entry(c.day).or_insert(f64::MIN);
        *e = e.max(at(c));
    }
    let mut attempt = vec![1u32; calls.len()];
    let mut last: std::collections::HashMap<usize, usize> = Default::default();
    let mut delays = Vec::new();
    let mut redial_of = vec![false; calls.len()];
    for (i, c) in calls.iter().enumerate() {
        let Some(caller) = c.caller else { continue };
        if let Some(&p) = last.get(&caller) {
            let prev = calls[p];
            let delay = at(c) - ended(prev);
            if prev.ending == Ending::Abandoned
                && prev.call_type == c.call_type
                && (0.0..=window_s).contains(&delay)
            {
                attempt[i] = attempt[p] + 1;
                delays.push(delay);
                redial_of[p] = true;
            }
        }
        last.insert(caller, i);
    }
    let (mut eligible, mut redialled) = (0, 0);
    for (i, c) in calls.iter().enumerate() {
        if c.caller.is_some()
            && c.ending == Ending::Abandoned
            && attempt[i] == 1
            && ended(c) + window_s <= day_end[&c.day]
        {
            eligible += 1;
            redialled += u64::from(redial_of[i]);
        }
    }
    Chains {
        attempt,
        delays,
        eligible,
        redialled,
    }
}

/// The redial behaviour fitted from chains.
#[derive(Debug, Clone, PartialEq)]
pub struct RedialFit {
    /// The window used, seconds.
    pub window_s: f64,
    /// P(redial | a first attempt abandoned), with its Wilson 95 % interval; `n` is the
    /// eligible abandonments.
    pub probability: Estimate,
    /// Of the eligible abandonments, those redialled within the window.
    pub redialled: u64,
    /// Redials linked (all attempts).
    pub redials: u64,
    /// The delay from hanging up to redialling.
    pub delay: DurationFit,
    /// The most attempts of one caller seen in a chain (at least 2).
    pub max_attempts: u32,
}

/// Fits redials from `chains`; `None` with fewer than [`durations::MIN_SAMPLE`] redials or
/// eligible abandonments.
pub fn fit(chains: &Chains, window_s: f64) -> Option<RedialFit> {
    if (chains.eligible as usize) < durations::MIN_SAMPLE {
        return None;
    }
    let delay = durations::fit(&chains.delays)?;
    let (lo, hi) = wilson(chains.redialled, chains.eligible);
    Some(RedialFit {
        window_s,
        probability: Estimate {
            value: chains.redialled as f64 / chains.eligible as f64,
            lo,
            hi,
            n: chains.eligible,
        },
        redialled: chains.redialled,
        redials: chains.delays.len() as u64,
        delay,
        max_attempts: chains.attempt.iter().copied().max().unwrap_or(1).max(2),
    })
}

/// The Wilson score 95 % interval of a proportion `k / n` (n > 0).
pub fn wilson(k: u64, n: u64) -> (f64, f64) {
    let (k, n) = (k as f64, n as f64);
    let z = 1.959_963_984_540_054_f64;
    let p = k / n;
    let centre = (p + z * z / (2.0 * n)) / (1.0 + z * z / n);
    let half = z / (1.0 + z * z / n) * (p * (1.0 - p) / n + z * z / (4.0 * n * n)).sqrt();
    ((centre - half).max(0.0), (centre + half).min(1.0))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn call(day: i64, t: f64, caller: Option<usize>, ending: Ending, wait: f64) -> Call {
        Call {
            line: 0,
            day,
            time_of_day: t,
            call_type: 0,
            ending,
            wait,
            talk: (ending == Ending::Answered).then_some(60.0),
            wrap: None,
            agent: None,
            caller,
            ivr: Some(5.0),
        }
    }

    #[test]
    fn wilson_matches_published_values() {
        // 81 of 263 (Newcombe 1998, example): 0.2553 to 0.3662.
        let (lo, hi) = wilson(81, 263);
        assert!(
            (lo - 0.2553).abs() < 1e-4 && (hi - 0.3662).abs() < 1e-4,
            "{lo} {hi}"
        );
        assert_eq!(wilson(0, 10).0, 0.0);
    }

    #[test]
    fn links_abandonments_to_the_same_callers_next_call_within_the_window() {
        use Ending::*;
        let calls = [
            call(0, 100.0, Some(1), Abandoned, 30.0), // ends at 135: redialled at 200
            call(0, 200.0, Some(1), Abandoned, 10.0), // attempt 2, ends at 215: redialled at 4000?
            call(0, 4000.0, Some(1), Answered, 0.0),  // 3785 s later: outside a 1 h window
            call(0, 300.0, Some(2), Abandoned, 10.0), // never calls again
            call(0, 400.0, None, Abandoned, 10.0),    // unknown caller: not in the sample
            call(0, 500.0, Some(3), Answered, 10.0),  // answered, then calls again: not a redial
            call(0, 600.0, Some(3), Answered, 10.0),
            call(0, 9000.0, Some(4), Abandoned, 0.0), // too close to the day's end to tell
        ];
        let mut sorted: Vec<&Call> = calls.iter().collect();
        sorted.sort_by(|a, b| a.time_of_day.partial_cmp(&b.time_of_day).unwrap());
        let c = chains(&sorted, 3600.0);
        let attempts: Vec<(f64, u32)> = sorted
            .iter()
            .zip(&c.attempt)
            .map(|(call, &a)| (call.time_of_day, a))
            .collect();
        assert_eq!(
            attempts,
            [
                (100.0, 1),
                (200.0, 2),
                (300.0, 1),
                (400.0, 1),
                (500.0, 1),
                (600.0, 1),
                (4000.0, 1),
                (9000.0, 1)
            ]
        );
        assert_eq!(c.delays, [200.0 - 135.0]);
        // Eligible: the first attempts abandoned by known callers ending an hour before
        // 9000 s: callers 1 (redialled) and 2 (did not).
        assert_eq!((c.eligible, c.redialled), (2, 1));
    }
}
