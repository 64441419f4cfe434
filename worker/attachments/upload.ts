/**
 * Reading an upload at the edge: `multipart/form-data` with one `file` (and, optionally,
 * `text` — words sent with it — and `clientMessageId`, which makes a visitor's upload
 * idempotent like a message). The body is capped before it is parsed; the file's type is
 * what its bytes are (sniff.ts). Every failure is a 4xx before anything is stored.
 */
import { MAX_ATTACHMENT_BYTES, type AttachmentType } from "../../shared/attachments";
import { ClientMessageId, MessageText } from "../../shared/protocol";
import { ApiError } from "../http/errors";
import { readLimited } from "../http/read-limited";
import { declaredFits, sniffType } from "./sniff";

/** Room for the form's boundaries, headers and text fields around the file. */
const ENVELOPE_BYTES = 32 * 1024;

export interface Upload {
  name: string;
  type: AttachmentType;
  bytes: Uint8Array;
  text?: string;
  clientMessageId?: string;
}

const tooLarge = () => new ApiError(413, "payload_too_large", `a file must be at most ${MAX_ATTACHMENT_BYTES / (1024 * 1024)} MB`);

export async function readUpload(request: Request): Promise<Upload> {
  const contentType = request.headers.get("content-type") ?? "";
  if (!/^multipart\/form-data\s*;/i.test(contentType)) throw new ApiError(415, "unsupported_media_type", "send the file as multipart/form-data");
  const cap = MAX_ATTACHMENT_BYTES + ENVELOPE_BYTES;
  if (Number(request.headers.get("content-length") ?? "0") > cap) throw tooLarge();
  const { bytes, truncated, reader } = await readLimited(request.body, cap);
  if (truncated) {
    await reader?.cancel().catch(() => {});
    throw tooLarge();
  }
  let form: FormData;
  try {
    form = await new Response(bytes as Uint8Array<ArrayBuffer>, { headers: { "content-type": contentType } }).formData();
  } catch {
    throw new ApiError(400, "invalid_request", "the body is not a readable multipart form");
  }
  const file = form.get("file");
  if (!file || typeof file === "string") throw new ApiError(400, "invalid_request", "file: attach one file in the field named file");
  if (form.getAll("file").length > 1) throw new ApiError(400, "invalid_request", "file: one file per message");
  if (file.size > MAX_ATTACHMENT_BYTES) throw tooLarge();
  if (file.size === 0) throw new ApiError(400, "invalid_request", "file: the file is empty");
  const content = new Uint8Array(await file.arrayBuffer());
  const type = sniffType(content);
  if (!type) throw new ApiError(415, "unsupported_type", "only PNG, JPEG, GIF and WebP images and PDF documents can be attached");
  if (!declaredFits(file.type, type)) throw new ApiError(415, "type_mismatch", `the file says it is ${file.type.slice(0, 60)} but it is ${type}`);

  const upload: Upload = { name: file.name, type, bytes: content };
  const text = form.get("text");
  if (typeof text === "string" && text.trim()) {
    const checked = MessageText.safeParse(text.trim());
    if (!checked.success) throw new ApiError(413, "payload_too_large", `text: ${checked.error.issues[0]?.message ?? "too long"}`);
    upload.text = checked.data;
  }
  const clientMessageId = form.get("clientMessageId");
  if (clientMessageId !== null) {
    const checked = ClientMessageId.safeParse(clientMessageId);
    if (!checked.success) throw new ApiError(400, "invalid_request", `clientMessageId: ${checked.error.issues[0]?.message ?? "invalid"}`);
    upload.clientMessageId = checked.data;
  }
  return upload;
}
