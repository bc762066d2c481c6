//! What people and programs read: the report over replications, and its renderers.
//!
//! [`Report`] is the JSON document of the contract (`serde`); [`table`] renders it for
//! people and [`csv`] for spreadsheets; [`chart`] draws curves as SVG. The report never sees an event: it is built from
//! per-replication [`ReplicationMeasures`] only.

pub mod chart;
pub mod csv;
pub mod table;

use serde::Serialize;

use crate::model::Model;
use crate::stats::{CallMeasures, GroupMeasures, ReplicationMeasures, Stat, WAIT_PERCENTILES};

/// The result of a run: every statistic as mean and 95 % half-width over replications.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    /// The scenario's name.
    pub scenario: String,
    /// Replications run.
    pub replications: u32,
    /// The seed.
    pub seed: u64,
    /// The service-level threshold T ("answered within T"), seconds.
    pub service_level_threshold_s: f64,
    /// All call types, all reported intervals.
    pub total: CallBlock,
    /// Per call type.
    pub call_types: Vec<Named<CallBlock>>,
    /// Per agent group.
    pub agent_groups: Vec<Named<GroupBlock>>,
    /// Per reported interval (those ending after the warm-up), in time order.
    pub intervals: Vec<IntervalBlock>,
}

/// A block with a name in front.
#[derive(Debug, Clone, Serialize)]
pub struct Named<B> {
    /// The call type's or group's name.
    pub name: String,
    /// Its statistics.
    #[serde(flatten)]
    pub block: B,
}

/// The call statistics of a block. Definitions are in the README.
#[derive(Debug, Clone, Serialize)]
pub struct CallBlock {
    /// Calls that arrived (after the warm-up).
    pub offered: Stat,
    /// Calls answered by an agent.
    pub answered: Stat,
    /// Callers who hung up while waiting.
    pub abandoned: Stat,
    /// Calls still waiting at the end with nobody left who could answer them (0 unless a
    /// call type is unstaffed at the end and its callers never abandon).
    pub unserved: Stat,
    /// Answered within the threshold ÷ (answered + abandoned + unserved).
    pub service_level: Stat,
    /// Abandoned ÷ (answered + abandoned + unserved).
    pub abandon_rate: Stat,
    /// Calls that had to queue ÷ (answered + abandoned + unserved): Erlang's P(wait).
    pub p_wait: Stat,
    /// Average speed of answer: mean wait of answered calls, seconds.
    pub asa_s: Stat,
    /// Average handle time of answered calls, seconds.
    pub aht_s: Stat,
    /// Agent time on these calls ÷ staffed time of the groups serving them.
    pub occupancy: Stat,
    /// Waiting-time percentiles of answered calls, seconds.
    pub wait_s: WaitPercentiles,
}

/// Percentiles of the wait of answered calls (zeros included), seconds.
#[derive(Debug, Clone, Serialize)]
pub struct WaitPercentiles {
    /// Median.
    pub p50: Stat,
    /// 80th percentile.
    pub p80: Stat,
    /// 90th percentile.
    pub p90: Stat,
    /// 95th percentile.
    pub p95: Stat,
    /// 99th percentile.
    pub p99: Stat,
    /// Longest wait.
    pub max: Stat,
}

/// The statistics of an agent group.
#[derive(Debug, Clone, Serialize)]
pub struct GroupBlock {
    /// Calls answered by the group.
    pub answered: Stat,
    /// Busy time ÷ staffed time.
    pub occupancy: Stat,
    /// Average number of agents on the floor.
    pub staffed_agents: Stat,
}

/// One reporting interval.
#[derive(Debug, Clone, Serialize)]
pub struct IntervalBlock {
    /// Start of the interval, seconds from the start of the simulation.
    pub start_s: f64,
    /// Start of the interval as a clock time, `HH:MM`.
    pub start: String,
    /// All call types.
    pub total: CallBlock,
    /// Per call type.
    pub call_types: Vec<Named<CallBlock>>,
    /// Per agent group.
    pub agent_groups: Vec<Named<GroupBlock>>,
}

impl CallBlock {
    /// The summary of one block's per-replication measures.
    pub fn summarise(reps: &[&CallMeasures]) -> CallBlock {
        let stat = |f: &dyn Fn(&CallMeasures) -> Option<f64>| Stat::of(reps.iter().map(|m| f(m)));
        let wait = |i: usize| stat(&|m| m.wait_s[i]);
        debug_assert_eq!(WAIT_PERCENTILES.len(), 6);
        CallBlock {
            offered: stat(&|m| Some(m.offered)),
            answered: stat(&|m| Some(m.answered)),
            abandoned: stat(&|m| Some(m.abandoned)),
            unserved: stat(&|m| Some(m.unserved)),
            service_level: stat(&|m| m.service_level),
            abandon_rate: stat(&|m| m.abandon_rate),
            p_wait: stat(&|m| m.p_wait),
            asa_s: stat(&|m| m.asa_s),
            aht_s: stat(&|m| m.aht_s),
            occupancy: stat(&|m| m.occupancy),
            wait_s: WaitPercentiles {
                p50: wait(0),
                p80: wait(1),
                p90: wait(2),
                p95: wait(3),
                p99: wait(4),
                max: wait(5),
            },
        }
    }
}

impl GroupBlock {
    /// The summary of one group's per-replication measures.
    pub fn summarise(reps: &[&GroupMeasures]) -> GroupBlock {
        GroupBlock {
            answered: Stat::of(reps.iter().map(|m| Some(m.answered))),
            occupancy: Stat::of(reps.iter().map(|m| m.occupancy)),
            staffed_agents: Stat::of(reps.iter().map(|m| Some(m.staffed_agents))),
        }
    }
}

impl Report {
    /// The report of `model` from its replications' measures (in replication order).
    pub fn new(model: &Model, reps: &[ReplicationMeasures]) -> Report {
        let call_types =
            |pick: &dyn Fn(&ReplicationMeasures, usize) -> &CallMeasures| -> Vec<Named<CallBlock>> {
                model
                    .call_types
                    .iter()
                    .enumerate()
                    .map(|(t, ct)| Named {
                        name: ct.name.clone(),
                        block: CallBlock::summarise(
                            &reps.iter().map(|r| pick(r, t)).collect::<Vec<_>>(),
                        ),
                    })
                    .collect()
            };
        let groups = |pick: &dyn Fn(&ReplicationMeasures, usize) -> &GroupMeasures| -> Vec<Named<GroupBlock>> {
            model
                .groups
                .iter()
                .enumerate()
                .map(|(g, group)| Named {
                    name: group.name.clone(),
                    block: GroupBlock::summarise(&reps.iter().map(|r| pick(r, g)).collect::<Vec<_>>()),
                })
                .collect()
        };
        let interval_count = reps.first().map_or(0, |r| r.intervals.len());
        let intervals = (0..interval_count)
            .map(|i| {
                let k = reps[0].intervals[i].interval;
                IntervalBlock {
                    start_s: model.interval_start(k).as_seconds(),
                    start: model.interval_label(k),
                    total: CallBlock::summarise(
                        &reps
                            .iter()
                            .map(|r| &r.intervals[i].total)
                            .collect::<Vec<_>>(),
                    ),
                    call_types: call_types(&|r, t| &r.intervals[i].call_types[t]),
                    agent_groups: groups(&|r, g| &r.intervals[i].groups[g]),
                }
            })
            .collect();
        Report {
            scenario: model.name.clone(),
            replications: reps.len() as u32,
            seed: model.seed,
            service_level_threshold_s: model.service_level_threshold.as_seconds(),
            total: CallBlock::summarise(&reps.iter().map(|r| &r.total).collect::<Vec<_>>()),
            call_types: call_types(&|r, t| &r.call_types[t]),
            agent_groups: groups(&|r, g| &r.groups[g]),
            intervals,
        }
    }

    /// The report as one pretty-printed JSON document.
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).expect("a report always serialises")
    }
}
