//! The HTML report of a fit (`fit --report fit.html`): one self-contained page (inline CSS
//! and SVG, no script, no font, nothing fetched) with the arrival profile of each call type
//! and its 95 % band (and the weekday profiles), the fitted against the empirical
//! distribution of talk, wrap-up, IVR and redial delays, the Kaplan–Meier patience curve
//! against the fitted one, the re-simulation check, and the text report's tables. The page
//! is well-formed XML (XHTML served as HTML), so it can be checked by any XML parser.

use std::fmt::Write as _;

use super::check::{Check, Pair};
use super::durations::DurationFit;
use super::patience::PatienceFit;
use super::write::{clock, WEEKDAYS};
use super::Fit;
use crate::report::chart::{escape, nice_step, tick_label};

/// One line of a chart.
#[derive(Debug, Clone)]
pub struct Line {
    /// Legend text.
    pub name: String,
    /// CSS colour.
    pub colour: &'static str,
    /// (x, y) points, x ascending.
    pub points: Vec<(f64, f64)>,
    /// (x, low, high) of a 95 % band drawn under the line.
    pub band: Vec<(f64, f64, f64)>,
    /// Drawn as dots, not a line (an empirical sample).
    pub dots: bool,
    /// Drawn as a staircase (a Kaplan–Meier curve).
    pub steps: bool,
}

impl Line {
    fn new(name: impl Into<String>, colour: &'static str, points: Vec<(f64, f64)>) -> Line {
        Line {
            name: name.into(),
            colour,
            points,
            band: Vec::new(),
            dots: false,
            steps: false,
        }
    }
}

const COLOURS: [&str; 6] = [
    "#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b",
];
const W: f64 = 640.0;
const PLOT_H: f64 = 250.0;
const L: f64 = 64.0;
const R: f64 = 16.0;
const T: f64 = 34.0;
/// Below the plot: the x axis, its label, then the legend in two columns.
const B: f64 = 44.0;
const LEGEND_ROW: f64 = 16.0;

/// A chart as inline SVG. `x_clock` labels x (seconds since midnight) as `HH:MM`;
/// `y_max` fixes the top of the y axis (1 for probabilities). The `<svg>` carries
/// `data-points`, the number of points drawn, so a page can be checked for empty charts.
pub fn chart(
    title: &str,
    x_label: &str,
    y_label: &str,
    lines: &[Line],
    x_clock: bool,
    y_max: Option<f64>,
) -> String {
    let xs = lines.iter().flat_map(|l| {
        l.points
            .iter()
            .map(|p| p.0)
            .chain(l.band.iter().map(|b| b.0))
    });
    let (mut x0, mut x1) = xs.fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), x| {
        (a.min(x), b.max(x))
    });
    if !x0.is_finite() {
        (x0, x1) = (0.0, 1.0);
    }
    if x1 <= x0 {
        x1 = x0 + 1.0;
    }
    let top = y_max.unwrap_or_else(|| {
        lines
            .iter()
            .flat_map(|l| {
                l.points
                    .iter()
                    .map(|p| p.1)
                    .chain(l.band.iter().map(|b| b.2))
            })
            .filter(|y| y.is_finite())
            .fold(0.0, f64::max)
            * 1.05
    });
    let top = if top > 0.0 { top } else { 1.0 };
    let (pw, ph) = (W - L - R, PLOT_H);
    let legend_rows = lines.len().div_ceil(2) as f64;
    let height = T + ph + B + legend_rows * LEGEND_ROW + 6.0;
    let px = |x: f64| L + (x - x0) / (x1 - x0) * pw;
    let py = |y: f64| T + (1.0 - (y / top).clamp(0.0, 1.0)) * ph;
    let points: usize = lines.iter().map(|l| l.points.len()).sum();
    let mut s = String::new();
    let _ = writeln!(
        s,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{W}" height="{height}" viewBox="0 0 {W} {height}" data-points="{points}" role="img"><title>{}</title>"#,
        escape(title)
    );
    let _ = writeln!(
        s,
        r##"<text x="{L}" y="22" font-size="15" font-weight="bold" fill="#222">{}</text>"##,
        escape(title)
    );
    let ystep = nice_step(top, 5.0);
    let mut y = 0.0;
    while y <= top + ystep * 1e-9 {
        let _ = writeln!(
            s,
            r##"<line x1="{L}" y1="{:.1}" x2="{:.1}" y2="{:.1}" stroke="{}"/><text x="{:.1}" y="{:.1}" font-size="11" fill="#444" text-anchor="end">{}</text>"##,
            py(y),
            L + pw,
            py(y),
            if y == 0.0 { "#444" } else { "#e5e5e5" },
            L - 6.0,
            py(y) + 4.0,
            tick_label(y, ystep)
        );
        y += ystep;
    }
    let xstep = if x_clock {
        [3600.0, 7200.0, 10800.0, 14400.0]
            .into_iter()
            .find(|st| (x1 - x0) / st <= 9.0)
            .unwrap_or(21_600.0)
    } else {
        nice_step(x1 - x0, 7.0)
    };
    let mut x = (x0 / xstep).ceil() * xstep;
    while x <= x1 + xstep * 1e-9 {
        let label = if x_clock {
            clock(x)
        } else {
            tick_label(x, xstep)
        };
        let _ = writeln!(
            s,
            r##"<line x1="{0:.1}" y1="{1:.1}" x2="{0:.1}" y2="{2:.1}" stroke="#444"/><text x="{0:.1}" y="{3:.1}" font-size="11" fill="#444" text-anchor="middle">{label}</text>"##,
            px(x),
            T + ph,
            T + ph + 4.0,
            T + ph + 17.0
        );
        x += xstep;
    }
    let _ = writeln!(
        s,
        r##"<text x="{:.1}" y="{:.1}" font-size="12" fill="#222" text-anchor="middle">{}</text><text x="14" y="{:.1}" font-size="12" fill="#222" text-anchor="middle" transform="rotate(-90 14 {:.1})">{}</text>"##,
        L + pw / 2.0,
        T + ph + 34.0,
        escape(x_label),
        T + ph / 2.0,
        T + ph / 2.0,
        escape(y_label)
    );
    for (i, line) in lines.iter().enumerate() {
        if !line.band.is_empty() {
            let mut poly = String::new();
            for &(x, lo, _) in &line.band {
                let _ = write!(poly, "{:.1},{:.1} ", px(x), py(lo));
            }
            for &(x, _, hi) in line.band.iter().rev() {
                let _ = write!(poly, "{:.1},{:.1} ", px(x), py(hi));
            }
            let _ = writeln!(
                s,
                r#"<polygon points="{}" fill="{}" fill-opacity="0.18"/>"#,
                poly.trim_end(),
                line.colour
            );
        }
        if line.dots {
            for &(x, y) in &line.points {
                let _ = writeln!(
                    s,
                    r#"<circle cx="{:.1}" cy="{:.1}" r="2.2" fill="{}"/>"#,
                    px(x),
                    py(y),
                    line.colour
                );
            }
        } else if !line.points.is_empty() {
            let mut path = String::new();
            let mut previous: Option<f64> = None;
            for &(x, y) in &line.points {
                if let (true, Some(p)) = (line.steps, previous) {
                    let _ = write!(path, "{:.1},{:.1} ", px(x), py(p));
                }
                let _ = write!(path, "{:.1},{:.1} ", px(x), py(y));
                previous = Some(y);
            }
            let _ = writeln!(
                s,
                r#"<polyline points="{}" fill="none" stroke="{}" stroke-width="2"/>"#,
                path.trim_end(),
                line.colour
            );
        }
        let (lx, ly) = (
            L + (pw / 2.0) * (i % 2) as f64,
            T + ph + B + 8.0 + LEGEND_ROW * (i / 2) as f64,
        );
        let _ = writeln!(
            s,
            r##"<rect x="{lx:.1}" y="{:.1}" width="14" height="4" fill="{}"/><text x="{:.1}" y="{:.1}" font-size="11" fill="#222">{}</text>"##,
            ly - 4.0,
            line.colour,
            lx + 18.0,
            ly,
            escape(&line.name)
        );
    }
    s += "</svg>\n";
    s
}

/// The fitted families' distribution functions against the sample's (its 100 quantiles).
fn duration_chart(title: &str, fit: &DurationFit) -> String {
    let q = &fit.quantiles;
    let x_max = q.last().copied().unwrap_or(1.0);
    let mut lines = vec![Line {
        dots: true,
        ..Line::new(
            format!("log (n = {})", fit.mean.n),
            "#222",
            q.iter()
                .enumerate()
                .map(|(i, &x)| (x, (i as f64 + 0.5) / 100.0))
                .collect(),
        )
    }];
    for (k, f) in fit.families.iter().enumerate() {
        let chosen = if k == fit.best { " (chosen)" } else { "" };
        lines.push(Line::new(
            format!("{}{chosen} KS {:.3}", f.family.name(), f.ks),
            COLOURS[k],
            (0..=120)
                .map(|i| {
                    let x = x_max * f64::from(i) / 120.0;
                    (x, f.family.cdf(f.mean, f.cv, x))
                })
                .collect(),
        ));
    }
    chart(
        title,
        "seconds",
        "P(duration ≤ x)",
        &lines,
        false,
        Some(1.0),
    )
}

/// The Kaplan–Meier survival curve of patience against each fitted family's.
fn patience_chart(title: &str, fit: &PatienceFit) -> String {
    let km = &fit.kaplan_meier;
    let x_max = km.last().map_or(1.0, |p| p.time);
    let mut points = vec![(0.0, 1.0)];
    points.extend(km.iter().map(|p| (p.time, p.survival)));
    let mut lines = vec![Line {
        steps: true,
        ..Line::new(
            format!(
                "Kaplan–Meier ({} abandoned, {} censored)",
                fit.events, fit.censored
            ),
            "#222",
            points,
        )
    }];
    for (k, f) in fit.fits.iter().enumerate() {
        let chosen = if k == fit.chosen { " (chosen)" } else { "" };
        let (mean, cv) = (f.mean.value, f.cv.value);
        lines.push(Line::new(
            format!("{}{chosen} mean {:.0} s", f.family.name(), mean),
            COLOURS[k],
            (0..=120)
                .map(|i| {
                    let x = x_max * f64::from(i) / 120.0;
                    (x, 1.0 - f.family.cdf(mean, cv, x))
                })
                .collect(),
        ));
    }
    chart(
        title,
        "seconds waited",
        "P(still waiting)",
        &lines,
        false,
        Some(1.0),
    )
}

fn check_chart(
    check: &Check,
    title: &str,
    y: &str,
    pick: impl Fn(&super::check::CheckInterval) -> Pair,
    y_max: Option<f64>,
) -> String {
    let side = |sim: bool, name: &str, colour: &'static str| {
        let mut line = Line::new(name, colour, Vec::new());
        for i in &check.intervals {
            let p = pick(i);
            let stat = if sim { p.simulated } else { p.actual };
            if let Some(m) = stat.mean {
                let h = stat.ci95.unwrap_or(0.0);
                line.points.push((i.start_s + check.interval_s / 2.0, m));
                line.band
                    .push((i.start_s + check.interval_s / 2.0, (m - h).max(0.0), m + h));
            }
        }
        line
    };
    chart(
        title,
        "interval of the day",
        y,
        &[
            side(false, "log", "#222"),
            side(true, "simulated", COLOURS[0]),
        ],
        true,
        y_max,
    )
}

/// The whole page. `origin` names the log.
pub fn render(fit: &Fit, check: Option<&Check>, origin: &str) -> String {
    let mut s = String::new();
    let interval = fit.options.interval_s;
    let at = |i: usize| (fit.first_interval + i) as f64 * interval;
    let _ = writeln!(
        s,
        r#"<!DOCTYPE html>
<html xmlns="http://www.w3.org/1999/xhtml" lang="en">
<head>
<meta charset="utf-8"/>
<title>callsim fit: {}</title>
<style>
body {{ font-family: Helvetica, Arial, sans-serif; margin: 24px auto; max-width: 1320px; color: #222; }}
h1 {{ font-size: 22px; }} h2 {{ font-size: 18px; margin-top: 32px; border-bottom: 1px solid #ccc; }}
.charts {{ display: flex; flex-wrap: wrap; gap: 12px; }}
svg {{ font-family: Helvetica, Arial, sans-serif; background: #fff; border: 1px solid #eee; }}
pre {{ background: #f7f7f7; padding: 12px; overflow-x: auto; font-size: 12px; }}
table {{ border-collapse: collapse; font-size: 13px; }} td, th {{ border: 1px solid #ddd; padding: 3px 8px; text-align: right; }}
th:first-child, td:first-child {{ text-align: left; }}
</style>
</head>
<body>
<h1>callsim fit: {}</h1>"#,
        escape(origin),
        escape(origin)
    );
    let total: u64 = fit.types.iter().map(|t| t.calls).sum();
    let _ = writeln!(
        s,
        "<p>{total} calls over {} days, intervals of {} from {}. Every band is a 95 % confidence interval.</p>",
        fit.days.len(),
        crate::scenario::format_seconds(interval),
        clock(at(0))
    );
    s += "<table><tr><th>call type</th><th>calls</th><th>answered</th><th>abandoned</th><th>self-served</th><th>talk</th><th>patience</th></tr>\n";
    for t in &fit.types {
        let talk = t.talk.as_ref().map_or("pooled".to_owned(), |f| {
            let c = f.chosen();
            format!("{} mean {:.1} s, cv {:.2}", c.family.name(), c.mean, c.cv)
        });
        let patience = t
            .patience
            .as_ref()
            .map_or("pooled or none".to_owned(), |p| {
                let c = p.chosen();
                format!(
                    "{} mean {:.1} s [{:.1}, {:.1}]",
                    c.family.name(),
                    c.mean.value,
                    c.mean.lo,
                    c.mean.hi
                )
            });
        let _ = writeln!(
            s,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            escape(&t.name),
            t.calls,
            t.answered,
            t.abandoned,
            t.self_served,
            escape(&talk),
            escape(&patience)
        );
    }
    s += "</table>\n";

    s += "<h2>Arrivals per interval</h2>\n<div class=\"charts\">\n";
    for (k, t) in fit.types.iter().enumerate() {
        let mut line = Line::new("all days fitted", COLOURS[0], Vec::new());
        for (i, r) in t.rates.iter().enumerate() {
            let x = at(i) + interval / 2.0;
            line.points.push((x, r.value));
            line.band.push((x, r.lo, r.hi));
        }
        let mut lines = vec![line];
        for (j, w) in fit.weekday_profiles.iter().enumerate() {
            lines.push(Line::new(
                format!("{} ({} days)", WEEKDAYS[w.weekday], w.days),
                COLOURS[(j + 1) % COLOURS.len()],
                w.rates[k]
                    .iter()
                    .enumerate()
                    .map(|(i, r)| (at(i) + interval / 2.0, r.value))
                    .collect(),
            ));
        }
        s += &chart(
            &format!("{}: calls per hour", t.name),
            "time of day",
            "calls per hour",
            &lines,
            true,
            None,
        );
    }
    s +=
        "</div>\n<h2>Talk and wrap-up times: fitted against the log</h2>\n<div class=\"charts\">\n";
    for t in &fit.types {
        if let Some(f) = &t.talk {
            s += &duration_chart(&format!("{}: talk time", t.name), f);
        }
        if let Some(f) = &t.wrap {
            s += &duration_chart(&format!("{}: wrap-up", t.name), f);
        }
        if let Some(ivr) = &t.ivr {
            s += &duration_chart(&format!("{}: IVR time", t.name), &ivr.time);
        }
    }
    if let Some(f) = &fit.pooled_talk {
        s += &duration_chart("all types: talk time", f);
    }
    if let Some(r) = &fit.redial {
        s += &duration_chart("redial delay (all types)", &r.delay);
    }
    s += "</div>\n<h2>Patience: Kaplan–Meier against the fitted families</h2>\n<div class=\"charts\">\n";
    for t in &fit.types {
        if let Some(p) = &t.patience {
            s += &patience_chart(&format!("{}: patience", t.name), p);
        }
    }
    if let Some(p) = &fit.pooled_patience {
        s += &patience_chart("all types: patience", p);
    }
    s += "</div>\n";
    if let Some(c) = check {
        s += "<h2>Re-simulation against the log</h2>\n<div class=\"charts\">\n";
        s += &check_chart(
            c,
            "service level",
            "fraction",
            |i| i.service_level,
            Some(1.0),
        );
        s += &check_chart(c, "abandon rate", "fraction", |i| i.abandon_rate, None);
        s += &check_chart(c, "ASA", "seconds", |i| i.asa_s, None);
        s += "</div>\n";
        let _ = writeln!(s, "<pre>{}</pre>", escape(&c.text()));
    }
    let _ = writeln!(
        s,
        "<h2>The text report</h2>\n<pre>{}</pre>\n</body>\n</html>",
        escape(&fit.report_text(origin))
    );
    s
}
