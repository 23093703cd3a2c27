import { v } from "convex/values";
import { query } from "./_generated/server";
import { listSinceArgs, windowStream } from "./lib/window";

/**
 * Crime reports created in `[since, until)` (epoch ms), paginated.
 *
 * Reads only bounded ranges of `by_createdAt`; see `windowStream` for the three
 * ranges and their order. Page with `paginationOpts` until `isDone`.
 */
export const listSince = query({
  args: listSinceArgs,
  handler: async (ctx, { since, until, paginationOpts }) =>
    windowStream(ctx.db, "crimeReports", since, until).paginate(paginationOpts),
});

/**
 * The original app's listing: the whole table, newest first, through one index
 * (`status`, else `offenseType`, else `parish`, else `by_createdAt`).
 *
 * Kept so the collector can run against deployments that only have this. It
 * `.collect()`s, so it fails once the table passes Convex's read limits.
 */
export const list = query({
  args: {
    status: v.optional(v.string()),
    offenseType: v.optional(v.string()),
    parish: v.optional(v.string()),
  },
  handler: async (ctx, { status, offenseType, parish }) => {
    const table = ctx.db.query("crimeReports");
    if (status !== undefined) {
      return table.withIndex("by_status", (q) => q.eq("status", status)).order("desc").collect();
    }
    if (offenseType !== undefined) {
      return table
        .withIndex("by_offenseType", (q) => q.eq("offenseType", offenseType))
        .order("desc")
        .collect();
    }
    if (parish !== undefined) {
      return table.withIndex("by_parish", (q) => q.eq("parish", parish)).order("desc").collect();
    }
    return table.withIndex("by_createdAt").order("desc").collect();
  },
});
