import { existsSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { LocalModelStore } from '@recsys/stores';
import { TINY_MMOE, fixtureModelStoreDir, freeDataDir, publishTinyMmoe } from '@recsys/testing';
import { MODEL_CARD_FILE, TWO_TOWER_ARCHITECTURE, cardArchitecture } from '../card/model-card';
import { loadOnnxModel } from './onnx-model';
import { checkParity, withinTolerance } from './parity';

/** Every published version holding a model card under a model-store root: [name, version]. */
function cardVersions(root: string): [string, string][] {
  const found: [string, string][] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir)) {
      const path = join(dir, entry);
      if (!statSync(path).isDirectory()) continue;
      if (existsSync(join(path, '.manifest.json'))) {
        if (existsSync(join(path, MODEL_CARD_FILE))) found.push([relative(root, dir), entry]);
      } else {
        walk(path);
      }
    }
  };
  if (existsSync(root)) walk(root);
  return found;
}

describe('withinTolerance', () => {
  it('is absolute up to 1 and relative above', () => {
    expect(withinTolerance(0.5, 0.5 + 9e-6)).toBe(true);
    expect(withinTolerance(0.5, 0.5 + 1.1e-5)).toBe(false);
    expect(withinTolerance(300, 300 + 2.9e-3)).toBe(true);
    expect(withinTolerance(300, 300 + 3.1e-3)).toBe(false);
    expect(withinTolerance(-300, -300 - 3.1e-3)).toBe(false);
  });
});

describe('checkParity', () => {
  it('reports the value that disagrees with the card', async () => {
    const dir = freeDataDir('models-parity');
    try {
      const store = new LocalModelStore(dir);
      await publishTinyMmoe(store, {
        version: 'v1',
        editCard: (card) => {
          (card.parity as { outputs: Record<string, number[]> }).outputs.save[3] += 2e-5;
        },
      });
      const model = await loadOnnxModel(store, TINY_MMOE.name, 'v1');
      try {
        const report = await checkParity(model);
        expect(report.ok).toBe(false);
        expect(report.failures).toBe(1);
        expect(report.worst).toMatchObject({ output: 'save', row: 3 });
        expect(report.worst?.difference).toBeCloseTo(2e-5, 6);
        expect(report.summary).toMatch(/^1 of 15 parity values outside 0.00001 over 5 rows; largest difference 2.0\de-5 \(output save, row 3/);
      } finally {
        await model.release();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('every committed ONNX model', () => {
  const roots = [fixtureModelStoreDir(), join(__dirname, '..', '..', '..', '..', 'models')];
  // Two-tower versions have their own loader and parity check (libs/models/src/two-tower).
  const versions = roots.flatMap((root) =>
    cardVersions(root)
      .filter(([name, version]) => cardArchitecture(readFileSync(join(root, name, version, 'card.json'))) !== TWO_TOWER_ARCHITECTURE)
      .map(([name, version]) => [root, name, version] as const),
  );

  it('includes the test fixture', () => {
    expect(versions.map(([, name, version]) => `${name}/${version}`)).toContain(`${TINY_MMOE.name}/${TINY_MMOE.version}`);
  });

  it.each(versions)('%s: %s %s agrees with its card’s parity rows within 1e-5', async (root, name, version) => {
    const model = await loadOnnxModel(new LocalModelStore(root), name, version);
    try {
      const report = await checkParity(model);
      expect(report.summary).toMatch(/^0 of /);
      expect(report.ok).toBe(true);
    } finally {
      await model.release();
    }
  });
});
