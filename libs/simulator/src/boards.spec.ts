import { RecsysError } from '@recsys/domain';
import { BOARD_NAME_TEMPLATES, bestBoard, boardName, generateWorld, simulateEvents, userBoards, World } from './index';

const world = generateWorld({ seed: 13 });
const topicIndex = (w: World, id: string) => w.index.topics.get(id) as number;
const cosine = (a: number[], b: number[]) => {
  const dot = a.reduce((s, v, i) => s + v * b[i], 0);
  return dot / Math.sqrt(a.reduce((s, v) => s + v * v, 0) * b.reduce((s, v) => s + v * v, 0));
};

describe('boards', () => {
  it('gives every user 2–8 boards on distinct topics, main topics first, grouped by user', () => {
    const start = world.index.userBoardStart;
    expect(start).toHaveLength(world.users.length + 1);
    expect(start[0]).toBe(0);
    expect(start[world.users.length]).toBe(world.boards.length);
    const bad: string[] = [];
    const sizes = new Set<number>();
    world.users.forEach((user, u) => {
      const boards = userBoards(world, u);
      sizes.add(boards.length);
      const topics = boards.map((b) => topicIndex(world, b.topicId));
      const mains = world.userLatents[u].mainTopics;
      const ok =
        boards.length >= 2 &&
        boards.length <= 8 &&
        boards.every((b) => b.userId === user.id) &&
        new Set(topics).size === topics.length &&
        topics.slice(0, Math.min(mains.length, boards.length)).every((t, k) => t === mains[k]);
      if (!ok) bad.push(user.id);
    });
    expect(bad).toEqual([]);
    // Every count from 2 to 8 occurs; the mean is near 5.
    expect([...sizes].sort()).toEqual([2, 3, 4, 5, 6, 7, 8]);
    expect(world.boards.length / world.users.length).toBeGreaterThan(4.5);
    expect(world.boards.length / world.users.length).toBeLessThan(5.5);
  });

  it('numbers boards board_000000.. in order and indexes them by id', () => {
    expect(world.boards[0].id).toBe('board_000000');
    expect(world.boards.filter((b, i) => b.id !== `board_${String(i).padStart(6, '0')}` || world.index.boards.get(b.id) !== i)).toEqual([]);
  });

  it('names boards readably after their topic', () => {
    expect(boardName('Cozy {t} ideas', 'home-decor')).toBe('Cozy home-decor ideas');
    expect(boardName('{T} inspiration', 'home-decor')).toBe('Home-decor inspiration');
    const names = world.boards.map((b) => {
      const topic = world.topics[topicIndex(world, b.topicId)].name;
      return BOARD_NAME_TEMPLATES.some((t) => boardName(t, topic) === b.name);
    });
    expect(names.every(Boolean)).toBe(true);
    // Every template is used.
    const used = new Set(world.boards.map((b) => BOARD_NAME_TEMPLATES.findIndex((t) => boardName(t, world.topics[topicIndex(world, b.topicId)].name) === b.name)));
    expect(used.size).toBe(BOARD_NAME_TEMPLATES.length);
  });

  it('caps boards at the number of topics', () => {
    const small = generateWorld({ seed: 2, topics: 3, creators: 5, pins: 20, users: 40 });
    for (let u = 0; u < small.users.length; u++) {
      const boards = userBoards(small, u);
      expect(boards.length).toBeGreaterThanOrEqual(2);
      expect(boards.length).toBeLessThanOrEqual(3);
      expect(new Set(boards.map((b) => b.topicId)).size).toBe(boards.length);
    }
  });
});

describe('bestBoard', () => {
  /** The documented match score, written out from the topic vectors. */
  function score(boardTopicId: string, pinTopics: string[]): number {
    const b = world.topics[topicIndex(world, boardTopicId)];
    return pinTopics.reduce((s, id, k) => {
      const w = pinTopics.length === 1 ? 1 : k === 0 ? 0.6 : 0.4 / (pinTopics.length - 1);
      const t = world.topics[topicIndex(world, id)];
      return s + w * (t.index === b.index ? 1 : cosine(b.vector, t.vector));
    }, 0);
  }

  it('picks the board with the highest documented match, the earlier one on ties', () => {
    let checked = 0;
    for (let u = 0; u < world.users.length; u += 7) {
      const boards = userBoards(world, u);
      for (let p = 0; p < world.pins.length; p += 61) {
        const pin = world.pins[p];
        const scores = boards.map((b) => score(b.topicId, pin.topics));
        const best = scores.indexOf(Math.max(...scores));
        const got = bestBoard(world, world.users[u], pin);
        expect(score(got.topicId, pin.topics)).toBeCloseTo(scores[best], 12);
        expect(got.id).toBe(boards[best].id);
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(10_000);
  });

  it('puts a pin on the board of its primary topic when the user has one', () => {
    let withBoard = 0;
    let onPrimary = 0;
    for (let u = 0; u < world.users.length; u += 3) {
      const boards = userBoards(world, u);
      for (let p = 0; p < world.pins.length; p += 37) {
        const pin = world.pins[p];
        if (!boards.some((b) => b.topicId === pin.topics[0])) continue;
        withBoard++;
        if (bestBoard(world, world.users[u], pin).topicId === pin.topics[0]) onPrimary++;
      }
    }
    expect(withBoard).toBeGreaterThan(5000);
    expect(onPrimary / withBoard).toBeGreaterThan(0.97);
  });

  it('fails with not-found for an unknown user or pin', () => {
    const category = (fn: () => unknown) => {
      try {
        fn();
      } catch (error) {
        return error instanceof RecsysError ? error.category : 'other';
      }
      return 'none';
    };
    expect(category(() => bestBoard(world, { id: 'user_x' }, world.pins[0]))).toBe('not-found');
    expect(category(() => bestBoard(world, world.users[0], { id: 'pin_x' }))).toBe('not-found');
  });
});

describe('saves in the event log', () => {
  const events = [...simulateEvents(world, { seed: 4, events: 60_000 })];
  const saves = events.filter((e) => e.type === 'save');

  it('land on one of the saving user’s boards, mostly one on the pin’s topic or a sibling topic', () => {
    const pins = new Map(world.pins.map((p) => [p.id, p]));
    let matching = 0;
    for (const save of saves) {
      const board = world.boards[world.index.boards.get(save.boardId) as number];
      expect(board.userId).toBe(save.userId);
      const pin = pins.get(save.itemId);
      const boardCategory = world.topics[topicIndex(world, board.topicId)].categoryId;
      if (pin?.topics.some((t) => t === board.topicId || world.topics[topicIndex(world, t)].categoryId === boardCategory)) matching++;
    }
    expect(saves.length).toBeGreaterThan(1000);
    expect(matching / saves.length).toBeGreaterThan(0.8);
  });

  it('spread over many boards, counted per board, with a heavy head', () => {
    const perBoard = new Map<string, number>();
    for (const save of saves) perBoard.set(save.boardId, (perBoard.get(save.boardId) ?? 0) + 1);
    const counts = [...perBoard.values()].sort((a, b) => b - a);
    expect(counts.reduce((s, c) => s + c, 0)).toBe(saves.length);
    // A saving user's saves spread over several of their boards, not one board each.
    const savers = new Set(saves.map((s) => s.userId)).size;
    expect(perBoard.size).toBeGreaterThan(1.3 * savers);
    // Users' first boards (their main topic) collect more saves than their last boards.
    let first = 0;
    let last = 0;
    world.users.forEach((_, u) => {
      const boards = userBoards(world, u);
      first += perBoard.get(boards[0].id) ?? 0;
      last += perBoard.get(boards[boards.length - 1].id) ?? 0;
    });
    expect(first).toBeGreaterThan(2 * last);
  });
});
