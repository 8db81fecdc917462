//! libFuzzer entry for `aegis_fuzz::targets::revealed_call` (run with `cargo +nightly fuzz run revealed_call`).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| aegis_fuzz::targets::revealed_call(data));
