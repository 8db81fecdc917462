//! What the runtime's metadata promises: standard clients can decode it, and every
//! `pallet-assets` call it lists is classified by the asset it touches.
//!
//! polkadot.js (`@polkadot/types`, what polkadot.js apps, most wallets and explorers are built
//! on) refuses to initialise when *any* type in the metadata is a fixed array longer than 2048
//! elements, wherever it is used: storage, calls, events, errors, constants or runtime APIs.
//! This walks every metadata version the runtime serves and names each such array and the
//! types that hold it. The clients themselves are tested against a dev node by
//! `tests/clients` (`npm test`).

#![allow(clippy::indexing_slicing)]

use aegis_primitives::assets::Operation;
use aegis_runtime::{configs::RuntimeCallClassifier, Runtime, RuntimeCall};
use codec::Decode;
use frame_metadata::{RuntimeMetadata, RuntimeMetadataPrefixed};
use pallet_sequencer::{CallClass, CallClassifier};
use scale_info::{form::PortableForm, PortableRegistry, TypeDef};

/// The longest fixed array `@polkadot/types` accepts (`PortableRegistry#extractArray`).
const POLKADOT_JS_MAX_ARRAY_LEN: u32 = 2048;

/// The metadata clients get: through the runtime API, as a node serves it.
fn metadata(version: u32) -> RuntimeMetadata {
	let opaque = aegis_runtime::metadata::at_version(version).expect("a version the runtime lists");
	RuntimeMetadataPrefixed::decode(&mut &opaque[..]).expect("metadata decodes").1
}

fn registry(version: u32) -> PortableRegistry {
	match metadata(version) {
		RuntimeMetadata::V14(m) => m.types,
		RuntimeMetadata::V15(m) => m.types,
		RuntimeMetadata::V16(m) => m.types,
		other => panic!("metadata version {} is not one this test knows", other.version()),
	}
}

/// Whether type `id` is `u8`.
fn is_u8(types: &PortableRegistry, id: u32) -> bool {
	matches!(
		types.resolve(id).map(|t| &t.type_def),
		Some(TypeDef::Primitive(scale_info::TypeDefPrimitive::U8))
	)
}

/// The paths of the types with a field, variant field or element of type `id`.
fn holders(types: &PortableRegistry, id: u32) -> Vec<String> {
	let refers = |def: &TypeDef<PortableForm>| match def {
		TypeDef::Composite(c) => c.fields.iter().any(|f| f.ty.id == id),
		TypeDef::Variant(v) => v.variants.iter().any(|v| v.fields.iter().any(|f| f.ty.id == id)),
		TypeDef::Sequence(s) => s.type_param.id == id,
		TypeDef::Array(a) => a.type_param.id == id,
		TypeDef::Tuple(t) => t.fields.iter().any(|f| f.id == id),
		TypeDef::Compact(c) => c.type_param.id == id,
		_ => false,
	};
	types
		.types
		.iter()
		.filter(|t| refers(&t.ty.type_def))
		.map(|t| format!("{} (type {})", t.ty.path.segments.join("::"), t.id))
		.collect()
}

#[test]
fn no_fixed_array_in_any_metadata_version_exceeds_what_polkadot_js_decodes() {
	let versions = Runtime::metadata_versions();
	assert!(versions.contains(&14) && versions.contains(&15), "served versions: {versions:?}");
	for version in versions {
		let types = registry(version);
		let too_long: Vec<String> = types
			.types
			.iter()
			.filter_map(|t| match &t.ty.type_def {
				TypeDef::Array(a) if a.len > POLKADOT_JS_MAX_ARRAY_LEN => Some(format!(
					"type {}: [_; {}], held by {:?}",
					t.id,
					a.len,
					holders(&types, t.id)
				)),
				_ => None,
			})
			.collect();
		assert!(too_long.is_empty(), "metadata v{version}: {too_long:#?}");
	}
}

#[test]
fn the_ml_dsa_key_is_described_as_two_halves_of_the_same_bytes() {
	for version in Runtime::metadata_versions() {
		let types = registry(version);
		let named = |name: &str| {
			types
				.types
				.iter()
				.find(|t| t.ty.path.segments.last().is_some_and(|s| s == name))
				.unwrap_or_else(|| panic!("{name} is in the v{version} metadata"))
		};
		let key = named("MlDsa87PublicKey");
		let TypeDef::Composite(keys) = &named("EnclaveKeys").ty.type_def else { panic!("struct") };
		let ml_dsa = keys.fields.iter().find(|f| f.name.as_deref() == Some("ml_dsa"));
		assert_eq!(ml_dsa.map(|f| f.ty.id), Some(key.id), "EnclaveKeys.ml_dsa is the key type");
		let TypeDef::Composite(c) = &key.ty.type_def else { panic!("a composite: {:?}", key.ty) };
		let [field] = &c.fields[..] else { panic!("one field: {c:?}") };
		let outer = types.resolve(field.ty.id).expect("field type");
		let TypeDef::Array(outer) = &outer.type_def else { panic!("an array: {outer:?}") };
		let inner = types.resolve(outer.type_param.id).expect("element type");
		let TypeDef::Array(inner) = &inner.type_def else { panic!("an array: {inner:?}") };
		assert!(is_u8(&types, inner.type_param.id), "the halves are bytes");
		assert_eq!(
			(outer.len * inner.len) as usize,
			aegis_primitives::pqc::ML_DSA_87_PUBLIC_KEY_LEN,
			"the halves cover the whole key"
		);
	}
}

/// Every `pallet-assets` call the metadata lists, with the class the sequencer's policies must
/// see: `(operation, migration)`. A call missing here fails the test below, so an upgrade that
/// adds one is classified before it ships (the classifier itself has no wildcard arm).
fn expected_asset_call_class(name: &str) -> Option<(Operation, bool)> {
	use Operation::*;
	Some(match name {
		"transfer" | "transfer_keep_alive" | "transfer_all" | "force_transfer" => (Transfer, false),
		"transfer_approved" => (Transfer, true),
		"approve_transfer" | "cancel_approval" | "force_cancel_approval" => (Approve, false),
		"mint" => (Mint, false),
		// `refund` is sampled with `allow_burn`; without it, it is `Manage` (checked below).
		"burn" | "refund" | "start_destroy" | "destroy_accounts" => (Burn, false),
		"create"
		| "force_create"
		| "destroy_approvals"
		| "finish_destroy"
		| "freeze"
		| "thaw"
		| "freeze_asset"
		| "thaw_asset"
		| "transfer_ownership"
		| "set_team"
		| "set_metadata"
		| "clear_metadata"
		| "force_set_metadata"
		| "force_clear_metadata"
		| "force_asset_status"
		| "set_min_balance"
		| "touch"
		| "touch_other"
		| "refund_other"
		| "block"
		| "set_reserves" => (Manage, false),
		_ => return None,
	})
}

/// The call `name` of `pallet-assets` on asset `id`, with arbitrary other arguments.
fn asset_call(name: &str, id: u32) -> pallet_assets::Call<Runtime> {
	use pallet_assets::Call as A;
	let who: aegis_runtime::Address = sp_runtime::MultiAddress::Id([7u8; 32].into());
	let id = codec::Compact(id);
	match name {
		"create" => A::create { id, admin: who, min_balance: 1 },
		"force_create" => A::force_create { id, owner: who, is_sufficient: false, min_balance: 1 },
		"start_destroy" => A::start_destroy { id },
		"destroy_accounts" => A::destroy_accounts { id },
		"destroy_approvals" => A::destroy_approvals { id },
		"finish_destroy" => A::finish_destroy { id },
		"mint" => A::mint { id, beneficiary: who, amount: 1 },
		"burn" => A::burn { id, who, amount: 1 },
		"transfer" => A::transfer { id, target: who, amount: 1 },
		"transfer_keep_alive" => A::transfer_keep_alive { id, target: who, amount: 1 },
		"force_transfer" => A::force_transfer { id, source: who.clone(), dest: who, amount: 1 },
		"freeze" => A::freeze { id, who },
		"thaw" => A::thaw { id, who },
		"freeze_asset" => A::freeze_asset { id },
		"thaw_asset" => A::thaw_asset { id },
		"transfer_ownership" => A::transfer_ownership { id, owner: who },
		"set_team" => A::set_team { id, issuer: who.clone(), admin: who.clone(), freezer: who },
		"set_metadata" => A::set_metadata { id, name: vec![], symbol: vec![], decimals: 0 },
		"clear_metadata" => A::clear_metadata { id },
		"force_set_metadata" => A::force_set_metadata {
			id,
			name: vec![],
			symbol: vec![],
			decimals: 0,
			is_frozen: false,
		},
		"force_clear_metadata" => A::force_clear_metadata { id },
		"force_asset_status" => A::force_asset_status {
			id,
			owner: who.clone(),
			issuer: who.clone(),
			admin: who.clone(),
			freezer: who,
			min_balance: 1,
			is_sufficient: false,
			is_frozen: false,
		},
		"approve_transfer" => A::approve_transfer { id, delegate: who, amount: 1 },
		"cancel_approval" => A::cancel_approval { id, delegate: who },
		"force_cancel_approval" => {
			A::force_cancel_approval { id, owner: who.clone(), delegate: who }
		}
		"transfer_approved" => {
			A::transfer_approved { id, owner: who.clone(), destination: who, amount: 1 }
		}
		"touch" => A::touch { id },
		"refund" => A::refund { id, allow_burn: true },
		"set_min_balance" => A::set_min_balance { id, min_balance: 1 },
		"touch_other" => A::touch_other { id, who },
		"refund_other" => A::refund_other { id, who },
		"block" => A::block { id, who },
		"transfer_all" => A::transfer_all { id, dest: who, keep_alive: false },
		"set_reserves" => A::set_reserves { id, reserves: Default::default() },
		other => panic!("no sample for pallet-assets call {other}"),
	}
}

#[test]
fn every_assets_call_in_the_metadata_is_classified_by_the_token_it_touches() {
	let RuntimeMetadata::V15(metadata) = metadata(15) else { panic!("asked for v15") };
	let assets = metadata.pallets.iter().find(|p| p.name == "Assets").expect("Assets pallet");
	let calls = metadata.types.resolve(assets.calls.as_ref().expect("Assets has calls").ty.id);
	let Some(TypeDef::Variant(calls)) = calls.map(|t| &t.type_def) else { panic!("a call enum") };
	assert!(calls.variants.len() >= 30, "{} calls", calls.variants.len());
	for variant in &calls.variants {
		let name = variant.name.as_str();
		let (operation, migration) = expected_asset_call_class(name)
			.unwrap_or_else(|| panic!("pallet-assets call `{name}` has no expected class here"));
		let call = RuntimeCall::Assets(asset_call(name, 41));
		assert_eq!(
			RuntimeCallClassifier::classify(&call),
			CallClass { asset: Some(41), operation, migration },
			"pallet-assets call `{name}`"
		);
	}
	let keep = pallet_assets::Call::refund { id: codec::Compact(41), allow_burn: false };
	assert_eq!(
		RuntimeCallClassifier::classify(&RuntimeCall::Assets(keep)),
		CallClass { asset: Some(41), operation: Operation::Manage, migration: false },
	);
}

/// A runtime API method as metadata describes it: `(api, method, [(parameter, type id)])`.
type ApiMethod = (String, String, Vec<(String, u32)>);

/// Every runtime API method metadata `version` describes (v15 and later).
fn api_params(version: u32) -> Vec<ApiMethod> {
	macro_rules! params {
		($apis:expr) => {
			$apis
				.into_iter()
				.flat_map(|api| {
					api.methods.into_iter().map(move |m| {
						let inputs = m.inputs.into_iter().map(|i| (i.name, i.ty.id)).collect();
						(api.name.clone(), m.name, inputs)
					})
				})
				.collect()
		};
	}
	match metadata(version) {
		RuntimeMetadata::V15(m) => params!(m.apis),
		RuntimeMetadata::V16(m) => params!(m.apis),
		other => panic!("no runtime API section in v{}", other.version()),
	}
}

#[test]
fn runtime_api_extrinsic_arguments_are_described_as_the_extrinsic_they_are() {
	use sp_runtime::transaction_validity::TransactionSource;
	for version in Runtime::metadata_versions().into_iter().filter(|v| *v >= 15) {
		let types = registry(version);
		let apis = api_params(version);
		let (_, _, inputs) = apis
			.iter()
			.find(|(a, m, _)| a == "TaggedTransactionQueue" && m == "validate_transaction")
			.expect("validate_transaction");
		let names: Vec<&str> = inputs.iter().map(|(n, _)| n.as_str()).collect();
		assert_eq!(names, ["source", "tx", "block_hash"], "API version 3's parameters");
		let tx = types.resolve(inputs[1].1).expect("tx type");
		// The path polkadot.js maps to its `Extrinsic` codec (`primitive_types::*` aliases).
		assert_eq!(tx.path.segments, ["primitive_types", "Extrinsic"], "v{version}");
		let TypeDef::Composite(c) = &tx.type_def else { panic!("a composite: {tx:?}") };
		let bytes = types.resolve(c.fields[0].ty.id).expect("field");
		let TypeDef::Sequence(seq) = &bytes.type_def else { panic!("Vec<u8>: {bytes:?}") };
		assert!(is_u8(&types, seq.type_param.id), "a Vec<u8>");
		// The same in every API taking an extrinsic (`apply_extrinsic`, `query_info`, …): none
		// is left described as the opaque `UncheckedExtrinsic`.
		for (api, method, inputs) in &apis {
			for (name, ty) in inputs {
				let ty = types.resolve(*ty).expect("input type");
				assert_ne!(
					ty.path.segments.last().map(String::as_str),
					Some("UncheckedExtrinsic"),
					"v{version} {api}::{method}({name})"
				);
			}
		}
	}

	// The description is truthful: a client encoding `tx` as the `Vec<u8>` it describes (the
	// extrinsic's body with its length prefix) sends what the runtime decodes.
	let xt = aegis_runtime::signed_extrinsic(
		RuntimeCall::System(frame_system::Call::remark { remark: vec![1, 2, 3] }),
		sp_keyring::Sr25519Keyring::Alice.to_account_id(),
		0,
		Default::default(),
		|payload| sp_keyring::Sr25519Keyring::Alice.sign(payload).into(),
	);
	let encoded = codec::Encode::encode(&xt);
	let body = Vec::<u8>::decode(&mut &encoded[..]).expect("an extrinsic is a Vec<u8>");
	let args = codec::Encode::encode(&(TransactionSource::External, body, sp_core::H256::zero()));
	let decoded = <(TransactionSource, aegis_runtime::UncheckedExtrinsic, sp_core::H256)>::decode(
		&mut &args[..],
	)
	.expect("the runtime decodes the arguments");
	assert_eq!(decoded.1, xt);
}

#[test]
fn a_runtime_call_stays_small() {
	// Every call value is as large as the largest: calls carrying big keys box them (as
	// `pallet-utility` requires of runtimes that nest calls), so that decoding nested or
	// batched calls never holds kilobytes per level.
	let size = core::mem::size_of::<aegis_runtime::RuntimeCall>();
	assert!(size <= 1024, "RuntimeCall is {size} bytes");
}
