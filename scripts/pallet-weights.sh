#!/usr/bin/env bash
# Regenerates a pallet's src/weights.rs by running its FRAME benchmarks natively (release build)
# in the pallet's mock runtime. Usage: scripts/pallet-weights.sh risk-oracle
#
# Until the node exists this is how weights are measured; the runtime's benchmark run over the
# wasm runtime then replaces these files.
set -euo pipefail
cd "$(dirname "$0")/.."
pallet="${1:?usage: $0 <pallet folder under pallets/, e.g. risk-oracle>}"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/aegis-target}"
cargo test --release --locked -p "pallet-$pallet" --features runtime-benchmarks --lib \
	-- --ignored --exact benchmarking::benchmarks::weight_file::generate_weights
echo "wrote pallets/$pallet/src/weights.rs"
