// The parity check of docs/model-card.md: the served graph reproduces the training framework's outputs on the card's rows.
import type { OnnxModel } from './onnx-model';

/** Agreement the contract requires between onnxruntime-node and the training framework (see {@link withinTolerance}). */
export const PARITY_TOLERANCE = 1e-5;

/** The largest disagreement found, or none. */
export interface ParityWorst {
  output: string;
  row: number;
  expected: number;
  actual: number;
  /** |actual − expected|. */
  difference: number;
}

/** What {@link checkParity} found. */
export interface ParityReport {
  /** True when every output of every parity row is within tolerance. */
  ok: boolean;
  rows: number;
  /** Output values compared: rows × outputs. */
  compared: number;
  /** Values outside tolerance. */
  failures: number;
  /** The value with the largest |actual − expected| (relative to max(1, |expected|)). */
  worst?: ParityWorst;
  /** One line: counts and the worst value. */
  summary: string;
}

/**
 * True when `actual` agrees with `expected` within `tolerance`: |actual − expected| ≤ tolerance · max(1, |expected|)
 * (absolute for probabilities and other values up to 1; relative for larger regression values such as a dwell time
 * in seconds, whose float32 spacing alone exceeds 1e-5 above 128).
 */
export function withinTolerance(expected: number, actual: number, tolerance = PARITY_TOLERANCE): boolean {
  return Math.abs(actual - expected) <= tolerance * Math.max(1, Math.abs(expected));
}

/**
 * Runs `model` once on its card's parity rows (as float32) and compares every output with the card's values
 * ({@link withinTolerance}). Never throws for a disagreement (it is reported); rejects only when the run fails.
 * O(parity rows × (width + outputs)) plus one run.
 */
export async function checkParity(model: OnnxModel, tolerance = PARITY_TOLERANCE): Promise<ParityReport> {
  const { card } = model;
  const rows = card.parity.rows.length;
  const input = new Float32Array(rows * model.width);
  card.parity.rows.forEach((row, r) => input.set(row, r * model.width));
  const outputs = await model.run(input, rows);
  let failures = 0;
  let worst: ParityWorst | undefined;
  let worstScaled = -1;
  for (const { name } of card.outputs) {
    const expected = card.parity.outputs[name];
    const actual = outputs[name];
    for (let r = 0; r < rows; r++) {
      const difference = Math.abs(actual[r] - expected[r]);
      if (!withinTolerance(expected[r], actual[r], tolerance)) failures++;
      const scaled = difference / Math.max(1, Math.abs(expected[r]));
      if (scaled > worstScaled) {
        worstScaled = scaled;
        worst = { output: name, row: r, expected: expected[r], actual: actual[r], difference };
      }
    }
  }
  const compared = rows * card.outputs.length;
  const where = worst ? `; largest difference ${worst.difference.toExponential(2)} (output ${worst.output}, row ${worst.row}: expected ${worst.expected}, got ${worst.actual})` : '';
  return {
    ok: failures === 0,
    rows,
    compared,
    failures,
    ...(worst ? { worst } : {}),
    summary: `${failures} of ${compared} parity values outside ${tolerance} over ${rows} rows${where}`,
  };
}
