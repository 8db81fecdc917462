//! Command-line interface: the standard Substrate node flags and subcommands, plus the dev
//! chain's block time and the node's own PCCS.

/// `aegis-node`'s arguments.
#[derive(Debug, clap::Parser)]
pub struct Cli {
	/// A subcommand instead of running the node.
	#[command(subcommand)]
	pub subcommand: Option<Subcommand>,

	/// Running the node.
	#[clap(flatten)]
	pub run: RunCmd,
}

/// Running the node: every standard flag and QuantumAegis's own.
#[derive(Debug, clap::Args)]
pub struct RunCmd {
	/// The standard node flags (`--dev`, `--chain`, `--alice`, `--rpc-port`, ...).
	#[clap(flatten)]
	pub base: sc_cli::RunCmd,

	/// On a development chain: milliseconds between blocks. `0` seals a block as soon as a
	/// transaction arrives. Chain time advances one Aura slot per block.
	#[arg(long, value_name = "MS", default_value_t = 1000)]
	pub block_time: u64,

	/// Base URL of the PCCS this node's off-chain worker fetches platform collateral from,
	/// instead of the one the chain names (Intel PCS API v4 paths are appended). Off-chain
	/// workers run on validators unless `--offchain-worker never`.
	#[arg(long, value_name = "URL")]
	pub pccs_url: Option<String>,
}

/// The node's subcommands.
#[derive(Debug, clap::Subcommand)]
#[allow(clippy::large_enum_variant)]
pub enum Subcommand {
	/// Key management.
	#[command(subcommand)]
	Key(sc_cli::KeySubcommand),

	/// Build a chain specification.
	BuildSpec(sc_cli::BuildSpecCmd),

	/// Export a chain specification.
	ExportChainSpec(sc_cli::ExportChainSpecCmd),

	/// Validate blocks.
	CheckBlock(sc_cli::CheckBlockCmd),

	/// Export blocks.
	ExportBlocks(sc_cli::ExportBlocksCmd),

	/// Export the state of a given block into a chain spec.
	ExportState(sc_cli::ExportStateCmd),

	/// Import blocks.
	ImportBlocks(sc_cli::ImportBlocksCmd),

	/// Remove the whole chain.
	PurgeChain(sc_cli::PurgeChainCmd),

	/// Revert the chain to a previous state.
	Revert(sc_cli::RevertCmd),

	/// Runtime benchmarks (`benchmark pallet` regenerates the pallets' weights). Needs a node
	/// built with `--features runtime-benchmarks`.
	#[cfg(feature = "runtime-benchmarks")]
	#[command(subcommand)]
	Benchmark(frame_benchmarking_cli::BenchmarkCmd),

	/// Database metadata.
	ChainInfo(sc_cli::ChainInfoCmd),
}
