import { convexTest } from "convex-test";
import { describe, expect, test } from "vitest";
import { api } from "./_generated/api";
import type { PaginationResult } from "convex/server";
import type { Doc, Id } from "./_generated/dataModel";
import schema from "./schema";
import { modules } from "./test.setup";
import {
  SINCE,
  UNTIL,
  atCreationTime,
  report,
  seedTipTargets,
  undated,
  type T,
} from "./test.fixtures";

const MINUTE = 60_000;

function setup(): T {
  return convexTest({ schema, modules, transactionLimits: true });
}

/** Page through crimeReports:listSince with `numItems`; every page's ids, in order. */
async function pages(
  t: T,
  numItems: number,
  since = SINCE,
  until = UNTIL,
): Promise<string[][]> {
  const out: string[][] = [];
  let cursor: string | null = null;
  for (let i = 0; i < 100; i++) {
    const r: PaginationResult<Doc<"crimeReports">> = await t.query(api.crimeReports.listSince, {
      since,
      until,
      paginationOpts: { numItems, cursor },
    });
    out.push(r.page.map((d) => d._id));
    if (r.isDone) return out;
    cursor = r.continueCursor;
  }
  throw new Error("listSince never reported isDone");
}

async function all(t: T, since = SINCE, until = UNTIL): Promise<string[]> {
  return (await pages(t, 1000, since, until)).flat();
}

/** Insert reports (one transaction) and return their ids in insertion order. */
async function insertReports(t: T, docs: ReturnType<typeof report>[]): Promise<Id<"crimeReports">[]> {
  return t.run(async (ctx) => {
    const ids: Id<"crimeReports">[] = [];
    for (const d of docs) ids.push(await ctx.db.insert("crimeReports", d));
    return ids;
  });
}

describe("crimeReports:listSince paging", () => {
  test("10 documents page in createdAt order at page sizes 1, 2 and 3", async () => {
    const t = setup();
    // Inserted out of order so that index order, not insertion order, is tested.
    const offsets = [7, 2, 9, 0, 4, 1, 8, 3, 6, 5];
    const ids = await insertReports(
      t,
      offsets.map((k) => report({ createdAt: SINCE + k * MINUTE })),
    );
    const byOffset = offsets.map((k, i) => [k, ids[i]] as const).sort((a, b) => a[0] - b[0]);
    const expected = byOffset.map(([, id]) => id);

    const p1 = await pages(t, 1);
    expect(p1.flat()).toEqual(expected);
    expect(p1.slice(0, 10).every((p) => p.length === 1)).toBe(true);

    const p2 = await pages(t, 2);
    expect(p2.slice(0, 5)).toEqual([
      expected.slice(0, 2),
      expected.slice(2, 4),
      expected.slice(4, 6),
      expected.slice(6, 8),
      expected.slice(8, 10),
    ]);
    expect(p2.flat()).toEqual(expected);

    const p3 = await pages(t, 3);
    expect(p3.slice(0, 4)).toEqual([
      expected.slice(0, 3),
      expected.slice(3, 6),
      expected.slice(6, 9),
      expected.slice(9, 10),
    ]);
    expect(p3.flat()).toEqual(expected);
  });

  test("the page reports isDone with an empty window", async () => {
    const t = setup();
    await insertReports(t, [report({ createdAt: UNTIL + MINUTE })]);
    const r = await t.query(api.crimeReports.listSince, {
      since: SINCE,
      until: UNTIL,
      paginationOpts: { numItems: 5, cursor: null },
    });
    expect(r.page).toEqual([]);
    expect(r.isDone).toBe(true);
  });

  test("later pages still load after the cursor document is deleted (E12)", async () => {
    const t = setup();
    const ids = await insertReports(
      t,
      [0, 1, 2, 3].map((k) => report({ createdAt: SINCE + k * MINUTE })),
    );
    const first = await t.query(api.crimeReports.listSince, {
      since: SINCE,
      until: UNTIL,
      paginationOpts: { numItems: 2, cursor: null },
    });
    expect(first.page.map((d) => d._id)).toEqual([ids[0], ids[1]]);
    expect(first.isDone).toBe(false);
    await t.run(async (ctx) => ctx.db.delete(ids[1]));
    const second = await t.query(api.crimeReports.listSince, {
      since: SINCE,
      until: UNTIL,
      paginationOpts: { numItems: 2, cursor: first.continueCursor },
    });
    expect(second.page.map((d) => d._id)).toEqual([ids[2], ids[3]]);
  });
});

describe("crimeReports:listSince window", () => {
  test("since is in, until is out, since-1 is out, until-1 is in", async () => {
    const t = setup();
    const [atSince, beforeSince, lastMs, atUntil] = await insertReports(t, [
      report({ createdAt: SINCE }),
      report({ createdAt: SINCE - 1 }),
      report({ createdAt: UNTIL - 1 }),
      report({ createdAt: UNTIL }),
    ]);
    const got = await all(t);
    expect(got).toEqual([atSince, lastMs]);
    expect(got).not.toContain(beforeSince);
    expect(got).not.toContain(atUntil);
  });

  test("fractional createdAt is compared raw, not rounded", async () => {
    const t = setup();
    const [justBefore, justIn, justBeforeUntil] = await insertReports(t, [
      report({ createdAt: SINCE - 0.4 }),
      report({ createdAt: SINCE + 0.4 }),
      report({ createdAt: UNTIL - 0.4 }),
    ]);
    expect(await all(t)).toEqual([justIn, justBeforeUntil]);
    expect(await all(t)).not.toContain(justBefore);
  });

  test("Int64 createdAt in the window is returned, with the same bounds", async () => {
    const t = setup();
    const [intIn, intAtSince, intBefore, intAtUntil, intLast, floatIn] = await insertReports(t, [
      report({ createdAt: BigInt(1772960700000) }),
      report({ createdAt: BigInt(SINCE) }),
      report({ createdAt: BigInt(SINCE - 1) }),
      report({ createdAt: BigInt(UNTIL) }),
      report({ createdAt: BigInt(UNTIL - 1) }),
      report({ createdAt: 1772950000000 }),
    ]);
    const got = await all(t);
    // Index order: every Int64 before every Float64, each ascending.
    expect(got).toEqual([intAtSince, intIn, intLast, floatIn]);
    expect(got).not.toContain(intBefore);
    expect(got).not.toContain(intAtUntil);
    const docs = await t.query(api.crimeReports.listSince, {
      since: SINCE,
      until: UNTIL,
      paginationOpts: { numItems: 10, cursor: null },
    });
    expect(docs.page.map((d) => d.createdAt)).toEqual([
      BigInt(SINCE),
      1772960700000n,
      BigInt(UNTIL - 1),
      1772950000000,
    ]);
  });

  test("a fractional window gives the Int64 range ceil(since) and ceil(until)", async () => {
    const t = setup();
    const [a, b, c] = await insertReports(t, [
      report({ createdAt: BigInt(SINCE) }), // < SINCE + 0.5: out
      report({ createdAt: BigInt(SINCE + 1) }), // in
      report({ createdAt: BigInt(UNTIL) }), // < UNTIL + 0.5: in
    ]);
    const got = await all(t, SINCE + 0.5, UNTIL + 0.5);
    expect(got).toEqual([b, c]);
    expect(got).not.toContain(a);
  });

  test("NaN, Infinity and string createdAt sort outside every range", async () => {
    const t = setup();
    const [ok] = await insertReports(t, [
      report({ createdAt: 1772960700000 }),
      report({ createdAt: Number.NaN }),
      report({ createdAt: Number.POSITIVE_INFINITY }),
      report({ createdAt: Number.NEGATIVE_INFINITY }),
    ]);
    await t.run(async (ctx) => {
      // Schema validation is off, as on a deployment holding such documents.
      await ctx.db.insert("crimeReports", {
        ...report(),
        createdAt: "2026-03-08T09:05:00Z" as unknown as number,
      });
    });
    expect(await all(t)).toEqual([ok]);
  });

  test("a window with since >= until is empty", async () => {
    const t = setup();
    await insertReports(t, [report({ createdAt: SINCE }), report({ createdAt: BigInt(SINCE) })]);
    expect(await all(t, SINCE, SINCE)).toEqual([]);
    expect(await all(t, UNTIL, SINCE)).toEqual([]);
  });

  test("non-finite bounds are rejected with a clear error", async () => {
    const t = setup();
    await expect(
      t.query(api.crimeReports.listSince, {
        since: Number.NaN,
        until: UNTIL,
        paginationOpts: { numItems: 5, cursor: null },
      }),
    ).rejects.toThrow("listSince: since must be a finite epoch-millisecond number, got NaN");
    await expect(
      t.query(api.crimeReports.listSince, {
        since: SINCE,
        until: Number.POSITIVE_INFINITY,
        paginationOpts: { numItems: 5, cursor: null },
      }),
    ).rejects.toThrow("listSince: until must be a finite epoch-millisecond number, got Infinity");
  });

  test("missing arguments are rejected by the validator", async () => {
    const t = setup();
    await expect(
      // @ts-expect-error: paginationOpts is required
      t.query(api.crimeReports.listSince, { since: SINCE, until: UNTIL }),
    ).rejects.toThrow("Validator error: Missing required field `paginationOpts` in object");
  });
});

describe("E09(b): documents without createdAt", () => {
  test("crimeReports:listSince returns rep_legacy and rep_ok only", async () => {
    const t = setup();
    // Ascending _creationTime, as convex-test requires.
    const repLegacyOld = await atCreationTime(t, 1772820000000, (ctx) =>
      ctx.db.insert("crimeReports", undated(report())),
    );
    const repFrac = await atCreationTime(t, 1772893799999.6, (ctx) =>
      ctx.db.insert("crimeReports", undated(report())),
    );
    const repLegacy = await atCreationTime(t, 1772948400000, (ctx) =>
      ctx.db.insert("crimeReports", undated(report())),
    );
    const repOk = await atCreationTime(t, 1772960700000, (ctx) =>
      ctx.db.insert("crimeReports", report({ createdAt: 1772960700000 })),
    );

    // The fixture really holds the case's values.
    const stored = await t.run(async (ctx) =>
      Promise.all([repLegacy, repLegacyOld, repFrac, repOk].map((id) => ctx.db.get(id))),
    );
    expect(stored.map((d) => [d?._creationTime, d?.createdAt])).toEqual([
      [1772948400000, undefined],
      [1772820000000, undefined],
      [1772893799999.6, undefined],
      [1772960700000, 1772960700000],
    ]);

    const r = await t.query(api.crimeReports.listSince, {
      since: SINCE,
      until: UNTIL,
      paginationOpts: { numItems: 10, cursor: null },
    });
    expect(r.page.map((d) => d._id)).toEqual([repLegacy, repOk]);
    expect(r.isDone).toBe(true);
    expect(r.page[0]).not.toHaveProperty("createdAt");
    // Page size 1 walks the undated range, then the Float64 one.
    expect(await pages(t, 1)).toEqual([[repLegacy], [repOk], []]);
  });

  test("undated, Int64 and Float64 documents merge into one paginated query", async () => {
    const t = setup();
    const u1 = await atCreationTime(t, SINCE, (ctx) =>
      ctx.db.insert("crimeReports", undated(report())),
    );
    const u2 = await atCreationTime(t, SINCE + MINUTE, (ctx) =>
      ctx.db.insert("crimeReports", undated(report())),
    );
    const uOut = await atCreationTime(t, UNTIL, (ctx) =>
      ctx.db.insert("crimeReports", undated(report())),
    );
    const [i1, f1, i2, f2, f3] = await insertReports(t, [
      report({ createdAt: BigInt(SINCE + 5 * MINUTE) }),
      report({ createdAt: SINCE + 2 * MINUTE }),
      report({ createdAt: BigInt(SINCE + 3 * MINUTE) }),
      report({ createdAt: SINCE + 4 * MINUTE }),
      report({ createdAt: SINCE + 1 }),
    ]);
    const expected = [u1, u2, i2, i1, f3, f1, f2];
    expect(await all(t)).toEqual(expected);
    expect(await all(t)).not.toContain(uOut);
    expect(await pages(t, 2)).toEqual([[u1, u2], [i2, i1], [f3, f1], [f2]]);
    expect((await pages(t, 3)).flat()).toEqual(expected);
  });
});

describe("tips:listSince", () => {
  test("same window, Int64 and undated ranges on tips", async () => {
    const t = setup();
    const { personId, locationId } = await seedTipTargets(t);
    const tip = (createdAt?: number | bigint) => ({
      userId: undefined,
      personId,
      locationId,
      details: "Person matching the report seen near a bus shelter",
      ...(createdAt === undefined ? {} : { createdAt }),
    });
    const legacyIn = await atCreationTime(t, 1772948400000, (ctx) =>
      ctx.db.insert("tips", tip()),
    );
    const [atSince, before, atUntil, lastMs, asInt] = await t.run(async (ctx) =>
      Promise.all(
        [tip(SINCE), tip(SINCE - 1), tip(UNTIL), tip(UNTIL - 1), tip(1772971200000n)].map((d) =>
          ctx.db.insert("tips", d),
        ),
      ),
    );
    const got: string[] = [];
    let cursor: string | null = null;
    for (;;) {
      const r: PaginationResult<Doc<"tips">> = await t.query(api.tips.listSince, {
        since: SINCE,
        until: UNTIL,
        paginationOpts: { numItems: 2, cursor },
      });
      got.push(...r.page.map((d) => d._id));
      if (r.isDone) break;
      cursor = r.continueCursor;
    }
    expect(got).toEqual([legacyIn, asInt, atSince, lastMs]);
    expect(got).not.toContain(before);
    expect(got).not.toContain(atUntil);
  });
});
