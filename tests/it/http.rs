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
pub(crate) fn request(addr: SocketAddr, method: &str, path: &str, body: &[u8]) -> (u16, String) {
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
            br#"{"group": "generalists", "headcount": 20}"#,
            400,
            "headcount: the headcount is the reply, not a field to post",
        ),
        (
            "/api/staffing",
            br#"{"group": "generalists", "change": 2, "headcount": 20}"#,
            400,
            "post the agents to add",
        ),
        (
            "/api/speed",
            br#"{"speed": 60, "paused": true}"#,
            400,
            "unknown field `paused`",
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
    // The state can still be read: the one the day ended in, as `--save-state` writes it.
    let (status, state) = request(addr, "GET", "/api/state", b"");
    assert_eq!(status, 200, "{state}");
    assert_eq!(
        state,
        StateFile::from_state(model, &live.state()).to_json(),
        "the state after the day"
    );
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

/// The error message of a JSON error body (panics if the body is not one).
fn error_of(body: &str) -> String {
    let json: serde_json::Value =
        serde_json::from_str(body).unwrap_or_else(|e| panic!("not JSON ({e}): {body}"));
    json["error"]
        .as_str()
        .unwrap_or_else(|| panic!("no error message: {body}"))
        .to_owned()
}

#[test]
fn only_the_owner_can_steer_or_read_the_day() {
    let rt = runtime();
    let model = hotline();
    let paused = Pacing {
        speed: Speed::Factor(60.0),
        paused: true,
    };
    let (addr, _run) = start(&rt, model, paused);
    let port = addr.port();
    let before = request(addr, "GET", "/api/snapshot", b"").1;
    let zero = br#"{"group": "generalists", "change": -18}"#;
    let json = "Content-Type: application/json\r\n";
    let own = format!("Host: {addr}\r\n");

    // What a page on another site can send, and a rebinding page's Host: all refused
    // with a JSON error that says why, and nothing changes.
    // (method, path, header lines, body, status, a word of the error)
    type Case<'a> = (&'a str, &'a str, String, &'a [u8], u16, &'a str);
    let refused: Vec<Case> = vec![
        // The attack of the issue: a form-like cross-site POST.
        (
            "POST",
            "/api/staffing",
            format!("{own}Origin: http://evil.example\r\nContent-Type: text/plain\r\n"),
            zero,
            403,
            "another site",
        ),
        (
            "POST",
            "/api/staffing",
            format!("{own}Origin: http://evil.example\r\n{json}"),
            zero,
            403,
            "another site",
        ),
        (
            "POST",
            "/api/staffing",
            format!("{own}Origin: null\r\n{json}"),
            zero,
            403,
            "another site",
        ),
        // Another port on this machine is another origin.
        (
            "POST",
            "/api/pause",
            format!("{own}Origin: http://127.0.0.1:1\r\n{json}"),
            br#"{"paused": false}"#,
            403,
            "another site",
        ),
        (
            "POST",
            "/api/staffing",
            format!("{own}Content-Type: text/plain\r\n"),
            zero,
            415,
            "application/json",
        ),
        (
            "POST",
            "/api/staffing",
            own.clone(),
            zero,
            415,
            "no Content-Type",
        ),
        (
            "POST",
            "/api/speed",
            format!("{own}Content-Type: application/x-www-form-urlencoded\r\n"),
            b"speed=5",
            415,
            "application/json",
        ),
        // DNS rebinding: the page's own name, with or without the port.
        (
            "GET",
            "/api/state",
            "Host: evil.example\r\n".into(),
            b"",
            421,
            "not this server's address",
        ),
        (
            "GET",
            "/api/snapshot",
            format!("Host: evil.example:{port}\r\n"),
            b"",
            421,
            "rebinding",
        ),
        (
            "POST",
            "/api/staffing",
            format!("Host: evil.example:{port}\r\n{json}"),
            zero,
            421,
            "not this server's address",
        ),
        ("GET", "/api/state", String::new(), b"", 421, "no Host"),
        (
            "GET",
            "/api/state",
            format!("Host: 127.0.0.1:{}\r\n", port.wrapping_add(1)),
            b"",
            421,
            "not this server's address",
        ),
        // Another site's <script src> (no Origin on a no-cors load; the browser says where
        // it comes from).
        (
            "GET",
            "/api/initial.js",
            format!("{own}Sec-Fetch-Site: cross-site\r\nSec-Fetch-Mode: no-cors\r\nSec-Fetch-Dest: script\r\n"),
            b"",
            403,
            "cross-site",
        ),
        (
            "GET",
            "/api/state",
            format!("{own}Sec-Fetch-Site: same-site\r\nSec-Fetch-Mode: cors\r\nSec-Fetch-Dest: empty\r\n"),
            b"",
            403,
            "same-site",
        ),
        // Not found, wrong method: JSON too.
        ("GET", "/api/nothing", own.clone(), b"", 404, "/api/nothing"),
        ("GET", "/api/staffing", own.clone(), b"", 405, "GET"),
        ("DELETE", "/api/state", own.clone(), b"", 405, "DELETE"),
    ];
    for (method, path, headers, body, status, needle) in &refused {
        let (got, text) = request_with(addr, method, path, headers, body);
        assert_eq!(got, *status, "{method} {path} with {headers:?}: {text}");
        let message = error_of(&text);
        assert!(message.contains(needle), "{method} {path}: {message}");
    }
    assert_eq!(
        request(addr, "GET", "/api/snapshot", b"").1,
        before,
        "nothing changed"
    );

    // The owner's ways in: every loopback name, the page's own origin, a charset, a plain
    // navigation from a link on another site.
    for host in [
        format!("127.0.0.1:{port}"),
        format!("localhost:{port}"),
        format!("LOCALHOST:{port}"),
        format!("[::1]:{port}"),
    ] {
        let (status, text) = request_with(
            addr,
            "GET",
            "/api/snapshot",
            &format!("Host: {host}\r\n"),
            b"",
        );
        assert_eq!(status, 200, "{host}: {text}");
    }
    let navigation = format!(
        "{own}Sec-Fetch-Site: cross-site\r\nSec-Fetch-Mode: navigate\r\nSec-Fetch-Dest: document\r\n"
    );
    assert_eq!(request_with(addr, "GET", "/", &navigation, b"").0, 200);
    let page = format!(
        "Host: localhost:{port}\r\nOrigin: http://localhost:{port}\r\nSec-Fetch-Site: same-origin\r\nContent-Type: application/json; charset=utf-8\r\n"
    );
    let (status, text) = request_with(
        addr,
        "POST",
        "/api/staffing",
        &page,
        br#"{"group": "generalists", "change": 1}"#,
    );
    assert_eq!(
        (status, text.as_str()),
        (200, r#"{"group":"generalists","headcount":19}"#)
    );
}

#[test]
fn duplicate_keys_absurd_values_and_large_bodies_get_json_errors() {
    let rt = runtime();
    let model = hotline();
    let paused = Pacing {
        speed: Speed::Factor(60.0),
        paused: true,
    };
    let (addr, _run) = start(&rt, model, paused);
    let before = request(addr, "GET", "/api/snapshot", b"").1;
    let cases: Vec<(&str, &[u8], u16, &str)> = vec![
        (
            "/api/staffing",
            br#"{"group": "generalists", "change": 1, "change": -18}"#,
            400,
            "duplicate field `change`",
        ),
        (
            "/api/pause",
            br#"{"paused": true, "paused": false}"#,
            400,
            "duplicate field `paused`",
        ),
        (
            "/api/speed",
            br#"{"speed": 60, "speed": "max"}"#,
            400,
            "duplicate field `speed`",
        ),
        ("/api/speed", br#"{"speed": 5e-324}"#, 400, "out of range"),
        ("/api/speed", br#"{"speed": 0.001}"#, 400, "from 0.01"),
        ("/api/speed", br#"{"speed": 1e400}"#, 400, "not valid"),
        (
            "/api/staffing",
            br#"{"group": "generalists", "change": -9223372036854775808}"#,
            400,
            "would exceed the range of a headcount",
        ),
        (
            "/api/staffing",
            br#"{"group": "generalists", "change": 9223372036854775807}"#,
            400,
            "would exceed the range of a headcount",
        ),
        (
            "/api/staffing",
            br#"{"group": "generalists", "change": 9223372036854775808}"#,
            400,
            "not valid",
        ),
        (
            "/api/staffing",
            br#"  ["generalists", 1]"#,
            400,
            "not a JSON object",
        ),
        ("/api/staffing", &[b'{'; 4097], 413, "over 4096 bytes"),
    ];
    for (path, body, status, needle) in cases {
        let (got, text) = request(addr, "POST", path, body);
        let shown = String::from_utf8_lossy(&body[..body.len().min(60)]).into_owned();
        assert_eq!(got, status, "{path} {shown}: {text}");
        let message = error_of(&text);
        assert!(message.contains(needle), "{path} {shown}: {message}");
    }
    // A chunked body that grows past the limit: 413, as JSON.
    let mut s = TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
    let head = format!(
        "POST /api/speed HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
    );
    s.write_all(head.as_bytes()).unwrap();
    for _ in 0..5 {
        let _ = s.write_all(format!("{:x}\r\n{}\r\n", 1000, " ".repeat(1000)).as_bytes());
    }
    let mut response = String::new();
    let _ = s.read_to_string(&mut response);
    assert!(response.starts_with("HTTP/1.1 413"), "{response}");
    let body = response.split_once("\r\n\r\n").unwrap().1;
    assert!(error_of(body).contains("over 4096 bytes"));
    assert_eq!(
        request(addr, "GET", "/api/snapshot", b"").1,
        before,
        "nothing changed"
    );
}

/// Reads from `s` until the server closes it; how long that took (or `None` if it was
/// still open after `within`), and what it sent.
fn wait_for_close(s: &mut TcpStream, within: Duration) -> (Option<Duration>, String) {
    let start = std::time::Instant::now();
    s.set_read_timeout(Some(within)).unwrap();
    let mut got = Vec::new();
    let mut chunk = [0u8; 4096];
    loop {
        match s.read(&mut chunk) {
            Ok(0) => break,
            Ok(n) => got.extend_from_slice(&chunk[..n]),
            Err(e) if e.kind() == std::io::ErrorKind::ConnectionReset => break,
            Err(_) => return (None, String::from_utf8_lossy(&got).into_owned()),
        }
        if start.elapsed() > within {
            return (None, String::from_utf8_lossy(&got).into_owned());
        }
    }
    (
        Some(start.elapsed()),
        String::from_utf8_lossy(&got).into_owned(),
    )
}

#[test]
fn slow_and_idle_clients_are_cut_off_without_holding_up_others() {
    let rt = runtime();
    let model = hotline();
    let paused = Pacing {
        speed: Speed::Factor(60.0),
        paused: true,
    };
    let limits = Limits {
        max_connections: 64,
        header_timeout: Duration::from_secs(2),
        body_timeout: Duration::from_secs(1),
    };
    let (addr, _run) = start_within(&rt, model, paused, limits);

    // An event stream, open from the start: it is being answered, so it is not idle.
    let mut stream = TcpStream::connect(addr).unwrap();
    stream
        .write_all(format!("GET /api/events HTTP/1.1\r\nHost: {addr}\r\n\r\n").as_bytes())
        .unwrap();

    // Slowloris: a header line every 100 ms, never the blank line that ends them.
    let trickler = std::thread::spawn(move || {
        let mut s = TcpStream::connect(addr).unwrap();
        let start = std::time::Instant::now();
        let _ = s.write_all(format!("GET /api/snapshot HTTP/1.1\r\nHost: {addr}\r\n").as_bytes());
        let mut i = 0;
        while start.elapsed() < Duration::from_secs(10) {
            if s.write_all(format!("X-Slow-{i}: a\r\n").as_bytes())
                .is_err()
            {
                break;
            }
            i += 1;
            std::thread::sleep(Duration::from_millis(100));
        }
        // Writes fail once the server has closed (or soon after: the first write after a
        // close can still succeed); either way it must have closed.
        let closed = wait_for_close(&mut s, Duration::from_secs(1)).0.is_some();
        (start.elapsed(), closed)
    });
    // An idle connection, and one idle after a first request (keep-alive).
    let mut idle = TcpStream::connect(addr).unwrap();
    let mut kept = TcpStream::connect(addr).unwrap();
    kept.write_all(format!("GET /api/snapshot HTTP/1.1\r\nHost: {addr}\r\n\r\n").as_bytes())
        .unwrap();
    // A body that never finishes.
    let mut slow_body = TcpStream::connect(addr).unwrap();
    slow_body
        .write_all(
            format!(
                "POST /api/pause HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\nContent-Length: 40\r\n\r\n{{\"pa"
            )
            .as_bytes(),
        )
        .unwrap();

    // Meanwhile others are served, well before the slow ones are cut off (2 s).
    for _ in 0..20 {
        let start = std::time::Instant::now();
        let (status, _) = request(addr, "GET", "/api/snapshot", b"");
        assert_eq!(status, 200);
        assert!(
            start.elapsed() < Duration::from_secs(1),
            "{:?}",
            start.elapsed()
        );
    }

    let (closed, _) = wait_for_close(&mut idle, Duration::from_secs(5));
    assert!(closed.is_some(), "an idle connection is closed");
    let (closed, sent) = wait_for_close(&mut kept, Duration::from_secs(5));
    assert!(closed.is_some(), "an idle keep-alive connection is closed");
    assert!(sent.starts_with("HTTP/1.1 200"), "{sent}");
    let (closed, sent) = wait_for_close(&mut slow_body, Duration::from_secs(5));
    assert!(closed.is_some(), "a body that never ends is given up on");
    assert!(sent.starts_with("HTTP/1.1 408"), "{sent}");
    let body = sent.split_once("\r\n\r\n").unwrap().1;
    assert!(
        error_of(body).contains("did not arrive within 1 s"),
        "{body}"
    );
    // Well past the header timeout, the event stream still delivers: a command publishes
    // a board, which arrives on it.
    assert_eq!(
        request(addr, "POST", "/api/speed", br#"{"speed": 7}"#).0,
        200
    );
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    let mut seen = Vec::new();
    let mut chunk = [0u8; 8192];
    while !String::from_utf8_lossy(&seen).contains("\"speed\":7.0") {
        let n = stream
            .read(&mut chunk)
            .expect("the event stream is still open");
        assert!(n > 0, "the event stream was closed");
        seen.extend_from_slice(&chunk[..n]);
    }
    let (took, closed) = trickler.join().unwrap();
    assert!(closed, "the slowloris connection is closed");
    assert!(
        took < Duration::from_secs(7),
        "cut off after about the header timeout (2 s), not when it gave up (10 s): {took:?}"
    );
}

#[test]
fn connections_beyond_the_cap_wait_for_a_free_one() {
    let rt = runtime();
    let model = hotline();
    let paused = Pacing {
        speed: Speed::Factor(60.0),
        paused: true,
    };
    let limits = Limits {
        max_connections: 4,
        header_timeout: Duration::from_secs(30),
        body_timeout: Duration::from_secs(30),
    };
    let (addr, _run) = start_within(&rt, model, paused, limits);
    let mut held: Vec<TcpStream> = (0..4).map(|_| TcpStream::connect(addr).unwrap()).collect();
    // Let the server accept those four.
    std::thread::sleep(Duration::from_millis(200));
    let waiting = std::thread::spawn(move || {
        let (status, _) = request(addr, "GET", "/api/snapshot", b"");
        (status, std::time::Instant::now())
    });
    std::thread::sleep(Duration::from_millis(700));
    assert!(!waiting.is_finished(), "a fifth connection waits");
    // One of the four leaves: the fifth is served, and only then.
    let released = std::time::Instant::now();
    held.pop();
    let (status, answered) = waiting.join().unwrap();
    assert_eq!(status, 200);
    assert!(
        answered >= released,
        "answered before a connection was free"
    );
    drop(held);
}
