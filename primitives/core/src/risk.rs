//! Quantum-risk score, risk levels and the post-quantum policy each level demands.
//!
//! The risk oracle publishes a [`RiskScore`] in basis points (`0..=10000`). [`Thresholds`] map a
//! score to a [`RiskLevel`]; each level has a [`PqcPolicy`] saying which signature suites a batch
//! and a checkpoint must carry and how long a worker's keys may live before rotation.
//!
//! How a level *changes* over time (scheduled escalation, hysteresis) is the oracle pallet's
//! business; this module only defines the static mapping everyone agrees on.

use crate::pqc::Suite;
pub use crate::pqc::SuiteSet;
use alloc::vec::Vec;
use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use scale_info::TypeInfo;

/// Highest possible risk score: 100.00 %.
pub const MAX_RISK_SCORE: u16 = 10_000;
/// Default score at which the level becomes [`RiskLevel::Elevated`].
pub const DEFAULT_ELEVATED_THRESHOLD: u16 = 6_000;
/// Default score at which the level becomes [`RiskLevel::Emergency`].
pub const DEFAULT_EMERGENCY_THRESHOLD: u16 = 9_000;

/// Errors from constructing risk values.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RiskError {
	/// A score above [`MAX_RISK_SCORE`].
	ScoreOutOfRange(u16),
	/// Thresholds must satisfy `0 < elevated < emergency <= MAX_RISK_SCORE`.
	InvalidThresholds,
}

impl core::fmt::Display for RiskError {
	fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
		match self {
			Self::ScoreOutOfRange(v) => write!(f, "risk score {v} exceeds {MAX_RISK_SCORE}"),
			Self::InvalidThresholds => {
				f.write_str("risk thresholds must satisfy 0 < elevated < emergency <= 10000")
			}
		}
	}
}

/// A quantum-risk score in basis points, always within `0..=10000`.
///
/// The only ways to obtain one are the checked constructor [`RiskScore::new`] and SCALE decoding,
/// which rejects out-of-range values too, so a `RiskScore` in storage or in a call is always valid.
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
	MaxEncodedLen,
	TypeInfo,
)]
pub struct RiskScore(u16);

impl RiskScore {
	/// The lowest score.
	pub const ZERO: Self = Self(0);
	/// The highest score.
	pub const MAX: Self = Self(MAX_RISK_SCORE);

	/// A score, if `basis_points <= 10000`.
	pub const fn new(basis_points: u16) -> Result<Self, RiskError> {
		if basis_points > MAX_RISK_SCORE {
			Err(RiskError::ScoreOutOfRange(basis_points))
		} else {
			Ok(Self(basis_points))
		}
	}

	/// The score in basis points.
	pub const fn get(self) -> u16 {
		self.0
	}
}

impl TryFrom<u16> for RiskScore {
	type Error = RiskError;
	fn try_from(v: u16) -> Result<Self, RiskError> {
		Self::new(v)
	}
}

impl From<RiskScore> for u16 {
	fn from(s: RiskScore) -> u16 {
		s.0
	}
}

impl Decode for RiskScore {
	fn decode<I: codec::Input>(input: &mut I) -> Result<Self, codec::Error> {
		let raw = u16::decode(input)?;
		Self::new(raw).map_err(|_| codec::Error::from("risk score exceeds 10000"))
	}
}

impl DecodeWithMemTracking for RiskScore {}

/// How much quantum risk the chain currently assumes.
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
pub enum RiskLevel {
	/// Below the elevated threshold.
	#[default]
	Normal,
	/// At or above the elevated threshold, below the emergency threshold.
	Elevated,
	/// At or above the emergency threshold.
	Emergency,
}

/// The two scores at which the level changes. Invariant: `0 < elevated < emergency <= 10000`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Encode, MaxEncodedLen, TypeInfo)]
pub struct Thresholds {
	elevated: RiskScore,
	emergency: RiskScore,
}

impl Default for Thresholds {
	fn default() -> Self {
		Self {
			elevated: RiskScore(DEFAULT_ELEVATED_THRESHOLD),
			emergency: RiskScore(DEFAULT_EMERGENCY_THRESHOLD),
		}
	}
}

impl Thresholds {
	/// Thresholds, if `0 < elevated < emergency <= 10000`.
	pub const fn new(elevated: u16, emergency: u16) -> Result<Self, RiskError> {
		if elevated == 0 || elevated >= emergency || emergency > MAX_RISK_SCORE {
			return Err(RiskError::InvalidThresholds);
		}
		Ok(Self { elevated: RiskScore(elevated), emergency: RiskScore(emergency) })
	}

	/// Score at which [`RiskLevel::Elevated`] begins.
	pub const fn elevated(&self) -> RiskScore {
		self.elevated
	}

	/// Score at which [`RiskLevel::Emergency`] begins.
	pub const fn emergency(&self) -> RiskScore {
		self.emergency
	}

	/// The level a score falls in: `Emergency` if `score >= emergency`, `Elevated` if
	/// `score >= elevated`, otherwise `Normal`.
	pub const fn level(&self, score: RiskScore) -> RiskLevel {
		if score.0 >= self.emergency.0 {
			RiskLevel::Emergency
		} else if score.0 >= self.elevated.0 {
			RiskLevel::Elevated
		} else {
			RiskLevel::Normal
		}
	}
}

impl Decode for Thresholds {
	fn decode<I: codec::Input>(input: &mut I) -> Result<Self, codec::Error> {
		let elevated = RiskScore::decode(input)?;
		let emergency = RiskScore::decode(input)?;
		Self::new(elevated.0, emergency.0)
			.map_err(|_| codec::Error::from("invalid risk thresholds"))
	}
}

impl DecodeWithMemTracking for Thresholds {}

/// What the post-quantum policy of one [`RiskLevel`] requires.
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
pub struct PqcPolicy {
	/// Suites every batch signature set must contain.
	pub batch_suites: SuiteSet,
	/// Suites every checkpoint signature set must contain.
	pub checkpoint_suites: SuiteSet,
	/// Maximum age, in blocks, of a worker's signing keys; a worker whose keys are older must
	/// rotate (and re-attest) before it may sign again.
	pub key_rotation_blocks: u32,
}

/// Key lifetime under [`RiskLevel::Normal`]: about 7 days at 6-second blocks.
pub const NORMAL_KEY_ROTATION_BLOCKS: u32 = 100_800;
/// Key lifetime under [`RiskLevel::Elevated`]: about 1 day at 6-second blocks.
pub const ELEVATED_KEY_ROTATION_BLOCKS: u32 = 14_400;
/// Key lifetime under [`RiskLevel::Emergency`]: about 10 minutes at 6-second blocks.
pub const EMERGENCY_KEY_ROTATION_BLOCKS: u32 = 100;

impl PqcPolicy {
	/// The product's policy for a level.
	///
	/// | level | batch suites | checkpoint suites | key rotation |
	/// |---|---|---|---|
	/// | Normal | ML-DSA-87 | ML-DSA-87 + SLH-DSA-256s | 100 800 blocks |
	/// | Elevated | ML-DSA-87 + SLH-DSA-256s | ML-DSA-87 + SLH-DSA-256s | 14 400 blocks |
	/// | Emergency | ML-DSA-87 + SLH-DSA-256s | ML-DSA-87 + SLH-DSA-256s | 100 blocks |
	///
	/// ML-DSA-87 is always required; the hash-based SLH-DSA joins it on batches once the risk is
	/// elevated, because its security rests on hash functions alone. Checkpoints always carry both.
	pub const fn for_level(level: RiskLevel) -> Self {
		match level {
			RiskLevel::Normal => Self {
				batch_suites: SuiteSet::ML_DSA,
				checkpoint_suites: SuiteSet::BOTH,
				key_rotation_blocks: NORMAL_KEY_ROTATION_BLOCKS,
			},
			RiskLevel::Elevated => Self {
				batch_suites: SuiteSet::BOTH,
				checkpoint_suites: SuiteSet::BOTH,
				key_rotation_blocks: ELEVATED_KEY_ROTATION_BLOCKS,
			},
			RiskLevel::Emergency => Self {
				batch_suites: SuiteSet::BOTH,
				checkpoint_suites: SuiteSet::BOTH,
				key_rotation_blocks: EMERGENCY_KEY_ROTATION_BLOCKS,
			},
		}
	}

	/// Whether a policy is acceptable at all: ML-DSA-87 on batches and both suites on
	/// checkpoints are the floor, and keys must rotate eventually.
	pub const fn is_valid(&self) -> bool {
		self.batch_suites.contains(Suite::MlDsa87)
			&& self.checkpoint_suites.is_superset(SuiteSet::BOTH)
			&& self.key_rotation_blocks > 0
	}

	/// Whether keys created at `created_at` must be rotated at block `now`.
	pub const fn rotation_due(&self, created_at: u32, now: u32) -> bool {
		now.saturating_sub(created_at) >= self.key_rotation_blocks
	}
}

/// The median the oracle publishes: for an even count the *lower* of the two middle values, so
/// the published score is always one of the feeds. `None` for no feeds.
pub fn median(scores: &[RiskScore]) -> Option<RiskScore> {
	let mut sorted = Vec::from(scores);
	sorted.sort_unstable();
	let middle = sorted.len().checked_sub(1)? / 2;
	sorted.get(middle).copied()
}

/// Where the oracle's level stands: the level in force and an escalation waiting to take effect.
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
pub struct LevelState {
	/// The level in force.
	pub active: RiskLevel,
	/// A scheduled escalation: the level and the block from which it takes effect.
	pub pending: Option<(RiskLevel, u32)>,
}

/// What a new score did to a [`LevelState`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LevelChange {
	/// Nothing changed.
	None,
	/// The level in force changed.
	Changed {
		/// Level before.
		from: RiskLevel,
		/// Level now.
		to: RiskLevel,
	},
	/// An escalation was scheduled.
	Scheduled {
		/// Level that will take effect.
		level: RiskLevel,
		/// Block from which it takes effect.
		at: u32,
	},
	/// A scheduled escalation was dropped because the score fell back first.
	Cancelled {
		/// Level that was scheduled.
		level: RiskLevel,
	},
}

/// The rules by which the oracle's level follows its score. Decoding validates the thresholds.
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
pub struct LevelRules {
	/// Score thresholds of the levels.
	pub thresholds: Thresholds,
	/// Blocks between a score reaching [`RiskLevel::Elevated`] and that level taking effect.
	pub rotation_delay: u32,
	/// How far below a level's threshold the score must fall to leave that level.
	pub hysteresis: u16,
	/// Blocks a level stays in force before a score may lower it, so a feeder cannot flap
	/// the level (and the rekey every Emergency brings) from block to block.
	pub min_dwell: u32,
}

impl LevelRules {
	/// Applies a newly published `score` at block `now` and returns the new state and what
	/// happened. The rules:
	///
	/// - **Emergency** (score ≥ emergency threshold) takes effect at once and drops any
	///   scheduled escalation.
	/// - **Elevated** (score ≥ elevated threshold, from Normal) is scheduled for
	///   `now + rotation_delay`; it takes effect with the first score published at or after that
	///   block that is still at or above the threshold ([`LevelRules::tick`] applies it even
	///   without a new score). A score below the threshold before then cancels it.
	/// - **Leaving** a level needs `score + hysteresis` to fall below its threshold, and the
	///   level to have been in force for `min_dwell` blocks (since block `since`); the level
	///   then drops to `level(score + hysteresis)`, possibly by two steps, at once.
	pub fn apply(
		&self,
		state: LevelState,
		score: RiskScore,
		now: u32,
		since: u32,
	) -> (LevelState, LevelChange) {
		let raw = self.thresholds.level(score);
		let active = state.active;

		if raw == RiskLevel::Emergency && active != RiskLevel::Emergency {
			let next = LevelState { active: RiskLevel::Emergency, pending: None };
			return (next, LevelChange::Changed { from: active, to: RiskLevel::Emergency });
		}
		if raw > active {
			return match state.pending {
				Some((level, at)) if level == raw && now >= at => (
					LevelState { active: raw, pending: None },
					LevelChange::Changed { from: active, to: raw },
				),
				Some((level, _)) if level == raw => (state, LevelChange::None),
				_ => {
					let at = now.saturating_add(self.rotation_delay);
					if self.rotation_delay == 0 {
						(
							LevelState { active: raw, pending: None },
							LevelChange::Changed { from: active, to: raw },
						)
					} else {
						(
							LevelState { active, pending: Some((raw, at)) },
							LevelChange::Scheduled { level: raw, at },
						)
					}
				}
			};
		}
		// The score is not above the level in force: drop a pending escalation, maybe descend.
		if let Some((level, _)) = state.pending {
			return (LevelState { active, pending: None }, LevelChange::Cancelled { level });
		}
		let with_margin =
			RiskScore(score.get().saturating_add(self.hysteresis).min(MAX_RISK_SCORE));
		let lowered = self.thresholds.level(with_margin).min(active);
		if lowered < active && now >= since.saturating_add(self.min_dwell) {
			(
				LevelState { active: lowered, pending: None },
				LevelChange::Changed { from: active, to: lowered },
			)
		} else {
			(state, LevelChange::None)
		}
	}

	/// Applies a scheduled escalation whose block has come, without a new score.
	pub fn tick(&self, state: LevelState, now: u32) -> (LevelState, LevelChange) {
		match state.pending {
			Some((level, at)) if now >= at && level > state.active => (
				LevelState { active: level, pending: None },
				LevelChange::Changed { from: state.active, to: level },
			),
			_ => (state, LevelChange::None),
		}
	}
}

#[cfg(test)]
mod tests {
	use super::*;
	use codec::{Decode, Encode};

	#[test]
	fn score_range_is_checked() {
		assert_eq!(RiskScore::new(0).unwrap().get(), 0);
		assert_eq!(RiskScore::new(10_000).unwrap(), RiskScore::MAX);
		assert_eq!(RiskScore::new(10_001), Err(RiskError::ScoreOutOfRange(10_001)));
		assert_eq!(RiskScore::try_from(u16::MAX), Err(RiskError::ScoreOutOfRange(u16::MAX)));
	}

	#[test]
	fn score_decode_rejects_out_of_range() {
		assert_eq!(RiskScore::decode(&mut &10_000u16.encode()[..]), Ok(RiskScore::MAX));
		assert!(RiskScore::decode(&mut &10_001u16.encode()[..]).is_err());
		assert!(RiskScore::decode(&mut &[0x10][..]).is_err());
	}

	#[test]
	fn default_levels_follow_the_thresholds() {
		let t = Thresholds::default();
		let level = |s| t.level(RiskScore::new(s).unwrap());
		assert_eq!(level(0), RiskLevel::Normal);
		assert_eq!(level(5_999), RiskLevel::Normal);
		assert_eq!(level(6_000), RiskLevel::Elevated);
		assert_eq!(level(8_999), RiskLevel::Elevated);
		assert_eq!(level(9_000), RiskLevel::Emergency);
		assert_eq!(level(10_000), RiskLevel::Emergency);
	}

	#[test]
	fn thresholds_are_validated() {
		assert!(Thresholds::new(6_000, 9_000).is_ok());
		assert_eq!(Thresholds::new(0, 9_000), Err(RiskError::InvalidThresholds));
		assert_eq!(Thresholds::new(9_000, 9_000), Err(RiskError::InvalidThresholds));
		assert_eq!(Thresholds::new(9_000, 6_000), Err(RiskError::InvalidThresholds));
		assert_eq!(Thresholds::new(6_000, 10_001), Err(RiskError::InvalidThresholds));
		let bad = (9_000u16, 6_000u16).encode();
		assert!(Thresholds::decode(&mut &bad[..]).is_err());
		let good = Thresholds::new(100, 200).unwrap();
		assert_eq!(Thresholds::decode(&mut &good.encode()[..]), Ok(good));
		assert_eq!(good.elevated().get(), 100);
	}

	fn rules() -> LevelRules {
		LevelRules {
			thresholds: Thresholds::default(),
			rotation_delay: 10,
			hysteresis: 500,
			min_dwell: 0,
		}
	}

	fn score(v: u16) -> RiskScore {
		RiskScore::new(v).unwrap()
	}

	#[test]
	fn median_is_a_feed() {
		let m = |v: &[u16]| {
			median(&v.iter().map(|&x| score(x)).collect::<Vec<_>>()).map(RiskScore::get)
		};
		assert_eq!(m(&[]), None);
		assert_eq!(m(&[7]), Some(7));
		assert_eq!(m(&[9, 1, 5]), Some(5));
		assert_eq!(m(&[9, 1, 5, 3]), Some(3));
		assert_eq!(m(&[10_000, 0]), Some(0));
	}

	#[test]
	fn elevated_is_scheduled_then_takes_effect() {
		let r = rules();
		let (s, c) = r.apply(LevelState::default(), score(6_500), 100, 0);
		assert_eq!(c, LevelChange::Scheduled { level: RiskLevel::Elevated, at: 110 });
		assert_eq!(s.active, RiskLevel::Normal);
		// Still high before the delay: nothing new.
		assert_eq!(r.apply(s, score(7_000), 105, 0), (s, LevelChange::None));
		assert_eq!(r.tick(s, 109), (s, LevelChange::None));
		let (s2, c) = r.tick(s, 110);
		assert_eq!(c, LevelChange::Changed { from: RiskLevel::Normal, to: RiskLevel::Elevated });
		assert_eq!(s2, LevelState { active: RiskLevel::Elevated, pending: None });
		// A score at the block also applies it.
		let (s3, _) = r.apply(s, score(6_000), 110, 0);
		assert_eq!(s3.active, RiskLevel::Elevated);
	}

	#[test]
	fn falling_back_cancels_the_escalation() {
		let r = rules();
		let (s, _) = r.apply(LevelState::default(), score(6_500), 100, 0);
		let (s, c) = r.apply(s, score(5_999), 105, 0);
		assert_eq!(c, LevelChange::Cancelled { level: RiskLevel::Elevated });
		assert_eq!(s, LevelState::default());
		assert_eq!(r.tick(s, 200), (s, LevelChange::None));
	}

	#[test]
	fn emergency_is_immediate_and_overrides_a_schedule() {
		let r = rules();
		let (s, _) = r.apply(LevelState::default(), score(6_500), 100, 0);
		let (s, c) = r.apply(s, score(9_000), 101, 0);
		assert_eq!(c, LevelChange::Changed { from: RiskLevel::Normal, to: RiskLevel::Emergency });
		assert_eq!(s, LevelState { active: RiskLevel::Emergency, pending: None });
	}

	#[test]
	fn leaving_a_level_needs_the_hysteresis_margin() {
		let r = rules();
		let emergency = LevelState { active: RiskLevel::Emergency, pending: None };
		// 8 600 + 500 >= 9 000: stays.
		assert_eq!(r.apply(emergency, score(8_600), 1, 0), (emergency, LevelChange::None));
		// 8 400 + 500 < 9 000: down to Elevated at once.
		let (s, c) = r.apply(emergency, score(8_400), 1, 0);
		assert_eq!(c, LevelChange::Changed { from: RiskLevel::Emergency, to: RiskLevel::Elevated });
		// 5 600 + 500 >= 6 000: stays Elevated; 5 400 leaves.
		assert_eq!(r.apply(s, score(5_600), 2, 0), (s, LevelChange::None));
		assert_eq!(r.apply(s, score(5_400), 2, 0).0.active, RiskLevel::Normal);
		// Two steps at once.
		assert_eq!(r.apply(emergency, score(100), 3, 0).0.active, RiskLevel::Normal);
		// A level stays in force `min_dwell` blocks after it took effect, whatever the score.
		let dwelling = LevelRules { min_dwell: 50, ..r };
		assert_eq!(dwelling.apply(emergency, score(100), 40, 0), (emergency, LevelChange::None));
		assert_eq!(dwelling.apply(emergency, score(100), 60, 11).0.active, RiskLevel::Emergency);
		assert_eq!(dwelling.apply(emergency, score(100), 61, 11).0.active, RiskLevel::Normal);
		// Going up is never held back.
		let normal = LevelState::default();
		assert_eq!(dwelling.apply(normal, score(9_500), 1, 0).0.active, RiskLevel::Emergency);
		// A saturating margin never wraps.
		let wide = LevelRules { hysteresis: u16::MAX, ..r };
		assert_eq!(wide.apply(emergency, score(0), 4, 0), (emergency, LevelChange::None));
	}

	#[test]
	fn zero_delay_escalates_at_once() {
		let r = LevelRules { rotation_delay: 0, ..rules() };
		let (s, c) = r.apply(LevelState::default(), score(6_000), 7, 0);
		assert_eq!(c, LevelChange::Changed { from: RiskLevel::Normal, to: RiskLevel::Elevated });
		assert_eq!(s.pending, None);
	}

	#[test]
	fn policies_escalate_and_are_valid() {
		let n = PqcPolicy::for_level(RiskLevel::Normal);
		let e = PqcPolicy::for_level(RiskLevel::Elevated);
		let x = PqcPolicy::for_level(RiskLevel::Emergency);
		for p in [n, e, x] {
			assert!(p.is_valid());
			assert!(p.batch_suites.contains(Suite::MlDsa87));
			assert_eq!(p.checkpoint_suites, SuiteSet::BOTH);
		}
		assert_eq!(n.batch_suites, SuiteSet::ML_DSA);
		assert_eq!(e.batch_suites, SuiteSet::BOTH);
		assert!(n.key_rotation_blocks > e.key_rotation_blocks);
		assert!(e.key_rotation_blocks > x.key_rotation_blocks);
		let weak = PqcPolicy { checkpoint_suites: SuiteSet::ML_DSA, ..n };
		assert!(!weak.is_valid());
		assert!(!PqcPolicy { key_rotation_blocks: 0, ..n }.is_valid());
		assert!(!x.rotation_due(1_000, 1_099));
		assert!(x.rotation_due(1_000, 1_100));
		assert!(!x.rotation_due(1_000, 10), "a clock behind creation never forces rotation");
	}
}
