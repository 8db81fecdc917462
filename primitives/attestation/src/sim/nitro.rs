//! A simulated AWS Nitro Secure Module: a dev root and CA (ECDSA P-384, as AWS's), a signing
//! certificate valid three hours from each document's time (as the NSM's), and attestation
//! documents in AWS's format (untagged COSE_Sign1, ES384, the CBOR payload with `module_id`,
//! `digest`, `timestamp`, sixteen PCRs, `certificate`, `cabundle`, `public_key`, `user_data`,
//! `nonce`). [`crate::nitro::verify`] accepts them under [`SimNitro::root_der`] exactly as it
//! accepts AWS's under the AWS Nitro root, and refuses them under AWS's.
//!
//! Reproducible byte for byte: keys come from the seed, certificates and signatures are
//! RFC 6979 P-384, and the signing certificate depends only on the document's time.

use ciborium::Value;
use p384::ecdsa::{signature::Signer as _, Signature, SigningKey as P384Key};
use rcgen::{
	BasicConstraints, Certificate, CertificateParams, DistinguishedName, DnType, IsCa, Issuer,
	KeyIdMethod, KeyUsagePurpose, PublicKeyData, SerialNumber, SignatureAlgorithm, SigningKey,
	PKCS_ECDSA_P384_SHA384,
};
use sha2::{Digest as _, Sha256, Sha384};

/// How long the NSM's signing certificate is valid from the document's time (AWS: 3 h 3 s).
pub const SIGNER_VALIDITY_SECS: u64 = 3 * 3600 + 3;
/// The root and CA are valid 2019-10-28 .. 2049-10-28, as AWS's root.
const CA_NOT_BEFORE: u64 = 1_572_269_285;
const CA_NOT_AFTER: u64 = 2_519_044_085;

/// A P-384 key derived from a seed, signing deterministically (RFC 6979).
struct DetKey384 {
	key: P384Key,
	sec1: Vec<u8>,
}

impl DetKey384 {
	fn derive(seed: &[u8], label: &str) -> Self {
		let mut counter: u32 = 0;
		loop {
			let a = Sha256::digest(
				[b"aegis/sim-nitro/v1", seed, label.as_bytes(), &counter.to_be_bytes()].concat(),
			);
			let b = Sha256::digest(a);
			let bytes: Vec<u8> = a.iter().chain(b.iter()).take(48).copied().collect();
			if let Ok(key) = P384Key::from_slice(&bytes) {
				let sec1 = key.verifying_key().to_sec1_point(false).as_bytes().to_vec();
				return Self { key, sec1 };
			}
			counter = counter.wrapping_add(1);
		}
	}

	fn key_id(&self) -> Vec<u8> {
		Sha256::digest(&self.sec1).iter().take(20).copied().collect()
	}
}

impl PublicKeyData for DetKey384 {
	fn der_bytes(&self) -> &[u8] {
		&self.sec1
	}
	fn algorithm(&self) -> &'static SignatureAlgorithm {
		&PKCS_ECDSA_P384_SHA384
	}
}

impl SigningKey for DetKey384 {
	fn sign(&self, msg: &[u8]) -> Result<Vec<u8>, rcgen::Error> {
		let sig: Signature = self.key.sign(msg);
		Ok(sig.to_der().as_bytes().to_vec())
	}
}

fn name(cn: &str) -> DistinguishedName {
	let mut dn = DistinguishedName::new();
	dn.push(DnType::CommonName, cn);
	dn.push(DnType::OrganizationName, "QuantumAegis Dev (simulated, NOT Amazon)");
	dn
}

fn params(cn: &str, serial: u64, key: &DetKey384, from: u64, until: u64) -> CertificateParams {
	let mut p = CertificateParams::default();
	p.distinguished_name = name(cn);
	p.serial_number = Some(SerialNumber::from(serial));
	p.not_before = super::at(from);
	p.not_after = super::at(until);
	p.key_identifier_method = KeyIdMethod::PreSpecified(key.key_id());
	p.use_authority_key_identifier_extension = true;
	p
}

/// What an enclave image measures to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NitroImage {
	/// PCR0: the enclave image file.
	pub pcr0: [u8; 48],
	/// PCR1: kernel and boot ramfs.
	pub pcr1: [u8; 48],
	/// PCR2: the application.
	pub pcr2: [u8; 48],
	/// PCR8: the signing certificate of the image (zero when unsigned).
	pub pcr8: [u8; 48],
	/// Started in debug mode: the NSM then reports every PCR as zero.
	pub debug: bool,
}

impl NitroImage {
	/// An image whose PCRs are SHA-384 of `label` and the PCR index.
	pub fn named(label: &str) -> Self {
		let pcr = |i: u8| -> [u8; 48] { Sha384::digest([label.as_bytes(), &[i]].concat()).into() };
		Self { pcr0: pcr(0), pcr1: pcr(1), pcr2: pcr(2), pcr8: [0; 48], debug: false }
	}

	/// The measurement a verified document of this image reports.
	pub fn measurement(&self) -> crate::Measurement {
		if self.debug {
			return crate::Measurement::Nitro {
				pcr0: [0; 48],
				pcr1: [0; 48],
				pcr2: [0; 48],
				pcr8: [0; 48],
			};
		}
		crate::Measurement::Nitro {
			pcr0: self.pcr0,
			pcr1: self.pcr1,
			pcr2: self.pcr2,
			pcr8: self.pcr8,
		}
	}
}

/// What the enclave asks the NSM to include.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct NitroRequest {
	/// `user_data` (the binding, 64 bytes, for QuantumAegis workers).
	pub user_data: Option<Vec<u8>>,
	/// `nonce`.
	pub nonce: Option<Vec<u8>>,
	/// `public_key`.
	pub public_key: Option<Vec<u8>>,
}

/// The simulated NSM and the dev PKI behind it. See the module docs.
pub struct SimNitro {
	root: Certificate,
	ca: Certificate,
	ca_issuer: Issuer<'static, DetKey384>,
	signer: DetKey384,
	module_id: String,
}

impl SimNitro {
	/// The dev PKI and NSM of `seed`.
	pub fn new(seed: [u8; 32]) -> Self {
		let root_key = DetKey384::derive(&seed, "root");
		let mut p = params("aws.nitro-enclaves (dev)", 1, &root_key, CA_NOT_BEFORE, CA_NOT_AFTER);
		p.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
		p.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
		let root = p.self_signed(&root_key).expect("dev root parameters are valid");
		let root_issuer = Issuer::new(p, root_key);

		let ca_key = DetKey384::derive(&seed, "regional-ca");
		let mut p = params("dev.aws.nitro-enclaves", 2, &ca_key, CA_NOT_BEFORE, CA_NOT_AFTER);
		p.is_ca = IsCa::Ca(BasicConstraints::Constrained(0));
		p.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
		let ca = p.signed_by(&ca_key, &root_issuer).expect("dev CA parameters are valid");
		let ca_issuer = Issuer::new(p, ca_key);

		let signer = DetKey384::derive(&seed, "nsm");
		let module_id = format!("i-{}-enc{}", hex::encode(&seed[..8]), hex::encode(&seed[8..16]));
		Self { root, ca, ca_issuer, signer, module_id }
	}

	/// The shared dev NSM ([`crate::dev::SIM_SEED`]).
	pub fn dev() -> Self {
		Self::new(crate::dev::SIM_SEED)
	}

	/// The dev root (DER): what a dev chain trusts for Nitro.
	pub fn root_der(&self) -> Vec<u8> {
		self.root.der().to_vec()
	}

	/// The NSM's signing certificate for documents issued at `now_secs`.
	fn signing_certificate(&self, now_secs: u64) -> Vec<u8> {
		let mut p = params(
			&format!("{}.dev.aws", self.module_id),
			now_secs,
			&self.signer,
			now_secs,
			now_secs.saturating_add(SIGNER_VALIDITY_SECS),
		);
		p.is_ca = IsCa::ExplicitNoCa;
		p.key_usages = vec![KeyUsagePurpose::DigitalSignature];
		p.signed_by(&self.signer, &self.ca_issuer)
			.expect("dev signer parameters are valid")
			.der()
			.to_vec()
	}

	/// An attestation document of `image` with `request`'s fields, issued at `now_secs`.
	pub fn document(&self, image: &NitroImage, request: &NitroRequest, now_secs: u64) -> Vec<u8> {
		let pcrs = (0u8..16)
			.map(|i| {
				let value = match (image.debug, i) {
					(true, _) => [0u8; 48],
					(false, 0) => image.pcr0,
					(false, 1) => image.pcr1,
					(false, 2) => image.pcr2,
					(false, 8) => image.pcr8,
					_ => [0u8; 48],
				};
				(Value::Integer(i.into()), Value::Bytes(value.to_vec()))
			})
			.collect();
		let optional = |b: &Option<Vec<u8>>| b.clone().map_or(Value::Null, Value::Bytes);
		let text = |s: &str| Value::Text(s.into());
		let payload = Value::Map(vec![
			(text("module_id"), text(&self.module_id)),
			(text("digest"), text("SHA384")),
			(text("timestamp"), Value::Integer(now_secs.saturating_mul(1000).into())),
			(text("pcrs"), Value::Map(pcrs)),
			(text("certificate"), Value::Bytes(self.signing_certificate(now_secs))),
			(
				text("cabundle"),
				Value::Array(vec![
					Value::Bytes(self.root.der().to_vec()),
					Value::Bytes(self.ca.der().to_vec()),
				]),
			),
			(text("public_key"), optional(&request.public_key)),
			(text("user_data"), optional(&request.user_data)),
			(text("nonce"), optional(&request.nonce)),
		]);
		let payload = cbor(&payload);
		// Protected header {1: -35}: ES384.
		let protected =
			cbor(&Value::Map(vec![(Value::Integer(1.into()), Value::Integer((-35).into()))]));
		let to_sign = cbor(&Value::Array(vec![
			text("Signature1"),
			Value::Bytes(protected.clone()),
			Value::Bytes(vec![]),
			Value::Bytes(payload.clone()),
		]));
		let signature: Signature = self.signer.key.sign(&to_sign);
		cbor(&Value::Array(vec![
			Value::Bytes(protected),
			Value::Map(vec![]),
			Value::Bytes(payload),
			Value::Bytes(signature.to_bytes().to_vec()),
		]))
	}
}

fn cbor(value: &Value) -> Vec<u8> {
	let mut out = Vec::new();
	ciborium::ser::into_writer(value, &mut out).expect("writing CBOR to a Vec cannot fail");
	out
}
