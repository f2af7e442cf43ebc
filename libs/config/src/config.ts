// Environment parsing: one zod schema per service, validated once at start, every problem reported together.
import { z } from 'zod';

/** One invalid or missing environment variable. */
export interface ConfigProblem {
  /** The environment variable, e.g. `GRPC_PORT`. */
  variable: string;
  /** What is wrong with it, e.g. `expected an integer port in 0..65535, got "abc"`. */
  problem: string;
}

/**
 * The configuration of a service is invalid. The message lists every problem, one per line as `VAR: problem`,
 * so an operator fixes them all in one go; {@link ConfigError.problems} holds the same list as data.
 */
export class ConfigError extends Error {
  /** Every problem found, in schema order. */
  readonly problems: readonly ConfigProblem[];

  constructor(service: string, problems: readonly ConfigProblem[]) {
    super(
      `invalid configuration for ${service} (${problems.length} problem${problems.length === 1 ? '' : 's'}):\n` +
        problems.map((p) => `  ${p.variable}: ${p.problem}`).join('\n'),
    );
    this.name = 'ConfigError';
    this.problems = problems;
  }
}

/**
 * Validates and coerces `env` against `shape` (one key per environment variable). Empty strings count as unset, so
 * `FOO=` falls back to the default. Variables not in the shape are ignored.
 *
 * @throws ConfigError listing every problem, not just the first.
 */
export function parseConfig<S extends z.ZodRawShape>(
  shape: S,
  env: NodeJS.ProcessEnv,
  service: string,
): z.infer<z.ZodObject<S>> {
  const input: Record<string, unknown> = {};
  for (const key of Object.keys(shape)) {
    const value = env[key];
    input[key] = value === undefined || value.trim() === '' ? undefined : value;
  }
  const result = z.object(shape).safeParse(input);
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => ({
    variable: issue.path.length > 0 ? issue.path.join('.') : '(config)',
    problem: describeIssue(issue, input[String(issue.path[0])]),
  }));
  throw new ConfigError(service, problems);
}

function describeIssue(issue: z.ZodIssue, given: unknown): string {
  if (issue.code === 'invalid_type' && issue.received === 'undefined') return 'required but not set';
  const shown = given === undefined ? '' : `, got ${JSON.stringify(given)}`;
  return `${issue.message}${shown}`;
}

const MAX_TIMER_MS = 2_147_483_647;

function portNumber(value: string): number | undefined {
  if (!/^\d{1,5}$/.test(value)) return undefined;
  const n = Number(value);
  return n <= 65535 ? n : undefined;
}

/** A TCP port in 0..65535 (0 = any free port), given as a decimal string; `defaultPort` when unset. */
export function port(defaultPort: number) {
  return z
    .string()
    .transform((value, ctx) => {
      const n = portNumber(value.trim());
      if (n === undefined) {
        ctx.addIssue({ code: z.ZodIssueCode.custom, message: 'expected an integer port in 0..65535' });
        return z.NEVER;
      }
      return n;
    })
    .default(String(defaultPort));
}

/**
 * A `host:port` address (host name, IPv4, or bracketed IPv6 such as `[::1]:50051`, port 1..65535), kept as a string
 * for gRPC clients; `defaultAddr` when unset.
 */
export function address(defaultAddr: string) {
  return z
    .string()
    .trim()
    .refine(isAddress, { message: 'expected host:port (e.g. ranking:50051), port 1..65535' })
    .default(defaultAddr);
}

function isAddress(value: string): boolean {
  const match = /^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9._-]+):(\d{1,5})$/.exec(value);
  if (!match) return false;
  const n = portNumber(match[2]);
  return n !== undefined && n > 0;
}

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/**
 * A non-negative duration in milliseconds: a plain integer (`250`, meaning ms) or a number with a unit
 * `ms|s|m|h` (`1.5s`, `2m`); must fit a Node timer (< 2^31 ms). `defaultMs` when unset.
 */
export function durationMs(defaultMs: number) {
  return z
    .string()
    .transform((value, ctx) => {
      const match = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h)?$/.exec(value.trim());
      const ms = match ? Math.round(Number(match[1]) * UNIT_MS[match[2] ?? 'ms']) : NaN;
      if (!Number.isFinite(ms) || ms > MAX_TIMER_MS) {
        ctx.addIssue({
          code: z.ZodIssueCode.custom,
          message: 'expected a duration: integer milliseconds or a number with unit ms|s|m|h (e.g. 250, 1.5s)',
        });
        return z.NEVER;
      }
      return ms;
    })
    .default(String(defaultMs));
}

/** A log level `debug|info|warn|error`; `info` when unset. */
export function logLevel() {
  return z.enum(['debug', 'info', 'warn', 'error']).default('info');
}

/** A directory path for local state, kept as given (relative paths resolve against the working directory). */
export function dataDir(defaultDir: string) {
  return z.string().trim().min(1).default(defaultDir);
}

/**
 * A model-store name (the model store's rule): segments of a-z, 0-9, '_' or '-' separated by '/', e.g.
 * `recall/two-tower`; `defaultName` when unset.
 */
export function modelName(defaultName: string) {
  return z
    .string()
    .trim()
    .regex(/^[a-z0-9_-]+(\/[a-z0-9_-]+)*$/, "expected a model-store name: segments of a-z, 0-9, '_' or '-' separated by '/'")
    .default(defaultName);
}

/** The adapters behind the ports: `embedded` (file-log bus, in-memory feature store) or `redis-kafka`. */
export const BACKENDS = ['embedded', 'redis-kafka'] as const;

/** `RECSYS_BACKEND`: `embedded` (the default) or `redis-kafka`. */
export function backend() {
  return z.enum(BACKENDS).default('embedded');
}

/**
 * `KAFKA_BROKERS`: a comma-separated list of bootstrap brokers as `host:port` (spaces around commas allowed),
 * parsed to a non-empty array; `127.0.0.1:9092` when unset.
 */
export function kafkaBrokers(defaultBrokers = '127.0.0.1:9092') {
  return z
    .string()
    .transform((value, ctx) => {
      const brokers = value
        .split(',')
        .map((broker) => broker.trim())
        .filter((broker) => broker !== '');
      const bad = brokers.filter((broker) => !isAddress(broker));
      if (brokers.length === 0 || bad.length > 0) {
        ctx.addIssue({
          code: z.ZodIssueCode.custom,
          message:
            brokers.length === 0
              ? 'expected a comma-separated list of host:port brokers'
              : `expected a comma-separated list of host:port brokers; not host:port: ${bad.map((b) => JSON.stringify(b)).join(', ')}`,
        });
        return z.NEVER;
      }
      return brokers;
    })
    .default(defaultBrokers);
}

/**
 * `REDIS_URL`: a `redis://` or `rediss://` (TLS) URL with a host, e.g. `redis://:password@cache:6379/0`, kept as a
 * string for the client; `redis://127.0.0.1:6379` when unset.
 */
export function redisUrl(defaultUrl = 'redis://127.0.0.1:6379') {
  return z
    .string()
    .trim()
    .refine(isRedisUrl, { message: 'expected a redis:// or rediss:// URL with a host (e.g. redis://127.0.0.1:6379)' })
    .default(defaultUrl);
}

function isRedisUrl(value: string): boolean {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return false;
  }
  return (url.protocol === 'redis:' || url.protocol === 'rediss:') && url.hostname !== '';
}
