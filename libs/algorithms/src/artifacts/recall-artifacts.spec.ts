// Recall artifacts: hand-computed neighbour tables, a byte-exact round trip, validation, and sortable versions.
import { InteractionMatrixBuilder } from '../matrix/interaction-matrix';
import { SOURCE_ALS_WORKER } from '../../test/source-als-worker';
import { trainAls } from '../mf/als';
import { AlsWorkerPool } from '../mf/als-workers';
import {
  RECALL_MANIFEST_FILE,
  buildRecallArtifacts,
  buildRecallArtifactsOnWorkers,
  decodeRecallArtifact,
  encodeRecallArtifact,
  nextRecallVersion,
  type RecallArtifact,
} from './recall-artifacts';

/** u1: a b · u2: a b c · u3: c d (weight 1 each). */
function tiny() {
  const b = new InteractionMatrixBuilder('sum');
  for (const [u, i] of [
    ['u1', 'a'],
    ['u1', 'b'],
    ['u2', 'a'],
    ['u2', 'b'],
    ['u2', 'c'],
    ['u3', 'c'],
    ['u3', 'd'],
  ]) {
    b.add(u, i, 1);
  }
  return b.build();
}

const INFO = { version: 'v20260101000000-0000', createdAtMs: 1_767_225_600_000, dataset: 'tiny' };

describe('buildRecallArtifacts', () => {
  const built = buildRecallArtifacts(tiny(), INFO, { itemK: 2, userK: 2, factors: 2, iterations: 3 });

  it('builds the item-CF table by cosine over users', () => {
    // Item columns over users: a {u1,u2}, b {u1,u2}, c {u2,u3}, d {u3}.
    // cos(a,b) = 1, cos(a,c) = cos(b,c) = 1/2, cos(c,d) = 1/√2; c keeps d and a (a before b on the tie).
    const { itemIds, neighbors } = built.itemcf;
    expect(itemIds).toEqual(['a', 'b', 'c', 'd']);
    expect(Array.from(neighbors.indices)).toEqual([1, 2, 0, 2, 3, 0, 2, -1]);
    const s = Array.from(neighbors.scores);
    [1, 0.5, 1, 0.5, Math.SQRT1_2, 0.5, Math.SQRT1_2, 0].forEach((v, p) => expect(s[p]).toBeCloseTo(v, 6));
    expect(built.itemcf.info.params).toEqual({ similarity: 'cosine', shrinkage: 0, k: 2 });
  });

  it('builds the user-CF table and keeps the rows', () => {
    // cos(u1,u2) = 2/√6, cos(u2,u3) = 1/√6, cos(u1,u3) = 0.
    const { neighbors, rows, userIds } = built.usercf;
    expect(userIds).toEqual(['u1', 'u2', 'u3']);
    expect(Array.from(neighbors.indices)).toEqual([1, -1, 0, 2, 1, -1]);
    expect(neighbors.scores[0]).toBeCloseTo(2 / Math.sqrt(6), 6);
    expect(neighbors.scores[3]).toBeCloseTo(1 / Math.sqrt(6), 6);
    expect(Array.from(rows.indptr)).toEqual([0, 2, 5, 7]);
    expect(Array.from(rows.indices)).toEqual([0, 1, 0, 1, 2, 2, 3]);
  });

  it('trains ALS exactly as trainAls with the resolved options', () => {
    const reference = trainAls(tiny(), { factors: 2, iterations: 3 });
    expect(built.als.model.userFactors).toEqual(reference.userFactors);
    expect(built.als.model.itemFactors).toEqual(reference.itemFactors);
    expect(built.als.info.params).toMatchObject({ factors: 2, iterations: 3 });
  });

  it('keeps the defaults for options given as undefined', () => {
    const a = buildRecallArtifacts(tiny(), INFO, { similarity: undefined, itemK: undefined, factors: 2, iterations: 1 });
    expect(a.itemcf.info.params).toEqual({ similarity: 'cosine', shrinkage: 0, k: 50 });
    expect(a.als.model.factors).toBe(2);
  });

  it('reports progress per artifact', () => {
    const seen: string[] = [];
    buildRecallArtifacts(tiny(), INFO, { iterations: 2, factors: 2 }, (kind, done, total) => seen.push(`${kind} ${done}/${total}`));
    expect(seen).toEqual(['itemcf 0/1', 'itemcf 1/1', 'usercf 0/1', 'usercf 1/1', 'als 0/2', 'als 1/2', 'als 2/2']);
  });

  it('builds the same bytes with ALS on worker threads, with the same progress', async () => {
    const pool = await AlsWorkerPool.start(2, SOURCE_ALS_WORKER);
    try {
      const seen: string[] = [];
      const options = { itemK: 2, userK: 2, factors: 3, iterations: 3 };
      const onWorkers = await buildRecallArtifactsOnWorkers(pool, tiny(), INFO, options, (kind, done, total) => seen.push(`${kind} ${done}/${total}`));
      const inThread = buildRecallArtifacts(tiny(), INFO, options);
      for (const kind of ['itemcf', 'usercf', 'als'] as const) expect(encodeRecallArtifact(onWorkers[kind])).toEqual(encodeRecallArtifact(inThread[kind]));
      expect(seen).toEqual(['itemcf 0/1', 'itemcf 1/1', 'usercf 0/1', 'usercf 1/1', 'als 0/3', 'als 1/3', 'als 2/3', 'als 3/3']);
    } finally {
      await pool.close();
    }
  });

  it.each(['itemcf', 'usercf', 'als'] as const)('round-trips the %s artifact through bytes', (kind) => {
    const artifact: RecallArtifact = built[kind];
    const files = encodeRecallArtifact(artifact);
    // Copies at an odd offset: decoding must not depend on the alignment of the bytes it is given.
    const shifted = Object.fromEntries(
      Object.entries(files).map(([name, bytes]) => {
        const buffer = new Uint8Array(bytes.byteLength + 1);
        buffer.set(bytes, 1);
        return [name, buffer.subarray(1)];
      }),
    );
    expect(decodeRecallArtifact(shifted)).toEqual(artifact);
  });

  it('stores arrays as little-endian 4-byte values', () => {
    const files = encodeRecallArtifact(built.itemcf);
    expect(Object.keys(files).sort()).toEqual([RECALL_MANIFEST_FILE, 'neighbors.i32', 'scores.f32']);
    expect(Array.from(files['neighbors.i32'].subarray(0, 8))).toEqual([1, 0, 0, 0, 2, 0, 0, 0]);
    expect(Array.from(files['neighbors.i32'].subarray(28, 32))).toEqual([255, 255, 255, 255]);
  });

  it('rejects damaged artifacts with the reason', () => {
    const files = encodeRecallArtifact(built.itemcf);
    expect(() => decodeRecallArtifact({ ...files, 'scores.f32': files['scores.f32'].subarray(4) })).toThrow(
      'scores.f32 has 28 bytes, the manifest says 8 float32 values (32 bytes)',
    );
    const bad = new Int32Array([1, 2, 0, 2, 3, 0, 9, -1]);
    expect(() => decodeRecallArtifact({ ...files, 'neighbors.i32': new Uint8Array(bad.buffer) })).toThrow('neighbour 9 at 6 is outside -1..3');
    expect(() => decodeRecallArtifact({ 'neighbors.i32': files['neighbors.i32'] })).toThrow('no manifest.json');
    const manifest = JSON.parse(new TextDecoder().decode(files[RECALL_MANIFEST_FILE]));
    const other = new TextEncoder().encode(JSON.stringify({ ...manifest, format: 'something/v9' }));
    expect(() => decodeRecallArtifact({ ...files, [RECALL_MANIFEST_FILE]: other })).toThrow('not a recsys.recall-artifact/v1 manifest');
    const twice = new TextEncoder().encode(JSON.stringify({ ...manifest, itemIds: ['a', 'b', 'a', 'd'] }));
    expect(() => decodeRecallArtifact({ ...files, [RECALL_MANIFEST_FILE]: twice })).toThrow('item ids are not unique');
  });
});

describe('nextRecallVersion', () => {
  const t = Date.UTC(2026, 10, 25, 9, 30, 5);

  it('stamps the UTC second with counter 0000', () => {
    expect(nextRecallVersion(t)).toBe('v20261125093005-0000');
    expect(nextRecallVersion(t, 'v20261125093004-0007')).toBe('v20261125093005-0000');
  });

  it('counts up within one second, and stays after a latest version from a clock ahead of ours', () => {
    expect(nextRecallVersion(t, 'v20261125093005-0000')).toBe('v20261125093005-0001');
    expect(nextRecallVersion(t, 'v20261125093005-0009')).toBe('v20261125093005-0010');
    expect(nextRecallVersion(t, 'v20261125093100-0002')).toBe('v20261125093100-0003');
    const versions = ['v20261125093005-0009', nextRecallVersion(t, 'v20261125093005-0009')];
    expect([...versions].sort()).toEqual(versions);
  });
});
