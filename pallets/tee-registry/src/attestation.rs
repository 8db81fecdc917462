//! Enrolment's verification: evidence of any kind (an Intel DCAP quote, an SEV-SNP report, a
//! Nitro attestation document) verified by its host function under the roots the chain
//! trusts for that kind, then the chain's policy (`aegis_attestation::policy`, with the
//! settings governance made) and the binding to the worker's account, keys and nonce.

use crate::WeightInfo;
use crate::{
	Config, Error, LastNonce, Measurements, Pallet, Platforms, SnpGuest, SnpTcbFloors, Tcb,
	TcbEvaluationFloor, TrustedRoots, WorkerTcb,
};
use aegis_attestation::{
	dcap_attestation,
	policy::{self, Policy, Refusal, SnpGuestPolicy},
	tee_attestation, AttestationError, SnpProduct, SnpTcb, TcbStatus, TeeKind, VerifiedAttestation,
};
use aegis_primitives::binding::{keys_hash, report_data, EnclaveKeys};
use alloc::vec::Vec;
use frame_support::{
	ensure,
	pallet_prelude::{DispatchError, Weight},
};

/// A verification failure as the registry reports it: the time-window ones (which fresh
/// collateral cures) and a missing host function by their names, the rest as a rejection.
fn attestation_error<T: Config>(e: AttestationError) -> Error<T> {
	match e {
		AttestationError::Expired => Error::<T>::CollateralExpired,
		AttestationError::NotYetValid => Error::<T>::CollateralNotYetValid,
		AttestationError::Unavailable => Error::<T>::AttestationUnavailable,
		_ => Error::<T>::QuoteRejected,
	}
}

impl<T: Config> Pallet<T> {
	/// The weight of verifying `evidence` (`q` bytes) with `collateral` (`c` bytes) in a
	/// registration: each kind's benchmark, with the per-byte cost of the lengths the DCAP
	/// benchmark measured (reading the submitted bytes costs the same whatever they hold).
	pub(crate) fn registration_weight(evidence: &[u8], q: u32, c: u32) -> Weight {
		let dcap = T::WeightInfo::register_worker(q, c);
		let bytes = dcap.saturating_sub(T::WeightInfo::register_worker(0, 0));
		match aegis_attestation::evidence_kind(evidence) {
			Some(TeeKind::SevSnp) => T::WeightInfo::register_worker_snp().saturating_add(bytes),
			Some(TeeKind::Nitro) => T::WeightInfo::register_worker_nitro().saturating_add(bytes),
			_ => dcap,
		}
	}

	/// The weight of a re-attestation: what `reattest` measured beyond `register_worker`,
	/// plus the registration weight of the evidence's kind.
	pub(crate) fn reattest_weight(evidence: &[u8], q: u32, c: u32) -> Weight {
		let extra =
			T::WeightInfo::reattest(q, c).saturating_sub(T::WeightInfo::register_worker(q, c));
		Self::registration_weight(evidence, q, c)
			.saturating_add(extra)
			.max(T::WeightInfo::reattest(q, c))
	}

	/// Verifies `evidence` (its kind read from its first bytes) with `collateral` and applies
	/// the chain's policy; returns what it verified and the hash of the root it verified
	/// under. Changes no storage.
	pub(crate) fn attest(
		who: &T::AccountId,
		evidence: &[u8],
		collateral: &[u8],
		keys: &EnclaveKeys,
		nonce: u64,
	) -> Result<(VerifiedAttestation, [u8; 32]), DispatchError> {
		ensure!(LastNonce::<T>::get(who).is_none_or(|last| nonce > last), Error::<T>::NonceUsed);
		let kind = aegis_attestation::evidence_kind(evidence).ok_or(Error::<T>::UnknownEvidence)?;
		let roots = TrustedRoots::<T>::get(kind);
		ensure!(!roots.is_empty(), Error::<T>::NoTrustedRoot);
		let now_secs = Self::now_secs();
		let (verified, root): (VerifiedAttestation, Vec<u8>) = match kind {
			TeeKind::Sgx | TeeKind::Tdx => {
				// Verified under the one trusted root the quote's PCK chain ends in (Intel's
				// chains carry their root): one verification, whatever the number of roots.
				let root =
					Self::trusted_root_of(&roots, evidence).ok_or(Error::<T>::QuoteRejected)?;
				let quote = dcap_attestation::verify_quote(evidence, collateral, root, now_secs)
					.map_err(attestation_error::<T>)?;
				(quote.into(), root.to_vec())
			}
			TeeKind::SevSnp | TeeKind::Nitro => {
				let list: Vec<Vec<u8>> = roots.iter().map(|r| r.to_vec()).collect();
				let attested = if kind == TeeKind::SevSnp {
					tee_attestation::verify_snp_report(evidence, collateral, list.clone(), now_secs)
				} else {
					tee_attestation::verify_nitro_document(evidence, list.clone(), now_secs)
				}
				.map_err(attestation_error::<T>)?;
				let root = list
					.get(attested.root_index as usize)
					.cloned()
					.ok_or(Error::<T>::QuoteRejected)?;
				(attested.attestation, root)
			}
		};
		// The header named the kind; the verifier of that kind must agree.
		ensure!(verified.tee == kind, Error::<T>::QuoteRejected);
		let root_hash = sp_io::hashing::blake2_256(&root);

		let advisories = Tcb::<T>::get().map(|p| p.allowed_advisories).unwrap_or_default();
		let advisory_ids: Vec<&[u8]> = advisories.iter().map(|a| a.as_slice()).collect();
		let floors: Vec<(SnpProduct, SnpTcb)> = SnpTcbFloors::<T>::iter().collect();
		let policy = Policy {
			intel_floor: Tcb::<T>::get().map_or(TcbStatus::UpToDate, |p| p.min_status),
			intel_advisories: &advisory_ids,
			intel_evaluation_floor: TcbEvaluationFloor::<T>::get(),
			snp_floor: &floors,
			snp_guest: SnpGuest::<T>::get(),
		};
		let refusals = policy::refusals(&verified, &policy);
		ensure!(!refusals.contains(&Refusal::Debug), Error::<T>::DebugEnclave);
		let enacted_at = Measurements::<T>::get(&verified.measurement)
			.ok_or(Error::<T>::MeasurementNotAllowed)?;
		ensure!(
			enacted_at <= frame_system::Pallet::<T>::block_number(),
			Error::<T>::MeasurementNotYetEnacted
		);
		if let Some(refusal) = refusals.first() {
			return Err(match refusal {
				Refusal::Debug => Error::<T>::DebugEnclave,
				Refusal::TcbBelowFloor => Error::<T>::TcbBelowFloor,
				Refusal::AdvisoryNotAllowed(_) => Error::<T>::AdvisoryNotAllowed,
				Refusal::CollateralOutdated => Error::<T>::CollateralOutdated,
				Refusal::MigrationAgentNotAllowed
				| Refusal::SmtNotAllowed
				| Refusal::VmplNotAllowed => Error::<T>::GuestPolicyRefused,
			}
			.into());
		}
		if let WorkerTcb::Intel { fmspc, .. } = WorkerTcb::from_facts(&verified.tcb) {
			if let Some(Some(known)) = Platforms::<T>::get((kind, fmspc)) {
				ensure!(known.next_update > now_secs, Error::<T>::PlatformCollateralStale);
			}
		}
		let expected =
			report_data(&Self::genesis_hash(), &Self::account_bytes(who), &keys_hash(keys), nonce);
		ensure!(verified.report_data == expected, Error::<T>::BindingMismatch);
		Ok((verified, root_hash))
	}

	/// Whether the SEV-SNP policy (`floors`, `guest`) refuses a worker whose last attestation
	/// showed `tcb`; other kinds are not SEV-SNP's to refuse.
	pub(crate) fn snp_refuses(
		tcb: &WorkerTcb,
		floors: &[(SnpProduct, SnpTcb)],
		guest: SnpGuestPolicy,
	) -> bool {
		let WorkerTcb::SevSnp { product, tcb, policy: bits, vmpl } = tcb else { return false };
		!policy::snp_refusals(*product, tcb, *bits, *vmpl, floors, guest).is_empty()
	}
}
