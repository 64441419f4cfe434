/**
 * PDF text with its pages and headings, through unpdf (PDF.js built for serverless runtimes).
 * Every section belongs to one page, so a chunk can be cited as "page 4". PDFs have no
 * headings as such: a line set noticeably larger than the body text (the size most of the
 * characters use) is taken as one; a PDF whose text is all one size uses its outline
 * (bookmarks) instead, if it has one.
 *
 * unpdf is ~1.7 MB of JavaScript, so it is imported on first use: a worker that never parses
 * a PDF never evaluates it.
 */
import type { PDFDocumentProxy } from "unpdf/pdfjs";
import { encrypted, malformed, noContent, tidy, tooLarge, utf8Bytes, type FormatLimits, type ParsedDocument, type Section } from "./types";

interface TextItem {
  str: string;
  transform: number[];
  width: number;
  hasEOL: boolean;
}

interface Line {
  text: string;
  size: number;
  y: number;
}

const HEADING_RATIO = 1.2;
const MAX_HEADING_CHARS = 150;

export const isPdf = (bytes: Uint8Array) => new TextDecoder("latin1").decode(bytes.subarray(0, 1024)).includes("%PDF-");

/** Text lines of one page, top to bottom as PDF.js reports them, with their font size. */
function pageLines(items: TextItem[]): Line[] {
  const lines: Line[] = [];
  let text = "";
  let size = 0;
  let y: number | null = null;
  let endX = 0;
  const end = () => {
    const t = text.replace(/\s+/g, " ").trim();
    if (t) lines.push({ text: t, size, y: y ?? 0 });
    text = "";
    size = 0;
    y = null;
  };
  for (const item of items) {
    const [, , c = 0, d = 0, x = 0, iy = 0] = item.transform;
    const fontSize = Math.hypot(c, d);
    if (item.str) {
      if (y !== null && Math.abs(iy - y) > Math.max(fontSize, size) * 0.5) end();
      if (text && x - endX > fontSize * 0.2 && !/\s$/.test(text) && !/^\s/.test(item.str)) text += " ";
      text += item.str;
      size = Math.max(size, Math.round(fontSize * 2) / 2);
      y ??= iy;
      endX = x + item.width;
    }
    if (item.hasEOL) end();
  }
  end();
  return lines;
}

/** The font size most characters are set in. */
function bodySize(pages: Line[][]): number {
  const chars = new Map<number, number>();
  for (const lines of pages) for (const l of lines) chars.set(l.size, (chars.get(l.size) ?? 0) + l.text.length);
  return [...chars].sort((a, b) => b[1] - a[1])[0]?.[0] ?? 0;
}

const isHeading = (line: Line, body: number) => body > 0 && line.size >= body * HEADING_RATIO && line.text.length <= MAX_HEADING_CHARS && /\p{L}/u.test(line.text);

/** Outline entries as (page, title), top two levels, in page order. */
async function outlineHeadings(pdf: PDFDocumentProxy): Promise<Map<number, string>> {
  const byPage = new Map<number, string>();
  try {
    const outline = await pdf.getOutline();
    const walk = async (items: typeof outline, depth: number) => {
      for (const item of items ?? []) {
        let dest = item.dest;
        if (typeof dest === "string") dest = await pdf.getDestination(dest);
        const ref = Array.isArray(dest) ? dest[0] : null;
        if (ref && typeof ref === "object") {
          const page = (await pdf.getPageIndex(ref)) + 1;
          if (!byPage.has(page) && item.title?.trim()) byPage.set(page, item.title.trim());
        }
        if (depth < 1) await walk(item.items, depth + 1);
      }
    };
    await walk(outline, 0);
  } catch {
    // A broken outline is no reason to refuse the text.
  }
  return byPage;
}

/** A title the author meant, not a converter's placeholder ("Microsoft Word - x.docx", "untitled"). */
function metaTitle(value: unknown): string | null {
  if (typeof value !== "string") return null;
  const t = value.replace(/\s+/g, " ").trim();
  if (!t || /^(untitled|unknown|title)$/i.test(t) || /^microsoft (word|powerpoint) - /i.test(t) || /\.(docx?|pdf|pptx?|indd)$/i.test(t)) return null;
  return t;
}

export async function parsePdf(bytes: Uint8Array, limits: FormatLimits): Promise<ParsedDocument> {
  if (bytes.length > limits.fileBytes) throw tooLarge(`the PDF is larger than ${limits.fileBytes} bytes`);
  if (!isPdf(bytes)) throw malformed("not a PDF file (no %PDF header)");
  if (!new TextDecoder("latin1").decode(bytes.subarray(Math.max(0, bytes.length - 2048))).includes("%%EOF")) {
    throw malformed("the PDF is truncated or damaged (it does not end with %%EOF); upload the complete file");
  }
  const { getDocumentProxy } = await import("unpdf");
  let pdf: PDFDocumentProxy;
  try {
    // PDF.js takes ownership of (detaches) the buffer it is given: give it a copy.
    pdf = (await getDocumentProxy(bytes.slice(), { isEvalSupported: false, useSystemFonts: false, disableFontFace: true, verbosity: 0, stopAtErrors: false })) as unknown as PDFDocumentProxy;
  } catch (error) {
    const name = error instanceof Error ? error.name : "";
    if (name === "PasswordException") throw encrypted("the PDF is password-protected; upload an unprotected copy");
    throw malformed(`the PDF could not be read: ${error instanceof Error ? error.message : String(error)}`);
  }
  try {
    if (pdf.numPages > limits.pdfPages) throw tooLarge(`the PDF has ${pdf.numPages} pages; at most ${limits.pdfPages}`);
    const pages: Line[][] = [];
    let bytesSoFar = 0;
    for (let n = 1; n <= pdf.numPages; n++) {
      let lines: Line[];
      try {
        const page = await pdf.getPage(n);
        const content = await page.getTextContent();
        lines = pageLines(content.items.filter((i) => "str" in i) as TextItem[]);
        page.cleanup();
      } catch (error) {
        throw malformed(`page ${n} of the PDF could not be read: ${error instanceof Error ? error.message : String(error)}`);
      }
      for (const l of lines) bytesSoFar += utf8Bytes(l.text) + 1;
      if (bytesSoFar > limits.documentTextBytes) throw tooLarge(`the PDF has more than ${limits.documentTextBytes} bytes of text; split it into smaller files`);
      pages.push(lines);
    }

    const body = bodySize(pages);
    const anyHeading = pages.some((lines) => lines.some((l) => isHeading(l, body)));
    const outline = anyHeading ? new Map<number, string>() : await outlineHeadings(pdf);

    const sections: Section[] = [];
    let heading: string | undefined;
    pages.forEach((lines, i) => {
      const page = i + 1;
      let text = "";
      let lastY: number | null = null;
      let lastWasHeading = false;
      const flush = () => {
        const t = tidy(text);
        if (t) sections.push({ ...(heading ? { heading } : {}), page, text: t });
        text = "";
      };
      if (outline.has(page)) heading = outline.get(page);
      for (const line of lines) {
        if (isHeading(line, body)) {
          if (lastWasHeading) heading = `${heading ?? ""} ${line.text}`.trim(); // a heading set on two lines
          else {
            flush();
            heading = line.text;
          }
          text += `${line.text}\n`;
          lastWasHeading = true;
        } else {
          // A gap well over a line's height is a paragraph break.
          if (lastY !== null && Math.abs(lastY - line.y) > Math.max(body, line.size) * 1.8) text += "\n";
          text += `${line.text}\n`;
          lastWasHeading = false;
        }
        lastY = line.y;
      }
      flush();
    });
    if (sections.length === 0) throw noContent("the PDF has no extractable text (a scanned document needs OCR first)");

    let info: Record<string, unknown> = {};
    try {
      info = ((await pdf.getMetadata()).info ?? {}) as Record<string, unknown>;
    } catch {
      // Metadata is optional.
    }
    const firstPage = pages[0] ?? [];
    const largest = firstPage.filter((l) => isHeading(l, body)).sort((a, b) => b.size - a.size)[0];
    const title = metaTitle(info.Title) ?? largest?.text ?? sections.find((s) => s.heading)?.heading ?? null;
    const lang = typeof info.Language === "string" && /^[A-Za-z]{2,3}(-[A-Za-z0-9]+)*$/.test(info.Language) ? info.Language : undefined;
    return { format: "pdf", title, sections, ...(lang ? { lang } : {}) };
  } finally {
    await pdf.destroy().catch(() => undefined);
  }
}
