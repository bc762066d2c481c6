//! The wallboard in a real browser: headless Chromium loads the page from `callsim live`,
//! and the numbers must appear (rendered by the page's script) and change.
//!
//! Skipped, with a message, when `/usr/bin/chromium` is absent, unless `CI=true`: CI
//! installs it (`.ci/run`), so there a missing browser is a failure. The screenshot is kept
//! under `target/` as a test artefact.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const CHROMIUM: &str = "/usr/bin/chromium";

/// Kills the child (by its own handle) when the test ends, however it ends.
struct Reaper(Child);

impl Drop for Reaper {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Runs headless Chromium with `args` on `url`; its stdout. Bounded by a deadline.
fn chromium(args: &[&str], url: &str) -> String {
    let profile = tempfile::tempdir().unwrap();
    let child = Command::new(CHROMIUM)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--window-size=1280,860",
            "--timeout=3000",
        ])
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .args(args)
        .arg(url)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("chromium starts");
    let mut child = Reaper(child);
    let deadline = Instant::now() + Duration::from_secs(90);
    loop {
        if child.0.try_wait().unwrap().is_some() {
            break;
        }
        assert!(Instant::now() < deadline, "chromium did not finish in 90 s");
        std::thread::sleep(Duration::from_millis(50));
    }
    let mut out = String::new();
    std::io::Read::read_to_string(child.0.stdout.as_mut().unwrap(), &mut out).unwrap();
    out
}

/// The text of the element with `id` in a DOM dump.
fn text_of(dom: &str, id: &str) -> String {
    let marker = format!("id=\"{id}\"");
    let start = dom
        .find(&marker)
        .unwrap_or_else(|| panic!("no #{id} in the page"));
    let rest = &dom[start..];
    let open = rest.find('>').unwrap() + 1;
    let close = rest[open..].find('<').unwrap();
    rest[open..open + close].to_owned()
}

fn seconds_of(clock: &str) -> u32 {
    let parts: Vec<u32> = clock
        .split(':')
        .map(|p| p.parse().unwrap_or_else(|_| panic!("not a clock: {clock}")))
        .collect();
    parts[0] * 3600 + parts[1] * 60 + parts[2]
}

#[test]
fn the_wallboard_shows_live_numbers_in_a_browser() {
    if !Path::new(CHROMIUM).exists() {
        if std::env::var("CI").as_deref() == Ok("true") {
            panic!("{CHROMIUM} is missing on CI: .ci/run installs it (apt-get install chromium)");
        }
        eprintln!(
            "SKIPPED the_wallboard_shows_live_numbers_in_a_browser: {CHROMIUM} is not installed \
             (apt-get install chromium to run it; required when CI=true)"
        );
        return;
    }
    let live = Command::new(env!("CARGO_BIN_EXE_callsim"))
        .args(["live", "--port", "0", "--speed", "600"])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut live = Reaper(live);
    let mut line = String::new();
    BufReader::new(live.0.stderr.as_mut().unwrap())
        .read_line(&mut line)
        .unwrap();
    let url = line
        .split_whitespace()
        .find(|w| w.starts_with("http://127.0.0.1:"))
        .unwrap_or_else(|| panic!("no URL on stderr: {line}"))
        .to_owned();
    // Let some calls end, so that every tile has a number.
    std::thread::sleep(Duration::from_millis(1500));

    let first = chromium(&["--dump-dom"], &url);
    std::thread::sleep(Duration::from_millis(1500));
    let second = chromium(&["--dump-dom"], &url);
    for dom in [&first, &second] {
        let updates: u32 = text_of(dom, "updates").parse().unwrap();
        assert!(updates >= 1, "the script rendered at least one board");
        assert!(
            text_of(dom, "sl-today").ends_with('%'),
            "a service level appears"
        );
        assert!(
            text_of(dom, "waiting").parse::<u32>().is_ok(),
            "a queue length appears"
        );
        assert!(
            text_of(dom, "agents").parse::<u32>().unwrap() > 0,
            "agents appear"
        );
        assert_eq!(text_of(dom, "scenario"), "Mobile operator hotline, weekday");
    }
    let (a, b) = (text_of(&first, "clock"), text_of(&second, "clock"));
    assert!(
        seconds_of(&b) > seconds_of(&a) + 300,
        "the clock moves (600×): {a} then {b}"
    );
    assert_ne!(
        text_of(&first, "sl-interval-sub"),
        text_of(&second, "sl-interval-sub"),
        "the counts change"
    );

    let shot: PathBuf = Path::new(env!("CARGO_TARGET_TMPDIR")).join("wallboard.png");
    let _ = std::fs::remove_file(&shot);
    chromium(&[&format!("--screenshot={}", shot.display())], &url);
    let png = std::fs::read(&shot).expect("the screenshot is written");
    assert!(png.starts_with(b"\x89PNG") && png.len() > 10_000);
    eprintln!("wallboard screenshot: {}", shot.display());
}

/// Runs headless Chromium with `args` on `url`, logging the page's console to stderr; its
/// stdout and the console lines. Bounded by a deadline.
fn chromium_with_console(args: &[&str], url: &str) -> (String, Vec<String>) {
    let profile = tempfile::tempdir().unwrap();
    // Both to files: a DOM larger than a pipe's buffer would block Chromium until read.
    let log = profile.path().join("stderr.log");
    let dump = profile.path().join("stdout.html");
    let child = Command::new(CHROMIUM)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--enable-logging=stderr",
            "--v=0",
            "--window-size=1320,2400",
            "--hide-scrollbars",
        ])
        .arg(format!(
            "--user-data-dir={}",
            profile.path().join("p").display()
        ))
        .args(args)
        .arg(url)
        .stdout(std::fs::File::create(&dump).unwrap())
        .stderr(std::fs::File::create(&log).unwrap())
        .spawn()
        .expect("chromium starts");
    let mut child = Reaper(child);
    let deadline = Instant::now() + Duration::from_secs(90);
    while child.0.try_wait().unwrap().is_none() {
        assert!(Instant::now() < deadline, "chromium did not finish in 90 s");
        std::thread::sleep(Duration::from_millis(50));
    }
    let out = std::fs::read_to_string(&dump).unwrap_or_default();
    let console = std::fs::read_to_string(&log)
        .unwrap_or_default()
        .lines()
        .filter(|l| l.contains(":CONSOLE"))
        .map(str::to_owned)
        .collect();
    (out, console)
}

#[test]
fn the_html_report_renders_in_a_browser_without_console_messages() {
    if !Path::new(CHROMIUM).exists() {
        if std::env::var("CI").as_deref() == Ok("true") {
            panic!("{CHROMIUM} is missing on CI: .ci/run installs it (apt-get install chromium)");
        }
        eprintln!(
            "SKIPPED the_html_report_renders_in_a_browser_without_console_messages: {CHROMIUM} is \
             not installed (apt-get install chromium to run it; required when CI=true)"
        );
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    // The probe hears the console: a page that logs an error is caught.
    let probe = dir.path().join("probe.html");
    std::fs::write(
        &probe,
        "<!DOCTYPE html><p>probe</p><script>console.error('probe-error')</script>",
    )
    .unwrap();
    let (_, console) =
        chromium_with_console(&["--dump-dom"], &format!("file://{}", probe.display()));
    assert!(
        console.iter().any(|l| l.contains("probe-error")),
        "the console probe hears nothing: {console:?}"
    );

    let scenario = dir.path().join("hostile.toml");
    std::fs::write(&scenario, super::html::HOSTILE).unwrap();
    for (name, args) in [
        (
            "run",
            vec!["run", "scenarios/telecom-tiers.toml", "-r", "4"],
        ),
        ("run-hostile", vec!["run", scenario.to_str().unwrap()]),
        (
            "compare",
            vec![
                "compare",
                "scenarios/telecom-tiers.toml",
                "--policy",
                "skill-priority",
                "--policy",
                "priority",
                "-r",
                "4",
            ],
        ),
    ] {
        let page = dir.path().join(format!("{name}.html"));
        let out = Command::new(env!("CARGO_BIN_EXE_callsim"))
            .args(&args)
            .args(["--format", "html", "--output", page.to_str().unwrap()])
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let url = format!("file://{}", page.display());
        let (dom, console) = chromium_with_console(&["--dump-dom"], &url);
        assert!(console.is_empty(), "{name}: console messages: {console:?}");
        // The browser's own DOM: every chart is there and drawn from data.
        let charts = super::html::assert_every_chart_has_data(&dom);
        assert!(charts >= 6, "{name}: {charts} charts in the rendered page");
        assert!(
            ["<polyline", "<rect", "<circle"]
                .iter()
                .map(|shape| dom.matches(shape).count())
                .sum::<usize>()
                > charts,
            "{name}: lines, bars and points are drawn"
        );
        assert!(!dom.contains("<script"), "{name}: nothing ran");
        let shot = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("report-{name}.png"));
        let _ = std::fs::remove_file(&shot);
        chromium_with_console(&[&format!("--screenshot={}", shot.display())], &url);
        let png = std::fs::read(&shot).expect("the screenshot is written");
        assert!(
            png.starts_with(b"\x89PNG") && png.len() > 20_000,
            "{name}: a picture"
        );
        eprintln!("HTML report screenshot: {}", shot.display());
    }
}
