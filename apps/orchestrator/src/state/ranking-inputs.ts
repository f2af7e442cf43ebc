/**
 * The item features the ranking models read, learned from the ranking service's answers: the item-feature hydrator
 * asks the feature service for exactly these columns, so neither the feature service computes nor the wire carries
 * features no model reads.
 */

import type { StepContext } from '@recsys/pipeline';

/** What a RankColumns answer says about the models' inputs. */
export interface ModelInputsAnswer {
  modelVersion: string;
  modelFeatureNames: readonly string[];
  missingFeatures: readonly string[];
}

/** What the ranking service said its models read. One instance per orchestrator, shared by the components. */
export class RankingInputs {
  private known: readonly string[] = [];

  /** The item features to ask the feature service for: what the ranking models read, or `[]` (every item feature) until they answered once. */
  names(): readonly string[] {
    return this.known;
  }

  /**
   * Learns from a ranking answer what its model reads, and reports the request degraded when the model read item
   * features the request did not carry although it carried item features (a newly loaded model reading new features:
   * the next requests carry them). A request without any item features already reports the feature stage degraded.
   */
  observe(answer: ModelInputsAnswer, carriedFeatures: boolean, ctx: Pick<StepContext, 'degrade'>): void {
    this.learn(answer.modelFeatureNames);
    if (carriedFeatures && answer.missingFeatures.length > 0) {
      ctx.degrade(`model ${answer.modelVersion} reads item features the request did not carry: ${answer.missingFeatures.join(', ')}`, {
        stage: 'ranking',
        fallback: 'declared defaults for those features',
      });
    }
  }

  /** Records the item features a ranking answer said its models read. */
  learn(names: readonly string[]): void {
    if (this.known.length !== names.length || this.known.some((n, i) => n !== names[i])) this.known = [...names];
  }
}
