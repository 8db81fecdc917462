//! What a user's client does to send a call encrypted (the `aegis` command and the end-to-end
//! tests use it): check that the cluster key was published by an attested, active worker,
//! encrypt `(call, salt)` to it, submit `submit_encrypted` with the commitment and a weight
//! bound, and follow finalized blocks until the sequencer executes, rejects or expires it.

use crate::chain::{BlockNumber, ChainError, RpcChain};
use aegis_envelope::RecipientPublicKey;
use aegis_primitives::batch::{commitment, RevealedCall, SubmissionId, SALT_LEN};
use aegis_runtime::{AccountId, RuntimeCall, RuntimeEvent};
use codec::Encode;
use frame_support::dispatch::GetDispatchInfo;
use pallet_sequencer::{EntryOutcome, RejectReason};
use sp_core::{sr25519, Pair};
use std::time::{Duration, Instant};

/// The key to encrypt to, checked against the chain.
#[derive(Clone, Debug)]
pub struct CheckedClusterKey {
	/// Its epoch.
	pub epoch: u32,
	/// The key.
	pub key: RecipientPublicKey,
	/// The worker that published it.
	pub publisher: AccountId,
}

/// Why a client operation failed.
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
	/// The chain.
	#[error(transparent)]
	Chain(#[from] ChainError),
	/// No attested worker stands behind the cluster key.
	#[error("{0}")]
	Untrusted(String),
	/// The call is longer than a revealed call or an envelope may be.
	#[error("the call is too large to send encrypted")]
	TooLarge,
	/// Waiting ran out.
	#[error("submission {0} was not sequenced within {1:?}")]
	Timeout(SubmissionId, Duration),
}

/// The current cluster key, provided an active, attested worker holds it now (confirmed on
/// chain) and the chain counts the epoch as served: the epoch a quorum of workers confirmed,
/// which someone can open. The key and the workers are read at one finalized block, so they
/// cannot come from two different states.
pub async fn checked_cluster_key(chain: &RpcChain) -> Result<CheckedClusterKey, ClientError> {
	let (at, _) = chain.finalized_head().await?;
	let view = chain.cluster(Some(at)).await?;
	let served = view.served;
	let key = view.current.ok_or_else(|| {
		ClientError::Untrusted("no cluster key is published yet: is a worker enrolled?".into())
	})?;
	let holders: Vec<AccountId> = view
		.holders
		.into_iter()
		.find(|(epoch, _)| *epoch == key.epoch)
		.map(|(_, who)| who)
		.unwrap_or_default();
	let active = chain.active_workers(Some(at)).await?;
	if !served || !active.iter().any(|w| holders.contains(&w.account)) {
		return Err(ClientError::Untrusted(format!(
			"no active attested worker holds cluster key epoch {}: submissions would be refused",
			key.epoch
		)));
	}
	let public = RecipientPublicKey::from_bytes(key.epoch, &key.public_key).map_err(|e| {
		ClientError::Untrusted(format!("the published cluster key is malformed: {e:?}"))
	})?;
	Ok(CheckedClusterKey { epoch: key.epoch, key: public, publisher: key.published_by })
}

/// The envelope and commitment of `call` from `who`, encrypted to `key`.
pub fn encrypt(
	genesis: &[u8; 32],
	who: &AccountId,
	call: &RuntimeCall,
	key: &RecipientPublicKey,
) -> (Vec<u8>, [u8; 32]) {
	encrypt_bytes(genesis, who, &call.encode(), key)
		.expect("calls of this runtime fit MAX_CALL_LEN")
}

/// The envelope and commitment of the SCALE-encoded call `call` from `who`, encrypted to
/// `key`; `None` when it is longer than a revealed call may be.
pub fn encrypt_bytes(
	genesis: &[u8; 32],
	who: &AccountId,
	call: &[u8],
	key: &RecipientPublicKey,
) -> Option<(Vec<u8>, [u8; 32])> {
	let mut salt = [0u8; SALT_LEN];
	getrandom::getrandom(&mut salt).expect("the OS provides randomness");
	let commitment = commitment(call, &salt);
	let revealed = RevealedCall { call: call.to_vec().try_into().ok()?, salt };
	let account = pallet_tee_registry::Pallet::<aegis_runtime::Runtime>::account_bytes(who);
	let envelope = aegis_envelope::seal(key, genesis, &account, &revealed.encode())
		.expect("sealing to a valid key succeeds");
	Some((envelope, commitment))
}

/// A submitted encrypted call.
#[derive(Clone, Debug)]
pub struct Submitted {
	/// Its submission id (the arrival index the ordering rules use).
	pub id: SubmissionId,
	/// The block it was submitted in.
	pub block: BlockNumber,
	/// When the client submitted it.
	pub at: Instant,
}

/// Encrypts `call` from `signer` to `key` and submits it, allowing the weight the call
/// declares; returns once it is pending in a finalized block.
pub async fn submit_encrypted(
	chain: &RpcChain,
	signer: &sr25519::Pair,
	call: &RuntimeCall,
	key: &CheckedClusterKey,
) -> Result<Submitted, ClientError> {
	let max_weight = call.get_dispatch_info().call_weight;
	submit_encrypted_bytes(chain, signer, &call.encode(), max_weight, key).await
}

/// Encrypts the SCALE-encoded call `call` from `signer` to `key` and submits it, allowing
/// `max_weight`; returns once it is pending in a finalized block. The bytes are sent as they
/// are: what the chain does with bytes that are no call is part of what it guarantees.
pub async fn submit_encrypted_bytes(
	chain: &RpcChain,
	signer: &sr25519::Pair,
	call: &[u8],
	max_weight: frame_support::weights::Weight,
	key: &CheckedClusterKey,
) -> Result<Submitted, ClientError> {
	use crate::chain::Chain;
	let who: AccountId = signer.public().into();
	let at = Instant::now();
	let (envelope, commitment) =
		encrypt_bytes(&chain.genesis(), &who, call, &key.key).ok_or(ClientError::TooLarge)?;
	let submit = RuntimeCall::Sequencer(pallet_sequencer::Call::submit_encrypted {
		envelope: envelope.try_into().map_err(|_| ClientError::TooLarge)?,
		commitment,
		max_weight,
	});
	let included = chain.submit(signer, submit).await?;
	let id = included
		.events
		.iter()
		.find_map(|e| match e {
			RuntimeEvent::Sequencer(pallet_sequencer::Event::Submitted { id, .. }) => Some(*id),
			_ => None,
		})
		.ok_or_else(|| {
			ChainError::Incompatible("submit_encrypted emitted no Submitted event".into())
		})?;
	Ok(Submitted { id, block: included.number, at })
}

/// What became of a submission.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
	/// Executed in a batch (the call's own result is in `result`).
	Executed {
		/// The block.
		block: BlockNumber,
		/// The call's dispatch result (Debug form), or `Undecodable`.
		result: Result<(), String>,
	},
	/// Rejected by the worker.
	Rejected {
		/// The block.
		block: BlockNumber,
		/// Why.
		reason: RejectReason,
	},
	/// Never sequenced; refunded.
	Expired {
		/// The block.
		block: BlockNumber,
	},
}

/// Follows finalized blocks from `from` until submission `id` is executed, rejected or
/// expired.
pub async fn wait_outcome(
	chain: &RpcChain,
	id: SubmissionId,
	from: BlockNumber,
	timeout: Duration,
) -> Result<Outcome, ClientError> {
	use crate::chain::Chain;
	let deadline = Instant::now() + timeout;
	let mut next = from;
	loop {
		while next <= chain.finalized_number() {
			if let Some((_, events)) = chain.block_events(next).await? {
				for record in events {
					let outcome = match record.event {
						RuntimeEvent::Sequencer(pallet_sequencer::Event::EntryExecuted {
							id: i,
							outcome,
							..
						}) if i == id => Some(Outcome::Executed {
							block: next,
							result: match outcome {
								EntryOutcome::Executed { result, .. } => {
									result.map_err(|e| crate::chain::describe_dispatch_error(&e))
								}
								other => Err(format!("{other:?}")),
							},
						}),
						RuntimeEvent::Sequencer(pallet_sequencer::Event::EntryRejected {
							id: i,
							reason,
							..
						}) if i == id => Some(Outcome::Rejected { block: next, reason }),
						RuntimeEvent::Sequencer(pallet_sequencer::Event::Expired {
							id: i, ..
						}) if i == id => Some(Outcome::Expired { block: next }),
						_ => None,
					};
					if let Some(o) = outcome {
						return Ok(o);
					}
				}
			}
			next += 1;
		}
		let left = deadline.saturating_duration_since(Instant::now());
		if left.is_zero() {
			return Err(ClientError::Timeout(id, timeout));
		}
		chain.wait_finalized_after(next.saturating_sub(1), left.min(Duration::from_secs(2))).await;
	}
}
