/**
 * The worker's HTTP surface: the public and admin APIs (with their OpenAPI document),
 * pages, and static files. CORS and errors are handled once here.
 */
import { Hono } from "hono";
import { z } from "zod";
import { discardBody } from "./http/body";
import { ApiError, errorBody } from "./http/errors";
import { ApiRoutes, type AppEnv } from "./http/openapi";
import { corsHeaders, PREFLIGHT_HEADERS } from "./http/origins";
import { securityHeaders } from "./http/security-headers";
import { demoBillingApi } from "./demo/billing-api";
import { adminApi } from "./routes/admin-api";
import { attachmentsApi } from "./routes/attachments-api";
import { csatApi } from "./routes/csat";
import { pages, serveAsset } from "./routes/pages";
import { publicAccounts } from "./routes/public-accounts";
import { publicApi } from "./routes/public-api";
import { staffApi } from "./routes/staff-api";

export const app = new Hono<AppEnv>();
export const api = new ApiRoutes(app);

app.use("*", securityHeaders);

// CORS: a visitor route that accepted the request's Origin sets `corsOrigin`; the headers
// are added here, on success and on error alike, so browsers can read either.
app.use("/api/*", async (c, next) => {
  if (c.req.method === "OPTIONS") {
    // Only the visitor API is called cross-origin; admin and staff routes get no CORS at all.
    const origin = c.req.header("origin");
    const visitorRoute = /^\/api\/(sites|conversations)\//.test(new URL(c.req.url).pathname);
    return new Response(null, { status: 204, headers: origin && visitorRoute ? { ...corsHeaders(origin), ...PREFLIGHT_HEADERS } : {} });
  }
  await next();
  const origin = c.get("corsOrigin") as string | undefined;
  if (origin && c.res.status !== 101) {
    c.res = new Response(c.res.body, c.res);
    for (const [k, v] of Object.entries(corsHeaders(origin))) c.res.headers.set(k, v);
  }
});

publicApi(api);
attachmentsApi(api);
publicAccounts(api);
csatApi(api);
staffApi(api);
adminApi(api);
demoBillingApi(api);

api.add(
  { method: "get", path: "/api/openapi.json", operationId: "getOpenApiDocument", summary: "This document: every API route", tag: "public", auth: "none", response: z.record(z.string(), z.unknown()) },
  (c, { reply }) => reply(api.document(c.env.APP_VERSION ?? "dev")),
);

pages(app);

app.all("/api/*", () => {
  throw new ApiError(404, "not_found", "no such API route");
});
app.get("*", serveAsset);

app.onError(async (error, c) => {
  // A request refused before its body was read: drop the body, so the client's connection
  // stays usable for its next request.
  await discardBody(c.req.raw);
  const origin = c.get("corsOrigin") as string | undefined;
  const cors = origin ? corsHeaders(origin) : {};
  if (error instanceof ApiError) {
    return c.json(errorBody(error.code, error.message), error.status, { ...cors, ...error.headers });
  }
  console.error("unhandled error", error);
  return c.json(errorBody("internal", "something went wrong on our side"), 500, cors);
});
