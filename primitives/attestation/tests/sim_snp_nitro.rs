//! The simulated SEV-SNP platform and Nitro Secure Module: their evidence verifies under the
//! dev roots exactly as real evidence does under AMD's and AWS's, is refused under the real
//! roots, is reproducible byte for byte, and the dev roots are the committed ones.

#![allow(clippy::indexing_slicing)] // Tests index freely: a panic is a failed test.

use aegis_attestation::{
	amd, dev,
	sim::{
		nitro::{NitroImage, NitroRequest, SimNitro, SIGNER_VALIDITY_SECS},
		snp::{SimSnp, SnpGuest, SnpPlatform},
	},
	snp_policy, verify_evidence, verify_nitro_document, verify_snp_report, AttestationError,
	Measurement, SnpProduct, SnpSigner, SnpTcb, TcbFacts, TeeKind, AWS_NITRO_ROOT_G1_DER,
};

const NOW: u64 = 1_800_000_000;

fn dev_guest() -> SnpGuest {
	SnpGuest { measurement: dev::WORKER_SNP_MEASUREMENT, ..Default::default() }
}

fn dev_image() -> NitroImage {
	let [pcr0, pcr1, pcr2, pcr8] = dev::WORKER_NITRO_PCRS;
	NitroImage { pcr0, pcr1, pcr2, pcr8, debug: false }
}

/// Writes the dev roots when `AEGIS_WRITE_DEV_ROOTS` is set (after a deliberate change).
#[test]
fn the_dev_roots_are_the_committed_ones() {
	let snp = SimSnp::dev();
	let nitro = SimNitro::dev();
	if std::env::var_os("AEGIS_WRITE_DEV_ROOTS").is_some() {
		let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/src/roots/");
		std::fs::write(format!("{dir}dev_sim_snp_ark.der"), snp.ark_der()).unwrap();
		std::fs::write(format!("{dir}dev_sim_nitro_root.der"), nitro.root_der()).unwrap();
	}
	assert_eq!(snp.ark_der(), dev::SNP_ARK_DER);
	assert_eq!(nitro.root_der(), dev::NITRO_ROOT_DER);
}

#[test]
fn simulated_snp_reports_verify_under_the_dev_ark_only() {
	let snp = SimSnp::dev();
	let data = [7u8; 64];
	let report = snp.report(&dev_guest(), &data);
	let v =
		verify_snp_report(&report, &snp.collateral(), &[dev::SNP_ARK_DER.to_vec()], NOW).unwrap();
	assert_eq!(v.measurement, dev::worker_snp_measurement());
	assert_eq!(v.report_data, data);
	assert!(!v.debug);
	let TcbFacts::SevSnp { product, report_version, reported_tcb, signer, vmpl, .. } = v.tcb else {
		panic!()
	};
	assert_eq!((product, report_version, signer, vmpl), (SnpProduct::Milan, 5, SnpSigner::Vcek, 0));
	assert_eq!(reported_tcb, snp.platform().tcb);
	// AMD's ARKs do not trust the dev PKI, even with the dev chain in the collateral.
	let arks: Vec<Vec<u8>> = amd::ARKS.iter().map(|a| a.to_vec()).collect();
	assert!(verify_snp_report(&report, &snp.collateral(), &arks, NOW).is_err());
	// The same through the dispatcher the operator's verifier uses.
	let v2 = verify_evidence(
		TeeKind::SevSnp,
		&report,
		&snp.collateral(),
		&[snp.ark_der().to_vec()],
		NOW,
	);
	assert_eq!(v2, Ok(v));
}

#[test]
fn every_product_and_report_version_and_the_debug_bit() {
	for product in [SnpProduct::Milan, SnpProduct::Genoa, SnpProduct::Turin] {
		let tcb = SnpTcb {
			fmc: u8::from(product == SnpProduct::Turin) * 3,
			boot_loader: 9,
			tee: 1,
			snp: 25,
			microcode: 72,
		};
		let snp = SimSnp::new([3; 32], SnpPlatform { product, tcb, ..Default::default() });
		for report_version in [2, 3, 5] {
			for debug in [false, true] {
				let mut guest = SnpGuest { report_version, ..dev_guest() };
				if debug {
					guest.policy |= snp_policy::DEBUG;
				}
				let report = snp.report(&guest, &[1; 64]);
				let v =
					verify_snp_report(&report, &snp.collateral(), &[snp.ark_der().to_vec()], NOW)
						.unwrap_or_else(|e| panic!("{product:?} v{report_version}: {e:?}"));
				assert_eq!(v.debug, debug);
				let TcbFacts::SevSnp { product: p, reported_tcb, .. } = v.tcb else { panic!() };
				assert_eq!((p, reported_tcb), (product, tcb));
			}
		}
	}
}

#[test]
fn a_report_needs_the_vcek_of_its_tcb() {
	let old = SimSnp::dev();
	let newer = old.with_tcb(SnpTcb { microcode: 220, ..old.platform().tcb });
	let report = newer.report(&dev_guest(), &[0; 64]);
	let roots = [old.ark_der().to_vec()];
	assert!(verify_snp_report(&report, &newer.collateral(), &roots, NOW).is_ok());
	// The old VCEK does not verify the new firmware's report.
	assert!(verify_snp_report(&report, &old.collateral(), &roots, NOW).is_err());
}

#[test]
fn simulated_snp_reports_are_reproducible() {
	let a = SimSnp::dev();
	let b = SimSnp::dev();
	assert_eq!(a.report(&dev_guest(), &[5; 64]), b.report(&dev_guest(), &[5; 64]));
	assert_eq!(a.collateral(), b.collateral());
}

#[test]
fn simulated_nitro_documents_verify_under_the_dev_root_only() {
	let nsm = SimNitro::dev();
	let request =
		NitroRequest { user_data: Some(vec![9; 64]), nonce: Some(vec![1, 2, 3]), public_key: None };
	let doc = nsm.document(&dev_image(), &request, NOW);
	let roots = [dev::NITRO_ROOT_DER.to_vec()];
	let v = verify_nitro_document(&doc, &roots, Some(&[1, 2, 3]), NOW).unwrap();
	assert_eq!(v.measurement, dev::worker_nitro_measurement());
	assert_eq!(v.report_data, [9; 64]);
	assert!(!v.debug);
	assert_eq!(v.valid_until, NOW + SIGNER_VALIDITY_SECS);
	let TcbFacts::Nitro { timestamp_ms, .. } = v.tcb else { panic!() };
	assert_eq!(timestamp_ms, NOW * 1000);
	// The signing certificate lasts three hours, as the NSM's.
	assert_eq!(
		verify_nitro_document(&doc, &roots, None, NOW + SIGNER_VALIDITY_SECS + 1),
		Err(AttestationError::Expired)
	);
	assert_eq!(
		verify_nitro_document(&doc, &roots, None, NOW - 1),
		Err(AttestationError::NotYetValid)
	);
	assert!(verify_nitro_document(&doc, &[AWS_NITRO_ROOT_G1_DER.to_vec()], None, NOW).is_err());
	assert_eq!(nsm.document(&dev_image(), &request, NOW), doc, "reproducible");
}

#[test]
fn a_debug_enclave_reports_zero_pcrs() {
	let nsm = SimNitro::dev();
	let image = NitroImage { debug: true, ..dev_image() };
	let doc = nsm.document(&image, &NitroRequest::default(), NOW);
	let v = verify_nitro_document(&doc, &[nsm.root_der()], None, NOW).unwrap();
	assert!(v.debug);
	assert_eq!(v.measurement, image.measurement());
	assert_ne!(
		v.measurement,
		Measurement::Nitro { pcr0: [1; 48], pcr1: [0; 48], pcr2: [0; 48], pcr8: [0; 48] }
	);
	assert_eq!(v.report_data, [0; 64], "no 64-byte binding");
}

#[test]
fn the_kind_of_evidence_is_read_from_its_first_bytes() {
	use aegis_attestation::{
		evidence_kind,
		sim::{SgxEnclave, SimTee, TdGuest},
	};
	let intel = SimTee::dev();
	assert_eq!(
		evidence_kind(&intel.sgx_quote(&SgxEnclave::default(), &[0; 64])),
		Some(TeeKind::Sgx)
	);
	assert_eq!(evidence_kind(&intel.tdx_quote(&TdGuest::default(), &[0; 64])), Some(TeeKind::Tdx));
	for version in [2, 3, 5] {
		let guest = SnpGuest { report_version: version, ..Default::default() };
		assert_eq!(evidence_kind(&SimSnp::dev().report(&guest, &[0; 64])), Some(TeeKind::SevSnp));
	}
	let doc = SimNitro::dev().document(&dev_image(), &NitroRequest::default(), NOW);
	assert_eq!(evidence_kind(&doc), Some(TeeKind::Nitro));
	// Real samples of every kind.
	let fixtures = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/");
	for (file, kind) in [
		("sgx_quote", TeeKind::Sgx),
		("tdx_quote", TeeKind::Tdx),
		("tdx_quote_td15ex", TeeKind::Tdx),
		("snp/turin_v5_oak.report.bin", TeeKind::SevSnp),
		("snp/milan_v2_trustee.report.bin", TeeKind::SevSnp),
		("nitro/cape_2022-09-15_prod.cbor", TeeKind::Nitro),
	] {
		let bytes = std::fs::read(format!("{fixtures}{file}")).unwrap();
		assert_eq!(evidence_kind(&bytes), Some(kind), "{file}");
	}
	// Nothing else.
	for junk in
		[&b""[..], b"\x00", &[0x03, 0x00, 0x03, 0x00, 0, 0, 0, 0], &[0u8; 1184], &[4u8; 1184]]
	{
		assert_eq!(evidence_kind(junk), None);
	}
}

#[test]
fn the_arks_crl_revokes_an_ask_and_must_be_the_arks_and_fresh() {
	let snp = SimSnp::dev();
	let report = snp.report(&dev_guest(), &[2; 64]);
	let roots = [snp.ark_der().to_vec()];
	let with_crl = |crl: Vec<u8>| {
		let mut collateral = snp.collateral();
		collateral.extend(pem::encode(&pem::Pem::new("X509 CRL", crl)).into_bytes());
		verify_snp_report(&report, &collateral, &roots, NOW)
	};
	let (issued, stale) = (NOW - 86_400, NOW + 7 * 86_400);
	// A CRL revoking nothing: verified, and the evidence lasts no longer than the CRL.
	let v = with_crl(snp.ark_crl(issued, stale, &[], true)).unwrap();
	assert_eq!(v.valid_until, stale);
	// Revoking the ASK refuses every VCEK under it.
	let revoked = with_crl(snp.ark_crl(issued, stale, &[SimSnp::ASK_SERIAL], true));
	assert!(
		matches!(&revoked, Err(AttestationError::Rejected(r)) if String::from_utf8_lossy(r).contains("Revoked")),
		"{revoked:?}"
	);
	// Revoking another serial does not.
	assert!(with_crl(snp.ark_crl(issued, stale, &[99], true)).is_ok());
	// A stale CRL, and a CRL in the ARK's name signed by another key, are refused.
	assert_eq!(
		with_crl(snp.ark_crl(NOW - 10 * 86_400, NOW - 1, &[], true)),
		Err(AttestationError::Expired)
	);
	assert!(with_crl(snp.ark_crl(issued, stale, &[], false)).is_err());
	assert!(with_crl(b"not a CRL".to_vec()).is_err());
}
