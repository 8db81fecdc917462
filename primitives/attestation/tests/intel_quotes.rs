//! Real Intel SGX and TDX quotes (see `fixtures/README.md`) through `verify_quote` and through
//! the host function, at times inside and outside their collateral windows, and tampered.

#![allow(clippy::indexing_slicing)] // Tests index freely: a panic is a failed test.

use aegis_attestation::{
	dcap_attestation, verify_quote, AttestationError, Measurement, TcbStatus, TeeKind,
	INTEL_SGX_ROOT_CA_DER, MAX_QUOTE_LEN,
};

const DAY: u64 = 86_400;

struct Sample {
	quote: &'static [u8],
	collateral: &'static [u8],
	/// First and last second at which every piece of the collateral is valid.
	window: (u64, u64),
}

const SGX: Sample = Sample {
	quote: include_bytes!("fixtures/sgx_quote"),
	collateral: include_bytes!("fixtures/sgx_quote_collateral.json"),
	window: (1_750_330_571, 1_752_919_277),
};
const TDX: Sample = Sample {
	quote: include_bytes!("fixtures/tdx_quote"),
	collateral: include_bytes!("fixtures/tdx_quote_collateral.json"),
	window: (1_750_329_147, 1_752_919_234),
};
const TDX_TD15EX: Sample = Sample {
	quote: include_bytes!("fixtures/tdx_quote_td15ex"),
	collateral: include_bytes!("fixtures/tdx_quote_td15ex_collateral.json"),
	window: (1_791_418_186, 1_794_008_710),
};
const TDX_OUTDATED: Sample = Sample {
	quote: include_bytes!("fixtures/tdx_quote_outdated"),
	collateral: include_bytes!("fixtures/tdx_quote_outdated_collateral.json"),
	window: (1_771_412_331, 1_774_003_274),
};

/// Where the report body starts: after the 48-byte header, and for quote v5 after the 6-byte
/// body descriptor too.
fn report_offset(quote: &[u8]) -> usize {
	if u16::from_le_bytes([quote[0], quote[1]]) >= 5 {
		48 + 6
	} else {
		48
	}
}

fn verify_at(
	s: &Sample,
	quote: &[u8],
	now: u64,
) -> Result<aegis_attestation::VerifiedQuote, AttestationError> {
	verify_quote(quote, s.collateral, INTEL_SGX_ROOT_CA_DER, now)
}

fn rejected(r: Result<aegis_attestation::VerifiedQuote, AttestationError>) -> String {
	match r {
		Err(AttestationError::Rejected(reason)) => String::from_utf8(reason).unwrap(),
		other => panic!("expected a rejection, got {other:?}"),
	}
}

#[test]
fn sgx_quote_verifies_with_its_real_status() {
	for now in [SGX.window.0, SGX.window.1] {
		let v = verify_at(&SGX, SGX.quote, now).unwrap();
		assert_eq!(v.tee, TeeKind::Sgx);
		assert_eq!(v.tcb_status, TcbStatus::ConfigurationAndSwHardeningNeeded);
		assert_eq!(v.advisory_ids, vec![b"INTEL-SA-00289".to_vec(), b"INTEL-SA-00615".to_vec()]);
		assert!(!v.debug);
		assert_eq!(v.fmspc, [0x00, 0xa0, 0x67, 0x11, 0x00, 0x00]);
		assert_eq!(v.tcb_evaluation_data_number, 17);
		// The QE identity's nextUpdate, 2025-07-19T10:01:18Z, comes before the TCB info's.
		assert_eq!(v.collateral_expires_at, 1_752_919_278);
		// The measurement and report data are the quote's own bytes: SGX quote v3 = 48-byte
		// header, then the 384-byte report (MRENCLAVE at 64, MRSIGNER at 128, report data at 320).
		let body = &SGX.quote[48..48 + 384];
		match v.measurement {
			Measurement::Sgx { mr_enclave, mr_signer, .. } => {
				assert_eq!(mr_enclave, body[64..96]);
				assert_eq!(mr_signer, body[128..160]);
			}
			other => panic!("not an SGX measurement: {other:?}"),
		}
		assert_eq!(v.report_data, body[320..384]);
	}
}

#[test]
fn tdx_quotes_verify_up_to_date() {
	for s in [&TDX, &TDX_TD15EX] {
		let v = verify_at(s, s.quote, s.window.1).unwrap();
		assert_eq!(v.tee, TeeKind::Tdx);
		assert_eq!(v.tcb_status, TcbStatus::UpToDate);
		assert!(v.advisory_ids.is_empty());
		assert!(!v.debug);
		assert_eq!(v.fmspc, [0xb0, 0xc0, 0x6f, 0x00, 0x00, 0x00]);
		// TDX quote: 48-byte header (v5 adds a 6-byte body descriptor), then the TD report;
		// MRTD at 136, RTMR0 at 328, report data at 520 of the report.
		let body = &s.quote[report_offset(s.quote)..];
		match v.measurement {
			Measurement::Tdx { mr_td, rtmr } => {
				assert_eq!(mr_td, body[136..184]);
				assert_eq!(rtmr[0], body[328..376]);
				assert_eq!(rtmr[3], body[472..520]);
			}
			other => panic!("not a TDX measurement: {other:?}"),
		}
		assert_eq!(v.report_data, body[520..584]);
	}
}

#[test]
fn collateral_numbers_and_expiry_are_reported() {
	let v = verify_at(&TDX, TDX.quote, TDX.window.1).unwrap();
	assert_eq!((v.tcb_evaluation_data_number, v.collateral_expires_at), (17, 1_752_920_163));
	let v = verify_at(&TDX_TD15EX, TDX_TD15EX.quote, TDX_TD15EX.window.1).unwrap();
	assert_eq!((v.tcb_evaluation_data_number, v.collateral_expires_at), (20, 1_794_008_711));
}

#[test]
fn collateral_outside_its_window_is_refused() {
	for s in [&SGX, &TDX, &TDX_TD15EX] {
		assert_eq!(verify_at(s, s.quote, s.window.1 + DAY), Err(AttestationError::Expired));
		assert_eq!(verify_at(s, s.quote, s.window.0 - DAY), Err(AttestationError::NotYetValid));
	}
}

#[test]
fn outdated_platform_matches_no_tcb_level() {
	let reason = rejected(verify_at(&TDX_OUTDATED, TDX_OUTDATED.quote, TDX_OUTDATED.window.1));
	assert!(reason.contains("No matching TCB level"), "{reason}");
}

#[test]
fn tampered_quotes_are_refused() {
	for s in [&SGX, &TDX] {
		let now = s.window.1;
		let report_len = if s.quote == SGX.quote { 384 } else { 584 };
		let body_at = report_offset(s.quote);
		let report_data_at = body_at + report_len - 64;
		// After the report: signature data length (4), ECDSA signature (64), attestation key
		// (64), then the quoting enclave's report.
		let signature_at = body_at + report_len + 4;
		for (what, at) in [
			("header", 10),
			("measurement", body_at + 70),
			("report data", report_data_at + 5),
			("signature", signature_at + 3),
			("attestation key", signature_at + 64 + 5),
			("quoting enclave report", signature_at + 128 + 10),
		] {
			let mut q = s.quote.to_vec();
			q[at] ^= 0x01;
			assert!(verify_at(s, &q, now).is_err(), "a flipped bit in the {what} was accepted");
		}
		// (The sample files carry trailing bytes after the quote, which verifiers ignore, so cut
		// well inside the certification data rather than at the very end.)
		for len in [0, 1, 47, 48, body_at + report_len, s.quote.len() / 2, s.quote.len() - 200] {
			assert!(verify_at(s, &s.quote[..len], now).is_err(), "truncation to {len} accepted");
		}
	}
}

#[test]
fn another_root_is_refused() {
	// Intel's root with one byte of its public key changed (the point after `03 42 00 04`).
	let mut wrong_root = INTEL_SGX_ROOT_CA_DER.to_vec();
	let key_at = wrong_root
		.windows(4)
		.position(|w| w == [0x03, 0x42, 0x00, 0x04])
		.expect("the root carries an uncompressed P-256 key");
	wrong_root[key_at + 10] ^= 0x01;
	for root in [&wrong_root[..], b"not a certificate", &[]] {
		assert!(verify_quote(SGX.quote, SGX.collateral, root, SGX.window.1).is_err());
	}
}

#[test]
fn malformed_or_oversized_inputs_give_typed_errors() {
	assert_eq!(
		verify_quote(SGX.quote, b"{}", INTEL_SGX_ROOT_CA_DER, SGX.window.1),
		Err(AttestationError::MalformedCollateral)
	);
	assert_eq!(
		verify_quote(SGX.quote, &SGX.collateral[..100], INTEL_SGX_ROOT_CA_DER, SGX.window.1),
		Err(AttestationError::MalformedCollateral)
	);
	assert_eq!(
		verify_quote(&vec![0; MAX_QUOTE_LEN + 1], SGX.collateral, INTEL_SGX_ROOT_CA_DER, 0),
		Err(AttestationError::QuoteTooLarge)
	);
	// The collateral of another quote does not verify this one.
	assert!(verify_quote(SGX.quote, TDX.collateral, INTEL_SGX_ROOT_CA_DER, TDX.window.1).is_err());
}

#[test]
fn the_host_function_returns_the_same_result() {
	for s in [&SGX, &TDX, &TDX_OUTDATED] {
		let now = s.window.1;
		assert_eq!(
			dcap_attestation::verify_quote(s.quote, s.collateral, INTEL_SGX_ROOT_CA_DER, now),
			verify_quote(s.quote, s.collateral, INTEL_SGX_ROOT_CA_DER, now)
		);
	}
}

#[test]
fn tcb_floor_ordering() {
	assert!(TcbStatus::UpToDate.meets(TcbStatus::UpToDate));
	assert!(TcbStatus::UpToDate.meets(TcbStatus::SwHardeningNeeded));
	assert!(!TcbStatus::OutOfDate.meets(TcbStatus::ConfigurationAndSwHardeningNeeded));
	assert!(TcbStatus::ConfigurationAndSwHardeningNeeded
		.meets(TcbStatus::ConfigurationAndSwHardeningNeeded));
	assert_eq!(TcbStatus::from_intel_name("SWHardeningNeeded"), Some(TcbStatus::SwHardeningNeeded));
	assert_eq!(TcbStatus::from_intel_name("Great"), None);
}

/// Intel's TCB info and QE identity of a sample, verified on their own as a PCCS serves them.
fn intel_platform_collateral(
	s: &Sample,
	now: u64,
) -> Result<aegis_attestation::PlatformCollateralInfo, AttestationError> {
	let c: serde_json::Value = serde_json::from_slice(s.collateral).unwrap();
	let text = |k: &str| c[k].as_str().unwrap().as_bytes().to_vec();
	let bytes = |k: &str| hex::decode(c[k].as_str().unwrap()).unwrap();
	aegis_attestation::verify_platform_collateral(
		&text("tcb_info"),
		&bytes("tcb_info_signature"),
		&text("qe_identity"),
		&bytes("qe_identity_signature"),
		&text("tcb_info_issuer_chain"),
		&bytes("root_ca_crl"),
		INTEL_SGX_ROOT_CA_DER,
		now,
	)
}

#[test]
fn intel_platform_collateral_verifies_on_its_own() {
	let info = intel_platform_collateral(&SGX, SGX.window.1).unwrap();
	assert_eq!(info.tee, TeeKind::Sgx);
	assert_eq!(info.fmspc, [0x00, 0xa0, 0x67, 0x11, 0x00, 0x00]);
	assert_eq!((info.tcb_evaluation_data_number, info.next_update), (17, 1_752_919_278));
	let info = intel_platform_collateral(&TDX_TD15EX, TDX_TD15EX.window.1).unwrap();
	assert_eq!((info.tee, info.tcb_evaluation_data_number), (TeeKind::Tdx, 20));
	assert_eq!(
		intel_platform_collateral(&SGX, 1_752_919_278 + DAY),
		Err(AttestationError::Expired)
	);
}

#[test]
fn every_real_chain_ends_in_intels_root() {
	for s in [&SGX, &TDX, &TDX_TD15EX, &TDX_OUTDATED] {
		assert_eq!(aegis_attestation::chain_root(s.quote).as_deref(), Some(INTEL_SGX_ROOT_CA_DER));
		let collateral: serde_json::Value = serde_json::from_slice(s.collateral).unwrap();
		for chain in ["pck_crl_issuer_chain", "tcb_info_issuer_chain", "qe_identity_issuer_chain"] {
			let pem = collateral[chain].as_str().unwrap().as_bytes();
			assert_eq!(aegis_attestation::chain_root(pem).as_deref(), Some(INTEL_SGX_ROOT_CA_DER));
		}
	}
	// Nothing to find, or a block that is not base64.
	assert_eq!(aegis_attestation::chain_root(b"no certificate here"), None);
	let broken = b"-----BEGIN CERTIFICATE-----\n%%%%\n-----END CERTIFICATE-----\n";
	assert_eq!(aegis_attestation::chain_root(broken), None);
	let unterminated = b"-----BEGIN CERTIFICATE-----\nMIIB\n";
	assert_eq!(aegis_attestation::chain_root(unterminated), None);
}
