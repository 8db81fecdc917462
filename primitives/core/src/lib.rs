//! # aegis-primitives
//!
//! Shared `no_std` types and pure logic of QuantumAegis. Everything that more than one part of
//! the product must agree on byte for byte lives here, so that the TEE worker (which produces
//! batches) and the chain (which checks them) call the *same* function:
//!
//! - [`risk`]: the quantum-risk score, the level it maps to and the post-quantum policy each
//!   level demands (which signature suites batches and checkpoints carry, how soon keys rotate).
//! - [`pqc`]: FIPS 204 (ML-DSA-87) and FIPS 205 (SLH-DSA-SHA2-256s) verification with a context
//!   string; under `std` also deterministic key generation and signing for the worker.
//! - [`binding`]: the 64-byte `report_data` that ties an enclave quote to the worker's account
//!   and keys.
//! - [`assets`]: protected asset types, operations and access policies, and the state hash
//!   migration checkpoints snapshot.
//! - [`batch`]: batch header, entries, checkpoints and their canonical hashes; the commitment a
//!   user publishes for an encrypted call.
//! - [`ordering`]: the four public ordering rules, as `order` (used by the worker) and
//!   `is_ordered` (used by the pallet to check the worker).
//! - [`hashing`]: the domain-separated BLAKE2b helpers the modules above share.
//!
//! See `shared/ARCHITECTURE.md` for how these pieces fit the enrolment → submission →
//! sequencing → verification flow.
#![cfg_attr(not(feature = "std"), no_std)]
#![cfg_attr(test, allow(clippy::indexing_slicing))]

extern crate alloc;

pub mod assets;
pub mod batch;
pub mod binding;
pub mod hashing;
pub mod ordering;
pub mod pqc;
pub mod risk;

/// A 32-byte hash (BLAKE2b-256 throughout this crate).
pub type Hash = [u8; 32];

/// The raw 32 bytes of an account (`AccountId32` on QuantumAegis chains).
pub type AccountBytes = [u8; 32];
