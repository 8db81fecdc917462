//! `aegis`: the QuantumAegis user client. Sends calls encrypted to the attested sequencer and
//! reads the risk oracle and the worker registry.
//!
//! ```text
//! aegis submit --from //Alice transfer --to //Bob --amount 1.5
//! aegis risk
//! aegis workers
//! aegis attestation verify report.bin --kind snp --collateral vcek.der
//! ```

use aegis_runtime::{AccountId, RuntimeCall, UNIT};
use aegis_worker::{
	chain::RpcChain,
	client::{self, Outcome},
	load,
};
use clap::{Parser, Subcommand};
use sp_core::{crypto::Ss58Codec, sr25519, Pair};
use std::time::Duration;

#[derive(Debug, Parser)]
#[command(version, about = "QuantumAegis client: encrypted submission, risk and workers")]
struct Cli {
	/// The node's WebSocket RPC endpoint.
	#[arg(long, global = true, default_value = "ws://127.0.0.1:9944")]
	rpc_url: String,
	#[command(subcommand)]
	command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
	/// Encrypts a call to the attested cluster key, submits it and waits for its execution.
	Submit {
		/// The signer: a secret URI (`//Alice`, a mnemonic, or 0x-hex seed).
		#[arg(long)]
		from: String,
		/// Return once submitted, without waiting for the sequencer.
		#[arg(long)]
		no_wait: bool,
		/// How long to wait for execution, in seconds.
		#[arg(long, default_value_t = 120)]
		timeout: u64,
		#[command(subcommand)]
		call: CallArg,
	},
	/// The risk oracle's score, level and policy.
	Risk,
	/// The active attested workers.
	Workers,
	/// Measures the chain under load: plain and encrypted transfers from many funded
	/// accounts, every transaction signed before the clock starts, each followed to its
	/// outcome. Writes a JSON report and an SVG chart.
	Load(LoadArgs),
	/// Writes the protocol's test vectors (docs/protocol.md) as JSON files, computed by the
	/// code the chain and the worker run; with `--check`, fails if the files there differ.
	/// Attestation evidence tools for operators.
	#[command(subcommand)]
	Attestation(AttestationCommand),
	ProtocolVectors {
		/// The directory.
		#[arg(long, default_value = "docs/vectors")]
		out: std::path::PathBuf,
		/// Compare instead of writing.
		#[arg(long)]
		check: bool,
	},
}

#[derive(Debug, Subcommand)]
enum AttestationCommand {
	/// Verifies a quote, report or document exactly as the chain does (same library, same
	/// default policy) and prints a JSON verdict: exit 0 when it is genuine and valid at
	/// `--now`, 1 when not. What the chain's default policy would refuse besides is listed
	/// in `policy`.
	Verify {
		/// The evidence: a DCAP quote (sgx, tdx), an SEV-SNP report (snp) or a Nitro
		/// attestation document (nitro); raw or hex.
		file: std::path::PathBuf,
		/// sgx, tdx, snp or nitro.
		#[arg(long)]
		kind: String,
		/// sgx/tdx: the PCCS collateral JSON; snp: the VCEK or VLEK certificate (DER or
		/// PEM, optionally followed by its ASK and ARK). Nitro documents carry their chain.
		#[arg(long)]
		collateral: Option<std::path::PathBuf>,
		/// The time to verify at, in Unix seconds (default: now).
		#[arg(long)]
		now: Option<u64>,
		/// Trust this root (DER or PEM) instead of the vendor's; repeatable.
		#[arg(long)]
		root: Vec<std::path::PathBuf>,
		/// Also trust the simulators' dev roots (what dev chains trust).
		#[arg(long)]
		dev: bool,
		/// An allowed measurement (SCALE hex, as in chain specs); repeatable. Without one,
		/// the measurement is not checked.
		#[arg(long)]
		allow: Vec<String>,
	},
}

#[derive(Debug, clap::Args)]
struct LoadArgs {
	/// Sending accounts (`{seed}//0`, `{seed}//1`, ...), funded by `--funder`.
	#[arg(long, default_value_t = 64)]
	accounts: u32,
	/// Transactions per account and run.
	#[arg(long, default_value_t = 40)]
	per_account: u32,
	/// Offered rates (transactions/s), comma-separated; 0 sends as fast as the node
	/// accepts.
	#[arg(long, value_delimiter = ',', default_value = "0")]
	rates: Vec<f64>,
	/// The modes, comma-separated: `plain`, `encrypted`.
	#[arg(long, value_delimiter = ',', default_value = "plain,encrypted")]
	modes: Vec<aegis_worker::load::Mode>,
	/// RPC connections to send over.
	#[arg(long, default_value_t = 4)]
	connections: usize,
	/// Requests in flight per connection.
	#[arg(long, default_value_t = 32)]
	in_flight: usize,
	/// Spread each account's transactions over all connections, so that they reach the
	/// node out of nonce order (as from a naive client).
	#[arg(long)]
	spread: bool,
	/// Seconds without any outcome before the rest is counted as pending or lost.
	#[arg(long, default_value_t = 30)]
	settle: u64,
	/// The dev account that funds the senders.
	#[arg(long, default_value = "//Alice")]
	funder: String,
	/// The senders' derivation root.
	#[arg(long, default_value = "//load")]
	seed: String,
	/// Workers' metrics endpoints (`host:port`), comma-separated, for pipeline timings
	/// and resident memory.
	#[arg(long, value_delimiter = ',')]
	worker_metrics: Vec<String>,
	/// The JSON report.
	#[arg(long, default_value = "load.json")]
	out: std::path::PathBuf,
	/// The SVG chart.
	#[arg(long, default_value = "load.svg")]
	chart: std::path::PathBuf,
	/// Exit with failure if any accepted transaction was lost or any outcome is not an
	/// execution (for tests and CI).
	#[arg(long)]
	strict: bool,
}

#[derive(Debug, Subcommand)]
enum CallArg {
	/// A balance transfer.
	Transfer {
		/// The recipient: an SS58 address or a dev URI such as //Bob.
		#[arg(long)]
		to: String,
		/// The amount in units (12 decimals), e.g. `1.5`.
		#[arg(long)]
		amount: String,
	},
	/// A remark (with an event).
	Remark {
		/// The remark's text.
		text: String,
	},
}

fn parse_amount(s: &str) -> Result<u128, String> {
	let (whole, frac) = s.split_once('.').unwrap_or((s, ""));
	if frac.len() > 12 || whole.is_empty() && frac.is_empty() {
		return Err(format!("`{s}` is not an amount with at most 12 decimals"));
	}
	let digits = |d: &str| d.chars().all(|c| c.is_ascii_digit());
	if !digits(whole) || !digits(frac) {
		return Err(format!("`{s}` is not a decimal amount"));
	}
	let whole: u128 = if whole.is_empty() {
		0
	} else {
		whole.parse().map_err(|_| format!("`{s}` is too large"))?
	};
	let frac: u128 = format!("{frac:0<12}").parse().map_err(|_| format!("`{s}`: bad decimals"))?;
	whole
		.checked_mul(UNIT)
		.and_then(|w| w.checked_add(frac))
		.ok_or_else(|| format!("`{s}` is too large"))
}

fn account(s: &str) -> Result<AccountId, String> {
	if let Some(pair) = aegis_worker::keys::dev_pair(s) {
		return Ok(pair.public().into());
	}
	AccountId::from_ss58check(s).map_err(|e| format!("`{s}` is not an SS58 address: {e:?}"))
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
	let cli = Cli::parse();
	match run(cli).await {
		Ok(()) => std::process::ExitCode::SUCCESS,
		Err(e) => {
			eprintln!("aegis: {e}");
			std::process::ExitCode::FAILURE
		}
	}
}

/// `aegis attestation verify`: prints the verdict; `Ok(false)` when the evidence does not verify.
fn verify_attestation(command: &AttestationCommand) -> Result<bool, Box<dyn std::error::Error>> {
	use aegis_worker::verdict;
	use codec::DecodeAll as _;
	let AttestationCommand::Verify { file, kind, collateral, now, root, dev, allow } = command;
	let read = |p: &std::path::Path| std::fs::read(p).map_err(|e| format!("{}: {e}", p.display()));
	let tee = verdict::parse_kind(kind)
		.ok_or_else(|| format!("--kind `{kind}`: one of sgx, tdx, snp, nitro"))?;
	let evidence = verdict::evidence_bytes(&read(file)?);
	let collateral = collateral.as_deref().map(read).transpose()?;
	let roots = if root.is_empty() {
		verdict::default_roots(tee, *dev)
	} else {
		let mut roots = Vec::new();
		for path in root {
			roots.push(
				verdict::certificate_der(&read(path)?)
					.ok_or_else(|| format!("{}: not a certificate", path.display()))?,
			);
		}
		roots
	};
	let mut allowed = Vec::new();
	for m in allow {
		let bytes =
			hex::decode(m.trim_start_matches("0x")).map_err(|e| format!("--allow {m}: {e}"))?;
		allowed.push(
			aegis_attestation::Measurement::decode_all(&mut &bytes[..])
				.map_err(|e| format!("--allow {m}: {e}"))?,
		);
	}
	let now = match now {
		Some(t) => *t,
		None => std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH)?.as_secs(),
	};
	let (ok, json) = verdict::verdict(tee, &evidence, collateral.as_deref(), &roots, now, &allowed);
	println!("{}", serde_json::to_string_pretty(&json)?);
	Ok(ok)
}

async fn run(cli: Cli) -> Result<(), Box<dyn std::error::Error>> {
	if let Command::Attestation(command) = &cli.command {
		if !verify_attestation(command)? {
			std::process::exit(1);
		}
		return Ok(());
	}
	if let Command::ProtocolVectors { out, check } = &cli.command {
		if *check {
			aegis_worker::vectors::check_dir(out)?;
			println!("{}: every vector matches", out.display());
		} else {
			for path in aegis_worker::vectors::write(out)? {
				println!("wrote {path}");
			}
		}
		return Ok(());
	}
	if let Command::Load(args) = cli.command {
		let settings = load::Settings {
			accounts: args.accounts,
			per_account: args.per_account,
			rates: args.rates,
			modes: args.modes,
			connections: args.connections,
			in_flight: args.in_flight,
			spread: args.spread,
			settle: Duration::from_secs(args.settle),
			funder: args.funder,
			seed: args.seed,
			worker_metrics: args.worker_metrics,
			..load::Settings::new(&cli.rpc_url)
		};
		let report = load::run(&settings).await?;
		std::fs::write(&args.out, serde_json::to_vec_pretty(&report)?)?;
		load::chart(&report, &args.chart)?;
		for r in &report.runs {
			println!("{}", load::summary_line(r));
		}
		println!("report: {}  chart: {}", args.out.display(), args.chart.display());
		if args.strict {
			let bad: Vec<String> = report
				.runs
				.iter()
				.filter(|r| r.lost + r.pending + r.failed + r.rejected + r.expired + r.refused > 0)
				.map(load::summary_line)
				.collect();
			if !bad.is_empty() {
				return Err(format!("not every transaction executed: {}", bad.join("; ")).into());
			}
		}
		return Ok(());
	}
	let chain = RpcChain::connect(&cli.rpc_url, 3).await?;
	match cli.command {
		Command::Load(_) | Command::ProtocolVectors { .. } | Command::Attestation(_) => {
			unreachable!("handled above")
		}
		Command::Submit { from, no_wait, timeout, call } => {
			let signer = sr25519::Pair::from_string(&from, None)
				.map_err(|e| format!("--from `{from}`: {e:?}"))?;
			let call = match call {
				CallArg::Transfer { to, amount } => {
					RuntimeCall::Balances(pallet_balances::Call::transfer_keep_alive {
						dest: account(&to)?.into(),
						value: parse_amount(&amount)?,
					})
				}
				CallArg::Remark { text } => {
					RuntimeCall::System(frame_system::Call::remark_with_event {
						remark: text.into_bytes(),
					})
				}
			};
			let key = client::checked_cluster_key(&chain).await?;
			println!(
				"cluster key epoch {} published by attested worker {}",
				key.epoch, key.publisher
			);
			let submitted = client::submit_encrypted(&chain, &signer, &call, &key).await?;
			println!(
				"submitted encrypted: submission #{} (block {})",
				submitted.id, submitted.block
			);
			if no_wait {
				return Ok(());
			}
			let outcome = client::wait_outcome(
				&chain,
				submitted.id,
				submitted.block,
				Duration::from_secs(timeout),
			)
			.await?;
			let elapsed = submitted.at.elapsed();
			match outcome {
				Outcome::Executed { block, result: Ok(()) } => {
					println!("executed in block {block} ({elapsed:.1?} after submission)")
				}
				Outcome::Executed { block, result: Err(e) } => {
					return Err(
						format!("sequenced in block {block}, but the call failed: {e}").into()
					)
				}
				Outcome::Rejected { block, reason } => {
					return Err(
						format!("rejected by the worker in block {block}: {reason:?}").into()
					)
				}
				Outcome::Expired { block } => {
					return Err(
						format!("expired unsequenced in block {block}; deposit refunded").into()
					)
				}
			}
		}
		Command::Risk => {
			let r = chain.risk_status(None).await?;
			let suites = |s: aegis_primitives::risk::SuiteSet| {
				s.iter().map(|s| s.name()).collect::<Vec<_>>().join(" + ")
			};
			println!("score        {} / 10000", r.score.get());
			println!("level        {:?}{}", r.level, if r.stale { " (stale)" } else { "" });
			println!("batches need {}", suites(r.policy.batch_suites));
			println!("checkpoints  {}", suites(r.policy.checkpoint_suites));
			println!("key rotation every {} blocks", r.policy.key_rotation_blocks);
			if let Some((level, at)) = r.pending {
				println!("pending      {level:?} at block {at}");
			}
		}
		Command::Workers => {
			let workers = chain.active_workers(None).await?;
			if workers.is_empty() {
				println!("no active workers");
			}
			for w in workers {
				println!(
					"{}  {:?} {:?} tcb={:?} attested@{} expires@{} heartbeat@{}",
					w.account,
					w.info.tee,
					w.info.role,
					w.info.tcb,
					w.info.attested_at,
					w.info.expires_at,
					w.info.last_heartbeat
				);
			}
		}
	}
	Ok(())
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn amounts_parse_with_up_to_twelve_decimals() {
		assert_eq!(parse_amount("1").unwrap(), UNIT);
		assert_eq!(parse_amount("1.5").unwrap(), UNIT + UNIT / 2);
		assert_eq!(parse_amount("0.000000000001").unwrap(), 1);
		assert_eq!(parse_amount(".25").unwrap(), UNIT / 4);
		for bad in [
			"",
			".",
			"1.0000000000001",
			"-1",
			"1e3",
			"abc",
			"340282366920938463463374607431768211455",
		] {
			assert!(parse_amount(bad).is_err(), "{bad}");
		}
	}

	#[test]
	fn recipients_are_dev_uris_or_ss58() {
		let bob = account("//Bob").unwrap();
		assert_eq!(account(&bob.to_ss58check()).unwrap(), bob);
		assert!(account("bob").is_err());
	}
}
