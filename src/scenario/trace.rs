//! Recorded calls to replay: a CSV with `arrival_s,call_type[,handle_time_s[,patience_s]]`.
//! Read with the same CSV implementation that writes call logs, so quoted names (with commas
//! or quotes) read back as written.
//!
//! A trace replays *callers*; the scenario makes the later contacts it models (redials,
//! transfers, repeat calls, callback jobs). So when the header names an `attempt` or a
//! `caller` column, as `callsim run --write-calls` logs do, a row of a later attempt, or of a
//! caller seen at an earlier arrival, is left out if the scenario makes such a contact
//! ([`LaterContacts`]), and replayed as a new caller if it does not. Other columns are
//! ignored.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use super::input::{self, InputError};
use super::{FieldPath, ScenarioError, Source};
use crate::model::{TracedCall, TypeId};
use crate::time::SimTime;

/// The columns of the call log `callsim run --write-calls` writes, in order; the first four
/// are the trace format, so a log can be replayed. A trace's header is matched against them
/// whatever their case.
pub const CALL_LOG_COLUMNS: [&str; 11] = [
    "arrival_s",
    "call_type",
    "handle_time_s",
    "patience_s",
    "tier",
    "attempt",
    "outcome",
    "wait_s",
    "group",
    "ivr_s",
    "caller",
];

/// Which later contacts of its callers the scenario makes, per call type.
#[derive(Debug, Clone, Copy)]
pub struct LaterContacts<'a> {
    /// Whether a caller of the type redials (`retrial`).
    pub redials: &'a [bool],
    /// Whether a call of the type may bring its caller back as another contact: a transfer,
    /// a repeat call (`unresolved`) or a callback job.
    pub follow_ups: &'a [bool],
}

/// The calls of a trace to replay, and the later contacts among its rows.
#[derive(Debug, Clone)]
pub struct Trace {
    /// The calls to replay, in arrival order (ties in the file's order).
    pub calls: Vec<TracedCall>,
    /// Rows left out: later contacts of callers the trace already has, which the scenario
    /// makes (a later `attempt` of a type with `retrial`; a `caller` seen at an earlier
    /// arrival of a type with a transfer, `unresolved` or `callback`).
    pub left_out: u64,
    /// Later contacts replayed as new callers, as the scenario does not make them.
    pub replayed_later: u64,
}

/// Where the columns a trace reads are: by the header's names, else by position.
#[derive(Debug, Clone, Copy)]
struct Columns {
    handle: Option<usize>,
    patience: Option<usize>,
    attempt: Option<usize>,
    caller: Option<usize>,
}

impl Columns {
    /// Without a header: `arrival_s,call_type,handle_time_s,patience_s`.
    const BY_POSITION: Columns = Columns {
        handle: Some(2),
        patience: Some(3),
        attempt: None,
        caller: None,
    };

    /// The columns of `header`: `handle_time_s`, `patience_s`, `attempt` and `caller` where
    /// it names them; else the handle time and patience in the third and fourth columns
    /// when the header's names there say so (`handle_time`, `talk_s`, `AHT`, `service_time`;
    /// `patience`): a column headed `agent_id` or `priority` is no duration. A column of the
    /// call log named twice is an error (which one holds the values?).
    fn of(header: &[&str]) -> Result<Columns, String> {
        let named = |name: &str| -> Result<Option<usize>, String> {
            let mut at = header
                .iter()
                .enumerate()
                .filter(|(_, h)| h.eq_ignore_ascii_case(name))
                .map(|(k, _)| k);
            match (at.next(), at.next()) {
                (Some(a), Some(b)) => Err(format!(
                    "the header names `{name}` twice (columns {} and {}): which one is the trace's?",
                    a + 1,
                    b + 1
                )),
                (first, _) => Ok(first),
            }
        };
        for name in CALL_LOG_COLUMNS {
            named(name)?;
        }
        let by_position = |k: usize, says: &[&str]| {
            header
                .get(k)
                .map(|h| h.to_ascii_lowercase())
                .filter(|h| !CALL_LOG_COLUMNS.iter().any(|c| h == c))
                .filter(|h| says.iter().any(|word| h.contains(word)))
                .map(|_| k)
        };
        Ok(Columns {
            handle: named("handle_time_s")?
                .or_else(|| by_position(2, &["handle", "talk", "aht", "service"])),
            patience: named("patience_s")?.or_else(|| by_position(3, &["patience"])),
            attempt: named("attempt")?,
            caller: named("caller")?,
        })
    }
}

/// A caller's identity for telling its contacts apart: a hash of its id, or `None` for a
/// blank id or one of zeros alone (an anonymous caller, as phone systems log them).
fn caller_key(id: &str) -> Option<u64> {
    if id.bytes().all(|b| b == b'0') {
        return None;
    }
    let mut hasher = std::hash::DefaultHasher::new();
    std::hash::Hash::hash(id, &mut hasher);
    Some(std::hash::Hasher::finish(&hasher))
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
/// A later contact left out (see the module's doc) is checked like any row, but may
/// arrive after the end of the day (a transfer's leg after closing).
pub fn read(
    file: &str,
    path: &FieldPath,
    source: &Source,
    type_ids: &HashMap<&str, TypeId>,
    later: LaterContacts<'_>,
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
            Some("each line is arrival_s,call_type[,handle_time_s[,patience_s]] with times in seconds from the start; with a header, the handle time and patience are the columns named handle_time_s and patience_s, else the third and fourth".into()),
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
    // With an `attempt` or `caller` column: each call's attempt, caller and line, to tell
    // later contacts apart once all are read in arrival order.
    let mut contacts: Vec<Contact> = Vec::new();
    let mut columns = Columns::BY_POSITION;
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
                    csv::ErrorKind::Utf8 { .. } => "the line is not UTF-8 text (a file saved as Windows-1252 or Latin-1?); convert it: iconv -f WINDOWS-1252 -t UTF-8 TRACE.csv > TRACE-utf8.csv".to_owned(),
                    _ => format!("not a CSV line: {e}"),
                };
                return Err(line_error(line, message));
            }
        }
        let line = record.position().map_or(line, csv::Position::line);
        if record.iter().all(str::is_empty) {
            continue;
        }
        // No field of a trace spans lines: one that does holds the rest of the file after a
        // quote left open, which would otherwise be read as one odd name.
        if record.iter().any(|f| f.contains(['\n', '\r'])) {
            return Err(line_error(
                line,
                "a field runs over several lines: a quote (\") is left open; close it, or \
                 leave the field unquoted"
                    .into(),
            ));
        }
        let fields: Vec<&str> = record.iter().collect();
        if std::mem::take(&mut first) && is_header(&fields, type_ids) {
            columns = Columns::of(&fields).map_err(|message| line_error(line, message))?;
            continue;
        }
        if fields.len() < 2 {
            return Err(line_error(line, "one field, expected at least 2".into()));
        }
        let seconds = |k: Option<usize>, what: &str| -> Result<Option<SimTime>, ScenarioError> {
            match k.and_then(|k| fields.get(k)) {
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
        let arrival = seconds(Some(0), "arrival time")?
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
            handle: seconds(columns.handle, "handle time")?,
            patience: seconds(columns.patience, "patience")?,
        };
        if columns.attempt.is_some() || columns.caller.is_some() {
            let later_attempt = match columns.attempt.and_then(|k| fields.get(k)) {
                None | Some(&"") => false,
                Some(text) => match text.parse::<u64>() {
                    Ok(a) if a >= 1 => a > 1,
                    _ => {
                        return Err(line_error(
                            line,
                            format!("the attempt `{text}` is not a whole number ≥ 1 (1 = the caller's first call, 2 its first redial…)"),
                        ))
                    }
                },
            };
            let caller = columns
                .caller
                .and_then(|k| fields.get(k))
                .and_then(|id| caller_key(id));
            contacts.push(Contact {
                later_attempt,
                caller,
                line,
            });
        } else if arrival >= horizon {
            return Err(too_late(line, arrival));
        }
        calls.push(call);
    }
    if calls.is_empty() {
        return Err(source.error_at(
            path,
            format!("the trace `{}` has no calls", full.display()),
            "one call per line: arrival_s,call_type",
        ));
    }
    let (mut left_out, mut replayed_later) = (0, 0);
    if contacts.is_empty() {
        // Stable (ties keep the file's order), and only when needed: the sort's buffer is
        // half the trace again.
        if !calls.is_sorted_by_key(|c| c.arrival) {
            calls.sort_by_key(|c| c.arrival);
        }
    } else {
        // The rows in arrival order (ties in the file's order) through a permutation of 4
        // bytes a row, rather than a sorted copy of the rows.
        let Ok(rows) = u32::try_from(calls.len()) else {
            return Err(source.error_at(
                path,
                format!("the trace `{}` has more than 2³² rows", full.display()),
                "replay a day at a time",
            ));
        };
        let mut order: Vec<u32> = (0..rows).collect();
        if !calls.is_sorted_by_key(|c| c.arrival) {
            order.sort_by_key(|&k| calls[k as usize].arrival);
        }
        // Each identified caller's last contact so far: its type.
        let mut last_type: HashMap<u64, TypeId> = HashMap::new();
        // The calls kept, in order (4 bytes each), then copied into a list of their size.
        let mut kept_rows: Vec<u32> = Vec::with_capacity(order.len());
        for k in order {
            let call = calls[k as usize];
            let Contact {
                later_attempt,
                caller,
                line,
            } = contacts[k as usize];
            let before = caller.and_then(|id| last_type.insert(id, call.call_type));
            let made_by_the_scenario = if later_attempt {
                Some(later.redials[call.call_type as usize])
            } else {
                before.map(|b| later.follow_ups[b as usize])
            };
            match made_by_the_scenario {
                Some(true) => {
                    left_out += 1;
                    continue;
                }
                Some(false) => replayed_later += 1,
                None => {}
            }
            if call.arrival >= horizon {
                return Err(too_late(line, call.arrival));
            }
            kept_rows.push(k);
        }
        drop(last_type);
        calls = kept_rows.iter().map(|&k| calls[k as usize]).collect();
        if calls.is_empty() {
            return Err(source.error_at(
                path,
                format!(
                    "every row of the trace `{}` is a later contact of a caller it already has (a later `attempt`, or a `caller` seen before), which the scenario makes",
                    full.display()
                ),
                "a trace replays each caller's first call: keep the first attempts, or remove the `attempt` and `caller` columns to replay every row as a new caller",
            ));
        }
    }
    calls.shrink_to_fit();
    Ok(Trace {
        calls,
        left_out,
        replayed_later,
    })
}

/// A row's place among its caller's contacts.
#[derive(Debug, Clone, Copy)]
struct Contact {
    /// An `attempt` above 1: a redial.
    later_attempt: bool,
    /// The caller, when identified.
    caller: Option<u64>,
    /// The row's line, for errors.
    line: u64,
}

/// Whether the first line of a trace is a header rather than a call.
fn is_header(fields: &[&str], type_ids: &HashMap<&str, TypeId>) -> bool {
    let first = fields[0];
    if first.eq_ignore_ascii_case(CALL_LOG_COLUMNS[0]) {
        return true;
    }
    first.parse::<f64>().is_err()
        && !first.contains(|c: char| c.is_ascii_digit())
        && fields
            .get(1)
            .is_none_or(|name| !type_ids.contains_key(name))
}
