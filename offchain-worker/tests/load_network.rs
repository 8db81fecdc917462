//! The load generator against the README's dev network: bursts of 5,120 plain and 5,120
//! encrypted transfers, one after another on the same node, twice, and once more with each
//! sender's transactions spread over every connection (so they reach the node out of nonce
//! order). Every accepted transaction is executed: none lost, none left pending, none expired,
//! followed to its outcome from the chain's events. The figures are only checked to be
//! well-formed here; speed is the load generator's to measure (README, performance).

use aegis_worker::{
	devnet::{bin_dir, connect, free_port, start_node, start_worker, wait_enrolled},
	load::{self, Mode, RunReport},
};
use std::{path::PathBuf, time::Duration};

fn assert_all_executed(r: &RunReport) {
	let line = load::summary_line(r);
	assert_eq!(r.sent, 5_120, "{line}");
	assert_eq!(r.refused, 0, "{line}: {:?}", r.refusals);
	assert_eq!(r.lost, 0, "{line}");
	assert_eq!(r.pending, 0, "{line}");
	assert_eq!((r.failed, r.rejected, r.expired), (0, 0, 0), "{line}: {:?}", r.failures);
	assert_eq!(r.executed, r.sent, "{line}");
	assert_eq!(r.included, r.sent, "{line}");
	let l = &r.latency_seconds;
	assert!(0.0 < l.p50 && l.p50 <= l.p90 && l.p90 <= l.p99 && l.p99 <= l.max, "{line}");
	let b = &r.latency_blocks;
	assert!(b.p50 <= b.p90 && b.p90 <= b.p99 && b.p99 <= b.max, "{line}");
	assert!(r.throughput > 0.0 && r.steady_throughput > 0.0 && r.offered > 0.0, "{line}");
	if r.mode == Some(Mode::Encrypted) {
		let batched = f64::from(r.batching.batches) * r.batching.entries_per_batch_mean;
		assert!(batched.round() as u32 >= r.executed, "{line}");
		assert!(r.batching.entries_per_batch_max > 50, "batches fill the chain's budget: {line}");
	}
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn bursts_of_plain_and_encrypted_transfers_are_all_executed_run_after_run() {
	let rpc_port = free_port();
	let api_port = free_port();
	let data = std::env::temp_dir().join(format!("aegis-e2e-load-{}", std::process::id()));
	let _ = std::fs::remove_dir_all(&data);
	let bin = bin_dir(&PathBuf::from(env!("CARGO_BIN_EXE_aegis-worker")));
	let _node = start_node(&bin, rpc_port, 1000);
	let _chain = connect(rpc_port, Duration::from_secs(120)).await;
	let _worker = start_worker(&bin, rpc_port, api_port, &data, &[]);
	wait_enrolled(api_port, 1, Duration::from_secs(120));

	let mut settings = load::Settings::new(&format!("ws://127.0.0.1:{rpc_port}"));
	settings.accounts = 128;
	settings.per_account = 40;
	settings.settle = Duration::from_secs(60);
	settings.worker_metrics = vec![format!("127.0.0.1:{api_port}")];
	for spread in [false, false, true] {
		settings.spread = spread;
		let report = load::run(&settings).await.expect("the load run completes");
		assert_eq!(report.runs.len(), 2);
		for r in &report.runs {
			assert_all_executed(r);
		}
		let encrypted = report.runs.last().expect("two runs");
		assert!(encrypted.worker_peak_rss > 0, "the worker reports its memory");
		assert!(
			encrypted.worker_timings.contains_key("aegis_worker_open_seconds"),
			"{:?}",
			encrypted.worker_timings
		);
	}
	let _ = std::fs::remove_dir_all(&data);
}
