/**
 * Reading request input at the edge: size-capped, parsed, validated by a zod schema.
 * Every failure is a 4xx ApiError before anything is stored.
 */
import { z } from "zod";
import { MAX_BODY_BYTES } from "../../shared/limits";
import { ApiError } from "./errors";
import { readLimited } from "./read-limited";

export async function readJson<S extends z.ZodType>(request: Request, schema: S, maxBytes = MAX_BODY_BYTES): Promise<z.infer<S>> {
  const declared = Number(request.headers.get("content-length") ?? "0");
  if (declared > maxBytes) {
    await drain(request);
    throw new ApiError(413, "payload_too_large", `the body must be at most ${maxBytes} bytes`);
  }
  const { bytes, truncated, reader } = await readLimited(request.body, maxBytes);
  if (truncated) {
    await drain(request, reader ?? undefined);
    throw new ApiError(413, "payload_too_large", `the body must be at most ${maxBytes} bytes`);
  }
  const text = new TextDecoder().decode(bytes);
  let raw: unknown;
  try {
    raw = text.trim() === "" ? {} : JSON.parse(text);
  } catch {
    throw new ApiError(400, "bad_json", "the body is not valid JSON");
  }
  return validate(schema, raw);
}

export function validate<S extends z.ZodType>(schema: S, raw: unknown): z.infer<S> {
  const parsed = schema.safeParse(raw);
  if (!parsed.success) {
    const tooLarge = parsed.error.issues.find((i) => i.message.includes("at most") && i.message.includes("bytes"));
    if (tooLarge) throw new ApiError(413, "payload_too_large", `${tooLarge.path.join(".")}: ${tooLarge.message}`);
    throw new ApiError(400, "invalid_request", describeIssues(parsed.error));
  }
  return parsed.data;
}

export function describeIssues(error: z.ZodError): string {
  return error.issues
    .slice(0, 5)
    .map((i) => (i.path.length ? `${i.path.join(".")}: ${i.message}` : i.message))
    .join("; ");
}

/** Reads and drops a body nobody will read (a request refused before its body was looked at). */
export async function discardBody(request: Request): Promise<void> {
  if (request.body && !request.bodyUsed) await drain(request).catch(() => {});
}

/** Up to this much of a refused body is read and dropped, so the client's connection
 * stays healthy for its next request; past it, the connection is cut. */
const DRAIN_LIMIT = 1024 * 1024;

async function drain(request: Request, reader: ReadableStreamDefaultReader<Uint8Array> | undefined = request.body?.getReader()): Promise<void> {
  if (!reader) return;
  let read = 0;
  while (read < DRAIN_LIMIT) {
    const { done, value } = await reader.read();
    if (done) return;
    read += value.byteLength;
  }
  await reader.cancel();
}
