//! Whether measures read back from a file could have come from a run: `merge` believes a
//! part's checksum only about the bytes, so a part edited and checksummed again must still
//! hold whole, non-negative counts that add up as a run's always do.

use super::measures::CountedRatios;
use super::{CallMeasures, GroupMeasures, ReplicationMeasures};

/// The counts of a block, by name.
fn counts(m: &CallMeasures) -> [(&'static str, f64); 15] {
    [
        ("offered", m.offered),
        ("answered", m.answered),
        ("abandoned", m.abandoned),
        ("unserved", m.unserved),
        ("blocked", m.blocked),
        ("deflected", m.deflected),
        ("retrials", m.retrials),
        ("transfers_in", m.transfers_in),
        ("repeats", m.repeats),
        ("transferred", m.transferred),
        ("unresolved", m.unresolved),
        ("callbacks", m.callbacks),
        ("callback_jobs", m.callback_jobs),
        ("answered_within_threshold", m.answered_within_threshold),
        ("queued", m.queued),
    ]
}

/// Whether `x` is a whole number of calls (exact in an f64).
fn is_count(x: f64) -> bool {
    x >= 0.0 && x.fract() == 0.0 && x < 2f64.powi(53)
}

/// Whether `x` is a time or an average that may be read: finite and not negative.
fn is_amount(x: f64) -> bool {
    x >= 0.0 && x.is_finite()
}

/// Whether `x` seconds is a span simulated time can hold: at most 2⁶⁴ nanoseconds.
fn is_span(x: f64) -> bool {
    is_amount(x) && x <= u64::MAX as f64 / 1e9
}

/// Calls that ended, one way or another: every offered call has exactly one outcome.
fn outcomes(m: &CallMeasures) -> f64 {
    m.answered + m.abandoned + m.blocked + m.deflected + m.unserved + m.callbacks
}

/// Why the measures of one block cannot have come from a run, if they cannot.
fn call_block(m: &CallMeasures) -> Result<(), String> {
    for (name, x) in counts(m) {
        if !is_count(x) {
            return Err(format!("`{name}` is {x}, not a count of calls"));
        }
    }
    for (name, x) in [
        ("wait_sum_s", m.wait_sum_s),
        ("handle_sum_s", m.handle_sum_s),
        ("busy_s", m.busy_s),
        ("capacity_s", m.capacity_s),
    ] {
        if !is_amount(x) {
            return Err(format!("`{name}` is {x}, not a time"));
        }
    }
    if m.offered != outcomes(m) {
        return Err(format!(
            "{} offered calls but {} outcomes",
            m.offered,
            outcomes(m)
        ));
    }
    if m.answered_within_threshold > m.answered {
        return Err(format!(
            "{} answered within the threshold of {} answered",
            m.answered_within_threshold, m.answered
        ));
    }
    // The ratios are their counts' ratios, computed as a run computes them.
    let counted = CountedRatios::of(m);
    for (name, stored, counted) in [
        ("service_level", m.service_level, counted.service_level),
        ("p_wait", m.p_wait, counted.p_wait),
        ("abandon_rate", m.abandon_rate, counted.abandon_rate),
        ("asa_s", m.asa_s, counted.asa_s),
        ("aht_s", m.aht_s, counted.aht_s),
    ] {
        if stored != counted {
            let shown =
                |x: Option<f64>| x.map_or_else(|| "none".to_owned(), crate::scenario::shown);
            return Err(format!(
                "`{name}` is {}, its counts give {}",
                shown(stored),
                shown(counted)
            ));
        }
    }
    occupancy(m.occupancy, m.busy_s, m.capacity_s)?;
    match m.longest_wait_s {
        Some(x) if !is_span(x) => Err(format!(
            "`longest_wait_s` is {}, not a wait",
            crate::scenario::shown(x)
        )),
        _ => Ok(()),
    }
}

/// Whether `occupancy` is busy ÷ staffed time (to rounding: the run divides nanoseconds).
fn occupancy(occupancy: Option<f64>, busy_s: f64, capacity_s: f64) -> Result<(), String> {
    let counted = (capacity_s > 0.0).then(|| busy_s / capacity_s);
    let agrees = match (occupancy, counted) {
        (Some(x), Some(y)) => (x - y).abs() <= 1e-9 * y.max(1.0),
        (None, None) => true,
        // A run's occupancy is defined exactly when some nanosecond was staffed, and its
        // staffed seconds are then above 0.
        (Some(_), None) => false,
        (None, Some(_)) => false,
    };
    if agrees {
        Ok(())
    } else {
        Err(format!(
            "`occupancy` is {}, busy {} s of {} s staffed gives {}",
            occupancy.map_or("none".into(), crate::scenario::shown),
            crate::scenario::shown(busy_s),
            crate::scenario::shown(capacity_s),
            counted.map_or("none".into(), crate::scenario::shown),
        ))
    }
}

/// Why the measures of one group cannot have come from a run, if they cannot.
fn group_block(g: &GroupMeasures) -> Result<(), String> {
    if !is_count(g.answered) {
        return Err(format!(
            "`answered` is {}, not a count of calls",
            g.answered
        ));
    }
    for (name, x) in [
        ("busy_s", g.busy_s),
        ("capacity_s", g.capacity_s),
        ("staffed_agents", g.staffed_agents),
        ("scheduled_agents", g.scheduled_agents),
    ] {
        if !is_amount(x) {
            return Err(format!("`{name}` is {x}, out of range"));
        }
    }
    occupancy(g.occupancy, g.busy_s, g.capacity_s)
}

/// The total, call-type, tier and group measures of one span (the whole day or one
/// interval): each block plausible, and the types, tiers and groups adding up to the total.
fn span(
    total: &CallMeasures,
    types: &[CallMeasures],
    classes: &[CallMeasures],
    groups: &[GroupMeasures],
) -> Result<(), String> {
    call_block(total).map_err(|why| format!("total: {why}"))?;
    for (t, m) in types.iter().enumerate() {
        call_block(m).map_err(|why| format!("call type {t}: {why}"))?;
    }
    for (c, m) in classes.iter().enumerate() {
        call_block(m).map_err(|why| format!("tier {c}: {why}"))?;
    }
    for (g, m) in groups.iter().enumerate() {
        group_block(m).map_err(|why| format!("agent group {g}: {why}"))?;
    }
    let sum = |f: fn(&CallMeasures) -> f64, blocks: &[CallMeasures]| -> f64 {
        blocks.iter().map(f).sum()
    };
    for (name, f) in [
        ("offered", (|m| m.offered) as fn(&CallMeasures) -> f64),
        ("answered", |m| m.answered),
    ] {
        if !types.is_empty() && sum(f, types) != f(total) {
            return Err(format!(
                "the call types' {name} add up to {}, the total is {}",
                sum(f, types),
                f(total)
            ));
        }
        if !classes.is_empty() && sum(f, classes) != f(total) {
            return Err(format!(
                "the tiers' {name} add up to {}, the total is {}",
                sum(f, classes),
                f(total)
            ));
        }
    }
    let by_groups: f64 = groups.iter().map(|g| g.answered).sum();
    if !groups.is_empty() && by_groups != total.answered {
        return Err(format!(
            "the agent groups answered {by_groups}, the call types {}",
            total.answered
        ));
    }
    Ok(())
}

impl ReplicationMeasures {
    /// Why these measures cannot have come from a run, if they cannot: a count that is not a
    /// whole number of calls, calls without exactly one outcome, a ratio that is not its
    /// counts' ratio, blocks that do not add up, or a day that is not its intervals' sum.
    pub fn check_plausible(&self) -> Result<(), String> {
        span(&self.total, &self.call_types, &self.classes, &self.groups)
            .map_err(|why| format!("the whole day, {why}"))?;
        for i in &self.intervals {
            span(&i.total, &i.call_types, &i.classes, &i.groups)
                .map_err(|why| format!("interval {}, {why}", i.interval))?;
        }
        if !self.intervals.is_empty() {
            let offered: f64 = self.intervals.iter().map(|i| i.total.offered).sum();
            let answered: f64 = self.intervals.iter().map(|i| i.total.answered).sum();
            if (offered, answered) != (self.total.offered, self.total.answered) {
                return Err(format!(
                    "the intervals offered {offered} and answered {answered}, the whole day {} and {}",
                    self.total.offered, self.total.answered
                ));
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use crate::model::Model;
    use crate::scenario::Source;

    fn measures() -> crate::stats::ReplicationMeasures {
        let mut model: Model = Source::default_scenario().load().unwrap();
        model.replications = 1;
        crate::run_replications(&model, Some(1), crate::routing::SkillPriority::new)
            .pop()
            .unwrap()
    }

    #[test]
    fn a_runs_measures_are_plausible() {
        measures().check_plausible().unwrap();
    }

    #[test]
    fn edited_measures_are_not() {
        let m = measures();
        let mut negative = m.clone();
        negative.total.answered = -5000.0;
        let why = negative.check_plausible().unwrap_err();
        assert!(why.contains("`answered` is -5000"), "{why}");

        let mut lost = m.clone();
        lost.intervals[3].total.abandoned += 1.0;
        let why = lost.check_plausible().unwrap_err();
        assert!(why.starts_with("interval 3, total: "), "{why}");

        let mut unstaffed = m.clone();
        unstaffed.groups[0].capacity_s = 0.0;
        assert!(unstaffed.groups[0].occupancy.is_some());
        let why = unstaffed.check_plausible().unwrap_err();
        assert!(why.contains("`occupancy` is"), "{why}");

        let mut endless = m.clone();
        endless.total.longest_wait_s = Some(1e300);
        let why = endless.check_plausible().unwrap_err();
        assert!(
            why.contains("`longest_wait_s` is 1e300, not a wait"),
            "{why}"
        );

        let mut level = m.clone();
        level.total.service_level = Some(3.996);
        let why = level.check_plausible().unwrap_err();
        assert!(
            why.contains("`service_level` is 3.996, its counts give 0."),
            "{why}"
        );
        assert!(!why.contains("Some("), "{why}");

        let mut unanswered = m.clone();
        unanswered.total.asa_s = None;
        let why = unanswered.check_plausible().unwrap_err();
        assert!(why.contains("`asa_s` is none, its counts give "), "{why}");

        // Consistent within every block, but the day is not its intervals' sum.
        let mut day = m.clone();
        for block in [&mut day.total, &mut day.call_types[0], &mut day.classes[0]] {
            block.offered += 1.0;
            block.blocked += 1.0;
        }
        let why = day.check_plausible().unwrap_err();
        assert!(why.starts_with("the intervals offered"), "{why}");
    }
}
