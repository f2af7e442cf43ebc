/** Asks a service's standard grpc.health.v1 endpoint whether it is SERVING. */
import { credentials, makeGenericClientConstructor, type Client } from '@grpc/grpc-js';
import { service as healthService } from 'grpc-health-check';

const HealthClient = makeGenericClientConstructor(healthService, 'Health');

/** Returns the serving status of `address` ('SERVING', 'NOT_SERVING', 'UNKNOWN', or 'UNREACHABLE'). */
export function healthStatus(address: string, timeoutMs = 1000): Promise<string> {
  const client = new HealthClient(address, credentials.createInsecure()) as unknown as Client & {
    check(req: { service: string }, opts: { deadline: number }, cb: (err: Error | null, res?: { status: string | number }) => void): void;
  };
  return new Promise((resolve) => {
    client.check({ service: '' }, { deadline: Date.now() + timeoutMs }, (err, res) => {
      client.close();
      if (err || !res) return resolve('UNREACHABLE');
      const status = res.status;
      resolve(typeof status === 'number' ? (['UNKNOWN', 'SERVING', 'NOT_SERVING', 'SERVICE_UNKNOWN'][status] ?? 'UNKNOWN') : status);
    });
  });
}
