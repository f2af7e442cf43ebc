// On-disk form of the embedded vector store: one directory per collection, an hnswlib index file and a JSON manifest.
import { writeFileAtomic } from '../internal/atomic-write';
import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { HierarchicalNSW } from 'hnswlib-node';
import { RecsysError, errorMessage } from '@recsys/domain';
import { crc32 } from '../internal/crc32';
import type { VectorCollectionSpec, VectorPayload } from '../ports';
import { HnswCollection, spaceOf, type HnswParams, type StoredRow } from './hnsw-collection';
import { validatePayload, validateSpec } from './vector-input';

/** File name of a collection's manifest inside its directory. */
export const MANIFEST_FILE = 'collection.json';

const FORMAT = 'recsys.hnsw-collection';
const VERSION = 1;

/**
 * The manifest, version 1. It names the index file of the same generation and carries that file's size and CRC-32,
 * so a manifest never points at a partial or foreign index. Each save writes a new index file, then replaces the
 * manifest atomically (temporary file, fsync, rename, directory fsync), then deletes older index files: a crash at
 * any point leaves the previous or the new generation loadable.
 */
interface Manifest {
  format: typeof FORMAT;
  version: typeof VERSION;
  name: string;
  dimension: number;
  distance: VectorCollectionSpec['distance'];
  /** hnswlib `M` and `ef_construction` the index was built with (informational; the index file holds them). */
  m: number;
  efConstruction: number;
  /** Labels below this have been handed out. */
  nextLabel: number;
  indexFile: string;
  indexBytes: number;
  indexCrc32: number;
  /** Live points: [label, id, payload]. */
  points: StoredRow[];
}

/**
 * Captures the collection now (index file written synchronously, rows copied in the same tick), then finishes the
 * save asynchronously as described on {@link Manifest}. Concurrent saves of one collection must be serialised by
 * the caller.
 */
export function saveCollection(dir: string, name: string, collection: HnswCollection, params: HnswParams): Promise<void> {
  const collectionDir = path.join(dir, name);
  return (async () => {
    await fs.mkdir(collectionDir, { recursive: true });
    const indexFile = `index-${Date.now().toString(36)}-${randomBytes(4).toString('hex')}.hnsw`;
    const indexPath = path.join(collectionDir, indexFile);
    // Index and rows are taken together with no await in between, so they describe the same state.
    collection.writeIndex(indexPath);
    const manifest: Manifest = {
      format: FORMAT,
      version: VERSION,
      name,
      dimension: collection.spec.dimension,
      distance: collection.spec.distance,
      m: params.m,
      efConstruction: params.efConstruction,
      nextLabel: collection.labelLimit,
      indexFile,
      indexBytes: 0,
      indexCrc32: 0,
      points: collection.rows(),
    };
    try {
      const bytes = await fs.readFile(indexPath);
      await fsyncFile(indexPath);
      manifest.indexBytes = bytes.length;
      manifest.indexCrc32 = crc32(bytes);
      await writeFileAtomic(path.join(collectionDir, MANIFEST_FILE), Buffer.from(JSON.stringify(manifest)));
    } catch (error) {
      await fs.rm(indexPath, { force: true });
      throw error;
    }
    for (const entry of await fs.readdir(collectionDir)) {
      if (entry !== indexFile && entry.startsWith('index-') && entry.endsWith('.hnsw')) await fs.rm(path.join(collectionDir, entry), { force: true });
    }
  })();
}

/** Deletes a collection's directory (nothing when it does not exist). */
export async function removeCollection(dir: string, name: string): Promise<void> {
  await fs.rm(path.join(dir, name), { recursive: true, force: true });
}

/**
 * Loads every collection under `dir` (a missing directory gives none). Subdirectories without a manifest are
 * ignored; a damaged manifest or index rejects with an `internal` RecsysError naming the file.
 */
export async function loadCollections(dir: string, params: HnswParams): Promise<Map<string, HnswCollection>> {
  const loaded = new Map<string, HnswCollection>();
  let entries: import('node:fs').Dirent[];
  try {
    entries = await fs.readdir(dir, { withFileTypes: true });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return loaded;
    throw new RecsysError('internal', `cannot read vector-store directory ${dir}: ${errorMessage(error)}`, { cause: error });
  }
  for (const entry of entries) {
    if (!entry.isDirectory()) continue;
    const file = path.join(dir, entry.name, MANIFEST_FILE);
    let text: string;
    try {
      text = await fs.readFile(file, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') continue;
      throw new RecsysError('internal', `cannot read ${file}: ${errorMessage(error)}`, { cause: error });
    }
    try {
      loaded.set(entry.name, await loadCollection(path.join(dir, entry.name), entry.name, text, params));
    } catch (error) {
      throw new RecsysError('internal', `vector-store collection ${file} is corrupt: ${errorMessage(error)}`, { cause: error });
    }
  }
  return loaded;
}

async function loadCollection(collectionDir: string, name: string, text: string, params: HnswParams): Promise<HnswCollection> {
  const manifest = JSON.parse(text) as Manifest;
  if (manifest === null || typeof manifest !== 'object' || manifest.format !== FORMAT) throw new Error('not a vector-store collection manifest');
  if (manifest.version !== VERSION) throw new Error(`unsupported manifest version ${manifest.version}`);
  if (manifest.name !== name) throw new Error(`manifest names collection ${JSON.stringify(manifest.name)}, directory is ${JSON.stringify(name)}`);
  const spec = validateSpec({ dimension: manifest.dimension, distance: manifest.distance });
  if (typeof manifest.indexFile !== 'string' || path.basename(manifest.indexFile) !== manifest.indexFile) throw new Error('bad index file name');
  if (!Number.isInteger(manifest.nextLabel) || manifest.nextLabel < 0) throw new Error('bad nextLabel');
  if (!Array.isArray(manifest.points)) throw new Error('points must be an array');
  const indexPath = path.join(collectionDir, manifest.indexFile);
  const bytes = await fs.readFile(indexPath);
  if (bytes.length !== manifest.indexBytes) throw new Error(`index file ${manifest.indexFile} has ${bytes.length} bytes, the manifest says ${manifest.indexBytes}`);
  const crc = crc32(bytes);
  if (crc !== manifest.indexCrc32) throw new Error(`index file ${manifest.indexFile} checksum mismatch (stored 0x${manifest.indexCrc32.toString(16)}, computed 0x${crc.toString(16)})`);
  const rows: StoredRow[] = manifest.points.map(([label, id, payload], i) => {
    if (typeof id !== 'string') throw new Error(`points[${i}] has no id`);
    return [label, id, validatePayload(`points[${i}].payload`, payload) as VectorPayload];
  });
  const index = new HierarchicalNSW(spaceOf(spec.distance), spec.dimension);
  index.readIndexSync(indexPath, true);
  if (index.getNumDimensions() !== spec.dimension) throw new Error(`index dimension ${index.getNumDimensions()} differs from the manifest's ${spec.dimension}`);
  return HnswCollection.restore(spec, params, index, rows, manifest.nextLabel);
}

async function fsyncFile(file: string): Promise<void> {
  const handle = await fs.open(file, 'r+');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

