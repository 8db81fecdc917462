//! libFuzzer entry for `aegis_fuzz::targets::batch` (run with `cargo +nightly fuzz run batch`).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| aegis_fuzz::targets::batch(data));
