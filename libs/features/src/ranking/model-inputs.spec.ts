import { ITEM_FEATURES, USER_FEATURES } from '../definitions/features';
import { modelInputRead, modelInputRow, modelInputSource } from './model-inputs';
import { rankingFeatures } from './ranking-features';

describe('model inputs', () => {
  it('resolves derived ranking features first, then item/creator and user features', () => {
    expect(modelInputSource('user_topic_affinity')).toEqual({ kind: 'ranking', name: 'user_topic_affinity' });
    expect(modelInputSource('item_log1p_impressions')).toEqual({ kind: 'ranking', name: 'item_log1p_impressions' });
    expect(modelInputSource('item_impressions')).toEqual({ kind: 'item', name: 'item_impressions' });
    expect(modelInputSource('creator_ctr_24h_smoothed')).toEqual({ kind: 'item', name: 'creator_ctr_24h_smoothed' });
    expect(modelInputSource('user_ctr_smoothed')).toEqual({ kind: 'user', name: 'user_ctr_smoothed' });
  });

  it('refuses a name it cannot compute, naming it (and the constant bias)', () => {
    expect(() => modelInputSource('item_colour')).toThrow(/unknown model input "item_colour"/);
    expect(() => modelInputSource('bias')).toThrow(/"bias"/);
  });

  it('says which value of the views each input reads: derived ones their item input or the topic affinity', () => {
    expect(modelInputRead('item_log1p_impressions')).toEqual({ kind: 'item', name: 'item_impressions' });
    expect(modelInputRead('item_log1p_age_hours')).toEqual({ kind: 'item', name: 'item_age_hours' });
    expect(modelInputRead('creator_ctr_smoothed')).toEqual({ kind: 'item', name: 'creator_ctr_smoothed' });
    expect(modelInputRead('user_topic_affinity')).toEqual({ kind: 'topic_affinity' });
    expect(modelInputRead('item_aspect_ratio')).toEqual({ kind: 'item', name: 'item_aspect_ratio' });
    expect(modelInputRead('user_account_age_days')).toEqual({ kind: 'user', name: 'user_account_age_days' });
    expect(() => modelInputRead('user_colour')).toThrow(/unknown model input "user_colour"/);
  });

  it('computes a row from views: derived as rankingFeatures, raw features as served, missing ones as declared defaults', () => {
    const user = { features: { user_ctr_smoothed: 0.2 }, topicAffinity: { t1: 0.7 } };
    const item = { features: { item_impressions: 99, item_ctr_smoothed: 0.08, item_age_hours: 3 } };
    const row = modelInputRow(['item_log1p_impressions', 'user_topic_affinity', 'item_impressions', 'user_ctr_smoothed', 'item_quality', 'user_dwell_ms_mean'], user, item, 't1');
    const derived = rankingFeatures(user, item, 't1');
    expect(Array.from(row)).toEqual([derived.item_log1p_impressions, 0.7, 99, 0.2, ITEM_FEATURES.item_quality, USER_FEATURES.user_dwell_ms_mean]);
    expect(row[0]).toBeCloseTo(Math.log(100), 12);
  });
});
