// Masonry grid layout: each item goes to the currently shortest column, heights from aspect ratios.

/** An item to place; extra fields are ignored. */
export interface MasonryItem {
  id: string;
  /** Width / height, > 0. */
  aspectRatio: number;
}

/** Where one item was placed, in column-width units (each column is 1 wide). */
export interface MasonryPlacement {
  id: string;
  /** Column index, 0-based. */
  column: number;
  /** Distance from the top of the column to the item's top edge. */
  top: number;
  /** The item's height, 1 / aspectRatio. */
  height: number;
}

/** Output of {@link masonryLayout}. */
export interface MasonryLayout {
  /** One placement per input item, in input order. */
  placements: MasonryPlacement[];
  /** Final height of each column. */
  columnHeights: number[];
}

/**
 * Heights closer than this (relative to the taller one) count as equal, so that sums which differ only by
 * floating-point rounding still break ties towards the lowest column index.
 */
const TIE_TOLERANCE = 1e-9;

/**
 * Places items in order, each into the column that is currently shortest (ties → lowest index), with
 * height `1 / aspectRatio` for a column of width 1. `columns` must be a positive integer.
 * O(N · columns) time; grids have a handful of columns, so a linear scan beats a heap.
 */
export function masonryLayout(items: readonly MasonryItem[], columns: number): MasonryLayout {
  if (!Number.isInteger(columns) || columns < 1) throw new RangeError(`columns must be a positive integer, got ${columns}`);
  const columnHeights = new Array<number>(columns).fill(0);
  const placements = items.map((item, index): MasonryPlacement => {
    if (!(item.aspectRatio > 0) || !Number.isFinite(item.aspectRatio)) {
      throw new RangeError(`items[${index}].aspectRatio must be a finite number > 0, got ${item.aspectRatio}`);
    }
    let column = 0;
    for (let c = 1; c < columns; c++) {
      const shortest = columnHeights[column];
      if (columnHeights[c] < shortest - TIE_TOLERANCE * Math.max(1, shortest)) column = c;
    }
    const height = 1 / item.aspectRatio;
    const top = columnHeights[column];
    columnHeights[column] = top + height;
    return { id: item.id, column, top, height };
  });
  return { placements, columnHeights };
}
