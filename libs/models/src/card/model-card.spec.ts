import { tinyMmoeFiles, type JsonObject } from '@recsys/testing';
import { cardFeatures, parseModelCard } from './model-card';

/** Marks a field to delete in {@link cardWith}. */
const DROP = Symbol('drop');

/** The fixture's card with the field at `path` set to `value` (deleted for {@link DROP}). */
function cardWith(path: string, value: unknown): JsonObject {
  const { card } = tinyMmoeFiles();
  const keys = path.split('.');
  let parent = card as Record<string, unknown>;
  for (const key of keys.slice(0, -1)) parent = parent[key] as Record<string, unknown>;
  const last = keys[keys.length - 1];
  if (value === DROP) delete parent[last];
  else parent[last] = value;
  return card;
}

/** The message parseModelCard throws for `card`, or undefined when it parses. */
function problemOf(card: unknown): string | undefined {
  try {
    parseModelCard(card);
    return undefined;
  } catch (error) {
    return (error as Error).message;
  }
}

describe('parseModelCard', () => {
  it('parses the fixture card from its bytes, with every field of the contract', () => {
    const bytes = new TextEncoder().encode(JSON.stringify(tinyMmoeFiles().card));
    const card = parseModelCard(bytes);
    expect(card.format).toBe('recsys-model-card/1');
    expect(card.name).toBe('ranking/tiny-mmoe');
    expect(card.version).toBe('v1-tiny-seed7');
    expect(card.architecture).toBe('mmoe');
    expect(card.onnx).toEqual({ file: 'model.onnx', opset: 17 });
    expect(card.inputs).toHaveLength(1);
    expect(card.inputs[0].name).toBe('features');
    expect(card.inputs[0].shape).toEqual(['batch', 6]);
    expect(card.inputs[0].columns[5]).toEqual({ feature: 'user_account_age_days', mean: 200, std: 150 });
    expect(cardFeatures(card)).toEqual(['item_ctr_smoothed', 'item_log1p_impressions', 'user_topic_affinity', 'item_quality', 'item_aspect_ratio', 'user_account_age_days']);
    expect(card.outputs).toEqual([
      { name: 'click', task: 'click', kind: 'probability' },
      { name: 'save', task: 'save', kind: 'probability' },
      { name: 'dwell', task: 'dwell', kind: 'regression', unit: 'seconds' },
    ]);
    expect(card.lossWeights).toEqual({ click: 1, save: 1, dwell: 0.1 });
    expect(card.training.rows).toEqual({ train: 0, validation: 0, test: 0 });
    expect(card.training.seed).toBe(7);
    expect(card.parity.rows).toHaveLength(5);
    expect(card.parity.outputs.dwell).toHaveLength(5);
  });

  it('keeps only the fields of the contract and copies them', () => {
    const raw = cardWith('extra', 'ignored');
    const card = parseModelCard(raw);
    expect(card).not.toHaveProperty('extra');
    (raw.parity as { rows: number[][] }).rows[0][0] = 99;
    expect(card.parity.rows[0][0]).toBe(0.05);
  });

  it.each([
    ['card.format', 'format', 'recsys-model-card/2'],
    ['card.name', 'name', ''],
    ['card.version', 'version', DROP],
    ['card.architecture', 'architecture', 3],
    ['card.onnx.file', 'onnx.file', '../model.onnx'],
    ['card.onnx.opset', 'onnx.opset', 18],
    ['card.inputs', 'inputs', []],
    ['card.inputs[0].name', 'inputs.0.name', ''],
    ['card.inputs[0].type', 'inputs.0.type', 'float64'],
    ['card.inputs[0].shape', 'inputs.0.shape', ['batch', 5]],
    ['card.inputs[0].shape', 'inputs.0.shape', [1, 6]],
    ['card.inputs[0].columns', 'inputs.0.columns', []],
    ['card.inputs[0].columns[1].feature', 'inputs.0.columns.1.feature', ''],
    ['card.inputs[0].columns[3].feature', 'inputs.0.columns.3.feature', 'item_ctr_smoothed'],
    ['card.inputs[0].columns[2].mean', 'inputs.0.columns.2.mean', null],
    ['card.inputs[0].columns[2].std', 'inputs.0.columns.2.std', 0],
    ['card.outputs', 'outputs', 'click'],
    ['card.outputs[1].name', 'outputs.1.name', 'click'],
    ['card.outputs[1].task', 'outputs.1.task', 'click'],
    ['card.outputs[0].kind', 'outputs.0.kind', 'logit'],
    ['card.outputs[2].unit', 'outputs.2.unit', DROP],
    ['card.lossWeights.dwell', 'lossWeights.dwell', DROP],
    ['card.lossWeights.share', 'lossWeights.share', 1],
    ['card.lossWeights.save', 'lossWeights.save', -1],
    ['card.training', 'training', DROP],
    ['card.training.command', 'training.command', ''],
    ['card.training.rows.validation', 'training.rows.validation', 1.5],
    ['card.training.seed', 'training.seed', '7'],
    ['card.training.epochs', 'training.epochs', -1],
    ['card.metrics', 'metrics', []],
    ['card.metrics.test.share', 'metrics.test', { share: { auc: 0.7 } }],
    ['card.metrics.test.click.auc', 'metrics.test', { click: { auc: 'high' } }],
    ['card.parity', 'parity', DROP],
    ['card.parity.rows', 'parity.rows', []],
    ['card.parity.rows[1]', 'parity.rows.1', [0.2, 8.5, 0.6, 0.9, 0.66]],
    ['card.parity.rows[2][4]', 'parity.rows.2.4', 'x'],
    ['card.parity.outputs.save', 'parity.outputs.save', [0.1, 0.2, 0.3, 0.4]],
    ['card.parity.outputs.dwell', 'parity.outputs.dwell', DROP],
    ['card.parity.outputs.hide', 'parity.outputs.hide', [0, 0, 0, 0, 0]],
    ['card.parity.outputs.click[3]', 'parity.outputs.click.3', null],
  ] as [string, string, unknown][])('rejects a card with a bad %s (%s), naming the field', (field, path, value) => {
    const message = problemOf(cardWith(path, value));
    expect(message).toMatch(/^invalid model card: /);
    expect(message).toContain(`${field}: `);
  });

  it('lists every problem of a card at once', () => {
    const card = cardWith('format', 'x');
    (card.onnx as JsonObject).opset = 13;
    ((card.outputs as JsonObject[])[0] as JsonObject).kind = 'logit';
    const message = problemOf(card);
    expect(message).toContain('card.format: expected "recsys-model-card/1", got "x"');
    expect(message).toContain('card.onnx.opset: expected 17 (the pinned opset), got 13');
    expect(message).toContain('card.outputs[0].kind: expected "probability" or "regression", got "logit"');
  });

  it('rejects text that is not a JSON object', () => {
    expect(problemOf('{"format":')).toMatch(/^invalid model card: not valid JSON/);
    expect(problemOf('[1, 2]')).toBe('invalid model card: expected a JSON object, got [1,2]');
  });
});
