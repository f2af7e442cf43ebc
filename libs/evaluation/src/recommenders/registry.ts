// The registry of offline recommenders by name, and the `name:key=value,...` model spec the CLI accepts.
import { PopularityRecommender, type PopularityWeighting } from './popularity';
import { RandomRecommender } from './random';
import { type ParamValue, type Recommender, type RecommenderResources } from './recommender';
import { SegmentPopularityRecommender } from './segment-popularity';
import { GRAPH_DEFAULTS, GraphRecommender, graphOptionsOf } from '../models/graph';
import { ITEMCF_DEFAULTS, ItemCFRecommender, neighborhoodOptionsOf } from '../models/itemcf';
import { USERCF_DEFAULTS, UserCFRecommender } from '../models/usercf';
import { ALS_MODEL_DEFAULTS, AlsRecommender, alsOptionsOf } from '../models/als';
import { PURESVD_MODEL_DEFAULTS, PureSvdRecommender, pureSvdOptionsOf } from '../models/puresvd';
import { SVD_MODEL_DEFAULTS, SvdRecommender, svdOptionsOf } from '../models/svd';

/** One registered recommender: what it is, which parameters it takes, and how to build it. */
export interface RecommenderEntry {
  readonly description: string;
  /** Parameter name → one-line description with the default. */
  readonly params: Readonly<Record<string, string>>;
  create(params: Readonly<Record<string, ParamValue>>, resources: RecommenderResources): Recommender;
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
  itemcf: {
    description: 'item-based collaborative filtering: top-k similar items of the user\'s items',
    params: {
      similarity: `cosine, pearson or jaccard (default ${ITEMCF_DEFAULTS.similarity})`,
      k: `neighbours per item (default ${ITEMCF_DEFAULTS.k})`,
      shrinkage: `λ of sim × n/(n + λ), n common users (default ${ITEMCF_DEFAULTS.shrinkage})`,
      iuf: `weight users by log(nItems / their item count) (default ${ITEMCF_DEFAULTS.iuf})`,
      minCommon: `fewest common users of two neighbours (default ${ITEMCF_DEFAULTS.minCommon})`,
      normalize: `similarity-weighted average instead of sum (default ${ITEMCF_DEFAULTS.normalize})`,
      values: `raw (ratings, confidences) or binary, for similarities and history weights (default ${ITEMCF_DEFAULTS.values})`,
    },
    create: (p) => new ItemCFRecommender(neighborhoodOptionsOf(p)),
  },
  usercf: {
    description: 'user-based collaborative filtering: items of the top-k similar users',
    params: {
      similarity: `cosine, pearson or jaccard (default ${USERCF_DEFAULTS.similarity})`,
      k: `neighbours per user (default ${USERCF_DEFAULTS.k})`,
      shrinkage: `λ of sim × n/(n + λ), n common items (default ${USERCF_DEFAULTS.shrinkage})`,
      iuf: `weight items by log(nUsers / their user count) (default ${USERCF_DEFAULTS.iuf})`,
      minCommon: `fewest common items of two neighbours (default ${USERCF_DEFAULTS.minCommon})`,
      normalize: `similarity-weighted average instead of sum (default ${USERCF_DEFAULTS.normalize})`,
      values: `raw (ratings, confidences) or binary, for similarities and neighbour weights (default ${USERCF_DEFAULTS.values})`,
    },
    create: (p) => new UserCFRecommender(neighborhoodOptionsOf(p)),
  },
  graph: {
    description: 'Pixie random walks with restarts on the item–user graph from the user\'s recent items',
    params: {
      steps: `walk steps per user (default ${GRAPH_DEFAULTS.steps})`,
      alpha: `restart probability, mean walk length 1/alpha (default ${GRAPH_DEFAULTS.alpha})`,
      np: 'early stopping: stop once np items have nv visits (default 0: off)',
      nv: `visits counting towards np (default ${GRAPH_DEFAULTS.nv})`,
      degreeBias: `true: split steps by the Pixie degree scaling; false: by weight only (default ${GRAPH_DEFAULTS.degreeBias})`,
      recent: 'query with the latest N training items (default 0: all)',
      halfLife: 'recency weight 0.5^(rank/halfLife) of the query items (default 0: equal)',
      seed: 'seed of the walks (default: the run seed)',
    },
    create: (p) => new GraphRecommender(graphOptionsOf(p)),
  },
  als: {
    description: 'implicit-feedback ALS (Hu, Koren, Volinsky), conjugate-gradient row solves; scores x_u·y_i',
    params: {
      factors: `latent dimension (default ${ALS_MODEL_DEFAULTS.factors})`,
      regularization: `L2 strength λ (default ${ALS_MODEL_DEFAULTS.regularization})`,
      alpha: `confidence 1 + alpha·r (default ${ALS_MODEL_DEFAULTS.alpha})`,
      iterations: `alternating sweeps (default ${ALS_MODEL_DEFAULTS.iterations})`,
      cgSteps: `conjugate-gradient steps per row and sweep (default ${ALS_MODEL_DEFAULTS.cgSteps})`,
      values: `r = the stored value (raw) or 1 (binary) (default ${ALS_MODEL_DEFAULTS.values})`,
      seed: 'seed of the initial factors (default: the run seed)',
    },
    create: (p, resources) => new AlsRecommender(alsOptionsOf(p), resources),
  },
  svd: {
    description: 'biased matrix factorization of the ratings by SGD; ranks by predicted rating',
    params: {
      factors: `latent dimension (default ${SVD_MODEL_DEFAULTS.factors})`,
      learningRate: `SGD step size (default ${SVD_MODEL_DEFAULTS.learningRate})`,
      regularization: `L2 strength on the factors (default ${SVD_MODEL_DEFAULTS.regularization})`,
      biasRegularization: 'L2 strength on the biases (default: regularization)',
      epochs: `passes over the ratings (default ${SVD_MODEL_DEFAULTS.epochs})`,
      seed: 'seed of the initial factors and the shuffles (default: the run seed)',
    },
    create: (p) => new SvdRecommender(svdOptionsOf(p)),
  },
  puresvd: {
    description: 'PureSVD: truncated SVD of the user × item matrix (randomized SVD); scores r_u·V·Vᵀ',
    params: {
      factors: `rank (default ${PURESVD_MODEL_DEFAULTS.factors})`,
      values: `factorize 1 per entry (binary) or the stored values (raw) (default ${PURESVD_MODEL_DEFAULTS.values})`,
      powerIterations: `power iterations of the randomized SVD (default ${PURESVD_MODEL_DEFAULTS.powerIterations})`,
      oversample: `extra random columns beyond the rank (default ${PURESVD_MODEL_DEFAULTS.oversample})`,
      seed: 'seed of the random test matrix (default: the run seed)',
    },
    create: (p) => new PureSvdRecommender(pureSvdOptionsOf(p)),
  },
});

/** Other names accepted for registered recommenders. */
export const RECOMMENDER_ALIASES: Readonly<Record<string, string>> = Object.freeze({ popularity: 'pop', segpop: 'segment-pop', 'segment-popularity': 'segment-pop' });

/**
 * Creates the recommender registered as `name` (or an alias) with `params`. Numbers may be given as strings (as a
 * command line does). `resources` are what a model may use to fit faster (worker threads); they never change its
 * results. Throws an Error naming the known models or the known parameters on a typo.
 */
export function createRecommender(name: string, params: Readonly<Record<string, ParamValue>> = {}, resources: RecommenderResources = {}): Recommender {
  const canonical = RECOMMENDER_ALIASES[name] ?? name;
  const entry = RECOMMENDERS[canonical];
  if (!entry) throw new Error(`unknown model "${name}" (known: ${Object.keys(RECOMMENDERS).join(', ')})`);
  for (const key of Object.keys(params)) {
    if (!(key in entry.params)) throw new Error(`model ${canonical} has no parameter "${key}" (known: ${Object.keys(entry.params).join(', ') || 'none'})`);
  }
  return entry.create(params, resources);
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
