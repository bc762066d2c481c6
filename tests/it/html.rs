//! `--format html` of `run`, `compare`, `sweep` and `staff`: one self-contained page (no
//! script, nothing fetched), every chart drawn from data, every name from the scenario
//! escaped, and the figures those of the JSON report. The page in a real browser is in
//! `browser.rs`.

use crate::support::callsim;
use callsim::scenario::Source;
use callsim::RunOptions;

/// The page `args` print, checked to succeed.
fn page(args: &[&str]) -> String {
    let out = callsim(args);
    assert!(
        out.status.success(),
        "callsim {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("UTF-8")
}

/// Names with every character HTML gives a meaning to.
pub const HOSTILE: &str = r#"
name = "<script>alert('scenario')</script> & \"Co\""
[simulation]
duration = "2h"
warmup = "0s"
replications = 3
seed = 5
interval = "30m"
start_time = "08:00"
[service_level]
threshold = "20s"
target = 0.8
max_abandon_rate = 0.05
[[call_types]]
name = "<img src=x onerror=alert(1)>"
arrival_rate = 150
handle_time = { distribution = "exponential", mean = "3m" }
patience = { distribution = "exponential", mean = "2m" }
tiers = [
  { name = "<td>gold \"vip\"", share = 0.3, service_level = { threshold = "10s", target = 0.9 } },
  { name = "basic & co", share = 0.7 },
]
[[call_types]]
name = "plain"
arrival_rate = 60
handle_time = { distribution = "exponential", mean = "4m" }
[[agent_groups]]
name = "<svg onload=alert(2)>"
agents = 8
skills = ["<img src=x onerror=alert(1)>"]
[[agent_groups]]
name = "'quoted' \"group\""
agents = 5
skills = ["plain", "<img src=x onerror=alert(1)>"]
"#;

/// Asserts that `page` is one HTML document that needs nothing from elsewhere: no script,
/// no stylesheet, image, frame or font to fetch, no URL but SVG's namespace.
pub fn assert_self_contained(page: &str) {
    assert!(page.starts_with("<!DOCTYPE html>"), "a document");
    assert!(page.trim_end().ends_with("</html>"), "a complete document");
    let lower = page.to_ascii_lowercase();
    for tag in [
        "<script", "<link", "<img", "<iframe", "<object", "<embed", "@import", "url(",
    ] {
        assert!(!lower.contains(tag), "the page has {tag}");
    }
    for (at, _) in lower.match_indices("http") {
        assert!(
            lower[..at].ends_with("xmlns=\"")
                && lower[at..].starts_with("http://www.w3.org/2000/svg\""),
            "the page names a URL: {}",
            &page[at.saturating_sub(40)..(at + 60).min(page.len())]
        );
    }
    for attribute in [" src=\"", " href=\""] {
        assert!(!lower.contains(attribute), "the page links with{attribute}");
    }
}

/// The number of charts (SVG charts and heat maps); asserts that every one has data.
pub fn assert_every_chart_has_data(page: &str) -> usize {
    let mut charts = 0;
    for start in ["<svg class=\"chart\"", "<table class=\"heat\""] {
        for (at, _) in page.match_indices(start) {
            let tag = &page[at..at + page[at..].find('>').expect("a closed tag")];
            let points: usize = tag
                .split("data-points=\"")
                .nth(1)
                .and_then(|rest| rest.split('"').next())
                .and_then(|n| n.parse().ok())
                .unwrap_or_else(|| panic!("a chart without data-points: {tag}"));
            assert!(points > 0, "a chart without data: {tag}");
            charts += 1;
        }
    }
    charts
}

/// Asserts that none of the hostile names reaches the page as markup.
fn assert_escaped(page: &str) {
    for raw in [
        "<script>",
        "<img src=x",
        "<svg onload",
        "<td>gold",
        "alert('scenario')</script>",
    ] {
        assert!(!page.contains(raw), "unescaped: {raw}");
    }
    assert!(page.contains("&lt;script&gt;alert('scenario')&lt;/script&gt; &amp; &quot;Co&quot;"));
    assert!(page.contains("&lt;img src=x onerror=alert(1)&gt;"));
}

fn hostile_file() -> (tempfile::TempDir, String) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("hostile.toml");
    std::fs::write(&path, HOSTILE).unwrap();
    let path = path.display().to_string();
    (dir, path)
}

#[test]
fn a_run_page_is_self_contained_with_every_chart_drawn() {
    let html = page(&[
        "run",
        "scenarios/telecom-tiers.toml",
        "-r",
        "3",
        "--format",
        "html",
    ]);
    assert_self_contained(&html);
    // Through the day: calls, agents, occupancy; per call type: service level, waits, CDF.
    assert_eq!(assert_every_chart_has_data(&html), 6);
    for text in [
        "Headline",
        "Waiting-time distribution",
        "diamond threshold 10s",
        "Erlang A requirement",
        "mobile / gold",
    ] {
        assert!(html.contains(text), "no {text:?}");
    }
    // Each tier against its own target: diamond is held to 90 % within 10 s.
    let diamond = &html[html.find("mobile / diamond").unwrap()..];
    let row = &diamond[..diamond.find("</tr>").unwrap()];
    assert!(row.contains("10s") && row.contains("≥ 90%"), "{row}");
    assert!(row.contains("class=\"mark"), "a met / missed mark: {row}");
}

#[test]
fn one_replication_shows_no_interval() {
    let html = page(&[
        "run",
        "scenarios/erlang-c.toml",
        "-r",
        "1",
        "--format",
        "html",
    ]);
    assert_self_contained(&html);
    assert!(html.contains("One replication: no confidence interval"));
    let headline = &html[..html.find("Through the day").unwrap()];
    assert!(!headline.contains('±'), "no ± without an interval");
}

#[test]
fn every_name_is_escaped_on_every_page() {
    let (_dir, path) = hostile_file();
    let run = page(&["run", &path, "--format", "html"]);
    let compare = page(&[
        "compare",
        &path,
        "--policy",
        "skill-priority",
        "--policy",
        "priority",
        "--format",
        "html",
    ]);
    let sweep = page(&[
        "sweep", &path, "--scale", "0.9..1.1", "--step", "0.1", "-q", "--format", "html",
    ]);
    let staff = page(&["staff", &path, "-r", "4", "-q", "--format", "html"]);
    for (verb, html) in [
        ("run", &run),
        ("compare", &compare),
        ("sweep", &sweep),
        ("staff", &staff),
    ] {
        assert_self_contained(html);
        assert_escaped(html);
        assert!(assert_every_chart_has_data(html) >= 3, "{verb}: charts");
    }
    assert!(run.contains("&lt;td&gt;gold &quot;vip&quot;"));
    assert!(run.contains("&lt;svg onload=alert(2)&gt;"));
    assert!(run.contains("&#39;quoted&#39;") || run.contains("'quoted' &quot;group&quot;"));
    assert!(compare.contains("Paired differences"));
    assert!(staff.contains("Agents found, per group and interval"));
    assert!(sweep.contains("The curve"));
}

#[test]
fn the_page_reports_the_run_and_pools_every_answered_wait() {
    let model = Source::read(std::path::Path::new("scenarios/telecom-tiers.toml"))
        .unwrap()
        .load()
        .unwrap();
    let options = RunOptions {
        replications: Some(3),
        threads: Some(2),
        ..Default::default()
    };
    let (report, waits) = callsim::run_with_waits(&model, &options);
    assert_eq!(report.to_json(), callsim::run(&model, &options).to_json());
    // Every answered call's wait, per tier: the tier's answered count over replications.
    let t = &report.call_types[0];
    assert_eq!(waits.len(), model.classes.len());
    for (tier, w) in t.tiers.iter().zip(&waits) {
        let pooled = w.with_histogram(|h| h.len()) as f64;
        let answered = tier.block.answered.mean.unwrap() * 3.0;
        assert!((pooled - answered).abs() < 1e-6, "{pooled} vs {answered}");
    }
}
