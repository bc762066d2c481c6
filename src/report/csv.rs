//! The report as CSV: one row per interval and call type (and per tier, as `type/tier`,
//! and one per interval for all types together), each statistic as a mean column and a
//! `_ci95` column.

use super::{CallBlock, Report};
use crate::stats::Stat;

/// The statistics of a call block as (column name, value) pairs, in column order.
fn columns(b: &CallBlock) -> Vec<(String, &Stat)> {
    b.stats()
        .into_iter()
        .map(|(key, stat)| match key.strip_prefix("wait_s.") {
            Some(p) => (format!("wait_{p}_s"), stat),
            None => (key.to_owned(), stat),
        })
        .collect()
}

fn number(x: Option<f64>) -> String {
    x.map_or_else(String::new, |x| x.to_string())
}

/// The report as CSV text. Undefined statistics are empty cells.
pub fn render(report: &Report) -> Result<String, csv::Error> {
    let mut w = csv::Writer::from_writer(Vec::new());
    let mut header = vec![
        "interval_start_s".to_owned(),
        "interval_start".to_owned(),
        "call_type".to_owned(),
    ];
    for (name, _) in columns(&report.total) {
        header.push(name.clone());
        header.push(format!("{name}_ci95"));
    }
    w.write_record(&header)?;
    for interval in &report.intervals {
        let blocks = interval
            .call_types
            .iter()
            .map(|t| (t.name.as_str(), &t.block))
            .chain(std::iter::once(("(all)", &interval.total)));
        for (name, block) in blocks {
            let mut record = vec![
                interval.start_s.to_string(),
                interval.start.clone(),
                name.to_owned(),
            ];
            for (_, stat) in columns(block) {
                record.push(number(stat.mean));
                record.push(number(stat.ci95));
            }
            w.write_record(&record)?;
        }
    }
    let bytes = w.into_inner().map_err(|e| e.into_error())?;
    Ok(String::from_utf8(bytes).expect("CSV of UTF-8 fields is UTF-8"))
}
