//! Recorded calls to replay: a CSV with `arrival_s,call_type[,handle_time_s[,patience_s]]`
//! (further columns, such as those `callsim run --write-calls` adds, are ignored). Read with
//! the same CSV implementation that writes call logs, so quoted names (with commas or
//! quotes) read back as written.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use super::input::{self, InputError};
use super::{FieldPath, ScenarioError, Source};
use crate::model::{TracedCall, TypeId};
use crate::time::SimTime;

/// The first column of the header `callsim run --write-calls` writes.
const HEADER_FIRST: &str = "arrival_s";

/// Where the trace `file` named in `source` is: relative to the scenario file.
pub fn path_of(file: &str, source: &Source) -> PathBuf {
    let base = Path::new(&source.origin).parent().unwrap_or(Path::new("."));
    base.join(file)
}

/// Reads the trace `file` (relative to the scenario's directory). Every line is checked
/// before any is used: a bad line is an error naming the file and line, and nothing
/// half-read is kept. The file must be a regular file of at most
/// [`input::max_trace_bytes`].
///
/// The first line is a header, and skipped, only if it is `arrival_s,...` or if its first
/// field has no digit and its second names no call type: a first call with a typo in its
/// time (`1O.5,general`) is an error, not a header.
pub fn read(
    file: &str,
    path: &FieldPath,
    source: &Source,
    type_ids: &HashMap<&str, TypeId>,
    horizon: SimTime,
) -> Result<Vec<TracedCall>, ScenarioError> {
    let full = path_of(file, source);
    let limit = input::max_trace_bytes();
    let reader = input::open_regular(&full, limit).map_err(|e| {
        let help = match e {
            InputError::TooLarge(_) => {
                "a trace is one line per call; to read a larger one, raise the limit with the command line's --max-trace-mb"
            }
            InputError::NotRegular(_) => "a trace is a CSV file (pipes and devices are not read)",
            InputError::Io(_) => "the path is relative to the scenario file",
        };
        source.error_at(
            path,
            format!("cannot read the trace `{}`: {e}", full.display()),
            help,
        )
    })?;
    let origin = full.display().to_string();
    let line_error = |line: u64, message: String| {
        ScenarioError::file(
            &format!("{origin}:{line}"),
            message,
            Some("each line is arrival_s,call_type[,handle_time_s[,patience_s]] with times in seconds from the start".into()),
        )
    };
    let mut csv = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .trim(csv::Trim::All)
        .comment(Some(b'#'))
        .from_reader(reader);
    let mut calls = Vec::new();
    let mut first = true;
    let mut record = csv::StringRecord::new();
    loop {
        let line = record.position().map_or(1, |p| p.line() + 1);
        match csv.read_record(&mut record) {
            Ok(true) => {}
            Ok(false) => break,
            Err(e) => {
                let line = e.position().map_or(line, csv::Position::line);
                let message = match e.kind() {
                    csv::ErrorKind::Io(io) if input::is_too_large(io) => format!(
                        "the trace is larger than the limit of {}; raise it with the command line's --max-trace-mb",
                        input::megabytes(limit)
                    ),
                    csv::ErrorKind::Utf8 { .. } => "the line is not UTF-8 text".to_owned(),
                    _ => format!("not a CSV line: {e}"),
                };
                return Err(line_error(line, message));
            }
        }
        let line = record.position().map_or(line, csv::Position::line);
        if record.iter().all(str::is_empty) {
            continue;
        }
        let fields: Vec<&str> = record.iter().collect();
        if std::mem::take(&mut first) && is_header(&fields, type_ids) {
            continue;
        }
        if fields.len() < 2 {
            return Err(line_error(line, "one field, expected at least 2".into()));
        }
        let seconds = |k: usize, what: &str| -> Result<Option<SimTime>, ScenarioError> {
            match fields.get(k) {
                None | Some(&"") => Ok(None),
                Some(text) => match text.parse::<f64>() {
                    Ok(s) if (0.0..=super::duration::MAX_SECONDS).contains(&s) => {
                        Ok(Some(SimTime::from_seconds(s)))
                    }
                    _ => Err(line_error(
                        line,
                        format!("the {what} `{text}` is not a number of seconds ≥ 0 (and at most 10 years)"),
                    )),
                },
            }
        };
        let arrival = seconds(0, "arrival time")?
            .ok_or_else(|| line_error(line, "no arrival time".into()))?;
        if arrival >= horizon {
            return Err(line_error(
                line,
                format!(
                    "the arrival at {}s is not before the end of the simulated day ({}s): a call must arrive before `duration`",
                    arrival.as_seconds(),
                    horizon.as_seconds()
                ),
            ));
        }
        let Some(&call_type) = type_ids.get(fields[1]) else {
            return Err(line_error(
                line,
                format!("`{}` names no call type of the scenario", fields[1]),
            ));
        };
        calls.push(TracedCall {
            arrival,
            call_type,
            handle: seconds(2, "handle time")?,
            patience: seconds(3, "patience")?,
        });
    }
    if calls.is_empty() {
        return Err(source.error_at(
            path,
            format!("the trace `{}` has no calls", full.display()),
            "one call per line: arrival_s,call_type",
        ));
    }
    // Stable (ties keep the file's order), and only when needed: the sort's buffer is half
    // the trace again.
    if !calls.is_sorted_by_key(|c| c.arrival) {
        calls.sort_by_key(|c| c.arrival);
    }
    calls.shrink_to_fit();
    Ok(calls)
}

/// Whether the first line of a trace is a header rather than a call.
fn is_header(fields: &[&str], type_ids: &HashMap<&str, TypeId>) -> bool {
    let first = fields[0];
    if first == HEADER_FIRST {
        return true;
    }
    first.parse::<f64>().is_err()
        && !first.contains(|c: char| c.is_ascii_digit())
        && fields
            .get(1)
            .is_none_or(|name| !type_ids.contains_key(name))
}
