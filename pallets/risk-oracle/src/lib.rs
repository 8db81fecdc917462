//! # Quantum-risk oracle (QRMS oracle)
//!
//! Publishes the chain's quantum-risk score (basis points, 0–10000), the [`RiskLevel`] it maps
//! to, and the [`PqcPolicy`] of that level: which post-quantum signature suites batches and
//! checkpoints must carry and how soon sequencer keys rotate (see `aegis_primitives::risk`).
//! The sequencer pallet reads it through [`RiskProvider`]; RPC users and dapps through the
//! [`RiskOracleApi`] runtime API.
//!
//! ## How the score is made
//! Authorised feeders call [`Pallet::feed`] at most once per block each. After every feed the
//! pallet takes the feeds younger than `MaxFeedAge` blocks; if there are at least
//! [`RequiredFeeders`] of them it publishes their median (the lower median for an even count, so the published
//! score is always one of the feeds), otherwise the score stays and [`Event::OracleStale`]
//! says why. Governance may [`Pallet::force_score`] in an emergency.
//!
//! Feeders are a bounded set managed by `GovernanceOrigin`, plus whoever `ExtraFeeders` admits
//! (the worker registry plugs attested TEE workers in there).
//!
//! ## How the level follows the score
//! [`aegis_primitives::risk::LevelRules`]: Emergency at once; Elevated after `RotationDelay`
//! blocks unless the score falls back first (applied in `on_initialize` even without a new
//! feed); leaving a level only once `score + Hysteresis` is below its threshold and the level
//! has been in force for `MinLevelDwell` blocks (so no feeder can flap it, and the rekey each
//! Emergency brings, from block to block). Every change emits [`Event::LevelChanged`] with the
//! new policy.
//!
//! A score needs [`RequiredFeeders`] fresh feeds: `MinFeeders` unless genesis or governance
//! sets more (the `production` preset asks for 3).

#![cfg_attr(not(feature = "std"), no_std)]
#![cfg_attr(test, allow(clippy::indexing_slicing))]

extern crate alloc;

pub use pallet::*;
pub use types::*;
pub use weights::WeightInfo;

#[cfg(feature = "runtime-benchmarks")]
mod benchmarking;
#[cfg(test)]
mod mock;
#[cfg(test)]
mod tests;
mod types;
pub mod weights;

use aegis_primitives::risk::{
	median, LevelChange, LevelRules, LevelState, PqcPolicy, RiskLevel, RiskScore, Thresholds,
};
use alloc::vec::Vec;
use frame_support::pallet_prelude::*;
use frame_system::pallet_prelude::*;
use sp_runtime::traits::{Saturating, UniqueSaturatedInto};

#[frame_support::pallet]
pub mod pallet {
	use super::*;

	/// Feeds kept, at most one per feeder.
	pub type FeedsOf<T> = BoundedVec<
		Feed<<T as frame_system::Config>::AccountId, BlockNumberFor<T>>,
		<T as Config>::MaxFeeders,
	>;

	#[pallet::config]
	pub trait Config: frame_system::Config {
		/// Who manages feeders and may force the score.
		type GovernanceOrigin: EnsureOrigin<Self::RuntimeOrigin>;
		/// Feeders admitted besides the managed set (e.g. attested TEE workers).
		type ExtraFeeders: FeederCheck<Self::AccountId>;
		/// Score at which the level becomes Elevated (default 6000).
		#[pallet::constant]
		type ElevatedThreshold: Get<u16>;
		/// Score at which the level becomes Emergency (default 9000).
		#[pallet::constant]
		type EmergencyThreshold: Get<u16>;
		/// Most managed feeders, and most feeds kept at once.
		#[pallet::constant]
		type MaxFeeders: Get<u32>;
		/// The least a chain may set [`RequiredFeeders`] to (at genesis or by governance).
		#[pallet::constant]
		type MinFeeders: Get<u32>;
		/// A feed counts while it is younger than this many blocks; the published score is stale
		/// once it is this old.
		#[pallet::constant]
		type MaxFeedAge: Get<BlockNumberFor<Self>>;
		/// Blocks between the score reaching Elevated and that level taking effect.
		#[pallet::constant]
		type RotationDelay: Get<u32>;
		/// How far below a threshold the score must fall to leave that level.
		#[pallet::constant]
		type Hysteresis: Get<u16>;
		/// Blocks a level stays in force before the score may lower it.
		#[pallet::constant]
		type MinLevelDwell: Get<u32>;
		/// Weights of this pallet's calls, from its benchmarks.
		type WeightInfo: WeightInfo;
	}

	/// Storage layout version.
	const STORAGE_VERSION: StorageVersion = StorageVersion::new(0);

	#[pallet::pallet]
	#[pallet::storage_version(STORAGE_VERSION)]
	pub struct Pallet<T>(_);

	/// The governance-managed feeders, sorted.
	#[pallet::storage]
	pub type Feeders<T: Config> =
		StorageValue<_, BoundedVec<T::AccountId, T::MaxFeeders>, ValueQuery>;

	/// Each feeder's latest feed.
	#[pallet::storage]
	pub type Feeds<T: Config> = StorageValue<_, FeedsOf<T>, ValueQuery>;

	/// The published score.
	#[pallet::storage]
	pub type Score<T: Config> = StorageValue<_, RiskScore, ValueQuery>;

	/// Block of the last published (or forced) score.
	#[pallet::storage]
	pub type LastUpdated<T: Config> = StorageValue<_, BlockNumberFor<T>, ValueQuery>;

	/// Level in force and any scheduled escalation (block numbers as `u32`).
	#[pallet::storage]
	pub type Level<T: Config> = StorageValue<_, LevelState, ValueQuery>;

	/// Block the level in force took effect.
	#[pallet::storage]
	pub type LevelSince<T: Config> = StorageValue<_, BlockNumberFor<T>, ValueQuery>;

	/// Fewest fresh feeds from which a score is published (at least `MinFeeders`).
	#[pallet::storage]
	pub type RequiredFeeders<T: Config> = StorageValue<_, u32, ValueQuery, DefaultRequired<T>>;

	/// `MinFeeders` until genesis or governance sets more.
	#[pallet::type_value]
	pub fn DefaultRequired<T: Config>() -> u32 {
		T::MinFeeders::get()
	}

	#[pallet::event]
	#[pallet::generate_deposit(pub(super) fn deposit_event)]
	pub enum Event<T: Config> {
		/// A feeder was added to the managed set.
		FeederAdded {
			/// The feeder.
			who: T::AccountId,
		},
		/// A feeder was removed from the managed set, with its feed.
		FeederRemoved {
			/// The feeder.
			who: T::AccountId,
		},
		/// A feeder posted a score.
		Fed {
			/// The feeder.
			who: T::AccountId,
			/// The score posted.
			score: RiskScore,
		},
		/// A new score was published: the median of the fresh feeds.
		ScoreUpdated {
			/// The published score.
			score: RiskScore,
			/// How many fresh feeds it is the median of.
			feeds: u32,
		},
		/// Too few fresh feeds: the published score was kept.
		OracleStale {
			/// Fresh feeds available.
			fresh: u32,
			/// Fresh feeds needed.
			required: u32,
		},
		/// Governance set the score directly.
		ScoreForced {
			/// The score set.
			score: RiskScore,
		},
		/// The level in force changed.
		LevelChanged {
			/// Level before.
			from: RiskLevel,
			/// Level now.
			to: RiskLevel,
			/// Policy now in force.
			policy: PqcPolicy,
		},
		/// An escalation was scheduled.
		EscalationScheduled {
			/// Level that will take effect.
			level: RiskLevel,
			/// Block from which it takes effect.
			at: BlockNumberFor<T>,
		},
		/// A scheduled escalation was cancelled because the score fell back.
		EscalationCancelled {
			/// Level that was scheduled.
			level: RiskLevel,
		},
		/// Governance changed how many fresh feeds a score needs.
		RequiredFeedersSet {
			/// Fresh feeds needed from now on.
			required: u32,
		},
	}

	#[pallet::error]
	pub enum Error<T> {
		/// The caller may not feed.
		NotFeeder,
		/// The account already is a managed feeder.
		AlreadyFeeder,
		/// The managed feeder set is full (`MaxFeeders`).
		TooManyFeeders,
		/// A score above 10000 basis points.
		ScoreOutOfRange,
		/// The feeder already fed in this block.
		AlreadyFedThisBlock,
		/// `MaxFeeders` fresh feeds are already kept; no room for another feeder's.
		TooManyFeeds,
		/// Required feeders must be at least `MinFeeders` and at most `MaxFeeders`.
		BadRequiredFeeders,
	}

	#[pallet::genesis_config]
	#[derive(frame_support::DefaultNoBound)]
	pub struct GenesisConfig<T: Config> {
		/// Initial managed feeders.
		pub feeders: Vec<T::AccountId>,
		/// Initial score, in basis points.
		pub initial_score: u16,
		/// Fewest fresh feeds a score needs (`MinFeeders` when unset). A production chain
		/// wants several independent feeders, so that no one of them sets the level.
		pub required_feeders: Option<u32>,
	}

	#[pallet::genesis_build]
	impl<T: Config> BuildGenesisConfig for GenesisConfig<T> {
		fn build(&self) {
			let score = RiskScore::new(self.initial_score)
				.expect("genesis risk score must be at most 10000; qed");
			let mut feeders = self.feeders.clone();
			feeders.sort();
			feeders.dedup();
			let feeders: BoundedVec<_, T::MaxFeeders> =
				feeders.try_into().expect("genesis feeders must fit MaxFeeders; qed");
			Feeders::<T>::put(feeders);
			if let Some(required) = self.required_feeders {
				assert!(
					Pallet::<T>::required_in_range(required),
					"genesis required feeders must be within MinFeeders..=MaxFeeders; qed"
				);
				RequiredFeeders::<T>::put(required);
			}
			Score::<T>::put(score);
			let level = Pallet::<T>::rules().thresholds.level(score);
			Level::<T>::put(LevelState { active: level, pending: None });
		}
	}

	#[pallet::hooks]
	impl<T: Config> Hooks<BlockNumberFor<T>> for Pallet<T> {
		fn on_initialize(now: BlockNumberFor<T>) -> Weight {
			let state = Level::<T>::get();
			let (next, change) = Self::rules().tick(state, Self::block_u32(now));
			Self::set_level(next, change, now);
			T::WeightInfo::on_initialize_escalation()
		}

		fn integrity_test() {
			assert!(
				Thresholds::new(T::ElevatedThreshold::get(), T::EmergencyThreshold::get()).is_ok(),
				"thresholds must satisfy 0 < elevated < emergency <= 10000"
			);
			assert!(T::MinFeeders::get() >= 1, "MinFeeders must be at least 1");
			assert!(
				T::MinFeeders::get() <= T::MaxFeeders::get(),
				"MinFeeders must not exceed MaxFeeders"
			);
		}
	}

	#[pallet::call]
	impl<T: Config> Pallet<T> {
		/// Adds `who` to the managed feeders. Governance only.
		#[pallet::call_index(0)]
		#[pallet::weight(T::WeightInfo::add_feeder(T::MaxFeeders::get()))]
		pub fn add_feeder(origin: OriginFor<T>, who: T::AccountId) -> DispatchResult {
			T::GovernanceOrigin::ensure_origin(origin)?;
			let mut feeders = Feeders::<T>::get();
			let at = match feeders.binary_search(&who) {
				Ok(_) => return Err(Error::<T>::AlreadyFeeder.into()),
				Err(at) => at,
			};
			feeders.try_insert(at, who.clone()).map_err(|_| Error::<T>::TooManyFeeders)?;
			Feeders::<T>::put(feeders);
			Self::deposit_event(Event::FeederAdded { who });
			Ok(())
		}

		/// Removes `who` from the managed feeders and drops its feed. Governance only.
		#[pallet::call_index(1)]
		#[pallet::weight(T::WeightInfo::remove_feeder(T::MaxFeeders::get()))]
		pub fn remove_feeder(origin: OriginFor<T>, who: T::AccountId) -> DispatchResult {
			T::GovernanceOrigin::ensure_origin(origin)?;
			let mut feeders = Feeders::<T>::get();
			let at = feeders.binary_search(&who).map_err(|_| Error::<T>::NotFeeder)?;
			feeders.remove(at);
			Feeders::<T>::put(feeders);
			Feeds::<T>::mutate(|feeds| feeds.retain(|f| f.feeder != who));
			Self::deposit_event(Event::FeederRemoved { who });
			Ok(())
		}

		/// Posts a score in basis points (0–10000); at most once per block per feeder.
		#[pallet::call_index(2)]
		#[pallet::weight(
			T::WeightInfo::feed(T::MaxFeeders::get())
				.saturating_add(T::ExtraFeeders::is_feeder_weight())
		)]
		pub fn feed(origin: OriginFor<T>, score: u16) -> DispatchResult {
			let who = ensure_signed(origin)?;
			ensure!(Self::is_feeder(&who), Error::<T>::NotFeeder);
			let score = RiskScore::new(score).map_err(|_| Error::<T>::ScoreOutOfRange)?;
			let now = frame_system::Pallet::<T>::block_number();

			let mut feeds = Feeds::<T>::get();
			match feeds.iter_mut().find(|f| f.feeder == who) {
				Some(existing) => {
					ensure!(existing.at != now, Error::<T>::AlreadyFedThisBlock);
					existing.score = score;
					existing.at = now;
				}
				None => {
					if feeds.is_full() {
						feeds.retain(|f| Self::is_fresh(f.at, now));
					}
					feeds
						.try_push(Feed { feeder: who.clone(), score, at: now })
						.map_err(|_| Error::<T>::TooManyFeeds)?;
				}
			}
			Feeds::<T>::put(&feeds);
			Self::deposit_event(Event::Fed { who, score });
			Self::aggregate(&feeds, now);
			Ok(())
		}

		/// Sets the score directly, bypassing the feeds, the escalation delay and hysteresis:
		/// the level becomes the score's level at once. Governance only, for emergencies.
		#[pallet::call_index(3)]
		#[pallet::weight(T::WeightInfo::force_score())]
		pub fn force_score(origin: OriginFor<T>, score: u16) -> DispatchResult {
			T::GovernanceOrigin::ensure_origin(origin)?;
			let score = RiskScore::new(score).map_err(|_| Error::<T>::ScoreOutOfRange)?;
			let now = frame_system::Pallet::<T>::block_number();
			Score::<T>::put(score);
			LastUpdated::<T>::put(now);
			Self::deposit_event(Event::ScoreForced { score });
			let from = Level::<T>::get();
			let to = Self::rules().thresholds.level(score);
			if let Some((level, _)) = from.pending {
				if level != to {
					Self::deposit_event(Event::EscalationCancelled { level });
				}
			}
			let change = if from.active != to {
				LevelChange::Changed { from: from.active, to }
			} else {
				LevelChange::None
			};
			Level::<T>::put(LevelState { active: to, pending: None });
			Self::set_level(LevelState { active: to, pending: None }, change, now);
			Ok(())
		}

		/// Sets how many fresh feeds a score needs (`MinFeeders..=MaxFeeders`). Governance
		/// only.
		#[pallet::call_index(4)]
		#[pallet::weight(T::WeightInfo::force_score())]
		pub fn set_required_feeders(origin: OriginFor<T>, required: u32) -> DispatchResult {
			T::GovernanceOrigin::ensure_origin(origin)?;
			ensure!(Self::required_in_range(required), Error::<T>::BadRequiredFeeders);
			RequiredFeeders::<T>::put(required);
			Self::deposit_event(Event::RequiredFeedersSet { required });
			Ok(())
		}
	}
}

impl<T: Config> Pallet<T> {
	/// The level rules from the pallet's constants. A misconfigured threshold pair (caught by
	/// `integrity_test`) falls back to the defaults rather than failing at runtime.
	pub fn rules() -> LevelRules {
		LevelRules {
			thresholds: Thresholds::new(T::ElevatedThreshold::get(), T::EmergencyThreshold::get())
				.unwrap_or_default(),
			rotation_delay: T::RotationDelay::get(),
			hysteresis: T::Hysteresis::get(),
			min_dwell: T::MinLevelDwell::get(),
		}
	}

	fn required_in_range(required: u32) -> bool {
		(T::MinFeeders::get()..=T::MaxFeeders::get()).contains(&required)
	}

	/// Stores the level state `next` reached at `now` through `change`, and says so.
	fn set_level(next: LevelState, change: LevelChange, now: BlockNumberFor<T>) {
		if change == LevelChange::None {
			return;
		}
		Level::<T>::put(next);
		if let LevelChange::Changed { .. } = change {
			LevelSince::<T>::put(now);
		}
		Self::emit_level_change(change);
	}

	/// Whether `who` may feed.
	pub fn is_feeder(who: &T::AccountId) -> bool {
		Feeders::<T>::get().binary_search(who).is_ok() || T::ExtraFeeders::is_feeder(who)
	}

	/// Everything about the oracle's current state.
	pub fn status() -> RiskStatus<BlockNumberFor<T>> {
		let level = Level::<T>::get();
		RiskStatus {
			score: Score::<T>::get(),
			level: level.active,
			policy: PqcPolicy::for_level(level.active),
			pending: level.pending.map(|(l, at)| (l, at.into())),
			last_updated: LastUpdated::<T>::get(),
			stale: Self::score_is_stale(),
		}
	}

	fn score_is_stale() -> bool {
		let now = frame_system::Pallet::<T>::block_number();
		!Self::is_fresh(LastUpdated::<T>::get(), now)
	}

	fn is_fresh(at: BlockNumberFor<T>, now: BlockNumberFor<T>) -> bool {
		now.saturating_sub(at) < T::MaxFeedAge::get()
	}

	fn block_u32(n: BlockNumberFor<T>) -> u32 {
		n.unique_saturated_into()
	}

	/// Publishes the median of the fresh feeds, or reports staleness, then moves the level.
	fn aggregate(feeds: &[Feed<T::AccountId, BlockNumberFor<T>>], now: BlockNumberFor<T>) {
		let fresh: Vec<RiskScore> =
			feeds.iter().filter(|f| Self::is_fresh(f.at, now)).map(|f| f.score).collect();
		let count = fresh.len() as u32;
		let required = RequiredFeeders::<T>::get();
		let published = match median(&fresh) {
			Some(score) if count >= required => score,
			_ => {
				Self::deposit_event(Event::OracleStale { fresh: count, required });
				return;
			}
		};
		Score::<T>::put(published);
		LastUpdated::<T>::put(now);
		Self::deposit_event(Event::ScoreUpdated { score: published, feeds: count });
		let since = Self::block_u32(LevelSince::<T>::get());
		let (next, change) =
			Self::rules().apply(Level::<T>::get(), published, Self::block_u32(now), since);
		Self::set_level(next, change, now);
	}

	fn emit_level_change(change: LevelChange) {
		let event = match change {
			LevelChange::None => return,
			LevelChange::Changed { from, to } => {
				Event::LevelChanged { from, to, policy: PqcPolicy::for_level(to) }
			}
			LevelChange::Scheduled { level, at } => {
				Event::EscalationScheduled { level, at: at.into() }
			}
			LevelChange::Cancelled { level } => Event::EscalationCancelled { level },
		};
		Self::deposit_event(event);
	}
}

impl<T: Config> RiskProvider<BlockNumberFor<T>> for Pallet<T> {
	fn score() -> RiskScore {
		Score::<T>::get()
	}
	fn level() -> RiskLevel {
		Level::<T>::get().active
	}
	fn policy() -> PqcPolicy {
		PqcPolicy::for_level(Level::<T>::get().active)
	}
	fn last_updated() -> BlockNumberFor<T> {
		LastUpdated::<T>::get()
	}
	fn is_stale() -> bool {
		Self::score_is_stale()
	}
}

sp_api::decl_runtime_apis! {
	/// Reading the quantum-risk oracle over RPC.
	pub trait RiskOracleApi<BlockNumber> where BlockNumber: codec::Codec {
		/// Score, level, policy, pending escalation, last update and staleness.
		fn risk_status() -> RiskStatus<BlockNumber>;
		/// The post-quantum policy of any level.
		fn policy_for(level: RiskLevel) -> PqcPolicy;
	}
}
