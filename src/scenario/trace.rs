//! Recorded calls to replay: a CSV with `arrival_s,call_type[,handle_time_s[,patience_s]]`.
//! Read with the same CSV implementation that writes call logs, so quoted names (with commas
//! or quotes) read back as written.
//!
//! A trace replays *callers*: the scenario makes their later contacts (redials, transfers,
//! repeat calls, callback jobs). So when the header names an `attempt` or a `caller` column,
//! as `callsim run --write-calls` logs do, a row of a later attempt, or of a caller seen at
//! an earlier arrival, is not replayed; [`Trace::later_contacts`] counts them. Other columns
//! are ignored.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use super::input::{self, InputError};
use super::{FieldPath, ScenarioError, Source};
use crate::model::{TracedCall, TypeId};
use crate::time::SimTime;

/// The first column of the header `callsim run --write-calls` writes.
const HEADER_FIRST: &str = "arrival_s";

/// The columns that say which attempt of its caller a row is, and who the caller is.
const ATTEMPT_COLUMN: &str = "attempt";
const CALLER_COLUMN: &str = "caller";

/// The calls of a trace to replay, and what was left out.
#[derive(Debug, Clone)]
pub struct Trace {
    /// Each caller's first call, in arrival order (ties in the file's order).
    pub calls: Vec<TracedCall>,
    /// Rows left out as later contacts of callers the trace already has: a later `attempt`
    /// than the first, or a `caller` seen at an earlier arrival.
    pub later_contacts: u64,
}

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
///
/// A later contact (see the module's doc) is checked like any row, but may arrive after the
/// end of the day (a transfer's leg after closing): it is not replayed.
pub fn read(
    file: &str,
    path: &FieldPath,
    source: &Source,
    type_ids: &HashMap<&str, TypeId>,
    horizon: SimTime,
) -> Result<Trace, ScenarioError> {
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
    let too_late = |line: u64, arrival: SimTime| {
        line_error(
            line,
            format!(
                "the arrival at {}s is not before the end of the simulated day ({}s): a call must arrive before `duration`",
                arrival.as_seconds(),
                horizon.as_seconds()
            ),
        )
    };
    let mut csv = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .trim(csv::Trim::All)
        .comment(Some(b'#'))
        .from_reader(reader);
    let mut calls = Vec::new();
    // With a `caller` column: each call's caller (a hash of the id; `None` when blank) and
    // line, to keep each caller's earliest call once all are read.
    let mut callers: Vec<(Option<u64>, u64)> = Vec::new();
    let (mut attempt_column, mut caller_column) = (None, None);
    let mut later_attempts = 0u64;
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
            attempt_column = fields.iter().position(|&f| f == ATTEMPT_COLUMN);
            caller_column = fields.iter().position(|&f| f == CALLER_COLUMN);
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
        let Some(&call_type) = type_ids.get(fields[1]) else {
            return Err(line_error(
                line,
                format!("`{}` names no call type of the scenario", fields[1]),
            ));
        };
        let call = TracedCall {
            arrival,
            call_type,
            handle: seconds(2, "handle time")?,
            patience: seconds(3, "patience")?,
        };
        let attempt = match attempt_column.and_then(|k| fields.get(k)) {
            None | Some(&"") => 1,
            Some(text) => match text.parse::<u32>() {
                Ok(a) if a >= 1 => a,
                _ => {
                    return Err(line_error(
                        line,
                        format!("the attempt `{text}` is not a whole number ≥ 1 (1 = the caller's first call)"),
                    ))
                }
            },
        };
        if attempt > 1 {
            later_attempts += 1;
            continue;
        }
        if let Some(k) = caller_column {
            let caller = fields.get(k).filter(|id| !id.is_empty()).map(|id| {
                let mut hasher = std::hash::DefaultHasher::new();
                std::hash::Hash::hash(id, &mut hasher);
                std::hash::Hasher::finish(&hasher)
            });
            callers.push((caller, line));
        } else if arrival >= horizon {
            return Err(too_late(line, arrival));
        }
        calls.push(call);
    }
    if calls.is_empty() {
        let what = if later_attempts > 0 {
            format!("has no first attempts (its {later_attempts} calls are later attempts, which the scenario's `retrial` makes)")
        } else {
            "has no calls".to_owned()
        };
        return Err(source.error_at(
            path,
            format!("the trace `{}` {what}", full.display()),
            "one call per line: arrival_s,call_type",
        ));
    }
    // Stable (ties keep the file's order), and only when needed: the sort's buffer is half
    // the trace again.
    if !calls.is_sorted_by_key(|c| c.arrival) {
        if callers.is_empty() {
            calls.sort_by_key(|c| c.arrival);
        } else {
            let mut both: Vec<_> = calls.into_iter().zip(callers).collect();
            both.sort_by_key(|(c, _)| c.arrival);
            (calls, callers) = both.into_iter().unzip();
        }
    }
    let mut later_contacts = later_attempts;
    if !callers.is_empty() {
        let mut seen = std::collections::HashSet::with_capacity(callers.len());
        let mut kept = 0;
        for k in 0..calls.len() {
            let (caller, line) = callers[k];
            if caller.is_some_and(|id| !seen.insert(id)) {
                later_contacts += 1;
                continue;
            }
            if calls[k].arrival >= horizon {
                return Err(too_late(line, calls[k].arrival));
            }
            calls[kept] = calls[k];
            kept += 1;
        }
        calls.truncate(kept);
    }
    calls.shrink_to_fit();
    Ok(Trace {
        calls,
        later_contacts,
    })
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
