//! # aegis-attestation
//!
//! The trust root of the sequencer: verification of Intel DCAP quotes from SGX enclaves and TDX
//! trust domains, with the pure-Rust `dcap-qvl` verifier.
//!
//! A worker enrols by submitting its enclave's quote and the matching collateral; the worker
//! registry pallet calls [`dcap_attestation::verify_quote`] (a host function, because `dcap-qvl`
//! cannot be compiled into a `wasm32` runtime), gets a [`VerifiedQuote`] back, and applies the
//! chain's own policy to it: trusted root, allowed measurements, TCB floor, advisories, debug off,
//! and the binding of `report_data` to the worker's keys.
//!
//! `dcap-qvl` enforces no TCB-status policy beyond refusing revoked platforms, and this crate
//! adds none either: it reports the status, the advisory ids, the measurement and the debug flag
//! and leaves every decision to the chain. Debug enclaves are therefore *reported*, not refused.
//!
//! ## Inputs
//! - `quote`: the raw quote (SGX v3, TDX v4/v5), at most [`MAX_QUOTE_LEN`] bytes.
//! - `collateral`: JSON of `dcap-qvl`'s `QuoteCollateralV3` (the format Intel's PCCS data is
//!   usually cached in, and the format of the fixtures), at most [`MAX_COLLATERAL_LEN`] bytes:
//!   `pck_crl_issuer_chain`, `root_ca_crl` (hex DER), `pck_crl` (hex DER),
//!   `tcb_info_issuer_chain`, `tcb_info`, `tcb_info_signature` (hex), `qe_identity_issuer_chain`,
//!   `qe_identity`, `qe_identity_signature` (hex), optional `pck_certificate_chain`.
//! - `trusted_root_der`: the DER certificate the PCK and collateral chains must end in: Intel's
//!   SGX Root CA ([`INTEL_SGX_ROOT_CA_DER`]) on production chains, a dev root on dev chains.
//! - `now_secs`: Unix time the collateral and certificates must be valid at; the pallet passes
//!   the block's timestamp, so verification is deterministic.
#![cfg_attr(not(feature = "std"), no_std)]
#![cfg_attr(test, allow(clippy::indexing_slicing))]

extern crate alloc;

use alloc::vec::Vec;
use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use scale_info::TypeInfo;
use sp_runtime_interface::{
	pass_by::{AllocateAndReturnByCodec, PassFatPointerAndDecode, PassFatPointerAndRead},
	runtime_interface,
};

#[cfg(feature = "std")]
pub mod chain;
#[cfg(feature = "std")]
pub mod nitro;
pub mod policy;
#[cfg(feature = "sim")]
pub mod sim;
#[cfg(feature = "std")]
pub mod snp;
#[cfg(feature = "std")]
mod verify;
#[cfg(feature = "std")]
pub use verify::{verify_platform_collateral, verify_quote};

/// Which kind of evidence `bytes` are, from their first bytes, without verifying anything: a
/// Nitro attestation document is a CBOR array of four (or tag 18 around it), an SEV-SNP
/// report is 1184 bytes starting with version 2, 3 or 5 as a 32-bit integer, a DCAP quote
/// starts with version 3, 4 or 5 as a 16-bit integer and attestation key type 2 (ECDSA
/// P-256), and names SGX (tee type 0) or TDX (0x81). The formats are disjoint at these
/// bytes, so a registration needs no separate kind: the verifier of the kind detected then
/// refuses anything that is not genuine evidence of that kind.
pub fn evidence_kind(bytes: &[u8]) -> Option<TeeKind> {
	let u16_at =
		|at: usize| bytes.get(at..at + 2).and_then(|b| b.try_into().ok()).map(u16::from_le_bytes);
	let u32_at =
		|at: usize| bytes.get(at..at + 4).and_then(|b| b.try_into().ok()).map(u32::from_le_bytes);
	match bytes.first()? {
		0x84 | 0xd2 => return Some(TeeKind::Nitro),
		_ => {}
	}
	if bytes.len() == SNP_REPORT_LEN && matches!(u32_at(0)?, 2 | 3 | 5) {
		return Some(TeeKind::SevSnp);
	}
	if matches!(u16_at(0)?, 3..=5) && u16_at(2)? == 2 {
		return match u32_at(4)? {
			0 => Some(TeeKind::Sgx),
			0x81 => Some(TeeKind::Tdx),
			_ => None,
		};
	}
	None
}

/// Length of an SEV-SNP attestation report.
pub const SNP_REPORT_LEN: usize = 0x4A0;

/// A verified attestation and which of the trusted roots it verified under (its index in
/// the list the verification was given).
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode, DecodeWithMemTracking, TypeInfo)]
pub struct Attested {
	/// What verified.
	pub attestation: VerifiedAttestation,
	/// Index of the root in the trusted roots given.
	pub root_index: u32,
}

/// A rejection carrying `reason`, cut to [`MAX_REASON_LEN`] bytes.
#[cfg(feature = "std")]
pub(crate) fn rejected(reason: &str) -> AttestationError {
	let mut reason = reason.as_bytes().to_vec();
	reason.truncate(MAX_REASON_LEN);
	AttestationError::Rejected(reason)
}

/// Verifies an SEV-SNP attestation report; see [`snp::verify`].
#[cfg(feature = "std")]
pub fn verify_snp_report(
	report: &[u8],
	collateral: &[u8],
	trusted_roots: &[Vec<u8>],
	now_secs: u64,
) -> Result<VerifiedAttestation, AttestationError> {
	snp::verify(report, collateral, trusted_roots, now_secs)
}

/// Verifies a Nitro attestation document; see [`nitro::verify`].
#[cfg(feature = "std")]
pub fn verify_nitro_document(
	document: &[u8],
	trusted_roots: &[Vec<u8>],
	expected_nonce: Option<&[u8]>,
	now_secs: u64,
) -> Result<VerifiedAttestation, AttestationError> {
	nitro::verify(document, trusted_roots, expected_nonce, now_secs).map(|(v, _)| v)
}

/// Verifies evidence of any kind as the chain does: a DCAP quote with its collateral JSON
/// under the one root its PCK chain ends in, an SEV-SNP report with its VCEK chain, a Nitro
/// document with the chain it carries; each under `trusted_roots` at `now_secs`.
#[cfg(feature = "std")]
pub fn verify_evidence(
	kind: TeeKind,
	evidence: &[u8],
	collateral: &[u8],
	trusted_roots: &[Vec<u8>],
	now_secs: u64,
) -> Result<VerifiedAttestation, AttestationError> {
	match kind {
		TeeKind::Sgx | TeeKind::Tdx => {
			let end = chain_root(evidence).unwrap_or_default();
			let root = trusted_roots
				.iter()
				.find(|r| **r == end)
				.ok_or_else(|| rejected("the quote's PCK chain does not end in a trusted root"))?;
			let verified = verify_quote(evidence, collateral, root, now_secs)?;
			if verified.tee != kind {
				return Err(rejected("the quote is of another TEE kind"));
			}
			Ok(verified.into())
		}
		TeeKind::SevSnp => verify_snp_report(evidence, collateral, trusted_roots, now_secs),
		TeeKind::Nitro => verify_nitro_document(evidence, trusted_roots, None, now_secs),
	}
}

/// A platform's collateral documents as a PCCS serves them: TCB info, its signature, QE
/// identity, its signature, the signer's PEM chain, the root CA's CRL (DER).
pub type CollateralDocuments = (Vec<u8>, Vec<u8>, Vec<u8>, Vec<u8>, Vec<u8>, Vec<u8>);

/// The DER of the last PEM `CERTIFICATE` block in `bytes`: where a DCAP PCK chain (inside a
/// quote) or a PCCS issuer chain ends, at its root CA. `None` if there is none or a block does
/// not decode. Reads untrusted bytes in time linear in their length, and only picks which trusted
/// root a verification then runs under: a quote or document naming a root the chain does not
/// end in fails that verification like any other.
pub fn chain_root(bytes: &[u8]) -> Option<Vec<u8>> {
	let chain = pem::parse_many(bytes).ok()?;
	chain.into_iter().rev().find(|p| p.tag() == "CERTIFICATE").map(pem::Pem::into_contents)
}

/// Intel's SGX Root CA certificate (DER), the root of every genuine SGX and TDX quote.
/// SHA-256 fingerprint `44a0196b2b99f889b8e149e95b807a350e7424964399e885a7cbb8ccfab674d3`.
pub const INTEL_SGX_ROOT_CA_DER: &[u8] = include_bytes!("roots/intel_sgx_root_ca.der");

/// AMD's root keys (ARK) of the SEV-SNP product lines, self-signed RSA-4096 certificates that
/// AMD's Key Distribution Service serves at `https://kdsintf.amd.com/vcek/v1/{product}/cert_chain`.
pub mod amd {
	/// ARK-Milan (EPYC 7003). SHA-256 `69d063b45344d26a2e94e1f4210de49ef555308287d4c174445c95639a540bcd`.
	pub const ARK_MILAN_DER: &[u8] = include_bytes!("roots/amd_milan_ark.der");
	/// ARK-Genoa (EPYC 9004). SHA-256 `4c6598d19c18719c5dfd4a7d335f674e5bfe1d8f800cea2cf270c10d103db2f1`.
	pub const ARK_GENOA_DER: &[u8] = include_bytes!("roots/amd_genoa_ark.der");
	/// ARK-Turin (EPYC 9005). SHA-256 `1f084161a44bb6d93778a904877d4819cafa5d05ef4193b2ded9dd9c73dd3f6a`.
	pub const ARK_TURIN_DER: &[u8] = include_bytes!("roots/amd_turin_ark.der");
	/// The ARKs of every product line.
	pub const ARKS: [&[u8]; 3] = [ARK_MILAN_DER, ARK_GENOA_DER, ARK_TURIN_DER];
	/// AMD's intermediate CAs under the ARKs: the ASK of each product (issuer of VCEKs) and its
	/// ASVK (issuer of cloud providers' VLEKs). Long-lived and fixed per product, so a report's
	/// collateral needs only its VCEK or VLEK; they are not trusted by themselves, only as
	/// candidates on the path to a trusted ARK.
	pub const INTERMEDIATES: [&[u8]; 6] = [
		include_bytes!("roots/amd_milan_ask.der"),
		include_bytes!("roots/amd_genoa_ask.der"),
		include_bytes!("roots/amd_turin_ask.der"),
		include_bytes!("roots/amd_milan_asvk.der"),
		include_bytes!("roots/amd_genoa_asvk.der"),
		include_bytes!("roots/amd_turin_asvk.der"),
	];
}

/// Every TEE kind, in `TeeKind`'s order.
pub const TEE_KINDS: [TeeKind; 4] = [TeeKind::Sgx, TeeKind::Tdx, TeeKind::SevSnp, TeeKind::Nitro];

/// The vendors' roots for `kind`'s evidence, what production chains trust: Intel's SGX root
/// CA (SGX and TDX quotes), AMD's three ARKs (SEV-SNP), the AWS Nitro root.
pub fn vendor_roots(kind: TeeKind) -> Vec<&'static [u8]> {
	match kind {
		TeeKind::Sgx | TeeKind::Tdx => alloc::vec![INTEL_SGX_ROOT_CA_DER],
		TeeKind::SevSnp => amd::ARKS.to_vec(),
		TeeKind::Nitro => alloc::vec![AWS_NITRO_ROOT_G1_DER],
	}
}

/// The AWS Nitro Enclaves root certificate (`AWS_NitroEnclaves_Root-G1`, ECDSA P-384, valid
/// 2019–2049), the first certificate of every genuine attestation document's CA bundle.
/// SHA-256 `641a0321a3e244efe456463195d606317ed7cdcc3c1756e09893f3c68f79bb5b`.
pub const AWS_NITRO_ROOT_G1_DER: &[u8] = include_bytes!("roots/aws_nitro_root_g1.der");

/// The simulated TEE every dev chain and dev worker share: its seed, its root CA and the
/// measurement of the dev worker enclave, so a dev chain's genesis can trust it without
/// building the simulator. `sim::SimTee::dev()` and `sim::SgxEnclave::dev_worker()` produce
/// exactly these (a test holds them equal). Never trusted outside dev presets.
pub mod dev {
	use crate::Measurement;

	/// Seed of the dev simulated TEE. Public: anyone can issue quotes under the dev root.
	pub const SIM_SEED: [u8; 32] = *b"QuantumAegis simulated dev TEE!!";
	/// The dev root CA certificate (DER) of the TEE of [`SIM_SEED`].
	pub const SIM_ROOT_CA_DER: &[u8] = include_bytes!("roots/dev_sim_root_ca.der");
	/// FMSPC of the dev TEE's (default) platform.
	pub const SIM_FMSPC: [u8; 6] = [0x00, 0xae, 0x91, 0x5e, 0x00, 0x00];
	/// MRENCLAVE of the dev worker enclave.
	pub const WORKER_MR_ENCLAVE: [u8; 32] = *b"aegis-worker dev enclave v1\0\0\0\0\0";
	/// MRSIGNER of the dev worker enclave.
	pub const WORKER_MR_SIGNER: [u8; 32] = *b"QuantumAegis dev signing key\0\0\0\0";
	/// ISV product id of the dev worker enclave.
	pub const WORKER_ISV_PROD_ID: u16 = 1;
	/// ISV security version of the dev worker enclave.
	pub const WORKER_ISV_SVN: u16 = 1;

	/// The dev SEV-SNP ARK (DER) of the simulated AMD PKI (`sim::snp::SimSnp::dev()`).
	pub const SNP_ARK_DER: &[u8] = include_bytes!("roots/dev_sim_snp_ark.der");
	/// The dev Nitro root (DER) of the simulated NSM (`sim::nitro::SimNitro::dev()`).
	pub const NITRO_ROOT_DER: &[u8] = include_bytes!("roots/dev_sim_nitro_root.der");
	/// Launch measurement of the dev worker confidential VM (SEV-SNP).
	pub const WORKER_SNP_MEASUREMENT: [u8; 48] =
		*b"aegis-worker dev SEV-SNP guest v1\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0";
	/// PCR0 of the dev worker enclave image (Nitro); PCR1, PCR2 and PCR8 follow.
	pub const WORKER_NITRO_PCRS: [[u8; 48]; 4] = [
		*b"aegis-worker dev Nitro image v1 PCR0\0\0\0\0\0\0\0\0\0\0\0\0",
		*b"aegis-worker dev Nitro image v1 PCR1\0\0\0\0\0\0\0\0\0\0\0\0",
		*b"aegis-worker dev Nitro image v1 PCR2\0\0\0\0\0\0\0\0\0\0\0\0",
		[0; 48],
	];

	/// The simulators' dev root for `kind`'s evidence, what dev chains trust.
	pub fn root(kind: crate::TeeKind) -> &'static [u8] {
		match kind {
			crate::TeeKind::Sgx | crate::TeeKind::Tdx => SIM_ROOT_CA_DER,
			crate::TeeKind::SevSnp => SNP_ARK_DER,
			crate::TeeKind::Nitro => NITRO_ROOT_DER,
		}
	}

	/// The dev worker's measurement of every kind it runs on: the SGX enclave, the SEV-SNP
	/// VM and the Nitro image.
	pub fn worker_measurements() -> [Measurement; 3] {
		[worker_measurement(), worker_snp_measurement(), worker_nitro_measurement()]
	}

	/// The SEV-SNP measurement a dev chain allows: the dev worker VM's.
	pub fn worker_snp_measurement() -> Measurement {
		Measurement::SevSnp { measurement: WORKER_SNP_MEASUREMENT }
	}

	/// The Nitro measurement a dev chain allows: the dev worker enclave image's.
	pub fn worker_nitro_measurement() -> Measurement {
		let [pcr0, pcr1, pcr2, pcr8] = WORKER_NITRO_PCRS;
		Measurement::Nitro { pcr0, pcr1, pcr2, pcr8 }
	}

	/// The measurement a dev chain allows: the dev worker enclave's.
	pub fn worker_measurement() -> Measurement {
		Measurement::Sgx {
			mr_enclave: WORKER_MR_ENCLAVE,
			mr_signer: WORKER_MR_SIGNER,
			isv_prod_id: WORKER_ISV_PROD_ID,
			isv_svn: WORKER_ISV_SVN,
		}
	}
}

/// Largest quote accepted (genuine quotes with their certification data are under 10 KiB).
pub const MAX_QUOTE_LEN: usize = 64 * 1024;
/// Largest collateral accepted (genuine collateral is under 32 KiB).
pub const MAX_COLLATERAL_LEN: usize = 256 * 1024;
/// Longest rejection reason carried in [`AttestationError::Rejected`].
pub const MAX_REASON_LEN: usize = 256;

/// Which kind of TEE produced a quote.
#[derive(
	Clone,
	Copy,
	Debug,
	PartialEq,
	Eq,
	Hash,
	Encode,
	Decode,
	DecodeWithMemTracking,
	MaxEncodedLen,
	TypeInfo,
)]
pub enum TeeKind {
	/// Intel SGX enclave (DCAP quote v3).
	#[codec(index = 0)]
	Sgx,
	/// Intel TDX trust domain (DCAP quote v4/v5).
	#[codec(index = 1)]
	Tdx,
	/// AMD SEV-SNP confidential VM (attestation report v2, v3 or v5 under AMD's ARK).
	#[codec(index = 2)]
	SevSnp,
	/// AWS Nitro Enclave (COSE_Sign1 attestation document under the AWS Nitro root).
	#[codec(index = 3)]
	Nitro,
}

/// The platform's TCB status as Intel's collateral rates it, best first.
#[derive(
	Clone,
	Copy,
	Debug,
	PartialEq,
	Eq,
	Hash,
	Encode,
	Decode,
	DecodeWithMemTracking,
	MaxEncodedLen,
	TypeInfo,
)]
pub enum TcbStatus {
	/// Fully patched.
	#[codec(index = 0)]
	UpToDate,
	/// Patched; software mitigations for some advisories are the enclave's job.
	#[codec(index = 1)]
	SwHardeningNeeded,
	/// Patched; the platform configuration needs changes for some advisories.
	#[codec(index = 2)]
	ConfigurationNeeded,
	/// Both of the above.
	#[codec(index = 3)]
	ConfigurationAndSwHardeningNeeded,
	/// TDX 1.5: the TD should be relaunched to pick up a newer TDX module.
	#[codec(index = 4)]
	TdRelaunchAdvised,
	/// TDX 1.5: relaunch advised and configuration needed.
	#[codec(index = 5)]
	TdRelaunchAdvisedConfigurationNeeded,
	/// Missing security patches.
	#[codec(index = 6)]
	OutOfDate,
	/// Missing patches and configuration changes.
	#[codec(index = 7)]
	OutOfDateConfigurationNeeded,
	/// Revoked by Intel (`dcap-qvl` refuses these quotes outright).
	#[codec(index = 8)]
	Revoked,
}

impl TcbStatus {
	/// Position from best (0) to worst; a chain's TCB floor admits statuses up to a rank.
	pub const fn rank(self) -> u8 {
		self as u8
	}

	/// Whether this status is as good as `floor` or better.
	pub const fn meets(self, floor: TcbStatus) -> bool {
		self.rank() <= floor.rank()
	}

	/// The name Intel's TCB info JSON uses for this status.
	pub const fn intel_name(self) -> &'static str {
		match self {
			Self::UpToDate => "UpToDate",
			Self::SwHardeningNeeded => "SWHardeningNeeded",
			Self::ConfigurationNeeded => "ConfigurationNeeded",
			Self::ConfigurationAndSwHardeningNeeded => "ConfigurationAndSWHardeningNeeded",
			Self::TdRelaunchAdvised => "TDRelaunchAdvised",
			Self::TdRelaunchAdvisedConfigurationNeeded => "TDRelaunchAdvisedConfigurationNeeded",
			Self::OutOfDate => "OutOfDate",
			Self::OutOfDateConfigurationNeeded => "OutOfDateConfigurationNeeded",
			Self::Revoked => "Revoked",
		}
	}

	/// The status named as in Intel's TCB info JSON.
	pub fn from_intel_name(name: &str) -> Option<Self> {
		Some(match name {
			"UpToDate" => Self::UpToDate,
			"SWHardeningNeeded" => Self::SwHardeningNeeded,
			"ConfigurationNeeded" => Self::ConfigurationNeeded,
			"ConfigurationAndSWHardeningNeeded" => Self::ConfigurationAndSwHardeningNeeded,
			"TDRelaunchAdvised" => Self::TdRelaunchAdvised,
			"TDRelaunchAdvisedConfigurationNeeded" => Self::TdRelaunchAdvisedConfigurationNeeded,
			"OutOfDate" => Self::OutOfDate,
			"OutOfDateConfigurationNeeded" => Self::OutOfDateConfigurationNeeded,
			"Revoked" => Self::Revoked,
			_ => return None,
		})
	}
}

/// What the quote says was measured into the enclave or trust domain.
#[derive(
	Clone,
	Debug,
	PartialEq,
	Eq,
	Hash,
	Encode,
	Decode,
	DecodeWithMemTracking,
	MaxEncodedLen,
	TypeInfo,
)]
pub enum Measurement {
	/// An SGX enclave's identity.
	#[codec(index = 0)]
	Sgx {
		/// MRENCLAVE: hash of the enclave's initial contents.
		mr_enclave: [u8; 32],
		/// MRSIGNER: hash of the enclave signer's key.
		mr_signer: [u8; 32],
		/// Product id assigned by the signer.
		isv_prod_id: u16,
		/// Security version assigned by the signer.
		isv_svn: u16,
	},
	/// A TDX trust domain's identity.
	#[codec(index = 1)]
	Tdx {
		/// MRTD: hash of the TD's initial contents (firmware).
		mr_td: [u8; 48],
		/// RTMR0..3: runtime measurement registers (boot chain, kernel, application).
		rtmr: [[u8; 48]; 4],
	},
	/// An SEV-SNP guest's launch measurement: SHA-384 over the initial guest memory (firmware
	/// and, with measured direct boot, the kernel, initrd and command line hashes).
	#[codec(index = 2)]
	SevSnp {
		/// `MEASUREMENT` of the attestation report.
		measurement: [u8; 48],
	},
	/// A Nitro enclave's image measurements (SHA-384 PCRs).
	#[codec(index = 3)]
	Nitro {
		/// PCR0: the enclave image file.
		pcr0: [u8; 48],
		/// PCR1: the Linux kernel and boot ramfs.
		pcr1: [u8; 48],
		/// PCR2: the user application.
		pcr2: [u8; 48],
		/// PCR8: the certificate the image file was signed with (zero when unsigned).
		pcr8: [u8; 48],
	},
}

impl Measurement {
	/// The TEE kind that reports measurements of this shape.
	pub const fn tee(&self) -> TeeKind {
		match self {
			Self::Sgx { .. } => TeeKind::Sgx,
			Self::Tdx { .. } => TeeKind::Tdx,
			Self::SevSnp { .. } => TeeKind::SevSnp,
			Self::Nitro { .. } => TeeKind::Nitro,
		}
	}
}

/// The AMD EPYC generation an SEV-SNP report comes from. It fixes the layout of the TCB
/// version and the length of the chip id, and names the ARK the VCEK chain ends in.
#[derive(
	Clone,
	Copy,
	Debug,
	PartialEq,
	Eq,
	Hash,
	Encode,
	Decode,
	DecodeWithMemTracking,
	MaxEncodedLen,
	TypeInfo,
)]
pub enum SnpProduct {
	/// EPYC 7003 (Zen 3).
	#[codec(index = 0)]
	Milan,
	/// EPYC 9004 (Zen 4).
	#[codec(index = 1)]
	Genoa,
	/// EPYC 9005 (Zen 5): TCB version gains an FMC field; the chip id is 8 bytes.
	#[codec(index = 2)]
	Turin,
}

impl SnpProduct {
	/// The name AMD's KDS and certificates use (`Milan`, `Genoa`, `Turin`).
	pub const fn name(self) -> &'static str {
		match self {
			Self::Milan => "Milan",
			Self::Genoa => "Genoa",
			Self::Turin => "Turin",
		}
	}

	/// The product a VCEK's `productName` extension (`Milan-B0`, `Genoa`…) or an ARK's common
	/// name (`ARK-Turin`) names.
	pub fn from_name(name: &str) -> Option<Self> {
		let name = name.strip_prefix("ARK-").or_else(|| name.strip_prefix("ASK-")).unwrap_or(name);
		let family = name.split('-').next().unwrap_or(name);
		[Self::Milan, Self::Genoa, Self::Turin].into_iter().find(|p| p.name() == family)
	}
}

/// The security versions of an SEV-SNP platform's firmware components (a `TCB_VERSION`).
/// Ordered component by component: a TCB meets a floor when every component does.
#[derive(
	Clone,
	Copy,
	Debug,
	Default,
	PartialEq,
	Eq,
	Hash,
	Encode,
	Decode,
	DecodeWithMemTracking,
	MaxEncodedLen,
	TypeInfo,
)]
pub struct SnpTcb {
	/// Firmware loader (Turin only; 0 before).
	pub fmc: u8,
	/// PSP boot loader.
	pub boot_loader: u8,
	/// PSP operating system (TEE).
	pub tee: u8,
	/// SNP firmware.
	pub snp: u8,
	/// CPU microcode.
	pub microcode: u8,
}

impl SnpTcb {
	/// Whether every component is at least `floor`'s.
	pub fn meets(&self, floor: &SnpTcb) -> bool {
		self.fmc >= floor.fmc
			&& self.boot_loader >= floor.boot_loader
			&& self.tee >= floor.tee
			&& self.snp >= floor.snp
			&& self.microcode >= floor.microcode
	}

	/// Decodes a `TCB_VERSION` as `product` lays it out.
	pub fn from_u64(product: SnpProduct, raw: u64) -> Self {
		let b = raw.to_le_bytes();
		match product {
			SnpProduct::Turin => {
				Self { fmc: b[0], boot_loader: b[1], tee: b[2], snp: b[3], microcode: b[7] }
			}
			SnpProduct::Milan | SnpProduct::Genoa => {
				Self { fmc: 0, boot_loader: b[0], tee: b[1], snp: b[6], microcode: b[7] }
			}
		}
	}

	/// Encodes as `product` lays a `TCB_VERSION` out.
	pub fn to_u64(&self, product: SnpProduct) -> u64 {
		let mut b = [0u8; 8];
		match product {
			SnpProduct::Turin => {
				b[0] = self.fmc;
				b[1] = self.boot_loader;
				b[2] = self.tee;
				b[3] = self.snp;
			}
			SnpProduct::Milan | SnpProduct::Genoa => {
				b[0] = self.boot_loader;
				b[1] = self.tee;
				b[6] = self.snp;
			}
		}
		b[7] = self.microcode;
		u64::from_le_bytes(b)
	}
}

/// Which AMD key signed an SEV-SNP report.
#[derive(
	Clone,
	Copy,
	Debug,
	PartialEq,
	Eq,
	Hash,
	Encode,
	Decode,
	DecodeWithMemTracking,
	MaxEncodedLen,
	TypeInfo,
)]
pub enum SnpSigner {
	/// The chip's Versioned Chip Endorsement Key (issued by the ASK).
	#[codec(index = 0)]
	Vcek,
	/// A cloud provider's Versioned Loaded Endorsement Key (issued by the ASVK).
	#[codec(index = 1)]
	Vlek,
}

/// SEV-SNP guest policy bits (`POLICY` of the report).
pub mod snp_policy {
	/// Simultaneous multithreading may be enabled on the host.
	pub const SMT: u64 = 1 << 16;
	/// Reserved; always set.
	pub const RESERVED_1: u64 = 1 << 17;
	/// A migration agent may be associated with the guest.
	pub const MIGRATE_MA: u64 = 1 << 18;
	/// The host may debug the guest (its memory is then readable).
	pub const DEBUG: u64 = 1 << 19;
	/// The guest may be activated on one socket only.
	pub const SINGLE_SOCKET: u64 = 1 << 20;
}

/// What a verified attestation says about the platform's patch level, per TEE family.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode, DecodeWithMemTracking, TypeInfo)]
pub enum TcbFacts {
	/// Intel DCAP: the collateral's rating of the platform.
	#[codec(index = 0)]
	Intel {
		/// The platform's TCB status (the worse of platform and quoting enclave).
		status: TcbStatus,
		/// Intel security advisories that apply (`INTEL-SA-…`), as ASCII.
		advisory_ids: Vec<Vec<u8>>,
		/// The platform's FMSPC.
		fmspc: [u8; 6],
		/// Intel's TCB evaluation data number of the TCB info used.
		tcb_evaluation_data_number: u32,
	},
	/// AMD SEV-SNP: the report's reported TCB (which the VCEK certifies) and guest policy.
	#[codec(index = 1)]
	SevSnp {
		/// EPYC generation (from the VCEK's `productName`).
		product: SnpProduct,
		/// Report format version (2, 3 or 5).
		report_version: u32,
		/// `REPORTED_TCB`: the TCB the VCEK was derived for.
		reported_tcb: SnpTcb,
		/// Guest policy (see [`snp_policy`]).
		policy: u64,
		/// The VM privilege level that asked for the report (0 is the most privileged).
		vmpl: u32,
		/// VCEK or VLEK.
		signer: SnpSigner,
	},
	/// AWS Nitro: the document's issuing module and time (Nitro has no TCB versions; the
	/// hypervisor's certificate chain is short-lived instead).
	#[codec(index = 2)]
	Nitro {
		/// The Nitro Secure Module that issued the document (`i-…-enc…`), as ASCII.
		module_id: Vec<u8>,
		/// When the document was issued, in Unix milliseconds.
		timestamp_ms: u64,
	},
}

/// An attestation of any kind that verified under a trusted root, with everything a policy
/// needs: the same facts whichever TEE produced it.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode, DecodeWithMemTracking, TypeInfo)]
pub struct VerifiedAttestation {
	/// Which TEE.
	pub tee: TeeKind,
	/// The measured identity.
	pub measurement: Measurement,
	/// The 64 bytes the enclave bound into the evidence (Nitro: `user_data`, else
	/// `public_key`, when 64 bytes long; zeros otherwise).
	pub report_data: [u8; 64],
	/// Whether the enclave or VM runs in debug mode (its memory is then readable by the host).
	pub debug: bool,
	/// The platform's patch level.
	pub tcb: TcbFacts,
	/// Unix seconds after which the evidence no longer verifies (the earliest expiry of a
	/// certificate, CRL or collateral document it relied on).
	pub valid_until: u64,
}

impl From<VerifiedQuote> for VerifiedAttestation {
	fn from(q: VerifiedQuote) -> Self {
		Self {
			tee: q.tee,
			measurement: q.measurement,
			report_data: q.report_data,
			debug: q.debug,
			tcb: TcbFacts::Intel {
				status: q.tcb_status,
				advisory_ids: q.advisory_ids,
				fmspc: q.fmspc,
				tcb_evaluation_data_number: q.tcb_evaluation_data_number,
			},
			valid_until: q.collateral_expires_at,
		}
	}
}

/// A quote that verified under the trusted root, with everything a policy needs.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode, DecodeWithMemTracking, TypeInfo)]
pub struct VerifiedQuote {
	/// SGX or TDX.
	pub tee: TeeKind,
	/// The platform's TCB status (the worse of platform and quoting enclave).
	pub tcb_status: TcbStatus,
	/// Intel security advisories that apply (`INTEL-SA-…`), as ASCII.
	pub advisory_ids: Vec<Vec<u8>>,
	/// The measured identity.
	pub measurement: Measurement,
	/// The 64 bytes the enclave chose to bind into the quote.
	pub report_data: [u8; 64],
	/// Whether the enclave or TD runs in debug mode (its memory is then readable by the host).
	pub debug: bool,
	/// The platform's FMSPC, from its PCK certificate: names the TCB info that rated it.
	pub fmspc: [u8; 6],
	/// Intel's TCB evaluation data number of the TCB info used: grows with every TCB
	/// recovery, so a chain can refuse collateral older than what it has seen.
	pub tcb_evaluation_data_number: u32,
	/// Unix seconds when the TCB info or QE identity used goes stale, whichever is first.
	pub collateral_expires_at: u64,
}

/// A platform's TCB info and QE identity that verified under a trusted root.
#[derive(
	Clone, Debug, PartialEq, Eq, Encode, Decode, DecodeWithMemTracking, MaxEncodedLen, TypeInfo,
)]
pub struct PlatformCollateralInfo {
	/// SGX or TDX (the TCB info's `id`).
	pub tee: TeeKind,
	/// The platform the TCB info rates.
	pub fmspc: [u8; 6],
	/// Intel's TCB evaluation data number of the TCB info.
	pub tcb_evaluation_data_number: u32,
	/// Unix seconds of the later `issueDate` of the two documents.
	pub issued_at: u64,
	/// Unix seconds of the earlier `nextUpdate` of the two documents.
	pub next_update: u64,
}

/// Why a quote did not verify.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode, DecodeWithMemTracking, TypeInfo)]
pub enum AttestationError {
	/// The quote is longer than [`MAX_QUOTE_LEN`].
	#[codec(index = 0)]
	QuoteTooLarge,
	/// The collateral is longer than [`MAX_COLLATERAL_LEN`].
	#[codec(index = 1)]
	CollateralTooLarge,
	/// The collateral is not a `QuoteCollateralV3` JSON document.
	#[codec(index = 2)]
	MalformedCollateral,
	/// `dcap-qvl` refused the quote: malformed, bad signature, untrusted chain, expired or
	/// revoked collateral, no matching TCB level… The reason is `dcap-qvl`'s message, cut to
	/// [`MAX_REASON_LEN`] bytes.
	#[codec(index = 3)]
	Rejected(Vec<u8>),
	/// The collateral (TCB info, QE identity, a CRL) or a certificate had expired at `now`.
	#[codec(index = 6)]
	Expired,
	/// The collateral or a certificate was not yet valid at `now`.
	#[codec(index = 7)]
	NotYetValid,
	/// The collateral names a TCB status this build does not know.
	#[codec(index = 4)]
	UnknownTcbStatus,
	/// The node runs without the attestation host function's implementation.
	#[codec(index = 5)]
	Unavailable,
}

/// DCAP quote verification as a host function, so the wasm runtime can call the native
/// `dcap-qvl` verifier. Deterministic: the result depends only on the arguments.
// The collateral check takes each PCCS document as its own argument.
#[allow(clippy::too_many_arguments)]
#[runtime_interface]
pub trait DcapAttestation {
	/// [`verify_quote`], SCALE-encoded back into the runtime.
	fn verify_quote(
		quote: PassFatPointerAndRead<&[u8]>,
		collateral: PassFatPointerAndRead<&[u8]>,
		trusted_root_der: PassFatPointerAndRead<&[u8]>,
		now_secs: u64,
	) -> AllocateAndReturnByCodec<Result<VerifiedQuote, AttestationError>> {
		verify::verify_quote(quote, collateral, trusted_root_der, now_secs)
	}

	/// [`verify_platform_collateral`], SCALE-encoded back into the runtime.
	fn verify_platform_collateral(
		tcb_info: PassFatPointerAndRead<&[u8]>,
		tcb_info_signature: PassFatPointerAndRead<&[u8]>,
		qe_identity: PassFatPointerAndRead<&[u8]>,
		qe_identity_signature: PassFatPointerAndRead<&[u8]>,
		issuer_chain: PassFatPointerAndRead<&[u8]>,
		root_ca_crl: PassFatPointerAndRead<&[u8]>,
		trusted_root_der: PassFatPointerAndRead<&[u8]>,
		now_secs: u64,
	) -> AllocateAndReturnByCodec<Result<PlatformCollateralInfo, AttestationError>> {
		verify::verify_platform_collateral(
			tcb_info,
			tcb_info_signature,
			qe_identity,
			qe_identity_signature,
			issuer_chain,
			root_ca_crl,
			trusted_root_der,
			now_secs,
		)
	}
}

/// SEV-SNP and Nitro verification as host functions (the X.509, RSA and CBOR code they need
/// stays native). Deterministic: the result depends only on the arguments, and `now_secs` is
/// the block's time.
#[runtime_interface]
pub trait TeeAttestation {
	/// [`verify_snp_report`] under `trusted_roots`, with the index of the root it verified
	/// under, SCALE-encoded back into the runtime.
	fn verify_snp_report(
		report: PassFatPointerAndRead<&[u8]>,
		collateral: PassFatPointerAndRead<&[u8]>,
		trusted_roots: PassFatPointerAndDecode<Vec<Vec<u8>>>,
		now_secs: u64,
	) -> AllocateAndReturnByCodec<Result<Attested, AttestationError>> {
		let (attestation, root_index) =
			snp::verify_with_root(report, collateral, &trusted_roots, now_secs)?;
		Ok(Attested { attestation, root_index: root_index as u32 })
	}

	/// [`verify_nitro_document`] under `trusted_roots`, with the index of the root it verified
	/// under, SCALE-encoded back into the runtime.
	fn verify_nitro_document(
		document: PassFatPointerAndRead<&[u8]>,
		trusted_roots: PassFatPointerAndDecode<Vec<Vec<u8>>>,
		now_secs: u64,
	) -> AllocateAndReturnByCodec<Result<Attested, AttestationError>> {
		let (attestation, doc) = nitro::verify(document, &trusted_roots, None, now_secs)?;
		let first = doc.cabundle.first();
		let root_index = trusted_roots.iter().position(|r| Some(r) == first).unwrap_or_default();
		Ok(Attested { attestation, root_index: root_index as u32 })
	}
}

/// The host functions a node must register for runtimes that use this crate.
#[cfg(feature = "std")]
pub type HostFunctions = (dcap_attestation::HostFunctions, tee_attestation::HostFunctions);
