/** Typed feature keys with declared defaults, and a map that answers the default for missing features. */

/** A named feature whose value type and default are declared once, where the feature is defined. */
export interface Feature<T> {
  /** Stable feature name, e.g. `item_ctr_smoothed`. */
  readonly name: string;
  /** The value a {@link FeatureMap} answers when the feature is missing. */
  readonly defaultValue: T;
}

/**
 * Declares a feature. The value type is inferred from the default: `defineFeature('item_ctr', 0)` is a
 * `Feature<number>`. Throws when the name is empty.
 */
export function defineFeature<T>(name: string, defaultValue: T): Feature<T> {
  if (name.length === 0) throw new Error('defineFeature: the feature name must not be empty');
  return Object.freeze({ name, defaultValue });
}

/**
 * Feature values keyed by feature name. `get` never fails: a missing feature answers its declared default
 * and its name is remembered, so callers can report which features were defaulted (`missing()`).
 */
export class FeatureMap {
  private readonly values = new Map<string, unknown>();
  private readonly defaulted = new Set<string>();

  /** Starts with the given raw values (e.g. a decoded feature-store record), keyed by feature name. */
  constructor(initial?: Readonly<Record<string, unknown>> | Iterable<readonly [string, unknown]>) {
    if (initial === undefined) return;
    const entries = Symbol.iterator in initial ? initial : Object.entries(initial);
    for (const [name, value] of entries as Iterable<readonly [string, unknown]>) {
      if (value !== undefined) this.values.set(name, value);
    }
  }

  /** The feature's value, or its default when missing (the name is then recorded in `missing()`). O(1). */
  get<T>(feature: Feature<T>): T {
    if (this.values.has(feature.name)) return this.values.get(feature.name) as T;
    this.defaulted.add(feature.name);
    return feature.defaultValue;
  }

  /** True when the feature has a value (does not count as a lookup for `missing()`). */
  has<T>(feature: Feature<T>): boolean {
    return this.values.has(feature.name);
  }

  /** Sets the feature's value; returns this map for chaining. */
  set<T>(feature: Feature<T>, value: T): this {
    this.values.set(feature.name, value);
    return this;
  }

  /** Names of the features that `get` answered with their default, in first-lookup order. */
  missing(): string[] {
    return [...this.defaulted].filter((name) => !this.values.has(name));
  }

  /** The present values as a plain object keyed by feature name (defaults are not included). */
  toRecord(): Record<string, unknown> {
    return Object.fromEntries(this.values);
  }
}
