/**
 * How the inbox names a visitor: their name or email when the site said who they are
 * (verified when it signed it), otherwise "Visitor #a3f9", a short tag of the browser's id,
 * so two anonymous visitors are told apart at a glance.
 */
import type { ConversationSummary } from "../../shared/staff";

export type IdentityKind = "verified" | "unverified" | "anonymous";

type Who = Pick<ConversationSummary, "id" | "visitorName" | "visitorEmail" | "visitorId" | "userId" | "identityVerified">;

export function identityKind(c: Who): IdentityKind {
  if (c.identityVerified) return "verified";
  return c.userId || c.visitorName || c.visitorEmail ? "unverified" : "anonymous";
}

/** Four hex digits of the visitor's browser id (else the conversation's). */
export function visitorTag(c: Who): string {
  const source = c.visitorId ?? c.id;
  let h = 0x811c9dc5;
  for (let i = 0; i < source.length; i++) h = Math.imul(h ^ source.charCodeAt(i), 0x01000193);
  return (h >>> 0).toString(16).padStart(8, "0").slice(0, 4);
}

export function visitorLabel(c: Who): string {
  return c.visitorName ?? c.visitorEmail ?? `Visitor #${visitorTag(c)}`;
}

export const IDENTITY_TEXT: Record<IdentityKind, string> = {
  verified: "verified",
  unverified: "unverified",
  anonymous: "anonymous",
};

export const IDENTITY_HELP: Record<IdentityKind, string> = {
  verified: "The site signed who this visitor is.",
  unverified: "The page said who this is, but the site did not sign it: do not rely on it for anything about their account.",
  anonymous: "The site did not say who this visitor is.",
};
