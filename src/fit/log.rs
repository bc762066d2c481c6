//! Reading a call log: one row per call, columns found by name, every bad line refused with
//! its line number and column.

use std::collections::{HashMap, HashSet};
use std::fmt;
use std::path::Path;

// The longest simulation, ten years: no time or duration of a call log reaches it; one that
// does is in other units, or garbage.
use crate::scenario::MAX_DURATION_S;

/// The largest log `read` accepts (a month of a large centre is a few hundred MB).
pub const MAX_LOG_BYTES: u64 = 1 << 30;

/// Which columns of the log hold what, and how outcomes are spelled.
#[derive(Debug, Clone)]
pub struct Columns {
    /// When the call reached the queue: seconds (with `date`: seconds of that day),
    /// `H:MM:SS` (needs `date`), or `YYYY-MM-DD HH:MM:SS`.
    pub time: String,
    /// The day of the call, `YYYY-MM-DD`, when `time` is a time of day.
    pub date: Option<String>,
    /// The call type (queue).
    pub call_type: String,
    /// How the call ended.
    pub outcome: String,
    /// Seconds in queue.
    pub wait: String,
    /// Talk (handle) time in seconds, read for answered calls.
    pub talk: String,
    /// Wrap-up time in seconds, when the log has it.
    pub wrap: Option<String>,
    /// The agent who answered, when the log names agents.
    pub agent: Option<String>,
    /// Agent values that mean "no agent".
    pub no_agent: Vec<String>,
    /// The caller's id (phone number, customer number), when the log has it: repeated ids
    /// reveal redials.
    pub caller: Option<String>,
    /// Caller values that mean "unknown caller".
    pub no_caller: Vec<String>,
    /// Seconds in the IVR before the queue, when the log has it. With it, `time` is when
    /// the call reached the centre (the IVR), and the queue is reached `ivr` seconds later.
    pub ivr: Option<String>,
    /// Whether a negative IVR time is read as 0 (with a warning counting them) rather than
    /// refused: the bank logs have a few rows whose VRU clock ran backwards.
    pub negative_ivr_is_zero: bool,
    /// Whether a date of six digits is read as `YYMMDD` (the bank logs' raw form, `990801`;
    /// years 69–99 in the 1900s, 00–68 in the 2000s), besides `YYYY-MM-DD`. Only where the
    /// layout says so: elsewhere six digits may be `DDMMYY`.
    pub yymmdd_dates: bool,
    /// Whether `caller` is only read when the header has it (a preset's guess); `false`
    /// once named with `--columns`, so that a missing one is an error.
    pub caller_optional: bool,
    /// The same for `ivr`.
    pub ivr_optional: bool,
    /// Outcome values of callers who completed in self-service (the IVR) and left. Without
    /// an IVR column they count as other endings.
    pub self_served: Vec<String>,
    /// Outcome values of answered calls.
    pub answered: Vec<String>,
    /// Outcome values of callers who hung up.
    pub abandoned: Vec<String>,
    /// Outcome values of calls that still count as offered but neither were answered nor
    /// abandoned (blocked, deflected...).
    pub other: Vec<String>,
    /// Outcome values of rows to skip entirely (test or phantom calls).
    pub ignored: Vec<String>,
    /// A column and value marking a caller who hung up before reaching the queue (in the
    /// IVR): such a row is not an arrival to the queue and is skipped, or, when the log
    /// has an IVR column, a caller who ended in the IVR (self-served).
    pub not_queued: Option<(String, String)>,
    /// Rows that are no caller's arrival but work the centre made for a caller counted
    /// already (callsim's callback jobs): skipped, so that they count neither as arrivals
    /// nor their waits as patience. Read when the header has the column.
    pub made_by_the_centre: Option<CentreWork>,
}

/// How a log marks the work the centre made for its callers, and what asks for it.
#[derive(Debug, Clone)]
pub struct CentreWork {
    /// The column and value marking such a row (callsim's `tier` = `callback`).
    pub column: String,
    /// See `column`.
    pub value: String,
    /// The outcome of the request that makes such work (callsim's `callback`). A marked row
    /// is work only in a call type that has a request: in another, the value is a name the
    /// rows happen to share (a tier called `callback` on a type that offers no callback),
    /// and the row is a caller's.
    pub request: String,
}

impl Columns {
    /// The columns of callsim's own `--write-calls` log.
    pub fn callsim() -> Columns {
        Columns {
            time: "arrival_s".into(),
            date: None,
            call_type: "call_type".into(),
            outcome: "outcome".into(),
            wait: "wait_s".into(),
            talk: "handle_time_s".into(),
            wrap: None,
            agent: None,
            no_agent: vec![String::new()],
            caller: Some("caller".into()),
            no_caller: vec![String::new()],
            ivr: Some("ivr_s".into()),
            negative_ivr_is_zero: false,
            yymmdd_dates: false,
            caller_optional: true,
            ivr_optional: true,
            self_served: vec!["deflected".into()],
            answered: vec!["answered".into()],
            abandoned: vec!["abandoned".into()],
            other: ["blocked", "unserved", "callback"]
                .map(String::from)
                .to_vec(),
            ignored: vec![],
            not_queued: None,
            made_by_the_centre: Some(CentreWork {
                column: "tier".into(),
                value: "callback".into(),
                request: "callback".into(),
            }),
        }
    }

    /// The layout of the Technion "Anonymous Bank" logs (Brown et al. 2005): arrival at
    /// `vru_entry` on `date`, `vru_time` seconds in the VRU, `AGENT` answered, `HANG`
    /// abandoned (or ended in the VRU when `q_start` is `0:00:00`), `PHANTOM` ignored,
    /// agents in `server`, callers in `customer_id` (0: not identified).
    pub fn bank() -> Columns {
        Columns {
            time: "vru_entry".into(),
            date: Some("date".into()),
            call_type: "type".into(),
            outcome: "outcome".into(),
            wait: "q_time".into(),
            talk: "ser_time".into(),
            wrap: None,
            agent: Some("server".into()),
            no_agent: vec!["NO_SERVER".into(), String::new()],
            caller: Some("customer_id".into()),
            no_caller: vec!["0".into(), String::new()],
            ivr: Some("vru_time".into()),
            negative_ivr_is_zero: true,
            yymmdd_dates: true,
            caller_optional: false,
            ivr_optional: false,
            self_served: vec![],
            answered: vec!["AGENT".into()],
            abandoned: vec!["HANG".into()],
            other: vec![],
            ignored: vec!["PHANTOM".into()],
            not_queued: Some(("q_start".into(), "0:00:00".into())),
            made_by_the_centre: None,
        }
    }
}

/// How a call ended, as far as fitting cares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ending {
    /// Reached an agent after `wait`.
    Answered,
    /// Hung up after `wait`: its patience was `wait`.
    Abandoned,
    /// Completed in self-service (the IVR) and left without queueing.
    SelfServed,
    /// Offered but neither answered nor abandoned.
    Other,
}

/// One call of the log.
#[derive(Debug, Clone)]
pub struct Call {
    /// The line of the file it came from (1 = header).
    pub line: u64,
    /// The day: days since 1970-01-01 for dated logs, `floor(seconds / 86400)` otherwise.
    pub day: i64,
    /// Seconds since midnight (since the start of the day for logs in seconds).
    pub time_of_day: f64,
    /// Index into [`CallLog::types`].
    pub call_type: usize,
    /// How it ended.
    pub ending: Ending,
    /// Seconds in queue.
    pub wait: f64,
    /// Talk time in seconds (answered calls).
    pub talk: Option<f64>,
    /// Wrap-up time in seconds (answered calls, when the log has it).
    pub wrap: Option<f64>,
    /// Index into [`CallLog::agents`] of the agent who answered.
    pub agent: Option<usize>,
    /// The caller, an index into the log's distinct caller ids, when known.
    pub caller: Option<usize>,
    /// Seconds in the IVR before the queue, when the log has an IVR column.
    pub ivr: Option<f64>,
}

impl Call {
    /// When the call reached the queue (or left the IVR), seconds since its day began.
    pub fn queued_at(&self) -> f64 {
        self.time_of_day + self.ivr.unwrap_or(0.0)
    }
}

/// A call log that passed every check, in time order.
#[derive(Debug, Clone, Default)]
pub struct CallLog {
    /// The calls, sorted by (day, time of day).
    pub calls: Vec<Call>,
    /// Call type names, in order of first appearance.
    pub types: Vec<String>,
    /// Agent names, in order of first appearance.
    pub agents: Vec<String>,
    /// Whether days are calendar dates (so weekdays are known).
    pub dated: bool,
    /// Whether the log identifies callers (a caller column).
    pub has_callers: bool,
    /// Whether the log has IVR times (an IVR column).
    pub has_ivr: bool,
    /// Rows skipped as ignored outcomes.
    pub ignored_rows: u64,
    /// Rows skipped as callers who hung up before the queue.
    pub not_queued_rows: u64,
    /// Rows skipped as work the centre made (callback jobs).
    pub made_by_the_centre_rows: u64,
    /// Things the reader corrected or doubts, for the report.
    pub warnings: Vec<String>,
}

/// Why a log was refused: where, and what to do about it.
#[derive(Debug, Clone, PartialEq)]
pub struct LogError {
    /// The file.
    pub origin: String,
    /// The line (1 = header), when the problem is on one.
    pub line: Option<u64>,
    /// The column, when the problem is in one.
    pub column: Option<String>,
    /// What is wrong.
    pub message: String,
    /// How to fix it.
    pub help: String,
}

impl fmt::Display for LogError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.origin)?;
        if let Some(line) = self.line {
            write!(f, ", line {line}")?;
        }
        if let Some(column) = &self.column {
            write!(f, ", column `{column}`")?;
        }
        write!(f, ": {}\n  help: {}", self.message, self.help)
    }
}

impl std::error::Error for LogError {}

/// Reads and checks the log at `path` (at most [`MAX_LOG_BYTES`]).
pub fn read(path: &Path, columns: &Columns) -> Result<CallLog, LogError> {
    parse(&path.display().to_string(), &read_bytes(path)?, columns)
}

/// The bytes of the log at `path`, up to [`MAX_LOG_BYTES`] (a regular file).
pub fn read_bytes(path: &Path) -> Result<Vec<u8>, LogError> {
    let origin = path.display().to_string();
    let fail = |message: String, help: &str| LogError {
        origin: origin.clone(),
        line: None,
        column: None,
        message,
        help: help.to_owned(),
    };
    crate::scenario::input::read_regular(path, MAX_LOG_BYTES).map_err(|e| match e {
        crate::scenario::input::InputError::TooLarge(_) => fail(
            format!("it is more than the {MAX_LOG_BYTES} bytes accepted"),
            "fit a shorter period (a month is plenty), or split the log",
        ),
        e => fail(
            format!("cannot read it: {e}"),
            "give the path of a CSV call log (a regular file)",
        ),
    })
}

/// When `e` is text that is not UTF-8 (a log saved as Windows-1252 or Latin-1, as many
/// spreadsheets and older exports do): the column it is in (when the header names it),
/// what is wrong, and the fix.
fn not_utf8(
    e: &csv::Error,
    header: Option<&csv::StringRecord>,
) -> Option<(Option<String>, String, String)> {
    let csv::ErrorKind::Utf8 { err, .. } = e.kind() else {
        return None;
    };
    let column = header
        .and_then(|h| h.get(err.field()))
        .map(|name| name.trim().to_owned());
    Some((
        column,
        format!(
            "field {} is not UTF-8 text: the log is in another encoding (Windows-1252 or Latin-1, as many exports are)",
            err.field() + 1
        ),
        "save the log as UTF-8 (a spreadsheet's \"CSV UTF-8\"), or convert it: iconv -f WINDOWS-1252 -t UTF-8 LOG.csv > LOG-utf8.csv".into(),
    ))
}

/// Checks and parses a log's bytes; `origin` names it in errors.
pub fn parse(origin: &str, bytes: &[u8], columns: &Columns) -> Result<CallLog, LogError> {
    let error = |line: Option<u64>, column: Option<&str>, message: String, help: String| LogError {
        origin: origin.to_owned(),
        line,
        column: column.map(str::to_owned),
        message,
        help,
    };
    if bytes.iter().all(|b| b.is_ascii_whitespace()) {
        return Err(error(
            None,
            None,
            "the log is empty".into(),
            "export the call log as CSV with a header line and one row per call".into(),
        ));
    }
    let mut reader = csv::ReaderBuilder::new().flexible(false).from_reader(bytes);
    let header = reader
        .headers()
        .map_err(|e| match not_utf8(&e, None) {
            Some((_, message, help)) => error(Some(1), None, message, help),
            None => error(
                Some(1),
                None,
                format!("unreadable header: {e}"),
                "the first line must name the columns".into(),
            ),
        })?
        .clone();
    let index: HashMap<&str, usize> = header
        .iter()
        .enumerate()
        .map(|(i, h)| (h.trim(), i))
        .collect();
    let available = column_list(&header);
    let find = |name: &str, key: &str| -> Result<usize, LogError> {
        // A column read twice over would be read from one of them without a word.
        let same: Vec<usize> = (0..header.len())
            .filter(|&i| header.get(i).is_some_and(|h| h.trim() == name))
            .collect();
        if let [first, second, ..] = same[..] {
            return Err(error(
                Some(1),
                Some(name),
                format!(
                    "the header names `{name}` twice (columns {} and {})",
                    first + 1,
                    second + 1
                ),
                format!("rename one of them, or name the column to read with --columns {key}=NAME"),
            ));
        }
        index.get(name).copied().ok_or_else(|| {
            error(
                Some(1),
                Some(name),
                format!("no column `{name}` in the header (columns: {available})"),
                if header.len() == 1 && [';', '\t', '|'].iter().any(|&c| available.contains(c)) {
                    "the header is one column: the file is not comma-separated (a spreadsheet may \
                     export with semicolons); save it as CSV with commas"
                        .to_string()
                } else {
                    format!(
                        "name the column that holds it with --columns {key}=NAME, or pick a --preset"
                    )
                },
            )
        })
    };
    let time_col = find(&columns.time, "time")?;
    let date_col = columns
        .date
        .as_deref()
        .map(|d| find(d, "date"))
        .transpose()?;
    let type_col = find(&columns.call_type, "type")?;
    let outcome_col = find(&columns.outcome, "outcome")?;
    let wait_col = find(&columns.wait, "wait")?;
    let talk_col = find(&columns.talk, "talk")?;
    let wrap_col = columns
        .wrap
        .as_deref()
        .map(|c| find(c, "wrap"))
        .transpose()?;
    let agent_col = columns
        .agent
        .as_deref()
        .map(|c| find(c, "agent"))
        .transpose()?;
    // A preset's caller and IVR columns are read when the header has them; a column named
    // with --columns must be there.
    let optional =
        |name: &Option<String>, key: &str, optional: bool| -> Result<Option<usize>, LogError> {
            match name.as_deref() {
                None => Ok(None),
                Some(n) if optional && !index.contains_key(n) => Ok(None),
                Some(n) => find(n, key).map(Some),
            }
        };
    let caller_col = optional(&columns.caller, "caller", columns.caller_optional)?;
    let ivr_col = optional(&columns.ivr, "ivr", columns.ivr_optional)?;
    // One column read as two things (`--columns type=arrival_s`) would fit one from the
    // other's values without a word.
    let roles = [
        ("time", Some(time_col)),
        ("date", date_col),
        ("type", Some(type_col)),
        ("outcome", Some(outcome_col)),
        ("wait", Some(wait_col)),
        ("talk", Some(talk_col)),
        ("wrap", wrap_col),
        ("agent", agent_col),
        ("caller", caller_col),
        ("ivr", ivr_col),
    ];
    for (i, (key, col)) in roles.iter().enumerate() {
        let Some(col) = col else { continue };
        if let Some((other, _)) = roles[..i].iter().find(|(_, c)| *c == Some(*col)) {
            let name = header.get(*col).unwrap_or_default().trim();
            return Err(error(
                Some(1),
                Some(name),
                format!("the column `{name}` is read both as the {other} and as the {key}"),
                format!("name a column of its own for each with --columns {other}=NAME,{key}=NAME, or drop the one the log does not have (an empty name drops an optional column)"),
            ));
        }
    }
    let not_queued = match &columns.not_queued {
        Some((c, v)) => Some((find(c, "not-queued")?, v.as_str())),
        None => None,
    };
    let made_by_the_centre = columns
        .made_by_the_centre
        .as_ref()
        .and_then(|w| index.get(w.column.as_str()).map(|&i| (i, w)));
    // Rows marked as the centre's work (positions in `log.calls`), and the call types with
    // a request for it: the marked rows of those types are dropped once all are read.
    let mut marked_rows: Vec<usize> = Vec::new();
    let mut requesting_types: HashSet<usize> = HashSet::new();

    let mut log = CallLog {
        dated: date_col.is_some(),
        has_callers: caller_col.is_some(),
        has_ivr: ivr_col.is_some(),
        ..CallLog::default()
    };
    let mut type_index: HashMap<String, usize> = HashMap::new();
    let mut caller_index: HashMap<String, usize> = HashMap::new();
    let (mut negative_ivr, mut negative_ivr_rows): (Option<u64>, u64) = (None, 0);
    let mut agent_index: HashMap<String, usize> = HashMap::new();
    let mut dated_times: Option<bool> = None;
    let mut first_unsorted: Option<u64> = None;
    let mut previous = (i64::MIN, f64::MIN);
    for (row, record) in reader.records().enumerate() {
        let line = row as u64 + 2;
        let record = record.map_err(|e| {
            let line = Some(e.position().map_or(line, |p| p.line()));
            match not_utf8(&e, Some(&header)) {
                Some((column, message, help)) => error(line, column.as_deref(), message, help),
                None => error(
                    line,
                    None,
                    format!("not a valid CSV row: {e}"),
                    format!("every row needs the {} columns of the header", header.len()),
                ),
            }
        })?;
        let field = |col: usize| record.get(col).unwrap_or("").trim();
        let column_name = |col: usize| header.get(col).unwrap_or("").trim();
        if record
            .iter()
            .map(str::trim)
            .eq(header.iter().map(str::trim))
        {
            return Err(error(
                Some(line),
                None,
                "the line repeats the header (two exports joined into one file?)".into(),
                "remove the repeated header, and check that no call is in the log twice".into(),
            ));
        }
        let marked = made_by_the_centre.is_some_and(|(col, work)| field(col) == work.value);
        let outcome = field(outcome_col);
        let requests_work = made_by_the_centre.is_some_and(|(_, work)| outcome == work.request);
        let ending = if columns.ignored.iter().any(|v| v == outcome) {
            log.ignored_rows += 1;
            continue;
        } else if columns.answered.iter().any(|v| v == outcome) {
            Ending::Answered
        } else if columns.abandoned.iter().any(|v| v == outcome) {
            Ending::Abandoned
        } else if columns.self_served.iter().any(|v| v == outcome) {
            if ivr_col.is_some() {
                Ending::SelfServed
            } else {
                Ending::Other
            }
        } else if columns.other.iter().any(|v| v == outcome) {
            Ending::Other
        } else {
            return Err(error(
                Some(line),
                Some(column_name(outcome_col)),
                format!("unknown outcome `{outcome}`"),
                format!(
                    "answered: {}; abandoned: {}; self-served: {}; other: {}; ignored: {} (map more with --answered, --abandoned, --self-served, --other-outcome, --ignore)",
                    list(&columns.answered), list(&columns.abandoned), list(&columns.self_served), list(&columns.other), list(&columns.ignored)
                ),
            ));
        };
        let mut ending = ending;
        if let Some((col, value)) = not_queued {
            if ending == Ending::Abandoned && field(col) == value {
                if ivr_col.is_none() {
                    log.not_queued_rows += 1;
                    continue;
                }
                ending = Ending::SelfServed;
            }
        }
        let bad_time = |message: String| {
            error(Some(line), Some(column_name(time_col)), message, "write seconds (`3600.5`), a time of day with a date column (`9:05:30`, with --columns date=NAME), or `YYYY-MM-DD HH:MM:SS`".into())
        };
        let (day, time_of_day) = match date_col {
            Some(dc) => {
                let day = parse_date(field(dc), columns.yymmdd_dates).ok_or_else(|| {
                    error(
                        Some(line),
                        Some(column_name(dc)),
                        format!("`{}` is not a date", field(dc)),
                        "write dates as YYYY-MM-DD".into(),
                    )
                })?;
                let t = parse_clock(field(time_col))
                    .or_else(|| parse_seconds(field(time_col)))
                    .ok_or_else(|| {
                        bad_time(format!("`{}` is not a time of day", field(time_col)))
                    })?;
                if t >= 86_400.0 {
                    return Err(bad_time(format!(
                        "`{}` is past the end of the day",
                        field(time_col)
                    )));
                }
                (day, t)
            }
            None => {
                let text = field(time_col);
                let (day, t, dated) = if let Some((day, t)) = parse_datetime(text) {
                    (day, t, true)
                } else if let Some(s) = parse_seconds(text) {
                    if s < 0.0 {
                        return Err(bad_time(format!(
                            "`{text}` is before the log's start: times in seconds count from 0, the first day's midnight"
                        )));
                    }
                    if s >= MAX_DURATION_S {
                        return Err(bad_time(format!(
                            "`{text}` is more than ten years after the log's start: check the units (seconds, not milliseconds) and the row"
                        )));
                    }
                    ((s / 86_400.0).floor() as i64, s.rem_euclid(86_400.0), false)
                } else {
                    return Err(bad_time(format!("`{text}` is not a time")));
                };
                if *dated_times.get_or_insert(dated) != dated {
                    return Err(bad_time(format!(
                        "`{text}` mixes seconds and dates in one column"
                    )));
                }
                (day, t)
            }
        };
        if (day, time_of_day) < previous && first_unsorted.is_none() {
            first_unsorted = Some(line);
        }
        if (day, time_of_day) > previous {
            previous = (day, time_of_day);
        }
        let seconds = |col: usize, what: &str| -> Result<f64, LogError> {
            let text = field(col);
            let value = parse_seconds(text)
                .or_else(|| parse_clock(text))
                .ok_or_else(|| {
                    error(
                        Some(line),
                        Some(column_name(col)),
                        format!(
                            "`{text}` is not {} {what} in seconds",
                            if what.starts_with(['a', 'e', 'i', 'o', 'u', 'I']) {
                                "an"
                            } else {
                                "a"
                            }
                        ),
                        "write seconds (`42`, `42.5`) or H:MM:SS".into(),
                    )
                })?;
            if value < 0.0 {
                return Err(error(
                    Some(line),
                    Some(column_name(col)),
                    format!("negative {what} {value}"),
                    "durations are never negative: check the export".into(),
                ));
            }
            if value >= MAX_DURATION_S {
                return Err(error(
                    Some(line),
                    Some(column_name(col)),
                    format!("{what} `{text}` is more than ten years"),
                    "check the units (seconds, not milliseconds) and the row".into(),
                ));
            }
            Ok(value)
        };
        let wait = if ending == Ending::SelfServed
            || (ending == Ending::Other && field(wait_col).is_empty())
        {
            // A self-served caller never queued, whatever the column says.
            0.0
        } else {
            seconds(wait_col, "wait")?
        };
        let ivr = match ivr_col {
            None => None,
            Some(c) if columns.negative_ivr_is_zero && field(c).starts_with('-') => {
                negative_ivr.get_or_insert(line);
                negative_ivr_rows += 1;
                Some(0.0)
            }
            Some(c) => Some(seconds(c, "IVR time")?),
        };
        let caller = caller_col.and_then(|c| {
            let id = field(c);
            if columns.no_caller.iter().any(|v| v == id) {
                return None;
            }
            let next = caller_index.len();
            Some(*caller_index.entry(id.to_owned()).or_insert(next))
        });
        let (talk, wrap, agent) = if ending == Ending::Answered {
            let talk = Some(seconds(talk_col, "talk time")?);
            let wrap = wrap_col.map(|c| seconds(c, "wrap-up time")).transpose()?;
            let agent = agent_col.and_then(|c| {
                let name = field(c);
                if columns.no_agent.iter().any(|v| v == name) {
                    return None;
                }
                let next = agent_index.len();
                let id = *agent_index.entry(name.to_owned()).or_insert(next);
                if id == next {
                    log.agents.push(name.to_owned());
                }
                Some(id)
            });
            (talk, wrap, agent)
        } else {
            (None, None, None)
        };
        let name = field(type_col);
        if name.is_empty() {
            return Err(error(
                Some(line),
                Some(column_name(type_col)),
                "empty call type".into(),
                "every call needs its type (queue); name the column that holds it with --columns type=NAME".into(),
            ));
        }
        // A type becomes a scenario's name: one line of visible text.
        let hidden = |c: char| c.is_control() || crate::scenario::is_invisible(c);
        if let Some(c) = name.chars().find(|&c| hidden(c)) {
            return Err(error(
                Some(line),
                Some(column_name(type_col)),
                format!(
                    "the call type {name:?} contains the character U+{:04X}, which does not show",
                    c as u32
                ),
                "call types become the scenario's names, one line of visible text each: \
                 remove it from the log's type column"
                    .into(),
            ));
        }
        let next = type_index.len();
        let call_type = *type_index.entry(name.to_owned()).or_insert(next);
        if call_type == next {
            log.types.push(name.to_owned());
        }
        log.dated |= dated_times == Some(true);
        if marked {
            marked_rows.push(log.calls.len());
        }
        if requests_work {
            requesting_types.insert(call_type);
        }
        log.calls.push(Call {
            line,
            day,
            time_of_day,
            call_type,
            ending,
            wait,
            talk,
            wrap,
            agent,
            caller,
            ivr,
        });
    }
    if !marked_rows.is_empty() {
        // `marked_rows` is ascending, as the rows were pushed.
        let before = log.calls.len();
        let mut position = 0;
        log.calls.retain(|call| {
            let marked = marked_rows.binary_search(&position).is_ok();
            position += 1;
            !(marked && requesting_types.contains(&call.call_type))
        });
        log.made_by_the_centre_rows = (before - log.calls.len()) as u64;
    }
    if log.calls.is_empty() {
        return Err(error(
            None,
            None,
            "the log has no calls to fit (only a header, or every row skipped)".into(),
            "export at least a few days of calls".into(),
        ));
    }
    if let Some(line) = negative_ivr {
        log.warnings.push(format!(
            "{negative_ivr_rows} rows have a negative IVR time (the first at line {line}): taken as 0"
        ));
    }
    if let Some(line) = first_unsorted {
        log.warnings.push(format!(
            "the log is not in time order (first at line {line}); sorted before fitting"
        ));
        log.calls.sort_by(|a, b| {
            (a.day, a.time_of_day)
                .partial_cmp(&(b.day, b.time_of_day))
                .expect("times are finite")
        });
    }
    // A dated log spans no more than a log in seconds may: ten years.
    if let (Some(first), Some(last)) = (log.calls.first(), log.calls.last()) {
        if (last.day - first.day) as f64 * 86_400.0 >= MAX_DURATION_S {
            return Err(error(
                Some(last.line),
                None,
                format!(
                    "the log spans more than ten years, from {} to {}",
                    date_text(first.day),
                    date_text(last.day)
                ),
                "check the dates of the rows at both ends; fit a shorter period (a month is \
                 plenty)"
                    .into(),
            ));
        }
    }
    // Two calls can match field for field by chance (two callers hanging up in the same
    // second of a log without caller ids: 1 row in 44,000 of a month of a bank's log); a log
    // exported twice repeats half its rows.
    let coincidences = (log.calls.len() as u64 / 100).max(10);
    if let Some((copies, copy, original)) =
        repeated_rows(&log.calls).filter(|&(copies, ..)| copies >= coincidences)
    {
        log.warnings.push(format!(
            "{copies} rows repeat an earlier row field for field (the first at line {copy}, a \
             copy of line {original}): a log exported or appended twice counts each call twice; \
             remove the copies if so"
        ));
    }
    Ok(log)
}

/// Rows equal in every field to an earlier one (the line aside): how many, and the first
/// such row's line with the line it repeats. Sorts the rows' positions (4 bytes a row),
/// not a table of their fields, so that a log near the size cap costs little more.
fn repeated_rows(calls: &[Call]) -> Option<(u64, u64, u64)> {
    let bits = |x: Option<f64>| x.map(f64::to_bits);
    let key = |c: &Call| {
        (
            (c.day, c.time_of_day.to_bits(), c.call_type, c.ending as u8),
            (c.wait.to_bits(), bits(c.talk), bits(c.wrap), bits(c.ivr)),
            (c.agent, c.caller),
        )
    };
    let mut order: Vec<u32> = (0..calls.len() as u32).collect();
    // Equal rows end up side by side, each run in the order of the file.
    order.sort_unstable_by(|&a, &b| {
        let (a, b) = (&calls[a as usize], &calls[b as usize]);
        key(a).cmp(&key(b)).then(a.line.cmp(&b.line))
    });
    let mut copies = 0;
    let mut first: Option<(u64, u64)> = None;
    let mut original = 0;
    for (i, &row) in order.iter().enumerate() {
        let call = &calls[row as usize];
        if i > 0 && key(call) == key(&calls[order[i - 1] as usize]) {
            copies += 1;
            if first.is_none_or(|f| call.line < f.0) {
                first = Some((call.line, calls[original as usize].line));
            }
        } else {
            original = row;
        }
    }
    first.map(|(copy, original)| (copies, copy, original))
}

fn list(values: &[String]) -> String {
    if values.is_empty() {
        "(none)".into()
    } else {
        values
            .iter()
            .map(|v| format!("`{v}`"))
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// Non-negative-or-not seconds as a decimal number.
fn parse_seconds(text: &str) -> Option<f64> {
    let value: f64 = text.parse().ok()?;
    value.is_finite().then_some(value)
}

/// `H:MM:SS` or `H:MM` (hours not padded), as seconds.
fn parse_clock(text: &str) -> Option<f64> {
    let mut parts = text.split(':');
    let h: u32 = parts.next()?.parse().ok()?;
    let m: u32 = parts.next()?.parse().ok()?;
    let s: f64 = match parts.next() {
        Some(s) => s.parse().ok()?,
        None => 0.0,
    };
    if parts.next().is_some() || m >= 60 || !(0.0..60.0).contains(&s) {
        return None;
    }
    Some(f64::from(h) * 3600.0 + f64::from(m) * 60.0 + s)
}

/// `YYYY-MM-DD` as days since 1970-01-01.
fn parse_date(text: &str, yymmdd: bool) -> Option<i64> {
    let (y, m, d): (i64, u32, u32) =
        if yymmdd && text.len() == 6 && text.bytes().all(|b| b.is_ascii_digit()) {
            let yy: i64 = text[..2].parse().ok()?;
            let y = if yy >= 69 { 1900 + yy } else { 2000 + yy };
            (y, text[2..4].parse().ok()?, text[4..].parse().ok()?)
        } else {
            let mut parts = text.split('-');
            let date = (
                parts.next()?.parse().ok()?,
                parts.next()?.parse().ok()?,
                parts.next()?.parse().ok()?,
            );
            if parts.next().is_some() {
                return None;
            }
            date
        };
    // Four-digit years, as any export writes them: a year past 9999 is garbage, and far
    // enough out it would wrap the day count round.
    if !(1..=9999).contains(&y) || !(1..=12).contains(&m) || d == 0 || d > days_in_month(y, m) {
        return None;
    }
    Some(days_from_civil(y, m, d))
}

/// `YYYY-MM-DD HH:MM:SS` (or with `T`) as (day, seconds of the day).
fn parse_datetime(text: &str) -> Option<(i64, f64)> {
    let (date, time) = text.split_once([' ', 'T'])?;
    let t = parse_clock(time)?;
    (t < 86_400.0).then_some((parse_date(date, false)?, t))
}

fn days_in_month(y: i64, m: u32) -> u32 {
    match m {
        2 if (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm).
pub fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = i64::from((m + 9) % 12);
    let doy = (153 * mp + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// (year, month, day) of a day since 1970-01-01: the inverse of [`days_from_civil`].
pub fn civil_from_days(day: i64) -> (i64, u32, u32) {
    let z = day + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

/// `YYYY-MM-DD` of a day since 1970-01-01.
pub fn date_text(day: i64) -> String {
    let (y, m, d) = civil_from_days(day);
    format!("{y:04}-{m:02}-{d:02}")
}

/// The weekday of a day since 1970-01-01: 0 = Monday ... 6 = Sunday.
pub fn weekday(day: i64) -> usize {
    (day + 3).rem_euclid(7) as usize
}

/// The header's columns as a message lists them: the first [`LISTED_COLUMNS`], each cut
/// at [`LISTED_NAME_CHARS`] characters, then how many more (a file with no line break is
/// one header line of hundreds of megabytes, which a message must not repeat).
fn column_list(header: &csv::StringRecord) -> String {
    let mut names: Vec<String> = header
        .iter()
        .take(LISTED_COLUMNS)
        .map(|name| match name.char_indices().nth(LISTED_NAME_CHARS) {
            Some((cut, _)) => format!("{}…", &name[..cut]),
            None => name.to_owned(),
        })
        .collect();
    if header.len() > LISTED_COLUMNS {
        names.push(format!("… and {} more", header.len() - LISTED_COLUMNS));
    }
    names.join(", ")
}

/// Columns a message lists at most.
const LISTED_COLUMNS: usize = 40;
/// Characters of a column name a message shows at most.
const LISTED_NAME_CHARS: usize = 60;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_and_day_numbers_convert_both_ways() {
        for (y, m, d) in [
            (1970, 1, 1),
            (1999, 8, 1),
            (2000, 2, 29),
            (2026, 12, 3),
            (1969, 12, 31),
        ] {
            let day = days_from_civil(y, m, d);
            assert_eq!(civil_from_days(day), (y, m, d));
            assert_eq!(date_text(day), format!("{y:04}-{m:02}-{d:02}"));
        }
        for day in -800_000..800_000i64 {
            if day % 997 == 0 {
                let (y, m, d) = civil_from_days(day);
                assert_eq!(days_from_civil(y, m, d), day, "{y}-{m}-{d}");
            }
        }
    }

    fn read(text: &str) -> Result<CallLog, LogError> {
        parse("log.csv", text.as_bytes(), &Columns::callsim())
    }

    const HEADER: &str =
        "arrival_s,call_type,handle_time_s,patience_s,tier,attempt,outcome,wait_s,group\n";

    #[test]
    fn reads_callsim_logs_and_splits_days() {
        let log = read(&format!(
            "{HEADER}10,a,100,50,,1,answered,5,g\n86410.5,b,80,,,1,abandoned,30,\n"
        ))
        .unwrap();
        assert_eq!(log.types, ["a", "b"]);
        assert_eq!((log.calls[1].day, log.calls[1].time_of_day), (1, 10.5));
        assert_eq!(log.calls[1].ending, Ending::Abandoned);
        assert_eq!(log.calls[0].talk, Some(100.0));
        assert!(!log.dated);
    }

    #[test]
    fn refuses_bad_lines_with_line_and_column() {
        let e = read(&format!(
            "{HEADER}10,a,100,50,,1,answered,5,g\nxx,a,1,1,,1,answered,1,g\n"
        ))
        .unwrap_err();
        assert_eq!((e.line, e.column.as_deref()), (Some(3), Some("arrival_s")));
        let e = read(&format!("{HEADER}10,a,-1,50,,1,answered,5,g\n")).unwrap_err();
        assert_eq!(
            (e.line, e.column.as_deref()),
            (Some(2), Some("handle_time_s"))
        );
        assert!(e.message.contains("negative"));
        let e = read(&format!("{HEADER}10,a,1,50,,1,lost,5,g\n")).unwrap_err();
        assert_eq!(e.column.as_deref(), Some("outcome"));
        let e = read("time,type\n1,a\n").unwrap_err();
        assert!(e.message.contains("no column `arrival_s`"), "{e}");
        assert!(read("").unwrap_err().message.contains("empty"));
        assert!(read(HEADER).unwrap_err().message.contains("no calls"));
        let e = read(&format!("{HEADER}10,a,100\n")).unwrap_err();
        assert_eq!(e.line, Some(2));
        // Times and durations beyond any simulation (ten years): other units, or garbage.
        let e = read(&format!("{HEADER}1e20,a,100,50,,1,answered,5,g\n")).unwrap_err();
        assert_eq!((e.line, e.column.as_deref()), (Some(2), Some("arrival_s")));
        assert!(e.message.contains("ten years"), "{e}");
        let e = read(&format!("{HEADER}10,a,100,50,,1,answered,5,g\n{HEADER}")).unwrap_err();
        assert_eq!(e.line, Some(3));
        assert!(e.message.contains("repeats the header"), "{e}");
        let e = read(&format!("{HEADER}10,a,1e308,50,,1,answered,5,g\n")).unwrap_err();
        assert_eq!(e.column.as_deref(), Some("handle_time_s"));
        // A row saved as Latin-1 (é as the byte 0xE9): the encoding is named, and the fix.
        let mut latin1 = format!("{HEADER}10,a,100,50,,1,answered,5,g\n").into_bytes();
        latin1.extend_from_slice(b"20,caf\xe9,100,50,,1,answered,5,g\n");
        let e = parse("log.csv", &latin1, &Columns::callsim()).unwrap_err();
        assert_eq!((e.line, e.column.as_deref()), (Some(3), Some("call_type")));
        assert!(
            e.message.contains("not UTF-8") && e.help.contains("iconv"),
            "{e}"
        );
        let e = parse("log.csv", b"arrival_s,caf\xe9\n1,a\n", &Columns::callsim()).unwrap_err();
        assert_eq!(e.line, Some(1));
        assert!(e.message.contains("field 2 is not UTF-8"), "{e}");
    }

    #[test]
    fn sorts_an_unsorted_log_with_a_warning() {
        let log = read(&format!(
            "{HEADER}20,a,1,,,1,answered,0,g\n10,a,1,,,1,answered,0,g\n"
        ))
        .unwrap();
        assert_eq!(log.calls[0].line, 3);
        assert!(log.warnings[0].contains("line 3"));
    }

    /// The bank layout without its IVR and caller columns: arrivals at the queue.
    fn bank_without_ivr() -> Columns {
        Columns {
            time: "vru_exit".into(),
            ivr: None,
            caller: None,
            ..Columns::bank()
        }
    }

    #[test]
    fn reads_dates_and_clock_times_and_skips_ivr_hangups() {
        let text = "vru+line,date,vru_exit,type,outcome,q_start,q_time,ser_time,server\n\
                    AA01,1999-08-01,7:00:05,PS,AGENT,7:00:05,0,100,DORIT\n\
                    AA01,1999-08-01,7:01:00,PS,HANG,0:00:00,0,0,NO_SERVER\n\
                    AA01,1999-08-01,7:02:00,PS,PHANTOM,0:00:00,0,0,NO_SERVER\n\
                    AA01,1999-08-02,23:59:59,NE,HANG,23:59:59,12,0,NO_SERVER\n";
        let log = parse("bank.csv", text.as_bytes(), &bank_without_ivr()).unwrap();
        assert_eq!(log.calls.len(), 2);
        assert_eq!((log.ignored_rows, log.not_queued_rows), (1, 1));
        assert_eq!(log.calls[0].day, days_from_civil(1999, 8, 1));
        assert_eq!(log.calls[0].time_of_day, 7.0 * 3600.0 + 5.0);
        assert_eq!(log.agents, ["DORIT"]);
        assert!(!log.has_ivr && !log.has_callers);
        assert_eq!(
            weekday(days_from_civil(1999, 8, 1)),
            6,
            "1 Aug 1999 was a Sunday"
        );
        let e = parse(
            "bank.csv",
            text.replace("1999-08-02", "1999-02-30").as_bytes(),
            &bank_without_ivr(),
        )
        .unwrap_err();
        assert_eq!((e.line, e.column.as_deref()), (Some(5), Some("date")));
        // Years have four digits (one far out wrapped the day count round, and the log
        // was fitted with a warning about its order), and a log spans ten years at most.
        for year in ["100000000", "9223372036854775807", "0"] {
            let bad = text.replace("1999-08-02", &format!("{year}-08-02"));
            let e = parse("bank.csv", bad.as_bytes(), &bank_without_ivr()).unwrap_err();
            assert_eq!(
                (e.line, e.column.as_deref()),
                (Some(5), Some("date")),
                "{e}"
            );
        }
        let e = parse(
            "bank.csv",
            text.replace("1999-08-02", "2010-08-02").as_bytes(),
            &bank_without_ivr(),
        )
        .unwrap_err();
        assert!(
            e.message
                .contains("more than ten years, from 1999-08-01 to 2010-08-02"),
            "{e}"
        );
        let nine_years = text.replace("1999-08-02", "2008-08-01");
        assert!(parse("bank.csv", nine_years.as_bytes(), &bank_without_ivr()).is_ok());
    }

    const BANK: &str = "customer_id,type,date,vru_entry,vru_exit,vru_time,q_start,q_time,outcome,ser_time,server\n\
                        27,PS,1999-08-01,7:00:00,7:00:05,5,7:00:05,0,AGENT,100,DORIT\n\
                        0,PS,1999-08-01,7:01:00,7:01:09,9,0:00:00,0,HANG,0,NO_SERVER\n\
                        27,PS,1999-08-01,7:05:00,7:05:20,20,7:05:20,40,HANG,0,NO_SERVER\n";

    #[test]
    fn the_bank_layout_reads_vru_times_self_service_and_callers() {
        let log = parse("bank.csv", BANK.as_bytes(), &Columns::bank()).unwrap();
        assert!(log.has_ivr && log.has_callers);
        let endings: Vec<Ending> = log.calls.iter().map(|c| c.ending).collect();
        assert_eq!(
            endings,
            [Ending::Answered, Ending::SelfServed, Ending::Abandoned]
        );
        assert_eq!(
            log.not_queued_rows, 0,
            "with VRU times, a VRU hang-up is an arrival"
        );
        assert_eq!(log.calls[0].time_of_day, 7.0 * 3600.0);
        assert_eq!(log.calls[0].queued_at(), 7.0 * 3600.0 + 5.0);
        assert_eq!(log.calls[2].ivr, Some(20.0));
        assert_eq!(log.calls[1].wait, 0.0);
        // Customer 0 is unknown; both calls of customer 27 are one caller.
        assert_eq!(log.calls[1].caller, None);
        assert_eq!(log.calls[0].caller, log.calls[2].caller);
        assert!(log.calls[0].caller.is_some());
    }

    #[test]
    fn the_bank_layout_reads_its_raw_six_digit_dates() {
        let raw = BANK.replace("1999-08-01", "990801");
        let log = parse("bank.csv", raw.as_bytes(), &Columns::bank()).unwrap();
        let iso = parse("bank.csv", BANK.as_bytes(), &Columns::bank()).unwrap();
        let days = |l: &CallLog| l.calls.iter().map(|c| c.day).collect::<Vec<_>>();
        assert_eq!(days(&log), days(&iso));
        assert_eq!(date_text(log.calls[0].day), "1999-08-01");
        // 00-68 are the 2000s; an impossible date is still refused.
        assert_eq!(parse_date("050229", true), None);
        assert_eq!(
            parse_date("040229", true),
            Some(days_from_civil(2004, 2, 29))
        );
        // Elsewhere six digits may be DDMMYY: refused, not guessed.
        let elsewhere = Columns {
            yymmdd_dates: false,
            ..Columns::bank()
        };
        let e = parse("bank.csv", raw.as_bytes(), &elsewhere).unwrap_err();
        assert_eq!((e.line, e.column.as_deref()), (Some(2), Some("date")));
    }

    #[test]
    fn refuses_bad_ivr_times_and_missing_named_columns() {
        let bad = BANK.replace(",7:05:20,20,", ",7:05:20,-3,");
        let strict = Columns {
            negative_ivr_is_zero: false,
            ..Columns::bank()
        };
        let e = parse("bank.csv", bad.as_bytes(), &strict).unwrap_err();
        assert_eq!((e.line, e.column.as_deref()), (Some(4), Some("vru_time")));
        assert!(e.message.contains("negative IVR time"), "{e}");
        // The bank preset knows its VRU clock ran backwards in a few rows: 0, with a warning.
        let log = parse("bank.csv", bad.as_bytes(), &Columns::bank()).unwrap();
        assert_eq!(log.calls[2].ivr, Some(0.0));
        assert!(log.warnings[0].contains("1 rows have a negative IVR time (the first at line 4)"));
        let bad = BANK.replace(",7:05:20,20,", ",7:05:20,soon,");
        let e = parse("bank.csv", bad.as_bytes(), &Columns::bank()).unwrap_err();
        assert_eq!((e.line, e.column.as_deref()), (Some(4), Some("vru_time")));
        assert!(e.message.contains("not an IVR time"), "{e}");
        // The bank preset names its caller column: without it the log is refused.
        let e = parse(
            "bank.csv",
            BANK.replace("customer_id", "cust").as_bytes(),
            &Columns::bank(),
        )
        .unwrap_err();
        assert_eq!(
            (e.line, e.column.as_deref()),
            (Some(1), Some("customer_id"))
        );
        assert!(e.help.contains("--columns caller=NAME"), "{e}");
        // callsim's own log: the caller and IVR columns are read when present only.
        let log = read(&format!("{HEADER}10,a,1,,,1,answered,0,g\n")).unwrap();
        assert!(!log.has_ivr && !log.has_callers);
        let log = read(&format!(
            "{}ivr_s,caller\n10,a,1,,,1,deflected,0,,12.5,00ff\n",
            HEADER.trim_end().to_owned() + ","
        ))
        .unwrap();
        assert_eq!(log.calls[0].ending, Ending::SelfServed);
        assert_eq!(log.calls[0].ivr, Some(12.5));
    }
}
