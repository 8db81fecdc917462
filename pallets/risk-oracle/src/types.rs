//! Types the oracle stores and exposes.

use aegis_primitives::risk::{PqcPolicy, RiskLevel, RiskScore};
use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};

use scale_info::TypeInfo;

/// One feeder's latest score.
#[derive(
	Clone, PartialEq, Eq, Encode, Decode, DecodeWithMemTracking, MaxEncodedLen, TypeInfo, Debug,
)]
pub struct Feed<AccountId, BlockNumber> {
	/// Who posted it.
	pub feeder: AccountId,
	/// The score.
	pub score: RiskScore,
	/// Block it was posted in.
	pub at: BlockNumber,
}

/// Everything a reader of the oracle wants in one call (runtime API).
#[derive(
	Clone, PartialEq, Eq, Encode, Decode, DecodeWithMemTracking, MaxEncodedLen, TypeInfo, Debug,
)]
pub struct RiskStatus<BlockNumber> {
	/// Published score.
	pub score: RiskScore,
	/// Level in force.
	pub level: RiskLevel,
	/// Post-quantum policy of that level.
	pub policy: PqcPolicy,
	/// A scheduled escalation and the block it takes effect.
	pub pending: Option<(RiskLevel, BlockNumber)>,
	/// Block of the last published score.
	pub last_updated: BlockNumber,
	/// Whether the score is older than `MaxFeedAge`.
	pub stale: bool,
}

/// Decides whether an account may feed besides the governance-managed feeder set, e.g. an
/// attested TEE worker in the worker registry.
pub trait FeederCheck<AccountId> {
	/// Whether `who` may feed.
	fn is_feeder(who: &AccountId) -> bool;

	/// Worst-case weight of one [`FeederCheck::is_feeder`] call, added to `feed`'s weight.
	fn is_feeder_weight() -> frame_support::weights::Weight {
		frame_support::weights::Weight::zero()
	}
}

impl<AccountId> FeederCheck<AccountId> for () {
	fn is_feeder(_: &AccountId) -> bool {
		false
	}
}

/// The oracle's read side, for other pallets.
pub trait RiskProvider<BlockNumber> {
	/// Published score.
	fn score() -> RiskScore;
	/// Level in force.
	fn level() -> RiskLevel;
	/// Post-quantum policy in force.
	fn policy() -> PqcPolicy;
	/// Block of the last published score.
	fn last_updated() -> BlockNumber;
	/// Whether the published score is older than the oracle's maximum feed age.
	fn is_stale() -> bool;
}
