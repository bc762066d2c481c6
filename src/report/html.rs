//! The report as one self-contained HTML page (`--format html` of `run`, `compare`, `sweep`
//! and `staff`): inline CSS and SVG, no script, no font, no link to anything, so the file
//! opens anywhere, offline, and prints (A4 landscape).
//!
//! Written with `maud`: every name that came from a scenario (the scenario's, call types',
//! tiers', groups', alternatives') is escaped by the template itself. Figures are the
//! report's own: the page computes nothing but the Erlang comparison (from
//! [`crate::staffing::start::per_type`]) and the waiting-time distribution, which it reads
//! from the pooled wait histograms ([`crate::run_with_waits`]).

mod svg;

use maud::{html, Markup, PreEscaped, DOCTYPE};

use super::{CallBlock, Report, TypeBlock};
use crate::compare::{all_on_the_same_callers, Alternative, Comparison};
use crate::model::{Model, ServiceTargets};
use crate::report::chart::{self, Chart};
use crate::report::table::{count, percent, seconds};
use crate::scenario::format_seconds;
use crate::stats::{Stat, Waits};
use svg::{colour, Forest, HeatMap, Line, LineChart, Marker, StackedBars, Unit};

/// The stylesheet: screen and print.
const STYLE: &str = include_str!("html/style.css");

/// Sizes of a chart in a two-column and in a three-column row.
const WIDE: (f64, f64) = (640.0, 250.0);
const NARROW: (f64, f64) = (420.0, 230.0);

/// Colours of the targets and of the Erlang baseline.
const TARGET: &str = "#c0392b";
const ERLANG: &str = "#7f7f7f";

/// The page around `body`, with its title and the line under it.
fn page(kind: &str, title: &str, subtitle: Markup, body: Markup) -> String {
    html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                meta name="generator" content=(format!("callsim {}", env!("CARGO_PKG_VERSION")));
                title { (title) " — callsim " (kind) }
                style { (PreEscaped(STYLE)) }
            }
            body {
                header {
                    p.kind { "callsim " (kind) }
                    h1 { (title) }
                    p.subtitle { (subtitle) }
                }
                main { (body) }
                footer {
                    "Made by callsim " (env!("CARGO_PKG_VERSION"))
                    ". Counts are means over replications; rates and wait percentiles are those of all replications' calls together; ± and the shaded bands are 95 % confidence intervals."
                }
            }
        }
    }
    .into_string()
}

/// Whether a measure meets its target, and whether its 95 % interval says so beyond doubt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Verdict {
    /// The whole interval meets the target.
    Met,
    /// The mean meets it, the interval reaches the other side.
    MetUnsure,
    /// The mean misses it, the interval reaches the other side.
    MissedUnsure,
    /// The whole interval misses.
    Missed,
}

/// The verdict of `stat` against `target` (`at_least`: a floor, else a cap); `None` when
/// there is no target or no value.
fn verdict(stat: &Stat, target: Option<f64>, at_least: bool) -> Option<Verdict> {
    let (target, mean) = (target?, stat.mean?);
    let half = stat.ci95.unwrap_or(0.0);
    let sign = if at_least { 1.0 } else { -1.0 };
    let (worst, best) = (sign * (mean - target) - half, sign * (mean - target) + half);
    Some(if worst >= 0.0 {
        Verdict::Met
    } else if best < 0.0 {
        Verdict::Missed
    } else if sign * (mean - target) >= 0.0 {
        Verdict::MetUnsure
    } else {
        Verdict::MissedUnsure
    })
}

/// The met / missed mark of a verdict.
fn mark(v: Option<Verdict>) -> Markup {
    match v {
        None => html! {},
        Some(Verdict::Met) => {
            html! { span.mark.met title="met: the whole 95 % interval is on the right side of the target" { "✓ met" } }
        }
        Some(Verdict::MetUnsure) => {
            html! { span.mark.unsure title="the mean meets the target, but the 95 % interval reaches past it: run more replications to be sure" { "✓ met?" } }
        }
        Some(Verdict::MissedUnsure) => {
            html! { span.mark.unsure.missed-unsure title="the mean misses the target, but the 95 % interval reaches it: run more replications to be sure" { "✗ missed?" } }
        }
        Some(Verdict::Missed) => {
            html! { span.mark.missed title="missed: the whole 95 % interval is on the wrong side of the target" { "✗ missed" } }
        }
    }
}

/// A percentage target, e.g. `≥ 80%`.
fn pct(x: f64) -> String {
    let p = x * 100.0;
    if (p - p.round()).abs() < 1e-9 {
        format!("{p:.0}%")
    } else {
        format!("{p:.1}%")
    }
}

/// The targets one row of the headline is held to.
#[derive(Debug, Clone, Copy, Default)]
struct RowTargets {
    service_level: Option<f64>,
    max_abandon_rate: Option<f64>,
    max_asa_s: Option<f64>,
}

/// The headline's rows: each call type and tier with its threshold and targets, and the
/// total (held to the scenario-wide target only when every class shares one threshold), as
/// the staffing search checks them.
fn headline_rows<'r>(report: &'r Report, targets: &ServiceTargets) -> Vec<HeadlineRow<'r>> {
    let wide = RowTargets {
        service_level: targets.service_level,
        max_abandon_rate: targets.max_abandon_rate,
        max_asa_s: targets.max_asa_s,
    };
    let mut rows = Vec::new();
    let mut thresholds = Vec::new();
    for t in &report.call_types {
        let threshold = match t.service_level_threshold_s {
            Some(s) => {
                thresholds.push(s);
                format_seconds(s)
            }
            None => "per tier".to_owned(),
        };
        let own = RowTargets {
            service_level: t.service_level_target.or(wide.service_level),
            ..wide
        };
        let index = rows.iter().filter(|r: &&HeadlineRow| !r.tier).count();
        rows.push(HeadlineRow {
            name: t.name.clone(),
            threshold,
            block: &t.block,
            targets: own,
            tier: false,
            by_interval: service_levels(report, |b| {
                b.call_types.get(index).map(|x| x.block.service_level)
            }),
        });
        for (j, tier) in t.tiers.iter().enumerate() {
            thresholds.push(tier.service_level_threshold_s);
            rows.push(HeadlineRow {
                name: format!("{} / {}", t.name, tier.name),
                threshold: format_seconds(tier.service_level_threshold_s),
                block: &tier.block,
                targets: RowTargets {
                    service_level: tier.service_level_target,
                    ..Default::default()
                },
                tier: true,
                by_interval: service_levels(report, |b| {
                    b.call_types
                        .get(index)
                        .and_then(|x| x.tiers.get(j))
                        .map(|x| x.block.service_level)
                }),
            });
        }
    }
    let shared = thresholds.windows(2).all(|w| w[0] == w[1]);
    if report.call_types.len() > 1 || report.call_types.iter().any(|t| !t.tiers.is_empty()) {
        let (threshold, total_targets) = match thresholds.first() {
            Some(&s) if shared => (format_seconds(s), wide),
            _ => (
                "each call's own".to_owned(),
                RowTargets {
                    service_level: None,
                    ..wide
                },
            ),
        };
        rows.push(HeadlineRow {
            name: "All calls".to_owned(),
            threshold,
            block: &report.total,
            targets: total_targets,
            tier: false,
            by_interval: service_levels(report, |b| Some(b.total.service_level)),
        });
    }
    rows
}

/// One row of the headline.
struct HeadlineRow<'r> {
    name: String,
    /// The threshold its service level is measured at, as written.
    threshold: String,
    block: &'r CallBlock,
    targets: RowTargets,
    /// A tier of the call type above.
    tier: bool,
    /// Its service level in each reported interval.
    by_interval: Vec<Stat>,
}

impl HeadlineRow<'_> {
    /// Intervals whose mean service level is under the target, of those with calls.
    fn intervals_under_target(&self) -> Option<(usize, usize)> {
        let target = self.targets.service_level?;
        let defined = self.by_interval.iter().filter_map(|s| s.mean);
        let under = defined.clone().filter(|m| *m < target).count();
        Some((under, defined.count()))
    }
}

/// `f` of each reported interval's block.
fn service_levels(report: &Report, f: impl Fn(&super::IntervalBlock) -> Option<Stat>) -> Vec<Stat> {
    report
        .intervals
        .iter()
        .map(|b| {
            f(b).unwrap_or(Stat {
                mean: None,
                ci95: None,
            })
        })
        .collect()
}

/// The headline: service level, abandon rate, ASA and p90 wait per call type and tier,
/// each against its target with a met / missed mark.
fn headline(report: &Report, targets: &ServiceTargets) -> Markup {
    let rows = headline_rows(report, targets);
    let single = report.replications < 2;
    html! {
        section.headline {
            h2 { "Headline" }
            @if single {
                p.note { "One replication: no confidence interval, so a verdict is only as good as this one day. Run more replications (-r) for intervals." }
            }
            table.numbers {
                thead {
                    tr {
                        th { "Call type" }
                        th { "offered" }
                        th colspan="4" { "service level" }
                        th colspan="3" { "abandon rate" }
                        th colspan="3" { "ASA" }
                        th { "p90 wait" }
                    }
                    tr.sub {
                        th {} th {}
                        th { "within" } th { "achieved" } th { "target" } th { "intervals under" }
                        th { "achieved" } th { "cap" } th {}
                        th { "achieved" } th { "max" } th {}
                        th {}
                    }
                }
                tbody {
                    @for r in &rows {
                        @let (b, t) = (r.block, &r.targets);
                        tr.tier[r.tier].total[r.name == "All calls"] {
                            th { (r.name) }
                            td { (count(&b.offered)) }
                            td { (r.threshold) }
                            td { (percent(&b.service_level)) }
                            td {
                                @if let Some(target) = t.service_level { "≥ " (pct(target)) " " }
                                (mark(verdict(&b.service_level, t.service_level, true)))
                            }
                            td.under {
                                @if let Some((under, of)) = r.intervals_under_target() {
                                    span.under[under > 0] { (under) " of " (of) }
                                }
                            }
                            td { (percent(&b.abandon_rate)) }
                            td { @if let Some(cap) = t.max_abandon_rate { "≤ " (pct(cap)) } }
                            td { (mark(verdict(&b.abandon_rate, t.max_abandon_rate, false))) }
                            td { (seconds(&b.asa_s)) }
                            td { @if let Some(max) = t.max_asa_s { "≤ " (format_seconds(max)) } }
                            td { (mark(verdict(&b.asa_s, t.max_asa_s, false))) }
                            td { (seconds(&b.wait_s.p90)) }
                        }
                    }
                }
            }
            @if rows.iter().all(|r| r.targets.service_level.is_none() && r.targets.max_abandon_rate.is_none() && r.targets.max_asa_s.is_none()) {
                p.note { "The scenario sets no target: add `target`, `max_abandon_rate` or `max_asa` to its [service_level] table to see met / missed marks." }
            }
            p.note {
                "Service level = answered within the threshold ÷ (answered + abandoned + unserved); each call type and tier is measured at its own threshold. "
                "“Intervals under”: the intervals whose mean service level is under the target, of those with calls. "
                "A mark with “?” means the 95 % interval reaches the other side of the target."
            }
        }
    }
}

/// `(x, label)` ticks for the reported intervals.
fn interval_ticks(report: &Report) -> Vec<(f64, String)> {
    report
        .intervals
        .iter()
        .enumerate()
        .map(|(i, b)| (i as f64, b.start.clone()))
        .collect()
}

/// A line over the intervals of `f` of each interval.
fn over_intervals(
    report: &Report,
    name: impl Into<String>,
    colour: &'static str,
    dashed: bool,
    f: impl Fn(&super::IntervalBlock) -> Option<Stat>,
) -> Line {
    Line {
        name: name.into(),
        colour,
        dashed,
        steps: false,
        points: report
            .intervals
            .iter()
            .enumerate()
            .map(|(i, b)| {
                let s = f(b);
                (i as f64, s.and_then(|s| s.mean), s.and_then(|s| s.ci95))
            })
            .collect(),
    }
}

/// The outcome of every offered call per interval, stacked.
fn calls_chart(report: &Report) -> Markup {
    type Part = (&'static str, &'static str, fn(&CallBlock) -> &Stat);
    let all: [Part; 6] = [
        ("answered", "#2c7fb8", |b| &b.answered),
        ("abandoned", "#e6550d", |b| &b.abandoned),
        ("blocked", "#756bb1", |b| &b.blocked),
        ("deflected (IVR)", "#31a354", |b| &b.deflected),
        ("callback taken", "#fdae6b", |b| &b.callbacks),
        ("unserved", "#636363", |b| &b.unserved),
    ];
    // Answered and abandoned always; the others where they happen.
    let parts: Vec<&Part> = all
        .iter()
        .enumerate()
        .filter(|(i, p)| *i < 2 || report.intervals.iter().any(|b| p.2(&b.total).value() > 0.0))
        .map(|(_, p)| p)
        .collect();
    StackedBars {
        title: "Calls per interval, by outcome (a whole bar is the calls offered)".into(),
        parts: parts.iter().map(|p| (p.0.to_owned(), p.1)).collect(),
        bars: report
            .intervals
            .iter()
            .map(|b| {
                (
                    b.start.clone(),
                    parts
                        .iter()
                        .map(|p| p.2(&b.total).mean.unwrap_or(0.0))
                        .collect(),
                )
            })
            .collect(),
        size: WIDE,
    }
    .render()
}

/// Per reported interval (`[type][interval]` over all intervals), the Erlang requirement
/// summed over call types; `None` where the scenario sets no target or the formulas refuse.
fn erlang_requirement(
    model: &Model,
    targets: &ServiceTargets,
    erlang_c_only: bool,
) -> Option<Vec<u32>> {
    let any = targets.service_level.is_some()
        || targets.max_abandon_rate.is_some()
        || targets.max_asa_s.is_some()
        || model.classes.iter().any(|c| c.target.is_some());
    if !any {
        return None;
    }
    let by_type = crate::staffing::start::per_type(model, targets, erlang_c_only).ok()?;
    Some(
        (0..model.intervals as usize)
            .map(|k| by_type.iter().map(|t| t[k]).sum())
            .collect(),
    )
}

/// Agents scheduled and on the floor per interval, with the Erlang requirement beside.
fn agents_chart(model: &Model, report: &Report, targets: &ServiceTargets) -> Markup {
    let sum = |b: &super::IntervalBlock, f: fn(&super::GroupBlock) -> &Stat| -> Option<Stat> {
        Some(Stat {
            mean: Some(b.agent_groups.iter().map(|g| f(&g.block).value()).sum()),
            ci95: None,
        })
    };
    let mut lines = vec![
        over_intervals(report, "scheduled", colour(3), true, |b| {
            sum(b, |g| &g.scheduled_agents)
        }),
        over_intervals(
            report,
            "on the floor (less shrinkage and breaks)",
            colour(0),
            false,
            |b| sum(b, |g| &g.staffed_agents),
        ),
    ];
    let first = model.first_reported_interval() as usize;
    let requirement =
        |name: &str, colour: &'static str, dashed: bool, by_interval: Vec<u32>| Line {
            name: name.to_owned(),
            colour,
            dashed,
            steps: false,
            points: (0..report.intervals.len())
                .map(|i| (i as f64, Some(f64::from(by_interval[first + i])), None))
                .collect(),
        };
    let erlang = erlang_requirement(model, targets, false);
    let erlang_c = erlang_requirement(model, targets, true);
    let both_same = erlang == erlang_c;
    let without_erlang = erlang.is_none();
    if let Some(e) = erlang {
        let name = if both_same {
            "Erlang C requirement (each call type on its own agents)"
        } else {
            "Erlang A requirement (C where callers never hang up; each type on its own agents)"
        };
        lines.push(requirement(name, ERLANG, false, e));
    }
    if !both_same {
        if let Some(e) = erlang_c {
            lines.push(requirement(
                "Erlang C requirement (nobody hangs up)",
                ERLANG,
                true,
                e,
            ));
        }
    }
    html! {
        (LineChart {
            title: "Agents per interval".into(),
            unit: Unit::Count,
            x_ticks: interval_ticks(report),
            x_label: "interval start".into(),
            lines,
            markers: vec![],
            size: WIDE,
        }.render())
        @if without_erlang {
            p.note { "With a target in the scenario's [service_level] table, the Erlang requirement is drawn here for comparison." }
        }
    }
}

/// Occupancy per agent group and interval.
fn occupancy_chart(report: &Report) -> Markup {
    let lines = report
        .agent_groups
        .iter()
        .enumerate()
        .map(|(g, group)| {
            over_intervals(report, group.name.clone(), colour(g), false, |b| {
                b.agent_groups.get(g).map(|x| x.block.occupancy)
            })
        })
        .collect();
    LineChart {
        title: "Occupancy per agent group".into(),
        unit: Unit::Percent,
        x_ticks: interval_ticks(report),
        x_label: "interval start".into(),
        lines,
        markers: vec![],
        size: WIDE,
    }
    .render()
}

/// The call type `t` of interval block `b`.
fn type_of(b: &super::IntervalBlock, t: usize) -> Option<&TypeBlock> {
    b.call_types.get(t)
}

/// Service level per interval of call type `t` (and its tiers), with bands and targets.
fn service_level_chart(report: &Report, t: usize, targets: &ServiceTargets) -> Markup {
    let ct = &report.call_types[t];
    let mut lines = Vec::new();
    let mut markers = Vec::new();
    let title = match ct.service_level_threshold_s {
        Some(s) => format!("Service level within {}", format_seconds(s)),
        None => "Service level, each tier within its own threshold".to_owned(),
    };
    let type_target = ct.service_level_target.or(targets.service_level);
    lines.push(over_intervals(
        report,
        ct.name.clone(),
        colour(0),
        false,
        |b| type_of(b, t).map(|x| x.block.service_level),
    ));
    if let Some(target) = type_target {
        markers.push(Marker {
            name: format!("target {}", pct(target)),
            value: target,
            colour: TARGET,
            vertical: false,
        });
    }
    for (j, tier) in ct.tiers.iter().enumerate() {
        lines.push(over_intervals(
            report,
            format!(
                "{} (within {})",
                tier.name,
                format_seconds(tier.service_level_threshold_s)
            ),
            colour(j + 1),
            true,
            |b| {
                type_of(b, t)
                    .and_then(|x| x.tiers.get(j))
                    .map(|x| x.block.service_level)
            },
        ));
        if let Some(target) = tier.service_level_target {
            markers.push(Marker {
                name: format!("{} target {}", tier.name, pct(target)),
                value: target,
                colour: colour(j + 1),
                vertical: false,
            });
        }
    }
    LineChart {
        title,
        unit: Unit::Percent,
        x_ticks: interval_ticks(report),
        x_label: "interval start".into(),
        lines,
        markers,
        size: NARROW,
    }
    .render()
}

/// ASA and p90 wait per interval of call type `t`.
fn waits_chart(report: &Report, t: usize, targets: &ServiceTargets) -> Markup {
    let lines = vec![
        over_intervals(report, "ASA", colour(0), false, |b| {
            type_of(b, t).map(|x| x.block.asa_s)
        }),
        over_intervals(report, "p90 wait", colour(1), true, |b| {
            type_of(b, t).map(|x| x.block.wait_s.p90)
        }),
    ];
    let markers = targets
        .max_asa_s
        .map(|m| Marker {
            name: format!("ASA max {}", format_seconds(m)),
            value: m,
            colour: TARGET,
            vertical: false,
        })
        .into_iter()
        .collect();
    LineChart {
        title: "Waits of answered calls".into(),
        unit: Unit::Seconds,
        x_ticks: interval_ticks(report),
        x_label: "interval start".into(),
        lines,
        markers,
        size: NARROW,
    }
    .render()
}

/// The empirical distribution function of `waits` (ms) at about 160 points up to `x_max_s`.
fn cdf(waits: &Waits, x_max_s: f64) -> Vec<(f64, Option<f64>, Option<f64>)> {
    waits.with_histogram(|h| {
        let n = h.len();
        if n == 0 {
            return Vec::new();
        }
        const STEPS: u32 = 160;
        (0..=STEPS)
            .map(|i| {
                let x = x_max_s * f64::from(i) / f64::from(STEPS);
                let at_most = h.count_between(0, (x * 1000.0).floor() as u64);
                (x, Some(at_most as f64 / n as f64), None)
            })
            .collect()
    })
}

/// The share of `waits` (ms) at most `seconds`.
fn share_within(waits: &Waits, seconds: f64) -> Option<f64> {
    waits.with_histogram(|h| {
        (!h.is_empty())
            .then(|| h.count_between(0, (seconds * 1000.0).floor() as u64) as f64 / h.len() as f64)
    })
}

/// The waiting-time distribution of call type `t`'s answered calls (each tier apart when it
/// has tiers), with each threshold marked. `waits` is per class.
fn wait_distribution_chart(model: &Model, t: usize, waits: &[Waits]) -> Markup {
    let ct = &model.call_types[t];
    let classes: Vec<usize> = ct.classes.clone().map(|c| c as usize).collect();
    let mut pooled = Waits::default();
    classes.iter().for_each(|&c| pooled.add(&waits[c]));
    // Up to the 99.5th percentile or twice the longest threshold, whichever is further.
    let longest = classes
        .iter()
        .map(|&c| model.classes[c].threshold.as_seconds())
        .fold(0.0, f64::max);
    let tail = pooled.with_histogram(|h| {
        if h.is_empty() {
            0.0
        } else {
            h.value_at_quantile(0.995) as f64 / 1000.0
        }
    });
    let x_max = tail.max(2.0 * longest).max(1.0);
    let mut lines = Vec::new();
    let mut markers = Vec::new();
    if classes.len() == 1 {
        let threshold = model.classes[classes[0]].threshold.as_seconds();
        lines.push(Line {
            name: format!("{}: share answered within t", ct.name),
            colour: colour(0),
            dashed: false,
            steps: false,
            points: cdf(&pooled, x_max),
        });
        markers.push(Marker {
            name: format!(
                "threshold {}{}",
                format_seconds(threshold),
                share_within(&pooled, threshold)
                    .map(|s| format!(": {} of answered calls", pct_1(s)))
                    .unwrap_or_default()
            ),
            value: threshold,
            colour: TARGET,
            vertical: true,
        });
    } else {
        for (j, &c) in classes.iter().enumerate() {
            let class = &model.classes[c];
            let threshold = class.threshold.as_seconds();
            let name = class.tier.clone().unwrap_or_else(|| ct.name.clone());
            lines.push(Line {
                name: name.clone(),
                colour: colour(j + 1),
                dashed: false,
                steps: false,
                points: cdf(&waits[c], x_max),
            });
            markers.push(Marker {
                name: format!(
                    "{name} threshold {}{}",
                    format_seconds(threshold),
                    share_within(&waits[c], threshold)
                        .map(|s| format!(": {}", pct_1(s)))
                        .unwrap_or_default()
                ),
                value: threshold,
                colour: colour(j + 1),
                vertical: true,
            });
        }
    }
    LineChart {
        title: "Waiting-time distribution (answered calls, whole day)".into(),
        unit: Unit::Percent,
        x_ticks: vec![],
        x_label: "wait t, seconds".into(),
        lines,
        markers,
        size: NARROW,
    }
    .render()
}

/// A fraction as a percentage with one decimal.
fn pct_1(x: f64) -> String {
    format!("{:.1}%", x * 100.0)
}

/// The per-interval table: counts, service level, waits and agents.
fn interval_table(model: &Model, report: &Report, targets: &ServiceTargets) -> Markup {
    let erlang = erlang_requirement(model, targets, false);
    let first = model.first_reported_interval() as usize;
    html! {
        div.scroll {
            table.numbers.intervals {
                thead {
                    tr {
                        th { "Interval" } th { "offered" } th { "answered" } th { "abandoned" }
                        th { "blocked" } th { "deflected" } th { "service level" } th { "ASA" } th { "p90 wait" }
                        th { "scheduled" } th { "on the floor" }
                        @if erlang.is_some() { th { "Erlang" } }
                    }
                }
                tbody {
                    @for (i, b) in report.intervals.iter().enumerate() {
                        tr {
                            th { (b.start) }
                            td { (count(&b.total.offered)) }
                            td { (count(&b.total.answered)) }
                            td { (count(&b.total.abandoned)) }
                            td { (count(&b.total.blocked)) }
                            td { (count(&b.total.deflected)) }
                            td { (percent(&b.total.service_level)) }
                            td { (seconds(&b.total.asa_s)) }
                            td { (seconds(&b.total.wait_s.p90)) }
                            td { (format!("{:.1}", b.agent_groups.iter().map(|g| g.block.scheduled_agents.value()).sum::<f64>())) }
                            td { (format!("{:.1}", b.agent_groups.iter().map(|g| g.block.staffed_agents.value()).sum::<f64>())) }
                            @if let Some(e) = &erlang { td { (e[first + i]) } }
                        }
                    }
                }
            }
        }
    }
}

/// The sections every report of one staffing has: the day, per call type, per interval.
fn day_sections(
    model: &Model,
    report: &Report,
    targets: &ServiceTargets,
    waits: Option<&[Waits]>,
) -> Markup {
    html! {
        section {
            h2 { "Through the day" }
            div.grid2 {
                (calls_chart(report))
                (agents_chart(model, report, targets))
            }
            div.grid2 {
                (occupancy_chart(report))
            }
        }
        @for (t, ct) in report.call_types.iter().enumerate() {
            section.call-type {
                h2 { "Call type: " (ct.name) }
                div.grid3 {
                    (service_level_chart(report, t, targets))
                    (waits_chart(report, t, targets))
                    @if let Some(w) = waits { (wait_distribution_chart(model, t, w)) }
                }
            }
        }
        section {
            h2 { "Per interval, all call types" }
            (interval_table(model, report, targets))
        }
    }
}

/// `run --format html`: the report of one scenario, with the waits of every answered call
/// per class (`waits`, from [`crate::run_with_waits`]).
pub fn run_page(model: &Model, report: &Report, waits: &[Waits]) -> String {
    let subtitle = html! {
        (report.replications) " replication" (if report.replications == 1 { "" } else { "s" })
        ", seed " (report.seed) "; " (report.intervals.len()) " reported intervals"
    };
    let body = html! {
        (headline(report, &model.targets))
        (day_sections(model, report, &model.targets, Some(waits)))
    };
    page("run", &report.scenario, subtitle, body)
}

/// The targets of the block named `name` (`type` or `type/tier`) in `model`: the service
/// level target and its threshold.
fn block_targets(model: &Model, name: &str) -> (RowTargets, Option<f64>) {
    let wide = RowTargets {
        service_level: model.targets.service_level,
        max_abandon_rate: model.targets.max_abandon_rate,
        max_asa_s: model.targets.max_asa_s,
    };
    if name == "Total" {
        return (
            RowTargets {
                service_level: None,
                ..wide
            },
            None,
        );
    }
    for (c, class) in model.classes.iter().enumerate() {
        if model.class_name(c as u32) != name {
            continue;
        }
        let t = &model.call_types[class.call_type as usize];
        let threshold = Some(class.threshold.as_seconds());
        return match (&class.tier, t.classes.len()) {
            (Some(_), _) => (
                RowTargets {
                    service_level: class.target,
                    ..Default::default()
                },
                threshold,
            ),
            (None, _) => (
                RowTargets {
                    service_level: class.target.or(wide.service_level),
                    ..wide
                },
                threshold,
            ),
        };
    }
    // A type with tiers: the scenario-wide targets, thresholds per tier.
    (wide, None)
}

/// `compare --format html`: the alternatives side by side and their paired differences.
pub fn compare_page(alternatives: &[Alternative], comparison: &Comparison) -> String {
    let first = &alternatives[0].model;
    let paired = all_on_the_same_callers(alternatives);
    // Blocks in the order of the first alternative: Total, then types and tiers.
    let mut blocks: Vec<String> = vec!["Total".to_owned()];
    for a in &comparison.alternatives {
        for b in &a.call_types {
            if !blocks.contains(&b.name) {
                blocks.push(b.name.clone());
            }
        }
    }
    let block_of = |i: usize, name: &str| -> Option<&CallBlock> {
        let a = &comparison.alternatives[i];
        if name == "Total" {
            Some(&a.total)
        } else {
            a.call_types
                .iter()
                .find(|b| b.name == name)
                .map(|b| &b.block)
        }
    };
    let diff_of = |d: &crate::compare::Difference, name: &str| -> Option<CallBlock> {
        if name == "Total" {
            Some(d.total.clone())
        } else {
            d.call_types
                .iter()
                .find(|b| b.name == name)
                .map(|b| b.block.clone())
        }
    };
    type Measure = (&'static str, Unit, fn(&CallBlock) -> &Stat);
    let measures: [Measure; 4] = [
        ("Service level", Unit::Percent, |b| &b.service_level),
        ("Abandon rate", Unit::Percent, |b| &b.abandon_rate),
        ("ASA", Unit::Seconds, |b| &b.asa_s),
        ("p90 wait", Unit::Seconds, |b| &b.wait_s.p90),
    ];
    let side_by_side: Vec<Markup> = measures
        .iter()
        .map(|(title, unit, f)| {
            let mut rows = Vec::new();
            for name in &blocks {
                for (i, a) in comparison.alternatives.iter().enumerate() {
                    if let Some(b) = block_of(i, name) {
                        let s = f(b);
                        rows.push((format!("{name} · {}", a.name), s.mean, s.ci95, colour(i)));
                    }
                }
            }
            Forest {
                title: format!("{title}, per alternative"),
                unit: *unit,
                rows,
                reference: None,
            }
            .render()
        })
        .collect();
    let differences: Vec<Markup> = measures
        .iter()
        .map(|(title, unit, f)| {
            let mut rows = Vec::new();
            for name in &blocks {
                for (i, d) in comparison.differences.iter().enumerate() {
                    if let Some(b) = diff_of(d, name) {
                        let s = f(&b);
                        let label = if comparison.differences.len() == 1 {
                            name.clone()
                        } else {
                            format!("{name} · {}", d.name)
                        };
                        rows.push((label, s.mean, s.ci95, colour(i + 1)));
                    }
                }
            }
            let points = if *unit == Unit::Percent {
                " (percentage points)"
            } else {
                ""
            };
            Forest {
                title: format!(
                    "{title}: {}difference{points}",
                    if paired { "paired " } else { "" }
                ),
                unit: *unit,
                rows,
                reference: Some((0.0, "no difference".into())),
            }
            .render()
        })
        .collect();
    let subtitle = html! {
        (comparison.alternatives.len())
        @if paired { " alternatives on the same callers (common random numbers) — " }
        @else { " alternatives not on the same callers (their call types differ, so differences are not paired) — " }
        (comparison.replications) " replications, seed " (comparison.seed)
    };
    let body = html! {
        section {
            h2 { "Side by side" }
            div.scroll {
                table.numbers {
                    thead {
                        tr {
                            th { "Calls" } th { "Alternative" } th { "offered" } th { "answered" } th { "abandoned" }
                            th { "service level" } th { "" } th { "abandon rate" } th { "" } th { "ASA" } th { "" } th { "p90 wait" } th { "occupancy" }
                        }
                    }
                    tbody {
                        @for name in &blocks {
                            @for (i, a) in comparison.alternatives.iter().enumerate() {
                                @if let Some(b) = block_of(i, name) {
                                    @let (t, threshold) = block_targets(&alternatives[i].model, name);
                                    tr.first-of-block[i == 0] {
                                        th { @if i == 0 { (name) @if let Some(s) = threshold { " (within " (format_seconds(s)) ")" } } }
                                        td.name { (a.name) }
                                        td { (count(&b.offered)) }
                                        td { (count(&b.answered)) }
                                        td { (count(&b.abandoned)) }
                                        td { (percent(&b.service_level)) }
                                        td { (mark(verdict(&b.service_level, t.service_level, true))) }
                                        td { (percent(&b.abandon_rate)) }
                                        td { (mark(verdict(&b.abandon_rate, t.max_abandon_rate, false))) }
                                        td { (seconds(&b.asa_s)) }
                                        td { (mark(verdict(&b.asa_s, t.max_asa_s, false))) }
                                        td { (seconds(&b.wait_s.p90)) }
                                        td { (percent(&b.occupancy)) }
                                    }
                                }
                            }
                        }
                    }
                }
            }
            div.grid2 { @for m in &side_by_side { (m) } }
        }
        @if !comparison.differences.is_empty() {
            section {
                h2 { @if paired { "Paired differences" } @else { "Differences (not paired)" } " against " (comparison.alternatives[0].name) }
                p.note { "Each alternative minus the first, replication by replication"
                    @if paired { " on the same callers. " } @else { " (not on the same callers: not paired). " }
                    "A difference whose 95 % interval excludes 0 (marked *) is beyond chance." }
                div.scroll {
                    table.numbers {
                        thead {
                            tr { th { "Calls" } th { "Difference" } th { "offered" } th { "answered" } th { "abandoned" }
                                 th { "service level (points)" } th { "abandon rate (points)" } th { "ASA" } th { "p90 wait" } }
                        }
                        tbody {
                            @for name in &blocks {
                                @for (i, d) in comparison.differences.iter().enumerate() {
                                    @if let Some(b) = diff_of(d, name) {
                                        tr.first-of-block[i == 0] {
                                            th { @if i == 0 { (name) } }
                                            td.name { (d.name) }
                                            td { (signed(&b.offered, 1.0, 1, "")) }
                                            td { (signed(&b.answered, 1.0, 1, "")) }
                                            td { (signed(&b.abandoned, 1.0, 1, "")) }
                                            td { (signed(&b.service_level, 100.0, 1, " pp")) }
                                            td { (signed(&b.abandon_rate, 100.0, 1, " pp")) }
                                            td { (signed(&b.asa_s, 1.0, 1, "s")) }
                                            td { (signed(&b.wait_s.p90, 1.0, 1, "s")) }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
                div.grid2 { @for m in &differences { (m) } }
            }
        }
    };
    let title = if first.name.is_empty() {
        "Comparison"
    } else {
        first.name.as_str()
    };
    page("compare", title, subtitle, body)
}

/// A difference with its sign and interval, `*` when the interval excludes 0.
fn signed(s: &Stat, scale: f64, decimals: usize, unit: &str) -> String {
    match (s.mean, s.ci95) {
        (Some(m), Some(h)) => {
            let star = if m.abs() > h { " *" } else { "" };
            format!(
                "{:+.decimals$}{unit} ±{:.decimals$}{star}",
                m * scale,
                h * scale
            )
        }
        (Some(m), None) => format!("{:+.decimals$}{unit}", m * scale),
        _ => "–".into(),
    }
}

/// One point of a sweep, as `sweep` computed it.
#[derive(Debug, Clone)]
pub struct SweepPoint<'a> {
    /// The swept value.
    pub value: f64,
    /// Agent-hours scheduled at this point.
    pub agent_hours: f64,
    /// All calls.
    pub total: &'a CallBlock,
    /// Per call type.
    pub call_types: &'a [TypeBlock],
}

/// What `sweep --format html` shows.
#[derive(Debug, Clone)]
pub struct SweepView<'a> {
    /// The curve as `sweep --chart` draws it (reused as it is).
    pub chart: Chart,
    /// What x is.
    pub x_label: String,
    /// The scenario's name.
    pub scenario: &'a str,
    /// Replications per point and seed.
    pub replications: u32,
    /// The seed.
    pub seed: u64,
    /// The service-level target drawn, if any.
    pub target_service_level: Option<f64>,
    /// The abandon-rate cap drawn, if any.
    pub max_abandon_rate: Option<f64>,
    /// The ASA cap judged, s.
    pub max_asa_s: Option<f64>,
    /// The points, in order.
    pub points: Vec<SweepPoint<'a>>,
}

/// `sweep --format html`: the curve, per call type, and the table of points.
pub fn sweep_page(view: &SweepView) -> String {
    let types: Vec<&str> = view
        .points
        .first()
        .map(|p| p.call_types.iter().map(|t| t.name.as_str()).collect())
        .unwrap_or_default();
    let per_type = |f: fn(&CallBlock) -> &Stat, dashed: bool| -> Vec<Line> {
        types
            .iter()
            .enumerate()
            .map(|(t, name)| Line {
                name: (*name).to_owned(),
                colour: colour(t),
                dashed,
                steps: false,
                points: view
                    .points
                    .iter()
                    .map(|p| {
                        let s = p.call_types.get(t).map(|b| *f(&b.block));
                        (p.value, s.and_then(|s| s.mean), s.and_then(|s| s.ci95))
                    })
                    .collect(),
            })
            .collect()
    };
    let mut sl_markers = Vec::new();
    if let Some(t) = view.target_service_level {
        sl_markers.push(Marker {
            name: format!("target {}", pct(t)),
            value: t,
            colour: TARGET,
            vertical: false,
        });
    }
    let total_line = |name: &str, c: &'static str, dashed: bool, f: fn(&CallBlock) -> &Stat| Line {
        name: name.to_owned(),
        colour: c,
        dashed,
        steps: false,
        points: view
            .points
            .iter()
            .map(|p| (p.value, f(p.total).mean, f(p.total).ci95))
            .collect(),
    };
    let subtitle = html! {
        "Sweep of " (view.x_label) "; " (view.replications) " replication" (if view.replications == 1 { "" } else { "s" })
        " per point on common random numbers (seed " (view.seed) ")"
    };
    let body = html! {
        section {
            h2 { "The curve" }
            figure.chart.wide {
                // The same SVG as `sweep --chart`.
                (PreEscaped(chart::svg(&view.chart)))
            }
        }
        section {
            h2 { "Per call type" }
            div.grid2 {
                (LineChart { title: "Service level per call type (each at its own threshold)".into(), unit: Unit::Percent, x_ticks: vec![],
                    x_label: view.x_label.clone(), lines: per_type(|b| &b.service_level, false), markers: sl_markers, size: WIDE }.render())
                (LineChart { title: "Abandon rate per call type".into(), unit: Unit::Percent, x_ticks: vec![],
                    x_label: view.x_label.clone(), lines: per_type(|b| &b.abandon_rate, false),
                    markers: view.max_abandon_rate.map(|a| Marker { name: format!("cap {}", pct(a)), value: a, colour: TARGET, vertical: false }).into_iter().collect(),
                    size: WIDE }.render())
                (LineChart { title: "Waits, all calls".into(), unit: Unit::Seconds, x_ticks: vec![], x_label: view.x_label.clone(),
                    lines: vec![total_line("ASA", colour(0), false, |b| &b.asa_s), total_line("p90 wait", colour(1), true, |b| &b.wait_s.p90)],
                    markers: vec![], size: WIDE }.render())
                (LineChart { title: "Occupancy, all calls".into(), unit: Unit::Percent, x_ticks: vec![], x_label: view.x_label.clone(),
                    lines: vec![total_line("occupancy", colour(2), false, |b| &b.occupancy)], markers: vec![], size: WIDE }.render())
            }
        }
        section {
            h2 { "Points" }
            div.scroll {
                table.numbers {
                    thead { tr { th { (view.x_label) } th { "agent-hours" } th { "service level" } th {} th { "abandon rate" } th {} th { "ASA" } th {} th { "p90 wait" } th { "occupancy" } } }
                    tbody {
                        @for p in &view.points {
                            tr {
                                th { (p.value) }
                                td { (format!("{:.1}", p.agent_hours)) }
                                td { (percent(&p.total.service_level)) }
                                td { (mark(verdict(&p.total.service_level, view.target_service_level, true))) }
                                td { (percent(&p.total.abandon_rate)) }
                                td { (mark(verdict(&p.total.abandon_rate, view.max_abandon_rate, false))) }
                                td { (seconds(&p.total.asa_s)) }
                                td { (mark(verdict(&p.total.asa_s, view.max_asa_s, false))) }
                                td { (seconds(&p.total.wait_s.p90)) }
                                td { (percent(&p.total.occupancy)) }
                            }
                        }
                    }
                }
            }
        }
    };
    page("sweep", view.scenario, subtitle, body)
}

/// What `staff --format html` shows.
#[derive(Debug, Clone)]
pub struct StaffView<'a> {
    /// The scenario (its groups, types and intervals).
    pub model: &'a Model,
    /// The targets the search met.
    pub targets: ServiceTargets,
    /// The found staffing on the validation replications.
    pub report: &'a Report,
    /// The found headcount, `[group][interval]`.
    pub agents: &'a [Vec<u32>],
    /// The per-type Erlang C baseline, `[type][interval]`.
    pub erlang_c_by_type: &'a [Vec<u32>],
    /// The per-type Erlang (A where callers hang up) baseline, `[type][interval]`.
    pub erlang_by_type: &'a [Vec<u32>],
    /// Agent-hours: found, per-type Erlang C, per-type Erlang, the scenario's.
    pub agent_hours: [f64; 4],
    /// Whether the validation found no failing target.
    pub validation_passed: bool,
}

/// `staff --format html`: the staffing as a heat map beside the Erlang baseline, and what it
/// achieves on the validation replications.
pub fn staff_page(view: &StaffView) -> String {
    let model = view.model;
    let labels: Vec<String> = (0..model.intervals)
        .map(|k| model.interval_label(k))
        .collect();
    let first = model.first_reported_interval() as usize;
    let total = |rows: &[Vec<u32>]| -> Vec<Option<u32>> {
        (0..model.intervals as usize)
            .map(|k| Some(rows.iter().map(|r| r[k]).sum()))
            .collect()
    };
    let mut found_rows: Vec<(String, Vec<Option<u32>>)> = model
        .groups
        .iter()
        .zip(view.agents)
        .map(|(g, a)| (g.name.clone(), a.iter().map(|&n| Some(n)).collect()))
        .collect();
    found_rows.push(("total".into(), total(view.agents)));
    let warm = |k: usize, v: u32| (k >= first).then_some(v);
    let mut erlang_rows: Vec<(String, Vec<Option<u32>>)> = model
        .call_types
        .iter()
        .zip(view.erlang_c_by_type)
        .map(|(t, a)| {
            (
                t.name.clone(),
                a.iter().enumerate().map(|(k, &n)| warm(k, n)).collect(),
            )
        })
        .collect();
    erlang_rows.push((
        "total".into(),
        total(view.erlang_c_by_type)
            .into_iter()
            .enumerate()
            .map(|(k, v)| v.and_then(|v| warm(k, v)))
            .collect(),
    ));
    let series = |name: &str, c: &'static str, dashed: bool, rows: &[Vec<u32>]| Line {
        name: name.to_owned(),
        colour: c,
        dashed,
        steps: false,
        points: (first..model.intervals as usize)
            .map(|k| {
                (
                    (k - first) as f64,
                    Some(f64::from(rows.iter().map(|r| r[k]).sum::<u32>())),
                    None,
                )
            })
            .collect(),
    };
    let [found, erlang_c, erlang, scenario] = view.agent_hours;
    let saving = erlang_c - found;
    let subtitle = html! {
        "The least staffing found by simulation; figures from " (view.report.replications)
        " validation replications the search never saw (seed " (view.report.seed) ")"
    };
    let body = html! {
        section.headline {
            h2 { "Staffing" }
            div.cards {
                div.card { div.big { (format!("{found:.1}")) } div { "agent-hours found" } }
                div.card { div.big { (format!("{erlang_c:.1}")) } div { "with per-type Erlang C" } }
                div.card { div.big { (format!("{erlang:.1}")) } div { "with per-type Erlang A/C" } }
                div.card { div.big { (format!("{scenario:.1}")) } div { "in the scenario as written" } }
                div.card {
                    div.big { (format!("{:.1}", saving.abs())) }
                    div { "pooling the skills " (if saving >= 0.0 { "saves" } else { "costs" }) " against Erlang C" }
                }
                div.card {
                    div.big { @if view.validation_passed { span.mark.met { "✓ passed" } } @else { span.mark.missed { "✗ failed" } } }
                    div { "validation on fresh replications" }
                }
            }
            (HeatMap { title: "Agents found, per group and interval".into(), columns: labels.clone(), rows: found_rows }.render())
            (HeatMap { title: "Erlang C baseline: agents per call type, each on its own agents (no pooling)".into(), columns: labels, rows: erlang_rows }.render())
            div.grid2 {
                (LineChart {
                    title: "Agents per interval: found against the Erlang baseline".into(),
                    unit: Unit::Count,
                    x_ticks: view.report.intervals.iter().enumerate().map(|(i, b)| (i as f64, b.start.clone())).collect(),
                    x_label: "interval start".into(),
                    lines: vec![
                        series("Erlang C per type", ERLANG, false, view.erlang_c_by_type),
                        series("Erlang A/C per type", ERLANG, true, view.erlang_by_type),
                        series("found (pooled)", colour(0), false, view.agents),
                    ],
                    markers: vec![],
                    size: WIDE,
                }.render())
            }
        }
        h2.part { "What it achieves" }
        (headline(view.report, &view.targets))
        (day_sections(model, view.report, &view.targets, None))
    };
    page("staff", &model.name, subtitle, body)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn verdicts_follow_the_interval() {
        let s = |m: f64, h: f64| Stat {
            mean: Some(m),
            ci95: Some(h),
        };
        assert_eq!(verdict(&s(0.85, 0.02), Some(0.8), true), Some(Verdict::Met));
        assert_eq!(
            verdict(&s(0.81, 0.02), Some(0.8), true),
            Some(Verdict::MetUnsure)
        );
        assert_eq!(
            verdict(&s(0.79, 0.02), Some(0.8), true),
            Some(Verdict::MissedUnsure)
        );
        assert_eq!(
            verdict(&s(0.70, 0.02), Some(0.8), true),
            Some(Verdict::Missed)
        );
        assert_eq!(
            verdict(&s(0.03, 0.01), Some(0.05), false),
            Some(Verdict::Met)
        );
        assert_eq!(
            verdict(&s(0.07, 0.01), Some(0.05), false),
            Some(Verdict::Missed)
        );
        assert_eq!(verdict(&s(0.07, 0.01), None, false), None);
        assert_eq!(
            verdict(
                &Stat {
                    mean: None,
                    ci95: None
                },
                Some(0.5),
                true
            ),
            None
        );
    }

    #[test]
    fn differences_carry_sign_and_significance() {
        let s = Stat {
            mean: Some(0.031),
            ci95: Some(0.01),
        };
        assert_eq!(signed(&s, 100.0, 1, " pp"), "+3.1 pp ±1.0 *");
        let s = Stat {
            mean: Some(-2.0),
            ci95: Some(3.0),
        };
        assert_eq!(signed(&s, 1.0, 1, "s"), "-2.0s ±3.0");
    }

    #[test]
    fn the_cdf_rises_to_one() {
        let mut w = Waits::default();
        for ms in [0, 0, 1000, 5000, 20_000] {
            w.record(ms);
        }
        let points = cdf(&w, 30.0);
        assert_eq!(points.first().unwrap().1, Some(0.4));
        assert_eq!(points.last().unwrap().1, Some(1.0));
        assert!(points.windows(2).all(|p| p[0].1 <= p[1].1));
        assert_eq!(share_within(&w, 5.0), Some(0.8));
    }
}
