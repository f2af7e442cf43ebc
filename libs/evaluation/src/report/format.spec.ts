import { type EvalReport } from '../evaluate';
import { formatComparison, formatReport } from './format';

const report: EvalReport = {
  dataset: 'ml-latest-small (movielens-csv)',
  split: { name: 'random-holdout', description: 'per-user random holdout: 20% to test, seed 42' },
  protocol: { name: 'full', description: "every item not in the user's training set is ranked" },
  ks: [10, 20],
  model: { name: 'pop', params: { weighting: 'binary' } },
  metrics: { 'hitrate@10': 0.5, 'ndcg@10': 0.123456, 'hitrate@20': 0.6, 'ndcg@20': 0.2, 'coverage@10': 0.01, 'coverage@20': 0.02, mrr: 0.25, auc: 0.86 },
  users: { evaluated: 610, skipped: 0 },
  data: { users: 610, items: 9724, trainInteractions: 80000, testInteractions: 20836 },
  seconds: 1.5,
  usersPerSecond: 406.7,
  fitSeconds: 0.01,
  notes: ['auc_global estimated on a seeded 10.0% sample of the negative pairs'],
};

describe('formatReport', () => {
  const text = formatReport(report);
  const lines = text.split('\n');

  it('states dataset, split, protocol and K above the numbers', () => {
    const firstNumber = lines.findIndex((l) => l.includes('0.1235'));
    for (const needle of ['dataset   ml-latest-small (movielens-csv)', 'split     random-holdout: per-user random holdout', 'protocol  full ranking: every item not in', 'K         10, 20']) {
      const at = lines.findIndex((l) => l.startsWith(needle));
      expect(at).toBeGreaterThanOrEqual(0);
      expect(at).toBeLessThan(firstNumber);
    }
    expect(text).toContain('model     pop (weighting=binary)');
    expect(text).toContain('610 evaluated, 0 skipped');
    expect(text).toContain('1.50 s scoring (407 users/s), 0.01 s fit');
  });

  it('tabulates per-K metrics in K columns, whole-ranking metrics apart, and the notes', () => {
    expect(lines).toContain('metric       @10     @20');
    expect(lines).toContain('hitrate   0.5000  0.6000');
    expect(lines).toContain('ndcg      0.1235  0.2000');
    expect(lines).toContain('coverage  0.0100  0.0200');
    expect(lines).toContain('auc     0.8600');
    expect(text.indexOf('hitrate')).toBeLessThan(text.indexOf('ndcg'));
    expect(lines[lines.length - 1]).toBe('note: auc_global estimated on a seeded 10.0% sample of the negative pairs');
  });
});

describe('formatComparison', () => {
  it('puts comparable reports in one table under one header', () => {
    const random = { ...report, model: { name: 'random', params: { seed: 42 } }, metrics: { ...report.metrics, 'ndcg@10': 0.003 } };
    const text = formatComparison([report, random]);
    expect(text).toContain('protocol  full ranking: every item not in');
    expect(text).toContain('K         10, 20');
    expect(text).toMatch(/model\s+ndcg@10\s+hitrate@10\s+ndcg@20\s+hitrate@20\s+mrr\s+auc\s+coverage@20\s+users\/s/);
    expect(text).toMatch(/random \(seed=42\)\s+0\.0030/);
  });

  it('refuses reports measured differently', () => {
    const sampled = { ...report, protocol: { name: 'sampled' as const, description: 'sampled', negatives: 100 } };
    expect(() => formatComparison([report, sampled])).toThrow(/not comparable/);
  });
});
