//! libFuzzer entry for `aegis_fuzz::targets::revealed_call` (run from the repository root with `cargo +nightly fuzz run --fuzz-dir fuzz --features libfuzzer revealed_call`).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| aegis_fuzz::targets::revealed_call(data));
