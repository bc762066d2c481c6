//! One replication's measures: the planner's numbers, computed from a [`Tally`].

use super::{CallCell, Tally, WaitGrid, Waits};
use crate::model::Model;

/// The waiting-time percentiles reported, as quantiles; the last entry is the maximum.
pub const WAIT_PERCENTILES: [(&str, f64); 6] = [
    ("p50", 0.50),
    ("p80", 0.80),
    ("p90", 0.90),
    ("p95", 0.95),
    ("p99", 0.99),
    ("max", 1.0),
];

/// Call measures of one block (total, a call type, an interval) in one replication.
/// Ratios are `None` when their denominator is zero; each ratio's numerator and denominator
/// are kept too, so that a report can pool them over replications (the per-call figure).
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct CallMeasures {
    /// Calls that arrived.
    pub offered: f64,
    /// Calls answered.
    pub answered: f64,
    /// Calls abandoned.
    pub abandoned: f64,
    /// Calls left waiting with nobody to answer them.
    pub unserved: f64,
    /// Calls that found every line busy.
    pub blocked: f64,
    /// Calls that completed in self-service in the IVR.
    pub deflected: f64,
    /// Offered calls that were second or later attempts.
    pub retrials: f64,
    /// Offered calls that came by transfer.
    pub transfers_in: f64,
    /// Offered calls that were repeat calls (no first-contact resolution).
    pub repeats: f64,
    /// Answered calls transferred onwards.
    pub transferred: f64,
    /// Answered calls not resolved.
    pub unresolved: f64,
    /// Calls that took a callback instead of waiting.
    pub callbacks: f64,
    /// Offered calls that were callback jobs.
    pub callback_jobs: f64,
    /// Answered calls that waited at most the service-level threshold.
    pub answered_within_threshold: f64,
    /// Calls that found no agent for them on arrival and queued.
    pub queued: f64,
    /// Sum of answered calls' waits, seconds.
    pub wait_sum_s: f64,
    /// Sum of answered calls' handle times, seconds.
    pub handle_sum_s: f64,
    /// Agent time on these calls, seconds (contact-slot time for chat desks).
    pub busy_s: f64,
    /// Staffed contact-slot time of the groups that serve these calls, seconds.
    pub capacity_s: f64,
    /// Answered within the threshold ÷ (answered + abandoned + unserved).
    pub service_level: Option<f64>,
    /// Calls that had to queue ÷ (answered + abandoned + unserved): Erlang's P(wait).
    pub p_wait: Option<f64>,
    /// Abandoned ÷ (answered + abandoned + unserved).
    pub abandon_rate: Option<f64>,
    /// Mean wait of answered calls, seconds.
    pub asa_s: Option<f64>,
    /// Mean handle time of answered calls, seconds.
    pub aht_s: Option<f64>,
    /// Agent time on these calls ÷ staffed time of the groups that serve them.
    pub occupancy: Option<f64>,
    /// The longest wait of an answered call, seconds (its histogram bucket's highest value,
    /// as the percentiles are read). A report's percentiles pool the waits of every
    /// replication (`ReplicationMeasures::waits`); its longest wait is the mean of these.
    pub longest_wait_s: Option<f64>,
}

impl CallMeasures {
    /// The paired difference `self − other`, measure by measure (undefined where either is).
    pub fn minus(&self, other: &CallMeasures) -> CallMeasures {
        let d = |a: Option<f64>, b: Option<f64>| Some(a? - b?);
        CallMeasures {
            offered: self.offered - other.offered,
            answered: self.answered - other.answered,
            abandoned: self.abandoned - other.abandoned,
            unserved: self.unserved - other.unserved,
            blocked: self.blocked - other.blocked,
            deflected: self.deflected - other.deflected,
            retrials: self.retrials - other.retrials,
            transfers_in: self.transfers_in - other.transfers_in,
            repeats: self.repeats - other.repeats,
            transferred: self.transferred - other.transferred,
            unresolved: self.unresolved - other.unresolved,
            callbacks: self.callbacks - other.callbacks,
            callback_jobs: self.callback_jobs - other.callback_jobs,
            answered_within_threshold: self.answered_within_threshold
                - other.answered_within_threshold,
            queued: self.queued - other.queued,
            wait_sum_s: self.wait_sum_s - other.wait_sum_s,
            handle_sum_s: self.handle_sum_s - other.handle_sum_s,
            busy_s: self.busy_s - other.busy_s,
            capacity_s: self.capacity_s - other.capacity_s,
            service_level: d(self.service_level, other.service_level),
            p_wait: d(self.p_wait, other.p_wait),
            abandon_rate: d(self.abandon_rate, other.abandon_rate),
            asa_s: d(self.asa_s, other.asa_s),
            aht_s: d(self.aht_s, other.aht_s),
            occupancy: d(self.occupancy, other.occupancy),
            longest_wait_s: d(self.longest_wait_s, other.longest_wait_s),
        }
    }
}

/// Agent-group measures of one block in one replication.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct GroupMeasures {
    /// Calls answered by the group.
    pub answered: f64,
    /// Busy time ÷ staffed time.
    pub occupancy: Option<f64>,
    /// Agent busy time, seconds (contact-slot time for chat desks).
    pub busy_s: f64,
    /// Staffed contact-slot time, seconds.
    pub capacity_s: f64,
    /// Average number of agents on the floor.
    pub staffed_agents: f64,
    /// Average number of agents on the schedule (breaks taken off, before shrinkage).
    pub scheduled_agents: f64,
}

/// One reporting interval's measures.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct IntervalMeasures {
    /// Index of the interval in the model.
    pub interval: u32,
    /// All call types together.
    pub total: CallMeasures,
    /// Per call type.
    pub call_types: Vec<CallMeasures>,
    /// Per call class (the tiers of types that have them).
    pub classes: Vec<CallMeasures>,
    /// Per agent group.
    pub groups: Vec<GroupMeasures>,
}

/// Everything one replication measured.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct ReplicationMeasures {
    /// All call types, all reported intervals.
    pub total: CallMeasures,
    /// Per call type, all reported intervals.
    pub call_types: Vec<CallMeasures>,
    /// Per call class (tier), all reported intervals.
    pub classes: Vec<CallMeasures>,
    /// Per agent group, all reported intervals.
    pub groups: Vec<GroupMeasures>,
    /// Per reported interval.
    pub intervals: Vec<IntervalMeasures>,
    /// The waits of answered calls per reported interval and call class, for a report to
    /// pool over replications (not written to part files, which keep them pooled).
    #[serde(skip)]
    pub waits: WaitGrid,
}

/// The ratios of a block that are its counts' and sums' ratios, as a run computes them
/// (`None` where the denominator is 0): service level, P(wait), abandon rate, ASA and AHT.
pub(super) struct CountedRatios {
    pub service_level: Option<f64>,
    pub p_wait: Option<f64>,
    pub abandon_rate: Option<f64>,
    pub asa_s: Option<f64>,
    pub aht_s: Option<f64>,
}

/// `num ÷ den`, or `None` when `den` is 0.
fn ratio(num: f64, den: f64) -> Option<f64> {
    (den > 0.0).then(|| num / den)
}

impl CountedRatios {
    /// The ratios of `m`'s counts and sums (whatever its own ratios say).
    pub(super) fn of(m: &CallMeasures) -> CountedRatios {
        let ended = m.answered + m.abandoned + m.unserved;
        CountedRatios {
            service_level: ratio(m.answered_within_threshold, ended),
            p_wait: ratio(m.queued, ended),
            abandon_rate: ratio(m.abandoned, ended),
            asa_s: ratio(m.wait_sum_s, m.answered),
            aht_s: ratio(m.handle_sum_s, m.answered),
        }
    }
}

/// The measures of the calls counted in `c`, whose serving groups had `staffed_ns` of
/// staffed contact-slot time.
fn call_measures(c: &CallCell, staffed_ns: u128) -> CallMeasures {
    let seconds = |ns: u128| ns as f64 / 1e9;
    let mut m = CallMeasures {
        offered: c.offered as f64,
        answered: c.answered as f64,
        abandoned: c.abandoned as f64,
        unserved: c.unserved as f64,
        blocked: c.blocked as f64,
        deflected: c.deflected as f64,
        retrials: c.retrials as f64,
        transfers_in: c.transfers_in as f64,
        repeats: c.repeats as f64,
        transferred: c.transferred as f64,
        unresolved: c.unresolved as f64,
        callbacks: c.callbacks as f64,
        callback_jobs: c.callback_jobs as f64,
        answered_within_threshold: c.answered_within_threshold as f64,
        queued: c.queued as f64,
        wait_sum_s: seconds(c.wait_ns),
        handle_sum_s: seconds(c.handle_ns),
        busy_s: seconds(c.busy_ns),
        capacity_s: seconds(staffed_ns),
        service_level: None,
        p_wait: None,
        abandon_rate: None,
        asa_s: None,
        aht_s: None,
        // From the nanoseconds, not from the rounded seconds.
        occupancy: ratio(c.busy_ns as f64, staffed_ns as f64),
        longest_wait_s: c.waits.longest().map(|units| units as f64 / 1000.0),
    };
    let r = CountedRatios::of(&m);
    m.service_level = r.service_level;
    m.p_wait = r.p_wait;
    m.abandon_rate = r.abandon_rate;
    m.asa_s = r.asa_s;
    m.aht_s = r.aht_s;
    m
}

/// The percentiles of [`WAIT_PERCENTILES`] of `waits`, seconds (all `None` when empty): each
/// the median equivalent of its histogram bucket; the maximum is the largest value recorded.
pub fn wait_percentiles(waits: &Waits) -> [Option<f64>; 6] {
    let mut wait_s = [None; 6];
    if waits.is_empty() {
        return wait_s;
    }
    // The percentiles in one pass over the histogram (they are in ascending order).
    let (max, percentiles) = WAIT_PERCENTILES.split_last().expect("percentiles and max");
    debug_assert!(max.1 >= 1.0);
    waits.with_histogram(|waits| {
        let values = waits.value_at_quantiles(percentiles.iter().map(|p| p.1));
        for (slot, units) in wait_s.iter_mut().zip(values) {
            *slot = Some(waits.median_equivalent(units) as f64 / 1000.0);
        }
        wait_s[percentiles.len()] = Some(waits.max() as f64 / 1000.0);
    });
    wait_s
}

/// One cell holding the sum of `cells`.
fn sum_cells<'a>(cells: impl IntoIterator<Item = &'a CallCell>) -> CallCell {
    let mut sum = CallCell::empty();
    for cell in cells {
        sum.add(cell);
    }
    sum
}

impl Tally {
    /// The measures of this replication over the model's reported intervals, with a copy of
    /// its waits.
    pub fn measures(&self, model: &Model) -> ReplicationMeasures {
        let mut measures = self.measures_without_waits(model);
        let cells = &self.calls[self.first_reported_cell(model)..];
        let copied = cells.iter().map(|c| c.waits.clone());
        measures.waits = WaitGrid::from_cells(self.classes, copied.collect());
        measures
    }

    /// [`Tally::measures`], moving the waits out of the tally instead of copying them.
    pub fn into_measures(mut self, model: &Model) -> ReplicationMeasures {
        let mut measures = self.measures_without_waits(model);
        let first = self.first_reported_cell(model);
        let moved = self.calls[first..]
            .iter_mut()
            .map(|c| std::mem::take(&mut c.waits));
        measures.waits = WaitGrid::from_cells(self.classes, moved.collect());
        measures
    }

    /// The first cell of the first reported interval.
    fn first_reported_cell(&self, model: &Model) -> usize {
        (model.first_reported_interval() as usize * self.classes).min(self.calls.len())
    }

    /// The measures without the waits (for callers that do not pool them: they cost memory).
    pub fn measures_without_waits(&self, model: &Model) -> ReplicationMeasures {
        let reported: Vec<usize> =
            (model.first_reported_interval() as usize..self.intervals).collect();
        let serving: Vec<Vec<usize>> = model
            .call_types
            .iter()
            .map(|t| t.serving_groups.iter().map(|&g| g as usize).collect())
            .collect();
        let type_classes: Vec<Vec<usize>> = model
            .call_types
            .iter()
            .map(|t| t.classes.clone().map(|c| c as usize).collect())
            .collect();
        let class_type: Vec<usize> = model.classes.iter().map(|c| c.call_type as usize).collect();
        let types = model.call_types.len();
        // Occupancy counts contact slots: an agent of a chat desk has `max_concurrent`.
        let capacity: Vec<u128> = model
            .groups
            .iter()
            .map(|g| g.max_concurrent as u128)
            .collect();
        let window_ns = (self.window_end - self.window_start) as f64;

        let all_groups: Vec<usize> = (0..self.groups).collect();
        let staffed = |ks: &[usize], groups: &[usize]| -> u128 {
            ks.iter()
                .flat_map(|&k| groups.iter().map(move |&g| (k, g)))
                .map(|(k, g)| self.group_cell(k, g).staffed_ns * capacity[g])
                .sum()
        };
        // Each histogram is summed once: a class in an interval is its cell; a type or the
        // total sums its classes; the whole day sums each class over the intervals.
        let blocks = |ks: &[usize],
                      cells: &[CallCell]|
         -> (CallMeasures, Vec<CallMeasures>, Vec<CallMeasures>) {
            let classes: Vec<CallMeasures> = (0..self.classes)
                .map(|c| call_measures(&cells[c], staffed(ks, &serving[class_type[c]])))
                .collect();
            let types = (0..types)
                .map(|t| match type_classes[t].as_slice() {
                    [only] => classes[*only].clone(),
                    several => call_measures(
                        &sum_cells(several.iter().map(|&c| &cells[c])),
                        staffed(ks, &serving[t]),
                    ),
                })
                .collect();
            let total = call_measures(&sum_cells(cells), staffed(ks, &all_groups));
            (total, types, classes)
        };
        let group_block = |ks: &[usize], g: usize, span_ns: f64| {
            let (mut answered, mut busy, mut staffed, mut scheduled) = (0u64, 0u128, 0u128, 0u128);
            for &k in ks {
                let cell = self.group_cell(k, g);
                answered += cell.answered;
                busy += cell.busy_ns;
                staffed += cell.staffed_ns;
                scheduled += cell.scheduled_ns;
            }
            GroupMeasures {
                answered: answered as f64,
                occupancy: (staffed > 0).then(|| busy as f64 / (staffed * capacity[g]) as f64),
                busy_s: busy as f64 / 1e9,
                capacity_s: (staffed * capacity[g]) as f64 / 1e9,
                staffed_agents: staffed as f64 / span_ns,
                scheduled_agents: scheduled as f64 / span_ns,
            }
        };
        let intervals = reported
            .iter()
            .map(|&k| {
                let start = (k as u64 * self.interval).max(self.window_start);
                let end = ((k as u64 + 1) * self.interval).min(self.window_end);
                let cells = &self.calls[k * self.classes..(k + 1) * self.classes];
                let (total, call_types, classes) = blocks(&[k], cells);
                IntervalMeasures {
                    interval: k as u32,
                    total,
                    call_types,
                    classes,
                    groups: (0..self.groups)
                        // An interval past the window (a forecast's extra one, after an
                        // `--until` inside an interval) has no span.
                        .map(|g| group_block(&[k], g, end.saturating_sub(start) as f64))
                        .collect(),
                }
            })
            .collect();
        let day: Vec<CallCell> = (0..self.classes)
            .map(|c| sum_cells(reported.iter().map(|&k| self.call_cell(k, c))))
            .collect();
        let (total, call_types, classes) = blocks(&reported, &day);
        ReplicationMeasures {
            total,
            call_types,
            classes,
            groups: (0..self.groups)
                .map(|g| group_block(&reported, g, window_ns))
                .collect(),
            intervals,
            waits: WaitGrid::default(),
        }
    }
}
