//! Comparing alternatives (routing policies, staffings, any two scenarios) on common random
//! numbers: every alternative sees the same callers in every replication, and differences
//! are paired replication by replication.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::model::Model;
use crate::report::{paired_difference, CallBlock, SpanWaits};
use crate::stats::{CallMeasures, ReplicationMeasures, WaitGrid, Waits};

/// One alternative: a name and the model it runs.
#[derive(Debug, Clone)]
pub struct Alternative {
    /// How the output names it (a policy, a file).
    pub name: String,
    /// The model; its seed and replications must equal the other alternatives'.
    pub model: Model,
}

impl Alternative {
    /// Whether `other` sees this alternative's callers: callers are drawn per call type by
    /// its position, so both need the same call types in the same order.
    pub fn same_callers(&self, other: &Alternative) -> bool {
        self.model.call_types.len() == other.model.call_types.len()
            && self
                .model
                .call_types
                .iter()
                .zip(&other.model.call_types)
                .all(|(a, b)| a.name == b.name)
    }
}

/// Whether every alternative sees the first one's callers (see [`Alternative::same_callers`]).
pub fn all_on_the_same_callers(alternatives: &[Alternative]) -> bool {
    alternatives.iter().all(|a| {
        alternatives
            .first()
            .is_some_and(|first| first.same_callers(a))
    })
}

/// The result of a comparison: each alternative's figures, and each one's paired difference
/// against the first.
#[derive(Debug, Clone, Serialize)]
pub struct Comparison {
    /// Replications each alternative ran.
    pub replications: u32,
    /// The seed all alternatives shared.
    pub seed: u64,
    /// Each alternative's statistics.
    pub alternatives: Vec<AlternativeResult>,
    /// Alternative i minus the first, for i ≥ 1.
    pub differences: Vec<Difference>,
}

/// One alternative's statistics.
#[derive(Debug, Clone, Serialize)]
pub struct AlternativeResult {
    /// Its name.
    pub name: String,
    /// All calls: the keys of the run report's `total`.
    pub total: CallBlock,
    /// Per call type and per tier (`type/tier`).
    pub call_types: Vec<NamedBlock>,
}

/// A block of call statistics with the call type's (or `type/tier`'s) name.
#[derive(Debug, Clone, Serialize)]
pub struct NamedBlock {
    /// `type` or `type/tier`.
    pub name: String,
    /// Its statistics.
    #[serde(flatten)]
    pub block: CallBlock,
}

/// A paired difference, this alternative minus the first, on the same replications: counts
/// as means of the replications' differences, ratios and percentiles as differences of the
/// pooled figures, each with its paired 95 % interval.
#[derive(Debug, Clone, Serialize)]
pub struct Difference {
    /// `"B - A"`.
    pub name: String,
    /// Mean and 95 % half-width of the paired differences, with the keys of `total`.
    pub total: CallBlock,
    /// The same per call type and tier, for those both alternatives have.
    pub call_types: Vec<NamedBlock>,
    /// Per statistic: whether the 95 % interval excludes zero.
    pub significant: BTreeMap<String, bool>,
}

/// Runs every alternative on the same replications and seed and compares them.
///
/// The alternatives must agree on seed and replications (the caller sets them); the callers
/// are then the same in each replication whenever the alternatives share call types and
/// rates, because every random quantity comes from a stream of its own.
pub fn compare(alternatives: &[Alternative], threads: Option<usize>) -> Comparison {
    compare_with_progress(alternatives, threads, |_| ())
}

/// [`compare`], telling `done` how many replications (of all alternatives, one after the
/// other) are finished, for a progress bar. The comparison is [`compare`]'s.
pub fn compare_with_progress(
    alternatives: &[Alternative],
    threads: Option<usize>,
    mut done: impl FnMut(u32) + Send,
) -> Comparison {
    assert!(!alternatives.is_empty(), "at least one alternative");
    let mut finished = 0;
    let runs: Vec<Run> = alternatives
        .iter()
        .map(|a| {
            // Only the day's blocks are compared: keep those, not every interval's, and
            // pool the waits per batch of replications as they come.
            let total = u64::from(a.model.replications);
            let mut replications = Vec::with_capacity(a.model.replications as usize);
            let mut batches: Vec<WaitGrid> = Vec::new();
            crate::replicate_each(&a.model, threads, |rep| {
                let batch = crate::stats::wait_batch(replications.len() as u64, total);
                if batches.len() as u64 <= batch {
                    batches.push(WaitGrid::default());
                }
                batches[batch as usize]
                    .add(&rep.waits)
                    .expect("a model's replications have waits of one shape");
                replications.push(named_measures(&a.model, &rep));
                finished += 1;
                done(finished);
            });
            Run::new(&a.model, replications, &batches)
        })
        .collect();
    summarise(alternatives, &runs)
}

/// One alternative's replications: per replication its named day blocks, and per block the
/// waits of the answered calls pooled over every replication and per batch of replications.
struct Run {
    replications: Vec<Vec<(String, CallMeasures)>>,
    /// Per block.
    waits: Vec<Waits>,
    /// Per block, per batch.
    batches: Vec<Vec<Waits>>,
}

impl Run {
    /// The run of `model`'s `replications` whose waits per batch are `batches`.
    fn new(
        model: &Model,
        replications: Vec<Vec<(String, CallMeasures)>>,
        batches: &[WaitGrid],
    ) -> Run {
        // Per block, its waits in each batch.
        let mut by_block: Vec<Vec<Waits>> = Vec::new();
        for grid in batches {
            let blocks = named_waits(model, grid);
            by_block.resize_with(blocks.len(), Vec::new);
            for (block, waits) in by_block.iter_mut().zip(blocks) {
                block.push(waits);
            }
        }
        let batches = by_block;
        let waits = batches
            .iter()
            .map(|each| {
                let mut pooled = Waits::default();
                each.iter().for_each(|w| pooled.add(w));
                pooled
            })
            .collect();
        Run {
            replications,
            waits,
            batches,
        }
    }

    /// Block `i`: every replication's measures, the waits pooled, the waits per batch.
    fn block(&self, i: usize) -> (Vec<&CallMeasures>, &Waits, &[Waits]) {
        (
            self.replications.iter().map(|rep| &rep[i].1).collect(),
            &self.waits[i],
            &self.batches[i],
        )
    }
}

/// [`compare`] from measures simulated already (by the shards of a comparison, see
/// [`crate::shard`]): `measures(i)` are alternative `i`'s replications, in order, and
/// `waits(i)` their waits pooled. Gives exactly what [`compare`] gives for the same
/// alternatives.
pub fn compare_measures<'m>(
    alternatives: &[Alternative],
    measures: impl Fn(usize) -> &'m [&'m ReplicationMeasures],
    waits: impl Fn(usize) -> &'m [WaitGrid],
) -> Comparison {
    assert!(!alternatives.is_empty(), "at least one alternative");
    let runs: Vec<Run> = alternatives
        .iter()
        .enumerate()
        .map(|(i, a)| {
            let replications = measures(i)
                .iter()
                .map(|rep| named_measures(&a.model, rep))
                .collect();
            Run::new(&a.model, replications, waits(i))
        })
        .collect();
    summarise(alternatives, &runs)
}

/// The comparison of `runs`: per alternative, per replication, its named day blocks.
fn summarise(alternatives: &[Alternative], runs: &[Run]) -> Comparison {
    // Per alternative: the block names in order, and per name the per-replication measures.
    let names =
        |run: &Run| -> Vec<String> { run.replications[0].iter().map(|(n, _)| n.clone()).collect() };
    let results = alternatives
        .iter()
        .zip(runs)
        .map(|(a, run)| AlternativeResult {
            name: a.name.clone(),
            total: summary(run, 0),
            call_types: names(run)
                .into_iter()
                .enumerate()
                .skip(1)
                .map(|(i, name)| NamedBlock {
                    name,
                    block: summary(run, i),
                })
                .collect(),
        })
        .collect();
    let base_names = names(&runs[0]);
    let differences = alternatives
        .iter()
        .zip(runs)
        .skip(1)
        .map(|(a, run)| {
            let difference = |i: usize, j: usize| {
                let (a, a_pooled, a_batches) = run.block(i);
                let (b, b_pooled, b_batches) = runs[0].block(j);
                paired_difference((&a, a_pooled, a_batches), (&b, b_pooled, b_batches))
            };
            let total = difference(0, 0);
            let call_types = names(run)
                .into_iter()
                .enumerate()
                .skip(1)
                .filter_map(|(i, name)| {
                    let j = base_names.iter().position(|n| *n == name)?;
                    Some(NamedBlock {
                        block: difference(i, j),
                        name,
                    })
                })
                .collect();
            Difference {
                name: format!("{} - {}", a.name, alternatives[0].name),
                significant: total.significance(),
                total,
                call_types,
            }
        })
        .collect();
    Comparison {
        replications: alternatives[0].model.replications,
        seed: alternatives[0].model.seed,
        alternatives: results,
        differences,
    }
}

/// The summary of block `i` of a run.
fn summary(run: &Run, i: usize) -> CallBlock {
    let (measures, pooled, batches) = run.block(i);
    CallBlock::summarise(&measures, pooled, batches)
}

/// The pooled waits of the blocks [`named_measures`] names, in its order, from the waits
/// pooled per interval and class.
fn named_waits(model: &Model, grid: &WaitGrid) -> Vec<Waits> {
    let SpanWaits {
        mut classes,
        types,
        total,
    } = SpanWaits::of(model, grid, 0..grid.intervals());
    let mut blocks = vec![total];
    for (call_type, waits) in model.call_types.iter().zip(types) {
        blocks.push(waits);
        for c in call_type.classes.clone() {
            if model.classes[c as usize].tier.is_some() {
                // Each class belongs to one type: its waits are taken once.
                blocks.push(std::mem::take(&mut classes[c as usize]));
            }
        }
    }
    blocks
}

/// One replication's blocks by name: the total first, then each type and its tiers.
fn named_measures(model: &Model, rep: &ReplicationMeasures) -> Vec<(String, CallMeasures)> {
    let mut blocks = vec![("total".to_owned(), rep.total.clone())];
    for (t, call_type) in model.call_types.iter().enumerate() {
        blocks.push((call_type.name.clone(), rep.call_types[t].clone()));
        for c in call_type.classes.clone() {
            if model.classes[c as usize].tier.is_some() {
                blocks.push((model.class_name(c), rep.classes[c as usize].clone()));
            }
        }
    }
    blocks
}
