//! callsim: a contact-centre simulator.
//!
//! The life of a run:
//! 1. [`scenario::Source`] reads a TOML scenario and [`scenario::Source::load`] validates it
//!    into a [`model::Model`] (every error names the file, line, field and the fix);
//! 2. [`run`] simulates the model's replications in parallel with a routing policy
//!    ([`routing`]) on the discrete-event [`engine`], each replication on its own random
//!    streams;
//! 3. each replication's [`stats::Tally`] becomes [`stats::ReplicationMeasures`], and the
//!    [`report::Report`] summarises them as means with 95 % confidence intervals.
//!
//! ```
//! let model = callsim::scenario::Source::default_scenario().load().unwrap();
//! let report = callsim::run(&model, &callsim::RunOptions { replications: Some(2), threads: Some(1), ..Default::default() });
//! assert!(report.total.service_level.mean.unwrap() > 0.0);
//! ```

#![deny(missing_docs)]
#![forbid(unsafe_code)]

pub mod analytic;
pub mod compare;
pub mod dist;
pub mod engine;
pub mod fit;
pub mod live;
pub mod model;
pub mod report;
pub mod routing;
pub mod scenario;
pub mod staffing;
pub mod stats;
pub mod time;

use rayon::prelude::*;

use model::Model;
use report::Report;
use routing::{Acd, Router, SkillPriority};
use stats::ReplicationMeasures;

/// How to run a model; `None` keeps the scenario's (or the machine's) choice.
#[derive(Debug, Clone, Default)]
pub struct RunOptions {
    /// Replications to run instead of the scenario's.
    pub replications: Option<u32>,
    /// Seed to use instead of the scenario's.
    pub seed: Option<u64>,
    /// Worker threads (default: all cores). The result does not depend on it.
    pub threads: Option<usize>,
}

impl RunOptions {
    /// The model with the overrides applied.
    pub fn apply(&self, model: &Model) -> Model {
        let mut model = model.clone();
        if let Some(r) = self.replications {
            model.replications = r;
        }
        if let Some(s) = self.seed {
            model.seed = s;
        }
        model
    }
}

/// Runs every replication of `model` (with `options` applied) under the model's routing
/// policy and returns the report. The same model and seed give the same report, whatever the
/// number of threads.
pub fn run(model: &Model, options: &RunOptions) -> Report {
    let model = options.apply(model);
    let measures = replicate(&model, options.threads);
    Report::new(&model, &measures)
}

/// Runs replications `0..model.replications` under the model's own routing configuration
/// (the built-in policy it names), in replication order.
pub fn replicate(model: &Model, threads: Option<usize>) -> Vec<ReplicationMeasures> {
    if model.routing.is_plain_skill_priority() {
        run_replications(model, threads, SkillPriority::new)
    } else {
        run_replications(model, threads, Acd::new)
    }
}

/// Every call of one replication, in the order their outcomes became known, under the
/// model's routing: the raw material of a call log (and of a trace to replay).
pub fn call_log(model: &Model, replication: u32) -> Vec<engine::CallRecord> {
    fn log<R: Router>(model: &Model, router: R, replication: u32) -> Vec<engine::CallRecord> {
        engine::Simulation::observed(model, router, Vec::new(), replication)
            .finish_observed()
            .1
    }
    if model.routing.is_plain_skill_priority() {
        log(model, SkillPriority::new(model), replication)
    } else {
        log(model, Acd::new(model), replication)
    }
}

/// Runs replications `0..model.replications` in parallel, each with a fresh router from
/// `make_router`, and returns their measures in replication order.
pub fn run_replications<R, F>(
    model: &Model,
    threads: Option<usize>,
    make_router: F,
) -> Vec<ReplicationMeasures>
where
    R: Router,
    F: Fn(&Model) -> R + Sync,
{
    let one = |rep: u32| engine::simulate(model, make_router(model), rep).measures(model);
    let all = || {
        (0..model.replications)
            .into_par_iter()
            .map(one)
            .collect::<Vec<_>>()
    };
    match threads {
        Some(n) => match rayon::ThreadPoolBuilder::new().num_threads(n).build() {
            Ok(pool) => pool.install(all),
            Err(_) => all(),
        },
        None => all(),
    }
}
