//! Integration tests, in one binary: theory checks, invariants, determinism, the CLI.

mod cli;
mod erlang;
mod invariants;
mod staffing;
mod support;
mod sweep;
mod theory;
