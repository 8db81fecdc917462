//! Migrations: the one in progress and how a migration ends.

use super::*;

impl<T: Config> Pallet<T> {
	/// The migration in progress.
	pub fn current_migration() -> Option<(MigrationId, Migration<BlockNumberFor<T>>)> {
		let id = CurrentMigration::<T>::get()?;
		Migrations::<T>::get(id).map(|m| (id, m))
	}

	/// Migration `id`, or the one in progress when `id` is `None`.
	pub fn migration(
		id: Option<MigrationId>,
	) -> Option<(MigrationId, Migration<BlockNumberFor<T>>)> {
		match id {
			Some(id) => Migrations::<T>::get(id).map(|m| (id, m)),
			None => Self::current_migration(),
		}
	}

	/// Records how a migration ended and drops its checkpoints.
	pub(crate) fn end_migration(
		id: MigrationId,
		mut migration: Migration<BlockNumberFor<T>>,
		status: MigrationStatus,
	) {
		migration.status = status;
		migration.ended_at = Some(frame_system::Pallet::<T>::block_number());
		Migrations::<T>::insert(id, migration);
		CurrentMigration::<T>::kill();
		let _ = Checkpoints::<T>::clear_prefix(id, T::MaxCheckpoints::get(), None);
	}
}
