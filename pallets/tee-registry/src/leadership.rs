//! Leadership: one worker at a time commits batches and rejects entries.
//!
//! The candidates are the active primaries holding the current cluster key epoch, in account
//! order. Leadership is sticky for `LeaderTerm` blocks, then passes to the next candidate after
//! the leader; a leader that stops being a candidate (silent, expired, deactivated, not
//! holding the current epoch) loses it at the next block. If the leader stalls (an entry it
//! could batch has waited `TakeoverAfter` blocks since both its submission and the leader's
//! last progress), the next candidate may commit, and becomes leader by doing so; after
//! `2 × TakeoverAfter` the one after it too, and so on, so dead candidates are skipped without
//! waiting for their heartbeat to time out. The batch chain (sequence, parent hash) still
//! decides which of two racing batches counts: a deposed leader's late batch changes nothing.

use super::*;

impl<T: Config> Pallet<T> {
	/// Whether `who` may lead: an active primary holding the current epoch.
	pub fn is_candidate(who: &T::AccountId) -> bool {
		let Some(key) = CurrentClusterKey::<T>::get() else { return false };
		KeyHolders::<T>::contains_key(key.epoch, who)
			&& Self::active_worker(who).is_some_and(|w| w.role == WorkerRole::Primary)
	}

	/// The candidates, in leadership order (ascending account).
	pub fn leader_order() -> Vec<T::AccountId> {
		let Some(key) = CurrentClusterKey::<T>::get() else { return Vec::new() };
		let now = frame_system::Pallet::<T>::block_number();
		let mut order: Vec<T::AccountId> = KeyHolders::<T>::iter_key_prefix(key.epoch)
			.filter(|who| {
				Workers::<T>::get(who)
					.is_some_and(|w| w.role == WorkerRole::Primary && Self::is_live(&w, now))
			})
			.collect();
		order.sort();
		order
	}

	/// The candidate after `who` in `order` (the first if `who` is not in it), wrapping.
	fn successor<'a>(order: &'a [T::AccountId], who: &T::AccountId) -> Option<&'a T::AccountId> {
		let next = match order.binary_search(who) {
			Ok(at) => at.saturating_add(1),
			Err(at) => at,
		};
		order.get(next % order.len().max(1))
	}

	/// The reads [`Self::leader_order`] makes at most.
	fn order_reads() -> u64 {
		u64::from(T::MaxWorkers::get()).saturating_mul(2).saturating_add(1)
	}

	/// Passes leadership on: to `to`, for `reason`.
	fn hand_over(from: Option<T::AccountId>, to: T::AccountId, reason: LeaderChange) {
		let now = frame_system::Pallet::<T>::block_number();
		Leader::<T>::put(Leadership { leader: to.clone(), term_start: now, last_progress: now });
		Self::deposit_event(Event::LeaderChanged { from, to, reason });
	}

	/// Every block: a leader that is no longer a candidate, or whose term ended, hands over to
	/// the next candidate; with no leader, the first candidate is elected.
	pub(crate) fn leadership_on_initialize(now: BlockNumberFor<T>) -> Weight {
		let db = T::DbWeight::get();
		let stored = Leader::<T>::get();
		let reason = match &stored {
			None => LeaderChange::Elected,
			Some(l) if !Self::is_candidate(&l.leader) => LeaderChange::LeaderLost,
			Some(l) if now >= l.term_start.saturating_add(T::LeaderTerm::get()) => {
				LeaderChange::TermEnded
			}
			// A candidate in its term: three reads (leader, key, holder) and its record.
			Some(_) => return db.reads(4),
		};
		if stored.is_none() && CurrentClusterKey::<T>::get().is_none() {
			return db.reads(2);
		}
		let order = Self::leader_order();
		let from = stored.map(|l| l.leader);
		let next = match &from {
			Some(f) => Self::successor(&order, f).cloned(),
			None => order.first().cloned(),
		};
		match next {
			// A term ending with no other candidate renews the leader's.
			Some(to) => Self::hand_over(from, to, reason),
			None => {
				if from.is_some() {
					Leader::<T>::kill();
				}
			}
		}
		db.reads_writes(Self::order_reads().saturating_add(4), 1)
	}

	/// Checks that `who` may commit a batch or reject entries now, given that the oldest entry
	/// it handles has waited `waited` blocks since its submission. The leader may; another
	/// candidate may take over at position `p` after the leader once that entry has waited
	/// `p × TakeoverAfter` blocks since the leader's last progress too. Records the progress
	/// (and a takeover): the caller's failure rolls it back with the rest of the call. Returns
	/// the weight it used.
	pub fn authorize_sequencer(
		who: &T::AccountId,
		waited: BlockNumberFor<T>,
	) -> Result<Weight, LeadRefusal> {
		let db = T::DbWeight::get();
		let now = frame_system::Pallet::<T>::block_number();
		if !Self::is_candidate(who) {
			return Err(LeadRefusal::NotEligible);
		}
		let stored = Leader::<T>::get();
		match stored {
			Some(mut l) if &l.leader == who => {
				l.last_progress = now;
				Leader::<T>::put(l);
				Ok(db.reads_writes(5, 1))
			}
			// No leader yet (before the next block elects one): the first candidate.
			None => {
				let order = Self::leader_order();
				if order.first() != Some(who) {
					return Err(LeadRefusal::NotLeader);
				}
				Self::hand_over(None, who.clone(), LeaderChange::Elected);
				Ok(db.reads_writes(Self::order_reads().saturating_add(5), 1))
			}
			Some(l) => {
				let order = Self::leader_order();
				let weight = db.reads_writes(Self::order_reads().saturating_add(5), 1);
				let position =
					takeover_position(&order, &l.leader, who).ok_or(LeadRefusal::NotEligible)?;
				let stalled = waited.min(now.saturating_sub(l.last_progress));
				let needed = T::TakeoverAfter::get().saturating_mul(position.into());
				if stalled < needed {
					return Err(LeadRefusal::NotLeader);
				}
				Self::hand_over(Some(l.leader), who.clone(), LeaderChange::Takeover);
				Ok(weight)
			}
		}
	}

	/// The most [`Self::authorize_sequencer`] may weigh.
	pub fn max_lead_weight() -> Weight {
		T::DbWeight::get().reads_writes(Self::order_reads().saturating_add(5), 1)
	}
}
