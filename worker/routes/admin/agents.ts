/**
 * Agents: create, read, update, delete, with every write validated (the zod schema, then the
 * whole org's delegation graph: unknown agents, cycles, chains past the depth cap) and
 * versioned (history readable, rollback writes an old version as the newest).
 */
import { AgentOut } from "../../../shared/admin";
import { AgentConfig, type AgentConfigInput } from "../../../shared/config";
import { agentGraphProblem, referrers } from "../../config/agent-graph";
import { deleteAgent, getAgentVersion, getSite, getStoredAgent, listAgents, putAgent, type StoredAgent } from "../../config/store";
import { DEFAULT_MAX_DEPTH } from "../../engine/tools/delegate";
import type { Env } from "../../env";
import { ApiError, notFound } from "../../http/errors";
import { outboundUrlProblem } from "../../net/outbound";
import type { ApiRoutes } from "../../http/openapi";
import { z } from "zod";
import { Ids } from "../../http/params";
import { ORG, ORG_PARAMS, orgAccess } from "./common";

const maxDepth = (env: Env) => {
  const n = Number(env.MAX_DELEGATION_DEPTH);
  return Number.isInteger(n) && n > 0 ? n : DEFAULT_MAX_DEPTH;
};

/**
 * Validates `input` as the org's agent `id`, against the rest of the org's agents (their
 * published versions; `others` overrides them — a draft is checked against the drafts).
 */
export async function validated(env: Env, orgId: string, input: AgentConfigInput, others?: AgentConfig[]): Promise<AgentConfig> {
  const parsed = AgentConfig.safeParse(input);
  if (!parsed.success) throw new ApiError(400, "invalid_request", parsed.error.issues.map((i) => `${i.path.join(".") || "agent"}: ${i.message}`).join("; "));
  checkAgentUrls(env, parsed.data);
  others = (others ?? (await listAgents(env, orgId)).map((s) => s.config)).filter((a) => a.id !== parsed.data.id);
  const problem = agentGraphProblem([...others, parsed.data], maxDepth(env));
  if (problem) throw new ApiError(400, "invalid_agent_graph", problem);
  return parsed.data;
}

/** The URLs an agent makes the worker fetch pass the outbound guard's rules (400 otherwise). */
function checkAgentUrls(env: Env, agent: AgentConfig): void {
  const check = (field: string, url: string) => {
    const problem = outboundUrlProblem(env, url);
    if (problem) throw new ApiError(400, "url_refused", `${field}: ${problem}`);
  };
  if (agent.model.baseURL) check("model.baseURL", agent.model.baseURL);
  agent.httpTools.forEach((tool, i) => {
    // A relative URL is served in-process; placeholders are checked as a plain label.
    if (!tool.url.startsWith("/")) check(`httpTools.${i}.url`, tool.url.replace(/\{\w+\}/g, "x"));
  });
}

export const out = (s: StoredAgent): z.input<typeof AgentOut> => ({ ...s.config, version: s.version, updatedAt: s.updatedAt });
export const AGENT_PARAMS = { ...ORG_PARAMS, id: Ids.agent };

export function agentsAdmin(api: ApiRoutes): void {
  api.add(
    { method: "get", path: `${ORG}/agents`, operationId: "listAgents", summary: "List an org's agents (current versions)", tag: "admin", auth: "admin", params: ORG_PARAMS, response: z.object({ agents: z.array(AgentOut) }) },
    async (c, { reply }) => {
      const { orgId } = await orgAccess(c, "agents", "read");
      return reply({ agents: (await listAgents(c.env, orgId)).map(out) });
    },
  );

  api.add(
    {
      method: "post",
      path: `${ORG}/agents`,
      operationId: "createAgent",
      summary: "Create an agent",
      tag: "admin",
      auth: "admin",
      params: ORG_PARAMS,
      body: AgentConfig,
      status: 201,
      maxBytes: 64 * 1024,
      response: AgentOut,
      errors: [409],
    },
    async (c, { body, reply }) => {
      const { orgId } = await orgAccess(c, "agents", "write");
      if (await getStoredAgent(c.env, orgId, body.id)) throw new ApiError(409, "exists", `the agent ${body.id} exists; PUT to change it`);
      return reply(out(await putAgent(c.env, orgId, await validated(c.env, orgId, body))));
    },
  );

  api.add(
    { method: "get", path: `${ORG}/agents/{id}`, operationId: "getAgent", summary: "Read an agent", tag: "admin", auth: "admin", params: AGENT_PARAMS, response: AgentOut },
    async (c, { params, reply }) => {
      const { orgId } = await orgAccess(c, "agents", "read");
      const stored = await getStoredAgent(c.env, orgId, params.id);
      if (!stored) throw notFound("agent");
      return reply(out(stored));
    },
  );

  api.add(
    {
      method: "put",
      path: `${ORG}/agents/{id}`,
      operationId: "updateAgent",
      summary: "Write a new version of an agent",
      tag: "admin",
      auth: "admin",
      params: AGENT_PARAMS,
      body: AgentConfig.partial({ id: true }),
      maxBytes: 64 * 1024,
      response: AgentOut,
    },
    async (c, { params, body, reply }) => {
      const { orgId } = await orgAccess(c, "agents", "write");
      if (body.id && body.id !== params.id) throw new ApiError(400, "invalid_request", "id: the body's id must match the path");
      if (!(await getStoredAgent(c.env, orgId, params.id))) throw notFound("agent");
      return reply(out(await putAgent(c.env, orgId, await validated(c.env, orgId, { ...body, id: params.id } as AgentConfigInput))));
    },
  );

  api.add(
    {
      method: "delete",
      path: `${ORG}/agents/{id}`,
      operationId: "deleteAgent",
      summary: "Delete an agent no other agent or site uses",
      tag: "admin",
      auth: "admin",
      params: AGENT_PARAMS,
      response: z.object({ deleted: z.boolean() }),
      errors: [409],
    },
    async (c, { params, reply }) => {
      const { orgId } = await orgAccess(c, "agents", "write");
      const id = params.id;
      if (!(await getStoredAgent(c.env, orgId, id))) throw notFound("agent");
      const users = referrers((await listAgents(c.env, orgId)).map((s) => s.config), id);
      const sites = await c.env.DB.prepare("SELECT key FROM sites WHERE org_id = ?").bind(orgId).all<{ key: string }>();
      for (const { key } of sites.results) {
        const site = await getSite(c.env, key);
        if (site?.entryAgent === id) users.push(`site ${key}`);
      }
      if (users.length) throw new ApiError(409, "in_use", `${id} is used by ${users.join(", ")}`);
      await deleteAgent(c.env, orgId, id);
      return reply({ deleted: true });
    },
  );

  api.add(
    { method: "get", path: `${ORG}/agents/{id}/versions`, operationId: "listAgentVersions", summary: "Every version of an agent", tag: "admin", auth: "admin", params: AGENT_PARAMS, response: z.object({ versions: z.array(AgentOut) }) },
    async (c, { params, reply }) => {
      const { orgId } = await orgAccess(c, "agents", "read");
      const current = await getStoredAgent(c.env, orgId, params.id);
      if (!current) throw notFound("agent");
      const versions = await Promise.all(Array.from({ length: current.version }, (_, i) => getAgentVersion(c.env, orgId, params.id, i + 1)));
      return reply({ versions: versions.filter((v): v is StoredAgent => v !== null).map(out) });
    },
  );

  api.add(
    {
      method: "post",
      path: `${ORG}/agents/{id}/rollback`,
      operationId: "rollbackAgent",
      summary: "Make an old version current again (as a new version)",
      tag: "admin",
      auth: "admin",
      params: AGENT_PARAMS,
      body: z.object({ version: z.number().int().positive().max(1_000_000) }),
      response: AgentOut,
    },
    async (c, { params, body, reply }) => {
      const { orgId } = await orgAccess(c, "agents", "write");
      const old = await getAgentVersion(c.env, orgId, params.id, body.version);
      if (!old) throw notFound(`version ${body.version} of the agent`);
      return reply(out(await putAgent(c.env, orgId, await validated(c.env, orgId, old.config))));
    },
  );
}
