/**
 * Every API route the app serves is in `GET /api/openapi.json`, checked inside workerd
 * against the app's own route table (so a route added without its spec fails here).
 */
import { describe, expect, it } from "vitest";
import { api, app } from "../../worker/app";

describe("OpenAPI document", () => {
  it("lists every /api route with its method", () => {
    const doc = api.document("test") as { paths: Record<string, Record<string, unknown>> };
    const served = app.routes
      .filter((r) => r.path.startsWith("/api/") && r.path !== "/api/*" && r.method !== "ALL")
      .map((r) => `${r.method.toLowerCase()} ${r.path.replace(/:(\w+)/g, "{$1}")}`);
    const documented = Object.entries(doc.paths).flatMap(([path, methods]) => Object.keys(methods).map((m) => `${m} ${path}`));
    expect(served.length).toBeGreaterThan(40);
    expect(served.filter((r) => !documented.includes(r))).toEqual([]);
    expect(documented.filter((r) => !served.includes(r))).toEqual([]);
  });

  it("describes request bodies from the same zod schemas that validate them", () => {
    const doc = api.document("test") as { paths: Record<string, Record<string, { requestBody?: { content: { "application/json": { schema: { properties?: Record<string, unknown>; required?: string[] } } } } }>> };
    const send = doc.paths["/api/conversations/{id}/messages"]?.post?.requestBody?.content["application/json"].schema;
    expect(Object.keys(send?.properties ?? {}).sort()).toEqual(["clientMessageId", "text"]);
    expect(send?.required?.sort()).toEqual(["clientMessageId", "text"]);
  });
});
