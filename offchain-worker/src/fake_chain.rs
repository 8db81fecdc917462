//! A chain for the worker's unit tests: the real runtime, natively, on the `development`
//! preset's genesis, in memory. Extrinsics are dispatched directly as their signer (no fees,
//! no pool), one block each, so the worker's batches meet the pallets' real checks: the
//! attestation, the signatures the policy requires, the batch chain and the ordering rule.

use crate::chain::{
	BlockNumber, Chain, ChainError, Included, ProtectedAsset, Snapshot, Submission,
};
use aegis_primitives::{batch::SubmissionId, ordering::ProtectionTier};
use aegis_runtime::{AccountId, Runtime, RuntimeCall, RuntimeEvent, RuntimeOrigin, System};
use sp_core::{sr25519, Pair, H256};
use sp_runtime::{traits::Dispatchable, BuildStorage};
use std::{
	sync::{
		atomic::{AtomicU32, Ordering},
		Arc, Mutex,
	},
	time::Duration,
};

/// Chain time at genesis (2027-01-15).
pub const NOW_SECS: u64 = 1_800_000_000;

/// The runtime in memory.
pub struct FakeChain {
	ext: Mutex<sp_io::TestExternalities>,
	log: Mutex<Vec<RuntimeEvent>>,
	// Every call submitted through [`Chain::submit`] that succeeded, with its block: the
	// blocks' bodies.
	bodies: Mutex<Vec<(BlockNumber, RuntimeCall)>>,
	/// Refuse this many upcoming `commit_batch` submissions (as a lost connection would).
	pub drop_commits: AtomicU32,
	/// Run this many upcoming `commit_batch` submissions, then report the connection lost (as
	/// a node that dies after inclusion would).
	pub lose_commit_responses: AtomicU32,
	/// How many pending submissions the worker has fetched.
	pub submission_reads: std::sync::atomic::AtomicUsize,
	/// Refuse every `commit_batch` revealing one of these submissions, as the pool refuses an
	/// extrinsic for a reason the worker cannot put on the batch as a whole.
	pub poison: Mutex<std::collections::BTreeSet<SubmissionId>>,
	/// Hold `commit_batch` extrinsics sent with [`Chain::send`] in the pool: each is dispatched
	/// once [`Self::commit_gate`] gives it a permit, in the order sent (as blocks include a
	/// signer's extrinsics in nonce order).
	pub defer_commits: std::sync::atomic::AtomicBool,
	/// Permits for deferred commits to be included.
	pub commit_gate: Arc<tokio::sync::Semaphore>,
	// Resolves once the last deferred commit sent is dispatched (the next one waits for it).
	last_commit: Mutex<Option<tokio::sync::oneshot::Receiver<()>>>,
	/// Batches classified so far (each `order_classes` call cuts one).
	pub classified: std::sync::atomic::AtomicUsize,
	/// For each `commit_batch` sent, how many batches had been classified by then.
	pub classified_at_commit: Mutex<Vec<usize>>,
}

impl FakeChain {
	/// Block 1 of the development chain.
	pub fn dev() -> Self {
		let config = aegis_runtime::genesis_config_presets::development_genesis();
		let mut ext = sp_io::TestExternalities::new(config.build_storage().unwrap());
		ext.execute_with(|| {
			System::set_block_number(1);
			pallet_timestamp::Now::<Runtime>::put(NOW_SECS * 1000);
		});
		Self {
			ext: Mutex::new(ext),
			log: Mutex::new(Vec::new()),
			bodies: Mutex::new(Vec::new()),
			drop_commits: AtomicU32::new(0),
			lose_commit_responses: AtomicU32::new(0),
			submission_reads: Default::default(),
			poison: Default::default(),
			defer_commits: Default::default(),
			commit_gate: Arc::new(tokio::sync::Semaphore::new(0)),
			last_commit: Mutex::new(None),
			classified: Default::default(),
			classified_at_commit: Default::default(),
		}
	}

	/// Runs `f` against the chain's state.
	pub fn with<R>(&self, f: impl FnOnce() -> R) -> R {
		self.ext.lock().unwrap_or_else(|e| e.into_inner()).execute_with(f)
	}

	/// Dispatches `call` as `origin` in a new block; returns its events.
	pub fn dispatch(
		&self,
		origin: RuntimeOrigin,
		call: RuntimeCall,
	) -> Result<Vec<RuntimeEvent>, ChainError> {
		let (result, events) = self.with(|| {
			System::reset_events();
			next_block();
			let result = call.dispatch(origin);
			let events: Vec<RuntimeEvent> = System::events().into_iter().map(|r| r.event).collect();
			(result, events)
		});
		self.log.lock().unwrap_or_else(|e| e.into_inner()).extend(events.iter().cloned());
		result.map(|_| events).map_err(|e| ChainError::dispatch(&e.error))
	}

	/// Advances `blocks` empty blocks.
	pub fn advance(&self, blocks: BlockNumber) {
		self.with(|| {
			for _ in 0..blocks {
				next_block();
			}
		})
	}

	/// Every event since genesis.
	pub fn events(&self) -> Vec<RuntimeEvent> {
		self.log.lock().unwrap_or_else(|e| e.into_inner()).clone()
	}
}

/// The hash the fake chain gives block `n`.
pub fn fake_hash(n: BlockNumber) -> H256 {
	H256(sp_io::hashing::blake2_256(&n.to_le_bytes()))
}

/// Starts the next block: the parent's hash record, number, time (6 s per block) and every
/// pallet's `on_initialize`.
fn next_block() {
	use frame_support::traits::OnInitialize;
	let parent = System::block_number();
	frame_system::BlockHash::<Runtime>::insert(parent, fake_hash(parent));
	let n = parent + 1;
	System::set_block_number(n);
	pallet_timestamp::Now::<Runtime>::mutate(|t| *t += 6_000);
	<aegis_runtime::AllPalletsWithSystem as OnInitialize<BlockNumber>>::on_initialize(n);
}

impl Chain for FakeChain {
	fn genesis(&self) -> [u8; 32] {
		self.with(pallet_tee_registry::Pallet::<Runtime>::genesis_hash)
	}

	async fn snapshot(&self, me: &AccountId) -> Result<Snapshot, ChainError> {
		Ok(self.with(|| {
			let view = pallet_tee_registry::Pallet::<Runtime>::cluster_view();
			let migration = pallet_sequencer::Pallet::<Runtime>::current_migration();
			Snapshot {
				workers: pallet_tee_registry::Pallet::<Runtime>::active_workers(),
				cluster: view,
				number: System::block_number(),
				hash: fake_hash(System::block_number()),
				risk: pallet_risk_oracle::Pallet::<Runtime>::status(),
				rule: pallet_sequencer::ActiveRule::<Runtime>::get(),
				batches: pallet_sequencer::Batches::<Runtime>::get(),
				me: pallet_tee_registry::Workers::<Runtime>::get(me),
				pending_total: pallet_sequencer::Pending::<Runtime>::count(),
				now_ms: pallet_timestamp::Now::<Runtime>::get(),
				last_nonce: pallet_tee_registry::LastNonce::<Runtime>::get(me),
				last_checkpoint_at: migration.as_ref().and_then(|(id, m)| {
					let last = m.checkpoints.checked_sub(1)?;
					pallet_sequencer::Checkpoints::<Runtime>::get(id, last).map(|r| r.committed_at)
				}),
				migration,
			}
		}))
	}

	async fn pending_ids(&self, _at: H256, epoch: u32) -> Result<Vec<SubmissionId>, ChainError> {
		Ok(self.with(|| pallet_sequencer::Pallet::<Runtime>::pending_ids(epoch)))
	}

	async fn submissions(
		&self,
		_at: H256,
		ids: Vec<SubmissionId>,
	) -> Result<Vec<(SubmissionId, Submission)>, ChainError> {
		self.submission_reads.fetch_add(ids.len(), std::sync::atomic::Ordering::Relaxed);
		Ok(self.with(|| {
			ids.into_iter()
				.filter_map(|id| pallet_sequencer::Pending::<Runtime>::get(id).map(|s| (id, s)))
				.collect()
		}))
	}

	async fn order_classes(
		&self,
		_at: H256,
		calls: Vec<Vec<u8>>,
	) -> Result<Vec<(ProtectionTier, bool)>, ChainError> {
		self.classified.fetch_add(1, Ordering::SeqCst);
		Ok(self.with(|| {
			calls.iter().map(|c| pallet_sequencer::Pallet::<Runtime>::order_class(c)).collect()
		}))
	}

	async fn submit(
		&self,
		signer: &sr25519::Pair,
		call: RuntimeCall,
	) -> Result<Included, ChainError> {
		if matches!(call, RuntimeCall::Sequencer(pallet_sequencer::Call::commit_batch { .. }))
			&& self
				.drop_commits
				.fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
				.is_ok()
		{
			return Err(ChainError::Rpc("connection lost".into()));
		}
		if let RuntimeCall::Sequencer(pallet_sequencer::Call::commit_batch { batch, .. }) = &call {
			let poison = self.poison.lock().unwrap_or_else(|e| e.into_inner());
			if batch.entries.iter().any(|e| poison.contains(&e.submission_id)) {
				return Err(ChainError::Refused(
					"Invalid Transaction: Transaction would exhaust the block limits".into(),
				));
			}
		}
		let commit =
			matches!(call, RuntimeCall::Sequencer(pallet_sequencer::Call::commit_batch { .. }));
		let who: AccountId = signer.public().into();
		let events = self.dispatch(RuntimeOrigin::signed(who), call.clone())?;
		let number = self.with(System::block_number);
		self.bodies.lock().unwrap_or_else(|e| e.into_inner()).push((number, call));
		if commit
			&& self
				.lose_commit_responses
				.fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
				.is_ok()
		{
			return Err(ChainError::Rpc("connection lost after inclusion".into()));
		}
		let number = self.with(System::block_number);
		Ok(Included { block: fake_hash(number), number, events })
	}

	async fn send(
		self: Arc<Self>,
		signer: sr25519::Pair,
		call: RuntimeCall,
	) -> Result<crate::chain::Pending, ChainError> {
		let commit =
			matches!(call, RuntimeCall::Sequencer(pallet_sequencer::Call::commit_batch { .. }));
		if commit {
			let cut = self.classified.load(Ordering::SeqCst);
			self.classified_at_commit.lock().unwrap_or_else(|e| e.into_inner()).push(cut);
		}
		if commit && self.defer_commits.load(Ordering::SeqCst) {
			let (done, next) = tokio::sync::oneshot::channel();
			let previous = self.last_commit.lock().unwrap_or_else(|e| e.into_inner()).replace(next);
			return Ok(Box::pin(async move {
				let gate = self.commit_gate.clone();
				gate.acquire_owned().await.map_err(|e| ChainError::Rpc(e.to_string()))?.forget();
				if let Some(previous) = previous {
					let _ = previous.await;
				}
				let included = self.submit(&signer, call).await;
				let _ = done.send(());
				included
			}));
		}
		let included = self.submit(&signer, call).await;
		Ok(Box::pin(std::future::ready(included)))
	}

	async fn wait_finalized_after(&self, _number: BlockNumber, _timeout: Duration) {}

	async fn free_balance(&self, who: &AccountId) -> Result<u128, ChainError> {
		Ok(self.with(|| pallet_balances::Pallet::<Runtime>::free_balance(who)))
	}

	async fn asset_protection(
		&self,
		id: u32,
		_at: Option<H256>,
	) -> Result<Option<ProtectedAsset>, ChainError> {
		Ok(self.with(|| pallet_sequencer::ProtectedAssets::<Runtime>::get(id)))
	}

	async fn chain_type(&self) -> Result<String, ChainError> {
		Ok("Development".into())
	}

	async fn cluster_copy(
		&self,
		_at: H256,
		epoch: u32,
		who: &AccountId,
	) -> Result<Option<(AccountId, Vec<u8>)>, ChainError> {
		Ok(self.with(|| {
			pallet_tee_registry::Provisions::<Runtime>::get(epoch, who)
				.map(|p| (p.from, p.sealed_secret.into_inner()))
		}))
	}

	async fn attestation_of(
		&self,
		_who: &AccountId,
		record: &pallet_tee_registry::WorkerInfo<BlockNumber>,
	) -> Result<Option<crate::chain::PeerAttestation>, ChainError> {
		let bodies = self.bodies.lock().unwrap_or_else(|e| e.into_inner());
		Ok(bodies
			.iter()
			.filter(|(n, _)| *n == record.attested_at)
			.filter_map(|(_, call)| crate::chain::attestation_in(call, &record.keys))
			.next_back())
	}
}
