/**
 * Real files for the content-format tests, built at test time inside workerd: PDFs with
 * pdf-lib, Word documents as WordprocessingML zipped with fflate, caption files, ZIP
 * exports — and hostile ZIPs assembled byte by byte (lying sizes, shared data, bad names),
 * which no well-behaved zip library would write.
 */
import { deflateSync, strToU8, zipSync } from "fflate";
import { PDFDocument, StandardFonts } from "pdf-lib";
import { crc32 } from "../../worker/knowledge/formats/zip";

export interface PdfPage {
  heading?: string;
  lines: string[];
}

/** A PDF with 20 pt headings and 11 pt body lines, one entry per page. */
export async function makePdf(pages: PdfPage[], options: { title?: string; lang?: string } = {}): Promise<Uint8Array> {
  const doc = await PDFDocument.create();
  const font = await doc.embedFont(StandardFonts.Helvetica);
  const bold = await doc.embedFont(StandardFonts.HelveticaBold);
  if (options.title) doc.setTitle(options.title);
  if (options.lang) doc.setLanguage(options.lang);
  for (const p of pages) {
    const page = doc.addPage([595, 842]);
    let y = 780;
    if (p.heading) {
      page.drawText(p.heading, { x: 56, y, size: 20, font: bold });
      y -= 36;
    }
    for (const line of p.lines) {
      if (line === "") {
        y -= 14;
        continue;
      }
      page.drawText(line, { x: 56, y, size: 11, font });
      y -= 15;
    }
  }
  return doc.save();
}

const W = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"';
const esc = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");

export type DocxBlock = { style?: "Title" | "Heading1" | "Heading2"; text: string } | { table: string[][] } | { pageBreak: true };

/** A .docx as Word writes one: content types, relationships, styles, core properties, body. */
export function makeDocx(blocks: DocxBlock[], options: { title?: string; lang?: string; image?: boolean } = {}): Uint8Array {
  const paragraph = (text: string, style?: string) => `<w:p>${style ? `<w:pPr><w:pStyle w:val="${style}"/></w:pPr>` : ""}<w:r><w:t xml:space="preserve">${esc(text)}</w:t></w:r></w:p>`;
  const body = blocks
    .map((b) => {
      if ("table" in b) return `<w:tbl>${b.table.map((row) => `<w:tr>${row.map((cell) => `<w:tc>${paragraph(cell)}</w:tc>`).join("")}</w:tr>`).join("")}</w:tbl>`;
      if ("pageBreak" in b) return '<w:p><w:r><w:br w:type="page"/></w:r></w:p>';
      return paragraph(b.text, b.style);
    })
    .join("");
  const image = options.image
    ? '<w:p><w:r><w:drawing><wp:inline xmlns:wp="http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing"><wp:docPr id="1" name="Picture 1" descr="A diagram of the sync flow"/><a:graphic xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main"><a:graphicData uri="http://schemas.openxmlformats.org/drawingml/2006/picture"><pic:pic xmlns:pic="http://schemas.openxmlformats.org/drawingml/2006/picture"><pic:blipFill><a:blip xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships" r:embed="rIdImg"/></pic:blipFill></pic:pic></a:graphicData></a:graphic></wp:inline></w:drawing></w:r></w:p>'
    : "";
  const styles = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?><w:styles ${W}><w:docDefaults><w:rPrDefault><w:rPr><w:lang w:val="${options.lang ?? "en-US"}"/></w:rPr></w:rPrDefault></w:docDefaults>${[
    ["Title", "Title"],
    ["Heading1", "heading 1"],
    ["Heading2", "heading 2"],
  ]
    .map(([id, name]) => `<w:style w:type="paragraph" w:styleId="${id}"><w:name w:val="${name}"/></w:style>`)
    .join("")}</w:styles>`;
  const files: Record<string, Uint8Array> = {
    "[Content_Types].xml": strToU8(
      '<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Default Extension="png" ContentType="image/png"/><Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/><Override PartName="/word/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.styles+xml"/><Override PartName="/docProps/core.xml" ContentType="application/vnd.openxmlformats-package.core-properties+xml"/></Types>',
    ),
    "_rels/.rels": strToU8(
      '<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/><Relationship Id="rId2" Type="http://schemas.openxmlformats.org/package/2006/relationships/metadata/core-properties" Target="docProps/core.xml"/></Relationships>',
    ),
    "word/_rels/document.xml.rels": strToU8(
      '<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rIdStyles" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/><Relationship Id="rIdImg" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/image" Target="media/image1.png"/></Relationships>',
    ),
    "word/document.xml": strToU8(`<?xml version="1.0" encoding="UTF-8" standalone="yes"?><w:document ${W}><w:body>${body}${image}<w:sectPr/></w:body></w:document>`),
    "word/styles.xml": strToU8(styles),
    "docProps/core.xml": strToU8(
      `<?xml version="1.0" encoding="UTF-8" standalone="yes"?><cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" xmlns:dc="http://purl.org/dc/elements/1.1/">${options.title ? `<dc:title>${esc(options.title)}</dc:title>` : ""}</cp:coreProperties>`,
    ),
    // Bytes that are not a PNG at all: the parser must never need to read media.
    "word/media/image1.png": new Uint8Array(4096).fill(7),
  };
  return zipSync(files);
}

export interface RawEntry {
  name: string;
  data: Uint8Array;
  /** Deflate (default) or store. */
  method?: 0 | 8;
  /** Declared uncompressed size, when it should lie. */
  declaredSize?: number;
  /** Point the central directory at another entry's local header (by index). */
  shareWith?: number;
}

/** A ZIP assembled byte by byte, so tests can make the ones libraries refuse to write. */
export function rawZip(entries: RawEntry[]): Uint8Array {
  const locals: Uint8Array[] = [];
  const centrals: Uint8Array[] = [];
  const offsets: number[] = [];
  let offset = 0;
  const meta = entries.map((e) => {
    const method = e.method ?? 8;
    const compressed = method === 8 ? deflateSync(e.data) : e.data;
    return { e, method, compressed, crc: crc32(e.data), name: strToU8(e.name), size: e.declaredSize ?? e.data.length };
  });
  meta.forEach((m, i) => {
    if (m.e.shareWith !== undefined) {
      offsets.push(offsets[m.e.shareWith]!);
      return;
    }
    const h = new DataView(new ArrayBuffer(30));
    h.setUint32(0, 0x04034b50, true);
    h.setUint16(4, 20, true);
    h.setUint16(6, 0x800, true);
    h.setUint16(8, m.method, true);
    h.setUint32(14, m.crc, true);
    h.setUint32(18, m.compressed.length, true);
    h.setUint32(22, m.size, true);
    h.setUint16(26, m.name.length, true);
    offsets.push(offset);
    const local = concat([new Uint8Array(h.buffer), m.name, m.compressed]);
    locals.push(local);
    offset += local.length;
    void i;
  });
  meta.forEach((m, i) => {
    const src = m.e.shareWith !== undefined ? meta[m.e.shareWith]! : m;
    const c = new DataView(new ArrayBuffer(46));
    c.setUint32(0, 0x02014b50, true);
    c.setUint16(4, 20, true);
    c.setUint16(6, 20, true);
    c.setUint16(8, 0x800, true);
    c.setUint16(10, src.method, true);
    c.setUint32(16, src.crc, true);
    c.setUint32(20, src.compressed.length, true);
    c.setUint32(24, m.e.shareWith !== undefined ? src.size : m.size, true);
    c.setUint16(28, m.name.length, true);
    c.setUint32(42, offsets[i]!, true);
    centrals.push(concat([new Uint8Array(c.buffer), m.name]));
  });
  const cd = concat(centrals);
  const end = new DataView(new ArrayBuffer(22));
  end.setUint32(0, 0x06054b50, true);
  end.setUint16(8, entries.length, true);
  end.setUint16(10, entries.length, true);
  end.setUint32(12, cd.length, true);
  end.setUint32(16, offset, true);
  return concat([...locals, cd, new Uint8Array(end.buffer)]);
}

export function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

export const text = (s: string) => strToU8(s);
