/** Instrumentation (stats) and fault injection of the dev server. */
import type { Value } from "./values.ts";

export interface FunctionStats {
  calls: number;
  documents: number;
  bytes: number;
  errors: number;
}

export class Stats {
  functions: Record<string, FunctionStats> = {};
  messagesIn = 0;
  messagesOut = 0;
  connections = 0;
  authentications = 0;
  httpRequests = 0;

  fn(name: string): FunctionStats {
    return (this.functions[name] ??= { calls: 0, documents: 0, bytes: 0, errors: 0 });
  }

  reset(): void {
    Object.assign(this, new Stats());
  }

  toJSON(): object {
    const { functions, messagesIn, messagesOut, connections, authentications, httpRequests } = this;
    return { functions, messagesIn, messagesOut, connections, authentications, httpRequests };
  }
}

/** Documents in a result: a page's length, an array's length, 1 for a single
 * document, 0 otherwise. */
export function countDocuments(value: Value): number {
  if (Array.isArray(value)) return value.length;
  if (value !== null && typeof value === "object" && !(value instanceof ArrayBuffer)) {
    const page = (value as Record<string, Value>).page;
    if (Array.isArray(page)) return page.length;
    if ("_id" in value) return 1;
  }
  return 0;
}

export interface FailRule {
  /** Function path, `mod:fn`. */
  function: string;
  message: string;
  /** Fail only the k-th call (1-based, counted from when the rule was set). */
  call?: number | null;
}

/** The faults in force. `POST /_dev/faults` replaces them all. */
export interface FaultSpec {
  latencyMs: number;
  /** Never answer this function (`*` = every function). */
  stall: string | null;
  /** Drop the WebSocket when the N-th client message (counted from now) arrives; once. */
  dropAfter: number | null;
  fail: FailRule[];
  missing: string[];
  originalOnly: boolean;
}

export const ORIGINAL_FUNCTIONS = ["crimeReports:list", "criminals:get", "tips:list"];

export function parseFaults(input: unknown): FaultSpec {
  const o = (input ?? {}) as Record<string, unknown>;
  const known = ["latencyMs", "stall", "dropAfter", "fail", "missing", "originalOnly"];
  for (const k of Object.keys(o)) if (!known.includes(k)) throw new Error(`unknown fault ${k}`);
  const num = (k: string): number | null => {
    const v = o[k];
    if (v === undefined || v === null) return null;
    if (typeof v !== "number" || !(v >= 0)) throw new Error(`fault ${k} must be a number >= 0`);
    return v;
  };
  const fail = (o.fail ?? []) as FailRule[];
  if (!Array.isArray(fail) || fail.some((r) => typeof r?.function !== "string" || typeof r.message !== "string")) {
    throw new Error("fault fail must be a list of {function, message, call?}");
  }
  const missing = (o.missing ?? []) as string[];
  if (!Array.isArray(missing) || missing.some((m) => typeof m !== "string")) throw new Error("fault missing must be a list of names");
  if (o.stall !== undefined && o.stall !== null && typeof o.stall !== "string") throw new Error("fault stall must be a name");
  return {
    latencyMs: num("latencyMs") ?? 0,
    stall: (o.stall as string | null | undefined) ?? null,
    dropAfter: num("dropAfter"),
    fail: fail.map((r) => ({ function: normalizePath(r.function), message: r.message, call: r.call ?? null })),
    missing: missing.map(normalizePath),
    originalOnly: o.originalOnly === true,
  };
}

/** `mod.js:fn` and `mod:fn` name the same function; `mod` alone is `mod:default`. */
export function normalizePath(path: string): string {
  const [mod, fn] = path.split(":", 2) as [string, string | undefined];
  return `${mod.replace(/\.js$/, "")}:${fn ?? "default"}`;
}

/** Live fault state: the spec plus the counters that make "once" and "k-th call" work. */
export class Faults {
  spec: FaultSpec = parseFaults({});
  private messagesSeen = 0;
  private callsSeen = new Map<string, number>();

  set(spec: FaultSpec): void {
    this.spec = spec;
    this.messagesSeen = 0;
    this.callsSeen.clear();
  }

  /** Count a client message; true when the connection must be dropped now. */
  dropNow(): boolean {
    if (this.spec.dropAfter === null) return false;
    this.messagesSeen++;
    if (this.messagesSeen < this.spec.dropAfter) return false;
    this.spec = { ...this.spec, dropAfter: null };
    return true;
  }

  isMissing(path: string): boolean {
    if (this.spec.missing.includes(path)) return true;
    return this.spec.originalOnly && !ORIGINAL_FUNCTIONS.includes(path);
  }

  isStalled(path: string): boolean {
    return this.spec.stall === "*" || (this.spec.stall !== null && normalizePath(this.spec.stall) === path);
  }

  /** Count a call of `path`; the message to fail it with, if a rule says so. */
  failure(path: string): string | null {
    const n = (this.callsSeen.get(path) ?? 0) + 1;
    this.callsSeen.set(path, n);
    const rule = this.spec.fail.find((r) => r.function === path && (r.call === null || r.call === undefined || r.call === n));
    return rule ? rule.message : null;
  }
}
