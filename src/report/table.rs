//! The report as text tables for people: totals and call types, agent groups, intervals,
//! and (on request) every interval per call type. Each service level says which threshold
//! it is measured against; one replication prints no "±".

use std::fmt::Write;

use super::{CallBlock, Report, TypeBlock};
use crate::scenario::format_seconds;
use crate::stats::Stat;

/// A count, e.g. `4210 ±31`.
pub fn count(s: &Stat) -> String {
    match (s.mean, s.ci95) {
        (Some(m), Some(h)) if h > 0.0 => format!("{m:.0} ±{h:.0}"),
        (Some(m), _) => format!("{m:.0}"),
        _ => "–".into(),
    }
}

/// A fraction as a percentage, e.g. `81.2% ±1.1`.
pub fn percent(s: &Stat) -> String {
    match (s.mean, s.ci95) {
        (Some(m), Some(h)) if h > 0.0 => format!("{:.1}% ±{:.1}", m * 100.0, h * 100.0),
        (Some(m), _) => format!("{:.1}%", m * 100.0),
        _ => "–".into(),
    }
}

/// Seconds, e.g. `12.3s ±0.8`.
pub fn seconds(s: &Stat) -> String {
    match (s.mean, s.ci95) {
        (Some(m), Some(h)) if h > 0.0 => format!("{m:.1}s ±{h:.1}"),
        (Some(m), _) => format!("{m:.1}s"),
        _ => "–".into(),
    }
}

/// A paired difference of counts, signed, e.g. `+12 ±5`.
pub fn count_change(s: &Stat) -> String {
    with_half_width(s, |x| signed(x, 0), |h| format!("{h:.0}"))
}

/// A paired difference of fractions in percentage points, e.g. `+2.3 pp ±1.1`.
pub fn points(s: &Stat) -> String {
    with_half_width(
        s,
        |x| format!("{} pp", signed(x * 100.0, 1)),
        |h| format!("{:.1}", h * 100.0),
    )
}

/// A paired difference of seconds, signed, e.g. `-3.1s ±0.8`.
pub fn seconds_change(s: &Stat) -> String {
    with_half_width(s, |x| format!("{}s", signed(x, 1)), |h| format!("{h:.1}"))
}

/// `mean ±half-width` (the half-width only when there is one), or `–` when undefined.
fn with_half_width(s: &Stat, mean: impl Fn(f64) -> String, half: impl Fn(f64) -> String) -> String {
    match (s.mean, s.ci95) {
        (Some(m), Some(h)) if h > 0.0 => format!("{} ±{}", mean(m), half(h)),
        (Some(m), _) => mean(m),
        _ => "–".into(),
    }
}

/// `x` with its sign and `decimals` decimals; what rounds to zero is `0` (no sign).
fn signed(x: f64, decimals: usize) -> String {
    let text = format!("{x:+.decimals$}");
    if text[1..].chars().all(|c| c == '0' || c == '.') {
        text[1..].to_owned()
    } else {
        text
    }
}

/// What a table's figures are: counts as means, rates and percentiles of all replications'
/// calls pooled, with their 95 % confidence half-widths; or, with one replication, single
/// values (there is no interval to show, so no "±" is printed).
pub fn precision_note(replications: u32) -> &'static str {
    if replications == 1 {
        "one replication: no confidence interval"
    } else {
        "±95% CI half-width; rates and percentiles of all replications' calls pooled"
    }
}

/// The service-level thresholds that the calls of a block are held to, in seconds: one
/// for a call type without tiers or for a tier; several for a type whose tiers differ, or
/// for a total over types that differ (each call counts against its own).
#[derive(Debug, Clone, PartialEq)]
pub struct Within(Vec<f64>);

impl Within {
    /// The distinct thresholds among `thresholds_s`.
    pub fn of(thresholds_s: impl IntoIterator<Item = f64>) -> Within {
        let mut all: Vec<f64> = thresholds_s.into_iter().collect();
        all.sort_by(f64::total_cmp);
        all.dedup();
        Within(all)
    }

    /// The distinct thresholds, ascending, in seconds.
    pub fn seconds(&self) -> &[f64] {
        &self.0
    }

    /// The one threshold, if every call is held to the same.
    pub fn single(&self) -> Option<f64> {
        match self.0.as_slice() {
            [t] => Some(*t),
            _ => None,
        }
    }

    /// `20s` as the scenario writes it, or `mixed` when calls are held to different
    /// thresholds.
    pub fn label(&self) -> String {
        self.single()
            .map_or_else(|| "mixed".to_owned(), format_seconds)
    }

    /// A service-level column's header: `SL 20s`, or `SL mixed`.
    pub fn header(&self) -> String {
        format!("SL {}", self.label())
    }
}

/// The thresholds of a call type's calls (its own, or its tiers').
pub fn type_within(t: &TypeBlock) -> Within {
    Within::of(
        t.service_level_threshold_s
            .into_iter()
            .chain(t.tiers.iter().map(|tier| tier.service_level_threshold_s)),
    )
}

/// Each call type's threshold, or each of its tiers', e.g. `general 20s, billing 60s,
/// mobile/diamond 10s`.
pub fn thresholds_list(types: &[TypeBlock]) -> String {
    let mut each = Vec::new();
    for t in types {
        match t.service_level_threshold_s {
            Some(s) => each.push(format!("{} {}", t.name, format_seconds(s))),
            None => each.extend(t.tiers.iter().map(|tier| {
                format!(
                    "{}/{} {}",
                    t.name,
                    tier.name,
                    format_seconds(tier.service_level_threshold_s)
                )
            })),
        }
    }
    each.join(", ")
}

/// The thresholds of every call in the report.
pub fn report_within(report: &Report) -> Within {
    Within::of(
        report
            .call_types
            .iter()
            .flat_map(|t| type_within(t).seconds().to_vec()),
    )
}

/// The line that defines the service level: with the threshold when all calls share it,
/// else saying where each row's threshold is and what a mixed row means.
pub fn service_level_definition(within: &Within) -> String {
    match within.single() {
        Some(t) => format!(
            "Service level (SL) = answered within {} ÷ (answered + abandoned + unserved)",
            format_seconds(t)
        ),
        None => "Service level (SL) = answered within the threshold ÷ (answered + abandoned + unserved).\n\
                 Thresholds differ by call type or tier: each row shows its own under \"within\"; \
                 \"mixed\" (a type with tiers, a total) holds each call to its own type's or tier's threshold"
            .to_owned(),
    }
}

/// Renders rows of cells with the first column left-aligned and the others right-aligned.
pub fn grid(out: &mut String, rows: &[Vec<String>]) {
    let columns = rows.iter().map(Vec::len).max().unwrap_or(0);
    let widths: Vec<usize> = (0..columns)
        .map(|c| {
            rows.iter()
                .filter_map(|r| r.get(c))
                .map(|s| s.chars().count())
                .max()
                .unwrap_or(0)
        })
        .collect();
    for row in rows {
        let mut line = String::new();
        for (c, cell) in row.iter().enumerate() {
            let pad = widths[c] - cell.chars().count();
            if c == 0 {
                line += cell;
                line += &" ".repeat(pad);
            } else {
                line += "  ";
                line += &" ".repeat(pad);
                line += cell;
            }
        }
        let _ = writeln!(out, "{}", line.trim_end());
    }
}

/// The columns every call row has, before its extras (blocked, deflected, ...).
const CALL_COLUMNS: usize = 10;

/// A header row of the call columns; `sl` heads the service level, followed by a `within`
/// column when rows differ in threshold.
fn call_header(first: &str, sl: &str, within_column: bool) -> Vec<String> {
    let mut row: Vec<String> = [first, "offered", "answered", "abandoned", sl]
        .iter()
        .map(|s| s.to_string())
        .collect();
    if within_column {
        row.push("within".into());
    }
    row.extend(
        ["abandon", "ASA", "p90 wait", "AHT", "occupancy"]
            .iter()
            .map(|s| s.to_string()),
    );
    row
}

/// A row of a call block; `within` (the threshold's label) follows the service level when
/// the table has that column. Counts that are not zero anywhere (blocked, deflected, ...)
/// follow the call columns in one cell.
fn call_row(label: &str, b: &CallBlock, within: Option<String>) -> Vec<String> {
    let mut row = vec![
        label.to_owned(),
        count(&b.offered),
        count(&b.answered),
        count(&b.abandoned),
        percent(&b.service_level),
    ];
    row.extend(within);
    row.extend([
        percent(&b.abandon_rate),
        seconds(&b.asa_s),
        seconds(&b.wait_s.p90),
        seconds(&b.aht_s),
        percent(&b.occupancy),
    ]);
    // The calls that ended without waiting (blocked, deflected, taking a callback) count in
    // neither the service level nor the abandon rate: their share of the offered says how
    // many that leaves out.
    let offered = b.offered.mean.filter(|&o| o > 0.0);
    let mut extras = Vec::new();
    for (what, stat, share) in [
        ("blocked", &b.blocked, true),
        ("deflected", &b.deflected, true),
        ("retrials", &b.retrials, false),
        ("transferred", &b.transferred, false),
        ("callbacks", &b.callbacks, true),
        ("unserved", &b.unserved, false),
    ] {
        let Some(mean) = stat.mean.filter(|&u| u > 0.0) else {
            continue;
        };
        match offered {
            Some(offered) if share => extras.push(format!(
                "{} {what} ({:.1}% of offered)",
                count(stat),
                mean / offered * 100.0
            )),
            _ => extras.push(format!("{} {what}", count(stat))),
        }
    }
    if !extras.is_empty() {
        row.push(extras.join(", "));
    }
    row
}

/// The report's first lines: what was run, what the figures are, what SL means.
fn heading(out: &mut String, report: &Report, within: &Within) {
    let _ = writeln!(
        out,
        "{} — {} replication{}, seed {}; {}",
        report.scenario,
        report.replications,
        if report.replications == 1 { "" } else { "s" },
        report.seed,
        precision_note(report.replications)
    );
    let _ = writeln!(out, "{}\n", service_level_definition(within));
}

/// The report as text: a header, then call types, agent groups and intervals.
pub fn render(report: &Report) -> String {
    let within = report_within(report);
    let mixed = within.single().is_none();
    let mut out = String::new();
    heading(&mut out, report, &within);

    let sl = if mixed {
        "SL".to_owned()
    } else {
        within.header()
    };
    let mut rows = vec![call_header("Call type", &sl, mixed)];
    for t in &report.call_types {
        rows.push(call_row(
            &t.name,
            &t.block,
            mixed.then(|| type_within(t).label()),
        ));
        for tier in &t.tiers {
            let tier_within = Within::of([tier.service_level_threshold_s]);
            rows.push(call_row(
                &format!("  {}", tier.name),
                &tier.block,
                mixed.then(|| tier_within.label()),
            ));
        }
    }
    if report.call_types.len() > 1 || report.call_types.iter().any(|t| !t.tiers.is_empty()) {
        rows.push(call_row(
            "Total",
            &report.total,
            mixed.then(|| within.label()),
        ));
    }
    grid(&mut out, &rows);

    out += "\n";
    let mut rows = vec![vec![
        "Agent group".to_owned(),
        "scheduled".to_owned(),
        "agents".to_owned(),
        "answered".to_owned(),
        "occupancy".to_owned(),
    ]];
    for g in &report.agent_groups {
        rows.push(vec![
            g.name.clone(),
            format!("{:.1}", g.block.scheduled_agents.value()),
            format!("{:.1}", g.block.staffed_agents.value()),
            count(&g.block.answered),
            percent(&g.block.occupancy),
        ]);
    }
    grid(&mut out, &rows);

    out += "\n";
    let mut header = call_header("Interval", &within.header(), false);
    header.push("scheduled".into());
    header.push("agents".into());
    let mut rows = vec![header];
    for interval in &report.intervals {
        let mut row = call_row(&interval.start, &interval.total, None);
        row.truncate(CALL_COLUMNS);
        let sum = |f: fn(&super::GroupBlock) -> f64| -> f64 {
            interval.agent_groups.iter().map(|g| f(&g.block)).sum()
        };
        row.push(format!("{:.1}", sum(|g| g.scheduled_agents.value())));
        row.push(format!("{:.1}", sum(|g| g.staffed_agents.value())));
        rows.push(row);
    }
    grid(&mut out, &rows);
    out
}

/// Every interval of each call type, and of each tier, as a table of its own headed by the
/// threshold its service level is measured against (`run --intervals-by-type`).
pub fn intervals_by_type(report: &Report) -> String {
    let mut out = String::new();
    let mut section = |name: &str, within: &Within, blocks: Vec<&CallBlock>| {
        let _ = writeln!(
            out,
            "\n{name} by interval — service level within {}",
            match within.single() {
                Some(t) => format_seconds(t),
                None => "each tier's own threshold (mixed)".to_owned(),
            }
        );
        let mut rows = vec![call_header("Interval", &within.header(), false)];
        for (interval, block) in report.intervals.iter().zip(blocks) {
            rows.push(call_row(&interval.start, block, None));
        }
        grid(&mut out, &rows);
    };
    for (t, call_type) in report.call_types.iter().enumerate() {
        section(
            &call_type.name,
            &type_within(call_type),
            report
                .intervals
                .iter()
                .map(|i| &i.call_types[t].block)
                .collect(),
        );
        for (k, tier) in call_type.tiers.iter().enumerate() {
            section(
                &format!("{}/{}", call_type.name, tier.name),
                &Within::of([tier.service_level_threshold_s]),
                report
                    .intervals
                    .iter()
                    .map(|i| &i.call_types[t].tiers[k].block)
                    .collect(),
            );
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stat(mean: f64, ci95: f64) -> Stat {
        Stat {
            mean: Some(mean),
            ci95: Some(ci95),
        }
    }

    #[test]
    fn differences_are_signed_and_rates_are_in_points() {
        assert_eq!(points(&stat(0.0234, 0.011)), "+2.3 pp ±1.1");
        assert_eq!(points(&stat(-0.051, 0.0)), "-5.1 pp");
        assert_eq!(count_change(&stat(12.4, 5.0)), "+12 ±5");
        assert_eq!(seconds_change(&stat(-3.12, 0.8)), "-3.1s ±0.8");
        // What rounds to zero has no sign.
        assert_eq!(seconds_change(&stat(-0.04, 0.2)), "0.0s ±0.2");
        assert_eq!(count_change(&stat(0.0, 0.0)), "0");
        let undefined = Stat {
            mean: None,
            ci95: None,
        };
        assert_eq!(points(&undefined), "–");
    }

    #[test]
    fn a_threshold_is_named_once_or_the_block_is_mixed() {
        let one = Within::of([20.0, 20.0]);
        assert_eq!(
            (one.single(), one.label(), one.header()),
            (Some(20.0), "20s".into(), "SL 20s".into())
        );
        let mixed = Within::of([60.0, 20.0, 60.0]);
        assert_eq!(mixed.seconds(), [20.0, 60.0]);
        assert_eq!((mixed.single(), mixed.header()), (None, "SL mixed".into()));
        assert!(service_level_definition(&one).contains("within 20s ÷"));
        assert!(service_level_definition(&mixed).contains("\"mixed\""));
    }

    #[test]
    fn one_replication_has_no_interval_to_show() {
        assert_eq!(precision_note(1), "one replication: no confidence interval");
        assert!(precision_note(2).starts_with("±95% CI half-width"));
    }
}
