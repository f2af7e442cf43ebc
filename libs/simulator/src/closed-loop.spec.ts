import { engagementProbabilities, generateWorld, GroundTruth, oraclePolicy, parseClosedLoopPages } from './index';

describe('GroundTruth (the closed loop)', () => {
  const world = generateWorld({ seed: 5, pins: 2000, users: 200, days: 30 });
  const noon = world.endMs - 12 * 3_600_000;
  const u = world.users.findIndex((x) => x.signupAtMs < world.startMs + 86_400_000);
  const oracle = oraclePolicy(world);

  it('judges a served page as it judges the same page of a reference policy', () => {
    const truth = new GroundTruth(world, 1, 'sim');
    const { page, expected } = truth.reference(oracle, u, noon, 10, 0);
    const served = truth.serve(u, page.map((p) => world.pins[p].id), noon, 1_000_000, 'req-1', 'home_feed');
    expect(served.shown).toEqual(page);
    expect(served.expected).toEqual(expected);
    expect(expected.clicks).toBeGreaterThan(0);
  });

  it('judges several orderings of a page at once, each as if it were served, without drawing reactions', () => {
    const truth = new GroundTruth(world, 1, 'sim');
    const { page, expected } = truth.reference(oracle, u, noon, 10, 0);
    const reversed = [...page].reverse();
    const [asIs, back, one] = truth.expected(u, [page, reversed, [page[0]]], noon);
    expect(asIs).toEqual(expected);
    expect(back).toEqual(new GroundTruth(world, 1, 'sim').serve(u, reversed.map((p) => world.pins[p].id), noon, 0, 'r', 'home_feed').expected);
    // The oracle puts the best first: shown the other way round, position bias costs clicks.
    expect(back.clicks).toBeLessThan(asIs.clicks);
    // A page of one pin: the engagement model's probabilities at the top position.
    const truthOfOne = engagementProbabilities(world, world.users[u], world.pins[page[0]], 0, { tMs: noon });
    expect(one.clicks).toBeCloseTo(truthOfOne.click, 12);
    expect(one.hides).toBeCloseTo(truthOfOne.hide, 12);
    expect(one.saves).toBeCloseTo(truthOfOne.save, 12);
  });

  it('shows what a client could: unknown ids, pins created after the page and repeats are skipped', () => {
    const truth = new GroundTruth(world, 1, 'sim');
    const early = world.startMs + 3_600_000;
    const existing = world.pins.filter((p) => p.createdAtMs <= early).slice(0, 2).map((p) => p.id);
    const later = world.pins[world.pins.length - 1].id;
    const out = truth.serve(u, [existing[0], 'not-a-pin', existing[0], later, existing[1]], early, 0, 'r', 'home_feed');
    expect(out.shown.map((p) => world.pins[p].id)).toEqual(existing);
    expect(out.skipped).toBe(3);
    expect(truth.serve(u, [], noon, 0, 'r', 'home_feed')).toMatchObject({ shown: [], events: [], skipped: 0, expected: { impressions: 0, clicks: 0 } });
  });

  it('sends one impression per shown pin and reactions stamped by the system clock, with stable ids, the same for a seed', () => {
    const ids = world.pins.filter((p) => p.createdAtMs <= noon).slice(0, 25).map((p) => p.id);
    const run = (seed: number) => {
      const truth = new GroundTruth(world, seed, `sim${seed}`);
      return Array.from({ length: 40 }, (_, i) => truth.serve(u, ids, noon, 5_000_000 + i, `req-${i}`, 'home_feed').events).flat();
    };
    const events = run(3);
    expect(run(3)).toEqual(events);
    expect(run(4)).not.toEqual(events);
    expect(events.filter((e) => e.type === 'impression')).toHaveLength(40 * 25);
    expect(events.every((e) => e.timestampMs >= 5_000_000 && e.userId === world.users[u].id && e.surface === 'home_feed')).toBe(true);
    expect(new Set(events.map((e) => e.eventId)).size).toBe(events.length);
    expect(events[0].eventId).toBe('sim3_0');
    expect(events.some((e) => e.type === 'click')).toBe(true);
    for (const e of events.filter((x) => x.type === 'dwell')) expect(e.dwellMs).toBeGreaterThan(0);
    // Each page's events come in time order (the closed loop sends a session as having just ended, by its last event).
    const page = new GroundTruth(world, 3, 'x').serve(u, ids, noon, 0, 'r', 'home_feed').events;
    for (let i = 1; i < page.length; i++) expect(page[i].timestampMs).toBeGreaterThanOrEqual(page[i - 1].timestampMs);
  });

  it("samples reactions whose mean converges to the expected engagement", () => {
    const truth = new GroundTruth(world, 9, 'sim');
    const ids = world.pins.filter((p) => p.createdAtMs <= noon).slice(100, 125).map((p) => p.id);
    let expectedClicks = 0;
    let clicks = 0;
    for (let i = 0; i < 2000; i++) {
      const out = truth.serve(u, ids, noon, 0, `r${i}`, 'home_feed');
      expectedClicks += out.expected.clicks;
      clicks += out.events.filter((e) => e.type === 'click').length;
    }
    expect(Math.abs(clicks - expectedClicks) / expectedClicks).toBeLessThan(0.1);
  });

  it('reads a closed-loop pages file back, and names the line that is not one', () => {
    const header = { world: world.options, demo: { seed: 5, events: 100 }, layer: 'ab', seed: 1 };
    const page = { day: 1, user: u, arm: 'control', simMs: noon, shown: [1, 2], expected: { impressions: 2, clicks: 0.1, saves: 0.05, shares: 0, hides: 0, dwellMs: 10 }, sampledSaves: 0 };
    const text = `${JSON.stringify(header)}\n${JSON.stringify(page)}\n`;
    expect(parseClosedLoopPages(text)).toEqual({ header, pages: [page] });
    expect(generateWorld(parseClosedLoopPages(text).header.world).pins).toHaveLength(world.pins.length);
    expect(() => parseClosedLoopPages(`${JSON.stringify(header)}\n{"day": 1}\n`)).toThrow(/line 2: not a page/);
    expect(() => parseClosedLoopPages(`${JSON.stringify(header)}\n{oops\n`)).toThrow(/line 2/);
    expect(() => parseClosedLoopPages(`${JSON.stringify(page)}\n`)).toThrow(/line 1 is not a header/);
    expect(() => parseClosedLoopPages('')).toThrow(/empty/);
  });
});
