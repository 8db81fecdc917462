#!/usr/bin/env bash
# The whole test suite, runnable on a fresh machine: installs the toolchain pieces it needs,
# checks formatting, builds the no_std crates for the wasm runtime target, and runs every test.
set -euo pipefail
cd "$(dirname "$0")/.."

export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/aegis-target}"
export CARGO_TERM_COLOR="${CARGO_TERM_COLOR:-never}"

step() { printf '\n==> %s\n' "$*"; }

step "toolchain: wasm32v1-none target, rust-src, rustfmt"
installed_targets=$(rustup target list --installed)
grep -qx wasm32v1-none <<<"$installed_targets" || rustup target add wasm32v1-none
installed_components=$(rustup component list --installed)
grep -q '^rust-src' <<<"$installed_components" || rustup component add rust-src
grep -q '^rustfmt' <<<"$installed_components" || rustup component add rustfmt

step "format check"
cargo fmt --all -- --check

step "no_std build of aegis-primitives for wasm32v1-none (what the runtime links)"
cargo build --locked -p aegis-primitives --no-default-features --target wasm32v1-none

step "tests"
cargo test --locked --workspace
