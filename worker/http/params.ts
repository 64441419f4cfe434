/**
 * The shapes of the keys and ids that appear in API paths. Every path parameter is declared
 * with one of these, and checked before anything is looked up (a KV key is at most 512
 * bytes; a D1 or Durable Object name has no business being 10 KB of anything): a value that
 * cannot be an id answers 404, never a 500 from storage.
 */
import { z } from "zod";
import { Slug } from "../../shared/config";

/** `c_` + 22 url-safe characters: what randomId("c_") makes. */
export const CONVERSATION_ID = /^c_[A-Za-z0-9_-]{22}$/;

/** An id made by randomId(prefix, …): the prefix, then url-safe characters. */
const prefixed = (prefix: string) =>
  z
    .string()
    .max(80)
    .regex(new RegExp(`^${prefix}[A-Za-z0-9_-]{1,64}$`), `an id that starts with ${prefix}`);

export const Ids = {
  org: Slug,
  siteKey: Slug,
  agent: Slug,
  collection: Slug,
  document: prefixed("doc_"),
  ingestJob: prefixed("job_"),
  source: prefixed("src_"),
  budgetRule: prefixed("rule_"),
  staff: prefixed("st_"),
  token: prefixed("tok_"),
  attachment: prefixed("att_"),
  invitation: prefixed("inv_"),
  conversation: z.string().regex(CONVERSATION_ID, "a conversation id (c_ and 22 characters)"),
  secretName: z
    .string()
    .max(64)
    .regex(/^[A-Z][A-Z0-9_]*$/, "A-Z, 0-9 and _, starting with a letter"),
};

/**
 * A Host header we will look anything up by: a DNS name or an IP literal, with an optional
 * port, at most 253 characters (what DNS allows) — so a custom-domain KV key stays small.
 */
export function validHost(host: string): boolean {
  return host.length <= 260 && /^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]{1,253})(:\d{1,5})?$/.test(host);
}
