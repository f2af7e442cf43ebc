/**
 * @recsys/datasets: dataset files.
 *
 * - {@link loadDataset}: MovieLens (100k, 1M, CSV releases), a generic interactions CSV and a world folder into
 *   one `InteractionMatrix`, streaming, with file:line:column errors ({@link DatasetError}) or skipped rows.
 * - {@link writeWorldFiles} / {@link writeEventLog}: a simulated world and its event log as Parquet (through
 *   DuckDB) plus `manifest.json`; {@link readWorldManifest}, {@link readEvents} read them back.
 *
 * Every file and column is documented in docs/data-format.md.
 */
export { DATASET_FORMATS } from './dataset';
export type { DatasetFormat, Demographics, ItemInfo, LoadDatasetOptions, LoadedDataset } from './dataset';
export { DatasetError } from './errors';
export { loadDataset } from './load-dataset';
export { INTERACTION_COLUMNS, SECONDS_LIMIT } from './interactions/interactions-csv';
export {
  MOVIELENS_100K_GENRES,
  MOVIELENS_1M_OCCUPATIONS,
  MOVIELENS_AGE_GROUPS,
  demographicSegmentOf,
  movieLensAgeBucket,
} from './movielens/demographics';
export { EVENTS_FILE, readEvents, writeEventLog } from './world/event-log';
export type { ReadEventsOptions, WriteEventLogOptions } from './world/event-log';
export { WORLD_IMPLICIT_WEIGHTS } from './world/world-dataset';
export { MANIFEST_FILE, WORLD_FORMAT, readWorldManifest, writeWorldFiles } from './world/world-files';
export type { EventLogInfo, WorldFile, WorldManifest, WriteWorldOptions } from './world/world-files';
