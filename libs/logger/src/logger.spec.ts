import { context, trace, TraceFlags } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { PassThrough } from 'node:stream';
import { createLogger, type LogLevel } from './logger';

function capture(level?: LogLevel) {
  const stream = new PassThrough();
  const chunks: string[] = [];
  stream.on('data', (c: Buffer) => chunks.push(c.toString('utf8')));
  const logger = createLogger({ service: 'svc', level, stream });
  const lines = () =>
    chunks
      .join('')
      .split('\n')
      .filter((l) => l.length > 0)
      .map((l) => JSON.parse(l) as Record<string, unknown>);
  return { logger, lines, raw: () => chunks.join('') };
}

describe('createLogger', () => {
  it('writes one JSON object per line with time, level, service, msg and fields', () => {
    const { logger, lines, raw } = capture();
    logger.info('started', { port: 50051 });
    logger.warn('slow', { ms: 12.5 });
    expect(raw().split('\n')).toHaveLength(3); // two lines and the trailing newline
    const [first, second] = lines();
    expect(first).toMatchObject({ level: 'info', service: 'svc', msg: 'started', port: 50051 });
    expect(second).toMatchObject({ level: 'warn', msg: 'slow', ms: 12.5 });
    expect(new Date(first.time as string).toISOString()).toBe(first.time);
    expect(first).not.toHaveProperty('trace_id');
  });

  it('drops lines below the configured level (default info)', () => {
    const byDefault = capture();
    byDefault.logger.debug('hidden');
    byDefault.logger.info('shown');
    expect(byDefault.lines().map((l) => l.msg)).toEqual(['shown']);

    const warnOnly = capture('warn');
    warnOnly.logger.debug('a');
    warnOnly.logger.info('b');
    warnOnly.logger.warn('c');
    warnOnly.logger.error('d');
    expect(warnOnly.lines().map((l) => l.level)).toEqual(['warn', 'error']);

    const all = capture('debug');
    all.logger.debug('x');
    expect(all.lines().map((l) => l.level)).toEqual(['debug']);
  });

  it('stamps trace_id and span_id of the active span', () => {
    const { logger, lines } = capture();
    const spanContext = {
      traceId: '0af7651916cd43dd8448eb211c80319c',
      spanId: 'b7ad6b7169203331',
      traceFlags: TraceFlags.SAMPLED,
    };
    // The logger reads the active span through the API, which needs a context manager to carry it.
    const manager = new AsyncLocalStorageContextManager().enable();
    context.setGlobalContextManager(manager);
    try {
      context.with(trace.setSpanContext(context.active(), spanContext), () => logger.info('in span'));
      logger.info('outside');
    } finally {
      context.disable();
    }
    const [inSpan, outside] = lines();
    expect(inSpan.trace_id).toBe(spanContext.traceId);
    expect(inSpan.span_id).toBe(spanContext.spanId);
    expect(outside).not.toHaveProperty('trace_id');
  });

  it('serialises errors at any depth, with their own properties and cause', () => {
    const { logger, lines } = capture();
    const cause = new TypeError('root cause');
    const err = Object.assign(new Error('boom', { cause }), { code: 14 });
    logger.error('failed', { err, nested: { inner: new RangeError('deep') } });
    const [line] = lines();
    expect(line.err).toMatchObject({ name: 'Error', message: 'boom', code: 14 });
    expect((line.err as { stack: string }).stack).toContain('boom');
    expect((line.err as { cause: unknown }).cause).toMatchObject({ name: 'TypeError', message: 'root cause' });
    expect(line.nested).toEqual({ inner: expect.objectContaining({ name: 'RangeError', message: 'deep' }) });
  });

  it('survives cycles and bigints, and keeps repeated (non-circular) references', () => {
    const { logger, lines } = capture();
    const a: Record<string, unknown> = { name: 'a' };
    a.self = a;
    const shared = { v: 1 };
    const err = new Error('loop');
    (err as { cause?: unknown }).cause = err;
    logger.info('odd', { a, left: shared, right: shared, big: 12345678901234567890n, err });
    const [line] = lines();
    expect(line.a).toEqual({ name: 'a', self: '[Circular]' });
    expect(line.left).toEqual({ v: 1 });
    expect(line.right).toEqual({ v: 1 });
    expect(line.big).toBe('12345678901234567890');
    expect((line.err as { cause: unknown }).cause).toBe('[Circular]');
  });

  it('child loggers add bound fields; call fields win; reserved keys cannot be overwritten', () => {
    const { logger, lines } = capture();
    const child = logger.child({ component: 'server', request: 1 }).child({ request: 2 });
    child.info('handled', { request: 3, extra: true });
    child.info('bound only');
    logger.info('root', { level: 'fake', msg: 'fake' });
    const [handled, boundOnly, root] = lines();
    expect(handled).toMatchObject({ component: 'server', request: 3, extra: true, service: 'svc' });
    expect(boundOnly).toMatchObject({ component: 'server', request: 2 });
    expect(root).toMatchObject({ level: 'info', msg: 'root', field_level: 'fake', field_msg: 'fake' });
    expect(root).not.toHaveProperty('component');
  });
});
