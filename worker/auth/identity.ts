/**
 * Checks a visitor identity from `Switchboard('identify', …)`. When the site has an identity
 * secret, the signature is required and must match: hex HMAC-SHA256 of
 * `userId + "\n" + (email ?? "")`. Neither field can contain a line feed (the schema refuses
 * control characters, and an email has none), so one message has exactly one reading:
 * `{userId: "victim:victim@corp.example"}` signs something else than
 * `{userId: "victim", email: "victim@corp.example"}`, and a signature for a user id alone
 * does not vouch for an email. The display name is not security-relevant and not signed.
 * Without a secret, the identity is kept but marked unverified, and staff see it as such.
 */
import type { SiteConfig } from "../../shared/config";
import type { Identity } from "../../shared/protocol";
import { forbidden } from "../http/errors";
import { hmacHex, timingSafeEqual } from "./hmac";

export interface CheckedIdentity {
  userId: string;
  name?: string;
  email?: string;
  verified: boolean;
}

export async function checkIdentity(site: SiteConfig, identity: Identity): Promise<CheckedIdentity> {
  const base = {
    userId: identity.userId,
    ...(identity.name ? { name: identity.name } : {}),
    ...(identity.email ? { email: identity.email } : {}),
  };
  if (!site.identitySecret) return { ...base, verified: false };
  if (!identity.signature) throw forbidden("this site requires a signed identity (signature)");
  const expected = await hmacHex(site.identitySecret, identityMessage(identity));
  if (!timingSafeEqual(identity.signature.toLowerCase(), expected)) throw forbidden("the identity signature does not match");
  return { ...base, verified: true };
}

/** What the site's backend signs: the user id, a line feed, and the email (or nothing). */
export const identityMessage = (identity: { userId: string; email?: string }) => `${identity.userId}\n${identity.email ?? ""}`;
