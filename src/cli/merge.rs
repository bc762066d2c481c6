//! `callsim merge`: the output of a `run`, `compare` or `sweep` from the parts its shards
//! wrote, as the verb prints it on one machine.

use std::path::PathBuf;

use callsim::report;
use callsim::scenario::input::{read_regular, InputError};
use callsim::shard::{self, PartKind};

use super::args::Output;
use super::compare::CompareFormat;
use super::output::OutputFile;
use super::run::{check_format, render, Format};
use super::{emit_bytes, Failure};

/// The largest part read, in bytes: far more than the measures of any real run's shard.
pub const MAX_PART_BYTES: u64 = 4 << 30;

/// What `merge` was asked.
#[derive(Debug, clap::Args)]
pub struct MergeArgs {
    /// The part files written by `callsim run|compare|sweep … --shard K/N --output FILE`,
    /// every shard once, in any order.
    #[arg(required = true, value_name = "PART")]
    parts: Vec<PathBuf>,
    /// Output format (csv, csv-long and xlsx for `run` parts only).
    #[arg(long, short = 'f', value_enum, default_value_t = Format::Table)]
    format: Format,
    /// With the tables of a `run`'s parts: also every interval of each call type and tier,
    /// as `run --intervals-by-type` prints them.
    #[arg(long)]
    intervals_by_type: bool,
    /// For the parts of a `sweep`: also write its SVG chart, as `sweep --chart` does.
    #[arg(long, value_name = "FILE.svg")]
    chart: Option<PathBuf>,
    /// Write the report to FILE instead of stdout.
    #[arg(long, short = 'o', value_name = "FILE")]
    output: Option<PathBuf>,
    /// Replace the files named by --output and --chart if they exist.
    #[arg(long)]
    force: bool,
    /// Refuse a merge whose estimated memory exceeds this (e.g. 16GB, 512MB; default: half
    /// of the machine's memory).
    #[arg(long, value_name = "SIZE", value_parser = callsim::footprint::parse_bytes)]
    memory_budget: Option<u64>,
}

/// Peak memory of a merge per byte of its parts: each part's text, its parsed measures and
/// the report built from them (3.6 measured on a part of 549 MB, peaking at 1.99 GB).
const MERGE_BYTES_PER_PART_BYTE: u64 = 4;

pub fn run(args: MergeArgs) -> Result<(), Failure> {
    let output = OutputFile::check_optional("--output", args.output.as_ref(), args.force)?;
    let chart = OutputFile::check_optional("--chart", args.chart.as_ref(), args.force)?;
    OutputFile::distinct(&[output.as_ref(), chart.as_ref()])?;
    OutputFile::not_an_input(&[output.as_ref(), chart.as_ref()], &args.parts)?;
    check_format(args.format, output.as_ref())?;
    super::run::check_intervals_by_type(args.intervals_by_type, args.format)?;
    let part_bytes = args
        .parts
        .iter()
        .filter_map(|p| std::fs::metadata(p).ok())
        .map(|m| m.len())
        // A file over the cap is refused when read, with that reason.
        .filter(|&len| len <= MAX_PART_BYTES)
        .fold(0u64, u64::saturating_add);
    let estimate = part_bytes.saturating_mul(MERGE_BYTES_PER_PART_BYTE);
    super::run::refuse_over_budget(
        estimate,
        (
            "the parts, read and parsed, and the report made from them",
            estimate,
        ),
        "merge on a machine with more memory (a merge reads every part whole)",
        args.memory_budget,
    )?;
    let mut parts = Vec::with_capacity(args.parts.len());
    for path in &args.parts {
        let name = path.display().to_string();
        let bytes = read_regular(path, MAX_PART_BYTES).map_err(|e| {
            let help = match &e {
                InputError::TooLarge(_) => {
                    "a part holds a few kilobytes per replication; check that this is a part file"
                }
                _ => "check the path; `merge` reads the files written by `callsim run|compare|sweep … --shard K/N --output FILE`",
            };
            Failure::Usage(format!("{name}: cannot read the part: {e}\n  help: {help}"))
        })?;
        let part = shard::read_part(&name, &bytes).map_err(Failure::Usage)?;
        parts.push((name, part));
    }
    // What the parts are decides what may be asked of them: refuse before checking them all.
    let kind = parts.first().map_or(PartKind::Run, |(_, p)| p.header.kind);
    if chart.is_some() && kind != PartKind::Sweep {
        return Err(Failure::Usage(format!(
            "--chart: these are parts of `callsim {}`; only a sweep has a chart\n  help: leave out --chart",
            kind.verb()
        )));
    }
    if args.intervals_by_type && kind != PartKind::Run {
        return Err(Failure::Usage(format!(
            "--intervals-by-type: these are parts of `callsim {}`; only a run's report has intervals per call type\n  help: leave out --intervals-by-type",
            kind.verb()
        )));
    }
    // `compare` and `sweep` print a table, JSON or a page, not CSV.
    let study_output = match args.format {
        Format::Table => Some(Output::Table),
        Format::Json => Some(Output::Json),
        Format::Html => Some(Output::Html),
        Format::Csv | Format::CsvLong | Format::Xlsx => None,
    };
    if kind != PartKind::Run && study_output.is_none() {
        return Err(Failure::Usage(format!(
            "--format {}: these are parts of `callsim {}`, which prints a table, JSON or HTML\n  \
             help: use --format table, json or html",
            args.format.name(),
            kind.verb()
        )));
    }
    let study = shard::assemble(&parts).map_err(Failure::Usage)?;
    match kind {
        PartKind::Run => {
            let merged = shard::merge(&parts).map_err(Failure::Usage)?;
            if args.format == Format::Xlsx {
                super::run::check_workbook_fits(&merged.model)?;
                let (what, workbook, fix) = super::run::workbook_part(&merged.model);
                super::run::refuse_over_budget(
                    estimate.saturating_add(workbook),
                    (what, workbook),
                    fix,
                    args.memory_budget,
                )?;
            }
            let bytes = match args.format {
                Format::Html => {
                    report::html::run_page(&merged.model, &merged.report, &merged.waits)
                        .into_bytes()
                }
                _ => {
                    let mut rendered = render(&merged.report, args.format)?;
                    if args.intervals_by_type {
                        rendered
                            .extend(report::table::intervals_by_type(&merged.report).into_bytes());
                    }
                    rendered
                }
            };
            emit_bytes(output.as_ref(), &bytes)
        }
        PartKind::Compare => {
            let format = match study_output {
                Some(Output::Json) => CompareFormat::Json,
                Some(Output::Html) => CompareFormat::Html,
                _ => CompareFormat::Table,
            };
            super::compare::merged(&study, format, output.as_ref())
        }
        PartKind::Sweep => {
            let format = study_output.unwrap_or(Output::Table);
            super::sweep::merged(&study, format, output.as_ref(), chart.as_ref())
        }
    }
}

/// A merge that cannot go on with `study`'s parts although they belong together: `why`,
/// named by the first part, and the way out.
pub(super) fn unusable(study: &shard::Assembled, why: String) -> Failure {
    Failure::Usage(format!(
        "{}: {why}\n  help: merge with the callsim that wrote the parts",
        study.first_name
    ))
}
