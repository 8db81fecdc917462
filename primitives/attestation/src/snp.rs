//! AMD SEV-SNP attestation reports, verified under AMD's VCEK → ASK → ARK chain.
//!
//! A report (`MSG_REPORT_RSP` of the SEV-SNP firmware ABI, 1184 bytes, versions 2, 3 and 5) is
//! signed with ECDSA P-384 by the chip's VCEK (or a cloud's VLEK), whose certificate AMD's Key
//! Distribution Service issues per chip and per reported TCB. The certificate chains, with
//! RSASSA-PSS SHA-384 signatures, to the product's ASK (ASVK for VLEKs) and ARK. This module:
//! - parses the report and refuses unknown versions, signature algorithms and signing keys;
//! - verifies the certificate chain to one of the trusted ARKs at `now` (with the ARK's CRL of
//!   revoked ASKs when the collateral carries it), leniently about VCEKs' serial number 0;
//! - verifies the report's signature with the VCEK's key;
//! - checks the report against the VCEK: its `REPORTED_TCB` equals the TCB the VCEK was issued
//!   for, and its chip id the VCEK's hardware id;
//! - reports the launch measurement, `REPORT_DATA`, the debug bit of the guest policy and the
//!   TCB facts, and leaves every policy to the chain.

use crate::{
	chain::{certificate_chain, chain_not_after, CertificateChain},
	rejected, AttestationError, Measurement, SnpProduct, SnpSigner, SnpTcb, TcbFacts, TeeKind,
	VerifiedAttestation, MAX_COLLATERAL_LEN,
};
use der::{asn1::ObjectIdentifier as Oid, Decode as _};
use p384::ecdsa::{signature::Verifier as _, Signature, VerifyingKey};
use x509_cert::Certificate;

/// Length of an attestation report.
pub const REPORT_LEN: usize = crate::SNP_REPORT_LEN;
/// The bytes the signature covers: everything before it.
pub const SIGNED_LEN: usize = 0x2A0;
/// Report versions in the field: 2 (Milan and Genoa firmware before 1.55), 3 (adds the CPUID
/// of the chip) and 5 (adds the mitigation vectors; Turin and current firmware).
pub const REPORT_VERSIONS: [u32; 3] = [2, 3, 5];
/// Certificates a collateral may carry above its VCEK or VLEK: the ASK (or ASVK) and the ARK.
const MAX_SUPPLIED_ISSUERS: usize = 2;
/// `SIGNATURE_ALGO` value of ECDSA P-384 with SHA-384, the only one SEV-SNP defines.
const ECDSA_P384_SHA384: u32 = 1;

/// Field offsets of the report (SEV-SNP firmware ABI specification, table "ATTESTATION_REPORT").
mod at {
	pub const VERSION: usize = 0x00;
	pub const POLICY: usize = 0x08;
	pub const VMPL: usize = 0x30;
	pub const SIGNATURE_ALGO: usize = 0x34;
	pub const KEY_INFO: usize = 0x48;
	pub const REPORT_DATA: usize = 0x50;
	pub const MEASUREMENT: usize = 0x90;
	pub const REPORTED_TCB: usize = 0x180;
	pub const CHIP_ID: usize = 0x1A0;
	pub const SIGNATURE: usize = 0x2A0;
}
/// `KEY_INFO` bit 1 (`MASK_CHIP_KEY`): the report is not signed (its signature is zero).
const MASK_CHIP_KEY: u32 = 1 << 1;

/// AMD's certificate extensions (`1.3.6.1.4.1.3704.1…`).
mod oid {
	use der::asn1::ObjectIdentifier as Oid;
	pub const PRODUCT_NAME: Oid = Oid::new_unwrap("1.3.6.1.4.1.3704.1.2");
	pub const BOOT_LOADER: Oid = Oid::new_unwrap("1.3.6.1.4.1.3704.1.3.1");
	pub const TEE: Oid = Oid::new_unwrap("1.3.6.1.4.1.3704.1.3.2");
	pub const SNP: Oid = Oid::new_unwrap("1.3.6.1.4.1.3704.1.3.3");
	pub const MICROCODE: Oid = Oid::new_unwrap("1.3.6.1.4.1.3704.1.3.8");
	pub const FMC: Oid = Oid::new_unwrap("1.3.6.1.4.1.3704.1.3.9");
	pub const HW_ID: Oid = Oid::new_unwrap("1.3.6.1.4.1.3704.1.4");
}

/// The fields of a report this crate uses, read from its bytes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Report {
	/// Format version.
	pub version: u32,
	/// Guest policy.
	pub policy: u64,
	/// VM privilege level of the request.
	pub vmpl: u32,
	/// VCEK or VLEK.
	pub signer: SnpSigner,
	/// Whether the chip id is masked (the host set `MASK_CHIP_ID`: all zeros).
	pub chip_id_masked: bool,
	/// Guest-chosen data.
	pub report_data: [u8; 64],
	/// Launch measurement.
	pub measurement: [u8; 48],
	/// `REPORTED_TCB`, raw.
	pub reported_tcb: u64,
	/// Chip id (Turin: first 8 bytes, the rest zero).
	pub chip_id: [u8; 64],
	/// Signature `r` and `s`, big-endian.
	pub signature: ([u8; 48], [u8; 48]),
}

fn array<const N: usize>(bytes: &[u8], at: usize) -> [u8; N] {
	let mut out = [0u8; N];
	if let Some(src) = bytes.get(at..at.saturating_add(N)) {
		out.copy_from_slice(src);
	}
	out
}

fn u32_at(bytes: &[u8], at: usize) -> u32 {
	u32::from_le_bytes(array(bytes, at))
}

/// One little-endian signature component of 72 bytes, as a big-endian P-384 scalar. The
/// 24 bytes above the scalar must be zero.
fn scalar(bytes: &[u8], at: usize) -> Option<[u8; 48]> {
	let field: [u8; 72] = array(bytes, at);
	let (low, high) = field.split_at(48);
	if high.iter().any(|b| *b != 0) {
		return None;
	}
	let mut be = [0u8; 48];
	for (dst, src) in be.iter_mut().zip(low.iter().rev()) {
		*dst = *src;
	}
	Some(be)
}

impl Report {
	/// Parses a report, refusing what this verifier does not know.
	pub fn parse(bytes: &[u8]) -> Result<Self, AttestationError> {
		if bytes.len() != REPORT_LEN {
			return Err(rejected("an SEV-SNP report is 1184 bytes long"));
		}
		let version = u32_at(bytes, at::VERSION);
		if !REPORT_VERSIONS.contains(&version) {
			return Err(rejected("unknown SEV-SNP report version"));
		}
		if u32_at(bytes, at::SIGNATURE_ALGO) != ECDSA_P384_SHA384 {
			return Err(rejected("SEV-SNP report is not signed with ECDSA P-384"));
		}
		let key_info = u32_at(bytes, at::KEY_INFO);
		let signer = match (key_info >> 2) & 0b111 {
			0 => SnpSigner::Vcek,
			1 => SnpSigner::Vlek,
			_ => return Err(rejected("SEV-SNP report is not signed by a VCEK or VLEK")),
		};
		if key_info & MASK_CHIP_KEY != 0 {
			return Err(rejected("SEV-SNP report is not signed (MASK_CHIP_KEY)"));
		}
		let r = scalar(bytes, at::SIGNATURE);
		let s = scalar(bytes, at::SIGNATURE + 72);
		let (Some(r), Some(s)) = (r, s) else {
			return Err(rejected("SEV-SNP report signature is malformed"));
		};
		Ok(Self {
			version,
			policy: u64::from_le_bytes(array(bytes, at::POLICY)),
			vmpl: u32_at(bytes, at::VMPL),
			signer,
			chip_id_masked: bytes
				.get(at::CHIP_ID..at::CHIP_ID + 64)
				.is_some_and(|id| id.iter().all(|b| *b == 0)),
			report_data: array(bytes, at::REPORT_DATA),
			measurement: array(bytes, at::MEASUREMENT),
			reported_tcb: u64::from_le_bytes(array(bytes, at::REPORTED_TCB)),
			chip_id: array(bytes, at::CHIP_ID),
			signature: (r, s),
		})
	}
}

/// What a VCEK or VLEK certificate says about the chip and TCB it was issued for.
struct EndorsementKey {
	product: SnpProduct,
	tcb: SnpTcb,
	hw_id: Option<Vec<u8>>,
	key: VerifyingKey,
}

impl EndorsementKey {
	fn read(der: &[u8]) -> Result<Self, AttestationError> {
		let cert = Certificate::from_der(der)
			.map_err(|_| rejected("the VCEK certificate does not parse"))?;
		let tbs = cert.tbs_certificate();
		let extension = |id: Oid| {
			tbs.extensions()
				.and_then(|exts| exts.iter().find(|e| e.extn_id == id))
				.map(|e| e.extn_value.as_bytes())
		};
		let spl = |id: Oid| -> Result<u8, AttestationError> {
			let value = match extension(id) {
				Some(v) => v,
				// Only Turin's certificates carry the FMC version.
				None if id == oid::FMC => return Ok(0),
				None => return Err(rejected("the VCEK lacks a TCB component")),
			};
			// A non-negative DER INTEGER up to 255.
			u8::from_der(value)
				.map_err(|_| rejected("a VCEK TCB component is not an 8-bit INTEGER"))
		};
		let name = extension(oid::PRODUCT_NAME)
			.and_then(|v| {
				der::asn1::Ia5StringRef::from_der(v)
					.map(|name| name.as_str())
					.or_else(|_| core::str::from_utf8(v))
					.ok()
			})
			.ok_or_else(|| rejected("the VCEK names no product"))?;
		let product = SnpProduct::from_name(name)
			.ok_or_else(|| rejected("the VCEK names an unknown product"))?;
		let tcb = SnpTcb {
			fmc: spl(oid::FMC)?,
			boot_loader: spl(oid::BOOT_LOADER)?,
			tee: spl(oid::TEE)?,
			snp: spl(oid::SNP)?,
			microcode: spl(oid::MICROCODE)?,
		};
		// AMD writes the hardware id raw (64 bytes; 8 on Turin); an OCTET STRING is read too.
		let hw_id = extension(oid::HW_ID).map(|v| {
			let raw = matches!(v.len(), 8 | 64);
			let octets = <&der::asn1::OctetStringRef>::from_der(v).map(|o| o.as_bytes());
			if raw { v } else { octets.unwrap_or(v) }.to_vec()
		});
		let spki = tbs.subject_public_key_info();
		let key = VerifyingKey::from_sec1_bytes(spki.subject_public_key.raw_bytes())
			.map_err(|_| rejected("the VCEK's key is not a P-384 key"))?;
		Ok(Self { product, tcb, hw_id, key })
	}
}

/// Whether `issuer`'s subject is `cert`'s issuer (which intermediate a verified path used).
fn issues(issuer: &[u8], cert: &[u8]) -> bool {
	let (Ok(issuer), Ok(cert)) =
		(x509_cert::Certificate::from_der(issuer), x509_cert::Certificate::from_der(cert))
	else {
		return false;
	};
	issuer.tbs_certificate().subject() == cert.tbs_certificate().issuer()
}

/// Verifies `report` under one of `trusted_roots` (DER ARKs) at `now_secs`. `collateral`
/// holds the VCEK or VLEK certificate (DER, or PEM followed by its ASK/ASVK and ARK), and may
/// carry the ARK's CRL as a PEM `X509 CRL` block.
pub fn verify(
	report: &[u8],
	collateral: &[u8],
	trusted_roots: &[Vec<u8>],
	now_secs: u64,
) -> Result<VerifiedAttestation, AttestationError> {
	verify_with_root(report, collateral, trusted_roots, now_secs).map(|(v, _)| v)
}

/// [`verify`], and the index in `trusted_roots` of the ARK the chain ended in.
pub fn verify_with_root(
	report: &[u8],
	collateral: &[u8],
	trusted_roots: &[Vec<u8>],
	now_secs: u64,
) -> Result<(VerifiedAttestation, usize), AttestationError> {
	if collateral.len() > MAX_COLLATERAL_LEN {
		return Err(AttestationError::CollateralTooLarge);
	}
	let parsed = Report::parse(report)?;
	let chain = certificate_chain(collateral)?;
	let CertificateChain { leaf, intermediates, crls } = &chain;
	if intermediates.len() > MAX_SUPPLIED_ISSUERS {
		return Err(rejected("the collateral holds more certificates than AMD issues"));
	}
	let candidates: Vec<Vec<u8>> = intermediates
		.iter()
		.cloned()
		.chain(crate::amd::INTERMEDIATES.iter().map(|c| c.to_vec()))
		.collect();
	let algorithms = [
		&crate::chain::RSA_PSS_SHA384_AMD as &dyn rustls_pki_types::SignatureVerificationAlgorithm,
		&crate::chain::RSA_PSS_SHA384_AMD_TRAILER,
		webpki::rustcrypto::ECDSA_P384_SHA384,
	];
	let root =
		crate::chain::verify_path(leaf, &candidates, crls, trusted_roots, &algorithms, now_secs)?;
	let vcek = EndorsementKey::read(leaf)?;
	let signature = Signature::from_scalars(parsed.signature.0, parsed.signature.1)
		.map_err(|_| rejected("SEV-SNP report signature is malformed"))?;
	let signed = report.get(..SIGNED_LEN).unwrap_or_default();
	vcek.key
		.verify(signed, &signature)
		.map_err(|_| rejected("SEV-SNP report signature does not verify under the VCEK"))?;

	// VCEKs name their chip (hwID); VLEKs name their cloud provider instead.
	if (parsed.signer == SnpSigner::Vcek) != vcek.hw_id.is_some() {
		return Err(rejected("the report's signing key type is not its certificate's"));
	}
	let reported_tcb = SnpTcb::from_u64(vcek.product, parsed.reported_tcb);
	if reported_tcb != vcek.tcb {
		return Err(rejected("the report's reported TCB is not the TCB its VCEK was issued for"));
	}
	if parsed.signer == SnpSigner::Vcek && !parsed.chip_id_masked {
		let id_len = if vcek.product == SnpProduct::Turin { 8 } else { 64 };
		let chip_id = parsed.chip_id.get(..id_len).unwrap_or_default();
		if vcek.hw_id.as_deref() != Some(chip_id) {
			return Err(rejected("the report's chip id is not the VCEK's hardware id"));
		}
	}
	let issuer = candidates.iter().find(|c| issues(c, leaf)).cloned();
	let valid_until = chain_not_after(leaf, issuer.as_slice(), root, crls)?;
	let root_index = trusted_roots.iter().position(|r| r.as_slice() == root).unwrap_or_default();
	let verified = VerifiedAttestation {
		tee: TeeKind::SevSnp,
		measurement: Measurement::SevSnp { measurement: parsed.measurement },
		report_data: parsed.report_data,
		debug: parsed.policy & crate::snp_policy::DEBUG != 0,
		tcb: TcbFacts::SevSnp {
			product: vcek.product,
			report_version: parsed.version,
			reported_tcb,
			policy: parsed.policy,
			vmpl: parsed.vmpl,
			signer: parsed.signer,
		},
		valid_until,
	};
	Ok((verified, root_index))
}
