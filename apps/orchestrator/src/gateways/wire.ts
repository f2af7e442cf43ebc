/** Conversions between the orchestrator's candidates and the wire messages of its downstream services. */
import { surfaceToWire, type Candidate, type RequestContext, type ScoringCandidate, type UserScoringContext } from '@recsys/contracts';
import type { Features, PinCandidate, RecommendQuery } from '../query';

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
export function featuresToWire(f: Features | undefined): { values: Record<string, number>; defaulted: string[] } {
  return { values: { ...(f?.values ?? {}) }, defaulted: [...(f?.defaulted ?? [])] };
}

/** A pipeline candidate → the ranking service's scoring candidate. */
export function scoringCandidate(c: PinCandidate): ScoringCandidate {
  return { candidate: candidateToWire(c), features: featuresToWire(c.features), topic: c.topic ?? '' };
}

/** The user as the ranking service sees it. */
export function userScoringContext(q: RecommendQuery): UserScoringContext {
  return { userId: q.userId, features: featuresToWire(q.user?.features), topicAffinity: { ...(q.user?.topicAffinity ?? {}) } };
}
