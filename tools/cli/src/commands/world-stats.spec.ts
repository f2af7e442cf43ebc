import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PRE_CALIBRATION_WORLD } from '@recsys/simulator';
import { CALIBRATION_TARGETS, calibrationLoss, parseWorldCalibrateArgs } from './world-calibrate';
import { parseWorldStatsArgs, readWorldConfig, worldStatistics, worldStatsCommand } from './world-stats';

describe('recsys world stats', () => {
  it('defaults to the demo world, takes datasets as FORMAT:PATH and rejects an unknown format', () => {
    expect(parseWorldStatsArgs([]).sources).toEqual([{ kind: 'world', options: { seed: 7, pins: 100_000, users: 10_000, days: 30 }, events: 1_000_000 }]);
    const two = parseWorldStatsArgs(['--world', '--pins', '500', '--data', 'movielens-csv:/data/ml']).sources;
    expect(two).toEqual([
      { kind: 'world', options: { seed: 7, pins: 500, users: 10_000, days: 30 }, events: 1_000_000 },
      { kind: 'data', format: 'movielens-csv', path: '/data/ml' },
    ]);
    expect(() => parseWorldStatsArgs(['--data', 'csv:/x'])).toThrow(/FORMAT:PATH/);
    expect(() => parseWorldCalibrateArgs([])).toThrow(/--from/);
  });

  it('reads a world configuration, also the one calibrate writes (options under "world")', () => {
    const dir = mkdtempSync(join(tmpdir(), 'world-config-'));
    try {
      writeFileSync(join(dir, 'a.json'), JSON.stringify({ viralitySigma: 2 }));
      writeFileSync(join(dir, 'b.json'), JSON.stringify({ from: 'x', world: { themesPerTopic: 4 }, loss: 1 }));
      writeFileSync(join(dir, 'c.json'), '[1]');
      expect(readWorldConfig(join(dir, 'a.json'))).toEqual({ viralitySigma: 2 });
      expect(readWorldConfig(join(dir, 'b.json'))).toEqual({ themesPerTopic: 4 });
      expect(() => readWorldConfig(join(dir, 'c.json'))).toThrow(/JSON object/);
      const config = parseWorldStatsArgs(['--config', join(dir, 'b.json'), '--pins', '300']).sources[0];
      expect(config).toMatchObject({ kind: 'world', options: { themesPerTopic: 4, pins: 300 } });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('the calibrated world concentrates positives on fewer pins than the world before calibration', () => {
    const size = { seed: 3, pins: 3000, users: 600 };
    const calibrated = worldStatistics(size, 150_000, true);
    const before = worldStatistics({ ...size, ...PRE_CALIBRATION_WORLD }, 150_000);
    expect(calibrated.perItem.gini).toBeGreaterThan(before.perItem.gini);
    expect(calibrated.top1PercentShare).toBeGreaterThan(before.top1PercentShare);
    expect(calibrated.popularityExponent).toBeGreaterThan(before.popularityExponent);
    expect(calibrated.repeatRate).not.toBeNull();
    // The collaborative signal, measured when asked for: item-CF beats popularity on this world.
    expect(calibrated.itemCfLift).toBeGreaterThan(1);
    expect(before.itemCfLift).toBeNull();
    // A statistic against itself costs nothing; each target one tolerance off costs 1 each.
    expect(calibrationLoss(calibrated, calibrated)).toBe(0);
    const shifted = { ...calibrated, perUser: { ...calibrated.perUser, gini: calibrated.perUser.gini + CALIBRATION_TARGETS[0].tolerance } };
    expect(calibrationLoss(shifted, calibrated)).toBeCloseTo(1, 12);
  });

  it('prints one column per source', async () => {
    const lines: string[] = [];
    const out = await worldStatsCommand({ sources: [{ kind: 'world', options: { seed: 1, pins: 800, users: 100 }, events: 20_000 }], json: false, models: false }, (l) => lines.push(l));
    expect(out).toHaveLength(1);
    expect(lines.join('\n')).toMatch(/positives per user: Gini/);
    expect(lines.join('\n')).toContain('world seed 1, 800 pins, 100 users, 20000 events');
  });
});
