//! libFuzzer entry for `aegis_fuzz::targets::verify_quote` (run with `cargo +nightly fuzz run verify_quote`).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| aegis_fuzz::targets::verify_quote(data));
