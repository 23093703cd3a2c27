import { query } from "./_generated/server";
import { listSinceArgs, windowStream } from "./lib/window";

/**
 * Tips created in `[since, until)` (epoch ms), paginated; same contract as
 * `crimeReports:listSince`.
 */
export const listSince = query({
  args: listSinceArgs,
  handler: async (ctx, { since, until, paginationOpts }) =>
    windowStream(ctx.db, "tips", since, until).paginate(paginationOpts),
});

/**
 * Every tip, newest first. The original app's collector called `tips:list` but
 * never deployed it; it exists here so the collector's fallback path can be
 * tested. It `.collect()`s, so it fails past Convex's read limits.
 */
export const list = query({
  args: {},
  handler: async (ctx) => ctx.db.query("tips").withIndex("by_createdAt").order("desc").collect(),
});
