/**
 * Help-center exports (ZIP of Markdown/HTML) in workerd: each file a document titled from its
 * front matter, `# heading` or `<title>`, sections by heading. Hostile archives — zip bombs
 * that lie about sizes or reuse compressed bytes, paths that climb out, too many or too large
 * files, garbage — are refused with a clear error before they cost memory.
 */
import { deflateSync, strToU8, zipSync } from "fflate";
import { describe, expect, it } from "vitest";
import { ApiError } from "../../worker/http/errors";
import { parseContent, type ParsedDocument } from "../../worker/knowledge/formats";
import { crc32, readZip, safePath } from "../../worker/knowledge/formats/zip";
import { FORMAT_LIMITS } from "../../worker/knowledge/formats/types";
import { makeDocx, makePdf, rawZip, text } from "./content-fixtures";

async function refusal(p: Promise<unknown>): Promise<ApiError> {
  const error = await p.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error, "expected a refusal").toBeInstanceOf(ApiError);
  return error as ApiError;
}

describe("help-center ZIP exports", () => {
  it("makes a document of every Markdown, HTML and text file, with titles and sections", async () => {
    const pdf = await makePdf([{ heading: "Price list", lines: ["Pro costs 8 euros a month."] }]);
    const zip = zipSync({
      "export/": new Uint8Array(0),
      "export/billing/refunds.md": strToU8("---\ntitle: \"Refund policy\"\nurl: https://help.example.com/refunds\nlang: en\ntags:\n  - billing\n---\nIntro line.\n\n## Eligibility\nWithin 30 days.\n\n```sh\n# not a heading\n```\n\nSetext heading\n--------------\nAfter it."),
      "export/account/password.md": strToU8("# Resetting your password\n\nUse **Forgot password** on the sign-in page."),
      "export/account/sso.html": strToU8("<html lang='fr'><head><title>Connexion SSO &amp; SAML</title></head><body><nav>Menu</nav><h1>SSO</h1><p>Configurez SAML.</p><h2>Okta</h2><p>Ajoutez l&#8217;application.</p></body></html>"),
      "export/notes.txt": strToU8("Plain notes for agents."),
      "export/pricing.pdf": pdf,
      "export/guide.docx": makeDocx([{ style: "Heading1", text: "Admin guide" }, { text: "Owners manage members." }]),
      "export/images/logo.png": new Uint8Array(100),
      "export/empty.md": strToU8("   \n"),
      "__MACOSX/export/._refunds.md": new Uint8Array(10),
      "export/.DS_Store": new Uint8Array(10),
    });
    const { format, documents, skipped } = await parseContent({ bytes: zip, filename: "help-center.zip" });
    expect(format).toBe("zip");
    const byPath: Record<string, ParsedDocument> = Object.fromEntries(documents.map((d) => [d.path ?? "", d]));
    expect(Object.keys(byPath).sort()).toEqual(["export/account/password.md", "export/account/sso.html", "export/billing/refunds.md", "export/guide.docx", "export/notes.txt", "export/pricing.pdf"]);

    const refunds = byPath["export/billing/refunds.md"]!;
    expect(refunds).toMatchObject({ format: "markdown", title: "Refund policy", url: "https://help.example.com/refunds", lang: "en" });
    expect(refunds.sections.map((s) => s.heading ?? null)).toEqual([null, "Eligibility", "Setext heading"]);
    expect(refunds.sections[1]!.text).toContain("# not a heading");
    expect(refunds.sections.map((s) => s.text).join("\n")).not.toContain("tags:");

    expect(byPath["export/account/password.md"]!.title).toBe("Resetting your password");
    const sso = byPath["export/account/sso.html"]!;
    expect(sso).toMatchObject({ format: "html", title: "Connexion SSO & SAML", lang: "fr" });
    expect(sso.sections).toEqual([
      { heading: "SSO", text: "SSO\n\nConfigurez SAML." },
      { heading: "Okta", text: "Okta\n\nAjoutez l’application." },
    ]);
    expect(byPath["export/notes.txt"]).toMatchObject({ format: "text", title: "Notes" });
    expect(byPath["export/pricing.pdf"]!.sections[0]).toMatchObject({ page: 1, heading: "Price list" });
    expect(byPath["export/guide.docx"]!.title).toBe("Admin guide");
    expect(skipped).toEqual([
      { path: "export/images/logo.png", reason: "not a supported file type" },
      { path: "export/empty.md", reason: "export/empty.md has no readable text" },
    ]);
  });

  it("checks CRCs, so fflate's archives and ours agree", () => {
    const data = strToU8("The quick brown fox jumps over the lazy dog");
    expect(crc32(data)).toBe(0x414fa339);
    const { files } = readZip(zipSync({ "a.md": data }), FORMAT_LIMITS, () => true);
    expect(new TextDecoder().decode(files[0]!.bytes)).toBe("The quick brown fox jumps over the lazy dog");
    const corrupt = rawZip([{ name: "a.md", data }]);
    const at = 30 + 4 + 10; // a byte inside the compressed data of "a.md"
    corrupt[at] = corrupt[at]! ^ 0xff;
    expect(() => readZip(corrupt, FORMAT_LIMITS, () => true)).toThrow(/corrupt/);
  });

  it("refuses a zip bomb that declares small sizes and inflates huge", async () => {
    const zeros = new Uint8Array(8 * 1024 * 1024); // 8 MB of zeros deflates to ~8 KB
    const bomb = rawZip([{ name: "readme.md", data: zeros, declaredSize: 1000 }]);
    expect(bomb.length).toBeLessThan(20_000);
    const e = await refusal(parseContent({ bytes: bomb, filename: "bomb.zip" }));
    expect([e.status, e.code]).toEqual([422, "unsafe_archive"]);
    expect(e.message).toMatch(/inflates past its declared size of 1000 bytes/);
  });

  it("refuses archives whose declared sizes add up past the cap, and skips single oversized files", async () => {
    const mb3 = new Uint8Array(3 * 1024 * 1024).fill(65);
    const packed = deflateSync(mb3);
    expect(packed.length).toBeLessThan(10_000);
    // 12 honest 3 MB files (36 MB) in a ~100 KB archive.
    const many = rawZip(Array.from({ length: 12 }, (_, i) => ({ name: `page-${i}.md`, data: mb3 })));
    const e = await refusal(parseContent({ bytes: many, filename: "many.zip" }));
    expect([e.status, e.code]).toEqual([413, "payload_too_large"]);
    expect(e.message).toMatch(/more than 33554432 bytes uncompressed/);

    const big = rawZip([{ name: "big.md", data: new Uint8Array(5 * 1024 * 1024).fill(66) }, { name: "ok.md", data: text("# Fine\nSmall file.") }]);
    const r = await parseContent({ bytes: big, filename: "big.zip" });
    expect(r.documents.map((d) => d.path)).toEqual(["ok.md"]);
    expect(r.skipped).toEqual([{ path: "big.md", reason: "larger than 4194304 bytes" }]);
  });

  it("refuses entries that share compressed bytes (overlapping zip bomb)", async () => {
    const zip = rawZip([{ name: "a.md", data: new Uint8Array(100_000).fill(97) }, ...Array.from({ length: 5 }, (_, i) => ({ name: `copy-${i}.md`, data: new Uint8Array(0), shareWith: 0 }))]);
    const e = await refusal(parseContent({ bytes: zip, filename: "overlap.zip" }));
    expect([e.code, e.message]).toEqual(["unsafe_archive", expect.stringMatching(/overlaps a\.md|overlaps copy/)]);
  });

  it("refuses paths that leave the archive, absolute paths, control characters and duplicates", async () => {
    for (const name of ["../../etc/passwd.md", "docs/../../x.md", "/etc/hosts.md", "C:\\Windows\\win.md", "..\\..\\evil.md", "bad\u0000name.md"]) {
      const e = await refusal(parseContent({ bytes: rawZip([{ name, data: text("# x\ny") }]), filename: "evil.zip" }));
      expect([e.status, e.code], name).toEqual([422, "unsafe_archive"]);
    }
    expect(safePath("./docs//a/./b.md")).toBe("docs/a/b.md");
    expect(safePath("docs\\win\\a.md")).toBe("docs/win/a.md");
    const dup = rawZip([{ name: "a.md", data: text("one") }, { name: "./a.md", data: text("two") }]);
    expect((await refusal(parseContent({ bytes: dup, filename: "dup.zip" }))).message).toMatch(/twice/);
  });

  it("refuses too many entries, garbage, truncated archives, and an archive with nothing readable", async () => {
    const files = Object.fromEntries(Array.from({ length: 30 }, (_, i) => [`p${i}.md`, strToU8(`# Page ${i}\ntext`)]));
    const e = await refusal(parseContent({ bytes: zipSync(files), filename: "many.zip" }, { zipEntries: 20 }));
    expect([e.status, e.code, e.message]).toEqual([413, "payload_too_large", "the archive lists 30 entries; at most 20"]);
    const f = await refusal(parseContent({ bytes: zipSync(files), filename: "many.zip" }, { zipFiles: 10 }));
    expect(f.message).toMatch(/30 files to read; at most 10/);

    const good = zipSync(files);
    expect((await refusal(parseContent({ bytes: good.subarray(0, good.length - 40), filename: "cut.zip" }))).code).toBe("malformed_file");
    expect((await refusal(parseContent({ bytes: good.subarray(0, 2000), filename: "cut.zip" }))).code).toBe("malformed_file");
    const garbage = new Uint8Array(5000).map((_, i) => (i * 7919) % 251);
    garbage.set([0x50, 0x4b, 0x03, 0x04]);
    expect((await refusal(parseContent({ bytes: garbage, filename: "garbage.zip" }))).code).toBe("malformed_file");
    const images = await refusal(parseContent({ bytes: zipSync({ "a.png": new Uint8Array(10) }), filename: "img.zip" }));
    expect([images.code, images.message]).toEqual(["empty_document", expect.stringMatching(/a\.png: not a supported file type/)]);
  });
});
