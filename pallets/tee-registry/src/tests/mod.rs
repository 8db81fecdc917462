//! Every call and error of the registry, with real simulated-TEE quotes.

use crate::{mock::*, offchain, *};
use aegis_attestation::{
	sim::{CollateralParams, SgxEnclave, SimPlatform, SimTee},
	TeeKind,
};
use frame_support::{assert_noop, assert_ok, traits::Authorize};
use sp_runtime::{traits::BadOrigin, transaction_validity::TransactionSource};

mod cluster;
mod kinds;

fn register(who: u64, nonce: u64) -> DispatchResult {
	TeeRegistry::register_worker(
		RuntimeOrigin::signed(who),
		quote(who, &keys(who, 0), nonce),
		collateral(),
		Box::new(keys(who, 0)),
		WorkerRole::Primary,
		nonce,
	)
}

/// `who` re-attests with its keys of generation `g` and `nonce`.
fn reattest(who: u64, g: u8, nonce: u64) -> DispatchResult {
	TeeRegistry::reattest(
		RuntimeOrigin::signed(who),
		quote(who, &keys(who, g), nonce),
		collateral(),
		Box::new(keys(who, g)),
		nonce,
	)
}

fn last_event() -> RuntimeEvent {
	System::events().pop().expect("an event").event
}

fn has_event(e: Event<Test>) -> bool {
	System::events().iter().any(|r| r.event == RuntimeEvent::TeeRegistry(e.clone()))
}

#[test]
fn a_simulated_quote_enrols_a_worker() {
	new_test_ext().execute_with(|| {
		assert_ok!(register(7, 1));
		let w = Workers::<Test>::get(7).unwrap();
		assert_eq!(w.tee, TeeKind::Sgx);
		assert_eq!(w.measurement, measurement());
		assert_eq!(w.keys, keys(7, 0));
		assert_eq!(w.role, WorkerRole::Primary);
		assert_eq!(
			w.tcb,
			WorkerTcb::Intel { status: TcbStatus::UpToDate, fmspc: SimPlatform::default().fmspc }
		);
		assert_eq!((w.registered_at, w.attested_at, w.expires_at), (1, 1, 1 + VALIDITY));
		assert_eq!(w.state, WorkerState::Active);
		assert_eq!(LastNonce::<Test>::get(7), Some(1));
		assert_eq!(Expiries::<Test>::get(1 + VALIDITY).into_inner(), vec![7]);
		assert_eq!(
			last_event(),
			RuntimeEvent::TeeRegistry(Event::WorkerRegistered {
				worker: 7,
				role: WorkerRole::Primary,
				measurement: measurement(),
				expires_at: 1 + VALIDITY,
			})
		);
		assert!(<TeeRegistry as WorkerRegistry<u64>>::is_active(&7));
		assert_eq!(
			<TeeRegistry as WorkerRegistry<u64>>::keys_and_age(&7).map(|(k, _)| k),
			Some(keys(7, 0))
		);
		assert_eq!(<TeeRegistry as WorkerRegistry<u64>>::role(&7), Some(WorkerRole::Primary));
		assert_eq!(<TeeRegistry as WorkerRegistry<u64>>::kind(&7), Some(TeeKind::Sgx));
		assert!(!<TeeRegistry as WorkerRegistry<u64>>::is_active(&8));
		assert_eq!(TeeRegistry::active_workers().len(), 1);
	});
}

#[test]
fn a_redundancy_worker_enrols_with_its_role() {
	new_test_ext().execute_with(|| {
		assert_ok!(TeeRegistry::register_worker(
			RuntimeOrigin::signed(3),
			quote(3, &keys(3, 0), 5),
			collateral(),
			Box::new(keys(3, 0)),
			WorkerRole::Redundancy,
			5,
		));
		assert_eq!(<TeeRegistry as WorkerRegistry<u64>>::role(&3), Some(WorkerRole::Redundancy));
	});
}

#[test]
fn a_quote_bound_to_anything_else_is_refused() {
	new_test_ext().execute_with(|| {
		let k = keys(7, 0);
		let call = |q, keys: EnclaveKeys, nonce| {
			TeeRegistry::register_worker(
				RuntimeOrigin::signed(7),
				q,
				collateral(),
				Box::new(keys),
				WorkerRole::Primary,
				nonce,
			)
		};
		// Another account's quote, other keys, another nonce.
		assert_noop!(call(quote(8, &k, 1), k.clone(), 1), Error::<Test>::BindingMismatch);
		assert_noop!(call(quote(7, &keys(7, 1), 1), k.clone(), 1), Error::<Test>::BindingMismatch);
		assert_noop!(call(quote(7, &k, 2), k.clone(), 1), Error::<Test>::BindingMismatch);
		// Garbage (evidence of no kind) and truncated quotes.
		assert_noop!(
			call(vec![0u8; 100].try_into().unwrap(), k.clone(), 1),
			Error::<Test>::UnknownEvidence
		);
		let mut cut = quote(7, &k, 1).into_inner();
		cut.truncate(600);
		assert_noop!(call(cut.try_into().unwrap(), k.clone(), 1), Error::<Test>::QuoteRejected);
		// A flipped report-data bit breaks the quote signature.
		let mut flipped = quote(7, &k, 1).into_inner();
		flipped[48 + 320] ^= 1;
		assert_noop!(call(flipped.try_into().unwrap(), k, 1), Error::<Test>::QuoteRejected);
	});
}

#[test]
fn a_nonce_is_never_accepted_twice() {
	new_test_ext().execute_with(|| {
		assert_ok!(register(7, 5));
		assert_ok!(TeeRegistry::deregister(RuntimeOrigin::signed(7)));
		assert_noop!(register(7, 5), Error::<Test>::NonceUsed);
		assert_noop!(register(7, 4), Error::<Test>::NonceUsed);
		assert_ok!(register(7, 6));
	});
}

#[test]
fn unlisted_and_debug_enclaves_are_refused() {
	new_test_ext().execute_with(|| {
		let k = keys(7, 0);
		let other = SgxEnclave { mr_enclave: [0xee; 32], ..enclave() };
		let call = |e: &SgxEnclave| {
			TeeRegistry::register_worker(
				RuntimeOrigin::signed(7),
				quote_of(e, 7, &k, 1),
				collateral(),
				Box::new(k.clone()),
				WorkerRole::Primary,
				1,
			)
		};
		assert_noop!(call(&other), Error::<Test>::MeasurementNotAllowed);
		assert_noop!(call(&SgxEnclave { debug: true, ..enclave() }), Error::<Test>::DebugEnclave);
	});
}

#[test]
fn the_tcb_floor_and_advisories_apply() {
	new_test_ext().execute_with(|| {
		let with = |status, advisories: &[&str]| CollateralParams {
			tcb_status: status,
			advisory_ids: advisories.iter().map(|a| a.to_string()).collect(),
			..CollateralParams::valid_around(now_secs())
		};
		let call = |who: u64, p: &CollateralParams| {
			TeeRegistry::register_worker(
				RuntimeOrigin::signed(who),
				quote(who, &keys(who, 0), 1),
				collateral_with(p),
				Box::new(keys(who, 0)),
				WorkerRole::Primary,
				1,
			)
		};
		assert_noop!(call(7, &with(TcbStatus::OutOfDate, &[])), Error::<Test>::TcbBelowFloor);
		assert_noop!(
			call(7, &with(TcbStatus::ConfigurationNeeded, &[])),
			Error::<Test>::TcbBelowFloor
		);
		assert_noop!(
			call(7, &with(TcbStatus::SwHardeningNeeded, &["INTEL-SA-00289"])),
			Error::<Test>::AdvisoryNotAllowed
		);
		assert_ok!(call(7, &with(TcbStatus::SwHardeningNeeded, &["INTEL-SA-00615"])));
		assert!(matches!(
			Workers::<Test>::get(7).unwrap().tcb,
			WorkerTcb::Intel { status: TcbStatus::SwHardeningNeeded, .. }
		));
		assert_ok!(call(9, &with(TcbStatus::UpToDate, &[])));
		assert!(TeeRegistry::is_active(&7) && TeeRegistry::is_active(&9));
		// Raising the floor refuses what was accepted, and the worker accepted under the old
		// floor stops being active; the one above it stays.
		assert_ok!(TeeRegistry::set_tcb_policy(RuntimeOrigin::root(), TcbStatus::UpToDate, vec![]));
		assert_noop!(
			call(8, &with(TcbStatus::SwHardeningNeeded, &["INTEL-SA-00615"])),
			Error::<Test>::TcbBelowFloor
		);
		assert!(!TeeRegistry::is_active(&7));
		assert_eq!(Workers::<Test>::get(7).unwrap().state, WorkerState::Deactivated);
		assert!(has_event(Event::WorkerDeactivated {
			worker: 7,
			reason: DeactivationReason::TcbBelowFloor
		}));
		assert!(TeeRegistry::is_active(&9));
	});
}

#[test]
fn a_worker_attested_under_a_root_no_longer_trusted_stops_being_active() {
	new_test_ext().execute_with(|| {
		let dev_root = with_sim(|s| s.root_der());
		assert_ok!(register(7, 1));
		assert_eq!(
			Workers::<Test>::get(7).unwrap().root_hash,
			sp_io::hashing::blake2_256(&dev_root)
		);
		// Removing another root changes nothing for it.
		let other = SimTee::new([9; 32], SimPlatform::default()).root_der();
		assert_ok!(TeeRegistry::add_trusted_root(
			RuntimeOrigin::root(),
			TeeKind::Sgx,
			other.clone()
		));
		assert_ok!(TeeRegistry::remove_trusted_root(RuntimeOrigin::root(), TeeKind::Sgx, other));
		assert!(TeeRegistry::is_active(&7));
		// Removing its root for another kind changes nothing for it either.
		assert_ok!(TeeRegistry::remove_trusted_root(
			RuntimeOrigin::root(),
			TeeKind::Tdx,
			dev_root.clone()
		));
		assert!(TeeRegistry::is_active(&7));
		// Removing its own deactivates it at once, not at its expiry.
		assert_ok!(TeeRegistry::remove_trusted_root(
			RuntimeOrigin::root(),
			TeeKind::Sgx,
			dev_root.clone()
		));
		assert!(!TeeRegistry::is_active(&7));
		assert!(has_event(Event::WorkerDeactivated {
			worker: 7,
			reason: DeactivationReason::RootRemoved
		}));
		// Trusted again, it re-attests and is active again.
		assert_ok!(TeeRegistry::add_trusted_root(RuntimeOrigin::root(), TeeKind::Sgx, dev_root));
		assert_ok!(reattest(7, 0, 2));
		assert!(TeeRegistry::is_active(&7));
	});
}

#[test]
fn key_age_counts_from_the_keys_registration_not_from_the_last_attestation() {
	let keys_age =
		|who: u64| <TeeRegistry as WorkerRegistry<u64>>::keys_and_age(&who).map(|(_, age)| age);
	new_test_ext().execute_with(|| {
		assert_ok!(register(7, 1));
		assert_eq!(keys_age(7), Some(0));
		run_to(5);
		// Re-attesting with the same keys renews the attestation, not the keys.
		assert_ok!(reattest(7, 0, 2));
		assert_eq!(keys_age(7), Some(4));
		// New keys start a new age.
		assert_ok!(reattest(7, 1, 3));
		assert_eq!(keys_age(7), Some(0));
		assert_eq!(keys_age(8), None);
	});
}

#[test]
fn version_0_worker_records_migrate_with_their_key_age_and_root() {
	use frame_support::traits::{GetStorageVersion, OnRuntimeUpgrade, StorageVersion};
	new_test_ext().execute_with(|| {
		assert_ok!(register(7, 1));
		let new = Workers::<Test>::get(7).unwrap();
		// The record as version 0 wrote it, field by field (as of commit e4503ab), so that a
		// change to the migration's idea of the old layout fails here.
		#[derive(codec::Encode)]
		struct V0 {
			tee: TeeKind,
			measurement: aegis_attestation::Measurement,
			keys: aegis_primitives::binding::EnclaveKeys,
			role: WorkerRole,
			tcb_status: TcbStatus,
			fmspc: [u8; 6],
			registered_at: u64,
			attested_at: u64,
			expires_at: u64,
			last_heartbeat: u64,
			state: WorkerState,
		}
		let old = V0 {
			tee: new.tee,
			measurement: new.measurement.clone(),
			keys: new.keys.clone(),
			role: new.role,
			tcb_status: TcbStatus::UpToDate,
			fmspc: SimPlatform::default().fmspc,
			registered_at: new.registered_at,
			attested_at: new.attested_at,
			expires_at: new.expires_at,
			last_heartbeat: new.last_heartbeat,
			state: new.state,
		}
		.encode();
		let key = Workers::<Test>::hashed_key_for(7);
		frame_support::storage::unhashed::put_raw(&key, &old);
		StorageVersion::new(0).put::<TeeRegistry>();
		assert!(Workers::<Test>::get(7).is_none(), "the old record does not decode as new");
		// Version 0 to 2 kept one list of roots (Intel's).
		let dev_root = with_sim(|s| s.root_der());
		let _ = TrustedRoots::<Test>::clear(10, None);
		crate::migrations::old::TrustedRoots::<Test>::put(
			BoundedVec::try_from(vec![dev_root.clone().try_into().unwrap()]).unwrap(),
		);

		// The chain holds collateral of evaluation 18 for an enrolled platform: the floor
		// starts there, so the upgrade accepts no quote the chain refused before.
		let (tee, fmspc) = platform();
		Platforms::<Test>::insert(
			(tee, fmspc),
			Some(PlatformCollateral {
				tcb_evaluation_data_number: 18,
				issued_at: 1,
				next_update: 2,
			}),
		);
		Platforms::<Test>::insert((TeeKind::Tdx, [9; 6]), None::<PlatformCollateral>);
		let upgrade = || {
			crate::migrations::v1::MigrateV0ToV1::<Test>::on_runtime_upgrade();
			crate::migrations::v2::MigrateV1ToV2::<Test>::on_runtime_upgrade();
			crate::migrations::v3::MigrateV2ToV3::<Test>::on_runtime_upgrade();
		};
		upgrade();
		assert_eq!(TcbEvaluationFloor::<Test>::get(), 18);
		let migrated = Workers::<Test>::get(7).unwrap();
		assert_eq!(
			migrated,
			WorkerInfo {
				keys_since: new.attested_at,
				root_hash: sp_io::hashing::blake2_256(&dev_root),
				..new
			}
		);
		assert_eq!(TeeRegistry::on_chain_storage_version(), 3);
		assert_eq!(Workers::<Test>::count(), 1);
		// Intel's roots became the SGX and the TDX roots, and no other kind's.
		for kind in [TeeKind::Sgx, TeeKind::Tdx] {
			let expected: RootCertificate = dev_root.clone().try_into().unwrap();
			assert_eq!(TrustedRoots::<Test>::get(kind).into_inner(), vec![expected]);
		}
		assert!(TrustedRoots::<Test>::get(TeeKind::SevSnp).is_empty());
		assert!(!crate::migrations::old::TrustedRoots::<Test>::exists());
		// Run again: nothing to do.
		upgrade();
		assert_eq!(Workers::<Test>::get(7).unwrap(), migrated);
	});
}

#[test]
fn collateral_outside_its_window_is_refused() {
	new_test_ext().execute_with(|| {
		let now = now_secs();
		let call = |p: CollateralParams| {
			TeeRegistry::register_worker(
				RuntimeOrigin::signed(7),
				quote(7, &keys(7, 0), 1),
				collateral_with(&p),
				Box::new(keys(7, 0)),
				WorkerRole::Primary,
				1,
			)
		};
		let base = CollateralParams::valid_around(now);
		assert_noop!(
			call(CollateralParams { issued_at: now - 1000, next_update: now - 1, ..base.clone() }),
			Error::<Test>::CollateralExpired
		);
		assert_noop!(
			call(CollateralParams { issued_at: now + 10, next_update: now + 1000, ..base }),
			Error::<Test>::CollateralNotYetValid
		);
	});
}

#[test]
fn only_trusted_roots_count() {
	new_test_ext().execute_with(|| {
		let dev_root = with_sim(|s| s.root_der());
		assert_ok!(TeeRegistry::remove_trusted_root(
			RuntimeOrigin::root(),
			TeeKind::Sgx,
			dev_root.clone()
		));
		assert_noop!(register(7, 1), Error::<Test>::NoTrustedRoot);
		let stranger = SimTee::new([9; 32], SimPlatform::default()).root_der();
		assert_ok!(TeeRegistry::add_trusted_root(RuntimeOrigin::root(), TeeKind::Sgx, stranger));
		assert_ok!(TeeRegistry::add_trusted_root(
			RuntimeOrigin::root(),
			TeeKind::Sgx,
			aegis_attestation::INTEL_SGX_ROOT_CA_DER.to_vec()
		));
		assert_noop!(register(7, 1), Error::<Test>::QuoteRejected);
		// Trusted for another kind only, it does not count for SGX quotes.
		assert_noop!(register(7, 1), Error::<Test>::QuoteRejected);
		// Trusted again, after the others: every root is tried.
		assert_ok!(TeeRegistry::add_trusted_root(RuntimeOrigin::root(), TeeKind::Sgx, dev_root));
		assert_ok!(register(7, 1));
	});
}

#[test]
fn registration_errors_before_verification() {
	new_test_ext().execute_with(|| {
		assert_ok!(register(1, 1));
		assert_noop!(register(1, 2), Error::<Test>::AlreadyRegistered);
		for w in 2..=4 {
			assert_ok!(register(w, 1));
		}
		assert_noop!(register(5, 1), Error::<Test>::TooManyWorkers);
		assert_noop!(
			TeeRegistry::register_worker(
				RuntimeOrigin::none(),
				quote(5, &keys(5, 0), 1),
				collateral(),
				Box::new(keys(5, 0)),
				WorkerRole::Primary,
				1
			),
			BadOrigin
		);
	});
}

#[test]
fn workers_expire_and_are_removed_with_bounded_work() {
	new_test_ext().execute_with(|| {
		for w in 1..=3 {
			assert_ok!(register(w, 1));
		}
		for b in (10..=VALIDITY).step_by(10) {
			run_to(b);
			for w in 1..=3 {
				assert_ok!(TeeRegistry::heartbeat(RuntimeOrigin::signed(w)));
			}
		}
		assert!(<TeeRegistry as WorkerRegistry<u64>>::is_active(&1));
		run_to(1 + VALIDITY);
		// Two a block (ExpiriesPerBlock), the rest the next block.
		assert_eq!(Workers::<Test>::count(), 1);
		let left = Workers::<Test>::iter_keys().next().unwrap();
		assert!(!<TeeRegistry as WorkerRegistry<u64>>::is_active(&left));
		assert_noop!(TeeRegistry::heartbeat(RuntimeOrigin::signed(left)), Error::<Test>::NotActive);
		run_to(2 + VALIDITY);
		assert_eq!(Workers::<Test>::count(), 0);
		assert!(has_event(Event::WorkerExpired { worker: left }));
		assert_eq!(ExpiryCursor::<Test>::get(), 3 + VALIDITY);
	});
}

#[test]
fn a_lagging_expiry_cursor_catches_up() {
	new_test_ext().execute_with(|| {
		use frame_support::traits::Hooks;
		assert_ok!(register(7, 1));
		// As if on_initialize had not run for a long time.
		System::set_block_number(200);
		ExpiryCursor::<Test>::put(0);
		for b in 200..300u64 {
			System::set_block_number(b);
			TeeRegistry::on_initialize(b);
		}
		assert!(!Workers::<Test>::contains_key(7));
		assert_eq!(ExpiryCursor::<Test>::get(), 300);
	});
}

#[test]
fn anyone_may_remove_an_expired_worker() {
	new_test_ext().execute_with(|| {
		assert_ok!(register(7, 1));
		assert_noop!(
			TeeRegistry::remove_expired(RuntimeOrigin::signed(99), 7),
			Error::<Test>::NotExpired
		);
		assert_noop!(
			TeeRegistry::remove_expired(RuntimeOrigin::signed(99), 8),
			Error::<Test>::NotRegistered
		);
		// Expired, before any on_initialize removed it.
		System::set_block_number(1 + VALIDITY);
		assert_ok!(TeeRegistry::remove_expired(RuntimeOrigin::signed(99), 7));
		assert!(!Workers::<Test>::contains_key(7));
		assert!(Expiries::<Test>::get(1 + VALIDITY).is_empty());
		assert_eq!(last_event(), RuntimeEvent::TeeRegistry(Event::WorkerExpired { worker: 7 }));
	});
}

#[test]
fn reattestation_renews_and_rotates_keys() {
	new_test_ext().execute_with(|| {
		assert_ok!(register(7, 1));
		run_to(50);
		let rotated = keys(7, 1);
		assert_noop!(
			TeeRegistry::reattest(
				RuntimeOrigin::signed(7),
				quote(7, &rotated, 1),
				collateral(),
				Box::new(rotated.clone()),
				1
			),
			Error::<Test>::NonceUsed
		);
		assert_noop!(
			TeeRegistry::reattest(
				RuntimeOrigin::signed(8),
				quote(8, &rotated, 2),
				collateral(),
				Box::new(rotated.clone()),
				2
			),
			Error::<Test>::NotRegistered
		);
		assert_noop!(
			TeeRegistry::reattest(
				RuntimeOrigin::signed(7),
				quote(7, &keys(7, 0), 2),
				collateral(),
				Box::new(rotated.clone()),
				2
			),
			Error::<Test>::BindingMismatch
		);
		assert_ok!(TeeRegistry::reattest(
			RuntimeOrigin::signed(7),
			quote(7, &rotated, 2),
			collateral(),
			Box::new(rotated.clone()),
			2
		));
		let w = Workers::<Test>::get(7).unwrap();
		assert_eq!(
			(w.keys, w.attested_at, w.expires_at, w.registered_at),
			(rotated, 50, 50 + VALIDITY, 1)
		);
		assert_eq!(
			last_event(),
			RuntimeEvent::TeeRegistry(Event::WorkerReattested {
				worker: 7,
				keys_rotated: true,
				expires_at: 50 + VALIDITY
			})
		);
		// The old expiry no longer applies.
		assert!(Expiries::<Test>::get(1 + VALIDITY).is_empty());
		for b in (60..=1 + VALIDITY).step_by(10) {
			run_to(b);
			assert_ok!(TeeRegistry::heartbeat(RuntimeOrigin::signed(7)));
		}
		assert!(<TeeRegistry as WorkerRegistry<u64>>::is_active(&7));
	});
}

#[test]
fn silent_workers_stop_being_active() {
	new_test_ext().execute_with(|| {
		assert_ok!(register(7, 1));
		run_to(21);
		assert!(<TeeRegistry as WorkerRegistry<u64>>::is_active(&7));
		assert_ok!(TeeRegistry::heartbeat(RuntimeOrigin::signed(7)));
		assert_eq!(last_event(), RuntimeEvent::TeeRegistry(Event::Heartbeat { worker: 7 }));
		run_to(42);
		assert!(!<TeeRegistry as WorkerRegistry<u64>>::is_active(&7));
		assert!(TeeRegistry::active_workers().is_empty());
		// A heartbeat brings a silent (but attested) worker back.
		assert_ok!(TeeRegistry::heartbeat(RuntimeOrigin::signed(7)));
		assert!(<TeeRegistry as WorkerRegistry<u64>>::is_active(&7));
		assert_noop!(
			TeeRegistry::heartbeat(RuntimeOrigin::signed(8)),
			Error::<Test>::NotRegistered
		);
	});
}

#[test]
fn deregistering_removes_the_worker_and_its_expiry() {
	new_test_ext().execute_with(|| {
		assert_ok!(register(7, 1));
		assert_ok!(TeeRegistry::deregister(RuntimeOrigin::signed(7)));
		assert!(!Workers::<Test>::contains_key(7));
		assert!(Expiries::<Test>::get(1 + VALIDITY).is_empty());
		assert_eq!(
			last_event(),
			RuntimeEvent::TeeRegistry(Event::WorkerDeregistered { worker: 7 })
		);
		assert_noop!(
			TeeRegistry::deregister(RuntimeOrigin::signed(7)),
			Error::<Test>::NotRegistered
		);
	});
}

#[test]
fn measurement_upgrade_with_enactment_and_revocation() {
	new_test_ext().execute_with(|| {
		assert_ok!(register(1, 1));
		assert_ok!(register(2, 1));
		let v2 = SgxEnclave { isv_svn: 4, mr_enclave: [0xe2; 32], ..enclave() };
		assert_ok!(TeeRegistry::allow_measurement(
			RuntimeOrigin::root(),
			measurement_of(&v2),
			Some(10)
		));
		assert!(has_event(Event::MeasurementAllowed {
			measurement: measurement_of(&v2),
			enacted_at: 10
		}));
		let reattest_v2 = |who: u64, nonce: u64| {
			TeeRegistry::reattest(
				RuntimeOrigin::signed(who),
				quote_of(&v2, who, &keys(who, 0), nonce),
				collateral(),
				Box::new(keys(who, 0)),
				nonce,
			)
		};
		assert_noop!(reattest_v2(1, 2), Error::<Test>::MeasurementNotYetEnacted);
		run_to(10);
		assert_ok!(reattest_v2(1, 2));
		assert_eq!(Workers::<Test>::get(1).unwrap().measurement, measurement_of(&v2));
		// Revoking v1 deactivates the worker still on it, not the upgraded one.
		assert_ok!(TeeRegistry::revoke_measurement(RuntimeOrigin::root(), measurement()));
		assert!(has_event(Event::WorkerDeactivated {
			worker: 2,
			reason: DeactivationReason::MeasurementRevoked
		}));
		assert!(has_event(Event::MeasurementRevoked {
			measurement: measurement(),
			deactivated: 1
		}));
		assert_eq!(Workers::<Test>::get(2).unwrap().state, WorkerState::Deactivated);
		assert!(!<TeeRegistry as WorkerRegistry<u64>>::is_active(&2));
		assert!(<TeeRegistry as WorkerRegistry<u64>>::is_active(&1));
		assert_noop!(TeeRegistry::heartbeat(RuntimeOrigin::signed(2)), Error::<Test>::NotActive);
		// v1 quotes no longer register; re-attesting on v2 reactivates.
		assert_noop!(register(3, 1), Error::<Test>::MeasurementNotAllowed);
		assert_ok!(reattest_v2(2, 2));
		assert!(<TeeRegistry as WorkerRegistry<u64>>::is_active(&2));
	});
}

#[test]
fn measurement_governance_errors() {
	new_test_ext().execute_with(|| {
		let m = |b: u8| measurement_of(&SgxEnclave { mr_enclave: [b; 32], ..enclave() });
		run_to(5);
		assert_noop!(
			TeeRegistry::allow_measurement(RuntimeOrigin::root(), m(1), Some(4)),
			Error::<Test>::EnactmentInPast
		);
		assert_noop!(
			TeeRegistry::allow_measurement(RuntimeOrigin::root(), measurement(), None),
			Error::<Test>::MeasurementAlreadyAllowed
		);
		assert_noop!(
			TeeRegistry::allow_measurement(RuntimeOrigin::signed(1), m(1), None),
			BadOrigin
		);
		for b in 1..=3 {
			assert_ok!(TeeRegistry::allow_measurement(RuntimeOrigin::root(), m(b), None));
		}
		assert_noop!(
			TeeRegistry::allow_measurement(RuntimeOrigin::root(), m(4), None),
			Error::<Test>::TooManyMeasurements
		);
		assert_noop!(
			TeeRegistry::revoke_measurement(RuntimeOrigin::root(), m(9)),
			Error::<Test>::MeasurementNotAllowed
		);
		assert_noop!(TeeRegistry::revoke_measurement(RuntimeOrigin::signed(1), m(1)), BadOrigin);
	});
}

#[test]
fn root_and_policy_governance() {
	new_test_ext().execute_with(|| {
		let dev_root = with_sim(|s| s.root_der());
		assert_noop!(
			TeeRegistry::add_trusted_root(RuntimeOrigin::root(), TeeKind::Sgx, dev_root.clone()),
			Error::<Test>::RootAlreadyTrusted
		);
		assert_noop!(
			TeeRegistry::add_trusted_root(RuntimeOrigin::root(), TeeKind::Sgx, vec![]),
			Error::<Test>::BadRoot
		);
		assert_noop!(
			TeeRegistry::add_trusted_root(RuntimeOrigin::root(), TeeKind::Sgx, vec![1; 5000]),
			Error::<Test>::BadRoot
		);
		assert_noop!(
			TeeRegistry::add_trusted_root(RuntimeOrigin::signed(1), TeeKind::Sgx, vec![1]),
			BadOrigin
		);
		for i in 1..=3u8 {
			assert_ok!(TeeRegistry::add_trusted_root(
				RuntimeOrigin::root(),
				TeeKind::Sgx,
				vec![i; 10]
			));
		}
		assert_noop!(
			TeeRegistry::add_trusted_root(RuntimeOrigin::root(), TeeKind::Sgx, vec![4; 10]),
			Error::<Test>::TooManyRoots
		);
		// Each kind has its own list.
		assert_ok!(TeeRegistry::add_trusted_root(
			RuntimeOrigin::root(),
			TeeKind::Nitro,
			vec![4; 10]
		));
		assert!(has_event(Event::RootAdded {
			tee: TeeKind::Nitro,
			root_hash: sp_io::hashing::blake2_256(&[4; 10])
		}));
		assert_noop!(
			TeeRegistry::remove_trusted_root(RuntimeOrigin::root(), TeeKind::Sgx, vec![9; 10]),
			Error::<Test>::RootNotTrusted
		);
		assert_noop!(
			TeeRegistry::remove_trusted_root(RuntimeOrigin::root(), TeeKind::Sgx, vec![4; 10]),
			Error::<Test>::RootNotTrusted
		);
		assert_ok!(TeeRegistry::remove_trusted_root(
			RuntimeOrigin::root(),
			TeeKind::Sgx,
			vec![2; 10]
		));
		assert_eq!(TrustedRoots::<Test>::get(TeeKind::Sgx).len(), 3);
		assert_eq!(TrustedRoots::<Test>::get(TeeKind::Nitro).len(), 2);

		let five: Vec<Vec<u8>> = (0..5).map(|i| vec![i]).collect();
		assert_noop!(
			TeeRegistry::set_tcb_policy(RuntimeOrigin::root(), TcbStatus::UpToDate, five),
			Error::<Test>::TooManyAdvisories
		);
		assert_noop!(
			TeeRegistry::set_tcb_policy(
				RuntimeOrigin::root(),
				TcbStatus::UpToDate,
				vec![vec![0; 33]]
			),
			Error::<Test>::TooManyAdvisories
		);
		assert_noop!(
			TeeRegistry::set_attestation_validity(RuntimeOrigin::root(), 0),
			Error::<Test>::ZeroValidity
		);
		assert_ok!(TeeRegistry::set_attestation_validity(RuntimeOrigin::root(), 7));
		assert_ok!(register(7, 1));
		assert_eq!(Workers::<Test>::get(7).unwrap().expires_at, 8);

		let bad = RedundancyConfig { enabled: true, min_cosigners: 0 };
		assert_noop!(
			TeeRegistry::set_redundancy(RuntimeOrigin::root(), bad),
			Error::<Test>::BadRedundancy
		);
		let good = RedundancyConfig { enabled: true, min_cosigners: 2 };
		assert_ok!(TeeRegistry::set_redundancy(RuntimeOrigin::root(), good));
		assert_eq!(<TeeRegistry as WorkerRegistry<u64>>::redundancy(), good);
		assert_noop!(TeeRegistry::set_redundancy(RuntimeOrigin::signed(1), good), BadOrigin);
		assert_noop!(
			TeeRegistry::set_pccs_url(RuntimeOrigin::root(), vec![b'a'; 257]),
			Error::<Test>::UrlTooLong
		);
		assert_ok!(TeeRegistry::set_pccs_url(
			RuntimeOrigin::root(),
			b"https://pccs.example".to_vec()
		));
		assert_eq!(PccsUrl::<Test>::get().into_inner(), b"https://pccs.example".to_vec());
	});
}

fn platform() -> (TeeKind, [u8; 6]) {
	(TeeKind::Sgx, SimPlatform::default().fmspc)
}

fn authorize(update: &offchain::CollateralUpdate) -> bool {
	let call = crate::Call::<Test>::update_platform_collateral { update: update.clone() };
	matches!(call.authorize(TransactionSource::External), Some(Ok(_)))
}

#[test]
fn collateral_updates_are_authorized_only_when_valid_and_newer() {
	new_test_ext().execute_with(|| {
		let now = now_secs();
		let fresh = CollateralParams {
			tcb_evaluation_data_number: 18,
			..CollateralParams::valid_around(now)
		};
		let update = collateral_update(&fresh);
		// Not enrolled: refused.
		assert!(!authorize(&update));
		let (tee, fmspc) = platform();
		assert_ok!(TeeRegistry::enroll_platform(RuntimeOrigin::root(), tee, fmspc));
		assert_noop!(
			TeeRegistry::enroll_platform(RuntimeOrigin::root(), tee, fmspc),
			Error::<Test>::PlatformAlreadyEnrolled
		);
		assert!(authorize(&update));
		// Signed by another authority, edited, or expired: refused.
		let mut edited = update.clone();
		edited.tcb_info = String::from_utf8(update.tcb_info.to_vec())
			.unwrap()
			.replace("\"tcbEvaluationDataNumber\":18", "\"tcbEvaluationDataNumber\":19")
			.into_bytes()
			.try_into()
			.unwrap();
		assert!(!authorize(&edited));
		let expired = collateral_update(&CollateralParams {
			issued_at: now - 100,
			next_update: now - 1,
			..fresh.clone()
		});
		assert!(!authorize(&expired));
		assert_noop!(
			TeeRegistry::update_platform_collateral(RuntimeOrigin::signed(1), update.clone()),
			BadOrigin
		);
		assert_ok!(TeeRegistry::update_platform_collateral(
			frame_system::RawOrigin::Authorized.into(),
			update.clone()
		));
		let stored = Platforms::<Test>::get((tee, fmspc)).flatten().unwrap();
		assert_eq!(
			stored,
			PlatformCollateral {
				tcb_evaluation_data_number: 18,
				issued_at: fresh.issued_at,
				next_update: fresh.next_update
			}
		);
		// The same again is not newer.
		assert!(!authorize(&update));
		assert_noop!(
			TeeRegistry::update_platform_collateral(
				frame_system::RawOrigin::Authorized.into(),
				update.clone()
			),
			Error::<Test>::CollateralRejected
		);
		let newer = collateral_update(&CollateralParams {
			tcb_evaluation_data_number: 19,
			..fresh.clone()
		});
		assert!(authorize(&newer));
		// A later document from the other track (a lower evaluation number, issued later)
		// refreshes the copy: a higher number stored first cannot keep it stale.
		let later_standard = collateral_update(&CollateralParams {
			tcb_evaluation_data_number: 17,
			issued_at: fresh.issued_at + 10,
			..fresh.clone()
		});
		assert!(authorize(&later_standard));
		// A document naming a platform the chain does not enrol is refused before any
		// signature check.
		let mut elsewhere = update.clone();
		let named = String::from_utf8(update.tcb_info.to_vec()).unwrap();
		let fmspc_hex = hex::encode_upper(fmspc);
		elsewhere.tcb_info =
			named.replace(&fmspc_hex, "FFFFFFFFFFFF").into_bytes().try_into().unwrap();
		assert!(!authorize(&elsewhere));
		assert_eq!(crate::claimed_fmspc(&update.tcb_info), Some(fmspc));
		assert_eq!(crate::claimed_fmspc(b"{\"fmspc\":\"00906ED5\"}"), None);
		assert_eq!(crate::claimed_fmspc(b"{\"fmspc\":\"00906ED5000G\"}"), None);
		assert_ok!(TeeRegistry::remove_platform(RuntimeOrigin::root(), tee, fmspc));
		assert_noop!(
			TeeRegistry::remove_platform(RuntimeOrigin::root(), tee, fmspc),
			Error::<Test>::PlatformNotEnrolled
		);
		for b in 1..=4u8 {
			assert_ok!(TeeRegistry::enroll_platform(RuntimeOrigin::root(), TeeKind::Tdx, [b; 6]));
		}
		assert_noop!(
			TeeRegistry::enroll_platform(RuntimeOrigin::root(), tee, fmspc),
			Error::<Test>::TooManyPlatforms
		);
	});
}

#[test]
fn the_chains_collateral_guards_registration() {
	new_test_ext().execute_with(|| {
		let now = now_secs();
		let (tee, fmspc) = platform();
		assert_ok!(TeeRegistry::enroll_platform(RuntimeOrigin::root(), tee, fmspc));
		// Anyone posts genuine collateral of a later TCB evaluation (Intel's early track, 18)
		// than the honest workers' (the standard track, the simulator's 17): it is stored, and
		// it does not make their registrations fail.
		let early = CollateralParams {
			tcb_evaluation_data_number: 18,
			..CollateralParams::valid_around(now)
		};
		assert_ok!(TeeRegistry::update_platform_collateral(
			frame_system::RawOrigin::Authorized.into(),
			collateral_update(&early)
		));
		assert_ok!(register(6, 1));
		// Governance decides which evaluation a quote's collateral must reach.
		assert_noop!(
			TeeRegistry::set_tcb_evaluation_floor(RuntimeOrigin::signed(1), 18),
			BadOrigin
		);
		assert_ok!(TeeRegistry::set_tcb_evaluation_floor(RuntimeOrigin::root(), 18));
		assert!(has_event(Event::TcbEvaluationFloorSet { floor: 18 }));
		assert_noop!(register(7, 1), Error::<Test>::CollateralOutdated);
		let current = |who: u64| {
			TeeRegistry::register_worker(
				RuntimeOrigin::signed(who),
				quote(who, &keys(who, 0), 1),
				collateral_with(&CollateralParams {
					tcb_evaluation_data_number: 18,
					..CollateralParams::valid_around(now_secs())
				}),
				Box::new(keys(who, 0)),
				WorkerRole::Primary,
				1,
			)
		};
		assert_ok!(current(7));
		// Once the chain's copy is stale, registration waits for the refresh.
		Platforms::<Test>::insert(
			(tee, fmspc),
			Some(PlatformCollateral {
				next_update: now,
				..Platforms::<Test>::get((tee, fmspc)).flatten().unwrap()
			}),
		);
		assert_noop!(current(8), Error::<Test>::PlatformCollateralStale);
	});
}

#[test]
fn the_offchain_worker_fetches_collateral_from_the_pccs() {
	use codec::{Decode, Encode};
	use frame_support::traits::Hooks;
	use sp_core::offchain::{
		testing::{PendingRequest, TestOffchainExt, TestTransactionPoolExt},
		OffchainDbExt, OffchainStorage, OffchainWorkerExt, TransactionPoolExt,
	};

	let (offchain, state) = TestOffchainExt::new();
	let (pool, pool_state) = TestTransactionPoolExt::new();
	let mut ext = new_test_ext();
	ext.register_extension(OffchainWorkerExt::new(offchain.clone()));
	ext.register_extension(OffchainDbExt::new(offchain));
	ext.register_extension(TransactionPoolExt::new(pool));
	let p = CollateralParams {
		tcb_evaluation_data_number: 18,
		..CollateralParams::valid_around(NOW_SECS)
	};
	let (tcb_body, qe_body, chain, crl) = with_sim(|s| {
		(
			s.pccs_tcb_info_body(TeeKind::Sgx, &p),
			s.pccs_qe_identity_body(TeeKind::Sgx, &p),
			s.tcb_issuer_chain(),
			s.root_ca_crl(&p),
		)
	});
	let url_encoded: String = chain
		.bytes()
		.map(|b| {
			if b.is_ascii_alphanumeric() || b == b'-' {
				char::from(b).to_string()
			} else {
				format!("%{b:02X}")
			}
		})
		.collect();
	let get = |uri: &str, body: Vec<u8>, headers: Vec<(String, String)>| PendingRequest {
		method: "GET".into(),
		uri: uri.into(),
		headers: vec![("Accept".into(), "application/json".into())],
		sent: true,
		response: Some(body),
		response_headers: headers,
		..Default::default()
	};
	{
		let mut s = state.write();
		s.expect_request(get(
			"https://pccs.test/sgx/certification/v4/tcb?fmspc=00AE915E0000&update=standard",
			tcb_body.into_bytes(),
			vec![("tcb-info-issuer-chain".into(), url_encoded.clone())],
		));
		s.expect_request(get(
			"https://pccs.test/sgx/certification/v4/qe/identity?update=standard",
			qe_body.into_bytes(),
			vec![("sgx-enclave-identity-issuer-chain".into(), url_encoded)],
		));
		s.expect_request(get(
			"https://pccs.test/sgx/certification/v4/rootcacrl",
			hex::encode(&crl).into_bytes(),
			vec![],
		));
	}
	// This node's operator points it at its own PCCS; the chain names another. (The test
	// database keeps persistent values under the empty prefix; a node under `b"storage"`.)
	state.write().persistent_storage.set(
		b"",
		offchain::LOCAL_PCCS_URL_KEY,
		&b"https://pccs.test".to_vec().encode(),
	);
	ext.execute_with(|| {
		assert_ok!(TeeRegistry::set_pccs_url(
			RuntimeOrigin::root(),
			b"https://pccs.chain.invalid".to_vec()
		));
		let (tee, fmspc) = platform();
		assert_ok!(TeeRegistry::enroll_platform(RuntimeOrigin::root(), tee, fmspc));
		// Not a refresh block: nothing fetched.
		TeeRegistry::offchain_worker(4);
		assert!(pool_state.read().transactions.is_empty());
		TeeRegistry::offchain_worker(5);
		let raw = pool_state.write().transactions.pop().expect("a transaction");
		let xt = Extrinsic::decode(&mut &raw[..]).unwrap();
		let RuntimeCall::TeeRegistry(call) = xt.function else { panic!("not a registry call") };
		let crate::Call::update_platform_collateral { update } = call.clone() else {
			panic!("wrong call")
		};
		assert_eq!(update, collateral_update(&p));
		assert!(matches!(call.authorize(TransactionSource::Local), Some(Ok(_))));
		assert_ok!(TeeRegistry::update_platform_collateral(
			frame_system::RawOrigin::Authorized.into(),
			update
		));
		assert_eq!(
			Platforms::<Test>::get((tee, fmspc)).flatten().unwrap().tcb_evaluation_data_number,
			18
		);
	});
}

#[test]
fn pccs_bodies_are_split_exactly() {
	let body = br#"{"tcbInfo":{"id":"SGX","signature":"x"},"signature":"0a0B"}"#;
	let (doc, sig) = offchain::split_signed(body, b"tcbInfo").unwrap();
	assert_eq!(doc, br#"{"id":"SGX","signature":"x"}"#);
	assert_eq!(sig, vec![0x0a, 0x0b]);
	assert!(offchain::split_signed(body, b"enclaveIdentity").is_err());
	assert!(offchain::split_signed(br#"{"tcbInfo":{}}"#, b"tcbInfo").is_err());
	assert!(offchain::split_signed(br#"{"tcbInfo":{},"signature":"zz"}"#, b"tcbInfo").is_err());
	assert_eq!(offchain::percent_decode(b"a%20b%0A").unwrap(), b"a b\n".to_vec());
	assert!(offchain::percent_decode(b"%2").is_none());
	assert!(offchain::percent_decode(b"%zz").is_none());
}

#[test]
fn genesis_config_round_trips_through_json() {
	let config = GenesisConfig::<Test> {
		trusted_roots: vec![(TeeKind::SevSnp, vec![1, 2, 3])],
		snp_tcb_floors: vec![(
			aegis_attestation::SnpProduct::Genoa,
			aegis_attestation::SnpTcb { snp: 22, ..Default::default() },
		)],
		measurements: vec![measurement(), aegis_attestation::dev::worker_nitro_measurement()],
		min_tcb_status: Some(TcbStatus::SwHardeningNeeded),
		allowed_advisories: vec![b"INTEL-SA-00615".to_vec()],
		attestation_validity: 5,
		redundancy: RedundancyConfig { enabled: true, min_cosigners: 1 },
		pccs_url: b"https://pccs".to_vec(),
		tcb_evaluation_floor: 17,
	};
	let json = serde_json::to_string(&config).unwrap();
	let back: GenesisConfig<Test> = serde_json::from_str(&json).unwrap();
	assert_eq!(back.tcb_evaluation_floor, 17);
	assert_eq!(back.trusted_roots, config.trusted_roots);
	assert_eq!(back.snp_tcb_floors, config.snp_tcb_floors);
	assert_eq!(back.measurements, config.measurements);
	assert_eq!(back.min_tcb_status, config.min_tcb_status);
	assert_eq!(back.redundancy, config.redundancy);
	assert!(serde_json::from_str::<GenesisConfig<Test>>(&json.replace("0x00", "0xzz")).is_err());
}
