//! Shared pieces of the command line: failures and their exit codes, loading, printing.

pub mod args;
pub mod compare;
pub mod erlang;
pub mod fit;
pub mod intraday;
pub mod live;
pub mod merge;
pub mod output;
pub mod progress;
pub mod run;
pub mod staff;
pub mod sweep;
pub mod validate;

use std::io::Write;
use std::path::PathBuf;

use callsim::model::Model;
use callsim::scenario::{ScenarioError, Source};
use callsim::shard::{Shard, ShardStep, Study};

/// Why the command failed, which decides the exit status.
pub enum Failure {
    /// Bad input: exit 2.
    Scenario(ScenarioError),
    /// An argument that does not fit the scenario (an unknown group, an empty range): exit 2.
    Usage(String),
    /// Anything else: exit 1.
    Other(String),
}

/// The `--shard K/N` argument of `run`, `compare` and `sweep`, parsed; a usage error says
/// what to write.
pub fn shard(arg: Option<&str>) -> Result<Option<Shard>, Failure> {
    arg.map(Shard::parse).transpose().map_err(Failure::Usage)
}

/// Runs `shard`'s items of `study` (the verb `verb`) and returns its part, showing the
/// progress of the shard's own replications; `starting` names model `run` as its
/// replications start, where the verb has something to say (a sweep's point).
pub fn study_shard(
    verb: &'static str,
    study: &Study,
    threads: Option<usize>,
    shard: Shard,
    quiet: bool,
    starting: impl Fn(usize) -> Option<String> + Sync,
    budget: Option<u64>,
) -> Result<String, Failure> {
    let held = shard.items(study.items());
    check_part_memory(study, held.end - held.start, threads, budget)?;
    let mut progress = progress::Progress::new(verb, Some(held.end - held.start), quiet);
    let part = callsim::shard::run_study_shard(study, threads, shard, |step| match step {
        ShardStep::Starting { run } => {
            if let Some(note) = starting(run) {
                progress.note(note)
            }
        }
        ShardStep::Finished { items } => progress.set(items),
    });
    progress.finish();
    part.map_err(Failure::Usage)
}

/// Refuses (exit 2) a shard whose part would not fit the memory budget: a part holds the
/// measures of every replication it runs until it is written, each about twice over (the
/// measures, then their JSON text), besides a run's own memory.
fn check_part_memory(
    study: &callsim::shard::Study,
    items: u64,
    threads: Option<usize>,
    budget: Option<u64>,
) -> Result<(), Failure> {
    let threads = threads.unwrap_or_else(|| run::thread_count(None));
    let per_item = study
        .models
        .iter()
        .map(callsim::footprint::measures_without_waits_bytes)
        .max()
        .unwrap_or(0);
    let part = items.saturating_mul(2 * per_item);
    let run = study
        .models
        .iter()
        .map(|m| callsim::footprint::estimate(m, threads).total())
        .max()
        .unwrap_or(0);
    run::refuse_over_budget(
        run.saturating_add(part),
        ("the part: every replication's measures and their text", part),
        "split the study into more shards (`--shard K/N` with a larger N), or use longer intervals (`simulation.interval`)",
        budget,
    )
}

/// The scenario at `path`, or the built-in default when there is none.
pub fn load(path: Option<&PathBuf>) -> Result<Model, Failure> {
    let source = match path {
        Some(path) => Source::read(path).map_err(Failure::Scenario)?,
        None => Source::default_scenario(),
    };
    load_source(&source)
}

/// The scenario of `source`, with a note on stderr of what its trace does not replay.
pub fn load_source(source: &Source) -> Result<Model, Failure> {
    let model = source.load().map_err(Failure::Scenario)?;
    warn_of_trace_later_contacts(&model);
    Ok(model)
}

/// On stderr: how many rows of a replayed trace are later contacts of its callers, left
/// out (the scenario makes them) or replayed as new callers (it does not).
fn warn_of_trace_later_contacts(model: &Model) {
    let Some(trace) = &model.trace else {
        return;
    };
    let file = model
        .trace_file
        .as_ref()
        .map_or(String::new(), |f| format!(" `{}`", f.display()));
    let (left_out, replayed) = model.trace_later_contacts;
    if left_out > 0 {
        eprintln!(
            "note: {left_out} rows of the trace{file} are later contacts of callers it already has (a later `attempt`, or a `caller` seen at an earlier arrival) of a kind the scenario makes (redials of a type with `retrial`; transfers, repeat calls and callback jobs after a type with `transfer`, `unresolved` or `callback`): they are not replayed, the scenario makes them; {} calls are replayed\n  help: to replay every row as a new caller, remove the `attempt` and `caller` columns",
            trace.len()
        );
    }
    if replayed > 0 {
        eprintln!(
            "note: {replayed} rows of the trace{file} are later contacts of callers it already has, that the scenario does not make or cannot tell apart (a redial is left out when its `attempt` is above 1 and its type has `retrial`; a repeated `caller` after a type with `transfer`, `unresolved` or `callback`): they are replayed as new callers"
        );
    }
}

/// The command's output: to `file` (see [`output::OutputFile`]) if `--output` named one,
/// else to stdout.
pub fn emit(file: Option<&output::OutputFile>, text: &str) -> Result<(), Failure> {
    emit_bytes(file, text.as_bytes())
}

/// As [`emit`], for output that may not be text (a workbook).
pub fn emit_bytes(file: Option<&output::OutputFile>, bytes: &[u8]) -> Result<(), Failure> {
    match file {
        Some(file) => file.write(bytes),
        None => print_bytes(bytes),
    }
}

/// Writes to stdout; a closed pipe (`callsim run | head`) is not an error.
pub fn print(text: &str) -> Result<(), Failure> {
    print_bytes(text.as_bytes())
}

/// As [`print`], for bytes.
fn print_bytes(bytes: &[u8]) -> Result<(), Failure> {
    let mut out = std::io::stdout().lock();
    match out.write_all(bytes).and_then(|()| out.flush()) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        Err(e) => Err(Failure::Other(format!("writing the output: {e}"))),
    }
}

/// Agent-hours as the table prints them: to the hundredth, without a trailing zero beyond
/// the first decimal (quarter hours give 414.25, half hours 280.5, whole ones 280.0).
pub fn hours_text(hours: f64) -> String {
    let text = format!("{hours:.2}");
    match text.strip_suffix('0') {
        Some(shorter) => shorter.to_owned(),
        None => text,
    }
}

#[cfg(test)]
mod tests {
    use super::hours_text;

    #[test]
    fn agent_hours_keep_their_quarters() {
        assert_eq!(hours_text(414.25), "414.25");
        assert_eq!(hours_text(377.75), "377.75");
        assert_eq!(hours_text(280.5), "280.5");
        assert_eq!(hours_text(280.0), "280.0");
        assert_eq!(hours_text(100.0 + 1.0 / 6.0), "100.17");
    }
}
