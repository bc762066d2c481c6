//! What users write: the scenario file, as serde types, and its loading.
//!
//! This layer keeps names and durations exactly as written. [`validate`] turns a
//! [`Scenario`] into a [`crate::model::Model`], checking everything a run relies on and
//! pointing every error at its file, line, column and field.

mod duration;
mod edit;
mod error;
mod validate;

use std::path::Path;

use serde::Deserialize;

pub use duration::{format_seconds, parse_duration, Duration};
pub use edit::{with_staffing, StaffingEdit};
pub use error::{locate, ErrorDetails, FieldPath, ScenarioError, Segment};
pub use validate::validate;

/// The scenario that `callsim run` uses when none is given: a realistic centre.
pub const DEFAULT_SCENARIO: &str = include_str!("../scenarios/mobile-hotline.toml");

/// The name under which the embedded default scenario reports errors.
pub const DEFAULT_ORIGIN: &str = "<default scenario>";

/// A scenario file, as written.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Scenario {
    /// A title for reports.
    pub name: String,
    /// Length, warm-up, replications, seed and interval.
    pub simulation: Simulation,
    /// The service-level threshold ("answered within T").
    #[serde(default)]
    pub service_level: ServiceLevelSpec,
    /// The kinds of contact that arrive.
    #[serde(default)]
    pub call_types: Vec<CallTypeSpec>,
    /// The agents, by group.
    #[serde(default)]
    pub agent_groups: Vec<AgentGroupSpec>,
}

/// The `[simulation]` table.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Simulation {
    /// Arrivals are generated for this long; calls still in the centre then are finished.
    pub duration: Duration,
    /// Calls arriving before this are simulated but not counted. Default `"0s"`.
    pub warmup: Option<Duration>,
    /// Independent replications. Default 10.
    pub replications: Option<f64>,
    /// The seed of every random stream. Default 1.
    pub seed: Option<i64>,
    /// Length of a reporting interval and of a rate or staffing step. Default `"30m"`.
    pub interval: Option<Duration>,
    /// Clock time at which the simulated day starts, `"HH:MM"`, for labels. Default `"00:00"`.
    pub start_time: Option<String>,
}

/// The `[service_level]` table: the threshold, and optionally the targets that `staff` and
/// `sweep` aim at (a run only reports; it never reads the targets).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServiceLevelSpec {
    /// "Answered within T". Default `"20s"`.
    pub threshold: Duration,
    /// The service level to reach in every interval, a fraction (0.8 for 80/20).
    pub target: Option<f64>,
    /// The highest acceptable abandon rate in every interval, a fraction (0.05).
    pub max_abandon_rate: Option<f64>,
    /// The longest acceptable ASA in every interval.
    pub max_asa: Option<Duration>,
}

impl Default for ServiceLevelSpec {
    fn default() -> Self {
        ServiceLevelSpec {
            threshold: Duration::from_seconds(20.0),
            target: None,
            max_abandon_rate: None,
            max_asa: None,
        }
    }
}

/// One `[[call_types]]` entry.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CallTypeSpec {
    /// Unique name, used by `skills`.
    pub name: String,
    /// Calls per hour, constant over the day.
    pub arrival_rate: Option<f64>,
    /// Calls per hour, one value per interval.
    pub arrival_rates: Option<Vec<f64>>,
    /// The talk time.
    pub handle_time: DistributionSpec,
    /// How long a caller waits before hanging up; absent: callers never abandon.
    pub patience: Option<DistributionSpec>,
}

/// One `[[agent_groups]]` entry.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AgentGroupSpec {
    /// Unique name.
    pub name: String,
    /// Constant headcount.
    pub agents: Option<f64>,
    /// Headcount per interval.
    pub agents_by_interval: Option<Vec<f64>>,
    /// Call types served, most preferred first.
    pub skills: Vec<String>,
}

/// A distribution table, e.g. `{ distribution = "lognormal", mean = "4m", cv = 0.8 }`.
/// Which parameters apply depends on `distribution`; validation says which are missing or
/// do not belong.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DistributionSpec {
    /// `exponential`, `constant`, `uniform`, `lognormal`, `gamma`, `erlang` or `empirical`.
    pub distribution: String,
    /// Mean (exponential, lognormal, gamma, erlang).
    pub mean: Option<Duration>,
    /// Coefficient of variation = standard deviation ÷ mean (lognormal, gamma).
    pub cv: Option<f64>,
    /// Number of phases (erlang).
    pub k: Option<f64>,
    /// The one value (constant).
    pub value: Option<Duration>,
    /// Lower bound (uniform).
    pub min: Option<Duration>,
    /// Upper bound (uniform).
    pub max: Option<Duration>,
    /// Observed values, drawn with equal probability (empirical).
    pub values: Option<Vec<Duration>>,
}

/// A scenario's text together with where it came from, so errors can point into it.
#[derive(Debug, Clone)]
pub struct Source {
    /// The file name, or a label such as `<default scenario>`.
    pub origin: String,
    /// The TOML text.
    pub text: String,
}

impl Source {
    /// The embedded default scenario.
    pub fn default_scenario() -> Source {
        Source {
            origin: DEFAULT_ORIGIN.to_owned(),
            text: DEFAULT_SCENARIO.to_owned(),
        }
    }

    /// Reads a scenario file; a missing, unreadable, empty or binary file is an error that
    /// says so.
    pub fn read(path: &Path) -> Result<Source, ScenarioError> {
        let origin = path.display().to_string();
        let bytes = std::fs::read(path).map_err(|e| {
            let help = match e.kind() {
                std::io::ErrorKind::NotFound => Some(
                    "check the path; `callsim run` without a file runs the built-in default scenario"
                        .to_owned(),
                ),
                _ => None,
            };
            ScenarioError::file(&origin, format!("cannot read the scenario file: {e}"), help)
        })?;
        if path.is_dir() {
            return Err(ScenarioError::file(
                &origin,
                "is a directory, not a scenario file",
                None,
            ));
        }
        let text = String::from_utf8(bytes).map_err(|_| {
            ScenarioError::file(
                &origin,
                "is not a text file (it is not valid UTF-8)",
                Some("a scenario is a TOML text file; see `callsim run --show-default`".to_owned()),
            )
        })?;
        if text.contains('\0') {
            return Err(ScenarioError::file(
                &origin,
                "is a binary file, not a TOML scenario",
                Some("a scenario is a TOML text file; see `callsim run --show-default`".to_owned()),
            ));
        }
        if text.trim().is_empty() {
            return Err(ScenarioError::file(
                &origin,
                "is empty",
                Some(
                    "a scenario needs at least `name`, `[simulation]`, `[[call_types]]` and `[[agent_groups]]`; \
                     `callsim run --show-default` prints a complete one to start from"
                        .to_owned(),
                ),
            ));
        }
        Ok(Source { origin, text })
    }

    /// Parses the TOML into a [`Scenario`]; syntax errors, unknown keys, wrong types and
    /// malformed durations point at their line and column.
    pub fn parse(&self) -> Result<Scenario, ScenarioError> {
        toml::from_str(&self.text).map_err(|e| {
            let message = e.message().trim_end().to_owned();
            let help = hint_for(&message);
            ScenarioError::at_span(&self.origin, &self.text, e.span(), None, message, help)
        })
    }

    /// Parses and validates: the model a run needs, or the first error found.
    pub fn load(&self) -> Result<crate::model::Model, ScenarioError> {
        let scenario = self.parse()?;
        validate(&scenario, self)
    }

    /// An error at `path`, located in this source.
    pub fn error_at(
        &self,
        path: &FieldPath,
        message: impl Into<String>,
        help: &str,
    ) -> ScenarioError {
        ScenarioError::at_span(
            &self.origin,
            &self.text,
            locate(&self.text, path),
            Some(path.to_string()),
            message,
            (!help.is_empty()).then(|| help.to_owned()),
        )
    }
}

/// A hint for the common serde messages, which say what is wrong but not how to fix it.
fn hint_for(message: &str) -> Option<String> {
    if message.starts_with("unknown field") {
        Some("check the spelling; the README lists every key of the scenario format".to_owned())
    } else if message.starts_with("missing field") {
        Some("add the field; `callsim run --show-default` prints a complete scenario".to_owned())
    } else if message.contains("expected a duration") || message.contains("invalid type") {
        Some(
            "durations are strings with units (\"20s\"), rates and counts are numbers (600)"
                .to_owned(),
        )
    } else {
        None
    }
}
