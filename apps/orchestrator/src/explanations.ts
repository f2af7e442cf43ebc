/** Human-readable reasons for a recommendation, from the channels that found it and its scores. */
import type { ChannelHit } from './query';

const REASONS: Record<string, string> = {
  popular: 'Popular right now',
  'segment-popular': 'Popular with people like you',
  'topic-affinity': 'Because you engaged with similar pins',
  fresh: 'New pin',
  related: 'Related to the pin you are viewing',
  itemcf: 'Often saved with pins you engaged with',
  usercf: 'Liked by people with tastes like yours',
  graph: 'On boards with pins you saved',
  als: 'Matches your taste profile',
  content: 'Looks like pins you engaged with',
  realtime: 'Related to what you just engaged with',
  'two-tower': 'Picked for you from the pins you engaged with',
};

/** The reason for the channel that scored the candidate highest, e.g. "Popular right now (recall: popular)". */
export function explain(channels: readonly ChannelHit[]): string {
  const best = [...channels].sort((a, b) => b.score - a.score)[0];
  if (!best) return 'Recommended';
  const reason = REASONS[best.channel] ?? `Found by ${best.channel}`;
  const also = channels.length > 1 ? `; also ${channels.filter((h) => h !== best).map((h) => h.channel).join(', ')}` : '';
  return `${reason} (recall: ${best.channel}${also})`;
}
