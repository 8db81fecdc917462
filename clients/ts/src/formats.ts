// @quantum-aegis/sdk/formats: the protocol's byte formats alone (envelope, plaintext,
// commitment, binding, batches, checkpoints, signatures, ordering), without the chain client
// and its `@polkadot/api`: for programs that bring their own client (PAPI, a wallet, a worker).

export * from './bytes.js';
export * from './envelope.js';
export * from './protocol.js';
