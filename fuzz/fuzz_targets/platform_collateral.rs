//! libFuzzer entry for `aegis_fuzz::targets::platform_collateral` (run from the repository root with `cargo +nightly fuzz run --fuzz-dir fuzz --features libfuzzer platform_collateral`).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| aegis_fuzz::targets::platform_collateral(data));
