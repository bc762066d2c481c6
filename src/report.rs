//! What people and programs read: the report over replications, and its renderers.
//!
//! [`Report`] is the JSON document of the contract (`serde`); [`table`] renders it for
//! people, [`html`] as a self-contained page, [`csv`] for spreadsheets and scripts (wide and
//! long forms) and [`xlsx`] as an Excel workbook; [`chart`] draws curves as SVG. The report
//! never sees an event: it is built from
//! per-replication [`ReplicationMeasures`] only.

pub mod chart;
pub mod csv;
mod fold;
pub mod html;
pub mod table;
pub mod xlsx;

pub(crate) use fold::SpanWaits;
pub use fold::{paired_difference, CallFold, ReportFold};

use serde::Serialize;

use crate::model::Model;
use crate::stats::{CallMeasures, ReplicationMeasures, Stat, Waits};

/// The result of a run: every statistic with the 95 % half-width of its confidence interval
/// over replications — counts as means, ratios and wait percentiles pooled over every
/// replication's calls (the per-call figures).
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
    /// Per call type (and within it, per tier).
    pub call_types: Vec<TypeBlock>,
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

/// A call type's statistics, with its tiers' (when it has tiers).
#[derive(Debug, Clone, Serialize)]
pub struct TypeBlock {
    /// The call type's name.
    pub name: String,
    /// The type's service-level threshold, seconds (types without tiers).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub service_level_threshold_s: Option<f64>,
    /// The service-level target the type is held to, if the scenario sets one: the type's
    /// own (types without tiers), else the scenario-wide `[service_level]` target.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub service_level_target: Option<f64>,
    /// All of the type's calls.
    #[serde(flatten)]
    pub block: CallBlock,
    /// Per customer tier (absent for types without tiers).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub tiers: Vec<TierBlock>,
}

/// One customer tier's statistics.
#[derive(Debug, Clone, Serialize)]
pub struct TierBlock {
    /// The tier's name.
    pub name: String,
    /// The tier's service-level threshold, seconds.
    pub service_level_threshold_s: f64,
    /// The tier's service-level target, if the scenario sets one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub service_level_target: Option<f64>,
    /// The tier's calls.
    #[serde(flatten)]
    pub block: CallBlock,
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
    /// Calls that found every line (trunk) busy.
    pub blocked: Stat,
    /// Calls that completed in self-service in the IVR.
    pub deflected: Stat,
    /// Offered calls that were a caller's first attempt (not a retrial, transfer, repeat
    /// call or callback job): the unique callers.
    pub first_attempts: Stat,
    /// Offered calls that were second or later attempts after a busy signal or hanging up.
    pub retrials: Stat,
    /// Offered calls that came by transfer from another call type.
    pub transfers_in: Stat,
    /// Offered calls that were repeat calls (the first contact did not resolve the issue).
    pub repeats: Stat,
    /// Answered calls transferred to another call type after the talk.
    pub transferred: Stat,
    /// Answered calls whose issue was not resolved (the caller calls again later).
    pub unresolved: Stat,
    /// Calls that took a callback instead of waiting (the callback itself is a contact of
    /// the type's `callback` class).
    pub callbacks: Stat,
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
    /// Average number of agents on the floor (scheduled, less shrinkage and breaks; plus
    /// agents finishing a call after their shift).
    pub staffed_agents: Stat,
    /// Average number of agents scheduled.
    pub scheduled_agents: Stat,
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
    /// Per call type (and within it, per tier).
    pub call_types: Vec<TypeBlock>,
    /// Per agent group.
    pub agent_groups: Vec<Named<GroupBlock>>,
}

impl CallBlock {
    /// The summary of one block's per-replication measures; `pooled` holds the waits of the
    /// block's answered calls in all of them, `batches` per batch of replications
    /// ([`crate::stats::wait_batch`]).
    pub fn summarise(reps: &[&CallMeasures], pooled: &Waits, batches: &[Waits]) -> CallBlock {
        let mut fold = CallFold::default();
        reps.iter()
            .for_each(|m| fold.add(m, usize::MAX, reps.len()));
        batches.iter().for_each(|b| fold.add_batch(b));
        fold.finish(pooled)
    }
}

impl CallBlock {
    /// Every statistic by its JSON key (`wait_s.p90` for percentiles), in report order.
    pub fn stats(&self) -> Vec<(&'static str, &Stat)> {
        vec![
            ("offered", &self.offered),
            ("answered", &self.answered),
            ("abandoned", &self.abandoned),
            ("unserved", &self.unserved),
            ("blocked", &self.blocked),
            ("deflected", &self.deflected),
            ("first_attempts", &self.first_attempts),
            ("retrials", &self.retrials),
            ("transfers_in", &self.transfers_in),
            ("repeats", &self.repeats),
            ("transferred", &self.transferred),
            ("unresolved", &self.unresolved),
            ("callbacks", &self.callbacks),
            ("service_level", &self.service_level),
            ("abandon_rate", &self.abandon_rate),
            ("p_wait", &self.p_wait),
            ("asa_s", &self.asa_s),
            ("aht_s", &self.aht_s),
            ("occupancy", &self.occupancy),
            ("wait_s.p50", &self.wait_s.p50),
            ("wait_s.p80", &self.wait_s.p80),
            ("wait_s.p90", &self.wait_s.p90),
            ("wait_s.p95", &self.wait_s.p95),
            ("wait_s.p99", &self.wait_s.p99),
            ("wait_s.max", &self.wait_s.max),
        ]
    }

    /// For a block of paired differences: per statistic, whether its 95 % interval excludes
    /// zero.
    pub fn significance(&self) -> std::collections::BTreeMap<String, bool> {
        self.stats()
            .into_iter()
            .map(|(key, s)| {
                let significant = matches!((s.mean, s.ci95), (Some(m), Some(h)) if m.abs() > h);
                (key.to_owned(), significant)
            })
            .collect()
    }
}

impl Report {
    /// The report of `model` from its replications' measures (in replication order).
    pub fn new(model: &Model, reps: &[ReplicationMeasures]) -> Report {
        let mut fold = ReportFold::new(model, usize::MAX, reps.len());
        reps.iter().for_each(|r| fold.add(r));
        fold.finish()
    }

    /// The report as one pretty-printed JSON document.
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).expect("a report always serialises")
    }
}
