//! Property tests: codecs round-trip, the ordering rules are total and checkable, and the
//! verifier survives arbitrary input.

#![allow(clippy::indexing_slicing)] // Tests index freely: a panic is a failed test.

use aegis_primitives::{
	batch::{AssetSnapshot, Batch, BatchEntry, Checkpoint, RevealedCall, WeightLimit},
	binding::EnclaveKeys,
	ordering::{apply, is_ordered, order, EntryMeta, OrderingRule, ProtectionTier},
	pqc::{self, PqcSignature, Suite},
	risk::{
		LevelRules, LevelState, PqcPolicy, RiskLevel, RiskScore, SuiteSet, Thresholds,
		MAX_RISK_SCORE,
	},
};
use codec::{Decode, Encode};
use proptest::{collection::vec, prelude::*, sample::select};
use std::collections::HashSet;

fn rule() -> impl Strategy<Value = OrderingRule> {
	select(OrderingRule::ALL.to_vec())
}

fn tier() -> impl Strategy<Value = ProtectionTier> {
	select(vec![
		ProtectionTier::None,
		ProtectionTier::Standard,
		ProtectionTier::High,
		ProtectionTier::Critical,
	])
}

fn score() -> impl Strategy<Value = RiskScore> {
	// Few distinct values, so that equal priorities (and FIFO tie-breaks) are common.
	prop_oneof![select(vec![0u16, 5_000, 6_000, 9_000, 10_000]), 0..=MAX_RISK_SCORE]
		.prop_map(|s| RiskScore::new(s).unwrap())
}

/// Entries with unique arrival indices, as the chain assigns them, in arbitrary order.
fn entries(max: usize) -> impl Strategy<Value = Vec<EntryMeta>> {
	vec((score(), tier(), any::<bool>()), 0..max).prop_flat_map(|metas| {
		let n = metas.len();
		(Just(metas), Just((0..n as u64).map(|i| i * 3 + 1).collect::<Vec<_>>()).prop_shuffle())
			.prop_map(|(metas, arrivals)| {
				metas
					.into_iter()
					.zip(arrivals)
					.map(|((risk, protection, migration), arrival)| EntryMeta {
						arrival,
						risk,
						protection,
						migration,
					})
					.collect()
			})
	})
}

fn permutations(n: usize) -> Vec<Vec<u32>> {
	if n == 0 {
		return vec![vec![]];
	}
	let mut out = Vec::new();
	for rest in permutations(n - 1) {
		for at in 0..=rest.len() {
			let mut p = rest.clone();
			p.insert(at, (n - 1) as u32);
			out.push(p);
		}
	}
	out
}

fn round_trip<T: Encode + Decode + PartialEq + std::fmt::Debug>(value: &T) {
	let encoded = value.encode();
	assert_eq!(T::decode(&mut &encoded[..]).as_ref(), Ok(value));
	// A truncated encoding never decodes to the same value.
	if !encoded.is_empty() {
		let short = T::decode(&mut &encoded[..encoded.len() - 1]);
		assert!(short.as_ref() != Ok(value));
	}
}

proptest! {
	#![proptest_config(ProptestConfig::with_cases(256))]

	#[test]
	fn order_is_a_permutation(rule in rule(), metas in entries(64)) {
		let perm = order(rule, &metas);
		prop_assert_eq!(perm.len(), metas.len());
		let unique: HashSet<u32> = perm.iter().copied().collect();
		prop_assert_eq!(unique.len(), metas.len());
		prop_assert!(perm.iter().all(|&i| (i as usize) < metas.len()));
	}

	#[test]
	fn ordered_output_passes_the_check(rule in rule(), metas in entries(64)) {
		let ordered = apply(&order(rule, &metas), &metas).unwrap();
		prop_assert!(is_ordered(rule, &ordered));
	}

	#[test]
	fn equal_priorities_keep_arrival_order(rule in rule(), metas in entries(64)) {
		let ordered = apply(&order(rule, &metas), &metas).unwrap();
		for pair in ordered.windows(2) {
			if rule.priority(&pair[0]) == rule.priority(&pair[1]) {
				prop_assert!(pair[0].arrival < pair[1].arrival);
			} else {
				prop_assert!(rule.priority(&pair[0]) > rule.priority(&pair[1]));
			}
		}
	}

	#[test]
	fn any_neighbour_swap_is_detected(rule in rule(), metas in entries(64), at in any::<prop::sample::Index>()) {
		let mut ordered = apply(&order(rule, &metas), &metas).unwrap();
		prop_assume!(ordered.len() >= 2);
		let i = at.index(ordered.len() - 1);
		ordered.swap(i, i + 1);
		// Unequal neighbours violate the priority order; equal ones violate FIFO. Either way the
		// chain's check refuses the batch.
		prop_assert!(!is_ordered(rule, &ordered));
	}

	#[test]
	fn exactly_one_arrangement_is_ordered(rule in rule(), metas in entries(6)) {
		// Exhaustively: of all n! arrangements, `is_ordered` accepts exactly the one `order` gives,
		// so a worker has no freedom at all in how it orders a batch.
		let reference = apply(&order(rule, &metas), &metas).unwrap();
		let mut accepted = 0;
		for perm in permutations(metas.len()) {
			let candidate = apply(&perm, &metas).unwrap();
			if is_ordered(rule, &candidate) {
				prop_assert_eq!(&candidate, &reference);
				accepted += 1;
			}
		}
		prop_assert_eq!(accepted, 1);
	}

	#[test]
	fn risk_score_decodes_iff_in_range(raw in any::<u16>()) {
		let decoded = RiskScore::decode(&mut &raw.encode()[..]);
		prop_assert_eq!(decoded.is_ok(), raw <= MAX_RISK_SCORE);
		prop_assert_eq!(RiskScore::new(raw).is_ok(), raw <= MAX_RISK_SCORE);
	}

	#[test]
	fn level_state_invariants_hold_for_any_score_sequence(
		scores in vec((0..=MAX_RISK_SCORE, 0u32..20), 1..60),
		delay in 0u32..15,
		hysteresis in 0u16..2_000,
		min_dwell in 0u32..30,
	) {
		let rules = LevelRules {
			thresholds: Thresholds::default(),
			rotation_delay: delay,
			hysteresis,
			min_dwell,
		};
		let (mut state, mut now, mut since) = (LevelState::default(), 0u32, 0u32);
		for (raw, gap) in scores {
			now += gap;
			let score = RiskScore::new(raw).unwrap();
			let before = state.active;
			state = rules.tick(state, now).0;
			if state.active != before {
				since = now;
			}
			let ticked = state.active;
			state = rules.apply(state, score, now, since).0;
			// A level is never left before it has been in force for `min_dwell` blocks.
			if state.active < ticked {
				prop_assert!(now >= since + min_dwell);
			}
			if state.active != ticked {
				since = now;
			}
			let level = rules.thresholds.level(score);
			let margin = RiskScore::new(raw.saturating_add(hysteresis).min(MAX_RISK_SCORE)).unwrap();
			// Emergency is never late.
			if level == RiskLevel::Emergency {
				prop_assert_eq!(state.active, RiskLevel::Emergency);
			}
			// Below the score's level only while that escalation is scheduled.
			if state.active < level {
				prop_assert_eq!(state.pending.map(|(l, _)| l), Some(level));
			}
			// Never held above what the score plus the margin justifies, once it has dwelt.
			if now >= since + min_dwell {
				prop_assert!(state.active <= rules.thresholds.level(margin));
			}
			// A schedule always points up.
			if let Some((pending, _)) = state.pending {
				prop_assert!(pending > state.active);
			}
		}
	}

	#[test]
	fn levels_are_monotonic(a in 0..=MAX_RISK_SCORE, b in 0..=MAX_RISK_SCORE) {
		let t = Thresholds::default();
		let (lo, hi) = (a.min(b), a.max(b));
		prop_assert!(t.level(RiskScore::new(lo).unwrap()) <= t.level(RiskScore::new(hi).unwrap()));
	}

	#[test]
	fn codecs_round_trip(
		metas in entries(16),
		bits in 0u8..4,
		rot in any::<u32>(),
		calls in vec((any::<u64>(), vec(any::<u8>(), 0..64), any::<[u8; 32]>()), 0..8),
		seq in any::<u64>(),
		hashes in any::<([u8; 32], [u8; 32])>(),
		snapshots in vec((any::<u32>(), any::<[u8; 32]>()), 0..8),
		sig in vec(any::<u8>(), 0..128),
		fill in any::<u8>(),
		el in 1u16..9_999,
	) {
		for m in &metas {
			round_trip(m);
		}
		let set = SuiteSet::from_bits(bits).unwrap();
		round_trip(&set);
		round_trip(&PqcPolicy { batch_suites: set, checkpoint_suites: SuiteSet::BOTH, key_rotation_blocks: rot });
		round_trip(&Thresholds::new(el, el + 1).unwrap());
		for level in [RiskLevel::Normal, RiskLevel::Elevated, RiskLevel::Emergency] {
			round_trip(&level);
		}
		let entries: Vec<BatchEntry> = calls
			.into_iter()
			.map(|(id, call, salt)| BatchEntry {
				submission_id: id,
				max_weight: WeightLimit { ref_time: id.wrapping_mul(7), proof_size: id },
				revealed: RevealedCall { call: call.try_into().unwrap(), salt },
			})
			.collect();
		let batch = Batch::new(hashes.0, seq, hashes.1, rot, OrderingRule::Hybrid, rot, entries).unwrap();
		round_trip(&batch);
		round_trip(&batch.header);
		let cp = Checkpoint {
			genesis_hash: hashes.0,
			migration_id: rot,
			sequence: 0,
			block_number: rot,
			state_hash: hashes.1,
			asset_snapshots: snapshots
				.into_iter()
				.map(|(asset_id, state_hash)| AssetSnapshot { asset_id, state_hash })
				.collect::<Vec<_>>()
				.try_into()
				.unwrap(),
		};
		round_trip(&cp);
		round_trip(&PqcSignature { suite: Suite::SlhDsaSha2_256s, bytes: sig.try_into().unwrap() });
		round_trip(&EnclaveKeys { hpke: [fill; 1216], ml_dsa: [fill; 2592].into(), slh_dsa: [fill; 64] });
	}
}

proptest! {
	#![proptest_config(ProptestConfig::with_cases(64))]

	#[test]
	fn verify_never_panics_on_arbitrary_input(
		suite in select(Suite::ALL.to_vec()),
		pk_len in select(vec![0usize, 1, 64, 2592, 2593]),
		sig_len in select(vec![0usize, 1, 4627, 29_792, 29_793]),
		fill in any::<u8>(),
		ctx in vec(any::<u8>(), 0..300),
		msg in vec(any::<u8>(), 0..64),
	) {
		let pk = vec![fill; pk_len];
		let sig: Vec<u8> = (0..sig_len).map(|i| (i as u8).wrapping_mul(fill)).collect();
		prop_assert!(!pqc::verify(suite, &pk, &ctx, &msg, &sig));
	}
}
