//! Batches: deposits, the checks of `commit_batch` and its weight, running each entry as its
//! submitter and settling its deposit, rejections, expiry, and what the ordering rule sees of a
//! revealed call.

use super::*;
use sp_runtime::SaturatedConversion;

impl<T: Config> Pallet<T> {
	/// The deposit a submission of `len` envelope bytes and `max_weight` holds.
	pub fn deposit_for(len: usize, max_weight: Weight) -> BalanceOf<T> {
		let len: BalanceOf<T> = (len as u32).into();
		T::DepositBase::get()
			.saturating_add(T::DepositPerByte::get().saturating_mul(len))
			.saturating_add(T::WeightToFee::weight_to_fee(&max_weight))
	}

	/// `commit_batch`'s weight before dispatch: the checks, plus what each entry may run
	/// ([`Pallet::entry_weight`]). Every entry counts for at most the `max_weight` the batch
	/// names for it (which `check_batch` holds to the submission's), so no submission can make
	/// a batch heavier than its submitter paid for, whatever its call declares.
	pub fn commit_batch_weight(batch: &Batch, cosigners: u32) -> Weight {
		let calls = batch.entries.iter().fold(Weight::zero(), |w, e| {
			w.saturating_add(Self::entry_weight(&e.revealed.call, weight_of(e.max_weight)))
		});
		Self::checks_weight(batch, cosigners).saturating_add(calls)
	}

	/// The weight of `commit_batch`'s checks and settlement of `batch`, without its calls' own.
	pub(crate) fn checks_weight(batch: &Batch, cosigners: u32) -> Weight {
		let call_bytes =
			batch.entries.iter().fold(0u32, |n, e| n.saturating_add(e.revealed.call.len() as u32));
		Self::checks_weight_of(batch.entries.len() as u32, cosigners, call_bytes)
	}

	/// The weight of `commit_batch`'s checks and settlement of `entries` entries whose revealed
	/// calls hold `call_bytes` bytes in all, with `cosigners` co-signatures. A batch of one
	/// entry, its signatures verified, and the bytes of its calls (each hashed and decoded,
	/// whether it runs or not) as `commit_batch_call_bytes` measured them on their own; each
	/// further entry and each co-signer as `commit_batch` measured them. (Fitted beside a
	/// thousand entries, `commit_batch`'s own fixed part and any per-byte share are noise.)
	pub fn checks_weight_of(entries: u32, cosigners: u32, call_bytes: u32) -> Weight {
		let one_entry = T::WeightInfo::commit_batch_call_bytes(call_bytes);
		let more = T::WeightInfo::commit_batch(entries.max(1), cosigners)
			.saturating_sub(T::WeightInfo::commit_batch(1, 0));
		one_entry.saturating_add(more)
	}

	/// The most a revealed call adds to its batch's weight beyond the checks: its declared
	/// weight if it will be dispatched, zero if it will not. A call that does not decode, that
	/// the call filter refuses, or that declares more than `max_weight` never runs (it ends
	/// `Undecodable`, `Filtered` or `OverWeight`), so it costs only its share of the checks.
	pub fn entry_weight(call: &[u8], max_weight: Weight) -> Weight {
		Self::decode_call(call)
			.filter(T::CallFilter::contains)
			.map(|c| c.get_dispatch_info().call_weight)
			.filter(|declared| declared.all_lte(max_weight))
			.unwrap_or_default()
	}

	/// `worker`'s registered keys, unless they are older than the risk policy's rotation
	/// period: signatures from them no longer count.
	pub(crate) fn current_keys(worker: &T::AccountId) -> Result<EnclaveKeys, Error<T>> {
		let (keys, age) = T::Workers::keys_and_age(worker).ok_or(Error::<T>::NotActiveWorker)?;
		ensure!(age <= T::Risk::policy().key_rotation_blocks, Error::<T>::KeysTooOld);
		Ok(keys)
	}

	/// The batch entry revealing pending submission `id` as `revealed`, naming the submission's
	/// `max_weight` as the batch must.
	pub fn batch_entry(id: SubmissionId, revealed: RevealedCall) -> Option<BatchEntry> {
		let s = Pending::<T>::get(id)?;
		Some(BatchEntry { submission_id: id, max_weight: weight_limit(s.max_weight), revealed })
	}

	/// Every check of a batch. Changes nothing.
	pub(crate) fn check_batch(
		worker: &T::AccountId,
		batch: &Batch,
		signatures: &SignatureSet,
		cosignatures: &[(T::AccountId, SignatureSet)],
	) -> Result<CheckedBatch<T>, DispatchError> {
		ensure!(T::Workers::is_active(worker), Error::<T>::NotActiveWorker);
		ensure!(T::Workers::role(worker) == Some(WorkerRole::Primary), Error::<T>::NotPrimary);
		batch.check_integrity().map_err(|_| Error::<T>::BatchIntegrity)?;
		let header = &batch.header;
		ensure!(header.genesis_hash == Self::genesis_hash(), Error::<T>::WrongChain);
		let chain = Batches::<T>::get();
		ensure!(header.sequence == chain.next_sequence, Error::<T>::WrongSequence);
		ensure!(header.parent_hash == chain.last_hash, Error::<T>::WrongParent);
		ensure!(header.rule == ActiveRule::<T>::get(), Error::<T>::WrongRule);

		let hash = batch.hash();
		let required = T::Risk::policy().batch_suites;
		let keys = Self::current_keys(worker)?;
		let signed =
			verify_signatures::<T>(required, &keys, pqc::context::BATCH, &hash, signatures)?;
		let redundancy = T::Workers::redundancy();
		if redundancy.enabled {
			let mut seen: Vec<&T::AccountId> = Vec::new();
			let diversity = T::Workers::cosigner_diversity();
			let committer = T::Workers::platform(worker);
			for (cosigner, sigs) in cosignatures {
				let valid = cosigner != worker
					&& !seen.contains(&cosigner)
					&& T::Workers::is_active(cosigner)
					&& T::Workers::role(cosigner) == Some(WorkerRole::Redundancy)
					&& committer
						.zip(T::Workers::platform(cosigner))
						.is_some_and(|(c, o)| diversity.admits(c, o))
					&& Self::current_keys(cosigner).is_ok_and(|k| {
						verify_signatures::<T>(
							required,
							&k,
							pqc::context::BATCH_COSIGN,
							&hash,
							sigs,
						)
						.is_ok()
					});
				if valid {
					seen.push(cosigner);
				}
			}
			ensure!(
				seen.len() >= usize::from(redundancy.min_cosigners),
				Error::<T>::NotEnoughCosignatures
			);
		}

		let now = frame_system::Pallet::<T>::block_number();
		let ordered_at: BlockNumberFor<T> = header.ordered_at.into();
		ensure!(
			ordered_at <= now && now.saturating_sub(ordered_at) <= T::TierChangeInterval::get(),
			Error::<T>::StaleOrder
		);
		let risk = T::Risk::score();
		let mut ids = alloc::collections::BTreeSet::new();
		let mut metas = Vec::with_capacity(batch.entries.len());
		let mut out = Vec::with_capacity(batch.entries.len());
		for entry in batch.entries.iter() {
			ensure!(ids.insert(entry.submission_id), Error::<T>::UnknownSubmission);
			let s = Pending::<T>::get(entry.submission_id).ok_or(Error::<T>::UnknownSubmission)?;
			ensure!(s.key_epoch == header.key_epoch, Error::<T>::EpochMismatch);
			ensure!(weight_of(entry.max_weight) == s.max_weight, Error::<T>::WeightMismatch);
			ensure!(entry.revealed.commitment() == s.commitment, Error::<T>::CommitmentMismatch);
			let call = Self::decode_call(&entry.revealed.call).map(|call| {
				let classified = Self::classify(&call);
				(call, classified)
			});
			let (protection, migration) =
				Self::order_class_at(call.as_ref().map(|(_, c)| c), ordered_at);
			metas.push(EntryMeta { arrival: entry.submission_id, risk, protection, migration });
			out.push((s, call));
		}
		ensure!(is_ordered(header.rule, &metas), Error::<T>::Misordered);
		Ok(CheckedBatch {
			entries: out,
			full_pqc: signed.is_superset(SuiteSet::BOTH),
			risk,
			hash,
			migration_operator: Self::migration_operator(),
		})
	}

	/// How long the oldest of `submissions` has waited, in blocks.
	pub(crate) fn longest_wait<'a>(submissions: impl Iterator<Item = &'a SubmissionOf<T>>) -> u32
	where
		T: 'a,
	{
		let now = frame_system::Pallet::<T>::block_number();
		submissions
			.map(|s| now.saturating_sub(s.submitted_at))
			.max()
			.unwrap_or_default()
			.saturated_into()
	}

	/// Lets `worker` sequence now if it leads or may take over (see the registry's
	/// leadership); returns the weight that check used.
	pub(crate) fn authorize(worker: &T::AccountId, waited: u32) -> Result<Weight, Error<T>> {
		T::Workers::authorize_sequencer(worker, waited).map_err(|e| match e {
			LeadRefusal::NotEligible => Error::<T>::NotCandidate,
			LeadRefusal::NotLeader => Error::<T>::NotLeader,
		})
	}

	/// Runs one entry and settles its deposit; returns the weight the call used.
	pub(crate) fn execute(
		worker: &T::AccountId,
		id: SubmissionId,
		s: SubmissionOf<T>,
		call: Option<(<T as Config>::RuntimeCall, Classified<T>)>,
		path: CallPath,
		risk: RiskScore,
		migration_operator: Option<&(MigrationId, T::AccountId)>,
	) -> Weight {
		Self::forget(id, &s.who);
		let inclusion = Self::deposit_for(s.envelope.len(), Weight::zero());
		let (outcome, weight) = match call {
			None => (EntryOutcome::Undecodable, Weight::zero()),
			Some((call, classified)) => {
				let operator_of =
					migration_operator.filter(|(_, op)| *op == s.who).map(|(id, _)| *id);
				Self::run(&s, call, &classified, path, risk, operator_of)
			}
		};
		let fee = inclusion.saturating_add(T::WeightToFee::weight_to_fee(&weight));
		let charged = Self::settle(&s, fee, worker);
		Self::deposit_event(Event::EntryExecuted { id, who: s.who, outcome, charged });
		weight
	}

	/// Runs a revealed call as its submitter if the call filter, the protected assets' policies
	/// (as checked with the batch) and the submitter's `max_weight` let it; `operator_of` is
	/// the migration whose operator the submitter is, if any.
	pub(crate) fn run(
		s: &SubmissionOf<T>,
		call: <T as Config>::RuntimeCall,
		classified: &Classified<T>,
		path: CallPath,
		risk: RiskScore,
		operator_of: Option<MigrationId>,
	) -> (EntryOutcome, Weight) {
		if !T::CallFilter::contains(&call) {
			return (EntryOutcome::Filtered, Weight::zero());
		}
		if let Err(refusal) = classified.refusal(path, operator_of, || risk) {
			return (EntryOutcome::Refused(refusal), Weight::zero());
		}
		let declared = call.get_dispatch_info().call_weight;
		if !declared.all_lte(s.max_weight) {
			return (EntryOutcome::OverWeight, Weight::zero());
		}
		let origin = frame_system::RawOrigin::Signed(s.who.clone()).into();
		// The mark is the submitter's own: the operator's entry may touch the migration's
		// assets (nested calls too, through the guard), anyone else's may not, whoever signed
		// the batch (a worker may be the operator).
		let signer_mark = OperatorDispatch::<T>::take();
		OperatorDispatch::<T>::set(operator_of);
		let dispatched = call.dispatch(origin);
		OperatorDispatch::<T>::set(signer_mark);
		let (result, post) = match dispatched {
			Ok(post) => (Ok(()), post),
			Err(e) => (Err(e.error), e.post_info),
		};
		let used = post.actual_weight.unwrap_or(declared).min(declared);
		(EntryOutcome::Executed { result, weight: used }, used)
	}

	/// Removes a pending submission already read (and checked) by the caller.
	pub(crate) fn forget(id: SubmissionId, who: &T::AccountId) {
		Pending::<T>::remove(id);
		Self::uncount(who);
	}

	pub(crate) fn uncount(who: &T::AccountId) {
		PendingPerAccount::<T>::mutate_exists(who, |n| {
			let left = n.unwrap_or_default().saturating_sub(1);
			*n = (left > 0).then_some(left);
		});
	}

	/// What a rejected submission of `len` envelope bytes pays: `RejectFee`, at most the cost
	/// of carrying the envelope on chain (`DepositBase + DepositPerByte · len`), which its
	/// deposit always covers. The weight part of the deposit always comes back.
	pub fn reject_fee(len: usize) -> BalanceOf<T> {
		T::RejectFee::get().min(Self::deposit_for(len, Weight::zero()))
	}

	/// Burns [`Pallet::reject_fee`] from a rejected submission's held deposit, releases the
	/// rest, and returns what was burned.
	pub(crate) fn burn_reject_fee(s: &SubmissionOf<T>) -> BalanceOf<T> {
		let reason: T::RuntimeHoldReason = HoldReason::Submission.into();
		let fee = Self::reject_fee(s.envelope.len()).min(s.deposit);
		let burned = if fee.is_zero() {
			Zero::zero()
		} else {
			T::Currency::burn_held(&reason, &s.who, fee, Precision::BestEffort, Fortitude::Polite)
				.unwrap_or_default()
		};
		let _ = T::Currency::release(
			&reason,
			&s.who,
			s.deposit.saturating_sub(burned),
			Precision::BestEffort,
		);
		burned
	}

	/// Pays `fee` (at most the deposit) from the submitter's held deposit to `to`, releases the
	/// rest, and returns what was paid.
	pub(crate) fn settle(
		s: &SubmissionOf<T>,
		fee: BalanceOf<T>,
		to: &T::AccountId,
	) -> BalanceOf<T> {
		let reason: T::RuntimeHoldReason = HoldReason::Submission.into();
		let fee = fee.min(s.deposit);
		let paid = if fee.is_zero() {
			Zero::zero()
		} else {
			T::Currency::transfer_on_hold(
				&reason,
				&s.who,
				to,
				fee,
				Precision::BestEffort,
				Restriction::Free,
				Fortitude::Polite,
			)
			.unwrap_or_default()
		};
		let rest = s.deposit.saturating_sub(paid);
		let _ = T::Currency::release(&reason, &s.who, rest, Precision::BestEffort);
		paid
	}

	pub(crate) fn is_expired(s: &SubmissionOf<T>, now: BlockNumberFor<T>) -> bool {
		now >= s.submitted_at.saturating_add(T::MaxPendingAge::get())
	}

	/// Refunds pending submission `id`, read by the caller, in full.
	pub(crate) fn expire(id: SubmissionId, s: SubmissionOf<T>) {
		Self::forget(id, &s.who);
		let reason: T::RuntimeHoldReason = HoldReason::Submission.into();
		let _ = T::Currency::release(&reason, &s.who, s.deposit, Precision::BestEffort);
		Self::deposit_event(Event::Expired { id, who: s.who });
	}

	/// What refunding `refunded` expired submissions cost, having looked at `looked` ids: the
	/// benchmarked refunds, plus a read for every id looked at that was not one of them.
	pub(crate) fn expiry_weight(refunded: u32, looked: u32) -> Weight {
		T::WeightInfo::on_initialize_expiries(refunded)
			.saturating_add(T::DbWeight::get().reads(looked.saturating_sub(refunded).into()))
	}

	/// Refunds expired submissions oldest first, at most `limit`, looking at at most twice as
	/// many ids; returns how many it refunded and how many ids it looked at. Ids grow with
	/// time, so the first still-young submission ends the scan.
	pub(crate) fn refund_expired_up_to(now: BlockNumberFor<T>, limit: u32) -> (u32, u32) {
		let mut cursor = ExpiryCursor::<T>::get();
		let end = NextSubmissionId::<T>::get();
		let mut refunded = 0u32;
		let mut looked = 0u32;
		while cursor < end && refunded < limit && looked < limit.saturating_mul(2).max(2) {
			looked = looked.saturating_add(1);
			match Pending::<T>::get(cursor) {
				None => {}
				Some(s) if Self::is_expired(&s, now) => {
					Self::expire(cursor, s);
					refunded = refunded.saturating_add(1);
				}
				Some(_) => break,
			}
			cursor = cursor.saturating_add(1);
		}
		ExpiryCursor::<T>::put(cursor);
		(refunded, looked)
	}

	/// What the ordering rule sees of a revealed call: its protection tier and whether it is a
	/// migration call. A call that does not decode gets the defaults (unprotected, no
	/// migration); it will fail as `Undecodable` when run. The worker asks this (through
	/// [`SequencerApi::order_classes`]) so that it orders exactly as [`Pallet::commit_batch`]
	/// checks.
	pub fn order_class(call: &[u8]) -> (ProtectionTier, bool) {
		Self::order_class_of(Self::decode_call(call).map(|c| Self::classify(&c)).as_ref())
	}

	/// A revealed call: nested at most [`MAX_REVEALED_CALL_DEPTH`] deep (a deeply nested call
	/// would exhaust the wasm runtime's stack while decoding, trapping `commit_batch` and the
	/// worker's `order_classes` for every batch holding it), with every byte used. Anything
	/// else does not decode and runs as `Undecodable`.
	pub fn decode_call(call: &[u8]) -> Option<<T as Config>::RuntimeCall> {
		<T as Config>::RuntimeCall::decode_all_with_depth_limit(
			MAX_REVEALED_CALL_DEPTH,
			&mut &call[..],
		)
		.ok()
	}

	pub(crate) fn order_class_of(classified: Option<&Classified<T>>) -> (ProtectionTier, bool) {
		classified.map(|c| (c.tier(), c.class.migration)).unwrap_or_default()
	}

	/// [`Self::order_class_of`] as of the state after block `at`: an asset whose tier changed
	/// after `at` had the tier before the change. `TierChangeInterval` keeps changes that far
	/// apart and batches ordered at most that long ago, so at most one change lies between.
	pub(crate) fn order_class_at(
		classified: Option<&Classified<T>>,
		at: BlockNumberFor<T>,
	) -> (ProtectionTier, bool) {
		let (tier, migration) = Self::order_class_of(classified);
		let changed = classified.and_then(|c| c.class.asset).and_then(TierChanges::<T>::get);
		match changed {
			Some((before, changed_at)) if changed_at > at => (before, migration),
			_ => (tier, migration),
		}
	}

	/// Pending submission ids encrypted to `key_epoch`, oldest first.
	pub fn pending_ids(key_epoch: u32) -> Vec<SubmissionId> {
		let mut ids: Vec<SubmissionId> = Pending::<T>::iter()
			.filter(|(_, s)| s.key_epoch == key_epoch)
			.map(|(id, _)| id)
			.collect();
		ids.sort_unstable();
		ids
	}
}

/// Checks a signature set against the required suites and a worker's keys; returns the suites
/// it carries (all verified).
pub(crate) fn verify_signatures<T: Config>(
	required: SuiteSet,
	keys: &EnclaveKeys,
	context: &[u8],
	hash: &Hash,
	signatures: &SignatureSet,
) -> Result<SuiteSet, Error<T>> {
	pqc::verify_set(required, |suite: Suite| keys.signing_key(suite), context, hash, signatures)
		.map_err(|e| match e {
			pqc::SignatureSetError::MissingSuite(_) => Error::<T>::MissingSignature,
			_ => Error::<T>::BadSignature,
		})
}
