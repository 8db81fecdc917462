//! Several workers on one chain (the real runtime in memory, [`FakeChain`]): they share each
//! epoch's secret, one leads, a dead or paused leader is taken over without losing or
//! repeating anything, and a garbage copy of the secret makes nobody reject anything.
#![allow(clippy::indexing_slicing)]

use crate::{
	chain::Chain,
	config::Config,
	fake_chain::FakeChain,
	service::{StepReport, Worker},
	service_tests::{executed, submit, transfer, worker},
	tee::sim::SimBackend,
};
use aegis_primitives::batch::SubmissionId;
use aegis_runtime::{AccountId, Runtime, RuntimeCall, RuntimeEvent, RuntimeOrigin};
use frame_support::traits::Get;
use sp_keyring::Sr25519Keyring::{Alice, Bob, Charlie, Dave, Eve, Ferdie};
use std::{collections::BTreeMap, path::Path, sync::Arc};
use tempfile::TempDir;

/// Blocks a stalled leader is given per position.
fn takeover_after() -> u32 {
	<Runtime as pallet_tee_registry::Config>::TakeoverAfter::get()
}

/// A cluster of workers on one chain, each with its own data directory (its own enclave
/// identity).
struct Cluster {
	chain: Arc<FakeChain>,
	workers: Vec<Worker<FakeChain>>,
	_dirs: Vec<TempDir>,
}

impl Cluster {
	/// `n` workers, registered and sharing epoch 1.
	async fn new(n: usize) -> Self {
		let chain = Arc::new(FakeChain::dev());
		let mut c = Self { chain, workers: Vec::new(), _dirs: Vec::new() };
		for _ in 0..n {
			c.add(|dir, chain| worker(chain, dir, 1, 50, 60_000)).await;
		}
		c.settle(&[]).await;
		let view = c.view();
		assert_eq!(view.current.as_ref().map(|k| k.epoch), Some(1), "{view:?}");
		for w in &c.workers {
			assert!(c.holds(w, 1), "every worker holds epoch 1: {view:?}");
		}
		c
	}

	/// Adds a worker made by `make` and lets it register.
	async fn add(&mut self, make: impl FnOnce(&Path, &Arc<FakeChain>) -> Worker<FakeChain>) {
		let dir = tempfile::tempdir().unwrap();
		let mut w = make(dir.path(), &self.chain);
		assert!(w.step().await.unwrap().attested);
		self.workers.push(w);
		self._dirs.push(dir);
	}

	/// Steps every worker but `down`, one round, the leader first (it acts as soon as a block
	/// is final; the others only when it stalled); returns their reports by index.
	async fn round(&mut self, down: &[usize]) -> BTreeMap<usize, StepReport> {
		let mut order: Vec<usize> = (0..self.workers.len()).filter(|i| !down.contains(i)).collect();
		if let Some(leader) = self.try_leader() {
			order.sort_by_key(|i| *i != leader);
		}
		let mut reports = BTreeMap::new();
		for i in order {
			reports.insert(i, self.workers[i].step().await.unwrap());
		}
		reports
	}

	/// Rounds until one changes nothing (at most ten).
	async fn settle(&mut self, down: &[usize]) {
		for _ in 0..10 {
			let quiet = self.round(down).await.values().all(|r| {
				r.published_epoch.is_none()
					&& r.cluster.confirmed.is_none()
					&& r.cluster.provisioned.is_empty()
					&& r.batches.is_empty()
			});
			if quiet {
				return;
			}
		}
		panic!("the cluster did not settle: {:?}", self.view());
	}

	fn view(&self) -> pallet_tee_registry::ClusterView<AccountId, u32> {
		self.chain.with(pallet_tee_registry::Pallet::<Runtime>::cluster_view)
	}

	fn holds(&self, w: &Worker<FakeChain>, epoch: u32) -> bool {
		let me = w.keys().account_id();
		self.chain.with(|| pallet_tee_registry::KeyHolders::<Runtime>::contains_key(epoch, &me))
	}

	/// The index of the worker the chain names leader (electing one if none is stored yet:
	/// the first in order).
	fn leader(&self) -> usize {
		self.try_leader().expect("a leader")
	}

	fn try_leader(&self) -> Option<usize> {
		let view = self.view();
		let leader = view.leader.map(|l| l.leader).or_else(|| view.order.first().cloned())?;
		self.workers.iter().position(|w| w.keys().account_id() == leader)
	}
}

/// Every sequencer event of interest: each id executed, each rejected, the batch sequences and
/// the takeovers.
struct Record {
	executed: BTreeMap<SubmissionId, u32>,
	rejected: Vec<SubmissionId>,
	sequences: Vec<u64>,
	takeovers: Vec<(Option<AccountId>, AccountId)>,
}

fn record(chain: &FakeChain) -> Record {
	let mut r = Record {
		executed: BTreeMap::new(),
		rejected: Vec::new(),
		sequences: Vec::new(),
		takeovers: Vec::new(),
	};
	for (id, _, _) in executed(chain) {
		*r.executed.entry(id).or_default() += 1;
	}
	for e in chain.events() {
		match e {
			RuntimeEvent::Sequencer(pallet_sequencer::Event::EntryRejected { id, .. }) => {
				r.rejected.push(id)
			}
			RuntimeEvent::Sequencer(pallet_sequencer::Event::BatchCommitted {
				sequence, ..
			}) => r.sequences.push(sequence),
			RuntimeEvent::TeeRegistry(pallet_tee_registry::Event::LeaderChanged {
				from,
				to,
				reason: pallet_tee_registry::LeaderChange::Takeover,
			}) => r.takeovers.push((from, to)),
			_ => {}
		}
	}
	r
}

/// Each of `ids` executed exactly once, nothing rejected, batches numbered without a gap.
fn exactly_once(chain: &FakeChain, ids: &[SubmissionId]) -> Record {
	let r = record(chain);
	for id in ids {
		assert_eq!(r.executed.get(id), Some(&1), "entry {id} ran once: {:?}", r.executed);
	}
	assert_eq!(r.executed.len(), ids.len(), "nothing else ran: {:?}", r.executed);
	assert!(r.rejected.is_empty(), "nothing rejected: {:?}", r.rejected);
	assert_eq!(r.sequences, (0..r.sequences.len() as u64).collect::<Vec<_>>());
	r
}

fn users() -> [sp_keyring::Sr25519Keyring; 5] {
	[Alice, Bob, Charlie, Dave, Eve]
}

/// `n` transfers from several accounts; their ids.
fn transfers(chain: &FakeChain, n: usize) -> Vec<SubmissionId> {
	(0..n).map(|i| submit(chain, users()[i % 5], &transfer(Ferdie, 1 + i as u128))).collect()
}

#[tokio::test]
async fn three_workers_share_each_epoch_and_only_the_leader_commits() {
	let mut c = Cluster::new(3).await;
	let ids = transfers(&c.chain, 6);
	let leader = c.leader();
	let reports = c.round(&[]).await;
	for (i, r) in &reports {
		if *i == leader {
			assert_eq!(r.batches.concat().len(), 6, "{r:?}");
		} else {
			assert!(r.batches.is_empty() && r.rejected.is_empty(), "follower {i}: {r:?}");
		}
	}
	exactly_once(&c.chain, &ids);

	// An Emergency requires a new epoch: one worker publishes it with a copy for each other,
	// they confirm, and every worker opens what users send to it.
	let root = |call| c.chain.dispatch(RuntimeOrigin::root(), call).unwrap();
	root(RuntimeCall::RiskOracle(pallet_risk_oracle::Call::force_score { score: 9_500 }));
	c.chain.advance(1);
	c.settle(&[]).await;
	assert_eq!(c.view().current.map(|k| k.epoch), Some(2));
	for w in &c.workers {
		assert!(c.holds(w, 2));
		assert!(w.cluster().secrets().key(2).is_some());
	}
	let more = transfers(&c.chain, 3);
	c.settle(&[]).await;
	exactly_once(&c.chain, &[ids, more].concat());
}

#[tokio::test]
async fn a_killed_leader_is_taken_over_and_nothing_is_lost_or_run_twice() {
	let mut c = Cluster::new(3).await;
	let first = transfers(&c.chain, 4);
	c.round(&[]).await;
	let dead = c.leader();
	// The leader dies with entries waiting.
	let waiting = transfers(&c.chain, 6);
	let since = c.chain.with(frame_system::Pallet::<Runtime>::block_number);
	let mut took_over_at = None;
	for _ in 0..(4 * takeover_after()) {
		let reports = c.round(&[dead]).await;
		if reports.values().any(|r| r.took_over) {
			took_over_at = Some(c.chain.with(frame_system::Pallet::<Runtime>::block_number));
			break;
		}
		c.chain.advance(1);
	}
	let took_over_at = took_over_at.expect("a follower took over");
	// The next in order takes over once the oldest entry waited `TakeoverAfter` blocks (its
	// own commit takes a block).
	assert!(took_over_at <= since + takeover_after() + 2, "{since} → {took_over_at}");
	c.settle(&[dead]).await;
	let r = exactly_once(&c.chain, &[first, waiting].concat());
	let dead_account = c.workers[dead].keys().account_id();
	assert_eq!(r.takeovers.last().unwrap().0, Some(dead_account.clone()));
	assert_ne!(c.workers[c.leader()].keys().account_id(), dead_account);
}

#[tokio::test]
async fn a_paused_leader_that_resumes_after_a_takeover_changes_nothing() {
	let mut c = Cluster::new(3).await;
	let paused = c.leader();
	let ids = transfers(&c.chain, 5);
	// While the leader is paused, the others see the entries wait and one takes over.
	let mut taken = false;
	for _ in 0..(4 * takeover_after()) {
		if c.round(&[paused]).await.values().any(|r| r.took_over) {
			taken = true;
			break;
		}
		c.chain.advance(1);
	}
	assert!(taken);
	// The paused leader resumes: it sees it no longer leads and only follows.
	let more = transfers(&c.chain, 3);
	let r = c.workers[paused].step().await.unwrap();
	assert!(r.batches.is_empty() && r.rejected.is_empty() && r.refused.is_empty(), "{r:?}");
	// A batch it had built before the pause is refused outright.
	let stale = {
		let w = &c.workers[paused];
		let genesis = c.chain.genesis();
		let key = w.cluster().secrets().key(1).expect("holds epoch 1");
		let id = more[0];
		let s = c.chain.with(|| pallet_sequencer::Pending::<Runtime>::get(id)).unwrap();
		let revealed = crate::pipeline::open(key, &genesis, &s).unwrap();
		let class =
			c.chain.with(|| pallet_sequencer::Pallet::<Runtime>::order_class(&revealed.call));
		let entry = c.chain.with(|| pallet_sequencer::Pallet::<Runtime>::batch_entry(id, revealed));
		let tip = c.chain.with(pallet_sequencer::Batches::<Runtime>::get);
		let now = c.chain.with(frame_system::Pallet::<Runtime>::block_number);
		let risk = c.chain.with(pallet_risk_oracle::Pallet::<Runtime>::status);
		let batch = tip
			.next_batch(
				genesis,
				1,
				c.chain.with(pallet_sequencer::ActiveRule::<Runtime>::get),
				now,
				risk.score,
				vec![(entry.unwrap(), class)],
			)
			.unwrap();
		let signatures =
			crate::pipeline::sign_batch(w.keys(), risk.policy.batch_suites, &batch).unwrap();
		c.chain.dispatch(
			RuntimeOrigin::signed(w.keys().account_id()),
			RuntimeCall::Sequencer(pallet_sequencer::Call::commit_batch {
				batch,
				signatures,
				cosignatures: Default::default(),
			}),
		)
	};
	let refused = stale.unwrap_err().to_string();
	assert!(refused.contains("NotLeader"), "{refused}");
	c.settle(&[]).await;
	exactly_once(&c.chain, &[ids, more].concat());
}

#[tokio::test]
async fn a_garbage_copy_makes_no_worker_reject_anything_and_is_replaced() {
	let mut c = Cluster::new(2).await;
	let late = {
		c.add(|dir, chain| worker(chain, dir, 1, 50, 60_000)).await;
		c.workers.len() - 1
	};
	let late_account = c.workers[late].keys().account_id();
	// A holder seals garbage to the late joiner before anyone else provisions it.
	let liar = c.workers[0].keys().account_id();
	c.chain
		.dispatch(
			RuntimeOrigin::signed(liar.clone()),
			RuntimeCall::TeeRegistry(pallet_tee_registry::Call::provision_cluster_key {
				epoch: 1,
				to_worker: late_account.clone(),
				sealed_secret: vec![0xab; 1200].try_into().unwrap(),
			}),
		)
		.unwrap();
	let r = c.workers[late].step().await.unwrap();
	assert_eq!(r.cluster.refused_copies.len(), 1, "{r:?}");
	assert!(!c.holds(&c.workers[late], 1));
	let ids = transfers(&c.chain, 5);
	// Rounds go by; the late worker never rejects, the other holder replaces the garbage once
	// `reprovision_after_blocks` passed, and the late worker confirms.
	for _ in 0..12 {
		let reports = c.round(&[]).await;
		assert!(reports[&late].rejected.is_empty());
		if c.holds(&c.workers[late], 1) {
			break;
		}
		c.chain.advance(1);
	}
	assert!(c.holds(&c.workers[late], 1), "{:?}", c.view());
	c.settle(&[]).await;
	exactly_once(&c.chain, &ids);
}

#[tokio::test]
async fn a_worker_whose_enclave_the_others_do_not_accept_gets_no_copy() {
	let mut c = Cluster::new(1).await;
	// The chain allows another enclave, the holder's own allowlist does not.
	let other = aegis_attestation::sim::SgxEnclave {
		isv_svn: 9,
		..aegis_attestation::sim::SgxEnclave::dev_worker()
	};
	let root = |call| c.chain.dispatch(RuntimeOrigin::root(), call).unwrap();
	root(RuntimeCall::TeeRegistry(pallet_tee_registry::Call::allow_measurement {
		measurement: other.measurement(),
		enact_at: None,
	}));
	c.add(|dir, chain| {
		let mut config = Config::default();
		config.worker.data_dir = dir.into();
		config.worker.batch_min = 1;
		let settings = config.check().unwrap();
		Worker::new(chain.clone(), Arc::new(SimBackend::with_enclave(other.clone())), settings)
			.unwrap()
	})
	.await;
	let stranger = c.workers[1].keys().account_id();
	let r = c.workers[0].step().await.unwrap();
	assert_eq!(r.cluster.refused_peers.len(), 1, "{r:?}");
	assert!(r.cluster.refused_peers[0].1.contains("allowlist"), "{r:?}");
	c.settle(&[]).await;
	assert!(!c.holds(&c.workers[1], 1));
	assert!(!c.view().copies.iter().any(|(_, _, to)| to == &stranger));
}

fn redundancy_worker(chain: &Arc<FakeChain>, dir: &Path, url: &str) -> Worker<FakeChain> {
	let mut config = Config::default();
	config.worker.data_dir = dir.into();
	config.worker.batch_min = 1;
	config.worker.role = "redundancy".into();
	config.api.public_url = Some(url.into());
	Worker::new(chain.clone(), Arc::new(SimBackend::dev()), config.check().unwrap()).unwrap()
}

/// Serves `worker`'s API (with `POST /cosign`) on `listener`, as `aegis-worker` does.
fn serve(
	listener: tokio::net::TcpListener,
	worker: &Worker<FakeChain>,
	chain: &Arc<FakeChain>,
) -> tokio::task::JoinHandle<()> {
	let router = crate::api::router(crate::api::ApiState {
		shared: worker.shared(),
		chain: chain.clone(),
		cosigner: worker.cosigner(),
	});
	tokio::spawn(async move {
		let _ = axum::serve(listener, router).await;
	})
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_redundancy_on_batches_carry_cosignatures_over_http_and_survive_a_dead_cosigner() {
	let mut c = Cluster::new(1).await;
	let mut servers = Vec::new();
	for _ in 0..2 {
		let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
		let url = format!("http://{}", listener.local_addr().unwrap());
		c.add(|dir, chain| redundancy_worker(chain, dir, &url)).await;
		servers.push(serve(listener, c.workers.last().unwrap(), &c.chain));
	}
	c.settle(&[]).await;
	for i in [1, 2] {
		assert!(c.holds(&c.workers[i], 1), "redundancy worker {i} holds epoch 1");
	}
	assert_eq!(c.view().cosigners.len(), 2);
	c.chain
		.dispatch(
			RuntimeOrigin::root(),
			RuntimeCall::TeeRegistry(pallet_tee_registry::Call::set_redundancy {
				config: pallet_tee_registry::RedundancyConfig { enabled: true, min_cosigners: 1 },
			}),
		)
		.unwrap();
	let cosigners_of_last = |c: &Cluster| {
		let shared = c.workers[0].shared();
		let st = shared.status.read().unwrap();
		let last = st.batches.back().unwrap().clone();
		assert!(last.outcome.is_ok(), "{last:?}");
		let mut cosigners = last.cosigners;
		cosigners.sort();
		cosigners
	};
	let account = |c: &Cluster, i: usize| c.workers[i].keys().account_id().to_string();
	let ids = transfers(&c.chain, 3);
	c.settle(&[]).await;
	let mut both = vec![account(&c, 1), account(&c, 2)];
	both.sort();
	assert_eq!(cosigners_of_last(&c), both);
	// One co-signer dies: one co-signature is enough.
	servers.pop().unwrap().abort();
	let more = transfers(&c.chain, 3);
	c.settle(&[2]).await;
	assert_eq!(cosigners_of_last(&c), vec![account(&c, 1)]);
	exactly_once(&c.chain, &[ids.clone(), more.clone()].concat());
	// While a batch is on its way the co-signers' finalized view lacks it, so they would
	// refuse a batch built on it: the leader waits for it rather than being refused.
	let sorted = |mut v: Vec<SubmissionId>| {
		v.sort_unstable();
		v
	};
	let include = |c: &Cluster| c.chain.commit_gate.add_permits(1);
	let pause = || tokio::time::sleep(std::time::Duration::from_millis(50));
	c.chain.defer_commits.store(true, std::sync::atomic::Ordering::SeqCst);
	let first = transfers(&c.chain, 2);
	let r = c.workers[0].step().await.unwrap();
	assert!(r.batches.is_empty() && r.refused.is_empty(), "on its way: {r:?}");
	let second = transfers(&c.chain, 2);
	let r = c.workers[0].step().await.unwrap();
	assert!(r.batches.is_empty() && r.refused.is_empty(), "waits, not refused: {r:?}");
	include(&c);
	pause().await;
	let r = c.workers[0].step().await.unwrap();
	assert!(r.refused.is_empty(), "{r:?}");
	assert_eq!(r.batches.into_iter().map(sorted).collect::<Vec<_>>(), vec![sorted(first.clone())]);
	include(&c);
	pause().await;
	let r = c.workers[0].step().await.unwrap();
	assert_eq!(r.batches.into_iter().map(sorted).collect::<Vec<_>>(), vec![sorted(second.clone())]);
	assert_eq!(cosigners_of_last(&c), vec![account(&c, 1)]);
	c.chain.defer_commits.store(false, std::sync::atomic::Ordering::SeqCst);
	exactly_once(&c.chain, &[ids, more, first, second].concat());
	// Two required with one dead: the batch waits rather than going out without them.
	c.chain
		.dispatch(
			RuntimeOrigin::root(),
			RuntimeCall::TeeRegistry(pallet_tee_registry::Call::set_redundancy {
				config: pallet_tee_registry::RedundancyConfig { enabled: true, min_cosigners: 2 },
			}),
		)
		.unwrap();
	let waiting = transfers(&c.chain, 1);
	let r = c.workers[0].step().await.unwrap();
	assert!(r.batches.is_empty() && r.rejected.is_empty(), "{r:?}");
	assert!(r.refused.iter().any(|m| m.contains("co-signatures")), "{r:?}");
	assert!(!record(&c.chain).executed.contains_key(&waiting[0]));
}

#[tokio::test]
async fn a_cosigner_refuses_a_batch_it_does_not_rebuild_itself() {
	let mut c = Cluster::new(1).await;
	c.add(|dir, chain| redundancy_worker(chain, dir, "http://r1")).await;
	c.settle(&[]).await;
	let cosigner = c.workers[1].cosigner();
	let ids = transfers(&c.chain, 3);
	let genesis = c.chain.genesis();
	let key = c.workers[0].cluster().secrets().key(1).unwrap();
	let entry = |id: SubmissionId| {
		let s = c.chain.with(|| pallet_sequencer::Pending::<Runtime>::get(id)).unwrap();
		let revealed = crate::pipeline::open(key, &genesis, &s).unwrap();
		let class =
			c.chain.with(|| pallet_sequencer::Pallet::<Runtime>::order_class(&revealed.call));
		(
			c.chain
				.with(|| pallet_sequencer::Pallet::<Runtime>::batch_entry(id, revealed))
				.unwrap(),
			class,
		)
	};
	let batch_of = |entries: Vec<_>| {
		let tip = c.chain.with(pallet_sequencer::Batches::<Runtime>::get);
		let now = c.chain.with(frame_system::Pallet::<Runtime>::block_number);
		let rule = c.chain.with(pallet_sequencer::ActiveRule::<Runtime>::get);
		let risk = c.chain.with(pallet_risk_oracle::Pallet::<Runtime>::status).score;
		tip.next_batch(genesis, 1, rule, now, risk, entries).unwrap()
	};
	// The oldest entry left out.
	let skipping = batch_of(vec![entry(ids[1]), entry(ids[2])]);
	let why = cosigner.cosign(skipping).await.unwrap_err();
	assert!(why.contains("left out"), "{why}");
	// A revealed call that is not what the envelope holds.
	let mut forged = batch_of(vec![entry(ids[0])]);
	forged.entries[0].revealed.salt = [9; 32];
	let why = cosigner.cosign(forged).await.unwrap_err();
	assert!(why.contains("malformed") || why.contains("does not reveal"), "{why}");
	// The batch as the rule gives it is co-signed, unless a flood of requests holds every slot.
	let fine = batch_of(ids.iter().map(|id| entry(*id)).collect());
	{
		let _held: Vec<_> = (0..crate::cluster::cosign::COSIGN_CONCURRENCY)
			.map(|_| cosigner.slots().try_acquire().unwrap())
			.collect();
		let why = cosigner.cosign(fine.clone()).await.unwrap_err();
		assert!(why.contains("busy"), "{why}");
	}
	assert!(cosigner.cosign(fine).await.is_ok());
}

#[tokio::test]
async fn an_epoch_most_of_whose_entries_do_not_open_is_reported_not_rejected() {
	let mut c = Cluster::new(1).await;
	let genesis = c.chain.genesis();
	let good = aegis_primitives::batch::RevealedCall {
		call: codec::Encode::encode(&transfer(Ferdie, 1)).try_into().unwrap(),
		salt: [1; 32],
	};
	// Envelopes of epoch 1 that this worker's secret does not open: as many as a wrong copy of
	// the secret would make of every honest submission.
	let stranger = aegis_envelope::RecipientKey::derive(&[9; 32], 1).public_key();
	let mut sealed_wrong = Vec::new();
	for who in [Alice, Bob, Charlie, Dave] {
		let account = pallet_tee_registry::Pallet::<Runtime>::account_bytes(&who.to_account_id());
		let envelope =
			aegis_envelope::seal(&stranger, &genesis, &account, &codec::Encode::encode(&good))
				.unwrap();
		sealed_wrong.push(crate::service_tests::submit_raw(
			&c.chain,
			who,
			envelope,
			good.commitment(),
		));
	}
	let r = c.workers[0].step().await.unwrap();
	assert!(r.rejected.is_empty(), "{r:?}");
	let shared = c.workers[0].shared();
	let status = shared.status.read().unwrap().cluster.clone().unwrap();
	assert_eq!(status.faulty_epochs, vec![1]);
	assert!(shared.metrics.render().contains("aegis_worker_cluster_faulty_epochs 1"));
	assert!(record(&c.chain).rejected.is_empty());
	// Honest entries still go through.
	let ids = transfers(&c.chain, 2);
	c.settle(&[]).await;
	let r = record(&c.chain);
	for id in &ids {
		assert_eq!(r.executed.get(id), Some(&1));
	}
	assert!(r.rejected.is_empty());
	let _ = sealed_wrong;
}
