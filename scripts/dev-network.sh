#!/usr/bin/env bash
# Runs QuantumAegis on this machine: builds `aegis-node` and `aegis-worker` (release), starts a
# development chain and a simulated-TEE worker that enrols itself on it, prints where
# everything listens, and stops both cleanly on Ctrl-C.
#
#   ./scripts/dev-network.sh
#   RPC_PORT=9955 API_PORT=8799 BLOCK_TIME_MS=500 ./scripts/dev-network.sh
set -euo pipefail
cd "$(dirname "$0")/.."

export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/aegis-target}"
export WASM_BUILD_WORKSPACE_HINT="$PWD"
RPC_PORT="${RPC_PORT:-9944}"
API_PORT="${API_PORT:-8788}"
BLOCK_TIME_MS="${BLOCK_TIME_MS:-1000}"

command -v protoc >/dev/null || {
	echo "protoc is missing: sudo apt-get install -y protobuf-compiler" >&2
	exit 1
}
rustup target list --installed 2>/dev/null | grep -q wasm32v1-none || rustup target add wasm32v1-none
rustup component list --installed 2>/dev/null | grep -q rust-src || rustup component add rust-src

echo "==> building aegis-node and aegis-worker (release; the first build takes a while)"
cargo build --locked --release -p aegis-node -p aegis-worker
bin="$CARGO_TARGET_DIR/release"

run_dir="$(mktemp -d -t aegis-dev-XXXXXX)"
node_pid=""
worker_pid=""
tail_pid=""
stop() {
	trap - INT TERM EXIT
	echo
	echo "==> stopping"
	[ -n "$tail_pid" ] && kill "$tail_pid" 2>/dev/null || true
	[ -n "$worker_pid" ] && kill -TERM "$worker_pid" 2>/dev/null || true
	[ -n "$worker_pid" ] && wait "$worker_pid" 2>/dev/null || true
	[ -n "$node_pid" ] && kill -TERM "$node_pid" 2>/dev/null || true
	[ -n "$node_pid" ] && wait "$node_pid" 2>/dev/null || true
	rm -rf "$run_dir"
	echo "==> stopped"
}
trap stop INT TERM EXIT

"$bin/aegis-node" --dev --tmp --block-time "$BLOCK_TIME_MS" --rpc-port "$RPC_PORT" \
	>"$run_dir/node.log" 2>&1 &
node_pid=$!
"$bin/aegis-worker" --config offchain-worker/worker.example.toml --tee sim \
	--dev-funder //Alice --rpc-url "ws://127.0.0.1:$RPC_PORT" \
	--listen "127.0.0.1:$API_PORT" --data-dir "$run_dir/worker" \
	>"$run_dir/worker.log" 2>&1 &
worker_pid=$!

echo "==> waiting for the worker to enrol"
enrolled=""
for _ in $(seq 1 240); do
	kill -0 "$node_pid" 2>/dev/null || { echo "aegis-node exited:" >&2; tail -20 "$run_dir/node.log" >&2; exit 1; }
	kill -0 "$worker_pid" 2>/dev/null || { echo "aegis-worker exited:" >&2; tail -20 "$run_dir/worker.log" >&2; exit 1; }
	if curl -fsS "http://127.0.0.1:$API_PORT/status" 2>/dev/null | grep -q '"cluster_key_epoch":1'; then
		enrolled=1
		break
	fi
	sleep 0.5
done
if [ -z "$enrolled" ]; then
	echo "the worker did not enrol within 2 minutes:" >&2
	tail -20 "$run_dir/worker.log" >&2
	exit 1
fi

cat <<INFO

QuantumAegis development network
  chain RPC        ws://127.0.0.1:$RPC_PORT   (node log: $run_dir/node.log)
  worker status    http://127.0.0.1:$API_PORT/status   (worker log: $run_dir/worker.log)
                   /attestation  /risk  /batches/recent?count=10  /assets/{id}  /metrics

Send an encrypted transfer (in another terminal):
  $bin/aegis --rpc-url ws://127.0.0.1:$RPC_PORT submit --from //Alice transfer --to //Bob --amount 1.5

Ctrl-C stops both.
INFO
tail -n 0 -f "$run_dir/worker.log" &
tail_pid=$!
wait "$node_pid" "$worker_pid" || true
