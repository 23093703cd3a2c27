import { convexTest } from "convex-test";
import { describe, expect, test } from "vitest";
import { api } from "./_generated/api";
import schema from "./schema";
import { modules } from "./test.setup";
import { report, seedTipTargets, type T } from "./test.fixtures";

function setup(): T {
  return convexTest({ schema, modules, transactionLimits: true });
}

async function seedCriminals(t: T) {
  return t.run(async (ctx) => {
    const crm1 = await ctx.db.insert("criminals", {
      name: "Subject K",
      primaryCrime: "Armed robbery",
      status: "wanted",
      createdAt: 1772913600000,
    });
    const crm2 = await ctx.db.insert("criminals", {
      name: "Subject S",
      primaryCrime: "Vehicle burglary",
      status: "wanted",
      createdAt: 1772913600000,
    });
    const gone = await ctx.db.insert("criminals", {
      name: "Subject G",
      primaryCrime: "Burglary",
      status: "wanted",
    });
    await ctx.db.delete(gone);
    const rep = await ctx.db.insert("crimeReports", report());
    return { crm1, crm2, gone, rep };
  });
}

describe("criminals:getMany", () => {
  test("aligned with ids: found, missing, deleted, other-table, malformed, duplicates", async () => {
    const t = setup();
    const { crm1, crm2, gone, rep } = await seedCriminals(t);
    const ids = [crm2, gone, crm1, rep, "not-an-id", "", crm1, "12345"];
    const got = await t.query(api.criminals.getMany, { ids });
    expect(got.map((d) => d?.name ?? null)).toEqual([
      "Subject S",
      null,
      "Subject K",
      null,
      null,
      null,
      "Subject K",
      null,
    ]);
    expect(got[0]?._id).toBe(crm2);
    expect(got[2]?._id).toBe(crm1);
    expect(got[6]?._id).toBe(crm1);
  });

  test("an empty list gives an empty array", async () => {
    const t = setup();
    expect(await t.query(api.criminals.getMany, { ids: [] })).toEqual([]);
  });

  test("1,000 ids are accepted; 1,001 are rejected with a clear error", async () => {
    const t = setup();
    const { crm1 } = await seedCriminals(t);
    const thousand = Array.from({ length: 1000 }, (_, i) => (i === 999 ? crm1 : `bad-${i}`));
    const got = await t.query(api.criminals.getMany, { ids: thousand });
    expect(got).toHaveLength(1000);
    expect(got.filter((d) => d !== null).map((d) => d?._id)).toEqual([crm1]);
    expect(got[999]?._id).toBe(crm1);
    await expect(
      t.query(api.criminals.getMany, { ids: [...thousand, crm1] }),
    ).rejects.toThrow("criminals:getMany accepts at most 1000 ids per call, got 1001");
  });

  test("non-string ids are rejected by the validator", async () => {
    const t = setup();
    await expect(
      // @ts-expect-error: ids are strings
      t.query(api.criminals.getMany, { ids: [1] }),
    ).rejects.toThrow("Validator error: Expected `string`, got `1`");
  });
});

describe("persons:getMany and locations:getMany", () => {
  test("resolve their own table and null everything else", async () => {
    const t = setup();
    const { personId, locationId } = await seedTipTargets(t);
    const { crm1, gone } = await seedCriminals(t);
    const persons = await t.query(api.persons.getMany, {
      ids: [personId, locationId, crm1, "", "not-an-id", personId],
    });
    expect(persons.map((d) => d?.name ?? null)).toEqual([
      "Subject P",
      null,
      null,
      null,
      null,
      "Subject P",
    ]);
    const locations = await t.query(api.locations.getMany, {
      ids: [personId, locationId, gone, "not-an-id"],
    });
    expect(locations.map((d) => d?.coordinates ?? null)).toEqual([
      null,
      { lat: 29.9511, lng: -90.0715 },
      null,
      null,
    ]);
    await expect(
      t.query(api.locations.getMany, { ids: Array.from({ length: 1001 }, () => locationId) }),
    ).rejects.toThrow("locations:getMany accepts at most 1000 ids per call, got 1001");
    await expect(
      t.query(api.persons.getMany, { ids: Array.from({ length: 1001 }, () => personId) }),
    ).rejects.toThrow("persons:getMany accepts at most 1000 ids per call, got 1001");
  });

  test("a deleted location comes back as null", async () => {
    const t = setup();
    const { locationId } = await seedTipTargets(t);
    await t.run(async (ctx) => ctx.db.delete(locationId));
    expect(await t.query(api.locations.getMany, { ids: [locationId] })).toEqual([null]);
  });
});
