//! The encrypted path end to end with a simulated worker, every rejection, and deposits.

use crate::{mock::*, *};
use aegis_primitives::{
	batch::{BatchEntry, RevealedCall},
	pqc::SignatureSet,
	risk::{RiskLevel, SuiteSet},
};
use frame_support::{
	assert_noop, assert_ok,
	traits::fungible::{Inspect, InspectHold},
};
use pallet_tee_registry::{RedundancyConfig, WorkerRole};

fn remark(n: u8) -> RuntimeCall {
	RuntimeCall::System(frame_system::Call::remark_with_event { remark: vec![n; 8] })
}

fn weight() -> Weight {
	Weight::from_parts(500_000_000, 10_000)
}

fn commit(w: &SimWorker, batch: &Batch) -> DispatchResultWithPostInfo {
	Sequencer::commit_batch(
		RuntimeOrigin::signed(w.account),
		batch.clone(),
		w.sign_batch(batch),
		Default::default(),
	)
}

/// A batch of `entries` as they are, continuing the chain of batches under the active rule.
fn next_batch_of(entries: Vec<BatchEntry>) -> Batch {
	let chain = Batches::<Test>::get();
	Batch::new(
		TeeRegistry::genesis_hash(),
		chain.next_sequence,
		chain.last_hash,
		1,
		ActiveRule::<Test>::get(),
		System::block_number() as u32,
		entries,
	)
	.unwrap()
}

fn no_cosigs() -> CosignaturesOf<Test> {
	Default::default()
}

fn held(who: u64) -> u64 {
	Balances::balance_on_hold(&RuntimeHoldReason::Sequencer(HoldReason::Submission), &who)
}

fn events() -> Vec<Event<Test>> {
	System::events()
		.into_iter()
		.filter_map(|r| if let RuntimeEvent::Sequencer(e) = r.event { Some(e) } else { None })
		.collect()
}

fn remark_senders() -> Vec<u64> {
	System::events()
		.into_iter()
		.filter_map(|r| match r.event {
			RuntimeEvent::System(frame_system::Event::Remarked { sender, .. }) => Some(sender),
			_ => None,
		})
		.collect()
}

#[test]
fn encrypted_calls_run_in_order_as_their_submitters() {
	new_test_ext().execute_with(|| {
		let w = SimWorker::new(PRIMARY);
		let ids = [
			submit(3, remark(1), weight()),
			submit(1, remark(2), weight()),
			submit(2, remark(3), weight()),
		];
		assert_eq!(Pending::<Test>::count(), 3);
		let deposit = Pending::<Test>::get(ids[0]).unwrap().deposit;
		assert_eq!(held(3), deposit);
		assert!(deposit >= 1_000 + 500_000_000);
		let worker_before = Balances::balance(&PRIMARY);

		let batch = w.batch(&ids);
		assert_ok!(commit(&w, &batch));
		// FIFO among equals: arrival order, each as its submitter.
		assert_eq!(remark_senders(), vec![3, 1, 2]);
		assert_eq!(Pending::<Test>::count(), 0);
		let mut paid = 0;
		for (id, who) in ids.iter().zip([3u64, 1, 2]) {
			let charged = events()
				.iter()
				.find_map(|e| match e {
					Event::EntryExecuted {
						id: i,
						who: w,
						outcome: EntryOutcome::Executed { result: Ok(()), .. },
						charged,
					} if i == id && *w == who => Some(*charged),
					_ => None,
				})
				.expect("executed");
			assert!(charged < deposit, "unused weight refunded");
			assert_eq!(held(who), 0);
			assert_eq!(Balances::balance(&who), ENDOWMENT - charged);
			paid += charged;
		}
		assert_eq!(Balances::balance(&PRIMARY), worker_before + paid);
		assert_eq!(
			Batches::<Test>::get(),
			BatchChain { next_sequence: 1, last_hash: batch.hash() }
		);
		assert!(events().contains(&Event::BatchCommitted {
			sequence: 0,
			hash: batch.hash(),
			worker: PRIMARY,
			entries: 3
		}));

		// The next batch continues the chain.
		let id = submit(4, remark(4), weight());
		let next = w.batch(&[id]);
		assert_eq!((next.header.sequence, next.header.parent_hash), (1, batch.hash()));
		assert_ok!(commit(&w, &next));
	});
}

#[test]
fn submissions_are_checked_and_the_pool_is_bounded() {
	new_test_ext().execute_with(|| {
		let (env, c) = seal(1, &remark(1).encode(), [1; 32]);
		assert_noop!(
			Sequencer::submit_encrypted(RuntimeOrigin::signed(1), env.clone(), c, Weight::zero()),
			Error::<Test>::BadMaxWeight
		);
		assert_noop!(
			Sequencer::submit_encrypted(
				RuntimeOrigin::signed(1),
				env.clone(),
				c,
				MaxCallWeight::get().add_ref_time(1)
			),
			Error::<Test>::BadMaxWeight
		);
		let mut other_epoch = env.clone();
		other_epoch[2] = 2;
		assert_noop!(
			Sequencer::submit_encrypted(RuntimeOrigin::signed(1), other_epoch, c, weight()),
			Error::<Test>::WrongKeyEpoch
		);
		let mut other_version = env.clone();
		other_version[0] = 9;
		assert_noop!(
			Sequencer::submit_encrypted(RuntimeOrigin::signed(1), other_version, c, weight()),
			Error::<Test>::MalformedEnvelope
		);
		assert_noop!(
			Sequencer::submit_encrypted(
				RuntimeOrigin::signed(1),
				vec![1, 2].try_into().unwrap(),
				c,
				weight()
			),
			Error::<Test>::MalformedEnvelope
		);
		// A suite no worker can open, and a valid header on fewer bytes than the KEM's
		// encapsulated key and the tag: refused before any deposit is held.
		let mut other_suite = env.clone();
		other_suite[1] = 2;
		assert_noop!(
			Sequencer::submit_encrypted(RuntimeOrigin::signed(1), other_suite, c, weight()),
			Error::<Test>::MalformedEnvelope
		);
		let too_short: Vec<u8> = env[..ENVELOPE_MIN_LEN - 1].to_vec();
		assert_noop!(
			Sequencer::submit_encrypted(
				RuntimeOrigin::signed(1),
				too_short.try_into().unwrap(),
				c,
				weight()
			),
			Error::<Test>::MalformedEnvelope
		);
		// An account without the deposit.
		assert_noop!(
			Sequencer::submit_encrypted(RuntimeOrigin::signed(77), env.clone(), c, weight()),
			Error::<Test>::InsufficientBalance
		);
		for _ in 0..4 {
			submit(1, remark(1), weight());
		}
		assert_noop!(
			Sequencer::submit_encrypted(RuntimeOrigin::signed(1), env.clone(), c, weight()),
			Error::<Test>::TooManyPending
		);
		submit(2, remark(2), weight());
		submit(2, remark(2), weight());
		assert_noop!(
			Sequencer::submit_encrypted(RuntimeOrigin::signed(3), env, c, weight()),
			Error::<Test>::PoolFull
		);
	});
}

#[test]
fn a_batch_needs_the_policys_signatures_from_the_committing_worker() {
	new_test_ext().execute_with(|| {
		let w = SimWorker::new(PRIMARY);
		let id = submit(1, remark(1), weight());
		let batch = w.batch(&[id]);
		// Signed over another hash.
		let other = w.batch(&[]);
		let wrong = w.sign_batch(&other);
		assert_noop!(
			Sequencer::commit_batch(
				RuntimeOrigin::signed(PRIMARY),
				batch.clone(),
				wrong,
				no_cosigs()
			),
			Error::<Test>::BadSignature
		);
		// Nothing at all.
		assert_noop!(
			Sequencer::commit_batch(
				RuntimeOrigin::signed(PRIMARY),
				batch.clone(),
				SignatureSet::default(),
				no_cosigs()
			),
			Error::<Test>::MissingSignature
		);
		// Another worker's keys.
		let stranger = SimWorker::new(999);
		let sigs = stranger.sign_batch(&batch);
		assert_noop!(
			Sequencer::commit_batch(
				RuntimeOrigin::signed(PRIMARY),
				batch.clone(),
				sigs.clone(),
				no_cosigs()
			),
			Error::<Test>::BadSignature
		);
		// Not a worker, or not a primary.
		assert_noop!(
			Sequencer::commit_batch(RuntimeOrigin::signed(1), batch.clone(), sigs, no_cosigs()),
			Error::<Test>::NotActiveWorker
		);
		let r = SimWorker::new(COSIGNERS[0]);
		r.register(WorkerRole::Redundancy);
		assert_noop!(
			Sequencer::commit_batch(
				RuntimeOrigin::signed(r.account),
				batch.clone(),
				r.sign_batch(&batch),
				no_cosigs()
			),
			Error::<Test>::NotPrimary
		);
		assert_ok!(commit(&w, &batch));
	});
}

#[test]
fn signatures_from_keys_older_than_the_rotation_period_are_refused() {
	new_test_ext().execute_with(|| {
		let w = SimWorker::new(PRIMARY);
		let id = submit(1, remark(1), weight());
		// Far on, the worker still attested and heard from, its keys registered long ago.
		let now = 500_000u64;
		System::set_block_number(now);
		let rotation = u64::from(
			<RiskOracle as pallet_risk_oracle::RiskProvider<u64>>::policy().key_rotation_blocks,
		);
		let keys_from = |since: u64| {
			pallet_tee_registry::Workers::<Test>::mutate(PRIMARY, |r| {
				let r = r.as_mut().unwrap();
				r.keys_since = since;
				r.expires_at = now + 1;
				r.last_heartbeat = now;
			})
		};
		keys_from(now - rotation - 1);
		let batch = w.batch(&[id]);
		assert_noop!(commit(&w, &batch), Error::<Test>::KeysTooOld);
		keys_from(now - rotation);
		assert_ok!(commit(&w, &batch));
	});
}

#[test]
fn elevated_risk_requires_slh_dsa_too() {
	new_test_ext().execute_with(|| {
		let w = SimWorker::new(PRIMARY);
		let id = submit(1, remark(1), weight());
		set_score(7_000);
		assert_eq!(
			<RiskOracle as pallet_risk_oracle::RiskProvider<u64>>::level(),
			RiskLevel::Elevated
		);
		let batch = w.batch(&[id]);
		let ml_only = w.sign(SuiteSet::ML_DSA, pqc::context::BATCH, &batch.hash());
		assert_noop!(
			Sequencer::commit_batch(
				RuntimeOrigin::signed(PRIMARY),
				batch.clone(),
				ml_only,
				no_cosigs()
			),
			Error::<Test>::MissingSignature
		);
		let both = w.sign(SuiteSet::BOTH, pqc::context::BATCH, &batch.hash());
		assert_ok!(Sequencer::commit_batch(
			RuntimeOrigin::signed(PRIMARY),
			batch,
			both,
			no_cosigs()
		));
	});
}

#[test]
fn batches_continue_the_chain_and_never_replay() {
	new_test_ext().execute_with(|| {
		let w = SimWorker::new(PRIMARY);
		let a = submit(1, remark(1), weight());
		let batch = w.batch(&[a]);
		let mut skipped = batch.clone();
		skipped.header.sequence = 5;
		assert_noop!(commit(&w, &skipped), Error::<Test>::WrongSequence);
		let mut orphan = batch.clone();
		orphan.header.parent_hash = [9; 32];
		assert_noop!(commit(&w, &orphan), Error::<Test>::WrongParent);
		let mut foreign = batch.clone();
		foreign.header.genesis_hash = [1; 32];
		assert_noop!(commit(&w, &foreign), Error::<Test>::WrongChain);
		let mut other_rule = batch.clone();
		other_rule.header.rule = aegis_primitives::ordering::OrderingRule::RiskAware;
		assert_noop!(commit(&w, &other_rule), Error::<Test>::WrongRule);
		let mut padded = batch.clone();
		padded.header.entry_count = 2;
		assert_noop!(commit(&w, &padded), Error::<Test>::BatchIntegrity);
		assert_ok!(commit(&w, &batch));
		// The same batch again: its sequence is used.
		assert_noop!(commit(&w, &batch), Error::<Test>::WrongSequence);
	});
}

#[test]
fn entries_must_open_pending_commitments_in_order() {
	new_test_ext().execute_with(|| {
		let w = SimWorker::new(PRIMARY);
		let a = submit(1, remark(1), weight());
		let b = submit(2, remark(2), weight());
		let rebuild = next_batch_of;
		let entry = |id| Sequencer::batch_entry(id, w.reveal(id).unwrap()).unwrap();
		// Swapped: arrival order is the tie-break.
		assert_noop!(commit(&w, &rebuild(vec![entry(b), entry(a)])), Error::<Test>::Misordered);
		// A salt that does not open the commitment.
		let mut bad = entry(a);
		bad.revealed.salt[0] ^= 1;
		assert_noop!(commit(&w, &rebuild(vec![bad, entry(b)])), Error::<Test>::CommitmentMismatch);
		// Another call under the same commitment.
		let mut swapped_call = entry(a);
		swapped_call.revealed = RevealedCall {
			call: remark(9).encode().try_into().unwrap(),
			salt: swapped_call.revealed.salt,
		};
		assert_noop!(
			commit(&w, &rebuild(vec![swapped_call, entry(b)])),
			Error::<Test>::CommitmentMismatch
		);
		// Unknown or repeated submissions.
		let mut unknown = entry(a);
		unknown.submission_id = 99;
		assert_noop!(commit(&w, &rebuild(vec![unknown])), Error::<Test>::UnknownSubmission);
		assert_noop!(
			commit(&w, &rebuild(vec![entry(a), entry(a)])),
			Error::<Test>::UnknownSubmission
		);
		let good = rebuild(vec![entry(a), entry(b)]);
		assert_ok!(commit(&w, &good));
		// Processed submissions are gone: revealing them again in the next batch fails.
		let again = Batch::new(
			TeeRegistry::genesis_hash(),
			1,
			good.hash(),
			1,
			ActiveRule::<Test>::get(),
			System::block_number() as u32,
			good.entries.to_vec(),
		)
		.unwrap();
		assert_noop!(commit(&w, &again), Error::<Test>::UnknownSubmission);
	});
}

#[test]
fn a_failing_call_does_not_abort_the_batch() {
	new_test_ext().execute_with(|| {
		let w = SimWorker::new(PRIMARY);
		let too_much = RuntimeCall::Balances(pallet_balances::Call::transfer_keep_alive {
			dest: 9,
			value: ENDOWMENT * 2,
		});
		let a = submit(1, too_much, weight());
		let b = submit(2, remark(2), weight());
		let c = submit(
			3,
			RuntimeCall::Balances(pallet_balances::Call::transfer_keep_alive {
				dest: BLOCKED,
				value: 10,
			}),
			weight(),
		);
		let d = submit(4, remark(4), Weight::from_parts(1, 1));
		let batch = w.batch(&[a, b, c, d]);
		assert_ok!(commit(&w, &batch));
		let outcome = |id| {
			events().into_iter().find_map(|e| match e {
				Event::EntryExecuted { id: i, outcome, .. } if i == id => Some(outcome),
				_ => None,
			})
		};
		assert!(matches!(outcome(a), Some(EntryOutcome::Executed { result: Err(_), .. })));
		assert!(matches!(outcome(b), Some(EntryOutcome::Executed { result: Ok(()), .. })));
		assert_eq!(outcome(c), Some(EntryOutcome::Filtered));
		assert_eq!(outcome(d), Some(EntryOutcome::OverWeight));
		assert_eq!(Balances::balance(&9), 0);
		assert_eq!(Balances::balance(&BLOCKED), 0);
		for who in 1..=4 {
			assert_eq!(held(who), 0);
		}
	});
}

#[test]
fn rejected_entries_are_refunded_minus_the_fee() {
	new_test_ext().execute_with(|| {
		let id = submit(1, remark(1), weight());
		let deposit = Pending::<Test>::get(id).unwrap().deposit;
		let reject = |by: u64, v: Vec<(u64, RejectReason)>| {
			Sequencer::reject_entries(RuntimeOrigin::signed(by), v.try_into().unwrap())
		};
		let malformed = RejectReason::Malformed;
		assert_noop!(reject(1, vec![(id, malformed)]), Error::<Test>::NotActiveWorker);
		assert_noop!(
			reject(PRIMARY, vec![(id, malformed), (42, malformed)]),
			Error::<Test>::UnknownSubmission
		);
		// Only the sequencing worker: an active redundancy worker may not reject...
		SimWorker::new(COSIGNERS[0]).register(WorkerRole::Redundancy);
		assert_noop!(reject(COSIGNERS[0], vec![(id, malformed)]), Error::<Test>::NotPrimary);
		// ...nor a primary that does not hold the cluster key the entry is encrypted to (it
		// cannot have tried to open it).
		SimWorker::new(COSIGNERS[1]).register(WorkerRole::Primary);
		assert_noop!(reject(COSIGNERS[1], vec![(id, malformed)]), Error::<Test>::NotEpochHolder);
		let worker_before = Balances::balance(&PRIMARY);
		let issuance = Balances::total_issuance();
		let failed = RejectReason::DecryptionFailed;
		assert_ok!(reject(PRIMARY, vec![(id, failed), (id, failed)]));
		assert!(events().contains(&Event::EntryRejected {
			id,
			who: 1,
			reason: RejectReason::DecryptionFailed,
			charged: 500
		}));
		assert_eq!(Balances::balance(&1), ENDOWMENT - 500);
		// The fee is burned: the worker gains nothing by rejecting.
		assert_eq!(Balances::balance(&PRIMARY), worker_before);
		assert_eq!(Balances::total_issuance(), issuance - 500);
		assert_eq!(held(1), 0);
		assert!(deposit > 500);
		assert_eq!(PendingPerAccount::<Test>::get(1), 0);
	});
}

#[test]
fn a_batch_weighs_only_what_its_entries_may_run() {
	new_test_ext().execute_with(|| {
		let w = SimWorker::new(PRIMARY);
		let declared = |c: &RuntimeCall| c.get_dispatch_info().call_weight;
		assert!(declared(&remark(2)).ref_time() > 1);
		let honest = submit(1, remark(1), weight());
		// Declares more than its submitter allowed: it will never run, so it may not weigh on
		// the batch (an encrypted `sudo_unchecked_weight(_, Weight::MAX)` is this case).
		let over = submit(2, remark(2), Weight::from_parts(1, 1));
		// Refused by the call filter: never runs either.
		let blocked = RuntimeCall::Balances(pallet_balances::Call::transfer_keep_alive {
			dest: BLOCKED,
			value: 1,
		});
		let filtered = submit(3, blocked.clone(), weight());
		// Not a call of this runtime.
		let id = NextSubmissionId::<Test>::get();
		let (env, c) = seal(4, &[0xff, 0xff, 0xff], [9; 32]);
		assert_ok!(Sequencer::submit_encrypted(RuntimeOrigin::signed(4), env, c, weight()));
		let batch = w.batch(&[honest, over, filtered, id]);
		assert!(declared(&blocked).ref_time() > 0);
		// Every revealed call's bytes are hashed and decoded, run or not.
		let bytes: u32 = [remark(1).encode(), remark(2).encode(), blocked.encode(), vec![0xff; 3]]
			.iter()
			.map(|c| c.len() as u32)
			.sum();
		assert_eq!(
			Sequencer::commit_batch_weight(&batch, 0),
			// The mock's weights: a one-entry batch with its call bytes (200_000 + 10 a byte),
			// three more entries (10_000 each), and the one call that will run.
			Weight::from_parts(200_000 + 10 * u64::from(bytes) + 3 * 10_000, 0)
				+ declared(&remark(1))
		);

		// The batch must name each entry's `max_weight` as the submission holds it: a worker
		// cannot make the chain weigh a batch lighter (or heavier) than its entries may run.
		let named = |w: Weight| {
			let mut entries = batch.entries.to_vec();
			entries[0].max_weight = weight_limit(w);
			next_batch_of(entries)
		};
		let first = batch.entries[0].max_weight;
		assert_noop!(commit(&w, &named(Weight::MAX)), Error::<Test>::WeightMismatch);
		assert_noop!(
			commit(&w, &named(weight_of(first).saturating_sub(Weight::from_parts(1, 0)))),
			Error::<Test>::WeightMismatch
		);

		let post = commit(&w, &batch).unwrap();
		let outcome = |id| {
			events().into_iter().find_map(|e| match e {
				Event::EntryExecuted { id: i, outcome, .. } if i == id => Some(outcome),
				_ => None,
			})
		};
		assert!(matches!(outcome(honest), Some(EntryOutcome::Executed { result: Ok(()), .. })));
		assert_eq!(outcome(over), Some(EntryOutcome::OverWeight));
		assert_eq!(outcome(filtered), Some(EntryOutcome::Filtered));
		assert_eq!(outcome(id), Some(EntryOutcome::Undecodable));
		// What it actually used is never more than what it declared before running.
		assert!(post.actual_weight.unwrap().all_lte(Sequencer::commit_batch_weight(&batch, 0)));
	});
}

#[test]
fn stale_submissions_are_refunded_in_full() {
	new_test_ext().execute_with(|| {
		let ids: Vec<u64> = (1..=3).map(|who| submit(who, remark(who as u8), weight())).collect();
		run_to(5);
		let late = submit(4, remark(4), weight());
		assert_noop!(
			Sequencer::refund_expired(RuntimeOrigin::signed(9), ids[0]),
			Error::<Test>::NotExpired
		);
		run_to(21);
		// Two a block (MaxExpiriesPerBlock).
		assert_eq!(Pending::<Test>::count(), 2);
		assert_ok!(Sequencer::refund_expired(RuntimeOrigin::signed(9), ids[2]));
		assert_noop!(
			Sequencer::refund_expired(RuntimeOrigin::signed(9), ids[2]),
			Error::<Test>::UnknownSubmission
		);
		for who in 1..=3 {
			assert_eq!(Balances::balance(&who), ENDOWMENT);
			assert_eq!(held(who), 0);
		}
		assert!(events().contains(&Event::Expired { id: ids[0], who: 1 }));
		assert!(Pending::<Test>::contains_key(late));
		run_to(25);
		assert!(!Pending::<Test>::contains_key(late));
		assert_eq!(Balances::balance(&4), ENDOWMENT);
	});
}

#[test]
fn spare_block_weight_refunds_what_on_initialize_left_and_every_look_is_charged() {
	use frame_support::traits::Hooks;
	new_test_ext().execute_with(|| {
		// Six submissions expire together; `on_initialize` refunds two a block.
		let ids: Vec<u64> =
			(1..=5).chain([1]).map(|who| submit(who, remark(who as u8), weight())).collect();
		System::set_block_number(21);
		let w = Sequencer::on_initialize(21);
		assert_eq!(Pending::<Test>::count(), 4);
		let per_refund = <Test as Config>::WeightInfo::on_initialize_expiries(1)
			- <Test as Config>::WeightInfo::on_initialize_expiries(0);
		assert_eq!(w, <Test as Config>::WeightInfo::on_initialize_expiries(2));
		// No spare weight: nothing more, and nothing charged.
		assert_eq!(Sequencer::on_idle(21, Weight::zero()), Weight::zero());
		assert_eq!(Pending::<Test>::count(), 4);
		// Room for about one more: one more, within the room.
		let room = <Test as Config>::WeightInfo::on_initialize_expiries(1)
			+ <<Test as frame_system::Config>::DbWeight as Get<
				frame_support::weights::RuntimeDbWeight,
			>>::get()
			.reads(2);
		let used = Sequencer::on_idle(21, room);
		assert!(used.all_lte(room) && !used.is_zero(), "{used:?} of {room:?}");
		assert_eq!(Pending::<Test>::count(), 3);
		// Plenty: the rest, all refunded in full.
		let used = Sequencer::on_idle(21, Weight::MAX / 2);
		assert!(used.all_gte(per_refund * 3));
		assert_eq!(Pending::<Test>::count(), 0);
		for id in ids {
			assert!(events().iter().any(|e| matches!(e, Event::Expired { id: i, .. } if *i == id)));
		}
		for who in 1..=5 {
			assert_eq!((Balances::balance(&who), held(who)), (ENDOWMENT, 0));
		}
	});
}

#[test]
fn redundancy_requires_distinct_active_cosigners() {
	new_test_ext().execute_with(|| {
		let w = SimWorker::new(PRIMARY);
		let cosigners: Vec<SimWorker> = COSIGNERS.iter().map(|a| SimWorker::new(*a)).collect();
		for c in &cosigners {
			c.register(WorkerRole::Redundancy);
		}
		assert_ok!(TeeRegistry::set_redundancy(
			RuntimeOrigin::root(),
			RedundancyConfig { enabled: true, min_cosigners: 2 }
		));
		let id = submit(1, remark(1), weight());
		let batch = w.batch(&[id]);
		let cosig = |c: &SimWorker| {
			(c.account, c.sign(SuiteSet::ML_DSA, pqc::context::BATCH_COSIGN, &batch.hash()))
		};
		let with = |list: Vec<(u64, SignatureSet)>| {
			Sequencer::commit_batch(
				RuntimeOrigin::signed(PRIMARY),
				batch.clone(),
				w.sign_batch(&batch),
				list.try_into().unwrap(),
			)
		};
		assert_noop!(with(vec![]), Error::<Test>::NotEnoughCosignatures);
		assert_noop!(
			with(vec![cosig(&cosigners[0]), cosig(&cosigners[0])]),
			Error::<Test>::NotEnoughCosignatures
		);
		// A co-signature under the batch context (not the co-sign one) does not count.
		let wrong_ctx = (
			cosigners[1].account,
			cosigners[1].sign(SuiteSet::ML_DSA, pqc::context::BATCH, &batch.hash()),
		);
		assert_noop!(
			with(vec![cosig(&cosigners[0]), wrong_ctx]),
			Error::<Test>::NotEnoughCosignatures
		);
		// The primary cannot co-sign its own batch.
		let own = (PRIMARY, w.sign(SuiteSet::ML_DSA, pqc::context::BATCH_COSIGN, &batch.hash()));
		assert_noop!(with(vec![cosig(&cosigners[0]), own]), Error::<Test>::NotEnoughCosignatures);
		// Governance requires a second TEE provider: co-signers on the committer's own kind
		// (all SGX here) no longer count.
		assert_ok!(TeeRegistry::set_cosigner_diversity(
			RuntimeOrigin::root(),
			pallet_tee_registry::CosignerDiversity::OtherKind
		));
		assert_noop!(
			with(vec![cosig(&cosigners[0]), cosig(&cosigners[2])]),
			Error::<Test>::NotEnoughCosignatures
		);
		assert_ok!(TeeRegistry::set_cosigner_diversity(
			RuntimeOrigin::root(),
			pallet_tee_registry::CosignerDiversity::Any
		));
		// One of three co-signers dead: two still make the batch.
		assert_ok!(with(vec![cosig(&cosigners[0]), cosig(&cosigners[2])]));
	});
}

#[test]
fn the_rule_is_governed() {
	new_test_ext().execute_with(|| {
		use aegis_primitives::ordering::OrderingRule;
		assert_eq!(ActiveRule::<Test>::get(), OrderingRule::Hybrid);
		assert_noop!(
			Sequencer::set_rule(RuntimeOrigin::signed(1), OrderingRule::RiskAware),
			sp_runtime::traits::BadOrigin
		);
		assert_ok!(Sequencer::set_rule(RuntimeOrigin::root(), OrderingRule::RiskAware));
		let w = SimWorker::new(PRIMARY);
		let id = submit(1, remark(1), weight());
		assert_ok!(commit(&w, &w.batch(&[id])));
		assert_eq!(Sequencer::pending_ids(1), Vec::<u64>::new());
	});
}

mod deposits {
	use super::*;
	use proptest::prelude::*;

	#[derive(Clone, Debug)]
	enum Op {
		Submit(u64),
		Commit(usize),
		Reject(usize),
		Wait(u64),
	}

	fn op() -> impl Strategy<Value = Op> {
		prop_oneof![
			(1u64..=5).prop_map(Op::Submit),
			(0usize..4).prop_map(Op::Commit),
			(0usize..4).prop_map(Op::Reject),
			(1u64..8).prop_map(Op::Wait),
		]
	}

	proptest! {
		#![proptest_config(ProptestConfig { cases: 12, ..ProptestConfig::default() })]
		/// Whatever happens, issuance changes only by the reject fees burned, what is held is
		/// exactly the pending deposits, and a rejecting worker gains nothing.
		#[test]
		fn issuance_and_holds_reconcile(ops in proptest::collection::vec(op(), 1..12)) {
			new_test_ext().execute_with(|| {
				let w = SimWorker::new(PRIMARY);
				let issuance = Balances::total_issuance();
				let mut burned = 0u64;
				for op in ops {
					let pending: Vec<u64> = Pending::<Test>::iter_keys().collect::<Vec<_>>();
					let mut pending = pending;
					pending.sort_unstable();
					match op {
						Op::Submit(who) => {
							let id = NextSubmissionId::<Test>::get();
							let (env, c) = seal(who, &remark(who as u8).encode(), [id as u8; 32]);
							let _ = Sequencer::submit_encrypted(RuntimeOrigin::signed(who), env, c, weight());
						},
						Op::Commit(n) => {
							let take: Vec<u64> = pending.iter().take(n).copied().collect();
							let batch = w.batch(&take);
							commit(&w, &batch).unwrap();
						},
						Op::Reject(n) => {
							let list: Vec<_> = pending.iter().take(n).map(|id| (*id, RejectReason::Malformed)).collect();
							let deposits: u64 = pending.iter().take(n).map(|id| Pending::<Test>::get(id).unwrap().deposit).sum();
							let worker = Balances::balance(&PRIMARY);
							let users: u64 = (1..=5).map(|u| Balances::total_balance(&u)).sum();
							System::reset_events();
							Sequencer::reject_entries(RuntimeOrigin::signed(PRIMARY), list.try_into().unwrap()).unwrap();
							let charged: u64 = events().into_iter().map(|e| match e {
								Event::EntryRejected { charged, .. } => charged,
								_ => 0,
							}).sum();
							// The worker gains nothing; the users lose exactly what the events
							// say, at most the reject fee each, and get the rest of every deposit.
							prop_assert_eq!(Balances::balance(&PRIMARY), worker);
							prop_assert!(charged <= 500 * n as u64 && charged <= deposits);
							prop_assert_eq!((1..=5).map(|u| Balances::total_balance(&u)).sum::<u64>(), users - charged);
							burned += charged;
						},
						Op::Wait(blocks) => run_to(System::block_number() + blocks),
					}
					// What rejections burned is the only change to issuance.
					prop_assert_eq!(Balances::total_issuance(), issuance - burned);
					let expected: u64 = Pending::<Test>::iter_values().map(|s| s.deposit).sum();
					let held_total: u64 = (1..=5).map(held).sum();
					prop_assert_eq!(held_total, expected);
				}
				Ok(())
			})?;
		}
	}
}

#[test]
fn the_envelope_checks_follow_aegis_envelope_v1() {
	assert_eq!(ENVELOPE_VERSION, aegis_envelope::VERSION);
	assert_eq!(ENVELOPE_HEADER_LEN, aegis_envelope::HEADER_LEN);
	assert_eq!(ENVELOPE_MIN_LEN, aegis_envelope::OVERHEAD);
	assert_eq!(
		aegis_envelope::CipherSuite::from_id(ENVELOPE_SUITE),
		Some(aegis_envelope::CipherSuite::XWingHkdfSha256ChaCha20Poly1305)
	);
	// The shortest envelope `seal` makes (an empty plaintext) passes the length check.
	let key = aegis_envelope::RecipientKey::derive(&[1; 32], 7);
	let public =
		aegis_envelope::RecipientPublicKey::from_bytes(7, &key.public_key().to_bytes()).unwrap();
	let empty = aegis_envelope::seal(&public, &[0; 32], &[1; 32], &[]).unwrap();
	assert_eq!(envelope_epoch(&empty), Some(7));
	assert_eq!(envelope_epoch(&empty[..empty.len() - 1]), None);
}

#[test]
fn only_the_leader_sequences_and_a_stalled_leader_is_taken_over() {
	new_test_ext().execute_with(|| {
		let leader = SimWorker::new(PRIMARY);
		let next = SimWorker::new(PRIMARY + 100);
		next.register(WorkerRole::Primary);
		// Not holding the current epoch: it may not sequence at all.
		let ids = [
			submit(1, remark(1), weight()),
			submit(2, remark(2), weight()),
			submit(3, remark(3), weight()),
		];
		let batch = next.batch(&ids[..1]);
		assert_noop!(commit(&next, &batch), Error::<Test>::NotCandidate);
		next.hold_cluster_key(PRIMARY);
		// A holder, but the first in order leads.
		assert_noop!(commit(&next, &batch), Error::<Test>::NotLeader);
		let reject = |w: &SimWorker, id| {
			Sequencer::reject_entries(
				RuntimeOrigin::signed(w.account),
				vec![(id, RejectReason::DecryptionFailed)].try_into().unwrap(),
			)
		};
		assert_noop!(reject(&next, ids[2]), Error::<Test>::NotLeader);
		assert_ok!(commit(&leader, &leader.batch(&ids[..1])));
		let progress = System::block_number();
		// The leader stalls; the oldest entry waits.
		run_to(progress + TAKEOVER_AFTER - 1);
		assert_noop!(commit(&next, &next.batch(&ids[1..2])), Error::<Test>::NotLeader);
		run_to(progress + TAKEOVER_AFTER);
		let taken = next.batch(&ids[1..2]);
		assert_ok!(commit(&next, &taken));
		assert!(System::events().iter().any(|r| r.event
			== RuntimeEvent::TeeRegistry(pallet_tee_registry::Event::LeaderChanged {
				from: Some(PRIMARY),
				to: PRIMARY + 100,
				reason: pallet_tee_registry::LeaderChange::Takeover,
			})));
		// The deposed leader's late batch changes nothing, whatever it continues.
		assert_noop!(commit(&leader, &leader.batch(&ids[2..])), Error::<Test>::NotLeader);
		assert_noop!(reject(&leader, ids[2]), Error::<Test>::NotLeader);
		assert_ok!(reject(&next, ids[2]));
	});
}

#[test]
fn submissions_are_refused_while_no_active_worker_holds_the_epoch() {
	new_test_ext().execute_with(|| {
		assert_ok!(TeeRegistry::deregister(RuntimeOrigin::signed(PRIMARY)));
		let (envelope, commitment) = seal(1, &remark(1).encode(), [1; 32]);
		let free = Balances::balance(&1);
		assert_noop!(
			Sequencer::submit_encrypted(RuntimeOrigin::signed(1), envelope, commitment, weight()),
			Error::<Test>::NoKeyHolder
		);
		assert_eq!((Balances::balance(&1), held(1)), (free, 0));
	});
}

/// The pool priority the extension gives `call` from `who`.
fn pool_priority(
	who: u64,
	call: &RuntimeCall,
) -> sp_runtime::transaction_validity::TransactionPriority {
	use frame_support::dispatch::GetDispatchInfo;
	use sp_runtime::traits::DispatchTransaction;
	CheckProtectedAssets::<Test>::new()
		.validate_only(
			Some(who).into(),
			call,
			&call.get_dispatch_info(),
			0,
			sp_runtime::transaction_validity::TransactionSource::External,
			0,
		)
		.map(|(valid, ..)| valid.priority)
		.expect("valid")
}

#[test]
fn the_leaders_sequencing_calls_go_first_in_the_pool_and_nobody_elses() {
	new_test_ext().execute_with(|| {
		let leader = SimWorker::new(PRIMARY);
		let other = SimWorker::new(PRIMARY + 100);
		other.register(WorkerRole::Primary);
		other.hold_cluster_key(PRIMARY);
		let ids = [submit(1, remark(1), weight()), submit(2, remark(2), weight())];
		// Before any batch there is no leader: no one jumps the queue.
		let first = leader.batch(&ids[..1]);
		let call = |batch: Batch| {
			RuntimeCall::Sequencer(Call::commit_batch {
				signatures: leader.sign_batch(&batch),
				batch,
				cosignatures: Default::default(),
			})
		};
		assert_eq!(pool_priority(leader.account, &call(first.clone())), 0);
		assert_ok!(commit(&leader, &first));
		let batch = call(leader.batch(&ids[1..]));
		let reject = RuntimeCall::Sequencer(Call::reject_entries {
			entries: vec![(ids[1], RejectReason::Malformed)].try_into().unwrap(),
		});
		assert_eq!(pool_priority(leader.account, &batch), SEQUENCING_PRIORITY);
		assert_eq!(pool_priority(leader.account, &reject), SEQUENCING_PRIORITY);
		// Another worker's, a user's, or the leader's other calls: the ordinary priority.
		assert_eq!(pool_priority(other.account, &batch), 0);
		assert_eq!(pool_priority(1, &batch), 0);
		assert_eq!(pool_priority(1, &reject), 0);
		assert_eq!(pool_priority(leader.account, &remark(3)), 0);
	});
}
