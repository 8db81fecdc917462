//! Batches, entries, checkpoints, and the hashes that PQC signatures cover.
//!
//! A user encrypts `(call, salt)` and publishes [`commitment`]`(call, salt)` on chain. The worker
//! later reveals each call in a [`Batch`]; the chain recomputes the commitment of every revealed
//! entry, checks the header's `entries_root` and signature set over [`BatchHeader::hash`], and
//! only then executes.
//!
//! The header chains batches: `sequence` increases by one and `parent_hash` is the previous
//! header's hash, so a restarted worker can neither skip nor replay a batch.

use crate::{
	hashing::{domain, hash256},
	ordering::OrderingRule,
	Hash,
};
use alloc::vec::Vec;
use bounded_collections::{BoundedVec, ConstU32};
use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use scale_info::TypeInfo;

/// Identifier the chain gives an encrypted submission when it enters the pool.
pub type SubmissionId = u64;
/// Identifier of a protected asset.
pub type AssetId = u32;

/// Hard cap on entries per batch; a chain configures a lower limit.
pub const MAX_BATCH_ENTRIES: u32 = 1_024;
/// Hard cap on the encoded length of one revealed call; a chain configures a lower limit.
pub const MAX_CALL_LEN: u32 = 64 * 1024;
/// Hard cap on asset snapshots per checkpoint.
pub const MAX_CHECKPOINT_ASSETS: u32 = 256;

/// Length of the salt a user mixes into a commitment.
pub const SALT_LEN: usize = 32;

/// The commitment a user publishes for an encrypted call:
/// `BLAKE2b-256("aegis/commitment/v1" ‖ call ‖ salt)`. The salt has a fixed length, so the
/// concatenation is unambiguous; it keeps a guessable call from being found by hashing guesses.
pub fn commitment(call: &[u8], salt: &[u8; SALT_LEN]) -> Hash {
	hash256(domain::COMMITMENT, &[call, salt])
}

/// What the enclave decrypts from an envelope: the SCALE-encoded call and the salt.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode, DecodeWithMemTracking, TypeInfo)]
pub struct RevealedCall {
	/// SCALE-encoded runtime call.
	pub call: BoundedVec<u8, ConstU32<MAX_CALL_LEN>>,
	/// The salt of the commitment.
	pub salt: [u8; SALT_LEN],
}

impl RevealedCall {
	/// The commitment this reveal opens.
	pub fn commitment(&self) -> Hash {
		commitment(&self.call, &self.salt)
	}
}

/// The most weight a submitter lets its call use, as the chain records it with the submission:
/// FRAME's two-dimensional `Weight` (execution time in picoseconds, proof size in bytes), with
/// the same SCALE encoding (two compact integers).
#[derive(
	Clone,
	Copy,
	Debug,
	Default,
	PartialEq,
	Eq,
	Encode,
	Decode,
	DecodeWithMemTracking,
	MaxEncodedLen,
	TypeInfo,
)]
pub struct WeightLimit {
	/// Execution time, in picoseconds.
	#[codec(compact)]
	pub ref_time: u64,
	/// Storage proof size, in bytes.
	#[codec(compact)]
	pub proof_size: u64,
}

/// One revealed submission in a batch.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode, DecodeWithMemTracking, TypeInfo)]
pub struct BatchEntry {
	/// The pending submission this entry reveals.
	pub submission_id: SubmissionId,
	/// The submission's `max_weight`, as the chain holds it. The batch commits to it so the
	/// chain can weigh the batch before running it: an entry counts for at most this much.
	pub max_weight: WeightLimit,
	/// The decrypted call and salt.
	pub revealed: RevealedCall,
}

/// The signed part of a batch.
#[derive(
	Clone, Debug, PartialEq, Eq, Encode, Decode, DecodeWithMemTracking, MaxEncodedLen, TypeInfo,
)]
pub struct BatchHeader {
	/// Genesis hash of the chain the batch is for; a batch never replays on another chain.
	pub genesis_hash: Hash,
	/// Position in the chain of batches, starting at 0.
	pub sequence: u64,
	/// [`BatchHeader::hash`] of the previous batch; all zeros for sequence 0.
	pub parent_hash: Hash,
	/// Cluster key epoch the entries were encrypted under.
	pub key_epoch: u32,
	/// Ordering rule the entries follow.
	pub rule: OrderingRule,
	/// The block whose state the entries were ordered against (the worker's last finalized
	/// block): the chain checks the order with each entry's protection tier as of that block,
	/// so a policy changed after the batch was built cannot make it misordered.
	pub ordered_at: u32,
	/// Number of entries.
	pub entry_count: u32,
	/// [`entries_root`] of the entries.
	pub entries_root: Hash,
}

impl BatchHeader {
	/// `BLAKE2b-256("aegis/batch-header/v1" ‖ SCALE(header))`: the message batch signatures
	/// sign (with context [`crate::pqc::context::BATCH`]).
	pub fn hash(&self) -> Hash {
		hash256(domain::BATCH_HEADER, &[&self.encode()])
	}
}

/// `BLAKE2b-256("aegis/batch-entries/v1" ‖ SCALE(entries))`.
pub fn entries_root(entries: &[BatchEntry]) -> Hash {
	hash256(domain::BATCH_ENTRIES, &[&entries.encode()])
}

/// Why a batch is not internally consistent.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BatchError {
	/// `entry_count` differs from the number of entries.
	EntryCountMismatch,
	/// `entries_root` does not commit to the entries.
	EntriesRootMismatch,
	/// More entries than [`MAX_BATCH_ENTRIES`].
	TooManyEntries,
}

/// A batch as the worker submits it.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode, DecodeWithMemTracking, TypeInfo)]
pub struct Batch {
	/// The signed header.
	pub header: BatchHeader,
	/// The revealed entries, in execution order.
	pub entries: BoundedVec<BatchEntry, ConstU32<MAX_BATCH_ENTRIES>>,
}

impl Batch {
	/// Builds a batch whose header commits to `entries`.
	pub fn new(
		genesis_hash: Hash,
		sequence: u64,
		parent_hash: Hash,
		key_epoch: u32,
		rule: OrderingRule,
		ordered_at: u32,
		entries: Vec<BatchEntry>,
	) -> Result<Self, BatchError> {
		let entries = BoundedVec::try_from(entries).map_err(|_| BatchError::TooManyEntries)?;
		let header = BatchHeader {
			genesis_hash,
			sequence,
			parent_hash,
			key_epoch,
			rule,
			ordered_at,
			entry_count: entries.len() as u32,
			entries_root: entries_root(&entries),
		};
		Ok(Self { header, entries })
	}

	/// The hash the batch's signatures cover.
	pub fn hash(&self) -> Hash {
		self.header.hash()
	}

	/// Whether the header commits to exactly these entries.
	pub fn check_integrity(&self) -> Result<(), BatchError> {
		if self.header.entry_count as usize != self.entries.len() {
			return Err(BatchError::EntryCountMismatch);
		}
		if self.header.entries_root != entries_root(&self.entries) {
			return Err(BatchError::EntriesRootMismatch);
		}
		Ok(())
	}
}

/// The recorded state of one protected asset at a checkpoint.
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
pub struct AssetSnapshot {
	/// The asset.
	pub asset_id: AssetId,
	/// [`crate::assets::asset_state_hash`] of the asset's protection record.
	pub state_hash: Hash,
}

/// A migration checkpoint: what the chain can roll back to.
#[derive(
	Clone, Debug, PartialEq, Eq, Encode, Decode, DecodeWithMemTracking, MaxEncodedLen, TypeInfo,
)]
pub struct Checkpoint {
	/// Genesis hash of the chain; a checkpoint never replays on another chain.
	pub genesis_hash: Hash,
	/// The migration this checkpoint belongs to.
	pub migration_id: u32,
	/// Position within the migration, starting at 0.
	pub sequence: u32,
	/// Block whose state the checkpoint records.
	pub block_number: u32,
	/// Hash of that block, which commits to its state root; the chain checks it against its own
	/// block hash record.
	pub state_hash: Hash,
	/// Snapshots of the protected assets.
	pub asset_snapshots: BoundedVec<AssetSnapshot, ConstU32<MAX_CHECKPOINT_ASSETS>>,
}

impl Checkpoint {
	/// `BLAKE2b-256("aegis/checkpoint/v1" ‖ SCALE(checkpoint))`: the message checkpoint
	/// signatures sign (with context [`crate::pqc::context::CHECKPOINT`]).
	pub fn hash(&self) -> Hash {
		hash256(domain::CHECKPOINT, &[&self.encode()])
	}
}

#[cfg(test)]
mod tests {
	use super::*;

	fn entry(id: u64, call: &[u8]) -> BatchEntry {
		BatchEntry {
			submission_id: id,
			max_weight: WeightLimit { ref_time: 1_000 * id, proof_size: id },
			revealed: RevealedCall {
				call: call.to_vec().try_into().unwrap(),
				salt: [id as u8; 32],
			},
		}
	}

	fn batch() -> Batch {
		Batch::new(
			[1; 32],
			5,
			[2; 32],
			3,
			OrderingRule::Hybrid,
			40,
			vec![entry(1, b"a"), entry(2, b"b")],
		)
		.unwrap()
	}

	#[test]
	fn new_batch_is_consistent() {
		let b = batch();
		assert_eq!(b.header.entry_count, 2);
		assert_eq!(b.check_integrity(), Ok(()));
	}

	#[test]
	fn tampering_is_detected() {
		let mut b = batch();
		b.entries[0].revealed.call[0] ^= 1;
		assert_eq!(b.check_integrity(), Err(BatchError::EntriesRootMismatch));

		let mut b = batch();
		let mut swapped = b.entries.into_inner();
		swapped.swap(0, 1);
		b.entries = swapped.try_into().unwrap();
		assert_eq!(b.check_integrity(), Err(BatchError::EntriesRootMismatch));

		let mut b = batch();
		b.entries.pop();
		assert_eq!(b.check_integrity(), Err(BatchError::EntryCountMismatch));

		// The weight an entry may use is committed to like its call.
		let mut b = batch();
		b.entries[1].max_weight.ref_time += 1;
		assert_eq!(b.check_integrity(), Err(BatchError::EntriesRootMismatch));
	}

	#[test]
	fn a_weight_limit_encodes_as_frames_weight() {
		// `Weight` is two compact integers; a limit must read back as the same numbers.
		let limit = WeightLimit { ref_time: 20_000_000_000, proof_size: 3_593 };
		assert_eq!(
			limit.encode(),
			(codec::Compact(20_000_000_000u64), codec::Compact(3_593u64)).encode()
		);
	}

	#[test]
	fn header_hash_covers_every_field() {
		let base = batch().header;
		let h = base.hash();
		let variants = [
			BatchHeader { genesis_hash: [9; 32], ..base.clone() },
			BatchHeader { sequence: 6, ..base.clone() },
			BatchHeader { parent_hash: [9; 32], ..base.clone() },
			BatchHeader { key_epoch: 4, ..base.clone() },
			BatchHeader { rule: OrderingRule::RiskAware, ..base.clone() },
			BatchHeader { ordered_at: 41, ..base.clone() },
			BatchHeader { entry_count: 3, ..base.clone() },
			BatchHeader { entries_root: [9; 32], ..base.clone() },
		];
		for v in variants {
			assert_ne!(v.hash(), h);
		}
	}

	#[test]
	fn commitment_binds_call_and_salt() {
		let c = commitment(b"call", &[0; 32]);
		assert_ne!(c, commitment(b"call", &[1; 32]));
		assert_ne!(c, commitment(b"cal", &[0; 32]));
		assert_eq!(entry(0, b"call").revealed.commitment(), c);
	}

	#[test]
	fn too_many_entries_are_refused() {
		let entries = (0..=MAX_BATCH_ENTRIES as u64).map(|i| entry(i, b"")).collect();
		assert_eq!(
			Batch::new([0; 32], 0, [0; 32], 0, OrderingRule::RiskAware, 0, entries),
			Err(BatchError::TooManyEntries)
		);
	}

	#[test]
	fn checkpoint_hash_covers_snapshots() {
		let cp = Checkpoint {
			genesis_hash: [0; 32],
			migration_id: 1,
			sequence: 0,
			block_number: 10,
			state_hash: [3; 32],
			asset_snapshots: vec![AssetSnapshot { asset_id: 7, state_hash: [4; 32] }]
				.try_into()
				.unwrap(),
		};
		let mut other = cp.clone();
		other.asset_snapshots[0].state_hash[0] = 5;
		assert_ne!(cp.hash(), other.hash());
		assert_ne!(cp.hash(), Checkpoint { block_number: 11, ..cp.clone() }.hash());
	}
}
