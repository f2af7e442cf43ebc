import { ConfigError } from '@recsys/config';
import { loadConfig } from './config';

describe('orchestrator config: FUSION_RULES', () => {
  it('is no rule anywhere when unset, and a rule per surface when set', () => {
    expect(loadConfig({}).FUSION_RULES).toEqual({});
    const rules = { related_pins: { kind: 'product', weights: { click: 1, hide: 10 } }, home_feed: { kind: 'sum', weights: { click: 1, hide: -10 }, negative: ['hide'] } };
    expect(loadConfig({ FUSION_RULES: JSON.stringify(rules) }).FUSION_RULES).toEqual(rules);
  });

  it.each([
    ['not JSON', '{related', /FUSION_RULES: not JSON/],
    ['not an object', '[1]', /FUSION_RULES: expected a JSON object of surface → fusion rule/],
    ['an unknown surface', '{"search":{"kind":"sum","weights":{}}}', /FUSION_RULES\.search: not a surface \(home_feed, related_pins\)/],
    ['a bad rule', '{"home_feed":{"kind":"product","weights":{"hide":-1}}}', /FUSION_RULES\.home_feed\.weights\.hide: must be ≥ 0/],
  ])('refuses %s, naming the field', (_what, value, message) => {
    let error: unknown;
    try {
      loadConfig({ FUSION_RULES: value });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toMatch(message);
  });
});
