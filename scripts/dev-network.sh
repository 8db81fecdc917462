#!/usr/bin/env bash
# Runs QuantumAegis on this machine: builds `aegis-node` and `aegis-worker` (release), starts a
# development chain and a cluster of simulated-TEE workers (three by default, each its own
# enclave identity, data directory and status port; the TEE kinds take turns: an SGX enclave,
# an AMD SEV-SNP guest, an AWS Nitro enclave, each under its simulator's dev root) that enrol,
# share the cluster key and elect a leader, and the web app (clients/web, built with Vite and served by `vite preview`),
# prints where everything listens, and stops them all cleanly on Ctrl-C.
#
#   ./scripts/dev-network.sh
#   WORKERS=5 REDUNDANCY=1 ./scripts/dev-network.sh   # 1..10 workers; the last one redundancy
#   RPC_PORT=9955 API_PORT=8799 WEB_PORT=8081 BLOCK_TIME_MS=500 ./scripts/dev-network.sh
#   WEB=0 ./scripts/dev-network.sh                     # without the web app (no Node.js needed)
#   TEES="sim" ./scripts/dev-network.sh                # every worker on one kind (sim, sim-snp, sim-nitro)
#
# Worker i (from 1) serves its status API on API_PORT + i - 1.
set -euo pipefail
cd "$(dirname "$0")/.."

export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/aegis-target}"
export WASM_BUILD_WORKSPACE_HINT="$PWD"
RPC_PORT="${RPC_PORT:-9944}"
API_PORT="${API_PORT:-8788}"
WEB_PORT="${WEB_PORT:-8080}"
WEB="${WEB:-1}"
BLOCK_TIME_MS="${BLOCK_TIME_MS:-1000}"
WORKERS="${WORKERS:-3}"
REDUNDANCY="${REDUNDANCY:-0}"
read -r -a tees <<<"${TEES:-sim sim-snp sim-nitro}"
case "$WORKERS" in
	[1-9] | 10) ;;
	*) echo "WORKERS must be 1 to 10" >&2; exit 1 ;;
esac

command -v protoc >/dev/null || {
	echo "protoc is missing: sudo apt-get install -y protobuf-compiler" >&2
	exit 1
}
rustup target list --installed 2>/dev/null | grep -q wasm32v1-none || rustup target add wasm32v1-none
rustup component list --installed 2>/dev/null | grep -q rust-src || rustup component add rust-src

echo "==> building aegis-node and aegis-worker (release; the first build takes a while)"
cargo build --locked --release -p aegis-node -p aegis-worker
bin="$CARGO_TARGET_DIR/release"
if [ "$WEB" = 1 ]; then
	echo "==> building the SDK and the web app (clients/; npm packages on first run)"
	# shellcheck source=scripts/lib/node.sh
	. scripts/lib/node.sh
	install_node
	build_clients
fi

run_dir="$(mktemp -d -t aegis-dev-XXXXXX)"
node_pid=""
worker_pids=()
tail_pid=""
web_pid=""
stop() {
	trap - INT TERM EXIT
	echo
	echo "==> stopping"
	[ -n "$tail_pid" ] && kill "$tail_pid" 2>/dev/null || true
	[ -n "$web_pid" ] && kill -TERM "$web_pid" 2>/dev/null || true
	for pid in "${worker_pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
	for pid in "${worker_pids[@]}"; do wait "$pid" 2>/dev/null || true; done
	[ -n "$node_pid" ] && kill -TERM "$node_pid" 2>/dev/null || true
	[ -n "$node_pid" ] && wait "$node_pid" 2>/dev/null || true
	rm -rf "$run_dir"
	echo "==> stopped"
}
trap stop INT TERM EXIT

"$bin/aegis-node" --dev --tmp --block-time "$BLOCK_TIME_MS" --rpc-port "$RPC_PORT" \
	>"$run_dir/node.log" 2>&1 &
node_pid=$!
for i in $(seq 1 "$WORKERS"); do
	role=primary
	if [ "$REDUNDANCY" = 1 ] && [ "$i" = "$WORKERS" ] && [ "$WORKERS" -gt 1 ]; then role=redundancy; fi
	port=$((API_PORT + i - 1))
	# Each worker its own data directory: its own sealed keys, account and enclave instance.
	tee="${tees[$(((i - 1) % ${#tees[@]}))]}"
	"$bin/aegis-worker" --config offchain-worker/worker.example.toml --tee "$tee" \
		--dev-funder //Alice --rpc-url "ws://127.0.0.1:$RPC_PORT" --role "$role" \
		--listen "127.0.0.1:$port" --public-url "http://127.0.0.1:$port" \
		--data-dir "$run_dir/worker-$i" \
		>"$run_dir/worker-$i.log" 2>&1 &
	worker_pids+=($!)
done

if [ "$WEB" = 1 ]; then
	(cd clients/web && exec ../node_modules/.bin/vite preview --host 127.0.0.1 --port "$WEB_PORT" --strictPort) \
		>"$run_dir/web.log" 2>&1 &
	web_pid=$!
fi

echo "==> waiting for the $WORKERS workers to enrol and share cluster key epoch 1"
enrolled=""
for _ in $(seq 1 480); do
	kill -0 "$node_pid" 2>/dev/null || { echo "aegis-node exited:" >&2; tail -20 "$run_dir/node.log" >&2; exit 1; }
	ready=0
	for i in $(seq 1 "$WORKERS"); do
		pid="${worker_pids[$((i - 1))]}"
		kill -0 "$pid" 2>/dev/null || { echo "aegis-worker $i exited:" >&2; tail -20 "$run_dir/worker-$i.log" >&2; exit 1; }
		port=$((API_PORT + i - 1))
		if curl -fsS "http://127.0.0.1:$port/status" 2>/dev/null | grep -q '"usable_epochs":\[1'; then
			ready=$((ready + 1))
		fi
	done
	if [ "$ready" = "$WORKERS" ]; then
		enrolled=1
		break
	fi
	sleep 0.5
done
if [ -z "$enrolled" ]; then
	echo "the workers did not enrol and share the cluster key within 4 minutes:" >&2
	for i in $(seq 1 "$WORKERS"); do tail -5 "$run_dir/worker-$i.log" >&2; done
	exit 1
fi

last_port=$((API_PORT + WORKERS - 1))
web_line="  web app          not started (WEB=0)"
if [ "$WEB" = 1 ]; then
	kill -0 "$web_pid" 2>/dev/null || { echo "the web app's server exited:" >&2; tail -20 "$run_dir/web.log" >&2; exit 1; }
	web_line="  web app          http://127.0.0.1:$WEB_PORT/?rpc=ws://127.0.0.1:$RPC_PORT"
fi
cat <<INFO

QuantumAegis development network
$web_line
  chain RPC        ws://127.0.0.1:$RPC_PORT   (node log: $run_dir/node.log)
  workers          $WORKERS, status APIs http://127.0.0.1:$API_PORT/status .. http://127.0.0.1:$last_port/status
                   (logs: $run_dir/worker-N.log); the cluster (leader, term, key holders per
                   epoch, copies, takeovers) is under "chain"."cluster" in each /status
                   /attestation  /risk  /batches/recent?count=10  /assets/{id}  /metrics

A redundancy worker (REDUNDANCY=1) co-signs once governance turns redundancy on, e.g. with
polkadot.js: sudo(teeRegistry.setRedundancy({ enabled: true, minCosigners: 1 })).

Send an encrypted transfer from the web app (a dev account, or a wallet extension), or in
another terminal:
  $bin/aegis --rpc-url ws://127.0.0.1:$RPC_PORT submit --from //Alice transfer --to //Bob --amount 1.5

Ctrl-C stops them all.
INFO
tail -n 0 -f "$run_dir"/worker-*.log &
tail_pid=$!
wait "$node_pid" "${worker_pids[@]}" || true
