/**
 * Attachments' bytes in R2 (the ATTACHMENTS bucket), one object per file under its
 * conversation: `attachments/<conversationId>/<attachmentId>`. The object carries its org,
 * its recognised type, a display name and who sent it; links check the org and the
 * conversation before they are signed.
 */
import type { AttachmentType } from "../../shared/attachments";
import type { Attachment } from "../../shared/protocol";
import type { Env } from "../env";
import { randomId } from "../ids";

export interface AttachmentInfo extends Attachment {
  orgId: string;
  conversationId: string;
  by: "visitor" | "staff";
}

const key = (conversationId: string, attachmentId: string) => `attachments/${conversationId}/${attachmentId}`;

/** A name fit to show and to put in a header: no path, no control or quote characters, not too long. */
export function displayName(name: string, type: AttachmentType): string {
  const base = (name.split(/[\\/]/).pop() ?? "")
    .replace(/[\u0000-\u001f\u007f"<>*?|:]/g, "")
    .trim()
    .slice(-120);
  return base || (type === "application/pdf" ? "document.pdf" : `image.${type.split("/")[1]}`);
}

export async function putAttachment(
  env: Env,
  file: { orgId: string; conversationId: string; by: "visitor" | "staff"; name: string; type: AttachmentType; bytes: Uint8Array },
): Promise<Attachment> {
  const id = randomId("att_", 16);
  const name = displayName(file.name, file.type);
  await env.ATTACHMENTS.put(key(file.conversationId, id), file.bytes, {
    httpMetadata: { contentType: file.type },
    customMetadata: { orgId: file.orgId, name, type: file.type, by: file.by },
  });
  return { id, name, type: file.type, size: file.bytes.byteLength };
}

function info(conversationId: string, id: string, object: R2Object): AttachmentInfo | null {
  const meta = object.customMetadata ?? {};
  if (!meta.orgId || !meta.type) return null;
  return {
    id,
    conversationId,
    orgId: meta.orgId,
    name: meta.name ?? id,
    type: meta.type as AttachmentType,
    size: object.size,
    by: meta.by === "staff" ? "staff" : "visitor",
  };
}

/** The attachment, if it is this org's and this conversation's (else null: nobody learns more). */
export async function findAttachment(env: Env, orgId: string, conversationId: string, id: string): Promise<AttachmentInfo | null> {
  const object = await env.ATTACHMENTS.head(key(conversationId, id));
  const found = object ? info(conversationId, id, object) : null;
  return found && found.orgId === orgId ? found : null;
}

export async function readAttachment(env: Env, conversationId: string, id: string): Promise<{ info: AttachmentInfo; body: ReadableStream } | null> {
  const object = await env.ATTACHMENTS.get(key(conversationId, id));
  if (!object) return null;
  const found = info(conversationId, id, object);
  return found ? { info: found, body: object.body } : null;
}

export async function deleteAttachment(env: Env, conversationId: string, id: string): Promise<void> {
  await env.ATTACHMENTS.delete(key(conversationId, id));
}
