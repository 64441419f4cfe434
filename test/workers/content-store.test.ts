/**
 * Parsed documents into D1: chunks keep their heading, page and start second (migration
 * 0010), FTS indexes a chunk under "Title › Heading", a refresh with the same text changes
 * nothing, a changed one says what changed, and the old `ingestDocument` is untouched.
 */
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { chunkSections, chunkText } from "../../worker/knowledge/chunking";
import { parseContent } from "../../worker/knowledge/formats";
import { deleteDocument, documentChunks, ingestDocument, ingestSections } from "../../worker/knowledge/store";
import { makePdf, text } from "./content-fixtures";

const db = (env as unknown as { DB: D1Database }).DB;

describe("chunkSections", () => {
  it("never spans two sections and gives each chunk its section's place", () => {
    const long = Array.from({ length: 10 }, (_, i) => `Sentence ${i} ${"about exports ".repeat(12)}.`).join("\n\n");
    const chunks = chunkSections([
      { heading: "Intro", page: 1, text: "Short intro." },
      { heading: "Exports", page: 2, text: long },
      { startSec: 93, text: "Refunds within thirty days." },
      { text: "   " },
    ], 400, 80);
    expect(chunks[0]).toEqual({ heading: "Intro", page: 1, text: "Short intro." });
    const page2 = chunks.filter((c) => c.page === 2);
    expect(page2.length).toBeGreaterThan(2);
    expect(page2.every((c) => c.heading === "Exports" && c.startSec === undefined)).toBe(true);
    expect(page2.map((c) => c.text)).toEqual(chunkText(long, 400, 80));
    expect(chunks[chunks.length - 1]).toEqual({ startSec: 93, text: "Refunds within thirty days." });
    // One section without a place is exactly the old chunker.
    expect(chunkSections([{ text: long }]).map((c) => c.text)).toEqual(chunkText(long));
  });
});

async function ftsHits(orgId: string, word: string) {
  const rows = await db
    .prepare(
      `SELECT f.title AS ftsTitle, c.page, c.heading, c.start_sec AS startSec, c.text FROM knowledge_fts f JOIN knowledge_chunks c ON c.id = f.chunk_id
       WHERE knowledge_fts MATCH ? AND f.org_id = ? ORDER BY bm25(knowledge_fts, 2.0, 1.0)`,
    )
    .bind(`"${word}"`, orgId)
    .all<{ ftsTitle: string; page: number | null; heading: string | null; startSec: number | null; text: string }>();
  return rows.results;
}

describe("ingestSections", () => {
  it("stores a PDF's pages and headings on its chunks, findable by FTS with the heading in the title", async () => {
    const bytes = await makePdf(
      [
        { heading: "Getting started", lines: ["Install the app."] },
        { heading: "Billing", lines: ["Invoices are monthly."] },
        { lines: ["Still about billing: invoices are sent by email."] },
        { heading: "Refunds", lines: ["You can ask for a refund within 30 days."] },
      ],
      { title: "Handbook", lang: "en" },
    );
    const { documents } = await parseContent({ bytes, filename: "handbook.pdf" });
    const doc = documents[0]!;
    const r = await ingestSections(db, { orgId: "org-s", collectionId: "docs", source: "handbook.pdf", title: doc.title!, sections: doc.sections, format: doc.format, lang: doc.lang!, r2Key: "org-s/originals/handbook.pdf", refreshDays: null });
    expect(r).toMatchObject({ chunks: 4, replaced: false, changed: true, changeSummary: null });
    expect(r.contentHash).toMatch(/^[0-9a-f]{64}$/);

    const [refund] = await ftsHits("org-s", "refund");
    expect(refund).toMatchObject({ page: 4, heading: "Refunds", ftsTitle: "Handbook › Refunds", startSec: null });
    const billing = await ftsHits("org-s", "email");
    expect(billing[0]).toMatchObject({ page: 3, heading: "Billing" });

    const row = await db.prepare("SELECT format, lang, content_hash, r2_key, changed_at, fetched_at, bytes, text FROM knowledge_documents WHERE id = ?").bind(r.id).first<Record<string, unknown>>();
    expect(row).toMatchObject({ format: "pdf", lang: "en", content_hash: r.contentHash, r2_key: "org-s/originals/handbook.pdf", fetched_at: null });
    expect(row!.changed_at).toMatch(/^\d{4}-\d\d-\d\dT/);
    expect(row!.text).toContain("Invoices are monthly.\n\nStill about billing");

    const chunks = await documentChunks(db, "org-s", r.id);
    expect(chunks.map((c) => [c.position, c.page, c.heading])).toEqual([
      [0, 1, "Getting started"],
      [1, 2, "Billing"],
      [2, 3, "Billing"],
      [3, 4, "Refunds"],
    ]);
    expect(await documentChunks(db, "another-org", r.id)).toEqual([]);
  });

  it("keeps start seconds of a transcript", async () => {
    const vtt = "WEBVTT\n\n00:00:01.000 --> 00:00:04.000\nHello and welcome.\n\n00:01:33.000 --> 00:01:36.000\nRefunds take five days.";
    const { documents } = await parseContent({ bytes: text(vtt), filename: "t.vtt" });
    const r = await ingestSections(db, { orgId: "org-v", collectionId: "videos", source: "https://v.example.com/t.mp4", url: "https://v.example.com/t.mp4", title: "Tour", sections: documents[0]!.sections, format: "vtt" });
    expect((await documentChunks(db, "org-v", r.id)).map((c) => [c.startSec, c.text])).toEqual([
      [1, "Hello and welcome."],
      [93, "Refunds take five days."],
    ]);
  });

  it("skips an unchanged refresh, and describes a changed one", async () => {
    const base = { orgId: "org-r", collectionId: "web", source: "https://example.com/faq", url: "https://example.com/faq", title: "FAQ", format: "html" };
    const sections = [{ heading: "Plans", text: "Free and Pro." }, { heading: "Refunds", text: "Within 30 days." }];
    const first = await ingestSections(db, { ...base, sections, etag: '"v1"', lastModified: "Mon, 01 Jan 2024 00:00:00 GMT" });
    const same = await ingestSections(db, { ...base, sections, etag: '"v2"', lastModified: null, fetchedAt: "2030-01-01T00:00:00.000Z", skipUnchanged: true });
    expect(same).toMatchObject({ id: first.id, changed: false, replaced: false, chunks: 2, contentHash: first.contentHash });
    const row = await db.prepare("SELECT etag, last_modified, fetched_at FROM knowledge_documents WHERE id = ?").bind(first.id).first();
    expect(row).toEqual({ etag: '"v2"', last_modified: null, fetched_at: "2030-01-01T00:00:00.000Z" });

    const changed = await ingestSections(db, { ...base, sections: [sections[0]!, { heading: "Refunds", text: "Within 14 days." }, { heading: "Support", text: "Email us." }], skipUnchanged: true });
    expect(changed).toMatchObject({ changed: true, replaced: true, changeSummary: "2 passages added, 1 passage removed" });
    expect(changed.id).toBe(first.id);
    expect((await ftsHits("org-r", "14")).length).toBe(1);
    expect((await ftsHits("org-r", "30")).length).toBe(0);
    const row2 = await db.prepare("SELECT change_summary FROM knowledge_documents WHERE id = ?").bind(changed.id).first();
    expect(row2).toEqual({ change_summary: "2 passages added, 1 passage removed" });
  });

  it("leaves ingestDocument as it was (whole text, no places) and deletes embeddings with a document", async () => {
    const r = await ingestDocument(db, { orgId: "org-o", collectionId: "kb", source: "old", title: "Old style", text: "Plain text document about keyboard shortcuts." });
    expect(Object.keys(r).sort()).toEqual(["chunks", "id", "replaced"]);
    const [chunk] = await documentChunks(db, "org-o", r.id);
    expect(chunk).toMatchObject({ heading: null, page: null, startSec: null, text: "Plain text document about keyboard shortcuts." });
    await db
      .prepare("INSERT INTO knowledge_embeddings (chunk_id, model, document_id, org_id, collection_id, dims, vector) VALUES (?, 'm', ?, 'org-o', 'kb', 1, ?)")
      .bind(chunk!.id, r.id, new Uint8Array(4))
      .run();
    expect(await deleteDocument(db, "org-o", r.id)).toBe(true);
    expect(await db.prepare("SELECT COUNT(*) AS n FROM knowledge_embeddings WHERE document_id = ?").bind(r.id).first()).toEqual({ n: 0 });
    expect(await deleteDocument(db, "org-o", r.id)).toBe(false);
  });
});
