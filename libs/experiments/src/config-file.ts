/**
 * The experiment configuration file (JSON, `EXPERIMENTS_FILE`): parsed and validated as a whole, and watched so a
 * change applies without a restart. An invalid change is logged and the running configuration kept.
 */
import { createHash } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { parseFusionRule, type FusionRule } from '@recsys/algorithms';
import { RecsysError, errorMessage } from '@recsys/domain';
import { z } from 'zod';
import { ARM_PARAM_NAMES, HOLDOUT_ARM, type ArmParams, type ExperimentConfig } from './layers';

const NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;
const name = z.string().regex(NAME, 'letters, digits, "_", "." or "-", at most 64, starting with a letter or digit');
const finite = z.number().finite();

/** A fusion rule `{ kind, weights, negative? }`, checked by its one definition (`parseFusionRule`). */
const fusionRule = z.unknown().transform((value, ctx): FusionRule => {
  const parsed = parseFusionRule(value);
  if ('rule' in parsed) return parsed.rule;
  for (const problem of parsed.problems) ctx.addIssue({ code: z.ZodIssueCode.custom, path: [...problem.path], message: problem.message });
  return z.NEVER;
});

const paramsSchema = z
  .object({
    fusionWeights: z.record(z.string().min(1), finite).optional(),
    fusion: fusionRule.optional(),
    channelQuotas: z.record(z.string().min(1), z.number().int().min(0).max(5000)).optional(),
    recallLimit: z.number().int().min(1).max(5000).optional(),
    preRankLimit: z.number().int().min(1).max(2000).optional(),
  })
  .strict();

const armSchema = z
  .object({
    name: name.refine((n) => n !== HOLDOUT_ARM, `"${HOLDOUT_ARM}" is reserved for held-out users`),
    from: z.number().int().min(0),
    to: z.number().int().min(1),
    params: paramsSchema.default({}),
  })
  .strict()
  .refine((a) => a.from < a.to, { message: 'from must be < to', path: ['to'] });

const layerSchema = z
  .object({
    name,
    salt: z.string().min(1).max(128).optional(),
    buckets: z.number().int().min(1).max(1_000_000),
    arms: z.array(armSchema).min(1),
  })
  .strict();

const configSchema = z
  .object({
    holdout: z
      .object({
        salt: z.string().min(1).max(128),
        percent: z
          .number()
          .min(0)
          .max(50)
          .refine((p) => Math.abs(p * 100 - Math.round(p * 100)) < 1e-9, 'at most two decimals'),
      })
      .strict()
      .optional(),
    layers: z.array(layerSchema),
  })
  .strict();

/** Parameters that set one thing and so belong to one layer together: the fusion rule and its weight overrides. */
const PARAM_GROUP: Partial<Record<keyof ArmParams, string>> = { fusion: 'fusion', fusionWeights: 'fusion' };

/** Rules zod cannot state per field: bucket ranges inside the layer and disjoint, unique names, one layer per parameter. */
function checkConfig(config: ExperimentConfig): void {
  const owner = new Map<string, string>();
  const layerNames = new Set<string>();
  const salts = new Map<string, string>();
  config.layers.forEach((layer, li) => {
    const at = `layers[${li}]`;
    if (layerNames.has(layer.name)) throw RecsysError.badRequest(`${at}.name`, `layer "${layer.name}" is defined twice`);
    layerNames.add(layer.name);
    const salt = layer.salt ?? layer.name;
    const other = salts.get(salt);
    if (other !== undefined) throw RecsysError.badRequest(`${at}.salt`, `salt "${salt}" is also layer "${other}"'s: layers with one salt split users identically`);
    salts.set(salt, layer.name);
    const armNames = new Set<string>();
    const ranges = layer.arms.map((arm, ai) => ({ arm, ai })).sort((a, b) => a.arm.from - b.arm.from);
    ranges.forEach(({ arm, ai }, k) => {
      const path = `${at}.arms[${ai}]`;
      if (armNames.has(arm.name)) throw RecsysError.badRequest(`${path}.name`, `arm "${arm.name}" is defined twice in layer "${layer.name}"`);
      armNames.add(arm.name);
      if (arm.to > layer.buckets) throw RecsysError.badRequest(`${path}.to`, `must be ≤ the layer's buckets (${layer.buckets})`);
      const prev = ranges[k - 1];
      if (prev && prev.arm.to > arm.from) {
        throw RecsysError.badRequest(`${path}.from`, `buckets [${arm.from}, ${arm.to}) overlap arm "${prev.arm.name}" [${prev.arm.from}, ${prev.arm.to})`);
      }
      for (const param of ARM_PARAM_NAMES) {
        if (arm.params[param] === undefined) continue;
        const group = PARAM_GROUP[param] ?? param;
        const by = owner.get(group);
        if (by !== undefined && by !== layer.name) {
          throw RecsysError.badRequest(`${path}.params.${param}`, `is set by layer "${by}" already: a parameter belongs to one layer (fusion and fusionWeights together)`);
        }
        owner.set(group, layer.name);
      }
    });
  });
}

/**
 * Parses and validates an experiment configuration (JSON text). Throws a bad-request RecsysError naming the first
 * field at fault (`<source>: layers[0].arms[1].to: …`).
 */
export function parseExperimentConfig(text: string, source = 'experiment config'): ExperimentConfig {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new RecsysError('bad-request', `${source}: not JSON (${errorMessage(error)})`);
  }
  const parsed = configSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const path = issue.path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${p}`)).join('').replace(/^\./, '');
    throw RecsysError.badRequest(`${source}: ${path || '(root)'}`, issue.message);
  }
  const config: ExperimentConfig = parsed.data;
  try {
    checkConfig(config);
  } catch (error) {
    if (error instanceof RecsysError && error.field) throw RecsysError.badRequest(`${source}: ${error.field}`, error.message.slice(error.field.length + 2));
    throw error;
  }
  return config;
}

/** A configuration with its version: the first 12 hex digits of the SHA-256 of the file's bytes. */
export interface VersionedConfig {
  config: ExperimentConfig;
  version: string;
}

/** Reads and parses an experiment configuration file (throws like {@link parseExperimentConfig}, or when unreadable). */
export function readExperimentConfig(file: string): VersionedConfig {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new RecsysError('bad-request', `${file}: cannot read the experiment configuration (${errorMessage(error)})`);
  }
  return { config: parseExperimentConfig(text, file), version: createHash('sha256').update(text).digest('hex').slice(0, 12) };
}

/** The experiments of a running orchestrator: the current configuration, replaced when its file changes. */
export interface ExperimentSource {
  current(): ExperimentConfig;
  version(): string;
  close(): void;
}

/** No experiments (no `EXPERIMENTS_FILE`). */
export function noExperiments(): ExperimentSource {
  const config: ExperimentConfig = { layers: [] };
  return { current: () => config, version: () => 'none', close: () => undefined };
}

/**
 * Loads `file` (throws when it is missing or invalid: a service must not start on a configuration it cannot read) and
 * checks it every `intervalMs`: a `stat` (which follows a Kubernetes ConfigMap's symlink swap) compared with the one
 * taken just before the last read, so a change made at any moment after the first read is seen. A changed file that
 * parses replaces the configuration for the requests that start after it; one that does not is reported once through
 * `onError` and the running configuration stays.
 */
export function watchExperimentConfig(
  file: string,
  hooks: { onReload: (version: string, config: ExperimentConfig) => void; onError: (message: string) => void },
  intervalMs = 2_000,
): ExperimentSource {
  /** What identifies a version of the file without reading it (empty when it cannot be stat'ed). */
  const signature = () => {
    try {
      const s = statSync(file);
      return `${s.ino}:${s.size}:${s.mtimeMs}`;
    } catch {
      return '';
    }
  };
  let seen = signature(); // taken before the read: a change after it shows as a new signature
  let state = readExperimentConfig(file);
  const check = () => {
    const now = signature();
    if (now === seen) return;
    seen = now;
    try {
      const next = readExperimentConfig(file);
      if (next.version === state.version) return;
      state = next;
      hooks.onReload(state.version, state.config);
    } catch (error) {
      hooks.onError(`${errorMessage(error)}; keeping version ${state.version}`);
    }
  };
  const timer = setInterval(check, intervalMs);
  timer.unref();
  return {
    current: () => state.config,
    version: () => state.version,
    close: () => clearInterval(timer),
  };
}
