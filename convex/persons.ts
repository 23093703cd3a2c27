import { query } from "./_generated/server";
import { fetchAligned, getManyArgs } from "./lib/getMany";

/**
 * Persons by id (at most 1,000), aligned with `ids`; `null` for a malformed,
 * other-table, missing or deleted id.
 */
export const getMany = query({
  args: getManyArgs,
  handler: async (ctx, { ids }) => fetchAligned(ctx.db, "persons", ids),
});
