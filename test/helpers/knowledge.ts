/**
 * Knowledge admin calls the tests share: a multipart upload, waiting for an ingest job to
 * finish (it runs on the INGEST queue), and an org with an offline agent that answers from
 * one collection.
 */
import type { IngestJob } from "../../shared/knowledge";
import { ADMIN_TOKEN, eventually, setupOrg, type Switchboard } from "./switchboard";

export async function upload(
  sb: Switchboard,
  org: string,
  collection: string,
  name: string,
  bytes: Uint8Array | string,
  extra: { url?: string; title?: string; type?: string } = {},
): Promise<Response> {
  const form = new FormData();
  form.set("file", new Blob([typeof bytes === "string" ? bytes : new Uint8Array(bytes)], { type: extra.type ?? "" }), name);
  if (extra.url) form.set("url", extra.url);
  if (extra.title) form.set("title", extra.title);
  return sb.fetch(`/api/admin/orgs/${org}/collections/${collection}/files`, { method: "POST", headers: { authorization: `Bearer ${ADMIN_TOKEN}` }, body: form });
}

/** Uploads and answers the accepted job (202), failing on anything else. */
export async function uploadJob(sb: Switchboard, org: string, collection: string, name: string, bytes: Uint8Array | string, extra: Parameters<typeof upload>[5] = {}): Promise<IngestJob> {
  const res = await upload(sb, org, collection, name, bytes, extra);
  const body = (await res.json()) as { job: IngestJob };
  if (res.status !== 202) throw new Error(`upload ${name}: ${res.status} ${JSON.stringify(body)}`);
  return body.job;
}

export async function getJob(sb: Switchboard, org: string, id: string): Promise<IngestJob> {
  const res = await sb.admin(`/api/admin/orgs/${org}/ingest-jobs/${id}`);
  if (!res.ok) throw new Error(`job ${id}: ${res.status} ${await res.text()}`);
  return (await res.json()) as IngestJob;
}

/** Waits until the job is done or failed (the queue consumer runs it). */
export async function finished(sb: Switchboard, org: string, id: string, timeoutMs = 90_000): Promise<IngestJob> {
  return eventually(async () => {
    const job = await getJob(sb, org, id);
    return job.status === "done" || job.status === "failed" ? job : undefined;
  }, `ingest job ${id} to finish`, timeoutMs);
}

/** An org whose site's only agent answers offline from `collections`. */
export async function knowledgeOrg(sb: Switchboard, org: string, collections: string[]): Promise<void> {
  await sb.admin("/api/admin/orgs", { method: "POST", body: JSON.stringify({ id: org, name: org }) });
  await setupOrg(sb, org, [
    {
      id: "helper",
      name: "Helper",
      description: "Answers from the documents.",
      instructions: "Answer from the knowledge base.",
      tools: ["search_knowledge"],
      knowledge: collections,
      model: { family: "offline" },
    },
  ]);
}

export interface DocumentInfo {
  id: string;
  source: string;
  title: string;
  url: string | null;
  chunks: number;
  format: string | null;
  sourceId: string | null;
  fetchedAt: string | null;
  changedAt: string | null;
  changeSummary: string | null;
  hasOriginal: boolean;
}

export async function documents(sb: Switchboard, org: string, collection: string): Promise<DocumentInfo[]> {
  const res = await sb.admin(`/api/admin/orgs/${org}/collections/${collection}/documents`);
  if (!res.ok) throw new Error(`documents: ${res.status} ${await res.text()}`);
  return ((await res.json()) as { documents: DocumentInfo[] }).documents;
}
