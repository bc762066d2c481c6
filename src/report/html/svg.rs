//! The HTML report's charts as inline SVG, written with `maud` (every text escaped): line
//! charts with 95 % bands and target lines, stacked bars, heat maps and interval (forest)
//! plots. No script and no fonts: the browser draws them as they are, on screen and on paper.
//!
//! SVG elements are always written with a closing tag (`{}`): inside HTML, an SVG element
//! left open would swallow its siblings.

use maud::{html, Markup};

use super::super::chart::nice_step;

/// Drawing area of every chart, in SVG units (scaled to the page's width by CSS).
const WIDTH: f64 = 640.0;
const LEFT: f64 = 56.0;
const RIGHT: f64 = 16.0;
const TOP: f64 = 14.0;
const BOTTOM: f64 = 38.0;

/// A colour per series, distinguishable in print and for most colour-blind readers.
pub const PALETTE: [&str; 8] = [
    "#1f77b4", "#d95f02", "#1b9e77", "#7570b3", "#e7298a", "#66a61e", "#a6761d", "#666666",
];

/// The `i`th palette colour (cycling).
pub fn colour(i: usize) -> &'static str {
    PALETTE[i % PALETTE.len()]
}

/// How the y values read.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Unit {
    /// Fractions, drawn as 0–100 %.
    Percent,
    /// Seconds.
    Seconds,
    /// Counts (calls, agents).
    Count,
}

impl Unit {
    /// A value as it reads on an axis or in a tooltip.
    pub fn format(self, value: f64, step: f64) -> String {
        let decimals = if step >= 1.0 || step <= 0.0 {
            0
        } else {
            (-step.log10().floor()) as usize
        };
        match self {
            Unit::Percent => {
                let d = if step * 100.0 >= 1.0 { 0 } else { 1 };
                format!("{:.d$}%", value * 100.0)
            }
            // Long waits read in minutes.
            Unit::Seconds if step >= 60.0 => {
                let minutes = value / 60.0;
                let d = if (step / 60.0).fract() == 0.0 { 0 } else { 1 };
                format!("{minutes:.d$}m")
            }
            Unit::Seconds => format!("{value:.decimals$}s"),
            Unit::Count => format!("{value:.decimals$}"),
        }
    }
}

/// One line: its points `(x, mean, 95 % half-width)`; undefined means are left out (the
/// line breaks there).
#[derive(Debug, Clone)]
pub struct Line {
    /// Legend text.
    pub name: String,
    /// CSS colour.
    pub colour: &'static str,
    /// Dashed (a second measure of the same series, e.g. p90 beside ASA).
    pub dashed: bool,
    /// Drawn as steps (a cumulative distribution).
    pub steps: bool,
    /// `(x, mean, half-width)`; `None` means leave a gap.
    pub points: Vec<(f64, Option<f64>, Option<f64>)>,
}

/// A horizontal target line, or (with `vertical`) a vertical marker at an x value.
#[derive(Debug, Clone)]
pub struct Marker {
    /// Label, e.g. "target 80%".
    pub name: String,
    /// Where it is drawn.
    pub value: f64,
    /// CSS colour.
    pub colour: &'static str,
    /// A vertical marker at x = value (a threshold on a distribution).
    pub vertical: bool,
}

/// A line chart of one unit against x.
#[derive(Debug, Clone)]
pub struct LineChart {
    /// What the chart shows, e.g. "Service level (20s)".
    pub title: String,
    /// The y unit.
    pub unit: Unit,
    /// Labels of the x ticks: `(x, label)`; empty for numeric ticks.
    pub x_ticks: Vec<(f64, String)>,
    /// What x is.
    pub x_label: String,
    /// The lines.
    pub lines: Vec<Line>,
    /// Targets and thresholds.
    pub markers: Vec<Marker>,
    /// Width and height of the drawing, SVG units (about the CSS pixels it takes).
    pub size: (f64, f64),
}

/// How many x labels fit side by side in `plot_w`.
fn labels_fit(plot_w: f64) -> usize {
    ((plot_w / 50.0).floor() as usize).max(2)
}

/// Formats a coordinate with one decimal.
fn c(v: f64) -> String {
    format!("{v:.1}")
}

/// The y range `[0, top]` of values, rounded up to a nice step; percentages stop at 100 %.
fn y_range(unit: Unit, values: impl Iterator<Item = f64>) -> (f64, f64) {
    let max = values.filter(|v| v.is_finite()).fold(0.0, f64::max);
    let top = match unit {
        Unit::Percent => {
            if max > 0.5 {
                1.0
            } else {
                ((max * 1.15) / 0.1).ceil().max(1.0) * 0.1
            }
        }
        _ if max <= 0.0 => 1.0,
        _ => max * 1.08,
    };
    let step = nice_step(top, 5.0);
    ((top / step).ceil() * step, step)
}

/// The number of points with a defined mean: what a test checks to be sure a chart has data.
pub fn defined_points(lines: &[Line]) -> usize {
    lines
        .iter()
        .map(|l| l.points.iter().filter(|p| p.1.is_some()).count())
        .sum()
}

/// The legend under a chart: a swatch and name per line (and per marker).
fn legend(lines: &[Line], markers: &[Marker]) -> Markup {
    html! {
        ul.legend {
            @for l in lines {
                li {
                    span.swatch.dashed[l.dashed] style=(format!("border-color:{}", l.colour)) {}
                    (l.name)
                }
            }
            @for m in markers {
                li {
                    span.swatch.marker style=(format!("border-color:{}", m.colour)) {}
                    (m.name)
                }
            }
        }
    }
}

impl LineChart {
    /// The chart as a `<figure>` with an inline SVG, its legend and caption.
    pub fn render(&self) -> Markup {
        let xs = self
            .lines
            .iter()
            .flat_map(|l| l.points.iter().map(|p| p.0))
            .chain(self.x_ticks.iter().map(|t| t.0))
            .chain(self.markers.iter().filter(|m| m.vertical).map(|m| m.value));
        let (mut x_min, mut x_max) = xs.fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), x| {
            (lo.min(x), hi.max(x))
        });
        if !x_min.is_finite() {
            (x_min, x_max) = (0.0, 1.0);
        }
        if x_max <= x_min {
            (x_min, x_max) = (x_min - 0.5, x_max + 0.5);
        }
        let ys = self
            .lines
            .iter()
            .flat_map(|l| {
                l.points
                    .iter()
                    .filter_map(|p| p.1.map(|m| m + p.2.unwrap_or(0.0)))
            })
            .chain(self.markers.iter().filter(|m| !m.vertical).map(|m| m.value));
        let (y_max, y_step) = y_range(self.unit, ys);
        let (width, height) = self.size;
        let plot_w = width - LEFT - RIGHT;
        let plot_h = height - TOP - BOTTOM;
        let px = |x: f64| LEFT + (x - x_min) / (x_max - x_min) * plot_w;
        let py = |y: f64| TOP + (1.0 - (y / y_max).clamp(0.0, 1.0)) * plot_h;
        let y_ticks: Vec<f64> = (0..)
            .map(|i| f64::from(i) * y_step)
            .take_while(|y| *y <= y_max + y_step * 1e-9)
            .collect();
        let x_ticks: Vec<(f64, String)> = if self.x_ticks.is_empty() {
            let step = nice_step(x_max - x_min, 7.0);
            let first = (x_min / step).ceil() as i64;
            let last = (x_max / step + 1e-9).floor() as i64;
            (first..=last)
                .map(|i| {
                    let x = i as f64 * step;
                    (x, Unit::Count.format(x, step))
                })
                .collect()
        } else {
            // A label about every 50 units: every n-th.
            let every = self.x_ticks.len().div_ceil(labels_fit(plot_w)).max(1);
            self.x_ticks.iter().step_by(every).cloned().collect()
        };
        let points = defined_points(&self.lines);
        html! {
            figure.chart {
                figcaption { (self.title) }
                svg.chart viewBox=(format!("0 0 {width} {height}")) role="img"
                    aria-label=(self.title) data-points=(points) {
                    @for y in &y_ticks {
                        line x1=(c(LEFT)) x2=(c(LEFT + plot_w)) y1=(c(py(*y))) y2=(c(py(*y)))
                            class=(if *y == 0.0 { "axis" } else { "grid" }) {}
                        text x=(c(LEFT - 6.0)) y=(c(py(*y) + 4.0)) class="tick" text-anchor="end" {
                            (self.unit.format(*y, y_step))
                        }
                    }
                    @for (x, label) in &x_ticks {
                        line x1=(c(px(*x))) x2=(c(px(*x))) y1=(c(TOP + plot_h)) y2=(c(TOP + plot_h + 4.0)) class="axis" {}
                        text x=(c(px(*x))) y=(c(TOP + plot_h + 16.0)) class="tick" text-anchor="middle" { (label) }
                    }
                    text x=(c(LEFT + plot_w / 2.0)) y=(c(height - 4.0)) class="axis-label" text-anchor="middle" { (self.x_label) }
                    @for l in &self.lines {
                        @for run in runs(&l.points) {
                            @let band = band_points(&run, l.steps, &px, &py);
                            @if !band.is_empty() {
                                polygon points=(band) fill=(l.colour) class="band" {}
                            }
                            polyline points=(line_points(&run, l.steps, &px, &py)) stroke=(l.colour)
                                class=(if l.dashed { "line dashed" } else { "line" }) {}
                            @if run.len() <= 48 && !l.steps {
                                @for (x, m, h) in &run {
                                    circle cx=(c(px(*x))) cy=(c(py(*m))) r="2.6" fill=(l.colour) {
                                        title { (l.name) ": " (self.unit.format(*m, y_step / 10.0))
                                            @if *h > 0.0 { " ±" (self.unit.format(*h, y_step / 10.0)) } }
                                    }
                                }
                            }
                        }
                    }
                    @for m in &self.markers {
                        @if m.vertical {
                            line x1=(c(px(m.value))) x2=(c(px(m.value))) y1=(c(TOP)) y2=(c(TOP + plot_h))
                                stroke=(m.colour) class="marker" {}
                        } @else {
                            line x1=(c(LEFT)) x2=(c(LEFT + plot_w)) y1=(c(py(m.value))) y2=(c(py(m.value)))
                                stroke=(m.colour) class="marker" {}
                        }
                    }
                }
                (legend(&self.lines, &self.markers))
            }
        }
    }
}

/// The runs of consecutive defined points of a line: `(x, mean, half-width)`.
fn runs(points: &[(f64, Option<f64>, Option<f64>)]) -> Vec<Vec<(f64, f64, f64)>> {
    let mut out: Vec<Vec<(f64, f64, f64)>> = vec![Vec::new()];
    for &(x, m, h) in points {
        match m {
            Some(m) => out
                .last_mut()
                .expect("never empty")
                .push((x, m, h.unwrap_or(0.0))),
            None if out.last().is_some_and(|r| !r.is_empty()) => out.push(Vec::new()),
            None => {}
        }
    }
    out.retain(|r| !r.is_empty());
    out
}

fn line_points(
    run: &[(f64, f64, f64)],
    steps: bool,
    px: &impl Fn(f64) -> f64,
    py: &impl Fn(f64) -> f64,
) -> String {
    let mut out = Vec::with_capacity(run.len() * 2);
    for (i, &(x, m, _)) in run.iter().enumerate() {
        if steps && i > 0 {
            out.push(format!("{},{}", c(px(x)), c(py(run[i - 1].1))));
        }
        out.push(format!("{},{}", c(px(x)), c(py(m))));
    }
    if run.len() == 1 {
        // A lone point still shows as a short tick.
        let (x, m, _) = run[0];
        out.push(format!("{},{}", c(px(x) + 0.5), c(py(m))));
    }
    out.join(" ")
}

/// The 95 % band around a run (empty when every half-width is 0).
fn band_points(
    run: &[(f64, f64, f64)],
    steps: bool,
    px: &impl Fn(f64) -> f64,
    py: &impl Fn(f64) -> f64,
) -> String {
    if steps || run.iter().all(|p| p.2 <= 0.0) {
        return String::new();
    }
    let upper = run
        .iter()
        .map(|&(x, m, h)| format!("{},{}", c(px(x)), c(py(m + h))));
    let lower = run
        .iter()
        .rev()
        .map(|&(x, m, h)| format!("{},{}", c(px(x)), c(py((m - h).max(0.0)))));
    upper.chain(lower).collect::<Vec<_>>().join(" ")
}

/// One stacked bar's parts: `(value, colour index)` in order from the bottom.
#[derive(Debug, Clone)]
pub struct StackedBars {
    /// What the chart shows.
    pub title: String,
    /// The name of each part (legend), with its colour.
    pub parts: Vec<(String, &'static str)>,
    /// Per bar: its x label and the value of each part.
    pub bars: Vec<(String, Vec<f64>)>,
    /// Width and height of the drawing.
    pub size: (f64, f64),
}

impl StackedBars {
    /// The chart as a `<figure>`.
    pub fn render(&self) -> Markup {
        let (width, height) = self.size;
        let plot_w = width - LEFT - RIGHT;
        let plot_h = height - TOP - BOTTOM;
        let totals = self.bars.iter().map(|b| b.1.iter().sum::<f64>());
        let (y_max, y_step) = y_range(Unit::Count, totals);
        let py = |y: f64| TOP + (1.0 - (y / y_max).clamp(0.0, 1.0)) * plot_h;
        let n = self.bars.len().max(1) as f64;
        let slot = plot_w / n;
        let bar_w = (slot * 0.8).max(0.5);
        let every = self.bars.len().div_ceil(labels_fit(plot_w)).max(1);
        let y_ticks: Vec<f64> = (0..)
            .map(|i| f64::from(i) * y_step)
            .take_while(|y| *y <= y_max + y_step * 1e-9)
            .collect();
        let points = self
            .bars
            .iter()
            .filter(|b| b.1.iter().any(|v| *v > 0.0))
            .count();
        // Each part of each bar: x, top, height, colour, tooltip.
        let mut segments = Vec::new();
        for (i, (label, values)) in self.bars.iter().enumerate() {
            let x = LEFT + slot * i as f64 + (slot - bar_w) / 2.0;
            let mut base = 0.0;
            for (j, &v) in values.iter().enumerate() {
                if v > 0.0 {
                    let (name, colour) = &self.parts[j];
                    let tip = format!("{label} {name}: {v:.1}");
                    segments.push((x, py(base + v), py(base) - py(base + v), *colour, tip));
                }
                base += v;
            }
        }
        html! {
            figure.chart {
                figcaption { (self.title) }
                svg.chart viewBox=(format!("0 0 {width} {height}")) role="img" aria-label=(self.title) data-points=(points) {
                    @for y in &y_ticks {
                        line x1=(c(LEFT)) x2=(c(LEFT + plot_w)) y1=(c(py(*y))) y2=(c(py(*y)))
                            class=(if *y == 0.0 { "axis" } else { "grid" }) {}
                        text x=(c(LEFT - 6.0)) y=(c(py(*y) + 4.0)) class="tick" text-anchor="end" { (Unit::Count.format(*y, y_step)) }
                    }
                    @for (x, y, h, colour, tip) in &segments {
                        rect x=(c(*x)) y=(c(*y)) width=(c(bar_w)) height=(c(*h)) fill=(*colour) { title { (tip) } }
                    }
                    @for (i, (label, _)) in self.bars.iter().enumerate() {
                        @if i % every == 0 {
                            text x=(c(LEFT + slot * (i as f64 + 0.5))) y=(c(TOP + plot_h + 16.0)) class="tick" text-anchor="middle" { (label) }
                        }
                    }
                }
                ul.legend {
                    @for (name, colour) in &self.parts {
                        li { span.swatch.box style=(format!("background:{colour};border-color:{colour}")) {} (name) }
                    }
                }
            }
        }
    }
}

/// A heat map: rows × columns of counts, darker for more.
#[derive(Debug, Clone)]
pub struct HeatMap {
    /// What it shows.
    pub title: String,
    /// Column labels (intervals).
    pub columns: Vec<String>,
    /// Rows: a label and a value per column (`None`: not applicable, drawn blank).
    pub rows: Vec<(String, Vec<Option<u32>>)>,
}

impl HeatMap {
    /// The heat map as a `<figure>` with an HTML table (readable, printable, copyable).
    pub fn render(&self) -> Markup {
        let max = self
            .rows
            .iter()
            .flat_map(|r| r.1.iter().flatten())
            .copied()
            .max()
            .unwrap_or(0)
            .max(1);
        let points = self.rows.iter().flat_map(|r| r.1.iter().flatten()).count();
        html! {
            figure.chart.heat {
                figcaption { (self.title) }
                div.scroll {
                    table.heat data-points=(points) {
                        thead { tr { th {} @for col in &self.columns { th { (col) } } } }
                        tbody {
                            @for (label, values) in &self.rows {
                                tr {
                                    th { (label) }
                                    @for v in values {
                                        @match v {
                                            Some(v) => {
                                                @let share = f64::from(*v) / f64::from(max);
                                                td style=(format!(
                                                    "background:rgba(31,119,180,{:.2});color:{}",
                                                    0.08 + 0.85 * share,
                                                    if share > 0.55 { "#fff" } else { "#111" }
                                                )) { (v) }
                                            }
                                            None => { td.blank {} }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}

/// An interval plot: one row per estimate, its mean and 95 % interval against a reference
/// line (0 for differences).
#[derive(Debug, Clone)]
pub struct Forest {
    /// What it shows, e.g. "Service level, B − A (points)".
    pub title: String,
    /// The unit of the values.
    pub unit: Unit,
    /// Rows: label, mean, half-width, colour.
    pub rows: Vec<(String, Option<f64>, Option<f64>, &'static str)>,
    /// Reference value drawn as a line (0 for differences), with its label.
    pub reference: Option<(f64, String)>,
}

impl Forest {
    /// The plot as a `<figure>`.
    pub fn render(&self) -> Markup {
        let label_w = 190.0;
        let row_h = 22.0;
        let height = TOP + row_h * self.rows.len() as f64 + BOTTOM;
        let plot_w = WIDTH - label_w - RIGHT;
        let mut lo = f64::INFINITY;
        let mut hi = f64::NEG_INFINITY;
        for (_, m, h, _) in &self.rows {
            if let Some(m) = m {
                let h = h.unwrap_or(0.0);
                lo = lo.min(m - h);
                hi = hi.max(m + h);
            }
        }
        if let Some((r, _)) = &self.reference {
            lo = lo.min(*r);
            hi = hi.max(*r);
        }
        if !lo.is_finite() {
            (lo, hi) = (0.0, 1.0);
        }
        if hi <= lo {
            (lo, hi) = (lo - 1.0, hi + 1.0);
        }
        let pad = (hi - lo) * 0.08;
        let (lo, hi) = (lo - pad, hi + pad);
        let step = nice_step(hi - lo, 6.0);
        let px = |x: f64| label_w + (x - lo) / (hi - lo) * plot_w;
        let ticks: Vec<f64> = ((lo / step).ceil() as i64..=(hi / step).floor() as i64)
            .map(|i| i as f64 * step)
            .collect();
        let points = self.rows.iter().filter(|r| r.1.is_some()).count();
        let bottom = TOP + row_h * self.rows.len() as f64;
        html! {
            figure.chart {
                figcaption { (self.title) }
                svg.chart viewBox=(format!("0 0 {WIDTH} {height}")) role="img" aria-label=(self.title) data-points=(points) {
                    @for t in &ticks {
                        line x1=(c(px(*t))) x2=(c(px(*t))) y1=(c(TOP)) y2=(c(bottom)) class="grid" {}
                        text x=(c(px(*t))) y=(c(bottom + 16.0)) class="tick" text-anchor="middle" { (self.unit.format(*t, step)) }
                    }
                    @if let Some((r, name)) = &self.reference {
                        line x1=(c(px(*r))) x2=(c(px(*r))) y1=(c(TOP - 4.0)) y2=(c(bottom)) class="reference" {}
                        text x=(c(px(*r) + 4.0)) y=(c(bottom + 30.0)) class="tick" { (name) }
                    }
                    @for (i, (label, m, h, colour)) in self.rows.iter().enumerate() {
                        @let y = TOP + row_h * (i as f64 + 0.5);
                        text x=(c(label_w - 8.0)) y=(c(y + 4.0)) class="row-label" text-anchor="end" { (label) }
                        @if let Some(m) = m {
                            @let h = h.unwrap_or(0.0);
                            line x1=(c(px(m - h))) x2=(c(px(m + h))) y1=(c(y)) y2=(c(y)) stroke=(*colour) class="whisker" {}
                            circle cx=(c(px(*m))) cy=(c(y)) r="4" fill=(*colour) {
                                title { (label) ": " (self.unit.format(*m, step / 10.0)) " ±" (self.unit.format(h, step / 10.0)) }
                            }
                        } @else {
                            text x=(c(label_w + 4.0)) y=(c(y + 4.0)) class="tick" { "no data" }
                        }
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn runs_break_at_undefined_points() {
        let r = runs(&[
            (0.0, Some(1.0), None),
            (1.0, None, None),
            (2.0, Some(2.0), Some(0.5)),
            (3.0, Some(3.0), None),
        ]);
        assert_eq!(
            r,
            vec![
                vec![(0.0, 1.0, 0.0)],
                vec![(2.0, 2.0, 0.5), (3.0, 3.0, 0.0)]
            ]
        );
    }

    #[test]
    fn a_line_chart_escapes_and_counts_its_points() {
        let chart = LineChart {
            title: "SL <b>&".into(),
            unit: Unit::Percent,
            x_ticks: vec![(0.0, "08:00".into()), (1.0, "08:30".into())],
            x_label: "interval".into(),
            lines: vec![Line {
                name: "a\"b".into(),
                colour: colour(0),
                dashed: false,
                steps: false,
                points: vec![(0.0, Some(0.8), Some(0.05)), (1.0, Some(0.7), Some(0.04))],
            }],
            markers: vec![Marker {
                name: "target 80%".into(),
                value: 0.8,
                colour: "#c00",
                vertical: false,
            }],
            size: (640.0, 220.0),
        };
        let html = chart.render().into_string();
        assert!(html.contains("SL &lt;b&gt;&amp;"), "{html}");
        assert!(html.contains("a&quot;b") || html.contains("a\"b</li>"));
        assert!(html.contains("data-points=\"2\""));
        assert!(html.contains("<polygon"), "a band is drawn");
        assert!(!html.contains("<b>"));
    }

    #[test]
    fn percent_axes_stop_at_100_and_small_shares_zoom_in() {
        assert_eq!(y_range(Unit::Percent, [0.93].into_iter()).0, 1.0);
        let (top, _) = y_range(Unit::Percent, [0.04].into_iter());
        assert!((top - 0.1).abs() < 1e-12, "{top}");
    }
}
