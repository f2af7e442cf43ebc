import { ITEM_FEATURES, USER_FEATURES, USER_TOPIC_FEATURES } from '../definitions/features';
import { RECENCY_CAP_HOURS } from '../definitions/knobs';
import {
  decodeCreatorRecord,
  decodeItemRecord,
  decodeUserRecord,
  encodeCreatorRecord,
  encodeItemRecord,
  encodeUserRecord,
} from '../records/encoding';
import { DAY, HOUR, MINUTE, T0, event, item, user } from '../testing/fixtures';
import { itemView, userTopicFeatures, userView } from '../views/views';
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
      expect(engine.itemFeatures('i1', HOUR).features.creator_clicks).toBe(1);
      expect(engine.stats()).toMatchObject({ applied: 1, duplicates: 2, invalid: 0 });
    });

    it('remembers every applied id however old, and applies old events', () => {
      const engine = new FeatureEngine();
      const first = event('click', 'u1', 'i1', 100 * DAY);
      expect(engine.applyEvent(first)).toBe(true);
      expect(engine.applyEvent(event('click', 'u1', 'i1', 0))).toBe(true); // 100 days older: still applied
      for (let k = 0; k < 1000; k++) engine.applyEvent(event('impression', 'u1', 'i1', 200 * DAY + k * MINUTE));
      expect(engine.applyEvent({ ...first, timestampMs: 300 * DAY })).toBe(false);
      expect(engine.stats()).toMatchObject({ applied: 1002, duplicates: 1 });
      expect(engine.itemFeatures('i1', 300 * DAY).features).toMatchObject({ item_clicks: 2, item_impressions: 1000 });
    });

    it('rejects malformed events, changing nothing', () => {
      const engine = new FeatureEngine();
      const ok = event('click', 'u1', 'i1', HOUR);
      expect(engine.applyEvent({ ...ok, eventId: '' })).toBe(false);
      expect(engine.applyEvent({ ...ok, userId: '' })).toBe(false);
      expect(engine.applyEvent({ ...ok, itemId: '' })).toBe(false);
      expect(engine.applyEvent({ ...ok, timestampMs: Number.NaN })).toBe(false);
      expect(engine.applyEvent({ ...ok, timestampMs: Number.POSITIVE_INFINITY })).toBe(false);
      expect(engine.applyEvent({ ...ok, type: 'purchase' as never })).toBe(false);
      expect(engine.stats()).toEqual({ users: 0, items: 0, creators: 0, userTopics: 0, applied: 0, duplicates: 0, invalid: 6 });
      // A rejected id was not remembered.
      expect(engine.applyEvent(ok)).toBe(true);
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
      expect(view.defaulted).toEqual([]);
      expect(view.features).toMatchObject({
        user_impressions: 5,
        user_clicks: 1,
        user_saves: 1,
        user_hides: 0,
        user_dwell_ms: 4000,
        user_dwell_ms_mean: 2000,
        user_account_age_days: 2,
      });
      expect(view.features.user_ctr_smoothed).toBeCloseTo(2 / 26, 15);
    });

    it('counts user×topic events per topic', () => {
      const engine = engineWithHistory();
      const t1 = userTopicFeatures(engine.userRecord('u1'), 't1', HOUR);
      expect(t1).toMatchObject({ user_topic_impressions: 4, user_topic_clicks: 1, user_topic_saves: 1, user_topic_dwell_ms: 4000 });
      expect(t1.user_topic_ctr_smoothed).toBeCloseTo(2 / 25, 15);
      expect(userTopicFeatures(engine.userRecord('u1'), 't3', HOUR)).toMatchObject({ user_topic_impressions: 1, user_topic_clicks: 0, user_topic_affinity: 0 });
      expect(userTopicFeatures(engine.userRecord('u1'), 'never', HOUR)).toEqual(USER_TOPIC_FEATURES);
      expect(userTopicFeatures(undefined, 't1', HOUR)).toEqual(USER_TOPIC_FEATURES);
      // u2 only hid i1: state for t1, but no affinity at all, so the affinity is the default.
      expect(userTopicFeatures(engine.userRecord('u2'), 't1', HOUR)).toMatchObject({ user_topic_hides: 1, user_topic_affinity: 0 });
    });

    it('keeps the creator item counts of the catalog and moves them when an item changes creator', () => {
      const engine = engineWithHistory();
      expect(engine.itemFeatures('i1', HOUR).features.creator_items).toBe(2);
      engine.applyCatalogItem(item('i2', 'c2', ['t3']));
      expect(engine.itemFeatures('i1', HOUR).features.creator_items).toBe(1);
      expect(engine.itemFeatures('i2', HOUR).features.creator_items).toBe(1);
      engine.applyCatalogItem(item('i2', 'c2', ['t4'])); // same creator: no change
      expect(engine.itemFeatures('i2', HOUR).features.creator_items).toBe(1);
      // i2's new creator has no counters yet: its counter features are defaults, creator_items is not.
      const view = engine.itemFeatures('i2', HOUR);
      expect(view.defaulted).toContain('creator_clicks');
      expect(view.defaulted).not.toContain('creator_items');
    });

    it('counts events on items outside the catalog for the item and user only', () => {
      const engine = new FeatureEngine();
      engine.applyEvent(event('click', 'u1', 'ghost', HOUR));
      const view = engine.itemFeatures('ghost', HOUR);
      expect(view.known).toBe(false);
      expect(view.item).toBeUndefined();
      expect(view.features.item_clicks).toBe(1);
      expect(view.features.item_age_hours).toBe(ITEM_FEATURES.item_age_hours);
      expect(view.defaulted).toEqual(expect.arrayContaining(['item_age_hours', 'item_quality', 'creator_ctr_smoothed', 'creator_items']));
      expect(view.defaulted).not.toContain('item_clicks');
      expect(engine.userFeatures('u1', HOUR).topicAffinity).toEqual({});
      expect(engine.userFeatures('u1', HOUR).recentItemIds).toEqual(['ghost']);
      expect(engine.stats()).toMatchObject({ users: 1, items: 1, creators: 0, userTopics: 0 });
    });
  });

  describe('windowed features', () => {
    // Items a (topics t1, t2) and b (t2), both by c1. T0 is aligned to every bucket.
    function engineWithWindows(): FeatureEngine {
      const engine = new FeatureEngine();
      engine.applyCatalogItem(item('a', 'c1', ['t1', 't2']));
      engine.applyCatalogItem(item('b', 'c1', ['t2']));
      engine.applyCatalogItem(item('quiet', 'c2', ['t3']));
      engine.applyEvent(event('click', 'u1', 'a', T0 - 6 * DAY));
      for (let k = 0; k < 10; k++) engine.applyEvent(event('impression', 'u1', 'a', T0 - 3 * DAY));
      engine.applyEvent(event('click', 'u1', 'a', T0 - 2 * HOUR));
      for (let k = 0; k < 5; k++) engine.applyEvent(event('impression', 'u2', 'a', T0 - HOUR));
      engine.applyEvent(event('click', 'u2', 'a', T0 - 30 * MINUTE));
      engine.applyEvent(event('click', 'u1', 'a', T0 + 3 * MINUTE));
      engine.applyEvent(event('click', 'u3', 'b', T0 - 10 * MINUTE));
      engine.applyEvent(event('dwell', 'u1', 'a', T0 - 8 * DAY, { dwellMs: 9000 }));
      engine.applyEvent(event('dwell', 'u1', 'a', T0 - DAY, { dwellMs: 1000 }));
      engine.applyEvent(event('dwell', 'u2', 'a', T0 - HOUR, { dwellMs: 2000 }));
      engine.applyEvent(event('save', 'u1', 'b', T0 - 20 * MINUTE));
      engine.applyEvent(event('impression', 'u4', 'quiet', T0));
      return engine;
    }

    it('item: counts per window at T0 + 4 min, by hand', () => {
      const f = engineWithWindows().itemFeatures('a', T0 + 4 * MINUTE).features;
      // Clicks at −6 d, −2 h, −30 min, +3 min. The 1h window at T0 + 4 min is 5-min buckets (B − 12, B]: −30 min and +3 min.
      expect(f).toMatchObject({ item_clicks: 4, item_clicks_1h: 2, item_clicks_24h: 3, item_clicks_7d: 4 });
      // Impressions: 10 at −3 d, 5 at −1 h (exactly 12 buckets back: outside the 1h window).
      expect(f).toMatchObject({ item_impressions: 15, item_impressions_1h: 0, item_impressions_24h: 5, item_impressions_7d: 15 });
      expect(f).toMatchObject({ item_saves_1h: 0, item_saves_24h: 0, item_saves_7d: 0 });
      expect(f.item_ctr_24h_smoothed).toBe(4 / 26); // (3 + 1) / (5 + 21)
      expect(f.item_ctr_smoothed).toBe(5 / 36); // (4 + 1) / (15 + 21)
      // Dwells 9000 at −8 d (outside 7d), 1000 at −1 d, 2000 at −1 h.
      expect(f.item_dwell_ms_mean_7d).toBe(1500);
      expect(f.item_dwell_ms_mean).toBe(4000);
      expect(f.item_hours_since_engaged).toBe(1 / 60);
    });

    it('item: the windows move with now', () => {
      const engine = engineWithWindows();
      expect(engine.itemFeatures('a', T0 + 30 * MINUTE).features).toMatchObject({
        item_clicks_1h: 1, // (B − 6, B + 6]: −30 min is out
        item_clicks_24h: 3,
        item_clicks_7d: 4,
        item_hours_since_engaged: 27 / 60,
      });
      const dayLater = engine.itemFeatures('a', T0 + DAY).features;
      expect(dayLater).toMatchObject({
        item_clicks_1h: 0,
        item_clicks_24h: 0, // hours (H, H + 24]: +3 min is in hour H
        item_clicks_7d: 3, // days (D − 6, D + 1]: −6 d is out
        item_impressions_7d: 15,
        item_dwell_ms_mean_7d: 1500,
        item_hours_since_engaged: 23.95,
        item_clicks: 4,
      });
      expect(dayLater.item_ctr_24h_smoothed).toBe(1 / 21);
      const weekLater = engine.itemFeatures('a', T0 + 7 * DAY);
      expect(weekLater.features).toMatchObject({ item_clicks_7d: 0, item_impressions_7d: 0, item_dwell_ms_mean_7d: 0 });
      expect(weekLater.defaulted).not.toContain('item_dwell_ms_mean_7d');
    });

    it('item: hours since engaged is capped at 720, 0 for engagement after now, and the cap without any', () => {
      const engine = engineWithWindows();
      const at = (nowMs: number) => engine.itemFeatures('a', nowMs).features.item_hours_since_engaged;
      expect(at(T0 + 3 * MINUTE + 719 * HOUR)).toBe(719);
      expect(at(T0 + 3 * MINUTE + 720 * HOUR)).toBe(RECENCY_CAP_HOURS);
      expect(at(T0 + 3 * MINUTE + 800 * HOUR)).toBe(RECENCY_CAP_HOURS);
      expect(at(T0)).toBe(0);
      const quiet = engine.itemFeatures('quiet', T0); // impressions only: state, but no engagement
      expect(quiet.features.item_hours_since_engaged).toBe(RECENCY_CAP_HOURS);
      expect(quiet.defaulted).not.toContain('item_hours_since_engaged');
      const unknown = engine.itemFeatures('nothing', T0);
      expect(unknown.features.item_hours_since_engaged).toBe(RECENCY_CAP_HOURS);
      expect(unknown.defaulted).toContain('item_hours_since_engaged');
      expect(ITEM_FEATURES.item_hours_since_engaged).toBe(RECENCY_CAP_HOURS);
    });

    it('creator: windows over all of the creator’s items', () => {
      const engine = engineWithWindows();
      const f = engine.itemFeatures('b', T0 + 4 * MINUTE).features;
      // a's clicks plus b's click at −10 min and save at −20 min.
      expect(f).toMatchObject({ creator_clicks_1h: 3, creator_clicks_24h: 4, creator_clicks_7d: 5, creator_saves_1h: 1, creator_saves_24h: 1, creator_saves_7d: 1 });
      expect(f).toMatchObject({ creator_impressions_1h: 0, creator_impressions_24h: 5, creator_impressions_7d: 15 });
      expect(f.creator_ctr_24h_smoothed).toBe(5 / 26); // (4 + 1) / (5 + 21)
      expect(f.creator_dwell_ms_mean_7d).toBe(1500);
      expect(f.creator_hours_since_engaged).toBe(1 / 60);
      expect(f).toMatchObject({ item_clicks_1h: 1, item_saves_1h: 1, item_hours_since_engaged: 14 / 60 });
      expect(engine.itemFeatures('b', T0 + 30 * MINUTE).features.creator_clicks_1h).toBe(2);
      // c2's only item has impressions only.
      expect(engine.itemFeatures('quiet', T0).features.creator_hours_since_engaged).toBe(RECENCY_CAP_HOURS);
    });

    it('user: counts per window, by hand', () => {
      const engine = engineWithWindows();
      const u1 = engine.userFeatures('u1', T0 + 4 * MINUTE).features;
      // u1: clicks −6 d, −2 h, +3 min; 10 impressions −3 d; save −20 min; dwells −8 d (9000), −1 d (1000).
      expect(u1).toMatchObject({ user_clicks_1h: 1, user_clicks_24h: 2, user_clicks_7d: 3, user_clicks: 3 });
      expect(u1).toMatchObject({ user_impressions_1h: 0, user_impressions_24h: 0, user_impressions_7d: 10 });
      expect(u1).toMatchObject({ user_saves_1h: 1, user_saves_24h: 1, user_saves_7d: 1 });
      expect(u1.user_ctr_24h_smoothed).toBe(3 / 21); // (2 + 1) / (0 + 21)
      expect(u1.user_dwell_ms_mean_7d).toBe(1000);
      expect(u1.user_dwell_ms_mean).toBe(5000);
      expect(u1.user_hours_since_engaged).toBe(1 / 60);
      const u2 = engine.userFeatures('u2', T0 + 4 * MINUTE).features;
      expect(u2).toMatchObject({ user_clicks_1h: 1, user_impressions_1h: 0, user_impressions_24h: 5, user_dwell_ms_mean_7d: 2000 });
      expect(u2.user_ctr_24h_smoothed).toBe(2 / 26);
      expect(u2.user_hours_since_engaged).toBe(34 / 60);
      const u4 = engine.userFeatures('u4', T0);
      expect(u4.features.user_hours_since_engaged).toBe(RECENCY_CAP_HOURS);
      expect(u4.defaulted).toContain('user_account_age_days');
      expect(u4.defaulted).not.toContain('user_hours_since_engaged');
    });

    it('user×topic: counts per window, by hand', () => {
      const record = engineWithWindows().userRecord('u1');
      const now = T0 + 4 * MINUTE;
      // t1 has a's events only; t2 also has the save on b.
      const t1 = userTopicFeatures(record, 't1', now);
      expect(t1).toMatchObject({
        user_topic_clicks_1h: 1,
        user_topic_clicks_24h: 2,
        user_topic_clicks_7d: 3,
        user_topic_impressions_7d: 10,
        user_topic_saves_7d: 0,
        user_topic_dwell_ms_mean_7d: 1000,
        user_topic_hours_since_engaged: 1 / 60,
      });
      expect(t1.user_topic_ctr_24h_smoothed).toBe(3 / 21);
      const t2 = userTopicFeatures(record, 't2', now);
      expect(t2).toMatchObject({ user_topic_clicks_24h: 2, user_topic_saves_1h: 1, user_topic_saves_24h: 1, user_topic_saves_7d: 1 });
      const later = userTopicFeatures(record, 't1', T0 + DAY);
      expect(later).toMatchObject({ user_topic_clicks_1h: 0, user_topic_clicks_24h: 0, user_topic_clicks_7d: 2, user_topic_hours_since_engaged: 23.95 });
      expect(userTopicFeatures(record, 't3', now)).toMatchObject({ user_topic_hours_since_engaged: RECENCY_CAP_HOURS, user_topic_clicks_7d: 0 });
    });
  });

  describe('unknown entities', () => {
    it('returns every declared default with known=false', () => {
      const engine = new FeatureEngine();
      const u = engine.userFeatures('nobody', HOUR);
      expect(u).toStrictEqual({ userId: 'nobody', known: false, features: USER_FEATURES, defaulted: Object.keys(USER_FEATURES), recentItemIds: [], topicAffinity: {} });
      const i = engine.itemFeatures('nothing', HOUR);
      expect(i).toStrictEqual({ itemId: 'nothing', known: false, features: ITEM_FEATURES, defaulted: Object.keys(ITEM_FEATURES) });
      expect(USER_FEATURES.user_ctr_smoothed).toBeCloseTo(1 / 21, 15);
      expect(USER_FEATURES.user_ctr_24h_smoothed).toBeCloseTo(1 / 21, 15);
      expect(engine.userRecord('nobody')).toBeUndefined();
      expect(engine.itemRecord('nothing')).toBeUndefined();
      expect(engine.creatorRecord('nobody')).toBeUndefined();
    });

    it('knows a registered user without events, with counters defaulted', () => {
      const engine = new FeatureEngine();
      engine.applyUser(user('u9', { signupAtMs: 0 }));
      const view = engine.userFeatures('u9', DAY);
      expect(view.known).toBe(true);
      expect(view.features.user_account_age_days).toBe(1);
      expect(view.defaulted).toContain('user_clicks');
      expect(view.defaulted).toContain('user_clicks_7d');
      expect(view.defaulted).not.toContain('user_account_age_days');
      expect(engine.userRecord('u9')).toBeUndefined();
      expect(engine.stats().users).toBe(0);
    });

    it('knows a catalog item without events, with counters defaulted', () => {
      const engine = new FeatureEngine();
      engine.applyCatalogItem(item('a', 'c1', ['t1'], { createdAtMs: 0 }));
      const view = engine.itemFeatures('a', 2 * HOUR);
      expect(view.known).toBe(true);
      expect(view.features).toMatchObject({ item_age_hours: 2, creator_items: 1, item_clicks_24h: 0 });
      expect(view.defaulted).toContain('item_clicks_24h');
      expect(view.defaulted).not.toContain('creator_items');
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
      expect(engine.userRecord('u1')?.recent).toEqual([
        { itemId: 'i1', atMs: 5 * HOUR },
        { itemId: 'i3', atMs: 3 * HOUR },
        { itemId: 'i7', atMs: 2.5 * HOUR },
        { itemId: 'i2', atMs: 2 * HOUR },
      ]);
    });

    it('puts the later-applied of two interactions at the same time first', () => {
      const engine = new FeatureEngine();
      engine.applyEvent(event('click', 'u1', 'i1', HOUR));
      engine.applyEvent(event('click', 'u1', 'i2', HOUR));
      expect(engine.userFeatures('u1', HOUR).recentItemIds).toEqual(['i2', 'i1']);
      // Another interaction with a listed item at the time it is listed with (a save right after a click) moves nothing.
      engine.applyEvent(event('save', 'u1', 'i1', HOUR));
      expect(engine.userFeatures('u1', HOUR).recentItemIds).toEqual(['i2', 'i1']);
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
      engine.applyEvent(event('click', 'u1', 'i5', 100 * 1000)); // dropped earlier; now the newest
      expect(engine.userFeatures('u1', HOUR).recentItemIds.slice(0, 2)).toEqual(['i5', 'i59']);
      expect(engine.userFeatures('u1', HOUR).recentItemIds).toHaveLength(50);
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
      expect(engine.stats().userTopics).toBe(3);
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
    it('serves the same views from binary-encoded records as from the engine', () => {
      const engine = new FeatureEngine();
      engine.applyCatalogItem(item('a', 'c1', ['t1', 't2'], { createdAtMs: T0 - 0.5 * HOUR }));
      engine.applyCatalogItem(item('b', 'c1', ['t2']));
      engine.applyUser(user('u1', { signupAtMs: T0 - 30 * DAY }));
      engine.applyEvent(event('impression', 'u1', 'a', T0 - 2 * DAY));
      engine.applyEvent(event('impression', 'u1', 'a', T0 + HOUR));
      engine.applyEvent(event('click', 'u1', 'a', T0 + 2 * HOUR));
      engine.applyEvent(event('dwell', 'u1', 'a', T0 + 3 * HOUR, { dwellMs: 1234.5 }));
      engine.applyEvent(event('save', 'u2', 'b', T0 + 3 * HOUR + 7 * MINUTE));
      engine.applyEvent(event('hide', 'u1', 'b', T0 + 3 * HOUR + 8 * MINUTE));
      engine.applyEvent(event('click', 'u2', 'ghost', T0 + 3 * HOUR + 9 * MINUTE));

      // The store: every record the engine holds, as bytes.
      const users = new Map(['u1', 'u2'].map((id) => [id, encodeUserRecord(engine.userRecord(id)!)]));
      const items = new Map(['a', 'b', 'ghost'].map((id) => [id, encodeItemRecord(engine.itemRecord(id)!)]));
      const creators = new Map([['c1', encodeCreatorRecord(engine.creatorRecord('c1')!)]]);
      const decode = <T>(bytes: Uint8Array | undefined, fn: (b: Uint8Array) => T) => (bytes ? fn(bytes) : undefined);

      for (const now of [T0 + 3 * HOUR + 10 * MINUTE, T0 + 3 * HOUR + 59 * MINUTE, T0 + DAY + 17, T0 + 6 * DAY, T0 + 40 * DAY]) {
        for (const userId of ['u1', 'u2', 'u3']) {
          const view = userView(userId, { record: decode(users.get(userId), decodeUserRecord), user: engine.catalog.user(userId), catalog: engine.catalog }, now);
          expect(view).toStrictEqual(engine.userFeatures(userId, now));
        }
        for (const itemId of ['a', 'b', 'ghost', 'unknown']) {
          const catalogItem = engine.catalog.item(itemId);
          const view = itemView(
            itemId,
            {
              record: decode(items.get(itemId), decodeItemRecord),
              item: catalogItem,
              creator: catalogItem ? decode(creators.get(catalogItem.creatorId), decodeCreatorRecord) : undefined,
              creatorItems: catalogItem ? engine.catalog.itemsOfCreator(catalogItem.creatorId) : undefined,
            },
            now,
          );
          expect(view).toStrictEqual(engine.itemFeatures(itemId, now));
        }
        for (const topic of ['t1', 't2', 'never']) {
          expect(userTopicFeatures(decode(users.get('u1'), decodeUserRecord), topic, now)).toStrictEqual(userTopicFeatures(engine.userRecord('u1'), topic, now));
        }
      }
      // The views compared are not all defaults.
      expect(engine.itemFeatures('a', T0 + 3 * HOUR + 10 * MINUTE).features).toMatchObject({ item_clicks_24h: 1, item_impressions_24h: 1, creator_saves_1h: 1 });
    });

    it('keeps its own copy of catalog items and users', () => {
      const engine = new FeatureEngine();
      const original = item('a', 'c1', ['t1']);
      engine.applyCatalogItem(original);
      original.topics.push('t9');
      original.embedding.push(9);
      original.quality = 0;
      original.creatorId = 'c9';
      expect(engine.itemFeatures('a', 0).item?.topics).toEqual(['t1']);
      expect(engine.itemFeatures('a', 0).item?.embedding).toEqual([0.25, -0.5]);
      expect(engine.itemFeatures('a', 0).features.item_quality).toBe(0.8);
      expect(engine.catalog.itemsOfCreator('c1')).toBe(1);
      const registered = user('u1', { signupAtMs: 0 });
      engine.applyUser(registered);
      registered.signupAtMs = DAY;
      expect(engine.userFeatures('u1', DAY).features.user_account_age_days).toBe(1);
    });

    it('gives identical state for identical input (stream and replay agree)', () => {
      const run = () => {
        const engine = new FeatureEngine();
        engine.applyCatalogItem(item('a', 'c1', ['t1', 't2']));
        engine.applyCatalogItem(item('b', 'c2', ['t2']));
        const types = ['impression', 'click', 'save', 'share', 'hide', 'dwell'] as const;
        for (let k = 0; k < 300; k++) {
          engine.applyEvent(event(types[k % 6], `u${k % 7}`, k % 3 ? 'a' : 'b', T0 + k * 7 * MINUTE, { eventId: `e${k % 250}`, dwellMs: k }));
        }
        expect(engine.stats()).toEqual({ users: 7, items: 2, creators: 2, userTopics: 14, applied: 250, duplicates: 50, invalid: 0 });
        return [0, 1, 2, 3, 4, 5, 6]
          .map((u) => encodeUserRecord(engine.userRecord(`u${u}`)!))
          .concat(['a', 'b'].map((i) => encodeItemRecord(engine.itemRecord(i)!)))
          .concat(['c1', 'c2'].map((c) => encodeCreatorRecord(engine.creatorRecord(c)!)));
      };
      expect(run()).toEqual(run());
    });
  });
});
