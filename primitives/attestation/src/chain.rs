//! X.509 chains of SEV-SNP and Nitro evidence: reading them from collateral and verifying them
//! to a trusted root with `webpki`, which tolerates what vendors issue (AMD's VCEKs carry serial
//! number 0) and checks every signature, validity window and CRL at the given time.

use crate::AttestationError;
use core::time::Duration;
use der::Decode as _;
use rustls_pki_types::{CertificateDer, SignatureVerificationAlgorithm, UnixTime};
use x509_cert::Certificate;

/// RSASSA-PSS with SHA-384, MGF1 with SHA-384 and a 48-byte salt, for RSA-4096 keys, as AMD
/// signs its SEV-SNP certificates (ARK, ASK and ASVK are RSA-4096; allowing only that size
/// bounds what a submitted certificate can make a verification cost). AMD writes the hash parameters as NULL,
/// and writes the default trailer field in its ARKs and ASKs but not in VCEKs: two encodings
/// of one algorithm, which `webpki`'s byte-exact algorithm match needs named one by one.
#[derive(Debug)]
pub struct AmdRsaPssSha384 {
	id: &'static [u8],
}

/// `rsassaPss` with parameters {sha384 (NULL), mgf1 sha384 (NULL), salt 48} (VCEKs, VLEKs).
pub(crate) const PSS_SHA384_AMD: &[u8] = &[
	0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0a, 0x30, 0x34, 0xa0, 0x0f, 0x30,
	0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x02, 0x05, 0x00, 0xa1, 0x1c,
	0x30, 0x1a, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x08, 0x30, 0x0d, 0x06,
	0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x02, 0x05, 0x00, 0xa2, 0x03, 0x02, 0x01,
	0x30,
];
/// The same with the trailer field 1 written out (ARKs, ASKs, ASVKs).
pub(crate) const PSS_SHA384_AMD_TRAILER: &[u8] = &[
	0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0a, 0x30, 0x39, 0xa0, 0x0f, 0x30,
	0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x02, 0x05, 0x00, 0xa1, 0x1c,
	0x30, 0x1a, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x08, 0x30, 0x0d, 0x06,
	0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x02, 0x05, 0x00, 0xa2, 0x03, 0x02, 0x01,
	0x30, 0xa3, 0x03, 0x02, 0x01, 0x01,
];
/// AMD's PSS encoding without the trailer field.
pub static RSA_PSS_SHA384_AMD: AmdRsaPssSha384 = AmdRsaPssSha384 { id: PSS_SHA384_AMD };
/// AMD's PSS encoding with the trailer field.
pub static RSA_PSS_SHA384_AMD_TRAILER: AmdRsaPssSha384 =
	AmdRsaPssSha384 { id: PSS_SHA384_AMD_TRAILER };
/// The salt length AMD's PSS signatures use (the hash length).
const PSS_SALT_LEN: usize = 48;
/// The size of AMD's RSA keys.
const RSA_KEY_BITS: usize = 4096;

impl SignatureVerificationAlgorithm for AmdRsaPssSha384 {
	fn public_key_alg_id(&self) -> rustls_pki_types::AlgorithmIdentifier {
		rustls_pki_types::alg_id::RSA_ENCRYPTION
	}

	fn signature_alg_id(&self) -> rustls_pki_types::AlgorithmIdentifier {
		rustls_pki_types::AlgorithmIdentifier::from_slice(self.id)
	}

	fn verify_signature(
		&self,
		public_key: &[u8],
		message: &[u8],
		signature: &[u8],
	) -> Result<(), rustls_pki_types::InvalidSignature> {
		use rsa::{
			pkcs1::DecodeRsaPublicKey as _, pss, signature::Verifier as _, traits::PublicKeyParts,
			RsaPublicKey,
		};
		use rustls_pki_types::InvalidSignature;
		let key = RsaPublicKey::from_pkcs1_der(public_key).map_err(|_| InvalidSignature)?;
		if key.n().bits() != RSA_KEY_BITS {
			return Err(InvalidSignature);
		}
		let key = pss::VerifyingKey::<rsa::sha2::Sha384>::new_with_salt_len(key, PSS_SALT_LEN);
		let signature = pss::Signature::try_from(signature).map_err(|_| InvalidSignature)?;
		key.verify(message, &signature).map_err(|_| InvalidSignature)
	}
}

/// Certificates accepted in one chain besides the leaf (SEV-SNP: ASK and ARK; Nitro: the
/// regional, zonal and instance CAs and the root). A submitter picks the chain; each extra
/// certificate is one more candidate issuer with a signature check, so it is bounded.
pub const MAX_INTERMEDIATES: usize = 4;
/// CRLs accepted with one chain (AMD's KDS serves one per product: the ARK's).
pub const MAX_CRLS: usize = 2;

/// A certificate chain as evidence or collateral carries it (all DER).
pub struct CertificateChain {
	/// The certificate whose key signed the evidence.
	pub leaf: Vec<u8>,
	/// Further certificates, any order (the root may be among them).
	pub intermediates: Vec<Vec<u8>>,
	/// Certificate revocation lists.
	pub crls: Vec<Vec<u8>>,
}

/// Reads a chain from `bytes`: one DER certificate, or PEM `CERTIFICATE` blocks (leaf first)
/// and `X509 CRL` blocks.
pub fn certificate_chain(bytes: &[u8]) -> Result<CertificateChain, AttestationError> {
	if bytes.first() == Some(&0x30) {
		return Ok(CertificateChain { leaf: bytes.to_vec(), intermediates: vec![], crls: vec![] });
	}
	let blocks = pem::parse_many(bytes).map_err(|_| AttestationError::MalformedCollateral)?;
	let mut certs = Vec::new();
	let mut crls = Vec::new();
	for block in blocks {
		match block.tag() {
			"CERTIFICATE" => certs.push(block.into_contents()),
			"X509 CRL" => crls.push(block.into_contents()),
			_ => return Err(AttestationError::MalformedCollateral),
		}
	}
	if certs.len() > MAX_INTERMEDIATES + 1 || crls.len() > MAX_CRLS {
		return Err(crate::rejected("the collateral holds more certificates or CRLs than issued"));
	}
	let mut certs = certs.into_iter();
	let leaf = certs.next().ok_or(AttestationError::MalformedCollateral)?;
	Ok(CertificateChain { leaf, intermediates: certs.collect(), crls })
}

/// A certificate-path failure: the time-window ones (which fresh collateral cures) by their
/// type, the rest as a rejection with its description.
pub fn path_error(e: webpki::Error) -> AttestationError {
	match e {
		webpki::Error::CertExpired { .. } | webpki::Error::CrlExpired { .. } => {
			AttestationError::Expired
		}
		webpki::Error::CertNotValidYet { .. } => AttestationError::NotYetValid,
		e => crate::rejected(&format!("{e:?}")),
	}
}

/// Verifies that `leaf` chains through `intermediates` to one of `roots` at `now_secs`, every
/// signature made with one of `algorithms`, and that no CRL in `crls` revokes a certificate
/// on the path (a CRL signed by anyone but the certificate's issuer fails the path). Returns
/// the root the path ends in. A time-window failure under any root is reported as such.
pub fn verify_path<'r>(
	leaf: &[u8],
	intermediates: &[Vec<u8>],
	crls: &[Vec<u8>],
	roots: &'r [Vec<u8>],
	algorithms: &[&dyn SignatureVerificationAlgorithm],
	now_secs: u64,
) -> Result<&'r [u8], AttestationError> {
	let leaf_der = CertificateDer::from(leaf);
	let leaf = webpki::EndEntityCert::try_from(&leaf_der).map_err(path_error)?;
	let intermediates: Vec<CertificateDer<'_>> =
		intermediates.iter().map(|c| CertificateDer::from(c.as_slice())).collect();
	let crls = crls
		.iter()
		.map(|c| webpki::OwnedCertRevocationList::from_der(c).map(webpki::CertRevocationList::from))
		.collect::<Result<Vec<_>, _>>()
		.map_err(|_| AttestationError::MalformedCollateral)?;
	let crl_refs: Vec<&webpki::CertRevocationList<'_>> = crls.iter().collect();
	let now = UnixTime::since_unix_epoch(Duration::from_secs(now_secs));
	let root_ders: Vec<CertificateDer<'_>> =
		roots.iter().map(|r| CertificateDer::from(r.as_slice())).collect();
	// Every trusted root in one path search: one signature budget, whatever their number.
	let mut anchors = Vec::with_capacity(roots.len());
	let mut anchored = Vec::with_capacity(roots.len());
	for (root, der) in roots.iter().zip(&root_ders) {
		if let Ok(anchor) = webpki::anchor_from_trusted_cert(der) {
			anchors.push(anchor);
			anchored.push(root);
		}
	}
	if anchors.is_empty() {
		return Err(crate::rejected("no trusted root"));
	}
	let revocation = webpki::RevocationOptionsBuilder::new(&crl_refs).ok().map(|b| {
		b.with_depth(webpki::RevocationCheckDepth::Chain)
			// AMD's CRL lists revoked ASKs; nothing revokes VCEKs one by one.
			.with_status_policy(webpki::UnknownStatusPolicy::Allow)
			.with_expiration_policy(webpki::ExpirationPolicy::Enforce)
			.build()
	});
	let path = leaf
		.verify_for_usage(
			algorithms,
			&anchors,
			&intermediates,
			now,
			webpki::KeyUsage::server_auth(),
			revocation,
			None,
		)
		.map_err(path_error)?;
	let used = path.anchor();
	anchors
		.iter()
		.zip(anchored)
		.find(|(a, _)| {
			a.subject.as_ref() == used.subject.as_ref()
				&& a.subject_public_key_info.as_ref() == used.subject_public_key_info.as_ref()
		})
		.map(|(_, root)| root.as_slice())
		.ok_or_else(|| crate::rejected("the path ends in no trusted root"))
}

/// Unix seconds of a certificate's `notAfter`.
pub fn not_after(der: &[u8]) -> Result<u64, AttestationError> {
	let cert =
		Certificate::from_der(der).map_err(|_| crate::rejected("a certificate does not parse"))?;
	Ok(cert.tbs_certificate().validity().not_after.to_unix_duration().as_secs())
}

/// The earliest time anything of a verified chain stops being valid: the `notAfter` of the
/// leaf, the intermediates and the root, and the `nextUpdate` of the CRLs.
pub fn chain_not_after(
	leaf: &[u8],
	intermediates: &[Vec<u8>],
	root: &[u8],
	crls: &[Vec<u8>],
) -> Result<u64, AttestationError> {
	let mut until = not_after(leaf)?.min(not_after(root)?);
	for cert in intermediates {
		until = until.min(not_after(cert)?);
	}
	for crl in crls {
		let list =
			x509_cert::crl::CertificateList::<x509_cert::certificate::Rfc5280>::from_der(crl)
				.map_err(|_| AttestationError::MalformedCollateral)?;
		if let Some(next) = list.tbs_cert_list.next_update {
			until = until.min(next.to_unix_duration().as_secs());
		}
	}
	Ok(until)
}
