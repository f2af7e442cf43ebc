/**
 * The item features the ranking models read, learned from the ranking service's answers: the item-feature hydrator
 * asks the feature service for exactly these columns, so neither the feature service computes nor the wire carries
 * features no model reads.
 */

import type { StepContext } from '@recsys/pipeline';

/** What a PreRankColumns or RankColumns answer says about the model's inputs. */
export interface ModelInputsAnswer {
  modelVersion: string;
  modelFeatureNames: readonly string[];
  missingFeatures: readonly string[];
}

/** What the ranking service said its models read. One instance per orchestrator, shared by the components. */
export class RankingInputs {
  private preRank?: readonly string[];
  private rank?: readonly string[];
  private union: string[] = [];

  /**
   * The item features to ask the feature service for: the union of what the pre-rank and rank models read, or `[]`
   * (every item feature) until both have answered once.
   */
  names(): readonly string[] {
    return this.union;
  }

  /**
   * Learns from a ranking answer what its model reads, and reports the request degraded when the model read item
   * features the request did not carry although it carried item features (a newly loaded model reading new features:
   * the next requests carry them). A request without any item features already reports the feature stage degraded.
   */
  observe(stage: 'preRank' | 'rank', answer: ModelInputsAnswer, carriedFeatures: boolean, ctx: Pick<StepContext, 'degrade'>): void {
    this.learn(stage, answer.modelFeatureNames);
    if (carriedFeatures && answer.missingFeatures.length > 0) {
      ctx.degrade(`model ${answer.modelVersion} reads item features the request did not carry: ${answer.missingFeatures.join(', ')}`, {
        stage: 'ranking',
        fallback: 'declared defaults for those features',
      });
    }
  }

  /** Records the item features a PreRank or Rank answer said its model reads. */
  learn(stage: 'preRank' | 'rank', names: readonly string[]): void {
    const known = stage === 'preRank' ? this.preRank : this.rank;
    if (known !== undefined && known.length === names.length && known.every((n, i) => n === names[i])) return;
    if (stage === 'preRank') this.preRank = [...names];
    else this.rank = [...names];
    this.union = this.preRank && this.rank ? [...new Set([...this.preRank, ...this.rank])] : [];
  }
}
