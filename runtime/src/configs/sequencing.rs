//! What the sequencer needs to know about this runtime's calls: which asset a call touches and
//! how ([`RuntimeCallClassifier`]), which calls may be sent encrypted ([`EncryptedCalls`]), and
//! who may protect which asset ([`ProtectableAssets`]).

use crate::{AccountId, Assets, RuntimeCall};
use aegis_primitives::{
	assets::{AssetType, Operation},
	batch::AssetId,
};
use frame_support::traits::{fungibles::roles::Inspect as _, Contains};
use pallet_sequencer::{AssetAuthority, CallClass, CallClassifier};

/// Classifies `pallet-assets` calls by the token they touch (its id is the protected asset id)
/// and the operation. Every call of the pallet is named, with no wildcard arm: a call added by
/// a `pallet-assets` upgrade does not compile until it is classified, so no call can move or
/// administer a protected token unclassified (and so unchecked by `CheckProtectedAssets` and
/// `ProtectedAssetGuard`). `runtime/tests/metadata.rs` walks the pallet's call names in the
/// metadata and checks each one's class.
///
/// `transfer_approved` is the migration call: a migration's operator moves holders' balances
/// under approvals they granted it (from anyone else it is refused on a migrating asset). Sudo
/// dispatches its inner call bypassing the base filter (as Root, or as any account with
/// `sudo_as`): governance is trusted with every asset, so the classifier does not look inside
/// it.
pub struct RuntimeCallClassifier;

impl CallClassifier<RuntimeCall> for RuntimeCallClassifier {
	fn classify(call: &RuntimeCall) -> CallClass {
		let RuntimeCall::Assets(call) = call else { return CallClass::default() };
		classify_assets_call(call)
	}
}

/// The class of a `pallet-assets` call (see [`RuntimeCallClassifier`]).
fn classify_assets_call(call: &pallet_assets::Call<crate::Runtime>) -> CallClass {
	use pallet_assets::Call as A;
	let (id, operation, migration) = match call {
		// Value leaves a holder: every way of moving a balance, whoever signs it.
		A::transfer { id, .. }
		| A::transfer_keep_alive { id, .. }
		| A::transfer_all { id, .. }
		| A::force_transfer { id, .. } => (id, Operation::Transfer, false),
		A::transfer_approved { id, .. } => (id, Operation::Transfer, true),
		A::approve_transfer { id, .. }
		| A::cancel_approval { id, .. }
		| A::force_cancel_approval { id, .. } => (id, Operation::Approve, false),
		A::mint { id, .. } => (id, Operation::Mint, false),
		// Supply destroyed: a burn; `refund` with `allow_burn` (the caller's balance); and
		// destruction, which `start_destroy` opens and `destroy_accounts` (anyone may call it)
		// carries out by deleting every holder's balance.
		A::burn { id, .. }
		| A::refund { id, allow_burn: true }
		| A::start_destroy { id }
		| A::destroy_accounts { id } => (id, Operation::Burn, false),
		A::create { id, .. }
		| A::force_create { id, .. }
		| A::refund { id, allow_burn: false }
		| A::destroy_approvals { id }
		| A::finish_destroy { id }
		| A::freeze { id, .. }
		| A::thaw { id, .. }
		| A::freeze_asset { id }
		| A::thaw_asset { id }
		| A::transfer_ownership { id, .. }
		| A::set_team { id, .. }
		| A::set_metadata { id, .. }
		| A::clear_metadata { id }
		| A::force_set_metadata { id, .. }
		| A::force_clear_metadata { id }
		| A::force_asset_status { id, .. }
		| A::set_min_balance { id, .. }
		| A::touch { id }
		| A::touch_other { id, .. }
		| A::refund_other { id, .. }
		| A::block { id, .. }
		| A::set_reserves { id, .. } => (id, Operation::Manage, false),
		// FRAME's uninhabited placeholder variant: no value of it exists.
		#[allow(unreachable_patterns)]
		A::__Ignore(..) => return CallClass::default(),
	};
	CallClass { asset: Some(id.0), operation, migration }
}

/// Calls a batch may run as their submitter: value transfers in the native token and in
/// `pallet-assets` tokens, approvals, a holder's own account upkeep (`touch`, `refund`: on a
/// TEE-only token this path is the only one), and remarks. Governance, worker and sequencer
/// calls never come through the encrypted path.
pub struct EncryptedCalls;

impl Contains<RuntimeCall> for EncryptedCalls {
	fn contains(call: &RuntimeCall) -> bool {
		use pallet_assets::Call as A;
		use pallet_balances::Call as B;
		matches!(
			call,
			RuntimeCall::Balances(
				B::transfer_allow_death { .. }
					| B::transfer_keep_alive { .. }
					| B::transfer_all { .. }
			) | RuntimeCall::Assets(
				A::transfer { .. }
					| A::transfer_keep_alive { .. }
					| A::transfer_all { .. }
					| A::transfer_approved { .. }
					| A::approve_transfer { .. }
					| A::cancel_approval { .. }
					| A::touch { .. }
					| A::refund { .. }
			) | RuntimeCall::System(
				frame_system::Call::remark { .. } | frame_system::Call::remark_with_event { .. }
			)
		)
	}
}

/// A `pallet-assets` token's owner may protect it; other assets are protected by governance.
pub struct ProtectableAssets;

impl AssetAuthority<AccountId> for ProtectableAssets {
	fn may_protect(who: &AccountId, id: AssetId, asset_type: AssetType) -> bool {
		asset_type == AssetType::OnChainToken && Assets::owner(id).as_ref() == Some(who)
	}
}
