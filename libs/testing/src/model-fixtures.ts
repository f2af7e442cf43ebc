// The test model store: small ONNX models in the model store's layout, and copies of them published for a test.
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { ModelStore } from '@recsys/stores';

/** The fixture model store (LocalModelStore layout), relative to the repository root (see its README). */
export const FIXTURE_MODEL_STORE = 'libs/testing/fixtures/models';

/**
 * The tiny MMoE fixture: inputs item_ctr_smoothed, item_log1p_impressions, user_topic_affinity, item_quality,
 * item_aspect_ratio and user_account_age_days; outputs click and save (probabilities) and dwell (regression, seconds);
 * seeded random weights, five parity rows.
 */
export const TINY_MMOE = Object.freeze({ name: 'ranking/tiny-mmoe', version: 'v1-tiny-seed7' });

/**
 * The tiny two-tower fixture (trained on a tiny world): user tower over user_history_content_0..15, item tower over
 * item_content_0..15 and item_quality, 8-d embeddings of the world's 200 pins (`pin_…` ids).
 */
export const TINY_TWO_TOWER = Object.freeze({ name: 'recall/tiny-two-tower', version: 'v1-tiny-seed7' });

/** The files of the tiny two-tower fixture, by name (bytes), for tests that publish or edit a copy. */
export function tinyTwoTowerFiles(): Record<string, Uint8Array> {
  const dir = join(fixtureModelStoreDir(), TINY_TWO_TOWER.name, TINY_TWO_TOWER.version);
  const files = ['card.json', 'user_tower.onnx', 'item_tower.onnx', 'item_embeddings.f32', 'item_ids.json'];
  return Object.fromEntries(files.map((f) => [f, new Uint8Array(readFileSync(join(dir, f)))]));
}

/**
 * Publishes a copy of the tiny two-tower model to `store` as `name` (default the fixture's) version `version`: the
 * card's name and version rewritten to match, then `editCard` applied; `files` replaces files by name.
 */
export async function publishTinyTwoTower(
  store: ModelStore,
  opts: { version: string; name?: string; editCard?: (card: JsonObject) => void; files?: Record<string, Uint8Array> },
): Promise<void> {
  const name = opts.name ?? TINY_TWO_TOWER.name;
  const files = tinyTwoTowerFiles();
  const card = JSON.parse(new TextDecoder().decode(files['card.json'])) as JsonObject;
  card.name = name;
  card.version = opts.version;
  opts.editCard?.(card);
  await store.publish(name, opts.version, { ...files, 'card.json': new TextEncoder().encode(JSON.stringify(card)), ...(opts.files ?? {}) });
}

/** Absolute path of the fixture model store, for code run from its sources (jest). */
export function fixtureModelStoreDir(): string {
  return resolve(__dirname, '..', 'fixtures', 'models');
}

/** A JSON object, for tests that edit a card. */
export type JsonObject = Record<string, unknown>;

/** The tiny MMoE's card (parsed JSON, a fresh copy each call) and graph bytes. */
export function tinyMmoeFiles(): { card: JsonObject; onnx: Uint8Array } {
  const dir = join(fixtureModelStoreDir(), TINY_MMOE.name, TINY_MMOE.version);
  return {
    card: JSON.parse(readFileSync(join(dir, 'card.json'), 'utf8')) as JsonObject,
    onnx: new Uint8Array(readFileSync(join(dir, 'model.onnx'))),
  };
}

/**
 * Publishes a copy of the tiny MMoE to `store` as `name` (default the fixture's) version `version`: the card's name
 * and version rewritten to match, then `editCard` applied to it; `onnx` replaces the graph's bytes. For tests of
 * loading, refusal and hot swap.
 */
export async function publishTinyMmoe(
  store: ModelStore,
  opts: { version: string; name?: string; editCard?: (card: JsonObject) => void; onnx?: Uint8Array },
): Promise<void> {
  const name = opts.name ?? TINY_MMOE.name;
  const { card, onnx } = tinyMmoeFiles();
  card.name = name;
  card.version = opts.version;
  opts.editCard?.(card);
  await store.publish(name, opts.version, {
    'card.json': new TextEncoder().encode(JSON.stringify(card)),
    'model.onnx': opts.onnx ?? onnx,
  });
}
