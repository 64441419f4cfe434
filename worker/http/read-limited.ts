/**
 * Reads a body up to a byte cap — for request bodies (past the cap is an error) and for
 * answers of HTTP tools (past the cap is cut) — without ever buffering more than the cap.
 */
import { raceSignal } from "../engine/abort";

export async function readLimited(
  body: ReadableStream<Uint8Array> | null,
  cap: number,
  signal?: AbortSignal,
): Promise<{ bytes: Uint8Array; truncated: boolean; reader: ReadableStreamDefaultReader<Uint8Array> | null }> {
  if (!body) return { bytes: new Uint8Array(), truncated: false, reader: null };
  const reader = body.getReader();
  const parts: Uint8Array[] = [];
  let size = 0;
  let truncated = false;
  while (true) {
    const read = reader.read();
    const { done, value } = await (signal ? raceSignal(read, signal) : read);
    if (done) break;
    if (size + value.byteLength > cap) {
      parts.push(value.slice(0, cap - size));
      size = cap;
      truncated = true;
      break;
    }
    parts.push(value);
    size += value.byteLength;
  }
  const bytes = new Uint8Array(size);
  let offset = 0;
  for (const p of parts) {
    bytes.set(p, offset);
    offset += p.byteLength;
  }
  return { bytes, truncated, reader };
}
