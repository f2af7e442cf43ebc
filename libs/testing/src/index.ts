/** Test helpers shared by every project: an OTLP collector, polling, temporary directories, TypeScript worker threads, model fixtures. */
export { startOtlpCollector, type CollectedSpan, type OtlpCollector } from './otlp-collector';
export { waitFor, type WaitForOptions } from './wait-for';
export { freeDataDir } from './data-dir';
export { freeServicePort } from './ports';
export { typeScriptWorker } from './typescript-worker';
export {
  FIXTURE_MODEL_STORE,
  TINY_MMOE,
  TINY_TWO_TOWER,
  fixtureModelStoreDir,
  publishTinyMmoe,
  publishTinyTwoTower,
  tinyMmoeFiles,
  tinyTwoTowerFiles,
  type JsonObject,
} from './model-fixtures';
