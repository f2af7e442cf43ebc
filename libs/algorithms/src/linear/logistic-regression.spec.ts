import { aucScore } from '../metrics/auc';
import { createRng } from '../random/rng';
import { LogisticRegression, predictLogistic, sigmoid, trainLogisticRegression } from './logistic-regression';

const TRUE_WEIGHTS = [2, -1, 0.5];
const TRUE_BIAS = -0.3;

/** Rows with standard-normal features and labels drawn from the true logistic model. */
function generate(n: number, seed: number): { X: Float64Array[]; y: number[] } {
  const rng = createRng(seed);
  const X: Float64Array[] = [];
  const y: number[] = [];
  for (let i = 0; i < n; i++) {
    const x = Float64Array.from(TRUE_WEIGHTS, () => rng.normal());
    X.push(x);
    y.push(rng.next() < predictLogistic(TRUE_WEIGHTS, TRUE_BIAS, x) ? 1 : 0);
  }
  return { X, y };
}

describe('sigmoid / predictLogistic', () => {
  it('computes σ(w·x + b) and stays finite for large |z|', () => {
    expect(sigmoid(0)).toBe(0.5);
    expect(predictLogistic([1, -2], 0.5, [2, 1])).toBeCloseTo(1 / (1 + Math.exp(-0.5)), 15);
    expect(sigmoid(-1000)).toBe(0);
    expect(sigmoid(1000)).toBe(1);
  });

  it('rejects a row of the wrong width', () => {
    expect(() => predictLogistic([1, 2], 0, [1])).toThrow(RangeError);
  });
});

describe('LogisticRegression.train', () => {
  it('takes the hand-computed full-batch gradient step from zero', () => {
    // p = 0.5 for both rows; residuals −0.5, +0.5.
    // ∇w = ((−0.5)·[1, 2] + 0.5·[3, −1]) / 2 = [0.5, −0.75]; ∇b = 0; w = −0.5·∇w = [−0.25, 0.375].
    const model = LogisticRegression.train([[1, 2], [3, -1]], [1, 0], { l2: 0.1, epochs: 1, lr: 0.5, seed: 1, batchSize: 2 });
    expect(model.weights[0]).toBeCloseTo(-0.25, 15);
    expect(model.weights[1]).toBeCloseTo(0.375, 15);
    expect(model.bias).toBeCloseTo(0, 15);
  });

  it('applies the L2 term in the hand-computed step from a starting point', () => {
    // z = 0.5·2 = 1; residual r = σ(1) − 1; ∇w = 2r + 0.1·0.5; ∇b = r; lr = 1.
    const r = 1 / (1 + Math.exp(-1)) - 1;
    const model = trainLogisticRegression([[2]], [1], { l2: 0.1, epochs: 1, lr: 1, seed: 0, initial: { weights: [0.5], bias: 0 } });
    expect(model.weights[0]).toBeCloseTo(0.5 - (2 * r + 0.05), 14);
    expect(model.bias).toBeCloseTo(-r, 14);
  });

  it('recovers the signs and rough ratios of known weights', () => {
    const { X, y } = generate(6000, 11);
    const model = trainLogisticRegression(X, y, { l2: 1e-4, epochs: 15, lr: 0.1, seed: 5 });
    expect(Math.sign(model.weights[0])).toBe(1);
    expect(Math.sign(model.weights[1])).toBe(-1);
    expect(Math.sign(model.weights[2])).toBe(1);
    expect(model.weights[0] / -model.weights[1]).toBeGreaterThan(1.6);
    expect(model.weights[0] / -model.weights[1]).toBeLessThan(2.5);
    expect(model.weights[0] / model.weights[2]).toBeGreaterThan(2.8);
    expect(model.weights[0] / model.weights[2]).toBeLessThan(5.5);
    const test = generate(2000, 12);
    const auc = aucScore(test.y, test.X.map((x) => LogisticRegression.predict(model, x)));
    const oracle = aucScore(test.y, test.X.map((x) => predictLogistic(TRUE_WEIGHTS, TRUE_BIAS, x)));
    expect(auc).toBeGreaterThan(oracle - 0.01);
  });

  it('is bit-for-bit deterministic given the seed, and the seed matters', () => {
    const { X, y } = generate(500, 2);
    const opts = { l2: 0.01, epochs: 3, lr: 0.2, seed: 9, batchSize: 16 };
    expect(trainLogisticRegression(X, y, opts)).toEqual(trainLogisticRegression(X, y, opts));
    expect(trainLogisticRegression(X, y, { ...opts, seed: 10 }).weights).not.toEqual(trainLogisticRegression(X, y, opts).weights);
  });

  it('shrinks weights as L2 grows', () => {
    const { X, y } = generate(1000, 4);
    const norm = (l2: number) => Math.hypot(...trainLogisticRegression(X, y, { l2, epochs: 10, lr: 0.1, seed: 1 }).weights);
    expect(norm(1)).toBeLessThan(norm(0.1));
    expect(norm(0.1)).toBeLessThan(norm(0));
  });

  it('with standardisation learns badly scaled features and returns a raw-space model', () => {
    const { X, y } = generate(4000, 21);
    // Column 0 in thousands with an offset: plain gradient descent at this lr would diverge or stall.
    const scaled = X.map((x) => Float64Array.from([x[0] * 1000 + 5000, x[1], x[2]]));
    const model = trainLogisticRegression(scaled, y, { l2: 1e-4, epochs: 15, lr: 0.1, seed: 3, standardize: true });
    expect(model.weights[0] * 1000).toBeGreaterThan(1.5);
    expect(model.weights[0] * 1000).toBeLessThan(2.6);
    expect(model.weights[1]).toBeLessThan(-0.7);
    // Predictions on raw rows match the same data trained unscaled.
    const plain = trainLogisticRegression(X, y, { l2: 1e-4, epochs: 15, lr: 0.1, seed: 3, standardize: true });
    for (let i = 0; i < 20; i++) {
      expect(predictLogistic(model.weights, model.bias, scaled[i])).toBeCloseTo(predictLogistic(plain.weights, plain.bias, X[i]), 6);
    }
  });

  it('rejects malformed input', () => {
    const opts = { l2: 0, epochs: 1, lr: 0.1, seed: 0 };
    expect(() => trainLogisticRegression([], [], opts)).toThrow(RangeError);
    expect(() => trainLogisticRegression([[1]], [1, 0], opts)).toThrow(RangeError);
    expect(() => trainLogisticRegression([[1], [1, 2]], [1, 0], opts)).toThrow(RangeError);
    expect(() => trainLogisticRegression([[1]], [2], opts)).toThrow(RangeError);
    expect(() => trainLogisticRegression([[1]], [1], { ...opts, epochs: 0 })).toThrow(RangeError);
    expect(() => trainLogisticRegression([[1]], [1], { ...opts, lr: 0 })).toThrow(RangeError);
  });
});
