//! The scenario loader on arbitrary bytes: parse and validate must return a model or an
//! error, never panic. Run with `cargo +nightly fuzz run scenario` (see the README).
#![no_main]

use callsim::scenario::Source;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        let source = Source {
            origin: "<fuzz>".to_owned(),
            text: text.to_owned(),
        };
        if let Err(e) = source.load() {
            // Rendering the error (with its caret line) must not panic either.
            let _ = e.to_string();
        }
    }
});
