//! Checking another worker before sealing a cluster secret to it.
//!
//! The chain verified every worker's quote when it enrolled, but the worker reads the chain
//! through an RPC node it does not control: a malicious node (or host) could answer with a key
//! of its own for a registered worker. So before sealing a secret to a receiver, the sender
//! verifies the receiver's quote and collateral itself (as carried by the receiver's own
//! registration or re-attestation extrinsic), of whatever TEE kind, with the chain's own
//! verifier (`aegis_attestation::verify_evidence`), under the roots it trusts for that kind, against
//! its own allowlist of measurements (its own enclave's, plus any configured), and checks that
//! the quote's report data binds this chain, the receiver's account and exactly the keys it is
//! about to seal to. A substituted key has no genuine quote binding it, so nothing is sealed
//! to it.
//!
//! What the worker still trusts its RPC node for: which workers are registered and active, and
//! the chain's view in general (an unavailable or lying node can stop the worker from acting,
//! or make it seal to a genuine enclave the chain has since deactivated; never make it seal to
//! a key outside a genuine, allowed enclave).

use crate::chain::PeerAttestation;
use aegis_attestation::{Measurement, TeeKind};
use aegis_primitives::binding::{keys_hash, report_data, EnclaveKeys};
use aegis_runtime::{AccountId, Runtime};

/// Why a peer was not trusted.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum PeerError {
	/// Its evidence chains to no root this worker trusts (or is of no known kind).
	#[error("its quote chains to no trusted root")]
	UntrustedRoot,
	/// The verifier refused the evidence.
	#[error("its quote does not verify: {0}")]
	Quote(String),
	/// A debug enclave.
	#[error("it runs a debug enclave")]
	Debug,
	/// The chain's default policy refuses it (a migration agent, a VMPL below the most
	/// privileged, ...), though the chain's own settings might admit it.
	#[error("the default policy refuses it: {0}")]
	Policy(String),
	/// Its measurement is not one this worker accepts.
	#[error("its measurement is not in this worker's allowlist")]
	Measurement,
	/// The quote binds other keys, account or chain.
	#[error("its quote does not bind its registered keys to its account on this chain")]
	Binding,
}

/// What this worker accepts of a peer: the roots its evidence may chain to, per TEE kind, and
/// its measurements.
#[derive(Clone, Debug)]
pub struct PeerPolicy {
	roots: Vec<(TeeKind, Vec<u8>)>,
	measurements: Vec<Measurement>,
}

impl PeerPolicy {
	/// Trusting `roots` (kind, DER) and `measurements`.
	pub fn new(roots: Vec<(TeeKind, Vec<u8>)>, measurements: Vec<Measurement>) -> Self {
		Self { roots, measurements }
	}

	/// Verifies `quote` (evidence of any kind) with `collateral` at `now_secs` under a root
	/// trusted for its kind and returns what it says, whatever its measurement (this worker's
	/// own, to learn what it runs).
	pub fn measure(
		&self,
		quote: &[u8],
		collateral: &[u8],
		now_secs: u64,
	) -> Result<aegis_attestation::VerifiedAttestation, PeerError> {
		let kind = aegis_attestation::evidence_kind(quote).ok_or(PeerError::UntrustedRoot)?;
		let roots: Vec<Vec<u8>> =
			self.roots.iter().filter(|(k, _)| *k == kind).map(|(_, r)| r.clone()).collect();
		if matches!(kind, TeeKind::Sgx | TeeKind::Tdx) {
			// Intel's chains name their root: one not trusted is refused before verifying.
			let end = aegis_attestation::chain_root(quote).ok_or(PeerError::UntrustedRoot)?;
			if !roots.contains(&end) {
				return Err(PeerError::UntrustedRoot);
			}
		}
		if roots.is_empty() {
			return Err(PeerError::UntrustedRoot);
		}
		aegis_attestation::verify_evidence(kind, quote, collateral, &roots, now_secs)
			.map_err(|e| PeerError::Quote(format!("{e:?}")))
	}

	/// Checks that `attestation` is a genuine, allowed enclave binding `keys` to `account` on
	/// the chain `genesis`, at `now_secs`.
	pub fn verify(
		&self,
		attestation: &PeerAttestation,
		keys: &EnclaveKeys,
		account: &AccountId,
		genesis: &[u8; 32],
		now_secs: u64,
	) -> Result<(), PeerError> {
		let v = self.measure(&attestation.quote, &attestation.collateral, now_secs)?;
		if v.debug {
			return Err(PeerError::Debug);
		}
		// The secret goes only to an enclave the default policy admits: a guest a migration
		// agent could read, or a report from less privileged code, gets nothing.
		let policy = aegis_attestation::policy::Policy::default();
		let refusals = aegis_attestation::policy::refusals(&v, &policy);
		// Intel's patch level is the chain's to judge (its floor may admit more than the
		// default); the guest's configuration is this worker's to refuse.
		if let Some(r) = refusals.iter().find(|r| {
			!matches!(
				r,
				aegis_attestation::policy::Refusal::TcbBelowFloor
					| aegis_attestation::policy::Refusal::AdvisoryNotAllowed(_)
					| aegis_attestation::policy::Refusal::CollateralOutdated
			)
		}) {
			return Err(PeerError::Policy(r.describe()));
		}
		if !self.measurements.contains(&v.measurement) {
			return Err(PeerError::Measurement);
		}
		let account = pallet_tee_registry::Pallet::<Runtime>::account_bytes(account);
		let expected = report_data(genesis, &account, &keys_hash(keys), attestation.nonce);
		if v.report_data != expected {
			return Err(PeerError::Binding);
		}
		Ok(())
	}
}
