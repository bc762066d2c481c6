//! What a scenario asks of its agents, known before any simulation: calls per day per call
//! type, and per interval the offered load in Erlangs against the agents on the floor who
//! can take it. `callsim validate` prints it and warns of every interval whose load meets or
//! exceeds those agents (such a queue cannot settle: it grows, or callers abandon), which
//! also catches half-hourly volumes typed as hourly rates.
//!
//! The load of a call type is the rate of calls reaching its agents × their mean work (handle
//! time and wrap-up), in Erlangs (agents kept busy): first attempts (the scenario's rates, or
//! the trace's arrivals per interval), less the IVR's self-service share, plus the calls
//! transferred in from other types. Redials and repeat calls come on top, so the load shown
//! is a lower bound. The agents are those on the floor (after shrinkage and breaks, averaged
//! over the interval); an agent holding `max_concurrent = k` contacts counts as k contact
//! slots, each slowed by `concurrency_slowdown` per other contact in hand when all are busy:
//! k ÷ (1 + slowdown × (k − 1)) agents' worth of work.

use crate::model::Model;

/// The offered load and the agents who can take it, per call type and interval, and for the
/// whole centre.
#[derive(Debug, Clone, PartialEq)]
pub struct OfferedLoad {
    /// Per call type: first attempts in the day.
    pub calls_per_day: Vec<f64>,
    /// Per call type × interval: calls per hour reaching its agents (first attempts past
    /// the IVR's self-service, plus the calls transferred in).
    pub reaching_per_hour: Vec<Vec<f64>>,
    /// Per call type × interval: the load reaching its agents, in Erlangs.
    pub erlangs: Vec<Vec<f64>>,
    /// Per call type × interval: agents' worth of work on the floor in the groups serving it.
    pub agents: Vec<Vec<f64>>,
    /// Per interval: the load of every call type together, in Erlangs.
    pub total_erlangs: Vec<f64>,
    /// Per interval: agents' worth of work on the floor in every group.
    pub total_agents: Vec<f64>,
}

/// One interval whose load meets or exceeds the agents who can take it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Shortfall {
    /// The interval.
    pub interval: u32,
    /// The call type, or `None` for the whole centre.
    pub call_type: Option<usize>,
    /// The load, Erlangs.
    pub erlangs: f64,
    /// The agents' worth of work on the floor who can take it.
    pub agents: f64,
}

impl OfferedLoad {
    /// The load of `model`.
    pub fn of(model: &Model) -> OfferedLoad {
        let intervals = model.intervals as usize;
        let types = model.call_types.len();
        let first_attempts = first_attempts_per_hour(model);
        let calls_per_day = first_attempts
            .iter()
            .map(|rates| {
                (0..model.intervals)
                    .map(|k| rates[k as usize] * model.interval_hours(k))
                    .sum()
            })
            .collect();
        // Calls per hour reaching each type's queue: past the IVR, then transfers in.
        let queued: Vec<Vec<f64>> = (0..types)
            .map(|t| {
                let deflected = model.call_types[t]
                    .ivr
                    .as_ref()
                    .map_or(0.0, |ivr| ivr.self_service);
                first_attempts[t]
                    .iter()
                    .map(|r| r * (1.0 - deflected))
                    .collect()
            })
            .collect();
        let reaching = with_transfers_in(model, queued);
        let erlangs: Vec<Vec<f64>> = reaching
            .iter()
            .enumerate()
            .map(|(t, rates)| {
                let work = model.call_types[t].mean_work_s() / 3600.0;
                rates.iter().map(|r| r * work).collect()
            })
            .collect();
        let floor = agents_on_the_floor(model);
        let agents = model
            .call_types
            .iter()
            .map(|ct| {
                (0..intervals)
                    .map(|k| {
                        ct.serving_groups
                            .iter()
                            .map(|&g| floor[g as usize][k])
                            .sum()
                    })
                    .collect()
            })
            .collect();
        let total_erlangs = (0..intervals)
            .map(|k| erlangs.iter().map(|e| e[k]).sum())
            .collect();
        let total_agents = (0..intervals)
            .map(|k| floor.iter().map(|g| g[k]).sum())
            .collect();
        OfferedLoad {
            calls_per_day,
            reaching_per_hour: reaching,
            erlangs,
            agents,
            total_erlangs,
            total_agents,
        }
    }

    /// Every interval whose load meets or exceeds the agents who can take it, per call type
    /// (against the groups serving it) and for the whole centre (against every group), in
    /// interval order, the types before the total. Intervals without load are never short.
    pub fn shortfalls(&self) -> Vec<Shortfall> {
        let mut found = Vec::new();
        for k in 0..self.total_erlangs.len() {
            let checks = self
                .erlangs
                .iter()
                .zip(&self.agents)
                .enumerate()
                .map(|(t, (e, a))| (Some(t), e[k], a[k]))
                .chain([(None, self.total_erlangs[k], self.total_agents[k])]);
            for (call_type, erlangs, agents) in checks {
                if erlangs > 0.0 && erlangs >= agents {
                    found.push(Shortfall {
                        interval: k as u32,
                        call_type,
                        erlangs,
                        agents,
                    });
                }
            }
        }
        found
    }

    /// The interval of the highest load of call type `t` (`None`: the whole centre); the
    /// first of equals.
    pub fn peak(&self, t: Option<usize>) -> usize {
        let load = match t {
            Some(t) => &self.erlangs[t],
            None => &self.total_erlangs,
        };
        let mut best = 0;
        for (k, &e) in load.iter().enumerate() {
            if e > load[best] {
                best = k;
            }
        }
        best
    }
}

/// Per call type × interval: the calls per hour `queued` at each type, with the calls
/// transferred in from every type before it along the transfers. Each type transfers to at
/// most one other and transfers never loop (validation), so the types are taken in an order
/// where every type comes after all that transfer to it: linear in types × intervals, each
/// type's sum added in the order of the types transferring to it.
fn with_transfers_in(model: &Model, queued: Vec<Vec<f64>>) -> Vec<Vec<f64>> {
    let types = model.call_types.len();
    // Per type: the types transferring to it, in order, with their shares.
    let mut from: Vec<Vec<(usize, f64)>> = vec![Vec::new(); types];
    for (t, call_type) in model.call_types.iter().enumerate() {
        if let Some(transfer) = &call_type.transfer {
            from[transfer.to as usize].push((t, transfer.share));
        }
    }
    let mut waiting_for: Vec<usize> = from.iter().map(Vec::len).collect();
    let mut ready: Vec<usize> = (0..types).filter(|&t| waiting_for[t] == 0).collect();
    let mut reaching = queued;
    while let Some(t) = ready.pop() {
        for &(f, share) in &from[t] {
            for k in 0..reaching[t].len() {
                reaching[t][k] += reaching[f][k] * share;
            }
        }
        if let Some(transfer) = &model.call_types[t].transfer {
            let to = transfer.to as usize;
            waiting_for[to] -= 1;
            if waiting_for[to] == 0 {
                ready.push(to);
            }
        }
    }
    reaching
}

/// Per call type × interval: first attempts per hour, from the rates or from the trace.
fn first_attempts_per_hour(model: &Model) -> Vec<Vec<f64>> {
    let Some(trace) = model.trace.as_deref() else {
        return model
            .call_types
            .iter()
            .map(|t| t.calls_per_hour.clone())
            .collect();
    };
    let intervals = model.intervals as usize;
    let mut counts = vec![vec![0.0; intervals]; model.call_types.len()];
    for call in trace {
        let k = (call.arrival.0 / model.interval.0) as usize;
        if k < intervals {
            counts[call.call_type as usize][k] += 1.0;
        }
    }
    for per_type in &mut counts {
        for (k, count) in per_type.iter_mut().enumerate() {
            let hours = model.interval_hours(k as u32);
            *count = if hours > 0.0 { *count / hours } else { 0.0 };
        }
    }
    counts
}

/// Per group × interval: agents' worth of work on the floor — agents available (after
/// shrinkage and breaks) averaged over the interval, × k ÷ (1 + slowdown × (k − 1)) for a
/// group holding k contacts at once.
fn agents_on_the_floor(model: &Model) -> Vec<Vec<f64>> {
    model
        .groups
        .iter()
        .map(|g| {
            let k = g.max_concurrent as f64;
            let per_agent = k / (1.0 + g.concurrency_slowdown * (k - 1.0));
            g.available_per_interval(model.interval, model.intervals)
                .into_iter()
                .map(|agents| agents * per_agent)
                .collect()
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::Source;

    fn model(toml: &str) -> Model {
        Source {
            origin: "<test>".into(),
            text: toml.into(),
        }
        .load()
        .unwrap()
    }

    const TWO_SKILLS: &str = r#"
name = "t"
[simulation]
duration = "2h"
interval = "1h"
[[call_types]]
name = "a"
arrival_rates = [60, 120]
handle_time = { distribution = "constant", value = "4m" }
wrap_up = { distribution = "constant", value = "1m" }
ivr = { time = { distribution = "constant", value = "10s" }, self_service = 0.5 }
transfer = { share = 0.5, to = "b" }
[[call_types]]
name = "b"
arrival_rate = 30
handle_time = { distribution = "constant", value = "10m" }
[[agent_groups]]
name = "a-team"
agents_by_interval = [10, 3]
skills = ["a"]
shrinkage = 0.2
[[agent_groups]]
name = "both"
agents = 2
skills = ["a", "b"]
max_concurrent = 3
concurrency_slowdown = 0.25
"#;

    #[test]
    fn load_follows_the_ivr_transfers_and_wrap_up_and_agents_the_floor() {
        let load = OfferedLoad::of(&model(TWO_SKILLS));
        assert_eq!(load.calls_per_day, vec![180.0, 60.0]);
        // a: 60/h, half served in the IVR, 5 minutes each: 2.5 Erlangs; then 5.
        assert_eq!(load.erlangs[0], vec![2.5, 5.0]);
        // b: 30/h of its own plus half of a's 30 (then 60) reaching agents, 10 minutes each.
        assert_eq!(load.erlangs[1], vec![7.5, 10.0]);
        // a-team: 8 then 2 (3 × 0.8 rounded) on the floor; both: 2 × 3 ÷ 1.5 = 4.
        assert_eq!(load.agents[0], vec![12.0, 6.0]);
        assert_eq!(load.agents[1], vec![4.0, 4.0]);
        assert_eq!(load.total_erlangs, vec![10.0, 15.0]);
        assert_eq!(load.total_agents, vec![12.0, 6.0]);
        assert_eq!(load.peak(None), 1);
        assert_eq!(load.peak(Some(0)), 1);
        let short: Vec<(u32, Option<usize>)> = load
            .shortfalls()
            .iter()
            .map(|s| (s.interval, s.call_type))
            .collect();
        assert_eq!(short, vec![(0, Some(1)), (1, Some(1)), (1, None)]);
    }

    #[test]
    fn a_load_equal_to_the_agents_is_short() {
        let toml = TWO_SKILLS
            .replace("arrival_rate = 30", "arrival_rate = 15")
            .replace("agents = 2\n", "agents = 5\n")
            .replace("max_concurrent = 3\nconcurrency_slowdown = 0.25\n", "");
        // b: 15/h of its own + 15/h from a, 10 minutes each = 5 Erlangs on 5 agents.
        let load = OfferedLoad::of(&model(&toml));
        assert_eq!((load.erlangs[1][0], load.agents[1][0]), (5.0, 5.0));
        let short = load.shortfalls();
        assert!(short
            .iter()
            .any(|s| s.call_type == Some(1) && s.interval == 0));
        assert!(short.iter().all(|s| s.call_type != Some(0)), "{short:?}");
    }
}
