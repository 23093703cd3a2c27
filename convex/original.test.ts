import { convexTest } from "convex-test";
import { describe, expect, test } from "vitest";
import { api } from "./_generated/api";
import type { Id } from "./_generated/dataModel";
import schema from "./schema";
import { modules } from "./test.setup";
import { report, seedTipTargets, type T } from "./test.fixtures";

function setup(): T {
  return convexTest({ schema, modules, transactionLimits: true });
}

describe("crimeReports:list (the original app's listing)", () => {
  test("returns the whole table, newest first, and filters by one index", async () => {
    const t = setup();
    const [old, mid, recent, undatedId] = await t.run(async (ctx) => {
      const out: Id<"crimeReports">[] = [];
      out.push(await ctx.db.insert("crimeReports", report({ createdAt: 1772820000000, status: "resolved" })));
      out.push(
        await ctx.db.insert(
          "crimeReports",
          report({ createdAt: 1772900000000, offenseType: "Robbery", parish: "Jefferson" }),
        ),
      );
      out.push(await ctx.db.insert("crimeReports", report({ createdAt: 1772960700000 })));
      const { createdAt: _c, ...noDate } = report();
      out.push(await ctx.db.insert("crimeReports", noDate));
      return out;
    });
    const ids = async (args: { status?: string; offenseType?: string; parish?: string }) =>
      (await t.query(api.crimeReports.list, args)).map((d) => d._id);
    // Descending by_createdAt: Float64 newest first, the undated document last.
    expect(await ids({})).toEqual([recent, mid, old, undatedId]);
    expect(await ids({ status: "resolved" })).toEqual([old]);
    expect(await ids({ offenseType: "Robbery" })).toEqual([mid]);
    expect(await ids({ parish: "Jefferson" })).toEqual([mid]);
    // The first filter given wins, as in the app.
    expect(await ids({ status: "resolved", parish: "Jefferson" })).toEqual([old]);
    expect(await ids({ parish: "Nowhere" })).toEqual([]);
  });
});

describe("criminals:get", () => {
  test("returns the document, or null once deleted; a bad id fails validation", async () => {
    const t = setup();
    const id = await t.run(async (ctx) =>
      ctx.db.insert("criminals", {
        name: "Subject K",
        primaryCrime: "Armed robbery",
        status: "wanted",
        createdAt: 1772913600000,
      }),
    );
    expect((await t.query(api.criminals.get, { id }))?.name).toBe("Subject K");
    await t.run(async (ctx) => ctx.db.delete(id));
    expect(await t.query(api.criminals.get, { id })).toBeNull();
    await expect(
      t.query(api.criminals.get, { id: "not-an-id" as Id<"criminals"> }),
    ).rejects.toThrow('Validator error: Expected ID for table "criminals", got `not-an-id`');
  });
});

describe("tips:list", () => {
  test("returns every tip, newest first", async () => {
    const t = setup();
    const { personId, locationId } = await seedTipTargets(t);
    const [a, b] = await t.run(async (ctx) => [
      await ctx.db.insert("tips", { personId, locationId, details: "a", createdAt: 1772949600000 }),
      await ctx.db.insert("tips", { personId, locationId, details: "b", createdAt: 1772968320000 }),
    ]);
    expect((await t.query(api.tips.list, {})).map((d) => d._id)).toEqual([b, a]);
  });
});
