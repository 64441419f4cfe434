/**
 * What a file is, read from its first bytes — never from the name or the type the uploader
 * declared. Only the formats we accept are recognised; anything else (SVG, HTML, scripts,
 * archives, a PNG header glued to nothing) is not.
 */
import type { AttachmentType } from "../../shared/attachments";

const startsWith = (bytes: Uint8Array, signature: number[], at = 0) => signature.every((b, i) => bytes[at + i] === b);
const ascii = (text: string) => [...text].map((ch) => ch.charCodeAt(0));

export function sniffType(bytes: Uint8Array): AttachmentType | null {
  if (startsWith(bytes, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) return "image/png";
  if (startsWith(bytes, [0xff, 0xd8, 0xff])) return "image/jpeg";
  if (startsWith(bytes, ascii("GIF87a")) || startsWith(bytes, ascii("GIF89a"))) return "image/gif";
  if (startsWith(bytes, ascii("RIFF")) && startsWith(bytes, ascii("WEBP"), 8)) return "image/webp";
  if (startsWith(bytes, ascii("%PDF-"))) return "application/pdf";
  return null;
}

/**
 * Whether the type the uploader declared fits what the bytes are: the same type, a common
 * alias, or no claim at all. A file that says it is one thing and is another is refused.
 */
export function declaredFits(declared: string, actual: AttachmentType): boolean {
  const type = declared.toLowerCase().split(";")[0]?.trim() ?? "";
  return type === "" || type === "application/octet-stream" || type === actual || (type === "image/jpg" && actual === "image/jpeg");
}
