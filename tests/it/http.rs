//! The wallboard's HTTP API over loopback: contents, validation, and many clients.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::sync::Arc;
use std::time::Duration;

use callsim::live::server::{self, Limits};
use callsim::live::state::StateFile;
use callsim::live::{Live, Pacing, Speed};
use callsim::model::Model;
use callsim::routing::SkillPriority;
use callsim::run_replications;
use callsim::scenario::Source;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

fn hotline() -> &'static Model {
    let mut model = Source::default_scenario().load().expect("valid");
    model.replications = 1;
    Box::leak(Box::new(model))
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap()
}

/// Starts a live run of `model` with its server on 127.0.0.1 (any free port).
fn start(
    rt: &tokio::runtime::Runtime,
    model: &'static Model,
    pacing: Pacing,
) -> (SocketAddr, tokio::task::JoinHandle<Live<'static>>) {
    start_within(rt, model, pacing, Limits::default())
}

/// As [`start`], with the server held to `limits`.
fn start_within(
    rt: &tokio::runtime::Runtime,
    model: &'static Model,
    pacing: Pacing,
    limits: Limits,
) -> (SocketAddr, tokio::task::JoinHandle<Live<'static>>) {
    let mut live = Live::new(model, 0, pacing, None);
    let api = live.api(Arc::new(model.clone()));
    let listener = rt
        .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
        .unwrap();
    let addr = listener.local_addr().unwrap();
    rt.spawn(server::serve(listener, api, limits));
    let run = rt.spawn(async move {
        live.run(|_| {}).await;
        live
    });
    (addr, run)
}

/// One HTTP/1.1 request with `Connection: close`, as the owner's tools send it; the status
/// and the body.
fn request(addr: SocketAddr, method: &str, path: &str, body: &[u8]) -> (u16, String) {
    request_with(
        addr,
        method,
        path,
        &format!("Host: {addr}\r\nContent-Type: application/json\r\n"),
        body,
    )
}

/// One HTTP/1.1 request with `Connection: close` and the header lines `headers` (each
/// ending in CRLF); the status and the body.
fn request_with(
    addr: SocketAddr,
    method: &str,
    path: &str,
    headers: &str,
    body: &[u8],
) -> (u16, String) {
    let mut s = TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
    let head = format!(
        "{method} {path} HTTP/1.1\r\n{headers}Content-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    s.write_all(head.as_bytes()).unwrap();
    // The server may answer (413) before reading all of a large body.
    let _ = s.write_all(body);
    let mut response = Vec::new();
    let _ = s.read_to_end(&mut response);
    let text = String::from_utf8_lossy(&response).into_owned();
    let status = text[9..12].parse().unwrap();
    let body = text
        .split_once("\r\n\r\n")
        .map_or("", |(_, b)| b)
        .to_owned();
    (status, body)
}

fn get_json(addr: SocketAddr, path: &str) -> serde_json::Value {
    let (status, body) = request(addr, "GET", path, b"");
    assert_eq!(status, 200, "{path}: {body}");
    serde_json::from_str(&body).unwrap_or_else(|e| panic!("{path}: {e}: {body}"))
}

/// Opens the event stream and returns the first `n` events' data (bounded by a timeout).
async fn read_events(addr: SocketAddr, n: usize) -> Vec<String> {
    let mut s = tokio::net::TcpStream::connect(addr).await.unwrap();
    let head = format!("GET /api/events HTTP/1.1\r\nHost: {addr}\r\n\r\n");
    s.write_all(head.as_bytes()).await.unwrap();
    let mut buffer = Vec::new();
    let mut chunk = [0u8; 8192];
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    loop {
        let text = String::from_utf8_lossy(&buffer);
        let events: Vec<String> = text
            .split("data: ")
            .skip(1)
            .filter_map(|rest| rest.split_once('\n').map(|(line, _)| line.to_owned()))
            .collect();
        if events.len() >= n {
            return events[..n].to_vec();
        }
        let read = tokio::time::timeout_at(deadline, s.read(&mut chunk))
            .await
            .expect("events arrive in time")
            .unwrap();
        assert!(read > 0, "the stream ended early");
        buffer.extend_from_slice(&chunk[..read]);
    }
}

#[test]
fn snapshot_events_and_every_post_validated() {
    let rt = runtime();
    let model = hotline();
    let paused = Pacing {
        speed: Speed::Factor(60.0),
        paused: true,
    };
    let (addr, run) = start(&rt, model, paused);

    let (status, page) = request(addr, "GET", "/", b"");
    assert_eq!(status, 200);
    assert!(page.contains("<canvas") && page.contains("EventSource(\"/api/events\")"));

    let board = get_json(addr, "/api/snapshot");
    assert_eq!(board["scenario"], "Mobile operator hotline, weekday");
    assert_eq!(board["clock"], "08:00:00");
    assert_eq!(board["paused"], true);
    assert_eq!(board["speed"], 60.0);
    assert_eq!(board["call_types"].as_array().unwrap().len(), 3);
    let g = &board["agent_groups"][2];
    assert_eq!(g["name"], "generalists");
    for key in [
        "idle",
        "talking",
        "wrap_up",
        "on_break",
        "off_shift",
        "headcount",
        "extra",
    ] {
        assert!(g[key].is_number(), "{key}");
    }
    assert_eq!(g["idle"], 18);
    assert_eq!(g["off_shift"], 41 - 18);
    for key in [
        "offered",
        "answered",
        "abandoned",
        "service_level",
        "asa_s",
        "abandon_rate",
    ] {
        assert!(board["today"].get(key).is_some(), "{key}");
        assert!(board["current_interval"].get(key).is_some(), "{key}");
    }
    let events = rt.block_on(read_events(addr, 1));
    let first: serde_json::Value = serde_json::from_str(&events[0]).unwrap();
    assert_eq!(first, board, "the stream starts with the current board");
    let history = get_json(addr, "/api/history");
    assert!(history["elapsed_s"].is_array() && history["waiting"].is_array());

    // Every bad body: 400 (413 when too large) with a message, and nothing changes.
    let before = request(addr, "GET", "/api/snapshot", b"").1;
    let big = format!(
        r#"{{"group": "generalists", "change": 1, "pad": "{}"}}"#,
        "x".repeat(5000)
    );
    let cases: Vec<(&str, &[u8], u16, &str)> = vec![
        (
            "/api/staffing",
            br#"{"group": "generalists", "change": "2"}"#,
            400,
            "invalid type",
        ),
        (
            "/api/staffing",
            br#"{"group": "generalists", "change": 1.5}"#,
            400,
            "invalid type",
        ),
        (
            "/api/staffing",
            br#"{"group": "generalists"}"#,
            400,
            "missing field `change`",
        ),
        (
            "/api/staffing",
            br#"{"group": 3, "change": 1}"#,
            400,
            "invalid type",
        ),
        (
            "/api/staffing",
            br#"{"group": "nobody", "change": 1}"#,
            400,
            "no agent group `nobody`",
        ),
        (
            "/api/staffing",
            br#"{"group": "generalists", "change": -19}"#,
            400,
            "at least 0",
        ),
        (
            "/api/staffing",
            br#"{"group": "generalists", "change": 1, "x": 1}"#,
            400,
            "unknown field",
        ),
        (
            "/api/staffing",
            br#"{"group": "generalists", "change": 99999999999}"#,
            400,
            "would exceed",
        ),
        ("/api/staffing", b"not json", 400, "not valid"),
        ("/api/staffing", b"", 400, "not valid"),
        ("/api/staffing", big.as_bytes(), 413, ""),
        ("/api/speed", br#"{"speed": 0}"#, 400, "out of range"),
        ("/api/speed", br#"{"speed": -5}"#, 400, "out of range"),
        ("/api/speed", br#"{"speed": 1e300}"#, 400, "out of range"),
        ("/api/speed", br#"{"speed": "fast"}"#, 400, "not a speed"),
        ("/api/speed", br#"{"speed": null}"#, 400, "not a speed"),
        ("/api/speed", br#"{}"#, 400, "missing field `speed`"),
        ("/api/pause", br#"{"paused": "yes"}"#, 400, "invalid type"),
        ("/api/pause", br#"{"paused": 1}"#, 400, "invalid type"),
        ("/api/pause", br#"[true]"#, 400, "not valid"),
    ];
    for (path, body, status, needle) in cases {
        let (got, text) = request(addr, "POST", path, body);
        let shown = String::from_utf8_lossy(&body[..body.len().min(60)]).into_owned();
        assert_eq!(got, status, "{path} {shown}: {text}");
        if status == 400 {
            let error: serde_json::Value = serde_json::from_str(&text).unwrap();
            let message = error["error"].as_str().unwrap();
            assert!(message.contains(needle), "{path} {shown}: {message}");
        }
    }
    assert_eq!(
        request(addr, "GET", "/api/snapshot", b"").1,
        before,
        "nothing changed"
    );

    // Good requests take effect.
    let (status, text) = request(
        addr,
        "POST",
        "/api/staffing",
        br#"{"group": "generalists", "change": 2}"#,
    );
    assert_eq!(
        (status, text.as_str()),
        (200, r#"{"group":"generalists","headcount":20}"#)
    );
    let board = get_json(addr, "/api/snapshot");
    assert_eq!(board["agent_groups"][2]["headcount"], 20);
    assert_eq!(board["agent_groups"][2]["extra"], 2);
    assert_eq!(board["agent_groups"][2]["idle"], 20);
    assert_eq!(
        request(addr, "POST", "/api/speed", br#"{"speed": 120}"#).0,
        200
    );
    assert_eq!(get_json(addr, "/api/snapshot")["speed"], 120.0);
    let state = request(addr, "GET", "/api/state", b"").1;
    let file = StateFile::parse("<api>", &state).unwrap();
    assert_eq!(file.agent_groups[2].extra_agents, 2);
    file.resolve("<api>", model)
        .expect("the live state is a valid state file");

    // Resume at full speed: the day runs to its end; then changes are refused.
    assert_eq!(
        request(addr, "POST", "/api/speed", br#"{"speed": "max"}"#).0,
        200
    );
    assert_eq!(
        request(addr, "POST", "/api/pause", br#"{"paused": false}"#).0,
        200
    );
    let live = rt.block_on(run).unwrap();
    let board = get_json(addr, "/api/snapshot");
    assert_eq!(board["finished"], true);
    let (status, _) = request(addr, "POST", "/api/pause", br#"{"paused": true}"#);
    assert_eq!(status, 409);
    let m = live.finish().measures(model);
    assert_eq!(m.total.offered, board["today"]["offered"].as_f64().unwrap());
}

#[test]
fn two_hundred_clients_come_and_go_while_the_day_runs() {
    let rt = runtime();
    let model = hotline();
    // The 12-hour day in about 6 seconds.
    let pacing = Pacing {
        speed: Speed::Factor(7_200.0),
        paused: false,
    };
    let (addr, run) = start(&rt, model, pacing);
    let clients: Vec<_> = (0..200)
        .map(|i| {
            rt.spawn(async move {
                match i % 4 {
                    // Connect and hang up at once, mid-request.
                    0 => {
                        let mut s = tokio::net::TcpStream::connect(addr).await.unwrap();
                        let _ = s.write_all(b"GET /api/events HTTP/1.1\r\n").await;
                        0
                    }
                    // Read a few events, then drop the connection. Each is a board, and
                    // the clock never goes back.
                    k => {
                        let events = read_events(addr, k).await;
                        let clocks: Vec<f64> = events
                            .iter()
                            .map(|e| {
                                let board: serde_json::Value = serde_json::from_str(e).unwrap();
                                assert_eq!(board["call_types"].as_array().unwrap().len(), 3);
                                board["elapsed_s"].as_f64().unwrap()
                            })
                            .collect();
                        assert!(clocks.windows(2).all(|w| w[0] <= w[1]), "{clocks:?}");
                        events.len()
                    }
                }
            })
        })
        .collect();
    let mut events = 0;
    for client in clients {
        events += rt.block_on(client).unwrap();
    }
    assert_eq!(events, 50 * (1 + 2 + 3));
    let live = rt.block_on(run).unwrap();
    let board = get_json(addr, "/api/snapshot");
    assert_eq!(board["finished"], true);
    // The run finished exactly as a run nobody watched.
    let measures = live.finish().measures(model);
    let reference = run_replications(model, Some(1), SkillPriority::new);
    assert_eq!(measures, reference[0]);
}
