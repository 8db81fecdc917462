//! Builds the ink! contracts of this workspace into PolkaVM blobs that pallet-revive 0.20.2
//! accepts, with nothing but a stable Rust toolchain (1.88 or newer, with `rust-src`) and
//! crates.io:
//!
//! 1. writes a manifest that builds the contract's `lib.rs` as a binary (as `cargo-contract`
//!    does), with the workspace's `Cargo.lock` and the release profile ink! contracts use;
//! 2. compiles it for `riscv64emac-unknown-none-polkavm` (the target `polkavm-linker` 0.35
//!    ships) with `core` and `alloc` built from source (`RUSTC_BOOTSTRAP=1` lets a stable
//!    toolchain take `-Zbuild-std` and a JSON target spec) and the contract's ink! ABI
//!    (`--cfg ink_abi="sol"`, passed to every rustc through a wrapper so ink!'s macros see it);
//! 3. links the ELF with `polkavm-linker` 0.35, the PolkaVM pallet-revive 0.20.2 runs, and
//!    refuses a blob that imports a host function the pallet lacks (it would be rejected at
//!    upload with `CodeRejected`);
//! 4. writes `build/<contract>.polkavm` and `build/SHA256SUMS`, or with `--check` fails
//!    unless the committed files are reproduced byte for byte.
//!
//! Run from anywhere: `cargo run --release --manifest-path contracts/ink/Cargo.toml -p
//! ink-polkavm-builder [-- --check]`.

use sha2::{Digest, Sha256};
use std::{
	env, fs,
	path::{Path, PathBuf},
	process::{Command, ExitCode},
};

/// The contracts to build: (package directory, blob name).
const CONTRACTS: &[(&str, &str)] = &[("risk-vault", "risk_vault")];

/// The host functions pallet-revive 0.20.2 provides (`src/vm/pvm/env.rs`); a contract importing
/// any other is rejected at upload.
const HOST_FUNCTIONS: &[&str] = &[
	"set_storage",
	"set_storage_or_clear",
	"get_storage",
	"get_storage_or_zero",
	"call",
	"call_evm",
	"delegate_call",
	"delegate_call_evm",
	"instantiate",
	"call_data_size",
	"call_data_copy",
	"call_data_load",
	"seal_return",
	"caller",
	"origin",
	"code_hash",
	"code_size",
	"address",
	"get_immutable_data",
	"set_immutable_data",
	"balance",
	"balance_of",
	"chain_id",
	"gas_limit",
	"value_transferred",
	"gas_price",
	"base_fee",
	"now",
	"deposit_event",
	"block_number",
	"block_hash",
	"block_author",
	"hash_keccak_256",
	"return_data_size",
	"return_data_copy",
	"ref_time_left",
	"consume_all_gas",
	"ecdsa_to_eth_address",
	"sr25519_verify",
	"terminate",
];

fn main() -> ExitCode {
	let check = env::args().any(|a| a == "--check");
	// `cargo run` names the builder's directory at run time; the one it was compiled in may be
	// another checkout sharing the target directory (CI clones anew into a warm cache).
	let manifest_dir = env::var_os("CARGO_MANIFEST_DIR")
		.map(PathBuf::from)
		.unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")));
	let root = manifest_dir.join("..");
	let root = match root.canonicalize() {
		Ok(root) => root,
		Err(e) => {
			eprintln!("error: the ink! workspace {}: {e}", root.display());
			return ExitCode::FAILURE;
		}
	};
	match run(&root, check) {
		Ok(()) => ExitCode::SUCCESS,
		Err(e) => {
			eprintln!("error: {e}");
			ExitCode::FAILURE
		}
	}
}

fn run(root: &Path, check: bool) -> Result<(), String> {
	// The contract build's own target directory: beside the caller's (`CARGO_TARGET_DIR`, so a
	// warm cache serves it too), or in this workspace's `target/`.
	let work = env::var_os("CARGO_TARGET_DIR")
		.map(PathBuf::from)
		.unwrap_or_else(|| root.join("target"))
		.join("ink-polkavm");
	fs::create_dir_all(&work).map_err(|e| format!("{}: {e}", work.display()))?;
	let target_json = work.join("riscv64emac-unknown-none-polkavm.json");
	fs::write(&target_json, polkavm_linker::TARGET_JSON_64_BIT_NEW).map_err(|e| e.to_string())?;
	let wrapper = write_rustc_wrapper(&work)?;

	let mut artefacts = Vec::new();
	for (package, name) in CONTRACTS {
		let elf = compile(root, &work, &target_json, &wrapper, package, name)?;
		let blob = link(&elf, name)?;
		artefacts.push((format!("{name}.polkavm"), blob));
	}
	let sums: String = artefacts
		.iter()
		.map(|(file, bytes)| format!("{}  {file}\n", hex(&Sha256::digest(bytes))))
		.collect();
	artefacts.push(("SHA256SUMS".into(), sums.clone().into_bytes()));

	let out = root.join("build");
	if check {
		let mut bad = Vec::new();
		for (file, bytes) in &artefacts {
			if fs::read(out.join(file)).ok().as_deref() != Some(bytes.as_slice()) {
				bad.push(format!("build/{file}"));
			}
		}
		if !bad.is_empty() {
			return Err(format!("not reproduced: {}", bad.join(", ")));
		}
		println!("every ink! artefact reproduced byte for byte");
	} else {
		fs::create_dir_all(&out).map_err(|e| e.to_string())?;
		for (file, bytes) in &artefacts {
			fs::write(out.join(file), bytes).map_err(|e| e.to_string())?;
		}
		print!("{sums}");
	}
	Ok(())
}

/// ink!'s macros read the ABI from `cfg(ink_abi)` while they expand, in the host compiler,
/// which `RUSTFLAGS` does not reach when cross-compiling: every rustc call gets it instead.
fn write_rustc_wrapper(work: &Path) -> Result<PathBuf, String> {
	let path = work.join("rustc-ink-abi-sol.sh");
	let script = "#!/bin/sh\n# Adds the ink! ABI cfg to every rustc call of the contract build.\n\
		exec \"$@\" --cfg 'ink_abi=\"sol\"' --check-cfg 'cfg(ink_abi,values(\"ink\",\"sol\",\"all\"))'\n";
	fs::write(&path, script).map_err(|e| e.to_string())?;
	#[cfg(unix)]
	{
		use std::os::unix::fs::PermissionsExt;
		fs::set_permissions(&path, fs::Permissions::from_mode(0o755)).map_err(|e| e.to_string())?;
	}
	Ok(path)
}

/// Compiles `package`'s `lib.rs` as a PolkaVM binary; the ELF it produced.
///
/// The build happens in a workspace of its own under `work`, holding copies of the contract's
/// and the oracle library's sources: every path the compiler sees is relative to that
/// workspace, so the blob does not depend on where this repository is checked out.
fn compile(
	root: &Path,
	work: &Path,
	target_json: &Path,
	wrapper: &Path,
	package: &str,
	name: &str,
) -> Result<Vec<u8>, String> {
	let dir = work.join(package);
	let copy = |from: PathBuf, to: PathBuf| -> Result<(), String> {
		if let Some(parent) = to.parent() {
			fs::create_dir_all(parent).map_err(|e| e.to_string())?;
		}
		fs::copy(&from, &to).map(|_| ()).map_err(|e| format!("{}: {e}", from.display()))
	};
	copy(root.join(package).join("lib.rs"), dir.join("contract").join("lib.rs"))?;
	copy(root.join("quantum-risk-oracle/lib.rs"), dir.join("quantum-risk-oracle/lib.rs"))?;
	let oracle_manifest = r#"# Generated by ink-polkavm-builder: the oracle library, as the contract links it.
[package]
name = "quantum-risk-oracle"
version = "0.1.0"
edition = "2021"
publish = false

[lib]
path = "lib.rs"

[dependencies]
ink = { version = "=6.0.0-beta.1", default-features = false }

[features]
default = []
std = ["ink/std"]
ink-as-dependency = []
"#;
	fs::write(dir.join("quantum-risk-oracle/Cargo.toml"), oracle_manifest)
		.map_err(|e| e.to_string())?;
	let manifest = format!(
		r#"# Generated by ink-polkavm-builder: {package}/lib.rs as a PolkaVM binary.
[package]
name = "{name}"
version = "0.1.0"
edition = "2021"
publish = false

[workspace]

[[bin]]
name = "{name}"
path = "contract/lib.rs"

[dependencies]
ink = {{ version = "=6.0.0-beta.1", default-features = false }}
quantum-risk-oracle = {{ path = "quantum-risk-oracle", default-features = false }}

# What ink!'s macros test for; off in a PolkaVM build.
[features]
std = []
ink-as-dependency = []

[profile.release]
opt-level = "z"
lto = "fat"
codegen-units = 1
panic = "abort"
overflow-checks = true
"#
	);
	fs::write(dir.join("Cargo.toml"), manifest).map_err(|e| e.to_string())?;
	// The workspace's lock pins every version; cargo keeps them and drops what this build
	// does not use.
	fs::copy(root.join("Cargo.lock"), dir.join("Cargo.lock")).map_err(|e| e.to_string())?;

	let target_dir = work.join("target");
	let mut cargo = Command::new(env::var("CARGO").unwrap_or_else(|_| "cargo".into()));
	cargo.current_dir(&dir).env_clear();
	for key in ["PATH", "HOME", "CARGO_HOME", "RUSTUP_HOME", "RUSTUP_TOOLCHAIN"] {
		if let Ok(value) = env::var(key) {
			cargo.env(key, value);
		}
	}
	let rustflags = ["--cfg", "substrate_runtime", "-Zunstable-options", "-Cpanic=immediate-abort"];
	cargo
		.env("RUSTC_BOOTSTRAP", "1")
		.env("RUSTC_WRAPPER", wrapper)
		.env("CARGO_ENCODED_RUSTFLAGS", rustflags.join("\x1f"))
		.args(["build", "--release", "--quiet", "-Zjson-target-spec"])
		.args(["-Zbuild-std=core,alloc", "-Zbuild-std-features=compiler-builtins-mem"])
		.arg("--target")
		.arg(target_json)
		.arg("--target-dir")
		.arg(&target_dir);
	let status = cargo.status().map_err(|e| format!("cargo: {e}"))?;
	if !status.success() {
		return Err(format!("building {package} for PolkaVM failed"));
	}
	let elf = target_dir.join("riscv64emac-unknown-none-polkavm").join("release").join(name);
	fs::read(&elf).map_err(|e| format!("{}: {e}", elf.display()))
}

/// Links an ELF into a PolkaVM blob for pallet-revive and checks its imports.
fn link(elf: &[u8], name: &str) -> Result<Vec<u8>, String> {
	let mut config = polkavm_linker::Config::default();
	config.set_strip(true);
	config.set_optimize(true);
	let blob = polkavm_linker::program_from_elf(
		config,
		polkavm_linker::TargetInstructionSet::ReviveV1,
		elf,
	)
	.map_err(|e| format!("linking {name}: {e}"))?;
	let parsed = polkavm_linker::ProgramBlob::parse(blob.clone().into())
		.map_err(|e| format!("{name}: the linked blob does not parse: {e}"))?;
	for import in parsed.imports().iter() {
		let import = import.ok_or_else(|| format!("{name}: a malformed import"))?;
		let symbol = String::from_utf8_lossy(import.as_bytes()).into_owned();
		if !HOST_FUNCTIONS.contains(&symbol.as_str()) {
			return Err(format!("{name} imports `{symbol}`, which pallet-revive 0.20.2 lacks"));
		}
	}
	Ok(blob)
}

fn hex(bytes: &[u8]) -> String {
	bytes.iter().map(|b| format!("{b:02x}")).collect()
}
