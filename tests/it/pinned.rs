//! The numbers are pinned: the JSON report of every shipped scenario (and of the embedded
//! default) is hashed and compared with the hash committed in `tests/pinned-output.txt`.
//! A change that moves any number — a speed-up that reorders draws, a new default — fails
//! here and must be deliberate: re-bless with `CALLSIM_BLESS=1 cargo test --test it pinned`
//! and say in the commit why the numbers moved.

use std::collections::BTreeMap;
use std::path::Path;

use callsim::scenario::Source;
use callsim::RunOptions;
use sha2::{Digest, Sha256};

const PINS: &str = "tests/pinned-output.txt";

/// Replications per scenario: enough to exercise replication streams, few enough to be quick.
const REPLICATIONS: u32 = 2;

fn report_hash(source: &Source) -> String {
    let model = source
        .load()
        .unwrap_or_else(|e| panic!("shipped scenario is invalid: {e}"));
    let options = RunOptions {
        replications: Some(REPLICATIONS),
        threads: Some(2),
        ..Default::default()
    };
    let json = callsim::run(&model, &options).to_json();
    format!("{:x}", Sha256::digest(json.as_bytes()))
}

fn current() -> BTreeMap<String, String> {
    let mut hashes = BTreeMap::new();
    hashes.insert(
        "(default)".to_string(),
        report_hash(&Source::default_scenario()),
    );
    let mut paths: Vec<_> = std::fs::read_dir("scenarios")
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .collect();
    paths.sort();
    for path in paths {
        let source = Source::read(&path).unwrap_or_else(|e| panic!("{e}"));
        hashes.insert(path.display().to_string(), report_hash(&source));
    }
    hashes
}

#[test]
fn the_reports_of_the_shipped_scenarios_are_pinned() {
    let now = current();
    if std::env::var_os("CALLSIM_BLESS").is_some() {
        let text: String = now.iter().map(|(k, v)| format!("{v}  {k}\n")).collect();
        std::fs::write(PINS, text).unwrap();
        return;
    }
    let pinned: BTreeMap<String, String> = std::fs::read_to_string(Path::new(PINS))
        .unwrap_or_else(|e| panic!("{PINS}: {e}; create it with CALLSIM_BLESS=1"))
        .lines()
        .filter_map(|line| line.split_once("  "))
        .map(|(hash, name)| (name.to_string(), hash.to_string()))
        .collect();
    let moved: Vec<&String> = now
        .keys()
        .chain(pinned.keys())
        .filter(|k| now.get(*k) != pinned.get(*k))
        .collect();
    assert!(
        moved.is_empty(),
        "the JSON report moved for {moved:?} (run -r {REPLICATIONS}). If that is deliberate, \
         re-bless with CALLSIM_BLESS=1 cargo test --test it pinned and say why in the commit"
    );
}
