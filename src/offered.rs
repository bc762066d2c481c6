//! What a scenario asks of its agents, known before any simulation: calls per day per call
//! type, and per interval the offered load in Erlangs against the agents on the floor who
//! can take it. `callsim validate` prints it and warns of every interval whose load meets or
//! exceeds those agents (such a queue cannot settle: it grows, or callers abandon), which
//! also catches half-hourly volumes typed as hourly rates.
//!
//! The load of a call type is the rate of calls reaching its agents × their mean work (handle
//! time and wrap-up), in Erlangs (agents kept busy): first attempts (the scenario's rates, or
//! the trace's arrivals per interval) and the repeat calls expected from unresolved calls,
//! less the IVR's self-service share, plus the calls transferred in from other types.
//! Redials after a busy signal or a hang-up come on top (they depend on the staffing). The
//! agents are those on the floor (after shrinkage and breaks, averaged over the interval);
//! an agent holding `max_concurrent = k` contacts counts as k contact slots, each slowed by
//! `concurrency_slowdown` per other contact in hand when all are busy: k ÷ (1 + slowdown ×
//! (k − 1)) agents' worth of work.

use crate::model::{CallType, Model, Repeat};

/// The offered load and the agents who can take it, per call type and interval, and for the
/// whole centre.
#[derive(Debug, Clone, PartialEq)]
pub struct OfferedLoad {
    /// Per call type: first attempts in the day.
    pub calls_per_day: Vec<f64>,
    /// Per call type × interval: repeat calls per hour expected from its unresolved calls
    /// (before the IVR; all 0 for a type without `unresolved`).
    pub repeats_per_hour: Vec<Vec<f64>>,
    /// Per call type × interval: calls per hour reaching its agents (first attempts and
    /// repeat calls past the IVR's self-service, plus the calls transferred in).
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
        let first_attempts = first_attempts_per_hour(model);
        let calls_per_day = first_attempts
            .iter()
            .map(|rates| {
                (0..model.intervals)
                    .map(|k| rates[k as usize] * model.interval_hours(k))
                    .sum()
            })
            .collect();
        let (reaching, repeats) = reaching_with_repeats(model, &first_attempts);
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
            repeats_per_hour: repeats,
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

/// Per call type × interval: the calls per hour reaching its agents, and the repeat calls
/// per hour among its attempts. The attempts of a type are its first attempts and the repeat
/// calls of its unresolved calls; a share of them is served by the IVR; the rest, with the
/// calls transferred in, reach the agents. A call reaching the agents is counted as answered
/// (its talk ends a mean talk time after it arrives; waits and hang-ups are left out), so
/// the repeat calls are an upper estimate where many callers hang up. Repeats of repeats
/// count too: the two are solved together by iterating from no repeats until nothing moves
/// (each round adds the repeats of the previous round's extra calls, a share below 1 of
/// them, later in the day), on [`Blocks`] of intervals (the IVR and the transfers act alike
/// on every interval, so they act alike on a block's calls).
fn reaching_with_repeats(
    model: &Model,
    first_attempts: &[Vec<f64>],
) -> (Vec<Vec<f64>>, Vec<Vec<f64>>) {
    let types = model.call_types.len();
    let intervals = model.intervals as usize;
    if model.call_types.iter().all(|t| t.unresolved.is_none()) {
        return (
            reaching_of(model, first_attempts),
            vec![vec![0.0; intervals]; types],
        );
    }
    let blocks = Blocks::of(model);
    let landing: Vec<Option<Landing>> = model
        .call_types
        .iter()
        .map(|t| {
            t.unresolved
                .as_ref()
                .map(|u| Landing::of(model, &blocks, t, u))
        })
        .collect();
    let first: Vec<Vec<f64>> = first_attempts.iter().map(|r| blocks.rates_of(r)).collect();
    let mut repeats = vec![vec![0.0; blocks.count()]; types];
    let mut reaching = reaching_of(model, &first);
    for _ in 0..1_000 {
        let next: Vec<Vec<f64>> = (0..types)
            .map(|t| match &landing[t] {
                Some(landing) => landing.repeats_per_hour(&blocks, &reaching[t]),
                None => vec![0.0; blocks.count()],
            })
            .collect();
        let moved = next
            .iter()
            .flatten()
            .zip(repeats.iter().flatten())
            .map(|(a, b)| (a - b).abs())
            .fold(0.0, f64::max);
        let largest = next.iter().flatten().copied().fold(0.0, f64::max);
        repeats = next;
        reaching = reaching_of(model, &sum(&first, &repeats));
        if moved <= 1e-9 * (1.0 + largest) {
            break;
        }
    }
    let repeats: Vec<Vec<f64>> = repeats.iter().map(|r| blocks.to_intervals(r)).collect();
    (reaching_of(model, &sum(first_attempts, &repeats)), repeats)
}

/// `calls` over `hours` as calls per hour; 0 for a stretch of no time.
fn per_hour(calls: f64, hours: f64) -> f64 {
    if hours > 0.0 {
        calls / hours
    } else {
        0.0
    }
}

/// Per call type × interval (or block), `a + b`.
fn sum(a: &[Vec<f64>], b: &[Vec<f64>]) -> Vec<Vec<f64>> {
    a.iter()
        .zip(b)
        .map(|(a, b)| a.iter().zip(b).map(|(a, b)| a + b).collect())
        .collect()
}

/// The day cut into blocks of consecutive intervals for [`Landing`]: the intervals
/// themselves, or on a day of more than [`MAX_BLOCKS`] intervals blocks of several (the
/// repeat calls' rate changes over the delay's time scale, not a one-second interval's),
/// so the work is at most `MAX_BLOCKS²` per round however fine the intervals. The blocks
/// are of equal length but the last.
struct Blocks {
    /// Intervals per block.
    per_block: usize,
    /// Hours per interval.
    interval_hours: Vec<f64>,
    /// Hours per block.
    hours: Vec<f64>,
}

/// Most blocks [`Blocks`] cuts a day into.
const MAX_BLOCKS: usize = 500;

impl Blocks {
    fn of(model: &Model) -> Blocks {
        let intervals = model.intervals as usize;
        let per_block = intervals.div_ceil(MAX_BLOCKS).max(1);
        let interval_hours: Vec<f64> = (0..model.intervals)
            .map(|k| model.interval_hours(k))
            .collect();
        let hours = interval_hours
            .chunks(per_block)
            .map(|c| c.iter().sum())
            .collect();
        Blocks {
            per_block,
            interval_hours,
            hours,
        }
    }

    fn count(&self) -> usize {
        self.hours.len()
    }

    /// Per block, the calls per hour of `rates` (per interval) over the block.
    fn rates_of(&self, rates: &[f64]) -> Vec<f64> {
        rates
            .chunks(self.per_block)
            .zip(self.interval_hours.chunks(self.per_block))
            .zip(&self.hours)
            .map(|((rates, hours), &total)| {
                per_hour(rates.iter().zip(hours).map(|(r, h)| r * h).sum(), total)
            })
            .collect()
    }

    /// Per interval, the calls per hour of its block in `rates` (per block).
    fn to_intervals(&self, rates: &[f64]) -> Vec<f64> {
        (0..self.interval_hours.len())
            .map(|k| rates[k / self.per_block])
            .collect()
    }
}

/// Per call type × interval: the calls per hour reaching its agents of the forecast alone
/// (no repeat calls): first attempts past the IVR's self-service, with the calls
/// transferred in.
pub fn forecast_reaching_per_hour(model: &Model) -> Vec<Vec<f64>> {
    reaching_of(model, &first_attempts_per_hour(model))
}

/// Per call type × interval: the calls per hour reaching its agents of `attempts` (calls
/// per hour at each type, before the IVR): past the IVR's self-service, with the calls
/// transferred in.
fn reaching_of(model: &Model, attempts: &[Vec<f64>]) -> Vec<Vec<f64>> {
    let queued = attempts
        .iter()
        .zip(&model.call_types)
        .map(|(rates, t)| {
            let deflected = t.ivr.as_ref().map_or(0.0, |ivr| ivr.self_service);
            rates.iter().map(|r| r * (1.0 - deflected)).collect()
        })
        .collect();
    with_transfers_in(model, queued)
}

/// Where the repeat calls of one call type's unresolved calls land: the share of the calls
/// arriving in one block of the day ([`Blocks`]) whose repeat call arrives in a later one,
/// the arrivals spread evenly over their block, each repeat a mean talk time and then the
/// repeat delay after its call's arrival. Repeats at or after the end of the day are not
/// made (as in the simulation). The blocks are of equal length but the last, so a share
/// depends only on how many blocks apart the two are, but for the last: one kernel entry
/// per distance.
struct Landing {
    /// The share of calls reaching the agents that call again: unresolved of those not
    /// transferred.
    share: f64,
    /// `regular[d]`: the share landing `d` blocks later, neither block the last.
    regular: Vec<f64>,
    /// `into_last[from]`: the share of block `from`'s calls landing in the last block.
    into_last: Vec<f64>,
}

impl Landing {
    fn of(model: &Model, blocks: &Blocks, t: &CallType, unresolved: &Repeat) -> Landing {
        let transferred = t.transfer.as_ref().map_or(0.0, |x| x.share);
        let talk_s = t.handle_time.mean_seconds();
        let end_s = model.horizon.as_seconds();
        let block_s = model.interval.as_seconds() * blocks.per_block as f64;
        let bound = |b: usize| (b as f64 * block_s).min(end_s);
        // The share of calls arriving evenly over [a, b) whose repeat lands in [c, e):
        // (G(e − a) − G(e − b) − G(c − a) + G(c − b)) / (b − a), G the delay's integrated
        // CDF shifted by the talk.
        let g = |x: f64| unresolved.delay.integrated_cdf_seconds(x - talk_s);
        let landing = |from: usize, to: usize| {
            let (a, b, c, e) = (bound(from), bound(from + 1), bound(to), bound(to + 1));
            if b <= a {
                return 0.0;
            }
            ((g(e - a) - g(e - b) - g(c - a) + g(c - b)) / (b - a)).max(0.0)
        };
        let last = blocks.count() - 1;
        Landing {
            share: unresolved.share * (1.0 - transferred),
            regular: (0..last).map(|d| landing(0, d)).collect(),
            into_last: (0..=last).map(|from| landing(from, last)).collect(),
        }
    }

    /// Repeat calls per hour per block, given the calls per hour reaching the agents per
    /// block.
    fn repeats_per_hour(&self, blocks: &Blocks, reaching: &[f64]) -> Vec<f64> {
        let last = blocks.count() - 1;
        let mut landed = vec![0.0; blocks.count()];
        for (from, (rate, hours)) in reaching.iter().zip(&blocks.hours).enumerate() {
            let calls = rate * hours * self.share;
            if calls == 0.0 {
                continue;
            }
            for (landed, share) in landed[from..last].iter_mut().zip(&self.regular) {
                *landed += calls * share;
            }
            landed[last] += calls * self.into_last[from];
        }
        landed
            .iter()
            .zip(&blocks.hours)
            .map(|(&calls, &hours)| per_hour(calls, hours))
            .collect()
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
            *count = per_hour(*count, model.interval_hours(k as u32));
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
    fn repeat_calls_land_a_talk_and_a_delay_later_and_repeat_again() {
        // 100 calls/h; a fifth call again an hour after their 30-minute talk ends, so the
        // repeats of an hour's calls land evenly over 1.5 h to 2.5 h later: half in the
        // next hour, half in the one after; and a fifth of those repeat in turn.
        let toml = r#"
name = "t"
[simulation]
duration = "5h"
interval = "1h"
[[call_types]]
name = "a"
arrival_rate = 100
handle_time = { distribution = "constant", value = "30m" }
unresolved = { share = 0.2, delay = { distribution = "constant", value = "1h" } }
[[agent_groups]]
name = "agents"
agents = 80
skills = ["a"]
"#;
        let load = OfferedLoad::of(&model(toml));
        let expected = [0.0, 10.0, 21.0, 23.1, 24.41];
        for (k, (got, want)) in load.repeats_per_hour[0].iter().zip(expected).enumerate() {
            assert!(
                (got - want).abs() < 1e-9,
                "hour {k}: {got} repeats, not {want}"
            );
        }
        assert_eq!(load.calls_per_day, vec![500.0], "first attempts only");
        // 30-minute talks: 50 Erlangs of first attempts, then the repeats' half hours.
        assert!((load.erlangs[0][2] - 121.0 / 2.0).abs() < 1e-9);
        // A level day long enough settles at 100 × 0.2 ÷ (1 − 0.2) = 25 repeats per hour,
        // whatever the delay's distribution (here exponential, mean 2 h).
        let long = toml
            .replace(r#"duration = "5h""#, r#"duration = "96h""#)
            .replace(
                r#"{ distribution = "constant", value = "1h" }"#,
                r#"{ distribution = "exponential", mean = "2h" }"#,
            );
        let load = OfferedLoad::of(&model(&long));
        assert!((load.repeats_per_hour[0][90] - 25.0).abs() < 1e-6);
        // A day of more intervals than blocks: 1-minute intervals over 10 hours are taken in
        // blocks of two, exactly as 2-minute intervals are.
        let day = |interval: &str| {
            long.replace(r#"duration = "96h""#, r#"duration = "10h""#)
                .replace(r#"interval = "1h""#, &format!("interval = \"{interval}\""))
        };
        let fine = OfferedLoad::of(&model(&day("1m"))).repeats_per_hour;
        let coarse = OfferedLoad::of(&model(&day("2m"))).repeats_per_hour;
        assert_eq!(fine[0].len(), 600);
        for (k, rate) in fine[0].iter().enumerate() {
            assert!((rate - coarse[0][k / 2]).abs() < 1e-9, "minute {k}");
        }
        assert!(fine[0][599] > 20.0);
        // Types without `unresolved` have none.
        let load = OfferedLoad::of(&model(TWO_SKILLS));
        assert!(load.repeats_per_hour.iter().flatten().all(|&r| r == 0.0));
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
