// What a protocol sees of one user and what it returns: the seam between the harness loop and the metric code.

/** One evaluated user, as the harness hands it to a protocol. */
export interface UserCase {
  /** User row. */
  readonly user: number;
  /** The model's score of every item (length nItems). Valid only during the call. */
  readonly scores: Float32Array;
  /** The user's training items, sorted ascending (never recommended, never negatives). */
  readonly train: Int32Array;
  /** The user's test items, sorted ascending (all of them, including any also in train). */
  readonly test: Int32Array;
  /** The relevant items: test items not in train, sorted ascending, never empty. */
  readonly relevant: Int32Array;
}

/** A protocol's per-user accumulator. */
export interface ProtocolRun {
  /** Accumulates one user. Returns false when the user could not be evaluated (then counted as skipped). */
  add(c: UserCase): boolean;
  /** The metrics, averaged over the users added (keys like `ndcg@10`, `mrr`, `auc`). Never NaN. */
  finish(): Record<string, number>;
}
