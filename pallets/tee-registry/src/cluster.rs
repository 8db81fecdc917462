//! The cluster key lifecycle: publication with one sealed copy per active worker,
//! confirmations, activation at a quorum (or at the deadline), provisioning of late joiners,
//! what re-attestation and removal take away, and the rekey triggers.
//!
//! An epoch's secret is 32 random bytes generated inside the publisher's enclave; the chain
//! only sees its public key (signed by the publisher) and the copies, each an aegis-envelope
//! sealed to a receiver's attested HPKE key. A receiver becomes a holder only when it proves
//! it derived the same public key ([`Pallet::confirm_cluster_key`]); a copy that does not open,
//! or opens to another key, is never confirmed, so the chain never counts (and the sequencer
//! never lets reject entries) a worker that cannot open the epoch.

use super::*;

impl<T: Config> Pallet<T> {
	/// The epoch a publication must carry: one past every epoch published so far (abandoned
	/// ones included, so an epoch number never names two keys).
	pub fn next_epoch() -> u32 {
		let current = CurrentClusterKey::<T>::get().map_or(0, |k| k.epoch);
		let pending = PendingKey::<T>::get().map_or(0, |p| p.key.epoch);
		current.max(pending).max(LatestEpoch::<T>::get()).saturating_add(1)
	}

	/// Whether a new epoch may be published now: there is none yet, or a rekey is required;
	/// and no published epoch is still collecting confirmations.
	pub fn rekey_due() -> bool {
		PendingKey::<T>::get().is_none()
			&& (CurrentClusterKey::<T>::get().is_none() || RekeyDeadline::<T>::get().is_some())
	}

	/// The public key of `epoch` if it is the current or the pending epoch.
	pub(crate) fn key_of(epoch: u32) -> Option<[u8; HPKE_XWING_PUBLIC_KEY_LEN]> {
		if let Some(k) = CurrentClusterKey::<T>::get().filter(|k| k.epoch == epoch) {
			return Some(k.public_key);
		}
		PendingKey::<T>::get().filter(|p| p.key.epoch == epoch).map(|p| p.key.public_key)
	}

	/// The epochs whose holders and copies are kept: previous, current and pending.
	pub(crate) fn kept_epochs() -> Vec<u32> {
		let mut epochs = Vec::with_capacity(3);
		if let Some((previous, _)) = PreviousEpoch::<T>::get() {
			epochs.push(previous);
		}
		if let Some(k) = CurrentClusterKey::<T>::get() {
			epochs.push(k.epoch);
		}
		if let Some(p) = PendingKey::<T>::get() {
			epochs.push(p.key.epoch);
		}
		epochs
	}

	/// How many workers are live, and how many of them hold `epoch`.
	pub(crate) fn live_holders(epoch: u32) -> (u32, u32) {
		let now = frame_system::Pallet::<T>::block_number();
		let mut live = 0u32;
		let mut holding = 0u32;
		for (who, w) in Workers::<T>::iter() {
			if Self::is_live(&w, now) {
				live = live.saturating_add(1);
				if KeyHolders::<T>::contains_key(epoch, &who) {
					holding = holding.saturating_add(1);
				}
			}
		}
		(live, holding)
	}

	/// A strict majority of `live` workers.
	pub(crate) fn quorum(live: u32) -> u32 {
		live / 2 + 1
	}

	/// Stores a newly published epoch and its copies. Checked by the caller: the publisher is
	/// an active primary, the epoch is [`Self::next_epoch`], the signature verifies.
	pub(crate) fn do_publish(
		who: &T::AccountId,
		epoch: u32,
		public_key: [u8; HPKE_XWING_PUBLIC_KEY_LEN],
		copies: CopiesOf<T>,
	) -> DispatchResult {
		ensure!(Self::rekey_due(), Error::<T>::RekeyNotDue);
		let mut seen: Vec<&T::AccountId> = Vec::with_capacity(copies.len());
		for (to, sealed) in copies.iter() {
			ensure!(to != who && !seen.contains(&to), Error::<T>::BadCopyTarget);
			Self::active_worker(to).ok_or(Error::<T>::ReceiverNotActive)?;
			ensure!(!sealed.is_empty(), Error::<T>::EmptySecret);
			seen.push(to);
		}
		let now = frame_system::Pallet::<T>::block_number();
		let key = ClusterKey { epoch, public_key, published_by: who.clone(), published_at: now };
		LatestEpoch::<T>::put(epoch);
		KeyHolders::<T>::insert(epoch, who, ());
		let count = copies.len() as u32;
		for (to, sealed_secret) in copies {
			Provisions::<T>::insert(epoch, &to, Provision { from: who.clone(), sealed_secret });
		}
		Self::deposit_event(Event::ClusterKeyPublished { epoch, by: who.clone(), copies: count });
		let deadline = now.saturating_add(T::ConfirmPeriod::get());
		PendingKey::<T>::put(PendingClusterKey { key, deadline });
		// A lone worker is its own quorum.
		Self::activate_if_quorum(epoch);
		Ok(())
	}

	/// Records `who`'s confirmation of `epoch`. Checked by the caller: `who` is active and
	/// its signature verifies over the epoch's key.
	pub(crate) fn do_confirm(who: &T::AccountId, epoch: u32) -> DispatchResult {
		ensure!(!KeyHolders::<T>::contains_key(epoch, who), Error::<T>::AlreadyProvisioned);
		ensure!(Provisions::<T>::contains_key(epoch, who), Error::<T>::NotProvisioned);
		Provisions::<T>::remove(epoch, who);
		KeyHolders::<T>::insert(epoch, who, ());
		Self::deposit_event(Event::ClusterKeyConfirmed { epoch, by: who.clone() });
		if PendingKey::<T>::get().is_some_and(|p| p.key.epoch == epoch) {
			Self::activate_if_quorum(epoch);
		} else {
			// A holder of the current epoch: it is served again if it was not.
			Self::refresh_served();
		}
		Ok(())
	}

	/// Makes pending `epoch` current if a quorum of live workers holds it.
	fn activate_if_quorum(epoch: u32) {
		let (live, holding) = Self::live_holders(epoch);
		if holding >= Self::quorum(live) {
			Self::activate();
		}
	}

	/// The pending epoch becomes the one users encrypt to; the current one becomes the
	/// previous, accepted for `EpochGrace` more blocks; holders and copies of older epochs go.
	pub(crate) fn activate() {
		let Some(pending) = PendingKey::<T>::take() else { return };
		let now = frame_system::Pallet::<T>::block_number();
		let epoch = pending.key.epoch;
		if let Some(old) = CurrentClusterKey::<T>::get() {
			if let Some((older, _)) = PreviousEpoch::<T>::get() {
				Self::clear_epoch(older);
			}
			PreviousEpoch::<T>::put((old.epoch, now.saturating_add(T::EpochGrace::get())));
		}
		CurrentClusterKey::<T>::put(pending.key);
		RekeyDeadline::<T>::kill();
		RekeyCause::<T>::kill();
		Self::deposit_event(Event::ClusterKeyActivated { epoch });
		Self::refresh_served();
	}

	/// Drops a pending epoch nobody (besides its publisher) confirmed in time.
	pub(crate) fn abandon_pending() {
		if let Some(p) = PendingKey::<T>::take() {
			Self::clear_epoch(p.key.epoch);
			Self::deposit_event(Event::ClusterKeyAbandoned { epoch: p.key.epoch });
		}
	}

	fn clear_epoch(epoch: u32) {
		let limit = T::MaxWorkers::get();
		let _ = KeyHolders::<T>::clear_prefix(epoch, limit, None);
		let _ = Provisions::<T>::clear_prefix(epoch, limit, None);
	}

	/// Takes `who`'s copies and holds of every kept epoch (it re-attested with new keys, left
	/// or was deactivated: what was sealed to its old key is not its to use).
	/// Returns whether it held any; the caller then refreshes [`Unserved`].
	pub(crate) fn drop_holdings(who: &T::AccountId) -> bool {
		let mut held = false;
		for epoch in Self::kept_epochs() {
			held |= KeyHolders::<T>::take(epoch, who).is_some();
			Provisions::<T>::remove(epoch, who);
		}
		held
	}

	/// The most [`Self::drop_holdings`] and the [`Unserved`] refresh after it cost: what the
	/// benchmarks of the calls that remove, re-attest or deactivate a worker (run with no
	/// cluster key) leave out.
	pub fn drop_weight() -> Weight {
		let holders = u64::from(T::MaxWorkers::get()).saturating_mul(2);
		T::DbWeight::get().reads_writes(holders.saturating_add(8), 9)
	}

	/// The most a sweep deactivating up to `n` workers adds for the cluster: each one's
	/// [`Self::drop_weight`], a pending epoch's holders and copies cleared, a rekey required.
	pub fn deactivation_weight(n: u32) -> Weight {
		let cleared = u64::from(T::MaxWorkers::get()).saturating_mul(2);
		Self::drop_weight()
			.saturating_mul(n.into())
			.saturating_add(T::DbWeight::get().reads_writes(4, cleared.saturating_add(4)))
	}

	/// Requires a new epoch by `now + EmergencyRekeyPeriod`, unless one is required already.
	pub(crate) fn require_rekey(reason: RekeyReason) {
		if RekeyDeadline::<T>::get().is_some() || CurrentClusterKey::<T>::get().is_none() {
			return;
		}
		let now = frame_system::Pallet::<T>::block_number();
		let deadline = now.saturating_add(T::EmergencyRekeyPeriod::get());
		RekeyDeadline::<T>::put(deadline);
		RekeyCause::<T>::put(reason);
		Self::deposit_event(Event::RekeyRequired { deadline, reason });
	}

	/// Recomputes whether an active worker holds the current epoch; when none does, requires a
	/// rekey. Returns the reads made.
	pub(crate) fn refresh_served() -> u64 {
		let mut reads = 1u64;
		let served = match CurrentClusterKey::<T>::get() {
			None => true,
			Some(k) => Self::epoch_has_active_holder(k.epoch, &mut reads),
		};
		if Unserved::<T>::get() == served {
			Unserved::<T>::put(!served);
		}
		if !served {
			Self::require_rekey(RekeyReason::NoActiveHolder);
		}
		reads.saturating_add(1)
	}

	/// Every block: a pending epoch at its deadline is activated or abandoned, an old epoch
	/// owes a rekey, and whether the current epoch is served is recomputed.
	pub(crate) fn cluster_on_initialize(now: BlockNumberFor<T>) -> Weight {
		let mut reads = 3u64;
		let mut writes = 0u64;
		if let Some(p) = PendingKey::<T>::get() {
			if now >= p.deadline {
				let (live, holding) = Self::live_holders(p.key.epoch);
				reads = reads.saturating_add(u64::from(live).saturating_mul(2).max(1));
				// At the deadline, any confirmation besides the publisher's will do.
				let enough = if live > 1 { 2 } else { 1 };
				if holding >= enough {
					Self::activate();
				} else {
					Self::abandon_pending();
				}
				writes = writes.saturating_add(6);
			}
		}
		if let Some(k) = CurrentClusterKey::<T>::get() {
			if now >= k.published_at.saturating_add(T::ClusterKeyPeriod::get()) {
				Self::require_rekey(RekeyReason::Period);
				writes = writes.saturating_add(2);
			}
		}
		reads = reads.saturating_add(Self::refresh_served());
		T::DbWeight::get().reads_writes(reads, writes.saturating_add(3))
	}

	/// The cluster as the runtime API shows it.
	pub fn cluster_view() -> ClusterView<T::AccountId, BlockNumberFor<T>> {
		let epochs = Self::kept_epochs();
		let holders = epochs
			.iter()
			.map(|e| {
				let mut who: Vec<T::AccountId> = KeyHolders::<T>::iter_key_prefix(e).collect();
				who.sort();
				(*e, who)
			})
			.collect();
		let copies = epochs
			.iter()
			.flat_map(|e| Provisions::<T>::iter_prefix(e).map(move |(to, p)| (*e, p.from, to)))
			.collect();
		ClusterView {
			current: CurrentClusterKey::<T>::get(),
			pending: PendingKey::<T>::get(),
			previous: PreviousEpoch::<T>::get(),
			rekey: RekeyDeadline::<T>::get().zip(RekeyCause::<T>::get()),
			holders,
			copies,
			leader: Leader::<T>::get(),
			order: Self::leader_order(),
			served: !Unserved::<T>::get(),
			term: T::LeaderTerm::get(),
			takeover_after: T::TakeoverAfter::get(),
			next_epoch: Self::next_epoch(),
			cosigners: Self::active_workers()
				.into_iter()
				.filter(|w| w.info.role == WorkerRole::Redundancy)
				.filter_map(|w| {
					Endpoints::<T>::get(&w.account).map(|e| (w.account, e.into_inner()))
				})
				.collect(),
			redundancy: Redundancy::<T>::get(),
			diversity: Diversity::<T>::get(),
		}
	}

	/// Whether a submission encrypted to `epoch` is accepted now.
	pub fn check_submission_epoch(epoch: u32) -> Result<(), EpochRefusal> {
		let current = CurrentClusterKey::<T>::get().ok_or(EpochRefusal::NoClusterKey)?;
		let now = frame_system::Pallet::<T>::block_number();
		let in_grace =
			PreviousEpoch::<T>::get().is_some_and(|(e, until)| e == epoch && now < until);
		if epoch != current.epoch && !in_grace {
			return Err(EpochRefusal::WrongEpoch);
		}
		if Unserved::<T>::get() {
			return Err(EpochRefusal::NoKeyHolder);
		}
		Ok(())
	}
}
