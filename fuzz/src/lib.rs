//! Fuzz targets for everything QuantumAegis reads from parties it does not trust.
//!
//! Each target in [`targets`] takes arbitrary bytes and must return without panicking, and
//! checks what must hold of whatever it accepted. [`seeds`] gives, per target, valid inputs
//! (real Intel quotes and collateral, simulated ones, sealed envelopes, well-formed batches)
//! that mutations start from. The same targets run two ways:
//!
//! - coverage-guided under libFuzzer: `cargo +nightly fuzz run <target> --features libfuzzer`
//!   from `fuzz/` (see its README for the seeds and the figures);
//! - as the stable smoke test `tests/smoke.rs`, which feeds every seed and a number of
//!   mutations of them ([`mutate`]) to every target: under a second in CI, or as many
//!   iterations as `AEGIS_FUZZ_ITERATIONS` asks for.

mod dev;
pub mod frame;
pub mod mutate;
pub mod seeds;
pub mod targets;

/// Unix time the simulated collateral and the dev chain are set at (2027-01-15).
pub use aegis_test_support::NOW_SECS;
