//! The node's service: client, database, transaction pool, networking, RPC, off-chain workers
//! and consensus. Development chains seal their own blocks (manual seal, each block final at
//! once); every other chain runs Aura block production with GRANDPA finality.

use crate::{chain_spec, rpc};
use aegis_runtime::{apis::RuntimeApi, opaque::Block};
use codec::Encode;
use futures::{channel::mpsc, FutureExt, StreamExt};
use sc_client_api::{Backend, BlockBackend};
use sc_consensus_aura::{ImportQueueParams, SlotProportion, StartAuraParams};
use sc_consensus_grandpa::SharedVoterState;
use sc_consensus_manual_seal::{
	consensus::{aura::AuraConsensusDataProvider, timestamp::SlotTimestampProvider},
	EngineCommand, ManualSealParams,
};
use sc_service::{error::Error as ServiceError, Configuration, TaskManager, WarpSyncConfig};
use sc_telemetry::{Telemetry, TelemetryWorker};
use sc_transaction_pool_api::{OffchainTransactionPoolFactory, TransactionPool};
use sp_consensus_aura::sr25519::{AuthorityId as AuraId, AuthorityPair as AuraPair};
use sp_core::offchain::OffchainStorage;
use std::{sync::Arc, time::Duration};

/// QuantumAegis's own host functions: `aegis-attestation`'s DCAP quote verification (and, in
/// a benchmarking build, the signing and simulated-TEE helpers the runtime's benchmarks use).
#[cfg(not(feature = "runtime-benchmarks"))]
pub type AegisHostFunctions = aegis_attestation::HostFunctions;
/// QuantumAegis's own host functions: `aegis-attestation`'s DCAP quote verification and the
/// signing and simulated-TEE helpers the runtime's benchmarks use.
#[cfg(feature = "runtime-benchmarks")]
pub type AegisHostFunctions = (aegis_attestation::HostFunctions, aegis_benchmarking::HostFunctions);

/// Every host function the runtime may call. A runtime importing a function missing here fails
/// to instantiate, naming the function, rather than misbehaving later.
#[cfg(not(feature = "runtime-benchmarks"))]
pub type HostFunctions = (sp_io::SubstrateHostFunctions, AegisHostFunctions);
/// Every host function the runtime may call, with FRAME's benchmarking ones.
#[cfg(feature = "runtime-benchmarks")]
pub type HostFunctions = (
	sp_io::SubstrateHostFunctions,
	frame_benchmarking::benchmarking::HostFunctions,
	AegisHostFunctions,
);

pub(crate) type FullClient =
	sc_service::TFullClient<Block, RuntimeApi, sc_executor::WasmExecutor<HostFunctions>>;
type FullBackend = sc_service::TFullBackend<Block>;
type FullSelectChain = sc_consensus::LongestChain<FullBackend, Block>;
type GrandpaBlockImport =
	sc_consensus_grandpa::GrandpaBlockImport<FullBackend, Block, FullClient, FullSelectChain>;

/// Blocks between GRANDPA justifications kept for import.
const GRANDPA_JUSTIFICATION_PERIOD: u32 = 512;

/// How the chain reaches consensus (built once per node, so the size difference is moot).
#[allow(clippy::large_enum_variant)]
pub enum Consensus {
	/// A development chain: this node seals every block and finalizes it at once.
	Dev,
	/// Aura block production, GRANDPA finality.
	AuraGrandpa {
		/// Imports blocks and tracks GRANDPA's authority set.
		block_import: GrandpaBlockImport,
		/// GRANDPA's half of the link to the voter.
		link: sc_consensus_grandpa::LinkHalf<Block, FullClient, FullSelectChain>,
	},
}

/// What every command (running or maintaining the node) builds first.
pub type Service = sc_service::PartialComponents<
	FullClient,
	FullBackend,
	FullSelectChain,
	sc_consensus::DefaultImportQueue<Block>,
	sc_transaction_pool::TransactionPoolHandle<Block, FullClient>,
	(Consensus, Option<Telemetry>),
>;

/// Options of a running node beyond Substrate's configuration.
#[derive(Clone, Debug, Default)]
pub struct NodeOptions {
	/// Development chains: milliseconds between blocks; `0`, one block per transaction.
	pub block_time_ms: u64,
	/// The PCCS this node's off-chain worker uses instead of the chain's.
	pub pccs_url: Option<String>,
}

/// Client, backend, pool and import queue for `config`'s chain.
pub fn new_partial(config: &Configuration) -> Result<Service, ServiceError> {
	let telemetry = config
		.telemetry_endpoints
		.clone()
		.filter(|x| !x.is_empty())
		.map(|endpoints| -> Result<_, sc_telemetry::Error> {
			let worker = TelemetryWorker::new(16)?;
			let telemetry = worker.handle().new_telemetry(endpoints);
			Ok((worker, telemetry))
		})
		.transpose()?;

	let executor = sc_service::new_wasm_executor::<HostFunctions>(&config.executor);
	let (client, backend, keystore_container, task_manager) =
		sc_service::new_full_parts::<Block, RuntimeApi, _>(
			config,
			telemetry.as_ref().map(|(_, telemetry)| telemetry.handle()),
			executor,
			Vec::new(),
		)?;
	let client = Arc::new(client);

	let telemetry = telemetry.map(|(worker, telemetry)| {
		task_manager.spawn_handle().spawn("telemetry", None, worker.run());
		telemetry
	});

	let select_chain = sc_consensus::LongestChain::new(backend.clone());

	let transaction_pool = Arc::from(
		sc_transaction_pool::Builder::new(
			task_manager.spawn_essential_handle(),
			client.clone(),
			config.role.is_authority().into(),
		)
		.with_options(config.transaction_pool.clone())
		.with_prometheus(config.prometheus_registry())
		.build(),
	);

	let (import_queue, consensus) = if chain_spec::is_dev(&*config.chain_spec) {
		let queue = sc_consensus_manual_seal::import_queue(
			Box::new(client.clone()),
			&task_manager.spawn_essential_handle(),
			config.prometheus_registry(),
		);
		(queue, Consensus::Dev)
	} else {
		let (block_import, link) = sc_consensus_grandpa::block_import(
			client.clone(),
			GRANDPA_JUSTIFICATION_PERIOD,
			&client,
			select_chain.clone(),
			telemetry.as_ref().map(|x| x.handle()),
		)?;
		let cidp_client = client.clone();
		let queue =
			sc_consensus_aura::import_queue::<AuraPair, _, _, _, _, _>(ImportQueueParams {
				block_import: block_import.clone(),
				justification_import: Some(Box::new(block_import.clone())),
				client: client.clone(),
				create_inherent_data_providers: move |parent_hash, _| {
					let cidp_client = cidp_client.clone();
					async move {
						let slot_duration = sc_consensus_aura::standalone::slot_duration_at(
							&*cidp_client,
							parent_hash,
						)?;
						let timestamp = sp_timestamp::InherentDataProvider::from_system_time();
						let slot =
						sp_consensus_aura::inherents::InherentDataProvider::from_timestamp_and_slot_duration(
							*timestamp,
							slot_duration,
						);
						Ok((slot, timestamp))
					}
				},
				spawner: &task_manager.spawn_essential_handle(),
				registry: config.prometheus_registry(),
				check_for_equivocation: Default::default(),
				telemetry: telemetry.as_ref().map(|x| x.handle()),
				compatibility_mode: Default::default(),
			})?;
		(queue, Consensus::AuraGrandpa { block_import, link })
	};

	Ok(sc_service::PartialComponents {
		client,
		backend,
		task_manager,
		import_queue,
		keystore_container,
		select_chain,
		transaction_pool,
		other: (consensus, telemetry),
	})
}

/// Records `pccs_url` as this node's own PCCS in its persistent off-chain storage, where the
/// TEE registry's off-chain worker looks first; `None` clears it, so the chain's applies.
fn set_local_pccs(backend: &FullBackend, pccs_url: Option<&str>) {
	let Some(mut storage) = backend.offchain_storage() else { return };
	let key = pallet_tee_registry::offchain::LOCAL_PCCS_URL_KEY;
	match pccs_url {
		Some(url) => {
			log::info!("Off-chain workers fetch platform collateral from {url}");
			storage.set(sp_offchain::STORAGE_PREFIX, key, &url.as_bytes().to_vec().encode());
		}
		None => storage.remove(sp_offchain::STORAGE_PREFIX, key),
	}
}

/// Builds and starts a full node.
pub fn new_full<
	N: sc_network::NetworkBackend<Block, <Block as sp_runtime::traits::Block>::Hash>,
>(
	config: Configuration,
	options: NodeOptions,
) -> Result<TaskManager, ServiceError> {
	let sc_service::PartialComponents {
		client,
		backend,
		mut task_manager,
		import_queue,
		keystore_container,
		select_chain,
		transaction_pool,
		other: (consensus, mut telemetry),
	} = new_partial(&config)?;

	let mut net_config = sc_network::config::FullNetworkConfiguration::<
		Block,
		<Block as sp_runtime::traits::Block>::Hash,
		N,
	>::new(&config.network, config.prometheus_registry().cloned());
	let metrics = N::register_notification_metrics(config.prometheus_registry());

	let genesis_hash = client
		.block_hash(0)
		.ok()
		.flatten()
		.ok_or_else(|| ServiceError::Other("the database has no genesis block".into()))?;
	let grandpa_protocol_name =
		sc_consensus_grandpa::protocol_standard_name(&genesis_hash, &config.chain_spec);
	let mut grandpa_notifications = None;
	let mut warp_sync_config = None;
	if let Consensus::AuraGrandpa { link, .. } = &consensus {
		let (protocol_config, notification_service) =
			sc_consensus_grandpa::grandpa_peers_set_config::<_, N>(
				grandpa_protocol_name.clone(),
				metrics.clone(),
				net_config.peer_store_handle(),
			);
		net_config.add_notification_protocol(protocol_config);
		grandpa_notifications = Some(notification_service);
		let warp_sync = Arc::new(sc_consensus_grandpa::warp_proof::NetworkProvider::new(
			backend.clone(),
			link.shared_authority_set().clone(),
			Vec::default(),
		));
		warp_sync_config = Some(WarpSyncConfig::WithProvider(warp_sync));
	}

	let (network, system_rpc_tx, tx_handler_controller, sync_service, _bitswap) =
		sc_service::build_network(sc_service::BuildNetworkParams {
			config: &config,
			net_config,
			client: client.clone(),
			transaction_pool: transaction_pool.clone(),
			spawn_handle: task_manager.spawn_handle(),
			spawn_essential_handle: task_manager.spawn_essential_handle(),
			import_queue,
			block_announce_validator_builder: None,
			warp_sync_config,
			block_relay: None,
			metrics,
			gap_sync_body_policy: None,
		})?;

	if config.offchain_worker.enabled {
		set_local_pccs(&backend, options.pccs_url.as_deref());
		let offchain_workers =
			sc_offchain::OffchainWorkers::new(sc_offchain::OffchainWorkerOptions {
				runtime_api_provider: client.clone(),
				is_validator: config.role.is_authority(),
				keystore: Some(keystore_container.keystore()),
				offchain_db: backend.offchain_storage(),
				transaction_pool: Some(OffchainTransactionPoolFactory::new(
					transaction_pool.clone(),
				)),
				network_provider: Arc::new(network.clone()),
				enable_http_requests: true,
				custom_extensions: |_| vec![],
			})?;
		task_manager.spawn_handle().spawn(
			"offchain-workers-runner",
			"offchain-worker",
			offchain_workers.run(client.clone(), task_manager.spawn_handle()).boxed(),
		);
	}

	let role = config.role;
	let force_authoring = config.force_authoring;
	let name = config.network.node_name.clone();
	let enable_grandpa = !config.disable_grandpa;
	let prometheus_registry = config.prometheus_registry().cloned();
	let is_dev = matches!(consensus, Consensus::Dev);

	// Development chains take `engine_createBlock` / `engine_finalizeBlock` too.
	let (seal_tx, seal_rx) = mpsc::channel::<EngineCommand<aegis_runtime::Hash>>(64);

	let rpc_extensions_builder = {
		let client = client.clone();
		let pool = transaction_pool.clone();
		Box::new(move |_| {
			let mut module =
				rpc::create_full(rpc::FullDeps { client: client.clone(), pool: pool.clone() })?;
			if is_dev {
				use sc_consensus_manual_seal::rpc::{ManualSeal, ManualSealApiServer};
				module
					.merge(ManualSeal::new(seal_tx.clone()).into_rpc())
					.map_err(|e| sc_service::Error::Other(e.to_string()))?;
			}
			Ok(module)
		})
	};

	sc_service::spawn_tasks(sc_service::SpawnTasksParams {
		network: Arc::new(network.clone()),
		client: client.clone(),
		keystore: keystore_container.keystore(),
		task_manager: &mut task_manager,
		transaction_pool: transaction_pool.clone(),
		rpc_builder: rpc_extensions_builder,
		backend,
		system_rpc_tx,
		tx_handler_controller,
		sync_service: sync_service.clone(),
		config,
		telemetry: telemetry.as_mut(),
		tracing_execute_block: None,
	})?;

	let proposer_factory = sc_basic_authorship::ProposerFactory::new(
		task_manager.spawn_handle(),
		client.clone(),
		transaction_pool.clone(),
		prometheus_registry.as_ref(),
		telemetry.as_ref().map(|x| x.handle()),
	);

	match consensus {
		Consensus::Dev => {
			// Each block is sealed on a timer (or on each transaction) and final at once.
			let seal = || EngineCommand::SealNewBlock {
				create_empty: true,
				finalize: true,
				parent_hash: None,
				sender: None,
			};
			let triggers = if options.block_time_ms == 0 {
				log::info!("Development chain: a block for each transaction");
				transaction_pool.import_notification_stream().map(move |_| seal()).boxed()
			} else {
				log::info!("Development chain: a block every {} ms", options.block_time_ms);
				let period = Duration::from_millis(options.block_time_ms);
				futures::stream::unfold((), move |()| async move {
					futures_timer::Delay::new(period).await;
					Some((seal(), ()))
				})
				.boxed()
			};
			let commands_stream = futures::stream::select(triggers, seal_rx);
			let timestamp_client = client.clone();
			let authorship = sc_consensus_manual_seal::run_manual_seal(ManualSealParams {
				block_import: client.clone(),
				env: proposer_factory,
				client: client.clone(),
				pool: transaction_pool,
				commands_stream,
				select_chain,
				consensus_data_provider: Some(Box::new(AuraConsensusDataProvider::new(
					client.clone(),
				))),
				// Chain time advances one Aura slot per block (from the wall clock at the
				// first block), so slots always increase whatever the block time.
				create_inherent_data_providers: move |_, ()| {
					let client = timestamp_client.clone();
					async move {
						SlotTimestampProvider::new_aura(client)
							.map_err(|e| Box::new(e) as Box<dyn std::error::Error + Send + Sync>)
					}
				},
			});
			task_manager.spawn_essential_handle().spawn_blocking(
				"manual-seal",
				Some("block-authoring"),
				authorship,
			);
		}
		Consensus::AuraGrandpa { block_import, link } => {
			if role.is_authority() {
				let slot_duration = sc_consensus_aura::slot_duration::<AuraId, _, _>(&*client)?;
				let aura = sc_consensus_aura::start_aura::<AuraPair, _, _, _, _, _, _, _, _, _, _>(
					StartAuraParams {
						slot_duration,
						client,
						select_chain,
						block_import,
						proposer_factory,
						create_inherent_data_providers: move |_, ()| async move {
							let timestamp = sp_timestamp::InherentDataProvider::from_system_time();
							let slot =
								sp_consensus_aura::inherents::InherentDataProvider::from_timestamp_and_slot_duration(
									*timestamp,
									slot_duration,
								);
							Ok((slot, timestamp))
						},
						force_authoring,
						backoff_authoring_blocks: Option::<()>::None,
						keystore: keystore_container.keystore(),
						sync_oracle: sync_service.clone(),
						justification_sync_link: sync_service.clone(),
						block_proposal_slot_portion: SlotProportion::new(2f32 / 3f32),
						max_block_proposal_slot_portion: None,
						telemetry: telemetry.as_ref().map(|x| x.handle()),
						compatibility_mode: Default::default(),
					},
				)?;
				task_manager.spawn_essential_handle().spawn_blocking(
					"aura",
					Some("block-authoring"),
					aura,
				);
			}

			if enable_grandpa {
				let keystore =
					if role.is_authority() { Some(keystore_container.keystore()) } else { None };
				let grandpa_config = sc_consensus_grandpa::Config {
					gossip_duration: Duration::from_millis(333),
					justification_generation_period: GRANDPA_JUSTIFICATION_PERIOD,
					name: Some(name),
					observer_enabled: false,
					keystore,
					local_role: role,
					telemetry: telemetry.as_ref().map(|x| x.handle()),
					protocol_name: grandpa_protocol_name,
				};
				let notification_service = grandpa_notifications.ok_or_else(|| {
					ServiceError::Other("GRANDPA's notification protocol is not set up".into())
				})?;
				let params = sc_consensus_grandpa::GrandpaParams {
					config: grandpa_config,
					link,
					network,
					sync: Arc::new(sync_service),
					notification_service,
					voting_rule: sc_consensus_grandpa::VotingRulesBuilder::default().build(),
					prometheus_registry,
					shared_voter_state: SharedVoterState::empty(),
					telemetry: telemetry.as_ref().map(|x| x.handle()),
					offchain_tx_pool_factory: OffchainTransactionPoolFactory::new(transaction_pool),
				};
				task_manager.spawn_essential_handle().spawn_blocking(
					"grandpa-voter",
					None,
					sc_consensus_grandpa::run_grandpa_voter(params)?,
				);
			}
		}
	}

	Ok(task_manager)
}

#[cfg(test)]
mod tests {
	use super::*;
	use sp_core::traits::{CallContext, CodeExecutor, RuntimeCode, WrappedRuntimeCode};

	fn core_version<H: sp_wasm_interface::HostFunctions>() -> Result<Vec<u8>, String> {
		let wasm = aegis_runtime::WASM_BINARY.expect("built with the wasm runtime");
		let executor = sc_executor::WasmExecutor::<H>::builder().build();
		let fetcher = WrappedRuntimeCode(wasm.into());
		let code = RuntimeCode { code_fetcher: &fetcher, hash: vec![1], heap_pages: None };
		let mut ext = sp_state_machine::BasicExternalities::default();
		executor
			.call(&mut ext, &code, "Core_version", &[], CallContext::Offchain)
			.0
			.map_err(|e| e.to_string())
	}

	/// The runtime imports the DCAP verification host function: a node without it must refuse
	/// the runtime at instantiation, naming what is missing, instead of failing later.
	#[test]
	fn a_node_without_the_attestation_host_function_refuses_the_runtime() {
		let error = core_version::<sp_io::SubstrateHostFunctions>().unwrap_err();
		assert!(error.contains("dcap_attestation"), "unclear error: {error}");
		let version = core_version::<HostFunctions>().expect("the node's host functions suffice");
		let version =
			<sp_version::RuntimeVersion as codec::Decode>::decode(&mut &version[..]).unwrap();
		assert_eq!(version.spec_name, "quantum-aegis");
	}
}
