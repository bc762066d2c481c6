//! Erlang staffing per call type and interval: the search's starting point and the
//! baseline that shows what multi-skill pooling saves.

use crate::analytic::{ErlangA, ErlangC, ServiceLevelTarget, Targets, Unreachable};
use crate::model::{least_schedule_for, Model, ServiceTargets};
use crate::offered::OfferedLoad;

/// The analytic targets of call type `t`: the scenario's, at its threshold; where the
/// type's classes (tiers) have service-level targets of their own, the strictest of those
/// (highest fraction, shortest threshold) for all its callers: a conservative start.
fn analytic_targets(model: &Model, t: usize, targets: &ServiceTargets) -> Targets {
    let own: Vec<(f64, f64)> = model.call_types[t]
        .classes
        .clone()
        .filter_map(|c| {
            let class = &model.classes[c as usize];
            class.target.map(|f| (f, class.threshold.as_seconds()))
        })
        .collect();
    let service_level = if own.is_empty() {
        targets.service_level.map(|fraction| ServiceLevelTarget {
            fraction,
            threshold_s: model.service_level_threshold.as_seconds(),
        })
    } else {
        Some(ServiceLevelTarget {
            fraction: own.iter().map(|o| o.0).fold(0.0, f64::max),
            threshold_s: own.iter().map(|o| o.1).fold(f64::INFINITY, f64::min),
        })
    };
    Targets {
        service_level,
        max_asa_s: targets.max_asa_s,
        max_abandon_rate: targets.max_abandon_rate,
        max_occupancy: targets.max_occupancy,
    }
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
            let c_targets = Targets {
                max_abandon_rate: None,
                ..analytic
            };
            let aht = t.mean_work_s();
            offered.reaching_per_hour[index]
                .iter()
                .map(|&rate| {
                    let lambda = rate / 3600.0;
                    if lambda == 0.0 {
                        return Ok(0);
                    }
                    match (&t.patience, erlang_c_only) {
                        (Some(p), false) => {
                            ErlangA::agents_for(lambda, aht, p.mean_seconds(), &analytic)
                        }
                        _ => ErlangC::agents_for(lambda, aht, &c_targets),
                    }
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

/// Scheduled headcounts per group from agents on the phones per group: each the least
/// schedule that puts them on the floor at its group's shrinkage.
fn grossed_up(model: &Model, mut on_phones: Vec<Vec<u32>>) -> Vec<Vec<u32>> {
    for (row, group) in on_phones.iter_mut().zip(&model.groups) {
        for n in row.iter_mut() {
            *n = least_schedule_for(*n, group.shrinkage);
        }
    }
    on_phones
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
