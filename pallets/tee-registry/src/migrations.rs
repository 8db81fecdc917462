//! Storage migrations of the worker registry.

use crate::{
	Config, Pallet, Platforms, TcbEvaluationFloor, TrustedRoots, WorkerInfo, WorkerRole,
	WorkerState, Workers,
};
use aegis_attestation::{Measurement, TcbStatus, TeeKind};
use aegis_primitives::binding::EnclaveKeys;
use codec::Decode;
use frame_support::{
	migrations::VersionedMigration,
	traits::{Get, UncheckedOnRuntimeUpgrade},
	weights::Weight,
};
use frame_system::pallet_prelude::BlockNumberFor;

/// Version 1: worker records carry the block their keys were registered (`keys_since`) and the
/// root their quote verified under (`root_hash`), so the chain can refuse signatures from keys
/// older than the rotation period and deactivate workers whose root it stops trusting. The TCB
/// evaluation a quote's collateral must reach becomes governance's `TcbEvaluationFloor`; it
/// starts at the lowest evaluation the chain holds for an enrolled platform, so no quote it
/// would have refused before the upgrade is accepted after it.
pub mod v1 {
	use super::*;

	/// A worker record as version 0 stored it.
	#[derive(Decode)]
	pub struct OldWorkerInfo<BlockNumber> {
		tee: TeeKind,
		measurement: Measurement,
		keys: EnclaveKeys,
		role: WorkerRole,
		tcb_status: TcbStatus,
		fmspc: crate::Fmspc,
		registered_at: BlockNumber,
		attested_at: BlockNumber,
		expires_at: BlockNumber,
		last_heartbeat: BlockNumber,
		state: WorkerState,
	}

	/// Rewrites every worker record. A worker's keys date from its last attestation (the
	/// latest they can have been registered); its root is the one trusted root if there is only
	/// one, else unknown (all zeros: the worker is deactivated when any root is removed, and
	/// records its root at its next attestation).
	pub struct InnerMigrateV0ToV1<T>(core::marker::PhantomData<T>);

	impl<T: Config> UncheckedOnRuntimeUpgrade for InnerMigrateV0ToV1<T> {
		fn on_runtime_upgrade() -> Weight {
			let roots = TrustedRoots::<T>::get();
			let root_hash = match roots.as_slice() {
				[only] => sp_io::hashing::blake2_256(only),
				_ => [0; 32],
			};
			let mut translated = 0u64;
			Workers::<T>::translate::<OldWorkerInfo<BlockNumberFor<T>>, _>(|_, old| {
				translated = translated.saturating_add(1);
				Some(WorkerInfo {
					tee: old.tee,
					measurement: old.measurement,
					keys: old.keys,
					role: old.role,
					tcb_status: old.tcb_status,
					fmspc: old.fmspc,
					registered_at: old.registered_at,
					attested_at: old.attested_at,
					expires_at: old.expires_at,
					last_heartbeat: old.last_heartbeat,
					state: old.state,
					keys_since: old.attested_at,
					root_hash,
				})
			});
			let mut platforms = 0u64;
			let floor = Platforms::<T>::iter_values()
				.inspect(|_| platforms = platforms.saturating_add(1))
				.flatten()
				.map(|c| c.tcb_evaluation_data_number)
				.min();
			if let Some(floor) = floor {
				TcbEvaluationFloor::<T>::put(floor);
			}
			T::DbWeight::get().reads_writes(
				translated.saturating_add(platforms).saturating_add(1),
				translated.saturating_add(1),
			)
		}

		#[cfg(feature = "try-runtime")]
		fn pre_upgrade() -> Result<alloc::vec::Vec<u8>, sp_runtime::TryRuntimeError> {
			use codec::Encode;
			Ok(Workers::<T>::count().encode())
		}

		#[cfg(feature = "try-runtime")]
		fn post_upgrade(state: alloc::vec::Vec<u8>) -> Result<(), sp_runtime::TryRuntimeError> {
			let before = u32::decode(&mut &state[..])
				.map_err(|_| sp_runtime::TryRuntimeError::Other("pre-upgrade state"))?;
			frame_support::ensure!(
				Workers::<T>::iter_values().count() as u32 == before
					&& Workers::<T>::count() == before,
				"every worker record survives the migration"
			);
			Ok(())
		}
	}

	/// [`InnerMigrateV0ToV1`], run once: from storage version 0 to 1.
	pub type MigrateV0ToV1<T> = VersionedMigration<
		0,
		1,
		InnerMigrateV0ToV1<T>,
		Pallet<T>,
		<T as frame_system::Config>::DbWeight,
	>;
}
