//! `callsim merge`: the report of a run from the parts its shards wrote.

use std::path::PathBuf;

use callsim::scenario::input::{read_regular, InputError};
use callsim::shard;

use super::output::OutputFile;
use super::run::{check_format, render, Format};
use super::{emit_bytes, Failure};

/// The largest part read, in bytes: far more than the measures of any real run's shard.
pub const MAX_PART_BYTES: u64 = 4 << 30;

/// What `merge` was asked.
#[derive(Debug, clap::Args)]
pub struct MergeArgs {
    /// The part files written by `callsim run --shard K/N --output FILE`, every shard once,
    /// in any order.
    #[arg(required = true, value_name = "PART")]
    parts: Vec<PathBuf>,
    /// Output format.
    #[arg(long, short = 'f', value_enum, default_value_t = Format::Table)]
    format: Format,
    /// Write the report to FILE instead of stdout.
    #[arg(long, short = 'o', value_name = "FILE")]
    output: Option<PathBuf>,
    /// Replace the file named by --output if it exists.
    #[arg(long)]
    force: bool,
}

pub fn run(args: MergeArgs) -> Result<(), Failure> {
    let output = OutputFile::check_optional("--output", args.output.as_ref(), args.force)?;
    check_format(args.format, output.as_ref())?;
    let mut parts = Vec::with_capacity(args.parts.len());
    for path in &args.parts {
        let name = path.display().to_string();
        let bytes = read_regular(path, MAX_PART_BYTES).map_err(|e| {
            let help = match &e {
                InputError::TooLarge(_) => {
                    "a part holds a few kilobytes per replication; check that this is a part file"
                }
                _ => "check the path; `merge` reads the files written by `callsim run --shard K/N --output FILE`",
            };
            Failure::Usage(format!("{name}: cannot read the part: {e}\n  help: {help}"))
        })?;
        let part = shard::read_part(&name, &bytes).map_err(Failure::Usage)?;
        parts.push((name, part));
    }
    let report = shard::merge(&parts).map_err(Failure::Usage)?;
    emit_bytes(output.as_ref(), &render(&report, args.format)?)
}
