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
/// and the operation. `transfer_approved` is the migration call: a migration moves holders'
/// balances under approvals they granted the migrator. Sudo dispatches as Root, which base
/// filters do not apply to, so the classifier does not look inside it.
pub struct RuntimeCallClassifier;

impl CallClassifier<RuntimeCall> for RuntimeCallClassifier {
	fn classify(call: &RuntimeCall) -> CallClass {
		use pallet_assets::Call as A;
		let RuntimeCall::Assets(call) = call else { return CallClass::default() };
		let (id, operation, migration) = match call {
			A::transfer { id, .. } | A::transfer_keep_alive { id, .. } => {
				(id, Operation::Transfer, false)
			}
			A::transfer_approved { id, .. } => (id, Operation::Transfer, true),
			A::approve_transfer { id, .. } | A::cancel_approval { id, .. } => {
				(id, Operation::Approve, false)
			}
			A::mint { id, .. } => (id, Operation::Mint, false),
			A::burn { id, .. } => (id, Operation::Burn, false),
			A::freeze { id, .. }
			| A::thaw { id, .. }
			| A::freeze_asset { id }
			| A::thaw_asset { id }
			| A::transfer_ownership { id, .. }
			| A::set_team { id, .. }
			| A::set_metadata { id, .. }
			| A::clear_metadata { id }
			| A::start_destroy { id }
			| A::set_min_balance { id, .. }
			| A::block { id, .. } => (id, Operation::Manage, false),
			_ => return CallClass::default(),
		};
		CallClass { asset: Some(id.0), operation, migration }
	}
}

/// Calls a batch may run as their submitter: value transfers in the native token and in
/// `pallet-assets` tokens, approvals, and remarks. Governance, worker and sequencer calls
/// never come through the encrypted path.
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
					| A::transfer_approved { .. }
					| A::approve_transfer { .. }
					| A::cancel_approval { .. }
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
