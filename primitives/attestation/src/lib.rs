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
	pass_by::{AllocateAndReturnByCodec, PassFatPointerAndRead},
	runtime_interface,
};

#[cfg(feature = "sim")]
pub mod sim;
#[cfg(feature = "std")]
mod verify;
#[cfg(feature = "std")]
pub use verify::{verify_platform_collateral, verify_quote};

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
	/// AMD SEV-SNP (reserved: not verified yet).
	#[codec(index = 2)]
	SevSnp,
	/// AWS Nitro Enclaves (reserved: not verified yet).
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

/// The host functions a node must register for runtimes that use this crate.
#[cfg(feature = "std")]
pub type HostFunctions = (dcap_attestation::HostFunctions,);
