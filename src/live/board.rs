//! The wallboard document: an engine [`Snapshot`] with names, clock labels and seconds, as
//! JSON for `GET /api/snapshot`, the event stream and `--format ndjson`.

use serde::Serialize;

use super::clock::{Pacing, Speed};
use crate::engine::{CallCounts, Snapshot};
use crate::model::Model;
use crate::time::{SimTime, NANOS_PER_SECOND};

/// What the wallboard shows at one instant. Ratios are `null` until a call has ended.
#[derive(Debug, Clone, Serialize)]
pub struct Board {
    /// The scenario's name.
    pub scenario: String,
    /// The simulated clock, `HH:MM:SS` (the scenario's `start_time` plus the elapsed time).
    pub clock: String,
    /// Simulated seconds since the start of the day.
    pub elapsed_s: f64,
    /// Length of the day (arrivals stop then; calls in the centre are still finished).
    pub day_length_s: f64,
    /// Start of the current interval, `HH:MM`.
    pub interval_start: String,
    /// Simulated seconds per real second, or `"max"` when unpaced.
    pub speed: SpeedValue,
    /// Whether the clock is paused.
    pub paused: bool,
    /// Whether the day is over (nothing more can happen, or the run was stopped).
    pub finished: bool,
    /// The service-level threshold T, seconds.
    pub service_level_threshold_s: f64,
    /// Per call type.
    pub call_types: Vec<TypeTile>,
    /// Per agent group.
    pub agent_groups: Vec<GroupTile>,
    /// All calls counted so far today (arrived after the warm-up, and ended).
    pub today: Kpis,
    /// Calls counted so far that arrived in the current interval.
    pub current_interval: Kpis,
}

/// A speed as JSON: a number, or the string `"max"`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[serde(untagged)]
pub enum SpeedValue {
    /// Simulated seconds per real second.
    Factor(f64),
    /// Unpaced: the string `"max"`.
    Max(&'static str),
}

impl From<Speed> for SpeedValue {
    fn from(speed: Speed) -> SpeedValue {
        match speed {
            Speed::Max => SpeedValue::Max("max"),
            Speed::Factor(f) => SpeedValue::Factor(f),
        }
    }
}

/// One call type's queue.
#[derive(Debug, Clone, Serialize)]
pub struct TypeTile {
    /// The call type.
    pub name: String,
    /// Calls waiting now.
    pub waiting: u32,
    /// Wait of the longest-waiting call now, seconds (0 when none waits).
    pub longest_wait_s: f64,
    /// This call type's calls so far today.
    pub today: Kpis,
}

/// One agent group.
#[derive(Debug, Clone, Serialize)]
pub struct GroupTile {
    /// The group.
    pub name: String,
    /// Agents waiting for a call.
    pub idle: u32,
    /// Agents on a call.
    pub talking: u32,
    /// Agents in after-call work.
    pub wrap_up: u32,
    /// Scheduled agents on a break now.
    pub on_break: u32,
    /// The group's agents not on the floor (its largest headcount minus those present).
    pub off_shift: u32,
    /// The headcount the group should have now: scheduled plus `extra`.
    pub headcount: u32,
    /// Agents added to (negative: removed from) the schedule from the latest change on.
    pub extra: i64,
}

/// Service figures of a set of calls.
#[derive(Debug, Clone, Serialize)]
pub struct Kpis {
    /// Calls that arrived.
    pub offered: u64,
    /// Calls answered.
    pub answered: u64,
    /// Calls abandoned.
    pub abandoned: u64,
    /// Answered within the threshold ÷ (answered + abandoned).
    pub service_level: Option<f64>,
    /// Mean wait of answered calls, seconds.
    pub asa_s: Option<f64>,
    /// Abandoned ÷ (answered + abandoned).
    pub abandon_rate: Option<f64>,
}

impl From<&CallCounts> for Kpis {
    fn from(c: &CallCounts) -> Kpis {
        Kpis {
            offered: c.offered,
            answered: c.answered,
            abandoned: c.abandoned,
            service_level: c.service_level(),
            asa_s: c.asa_s(),
            abandon_rate: c.abandon_rate(),
        }
    }
}

/// `HH:MM:SS` of simulated time `t` on `model`'s clock (wrapping at midnight).
pub fn clock_label(model: &Model, t: SimTime) -> String {
    let s = model.start_of_day_s as u64 + t.0 / NANOS_PER_SECOND;
    format!("{:02}:{:02}:{:02}", (s / 3600) % 24, (s / 60) % 60, s % 60)
}

impl Board {
    /// The board of `snapshot`, a state of a run of `model` paced by `pacing`.
    pub fn new(model: &Model, snapshot: &Snapshot, pacing: &Pacing, finished: bool) -> Board {
        Board {
            scenario: model.name.clone(),
            clock: clock_label(model, snapshot.now),
            elapsed_s: snapshot.now.as_seconds(),
            day_length_s: model.horizon.as_seconds(),
            interval_start: model.interval_label(snapshot.interval),
            speed: pacing.speed.into(),
            paused: pacing.paused,
            finished,
            service_level_threshold_s: model.service_level_threshold.as_seconds(),
            call_types: model
                .call_types
                .iter()
                .zip(&snapshot.call_types)
                .map(|(spec, s)| TypeTile {
                    name: spec.name.clone(),
                    waiting: s.waiting,
                    longest_wait_s: s.longest_wait.as_seconds(),
                    today: (&s.today).into(),
                })
                .collect(),
            agent_groups: model
                .groups
                .iter()
                .zip(&snapshot.groups)
                .map(|(spec, s)| GroupTile {
                    name: spec.name.clone(),
                    idle: s.idle,
                    talking: s.talking,
                    wrap_up: s.wrap_up,
                    on_break: s.on_break,
                    off_shift: s.off_shift,
                    headcount: s.headcount,
                    extra: s.delta,
                })
                .collect(),
            today: (&snapshot.today).into(),
            current_interval: (&snapshot.current_interval).into(),
        }
    }

    /// The board as one line of JSON.
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).expect("a board always serialises")
    }
}
