/**
 * Checks a visitor identity from `Switchboard('identify', …)`. When the site has an identity
 * secret, the signature (hex HMAC-SHA256 of userId, made by the site's backend) is required
 * and must match: otherwise anyone could claim any user's conversations. Without a secret,
 * the identity is kept but marked unverified, and staff see it as such.
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
  const expected = await hmacHex(site.identitySecret, identity.userId);
  if (!timingSafeEqual(identity.signature.toLowerCase(), expected)) throw forbidden("the identity signature does not match");
  return { ...base, verified: true };
}
