import { convexTest } from "convex-test";
import { defineSchema, defineTable } from "convex/server";
import { v } from "convex/values";
import { expect, test } from "vitest";
import { api } from "./_generated/api";
import schema from "./schema";
import { modules } from "./test.setup";
import { SINCE, UNTIL, atCreationTime, report, undated } from "./test.fixtures";

// Why schema.ts turns schema validation off: what convex-test enforces.

test("a validating schema with the app's createdAt: v.number() rejects legacy documents", async () => {
  const strict = defineSchema({
    crimeReports: defineTable({ description: v.string(), createdAt: v.number() }).index(
      "by_createdAt",
      ["createdAt"],
    ),
  });
  const t = convexTest({ schema: strict, modules, transactionLimits: true });
  await expect(
    t.run(async (ctx) => ctx.db.insert("crimeReports", { description: "legacy" } as never)),
  ).rejects.toThrow("Missing required field `createdAt`");
  await expect(
    t.run(async (ctx) =>
      ctx.db.insert("crimeReports", { description: "imported", createdAt: 5n } as never),
    ),
  ).rejects.toThrow("Validator error: Expected `number`, got `5`");
});

test("this schema stores legacy and malformed documents as they are", async () => {
  expect(schema.schemaValidation).toBe(false);
  const t = convexTest({ schema, modules, transactionLimits: true });
  const legacy = await atCreationTime(t, 1772948400000, (ctx) =>
    ctx.db.insert("crimeReports", undated(report())),
  );
  const [int64, person] = await t.run(async (ctx) => [
    await ctx.db.insert("crimeReports", report({ createdAt: BigInt(SINCE) })),
    // A person without imageStorageId/location/updatedAt, as the cases' fixtures hold.
    await ctx.db.insert("persons", { name: "Subject Q", createdAt: 1772820000000 } as never),
  ]);
  const docs = await t.run(async (ctx) =>
    Promise.all([ctx.db.get(legacy), ctx.db.get(int64), ctx.db.get(person)] as const),
  );
  expect(docs[0]).not.toHaveProperty("createdAt");
  expect(docs[1]?.createdAt).toBe(BigInt(SINCE));
  expect(docs[2]?.name).toBe("Subject Q");
  const r = await t.query(api.crimeReports.listSince, {
    since: SINCE,
    until: UNTIL,
    paginationOpts: { numItems: 10, cursor: null },
  });
  // Undated range first (by _creationTime), then the Int64 range.
  expect(r.page.map((d) => d._id)).toEqual([legacy, int64]);
});
