// @quantum-aegis/sdk/formats: the protocol's byte formats alone (envelope, plaintext,
// commitment, binding, batches, checkpoints, signatures, ordering), without the chain client
// and its `@polkadot/api`: for programs that bring their own client (PAPI, a wallet, a worker).

export * from './bytes.js';
export {
  checkPublicKey,
  deriveRecipientKey,
  deriveXWingSeed,
  ENCAPSULATED_KEY_LEN,
  ENCAPSULATION_RANDOMNESS_LEN,
  ENVELOPE_VERSION,
  envelopeAad,
  EnvelopeError,
  envelopeHeader,
  envelopeInfo,
  HEADER_LEN,
  open,
  OVERHEAD,
  peekHeader,
  PUBLIC_KEY_LEN,
  seal,
  SUITE_XWING_HKDF_SHA256_CHACHA20POLY1305,
  TAG_LEN,
  xWingPublicKey,
} from './envelope.js';
export type { EnvelopeErrorKind, OpenParams, SealParams } from './envelope.js';
export * from './protocol.js';
