//! What the engine runs: a validated scenario with dense integer ids and precomputed indexes.
//!
//! **Invariant:** a `Model` is always valid: every id is in range, every call type is served
//! by some group, every per-interval list has exactly `intervals` entries, every distribution
//! has valid parameters. Once a `Model` exists a run cannot fail. Names are kept only for
//! the report; the engine never looks at them.

use crate::dist::Distribution;
use crate::time::SimTime;

/// Index of a call type in [`Model::call_types`].
pub type TypeId = u32;
/// Index of an agent group in [`Model::groups`].
pub type GroupId = u32;

/// A validated, index-based scenario.
#[derive(Debug, Clone)]
pub struct Model {
    /// Title for reports.
    pub name: String,
    /// Seed of every random stream.
    pub seed: u64,
    /// Number of independent replications.
    pub replications: u32,
    /// Arrivals are generated in `[0, horizon)`.
    pub horizon: SimTime,
    /// Calls arriving before this are not counted; time integrals start here.
    pub warmup: SimTime,
    /// Length of a reporting, rate and staffing interval.
    pub interval: SimTime,
    /// Number of intervals covering `[0, horizon)` (the last one may be shorter).
    pub intervals: u32,
    /// Clock time of simulated time zero, in seconds after midnight (labels only).
    pub start_of_day_s: u32,
    /// "Answered within T".
    pub service_level_threshold: SimTime,
    /// The scenario's targets, for the staffing verbs (the engine never reads them).
    pub targets: ServiceTargets,
    /// Call types, by [`TypeId`].
    pub call_types: Vec<CallType>,
    /// Agent groups, by [`GroupId`].
    pub groups: Vec<AgentGroup>,
}

/// Targets from the scenario's `[service_level]` table, each per interval and call type;
/// `None` is no target. Fractions are in [0, 1].
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct ServiceTargets {
    /// The service level to reach (0.8 for 80 %).
    pub service_level: Option<f64>,
    /// The highest acceptable abandon rate.
    pub max_abandon_rate: Option<f64>,
    /// The longest acceptable ASA, seconds.
    pub max_asa_s: Option<f64>,
}

/// A kind of contact.
#[derive(Debug, Clone)]
pub struct CallType {
    /// Name, for the report.
    pub name: String,
    /// Calls per hour in each interval (`intervals` entries, each ≥ 0).
    pub calls_per_hour: Vec<f64>,
    /// Talk time.
    pub handle_time: Distribution,
    /// Time a caller is willing to wait; `None`: never abandons.
    pub patience: Option<Distribution>,
    /// Groups with this skill, in the default routing order: by the rank of this type in the
    /// group's skills, then fewer skills first, then scenario order. Never empty.
    pub serving_groups: Vec<GroupId>,
}

/// A pool of identical agents.
#[derive(Debug, Clone)]
pub struct AgentGroup {
    /// Name, for the report.
    pub name: String,
    /// Headcount in each interval (`intervals` entries).
    pub agents_by_interval: Vec<u32>,
    /// Call types served, most preferred first; no duplicates.
    pub skills: Vec<TypeId>,
}

impl Model {
    /// Start of interval `k` (simulated time).
    pub fn interval_start(&self, k: u32) -> SimTime {
        SimTime(self.interval.0 * k as u64)
    }

    /// The first interval that ends after the warm-up: the first one reported.
    pub fn first_reported_interval(&self) -> u32 {
        (self.warmup.0 / self.interval.0) as u32
    }

    /// Clock label `HH:MM` of the start of interval `k`.
    pub fn interval_label(&self, k: u32) -> String {
        let seconds = self.start_of_day_s as u64 + self.interval_start(k).0 / 1_000_000_000;
        let minutes = seconds / 60;
        format!("{:02}:{:02}", (minutes / 60) % 24, minutes % 60)
    }

    /// The largest headcount any interval gives a group: the engine's agent slots.
    pub fn max_agents(&self, group: GroupId) -> u32 {
        let agents = &self.groups[group as usize].agents_by_interval;
        agents.iter().copied().max().unwrap_or(0)
    }
}
