/** Declares a pipeline: returns the definition unchanged after checking ids and time budgets. */
import type { CandidateBase, ComponentOptions, PipelineDefinition } from './types';

/** Every component of a pipeline with the step it belongs to, in step order. */
function componentsOf<Q, C extends CandidateBase>(def: PipelineDefinition<Q, C>): { step: string; component: ComponentOptions }[] {
  const out: { step: string; component: ComponentOptions }[] = [];
  const add = (step: string, list: readonly ComponentOptions[] | undefined) => {
    for (const component of list ?? []) out.push({ step, component });
  };
  add('gates', def.gates);
  add('queryHydrators', def.queryHydrators);
  add('sources', def.sources);
  add('candidateHydrators', def.candidateHydrators);
  add('filters', def.filters);
  for (const phase of def.phases ?? []) {
    add(`phase:${phase.id}/scorers`, phase.scorers);
    add(`phase:${phase.id}/selectors`, phase.selectors);
  }
  add('scorers', def.scorers);
  add('selectors', def.selectors);
  add('finalizer', def.finalizer ? [def.finalizer] : undefined);
  add('sideEffects', def.sideEffects);
  return out;
}

/**
 * Returns `def` unchanged after validating it, so a misconfigured pipeline fails at start-up rather than
 * on the first request. Throws an Error listing every problem: an empty pipeline, phase or component id;
 * component ids that are not unique across the whole pipeline (they name spans, degradations and traces);
 * duplicate phase ids; a `timeoutMs` that is not a positive number.
 */
export function definePipeline<Q, C extends CandidateBase>(def: PipelineDefinition<Q, C>): PipelineDefinition<Q, C> {
  const problems: string[] = [];
  if (def.id.length === 0) problems.push('the pipeline id is empty');

  const seen = new Set<string>();
  const duplicates = new Set<string>();
  for (const { step, component } of componentsOf(def)) {
    if (component.id.length === 0) problems.push(`a component in ${step} has an empty id`);
    else if (seen.has(component.id)) duplicates.add(component.id);
    seen.add(component.id);
    const t = component.timeoutMs;
    if (t !== undefined && !(t > 0)) problems.push(`${component.id}: timeoutMs must be > 0, got ${t}`);
  }
  if (duplicates.size > 0) problems.push(`duplicate component ids: ${[...duplicates].join(', ')}`);

  const phaseIds = new Set<string>();
  for (const phase of def.phases ?? []) {
    if (phase.id.length === 0) problems.push('a phase has an empty id');
    else if (phaseIds.has(phase.id)) problems.push(`duplicate phase id: ${phase.id}`);
    phaseIds.add(phase.id);
  }

  if (problems.length > 0) throw new Error(`pipeline ${def.id || '<unnamed>'}: ${problems.join('; ')}`);
  return def;
}
