//! `aegis-worker`: the QuantumAegis TEE worker service.

use aegis_worker::{
	api,
	chain::RpcChain,
	config::{Config, ConfigError},
	service::Worker,
	tee,
};
use clap::Parser;
use std::{path::PathBuf, sync::Arc, time::Duration};

/// The QuantumAegis TEE worker: enrols with a DCAP quote, decrypts, orders, signs (ML-DSA-87,
/// SLH-DSA-SHA2-256s) and commits batches; serves a status API.
#[derive(Debug, Parser)]
#[command(version)]
struct Cli {
	/// The TOML configuration file (see worker.example.toml); without it, defaults.
	#[arg(long, short)]
	config: Option<PathBuf>,
	/// Overrides `[tee] backend` (sim, tdx, sgx, dstack).
	#[arg(long)]
	tee: Option<String>,
	/// Overrides `[chain] rpc_url`.
	#[arg(long)]
	rpc_url: Option<String>,
	/// Overrides `[chain] dev_funder` (development chains: a dev account such as //Alice).
	#[arg(long)]
	dev_funder: Option<String>,
	/// Overrides `[api] listen`.
	#[arg(long)]
	listen: Option<String>,
	/// Overrides `[worker] data_dir`.
	#[arg(long)]
	data_dir: Option<PathBuf>,
	/// Overrides `[worker] batch_min`.
	#[arg(long)]
	batch_min: Option<u32>,
	/// Overrides `[worker] batch_max`.
	#[arg(long)]
	batch_max: Option<u32>,
	/// Overrides `[worker] max_wait_ms`.
	#[arg(long)]
	max_wait_ms: Option<u64>,
	/// Overrides `[quantum] ordering`.
	#[arg(long)]
	ordering: Option<String>,
	/// Overrides `[api] public_url`.
	#[arg(long)]
	public_url: Option<String>,
	/// Overrides `[worker] role` (primary, redundancy).
	#[arg(long)]
	role: Option<String>,
	/// How long to keep trying to reach the node at start, in seconds.
	#[arg(long, default_value_t = 120)]
	connect_timeout: u64,
}

fn configure(cli: &Cli) -> Result<aegis_worker::config::Settings, ConfigError> {
	let mut config = match &cli.config {
		Some(path) => Config::load(path)?,
		None => Config::default(),
	};
	if let Some(v) = &cli.tee {
		config.tee.backend = v.clone();
	}
	if let Some(v) = &cli.rpc_url {
		config.chain.rpc_url = v.clone();
	}
	if let Some(v) = &cli.dev_funder {
		config.chain.dev_funder = Some(v.clone());
	}
	if let Some(v) = &cli.listen {
		config.api.listen = v.clone();
	}
	if let Some(v) = &cli.data_dir {
		config.worker.data_dir = v.clone();
	}
	if let Some(v) = cli.batch_min {
		config.worker.batch_min = v;
	}
	if let Some(v) = cli.batch_max {
		config.worker.batch_max = Some(v);
	}
	if let Some(v) = cli.max_wait_ms {
		config.worker.max_wait_ms = v;
	}
	if let Some(v) = &cli.ordering {
		config.quantum.ordering = v.clone();
	}
	if let Some(v) = &cli.public_url {
		config.api.public_url = Some(v.clone());
	}
	if let Some(v) = &cli.role {
		config.worker.role = v.clone();
	}
	config.check()
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
	tracing_subscriber::fmt()
		.with_writer(std::io::stderr)
		.with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
		.with_env_filter(
			tracing_subscriber::EnvFilter::try_from_default_env()
				.unwrap_or_else(|_| "info,jsonrpsee=warn,subxt=warn".into()),
		)
		.init();
	let cli = Cli::parse();
	match run(cli).await {
		Ok(()) => std::process::ExitCode::SUCCESS,
		Err(e) => {
			eprintln!("aegis-worker: {e}");
			std::process::ExitCode::FAILURE
		}
	}
}

async fn run(cli: Cli) -> Result<(), Box<dyn std::error::Error>> {
	let settings = configure(&cli)?;
	let tee: Arc<dyn tee::Tee> = Arc::from(tee::open(&settings)?);
	let url = settings.raw.chain.rpc_url.clone();
	let deadline = tokio::time::Instant::now() + Duration::from_secs(cli.connect_timeout);
	let chain = loop {
		match RpcChain::connect(&url, settings.raw.chain.retries).await {
			Ok(c) => break Arc::new(c),
			Err(e) if e.is_transient() && tokio::time::Instant::now() < deadline => {
				tracing::info!("waiting for the node at {url}: {e}");
				tokio::time::sleep(Duration::from_secs(1)).await;
			}
			Err(e) => return Err(e.into()),
		}
	};
	let listen = settings.listen;
	let worker = Worker::new(chain.clone(), tee, settings)?;
	let shared = worker.shared();
	tracing::info!(account = %shared.account, tee = %shared.backend, "worker keys unsealed");
	worker.ensure_funds().await?;

	let listener = tokio::net::TcpListener::bind(listen)
		.await
		.map_err(|e| format!("api.listen {listen}: {e}"))?;
	let local = listener.local_addr()?;
	println!("aegis-worker status API listening on http://{local}");
	let cosigner = worker.cosigner();
	let router = api::router(api::ApiState { shared, chain, cosigner });
	let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
	let mut api_stop = stop_rx.clone();
	let server = tokio::spawn(async move {
		axum::serve(listener, router)
			.with_graceful_shutdown(async move {
				let _ = api_stop.wait_for(|s| *s).await;
			})
			.await
	});
	let mut worker_stop = stop_rx;
	let shutdown = async move {
		let _ = worker_stop.wait_for(|s| *s).await;
	};
	let signals = async move {
		let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
			.expect("SIGTERM handler");
		tokio::select! {
			_ = tokio::signal::ctrl_c() => {}
			_ = term.recv() => {}
		}
		tracing::info!("shutting down");
		let _ = stop_tx.send(true);
	};
	tokio::join!(worker.run(shutdown), signals);
	server.await??;
	Ok(())
}
