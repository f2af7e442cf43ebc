// Parsing of the CLI's numeric options, one rule and one message for every command.

/**
 * The integer option `--<name>` from its text: undefined when absent; an Error `--<name> must be an integer ≥ min
 * (got "…")` (or `… an integer in [min, max] …` when `max` is given) when it is not one in range.
 */
export function intArg(text: string | undefined, name: string, min = 1, max?: number): number | undefined {
  if (text === undefined) return undefined;
  const n = Number(text);
  if (!Number.isInteger(n) || n < min || (max !== undefined && n > max)) {
    throw new Error(`--${name} must be an integer ${max === undefined ? `≥ ${min}` : `in [${min}, ${max}]`} (got "${text}")`);
  }
  return n;
}
