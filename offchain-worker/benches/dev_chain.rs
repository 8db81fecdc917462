//! Throughput and latency of encrypted transactions on the development chain: a dev node and a
//! simulated-TEE worker on loopback, eight accounts each sending encrypted transfers as fast as
//! the chain takes them. Reports executed transactions per second (first submission to last
//! execution) and each transaction's submission-to-execution latency (wall clock, from the
//! client starting to submit to the client seeing the finalized block that executed it).
//!
//! `cargo bench -p aegis-node -p aegis-worker --bench dev_chain` (the node and the worker built
//! together, as everywhere else: `cargo build --release -p aegis-node -p aegis-worker`). `AEGIS_BENCH_TXS` (default 400) and
//! `AEGIS_BENCH_BLOCK_MS` (default 1000) change the load and the block time.

#![allow(clippy::indexing_slicing)]

use aegis_runtime::{RuntimeCall, RuntimeEvent};
use aegis_worker::{chain::RpcChain, client, devnet};
use sp_keyring::Sr25519Keyring;
use std::{
	collections::BTreeMap,
	path::PathBuf,
	sync::Arc,
	time::{Duration, Instant},
};

fn env(name: &str, default: u32) -> u32 {
	std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

async fn sender(chain: Arc<RpcChain>, who: Sr25519Keyring, count: u32) -> Vec<(u64, Instant)> {
	let key = client::checked_cluster_key(&chain).await.expect("an attested cluster key");
	let mut out = Vec::new();
	for i in 0..count {
		let call = RuntimeCall::Balances(pallet_balances::Call::transfer_keep_alive {
			dest: Sr25519Keyring::Ferdie.to_account_id().into(),
			value: 1_000_000 + u128::from(i),
		});
		let started = Instant::now();
		let s =
			client::submit_encrypted(&chain, &who.pair(), &call, &key).await.expect("submitted");
		out.push((s.id, started));
	}
	out
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
	let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
	sorted.get(i).copied().unwrap_or_default()
}

fn main() {
	// `cargo bench` passes `--bench`; this harness takes no other arguments.
	let txs = env("AEGIS_BENCH_TXS", 400);
	let block_ms = env("AEGIS_BENCH_BLOCK_MS", 1000);
	let bin = devnet::bin_dir(&PathBuf::from(env!("CARGO_BIN_EXE_aegis-worker")));
	let rt = tokio::runtime::Runtime::new().expect("tokio runtime");
	rt.block_on(async move {
		let (rpc_port, api_port) = (devnet::free_port(), devnet::free_port());
		let data = std::env::temp_dir().join(format!("aegis-bench-worker-{}", std::process::id()));
		let _ = std::fs::remove_dir_all(&data);
		let _node = devnet::start_node(&bin, rpc_port, block_ms);
		let chain = Arc::new(devnet::connect(rpc_port, Duration::from_secs(120)).await);
		let _worker = devnet::start_worker(&bin, rpc_port, api_port, &data, &[]);
		devnet::wait_enrolled(api_port, 1, Duration::from_secs(120));
		let from = chain.finalized_number();

		let senders = [
			Sr25519Keyring::Alice,
			Sr25519Keyring::Bob,
			Sr25519Keyring::Charlie,
			Sr25519Keyring::Dave,
			Sr25519Keyring::Eve,
			Sr25519Keyring::AliceStash,
			Sr25519Keyring::BobStash,
			Sr25519Keyring::CharlieStash,
		];
		let per = txs / senders.len() as u32;
		let first = Instant::now();
		let tasks: Vec<_> =
			senders.iter().map(|w| tokio::spawn(sender(chain.clone(), *w, per))).collect();

		// Watch finalized blocks for executions while the senders run.
		let mut executed: BTreeMap<u64, Instant> = BTreeMap::new();
		let mut next = from;
		let total = (per * senders.len() as u32) as usize;
		let deadline = Instant::now() + Duration::from_secs(900);
		while executed.len() < total {
			assert!(Instant::now() < deadline, "only {} of {total} executed", executed.len());
			while next <= chain.finalized_number() {
				if let Some((_, events)) = chain.block_events(next).await.expect("events") {
					let now = Instant::now();
					for r in events {
						if let RuntimeEvent::Sequencer(pallet_sequencer::Event::EntryExecuted {
							id,
							..
						}) = r.event
						{
							executed.entry(id).or_insert(now);
						}
					}
				}
				next += 1;
			}
			tokio::time::sleep(Duration::from_millis(50)).await;
		}
		let last = executed.values().max().copied().unwrap_or(first);
		let mut latencies = Vec::new();
		for t in tasks {
			for (id, started) in t.await.expect("sender") {
				latencies.push(executed[&id].saturating_duration_since(started));
			}
		}
		latencies.sort();
		let secs = last.saturating_duration_since(first).as_secs_f64();
		println!(
			"dev chain, block time {block_ms} ms, {total} encrypted transfers from {} accounts",
			senders.len()
		);
		println!("  executed per second      {:.1}", total as f64 / secs);
		println!(
			"  submission -> execution  p50 {:.2?}  p90 {:.2?}  max {:.2?}",
			percentile(&latencies, 0.5),
			percentile(&latencies, 0.9),
			latencies.last().copied().unwrap_or_default()
		);
		let _ = std::fs::remove_dir_all(&data);
	});
}
