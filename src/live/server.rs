//! The wallboard's HTTP server (axum): the page, the JSON API and the event stream.
//!
//! | route | what |
//! |---|---|
//! | `GET /` | the wallboard page (HTML, CSS and JS embedded in the binary) |
//! | `GET /api/snapshot` | the latest [`super::Board`] as JSON |
//! | `GET /api/events` | Server-Sent Events: the board as `data:` every time it is published |
//! | `GET /api/history` | calls waiting per call type over the day so far, sampled (for the chart) |
//! | `GET /api/initial.js` | the latest board and the history as a script (the page's first render) |
//! | `GET /api/state` | the live state, in the state-file format of `callsim intraday` (after the run, the state it stopped in) |
//! | `POST /api/staffing` | `{"group": "generalists", "change": 2}`: add (or remove) agents from now on |
//! | `POST /api/speed` | `{"speed": 120}` or `{"speed": "max"}` |
//! | `POST /api/pause` | `{"paused": true}` or `{"paused": false}` |
//!
//! Every body is parsed strictly (unknown keys, duplicate keys, wrong types, out-of-range
//! values are refused) before anything is sent to the simulation: a bad request gets 400 with
//! `{"error": "..."}` and changes nothing; a body over [`MAX_BODY`] bytes gets 413, one that is
//! not `application/json` 415, one that does not arrive within [`Limits::body_timeout`] 408.
//! Once the day is over, the POST routes answer 409. Every error body is JSON.
//!
//! **Who may steer.** Anyone who can open a connection to the server can steer the day, so
//! [`serve`] only answers requests that can only have come from its owner's browser or tools:
//! - the `Host` must be the address the client connected to (`127.0.0.1:PORT`, `[::1]:PORT`
//!   or `localhost:PORT` on loopback): a web page on a domain its owner rebinds to 127.0.0.1
//!   (DNS rebinding) sends its own name, and gets 421;
//! - a request with an `Origin` must come from the server's own origin, and one a browser
//!   marks as sent by another site (`Sec-Fetch-Site`) is refused unless it is a plain
//!   navigation: 403 (so another site's page can neither post nor read through a
//!   `<script>` tag);
//! - a POST must say `Content-Type: application/json`, which a page on another site cannot
//!   send without a CORS preflight that this server never grants: 415.
//!
//! **What a client may cost.** At most [`Limits::max_connections`] connections are served at
//! once (more wait in the listen backlog until one closes); a connection that does not
//! finish sending a request's headers within [`Limits::header_timeout`] — idle between
//! requests, or trickling its headers (slowloris) — is closed; a request's headers are at
//! most [`MAX_HEAD`] bytes.
//!
//! The server only reads a `watch` channel (which holds the latest board) and sends
//! commands; the simulation never waits for a client, so clients that come, go or stall
//! cannot disturb it.

use std::convert::Infallible;
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::extract::{FromRef, FromRequest, Request, State};
use axum::http::{header, HeaderMap, Method, StatusCode};
use axum::middleware::{self, Next};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};
use futures_util::stream::{Stream, StreamExt};
use hyper_util::rt::{TokioIo, TokioTimer};
use serde::de::DeserializeOwned;
use serde::Deserialize;
use tokio::net::TcpListener;
use tokio::sync::{mpsc, oneshot, watch, Semaphore};
use tower::ServiceExt;

use super::clock::{Command, Speed};
use super::state::StateFile;
use crate::model::Model;

/// The wallboard page.
pub const WALLBOARD: &str = include_str!("wallboard.html");
/// The largest request body accepted, bytes.
pub const MAX_BODY: usize = 4096;
/// The most a request's line and headers may take, bytes (larger: 431).
pub const MAX_HEAD: usize = 16 * 1024;

/// What the server lets one client cost.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Connections served at once; further ones wait in the listen backlog.
    pub max_connections: usize,
    /// How long a connection may take to send a request's headers, counted from when it
    /// opens or its last response ends: idle keep-alive connections and slow senders are
    /// closed after it. (An open event stream is not idle: it is answering a request.)
    pub header_timeout: Duration,
    /// How long a POST may take to send its body.
    pub body_timeout: Duration,
}

impl Default for Limits {
    /// 256 connections (a wallboard page uses two or three), 10 s for headers and bodies.
    fn default() -> Limits {
        Limits {
            max_connections: 256,
            header_timeout: Duration::from_secs(10),
            body_timeout: Duration::from_secs(10),
        }
    }
}

/// What the handlers share: the latest board, the way to the simulation, and the names.
#[derive(Clone)]
pub struct Api {
    board: watch::Receiver<Arc<str>>,
    history: watch::Receiver<Arc<str>>,
    commands: mpsc::Sender<Command>,
    model: Arc<Model>,
    /// The state file's JSON once the run has stopped (for `GET /api/state` then).
    final_state: watch::Receiver<Option<Arc<str>>>,
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
            final_state: watch::channel(None).1,
        }
    }

    /// The same, answering `GET /api/state` after the run has stopped with the state
    /// published on `final_state` then (as `--save-state` writes it).
    pub fn with_final_state(mut self, final_state: watch::Receiver<Option<Arc<str>>>) -> Api {
        self.final_state = final_state;
        self
    }
}

/// The handlers' state: the API and the limits.
#[derive(Clone)]
struct Shared {
    api: Api,
    limits: Limits,
}

/// The address a connection reached (its local address), put on each of its requests: the
/// names a request may give in `Host` follow from it.
#[derive(Debug, Clone, Copy)]
struct Reached(SocketAddr);

/// Serves `api` on `listener` within `limits` until the task is dropped.
pub async fn serve(listener: TcpListener, api: Api, limits: Limits) {
    let app = router(Shared { api, limits });
    let permits = Arc::new(Semaphore::new(limits.max_connections.max(1)));
    loop {
        let permit = permits
            .clone()
            .acquire_owned()
            .await
            .expect("the connection semaphore is never closed");
        let stream = match listener.accept().await {
            Ok((stream, _)) => stream,
            // Out of file descriptors and the like: let connections close, then go on.
            Err(_) => {
                tokio::time::sleep(Duration::from_millis(50)).await;
                continue;
            }
        };
        let Ok(local) = stream.local_addr() else {
            continue;
        };
        let app = app.clone();
        tokio::spawn(async move {
            let service =
                hyper::service::service_fn(move |request: Request<hyper::body::Incoming>| {
                    let mut request = request.map(Body::new);
                    request.extensions_mut().insert(Reached(local));
                    app.clone().oneshot(request)
                });
            let mut http = hyper::server::conn::http1::Builder::new();
            http.timer(TokioTimer::new())
                .header_read_timeout(limits.header_timeout)
                .max_buf_size(MAX_HEAD);
            // A connection that fails (reset, timed out, malformed) concerns only its client.
            let _ = http.serve_connection(TokioIo::new(stream), service).await;
            drop(permit);
        });
    }
}

/// The routes exactly as [`serve`] answers them on a connection that reached `local`
/// (owner checks included), to drive the API in-process without a socket, e.g. with
/// `tower::ServiceExt::oneshot`: requests must then name `local` in their `Host`.
pub fn app_reached_at(api: Api, limits: Limits, local: SocketAddr) -> axum::Router {
    router(Shared { api, limits }).layer(axum::Extension(Reached(local)))
}

/// The routes, behind the owner checks.
fn router(shared: Shared) -> axum::Router {
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
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(middleware::from_fn(only_the_owner))
        .with_state(shared)
}

/// The names by which a client that reached `local` may call the server: the address
/// itself, and on loopback also `localhost` and the other loopback address; without the
/// port when it is 80 (browsers leave it out).
fn allowed_hosts(local: SocketAddr) -> Vec<String> {
    let ip = local.ip().to_canonical();
    let port = local.port();
    let mut hosts = vec![match ip {
        IpAddr::V4(v4) => v4.to_string(),
        IpAddr::V6(v6) => format!("[{v6}]"),
    }];
    if ip.is_loopback() {
        for name in ["localhost", "127.0.0.1", "[::1]"] {
            if !hosts.iter().any(|h| h == name) {
                hosts.push(name.to_owned());
            }
        }
    }
    let mut with_ports: Vec<String> = hosts.iter().map(|h| format!("{h}:{port}")).collect();
    if port == 80 {
        with_ports.extend(hosts);
    }
    with_ports
}

/// Refuses what may not come from the server's owner (see the module documentation): a
/// foreign `Host` (421), a foreign `Origin` or a cross-site browser request other than a
/// navigation (403), a POST that is not `application/json` (415).
async fn only_the_owner(request: Request, next: Next) -> Response {
    let Some(&Reached(local)) = request.extensions().get::<Reached>() else {
        return error(
            StatusCode::INTERNAL_SERVER_ERROR,
            "the wallboard routes must be served by `live::server::serve`".into(),
        );
    };
    let hosts = allowed_hosts(local);
    let headers = request.headers();
    let host = request
        .uri()
        .authority()
        .map(|a| a.as_str().to_owned())
        .or_else(|| header_text(headers, header::HOST).map(str::to_owned));
    let known = |name: &str| hosts.iter().any(|h| h.eq_ignore_ascii_case(name));
    match host.as_deref() {
        Some(name) if known(name) => {}
        given => {
            let given = given.map_or("no Host header".to_owned(), |h| format!("the Host `{h}`"));
            return error(
                StatusCode::MISDIRECTED_REQUEST,
                format!(
                    "{given} is not this server's address: open it as http://{}/ \
                     (other names are refused, so that a web page cannot reach it by \
                     rebinding its own domain to this address)",
                    hosts[0]
                ),
            );
        }
    }
    if let Some(origin) = headers.get(header::ORIGIN) {
        let own = origin
            .to_str()
            .ok()
            .and_then(|o| o.strip_prefix("http://"))
            .is_some_and(known);
        if !own {
            return error(
                StatusCode::FORBIDDEN,
                format!(
                    "requests from another site ({}) are refused: only the wallboard page \
                     served here, or a tool without an Origin header, may use this server",
                    String::from_utf8_lossy(origin.as_bytes())
                ),
            );
        }
    }
    if let Some(site) = header_text(headers, "sec-fetch-site") {
        let navigation = request.method() == Method::GET
            && header_text(headers, "sec-fetch-mode") == Some("navigate")
            && !matches!(
                header_text(headers, "sec-fetch-dest"),
                Some("object" | "embed")
            );
        if !matches!(site, "same-origin" | "none") && !navigation {
            return error(
                StatusCode::FORBIDDEN,
                format!(
                    "a request the browser marks as `{site}` is refused: only the wallboard \
                     page served here may use this server"
                ),
            );
        }
    }
    if request.method() == Method::POST {
        let content_type = header_text(headers, header::CONTENT_TYPE).unwrap_or("");
        let essence = content_type.split(';').next().unwrap_or("").trim();
        if !essence.eq_ignore_ascii_case("application/json") {
            let given = if content_type.is_empty() {
                "no Content-Type".to_owned()
            } else {
                format!("Content-Type `{content_type}`")
            };
            return error(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                format!(
                    "a body with {given} is refused: send JSON with Content-Type: application/json"
                ),
            );
        }
    }
    next.run(request).await
}

/// A header's value as text, if it is there and is text.
fn header_text(headers: &HeaderMap, name: impl header::AsHeaderName) -> Option<&str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

async fn not_found(request: Request) -> Response {
    error(
        StatusCode::NOT_FOUND,
        format!(
            "there is no {}: the wallboard is at /, the API under /api (see the README)",
            request.uri().path()
        ),
    )
}

async fn method_not_allowed(request: Request) -> Response {
    error(
        StatusCode::METHOD_NOT_ALLOWED,
        format!(
            "{} does not take {}: GET reads, POST (with a JSON body) changes",
            request.uri().path(),
            request.method()
        ),
    )
}

impl FromRef<Shared> for Api {
    fn from_ref(shared: &Shared) -> Api {
        shared.api.clone()
    }
}

/// A POST body of at most [`MAX_BODY`] bytes, read within [`Limits::body_timeout`]
/// (the owner checks have already made sure it says it is JSON).
struct JsonBody(Bytes);

impl FromRequest<Shared> for JsonBody {
    type Rejection = Response;

    async fn from_request(request: Request, shared: &Shared) -> Result<JsonBody, Response> {
        let too_large = || {
            error(
                StatusCode::PAYLOAD_TOO_LARGE,
                format!("the body is over {MAX_BODY} bytes; the API's bodies are a few dozen"),
            )
        };
        let declared = header_text(request.headers(), header::CONTENT_LENGTH)
            .and_then(|n| n.parse::<u64>().ok());
        if declared.is_some_and(|n| n > MAX_BODY as u64) {
            return Err(too_large());
        }
        let collect = async {
            let mut stream = request.into_body().into_data_stream();
            let mut bytes = Vec::new();
            while let Some(chunk) = stream.next().await {
                let chunk = chunk.map_err(|e| {
                    error(StatusCode::BAD_REQUEST, format!("reading the body: {e}"))
                })?;
                if bytes.len() + chunk.len() > MAX_BODY {
                    return Err(too_large());
                }
                bytes.extend_from_slice(&chunk);
            }
            Ok(JsonBody(Bytes::from(bytes)))
        };
        let limit = shared.limits.body_timeout;
        match tokio::time::timeout(limit, collect).await {
            Ok(body) => body,
            Err(_) => Err(error(
                StatusCode::REQUEST_TIMEOUT,
                format!("the body did not arrive within {} s", limit.as_secs_f64()),
            )),
        }
    }
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
    let answer = match api.commands.send(Command::State { reply }).await {
        Ok(()) => answer.await.ok(),
        Err(_) => None,
    };
    match answer {
        Some(state) => {
            let file = StateFile::from_state(&api.model, &state);
            json(StatusCode::OK, file.to_json())
        }
        // The run has stopped: the state it stopped in, if it was kept.
        None => match api.final_state.borrow().clone() {
            Some(file) => json(StatusCode::OK, file.to_string()),
            None => error(
                StatusCode::CONFLICT,
                "the simulated day has ended and its state was not kept".into(),
            ),
        },
    }
}

/// Parses a body strictly — a JSON object with exactly the keys of `T`, each once — or
/// says what is wrong and what was expected.
#[allow(clippy::result_large_err)]
fn parse<T: DeserializeOwned>(body: &[u8], example: &str) -> Result<T, Response> {
    let bad = |why: String| {
        error(
            StatusCode::BAD_REQUEST,
            format!("the body is not valid: {why}; expected a JSON object like {example}"),
        )
    };
    // An object, not an array: serde would otherwise read `[true]` as `{"paused": true}`.
    // Read straight into `T` (not through a `Value`, which keeps the last of two equal
    // keys), so that a key given twice is refused.
    match body.iter().find(|b| !b.is_ascii_whitespace()) {
        Some(b'{') => serde_json::from_slice(body).map_err(|e| bad(e.to_string())),
        Some(_) => Err(bad("it is not a JSON object".into())),
        None => Err(bad("it is empty".into())),
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct StaffingBody {
    group: String,
    change: i64,
}

async fn staffing(State(api): State<Api>, JsonBody(body): JsonBody) -> Response {
    const EXAMPLE: &str = r#"{"group": "generalists", "change": 2}"#;
    // The reply's `headcount` looks settable; it is not: say what to post instead.
    if let Ok(serde_json::Value::Object(fields)) = serde_json::from_slice(&body) {
        if fields.contains_key("headcount") {
            return error(
                StatusCode::BAD_REQUEST,
                format!(
                    "headcount: the headcount is the reply, not a field to post; post the agents \
                     to add (negative: to remove) as `change`, e.g. {EXAMPLE}: the current \
                     headcount is in /api/snapshot"
                ),
            );
        }
    }
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
    // No headcount is more than MAX_HEADCOUNT away from another: refuse larger changes here,
    // before the simulation adds them to a headcount (i64::MAX would overflow).
    if body.change.unsigned_abs() > crate::engine::MAX_HEADCOUNT as u64 {
        return error(
            StatusCode::BAD_REQUEST,
            format!(
                "change: `{}`: a change of {} would exceed the range of a headcount (0 to {} agents)",
                body.group,
                body.change,
                crate::engine::MAX_HEADCOUNT
            ),
        );
    }
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

async fn speed(State(api): State<Api>, JsonBody(body): JsonBody) -> Response {
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

async fn pause(State(api): State<Api>, JsonBody(body): JsonBody) -> Response {
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
