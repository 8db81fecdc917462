//! Tests of every call, every error, aggregation, staleness and level transitions.

use crate::{
	mock::*, Error, Event, Feeders, Feeds, LastUpdated, Level, LevelSince, RequiredFeeders,
	RiskProvider, Score,
};
use aegis_primitives::risk::{LevelState, PqcPolicy, RiskLevel, RiskScore};
use frame_support::{assert_noop, assert_ok};
use sp_runtime::DispatchError;

fn score(v: u16) -> RiskScore {
	RiskScore::new(v).unwrap()
}

fn feed(who: u64, v: u16) {
	assert_ok!(RiskOracle::feed(RuntimeOrigin::signed(who), v));
}

fn events() -> Vec<Event<Test>> {
	System::events()
		.into_iter()
		.filter_map(|r| match r.event {
			RuntimeEvent::RiskOracle(e) => Some(e),
			_ => None,
		})
		.collect()
}

#[test]
fn genesis_sets_feeders_score_and_level() {
	new_test_ext().execute_with(|| {
		assert_eq!(Feeders::<Test>::get().into_inner(), vec![1, 2, 3, 4, 5]);
		assert_eq!(Score::<Test>::get(), score(1_000));
		assert_eq!(RiskOracle::level(), RiskLevel::Normal);
		assert_eq!(RiskOracle::policy(), PqcPolicy::for_level(RiskLevel::Normal));
	});
}

#[test]
fn add_feeder_works_and_checks() {
	new_test_ext().execute_with(|| {
		assert_ok!(RiskOracle::add_feeder(RuntimeOrigin::root(), 9));
		System::assert_last_event(Event::FeederAdded { who: 9 }.into());
		assert!(RiskOracle::is_feeder(&9));
		assert_eq!(Feeders::<Test>::get().into_inner(), vec![1, 2, 3, 4, 5, 9]);
		assert_noop!(
			RiskOracle::add_feeder(RuntimeOrigin::root(), 9),
			Error::<Test>::AlreadyFeeder
		);
		assert_noop!(
			RiskOracle::add_feeder(RuntimeOrigin::signed(1), 10),
			DispatchError::BadOrigin
		);
		assert_ok!(RiskOracle::add_feeder(RuntimeOrigin::root(), 10));
		assert_ok!(RiskOracle::add_feeder(RuntimeOrigin::root(), 11));
		assert_noop!(
			RiskOracle::add_feeder(RuntimeOrigin::root(), 12),
			Error::<Test>::TooManyFeeders
		);
	});
}

#[test]
fn remove_feeder_works_and_drops_its_feed() {
	new_test_ext().execute_with(|| {
		feed(2, 500);
		assert_ok!(RiskOracle::remove_feeder(RuntimeOrigin::root(), 2));
		System::assert_last_event(Event::FeederRemoved { who: 2 }.into());
		assert!(!RiskOracle::is_feeder(&2));
		assert!(Feeds::<Test>::get().is_empty());
		assert_noop!(RiskOracle::remove_feeder(RuntimeOrigin::root(), 2), Error::<Test>::NotFeeder);
		assert_noop!(
			RiskOracle::remove_feeder(RuntimeOrigin::signed(1), 3),
			DispatchError::BadOrigin
		);
		assert_noop!(RiskOracle::feed(RuntimeOrigin::signed(2), 1), Error::<Test>::NotFeeder);
	});
}

#[test]
fn feed_errors() {
	new_test_ext().execute_with(|| {
		assert_noop!(RiskOracle::feed(RuntimeOrigin::signed(42), 1), Error::<Test>::NotFeeder);
		assert_noop!(RiskOracle::feed(RuntimeOrigin::root(), 1), DispatchError::BadOrigin);
		assert_noop!(
			RiskOracle::feed(RuntimeOrigin::signed(1), 10_001),
			Error::<Test>::ScoreOutOfRange
		);
		feed(1, 10_000);
		assert_noop!(
			RiskOracle::feed(RuntimeOrigin::signed(1), 3),
			Error::<Test>::AlreadyFedThisBlock
		);
		run_to(2);
		feed(1, 3);
		assert_eq!(Feeds::<Test>::get().len(), 1, "a feeder keeps one feed");
	});
}

#[test]
fn extra_feeders_may_feed() {
	new_test_ext().execute_with(|| {
		assert!(RiskOracle::is_feeder(&WORKER));
		feed(WORKER, 700);
		System::assert_has_event(Event::Fed { who: WORKER, score: score(700) }.into());
	});
}

#[test]
fn too_few_fresh_feeds_keep_the_score_and_say_so() {
	new_test_ext().execute_with(|| {
		feed(1, 5_000);
		System::assert_last_event(Event::OracleStale { fresh: 1, required: 3 }.into());
		feed(2, 5_000);
		System::assert_last_event(Event::OracleStale { fresh: 2, required: 3 }.into());
		assert_eq!(Score::<Test>::get(), score(1_000));
	});
}

#[test]
fn median_of_odd_and_even_counts() {
	new_test_ext().execute_with(|| {
		feed(1, 100);
		feed(2, 900);
		feed(3, 400);
		System::assert_has_event(Event::ScoreUpdated { score: score(400), feeds: 3 }.into());
		feed(4, 200);
		// Even count: the lower median, 200 of [100, 200, 400, 900].
		System::assert_has_event(Event::ScoreUpdated { score: score(200), feeds: 4 }.into());
		assert_eq!(Score::<Test>::get(), score(200));
		assert_eq!(LastUpdated::<Test>::get(), 1);
	});
}

#[test]
fn old_feeds_stop_counting() {
	new_test_ext().execute_with(|| {
		feed(1, 100);
		feed(2, 200);
		feed(3, 300);
		run_to(10);
		feed(4, 400);
		// Feeds of block 1 are 9 blocks old at block 10: still fresh.
		System::assert_has_event(Event::ScoreUpdated { score: score(200), feeds: 4 }.into());
		run_to(11);
		feed(5, 500);
		// At block 11 the block-1 feeds are 10 blocks old: only 400 and 500 remain.
		System::assert_last_event(Event::OracleStale { fresh: 2, required: 3 }.into());
		assert_eq!(Score::<Test>::get(), score(200));
		assert!(!RiskOracle::is_stale());
		run_to(20);
		assert!(RiskOracle::is_stale(), "the score of block 10 is stale at block 20");
		assert!(RiskOracle::status().stale);
	});
}

#[test]
fn a_full_feed_list_makes_room_by_dropping_stale_feeds() {
	new_test_ext().execute_with(|| {
		for who in [6, 7, 8] {
			assert_ok!(RiskOracle::add_feeder(RuntimeOrigin::root(), who));
		}
		for who in 1..=8 {
			feed(who, 100);
		}
		// Eight fresh feeds: an extra feeder has no room.
		assert_noop!(
			RiskOracle::feed(RuntimeOrigin::signed(WORKER), 100),
			Error::<Test>::TooManyFeeds
		);
		run_to(12);
		feed(WORKER, 100);
		assert_eq!(Feeds::<Test>::get().len(), 1);
	});
}

fn elevate(at_block: u64) {
	feed(1, 6_500);
	feed(2, 6_500);
	feed(3, 6_500);
	System::assert_has_event(
		Event::EscalationScheduled { level: RiskLevel::Elevated, at: at_block + 5 }.into(),
	);
}

#[test]
fn elevated_takes_effect_after_the_delay() {
	new_test_ext().execute_with(|| {
		elevate(1);
		assert_eq!(RiskOracle::level(), RiskLevel::Normal);
		assert_eq!(RiskOracle::status().pending, Some((RiskLevel::Elevated, 6)));
		run_to(5);
		assert_eq!(RiskOracle::level(), RiskLevel::Normal);
		run_to(6);
		assert_eq!(RiskOracle::level(), RiskLevel::Elevated);
		System::assert_last_event(
			Event::LevelChanged {
				from: RiskLevel::Normal,
				to: RiskLevel::Elevated,
				policy: PqcPolicy::for_level(RiskLevel::Elevated),
			}
			.into(),
		);
		assert_eq!(Level::<Test>::get().pending, None);
	});
}

#[test]
fn scheduled_escalation_is_cancelled_when_the_score_falls_back() {
	new_test_ext().execute_with(|| {
		elevate(1);
		run_to(3);
		feed(1, 1_000);
		feed(2, 1_000);
		System::assert_last_event(Event::EscalationCancelled { level: RiskLevel::Elevated }.into());
		run_to(10);
		assert_eq!(RiskOracle::level(), RiskLevel::Normal);
		assert_eq!(Level::<Test>::get(), LevelState::default());
	});
}

#[test]
fn emergency_is_immediate() {
	new_test_ext().execute_with(|| {
		feed(1, 9_500);
		feed(2, 9_200);
		feed(3, 9_000);
		System::assert_last_event(
			Event::LevelChanged {
				from: RiskLevel::Normal,
				to: RiskLevel::Emergency,
				policy: PqcPolicy::for_level(RiskLevel::Emergency),
			}
			.into(),
		);
		assert_eq!(RiskOracle::level(), RiskLevel::Emergency);
	});
}

#[test]
fn leaving_emergency_needs_the_hysteresis_margin() {
	new_test_ext().execute_with(|| {
		for who in 1..=3 {
			feed(who, 9_500);
		}
		run_to(2);
		for who in 1..=3 {
			feed(who, 8_600);
		}
		assert_eq!(RiskOracle::level(), RiskLevel::Emergency, "8600 + 500 is not below 9000");
		run_to(3);
		for who in 1..=3 {
			feed(who, 8_400);
		}
		assert_eq!(RiskOracle::level(), RiskLevel::Elevated);
		// The median dropped once two of the three feeds were 8400.
		System::assert_has_event(
			Event::LevelChanged {
				from: RiskLevel::Emergency,
				to: RiskLevel::Elevated,
				policy: PqcPolicy::for_level(RiskLevel::Elevated),
			}
			.into(),
		);
	});
}

#[test]
fn force_score_sets_score_and_level_at_once() {
	new_test_ext().execute_with(|| {
		assert_noop!(
			RiskOracle::force_score(RuntimeOrigin::signed(1), 9_000),
			DispatchError::BadOrigin
		);
		assert_noop!(
			RiskOracle::force_score(RuntimeOrigin::root(), 10_001),
			Error::<Test>::ScoreOutOfRange
		);
		elevate(1);
		run_to(2);
		assert_ok!(RiskOracle::force_score(RuntimeOrigin::root(), 9_100));
		assert_eq!(Score::<Test>::get(), score(9_100));
		assert_eq!(LastUpdated::<Test>::get(), 2);
		assert_eq!(
			Level::<Test>::get(),
			LevelState { active: RiskLevel::Emergency, pending: None }
		);
		let tail: Vec<_> = events().into_iter().rev().take(3).collect();
		assert_eq!(
			tail,
			vec![
				Event::LevelChanged {
					from: RiskLevel::Normal,
					to: RiskLevel::Emergency,
					policy: PqcPolicy::for_level(RiskLevel::Emergency),
				},
				Event::EscalationCancelled { level: RiskLevel::Elevated },
				Event::ScoreForced { score: score(9_100) },
			]
		);
		// Forcing down skips the hysteresis.
		assert_ok!(RiskOracle::force_score(RuntimeOrigin::root(), 0));
		assert_eq!(RiskOracle::level(), RiskLevel::Normal);
	});
}

#[test]
fn status_reports_everything() {
	new_test_ext().execute_with(|| {
		elevate(1);
		let s = RiskOracle::status();
		assert_eq!(s.score, score(6_500));
		assert_eq!(s.level, RiskLevel::Normal);
		assert_eq!(s.policy, PqcPolicy::for_level(RiskLevel::Normal));
		assert_eq!(s.pending, Some((RiskLevel::Elevated, 6)));
		assert_eq!(s.last_updated, 1);
		assert!(!s.stale);
	});
}

#[test]
fn integrity_test_passes_for_the_mock() {
	use frame_support::traits::Hooks;
	new_test_ext().execute_with(RiskOracle::integrity_test);
}

mod properties {
	use super::*;
	use proptest::prelude::*;

	proptest! {
		#![proptest_config(ProptestConfig::with_cases(64))]

		/// Whatever feeders post and whenever, the published score is the previous one or one of
		/// the fresh feeds.
		#[test]
		fn published_score_is_a_fresh_feed_or_unchanged(
			steps in proptest::collection::vec((1u64..=5, 0u16..=10_000, 0u64..4), 1..40),
		) {
			new_test_ext().execute_with(|| {
				for (who, value, advance) in steps {
					run_to(System::block_number() + advance);
					let before = Score::<Test>::get();
					if RiskOracle::feed(RuntimeOrigin::signed(who), value).is_err() {
						continue;
					}
					let now = System::block_number();
					let after = Score::<Test>::get();
					let fresh: Vec<RiskScore> = Feeds::<Test>::get()
						.iter()
						.filter(|f| now - f.at < MaxFeedAge::get())
						.map(|f| f.score)
						.collect();
					prop_assert!(after == before || fresh.contains(&after));
				}
				Ok(())
			})?;
		}
	}
}

#[test]
fn a_level_holds_for_its_dwell_before_the_score_lowers_it() {
	new_test_ext().execute_with(|| {
		MinLevelDwell::set(&20);
		let feed_all = |v: u16| (1..=3).for_each(|who| feed(who, v));
		run_to(2);
		feed_all(9_500);
		assert_eq!(RiskOracle::level(), RiskLevel::Emergency);
		assert_eq!(LevelSince::<Test>::get(), 2);
		// Feeders drop the score at once: the level holds for its dwell.
		for at in [3, 21] {
			run_to(at);
			feed_all(0);
			assert_eq!(RiskOracle::level(), RiskLevel::Emergency, "block {at}");
		}
		run_to(22);
		feed_all(0);
		assert_eq!(RiskOracle::level(), RiskLevel::Normal);
		assert_eq!(LevelSince::<Test>::get(), 22);
		// Going up is never held back.
		run_to(23);
		feed_all(9_500);
		assert_eq!(RiskOracle::level(), RiskLevel::Emergency);
		// Governance is not held by the dwell either.
		assert_ok!(RiskOracle::force_score(RuntimeOrigin::root(), 100));
		assert_eq!(RiskOracle::level(), RiskLevel::Normal);
	});
}

#[test]
fn the_feeds_a_score_needs_are_set_by_governance_within_bounds() {
	new_test_ext().execute_with(|| {
		assert_eq!(RequiredFeeders::<Test>::get(), 3);
		assert_noop!(
			RiskOracle::set_required_feeders(RuntimeOrigin::signed(1), 4),
			DispatchError::BadOrigin
		);
		for out_of_range in [2, 9] {
			assert_noop!(
				RiskOracle::set_required_feeders(RuntimeOrigin::root(), out_of_range),
				Error::<Test>::BadRequiredFeeders
			);
		}
		assert_ok!(RiskOracle::set_required_feeders(RuntimeOrigin::root(), 5));
		System::assert_last_event(Event::RequiredFeedersSet { required: 5 }.into());
		run_to(2);
		(1..=4).for_each(|who| feed(who, 7_000));
		assert!(events().contains(&Event::OracleStale { fresh: 4, required: 5 }));
		assert_eq!(Score::<Test>::get(), score(1_000));
		feed(5, 7_000);
		assert_eq!(Score::<Test>::get(), score(7_000));
	});
}
