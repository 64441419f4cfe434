/**
 * Routes are declared once, with their zod schemas: the same declaration registers the
 * Hono handler (which validates with those schemas) and the OpenAPI document, so the
 * document cannot drift from what the code accepts or answers.
 *
 * Each request is handled in one order: authenticate (admin and staff routes: 401 before
 * anything else, so an unknown id and a hidden one look the same to a stranger), then the
 * path parameters (404 when one cannot be an id), the content type, the query and the body
 * (400/413), then the handler, whose JSON answer goes through the route's response schema
 * (`reply`). Successful admin writes are written to the audit log.
 */
import type { Context, Hono } from "hono";
import { z } from "zod";
import { authenticateAdmin } from "../auth/admin";
import { recordAdminWrite } from "../auth/audit";
import { requireStaff } from "../auth/staff-session";
import type { AppEnv, Env } from "../env";
import { readJson, validate } from "./body";
import { ApiError } from "./errors";

export type { AppEnv };
export type Method = "get" | "post" | "put" | "patch" | "delete";

type ResponseSpec = z.ZodType | { contentType: string; description: string };

export interface RouteSpec<B extends z.ZodType | undefined, Q extends z.ZodType | undefined, P extends Record<string, z.ZodType>, R extends ResponseSpec> {
  method: Method;
  /** OpenAPI style: /api/conversations/{id}/messages */
  path: string;
  /** Unique, camelCase: the name a generated client gives this call. */
  operationId: string;
  summary: string;
  tag: string;
  auth: "visitor" | "admin" | "staff" | "none";
  /** Every `{param}` of the path, with the shape it must have (http/params.ts). */
  params?: P;
  body?: B;
  /**
   * A multipart/form-data body (a file upload) instead of JSON: anything else is 415, and the
   * handler reads it with `readForm` (http/form.ts). `fields` documents its parts.
   */
  upload?: { fields: z.ZodObject; maxBytes: number };
  query?: Q;
  maxBytes?: number;
  /** The 2xx answer: a zod schema of its JSON, or a content type for anything else. */
  response: R;
  status?: number;
  /** The body must be `application/json` (415 otherwise): for routes a cross-site form must not reach. */
  jsonOnly?: boolean;
  /** The route counts against a rate limit (429). */
  rateLimited?: boolean;
  /** Other error statuses the route can answer (409, 422 …), beyond those the spec implies. */
  errors?: number[];
}

type Infer<T> = T extends z.ZodType ? z.infer<T> : undefined;
type Params<P> = { [K in keyof P]: P[K] extends z.ZodType ? z.infer<P[K]> : string };
type Reply<R> = R extends z.ZodType ? (data: z.input<R>, headers?: Record<string, string>) => Response : never;

export interface RouteInput<B, Q, P, R> {
  body: Infer<B>;
  query: Infer<Q>;
  params: Params<P>;
  /** Answers the route's success status with `data` shaped by its response schema. */
  reply: Reply<R>;
}

type AnySpec = RouteSpec<z.ZodType | undefined, z.ZodType | undefined, Record<string, z.ZodType>, ResponseSpec>;

export class ApiRoutes {
  readonly specs: AnySpec[] = [];

  constructor(private readonly app: Hono<AppEnv>) {}

  add<
    B extends z.ZodType | undefined = undefined,
    Q extends z.ZodType | undefined = undefined,
    P extends Record<string, z.ZodType> = Record<never, z.ZodType>,
    R extends ResponseSpec = ResponseSpec,
  >(spec: RouteSpec<B, Q, P, R>, handler: (c: Context<AppEnv>, input: RouteInput<B, Q, P, R>) => Response | Promise<Response>): void {
    const names = [...spec.path.matchAll(/\{(\w+)\}/g)].map((m) => m[1] as string);
    const missing = names.filter((n) => !spec.params?.[n]);
    if (missing.length) throw new Error(`${spec.method} ${spec.path}: declare the shape of ${missing.join(", ")} in params`);
    if (this.specs.some((s) => s.operationId === spec.operationId)) throw new Error(`operationId ${spec.operationId} is used twice`);
    this.specs.push(spec as unknown as AnySpec);
    const honoPath = spec.path.replace(/\{(\w+)\}/g, ":$1");
    const status = spec.status ?? 200;

    this.app.on(spec.method.toUpperCase(), honoPath, (c) => this.handle(c, spec, names, status, handler));
  }

  private async handle<B extends z.ZodType | undefined, Q extends z.ZodType | undefined, P extends Record<string, z.ZodType>, R extends ResponseSpec>(
    c: Context<AppEnv>,
    spec: RouteSpec<B, Q, P, R>,
    names: string[],
    status: number,
    handler: (c: Context<AppEnv>, input: RouteInput<B, Q, P, R>) => Response | Promise<Response>,
  ): Promise<Response> {
    if (spec.auth === "admin") await authenticateAdmin(c);
    if (spec.auth === "staff") await requireStaff(c, { mutating: spec.method !== "get" });
    const params: Record<string, unknown> = {};
    for (const name of names) {
      const parsed = (spec.params?.[name] as z.ZodType).safeParse(c.req.param(name) ?? "");
      if (!parsed.success) throw new ApiError(404, "not_found", `no such ${name}`);
      params[name] = parsed.data;
    }
    if (spec.jsonOnly && !/^application\/json\s*(;|$)/i.test(c.req.header("content-type") ?? "")) {
      throw new ApiError(415, "unsupported_media_type", "send the body as application/json");
    }
    if (spec.upload && !/^multipart\/form-data\s*;/i.test(c.req.header("content-type") ?? "")) {
      throw new ApiError(415, "unsupported_media_type", "send the file as multipart/form-data");
    }
    const query = (spec.query ? validate(spec.query, Object.fromEntries(new URL(c.req.url).searchParams)) : undefined) as Infer<Q>;
    const body = (spec.body ? await readJson(c.req.raw, spec.body, spec.maxBytes) : undefined) as Infer<B>;
    const reply = ((data: unknown, headers?: Record<string, string>) => {
      if (!(spec.response instanceof z.ZodType)) throw new Error(`${spec.operationId} does not answer JSON`);
      const shaped = spec.response.safeParse(data);
      if (!shaped.success) {
        console.error(`${spec.operationId}: the answer does not match its schema`, shaped.error.issues.slice(0, 3));
        throw new ApiError(500, "internal", "something went wrong on our side");
      }
      return c.json(shaped.data as object, status as 200, headers);
    }) as unknown as Reply<R>;
    const response = await handler(c, { body, query, params: params as Params<P>, reply });
    if (spec.auth === "admin" && spec.method !== "get" && response.status < 300) {
      await recordAdminWrite(c, spec.operationId, spec.method, params, response.status);
    }
    return response;
  }

  document(version: string): Record<string, unknown> {
    const paths: Record<string, Record<string, unknown>> = {};
    for (const spec of this.specs) {
      const parameters: { name: string; in: string; required: boolean; schema: unknown }[] = Object.entries(spec.params ?? {}).map(([name, schema]) => ({
        name,
        in: "path",
        required: true,
        schema: toSchema(schema),
      }));
      if (spec.query) {
        const schema = toSchema(spec.query) as { properties?: Record<string, unknown>; required?: string[] };
        for (const [name, s] of Object.entries(schema.properties ?? {})) {
          parameters.push({ name, in: "query", required: (schema.required ?? []).includes(name), schema: s });
        }
      }
      const response = spec.response;
      const ok =
        response instanceof z.ZodType
          ? { description: "OK", content: { "application/json": { schema: toSchema(response, "output") } } }
          : { description: response.description, content: { [response.contentType]: {} } };
      const errors = Object.fromEntries(
        errorStatuses(spec).map((s) => [String(s), { description: ERROR_DESCRIPTIONS[s] ?? "Error", content: { "application/json": { schema: { $ref: "#/components/schemas/Error" } } } }]),
      );
      paths[spec.path] ??= {};
      (paths[spec.path] as Record<string, unknown>)[spec.method] = {
        operationId: spec.operationId,
        summary: spec.summary,
        tags: [spec.tag],
        ...(parameters.length ? { parameters } : {}),
        ...(spec.auth === "visitor" ? { security: [{ visitor: [] }] } : {}),
        ...(spec.auth === "admin" ? { security: [{ admin: [] }, { staffSession: [] }] } : {}),
        ...(spec.auth === "staff" ? { security: [{ staffSession: [] }] } : {}),
        ...(spec.body ? { requestBody: { required: true, content: { "application/json": { schema: toSchema(spec.body) } } } } : {}),
        ...(spec.upload ? { requestBody: { required: true, content: { "multipart/form-data": { schema: toSchema(spec.upload.fields) } } } } : {}),
        responses: { [String(spec.status ?? 200)]: ok, ...errors },
      };
    }
    return {
      openapi: "3.1.0",
      info: { title: "Switchboard API", version, description: "Embeddable AI chat assistant: visitor, admin and staff APIs." },
      components: {
        securitySchemes: {
          visitor: { type: "http", scheme: "bearer", description: "The token returned when a conversation starts." },
          admin: { type: "http", scheme: "bearer", description: "ADMIN_TOKEN or an issued admin token." },
          staffSession: {
            type: "apiKey",
            in: "cookie",
            name: "sb_session",
            description: "A staff session; writes also need its CSRF token in x-csrf-token and our own Origin. On the admin API: owner and admin roles only.",
          },
        },
        schemas: {
          Error: {
            type: "object",
            properties: { error: { type: "object", properties: { code: { type: "string" }, message: { type: "string" } }, required: ["code", "message"] } },
            required: ["error"],
          },
        },
      },
      paths,
    };
  }
}

const ERROR_DESCRIPTIONS: Record<number, string> = {
  400: "Bad input",
  401: "Missing or invalid credentials",
  403: "Not allowed for these credentials, this origin, or without the CSRF token",
  404: "No such thing (or not one these credentials may see)",
  409: "Conflicts with the current state",
  413: "Too large",
  415: "Wrong content type",
  422: "Understood but cannot be done (an upstream page could not be fetched, a document has no text)",
  426: "WebSocket upgrade required",
  429: "Rate limited (see Retry-After)",
};

/** The error statuses a route can answer: those its spec implies, and the ones it declares. */
export function errorStatuses(spec: Pick<AnySpec, "auth" | "params" | "body" | "upload" | "query" | "jsonOnly" | "rateLimited" | "errors">): number[] {
  const statuses = new Set<number>(spec.errors ?? []);
  if (spec.upload) [400, 413, 415].forEach((s) => statuses.add(s));
  if (spec.body || spec.query || spec.params) statuses.add(400);
  if (spec.params && Object.keys(spec.params).length) statuses.add(404);
  if (spec.body) statuses.add(413);
  if (spec.jsonOnly) statuses.add(415);
  if (spec.auth !== "none") statuses.add(401);
  if (spec.auth === "admin" || spec.auth === "staff") statuses.add(403);
  if (spec.rateLimited) statuses.add(429);
  return [...statuses].sort((a, b) => a - b);
}

function toSchema(schema: z.ZodType, io: "input" | "output" = "input"): unknown {
  try {
    return z.toJSONSchema(schema, { io, unrepresentable: "any" });
  } catch {
    return {};
  }
}
