/**
 * Source usage: per knowledge document, how often it was retrieved and cited in the period
 * (the per-day document rollup), the votes on answers that cited it, the last day it was
 * used, and whether it is stale — not fetched again (or, for an upload, not changed) for the
 * org's `staleDays`. A site's documents are those of the collections its agents search
 * (its entry agent and every agent it can delegate, transfer or fall back to).
 */
import type { SourcesResponse } from "../../shared/insights";
import { getAgent, getSite } from "../config/store";
import type { Env } from "../env";
import type { Scope } from "./read-topics";
import { bySite, rows } from "./sql";

const DAY_MS = 86_400_000;

/** The knowledge collections a site's agents search. */
export async function siteCollections(env: Env, orgId: string, siteKey: string): Promise<string[]> {
  const site = await getSite(env, siteKey);
  if (!site || site.orgId !== orgId) return [];
  const seen = new Set<string>();
  const collections = new Set<string>();
  const queue = [site.entryAgent];
  while (queue.length && seen.size < 64) {
    const id = queue.shift() as string;
    if (seen.has(id)) continue;
    seen.add(id);
    const agent = await getAgent(env, orgId, id).catch(() => null);
    if (!agent) continue;
    for (const c of agent.knowledge) collections.add(c);
    queue.push(...agent.delegates, ...agent.transfers, ...(agent.fallbackAgent ? [agent.fallbackAgent] : []));
  }
  return [...collections];
}

interface DocRow {
  id: string;
  title: string;
  collection_id: string;
  url: string | null;
  fetched_at: string | null;
  changed_at: string | null;
  created_at: string;
}

export async function sources(env: Env, s: Scope, staleDays: number, now = Date.now()): Promise<SourcesResponse> {
  const db = env.DB;
  const collections = s.site ? await siteCollections(env, s.orgId, s.site) : null;
  const params = { org: s.orgId, site: s.site, from: s.period.from, to: s.period.to, collections: JSON.stringify(collections ?? []) };
  const [documents, usage, lastUsed] = await Promise.all([
    rows<DocRow>(
      db,
      `SELECT id, title, collection_id, url, fetched_at, changed_at, created_at FROM knowledge_documents WHERE org_id = :org
       ${collections ? "AND collection_id IN (SELECT value FROM json_each(:collections))" : ""} ORDER BY title, id`,
      params,
    ),
    rows<{ document_id: string; retrieved: number; cited: number; up: number; down: number }>(
      db,
      `SELECT document_id, SUM(retrieved) AS retrieved, SUM(cited) AS cited, SUM(up) AS up, SUM(down) AS down FROM insights_document_days
       WHERE org_id = :org ${bySite(s.site)} AND day BETWEEN :from AND :to GROUP BY document_id`,
      params,
    ),
    rows<{ document_id: string; day: string }>(
      db,
      `SELECT document_id, MAX(day) AS day FROM insights_document_days WHERE org_id = :org ${bySite(s.site)} GROUP BY document_id`,
      params,
    ),
  ]);
  const used = new Map(usage.map((u) => [u.document_id, u]));
  const last = new Map(lastUsed.map((u) => [u.document_id, u.day]));
  const list = documents.map((d) => {
    const u = used.get(d.id);
    const seen = d.fetched_at ?? d.changed_at ?? d.created_at;
    const age = Date.parse(seen);
    const ageDays = Number.isNaN(age) ? null : Math.max(0, Math.floor((now - age) / DAY_MS));
    return {
      documentId: d.id,
      title: d.title,
      collectionId: d.collection_id,
      url: d.url,
      retrieved: Number(u?.retrieved ?? 0),
      cited: Number(u?.cited ?? 0),
      // Votes on answers citing it, by the day of the answer.
      feedback: { up: Number(u?.up ?? 0), down: Number(u?.down ?? 0) },
      neverUsed: !u || (Number(u.retrieved) === 0 && Number(u.cited) === 0),
      lastUsed: last.get(d.id) ?? null,
      fetchedAt: d.fetched_at,
      changedAt: d.changed_at,
      stale: ageDays !== null && ageDays >= staleDays,
      ageDays,
    };
  });
  list.sort((a, b) => b.retrieved + b.cited - (a.retrieved + a.cited) || (a.title < b.title ? -1 : 1));
  return {
    period: s.period,
    site: s.site,
    staleDays,
    totals: {
      documents: list.length,
      used: list.filter((d) => !d.neverUsed).length,
      neverUsed: list.filter((d) => d.neverUsed).length,
      stale: list.filter((d) => d.stale).length,
    },
    documents: list,
  };
}
