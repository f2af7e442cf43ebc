/** Users' boards: named collections with a topic focus, and the board a save lands on. */
import { Item, RecsysError, User } from '@recsys/domain';
import { compile, CompiledWorld } from './compiled';
import { makeId } from './ids';
import { sampleWeights, SimRandom } from './random';
import type { Topic, UserLatent, World } from './world';

/** A user's named collection of pins with one topic focus. */
export interface Board {
  /** `board_000042` style id; boards are numbered user by user, in user order. */
  id: string;
  /** The owner. */
  userId: string;
  /** Readable name, e.g. `Cozy home-decor ideas`. */
  name: string;
  /** The board's topic focus (a `World.topics` id). */
  topicId: string;
}

/** Fewest and most boards per user (never more than the number of topics). */
export const MIN_BOARDS_PER_USER = 2;
export const MAX_BOARDS_PER_USER = 8;

/**
 * Board name patterns: `{t}` is the topic name (`home-decor`), `{T}` the same capitalised (`Home-decor`).
 * One is drawn per board.
 */
export const BOARD_NAME_TEMPLATES: readonly string[] = Object.freeze([
  'Cozy {t} ideas',
  'My {t} board',
  '{T} inspiration',
  '{T} to try',
  'Dreamy {t}',
  'Best of {t}',
  '{T} favorites',
  'Someday {t}',
  'Weekend {t} plans',
  '{T} mood board',
  'Little {t} joys',
  '{T} finds',
]);

/** A board name from a template and a topic name. */
export function boardName(template: string, topicName: string): string {
  const capitalised = topicName.charAt(0).toUpperCase() + topicName.slice(1);
  return template.replace('{t}', topicName).replace('{T}', capitalised);
}

/**
 * Generates 2–8 boards per user (uniform count, capped by the number of topics), each on a distinct topic:
 * the user's main topics first (most interested first), then topics drawn by interest without replacement.
 * O(users × topics).
 */
export function generateBoards(
  users: readonly User[],
  latents: readonly UserLatent[],
  topics: readonly Topic[],
  rng: SimRandom,
): { boards: Board[]; userBoardStart: Int32Array } {
  const counts = users.map(() => Math.min(topics.length, MIN_BOARDS_PER_USER + rng.int(MAX_BOARDS_PER_USER - MIN_BOARDS_PER_USER + 1)));
  const total = counts.reduce((s, c) => s + c, 0);
  const boards: Board[] = new Array<Board>(total);
  const userBoardStart = new Int32Array(users.length + 1);
  let next = 0;
  users.forEach((user, u) => {
    userBoardStart[u] = next;
    const latent = latents[u];
    const chosen = latent.mainTopics.slice(0, counts[u]);
    const remaining = latent.interests.slice();
    for (const t of chosen) remaining[t] = 0;
    while (chosen.length < counts[u]) {
      let t = sampleWeights(remaining, rng.next());
      // All remaining weight is zero only when interests vanish on the rest: take the first unused topic.
      if (remaining[t] === 0) t = remaining.findIndex((_, i) => !chosen.includes(i));
      chosen.push(t);
      remaining[t] = 0;
    }
    for (const t of chosen) {
      const template = BOARD_NAME_TEMPLATES[rng.int(BOARD_NAME_TEMPLATES.length)];
      boards[next] = { id: makeId('board', next, total, 6), userId: user.id, name: boardName(template, topics[t].name), topicId: topics[t].id };
      next++;
    }
  });
  userBoardStart[users.length] = next;
  return { boards, userBoardStart };
}

/** The boards of the user at `userIndex`, in board order. */
export function userBoards(world: World, userIndex: number): Board[] {
  return world.boards.slice(world.index.userBoardStart[userIndex], world.index.userBoardStart[userIndex + 1]);
}

/**
 * The board of `user` whose topic best matches `item`, where a save of that pin lands. The match of a board
 * on topic b is Σ_k w_k · cos(b, t_k) over the pin's topics t_k, with the relevance weights (0.6 for the
 * primary topic, 0.4 shared by the others; 1 for a single topic) and cos the cosine of the topic vectors (1
 * for the same topic, high for siblings of one category). Ties go to the earlier board.
 * O(boards × pin topics).
 * @throws RecsysError (not-found) when the user or the item is not part of `world`.
 */
export function bestBoard(world: World, user: Pick<User, 'id'>, item: Pick<Item, 'id'>): Board {
  const u = world.index.users.get(user.id);
  if (u === undefined) throw new RecsysError('not-found', `user ${user.id} is not part of the simulated world`);
  const p = world.index.pins.get(item.id);
  if (p === undefined) throw new RecsysError('not-found', `item ${item.id} is not part of the simulated world`);
  return world.boards[bestBoardAt(compile(world), u, p)];
}

/** {@link bestBoard} by world indexes; -1 when the user has no board. */
export function bestBoardAt(c: CompiledWorld, u: number, p: number): number {
  const start = c.pinTopicStart[p];
  const n = c.pinTopicStart[p + 1] - start;
  const primaryWeight = n === 1 ? 1 : c.primaryTopicWeight;
  const otherWeight = n > 1 ? (1 - c.primaryTopicWeight) / (n - 1) : 0;
  const T = c.topicCount;
  let best = -1;
  let bestScore = -Infinity;
  for (let b = c.userBoardStart[u]; b < c.userBoardStart[u + 1]; b++) {
    const row = c.boardTopic[b] * T;
    let score = 0;
    for (let k = 0; k < n; k++) score += (k === 0 ? primaryWeight : otherWeight) * c.topicCosine[row + c.pinTopics[start + k]];
    if (score > bestScore) {
      bestScore = score;
      best = b;
    }
  }
  return best;
}
