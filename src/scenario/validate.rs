//! From what the user wrote to what the engine runs: every check, with a precise error.

use std::collections::HashMap;

use super::{shown, ClassServiceLevelSpec, ShiftSpec, TierSpec};
use super::{
    AgentGroupSpec, CallTypeSpec, DistributionSpec, Duration, FieldPath, Scenario, ScenarioError,
    ServiceLevelSpec, Source,
};
use crate::dist::{Distribution, LONGEST_DRAW_S, YEAR_S};
use crate::model::TOTAL_LABEL;
use crate::model::{
    AgentGroup, CallClass, CallType, ClassId, GroupId, Ivr, Model, Repeat, Retrial, ServiceTargets,
    Shift, Transfer, TypeId,
};
use crate::time::{clock_hhmm, SimTime};

/// Largest accepted arrival rate, calls per hour per call type: far beyond any real centre,
/// small enough that a typo (an extra zero or three) is caught.
pub const MAX_CALLS_PER_HOUR: f64 = 1e7;
/// Largest accepted headcount of one group.
pub const MAX_AGENTS: f64 = 1e6;
/// Largest accepted number of replications.
const MAX_REPLICATIONS: f64 = 1e6;
/// Most attempts (the first call and its redials) one caller may make.
const MAX_ATTEMPTS: u32 = 100;
/// The largest `unresolved.share`: a caller then makes 1 / (1 − share) = 100 calls on
/// average, as many as [`MAX_ATTEMPTS`] allows a redialling caller.
const MAX_UNRESOLVED_SHARE: f64 = 0.99;
/// Longest accepted simulated duration: ten years.
pub(crate) const MAX_DURATION_S: f64 = 10.0 * 366.0 * 86400.0;
/// Largest accepted coefficient of variation of a handle time, patience, IVR time or delay.
/// Measured talk times have 0.3–1.5, patience about 1, redial delays up to 2–3; beyond 5 a
/// handful of draws make up most of the total, which no centre sees (and `cv = 70` is a
/// percentage: 0.7).
pub(crate) const MAX_CV: f64 = 5.0;
/// The tier name of a type's callback jobs (its last class), as reports show it.
const CALLBACK_TIER: &str = "callback";
/// The smallest: a gamma's shape 1/cv² stays a number the sampler takes.
pub(crate) const MIN_CV: f64 = 1e-3;
/// Largest accepted `concurrency_slowdown`: each other contact in hand makes one up to 3×
/// as long (measured chat slowdowns are 0.1–0.5; `5` is a percentage: 0.05).
const MAX_SLOWDOWN: f64 = 2.0;
/// Largest accepted `busyness_cv`: real days are within ±5–30 % of the forecast.
const MAX_BUSYNESS_CV: f64 = 2.0;

/// Checks a parsed scenario and resolves it into a [`Model`].
pub fn validate(scenario: &Scenario, source: &Source) -> Result<Model, ScenarioError> {
    let root = FieldPath::default();
    let err =
        |path: &FieldPath, message: String, help: &str| Err(source.error_at(path, message, help));

    if scenario.name.trim().is_empty() {
        return err(
            &root.key("name"),
            "the scenario name is empty".into(),
            "give it a title, e.g. name = \"Hotline, Monday\"",
        );
    }
    // The title heads every report and the wallboard: a control character (an escape, a
    // line break) would garble the terminal or the table.
    if let Some(c) = scenario.name.chars().find(|c| c.is_control()) {
        return err(
            &root.key("name"),
            format!("the scenario name contains the control character {c:?}"),
            "a title is one line of text; use spaces instead of tabs or line breaks",
        );
    }
    if let Some(c) = scenario.name.chars().find(|&c| is_invisible(c)) {
        return err(
            &root.key("name"),
            format!(
                "the scenario name contains the invisible character U+{:04X}",
                c as u32
            ),
            "retype the title without it (it often comes with text pasted from a web page or a document)",
        );
    }

    // [simulation]
    let sim = &scenario.simulation;
    let sim_path = root.key("simulation");
    let duration = sim.duration;
    if duration.seconds() <= 0.0 {
        return err(
            &sim_path.key("duration"),
            "the duration must be longer than zero".into(),
            "e.g. duration = \"8h\"",
        );
    }
    if duration.seconds() > MAX_DURATION_S {
        return err(
            &sim_path.key("duration"),
            format!("a duration of {duration} is more than ten years"),
            "simulate a day or a week; use more replications for precision",
        );
    }
    let interval = sim.interval.unwrap_or(Duration::from_seconds(1800.0));
    if interval.seconds() < 1.0 {
        return err(
            &sim_path.key("interval"),
            format!("an interval of {interval} is too short"),
            "intervals are 15m, 30m or 60m in most centres; at least 1s",
        );
    }
    let intervals = (duration.seconds() / interval.seconds()).ceil();
    if intervals > 1e6 {
        return err(
            &sim_path.key("interval"),
            format!("{intervals} intervals of {interval} are too many"),
            "use a longer interval, e.g. interval = \"30m\"",
        );
    }
    let intervals = intervals as u32;
    let warmup = sim.warmup.unwrap_or(Duration::from_seconds(0.0));
    if warmup.seconds() >= duration.seconds() {
        return err(
            &sim_path.key("warmup"),
            format!("the warm-up ({warmup}) is not shorter than the duration ({duration}): nothing would be counted"),
            "make the warm-up shorter than the duration, e.g. warmup = \"30m\"",
        );
    }
    let replications = match sim.replications {
        None => 10,
        Some(r) => whole_number(r, 1.0, MAX_REPLICATIONS).map_err(|why| {
            source.error_at(
                &sim_path.key("replications"),
                format!("replications {why}"),
                "e.g. replications = 10",
            )
        })? as u32,
    };
    let seed = match sim.seed {
        None => 1,
        Some(s) if s >= 0 => s as u64,
        Some(s) => {
            return err(
                &sim_path.key("seed"),
                format!("the seed must not be negative, got {s}"),
                "any whole number ≥ 0, e.g. seed = 42",
            )
        }
    };
    let start_of_day_s = match &sim.start_time {
        None => 0,
        Some(text) => match parse_clock(text) {
            Some(seconds) => seconds,
            None => return err(
                &sim_path.key("start_time"),
                format!("`{text}` is not a clock time"),
                "write hours and two-digit minutes, e.g. start_time = \"08:00\" (or \"08:00:30\")",
            ),
        },
    };

    let threshold = scenario.service_level.threshold;
    let targets = service_targets(&scenario.service_level, &root.key("service_level"), source)?;

    // Names, each unique.
    if scenario.call_types.is_empty() {
        return err(
            &root,
            "the scenario has no call types".into(),
            "add at least one [[call_types]] table with name, arrival_rate and handle_time",
        );
    }
    if scenario.agent_groups.is_empty() {
        return err(
            &root,
            "the scenario has no agent groups".into(),
            "add at least one [[agent_groups]] table with name, agents and skills",
        );
    }
    let mut type_ids: HashMap<&str, TypeId> = HashMap::new();
    for (i, ct) in scenario.call_types.iter().enumerate() {
        let path = root.key("call_types").index(i).key("name");
        check_name(&ct.name, &path, source)?;
        if let Some(first) = type_ids.insert(ct.name.as_str(), i as TypeId) {
            return err(
                &path,
                format!(
                    "the call type name `{}` is used twice (also by call_types[{first}])",
                    ct.name
                ),
                "give each call type its own name",
            );
        }
    }
    // Reports label a tier `type/tier` and the CSV's total row `(all)`: a call type may not
    // read as either, or its figures and the other's share one label.
    for (i, ct) in scenario.call_types.iter().enumerate() {
        let path = root.key("call_types").index(i).key("name");
        if ct.name == TOTAL_LABEL {
            return err(
                &path,
                format!("the call type name `{TOTAL_LABEL}` is the label of the total rows in CSV reports and workbooks"),
                "choose another name",
            );
        }
        let Some((owner, tier)) = ct.name.rsplit_once('/') else {
            continue;
        };
        let owner_has_tier = type_ids.get(owner).is_some_and(|&t| {
            scenario.call_types[t as usize]
                .tiers
                .iter()
                .flatten()
                .any(|x| x.name == tier)
        });
        if owner_has_tier {
            return err(
                &path,
                format!(
                    "the call type name `{}` is also the label of tier `{tier}` of call type `{owner}` (`type/tier`)",
                    ct.name
                ),
                "choose a name without `/`, e.g. with `-` in its place",
            );
        }
    }
    let mut group_names: HashMap<&str, GroupId> = HashMap::new();
    for (i, g) in scenario.agent_groups.iter().enumerate() {
        let path = root.key("agent_groups").index(i).key("name");
        check_name(&g.name, &path, source)?;
        if let Some(first) = group_names.insert(g.name.as_str(), i as GroupId) {
            return err(
                &path,
                format!(
                    "the agent group name `{}` is used twice (also by agent_groups[{first}])",
                    g.name
                ),
                "give each agent group its own name",
            );
        }
    }

    check_table_sizes(scenario, intervals, source)?;

    let context = Context {
        start_of_day_s,
        day_s: duration.seconds(),
        source,
        intervals,
        interval,
    };
    let groups = scenario
        .agent_groups
        .iter()
        .enumerate()
        .map(|(i, g)| context.group(g, &root.key("agent_groups").index(i), &type_ids))
        .collect::<Result<Vec<_>, _>>()?;
    let mut call_types = scenario
        .call_types
        .iter()
        .enumerate()
        .map(|(i, ct)| context.call_type(ct, &root.key("call_types").index(i)))
        .collect::<Result<Vec<_>, _>>()?;

    for (t, call_type) in call_types.iter_mut().enumerate() {
        call_type.serving_groups = serving_order(t as TypeId, &groups);
        if call_type.serving_groups.is_empty() {
            return err(
                &root.key("call_types").index(t).key("name"),
                format!("no agent group serves the call type `{}`", call_type.name),
                &format!(
                    "add \"{}\" to the `skills` of an agent group",
                    call_type.name
                ),
            );
        }
    }

    for (t, spec) in scenario.call_types.iter().enumerate() {
        let Some(transfer) = &spec.transfer else {
            continue;
        };
        let path = root.key("call_types").index(t).key("transfer");
        let share = context.fraction(transfer.share, &path.key("share"), "share = 0.1")?;
        let Some(&to) = type_ids.get(transfer.to.as_str()) else {
            return err(
                &path.key("to"),
                format!("`{}` names no call type", transfer.to),
                "transfer to another [[call_types]] entry, e.g. to = \"tier2\"",
            );
        };
        if to as usize == t {
            return err(
                &path.key("to"),
                format!("`{}` transfers to itself", transfer.to),
                "transfer to another call type",
            );
        }
        call_types[t].transfer = Some(Transfer { share, to });
    }
    // A type no caller dials must receive transfers, or no call of it ever occurs (tier 2
    // of a help desk takes only escalations). A replayed trace brings the calls instead.
    for (t, spec) in scenario.call_types.iter().enumerate() {
        if scenario.simulation.trace.is_some() {
            break;
        }
        let transferred_in = call_types.iter().any(|from| {
            from.transfer
                .as_ref()
                .is_some_and(|x| x.to as usize == t && x.share > 0.0)
        });
        if transferred_in || call_types[t].calls_per_hour.iter().any(|&r| r > 0.0) {
            continue;
        }
        let path = root.key("call_types").index(t);
        let help = "give a positive number of calls per hour, transfer calls into it from \
                    another call type (`transfer = { share = 0.1, to = \"...\" }`), or remove \
                    the call type";
        return if spec.arrival_rate.is_some() {
            err(
                &path.key("arrival_rate"),
                "an arrival rate of 0, and no transfers in: this call type never occurs".into(),
                help,
            )
        } else {
            err(
                &path.key("arrival_rates"),
                "every arrival rate is 0, and no transfers in: this call type never occurs".into(),
                help,
            )
        };
    }
    // Transfers may chain (tier 1 → tier 2 → specialists) but not loop: a caller could be
    // passed around forever and the day would never end. Each type transfers to at most one
    // other, so every walk along transfers ends or enters one loop: walked once each (linear
    // in the call types), the loop reported is the one whose first type comes first.
    if let Some(first) = first_transfer_loop(&call_types) {
        let names: Vec<&str> = first
            .iter()
            .chain(&first[..1])
            .map(|&t| call_types[t].name.as_str())
            .collect();
        return err(
            &root
                .key("call_types")
                .index(first[0])
                .key("transfer")
                .key("to"),
            format!(
                "transfers form a loop ({}): a caller could be passed around forever",
                names.join(" → ")
            ),
            "transfers may chain, but one type in the loop must not transfer onwards",
        );
    }

    let trunks = sim
        .trunks
        .map(|n| context.count(n, 1.0, &sim_path.key("trunks"), "lines", "trunks = 120"))
        .transpose()?;
    let busyness_cv = match sim.busyness_cv {
        None => None,
        Some(0.0) => None,
        Some(cv) if cv > 0.0 && cv <= MAX_BUSYNESS_CV => Some(cv),
        Some(cv) => {
            return err(
                &sim_path.key("busyness_cv"),
                format!(
                "the busyness coefficient of variation must be in [0, {MAX_BUSYNESS_CV}], not {}",
                shown(cv)
            ),
                &percentage_or(
                    cv,
                    "busyness_cv",
                    "e.g. busyness_cv = 0.1: a day is typically within ±10 % of the forecast",
                ),
            )
        }
    };
    if sim.trace.is_some() && busyness_cv.is_some() {
        return err(
            &sim_path.key("busyness_cv"),
            "busyness_cv varies the arrival rates from day to day, but this scenario replays a trace (`simulation.trace`): its calls are the log's on every replication".into(),
            "drop busyness_cv, or drop trace to simulate the arrivals from the rates",
        );
    }
    let trace = match &sim.trace {
        None => None,
        Some(file) => {
            let redials: Vec<bool> = call_types
                .iter()
                .map(|t| t.retrial.as_ref().is_some_and(|r| r.probability > 0.0))
                .collect();
            let follow_ups: Vec<bool> = call_types
                .iter()
                .zip(&scenario.call_types)
                .map(|(t, spec)| {
                    t.transfer.as_ref().is_some_and(|x| x.share > 0.0)
                        || t.unresolved.as_ref().is_some_and(|u| u.share > 0.0)
                        || spec.callback.as_ref().is_some_and(|c| c.share > 0.0)
                })
                .collect();
            let later = super::trace::LaterContacts {
                redials: &redials,
                follow_ups: &follow_ups,
            };
            Some(super::trace::read(
                file,
                &sim_path.key("trace"),
                source,
                &type_ids,
                later,
                duration.sim_time(),
            )?)
        }
    };

    let mut classes = Vec::new();
    for (t, spec) in scenario.call_types.iter().enumerate() {
        let first = classes.len() as ClassId;
        let path = root.key("call_types").index(t);
        let shares = context.classes(
            spec,
            &path,
            t as TypeId,
            &call_types[t],
            threshold,
            &mut classes,
        )?;
        call_types[t].classes = first..classes.len() as ClassId;
        call_types[t].tier_cumulative_shares = shares;
        if let Some(callback) = &spec.callback {
            let mean_work_s = call_types[t].mean_work_s();
            call_types[t].callback = Some(crate::model::Callback {
                when_wait_exceeds: callback.when_wait_exceeds.sim_time(),
                share: callback.share,
                class: classes.len() as ClassId - 1,
                mean_work_s,
            });
        }
    }
    let routing = super::routing::resolve(
        scenario.routing.as_ref(),
        &root.key("routing"),
        source,
        &call_types,
        &groups,
        &classes,
        &type_ids,
        &group_names,
    )?;

    let model = Model {
        name: scenario.name.clone(),
        seed,
        replications,
        horizon: duration.sim_time(),
        warmup: warmup.sim_time(),
        interval: interval.sim_time(),
        intervals,
        start_of_day_s,
        service_level_threshold: threshold.sim_time(),
        trace_file: sim
            .trace
            .as_deref()
            .map(|file| super::trace::path_of(file, source)),
        targets,
        call_types,
        groups,
        classes,
        routing,
        trunks,
        busyness_cv,
        trace_later_contacts: trace
            .as_ref()
            .map_or((0, 0), |t| (t.left_out, t.replayed_later)),
        trace: trace.map(|t| std::sync::Arc::new(t.calls)),
    };
    check_time_limits(&model, source)?;
    Ok(model)
}

/// Refuses a model whose simulated time could pass what callsim can count: callers who
/// never hang up bringing more work than its agents answer in 500 years, or talks (slowed
/// by a chat desk, or chained by transfers) beyond the 100-year limit of one draw. Run on
/// every scenario loaded, and by a verb on each model it derives from one (a sweep's
/// points, with fewer agents or more calls than the scenario as written).
pub fn check_time_limits(model: &Model, source: &Source) -> Result<(), ScenarioError> {
    check_time_to_answer_everyone(model, source)?;
    check_slowed_talks(model, source)?;
    check_transfer_chains(model, source)
}

/// Refuses transfers that chain talks beyond the clock: a caller stays on the line through
/// every leg, so the 10⁻¹⁵ tails of the talks along a chain of transfers, added up, must
/// stay within [`LONGEST_DRAW_S`], as one draw's does. (Transfers form no loop, so every
/// chain ends; each type's sum is computed once, from the end of its chain back.)
fn check_transfer_chains(model: &Model, source: &Source) -> Result<(), ScenarioError> {
    let types = &model.call_types;
    let next_leg = |t: usize| types[t].transfer.as_ref().map(|x| x.to as usize);
    let mut chain_tail: Vec<Option<f64>> = vec![None; types.len()];
    for start in 0..types.len() {
        let mut path = Vec::new();
        let mut at = Some(start);
        while let Some(t) = at.filter(|&t| chain_tail[t].is_none()) {
            path.push(t);
            at = next_leg(t);
        }
        let mut after = at.and_then(|t| chain_tail[t]).unwrap_or(0.0);
        for &t in path.iter().rev() {
            after += types[t].handle_time.tail_seconds();
            chain_tail[t] = Some(after);
        }
    }
    let too_long = (0..types.len())
        .filter(|&t| types[t].transfer.is_some())
        .find(|&t| chain_tail[t].is_some_and(|tail| tail > LONGEST_DRAW_S));
    let Some(first) = too_long else {
        return Ok(());
    };
    let names_along = std::iter::successors(Some(first), |&t| next_leg(t));
    let mut names: Vec<&str> = names_along.map(|t| types[t].name.as_str()).collect();
    let legs = names.len();
    if legs > 6 {
        names.splice(3..legs - 2, ["…"]);
    }
    let tail = chain_tail[first].expect("computed for every type");
    Err(source.error_at(
        &FieldPath::default()
            .key("call_types")
            .index(first)
            .key("transfer"),
        format!(
            "a caller transferred along {} ({} legs) stays on the line through every talk: with each talk at its one-in-10^15 length the legs add up to {} years, beyond the limit of {} years (simulated time counts nanoseconds in 64 bits, which end at 584 years)",
            names.join(" → "),
            legs,
            shown((tail / YEAR_S).round()),
            LONGEST_DRAW_S / YEAR_S
        ),
        "shorten the handle times along the chain or the chain itself; a talk lasts minutes or hours, not years",
    ))
}

/// Refuses a chat group whose slowest contacts could outrun the clock: a talk of one of its
/// types lasts up to (1 + slowdown × (max_concurrent − 1)) times its draw, and that draw's
/// 10⁻¹⁵ tail times the factor must stay within [`LONGEST_DRAW_S`], as a draw's does.
fn check_slowed_talks(model: &Model, source: &Source) -> Result<(), ScenarioError> {
    for (g, group) in model.groups.iter().enumerate() {
        if !group.slows_contacts() {
            continue;
        }
        let factor = 1.0 + group.concurrency_slowdown * f64::from(group.max_concurrent - 1);
        let slowest = model
            .call_types
            .iter()
            .filter(|t| t.serving_groups.contains(&(g as GroupId)))
            .map(|t| (t.handle_time.tail_seconds() * factor, &t.name))
            .max_by(|a, b| a.0.total_cmp(&b.0));
        if let Some((tail, name)) = slowest.filter(|(tail, _)| *tail > LONGEST_DRAW_S) {
            return Err(source.error_at(
                &FieldPath::default()
                    .key("agent_groups")
                    .index(g)
                    .key("concurrency_slowdown"),
                format!(
                    "with {} contacts at once, each slowed by {} per other, one talk of call type `{name}` in 10^15 would last {} years or more, beyond the limit of {} years: simulated time counts nanoseconds in 64 bits, which end at 584 years",
                    group.max_concurrent,
                    group.concurrency_slowdown,
                    shown((tail / YEAR_S).round()),
                    LONGEST_DRAW_S / YEAR_S
                ),
                "lower the handle time, max_concurrent or concurrency_slowdown; a chat lasts minutes or hours, not years",
            ));
        }
    }
    Ok(())
}

/// Simulated time a replication may reach at most, seconds: 500 years, below the 584 that
/// nanoseconds in 64 bits can count.
const MAX_SIMULATED_S: f64 = 500.0 * YEAR_S;

/// Refuses a scenario whose callers who never hang up bring more work than the agents could
/// answer before simulated time runs out: a replication serves every waiting call after the
/// day, and times past [`MAX_SIMULATED_S`] could not be told apart. The work is the mean of
/// every call the scenario offers (attempts, transfers and repeats included) on all the
/// agents the groups ever have at once, so only absurd inputs reach it.
fn check_time_to_answer_everyone(model: &Model, source: &Source) -> Result<(), ScenarioError> {
    // First attempts from the rates or the trace, and the calls reaching each type's
    // agents: its own past the IVR, and those transferred in from other types.
    let offered = crate::offered::OfferedLoad::of(model);
    let (calls_per_day, reaching) = (offered.calls_per_day, offered.reaching_per_hour);
    let first_attempts: f64 = calls_per_day.iter().sum();
    if first_attempts <= 0.0 {
        return Ok(());
    }
    let per_first_attempt = crate::footprint::calls_per_replication(model) / first_attempts;
    // From a trace, the recorded handle times of the callers without a recorded patience.
    let mut traced_work = vec![0.0f64; model.call_types.len()];
    for call in model.trace.as_deref().into_iter().flatten() {
        let ct = &model.call_types[call.call_type as usize];
        if call.patience.is_none() {
            traced_work[call.call_type as usize] += match call.handle {
                Some(h) => h.as_seconds() + (ct.mean_work_s() - ct.handle_time.mean_seconds()),
                None => ct.mean_work_s(),
            };
        }
    }
    let line_limits = model.line_limits();
    // The work of callers who wait for as long as it takes, per call type; where lines
    // bound its callers, at most the lines' worth is left when the day ends.
    let work: Vec<f64> = model
        .call_types
        .iter()
        .zip(&calls_per_day)
        .enumerate()
        .map(|(t, (ct, calls))| {
            let patient = model.classes[ct.classes.start as usize..ct.classes.end as usize]
                .iter()
                .any(|c| c.patience.is_none());
            if !patient {
                return 0.0;
            }
            let reaching_in_day: f64 = (0..model.intervals)
                .map(|k| reaching[t][k as usize] * model.interval_hours(k))
                .sum();
            let calls = (calls * per_first_attempt).max(reaching_in_day);
            let work = (calls * ct.mean_work_s()).max(traced_work[t] * per_first_attempt);
            match line_limits.bounding(&[t]) {
                Some(lines) if calls > f64::from(lines) => work * f64::from(lines) / calls,
                _ => work,
            }
        })
        .collect();
    // Contacts the groups can hold at once: all of them, and those serving each type.
    let slots = |g: usize| {
        f64::from(model.max_agents(g as GroupId)) * f64::from(model.groups[g].max_concurrent.max(1))
    };
    let contacts: f64 = (0..model.groups.len()).map(slots).sum();
    let total: f64 = work.iter().sum();
    // Two lower bounds on the time it takes: all the work on every agent, and each type's
    // work on the agents who may take it.
    // (Without agents nobody is answered: the calls are counted unserved at once.)
    let beyond = |work: f64, contacts: f64| {
        work > 0.0
            && contacts > 0.0
            && model.horizon.as_seconds() + work / contacts > MAX_SIMULATED_S
    };
    let by_type = |t: usize| {
        let own: f64 = model.call_types[t]
            .serving_groups
            .iter()
            .map(|&g| slots(g as usize))
            .sum();
        (work[t], own)
    };
    let (work_s, agents, t) = if beyond(total, contacts) {
        let (t, _) = work
            .iter()
            .enumerate()
            .max_by(|a, b| a.1.total_cmp(b.1))
            .expect("at least one call type");
        (total, contacts, t)
    } else if let Some(t) = (0..work.len()).find(|&t| {
        let (w, c) = by_type(t);
        beyond(w, c)
    }) {
        let (w, c) = by_type(t);
        (w, c, t)
    } else {
        return Ok(());
    };
    let years = |s: f64| s / YEAR_S;
    Err(source.error_at(
        &FieldPath::default()
            .key("call_types")
            .index(t)
            .key("handle_time"),
        format!(
            "answering every caller who never hangs up takes about {:.0} years of talk and \
             after-call work, and the agents take at most {agents:.0} at a time: the simulated \
             time would pass {:.0} years, beyond what callsim can count (call type `{}` brings \
             the most)",
            years(work_s),
            years(MAX_SIMULATED_S),
            model.call_types[t].name
        ),
        "shorten the handle times, add agents, or give callers a `patience`",
    ))
}

/// The loop of transfers whose first call type (in scenario order) comes first, starting
/// there and in transfer order; `None` when transfers only chain.
fn first_transfer_loop(call_types: &[CallType]) -> Option<Vec<usize>> {
    const UNSEEN: usize = usize::MAX;
    // Per type: the walk that reached it first.
    let mut walk_of = vec![UNSEEN; call_types.len()];
    let mut best: Option<Vec<usize>> = None;
    for start in 0..call_types.len() {
        if walk_of[start] != UNSEEN {
            continue;
        }
        let mut path = Vec::new();
        let mut at = start;
        while walk_of[at] == UNSEEN {
            walk_of[at] = start;
            path.push(at);
            match &call_types[at].transfer {
                Some(transfer) => at = transfer.to as usize,
                None => break,
            }
        }
        // Back at a type of this walk: the path from there on is a loop.
        if walk_of[at] == start && call_types[at].transfer.is_some() {
            let from = path.iter().position(|&t| t == at).expect("on the path");
            let mut cycle = path.split_off(from);
            let lowest = (0..cycle.len())
                .min_by_key(|&i| cycle[i])
                .expect("not empty");
            cycle.rotate_left(lowest);
            if best.as_ref().is_none_or(|b| cycle[0] < b[0]) {
                best = Some(cycle);
            }
        }
    }
    best
}

/// Entries of one of a model's tables (a rate or headcount per interval and call type or
/// group, a routing delay per call class and group) beyond which a scenario is refused: a
/// model keeps about ten tables of that shape (rates, loads, agents on the floor, the
/// tally's cells), so 2²² entries already take a few hundred megabytes before anything
/// runs (2²⁵ took 1.7 GB to validate a 3 kB scenario). A week of quarter hours for 6,000
/// call types, or a day of one-second intervals for 48, stays below.
const MAX_TABLE_ENTRIES: u64 = 1 << 22;

/// Refuses a scenario whose tables per interval × call type, interval × agent group or call
/// class × agent group would exceed [`MAX_TABLE_ENTRIES`], before any is built.
fn check_table_sizes(
    scenario: &Scenario,
    intervals: u32,
    source: &Source,
) -> Result<(), ScenarioError> {
    let types = scenario.call_types.len() as u64;
    let groups = scenario.agent_groups.len() as u64;
    let classes: u64 = scenario
        .call_types
        .iter()
        .map(|t| {
            let tiers = t.tiers.as_ref().map_or(1, |tiers| tiers.len().max(1)) as u64;
            tiers + u64::from(t.callback.is_some())
        })
        .sum();
    let intervals = u64::from(intervals);
    let root = FieldPath::default();
    let interval = root.key("simulation").key("interval");
    // Per table: its two sizes, what they count, what an entry is, where to fix and how.
    let tables = [
        (
            (types, "call types"),
            (intervals, "intervals"),
            "rates",
            &interval,
            "use a longer interval (e.g. interval = \"15m\") or fewer call types",
        ),
        (
            (groups, "agent groups"),
            (intervals, "intervals"),
            "headcounts",
            &interval,
            "use a longer interval (e.g. interval = \"15m\") or fewer agent groups",
        ),
        (
            (
                classes,
                "call classes (call types, their tiers and callback jobs)",
            ),
            (groups, "agent groups"),
            "routing entries",
            &root.key("agent_groups"),
            "merge agent groups that share skills and schedules, or use fewer tiers",
        ),
    ];
    for ((a, what_a), (b, what_b), entries, path, help) in tables {
        if a * b > MAX_TABLE_ENTRIES {
            return Err(source.error_at(
                path,
                format!(
                    "{a} {what_a} × {b} {what_b} make {} {entries}: callsim holds at most \
                     {MAX_TABLE_ENTRIES} in one table",
                    a * b
                ),
                help,
            ));
        }
    }
    Ok(())
}

/// The default routing order of the groups serving `t`: by the rank of `t` in the group's
/// skills, then specialists (fewer skills) first, then scenario order.
fn serving_order(t: TypeId, groups: &[AgentGroup]) -> Vec<GroupId> {
    let mut serving: Vec<(usize, usize, GroupId)> = groups
        .iter()
        .enumerate()
        .filter_map(|(g, group)| {
            let rank = group.skills.iter().position(|&s| s == t)?;
            Some((rank, group.skills.len(), g as GroupId))
        })
        .collect();
    serving.sort();
    serving.into_iter().map(|(_, _, g)| g).collect()
}

/// Shared facts for the per-entry checks.
struct Context<'a> {
    source: &'a Source,
    start_of_day_s: u32,
    /// The simulated day's length, seconds.
    day_s: f64,
    intervals: u32,
    interval: Duration,
}

impl Context<'_> {
    fn error(&self, path: &FieldPath, message: String, help: &str) -> ScenarioError {
        self.source.error_at(path, message, help)
    }

    /// The day's intervals in words: `18 intervals of 7m`, and the last one's length when
    /// the duration is not a whole number of intervals (`, the last 1m`).
    fn intervals_text(&self) -> String {
        let whole = format!("{} intervals of {}", self.intervals, self.interval);
        let last = self.day_s - f64::from(self.intervals - 1) * self.interval.seconds();
        if (last - self.interval.seconds()).abs() < 1e-9 {
            whole
        } else {
            format!(
                "{whole}, the last {}",
                super::duration::format_seconds(last)
            )
        }
    }

    fn call_type(&self, spec: &CallTypeSpec, path: &FieldPath) -> Result<CallType, ScenarioError> {
        let calls_per_hour = match (&spec.arrival_rate, &spec.arrival_rates) {
            (Some(_), Some(_)) => {
                return Err(self.error(
                    &path.key("arrival_rates"),
                    "both `arrival_rate` and `arrival_rates` are given".into(),
                    "keep one: `arrival_rate` for a constant rate, `arrival_rates` for one rate per interval",
                ))
            }
            (None, None) => {
                return Err(self.error(
                    path,
                    format!("the call type `{}` has no arrival rate", spec.name),
                    "add `arrival_rate = 600` (calls per hour) or `arrival_rates = [...]` (one per interval)",
                ))
            }
            (Some(rate), None) => {
                // A rate of 0 is checked once transfers are known (they may feed the type).
                let rate = self.rate(*rate, &path.key("arrival_rate"))?;
                vec![rate; self.intervals as usize]
            }
            (None, Some(rates)) => {
                let list_path = path.key("arrival_rates");
                self.check_length(rates.len(), &list_path, "arrival rates")?;
                let rates = rates
                    .iter()
                    .enumerate()
                    .map(|(k, &r)| self.rate(r, &list_path.index(k)))
                    .collect::<Result<Vec<_>, _>>()?;
                rates
            }
        };
        let handle_time = self.distribution(&spec.handle_time, &path.key("handle_time"), false)?;
        let patience = spec
            .patience
            .as_ref()
            .map(|p| self.distribution(p, &path.key("patience"), true))
            .transpose()?;
        Ok(CallType {
            name: spec.name.clone(),
            calls_per_hour,
            handle_time,
            patience,
            serving_groups: Vec::new(),
            classes: 0..0,
            tier_cumulative_shares: Vec::new(),
            trunks: spec
                .trunks
                .map(|n| self.count(n, 1.0, &path.key("trunks"), "lines", "trunks = 30"))
                .transpose()?,
            ivr: match &spec.ivr {
                None => None,
                Some(ivr) => Some(Ivr {
                    time: self.distribution(&ivr.time, &path.key("ivr").key("time"), true)?,
                    self_service: self.fraction(
                        ivr.self_service,
                        &path.key("ivr").key("self_service"),
                        "self_service = 0.25",
                    )?,
                }),
            },
            retrial: match &spec.retrial {
                None => None,
                Some(r) => Some(Retrial {
                    probability: self.fraction(
                        r.probability,
                        &path.key("retrial").key("probability"),
                        "probability = 0.6",
                    )?,
                    delay: self.distribution(&r.delay, &path.key("retrial").key("delay"), false)?,
                    max_attempts: match r.max_attempts {
                        None => 3,
                        Some(n) => {
                            let place = path.key("retrial").key("max_attempts");
                            let n = self.count(n, 2.0, &place, "attempts", "max_attempts = 3")?;
                            if n > MAX_ATTEMPTS {
                                return Err(self.error(
                                    &place,
                                    format!("{n} attempts per caller is more than the limit of {MAX_ATTEMPTS}"),
                                    "real callers give up after a handful of tries, and every attempt is an event: \
                                     a redial storm of thousands of attempts per caller would run for hours; e.g. max_attempts = 3",
                                ));
                            }
                            n
                        }
                    },
                }),
            },
            wrap_up: spec
                .wrap_up
                .as_ref()
                .map(|w| self.distribution(w, &path.key("wrap_up"), true))
                .transpose()?,
            transfer: None,
            callback: None,
            unresolved: match &spec.unresolved {
                None => None,
                Some(u) => Some(Repeat {
                    share: self.unresolved_share(u.share, &path.key("unresolved").key("share"))?,
                    delay: self.distribution(
                        &u.delay,
                        &path.key("unresolved").key("delay"),
                        false,
                    )?,
                }),
            },
        })
    }

    /// The classes of call type `t` (its tiers, or the type itself), appended to `classes`;
    /// returns the cumulative tier shares.
    fn classes(
        &self,
        spec: &CallTypeSpec,
        path: &FieldPath,
        t: TypeId,
        call_type: &CallType,
        threshold: Duration,
        classes: &mut Vec<CallClass>,
    ) -> Result<Vec<f64>, ScenarioError> {
        let priority = self.finite(spec.priority, 0.0, &path.key("priority"), "priority = 2")?;
        let weight = self.positive_weight(spec.weight, 1.0, &path.key("weight"))?;
        let (threshold, target) = self.objective(
            spec.service_level.as_ref(),
            threshold,
            None,
            &path.key("service_level"),
        )?;
        let type_own = spec
            .service_level
            .as_ref()
            .is_some_and(|s| s.threshold.is_some());
        let Some(tiers) = &spec.tiers else {
            classes.push(CallClass {
                tier: None,
                call_type: t,
                priority,
                weight,
                patience: call_type.patience.clone(),
                threshold: threshold.sim_time(),
                own_threshold: type_own,
                target,
            });
            self.callback_class(spec, path, t, priority, weight, classes)?;
            return Ok(vec![1.0]);
        };
        let tiers_path = path.key("tiers");
        if tiers.is_empty() {
            return Err(self.error(&tiers_path, "the list of tiers is empty".into(), "leave `tiers` out, or list them, e.g. tiers = [{ name = \"gold\", share = 0.2 }, { name = \"basic\", share = 0.8 }]"));
        }
        let mut cumulative = Vec::with_capacity(tiers.len());
        let mut sum = 0.0;
        for (i, tier) in tiers.iter().enumerate() {
            let tier_path = tiers_path.index(i);
            self.tier(tier, &tier_path, tiers, i)?;
            if spec.callback.is_some() && tier.name == CALLBACK_TIER {
                return Err(self.error(
                    &tier_path.key("name"),
                    "the tier name `callback` is the class of this type's callback jobs".into(),
                    "choose another name for the tier (the report shows the callback jobs as `callback`)",
                ));
            }
            sum += tier.share;
            cumulative.push(sum);
            let (threshold, target) = self.objective(
                tier.service_level.as_ref(),
                threshold,
                target,
                &tier_path.key("service_level"),
            )?;
            let patience = match &tier.patience {
                Some(p) => Some(self.distribution(p, &tier_path.key("patience"), true)?),
                None => call_type.patience.clone(),
            };
            classes.push(CallClass {
                tier: Some(tier.name.clone()),
                call_type: t,
                priority: self.finite(
                    tier.priority,
                    priority,
                    &tier_path.key("priority"),
                    "priority = 3",
                )?,
                weight: self.positive_weight(tier.weight, weight, &tier_path.key("weight"))?,
                patience,
                threshold: threshold.sim_time(),
                own_threshold: type_own
                    || tier
                        .service_level
                        .as_ref()
                        .is_some_and(|s| s.threshold.is_some()),
                target,
            });
        }
        if (sum - 1.0).abs() > 1e-6 {
            return Err(self.error(
                &tiers_path,
                format!(
                    "the tier shares of `{}` add up to {}, not 1",
                    spec.name,
                    (sum * 1e9).round() / 1e9
                ),
                "shares are fractions of the type's callers, e.g. 0.1, 0.3 and 0.6",
            ));
        }
        if let Some(last) = cumulative.last_mut() {
            *last = 1.0;
        }
        self.callback_class(spec, path, t, priority, weight, classes)?;
        Ok(cumulative)
    }

    /// The class of the type's callback jobs, if it offers callbacks: after its tiers, named
    /// `callback`, never abandoning.
    fn callback_class(
        &self,
        spec: &CallTypeSpec,
        path: &FieldPath,
        t: TypeId,
        priority: f64,
        weight: f64,
        classes: &mut Vec<CallClass>,
    ) -> Result<(), ScenarioError> {
        let Some(callback) = &spec.callback else {
            return Ok(());
        };
        let path = path.key("callback");
        self.fraction(callback.share, &path.key("share"), "share = 0.5")?;
        if callback.when_wait_exceeds.seconds() <= 0.0 {
            return Err(self.error(
                &path.key("when_wait_exceeds"),
                "must be longer than zero".into(),
                "e.g. when_wait_exceeds = \"2m\"",
            ));
        }
        let (threshold, target) = self.objective(
            Some(&ClassServiceLevelSpec {
                threshold: callback.answer_within,
                target: callback.target,
            }),
            Duration::from_seconds(1800.0),
            None,
            &path,
        )?;
        classes.push(CallClass {
            tier: Some(CALLBACK_TIER.to_owned()),
            call_type: t,
            priority: self.finite(
                callback.priority,
                priority - 1.0,
                &path.key("priority"),
                "priority = 0",
            )?,
            weight,
            patience: None,
            threshold: threshold.sim_time(),
            own_threshold: true,
            target,
        });
        Ok(())
    }

    fn tier(
        &self,
        tier: &TierSpec,
        path: &FieldPath,
        tiers: &[TierSpec],
        i: usize,
    ) -> Result<(), ScenarioError> {
        check_name(&tier.name, &path.key("name"), self.source)?;
        if tier.name.contains('/') {
            return Err(self.error(
                &path.key("name"),
                format!("the tier name `{}` contains `/`", tier.name),
                "`/` separates type and tier in `type/tier`; choose another name",
            ));
        }
        if let Some(first) = tiers[..i].iter().position(|other| other.name == tier.name) {
            return Err(self.error(
                &path.key("name"),
                format!(
                    "the tier name `{}` is used twice (also by tiers[{first}])",
                    tier.name
                ),
                "give each tier of a call type its own name",
            ));
        }
        if !(tier.share > 0.0 && tier.share <= 1.0) {
            return Err(self.error(
                &path.key("share"),
                format!(
                    "a tier's share must be a fraction in (0, 1], not {}",
                    shown(tier.share)
                ),
                &percentage_or(
                    tier.share,
                    "share",
                    "e.g. share = 0.2 for 20 % of the type's callers",
                ),
            ));
        }
        Ok(())
    }

    /// A threshold and target, each defaulting to the enclosing one.
    fn objective(
        &self,
        spec: Option<&ClassServiceLevelSpec>,
        threshold: Duration,
        target: Option<f64>,
        path: &FieldPath,
    ) -> Result<(Duration, Option<f64>), ScenarioError> {
        let Some(spec) = spec else {
            return Ok((threshold, target));
        };
        let target = match spec.target {
            None => target,
            Some(t) if t > 0.0 && t < 1.0 => Some(t),
            Some(1.0) => {
                return Err(unmeetable(
                    self.source,
                    path,
                    "target",
                    "a service level of 100 %",
                    "target = 0.95",
                ))
            }
            Some(t) => {
                return Err(self.error(
                    &path.key("target"),
                    format!(
                        "a service-level target is a fraction in (0, 1), not {}",
                        shown(t)
                    ),
                    &percentage_or(t, "target", "e.g. target = 0.8 for 80 %"),
                ))
            }
        };
        Ok((spec.threshold.unwrap_or(threshold), target))
    }

    fn finite(
        &self,
        value: Option<f64>,
        default: f64,
        path: &FieldPath,
        example: &str,
    ) -> Result<f64, ScenarioError> {
        match value {
            None => Ok(default),
            Some(v) if v.is_finite() && v.abs() <= 1e6 => Ok(v),
            Some(v) => Err(self.error(
                path,
                format!(
                    "must be a number from -1000000 to 1000000, not {}",
                    shown(v)
                ),
                &format!("e.g. {example}"),
            )),
        }
    }

    fn positive_weight(
        &self,
        value: Option<f64>,
        default: f64,
        path: &FieldPath,
    ) -> Result<f64, ScenarioError> {
        match value {
            None => Ok(default),
            Some(v) if v.is_finite() && v > 0.0 && v <= 1e6 => Ok(v),
            Some(v) => Err(self.error(
                path,
                format!(
                    "a weight must be a positive number up to 1000000, not {}",
                    shown(v)
                ),
                "e.g. weight = 2 to count this wait double",
            )),
        }
    }

    /// A probability or share in [0, 1].
    fn fraction(&self, value: f64, path: &FieldPath, example: &str) -> Result<f64, ScenarioError> {
        if (0.0..=1.0).contains(&value) {
            Ok(value)
        } else {
            Err(self.error(
                path,
                format!("must be a fraction in [0, 1], not {}", shown(value)),
                &percentage_or(value, last_key(path), &format!("e.g. {example}")),
            ))
        }
    }

    /// The share of answered calls that call again: a fraction below 1, since a repeat
    /// call may itself go unresolved (a caller makes 1 / (1 − share) calls on average).
    fn unresolved_share(&self, value: f64, path: &FieldPath) -> Result<f64, ScenarioError> {
        let share = self.fraction(value, path, "share = 0.15")?;
        if share >= 1.0 {
            return Err(self.error(
                path,
                "a share of 100% resolves no call: every caller would call again until the day ends".into(),
                "give the share of answered calls not resolved at first contact, e.g. share = 0.15",
            ));
        }
        if share > MAX_UNRESOLVED_SHARE {
            return Err(self.error(
                path,
                format!(
                    "a share of {} has each caller call {:.0} times on average, more than the {MAX_ATTEMPTS} attempts a redial may take: a repeat-call storm that would run for hours",
                    shown(share),
                    1.0 / (1.0 - share)
                ),
                "give the share of answered calls not resolved at first contact, at most 0.99 (100 calls per caller on average), e.g. share = 0.15",
            ));
        }
        Ok(share)
    }

    /// A whole number ≥ `min`.
    fn count(
        &self,
        value: f64,
        min: f64,
        path: &FieldPath,
        what: &str,
        example: &str,
    ) -> Result<u32, ScenarioError> {
        whole_number(value, min, MAX_AGENTS)
            .map(|n| n as u32)
            .map_err(|why| {
                self.error(
                    path,
                    format!("the number of {what} {why}"),
                    &format!("e.g. {example}"),
                )
            })
    }

    fn rate(&self, rate: f64, path: &FieldPath) -> Result<f64, ScenarioError> {
        if !rate.is_finite() || rate < 0.0 {
            return Err(self.error(
                path,
                format!(
                    "an arrival rate must be a number of calls per hour ≥ 0, not {}",
                    shown(rate)
                ),
                "e.g. 600",
            ));
        }
        if rate > MAX_CALLS_PER_HOUR {
            return Err(self.error(
                path,
                format!(
                    "{} calls per hour is beyond any contact centre (limit {})",
                    shown(rate),
                    shown(MAX_CALLS_PER_HOUR)
                ),
                "rates are calls per hour, not per day or per interval",
            ));
        }
        Ok(rate)
    }

    fn check_length(&self, len: usize, path: &FieldPath, what: &str) -> Result<(), ScenarioError> {
        if len == self.intervals as usize {
            return Ok(());
        }
        Err(self.error(
            path,
            format!(
                "{len} {what} given, but the simulation has {}",
                self.intervals_text()
            ),
            &format!("give exactly {} values, one per interval, or change `simulation.duration` or `simulation.interval`", self.intervals),
        ))
    }

    fn group(
        &self,
        spec: &AgentGroupSpec,
        path: &FieldPath,
        type_ids: &HashMap<&str, TypeId>,
    ) -> Result<AgentGroup, ScenarioError> {
        let count = |value: f64, path: &FieldPath| {
            whole_number(value, 0.0, MAX_AGENTS)
                .map(|n| n as u32)
                .map_err(|why| {
                    self.error(
                        path,
                        format!("a headcount {why}"),
                        "a whole number of agents, e.g. agents = 45",
                    )
                })
        };
        let shifts = match &spec.shifts {
            Some(shifts) => {
                if spec.agents.is_some() || spec.agents_by_interval.is_some() {
                    return Err(self.error(
                        &path.key("shifts"),
                        "both `shifts` and a headcount (`agents` or `agents_by_interval`) are given".into(),
                        "keep one: shifts give the headcount themselves",
                    ));
                }
                self.shifts(shifts, &path.key("shifts"))?
            }
            None => Vec::new(),
        };
        let shrinkage = match spec.shrinkage {
            None => 0.0,
            Some(s) if (0.0..1.0).contains(&s) => s,
            Some(s) => {
                return Err(self.error(
                    &path.key("shrinkage"),
                    format!("shrinkage is a fraction in [0, 1), not {}", shown(s)),
                    &percentage_or(
                        s,
                        "shrinkage",
                        "e.g. shrinkage = 0.3 for 30 % of scheduled agents unavailable",
                    ),
                ))
            }
        };
        let agents_by_interval = match (&spec.agents, &spec.agents_by_interval) {
            _ if !shifts.is_empty() => self.shift_headcounts(&shifts),
            (Some(_), Some(_)) => {
                return Err(self.error(
                    &path.key("agents_by_interval"),
                    "both `agents` and `agents_by_interval` are given".into(),
                    "keep one: `agents` for a constant headcount, `agents_by_interval` for one per interval",
                ))
            }
            (None, None) => {
                return Err(self.error(
                    path,
                    format!("the agent group `{}` has no headcount", spec.name),
                    "add `agents = 45`, `agents_by_interval = [...]` (one per interval) or `shifts = [...]`",
                ))
            }
            (Some(n), None) => vec![count(*n, &path.key("agents"))?; self.intervals as usize],
            (None, Some(list)) => {
                let list_path = path.key("agents_by_interval");
                self.check_length(list.len(), &list_path, "headcounts")?;
                list.iter()
                    .enumerate()
                    .map(|(k, &n)| count(n, &list_path.index(k)))
                    .collect::<Result<Vec<_>, _>>()?
            }
        };
        if spec.skills.is_empty() {
            return Err(self.error(
                &path.key("skills"),
                format!("the agent group `{}` has no skills", spec.name),
                "list the call types it serves, most preferred first, e.g. skills = [\"billing\"]",
            ));
        }
        let mut skills = Vec::with_capacity(spec.skills.len());
        for (i, name) in spec.skills.iter().enumerate() {
            let skill_path = path.key("skills").index(i);
            let Some(&t) = type_ids.get(name.as_str()) else {
                let mut known: Vec<&str> = type_ids.keys().copied().collect();
                known.sort_by_key(|k| type_ids[k]);
                return Err(self.error(
                    &skill_path,
                    format!("the skill `{name}` names no call type"),
                    &format!("use one of the call type names: {}", known.join(", ")),
                ));
            };
            if skills.contains(&t) {
                return Err(self.error(
                    &skill_path,
                    format!("the skill `{name}` is listed twice"),
                    "list each call type once, most preferred first",
                ));
            }
            skills.push(t);
        }
        let max_concurrent = match spec.max_concurrent {
            None => 1,
            Some(n) => whole_number(n, 1.0, 100.0).map_err(|why| {
                self.error(
                    &path.key("max_concurrent"),
                    format!("the contacts an agent handles at once {why}"),
                    "e.g. max_concurrent = 3 for a chat desk",
                )
            })? as u32,
        };
        let concurrency_slowdown = match spec.concurrency_slowdown {
            None => 0.0,
            Some(s) if (0.0..=MAX_SLOWDOWN).contains(&s) => s,
            Some(s) => {
                return Err(self.error(
                    &path.key("concurrency_slowdown"),
                    format!("must be a number in [0, {MAX_SLOWDOWN}] (each other contact in hand makes one at most {}× as long), not {}", MAX_SLOWDOWN + 1.0, shown(s)),
                    &percentage_or(
                        s,
                        "concurrency_slowdown",
                        "e.g. concurrency_slowdown = 0.15: 15 % longer per other contact in hand",
                    ),
                ))
            }
        };
        if concurrency_slowdown > 0.0 && max_concurrent == 1 {
            return Err(self.error(
                &path.key("concurrency_slowdown"),
                format!(
                    "`concurrency_slowdown` slows the contacts a chat agent holds at once, and the agents of `{}` hold one at a time",
                    spec.name
                ),
                "give the group max_concurrent = 3 (contacts at once), or remove concurrency_slowdown",
            ));
        }
        Ok(AgentGroup {
            name: spec.name.clone(),
            agents_by_interval,
            skills,
            shrinkage,
            shifts,
            max_concurrent,
            concurrency_slowdown,
        })
    }

    /// Shifts, with clock times turned into simulated time.
    fn shifts(&self, specs: &[ShiftSpec], path: &FieldPath) -> Result<Vec<Shift>, ScenarioError> {
        if specs.is_empty() {
            return Err(self.error(
                path,
                "the list of shifts is empty".into(),
                "e.g. shifts = [{ start = \"08:00\", end = \"16:30\", agents = 10 }]",
            ));
        }
        let clock = |text: &str, path: &FieldPath| -> Result<SimTime, ScenarioError> {
            let Some(seconds) = parse_clock(text) else {
                return Err(self.error(
                    path,
                    format!("`{text}` is not a clock time"),
                    "write hours and two-digit minutes, e.g. \"08:30\" (\"10:3\" could be 10:03 or 10:30)",
                ));
            };
            // Within the 24 hours from the start of the day: an earlier clock time is the
            // next day's (a night centre's 06:00).
            let since_start = if seconds < self.start_of_day_s {
                seconds + 86_400 - self.start_of_day_s
            } else {
                seconds - self.start_of_day_s
            };
            Ok(SimTime::from_seconds(since_start as f64))
        };
        let day_end = SimTime::from_seconds(self.day_s);
        let day_text = || {
            let start = u64::from(self.start_of_day_s);
            format!(
                "{} to {}",
                clock_hhmm(start),
                clock_hhmm(start + self.day_s as u64)
            )
        };
        let mut shifts = Vec::with_capacity(specs.len());
        // The agents of all shifts together: at most one group's limit, so that no count
        // of agents on at once can exceed it (or wrap around).
        let mut all_shifts = 0.0;
        for (i, spec) in specs.iter().enumerate() {
            let p = path.index(i);
            let (start, end) = (
                clock(&spec.start, &p.key("start"))?,
                clock(&spec.end, &p.key("end"))?,
            );
            if start >= day_end {
                return Err(self.error(
                    &p.key("start"),
                    format!(
                        "the shift starts at {}, outside the simulated day ({})",
                        spec.start,
                        day_text()
                    ),
                    "shift times are clock times within the day from `simulation.start_time` for `duration`; drop the shift or move it into the day",
                ));
            }
            if end <= start {
                return Err(self.error(
                    &p.key("end"),
                    if end == start {
                        format!("the shift ends when it starts ({})", spec.start)
                    } else {
                        format!("the shift ends ({}) before it starts ({})", spec.end, spec.start)
                    },
                    "a shift ends after it starts, within the 24 hours from `simulation.start_time` (a day from 20:00 has shifts to 06:00)",
                ));
            }
            let agents = whole_number(spec.agents, 1.0, MAX_AGENTS).map_err(|why| {
                self.error(
                    &p.key("agents"),
                    format!("a shift's headcount {why}"),
                    "e.g. agents = 12",
                )
            })? as u32;
            all_shifts += agents as f64;
            if all_shifts > MAX_AGENTS {
                return Err(self.error(
                    &p.key("agents"),
                    format!(
                        "the shifts up to this one add up to {all_shifts} agents, more than a \
                         group can have ({MAX_AGENTS})"
                    ),
                    "check the headcounts, or split the agents into several groups",
                ));
            }
            let mut breaks = Vec::with_capacity(spec.breaks.len());
            let mut previous_end = start;
            for (j, b) in spec.breaks.iter().enumerate() {
                let bp = p.key("breaks").index(j);
                let from = clock(&b.start, &bp.key("start"))?;
                let to = from + b.length.sim_time();
                if b.length.seconds() <= 0.0 {
                    return Err(self.error(
                        &bp.key("length"),
                        "a break must be longer than zero".into(),
                        "e.g. length = \"15m\"",
                    ));
                }
                if from < previous_end || from >= end {
                    return Err(self.error(
                        &bp.key("start"),
                        format!(
                            "the break at {} is not inside the shift after the previous break",
                            b.start
                        ),
                        "breaks lie within the shift, in order, without overlapping",
                    ));
                }
                // Starting inside the shift, it is its length that runs past the end.
                if to > end {
                    return Err(self.error(
                        &bp.key("length"),
                        format!(
                            "the break at {} for {} runs past the end of the shift at {}",
                            b.start,
                            super::format_seconds(b.length.seconds()),
                            spec.end
                        ),
                        &format!(
                            "breaks lie within the shift: at most length = \"{}\"",
                            super::format_seconds((end.0 - from.0) as f64 / 1e9)
                        ),
                    ));
                }
                previous_end = to;
                breaks.push((from, to));
            }
            let on_break: u64 = breaks.iter().map(|&(from, to)| to.0 - from.0).sum();
            if !breaks.is_empty() && on_break >= end.0 - start.0 {
                return Err(self.error(
                    &p.key("breaks"),
                    "the breaks cover the whole shift: its agents would never work".into(),
                    "shorten the breaks, or remove the shift",
                ));
            }
            shifts.push(Shift {
                start,
                end,
                agents,
                breaks,
            });
        }
        // A simulation longer than a day works the same roster every day: each row again
        // every 24 hours while it starts inside the simulation.
        let day = SimTime::from_seconds(86_400.0);
        let first_day = shifts.clone();
        for d in 1..day_end.0.div_ceil(day.0) {
            let later = SimTime(day.0 * d);
            shifts.extend(
                first_day
                    .iter()
                    .filter(|shift| shift.start + later < day_end)
                    .map(|shift| Shift {
                        start: shift.start + later,
                        end: shift.end + later,
                        agents: shift.agents,
                        breaks: shift
                            .breaks
                            .iter()
                            .map(|&(from, to)| (from + later, to + later))
                            .collect(),
                    }),
            );
        }
        Ok(shifts)
    }

    /// Per interval, the largest headcount the shifts give (for display and agent slots).
    fn shift_headcounts(&self, shifts: &[Shift]) -> Vec<u32> {
        let group = AgentGroup {
            name: String::new(),
            agents_by_interval: Vec::new(),
            skills: Vec::new(),
            shrinkage: 0.0,
            shifts: shifts.to_vec(),
            max_concurrent: 1,
            concurrency_slowdown: 0.0,
        };
        let interval = self.interval.sim_time();
        let points = group.schedule(interval);
        (0..self.intervals as u64)
            .map(|k| {
                let (from, to) = (SimTime(interval.0 * k), SimTime(interval.0 * (k + 1)));
                let at_start = points
                    .iter()
                    .take_while(|(t, _)| *t <= from)
                    .last()
                    .map_or(0, |p| p.1);
                let inside = points
                    .iter()
                    .filter(|(t, _)| *t > from && *t < to)
                    .map(|p| p.1)
                    .max()
                    .unwrap_or(0);
                at_start.max(inside)
            })
            .collect()
    }

    /// Resolves a distribution table. `zero_allowed`: whether a distribution that is always
    /// zero makes sense (a patience of zero: callers who never wait).
    fn distribution(
        &self,
        spec: &DistributionSpec,
        path: &FieldPath,
        zero_allowed: bool,
    ) -> Result<Distribution, ScenarioError> {
        let kind = spec.distribution.as_str();
        let given: Vec<&str> = [
            ("mean", spec.mean.is_some()),
            ("cv", spec.cv.is_some()),
            ("k", spec.k.is_some()),
            ("value", spec.value.is_some()),
            ("min", spec.min.is_some()),
            ("max", spec.max.is_some()),
            ("values", spec.values.is_some()),
        ]
        .into_iter()
        .filter_map(|(name, present)| present.then_some(name))
        .collect();
        let params: &[&str] = match kind {
            "exponential" => &["mean"],
            "constant" => &["value"],
            "uniform" => &["min", "max"],
            "lognormal" | "gamma" => &["mean", "cv"],
            "erlang" => &["mean", "k"],
            "empirical" => &["values"],
            _ => return Err(self.error(
                &path.key("distribution"),
                format!("`{kind}` is not a known distribution"),
                "use one of: exponential, constant, uniform, lognormal, gamma, erlang, empirical",
            )),
        };
        let example = match kind {
            "exponential" => "{ distribution = \"exponential\", mean = \"4m\" }",
            "constant" => "{ distribution = \"constant\", value = \"4m\" }",
            "uniform" => "{ distribution = \"uniform\", min = \"2m\", max = \"6m\" }",
            "lognormal" => "{ distribution = \"lognormal\", mean = \"4m\", cv = 0.8 }",
            "gamma" => "{ distribution = \"gamma\", mean = \"4m\", cv = 0.8 }",
            "erlang" => "{ distribution = \"erlang\", mean = \"4m\", k = 3 }",
            _ => "{ distribution = \"empirical\", values = [\"2m\", \"3m\", \"7m\"] }",
        };
        if let Some(extra) = given.iter().find(|g| !params.contains(g)) {
            return Err(self.error(
                &path.key(extra),
                format!("`{extra}` is not a parameter of the {kind} distribution"),
                &format!("{kind} takes {}: e.g. {example}", params.join(" and ")),
            ));
        }
        if let Some(missing) = params.iter().find(|p| !given.contains(p)) {
            return Err(self.error(
                path,
                format!("the {kind} distribution needs `{missing}`"),
                &format!("e.g. {example}"),
            ));
        }
        let positive = |d: Option<Duration>, name: &str| -> Result<f64, ScenarioError> {
            let s = d.map_or(0.0, Duration::seconds);
            if s > 0.0 {
                Ok(s)
            } else {
                Err(self.error(
                    &path.key(name),
                    format!("`{name}` must be longer than zero"),
                    &format!("e.g. {example}"),
                ))
            }
        };
        let cv = |name: &str| -> Result<f64, ScenarioError> {
            const HELP: &str = "cv = standard deviation ÷ mean: 0.3–1.5 for talk times, 1 is as variable as an exponential, e.g. cv = 0.8";
            match spec.cv {
                Some(cv) if cv.is_finite() && (MIN_CV..=MAX_CV).contains(&cv) => Ok(cv),
                Some(cv) if cv > 0.0 && cv < MIN_CV => Err(self.error(
                    &path.key(name),
                    format!(
                        "a coefficient of variation of {} is a fixed time (below {MIN_CV})",
                        shown(cv)
                    ),
                    "for a time without spread write { distribution = \"constant\", value = \"3m\" }",
                )),
                Some(cv) if cv.is_finite() && cv > MAX_CV => Err(self.error(
                    &path.key(name),
                    format!(
                        "a coefficient of variation of {} is beyond any handle time, patience or delay (at most {MAX_CV})",
                        shown(cv)
                    ),
                    &percentage_or(cv, name, HELP),
                )),
                other => Err(self.error(
                    &path.key(name),
                    format!("the coefficient of variation must be a number in (0, {MAX_CV}], not {}", shown(other.unwrap_or(f64::NAN))),
                    HELP,
                )),
            }
        };
        // What a time of zero would be where it is refused.
        let zero = if last_key(path) == "delay" {
            "a delay of zero, calling again at the same instant, is not a redial or repeat call"
        } else {
            "a handle time of zero is not a call"
        };
        let built = match kind {
            "exponential" => Ok(Distribution::exponential(positive(spec.mean, "mean")?)),
            "constant" => {
                let value = spec.value.map_or(0.0, Duration::seconds);
                if value == 0.0 && !zero_allowed {
                    return Err(self.error(
                        &path.key("value"),
                        format!("{zero}; the value is always zero"),
                        &format!("e.g. {example}"),
                    ));
                }
                Ok(Distribution::Constant { value })
            }
            "uniform" => {
                let (min, max) = (
                    spec.min.map_or(0.0, Duration::seconds),
                    spec.max.map_or(0.0, Duration::seconds),
                );
                if min > max {
                    return Err(self.error(
                        &path.key("max"),
                        format!(
                            "`max` ({}) is below `min` ({})",
                            spec.max.unwrap(),
                            spec.min.unwrap()
                        ),
                        "make max ≥ min",
                    ));
                }
                if max == 0.0 && !zero_allowed {
                    return Err(self.error(
                        &path.key("max"),
                        format!("{zero}; this uniform is always zero"),
                        &format!("e.g. {example}"),
                    ));
                }
                Distribution::uniform(min, max)
            }
            "lognormal" => Distribution::lognormal(positive(spec.mean, "mean")?, cv("cv")?),
            "gamma" => Distribution::gamma(positive(spec.mean, "mean")?, cv("cv")?),
            "erlang" => {
                let mean = positive(spec.mean, "mean")?;
                let k = whole_number(spec.k.unwrap_or(0.0), 1.0, 1000.0).map_err(|why| {
                    self.error(
                        &path.key("k"),
                        format!("the number of phases k {why}"),
                        "e.g. k = 3",
                    )
                })?;
                Distribution::erlang(mean, k as u32)
            }
            _ => {
                let values: Vec<f64> = spec
                    .values
                    .as_deref()
                    .unwrap_or(&[])
                    .iter()
                    .map(|d| d.seconds())
                    .collect();
                if values.is_empty() {
                    return Err(self.error(
                        &path.key("values"),
                        "the list of values is empty".into(),
                        &format!("e.g. {example}"),
                    ));
                }
                if !zero_allowed && values.iter().all(|&v| v == 0.0) {
                    return Err(self.error(
                        &path.key("values"),
                        format!("{zero}; every value is zero"),
                        &format!("e.g. {example}"),
                    ));
                }
                Ok(Distribution::Empirical { values })
            }
        };
        let built = built.map_err(|why| {
            self.error(
                path,
                format!("invalid {kind} parameters: {why}"),
                &format!("e.g. {example}"),
            )
        })?;
        let tail = built.tail_seconds();
        if tail > LONGEST_DRAW_S {
            return Err(self.error(
                path,
                format!(
                    "one draw in 10^15 of this {kind} distribution is {} years or more, beyond the limit of {} years: \
                     simulated time counts nanoseconds in 64 bits, which end at 584 years",
                    shown((tail / YEAR_S).round()),
                    LONGEST_DRAW_S / YEAR_S
                ),
                "lower the mean (or the cv); a handle time, patience or delay is minutes or hours, not years",
            ));
        }
        Ok(built)
    }
}

/// The optional targets of `[service_level]`: fractions in [0, 1] (a service-level target
/// above 0), written as fractions, not percentages.
fn service_targets(
    spec: &ServiceLevelSpec,
    path: &FieldPath,
    source: &Source,
) -> Result<ServiceTargets, ScenarioError> {
    let fraction = |value: Option<f64>, key: &str, example: &str, zero_ok: bool| {
        let Some(x) = value else { return Ok(None) };
        if x.is_finite() && x > 1.0 && x <= 100.0 {
            return Err(source.error_at(
                &path.key(key),
                format!(
                    "{key} = {} looks like a percentage; it is a fraction",
                    shown(x)
                ),
                &format!("write {} for {} %, e.g. {example}", x / 100.0, shown(x)),
            ));
        }
        if !(x.is_finite() && (0.0..=1.0).contains(&x)) || (!zero_ok && x == 0.0) {
            let range = if zero_ok { "[0, 1]" } else { "(0, 1]" };
            return Err(source.error_at(
                &path.key(key),
                format!("{key} must be a fraction in {range}, not {}", shown(x)),
                &format!("e.g. {example}"),
            ));
        }
        Ok(Some(x))
    };
    let unmeetable =
        |key: &str, what: &str, example: &str| Err(unmeetable(source, path, key, what, example));
    if spec.target == Some(1.0) {
        return unmeetable("target", "a service level of 100 %", "target = 0.95");
    }
    if spec.max_abandon_rate == Some(0.0) {
        return unmeetable(
            "max_abandon_rate",
            "an abandon rate of 0",
            "max_abandon_rate = 0.05 for 5 %",
        );
    }
    if spec.max_asa.is_some_and(|asa| asa.seconds() == 0.0) {
        return unmeetable("max_asa", "an ASA of 0s", "max_asa = \"30s\"");
    }
    Ok(ServiceTargets {
        service_level: fraction(spec.target, "target", "target = 0.8 for 80/20", false)?,
        max_abandon_rate: fraction(
            spec.max_abandon_rate,
            "max_abandon_rate",
            "max_abandon_rate = 0.05 for 5 %",
            true,
        )?,
        max_asa_s: spec.max_asa.map(Duration::seconds),
        max_occupancy: fraction(
            spec.max_occupancy,
            "max_occupancy",
            "max_occupancy = 0.85 for 85 %",
            false,
        )?,
    })
}

/// A target no finite staffing meets (`what`, at `key` of `table`): a Poisson day always has a caller
/// who waits (or hangs up), so `staff` would judge it met on a sample that happened to show
/// none.
fn unmeetable(
    source: &Source,
    table: &FieldPath,
    key: &str,
    what: &str,
    example: &str,
) -> ScenarioError {
    source.error_at(
        &table.key(key),
        format!("{what} is met by no finite number of agents (someone always waits)"),
        &format!("e.g. {example}, or remove `{key}`"),
    )
}

/// The help for a fraction out of range: if `value` reads as a percentage (above 1, at most
/// 500), how to write it as a fraction; otherwise `help`.
fn percentage_or(value: f64, key: &str, help: &str) -> String {
    if value.is_finite() && value > 1.0 && value <= 500.0 {
        format!(
            "{} looks like a percentage; {key} is a fraction: write {key} = {} for {} %",
            shown(value),
            shown(value / 100.0),
            shown(value)
        )
    } else {
        help.to_owned()
    }
}

/// The last key of `path` (`share` of `call_types[0].ivr.share`), for messages.
fn last_key(path: &FieldPath) -> &str {
    path.0
        .iter()
        .rev()
        .find_map(|s| match s {
            super::Segment::Key(k) => Some(k.as_str()),
            super::Segment::Index(_) => None,
        })
        .unwrap_or("value")
}

fn check_name(name: &str, path: &FieldPath, source: &Source) -> Result<(), ScenarioError> {
    if name.trim().is_empty() {
        return Err(source.error_at(
            path,
            "the name is empty",
            "give it a name, e.g. name = \"billing\"",
        ));
    }
    // Names go into call logs (CSV), tables and the wallboard: commas and quotes are quoted
    // and read back, but spaces at the ends would be trimmed away by the trace reader, and
    // tabs, newlines and other control characters break every one of them.
    if name.trim() != name {
        return Err(source.error_at(
            path,
            format!("the name {name:?} starts or ends with a space"),
            &format!("remove the spaces: name = \"{}\"", name.trim()),
        ));
    }
    if let Some(c) = name.chars().find(|c| c.is_control()) {
        return Err(source.error_at(
            path,
            format!("the name contains the control character {c:?}"),
            "names are one line of text; use spaces instead of tabs or line breaks",
        ));
    }
    // Invisible characters make two names look alike in every table (`general` and
    // `general` with a zero-width space) or reorder the text around them.
    if let Some(c) = name.chars().find(|&c| is_invisible(c)) {
        return Err(source.error_at(
            path,
            format!(
                "the name {name:?} contains the invisible character U+{:04X}",
                c as u32
            ),
            "retype the name without it (it often comes with text pasted from a web page or a document)",
        ));
    }
    Ok(())
}

/// Unicode format characters that show as nothing: zero-width spaces and joiners, the
/// direction marks and overrides, the word joiner and invisible operators, the byte order
/// mark, the soft hyphen.
pub(crate) fn is_invisible(c: char) -> bool {
    matches!(
        c,
        '\u{00AD}'
            | '\u{180E}'
            | '\u{200B}'..='\u{200F}'
            | '\u{202A}'..='\u{202E}'
            | '\u{2060}'..='\u{2064}'
            | '\u{2066}'..='\u{206F}'
            | '\u{FEFF}'
    )
}

/// `value` as a whole number in `[min, max]`, or why not.
fn whole_number(value: f64, min: f64, max: f64) -> Result<f64, String> {
    if !value.is_finite() || value.fract() != 0.0 {
        Err(format!("must be a whole number, not {}", shown(value)))
    } else if value < min {
        Err(format!(
            "must be at least {}, not {}",
            shown(min),
            shown(value)
        ))
    } else if value > max {
        Err(format!(
            "of {} is more than the limit of {}",
            shown(value),
            shown(max)
        ))
    } else {
        Ok(value)
    }
}

/// Seconds after midnight of `"HH:MM"` (or `"HH:MM:SS"`). Minutes and seconds take two
/// digits: `"10:3"` could mean 10:03 or 10:30, and is refused.
fn parse_clock(text: &str) -> Option<u32> {
    let parts: Vec<&str> = text.trim().split(':').collect();
    if !(2..=3).contains(&parts.len())
        || parts[0].is_empty()
        || parts[0].len() > 2
        || parts[1..].iter().any(|p| p.len() != 2)
    {
        return None;
    }
    let numbers: Vec<u32> = parts
        .iter()
        .map(|p| p.parse().ok())
        .collect::<Option<_>>()?;
    let (h, m, s) = (numbers[0], numbers[1], numbers.get(2).copied().unwrap_or(0));
    (h < 24 && m < 60 && s < 60).then_some(h * 3600 + m * 60 + s)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clock_times() {
        assert_eq!(parse_clock("08:00"), Some(8 * 3600));
        assert_eq!(parse_clock("23:59:30"), Some(86370));
        assert_eq!(parse_clock("24:00"), None);
        assert_eq!(parse_clock("8"), None);
        assert_eq!(parse_clock("8:5x"), None);
        assert_eq!(parse_clock("8:05"), Some(8 * 3600 + 300));
        assert_eq!(parse_clock("10:3"), None);
        assert_eq!(parse_clock("10:30:5"), None);
    }

    #[test]
    fn whole_numbers() {
        assert_eq!(whole_number(3.0, 0.0, 10.0), Ok(3.0));
        assert!(whole_number(3.5, 0.0, 10.0).is_err());
        assert!(whole_number(-1.0, 0.0, 10.0).is_err());
        assert!(whole_number(f64::NAN, 0.0, 10.0).is_err());
        assert!(whole_number(11.0, 0.0, 10.0).is_err());
    }
}
