// Free TCP ports for services a test starts in other processes.
import { createServer } from 'node:net';

function bindable(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

const taken = new Set<number>();

/**
 * A TCP port on 127.0.0.1 that is free now, picked at random in 20,000–32,000: below Linux's ephemeral range
 * (32,768–60,999), where `listen(0)` and every outgoing connection of the parallel test workers take theirs — a port
 * found with `listen(0)` can be taken by a client socket before the service process binds it. Never the same port
 * twice in one process. Another process may still take it first; the service then fails to start, it never shares it.
 */
export async function freeServicePort(): Promise<number> {
  for (let attempt = 0; attempt < 100; attempt++) {
    const port = 20_000 + Math.floor(Math.random() * 12_000);
    if (taken.has(port) || !(await bindable(port))) continue;
    taken.add(port);
    return port;
  }
  throw new Error('no free port found in 20000-32000 after 100 tries');
}
