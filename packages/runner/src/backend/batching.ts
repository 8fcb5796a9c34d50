// Batches of sequences sorted longest first, with bounded padding. Pure.
//
// A fixed count per batch pads every row to the batch's longest; with the default suite's spread of
// lengths (a 20-token MemoTrap line beside a 400-token biography) and few items per chunk, that doubled the
// work on the CPU, where a batch is no faster per token than a row alone. So a batch also closes when the
// next row would be padded by more than MAX_PAD of the batch's width. On a long run, rows of close lengths
// abound and batches fill up to `batchSize` as before.

/** The most padding a row may get, as a share of its batch's width. */
export const MAX_PAD = 0.25;

/**
 * Splits `items` (sorted by `length`, longest first) into batches of at most `batchSize`, each row at
 * least (1 - MAX_PAD) of its batch's longest; `fits(batch, next)` may refuse a row for another reason.
 */
export function lengthBatches<T>(items: readonly T[], length: (t: T) => number, batchSize: number, fits: (batch: readonly T[], next: T) => boolean = () => true): T[][] {
  const batches: T[][] = [];
  let current: T[] = [];
  for (const item of items) {
    const head = current[0];
    if (head !== undefined && current.length < batchSize && length(item) >= (1 - MAX_PAD) * length(head) && fits(current, item)) current.push(item);
    else {
      if (current.length > 0) batches.push(current);
      current = [item];
    }
  }
  if (current.length > 0) batches.push(current);
  return batches;
}
