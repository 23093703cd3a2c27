import { ConvexError, v } from "convex/values";
import { paginationOptsValidator } from "convex/server";
import { mergedStream, stream, type QueryStream } from "convex-helpers/server/stream";
import type { GenericDatabaseReader } from "convex/server";
import type { DataModel, Doc } from "../_generated/dataModel";
import schema from "../schema";

/** Arguments of every `listSince` query. */
export const listSinceArgs = {
  since: v.number(),
  until: v.number(),
  paginationOpts: paginationOptsValidator,
};

// Epoch-ms bounds must be finite and exactly convertible to Int64, because the
// Int64 range is built from them with BigInt().
const MAX_BOUND = Number.MAX_SAFE_INTEGER;

function checkBound(name: string, value: number): void {
  if (!Number.isFinite(value) || Math.abs(value) > MAX_BOUND) {
    throw new ConvexError(
      `listSince: ${name} must be a finite epoch-millisecond number, got ${String(value)}`,
    );
  }
}

/** Tables that carry a `by_createdAt` index and are listed by time window. */
export type WindowedTable = "crimeReports" | "tips";

/**
 * One ascending stream over the documents of `table` created in `[since, until)`.
 *
 * In Convex's value order a missing field sorts before Int64, which sorts before
 * Float64, so the window is three disjoint, bounded ranges of `by_createdAt`:
 * (a) `createdAt` missing and `_creationTime` in the window (legacy documents
 * must not vanish), (b) Int64 `createdAt` in `[ceil(since), ceil(until))`, and
 * (c) Float64 `createdAt` in `[since, until)`. Merging them on the index key
 * keeps that order: (a), then (b), then (c), each ascending. Nothing outside the
 * three ranges is read.
 */
export function windowStream(
  db: GenericDatabaseReader<DataModel>,
  table: "crimeReports",
  since: number,
  until: number,
): QueryStream<Doc<"crimeReports">>;
export function windowStream(
  db: GenericDatabaseReader<DataModel>,
  table: "tips",
  since: number,
  until: number,
): QueryStream<Doc<"tips">>;
export function windowStream(
  db: GenericDatabaseReader<DataModel>,
  table: WindowedTable,
  since: number,
  until: number,
) {
  checkBound("since", since);
  checkBound("until", until);
  const s = stream(db, schema);
  const undated = s
    .query(table)
    .withIndex("by_createdAt", (q) =>
      q.eq("createdAt", undefined).gte("_creationTime", since).lt("_creationTime", until),
    );
  const int64 = s
    .query(table)
    .withIndex("by_createdAt", (q) =>
      q
        .gte("createdAt", BigInt(Math.ceil(since)))
        .lt("createdAt", BigInt(Math.ceil(until))),
    );
  const float64 = s
    .query(table)
    .withIndex("by_createdAt", (q) => q.gte("createdAt", since).lt("createdAt", until));
  return mergedStream([undated, int64, float64], ["createdAt", "_creationTime", "_id"]);
}
