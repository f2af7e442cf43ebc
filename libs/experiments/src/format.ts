// Numbers for people: the few formats the report and plan tables use.

/** A p-value: 4 significant digits, exponent notation below 1e-4 (0.04928, 6.33e-5). */
export function formatP(p: number): string {
  return p >= 1e-4 ? p.toPrecision(4) : p.toExponential(2);
}

/** Integers as they are; other numbers to 4 significant digits, in exponent notation outside [1e-4, 1e6). */
export function formatNumber(x: number): string {
  if (Number.isInteger(x) || !Number.isFinite(x)) return String(x);
  const a = Math.abs(x);
  return a >= 1e-4 && a < 1e6 ? String(Number(x.toPrecision(4))) : x.toExponential(3);
}

/** A share as a percentage with 2 decimals and its sign: +20.00%. */
export function formatPercent(share: number): string {
  const s = (share * 100).toFixed(2);
  return share > 0 ? `+${s}%` : `${s}%`;
}
