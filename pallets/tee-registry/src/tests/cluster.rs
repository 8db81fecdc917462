//! The cluster key lifecycle and leadership.

use super::{has_event, reattest, register};
use crate::{mock::*, *};
use aegis_attestation::sim::SgxEnclave;
use aegis_primitives::risk::RiskLevel;
use frame_support::{assert_noop, assert_ok};

type Pk = [u8; HPKE_XWING_PUBLIC_KEY_LEN];

fn pk(n: u8) -> Pk {
	[n; HPKE_XWING_PUBLIC_KEY_LEN]
}

fn sealed(n: u8) -> SealedSecretOf<Test> {
	vec![n; 96].try_into().unwrap()
}

/// `who` publishes `epoch` with key `key` and a copy for each of `to`.
fn publish_to(who: u64, epoch: u32, key: Pk, to: &[u64]) -> DispatchResult {
	let copies: Vec<(u64, SealedSecretOf<Test>)> =
		to.iter().map(|t| (*t, sealed(*t as u8))).collect();
	TeeRegistry::publish_cluster_key(
		RuntimeOrigin::signed(who),
		epoch,
		Box::new(key),
		sign_cluster_key(who, 0, epoch, &key),
		copies.try_into().unwrap(),
	)
}

fn confirm(who: u64, epoch: u32, key: Pk) -> DispatchResult {
	TeeRegistry::confirm_cluster_key(
		RuntimeOrigin::signed(who),
		epoch,
		sign_cluster_confirm(who, 0, epoch, &key),
	)
}

fn provision(from: u64, epoch: u32, to: u64) -> DispatchResult {
	TeeRegistry::provision_cluster_key(RuntimeOrigin::signed(from), epoch, to, sealed(9))
}

fn current_epoch() -> Option<u32> {
	CurrentClusterKey::<Test>::get().map(|k| k.epoch)
}

fn holders(epoch: u32) -> Vec<u64> {
	let mut h: Vec<u64> = KeyHolders::<Test>::iter_key_prefix(epoch).collect();
	h.sort();
	h
}

fn beat(who: &[u64]) {
	for w in who {
		assert_ok!(TeeRegistry::heartbeat(RuntimeOrigin::signed(*w)));
	}
}

/// Moves to block `n`, `who` heartbeating every ten blocks.
fn run_beating(n: u64, who: &[u64]) {
	while System::block_number() < n {
		beat(who);
		run_to(n.min(System::block_number() + 10));
	}
}

/// Workers 1, 2, 3 enrolled; 1 publishes epoch 1 alone (its own quorum), then provisions 2
/// and 3, which confirm.
fn three_holders() {
	for w in [1, 2, 3] {
		assert_ok!(register(w, 1));
	}
	// With three active workers one publisher is no quorum: the first epoch needs copies.
	assert_ok!(publish_to(1, 1, pk(1), &[2, 3]));
	assert_eq!(current_epoch(), None);
	assert_ok!(confirm(2, 1, pk(1)));
	assert_eq!(current_epoch(), Some(1));
	assert_ok!(confirm(3, 1, pk(1)));
	assert_eq!(holders(1), vec![1, 2, 3]);
}

#[test]
fn a_publication_with_copies_becomes_current_at_a_quorum_of_confirmations() {
	new_test_ext().execute_with(|| {
		assert_noop!(publish_to(1, 1, pk(1), &[]), Error::<Test>::NotActive);
		for w in [1, 2, 3] {
			assert_ok!(register(w, 1));
		}
		assert_noop!(publish_to(1, 2, pk(1), &[2, 3]), Error::<Test>::WrongEpoch);
		// Copies only to other active workers, each once, never empty.
		assert_noop!(publish_to(1, 1, pk(1), &[1]), Error::<Test>::BadCopyTarget);
		assert_noop!(publish_to(1, 1, pk(1), &[2, 2]), Error::<Test>::BadCopyTarget);
		assert_noop!(publish_to(1, 1, pk(1), &[4]), Error::<Test>::ReceiverNotActive);
		let foreign = sign_cluster_key(2, 0, 1, &pk(1));
		assert_noop!(
			TeeRegistry::publish_cluster_key(
				RuntimeOrigin::signed(1),
				1,
				Box::new(pk(1)),
				foreign,
				Default::default()
			),
			Error::<Test>::BadSignature
		);
		assert_ok!(publish_to(1, 1, pk(1), &[2, 3]));
		assert!(has_event(Event::ClusterKeyPublished { epoch: 1, by: 1, copies: 2 }));
		// Pending: users cannot encrypt to it yet, and nobody may publish over it.
		assert_eq!(current_epoch(), None);
		assert_eq!(
			<TeeRegistry as WorkerRegistry<u64>>::check_submission_epoch(1),
			Err(EpochRefusal::NoClusterKey)
		);
		assert_noop!(publish_to(2, 2, pk(2), &[]), Error::<Test>::RekeyNotDue);
		assert_eq!(Provisions::<Test>::get(1, 2).unwrap().from, 1);

		// A confirmation over another key, by a worker without a copy, or twice: refused.
		assert_noop!(confirm(2, 1, pk(9)), Error::<Test>::BadSignature);
		let by_other_key = sign_cluster_confirm(3, 0, 1, &pk(1));
		assert_noop!(
			TeeRegistry::confirm_cluster_key(RuntimeOrigin::signed(2), 1, by_other_key),
			Error::<Test>::BadSignature
		);
		assert_noop!(confirm(1, 1, pk(1)), Error::<Test>::AlreadyProvisioned);
		assert_noop!(confirm(2, 7, pk(1)), Error::<Test>::WrongEpoch);
		assert_ok!(register(4, 1));
		assert_noop!(confirm(4, 1, pk(1)), Error::<Test>::NotProvisioned);

		// 2 of 4 live workers is no majority; 3 is.
		assert_ok!(confirm(2, 1, pk(1)));
		assert_eq!(current_epoch(), None);
		assert_ok!(confirm(3, 1, pk(1)));
		assert_eq!(current_epoch(), Some(1));
		assert!(has_event(Event::ClusterKeyActivated { epoch: 1 }));
		assert_eq!(holders(1), vec![1, 2, 3]);
		assert!(Provisions::<Test>::get(1, 2).is_none());
		assert_eq!(<TeeRegistry as WorkerRegistry<u64>>::check_submission_epoch(1), Ok(()));
		// No rekey is due now.
		assert_noop!(publish_to(1, 2, pk(2), &[]), Error::<Test>::RekeyNotDue);
	});
}

#[test]
fn at_the_deadline_one_confirmation_besides_the_publisher_activates_and_none_abandons() {
	new_test_ext().execute_with(|| {
		for w in [1, 2, 3, 4] {
			assert_ok!(register(w, 1));
		}
		assert_ok!(publish_to(1, 1, pk(1), &[2, 3, 4]));
		run_to(1 + CONFIRM_PERIOD);
		// Nobody confirmed: abandoned, and the next publication takes a new number.
		assert!(has_event(Event::ClusterKeyAbandoned { epoch: 1 }));
		assert_eq!(PendingKey::<Test>::get(), None);
		assert!(holders(1).is_empty() && Provisions::<Test>::iter_prefix(1).next().is_none());
		beat(&[1, 2, 3, 4]);
		assert_noop!(publish_to(2, 1, pk(2), &[1]), Error::<Test>::WrongEpoch);
		assert_ok!(publish_to(2, 2, pk(2), &[1, 3, 4]));
		assert_ok!(confirm(1, 2, pk(2)));
		assert_eq!(current_epoch(), None);
		run_to(System::block_number() + CONFIRM_PERIOD);
		assert_eq!(current_epoch(), Some(2));
		// The late ones still confirm the now current epoch.
		assert_ok!(confirm(3, 2, pk(2)));
		assert_eq!(holders(2), vec![1, 2, 3]);
	});
}

#[test]
fn late_joiners_are_provisioned_by_any_confirmed_holder() {
	new_test_ext().execute_with(|| {
		assert_ok!(register(1, 1));
		assert_noop!(provision(1, 1, 2), Error::<Test>::WrongEpoch);
		// A lone worker is its own quorum.
		assert_ok!(publish_to(1, 1, pk(1), &[]));
		assert_eq!(current_epoch(), Some(1));
		assert_ok!(register(2, 1));
		assert_ok!(register(3, 1));
		assert_noop!(provision(2, 1, 3), Error::<Test>::NotKeyHolder);
		assert_noop!(provision(1, 1, 5), Error::<Test>::ReceiverNotActive);
		assert_noop!(provision(5, 1, 2), Error::<Test>::NotActive);
		assert_noop!(
			TeeRegistry::provision_cluster_key(RuntimeOrigin::signed(1), 1, 2, Default::default()),
			Error::<Test>::EmptySecret
		);
		assert_ok!(provision(1, 1, 2));
		assert!(has_event(Event::ClusterKeyProvisioned { epoch: 1, from: 1, to: 2 }));
		// A copy is not a hold: 2 may not provision until it confirmed.
		assert_noop!(provision(2, 1, 3), Error::<Test>::NotKeyHolder);
		// Another holder may replace a copy that was never confirmed (a garbage one).
		assert_ok!(confirm(2, 1, pk(1)));
		assert_ok!(provision(2, 1, 3));
		assert_ok!(provision(1, 1, 3));
		assert_eq!(Provisions::<Test>::get(1, 3).unwrap().from, 1);
		assert_ok!(confirm(3, 1, pk(1)));
		assert_noop!(provision(1, 1, 3), Error::<Test>::AlreadyProvisioned);
		assert_eq!(holders(1), vec![1, 2, 3]);
	});
}

#[test]
fn reattesting_with_new_keys_or_leaving_takes_the_copies_and_holds() {
	new_test_ext().execute_with(|| {
		three_holders();
		// The same keys again: nothing changes.
		assert_ok!(reattest(2, 0, 2));
		assert_eq!(holders(1), vec![1, 2, 3]);
		// New keys: what was sealed to the old HPKE key is not the new key's.
		assert_ok!(reattest(2, 1, 3));
		assert_eq!(holders(1), vec![1, 3]);
		assert_ok!(provision(1, 1, 2));
		assert_ok!(TeeRegistry::deregister(RuntimeOrigin::signed(2)));
		assert!(Provisions::<Test>::get(1, 2).is_none());
		assert_ok!(TeeRegistry::deregister(RuntimeOrigin::signed(3)));
		assert_eq!(holders(1), vec![1]);
	});
}

#[test]
fn a_revoked_holder_forces_a_rekey_and_takes_a_pending_epoch_with_it() {
	new_test_ext().execute_with(|| {
		three_holders();
		Risk::set(RiskLevel::Emergency);
		run_to(2);
		assert!(has_event(Event::RekeyRequired { deadline: 12, reason: RekeyReason::Emergency }));
		assert_ok!(publish_to(1, 2, pk(2), &[2, 3]));
		// A holder's measurement is revoked while epoch 2 collects confirmations.
		let other = SgxEnclave { isv_svn: 9, ..enclave() };
		assert_ok!(TeeRegistry::allow_measurement(
			RuntimeOrigin::root(),
			measurement_of(&other),
			None
		));
		let q = quote_of(&other, 3, &keys(3, 0), 2);
		assert_ok!(TeeRegistry::reattest(
			RuntimeOrigin::signed(3),
			q,
			collateral(),
			Box::new(keys(3, 0)),
			2
		));
		// 3 runs the other measurement now; revoking it deactivates 3.
		assert_ok!(TeeRegistry::revoke_measurement(RuntimeOrigin::root(), measurement_of(&other)));
		assert!(has_event(Event::ClusterKeyAbandoned { epoch: 2 }));
		assert_eq!(holders(1), vec![1, 2]);
		assert_eq!(current_epoch(), Some(1));
		// Already required by the Emergency; still due, under a new epoch number.
		assert_eq!(RekeyDeadline::<Test>::get(), Some(12));
		Risk::set(RiskLevel::Normal);
		assert_ok!(publish_to(1, 3, pk(3), &[2]));
		assert_ok!(confirm(2, 3, pk(3)));
		assert_eq!(current_epoch(), Some(3));
		assert_eq!(RekeyDeadline::<Test>::get(), None);

		// Now with no rekey pending: revoking a holder requires one, for that reason.
		assert_ok!(TeeRegistry::revoke_measurement(RuntimeOrigin::root(), measurement()));
		assert_eq!(RekeyCause::<Test>::get(), Some(RekeyReason::HolderDeactivated));
	});
}

#[test]
fn with_no_active_holder_left_submissions_are_refused_and_a_rekey_is_required() {
	new_test_ext().execute_with(|| {
		assert_ok!(register(1, 1));
		assert_ok!(register(2, 1));
		assert_ok!(publish_to(1, 1, pk(1), &[2]));
		assert_ok!(confirm(2, 1, pk(1)));
		assert_eq!(<TeeRegistry as WorkerRegistry<u64>>::check_submission_epoch(1), Ok(()));
		assert_eq!(
			<TeeRegistry as WorkerRegistry<u64>>::check_submission_epoch(2),
			Err(EpochRefusal::WrongEpoch)
		);
		// Both fall silent: past the heartbeat timeout nobody can open epoch 1.
		run_to(1 + 21);
		assert_eq!(
			<TeeRegistry as WorkerRegistry<u64>>::check_submission_epoch(1),
			Err(EpochRefusal::NoKeyHolder)
		);
		assert_eq!(RekeyCause::<Test>::get(), Some(RekeyReason::NoActiveHolder));
		// One comes back: served again at once (the rekey stays due).
		beat(&[2]);
		run_to(System::block_number() + 1);
		assert_eq!(<TeeRegistry as WorkerRegistry<u64>>::check_submission_epoch(1), Ok(()));
		assert!(RekeyDeadline::<Test>::get().is_some());
		// The last holder leaving is noticed in the same block.
		assert_ok!(TeeRegistry::deregister(RuntimeOrigin::signed(2)));
		assert_eq!(
			<TeeRegistry as WorkerRegistry<u64>>::check_submission_epoch(1),
			Err(EpochRefusal::NoKeyHolder)
		);
	});
}

#[test]
fn an_old_epoch_owes_a_rekey_and_the_previous_epoch_has_a_grace_period() {
	new_test_ext().execute_with(|| {
		assert_ok!(register(1, 1));
		assert_ok!(publish_to(1, 1, pk(1), &[]));
		run_beating(KEY_PERIOD, &[1]);
		assert_eq!(RekeyDeadline::<Test>::get(), None);
		run_beating(KEY_PERIOD + 1, &[1]);
		assert_eq!(RekeyCause::<Test>::get(), Some(RekeyReason::Period));
		assert_ok!(publish_to(1, 2, pk(2), &[]));
		let now = System::block_number();
		assert_eq!(current_epoch(), Some(2));
		assert_eq!(PreviousEpoch::<Test>::get(), Some((1, now + 5)));
		assert_eq!(<TeeRegistry as WorkerRegistry<u64>>::check_submission_epoch(1), Ok(()));
		run_to(now + 5);
		assert_eq!(
			<TeeRegistry as WorkerRegistry<u64>>::check_submission_epoch(1),
			Err(EpochRefusal::WrongEpoch)
		);
		// Epoch 3 drops epoch 1's holders; 2 stays as the previous.
		beat(&[1]);
		Risk::set(RiskLevel::Emergency);
		run_to(System::block_number() + 1);
		assert_ok!(publish_to(1, 3, pk(3), &[]));
		assert_eq!(holders(1), Vec::<u64>::new());
		assert_eq!(holders(2), vec![1]);
	});
}

#[test]
fn only_the_leader_sequences_until_a_stall_lets_the_next_take_over() {
	new_test_ext().execute_with(|| {
		three_holders();
		let lead = |who: u64, waited: u64| {
			<TeeRegistry as WorkerRegistry<u64>>::authorize_sequencer(&who, waited as u32)
		};
		// Before any block elects one, the first candidate leads.
		assert_eq!(lead(2, 100), Err(LeadRefusal::NotLeader));
		assert_ok!(lead(1, 0));
		assert!(has_event(Event::LeaderChanged {
			from: None,
			to: 1,
			reason: LeaderChange::Elected
		}));
		assert_ok!(register(4, 1));
		// Not a holder of the current epoch: never.
		assert_eq!(lead(4, 1000), Err(LeadRefusal::NotEligible));
		run_to(5);
		assert_ok!(lead(1, 0));
		// 1 made progress at block 5; an entry waiting 100 blocks does not make it stall.
		run_to(5 + TAKEOVER - 1);
		assert_eq!(lead(2, 100), Err(LeadRefusal::NotLeader));
		run_to(5 + TAKEOVER);
		// An entry that has not waited long enough either.
		assert_eq!(lead(2, TAKEOVER - 1), Err(LeadRefusal::NotLeader));
		// Position 2 needs twice as long.
		assert_eq!(lead(3, TAKEOVER), Err(LeadRefusal::NotLeader));
		assert_ok!(lead(2, TAKEOVER));
		assert!(has_event(Event::LeaderChanged {
			from: Some(1),
			to: 2,
			reason: LeaderChange::Takeover
		}));
		// The deposed leader is refused from now on.
		assert_eq!(lead(1, 0), Err(LeadRefusal::NotLeader));
		assert_eq!(Leader::<Test>::get().unwrap().leader, 2);
	});
}

#[test]
fn leadership_rotates_each_term_and_skips_lost_workers() {
	new_test_ext().execute_with(|| {
		three_holders();
		run_to(2);
		assert_eq!(Leader::<Test>::get().unwrap().leader, 1);
		run_beating(2 + TERM - 1, &[1, 2, 3]);
		assert_eq!(Leader::<Test>::get().unwrap().leader, 1);
		run_beating(2 + TERM, &[1, 2, 3]);
		assert!(has_event(Event::LeaderChanged {
			from: Some(1),
			to: 2,
			reason: LeaderChange::TermEnded
		}));
		assert_eq!(TeeRegistry::leader_order(), vec![1, 2, 3]);
		// 2 leaves: at the next block 3 leads.
		assert_ok!(TeeRegistry::deregister(RuntimeOrigin::signed(2)));
		beat(&[1, 3]);
		run_to(System::block_number() + 1);
		assert!(has_event(Event::LeaderChanged {
			from: Some(2),
			to: 3,
			reason: LeaderChange::LeaderLost
		}));
		// Silent workers drop out of the order.
		run_to(System::block_number() + 21);
		assert_eq!(TeeRegistry::leader_order(), Vec::<u64>::new());
		assert_eq!(Leader::<Test>::get(), None);
	});
}

#[test]
fn an_emergency_sets_a_rekey_deadline() {
	new_test_ext().execute_with(|| {
		// No cluster key: nothing to rekey.
		Risk::set(RiskLevel::Emergency);
		run_to(2);
		assert_eq!(RekeyDeadline::<Test>::get(), None);
		Risk::set(RiskLevel::Normal);
		run_to(3);
		assert_ok!(register(7, 1));
		assert_ok!(publish_to(7, 1, pk(1), &[]));
		Risk::set(RiskLevel::Emergency);
		run_to(4);
		assert_eq!(RekeyDeadline::<Test>::get(), Some(14));
		assert!(has_event(Event::RekeyRequired { deadline: 14, reason: RekeyReason::Emergency }));
		run_to(14);
		assert!(has_event(Event::RekeyOverdue { deadline: 14 }));
		assert_ok!(TeeRegistry::heartbeat(RuntimeOrigin::signed(7)));
		assert_ok!(publish_to(7, 2, pk(2), &[]));
		assert_eq!(RekeyDeadline::<Test>::get(), None);
		// Staying in Emergency sets no new deadline; leaving it and coming back within
		// `RekeyCooldown` (30 blocks from the last rekey) does not either, yet...
		run_to(20);
		Risk::set(RiskLevel::Normal);
		run_to(21);
		Risk::set(RiskLevel::Emergency);
		run_to(33);
		assert_eq!(RekeyDeadline::<Test>::get(), None);
		// ...the rekey is owed: still in Emergency when the cooldown ends, it is required.
		run_to(34);
		assert_eq!(RekeyDeadline::<Test>::get(), Some(44));
		// An Emergency that ends within the cooldown owes nothing afterwards.
		assert_ok!(TeeRegistry::heartbeat(RuntimeOrigin::signed(7)));
		assert_ok!(publish_to(7, 3, pk(3), &[]));
		Risk::set(RiskLevel::Normal);
		run_to(35);
		Risk::set(RiskLevel::Emergency);
		run_to(36);
		Risk::set(RiskLevel::Normal);
		run_to(70);
		// Other triggers came since (the worker fell silent, the epoch aged), not the
		// Emergency.
		assert_ne!(RekeyCause::<Test>::get(), Some(RekeyReason::Emergency));
		assert!(!RekeyOwed::<Test>::get());
		assert_ok!(TeeRegistry::heartbeat(RuntimeOrigin::signed(7)));
		assert_ok!(publish_to(7, 4, pk(4), &[]));
		assert_eq!(RekeyDeadline::<Test>::get(), None);
		Risk::set(RiskLevel::Emergency);
		run_to(71);
		assert_eq!(RekeyDeadline::<Test>::get(), Some(81));
		assert_ok!(publish_to(7, 5, pk(5), &[]));
		// A holder's measurement revoked requires a rekey at once, whatever the cooldown.
		Risk::set(RiskLevel::Normal);
		run_to(73);
		assert_ok!(TeeRegistry::revoke_measurement(RuntimeOrigin::root(), measurement()));
		assert_eq!(RekeyDeadline::<Test>::get(), Some(83));
		assert_eq!(RekeyCause::<Test>::get(), Some(RekeyReason::HolderDeactivated));
	});
}

#[test]
fn workers_set_their_endpoint_and_governance_the_cosigner_diversity() {
	new_test_ext().execute_with(|| {
		let url = |u: &[u8]| -> EndpointOf { u.to_vec().try_into().unwrap() };
		assert_noop!(
			TeeRegistry::set_endpoint(RuntimeOrigin::signed(1), url(b"http://10.0.0.1:8788")),
			Error::<Test>::NotRegistered
		);
		assert_ok!(register(1, 1));
		assert_noop!(
			TeeRegistry::set_endpoint(RuntimeOrigin::signed(1), url(b"ftp://x")),
			Error::<Test>::BadEndpoint
		);
		assert_ok!(TeeRegistry::set_endpoint(
			RuntimeOrigin::signed(1),
			url(b"http://10.0.0.1:8788")
		));
		assert_eq!(
			Endpoints::<Test>::get(1).unwrap().into_inner(),
			b"http://10.0.0.1:8788".to_vec()
		);
		assert_ok!(TeeRegistry::deregister(RuntimeOrigin::signed(1)));
		assert!(Endpoints::<Test>::get(1).is_none());

		assert_noop!(
			TeeRegistry::set_cosigner_diversity(
				RuntimeOrigin::signed(1),
				CosignerDiversity::OtherKind
			),
			sp_runtime::traits::BadOrigin
		);
		assert_ok!(TeeRegistry::set_cosigner_diversity(
			RuntimeOrigin::root(),
			CosignerDiversity::OtherPlatform
		));
		assert_eq!(
			<TeeRegistry as WorkerRegistry<u64>>::cosigner_diversity(),
			CosignerDiversity::OtherPlatform
		);
		let sgx = (aegis_attestation::TeeKind::Sgx, [1; 6]);
		let tdx = (aegis_attestation::TeeKind::Tdx, [1; 6]);
		let sgx_other = (aegis_attestation::TeeKind::Sgx, [2; 6]);
		assert!(CosignerDiversity::Any.admits(sgx, sgx));
		assert!(!CosignerDiversity::OtherKind.admits(sgx, sgx_other));
		assert!(CosignerDiversity::OtherKind.admits(sgx, tdx));
		assert!(CosignerDiversity::OtherPlatform.admits(sgx, sgx_other));
		assert!(!CosignerDiversity::OtherPlatform.admits(sgx, sgx));
	});
}

#[test]
fn the_version_2_migration_retires_a_derived_cluster_key() {
	use frame_support::traits::{GetStorageVersion, OnRuntimeUpgrade, StorageVersion};
	new_test_ext().execute_with(|| {
		assert_ok!(register(1, 1));
		assert_ok!(register(2, 1));
		// What version 1 left: epoch 3 published by 1 and provisioned (never confirmed) to 2,
		// with a rekey due.
		CurrentClusterKey::<Test>::put(ClusterKey {
			epoch: 3,
			public_key: pk(3),
			published_by: 1,
			published_at: 1,
		});
		KeyHolders::<Test>::insert(3, 1, ());
		KeyHolders::<Test>::insert(3, 2, ());
		KeyHolders::<Test>::insert(2, 1, ());
		Provisions::<Test>::insert(3, 2, Provision { from: 1, sealed_secret: sealed(1) });
		RekeyDeadline::<Test>::put(50);
		StorageVersion::new(1).put::<TeeRegistry>();
		crate::migrations::v2::MigrateV1ToV2::<Test>::on_runtime_upgrade();
		assert_eq!(TeeRegistry::on_chain_storage_version(), 2);
		assert_eq!(current_epoch(), None);
		assert!(KeyHolders::<Test>::iter().next().is_none());
		assert!(Provisions::<Test>::iter().next().is_none());
		assert_eq!(RekeyDeadline::<Test>::get(), None);
		// Submissions wait for the new epoch; the next one takes the next number.
		assert_eq!(
			<TeeRegistry as WorkerRegistry<u64>>::check_submission_epoch(3),
			Err(EpochRefusal::NoClusterKey)
		);
		assert_ok!(publish_to(1, 4, pk(4), &[2]));
		assert_ok!(confirm(2, 4, pk(4)));
		assert_eq!(current_epoch(), Some(4));
		// Run again: nothing to do.
		crate::migrations::v2::MigrateV1ToV2::<Test>::on_runtime_upgrade();
		assert_eq!(current_epoch(), Some(4));
	});
}
