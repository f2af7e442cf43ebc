import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RecsysError } from '@recsys/domain';
import { parseExperimentConfig, readExperimentConfig, watchExperimentConfig } from './config-file';
import { assignArms } from './layers';

const valid = {
  holdout: { salt: 'h', percent: 5 },
  layers: [
    { name: 'fusion', buckets: 100, arms: [{ name: 'control', from: 0, to: 50 }, { name: 'save-heavy', from: 50, to: 100, params: { fusionWeights: { save: 4 } } }] },
    { name: 'recall', salt: 'recall-v2', buckets: 10, arms: [{ name: 'wide', from: 0, to: 5, params: { recallLimit: 2000, channelQuotas: { popular: 50 } } }] },
  ],
};
const text = (v: unknown) => JSON.stringify(v);
const withLayers = (layers: unknown[]) => text({ layers });

describe('parseExperimentConfig', () => {
  it('reads layers, salts, arms with parameters (defaults: no parameters) and the holdout', () => {
    const config = parseExperimentConfig(text(valid));
    expect(config.holdout).toEqual({ salt: 'h', percent: 5 });
    expect(config.layers.map((l) => l.name)).toEqual(['fusion', 'recall']);
    expect(config.layers[0].arms[0].params).toEqual({});
    expect(config.layers[1].salt).toBe('recall-v2');
    expect(assignArms(config, 'user_1', { fusion: 'save-heavy', recall: 'wide' }).params).toEqual({
      fusionWeights: { save: 4 },
      recallLimit: 2000,
      channelQuotas: { popular: 50 },
    });
  });

  it('reads an arm\'s fusion rule, which may come with weight overrides in the same layer', () => {
    const fusion = { kind: 'product', weights: { click: 1, save: 0.5, hide: 10 }, negative: ['hide'] };
    const config = parseExperimentConfig(withLayers([{ name: 'fusion', buckets: 2, arms: [{ name: 'p', from: 0, to: 1, params: { fusion, fusionWeights: { dwell: 1 } } }] }]));
    expect(config.layers[0].arms[0].params).toEqual({ fusion, fusionWeights: { dwell: 1 } });
  });

  it('accepts the configuration npm start runs', () => {
    expect(readExperimentConfig(join(__dirname, '..', '..', '..', 'apps', 'orchestrator', 'config', 'experiments.json')).config.layers[0].name).toBe('fusion');
  });

  const bad: [string, string, RegExp][] = [
    ['not JSON', '{layers:', /not JSON/],
    ['an unknown top-level key', text({ layers: [], extra: 1 }), /\(root\).*extra/i],
    ['an unknown parameter', withLayers([{ name: 'l', buckets: 2, arms: [{ name: 'a', from: 0, to: 1, params: { rerankPolicy: 'mmr' } }] }]), /layers\[0\]\.arms\[0\]\.params.*rerankPolicy/],
    ['a range past the buckets', withLayers([{ name: 'l', buckets: 2, arms: [{ name: 'a', from: 0, to: 3 }] }]), /layers\[0\]\.arms\[0\]\.to: must be ≤ the layer's buckets \(2\)/],
    ['an empty range', withLayers([{ name: 'l', buckets: 2, arms: [{ name: 'a', from: 1, to: 1 }] }]), /layers\[0\]\.arms\[0\]\.to: from must be < to/],
    ['overlapping arms', withLayers([{ name: 'l', buckets: 10, arms: [{ name: 'a', from: 0, to: 6 }, { name: 'b', from: 5, to: 10 }] }]), /arms\[1\]\.from: buckets \[5, 10\) overlap arm "a"/],
    ['a duplicate arm', withLayers([{ name: 'l', buckets: 10, arms: [{ name: 'a', from: 0, to: 5 }, { name: 'a', from: 5, to: 10 }] }]), /arm "a" is defined twice/],
    ['a duplicate layer', withLayers([{ name: 'l', buckets: 1, arms: [{ name: 'a', from: 0, to: 1 }] }, { name: 'l', buckets: 1, arms: [{ name: 'a', from: 0, to: 1 }] }]), /layers\[1\]\.name: layer "l" is defined twice/],
    ['a shared salt', withLayers([{ name: 'l', buckets: 1, arms: [{ name: 'a', from: 0, to: 1 }] }, { name: 'm', salt: 'l', buckets: 1, arms: [{ name: 'a', from: 0, to: 1 }] }]), /layers\[1\]\.salt: salt "l" is also layer "l"'s/],
    ['a parameter in two layers', withLayers([{ name: 'l', buckets: 1, arms: [{ name: 'a', from: 0, to: 1, params: { recallLimit: 10 } }] }, { name: 'm', buckets: 1, arms: [{ name: 'b', from: 0, to: 1, params: { recallLimit: 20 } }] }]), /layers\[1\]\.arms\[0\]\.params\.recallLimit: is set by layer "l" already/],
    ['the reserved arm name', withLayers([{ name: 'l', buckets: 1, arms: [{ name: 'holdout', from: 0, to: 1 }] }]), /reserved/],
    ['a holdout over 50%', text({ holdout: { salt: 'h', percent: 60 }, layers: [] }), /holdout\.percent/],
    ['a fractional bucket count', withLayers([{ name: 'l', buckets: 2.5, arms: [{ name: 'a', from: 0, to: 1 }] }]), /layers\[0\]\.buckets/],
    ['a non-finite fusion weight', '{"layers":[{"name":"l","buckets":1,"arms":[{"name":"a","from":0,"to":1,"params":{"fusionWeights":{"click":"x"}}}]}]}', /fusionWeights\.click/],
    ['an unknown fusion kind', withLayers([{ name: 'l', buckets: 1, arms: [{ name: 'a', from: 0, to: 1, params: { fusion: { kind: 'max', weights: {} } } }] }]), /params\.fusion\.kind: must be one of sum, product, got "max"/],
    ['a negative product exponent', withLayers([{ name: 'l', buckets: 1, arms: [{ name: 'a', from: 0, to: 1, params: { fusion: { kind: 'product', weights: { hide: -4 } } } }] }]), /params\.fusion\.weights\.hide: must be ≥ 0/],
    ['an unknown field of a rule', withLayers([{ name: 'l', buckets: 1, arms: [{ name: 'a', from: 0, to: 1, params: { fusion: { kind: 'sum', weights: {}, bias: 1 } } }] }]), /params\.fusion\.bias: not a field of a fusion rule/],
    ['a rule and weight overrides in two layers', withLayers([{ name: 'l', buckets: 1, arms: [{ name: 'a', from: 0, to: 1, params: { fusionWeights: { save: 2 } } }] }, { name: 'm', buckets: 1, arms: [{ name: 'b', from: 0, to: 1, params: { fusion: { kind: 'sum', weights: {} } } }] }]), /layers\[1\]\.arms\[0\]\.params\.fusion: is set by layer "l" already/],
  ];
  it.each(bad)('rejects %s, naming the field', (_what, input, message) => {
    let error: unknown;
    try {
      parseExperimentConfig(input, 'exp.json');
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(RecsysError);
    expect((error as RecsysError).category).toBe('bad-request');
    expect((error as Error).message).toMatch(/^exp\.json/);
    expect((error as Error).message).toMatch(message);
  });
});

describe('watchExperimentConfig', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'exp-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const waitFor = async (check: () => boolean, ms = 5_000) => {
    const until = Date.now() + ms;
    while (!check() && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
    return check();
  };

  it('fails to start on a missing or invalid file', () => {
    const hooks = { onReload: jest.fn(), onError: jest.fn() };
    expect(() => watchExperimentConfig(join(dir, 'missing.json'), hooks)).toThrow(/cannot read the experiment configuration/);
    writeFileSync(join(dir, 'bad.json'), '{"layers": 3}');
    expect(() => watchExperimentConfig(join(dir, 'bad.json'), hooks)).toThrow(/layers/);
  });

  it('applies a valid change without a restart and keeps the running configuration on an invalid one', async () => {
    const file = join(dir, 'experiments.json');
    writeFileSync(file, text(valid));
    const reloads: string[] = [];
    const errors: string[] = [];
    const source = watchExperimentConfig(file, { onReload: (v) => reloads.push(v), onError: (m) => errors.push(m) }, 20);
    try {
      const first = source.version();
      expect(source.current().layers).toHaveLength(2);

      writeFileSync(file, withLayers([{ name: 'only', buckets: 1, arms: [{ name: 'all', from: 0, to: 1 }] }]));
      expect(await waitFor(() => reloads.length === 1)).toBe(true);
      expect(source.version()).not.toBe(first);
      expect(assignArms(source.current(), 'user_9', {}).arms).toEqual({ only: 'all' });

      const kept = source.version();
      writeFileSync(file, withLayers([{ name: 'broken', buckets: 1, arms: [{ name: 'a', from: 0, to: 2 }] }]));
      expect(await waitFor(() => errors.length === 1)).toBe(true);
      expect(errors[0]).toMatch(new RegExp(`must be ≤ the layer's buckets.*keeping version ${kept}`));
      expect(source.version()).toBe(kept);
      expect(assignArms(source.current(), 'user_9', {}).arms).toEqual({ only: 'all' });
    } finally {
      source.close();
    }
  });
});
