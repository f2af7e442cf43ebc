import { RankingInputs } from './ranking-inputs';

describe('RankingInputs', () => {
  it('asks for every feature until the ranking models answered, then for what they read', () => {
    const inputs = new RankingInputs();
    expect(inputs.names()).toEqual([]);
    inputs.learn(['a', 'b']);
    expect(inputs.names()).toEqual(['a', 'b']);
    const before = inputs.names();
    inputs.learn(['a', 'b']);
    expect(inputs.names()).toBe(before);
    // A new model reading other features changes the demand.
    inputs.learn(['d']);
    expect(inputs.names()).toEqual(['d']);
  });

  it('reports a degradation when the model read features the request lacked, and asks for them next time', () => {
    const inputs = new RankingInputs();
    const reported: unknown[] = [];
    const ctx = { degrade: (reason: string, report?: object) => void reported.push({ reason, ...report }) };
    inputs.observe({ modelVersion: 'v1', modelFeatureNames: ['a'], missingFeatures: [] }, true, ctx);
    inputs.observe({ modelVersion: 'v2', modelFeatureNames: ['a', 'z'], missingFeatures: ['z'] }, true, ctx);
    // A request without item features at all (the feature stage degraded) is not reported again here.
    inputs.observe({ modelVersion: 'v2', modelFeatureNames: ['a', 'z'], missingFeatures: ['a', 'z'] }, false, ctx);
    expect(reported).toEqual([
      { reason: 'model v2 reads item features the request did not carry: z', stage: 'ranking', fallback: 'declared defaults for those features' },
    ]);
    expect(inputs.names()).toEqual(['a', 'z']);
  });
});
