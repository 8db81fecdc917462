//! Storage migrations of the worker registry.

use crate::{
	Config, Pallet, Platforms, RootCertificate, TcbEvaluationFloor, TrustedRoots, WorkerInfo,
	WorkerRole, WorkerState, WorkerTcb, Workers,
};
use aegis_attestation::{Measurement, TcbStatus, TeeKind};
use aegis_primitives::binding::EnclaveKeys;
use codec::{Decode, Encode};
use frame_support::{
	migrations::VersionedMigration,
	traits::{Get, UncheckedOnRuntimeUpgrade},
	weights::Weight,
	Blake2_128Concat, BoundedVec,
};
use frame_system::pallet_prelude::BlockNumberFor;

/// A worker record as versions 1 and 2 stored it (Intel platforms only).
#[derive(Encode, Decode)]
pub struct WorkerInfoV1<BlockNumber> {
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
	keys_since: BlockNumber,
	root_hash: [u8; 32],
}

/// Storage as versions 0 to 2 laid it out.
#[allow(missing_docs)] // The aliases' generated prefix types.
pub mod old {
	use super::*;

	/// The trusted roots, one list for every quote (Intel's).
	#[frame_support::storage_alias]
	pub type TrustedRoots<T: Config> = StorageValue<
		Pallet<T>,
		BoundedVec<RootCertificate, <T as Config>::MaxRoots>,
		frame_support::pallet_prelude::ValueQuery,
	>;

	/// The worker records of versions 1 and 2.
	#[frame_support::storage_alias]
	pub type Workers<T: Config> = CountedStorageMap<
		Pallet<T>,
		Blake2_128Concat,
		<T as frame_system::Config>::AccountId,
		WorkerInfoV1<BlockNumberFor<T>>,
	>;
}

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
			let roots = old::TrustedRoots::<T>::get();
			let root_hash = match roots.as_slice() {
				[only] => sp_io::hashing::blake2_256(only),
				_ => [0; 32],
			};
			let mut translated = 0u64;
			old::Workers::<T>::translate::<OldWorkerInfo<BlockNumberFor<T>>, _>(|_, old| {
				translated = translated.saturating_add(1);
				Some(WorkerInfoV1 {
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
			Ok(old::Workers::<T>::count().encode())
		}

		#[cfg(feature = "try-runtime")]
		fn post_upgrade(state: alloc::vec::Vec<u8>) -> Result<(), sp_runtime::TryRuntimeError> {
			let before = u32::decode(&mut &state[..])
				.map_err(|_| sp_runtime::TryRuntimeError::Other("pre-upgrade state"))?;
			frame_support::ensure!(
				old::Workers::<T>::iter_values().count() as u32 == before
					&& old::Workers::<T>::count() == before,
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

/// Version 2: cluster keys are shared secrets generated in an enclave, confirmed by their
/// holders, and activated at a quorum. An epoch published before it was derived from one
/// worker's sealed seed: nobody else can hold it, and its "holders" were only provisioned, never
/// confirmed. The migration retires it: the current key, its holders, copies and any rekey
/// deadline go, so the cluster publishes epoch `n + 1` under the new rules at once (the next
/// publication takes the next number: `LatestEpoch` is set). Until then submissions are refused
/// (`NoClusterKey`) rather than accepted for a key no cluster serves; submissions pending to
/// the old epoch are refunded in full when they expire.
pub mod v2 {
	use super::*;
	use crate::{
		CurrentClusterKey, KeyHolders, LatestEpoch, Provisions, RekeyCause, RekeyDeadline,
	};

	/// Clears the version 1 cluster key state.
	pub struct InnerMigrateV1ToV2<T>(core::marker::PhantomData<T>);

	impl<T: Config> UncheckedOnRuntimeUpgrade for InnerMigrateV1ToV2<T> {
		fn on_runtime_upgrade() -> Weight {
			let current = CurrentClusterKey::<T>::take();
			if let Some(k) = &current {
				LatestEpoch::<T>::put(k.epoch);
			}
			let limit = T::MaxWorkers::get();
			let mut cleared = 0u64;
			// The two epochs version 1 kept.
			for epoch in current.iter().flat_map(|k| [k.epoch, k.epoch.saturating_sub(1)]) {
				let holders = KeyHolders::<T>::clear_prefix(epoch, limit, None);
				let copies = Provisions::<T>::clear_prefix(epoch, limit, None);
				cleared = cleared
					.saturating_add(holders.backend.into())
					.saturating_add(copies.backend.into());
			}
			RekeyDeadline::<T>::kill();
			RekeyCause::<T>::kill();
			T::DbWeight::get().reads_writes(cleared.saturating_add(1), cleared.saturating_add(4))
		}

		#[cfg(feature = "try-runtime")]
		fn post_upgrade(_state: alloc::vec::Vec<u8>) -> Result<(), sp_runtime::TryRuntimeError> {
			frame_support::ensure!(
				CurrentClusterKey::<T>::get().is_none() && KeyHolders::<T>::iter().next().is_none(),
				"the version 1 cluster key is retired"
			);
			Ok(())
		}
	}

	/// [`InnerMigrateV1ToV2`], run once: from storage version 1 to 2.
	pub type MigrateV1ToV2<T> = VersionedMigration<
		1,
		2,
		InnerMigrateV1ToV2<T>,
		Pallet<T>,
		<T as frame_system::Config>::DbWeight,
	>;
}

/// Version 3: the registry verifies AMD SEV-SNP reports and AWS Nitro documents beside Intel's
/// quotes. Trusted roots are kept per TEE kind: the one list of version 2 (Intel's roots,
/// which signed SGX and TDX quotes alike) becomes the SGX and the TDX list, so every quote
/// accepted before is accepted after and nothing else is. A worker record's Intel TCB status
/// and FMSPC become its `WorkerTcb::Intel` (the only kind enrolled before).
pub mod v3 {
	use super::*;

	/// Splits the trusted roots per kind and rewrites every worker record.
	pub struct InnerMigrateV2ToV3<T>(core::marker::PhantomData<T>);

	impl<T: Config> UncheckedOnRuntimeUpgrade for InnerMigrateV2ToV3<T> {
		fn on_runtime_upgrade() -> Weight {
			let roots = old::TrustedRoots::<T>::take();
			if !roots.is_empty() {
				TrustedRoots::<T>::insert(TeeKind::Sgx, roots.clone());
				TrustedRoots::<T>::insert(TeeKind::Tdx, roots);
			}
			let mut translated = 0u64;
			Workers::<T>::translate::<WorkerInfoV1<BlockNumberFor<T>>, _>(|_, old| {
				translated = translated.saturating_add(1);
				Some(WorkerInfo {
					tee: old.tee,
					measurement: old.measurement,
					keys: old.keys,
					role: old.role,
					tcb: WorkerTcb::Intel { status: old.tcb_status, fmspc: old.fmspc },
					registered_at: old.registered_at,
					attested_at: old.attested_at,
					expires_at: old.expires_at,
					last_heartbeat: old.last_heartbeat,
					state: old.state,
					keys_since: old.keys_since,
					root_hash: old.root_hash,
				})
			});
			T::DbWeight::get()
				.reads_writes(translated.saturating_add(1), translated.saturating_add(3))
		}

		#[cfg(feature = "try-runtime")]
		fn pre_upgrade() -> Result<alloc::vec::Vec<u8>, sp_runtime::TryRuntimeError> {
			Ok((old::Workers::<T>::count(), old::TrustedRoots::<T>::get().len() as u32).encode())
		}

		#[cfg(feature = "try-runtime")]
		fn post_upgrade(state: alloc::vec::Vec<u8>) -> Result<(), sp_runtime::TryRuntimeError> {
			let (workers, roots) = <(u32, u32)>::decode(&mut &state[..])
				.map_err(|_| sp_runtime::TryRuntimeError::Other("pre-upgrade state"))?;
			frame_support::ensure!(
				Workers::<T>::iter_values().count() as u32 == workers,
				"every worker record survives the migration"
			);
			frame_support::ensure!(
				TrustedRoots::<T>::get(TeeKind::Sgx).len() as u32 == roots
					&& TrustedRoots::<T>::get(TeeKind::Tdx).len() as u32 == roots,
				"Intel's roots are trusted for SGX and TDX quotes"
			);
			Ok(())
		}
	}

	/// [`InnerMigrateV2ToV3`], run once: from storage version 2 to 3.
	pub type MigrateV2ToV3<T> = VersionedMigration<
		2,
		3,
		InnerMigrateV2ToV3<T>,
		Pallet<T>,
		<T as frame_system::Config>::DbWeight,
	>;
}
