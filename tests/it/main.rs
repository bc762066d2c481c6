//! Integration tests, in one binary: theory checks, invariants, determinism, the CLI.

mod cli;
mod contract;
mod erlang;
mod invariants;
mod real_day;
mod routing;
mod staffing;
mod support;
mod sweep;
mod theory;
