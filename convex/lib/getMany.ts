import { ConvexError, v } from "convex/values";
import type { GenericDatabaseReader } from "convex/server";
import type { DataModel, Doc, TableNames } from "../_generated/dataModel";

/** Most ids one `getMany` call accepts (the collector batches to this size). */
export const MAX_IDS = 1000;

/** Arguments of every `getMany` query: plain strings, checked one by one. */
export const getManyArgs = { ids: v.array(v.string()) };

/**
 * Fetch `ids` from `table`, aligned with the input.
 *
 * An id that is malformed, belongs to another table, or names a missing or
 * deleted document gives `null` at its position; it never fails the batch.
 * More than `MAX_IDS` ids is a caller error and fails the whole call.
 */
export async function fetchAligned<T extends TableNames>(
  db: GenericDatabaseReader<DataModel>,
  table: T,
  ids: string[],
): Promise<(Doc<T> | null)[]> {
  if (ids.length > MAX_IDS) {
    throw new ConvexError(
      `${table}:getMany accepts at most ${MAX_IDS} ids per call, got ${ids.length}`,
    );
  }
  return Promise.all(
    ids.map(async (raw) => {
      const id = db.normalizeId(table, raw);
      return id === null ? null : await db.get(id);
    }),
  );
}
