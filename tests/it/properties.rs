//! Laws that hold for every valid scenario, checked on random ones that mix every feature
//! (see `generate.rs`): conservation, a drained centre, skills and concurrency, common random
//! numbers, `max_concurrent = 1` as a plain group, `live` and `intraday` as `run`,
//! thread-count independence, and targets that judge the right calls and change nothing.
//!
//! Each property runs a default number of cases (below; `PROPTEST_CASES` overrides them all),
//! and proptest shrinks a failure to a small scenario, printed as TOML.

mod generate;

use std::collections::HashMap;

use callsim::engine::{CallRecord, GroupState, Outcome, Simulation, StartState};
use callsim::live::intraday::{forecast, ForecastOptions};
use callsim::live::state::StateFile;
use callsim::live::{Live, Pacing, Speed};
use callsim::model::Model;
use callsim::routing::{Acd, Router, SkillPriority};
use callsim::scenario::Source;
use callsim::stats::Tally;
use callsim::time::SimTime;
use callsim::RunOptions;
use proptest::prelude::*;
use proptest::test_runner::TestCaseError;

use callsim::staffing::{self, Check, Measure, Rule};
use generate::{case, single_queue_case, Spec, Staffing, Targets};

/// `default` cases, unless `PROPTEST_CASES` says otherwise.
pub fn config(default: u32) -> ProptestConfig {
    let mut config = ProptestConfig::default();
    if std::env::var_os("PROPTEST_CASES").is_none() {
        config.cases = default;
    }
    // Shrink far enough that a failure reads as a small scenario.
    config.max_shrink_iters = 4096;
    config
}

/// The model of a generated scenario; the generator makes only valid ones.
fn load(toml: &str) -> Result<Model, TestCaseError> {
    Source {
        origin: "<generated>".into(),
        text: toml.into(),
    }
    .load()
    .map_err(|e| TestCaseError::fail(format!("the generator made an invalid scenario: {e}")))
}

/// The router `run` uses for `model` (as `callsim::replicate` chooses it).
fn router(model: &Model) -> Box<dyn Router> {
    if model.routing.is_plain_skill_priority() {
        Box::new(SkillPriority::new(model))
    } else {
        Box::new(Acd::new(model))
    }
}

/// Every call record of replication `rep`, and its tally.
fn call_log(model: &Model, rep: u32) -> (Tally, Vec<CallRecord>) {
    Simulation::observed(model, router(model), Vec::new(), rep).finish_observed()
}

/// The interval a record is counted in.
fn interval_of(model: &Model, at: SimTime) -> usize {
    ((at.0 / model.interval.0) as usize).min(model.intervals as usize - 1)
}

/// Outcome counts of one interval × class, as the tally keeps them.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
struct Outcomes {
    offered: u64,
    answered: u64,
    abandoned: u64,
    blocked: u64,
    deflected: u64,
    unserved: u64,
    callbacks: u64,
}

/// Conservation: the call log and the tally agree cell by cell (interval × class), every
/// counted attempt has exactly one outcome, and the per-type, per-tier, per-group and total
/// measures add up.
fn check_conservation(
    model: &Model,
    tally: &Tally,
    log: &[CallRecord],
) -> Result<(), TestCaseError> {
    let classes = model.classes.len();
    let mut from_log = vec![Outcomes::default(); model.intervals as usize * classes];
    let mut group_answered = vec![0u64; model.intervals as usize * model.groups.len()];
    for r in log.iter().filter(|r| r.counted) {
        let k = interval_of(model, r.arrival);
        let o = &mut from_log[k * classes + r.class as usize];
        o.offered += 1;
        match r.outcome {
            Outcome::Answered { group } => {
                o.answered += 1;
                group_answered[k * model.groups.len() + group as usize] += 1;
            }
            Outcome::Abandoned => o.abandoned += 1,
            Outcome::Blocked => o.blocked += 1,
            Outcome::Deflected => o.deflected += 1,
            Outcome::Unserved => o.unserved += 1,
            Outcome::CallbackRequested => o.callbacks += 1,
        }
    }
    for k in 0..model.intervals as usize {
        for c in 0..classes {
            let cell = tally.call_cell(k, c);
            let tallied = Outcomes {
                offered: cell.offered,
                answered: cell.answered,
                abandoned: cell.abandoned,
                blocked: cell.blocked,
                deflected: cell.deflected,
                unserved: cell.unserved,
                callbacks: cell.callbacks,
            };
            let ended = cell.answered
                + cell.abandoned
                + cell.blocked
                + cell.deflected
                + cell.unserved
                + cell.callbacks;
            prop_assert_eq!(
                cell.offered,
                ended,
                "interval {}, class {}: offered ≠ the sum of the outcomes ({:?})",
                k,
                model.class_name(c as u32),
                tallied
            );
            prop_assert_eq!(
                from_log[k * classes + c],
                tallied,
                "interval {}, class {}: the call log (left) and the tally (right) disagree",
                k,
                model.class_name(c as u32)
            );
        }
        for g in 0..model.groups.len() {
            prop_assert_eq!(
                tally.group_cell(k, g).answered,
                group_answered[k * model.groups.len() + g],
                "interval {}, group {}: answered by the tally vs the call log",
                k,
                model.groups[g].name
            );
        }
    }
    let m = tally.measures(model);
    // The waits a report pools: one per answered call, in the cell of its interval and
    // class, whether copied out of the tally or moved.
    prop_assert_eq!(m.waits.intervals(), m.intervals.len());
    for (i, interval) in m.intervals.iter().enumerate() {
        for (c, class) in interval.classes.iter().enumerate() {
            prop_assert_eq!(
                m.waits.cell(i, c).len() as f64,
                class.answered,
                "interval {}, class {}: waits vs answered calls",
                i,
                c
            );
        }
    }
    prop_assert!(
        tally.clone().into_measures(model) == m,
        "moved vs copied measures"
    );
    let outcomes = |c: &callsim::stats::CallMeasures| {
        c.answered + c.abandoned + c.blocked + c.deflected + c.unserved + c.callbacks
    };
    let blocks = std::iter::once((&m.total, &m.call_types, &m.classes, &m.groups)).chain(
        m.intervals
            .iter()
            .map(|i| (&i.total, &i.call_types, &i.classes, &i.groups)),
    );
    for (total, types, tiers, groups) in blocks {
        prop_assert_eq!(total.offered, outcomes(total));
        prop_assert_eq!(total.offered, types.iter().map(|t| t.offered).sum::<f64>());
        prop_assert_eq!(
            total.answered,
            types.iter().map(|t| t.answered).sum::<f64>()
        );
        prop_assert_eq!(
            total.answered,
            groups.iter().map(|g| g.answered).sum::<f64>(),
            "answered by the groups vs by the call types"
        );
        for (t, ct) in model.call_types.iter().enumerate() {
            prop_assert_eq!(types[t].offered, outcomes(&types[t]));
            let of_tiers: f64 = ct.classes.clone().map(|c| tiers[c as usize].offered).sum();
            prop_assert_eq!(types[t].offered, of_tiers, "type {} vs its tiers", ct.name);
        }
    }
    Ok(())
}

/// Skills, overflow delays, waits and concurrency, from the call log; `present_at` gives the
/// agents of each group on the floor just after the events at a time.
fn check_service(
    model: &Model,
    log: &[CallRecord],
    present_at: &HashMap<SimTime, Vec<u32>>,
) -> Result<(), TestCaseError> {
    let groups = model.groups.len();
    let mut talks: Vec<Vec<(SimTime, SimTime)>> = vec![Vec::new(); groups];
    for r in log {
        prop_assert!(r.end_of_wait >= r.arrival, "a negative wait: {:?}", r);
        if let Outcome::Answered { group } = r.outcome {
            let g = &model.groups[group as usize];
            prop_assert!(
                g.skills.contains(&r.call_type),
                "group {} answered a call of type {} without the skill",
                g.name,
                model.call_types[r.call_type as usize].name
            );
            let delay = model.routing.delay(r.class, group, groups);
            prop_assert!(
                r.end_of_wait - r.arrival >= delay,
                "group {} answered a {} call after {:?}, before its overflow delay {:?}",
                g.name,
                model.class_name(r.class),
                r.end_of_wait - r.arrival,
                delay
            );
            talks[group as usize].push((r.end_of_wait, r.end_of_wait.saturating_add(r.handle)));
        }
    }
    // Contacts in talk at each answer: at most the agents on the floor × max_concurrent.
    for (g, talks) in talks.iter().enumerate() {
        let capacity = model.groups[g].max_concurrent;
        for &(t, _) in talks {
            let in_hand = talks.iter().filter(|&&(a, b)| a <= t && t < b).count() as u32;
            let present = present_at[&t][g];
            prop_assert!(
                in_hand <= present * capacity,
                "group {} holds {} contacts at {:?} with {} agents of {} contacts each",
                model.groups[g].name,
                in_hand,
                t,
                present,
                capacity
            );
        }
    }
    Ok(())
}

/// Replays replication `rep` stopping at every answer time of `log` (to read the agents
/// present), then drains it and checks that nothing is left in hand.
fn check_drain(
    model: &Model,
    rep: u32,
    log: &[CallRecord],
) -> Result<HashMap<SimTime, Vec<u32>>, TestCaseError> {
    let mut times: Vec<SimTime> = log
        .iter()
        .filter(|r| matches!(r.outcome, Outcome::Answered { .. }))
        .map(|r| r.end_of_wait)
        .collect();
    times.sort();
    times.dedup();
    let mut sim = Simulation::new(model, router(model), rep);
    let mut present = HashMap::new();
    for t in times {
        sim.run_until(t);
        let snapshot = sim.snapshot();
        present.insert(
            t,
            snapshot
                .groups
                .iter()
                .map(|g| g.idle + g.talking + g.wrap_up)
                .collect(),
        );
    }
    sim.run_until(SimTime::NEVER);
    let snapshot = sim.snapshot();
    prop_assert!(snapshot.done, "events left after the drain");
    for (g, state) in snapshot.groups.iter().enumerate() {
        prop_assert!(
            state.talking == 0 && state.wrap_up == 0 && state.leaving == 0,
            "group {} after the drain: {:?}",
            model.groups[g].name,
            state
        );
    }
    let state = sim.state();
    prop_assert!(
        state.talking.iter().flatten().all(Vec::is_empty)
            && state.wrapping_up.iter().flatten().all(Vec::is_empty),
        "contacts in hand after the drain: {:?}",
        state.talking
    );
    // Only callers still waiting (unserved: nobody left to answer them) may hold a line
    // now; not all do (a called-back customer transferred onwards came in on no line).
    let on_the_line: usize = state
        .waiting
        .iter()
        .chain(&state.waiting_by_class)
        .map(Vec::len)
        .sum();
    let (lines, by_type) = sim.lines_in_use();
    prop_assert!(
        lines as usize <= on_the_line && by_type.iter().sum::<u32>() == lines,
        "lines in use after the drain: {} ({:?}) with {} callers waiting",
        lines,
        by_type,
        on_the_line
    );
    Ok(present)
}

proptest! {
    #![proptest_config(config(256))]

    /// Conservation per replication, interval, type, tier and group; a drained centre; skills,
    /// overflow delays, non-negative waits and concurrency limits.
    #[test]
    fn every_call_is_accounted_for_and_the_day_drains(case in case()) {
        check_day(&load(&case.toml)?)?;
    }
}

/// Conservation, drain, skills, waits and concurrency in every replication of `model`.
fn check_day(model: &Model) -> Result<(), TestCaseError> {
    for rep in 0..model.replications {
        let (tally, log) = call_log(model, rep);
        check_conservation(model, &tally, &log)?;
        let present = check_drain(model, rep, &log)?;
        check_service(model, &log, &present)?;
    }
    Ok(())
}

/// The spec without what makes calls from calls (redials, transfers, repeats, callbacks):
/// every call of it is a caller's first attempt.
fn without_derived_calls(spec: &Spec) -> Spec {
    let mut pure = spec.clone();
    for t in &mut pure.types {
        t.retrial = None;
        t.transfer = None;
        t.unresolved = None;
        t.callback = None;
    }
    pure
}

/// Per (call type, arrival): the caller's tier (index within its type), handle time and
/// patience on its first attempt, for the records that are first attempts.
type Callers = HashMap<(u32, SimTime), (u32, SimTime, SimTime)>;

fn first_attempts(model: &Model, log: &[CallRecord]) -> Callers {
    log.iter()
        .filter(|r| r.attempt == 1)
        .filter(|r| {
            let ct = &model.call_types[r.call_type as usize];
            ct.callback.as_ref().map(|c| c.class) != Some(r.class)
        })
        .map(|r| {
            let tier = r.class - model.call_types[r.call_type as usize].classes.start;
            ((r.call_type, r.arrival), (tier, r.handle, r.patience))
        })
        .collect()
}

proptest! {
    #![proptest_config(config(128))]

    /// Common random numbers: the callers who call (their first attempt's arrival, tier,
    /// handle time and patience) are those of the same scenario without any derived calls,
    /// whatever the staffing and the routing; and `first_attempts` counts exactly them.
    #[test]
    fn staffing_and_routing_never_change_who_calls(
        case in case(),
        extra_agents in 0u32..4,
        other_routing in proptest::option::of(generate::routing_spec()),
    ) {
        let mut spec = case.spec.clone();
        for g in &mut spec.groups {
            g.slowdown = None; // the talk time then depends on the load
        }
        let mut other = spec.clone();
        for g in &mut other.groups {
            match &mut g.staffing {
                Staffing::Agents(n) => *n += extra_agents,
                Staffing::ByInterval(v) => v.iter_mut().for_each(|n| *n += extra_agents),
                Staffing::Shifts(shifts) => shifts.iter_mut().for_each(|s| s.agents += extra_agents),
            }
        }
        other.routing = other_routing;
        let pure = without_derived_calls(&spec);
        check_callers(&load(&spec.toml())?, &load(&other.toml())?, &load(&pure.toml())?)?;
    }
}

/// Common random numbers and `first_attempts`: `model` and `other` (another staffing or
/// routing of it) see the callers of `pure` (it without derived calls), and count them.
/// A type no caller dials in `model` (transfers alone reach it) is given a caller an hour in
/// `pure`, which refuses a type nothing reaches: those callers are `pure`'s alone.
fn check_callers(model: &Model, other: &Model, pure: &Model) -> Result<(), TestCaseError> {
    let dialled = |t: usize| model.call_types[t].calls_per_hour.iter().any(|&r| r > 0.0);
    for rep in 0..model.replications {
        let mut callers = first_attempts(pure, &call_log(pure, rep).1);
        callers.retain(|key, _| dialled(key.0 as usize));
        for (which, m) in [
            ("the scenario", model),
            ("the other staffing and routing", other),
        ] {
            let seen = first_attempts(m, &call_log(m, rep).1);
            for (key, drawn) in &callers {
                prop_assert_eq!(
                    seen.get(key),
                    Some(drawn),
                    "replication {}: the caller of type {} arriving at {:?} in {}",
                    rep,
                    m.call_types[key.0 as usize].name,
                    key.1,
                    which
                );
            }
        }
    }
    let options = RunOptions {
        threads: Some(1),
        ..Default::default()
    };
    let report = callsim::run(model, &options);
    let unique = callsim::run(pure, &options);
    for (t, ct) in report.call_types.iter().enumerate() {
        let (counted, callers) = (
            ct.block.first_attempts.mean,
            if dialled(t) {
                unique.call_types[t].block.offered.mean
            } else {
                Some(0.0)
            },
        );
        prop_assert!(
            close(counted, callers),
            "type {}: first_attempts {:?}, unique callers {:?}",
            ct.name,
            counted,
            callers
        );
    }
    Ok(())
}

fn close(a: Option<f64>, b: Option<f64>) -> bool {
    match (a, b) {
        (Some(a), Some(b)) => (a - b).abs() <= 1e-9 * a.abs().max(1.0),
        (a, b) => a == b,
    }
}

proptest! {
    #![proptest_config(config(128))]

    /// The report's JSON does not depend on the thread count, and a group with
    /// `max_concurrent = 1` is a plain group, byte for byte (a slowdown is refused there).
    #[test]
    fn reports_are_byte_identical_across_threads_and_single_contact_desks(case in case()) {
        let mut single = case.spec.clone();
        let mut plain = case.spec.clone();
        for (s, p) in single.groups.iter_mut().zip(&mut plain.groups) {
            s.max_concurrent = Some(1);
            s.slowdown = None;
            p.max_concurrent = None;
            p.slowdown = None;
        }
        let model = load(&case.toml)?;
        let json = |m: &Model, threads| {
            callsim::run(m, &RunOptions { threads: Some(threads), replications: Some(2), ..Default::default() }).to_json()
        };
        prop_assert_eq!(json(&model, 1), json(&model, 2), "1 thread vs 2 threads");
        let (single, plain) = (load(&single.toml())?, load(&plain.toml())?);
        prop_assert_eq!(json(&single, 2), json(&plain, 2), "max_concurrent = 1 vs a plain group");
    }
}

proptest! {
    #![proptest_config(config(256))]

    /// A single queue run by its recursion counts exactly what the event loop counts, every
    /// figure of every replication, in slices too (ties fall back to the event loop).
    #[test]
    fn a_single_queue_by_its_recursion_is_the_event_loop(case in single_queue_case()) {
        let model = load(&case.toml)?;
        prop_assert!(callsim::engine::is_single_queue(&model), "not a single queue");
        for rep in 0..model.replications {
            let measures = |tally: Tally| {
                serde_json::to_string(&tally.into_measures(&model)).expect("measures serialize")
            };
            let by_events = measures(callsim::engine::simulate(&model, callsim::routing::EventByEvent(router(&model)), rep));
            let by_recursion = measures(callsim::engine::simulate(&model, router(&model), rep));
            prop_assert_eq!(&by_recursion, &by_events, "replication {}", rep);
            for slices in [0, 7] {
                let mut ticks = 0;
                let in_slices = callsim::engine::simulate_in_slices(&model, router(&model), rep, slices, || ticks += 1);
                prop_assert_eq!(measures(in_slices), by_events.clone(), "in {} slices, replication {}", slices, rep);
                // As the event loop: each slice's end, and once more when the calls have drained.
                prop_assert_eq!(ticks, slices.max(1), "every slice is told once");
            }
        }
    }
}

/// `live --speed max` with no commands: the measures of `run -r 1`.
fn check_live(model: &Model) -> Result<(), TestCaseError> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .expect("a runtime");
    let pacing = Pacing {
        speed: Speed::Max,
        paused: false,
    };
    let live = runtime.block_on(async {
        let mut live = Live::new(model, 0, pacing, None);
        live.run(|_| ()).await;
        live.finish().measures(model)
    });
    let mut one = model.clone();
    one.replications = 1;
    let run = callsim::replicate(&one, Some(1));
    prop_assert!(live == run[0], "live at max speed differs from run -r 1");
    Ok(())
}

/// A forecast from the empty state over the whole day: `run`'s means, interval by interval.
fn check_intraday(model: &Model) -> Result<(), TestCaseError> {
    let mut m = model.clone();
    m.warmup = SimTime::ZERO; // a forecast counts from its state on
    let options = ForecastOptions {
        replications: m.replications,
        seed: None,
        threads: Some(1),
        until: m.horizon,
    };
    let f = forecast(&m, &callsim::engine::StartState::default(), &options);
    let one_thread = RunOptions {
        threads: Some(1),
        ..Default::default()
    };
    let report = callsim::run(&m, &one_thread);
    // Watched (each replication run slice by slice for a progress bar): the same report.
    let ticker = callsim::Ticker::default();
    let watched = callsim::run_with_progress(&m, &one_thread, &ticker);
    prop_assert_eq!(
        serde_json::to_string(&watched).unwrap(),
        serde_json::to_string(&report).unwrap(),
        "a run watched slice by slice differs"
    );
    prop_assert_eq!(
        ticker.slices(),
        u64::from(m.replications) * callsim::Ticker::SLICES
    );
    prop_assert_eq!(f.intervals.len(), report.intervals.len());
    for (k, (fi, ri)) in f.intervals.iter().zip(&report.intervals).enumerate() {
        for (what, a, b) in [
            ("offered", fi.total.offered.mean, ri.total.offered.mean),
            (
                "service level",
                fi.total.service_level.mean,
                ri.total.service_level.mean,
            ),
            (
                "abandon rate",
                fi.total.abandon_rate.mean,
                ri.total.abandon_rate.mean,
            ),
        ] {
            prop_assert!(
                close(a, b),
                "interval {}: {} {:?} by intraday, {:?} by run",
                k,
                what,
                a,
                b
            );
        }
    }
    Ok(())
}

/// A state taken at a quarter, half and three quarters of the day (each a little past an
/// interval's start) goes through its file and back unchanged; a centre restarted from it
/// holds the same callers waiting, in the IVR, about to redial or call again, and callback
/// jobs, and the same contacts in hand (on the same agents, chat ones with the same
/// slowdown), so the run left no call waiting that a free agent could take; and it runs to
/// the end with every call accounted for, in every interval and call type.
fn check_mid_day_state(model: &Model) -> Result<(), TestCaseError> {
    let mut sim = Simulation::new(model, router(model), 0);
    for quarter in 1..=3 {
        let at = SimTime((model.horizon.0 / 4 * quarter + 1_234_567).min(model.horizon.0));
        sim.run_until(at);
        let (lines, by_type) = sim.lines_in_use();
        let floor = sim.snapshot().groups;
        check_restart_from(model, &sim.state(), (lines, by_type.to_vec()), &floor)?;
    }
    Ok(())
}

/// [`check_mid_day_state`] for one state, taken when `lines` were in use (in the centre, and
/// per call type) and the groups' agents were `floor`.
fn check_restart_from(
    model: &Model,
    state: &StartState,
    lines: (u32, Vec<u32>),
    floor: &[GroupState],
) -> Result<(), TestCaseError> {
    let json = StateFile::from_state(model, state).to_json();
    let back = StateFile::parse("<saved>", &json)
        .and_then(|f| f.resolve("<saved>", model))
        .map_err(|e| TestCaseError::fail(format!("a saved state is refused: {e}\n{json}")))?;
    prop_assert_eq!(&StateFile::from_state(model, &back).to_json(), &json);
    let restarted = Simulation::from_state(model, router(model), 1, &back);
    let again = restarted.state();
    prop_assert_eq!(&again.in_ivr, &back.in_ivr, "callers in the IVR");
    prop_assert_eq!(&again.redialing, &back.redialing, "callers about to redial");
    prop_assert_eq!(
        &again.calling_again,
        &back.calling_again,
        "callers to call again"
    );
    // The same contacts in hand, on the same agents with the same slowdowns, the same
    // agents winding down, the same callers queued.
    prop_assert_eq!(&again.talking, &back.talking, "calls in progress");
    prop_assert_eq!(&again.wrapping_up, &back.wrapping_up, "wrap-ups");
    prop_assert_eq!(
        &again.leaving_agents,
        &back.leaving_agents,
        "agents winding down"
    );
    prop_assert_eq!(
        &again.leaving_for_break,
        &back.leaving_for_break,
        "agents winding down for a break"
    );
    prop_assert_eq!(&again.waiting, &back.waiting, "callers waiting");
    prop_assert_eq!(
        &again.waiting_by_class,
        &back.waiting_by_class,
        "callers waiting"
    );
    prop_assert_eq!(&again.callbacks, &back.callbacks, "callback jobs");
    // The day as busy as the run's (a restart in another replication keeps it).
    prop_assert_eq!(again.busyness, back.busyness, "the day's busyness");
    // The same agents on the floor: idle, busy, and leaving as their contacts end (sent
    // off by a break or a shift's end while in a call).
    let restarted_floor = restarted.snapshot().groups;
    for (g, (before, after)) in floor.iter().zip(&restarted_floor).enumerate() {
        let agents = |s: &GroupState| (s.idle, s.talking, s.wrap_up, s.leaving, s.headcount);
        prop_assert_eq!(
            agents(before),
            agents(after),
            "group {}: (idle, talking, wrapping up, leaving, headcount) before and after a restart",
            &model.groups[g].name
        );
    }
    // The same lines held: a callback job in talk holds none. A state does not say which
    // line a transferred caller holds (its first type's, or none if it was called back), so
    // it holds one of the type it is in now.
    let (held, held_by_type) = restarted.lines_in_use();
    let transfers = model.call_types.iter().any(|t| t.transfer.is_some());
    let called_back_and_transferred = model
        .call_types
        .iter()
        .any(|t| t.transfer.is_some() && t.callback.is_some());
    if !called_back_and_transferred {
        prop_assert_eq!(held, lines.0, "lines in use after a restart");
    }
    if !transfers {
        prop_assert_eq!(
            held_by_type,
            &lines.1[..],
            "lines in use by type after a restart"
        );
    }
    let m = restarted.finish().measures(model);
    let blocks = std::iter::once(&m.total).chain(&m.call_types).chain(
        m.intervals
            .iter()
            .flat_map(|i| std::iter::once(&i.total).chain(&i.call_types)),
    );
    for b in blocks {
        prop_assert_eq!(
            b.offered,
            b.answered + b.abandoned + b.blocked + b.deflected + b.unserved + b.callbacks,
            "a call not accounted for after a restart from mid-day"
        );
    }
    Ok(())
}

proptest! {
    #![proptest_config(config(64))]

    /// `live --speed max` equals `run -r 1`, and intraday from the empty state equals `run`,
    /// whatever the routing policy; a mid-day state restarts the same centre.
    #[test]
    fn live_and_intraday_from_the_start_are_run(case in case()) {
        let model = load(&case.toml)?;
        check_live(&model)?;
        check_intraday(&model)?;
        check_mid_day_state(&model)?;
    }
}

proptest! {
    #![proptest_config(config(48))]

    /// The CLI's `--write-calls` log agrees with its report (`run -r 1`): the same calls
    /// counted, and the logged waits of the answered ones average to the report's ASA. The
    /// log reads back as a trace, even with commas and quotes in the call types' names.
    #[test]
    fn the_written_call_log_agrees_with_the_report(case in case(), odd_names in any::<bool>()) {
        let mut toml = case.toml.clone();
        if odd_names {
            for t in 0..case.spec.types.len() {
                toml = toml
                    .replace(&format!("\"t{t}\""), &format!("\"t, '{t}'\""))
                    .replace(&format!("\"t{t}/"), &format!("\"t, '{t}'/"));
            }
        }
        check_written_log(&toml)?;
    }
}

/// `run -r 1 --write-calls` on the scenario `toml`: the log against the report, and read
/// back as a trace.
fn check_written_log(toml: &str) -> Result<(), TestCaseError> {
    let dir = tempfile::tempdir().unwrap();
    let scenario = dir.path().join("s.toml");
    let calls = dir.path().join("calls.csv");
    std::fs::write(&scenario, toml).unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_callsim"))
        .args([
            "run",
            "-r",
            "1",
            "--threads",
            "1",
            "--format",
            "json",
            "--write-calls",
        ])
        .arg(&calls)
        .arg(&scenario)
        .output()
        .unwrap();
    prop_assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let model = load(toml)?;
    let warmup = model.warmup.as_seconds();
    let mut reader = csv::Reader::from_path(&calls).unwrap();
    let headers = reader.headers().unwrap().clone();
    let column = |name: &str| headers.iter().position(|h| h == name).unwrap();
    let (arrival, outcome, wait) = (column("arrival_s"), column("outcome"), column("wait_s"));
    let caller = column("caller");
    let (mut offered, mut answered, mut waited) = (0u64, 0u64, 0.0);
    let mut callers = std::collections::HashSet::new();
    for row in reader.records() {
        let row = row.unwrap();
        callers.insert(row[caller].to_owned());
        let arrived = row[arrival].parse::<f64>().unwrap();
        // The report counts the calls that arrived after the warm-up and before the end of
        // the day (a transfer's leg after closing is served but counted in no interval).
        if arrived < warmup || arrived >= model.horizon.as_seconds() {
            continue;
        }
        offered += 1;
        if &row[outcome] == "answered" {
            answered += 1;
            waited += row[wait].parse::<f64>().unwrap();
        }
    }
    prop_assert_eq!(
        Some(offered as f64),
        report["total"]["offered"]["mean"].as_f64()
    );
    if answered > 0 {
        let asa = report["total"]["asa_s"]["mean"].as_f64().unwrap();
        let logged = waited / answered as f64;
        prop_assert!(
            (logged - asa).abs() <= 1e-6 * asa.max(1.0),
            "mean logged wait {}, report ASA {}",
            logged,
            asa
        );
    }
    // Replayed: each caller once, at its first call (its later contacts, even a transfer's
    // leg after closing, are the scenario's to make).
    if !callers.is_empty() {
        let replay: String = toml
            .replacen("[simulation]\n", "[simulation]\ntrace = \"calls.csv\"\n", 1)
            .lines()
            .filter(|line| !line.starts_with("busyness_cv"))
            .flat_map(|line| [line, "\n"])
            .collect();
        let replay_path = dir.path().join("replay.toml");
        std::fs::write(&replay_path, replay).unwrap();
        let read = Source::read(&replay_path).and_then(|s| s.load());
        prop_assert!(
            read.is_ok(),
            "the call log does not read back as a trace: {}",
            read.unwrap_err()
        );
        let read = read.unwrap();
        prop_assert_eq!(read.trace.as_ref().map(|t| t.len()), Some(callers.len()));
    }
    Ok(())
}

/// The first lines of the shrunk scenarios below.
const HEAD: &str = r#"name = "generated"
[simulation]
duration = "1h"
interval = "15m"
start_time = "08:00"
replications = 1
seed = 0
[service_level]
threshold = "5s"
"#;

/// The failures the properties found on the main branch of 2026-12-01, shrunk, as fixed
/// cases: each names the law it broke. They run on every `cargo test`, whatever the random
/// cases of the day.
#[test]
fn the_shrunk_failures_found_by_the_properties_hold() {
    let chat = format!(
        r#"{HEAD}
[[call_types]]
name = "t0"
arrival_rate = 22
handle_time = {{ distribution = "exponential", mean = "20s" }}
[[call_types]]
name = "t1"
arrival_rates = [63, 9, 17, 0]
handle_time = {{ distribution = "exponential", mean = "20s" }}
ivr = {{ time = {{ distribution = "exponential", mean = "28s" }}, self_service = 0 }}
[[agent_groups]]
name = "g0"
skills = ["t0", "t1"]
agents_by_interval = [0, 0, 0, 1]
max_concurrent = 2
"#
    );
    let repeat = |agents: u32, unresolved: &str| {
        format!(
            r#"{HEAD}
[[call_types]]
name = "t0"
arrival_rate = 19
handle_time = {{ distribution = "erlang", mean = "20s", k = 1 }}
{unresolved}
[[agent_groups]]
name = "g0"
skills = ["t0"]
agents = {agents}
"#
        )
    };
    let unresolved =
        r#"unresolved = { share = 0.06, delay = { distribution = "exponential", mean = "60s" } }"#;
    let callback = |offer: &str| {
        format!(
            r#"{HEAD}
[[call_types]]
name = "t0"
arrival_rate = 5
handle_time = {{ distribution = "exponential", mean = "45s" }}
wrap_up = {{ distribution = "exponential", mean = "11s" }}
{offer}
[[agent_groups]]
name = "g0"
skills = ["t0"]
shifts = [{{ start = "08:30", end = "08:45", agents = 1 }}]
"#
        )
    };
    let callback_offer = r#"callback = { when_wait_exceeds = "5s", share = 0.2 }"#;
    let reserve = format!(
        r#"{HEAD}
[[call_types]]
name = "t0"
arrival_rate = 5
handle_time = {{ distribution = "exponential", mean = "20s" }}
[[call_types]]
name = "t1"
arrival_rate = 14
handle_time = {{ distribution = "exponential", mean = "108s" }}
wrap_up = {{ distribution = "lognormal", mean = "23s", cv = 1.2 }}
[[agent_groups]]
name = "g0"
skills = ["t0", "t1"]
agents_by_interval = [0, 0, 0, 1]
[routing]
policy = "skill-priority+reserve"
[[routing.reserve]]
group = "g0"
agents = 1
for = ["t0"]
"#
    );
    let one_queue = |name: &str, ivr: &str| {
        format!(
            r#"{HEAD}
[[call_types]]
name = "{name}"
arrival_rate = 5
handle_time = {{ distribution = "exponential", mean = "20s" }}
{ivr}
[[agent_groups]]
name = "g0"
skills = ["{name}"]
agents = 1
"#
        )
    };
    let ivr = r#"ivr = { time = { distribution = "exponential", mean = "5s" }, self_service = 0 }"#;
    // Issue 10's reproduction: a chat desk whose headcount drops and rises again.
    let chat_headcount = r#"
name = "chat headcount"
[simulation]
duration = "3h"
interval = "1h"
replications = 4
[[call_types]]
name = "chat"
arrival_rate = 60
handle_time = { distribution = "exponential", mean = "20m" }
[[agent_groups]]
name = "chat"
agents_by_interval = [3, 1, 3]
max_concurrent = 3
skills = ["chat"]
"#;

    type Check = Box<dyn Fn() -> Result<(), TestCaseError>>;
    let cases: Vec<(&str, Check)> = vec![
        (
            "a chat desk ends the contact it holds (lines, conservation)",
            Box::new(move || check_day(&load(&chat)?)),
        ),
        (
            "a chat desk's headcount may drop and rise again",
            Box::new(move || check_day(&load(chat_headcount)?)),
        ),
        (
            "a repeat call does not change other callers' draws",
            Box::new(move || {
                check_callers(
                    &load(&repeat(0, unresolved))?,
                    &load(&repeat(1, unresolved))?,
                    &load(&repeat(0, ""))?,
                )
            }),
        ),
        (
            "first_attempts does not count callback jobs",
            Box::new(move || {
                let m = load(&callback(callback_offer))?;
                check_callers(&m, &m, &load(&callback(""))?)
            }),
        ),
        (
            "live and intraday follow [routing]",
            Box::new(move || {
                let m = load(&reserve)?;
                check_live(&m)?;
                check_intraday(&m)
            }),
        ),
        (
            "the logged wait starts when the caller leaves the IVR",
            Box::new(move || check_written_log(&one_queue("t0", ivr))),
        ),
        (
            "a call log with a comma in a name reads back",
            Box::new(move || check_written_log(&one_queue("t, '0'", ""))),
        ),
    ];
    let mut failures = Vec::new();
    for (what, check) in &cases {
        let outcome =
            std::panic::catch_unwind(std::panic::AssertUnwindSafe(check)).unwrap_or_else(|panic| {
                let message = panic
                    .downcast_ref::<String>()
                    .cloned()
                    .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()));
                Err(TestCaseError::fail(format!(
                    "panicked: {}",
                    message.unwrap_or_default()
                )))
            });
        if let Err(e) = outcome {
            failures.push(format!("{what}: {e}"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// The scenario without any target: `[service_level]` keeps its threshold, types and tiers
/// keep their own thresholds.
fn without_targets(spec: &Spec) -> Spec {
    let mut bare = spec.clone();
    bare.targets = Targets::default();
    for t in &mut bare.types {
        t.service_level.1 = None;
        if let Some(tiers) = &mut t.tiers {
            tiers.gold_target = None;
        }
    }
    bare
}

/// `value` without `key` at any depth.
fn drop_key(value: &mut serde_json::Value, key: &str) {
    match value {
        serde_json::Value::Object(map) => {
            map.remove(key);
            map.values_mut().for_each(|v| drop_key(v, key));
        }
        serde_json::Value::Array(items) => items.iter_mut().for_each(|v| drop_key(v, key)),
        _ => {}
    }
}

/// What a target is judged on, pooled over replications: numerator and denominator of the
/// service level, abandon rate and ASA of one interval × class, recounted from call logs.
#[derive(Debug, Default, Clone, Copy)]
struct Pooled {
    within: f64,
    ended: f64,
    abandoned: f64,
    answered: f64,
    wait_s: f64,
}

impl Pooled {
    fn add(&mut self, o: &Pooled) {
        self.within += o.within;
        self.ended += o.ended;
        self.abandoned += o.abandoned;
        self.answered += o.answered;
        self.wait_s += o.wait_s;
    }

    /// The pooled ratio a check of `measure` is judged on.
    fn ratio(&self, measure: Measure) -> Option<f64> {
        let (num, den) = match measure {
            Measure::ServiceLevel => (self.within, self.ended),
            Measure::AbandonRate => (self.abandoned, self.ended),
            Measure::Asa => (self.wait_s, self.answered),
            Measure::Occupancy => return None,
        };
        (den > 0.0).then(|| num / den)
    }
}

/// Targets judge the report and change nothing simulated: the JSON is byte-identical
/// without them. The checks `staff` and the report apply are one per target (scenario-wide
/// per call type, a type's or tier's own, occupancy per group) and interval, each on the
/// ratio recounted from the call logs of all replications (the search's level-run verdicts
/// on the recount of their run, half or interval), and a met verdict never has its mean on
/// the wrong side of the target.
fn check_targets(case: &generate::Case) -> Result<(), TestCaseError> {
    let model = load(&case.toml)?;
    let bare = load(&without_targets(&case.spec).toml())?;
    // The report echoes each type's and tier's own target; everything else is the same.
    let figures = |m: &Model| {
        let json = callsim::run(
            m,
            &RunOptions {
                threads: Some(1),
                ..Default::default()
            },
        )
        .to_json();
        let mut doc: serde_json::Value = serde_json::from_str(&json).unwrap();
        drop_key(&mut doc, "service_level_target");
        doc
    };
    prop_assert!(
        figures(&model) == figures(&bare),
        "the targets changed the figures"
    );

    let (intervals, classes) = (model.intervals as usize, model.classes.len());
    let mut pooled = vec![Pooled::default(); intervals * classes];
    for rep in 0..model.replications {
        let (_, log) = call_log(&model, rep);
        for r in log.iter().filter(|r| r.counted) {
            let cell = &mut pooled[interval_of(&model, r.arrival) * classes + r.class as usize];
            let wait = r.end_of_wait - r.queued;
            match r.outcome {
                Outcome::Answered { .. } => {
                    cell.ended += 1.0;
                    cell.answered += 1.0;
                    cell.wait_s += wait.as_seconds();
                    if wait <= model.classes[r.class as usize].threshold {
                        cell.within += 1.0;
                    }
                }
                Outcome::Abandoned => {
                    cell.ended += 1.0;
                    cell.abandoned += 1.0;
                }
                Outcome::Unserved => cell.ended += 1.0,
                _ => {}
            }
        }
    }
    let measures = callsim::replicate(&model, Some(1));
    let rule = Rule::new(0.95, 1, 0.005);
    let checks = staffing::checks(&model, &model.targets, &rule, &measures);
    let applied = staffing::applied_targets(&model, &model.targets);
    let reported = measures[0].intervals.iter().map(|i| i.interval as usize);
    let mut expected = 0;
    for k in reported {
        for a in &applied {
            let of = |c: &Check| {
                c.interval as usize == k
                    && c.call_type == a.call_type
                    && c.class == a.class
                    && c.group == a.group
                    && c.measure == a.measure
            };
            let found: Vec<&Check> = checks.iter().filter(|c| of(c)).collect();
            for c in &found {
                prop_assert_eq!(c.target, a.target, "interval {}: {:?}", k, a);
            }
            let recount = match (a.group, a.class) {
                (Some(_), _) => None,
                (None, Some(c)) => pooled[k * classes + c as usize].ratio(a.measure),
                (None, None) => {
                    let mut of_type = Pooled::default();
                    for c in model.call_types[a.call_type as usize].classes.clone() {
                        of_type.add(&pooled[k * classes + c as usize]);
                    }
                    of_type.ratio(a.measure)
                }
            };
            if a.group.is_some() {
                prop_assert!(found.len() <= 1, "interval {}: {:?} checked twice", k, a);
                expected += found.len();
                continue;
            }
            match recount {
                None => prop_assert!(
                    found.is_empty(),
                    "interval {}: {:?} checked without calls",
                    k,
                    a
                ),
                Some(ratio) => {
                    prop_assert_eq!(found.len(), 1, "interval {}: {:?}", k, a);
                    let mean = found[0].mean;
                    prop_assert!(
                        (mean - ratio).abs() <= 1e-9 * ratio.abs().max(1.0),
                        "interval {}: {:?} judged on {} where the call logs give {}",
                        k,
                        a,
                        mean,
                        ratio
                    );
                    expected += 1;
                }
            }
        }
    }
    prop_assert_eq!(checks.len(), expected, "checks of no applied target");

    // The search's own verdicts judge each level run on calls pooled over the whole run,
    // over the half holding the interval, or over the interval alone, after peeling off
    // any number of first intervals (each judged alone) as runs of their own: one per
    // interval and target, like the per-interval checks, each on one of those recounts.
    let level = staffing::level_checks(&model, &model.targets, &rule, &measures);
    let same_cell = |a: &Check, b: &Check| {
        (a.interval, a.call_type, a.class, a.group, a.measure)
            == (b.interval, b.call_type, b.class, b.group, b.measure)
    };
    prop_assert_eq!(level.len(), checks.len());
    let runs = staffing::runs::level_runs(&model, &model.targets);
    for c in &level {
        prop_assert!(checks.iter().any(|p| same_cell(p, c)), "{:?}", c);
        if c.group.is_some() {
            continue;
        }
        let k = c.interval as usize;
        let run = runs
            .iter()
            .find(|r| r.contains(&k))
            .expect("a reported interval");
        // The rest of the run after each number of first intervals peeled off, and the
        // half of that rest holding the interval.
        let blocks: Vec<std::ops::Range<usize>> = (run.start..=k)
            .flat_map(|from| {
                let middle = from + (run.end - from) / 2;
                let half = if k < middle {
                    from..middle
                } else {
                    middle..run.end
                };
                [from..run.end, half]
            })
            .chain(std::iter::once(k..k + 1))
            .collect();
        let recount = |block: std::ops::Range<usize>| {
            let mut sum = Pooled::default();
            for i in block {
                match c.class {
                    Some(class) => sum.add(&pooled[i * classes + class as usize]),
                    None => {
                        for class in model.call_types[c.call_type as usize].classes.clone() {
                            sum.add(&pooled[i * classes + class as usize]);
                        }
                    }
                }
            }
            sum.ratio(c.measure)
        };
        let judged_on = blocks
            .into_iter()
            .filter_map(recount)
            .any(|ratio| (c.mean - ratio).abs() <= 1e-9 * ratio.abs().max(1.0));
        prop_assert!(
            judged_on,
            "{:?} is no pooled recount of its run {:?}",
            c,
            run
        );
    }
    for c in checks.iter().chain(&level) {
        let margin = if c.measure.higher_is_better() {
            c.mean - c.target
        } else {
            c.target - c.mean
        };
        prop_assert!(
            !c.met() || margin >= 0.0,
            "met with its mean on the wrong side: {:?}",
            c
        );
    }
    Ok(())
}

proptest! {
    #![proptest_config(config(64))]

    /// `[service_level]` targets and the types' and tiers' own targets judge what was
    /// simulated, on the right calls, and never change it.
    #[test]
    fn targets_judge_the_figures_and_never_change_them(case in case()) {
        check_targets(&case)?;
    }
}
