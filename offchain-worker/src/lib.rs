//! The QuantumAegis TEE worker: runs inside a TEE, enrols on chain with a DCAP quote binding
//! its post-quantum keys, decrypts the encrypted mempool, orders entries by the chain's public
//! rule, signs each batch with the suites the risk oracle's policy requires and commits it.
//! See the crate README for the configuration and the status API.

pub mod api;
pub mod chain;
pub mod client;
pub mod cluster;
pub mod config;
pub mod devnet;
pub mod fuzzing;
pub mod http;
pub mod keys;
pub mod load;
mod load_chart;
pub mod metrics;
pub mod pccs;
pub mod pipeline;
pub mod service;
pub mod tee;
pub mod tee_error;
pub mod vectors;
pub mod verdict;

#[cfg(test)]
mod cluster_tests;
#[cfg(test)]
mod fake_chain;
#[cfg(test)]
mod service_tests;
