/**
 * The project's `convex/` functions hosted in convex-test, called by name, with
 * the id translation, stats and faults applied at this one boundary (both the
 * sync protocol and the HTTP API go through `Backend.call`).
 */
import { convexTest } from "convex-test";
import { makeFunctionReference, type SchemaDefinition, type GenericSchema } from "convex/server";
import { readdirSync, statSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { countDocuments, Faults, normalizePath, Stats } from "./control.ts";
import { seed, type ExportData, type IdMap, type Runner } from "./seed.ts";
import { toWire, type Value } from "./values.ts";

export type CallResult =
  | { ok: true; value: Value }
  | { ok: false; message: string; data?: Value }
  | { ok: false; stalled: true };

type ModuleMap = Record<string, () => Promise<Record<string, unknown>>>;

/** `../convex/<file>.ts` and `../convex/_generated/*.js` as lazy imports, keyed
 * the way convex-test expects (it finds the root by the `_generated` entry). */
function moduleMap(convexDir: string): ModuleMap {
  const map: ModuleMap = {};
  const walk = (dir: string) => {
    for (const name of readdirSync(dir)) {
      const full = join(dir, name);
      if (statSync(full).isDirectory()) walk(full);
      else if (/\.(ts|js)$/.test(name) && !/\.(test|d)\.ts$/.test(name) && !/^test\./.test(name)) {
        const key = "../convex/" + relative(convexDir, full).split("\\").join("/");
        map[key] = () => import(pathToFileURL(full).href) as Promise<Record<string, unknown>>;
      }
    }
  };
  walk(convexDir);
  return map;
}

export function missingMessage(path: string): string {
  return `Could not find public function for '${path}'. Did you forget to run \`npx convex dev\` or \`npx convex deploy\`?`;
}

export class Backend {
  readonly stats = new Stats();
  readonly faults = new Faults();
  private constructor(
    private readonly t: ReturnType<typeof convexTest>,
    private readonly modules: ModuleMap,
    private readonly ids: IdMap,
  ) {}

  static async create(convexDir: string, data: ExportData, log: (line: string) => void): Promise<Backend> {
    const dir = resolve(convexDir);
    const modules = moduleMap(dir);
    const schemaMod = (await import(pathToFileURL(join(dir, "schema.ts")).href)) as {
      default: SchemaDefinition<GenericSchema, boolean>;
    };
    const schema = schemaMod.default;
    for (const table of data.tables.keys()) {
      if (!(table in schema.tables)) log(`warning: table ${table} is not in convex/schema.ts; seeded anyway`);
    }
    const t = convexTest({ schema, modules, transactionLimits: true });
    const ids = await seed(t as unknown as Runner, data, log);
    return new Backend(t, modules, ids);
  }

  /** Whether `path` (normalised) names a public query of this project. */
  private async exists(path: string): Promise<boolean> {
    const [mod, fn] = path.split(":") as [string, string];
    const load = this.modules[`../convex/${mod}.ts`] ?? this.modules[`../convex/${mod}.js`];
    if (load === undefined || mod.startsWith("_generated")) return false;
    const f = (await load())[fn] as { isQuery?: boolean; isPublic?: boolean } | undefined;
    return f?.isQuery === true && f.isPublic === true;
  }

  /** Run a query by name: its result, its failure, or `stalled` (never answer). */
  async call(rawPath: string, args: Value): Promise<CallResult> {
    const path = normalizePath(rawPath);
    const st = this.stats.fn(path);
    st.calls++;
    const result = await this.run(path, args);
    if (result.ok) {
      st.documents += countDocuments(result.value);
      st.bytes += Buffer.byteLength(JSON.stringify(toWire(result.value)));
    } else if (!("stalled" in result)) st.errors++;
    return result;
  }

  private async run(path: string, args: Value): Promise<CallResult> {
    if (this.faults.isMissing(path) || !(await this.exists(path))) return { ok: false, message: missingMessage(path) };
    if (this.faults.isStalled(path)) return { ok: false, stalled: true };
    const injected = this.faults.failure(path);
    if (injected !== null) return { ok: false, message: injected };
    try {
      const ref = makeFunctionReference<"query">(path);
      const value = (await this.t.query(ref, this.ids.argsIn(args) as never)) as Value;
      return { ok: true, value: this.ids.resultOut(value) };
    } catch (e) {
      const err = e as { message?: string; data?: Value; name?: string };
      const message = typeof err?.message === "string" ? err.message : String(e);
      return err?.name === "ConvexError" && err.data !== undefined
        ? { ok: false, message, data: this.ids.resultOut(err.data) }
        : { ok: false, message };
    }
  }
}
