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
use crate::stats::{
    paired_ratio_difference, sectioning_half_width, wait_percentiles, CallMeasures, GroupMeasures,
    RatioStat, ReplicationMeasures, RunningStat, Stat, WaitGrid, Waits,
};

/// Per-replication values a call block keeps, in [`call_values`] order: the counts, then
/// the longest wait.
const CALL_VALUES: usize = 14;
/// The wait percentiles reported below the maximum (p50 … p99).
const PERCENTILES: usize = 5;
/// Per-replication values a group block keeps, in [`group_values`] order.
const GROUP_VALUES: usize = 3;
/// Ratios of a call block, in [`call_ratios`] order.
const CALL_RATIOS: usize = 6;

/// One replication's counts and longest wait of a call block.
fn call_values(m: &CallMeasures) -> [Option<f64>; CALL_VALUES] {
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
        m.longest_wait_s,
    ]
}

/// One replication's numerator and denominator of each ratio of a call block: service
/// level, abandon rate, P(wait), ASA, AHT, occupancy.
fn call_ratios(m: &CallMeasures) -> [(f64, f64); CALL_RATIOS] {
    let ended = m.answered + m.abandoned + m.unserved;
    [
        (m.answered_within_threshold, ended),
        (m.abandoned, ended),
        (m.queued, ended),
        (m.wait_sum_s, m.answered),
        (m.handle_sum_s, m.answered),
        (m.busy_s, m.capacity_s),
    ]
}

/// The call block of summaries: counts in [`call_values`] order, ratios in [`call_ratios`]
/// order, the pooled wait percentiles and the mean longest wait.
fn call_block(
    s: &[Stat; CALL_VALUES],
    r: [Stat; CALL_RATIOS],
    p: [Stat; PERCENTILES],
) -> CallBlock {
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
        service_level: r[0],
        abandon_rate: r[1],
        p_wait: r[2],
        asa_s: r[3],
        aht_s: r[4],
        occupancy: r[5],
        wait_s: WaitPercentiles {
            p50: p[0],
            p80: p[1],
            p90: p[2],
            p95: p[3],
            p99: p[4],
            max: s[13],
        },
    }
}

/// One replication's values of a group block: calls answered, agents on the floor, agents
/// scheduled.
fn group_values(m: &GroupMeasures) -> [Option<f64>; GROUP_VALUES] {
    [
        Some(m.answered),
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

/// A call block's statistics, folded: counts and the longest wait as means over
/// replications, ratios pooled ([`RatioStat`]), percentiles read from the block's waits
/// pooled over replications (kept by the caller) with a sectioning interval from each batch
/// of replications' own pooled percentiles ([`crate::stats::WAIT_BATCHES`]).
#[derive(Debug, Clone, Default)]
pub struct CallFold {
    values: BlockFold<CALL_VALUES>,
    ratios: [RatioStat; CALL_RATIOS],
    /// Per batch of replications finished, the percentiles of its calls' waits.
    batches: Vec<[Option<f64>; PERCENTILES]>,
}

impl CallFold {
    /// Adds the next replication's measures of the block, keeping values for up to `keep`
    /// replications (room is made for `rows` at once).
    pub fn add(&mut self, m: &CallMeasures, keep: usize, rows: usize) {
        self.values.add(call_values(m), keep, rows);
        for (ratio, (x, n)) in self.ratios.iter_mut().zip(call_ratios(m)) {
            ratio.add(x, n);
        }
    }

    /// Adds the next batch of replications: the waits of the block's answered calls in it.
    pub fn add_batch(&mut self, waits: &Waits) {
        self.batches.push(percentiles_of(waits));
    }

    /// The block's summary; `pooled` holds the waits of the block's answered calls in every
    /// replication added.
    pub fn finish(&self, pooled: &Waits) -> CallBlock {
        let centers = percentiles_of(pooled);
        let percentiles = std::array::from_fn(|p| {
            pooled_percentile(centers[p], self.batches.iter().map(|b| b[p]))
        });
        call_block(
            &self.values.finish(),
            self.ratios.map(|r| r.finish()),
            percentiles,
        )
    }

    /// Heap bytes of kept values (the batches' percentiles, at most
    /// [`crate::stats::WAIT_BATCHES`], do not grow with the replications).
    fn heap_bytes(&self) -> usize {
        self.values.heap_bytes()
    }
}

/// The percentiles below the maximum of `waits`.
fn percentiles_of(waits: &Waits) -> [Option<f64>; PERCENTILES] {
    let all = wait_percentiles(waits);
    std::array::from_fn(|p| all[p])
}

/// A pooled percentile `center` with the sectioning half-width of the batches' own.
fn pooled_percentile(center: Option<f64>, batches: impl Iterator<Item = Option<f64>>) -> Stat {
    match center {
        Some(center) => {
            let (n, squares) = batches.flatten().fold((0, 0.0), |(n, sum), q| {
                (n + 1, sum + (q - center) * (q - center))
            });
            Stat {
                mean: Some(center),
                ci95: Some(sectioning_half_width(n, squares)),
            }
        }
        None => Stat {
            mean: None,
            ci95: None,
        },
    }
}

/// The paired difference of a call block between two alternatives run on the same
/// replications, `a − b`: counts and longest waits as means of the replications' differences,
/// ratios as the difference of the pooled ratios ([`paired_ratio_difference`]), percentiles
/// as the difference of the pooled percentiles with a sectioning interval from each batch's
/// own difference. `*_waits` are each alternative's waits of the block: pooled, and per
/// batch of replications.
pub fn paired_difference(
    (a, a_pooled, a_batches): (&[&CallMeasures], &Waits, &[Waits]),
    (b, b_pooled, b_batches): (&[&CallMeasures], &Waits, &[Waits]),
) -> CallBlock {
    let mut differences = BlockFold::<CALL_VALUES>::default();
    for (x, y) in a.iter().zip(b) {
        differences.add(call_values(&x.minus(y)), usize::MAX, a.len());
    }
    let parts: Vec<_> = a
        .iter()
        .zip(b)
        .map(|(x, y)| (call_ratios(x), call_ratios(y)))
        .collect();
    let ratios = std::array::from_fn(|i| {
        let pairs: Vec<_> = parts.iter().map(|(x, y)| (x[i], y[i])).collect();
        paired_ratio_difference(&pairs)
    });
    let (ca, cb) = (percentiles_of(a_pooled), percentiles_of(b_pooled));
    let batches: Vec<_> = a_batches
        .iter()
        .zip(b_batches)
        .map(|(x, y)| (percentiles_of(x), percentiles_of(y)))
        .collect();
    let percentiles = std::array::from_fn(|p| {
        let center = ca[p].zip(cb[p]).map(|(qa, qb)| qa - qb);
        pooled_percentile(center, batches.iter().map(|(x, y)| Some(x[p]? - y[p]?)))
    });
    call_block(&differences.finish(), ratios, percentiles)
}

/// A group block's statistics, folded: counts and agents as means, occupancy pooled.
#[derive(Debug, Clone, Default)]
struct GroupFold {
    values: BlockFold<GROUP_VALUES>,
    occupancy: RatioStat,
}

impl GroupFold {
    fn add(&mut self, m: &GroupMeasures, keep: usize, rows: usize) {
        self.values.add(group_values(m), keep, rows);
        self.occupancy.add(m.busy_s, m.capacity_s);
    }

    fn finish(&self) -> GroupBlock {
        let [answered, staffed_agents, scheduled_agents] = self.values.finish();
        GroupBlock {
            answered,
            occupancy: self.occupancy.finish(),
            staffed_agents,
            scheduled_agents,
        }
    }

    fn heap_bytes(&self) -> usize {
        self.values.heap_bytes()
    }
}

/// The pooled waits of every call block of one span: per class, per call type, all.
pub(crate) struct SpanWaits {
    /// Per call class (tier).
    pub classes: Vec<Waits>,
    /// Per call type.
    pub types: Vec<Waits>,
    /// All calls.
    pub total: Waits,
}

impl SpanWaits {
    /// The waits of the span made of the grid's intervals `intervals`.
    pub fn of(model: &Model, grid: &WaitGrid, intervals: std::ops::Range<usize>) -> SpanWaits {
        // A grid without cells (no replication yet) holds no waits.
        let intervals = intervals.start.min(grid.intervals())..intervals.end.min(grid.intervals());
        let classes: Vec<Waits> = (0..model.classes.len())
            .map(|c| {
                let mut sum = Waits::default();
                intervals.clone().for_each(|i| sum.add(grid.cell(i, c)));
                sum
            })
            .collect();
        let types = model
            .call_types
            .iter()
            .map(|t| {
                let mut sum = Waits::default();
                t.classes
                    .clone()
                    .for_each(|c| sum.add(&classes[c as usize]));
                sum
            })
            .collect();
        let mut total = Waits::default();
        classes.iter().for_each(|w| total.add(w));
        SpanWaits {
            classes,
            types,
            total,
        }
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

    /// Adds the next batch of replications: the waits of each block's answered calls in it.
    fn add_batch(&mut self, waits: &SpanWaits) {
        self.total.add_batch(&waits.total);
        for (fold, w) in self.call_types.iter_mut().zip(&waits.types) {
            fold.add_batch(w);
        }
        for (fold, w) in self.classes.iter_mut().zip(&waits.classes) {
            if let Some(fold) = fold {
                fold.add_batch(w);
            }
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
    fn type_blocks(&self, model: &Model, waits: &SpanWaits) -> Vec<TypeBlock> {
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
                            block: fold.finish(&waits.classes[c as usize]),
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
                    block: self.call_types[t].finish(&waits.types[t]),
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
    /// The waits of the answered calls of every batch of replications finished, per
    /// reported interval and class.
    waits: WaitGrid,
    /// The batch of replications being added: its index, and its waits so far.
    batch: (u64, WaitGrid),
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
            waits: WaitGrid::default(),
            batch: (0, WaitGrid::default()),
        }
    }

    /// How many values one replication adds to a report of `model` (kept up to `keep`).
    pub fn values_per_replication(model: &Model) -> usize {
        let (spans, call_blocks, groups) = Self::blocks(model);
        spans * (call_blocks * CALL_VALUES + groups * GROUP_VALUES)
    }

    /// How many statistics a report of `model` holds (its figures, each with a half-width).
    pub fn statistics(model: &Model) -> usize {
        let (spans, call_blocks, groups) = Self::blocks(model);
        let per_call_block = CALL_VALUES + CALL_RATIOS + PERCENTILES;
        spans * (call_blocks * per_call_block + groups * (GROUP_VALUES + 1))
    }

    /// The spans (the day and each reported interval), and the call blocks and group blocks
    /// of each.
    fn blocks(model: &Model) -> (usize, usize, usize) {
        let named_classes = model.classes.iter().filter(|c| c.tier.is_some()).count();
        let call_blocks = 1 + model.call_types.len() + named_classes;
        let spans = 1 + (model.intervals - model.first_reported_interval()) as usize;
        (spans, call_blocks, model.groups.len())
    }

    /// Adds the next replication (replications must come in replication order), with the
    /// waits it carries (measures read back from a part carry none: the parts' waits come
    /// through [`ReportFold::add_batch`]).
    pub fn add(&mut self, r: &ReplicationMeasures) {
        let keep = (self.keep, self.expected);
        if self.replications == 0 {
            self.intervals = r
                .intervals
                .iter()
                .map(|i| (i.interval, SpanFold::new(self.model)))
                .collect();
        }
        if !r.waits.is_empty() {
            let batch = crate::stats::wait_batch(self.replications.into(), self.expected as u64);
            if batch != self.batch.0 {
                self.end_batch();
                self.batch.0 = batch;
            }
            self.batch
                .1
                .add(&r.waits)
                .expect("a model's replications have waits of one shape");
        }
        self.replications += 1;
        self.day
            .add(&r.total, &r.call_types, &r.classes, &r.groups, keep);
        for ((_, fold), i) in self.intervals.iter_mut().zip(&r.intervals) {
            fold.add(&i.total, &i.call_types, &i.classes, &i.groups, keep);
        }
    }

    /// Adds the waits of the next batch of replications (those [`crate::stats::wait_batch`]
    /// puts together), pooled: what parts keep, since measures read back from a part carry no
    /// waits. Batches must come in order, after the replications' measures.
    pub fn add_batch(&mut self, waits: &WaitGrid) -> Result<(), String> {
        self.end_batch();
        self.batch.1.add(waits)?;
        self.end_batch();
        Ok(())
    }

    /// Ends the batch being added: every block's percentiles of its calls' waits, and its
    /// waits into the pool.
    fn end_batch(&mut self) {
        let batch = std::mem::take(&mut self.batch.1);
        if batch.is_empty() {
            return;
        }
        // With one batch there is no spread to measure (the interval is 0 either way): its
        // percentiles would be the pooled ones, read at `finish`.
        if crate::stats::WAIT_BATCHES.min(self.expected as u64) >= 2 {
            let model = self.model;
            self.day
                .add_batch(&SpanWaits::of(model, &batch, 0..batch.intervals()));
            for (i, (_, fold)) in self.intervals.iter_mut().enumerate() {
                fold.add_batch(&SpanWaits::of(model, &batch, i..i + 1));
            }
        }
        self.waits
            .add(&batch)
            .expect("a model's replications have waits of one shape");
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

    /// The report of the replications added, and their waits pooled per reported interval and
    /// call class.
    pub fn finish_with_waits(mut self) -> (Report, WaitGrid) {
        self.end_batch();
        let report = self.report();
        (report, self.waits)
    }

    /// The report of the replications added.
    pub fn finish(mut self) -> Report {
        self.end_batch();
        self.report()
    }

    /// The report, once every batch has ended.
    fn report(&self) -> Report {
        let model = self.model;
        let intervals = self
            .intervals
            .iter()
            .enumerate()
            .map(|(i, (k, fold))| {
                let waits = SpanWaits::of(model, &self.waits, i..i + 1);
                IntervalBlock {
                    start_s: model.interval_start(*k).as_seconds(),
                    start: model.interval_label(*k),
                    total: fold.total.finish(&waits.total),
                    call_types: fold.type_blocks(model, &waits),
                    agent_groups: fold.group_blocks(model),
                }
            })
            .collect();
        let day = SpanWaits::of(model, &self.waits, 0..self.intervals.len());
        Report {
            scenario: model.name.clone(),
            replications: self.replications,
            seed: model.seed,
            service_level_threshold_s: model.service_level_threshold.as_seconds(),
            total: self.day.total.finish(&day.total),
            call_types: self.day.type_blocks(model, &day),
            agent_groups: self.day.group_blocks(model),
            intervals,
        }
    }
}
