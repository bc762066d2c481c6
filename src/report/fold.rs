//! A [`Report`] built one replication at a time, so a run keeps a summary, not every
//! replication's measures.
//!
//! [`ReportFold`] mirrors [`ReplicationMeasures`]: one [`BlockFold`] for every block the
//! report shows. Each keeps its statistics' values, one row per replication, for up to
//! `keep` replications, and [`Stat::of`] summarises them exactly; past `keep` it replaces
//! them by one [`RunningStat`] per statistic. Replications are added in replication order,
//! so either way the report depends on the model and the seed only, never on threads.

use super::{
    CallBlock, GroupBlock, IntervalBlock, Named, Report, TierBlock, TypeBlock, WaitPercentiles,
};
use crate::model::Model;
use crate::stats::{CallMeasures, GroupMeasures, ReplicationMeasures, RunningStat, Stat};

/// Statistics of a call block, in [`call_values`] order.
const CALL_STATS: usize = 25;
/// Statistics of a group block, in [`group_values`] order.
const GROUP_STATS: usize = 4;

/// One replication's values of a call block's statistics.
fn call_values(m: &CallMeasures) -> [Option<f64>; CALL_STATS] {
    let w = &m.wait_s;
    [
        Some(m.offered),
        Some(m.answered),
        Some(m.abandoned),
        Some(m.unserved),
        Some(m.blocked),
        Some(m.deflected),
        Some(m.offered - m.retrials - m.transfers_in - m.repeats - m.callback_jobs),
        Some(m.retrials),
        Some(m.transfers_in),
        Some(m.repeats),
        Some(m.transferred),
        Some(m.unresolved),
        Some(m.callbacks),
        m.service_level,
        m.abandon_rate,
        m.p_wait,
        m.asa_s,
        m.aht_s,
        m.occupancy,
        w[0],
        w[1],
        w[2],
        w[3],
        w[4],
        w[5],
    ]
}

/// The call block of summaries in [`call_values`] order.
fn call_block(s: [Stat; CALL_STATS]) -> CallBlock {
    CallBlock {
        offered: s[0],
        answered: s[1],
        abandoned: s[2],
        unserved: s[3],
        blocked: s[4],
        deflected: s[5],
        first_attempts: s[6],
        retrials: s[7],
        transfers_in: s[8],
        repeats: s[9],
        transferred: s[10],
        unresolved: s[11],
        callbacks: s[12],
        service_level: s[13],
        abandon_rate: s[14],
        p_wait: s[15],
        asa_s: s[16],
        aht_s: s[17],
        occupancy: s[18],
        wait_s: WaitPercentiles {
            p50: s[19],
            p80: s[20],
            p90: s[21],
            p95: s[22],
            p99: s[23],
            max: s[24],
        },
    }
}

/// One replication's values of a group block's statistics.
fn group_values(m: &GroupMeasures) -> [Option<f64>; GROUP_STATS] {
    [
        Some(m.answered),
        m.occupancy,
        Some(m.staffed_agents),
        Some(m.scheduled_agents),
    ]
}

/// The values of `N` statistics of one block: kept (one row per replication, with a bit per
/// statistic that is defined), or folded into running summaries past `keep` rows.
#[derive(Debug, Clone)]
struct BlockFold<const N: usize> {
    rows: Vec<[f64; N]>,
    defined: Vec<u32>,
    running: Option<Box<[RunningStat; N]>>,
}

impl<const N: usize> Default for BlockFold<N> {
    fn default() -> Self {
        BlockFold {
            rows: Vec::new(),
            defined: Vec::new(),
            running: None,
        }
    }
}

impl<const N: usize> BlockFold<N> {
    /// Adds the next replication's values; `rows` is how many rows to make room for at
    /// once (the replications expected, at most `keep`).
    fn add(&mut self, values: [Option<f64>; N], keep: usize, rows: usize) {
        debug_assert!(N <= 32, "one bit per statistic in a u32");
        if let Some(running) = &mut self.running {
            running.iter_mut().zip(values).for_each(|(r, v)| r.add(v));
        } else if self.rows.len() < keep {
            if self.rows.capacity() == 0 {
                self.rows.reserve_exact(rows.clamp(1, keep));
                self.defined.reserve_exact(rows.clamp(1, keep));
            }
            let mut defined = 0u32;
            for (i, v) in values.iter().enumerate() {
                defined |= (v.is_some() as u32) << i;
            }
            self.rows.push(values.map(|v| v.unwrap_or(0.0)));
            self.defined.push(defined);
        } else {
            let mut running = Box::new([RunningStat::default(); N]);
            for i in 0..self.rows.len() {
                for (s, r) in running.iter_mut().enumerate() {
                    r.add(self.value(i, s));
                }
            }
            running.iter_mut().zip(values).for_each(|(r, v)| r.add(v));
            self.running = Some(running);
            self.rows = Vec::new();
            self.defined = Vec::new();
        }
    }

    /// Statistic `s` of kept row `i`.
    fn value(&self, i: usize, s: usize) -> Option<f64> {
        (self.defined[i] >> s & 1 == 1).then(|| self.rows[i][s])
    }

    fn finish(&self) -> [Stat; N] {
        match &self.running {
            Some(running) => running.map(|r| r.finish()),
            None => {
                std::array::from_fn(|s| Stat::of((0..self.rows.len()).map(|i| self.value(i, s))))
            }
        }
    }

    fn heap_bytes(&self) -> usize {
        self.rows.capacity() * std::mem::size_of::<[f64; N]>()
            + self.defined.capacity() * std::mem::size_of::<u32>()
    }
}

/// A call block's statistics, folded.
#[derive(Debug, Clone, Default)]
pub struct CallFold(BlockFold<CALL_STATS>);

impl CallFold {
    /// Adds the next replication's measures of the block, keeping values for up to `keep`
    /// replications (room is made for `rows` at once).
    pub fn add(&mut self, m: &CallMeasures, keep: usize, rows: usize) {
        self.0.add(call_values(m), keep, rows);
    }

    /// The block's summary.
    pub fn finish(&self) -> CallBlock {
        call_block(self.0.finish())
    }

    fn heap_bytes(&self) -> usize {
        self.0.heap_bytes()
    }
}

/// A group block's statistics, folded.
#[derive(Debug, Clone, Default)]
struct GroupFold(BlockFold<GROUP_STATS>);

impl GroupFold {
    fn add(&mut self, m: &GroupMeasures, keep: usize, rows: usize) {
        self.0.add(group_values(m), keep, rows);
    }

    fn finish(&self) -> GroupBlock {
        let [answered, occupancy, staffed_agents, scheduled_agents] = self.0.finish();
        GroupBlock {
            answered,
            occupancy,
            staffed_agents,
            scheduled_agents,
        }
    }

    fn heap_bytes(&self) -> usize {
        self.0.heap_bytes()
    }
}

/// The blocks of one span (the day or one interval): total, types, named classes, groups.
#[derive(Debug, Clone)]
struct SpanFold {
    total: CallFold,
    call_types: Vec<CallFold>,
    /// Only classes the report names (tiers and callbacks); `None` for the others.
    classes: Vec<Option<CallFold>>,
    groups: Vec<GroupFold>,
}

impl SpanFold {
    fn new(model: &Model) -> SpanFold {
        SpanFold {
            total: CallFold::default(),
            call_types: vec![CallFold::default(); model.call_types.len()],
            classes: model
                .classes
                .iter()
                .map(|c| c.tier.is_some().then(CallFold::default))
                .collect(),
            groups: vec![GroupFold::default(); model.groups.len()],
        }
    }

    fn add(
        &mut self,
        total: &CallMeasures,
        call_types: &[CallMeasures],
        classes: &[CallMeasures],
        groups: &[GroupMeasures],
        (keep, rows): (usize, usize),
    ) {
        self.total.add(total, keep, rows);
        for (fold, m) in self.call_types.iter_mut().zip(call_types) {
            fold.add(m, keep, rows);
        }
        for (fold, m) in self.classes.iter_mut().zip(classes) {
            if let Some(fold) = fold {
                fold.add(m, keep, rows);
            }
        }
        for (fold, m) in self.groups.iter_mut().zip(groups) {
            fold.add(m, keep, rows);
        }
    }

    fn heap_bytes(&self) -> usize {
        self.total.heap_bytes()
            + self
                .call_types
                .iter()
                .map(CallFold::heap_bytes)
                .sum::<usize>()
            + self
                .classes
                .iter()
                .flatten()
                .map(CallFold::heap_bytes)
                .sum::<usize>()
            + self.groups.iter().map(GroupFold::heap_bytes).sum::<usize>()
    }

    /// Per call type (with its tiers), named.
    fn type_blocks(&self, model: &Model) -> Vec<TypeBlock> {
        model
            .call_types
            .iter()
            .enumerate()
            .map(|(t, ct)| {
                // Tiers, and the callback class: every class with a name of its own.
                let tiers = ct
                    .classes
                    .clone()
                    .filter_map(|c| {
                        let class = &model.classes[c as usize];
                        let fold = self.classes[c as usize].as_ref()?;
                        Some(TierBlock {
                            name: class.tier.clone().unwrap_or_default(),
                            service_level_threshold_s: class.threshold.as_seconds(),
                            service_level_target: class.target,
                            block: fold.finish(),
                        })
                    })
                    .collect();
                let first = &model.classes[ct.classes.start as usize];
                let single = first.tier.is_none().then_some(first);
                TypeBlock {
                    name: ct.name.clone(),
                    service_level_threshold_s: single.map(|c| c.threshold.as_seconds()),
                    // The target the type is held to (as `staff` applies it): its own,
                    // else the scenario-wide one.
                    service_level_target: single
                        .and_then(|c| c.target)
                        .or(model.targets.service_level),
                    block: self.call_types[t].finish(),
                    tiers,
                }
            })
            .collect()
    }

    /// Per agent group, named.
    fn group_blocks(&self, model: &Model) -> Vec<Named<GroupBlock>> {
        model
            .groups
            .iter()
            .zip(&self.groups)
            .map(|(group, fold)| Named {
                name: group.name.clone(),
                block: fold.finish(),
            })
            .collect()
    }
}

/// A report under construction: the summaries of the replications added so far.
#[derive(Debug, Clone)]
pub struct ReportFold<'m> {
    model: &'m Model,
    keep: usize,
    /// Replications expected (room is made for this many kept values at once).
    expected: usize,
    replications: u32,
    day: SpanFold,
    /// Per reported interval: its index in the model and its blocks (set by the first
    /// replication).
    intervals: Vec<(u32, SpanFold)>,
}

impl<'m> ReportFold<'m> {
    /// An empty report of `model` that keeps each statistic's values (exact two-pass
    /// summaries) for up to `keep` replications, and folds them as they come beyond;
    /// `expected` replications are expected.
    pub fn new(model: &'m Model, keep: usize, expected: usize) -> ReportFold<'m> {
        ReportFold {
            model,
            keep,
            expected,
            replications: 0,
            day: SpanFold::new(model),
            intervals: Vec::new(),
        }
    }

    /// How many statistics one replication adds to a report of `model`.
    pub fn values_per_replication(model: &Model) -> usize {
        let named_classes = model.classes.iter().filter(|c| c.tier.is_some()).count();
        let call_blocks = 1 + model.call_types.len() + named_classes;
        let spans = 1 + (model.intervals - model.first_reported_interval()) as usize;
        spans * (call_blocks * CALL_STATS + model.groups.len() * GROUP_STATS)
    }

    /// Adds the next replication (replications must come in replication order).
    pub fn add(&mut self, r: &ReplicationMeasures) {
        let keep = (self.keep, self.expected);
        if self.replications == 0 {
            self.intervals = r
                .intervals
                .iter()
                .map(|i| (i.interval, SpanFold::new(self.model)))
                .collect();
        }
        self.replications += 1;
        self.day
            .add(&r.total, &r.call_types, &r.classes, &r.groups, keep);
        for ((_, fold), i) in self.intervals.iter_mut().zip(&r.intervals) {
            fold.add(&i.total, &i.call_types, &i.classes, &i.groups, keep);
        }
    }

    /// Heap bytes held by kept values (what grows with the replications).
    pub fn kept_bytes(&self) -> usize {
        self.day.heap_bytes()
            + self
                .intervals
                .iter()
                .map(|(_, f)| f.heap_bytes())
                .sum::<usize>()
    }

    /// The report of the replications added.
    pub fn finish(&self) -> Report {
        let model = self.model;
        let intervals = self
            .intervals
            .iter()
            .map(|(k, fold)| IntervalBlock {
                start_s: model.interval_start(*k).as_seconds(),
                start: model.interval_label(*k),
                total: fold.total.finish(),
                call_types: fold.type_blocks(model),
                agent_groups: fold.group_blocks(model),
            })
            .collect();
        Report {
            scenario: model.name.clone(),
            replications: self.replications,
            seed: model.seed,
            service_level_threshold_s: model.service_level_threshold.as_seconds(),
            total: self.day.total.finish(),
            call_types: self.day.type_blocks(model),
            agent_groups: self.day.group_blocks(model),
            intervals,
        }
    }
}
