//! `aegis-node`: the QuantumAegis Substrate node.
//!
//! - `aegis-node --dev`: a single-node development chain sealed by the node itself (a block
//!   every `--block-time` milliseconds, or one per transaction with `--block-time 0`), each
//!   block final at once; the simulated TEE's dev root and the dev worker enclave are trusted.
//! - `aegis-node --chain local --alice` (and `--bob`): Aura block production and GRANDPA
//!   finality among the preset's validators.
//!
//! The node registers `aegis-attestation`'s host function, through which the runtime verifies
//! Intel DCAP quotes; its off-chain workers refresh the TEE registry's collateral from a PCCS
//! (the chain's, or `--pccs-url`).

// Substrate's command runners return `sc_cli::Error`, which is large by its design.
#![allow(clippy::result_large_err)]

mod chain_spec;
mod cli;
mod command;
mod rpc;
mod service;

fn main() -> sc_cli::Result<()> {
	command::run()
}
