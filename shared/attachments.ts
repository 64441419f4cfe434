/**
 * Attachments' limits and wording shared by the widget, the inbox and the worker (no zod:
 * the widget imports this). The worker checks every upload's bytes against these types —
 * the declared type is never trusted — and the widget refuses the rest before uploading.
 */

/** Largest file a visitor or staff member may attach. */
export const MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024;

/** What may be attached: raster images and PDF. No SVG or HTML (they can carry scripts). */
export const ATTACHMENT_TYPES = ["image/png", "image/jpeg", "image/gif", "image/webp", "application/pdf"] as const;
export type AttachmentType = (typeof ATTACHMENT_TYPES)[number];

/** Files a visitor may attach to one conversation. */
export const MAX_VISITOR_ATTACHMENTS = 20;

/** The text of a message that carries files and no words of its own (what lists and models read). */
export const attachmentText = (names: string[]): string => `📎 ${names.join(", ")}`;
