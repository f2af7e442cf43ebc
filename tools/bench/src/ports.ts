/** Free local ports for the services a benchmark starts, so two runs on one machine never answer each other's calls. */
import { createServer } from 'node:net';

function bindable(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '0.0.0.0', () => server.close(() => resolve(true)));
  });
}

/**
 * The first port of `count` consecutive ports that are free now, picked at random in 20,000–32,000 (below Linux's
 * ephemeral range, where outgoing connections and `listen(0)` take theirs). Another process may still take one before
 * the service binds it; the services then fail to start, they never share a port.
 */
export async function freePortRange(count: number): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const base = 20_000 + Math.floor(Math.random() * (12_000 - count));
    let free = true;
    for (let port = base; port < base + count && free; port++) free = await bindable(port);
    if (free) return base;
  }
  throw new Error(`no ${count} consecutive free ports found in 20000-32000`);
}
