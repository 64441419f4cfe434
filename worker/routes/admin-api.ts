/**
 * The admin API (bearer token). This file holds conversation reads and the demo seed;
 * resources (sites, agents, knowledge, budgets, staff, tokens, leads) have their own files.
 */
import { z } from "zod";
import { requireAdmin } from "../auth/admin";
import { seedDemo } from "../demo/seed";
import { notFound } from "../http/errors";
import type { ApiRoutes } from "../http/openapi";
import { readTrace } from "../log/trace";
import { CONVERSATION_ID } from "./visitor-access";

export function adminApi(api: ApiRoutes): void {
  api.add(
    {
      method: "get",
      path: "/api/admin/conversations/{id}/trace",
      summary: "The execution log of a conversation as a tree of spans",
      tag: "admin",
      auth: "admin",
      response: z.object({ conversationId: z.string(), spans: z.number(), roots: z.array(z.unknown()) }),
    },
    async (c) => {
      const admin = await requireAdmin(c);
      const id = c.req.param("id") ?? "";
      if (!CONVERSATION_ID.test(id)) throw notFound("conversation");
      const owner = await c.env.DB.prepare("SELECT org_id FROM conversations WHERE id = ?").bind(id).first<{ org_id: string }>();
      if (!owner || (admin.orgId && owner.org_id !== admin.orgId)) throw notFound("conversation");
      const trace = await readTrace(c.env.DB, owner.org_id, id);
      return c.json({ conversationId: id, ...trace });
    },
  );

  api.add(
    {
      method: "post",
      path: "/api/admin/demo/seed",
      summary: "Seed the Lumen Notes demo (does nothing when it exists)",
      tag: "admin",
      auth: "admin",
      response: z.object({ seeded: z.boolean(), staff: z.array(z.string()) }),
    },
    async (c) => {
      const admin = await requireAdmin(c);
      if (admin.orgId) throw notFound("route");
      return c.json(await seedDemo(c.env));
    },
  );
}
