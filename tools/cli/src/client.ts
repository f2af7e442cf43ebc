/** The CLI's client of the public orchestrator API. */
import { OrchestratorServiceClient } from '@recsys/contracts';
import { createClient, type PromiseClient } from '@recsys/grpc';

/** Default address of the orchestrator started by `npm start`. */
export const DEFAULT_ADDR = '127.0.0.1:50051';

/** Creates an orchestrator client with a generous deadline (the CLI is interactive, not latency-bound). */
export function orchestratorClient(addr: string, timeoutMs = 10_000): PromiseClient<OrchestratorServiceClient> {
  return createClient(OrchestratorServiceClient, addr, { timeoutMs, idempotent: ['recommend', 'logEvents', 'upsertItems', 'upsertUsers'] });
}
