//! AWS Nitro Enclaves attestation documents, verified under the AWS Nitro root.
//!
//! A document is a COSE_Sign1 (RFC 9052) structure, optionally tagged 18, whose protected
//! header names ES384 and whose payload is a CBOR map (AWS's "attestation document"):
//! `module_id`, `digest` (`SHA384`), `timestamp` (ms), `pcrs`, `certificate` (the signing
//! certificate), `cabundle` (the root first, then each CA down to the signer's issuer),
//! `public_key`, `user_data`, `nonce`. This module checks the structure as AWS specifies it,
//! the chain from the signer through the bundle to a trusted root (which must be the bundle's
//! first certificate) at `now`, the ES384 signature over the `Signature1` structure, and the
//! nonce when one is expected; it reports PCR0/1/2/8 as the measurement and the binding.

use crate::{
	chain::{chain_not_after, verify_path},
	rejected, AttestationError, Measurement, TcbFacts, TeeKind, VerifiedAttestation, MAX_QUOTE_LEN,
};
use ciborium::Value;

/// COSE algorithm id of ECDSA P-384 with SHA-384.
const ES384: i128 = -35;
/// CBOR tag of COSE_Sign1.
const COSE_SIGN1_TAG: u64 = 18;
/// PCRs a document may carry (the NSM has 32).
const MAX_PCRS: usize = 32;
/// Longest `user_data`, `nonce` and `public_key` the NSM accepts.
const MAX_USER_FIELD: usize = 1024;
/// Longest `module_id`.
const MAX_MODULE_ID: usize = 256;

/// An attestation document's payload, read and checked against AWS's specification.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Document {
	/// The issuing Nitro Secure Module.
	pub module_id: String,
	/// Unix milliseconds of issue.
	pub timestamp_ms: u64,
	/// PCR index → SHA-384 value.
	pub pcrs: Vec<(u8, [u8; 48])>,
	/// The signing certificate (DER).
	pub certificate: Vec<u8>,
	/// The CA bundle, root first (DER).
	pub cabundle: Vec<Vec<u8>>,
	/// Optional public key the enclave chose.
	pub public_key: Option<Vec<u8>>,
	/// Optional data the enclave chose.
	pub user_data: Option<Vec<u8>>,
	/// Optional nonce the enclave was asked to include.
	pub nonce: Option<Vec<u8>>,
}

/// The parts of a COSE_Sign1 structure.
struct CoseSign1 {
	protected: Vec<u8>,
	payload: Vec<u8>,
	signature: Vec<u8>,
}

fn bytes(value: Value, what: &str) -> Result<Vec<u8>, AttestationError> {
	match value {
		Value::Bytes(b) => Ok(b),
		_ => Err(rejected(&format!("attestation document: `{what}` is not a byte string"))),
	}
}

fn optional_bytes(value: Option<Value>, what: &str) -> Result<Option<Vec<u8>>, AttestationError> {
	match value {
		None | Some(Value::Null) => Ok(None),
		Some(v) => {
			let b = bytes(v, what)?;
			if b.len() > MAX_USER_FIELD {
				return Err(rejected(&format!("attestation document: `{what}` is too long")));
			}
			Ok(Some(b))
		}
	}
}

fn cose_sign1(document: &[u8]) -> Result<CoseSign1, AttestationError> {
	let value: Value = ciborium::de::from_reader(document)
		.map_err(|_| rejected("attestation document is not CBOR"))?;
	let value = match value {
		Value::Tag(COSE_SIGN1_TAG, inner) => *inner,
		Value::Tag(..) => return Err(rejected("attestation document is not a COSE_Sign1")),
		other => other,
	};
	let Value::Array(parts) = value else {
		return Err(rejected("attestation document is not a COSE_Sign1"));
	};
	let [protected, unprotected, payload, signature]: [Value; 4] =
		parts.try_into().map_err(|_| rejected("a COSE_Sign1 has four parts"))?;
	if !matches!(unprotected, Value::Map(_)) {
		return Err(rejected("COSE_Sign1 unprotected header is not a map"));
	}
	let protected = bytes(protected, "protected")?;
	let header: Value = ciborium::de::from_reader(protected.as_slice())
		.map_err(|_| rejected("COSE_Sign1 protected header is not CBOR"))?;
	let alg = match &header {
		Value::Map(entries) => entries.iter().find_map(|(k, v)| match (k, v) {
			(Value::Integer(k), Value::Integer(v)) if i128::from(*k) == 1 => Some(i128::from(*v)),
			_ => None,
		}),
		_ => None,
	};
	if alg != Some(ES384) {
		return Err(rejected("attestation document is not signed with ES384"));
	}
	Ok(CoseSign1 {
		protected,
		payload: bytes(payload, "payload")?,
		signature: bytes(signature, "signature")?,
	})
}

/// The `Sig_structure` COSE_Sign1 signatures are made over (RFC 9052 §4.4).
fn signature_structure(protected: &[u8], payload: &[u8]) -> Vec<u8> {
	let structure = Value::Array(vec![
		Value::Text("Signature1".into()),
		Value::Bytes(protected.to_vec()),
		Value::Bytes(vec![]),
		Value::Bytes(payload.to_vec()),
	]);
	let mut out = Vec::with_capacity(payload.len().saturating_add(protected.len() + 32));
	// Writing to a Vec cannot fail.
	let _ = ciborium::ser::into_writer(&structure, &mut out);
	out
}

impl Document {
	/// Parses and checks a document's payload.
	pub fn parse(payload: &[u8]) -> Result<Self, AttestationError> {
		let value: Value = ciborium::de::from_reader(payload)
			.map_err(|_| rejected("attestation document payload is not CBOR"))?;
		let Value::Map(entries) = value else {
			return Err(rejected("attestation document payload is not a map"));
		};
		let mut fields = std::collections::BTreeMap::new();
		for (key, value) in entries {
			let Value::Text(key) = key else {
				return Err(rejected("attestation document keys are text"));
			};
			if fields.insert(key, value).is_some() {
				return Err(rejected("attestation document repeats a field"));
			}
		}
		let mut take = |name: &str| fields.remove(name);
		let missing = |name: &str| rejected(&format!("attestation document lacks `{name}`"));
		let module_id = match take("module_id") {
			Some(Value::Text(id)) if !id.is_empty() && id.len() <= MAX_MODULE_ID => id,
			_ => return Err(missing("module_id")),
		};
		if !matches!(take("digest"), Some(Value::Text(d)) if d == "SHA384") {
			return Err(rejected("attestation document digest is not SHA384"));
		}
		let timestamp_ms = match take("timestamp") {
			Some(Value::Integer(t)) => u64::try_from(t).map_err(|_| missing("timestamp"))?,
			_ => return Err(missing("timestamp")),
		};
		let Some(Value::Map(pcr_entries)) = take("pcrs") else {
			return Err(missing("pcrs"));
		};
		if pcr_entries.is_empty() || pcr_entries.len() > MAX_PCRS {
			return Err(rejected("attestation document holds 1 to 32 PCRs"));
		}
		let mut pcrs = Vec::with_capacity(pcr_entries.len());
		for (index, value) in pcr_entries {
			let index = match index {
				Value::Integer(i) => u8::try_from(i).ok().filter(|i| usize::from(*i) < MAX_PCRS),
				_ => None,
			}
			.ok_or_else(|| rejected("attestation document PCR index out of range"))?;
			let value: [u8; 48] = bytes(value, "pcrs")?
				.try_into()
				.map_err(|_| rejected("attestation document PCR is not 48 bytes"))?;
			if pcrs.iter().any(|(i, _)| *i == index) {
				return Err(rejected("attestation document repeats a PCR"));
			}
			pcrs.push((index, value));
		}
		let certificate =
			bytes(take("certificate").ok_or_else(|| missing("certificate"))?, "certificate")?;
		let Some(Value::Array(bundle)) = take("cabundle") else {
			return Err(missing("cabundle"));
		};
		if bundle.is_empty() || bundle.len() > crate::chain::MAX_INTERMEDIATES {
			return Err(rejected("attestation document CA bundle holds 1 to 4 certificates"));
		}
		let cabundle =
			bundle.into_iter().map(|c| bytes(c, "cabundle")).collect::<Result<Vec<_>, _>>()?;
		Ok(Self {
			module_id,
			timestamp_ms,
			pcrs,
			certificate,
			cabundle,
			public_key: optional_bytes(take("public_key"), "public_key")?,
			user_data: optional_bytes(take("user_data"), "user_data")?,
			nonce: optional_bytes(take("nonce"), "nonce")?,
		})
	}

	/// The value of PCR `index`, if the document carries it.
	pub fn pcr(&self, index: u8) -> Option<[u8; 48]> {
		self.pcrs.iter().find(|(i, _)| *i == index).map(|(_, v)| *v)
	}

	/// The 64 bytes the enclave bound: `user_data` when it is 64 bytes long, else
	/// `public_key` when it is; zeros otherwise.
	pub fn binding(&self) -> [u8; 64] {
		[&self.user_data, &self.public_key]
			.into_iter()
			.flatten()
			.find_map(|b| <[u8; 64]>::try_from(b.as_slice()).ok())
			.unwrap_or([0; 64])
	}
}

/// Parses a document without verifying it (for tools that show what a refused document says).
pub fn parse(document: &[u8]) -> Result<Document, AttestationError> {
	Document::parse(&cose_sign1(document)?.payload)
}

/// Verifies `document` under one of `trusted_roots` (DER) at `now_secs`; when
/// `expected_nonce` is given, the document must carry exactly that nonce.
pub fn verify(
	document: &[u8],
	trusted_roots: &[Vec<u8>],
	expected_nonce: Option<&[u8]>,
	now_secs: u64,
) -> Result<(VerifiedAttestation, Document), AttestationError> {
	if document.len() > MAX_QUOTE_LEN {
		return Err(AttestationError::QuoteTooLarge);
	}
	let cose = cose_sign1(document)?;
	let doc = Document::parse(&cose.payload)?;
	// The bundle starts at the root; AWS's root must be the one trusted, byte for byte.
	let (first, intermediates) =
		doc.cabundle.split_first().ok_or_else(|| rejected("empty CA bundle"))?;
	let roots: Vec<Vec<u8>> = trusted_roots.iter().filter(|r| *r == first).cloned().collect();
	if roots.is_empty() {
		return Err(rejected("the CA bundle does not start at a trusted root"));
	}
	let algorithms = [webpki::rustcrypto::ECDSA_P384_SHA384];
	let root = verify_path(&doc.certificate, intermediates, &[], &roots, &algorithms, now_secs)?;
	let signature = p384::ecdsa::Signature::from_slice(&cose.signature)
		.map_err(|_| rejected("attestation document signature is not ES384"))?;
	let der = signature.to_der();
	let leaf_der = rustls_pki_types::CertificateDer::from(doc.certificate.as_slice());
	let leaf = webpki::EndEntityCert::try_from(&leaf_der).map_err(crate::chain::path_error)?;
	leaf.verify_signature(
		webpki::rustcrypto::ECDSA_P384_SHA384,
		&signature_structure(&cose.protected, &cose.payload),
		der.as_bytes(),
	)
	.map_err(|_| rejected("attestation document signature does not verify"))?;
	if let Some(expected) = expected_nonce {
		if doc.nonce.as_deref() != Some(expected) {
			return Err(rejected("attestation document nonce is not the one expected"));
		}
	}
	let pcr = |i: u8| doc.pcr(i).ok_or_else(|| rejected("attestation document lacks PCR0/1/2/8"));
	let measurement =
		Measurement::Nitro { pcr0: pcr(0)?, pcr1: pcr(1)?, pcr2: pcr(2)?, pcr8: pcr(8)? };
	// The NSM reports all-zero PCRs for enclaves started in debug mode.
	let debug = doc.pcr(0) == Some([0; 48]);
	let valid_until = chain_not_after(&doc.certificate, intermediates, root, &[])?;
	let verified = VerifiedAttestation {
		tee: TeeKind::Nitro,
		measurement,
		report_data: doc.binding(),
		debug,
		tcb: TcbFacts::Nitro {
			module_id: doc.module_id.as_bytes().to_vec(),
			timestamp_ms: doc.timestamp_ms,
		},
		valid_until,
	};
	Ok((verified, doc))
}
