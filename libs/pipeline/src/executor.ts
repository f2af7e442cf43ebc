/** Runs a pipeline definition: fixed step order, deadlines, fail-open policy, spans, candidate traces, side effects. */
import { setMaxListeners } from 'node:events';
import { SpanStatusCode, context, trace, type Attributes, type Span, type Tracer } from '@opentelemetry/api';
import { RecsysError, errorMessage } from '@recsys/domain';
import type {
  CandidateBase,
  CandidateHydration,
  CandidateTrace,
  ComponentOptions,
  Degradation,
  FilterResult,
  Finalizer,
  PipelineDefinition,
  PipelineResult,
  Removal,
  Scorer,
  Selector,
  SideEffect,
  StepContext,
} from './types';

/** Options of one pipeline run. */
export interface ExecuteOptions {
  /** Absolute deadline of the whole run, ms since the Unix epoch; `Infinity` for none. */
  deadlineMs: number;
  /** Record a {@link CandidateTrace} for every candidate seen (`result.traces`). */
  debug?: boolean;
  /** Cancels the run (e.g. the caller went away): every component's signal aborts with it. */
  signal?: AbortSignal;
  /** Told about every side effect that failed or timed out; side-effect failures never reject anything. */
  onSideEffectError?: (componentId: string, error: unknown) => void;
}

/** The tracer name of every span the executor opens. */
export const PIPELINE_TRACER = 'recsys-pipeline';

/** setTimeout fires at once for delays beyond this, so longer budgets run without a timer. */
const MAX_TIMER_MS = 2 ** 31 - 1;

type Outcome<T> = { ok: true; value: T } | { ok: false };

/** A candidate hydrator or scorer: one patch per candidate, in order (hydrators: maybe with a patch of the query). */
interface PatchProducer<Q, C> {
  component: ComponentOptions;
  patches(candidates: readonly C[], ctx: StepContext): Promise<Partial<C>[] | CandidateHydration<Q, C>> | Partial<C>[];
}

/** A producer's answer as candidate patches and, when it sent one, a query patch. */
function splitPatches<Q, C>(answer: Partial<C>[] | CandidateHydration<Q, C>): { patches: unknown; query?: Partial<Q> } {
  if (Array.isArray(answer) || !isPlainObject(answer) || !('candidates' in answer)) return { patches: answer };
  return { patches: answer.candidates, query: isPlainObject(answer.query) ? answer.query : undefined };
}

/** Why the executor itself failed a component call; anything else is the component's own error. */
type ExecutorFailure = 'timeout' | 'cancelled';

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Describes why `patches` is not one patch per candidate, in order, keeping ids; undefined when it is. */
function patchViolation<C extends CandidateBase>(candidates: readonly C[], patches: unknown): string | undefined {
  if (!Array.isArray(patches)) return 'must return an array of patches';
  if (patches.length !== candidates.length) {
    return `returned ${patches.length} patches for ${candidates.length} candidates`;
  }
  for (let i = 0; i < patches.length; i++) {
    const patch: unknown = patches[i];
    if (patch === undefined) continue;
    if (!isPlainObject(patch)) return `patch ${i} is not an object`;
    if ('id' in patch && patch.id !== undefined && patch.id !== candidates[i].id) {
      return `patch ${i} changes the candidate id ${candidates[i].id}`;
    }
  }
  return undefined;
}

/** Describes why `result` is not a partition of `input` by id; undefined when it is. */
function partitionViolation<C extends CandidateBase>(input: readonly C[], result: FilterResult<C>): string | undefined {
  if (!isPlainObject(result) || !Array.isArray(result.kept) || !Array.isArray(result.removed)) {
    return 'must return { kept, removed } arrays';
  }
  if (result.kept.length + result.removed.length !== input.length) {
    return `kept and removed hold ${result.kept.length + result.removed.length} of ${input.length} input candidates`;
  }
  // As many as the input, each an input and none twice: a partition (see subsetCheck for the object-first look-up).
  const left = subsetCheck(input, [...result.kept, ...result.removed]);
  return typeof left === 'string' ? left : undefined;
}

/**
 * Checks that `selected` is a duplicate-free subset of `input` by id: returns why not, or the inputs it left out (in
 * input order). Candidate ids are unique within a run, so the input objects themselves identify candidates: most
 * selectors return some of them unchanged and need no look-up by id; ids are compared only for objects made anew.
 */
function subsetCheck<C extends CandidateBase>(input: readonly C[], selected: C[]): string | C[] {
  if (!Array.isArray(selected)) return 'must return an array';
  const position = new Map<C, number>();
  for (let i = 0; i < input.length; i++) position.set(input[i], i);
  let byId: Map<string, number> | undefined;
  const taken = new Uint8Array(input.length);
  for (const c of selected) {
    let i = position.get(c);
    if (i === undefined) {
      byId ??= new Map(input.map((x, j) => [x.id, j]));
      i = byId.get(c.id);
      if (i === undefined) return `returned candidate ${c.id} that was not in its input`;
    }
    if (taken[i] === 1) return `returned candidate ${c.id} twice`;
    taken[i] = 1;
  }
  if (selected.length === input.length) return [];
  const left: C[] = [];
  for (let i = 0; i < input.length; i++) if (taken[i] === 0) left.push(input[i]);
  return left;
}

/** The numeric fields of a patch: the named scores a scorer produced for one candidate. */
function numericFields(patch: object | undefined): Record<string, number> {
  const scores: Record<string, number> = {};
  for (const [key, value] of Object.entries(patch ?? {})) if (typeof value === 'number') scores[key] = value;
  return scores;
}

/** State of one run. */
class Execution<Q, C extends CandidateBase> {
  readonly degraded: Degradation[] = [];
  readonly removed: Removal<C>[] = [];
  readonly traces: Map<string, CandidateTrace> | undefined;
  private readonly tracer: Tracer = trace.getTracer(PIPELINE_TRACER);
  /** Aborts when the caller cancels or the run fails closed, so in-flight components stop. */
  private readonly controller = new AbortController();
  /** Errors made by the executor, and why: a component's own errors are not in here. */
  private readonly failures = new WeakMap<object, ExecutorFailure>();
  /** Set when a timer bounded by the pipeline deadline fired: the clocks of timers and Date.now() may disagree by a ms. */
  private expired = false;
  /**
   * Candidate objects this run made by merging patches: only the run holds them (components got them for the length of
   * a call), so later patches are merged into them in place instead of copying them again.
   */
  private readonly owned = new Set<C>();
  /**
   * The signal of every component bounded by the pipeline deadline alone (no shorter budget of its own): it aborts at
   * the deadline (one timer per run, not one per component) or when the run is cancelled. Made on first use.
   */
  private pipelineDeadline?: { signal: AbortSignal; timer?: NodeJS.Timeout };

  constructor(
    private readonly def: PipelineDefinition<Q, C>,
    private readonly opts: ExecuteOptions,
  ) {
    this.traces = opts.debug ? new Map() : undefined;
    // Every component running at once listens on the run's signal (a recall pipeline runs a dozen sources in
    // parallel); Node's default limit of 10 would print a leak warning on every such run.
    setMaxListeners(0, this.controller.signal);
  }

  async run(query: Q): Promise<PipelineResult<C, Q>> {
    const external = this.opts.signal;
    const onCancel = () => this.controller.abort(this.cancelled(external?.reason));
    if (external?.aborted) onCancel();
    else external?.addEventListener('abort', onCancel, { once: true });

    return this.tracer.startActiveSpan(`pipeline ${this.def.id}`, { attributes: { 'recsys.pipeline': this.def.id } }, async (span) => {
      try {
        const result = await this.steps(query);
        span.setAttribute('recsys.candidates.out', result.candidates.length);
        span.setAttribute('recsys.degraded', this.degraded.length);
        return result;
      } catch (error) {
        this.controller.abort(error);
        span.setStatus({ code: SpanStatusCode.ERROR, message: errorMessage(error) });
        throw error;
      } finally {
        external?.removeEventListener('abort', onCancel);
        clearTimeout(this.pipelineDeadline?.timer);
        span.end();
      }
    });
  }

  private async steps(initial: Q): Promise<PipelineResult<C, Q>> {
    const def = this.def;
    if (await this.gatedBy(initial)) {
      return {
        candidates: [],
        query: initial,
        degraded: this.degraded,
        removed: [],
        ...(this.traces ? { traces: [] } : {}),
        sideEffects: Promise.resolve(),
      };
    }
    let query: Q = await this.hydrateQuery(initial);
    const scoring = (scorers: readonly Scorer<Q, C>[] = []): PatchProducer<Q, C>[] =>
      scorers.map((s) => ({ component: s, patches: (cs, ctx) => s.score(query, cs, ctx) }));
    let candidates = await this.fetch(query);
    const hydrators = (def.candidateHydrators ?? []).map((h) => ({
      component: h,
      patches: (cs: readonly C[], ctx: StepContext) => h.hydrate(query, cs, ctx),
    }));
    const hydrated = await this.patch('candidateHydrators', hydrators, candidates, false);
    candidates = hydrated.candidates;
    // Later steps see the query with what the hydrators learnt about it (in declaration order, later wins).
    if (hydrated.query.length > 0) query = Object.assign({}, query, ...hydrated.query) as Q;
    candidates = await this.filter(query, candidates);
    for (const phase of def.phases ?? []) {
      candidates = (await this.patch(`phase:${phase.id}/scorers`, scoring(phase.scorers), candidates, true)).candidates;
      candidates = await this.select(`phase:${phase.id}/selectors`, phase.selectors ?? [], query, candidates);
    }
    candidates = (await this.patch('scorers', scoring(def.scorers), candidates, true)).candidates;
    candidates = await this.select('selectors', def.selectors ?? [], query, candidates);
    if (def.finalizer) candidates = await this.finalize(def.finalizer, query, candidates);

    const result: PipelineResult<C, Q> = {
      candidates,
      query,
      degraded: this.degraded,
      removed: this.removed,
      sideEffects: Promise.resolve(),
    };
    if (this.traces) result.traces = [...this.traces.values()];
    result.sideEffects = this.startSideEffects(query, result);
    return result;
  }

  /**
   * Runs the finalizer, whatever the deadline says: its answer is the result; inputs it leaves out count as removed by
   * it. A finalizer that throws, or answers candidates that were not in its input, fails the run.
   */
  private finalize(finalizer: Finalizer<Q, C>, query: Q, candidates: C[]): Promise<C[]> {
    return this.inStep('finalizer', candidates.length, async (span) => {
      span.setAttribute('recsys.component', finalizer.id);
      const out = finalizer.finalize(query, candidates);
      const left = subsetCheck(candidates, out);
      if (typeof left === 'string') throw new RecsysError('internal', `pipeline ${this.def.id}: finalizer ${finalizer.id} ${left}`);
      for (const c of left) this.remove(c, 'finalizer', finalizer.id);
      return out;
    }, (v) => v.length);
  }

  /** The id of the first gate that said no, or undefined when the pipeline runs. Gates run in order. */
  private async gatedBy(query: Q): Promise<string | undefined> {
    const gates = this.def.gates ?? [];
    if (gates.length === 0) return undefined;
    return this.inStep('gates', undefined, async (span) => {
      for (const gate of gates) {
        const outcome = await this.invoke(
          'gates',
          gate,
          undefined,
          (ctx) => gate.shouldRun(query, ctx),
          (v) => (typeof v === 'boolean' ? undefined : 'shouldRun must return a boolean'),
        );
        // A gate that failed open does not stop the pipeline: its decision is the contribution dropped.
        if (outcome.ok && !outcome.value) {
          span.setAttribute('recsys.gated_by', gate.id);
          return gate.id;
        }
      }
      return undefined;
    });
  }

  /** Runs query hydrators in parallel; their patches are merged in declaration order (later wins). */
  private async hydrateQuery(query: Q): Promise<Q> {
    const hydrators = this.def.queryHydrators ?? [];
    if (hydrators.length === 0) return query;
    return this.inStep('queryHydrators', undefined, async () => {
      const outcomes = await Promise.all(
        hydrators.map((h) =>
          this.invoke(
            'queryHydrators',
            h,
            undefined,
            (ctx) => h.hydrate(query, ctx),
            (v) => (isPlainObject(v) ? undefined : 'hydrate must return an object'),
          ),
        ),
      );
      const patches = outcomes.flatMap((o) => (o.ok ? [o.value] : []));
      return Object.assign({}, query, ...patches) as Q;
    });
  }

  /** Runs sources in parallel and merges their candidates by id, in source declaration order. */
  private async fetch(query: Q): Promise<C[]> {
    const sources = this.def.sources ?? [];
    if (sources.length === 0) return [];
    return this.inStep('sources', 0, async () => {
      const outcomes = await Promise.all(
        sources.map((s) =>
          this.invoke(
            'sources',
            s,
            0,
            (ctx) => s.fetch(query, ctx),
            (v) => (Array.isArray(v) ? undefined : 'fetch must return an array'),
            (v) => v.length,
          ),
        ),
      );
      // One source (the common case in services answering one call): its candidates as they are, unless an id repeats.
      const answered = outcomes.filter((o) => o.ok);
      if (sources.length === 1 && answered.length === 1 && !this.traces) {
        const only = (answered[0] as { ok: true; value: C[] }).value;
        const ids = new Set<string>();
        for (const c of only) ids.add(c.id);
        if (ids.size === only.length) return only;
      }
      const merge = this.def.merge ?? ((existing: C) => existing);
      const byId = new Map<string, C>();
      sources.forEach((source, i) => {
        const outcome = outcomes[i];
        if (!outcome.ok) return;
        for (const candidate of outcome.value) {
          const existing = byId.get(candidate.id);
          byId.set(candidate.id, existing === undefined ? candidate : merge(existing, candidate));
          if (this.traces) {
            const t = this.traces.get(candidate.id);
            if (t === undefined) this.traces.set(candidate.id, { id: candidate.id, sources: [source.id], scores: {}, outcome: 'selected' });
            else if (!t.sources.includes(source.id)) t.sources.push(source.id);
          }
        }
      });
      return [...byId.values()];
    }, (v) => v.length);
  }

  /**
   * Runs patch producers (candidate hydrators or scorers) in parallel over the same candidates and merges
   * their patches in declaration order: a candidate object a component made is copied once, and the copy (the run's
   * own) takes later patches in place. Failed producers contribute nothing.
   */
  private async patch(
    step: string,
    producers: readonly PatchProducer<Q, C>[],
    candidates: C[],
    recordScores: boolean,
  ): Promise<{ candidates: C[]; query: Partial<Q>[] }> {
    if (producers.length === 0) return { candidates, query: [] };
    return this.inStep(step, candidates.length, async () => {
      const outcomes = await Promise.all(
        producers.map((p) =>
          this.invoke(
            step,
            p.component,
            candidates.length,
            async (ctx) => splitPatches(await p.patches(candidates, ctx)),
            (v) => patchViolation(candidates, v.patches),
            () => candidates.length,
          ),
        ),
      );
      const applied = producers.flatMap((p, i) => {
        const o = outcomes[i];
        return o.ok ? [{ id: p.component.id, patches: o.value.patches as Partial<C>[], query: o.value.query }] : [];
      });
      const query = applied.flatMap((a) => (a.query ? [a.query] : []));
      if (applied.length === 0) return { candidates, query };
      if (recordScores && this.traces) {
        for (const { id, patches } of applied) {
          candidates.forEach((c, i) => {
            const t = this.traces?.get(c.id);
            if (t) t.scores[id] = numericFields(patches[i]);
          });
        }
      }
      const merged: C[] = new Array(candidates.length);
      for (let i = 0; i < candidates.length; i++) {
        let c = candidates[i];
        for (const a of applied) {
          const patch = a.patches[i];
          if (patch === undefined) continue;
          if (this.owned.has(c)) {
            Object.assign(c, patch);
          } else {
            // A component's object is copied once (Object.assign onto a fresh object: never slower than an object
            // spread, and several times faster for some candidate shapes in Node 20); the copy is the run's own.
            c = Object.assign({}, c, patch);
            this.owned.add(c);
          }
        }
        merged[i] = c;
      }
      return { candidates: merged, query };
    }, (v) => v.candidates.length);
  }

  /** Runs filters in order; each sees what the previous kept. A failed filter keeps everything. */
  private async filter(query: Q, candidates: C[]): Promise<C[]> {
    const filters = this.def.filters ?? [];
    if (filters.length === 0) return candidates;
    return this.inStep('filters', candidates.length, async () => {
      let current = candidates;
      for (const f of filters) {
        const input = current;
        const outcome = await this.invoke(
          'filters',
          f,
          input.length,
          (ctx) => f.filter(query, input, ctx),
          (v) => partitionViolation(input, v),
          (v) => v.kept.length,
        );
        if (!outcome.ok) continue;
        for (const c of outcome.value.removed) this.remove(c, 'filters', f.id);
        current = outcome.value.kept;
      }
      return current;
    }, (v) => v.length);
  }

  /** Runs selectors in order; inputs a selector does not return are removed by it. A failed selector passes its input through. */
  private async select(step: string, selectors: readonly Selector<Q, C>[], query: Q, candidates: C[]): Promise<C[]> {
    if (selectors.length === 0) return candidates;
    return this.inStep(step, candidates.length, async () => {
      let current = candidates;
      for (const s of selectors) {
        const input = current;
        let left: C[] = [];
        const outcome = await this.invoke(
          step,
          s,
          input.length,
          (ctx) => s.select(query, input, ctx),
          (v) => {
            const checked = subsetCheck(input, v);
            if (typeof checked === 'string') return checked;
            left = checked;
            return undefined;
          },
          (v) => v.length,
        );
        if (!outcome.ok) continue;
        for (const c of left) this.remove(c, step, s.id);
        current = outcome.value;
      }
      return current;
    }, (v) => v.length);
  }

  private remove(candidate: C, step: string, component: string): void {
    this.removed.push({ candidate, step, component });
    const t = this.traces?.get(candidate.id);
    if (t) t.outcome = `${step}/${component}`;
  }

  /** Opens the span of one step around `fn`. */
  private inStep<T>(step: string, inCount: number | undefined, fn: (span: Span) => Promise<T>, outCount?: (value: T) => number): Promise<T> {
    const attributes: Attributes = { 'recsys.step': step };
    if (inCount !== undefined) attributes['recsys.candidates.in'] = inCount;
    return this.tracer.startActiveSpan(`${this.def.id}/${step}`, { attributes }, async (span) => {
      try {
        const value = await fn(span);
        if (outCount) span.setAttribute('recsys.candidates.out', outCount(value));
        return value;
      } catch (error) {
        span.setStatus({ code: SpanStatusCode.ERROR, message: errorMessage(error) });
        throw error;
      } finally {
        span.end();
      }
    });
  }

  /**
   * Calls one component inside its span, within its time budget, and applies its fail-open policy:
   * a failure is recorded as a degradation (`{ ok: false }`) or, with `failOpen: false`, rethrown.
   * `check` describes a contract violation of the returned value, which counts as a failure.
   */
  private invoke<T>(
    step: string,
    component: ComponentOptions,
    inCount: number | undefined,
    call: (ctx: StepContext) => T | Promise<T>,
    check: (value: T) => string | undefined,
    outCount?: (value: T) => number,
  ): Promise<Outcome<T>> {
    const attributes: Attributes = { 'recsys.component': component.id, 'recsys.step': step };
    if (inCount !== undefined) attributes['recsys.candidates.in'] = inCount;
    return this.tracer.startActiveSpan(component.id, { attributes }, async (span): Promise<Outcome<T>> => {
      try {
        const value = await this.withinBudget(step, component, call);
        const violation = check(value);
        if (violation !== undefined) {
          throw new RecsysError('internal', `pipeline ${this.def.id}: ${component.id} ${violation}`);
        }
        if (outCount) span.setAttribute('recsys.candidates.out', outCount(value));
        return { ok: true, value };
      } catch (error) {
        const reason = (typeof error === 'object' && error !== null && this.failures.get(error)) || errorMessage(error);
        span.setStatus({ code: SpanStatusCode.ERROR, message: reason });
        if (error instanceof Error) span.recordException(error);
        if (component.failOpen === false) throw error;
        this.degraded.push({ step, component: component.id, reason });
        return { ok: false };
      } finally {
        span.end();
      }
    });
  }

  /**
   * Calls `call` with a signal that aborts at min(component budget, pipeline deadline) or on cancellation,
   * and races the call against that signal so a component ignoring it still stops the wait.
   */
  private async withinBudget<T>(step: string, component: ComponentOptions, call: (ctx: StepContext) => T | Promise<T>): Promise<T> {
    const now = Date.now();
    const deadlineMs = Math.min(component.timeoutMs === undefined ? Infinity : now + component.timeoutMs, this.opts.deadlineMs);
    const runSignal = this.controller.signal;
    if (runSignal.aborted) throw runSignal.reason;
    if (this.expired || !(deadlineMs > now)) throw this.timeout(component.id, 0);
    const degrade: StepContext['degrade'] = (reason, report) => this.degraded.push({ step, component: component.id, reason, ...report });
    if (deadlineMs === this.opts.deadlineMs) return this.withinPipelineDeadline(component, call, deadlineMs - now, degrade);

    const controller = new AbortController();
    const budget = deadlineMs - now;
    const boundedByPipeline = deadlineMs === this.opts.deadlineMs;
    const onTimeout = () => {
      if (boundedByPipeline) this.expired = true;
      controller.abort(this.timeout(component.id, budget));
    };
    const timer = budget <= MAX_TIMER_MS ? setTimeout(onTimeout, budget) : undefined;
    const onCancel = () => controller.abort(runSignal.reason);
    runSignal.addEventListener('abort', onCancel, { once: true });
    let onAbort = () => {};
    // Listens before the component does, so the executor's reason wins the race over the component's own abort error.
    const aborted = new Promise<never>((_, reject) => {
      onAbort = () => reject(controller.signal.reason);
      controller.signal.addEventListener('abort', onAbort, { once: true });
    });
    try {
      const ctx: StepContext = { signal: controller.signal, deadlineMs, debug: this.opts.debug === true, degrade };
      return await Promise.race([Promise.resolve().then(() => call(ctx)), aborted]);
    } finally {
      clearTimeout(timer);
      runSignal.removeEventListener('abort', onCancel);
      controller.signal.removeEventListener('abort', onAbort);
    }
  }

  /**
   * {@link withinBudget} for a component bounded by the pipeline deadline alone: it shares the run's deadline signal
   * (see `pipelineDeadline`) instead of a controller and a timer of its own, and races the call against it.
   */
  private async withinPipelineDeadline<T>(
    component: ComponentOptions,
    call: (ctx: StepContext) => T | Promise<T>,
    budget: number,
    degrade: StepContext['degrade'],
  ): Promise<T> {
    const signal = this.deadlineSignal();
    let onAbort = () => {};
    // Listens before the component does, so the executor's reason (naming this component) wins the race.
    const aborted = new Promise<never>((_, reject) => {
      onAbort = () => reject(this.expired ? this.timeout(component.id, budget) : signal.reason);
      signal.addEventListener('abort', onAbort, { once: true });
    });
    try {
      const ctx: StepContext = { signal, deadlineMs: this.opts.deadlineMs, debug: this.opts.debug === true, degrade };
      return await Promise.race([Promise.resolve().then(() => call(ctx)), aborted]);
    } finally {
      signal.removeEventListener('abort', onAbort);
    }
  }

  /** The run's deadline signal: aborts at the pipeline deadline (setting `expired`) or with the run's cancellation. */
  private deadlineSignal(): AbortSignal {
    if (this.pipelineDeadline) return this.pipelineDeadline.signal;
    const runSignal = this.controller.signal;
    const budget = this.opts.deadlineMs - Date.now();
    if (!(budget <= MAX_TIMER_MS)) {
      // No deadline a timer can hold: cancellation is all that can stop the components.
      this.pipelineDeadline = { signal: runSignal };
      return runSignal;
    }
    const controller = new AbortController();
    setMaxListeners(0, controller.signal);
    const timer = setTimeout(() => {
      this.expired = true;
      controller.abort(this.timeout('the pipeline', budget));
    }, Math.max(0, budget));
    runSignal.addEventListener('abort', () => controller.abort(runSignal.reason), { once: true });
    this.pipelineDeadline = { signal: controller.signal, timer };
    return controller.signal;
  }

  private timeout(componentId: string, budgetMs: number): RecsysError {
    const error =
      budgetMs > 0
        ? new RecsysError('deadline', `pipeline ${this.def.id}: ${componentId} timed out after ${budgetMs} ms`)
        : new RecsysError('deadline', `pipeline ${this.def.id}: ${componentId} skipped, the deadline has passed`);
    this.failures.set(error, 'timeout');
    return error;
  }

  private cancelled(reason: unknown): RecsysError {
    const error =
      reason instanceof RecsysError ? reason : new RecsysError('unavailable', `pipeline ${this.def.id}: cancelled by the caller`, { cause: reason });
    this.failures.set(error, 'cancelled');
    return error;
  }

  /** Schedules the side effects after the current turn; the returned promise settles when all are done, never rejects. */
  private startSideEffects(query: Q, result: PipelineResult<C, Q>): Promise<void> {
    const effects = this.def.sideEffects ?? [];
    if (effects.length === 0) return Promise.resolve();
    const parent = context.active();
    return new Promise<void>((resolve) => {
      setImmediate(() => {
        context
          .with(parent, () => this.inStep('sideEffects', result.candidates.length, () => Promise.all(effects.map((e) => this.runSideEffect(e, query, result)))))
          .then(
            () => resolve(),
            () => resolve(),
          );
      });
    });
  }

  /** Runs one side effect in its span, bounded by its own `timeoutMs` only (the response is already out). */
  private runSideEffect(effect: SideEffect<Q, C>, query: Q, result: PipelineResult<C, Q>): Promise<void> {
    return this.tracer.startActiveSpan(effect.id, { attributes: { 'recsys.component': effect.id, 'recsys.step': 'sideEffects' } }, async (span) => {
      let timer: NodeJS.Timeout | undefined;
      try {
        const run = Promise.resolve().then(() => effect.run(query, result));
        const budget = effect.timeoutMs;
        if (budget === undefined || budget > MAX_TIMER_MS) await run;
        else {
          await Promise.race([
            run,
            new Promise<never>((_, reject) => {
              timer = setTimeout(() => reject(this.timeout(effect.id, budget)), budget);
            }),
          ]);
        }
      } catch (error) {
        span.setStatus({ code: SpanStatusCode.ERROR, message: (typeof error === 'object' && error !== null && this.failures.get(error)) || errorMessage(error) });
        if (error instanceof Error) span.recordException(error);
        try {
          this.opts.onSideEffectError?.(effect.id, error);
        } catch {
          // The hook is for reporting; a failing hook must not turn into an unhandled rejection.
        }
      } finally {
        clearTimeout(timer);
        span.end();
      }
    });
  }
}

/**
 * Runs `def` for `query` in the fixed step order documented on {@link PipelineDefinition}.
 *
 * - Gates run in order; the first `false` ends the run with an empty result (no side effects).
 * - Query hydrators, sources, candidate hydrators and the scorers of one step run in parallel; patches and
 *   source results are combined in declaration order, so the outcome does not depend on completion order.
 * - Each component call gets a {@link StepContext} whose signal aborts at min(its `timeoutMs`, `opts.deadlineMs`)
 *   or when `opts.signal` aborts; the call is raced against that signal. Once the deadline has passed,
 *   the remaining components are skipped and recorded as degraded `timeout`.
 * - A failed, timed-out or contract-violating component (wrong patch count, a filter result that is not a
 *   partition of its input, a selector returning unknown candidates) is recorded in `degraded` and skipped;
 *   with `failOpen: false` the run rejects instead: a {@link RecsysError} `deadline` on timeout, `internal`
 *   on a contract violation, the component's own error otherwise. A component may also report part of its work as
 *   degraded while answering (`ctx.degrade`).
 * - The finalizer, when defined, runs after the selectors whatever happened before (deadline passed, selectors
 *   failed): its answer is `result.candidates`. It fails the run when it throws or answers unknown candidates.
 * - Side effects start with setImmediate after the result is built; they are never awaited here, their failures
 *   go to `opts.onSideEffectError`, and `result.sideEffects` settles when all are done.
 *
 * Spans (tracer {@link PIPELINE_TRACER}): `pipeline <id>`, `<id>/<step>`, `<componentId>`, with
 * `recsys.candidates.in`/`recsys.candidates.out` and `recsys.component` attributes.
 */
export function executePipeline<Q, C extends CandidateBase>(
  def: PipelineDefinition<Q, C>,
  query: Q,
  opts: ExecuteOptions,
): Promise<PipelineResult<C, Q>> {
  return new Execution(def, opts).run(query);
}
