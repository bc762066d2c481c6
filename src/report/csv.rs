//! The report as CSV, in two shapes.
//!
//! [`render`] (`--format csv`): one row per interval and call type, and one per interval
//! for all types together (`(all)`), each statistic as a mean column and a `_ci95` column.
//!
//! [`render_long`] (`--format csv-long`): the tidy (long) form a pivot table takes as it
//! is — one row per statistic × period (the day, or an interval) × what it is about (all
//! calls, a call type, a tier, an agent group), with its unit and, for service levels, the
//! threshold and target it is measured against.

use super::table::{type_within, Within};
use super::{CallBlock, GroupBlock, Named, Report, TypeBlock};
use crate::stats::Stat;

/// The statistics of a call block as (column name, value) pairs, in column order.
fn columns(b: &CallBlock) -> Vec<(String, &Stat)> {
    b.stats()
        .into_iter()
        .map(|(key, stat)| (column_name(key), stat))
        .collect()
}

/// A statistic's CSV name: its JSON key, with percentiles as `wait_p90_s`.
fn column_name(key: &str) -> String {
    match key.strip_prefix("wait_s.") {
        Some(p) => format!("wait_{p}_s"),
        None => key.to_owned(),
    }
}

fn number(x: Option<f64>) -> String {
    x.map_or_else(String::new, |x| x.to_string())
}

/// A name as a CSV cell that a spreadsheet shows as text: one starting with `=`, `+`, `-`,
/// `@`, a tab or a carriage return would be read as a formula (and could run one), so it
/// gets a leading `'`, which spreadsheets take as "text" and do not show.
pub fn text_cell(name: &str) -> String {
    if name.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{name}")
    } else {
        name.to_owned()
    }
}

/// The report as CSV text. Undefined statistics are empty cells.
pub fn render(report: &Report) -> Result<String, csv::Error> {
    let mut w = csv::Writer::from_writer(Vec::new());
    let mut header = vec![
        "interval_start_s".to_owned(),
        "interval_start".to_owned(),
        "call_type".to_owned(),
    ];
    for (name, _) in columns(&report.total) {
        header.push(name.clone());
        header.push(format!("{name}_ci95"));
    }
    w.write_record(&header)?;
    for interval in &report.intervals {
        let blocks = interval
            .call_types
            .iter()
            .map(|t| (t.name.as_str(), &t.block))
            .chain(std::iter::once((
                crate::model::TOTAL_LABEL,
                &interval.total,
            )));
        for (name, block) in blocks {
            let mut record = vec![
                interval.start_s.to_string(),
                interval.start.clone(),
                text_cell(name),
            ];
            for (_, stat) in columns(block) {
                record.push(number(stat.mean));
                record.push(number(stat.ci95));
            }
            w.write_record(&record)?;
        }
    }
    finish(w)
}

/// The columns of the long form, in order.
pub const LONG_HEADER: [&str; 12] = [
    "period",
    "interval_start_s",
    "level",
    "call_type",
    "tier",
    "agent_group",
    "statistic",
    "unit",
    "threshold_s",
    "target",
    "mean",
    "ci95",
];

/// One row of the long form: one statistic of one block in one period.
#[derive(Debug, Clone, PartialEq)]
pub struct LongRow<'r> {
    /// `day` for the whole day (after the warm-up), else the interval's clock label.
    pub period: &'r str,
    /// The interval's start in seconds from the start of the simulation; `None` for the day.
    pub interval_start_s: Option<f64>,
    /// What the row is about: `total`, `call_type`, `tier` or `agent_group`.
    pub level: &'static str,
    /// The call type (call_type and tier rows).
    pub call_type: &'r str,
    /// The tier (tier rows).
    pub tier: &'r str,
    /// The agent group (agent_group rows).
    pub agent_group: &'r str,
    /// The statistic: its JSON key, percentiles as `wait_p90_s`.
    pub statistic: String,
    /// `calls`, `fraction`, `seconds` or `agents`.
    pub unit: &'static str,
    /// For a service level: the threshold every call of the block is held to, if one is.
    pub threshold_s: Option<f64>,
    /// For a service level: the scenario's target for the call type or tier, if it sets one.
    pub target: Option<f64>,
    /// The mean over replications; `None` when no replication defines it.
    pub mean: Option<f64>,
    /// The 95 % half-width; `None` when undefined or with one replication (no interval).
    pub ci95: Option<f64>,
}

/// The unit of a call statistic, by its JSON key.
fn call_unit(key: &str) -> &'static str {
    match key {
        "service_level" | "abandon_rate" | "p_wait" | "occupancy" => "fraction",
        k if k.ends_with("_s") || k.starts_with("wait_s.") => "seconds",
        _ => "calls",
    }
}

/// Every row of the long form: the day, then each interval; in each, all calls, then each
/// call type followed by its tiers, then each agent group.
pub fn long_rows(report: &Report) -> Vec<LongRow<'_>> {
    let mut rows = Vec::new();
    for_each_long_row(report, &mut |row| rows.push(row));
    rows
}

/// Hands each row of the long form to `sink`, in [`long_rows`]'s order, without holding
/// them all: a report of many intervals has millions.
pub fn for_each_long_row<'r>(report: &'r Report, sink: &mut dyn FnMut(LongRow<'r>)) {
    let mut add = Adder {
        sink,
        one_replication: report.replications == 1,
        everything: super::table::report_within(report),
    };
    add.period(
        "day",
        None,
        &report.total,
        &report.call_types,
        &report.agent_groups,
    );
    for i in &report.intervals {
        add.period(
            &i.start,
            Some(i.start_s),
            &i.total,
            &i.call_types,
            &i.agent_groups,
        );
    }
}

/// Hands the rows of one period of the long form on.
struct Adder<'a, 'r> {
    sink: &'a mut dyn FnMut(LongRow<'r>),
    one_replication: bool,
    /// The thresholds of every call (those of a total).
    everything: Within,
}

impl<'r> Adder<'_, 'r> {
    fn period(
        &mut self,
        period: &'r str,
        interval_start_s: Option<f64>,
        total: &'r CallBlock,
        types: &'r [TypeBlock],
        groups: &'r [Named<GroupBlock>],
    ) {
        let base = LongRow {
            period,
            interval_start_s,
            level: "total",
            call_type: "",
            tier: "",
            agent_group: "",
            statistic: String::new(),
            unit: "",
            threshold_s: None,
            target: None,
            mean: None,
            ci95: None,
        };
        let everything = self.everything.clone();
        self.calls(&base, total, &everything, None);
        for t in types {
            let of_type = LongRow {
                level: "call_type",
                call_type: &t.name,
                ..base.clone()
            };
            self.calls(&of_type, &t.block, &type_within(t), t.service_level_target);
            for tier in &t.tiers {
                let of_tier = LongRow {
                    level: "tier",
                    tier: &tier.name,
                    ..of_type.clone()
                };
                let within = Within::of([tier.service_level_threshold_s]);
                self.calls(&of_tier, &tier.block, &within, tier.service_level_target);
            }
        }
        for g in groups {
            let of_group = LongRow {
                level: "agent_group",
                agent_group: &g.name,
                ..base.clone()
            };
            for (statistic, unit, stat) in [
                ("answered", "calls", &g.block.answered),
                ("occupancy", "fraction", &g.block.occupancy),
                ("scheduled_agents", "agents", &g.block.scheduled_agents),
                ("staffed_agents", "agents", &g.block.staffed_agents),
            ] {
                self.push(&of_group, statistic.to_owned(), unit, stat);
            }
        }
    }

    /// The rows of a call block; its service level carries `within`'s one threshold (if
    /// one) and the `target`.
    fn calls(
        &mut self,
        base: &LongRow<'r>,
        block: &CallBlock,
        within: &Within,
        target: Option<f64>,
    ) {
        for (key, stat) in block.stats() {
            if key == "service_level" {
                let held = LongRow {
                    threshold_s: within.single(),
                    target,
                    ..base.clone()
                };
                self.push(&held, column_name(key), call_unit(key), stat);
            } else {
                self.push(base, column_name(key), call_unit(key), stat);
            }
        }
    }

    fn push(&mut self, base: &LongRow<'r>, statistic: String, unit: &'static str, stat: &Stat) {
        (self.sink)(LongRow {
            statistic,
            unit,
            mean: stat.mean,
            ci95: if self.one_replication {
                None
            } else {
                stat.ci95
            },
            ..base.clone()
        });
    }
}

/// The report in the long form, as CSV text (see [`LONG_HEADER`] and [`long_rows`]).
/// Undefined statistics, and every `ci95` of a one-replication report, are empty cells.
pub fn render_long(report: &Report) -> Result<String, csv::Error> {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(LONG_HEADER)?;
    let mut written = Ok(());
    for_each_long_row(report, &mut |row| {
        if written.is_err() {
            return;
        }
        written = w.write_record([
            row.period.to_owned(),
            number(row.interval_start_s),
            row.level.to_owned(),
            text_cell(row.call_type),
            text_cell(row.tier),
            text_cell(row.agent_group),
            row.statistic,
            row.unit.to_owned(),
            number(row.threshold_s),
            number(row.target),
            number(row.mean),
            number(row.ci95),
        ]);
    });
    written?;
    finish(w)
}

fn finish(w: csv::Writer<Vec<u8>>) -> Result<String, csv::Error> {
    let bytes = w.into_inner().map_err(|e| e.into_error())?;
    Ok(String::from_utf8(bytes).expect("CSV of UTF-8 fields is UTF-8"))
}

#[cfg(test)]
mod tests {
    use super::text_cell;

    #[test]
    fn a_name_read_as_a_formula_is_written_as_text() {
        assert_eq!(text_cell("=cmd|' /C calc'!A0"), "'=cmd|' /C calc'!A0");
        assert_eq!(text_cell("+1"), "'+1");
        assert_eq!(text_cell("-sales"), "'-sales");
        assert_eq!(text_cell("@sum"), "'@sum");
        assert_eq!(text_cell("general"), "general");
        assert_eq!(text_cell("sales=new"), "sales=new");
        assert_eq!(text_cell(""), "");
    }
}
