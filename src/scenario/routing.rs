//! The `[routing]` table: policy, overflow targets and reservations, checked and resolved.

use std::collections::HashMap;

use super::{FieldPath, RoutingSpec, ScenarioError, Source};
use crate::model::{AgentGroup, CallClass, CallType, GroupId, Policy, Reserve, Routing, TypeId};
use crate::time::SimTime;

/// The names `policy` accepts, for messages.
const POLICIES: &str = "skill-priority, longest-idle, priority, weighted-wait, overflow, reserve";

/// Resolves the routing table (or its absence: `skill-priority`) against the model's names.
#[allow(clippy::too_many_arguments)]
pub fn resolve(
    spec: Option<&RoutingSpec>,
    path: &FieldPath,
    source: &Source,
    call_types: &[CallType],
    groups: &[AgentGroup],
    classes: &[CallClass],
    type_ids: &HashMap<&str, TypeId>,
    group_ids: &HashMap<&str, GroupId>,
) -> Result<Routing, ScenarioError> {
    let err =
        |path: &FieldPath, message: String, help: &str| Err(source.error_at(path, message, help));
    let n_groups = groups.len();
    let mut delays = vec![SimTime::NEVER; classes.len() * n_groups];
    for (c, class) in classes.iter().enumerate() {
        for &g in &call_types[class.call_type as usize].serving_groups {
            delays[c * n_groups + g as usize] = SimTime::ZERO;
        }
    }
    let mut routing = Routing {
        policy: Policy::SkillPriority,
        aging: None,
        delays,
        overflow_steps: vec![Vec::new(); classes.len()],
        reserves: vec![None; n_groups],
        has_overflow_or_reserve: false,
    };
    let Some(spec) = spec else { return Ok(routing) };

    let policy_name = spec.policy.as_deref().unwrap_or("skill-priority");
    let Some(parsed) = parse_policy(policy_name) else {
        return err(
            &path.key("policy"),
            format!("`{policy_name}` is not a routing policy"),
            &format!("use one of: {POLICIES}; add overflow targets or reservations to any of them with `+`, e.g. \"priority+overflow\""),
        );
    };
    routing.policy = parsed.policy;
    if parsed.overflow && spec.overflow.is_empty() {
        return err(
            &path.key("policy"),
            format!("the policy `{policy_name}` needs at least one [[routing.overflow]] entry"),
            "e.g. [[routing.overflow]] call_type = \"billing\" targets = [{ groups = [\"billing\"], after = \"0s\" }, { groups = [\"generalists\"], after = \"30s\" }]",
        );
    }
    if parsed.reserve && spec.reserve.is_empty() {
        return err(
            &path.key("policy"),
            format!("the policy `{policy_name}` needs at least one [[routing.reserve]] entry"),
            "e.g. [[routing.reserve]] group = \"generalists\" agents = 2 for = [\"vip\"]",
        );
    }
    // Entries the policy would not use are a mistake, not a default: say so, as for `aging`.
    let base = policy_name.split('+').next().unwrap_or(policy_name).trim();
    for (table, has_entries, used) in [
        ("overflow", !spec.overflow.is_empty(), parsed.overflow),
        ("reserve", !spec.reserve.is_empty(), parsed.reserve),
    ] {
        if has_entries && !used {
            return err(
                &path.key(table),
                format!("[[routing.{table}]] entries apply under a policy with `+{table}`, not under {policy_name}"),
                &format!("set policy = \"{base}+{table}\" to use them, or remove them"),
            );
        }
    }
    if let Some(aging) = spec.aging {
        if routing.policy != Policy::Priority {
            return err(
                &path.key("aging"),
                format!("`aging` applies to the priority policy, not to {policy_name}"),
                "set policy = \"priority\" or remove `aging`",
            );
        }
        if aging.seconds() <= 0.0 {
            return err(
                &path.key("aging"),
                "`aging` must be longer than zero".into(),
                "e.g. aging = \"60s\": one priority level per minute waited",
            );
        }
        routing.aging = Some(aging.sim_time());
    }

    routing.has_overflow_or_reserve = parsed.overflow || parsed.reserve;
    let default_delays = routing.delays.clone();
    let mut seen_types: Vec<TypeId> = Vec::new();
    for (i, entry) in spec.overflow.iter().enumerate() {
        let entry_path = path.key("overflow").index(i);
        let Some(&t) = type_ids.get(entry.call_type.as_str()) else {
            return err(
                &entry_path.key("call_type"),
                format!("`{}` names no call type", entry.call_type),
                "use the name of a [[call_types]] entry",
            );
        };
        if seen_types.contains(&t) {
            return err(
                &entry_path.key("call_type"),
                format!(
                    "the call type `{}` has two overflow entries",
                    entry.call_type
                ),
                "list all of a type's targets in one entry",
            );
        }
        seen_types.push(t);
        if entry.targets.is_empty() {
            return err(
                &entry_path.key("targets"),
                "the list of targets is empty".into(),
                "e.g. targets = [{ groups = [\"billing\"], after = \"0s\" }]",
            );
        }
        let mut type_delays = vec![SimTime::NEVER; n_groups];
        let mut previous = 0.0;
        for (j, target) in entry.targets.iter().enumerate() {
            let target_path = entry_path.key("targets").index(j);
            if target.after.seconds() < previous {
                return err(
                    &target_path.key("after"),
                    format!(
                        "`after` ({}) is earlier than the previous target's",
                        target.after
                    ),
                    "list targets in order of `after`",
                );
            }
            previous = target.after.seconds();
            if target.groups.is_empty() {
                return err(
                    &target_path.key("groups"),
                    "the list of groups is empty".into(),
                    "name at least one agent group",
                );
            }
            for (k, name) in target.groups.iter().enumerate() {
                let group_path = target_path.key("groups").index(k);
                let Some(&g) = group_ids.get(name.as_str()) else {
                    return err(
                        &group_path,
                        format!("`{name}` names no agent group"),
                        "use the name of an [[agent_groups]] entry",
                    );
                };
                if !groups[g as usize].skills.contains(&t) {
                    return err(
                        &group_path,
                        format!(
                            "the group `{name}` does not have the skill `{}`",
                            entry.call_type
                        ),
                        &format!(
                            "add \"{}\" to its skills, or remove it here",
                            entry.call_type
                        ),
                    );
                }
                if type_delays[g as usize] != SimTime::NEVER {
                    return err(
                        &group_path,
                        format!("the group `{name}` is listed twice"),
                        "list each group once, at the delay from which it may take the call",
                    );
                }
                type_delays[g as usize] = target.after.sim_time();
            }
        }
        for c in call_types[t as usize].classes.clone() {
            let row = &mut routing.delays[c as usize * n_groups..(c as usize + 1) * n_groups];
            row.copy_from_slice(&type_delays);
            let mut steps: Vec<SimTime> = type_delays
                .iter()
                .copied()
                .filter(|&d| d > SimTime::ZERO && d != SimTime::NEVER)
                .collect();
            steps.sort();
            steps.dedup();
            routing.overflow_steps[c as usize] = steps;
        }
    }
    if !parsed.overflow {
        routing.delays = default_delays;
        routing.overflow_steps = vec![Vec::new(); classes.len()];
    }

    for (i, entry) in spec.reserve.iter().enumerate() {
        let entry_path = path.key("reserve").index(i);
        let Some(&g) = group_ids.get(entry.group.as_str()) else {
            return err(
                &entry_path.key("group"),
                format!("`{}` names no agent group", entry.group),
                "use the name of an [[agent_groups]] entry",
            );
        };
        if routing.reserves[g as usize].is_some() {
            return err(
                &entry_path.key("group"),
                format!("the group `{}` has two reserve entries", entry.group),
                "one entry per group",
            );
        }
        if !(entry.agents.fract() == 0.0 && entry.agents >= 1.0 && entry.agents <= 1e6) {
            return err(
                &entry_path.key("agents"),
                format!(
                    "the agents kept back must be a whole number from 1 to 1000000, not {}",
                    entry.agents
                ),
                "e.g. agents = 2",
            );
        }
        if entry.for_calls.is_empty() {
            return err(
                &entry_path.key("for"),
                "the list of calls the agents are kept for is empty".into(),
                "name call types or tiers, e.g. for = [\"billing/gold\"]",
            );
        }
        let mut for_classes = vec![false; classes.len()];
        for (k, name) in entry.for_calls.iter().enumerate() {
            let item_path = entry_path.key("for").index(k);
            // A type's whole name first (it may hold a `/`), then `type/tier` (a tier's
            // name never does).
            let (type_name, tier) = match name.rsplit_once('/') {
                Some((t, tier)) if !type_ids.contains_key(name.as_str()) => (t, Some(tier)),
                _ => (name.as_str(), None),
            };
            let Some(&t) = type_ids.get(type_name) else {
                return err(
                    &item_path,
                    format!("`{type_name}` names no call type"),
                    "write a call type, or a tier as `type/tier`",
                );
            };
            if !groups[g as usize].skills.contains(&t) {
                return err(
                    &item_path,
                    format!(
                        "the group `{}` does not have the skill `{type_name}`",
                        entry.group
                    ),
                    "agents can only be kept back for calls the group serves",
                );
            }
            let range = call_types[t as usize].classes.clone();
            let matching: Vec<usize> = range
                .map(|c| c as usize)
                .filter(|&c| tier.is_none() || classes[c].tier.as_deref() == tier)
                .collect();
            if matching.is_empty() {
                return err(
                    &item_path,
                    format!(
                        "the call type `{type_name}` has no tier `{}`",
                        tier.unwrap_or_default()
                    ),
                    "use a tier name from the type's `tiers`",
                );
            }
            for c in matching {
                for_classes[c] = true;
            }
        }
        routing.reserves[g as usize] = Some(Reserve {
            agents: entry.agents as u32,
            for_classes,
        });
    }
    if !parsed.reserve {
        routing.reserves = vec![None; n_groups];
    }
    Ok(routing)
}

/// A policy name: a base policy, optionally with `+overflow` and/or `+reserve`.
struct ParsedPolicy {
    policy: Policy,
    overflow: bool,
    reserve: bool,
}

/// Parses `skill-priority`, `priority+overflow`, `overflow`, `longest-idle+reserve`, ...
fn parse_policy(name: &str) -> Option<ParsedPolicy> {
    let mut parsed = ParsedPolicy {
        policy: Policy::SkillPriority,
        overflow: false,
        reserve: false,
    };
    let mut base_seen = false;
    for part in name.split('+').map(str::trim) {
        let base = match part {
            "overflow" if !parsed.overflow => {
                parsed.overflow = true;
                continue;
            }
            "reserve" if !parsed.reserve => {
                parsed.reserve = true;
                continue;
            }
            "skill-priority" => Policy::SkillPriority,
            "longest-idle" => Policy::LongestIdle,
            "priority" => Policy::Priority,
            "weighted-wait" => Policy::WeightedWait,
            _ => return None,
        };
        if base_seen {
            return None;
        }
        base_seen = true;
        parsed.policy = base;
    }
    Some(parsed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn policy_names_combine_a_base_with_overflow_and_reserve() {
        let p = parse_policy("priority+overflow").unwrap();
        assert_eq!(
            (p.policy, p.overflow, p.reserve),
            (Policy::Priority, true, false)
        );
        let p = parse_policy("overflow").unwrap();
        assert_eq!(
            (p.policy, p.overflow, p.reserve),
            (Policy::SkillPriority, true, false)
        );
        let p = parse_policy("reserve+longest-idle").unwrap();
        assert_eq!(
            (p.policy, p.overflow, p.reserve),
            (Policy::LongestIdle, false, true)
        );
        assert!(parse_policy("priority+weighted-wait").is_none());
        assert!(parse_policy("overflow+overflow").is_none());
        assert!(parse_policy("fifo").is_none());
    }
}
