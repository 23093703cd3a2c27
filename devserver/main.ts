/**
 * Local Convex server: this repo's `convex/` functions in convex-test, seeded
 * from a snapshot export, served over Convex's sync protocol and HTTP API.
 *
 *   npx tsx devserver/main.ts --seed export.zip [--port N] [fault flags]
 *
 * First stdout line: `READY http://127.0.0.1:PORT`. Stops on SIGTERM/SIGINT.
 * Fault flags: --latency-ms MS, --stall FN|*, --drop-after N,
 * --fail FN[@K]=MESSAGE (repeatable), --missing FN (repeatable),
 * --original-only, --faults JSON (the `POST /_dev/faults` body), --lifeline (exit when stdin
 * closes: the Python launcher holds the other end).
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { fileURLToPath } from "node:url";
import { dirname, join } from "node:path";
import { parseArgs } from "node:util";
import { WebSocketServer } from "ws";
import { Backend } from "./backend.ts";
import { parseFaults, type FailRule } from "./control.ts";
import { serveSync } from "./protocol.ts";
import { readExportZip } from "./seed.ts";
import { fromWire, toCleanJson, toWire, type JSONValue } from "./values.ts";

const log = (line: string) => process.stderr.write(`dev-server: ${line}\n`);

function faultsFromFlags(v: Record<string, string | string[] | boolean | undefined>): unknown {
  const base = (v.faults ? JSON.parse(v.faults as string) : {}) as Record<string, unknown>;
  if (v["latency-ms"] !== undefined) base.latencyMs = Number(v["latency-ms"]);
  if (v.stall !== undefined) base.stall = v.stall;
  if (v["drop-after"] !== undefined) base.dropAfter = Number(v["drop-after"]);
  if (v["original-only"]) base.originalOnly = true;
  if (v.missing) base.missing = [...((base.missing as string[]) ?? []), ...(v.missing as string[])];
  for (const f of (v.fail as string[] | undefined) ?? []) {
    const m = /^([^=@]+)(?:@(\d+))?=(.*)$/s.exec(f);
    if (!m) throw new Error(`--fail wants FN[@K]=MESSAGE, got ${f}`);
    const rule: FailRule = { function: m[1]!, message: m[3]!, call: m[2] ? Number(m[2]) : null };
    base.fail = [...((base.fail as FailRule[]) ?? []), rule];
  }
  return base;
}

async function readBody(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  const text = Buffer.concat(chunks).toString("utf8");
  return text.trim() === "" ? {} : JSON.parse(text);
}

function reply(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(body));
}

async function route(backend: Backend, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = new URL(req.url ?? "/", "http://127.0.0.1");
  const p = url.pathname;
  if (p === "/_dev/stats" && req.method === "GET") return reply(res, 200, backend.stats);
  if (p === "/_dev/stats/reset" && req.method === "POST") {
    backend.stats.reset();
    return reply(res, 200, backend.stats);
  }
  if (p === "/_dev/faults" && req.method === "GET") return reply(res, 200, backend.faults.spec);
  if (p === "/_dev/faults" && req.method === "POST") {
    try {
      backend.faults.set(parseFaults(await readBody(req)));
    } catch (e) {
      return reply(res, 400, { code: "BadFaults", message: (e as Error).message });
    }
    return reply(res, 200, backend.faults.spec);
  }
  if (p === "/api/query" && req.method === "POST") {
    backend.stats.httpRequests++;
    let body: { path?: unknown; args?: unknown; format?: unknown };
    try {
      body = (await readBody(req)) as typeof body;
    } catch {
      return reply(res, 400, { code: "BadJsonBody", message: "request body is not JSON" });
    }
    const format = body.format ?? "json";
    const encoded = format === "convex_encoded_json" || format === "convex_json";
    if (!encoded && format !== "json" && format !== "convex_clean_json") {
      return reply(res, 400, { code: "BadFormat", message: `unknown format ${String(format)}` });
    }
    if (typeof body.path !== "string") return reply(res, 400, { code: "BadJsonBody", message: "missing path" });
    const rawArgs = Array.isArray(body.args) ? (body.args[0] ?? {}) : (body.args ?? {});
    const r = await backend.call(body.path, fromWire(rawArgs as JSONValue));
    if ("stalled" in r) return; // never answered
    const enc = encoded ? toWire : toCleanJson;
    if (r.ok) return reply(res, 200, { status: "success", value: enc(r.value), logLines: [] });
    return reply(res, 200, {
      status: "error",
      errorMessage: r.message,
      ...(r.data !== undefined ? { errorData: enc(r.data) } : {}),
    });
  }
  reply(res, 404, { code: "NotFound", message: `no route ${req.method} ${p}` });
}

async function main(): Promise<number> {
  const { values: v } = parseArgs({
    options: {
      seed: { type: "string" },
      port: { type: "string", default: "0" },
      convex: { type: "string" },
      faults: { type: "string" },
      "latency-ms": { type: "string" },
      stall: { type: "string" },
      "drop-after": { type: "string" },
      fail: { type: "string", multiple: true },
      missing: { type: "string", multiple: true },
      "original-only": { type: "boolean" },
      lifeline: { type: "boolean" },
    },
  });
  if (!v.seed) {
    log("error: --seed ZIP is required");
    return 2;
  }
  const faults = parseFaults(faultsFromFlags(v));
  const convexDir = v.convex ?? join(dirname(fileURLToPath(import.meta.url)), "..", "convex");
  const data = readExportZip(v.seed);
  for (const name of data.skipped) log(`skipped ${name} (not a user table)`);
  const backend = await Backend.create(convexDir, data, log);
  backend.faults.set(faults);

  const server = createServer((req, res) => {
    route(backend, req, res).catch((e: unknown) => reply(res, 500, { code: "Internal", message: String(e) }));
  });
  const wss = new WebSocketServer({ noServer: true });
  server.on("upgrade", (req, socket, head) => {
    const p = new URL(req.url ?? "/", "http://127.0.0.1").pathname;
    if (!/^\/api\/(?:[^/]+\/)?sync$/.test(p)) {
      socket.destroy();
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => serveSync(ws, backend));
  });
  await new Promise<void>((ok, fail) => {
    server.once("error", fail);
    server.listen(Number(v.port), "127.0.0.1", ok);
  });
  const addr = server.address();
  const port = typeof addr === "object" && addr ? addr.port : 0;
  const counts = [...data.tables].map(([t, d]) => `${t}=${d.length}`).join(" ");
  process.stdout.write(`READY http://127.0.0.1:${port}\n`);
  log(`seeded ${counts || "nothing"}`);

  await new Promise<void>((done) => {
    const stop = () => {
      for (const c of wss.clients) c.terminate();
      wss.close();
      server.close(() => done());
      server.closeAllConnections();
    };
    process.once("SIGTERM", stop);
    process.once("SIGINT", stop);
    if (v.lifeline) {
      // Started by the Python launcher with a pipe on stdin: when the launcher dies, even by
      // SIGKILL, the pipe closes and the server goes too instead of lingering.
      process.stdin.once("end", stop);
      process.stdin.resume();
    }
  });
  return 0;
}

main().then(
  (code) => process.exit(code),
  (e: unknown) => {
    log(`error: ${e instanceof Error ? e.message : String(e)}`);
    process.exit(1);
  },
);
