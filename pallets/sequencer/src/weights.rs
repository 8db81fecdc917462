//! Weights for `pallet_sequencer`.

#![cfg_attr(rustfmt, rustfmt_skip)]
#![allow(unused_parens)]
#![allow(unused_imports)]
#![allow(missing_docs)]

use frame_support::{traits::Get, weights::{Weight, constants::RocksDbWeight}};
use core::marker::PhantomData;

/// Weight functions needed for `pallet_sequencer`.
pub trait WeightInfo {
	fn submit_encrypted() -> Weight;
	fn commit_batch(n: u32, c: u32, ) -> Weight;
	fn reject_entries(n: u32, ) -> Weight;
	fn refund_expired() -> Weight;
	fn set_rule() -> Weight;
	fn on_initialize_expiries(n: u32, ) -> Weight;
	fn register_asset() -> Weight;
	fn update_policy() -> Weight;
	fn remove_asset() -> Weight;
	fn start_migration(n: u32, ) -> Weight;
	fn commit_checkpoint(n: u32, ) -> Weight;
	fn complete_migration(n: u32, ) -> Weight;
	fn rollback_migration(n: u32, ) -> Weight;
}
