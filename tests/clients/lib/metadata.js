// What the node's own metadata says our pallets contain, read with polkadot-api's metadata
// codecs, so that the tests iterate over whatever the runtime has (a new storage item, event or
// call is covered without editing the tests) and never over a list written here.

import { decAnyMetadata, unifyMetadata } from '@polkadot-api/substrate-bindings';

/** Our pallets, by their metadata names. */
export const OUR_PALLETS = ['RiskOracle', 'TeeRegistry', 'Sequencer'];
/** Our runtime APIs, by their metadata names. */
export const OUR_APIS = ['RiskOracleApi', 'TeeRegistryApi', 'SequencerApi'];

/** Decodes SCALE metadata bytes (as `client.getMetadata` returns them). */
export function readMetadata(bytes) {
  const metadata = unifyMetadata(decAnyMetadata(bytes));
  const types = new Map(metadata.lookup.map((t) => [t.id, t]));
  const variants = (ref) => {
    if (!ref) return [];
    const def = types.get(ref.type).def;
    if (def.tag !== 'variant') throw new Error(`type ${ref.type} is not an enum`);
    return def.value.map((v) => v.name);
  };
  const pallets = {};
  for (const pallet of metadata.pallets) {
    pallets[pallet.name] = {
      index: pallet.index,
      storage: (pallet.storage?.items ?? []).map((item) => ({ name: item.name, kind: item.type.tag })),
      events: variants(pallet.events),
      calls: variants(pallet.calls),
    };
  }
  const apis = Object.fromEntries(
    metadata.apis.map((api) => [api.name, api.methods.map((m) => ({ name: m.name, inputs: m.inputs.map((i) => i.name) }))]),
  );
  /** Whether type `id` encodes to no bytes at all (`()`, an empty struct or tuple). */
  const isEmpty = (id) => {
    const def = types.get(id).def;
    if (def.tag === 'tuple') return def.value.every(isEmpty);
    if (def.tag === 'composite') return def.value.every((field) => isEmpty(field.type));
    if (def.tag === 'array') return def.value.len === 0 || isEmpty(def.value.type);
    return false;
  };
  const extensions = Object.values(metadata.extrinsic.signedExtensions)[0].map((ext) => ({
    identifier: ext.identifier,
    valueIsEmpty: isEmpty(ext.type),
    implicitIsEmpty: isEmpty(ext.additionalSigned),
  }));
  return { version: metadata.version, pallets, apis, extensions, extrinsicVersions: metadata.extrinsic.version };
}
