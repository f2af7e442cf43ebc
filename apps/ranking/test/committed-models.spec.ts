// Every deep model committed under models/ (what `npm start` serves): onnxruntime-node reproduces the PyTorch outputs
// recorded in its card within the parity tolerance, and the service can compute every input it names.
import { readFileSync, readdirSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { PARITY_TOLERANCE, TWO_TOWER_ARCHITECTURE, cardArchitecture, checkParity, loadOnnxModel, loadTwoTowerModel, planInputs } from '@recsys/models';
import { LocalModelStore } from '@recsys/stores';

const root = join(__dirname, '../../../models');

/** `[name, version]` of every version directory holding a model card, e.g. `['ranking/mmoe', 'v1-…']`. */
function committedCards(dir = root, prefix: string[] = []): [string, string][] {
  const found: [string, string][] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (!entry.isDirectory()) continue;
    const path = join(dir, entry.name);
    if (existsSync(join(path, 'card.json'))) found.push([prefix.join('/'), entry.name]);
    else found.push(...committedCards(path, [...prefix, entry.name]));
  }
  return found;
}

const isTwoTower = ([name, version]: [string, string]) => cardArchitecture(readFileSync(join(root, name, version, 'card.json'))) === TWO_TOWER_ARCHITECTURE;

describe('committed deep models', () => {
  const all = committedCards();
  const cards = all.filter((c) => !isTwoTower(c));
  const twoTowers = all.filter(isTwoTower);

  it('include the served ranking model and the served two-tower model', () => {
    expect(cards.map(([name]) => name)).toContain('ranking/mmoe');
    expect(twoTowers.map(([name]) => name)).toContain('recall/two-tower');
  });

  it.each(twoTowers)('%s %s: both towers agree with PyTorch on the card rows and read computable features', async (name, version) => {
    // loadTwoTowerModel refuses a version whose towers miss the parity embeddings or read unknown features.
    const model = await loadTwoTowerModel(new LocalModelStore(root), name, version);
    try {
      expect(model.card.parity.user.rows.length).toBeGreaterThanOrEqual(8);
      expect(model.items.ids.length).toBeGreaterThan(0);
    } finally {
      await model.release();
    }
  });

  it.each(cards)('%s %s: onnxruntime-node agrees with PyTorch on the card rows and every input is computable', async (name, version) => {
    const model = await loadOnnxModel(new LocalModelStore(root), name, version);
    try {
      expect(PARITY_TOLERANCE).toBeLessThanOrEqual(1e-5);
      const report = await checkParity(model);
      expect(report.failures).toBe(0);
      expect(model.card.parity.rows.length).toBeGreaterThanOrEqual(8);
      expect(() => planInputs(model.card)).not.toThrow();
    } finally {
      model.release();
    }
  });
});
