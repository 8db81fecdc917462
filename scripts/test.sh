#!/usr/bin/env bash
# The whole test suite, runnable on a fresh machine: installs the toolchain pieces it needs,
# checks formatting and lints, builds the no_std crates for the wasm runtime target, builds the
# node (release, with the wasm runtime), and runs every test: the crates' and the runtime's
# natively, then the node's, the worker's and the fuzz targets' smoke run in release (the node
# and worker tests start `aegis-node` and `aegis-worker` processes on loopback; the worker's
# end-to-end test runs both), then the
# standard-client tests (`tests/clients`: polkadot.js and PAPI from the npm registry, with
# Node.js) against a dev node and worker they start, then the TypeScript SDK's and the web app's
# (`clients/`: the protocol's test vectors, the SDK against a dev network, the app in Debian's
# headless Chromium). The Solidity contracts' committed PolkaVM
# and EVM artefacts are checked to be what their pinned npm compilers produce, and the ink!
# vault's PolkaVM blob to be what `contracts/ink`'s builder produces.
set -euo pipefail
cd "$(dirname "$0")/.."

export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/aegis-target}"
export CARGO_TERM_COLOR="${CARGO_TERM_COLOR:-never}"

# Benchmarks also run as tests (`impl_benchmark_test_suite!`): one feature set for every step,
# so clippy and the tests share one build of the FRAME dependencies.
# The runtime takes the same feature, so its configuration matches the pallets'. These native
# builds skip the wasm runtime (SKIP_WASM_BUILD): the node's release build makes the one the
# node runs, without benchmarks.
FEATURES="pallet-risk-oracle/runtime-benchmarks pallet-tee-registry/runtime-benchmarks pallet-sequencer/runtime-benchmarks aegis-runtime/runtime-benchmarks aegis-attestation/sim"
export WASM_BUILD_WORKSPACE_HINT="$PWD"

step() { printf '\n==> %s\n' "$*"; }

# install_node, install_chromium, build_clients.
# shellcheck source=scripts/lib/node.sh
. scripts/lib/node.sh

step "protoc (the node's networking generates its protobuf code with it)"
if ! command -v protoc >/dev/null; then
	SUDO=""
	[ "$(id -u)" -eq 0 ] || SUDO="sudo"
	$SUDO apt-get update -qq
	DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq protobuf-compiler
fi
protoc --version

step "toolchain: wasm32v1-none target, rust-src, rustfmt, clippy"
installed_targets=$(rustup target list --installed)
grep -qx wasm32v1-none <<<"$installed_targets" || rustup target add wasm32v1-none
installed_components=$(rustup component list --installed)
grep -q '^rust-src' <<<"$installed_components" || rustup component add rust-src
grep -q '^rustfmt' <<<"$installed_components" || rustup component add rustfmt
grep -q '^clippy' <<<"$installed_components" || rustup component add clippy

step "format check"
cargo fmt --all -- --check
cargo fmt --manifest-path contracts/ink/Cargo.toml --all -- --check

step "contracts: the committed Solidity artefacts are reproduced byte for byte (npm solc 0.8.30, resolc 0.3.0)"
install_node
(cd contracts/solidity && npm ci --no-audit --no-fund && npm run --silent check)

step "contracts: the ink! 6 vault rebuilt for PolkaVM reproduces the committed blob (contracts/ink, stable Rust with rust-src)"
cargo clippy --locked --manifest-path contracts/ink/Cargo.toml -p ink-polkavm-builder -- -D warnings
cargo run --locked --release --manifest-path contracts/ink/Cargo.toml -p ink-polkavm-builder -- --check

step "lints (clippy, warnings are errors): every crate but the node"
SKIP_WASM_BUILD=1 cargo clippy --locked --workspace --exclude aegis-node --all-targets --features "$FEATURES" -- -D warnings

step "no_std build of aegis-primitives for wasm32v1-none (what the runtime links)"
cargo build --locked -p aegis-primitives --no-default-features --target wasm32v1-none

step "no_std check of the runtime crates for wasm32v1-none (as substrate-wasm-builder compiles them)"
RUSTFLAGS="--cfg substrate_runtime" cargo check --locked --target wasm32v1-none --no-default-features \
	-p pallet-risk-oracle -p pallet-tee-registry -p pallet-sequencer -p aegis-attestation -p aegis-benchmarking

step "the runtime with try-runtime (native check: the TryRuntime API and every pallet's hooks)"
SKIP_WASM_BUILD=1 cargo check --locked -p aegis-runtime --features try-runtime

step "the node, its wasm runtime and the worker (release, as the README's run command builds them)"
# Always together: one feature resolution for the crates both link, so neither rebuilds them.
cargo build --locked --release -p aegis-node -p aegis-worker

step "lints of the node (clippy, warnings are errors)"
cargo clippy --locked --release -p aegis-node --all-targets -- -D warnings

step "tests"
log=$(mktemp)
trap 'rm -f "$log"' EXIT
set +e
SKIP_WASM_BUILD=1 cargo test --locked --workspace --exclude aegis-node --exclude aegis-worker --exclude aegis-fuzz --features "$FEATURES" 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
if [ "$status" -eq 0 ]; then
	step "node, worker and fuzz-smoke tests, release (dev chain, two-validator network, worker end to end, every fuzz target on mutated seeds)"
	cargo test --locked --release -p aegis-node -p aegis-worker -p aegis-fuzz 2>&1 | tee -a "$log"
	status=${PIPESTATUS[0]}
fi
if [ "$status" -eq 0 ]; then
	step "standard clients against a dev node: polkadot.js and PAPI from the npm registry (tests/clients)"
	if install_node; then
		# The standard-client tests seal envelopes with the SDK's byte formats (clients/ts).
		(build_clients && cd tests/clients && npm ci --no-audit --no-fund && npm test) 2>&1 | tee -a "$log"
		status=${PIPESTATUS[0]}
	else
		status=1
	fi
fi
if [ "$status" -eq 0 ]; then
	step "the TypeScript SDK and the web app (clients/): protocol vectors, the SDK against a dev network, the app in headless Chromium"
	if install_chromium; then
		# Built and installed by the standard-clients step before it.
		(cd clients && npm test --workspace ts && npm run test:network --workspace ts && npm test --workspace web) 2>&1 | tee -a "$log"
		status=${PIPESTATUS[0]}
	else
		status=1
	fi
fi
set -e
# One closing line for the whole suite (cargo prints one per test binary).
# cargo prints `test result: ok. N passed; M failed`, node's runner `ℹ pass N` and `ℹ fail M`.
passed=$(grep -Eo '^test result: [A-Za-z]+\. [0-9]+ passed' "$log" | awk '{n += $4} END {print n + 0}')
failed=$(grep -Eo '^test result: [A-Za-z]+\. [0-9]+ passed; [0-9]+ failed' "$log" | awk '{n += $6} END {print n + 0}')
passed=$((passed + $(grep -Eo '^ℹ pass [0-9]+' "$log" | awk '{n += $3} END {print n + 0}')))
failed=$((failed + $(grep -Eo '^ℹ fail [0-9]+' "$log" | awk '{n += $3} END {print n + 0}')))
echo
echo "tests: $passed passed, $failed failed"
exit "$status"
