//! The metadata this runtime serves (`Metadata_metadata_at_version`, what every client loads).
//!
//! FRAME's metadata, with one change in the runtime API section of v15 and later: parameters
//! of the block's extrinsic type are described by [`ExtrinsicParam`] instead of
//! `sp_runtime::generic::UncheckedExtrinsic`.
//!
//! Why: polkadot-sdk describes `UncheckedExtrinsic` as an opaque composite of one `Vec<u8>`
//! (its encoding is custom). Clients that build runtime API calls from the metadata therefore
//! see a byte string, not an extrinsic. polkadot.js (16.x) then types the `tx` argument of
//! `api.call.taggedTransactionQueue.validateTransaction(source, tx, blockHash)`, and of
//! `transactionPaymentApi.queryInfo` and `blockBuilder.applyExtrinsic`, as `Bytes`: an
//! extrinsic passed as itself is sent as the UTF-8 text of its JSON, and one passed as hex
//! (already length-prefixed) gets a second length prefix. Either way the runtime cannot decode
//! its input, and `sp-api` traps on undecodable input (`wasm unreachable`), so the call every
//! pre-validating client makes fails. The runtime's declared API version (3) is the one
//! polkadot.js knows; only the parameter's description differs.
//!
//! [`ExtrinsicParam`] describes the same bytes (an extrinsic's encoding is its length-prefixed
//! body, exactly a `Vec<u8>`) under the path `primitive_types::Extrinsic`: polkadot.js resolves
//! every `primitive_types::*` path to its built-in codec of that name, here `Extrinsic`, which
//! accepts an extrinsic object, its bytes or its hex. PAPI and subxt read it as the bytes it
//! is. Nothing on the wire changes, and v14 metadata has no runtime API section.

use crate::{Block, Runtime};
use alloc::vec::Vec;
use scale_info::{build::Fields, meta_type, Path, Type, TypeInfo};
use sp_core::OpaqueMetadata;
use sp_runtime::traits::Block as BlockT;

/// How the runtime API section describes an extrinsic argument (see the module docs).
pub struct ExtrinsicParam;

impl TypeInfo for ExtrinsicParam {
	type Identity = Self;

	fn type_info() -> Type {
		Type::builder()
			.path(Path::new("Extrinsic", "primitive_types"))
			.composite(Fields::unnamed().field(|f| f.ty::<Vec<u8>>()))
	}
}

/// The runtime's metadata at `version`, if it serves that version.
pub fn at_version(version: u32) -> Option<OpaqueMetadata> {
	let mut ir = Runtime::metadata_ir();
	let extrinsic = meta_type::<<Block as BlockT>::Extrinsic>();
	for method in ir.apis.iter_mut().flat_map(|api| api.methods.iter_mut()) {
		for input in method.inputs.iter_mut().filter(|input| input.ty == extrinsic) {
			input.ty = meta_type::<ExtrinsicParam>();
		}
	}
	sp_metadata_ir::into_version(ir, version).map(|prefixed| OpaqueMetadata::new(prefixed.into()))
}
