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
