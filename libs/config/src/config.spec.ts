import { z } from 'zod';
import { address, backend, ConfigError, dataDir, durationMs, kafkaBrokers, logLevel, modelName, parseConfig, port, redisUrl } from './config';

const shape = {
  GRPC_PORT: port(50051),
  RANKING_ADDR: address('ranking:50051'),
  RANKING_TIMEOUT_MS: durationMs(200),
  LOG_LEVEL: logLevel(),
  DATA_DIR: dataDir('.data/ranking'),
  MODEL_NAME: z.string(),
};

function errorOf(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (e) {
    if (e instanceof ConfigError) return e;
    throw e;
  }
  throw new Error('expected a ConfigError');
}

describe('parseConfig', () => {
  it('applies defaults and coerces values', () => {
    const config = parseConfig(shape, { MODEL_NAME: 'lr' }, 'ranking');
    expect(config).toEqual({
      GRPC_PORT: 50051,
      RANKING_ADDR: 'ranking:50051',
      RANKING_TIMEOUT_MS: 200,
      LOG_LEVEL: 'info',
      DATA_DIR: '.data/ranking',
      MODEL_NAME: 'lr',
    });
    const port: number = config.GRPC_PORT; // typed as a number, not a string
    expect(port).toBe(50051);
  });

  it('parses given values and treats empty strings as unset', () => {
    const config = parseConfig(
      shape,
      {
        GRPC_PORT: '0',
        RANKING_ADDR: '[::1]:6000',
        RANKING_TIMEOUT_MS: '1.5s',
        LOG_LEVEL: 'debug',
        DATA_DIR: '',
        MODEL_NAME: 'gbdt',
        UNRELATED: 'ignored',
      },
      'ranking',
    );
    expect(config).toEqual({
      GRPC_PORT: 0,
      RANKING_ADDR: '[::1]:6000',
      RANKING_TIMEOUT_MS: 1500,
      LOG_LEVEL: 'debug',
      DATA_DIR: '.data/ranking',
      MODEL_NAME: 'gbdt',
    });
  });

  it('reports every problem at once, one `VAR: problem` line each', () => {
    const error = errorOf(() =>
      parseConfig(
        shape,
        { GRPC_PORT: '70000', RANKING_ADDR: 'no-port', RANKING_TIMEOUT_MS: 'soon', LOG_LEVEL: 'loud' },
        'ranking',
      ),
    );
    expect(error.problems.map((p) => p.variable)).toEqual([
      'GRPC_PORT',
      'RANKING_ADDR',
      'RANKING_TIMEOUT_MS',
      'LOG_LEVEL',
      'MODEL_NAME',
    ]);
    const lines = error.message.split('\n');
    expect(lines[0]).toBe('invalid configuration for ranking (5 problems):');
    expect(lines[1]).toBe('  GRPC_PORT: expected an integer port in 0..65535, got "70000"');
    expect(lines[2]).toMatch(/^ {2}RANKING_ADDR: expected host:port .*, got "no-port"$/);
    expect(lines[3]).toMatch(/^ {2}RANKING_TIMEOUT_MS: expected a duration.*, got "soon"$/);
    expect(lines[4]).toMatch(/^ {2}LOG_LEVEL: .*'debug' \| 'info' \| 'warn' \| 'error'.*, got "loud"$/);
    expect(lines[5]).toBe('  MODEL_NAME: required but not set');
  });
});

describe('reusable pieces', () => {
  const one = <T extends z.ZodTypeAny>(schema: T, value: string | undefined) =>
    parseConfig({ V: schema }, { V: value }, 'test').V as z.infer<T>;
  const fails = <T extends z.ZodTypeAny>(schema: T, value: string) =>
    expect(() => parseConfig({ V: schema }, { V: value }, 'test')).toThrow(ConfigError);

  it('port accepts 0..65535 integers only', () => {
    expect(one(port(1), '65535')).toBe(65535);
    expect(one(port(1), ' 8080 ')).toBe(8080);
    for (const bad of ['65536', '-1', '80.5', '1e3', 'http']) fails(port(1), bad);
  });

  it('address accepts host:port with port 1..65535', () => {
    for (const ok of ['localhost:1', '10.0.0.1:50051', 'recall.recsys.svc.cluster.local:443', '[::1]:9']) {
      expect(one(address('a:1'), ok)).toBe(ok);
    }
    for (const bad of ['localhost', ':50051', 'host:0', 'host:65536', 'http://host:1', 'a b:1']) fails(address('a:1'), bad);
  });

  it('durationMs accepts integers (ms) and ms|s|m|h units', () => {
    expect(one(durationMs(5), '250')).toBe(250);
    expect(one(durationMs(5), '250ms')).toBe(250);
    expect(one(durationMs(5), '2s')).toBe(2000);
    expect(one(durationMs(5), '0.5m')).toBe(30_000);
    expect(one(durationMs(5), '1h')).toBe(3_600_000);
    expect(one(durationMs(5), undefined)).toBe(5);
    for (const bad of ['-1', '1d', 'fast', '1000h']) fails(durationMs(5), bad);
  });

  it('logLevel accepts the four levels', () => {
    expect(one(logLevel(), 'warn')).toBe('warn');
    expect(one(logLevel(), undefined)).toBe('info');
    fails(logLevel(), 'trace');
  });

  it('modelName accepts model-store names: lowercase segments separated by /', () => {
    expect(one(modelName('recall/two-tower'), undefined)).toBe('recall/two-tower');
    expect(one(modelName('a'), ' ranking/mmoe_2 ')).toBe('ranking/mmoe_2');
    for (const bad of ['Recall/two-tower', 'recall/', '/recall', 'recall//x', 'recall/two tower', '../x']) fails(modelName('a'), bad);
  });

  it('backend is embedded by default and accepts redis-kafka', () => {
    expect(one(backend(), undefined)).toBe('embedded');
    expect(one(backend(), 'redis-kafka')).toBe('redis-kafka');
    expect(one(backend(), 'embedded')).toBe('embedded');
    for (const bad of ['kafka', 'Embedded', 'redis']) fails(backend(), bad);
  });

  it('kafkaBrokers parses a comma-separated host:port list', () => {
    expect(one(kafkaBrokers(), undefined)).toEqual(['127.0.0.1:9092']);
    expect(one(kafkaBrokers(), 'kafka-0:9092, kafka-1:9092,[::1]:19092,')).toEqual(['kafka-0:9092', 'kafka-1:9092', '[::1]:19092']);
    expect(one(kafkaBrokers('k:1'), '')).toEqual(['k:1']);
    for (const bad of [',', 'kafka', 'kafka:9092,broker', 'kafka:0', 'PLAINTEXT://kafka:9092']) fails(kafkaBrokers(), bad);
    const error = (() => {
      try {
        parseConfig({ KAFKA_BROKERS: kafkaBrokers() }, { KAFKA_BROKERS: 'a:1,b' }, 'test');
      } catch (e) {
        return e as ConfigError;
      }
      throw new Error('expected a ConfigError');
    })();
    expect(error.problems).toEqual([{ variable: 'KAFKA_BROKERS', problem: expect.stringMatching(/not host:port: "b", got "a:1,b"$/) }]);
  });

  it('redisUrl accepts redis:// and rediss:// URLs with a host', () => {
    expect(one(redisUrl(), undefined)).toBe('redis://127.0.0.1:6379');
    for (const ok of ['redis://cache:6379', 'rediss://:secret@cache.example.com:6380/2', 'redis://[::1]:6379']) {
      expect(one(redisUrl(), ok)).toBe(ok);
    }
    for (const bad of ['cache:6379', 'http://cache:6379', 'redis://', 'redis:///0']) fails(redisUrl(), bad);
  });
});
