//! Erlang staffing per call type and interval: the search's starting point and the
//! baseline that shows what multi-skill pooling saves.

use crate::analytic::{ErlangA, ErlangC, ServiceLevelTarget, Targets, Unreachable};
use crate::model::{least_schedule_for, Model, ServiceTargets};
use crate::offered::OfferedLoad;

/// The analytic targets of call type `t`, one per service-level target its callers are
/// held to: the scenario's (or the command line's), at its threshold, and each of its
/// classes' (tiers', a callback's) own; every one with the other targets (ASA, abandon
/// rate, occupancy). The start meets them all, each as if it held for all the type's
/// callers: a conservative start. A tier's lax target (90 % of callback jobs within 30
/// minutes) never stands in for the type's strict one (80 % within 20 seconds).
fn analytic_targets(model: &Model, t: usize, targets: &ServiceTargets) -> Vec<Targets> {
    let with = |service_level: Option<ServiceLevelTarget>| Targets {
        service_level,
        max_asa_s: targets.max_asa_s,
        max_abandon_rate: targets.max_abandon_rate,
        max_occupancy: targets.max_occupancy,
    };
    let type_wide = targets.service_level.map(|fraction| ServiceLevelTarget {
        fraction,
        threshold_s: model.service_level_threshold.as_seconds(),
    });
    let own = model.call_types[t].classes.clone().filter_map(|c| {
        let class = &model.classes[c as usize];
        class.target.map(|fraction| ServiceLevelTarget {
            fraction,
            threshold_s: class.threshold.as_seconds(),
        })
    });
    let service_levels: Vec<ServiceLevelTarget> = type_wide.into_iter().chain(own).collect();
    if service_levels.is_empty() {
        return vec![with(None)];
    }
    service_levels.into_iter().map(|s| with(Some(s))).collect()
}

/// Per call type and interval (`[type][interval]`), the least agents *on the phones* that
/// would meet the targets if the type had its own dedicated agents: Erlang A with the type's mean patience
/// when its callers abandon, Erlang C otherwise. Intervals without calls need 0. The calls
/// are those reaching the type's agents (past the IVR's self-service, with the calls
/// transferred in: [`OfferedLoad`]), each with its mean work (talk and wrap-up), as
/// `validate` counts the load.
///
/// With `erlang_c_only` every type uses Erlang C (callers assumed never to hang up, the
/// abandon-rate cap ignored): the classic per-queue staffing of WFM tools.
pub fn per_type(
    model: &Model,
    targets: &ServiceTargets,
    erlang_c_only: bool,
) -> Result<Vec<Vec<u32>>, Unreachable> {
    let offered = OfferedLoad::of(model);
    model
        .call_types
        .iter()
        .enumerate()
        .map(|(index, t)| {
            let analytic = analytic_targets(model, index, targets);
            let aht = t.mean_work_s();
            let erlang_c = |lambda: f64, targets: &Targets| {
                ErlangC::agents_for(
                    lambda,
                    aht,
                    &Targets {
                        max_abandon_rate: None,
                        ..*targets
                    },
                )
            };
            // Where Erlang A cannot tell (a patience of days in overload), Erlang C starts
            // the search: with nobody hanging up, it never asks for fewer agents.
            let agents_for = |lambda: f64, targets: &Targets| match (&t.patience, erlang_c_only) {
                (Some(p), false) => ErlangA::agents_for(lambda, aht, p.mean_seconds(), targets)
                    .or_else(|e| {
                        if e.is_beyond_evaluation() {
                            erlang_c(lambda, targets).map_err(|_| e)
                        } else {
                            Err(e)
                        }
                    }),
                _ => erlang_c(lambda, targets),
            };
            offered.reaching_per_hour[index]
                .iter()
                .map(|&rate| {
                    let lambda = rate / 3600.0;
                    if lambda == 0.0 {
                        return Ok(0);
                    }
                    analytic
                        .iter()
                        .map(|targets| agents_for(lambda, targets))
                        .try_fold(0, |most, agents| agents.map(|n| n.max(most)))
                        .map_err(|Unreachable(why)| {
                            Unreachable(format!("call type `{}`: {why}", t.name))
                        })
                })
                .collect()
        })
        .collect()
}

/// Per-type agents on the phones (`[type][interval]`) as scheduled headcounts: each type's
/// grossed up by the shrinkage of the first group that routing offers its calls to (the
/// least schedule the simulation puts that many on the floor from), so that they compare
/// with the scheduled staffing found.
pub fn scheduled_by_type(model: &Model, on_phones: &[Vec<u32>]) -> Vec<Vec<u32>> {
    model
        .call_types
        .iter()
        .zip(on_phones)
        .map(|(t, row)| {
            let shrinkage = model.groups[t.serving_groups[0] as usize].shrinkage;
            row.iter()
                .map(|&n| least_schedule_for(n, shrinkage))
                .collect()
        })
        .collect()
}

/// Scheduled headcounts per group from Erlang's servers per group: on a chat desk, the agents
/// that hold that many contacts at once, each at most `max_concurrent` and each slowed as
/// when full (so that they get through as much work as the servers), then the least schedule
/// that puts them on the floor at the group's shrinkage.
fn grossed_up(model: &Model, mut servers: Vec<Vec<u32>>) -> Vec<Vec<u32>> {
    for (row, group) in servers.iter_mut().zip(&model.groups) {
        let k = group.max_concurrent.max(1);
        let contacts_per_agent = f64::from(k) / group.talk_factor(k - 1);
        for n in row.iter_mut() {
            let agents = if k == 1 {
                *n
            } else {
                (f64::from(*n) / contacts_per_agent).ceil() as u32
            };
            *n = least_schedule_for(agents, group.shrinkage);
        }
    }
    servers
}

/// Maps per-type staffing on the phones onto the groups' scheduled headcounts
/// (`[group][interval]`): each type's agents go to the first group that routing offers its
/// calls to, grossed up by that group's shrinkage.
pub fn to_groups(model: &Model, by_type: &[Vec<u32>]) -> Vec<Vec<u32>> {
    let mut agents = vec![vec![0u32; model.intervals as usize]; model.groups.len()];
    for (t, call_type) in model.call_types.iter().enumerate() {
        let g = call_type.serving_groups[0] as usize;
        for (k, n) in by_type[t].iter().enumerate() {
            agents[g][k] = agents[g][k].saturating_add(*n);
        }
    }
    grossed_up(model, agents)
}

/// Maps per-type staffing on the phones onto the groups' scheduled headcounts
/// (`[group][interval]`) the other way round: each type's agents go to the group serving it
/// with the most skills (routing order breaking ties), grossed up by its shrinkage — the
/// pooled corner the multi-start search also starts from.
pub fn to_widest_groups(model: &Model, by_type: &[Vec<u32>]) -> Vec<Vec<u32>> {
    let mut agents = vec![vec![0u32; model.intervals as usize]; model.groups.len()];
    for (t, call_type) in model.call_types.iter().enumerate() {
        let g = call_type
            .serving_groups
            .iter()
            .map(|&g| g as usize)
            .fold(None, |best: Option<usize>, g| match best {
                Some(b) if model.groups[b].skills.len() >= model.groups[g].skills.len() => Some(b),
                _ => Some(g),
            })
            .expect("every call type has a serving group");
        for (k, n) in by_type[t].iter().enumerate() {
            agents[g][k] = agents[g][k].saturating_add(*n);
        }
    }
    grossed_up(model, agents)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::Source;

    /// The scenario `text` as a model.
    fn load(text: &str) -> Model {
        Source {
            origin: "start.toml".into(),
            text: text.into(),
        }
        .load()
        .unwrap()
    }

    /// Erlang's servers are contacts at once: a chat desk needs the agents that hold them,
    /// each at most `max_concurrent`, slowed as when full (a warm-up staffed by servers
    /// counted 15 chat agents where 6 or 7 did), then grossed up by the shrinkage.
    #[test]
    fn servers_map_to_the_agents_that_hold_them() {
        let text = r#"
name = "desks"
[simulation]
duration = "1h"
[[call_types]]
name = "chat"
arrival_rate = 60
handle_time = { distribution = "exponential", mean = "3m" }
[[agent_groups]]
name = "chat desk"
agents = 5
skills = ["chat"]
max_concurrent = 3
concurrency_slowdown = 0.2
[[agent_groups]]
name = "phones"
agents = 5
skills = ["chat"]
shrinkage = 0.2
"#;
        let model = load(text);
        // 10 servers: 3 contacts at 1.4× their time are 2.14 servers' work an agent, so 5
        // chat agents; 10 call agents on the phones, scheduled at 20 % shrinkage.
        let mapped = grossed_up(&model, vec![vec![10, 0, 1], vec![10, 0, 1]]);
        assert_eq!(mapped[0], vec![5, 0, 1]);
        assert_eq!(
            mapped[1],
            [10, 0, 1].map(|n| least_schedule_for(n, 0.2)).to_vec()
        );
    }

    /// The start meets every service-level target a type's callers are held to: the
    /// type's 80/20 and a tier's own (laxer 70/2m, or stricter 95/20), each as Erlang C
    /// for the whole type. It took the tier's alone, so the laxer one gave 42 (Erlang C
    /// for 70 % within 2 minutes at 40 Erlangs) where the type's 80/20 needs 46.
    #[test]
    fn the_start_meets_the_types_target_and_each_tiers_own() {
        let model = |tier_target: &str| {
            let text = format!(
                r#"
name = "tiers"
[simulation]
duration = "1h"
[service_level]
threshold = "20s"
target = 0.8
[[call_types]]
name = "mobile"
arrival_rate = 600
handle_time = {{ distribution = "exponential", mean = "4m" }}
tiers = [
  {{ name = "business", share = 0.3 }},
  {{ name = "basic", share = 0.7, service_level = {tier_target} }},
]
[[agent_groups]]
name = "agents"
agents = 40
skills = ["mobile"]
"#
            );
            load(&text)
        };
        let erlang_c = |fraction: f64, threshold_s: f64| {
            let targets = Targets {
                service_level: Some(ServiceLevelTarget {
                    fraction,
                    threshold_s,
                }),
                ..Targets::default()
            };
            ErlangC::agents_for(600.0 / 3600.0, 240.0, &targets).unwrap()
        };
        assert_eq!((erlang_c(0.8, 20.0), erlang_c(0.7, 120.0)), (46, 42));
        let lax = model(r#"{ threshold = "2m", target = 0.7 }"#);
        let start = per_type(&lax, &lax.targets, true).unwrap();
        assert_eq!(start, vec![vec![46; 2]]);
        let strict = model(r#"{ threshold = "20s", target = 0.95 }"#);
        let start = per_type(&strict, &strict.targets, true).unwrap();
        assert_eq!(start, vec![vec![erlang_c(0.95, 20.0); 2]]);
    }

    /// Erlang A cannot evaluate a queue of over 2^26 callers (300 Erlangs of 1-second calls,
    /// a 100-hour patience, fewer than 114 agents), so it cannot tell the least staffing for a
    /// 70 % abandon cap: the start is Erlang C's (the least stable staffing, 301), not an
    /// error, nor the first staffing Erlang A could evaluate.
    #[test]
    fn where_erlang_a_cannot_tell_the_start_is_erlang_c() {
        let text = r#"
name = "patient overload"
[simulation]
duration = "1h"
[service_level]
threshold = "20s"
max_abandon_rate = 0.7
[[call_types]]
name = "q"
arrival_rate = 1080000
handle_time = { distribution = "exponential", mean = "1s" }
patience = { distribution = "exponential", mean = "100h" }
[[agent_groups]]
name = "agents"
agents = 300
skills = ["q"]
"#;
        let model = load(text);
        assert_eq!(
            per_type(&model, &model.targets, false).unwrap(),
            vec![vec![301; 2]]
        );
    }
}
