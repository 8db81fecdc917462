//! Workers of every TEE kind: SEV-SNP reports and Nitro documents (from the simulators' dev
//! roots, in the real formats) enrol through the same binding as Intel quotes, each under the
//! roots trusted for its kind, and every refusal leaves storage as it was.

use super::*;
use aegis_attestation::{
	dev,
	policy::SnpGuestPolicy,
	sim::{
		nitro::{NitroImage, NitroRequest},
		snp::SnpGuest,
	},
	snp_policy, SnpProduct, SnpTcb,
};

fn allow(m: aegis_attestation::Measurement) {
	assert_ok!(TeeRegistry::allow_measurement(RuntimeOrigin::root(), m, None));
}

fn allow_all() {
	allow(dev::worker_snp_measurement());
	allow(dev::worker_nitro_measurement());
}

fn enrol(who: u64, evidence: Vec<u8>, collateral: Vec<u8>, nonce: u64) -> DispatchResult {
	TeeRegistry::register_worker(
		RuntimeOrigin::signed(who),
		evidence.try_into().expect("evidence fits"),
		collateral.try_into().expect("collateral fits"),
		Box::new(keys(who, 0)),
		WorkerRole::Primary,
		nonce,
	)
}

fn enrol_snp(who: u64, nonce: u64) -> DispatchResult {
	let (report, collateral) = snp_evidence(who, &keys(who, 0), nonce);
	enrol(who, report, collateral, nonce)
}

fn enrol_nitro(who: u64, nonce: u64) -> DispatchResult {
	enrol(who, nitro_evidence(who, &keys(who, 0), nonce), vec![], nonce)
}

/// A dev SEV-SNP report of `guest` binding `who`'s keys and `nonce`.
fn snp_report_of(guest: SnpGuest, who: u64, nonce: u64) -> Vec<u8> {
	aegis_test_support::snp().report(&guest, &binding(who, &keys(who, 0), nonce))
}

fn dev_guest() -> SnpGuest {
	SnpGuest { measurement: dev::WORKER_SNP_MEASUREMENT, ..Default::default() }
}

#[test]
fn workers_of_three_kinds_enrol_together() {
	new_test_ext().execute_with(|| {
		allow_all();
		assert_ok!(register(7, 1));
		assert_ok!(enrol_snp(8, 1));
		assert_ok!(enrol_nitro(9, 1));
		let kinds: Vec<TeeKind> =
			[7, 8, 9].iter().map(|w| Workers::<Test>::get(w).unwrap().tee).collect();
		assert_eq!(kinds, vec![TeeKind::Sgx, TeeKind::SevSnp, TeeKind::Nitro]);
		assert!([7, 8, 9].iter().all(TeeRegistry::is_active));

		let snp = Workers::<Test>::get(8).unwrap();
		assert_eq!(snp.measurement, dev::worker_snp_measurement());
		let platform = aegis_test_support::snp().platform().clone();
		assert_eq!(
			snp.tcb,
			WorkerTcb::SevSnp {
				product: SnpProduct::Milan,
				tcb: platform.tcb,
				policy: dev_guest().policy,
				vmpl: 0,
			}
		);
		assert_eq!(snp.root_hash, sp_io::hashing::blake2_256(dev::SNP_ARK_DER));
		let nitro = Workers::<Test>::get(9).unwrap();
		assert_eq!(nitro.tcb, WorkerTcb::Nitro);
		assert_eq!(nitro.root_hash, sp_io::hashing::blake2_256(dev::NITRO_ROOT_DER));
		// Three platforms, for co-signer diversity.
		let platforms: Vec<_> = [7, 8, 9]
			.iter()
			.map(|w| <TeeRegistry as WorkerRegistry<u64>>::platform(w).unwrap())
			.collect();
		assert!(CosignerDiversity::OtherPlatform.admits(platforms[0], platforms[1]));
		assert!(CosignerDiversity::OtherKind.admits(platforms[1], platforms[2]));
		// Re-attesting with fresh evidence of the same kind works as for Intel quotes.
		run_to(3);
		let (report, collateral) = snp_evidence(8, &keys(8, 0), 2);
		assert_ok!(TeeRegistry::reattest(
			RuntimeOrigin::signed(8),
			report.try_into().unwrap(),
			collateral.try_into().unwrap(),
			Box::new(keys(8, 0)),
			2
		));
		assert_eq!(Workers::<Test>::get(8).unwrap().attested_at, 3);
	});
}

#[test]
fn new_kinds_are_held_to_the_same_binding_and_allow_list() {
	new_test_ext().execute_with(|| {
		// Not allowed yet.
		assert_noop!(enrol_snp(8, 1), Error::<Test>::MeasurementNotAllowed);
		assert_noop!(enrol_nitro(9, 1), Error::<Test>::MeasurementNotAllowed);
		allow_all();
		// Evidence bound to another account, or another nonce, is refused.
		let (report, collateral) = snp_evidence(7, &keys(8, 0), 1);
		assert_noop!(enrol(8, report, collateral, 1), Error::<Test>::BindingMismatch);
		let doc = nitro_evidence(9, &keys(9, 0), 2);
		assert_noop!(enrol(9, doc, vec![], 1), Error::<Test>::BindingMismatch);
		// A used nonce is refused before any verification.
		assert_ok!(enrol_snp(8, 5));
		assert_ok!(TeeRegistry::deregister(RuntimeOrigin::signed(8)));
		assert_noop!(enrol_snp(8, 5), Error::<Test>::NonceUsed);
		assert_ok!(enrol_snp(8, 6));
	});
}

#[test]
fn each_kind_verifies_only_under_its_own_roots() {
	new_test_ext().execute_with(|| {
		allow_all();
		// The dev ARK trusted for Nitro instead of SEV-SNP does not let SEV-SNP reports in.
		assert_ok!(TeeRegistry::remove_trusted_root(
			RuntimeOrigin::root(),
			TeeKind::SevSnp,
			dev::SNP_ARK_DER.to_vec()
		));
		assert_noop!(enrol_snp(8, 1), Error::<Test>::NoTrustedRoot);
		assert_ok!(TeeRegistry::add_trusted_root(
			RuntimeOrigin::root(),
			TeeKind::SevSnp,
			aegis_attestation::amd::ARK_MILAN_DER.to_vec()
		));
		assert_noop!(enrol_snp(8, 1), Error::<Test>::QuoteRejected);
		assert_ok!(TeeRegistry::add_trusted_root(
			RuntimeOrigin::root(),
			TeeKind::Nitro,
			dev::SNP_ARK_DER.to_vec()
		));
		assert_noop!(enrol_snp(8, 1), Error::<Test>::QuoteRejected);
		// AWS's root does not let a dev document in.
		assert_ok!(TeeRegistry::remove_trusted_root(
			RuntimeOrigin::root(),
			TeeKind::Nitro,
			dev::NITRO_ROOT_DER.to_vec()
		));
		assert_ok!(TeeRegistry::add_trusted_root(
			RuntimeOrigin::root(),
			TeeKind::Nitro,
			aegis_attestation::AWS_NITRO_ROOT_G1_DER.to_vec()
		));
		assert_noop!(enrol_nitro(9, 1), Error::<Test>::QuoteRejected);
	});
}

#[test]
fn withdrawing_a_kinds_root_deactivates_only_that_kinds_workers() {
	new_test_ext().execute_with(|| {
		allow_all();
		assert_ok!(register(7, 1));
		assert_ok!(enrol_snp(8, 1));
		assert_ok!(enrol_nitro(9, 1));
		assert_ok!(TeeRegistry::remove_trusted_root(
			RuntimeOrigin::root(),
			TeeKind::SevSnp,
			dev::SNP_ARK_DER.to_vec()
		));
		assert!(!TeeRegistry::is_active(&8));
		assert!(TeeRegistry::is_active(&7) && TeeRegistry::is_active(&9));
		assert!(has_event(Event::RootRemoved {
			tee: TeeKind::SevSnp,
			root_hash: sp_io::hashing::blake2_256(dev::SNP_ARK_DER)
		}));
	});
}

#[test]
fn debug_guests_and_refused_guest_policies_do_not_enrol() {
	new_test_ext().execute_with(|| {
		allow_all();
		let collateral = aegis_test_support::snp().collateral();
		let debug = SnpGuest { policy: dev_guest().policy | snp_policy::DEBUG, ..dev_guest() };
		assert_noop!(
			enrol(8, snp_report_of(debug, 8, 1), collateral.clone(), 1),
			Error::<Test>::DebugEnclave
		);
		let migratable =
			SnpGuest { policy: dev_guest().policy | snp_policy::MIGRATE_MA, ..dev_guest() };
		assert_noop!(
			enrol(8, snp_report_of(migratable.clone(), 8, 1), collateral.clone(), 1),
			Error::<Test>::GuestPolicyRefused
		);
		// Governance may admit a migration agent, and may refuse SMT.
		assert_ok!(TeeRegistry::set_snp_policy(
			RuntimeOrigin::root(),
			vec![],
			SnpGuestPolicy { allow_smt: true, allow_migration_agent: true, max_vmpl: 0 }
		));
		assert_ok!(enrol(8, snp_report_of(migratable, 8, 1), collateral.clone(), 1));
		assert_ok!(TeeRegistry::set_snp_policy(
			RuntimeOrigin::root(),
			vec![],
			SnpGuestPolicy { allow_smt: false, allow_migration_agent: false, max_vmpl: 0 }
		));
		assert!(!TeeRegistry::is_active(&8), "its guest policy is refused now");
		assert_noop!(enrol_snp(10, 1), Error::<Test>::GuestPolicyRefused);
		// A report asked for below the most privileged VMPL is refused unless admitted.
		assert_ok!(TeeRegistry::set_snp_policy(
			RuntimeOrigin::root(),
			vec![],
			SnpGuestPolicy::default()
		));
		let vmpl2 = SnpGuest { vmpl: 2, ..dev_guest() };
		assert_noop!(
			enrol(11, snp_report_of(vmpl2.clone(), 11, 1), collateral.clone(), 1),
			Error::<Test>::GuestPolicyRefused
		);
		assert_ok!(TeeRegistry::set_snp_policy(
			RuntimeOrigin::root(),
			vec![],
			SnpGuestPolicy { max_vmpl: 2, ..Default::default() }
		));
		assert_ok!(enrol(11, snp_report_of(vmpl2, 11, 1), collateral.clone(), 1));
		assert_ok!(TeeRegistry::set_snp_policy(
			RuntimeOrigin::root(),
			vec![],
			SnpGuestPolicy::default()
		));
		assert!(!TeeRegistry::is_active(&11), "its VMPL is refused now");
		// A debug Nitro enclave (zero PCRs) is refused as debug, before its measurement.
		let image = NitroImage { debug: true, ..NitroImage::named("any") };
		let request = NitroRequest {
			user_data: Some(binding(9, &keys(9, 0), 1).to_vec()),
			..Default::default()
		};
		let doc = aegis_test_support::nitro().document(&image, &request, now_secs());
		assert_noop!(enrol(9, doc, vec![], 1), Error::<Test>::DebugEnclave);
	});
}

#[test]
fn the_snp_tcb_floor_applies_per_generation() {
	new_test_ext().execute_with(|| {
		allow_all();
		assert_ok!(enrol_snp(8, 1));
		let tcb = aegis_test_support::snp().platform().tcb;
		let above = SnpTcb { microcode: tcb.microcode + 1, ..tcb };
		// A floor for another generation does not touch this Milan worker.
		assert_ok!(TeeRegistry::set_snp_policy(
			RuntimeOrigin::root(),
			vec![(SnpProduct::Genoa, above)],
			SnpGuestPolicy::default()
		));
		assert!(TeeRegistry::is_active(&8));
		assert_ok!(enrol_snp(9, 1));
		// Milan's floor above its microcode deactivates it and refuses new reports.
		assert_ok!(TeeRegistry::set_snp_policy(
			RuntimeOrigin::root(),
			vec![(SnpProduct::Milan, above)],
			SnpGuestPolicy::default()
		));
		assert!(!TeeRegistry::is_active(&8) && !TeeRegistry::is_active(&9));
		assert!(has_event(Event::WorkerDeactivated {
			worker: 8,
			reason: DeactivationReason::TcbBelowFloor
		}));
		assert_noop!(enrol_snp(10, 1), Error::<Test>::TcbBelowFloor);
		// The same chip after a firmware update meets it (a new VCEK for the new TCB).
		let updated = aegis_test_support::snp().with_tcb(above);
		let report = updated.report(&dev_guest(), &binding(10, &keys(10, 0), 1));
		assert_ok!(enrol(10, report, updated.collateral(), 1));
		assert_eq!(SnpTcbFloors::<Test>::get(SnpProduct::Milan), Some(above));
		assert_eq!(SnpTcbFloors::<Test>::get(SnpProduct::Genoa), None, "replaced, not merged");
		// Floors are one per generation, at most three.
		assert_noop!(
			TeeRegistry::set_snp_policy(
				RuntimeOrigin::root(),
				vec![(SnpProduct::Milan, tcb), (SnpProduct::Milan, above)],
				SnpGuestPolicy::default()
			),
			Error::<Test>::BadSnpFloors
		);
		assert_noop!(
			TeeRegistry::set_snp_policy(
				RuntimeOrigin::signed(1),
				vec![],
				SnpGuestPolicy::default()
			),
			BadOrigin
		);
	});
}

#[test]
fn stale_tampered_or_unknown_evidence_is_refused() {
	new_test_ext().execute_with(|| {
		allow_all();
		// A Nitro document's signer lasts three hours.
		let doc = nitro_evidence(9, &keys(9, 0), 1);
		pallet_timestamp::Now::<Test>::put((now_secs() + 4 * 3600) * 1000);
		assert_noop!(enrol(9, doc.clone(), vec![], 1), Error::<Test>::CollateralExpired);
		pallet_timestamp::Now::<Test>::put(NOW_SECS * 1000);
		let mut tampered = doc.clone();
		let at = tampered.len() - 20;
		tampered[at] ^= 1;
		assert_noop!(enrol(9, tampered, vec![], 1), Error::<Test>::QuoteRejected);
		assert_ok!(enrol(9, doc, vec![], 1));
		// An SEV-SNP report without its VCEK, or with its measurement changed.
		let (report, collateral) = snp_evidence(8, &keys(8, 0), 1);
		assert_noop!(enrol(8, report.clone(), vec![], 1), Error::<Test>::QuoteRejected);
		let mut changed = report.clone();
		changed[0x90] ^= 1;
		assert_noop!(enrol(8, changed, collateral.clone(), 1), Error::<Test>::QuoteRejected);
		// Bytes of no known kind.
		assert_noop!(enrol(8, vec![0; 1184], collateral, 1), Error::<Test>::UnknownEvidence);
		assert_noop!(enrol(8, b"hello".to_vec(), vec![], 1), Error::<Test>::UnknownEvidence);
		// A real AMD report under the dev ARK.
		let real = include_bytes!(
			"../../../../primitives/attestation/tests/fixtures/snp/genoa_v5_oak.report.bin"
		);
		let vcek = include_bytes!(
			"../../../../primitives/attestation/tests/fixtures/snp/genoa_v5_oak.vcek.der"
		);
		assert_noop!(enrol(8, real.to_vec(), vcek.to_vec(), 1), Error::<Test>::QuoteRejected);
	});
}
