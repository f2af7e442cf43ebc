/**
 * Component interfaces of the pipeline framework. Each component has a stable `id` that names it in spans,
 * degradation reports and candidate traces. Components never see wire types.
 */

/** Anything that travels through a pipeline: it has a unique id (an item id). */
export interface CandidateBase {
  readonly id: string;
}

/** Per-call context the executor hands to every component. */
export interface StepContext {
  /** Aborted when the pipeline or component deadline passes. Components doing I/O should honour it. */
  readonly signal: AbortSignal;
  /** Absolute deadline of the component call, ms since the Unix epoch. */
  readonly deadlineMs: number;
  /** True when the request asked for candidate traces. */
  readonly debug: boolean;
  /**
   * Records that part of this component's work degraded although it answered (e.g. a downstream service reporting one
   * of its own stages as degraded): the run's `degraded` gets an entry for this component with `reason` and, when
   * given, the stage and fallback the component names.
   */
  degrade(reason: string, report?: { stage?: string; fallback?: string }): void;
}

/** Options every component may declare. */
export interface ComponentOptions {
  /** Stable identifier, e.g. `recall/popular` or `filter/seen`. */
  readonly id: string;
  /**
   * When the component fails or times out: `true` (default) drops its contribution and records a degradation;
   * `false` fails the whole pipeline.
   */
  readonly failOpen?: boolean;
  /** Time budget of one call in ms; the pipeline deadline still applies. Default: the remaining pipeline time. */
  readonly timeoutMs?: number;
}

/** Decides whether the pipeline runs at all for a query. */
export interface Gate<Q> extends ComponentOptions {
  shouldRun(query: Q, ctx: StepContext): boolean | Promise<boolean>;
}

/** Adds facts about the query (user features, experiment arms); results of all hydrators are merged. */
export interface QueryHydrator<Q> extends ComponentOptions {
  hydrate(query: Q, ctx: StepContext): Promise<Partial<Q>>;
}

/** Fetches candidates from one backend (a recall channel). */
export interface CandidateSource<Q, C extends CandidateBase> extends ComponentOptions {
  fetch(query: Q, ctx: StepContext): Promise<C[]>;
}

/**
 * What a candidate hydrator may answer besides its patches: facts about the query it learnt in the same call (e.g. the
 * user's features read in the same store round trip as the candidates'), merged into the query the later steps see.
 */
export interface CandidateHydration<Q, C> {
  candidates: Partial<C>[];
  query: Partial<Q>;
}

/**
 * Adds facts to candidates: must return one patch per input candidate, in the same order (alone, or with a patch of
 * the query: {@link CandidateHydration}).
 */
export interface CandidateHydrator<Q, C extends CandidateBase> extends ComponentOptions {
  hydrate(query: Q, candidates: readonly C[], ctx: StepContext): Promise<Partial<C>[] | CandidateHydration<Q, C>>;
}

/** The result of a filter: every input candidate is in exactly one of the two lists. */
export interface FilterResult<C> {
  kept: C[];
  removed: C[];
}

/** Removes candidates. Filters run one after another; each sees only what the previous kept. */
export interface Filter<Q, C extends CandidateBase> extends ComponentOptions {
  filter(query: Q, candidates: readonly C[], ctx: StepContext): Promise<FilterResult<C>> | FilterResult<C>;
}

/** Scores candidates: must return one patch per input candidate, in the same order. Scorers of a phase run in parallel. */
export interface Scorer<Q, C extends CandidateBase> extends ComponentOptions {
  score(query: Q, candidates: readonly C[], ctx: StepContext): Promise<Partial<C>[]> | Partial<C>[];
}

/**
 * Chooses and orders candidates (truncation, sorting, diversity, layout). Selectors run one after another.
 * Returns the candidates it keeps, in order; any input candidate it does not return counts as removed by it.
 */
export interface Selector<Q, C extends CandidateBase> extends ComponentOptions {
  select(query: Q, candidates: readonly C[], ctx: StepContext): Promise<C[]> | C[];
}

/**
 * The last step, which always runs: after the selectors, also when the deadline passed or a selector failed (a pure,
 * synchronous function of the query and what the earlier steps left, e.g. the rules every page must satisfy). Returns
 * the final candidates, in order; input candidates it does not return count as removed by it. Its failure fails the run.
 */
export interface Finalizer<Q, C extends CandidateBase> {
  readonly id: string;
  finalize(query: Q, candidates: readonly C[]): C[];
}

/** Runs after the response is produced (logging, publishing); never delays or fails the response. */
export interface SideEffect<Q, C extends CandidateBase> extends ComponentOptions {
  run(query: Q, result: PipelineResult<C, Q>): Promise<void>;
}

/** A scoring phase: its scorers run in parallel, then its selectors in order. */
export interface ScoringPhase<Q, C extends CandidateBase> {
  readonly id: string;
  readonly scorers?: readonly Scorer<Q, C>[];
  readonly selectors?: readonly Selector<Q, C>[];
}

/**
 * A declarative pipeline. The executor runs the steps in this fixed order:
 * gates → query hydrators (parallel) → sources (parallel, merged by id) → candidate hydrators (parallel)
 * → filters (in order) → phases (each: scorers in parallel, then selectors in order)
 * → scorers (parallel) → selectors (in order) → finalizer (always) → side effects (after the result is returned).
 */
export interface PipelineDefinition<Q, C extends CandidateBase> {
  readonly id: string;
  readonly gates?: readonly Gate<Q>[];
  readonly queryHydrators?: readonly QueryHydrator<Q>[];
  readonly sources?: readonly CandidateSource<Q, C>[];
  /** Combines two copies of the same candidate found by different sources. Default: keep the first. */
  readonly merge?: (existing: C, incoming: C) => C;
  readonly candidateHydrators?: readonly CandidateHydrator<Q, C>[];
  readonly filters?: readonly Filter<Q, C>[];
  readonly phases?: readonly ScoringPhase<Q, C>[];
  readonly scorers?: readonly Scorer<Q, C>[];
  readonly selectors?: readonly Selector<Q, C>[];
  readonly finalizer?: Finalizer<Q, C>;
  readonly sideEffects?: readonly SideEffect<Q, C>[];
}

/** A component that failed or timed out and was skipped (fail-open). */
export interface Degradation {
  /** The pipeline step, e.g. `sources`, `filters`, `phase:pre-rank/scorers`. */
  step: string;
  /** The component id. */
  component: string;
  /** `timeout` or the error message, or what the component reported with `StepContext.degrade`. */
  reason: string;
  /** The stage the component named when it reported a partial degradation (`StepContext.degrade`). */
  stage?: string;
  /** What was used instead, when the component named it (`StepContext.degrade`). */
  fallback?: string;
}

/** A candidate removed by a filter or selector. */
export interface Removal<C> {
  candidate: C;
  /** The step, e.g. `filters` or `selectors`. */
  step: string;
  /** The component id that removed it. */
  component: string;
}

/** Per-candidate path through the pipeline, recorded in debug mode. */
export interface CandidateTrace {
  id: string;
  /** Source component ids that produced it. */
  sources: string[];
  /** Named scores after each scorer, keyed by scorer id: the candidate patch's numeric fields. */
  scores: Record<string, Record<string, number>>;
  /** `selected`, or `<step>/<component>` that removed it. */
  outcome: string;
}

/** What a pipeline run returns. */
export interface PipelineResult<C, Q = unknown> {
  /** The final candidates, in order (the finalizer's answer when the pipeline has one). */
  candidates: C[];
  /** The query after hydration. */
  query: Q;
  /** Components that failed open. */
  degraded: Degradation[];
  /** Candidates removed by filters and selectors (always recorded; cheap). */
  removed: Removal<C>[];
  /** Per-candidate traces; only when `debug` was set. */
  traces?: CandidateTrace[];
  /** Settles when every side effect has finished (for tests and graceful shutdown); never rejects. */
  sideEffects: Promise<void>;
}
