//! A three-worker cluster end to end on loopback: `aegis-node --dev` and three `aegis-worker`
//! processes on three kinds of TEE (`--tee sim`: SGX under the simulated Intel DCAP root,
//! `sim-snp`: an AMD SEV-SNP report under the dev ARK, `sim-nitro`: an AWS Nitro document under
//! the dev Nitro root), each its own enclave identity, data directory and API.
//!
//! The chain enrols all three, each under its own kind's root; they provision each other the
//! cluster key (verifying each other's evidence of another kind), share epoch 1 and elect a
//! leader. 200 encrypted transfers from five
//! accounts are sent while the leader is killed with SIGKILL (first run) or stopped with
//! SIGSTOP and resumed after a takeover (second run): every transfer is executed exactly once,
//! nothing is rejected, the batch sequence has no gap, and another worker takes over within
//! `TakeoverAfter` + 2 blocks of the leader going down.
#![allow(clippy::indexing_slicing)]

use aegis_runtime::{AccountId, Runtime, RuntimeCall, RuntimeEvent};
use aegis_worker::{
	chain::RpcChain,
	client,
	devnet::{api, bin_dir, connect, free_port, start_node, start_worker_on, wait_until, Proc},
};
use frame_support::traits::Get;
use sp_keyring::Sr25519Keyring::{self, Alice, Bob, Charlie, Dave, Eve, Ferdie};
use std::{collections::BTreeMap, path::PathBuf, sync::Arc, time::Duration};

/// Sends `count` encrypted transfers from `who` to Ferdie; returns their ids.
async fn send(chain: Arc<RpcChain>, who: Sr25519Keyring, base: u128, count: u32) -> Vec<u64> {
	let mut out = Vec::new();
	for i in 0..count {
		// The key is read each time: a worker could have rekeyed in between.
		let key = client::checked_cluster_key(&chain).await.expect("an attested cluster key");
		let call = RuntimeCall::Balances(pallet_balances::Call::transfer_keep_alive {
			dest: Ferdie.to_account_id().into(),
			value: base + u128::from(i),
		});
		let s =
			client::submit_encrypted(&chain, &who.pair(), &call, &key).await.expect("submitted");
		out.push(s.id);
	}
	out
}

/// How the leader goes down.
#[derive(Clone, Copy, Debug)]
enum Down {
	/// SIGKILL: it never comes back.
	Kill,
	/// SIGSTOP, then SIGCONT once another worker took over.
	Pause,
}

fn signal(p: &Proc, sig: &str) {
	let status = std::process::Command::new("kill")
		.args([sig, &p.0.id().to_string()])
		.status()
		.expect("kill runs");
	assert!(status.success(), "kill {sig}");
}

async fn run(down: Down) {
	let rpc_port = free_port();
	let bin = bin_dir(&PathBuf::from(env!("CARGO_BIN_EXE_aegis-worker")));
	let _node = start_node(&bin, rpc_port, 1000);
	let chain = Arc::new(connect(rpc_port, Duration::from_secs(120)).await);
	let start_block = chain.finalized_number();
	let flags = ["--batch-min", "5", "--batch-max", "50", "--max-wait-ms", "1000"];
	let root =
		std::env::temp_dir().join(format!("aegis-e2e-cluster-{:?}-{}", down, std::process::id()));
	let _ = std::fs::remove_dir_all(&root);
	let ports: Vec<u16> = (0..3).map(|_| free_port()).collect();
	let tees = ["sim", "sim-snp", "sim-nitro"];
	let mut workers: Vec<Option<Proc>> = ports
		.iter()
		.zip(tees)
		.enumerate()
		.map(|(i, (port, tee))| {
			Some(start_worker_on(tee, &bin, rpc_port, *port, &root.join(format!("w{i}")), &flags))
		})
		.collect();
	let usable = |port: u16| {
		api(port, "/status").is_some_and(|(_, s)| {
			s.pointer("/cluster/usable_epochs")
				.and_then(|e| e.as_array())
				.is_some_and(|e| e.iter().any(|v| v == 1))
		})
	};
	wait_until("three workers holding epoch 1", Duration::from_secs(240), || {
		ports.iter().all(|p| usable(*p))
	});
	let leader_of = |port: u16| {
		api(port, "/status").and_then(|(_, s)| {
			s.pointer("/chain/cluster/leader").and_then(|l| l.as_str()).map(String::from)
		})
	};
	wait_until("a leader", Duration::from_secs(60), || leader_of(ports[0]).is_some());
	let leader = leader_of(ports[0]).unwrap();
	let accounts: Vec<String> = ports
		.iter()
		.map(|p| api(*p, "/status").unwrap().1["account"].as_str().unwrap().to_string())
		.collect();
	let at = accounts.iter().position(|a| *a == leader).expect("the leader is one of ours");
	// The chain enrolled them as three kinds.
	let kinds: Vec<String> = ports
		.iter()
		.map(|p| api(*p, "/attestation").unwrap().1["on_chain"]["tee"].as_str().unwrap().into())
		.collect();
	assert_eq!(kinds, ["Sgx", "SevSnp", "Nitro"], "{kinds:?}");

	// 200 transfers from five accounts, the leader going down a third of the way in.
	let senders = [Alice, Bob, Charlie, Dave, Eve];
	let tasks: Vec<_> = senders
		.iter()
		.enumerate()
		.map(|(n, who)| tokio::spawn(send(chain.clone(), *who, (n as u128 + 1) * 100_000, 40)))
		.collect();
	tokio::time::sleep(Duration::from_secs(12)).await;
	let down_at = chain.finalized_number();
	match down {
		Down::Kill => workers[at].take().expect("running").kill(),
		Down::Pause => signal(workers[at].as_ref().expect("running"), "-STOP"),
	}
	let others: Vec<u16> = (0..3).filter(|i| *i != at).map(|i| ports[i]).collect();
	wait_until("another worker to take over", Duration::from_secs(120), || {
		others.iter().any(|p| leader_of(*p).is_some_and(|l| l != leader))
	});
	if let Down::Pause = down {
		signal(workers[at].as_ref().expect("running"), "-CONT");
	}
	let mut sent = Vec::new();
	for t in tasks {
		sent.extend(t.await.unwrap());
	}
	assert_eq!(sent.len(), 200);
	for id in &sent {
		let o =
			client::wait_outcome(&chain, *id, start_block, Duration::from_secs(300)).await.unwrap();
		assert!(matches!(o, client::Outcome::Executed { result: Ok(()), .. }), "#{id}: {o:?}");
	}

	// Read the chain back: each executed once, nothing rejected, no gap, one timely takeover.
	let end = chain.finalized_number();
	let mut executed: BTreeMap<u64, u32> = BTreeMap::new();
	let mut rejected = Vec::new();
	let mut sequences = Vec::new();
	let mut takeovers: Vec<(u32, Option<AccountId>)> = Vec::new();
	let mut committers: Vec<String> = Vec::new();
	for n in start_block..=end {
		let Some((_, events)) = chain.block_events(n).await.unwrap() else { continue };
		for r in events {
			match r.event {
				RuntimeEvent::Sequencer(pallet_sequencer::Event::EntryExecuted { id, .. }) => {
					*executed.entry(id).or_default() += 1
				}
				RuntimeEvent::Sequencer(pallet_sequencer::Event::EntryRejected { id, .. }) => {
					rejected.push(id)
				}
				RuntimeEvent::Sequencer(pallet_sequencer::Event::BatchCommitted {
					sequence,
					worker,
					..
				}) => {
					sequences.push(sequence);
					committers.push(worker.to_string());
				}
				RuntimeEvent::TeeRegistry(pallet_tee_registry::Event::LeaderChanged {
					from,
					reason: pallet_tee_registry::LeaderChange::Takeover,
					..
				}) => takeovers.push((n, from)),
				_ => {}
			}
		}
	}
	for id in &sent {
		assert_eq!(executed.get(id), Some(&1), "#{id} executed exactly once");
	}
	assert!(rejected.is_empty(), "nothing rejected: {rejected:?}");
	assert_eq!(sequences, (0..sequences.len() as u64).collect::<Vec<_>>(), "no gap");
	// They sequenced together: batches were committed by workers of at least two kinds (the
	// leader's and its successor's).
	let committed_kinds: std::collections::BTreeSet<&str> = committers
		.iter()
		.filter_map(|c| accounts.iter().position(|a| a == c).map(|i| kinds[i].as_str()))
		.collect();
	assert!(committed_kinds.len() >= 2, "batches from {committed_kinds:?}");
	let takeover_after: u32 = <Runtime as pallet_tee_registry::Config>::TakeoverAfter::get();
	let (first, from) = takeovers
		.iter()
		.find(|(n, _)| *n > down_at)
		.cloned()
		.expect("a takeover after the leader went down");
	assert_eq!(from.map(|a| a.to_string()), Some(leader.clone()));
	assert!(
		first <= down_at + takeover_after + 2,
		"{down:?} at block {down_at}, taken over at {first} (TakeoverAfter {takeover_after})"
	);
	drop(workers);
	let _ = std::fs::remove_dir_all(&root);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_three_worker_cluster_loses_nothing_when_its_leader_is_killed_or_paused() {
	run(Down::Kill).await;
	run(Down::Pause).await;
}
