//! The state file: what `live --save-state` writes and `intraday --state` reads.
//!
//! ```json
//! {
//!   "scenario": "Mobile operator hotline, weekday",
//!   "clock": "10:30:00",
//!   "call_types": [
//!     { "name": "general", "waiting_s": [95.5, 40.0, 3.2] },
//!     { "name": "billing", "waiting_s": [] }
//!   ],
//!   "agent_groups": [
//!     { "name": "generalists", "talking": { "general": 30, "billing": 4 }, "extra_agents": 2 }
//!   ]
//! }
//! ```
//! - `scenario` (optional): the scenario's name; if given it must match.
//! - `clock`: the time of day, `HH:MM`, `HH:MM:SS` or `HH:MM:SS.mmm`, inside the scenario's
//!   day (from its `start_time`, for its `duration`).
//! - `call_types` (optional, default none): per call type, how long each waiting call has
//!   waited, seconds (each at most the time since the start of the day).
//! - `agent_groups` (optional, default none): per group, the agents on a call by call type
//!   (types the group serves), and `extra_agents` (default 0): agents added to (negative:
//!   removed from) the schedule from now on, as `POST /api/staffing` does.
//!
//! Call types and groups left out have nobody waiting or talking and no extra agents.

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Serialize};

use crate::engine::StartState;
use crate::model::Model;
use crate::time::{SimTime, NANOS_PER_SECOND};

/// Most calls a state may hold waiting, all types together.
pub const MAX_WAITING: usize = 10_000_000;
/// Most agents a group may have, talking or in all (the engine's runtime limit).
pub const MAX_AGENTS: i64 = crate::engine::MAX_HEADCOUNT as i64;

/// The state file, as written.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StateFile {
    /// The scenario's name (optional; checked when given).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scenario: Option<String>,
    /// Time of day, `HH:MM[:SS[.mmm]]`.
    pub clock: String,
    /// Calls waiting, per call type.
    #[serde(default)]
    pub call_types: Vec<TypeEntry>,
    /// Agents talking and staffing, per group.
    #[serde(default)]
    pub agent_groups: Vec<GroupEntry>,
}

/// One call type's queue in a state file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TypeEntry {
    /// The call type.
    pub name: String,
    /// How long each waiting call has waited, seconds.
    #[serde(default)]
    pub waiting_s: Vec<f64>,
}

/// One agent group in a state file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GroupEntry {
    /// The group.
    pub name: String,
    /// Agents on a call, by the call type they are serving.
    #[serde(default)]
    pub talking: BTreeMap<String, u32>,
    /// Agents added to (negative: removed from) the schedule from now on.
    #[serde(default)]
    pub extra_agents: i64,
}

/// A state file that cannot be used: where, what, and how to fix it.
#[derive(Debug, Clone, PartialEq)]
pub struct StateError {
    /// The file.
    pub origin: String,
    /// The field at fault (`agent_groups[1].talking.billing`), when there is one.
    pub field: Option<String>,
    /// What is wrong.
    pub message: String,
    /// What would be right.
    pub help: Option<String>,
}

impl fmt::Display for StateError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: ", self.origin)?;
        if let Some(field) = &self.field {
            write!(f, "{field}: ")?;
        }
        write!(f, "{}", self.message)?;
        if let Some(help) = &self.help {
            write!(f, "\n  help: {help}")?;
        }
        Ok(())
    }
}

impl std::error::Error for StateError {}

/// `HH:MM`, `HH:MM:SS` or `HH:MM:SS.mmm` as seconds after midnight (fractions to the ms).
pub fn parse_clock(text: &str) -> Option<f64> {
    let parts: Vec<&str> = text.trim().split(':').collect();
    if !(2..=3).contains(&parts.len()) {
        return None;
    }
    let whole = |s: &str, max: u32| -> Option<u32> {
        (!s.is_empty() && s.len() <= 2 && s.bytes().all(|b| b.is_ascii_digit()))
            .then(|| s.parse().ok())
            .flatten()
            .filter(|&n| n <= max)
    };
    let hours = whole(parts[0], 23)?;
    let minutes = whole(parts[1], 59)?;
    let seconds = match parts.get(2) {
        None => 0.0,
        Some(s) => {
            let (int, frac) = s.split_once('.').unwrap_or((s, ""));
            let int = whole(int, 59)? as f64;
            if frac.len() > 3 || !frac.bytes().all(|b| b.is_ascii_digit()) {
                return None;
            }
            let frac = if frac.is_empty() {
                0.0
            } else {
                frac.parse::<f64>().ok()? / 10f64.powi(frac.len() as i32)
            };
            int + frac
        }
    };
    Some(hours as f64 * 3600.0 + minutes as f64 * 60.0 + seconds)
}

/// Simulated time `t` of `model`'s day as `HH:MM:SS.mmm`.
pub fn clock_with_millis(model: &Model, t: SimTime) -> String {
    let ms = model.start_of_day_s as u64 * 1000 + t.0 / 1_000_000;
    let s = ms / 1000;
    format!(
        "{:02}:{:02}:{:02}.{:03}",
        (s / 3600) % 24,
        (s / 60) % 60,
        s % 60,
        ms % 1000
    )
}

/// The simulated time of clock time `seconds_of_day` in `model`'s day, if the day has it.
pub fn sim_time_of_clock(model: &Model, seconds_of_day: f64) -> Option<SimTime> {
    let offset = (seconds_of_day - model.start_of_day_s as f64).rem_euclid(86400.0);
    let t = SimTime((offset * 1000.0).round() as u64 * 1_000_000);
    (t <= model.horizon).then_some(t)
}

/// `HH:MM` of the start and end of `model`'s day.
pub fn day_span(model: &Model) -> String {
    let end = crate::live::board::clock_label(model, model.horizon);
    let start = crate::live::board::clock_label(model, SimTime::ZERO);
    format!("{} to {}", &start[..5], &end[..5])
}

fn seconds(t: SimTime) -> f64 {
    // Millisecond precision: what the file keeps.
    (t.0 / 1_000_000) as f64 / 1000.0
}

impl StateFile {
    /// Reads a state file; `origin` names it in errors.
    pub fn parse(origin: &str, text: &str) -> Result<StateFile, StateError> {
        let err = |field: Option<String>, message: String| StateError {
            origin: origin.to_owned(),
            field,
            message,
            help: Some(
                "a state file is a JSON object with `clock`, `call_types` and `agent_groups`; \
                 see the README (\"The state file\") or write one with `callsim live --save-state`"
                    .into(),
            ),
        };
        if text.trim().is_empty() {
            return Err(err(None, "is empty".into()));
        }
        let mut de = serde_json::Deserializer::from_str(text);
        let file: StateFile = serde_path_to_error::deserialize(&mut de).map_err(|e| {
            let path = e.path().to_string();
            let field = (path != ".").then_some(path);
            err(field, e.into_inner().to_string())
        })?;
        de.end()
            .map_err(|e| err(None, format!("trailing text after the JSON object: {e}")))?;
        Ok(file)
    }

    /// The state of `model`'s run described by `state`, with names; waits to the ms.
    pub fn from_state(model: &Model, state: &StartState) -> StateFile {
        StateFile {
            scenario: Some(model.name.clone()),
            clock: clock_with_millis(model, state.at),
            call_types: model
                .call_types
                .iter()
                .enumerate()
                .map(|(t, spec)| TypeEntry {
                    name: spec.name.clone(),
                    waiting_s: state
                        .waiting
                        .get(t)
                        .map(|waits| waits.iter().map(|&w| seconds(w)).collect())
                        .unwrap_or_default(),
                })
                .collect(),
            agent_groups: model
                .groups
                .iter()
                .enumerate()
                .map(|(g, spec)| GroupEntry {
                    name: spec.name.clone(),
                    talking: model
                        .call_types
                        .iter()
                        .enumerate()
                        .filter_map(|(t, ct)| {
                            let n = state.talking.get(g)?.get(t).copied()?;
                            (n > 0).then(|| (ct.name.clone(), n))
                        })
                        .collect(),
                    extra_agents: state.staffing_delta.get(g).copied().unwrap_or(0),
                })
                .collect(),
        }
    }

    /// The file as pretty JSON.
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).expect("a state file always serialises")
    }

    /// Checks the file against `model` and resolves it into a [`StartState`]; every error
    /// names the field and says what would be right.
    pub fn resolve(&self, origin: &str, model: &Model) -> Result<StartState, StateError> {
        let err = |field: String, message: String, help: String| StateError {
            origin: origin.to_owned(),
            field: Some(field),
            message,
            help: Some(help),
        };
        if let Some(name) = &self.scenario {
            if name != &model.name {
                return Err(err(
                    "scenario".into(),
                    format!(
                        "the state is of the scenario \"{name}\", not of \"{}\"",
                        model.name
                    ),
                    "give the scenario the state was saved from, or remove the `scenario` key"
                        .into(),
                ));
            }
        }
        let at = parse_clock(&self.clock)
            .ok_or_else(|| {
                err(
                    "clock".into(),
                    format!("`{}` is not a clock time", self.clock),
                    "write the time of day as HH:MM or HH:MM:SS, e.g. \"clock\": \"10:30\"".into(),
                )
            })
            .and_then(|s| {
                sim_time_of_clock(model, s)
                    .filter(|&t| t < model.horizon)
                    .ok_or_else(|| {
                        err(
                            "clock".into(),
                            format!(
                                "{} is outside the scenario's day ({})",
                                self.clock,
                                day_span(model)
                            ),
                            "give a time of day within the scenario's day".into(),
                        )
                    })
            })?;

        let type_names: Vec<&str> = model.call_types.iter().map(|t| t.name.as_str()).collect();
        let group_names: Vec<&str> = model.groups.iter().map(|g| g.name.as_str()).collect();
        let listing = |names: &[&str]| {
            names
                .iter()
                .map(|n| format!("`{n}`"))
                .collect::<Vec<_>>()
                .join(", ")
        };
        let types = type_names.len();
        let groups = group_names.len();
        let mut state = StartState {
            at,
            waiting: vec![Vec::new(); types],
            talking: vec![vec![0; types]; groups],
            staffing_delta: vec![0; groups],
        };
        let mut seen = vec![false; types];
        let mut total_waiting = 0usize;
        for (i, entry) in self.call_types.iter().enumerate() {
            let field = format!("call_types[{i}]");
            let t = type_names
                .iter()
                .position(|&n| n == entry.name)
                .ok_or_else(|| {
                    err(
                        format!("{field}.name"),
                        format!("the scenario has no call type `{}`", entry.name),
                        format!("its call types are {}", listing(&type_names)),
                    )
                })?;
            if std::mem::replace(&mut seen[t], true) {
                return Err(err(
                    format!("{field}.name"),
                    format!("the call type `{}` is listed twice", entry.name),
                    "list each call type once, with all its waiting calls".into(),
                ));
            }
            total_waiting += entry.waiting_s.len();
            if total_waiting > MAX_WAITING {
                return Err(err(
                    format!("{field}.waiting_s"),
                    format!("more than {MAX_WAITING} calls waiting"),
                    "a state holds the calls waiting at one instant; check the file".into(),
                ));
            }
            for (j, &w) in entry.waiting_s.iter().enumerate() {
                let place = format!("{field}.waiting_s[{j}]");
                if !w.is_finite() || w < 0.0 {
                    return Err(err(
                        place,
                        format!("{w} is not a wait"),
                        "give how long the call has waited, in seconds (≥ 0)".into(),
                    ));
                }
                let waited = SimTime((w * 1000.0).round() as u64 * 1_000_000);
                if waited > at {
                    return Err(err(
                        place,
                        format!(
                            "a wait of {w} s is longer than the day had run at {} ({} s)",
                            self.clock,
                            at.0 / NANOS_PER_SECOND
                        ),
                        "waits count from the start of the scenario's day at the latest".into(),
                    ));
                }
                state.waiting[t].push(waited);
            }
        }
        let k = ((at.0 / model.interval.0) as u32).min(model.intervals - 1) as usize;
        let mut seen = vec![false; groups];
        for (i, entry) in self.agent_groups.iter().enumerate() {
            let field = format!("agent_groups[{i}]");
            let g = group_names
                .iter()
                .position(|&n| n == entry.name)
                .ok_or_else(|| {
                    err(
                        format!("{field}.name"),
                        format!("the scenario has no agent group `{}`", entry.name),
                        format!("its agent groups are {}", listing(&group_names)),
                    )
                })?;
            if std::mem::replace(&mut seen[g], true) {
                return Err(err(
                    format!("{field}.name"),
                    format!("the agent group `{}` is listed twice", entry.name),
                    "list each group once".into(),
                ));
            }
            let spec = &model.groups[g];
            let mut busy = 0i64;
            for (name, &n) in &entry.talking {
                let place = format!("{field}.talking.{name}");
                let t = type_names.iter().position(|&x| x == name).ok_or_else(|| {
                    err(
                        place.clone(),
                        format!("the scenario has no call type `{name}`"),
                        format!("its call types are {}", listing(&type_names)),
                    )
                })?;
                if !spec.skills.contains(&(t as u32)) {
                    let skills: Vec<&str> = spec
                        .skills
                        .iter()
                        .map(|&s| type_names[s as usize])
                        .collect();
                    return Err(err(
                        place,
                        format!("the group `{}` does not serve `{name}`", spec.name),
                        format!("its skills are {}", listing(&skills)),
                    ));
                }
                busy += n as i64;
                if busy > MAX_AGENTS {
                    return Err(err(
                        place,
                        format!("more than {MAX_AGENTS} agents talking in one group"),
                        "give the number of agents on a call now".into(),
                    ));
                }
                state.talking[g][t] = n;
            }
            let scheduled = spec.agents_by_interval[k] as i64;
            let now = scheduled + entry.extra_agents;
            if !(0..=MAX_AGENTS).contains(&now) {
                return Err(err(
                    format!("{field}.extra_agents"),
                    format!(
                        "{} scheduled at {} with {} extra gives {now} agents",
                        scheduled, self.clock, entry.extra_agents
                    ),
                    format!(
                        "the headcount from now on must be between 0 and {MAX_AGENTS}: extra_agents ≥ {}",
                        -scheduled
                    ),
                ));
            }
            // Contacts in service need agents to hold them. Not only the agents of the
            // headcount now: after the headcount drops, busy agents finish their call
            // before they leave (and a state saved then shows them), so the bound is the
            // most agents the group has had so far today.
            let most_so_far = spec
                .available(model.interval)
                .iter()
                .take_while(|&&(from, _)| from <= at)
                .map(|&(_, n)| n as i64)
                .max()
                .unwrap_or(0)
                .max(scheduled)
                + entry.extra_agents.max(0);
            let per_agent = spec.max_concurrent.max(1) as i64;
            if busy > most_so_far * per_agent {
                return Err(err(
                    format!("{field}.talking"),
                    format!(
                        "{busy} contacts in service, but `{}` can hold at most {} by {}: \
                         {most_so_far} agents at most so far today (the schedule, plus \
                         extra_agents) × {per_agent} contact{} each",
                        spec.name,
                        most_so_far * per_agent,
                        self.clock,
                        if per_agent == 1 { "" } else { "s" }
                    ),
                    "give the contacts in service now; if more agents are working than \
                     scheduled, say how many more in extra_agents"
                        .into(),
                ));
            }
            state.staffing_delta[g] = entry.extra_agents;
        }
        Ok(state)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clocks_parse_to_the_millisecond() {
        assert_eq!(parse_clock("10:30"), Some(37800.0));
        assert_eq!(parse_clock("00:00:01.5"), Some(1.5));
        assert_eq!(parse_clock("23:59:59.999"), Some(86399.999));
        for bad in [
            "24:00",
            "10",
            "10:60",
            "1:2:3:4",
            "ab:cd",
            "10:30:00.1234",
            "-1:00",
        ] {
            assert_eq!(parse_clock(bad), None, "{bad}");
        }
    }
}
