/** The rating files of the classic MovieLens releases: `user<sep>item<sep>rating<sep>timestamp` in seconds. */
import type { InteractionMatrixBuilder } from '@recsys/algorithms';
import { LoadContext, expectFieldCount, finiteNumber, integerId, unixSeconds } from '../text/fields';
import { forEachDelimitedRow } from '../text/rows';

/**
 * Streams a Latin-1 rating file (`u.data` tab-separated, `ratings.dat` `::`-separated) into `builder`, with
 * file:line:column errors (or counted skips) for malformed rows. `fields` are the column names the release's README uses and `itemLabel` names the item column in messages.
 */
export async function readRatingRows(
  file: string,
  separator: string,
  fields: readonly string[],
  itemLabel: string,
  ctx: LoadContext,
  builder: InteractionMatrixBuilder,
): Promise<void> {
  await forEachDelimitedRow(file, separator, 'latin1', ctx, (f, line) => {
    expectFieldCount(file, line, f, fields, separator);
    const user = integerId(file, line, 1, f[0], 'user id');
    const item = integerId(file, line, 2, f[1], itemLabel);
    const rating = finiteNumber(file, line, 3, f[2], 'rating');
    const time = unixSeconds(file, line, 4, f[3]);
    builder.add(user, item, rating, time);
  });
}
