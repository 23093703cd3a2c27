/**
 * Convex values in the three JSON shapes the dev server meets:
 * - export JSON (`documents.jsonl` of a snapshot export): Int64 is a bare JSON
 *   integer, Float64 has a decimal point, NaN/±Inf are `{"$float"}`, bytes `{"$bytes"}`;
 * - internal JSON (the sync protocol, HTTP `convex_encoded_json`): the `convex`
 *   package's own `convexToJson` / `jsonToConvex`;
 * - clean JSON (HTTP `format: "json"`): Int64 as a decimal string, bytes as base64.
 */
import { convexToJson, jsonToConvex, type JSONValue, type Value } from "convex/values";

export { convexToJson as toWire, jsonToConvex as fromWire };
export type { JSONValue, Value };

/** Parse one line of export JSON. JSON.parse cannot be used: it loses the
 * difference between `5` (Int64) and `5.0` (Float64) and the precision of
 * large integers, so this is a small recursive-descent parser. */
export function parseExportJson(text: string): Value {
  let pos = 0;
  const fail = (what: string): never => {
    throw new Error(`bad export JSON at offset ${pos}: ${what}`);
  };
  const ws = () => {
    while (pos < text.length && " \t\r\n".includes(text[pos]!)) pos++;
  };
  const value = (): Value => {
    ws();
    const c = text[pos];
    if (c === "{") return object();
    if (c === "[") {
      pos++;
      const out: Value[] = [];
      ws();
      if (text[pos] === "]") {
        pos++;
        return out;
      }
      for (;;) {
        out.push(value());
        ws();
        if (text[pos] === ",") pos++;
        else if (text[pos] === "]") {
          pos++;
          return out;
        } else fail("expected , or ]");
      }
    }
    if (c === '"') return string();
    if (text.startsWith("true", pos)) return (pos += 4), true;
    if (text.startsWith("false", pos)) return (pos += 5), false;
    if (text.startsWith("null", pos)) return (pos += 4), null;
    const m = /^-?\d+(\.\d+)?([eE][+-]?\d+)?/.exec(text.slice(pos, pos + 400));
    if (!m) return fail("unexpected character");
    pos += m[0].length;
    return m[1] === undefined && m[2] === undefined ? BigInt(m[0]) : Number(m[0]);
  };
  const string = (): string => {
    // Find the closing quote (skipping escapes) and let JSON.parse decode it.
    const start = pos++;
    while (pos < text.length && text[pos] !== '"') pos += text[pos] === "\\" ? 2 : 1;
    if (pos >= text.length) fail("unterminated string");
    pos++;
    return JSON.parse(text.slice(start, pos)) as string;
  };
  const object = (): Value => {
    pos++;
    const out: Record<string, Value> = {};
    ws();
    if (text[pos] === "}") {
      pos++;
      return out;
    }
    for (;;) {
      ws();
      if (text[pos] !== '"') fail("expected a key");
      const key = string();
      ws();
      if (text[pos] !== ":") fail("expected :");
      pos++;
      out[key] = value();
      ws();
      if (text[pos] === ",") pos++;
      else if (text[pos] === "}") {
        pos++;
        break;
      } else fail("expected , or }");
    }
    return decodeSpecial(out);
  };
  const result = value();
  ws();
  if (pos !== text.length) fail("trailing characters");
  return result;
}

function decodeSpecial(obj: Record<string, Value>): Value {
  const keys = Object.keys(obj);
  if (keys.length !== 1) return obj;
  const payload = obj[keys[0]!];
  if (typeof payload !== "string") return obj;
  if (keys[0] === "$bytes") return base64ToBuffer(payload);
  if (keys[0] === "$float") {
    const bytes = Buffer.from(payload, "base64");
    if (bytes.length !== 8) throw new Error(`bad $float payload ${payload}`);
    return bytes.readDoubleLE(0);
  }
  if (keys[0] === "$integer") return Buffer.from(payload, "base64").readBigInt64LE(0);
  return obj;
}

function base64ToBuffer(b64: string): ArrayBuffer {
  const buf = Buffer.from(b64, "base64");
  return buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength) as ArrayBuffer;
}

/** Encode a value as clean JSON (the HTTP API's default `format: "json"`). */
export function toCleanJson(value: Value): JSONValue {
  if (typeof value === "bigint") return value.toString();
  if (typeof value === "number") {
    if (Number.isNaN(value)) return "NaN";
    if (!Number.isFinite(value)) return value > 0 ? "Infinity" : "-Infinity";
    return value;
  }
  if (value instanceof ArrayBuffer) return Buffer.from(value).toString("base64");
  if (Array.isArray(value)) return value.map(toCleanJson);
  if (value !== null && typeof value === "object") {
    const out: Record<string, JSONValue> = {};
    for (const [k, v] of Object.entries(value)) if (v !== undefined) out[k] = toCleanJson(v as Value);
    return out;
  }
  return value as JSONValue;
}

/** Apply `f` to every string inside a value (object keys excluded), rebuilding it. */
export function mapStrings(value: Value, f: (s: string) => string): Value {
  if (typeof value === "string") return f(value);
  if (Array.isArray(value)) return value.map((v) => mapStrings(v, f));
  if (value !== null && typeof value === "object" && !(value instanceof ArrayBuffer)) {
    const out: Record<string, Value> = {};
    for (const [k, v] of Object.entries(value)) out[k] = v === undefined ? v : mapStrings(v as Value, f);
    return out;
  }
  return value;
}
