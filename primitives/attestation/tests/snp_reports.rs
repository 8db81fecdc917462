//! Real AMD SEV-SNP reports (see `fixtures/snp/SOURCES.md`) of Milan, Genoa and Turin, report
//! versions 2, 3 and 5, VCEK- and VLEK-signed, verified under AMD's ARKs inside and outside
//! their certificates' windows, through the library and through the host function, and
//! refused for every tampered byte class.

#![allow(clippy::indexing_slicing)] // Tests index freely: a panic is a failed test.

use aegis_attestation::{
	amd, snp, tee_attestation, verify_snp_report, AttestationError, Measurement, SnpProduct,
	SnpSigner, SnpTcb, TcbFacts, TeeKind, VerifiedAttestation, INTEL_SGX_ROOT_CA_DER,
};
use der::Decode as _;

struct Sample {
	name: &'static str,
	report: &'static [u8],
	key: &'static [u8],
	product: SnpProduct,
	version: u32,
	signer: SnpSigner,
}

macro_rules! sample {
	($name:literal, $key:literal, $product:ident, $version:literal, $signer:ident) => {
		Sample {
			name: $name,
			report: include_bytes!(concat!("fixtures/snp/", $name, ".report.bin")),
			key: include_bytes!(concat!("fixtures/snp/", $name, $key)),
			product: SnpProduct::$product,
			version: $version,
			signer: SnpSigner::$signer,
		}
	};
}

const SAMPLES: [Sample; 15] = [
	sample!("milan_v2_virtee-sev", ".vcek.der", Milan, 2, Vcek),
	sample!("milan_v2_go-sev-guest", ".vcek.der", Milan, 2, Vcek),
	sample!("milan_v2_trustee", ".vcek.der", Milan, 2, Vcek),
	sample!("milan_v2_azure-hcl_trustee", ".vcek.der", Milan, 2, Vcek),
	sample!("milan_v3_vlek_aws_trustee", ".vlek.der", Milan, 3, Vlek),
	sample!("milan_v3_azure_trustee-ev0", ".vcek.der", Milan, 3, Vcek),
	sample!("milan_v3_azure_trustee-ev2", ".vcek.der", Milan, 3, Vcek),
	sample!("milan_v3_oak-oc", ".vcek.der", Milan, 3, Vcek),
	sample!("milan_v3_oak-rk", ".vcek.der", Milan, 3, Vcek),
	sample!("milan_v3_oak-cb", ".vcek.der", Milan, 3, Vcek),
	sample!("milan_v5_gcp_teekit", ".vcek.der", Milan, 5, Vcek),
	sample!("milan_v5_gcp_teekit-x25519", ".vcek.der", Milan, 5, Vcek),
	sample!("genoa_v3_azure_trustee", ".vcek.der", Genoa, 3, Vcek),
	sample!("genoa_v5_oak", ".vcek.der", Genoa, 5, Vcek),
	sample!("turin_v5_oak", ".vcek.der", Turin, 5, Vcek),
];

fn arks() -> Vec<Vec<u8>> {
	amd::ARKS.iter().map(|r| r.to_vec()).collect()
}

/// The certificate's validity window in Unix seconds.
fn window(der: &[u8]) -> (u64, u64) {
	let cert = x509_cert::Certificate::from_der(der).unwrap();
	let v = cert.tbs_certificate().validity();
	(v.not_before.to_unix_duration().as_secs(), v.not_after.to_unix_duration().as_secs())
}

/// A time inside every certificate of the sample's chain.
fn inside(s: &Sample) -> u64 {
	window(s.key).0 + 3_600
}

fn verify(s: &Sample, report: &[u8], now: u64) -> Result<VerifiedAttestation, AttestationError> {
	verify_snp_report(report, s.key, &arks(), now)
}

fn reason(r: Result<VerifiedAttestation, AttestationError>) -> String {
	match r {
		Err(AttestationError::Rejected(reason)) => String::from_utf8(reason).unwrap(),
		other => panic!("expected a rejection, got {other:?}"),
	}
}

#[test]
fn every_genuine_report_verifies_with_its_facts() {
	for s in &SAMPLES {
		let v = verify(s, s.report, inside(s)).unwrap_or_else(|e| panic!("{}: {e:?}", s.name));
		assert_eq!(v.tee, TeeKind::SevSnp, "{}", s.name);
		assert_eq!(v.report_data[..], s.report[0x50..0x90], "{}", s.name);
		let mut measurement = [0u8; 48];
		measurement.copy_from_slice(&s.report[0x90..0xC0]);
		assert_eq!(v.measurement, Measurement::SevSnp { measurement }, "{}", s.name);
		let TcbFacts::SevSnp { product, report_version, reported_tcb, policy, signer, .. } = v.tcb
		else {
			panic!("{}: not SNP facts", s.name)
		};
		assert_eq!(
			(product, report_version, signer),
			(s.product, s.version, s.signer),
			"{}",
			s.name
		);
		let raw = u64::from_le_bytes(s.report[0x180..0x188].try_into().unwrap());
		assert_eq!(reported_tcb, SnpTcb::from_u64(product, raw), "{}", s.name);
		assert_eq!(reported_tcb.to_u64(product), raw, "{}: the layout round-trips", s.name);
		assert_eq!(policy, u64::from_le_bytes(s.report[8..16].try_into().unwrap()));
		assert_eq!(v.debug, policy & aegis_attestation::snp_policy::DEBUG != 0);
		// Valid until the VCEK (or VLEK) expires: AMD's ASKs and ARKs outlive them.
		assert_eq!(v.valid_until, window(s.key).1, "{}", s.name);
	}
}

#[test]
fn turin_reports_read_the_fmc_and_an_eight_byte_chip_id() {
	let turin = SAMPLES.iter().find(|s| s.product == SnpProduct::Turin).unwrap();
	let v = verify(turin, turin.report, inside(turin)).unwrap();
	let TcbFacts::SevSnp { reported_tcb, .. } = v.tcb else { panic!() };
	assert_eq!(reported_tcb.fmc, turin.report[0x180], "Turin's TCB starts with the FMC");
	assert!(turin.report[0x1A8..0x1E0].iter().all(|b| *b == 0), "only 8 bytes of chip id");
	// Read with Milan's layout, the same bytes would be another TCB, which the VCEK refutes.
	assert_ne!(SnpTcb::from_u64(SnpProduct::Milan, turin.report[0x180] as u64), reported_tcb);
}

#[test]
fn reports_are_refused_outside_their_certificates_windows() {
	for s in &SAMPLES {
		let (from, until) = window(s.key);
		assert!(verify(s, s.report, from).is_ok(), "{}: valid from notBefore", s.name);
		assert!(verify(s, s.report, until).is_ok(), "{}: valid up to notAfter", s.name);
		assert_eq!(verify(s, s.report, from - 1), Err(AttestationError::NotYetValid), "{}", s.name);
		assert_eq!(verify(s, s.report, until + 1), Err(AttestationError::Expired), "{}", s.name);
	}
}

#[test]
fn the_host_function_returns_what_the_library_does() {
	for s in &SAMPLES {
		let now = inside(s);
		let attested = tee_attestation::verify_snp_report(s.report, s.key, arks(), now).unwrap();
		assert_eq!(Ok(attested.attestation), verify(s, s.report, now), "{}", s.name);
		// The ARK of the report's product, by its index in the roots given.
		let ark = match s.product {
			SnpProduct::Milan => amd::ARK_MILAN_DER,
			SnpProduct::Genoa => amd::ARK_GENOA_DER,
			SnpProduct::Turin => amd::ARK_TURIN_DER,
		};
		assert_eq!(arks()[attested.root_index as usize], ark, "{}", s.name);
	}
	// Behind another root, the index follows it.
	let s = &SAMPLES[0];
	let roots = vec![INTEL_SGX_ROOT_CA_DER.to_vec(), amd::ARK_MILAN_DER.to_vec()];
	let attested = tee_attestation::verify_snp_report(s.report, s.key, roots, inside(s)).unwrap();
	assert_eq!(attested.root_index, 1);
	let s = &SAMPLES[0];
	let mut tampered = s.report.to_vec();
	tampered[0x90] ^= 1;
	assert!(tee_attestation::verify_snp_report(&tampered, s.key, arks(), inside(s)).is_err());
}

#[test]
fn every_tampered_byte_class_is_refused() {
	for s in &SAMPLES {
		let now = inside(s);
		let tamper_with = |at: usize, mask: u8| {
			let mut r = s.report.to_vec();
			r[at] ^= mask;
			verify(s, &r, now)
		};
		let tamper = |at: usize| tamper_with(at, 0x01);
		// Header fields the verifier reads before the signature (2, 3, 5 ^ 4: 6, 7, 1).
		assert!(reason(tamper_with(0x00, 0x04)).contains("version"), "{}", s.name);
		// Another known version: the signature no longer verifies.
		assert!(reason(tamper_with(0x00, if s.version == 5 { 0x06 } else { 0x01 }))
			.contains("does not verify"));
		// MASK_CHIP_KEY: the report says it is unsigned.
		assert!(reason(tamper_with(0x48, 0x02)).contains("not signed"), "{}", s.name);
		// The signing key field says neither VCEK nor VLEK.
		assert!(reason(tamper_with(0x48, 0x1c)).contains("VCEK or VLEK"), "{}", s.name);
		assert!(reason(tamper(0x34)).contains("ECDSA"), "{}", s.name);
		// Signed fields: guest SVN, policy, report data, measurement, host data, reported TCB,
		// chip id, launch TCB.
		for at in [0x04, 0x08, 0x50, 0x8F, 0x90, 0xBF, 0xC0, 0x180, 0x1A0, 0x1F0] {
			assert!(reason(tamper(at)).contains("does not verify"), "{}: byte {at:#x}", s.name);
		}
		// The signature's r and s, and the zero bytes above them.
		assert!(reason(tamper(0x2A0)).contains("signature"), "{}", s.name);
		assert!(reason(tamper(0x2E8)).contains("signature"), "{}", s.name);
		assert!(reason(tamper(0x2A0 + 71)).contains("malformed"), "{}", s.name);
		// The certificate: a byte of its signature, then of its key.
		let mut key = s.key.to_vec();
		let last = key.len() - 1;
		key[last] ^= 1;
		assert!(verify_snp_report(s.report, &key, &arks(), now).is_err(), "{}: cert sig", s.name);
		let mut key = s.key.to_vec();
		let spki = key.windows(3).rposition(|w| w == [0x03, 0x62, 0x00]).unwrap();
		key[spki + 20] ^= 1;
		assert!(verify_snp_report(s.report, &key, &arks(), now).is_err(), "{}: cert key", s.name);
		// Truncated or extended.
		assert!(reason(verify(s, &s.report[..s.report.len() - 1], now)).contains("1184"));
		assert!(reason(verify(s, &[s.report, &[0]].concat(), now)).contains("1184"));
	}
}

#[test]
fn only_the_products_ark_is_trusted() {
	let milan = &SAMPLES[0];
	let genoa = SAMPLES.iter().find(|s| s.product == SnpProduct::Genoa).unwrap();
	let only = |ark: &[u8]| vec![ark.to_vec()];
	assert!(verify_snp_report(milan.report, milan.key, &only(amd::ARK_MILAN_DER), inside(milan))
		.is_ok());
	for roots in [only(amd::ARK_GENOA_DER), only(INTEL_SGX_ROOT_CA_DER), vec![]] {
		assert!(verify_snp_report(milan.report, milan.key, &roots, inside(milan)).is_err());
	}
	// A Milan VCEK for a Genoa report: the signature is the chip's, not another's.
	assert!(reason(verify_snp_report(genoa.report, milan.key, &arks(), inside(milan)))
		.contains("does not verify"));
}

#[test]
fn collateral_may_carry_its_chain_and_must_be_a_certificate() {
	let s = &SAMPLES[0];
	let pem = |der: &[u8]| pem::encode(&pem::Pem::new("CERTIFICATE", der.to_vec()));
	let chain = format!("{}{}{}", pem(s.key), pem(amd::INTERMEDIATES[0]), pem(amd::ARK_MILAN_DER));
	assert!(verify_snp_report(s.report, chain.as_bytes(), &arks(), inside(s)).is_ok());
	assert!(verify_snp_report(s.report, pem(s.key).as_bytes(), &arks(), inside(s)).is_ok());
	for bad in [&b""[..], b"not a certificate", &s.key[..100]] {
		assert!(verify_snp_report(s.report, bad, &arks(), inside(s)).is_err());
	}
	// A VLEK report with a VCEK's certificate, and the other way round.
	let vlek = SAMPLES.iter().find(|s| s.signer == SnpSigner::Vlek).unwrap();
	assert!(verify_snp_report(vlek.report, s.key, &arks(), inside(vlek)).is_err());
	let too_many = pem(s.key).repeat(snp::REPORT_VERSIONS.len() + 3);
	assert!(reason(verify_snp_report(s.report, too_many.as_bytes(), &arks(), inside(s)))
		.contains("more certificates"));
}

#[test]
fn only_rsa_4096_issuers_and_amds_chain_length_are_accepted() {
	// A VCEK with more issuers than AMD's ASK and ARK is refused before any path is built.
	let s = &SAMPLES[0];
	let pem = |der: &[u8]| pem::encode(&pem::Pem::new("CERTIFICATE", der.to_vec()));
	let three = format!(
		"{}{}{}{}",
		pem(s.key),
		pem(amd::INTERMEDIATES[0]),
		pem(amd::INTERMEDIATES[1]),
		pem(amd::ARK_MILAN_DER)
	);
	assert!(reason(verify_snp_report(s.report, three.as_bytes(), &arks(), inside(s)))
		.contains("more certificates"));
	// AMD's keys are RSA-4096: the PSS verifier takes no other size.
	use rustls_pki_types::SignatureVerificationAlgorithm as _;
	let spki = x509_cert::Certificate::from_der(amd::ARK_MILAN_DER).unwrap();
	let key = spki.tbs_certificate().subject_public_key_info().subject_public_key.raw_bytes();
	let tbs_and_sig = |der: &[u8]| {
		let cert = x509_cert::Certificate::from_der(der).unwrap();
		let tbs = der::Encode::to_der(cert.tbs_certificate()).unwrap();
		(tbs, cert.signature().raw_bytes().to_vec())
	};
	let (tbs, sig) = tbs_and_sig(amd::INTERMEDIATES[0]);
	let pss = &aegis_attestation::chain::RSA_PSS_SHA384_AMD_TRAILER;
	assert!(pss.verify_signature(key, &tbs, &sig).is_ok(), "the Milan ASK under its ARK");
	let mut other = tbs.clone();
	other[10] ^= 1;
	assert!(pss.verify_signature(key, &other, &sig).is_err());
	let small = rsa::RsaPrivateKey::new(&mut TestRng(7), 2048).unwrap();
	let small_key = rsa::pkcs1::EncodeRsaPublicKey::to_pkcs1_der(&small.to_public_key()).unwrap();
	let signer = rsa::pss::SigningKey::<rsa::sha2::Sha384>::new_with_salt_len(small, 48);
	let small_sig: Box<[u8]> =
		rsa::signature::RandomizedSigner::sign_with_rng(&signer, &mut TestRng(9), &tbs).into();
	assert!(
		pss.verify_signature(small_key.as_bytes(), &tbs, &small_sig).is_err(),
		"a valid PSS signature by an RSA-2048 key is refused"
	);
}

/// A reproducible generator for test keys (xorshift; not for real keys).
struct TestRng(u64);

impl rsa::rand_core::RngCore for TestRng {
	fn next_u32(&mut self) -> u32 {
		self.next_u64() as u32
	}
	fn next_u64(&mut self) -> u64 {
		self.0 ^= self.0 << 13;
		self.0 ^= self.0 >> 7;
		self.0 ^= self.0 << 17;
		self.0
	}
	fn fill_bytes(&mut self, dest: &mut [u8]) {
		for chunk in dest.chunks_mut(8) {
			let v = self.next_u64().to_le_bytes();
			chunk.copy_from_slice(&v[..chunk.len()]);
		}
	}
	fn try_fill_bytes(&mut self, dest: &mut [u8]) -> Result<(), rsa::rand_core::Error> {
		self.fill_bytes(dest);
		Ok(())
	}
}
impl rsa::rand_core::CryptoRng for TestRng {}
