//! Edits a scenario's text in place (with `toml_edit`), so that comments, order and layout
//! survive: `callsim staff --write` fills in the staffing it found.

use toml_edit::{Array, DocumentMut, Item, Table, Value};

use crate::model::ServiceTargets;

/// Values per line of a written `agents_by_interval` list (a morning, an afternoon...).
const PER_LINE: usize = 12;

/// What to write into a scenario.
#[derive(Debug, Clone)]
pub struct StaffingEdit<'a> {
    /// Agents per group (in the file's order) and interval.
    pub agents: &'a [Vec<u32>],
    /// The service-level threshold, seconds, written when `Some`.
    pub threshold_s: Option<f64>,
    /// Targets to record in `[service_level]` (those that are `Some`).
    pub targets: ServiceTargets,
}

/// The scenario `text` with each agent group's headcount replaced by `agents_by_interval`
/// from `edit` (an `agents = N` key becomes `agents_by_interval` in the same place), and the
/// threshold and targets recorded in `[service_level]`. Everything else is kept as written.
///
/// Errors when the text is not TOML or its agent groups do not match `edit.agents`.
pub fn with_staffing(text: &str, edit: &StaffingEdit<'_>) -> Result<String, String> {
    let mut doc: DocumentMut = text
        .parse()
        .map_err(|e| format!("the scenario is not valid TOML: {e}"))?;
    let groups = doc
        .get_mut("agent_groups")
        .ok_or("the scenario has no agent groups")?;
    let count = match &*groups {
        Item::ArrayOfTables(a) => a.len(),
        Item::Value(Value::Array(a)) => a.len(),
        _ => 0,
    };
    if count != edit.agents.len() {
        return Err(format!(
            "the scenario has {count} agent groups, the staffing {}",
            edit.agents.len()
        ));
    }
    match groups {
        Item::ArrayOfTables(tables) => {
            for (table, agents) in tables.iter_mut().zip(edit.agents) {
                set_headcounts(table, agents);
            }
        }
        Item::Value(Value::Array(list)) => {
            for (value, agents) in list.iter_mut().zip(edit.agents) {
                let Value::InlineTable(table) = value else {
                    return Err("an entry of `agent_groups` is not a table".into());
                };
                set_inline_headcounts(table, agents);
            }
        }
        _ => return Err("`agent_groups` is not a list of tables".into()),
    }

    if edit.threshold_s.is_some()
        || edit.targets.service_level.is_some()
        || edit.targets.max_abandon_rate.is_some()
        || edit.targets.max_asa_s.is_some()
        || edit.targets.max_occupancy.is_some()
    {
        let sl = doc
            .entry("service_level")
            .or_insert_with(|| Item::Table(Table::new()));
        // A `[service_level]` table or an inline `service_level = { ... }`.
        let Some(sl) = sl.as_table_like_mut() else {
            return Err("`service_level` is not a table".into());
        };
        let mut set = |key: &str, value: Value| match sl.get_mut(key) {
            Some(Item::Value(old)) => {
                let decor = old.decor().clone();
                *old = value;
                *old.decor_mut() = decor;
            }
            _ => {
                sl.insert(key, Item::Value(value));
            }
        };
        if let Some(t) = edit.threshold_s {
            set("threshold", Value::from(super::format_seconds(t)));
        }
        if let Some(x) = edit.targets.service_level {
            set("target", Value::from(x));
        }
        if let Some(x) = edit.targets.max_abandon_rate {
            set("max_abandon_rate", Value::from(x));
        }
        if let Some(x) = edit.targets.max_asa_s {
            set("max_asa", Value::from(super::format_seconds(x)));
        }
        if let Some(x) = edit.targets.max_occupancy {
            set("max_occupancy", Value::from(x));
        }
    }
    Ok(doc.to_string())
}

/// Replaces `agents` / `agents_by_interval` in one group table, in place, keeping the key's
/// comments and the value's trailing comment.
fn set_headcounts(table: &mut Table, agents: &[u32]) {
    let indent = "agents_by_interval = [".len();
    let mut list = Array::new();
    for (i, &n) in agents.iter().enumerate() {
        list.push(i64::from(n));
        if i > 0 {
            let prefix = if i % PER_LINE == 0 {
                format!("\n{}", " ".repeat(indent))
            } else {
                " ".to_owned()
            };
            if let Some(v) = list.get_mut(i) {
                v.decor_mut().set_prefix(prefix);
            }
        }
    }
    // Rebuild the table in its order, so the new key sits where the old one was.
    let entries: Vec<(toml_edit::Key, Item)> = table
        .iter()
        .filter_map(|(k, _)| table.get_key_value(k))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    let had_list = entries.iter().any(|(k, _)| k.get() == "agents_by_interval");
    table.clear();
    for (key, item) in entries {
        match key.get() {
            "agents" | "agents_by_interval" => {
                if key.get() == "agents" && had_list {
                    continue;
                }
                let mut value = Value::Array(list.clone());
                if let Item::Value(old) = &item {
                    value
                        .decor_mut()
                        .set_suffix(old.decor().suffix().and_then(|s| s.as_str()).unwrap_or(""));
                }
                value.decor_mut().set_prefix(" ");
                let mut new_key = toml_edit::Key::new("agents_by_interval");
                *new_key.leaf_decor_mut() = key.leaf_decor().clone();
                *new_key.dotted_decor_mut() = key.dotted_decor().clone();
                table.insert_formatted(&new_key, Item::Value(value));
            }
            _ => {
                table.insert_formatted(&key, item);
            }
        }
    }
}

/// As [`set_headcounts`], for `agent_groups = [{ name = ..., agents = 4, ... }]`: the list
/// stays on one line.
fn set_inline_headcounts(table: &mut toml_edit::InlineTable, agents: &[u32]) {
    let mut list: Array = agents.iter().map(|&n| i64::from(n)).collect();
    list.fmt();
    let entries: Vec<(toml_edit::Key, Value)> = table
        .iter()
        .filter_map(|(k, _)| table.get_key_value(k))
        .filter_map(|(k, v)| v.as_value().map(|v| (k.clone(), v.clone())))
        .collect();
    let had_list = entries.iter().any(|(k, _)| k.get() == "agents_by_interval");
    table.clear();
    for (key, value) in entries {
        match key.get() {
            "agents" if had_list => {}
            "agents" | "agents_by_interval" => {
                let mut new = Value::Array(list.clone());
                *new.decor_mut() = value.decor().clone();
                let mut new_key = toml_edit::Key::new("agents_by_interval");
                *new_key.leaf_decor_mut() = key.leaf_decor().clone();
                table.insert_formatted(&new_key, new);
            }
            _ => {
                table.insert_formatted(&key, value);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEXT: &str = r#"# My centre
name = "x"

[simulation]
duration = "1h"
interval = "30m"

[service_level]
threshold = "20s"   # the usual

[[call_types]]
name = "general"
arrival_rate = 60
handle_time = { distribution = "exponential", mean = "3m" }

# The only group.
[[agent_groups]]
name = "agents"
# how many
agents = 4        # today
skills = ["general"]
"#;

    #[test]
    fn keeps_comments_and_order() {
        let out = with_staffing(
            TEXT,
            &StaffingEdit {
                agents: &[vec![5, 6]],
                threshold_s: Some(30.0),
                targets: ServiceTargets {
                    service_level: Some(0.8),
                    max_abandon_rate: None,
                    max_asa_s: Some(15.0),
                    max_occupancy: None,
                },
            },
        )
        .unwrap();
        assert!(out.starts_with("# My centre\n"));
        assert!(out.contains("# The only group.\n[[agent_groups]]"));
        assert!(
            out.contains("# how many\nagents_by_interval = [5, 6]        # today\nskills"),
            "{out}"
        );
        assert!(!out.contains("agents = 4"));
        assert!(out.contains("threshold = \"30s\"   # the usual"), "{out}");
        assert!(out.contains("target = 0.8") && out.contains("max_asa = \"15s\""));
        // Valid TOML that parses back.
        let _: DocumentMut = out.parse().unwrap();
    }

    /// A scenario's inline `service_level = { ... }` takes the targets as a `[service_level]`
    /// table does (it was refused after the whole search).
    #[test]
    fn an_inline_service_level_table_is_edited_too() {
        let text = r#"name = "x"
service_level = { threshold = "20s", target = 0.8 }  # the usual
[simulation]
duration = "1h"
[[agent_groups]]
name = "a"
agents = 4
skills = ["g"]
"#;
        let out = with_staffing(
            text,
            &StaffingEdit {
                agents: &[vec![5, 6]],
                threshold_s: Some(30.0),
                targets: ServiceTargets {
                    service_level: Some(0.9),
                    max_abandon_rate: Some(0.05),
                    ..ServiceTargets::default()
                },
            },
        )
        .unwrap();
        let doc: DocumentMut = out.parse().unwrap();
        let sl = doc["service_level"]
            .as_inline_table()
            .expect("still inline");
        assert_eq!(sl.get("threshold").and_then(|v| v.as_str()), Some("30s"));
        assert_eq!(sl.get("target").and_then(|v| v.as_float()), Some(0.9));
        assert_eq!(
            sl.get("max_abandon_rate").and_then(|v| v.as_float()),
            Some(0.05)
        );
        assert!(out.contains("}  # the usual"), "{out}");
    }

    #[test]
    fn inline_group_tables_are_edited_too() {
        let text = r#"agent_groups = [{ name = "a", agents = 4, skills = ["g"] }]  # one group
name = "x"
[simulation]
duration = "1h"
"#;
        let out = with_staffing(
            text,
            &StaffingEdit {
                agents: &[vec![5, 6]],
                threshold_s: None,
                targets: ServiceTargets::default(),
            },
        )
        .unwrap();
        assert!(
            out.contains("agent_groups = [{ name = \"a\", agents_by_interval = [5, 6], skills = [\"g\"] }]  # one group"),
            "{out}"
        );
    }

    #[test]
    fn long_lists_wrap_and_mismatches_are_refused() {
        let text = TEXT.replace("duration = \"1h\"", "duration = \"13h\"");
        let agents: Vec<u32> = (0..26).collect();
        let out = with_staffing(
            &text,
            &StaffingEdit {
                agents: &[agents],
                threshold_s: None,
                targets: ServiceTargets::default(),
            },
        )
        .unwrap();
        assert!(out.contains("[0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11,\n                      12,"));
        assert!(with_staffing(
            TEXT,
            &StaffingEdit {
                agents: &[],
                threshold_s: None,
                targets: ServiceTargets::default()
            }
        )
        .is_err());
    }
}
