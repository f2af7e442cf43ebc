/** The recall pipeline's query, candidate and channel names: the vocabulary shared by its components. */
import type { Surface, User } from '@recsys/domain';
import type { Seeds } from './sources/seeds';

/** The recall channels this service runs, in pipeline order; each is a source with id `recall/<name>`. */
export const CHANNELS = [
  'popular',
  'segment-popular',
  'topic-affinity',
  'fresh',
  'related',
  'itemcf',
  'usercf',
  'graph',
  'als',
  'content',
  'realtime',
  'two-tower',
] as const;

/** Name of a recall channel, as used in `channel_quotas`, `ChannelHit.channel` and degradation stages. */
export type ChannelName = (typeof CHANNELS)[number];

/** True when `name` is one of {@link CHANNELS}. */
export function isChannelName(name: string): name is ChannelName {
  return (CHANNELS as readonly string[]).includes(name);
}

/** The source id of a channel: `recall/<name>`. */
export function sourceId(channel: string): string {
  return `recall/${channel}`;
}

/** A validated recall request in domain terms, completed by the user-state query hydrator. */
export interface RecallQuery {
  userId: string;
  surface: Surface;
  /** Items of the current session, most recent first (`context.recent_item_ids`). */
  sessionItemIds: string[];
  /** The pin being viewed (required for `related_pins`). */
  contextItemId?: string;
  /** Candidates per channel after request overrides; 0 disables a channel. */
  quotas: Record<ChannelName, number>;
  /** Maximum merged candidates. */
  limit: number;
  /** The time popularity and freshness are measured at, ms since the Unix epoch (see `RecallIndex.now`). */
  nowMs: number;
  /** The user's registration attributes; undefined for an unknown (cold-start) user. Set by `hydrator/user-state`. */
  user?: User;
  /** The user's popularity segment (`segmentOf(user)`, `all` when unknown). Set by `hydrator/user-state`. */
  segment?: string;
  /** The user's last positive interactions (click, save, share), most recent first. Set by `hydrator/user-state`. */
  userRecentItemIds?: string[];
  /** Event time of each of `userRecentItemIds` (its latest positive event), ms. Set by `hydrator/user-state`. */
  userRecentTimesMs?: number[];
  /** The session items then the recent positives, weighted by recency (`historySeeds`). Set by `hydrator/user-state`. */
  seeds?: Seeds;
}

/** One channel's vote for an item: the channel name and its score in [0, 1]. */
export interface ChannelScore {
  channel: string;
  score: number;
}

/** An item found by one or more channels. */
export interface RecallCandidate {
  /** The item id. */
  readonly id: string;
  /** Every channel that found the item, in pipeline source order. */
  channels: ChannelScore[];
  /** The merged recall score, see {@link recallScoreOf}. */
  recallScore: number;
}

/** Bonus per additional channel that found an item. */
export const MULTI_CHANNEL_BONUS = 0.1;

/**
 * The recall score of an item found by `channels`: the best channel score plus {@link MULTI_CHANNEL_BONUS} for
 * every further channel. Agreement between independent channels is evidence of relevance, but a bonus added on
 * top of the best score (rather than a sum) keeps one strong channel ahead of several weak ones. The result lies
 * in [0, 1 + 0.1 × (channels − 1)].
 */
export function recallScoreOf(channels: readonly ChannelScore[]): number {
  if (channels.length === 0) return 0;
  let best = 0;
  for (const c of channels) if (c.score > best) best = c.score;
  return best + MULTI_CHANNEL_BONUS * (channels.length - 1);
}

/**
 * One channel's vote for an item, as the candidate its source returns: a single object that is both the candidate
 * (its `channels` are itself, its recall score its channel score) and the channel hit a merge keeps, so a source
 * allocates one object per item.
 */
export class ChannelHit implements RecallCandidate, ChannelScore {
  constructor(
    readonly id: string,
    readonly channel: string,
    readonly score: number,
  ) {}

  /** The one hit of a single-channel candidate: itself. */
  get channels(): ChannelScore[] {
    return [this];
  }

  get recallScore(): number {
    return this.score;
  }
}

/**
 * The candidate a merge makes: a copy of the first channel's candidate that later channels' hits are added to in
 * place (the objects sources return are theirs; this one belongs to the merge).
 */
class MergedCandidate implements RecallCandidate {
  constructor(
    readonly id: string,
    public channels: ChannelScore[],
    public recallScore: number,
  ) {}
}

/**
 * Merges two copies of a candidate found by different channels, keeping every channel hit (a channel already
 * listed is not added again) and recomputing {@link recallScoreOf}. The first merge of an item copies `existing`;
 * later merges of that item add to the copy, so an item found by c channels costs one object, not c − 1.
 */
export function mergeCandidates(existing: RecallCandidate, incoming: RecallCandidate): RecallCandidate {
  const merged =
    existing instanceof MergedCandidate
      ? existing
      : new MergedCandidate(existing.id, existing instanceof ChannelHit ? [existing] : existing.channels.slice(), 0);
  const channels = merged.channels;
  for (const hit of incoming.channels) {
    let known = false;
    for (const c of channels) if (c.channel === hit.channel) known = true;
    if (!known) channels.push(hit);
  }
  merged.recallScore = recallScoreOf(channels);
  return merged;
}
