/**
 * Agents: create, read, update, delete, with every write validated (the zod schema, then the
 * whole org's delegation graph: unknown agents, cycles, chains past the depth cap) and
 * versioned (history readable, rollback writes an old version as the newest).
 */
import { AgentConfig, type AgentConfigInput } from "../../../shared/config";
import { requireAdmin } from "../../auth/admin";
import { agentGraphProblem, referrers } from "../../config/agent-graph";
import { deleteAgent, getAgentVersion, getSite, getStoredAgent, listAgents, putAgent, type StoredAgent } from "../../config/store";
import { DEFAULT_MAX_DEPTH } from "../../engine/tools/delegate";
import type { Env } from "../../env";
import { ApiError, notFound } from "../../http/errors";
import { outboundUrlProblem } from "../../net/outbound";
import type { ApiRoutes } from "../../http/openapi";
import { z } from "zod";
import { ORG, orgFromPath } from "./common";

const maxDepth = (env: Env) => {
  const n = Number(env.MAX_DELEGATION_DEPTH);
  return Number.isInteger(n) && n > 0 ? n : DEFAULT_MAX_DEPTH;
};

/** Validates `input` as the org's agent `id`, against the rest of the org's agents. */
async function validated(env: Env, orgId: string, input: AgentConfigInput): Promise<AgentConfig> {
  const parsed = AgentConfig.safeParse(input);
  if (!parsed.success) throw new ApiError(400, "invalid_request", parsed.error.issues.map((i) => `${i.path.join(".") || "agent"}: ${i.message}`).join("; "));
  checkAgentUrls(env, parsed.data);
  const others = (await listAgents(env, orgId)).map((s) => s.config).filter((a) => a.id !== parsed.data.id);
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

const out = (s: StoredAgent) => ({ ...s.config, version: s.version, updatedAt: s.updatedAt });

export function agentsAdmin(api: ApiRoutes): void {
  api.add({ method: "get", path: `${ORG}/agents`, summary: "List an org's agents (current versions)", tag: "admin", auth: "admin" }, async (c) => {
    const orgId = await orgFromPath(c);
    await requireAdmin(c, { resource: "agents", action: "read", orgId });
    return c.json({ agents: (await listAgents(c.env, orgId)).map(out) });
  });

  api.add(
    { method: "post", path: `${ORG}/agents`, summary: "Create an agent", tag: "admin", auth: "admin", body: AgentConfig, status: 201, maxBytes: 64 * 1024 },
    async (c, { body }) => {
      const orgId = await orgFromPath(c);
      await requireAdmin(c, { resource: "agents", action: "write", orgId });
      if (await getStoredAgent(c.env, orgId, body.id)) throw new ApiError(409, "exists", `the agent ${body.id} exists; PUT to change it`);
      return c.json(out(await putAgent(c.env, orgId, await validated(c.env, orgId, body))), 201);
    },
  );

  api.add({ method: "get", path: `${ORG}/agents/{id}`, summary: "Read an agent", tag: "admin", auth: "admin" }, async (c) => {
    const orgId = await orgFromPath(c);
    await requireAdmin(c, { resource: "agents", action: "read", orgId });
    const stored = await getStoredAgent(c.env, orgId, c.req.param("id") ?? "");
    if (!stored) throw notFound("agent");
    return c.json(out(stored));
  });

  api.add(
    { method: "put", path: `${ORG}/agents/{id}`, summary: "Write a new version of an agent", tag: "admin", auth: "admin", body: AgentConfig.partial({ id: true }), maxBytes: 64 * 1024 },
    async (c, { body }) => {
      const orgId = await orgFromPath(c);
      await requireAdmin(c, { resource: "agents", action: "write", orgId });
      const id = c.req.param("id") ?? "";
      if (body.id && body.id !== id) throw new ApiError(400, "invalid_request", "id: the body's id must match the path");
      if (!(await getStoredAgent(c.env, orgId, id))) throw notFound("agent");
      return c.json(out(await putAgent(c.env, orgId, await validated(c.env, orgId, { ...body, id } as AgentConfigInput))));
    },
  );

  api.add({ method: "delete", path: `${ORG}/agents/{id}`, summary: "Delete an agent no other agent or site uses", tag: "admin", auth: "admin" }, async (c) => {
    const orgId = await orgFromPath(c);
    await requireAdmin(c, { resource: "agents", action: "write", orgId });
    const id = c.req.param("id") ?? "";
    if (!(await getStoredAgent(c.env, orgId, id))) throw notFound("agent");
    const users = referrers((await listAgents(c.env, orgId)).map((s) => s.config), id);
    const sites = await c.env.DB.prepare("SELECT key FROM sites WHERE org_id = ?").bind(orgId).all<{ key: string }>();
    for (const { key } of sites.results) {
      const site = await getSite(c.env, key);
      if (site?.entryAgent === id) users.push(`site ${key}`);
    }
    if (users.length) throw new ApiError(409, "in_use", `${id} is used by ${users.join(", ")}`);
    await deleteAgent(c.env, orgId, id);
    return c.json({ deleted: true });
  });

  api.add({ method: "get", path: `${ORG}/agents/{id}/versions`, summary: "Every version of an agent", tag: "admin", auth: "admin" }, async (c) => {
    const orgId = await orgFromPath(c);
    await requireAdmin(c, { resource: "agents", action: "read", orgId });
    const id = c.req.param("id") ?? "";
    const current = await getStoredAgent(c.env, orgId, id);
    if (!current) throw notFound("agent");
    const versions = await Promise.all(Array.from({ length: current.version }, (_, i) => getAgentVersion(c.env, orgId, id, i + 1)));
    return c.json({ versions: versions.filter((v): v is StoredAgent => v !== null).map(out) });
  });

  api.add(
    { method: "post", path: `${ORG}/agents/{id}/rollback`, summary: "Make an old version current again (as a new version)", tag: "admin", auth: "admin", body: z.object({ version: z.number().int().positive() }) },
    async (c, { body }) => {
      const orgId = await orgFromPath(c);
      await requireAdmin(c, { resource: "agents", action: "write", orgId });
      const id = c.req.param("id") ?? "";
      const old = await getAgentVersion(c.env, orgId, id, body.version);
      if (!old) throw notFound(`version ${body.version} of the agent`);
      return c.json(out(await putAgent(c.env, orgId, await validated(c.env, orgId, old.config))));
    },
  );
}
