//! The sequencing pipeline's pure parts: opening envelopes, the bounded mirror of the chain's
//! encrypted mempool, when to cut a batch, and signing it with the suites the policy requires
//! (the batch itself is ordered by `pallet_sequencer::BatchChain::next_batch`, as the chain
//! checks it).

use crate::chain::Submission;
use aegis_envelope::RecipientKey;
use aegis_primitives::{
	batch::{Batch, RevealedCall, SubmissionId},
	pqc::{self, SignatureSet},
	risk::SuiteSet,
};
use codec::DecodeAll;
use pallet_sequencer::RejectReason;
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

/// What pruning the mirror against the chain's pending set found.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Prune {
	/// Gone from the chain (executed, rejected or expired) and dropped from the mirror.
	pub removed: usize,
	/// Pending on chain but beyond the mirror's capacity (picked up once room frees).
	pub deferred: usize,
	/// New on chain and with room in the mirror, oldest first: `(epoch, id)`, to be fetched,
	/// opened and [`Mempool::add`]ed.
	pub new: Vec<(u32, SubmissionId)>,
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

	/// Drops what the chain no longer holds, given `live`: every pending `(epoch, id)` of the
	/// epochs the worker serves. Returns what is new, oldest first, as far as the capacity
	/// allows; only those need fetching and opening.
	pub fn prune(&mut self, live: &[(u32, SubmissionId)]) -> Prune {
		let ids: std::collections::BTreeSet<SubmissionId> =
			live.iter().map(|(_, id)| *id).collect();
		let before = self.entries.len();
		self.entries.retain(|id, _| ids.contains(id));
		let mut prune = Prune { removed: before - self.entries.len(), ..Prune::default() };
		let mut fresh: Vec<(u32, SubmissionId)> =
			live.iter().filter(|(_, id)| !self.entries.contains_key(id)).copied().collect();
		fresh.sort_by_key(|(_, id)| *id);
		fresh.dedup_by_key(|(_, id)| *id);
		let room = self.capacity.saturating_sub(self.entries.len());
		prune.deferred = fresh.len().saturating_sub(room);
		fresh.truncate(room);
		prune.new = fresh;
		prune
	}

	/// Mirrors submission `id` of `epoch`, first seen `now`, with what opening it gave. Ignored
	/// when the mirror is full or already holds `id`.
	pub fn add(
		&mut self,
		epoch: u32,
		id: SubmissionId,
		opened: Result<RevealedCall, RejectReason>,
		now: Instant,
	) {
		if self.entries.len() < self.capacity {
			self.entries.entry(id).or_insert(Entry { epoch, opened, seen: now });
		}
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

/// Signs `batch` with every suite in `suites`.
pub fn sign_batch(
	keys: &crate::keys::KeySet,
	suites: SuiteSet,
	batch: &Batch,
) -> Result<SignatureSet, pqc::SignSetError> {
	pqc::sign_set(suites, &keys.signing_keys(), pqc::context::BATCH, &batch.hash())
}

#[cfg(test)]
mod tests {
	use super::*;

	fn call(byte: u8) -> RevealedCall {
		RevealedCall { call: vec![byte].try_into().unwrap(), salt: [byte; 32] }
	}

	#[test]
	fn prune_drops_what_left_the_chain_and_lists_what_is_new_oldest_first() {
		let mut m = Mempool::new(10);
		let now = Instant::now();
		m.add(1, 5, Ok(call(5)), now);
		m.add(1, 7, Err(RejectReason::Malformed), now);
		let p = m.prune(&[(2, 9), (1, 7), (1, 3), (2, 9)]);
		assert_eq!(p, Prune { removed: 1, deferred: 0, new: vec![(1, 3), (2, 9)] });
		assert_eq!(m.len(), 1);
		assert_eq!(m.rejects(10), vec![(7, RejectReason::Malformed)]);
		// A second prune with nothing added lists the same new ids again.
		assert_eq!(m.prune(&[(1, 7), (1, 3), (2, 9)]).new, vec![(1, 3), (2, 9)]);
	}

	#[test]
	fn a_full_mirror_defers_the_newest_and_ignores_extra_adds() {
		let mut m = Mempool::new(3);
		let now = Instant::now();
		m.add(1, 1, Ok(call(1)), now);
		let p = m.prune(&[(1, 4), (1, 1), (1, 2), (1, 3)]);
		assert_eq!(p, Prune { removed: 0, deferred: 1, new: vec![(1, 2), (1, 3)] });
		for (epoch, id) in p.new {
			m.add(epoch, id, Ok(call(id as u8)), now);
		}
		m.add(1, 4, Ok(call(4)), now);
		assert_eq!(m.len(), 3);
		let ready: Vec<SubmissionId> = m.ready(1).iter().map(|(id, _, _)| *id).collect();
		assert_eq!(ready, vec![1, 2, 3]);
		// Room frees once the chain executes one: the deferred entry comes in.
		assert_eq!(m.prune(&[(1, 4), (1, 2), (1, 3)]).new, vec![(1, 4)]);
	}

	#[test]
	fn adding_twice_keeps_the_first_sighting() {
		let mut m = Mempool::new(3);
		let first = Instant::now();
		m.add(1, 1, Ok(call(1)), first);
		m.add(1, 1, Err(RejectReason::DecryptionFailed), first + Duration::from_secs(5));
		assert_eq!(m.oldest_ready(), Some(first));
		assert!(m.rejects(10).is_empty());
	}

	#[test]
	fn a_batch_is_cut_at_the_minimum_or_after_the_wait_and_never_above_the_maximum() {
		let limits = BatchLimits { min: 3, max: 4, max_wait: Duration::from_millis(300) };
		let t0 = Instant::now();
		let wait = Duration::from_millis(300);
		assert_eq!(limits.take(&[], t0 + wait), 0);
		assert_eq!(limits.take(&[t0, t0], t0 + wait - Duration::from_millis(1)), 0);
		assert_eq!(limits.take(&[t0, t0], t0 + wait), 2);
		assert_eq!(limits.take(&[t0; 3], t0), 3);
		assert_eq!(limits.take(&[t0; 10], t0), 4);
	}
}
