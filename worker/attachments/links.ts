/**
 * Short-lived links to an attachment's bytes. A participant (the visitor's token, or a staff
 * session of the conversation's org) asks for one; the link is an HMAC under SESSION_SECRET
 * of the conversation, the attachment and an expiry, so an `<img src>` can load it without
 * credentials and it stops working minutes later. Rotating SESSION_SECRET voids them all.
 */
import { hmacBase64url, timingSafeEqual } from "../auth/hmac";
import { sessionSecret } from "../auth/visitor-token";
import type { Env } from "../env";

/** How long a link works. */
export const LINK_TTL_SEC = 10 * 60;

const message = (conversationId: string, attachmentId: string, expires: number) => `attachment:${conversationId}:${attachmentId}:${expires}`;

export async function signedLink(env: Env, origin: string, conversationId: string, attachmentId: string, now = Date.now()): Promise<{ url: string; expiresAt: string }> {
  const expires = Math.floor(now / 1000) + LINK_TTL_SEC;
  const sig = await hmacBase64url(sessionSecret(env), message(conversationId, attachmentId, expires));
  return { url: `${origin}/api/files/${conversationId}/${attachmentId}?exp=${expires}&sig=${sig}`, expiresAt: new Date(expires * 1000).toISOString() };
}

/** Seconds the link has left, or null when it is forged, altered or expired. */
export async function checkLink(env: Env, conversationId: string, attachmentId: string, expires: number, sig: string, now = Date.now()): Promise<number | null> {
  const left = expires - Math.floor(now / 1000);
  if (left <= 0 || left > LINK_TTL_SEC) return null;
  const expected = await hmacBase64url(sessionSecret(env), message(conversationId, attachmentId, expires));
  return timingSafeEqual(sig, expected) ? left : null;
}
