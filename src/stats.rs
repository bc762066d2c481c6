//! Statistics: what one replication counts ([`Tally`]), what it measures ([`ReplicationMeasures`]),
//! and the summary over replications ([`Stat`]).
//!
//! Counts belong to the interval in which the call arrived; time integrals (agent busy and
//! staffed time) are cut at interval boundaries and at the reporting window
//! `[warm-up, duration)`.

mod measures;
mod plausible;
mod summary;
mod waits;

pub use measures::{
    wait_percentiles, CallMeasures, GroupMeasures, IntervalMeasures, ReplicationMeasures,
    WAIT_PERCENTILES,
};
pub use summary::{
    paired_ratio_difference, sectioning_half_width, student_t_975, RatioStat, RunningStat, Stat,
};
pub use waits::{wait_batch, WaitGrid, Waits, FEW as FEW_WAITS, WAIT_BATCHES};

use crate::time::SimTime;

/// The cell of a call that arrived during the warm-up: counted nowhere.
pub const NOT_COUNTED: u32 = u32::MAX;

/// Nanoseconds per histogram unit: waits are recorded in milliseconds.
const NANOS_PER_HISTOGRAM_UNIT: u64 = 1_000_000;

/// Counts and sums for one call class in one interval.
#[derive(Debug, Clone)]
pub struct CallCell {
    /// Calls that arrived.
    pub offered: u64,
    /// Calls that found no agent for them on arrival and queued.
    pub queued: u64,
    /// Calls answered by an agent.
    pub answered: u64,
    /// Callers who hung up while waiting.
    pub abandoned: u64,
    /// Calls still waiting when the centre had nobody left to answer them.
    pub unserved: u64,
    /// Calls that found every line busy.
    pub blocked: u64,
    /// Calls that completed in self-service in the IVR.
    pub deflected: u64,
    /// Offered calls that were a caller's second or later attempt.
    pub retrials: u64,
    /// Offered calls that came by transfer from another type.
    pub transfers_in: u64,
    /// Offered calls that were repeat calls of callers whose issue was not resolved.
    pub repeats: u64,
    /// Answered calls transferred to another type after the talk.
    pub transferred: u64,
    /// Answered calls not resolved (the caller will call again).
    pub unresolved: u64,
    /// Calls that took a callback instead of waiting.
    pub callbacks: u64,
    /// Offered calls that were callback jobs (the agent calls a caller back who took one).
    pub callback_jobs: u64,
    /// Answered calls that waited at most the service-level threshold.
    pub answered_within_threshold: u64,
    /// Sum of answered calls' waits, ns.
    pub wait_ns: u128,
    /// Sum of answered calls' handle times, ns.
    pub handle_ns: u128,
    /// Agent time spent on this class inside the interval, ns (by time, not by arrival).
    pub busy_ns: u128,
    /// Waits of answered calls (zeros included), milliseconds.
    pub waits: Waits,
}

impl CallCell {
    /// A cell with nothing counted.
    pub fn empty() -> CallCell {
        CallCell {
            offered: 0,
            queued: 0,
            answered: 0,
            abandoned: 0,
            unserved: 0,
            blocked: 0,
            deflected: 0,
            retrials: 0,
            transfers_in: 0,
            repeats: 0,
            transferred: 0,
            unresolved: 0,
            callbacks: 0,
            callback_jobs: 0,
            answered_within_threshold: 0,
            wait_ns: 0,
            handle_ns: 0,
            busy_ns: 0,
            waits: Waits::default(),
        }
    }

    /// Adds another cell's counts, sums and waits to this one.
    pub fn add(&mut self, other: &CallCell) {
        self.offered += other.offered;
        self.queued += other.queued;
        self.answered += other.answered;
        self.abandoned += other.abandoned;
        self.unserved += other.unserved;
        self.blocked += other.blocked;
        self.deflected += other.deflected;
        self.retrials += other.retrials;
        self.transfers_in += other.transfers_in;
        self.repeats += other.repeats;
        self.transferred += other.transferred;
        self.unresolved += other.unresolved;
        self.callbacks += other.callbacks;
        self.callback_jobs += other.callback_jobs;
        self.answered_within_threshold += other.answered_within_threshold;
        self.wait_ns += other.wait_ns;
        self.handle_ns += other.handle_ns;
        self.busy_ns += other.busy_ns;
        self.waits.add(&other.waits);
    }
}

/// Counts and time integrals for one agent group in one interval.
#[derive(Debug, Clone, Default)]
pub struct GroupCell {
    /// Calls answered by the group that arrived in this interval.
    pub answered: u64,
    /// Agent busy time inside the interval, ns.
    pub busy_ns: u128,
    /// Agent time on the floor (staffed) inside the interval, ns.
    pub staffed_ns: u128,
    /// Agent time scheduled (before shrinkage and breaks) inside the interval, ns.
    pub scheduled_ns: u128,
}

/// Everything one replication counts, by interval × call class and interval × group.
#[derive(Debug, Clone)]
pub struct Tally {
    classes: usize,
    groups: usize,
    intervals: usize,
    interval: u64,
    window_start: u64,
    window_end: u64,
    /// "Answered within T", per class.
    thresholds: Vec<SimTime>,
    calls: Vec<CallCell>,
    agents: Vec<GroupCell>,
}

impl Tally {
    /// An empty tally for classes with the given service-level `thresholds`. Time integrals
    /// are kept for `[window_start, window_end)`.
    pub fn new(
        thresholds: Vec<SimTime>,
        groups: usize,
        intervals: u32,
        interval: SimTime,
        window: (SimTime, SimTime),
    ) -> Tally {
        let classes = thresholds.len();
        let intervals = intervals as usize;
        let empty = CallCell::empty();
        Tally {
            classes,
            groups,
            intervals,
            interval: interval.0,
            window_start: window.0 .0,
            window_end: window.1 .0,
            thresholds,
            calls: vec![empty; intervals * classes],
            agents: vec![GroupCell::default(); intervals * groups],
        }
    }

    /// The cell of a call of `class` arriving at `arrival`, or [`NOT_COUNTED`] outside the
    /// window: during the warm-up, or at or after the end of the day (a transfer's next leg
    /// when the talk before it ended after closing: served, but in no interval of the day).
    #[inline]
    pub fn cell_of(&self, class: u32, arrival: SimTime) -> u32 {
        if arrival.0 < self.window_start || arrival.0 >= self.window_end {
            return NOT_COUNTED;
        }
        let k = ((arrival.0 / self.interval) as usize).min(self.intervals - 1);
        (k * self.classes + class as usize) as u32
    }

    /// A call arrived.
    #[inline]
    pub fn offered(&mut self, cell: u32) {
        self.count(cell, |c| &mut c.offered);
    }

    /// A call of `class` that arrived at `arrival` is answered now by `group`, for
    /// `handle`. Warm-up calls (`cell` = [`NOT_COUNTED`]) still add agent busy time.
    #[inline(always)]
    pub fn answered(
        &mut self,
        cell: u32,
        class: u32,
        group: u32,
        arrival: SimTime,
        now: SimTime,
        handle: SimTime,
    ) {
        if cell != NOT_COUNTED {
            let wait = now.0 - arrival.0;
            let c = &mut self.calls[cell as usize];
            c.answered += 1;
            c.answered_within_threshold += (wait <= self.thresholds[class as usize].0) as u64;
            c.wait_ns += wait as u128;
            c.handle_ns += handle.0 as u128;
            let units = (wait + NANOS_PER_HISTOGRAM_UNIT / 2) / NANOS_PER_HISTOGRAM_UNIT;
            c.waits.record(units);
            let k = cell as usize / self.classes;
            self.agents[k * self.groups + group as usize].answered += 1;
        }
        self.add_busy(class as usize, group, now, now.saturating_add(handle));
    }

    /// A call found no agent for it on arrival and joined the queue.
    #[inline]
    pub fn queued(&mut self, cell: u32) {
        self.count(cell, |c| &mut c.queued);
    }

    /// A waiting caller hung up.
    #[inline]
    pub fn abandoned(&mut self, cell: u32) {
        self.count(cell, |c| &mut c.abandoned);
    }

    /// Adds 1 to the counter `field` of a counted cell.
    #[inline]
    pub fn count(&mut self, cell: u32, field: fn(&mut CallCell) -> &mut u64) {
        if cell != NOT_COUNTED {
            *field(&mut self.calls[cell as usize]) += 1;
        }
    }

    /// After-call work of a call of `class`: the agent of `group` stays busy in
    /// `[from, to)`; it counts in the call's handle time.
    #[inline]
    pub fn wrap_up(&mut self, cell: u32, class: u32, group: u32, from: SimTime, to: SimTime) {
        if cell != NOT_COUNTED {
            self.calls[cell as usize].handle_ns += (to.0 - from.0) as u128;
        }
        self.add_busy(class as usize, group, from, to);
    }

    /// `count` agents of `group` were scheduled during `[from, to)`.
    pub fn scheduled(&mut self, group: u32, count: u32, from: SimTime, to: SimTime) {
        self.add_agent_time(group, count, from, to, |cell| &mut cell.scheduled_ns);
    }

    /// A call was still waiting when nothing more could happen.
    pub fn unserved(&mut self, cell: u32) {
        self.count(cell, |c| &mut c.unserved);
    }

    /// Agents of `group` were on the floor, `count` of them, during `[from, to)`.
    pub fn staffed(&mut self, group: u32, count: u32, from: SimTime, to: SimTime) {
        self.add_agent_time(group, count, from, to, |cell| &mut cell.staffed_ns);
    }

    /// Adds `count` agents × the part of `[from, to)` in each interval to `field`.
    fn add_agent_time(
        &mut self,
        group: u32,
        count: u32,
        from: SimTime,
        to: SimTime,
        field: fn(&mut GroupCell) -> &mut u128,
    ) {
        if count == 0 {
            return;
        }
        let (groups, g) = (self.groups, group as usize);
        let agents = &mut self.agents;
        for_each_interval_overlap(
            self.interval,
            self.window_start,
            self.window_end,
            from.0,
            to.0,
            |k, ns| {
                *field(&mut agents[k * groups + g]) += ns as u128 * count as u128;
            },
        );
    }

    #[inline]
    fn add_busy(&mut self, c: usize, group: u32, from: SimTime, to: SimTime) {
        let (classes, groups, g) = (self.classes, self.groups, group as usize);
        let (calls, agents) = (&mut self.calls, &mut self.agents);
        for_each_interval_overlap(
            self.interval,
            self.window_start,
            self.window_end,
            from.0,
            to.0,
            |k, ns| {
                agents[k * groups + g].busy_ns += ns as u128;
                calls[k * classes + c].busy_ns += ns as u128;
            },
        );
    }

    /// Bytes this tally holds: its cells, and the waits recorded in them. An empty block
    /// costs only its counters; a block's waits cost 8 bytes each up to
    /// [`FEW_WAITS`], then one histogram.
    pub fn bytes(&self) -> usize {
        self.calls.capacity() * std::mem::size_of::<CallCell>()
            + self.agents.capacity() * std::mem::size_of::<GroupCell>()
            + self
                .calls
                .iter()
                .map(|c| c.waits.heap_bytes())
                .sum::<usize>()
    }

    /// The cell of class `c` in interval `k`.
    pub fn call_cell(&self, k: usize, c: usize) -> &CallCell {
        &self.calls[k * self.classes + c]
    }

    /// The cell of group `g` in interval `k`.
    pub fn group_cell(&self, k: usize, g: usize) -> &GroupCell {
        &self.agents[k * self.groups + g]
    }
}

/// Calls `f(interval, ns)` for each interval that `[from, to)` overlaps inside the window.
#[inline(always)]
fn for_each_interval_overlap(
    interval: u64,
    window_start: u64,
    window_end: u64,
    from: u64,
    to: u64,
    mut f: impl FnMut(usize, u64),
) {
    let mut start = from.max(window_start);
    let end = to.min(window_end);
    while start < end {
        let k = start / interval;
        let segment_end = ((k + 1) * interval).min(end);
        f(k as usize, segment_end - start);
        start = segment_end;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blocks_cost_what_happened_in_them() {
        let second = SimTime(1_000_000_000);
        let intervals = 36_000;
        let horizon = SimTime(second.0 * intervals as u64);
        let mut tally = Tally::new(vec![second], 1, intervals, second, (SimTime(0), horizon));
        let empty = tally.bytes();
        // Counters only: a few hundred bytes per interval, no histogram.
        assert!(empty < intervals as usize * 400, "{empty} bytes empty");
        // One answered call every 36 intervals (100 calls an hour).
        for k in (0..intervals).step_by(36) {
            let at = SimTime(second.0 * k as u64);
            let cell = tally.cell_of(0, at);
            tally.offered(cell);
            tally.answered(cell, 0, 0, at, SimTime(at.0 + 1_000_000), second);
        }
        let grown = tally.bytes() - empty;
        assert!(grown <= 1000 * 64, "1000 waits cost {grown} bytes");
    }

    #[test]
    fn spans_are_cut_at_intervals_and_window() {
        let mut seen = Vec::new();
        for_each_interval_overlap(10, 5, 35, 0, 100, |k, ns| seen.push((k, ns)));
        assert_eq!(seen, vec![(0, 5), (1, 10), (2, 10), (3, 5)]);
        seen.clear();
        for_each_interval_overlap(10, 5, 35, 12, 13, |k, ns| seen.push((k, ns)));
        assert_eq!(seen, vec![(1, 1)]);
    }
}
