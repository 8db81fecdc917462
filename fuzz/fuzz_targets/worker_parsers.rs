//! libFuzzer entry for `aegis_fuzz::targets::worker_parsers` (run with `cargo +nightly fuzz run worker_parsers`).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| aegis_fuzz::targets::worker_parsers(data));
