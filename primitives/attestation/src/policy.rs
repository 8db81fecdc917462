//! The chain's policy over verified evidence, beside the verification: what the worker
//! registry refuses of evidence that is genuine (debug, patch level, guest policy), with the
//! defaults a chain starts with. The registry and the operator's verifier
//! (`aegis attestation verify`) both run [`refusals`], so an operator sees exactly what the
//! chain would refuse. Which measurements are allowed is the chain's list, not a default.

use crate::{snp_policy, SnpProduct, SnpTcb, TcbFacts, TcbStatus, VerifiedAttestation};
use alloc::vec::Vec;
use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use scale_info::TypeInfo;

/// What genuine evidence must also satisfy, per TEE family.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Policy<'a> {
	/// Intel: the worst TCB status admitted.
	pub intel_floor: TcbStatus,
	/// Intel: advisories admitted (`INTEL-SA-…`); any other listed one refuses.
	pub intel_advisories: &'a [&'a [u8]],
	/// Intel: the oldest TCB evaluation data number admitted.
	pub intel_evaluation_floor: u32,
	/// SEV-SNP: the oldest reported TCB admitted, per product (none: any).
	pub snp_floor: &'a [(SnpProduct, SnpTcb)],
	/// SEV-SNP: guest policy bits.
	pub snp_guest: SnpGuestPolicy,
}

/// Which SEV-SNP guest policy bits a chain admits.
#[derive(
	Clone,
	Copy,
	Debug,
	PartialEq,
	Eq,
	Encode,
	Decode,
	DecodeWithMemTracking,
	MaxEncodedLen,
	TypeInfo,
)]
pub struct SnpGuestPolicy {
	/// Admit guests that allow SMT on the host (every mainstream cloud host runs SMT; the
	/// cross-thread side channels it opens are AMD's to mitigate in the TCB).
	pub allow_smt: bool,
	/// Admit guests that allow a migration agent (which can read the guest's memory while
	/// moving it): refused by default.
	pub allow_migration_agent: bool,
	/// The least privileged VM privilege level whose reports are admitted. Below an SVSM or
	/// a paravisor, less privileged code in the measured VM can ask for reports with report
	/// data of its choosing; 0 (only the most privileged) by default.
	pub max_vmpl: u32,
}

impl Default for SnpGuestPolicy {
	fn default() -> Self {
		Self { allow_smt: true, allow_migration_agent: false, max_vmpl: 0 }
	}
}

impl Default for Policy<'_> {
	/// A chain's policy before governance sets one: Intel platforms up to date with no
	/// advisory, any SEV-SNP TCB, no migration agent; debug is always refused.
	fn default() -> Self {
		Self {
			intel_floor: TcbStatus::UpToDate,
			intel_advisories: &[],
			intel_evaluation_floor: 0,
			snp_floor: &[],
			snp_guest: SnpGuestPolicy::default(),
		}
	}
}

/// One reason genuine evidence is refused, in the order the registry checks them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Refusal {
	/// The enclave or VM runs in debug mode.
	Debug,
	/// The platform's TCB is below the floor.
	TcbBelowFloor,
	/// An Intel advisory applies that the chain does not admit.
	AdvisoryNotAllowed(Vec<u8>),
	/// Intel collateral older than the chain's evaluation floor.
	CollateralOutdated,
	/// The SEV-SNP guest admits a migration agent.
	MigrationAgentNotAllowed,
	/// The SEV-SNP guest admits SMT and the chain does not.
	SmtNotAllowed,
	/// The SEV-SNP report was asked for at a less privileged VMPL than the chain admits.
	VmplNotAllowed,
}

impl Refusal {
	/// A short description for operators.
	pub fn describe(&self) -> alloc::string::String {
		use alloc::{format, string::ToString};
		match self {
			Self::Debug => "debug enclave or VM: its memory is readable by the host".to_string(),
			Self::TcbBelowFloor => "TCB below the chain's floor".to_string(),
			Self::AdvisoryNotAllowed(id) => {
				format!("advisory {} is not admitted", alloc::string::String::from_utf8_lossy(id))
			}
			Self::CollateralOutdated => {
				"collateral older than the TCB evaluation floor".to_string()
			}
			Self::MigrationAgentNotAllowed => "guest policy allows a migration agent".to_string(),
			Self::SmtNotAllowed => "guest policy allows SMT".to_string(),
			Self::VmplNotAllowed => {
				"report requested at a VMPL the policy does not admit".to_string()
			}
		}
	}
}

/// What the SEV-SNP part of a policy (`floors` per generation, `guest` bits) refuses of a
/// guest on `product` at `tcb` with guest policy `bits`, reporting from `vmpl`: the checks of
/// [`refusals`], and of the registry when governance changes the policy under enrolled workers.
pub fn snp_refusals(
	product: SnpProduct,
	tcb: &SnpTcb,
	bits: u64,
	vmpl: u32,
	floors: &[(SnpProduct, SnpTcb)],
	guest: SnpGuestPolicy,
) -> Vec<Refusal> {
	let mut out = Vec::new();
	if floors.iter().any(|(p, floor)| *p == product && !tcb.meets(floor)) {
		out.push(Refusal::TcbBelowFloor);
	}
	if bits & snp_policy::MIGRATE_MA != 0 && !guest.allow_migration_agent {
		out.push(Refusal::MigrationAgentNotAllowed);
	}
	if bits & snp_policy::SMT != 0 && !guest.allow_smt {
		out.push(Refusal::SmtNotAllowed);
	}
	if vmpl > guest.max_vmpl {
		out.push(Refusal::VmplNotAllowed);
	}
	out
}

/// Everything `policy` refuses of `verified`, in the registry's order (empty: admitted,
/// measurement aside).
pub fn refusals(verified: &VerifiedAttestation, policy: &Policy<'_>) -> Vec<Refusal> {
	let mut out = Vec::new();
	if verified.debug {
		out.push(Refusal::Debug);
	}
	match &verified.tcb {
		TcbFacts::Intel { status, advisory_ids, tcb_evaluation_data_number, .. } => {
			if !status.meets(policy.intel_floor) {
				out.push(Refusal::TcbBelowFloor);
			}
			for id in advisory_ids {
				if !policy.intel_advisories.contains(&id.as_slice()) {
					out.push(Refusal::AdvisoryNotAllowed(id.clone()));
				}
			}
			if *tcb_evaluation_data_number < policy.intel_evaluation_floor {
				out.push(Refusal::CollateralOutdated);
			}
		}
		TcbFacts::SevSnp { product, reported_tcb, policy: guest, vmpl, .. } => out.extend(
			snp_refusals(*product, reported_tcb, *guest, *vmpl, policy.snp_floor, policy.snp_guest),
		),
		// Nitro has no patch levels to compare; its chain is short-lived instead.
		TcbFacts::Nitro { .. } => {}
	}
	out
}
