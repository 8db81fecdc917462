//! The worker's configuration: one TOML file with the sections `[worker]`, `[tee]`,
//! `[quantum]`, `[intelligence]`, `[chain]` and `[api]` (see `worker.example.toml`), checked
//! as a whole at start so that every mistake is reported at once, with the key it concerns.

use aegis_primitives::ordering::OrderingRule;
use frame_support::traits::Get;
use serde::Deserialize;
use std::{
	fmt,
	net::SocketAddr,
	path::{Path, PathBuf},
};

/// The whole configuration file.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
	/// Batching, the mempool mirror and where sealed state lives.
	#[serde(default)]
	pub worker: WorkerSection,
	/// Which TEE the worker runs in.
	#[serde(default)]
	pub tee: TeeSection,
	/// Ordering and key rotation.
	#[serde(default)]
	pub quantum: QuantumSection,
	/// Risk feeding.
	#[serde(default)]
	pub intelligence: IntelligenceSection,
	/// The chain to serve.
	#[serde(default)]
	pub chain: ChainSection,
	/// The status API.
	#[serde(default)]
	pub api: ApiSection,
	/// The worker cluster.
	#[serde(default)]
	pub cluster: ClusterSection,
}

/// `[cluster]`.
#[derive(Clone, Debug, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ClusterSection {
	/// Measurements (SCALE-encoded `aegis_attestation::Measurement`, hex) of other enclaves
	/// this worker seals the cluster secret to, besides its own (an enclave upgrade in
	/// progress, a redundancy worker on another TEE).
	pub peer_measurements: Vec<String>,
	/// A worker lacking a held epoch this many blocks gets a copy from any holder (otherwise
	/// only from the lowest-account holder), replacing one it never confirmed.
	pub reprovision_after_blocks: u32,
}

impl Default for ClusterSection {
	fn default() -> Self {
		Self { peer_measurements: Vec::new(), reprovision_after_blocks: 5 }
	}
}

/// `[worker]`.
#[derive(Clone, Debug, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct WorkerSection {
	/// Where the sealed key set is kept.
	pub data_dir: PathBuf,
	/// A batch is built once this many entries are ready...
	pub batch_min: u32,
	/// ...or once the oldest has waited `max_wait_ms`. A batch carries what the chain's
	/// budget for one extrinsic takes (block weight and length, each entry's weight as the
	/// chain charges it) up to `MAX_BATCH_ENTRIES`; `batch_max`, when set, caps it lower.
	pub batch_max: Option<u32>,
	/// See `batch_min`.
	pub max_wait_ms: u64,
	/// How many pending submissions the worker mirrors at most.
	pub mempool_capacity: usize,
	/// The role the worker enrols with: `primary` or `redundancy`.
	pub role: String,
}

impl Default for WorkerSection {
	fn default() -> Self {
		Self {
			data_dir: PathBuf::from("./aegis-worker-data"),
			batch_min: 10,
			batch_max: None,
			max_wait_ms: 2_000,
			mempool_capacity: 10_000,
			role: "primary".into(),
		}
	}
}

/// `[tee]`.
#[derive(Clone, Debug, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct TeeSection {
	/// `sim` (simulated SGX), `sim-snp`, `sim-nitro`, `tdx`, `sgx`, `dstack`, `snp` or
	/// `nitro`.
	pub backend: String,
	/// The configfs-tsm report directory (`tdx`, `snp`).
	pub configfs_tsm_path: PathBuf,
	/// The SEV-SNP guest driver, used when configfs-tsm is absent (`snp`).
	pub sev_guest_device: PathBuf,
	/// The VM privilege level SEV-SNP reports are requested at (`snp`; 0 unless an SVSM runs
	/// below the guest).
	pub snp_vmpl: u32,
	/// A file holding the VCEK or VLEK certificate, when the host attaches none (`snp`).
	pub snp_vcek_file: Option<PathBuf>,
	/// AMD's KDS, or a cache or forwarding proxy of it, over plain HTTP (`snp`).
	pub snp_kds_url: Option<String>,
	/// `Milan`, `Genoa` or `Turin`, for version 2 reports, which do not name their CPU (`snp`).
	pub snp_product: Option<String>,
	/// A file holding the 32-byte sealing secret a key broker provisioned (`nitro`; `snp`
	/// through configfs-tsm, which has no derived keys).
	pub sealing_key_file: Option<PathBuf>,
	/// A file holding the 32-byte sealing secret a key broker provisioned (`tdx`, which has
	/// no sealing key of its own).
	pub tdx_sealing_key_file: Option<PathBuf>,
	/// Gramine's attestation pseudo-file directory (`sgx`).
	pub gramine_attestation_path: PathBuf,
	/// The dstack guest agent's unix socket (`dstack`).
	pub dstack_socket: PathBuf,
	/// Where hardware backends fetch the collateral for their quotes (PCCS base URL).
	pub pccs_url: Option<String>,
}

impl Default for TeeSection {
	fn default() -> Self {
		Self {
			backend: "sim".into(),
			configfs_tsm_path: PathBuf::from("/sys/kernel/config/tsm/report"),
			sev_guest_device: PathBuf::from("/dev/sev-guest"),
			snp_vmpl: 0,
			snp_vcek_file: None,
			snp_kds_url: None,
			snp_product: None,
			sealing_key_file: None,
			tdx_sealing_key_file: None,
			gramine_attestation_path: PathBuf::from("/dev/attestation"),
			dstack_socket: PathBuf::from("/var/run/dstack.sock"),
			pccs_url: None,
		}
	}
}

/// `[quantum]`.
#[derive(Clone, Debug, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct QuantumSection {
	/// The ordering mode: `chain` follows the rule in force on chain; naming a rule
	/// (`risk_aware`, `asset_protection`, `migration_aware`, `hybrid`) makes the worker
	/// sequence only while the chain enforces that rule.
	pub ordering: String,
	/// Re-attest this many blocks before the attestation expires.
	pub reattest_margin_blocks: u32,
	/// Rotate keys this many blocks before the policy's rotation deadline.
	pub rotation_margin_blocks: u32,
	/// During a migration, commit a checkpoint every this many blocks (the first at once).
	pub checkpoint_interval_blocks: u32,
}

impl Default for QuantumSection {
	fn default() -> Self {
		Self {
			ordering: "chain".into(),
			reattest_margin_blocks: 20,
			rotation_margin_blocks: 10,
			checkpoint_interval_blocks: 100,
		}
	}
}

/// `[intelligence]`.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct IntelligenceSection {
	/// Post risk scores (the worker's account must be a feeder).
	pub feed: bool,
	/// A file whose content is the current score (0–10000), written by the threat-intelligence
	/// process; read before each feed.
	pub score_file: Option<PathBuf>,
	/// Feed every this many blocks.
	pub interval_blocks: Option<u32>,
}

/// `[chain]`.
#[derive(Clone, Debug, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ChainSection {
	/// The node's WebSocket RPC endpoint.
	pub rpc_url: String,
	/// On a development chain only: a dev account (`//Alice`) that tops up the worker's
	/// account when it cannot pay its fees.
	pub dev_funder: Option<String>,
	/// Attempts for a failed RPC call or submission before the worker gives up on it.
	pub retries: u32,
}

impl Default for ChainSection {
	fn default() -> Self {
		Self { rpc_url: "ws://127.0.0.1:9944".into(), dev_funder: None, retries: 5 }
	}
}

/// `[api]`.
#[derive(Clone, Debug, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ApiSection {
	/// Where the status API listens.
	pub listen: String,
	/// The URL other workers reach this API at (`http://host:port`). A redundancy worker
	/// registers it on chain as its co-signing endpoint.
	pub public_url: Option<String>,
}

impl Default for ApiSection {
	fn default() -> Self {
		Self { listen: "127.0.0.1:8788".into(), public_url: None }
	}
}

/// The TEE backend the worker uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
	/// The simulated SGX TEE (development chains only).
	Sim,
	/// The simulated SEV-SNP platform (development chains only).
	SimSnp,
	/// The simulated Nitro Secure Module (development chains only).
	SimNitro,
	/// AMD SEV-SNP through configfs-tsm or `/dev/sev-guest`.
	Snp,
	/// AWS Nitro Enclaves through `/dev/nsm`.
	Nitro,
	/// Intel TDX through configfs-tsm.
	Tdx,
	/// Intel SGX under Gramine.
	Sgx,
	/// A Phala dstack CVM.
	Dstack,
}

/// The ordering mode.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OrderingMode {
	/// Whatever the chain enforces.
	FollowChain,
	/// Only this rule.
	Fixed(OrderingRule),
}

/// What a checked configuration means.
#[derive(Clone, Debug)]
pub struct Settings {
	/// As configured.
	pub raw: Config,
	/// `[tee] backend`.
	pub backend: Backend,
	/// `[quantum] ordering`.
	pub ordering: OrderingMode,
	/// `[worker] role`.
	pub role: pallet_tee_registry::WorkerRole,
	/// `[api] listen`.
	pub listen: SocketAddr,
	/// `[cluster] peer_measurements`.
	pub peer_measurements: Vec<aegis_attestation::Measurement>,
}

/// Everything wrong with a configuration.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
	/// The file could not be read.
	#[error("cannot read {path}: {source}")]
	Read {
		/// The file.
		path: PathBuf,
		/// Why.
		source: std::io::Error,
	},
	/// The file is not valid TOML for this schema.
	#[error("{path}: {message}")]
	Parse {
		/// The file.
		path: PathBuf,
		/// The parser's message (it names the key and line).
		message: String,
	},
	/// Values that parse but make no sense, one message per key.
	#[error("invalid configuration:\n  - {}", .0.join("\n  - "))]
	Invalid(Vec<String>),
}

impl Config {
	/// Reads and parses `path` (not yet checked).
	pub fn load(path: &Path) -> Result<Self, ConfigError> {
		let text = std::fs::read_to_string(path)
			.map_err(|source| ConfigError::Read { path: path.into(), source })?;
		Self::parse(&text).map_err(|message| ConfigError::Parse { path: path.into(), message })
	}

	/// Parses TOML text (not yet checked).
	pub fn parse(text: &str) -> Result<Self, String> {
		toml::from_str(text).map_err(|e| e.to_string())
	}

	/// Checks every value; returns what they mean or all the problems found.
	pub fn check(self) -> Result<Settings, ConfigError> {
		let mut problems = Vec::new();
		let w = &self.worker;
		if w.batch_min == 0 {
			problems.push("worker.batch_min must be at least 1".to_string());
		}
		if let Some(max) = w.batch_max {
			if max < w.batch_min {
				problems.push(format!(
					"worker.batch_max ({max}) must be at least worker.batch_min ({})",
					w.batch_min
				));
			}
			if max > aegis_primitives::batch::MAX_BATCH_ENTRIES {
				problems.push(format!(
					"worker.batch_max ({max}) exceeds what a batch may carry ({})",
					aegis_primitives::batch::MAX_BATCH_ENTRIES
				));
			}
		}
		if w.max_wait_ms == 0 {
			problems.push("worker.max_wait_ms must be positive".to_string());
		}
		let pool: u32 = <aegis_runtime::Runtime as pallet_sequencer::Config>::MaxPending::get();
		if w.mempool_capacity == 0 || w.mempool_capacity > pool as usize {
			problems.push(format!(
				"worker.mempool_capacity ({}) must be between 1 and {pool} (the chain's pool bound)",
				w.mempool_capacity
			));
		}
		let role = match w.role.as_str() {
			"primary" => Some(pallet_tee_registry::WorkerRole::Primary),
			"redundancy" => Some(pallet_tee_registry::WorkerRole::Redundancy),
			other => {
				problems
					.push(format!("worker.role `{other}` is not one of `primary`, `redundancy`"));
				None
			}
		};
		let backend = match self.tee.backend.as_str() {
			"sim" => Some(Backend::Sim),
			"sim-snp" => Some(Backend::SimSnp),
			"sim-nitro" => Some(Backend::SimNitro),
			"tdx" => Some(Backend::Tdx),
			"sgx" => Some(Backend::Sgx),
			"dstack" => Some(Backend::Dstack),
			"snp" => Some(Backend::Snp),
			"nitro" => Some(Backend::Nitro),
			other => {
				problems.push(format!(
					"tee.backend `{other}` is not one of `sim`, `sim-snp`, `sim-nitro`, `tdx`, \
					 `sgx`, `dstack`, `snp`, `nitro`"
				));
				None
			}
		};
		if backend == Some(Backend::Nitro) && self.tee.sealing_key_file.is_none() {
			problems.push(
				"tee.sealing_key_file is required with the nitro backend (an enclave has no \
				 sealing key or storage of its own; provision one from a key broker)"
					.to_string(),
			);
		}
		if let Some(product) = &self.tee.snp_product {
			if aegis_attestation::SnpProduct::from_name(product).is_none() {
				problems
					.push(format!("tee.snp_product `{product}` is not one of Milan, Genoa, Turin"));
			}
		}
		if backend == Some(Backend::Tdx) && self.tee.tdx_sealing_key_file.is_none() {
			problems.push(
				"tee.tdx_sealing_key_file is required with the tdx backend (configfs-tsm has no \
				 sealing key; provision one from a key broker)"
					.to_string(),
			);
		}
		if matches!(backend, Some(Backend::Tdx | Backend::Sgx | Backend::Dstack))
			&& self.tee.pccs_url.is_none()
		{
			problems.push(format!(
				"tee.pccs_url is required with the {} backend: the chain verifies quotes against \
				 collateral the worker fetches from a PCCS",
				self.tee.backend
			));
		}
		if let Some(url) = &self.tee.pccs_url {
			if !url.starts_with("http://") {
				problems.push(format!(
					"tee.pccs_url `{url}` must be an http:// URL (the cluster's PCCS; put a local \
					 TLS proxy in front of an https one)"
				));
			}
		}
		let ordering = match self.quantum.ordering.as_str() {
			"chain" => Some(OrderingMode::FollowChain),
			name => match OrderingRule::from_config_name(name) {
				Some(rule) => Some(OrderingMode::Fixed(rule)),
				None => {
					problems.push(format!(
						"quantum.ordering `{name}` is not `chain` or a rule name \
						 (risk_aware, asset_protection, migration_aware, hybrid)"
					));
					None
				}
			},
		};
		if self.quantum.checkpoint_interval_blocks == 0 {
			problems.push("quantum.checkpoint_interval_blocks must be positive".to_string());
		}
		if self.quantum.reattest_margin_blocks == 0 {
			problems.push("quantum.reattest_margin_blocks must be positive".to_string());
		}
		let i = &self.intelligence;
		if i.feed {
			if i.score_file.is_none() {
				problems.push(
					"intelligence.score_file is required when intelligence.feed is true".into(),
				);
			}
			if i.interval_blocks.is_none_or(|n| n == 0) {
				problems.push(
					"intelligence.interval_blocks must be positive when intelligence.feed is true"
						.into(),
				);
			}
		}
		let c = &self.chain;
		if !(c.rpc_url.starts_with("ws://") || c.rpc_url.starts_with("wss://")) {
			problems.push(format!("chain.rpc_url `{}` must be a ws:// or wss:// URL", c.rpc_url));
		}
		if let Some(funder) = &c.dev_funder {
			if crate::keys::dev_pair(funder).is_none() {
				problems.push(format!(
					"chain.dev_funder `{funder}` is not a dev account URI such as //Alice"
				));
			}
		}
		let listen = match self.api.listen.parse::<SocketAddr>() {
			Ok(a) => Some(a),
			Err(e) => {
				problems.push(format!("api.listen `{}`: {e}", self.api.listen));
				None
			}
		};
		if let Some(url) = &self.api.public_url {
			if !url.starts_with("http://") || url.len() > 256 {
				problems.push(format!(
					"api.public_url `{url}` must be an http:// URL of at most 256 bytes"
				));
			}
		}
		let mut peer_measurements = Vec::new();
		for m in &self.cluster.peer_measurements {
			use codec::DecodeAll;
			let decoded = hex::decode(m.trim_start_matches("0x"))
				.ok()
				.and_then(|b| aegis_attestation::Measurement::decode_all(&mut &b[..]).ok());
			match decoded {
				Some(m) => peer_measurements.push(m),
				None => problems.push(format!(
					"cluster.peer_measurements `{m}` is not a hex SCALE-encoded measurement"
				)),
			}
		}
		if self.cluster.reprovision_after_blocks == 0 {
			problems.push("cluster.reprovision_after_blocks must be positive".to_string());
		}
		match (backend, ordering, role, listen) {
			(Some(backend), Some(ordering), Some(role), Some(listen)) if problems.is_empty() => {
				Ok(Settings { raw: self, backend, ordering, role, listen, peer_measurements })
			}
			_ => Err(ConfigError::Invalid(problems)),
		}
	}
}

impl Backend {
	/// Whether it is one of the simulated TEEs (dev chains only).
	pub fn is_simulated(self) -> bool {
		matches!(self, Self::Sim | Self::SimSnp | Self::SimNitro)
	}
}

impl fmt::Display for Backend {
	fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
		f.write_str(match self {
			Self::Sim => "sim",
			Self::SimSnp => "sim-snp",
			Self::SimNitro => "sim-nitro",
			Self::Tdx => "tdx",
			Self::Sgx => "sgx",
			Self::Dstack => "dstack",
			Self::Snp => "snp",
			Self::Nitro => "nitro",
		})
	}
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn the_example_file_is_valid() {
		let text = include_str!("../worker.example.toml");
		let settings = Config::parse(text).unwrap().check().unwrap();
		assert_eq!(settings.backend, Backend::Sim);
		assert_eq!(settings.ordering, OrderingMode::FollowChain);
		assert_eq!(settings.raw.worker.batch_min, 10);
		assert_eq!(settings.raw.worker.batch_max, None);
	}

	#[test]
	fn an_empty_file_takes_the_defaults() {
		let settings = Config::parse("").unwrap().check().unwrap();
		assert_eq!(settings.backend, Backend::Sim);
		assert_eq!(settings.raw.worker.mempool_capacity, 10_000);
		assert_eq!(settings.listen.port(), 8788);
	}

	#[test]
	fn unknown_keys_and_sections_are_refused_by_name() {
		let e = Config::parse("[worker]\nbatch_size = 3\n").unwrap_err();
		assert!(e.contains("batch_size"), "{e}");
		let e = Config::parse("[workers]\n").unwrap_err();
		assert!(e.contains("workers"), "{e}");
		let e = Config::parse("[worker]\nbatch_min = \"ten\"\n").unwrap_err();
		assert!(e.contains("batch_min"), "{e}");
	}

	#[test]
	fn every_bad_value_is_reported_at_once() {
		let text = r#"
			[worker]
			batch_min = 20
			batch_max = 5
			role = "leader"
			[tee]
			backend = "sev"
			[quantum]
			ordering = "random"
			[intelligence]
			feed = true
			[chain]
			rpc_url = "http://localhost:9944"
			dev_funder = "Alice"
			[api]
			listen = "localhost"
		"#;
		let Err(ConfigError::Invalid(problems)) = Config::parse(text).unwrap().check() else {
			panic!("accepted")
		};
		let all = problems.join("\n");
		for key in [
			"worker.batch_max",
			"worker.role",
			"tee.backend",
			"quantum.ordering",
			"intelligence.score_file",
			"intelligence.interval_blocks",
			"chain.rpc_url",
			"chain.dev_funder",
			"api.listen",
		] {
			assert!(all.contains(key), "{key} not reported in:\n{all}");
		}
	}

	#[test]
	fn hardware_backends_need_their_collateral_source() {
		let e = Config::parse("[tee]\nbackend = \"sgx\"\n").unwrap().check().unwrap_err();
		assert!(e.to_string().contains("tee.pccs_url"), "{e}");
		let e = Config::parse("[tee]\nbackend = \"tdx\"\npccs_url = \"http://pccs\"\n")
			.unwrap()
			.check()
			.unwrap_err();
		assert!(e.to_string().contains("tee.tdx_sealing_key_file"), "{e}");
		let ok = Config::parse("[tee]\nbackend = \"dstack\"\npccs_url = \"http://pccs\"\n")
			.unwrap()
			.check()
			.unwrap();
		assert_eq!(ok.backend, Backend::Dstack);
	}

	#[test]
	fn a_fixed_rule_is_parsed() {
		let s = Config::parse("[quantum]\nordering = \"hybrid\"\n").unwrap().check().unwrap();
		assert_eq!(s.ordering, OrderingMode::Fixed(OrderingRule::Hybrid));
	}
}
