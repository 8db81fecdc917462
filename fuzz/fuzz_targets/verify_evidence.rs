//! libFuzzer entry for `aegis_fuzz::targets::verify_evidence` (run from the repository root with `cargo +nightly fuzz run --fuzz-dir fuzz --features libfuzzer verify_evidence`).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| aegis_fuzz::targets::verify_evidence(data));
