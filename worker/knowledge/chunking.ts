/**
 * Splits a document into overlapping chunks for retrieval. Chunks follow paragraph and
 * sentence boundaries where they can; the overlap keeps a fact that straddles a boundary
 * findable from either side.
 */
export const CHUNK_CHARS = 900;
export const OVERLAP_CHARS = 150;

export function chunkText(text: string, size = CHUNK_CHARS, overlap = OVERLAP_CHARS): string[] {
  const clean = text.replace(/\r\n?/g, "\n").replace(/[ \t]+/g, " ").replace(/\n{3,}/g, "\n\n").trim();
  if (!clean) return [];
  if (clean.length <= size) return [clean];
  // Pieces no longer than `size`: paragraphs, else sentences, else hard cuts.
  const pieces: string[] = [];
  for (const para of clean.split(/\n\n/)) {
    if (para.length <= size) pieces.push(para);
    else
      for (const sentence of para.match(/[^.!?]+[.!?]+["')\]]*\s*|[^.!?]+$/g) ?? [para]) {
        for (let i = 0; i < sentence.length; i += size) pieces.push(sentence.slice(i, i + size).trim());
      }
  }
  const chunks: string[] = [];
  let current = "";
  for (const piece of pieces) {
    if (current && current.length + piece.length + 2 > size) {
      chunks.push(current);
      const tail = current.slice(-overlap);
      // Start the overlap at a word boundary.
      current = tail.slice(tail.indexOf(" ") + 1);
    }
    current = current ? `${current}\n\n${piece}` : piece;
  }
  if (current) chunks.push(current);
  return chunks;
}

/** Where a piece of text came from: kept on every chunk cut from it, for citations. */
export interface ChunkPlace {
  heading?: string;
  /** 1-based PDF page. */
  page?: number;
  /** Second of a video or recording. */
  startSec?: number;
}

export interface SectionChunk extends ChunkPlace {
  text: string;
}

/**
 * Chunks of a document given as sections (a page, the part under a heading, a timed
 * passage). Chunks never span two sections, so each carries its section's place exactly;
 * within a section the text is cut as `chunkText` cuts it.
 */
export function chunkSections(sections: readonly SectionChunk[], size = CHUNK_CHARS, overlap = OVERLAP_CHARS): SectionChunk[] {
  const out: SectionChunk[] = [];
  for (const section of sections) {
    const place: ChunkPlace = {
      ...(section.heading ? { heading: section.heading } : {}),
      ...(section.page != null ? { page: section.page } : {}),
      ...(section.startSec != null ? { startSec: section.startSec } : {}),
    };
    for (const text of chunkText(section.text, size, overlap)) out.push({ ...place, text });
  }
  return out;
}
