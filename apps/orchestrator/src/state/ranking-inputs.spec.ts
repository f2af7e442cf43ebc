import { RankingInputs } from './ranking-inputs';

describe('RankingInputs', () => {
  it('asks for every feature until both models answered, then for the union of what they read', () => {
    const inputs = new RankingInputs();
    expect(inputs.names()).toEqual([]);
    inputs.learn('preRank', ['a', 'b']);
    expect(inputs.names()).toEqual([]);
    inputs.learn('rank', ['b', 'c']);
    expect(inputs.names()).toEqual(['a', 'b', 'c']);
    // A new model reading other features changes the demand.
    inputs.learn('rank', ['d']);
    expect(inputs.names()).toEqual(['a', 'b', 'd']);
    const before = inputs.names();
    inputs.learn('rank', ['d']);
    expect(inputs.names()).toBe(before);
  });

  it('reports a degradation when the model read features the request lacked, and asks for them next time', () => {
    const inputs = new RankingInputs();
    const reported: unknown[] = [];
    const ctx = { degrade: (reason: string, report?: object) => void reported.push({ reason, ...report }) };
    inputs.observe('preRank', { modelVersion: 'v1', modelFeatureNames: ['a'], missingFeatures: [] }, true, ctx);
    inputs.observe('rank', { modelVersion: 'v2', modelFeatureNames: ['a', 'z'], missingFeatures: ['z'] }, true, ctx);
    // A request without item features at all (the feature stage degraded) is not reported again here.
    inputs.observe('rank', { modelVersion: 'v2', modelFeatureNames: ['a', 'z'], missingFeatures: ['a', 'z'] }, false, ctx);
    expect(reported).toEqual([
      { reason: 'model v2 reads item features the request did not carry: z', stage: 'ranking', fallback: 'declared defaults for those features' },
    ]);
    expect(inputs.names()).toEqual(['a', 'z']);
  });
});
