//! Staffing changed while the day runs.
//!
//! Semantics: after [`Simulation::change_staffing`], **the group's headcount from now on is
//! the scheduled one plus a delta**, the delta chosen so that the headcount now is what was
//! asked. Later schedule steps (interval, shift and break boundaries) still happen (a rise of
//! 5 at 12:00 is still a rise of 5), and a step that would take the headcount below zero
//! stops at zero. Agents leave and arrive as at a scheduled change: idle agents leave at
//! once, busy ones after their call; new agents take waiting calls at once. The schedule here
//! is the available one (after shrinkage and breaks).

use super::{Observer, Simulation};
use crate::routing::Router;

/// Largest headcount a runtime change may give a group.
pub const MAX_HEADCOUNT: u32 = 100_000;

/// The runtime deltas to the schedule; empty until the first change.
#[derive(Debug, Default, Clone)]
pub(super) struct Overrides {
    /// Per group, agents added to (negative: removed from) the schedule.
    delta: Vec<i64>,
}

impl Overrides {
    pub(super) fn get(&self, group: u32) -> i64 {
        self.delta.get(group as usize).copied().unwrap_or(0)
    }

    pub(super) fn set(&mut self, groups: usize, group: u32, delta: i64) {
        if self.delta.len() < groups {
            self.delta.resize(groups, 0);
        }
        self.delta[group as usize] = delta;
    }
}

/// Why a staffing change was refused; the simulation is unchanged.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StaffingError {
    /// No group has this id.
    #[error("there is no agent group {group} (the model has {groups})")]
    UnknownGroup {
        /// The id asked for.
        group: u32,
        /// Number of groups in the model.
        groups: usize,
    },
    /// The headcount would drop below zero.
    #[error("the group has {now} agents now; a change of {change} would leave {} (at least 0)", *now as i128 + *change as i128)]
    Negative {
        /// The headcount now.
        now: u32,
        /// The change asked for.
        change: i64,
    },
    /// The headcount would exceed [`MAX_HEADCOUNT`].
    #[error("the group has {now} agents now; a change of {change} would exceed {MAX_HEADCOUNT}")]
    TooMany {
        /// The headcount now.
        now: u32,
        /// The change asked for.
        change: i64,
    },
}

impl<R: Router, O: Observer> Simulation<'_, R, O> {
    /// The interval the clock is in (the last one after the horizon).
    pub fn current_interval(&self) -> u32 {
        ((self.now.0 / self.model.interval.0) as u32).min(self.model.intervals - 1)
    }

    /// Index of the group's staffing change point in force now.
    pub(super) fn current_point(&self, group: u32) -> u32 {
        let points = &self.staffing[group as usize];
        points
            .partition_point(|&(t, _)| t <= self.now)
            .saturating_sub(1) as u32
    }

    /// The group's headcount at change point `point`, with the runtime delta applied, at
    /// least 0.
    pub(super) fn headcount_target(&self, group: u32, point: u32) -> u32 {
        self.with_runtime_changes(group, self.staffing[group as usize][point as usize].1)
    }

    /// `available` agents of `group` (the schedule less shrinkage) with the runtime delta
    /// applied, at least 0.
    pub(super) fn with_runtime_changes(&self, group: u32, available: u32) -> u32 {
        (i64::from(available) + self.overrides.get(group)).max(0) as u32
    }

    /// Agents added to (negative: removed from) `group`'s schedule at runtime.
    pub fn staffing_delta(&self, group: u32) -> i64 {
        self.overrides.get(group)
    }

    /// The headcount `group` should have now (schedule plus delta); agents finishing a call
    /// before leaving are on the floor but not counted here.
    pub fn headcount(&self, group: u32) -> u32 {
        self.headcount_target(group, self.current_point(group))
    }

    /// Adds `change` agents to `group` (removes them if negative) from now on, and returns the
    /// new headcount. See the module docs for the semantics. Refused, changing nothing, if the
    /// headcount would fall below 0 or exceed [`MAX_HEADCOUNT`].
    pub fn change_staffing(&mut self, group: u32, change: i64) -> Result<u32, StaffingError> {
        let groups = self.model.groups.len();
        if group as usize >= groups {
            return Err(StaffingError::UnknownGroup { group, groups });
        }
        let now = self.headcount(group);
        // In i128: a change near i64's ends must be refused, not wrapped.
        let result = now as i128 + change as i128;
        if result < 0 {
            return Err(StaffingError::Negative { now, change });
        }
        if result > MAX_HEADCOUNT as i128 {
            return Err(StaffingError::TooMany { now, change });
        }
        let result = result as i64;
        let point = self.current_point(group);
        let scheduled = self.staffing[group as usize][point as usize].1 as i64;
        self.set_staffing_delta(group, result - scheduled);
        self.on_staffing_change(group, point);
        Ok(result as u32)
    }

    /// Sets the runtime delta of `group` and makes room for the largest headcount it gives
    /// from now on; the pools follow at the next staffing change (or at once, by the caller).
    pub(super) fn set_staffing_delta(&mut self, group: u32, delta: i64) {
        self.overrides.set(self.model.groups.len(), group, delta);
        let point = self.current_point(group) as usize;
        let largest = self.staffing[group as usize][point..]
            .iter()
            .map(|&(_, n)| (n as i64 + delta).max(0) as u32)
            .max()
            .unwrap_or(0);
        self.pools.grow(group, largest);
    }
}
