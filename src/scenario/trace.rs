//! Recorded calls to replay: a CSV with `arrival_s,call_type[,handle_time_s[,patience_s]]`
//! (further columns, such as those `callsim run --write-calls` adds, are ignored).

use std::collections::HashMap;
use std::path::Path;

use super::{FieldPath, ScenarioError, Source};
use crate::model::{TracedCall, TypeId};
use crate::time::SimTime;

/// Reads the trace `file` (relative to the scenario's directory). Every line is checked
/// before any is used: a bad line is an error naming the file and line, and nothing
/// half-read is kept.
pub fn read(
    file: &str,
    path: &FieldPath,
    source: &Source,
    type_ids: &HashMap<&str, TypeId>,
    horizon: SimTime,
) -> Result<Vec<TracedCall>, ScenarioError> {
    let base = Path::new(&source.origin).parent().unwrap_or(Path::new("."));
    let full = base.join(file);
    let text = std::fs::read_to_string(&full).map_err(|e| {
        source.error_at(
            path,
            format!("cannot read the trace `{}`: {e}", full.display()),
            "the path is relative to the scenario file",
        )
    })?;
    let origin = full.display().to_string();
    let line_error = |line: usize, message: String| {
        ScenarioError::file(
            &format!("{origin}:{line}"),
            message,
            Some("each line is arrival_s,call_type[,handle_time_s[,patience_s]] with times in seconds from the start".into()),
        )
    };
    let mut calls = Vec::new();
    for (i, raw) in text.lines().enumerate() {
        let line = i + 1;
        let fields: Vec<&str> = raw.split(',').map(str::trim).collect();
        if raw.trim().is_empty() || raw.trim_start().starts_with('#') {
            continue;
        }
        if line == 1 && fields[0].parse::<f64>().is_err() {
            continue; // a header
        }
        if fields.len() < 2 {
            return Err(line_error(line, "one field, expected at least 2".into()));
        }
        let seconds = |k: usize, what: &str| -> Result<Option<SimTime>, ScenarioError> {
            match fields.get(k) {
                None | Some(&"") => Ok(None),
                Some(text) => match text.parse::<f64>() {
                    Ok(s) if s.is_finite() && s >= 0.0 => Ok(Some(SimTime::from_seconds(s))),
                    _ => Err(line_error(
                        line,
                        format!("the {what} `{text}` is not a number of seconds ≥ 0"),
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
                    "the arrival at {}s is after the simulated duration",
                    arrival.as_seconds()
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
    calls.sort_by_key(|c| c.arrival);
    Ok(calls)
}
