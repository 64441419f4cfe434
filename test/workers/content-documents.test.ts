/**
 * Documents parsed inside workerd: real PDFs (pdf-lib) keep their pages and headings, real
 * Word files (WordprocessingML) their headings and title, FAQ exports (CSV, JSON, FAQPage
 * JSON-LD) become one document per question. Damaged and oversized files give clear 4xx
 * errors, never a crash.
 */
import { describe, expect, it } from "vitest";
import { ApiError } from "../../worker/http/errors";
import { detectFormat, parseContent } from "../../worker/knowledge/formats";
import { concat, makeDocx, makePdf, text } from "./content-fixtures";

async function rejects(p: Promise<unknown>, status: number, code: string | RegExp, message?: RegExp): Promise<void> {
  const error = await p.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error, "expected the parser to refuse").toBeInstanceOf(ApiError);
  expect((error as ApiError).status).toBe(status);
  expect((error as ApiError).code).toMatch(code);
  if (message) expect((error as ApiError).message).toMatch(message);
}

const manual = () =>
  makePdf(
    [
      { heading: "Getting started", lines: ["Install the desktop app from the downloads page.", "Sign in with your work email."] },
      { lines: ["Your notes sync every few seconds while you are online.", "", "Offline edits are kept and sent when you reconnect."] },
      { heading: "Billing", lines: ["Invoices are issued on the first day of each month."] },
      { heading: "Refunds", lines: ["You can ask for a refund within 30 days of a charge.", "Refunds reach your card in five to ten business days."] },
    ],
    { title: "Lumen Notes Handbook", lang: "en-GB" },
  );

describe("PDF", () => {
  it("keeps page numbers and headings, and the title from the metadata", async () => {
    const bytes = await manual();
    expect(detectFormat({ bytes, filename: "handbook.bin" })).toBe("pdf");
    const { format, documents } = await parseContent({ bytes, filename: "handbook.pdf" });
    expect(format).toBe("pdf");
    expect(documents).toHaveLength(1);
    const doc = documents[0]!;
    expect(doc.title).toBe("Lumen Notes Handbook");
    expect(doc.lang).toBe("en-GB");
    const refund = doc.sections.find((s) => s.text.includes("refund within 30 days"));
    expect(refund).toMatchObject({ page: 4, heading: "Refunds" });
    // Page 2 has no heading of its own: it stays under the last heading, with its own page.
    const sync = doc.sections.find((s) => s.text.includes("sync every few seconds"));
    expect(sync).toMatchObject({ page: 2, heading: "Getting started" });
    expect(sync!.text).toMatch(/online\.\n\nOffline edits/); // the blank line is a paragraph break
    expect(doc.sections.map((s) => s.page)).toEqual([1, 2, 3, 4]);
    expect(doc.sections[0]!.text).toMatch(/^Getting started\n+Install the desktop app/);
  });

  it("falls back to the largest heading of page one for a title", async () => {
    const bytes = await makePdf([{ heading: "Release notes 4.2", lines: ["Dark mode is here."] }]);
    const { documents } = await parseContent({ bytes, filename: "notes.pdf" });
    expect(documents[0]!.title).toBe("Release notes 4.2");
  });

  it("refuses a truncated PDF, a fake one, a scan without text, and too many pages", async () => {
    const bytes = await manual();
    await rejects(parseContent({ bytes: bytes.subarray(0, Math.floor(bytes.length * 0.6)), filename: "cut.pdf" }), 422, "malformed_file", /truncated/);
    // Cut only the end marker: PDF.js would guess, we say what is wrong.
    await rejects(parseContent({ bytes: concat([text("%PDF-1.7\n"), new Uint8Array(3000).fill(32)]), filename: "junk.pdf" }), 422, "malformed_file");
    await rejects(parseContent({ bytes: text("%PDF-1.4\nthis is not a pdf at all\n%%EOF\n"), filename: "fake.pdf" }), 422, "malformed_file", /could not be read|no extractable/);
    const blank = await makePdf([{ lines: [] }, { lines: [] }]);
    await rejects(parseContent({ bytes: blank, filename: "scan.pdf" }), 422, "empty_document", /OCR/);
    await rejects(parseContent({ bytes, filename: "handbook.pdf" }, { pdfPages: 3 }), 413, "payload_too_large", /4 pages/);
    await rejects(parseContent({ bytes, filename: "handbook.pdf" }, { fileBytes: 1000 }), 413, "payload_too_large");
    await rejects(parseContent({ bytes, filename: "handbook.pdf" }, { documentTextBytes: 100 }), 413, "payload_too_large", /split/);
  });
});

describe("DOCX", () => {
  it("keeps headings and the title; tables and lists become text; images are never read", async () => {
    const bytes = makeDocx(
      [
        { style: "Title", text: "Team Admin Guide" },
        { text: "This guide is for workspace owners." },
        { style: "Heading1", text: "Inviting people" },
        { text: "Open Settings, then Members, and press Invite." },
        { table: [["Role", "Can do"], ["Editor", "edit notes"], ["Viewer", "read notes"]] },
        { pageBreak: true },
        { style: "Heading2", text: "Removing people" },
        { text: "Removed members lose access at once & their notes stay with the team." },
      ],
      { title: "Admin guide (core properties)", lang: "de-DE", image: true },
    );
    expect(detectFormat({ bytes, filename: "guide.docx" })).toBe("docx");
    expect(detectFormat({ bytes, filename: "upload.bin" })).toBe("docx");
    const { documents } = await parseContent({ bytes, filename: "guide.docx" });
    const doc = documents[0]!;
    expect(doc.format).toBe("docx");
    expect(doc.title).toBe("Admin guide (core properties)");
    expect(doc.lang).toBe("de-DE");
    expect(doc.sections.map((s) => s.heading)).toEqual(["Team Admin Guide", "Inviting people", "Removing people"]);
    const inviting = doc.sections[1]!;
    expect(inviting.text).toContain("press Invite");
    expect(inviting.text).toMatch(/Editor\s*\n?\s*edit notes/);
    expect(doc.sections[2]!.text).toContain("lose access at once & their notes");
    expect(doc.sections.every((s) => s.page === undefined)).toBe(true);
  });

  it("titles a document without core properties by its first heading", async () => {
    const bytes = makeDocx([{ style: "Heading1", text: "Security overview" }, { text: "Data is encrypted at rest." }]);
    const { documents } = await parseContent({ bytes, filename: "security.docx" });
    expect(documents[0]!.title).toBe("Security overview");
  });

  it("refuses a ZIP that is not a Word document and a truncated one", async () => {
    const { zipSync } = await import("fflate");
    const notWord = zipSync({ "readme.xml": text("<a/>") });
    await rejects(parseContent({ bytes: notWord, filename: "x.docx" }), 422, "malformed_file", /word\/document\.xml/);
    const good = makeDocx([{ text: "Hello" }]);
    await rejects(parseContent({ bytes: good.subarray(0, good.length - 30), filename: "cut.docx" }), 422, "malformed_file");
    const long = makeDocx(Array.from({ length: 200 }, (_, i) => ({ text: `Paragraph ${i} of a long manual.` })));
    await rejects(parseContent({ bytes: long, filename: "long.docx" }, { docxPartBytes: 5000 }), 413, "payload_too_large", /Word document's text/);
  });
});

describe("FAQ exports", () => {
  it("reads a CSV with quoted fields, commas, line breaks and a header it recognises", async () => {
    const csv = [
      "Category;Question;Answer;Link",
      'Billing;How do I get a refund?;"Ask within 30 days; we refund to the card you paid with.";https://example.com/refunds',
      'Account;"Can I change my ""display name""?";"Yes.\nOpen Profile, then Name."; ',
      "Account;What is this?;;",
      "Billing;How do I get a refund?;A second answer with the same question.;",
    ].join("\r\n");
    const { format, documents, skipped } = await parseContent({ bytes: text(`\uFEFF${csv}`), filename: "faq.csv" });
    expect(format).toBe("csv");
    expect(documents.map((d) => d.title)).toEqual(["How do I get a refund?", 'Can I change my "display name"?', "How do I get a refund?"]);
    expect(documents.map((d) => d.path)).toEqual(["how-do-i-get-a-refund", "can-i-change-my-display-name", "how-do-i-get-a-refund-2"]);
    expect(documents[0]).toMatchObject({ url: "https://example.com/refunds", sections: [{ heading: "How do I get a refund?", text: "Ask within 30 days; we refund to the card you paid with." }] });
    expect(documents[1]!.sections[0]!.text).toBe("Yes.\nOpen Profile, then Name.");
    expect(skipped).toEqual([{ path: "faq.csv", reason: "1 entry has no question or no answer" }]);
  });

  it("reads a headerless two-column CSV and refuses one whose columns it cannot tell", async () => {
    const { documents } = await parseContent({ bytes: text("Is there a free plan?,Yes - up to 3 devices.\nDo you offer SSO?,On the Business plan.\n"), filename: "qa.csv" });
    expect(documents.map((d) => d.title)).toEqual(["Is there a free plan?", "Do you offer SSO?"]);
    await rejects(parseContent({ bytes: text("id,created,views\n1,2024-01-01,3\n"), filename: "stats.csv" }), 422, "no_faq_pairs", /"question" and "answer"/);
    await rejects(parseContent({ bytes: text('question,answer\n"never closed,oops\n'), filename: "bad.csv" }), 422, "malformed_file", /line 2/);
  });

  it("refuses a huge CSV by size, rows, or field length", async () => {
    const row = `"${"Why? ".repeat(20)}","${"Because. ".repeat(40)}"\n`;
    const huge = `question,answer\n${row.repeat(Math.ceil((5 * 1024 * 1024) / row.length) + 10)}`;
    await rejects(parseContent({ bytes: text(huge), filename: "huge.csv" }), 413, "payload_too_large", /5242880 bytes/);
    await rejects(parseContent({ bytes: text(`question,answer\n${row.repeat(30)}`), filename: "many.csv" }, { faqPairs: 20 }), 413, "payload_too_large", /20 rows/);
    await rejects(parseContent({ bytes: text(`question,answer\nWhy?,"${"x".repeat(30_000)}"\n`), filename: "long.csv" }), 413, "payload_too_large", /20000 characters/);
  });

  it("reads JSON lists, wrapped lists, FAQPage JSON-LD with HTML answers, and question maps", async () => {
    const list = [{ q: "Where is my data stored?", a: "In the EU (Frankfurt)." }, { question: "Blank", answer: "" }];
    let r = await parseContent({ bytes: text(JSON.stringify(list)), filename: "faq.json" });
    expect(r.documents.map((d) => [d.title, d.sections[0]!.text])).toEqual([["Where is my data stored?", "In the EU (Frankfurt)."]]);
    expect(r.skipped[0]!.reason).toMatch(/1 entry/);

    r = await parseContent({ bytes: text(JSON.stringify({ meta: { v: 2 }, faqs: [{ title: "Export notes?", body: "File → Export → Markdown." }] })), filename: "export.json" });
    expect(r.documents[0]!.title).toBe("Export notes?");

    const jsonld = {
      "@context": "https://schema.org",
      "@type": "FAQPage",
      mainEntity: [
        { "@type": "Question", name: "Is there an API?", acceptedAnswer: { "@type": "Answer", text: "<p>Yes: see <a href='/api'>the API docs</a> &amp; keys under <b>Settings</b>.</p>" } },
      ],
    };
    r = await parseContent({ bytes: text(JSON.stringify(jsonld)), filename: "faq.jsonld", format: "json" });
    expect(r.documents[0]!.sections[0]!.text).toBe("Yes: see the API docs & keys under Settings.");

    r = await parseContent({ bytes: text(JSON.stringify({ "Do you have a dark mode?": "Yes, under Appearance." })), filename: "map.json" });
    expect(r.documents[0]!.title).toBe("Do you have a dark mode?");

    await rejects(parseContent({ bytes: text('{"faqs": [ {"question": "x", '), filename: "broken.json" }), 422, "malformed_file", /not valid JSON/);
    await rejects(parseContent({ bytes: text(JSON.stringify([{ id: 1, views: 3 }])), filename: "stats.json" }), 422, "no_faq_pairs");
    const deep = "[".repeat(200_000) + "]".repeat(200_000);
    await rejects(parseContent({ bytes: text(deep), filename: "deep.json" }), 422, /^(malformed_file|no_faq_pairs)$/);
  });
});

describe("format detection", () => {
  it("goes by magic bytes, then extension, then declared type, then content; refuses the unknown", async () => {
    expect(detectFormat({ bytes: text("WEBVTT\n\n00:01.000 --> 00:02.000\nHi") })).toBe("vtt");
    expect(detectFormat({ bytes: text("1\n00:00:01,000 --> 00:00:02,000\nHi\n") })).toBe("srt");
    expect(detectFormat({ bytes: text("<!doctype html><html><body><p>x</p>") })).toBe("html");
    expect(detectFormat({ bytes: text("# Title"), contentType: "text/markdown; charset=utf-8" })).toBe("markdown");
    expect(detectFormat({ bytes: text("# Title"), filename: "a.md", contentType: "text/plain" })).toBe("markdown");
    await rejects(parseContent({ bytes: new Uint8Array([0, 1, 2, 3]), filename: "blob.bin" }), 415, "unsupported_type");
  });
});
