//! The public ordering rules a sequencer must follow.
//!
//! Every rule maps an entry's metadata ([`EntryMeta`]) to a *priority* (an unsigned integer,
//! [`OrderingRule::priority`]). A batch is correctly ordered when its entries appear by
//! **descending priority, and among equal priorities by ascending arrival index** (first in,
//! first out). Arrival indices are assigned by the chain when a submission enters the pool and
//! are unique, so for a given set of entries exactly one order is correct.
//!
//! | rule | priority (higher runs first) |
//! |---|---|
//! | `RiskAware` | the entry's risk score (0–10000) |
//! | `AssetProtection` | the protection tier of the asset the call touches (None < Standard < High < Critical) |
//! | `MigrationAware` | 1 for migration calls, 0 otherwise: migration calls run as one group, first |
//! | `Hybrid` | lexicographic (migration flag, protection tier, risk score) |
//!
//! ```
//! use aegis_primitives::{ordering::*, risk::RiskScore};
//!
//! let meta = |arrival, risk, migration| EntryMeta {
//!     arrival,
//!     risk: RiskScore::new(risk).unwrap(),
//!     protection: ProtectionTier::None,
//!     migration,
//! };
//! let pool = [meta(10, 100, false), meta(11, 9_500, false), meta(12, 100, true)];
//! // The worker orders; the chain checks the revealed batch.
//! assert_eq!(order(OrderingRule::Hybrid, &pool), vec![2, 1, 0]);
//! assert!(is_ordered(OrderingRule::Hybrid, &[pool[2], pool[1], pool[0]]));
//! assert!(!is_ordered(OrderingRule::Hybrid, &[pool[1], pool[2], pool[0]]));
//! ```
//!
//! The worker orders with [`order`]; the chain checks the worker with [`is_ordered`], after
//! recomputing every entry's metadata from the revealed call. Both are pure, allocation-light and
//! `no_std`.

use crate::risk::RiskScore;
use alloc::vec::Vec;
use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use scale_info::TypeInfo;

/// Which ordering rule a batch follows.
#[derive(
	Clone,
	Copy,
	Debug,
	Default,
	PartialEq,
	Eq,
	Hash,
	Encode,
	Decode,
	DecodeWithMemTracking,
	MaxEncodedLen,
	TypeInfo,
)]
pub enum OrderingRule {
	/// Higher risk first.
	#[codec(index = 0)]
	RiskAware,
	/// Calls touching better-protected assets first.
	#[codec(index = 1)]
	AssetProtection,
	/// Migration calls first, as one group.
	#[codec(index = 2)]
	MigrationAware,
	/// Migration group first, then protection tier, then risk.
	#[codec(index = 3)]
	#[default]
	Hybrid,
}

impl OrderingRule {
	/// Every rule.
	pub const ALL: [OrderingRule; 4] = [
		OrderingRule::RiskAware,
		OrderingRule::AssetProtection,
		OrderingRule::MigrationAware,
		OrderingRule::Hybrid,
	];

	/// The entry's priority under this rule; higher runs first.
	///
	/// `Hybrid` packs `(migration, tier, risk)` as `migration << 24 | tier << 16 | risk`, which
	/// compares exactly like the tuple because risk < 2¹⁶ and tier < 2⁸.
	pub const fn priority(self, meta: &EntryMeta) -> u32 {
		let risk = meta.risk.get() as u32;
		let tier = meta.protection as u32;
		let migration = meta.migration as u32;
		match self {
			OrderingRule::RiskAware => risk,
			OrderingRule::AssetProtection => tier,
			OrderingRule::MigrationAware => migration,
			OrderingRule::Hybrid => (migration << 24) | (tier << 16) | risk,
		}
	}

	/// The name used in configuration files (`risk_aware`, `asset_protection`, …).
	pub const fn config_name(self) -> &'static str {
		match self {
			OrderingRule::RiskAware => "risk_aware",
			OrderingRule::AssetProtection => "asset_protection",
			OrderingRule::MigrationAware => "migration_aware",
			OrderingRule::Hybrid => "hybrid",
		}
	}

	/// The rule a configuration name denotes.
	pub fn from_config_name(name: &str) -> Option<Self> {
		Self::ALL.into_iter().find(|r| r.config_name() == name)
	}
}

/// How strongly the asset a call touches is protected.
#[derive(
	Clone,
	Copy,
	Debug,
	Default,
	PartialEq,
	Eq,
	PartialOrd,
	Ord,
	Hash,
	Encode,
	Decode,
	DecodeWithMemTracking,
	MaxEncodedLen,
	TypeInfo,
)]
pub enum ProtectionTier {
	/// The call touches no protected asset.
	#[default]
	#[codec(index = 0)]
	None = 0,
	/// A protected asset with a plain policy.
	#[codec(index = 1)]
	Standard = 1,
	/// A protected asset whose policy requires post-quantum signatures.
	#[codec(index = 2)]
	High = 2,
	/// A protected asset whose policy requires the TEE path.
	#[codec(index = 3)]
	Critical = 3,
}

/// What the ordering rules look at in an entry.
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
pub struct EntryMeta {
	/// Arrival index assigned by the chain; unique per submission, increasing with time.
	pub arrival: u64,
	/// Risk score attached to the entry.
	pub risk: RiskScore,
	/// Protection tier of the asset the call touches.
	pub protection: ProtectionTier,
	/// Whether the call belongs to a state migration.
	pub migration: bool,
}

/// The correct order of `entries` under `rule`, as indices into `entries`.
///
/// Sorts by descending [`OrderingRule::priority`], then ascending `arrival`; should two entries
/// share an arrival index (the chain never assigns one twice), their input position decides,
/// so the result is always a permutation and deterministic.
pub fn order(rule: OrderingRule, entries: &[EntryMeta]) -> Vec<u32> {
	let mut keyed: Vec<(u32, u64, u32)> = entries
		.iter()
		.enumerate()
		.map(|(i, m)| (u32::MAX - rule.priority(m), m.arrival, i as u32))
		.collect();
	keyed.sort_unstable();
	keyed.into_iter().map(|(_, _, i)| i).collect()
}

/// Whether `entries`, in the order given, follow `rule`: every neighbouring pair `(a, b)` has
/// `priority(a) > priority(b)`, or equal priorities and `a.arrival < b.arrival`.
///
/// Duplicate arrival indices among equal priorities make this `false`: the chain assigns each
/// submission its own index, so a batch that repeats one is wrong regardless of order.
pub fn is_ordered(rule: OrderingRule, entries: &[EntryMeta]) -> bool {
	entries.windows(2).all(|pair| match pair {
		[a, b] => {
			let (pa, pb) = (rule.priority(a), rule.priority(b));
			pa > pb || (pa == pb && a.arrival < b.arrival)
		}
		_ => true,
	})
}

/// Applies an index permutation from [`order`] to `items`.
///
/// Returns `None` if `permutation` does not index `items` exactly once each.
pub fn apply<T: Clone>(permutation: &[u32], items: &[T]) -> Option<Vec<T>> {
	if permutation.len() != items.len() {
		return None;
	}
	let mut seen = alloc::vec![false; items.len()];
	let mut out = Vec::with_capacity(items.len());
	for &i in permutation {
		let i = i as usize;
		let slot = seen.get_mut(i)?;
		if *slot {
			return None;
		}
		*slot = true;
		out.push(items.get(i)?.clone());
	}
	Some(out)
}

#[cfg(test)]
mod tests {
	use super::*;

	fn meta(arrival: u64, risk: u16, protection: ProtectionTier, migration: bool) -> EntryMeta {
		EntryMeta { arrival, risk: RiskScore::new(risk).unwrap(), protection, migration }
	}

	#[test]
	fn each_rule_orders_as_documented() {
		use ProtectionTier::*;
		let entries = [
			meta(0, 100, None, false),
			meta(1, 9_000, Standard, false),
			meta(2, 500, Critical, false),
			meta(3, 50, None, true),
			meta(4, 9_000, High, false),
		];
		assert_eq!(order(OrderingRule::RiskAware, &entries), vec![1, 4, 2, 0, 3]);
		assert_eq!(order(OrderingRule::AssetProtection, &entries), vec![2, 4, 1, 0, 3]);
		assert_eq!(order(OrderingRule::MigrationAware, &entries), vec![3, 0, 1, 2, 4]);
		assert_eq!(order(OrderingRule::Hybrid, &entries), vec![3, 2, 4, 1, 0]);
	}

	#[test]
	fn ties_break_by_arrival_not_position() {
		let entries =
			[meta(7, 10, ProtectionTier::None, false), meta(3, 10, ProtectionTier::None, false)];
		assert_eq!(order(OrderingRule::RiskAware, &entries), vec![1, 0]);
		assert!(!is_ordered(OrderingRule::RiskAware, &entries));
		assert!(is_ordered(OrderingRule::RiskAware, &[entries[1], entries[0]]));
	}

	#[test]
	fn duplicate_arrivals_are_never_ordered() {
		let m = meta(1, 10, ProtectionTier::None, false);
		assert!(!is_ordered(OrderingRule::Hybrid, &[m, m]));
	}

	#[test]
	fn trivial_inputs() {
		for rule in OrderingRule::ALL {
			assert!(order(rule, &[]).is_empty());
			assert!(is_ordered(rule, &[]));
			assert!(is_ordered(rule, &[EntryMeta::default()]));
		}
	}

	#[test]
	fn hybrid_packing_compares_like_the_tuple() {
		let low_tier_max_risk = meta(0, 10_000, ProtectionTier::Standard, false);
		let high_tier_no_risk = meta(1, 0, ProtectionTier::High, false);
		let migration = meta(2, 0, ProtectionTier::None, true);
		let r = OrderingRule::Hybrid;
		assert!(r.priority(&high_tier_no_risk) > r.priority(&low_tier_max_risk));
		assert!(
			r.priority(&migration) > r.priority(&meta(3, 10_000, ProtectionTier::Critical, false))
		);
	}

	#[test]
	fn config_names_round_trip() {
		for rule in OrderingRule::ALL {
			assert_eq!(OrderingRule::from_config_name(rule.config_name()), Some(rule));
		}
		assert_eq!(OrderingRule::from_config_name("fifo"), None);
	}

	#[test]
	fn apply_checks_the_permutation() {
		assert_eq!(apply(&[2, 0, 1], &['a', 'b', 'c']), Some(vec!['c', 'a', 'b']));
		assert_eq!(apply(&[0, 0, 1], &['a', 'b', 'c']), None);
		assert_eq!(apply(&[0, 3, 1], &['a', 'b', 'c']), None);
		assert_eq!(apply(&[0, 1], &['a', 'b', 'c']), None);
	}
}
