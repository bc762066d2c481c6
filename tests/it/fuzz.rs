//! The readers under random and mutated input: scenario TOML, trace CSV, state JSON and the
//! live API's request bodies. Whatever the bytes, a reader answers with a value or an error
//! that says where (file and line, or field); it never panics.
//!
//! Mutants start from the shipped scenarios (and a valid trace, state and bodies) and get
//! byte flips, truncations, duplicated, deleted or swapped lines, and foreign tokens (huge
//! and negative numbers, NaN, odd unicode, very long lines). Interesting mutants are kept as
//! regression cases in `tests/corpus/`, checked by `the_corpus_is_refused_or_read_cleanly`.

use std::path::{Path, PathBuf};

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use callsim::live::server::{app_reached_at, Api, Limits};
use callsim::live::state::StateFile;
use callsim::model::Model;
use callsim::scenario::{ScenarioError, Source};
use callsim::time::SimTime;
use proptest::collection::vec;
use proptest::prelude::*;
use tower::ServiceExt;

/// Tokens a careless or hostile hand puts into files.
const FOREIGN: &[&str] = &[
    "1e308",
    "-1",
    "-0",
    "0",
    "18446744073709551616",
    "9223372036854775807",
    "1e-320",
    "nan",
    "inf",
    "\"\"",
    "[]",
    "{}",
    "[[",
    "]]",
    "=",
    ",",
    "\"",
    "'",
    "#",
    "\\u0000",
    "🦀",
    "\u{202e}",
    "\u{feff}",
    "é",
    "\t",
    "\r\n",
    "a.b.c.d.e.f.g.h.i.j.k.l.m.n.o.p",
    "99999999999999999999h",
    "1.5e9s",
    "0s",
    "\"-5s\"",
    "\"1e400s\"",
];

/// One edit of a text.
#[derive(Debug, Clone)]
pub enum Mutation {
    /// Flip bit `bit` of the byte at `at` (a fraction of the length, in ‰).
    FlipBit { at: u32, bit: u8 },
    /// Cut the text at `at` ‰.
    Truncate { at: u32 },
    /// Repeat a line.
    DuplicateLine { at: u32 },
    /// Remove a line.
    DeleteLine { at: u32 },
    /// Swap a line with the next.
    SwapLines { at: u32 },
    /// Insert a foreign token at `at` ‰.
    Insert { at: u32, token: usize },
    /// Replace the number at `at` ‰ (the next one from there) by a foreign token.
    ReplaceNumber { at: u32, token: usize },
    /// A line of `len` thousand characters.
    LongLine { at: u32, len: u32 },
}

pub fn mutation() -> impl Strategy<Value = Mutation> {
    let at = 0u32..1000;
    let token = 0..FOREIGN.len();
    prop_oneof![
        (at.clone(), 0u8..8).prop_map(|(at, bit)| Mutation::FlipBit { at, bit }),
        at.clone().prop_map(|at| Mutation::Truncate { at }),
        at.clone().prop_map(|at| Mutation::DuplicateLine { at }),
        at.clone().prop_map(|at| Mutation::DeleteLine { at }),
        at.clone().prop_map(|at| Mutation::SwapLines { at }),
        (at.clone(), token.clone()).prop_map(|(at, token)| Mutation::Insert { at, token }),
        (at.clone(), token).prop_map(|(at, token)| Mutation::ReplaceNumber { at, token }),
        (at, 1u32..80).prop_map(|(at, len)| Mutation::LongLine { at, len }),
    ]
}

fn position(len: usize, permille: u32) -> usize {
    len * permille as usize / 1000
}

/// `text` with `mutations` applied in order (the result may not be UTF-8).
pub fn mutate(text: &[u8], mutations: &[Mutation]) -> Vec<u8> {
    let mut bytes = text.to_vec();
    for m in mutations {
        let lines =
            |b: &[u8]| -> Vec<Vec<u8>> { b.split(|&c| c == b'\n').map(<[u8]>::to_vec).collect() };
        match *m {
            Mutation::FlipBit { at, bit } => {
                if !bytes.is_empty() {
                    let i = position(bytes.len() - 1, at);
                    bytes[i] ^= 1 << bit;
                }
            }
            Mutation::Truncate { at } => bytes.truncate(position(bytes.len(), at)),
            Mutation::DuplicateLine { at }
            | Mutation::DeleteLine { at }
            | Mutation::SwapLines { at } => {
                let mut ls = lines(&bytes);
                let i = position(ls.len().saturating_sub(1), at);
                match m {
                    Mutation::DuplicateLine { .. } => {
                        let line = ls[i].clone();
                        ls.insert(i, line);
                    }
                    Mutation::DeleteLine { .. } => {
                        ls.remove(i);
                    }
                    _ => {
                        if i + 1 < ls.len() {
                            ls.swap(i, i + 1);
                        }
                    }
                }
                bytes = ls.join(&b'\n');
            }
            Mutation::Insert { at, token } => {
                let i = position(bytes.len(), at);
                bytes.splice(i..i, FOREIGN[token].bytes());
            }
            Mutation::ReplaceNumber { at, token } => {
                let from = position(bytes.len(), at);
                if let Some(start) = bytes[from..].iter().position(u8::is_ascii_digit) {
                    let start = from + start;
                    let end = bytes[start..]
                        .iter()
                        .position(|c| !(c.is_ascii_digit() || *c == b'.'))
                        .map_or(bytes.len(), |e| start + e);
                    bytes.splice(start..end, FOREIGN[token].bytes());
                }
            }
            Mutation::LongLine { at, len } => {
                let i = position(bytes.len(), at);
                let line = format!("\nname = \"{}\"\n", "x".repeat(len as usize * 1000));
                bytes.splice(i..i, line.bytes());
            }
        }
    }
    bytes
}

fn scenarios() -> Vec<(String, String)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .collect();
    files.sort();
    files
        .into_iter()
        .map(|p| {
            (
                p.file_name().unwrap().to_string_lossy().into_owned(),
                std::fs::read_to_string(&p).unwrap(),
            )
        })
        .collect()
}

/// Whether a scenario error says where: a line and column, a field (the empty path: the
/// scenario as a whole), a line of another file (a trace), or a whole-file complaint.
fn is_located(e: &ScenarioError, origin: &str) -> bool {
    let whole_file = [
        "is empty",
        "is not a text file",
        "is a binary file",
        "is a directory",
        "cannot read",
    ];
    e.position.is_some()
        || e.field.is_some() // a field, or the root (the whole scenario)
        || (e.origin != origin && e.origin.contains(':'))
        || whole_file.iter().any(|w| e.message.contains(w))
}

/// Loads `bytes` as the scenario file `name` in `dir`: a model, or a located error.
fn load_file(dir: &Path, name: &str, bytes: &[u8]) -> Result<Option<Model>, String> {
    let path = dir.join(name);
    std::fs::write(&path, bytes).unwrap();
    let origin = path.display().to_string();
    let result = Source::read(&path).and_then(|s| s.load());
    match result {
        Ok(model) => Ok(Some(model)),
        Err(e) if is_located(&e, &origin) => {
            let shown = e.to_string();
            if shown.starts_with(&e.origin) {
                Ok(None)
            } else {
                Err(format!("the error does not start with its file: {shown}"))
            }
        }
        Err(e) => Err(format!("an error without a location: {e:?}")),
    }
}

proptest! {
    #![proptest_config(crate::properties::config(256))]

    /// A mutated shipped scenario loads, or is refused with a located error; never a panic.
    #[test]
    fn mutated_scenarios_are_read_or_refused_with_a_location(
        which in 0usize..64,
        mutations in vec(mutation(), 1..4),
    ) {
        let all = scenarios();
        let (name, text) = &all[which % all.len()];
        let dir = tempfile::tempdir().unwrap();
        let bytes = mutate(text.as_bytes(), &mutations);
        let outcome = load_file(dir.path(), name, &bytes);
        prop_assert!(outcome.is_ok(), "{}: {}", name, outcome.unwrap_err());
    }
}

/// A small scenario that replays `trace.csv`.
const TRACE_SCENARIO: &str = r#"
name = "replay"
[simulation]
duration = "1h"
replications = 1
trace = "trace.csv"
[[call_types]]
name = "general"
arrival_rate = 0
handle_time = { distribution = "exponential", mean = "3m" }
[[call_types]]
name = "billing"
arrival_rate = 0
handle_time = { distribution = "exponential", mean = "3m" }
[[agent_groups]]
name = "agents"
agents = 3
skills = ["general", "billing"]
"#;

const TRACE: &str = "arrival_s,call_type,handle_time_s,patience_s,tier\n\
12.5,general,180,60,\n\
30,billing,,,\n\
61.25,general,200.5,,\n\
# a comment\n\
\n\
3599.9,billing,1,2,gold\n";

proptest! {
    #![proptest_config(crate::properties::config(256))]

    /// A mutated trace is replayed or refused with its file and line; never a panic.
    #[test]
    fn mutated_traces_are_read_or_refused_with_a_location(mutations in vec(mutation(), 1..4)) {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("trace.csv"), mutate(TRACE.as_bytes(), &mutations)).unwrap();
        let outcome = load_file(dir.path(), "replay.toml", TRACE_SCENARIO.as_bytes());
        prop_assert!(outcome.is_ok(), "{}", outcome.unwrap_err());
    }
}

/// The chat-desk scenario and a state saved from it mid-day.
fn state_fixture() -> (Model, String) {
    let text = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/chat-desk.toml"),
    )
    .unwrap();
    let model = crate::support::model(&text);
    let mut sim =
        callsim::engine::Simulation::new(&model, callsim::routing::SkillPriority::new(&model), 0);
    sim.run_until(SimTime(model.horizon.0 / 2));
    let state = StateFile::from_state(&model, &sim.state()).to_json();
    (model, state)
}

/// Parses and resolves a state file: a state or an error naming the file; never a panic.
fn check_state(model: &Model, bytes: &[u8]) -> Result<(), String> {
    let Ok(text) = std::str::from_utf8(bytes) else {
        return Ok(()); // the CLI refuses non-UTF-8 files before parsing
    };
    let result = StateFile::parse("state.json", text).and_then(|f| f.resolve("state.json", model));
    match result {
        Ok(_) => Ok(()),
        Err(e) if e.to_string().starts_with("state.json: ") => Ok(()),
        Err(e) => Err(format!("an error without its file: {e}")),
    }
}

proptest! {
    #![proptest_config(crate::properties::config(256))]

    /// A mutated state file resolves or is refused naming the file; never a panic.
    #[test]
    fn mutated_states_are_read_or_refused_with_a_location(mutations in vec(mutation(), 1..4)) {
        let (model, state) = state_fixture();
        let outcome = check_state(&model, &mutate(state.as_bytes(), &mutations));
        prop_assert!(outcome.is_ok(), "{}", outcome.unwrap_err());
    }
}

/// The address the fuzzed requests claim to have reached (their `Host`).
const REACHED: &str = "127.0.0.1:8080";

/// The API of a day that has ended (nothing listens for commands): a valid body gets 409,
/// anything else 400 or 413, always with a JSON error.
fn api() -> axum::Router {
    let (model, _) = state_fixture();
    let (_, board) = tokio::sync::watch::channel(std::sync::Arc::from("{}"));
    let (_, history) = tokio::sync::watch::channel(std::sync::Arc::from("{}"));
    let (commands, _) = tokio::sync::mpsc::channel(1);
    app_reached_at(
        Api::new(board, history, commands, std::sync::Arc::new(model)),
        Limits::default(),
        REACHED.parse().unwrap(),
    )
}

const BODIES: &[(&str, &str)] = &[
    ("/api/staffing", r#"{"group": "chat", "change": 2}"#),
    ("/api/speed", r#"{"speed": 60}"#),
    ("/api/speed", r#"{"speed": "max"}"#),
    ("/api/pause", r#"{"paused": true}"#),
];

/// Posts `body` to `route`; the status and the JSON error if any.
async fn post(app: axum::Router, route: &str, body: Vec<u8>) -> Result<(), String> {
    let request = Request::post(route)
        .header(header::CONTENT_TYPE, "application/json")
        .header(header::HOST, REACHED)
        .body(Body::from(body))
        .unwrap();
    let response = app.oneshot(request).await.map_err(|e| e.to_string())?;
    let status = response.status();
    let bytes = axum::body::to_bytes(response.into_body(), 1 << 20)
        .await
        .map_err(|e| e.to_string())?;
    if status == StatusCode::PAYLOAD_TOO_LARGE {
        return Ok(());
    }
    if ![StatusCode::BAD_REQUEST, StatusCode::CONFLICT].contains(&status) {
        return Err(format!(
            "status {status}: {}",
            String::from_utf8_lossy(&bytes)
        ));
    }
    let json: serde_json::Value = serde_json::from_slice(&bytes).map_err(|_| {
        format!(
            "status {status}, not JSON: {}",
            String::from_utf8_lossy(&bytes)
        )
    })?;
    match json["error"].as_str() {
        Some(message) if !message.is_empty() => Ok(()),
        _ => Err(format!("status {status} without an error message: {json}")),
    }
}

proptest! {
    #![proptest_config(crate::properties::config(256))]

    /// Mutated and random request bodies get a 400 (or 409, 413) with a JSON error; never a
    /// panic or a 500.
    #[test]
    fn mutated_api_bodies_are_refused_with_a_json_error(
        which in 0..BODIES.len(),
        mutations in vec(mutation(), 0..4),
        random in proptest::option::of(vec(any::<u8>(), 0..64)),
    ) {
        let (route, body) = BODIES[which];
        let body = random.unwrap_or_else(|| mutate(body.as_bytes(), &mutations));
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        let outcome = runtime.block_on(post(api(), route, body));
        prop_assert!(outcome.is_ok(), "{}: {}", route, outcome.unwrap_err());
    }
}

/// Every kept mutant: scenarios (`*.toml`), traces (`*.csv`, replayed by the scenario
/// above), states (`*.json` under `state/`) and API bodies (`*.body` under `api/`, named
/// after their route).
#[test]
fn the_corpus_is_refused_or_read_cleanly() {
    let corpus = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/corpus");
    let mut checked = 0;
    let mut failures = Vec::new();
    let (model, _) = state_fixture();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    for kind in ["scenario", "trace", "state", "api"] {
        let mut files: Vec<PathBuf> = std::fs::read_dir(corpus.join(kind))
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        files.sort();
        for file in files {
            let bytes = std::fs::read(&file).unwrap();
            let name = file.file_name().unwrap().to_string_lossy().into_owned();
            let dir = tempfile::tempdir().unwrap();
            let check = || match kind {
                "scenario" => load_file(dir.path(), &name, &bytes).map(|_| ()),
                "trace" => {
                    std::fs::write(dir.path().join("trace.csv"), &bytes).unwrap();
                    load_file(dir.path(), "replay.toml", TRACE_SCENARIO.as_bytes()).map(|_| ())
                }
                "state" => check_state(&model, &bytes),
                _ => {
                    let route = format!("/api/{}", name.split('.').next().unwrap());
                    runtime.block_on(post(api(), &route, bytes))
                }
            };
            let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(check))
                .unwrap_or_else(|panic| {
                    let message = panic
                        .downcast_ref::<String>()
                        .cloned()
                        .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()));
                    Err(format!("panicked: {}", message.unwrap_or_default()))
                });
            if let Err(why) = outcome {
                failures.push(format!("{kind}/{name}: {why}"));
            }
            checked += 1;
        }
    }
    assert!(checked >= 20, "the corpus has {checked} files");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
