//! The simulated TEE: its quotes verify through the same `verify_quote` as Intel's, under the
//! dev root only, with the measurement, status and report data it was asked for.
#![allow(clippy::indexing_slicing)]

use aegis_attestation::{
	sim::{CollateralParams, SgxEnclave, SimPlatform, SimTee, TdGuest},
	verify_quote, AttestationError, Measurement, TcbStatus, TeeKind, INTEL_SGX_ROOT_CA_DER,
};

const NOW: u64 = 1_800_000_000;
const SEED: [u8; 32] = [42; 32];

fn enclave() -> SgxEnclave {
	SgxEnclave {
		mr_enclave: [0xe1; 32],
		mr_signer: [0x51; 32],
		isv_prod_id: 3,
		isv_svn: 7,
		debug: false,
	}
}

fn guest() -> TdGuest {
	TdGuest { mr_td: [0x7d; 48], rtmr: [[1; 48], [2; 48], [3; 48], [4; 48]], debug: false }
}

fn tee() -> SimTee {
	SimTee::new(SEED, SimPlatform::default())
}

#[test]
fn sgx_quote_verifies_under_the_dev_root() {
	let tee = tee();
	let quote = tee.sgx_quote(&enclave(), &[0xab; 64]);
	let collateral = tee.collateral(TeeKind::Sgx, &CollateralParams::valid_around(NOW));
	let v = verify_quote(&quote, &collateral, &tee.root_der(), NOW).unwrap();
	assert_eq!(v.tee, TeeKind::Sgx);
	assert_eq!(v.tcb_status, TcbStatus::UpToDate);
	assert!(v.advisory_ids.is_empty());
	assert_eq!(
		v.measurement,
		Measurement::Sgx {
			mr_enclave: [0xe1; 32],
			mr_signer: [0x51; 32],
			isv_prod_id: 3,
			isv_svn: 7
		}
	);
	assert_eq!(v.report_data, [0xab; 64]);
	assert!(!v.debug);
	assert_eq!(v.fmspc, SimPlatform::default().fmspc);
	assert_eq!(v.tcb_evaluation_data_number, 17);
	assert_eq!(v.collateral_expires_at, NOW + 30 * 86_400);
}

#[test]
fn padded_quotes_verify_to_the_same_result() {
	let tee = tee();
	let collateral = tee.collateral(TeeKind::Sgx, &CollateralParams::valid_around(NOW));
	let short = tee.sgx_quote(&enclave(), &[0xab; 64]);
	for padding in [1, 1_000, 8 * 1024] {
		let quote = tee.sgx_quote_padded(&enclave(), &[0xab; 64], padding);
		assert_eq!(quote.len(), short.len() + padding);
		let v = verify_quote(&quote, &collateral, &tee.root_der(), NOW).unwrap();
		assert_eq!(v.report_data, [0xab; 64]);
	}
	// The certification data is not signed (the chain proves itself): whoever submits a quote
	// may pad it, which changes nothing it proves and only costs the verifier (and so the
	// submitter, by the weight) more.
	let quote = tee.sgx_quote_padded(&enclave(), &[0xab; 64], 8 * 1024);
	let mut edited = quote.clone();
	let at = quote.len() - 1_024;
	edited[at] = b'A';
	assert_eq!(
		verify_quote(&edited, &collateral, &tee.root_der(), NOW).unwrap(),
		verify_quote(&short, &collateral, &tee.root_der(), NOW).unwrap()
	);
}

#[test]
fn chains_longer_than_intels_are_refused_before_verification() {
	let tee = tee();
	let collateral = tee.collateral(TeeKind::Sgx, &CollateralParams::valid_around(NOW));
	let rejected = |r: Result<_, AttestationError>| match r {
		Err(AttestationError::Rejected(why)) => String::from_utf8(why).unwrap(),
		other => panic!("{other:?}"),
	};
	// One certificate more in the quote's PCK chain (the real ones are all there).
	let quote = tee.sgx_quote_with_chain(&enclave(), &[0xab; 64], 1, 0);
	assert!(rejected(verify_quote(&quote, &collateral, &tee.root_der(), NOW)).contains("PCK chain"));
	// One more in any issuer chain of the collateral.
	let quote = tee.sgx_quote(&enclave(), &[0xab; 64]);
	let root_pem = {
		let json: serde_json::Value = serde_json::from_slice(&collateral).unwrap();
		let chain = json["tcb_info_issuer_chain"].as_str().unwrap().to_string();
		chain[chain.rfind("-----BEGIN").unwrap()..].to_string()
	};
	for field in ["pck_crl_issuer_chain", "tcb_info_issuer_chain", "qe_identity_issuer_chain"] {
		let mut json: serde_json::Value = serde_json::from_slice(&collateral).unwrap();
		let longer = format!("{}{root_pem}", json[field].as_str().unwrap());
		json[field] = serde_json::Value::String(longer);
		let edited = serde_json::to_vec(&json).unwrap();
		let why = rejected(verify_quote(&quote, &edited, &tee.root_der(), NOW));
		assert!(why.contains("issuer chain"), "{field}: {why}");
	}
	assert!(verify_quote(&quote, &collateral, &tee.root_der(), NOW).is_ok());
}

#[test]
fn tdx_quote_verifies_under_the_dev_root() {
	let tee = tee();
	let quote = tee.tdx_quote(&guest(), &[0xcd; 64]);
	assert_eq!(u16::from_le_bytes([quote[0], quote[1]]), 4);
	let collateral = tee.collateral(TeeKind::Tdx, &CollateralParams::valid_around(NOW));
	let v = verify_quote(&quote, &collateral, &tee.root_der(), NOW).unwrap();
	assert_eq!(v.tee, TeeKind::Tdx);
	assert_eq!(v.tcb_status, TcbStatus::UpToDate);
	assert_eq!(
		v.measurement,
		Measurement::Tdx { mr_td: [0x7d; 48], rtmr: [[1; 48], [2; 48], [3; 48], [4; 48]] }
	);
	assert_eq!(v.report_data, [0xcd; 64]);
	assert!(!v.debug);
}

#[test]
fn debug_enclaves_are_reported() {
	let tee = tee();
	let sgx = tee.sgx_quote(&SgxEnclave { debug: true, ..enclave() }, &[1; 64]);
	let c = tee.collateral(TeeKind::Sgx, &CollateralParams::valid_around(NOW));
	assert!(verify_quote(&sgx, &c, &tee.root_der(), NOW).unwrap().debug);
	let tdx = tee.tdx_quote(&TdGuest { debug: true, ..guest() }, &[1; 64]);
	let c = tee.collateral(TeeKind::Tdx, &CollateralParams::valid_around(NOW));
	assert!(verify_quote(&tdx, &c, &tee.root_der(), NOW).unwrap().debug);
}

#[test]
fn intel_root_and_other_dev_roots_refuse_simulated_quotes() {
	let tee = tee();
	let quote = tee.sgx_quote(&enclave(), &[0; 64]);
	let collateral = tee.collateral(TeeKind::Sgx, &CollateralParams::valid_around(NOW));
	assert!(matches!(
		verify_quote(&quote, &collateral, INTEL_SGX_ROOT_CA_DER, NOW),
		Err(AttestationError::Rejected(_))
	));
	let other = SimTee::new([43; 32], SimPlatform::default());
	assert_ne!(other.root_der(), tee.root_der());
	assert!(matches!(
		verify_quote(&quote, &collateral, &other.root_der(), NOW),
		Err(AttestationError::Rejected(_))
	));
	// Another authority's collateral does not vouch for this platform either.
	let foreign = other.collateral(TeeKind::Sgx, &CollateralParams::valid_around(NOW));
	assert!(verify_quote(&quote, &foreign, &tee.root_der(), NOW).is_err());
}

#[test]
fn everything_is_deterministic_from_the_seed() {
	let (a, b) = (tee(), tee());
	assert_eq!(a.root_der(), b.root_der());
	assert_eq!(a.sgx_quote(&enclave(), &[5; 64]), b.sgx_quote(&enclave(), &[5; 64]));
	assert_eq!(a.tdx_quote(&guest(), &[5; 64]), b.tdx_quote(&guest(), &[5; 64]));
	let p = CollateralParams::valid_around(NOW);
	assert_eq!(a.collateral(TeeKind::Tdx, &p), b.collateral(TeeKind::Tdx, &p));
	// Platforms of one seed share the root but not the PCK key.
	let c = SimTee::new(SEED, SimPlatform { fmspc: [1, 2, 3, 4, 5, 6], ..Default::default() });
	assert_eq!(c.root_der(), a.root_der());
	assert_ne!(c.sgx_quote(&enclave(), &[5; 64]), a.sgx_quote(&enclave(), &[5; 64]));
}

#[test]
fn collateral_windows_are_enforced() {
	let tee = tee();
	let quote = tee.sgx_quote(&enclave(), &[0; 64]);
	let p = CollateralParams {
		issued_at: NOW - 100,
		next_update: NOW + 100,
		..CollateralParams::valid_around(NOW)
	};
	let collateral = tee.collateral(TeeKind::Sgx, &p);
	assert!(verify_quote(&quote, &collateral, &tee.root_der(), NOW + 99).is_ok());
	assert_eq!(
		verify_quote(&quote, &collateral, &tee.root_der(), NOW + 101),
		Err(AttestationError::Expired)
	);
	assert_eq!(
		verify_quote(&quote, &collateral, &tee.root_der(), NOW - 101),
		Err(AttestationError::NotYetValid)
	);
}

#[test]
fn tcb_status_and_advisories_come_from_the_collateral() {
	let tee = tee();
	for (status, advisories) in [
		(TcbStatus::SwHardeningNeeded, vec!["INTEL-SA-00615".to_string()]),
		(TcbStatus::OutOfDate, vec!["INTEL-SA-00289".to_string(), "INTEL-SA-00615".to_string()]),
		(TcbStatus::ConfigurationNeeded, vec![]),
	] {
		let p = CollateralParams {
			tcb_status: status,
			advisory_ids: advisories.clone(),
			..CollateralParams::valid_around(NOW)
		};
		for tee_kind in [TeeKind::Sgx, TeeKind::Tdx] {
			let quote = match tee_kind {
				TeeKind::Sgx => tee.sgx_quote(&enclave(), &[0; 64]),
				_ => tee.tdx_quote(&guest(), &[0; 64]),
			};
			let v =
				verify_quote(&quote, &tee.collateral(tee_kind, &p), &tee.root_der(), NOW).unwrap();
			assert_eq!(v.tcb_status, status);
			let ids: Vec<Vec<u8>> = advisories.iter().map(|a| a.as_bytes().to_vec()).collect();
			assert_eq!(v.advisory_ids, ids);
		}
	}
	// A revoked platform is refused outright.
	let p =
		CollateralParams { tcb_status: TcbStatus::Revoked, ..CollateralParams::valid_around(NOW) };
	let quote = tee.sgx_quote(&enclave(), &[0; 64]);
	assert!(verify_quote(&quote, &tee.collateral(TeeKind::Sgx, &p), &tee.root_der(), NOW).is_err());
}

#[test]
fn tampered_simulated_quotes_are_refused() {
	let tee = tee();
	let sgx = tee.sgx_quote(&enclave(), &[0; 64]);
	let tdx = tee.tdx_quote(&guest(), &[0; 64]);
	for (quote, kind, report_data_at) in
		[(&sgx, TeeKind::Sgx, 48 + 320), (&tdx, TeeKind::Tdx, 48 + 520)]
	{
		let collateral = tee.collateral(kind, &CollateralParams::valid_around(NOW));
		// report data, measurement, the quote signature, the QE report, truncation.
		for at in [report_data_at, 48 + 70, 48 + 140, quote.len() / 2] {
			let mut bad = quote.clone();
			bad[at] ^= 0x01;
			assert!(verify_quote(&bad, &collateral, &tee.root_der(), NOW).is_err(), "flip at {at}");
		}
		let sig_at = if kind == TeeKind::Sgx { 48 + 384 + 4 } else { 48 + 584 + 4 };
		let mut bad = quote.clone();
		bad[sig_at + 10] ^= 0x80;
		assert!(verify_quote(&bad, &collateral, &tee.root_der(), NOW).is_err());
		for len in [0, 10, 48, quote.len() - 1] {
			assert!(verify_quote(&quote[..len], &collateral, &tee.root_der(), NOW).is_err());
		}
		// Collateral whose signed TCB info was edited.
		let text = String::from_utf8(collateral.clone()).unwrap();
		let edited = text.replacen("pcesvn", "pceSvn", 1).into_bytes();
		assert!(verify_quote(quote, &edited, &tee.root_der(), NOW).is_err());
	}
}

/// A platform's collateral as a PCCS serves it, verified on its own.
fn platform_collateral(
	tee: &SimTee,
	kind: TeeKind,
	p: &CollateralParams,
	root: &[u8],
	now: u64,
) -> Result<aegis_attestation::PlatformCollateralInfo, AttestationError> {
	let (tcb, qe) = (tee.tcb_info(kind, p), tee.qe_identity(kind, p));
	aegis_attestation::verify_platform_collateral(
		tcb.as_bytes(),
		&tee.sign_collateral(&tcb),
		qe.as_bytes(),
		&tee.sign_collateral(&qe),
		tee.tcb_issuer_chain().as_bytes(),
		&tee.root_ca_crl(p),
		root,
		now,
	)
}

#[test]
fn platform_collateral_verifies_under_its_root_only() {
	let tee = tee();
	let p =
		CollateralParams { tcb_evaluation_data_number: 19, ..CollateralParams::valid_around(NOW) };
	for kind in [TeeKind::Sgx, TeeKind::Tdx] {
		let info = platform_collateral(&tee, kind, &p, &tee.root_der(), NOW).unwrap();
		assert_eq!(info.tee, kind);
		assert_eq!(info.fmspc, SimPlatform::default().fmspc);
		assert_eq!(info.tcb_evaluation_data_number, 19);
		assert_eq!((info.issued_at, info.next_update), (p.issued_at, p.next_update));
		assert!(matches!(
			platform_collateral(&tee, kind, &p, INTEL_SGX_ROOT_CA_DER, NOW),
			Err(AttestationError::Rejected(_))
		));
		let other = SimTee::new([1; 32], SimPlatform::default());
		assert!(platform_collateral(&tee, kind, &p, &other.root_der(), NOW).is_err());
		assert_eq!(
			platform_collateral(&tee, kind, &p, &tee.root_der(), p.next_update + 1),
			Err(AttestationError::Expired)
		);
		assert_eq!(
			platform_collateral(&tee, kind, &p, &tee.root_der(), p.issued_at - 1),
			Err(AttestationError::NotYetValid)
		);
	}
}

#[test]
fn edited_or_mismatched_platform_collateral_is_refused() {
	let tee = tee();
	let p = CollateralParams::valid_around(NOW);
	let tcb = tee.tcb_info(TeeKind::Sgx, &p);
	let qe = tee.qe_identity(TeeKind::Sgx, &p);
	let verify = |tcb: &str, tcb_sig: &[u8], qe: &str, qe_sig: &[u8]| {
		aegis_attestation::verify_platform_collateral(
			tcb.as_bytes(),
			tcb_sig,
			qe.as_bytes(),
			qe_sig,
			tee.tcb_issuer_chain().as_bytes(),
			&tee.root_ca_crl(&p),
			&tee.root_der(),
			NOW,
		)
	};
	let (tcb_sig, qe_sig) = (tee.sign_collateral(&tcb), tee.sign_collateral(&qe));
	assert!(verify(&tcb, &tcb_sig, &qe, &qe_sig).is_ok());
	// A better status written in after signing.
	let upgraded = tcb.replace("\"tcbEvaluationDataNumber\":17", "\"tcbEvaluationDataNumber\":99");
	assert!(matches!(
		verify(&upgraded, &tcb_sig, &qe, &qe_sig),
		Err(AttestationError::Rejected(_))
	));
	// Signatures swapped, cut, or of the other document.
	assert!(verify(&tcb, &qe_sig, &qe, &qe_sig).is_err());
	assert!(verify(&tcb, &tcb_sig[..63], &qe, &qe_sig).is_err());
	// The QE identity of the other TEE kind.
	let td_qe = tee.qe_identity(TeeKind::Tdx, &p);
	assert!(verify(&tcb, &tcb_sig, &td_qe, &tee.sign_collateral(&td_qe)).is_err());
	// Not JSON at all.
	assert_eq!(verify("{", &tcb_sig, &qe, &qe_sig), Err(AttestationError::MalformedCollateral));
}

/// The dev chain's genesis trusts committed bytes, not the simulator: they must be the dev
/// TEE's own root and the dev worker's measurement, and a dev worker quote must verify
/// under them.
#[test]
fn committed_dev_trust_matches_the_dev_simulator() {
	let tee = SimTee::dev();
	assert_eq!(tee.root_der(), aegis_attestation::dev::SIM_ROOT_CA_DER);
	let worker = SgxEnclave::dev_worker();
	assert_eq!(worker.measurement(), aegis_attestation::dev::worker_measurement());
	let quote = tee.sgx_quote(&worker, &[5; 64]);
	let collateral = tee.collateral(TeeKind::Sgx, &CollateralParams::valid_around(NOW));
	let verified =
		verify_quote(&quote, &collateral, aegis_attestation::dev::SIM_ROOT_CA_DER, NOW).unwrap();
	assert_eq!(verified.measurement, aegis_attestation::dev::worker_measurement());
	assert!(verify_quote(&quote, &collateral, INTEL_SGX_ROOT_CA_DER, NOW).is_err());
}

#[test]
fn simulated_chains_end_in_the_simulators_root() {
	let tee = tee();
	let root = tee.root_der();
	let quote = tee.sgx_quote_padded(&enclave(), &[0xab; 64], 1_000);
	assert_eq!(aegis_attestation::chain_root(&quote), Some(root.clone()));
	assert_eq!(
		aegis_attestation::chain_root(&tee.tdx_quote(&guest(), &[1; 64])),
		Some(root.clone())
	);
	assert_eq!(aegis_attestation::chain_root(tee.tcb_issuer_chain().as_bytes()), Some(root));
}
