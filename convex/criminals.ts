import { v } from "convex/values";
import { query } from "./_generated/server";
import { fetchAligned, getManyArgs } from "./lib/getMany";

/**
 * Criminals by id (at most 1,000), aligned with `ids`; `null` for a malformed,
 * other-table, missing or deleted id.
 */
export const getMany = query({
  args: getManyArgs,
  handler: async (ctx, { ids }) => fetchAligned(ctx.db, "criminals", ids),
});

/** The original app's single lookup: the document, or `null` if it is gone. */
export const get = query({
  args: { id: v.id("criminals") },
  handler: async (ctx, { id }) => ctx.db.get(id),
});
