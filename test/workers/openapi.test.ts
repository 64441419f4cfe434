/**
 * The OpenAPI document, checked inside workerd against the app's own route table: every
 * served route is documented, every operation has a unique operationId and a described
 * success response (a JSON schema from the same zod schema the handler answers through, or
 * a content type), and the statuses it documents are the ones its declaration implies.
 */
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { api, app } from "../../worker/app";
import type { Env } from "../../worker/env";
import { errorStatuses } from "../../worker/http/openapi";

type Operation = {
  operationId?: string;
  parameters?: { name: string; in: string; schema: { pattern?: string; maxLength?: number } }[];
  requestBody?: { content: { "application/json": { schema: { properties?: Record<string, unknown>; required?: string[] } } } };
  responses: Record<string, { content?: Record<string, { schema?: { type?: string; properties?: Record<string, unknown> } }> }>;
};
const doc = api.document("test") as { paths: Record<string, Record<string, Operation>> };
const operations = Object.entries(doc.paths).flatMap(([path, methods]) => Object.entries(methods).map(([method, op]) => ({ path, method, op })));

describe("OpenAPI document", () => {
  it("lists every /api route with its method", () => {
    const served = app.routes
      .filter((r) => r.path.startsWith("/api/") && r.path !== "/api/*" && r.method !== "ALL")
      .map((r) => `${r.method.toLowerCase()} ${r.path.replace(/:(\w+)/g, "{$1}")}`);
    const documented = operations.map((o) => `${o.method} ${o.path}`);
    expect(served.length).toBeGreaterThan(50);
    expect(served.filter((r) => !documented.includes(r))).toEqual([]);
    expect(documented.filter((r) => !served.includes(r))).toEqual([]);
  });

  it("gives every operation a unique camelCase operationId", () => {
    const ids = operations.map((o) => o.op.operationId);
    expect(ids.every((id) => typeof id === "string" && /^[a-z][A-Za-z0-9]+$/.test(id))).toBe(true);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it("describes every success response: a JSON schema, or the content type it answers", () => {
    for (const { path, method, op } of operations) {
      const success = Object.entries(op.responses).filter(([status]) => /^[12]\d\d$/.test(status));
      expect(success, `${method} ${path}`).toHaveLength(1);
      const [, response] = success[0] as [string, Operation["responses"][string]];
      const content = Object.entries(response.content ?? {});
      expect(content.length, `${method} ${path}`).toBe(1);
      const [type, media] = content[0] as [string, { schema?: { type?: string } }];
      if (type === "application/json") expect(media.schema?.type, `${method} ${path}`).toBe("object");
      else expect(["text/event-stream", "text/csv", "application/websocket", "application/octet-stream"], `${method} ${path}`).toContain(type);
    }
  });

  it("documents the statuses each declaration implies, with the error schema", () => {
    for (const spec of api.specs) {
      const op = doc.paths[spec.path]?.[spec.method] as Operation;
      const documented = Object.keys(op.responses).map(Number).sort((a, b) => a - b);
      expect(documented, `${spec.method} ${spec.path}`).toEqual([spec.status ?? 200, ...errorStatuses(spec)].sort((a, b) => a - b));
      for (const status of errorStatuses(spec)) {
        expect(op.responses[String(status)]?.content?.["application/json"]?.schema, `${spec.path} ${status}`).toEqual({ $ref: "#/components/schemas/Error" });
      }
      // Each rule of the declaration shows up as the status it produces.
      if (spec.auth !== "none") expect(documented).toContain(401);
      if (spec.body) expect(documented).toEqual(expect.arrayContaining([400, 413]));
      if (spec.params) expect(documented).toContain(404);
    }
  });

  it("answers 201 for the staff reply and note, as documented", () => {
    expect(Object.keys(doc.paths["/api/staff/conversations/{id}/reply"]?.post?.responses ?? {})).toContain("201");
    expect(Object.keys(doc.paths["/api/staff/conversations/{id}/notes"]?.post?.responses ?? {})).toContain("201");
    expect(Object.keys(doc.paths["/api/staff/conversations/{id}/reply"]?.post?.responses ?? {})).not.toContain("200");
  });

  it("describes path parameters with the shapes the routes check", () => {
    const param = (path: string, method: string, name: string) => doc.paths[path]?.[method]?.parameters?.find((p) => p.in === "path" && p.name === name);
    expect(param("/api/sites/{siteKey}/config", "get", "siteKey")?.schema).toMatchObject({ maxLength: 64, pattern: expect.any(String) });
    expect(param("/api/conversations/{id}/messages", "post", "id")?.schema.pattern).toContain("c_");
    for (const { path, op } of operations) {
      for (const p of op.parameters?.filter((x) => x.in === "path") ?? []) expect(p.schema.pattern ?? p.schema.maxLength, `${path} ${p.name}`).toBeDefined();
    }
  });

  it("describes request bodies and answers from the same zod schemas that validate and shape them", async () => {
    const send = doc.paths["/api/conversations/{id}/messages"]?.post?.requestBody?.content["application/json"].schema;
    expect(Object.keys(send?.properties ?? {}).sort()).toEqual(["clientMessageId", "text"]);
    expect(send?.required?.sort()).toEqual(["clientMessageId", "text"]);
    const health = doc.paths["/api/health"]?.get?.responses["200"]?.content?.["application/json"]?.schema;
    const answer = (await (await app.request("/api/health", {}, env as unknown as Env)).json()) as Record<string, unknown>;
    expect(Object.keys(answer).sort()).toEqual(Object.keys(health?.properties ?? {}).sort());
  });
});
