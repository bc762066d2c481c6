//! Replications for the search and for its validation, on streams that never overlap.
//!
//! The search judges every staffing on replications `0, 1, 2, …` of the model's seed (common
//! random numbers: the same callers for every staffing it tries). A validation re-simulates
//! the answer on replications numbered from [`VALIDATION_FIRST`], a block per round, so its
//! callers are independent of every caller the search saw.

use rayon::prelude::*;

use crate::model::Model;
use crate::routing::{Acd, SkillPriority};
use crate::stats::ReplicationMeasures;

/// The first replication number of validation round 0.
pub const VALIDATION_FIRST: u32 = 1 << 31;

/// Replication numbers per validation round: more than any replication budget.
pub const VALIDATION_ROUND: u32 = 1 << 24;

/// Which replications a staffing is judged on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stream {
    /// The search's own replications, `0, 1, 2, …`.
    Search,
    /// Validation round `r`: replications `VALIDATION_FIRST + r × VALIDATION_ROUND + i`.
    Validation(u32),
}

impl Stream {
    /// The replication number of the `i`-th replication of the stream.
    pub fn replication(self, i: u32) -> u32 {
        match self {
            Stream::Search => i,
            Stream::Validation(round) => VALIDATION_FIRST + round * VALIDATION_ROUND + i,
        }
    }
}

/// Runs replications in parallel on a fixed number of threads.
pub struct Runner {
    pool: Option<rayon::ThreadPool>,
}

impl Runner {
    /// A runner on `threads` worker threads (default: rayon's global pool).
    pub fn new(threads: Option<usize>) -> Runner {
        Runner {
            pool: threads.and_then(|n| rayon::ThreadPoolBuilder::new().num_threads(n).build().ok()),
        }
    }

    /// The measures of replications `range` of `stream` of `model`, in order, under the
    /// model's own routing.
    pub fn run(
        &self,
        model: &Model,
        stream: Stream,
        range: std::ops::Range<u32>,
    ) -> Vec<ReplicationMeasures> {
        let one = |i: u32| {
            let replication = stream.replication(i);
            if model.routing.is_plain_skill_priority() {
                crate::engine::simulate(model, SkillPriority::new(model), replication)
                    .measures_without_waits(model)
            } else {
                crate::engine::simulate(model, Acd::new(model), replication)
                    .measures_without_waits(model)
            }
        };
        let all = || range.clone().into_par_iter().map(one).collect::<Vec<_>>();
        match &self.pool {
            Some(pool) => pool.install(all),
            None => all(),
        }
    }
}

/// The model with `agents` (`[group][interval]`) as its staffing.
pub fn staffed(model: &Model, agents: &[Vec<u32>]) -> Model {
    let mut model = model.clone();
    for (group, a) in model.groups.iter_mut().zip(agents) {
        group.agents_by_interval.clone_from(a);
    }
    model
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn validation_streams_never_meet_the_search_or_each_other() {
        let budget = 1_000_000;
        assert!(Stream::Search.replication(budget) < Stream::Validation(0).replication(0));
        assert!(Stream::Validation(0).replication(budget) < Stream::Validation(1).replication(0));
        assert!(Stream::Validation(100).replication(budget) > VALIDATION_FIRST);
    }
}
