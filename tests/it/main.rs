//! Integration tests, in one binary: theory checks, invariants, determinism, the CLI.

mod cli;
mod contract;
mod invariants;
mod real_day;
mod routing;
mod support;
mod theory;
