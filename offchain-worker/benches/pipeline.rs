//! The worker's per-batch work, without the chain: open every envelope, order the batch with
//! the Hybrid rule, and sign it with the suites the policy requires (ML-DSA-87 alone below the
//! Elevated threshold, ML-DSA-87 + SLH-DSA-SHA2-256s above).

use aegis_primitives::{
	batch::BatchEntry,
	ordering::{OrderingRule, ProtectionTier},
	risk::{RiskScore, SuiteSet},
};
use aegis_runtime::RuntimeCall;
use aegis_worker::{chain::Submission, client, keys::KeySet, pipeline};
use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};
use pallet_sequencer::BatchChain;
use sp_keyring::Sr25519Keyring;

/// The cluster key of epoch 1 the benchmark's envelopes are sealed to.
fn cluster_key() -> aegis_envelope::RecipientKey {
	aegis_worker::cluster::secrets::epoch_key(&[43; 32], 1)
}

fn submissions(genesis: &[u8; 32], n: usize) -> Vec<(u64, Submission)> {
	let cluster = cluster_key().public_key();
	(0..n)
		.map(|i| {
			let who = Sr25519Keyring::iter().nth(i % 8).unwrap().to_account_id();
			let call = RuntimeCall::Balances(pallet_balances::Call::transfer_keep_alive {
				dest: Sr25519Keyring::Ferdie.to_account_id().into(),
				value: 1_000 + i as u128,
			});
			let (envelope, commitment) = client::encrypt(genesis, &who, &call, &cluster);
			let s = Submission {
				who,
				envelope: envelope.try_into().unwrap(),
				commitment,
				max_weight: frame_support::weights::Weight::from_parts(1_000_000_000, 10_000),
				deposit: 1,
				key_epoch: 1,
				submitted_at: 1,
			};
			(i as u64, s)
		})
		.collect()
}

fn batch(c: &mut Criterion) {
	let keys = KeySet::derive([42; 32], 0);
	let genesis = [7u8; 32];
	let cluster = cluster_key();
	let mut group = c.benchmark_group("worker_batch");
	group.sample_size(10);
	for n in [10usize, 50] {
		let subs = submissions(&genesis, n);
		for (label, suites) in [("ml-dsa", SuiteSet::ML_DSA), ("ml-dsa+slh-dsa", SuiteSet::BOTH)] {
			group.bench_with_input(
				BenchmarkId::new(format!("open_order_sign/{label}"), n),
				&subs,
				|b, subs| {
					b.iter(|| {
						let entries = subs
							.iter()
							.map(|(id, s)| {
								let revealed = pipeline::open(&cluster, &genesis, s).unwrap();
								let max_weight = pallet_sequencer::weight_limit(s.max_weight);
								let entry = BatchEntry { submission_id: *id, max_weight, revealed };
								(entry, (ProtectionTier::None, false))
							})
							.collect();
						let batch = BatchChain::default()
							.next_batch(
								genesis,
								1,
								OrderingRule::Hybrid,
								0,
								RiskScore::default(),
								entries,
							)
							.unwrap();
						pipeline::sign_batch(&keys, suites, &batch).unwrap()
					})
				},
			);
		}
		group.bench_with_input(BenchmarkId::new("open", n), &subs, |b, subs| {
			b.iter(|| {
				for (_, s) in subs {
					pipeline::open(&cluster, &genesis, s).unwrap();
				}
			})
		});
	}
	group.finish();
}

criterion_group!(benches, batch);
criterion_main!(benches);
