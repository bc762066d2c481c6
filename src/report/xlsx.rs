//! The report as an Excel workbook (`--format xlsx`), written with `rust_xlsxwriter`.
//!
//! Sheets: **Summary** (the day per call type, tier and in total), **Intervals** (all calls
//! per interval, with agents scheduled and on the floor), **Call types** (every interval ×
//! call type and tier), **Groups** (every agent group for the day and per interval) and
//! **Data** (the long form of `--format csv-long`, for pivot tables). Every figure is a
//! number; fractions carry a percentage format, times are seconds. Each statistic is
//! followed by its 95 % half-width (`±95%`) unless the report has one replication.

use rust_xlsxwriter::{DocProperties, ExcelDateTime, Format, Workbook, Worksheet, XlsxError};

use super::csv::{long_rows, LONG_HEADER};
use super::table::{precision_note, report_within, service_level_definition, type_within, Within};
use super::{CallBlock, Report, ReportFold};
use crate::model::Model;
use crate::stats::Stat;

/// How a figure is shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// A mean count of calls or agents: one decimal.
    Count,
    /// A fraction, shown as a percentage.
    Fraction,
    /// Seconds: one decimal.
    Seconds,
}

/// The number formats of the workbook.
struct Formats {
    header: Format,
    bold: Format,
    count: Format,
    percent: Format,
    seconds: Format,
}

impl Formats {
    fn new() -> Formats {
        Formats {
            header: Format::new().set_bold().set_text_wrap(),
            bold: Format::new().set_bold(),
            count: Format::new().set_num_format("0.0"),
            percent: Format::new().set_num_format("0.0%"),
            seconds: Format::new().set_num_format("0.0"),
        }
    }

    fn of(&self, kind: Kind) -> &Format {
        match kind {
            Kind::Count => &self.count,
            Kind::Fraction => &self.percent,
            Kind::Seconds => &self.seconds,
        }
    }
}

/// A call statistic shown in the sheets: header, kind, where it is in a block.
type CallColumn = (&'static str, Kind, fn(&CallBlock) -> &Stat);

/// The call statistics of the Summary, Intervals and Call types sheets, in order (every
/// statistic is in the Data sheet).
const CALL_COLUMNS: [CallColumn; 12] = [
    ("offered", Kind::Count, |b| &b.offered),
    ("answered", Kind::Count, |b| &b.answered),
    ("abandoned", Kind::Count, |b| &b.abandoned),
    ("blocked", Kind::Count, |b| &b.blocked),
    ("deflected", Kind::Count, |b| &b.deflected),
    ("callbacks", Kind::Count, |b| &b.callbacks),
    ("service level", Kind::Fraction, |b| &b.service_level),
    ("abandon rate", Kind::Fraction, |b| &b.abandon_rate),
    ("ASA (s)", Kind::Seconds, |b| &b.asa_s),
    ("p90 wait (s)", Kind::Seconds, |b| &b.wait_s.p90),
    ("AHT (s)", Kind::Seconds, |b| &b.aht_s),
    ("occupancy", Kind::Fraction, |b| &b.occupancy),
];

/// A sheet being filled row by row.
struct Sheet<'w, 'f> {
    sheet: &'w mut Worksheet,
    formats: &'f Formats,
    /// Whether each statistic gets a `±95%` column.
    half_widths: bool,
    row: u32,
    column: u16,
}

impl<'w, 'f> Sheet<'w, 'f> {
    /// A new sheet named `name`.
    fn add(
        book: &'w mut Workbook,
        name: &str,
        formats: &'f Formats,
        half_widths: bool,
    ) -> Result<Sheet<'w, 'f>, XlsxError> {
        let sheet = book.add_worksheet();
        sheet.set_name(name)?;
        Ok(Sheet {
            sheet,
            formats,
            half_widths,
            row: 0,
            column: 0,
        })
    }

    fn text(&mut self, text: &str) -> Result<(), XlsxError> {
        if !text.is_empty() {
            self.sheet.write_string(self.row, self.column, text)?;
        }
        self.column += 1;
        Ok(())
    }

    fn header(&mut self, text: &str) -> Result<(), XlsxError> {
        self.sheet
            .write_string_with_format(self.row, self.column, text, &self.formats.header)?;
        self.column += 1;
        Ok(())
    }

    /// A statistic's header, and that of its half-width column.
    fn stat_header(&mut self, text: &str) -> Result<(), XlsxError> {
        self.header(text)?;
        if self.half_widths {
            self.header(&format!("{text} ±95%"))?;
        }
        Ok(())
    }

    /// A number, or an empty cell for `None`.
    fn number(&mut self, value: Option<f64>, kind: Kind) -> Result<(), XlsxError> {
        if let Some(x) = value.filter(|x| x.is_finite()) {
            self.sheet
                .write_number_with_format(self.row, self.column, x, self.formats.of(kind))?;
        }
        self.column += 1;
        Ok(())
    }

    /// A statistic's mean, and its half-width when the sheet has those columns.
    fn stat(&mut self, stat: &Stat, kind: Kind) -> Result<(), XlsxError> {
        self.number(stat.mean, kind)?;
        if self.half_widths {
            self.number(stat.ci95, kind)?;
        }
        Ok(())
    }

    fn call_headers(&mut self, service_level: &str) -> Result<(), XlsxError> {
        for (name, _, _) in CALL_COLUMNS {
            let name = if name == "service level" {
                service_level
            } else {
                name
            };
            self.stat_header(name)?;
        }
        Ok(())
    }

    fn calls(&mut self, block: &CallBlock) -> Result<(), XlsxError> {
        for (_, kind, stat) in CALL_COLUMNS {
            self.stat(stat(block), kind)?;
        }
        Ok(())
    }

    /// The threshold in seconds, or `mixed`; the target, if any.
    fn service_level_terms(
        &mut self,
        within: &Within,
        target: Option<f64>,
    ) -> Result<(), XlsxError> {
        match within.single() {
            Some(t) => self.number(Some(t), Kind::Seconds)?,
            None => self.text("mixed")?,
        }
        self.number(target, Kind::Fraction)
    }

    /// Ends the row.
    fn next(&mut self) {
        self.row += 1;
        self.column = 0;
    }

    /// Freezes the header row (the last row written before this), sizes the columns to
    /// their contents.
    fn finish(self, header_row: u32) -> Result<(), XlsxError> {
        self.sheet.set_freeze_panes(header_row + 1, 0)?;
        self.sheet.autofit();
        Ok(())
    }
}

/// The most rows a worksheet holds (Excel's limit), its header included.
pub const MAX_ROWS: usize = 1 << 20;

/// The rows of the longest sheet (Data: one per statistic, plus its header) of the
/// workbook of a run of `model`, known before the run.
pub fn rows_needed(model: &Model) -> usize {
    ReportFold::statistics(model) + 1
}

/// The report as the bytes of an `.xlsx` file.
pub fn workbook(report: &Report) -> Result<Vec<u8>, XlsxError> {
    let formats = Formats::new();
    let half_widths = report.replications > 1;
    let everything = report_within(report);
    let mut book = Workbook::new();
    // A fixed creation date, not the clock's: the same report gives the same bytes (a
    // merged workbook equals the one run on one machine).
    let created = ExcelDateTime::from_ymd(2000, 1, 1)?;
    book.set_properties(
        &DocProperties::new()
            .set_creation_datetime(&created)
            .set_title(format!("{} — callsim report", report.scenario))
            .set_comment(format!(
                "{} replications, seed {}",
                report.replications, report.seed
            )),
    );
    // Summary: what was run, then the day per call type and tier.
    {
        let mut s = Sheet::add(&mut book, "Summary", &formats, half_widths)?;
        // The table first, from row 6, so that only its cells size the columns; then the
        // notes above it.
        s.row = 6;
        let header_row = s.row;
        for h in ["Call type", "Tier", "SL within (s)", "SL target"] {
            s.header(h)?;
        }
        s.call_headers("service level")?;
        s.next();
        for t in &report.call_types {
            s.text(&t.name)?;
            s.text("")?;
            s.service_level_terms(&type_within(t), t.service_level_target)?;
            s.calls(&t.block)?;
            s.next();
            for tier in &t.tiers {
                s.text(&t.name)?;
                s.text(&tier.name)?;
                let within = Within::of([tier.service_level_threshold_s]);
                s.service_level_terms(&within, tier.service_level_target)?;
                s.calls(&tier.block)?;
                s.next();
            }
        }
        s.text("Total")?;
        s.text("")?;
        s.service_level_terms(&everything, None)?;
        s.calls(&report.total)?;
        s.next();
        s.finish(header_row)?;
        let ws = book.worksheet_from_name("Summary")?;
        ws.write_string_with_format(0, 0, &report.scenario, &formats.bold)?;
        ws.write_string(1, 0, "Replications")?;
        ws.write_number(1, 1, report.replications)?;
        ws.write_string(2, 0, "Seed")?;
        // A seed beyond 2^53 would lose digits as a number.
        if report.seed < 1 << 53 {
            ws.write_number(2, 1, report.seed as f64)?;
        } else {
            ws.write_string(2, 1, report.seed.to_string())?;
        }
        ws.write_string(3, 0, "Figures")?;
        ws.write_string(3, 1, precision_note(report.replications))?;
        ws.write_string(4, 0, "Service level")?;
        ws.write_string(
            4,
            1,
            service_level_definition(&everything).replace('\n', " "),
        )?;
    }

    // Intervals: all calls per interval, with the agents.
    {
        let mut s = Sheet::add(&mut book, "Intervals", &formats, half_widths)?;
        s.header("Interval")?;
        s.header("Start (s)")?;
        s.call_headers(&format!("service level ({})", everything.label()))?;
        s.header("scheduled agents")?;
        s.header("agents on the floor")?;
        s.next();
        for i in &report.intervals {
            s.text(&i.start)?;
            s.number(Some(i.start_s), Kind::Seconds)?;
            s.calls(&i.total)?;
            let sum = |f: fn(&super::GroupBlock) -> &Stat| -> f64 {
                i.agent_groups.iter().map(|g| f(&g.block).value()).sum()
            };
            s.number(Some(sum(|g| &g.scheduled_agents)), Kind::Count)?;
            s.number(Some(sum(|g| &g.staffed_agents)), Kind::Count)?;
            s.next();
        }
        s.finish(0)?;
    }

    // Call types: every interval × call type and tier.
    {
        let mut s = Sheet::add(&mut book, "Call types", &formats, half_widths)?;
        for h in [
            "Interval",
            "Start (s)",
            "Call type",
            "Tier",
            "SL within (s)",
            "SL target",
        ] {
            s.header(h)?;
        }
        s.call_headers("service level")?;
        s.next();
        for i in &report.intervals {
            for (t, day) in i.call_types.iter().zip(&report.call_types) {
                s.text(&i.start)?;
                s.number(Some(i.start_s), Kind::Seconds)?;
                s.text(&t.name)?;
                s.text("")?;
                s.service_level_terms(&type_within(day), t.service_level_target)?;
                s.calls(&t.block)?;
                s.next();
                for tier in &t.tiers {
                    s.text(&i.start)?;
                    s.number(Some(i.start_s), Kind::Seconds)?;
                    s.text(&t.name)?;
                    s.text(&tier.name)?;
                    let within = Within::of([tier.service_level_threshold_s]);
                    s.service_level_terms(&within, tier.service_level_target)?;
                    s.calls(&tier.block)?;
                    s.next();
                }
            }
        }
        s.finish(0)?;
    }

    // Groups: the day, then every interval.
    {
        let mut s = Sheet::add(&mut book, "Groups", &formats, half_widths)?;
        s.header("Period")?;
        s.header("Start (s)")?;
        s.header("Agent group")?;
        for h in [
            "scheduled agents",
            "agents on the floor",
            "answered",
            "occupancy",
        ] {
            s.stat_header(h)?;
        }
        s.next();
        let periods = std::iter::once(("day", None, &report.agent_groups)).chain(
            report
                .intervals
                .iter()
                .map(|i| (i.start.as_str(), Some(i.start_s), &i.agent_groups)),
        );
        for (period, start, groups) in periods {
            for g in groups {
                s.text(period)?;
                s.number(start, Kind::Seconds)?;
                s.text(&g.name)?;
                s.stat(&g.block.scheduled_agents, Kind::Count)?;
                s.stat(&g.block.staffed_agents, Kind::Count)?;
                s.stat(&g.block.answered, Kind::Count)?;
                s.stat(&g.block.occupancy, Kind::Fraction)?;
                s.next();
            }
        }
        s.finish(0)?;
    }

    // Data: the long form, one statistic per row.
    {
        let mut s = Sheet::add(&mut book, "Data", &formats, false)?;
        for h in LONG_HEADER {
            s.header(h)?;
        }
        s.next();
        for row in long_rows(report) {
            let kind = match row.unit {
                "fraction" => Kind::Fraction,
                "seconds" => Kind::Seconds,
                _ => Kind::Count,
            };
            s.text(row.period)?;
            s.number(row.interval_start_s, Kind::Seconds)?;
            s.text(row.level)?;
            s.text(row.call_type)?;
            s.text(row.tier)?;
            s.text(row.agent_group)?;
            s.text(&row.statistic)?;
            s.text(row.unit)?;
            s.number(row.threshold_s, Kind::Seconds)?;
            s.number(row.target, Kind::Fraction)?;
            s.number(row.mean, kind)?;
            s.number(row.ci95, kind)?;
            s.next();
        }
        s.finish(0)?;
    }
    book.save_to_buffer()
}
