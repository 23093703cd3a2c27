import { convexTest } from "convex-test";
import { expect, test } from "vitest";
import type { PaginationResult } from "convex/server";
import { api } from "./_generated/api";
import type { Doc, Id } from "./_generated/dataModel";
import schema from "./schema";
import { modules } from "./test.setup";
import { SINCE, UNTIL, report } from "./test.fixtures";

const TOTAL = 33_000; // more than the 32,000 documents one function may read
const BATCH = 11_000; // convex-test allows 16,000 writes per transaction
const DAY = 86_400_000;

test(
  "past the read limit, crimeReports:list fails while listSince still pages a 1-day window",
  async () => {
    const t = convexTest({ schema, modules, transactionLimits: true });
    const base = report();
    // 32,995 reports spread over the 400 days before the window, then 5 inside it.
    const inWindow: Id<"crimeReports">[] = [];
    for (let start = 0; start < TOTAL; start += BATCH) {
      const ids = await t.run(async (ctx) => {
        const out: Id<"crimeReports">[] = [];
        for (let i = start; i < Math.min(start + BATCH, TOTAL); i++) {
          const createdAt =
            i < TOTAL - 5 ? SINCE - DAY * 400 + i * 1000 : SINCE + (i - (TOTAL - 5)) * 3_600_000;
          out.push(await ctx.db.insert("crimeReports", { ...base, createdAt }));
        }
        return out;
      });
      inWindow.push(...ids.filter((_, k) => start + k >= TOTAL - 5));
    }
    expect(inWindow).toHaveLength(5);

    await expect(t.query(api.crimeReports.list, {})).rejects.toThrow(
      "Scanned too many documents in a single function execution (limit: 32000)",
    );

    const seen: string[] = [];
    let cursor: string | null = null;
    let calls = 0;
    for (;;) {
      const r: PaginationResult<Doc<"crimeReports">> = await t.query(api.crimeReports.listSince, {
        since: SINCE,
        until: UNTIL,
        paginationOpts: { numItems: 2, cursor },
      });
      calls++;
      seen.push(...r.page.map((d) => d._id));
      if (r.isDone) break;
      cursor = r.continueCursor;
    }
    expect(seen).toEqual(inWindow);
    expect(calls).toBe(3);
  },
  60_000,
);
