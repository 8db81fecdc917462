//! The fuzz targets. Each returns normally for any input; a panic is a finding.

use crate::{dev, frame, NOW_SECS};
use aegis_primitives::batch::Batch;
use aegis_runtime::{Balances, Runtime, RuntimeCall, RuntimeOrigin, Sequencer};
use codec::DecodeLimit;
use frame_support::traits::fungible::{InspectHold, MutateHold};
use pallet_sequencer::{HoldReason, Pending, Submission};
use sp_keyring::Sr25519Keyring;
use sp_runtime::traits::{Dispatchable, Zero};

/// The chain and account the envelope target binds.
pub const ENVELOPE_GENESIS: [u8; 32] = [0x6e; 32];
/// The submitter the envelope target binds.
pub const ENVELOPE_ACCOUNT: [u8; 32] = [0xac; 32];

thread_local! {
	static ENVELOPE_KEY: aegis_envelope::RecipientKey =
		aegis_envelope::RecipientKey::derive(&[0xe1; 32], 1);
}

/// The recipient key of the envelope target (epoch 1).
pub fn envelope_key<R>(f: impl FnOnce(&aegis_envelope::RecipientKey) -> R) -> R {
	ENVELOPE_KEY.with(f)
}

/// `aegis_envelope::open`: an error for anything but an envelope sealed to this key for this
/// chain and account, untampered.
pub fn envelope_open(data: &[u8]) {
	envelope_key(|key| {
		if aegis_envelope::open(key, &ENVELOPE_GENESIS, &ENVELOPE_ACCOUNT, data).is_ok() {
			let header = aegis_envelope::peek_header(data).expect("an opened envelope parses");
			assert_eq!(header.key_epoch, key.epoch(), "opened under another epoch's key");
		}
	})
}

/// `aegis_attestation::verify_quote` on `[quote, collateral, root (0: simulated dev root, 1:
/// Intel's), now (u64 LE)]`.
pub fn verify_quote(data: &[u8]) {
	let Some([quote, collateral, root, now]) = frame::split::<4>(data) else { return };
	let now = now.first_chunk::<8>().map_or(NOW_SECS, |b| u64::from_le_bytes(*b));
	if let Ok(v) = aegis_attestation::verify_quote(quote, collateral, quote_root(root), now) {
		assert!(v.collateral_expires_at >= now, "accepted collateral that is stale at {now}");
	}
}

/// The root a `verify_quote` input names: Intel's for `1`, the simulated dev root otherwise.
pub fn quote_root(which: &[u8]) -> &'static [u8] {
	match which.first() {
		Some(1) => aegis_attestation::INTEL_SGX_ROOT_CA_DER,
		_ => aegis_attestation::dev::SIM_ROOT_CA_DER,
	}
}

/// The SEV-SNP and Nitro verifiers on `[evidence, collateral, roots (0: the dev roots, 1: the
/// vendors'), now (u64 LE)]`, the kind read from the evidence as the registry reads it: what
/// verifies is of the kind read, valid at `now`, and reports the measurement of its kind.
pub fn verify_evidence(data: &[u8]) {
	use aegis_attestation::{dev, Measurement, TeeKind};
	let Some([evidence, collateral, roots, now]) = frame::split::<4>(data) else { return };
	let now = now.first_chunk::<8>().map_or(NOW_SECS, |b| u64::from_le_bytes(*b));
	let vendors = roots.first() == Some(&1);
	let Some(kind) = aegis_attestation::evidence_kind(evidence) else { return };
	// DCAP quotes have their own target.
	if !matches!(kind, TeeKind::SevSnp | TeeKind::Nitro) {
		return;
	}
	let roots: Vec<Vec<u8>> = if vendors {
		aegis_attestation::vendor_roots(kind).into_iter().map(<[u8]>::to_vec).collect()
	} else {
		vec![dev::root(kind).to_vec()]
	};
	if let Ok(v) = aegis_attestation::verify_evidence(kind, evidence, collateral, &roots, now) {
		assert_eq!(v.tee, kind, "verified as another kind");
		assert!(v.valid_until >= now, "accepted evidence that expired before {now}");
		let of_kind = matches!(
			(kind, &v.measurement),
			(TeeKind::SevSnp, Measurement::SevSnp { .. })
				| (TeeKind::Nitro, Measurement::Nitro { .. })
		);
		assert!(of_kind, "a measurement of another kind");
	}
}

/// `aegis_attestation::verify_platform_collateral` on `[tcb_info, its signature, qe_identity,
/// its signature, issuer chain, root CA CRL, now (u64 LE)]` under the simulated dev root.
pub fn platform_collateral(data: &[u8]) {
	let Some([tcb, tcb_sig, qe, qe_sig, chain, crl, now]) = frame::split::<7>(data) else {
		return;
	};
	let now = now.first_chunk::<8>().map_or(NOW_SECS, |b| u64::from_le_bytes(*b));
	let root = aegis_attestation::dev::SIM_ROOT_CA_DER;
	if let Ok(info) = aegis_attestation::verify_platform_collateral(
		tcb, tcb_sig, qe, qe_sig, chain, crl, root, now,
	) {
		assert!(info.issued_at <= now && now <= info.next_update, "accepted outside its window");
	}
}

/// A revealed call in the runtime: decoding (bounded depth, every byte used), what the ordering
/// rule sees of it, and the weight it adds to a batch.
pub fn revealed_call(data: &[u8]) {
	dev::with(|_| {
		let max = <Runtime as pallet_sequencer::Config>::MaxCallWeight::get();
		let class = Sequencer::order_class(data);
		let weight = Sequencer::entry_weight(data, max);
		assert!(weight.all_lte(max), "an entry weighs more than its max_weight");
		if Sequencer::decode_call(data).is_none() {
			assert_eq!(class, Default::default(), "an undecodable call has an ordering class");
			assert!(weight.is_zero(), "an undecodable call weighs on its batch");
		}
	})
}

/// A batch as a worker would submit it, through every check of `commit_batch` and its
/// execution in the runtime. Each entry is first made a pending submission that its reveal
/// opens (with its deposit held, as `submit_encrypted` holds it), and the batch is signed by
/// the enrolled worker, so inputs reach past the signature and membership checks to the
/// ordering, the protected-asset policies and dispatch. Then: issuance is unchanged, what is
/// held is exactly the deposits still pending, and a refused batch changed nothing.
pub fn batch(data: &[u8]) {
	let _ = batch_commits(data);
}

/// [`batch`], saying whether the input decoded as a batch and whether the chain committed it.
pub fn batch_commits(data: &[u8]) -> Option<bool> {
	let batch = Batch::decode_all_with_depth_limit(16, &mut &data[..]).ok()?;
	Some(dev::with(|worker| {
		let users = [
			Sr25519Keyring::Alice,
			Sr25519Keyring::Bob,
			Sr25519Keyring::Charlie,
			Sr25519Keyring::Eve,
			Sr25519Keyring::Ferdie,
		]
		.map(|k| k.to_account_id());
		let reason = aegis_runtime::RuntimeHoldReason::Sequencer(HoldReason::Submission);
		let max_call = <Runtime as pallet_sequencer::Config>::MaxCallWeight::get();
		let envelope_len = pallet_sequencer::ENVELOPE_MIN_LEN;
		for (n, entry) in batch.entries.iter().enumerate() {
			let max_weight = pallet_sequencer::weight_of(entry.max_weight);
			let Some(who) = users.get(n % users.len()) else { continue };
			if Pending::<Runtime>::contains_key(entry.submission_id)
				|| max_weight.is_zero()
				|| !max_weight.all_lte(max_call)
			{
				// `submit_encrypted` would have refused it: it stays unknown.
				continue;
			}
			let deposit = Sequencer::deposit_for(envelope_len, max_weight);
			if Balances::hold(&reason, who, deposit).is_err() {
				continue;
			}
			Pending::<Runtime>::insert(
				entry.submission_id,
				Submission {
					who: who.clone(),
					envelope: vec![0; envelope_len].try_into().expect("fits MaxEnvelopeLen"),
					commitment: entry.revealed.commitment(),
					max_weight,
					deposit,
					key_epoch: 1,
					submitted_at: 1,
				},
			);
			pallet_sequencer::PendingPerAccount::<Runtime>::mutate(who, |c| *c += 1);
		}
		let held = || users.iter().map(|u| Balances::balance_on_hold(&reason, u)).sum::<u128>();
		let pending_deposits =
			|| Pending::<Runtime>::iter_values().map(|s| s.deposit).sum::<u128>();
		let issuance = Balances::total_issuance();
		let pending = Pending::<Runtime>::count();
		let signatures = worker.sign(&batch);
		let call = RuntimeCall::Sequencer(pallet_sequencer::Call::commit_batch {
			batch,
			signatures,
			cosignatures: Default::default(),
		});
		let result = call.dispatch(RuntimeOrigin::signed(worker.account.clone()));
		assert_eq!(Balances::total_issuance(), issuance, "a batch changed the issuance");
		assert_eq!(held(), pending_deposits(), "holds differ from the pending deposits");
		if result.is_err() {
			assert_eq!(Pending::<Runtime>::count(), pending, "a refused batch changed the pool");
		}
		result.is_ok()
	}))
}

/// Every parser of the worker on the same bytes: an HTTP response, a PCCS header and body, a
/// quote's platform, a dstack answer.
pub fn worker_parsers(data: &[u8]) {
	aegis_worker::fuzzing::http_response(data);
	aegis_worker::fuzzing::pccs_header(data);
	aegis_worker::fuzzing::pccs_documents(data);
	aegis_worker::fuzzing::quote_platform(data);
	aegis_worker::fuzzing::dstack_quote(data);
}
