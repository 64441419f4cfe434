/**
 * What every response of the API carries, and what every request must have before anything
 * is looked up by it:
 * - a Host header that is a host name (a custom-domain lookup is a KV key: at most 512 bytes),
 *   else 400 — before any route runs;
 * - `x-content-type-options: nosniff` and a CSP that runs nothing on every /api/ answer, so no
 *   JSON or text we return is ever sniffed into a page;
 * - `cache-control: no-store` on admin and staff answers (tokens, CSRF tokens, transcripts);
 * - `referrer-policy: no-referrer`.
 */
import type { MiddlewareHandler } from "hono";
import { errorResponse } from "./errors";
import type { AppEnv } from "./openapi";
import { validHost } from "./params";

const API_CSP = "default-src 'none'; frame-ancestors 'none'";

export const securityHeaders: MiddlewareHandler<AppEnv> = async (c, next) => {
  const host = c.req.header("host");
  if (host !== undefined && !validHost(host)) return errorResponse(400, "bad_host", "the Host header is not a host name");
  await next();
  const path = new URL(c.req.url).pathname;
  if (!path.startsWith("/api/") || c.res.status === 101) return;
  c.res = new Response(c.res.body, c.res);
  const headers = c.res.headers;
  headers.set("x-content-type-options", "nosniff");
  headers.set("referrer-policy", "no-referrer");
  if (!headers.has("content-security-policy")) headers.set("content-security-policy", API_CSP);
  if (path.startsWith("/api/admin/") || path.startsWith("/api/staff/")) headers.set("cache-control", "no-store");
};
