/**
 * Routes are declared once, with their zod schemas: the same declaration registers the
 * Hono handler (which validates with those schemas) and the OpenAPI document, so the
 * document cannot drift from what the code accepts.
 */
import type { Context, Hono } from "hono";
import { z } from "zod";
import type { AppEnv } from "../env";
import { readJson, validate } from "./body";

export type { AppEnv };
export type Method = "get" | "post" | "put" | "patch" | "delete";

export interface RouteSpec<B extends z.ZodType | undefined, Q extends z.ZodType | undefined> {
  method: Method;
  /** OpenAPI style: /api/conversations/{id}/messages */
  path: string;
  summary: string;
  tag: string;
  auth?: "visitor" | "admin" | "staff" | "none";
  body?: B;
  query?: Q;
  maxBytes?: number;
  /** Schema of a 2xx JSON answer, or a content type for anything else. */
  response?: z.ZodType | { contentType: string; description: string };
  status?: number;
}

type Infer<T> = T extends z.ZodType ? z.infer<T> : undefined;

export class ApiRoutes {
  readonly specs: RouteSpec<z.ZodType | undefined, z.ZodType | undefined>[] = [];

  constructor(private readonly app: Hono<AppEnv>) {}

  add<B extends z.ZodType | undefined = undefined, Q extends z.ZodType | undefined = undefined>(
    spec: RouteSpec<B, Q>,
    handler: (c: Context<AppEnv>, input: { body: Infer<B>; query: Infer<Q> }) => Response | Promise<Response>,
  ): void {
    this.specs.push(spec);
    const honoPath = spec.path.replace(/\{(\w+)\}/g, ":$1");
    this.app.on(spec.method.toUpperCase(), honoPath, async (c) => {
      const body = (spec.body ? await readJson(c.req.raw, spec.body, spec.maxBytes) : undefined) as Infer<B>;
      const query = (spec.query ? validate(spec.query, Object.fromEntries(new URL(c.req.url).searchParams)) : undefined) as Infer<Q>;
      return handler(c, { body, query });
    });
  }

  document(version: string): Record<string, unknown> {
    const paths: Record<string, Record<string, unknown>> = {};
    const errorSchema = {
      type: "object",
      properties: { error: { type: "object", properties: { code: { type: "string" }, message: { type: "string" } }, required: ["code", "message"] } },
      required: ["error"],
    };
    for (const spec of this.specs) {
      const params = [...spec.path.matchAll(/\{(\w+)\}/g)].map((m) => ({ name: m[1], in: "path", required: true, schema: { type: "string" } }));
      if (spec.query) {
        const schema = toSchema(spec.query) as { properties?: Record<string, unknown>; required?: string[] };
        for (const [name, s] of Object.entries(schema.properties ?? {})) {
          params.push({ name, in: "query", required: (schema.required ?? []).includes(name), schema: s as { type: string } });
        }
      }
      const response = spec.response;
      const ok =
        response === undefined
          ? { description: "OK" }
          : response instanceof z.ZodType
            ? { description: "OK", content: { "application/json": { schema: toSchema(response) } } }
            : { description: response.description, content: { [response.contentType]: {} } };
      paths[spec.path] ??= {};
      (paths[spec.path] as Record<string, unknown>)[spec.method] = {
        summary: spec.summary,
        tags: [spec.tag],
        ...(params.length ? { parameters: params } : {}),
        ...(spec.auth === "visitor" || spec.auth === "admin" ? { security: [{ [spec.auth]: [] }] } : {}),
        ...(spec.auth === "staff" ? { security: [{ staffSession: [] }] } : {}),
        ...(spec.body ? { requestBody: { required: true, content: { "application/json": { schema: toSchema(spec.body) } } } } : {}),
        responses: {
          [String(spec.status ?? 200)]: ok,
          "4XX": { description: "Bad input or credentials", content: { "application/json": { schema: errorSchema } } },
        },
      };
    }
    return {
      openapi: "3.1.0",
      info: { title: "Switchboard API", version, description: "Embeddable AI chat assistant: visitor, admin and staff APIs." },
      components: {
        securitySchemes: {
          visitor: { type: "http", scheme: "bearer", description: "The token returned when a conversation starts." },
          admin: { type: "http", scheme: "bearer", description: "ADMIN_TOKEN or an issued admin token." },
          staffSession: { type: "apiKey", in: "cookie", name: "sb_session" },
        },
      },
      paths,
    };
  }
}

function toSchema(schema: z.ZodType): unknown {
  try {
    return z.toJSONSchema(schema, { io: "input", unrepresentable: "any" });
  } catch {
    return {};
  }
}
