/** Id formatting and id → position maps shared by the world's parts. */

/** `prefix_000042`: zero-padded to `width` digits, or more when the count needs them. */
export function makeId(prefix: string, index: number, count: number, width: number): string {
  const digits = Math.max(width, String(Math.max(0, count - 1)).length);
  return `${prefix}_${String(index).padStart(digits, '0')}`;
}

/** Map from each entry's id to its position. */
export function indexById(entries: ReadonlyArray<{ id: string }>): Map<string, number> {
  const map = new Map<string, number>();
  entries.forEach((entry, i) => map.set(entry.id, i));
  return map;
}
