//! Scenario errors that point at the exact place in the file and say how to fix it.

use std::fmt;
use std::ops::Range;

/// One step of a path into the scenario document: a key or an array index.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Segment {
    /// A table key.
    Key(String),
    /// A position in an array (0-based).
    Index(usize),
}

/// Where in the document a field lives, e.g. `call_types[1].arrival_rate`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FieldPath(pub Vec<Segment>);

impl FieldPath {
    /// The path extended by a key.
    pub fn key(&self, key: &str) -> FieldPath {
        let mut segments = self.0.clone();
        segments.push(Segment::Key(key.to_owned()));
        FieldPath(segments)
    }

    /// The path extended by an array index.
    pub fn index(&self, index: usize) -> FieldPath {
        let mut segments = self.0.clone();
        segments.push(Segment::Index(index));
        FieldPath(segments)
    }
}

impl fmt::Display for FieldPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, segment) in self.0.iter().enumerate() {
            match segment {
                Segment::Key(key) if i == 0 => write!(f, "{key}")?,
                Segment::Key(key) => write!(f, ".{key}")?,
                Segment::Index(index) => write!(f, "[{index}]")?,
            }
        }
        Ok(())
    }
}

/// A scenario that cannot be used, with everything needed to fix it (boxed: errors are
/// rare, results are passed around often).
#[derive(Debug, Clone, PartialEq)]
pub struct ScenarioError(Box<ErrorDetails>);

/// What a [`ScenarioError`] says.
#[derive(Debug, Clone, PartialEq)]
pub struct ErrorDetails {
    /// The file (or `<default scenario>` / `<string>`) the scenario came from.
    pub origin: String,
    /// 1-based line and column of the offending text, when known.
    pub position: Option<(usize, usize)>,
    /// The offending source line, for display.
    pub source_line: Option<String>,
    /// The field at fault, when there is one.
    pub field: Option<String>,
    /// What is wrong.
    pub message: String,
    /// What would be right.
    pub help: Option<String>,
}

impl std::ops::Deref for ScenarioError {
    type Target = ErrorDetails;
    fn deref(&self) -> &ErrorDetails {
        &self.0
    }
}

impl ScenarioError {
    /// An error about the file as a whole (missing, unreadable, empty, binary).
    pub fn file(origin: &str, message: impl Into<String>, help: Option<String>) -> ScenarioError {
        ScenarioError(Box::new(ErrorDetails {
            origin: origin.to_owned(),
            position: None,
            source_line: None,
            field: None,
            message: message.into(),
            help,
        }))
    }

    /// An error at a byte range of `source`.
    pub fn at_span(
        origin: &str,
        source: &str,
        span: Option<Range<usize>>,
        field: Option<String>,
        message: impl Into<String>,
        help: Option<String>,
    ) -> ScenarioError {
        let (position, source_line) = match span {
            Some(span) => {
                let (line, column) = line_column(source, span.start);
                let text = source.lines().nth(line - 1).map(str::to_owned);
                (Some((line, column)), text)
            }
            None => (None, None),
        };
        ScenarioError(Box::new(ErrorDetails {
            origin: origin.to_owned(),
            position,
            source_line,
            field,
            message: message.into(),
            help,
        }))
    }
}

/// 1-based line and column (in characters) of byte `offset` in `source`.
fn line_column(source: &str, offset: usize) -> (usize, usize) {
    let offset = offset.min(source.len());
    let before = &source[..floor_char_boundary(source, offset)];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let column = before[line_start..].chars().count() + 1;
    (line, column)
}

fn floor_char_boundary(s: &str, mut index: usize) -> usize {
    while !s.is_char_boundary(index) {
        index -= 1;
    }
    index
}

impl fmt::Display for ScenarioError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.origin)?;
        if let Some((line, column)) = self.position {
            write!(f, ":{line}:{column}")?;
        }
        if let Some(field) = &self.field {
            write!(f, ": `{field}`")?;
        }
        write!(f, ": {}", self.message)?;
        if let (Some((line, column)), Some(text)) = (self.position, &self.source_line) {
            let (excerpt, caret) = excerpt(text, column);
            let gutter = " ".repeat(line.to_string().len());
            let pad = " ".repeat(caret - 1);
            write!(f, "\n {line} | {excerpt}\n {gutter} | {pad}^")?;
        }
        if let Some(help) = &self.help {
            write!(f, "\n  help: {help}")?;
        }
        Ok(())
    }
}

impl std::error::Error for ScenarioError {}

/// Characters of a source line shown on each side of the error's column.
const EXCERPT_RADIUS: usize = 40;

/// The part of `line` around 1-based character `column` worth showing (long lines are cut
/// to a window, marked with `…`), and the caret's 1-based column in it.
fn excerpt(line: &str, column: usize) -> (String, usize) {
    let length = line.chars().count();
    let column = column.clamp(1, length + 1);
    let first = column.saturating_sub(EXCERPT_RADIUS + 1);
    let last = (column + EXCERPT_RADIUS).min(length);
    let mut text: String = line.chars().skip(first).take(last - first).collect();
    let mut caret = column - first;
    if first > 0 {
        text.insert(0, '…');
        caret += 1;
    }
    if last < length {
        text.push('…');
    }
    (text, caret)
}

/// A number as messages show it: as written for everyday magnitudes, in scientific notation
/// beyond them (`1e308`, not 309 digits).
pub fn shown(x: f64) -> String {
    if x.is_finite() && x != 0.0 && !(1e-4..1e15).contains(&x.abs()) {
        format!("{x:e}")
    } else {
        format!("{x}")
    }
}

/// Finds the byte range of the value at `path` in a TOML document, for error positions.
/// Falls back to the nearest enclosing item that exists (a missing key points at its table).
pub fn locate(source: &str, path: &FieldPath) -> Option<Range<usize>> {
    let document = toml_edit::Document::parse(source).ok()?;
    let mut item: &toml_edit::Item = document.as_item();
    let mut best = None;
    for segment in &path.0 {
        let next = match segment {
            Segment::Key(key) => item.get(key.as_str()),
            Segment::Index(index) => item.get(*index),
        };
        let Some(next) = next else { break };
        best = next.span().or(best);
        item = next;
    }
    best
}
