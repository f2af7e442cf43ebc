// Every deep model committed under models/ (what `npm start` serves): onnxruntime-node reproduces the PyTorch outputs
// recorded in its card within the parity tolerance, and the service can compute every input it names.
import { readdirSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { PARITY_TOLERANCE, checkParity, loadOnnxModel, planInputs } from '@recsys/models';
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

describe('committed deep models', () => {
  const cards = committedCards();

  it('include the served ranking model', () => {
    expect(cards.map(([name]) => name)).toContain('ranking/mmoe');
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
