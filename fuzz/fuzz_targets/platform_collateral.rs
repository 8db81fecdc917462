//! libFuzzer entry for `aegis_fuzz::targets::platform_collateral` (run with `cargo +nightly fuzz run platform_collateral`).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| aegis_fuzz::targets::platform_collateral(data));
