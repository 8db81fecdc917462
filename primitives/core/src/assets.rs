//! Protected assets: what an asset is, what may be done to it, and the policy that guards it.
//!
//! The chain keeps a protection record per asset (`pallet-sequencer`); the worker reads the same
//! records to classify calls and to snapshot assets in migration checkpoints. Both hash a record's
//! restorable state with [`asset_state_hash`], so a checkpoint the worker signs names exactly the
//! state the chain will restore.

use crate::{
	batch::AssetId,
	hashing::{domain, hash256},
	ordering::ProtectionTier,
	risk::RiskScore,
	Hash,
};
use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use scale_info::TypeInfo;

/// What kind of thing a protected asset is.
#[derive(
	Clone,
	Copy,
	Debug,
	PartialEq,
	Eq,
	Encode,
	Decode,
	DecodeWithMemTracking,
	MaxEncodedLen,
	TypeInfo,
)]
pub enum AssetType {
	/// A fungible token on this chain (`pallet-assets`, or a token contract).
	#[codec(index = 0)]
	OnChainToken,
	/// A non-fungible token collection on this chain.
	#[codec(index = 1)]
	OnChainNFT,
	/// Contract or pallet state on this chain.
	#[codec(index = 2)]
	OnChainData,
	/// An external database whose keys the enclave guards.
	#[codec(index = 3)]
	OffChainDatabase,
	/// External file storage.
	#[codec(index = 4)]
	OffChainFile,
	/// An external data stream.
	#[codec(index = 5)]
	OffChainStream,
	/// Assets locked in a cross-chain bridge.
	#[codec(index = 6)]
	CrossChainBridge,
}

impl AssetType {
	/// All seven types, in codec order.
	pub const ALL: [AssetType; 7] = [
		AssetType::OnChainToken,
		AssetType::OnChainNFT,
		AssetType::OnChainData,
		AssetType::OffChainDatabase,
		AssetType::OffChainFile,
		AssetType::OffChainStream,
		AssetType::CrossChainBridge,
	];

	/// Whether calls on this chain can touch the asset (the chain enforces the policy itself);
	/// off-chain and bridge assets are enforced by the worker that holds their keys.
	pub const fn is_on_chain(self) -> bool {
		matches!(self, AssetType::OnChainToken | AssetType::OnChainNFT | AssetType::OnChainData)
	}

	/// The name used in configuration files and the worker's API (`OnChainToken`, …).
	pub const fn name(self) -> &'static str {
		match self {
			AssetType::OnChainToken => "OnChainToken",
			AssetType::OnChainNFT => "OnChainNFT",
			AssetType::OnChainData => "OnChainData",
			AssetType::OffChainDatabase => "OffChainDatabase",
			AssetType::OffChainFile => "OffChainFile",
			AssetType::OffChainStream => "OffChainStream",
			AssetType::CrossChainBridge => "CrossChainBridge",
		}
	}
}

/// One kind of operation on an asset, as the runtime's call classifier names it.
#[derive(
	Clone,
	Copy,
	Debug,
	Default,
	PartialEq,
	Eq,
	Encode,
	Decode,
	DecodeWithMemTracking,
	MaxEncodedLen,
	TypeInfo,
)]
pub enum Operation {
	/// Moving value or ownership.
	#[default]
	#[codec(index = 0)]
	Transfer,
	/// Letting another account move value.
	#[codec(index = 1)]
	Approve,
	/// Creating supply.
	#[codec(index = 2)]
	Mint,
	/// Destroying supply.
	#[codec(index = 3)]
	Burn,
	/// Administration: freezing, roles, metadata, destruction.
	#[codec(index = 4)]
	Manage,
	/// Writing data (contract state, files, records).
	#[codec(index = 5)]
	Write,
	/// Moving the asset across a bridge.
	#[codec(index = 6)]
	Bridge,
}

impl Operation {
	/// All operations, in codec order.
	pub const ALL: [Operation; 7] = [
		Operation::Transfer,
		Operation::Approve,
		Operation::Mint,
		Operation::Burn,
		Operation::Manage,
		Operation::Write,
		Operation::Bridge,
	];

	const fn bit(self) -> u8 {
		1 << (self as u8)
	}

	/// The lower-case name used in configuration files and the worker's API.
	pub const fn name(self) -> &'static str {
		match self {
			Operation::Transfer => "transfer",
			Operation::Approve => "approve",
			Operation::Mint => "mint",
			Operation::Burn => "burn",
			Operation::Manage => "manage",
			Operation::Write => "write",
			Operation::Bridge => "bridge",
		}
	}
}

/// A set of [`Operation`]s, one bit each. Decoding refuses unknown bits.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Encode, MaxEncodedLen, TypeInfo)]
pub struct OperationSet(u8);

impl OperationSet {
	/// No operation.
	pub const EMPTY: Self = Self(0);
	/// Every operation.
	pub const ALL: Self = Self(0x7f);

	/// The set of `ops`.
	pub fn of(ops: &[Operation]) -> Self {
		Self(ops.iter().fold(0, |bits, op| bits | op.bit()))
	}

	/// The set with these bits, if every bit names an operation.
	pub const fn from_bits(bits: u8) -> Option<Self> {
		if bits & !Self::ALL.0 == 0 {
			Some(Self(bits))
		} else {
			None
		}
	}

	/// The raw bits.
	pub const fn bits(self) -> u8 {
		self.0
	}

	/// Whether `op` is in the set.
	pub const fn contains(self, op: Operation) -> bool {
		self.0 & op.bit() != 0
	}

	/// The operations in the set, in codec order.
	pub fn iter(self) -> impl Iterator<Item = Operation> {
		Operation::ALL.into_iter().filter(move |op| self.contains(*op))
	}
}

impl Decode for OperationSet {
	fn decode<I: codec::Input>(input: &mut I) -> Result<Self, codec::Error> {
		Self::from_bits(u8::decode(input)?).ok_or_else(|| "unknown operation bit".into())
	}
}

impl DecodeWithMemTracking for OperationSet {}

/// How a protected asset is guarded.
#[derive(
	Clone,
	Copy,
	Debug,
	Default,
	PartialEq,
	Eq,
	Encode,
	Decode,
	DecodeWithMemTracking,
	MaxEncodedLen,
	TypeInfo,
)]
pub struct AccessPolicy {
	/// What may still be done while the risk score is above `risk_threshold`.
	pub allowed_operations: OperationSet,
	/// Calls must reach the chain under post-quantum signatures: never as a plain
	/// (classically signed) extrinsic, and only in batches signed with both ML-DSA-87 and
	/// SLH-DSA-SHA2-256s.
	pub requires_pqc: bool,
	/// Calls must go through the encrypted TEE path; a plain extrinsic touching the asset is
	/// refused.
	pub requires_tee: bool,
	/// Above this score only `allowed_operations` run.
	pub risk_threshold: RiskScore,
}

impl AccessPolicy {
	/// The ordering tier of calls touching an asset with this policy: TEE-only assets first,
	/// then PQC-only, then any other protected asset.
	pub const fn tier(&self) -> ProtectionTier {
		if self.requires_tee {
			ProtectionTier::Critical
		} else if self.requires_pqc {
			ProtectionTier::High
		} else {
			ProtectionTier::Standard
		}
	}

	/// Whether `op` may run at risk `score`.
	pub const fn permits(&self, op: Operation, score: RiskScore) -> bool {
		score.get() <= self.risk_threshold.get() || self.allowed_operations.contains(op)
	}

	/// Whether only the encrypted path may carry calls touching the asset.
	pub const fn encrypted_only(&self) -> bool {
		self.requires_tee || self.requires_pqc
	}
}

/// `BLAKE2b-256("aegis/asset-state/v1" ‖ SCALE(asset_id, asset_type, policy))`: the restorable
/// state of a protected asset, as migration checkpoints snapshot it.
pub fn asset_state_hash(asset_id: AssetId, asset_type: AssetType, policy: &AccessPolicy) -> Hash {
	hash256(domain::ASSET_STATE, &[&(asset_id, asset_type, policy).encode()])
}

#[cfg(test)]
mod tests {
	use super::*;

	fn score(s: u16) -> RiskScore {
		RiskScore::new(s).unwrap()
	}

	#[test]
	fn operation_sets_round_trip_and_refuse_unknown_bits() {
		let set = OperationSet::of(&[Operation::Transfer, Operation::Bridge]);
		assert!(set.contains(Operation::Transfer) && set.contains(Operation::Bridge));
		assert!(!set.contains(Operation::Mint));
		assert_eq!(
			set.iter().collect::<alloc::vec::Vec<_>>(),
			[Operation::Transfer, Operation::Bridge]
		);
		assert_eq!(OperationSet::decode(&mut &set.encode()[..]), Ok(set));
		assert!(OperationSet::decode(&mut &[0x80u8][..]).is_err());
		assert_eq!(OperationSet::of(&Operation::ALL), OperationSet::ALL);
	}

	#[test]
	fn policy_permits_only_allowed_operations_above_threshold() {
		let policy = AccessPolicy {
			allowed_operations: OperationSet::of(&[Operation::Transfer]),
			requires_pqc: false,
			requires_tee: false,
			risk_threshold: score(5_000),
		};
		assert!(policy.permits(Operation::Mint, score(5_000)));
		assert!(!policy.permits(Operation::Mint, score(5_001)));
		assert!(policy.permits(Operation::Transfer, score(10_000)));
	}

	#[test]
	fn tiers_follow_the_policy() {
		let plain = AccessPolicy::default();
		assert_eq!(plain.tier(), ProtectionTier::Standard);
		assert!(!plain.encrypted_only());
		let pqc = AccessPolicy { requires_pqc: true, ..plain };
		assert_eq!(pqc.tier(), ProtectionTier::High);
		assert!(pqc.encrypted_only());
		let tee = AccessPolicy { requires_tee: true, ..pqc };
		assert_eq!(tee.tier(), ProtectionTier::Critical);
	}

	#[test]
	fn state_hash_covers_id_type_and_policy() {
		let p = AccessPolicy::default();
		let h = asset_state_hash(1, AssetType::OnChainToken, &p);
		assert_ne!(h, asset_state_hash(2, AssetType::OnChainToken, &p));
		assert_ne!(h, asset_state_hash(1, AssetType::OnChainNFT, &p));
		assert_ne!(
			h,
			asset_state_hash(1, AssetType::OnChainToken, &AccessPolicy { requires_tee: true, ..p })
		);
		assert!(AssetType::ALL.iter().filter(|t| t.is_on_chain()).count() == 3);
	}
}
