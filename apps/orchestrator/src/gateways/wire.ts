/** Conversions between the orchestrator's candidates and the wire messages of its downstream services. */
import {
  surfaceToWire,
  type Candidate,
  type FeatureVector,
  type RequestContext,
  type ScoringCandidate,
  type UserScoringContext,
} from '@recsys/contracts';
import { RecsysError } from '@recsys/domain';
import type { Features, ItemFeatureRow, PinCandidate, RecommendQuery } from '../query';

/** The request context on the wire. */
export function contextToWire(q: RecommendQuery): RequestContext {
  return { ...q.context };
}

export { surfaceToWire };

/** A wire candidate (recall answer) → a pipeline candidate. */
export function candidateFromWire(c: Candidate): PinCandidate {
  return {
    id: c.itemId,
    channels: c.channels.map((h) => ({ channel: h.channel, score: h.score })),
    recallScore: c.scores?.recall ?? 0,
  };
}

/** A pipeline candidate → a wire candidate with the scores it has so far. */
export function candidateToWire(c: PinCandidate): Candidate {
  return {
    itemId: c.id,
    channels: c.channels.map((h) => ({ ...h })),
    scores: {
      recall: c.recallScore,
      preRank: c.preRankScore ?? 0,
      rank: c.rankScore ?? 0,
      rerank: c.rerankScore ?? 0,
      tasks: { ...(c.tasks ?? {}) },
    },
    explanation: '',
  };
}

/** Features → wire feature vector. */
export function featuresToWire(f: Features | undefined): FeatureVector {
  return { values: { ...(f?.values ?? {}) }, defaulted: [...(f?.defaulted ?? [])] };
}

/** An item feature row → a wire feature vector keyed by name (for the few items of a served log, not a batch). */
export function itemFeaturesToWire(f: ItemFeatureRow | undefined): FeatureVector {
  const values: Record<string, number> = {};
  if (f) f.names.forEach((name, i) => (values[name] = f.values[i]));
  return { values, defaulted: f ? f.defaulted.map((i) => f.names[i]) : [] };
}

/**
 * Pipeline candidates → the feature names and scoring candidates of a PreRank or Rank request: the names once,
 * each candidate with its values in that order. The item-feature hydrator sets every candidate's row from one
 * answer or none, so the rows share one names array (or there are none: no names, every feature defaults).
 *
 * @throws RecsysError internal when candidates carry rows of different answers, or only some carry one: the
 *   request could not say which values are which (the calling stage degrades).
 */
export function scoringCandidates(candidates: readonly PinCandidate[]): { featureNames: string[]; candidates: ScoringCandidate[] } {
  const names = candidates.find((c) => c.features !== undefined)?.features?.names;
  const scoring = candidates.map((c): ScoringCandidate => {
    if (c.features?.names !== names) {
      throw new RecsysError('internal', `candidate ${c.id} has item features of another GetItemFeatures answer than its batch, or none`);
    }
    // The encoder only reads featureValues: the row's array is sent as it is, not copied.
    return { candidate: candidateToWire(c), topic: c.topic ?? '', featureValues: (c.features?.values ?? []) as number[] };
  });
  return { featureNames: names ? [...names] : [], candidates: scoring };
}

/** The user as the ranking service sees it. */
export function userScoringContext(q: RecommendQuery): UserScoringContext {
  return { userId: q.userId, features: featuresToWire(q.user?.features), topicAffinity: { ...(q.user?.topicAffinity ?? {}) } };
}
