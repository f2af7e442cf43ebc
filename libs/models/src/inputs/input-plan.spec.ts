import { ITEM_FEATURES, RANKING_FEATURE_NAMES, RANKING_ITEM_INPUTS, USER_FEATURES, modelInputRow, rankingFeatureMatrix } from '@recsys/features';
import { tinyMmoeFiles } from '@recsys/testing';
import { parseModelCard, type ModelCard } from '../card/model-card';
import { fillInputs, planInputs } from './input-plan';

const tiny = parseModelCard(tinyMmoeFiles().card);

/** A card reading `features` (the fixture's, its columns replaced). */
function cardReading(features: string[]): Pick<ModelCard, 'name' | 'version' | 'inputs'> {
  return {
    name: 'ranking/test',
    version: 'v9',
    inputs: [{ name: 'features', type: 'float32', shape: ['batch', features.length], columns: features.map((feature) => ({ feature, mean: 0, std: 1 })) }],
  };
}

describe('planInputs', () => {
  it('maps the fixture’s columns to ranking features, an item column and a user feature', () => {
    const plan = planInputs(tiny);
    expect(plan.width).toBe(6);
    expect(plan.columns).toEqual([
      { kind: 'ranking', feature: 'item_ctr_smoothed' },
      { kind: 'ranking', feature: 'item_log1p_impressions' },
      { kind: 'ranking', feature: 'user_topic_affinity' },
      { kind: 'ranking', feature: 'item_quality' },
      { kind: 'item', feature: 'item_aspect_ratio', fallback: ITEM_FEATURES.item_aspect_ratio },
      { kind: 'user', feature: 'user_account_age_days', fallback: USER_FEATURES.user_account_age_days },
    ]);
    // The ranking features read every ranking item input; then the model's own item column.
    expect(plan.itemFeatures).toEqual([...RANKING_ITEM_INPUTS, 'item_aspect_ratio']);
  });

  it('reads creator features as item columns and reports only the item features a model without ranking features reads', () => {
    const plan = planInputs(cardReading(['creator_items', 'user_clicks_24h', 'item_hide_rate_smoothed']));
    expect(plan.columns.map((c) => c.kind)).toEqual(['item', 'user', 'item']);
    expect(plan.itemFeatures).toEqual(['creator_items', 'item_hide_rate_smoothed']);
  });

  it('refuses at load a model reading a feature the service cannot compute, naming each one, the model and the version', () => {
    expect(() => planInputs(cardReading(['item_quality', 'bias', 'user_topic_clicks', 'item_colour']))).toThrow(
      'model ranking/test version v9 reads features the ranking service cannot compute: "bias" (input column 1), ' +
        '"user_topic_clicks" (input column 2), "item_colour" (input column 3) (each input must be a derived ranking ' +
        'feature, an item or creator feature, or a user feature of @recsys/features)',
    );
  });
});

describe('fillInputs', () => {
  const plan = planInputs(tiny);
  // Two candidate rows; the ranking matrix as the ranking-features hydrator lays it out (RANKING_FEATURE_NAMES order).
  const rankingNames = [...RANKING_FEATURE_NAMES];
  const rankingRow = (ctr: number, log1pImpressions: number, affinity: number, quality: number) => {
    const row = new Array(rankingNames.length).fill(-1);
    row[rankingNames.indexOf('bias')] = 1;
    row[rankingNames.indexOf('item_ctr_smoothed')] = ctr;
    row[rankingNames.indexOf('item_log1p_impressions')] = log1pImpressions;
    row[rankingNames.indexOf('user_topic_affinity')] = affinity;
    row[rankingNames.indexOf('item_quality')] = quality;
    return row;
  };
  const ranking = { names: rankingNames, values: Float64Array.from([...rankingRow(0.1, 2, 0.5, 0.9), ...rankingRow(0.2, 3, 0, 0.25)]) };

  it('fills the rows asked for, in that order, from the ranking matrix, the item columns and the user record', () => {
    const batch = { names: ['item_quality', 'item_aspect_ratio'], values: [0.9, 0.75, 0.25, 1.5] };
    const { values, missing } = fillInputs(plan, { batch, ranking, userFeatures: { user_account_age_days: 12, user_clicks: 3 } }, [1, 0]);
    expect(Array.from(values)).toEqual(Array.from(Float32Array.from([0.2, 3, 0, 0.25, 1.5, 12, 0.1, 2, 0.5, 0.9, 0.75, 12])));
    expect(missing).toEqual([]);
  });

  it('takes the declared defaults of item columns the request does not carry (listed) and user features it lacks', () => {
    const out = new Float32Array(12).fill(Number.NaN);
    const { values, missing } = fillInputs(plan, { batch: { names: [], values: [] }, ranking, userFeatures: {} }, [0], out);
    expect(values).toBe(out);
    expect(Array.from(values.subarray(0, 6))).toEqual(Array.from(Float32Array.from([0.1, 2, 0.5, 0.9, ITEM_FEATURES.item_aspect_ratio, USER_FEATURES.user_account_age_days])));
    expect(Number.isNaN(values[6])).toBe(true);
    expect(missing).toEqual(['item_aspect_ratio']);
  });

  it('assembles each row as modelInputRow does from the same views (what training sets hold)', () => {
    const names = ['item_ctr_smoothed', 'user_topic_affinity', 'item_log1p_age_hours', 'item_impressions', 'creator_items', 'user_clicks', 'user_dwell_ms_mean', 'item_aspect_ratio'];
    const wide = planInputs(cardReading(names));
    const batch = {
      names: ['item_age_hours', 'item_impressions', 'creator_items', 'item_ctr_smoothed'],
      rows: 3,
      values: Float32Array.from([5, 40, 3, 0.125, 0, 0, 12, 0.5, 900, 7, 1, 0.0625]),
      topics: ['t1', 't2'],
      topicIndexes: [0, 1, 0],
    };
    const user = { features: { user_clicks: 4 }, topicAffinity: { t1: 0.75 } };
    const matrix = { names: RANKING_FEATURE_NAMES, values: rankingFeatureMatrix(user, batch).values };
    const { values } = fillInputs(wide, { batch, ranking: matrix, userFeatures: user.features }, [0, 1, 2]);
    for (let r = 0; r < 3; r++) {
      const item = { features: Object.fromEntries(batch.names.map((name, j) => [name, batch.values[r * 4 + j]])) };
      const row = modelInputRow(names, user, item, batch.topics[batch.topicIndexes[r]]);
      expect(Array.from(values.subarray(r * names.length, (r + 1) * names.length))).toEqual(Array.from(Float32Array.from(row)));
    }
  });

  it('rejects an output buffer too small and a ranking matrix without a column the plan reads', () => {
    const request = { batch: { names: [], values: [] }, ranking, userFeatures: {} };
    expect(() => fillInputs(plan, request, [0, 1], new Float32Array(11))).toThrow('fillInputs: out holds 11 values, needs 12');
    expect(() => fillInputs(plan, { ...request, ranking: { names: ['bias'], values: [1, 1] } }, [0])).toThrow(
      'fillInputs: the ranking feature matrix has no column item_ctr_smoothed',
    );
  });
});
