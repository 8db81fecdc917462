// @quantum-aegis/sdk: QuantumAegis for TypeScript and JavaScript users (docs/protocol.md v1).

export * from './formats.js';
export { AegisClient, AegisError } from './client.js';
export type {
  BatchView,
  ClusterKey,
  Outcome,
  RiskStatus,
  Sealed,
  Sender,
  SubmissionStatus,
  WorkerView,
} from './client.js';
