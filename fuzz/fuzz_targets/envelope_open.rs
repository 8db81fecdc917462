//! libFuzzer entry for `aegis_fuzz::targets::envelope_open` (run with `cargo +nightly fuzz run envelope_open`).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| aegis_fuzz::targets::envelope_open(data));
