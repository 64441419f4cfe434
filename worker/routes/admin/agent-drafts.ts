/**
 * Agent drafts: an edit of an agent that visitors do not see until it is published. Drafts
 * are what the console's playground runs (routes/admin/playground.ts); publishing writes the
 * draft as the agent's next version (checked against the published graph) and drops it.
 * A draft is validated like a version — schema, URLs, and the org's graph as the drafts see
 * it — so what the playground runs could be published.
 */
import { z } from "zod";
import { AgentDraft, AgentDraftBody, AgentOut } from "../../../shared/admin";
import type { AgentConfig, AgentConfigInput } from "../../../shared/config";
import { deleteAgentDraft, getAgentDraft, getStoredAgent, listAgentDrafts, listAgents, putAgent, putAgentDraft } from "../../config/store";
import type { Env } from "../../env";
import { ApiError, notFound } from "../../http/errors";
import type { ApiRoutes } from "../../http/openapi";
import { AGENT_PARAMS, out, validated } from "./agents";
import { ORG, ORG_PARAMS, orgAccess } from "./common";

/** Every agent of the org as the playground sees it: its draft where it has one. */
async function draftGraph(env: Env, orgId: string): Promise<AgentConfig[]> {
  const [published, drafts] = await Promise.all([listAgents(env, orgId), listAgentDrafts(env, orgId)]);
  const byId = new Map(published.map((s) => [s.config.id, s.config]));
  for (const d of drafts) if (byId.has(d.config.id)) byId.set(d.config.id, d.config);
  return [...byId.values()];
}

export function agentDraftsAdmin(api: ApiRoutes): void {
  api.add(
    {
      method: "get",
      path: `${ORG}/agent-drafts`,
      operationId: "listAgentDrafts",
      summary: "The org's unpublished agent drafts",
      tag: "admin",
      auth: "admin",
      params: ORG_PARAMS,
      response: z.object({ drafts: z.array(AgentDraft) }),
    },
    async (c, { reply }) => {
      const { orgId } = await orgAccess(c, "agents", "read");
      return reply({ drafts: await listAgentDrafts(c.env, orgId) });
    },
  );

  api.add(
    {
      method: "get",
      path: `${ORG}/agents/{id}/draft`,
      operationId: "getAgentDraft",
      summary: "An agent's draft (null when it has none)",
      tag: "admin",
      auth: "admin",
      params: AGENT_PARAMS,
      response: z.object({ draft: AgentDraft.nullable() }),
    },
    async (c, { params, reply }) => {
      const { orgId } = await orgAccess(c, "agents", "read");
      if (!(await getStoredAgent(c.env, orgId, params.id))) throw notFound("agent");
      return reply({ draft: await getAgentDraft(c.env, orgId, params.id) });
    },
  );

  api.add(
    {
      method: "put",
      path: `${ORG}/agents/{id}/draft`,
      operationId: "saveAgentDraft",
      summary: "Save an unpublished edit of an agent (validated like a version; the playground runs it)",
      tag: "admin",
      auth: "admin",
      params: AGENT_PARAMS,
      body: AgentDraftBody,
      maxBytes: 64 * 1024,
      response: z.object({ draft: AgentDraft }),
    },
    async (c, { params, body, reply }) => {
      const { orgId, admin } = await orgAccess(c, "agents", "write");
      if (body.id && body.id !== params.id) throw new ApiError(400, "invalid_request", "id: the body's id must match the path");
      const current = await getStoredAgent(c.env, orgId, params.id);
      if (!current) throw notFound("agent");
      const config = await validated(c.env, orgId, { ...body, id: params.id } as AgentConfigInput, await draftGraph(c.env, orgId));
      const draft = await putAgentDraft(c.env, orgId, { basedOnVersion: current.version, updatedAt: new Date().toISOString(), updatedBy: admin.name, config });
      return reply({ draft });
    },
  );

  api.add(
    {
      method: "delete",
      path: `${ORG}/agents/{id}/draft`,
      operationId: "discardAgentDraft",
      summary: "Discard an agent's draft",
      tag: "admin",
      auth: "admin",
      params: AGENT_PARAMS,
      response: z.object({ deleted: z.boolean() }),
    },
    async (c, { params, reply }) => {
      const { orgId } = await orgAccess(c, "agents", "write");
      if (!(await deleteAgentDraft(c.env, orgId, params.id))) throw notFound("draft");
      return reply({ deleted: true });
    },
  );

  api.add(
    {
      method: "post",
      path: `${ORG}/agents/{id}/publish`,
      operationId: "publishAgentDraft",
      summary: "Publish an agent's draft as its next version (checked against the published agents), then drop the draft",
      tag: "admin",
      auth: "admin",
      params: AGENT_PARAMS,
      response: AgentOut,
      errors: [409],
    },
    async (c, { params, reply }) => {
      const { orgId } = await orgAccess(c, "agents", "write");
      if (!(await getStoredAgent(c.env, orgId, params.id))) throw notFound("agent");
      const draft = await getAgentDraft(c.env, orgId, params.id);
      if (!draft) throw new ApiError(409, "no_draft", `${params.id} has no draft to publish`);
      const stored = await putAgent(c.env, orgId, await validated(c.env, orgId, draft.config));
      await deleteAgentDraft(c.env, orgId, params.id);
      return reply(out(stored));
    },
  );
}
