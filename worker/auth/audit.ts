/**
 * The audit trail: one row per successful admin write — who (the principal's name and
 * kind), what (the operation and the path it touched), when — in D1. Request bodies are
 * never recorded (they hold secrets and passwords). A handler may name the org a write
 * concerns when the path does not (`c.set("auditOrg", …)`, e.g. a token issued for an org).
 */
import type { Context } from "hono";
import type { AppEnv } from "../env";
import { randomId } from "../ids";
import { type AdminPrincipal, PRINCIPAL } from "./admin";

export const AUDIT_ORG = "auditOrg";

export async function recordAdminWrite(c: Context<AppEnv>, action: string, method: string, params: Record<string, unknown>, status: number): Promise<void> {
  const admin = c.get(PRINCIPAL) as AdminPrincipal | undefined;
  if (!admin) return;
  const orgId = (c.get(AUDIT_ORG) as string | undefined) ?? (typeof params.orgId === "string" ? params.orgId : null) ?? admin.orgId;
  try {
    await c.env.DB.prepare("INSERT INTO audit_log (id, org_id, actor, actor_kind, action, method, path, status) VALUES (?, ?, ?, ?, ?, ?, ?, ?)")
      .bind(randomId("aud_", 12), orgId, admin.name, admin.kind, action, method.toUpperCase(), new URL(c.req.url).pathname, status)
      .run();
  } catch (error) {
    // The write happened; a lost audit row must not turn it into an error for the caller.
    console.error("audit log write failed", error);
  }
}
