//! The sequencing pipeline's pure parts: opening envelopes, the bounded mirror of the chain's
//! encrypted mempool, when to cut a batch, and signing it with the suites the policy requires
//! (the batch itself is ordered by `pallet_sequencer::BatchChain::next_batch`, as the chain
//! checks it).

use crate::chain::{BlockNumber, ChainError, Submission};
use aegis_envelope::RecipientKey;
use aegis_primitives::{
	batch::{Batch, RevealedCall, SubmissionId},
	pqc::{self, SignatureSet},
	risk::SuiteSet,
};
use aegis_runtime::{Runtime, Sequencer};
use codec::{DecodeAll, Encode};
use frame_support::{dispatch::DispatchClass, weights::Weight};
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
	/// The most weight its submitter allowed (the batch names it).
	pub max_weight: Weight,
	/// What opening it gave.
	pub opened: Result<RevealedCall, RejectReason>,
	/// When the worker first saw it.
	pub seen: Instant,
	/// The finalized block at which the chain last refused a batch holding only this entry.
	pub refused_alone_at: Option<BlockNumber>,
	/// The block it was submitted in, once known.
	pub submitted_at: Option<BlockNumber>,
	/// In a batch sent and not yet finalized: not batched again meanwhile.
	pub in_flight: bool,
}

/// An opened entry ready to be batched.
#[derive(Clone, Debug)]
pub struct Ready<'a> {
	/// Its submission id.
	pub id: SubmissionId,
	/// The revealed call.
	pub call: &'a RevealedCall,
	/// Its submitter's `max_weight`.
	pub max_weight: Weight,
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

	/// Mirrors submission `id` of `epoch` allowing `max_weight`, first seen `now`, with what
	/// opening it gave. Ignored when the mirror is full or already holds `id`.
	pub fn add(
		&mut self,
		epoch: u32,
		id: SubmissionId,
		max_weight: Weight,
		opened: Result<RevealedCall, RejectReason>,
		now: Instant,
	) {
		if self.entries.len() < self.capacity {
			self.entries.entry(id).or_insert(Entry {
				epoch,
				max_weight,
				opened,
				seen: now,
				refused_alone_at: None,
				submitted_at: None,
				in_flight: false,
			});
		}
	}

	/// Records that the chain refused a batch holding only entry `id`, at finalized block `at`,
	/// for a reason the worker cannot put on the batch as a whole. The entry sits out the rest
	/// of that block's pass; refused alone at two different finalized blocks, it is marked
	/// [`RejectReason::Unexecutable`] and goes out with the next rejections. Returns whether it
	/// was marked.
	pub fn refused_alone(&mut self, id: SubmissionId, at: BlockNumber) -> bool {
		let Some(entry) = self.entries.get_mut(&id) else { return false };
		match entry.refused_alone_at {
			Some(before) if before != at => {
				entry.opened = Err(RejectReason::Unexecutable);
				true
			}
			_ => {
				entry.refused_alone_at = Some(at);
				false
			}
		}
	}

	/// Records the block submission `id` was submitted in.
	pub fn note_submitted(&mut self, id: SubmissionId, at: BlockNumber) {
		if let Some(e) = self.entries.get_mut(&id) {
			e.submitted_at = Some(at);
		}
	}

	/// The block the oldest opened entry of `epochs` was submitted in.
	pub fn oldest_ready_submitted(&self, epochs: &[u32]) -> Option<BlockNumber> {
		self.entries
			.values()
			.filter(|e| e.opened.is_ok() && epochs.contains(&e.epoch))
			.filter_map(|e| e.submitted_at)
			.min()
	}

	/// Entries that must be rejected on chain, oldest first, at most `max`, of those whose
	/// epoch and reason `may_reject` admits (not an epoch the worker is no confirmed holder
	/// of, not undecryptable entries of an epoch most of whose entries fail to open).
	pub fn rejects(
		&self,
		max: usize,
		may_reject: impl Fn(u32, RejectReason) -> bool,
	) -> Vec<(SubmissionId, RejectReason)> {
		self.entries
			.iter()
			.filter_map(|(id, e)| e.opened.as_ref().err().map(|r| (*id, e.epoch, *r)))
			.filter(|(_, epoch, r)| may_reject(*epoch, *r))
			.map(|(id, _, r)| (id, r))
			.take(max)
			.collect()
	}

	/// Marks `ids` as carried by a batch on its way to the chain (`true`), or back to be
	/// batched again (`false`: the batch was refused or its fate is unknown).
	pub fn set_in_flight(&mut self, ids: &[SubmissionId], in_flight: bool) {
		for id in ids {
			if let Some(e) = self.entries.get_mut(id) {
				e.in_flight = in_flight;
			}
		}
	}

	/// Opened entries of `epoch` not in flight, oldest first, leaving out those refused alone
	/// at finalized block `at` (they are tried again at the next one).
	pub fn ready(&self, epoch: u32, at: BlockNumber) -> Vec<Ready<'_>> {
		self.entries
			.iter()
			.filter(|(_, e)| e.epoch == epoch && !e.in_flight && e.refused_alone_at != Some(at))
			.filter_map(|(id, e)| {
				e.opened.as_ref().ok().map(|call| Ready {
					id: *id,
					call,
					max_weight: e.max_weight,
					seen: e.seen,
				})
			})
			.collect()
	}

	/// Epochs with opened entries ready, oldest epoch first.
	pub fn ready_epochs(&self) -> Vec<u32> {
		let mut epochs: Vec<u32> = self
			.entries
			.values()
			.filter(|e| e.opened.is_ok() && !e.in_flight)
			.map(|e| e.epoch)
			.collect();
		epochs.sort_unstable();
		epochs.dedup();
		epochs
	}

	/// When the oldest opened entry not in flight was first seen.
	pub fn oldest_ready(&self) -> Option<Instant> {
		self.entries.values().filter(|e| e.opened.is_ok() && !e.in_flight).map(|e| e.seen).min()
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

/// How much one batch may hold: what the chain lets one normal extrinsic weigh and measure,
/// less a tenth for the transaction's own extensions, signatures and encoding.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BatchBudget {
	/// Most weight `commit_batch` may declare.
	pub weight: Weight,
	/// Most bytes the batch's entries may take.
	pub length: usize,
}

impl BatchBudget {
	/// The budget of the runtime this worker is built with.
	pub fn of_runtime() -> Self {
		let weights = <Runtime as frame_system::Config>::BlockWeights::get();
		let normal = weights.get(DispatchClass::Normal);
		let weight = normal.max_extrinsic.or(normal.max_total).unwrap_or(weights.max_block);
		let length = *<Runtime as frame_system::Config>::BlockLength::get()
			.max
			.get(DispatchClass::Normal) as usize;
		Self {
			weight: Weight::from_parts(weight.ref_time() / 10 * 9, weight.proof_size() / 10 * 9),
			length: length / 10 * 9,
		}
	}

	/// How many of `ready` (oldest first) one batch takes, at most `max`: as many as fit, with
	/// `commit_batch`'s weight counted as the chain counts it before running the batch (the
	/// checks for that many entries and call bytes plus each entry's
	/// [`pallet_sequencer::Pallet::entry_weight`]) and each entry's encoded length. At least one
	/// when `max` allows: every entry fits alone, since the chain bounds its `max_weight` and its
	/// length far below a block's.
	pub fn fit(&self, ready: &[Ready<'_>], max: usize) -> usize {
		let mut calls = Weight::zero();
		let mut length = 0usize;
		let mut call_bytes = 0u32;
		for (n, r) in ready.iter().take(max).enumerate() {
			calls = calls.saturating_add(Sequencer::entry_weight(&r.call.call, r.max_weight));
			length = length.saturating_add(r.call.encoded_size() + ENTRY_OVERHEAD);
			call_bytes = call_bytes.saturating_add(r.call.call.len() as u32);
			let checks = Sequencer::checks_weight_of(n as u32 + 1, 0, call_bytes);
			if n > 0 && (!checks.saturating_add(calls).all_lte(self.weight) || length > self.length)
			{
				return n;
			}
		}
		ready.len().min(max)
	}
}

/// What the chain refusing a batch says about it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fault {
	/// The batch as a whole, or the worker: its standing, keys, signatures, the chain of
	/// batches, the rule, its funds, or anything the worker cannot pin on an entry. Splitting
	/// the batch would not help, and no user should pay for it. The worker backs off.
	Batch,
	/// The chain moved on since the finalized block the batch was built from (an entry was
	/// executed, expired or re-weighed, or the order's inputs changed). Built again from the
	/// next finalized block.
	Stale,
	/// Evidence that an entry makes the batch unexecutable: the batch exhausts the block's
	/// resources, or the runtime trapped or panicked on it. The batch is split until the
	/// refused entry is alone.
	Entries,
}

/// How a batch refusal reads: by the sequencer's typed error for a failed dispatch, by the
/// pool's verdict for a refused extrinsic. Only specific evidence blames an entry; a
/// rejection as `Unexecutable` costs its submitter the inclusion fee.
pub fn fault_of(e: &ChainError) -> Fault {
	use pallet_sequencer::Error as E;
	match e {
		ChainError::Dispatch(error, _) => {
			match aegis_runtime::RuntimeError::from_dispatch_error(*error) {
				Some(aegis_runtime::RuntimeError::Sequencer(
					E::UnknownSubmission
					| E::EpochMismatch
					| E::WeightMismatch
					| E::Misordered
					| E::StaleOrder,
				)) => Fault::Stale,
				_ => Fault::Batch,
			}
		}
		ChainError::Refused(m) => {
			let m = m.to_ascii_lowercase();
			let any = |words: &[&str]| words.iter().any(|w| m.contains(w));
			if any(&["exhaust", "panicked", "trap", "unreachable"]) {
				Fault::Entries
			} else if any(&["outdated", "stale"]) {
				Fault::Stale
			} else {
				Fault::Batch
			}
		}
		ChainError::Rpc(_) | ChainError::Incompatible(_) => Fault::Batch,
	}
}

/// When the worker may try a batch again after the chain refused one for [`Fault::Batch`] or
/// [`Fault::Stale`]: never at the same finalized block (the refusal would repeat), and after
/// repeated batch faults only once `2^n` blocks have passed (at most [`MAX_BACKOFF_BLOCKS`]),
/// so a worker the chain refuses does not spend a signature and an extrinsic per block on it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Backoff {
	/// No batch before this finalized block.
	pub until: BlockNumber,
	/// Batch faults in a row.
	pub faults: u32,
}

/// The longest back-off, in blocks.
pub const MAX_BACKOFF_BLOCKS: BlockNumber = 64;

impl Backoff {
	/// Whether a batch may be tried at finalized block `at`.
	pub fn allows(&self, at: BlockNumber) -> bool {
		at >= self.until
	}

	/// Records a refusal for `fault` at finalized block `at`.
	pub fn refused(&mut self, fault: Fault, at: BlockNumber) {
		let wait = match fault {
			Fault::Batch => {
				self.faults = self.faults.saturating_add(1);
				1u32.checked_shl(self.faults).unwrap_or(u32::MAX).min(MAX_BACKOFF_BLOCKS)
			}
			Fault::Stale | Fault::Entries => 1,
		};
		self.until = at.saturating_add(wait);
	}

	/// Back to normal: a batch was committed, or the worker re-attested.
	pub fn reset(&mut self) {
		*self = Self::default();
	}
}

/// Bytes a batch entry takes beyond its revealed call: its id and `max_weight`, at most.
const ENTRY_OVERHEAD: usize = 8 + 2 * 9;

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

	const W: Weight = Weight::from_parts(1_000_000, 1_000);

	fn call(byte: u8) -> RevealedCall {
		RevealedCall { call: vec![byte].try_into().unwrap(), salt: [byte; 32] }
	}

	#[test]
	fn prune_drops_what_left_the_chain_and_lists_what_is_new_oldest_first() {
		let mut m = Mempool::new(10);
		let now = Instant::now();
		m.add(1, 5, W, Ok(call(5)), now);
		m.add(1, 7, W, Err(RejectReason::Malformed), now);
		let p = m.prune(&[(2, 9), (1, 7), (1, 3), (2, 9)]);
		assert_eq!(p, Prune { removed: 1, deferred: 0, new: vec![(1, 3), (2, 9)] });
		assert_eq!(m.len(), 1);
		assert_eq!(m.rejects(10, |_, _| true), vec![(7, RejectReason::Malformed)]);
		// A second prune with nothing added lists the same new ids again.
		assert_eq!(m.prune(&[(1, 7), (1, 3), (2, 9)]).new, vec![(1, 3), (2, 9)]);
	}

	#[test]
	fn a_full_mirror_defers_the_newest_and_ignores_extra_adds() {
		let mut m = Mempool::new(3);
		let now = Instant::now();
		m.add(1, 1, W, Ok(call(1)), now);
		let p = m.prune(&[(1, 4), (1, 1), (1, 2), (1, 3)]);
		assert_eq!(p, Prune { removed: 0, deferred: 1, new: vec![(1, 2), (1, 3)] });
		for (epoch, id) in p.new {
			m.add(epoch, id, W, Ok(call(id as u8)), now);
		}
		m.add(1, 4, W, Ok(call(4)), now);
		assert_eq!(m.len(), 3);
		let ready: Vec<SubmissionId> = m.ready(1, 0).iter().map(|r| r.id).collect();
		assert_eq!(ready, vec![1, 2, 3]);
		// Room frees once the chain executes one: the deferred entry comes in.
		assert_eq!(m.prune(&[(1, 4), (1, 2), (1, 3)]).new, vec![(1, 4)]);
	}

	#[test]
	fn adding_twice_keeps_the_first_sighting() {
		let mut m = Mempool::new(3);
		let first = Instant::now();
		m.add(1, 1, W, Ok(call(1)), first);
		m.add(1, 1, W, Err(RejectReason::DecryptionFailed), first + Duration::from_secs(5));
		assert_eq!(m.oldest_ready(), Some(first));
		assert!(m.rejects(10, |_, _| true).is_empty());
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

	fn ids(ready: Vec<Ready<'_>>) -> Vec<SubmissionId> {
		ready.iter().map(|r| r.id).collect()
	}

	#[test]
	fn an_entry_refused_alone_sits_out_the_block_and_at_a_second_block_is_unexecutable() {
		let mut m = Mempool::new(4);
		let now = Instant::now();
		m.add(1, 1, W, Ok(call(1)), now);
		m.add(1, 2, W, Ok(call(2)), now);
		assert!(!m.refused_alone(1, 10));
		assert_eq!(ids(m.ready(1, 10)), [2]);
		assert_eq!(ids(m.ready(1, 11)), [1, 2]);
		// Refused again at the same block: still one block's worth of evidence.
		assert!(!m.refused_alone(1, 10));
		assert!(m.rejects(10, |_, _| true).is_empty());
		assert!(m.refused_alone(1, 11));
		assert_eq!(m.rejects(10, |_, _| true), vec![(1, RejectReason::Unexecutable)]);
		assert_eq!(ids(m.ready(1, 12)), [2]);
		assert!(!m.refused_alone(9, 11), "not mirrored");
	}

	#[test]
	fn refusals_are_read_by_their_typed_error() {
		use pallet_sequencer::Error as E;
		let dispatch = |e: E<Runtime>| {
			let error: sp_runtime::DispatchError = e.into();
			ChainError::dispatch(&error)
		};
		assert_eq!(fault_of(&dispatch(E::WrongSequence)), Fault::Batch);
		assert_eq!(fault_of(&dispatch(E::BadSignature)), Fault::Batch);
		assert_eq!(fault_of(&dispatch(E::NotActiveWorker)), Fault::Batch);
		assert_eq!(fault_of(&dispatch(E::Misordered)), Fault::Stale);
		assert_eq!(fault_of(&dispatch(E::UnknownSubmission)), Fault::Stale);
		assert_eq!(fault_of(&dispatch(E::StaleOrder)), Fault::Stale);
		assert_eq!(fault_of(&dispatch(E::KeysTooOld)), Fault::Batch);
		// A worker-side error (it computed the commitment itself) blames no user.
		assert_eq!(fault_of(&dispatch(E::CommitmentMismatch)), Fault::Batch);
		let other: sp_runtime::DispatchError =
			pallet_balances::Error::<Runtime>::InsufficientBalance.into();
		assert_eq!(fault_of(&ChainError::dispatch(&other)), Fault::Batch);
		let pool = |m: &str| fault_of(&ChainError::Refused(m.into()));
		assert_eq!(
			pool("Invalid Transaction: Transaction would exhaust the block limits"),
			Fault::Entries
		);
		assert_eq!(pool("wasm `unreachable` instruction executed"), Fault::Entries);
		assert_eq!(pool("Runtime panicked: out of bounds memory access"), Fault::Entries);
		assert_eq!(pool("Invalid Transaction: Inability to pay some fees"), Fault::Batch);
		assert_eq!(pool("Priority is too low: (1 vs 1)"), Fault::Batch);
		assert_eq!(pool("became invalid in the pool"), Fault::Batch);
		assert_eq!(pool("Transaction is outdated"), Fault::Stale);
	}

	#[test]
	fn batch_faults_back_off_exponentially_and_a_commit_resets() {
		let mut b = Backoff::default();
		assert!(b.allows(0));
		b.refused(Fault::Stale, 10);
		assert!(!b.allows(10) && b.allows(11));
		let waits: Vec<BlockNumber> = (0..8)
			.map(|_| {
				b.refused(Fault::Batch, 100);
				b.until - 100
			})
			.collect();
		assert_eq!(waits, [2, 4, 8, 16, 32, 64, 64, 64]);
		b.reset();
		assert!(b.allows(0));
		b.refused(Fault::Batch, 5);
		assert_eq!(b.until, 7);
	}

	#[test]
	fn a_batch_takes_what_fits_the_chains_budget() {
		use aegis_runtime::RuntimeCall;
		use frame_support::dispatch::GetDispatchInfo;
		let transfer = RuntimeCall::Balances(pallet_balances::Call::transfer_keep_alive {
			dest: sp_runtime::AccountId32::new([1; 32]).into(),
			value: 1,
		});
		let declared = transfer.get_dispatch_info().call_weight;
		assert!(declared.ref_time() > 0);
		let max = <Runtime as pallet_sequencer::Config>::MaxCallWeight::get();
		let calls: Vec<RevealedCall> = (0..6)
			.map(|i| RevealedCall { call: transfer.encode().try_into().unwrap(), salt: [i; 32] })
			.collect();
		let now = Instant::now();
		let ready: Vec<Ready<'_>> = calls
			.iter()
			.enumerate()
			.map(|(i, call)| Ready { id: i as u64, call, max_weight: max, seen: now })
			.collect();
		let call_len = transfer.encode().len() as u32;
		let checks = |n: u32| Sequencer::checks_weight_of(n, 0, n * call_len);
		let by_weight =
			BatchBudget { weight: checks(3).saturating_add(declared.mul(3)), length: usize::MAX };
		assert_eq!(by_weight.fit(&ready, 50), 3);
		assert_eq!(by_weight.fit(&ready, 2), 2);
		let entry = calls.first().unwrap().encoded_size() + ENTRY_OVERHEAD;
		let by_length = BatchBudget { weight: Weight::MAX, length: 2 * entry };
		assert_eq!(by_length.fit(&ready, 50), 2);
		// Never none: one entry always goes.
		assert_eq!(BatchBudget { weight: Weight::zero(), length: 0 }.fit(&ready, 50), 1);
		assert_eq!(BatchBudget::of_runtime().fit(&ready, 50), 6);

		// A call that declares more than its submitter allowed never runs: it weighs nothing
		// beyond the checks, whatever it declares.
		let poison = RuntimeCall::Sudo(pallet_sudo::Call::sudo_unchecked_weight {
			call: Box::new(transfer),
			weight: Weight::MAX,
		});
		assert_eq!(Sequencer::entry_weight(&poison.encode(), max), Weight::zero());
	}
}
