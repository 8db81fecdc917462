//! The sequencing pipeline's pure parts: opening envelopes, the bounded mirror of the chain's
//! encrypted mempool, when to cut a batch, ordering it with the rule the pallet checks, and
//! signing it with the suites the policy requires.

use crate::chain::Submission;
use aegis_envelope::RecipientKey;
use aegis_primitives::{
	batch::{Batch, BatchEntry, BatchError, RevealedCall, SubmissionId},
	ordering::{order, EntryMeta, OrderingRule, ProtectionTier},
	pqc::{self, SignatureSet},
	risk::{RiskScore, SuiteSet},
};
use codec::DecodeAll;
use pallet_sequencer::{BatchChain, RejectReason};
use std::{
	collections::BTreeMap,
	time::{Duration, Instant},
};

/// Opens submission `s` with the cluster key of its epoch: the revealed call, or why it must
/// be rejected on chain.
pub fn open(
	key: &RecipientKey,
	genesis: &[u8; 32],
	s: &Submission,
) -> Result<RevealedCall, RejectReason> {
	let who = pallet_tee_registry::Pallet::<aegis_runtime::Runtime>::account_bytes(&s.who);
	let plain = aegis_envelope::open(key, genesis, &who, &s.envelope)
		.map_err(|_| RejectReason::DecryptionFailed)?;
	let revealed =
		RevealedCall::decode_all(&mut &plain[..]).map_err(|_| RejectReason::Malformed)?;
	if revealed.commitment() != s.commitment {
		return Err(RejectReason::CommitmentMismatch);
	}
	Ok(revealed)
}

/// A mirrored submission.
#[derive(Clone, Debug)]
pub struct Entry {
	/// The key epoch it is encrypted to.
	pub epoch: u32,
	/// What opening it gave.
	pub opened: Result<RevealedCall, RejectReason>,
	/// When the worker first saw it.
	pub seen: Instant,
}

/// What a sync changed.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SyncReport {
	/// Newly mirrored.
	pub added: usize,
	/// Gone from the chain (executed, rejected or expired).
	pub removed: usize,
	/// Pending on chain but beyond the mirror's capacity (picked up once room frees).
	pub deferred: usize,
	/// Newly mirrored entries that did not open.
	pub undecryptable: usize,
}

/// The bounded mirror of the chain's pending submissions.
#[derive(Debug)]
pub struct Mempool {
	capacity: usize,
	entries: BTreeMap<SubmissionId, Entry>,
}

impl Mempool {
	/// An empty mirror holding at most `capacity` entries.
	pub fn new(capacity: usize) -> Self {
		Self { capacity, entries: BTreeMap::new() }
	}

	/// How many entries are mirrored.
	pub fn len(&self) -> usize {
		self.entries.len()
	}

	/// Whether the mirror is empty.
	pub fn is_empty(&self) -> bool {
		self.entries.is_empty()
	}

	/// Makes the mirror match the chain's pending set for the epochs in `pending` (all the
	/// epochs the worker serves): drops what the chain no longer holds, opens what is new
	/// (oldest first, up to the capacity) with `open_fn`.
	pub fn sync(
		&mut self,
		pending: &[(u32, SubmissionId, Submission)],
		now: Instant,
		open_fn: impl Fn(u32, &Submission) -> Result<RevealedCall, RejectReason>,
	) -> SyncReport {
		let mut report = SyncReport::default();
		let live: std::collections::BTreeSet<SubmissionId> =
			pending.iter().map(|(_, id, _)| *id).collect();
		let before = self.entries.len();
		self.entries.retain(|id, _| live.contains(id));
		report.removed = before - self.entries.len();
		let mut sorted: Vec<&(u32, SubmissionId, Submission)> = pending.iter().collect();
		sorted.sort_by_key(|(_, id, _)| *id);
		for (epoch, id, s) in sorted {
			if self.entries.contains_key(id) {
				continue;
			}
			if self.entries.len() >= self.capacity {
				report.deferred += 1;
				continue;
			}
			let opened = open_fn(*epoch, s);
			if opened.is_err() {
				report.undecryptable += 1;
			}
			self.entries.insert(*id, Entry { epoch: *epoch, opened, seen: now });
			report.added += 1;
		}
		report
	}

	/// Entries that must be rejected on chain, oldest first, at most `max`.
	pub fn rejects(&self, max: usize) -> Vec<(SubmissionId, RejectReason)> {
		self.entries
			.iter()
			.filter_map(|(id, e)| e.opened.as_ref().err().map(|r| (*id, *r)))
			.take(max)
			.collect()
	}

	/// Opened entries of `epoch` not in flight, oldest first: `(id, call, waiting since)`.
	pub fn ready(&self, epoch: u32) -> Vec<(SubmissionId, &RevealedCall, Instant)> {
		self.entries
			.iter()
			.filter(|(_, e)| e.epoch == epoch)
			.filter_map(|(id, e)| e.opened.as_ref().ok().map(|c| (*id, c, e.seen)))
			.collect()
	}

	/// Epochs with opened entries ready, oldest epoch first.
	pub fn ready_epochs(&self) -> Vec<u32> {
		let mut epochs: Vec<u32> =
			self.entries.values().filter(|e| e.opened.is_ok()).map(|e| e.epoch).collect();
		epochs.sort_unstable();
		epochs.dedup();
		epochs
	}

	/// When the oldest opened entry was first seen.
	pub fn oldest_ready(&self) -> Option<Instant> {
		self.entries.values().filter(|e| e.opened.is_ok()).map(|e| e.seen).min()
	}

	/// Forgets `ids` (they left the chain's pool).
	pub fn remove(&mut self, ids: &[SubmissionId]) {
		for id in ids {
			self.entries.remove(id);
		}
	}
}

/// When to cut a batch.
#[derive(Clone, Copy, Debug)]
pub struct BatchLimits {
	/// Cut once this many entries are ready...
	pub min: usize,
	/// ...never with more than this many...
	pub max: usize,
	/// ...or once the oldest ready entry has waited this long.
	pub max_wait: Duration,
}

impl BatchLimits {
	/// How many of `ready` (oldest first, with the time each was first seen) go into a batch
	/// now; zero means wait.
	pub fn take(&self, ready: &[Instant], now: Instant) -> usize {
		let Some(oldest) = ready.iter().min() else { return 0 };
		if ready.len() >= self.min || now.saturating_duration_since(*oldest) >= self.max_wait {
			ready.len().min(self.max)
		} else {
			0
		}
	}
}

/// Orders `entries` (id, revealed call, and what the chain's classifier says of it) with
/// `rule` at risk `risk` and builds the batch continuing `chain`.
pub fn build_batch(
	genesis: [u8; 32],
	chain: &BatchChain,
	key_epoch: u32,
	rule: OrderingRule,
	risk: RiskScore,
	entries: Vec<(SubmissionId, RevealedCall, (ProtectionTier, bool))>,
) -> Result<Batch, BatchError> {
	let metas: Vec<EntryMeta> = entries
		.iter()
		.map(|(id, _, (protection, migration))| EntryMeta {
			arrival: *id,
			risk,
			protection: *protection,
			migration: *migration,
		})
		.collect();
	let permutation = order(rule, &metas);
	let mut slots: Vec<Option<BatchEntry>> = entries
		.into_iter()
		.map(|(submission_id, revealed, _)| Some(BatchEntry { submission_id, revealed }))
		.collect();
	let ordered: Vec<BatchEntry> = permutation
		.iter()
		.filter_map(|i| slots.get_mut(*i as usize).and_then(Option::take))
		.collect();
	Batch::new(genesis, chain.next_sequence, chain.last_hash, key_epoch, rule, ordered)
}

/// Signs `batch` with every suite in `suites`.
pub fn sign_batch(
	keys: &crate::keys::KeySet,
	suites: SuiteSet,
	batch: &Batch,
) -> Result<SignatureSet, pqc::SignSetError> {
	pqc::sign_set(suites, &keys.signing_keys(), pqc::context::BATCH, &batch.hash())
}
