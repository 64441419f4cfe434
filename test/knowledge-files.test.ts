/**
 * Files uploaded through the admin API, end to end: real PDF, DOCX, WebVTT, SRT, CSV and ZIP
 * files built here are posted as multipart forms, kept in R2, parsed by a job on the INGEST
 * queue, and answered from through the public chat API — with citations that name the PDF
 * page or the video moment and link there (`#page=4`, `#t=93`). Hostile uploads are refused
 * at the door with a 4xx and leave nothing behind.
 */
import { strToU8, zipSync } from "fflate";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { documents, finished, getJob, knowledgeOrg, upload, uploadJob } from "./helpers/knowledge";
import { ADMIN_TOKEN, send, startConversation, startSwitchboard, type Switchboard } from "./helpers/switchboard";
import { makeDocx, makePdf, rawZip } from "./workers/content-fixtures";

let sb: Switchboard;
const ORG = "files";

beforeAll(async () => {
  sb = await startSwitchboard();
  await knowledgeOrg(sb, ORG, ["manuals", "videos", "help", "faq"]);
});
afterAll(async () => {
  await sb?.close();
});

async function ask(question: string) {
  const conv = await startConversation(sb, ORG);
  const { reply } = await send(sb, conv, question);
  return reply!;
}

const pad = (n: number, w = 2) => String(n).padStart(w, "0");
const stamp = (s: number, sep = ".") => `${pad(Math.floor(s / 3600))}:${pad(Math.floor((s % 3600) / 60))}:${pad(Math.floor(s % 60))}${sep}000`;

/** A talk whose refund sentence starts at 1:33, after a pause (so a passage starts there). */
function captions(kind: "vtt" | "srt", plan = "annual"): string {
  const cues: [number, string][] = [];
  for (let at = 0; at < 80; at += 4) cues.push([at, `At second ${at} we look at the editor toolbar and keyboard layout.`]);
  cues.push([93, `Refunds for the ${plan} plan are paid back within thirty days of cancelling.`]);
  cues.push([97, "Monthly plans are not refunded once the month has started."]);
  const sep = kind === "vtt" ? "." : ",";
  const body = cues.map(([at, line], i) => `${kind === "srt" ? `${i + 1}\n` : ""}${stamp(at, sep)} --> ${stamp(at + 3, sep)}\n${line}`).join("\n\n");
  return kind === "vtt" ? `WEBVTT - Billing walkthrough\n\n${body}\n` : `${body}\n`;
}

describe("uploads, parsed in the background", () => {
  it("a PDF: 202 with a job, done with its document, and an answer citing page 4 with a #page=4 link", async () => {
    const pdf = await makePdf(
      [
        { heading: "Welcome", lines: ["The Lumen Scanner turns paper notes into searchable pages."] },
        { heading: "Charging", lines: ["Charge the scanner with the USB-C cable for two hours."] },
        { heading: "Pairing", lines: ["Open the app and hold the scanner near your phone to pair it."] },
        { heading: "Replacing the lamp", lines: ["To replace the scanner lamp, remove the four screws on the back plate,", "slide out the old lamp module and press the new one in until it clicks."] },
      ],
      { title: "Lumen Scanner manual" },
    );
    const res = await upload(sb, ORG, "manuals", "scanner-manual.pdf", pdf, { url: "https://example.com/docs/scanner-manual.pdf", type: "application/pdf" });
    expect(res.status).toBe(202);
    const { job } = (await res.json()) as { job: { id: string; status: string; kind: string; input: Record<string, unknown>; progress: { done: number; total: number } } };
    expect(job).toMatchObject({ kind: "upload", status: "queued", input: { filename: "scanner-manual.pdf", bytes: pdf.length, url: "https://example.com/docs/scanner-manual.pdf" } });
    expect(job.id).toMatch(/^job_/);
    expect(JSON.stringify(job)).not.toContain("r2Key");

    const done = await finished(sb, ORG, job.id);
    expect(done.status).toBe("done");
    expect(done.progress).toEqual({ done: 1, total: 1 });
    expect(done.errors).toEqual([]);
    expect(done.documents).toEqual([expect.objectContaining({ title: "Lumen Scanner manual", change: "added", source: "file:scanner-manual.pdf" })]);
    expect(done.startedAt).toBeTruthy();
    expect(done.finishedAt).toBeTruthy();

    const [doc] = await documents(sb, ORG, "manuals");
    expect(doc).toMatchObject({ format: "pdf", hasOriginal: true, url: "https://example.com/docs/scanner-manual.pdf" });
    // The original is in R2, where a re-parse will read it.
    const row = await sb.db.prepare("SELECT r2_key FROM knowledge_documents WHERE id = ?").bind(doc!.id).first<{ r2_key: string }>();
    expect(row?.r2_key).toMatch(/^files\/manuals\/.+\/scanner-manual\.pdf$/);

    const reply = await ask("How do I replace the scanner lamp?");
    expect(reply.text).toContain("Lumen Scanner manual, page 4");
    expect(reply.text).toContain("remove the four screws");
    expect(reply.sources).toEqual([{ id: doc!.id, title: "Lumen Scanner manual", url: "https://example.com/docs/scanner-manual.pdf#page=4", cite: "page 4" }]);
  });

  it("a WebVTT transcript with its video URL: the answer cites 1:33 and links #t=93; an SRT on YouTube links ?t=93s", async () => {
    const vtt = await finished(sb, ORG, (await uploadJob(sb, ORG, "videos", "billing.vtt", captions("vtt"), { url: "https://videos.example.com/watch/billing" })).id);
    expect(vtt).toMatchObject({ status: "done", documents: [expect.objectContaining({ title: "Billing walkthrough" })] });
    const reply = await ask("Are refunds for the annual plan paid back?");
    expect(reply.text).toContain("Billing walkthrough, 1:33");
    expect(reply.sources?.[0]).toMatchObject({ title: "Billing walkthrough", url: "https://videos.example.com/watch/billing#t=93", cite: "1:33" });

    const srt = await finished(sb, ORG, (await uploadJob(sb, ORG, "videos", "billing-again.srt", captions("srt", "lifetime"), { url: "https://www.youtube.com/watch?v=abc123", title: "Billing on YouTube" })).id);
    expect(srt.status).toBe("done");
    const docs = await documents(sb, ORG, "videos");
    expect(docs.map((d) => [d.title, d.format])).toEqual([
      ["Billing walkthrough", "vtt"],
      ["Billing on YouTube", "srt"],
    ]);
    const chunks = await sb.db.prepare("SELECT start_sec FROM knowledge_chunks WHERE document_id = ? ORDER BY position").bind(docs[1]!.id).all<{ start_sec: number }>();
    // Passages start at pauses (and every 90 s at most): the refund one starts at 93.
    expect(chunks.results.map((c) => c.start_sec)).toContain(93);
    expect(chunks.results.at(-1)?.start_sec).toBe(93);
    const youtube = await ask("Are refunds for the lifetime plan paid back?");
    expect(youtube.sources?.[0]).toMatchObject({ title: "Billing on YouTube", url: "https://www.youtube.com/watch?v=abc123&t=93s", cite: "1:33" });
  });

  it("a DOCX, a CSV FAQ and a ZIP help-center export; uploading the export again removes the article it dropped", async () => {
    const docx = makeDocx([{ style: "Title", text: "Team admin guide" }, { style: "Heading1", text: "Seats" }, { text: "Owners add seats under Settings, then Members; each seat is billed monthly." }]);
    const faq = "question,answer\nHow do I export my notebooks?,Use File then Export and pick Markdown or PDF.\nCan I use a stylus?,Yes: any active stylus works with handwriting mode.\n";
    const exportV1 = zipSync({
      "help/sync.md": strToU8("---\ntitle: Sync between devices\n---\n# Sync\n\nNotes sync every five seconds while the app is open."),
      "help/themes.html": strToU8("<html><head><title>Dark theme</title></head><body><h1>Dark theme</h1><p>Switch to the dark theme under Appearance.</p></body></html>"),
      "help/logo.png": new Uint8Array([137, 80, 78, 71]),
    });
    const jobs = await Promise.all([
      uploadJob(sb, ORG, "help", "admin-guide.docx", docx),
      uploadJob(sb, ORG, "faq", "faq.csv", faq),
      uploadJob(sb, ORG, "help", "export.zip", exportV1),
    ]);
    const [guide, csv, zip] = await Promise.all(jobs.map((j) => finished(sb, ORG, j.id)));
    expect(guide).toMatchObject({ status: "done", documents: [expect.objectContaining({ title: "Team admin guide" })] });
    expect(csv?.documents.map((d) => d.title)).toEqual(["How do I export my notebooks?", "Can I use a stylus?"]);
    expect(zip?.documents.map((d) => [d.title, d.source])).toEqual([
      ["Sync between devices", "file:export.zip/help/sync.md"],
      ["Dark theme", "file:export.zip/help/themes.html"],
    ]);
    expect(zip?.errors).toEqual([{ item: "help/logo.png", code: "skipped", message: "not a supported file type" }]);
    expect(zip?.progress).toEqual({ done: 2, total: 2 });

    expect((await ask("How often do notes sync between devices?")).text).toContain("five seconds");
    expect((await ask("How do owners add seats for members?")).sources?.[0]?.title).toBe("Team admin guide");
    expect((await ask("can I use a stylus for handwriting?")).sources?.[0]?.title).toBe("Can I use a stylus?");

    const before = await sb.db.prepare("SELECT DISTINCT r2_key FROM knowledge_documents WHERE source LIKE 'file:export.zip/%'").all<{ r2_key: string }>();
    const exportV2 = zipSync({ "help/sync.md": strToU8("# Sync between devices\n\nNotes sync every ten seconds while the app is open.") });
    const again = await finished(sb, ORG, (await uploadJob(sb, ORG, "help", "export.zip", exportV2)).id);
    expect(again.documents.map((d) => [d.source, d.change])).toEqual([
      ["file:export.zip/help/sync.md", "updated"],
      ["file:export.zip/help/themes.html", "removed"],
    ]);
    expect((await documents(sb, ORG, "help")).map((d) => d.title).sort()).toEqual(["Sync between devices", "Team admin guide"]);
    // The first export's original is gone from R2: nothing names it any more.
    const bucket = await sb.mf.getR2Bucket("DOCUMENTS", "switchboard");
    expect(await bucket.head(before.results[0]!.r2_key)).toBeNull();
  });

  it("re-parses an uploaded document from its original", async () => {
    const [doc] = (await documents(sb, ORG, "manuals")).filter((d) => d.format === "pdf");
    const res = await sb.admin(`/api/admin/orgs/${ORG}/collections/manuals/documents/${doc!.id}/reparse`, { method: "POST" });
    expect(res.status).toBe(202);
    const job = await finished(sb, ORG, ((await res.json()) as { job: { id: string } }).job.id);
    expect(job).toMatchObject({ kind: "reparse", status: "done", documents: [expect.objectContaining({ id: doc!.id, change: "unchanged" })] });
    const text = await sb.admin(`/api/admin/orgs/${ORG}/collections/faq/documents`);
    const faqDoc = ((await text.json()) as { documents: { id: string }[] }).documents[0]!;
    // A document sent as text has no original: nothing to parse again.
    const sent = await sb.admin(`/api/admin/orgs/${ORG}/collections/notes/documents`, { method: "POST", body: JSON.stringify({ format: "text", content: "Plain words.", title: "Plain" }) });
    const plain = ((await sent.json()) as { documents: { id: string }[] }).documents[0]!;
    const refused = await sb.admin(`/api/admin/orgs/${ORG}/collections/notes/documents/${plain.id}/reparse`, { method: "POST" });
    expect(refused.status).toBe(422);
    expect(((await refused.json()) as { error: { code: string } }).error.code).toBe("no_original");
    expect((await sb.admin(`/api/admin/orgs/${ORG}/collections/manuals/documents/${faqDoc.id}/reparse`, { method: "POST" })).status).toBe(404);
  });

  it("lists jobs newest first, and deleting a document deletes its original", async () => {
    const list = (await (await sb.admin(`/api/admin/orgs/${ORG}/ingest-jobs?collection=help&limit=5`)).json()) as { jobs: { id: string; collection: string; createdAt: string }[] };
    expect(list.jobs.length).toBeGreaterThanOrEqual(3);
    expect(list.jobs.every((j) => j.collection === "help")).toBe(true);
    expect([...list.jobs].sort((a, b) => b.createdAt.localeCompare(a.createdAt)).map((j) => j.id)).toEqual(list.jobs.map((j) => j.id));
    const [doc] = (await documents(sb, ORG, "help")).filter((d) => d.title === "Team admin guide");
    const key = (await sb.db.prepare("SELECT r2_key FROM knowledge_documents WHERE id = ?").bind(doc!.id).first<{ r2_key: string }>())!.r2_key;
    const bucket = await sb.mf.getR2Bucket("DOCUMENTS", "switchboard");
    expect(await bucket.head(key)).not.toBeNull();
    expect((await sb.admin(`/api/admin/orgs/${ORG}/collections/help/documents/${doc!.id}`, { method: "DELETE" })).status).toBe(200);
    expect(await bucket.head(key)).toBeNull();
    // Another org sees none of these jobs.
    await sb.admin("/api/admin/orgs", { method: "POST", body: JSON.stringify({ id: "files-other", name: "Other" }) });
    const token = ((await (await sb.admin("/api/admin/tokens", { method: "POST", body: JSON.stringify({ name: "other", orgId: "files-other", scopes: ["*"] }) })).json()) as { token: string }).token;
    const other = await sb.fetch(`/api/admin/orgs/${ORG}/ingest-jobs/${list.jobs[0]!.id}`, { headers: { authorization: `Bearer ${token}` } });
    expect(other.status).toBe(404);
    const mine = await sb.fetch(`/api/admin/orgs/files-other/ingest-jobs/${list.jobs[0]!.id}`, { headers: { authorization: `Bearer ${token}` } });
    expect(mine.status).toBe(404);
  });
});

describe("hostile and wrong uploads are refused at the door", () => {
  const errorOf = async (res: Response) => ({ status: res.status, ...((await res.json()) as { error: { code: string; message: string } }).error });
  const nothingStored = async () => {
    const bucket = await sb.mf.getR2Bucket("DOCUMENTS", "switchboard");
    const listed = await bucket.list({ prefix: `${ORG}/hostile/` });
    const jobs = await sb.db.prepare("SELECT COUNT(*) AS n FROM ingest_jobs WHERE org_id = ? AND collection_id = 'hostile'").bind(ORG).first<{ n: number }>();
    return listed.objects.length === 0 && jobs?.n === 0;
  };

  it("oversize, wrong type, zip bombs, a fake PDF, an empty file, no file, not a form", async () => {
    const big = new Uint8Array(21 * 1024 * 1024).fill(65);
    expect(await errorOf(await upload(sb, ORG, "hostile", "huge.pdf", big))).toMatchObject({ status: 413, code: "payload_too_large" });
    expect(await errorOf(await upload(sb, ORG, "hostile", "huge.txt", new Uint8Array(6 * 1024 * 1024).fill(65)))).toMatchObject({ status: 413 });
    expect(await errorOf(await upload(sb, ORG, "hostile", "program.exe", new Uint8Array([0x4d, 0x5a, 0x90, 0, 3, 0, 0, 0])))).toMatchObject({ status: 415, code: "unsupported_type" });
    expect(await errorOf(await upload(sb, ORG, "hostile", "fake.pdf", "just some text, not a PDF at all"))).toMatchObject({ status: 415 });

    // A zip bomb that admits its size: 40 files of 4 MB of zeros (a few KB compressed).
    const zeros = new Uint8Array(4 * 1024 * 1024 - 1);
    const honest = zipSync(Object.fromEntries(Array.from({ length: 10 }, (_, i) => [`page-${i}.md`, zeros])), { level: 9 });
    expect(honest.length).toBeLessThan(200_000);
    expect(await errorOf(await upload(sb, ORG, "hostile", "bomb.zip", honest))).toMatchObject({ status: 413, code: "payload_too_large" });
    // One that reuses one compressed stream for many entries (overlapping entries).
    const overlapping = rawZip([{ name: "a.md", data: new Uint8Array(1_000_000) }, ...Array.from({ length: 20 }, (_, i) => ({ name: `copy-${i}.md`, data: new Uint8Array(0), shareWith: 0 }))]);
    expect(await errorOf(await upload(sb, ORG, "hostile", "overlap.zip", overlapping))).toMatchObject({ status: 422, code: "unsafe_archive" });
    // One whose names climb out of the archive.
    expect(await errorOf(await upload(sb, ORG, "hostile", "slip.zip", rawZip([{ name: "../../etc/passwd.md", data: strToU8("x") }])))).toMatchObject({ status: 422, code: "unsafe_archive" });

    expect(await errorOf(await upload(sb, ORG, "hostile", "empty.md", ""))).toMatchObject({ status: 422, code: "empty_document" });
    const noFile = new FormData();
    noFile.set("title", "no file here");
    const res = await sb.fetch(`/api/admin/orgs/${ORG}/collections/hostile/files`, { method: "POST", headers: { authorization: `Bearer ${ADMIN_TOKEN}` }, body: noFile });
    expect(await errorOf(res)).toMatchObject({ status: 400, code: "invalid_request" });
    const json = await sb.admin(`/api/admin/orgs/${ORG}/collections/hostile/files`, { method: "POST", body: JSON.stringify({ file: "x" }) });
    expect(await errorOf(json)).toMatchObject({ status: 415, code: "unsupported_media_type" });
    expect(await errorOf(await upload(sb, ORG, "hostile", "notes.md", "# Notes\n\nHello.", { url: "javascript:alert(1)" }))).toMatchObject({ status: 400 });
    expect(await nothingStored()).toBe(true);
  });

  it("a file that passes the door but is broken inside fails its job, with the parser's reason, and keeps nothing", async () => {
    const truncated = (await makePdf([{ lines: ["A page."] }])).slice(0, 400);
    const job = await uploadJob(sb, ORG, "broken", "truncated.pdf", truncated);
    const done = await finished(sb, ORG, job.id);
    expect(done.status).toBe("failed");
    expect(done.error?.code).toMatch(/malformed_file|empty_document/);
    const bucket = await sb.mf.getR2Bucket("DOCUMENTS", "switchboard");
    expect((await bucket.list({ prefix: `${ORG}/broken/` })).objects).toEqual([]);
    expect((await getJob(sb, ORG, job.id)).documents).toEqual([]);
  });
});
