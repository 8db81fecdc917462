#![allow(clippy::indexing_slicing)] // Offsets are constants inside fixed-size quote buffers.

//! A simulated TEE for dev chains and tests (feature `sim`).
//!
//! [`SimTee`] plays every Intel party of DCAP attestation at once, under a **dev root CA** it
//! creates: the root, a PCK platform CA, the platform's PCK certificate (with the Intel SGX
//! extension naming FMSPC, CPUSVN and PCESVN), the TCB signing certificate, both CRLs, the
//! platform's TCB info and the quoting enclave's identity, and the quoting enclave itself. It
//! issues SGX v3 and TDX v4 quotes in the real byte formats, so [`crate::verify_quote`] with
//! [`SimTee::root_der`] accepts them exactly as it accepts Intel's, and with Intel's root
//! ([`crate::INTEL_SGX_ROOT_CA_DER`]) rejects them.
//!
//! Everything is deterministic: keys come from the seed, and every ECDSA signature (quote, QE
//! report, certificates, CRLs, collateral) is RFC 6979 P-256, so the same seed and inputs give
//! the same bytes.
//!
//! ```
//! use aegis_attestation::{sim::{SimTee, SgxEnclave, CollateralParams}, verify_quote, TcbStatus};
//! let tee = SimTee::new([7; 32], Default::default());
//! let enclave = SgxEnclave { mr_enclave: [1; 32], ..Default::default() };
//! let quote = tee.sgx_quote(&enclave, &[9; 64]);
//! let params = CollateralParams::valid_around(1_800_000_000);
//! let collateral = tee.collateral(aegis_attestation::TeeKind::Sgx, &params);
//! let verified = verify_quote(&quote, &collateral, &tee.root_der(), 1_800_000_000).unwrap();
//! assert_eq!(verified.tcb_status, TcbStatus::UpToDate);
//! assert_eq!(verified.report_data, [9; 64]);
//! ```

pub mod nitro;
pub mod snp;

use crate::{Measurement, TcbStatus, TeeKind};
use p256::ecdsa::{signature::Signer as _, Signature, SigningKey as P256Key};
use rcgen::{
	BasicConstraints, Certificate, CertificateParams, CertificateRevocationListParams,
	CustomExtension, DistinguishedName, DnType, DnValue, IsCa, Issuer, KeyIdMethod,
	KeyUsagePurpose, PublicKeyData, SerialNumber, SignatureAlgorithm, SigningKey,
	PKCS_ECDSA_P256_SHA256,
};
use sha2::{Digest as _, Sha256};
use time::OffsetDateTime;

/// Intel's quoting-enclave vendor id, which verifiers require in every quote header.
const INTEL_QE_VENDOR_ID: [u8; 16] = [
	0x93, 0x9a, 0x72, 0x33, 0xf7, 0x9c, 0x4c, 0xa9, 0x94, 0x0a, 0x0d, 0xb3, 0x95, 0x7f, 0x06, 0x07,
];
/// OID 1.2.840.113741.1.13.1 (Intel SGX extensions), as DER content bytes.
const SGX_EXT_OID: [u8; 9] = [0x2a, 0x86, 0x48, 0x86, 0xf8, 0x4d, 0x01, 0x0d, 0x01];
/// Certificates are valid 2020-01-01 .. 2100-01-01.
const CERT_NOT_BEFORE: i64 = 1_577_836_800;
const CERT_NOT_AFTER: i64 = 4_102_444_800;
/// The simulated quoting enclave's security version.
const QE_ISV_SVN: u16 = 8;
/// Bytes the quote's ECDSA signature covers: header + body.
const HEADER_LEN: usize = 48;
const SGX_BODY_LEN: usize = 384;
const TD_BODY_LEN: usize = 584;
/// `TD_ATTRIBUTES` byte 3 bit 4 (bit 28): SEPT_VE_DISABLE, which verifiers require.
const TD_SEPT_VE_DISABLE: u8 = 0x10;

/// The platform the simulated TEE runs on: what its PCK certificate says.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SimPlatform {
	/// Family-model-stepping-platform-customSKU: names the platform's TCB info.
	pub fmspc: [u8; 6],
	/// CPU security version, one byte per SGX TCB component.
	pub cpu_svn: [u8; 16],
	/// Provisioning certification enclave security version.
	pub pce_svn: u16,
}

impl Default for SimPlatform {
	fn default() -> Self {
		Self {
			fmspc: crate::dev::SIM_FMSPC,
			cpu_svn: [4, 4, 2, 2, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0],
			pce_svn: 13,
		}
	}
}

/// What the collateral says about the platform, and when it is valid.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CollateralParams {
	/// Unix seconds the TCB info, QE identity and CRLs were issued.
	pub issued_at: u64,
	/// Unix seconds after which they are stale.
	pub next_update: u64,
	/// The platform's TCB status.
	pub tcb_status: TcbStatus,
	/// Advisories listed for the platform's TCB level (`INTEL-SA-…`).
	pub advisory_ids: Vec<String>,
	/// Intel's TCB evaluation data number (grows with every TCB recovery).
	pub tcb_evaluation_data_number: u32,
}

impl CollateralParams {
	/// Up-to-date collateral issued a day before `now` and valid for thirty days after it.
	pub fn valid_around(now: u64) -> Self {
		Self {
			issued_at: now.saturating_sub(86_400),
			next_update: now.saturating_add(30 * 86_400),
			tcb_status: TcbStatus::UpToDate,
			advisory_ids: Vec::new(),
			tcb_evaluation_data_number: 17,
		}
	}
}

/// The identity an SGX enclave is measured with.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SgxEnclave {
	/// MRENCLAVE.
	pub mr_enclave: [u8; 32],
	/// MRSIGNER.
	pub mr_signer: [u8; 32],
	/// ISV product id.
	pub isv_prod_id: u16,
	/// ISV security version.
	pub isv_svn: u16,
	/// Launched in debug mode.
	pub debug: bool,
}

impl SgxEnclave {
	/// The dev worker enclave, whose measurement dev chains allow
	/// ([`crate::dev::worker_measurement`]).
	pub fn dev_worker() -> Self {
		Self {
			mr_enclave: crate::dev::WORKER_MR_ENCLAVE,
			mr_signer: crate::dev::WORKER_MR_SIGNER,
			isv_prod_id: crate::dev::WORKER_ISV_PROD_ID,
			isv_svn: crate::dev::WORKER_ISV_SVN,
			debug: false,
		}
	}

	/// The measurement a verified quote of this enclave reports.
	pub fn measurement(&self) -> Measurement {
		Measurement::Sgx {
			mr_enclave: self.mr_enclave,
			mr_signer: self.mr_signer,
			isv_prod_id: self.isv_prod_id,
			isv_svn: self.isv_svn,
		}
	}
}

/// The identity a TDX trust domain is measured with.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TdGuest {
	/// MRTD.
	pub mr_td: [u8; 48],
	/// RTMR0..3.
	pub rtmr: [[u8; 48]; 4],
	/// Launched in debug mode.
	pub debug: bool,
}

impl Default for TdGuest {
	fn default() -> Self {
		Self { mr_td: [0; 48], rtmr: [[0; 48]; 4], debug: false }
	}
}

/// A P-256 key derived from a seed, signing deterministically (RFC 6979).
struct DetKey {
	key: P256Key,
	/// Uncompressed SEC1 point `04 ‖ x ‖ y`.
	sec1: Vec<u8>,
}

impl DetKey {
	fn derive(seed: &[u8], label: &str) -> Self {
		let mut counter: u32 = 0;
		loop {
			let mut h = Sha256::new();
			h.update(b"aegis/sim-tee/v1");
			h.update(seed);
			h.update(label.as_bytes());
			h.update(counter.to_be_bytes());
			// A hash outside the scalar field is astronomically unlikely; derive again if so.
			if let Ok(key) = P256Key::from_slice(&h.finalize()) {
				let sec1 = key.verifying_key().to_sec1_point(false).as_bytes().to_vec();
				return Self { key, sec1 };
			}
			counter = counter.wrapping_add(1);
		}
	}

	/// The raw `x ‖ y` form quotes carry.
	fn raw_public(&self) -> &[u8] {
		self.sec1.get(1..).unwrap_or_default()
	}

	/// SHA-256 of the SubjectPublicKeyInfo, cut to 20 bytes: the key identifier.
	fn key_id(&self) -> Vec<u8> {
		Sha256::digest(self.subject_public_key_info()).iter().take(20).copied().collect()
	}

	/// Raw `r ‖ s`, the form of quote and collateral signatures.
	fn sign_raw(&self, msg: &[u8]) -> Vec<u8> {
		let sig: Signature = self.key.sign(msg);
		sig.to_bytes().to_vec()
	}
}

impl PublicKeyData for DetKey {
	fn der_bytes(&self) -> &[u8] {
		&self.sec1
	}
	fn algorithm(&self) -> &'static SignatureAlgorithm {
		&PKCS_ECDSA_P256_SHA256
	}
}

impl SigningKey for DetKey {
	fn sign(&self, msg: &[u8]) -> Result<Vec<u8>, rcgen::Error> {
		let sig: Signature = self.key.sign(msg);
		Ok(sig.to_der().as_bytes().to_vec())
	}
}

/// The simulated TEE and the dev PKI behind it. See the module docs.
pub struct SimTee {
	platform: SimPlatform,
	root: Certificate,
	root_issuer: Issuer<'static, DetKey>,
	pck_ca: Certificate,
	pck_ca_issuer: Issuer<'static, DetKey>,
	pck_leaf: Certificate,
	pck_key: DetKey,
	tcb_signer: Certificate,
	tcb_key: DetKey,
	attestation_key: DetKey,
	qe_mr_signer: [u8; 32],
}

fn at(unix_secs: u64) -> OffsetDateTime {
	let secs = i64::try_from(unix_secs).unwrap_or(i64::MAX);
	OffsetDateTime::from_unix_timestamp(secs)
		.or_else(|_| OffsetDateTime::from_unix_timestamp(CERT_NOT_AFTER))
		.unwrap_or(OffsetDateTime::UNIX_EPOCH)
}

fn dev_name(cn: &str) -> DistinguishedName {
	let mut dn = DistinguishedName::new();
	dn.push(DnType::CommonName, cn);
	dn.push(DnType::OrganizationName, "QuantumAegis Dev (simulated, NOT Intel)");
	dn.push(DnType::CountryName, DnValue::PrintableString("XX".try_into().expect("printable")));
	dn
}

fn cert_params(cn: &str, serial: u64, key: &DetKey) -> CertificateParams {
	let mut p = CertificateParams::default();
	p.distinguished_name = dev_name(cn);
	p.serial_number = Some(SerialNumber::from(serial));
	p.not_before = at(CERT_NOT_BEFORE as u64);
	p.not_after = at(CERT_NOT_AFTER as u64);
	p.key_identifier_method = KeyIdMethod::PreSpecified(key.key_id());
	p.use_authority_key_identifier_extension = true;
	p
}

/// Minimal DER: one tag-length-value.
fn tlv(tag: u8, content: &[u8]) -> Vec<u8> {
	let mut out = vec![tag];
	let len = content.len();
	if len < 0x80 {
		out.push(len as u8);
	} else {
		let bytes = len.to_be_bytes();
		let skip = bytes.iter().take_while(|b| **b == 0).count();
		let significant = bytes.get(skip..).unwrap_or_default();
		out.push(0x80 | significant.len() as u8);
		out.extend_from_slice(significant);
	}
	out.extend_from_slice(content);
	out
}

fn der_seq(items: &[Vec<u8>]) -> Vec<u8> {
	tlv(0x30, &items.concat())
}

fn der_uint(value: u64) -> Vec<u8> {
	let bytes = value.to_be_bytes();
	let skip = bytes.iter().take_while(|b| **b == 0).count().min(7);
	let mut content = bytes.get(skip..).unwrap_or_default().to_vec();
	if content.first().is_some_and(|b| b & 0x80 != 0) {
		content.insert(0, 0);
	}
	tlv(0x02, &content)
}

/// `SEQUENCE { OID 1.2.840.113741.1.13.1.<suffix>, value }`.
fn sgx_entry(suffix: &[u8], value: Vec<u8>) -> Vec<u8> {
	der_seq(&[tlv(0x06, &[&SGX_EXT_OID[..], suffix].concat()), value])
}

/// The Intel SGX extension of a PCK certificate for `platform`.
fn sgx_extension(platform: &SimPlatform, ppid: &[u8]) -> Vec<u8> {
	let mut tcb: Vec<Vec<u8>> = platform
		.cpu_svn
		.iter()
		.zip(1u8..)
		.map(|(svn, i)| sgx_entry(&[0x02, i], der_uint(u64::from(*svn))))
		.collect();
	tcb.push(sgx_entry(&[0x02, 17], der_uint(u64::from(platform.pce_svn))));
	tcb.push(sgx_entry(&[0x02, 18], tlv(0x04, &platform.cpu_svn)));
	der_seq(&[
		sgx_entry(&[0x01], tlv(0x04, ppid)),
		sgx_entry(&[0x02], der_seq(&tcb)),
		sgx_entry(&[0x03], tlv(0x04, &[0, 0])),
		sgx_entry(&[0x04], tlv(0x04, &platform.fmspc)),
		// SGX type: Standard.
		sgx_entry(&[0x05], tlv(0x0a, &[0])),
	])
}

fn rfc3339(unix_secs: u64) -> String {
	let t = at(unix_secs);
	format!(
		"{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z",
		t.year(),
		u8::from(t.month()),
		t.day(),
		t.hour(),
		t.minute(),
		t.second()
	)
}

fn svn_components(svns: &[u8]) -> String {
	let items: Vec<String> = svns.iter().map(|s| format!("{{\"svn\":{s}}}")).collect();
	format!("[{}]", items.join(","))
}

fn json_strings(items: &[String]) -> String {
	serde_json::to_string(items).unwrap_or_else(|_| "[]".into())
}

impl SimTee {
	/// The dev PKI and TEE of `seed`, running on `platform`. The root CA depends on the seed
	/// only, so every platform of one seed shares it.
	pub fn new(seed: [u8; 32], platform: SimPlatform) -> Self {
		let root_key = DetKey::derive(&seed, "root-ca");
		let mut p = cert_params("QuantumAegis Dev SGX Root CA", 1, &root_key);
		p.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
		p.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
		let root = p.self_signed(&root_key).expect("dev root parameters are valid");
		let root_issuer = Issuer::new(p, root_key);

		let ca_key = DetKey::derive(&seed, "pck-platform-ca");
		let mut p = cert_params("QuantumAegis Dev SGX PCK Platform CA", 2, &ca_key);
		p.is_ca = IsCa::Ca(BasicConstraints::Constrained(0));
		p.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
		let pck_ca = p.signed_by(&ca_key, &root_issuer).expect("dev PCK CA parameters are valid");
		let pck_ca_issuer = Issuer::new(p, ca_key);

		let platform_label = format!("pck/{}", hex::encode(platform.fmspc));
		let pck_key = DetKey::derive(&seed, &platform_label);
		let ppid: Vec<u8> = Sha256::digest(pck_key.raw_public()).iter().take(16).copied().collect();
		let mut p = cert_params("QuantumAegis Dev SGX PCK Certificate", 3, &pck_key);
		p.is_ca = IsCa::ExplicitNoCa;
		p.key_usages = vec![KeyUsagePurpose::DigitalSignature, KeyUsagePurpose::ContentCommitment];
		p.custom_extensions = vec![CustomExtension::from_oid_content(
			&[1, 2, 840, 113741, 1, 13, 1],
			sgx_extension(&platform, &ppid),
		)];
		let pck_leaf = p.signed_by(&pck_key, &pck_ca_issuer).expect("dev PCK parameters are valid");

		let tcb_key = DetKey::derive(&seed, "tcb-signing");
		let mut p = cert_params("QuantumAegis Dev SGX TCB Signing", 4, &tcb_key);
		p.is_ca = IsCa::ExplicitNoCa;
		p.key_usages = vec![KeyUsagePurpose::DigitalSignature, KeyUsagePurpose::ContentCommitment];
		let tcb_signer =
			p.signed_by(&tcb_key, &root_issuer).expect("dev TCB signer parameters are valid");

		let attestation_key = DetKey::derive(&seed, &format!("attestation/{platform_label}"));
		let mut qe_mr_signer = [0u8; 32];
		qe_mr_signer.copy_from_slice(&Sha256::digest([&seed[..], b"quoting-enclave"].concat()));

		Self {
			platform,
			root,
			root_issuer,
			pck_ca,
			pck_ca_issuer,
			pck_leaf,
			pck_key,
			tcb_signer,
			tcb_key,
			attestation_key,
			qe_mr_signer,
		}
	}

	/// The shared dev TEE ([`crate::dev::SIM_SEED`], default platform), whose root is
	/// [`crate::dev::SIM_ROOT_CA_DER`].
	pub fn dev() -> Self {
		Self::new(crate::dev::SIM_SEED, SimPlatform::default())
	}

	/// The dev root CA certificate (DER): what a dev chain trusts.
	pub fn root_der(&self) -> Vec<u8> {
		self.root.der().to_vec()
	}

	/// The platform this TEE runs on.
	pub fn platform(&self) -> &SimPlatform {
		&self.platform
	}

	/// An SGX v3 quote of `enclave` carrying `report_data`.
	pub fn sgx_quote(&self, enclave: &SgxEnclave, report_data: &[u8; 64]) -> Vec<u8> {
		self.sgx_quote_padded(enclave, report_data, 0)
	}

	/// An SGX v3 quote of `enclave` carrying `report_data`, `padding` bytes longer than
	/// [`Self::sgx_quote`]'s: its PCK certificate chain (the part of a quote whose length the
	/// submitter chooses: it is not signed, the chain proves itself) ends with `padding` line
	/// breaks, which a PEM reader skips.
	pub fn sgx_quote_padded(
		&self,
		enclave: &SgxEnclave,
		report_data: &[u8; 64],
		padding: usize,
	) -> Vec<u8> {
		self.sgx_quote_with_chain(enclave, report_data, 0, padding)
	}

	/// An SGX v3 quote of `enclave` carrying `report_data` whose PCK certificate chain holds
	/// `extra` more copies of the root certificate than Intel's three certificates, then
	/// `padding` line breaks.
	pub fn sgx_quote_with_chain(
		&self,
		enclave: &SgxEnclave,
		report_data: &[u8; 64],
		extra: usize,
		padding: usize,
	) -> Vec<u8> {
		let mut body = [0u8; SGX_BODY_LEN];
		body[..16].copy_from_slice(&self.platform.cpu_svn);
		// ATTRIBUTES: INIT | MODE64BIT, DEBUG if asked; XFRM x87 | SSE.
		body[48] = 0x05 | if enclave.debug { 0x02 } else { 0 };
		body[56] = 0x03;
		body[64..96].copy_from_slice(&enclave.mr_enclave);
		body[128..160].copy_from_slice(&enclave.mr_signer);
		body[256..258].copy_from_slice(&enclave.isv_prod_id.to_le_bytes());
		body[258..260].copy_from_slice(&enclave.isv_svn.to_le_bytes());
		body[320..384].copy_from_slice(report_data);

		let mut quote = self.header(3, 0x0000_0000);
		quote.extend_from_slice(&body);
		let signature = self.attestation_key.sign_raw(&quote);
		let qe = self.qe_certification(1, extra, padding);

		let mut auth = signature;
		auth.extend_from_slice(self.attestation_key.raw_public());
		auth.extend_from_slice(&qe);
		quote.extend_from_slice(&(auth.len() as u32).to_le_bytes());
		quote.extend_from_slice(&auth);
		quote
	}

	/// A TDX v4 quote of `guest` carrying `report_data`.
	pub fn tdx_quote(&self, guest: &TdGuest, report_data: &[u8; 64]) -> Vec<u8> {
		let mut body = [0u8; TD_BODY_LEN];
		// TEE_TCB_SVN: module version byte (1) zero, so the TCB info's tdxModule applies.
		body[0] = 5;
		body[2] = 2;
		// TD_ATTRIBUTES (u64 LE): DEBUG if asked, SEPT_VE_DISABLE always.
		body[120] = u8::from(guest.debug);
		body[123] = TD_SEPT_VE_DISABLE;
		// XFAM: x87 | SSE | AVX.
		body[128] = 0x07;
		body[136..184].copy_from_slice(&guest.mr_td);
		for (i, rtmr) in guest.rtmr.iter().enumerate() {
			let start = 328 + 48 * i;
			body[start..start + 48].copy_from_slice(rtmr);
		}
		body[520..584].copy_from_slice(report_data);

		let mut quote = self.header(4, 0x0000_0081);
		quote.extend_from_slice(&body);
		let signature = self.attestation_key.sign_raw(&quote);
		let qe = self.qe_certification(2, 0, 0);

		let mut auth = signature;
		auth.extend_from_slice(self.attestation_key.raw_public());
		// Certification data type 6: QE report certification data.
		auth.extend_from_slice(&6u16.to_le_bytes());
		auth.extend_from_slice(&(qe.len() as u32).to_le_bytes());
		auth.extend_from_slice(&qe);
		quote.extend_from_slice(&(auth.len() as u32).to_le_bytes());
		quote.extend_from_slice(&auth);
		quote
	}

	fn header(&self, version: u16, tee_type: u32) -> Vec<u8> {
		let mut h = Vec::with_capacity(HEADER_LEN + TD_BODY_LEN);
		h.extend_from_slice(&version.to_le_bytes());
		// Attestation key type 2: ECDSA-256 with P-256.
		h.extend_from_slice(&2u16.to_le_bytes());
		h.extend_from_slice(&tee_type.to_le_bytes());
		h.extend_from_slice(&QE_ISV_SVN.to_le_bytes());
		h.extend_from_slice(&self.platform.pce_svn.to_le_bytes());
		h.extend_from_slice(&INTEL_QE_VENDOR_ID);
		h.extend_from_slice(&[0u8; 20]);
		h
	}

	/// QE report, its PCK signature, QE auth data and the PCK chain (certification type 5).
	/// The chain ends with `extra` more root certificates, then `padding` line breaks.
	fn qe_certification(&self, qe_prod_id: u16, extra: usize, padding: usize) -> Vec<u8> {
		let auth_data: Vec<u8> = (0u8..32).collect();
		let mut report = [0u8; SGX_BODY_LEN];
		report[..16].copy_from_slice(&self.platform.cpu_svn);
		// ATTRIBUTES 0x11: INIT | PROVISIONKEY-style QE attributes, never DEBUG.
		report[48] = 0x11;
		report[64..96].copy_from_slice(&Sha256::digest(self.qe_mr_signer));
		report[128..160].copy_from_slice(&self.qe_mr_signer);
		report[256..258].copy_from_slice(&qe_prod_id.to_le_bytes());
		report[258..260].copy_from_slice(&QE_ISV_SVN.to_le_bytes());
		let binding = Sha256::digest([self.attestation_key.raw_public(), &auth_data].concat());
		report[320..352].copy_from_slice(&binding);

		let root = self.root.pem();
		let mut chain = format!("{}{}{}", self.pck_leaf.pem(), self.pck_ca.pem(), root);
		chain.push_str(&root.repeat(extra));
		chain.push_str(&"\n".repeat(padding));
		let mut out = report.to_vec();
		out.extend_from_slice(&self.pck_key.sign_raw(&report));
		out.extend_from_slice(&(auth_data.len() as u16).to_le_bytes());
		out.extend_from_slice(&auth_data);
		out.extend_from_slice(&5u16.to_le_bytes());
		out.extend_from_slice(&(chain.len() as u32).to_le_bytes());
		out.extend_from_slice(chain.as_bytes());
		out
	}

	/// The platform's TCB info JSON for `tee`, exactly as signed.
	pub fn tcb_info(&self, tee: TeeKind, params: &CollateralParams) -> String {
		let sgx = svn_components(&self.platform.cpu_svn);
		let (id, tdx_module, tdx_components) = match tee {
			TeeKind::Tdx => (
				"TDX",
				format!(
					",\"tdxModule\":{{\"mrsigner\":\"{}\",\"attributes\":\"0000000000000000\",\"attributesMask\":\"FFFFFFFFFFFFFFFF\"}},\"tdxModuleIdentities\":[]",
					"00".repeat(48)
				),
				format!(",\"tdxtcbcomponents\":{}", svn_components(&[0; 16])),
			),
			_ => ("SGX", String::new(), String::new()),
		};
		format!(
			"{{\"id\":\"{id}\",\"version\":3,\"issueDate\":\"{}\",\"nextUpdate\":\"{}\",\"fmspc\":\"{}\",\"pceId\":\"0000\",\"tcbType\":0,\"tcbEvaluationDataNumber\":{}{tdx_module},\"tcbLevels\":[{{\"tcb\":{{\"sgxtcbcomponents\":{sgx},\"pcesvn\":{}{tdx_components}}},\"tcbDate\":\"{}\",\"tcbStatus\":\"{}\",\"advisoryIDs\":{}}}]}}",
			rfc3339(params.issued_at),
			rfc3339(params.next_update),
			hex::encode_upper(self.platform.fmspc),
			params.tcb_evaluation_data_number,
			self.platform.pce_svn,
			rfc3339(params.issued_at),
			params.tcb_status.intel_name(),
			json_strings(&params.advisory_ids),
		)
	}

	/// The quoting enclave's identity JSON for `tee`, exactly as signed.
	pub fn qe_identity(&self, tee: TeeKind, params: &CollateralParams) -> String {
		let (id, prod_id) = match tee {
			TeeKind::Tdx => ("TD_QE", 2),
			_ => ("QE", 1),
		};
		format!(
			"{{\"id\":\"{id}\",\"version\":2,\"issueDate\":\"{}\",\"nextUpdate\":\"{}\",\"tcbEvaluationDataNumber\":{},\"miscselect\":\"00000000\",\"miscselectMask\":\"FFFFFFFF\",\"attributes\":\"11000000000000000000000000000000\",\"attributesMask\":\"FBFFFFFFFFFFFFFF0000000000000000\",\"mrsigner\":\"{}\",\"isvprodid\":{prod_id},\"tcbLevels\":[{{\"tcb\":{{\"isvsvn\":{QE_ISV_SVN}}},\"tcbDate\":\"{}\",\"tcbStatus\":\"UpToDate\"}}]}}",
			rfc3339(params.issued_at),
			rfc3339(params.next_update),
			params.tcb_evaluation_data_number,
			hex::encode_upper(self.qe_mr_signer),
			rfc3339(params.issued_at),
		)
	}

	/// Raw `r ‖ s` signature of the TCB signing key over `document` (TCB info or QE identity).
	pub fn sign_collateral(&self, document: &str) -> Vec<u8> {
		self.tcb_key.sign_raw(document.as_bytes())
	}

	/// PEM chain of the TCB info and QE identity signer: signer, then root.
	pub fn tcb_issuer_chain(&self) -> String {
		format!("{}{}", self.tcb_signer.pem(), self.root.pem())
	}

	fn crl(&self, issuer: &Issuer<'static, DetKey>, params: &CollateralParams) -> Vec<u8> {
		CertificateRevocationListParams {
			this_update: at(params.issued_at),
			next_update: at(params.next_update.max(params.issued_at.saturating_add(1))),
			crl_number: SerialNumber::from(u64::from(params.tcb_evaluation_data_number)),
			issuing_distribution_point: None,
			revoked_certs: Vec::new(),
			key_identifier_method: KeyIdMethod::PreSpecified(issuer.key().key_id()),
		}
		.signed_by(issuer)
		.expect("dev CRL parameters are valid")
		.der()
		.to_vec()
	}

	/// The root CA's CRL (DER), valid over the collateral's window.
	pub fn root_ca_crl(&self, params: &CollateralParams) -> Vec<u8> {
		self.crl(&self.root_issuer, params)
	}

	/// The body a PCCS answers `GET /{sgx|tdx}/certification/v4/tcb?fmspc=…` with:
	/// `{"tcbInfo":…,"signature":"<hex r‖s>"}`. The issuer chain goes in the
	/// `TCB-Info-Issuer-Chain` header ([`Self::tcb_issuer_chain`], URL-encoded).
	pub fn pccs_tcb_info_body(&self, tee: TeeKind, params: &CollateralParams) -> String {
		let doc = self.tcb_info(tee, params);
		let sig = hex::encode(self.sign_collateral(&doc));
		format!("{{\"tcbInfo\":{doc},\"signature\":\"{sig}\"}}")
	}

	/// The body a PCCS answers `GET /{sgx|tdx}/certification/v4/qe/identity` with:
	/// `{"enclaveIdentity":…,"signature":"<hex r‖s>"}` (issuer chain in the
	/// `SGX-Enclave-Identity-Issuer-Chain` header).
	pub fn pccs_qe_identity_body(&self, tee: TeeKind, params: &CollateralParams) -> String {
		let doc = self.qe_identity(tee, params);
		let sig = hex::encode(self.sign_collateral(&doc));
		format!("{{\"enclaveIdentity\":{doc},\"signature\":\"{sig}\"}}")
	}

	/// The collateral JSON (`QuoteCollateralV3`) [`crate::verify_quote`] takes for quotes of `tee`.
	/// The CRLs share the TCB info's validity window.
	pub fn collateral(&self, tee: TeeKind, params: &CollateralParams) -> Vec<u8> {
		let tcb_info = self.tcb_info(tee, params);
		let qe_identity = self.qe_identity(tee, params);
		let chain = self.tcb_issuer_chain();
		let json = serde_json::json!({
			"pck_crl_issuer_chain": format!("{}{}", self.pck_ca.pem(), self.root.pem()),
			"root_ca_crl": hex::encode(self.root_ca_crl(params)),
			"pck_crl": hex::encode(self.crl(&self.pck_ca_issuer, params)),
			"tcb_info_issuer_chain": chain,
			"tcb_info_signature": hex::encode(self.sign_collateral(&tcb_info)),
			"tcb_info": tcb_info,
			"qe_identity_issuer_chain": chain,
			"qe_identity_signature": hex::encode(self.sign_collateral(&qe_identity)),
			"qe_identity": qe_identity,
		});
		json.to_string().into_bytes()
	}
}
