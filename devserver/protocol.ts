/**
 * Convex's WebSocket sync protocol (the subset `convex.ConvexClient` uses):
 * Connect, ModifyQuerySet (Add/Remove), Authenticate; answered with Transitions
 * whose versions chain exactly; Pings keep the client from reconnecting.
 * See shared/notes/convex-protocol.md §2.
 */
import type { WebSocket } from "ws";
import type { Backend } from "./backend.ts";
import { fromWire, toWire, type JSONValue } from "./values.ts";

const PING_INTERVAL_MS = 10_000; // the client reconnects after 30 s of silence

interface Version {
  querySet: number;
  identity: number;
  ts: bigint;
}

/** Base64 of the 8-byte little-endian u64 (`EncodedU64`). */
export function encodeU64(n: bigint): string {
  const b = Buffer.alloc(8);
  b.writeBigUInt64LE(n);
  return b.toString("base64");
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/**
 * Wait until `due` (a `performance.now()` time); at once when it has passed.
 * Latency is modelled as a delay per message that does not add up across messages: each one
 * is stamped with its due time when it arrives or is produced, and the chains below only wait
 * for that time, so a message queued behind another does not pay the other's delay again
 * (like a network pipe: order kept, delays overlapped).
 */
const waitUntil = (due: number): Promise<void> => {
  const ms = due - performance.now();
  return ms > 0 ? sleep(ms) : Promise.resolve();
};

/** Serve one WebSocket connection until it closes. */
export function serveSync(ws: WebSocket, backend: Backend): void {
  const { stats, faults } = backend;
  stats.connections++;
  let version: Version = { querySet: 0, identity: 0, ts: 0n };
  let inbox = Promise.resolve(); // client messages, each handled in order at arrival + latency
  let outbox = Promise.resolve(); // server messages, each sent in order at production + latency

  const send = (msg: object) => {
    const text = JSON.stringify(msg);
    const due = performance.now() + faults.spec.latencyMs;
    outbox = outbox.then(async () => {
      await waitUntil(due);
      if (ws.readyState !== ws.OPEN) return;
      stats.messagesOut++;
      ws.send(text);
    });
  };
  const transition = (end: Version, modifications: object[]) => {
    const enc = (v: Version) => ({ querySet: v.querySet, identity: v.identity, ts: encodeU64(v.ts) });
    send({ type: "Transition", startVersion: enc(version), endVersion: enc(end), modifications });
    version = end;
  };
  const nextTs = () => {
    const now = BigInt(Date.now()) * 1_000_000n;
    return now > version.ts ? now : version.ts + 1n;
  };

  const handle = async (msg: Record<string, unknown>) => {
    switch (msg.type) {
      case "Connect":
        version = { querySet: 0, identity: 0, ts: 0n };
        return;
      case "Authenticate":
        // Accepted whatever the token; counted, never logged.
        stats.authentications++;
        transition({ ...version, identity: Number(msg.baseVersion) + 1 }, []);
        return;
      case "ModifyQuerySet": {
        const mods: object[] = [];
        for (const m of (msg.modifications ?? []) as Record<string, unknown>[]) {
          if (m.type === "Remove") {
            mods.push({ type: "QueryRemoved", queryId: m.queryId });
            continue;
          }
          const args = (m.args as JSONValue[] | undefined)?.[0] ?? {};
          const r = await backend.call(String(m.udfPath), fromWire(args));
          // A stalled query is simply never mentioned: the client keeps waiting.
          if ("stalled" in r) continue;
          mods.push(
            r.ok
              ? { type: "QueryUpdated", queryId: m.queryId, value: toWire(r.value), logLines: [], journal: null }
              : {
                  type: "QueryFailed",
                  queryId: m.queryId,
                  errorMessage: r.message,
                  logLines: [],
                  journal: null,
                  ...(r.data !== undefined ? { errorData: toWire(r.data) } : {}),
                },
          );
        }
        transition({ ...version, querySet: Number(msg.newVersion), ts: nextTs() }, mods);
        return;
      }
      case "Mutation":
      case "Action":
        send({
          type: msg.type === "Mutation" ? "MutationResponse" : "ActionResponse",
          requestId: msg.requestId,
          success: false,
          result: "The dev server only runs queries",
          ...(msg.type === "Mutation" ? { ts: null } : {}),
          logLines: [],
        });
        return;
      default:
        return; // Event and anything newer: ignored, as the real server ignores telemetry
    }
  };

  ws.on("message", (data) => {
    stats.messagesIn++;
    if (faults.dropNow()) {
      ws.terminate();
      return;
    }
    let msg: Record<string, unknown>;
    try {
      msg = JSON.parse(String(data)) as Record<string, unknown>;
    } catch {
      ws.close(1002, "bad JSON");
      return;
    }
    const due = performance.now() + faults.spec.latencyMs;
    inbox = inbox.then(async () => {
      await waitUntil(due);
      if (ws.readyState === ws.OPEN) await handle(msg);
    });
  });
  const ping = setInterval(() => send({ type: "Ping" }), PING_INTERVAL_MS);
  ws.on("close", () => clearInterval(ping));
  ws.on("error", () => ws.terminate());
}
