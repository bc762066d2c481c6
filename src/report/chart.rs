//! Line charts as standalone SVG: measures (fractions) against a swept quantity, each point
//! with its 95 % confidence band, and target lines. Hand-written SVG: no fonts, no system
//! libraries, the same bytes on every machine.

use std::fmt::Write;

/// One line on the chart.
#[derive(Debug, Clone)]
pub struct Series {
    /// Legend text.
    pub name: String,
    /// CSS colour of the line, e.g. `#1f77b4`.
    pub colour: String,
    /// (x, mean, 95 % half-width) per point, x ascending; undefined means are left out.
    pub points: Vec<(f64, Option<f64>, Option<f64>)>,
}

/// A horizontal target line.
#[derive(Debug, Clone)]
pub struct TargetLine {
    /// Label drawn on the line, e.g. "target 80%".
    pub name: String,
    /// Value on the y axis (a fraction).
    pub value: f64,
    /// CSS colour.
    pub colour: String,
}

/// A chart of fractions (drawn as percentages from 0 to 100 %) against x.
#[derive(Debug, Clone)]
pub struct Chart {
    /// The title on top.
    pub title: String,
    /// A second, smaller line under the title.
    pub subtitle: String,
    /// What x is, e.g. "agents in `generalists`".
    pub x_label: String,
    /// The lines.
    pub series: Vec<Series>,
    /// Target lines.
    pub targets: Vec<TargetLine>,
}

const WIDTH: f64 = 880.0;
const HEIGHT: f64 = 520.0;
const LEFT: f64 = 78.0;
const RIGHT: f64 = 130.0;
const TOP: f64 = 104.0;
const BOTTOM: f64 = 64.0;
const FONT: &str = "Helvetica, Arial, sans-serif";

/// A "nice" tick step (1, 2 or 5 × 10^k) giving about `count` ticks over `span`.
pub(crate) fn nice_step(span: f64, count: f64) -> f64 {
    if span <= 0.0 || !span.is_finite() {
        return 1.0;
    }
    let raw = span / count;
    let magnitude = 10f64.powf(raw.log10().floor());
    [1.0, 2.0, 5.0, 10.0]
        .into_iter()
        .map(|m| m * magnitude)
        .find(|s| *s >= raw)
        .unwrap_or(10.0 * magnitude)
}

/// Formats a tick value without trailing noise (`20`, `0.85`).
pub(crate) fn tick_label(x: f64, step: f64) -> String {
    let decimals = if step >= 1.0 {
        0
    } else {
        (-step.log10().floor()) as usize
    };
    format!("{x:.decimals$}")
}

/// `s` escaped for SVG or HTML text and attribute values.
pub(crate) fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// The chart as an SVG document.
pub fn svg(chart: &Chart) -> String {
    let xs: Vec<f64> = chart
        .series
        .iter()
        .flat_map(|s| s.points.iter().map(|p| p.0))
        .collect();
    let (mut x_min, mut x_max) = xs
        .iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), &x| {
            (lo.min(x), hi.max(x))
        });
    if !x_min.is_finite() {
        (x_min, x_max) = (0.0, 1.0);
    }
    if x_max <= x_min {
        (x_min, x_max) = (x_min - 0.5, x_max + 0.5);
    }
    let plot_w = WIDTH - LEFT - RIGHT;
    let plot_h = HEIGHT - TOP - BOTTOM;
    let px = |x: f64| LEFT + (x - x_min) / (x_max - x_min) * plot_w;
    let py = |y: f64| TOP + (1.0 - y.clamp(0.0, 1.0)) * plot_h;

    let mut out = String::new();
    let _ = writeln!(
        out,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{HEIGHT}" viewBox="0 0 {WIDTH} {HEIGHT}" font-family="{FONT}">"#
    );
    let _ = writeln!(
        out,
        r##"<rect width="{WIDTH}" height="{HEIGHT}" fill="#ffffff"/>"##
    );
    let _ = writeln!(
        out,
        r##"<text x="{LEFT}" y="34" font-size="20" font-weight="bold" fill="#222">{}</text>"##,
        escape(&chart.title)
    );
    let _ = writeln!(
        out,
        r##"<text x="{LEFT}" y="56" font-size="13" fill="#555">{}</text>"##,
        escape(&chart.subtitle)
    );

    // Grid and y axis: 0 % to 100 % every 10 %.
    for i in 0..=10 {
        let y = py(f64::from(i) / 10.0);
        let _ = writeln!(
            out,
            r##"<line x1="{LEFT}" y1="{y:.1}" x2="{:.1}" y2="{y:.1}" stroke="{}" stroke-width="1"/>"##,
            LEFT + plot_w,
            if i == 0 { "#444" } else { "#e5e5e5" }
        );
        let _ = writeln!(
            out,
            r##"<text x="{:.1}" y="{:.1}" font-size="12" fill="#444" text-anchor="end">{}%</text>"##,
            LEFT - 8.0,
            y + 4.0,
            i * 10
        );
    }
    // x axis ticks.
    let step = nice_step(x_max - x_min, 8.0);
    let mut tick = (x_min / step).ceil() * step;
    while tick <= x_max + step * 1e-9 {
        let x = px(tick);
        let _ = writeln!(
            out,
            r##"<line x1="{x:.1}" y1="{:.1}" x2="{x:.1}" y2="{:.1}" stroke="#444"/>"##,
            TOP + plot_h,
            TOP + plot_h + 5.0
        );
        let _ = writeln!(
            out,
            r##"<text x="{x:.1}" y="{:.1}" font-size="12" fill="#444" text-anchor="middle">{}</text>"##,
            TOP + plot_h + 20.0,
            tick_label(tick, step)
        );
        tick += step;
    }
    let _ = writeln!(
        out,
        r##"<text x="{:.1}" y="{:.1}" font-size="14" fill="#222" text-anchor="middle">{}</text>"##,
        LEFT + plot_w / 2.0,
        HEIGHT - 18.0,
        escape(&chart.x_label)
    );

    // Targets: dashed, labelled at the right end.
    for target in &chart.targets {
        let y = py(target.value);
        let _ = writeln!(
            out,
            r#"<line x1="{LEFT}" y1="{y:.1}" x2="{:.1}" y2="{y:.1}" stroke="{}" stroke-width="2" stroke-dasharray="8 5"/>"#,
            LEFT + plot_w,
            target.colour
        );
        let _ = writeln!(
            out,
            r#"<text x="{:.1}" y="{:.1}" font-size="12" fill="{}">{}</text>"#,
            LEFT + plot_w + 8.0,
            y + 4.0,
            target.colour,
            escape(&target.name)
        );
    }

    // Series: the confidence band, the line, the points.
    for (i, series) in chart.series.iter().enumerate() {
        let defined: Vec<(f64, f64, f64)> = series
            .points
            .iter()
            .filter_map(|&(x, m, h)| m.map(|m| (x, m, h.unwrap_or(0.0))))
            .collect();
        if defined.is_empty() {
            continue;
        }
        let mut band = String::new();
        for &(x, m, h) in &defined {
            let _ = write!(band, "{:.1},{:.1} ", px(x), py(m + h));
        }
        for &(x, m, h) in defined.iter().rev() {
            let _ = write!(band, "{:.1},{:.1} ", px(x), py(m - h));
        }
        let _ = writeln!(
            out,
            r#"<polygon points="{}" fill="{}" fill-opacity="0.18" stroke="none"/>"#,
            band.trim_end(),
            series.colour
        );
        let line: Vec<String> = defined
            .iter()
            .map(|&(x, m, _)| format!("{:.1},{:.1}", px(x), py(m)))
            .collect();
        let _ = writeln!(
            out,
            r#"<polyline points="{}" fill="none" stroke="{}" stroke-width="2.5" stroke-linejoin="round"/>"#,
            line.join(" "),
            series.colour
        );
        if defined.len() <= 60 {
            for &(x, m, _) in &defined {
                let _ = writeln!(
                    out,
                    r##"<circle cx="{:.1}" cy="{:.1}" r="3.5" fill="{}" stroke="#fff" stroke-width="1"/>"##,
                    px(x),
                    py(m),
                    series.colour
                );
            }
        }
        // Legend entry: in a row between the subtitle and the plot.
        let ly = 80.0;
        let lx = LEFT + 210.0 * i as f64;
        let _ = writeln!(
            out,
            r#"<line x1="{lx:.1}" y1="{ly:.1}" x2="{:.1}" y2="{ly:.1}" stroke="{}" stroke-width="3"/>"#,
            lx + 24.0,
            series.colour
        );
        let _ = writeln!(
            out,
            r##"<text x="{:.1}" y="{:.1}" font-size="13" fill="#222">{}</text>"##,
            lx + 30.0,
            ly + 4.0,
            escape(&series.name)
        );
    }
    let lx = LEFT + 210.0 * chart.series.len() as f64;
    let ly = 80.0;
    let _ = writeln!(
        out,
        r##"<rect x="{lx:.1}" y="{:.1}" width="24" height="10" fill="#888" fill-opacity="0.25"/>"##,
        ly - 5.0
    );
    let _ = writeln!(
        out,
        r##"<text x="{:.1}" y="{:.1}" font-size="12" fill="#555">95% confidence</text>"##,
        lx + 30.0,
        ly + 4.0
    );
    out += "</svg>\n";
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nice_steps() {
        assert_eq!(nice_step(20.0, 8.0), 5.0);
        assert_eq!(nice_step(0.4, 8.0), 0.05);
        assert_eq!(nice_step(100.0, 8.0), 20.0);
        assert_eq!(tick_label(0.85, 0.05), "0.85");
        assert_eq!(tick_label(20.0, 5.0), "20");
    }

    #[test]
    fn a_complete_document() {
        let chart = Chart {
            title: "Service level <& abandon>".into(),
            subtitle: "s".into(),
            x_label: "agents".into(),
            series: vec![Series {
                name: "service level".into(),
                colour: "#1f77b4".into(),
                points: vec![
                    (20.0, Some(0.5), Some(0.02)),
                    (21.0, None, None),
                    (22.0, Some(0.8), Some(0.01)),
                ],
            }],
            targets: vec![TargetLine {
                name: "target 80%".into(),
                value: 0.8,
                colour: "#d62728".into(),
            }],
        };
        let svg = svg(&chart);
        assert!(svg.starts_with("<svg") && svg.ends_with("</svg>\n"));
        assert!(svg.contains("&lt;&amp; abandon&gt;"));
        assert_eq!(svg.matches("<polyline").count(), 1);
        assert!(svg.contains("stroke-dasharray"));
    }
}
