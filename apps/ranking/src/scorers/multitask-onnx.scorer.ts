/** Scorer: per-task predictions from a deep multi-task model (ONNX), fused into one ranking score. */
import { fuseMatrix } from '@recsys/algorithms';
import { RecsysError } from '@recsys/domain';
import { fillInputs } from '@recsys/models';
import type { Scorer } from '@recsys/pipeline';
import type { RankingCandidate, RankingQuery } from '../types';

/**
 * Runs the model once on every candidate's row (raw feature values assembled by the model's input plan: ranking
 * features, item columns, user features; item columns the request lacks take their declared defaults) and sets
 * `tasks` (one prediction per task in `model.tasks` order: a probability, or a regression task's value in its unit)
 * and `rank`, the predictions fused by the query's rule (a regression task by its value). Fails when the query's model
 * is not an ONNX one. O(n · width) around one batched run.
 */
export const multitaskOnnxScorer: Scorer<RankingQuery, RankingCandidate> = {
  id: 'scorer/multitask-onnx',
  failOpen: false,
  score: async (query, candidates) => {
    if (!query.features) throw new RecsysError('internal', 'rank scorer ran without the ranking features');
    const loaded = query.model;
    if (loaded.kind !== 'onnx') throw new RecsysError('internal', `scorer/multitask-onnx cannot score with ${loaded.kind} model ${loaded.version}`);
    const n = candidates.length;
    const rows = Int32Array.from(candidates, (c) => c.row);
    const { values } = fillInputs(loaded.plan, { batch: query.batch, userFeatures: query.user.features, ranking: query.features }, rows);
    const outputs = await loaded.model.run(values, n);
    const width = loaded.tasks.length;
    const predictions = new Float64Array(n * width);
    loaded.model.card.outputs.forEach((output, t) => {
      const column = outputs[output.name];
      for (let i = 0; i < n; i++) predictions[i * width + t] = column[i];
    });
    const fused = fuseMatrix(query.fusion.rule, query.fusion.tasks, predictions, n);
    return candidates.map((_, i) => ({ tasks: predictions.subarray(i * width, (i + 1) * width), rank: fused[i] }));
  },
};
