//! The report as text tables for people: totals and call types, agent groups, intervals.

use std::fmt::Write;

use super::{CallBlock, Report};
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

fn call_row(label: &str, b: &CallBlock) -> Vec<String> {
    let mut row = vec![
        label.to_owned(),
        count(&b.offered),
        count(&b.answered),
        count(&b.abandoned),
        percent(&b.service_level),
        percent(&b.abandon_rate),
        seconds(&b.asa_s),
        seconds(&b.wait_s.p90),
        seconds(&b.aht_s),
        percent(&b.occupancy),
    ];
    if b.unserved.mean.is_some_and(|u| u > 0.0) {
        row.push(format!("{} unserved", count(&b.unserved)));
    }
    row
}

/// The report as text: a header, then call types, agent groups and intervals.
pub fn render(report: &Report) -> String {
    let threshold = format_seconds(report.service_level_threshold_s);
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{} — {} replication{}, seed {}; mean ±95% CI half-width",
        report.scenario,
        report.replications,
        if report.replications == 1 { "" } else { "s" },
        report.seed
    );
    let _ = writeln!(
        out,
        "Service level = answered within {threshold} ÷ (answered + abandoned)\n"
    );
    let header = |first: &str| -> Vec<String> {
        [
            first,
            "offered",
            "answered",
            "abandoned",
            &format!("SL {threshold}"),
            "abandon",
            "ASA",
            "p90 wait",
            "AHT",
            "occupancy",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect()
    };

    let mut rows = vec![header("Call type")];
    rows.extend(
        report
            .call_types
            .iter()
            .map(|t| call_row(&t.name, &t.block)),
    );
    if report.call_types.len() > 1 {
        rows.push(call_row("Total", &report.total));
    }
    grid(&mut out, &rows);

    out += "\n";
    let mut rows = vec![vec![
        "Agent group".to_owned(),
        "agents".to_owned(),
        "answered".to_owned(),
        "occupancy".to_owned(),
    ]];
    for g in &report.agent_groups {
        rows.push(vec![
            g.name.clone(),
            format!("{:.1}", g.block.staffed_agents.value()),
            count(&g.block.answered),
            percent(&g.block.occupancy),
        ]);
    }
    grid(&mut out, &rows);

    out += "\n";
    let mut header = header("Interval");
    header.push("agents".into());
    let mut rows = vec![header];
    for interval in &report.intervals {
        let mut row = call_row(&interval.start, &interval.total);
        row.truncate(10);
        let agents: f64 = interval
            .agent_groups
            .iter()
            .map(|g| g.block.staffed_agents.value())
            .sum();
        row.push(format!("{agents:.1}"));
        rows.push(row);
    }
    grid(&mut out, &rows);
    out
}
