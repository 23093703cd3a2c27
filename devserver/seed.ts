/**
 * Seeding convex-test from a snapshot export ZIP, keeping the export's ids and
 * creation times visible to clients.
 *
 * convex-test makes its own ids (`<digits><table>`) and stamps `_creationTime`
 * from the clock, so:
 * - `IdMap` translates ids at the server's boundary: export ids in arguments
 *   become convex-test ids, convex-test ids in results become export ids;
 * - references stored in documents are rewritten to convex-test ids, so
 *   `db.get`, `normalizeId` and indexes on reference fields behave as they would
 *   on the real deployment; a reference to an id absent from the export (a
 *   deleted document) is stored as is and therefore resolves to null;
 * - creation times are restored by inserting in ascending `_creationTime`
 *   order, one transaction per document, with the clock convex-test reads
 *   pinned to the document's creation time (checked afterwards; any residual
 *   difference, e.g. two documents with the same time, is corrected at the
 *   boundary and reported on stderr).
 */
import { unzipSync, strFromU8 } from "fflate";
import { readFileSync } from "node:fs";
import { mapStrings, parseExportJson, type Value } from "./values.ts";

export type Doc = Record<string, Value>;
export interface ExportData {
  tables: Map<string, Doc[]>;
  skipped: string[];
}

/** Read `<table>/documents.jsonl` entries of an export ZIP (also nested under a
 * top-level folder). System tables (`_tables`, `_storage`, components) and
 * other files are skipped and listed in `skipped`. */
export function readExportZip(path: string): ExportData {
  const files = unzipSync(new Uint8Array(readFileSync(path)));
  const tables = new Map<string, Doc[]>();
  const skipped: string[] = [];
  for (const [name, bytes] of Object.entries(files)) {
    const m = /^(?:[^/]+\/)?([^/]+)\/documents\.jsonl$/.exec(name);
    if (!m || m[1]!.startsWith("_") || name.startsWith("_components/")) {
      if (!name.endsWith("/") && !name.endsWith("generated_schema.jsonl") && name !== "README.md" && !name.startsWith("_tables/")) {
        skipped.push(name);
      }
      continue;
    }
    const docs: Doc[] = [];
    strFromU8(bytes)
      .split("\n")
      .forEach((line, i) => {
        if (line.trim() === "") return;
        let doc: Value;
        try {
          doc = parseExportJson(line);
        } catch (e) {
          throw new Error(`${name} line ${i + 1}: ${(e as Error).message}`);
        }
        if (doc === null || typeof doc !== "object" || Array.isArray(doc) || doc instanceof ArrayBuffer) {
          throw new Error(`${name} line ${i + 1}: not a JSON object`);
        }
        const d = doc as Doc;
        if (typeof d._id !== "string" || typeof d._creationTime !== "number") {
          throw new Error(`${name} line ${i + 1}: missing _id or _creationTime`);
        }
        docs.push(d);
      });
    tables.set(m[1]!, docs);
  }
  return { tables, skipped };
}

/** Two-way id translation plus creation-time corrections. */
export class IdMap {
  readonly toTest = new Map<string, string>();
  readonly toExport = new Map<string, string>();
  /** convex-test id → export `_creationTime`, only where convex-test differs. */
  readonly creationFix = new Map<string, number>();

  add(exportId: string, testId: string): void {
    this.toTest.set(exportId, testId);
    this.toExport.set(testId, exportId);
  }

  /** Arguments: every string that is a known export id becomes the convex-test id. */
  argsIn(value: Value): Value {
    return mapStrings(value, (s) => this.toTest.get(s) ?? s);
  }

  /** Results: restore creation times, then turn convex-test ids into export ids. */
  resultOut(value: Value): Value {
    return mapStrings(this.fixCreation(value), (s) => this.toExport.get(s) ?? s);
  }

  private fixCreation(value: Value): Value {
    if (this.creationFix.size === 0 || value === null || typeof value !== "object") return value;
    if (Array.isArray(value)) return value.map((v) => this.fixCreation(v));
    if (value instanceof ArrayBuffer) return value;
    const out: Record<string, Value> = {};
    for (const [k, v] of Object.entries(value)) out[k] = this.fixCreation(v as Value);
    const fix = typeof out._id === "string" ? this.creationFix.get(out._id) : undefined;
    if (fix !== undefined && typeof out._creationTime === "number") out._creationTime = fix;
    return out;
  }
}

/** The parts of a convex-test instance seeding needs. */
export interface Runner {
  run<T>(fn: (ctx: { db: SeedDb }) => Promise<T>): Promise<T>;
}
export interface SeedDb {
  insert(table: string, doc: Doc): Promise<string>;
  replace(id: string, doc: Doc): Promise<void>;
  get(id: string): Promise<Doc | null>;
}

// The clock convex-test reads outside user code (transaction begin and commit).
const realNow = Date.now;

/** Insert every exported document and return the id map. */
export async function seed(t: Runner, data: ExportData, log: (line: string) => void): Promise<IdMap> {
  const ids = new IdMap();
  const all: { table: string; doc: Doc }[] = [];
  for (const [table, docs] of data.tables) for (const doc of docs) all.push({ table, doc });
  all.sort((a, b) => (a.doc._creationTime as number) - (b.doc._creationTime as number));
  const known = new Set(all.map((e) => e.doc._id as string));

  // Pass 1: insert in creation-time order. A transaction takes its time at
  // begin; pinning the clock there makes the insert stamp the export's value.
  // The commit reads the clock again and needs an integer (it makes a BigInt),
  // so the clock reads 0 by then and commit timestamps just count up.
  let clock = 0;
  const needsPass2: { testId: string; doc: Doc }[] = [];
  Date.now = () => clock;
  try {
    for (const { table, doc } of all) {
      const { _id, _creationTime, ...fields } = doc;
      let pending = false;
      const body = mapStrings(fields, (s) => {
        if (!known.has(s)) return s;
        const t2 = ids.toTest.get(s);
        if (t2 === undefined) pending = true;
        return t2 ?? s;
      }) as Doc;
      clock = _creationTime as number;
      const testId = await t.run(async (ctx) => {
        clock = 0;
        return ctx.db.insert(table, body);
      });
      ids.add(_id as string, testId);
      if (pending) needsPass2.push({ testId, doc: fields as Doc });
    }
  } finally {
    Date.now = realNow;
  }
  // Pass 2: references to documents inserted later than their referrer.
  for (const { testId, doc } of needsPass2) {
    await t.run((ctx) => ctx.db.replace(testId, ids.argsIn(doc) as Doc));
  }
  // Check the creation times; correct any difference at the boundary.
  const entries = all.map((e) => ({ testId: ids.toTest.get(e.doc._id as string)!, want: e.doc._creationTime as number }));
  for (let i = 0; i < entries.length; i += 2000) {
    const chunk = entries.slice(i, i + 2000);
    const got = await t.run(async (ctx) => Promise.all(chunk.map((e) => ctx.db.get(e.testId))));
    chunk.forEach((e, j) => {
      if (got[j]?._creationTime !== e.want) ids.creationFix.set(e.testId, e.want);
    });
  }
  if (ids.creationFix.size > 0) {
    log(`warning: ${ids.creationFix.size} document(s) share a _creationTime; their stored times differ by microseconds (results show the export's values)`);
  }
  return ids;
}
