//! What users write: the scenario file, as serde types, and its loading.
//!
//! This layer keeps names and durations exactly as written. [`validate`] turns a
//! [`Scenario`] into a [`crate::model::Model`], checking everything a run relies on and
//! pointing every error at its file, line, column and field.

mod duration;
mod edit;
mod error;
pub mod input;
mod routing;
mod trace;
mod validate;

pub(crate) use validate::is_invisible;
pub(crate) use validate::{MAX_CV, MAX_DURATION_S, MIN_CV};

use std::path::Path;

use schemars::JsonSchema;
use serde::Deserialize;

pub use duration::{format_seconds, parse_duration, seconds_as_duration, Duration};
pub use edit::{with_staffing, StaffingEdit};
pub use error::{locate, shown, ErrorDetails, FieldPath, ScenarioError, Segment};
pub use trace::{Trace, CALL_LOG_COLUMNS};
pub use validate::{check_time_limits, validate};
pub use validate::{MAX_AGENTS as MAX_SCHEDULED_AGENTS, MAX_CALLS_PER_HOUR};

/// The scenario that `callsim run` uses when none is given: a realistic centre.
pub const DEFAULT_SCENARIO: &str = include_str!("../scenarios/mobile-hotline.toml");

/// The name under which the embedded default scenario reports errors.
pub const DEFAULT_ORIGIN: &str = "<default scenario>";

/// A scenario file, as written.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
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
    /// The routing policy; absent: `skill-priority`, the contract's default.
    pub routing: Option<RoutingSpec>,
}

/// The `[routing]` table.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RoutingSpec {
    /// `skill-priority` (default), `longest-idle`, `priority`, `weighted-wait`, `overflow` or
    /// `reserve`; a base policy with modifiers joined by `+`, e.g. `priority+overflow`. The
    /// overflow and reserve entries take effect only under a policy that names them.
    pub policy: Option<String>,
    /// Under `priority`: a waiting call gains one priority level per `aging` waited.
    pub aging: Option<Duration>,
    /// Time-based skill expansion, per call type.
    #[serde(default)]
    pub overflow: Vec<OverflowSpec>,
    /// Agents kept back, per group.
    #[serde(default)]
    pub reserve: Vec<ReserveSpec>,
}

/// One `[[routing.overflow]]` entry: the groups a call type is offered to, as it waits.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct OverflowSpec {
    /// The call type.
    pub call_type: String,
    /// Groups offered the call once it has waited `after`, in order of `after`.
    pub targets: Vec<OverflowTargetSpec>,
}

/// `{ groups = [...], after = "30s" }`.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct OverflowTargetSpec {
    /// Groups (each with the call type as a skill).
    pub groups: Vec<String>,
    /// How long the call must have waited first.
    pub after: Duration,
}

/// One `[[routing.reserve]]` entry: a group keeps agents back for some calls.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ReserveSpec {
    /// The group.
    pub group: String,
    /// How many idle agents it keeps back.
    pub agents: f64,
    /// The call types (`"billing"`) or tiers (`"billing/gold"`) that may use them.
    #[serde(rename = "for")]
    pub for_calls: Vec<String>,
}

/// A per-type or per-tier service-level objective: `{ threshold = "10s", target = 0.9 }`.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ClassServiceLevelSpec {
    /// "Answered within T" for these callers; default: the enclosing one.
    pub threshold: Option<Duration>,
    /// The fraction to reach, e.g. 0.8.
    pub target: Option<f64>,
}

/// One customer tier of a call type (`tiers = [{ name = "gold", share = 0.2, ... }]`).
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TierSpec {
    /// Unique within the call type.
    pub name: String,
    /// Fraction of the type's callers in this tier; the shares of a type sum to 1.
    pub share: f64,
    /// Priority (higher first) under the `priority` policy; default: the type's.
    pub priority: Option<f64>,
    /// Weight under `weighted-wait`; default: the type's.
    pub weight: Option<f64>,
    /// This tier's patience; default: the type's.
    pub patience: Option<DistributionSpec>,
    /// This tier's service-level threshold and target; default: the type's.
    pub service_level: Option<ClassServiceLevelSpec>,
}

/// The `[simulation]` table.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
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
    /// Lines into the centre; a call that finds them all busy is blocked. Default: unlimited.
    pub trunks: Option<f64>,
    /// Day-to-day forecast error: every replication's arrival rates are multiplied by one
    /// gamma-distributed factor with mean 1 and this coefficient of variation.
    pub busyness_cv: Option<f64>,
    /// A CSV of recorded calls to replay instead of random arrivals (path relative to the
    /// scenario file): `arrival_s,call_type[,handle_time_s[,patience_s]]`.
    pub trace: Option<String>,
}

/// The `[service_level]` table: the threshold, and optionally the targets that `staff` and
/// `sweep` aim at (a run only reports; it never reads the targets).
#[derive(Debug, Clone, Deserialize, JsonSchema)]
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
    /// The highest acceptable occupancy of every agent group in every interval, a fraction
    /// (0.85): `staff` adds agents where a group would be busier.
    pub max_occupancy: Option<f64>,
}

impl Default for ServiceLevelSpec {
    fn default() -> Self {
        ServiceLevelSpec {
            threshold: Duration::from_seconds(20.0),
            target: None,
            max_abandon_rate: None,
            max_asa: None,
            max_occupancy: None,
        }
    }
}

/// One `[[call_types]]` entry.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
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
    /// Priority (higher first) under the `priority` policy. Default 0.
    pub priority: Option<f64>,
    /// Weight under the `weighted-wait` policy. Default 1.
    pub weight: Option<f64>,
    /// This type's service-level threshold and target; default: `[service_level]`.
    pub service_level: Option<ClassServiceLevelSpec>,
    /// Customer tiers, each with a share of the callers.
    pub tiers: Option<Vec<TierSpec>>,
    /// The most calls of this type on the line at once (a cap within the centre's lines,
    /// not lines kept for it); a call finding them all busy is blocked.
    pub trunks: Option<f64>,
    /// Self-service in front of the queue.
    pub ivr: Option<IvrSpec>,
    /// Blocked and abandoned callers who redial.
    pub retrial: Option<RetrialSpec>,
    /// After-call work (the agent stays busy).
    pub wrap_up: Option<DistributionSpec>,
    /// A share of answered calls transferred to another call type.
    pub transfer: Option<TransferSpec>,
    /// A share of answered calls not resolved at the first contact: the caller calls again.
    pub unresolved: Option<RepeatSpec>,
    /// Virtual hold: callers facing a long wait may ask to be called back.
    pub callback: Option<CallbackSpec>,
}

/// `callback = { when_wait_exceeds = "2m", share = 0.5, answer_within = "30m" }`.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CallbackSpec {
    /// Offer a callback when the expected wait on arrival exceeds this.
    pub when_wait_exceeds: Duration,
    /// Fraction of the callers offered a callback who take it.
    pub share: f64,
    /// The callbacks' service-level threshold: called back within this. Default `"30m"`.
    pub answer_within: Option<Duration>,
    /// The callbacks' service-level target (a fraction).
    pub target: Option<f64>,
    /// Priority of callbacks under the `priority` policy. Default: the type's minus 1.
    pub priority: Option<f64>,
}

/// `ivr = { time = {...}, self_service = 0.25 }`.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct IvrSpec {
    /// Time spent in the IVR.
    pub time: DistributionSpec,
    /// Fraction of callers who complete in self-service and leave.
    pub self_service: f64,
}

/// `retrial = { probability = 0.6, delay = {...}, max_attempts = 3 }`.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RetrialSpec {
    /// Probability that a blocked or abandoning caller tries again.
    pub probability: f64,
    /// Time before the next attempt.
    pub delay: DistributionSpec,
    /// Attempts at most, the first included. Default 3.
    pub max_attempts: Option<f64>,
}

/// `transfer = { share = 0.1, to = "tier2" }`.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TransferSpec {
    /// Fraction of answered calls transferred.
    pub share: f64,
    /// The call type whose queue they join.
    pub to: String,
}

/// `unresolved = { share = 0.15, delay = {...} }`.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RepeatSpec {
    /// Fraction of answered calls whose issue is not resolved.
    pub share: f64,
    /// Time until the caller calls again.
    pub delay: DistributionSpec,
}

/// One shift of an agent group.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ShiftSpec {
    /// Clock time the agents arrive, `"HH:MM"`.
    pub start: String,
    /// Clock time they leave, `"HH:MM"` (after `start`, same day).
    pub end: String,
    /// How many agents work this shift.
    pub agents: f64,
    /// Breaks, taken by the shift's agents together; split a shift to stagger them.
    #[serde(default)]
    pub breaks: Vec<BreakSpec>,
}

/// `{ start = "10:00", length = "15m" }`.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct BreakSpec {
    /// Clock time the break starts.
    pub start: String,
    /// How long it lasts.
    pub length: Duration,
}

/// One `[[agent_groups]]` entry.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
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
    /// Fraction of scheduled agents not available (absence, meetings), in [0, 1). Default 0.
    pub shrinkage: Option<f64>,
    /// Explicit shifts instead of `agents` / `agents_by_interval`.
    pub shifts: Option<Vec<ShiftSpec>>,
    /// Contacts an agent handles at once (chat). Default 1.
    pub max_concurrent: Option<f64>,
    /// Handle-time increase per extra simultaneous contact, e.g. 0.15. Default 0.
    pub concurrency_slowdown: Option<f64>,
}

/// A distribution table, e.g. `{ distribution = "lognormal", mean = "4m", cv = 0.8 }`.
/// Which parameters apply depends on `distribution`; validation says which are missing or
/// do not belong.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
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

/// The JSON Schema of the scenario format (TOML files follow the same structure).
pub fn json_schema() -> String {
    let schema = schemars::schema_for!(Scenario);
    serde_json::to_string_pretty(&schema).expect("a schema always serialises")
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
        let bytes = input::read_regular(path, input::MAX_SCENARIO_BYTES).map_err(|e| {
            let help = match &e {
                input::InputError::Io(e) if e.kind() == std::io::ErrorKind::NotFound => {
                    "check the path; `callsim run` without a file runs the built-in default scenario"
                }
                input::InputError::Io(e) if e.kind() == std::io::ErrorKind::PermissionDenied => {
                    "check the file's permissions"
                }
                input::InputError::Io(_)
                    if path
                        .symlink_metadata()
                        .is_ok_and(|m| m.file_type().is_symlink()) =>
                {
                    "the path is a symbolic link that leads to no readable file (a loop of links?): point it at the scenario file itself"
                }
                input::InputError::Io(_) => {
                    "check the path and that the file can be read (permissions, the disk)"
                }
                input::InputError::NotRegular(_) => {
                    "a scenario is a TOML text file; see `callsim run --show-default`"
                }
                input::InputError::TooLarge(_) => {
                    "real scenarios are a few kilobytes; check that this is the file you meant"
                }
            };
            ScenarioError::file(
                &origin,
                format!("cannot read the scenario file: {e}"),
                Some(help.to_owned()),
            )
        })?;
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
        let at = |e: &toml::de::Error, field: Option<String>| {
            let message = e.message().trim_end().to_owned();
            if message == "recursion limit" && e.span().is_none() {
                return self.too_deep();
            }
            // The parser says only "duplicate key": name it from the text it points at.
            let duplicate = (message == "duplicate key")
                .then(|| e.span().and_then(|span| self.text.get(span)))
                .flatten()
                .map(|key| {
                    key.split(['=', '.'])
                        .next()
                        .unwrap_or(key)
                        .trim()
                        .to_owned()
                })
                .filter(|key| !key.is_empty());
            let message = match &duplicate {
                Some(key) => format!("the key `{key}` is given twice in one table"),
                None => message,
            };
            let help = hint_for(&message, field.as_deref());
            ScenarioError::at_span(&self.origin, &self.text, e.span(), field, message, help)
        };
        let document = toml::Deserializer::parse(&self.text).map_err(|e| at(&e, None))?;
        // Through `serde_path_to_error`, so that a wrong value names its field
        // (`call_types[0].handle_time.mean`), not only its line.
        let scenario = serde_path_to_error::deserialize(document).map_err(|e| {
            let path = e.path().to_string();
            let field = (path != ".").then_some(path);
            at(e.inner(), field)
        })?;
        // Later errors are located with `toml_edit`, which refuses some documents `toml`
        // accepts (an integer beyond i64, such as 18446744073709551615): refuse them here,
        // at their place, rather than lose the position of every later error.
        if let Err(e) = toml_edit::Document::parse(self.text.as_str()) {
            return Err(ScenarioError::at_span(
                &self.origin,
                &self.text,
                e.span(),
                None,
                e.message().trim_end().to_owned(),
                Some(format!(
                    "integers must lie between {} and {}; no count in a scenario comes near",
                    i64::MIN,
                    i64::MAX
                )),
            ));
        }
        Ok(scenario)
    }

    /// The parser's nesting limit was reached: point at the first line that nests deeply
    /// (a long dotted key or header, or arrays and inline tables inside each other).
    fn too_deep(&self) -> ScenarioError {
        let depth = |line: &str| {
            line.chars()
                .filter(|c| matches!(c, '.' | '[' | '{'))
                .count()
        };
        let deepest = self
            .text
            .lines()
            .enumerate()
            .find(|(_, line)| depth(line) >= NESTING_SHOWN)
            .or_else(|| self.text.lines().enumerate().max_by_key(|(_, l)| depth(l)));
        let offset = deepest.map(|(n, _)| {
            self.text
                .split_inclusive('\n')
                .take(n)
                .map(str::len)
                .sum::<usize>()
        });
        ScenarioError::at_span(
            &self.origin,
            &self.text,
            offset.map(|o| o..o),
            None,
            "nested too deeply: the TOML reader stops at 80 levels of dotted keys, tables or arrays",
            Some(
                "the scenario format nests at most 4 levels (e.g. [routing] → overflow → targets → groups); \
                 check this line for a run of dots or brackets"
                    .to_owned(),
            ),
        )
    }

    /// Parses and validates: the model a run needs, or the first error found.
    pub fn load(&self) -> Result<crate::model::Model, ScenarioError> {
        self.load_modified(|_| ())
    }

    /// As [`Source::load`], with the parsed scenario changed by `modify` before validation
    /// (e.g. another routing policy); errors still point into this source.
    pub fn load_modified(
        &self,
        modify: impl FnOnce(&mut Scenario),
    ) -> Result<crate::model::Model, ScenarioError> {
        let mut scenario = self.parse()?;
        modify(&mut scenario);
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

/// Dots and brackets on one line from which [`Source::too_deep`] points at it.
const NESTING_SHOWN: usize = 40;

/// A hint for the common serde messages, which say what is wrong but not how to fix it.
/// `field` is the path of the value at fault, when known (`service_level.target`).
fn hint_for(message: &str, field: Option<&str>) -> Option<String> {
    // The key the value belongs to (`arrival_rates` of `call_types[0].arrival_rates[3]`).
    let key = field.map(|f| {
        let mut f = f;
        while let Some(i) = f.strip_suffix(']').and_then(|f| f.rfind('[')) {
            f = &f[..i];
        }
        f.rsplit('.').next().unwrap_or(f)
    });
    let in_list = field.is_some_and(|f| f.ends_with(']'));
    if message.contains("is given twice in one table") || message == "duplicate key" {
        Some("give each key once; keep the value you mean and delete the other line".to_owned())
    } else if message.contains(" as i128, expected") || message.contains(" as u128, expected") {
        Some(format!(
            "this value of {} is beyond any contact centre; write a number in range",
            key.map_or("the number".to_owned(), |k| format!("`{k}`"))
        ))
    } else if key == Some("seed") && message.contains("expected i64") {
        Some("the seed is a whole number from 0 to 9223372036854775807, e.g. seed = 42".to_owned())
    } else if message.starts_with("unknown field") {
        Some("check the spelling; the README lists every key of the scenario format".to_owned())
    } else if message.starts_with("missing field") {
        Some("add the field; `callsim run --show-default` prints a complete scenario".to_owned())
    } else if let Some(text) = message
        .strip_prefix("invalid type: string \"")
        .and_then(|rest| rest.split_once('"'))
        .map(|(text, _)| text)
        .filter(|_| message.contains("expected f64") || message.contains("expected i64"))
    {
        Some(number_written_as_text(
            text,
            key.unwrap_or("the value"),
            in_list,
        ))
    } else if message.starts_with("a bare number") {
        Some(format!(
            "durations are strings with a unit (ms, s, m, h): {} = \"20s\", \"4m30s\", \"1.5h\"",
            key.unwrap_or("duration")
        ))
    } else if message.starts_with("invalid type: sequence") {
        Some(match key {
            Some("agents") => {
                "one headcount per interval goes in `agents_by_interval = [12, 14, 15]`; `agents` is one number for the whole day".to_owned()
            }
            Some("arrival_rate") => {
                "one rate per interval goes in `arrival_rates = [120, 180, 240]`; `arrival_rate` is one number of calls per hour for the whole day".to_owned()
            }
            Some(key) => format!("`{key}` takes one value here, not a list"),
            None => "one value here, not a list".to_owned(),
        })
    } else if message.contains("expected a duration") || message.contains("invalid type") {
        Some(
            "durations are strings with units (\"20s\"), rates and counts are numbers (600)"
                .to_owned(),
        )
    } else {
        None
    }
}

/// The keys whose values are fractions (0.8 for 80 %), wherever they appear.
const FRACTION_KEYS: [&str; 9] = [
    "target",
    "max_abandon_rate",
    "share",
    "probability",
    "self_service",
    "shrinkage",
    "busyness_cv",
    "cv",
    "concurrency_slowdown",
];

/// The fix for a number written as a string (`target = "80%"`, `arrival_rate = "600"`):
/// numbers are bare, and shares and targets are fractions, not percentages.
fn number_written_as_text(text: &str, key: &str, in_list: bool) -> String {
    let trimmed = text.trim();
    let percent = trimmed
        .strip_suffix('%')
        .and_then(|n| n.trim().parse::<f64>().ok());
    if let Some(percent) = percent.filter(|_| FRACTION_KEYS.contains(&key)) {
        return format!(
            "`{key}` is a fraction written as a bare number: write {key} = {} for {} %",
            shown(percent / 100.0),
            shown(percent)
        );
    }
    if let Ok(number) = trimmed.parse::<f64>() {
        return if in_list {
            format!(
                "numbers are written without quotes: {} in the list `{key}`",
                shown(number)
            )
        } else {
            format!(
                "numbers are written without quotes: {key} = {}",
                shown(number)
            )
        };
    }
    format!("`{key}` is a number, written without quotes (e.g. 600, 0.8); durations are the strings with units (\"20s\")")
}
