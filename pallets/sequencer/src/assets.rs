//! Protected assets: who may register, change and remove a protection, and the record of each
//! asset's protection tier changes the order check reads (the enforcement itself is in
//! [`crate::protection`]).

use super::*;

impl<T: Config> Pallet<T> {
	/// `Ok(None)` for the governance origin, `Ok(Some(who))` for a signed `who` that `allowed`
	/// admits.
	pub(crate) fn ensure_governance_or(
		origin: OriginFor<T>,
		allowed: impl FnOnce(&T::AccountId) -> bool,
	) -> Result<Option<T::AccountId>, DispatchError> {
		let origin = match T::GovernanceOrigin::try_origin(origin) {
			Ok(_) => return Ok(None),
			Err(origin) => origin,
		};
		let who = ensure_signed(origin)?;
		ensure!(allowed(&who), Error::<T>::NotAssetAuthority);
		Ok(Some(who))
	}

	/// Whether account `who` may change or remove asset `id`'s protection: one registered by
	/// an account (governance's stay governance's), by whoever `AssetAuthority` admits now.
	pub(crate) fn may_change(asset: &ProtectedAssetOf<T>, who: &T::AccountId, id: AssetId) -> bool {
		asset.owner.is_some() && T::AssetAuthority::may_protect(who, id, asset.asset_type)
	}

	/// Records that asset `id`'s protection tier goes from `before` to `after` now; nothing when
	/// it stays. With `enforce` (an asset's owner, not governance), refused when the last change
	/// is less than `TierChangeInterval` blocks old. Governance is trusted not to flap a tier;
	/// if it changes one twice within the interval, a batch ordered before both is refused
	/// `Misordered` and built again, nothing worse.
	pub(crate) fn record_tier_change(
		id: AssetId,
		asset_type: AssetType,
		before: ProtectionTier,
		after: ProtectionTier,
		enforce: bool,
	) -> DispatchResult {
		// Only this chain's own assets take part in the ordering.
		if before == after || !asset_type.is_on_chain() {
			return Ok(());
		}
		let now = frame_system::Pallet::<T>::block_number();
		if let Some((_, last)) = TierChanges::<T>::get(id) {
			ensure!(
				!enforce || now >= last.saturating_add(T::TierChangeInterval::get()),
				Error::<T>::TierChangeTooSoon
			);
		}
		TierChanges::<T>::insert(id, (before, now));
		Ok(())
	}
}
