// The Pareto-optimal (non-dominated) points of a set scored on several objectives.

/**
 * The indexes, in input order, of the points no other point dominates. Point a dominates b when a is at least as good
 * as b on every objective and better on one; `senses[j]` says whether objective j is better higher (`max`) or lower
 * (`min`). Equal points do not dominate each other, so both stay. O(n² · objectives).
 *
 * @throws RangeError when a point does not have one value per sense, or a value is NaN.
 */
export function paretoFront(points: readonly (readonly number[])[], senses: readonly ('max' | 'min')[]): number[] {
  const d = senses.length;
  points.forEach((p, i) => {
    if (p.length !== d) throw new RangeError(`point ${i} has ${p.length} values for ${d} objectives`);
    p.forEach((v, j) => {
      if (Number.isNaN(v)) throw new RangeError(`point ${i}, objective ${j} is NaN`);
    });
  });
  const sign = senses.map((s) => (s === 'max' ? 1 : -1));
  const dominates = (a: readonly number[], b: readonly number[]): boolean => {
    let better = false;
    for (let j = 0; j < d; j++) {
      const diff = sign[j] * (a[j] - b[j]);
      if (diff < 0) return false;
      if (diff > 0) better = true;
    }
    return better;
  };
  const front: number[] = [];
  points.forEach((p, i) => {
    if (!points.some((q, k) => k !== i && dominates(q, p))) front.push(i);
  });
  return front;
}
