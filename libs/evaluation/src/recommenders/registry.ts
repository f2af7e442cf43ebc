// The registry of offline recommenders by name, and the `name:key=value,...` model spec the CLI accepts.
import { PopularityRecommender, type PopularityWeighting } from './popularity';
import { RandomRecommender } from './random';
import { type ParamValue, type Recommender } from './recommender';
import { SegmentPopularityRecommender } from './segment-popularity';

/** One registered recommender: what it is, which parameters it takes, and how to build it. */
export interface RecommenderEntry {
  readonly description: string;
  /** Parameter name → one-line description with the default. */
  readonly params: Readonly<Record<string, string>>;
  create(params: Readonly<Record<string, ParamValue>>): Recommender;
}

/** The registered recommenders. Names are what `--model` accepts. */
export const RECOMMENDERS: Readonly<Record<string, RecommenderEntry>> = Object.freeze({
  random: {
    description: 'uniform random scores (the floor)',
    params: { seed: 'seed of the scores (default: the run seed)' },
    create: (p) => new RandomRecommender(num(p, 'seed', 0)),
  },
  pop: {
    description: 'global popularity: training interaction counts',
    params: { weighting: 'binary (users per item, default) or weighted (sum of weights)' },
    create: (p) => new PopularityRecommender(str(p, 'weighting', 'binary') as PopularityWeighting),
  },
  'segment-pop': {
    description: 'popularity within the user\'s demographic segment, global for small segments',
    params: {
      attributes: 'demographic attributes forming a segment, joined by + (default ageBucket+gender)',
      minSegmentUsers: 'smallest segment with its own ranking (default 50)',
      weighting: 'binary (default) or weighted',
    },
    create: (p) =>
      new SegmentPopularityRecommender({
        attributes: p.attributes === undefined ? undefined : list(p, 'attributes'),
        minSegmentUsers: p.minSegmentUsers === undefined ? undefined : num(p, 'minSegmentUsers', 0),
        weighting: p.weighting === undefined ? undefined : (str(p, 'weighting', 'binary') as PopularityWeighting),
      }),
  },
});

/** Other names accepted for registered recommenders. */
export const RECOMMENDER_ALIASES: Readonly<Record<string, string>> = Object.freeze({ popularity: 'pop', segpop: 'segment-pop', 'segment-popularity': 'segment-pop' });

/**
 * Creates the recommender registered as `name` (or an alias) with `params`. Numbers may be given as strings (as a
 * command line does). Throws an Error naming the known models or the known parameters on a typo.
 */
export function createRecommender(name: string, params: Readonly<Record<string, ParamValue>> = {}): Recommender {
  const canonical = RECOMMENDER_ALIASES[name] ?? name;
  const entry = RECOMMENDERS[canonical];
  if (!entry) throw new Error(`unknown model "${name}" (known: ${Object.keys(RECOMMENDERS).join(', ')})`);
  for (const key of Object.keys(params)) {
    if (!(key in entry.params)) throw new Error(`model ${canonical} has no parameter "${key}" (known: ${Object.keys(entry.params).join(', ') || 'none'})`);
  }
  return entry.create(params);
}

/**
 * Parses a model spec `name` or `name:key=value,key=value` (e.g. `segment-pop:attributes=gender+age,minSegmentUsers=20`)
 * into the name and string parameters; `+` separates the items of a list parameter.
 */
export function parseModelSpec(spec: string): { name: string; params: Record<string, string> } {
  const colon = spec.indexOf(':');
  const name = (colon < 0 ? spec : spec.slice(0, colon)).trim();
  if (!name) throw new Error(`model spec "${spec}" has no name`);
  const params: Record<string, string> = {};
  if (colon >= 0) {
    for (const pair of spec.slice(colon + 1).split(',')) {
      const eq = pair.indexOf('=');
      if (eq <= 0) throw new Error(`model spec "${spec}": "${pair}" is not key=value`);
      params[pair.slice(0, eq).trim()] = pair.slice(eq + 1).trim();
    }
  }
  return { name, params };
}

function num(p: Readonly<Record<string, ParamValue>>, key: string, fallback: number): number {
  const v = p[key];
  if (v === undefined) return fallback;
  const n = typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' ? Number(v) : NaN;
  if (!Number.isFinite(n)) throw new Error(`parameter ${key} must be a number, got ${JSON.stringify(v)}`);
  return n;
}

function str(p: Readonly<Record<string, ParamValue>>, key: string, fallback: string): string {
  const v = p[key];
  if (v === undefined) return fallback;
  if (typeof v !== 'string') throw new Error(`parameter ${key} must be a string, got ${JSON.stringify(v)}`);
  return v;
}

function list(p: Readonly<Record<string, ParamValue>>, key: string): string[] {
  const v = p[key];
  if (Array.isArray(v)) return [...(v as readonly string[])];
  if (typeof v === 'string') return v.split('+').map((s) => s.trim()).filter(Boolean);
  throw new Error(`parameter ${key} must be a list of strings, got ${JSON.stringify(v)}`);
}
