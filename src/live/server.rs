//! The wallboard's HTTP server (axum): the page, the JSON API and the event stream.
//!
//! | route | what |
//! |---|---|
//! | `GET /` | the wallboard page (HTML, CSS and JS embedded in the binary) |
//! | `GET /api/snapshot` | the latest [`super::Board`] as JSON |
//! | `GET /api/events` | Server-Sent Events: the board as `data:` every time it is published |
//! | `GET /api/history` | calls waiting per call type over the day so far, sampled (for the chart) |
//! | `GET /api/initial.js` | the latest board and the history as a script (the page's first render) |
//! | `GET /api/state` | the live state, in the state-file format of `callsim intraday` |
//! | `POST /api/staffing` | `{"group": "generalists", "change": 2}`: add (or remove) agents from now on |
//! | `POST /api/speed` | `{"speed": 120}` or `{"speed": "max"}` |
//! | `POST /api/pause` | `{"paused": true}` or `{"paused": false}` |
//!
//! Every body is parsed strictly (unknown keys, wrong types, out-of-range values are
//! refused) before anything is sent to the simulation: a bad request gets 400 with
//! `{"error": "..."}` and changes nothing; a body over [`MAX_BODY`] bytes gets 413. Once
//! the day is over, the POST routes answer 409.
//!
//! The server only reads a `watch` channel (which holds the latest board) and sends
//! commands; the simulation never waits for a client, so clients that come, go or stall
//! cannot disturb it.

use std::convert::Infallible;
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{header, StatusCode};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};
use futures_util::stream::Stream;
use serde::de::DeserializeOwned;
use serde::Deserialize;
use tokio::sync::{mpsc, oneshot, watch};

use super::clock::{Command, Speed};
use super::state::StateFile;
use crate::model::Model;

/// The wallboard page.
pub const WALLBOARD: &str = include_str!("wallboard.html");
/// The largest request body accepted, bytes.
pub const MAX_BODY: usize = 4096;

/// What the handlers share: the latest board, the way to the simulation, and the names.
#[derive(Clone)]
pub struct Api {
    board: watch::Receiver<Arc<str>>,
    history: watch::Receiver<Arc<str>>,
    commands: mpsc::Sender<Command>,
    model: Arc<Model>,
}

impl Api {
    /// Handlers reading boards from `board` and the queue's history from `history`, and
    /// sending commands to `commands`, for a run of `model`.
    pub fn new(
        board: watch::Receiver<Arc<str>>,
        history: watch::Receiver<Arc<str>>,
        commands: mpsc::Sender<Command>,
        model: Arc<Model>,
    ) -> Api {
        Api {
            board,
            history,
            commands,
            model,
        }
    }
}

/// The routes, ready for `axum::serve`.
pub fn router(api: Api) -> axum::Router {
    axum::Router::new()
        .route("/", get(page))
        .route("/api/snapshot", get(snapshot))
        .route("/api/events", get(events))
        .route("/api/history", get(history))
        .route("/api/initial.js", get(initial))
        .route("/api/state", get(state))
        .route("/api/staffing", post(staffing))
        .route("/api/speed", post(speed))
        .route("/api/pause", post(pause))
        .layer(DefaultBodyLimit::max(MAX_BODY))
        .with_state(api)
}

async fn page() -> impl IntoResponse {
    ([(header::CACHE_CONTROL, "no-store")], Html(WALLBOARD))
}

fn json(status: StatusCode, body: String) -> Response {
    (
        status,
        [
            (header::CONTENT_TYPE, "application/json"),
            (header::CACHE_CONTROL, "no-store"),
        ],
        body,
    )
        .into_response()
}

fn error(status: StatusCode, message: String) -> Response {
    json(status, serde_json::json!({ "error": message }).to_string())
}

fn ended() -> Response {
    error(
        StatusCode::CONFLICT,
        "the simulated day has ended; nothing can be changed".into(),
    )
}

async fn snapshot(State(api): State<Api>) -> Response {
    let board = api.board.borrow().clone();
    json(StatusCode::OK, board.to_string())
}

async fn history(State(api): State<Api>) -> Response {
    let history = api.history.borrow().clone();
    json(StatusCode::OK, history.to_string())
}

/// The page's bootstrap: the latest board and the history, as a script the page loads
/// before its own, so the first render does not wait for a request after the page loads.
async fn initial(State(api): State<Api>) -> Response {
    let board = api.board.borrow().clone();
    let history = api.history.borrow().clone();
    (
        [
            (header::CONTENT_TYPE, "text/javascript"),
            (header::CACHE_CONTROL, "no-store"),
        ],
        format!("window.CALLSIM_INITIAL = {{\"board\": {board}, \"history\": {history}}};\n"),
    )
        .into_response()
}

async fn events(State(api): State<Api>) -> Sse<impl Stream<Item = Result<Event, Infallible>>> {
    let stream = futures_util::stream::unfold((api.board, true), |(mut rx, first)| async move {
        if !first && rx.changed().await.is_err() {
            return None;
        }
        let data = rx.borrow_and_update().clone();
        Some((Ok(Event::default().data(&*data)), (rx, false)))
    });
    Sse::new(stream).keep_alive(KeepAlive::default())
}

async fn state(State(api): State<Api>) -> Response {
    let (reply, answer) = oneshot::channel();
    if api.commands.send(Command::State { reply }).await.is_err() {
        return ended();
    }
    match answer.await {
        Ok(state) => {
            let file = StateFile::from_state(&api.model, &state);
            json(StatusCode::OK, file.to_json())
        }
        Err(_) => ended(),
    }
}

/// Parses a body strictly, or says what is wrong and what was expected.
#[allow(clippy::result_large_err)]
fn parse<T: DeserializeOwned>(body: &[u8], example: &str) -> Result<T, Response> {
    let bad = |why: String| {
        error(
            StatusCode::BAD_REQUEST,
            format!("the body is not valid: {why}; expected a JSON object like {example}"),
        )
    };
    // An object, not an array: serde would otherwise read `[true]` as `{"paused": true}`.
    match serde_json::from_slice::<serde_json::Value>(body) {
        Ok(value @ serde_json::Value::Object(_)) => {
            serde_json::from_value(value).map_err(|e| bad(e.to_string()))
        }
        Ok(other) => Err(bad(format!("{other} is not a JSON object"))),
        Err(e) => Err(bad(e.to_string())),
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct StaffingBody {
    group: String,
    change: i64,
}

async fn staffing(State(api): State<Api>, body: Bytes) -> Response {
    const EXAMPLE: &str = r#"{"group": "generalists", "change": 2}"#;
    let body: StaffingBody = match parse(&body, EXAMPLE) {
        Ok(body) => body,
        Err(response) => return response,
    };
    let groups = &api.model.groups;
    let Some(group) = groups.iter().position(|g| g.name == body.group) else {
        let names: Vec<String> = groups.iter().map(|g| format!("`{}`", g.name)).collect();
        return error(
            StatusCode::BAD_REQUEST,
            format!(
                "group: there is no agent group `{}`; the groups are {}",
                body.group,
                names.join(", ")
            ),
        );
    };
    let (reply, answer) = oneshot::channel();
    let command = Command::Staffing {
        group: group as u32,
        change: body.change,
        reply,
    };
    if api.commands.send(command).await.is_err() {
        return ended();
    }
    match answer.await {
        Ok(Ok(headcount)) => json(
            StatusCode::OK,
            serde_json::json!({ "group": body.group, "headcount": headcount }).to_string(),
        ),
        Ok(Err(why)) => error(
            StatusCode::BAD_REQUEST,
            format!("change: `{}`: {why}", body.group),
        ),
        Err(_) => ended(),
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SpeedBody {
    speed: serde_json::Value,
}

async fn speed(State(api): State<Api>, body: Bytes) -> Response {
    const EXAMPLE: &str = r#"{"speed": 60} or {"speed": "max"}"#;
    let body: SpeedBody = match parse(&body, EXAMPLE) {
        Ok(body) => body,
        Err(response) => return response,
    };
    let speed = match &body.speed {
        serde_json::Value::String(s) if s == "max" => Ok(Speed::Max),
        serde_json::Value::Number(n) => Speed::factor(n.as_f64().unwrap_or(f64::NAN)),
        other => Err(format!(
            "{other} is not a speed: give simulated seconds per real second (a number) or \"max\""
        )),
    };
    let speed = match speed {
        Ok(speed) => speed,
        Err(why) => return error(StatusCode::BAD_REQUEST, format!("speed: {why}")),
    };
    let (reply, answer) = oneshot::channel();
    if api
        .commands
        .send(Command::Speed { speed, reply })
        .await
        .is_err()
        || answer.await.is_err()
    {
        return ended();
    }
    json(
        StatusCode::OK,
        serde_json::json!({ "speed": body.speed }).to_string(),
    )
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PauseBody {
    paused: bool,
}

async fn pause(State(api): State<Api>, body: Bytes) -> Response {
    let body: PauseBody = match parse(&body, r#"{"paused": true}"#) {
        Ok(body) => body,
        Err(response) => return response,
    };
    let (reply, answer) = oneshot::channel();
    let command = Command::Pause {
        paused: body.paused,
        reply,
    };
    if api.commands.send(command).await.is_err() || answer.await.is_err() {
        return ended();
    }
    json(
        StatusCode::OK,
        serde_json::json!({ "paused": body.paused }).to_string(),
    )
}
