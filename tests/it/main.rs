//! Integration tests, in one binary: theory checks, invariants, determinism, the CLI.

mod cli;
mod invariants;
mod support;
mod theory;
