// Jest globalSetup for projects whose tests need the local Redis and Kafka (docs/infra.md): starts them unless they
// run already, then points the tests at them. RECSYS_TEST_INFRA=external leaves starting them to you.
const { execFileSync } = require('node:child_process');
const path = require('node:path');

const INFRA = path.join(__dirname, 'infra.sh');

/** True when `infra.sh status` says both servers run (fast: no JVM, a PING and a port probe). */
function running() {
  try {
    execFileSync('bash', [INFRA, 'status'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

module.exports = async function globalSetup() {
  if (process.env.RECSYS_TEST_INFRA !== 'external' && !running()) {
    // The script's progress goes to stderr so it does not mix with reporters that write JSON to stdout.
    execFileSync('bash', [INFRA, 'up'], { stdio: ['ignore', 2, 2] });
  }
  // Test workers inherit this process's environment; explicit settings win.
  if (!process.env.REDIS_URL) process.env.REDIS_URL = `redis://127.0.0.1:${process.env.REDIS_PORT || 6379}`;
  if (!process.env.KAFKA_BROKERS) process.env.KAFKA_BROKERS = `127.0.0.1:${process.env.KAFKA_PORT || 9092}`;
};
