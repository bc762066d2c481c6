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
pub mod footprint;
pub mod live;
pub mod model;
pub mod offered;
pub mod report;
pub mod routing;
pub mod scenario;
pub mod shard;
pub mod staffing;
pub mod stats;
pub mod time;

use std::sync::atomic::{AtomicU64, Ordering};

use rayon::prelude::*;

use model::Model;
use report::{Report, ReportFold};
use routing::{with_model_router, Router, RouterUser};
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
///
/// Each replication is folded into the report as it finishes (in replication order), so
/// memory does not grow with the replications beyond [`KEPT_VALUES_BYTES`].
pub fn run(model: &Model, options: &RunOptions) -> Report {
    run_ticking(model, options, None)
}

/// [`run`], counting its progress on `ticker` as it goes (another thread may read it, for a
/// progress bar). The report is [`run`]'s.
pub fn run_with_progress(model: &Model, options: &RunOptions, ticker: &Ticker) -> Report {
    run_ticking(model, options, Some(ticker))
}

/// [`run`], with its replications run slice by slice when a `ticker` counts them.
fn run_ticking(model: &Model, options: &RunOptions, ticker: Option<&Ticker>) -> Report {
    let model = options.apply(model);
    let keep = kept_replications(&model);
    let mut report = ReportFold::new(&model, keep, model.replications as usize);
    replicate_in_batches(
        &model,
        options.threads,
        ticker,
        0..model.replications,
        BATCH_PER_THREAD,
        |m| report.add(&m),
    );
    report.finish()
}

/// How far a run has got, for a progress bar: another thread reads it while the run counts
/// on it. Each replication counts [`Ticker::SLICES`] as it goes: one as its simulated clock
/// passes each [`Ticker::SLICES`]-th of the day, the last when its calls have drained. So a
/// single long replication shows its progress too. Watching changes nothing: a replication
/// run slice by slice processes the same events in the same order.
#[derive(Debug, Default)]
pub struct Ticker {
    slices: AtomicU64,
}

impl Ticker {
    /// Slices per replication.
    pub const SLICES: u64 = 100;

    /// Slices passed so far, every replication together (`SLICES` per finished one).
    pub fn slices(&self) -> u64 {
        self.slices.load(Ordering::Relaxed)
    }

    fn tick(&self) {
        self.slices.fetch_add(1, Ordering::Relaxed);
    }
}

/// As [`run`], also giving the waits of every answered call per call class (tier), pooled
/// over all replications and reported intervals: the waiting-time distribution the HTML
/// report draws. The report is [`run`]'s, byte for byte.
pub fn run_with_waits(model: &Model, options: &RunOptions) -> (Report, Vec<stats::Waits>) {
    let model = options.apply(model);
    let mut report = ReportFold::new(
        &model,
        kept_replications(&model),
        model.replications as usize,
    );
    replicate_each(&model, options.threads, |m| report.add(&m));
    let (report, waits) = report.finish_with_waits();
    (report, shard::class_waits(&model, &waits))
}

/// The most memory [`run`]'s report keeps in per-replication values (for exact two-pass
/// confidence intervals); beyond it, values are folded as replications finish.
pub const KEPT_VALUES_BYTES: usize = 64 << 20;

/// How many replications' values [`run`] keeps for `model` within [`KEPT_VALUES_BYTES`], and
/// at least 4: a kept value costs 8 bytes, a running summary 32, so keeping is the smaller
/// up to 4 replications.
pub fn kept_replications(model: &Model) -> usize {
    let per_replication = ReportFold::values_per_replication(model) * std::mem::size_of::<f64>();
    (KEPT_VALUES_BYTES / per_replication.max(1)).max(4)
}

/// Runs replications `0..model.replications` under the model's own routing configuration
/// (the built-in policy it names, see [`routing::ModelRouter`]), in replication order.
pub fn replicate(model: &Model, threads: Option<usize>) -> Vec<ReplicationMeasures> {
    let mut all = Vec::with_capacity(model.replications as usize);
    replicate_in_batches(
        model,
        threads,
        None,
        0..model.replications,
        usize::MAX,
        |m| all.push(m),
    );
    all
}

/// Like [`replicate`], but hands each replication's measures to `each` in replication order
/// as they finish instead of keeping them all.
pub fn replicate_each(
    model: &Model,
    threads: Option<usize>,
    each: impl FnMut(ReplicationMeasures) + Send,
) {
    replicate_in_batches(
        model,
        threads,
        None,
        0..model.replications,
        BATCH_PER_THREAD,
        each,
    );
}

/// Like [`replicate_each`], for the replications in `range` only (a shard of a run, see
/// [`shard`]): each keeps its own random streams, so its measures are those of the full run.
pub fn replicate_range_each(
    model: &Model,
    threads: Option<usize>,
    range: std::ops::Range<u32>,
    each: impl FnMut(ReplicationMeasures) + Send,
) {
    replicate_in_batches(model, threads, None, range, BATCH_PER_THREAD, each);
}

/// [`replicate_each`] for the replications in `range`, with batches of `per_thread`
/// replications per thread.
fn replicate_in_batches(
    model: &Model,
    threads: Option<usize>,
    ticker: Option<&Ticker>,
    range: std::ops::Range<u32>,
    per_thread: usize,
    each: impl FnMut(ReplicationMeasures) + Send,
) {
    struct Batches<'a, F> {
        model: &'a Model,
        threads: Option<usize>,
        ticker: Option<&'a Ticker>,
        range: std::ops::Range<u32>,
        per_thread: usize,
        each: F,
    }
    impl<F: FnMut(ReplicationMeasures) + Send> RouterUser for Batches<'_, F> {
        type Output = ();
        fn run<R: Router + Clone + Send + Sync>(self, router: R) {
            let make_router = |_: &Model| router.clone();
            in_router_batches(
                self.model,
                self.threads,
                make_router,
                self.ticker,
                self.range,
                self.per_thread,
                self.each,
            )
        }
    }
    with_model_router(
        model,
        Batches {
            model,
            threads,
            ticker,
            range,
            per_thread,
            each,
        },
    )
}

/// Every call of one replication, in the order their outcomes became known, under the
/// model's routing: the raw material of a call log (and of a trace to replay). Holds the
/// whole day in memory; [`observe`] streams instead.
pub fn call_log(model: &Model, replication: u32) -> Vec<engine::CallRecord> {
    observe(model, replication, Vec::new())
}

/// Runs replication `replication` of `model` under the model's routing, telling `observer`
/// of every call's outcome as soon as it is known (e.g. to stream a call log to disk in
/// bounded memory), and returns the observer.
pub fn observe<O: engine::Observer>(model: &Model, replication: u32, observer: O) -> O {
    struct Watch<'a, O> {
        model: &'a Model,
        replication: u32,
        observer: O,
    }
    impl<O: engine::Observer> RouterUser for Watch<'_, O> {
        type Output = O;
        fn run<R: Router + Clone + Send + Sync>(self, router: R) -> Self::Output {
            engine::Simulation::observed(self.model, router, self.observer, self.replication)
                .finish_observed()
                .1
        }
    }
    with_model_router(
        model,
        Watch {
            model,
            replication,
            observer,
        },
    )
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
    let mut all = Vec::with_capacity(model.replications as usize);
    in_router_batches(
        model,
        threads,
        make_router,
        None,
        0..model.replications,
        usize::MAX,
        |m| all.push(m),
    );
    all
}

/// Replications run at once per worker thread: the measures waiting to be handed on in
/// order are at most this many per thread.
const BATCH_PER_THREAD: usize = 2;

/// Runs replications `0..model.replications` in parallel, each with a fresh router from
/// `make_router`, and hands their measures to `each` in replication order. Replications run
/// in batches of a few per thread, so memory holds one batch of measures, not all of them.
pub fn fold_replications<R, F>(
    model: &Model,
    threads: Option<usize>,
    make_router: F,
    each: impl FnMut(ReplicationMeasures) + Send,
) where
    R: Router,
    F: Fn(&Model) -> R + Sync,
{
    in_router_batches(
        model,
        threads,
        make_router,
        None,
        0..model.replications,
        BATCH_PER_THREAD,
        each,
    );
}

/// [`fold_replications`] for the replications in `range`, with batches of `per_thread`
/// replications per thread (`usize::MAX`: one batch, for callers that keep every replication
/// anyway).
fn in_router_batches<R, F>(
    model: &Model,
    threads: Option<usize>,
    make_router: F,
    ticker: Option<&Ticker>,
    range: std::ops::Range<u32>,
    per_thread: usize,
    mut each: impl FnMut(ReplicationMeasures) + Send,
) where
    R: Router,
    F: Fn(&Model) -> R + Sync,
{
    let one = |rep: u32| {
        let tally = match ticker {
            None => engine::simulate(model, make_router(model), rep),
            Some(ticker) => {
                engine::simulate_in_slices(model, make_router(model), rep, Ticker::SLICES, || {
                    ticker.tick()
                })
            }
        };
        tally.into_measures(model)
    };
    let mut all = || {
        let batch = rayon::current_num_threads()
            .saturating_mul(per_thread)
            .clamp(1, u32::MAX as usize) as u32;
        let mut start = range.start;
        while start < range.end {
            let end = start.saturating_add(batch).min(range.end);
            let measures: Vec<ReplicationMeasures> =
                (start..end).into_par_iter().map(one).collect();
            measures.into_iter().for_each(&mut each);
            start = end;
        }
    };
    match threads {
        Some(n) => match rayon::ThreadPoolBuilder::new().num_threads(n).build() {
            Ok(pool) => pool.install(all),
            Err(_) => all(),
        },
        None => all(),
    }
}
