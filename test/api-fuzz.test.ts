/**
 * A schema-driven fuzz of every operation in `/api/openapi.json`, from outside: for each, odd
 * and overlong path values, missing and wrong credentials (no token, forged ones, another
 * org's, a visitor token for another conversation), and bodies and queries built from the
 * operation's own schemas then broken one property at a time (wrong types, overlong strings,
 * control characters, extra keys, deep nesting, not JSON, oversized). Every answer must be a
 * status the document lists for that operation — never a 5xx — and every JSON success must
 * match the documented response schema.
 */
import { afterAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { ADMIN_TOKEN, LOCAL_ORIGIN, send, STAFF_PASSWORD, staffLogin, startConversation, startSwitchboard } from "./helpers/switchboard";

type Schema = {
  type?: string | string[];
  properties?: Record<string, Schema>;
  required?: string[];
  items?: Schema;
  enum?: unknown[];
  const?: unknown;
  format?: string;
  pattern?: string;
  minLength?: number;
  maxLength?: number;
  minimum?: number;
  maximum?: number;
  anyOf?: Schema[];
  oneOf?: Schema[];
  default?: unknown;
};
type Operation = {
  operationId: string;
  security?: Record<string, string[]>[];
  parameters?: { name: string; in: "path" | "query"; required: boolean; schema: Schema }[];
  requestBody?: { content: { "application/json"?: { schema: Schema }; "multipart/form-data"?: { schema: Schema } } };
  responses: Record<string, { content?: Record<string, { schema?: Schema }> }>;
};

const sb = await startSwitchboard({ seed: true });
afterAll(async () => {
  await sb.close();
});

// Real things for the "right" values of each kind of id.
await sb.admin("/api/admin/orgs", { method: "POST", body: JSON.stringify({ id: "elsewhere", name: "Elsewhere" }) });
const issued = (await (await sb.admin("/api/admin/tokens", { method: "POST", body: JSON.stringify({ name: "fuzz", orgId: "demo", scopes: ["*"] }) })).json()) as { id: string; token: string };
const otherOrg = (await (await sb.admin("/api/admin/tokens", { method: "POST", body: JSON.stringify({ name: "other", orgId: "elsewhere", scopes: ["*"] }) })).json()) as { token: string };
const conv = await startConversation(sb, "demo");
const otherConv = await startConversation(sb, "demo");
await send(sb, conv, "Is my data encrypted?");
const staff = await staffLogin(sb, "alex@lumen.example", STAFF_PASSWORD);
const doc = (await (await sb.fetch("/api/openapi.json")).json()) as { paths: Record<string, Record<string, Operation>> };

const ODD_IDS = ["a".repeat(600), "x".repeat(5000), "%2e%2e", "%00", "%F0%9F%92%A5%C3%BC", "'%20OR%201=1--", "%3Cscript%3Ealert(1)%3C%2Fscript%3E", "__proto__", "c_%0A", "A", "-"];

/** A value that fits the parameter's shape and names something real where it can. */
function goodParam(name: string, schema: Schema): string {
  const pattern = schema.pattern ?? "";
  if (pattern.includes("c_")) return conv.id;
  if (pattern.includes("tok_")) return issued.id;
  if (pattern.includes("st_")) return "st_nobody";
  if (pattern.includes("rule_")) return "rule_none";
  if (pattern.includes("doc_")) return "doc_none";
  if (name === "name") return "FUZZ_KEY";
  if (name === "collection") return "faq";
  if (name === "id") return "router";
  return "demo";
}

/** A valid-looking instance of a JSON schema (the first branch of a union). */
function sample(schema: Schema, depth = 0): unknown {
  if (depth > 6) return null;
  if (schema.const !== undefined) return schema.const;
  if (schema.enum) return schema.enum[0];
  if (schema.default !== undefined) return schema.default;
  const branch = schema.anyOf ?? schema.oneOf;
  if (branch?.[0]) return sample(branch.find((b) => b.type !== "null") ?? branch[0], depth + 1);
  const type = Array.isArray(schema.type) ? schema.type.find((t) => t !== "null") : schema.type;
  switch (type) {
    case "object":
      return Object.fromEntries((schema.required ?? []).map((k) => [k, sample(schema.properties?.[k] ?? {}, depth + 1)]));
    case "array":
      return [];
    case "string":
      if (schema.format === "email") return "fuzz@example.com";
      if (schema.format === "uri") return "https://example.com/fuzz";
      return "x".repeat(Math.max(schema.minLength ?? 1, 1)).replace(/^x/, "a");
    case "integer":
    case "number":
      return schema.minimum ?? 1;
    case "boolean":
      return true;
    default:
      return "x";
  }
}

/** Bodies: the sample, then each property broken in turn, then whole-body nonsense. */
function bodies(schema: Schema): (string | undefined)[] {
  const base = sample(schema) as Record<string, unknown>;
  const out: (string | undefined)[] = [JSON.stringify(base), undefined, "", "{", "null", "[]", "42", '"str"', "{}", "[".repeat(6000) + "]".repeat(6000), JSON.stringify({ ...base, __proto__: { admin: true }, constructor: { prototype: 1 }, unexpected: true })];
  const props = Object.keys(schema.properties ?? (schema.anyOf ?? schema.oneOf ?? []).flatMap((b) => Object.keys(b.properties ?? {})).reduce((a, k) => ({ ...a, [k]: {} }), {}));
  for (const key of props) {
    for (const wrong of [null, 123, -1, 1e300, true, [], {}, "", "\u0000\u001f\n", "x".repeat(20_000), "ü".repeat(3000), "<script>alert(1)</script>", "../../etc/passwd", "http://127.0.0.1:1/", "' OR 1=1 --"]) {
      out.push(JSON.stringify({ ...base, [key]: wrong }));
    }
  }
  out.push(JSON.stringify({ ...base, pad: "x".repeat(70 * 1024) }));
  return out;
}

/** Queries: each parameter overlong, the wrong type, and nonsense. */
function queries(op: Operation): string[] {
  const params = (op.parameters ?? []).filter((p) => p.in === "query");
  const out = [""];
  for (const p of params) for (const v of ["x".repeat(3000), "-1", "1e309", "NaN", "%00", "true", "[]", "9".repeat(40)]) out.push(`?${p.name}=${encodeURIComponent(v)}`);
  return out;
}

type Creds = { name: string; headers: Record<string, string> };

function credentials(op: Operation, method: string): { good: Creds; bad: Creds[] } {
  const scheme = Object.keys(op.security?.[0] ?? {})[0];
  const write = method !== "get";
  const none: Creds = { name: "none", headers: {} };
  if (scheme === "admin") {
    return {
      good: { name: "admin", headers: { authorization: `Bearer ${ADMIN_TOKEN}` } },
      bad: [
        none,
        { name: "forged", headers: { authorization: "Bearer sbat_forged_token_value" } },
        { name: "huge", headers: { authorization: `Bearer ${"x".repeat(6000)}` } },
        { name: "basic", headers: { authorization: "Basic YWRtaW46YWRtaW4=" } },
        { name: "other org", headers: { authorization: `Bearer ${otherOrg.token}` } },
        { name: "org token", headers: { authorization: `Bearer ${issued.token}` } },
        { name: "staff without csrf", headers: { cookie: staff.cookie, ...(write ? { origin: sb.url } : {}) } },
      ],
    };
  }
  if (scheme === "staffSession") {
    return {
      good: { name: "staff", headers: { cookie: staff.cookie, ...(write ? { "x-csrf-token": staff.csrf, origin: sb.url } : {}) } },
      bad: [
        none,
        { name: "forged cookie", headers: { cookie: "sb_session=forgedforgedforgedforgedforged123" } },
        { name: "odd cookie", headers: { cookie: `sb_session=${"%".repeat(500)}` } },
        { name: "cross-site", headers: { cookie: staff.cookie, "x-csrf-token": staff.csrf, origin: "https://evil.example" } },
      ],
    };
  }
  if (scheme === "visitor") {
    return {
      good: { name: "visitor", headers: { authorization: `Bearer ${conv.token}` } },
      bad: [
        none,
        { name: "other conversation", headers: { authorization: `Bearer ${otherConv.token}` } },
        { name: "forged", headers: { authorization: "Bearer v1.demo.forged" } },
        { name: "evil origin", headers: { authorization: `Bearer ${conv.token}`, origin: "https://evil.example" } },
      ],
    };
  }
  return { good: { name: "none", headers: { origin: LOCAL_ORIGIN } }, bad: [{ name: "evil origin", headers: { origin: "https://evil.example" } }] };
}

function validator(op: Operation, status: number): z.ZodType | null {
  const schema = op.responses[String(status)]?.content?.["application/json"]?.schema;
  if (!schema) return null;
  try {
    return z.fromJSONSchema(schema as Parameters<typeof z.fromJSONSchema>[0]);
  } catch {
    return null;
  }
}

const operations = Object.entries(doc.paths).flatMap(([path, methods]) => Object.entries(methods).map(([method, op]) => ({ path, method, op })));

describe("every operation in the OpenAPI document, fuzzed", () => {
  it("the document lists operations to fuzz", () => {
    expect(operations.length).toBeGreaterThan(50);
  });

  for (const { path, method, op } of operations) {
    it(`${method.toUpperCase()} ${path} (${op.operationId}) answers only documented statuses`, { timeout: 120_000 }, async () => {
      const documented = new Set(Object.keys(op.responses).map(Number));
      const pathParams = (op.parameters ?? []).filter((p) => p.in === "path");
      const fill = (odd?: { name: string; value: string }) =>
        path.replace(/\{(\w+)\}/g, (_, name: string) => (odd?.name === name ? odd.value : encodeURIComponent(goodParam(name, pathParams.find((p) => p.name === name)?.schema ?? {}))));
      const { good, bad } = credentials(op, method);
      // JSON bodies are fuzzed here; a multipart upload gets the plain attempts (no form: 415).
      const schema = op.requestBody?.content["application/json"]?.schema;
      const anomalies: string[] = [];

      const attempt = async (label: string, url: string, creds: Creds, body?: string) => {
        const res = await sb.fetch(url, {
          method: method.toUpperCase(),
          headers: { ...creds.headers, ...(body !== undefined ? { "content-type": "application/json" } : {}) },
          body: method === "get" ? undefined : body,
        });
        const type = res.headers.get("content-type") ?? "";
        const text = type.includes("event-stream") ? (await res.body?.cancel(), "") : await res.text();
        if (res.status >= 500 || !documented.has(res.status)) {
          anomalies.push(`${label} [${creds.name}] ${url.slice(0, 120)} → ${res.status} ${text.slice(0, 200)}`);
        } else if (res.status < 300 && type.includes("application/json")) {
          const check = validator(op, res.status)?.safeParse(JSON.parse(text));
          if (check && !check.success) anomalies.push(`${label} ${url.slice(0, 120)} → ${res.status} does not match its schema: ${check.error.issues[0]?.path.join(".")} ${check.error.issues[0]?.message}`);
        } else if (res.status >= 400) {
          const parsed = JSON.parse(text || "{}") as { error?: { code?: string; message?: string } };
          if (typeof parsed.error?.code !== "string" || typeof parsed.error?.message !== "string") anomalies.push(`${label} ${url.slice(0, 120)} → ${res.status} without an error body: ${text.slice(0, 100)}`);
        }
      };

      const validBody = schema ? JSON.stringify(sample(schema)) : undefined;
      for (const creds of bad) await attempt("credentials", fill(), creds, validBody);
      for (const param of pathParams) for (const value of ODD_IDS) await attempt(`param ${param.name}`, fill({ name: param.name, value }), good, validBody);
      for (const query of queries(op)) await attempt("query", `${fill()}${query}`, good, validBody);
      if (schema) for (const body of bodies(schema)) await attempt("body", fill(), good, body);
      else await attempt("plain", fill(), good);
      expect(anomalies).toEqual([]);
    });
  }
});
