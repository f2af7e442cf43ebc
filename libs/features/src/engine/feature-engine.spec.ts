import { ITEM_FEATURES, USER_FEATURES } from '../definitions/features';
import { decodeItemRecord, decodeUserRecord, encodeItemRecord, encodeUserRecord } from '../records/encoding';
import { DAY, HOUR, event, item, user } from '../testing/fixtures';
import { itemViewFromRecord, userTopicFeatures, userViewFromRecord } from '../views/views';
import { FeatureEngine } from './feature-engine';

describe('FeatureEngine', () => {
  describe('idempotency', () => {
    it('counts an event applied twice once', () => {
      const engine = new FeatureEngine();
      engine.applyCatalogItem(item('i1', 'c1', ['t1']));
      const click = event('click', 'u1', 'i1', HOUR);
      expect(engine.applyEvent(click)).toBe(true);
      expect(engine.applyEvent(click)).toBe(false);
      expect(engine.applyEvent({ ...click, timestampMs: 2 * HOUR })).toBe(false);
      expect(engine.itemFeatures('i1', HOUR).features.item_clicks).toBe(1);
      expect(engine.userFeatures('u1', HOUR).features.user_clicks).toBe(1);
      expect(engine.stats()).toMatchObject({ applied: 1, duplicates: 2, dedupeIds: 1 });
    });

    it('rejects events older than the dedupe window and malformed events', () => {
      const engine = new FeatureEngine({ dedupeWindowMs: 24 * HOUR });
      expect(engine.applyEvent(event('click', 'u1', 'i1', 100 * HOUR))).toBe(true);
      expect(engine.applyEvent(event('click', 'u1', 'i1', 50 * HOUR))).toBe(false);
      expect(engine.applyEvent(event('click', 'u1', 'i1', 90 * HOUR))).toBe(true);
      expect(engine.applyEvent(event('click', 'u1', 'i1', HOUR, { eventId: '' }))).toBe(false);
      expect(engine.applyEvent(event('click', 'u1', 'i1', Number.NaN))).toBe(false);
      expect(engine.applyEvent({ ...event('click', 'u1', 'i1', HOUR), type: 'purchase' as never })).toBe(false);
      expect(engine.stats()).toMatchObject({ applied: 2, late: 1, invalid: 3 });
      expect(engine.itemFeatures('i1', 100 * HOUR).features.item_clicks).toBe(2);
    });
  });

  describe('counters and smoothed rates', () => {
    function engineWithHistory(): FeatureEngine {
      const engine = new FeatureEngine();
      engine.applyCatalogItem(item('i1', 'c1', ['t1', 't2'], { createdAtMs: 0, quality: 0.8, aspectRatio: 0.75 }));
      engine.applyCatalogItem(item('i2', 'c1', ['t3']));
      engine.applyUser(user('u1', { signupAtMs: 0 }));
      for (let k = 0; k < 4; k++) engine.applyEvent(event('impression', 'u1', 'i1', HOUR));
      engine.applyEvent(event('click', 'u1', 'i1', HOUR));
      engine.applyEvent(event('save', 'u1', 'i1', HOUR));
      engine.applyEvent(event('hide', 'u2', 'i1', HOUR));
      engine.applyEvent(event('dwell', 'u1', 'i1', HOUR, { dwellMs: 3000 }));
      engine.applyEvent(event('dwell', 'u1', 'i1', HOUR, { dwellMs: 1000 }));
      engine.applyEvent(event('impression', 'u1', 'i2', HOUR));
      return engine;
    }

    it('counts item events and smooths rates with the Beta(1, 20) prior', () => {
      const view = engineWithHistory().itemFeatures('i1', 10 * HOUR);
      expect(view.known).toBe(true);
      expect(view.defaulted).toEqual([]);
      expect(view.features).toMatchObject({
        item_impressions: 4,
        item_clicks: 1,
        item_saves: 1,
        item_shares: 0,
        item_hides: 1,
        item_dwell_ms: 4000,
        item_dwell_ms_mean: 2000,
        item_age_hours: 10,
        item_quality: 0.8,
        item_aspect_ratio: 0.75,
      });
      expect(view.features.item_ctr_smoothed).toBeCloseTo(2 / 25, 15); // (1 + 1) / (4 + 1 + 20)
      expect(view.features.item_save_rate_smoothed).toBeCloseTo(2 / 25, 15);
      expect(view.features.item_hide_rate_smoothed).toBeCloseTo(2 / 25, 15);
    });

    it('aggregates creator counters over the creator’s items', () => {
      const view = engineWithHistory().itemFeatures('i2', 10 * HOUR);
      expect(view.features.creator_items).toBe(2);
      expect(view.features.creator_impressions).toBe(5);
      expect(view.features.creator_clicks).toBe(1);
      expect(view.features.creator_ctr_smoothed).toBeCloseTo(2 / 26, 15);
      expect(view.features.item_impressions).toBe(1);
      expect(view.features.item_ctr_smoothed).toBeCloseTo(1 / 22, 15);
    });

    it('counts user events and the account age', () => {
      const view = engineWithHistory().userFeatures('u1', 2 * DAY);
      expect(view.known).toBe(true);
      expect(view.user).toEqual(user('u1', { signupAtMs: 0 }));
      expect(view.features).toMatchObject({ user_impressions: 5, user_clicks: 1, user_saves: 1, user_hides: 0, user_dwell_ms: 4000, user_account_age_days: 2 });
      expect(view.features.user_ctr_smoothed).toBeCloseTo(2 / 26, 15);
    });

    it('counts user×topic events per topic', () => {
      const engine = engineWithHistory();
      const t1 = userTopicFeatures(engine.userRecord('u1'), 't1', HOUR);
      expect(t1).toMatchObject({ user_topic_impressions: 4, user_topic_clicks: 1, user_topic_saves: 1 });
      expect(t1.user_topic_ctr_smoothed).toBeCloseTo(2 / 25, 15);
      expect(userTopicFeatures(engine.userRecord('u1'), 't3', HOUR)).toMatchObject({ user_topic_impressions: 1, user_topic_clicks: 0, user_topic_affinity: 0 });
      expect(userTopicFeatures(engine.userRecord('u1'), 'never', HOUR)).toMatchObject({ user_topic_impressions: 0, user_topic_affinity: 0 });
    });

    it('moves the creator item count when an item changes creator', () => {
      const engine = engineWithHistory();
      engine.applyCatalogItem(item('i2', 'c2', ['t3']));
      expect(engine.itemFeatures('i1', HOUR).features.creator_items).toBe(1);
      expect(engine.itemFeatures('i2', HOUR).features.creator_items).toBe(1);
    });

    it('counts events on items outside the catalog for the item and user only', () => {
      const engine = new FeatureEngine();
      engine.applyEvent(event('click', 'u1', 'ghost', HOUR));
      const view = engine.itemFeatures('ghost', HOUR);
      expect(view.known).toBe(false);
      expect(view.features.item_clicks).toBe(1);
      expect(view.features.item_age_hours).toBe(ITEM_FEATURES.item_age_hours);
      expect(view.defaulted).toEqual(expect.arrayContaining(['item_age_hours', 'item_quality', 'creator_ctr_smoothed', 'creator_items']));
      expect(view.defaulted).not.toContain('item_clicks');
      expect(engine.userFeatures('u1', HOUR).topicAffinity).toEqual({});
      expect(engine.userFeatures('u1', HOUR).recentItemIds).toEqual(['ghost']);
    });
  });

  describe('unknown entities', () => {
    it('returns every declared default with known=false', () => {
      const engine = new FeatureEngine();
      const u = engine.userFeatures('nobody', HOUR);
      expect(u).toEqual({ userId: 'nobody', known: false, features: USER_FEATURES, defaulted: Object.keys(USER_FEATURES), recentItemIds: [], topicAffinity: {} });
      const i = engine.itemFeatures('nothing', HOUR);
      expect(i).toEqual({ itemId: 'nothing', known: false, features: ITEM_FEATURES, defaulted: Object.keys(ITEM_FEATURES) });
      expect(USER_FEATURES.user_ctr_smoothed).toBeCloseTo(1 / 21, 15);
      expect(engine.userRecord('nobody')).toBeUndefined();
    });

    it('knows a registered user without events, with counters defaulted', () => {
      const engine = new FeatureEngine();
      engine.applyUser(user('u9', { signupAtMs: 0 }));
      const view = engine.userFeatures('u9', DAY);
      expect(view.known).toBe(true);
      expect(view.features.user_account_age_days).toBe(1);
      expect(view.defaulted).toContain('user_clicks');
      expect(view.defaulted).not.toContain('user_account_age_days');
    });
  });

  describe('recent items', () => {
    it('keeps clicks, saves and shares, most recent first, without repeats', () => {
      const engine = new FeatureEngine();
      engine.applyEvent(event('click', 'u1', 'i1', 1 * HOUR));
      engine.applyEvent(event('share', 'u1', 'i2', 2 * HOUR));
      engine.applyEvent(event('save', 'u1', 'i3', 3 * HOUR));
      engine.applyEvent(event('impression', 'u1', 'i4', 4 * HOUR));
      engine.applyEvent(event('hide', 'u1', 'i5', 4 * HOUR));
      engine.applyEvent(event('dwell', 'u1', 'i6', 4 * HOUR, { dwellMs: 10 }));
      engine.applyEvent(event('save', 'u1', 'i1', 5 * HOUR));
      expect(engine.userFeatures('u1', 5 * HOUR).recentItemIds).toEqual(['i1', 'i3', 'i2']);
      // An older interaction with an item already listed later changes nothing; an older new item goes by time.
      engine.applyEvent(event('click', 'u1', 'i3', 0.5 * HOUR));
      engine.applyEvent(event('click', 'u1', 'i7', 2.5 * HOUR));
      expect(engine.userFeatures('u1', 5 * HOUR).recentItemIds).toEqual(['i1', 'i3', 'i7', 'i2']);
    });

    it('keeps only the last 50', () => {
      const engine = new FeatureEngine();
      for (let k = 0; k < 60; k++) engine.applyEvent(event('click', 'u1', `i${k}`, k * 1000));
      const recent = engine.userFeatures('u1', HOUR).recentItemIds;
      expect(recent).toHaveLength(50);
      expect(recent[0]).toBe('i59');
      expect(recent[49]).toBe('i10');
      engine.applyEvent(event('click', 'u1', 'too-old', 5 * 1000));
      expect(engine.userFeatures('u1', HOUR).recentItemIds).not.toContain('too-old');
    });
  });

  describe('topic affinity', () => {
    function engineWithTopics(): FeatureEngine {
      const engine = new FeatureEngine();
      engine.applyCatalogItem(item('a', 'c1', ['t1', 't2']));
      engine.applyCatalogItem(item('b', 'c2', ['t3']));
      return engine;
    }

    it('weights events by type and topic position and normalises to sum 1', () => {
      const engine = engineWithTopics();
      engine.applyEvent(event('click', 'u1', 'a', 0)); // t1 += 1, t2 += 0.5
      engine.applyEvent(event('save', 'u1', 'b', 0)); // t3 += 3
      engine.applyEvent(event('impression', 'u1', 'b', 0)); // no affinity
      const affinity = engine.userFeatures('u1', 0).topicAffinity;
      expect(affinity.t1).toBeCloseTo(1 / 4.5, 15);
      expect(affinity.t2).toBeCloseTo(0.5 / 4.5, 15);
      expect(affinity.t3).toBeCloseTo(3 / 4.5, 15);
      expect(Object.values(affinity).reduce((x, y) => x + y, 0)).toBeCloseTo(1, 15);
      expect(userTopicFeatures(engine.userRecord('u1'), 't3', 0).user_topic_affinity).toBeCloseTo(2 / 3, 15);
    });

    it('halves older engagement every 7 days', () => {
      const engine = engineWithTopics();
      engine.applyEvent(event('click', 'u1', 'a', 0)); // worth 0.5 and 0.25 a week later
      engine.applyEvent(event('click', 'u1', 'b', 7 * DAY)); // worth 1
      const affinity = engine.userFeatures('u1', 7 * DAY).topicAffinity;
      expect(affinity.t1).toBeCloseTo(0.5 / 1.75, 12);
      expect(affinity.t2).toBeCloseTo(0.25 / 1.75, 12);
      expect(affinity.t3).toBeCloseTo(1 / 1.75, 12);
      const record = engine.userRecord('u1');
      expect(record?.topics.find((t) => t.topic === 't1')).toMatchObject({ affinity: 1, affinityAtMs: 0 });
    });

    it('subtracts hides and floors each topic at 0', () => {
      const engine = engineWithTopics();
      engine.applyEvent(event('click', 'u1', 'a', 0)); // t1 1, t2 0.5
      engine.applyEvent(event('hide', 'u1', 'a', 0)); // t1 1 − 2 → 0, t2 0.5 − 1 → 0
      expect(engine.userFeatures('u1', 0).topicAffinity).toEqual({});
      engine.applyEvent(event('click', 'u1', 'a', 0)); // from 0, not from below 0
      engine.applyEvent(event('click', 'u1', 'b', 0));
      const affinity = engine.userFeatures('u1', 0).topicAffinity;
      expect(affinity.t1).toBeCloseTo(1 / 2.5, 15);
      expect(affinity.t3).toBeCloseTo(1 / 2.5, 15);
    });
  });

  describe('records', () => {
    it('serves the same views from encoded records as from the engine', () => {
      const engine = new FeatureEngine();
      engine.applyCatalogItem(item('a', 'c1', ['t1', 't2'], { createdAtMs: 0.5 * HOUR }));
      engine.applyUser(user('u1'));
      engine.applyEvent(event('impression', 'u1', 'a', HOUR));
      engine.applyEvent(event('click', 'u1', 'a', 2 * HOUR));
      engine.applyEvent(event('dwell', 'u1', 'a', 3 * HOUR, { dwellMs: 1234.5 }));
      const now = 3 * DAY + 17;
      const userRecord = decodeUserRecord(encodeUserRecord(engine.userRecord('u1')!));
      const itemRecord = decodeItemRecord(encodeItemRecord(engine.itemRecord('a')!));
      expect(userViewFromRecord('u1', userRecord, now)).toEqual(engine.userFeatures('u1', now));
      expect(itemViewFromRecord('a', itemRecord, now)).toEqual(engine.itemFeatures('a', now));
    });

    it('reports which users and items changed since the last call', () => {
      const engine = new FeatureEngine();
      engine.applyCatalogItem(item('a', 'c1', ['t1']));
      engine.applyUser(user('u0'));
      engine.applyEvent(event('click', 'u1', 'b', HOUR));
      expect(engine.takeDirty()).toEqual({ userIds: ['u0', 'u1'], itemIds: ['a', 'b'] });
      expect(engine.takeDirty()).toEqual({ userIds: [], itemIds: [] });
    });

    it('keeps its own copy of catalog items', () => {
      const engine = new FeatureEngine();
      const original = item('a', 'c1', ['t1']);
      engine.applyCatalogItem(original);
      original.topics.push('t9');
      original.quality = 0;
      expect(engine.itemFeatures('a', 0).item?.topics).toEqual(['t1']);
      expect(engine.itemFeatures('a', 0).features.item_quality).toBe(0.8);
    });

    it('gives identical state for identical input (stream and replay agree)', () => {
      const run = () => {
        const engine = new FeatureEngine();
        engine.applyCatalogItem(item('a', 'c1', ['t1', 't2']));
        engine.applyCatalogItem(item('b', 'c2', ['t2']));
        const types = ['impression', 'click', 'save', 'share', 'hide', 'dwell'] as const;
        for (let k = 0; k < 300; k++) {
          engine.applyEvent(event(types[k % 6], `u${k % 7}`, k % 3 ? 'a' : 'b', k * 60_000, { eventId: `e${k % 250}`, dwellMs: k }));
        }
        return [0, 1, 2, 3, 4, 5, 6].map((u) => encodeUserRecord(engine.userRecord(`u${u}`)!)).concat(['a', 'b'].map((i) => encodeItemRecord(engine.itemRecord(i)!)));
      };
      expect(run()).toEqual(run());
    });
  });
});
