//! Real AWS Nitro Enclaves attestation documents (see `fixtures/nitro/SOURCES.md`), from
//! production and debug enclaves, verified under the AWS Nitro root inside and outside their
//! signing certificate's three-hour window, through the library and the host function, and
//! refused for every tampered byte class.

#![allow(clippy::indexing_slicing)] // Tests index freely: a panic is a failed test.

use aegis_attestation::{
	nitro, tee_attestation, verify_nitro_document, AttestationError, Measurement, TcbFacts,
	TeeKind, VerifiedAttestation, AWS_NITRO_ROOT_G1_DER, INTEL_SGX_ROOT_CA_DER,
};
use der::Decode as _;

struct Sample {
	name: &'static str,
	document: &'static [u8],
	debug: bool,
}

macro_rules! sample {
	($name:literal, $debug:literal) => {
		Sample {
			name: $name,
			document: include_bytes!(concat!("fixtures/nitro/", $name, ".cbor")),
			debug: $debug,
		}
	};
}

const SAMPLES: [Sample; 6] = [
	sample!("cape_2022-09-15_prod", false),
	sample!("cape_2022-09-28_prod", false),
	sample!("evervault_2022-10-13_prod", false),
	sample!("evervault_2023-09-18_debug", true),
	sample!("evervault_2022-10-12_debug", true),
	sample!("cape_2022-07-14_debug", true),
];

fn roots() -> Vec<Vec<u8>> {
	vec![AWS_NITRO_ROOT_G1_DER.to_vec()]
}

/// The signing certificate's validity window: the narrowest of the chain.
fn window(s: &Sample) -> (u64, u64) {
	let doc = nitro::parse(s.document).unwrap();
	let cert = x509_cert::Certificate::from_der(&doc.certificate).unwrap();
	let v = cert.tbs_certificate().validity();
	(v.not_before.to_unix_duration().as_secs(), v.not_after.to_unix_duration().as_secs())
}

/// The time the document was issued.
fn issued(s: &Sample) -> u64 {
	nitro::parse(s.document).unwrap().timestamp_ms / 1000
}

fn verify(doc: &[u8], now: u64) -> Result<VerifiedAttestation, AttestationError> {
	verify_nitro_document(doc, &roots(), None, now)
}

fn refused(r: Result<VerifiedAttestation, AttestationError>) -> String {
	match r {
		Err(AttestationError::Rejected(reason)) => String::from_utf8(reason).unwrap(),
		other => panic!("expected a rejection, got {other:?}"),
	}
}

#[test]
fn every_genuine_document_verifies_with_its_pcrs_and_binding() {
	for s in &SAMPLES {
		let doc = nitro::parse(s.document).unwrap();
		let v = verify(s.document, issued(s)).unwrap_or_else(|e| panic!("{}: {e:?}", s.name));
		assert_eq!(v.tee, TeeKind::Nitro);
		let pcr = |i| doc.pcr(i).unwrap();
		assert_eq!(
			v.measurement,
			Measurement::Nitro { pcr0: pcr(0), pcr1: pcr(1), pcr2: pcr(2), pcr8: pcr(8) }
		);
		assert_eq!(v.debug, s.debug, "{}: debug enclaves report zero PCRs", s.name);
		assert_eq!(
			v.valid_until,
			window(s).1,
			"{}: the signer's certificate expires first",
			s.name
		);
		let TcbFacts::Nitro { module_id, timestamp_ms } = v.tcb else { panic!() };
		assert_eq!(module_id, doc.module_id.as_bytes());
		assert_eq!(timestamp_ms, doc.timestamp_ms);
		assert!(doc.module_id.starts_with("i-"), "{}", s.name);
		assert_eq!(doc.cabundle[0], AWS_NITRO_ROOT_G1_DER, "{}", s.name);
		// The binding is whichever of user_data and public_key is 64 bytes long.
		let expected = [&doc.user_data, &doc.public_key]
			.into_iter()
			.flatten()
			.find(|b| b.len() == 64)
			.map(|b| b.as_slice().try_into().unwrap())
			.unwrap_or([0u8; 64]);
		assert_eq!(v.report_data, expected, "{}", s.name);
	}
}

#[test]
fn documents_are_refused_outside_their_signers_window() {
	for s in &SAMPLES {
		let (from, until) = window(s);
		assert!(verify(s.document, from).is_ok(), "{}", s.name);
		assert!(verify(s.document, until).is_ok(), "{}", s.name);
		assert_eq!(verify(s.document, from - 1), Err(AttestationError::NotYetValid), "{}", s.name);
		assert_eq!(verify(s.document, until + 1), Err(AttestationError::Expired), "{}", s.name);
	}
}

#[test]
fn the_host_function_returns_what_the_library_does() {
	for s in &SAMPLES {
		for now in [issued(s), window(s).1 + 1] {
			let host = tee_attestation::verify_nitro_document(s.document, roots(), now);
			assert_eq!(host.map(|a| a.attestation), verify(s.document, now), "{}", s.name);
		}
	}
}

#[test]
fn the_host_function_names_the_root_by_its_index() {
	let s = &SAMPLES[0];
	let roots = vec![INTEL_SGX_ROOT_CA_DER.to_vec(), AWS_NITRO_ROOT_G1_DER.to_vec()];
	let attested = tee_attestation::verify_nitro_document(s.document, roots, issued(s)).unwrap();
	assert_eq!(attested.root_index, 1);
}

#[test]
fn a_nonce_is_checked_when_one_is_expected() {
	let s = SAMPLES.iter().find(|s| nitro::parse(s.document).unwrap().nonce.is_some()).unwrap();
	let nonce = nitro::parse(s.document).unwrap().nonce.unwrap();
	let now = issued(s);
	assert!(verify_nitro_document(s.document, &roots(), Some(&nonce), now).is_ok());
	let mut other = nonce.clone();
	other[0] ^= 1;
	assert!(
		refused(verify_nitro_document(s.document, &roots(), Some(&other), now)).contains("nonce")
	);
	let without = SAMPLES.iter().find(|s| nitro::parse(s.document).unwrap().nonce.is_none());
	let without = without.unwrap();
	assert!(
		verify_nitro_document(without.document, &roots(), Some(&nonce), issued(without)).is_err()
	);
}

/// Flips one bit of the first occurrence of `needle` in the document.
fn flip_in(doc: &[u8], needle: &[u8], offset: usize) -> Vec<u8> {
	let at = doc.windows(needle.len()).position(|w| w == needle).expect("present");
	let mut out = doc.to_vec();
	out[at + offset] ^= 1;
	out
}

#[test]
fn every_tampered_byte_class_is_refused() {
	for s in SAMPLES.iter().filter(|s| !s.debug) {
		let doc = nitro::parse(s.document).unwrap();
		let now = issued(s);
		// Protected header: ES384 (0x38 0x22 = -35) becomes -36.
		let header = flip_in(s.document, &[0xa1, 0x01, 0x38, 0x22], 3);
		assert!(refused(verify(&header, now)).contains("ES384"), "{}", s.name);
		// Measurements, the binding, the module id and the time: signed payload bytes.
		let mut fields = vec![doc.pcr(0).unwrap().to_vec(), doc.pcr(2).unwrap().to_vec()];
		fields.extend(doc.user_data.clone());
		fields.extend(doc.public_key.clone());
		fields.push(doc.module_id.as_bytes().to_vec());
		for field in &fields {
			let tampered = flip_in(s.document, field, 5.min(field.len() - 1));
			assert!(refused(verify(&tampered, now)).contains("does not verify"), "{}", s.name);
		}
		// The signature (the last 96 bytes).
		let mut sig = s.document.to_vec();
		let at = sig.len() - 10;
		sig[at] ^= 1;
		assert!(refused(verify(&sig, now)).contains("signature"), "{}", s.name);
		// Certificates: the signer's, an intermediate, the root.
		let leaf_tail = &doc.certificate[doc.certificate.len() - 20..];
		assert!(verify(&flip_in(s.document, leaf_tail, 10), now).is_err(), "{}: leaf", s.name);
		let ca = &doc.cabundle[1];
		assert!(verify(&flip_in(s.document, &ca[ca.len() - 20..], 10), now).is_err());
		let root_key = &AWS_NITRO_ROOT_G1_DER[200..230];
		assert!(refused(verify(&flip_in(s.document, root_key, 3), now)).contains("trusted root"));
		// Cut short, or not CBOR at all.
		assert!(verify(&s.document[..s.document.len() - 1], now).is_err());
		assert!(refused(verify(b"\xff\x00", now)).contains("CBOR"));
	}
}

#[test]
fn only_the_aws_root_is_trusted() {
	let s = &SAMPLES[0];
	let now = issued(s);
	for roots in [vec![INTEL_SGX_ROOT_CA_DER.to_vec()], vec![]] {
		assert!(
			refused(verify_nitro_document(s.document, &roots, None, now)).contains("trusted root")
		);
	}
}
