/**
 * Invitations to join an org's staff with a one-time link (the console's People page). The
 * link's secret is shown once, when the invitation is made; accepting it is a public
 * endpoint (routes/public-accounts.ts). Nobody invites a role that holds more than they do.
 */
import { z } from "zod";
import { Invitation, InvitationBody, InvitationCreated } from "../../../shared/admin";
import { ROLE_SCOPES, scopesCovered } from "../../auth/admin";
import { ApiError, forbidden, notFound } from "../../http/errors";
import type { ApiRoutes } from "../../http/openapi";
import { Ids } from "../../http/params";
import { createInvitation, findInvitation, listInvitations, toInvitation } from "../../staff/invitations";
import { ORG, ORG_PARAMS, orgAccess } from "./common";

/** Where a link opens the console's accept page: the secret rides in the fragment, which browsers never send. */
export const invitationUrl = (origin: string, token: string) => `${origin}/admin/invite#${token}`;

export function invitationsAdmin(api: ApiRoutes): void {
  api.add(
    {
      method: "post",
      path: `${ORG}/invitations`,
      operationId: "createInvitation",
      summary: "Invite someone to the org's staff with a role: a one-time link (shown once) that expires",
      tag: "admin",
      auth: "admin",
      params: ORG_PARAMS,
      body: InvitationBody,
      status: 201,
      response: InvitationCreated,
      errors: [409],
    },
    async (c, { body, reply }) => {
      const { orgId, admin } = await orgAccess(c, "staff", "write");
      if (!scopesCovered(admin.scopes, ROLE_SCOPES[body.role])) throw forbidden(`these credentials cannot invite an ${body.role}: it would hold more than they do`);
      if (body.email) {
        const taken = await c.env.DB.prepare("SELECT 1 AS x FROM staff WHERE org_id = ? AND email = ?").bind(orgId, body.email.toLowerCase()).first();
        if (taken) throw new ApiError(409, "exists", `${body.email} already has an account in this org`);
      }
      const { row, token } = await createInvitation(c.env.DB, {
        orgId,
        role: body.role,
        ...(body.email ? { email: body.email } : {}),
        createdBy: admin.name,
        expiresInDays: body.expiresInDays,
      });
      return reply({ invitation: toInvitation(row), token, url: invitationUrl(new URL(c.req.url).origin, token) });
    },
  );

  api.add(
    {
      method: "get",
      path: `${ORG}/invitations`,
      operationId: "listInvitations",
      summary: "The org's invitations, newest first, with their status (pending, accepted, revoked, expired)",
      tag: "admin",
      auth: "admin",
      params: ORG_PARAMS,
      response: z.object({ invitations: z.array(Invitation) }),
    },
    async (c, { reply }) => {
      const { orgId } = await orgAccess(c, "staff", "read");
      const now = new Date().toISOString();
      return reply({ invitations: (await listInvitations(c.env.DB, orgId)).map((r) => toInvitation(r, now)) });
    },
  );

  api.add(
    {
      method: "delete",
      path: `${ORG}/invitations/{id}`,
      operationId: "revokeInvitation",
      summary: "Revoke a pending invitation (its link stops working)",
      tag: "admin",
      auth: "admin",
      params: { ...ORG_PARAMS, id: Ids.invitation },
      response: z.object({ revoked: z.boolean() }),
      errors: [409],
    },
    async (c, { params, reply }) => {
      const { orgId, admin } = await orgAccess(c, "staff", "write");
      const row = await findInvitation(c.env.DB, orgId, params.id);
      if (!row) throw notFound("invitation");
      if (!scopesCovered(admin.scopes, ROLE_SCOPES[row.role])) throw forbidden(`these credentials cannot revoke an invitation for an ${row.role}`);
      if (row.accepted_at) throw new ApiError(409, "accepted", "this invitation was accepted: delete the staff account instead");
      await c.env.DB.prepare("UPDATE invitations SET revoked_at = COALESCE(revoked_at, ?) WHERE id = ?").bind(new Date().toISOString(), row.id).run();
      return reply({ revoked: true });
    },
  );
}
