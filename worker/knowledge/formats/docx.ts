/**
 * Word documents (.docx) through mammoth, which turns WordprocessingML into HTML with its
 * headings (Heading 1…6, Title) as `<h1>`…; the HTML is then cut into sections by
 * `htmlSections`. Word does not store where pages break (only the breaks a writer forced),
 * so DOCX sections carry headings but no page numbers.
 *
 * The archive is opened with our own checked reader first (`zip.ts`) and only its XML parts
 * are handed to mammoth, re-packed uncompressed: mammoth's own unzip never sees a hostile
 * archive, and images (not text) are never decoded.
 *
 * mammoth is loaded on first use (its browser build: the package's Node entry needs
 * `node:os`), so a worker that never parses a DOCX never evaluates it.
 */
import { zipSync } from "fflate";
import { htmlSections } from "./html";
import { readZip } from "./zip";
import { checkDocumentText, malformed, noContent, tooLarge, type FormatLimits, type ParsedDocument } from "./types";

interface Mammoth {
  convertToHtml(input: { arrayBuffer: ArrayBuffer }, options?: { styleMap?: string[]; includeDefaultStyleMap?: boolean; convertImage?: unknown }): Promise<{ value: string; messages: { type: string; message: string }[] }>;
  images: { imgElement(f: (image: unknown) => Promise<Record<string, string>>): unknown };
}

let mammothModule: Promise<Mammoth> | undefined;
function loadMammoth(): Promise<Mammoth> {
  mammothModule ??= import("mammoth/mammoth.browser.min.js").then((m: { default?: Mammoth } & Partial<Mammoth>) => (m.default ?? (m as Mammoth)));
  return mammothModule;
}

/** Title and Subtitle paragraphs become headings too, so a document's title is found. */
const STYLE_MAP = ["p[style-name='Title'] => h1:fresh", "p[style-name='Subtitle'] => h2:fresh"];

const decode = (b: Uint8Array | undefined) => (b ? new TextDecoder().decode(b) : "");
const xmlText = (s: string) => s.replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&quot;/g, '"').replace(/&apos;/g, "'").replace(/&amp;/g, "&").trim();

export async function parseDocx(bytes: Uint8Array, limits: FormatLimits): Promise<ParsedDocument> {
  // Word keeps text in XML parts; media, fonts and embedded objects are not read at all.
  const { files, skipped } = readZip(bytes, { ...limits, zipEntryBytes: limits.docxPartBytes }, (path) => /\.(xml|rels)$/i.test(path));
  const oversized = skipped.find((s) => s.path === "word/document.xml" && /larger than/.test(s.reason));
  if (oversized) throw tooLarge(`the Word document's text is larger than ${limits.docxPartBytes} bytes of XML; split it into smaller files`);
  const parts = new Map(files.map((f) => [f.path, f.bytes]));
  if (!parts.has("word/document.xml") && !files.some((f) => /^word\/document\d*\.xml$/.test(f.path))) {
    throw malformed("not a Word document: word/document.xml is missing");
  }
  const repacked = zipSync(Object.fromEntries(files.map((f) => [f.path, f.bytes])), { level: 0 });

  const mammoth = await loadMammoth();
  let html: string;
  try {
    const result = await mammoth.convertToHtml(
      { arrayBuffer: repacked.buffer.slice(repacked.byteOffset, repacked.byteOffset + repacked.byteLength) as ArrayBuffer },
      // An image keeps its alt text and nothing else (never read, never inlined as data: URLs).
      { styleMap: STYLE_MAP, convertImage: mammoth.images.imgElement(async () => ({ src: "" })) },
    );
    html = result.value;
  } catch (error) {
    throw malformed(`the Word document could not be read: ${error instanceof Error ? error.message : String(error)}`);
  }
  const { sections } = await htmlSections(`<body>${html}</body>`);
  if (sections.length === 0) throw noContent("the Word document has no text");
  checkDocumentText(sections, limits, "the Word document");

  const core = decode(parts.get("docProps/core.xml"));
  const coreTitle = xmlText(core.match(/<dc:title>([^<]*)<\/dc:title>/)?.[1] ?? "");
  const firstHeading = sections.find((s) => s.heading)?.heading;
  const lang = decode(parts.get("word/styles.xml")).match(/<w:lang\b[^>]*\bw:val="([A-Za-z]{2,3}(?:-[A-Za-z0-9]+)*)"/)?.[1]
    ?? core.match(/<dc:language>([^<]+)<\/dc:language>/)?.[1]?.trim();
  return { format: "docx", title: coreTitle || firstHeading || null, sections, ...(lang ? { lang } : {}) };
}
