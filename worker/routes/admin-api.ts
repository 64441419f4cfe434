/**
 * The admin API (bearer token or an owner/admin staff session; see auth/admin.ts for scopes).
 * Resources live in routes/admin/*; this file registers them and the demo seed.
 */
import { z } from "zod";
import { requireAdmin } from "../auth/admin";
import { seedDemo } from "../demo/seed";
import { forbidden } from "../http/errors";
import type { ApiRoutes } from "../http/openapi";
import { agentDraftsAdmin } from "./admin/agent-drafts";
import { agentsAdmin } from "./admin/agents";
import { budgetsAndStaffAdmin } from "./admin/budgets-staff";
import { conversationsAndLeadsAdmin } from "./admin/conversations-leads";
import { inboxAdmin } from "./admin/inbox";
import { invitationsAdmin } from "./admin/invitations";
import { insightsAdmin } from "./admin/insights";
import { insightsEditsAdmin } from "./admin/insights-edits";
import { knowledgeAdmin } from "./admin/knowledge";
import { knowledgeInspectAdmin } from "./admin/knowledge-inspect";
import { orgsAndTokens } from "./admin/orgs-tokens";
import { playgroundAdmin } from "./admin/playground";
import { secretsAdmin } from "./admin/secrets";
import { sitesAdmin } from "./admin/sites";

export function adminApi(api: ApiRoutes): void {
  orgsAndTokens(api);
  sitesAdmin(api);
  agentsAdmin(api);
  knowledgeAdmin(api);
  budgetsAndStaffAdmin(api);
  conversationsAndLeadsAdmin(api);
  secretsAdmin(api);
  inboxAdmin(api);
  // The console's own needs (widget/admin): drafts and the playground, a look into knowledge, invitations.
  agentDraftsAdmin(api);
  playgroundAdmin(api);
  knowledgeInspectAdmin(api);
  invitationsAdmin(api);
  insightsAdmin(api);
  insightsEditsAdmin(api);

  api.add(
    {
      method: "post",
      path: "/api/admin/demo/seed",
      operationId: "seedDemo",
      summary: "Seed the Lumen Notes demo (does nothing when it exists)",
      tag: "admin",
      auth: "admin",
      response: z.object({ seeded: z.boolean(), staff: z.array(z.string()) }),
    },
    async (c, { reply }) => {
      const admin = await requireAdmin(c);
      if (admin.kind !== "platform") throw forbidden("only ADMIN_TOKEN seeds the demo");
      return reply(await seedDemo(c.env));
    },
  );
}
