//! The worker against the real runtime in memory ([`FakeChain`]) and the simulated TEE:
//! enrolment, the rule's order, batching limits, policy-driven suites, rejections, key
//! rotation, and a restart that loses and duplicates nothing.
#![allow(clippy::indexing_slicing)]

use crate::{
	chain::{Chain, ChainError},
	config::Config,
	fake_chain::FakeChain,
	service::{StepReport, Worker, WorkerError},
	tee::sim::SimBackend,
};
use aegis_primitives::batch::{RevealedCall, SubmissionId};
use aegis_runtime::{AccountId, Runtime, RuntimeCall, RuntimeEvent, RuntimeOrigin};
use codec::Encode;
use frame_support::{traits::Get, weights::Weight};
use pallet_sequencer::{EntryOutcome, RejectReason};
use sp_keyring::Sr25519Keyring::{self, Alice, Bob, Charlie, Dave, Eve};
use std::{path::Path, sync::Arc, time::Duration};

pub(crate) fn worker(
	chain: &Arc<FakeChain>,
	dir: &Path,
	min: u32,
	max: u32,
	wait_ms: u64,
) -> Worker<FakeChain> {
	let mut config = Config::default();
	config.worker.data_dir = dir.into();
	config.worker.batch_min = min;
	config.worker.batch_max = Some(max);
	config.worker.max_wait_ms = wait_ms;
	let settings = config.check().unwrap();
	Worker::new(chain.clone(), Arc::new(SimBackend::dev()), settings).unwrap()
}

/// Registers and publishes the cluster key (two steps).
async fn enrolled(
	chain: &Arc<FakeChain>,
	dir: &Path,
	min: u32,
	max: u32,
	wait_ms: u64,
) -> Worker<FakeChain> {
	let mut w = worker(chain, dir, min, max, wait_ms);
	// Its account needs no funds on the fake chain; enrolment is by quote.
	let r = w.step().await.unwrap();
	assert!(r.attested, "{r:?}");
	let r = w.step().await.unwrap();
	assert_eq!(r.published_epoch, Some(1));
	w
}

pub(crate) fn acct(k: Sr25519Keyring) -> AccountId {
	k.to_account_id()
}

pub(crate) fn transfer(to: Sr25519Keyring, amount: u128) -> RuntimeCall {
	RuntimeCall::Balances(pallet_balances::Call::transfer_keep_alive {
		dest: acct(to).into(),
		value: amount,
	})
}

pub(crate) fn weight() -> Weight {
	Weight::from_parts(2_000_000_000, 100_000)
}

/// The current cluster key users encrypt to.
pub(crate) fn current_key(chain: &FakeChain) -> aegis_envelope::RecipientPublicKey {
	chain.with(|| {
		let k = pallet_tee_registry::CurrentClusterKey::<Runtime>::get().unwrap();
		aegis_envelope::RecipientPublicKey::from_bytes(k.epoch, &k.public_key).unwrap()
	})
}

/// `who` submits `call` encrypted to the current cluster key, as a client does.
pub(crate) fn submit(chain: &FakeChain, who: Sr25519Keyring, call: &RuntimeCall) -> SubmissionId {
	let key = current_key(chain);
	let (envelope, commitment) = crate::client::encrypt(&chain.genesis(), &acct(who), call, &key);
	submit_raw(chain, who, envelope, commitment)
}

pub(crate) fn submit_raw(
	chain: &FakeChain,
	who: Sr25519Keyring,
	envelope: Vec<u8>,
	commitment: [u8; 32],
) -> SubmissionId {
	let events = chain
		.dispatch(
			RuntimeOrigin::signed(acct(who)),
			RuntimeCall::Sequencer(pallet_sequencer::Call::submit_encrypted {
				envelope: envelope.try_into().unwrap(),
				commitment,
				max_weight: weight(),
			}),
		)
		.unwrap();
	events
		.iter()
		.find_map(|e| match e {
			RuntimeEvent::Sequencer(pallet_sequencer::Event::Submitted { id, .. }) => Some(*id),
			_ => None,
		})
		.unwrap()
}

/// Every executed entry so far: (id, submitter, succeeded), in execution order.
pub(crate) fn executed(chain: &FakeChain) -> Vec<(SubmissionId, AccountId, bool)> {
	chain
		.events()
		.into_iter()
		.filter_map(|e| match e {
			RuntimeEvent::Sequencer(pallet_sequencer::Event::EntryExecuted {
				id,
				who,
				outcome,
				..
			}) => Some((id, who, matches!(outcome, EntryOutcome::Executed { result: Ok(()), .. }))),
			_ => None,
		})
		.collect()
}

/// Alice creates token `id`, mints herself 1,000 and protects it with the given policy
/// requirements.
fn alice_protects_token(chain: &FakeChain, id: u32, requires_pqc: bool, requires_tee: bool) {
	let alice = acct(Alice);
	for call in [
		RuntimeCall::Assets(pallet_assets::Call::create {
			id: id.into(),
			admin: alice.clone().into(),
			min_balance: 1,
		}),
		RuntimeCall::Assets(pallet_assets::Call::mint {
			id: id.into(),
			beneficiary: alice.clone().into(),
			amount: 1_000,
		}),
		RuntimeCall::Sequencer(pallet_sequencer::Call::register_asset {
			id,
			asset_type: aegis_primitives::assets::AssetType::OnChainToken,
			policy: aegis_primitives::assets::AccessPolicy {
				allowed_operations: Default::default(),
				requires_pqc,
				requires_tee,
				risk_threshold: aegis_primitives::risk::RiskScore::MAX,
			},
			chain_id: None,
			location: Default::default(),
		}),
	] {
		chain.dispatch(RuntimeOrigin::signed(alice.clone()), call).unwrap();
	}
}

pub(crate) fn root(chain: &FakeChain, call: RuntimeCall) {
	chain.dispatch(RuntimeOrigin::root(), call).unwrap();
}

#[tokio::test]
async fn it_enrols_and_sequences_in_the_rules_order_as_the_submitters() {
	let chain = Arc::new(FakeChain::dev());
	let dir = tempfile::tempdir().unwrap();
	let mut w = enrolled(&chain, dir.path(), 1, 50, 60_000).await;
	let me = w.keys().account_id();
	let info = chain.with(|| pallet_tee_registry::Workers::<Runtime>::get(&me)).unwrap();
	assert_eq!(&info.keys, w.keys().enclave_keys());

	// A token Alice protects (TEE-only): under the Hybrid rule its transfers go first.
	alice_protects_token(&chain, 7, false, true);

	let a = submit(&chain, Bob, &transfer(Charlie, 5));
	let b = submit(
		&chain,
		Alice,
		&RuntimeCall::Assets(pallet_assets::Call::transfer {
			id: 7u32.into(),
			target: acct(Dave).into(),
			amount: 3,
		}),
	);
	let c = submit(
		&chain,
		Charlie,
		&RuntimeCall::System(frame_system::Call::remark_with_event { remark: b"hi".to_vec() }),
	);
	let d = submit(&chain, Dave, &transfer(Eve, 7));

	let r = w.step().await.unwrap();
	assert_eq!(r.batches, vec![vec![b, a, c, d]], "{r:?}");
	assert!(r.refused.is_empty());
	assert_eq!(
		executed(&chain),
		vec![
			(b, acct(Alice), true),
			(a, acct(Bob), true),
			(c, acct(Charlie), true),
			(d, acct(Dave), true)
		]
	);
	assert_eq!(chain.with(|| pallet_assets::Pallet::<Runtime>::balance(7, acct(Dave))), 3);
	// Nothing left, nothing sent twice.
	assert_eq!(w.step().await.unwrap(), StepReport::default());
	assert_eq!(chain.with(|| pallet_sequencer::Batches::<Runtime>::get().next_sequence), 1);
}

#[tokio::test]
async fn the_mirror_fetches_each_pending_submission_once() {
	let chain = Arc::new(FakeChain::dev());
	let dir = tempfile::tempdir().unwrap();
	let mut w = enrolled(&chain, dir.path(), 5, 50, 60_000).await;
	let reads = || chain.submission_reads.load(std::sync::atomic::Ordering::Relaxed);
	let before = reads();
	let mut ids: Vec<_> = (0..3).map(|i| submit(&chain, Bob, &transfer(Charlie, 1 + i))).collect();
	// Below the minimum: mirrored, not batched.
	assert!(w.step().await.unwrap().batches.is_empty());
	assert_eq!(reads() - before, 3);
	assert!(w.step().await.unwrap().batches.is_empty());
	assert_eq!(reads() - before, 3, "nothing new, nothing fetched");
	ids.extend((0..2).map(|i| submit(&chain, Charlie, &transfer(Dave, 1 + i))));
	assert_eq!(w.step().await.unwrap().batches, vec![ids]);
	assert_eq!(reads() - before, 5, "only the two new ones fetched");
	assert_eq!(executed(&chain).len(), 5);
}

#[tokio::test]
async fn batches_respect_the_size_limits_and_the_wait() {
	let chain = Arc::new(FakeChain::dev());
	let dir = tempfile::tempdir().unwrap();
	// A clock the test moves by hand: the wait is exact whatever the machine's load.
	let now = Arc::new(std::sync::Mutex::new(std::time::Instant::now()));
	let clock = now.clone();
	let mut w = enrolled(&chain, dir.path(), 3, 4, 300)
		.await
		.with_clock(Arc::new(move || *clock.lock().unwrap()));
	let advance = |ms: u64| *now.lock().unwrap() += Duration::from_millis(ms);
	let ids: Vec<_> = (0..2).map(|i| submit(&chain, Bob, &transfer(Charlie, 1 + i))).collect();
	// Two ready, fewer than the minimum, and not waited long: no batch.
	assert!(w.step().await.unwrap().batches.is_empty());
	advance(299);
	assert!(w.step().await.unwrap().batches.is_empty());
	advance(1);
	// The oldest has waited long enough: the two go.
	assert_eq!(w.step().await.unwrap().batches, vec![ids]);

	let ids: Vec<_> = (0..10).map(|i| submit(&chain, Charlie, &transfer(Dave, 1 + i))).collect();
	let r = w.step().await.unwrap();
	// Never more than four; the last two wait for company or for time.
	assert_eq!(r.batches, vec![ids[0..4].to_vec(), ids[4..8].to_vec()]);
	advance(300);
	assert_eq!(w.step().await.unwrap().batches, vec![ids[8..10].to_vec()]);
	assert_eq!(executed(&chain).len(), 12);
}

#[tokio::test]
async fn the_policy_decides_the_suites_and_emergency_rotates_the_cluster_key() {
	let chain = Arc::new(FakeChain::dev());
	let dir = tempfile::tempdir().unwrap();
	let mut w = enrolled(&chain, dir.path(), 1, 50, 60_000).await;
	let shared = w.shared();
	submit(&chain, Bob, &transfer(Charlie, 1));
	assert_eq!(w.step().await.unwrap().batches.len(), 1);
	let suites = |s: &crate::service::Shared| {
		s.status.read().unwrap().batches.back().unwrap().suites.clone()
	};
	assert_eq!(suites(&shared), vec!["ML-DSA-87"]);

	// Emergency takes effect at once: both suites, and a new cluster key epoch is due.
	root(&chain, RuntimeCall::RiskOracle(pallet_risk_oracle::Call::force_score { score: 9_500 }));
	chain.advance(1);
	let r = w.step().await.unwrap();
	assert_eq!(r.published_epoch, Some(2), "{r:?}");
	let id = submit(&chain, Dave, &transfer(Eve, 2));
	let r = w.step().await.unwrap();
	assert_eq!(r.batches, vec![vec![id]], "{r:?}");
	assert_eq!(suites(&shared), vec!["ML-DSA-87", "SLH-DSA-SHA2-256s"]);
	assert!(executed(&chain).iter().all(|(_, _, ok)| *ok));
}

#[tokio::test]
async fn undecryptable_entries_are_rejected_on_chain_with_their_reason() {
	let chain = Arc::new(FakeChain::dev());
	let dir = tempfile::tempdir().unwrap();
	let mut w = enrolled(&chain, dir.path(), 1, 50, 60_000).await;
	let genesis = chain.genesis();
	let bob = pallet_tee_registry::Pallet::<Runtime>::account_bytes(&acct(Bob));
	let good =
		RevealedCall { call: transfer(Charlie, 1).encode().try_into().unwrap(), salt: [1; 32] };

	// Sealed to a key of the right epoch that is not the cluster key.
	let stranger = aegis_envelope::RecipientKey::derive(&[9; 32], 1).public_key();
	let wrong_key = submit_raw(
		&chain,
		Bob,
		aegis_envelope::seal(&stranger, &genesis, &bob, &good.encode()).unwrap(),
		good.commitment(),
	);
	let cluster = current_key(&chain);
	let garbage = submit_raw(
		&chain,
		Bob,
		aegis_envelope::seal(&cluster, &genesis, &bob, b"not a revealed call").unwrap(),
		[0; 32],
	);
	let lying = submit_raw(
		&chain,
		Bob,
		aegis_envelope::seal(&cluster, &genesis, &bob, &good.encode()).unwrap(),
		[7; 32],
	);
	let fine = submit(&chain, Bob, &transfer(Dave, 1));

	let r = w.step().await.unwrap();
	assert_eq!(r.rejected, vec![wrong_key, garbage, lying]);
	assert_eq!(r.batches, vec![vec![fine]]);
	let reasons: Vec<(SubmissionId, RejectReason)> = chain
		.events()
		.into_iter()
		.filter_map(|e| match e {
			RuntimeEvent::Sequencer(pallet_sequencer::Event::EntryRejected {
				id, reason, ..
			}) => Some((id, reason)),
			_ => None,
		})
		.collect();
	assert_eq!(
		reasons,
		vec![
			(wrong_key, RejectReason::DecryptionFailed),
			(garbage, RejectReason::Malformed),
			(lying, RejectReason::CommitmentMismatch),
		]
	);
	assert_eq!(chain.with(pallet_sequencer::Pending::<Runtime>::count), 0);
	// Each rejected deposit came back minus the reject fee; nothing stays held.
	let fee: u128 = <Runtime as pallet_sequencer::Config>::RejectFee::get();
	let events = chain.events();
	let deposit = |id: SubmissionId| {
		events.iter().find_map(|e| match e {
			RuntimeEvent::Sequencer(pallet_sequencer::Event::Submitted {
				id: i, deposit, ..
			}) if *i == id => Some(*deposit),
			_ => None,
		})
	};
	let charged: Vec<(SubmissionId, u128)> = events
		.iter()
		.filter_map(|e| match e {
			RuntimeEvent::Sequencer(pallet_sequencer::Event::EntryRejected {
				id, charged, ..
			}) => Some((*id, *charged)),
			_ => None,
		})
		.collect();
	// The fee, at most what carrying the envelope costs (the deposit less its weight part).
	assert_eq!(charged.len(), 3);
	use frame_support::weights::WeightToFee as _;
	let weight_part = <Runtime as pallet_sequencer::Config>::WeightToFee::weight_to_fee(&weight());
	for (id, c) in charged {
		assert_eq!(c, fee.min(deposit(id).unwrap() - weight_part), "#{id}");
		assert!(c < fee, "#{id}: a transfer's envelope costs less to carry than RejectFee");
	}
	use frame_support::traits::fungible::InspectHold;
	assert_eq!(
		chain.with(|| pallet_balances::Pallet::<Runtime>::total_balance_on_hold(&acct(Bob))),
		0
	);
	assert_eq!(w.shared().metrics.decrypt_failures.get(), 3);
}

#[tokio::test]
async fn an_entry_the_chain_refuses_in_every_batch_is_isolated_and_rejected_without_delaying_others(
) {
	let chain = Arc::new(FakeChain::dev());
	let dir = tempfile::tempdir().unwrap();
	let mut w = enrolled(&chain, dir.path(), 1, 50, 60_000).await;
	let senders = [Alice, Bob, Charlie, Dave, Eve, Alice, Bob, Charlie];
	let ids: Vec<SubmissionId> = senders
		.iter()
		.enumerate()
		.map(|(i, who)| submit(&chain, *who, &transfer(Eve, 10 + i as u128)))
		.collect();
	// The chain refuses any batch holding the fourth, for a reason that is no batch-wide
	// fault (as it refused a batch whose weight a poison entry inflated).
	let poison = ids[3];
	chain.poison.lock().unwrap().insert(poison);

	// One pass: the batch is split until the poison entry is alone; every other entry is
	// committed in that pass, in the rule's order.
	let r = w.step().await.unwrap();
	let committed: Vec<SubmissionId> = r.batches.concat();
	let others: Vec<SubmissionId> = ids.iter().copied().filter(|id| *id != poison).collect();
	assert_eq!(committed.len(), others.len(), "{r:?}");
	let mut sorted = committed.clone();
	sorted.sort_unstable();
	assert_eq!(sorted, others);
	// log2(8) = 3 halvings: at most 3 batches and 4 refusals before the poison is alone.
	assert!(r.batches.len() <= 3, "{r:?}");
	assert!(!r.refused.is_empty() && r.refused.len() <= 4, "{r:?}");
	assert!(executed(&chain).iter().all(|(id, _, ok)| *id != poison && *ok));

	// Refused alone once: it sits out, and is tried alone again at the next finalized block,
	// where a second refusal marks it unexecutable; the pass after rejects it on chain.
	let mut rejected = Vec::new();
	for _ in 0..4 {
		chain.advance(1);
		let r = w.step().await.unwrap();
		assert!(r.batches.is_empty(), "{r:?}");
		rejected.extend(r.rejected);
		if !rejected.is_empty() {
			break;
		}
	}
	assert_eq!(rejected, vec![poison]);
	let reason =
		chain.events().into_iter().find_map(|e| match e {
			RuntimeEvent::Sequencer(pallet_sequencer::Event::EntryRejected {
				id, reason, ..
			}) if id == poison => Some(reason),
			_ => None,
		});
	assert_eq!(reason, Some(RejectReason::Unexecutable));
	assert_eq!(chain.with(pallet_sequencer::Pending::<Runtime>::count), 0);
	// Nothing more is tried: no refusal loop.
	let failures = w.shared().metrics.batch_failures.get();
	chain.advance(1);
	let r = w.step().await.unwrap();
	assert!(r.batches.is_empty() && r.refused.is_empty() && r.rejected.is_empty(), "{r:?}");
	assert_eq!(w.shared().metrics.batch_failures.get(), failures);
}

#[tokio::test]
async fn a_restarted_worker_resumes_from_the_chain_without_loss_or_duplicates() {
	let chain = Arc::new(FakeChain::dev());
	let dir = tempfile::tempdir().unwrap();
	let first: Vec<_>;
	let account;
	{
		let mut w = enrolled(&chain, dir.path(), 1, 3, 60_000).await;
		account = w.keys().account_id();
		first = (0..3).map(|i| submit(&chain, Bob, &transfer(Charlie, 1 + i))).collect();
		assert_eq!(w.step().await.unwrap().batches, vec![first.clone()]);
		for i in 0..5 {
			submit(&chain, Charlie, &transfer(Dave, 10 + i));
		}
		// The connection drops while the next batch is on its way; the worker dies.
		chain.drop_commits.store(1, std::sync::atomic::Ordering::SeqCst);
		let e = w.step().await.unwrap_err();
		assert!(matches!(e, WorkerError::Chain(ChainError::Rpc(_))), "{e}");
	}
	let mut w = worker(&chain, dir.path(), 1, 3, 60_000);
	assert_eq!(w.keys().account_id(), account, "the sealed key set came back");
	let r = w.step().await.unwrap();
	assert!(!r.attested, "no second enrolment: {r:?}");
	assert_eq!(r.batches.iter().map(Vec::len).collect::<Vec<_>>(), vec![3, 2]);
	let ids: Vec<SubmissionId> = executed(&chain).iter().map(|(id, _, _)| *id).collect();
	let mut unique = ids.clone();
	unique.sort_unstable();
	unique.dedup();
	assert_eq!(ids.len(), 8);
	assert_eq!(unique.len(), 8, "nothing executed twice: {ids:?}");
	assert_eq!(chain.with(|| pallet_sequencer::Batches::<Runtime>::get().next_sequence), 3);
}

/// Lets `n` deferred commits be included and gives their watches time to finish.
async fn include_commits(chain: &FakeChain, n: usize) {
	chain.commit_gate.add_permits(n);
	tokio::time::sleep(Duration::from_millis(50)).await;
}

#[tokio::test]
async fn the_next_batch_is_built_while_the_last_one_travels() {
	let chain = Arc::new(FakeChain::dev());
	let dir = tempfile::tempdir().unwrap();
	let mut w = enrolled(&chain, dir.path(), 1, 50, 60_000).await;
	chain.defer_commits.store(true, std::sync::atomic::Ordering::SeqCst);
	let first: Vec<_> = (0..3).map(|i| submit(&chain, Bob, &transfer(Charlie, 1 + i))).collect();
	// Sent: on its way, not yet included; the step does not wait for it.
	let r = w.step().await.unwrap();
	assert!(r.batches.is_empty() && r.refused.is_empty(), "{r:?}");
	let second: Vec<_> = (0..2).map(|i| submit(&chain, Dave, &transfer(Eve, 1 + i))).collect();
	// The next batch carries only the new entries and continues the first one's hash.
	let r = w.step().await.unwrap();
	assert!(r.batches.is_empty() && r.refused.is_empty(), "{r:?}");
	assert!(executed(&chain).is_empty());
	// Both are included, in the order sent; the next step books them.
	include_commits(&chain, 2).await;
	let r = w.step().await.unwrap();
	assert_eq!(r.batches, vec![first.clone(), second.clone()], "{r:?}");
	let done: Vec<SubmissionId> = executed(&chain).iter().map(|(id, _, _)| *id).collect();
	assert_eq!(done, [first, second].concat());
	assert_eq!(chain.with(|| pallet_sequencer::Batches::<Runtime>::get().next_sequence), 2);
	assert_eq!(w.step().await.unwrap(), StepReport::default());
	assert_eq!(w.shared().metrics.batches.get(), 2);
}

#[tokio::test]
async fn the_next_batch_is_cut_while_the_last_one_signs() {
	let chain = Arc::new(FakeChain::dev());
	let dir = tempfile::tempdir().unwrap();
	let mut w = enrolled(&chain, dir.path(), 1, 2, 60_000).await;
	// Emergency: every batch also carries SLH-DSA, hundreds of milliseconds of signing.
	root(&chain, RuntimeCall::RiskOracle(pallet_risk_oracle::Call::force_score { score: 9_500 }));
	chain.advance(1);
	assert_eq!(w.step().await.unwrap().published_epoch, Some(2));
	let ids: Vec<_> = (0..5).map(|i| submit(&chain, Bob, &transfer(Charlie, 1 + i))).collect();
	let before = chain.classified.load(std::sync::atomic::Ordering::SeqCst);
	let r = w.step().await.unwrap();
	assert_eq!(r.batches, vec![ids[0..2].to_vec(), ids[2..4].to_vec(), ids[4..].to_vec()]);
	// Each batch but the last was sent only after the next one was cut (classified, ordered
	// and built on it): the cutting overlapped the signing.
	let at: Vec<usize> = chain.classified_at_commit.lock().unwrap().clone();
	assert_eq!(at[at.len() - 3..], [before + 2, before + 3, before + 3], "{at:?}");
	let done: Vec<SubmissionId> = executed(&chain).iter().map(|(id, _, _)| *id).collect();
	assert_eq!(done, ids);
}

#[tokio::test]
async fn a_batch_refused_on_its_way_is_split_and_the_others_go_through() {
	let chain = Arc::new(FakeChain::dev());
	let dir = tempfile::tempdir().unwrap();
	let mut w = enrolled(&chain, dir.path(), 1, 50, 60_000).await;
	chain.defer_commits.store(true, std::sync::atomic::Ordering::SeqCst);
	let ids: Vec<_> = (0..4).map(|i| submit(&chain, Bob, &transfer(Charlie, 1 + i))).collect();
	chain.poison.lock().unwrap().insert(ids[1]);
	assert!(w.step().await.unwrap().batches.is_empty());
	include_commits(&chain, 1).await;
	// The refusal is booked at the next step, which sends nothing more.
	let r = w.step().await.unwrap();
	assert_eq!(r.refused.len(), 1, "{r:?}");
	assert!(r.batches.is_empty(), "{r:?}");
	assert_eq!(w.shared().metrics.batch_failures.get(), 1);
	// The halves go on their own; the entry the chain refuses is isolated and, refused alone
	// at two blocks, rejected; every other entry executes once.
	let mut rejected = Vec::new();
	for _ in 0..12 {
		include_commits(&chain, 4).await;
		rejected.extend(w.step().await.unwrap().rejected);
	}
	let done: Vec<SubmissionId> = executed(&chain).iter().map(|(id, _, _)| *id).collect();
	assert_eq!(done, vec![ids[0], ids[2], ids[3]], "each once, in order");
	assert_eq!(rejected, vec![ids[1]]);
	assert_eq!(chain.with(pallet_sequencer::Pending::<Runtime>::count), 0);
}

#[tokio::test]
async fn a_batch_included_whose_confirmation_is_lost_is_not_sequenced_again() {
	let chain = Arc::new(FakeChain::dev());
	let dir = tempfile::tempdir().unwrap();
	let ids: Vec<_> = {
		let mut w = enrolled(&chain, dir.path(), 1, 3, 60_000).await;
		let ids = (0..5).map(|i| submit(&chain, Bob, &transfer(Charlie, 1 + i))).collect();
		// The first batch lands, but the worker never hears so; it dies.
		chain.lose_commit_responses.store(1, std::sync::atomic::Ordering::SeqCst);
		let e = w.step().await.unwrap_err();
		assert!(matches!(e, WorkerError::Chain(ChainError::Rpc(_))), "{e}");
		ids
	};
	assert_eq!(executed(&chain).len(), 3);
	let mut w = worker(&chain, dir.path(), 1, 3, 60_000);
	// Only what is still pending goes into the next batch.
	assert_eq!(w.step().await.unwrap().batches, vec![ids[3..5].to_vec()]);
	let done: Vec<SubmissionId> = executed(&chain).iter().map(|(id, _, _)| *id).collect();
	assert_eq!(done, ids, "each once, in order");
	assert_eq!(chain.with(|| pallet_sequencer::Batches::<Runtime>::get().next_sequence), 2);
}

#[tokio::test]
async fn keys_rotate_before_the_policys_deadline_and_batches_keep_verifying() {
	let chain = Arc::new(FakeChain::dev());
	let dir = tempfile::tempdir().unwrap();
	let mut w = enrolled(&chain, dir.path(), 1, 50, 60_000).await;
	let old = w.keys().enclave_keys().clone();
	// Emergency: keys must rotate every 100 blocks.
	root(&chain, RuntimeCall::RiskOracle(pallet_risk_oracle::Call::force_score { score: 9_500 }));
	chain.advance(1);
	assert_eq!(w.step().await.unwrap().published_epoch, Some(2));
	chain.advance(95);
	let before = submit(&chain, Bob, &transfer(Charlie, 1));
	let r = w.step().await.unwrap();
	assert!(r.rotated && r.attested, "{r:?}");
	let me = w.keys().account_id();
	let on_chain = chain.with(|| pallet_tee_registry::Workers::<Runtime>::get(&me)).unwrap();
	assert_ne!(on_chain.keys, old);
	assert_eq!(&on_chain.keys, w.keys().enclave_keys());
	assert_eq!(w.keys().generation(), 1);

	// New keys took its hold of the epochs (copies were sealed to the old HPKE key): the lone
	// worker publishes a new epoch at once, and what was sent before is not lost.
	assert_eq!(w.step().await.unwrap().published_epoch, Some(3));
	let id = submit(&chain, Bob, &transfer(Charlie, 2));
	assert_eq!(w.step().await.unwrap().batches, vec![vec![before], vec![id]]);
	// A restart keeps the rotated generation.
	drop(w);
	let w = worker(&chain, dir.path(), 1, 50, 60_000);
	assert_eq!(w.keys().generation(), 1);
}

#[tokio::test]
async fn an_enclave_the_chain_does_not_allow_is_refused_with_the_reason() {
	let chain = Arc::new(FakeChain::dev());
	let dir = tempfile::tempdir().unwrap();
	let mut enclave = aegis_attestation::sim::SgxEnclave::dev_worker();
	enclave.mr_enclave[0] ^= 0xff;
	let settings = {
		let mut c = Config::default();
		c.worker.data_dir = dir.path().into();
		c.check().unwrap()
	};
	let mut w =
		Worker::new(chain.clone(), Arc::new(SimBackend::with_enclave(enclave)), settings).unwrap();
	let e = w.step().await.unwrap_err();
	assert!(e.to_string().contains("MeasurementNotAllowed"), "{e}");
	assert!(w.shared().status.read().unwrap().snapshot.as_ref().unwrap().me.is_none());
}

#[tokio::test]
async fn during_a_migration_checkpoints_are_committed_signed_with_both_suites() {
	let chain = Arc::new(FakeChain::dev());
	let dir = tempfile::tempdir().unwrap();
	let mut w = enrolled(&chain, dir.path(), 1, 50, 60_000).await;
	// No migration: no checkpoint.
	assert_eq!(w.step().await.unwrap().checkpoint, None);
	alice_protects_token(&chain, 9, true, false);
	root(
		&chain,
		RuntimeCall::Sequencer(pallet_sequencer::Call::start_migration {
			assets: vec![9].try_into().unwrap(),
			operator: acct(Eve),
		}),
	);
	chain.advance(1);
	let r = w.step().await.unwrap();
	assert_eq!(r.checkpoint, Some((0, 0)), "{r:?}");
	let (_, migration) =
		chain.with(pallet_sequencer::Pallet::<Runtime>::current_migration).unwrap();
	assert_eq!(migration.checkpoints, 1);
	// Not again before the interval (100 blocks)...
	chain.advance(5);
	assert_eq!(w.step().await.unwrap().checkpoint, None);
	// ...then the next one.
	chain.advance(100);
	assert_eq!(w.step().await.unwrap().checkpoint, Some((0, 1)));
}

#[tokio::test]
async fn it_heartbeats_and_feeds_risk_from_its_score_file() {
	let chain = Arc::new(FakeChain::dev());
	let dir = tempfile::tempdir().unwrap();
	let score_file = dir.path().join("score");
	std::fs::write(&score_file, "7200\n").unwrap();
	let mut config = Config::default();
	config.worker.data_dir = dir.path().join("keys");
	config.intelligence.feed = true;
	config.intelligence.score_file = Some(score_file.clone());
	config.intelligence.interval_blocks = Some(10);
	let mut w =
		Worker::new(chain.clone(), Arc::new(SimBackend::dev()), config.check().unwrap()).unwrap();
	assert!(w.step().await.unwrap().attested);
	assert_eq!(w.step().await.unwrap().published_epoch, Some(1));
	let me = w.keys().account_id();
	root(&chain, RuntimeCall::RiskOracle(pallet_risk_oracle::Call::add_feeder { who: me.clone() }));
	let r = w.step().await.unwrap();
	assert_eq!(r.fed, Some(7200), "{r:?}");
	// Not again within the interval; a bad file is skipped, not fed.
	assert_eq!(w.step().await.unwrap().fed, None);
	std::fs::write(&score_file, "lots").unwrap();
	chain.advance(10);
	assert_eq!(w.step().await.unwrap().fed, None);

	let timeout: u32 = <Runtime as pallet_tee_registry::Config>::HeartbeatTimeout::get();
	chain.advance(timeout / 2);
	assert!(w.step().await.unwrap().heartbeat);
	let info = chain.with(|| pallet_tee_registry::Workers::<Runtime>::get(&me)).unwrap();
	assert_eq!(info.last_heartbeat, chain.with(aegis_runtime::System::block_number));
}
