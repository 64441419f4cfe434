/**
 * Accounts made without an admin at the keyboard: accepting an invitation link (a name and
 * a password; the invitation fixes the org and role), and — when the deployment allows it
 * (`OPEN_SIGNUP`) — signing a new org up with its owner's account. Both sign the new account
 * in (the inbox's session cookie), take JSON only, only from our own pages, and are rate
 * limited like sign-in.
 */
import type { Context } from "hono";
import { AcceptInvitationBody, InvitationInfo, InvitationInspectBody, SignedIn, SignupBody, SignupStatus } from "../../shared/admin";
import type { StaffMember } from "../../shared/staff";
import { passwordProblem } from "../auth/password";
import { createSession, sessionCookie } from "../auth/staff-session";
import type { Env } from "../env";
import { ApiError, forbidden } from "../http/errors";
import type { ApiRoutes, AppEnv } from "../http/openapi";
import { clientIp, limitIp } from "../http/rate-limit";
import { randomId } from "../ids";
import { claimInvitation, pendingInvitation } from "../staff/invitations";
import { createStaff } from "../staff/store";
import { checkLoginOrigin } from "./staff-api";

const invalidLink = () => new ApiError(404, "not_found", "this invitation link is not valid: it was used, revoked, or it expired");

/** Sign-up is open when OPEN_SIGNUP says so (`npm start` turns it on; a deployment decides). */
export const signupOpen = (env: Env) => /^(1|true|on|yes)$/i.test(env.OPEN_SIGNUP ?? "");

async function signIn(c: Context<AppEnv>, staff: StaffMember) {
  const session = await createSession(c.env.DB, staff);
  c.header("set-cookie", sessionCookie(c, session.cookieValue, session.maxAge));
  return { staff, csrfToken: session.csrfToken };
}

/** A new org's id from its name: a slug, with a random tail when taken. */
async function newOrgId(db: D1Database, company: string): Promise<string> {
  const base =
    company
      .toLowerCase()
      .normalize("NFKD")
      .replace(/[^a-z0-9]+/g, "-")
      .replace(/^-+|-+$/g, "")
      .slice(0, 40)
      .replace(/-+$/, "") || "org";
  for (let i = 0; i < 5; i++) {
    const id = i === 0 ? base : `${base}-${randomId("", 3).toLowerCase().replace(/[^a-z0-9]/g, "x")}`;
    const res = await db.prepare("INSERT OR IGNORE INTO orgs (id, name) VALUES (?, ?)").bind(id, company).run();
    if (res.meta.changes === 1) return id;
  }
  throw new ApiError(409, "exists", "could not find a free org id; try another company name");
}

export function publicAccounts(api: ApiRoutes): void {
  api.add(
    {
      method: "post",
      path: "/api/invitations/inspect",
      operationId: "inspectInvitation",
      summary: "What an invitation link offers (org, role, email) before it is accepted",
      tag: "public",
      auth: "none",
      body: InvitationInspectBody,
      jsonOnly: true,
      rateLimited: true,
      response: InvitationInfo,
      errors: [404],
    },
    async (c, { body, reply }) => {
      await limitIp(c.env, clientIp(c.req.raw), "loginsPerIp", "invitation checks");
      const row = await pendingInvitation(c.env.DB, body.token);
      if (!row) throw invalidLink();
      const org = await c.env.DB.prepare("SELECT name FROM orgs WHERE id = ?").bind(row.org_id).first<{ name: string }>();
      return reply({ orgName: org?.name ?? row.org_id, role: row.role, email: row.email, expiresAt: row.expires_at });
    },
  );

  api.add(
    {
      method: "post",
      path: "/api/invitations/accept",
      operationId: "acceptInvitation",
      summary: "Accept an invitation: create the staff account (name, password; the email unless the invitation names one) and sign it in. Each link works once.",
      tag: "public",
      auth: "none",
      body: AcceptInvitationBody,
      jsonOnly: true,
      rateLimited: true,
      status: 201,
      response: SignedIn,
      errors: [403, 404, 409],
    },
    async (c, { body, reply }) => {
      checkLoginOrigin(c);
      await limitIp(c.env, clientIp(c.req.raw), "loginsPerIp", "invitation attempts");
      const row = await pendingInvitation(c.env.DB, body.token);
      if (!row) throw invalidLink();
      if (row.email && body.email && body.email.toLowerCase() !== row.email) throw new ApiError(400, "invalid_request", `email: this invitation is for ${row.email}`);
      const email = row.email ?? body.email?.toLowerCase();
      if (!email) throw new ApiError(400, "invalid_request", "email: give the email you will sign in with");
      const weak = passwordProblem(body.password, email);
      if (weak) throw new ApiError(400, "weak_password", `password: ${weak}`);
      const taken = await c.env.DB.prepare("SELECT 1 AS x FROM staff WHERE org_id = ? AND email = ?").bind(row.org_id, email).first();
      if (taken) throw new ApiError(409, "exists", `${email} already has an account in this org: sign in instead`);
      // Of two accepts of one link, one claims it; the other finds it used.
      if (!(await claimInvitation(c.env.DB, row.id))) throw invalidLink();
      let staff: StaffMember;
      try {
        staff = await createStaff(c.env.DB, { orgId: row.org_id, email, name: body.name, password: body.password, role: row.role });
      } catch {
        await c.env.DB.prepare("UPDATE invitations SET accepted_at = NULL WHERE id = ?").bind(row.id).run();
        throw new ApiError(409, "exists", `${email} already has an account in this org: sign in instead`);
      }
      await c.env.DB.prepare("UPDATE invitations SET staff_id = ? WHERE id = ?").bind(staff.id, row.id).run();
      return reply(await signIn(c, staff));
    },
  );

  api.add(
    { method: "get", path: "/api/signup", operationId: "getSignupStatus", summary: "Whether this deployment lets anyone sign a new org up", tag: "public", auth: "none", response: SignupStatus },
    (c, { reply }) => reply({ open: signupOpen(c.env) }),
  );

  api.add(
    {
      method: "post",
      path: "/api/signup",
      operationId: "signup",
      summary: "Sign a new org up with its owner's account, and sign the owner in (only when OPEN_SIGNUP allows it)",
      tag: "public",
      auth: "none",
      body: SignupBody,
      jsonOnly: true,
      rateLimited: true,
      status: 201,
      response: SignedIn,
      errors: [403, 409],
    },
    async (c, { body, reply }) => {
      if (!signupOpen(c.env)) throw forbidden("sign-up is closed on this deployment: ask its operator for an account");
      checkLoginOrigin(c);
      await limitIp(c.env, clientIp(c.req.raw), "loginsPerIp", "sign-up attempts");
      const weak = passwordProblem(body.password, body.email);
      if (weak) throw new ApiError(400, "weak_password", `password: ${weak}`);
      const orgId = await newOrgId(c.env.DB, body.company);
      const staff = await createStaff(c.env.DB, { orgId, email: body.email, name: body.name, password: body.password, role: "owner" });
      return reply(await signIn(c, staff));
    },
  );
}
