// Structured JSON-lines logger: one object per line, stamped with the active OpenTelemetry trace and span ids.
import { isSpanContextValid, trace } from '@opentelemetry/api';

/** Severity of a log line, lowest first. */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

/** Extra structured data attached to a log line. `Error` values (at any depth) are written as `{name, message, stack}`. */
export type LogFields = Record<string, unknown>;

/** A structured logger. Each call writes at most one line; lines below the configured level are dropped. */
export interface Logger {
  /** Diagnostic detail, off by default. */
  debug(msg: string, fields?: LogFields): void;
  /** Normal operation: startup, shutdown, configuration in effect. */
  info(msg: string, fields?: LogFields): void;
  /** Something degraded but the request or process continues. */
  warn(msg: string, fields?: LogFields): void;
  /** A failure that needs attention. */
  error(msg: string, fields?: LogFields): void;
  /** A logger that adds `fields` to every line (call fields win over bound fields). */
  child(fields: LogFields): Logger;
}

/** Options of {@link createLogger}. */
export interface LoggerOptions {
  /** Service name written on every line. */
  service: string;
  /** Minimum level written; default `info`. */
  level?: LogLevel;
  /** Destination; default `process.stdout`. */
  stream?: NodeJS.WritableStream;
}

const SEVERITY: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

/** Keys every line carries; a field with the same name cannot overwrite them. */
const RESERVED = new Set(['time', 'level', 'service', 'msg', 'trace_id', 'span_id']);

/**
 * A logger writing one JSON object per line: `time` (ISO 8601), `level`, `service`, `msg`, `trace_id` and `span_id`
 * (only when an OpenTelemetry span is active), then the fields. Fields named like a reserved key are written with a
 * `field_` prefix instead. Errors become `{name, message, stack}` plus their own properties and `cause`; bigints
 * become strings and circular references `"[Circular]"`, so logging never throws on odd values.
 */
export function createLogger(opts: LoggerOptions): Logger {
  const threshold = SEVERITY[opts.level ?? 'info'];
  const stream = opts.stream ?? process.stdout;
  return makeLogger(opts.service, threshold, stream, {});
}

function makeLogger(service: string, threshold: number, stream: NodeJS.WritableStream, bound: LogFields): Logger {
  const write = (level: LogLevel, msg: string, fields?: LogFields): void => {
    if (SEVERITY[level] < threshold) return;
    const line: Record<string, unknown> = { time: new Date().toISOString(), level, service, msg };
    const spanContext = trace.getActiveSpan()?.spanContext();
    if (spanContext && isSpanContextValid(spanContext)) {
      line.trace_id = spanContext.traceId;
      line.span_id = spanContext.spanId;
    }
    for (const source of [bound, fields ?? {}]) {
      for (const [key, value] of Object.entries(source)) {
        line[RESERVED.has(key) ? `field_${key}` : key] = value;
      }
    }
    stream.write(`${safeStringify(line)}\n`);
  };
  return {
    debug: (msg, fields) => write('debug', msg, fields),
    info: (msg, fields) => write('info', msg, fields),
    warn: (msg, fields) => write('warn', msg, fields),
    error: (msg, fields) => write('error', msg, fields),
    child: (fields) => makeLogger(service, threshold, stream, { ...bound, ...fields }),
  };
}

/** JSON.stringify that serialises errors and bigints and cuts cycles instead of dropping or throwing. */
function safeStringify(value: unknown): string {
  // The objects on the path to the value being visited (as serialised, and as given): a reference back to one of
  // them is a cycle, while the same object seen twice in sibling positions is not.
  const holders: unknown[] = [];
  const originals: unknown[] = [];
  return JSON.stringify(value, function replacer(this: unknown, _key: string, v: unknown) {
    while (holders.length > 0 && holders[holders.length - 1] !== this) {
      holders.pop();
      originals.pop();
    }
    if (typeof v === 'bigint') return v.toString();
    if (typeof v !== 'object' || v === null) return v;
    if (originals.includes(v)) return '[Circular]';
    const out = v instanceof Error ? serializeError(v) : v;
    holders.push(out);
    originals.push(v);
    return out;
  });
}

/**
 * An error as plain data: name, message, stack, its own enumerable properties (e.g. a RecsysError's `category` and
 * `field`, a gRPC error's `code`) and `cause`, which the replacer then serialises (cutting a cycle through it).
 */
function serializeError(error: Error): Record<string, unknown> {
  const out: Record<string, unknown> = { name: error.name, message: error.message, stack: error.stack };
  for (const [key, value] of Object.entries(error)) if (!(key in out) && value !== undefined) out[key] = value;
  if (error.cause !== undefined) out.cause = error.cause;
  return out;
}
