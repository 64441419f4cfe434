/**
 * Reading a multipart/form-data body (a file upload) at the edge: size-capped before it is
 * parsed (a declared length over the cap is refused unread; a body that runs past it is cut
 * off), then parsed by the runtime. Failures are 4xx ApiErrors.
 */
import { ApiError } from "./errors";
import { readLimited } from "./read-limited";

/**
 * A refused upload is still read (and dropped) up to this much, so the browser that sent it
 * gets our 413 instead of a reset connection; Cloudflare accepts no larger request body on
 * its Free and Pro plans anyway.
 */
const DRAIN_BYTES = 100 * 1024 * 1024;

async function drain(reader: ReadableStreamDefaultReader<Uint8Array>): Promise<void> {
  let read = 0;
  while (read < DRAIN_BYTES) {
    const { done, value } = await reader.read();
    if (done) return;
    read += value.byteLength;
  }
  await reader.cancel();
}

export async function readForm(request: Request, maxBytes: number): Promise<FormData> {
  const tooLarge = () => new ApiError(413, "payload_too_large", `the upload must be at most ${maxBytes} bytes`);
  const declared = Number(request.headers.get("content-length") ?? "0");
  if (declared > maxBytes) {
    if (request.body) await drain(request.body.getReader()).catch(() => {});
    throw tooLarge();
  }
  const { bytes, truncated, reader } = await readLimited(request.body, maxBytes);
  if (truncated) {
    if (reader) await drain(reader).catch(() => {});
    throw tooLarge();
  }
  try {
    return await new Response(bytes as Uint8Array<ArrayBuffer>, { headers: { "content-type": request.headers.get("content-type") ?? "" } }).formData();
  } catch {
    throw new ApiError(400, "bad_form", "the body is not valid multipart/form-data");
  }
}

/** A text field of a form: absent or empty is undefined; a file where text belongs is refused. */
export function formText(form: FormData, name: string): string | undefined {
  const value = form.get(name);
  if (value === null) return undefined;
  if (typeof value !== "string") throw new ApiError(400, "invalid_request", `${name} must be text, not a file`);
  return value.trim() || undefined;
}
