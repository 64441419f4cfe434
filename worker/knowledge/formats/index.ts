/**
 * One entry point for every uploaded format: `parseContent` tells the format from the file
 * name, the declared type and the first bytes, and returns documents in one shape (title,
 * sections with heading/page/startSec). Parsers throw `ApiError`s (413 too large, 415
 * unsupported, 422 malformed/unsafe/empty) the admin API can pass on unchanged.
 *
 * Formats: PDF, DOCX, CSV and JSON FAQ exports, WebVTT and SRT captions, ZIP help-center
 * exports (Markdown, HTML, text — and any of the above — inside), Markdown, HTML, text.
 */
import { parseCaptions, sniffCaptions } from "./captions";
import { parseDocx } from "./docx";
import { faqDocuments, faqFromCsv, faqFromJson } from "./faq";
import { htmlSections } from "./html";
import { markdownSections } from "./markdown";
import { isPdf, parsePdf } from "./pdf";
import { checkDocumentText, limitsWith, noContent, tidy, titleFromFilename as titleFromPath, tooLarge, unsupported, type ContentFormat, type FormatLimits, type ParseResult, type ParsedDocument, type Skipped } from "./types";
import { inspectZip, isZip, readZip } from "./zip";

export type { ContentFormat, FormatLimits, ParseResult, ParsedDocument, Section, Skipped } from "./types";
export { FORMAT_LIMITS } from "./types";
export { citationLabel, citationUrl } from "./citation";
export { findCaptionTracks, pickTrack, transcriptFromVideoPage, type CaptionTrack, type VideoPage } from "./video-page";

export interface ContentInput {
  bytes: Uint8Array;
  /** The uploaded file's name; its extension decides the format when there is one. */
  filename?: string;
  contentType?: string;
  /** Set when the caller knows better than the name (an API field). */
  format?: ContentFormat;
  /** A URL the content belongs to (a transcript's video); it becomes each document's `url`. */
  url?: string;
  /** A title that wins over what the file says. */
  title?: string;
}

const EXTENSIONS: Record<string, ContentFormat> = {
  pdf: "pdf", docx: "docx", csv: "csv", tsv: "csv", json: "json", jsonld: "json", vtt: "vtt", srt: "srt", zip: "zip",
  md: "markdown", markdown: "markdown", mdx: "markdown", html: "html", htm: "html", txt: "text", text: "text",
};

const TYPES: [RegExp, ContentFormat][] = [
  [/application\/pdf/, "pdf"],
  [/wordprocessingml\.document/, "docx"],
  [/text\/csv|text\/tab-separated-values/, "csv"],
  [/json/, "json"],
  [/text\/vtt/, "vtt"],
  [/subrip|x-srt/, "srt"],
  [/zip/, "zip"],
  [/markdown/, "markdown"],
  [/html/, "html"],
  [/text\/plain/, "text"],
];

export const extensionOf = (name: string) => name.toLowerCase().match(/\.([a-z0-9]+)$/)?.[1] ?? "";

/** The format of an upload: explicit, then magic bytes for binaries, then extension, then type. */
export function detectFormat(input: Pick<ContentInput, "bytes" | "filename" | "contentType" | "format">): ContentFormat | null {
  if (input.format) return input.format;
  const ext = input.filename ? EXTENSIONS[extensionOf(input.filename)] : undefined;
  if (isPdf(input.bytes)) return "pdf";
  if (isZip(input.bytes)) {
    if (ext === "docx" || ext === "zip") return ext;
    if (/wordprocessingml/.test(input.contentType ?? "")) return "docx";
    // A Word file is a ZIP whose central directory (at the end) names word/document.xml.
    return new TextDecoder("latin1").decode(input.bytes.subarray(Math.max(0, input.bytes.length - 65536))).includes("word/document.xml") ? "docx" : "zip";
  }
  if (ext) return ext;
  const type = (input.contentType ?? "").toLowerCase();
  const byType = TYPES.find(([re]) => re.test(type))?.[1];
  if (byType) return byType;
  const head = new TextDecoder().decode(input.bytes.subarray(0, 2048));
  const captions = sniffCaptions(head);
  if (captions) return captions;
  if (/^\s*</.test(head) && /<(html|body|p|div|h[1-6])[\s>]/i.test(head)) return "html";
  return null;
}

const BINARY = new Set<ContentFormat>(["pdf", "docx", "zip"]);

function decodeText(bytes: Uint8Array, limits: FormatLimits, what: string): string {
  if (bytes.length > limits.textBytes) throw tooLarge(`${what} is larger than ${limits.textBytes} bytes`);
  return new TextDecoder().decode(bytes).replace(/^\uFEFF/, "");
}

/**
 * What can be told about an upload without parsing it, for the request that receives it: its
 * format (415 when none), its size for that format (413), and for a ZIP or Word file every
 * check made before inflating (413/415/422 for a hostile or oversized archive). What is left
 * — text extraction, inflating, pdf.js — is the background job's.
 */
export function preflight(input: Pick<ContentInput, "bytes" | "filename" | "contentType">, overrides?: Partial<FormatLimits>): ContentFormat {
  const limits = limitsWith(overrides);
  const format = detectFormat(input);
  if (!format) throw unsupported(`cannot tell what ${input.filename ? JSON.stringify(input.filename) : "this file"} is; upload PDF, DOCX, CSV, JSON, VTT, SRT, ZIP, Markdown, HTML or text`);
  if (BINARY.has(format)) {
    if (input.bytes.length > limits.fileBytes) throw tooLarge(`the file is larger than ${limits.fileBytes} bytes`);
  } else if (input.bytes.length > limits.textBytes) throw tooLarge(`${input.filename ?? "the file"} is larger than ${limits.textBytes} bytes`);
  if (format === "pdf" && !isPdf(input.bytes)) throw unsupported(`${input.filename ?? "the file"} is named as a PDF but is not one`);
  if (format === "zip") inspectZip(input.bytes, limits, (path) => ARCHIVE_FORMATS.has(EXTENSIONS[extensionOf(path)] as ContentFormat));
  if (format === "docx") {
    if (!isZip(input.bytes)) throw unsupported(`${input.filename ?? "the file"} is named as a Word file but is not one`);
    inspectZip(input.bytes, { ...limits, zipEntryBytes: limits.docxPartBytes }, (path) => /\.(xml|rels)$/i.test(path));
  }
  return format;
}

export async function parseContent(input: ContentInput, overrides?: Partial<FormatLimits>): Promise<ParseResult> {
  const limits = limitsWith(overrides);
  const format = detectFormat(input);
  if (!format) throw unsupported(`cannot tell what ${input.filename ? JSON.stringify(input.filename) : "this file"} is; upload PDF, DOCX, CSV, JSON, VTT, SRT, ZIP, Markdown, HTML or text`);
  if (BINARY.has(format) && input.bytes.length > limits.fileBytes) throw tooLarge(`the file is larger than ${limits.fileBytes} bytes`);
  const name = input.filename ?? "the file";
  let result: ParseResult;
  if (format === "zip") result = await parseArchive(input.bytes, limits);
  else if (format === "csv" || format === "json") {
    const text = decodeText(input.bytes, limits, name);
    const { pairs, skipped } = format === "csv" ? faqFromCsv(text, limits) : await faqFromJson(text, limits);
    result = {
      format,
      documents: faqDocuments(pairs, format),
      skipped: skipped ? [{ path: name, reason: `${skipped} ${skipped === 1 ? "entry has" : "entries have"} no question or no answer` }] : [],
    };
  } else result = { format, documents: [await parseSingle(format, input.bytes, limits, name)], skipped: [] };

  for (const doc of result.documents) {
    if (input.url && !doc.url) doc.url = input.url;
    if (input.title && result.documents.length === 1) doc.title = input.title;
  }
  return result;
}

/** One file that is one document. */
async function parseSingle(format: ContentFormat, bytes: Uint8Array, limits: FormatLimits, name: string): Promise<ParsedDocument> {
  switch (format) {
    case "pdf":
      return parsePdf(bytes, limits);
    case "docx":
      return parseDocx(bytes, limits);
    case "vtt":
    case "srt":
      return parseCaptions(decodeText(bytes, limits, name), format, limits);
    case "markdown": {
      const md = markdownSections(decodeText(bytes, limits, name));
      return finish({ format, title: md.title, sections: md.sections, ...(md.url ? { url: md.url } : {}), ...(md.lang ? { lang: md.lang } : {}) }, limits, name);
    }
    case "html": {
      const html = await htmlSections(decodeText(bytes, limits, name));
      return finish({ format, title: html.title, sections: html.sections, ...(html.lang ? { lang: html.lang } : {}) }, limits, name);
    }
    case "text":
      return finish({ format, title: null, sections: [{ text: tidy(decodeText(bytes, limits, name)) }].filter((s) => s.text) }, limits, name);
    default:
      throw unsupported(`${name}: ${format} files cannot be read here`);
  }
}

function finish(doc: ParsedDocument, limits: FormatLimits, name: string): ParsedDocument {
  if (doc.sections.length === 0) throw noContent(`${name} has no readable text`);
  checkDocumentText(doc.sections, limits, name);
  return doc;
}

/** Files of a help-center export that become documents (FAQ exports inside one are not). */
const ARCHIVE_FORMATS = new Set<ContentFormat>(["markdown", "html", "text", "pdf", "docx", "vtt", "srt"]);

/**
 * A ZIP export: each readable file is a document named by its path. One bad file is
 * skipped with its reason; an archive that is hostile or over the caps is refused whole.
 */
async function parseArchive(bytes: Uint8Array, limits: FormatLimits): Promise<ParseResult> {
  const formatOf = (path: string) => EXTENSIONS[extensionOf(path)];
  const { files, skipped } = readZip(bytes, limits, (path) => ARCHIVE_FORMATS.has(formatOf(path) as ContentFormat));
  const documents: ParsedDocument[] = [];
  const notes: Skipped[] = [...skipped];
  for (const file of files) {
    const format = formatOf(file.path)!;
    try {
      const doc = await parseSingle(format, file.bytes, limits, file.path);
      documents.push({ ...doc, path: file.path, title: doc.title ?? titleFromPath(file.path) });
    } catch (error) {
      if (error instanceof Error && "status" in error && (error as { status: number }).status < 500) {
        notes.push({ path: file.path, reason: error.message });
        continue;
      }
      throw error;
    }
  }
  if (documents.length === 0) {
    throw noContent(notes.length ? `the archive has no readable Markdown, HTML or text files (${notes.slice(0, 3).map((s) => `${s.path}: ${s.reason}`).join("; ")})` : "the archive is empty");
  }
  return { format: "zip", documents, skipped: notes };
}
