// A deep model version loaded from the model store into an onnxruntime-node session, checked against its card.
import type { ModelStore } from '@recsys/stores';
import { InferenceSession, Tensor } from 'onnxruntime-node';
import { MODEL_CARD_FILE, parseModelCard, type ModelCard } from '../card/model-card';

/**
 * How every session is created: CPU, one intra-op and one inter-op thread (a ranking replica scales by processes,
 * and one request's batch is small enough that more threads cost more than they save), every graph optimisation.
 */
export const SESSION_OPTIONS: Readonly<InferenceSession.SessionOptions> = {
  executionProviders: ['cpu'],
  intraOpNumThreads: 1,
  interOpNumThreads: 1,
  executionMode: 'sequential',
  graphOptimizationLevel: 'all',
};

/** A model version served from an ONNX graph: its card and one batched run at a time per call. */
export interface OnnxModel {
  readonly card: ModelCard;
  /** Columns of the one input (`card.inputs[0].columns.length`). */
  readonly width: number;
  /**
   * Runs the graph once on `rows` rows: `input` is a row-major `rows × width` matrix of raw feature values in card
   * column order. Resolves to one Float32Array of `rows` values per output, keyed by output name. Rejects when the
   * input has the wrong length, after {@link OnnxModel.release}, or when an output does not hold one value per row.
   * The graph itself runs synchronously on the calling thread (onnxruntime-node schedules it with `setImmediate`).
   */
  run(input: Float32Array, rows: number): Promise<Record<string, Float32Array>>;
  /** Frees the session; later runs reject. The caller makes sure no run is in flight. Idempotent. */
  release(): Promise<void>;
}

/** Wraps an error with the model and version it concerns. */
function modelError(name: string, version: string, message: string): Error {
  return new Error(`model ${name} version ${version}: ${message}`);
}

/** Problems between a session's inputs and outputs and what the card says; empty when they agree. */
function sessionMismatches(session: InferenceSession, card: ModelCard): string[] {
  const problems: string[] = [];
  const sameNames = (a: readonly string[], b: readonly string[]) => a.length === b.length && a.every((n) => b.includes(n));
  const cardInputs = card.inputs.map((i) => i.name);
  const cardOutputs = card.outputs.map((o) => o.name);
  if (!sameNames(session.inputNames, cardInputs)) {
    problems.push(`the graph's inputs [${session.inputNames.join(', ')}] are not card.inputs [${cardInputs.join(', ')}]`);
  }
  if (!sameNames(session.outputNames, cardOutputs)) {
    problems.push(`the graph's outputs [${session.outputNames.join(', ')}] are not card.outputs [${cardOutputs.join(', ')}]`);
  }
  for (const meta of session.inputMetadata) {
    const input = card.inputs.find((i) => i.name === meta.name);
    if (!input) continue;
    if (!meta.isTensor || meta.type !== 'float32') {
      problems.push(`graph input ${meta.name} is not a float32 tensor`);
      continue;
    }
    const [batch, width, ...more] = meta.shape;
    if (typeof batch !== 'string' || more.length > 0 || width !== input.columns.length) {
      problems.push(
        `graph input ${meta.name} has shape [${meta.shape.join(', ')}], card.inputs says [batch (dynamic), ${input.columns.length}]`,
      );
    }
  }
  for (const meta of session.outputMetadata) {
    if (!cardOutputs.includes(meta.name)) continue;
    if (!meta.isTensor || meta.type !== 'float32') {
      problems.push(`graph output ${meta.name} is not a float32 tensor`);
      continue;
    }
    const [batch, ...rest] = meta.shape;
    if (typeof batch !== 'string' || !(rest.length === 0 || (rest.length === 1 && rest[0] === 1))) {
      problems.push(`graph output ${meta.name} has shape [${meta.shape.join(', ')}], expected [batch (dynamic)] or [batch (dynamic), 1]`);
    }
  }
  return problems;
}

/** A session with {@link SESSION_OPTIONS} over the graph bytes `onnx` of version file `file`; rejects with `fail`. */
export async function openSession(onnx: Uint8Array, file: string, fail: (message: string) => Error): Promise<InferenceSession> {
  try {
    // A copy: onnxruntime wraps the options it is given in a proxy, which fails on frozen arrays.
    return await InferenceSession.create(onnx, { ...SESSION_OPTIONS, executionProviders: ['cpu'] });
  } catch (error) {
    throw fail(`${file} is not a graph onnxruntime can load: ${error instanceof Error ? error.message : String(error)}`);
  }
}

/**
 * An {@link OnnxModel} over a session made from `onnx` (the graph's bytes) and its parsed `card`: checks that the
 * session's inputs and outputs are the card's (names; float32; a dynamic batch axis; the card's input width; one
 * value per row per output) and that the card has exactly one input, which is what serving feeds. Rejects naming the
 * model, the version and every mismatch; the session is released on failure. Session creation blocks the event loop
 * for the time onnxruntime takes to optimise the graph.
 */
export async function createOnnxModel(card: ModelCard, onnx: Uint8Array): Promise<OnnxModel> {
  const fail = (message: string) => modelError(card.name, card.version, message);
  if (card.inputs.length !== 1) throw fail(`serving feeds one input, card.inputs has ${card.inputs.length}`);
  const session = await openSession(onnx, card.onnx.file, fail);
  const problems = sessionMismatches(session, card);
  if (problems.length > 0) {
    await session.release();
    throw fail(`the graph does not match its card: ${problems.join('; ')}`);
  }
  const [input] = card.inputs;
  const width = input.columns.length;
  const outputNames = card.outputs.map((o) => o.name);
  let released = false;
  return {
    card,
    width,
    run: async (values, rows) => {
      if (released) throw fail('run after release');
      if (!Number.isSafeInteger(rows) || rows < 0 || values.length !== rows * width) {
        throw fail(`run expects rows × ${width} input values, got ${values.length} values for ${rows} rows`);
      }
      if (rows === 0) return Object.fromEntries(outputNames.map((name) => [name, new Float32Array(0)]));
      const results = await session.run({ [input.name]: new Tensor('float32', values, [rows, width]) });
      const out: Record<string, Float32Array> = {};
      for (const name of outputNames) {
        const data = results[name]?.data;
        if (!(data instanceof Float32Array) || data.length !== rows) {
          throw fail(`output ${name} holds ${data instanceof Float32Array ? `${data.length} float32 values` : 'no float32 values'} for ${rows} rows`);
        }
        out[name] = data;
      }
      return out;
    },
    release: async () => {
      if (released) return;
      released = true;
      await session.release();
    },
  };
}

/**
 * Loads version `version` of model `name` from `store`: reads and parses `card.json` ({@link parseModelCard}), checks
 * that the card names this model and version, reads the graph the card names (`onnx.file`) and creates its session
 * ({@link createOnnxModel}). Rejects with a message naming the model, the version and the problem.
 */
export async function loadOnnxModel(store: ModelStore, name: string, version: string): Promise<OnnxModel> {
  const fail = (message: string) => modelError(name, version, message);
  let card: ModelCard;
  try {
    card = parseModelCard(await store.read(name, version, MODEL_CARD_FILE));
  } catch (error) {
    throw fail(error instanceof Error ? error.message : String(error));
  }
  if (card.name !== name) throw fail(`card.name is "${card.name}"`);
  if (card.version !== version) throw fail(`card.version is "${card.version}"`);
  return createOnnxModel(card, await store.read(name, version, card.onnx.file));
}
