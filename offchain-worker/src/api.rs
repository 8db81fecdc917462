//! The worker's HTTP status API (axum):
//!
//! | route | answer |
//! |---|---|
//! | `GET /status` | account, TEE, phase, chain tip, mempool, counts, last error |
//! | `GET /batches/recent?count=N` | the last N (1–100, default 10) batches |
//! | `GET /attestation` | the last quote and report data, the keys, the on-chain record |
//! | `GET /risk` | the oracle's score, level, policy and pending change |
//! | `GET /assets/{id}` | asset `id`'s protection record, read from the chain now |
//! | `GET /metrics` | Prometheus text |
//! | `POST /cosign` | `{"batch": "0x<SCALE>"}` → `{"signatures": "0x<SCALE>"}`: a redundancy
//! worker's co-signature of a batch it rebuilt itself (409 with the reason when it did not) |
//!
//! Bad requests get a 4xx with `{"error": "..."}`.

use crate::{chain::Chain, cluster::cosign::Cosigner, service::Shared};
use axum::{
	extract::{Path, RawQuery, State},
	http::{header, StatusCode},
	response::{IntoResponse, Response},
	routing::{get, post},
	Json, Router,
};
use serde_json::{json, Value};
use std::sync::Arc;

/// What the handlers share.
pub struct ApiState<C> {
	/// The worker's state.
	pub shared: Arc<Shared>,
	/// The chain (for live reads).
	pub chain: Arc<C>,
	/// The co-signing side.
	pub cosigner: Arc<Cosigner<C>>,
}

impl<C> Clone for ApiState<C> {
	fn clone(&self) -> Self {
		Self {
			shared: self.shared.clone(),
			chain: self.chain.clone(),
			cosigner: self.cosigner.clone(),
		}
	}
}

fn error(status: StatusCode, message: impl Into<String>) -> Response {
	(status, Json(json!({ "error": message.into() }))).into_response()
}

/// The router.
pub fn router<C: Chain>(state: ApiState<C>) -> Router {
	Router::new()
		.route("/status", get(status::<C>))
		.route("/batches/recent", get(recent::<C>))
		.route("/attestation", get(attestation::<C>))
		.route("/risk", get(risk::<C>))
		.route("/assets/{id}", get(asset::<C>))
		.route("/metrics", get(metrics::<C>))
		.route("/cosign", post(cosign::<C>))
		.fallback(|| async { error(StatusCode::NOT_FOUND, "no such endpoint") })
		.method_not_allowed_fallback(|| async {
			error(StatusCode::METHOD_NOT_ALLOWED, "only GET is served (and POST /cosign)")
		})
		.with_state(state)
}

/// Co-signs a batch this worker rebuilt itself.
async fn cosign<C: Chain>(State(s): State<ApiState<C>>, Json(body): Json<Value>) -> Response {
	use codec::DecodeAll;
	let Some(hex_batch) = body.get("batch").and_then(Value::as_str) else {
		return error(StatusCode::BAD_REQUEST, "expected {\"batch\": \"0x<SCALE>\"}");
	};
	let batch = hex::decode(hex_batch.trim_start_matches("0x"))
		.ok()
		.and_then(|b| aegis_primitives::batch::Batch::decode_all(&mut &b[..]).ok());
	let Some(batch) = batch else {
		return error(StatusCode::BAD_REQUEST, "batch is not a hex SCALE-encoded batch");
	};
	match s.cosigner.cosign(batch).await {
		Ok(signatures) => {
			use codec::Encode;
			Json(json!({ "signatures": format!("0x{}", hex::encode(signatures.encode())) }))
				.into_response()
		}
		Err(reason) => error(StatusCode::CONFLICT, reason),
	}
}

async fn status<C: Chain>(State(s): State<ApiState<C>>) -> Json<Value> {
	let st = s.shared.status.read().unwrap_or_else(|e| e.into_inner());
	let m = &s.shared.metrics;
	let chain = st.snapshot.as_ref().map(|snap| {
		json!({
			"finalized": snap.number,
			"finalized_hash": format!("{:?}", snap.hash),
			"rule": snap.rule.config_name(),
			"next_batch_sequence": snap.batches.next_sequence,
			"pending_total": snap.pending_total,
			"cluster_key_epoch": snap.cluster.current.as_ref().map(|k| k.epoch),
			"cluster": cluster_json(snap),
			"held_epochs": snap.cluster.epochs_held_by(&s.shared.account),
			"registered": snap.me.is_some(),
			"active": snap.me.as_ref().is_some_and(|w| w.state == pallet_tee_registry::WorkerState::Active),
		})
	});
	Json(json!({
		"account": s.shared.account.to_string(),
		"tee": s.shared.backend,
		"platform": s.shared.platform,
		"phase": st.phase,
		"key_generation": st.generation,
		"chain": chain,
		"mempool": st.mempool,
		"batches_committed": m.batches.get(),
		"entries_committed": m.entries.get(),
		"entries_rejected": m.rejected.get(),
		"last_error": st.last_error,
		"cluster": st.cluster,
	}))
}

/// The cluster as the chain shows it: epochs, holders, copies, leadership.
fn cluster_json(snap: &crate::chain::Snapshot) -> Value {
	let v = &snap.cluster;
	let names = |who: &[aegis_runtime::AccountId]| -> Vec<String> {
		who.iter().map(|a| a.to_string()).collect()
	};
	json!({
		"current_epoch": v.current.as_ref().map(|k| k.epoch),
		"pending": v.pending.as_ref().map(|p| json!({
			"epoch": p.key.epoch,
			"published_by": p.key.published_by.to_string(),
			"deadline": p.deadline,
		})),
		"previous": v.previous.map(|(epoch, until)| json!({"epoch": epoch, "grace_until": until})),
		"rekey": v.rekey.map(|(deadline, reason)| json!({
			"deadline": deadline,
			"reason": format!("{reason:?}"),
		})),
		"served": v.served,
		"holders": v.holders.iter().map(|(e, who)| json!({"epoch": e, "workers": names(who)}))
			.collect::<Vec<_>>(),
		"copies": v.copies.iter().map(|(e, from, to)| json!({
			"epoch": e, "from": from.to_string(), "to": to.to_string(),
		})).collect::<Vec<_>>(),
		"leader": v.leader.as_ref().map(|l| l.leader.to_string()),
		"term_start": v.leader.as_ref().map(|l| l.term_start),
		"last_progress": v.leader.as_ref().map(|l| l.last_progress),
		"term": v.term,
		"takeover_after": v.takeover_after,
		"redundancy": {
			"enabled": v.redundancy.enabled,
			"min_cosigners": v.redundancy.min_cosigners,
			"diversity": format!("{:?}", v.diversity),
			"cosigners": v.cosigners.iter().map(|(who, endpoint)| json!({
				"account": who.to_string(),
				"endpoint": String::from_utf8_lossy(endpoint),
			})).collect::<Vec<_>>(),
		},
		"order": names(&v.order),
		"workers": snap.workers.iter().map(|w| json!({
			"account": w.account.to_string(),
			"role": format!("{:?}", w.info.role),
		})).collect::<Vec<_>>(),
	})
}

async fn recent<C: Chain>(State(s): State<ApiState<C>>, RawQuery(q): RawQuery) -> Response {
	let mut count = 10usize;
	for pair in q.as_deref().unwrap_or("").split('&').filter(|p| !p.is_empty()) {
		match pair.split_once('=') {
			Some(("count", v)) => match v.parse::<usize>() {
				Ok(n) if (1..=crate::service::RECENT_BATCHES).contains(&n) => count = n,
				_ => {
					return error(
						StatusCode::BAD_REQUEST,
						format!(
							"count must be an integer from 1 to {}",
							crate::service::RECENT_BATCHES
						),
					)
				}
			},
			_ => {
				return error(StatusCode::BAD_REQUEST, format!("unknown query parameter `{pair}`"))
			}
		}
	}
	let st = s.shared.status.read().unwrap_or_else(|e| e.into_inner());
	let batches: Vec<_> = st.batches.iter().rev().take(count).cloned().collect();
	Json(json!({ "batches": batches })).into_response()
}

async fn attestation<C: Chain>(State(s): State<ApiState<C>>) -> Json<Value> {
	let st = s.shared.status.read().unwrap_or_else(|e| e.into_inner());
	let on_chain = st.snapshot.as_ref().and_then(|snap| snap.me.as_ref()).map(|w| {
		json!({
			"state": format!("{:?}", w.state),
			"tee": format!("{:?}", w.tee),
			"tcb": format!("{:?}", w.tcb),
			"platform": hex::encode(w.tcb.platform()),
			"role": format!("{:?}", w.role),
			"registered_at": w.registered_at,
			"attested_at": w.attested_at,
			"expires_at": w.expires_at,
			"last_heartbeat": w.last_heartbeat,
		})
	});
	Json(json!({
		"account": s.shared.account.to_string(),
		"tee": s.shared.backend,
		"last": st.attestation,
		"keys": st.keys,
		"on_chain": on_chain,
	}))
}

async fn risk<C: Chain>(State(s): State<ApiState<C>>) -> Response {
	let st = s.shared.status.read().unwrap_or_else(|e| e.into_inner());
	let Some(snap) = st.snapshot.as_ref() else {
		return error(StatusCode::SERVICE_UNAVAILABLE, "the chain has not been read yet");
	};
	let r = &snap.risk;
	let suites = |set: aegis_primitives::risk::SuiteSet| -> Vec<&'static str> {
		set.iter().map(|s| s.name()).collect()
	};
	Json(json!({
		"block": snap.number,
		"score": r.score.get(),
		"level": format!("{:?}", r.level),
		"stale": r.stale,
		"last_updated": r.last_updated,
		"pending": r.pending.map(|(level, at)| json!({ "level": format!("{level:?}"), "at": at })),
		"policy": {
			"batch_suites": suites(r.policy.batch_suites),
			"checkpoint_suites": suites(r.policy.checkpoint_suites),
			"key_rotation_blocks": r.policy.key_rotation_blocks,
		},
	}))
	.into_response()
}

async fn asset<C: Chain>(State(s): State<ApiState<C>>, Path(id): Path<String>) -> Response {
	let Ok(id) = id.parse::<u32>() else {
		return error(StatusCode::BAD_REQUEST, format!("asset id `{id}` is not a u32"));
	};
	match s.chain.asset_protection(id, None).await {
		Ok(Some(a)) => Json(json!({
			"id": id,
			"asset_type": format!("{:?}", a.asset_type),
			"tier": format!("{:?}", a.policy.tier()),
			"policy": {
				"allowed_operations": a.policy.allowed_operations.iter().map(|o| format!("{o:?}")).collect::<Vec<_>>(),
				"requires_pqc": a.policy.requires_pqc,
				"requires_tee": a.policy.requires_tee,
				"risk_threshold": a.policy.risk_threshold.get(),
			},
			"migration": format!("{:?}", a.migration),
			"owner": a.owner.map(|o| o.to_string()),
			"deposit": a.deposit.to_string(),
			"chain_id": a.chain_id,
			"location": String::from_utf8_lossy(&a.location),
		}))
		.into_response(),
		Ok(None) => error(StatusCode::NOT_FOUND, format!("asset {id} is not protected")),
		Err(e) => error(StatusCode::BAD_GATEWAY, e.to_string()),
	}
}

async fn metrics<C: Chain>(State(s): State<ApiState<C>>) -> Response {
	(
		[(header::CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8")],
		s.shared.metrics.render(),
	)
		.into_response()
}
