/// <reference types="vite/client" />
// Seed helpers shared by the convex/*.test.ts files (not a Convex module: the
// extra dot keeps it out of codegen).
import { vi } from "vitest";
import type { TestConvex } from "convex-test";
import type { Doc, Id } from "./_generated/dataModel";
import type schema from "./schema";

export type T = TestConvex<typeof schema>;
type RunCtx = Parameters<Parameters<T["run"]>[0]>[0];

/** W24 of shared/cases/README.md: 2026-03-07T14:30Z to 2026-03-08T14:30Z. */
export const SINCE = 1772893800000;
export const UNTIL = 1772980200000;

type ReportFields = Omit<Doc<"crimeReports">, "_id" | "_creationTime">;

/** A crime report with the cases' default fields, overridden by `fields`. */
export function report(fields: Partial<ReportFields> = {}): ReportFields {
  return {
    reportType: "new_crime",
    description: "Tools taken from an unlocked truck bed",
    offenseType: "Theft",
    parish: "Orleans",
    cityState: "New Orleans, LA",
    schoolRelated: false,
    wantedFugitive: false,
    drugsInvolved: false,
    abuseInvolved: false,
    weaponsInvolved: false,
    fileUploads: [],
    fileDescriptions: [],
    locationLat: 29.9511,
    locationLng: -90.0715,
    status: "active",
    createdAt: 1772960700000,
    ...fields,
  };
}

/** Without `createdAt`, as a legacy document is stored. */
export function undated<F extends { createdAt?: unknown }>(fields: F): Omit<F, "createdAt"> {
  const { createdAt: _dropped, ...rest } = fields;
  return rest;
}

/**
 * A person and a location for tips to point at, created at 2026-03-06T18:00Z
 * so that documents with later creation times can still follow.
 */
export async function seedTipTargets(
  t: T,
): Promise<{ personId: Id<"persons">; locationId: Id<"locations"> }> {
  return atCreationTime(t, 1772820000000, async (ctx) => {
    const imageStorageId = await ctx.storage.store(new Blob(["x"]));
    const locationId = await ctx.db.insert("locations", {
      coordinates: { lat: 29.9511, lng: -90.0715 },
      createdAt: 1772820000000,
    });
    const personId = await ctx.db.insert("persons", {
      name: "Subject P",
      imageStorageId,
      location: { frequents: [locationId] },
      createdAt: 1772820000000,
      updatedAt: 1772820000000,
    });
    return { personId, locationId };
  });
}

/**
 * Run `write` in its own transaction whose clock reads `creationTime`, so the
 * first document it inserts gets exactly that `_creationTime`.
 *
 * convex-test stamps an insert with the transaction's frozen `Date.now()`,
 * which it reads once from the real clock when the transaction starts; the
 * commit reads the clock again and needs an integer there (it converts to
 * nanoseconds with BigInt). Calls must go in ascending `creationTime` order,
 * because convex-test keeps creation times and commit timestamps monotonic.
 */
export async function atCreationTime<R>(
  t: T,
  creationTime: number,
  write: (ctx: RunCtx) => Promise<R>,
): Promise<R> {
  let calls = 0;
  const spy = vi
    .spyOn(Date, "now")
    .mockImplementation(() => (calls++ === 0 ? creationTime : Math.floor(creationTime)));
  try {
    return await t.run(write);
  } finally {
    spy.mockRestore();
  }
}
