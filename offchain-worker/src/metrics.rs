//! The worker's Prometheus metrics (`GET /metrics`).

use prometheus::{
	Encoder, Histogram, HistogramOpts, HistogramVec, IntCounter, IntGauge, Registry, TextEncoder,
};

/// Every metric the worker exports.
pub struct Metrics {
	registry: Registry,
	/// Batches committed on chain.
	pub batches: IntCounter,
	/// Entries carried by committed batches.
	pub entries: IntCounter,
	/// Batches the chain refused.
	pub batch_failures: IntCounter,
	/// Submissions that did not open (rejected on chain).
	pub decrypt_failures: IntCounter,
	/// Entries rejected on chain.
	pub rejected: IntCounter,
	/// Seconds to sign a batch, by suite set.
	pub sign_seconds: HistogramVec,
	/// Seconds to verify the batch's own signatures before submitting.
	pub verify_seconds: Histogram,
	/// Seconds to obtain a quote and its collateral.
	pub attest_seconds: Histogram,
	/// Seconds from cutting a batch to its finalized inclusion.
	pub commit_seconds: Histogram,
	/// Entries mirrored.
	pub mempool: IntGauge,
	/// Latest finalized block seen.
	pub finalized: IntGauge,
	/// The oracle's risk score.
	pub risk_score: IntGauge,
	/// 1 while this worker may commit batches (it leads or takes over), 0 while it follows.
	pub leader: IntGauge,
	/// Takeovers of a stalled leader this worker made.
	pub takeovers: IntCounter,
	/// Key epochs most of whose entries do not open (not rejected: a fault to look into).
	pub cluster_faulty_epochs: IntGauge,
	/// Co-signature requests that failed (refused, unreachable, timed out, invalid).
	pub cosign_failures: IntCounter,
	/// Seconds to fetch and open a step's new submissions.
	pub open_seconds: Histogram,
	/// Seconds to cut a batch: classify, order and build it, before signing.
	pub prepare_seconds: Histogram,
	/// Entries per committed batch.
	pub batch_entries: Histogram,
	/// The process's resident memory, read when the metrics are rendered.
	pub resident_memory: IntGauge,
}

/// The resident set size of this process, from `/proc/self/statm` (Linux; 0 elsewhere).
pub fn resident_memory_bytes() -> i64 {
	let pages = std::fs::read_to_string("/proc/self/statm")
		.ok()
		.and_then(|s| s.split_whitespace().nth(1).and_then(|p| p.parse::<i64>().ok()))
		.unwrap_or(0);
	pages.saturating_mul(4096)
}

fn seconds(name: &str, help: &str) -> HistogramOpts {
	HistogramOpts::new(name, help)
		.buckets(vec![0.000_5, 0.001, 0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0])
}

impl Metrics {
	/// A fresh registry with every metric at zero.
	pub fn new() -> Self {
		let registry =
			Registry::new_custom(Some("aegis_worker".into()), None).expect("valid prefix");
		let counter = |n: &str, h: &str| {
			let c = IntCounter::new(n, h).expect("valid metric");
			registry.register(Box::new(c.clone())).expect("unique metric");
			c
		};
		let gauge = |n: &str, h: &str| {
			let g = IntGauge::new(n, h).expect("valid metric");
			registry.register(Box::new(g.clone())).expect("unique metric");
			g
		};
		let histogram = |n: &str, h: &str| {
			let m = Histogram::with_opts(seconds(n, h)).expect("valid metric");
			registry.register(Box::new(m.clone())).expect("unique metric");
			m
		};
		let sign_seconds =
			HistogramVec::new(seconds("sign_seconds", "Time to sign a batch"), &["suites"])
				.expect("valid metric");
		registry.register(Box::new(sign_seconds.clone())).expect("unique metric");
		Self {
			batches: counter("batches_total", "Batches committed on chain"),
			entries: counter("entries_total", "Entries carried by committed batches"),
			batch_failures: counter("batch_failures_total", "Batches the chain refused"),
			decrypt_failures: counter("decrypt_failures_total", "Submissions that did not open"),
			rejected: counter("rejected_total", "Entries rejected on chain"),
			sign_seconds,
			verify_seconds: histogram("verify_seconds", "Time to verify a batch's signatures"),
			attest_seconds: histogram("attest_seconds", "Time to obtain a quote and collateral"),
			commit_seconds: histogram("commit_seconds", "Time from cutting a batch to finality"),
			mempool: gauge("mempool_entries", "Pending submissions mirrored"),
			finalized: gauge("finalized_block", "Latest finalized block seen"),
			risk_score: gauge("risk_score", "The risk oracle's score"),
			leader: gauge("leader", "1 while this worker may commit batches"),
			takeovers: counter("takeovers_total", "Takeovers of a stalled leader"),
			cluster_faulty_epochs: gauge(
				"cluster_faulty_epochs",
				"Key epochs most of whose entries do not open",
			),
			cosign_failures: counter("cosign_failures_total", "Co-signature requests that failed"),
			open_seconds: histogram("open_seconds", "Time to fetch and open new submissions"),
			prepare_seconds: histogram(
				"prepare_seconds",
				"Time to classify, order and build a batch",
			),
			batch_entries: {
				let opts = HistogramOpts::new("batch_entries", "Entries per committed batch")
					.buckets(vec![1.0, 10.0, 50.0, 100.0, 250.0, 500.0, 1000.0, 2000.0, 4000.0]);
				let m = Histogram::with_opts(opts).expect("valid metric");
				registry.register(Box::new(m.clone())).expect("unique metric");
				m
			},
			resident_memory: gauge("resident_memory_bytes", "Resident memory of the worker"),
			registry,
		}
	}

	/// The Prometheus text exposition.
	pub fn render(&self) -> String {
		self.resident_memory.set(resident_memory_bytes());
		let mut out = Vec::new();
		TextEncoder::new().encode(&self.registry.gather(), &mut out).expect("text encoding");
		String::from_utf8(out).expect("the text format is UTF-8")
	}
}

impl Default for Metrics {
	fn default() -> Self {
		Self::new()
	}
}

#[cfg(test)]
mod tests {
	use super::*;
	use std::collections::BTreeSet;

	/// The operators' alert rules (`docs/alerts/aegis-worker.rules.yml`) may only name series
	/// this worker exports: a renamed metric would otherwise silence its alert.
	#[test]
	fn the_alert_rules_name_only_metrics_the_worker_exports() {
		let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../docs/alerts/aegis-worker.rules.yml");
		let rules = std::fs::read_to_string(path).expect("the alert rules exist");
		let exported = Metrics::new().render();
		let series: BTreeSet<&str> = exported
			.lines()
			.filter(|line| !line.starts_with('#'))
			.filter_map(|line| line.split(['{', ' ']).next())
			.collect();
		let named: Vec<&str> = rules
			.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
			.filter(|word| word.starts_with("aegis_worker_"))
			.collect();
		assert!(named.len() >= 10, "the rules name {} worker series", named.len());
		for name in named {
			assert!(
				series.contains(name),
				"the alert rules name {name}, which the worker does not export"
			);
		}
	}
}
