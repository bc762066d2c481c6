//! From what the user wrote to what the engine runs: every check, with a precise error.

use std::collections::HashMap;

use super::{
    AgentGroupSpec, CallTypeSpec, DistributionSpec, Duration, FieldPath, Scenario, ScenarioError,
    ServiceLevelSpec, Source,
};
use crate::dist::Distribution;
use crate::model::{AgentGroup, CallType, GroupId, Model, ServiceTargets, TypeId};

/// Largest accepted arrival rate, calls per hour per call type: far beyond any real centre,
/// small enough that a typo (an extra zero or three) is caught.
const MAX_CALLS_PER_HOUR: f64 = 1e7;
/// Largest accepted headcount of one group.
const MAX_AGENTS: f64 = 1e6;
/// Largest accepted number of replications.
const MAX_REPLICATIONS: f64 = 1e6;
/// Longest accepted simulated duration: ten years.
const MAX_DURATION_S: f64 = 10.0 * 366.0 * 86400.0;

/// Checks a parsed scenario and resolves it into a [`Model`].
pub fn validate(scenario: &Scenario, source: &Source) -> Result<Model, ScenarioError> {
    let root = FieldPath::default();
    let err =
        |path: &FieldPath, message: String, help: &str| Err(source.error_at(path, message, help));

    if scenario.name.trim().is_empty() {
        return err(
            &root.key("name"),
            "the scenario name is empty".into(),
            "give it a title, e.g. name = \"Hotline, Monday\"",
        );
    }

    // [simulation]
    let sim = &scenario.simulation;
    let sim_path = root.key("simulation");
    let duration = sim.duration;
    if duration.seconds() <= 0.0 {
        return err(
            &sim_path.key("duration"),
            "the duration must be longer than zero".into(),
            "e.g. duration = \"8h\"",
        );
    }
    if duration.seconds() > MAX_DURATION_S {
        return err(
            &sim_path.key("duration"),
            format!("a duration of {duration} is more than ten years"),
            "simulate a day or a week; use more replications for precision",
        );
    }
    let interval = sim.interval.unwrap_or(Duration::from_seconds(1800.0));
    if interval.seconds() < 1.0 {
        return err(
            &sim_path.key("interval"),
            format!("an interval of {interval} is too short"),
            "intervals are 15m, 30m or 60m in most centres; at least 1s",
        );
    }
    let intervals = (duration.seconds() / interval.seconds()).ceil();
    if intervals > 1e6 {
        return err(
            &sim_path.key("interval"),
            format!("{intervals} intervals of {interval} are too many"),
            "use a longer interval, e.g. interval = \"30m\"",
        );
    }
    let intervals = intervals as u32;
    let warmup = sim.warmup.unwrap_or(Duration::from_seconds(0.0));
    if warmup.seconds() >= duration.seconds() {
        return err(
            &sim_path.key("warmup"),
            format!("the warm-up ({warmup}) is not shorter than the duration ({duration}): nothing would be counted"),
            "make the warm-up shorter than the duration, e.g. warmup = \"30m\"",
        );
    }
    let replications = match sim.replications {
        None => 10,
        Some(r) => whole_number(r, 1.0, MAX_REPLICATIONS).map_err(|why| {
            source.error_at(
                &sim_path.key("replications"),
                format!("replications {why}"),
                "e.g. replications = 10",
            )
        })? as u32,
    };
    let seed = match sim.seed {
        None => 1,
        Some(s) if s >= 0 => s as u64,
        Some(s) => {
            return err(
                &sim_path.key("seed"),
                format!("the seed must not be negative, got {s}"),
                "any whole number ≥ 0, e.g. seed = 42",
            )
        }
    };
    let start_of_day_s = match &sim.start_time {
        None => 0,
        Some(text) => match parse_clock(text) {
            Some(seconds) => seconds,
            None => {
                return err(
                    &sim_path.key("start_time"),
                    format!("`{text}` is not a clock time"),
                    "write hours and minutes, e.g. start_time = \"08:00\"",
                )
            }
        },
    };

    let threshold = scenario.service_level.threshold;
    let targets = service_targets(&scenario.service_level, &root.key("service_level"), source)?;

    // Names, each unique.
    if scenario.call_types.is_empty() {
        return err(
            &root,
            "the scenario has no call types".into(),
            "add at least one [[call_types]] table with name, arrival_rate and handle_time",
        );
    }
    if scenario.agent_groups.is_empty() {
        return err(
            &root,
            "the scenario has no agent groups".into(),
            "add at least one [[agent_groups]] table with name, agents and skills",
        );
    }
    let mut type_ids: HashMap<&str, TypeId> = HashMap::new();
    for (i, ct) in scenario.call_types.iter().enumerate() {
        let path = root.key("call_types").index(i).key("name");
        check_name(&ct.name, &path, source)?;
        if let Some(first) = type_ids.insert(ct.name.as_str(), i as TypeId) {
            return err(
                &path,
                format!(
                    "the call type name `{}` is used twice (also by call_types[{first}])",
                    ct.name
                ),
                "give each call type its own name",
            );
        }
    }
    let mut group_names: HashMap<&str, usize> = HashMap::new();
    for (i, g) in scenario.agent_groups.iter().enumerate() {
        let path = root.key("agent_groups").index(i).key("name");
        check_name(&g.name, &path, source)?;
        if let Some(first) = group_names.insert(g.name.as_str(), i) {
            return err(
                &path,
                format!(
                    "the agent group name `{}` is used twice (also by agent_groups[{first}])",
                    g.name
                ),
                "give each agent group its own name",
            );
        }
    }

    let context = Context {
        source,
        intervals,
        interval,
    };
    let groups = scenario
        .agent_groups
        .iter()
        .enumerate()
        .map(|(i, g)| context.group(g, &root.key("agent_groups").index(i), &type_ids))
        .collect::<Result<Vec<_>, _>>()?;
    let mut call_types = scenario
        .call_types
        .iter()
        .enumerate()
        .map(|(i, ct)| context.call_type(ct, &root.key("call_types").index(i)))
        .collect::<Result<Vec<_>, _>>()?;

    for (t, call_type) in call_types.iter_mut().enumerate() {
        call_type.serving_groups = serving_order(t as TypeId, &groups);
        if call_type.serving_groups.is_empty() {
            return err(
                &root.key("call_types").index(t).key("name"),
                format!("no agent group serves the call type `{}`", call_type.name),
                &format!(
                    "add \"{}\" to the `skills` of an agent group",
                    call_type.name
                ),
            );
        }
    }

    Ok(Model {
        name: scenario.name.clone(),
        seed,
        replications,
        horizon: duration.sim_time(),
        warmup: warmup.sim_time(),
        interval: interval.sim_time(),
        intervals,
        start_of_day_s,
        service_level_threshold: threshold.sim_time(),
        targets,
        call_types,
        groups,
    })
}

/// The default routing order of the groups serving `t`: by the rank of `t` in the group's
/// skills, then specialists (fewer skills) first, then scenario order.
fn serving_order(t: TypeId, groups: &[AgentGroup]) -> Vec<GroupId> {
    let mut serving: Vec<(usize, usize, GroupId)> = groups
        .iter()
        .enumerate()
        .filter_map(|(g, group)| {
            let rank = group.skills.iter().position(|&s| s == t)?;
            Some((rank, group.skills.len(), g as GroupId))
        })
        .collect();
    serving.sort();
    serving.into_iter().map(|(_, _, g)| g).collect()
}

/// Shared facts for the per-entry checks.
struct Context<'a> {
    source: &'a Source,
    intervals: u32,
    interval: Duration,
}

impl Context<'_> {
    fn error(&self, path: &FieldPath, message: String, help: &str) -> ScenarioError {
        self.source.error_at(path, message, help)
    }

    fn call_type(&self, spec: &CallTypeSpec, path: &FieldPath) -> Result<CallType, ScenarioError> {
        let calls_per_hour = match (&spec.arrival_rate, &spec.arrival_rates) {
            (Some(_), Some(_)) => {
                return Err(self.error(
                    &path.key("arrival_rates"),
                    "both `arrival_rate` and `arrival_rates` are given".into(),
                    "keep one: `arrival_rate` for a constant rate, `arrival_rates` for one rate per interval",
                ))
            }
            (None, None) => {
                return Err(self.error(
                    path,
                    format!("the call type `{}` has no arrival rate", spec.name),
                    "add `arrival_rate = 600` (calls per hour) or `arrival_rates = [...]` (one per interval)",
                ))
            }
            (Some(rate), None) => {
                let rate = self.rate(*rate, &path.key("arrival_rate"))?;
                if rate == 0.0 {
                    return Err(self.error(
                        &path.key("arrival_rate"),
                        "an arrival rate of 0 means this call type never occurs".into(),
                        "give a positive number of calls per hour, or remove the call type",
                    ));
                }
                vec![rate; self.intervals as usize]
            }
            (None, Some(rates)) => {
                let list_path = path.key("arrival_rates");
                self.check_length(rates.len(), &list_path, "arrival rates")?;
                let rates = rates
                    .iter()
                    .enumerate()
                    .map(|(k, &r)| self.rate(r, &list_path.index(k)))
                    .collect::<Result<Vec<_>, _>>()?;
                if rates.iter().all(|&r| r == 0.0) {
                    return Err(self.error(
                        &list_path,
                        "every arrival rate is 0: this call type never occurs".into(),
                        "give at least one interval a positive rate, or remove the call type",
                    ));
                }
                rates
            }
        };
        let handle_time = self.distribution(&spec.handle_time, &path.key("handle_time"), false)?;
        let patience = spec
            .patience
            .as_ref()
            .map(|p| self.distribution(p, &path.key("patience"), true))
            .transpose()?;
        Ok(CallType {
            name: spec.name.clone(),
            calls_per_hour,
            handle_time,
            patience,
            serving_groups: Vec::new(),
        })
    }

    fn rate(&self, rate: f64, path: &FieldPath) -> Result<f64, ScenarioError> {
        if !rate.is_finite() || rate < 0.0 {
            return Err(self.error(
                path,
                format!("an arrival rate must be a number of calls per hour ≥ 0, not {rate}"),
                "e.g. 600",
            ));
        }
        if rate > MAX_CALLS_PER_HOUR {
            return Err(self.error(
                path,
                format!("{rate} calls per hour is beyond any contact centre (limit {MAX_CALLS_PER_HOUR})"),
                "rates are calls per hour, not per day or per interval",
            ));
        }
        Ok(rate)
    }

    fn check_length(&self, len: usize, path: &FieldPath, what: &str) -> Result<(), ScenarioError> {
        if len == self.intervals as usize {
            return Ok(());
        }
        Err(self.error(
            path,
            format!(
                "{len} {what} given, but the simulation has {} intervals of {}",
                self.intervals, self.interval
            ),
            &format!("give exactly {} values, one per interval, or change `simulation.duration` or `simulation.interval`", self.intervals),
        ))
    }

    fn group(
        &self,
        spec: &AgentGroupSpec,
        path: &FieldPath,
        type_ids: &HashMap<&str, TypeId>,
    ) -> Result<AgentGroup, ScenarioError> {
        let count = |value: f64, path: &FieldPath| {
            whole_number(value, 0.0, MAX_AGENTS)
                .map(|n| n as u32)
                .map_err(|why| {
                    self.error(
                        path,
                        format!("a headcount {why}"),
                        "a whole number of agents, e.g. agents = 45",
                    )
                })
        };
        let agents_by_interval = match (&spec.agents, &spec.agents_by_interval) {
            (Some(_), Some(_)) => {
                return Err(self.error(
                    &path.key("agents_by_interval"),
                    "both `agents` and `agents_by_interval` are given".into(),
                    "keep one: `agents` for a constant headcount, `agents_by_interval` for one per interval",
                ))
            }
            (None, None) => {
                return Err(self.error(
                    path,
                    format!("the agent group `{}` has no headcount", spec.name),
                    "add `agents = 45` or `agents_by_interval = [...]` (one per interval)",
                ))
            }
            (Some(n), None) => vec![count(*n, &path.key("agents"))?; self.intervals as usize],
            (None, Some(list)) => {
                let list_path = path.key("agents_by_interval");
                self.check_length(list.len(), &list_path, "headcounts")?;
                list.iter()
                    .enumerate()
                    .map(|(k, &n)| count(n, &list_path.index(k)))
                    .collect::<Result<Vec<_>, _>>()?
            }
        };
        if spec.skills.is_empty() {
            return Err(self.error(
                &path.key("skills"),
                format!("the agent group `{}` has no skills", spec.name),
                "list the call types it serves, most preferred first, e.g. skills = [\"billing\"]",
            ));
        }
        let mut skills = Vec::with_capacity(spec.skills.len());
        for (i, name) in spec.skills.iter().enumerate() {
            let skill_path = path.key("skills").index(i);
            let Some(&t) = type_ids.get(name.as_str()) else {
                let mut known: Vec<&str> = type_ids.keys().copied().collect();
                known.sort_by_key(|k| type_ids[k]);
                return Err(self.error(
                    &skill_path,
                    format!("the skill `{name}` names no call type"),
                    &format!("use one of the call type names: {}", known.join(", ")),
                ));
            };
            if skills.contains(&t) {
                return Err(self.error(
                    &skill_path,
                    format!("the skill `{name}` is listed twice"),
                    "list each call type once, most preferred first",
                ));
            }
            skills.push(t);
        }
        Ok(AgentGroup {
            name: spec.name.clone(),
            agents_by_interval,
            skills,
        })
    }

    /// Resolves a distribution table. `zero_allowed`: whether a distribution that is always
    /// zero makes sense (a patience of zero: callers who never wait).
    fn distribution(
        &self,
        spec: &DistributionSpec,
        path: &FieldPath,
        zero_allowed: bool,
    ) -> Result<Distribution, ScenarioError> {
        let kind = spec.distribution.as_str();
        let given: Vec<&str> = [
            ("mean", spec.mean.is_some()),
            ("cv", spec.cv.is_some()),
            ("k", spec.k.is_some()),
            ("value", spec.value.is_some()),
            ("min", spec.min.is_some()),
            ("max", spec.max.is_some()),
            ("values", spec.values.is_some()),
        ]
        .into_iter()
        .filter_map(|(name, present)| present.then_some(name))
        .collect();
        let params: &[&str] = match kind {
            "exponential" => &["mean"],
            "constant" => &["value"],
            "uniform" => &["min", "max"],
            "lognormal" | "gamma" => &["mean", "cv"],
            "erlang" => &["mean", "k"],
            "empirical" => &["values"],
            _ => return Err(self.error(
                &path.key("distribution"),
                format!("`{kind}` is not a known distribution"),
                "use one of: exponential, constant, uniform, lognormal, gamma, erlang, empirical",
            )),
        };
        let example = match kind {
            "exponential" => "{ distribution = \"exponential\", mean = \"4m\" }",
            "constant" => "{ distribution = \"constant\", value = \"4m\" }",
            "uniform" => "{ distribution = \"uniform\", min = \"2m\", max = \"6m\" }",
            "lognormal" => "{ distribution = \"lognormal\", mean = \"4m\", cv = 0.8 }",
            "gamma" => "{ distribution = \"gamma\", mean = \"4m\", cv = 0.8 }",
            "erlang" => "{ distribution = \"erlang\", mean = \"4m\", k = 3 }",
            _ => "{ distribution = \"empirical\", values = [\"2m\", \"3m\", \"7m\"] }",
        };
        if let Some(extra) = given.iter().find(|g| !params.contains(g)) {
            return Err(self.error(
                &path.key(extra),
                format!("`{extra}` is not a parameter of the {kind} distribution"),
                &format!("{kind} takes {}: e.g. {example}", params.join(" and ")),
            ));
        }
        if let Some(missing) = params.iter().find(|p| !given.contains(p)) {
            return Err(self.error(
                path,
                format!("the {kind} distribution needs `{missing}`"),
                &format!("e.g. {example}"),
            ));
        }
        let positive = |d: Option<Duration>, name: &str| -> Result<f64, ScenarioError> {
            let s = d.map_or(0.0, Duration::seconds);
            if s > 0.0 {
                Ok(s)
            } else {
                Err(self.error(
                    &path.key(name),
                    format!("`{name}` must be longer than zero"),
                    &format!("e.g. {example}"),
                ))
            }
        };
        let cv = |name: &str| -> Result<f64, ScenarioError> {
            match spec.cv {
                Some(cv) if cv.is_finite() && cv > 0.0 && cv <= 100.0 => Ok(cv),
                other => Err(self.error(
                    &path.key(name),
                    format!("the coefficient of variation must be a number in (0, 100], not {}", other.unwrap_or(f64::NAN)),
                    "cv = standard deviation ÷ mean; 1 is as variable as an exponential, e.g. cv = 0.8",
                )),
            }
        };
        let built = match kind {
            "exponential" => Ok(Distribution::exponential(positive(spec.mean, "mean")?)),
            "constant" => {
                let value = spec.value.map_or(0.0, Duration::seconds);
                if value == 0.0 && !zero_allowed {
                    return Err(self.error(
                        &path.key("value"),
                        "a handle time of zero is not a call".into(),
                        &format!("e.g. {example}"),
                    ));
                }
                Ok(Distribution::Constant { value })
            }
            "uniform" => {
                let (min, max) = (
                    spec.min.map_or(0.0, Duration::seconds),
                    spec.max.map_or(0.0, Duration::seconds),
                );
                if min > max {
                    return Err(self.error(
                        &path.key("max"),
                        format!(
                            "`max` ({}) is below `min` ({})",
                            spec.max.unwrap(),
                            spec.min.unwrap()
                        ),
                        "make max ≥ min",
                    ));
                }
                if max == 0.0 && !zero_allowed {
                    return Err(self.error(
                        &path.key("max"),
                        "a handle time that is always zero is not a call".into(),
                        &format!("e.g. {example}"),
                    ));
                }
                Distribution::uniform(min, max)
            }
            "lognormal" => Distribution::lognormal(positive(spec.mean, "mean")?, cv("cv")?),
            "gamma" => Distribution::gamma(positive(spec.mean, "mean")?, cv("cv")?),
            "erlang" => {
                let mean = positive(spec.mean, "mean")?;
                let k = whole_number(spec.k.unwrap_or(0.0), 1.0, 1000.0).map_err(|why| {
                    self.error(
                        &path.key("k"),
                        format!("the number of phases k {why}"),
                        "e.g. k = 3",
                    )
                })?;
                Distribution::erlang(mean, k as u32)
            }
            _ => {
                let values: Vec<f64> = spec
                    .values
                    .as_deref()
                    .unwrap_or(&[])
                    .iter()
                    .map(|d| d.seconds())
                    .collect();
                if values.is_empty() {
                    return Err(self.error(
                        &path.key("values"),
                        "the list of values is empty".into(),
                        &format!("e.g. {example}"),
                    ));
                }
                if !zero_allowed && values.iter().all(|&v| v == 0.0) {
                    return Err(self.error(
                        &path.key("values"),
                        "a handle time that is always zero is not a call".into(),
                        &format!("e.g. {example}"),
                    ));
                }
                Ok(Distribution::Empirical { values })
            }
        };
        built.map_err(|why| {
            self.error(
                path,
                format!("invalid {kind} parameters: {why}"),
                &format!("e.g. {example}"),
            )
        })
    }
}

/// The optional targets of `[service_level]`: fractions in [0, 1] (a service-level target
/// above 0), written as fractions, not percentages.
fn service_targets(
    spec: &ServiceLevelSpec,
    path: &FieldPath,
    source: &Source,
) -> Result<ServiceTargets, ScenarioError> {
    let fraction = |value: Option<f64>, key: &str, example: &str, zero_ok: bool| {
        let Some(x) = value else { return Ok(None) };
        if x.is_finite() && x > 1.0 && x <= 100.0 {
            return Err(source.error_at(
                &path.key(key),
                format!("{key} = {x} looks like a percentage; it is a fraction"),
                &format!("write {} for {x} %, e.g. {example}", x / 100.0),
            ));
        }
        if !(x.is_finite() && (0.0..=1.0).contains(&x)) || (!zero_ok && x == 0.0) {
            let range = if zero_ok { "[0, 1]" } else { "(0, 1]" };
            return Err(source.error_at(
                &path.key(key),
                format!("{key} must be a fraction in {range}, not {x}"),
                &format!("e.g. {example}"),
            ));
        }
        Ok(Some(x))
    };
    Ok(ServiceTargets {
        service_level: fraction(spec.target, "target", "target = 0.8 for 80/20", false)?,
        max_abandon_rate: fraction(
            spec.max_abandon_rate,
            "max_abandon_rate",
            "max_abandon_rate = 0.05 for 5 %",
            true,
        )?,
        max_asa_s: spec.max_asa.map(Duration::seconds),
    })
}

fn check_name(name: &str, path: &FieldPath, source: &Source) -> Result<(), ScenarioError> {
    if name.trim().is_empty() {
        return Err(source.error_at(
            path,
            "the name is empty",
            "give it a name, e.g. name = \"billing\"",
        ));
    }
    Ok(())
}

/// `value` as a whole number in `[min, max]`, or why not.
fn whole_number(value: f64, min: f64, max: f64) -> Result<f64, String> {
    if !value.is_finite() || value.fract() != 0.0 {
        Err(format!("must be a whole number, not {value}"))
    } else if value < min {
        Err(format!("must be at least {min}, not {value}"))
    } else if value > max {
        Err(format!("of {value} is more than the limit of {max}"))
    } else {
        Ok(value)
    }
}

/// Seconds after midnight of `"HH:MM"` (or `"HH:MM:SS"`).
fn parse_clock(text: &str) -> Option<u32> {
    let parts: Vec<&str> = text.trim().split(':').collect();
    if !(2..=3).contains(&parts.len()) || parts.iter().any(|p| p.is_empty() || p.len() > 2) {
        return None;
    }
    let numbers: Vec<u32> = parts
        .iter()
        .map(|p| p.parse().ok())
        .collect::<Option<_>>()?;
    let (h, m, s) = (numbers[0], numbers[1], numbers.get(2).copied().unwrap_or(0));
    (h < 24 && m < 60 && s < 60).then_some(h * 3600 + m * 60 + s)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clock_times() {
        assert_eq!(parse_clock("08:00"), Some(8 * 3600));
        assert_eq!(parse_clock("23:59:30"), Some(86370));
        assert_eq!(parse_clock("24:00"), None);
        assert_eq!(parse_clock("8"), None);
        assert_eq!(parse_clock("8:5x"), None);
    }

    #[test]
    fn whole_numbers() {
        assert_eq!(whole_number(3.0, 0.0, 10.0), Ok(3.0));
        assert!(whole_number(3.5, 0.0, 10.0).is_err());
        assert!(whole_number(-1.0, 0.0, 10.0).is_err());
        assert!(whole_number(f64::NAN, 0.0, 10.0).is_err());
        assert!(whole_number(11.0, 0.0, 10.0).is_err());
    }
}
