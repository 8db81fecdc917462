#!/usr/bin/env bash
# Regenerates the weights.rs of every QuantumAegis pallet from the wasm runtime: builds
# `aegis-node` with `runtime-benchmarks` (its wasm runtime then carries the benchmarks) and runs
# `aegis-node benchmark pallet` for each pallet on the genesis state of the `development` preset
# (`--genesis-builder spec-runtime`: the runtime from the dev chain spec builds it), writing the
# result through `scripts/frame-weight-template.hbs`.
#
#   scripts/benchmark-weights.sh                   # all three pallets
#   scripts/benchmark-weights.sh pallet_sequencer  # one
#   STEPS=50 REPEAT=20 scripts/benchmark-weights.sh
#
# The benchmarks get their quotes and post-quantum signatures from the `aegis-benchmarking`
# host functions, which only this build of the node registers.
set -euo pipefail
cd "$(dirname "$0")/.."

# Its own target directory: the wasm runtime with benchmarks must never be embedded by the plain
# node build that CI and the README's run command use (both put the wasm in the same place).
export CARGO_TARGET_DIR="${BENCH_TARGET_DIR:-$HOME/.cache/aegis-target-bench}"
export WASM_BUILD_WORKSPACE_HINT="$PWD"
# frame-benchmarking-cli links a test runtime of its own, used only by `benchmark storage`
# (which this node does not offer). Its wasm build cannot find the package in this
# workspace's metadata, where the CLI is an optional dependency, so it is skipped.
export SKIP_FRAME_STORAGE_ACCESS_TEST_RUNTIME_WASM_BUILD=1
STEPS="${STEPS:-10}"
REPEAT="${REPEAT:-5}"

declare -A FOLDER=(
	[pallet_risk_oracle]=pallets/risk-oracle
	[pallet_tee_registry]=pallets/tee-registry
	[pallet_sequencer]=pallets/sequencer
)
pallets=("$@")
[ ${#pallets[@]} -gt 0 ] || pallets=(pallet_risk_oracle pallet_tee_registry pallet_sequencer)

cargo build --locked --release -p aegis-node --features runtime-benchmarks
node="$CARGO_TARGET_DIR/release/aegis-node"

for pallet in "${pallets[@]}"; do
	folder="${FOLDER[$pallet]:?unknown pallet $pallet}"
	echo "==> $pallet -> $folder/src/weights.rs"
	"$node" benchmark pallet \
		--chain dev \
		--genesis-builder spec-runtime \
		--genesis-builder-preset development \
		--pallet "$pallet" \
		--extrinsic '*' \
		--steps "$STEPS" \
		--repeat "$REPEAT" \
		--wasm-execution compiled \
		--heap-pages 4096 \
		--template scripts/frame-weight-template.hbs \
		--output "$folder/src/weights.rs"
done
