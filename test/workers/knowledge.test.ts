/**
 * Knowledge ingestion and search inside workerd against real D1 (FTS5): chunking with
 * overlap, ranking, org and collection scoping, re-ingest replacing, delete removing,
 * and visitor text that is FTS5 syntax treated as words.
 */
import { env } from "cloudflare:workers";
import type { Env } from "../../worker/env";
import { describe, expect, it } from "vitest";
import { chunkText } from "../../worker/knowledge/chunking";
import { ftsQuery, searchKnowledge } from "../../worker/knowledge/search";
import { deleteDocument, ingestDocument } from "../../worker/knowledge/store";

const db = (env as unknown as { DB: D1Database }).DB;
const searchEnv = env as unknown as Env;

describe("chunking", () => {
  it("splits long text on paragraph boundaries with overlap", () => {
    const paragraphs = Array.from({ length: 12 }, (_, i) => `Paragraph ${i} ${"word ".repeat(30)}end${i}.`);
    const chunks = chunkText(paragraphs.join("\n\n"), 400, 80);
    expect(chunks.length).toBeGreaterThan(3);
    expect(chunks.every((c) => c.length <= 400 + 80)).toBe(true);
    // Consecutive chunks share text (the overlap).
    for (let i = 1; i < chunks.length; i++) {
      const tail = (chunks[i - 1] ?? "").slice(-40);
      expect((chunks[i] ?? "").includes(tail.slice(tail.indexOf(" ") + 1, tail.indexOf(" ") + 15))).toBe(true);
    }
    expect(chunkText("   ")).toEqual([]);
  });
});

describe("search", () => {
  it("finds the right document, scoped to org and collection", async () => {
    await ingestDocument(db, { orgId: "org-a", collectionId: "help", source: "a1", title: "Resetting your password", text: "Use the Forgot password link on the login page. The link is valid for one hour." });
    await ingestDocument(db, { orgId: "org-a", collectionId: "help", source: "a2", title: "Billing cycles", text: "Invoices are issued monthly on the day you subscribed." });
    await ingestDocument(db, { orgId: "org-b", collectionId: "help", source: "b1", title: "Password policy of org B", text: "Passwords rotate every 90 days." });
    await ingestDocument(db, { orgId: "org-a", collectionId: "internal", source: "a3", title: "Internal password notes", text: "Staff-only password procedures." });

    const hits = await searchKnowledge(searchEnv, "org-a", ["help"], "I forgot my password");
    expect(hits[0]?.title).toBe("Resetting your password");
    expect(hits.map((h) => h.title)).not.toContain("Password policy of org B");
    expect(hits.map((h) => h.title)).not.toContain("Internal password notes");
  });

  it("re-ingesting a source replaces it; deleting removes it from search", async () => {
    const first = await ingestDocument(db, { orgId: "org-c", collectionId: "kb", source: "page", title: "Old title", text: "The launch date is in March." });
    const second = await ingestDocument(db, { orgId: "org-c", collectionId: "kb", source: "page", title: "New title", text: "The launch date moved to June." });
    expect(second.replaced).toBe(true);
    const hits = await searchKnowledge(searchEnv, "org-c", ["kb"], "launch date");
    expect(hits.map((h) => h.title)).toEqual(["New title"]);
    // The same document, changed: it keeps its id, and only the new text is indexed.
    expect(second.id).toBe(first.id);
    const chunks = await db.prepare("SELECT text FROM knowledge_chunks WHERE document_id = ?").bind(first.id).all<{ text: string }>();
    expect(chunks.results.map((c) => c.text)).toEqual(["The launch date moved to June."]);
    expect(await deleteDocument(db, "org-c", second.id)).toBe(true);
    expect(await searchKnowledge(searchEnv, "org-c", ["kb"], "launch date")).toEqual([]);
  });

  it("treats FTS5 operators and punctuation in a question as plain words", async () => {
    expect(ftsQuery('password" OR 1=1 NEAR(* -)')).toBe('"password" OR "near"');
    expect(ftsQuery("?!*")).toBeNull();
    await expect(searchKnowledge(searchEnv, "org-a", ["help"], 'password") OR * NEAR(')).resolves.toBeInstanceOf(Array);
  });
});

describe("HTML extraction", () => {
  it("decodes character references in the text and the title, once", async () => {
    const { extractHtml } = await import("../../worker/knowledge/extract");
    const page = await extractHtml(
      "<html><head><title>Tips &amp; tricks</title></head><body><nav>menu</nav><p>Don&#8217;t write &lt;script&gt; &amp;amp; more &eacute;t&eacute;</p></body></html>",
    );
    expect(page.title).toBe("Tips & tricks");
    expect(page.text).toBe("Don’t write <script> &amp; more été");
  });
});
