// One collection of the embedded vector store: an hnswlib HNSW index, the id ↔ label maps, payloads and their postings.
import { HierarchicalNSW, type SpaceName } from 'hnswlib-node';
import { RecsysError } from '@recsys/domain';
import type { VectorCollectionSpec, VectorCondition, VectorDistance, VectorHit, VectorPayload, VectorRecord } from '../ports';
import { compileFilter, type ValidPoint, type ValidSearch } from './vector-input';

/** Index-building and search parameters of an {@link HnswCollection}. */
export interface HnswParams {
  /** HNSW graph degree (hnswlib `M`). */
  m: number;
  /** Beam width while inserting (hnswlib `ef_construction`). */
  efConstruction: number;
  /** Seed of the level generator: the same inserts in the same order give the same graph. */
  seed: number;
  /** Capacity of a new index; it doubles whenever full. */
  initialCapacity: number;
  /** Default search beam width (hnswlib `ef`), raised to `limit` when smaller. */
  ef: number;
  /**
   * A filtered search whose `must` conditions admit at most this many points is answered exactly, by scanning those
   * points, instead of walking the graph (a graph walk with a very selective filter finds too few of them).
   */
  exactSearchThreshold: number;
}

/** One stored point as persisted: label, id, payload. */
export type StoredRow = [label: number, id: string, payload: VectorPayload];

const SPACES: Record<VectorDistance, SpaceName> = { cosine: 'cosine', dot: 'ip', euclid: 'l2' };
const MAX_LABEL = 0xffff_ffff;

/** The hnswlib space of a distance: cosine normalizes and uses 1 − dot, `ip` is 1 − dot, `l2` is squared L2. */
export function spaceOf(distance: VectorDistance): SpaceName {
  return SPACES[distance];
}

/**
 * Converts an hnswlib distance to the port's higher-is-better score: cosine and dot `1 − d` (hnswlib's cosine and
 * inner-product distances are `1 − dot`), euclid `−√d` (hnswlib's l2 distance is squared).
 */
export function scoreOf(distance: VectorDistance, d: number): number {
  return distance === 'euclid' ? -Math.sqrt(Math.max(0, d)) : 1 - d;
}

/** Posting key of a payload value: key, NUL, a type tag, the value (so `'1'` and `1` differ). */
function postingKey(key: string, value: string | number | boolean): string {
  return `${key}\u0000${typeof value === 'string' ? 's' : typeof value === 'number' ? 'n' : 'b'}${String(value)}`;
}

/**
 * A collection in memory. Labels are integers handed out in increasing order and never reused; a deleted point's
 * label is marked deleted in the index and its graph slot is reused by a later insert (`allowReplaceDeleted`).
 * Postings (payload value → labels) let selective filters be answered exactly. Not safe for concurrent use — the
 * store calls it from one thread.
 */
export class HnswCollection {
  private readonly labelOf = new Map<string, number>();
  private readonly ids: (string | undefined)[] = [];
  private readonly payloads: (VectorPayload | undefined)[] = [];
  private readonly postings = new Map<string, Set<number>>();

  private constructor(
    readonly spec: VectorCollectionSpec,
    private readonly params: HnswParams,
    private readonly index: HierarchicalNSW,
    private nextLabel: number,
  ) {}

  /** An empty collection. */
  static create(spec: VectorCollectionSpec, params: HnswParams): HnswCollection {
    const index = new HierarchicalNSW(spaceOf(spec.distance), spec.dimension);
    index.initIndex({
      maxElements: Math.max(1, params.initialCapacity),
      m: params.m,
      efConstruction: params.efConstruction,
      randomSeed: params.seed,
      allowReplaceDeleted: true,
    });
    return new HnswCollection(spec, params, index, 0);
  }

  /** A collection from a loaded index and its rows (see {@link HnswCollection.rows}); throws on inconsistent rows. */
  static restore(spec: VectorCollectionSpec, params: HnswParams, index: HierarchicalNSW, rows: readonly StoredRow[], nextLabel: number): HnswCollection {
    const collection = new HnswCollection(spec, params, index, nextLabel);
    for (const [label, id, payload] of rows) {
      if (!Number.isInteger(label) || label < 0 || label >= nextLabel) throw new Error(`label ${label} of ${JSON.stringify(id)} is outside 0..${nextLabel - 1}`);
      if (collection.labelOf.has(id) || collection.ids[label] !== undefined) throw new Error(`id ${JSON.stringify(id)} or label ${label} appears twice`);
      collection.bind(id, label, payload);
    }
    return collection;
  }

  /** Number of points. */
  get size(): number {
    return this.labelOf.size;
  }

  /** Points the index can hold before it grows. */
  get capacity(): number {
    return this.index.getMaxElements();
  }

  /** Graph slots in use, live and deleted-but-not-yet-reused. */
  get slots(): number {
    return this.index.getCurrentCount();
  }

  /** The label after the largest handed out (persisted so labels are never reused). */
  get labelLimit(): number {
    return this.nextLabel;
  }

  /** Inserts or replaces validated points. Grows the index first when the new points do not fit. */
  upsert(points: readonly ValidPoint[]): void {
    let added = 0;
    for (const p of points) if (!this.labelOf.has(p.id)) added++;
    if (this.nextLabel + added - 1 > MAX_LABEL) throw new RecsysError('internal', 'the collection has used up its 2^32 labels; rebuild it');
    const vacant = this.index.getCurrentCount() - this.labelOf.size;
    const free = this.index.getMaxElements() - this.index.getCurrentCount() + vacant;
    if (added > free) {
      const max = this.index.getMaxElements();
      this.index.resizeIndex(Math.max(2 * max, max + added - free));
    }
    for (const p of points) {
      const existing = this.labelOf.get(p.id);
      if (existing !== undefined) {
        // An update of a live label: hnswlib moves the point and repairs its links.
        this.index.addPoint(p.vector, existing, false);
        this.unbindPayload(existing);
        this.payloads[existing] = p.payload;
        this.indexPayload(existing, p.payload);
      } else {
        const label = this.nextLabel++;
        // replaceDeleted: reuse the slot of a deleted point when there is one, else append.
        this.index.addPoint(p.vector, label, true);
        this.bind(p.id, label, p.payload);
      }
    }
  }

  /** Removes points; unknown ids are ignored. */
  delete(ids: readonly string[]): void {
    for (const id of ids) {
      const label = this.labelOf.get(id);
      if (label === undefined) continue;
      this.index.markDelete(label);
      this.unbindPayload(label);
      this.labelOf.delete(id);
      this.ids[label] = undefined;
      this.payloads[label] = undefined;
    }
  }

  /** A stored point (its vector as the index holds it: unit length for cosine). */
  get(id: string): VectorRecord | undefined {
    const label = this.labelOf.get(id);
    if (label === undefined) return undefined;
    return { id, vector: Float32Array.from(this.index.getPoint(label)), payload: copyPayload(this.payloads[label] ?? {}) };
  }

  /**
   * Nearest points. Unfiltered and non-selective filtered searches walk the graph with beam `max(ef, limit)`, the
   * filter checked per visited label (a Set lookup per condition); selective ones scan the candidates exactly, and a
   * filtered walk that finds fewer than `limit` points falls back to scanning every point the filter accepts (so a
   * filtered search returns `min(limit, matching points)` hits).
   */
  search(s: ValidSearch): VectorHit[] {
    const k = Math.min(s.limit, this.labelOf.size);
    if (k === 0) return [];
    const filter = s.filter !== undefined && s.filter.must.length + s.filter.mustNot.length > 0 ? s.filter : undefined;
    const accepts = filter === undefined ? undefined : compileFilter(filter);
    if (filter !== undefined && accepts !== undefined) {
      const candidates = this.candidates(filter.must);
      if (candidates !== undefined && candidates.size <= this.params.exactSearchThreshold) return this.exactSearch(s, candidates, accepts);
    }
    this.index.setEf(Math.max(s.ef ?? this.params.ef, k));
    const payloads = this.payloads;
    const result =
      accepts === undefined ? this.index.searchKnn(s.vector, k) : this.index.searchKnn(s.vector, k, (label) => accepts(payloads[label]));
    const hits: VectorHit[] = [];
    for (let i = 0; i < result.neighbors.length; i++) {
      const label = result.neighbors[i];
      const id = this.ids[label];
      if (id === undefined) continue;
      hits.push(this.hit(id, label, scoreOf(this.spec.distance, result.distances[i]), s.withPayload));
    }
    // A filter that rejects most of the graph can starve the walk; then scan every point the filter accepts.
    if (accepts !== undefined && hits.length < k) return this.exactSearch(s, this.labelOf.values(), accepts);
    return hits;
  }

  /** Every live point as a persistable row, in label order. */
  rows(): StoredRow[] {
    const rows: StoredRow[] = [];
    for (let label = 0; label < this.ids.length; label++) {
      const id = this.ids[label];
      if (id !== undefined) rows.push([label, id, this.payloads[label] ?? {}]);
    }
    return rows;
  }

  /** Writes the index to `file` (synchronously, so it matches {@link rows} taken in the same tick). */
  writeIndex(file: string): void {
    this.index.writeIndexSync(file);
  }

  /** Labels admitted by the most selective `must` condition, from the postings; undefined without one. */
  private candidates(must: readonly VectorCondition[]): Set<number> | undefined {
    let best: Set<number> | undefined;
    for (const c of must) {
      const values = 'equals' in c ? [c.equals] : c.anyOf;
      let set: Set<number>;
      if (values.length === 1) {
        set = this.postings.get(postingKey(c.key, values[0])) ?? new Set();
      } else {
        set = new Set();
        for (const v of values) for (const label of this.postings.get(postingKey(c.key, v)) ?? []) set.add(label);
      }
      if (best === undefined || set.size < best.size) best = set;
    }
    return best;
  }

  private exactSearch(s: ValidSearch, candidates: Iterable<number>, accepts: (p: VectorPayload | undefined) => boolean): VectorHit[] {
    const q = this.spec.distance === 'cosine' ? unit(s.vector) : s.vector;
    const scored: { label: number; score: number }[] = [];
    for (const label of candidates) {
      if (!accepts(this.payloads[label])) continue;
      const x = this.index.getPoint(label);
      let score = 0;
      if (this.spec.distance === 'euclid') {
        for (let i = 0; i < x.length; i++) score += (q[i] - x[i]) ** 2;
        score = -Math.sqrt(score);
      } else {
        for (let i = 0; i < x.length; i++) score += q[i] * x[i];
      }
      scored.push({ label, score });
    }
    scored.sort((a, b) => b.score - a.score || a.label - b.label);
    return scored.slice(0, s.limit).map(({ label, score }) => this.hit(this.ids[label] as string, label, score, s.withPayload));
  }

  private hit(id: string, label: number, score: number, withPayload: boolean): VectorHit {
    return withPayload ? { id, score, payload: copyPayload(this.payloads[label] ?? {}) } : { id, score };
  }

  private bind(id: string, label: number, payload: VectorPayload): void {
    this.labelOf.set(id, label);
    this.ids[label] = id;
    this.payloads[label] = payload;
    this.indexPayload(label, payload);
  }

  private indexPayload(label: number, payload: VectorPayload): void {
    for (const [key, value] of Object.entries(payload)) {
      for (const v of Array.isArray(value) ? value : [value]) {
        const k = postingKey(key, v);
        let set = this.postings.get(k);
        if (set === undefined) this.postings.set(k, (set = new Set()));
        set.add(label);
      }
    }
  }

  private unbindPayload(label: number): void {
    const payload = this.payloads[label];
    if (payload === undefined) return;
    for (const [key, value] of Object.entries(payload)) {
      for (const v of Array.isArray(value) ? value : [value]) {
        const k = postingKey(key, v);
        const set = this.postings.get(k);
        set?.delete(label);
        if (set?.size === 0) this.postings.delete(k);
      }
    }
  }
}

function unit(v: readonly number[]): number[] {
  let norm = 0;
  for (const x of v) norm += x * x;
  norm = Math.sqrt(norm);
  return v.map((x) => x / norm);
}

function copyPayload(payload: VectorPayload): VectorPayload {
  const out: VectorPayload = {};
  for (const [k, v] of Object.entries(payload)) out[k] = Array.isArray(v) ? [...v] : v;
  return out;
}
