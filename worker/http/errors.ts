import type { ContentfulStatusCode } from "hono/utils/http-status";

/**
 * The one error type handlers throw. The app's error handler turns it into
 * `{ error: { code, message } }` with its status; anything else becomes a 500 that does not
 * leak internals.
 */
export class ApiError extends Error {
  constructor(
    readonly status: ContentfulStatusCode,
    readonly code: string,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

export function errorBody(code: string, message: string) {
  return { error: { code, message } };
}

export function errorResponse(status: number, code: string, message: string, headers: Record<string, string> = {}) {
  return new Response(JSON.stringify(errorBody(code, message)), {
    status,
    headers: { "content-type": "application/json; charset=utf-8", ...headers },
  });
}

export const notFound = (what: string) => new ApiError(404, "not_found", `${what} not found`);
export const unauthorized = (message = "missing or invalid token") => new ApiError(401, "unauthorized", message);
export const forbidden = (message: string) => new ApiError(403, "forbidden", message);
