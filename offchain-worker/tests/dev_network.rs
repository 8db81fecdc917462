//! The product end to end on loopback: `aegis-node --dev` and `aegis-worker --tee sim`, with
//! users sending encrypted transfers through the client library.
//!
//! 100 encrypted transfers from five accounts are all executed exactly once, as their
//! submitters, in the rule's order; the worker is killed mid-run and restarted (it resumes from
//! chain state); raising the risk to Emergency makes the following batches carry SLH-DSA.
//! Poison submissions (a call declaring `Weight::MAX`, a call nested 300 deep) between honest
//! transfers neither stop the worker nor delay the transfers by more than two batches.
#![allow(clippy::indexing_slicing)]

use aegis_primitives::pqc::Suite;
use aegis_runtime::{AccountId, RuntimeCall, RuntimeEvent};
use aegis_worker::{
	chain::{Chain, RpcChain},
	client,
	devnet::{
		api, bin_dir, connect, free_port, start_node, start_worker, wait_enrolled, wait_until,
	},
};
use codec::Encode;
use sp_core::sr25519;
use sp_keyring::Sr25519Keyring::{self, Alice, Bob, Charlie, Dave, Eve, Ferdie};
use std::{collections::BTreeMap, path::PathBuf, sync::Arc, time::Duration};

fn pair(k: Sr25519Keyring) -> sr25519::Pair {
	k.pair()
}

/// Sends `count` encrypted transfers from `who` to Ferdie, with amounts `base + i`; returns
/// `(submission id, submitter, amount)`.
async fn send(
	chain: Arc<RpcChain>,
	who: Sr25519Keyring,
	base: u128,
	count: u32,
) -> Vec<(u64, AccountId, u128)> {
	let key = client::checked_cluster_key(&chain).await.expect("an attested cluster key");
	let mut out = Vec::new();
	for i in 0..count {
		let amount = base + u128::from(i);
		let call = RuntimeCall::Balances(pallet_balances::Call::transfer_keep_alive {
			dest: Ferdie.to_account_id().into(),
			value: amount,
		});
		let s = client::submit_encrypted(&chain, &pair(who), &call, &key).await.expect("submitted");
		out.push((s.id, who.to_account_id(), amount));
	}
	out
}

async fn send_from_all(
	chain: &Arc<RpcChain>,
	round: u128,
	each: u32,
) -> Vec<(u64, AccountId, u128)> {
	let senders = [Alice, Bob, Charlie, Dave, Eve];
	let tasks: Vec<_> = senders
		.iter()
		.enumerate()
		.map(|(n, who)| {
			let base = round * 1_000_000 + (n as u128) * 10_000 + 1;
			tokio::spawn(send(chain.clone(), *who, base, each))
		})
		.collect();
	let mut all = Vec::new();
	for t in tasks {
		all.extend(t.await.unwrap());
	}
	all
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn encrypted_transfers_survive_a_worker_restart_and_follow_the_risk_policy() {
	let rpc_port = free_port();
	let api_port = free_port();
	let data = std::env::temp_dir().join(format!("aegis-e2e-worker-{}", std::process::id()));
	let _ = std::fs::remove_dir_all(&data);
	let bin = bin_dir(&PathBuf::from(env!("CARGO_BIN_EXE_aegis-worker")));
	let worker_flags = ["--batch-min", "10", "--batch-max", "50", "--max-wait-ms", "1500"];
	let _node = start_node(&bin, rpc_port, 500);
	let chain = Arc::new(connect(rpc_port, Duration::from_secs(120)).await);
	let start_block = chain.finalized_number();
	let mut worker = Some(start_worker(&bin, rpc_port, api_port, &data, &worker_flags));
	wait_enrolled(api_port, 1, Duration::from_secs(120));
	let (code, attestation) = api(api_port, "/attestation").unwrap();
	assert_eq!(code, 200);
	assert_eq!(attestation["on_chain"]["state"], "Active");
	assert!(!attestation["last"]["quote"].as_str().unwrap().is_empty());

	// Round 1 with the worker up: 40 transfers.
	let mut sent = send_from_all(&chain, 1, 8).await;
	// Kill the worker mid-run (whatever it was doing) and keep submitting while it is down.
	if let Some(w) = worker.take() {
		w.kill();
	}
	sent.extend(send_from_all(&chain, 2, 6).await);
	worker = Some(start_worker(&bin, rpc_port, api_port, &data, &worker_flags));
	wait_until("the restarted worker's API", Duration::from_secs(60), || {
		api(api_port, "/status").is_some()
	});

	// Emergency: batches must carry both suites from now on.
	let sudo = RuntimeCall::Sudo(pallet_sudo::Call::sudo {
		call: Box::new(RuntimeCall::RiskOracle(pallet_risk_oracle::Call::force_score {
			score: 9_500,
		})),
	});
	chain.submit(&pair(Alice), sudo).await.unwrap();
	let emergency_from = chain.finalized_number();
	// Emergency also asks for a new cluster key: users encrypt to the one the worker publishes.
	wait_until("the Emergency rekey (cluster key epoch 2)", Duration::from_secs(120), || {
		api(api_port, "/status").is_some_and(|(_, s)| s["chain"]["cluster_key_epoch"] == 2)
	});
	wait_until("the worker to see the Emergency score", Duration::from_secs(60), || {
		api(api_port, "/risk")
			.is_some_and(|(_, r)| r["score"] == 9_500 && r["level"] == "Emergency")
	});
	sent.extend(send_from_all(&chain, 3, 6).await);
	assert_eq!(sent.len(), 100);

	// Every submission comes out of the sequencer.
	let mut outcomes = BTreeMap::new();
	for (id, _, _) in &sent {
		let o =
			client::wait_outcome(&chain, *id, start_block, Duration::from_secs(300)).await.unwrap();
		outcomes.insert(*id, o);
	}
	assert!(
		outcomes.values().all(|o| matches!(o, client::Outcome::Executed { result: Ok(()), .. })),
		"{outcomes:?}"
	);

	// Read the whole chain back: executions, transfers and the batches' signatures.
	let end = chain.finalized_number();
	let mut executed: Vec<(u64, AccountId)> = Vec::new();
	let mut transfers: Vec<(AccountId, u128)> = Vec::new();
	let mut batches_after_emergency = 0;
	for n in start_block..=end {
		let Some((hash, events)) = chain.block_events(n).await.unwrap() else { continue };
		let mut in_block = Vec::new();
		for r in events {
			match r.event {
				RuntimeEvent::Sequencer(pallet_sequencer::Event::EntryExecuted {
					id, who, ..
				}) => {
					in_block.push(id);
					executed.push((id, who));
				}
				RuntimeEvent::Balances(pallet_balances::Event::Transfer { from, to, amount })
					if to == Ferdie.to_account_id() =>
				{
					transfers.push((from, amount))
				}
				_ => {}
			}
		}
		// Equal priorities (plain transfers at one risk score): the rule's order is arrival.
		assert!(in_block.windows(2).all(|w| w[0] < w[1]), "block {n}: {in_block:?}");
		if n > emergency_from && !in_block.is_empty() {
			let block = chain.block(hash).await.unwrap();
			for xt in block {
				let Some(xt) = aegis_worker::chain::decode_extrinsic(&xt) else { continue };
				if let RuntimeCall::Sequencer(pallet_sequencer::Call::commit_batch {
					signatures,
					..
				}) = xt.function
				{
					let suites: Vec<Suite> = signatures.iter().map(|s| s.suite).collect();
					assert!(suites.contains(&Suite::SlhDsaSha2_256s), "block {n}: {suites:?}");
					batches_after_emergency += 1;
				}
			}
		}
	}
	assert!(batches_after_emergency > 0, "no batch was committed after the emergency");
	let mut ids: Vec<u64> = executed.iter().map(|(id, _)| *id).collect();
	ids.sort_unstable();
	let mut expected: Vec<u64> = sent.iter().map(|(id, _, _)| *id).collect();
	expected.sort_unstable();
	assert_eq!(ids, expected, "each submission executed exactly once");
	let who: BTreeMap<u64, AccountId> = executed.into_iter().collect();
	for (id, submitter, amount) in &sent {
		assert_eq!(&who[id], submitter, "#{id} ran as its submitter");
		assert!(transfers.contains(&(submitter.clone(), *amount)), "#{id}: {amount} moved");
	}
	let metrics =
		aegis_worker::http::tcp(&format!("127.0.0.1:{api_port}"), "GET", "/metrics").unwrap();
	let text = String::from_utf8(metrics.body).unwrap();
	assert!(text.contains("aegis_worker_batches_total"), "{text}");
	let (code, error) = api(api_port, "/batches/recent?count=0").unwrap();
	assert_eq!(code, 400, "{error}");
	drop(worker);
	let _ = std::fs::remove_dir_all(&data);
}

/// A call nested `depth` deep in `sudo.sudo`, encoded without building it (each level is the
/// two bytes of `Sudo::sudo`'s pallet and call index before the boxed call).
fn nested_in_sudo(inner: &RuntimeCall, depth: usize) -> Vec<u8> {
	let one = RuntimeCall::Sudo(pallet_sudo::Call::sudo { call: Box::new(inner.clone()) }).encode();
	let inner = inner.encode();
	let prefix = &one[..one.len() - inner.len()];
	let mut out = prefix.repeat(depth);
	out.extend_from_slice(&inner);
	out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn poison_submissions_do_not_hold_up_honest_encrypted_transfers() {
	let rpc_port = free_port();
	let api_port = free_port();
	let data = std::env::temp_dir().join(format!("aegis-e2e-poison-{}", std::process::id()));
	let _ = std::fs::remove_dir_all(&data);
	let bin = bin_dir(&PathBuf::from(env!("CARGO_BIN_EXE_aegis-worker")));
	let _node = start_node(&bin, rpc_port, 500);
	let chain = Arc::new(connect(rpc_port, Duration::from_secs(120)).await);
	let start_block = chain.finalized_number();
	let worker = start_worker(
		&bin,
		rpc_port,
		api_port,
		&data,
		&["--batch-min", "4", "--batch-max", "50", "--max-wait-ms", "1000"],
	);
	wait_enrolled(api_port, 1, Duration::from_secs(120));
	let key = client::checked_cluster_key(&chain).await.unwrap();

	// What an attacker sent live: an encrypted `sudo_unchecked_weight(remark, Weight::MAX)`
	// (its declared weight once made every batch holding it too heavy for a block), and a call
	// nested 300 deep (once a trap in the runtime's decoder), each between honest transfers.
	let remark = RuntimeCall::System(frame_system::Call::remark { remark: vec![7] });
	let heavy = RuntimeCall::Sudo(pallet_sudo::Call::sudo_unchecked_weight {
		call: Box::new(remark.clone()),
		weight: frame_support::weights::Weight::MAX,
	})
	.encode();
	let deep = nested_in_sudo(&remark, 300);
	assert!(deep.len() > 600, "{}", deep.len());
	let allowed = frame_support::weights::Weight::from_parts(1_000_000_000, 100_000);
	let transfer = |amount: u128| {
		RuntimeCall::Balances(pallet_balances::Call::transfer_keep_alive {
			dest: Ferdie.to_account_id().into(),
			value: amount,
		})
	};
	let mut honest = Vec::new();
	let mut poison = Vec::new();
	for round in 0..3u128 {
		for (who, amount) in [(Alice, 100 + round), (Bob, 200 + round)] {
			let s = client::submit_encrypted(&chain, &pair(who), &transfer(amount), &key)
				.await
				.unwrap();
			honest.push((s.id, s.block));
		}
		let pill = if round % 2 == 0 { &heavy } else { &deep };
		let s = client::submit_encrypted_bytes(&chain, &pair(Charlie), pill, allowed, &key)
			.await
			.unwrap();
		poison.push(s.id);
		for (who, amount) in [(Dave, 300 + round), (Eve, 400 + round)] {
			let s = client::submit_encrypted(&chain, &pair(who), &transfer(amount), &key)
				.await
				.unwrap();
			honest.push((s.id, s.block));
		}
	}

	let mut executed_at = BTreeMap::new();
	for (id, _) in &honest {
		let o =
			client::wait_outcome(&chain, *id, start_block, Duration::from_secs(120)).await.unwrap();
		let client::Outcome::Executed { block, result: Ok(()) } = o else { panic!("#{id}: {o:?}") };
		executed_at.insert(*id, block);
	}
	// The poison entries come out as what they are, in a batch like any other.
	for (n, id) in poison.iter().enumerate() {
		let o =
			client::wait_outcome(&chain, *id, start_block, Duration::from_secs(60)).await.unwrap();
		let expected = if n % 2 == 0 { "Filtered" } else { "Undecodable" };
		assert!(
			matches!(&o, client::Outcome::Executed { result: Err(e), .. } if e == expected),
			"#{id}: {o:?}"
		);
	}

	// No honest transfer waited more than two batches after it was submitted.
	let end = chain.finalized_number();
	let mut batch_blocks = Vec::new();
	for n in start_block..=end {
		let Some((_, events)) = chain.block_events(n).await.unwrap() else { continue };
		for r in events {
			if let RuntimeEvent::Sequencer(pallet_sequencer::Event::BatchCommitted { .. }) = r.event
			{
				batch_blocks.push(n);
			}
		}
	}
	for (id, submitted) in &honest {
		let executed = executed_at[id];
		let before = batch_blocks.iter().filter(|b| **b > *submitted && **b < executed).count();
		assert!(
			before <= 2,
			"#{id} submitted at {submitted}, executed at {executed}: {before} batches before it"
		);
	}
	// And the worker never had a batch refused.
	let metrics =
		aegis_worker::http::tcp(&format!("127.0.0.1:{api_port}"), "GET", "/metrics").unwrap();
	let text = String::from_utf8(metrics.body).unwrap();
	let failures = text
		.lines()
		.find_map(|l| l.strip_prefix("aegis_worker_batch_failures_total "))
		.unwrap_or_else(|| panic!("no batch failure counter: {text}"));
	assert_eq!(failures.trim(), "0", "{text}");
	drop(worker);
	let _ = std::fs::remove_dir_all(&data);
}
