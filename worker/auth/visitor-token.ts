/**
 * A visitor's token is a capability for one conversation: `v1.<siteKey>.<hmac>`, the HMAC of
 * the conversation id and site key under SESSION_SECRET. Nothing is stored, so checking it
 * costs no I/O, the site it names tells which origins may use it, and rotating the secret
 * revokes every token at once.
 */
import type { Env } from "../env";
import { ApiError, unauthorized } from "../http/errors";
import { hmacBase64url, timingSafeEqual } from "./hmac";

const VERSION = "v1";

export function sessionSecret(env: Env): string {
  const secret = env.SESSION_SECRET;
  if (typeof secret !== "string" || secret.length < 16) {
    throw new ApiError(500, "misconfigured", "SESSION_SECRET is not set (at least 16 characters)");
  }
  return secret;
}

export async function issueVisitorToken(env: Env, conversationId: string, siteKey: string): Promise<string> {
  const sig = await hmacBase64url(sessionSecret(env), `conversation:${conversationId}:${siteKey}`);
  return `${VERSION}.${siteKey}.${sig}`;
}

/** Checks the token against the conversation id; answers the site key it was issued for. */
export async function checkVisitorToken(env: Env, conversationId: string, token: string | null | undefined): Promise<string> {
  if (!token) throw unauthorized("a visitor token is required");
  const [version, siteKey, sig] = token.split(".");
  if (version !== VERSION || !siteKey || !sig || token.split(".").length !== 3) throw unauthorized("malformed token");
  const expected = await issueVisitorToken(env, conversationId, siteKey);
  if (!timingSafeEqual(token, expected)) throw unauthorized("the token does not open this conversation");
  return siteKey;
}

/** The token from `Authorization: Bearer …`, or from `?token=` (WebSockets cannot set headers). */
export function tokenFromRequest(req: Request): string | null {
  const auth = req.headers.get("authorization");
  if (auth?.startsWith("Bearer ")) return auth.slice(7).trim();
  return new URL(req.url).searchParams.get("token");
}
