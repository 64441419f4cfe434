/**
 * The wire protocol between the widget (or any API client) and the worker.
 *
 * One schema per event, shared by both sides: the worker validates what it receives and
 * the widget parses what it receives with the same definitions, so a change to the
 * protocol is a type error on both sides at once.
 *
 * SSE carries each event as `event: <type>` + `data: <json of data>`; the WebSocket carries
 * the same thing as one JSON frame `{ type, data }`.
 */
import { z } from "zod";
import { ATTACHMENT_TYPES } from "./attachments";
import { MAX_MESSAGE_BYTES } from "./limits";

export const Role = z.enum(["user", "assistant", "human", "system"]);
export type Role = z.infer<typeof Role>;

export const ConversationStatus = z.enum(["bot", "waiting", "human", "resolved"]);
export type ConversationStatus = z.infer<typeof ConversationStatus>;

/** A client-chosen id that makes a send idempotent (a UUID or any 8–64 url-safe chars). */
export const ClientMessageId = z
  .string()
  .min(8)
  .max(64)
  .regex(/^[A-Za-z0-9_-]+$/, "clientMessageId may hold only letters, digits, '-' and '_'");

const utf8 = new TextEncoder();
export const MessageText = z
  .string()
  .refine((t) => t.trim().length > 0, "text must not be empty")
  .refine(
    (t) => utf8.encode(t).byteLength <= MAX_MESSAGE_BYTES,
    `text must be at most ${MAX_MESSAGE_BYTES} bytes`,
  );

export const Source = z.object({
  id: z.string(),
  title: z.string(),
  /** Opens the document where the passage is, when it can (`…#page=4`, `…#t=93`). */
  url: z.string().optional(),
  /** Where in the document: "page 4", "1:33" (a PDF page, a moment of a video). */
  cite: z.string().optional(),
});
export type Source = z.infer<typeof Source>;

/** A file carried by a message (the bytes are in R2; clients ask for a short-lived link). */
export const Attachment = z.object({
  id: z.string(),
  name: z.string(),
  /** The type its bytes were recognised as (never the uploader's claim). */
  type: z.enum(ATTACHMENT_TYPES),
  size: z.number().int().nonnegative(),
});
export type Attachment = z.infer<typeof Attachment>;

export const StoredMessage = z.object({
  id: z.string(),
  seq: z.number().int().positive(),
  role: Role,
  text: z.string(),
  /** Display name of who wrote it: an agent's name, a staff member's name. */
  author: z.string().optional(),
  createdAt: z.string(),
  clientMessageId: z.string().optional(),
  agentId: z.string().optional(),
  sources: z.array(Source).optional(),
  /** True when the reply came from the offline provider rather than a language model. */
  offline: z.boolean().optional(),
  /** Files sent with the message (images, PDFs). */
  attachments: z.array(Attachment).optional(),
});
export type StoredMessage = z.infer<typeof StoredMessage>;

export const DeltaData = z.object({
  messageId: z.string(),
  /** A piece of the reply's text... */
  text: z.string(),
  /** ...that starts at this character offset of the reply. A client that reconnects
   * mid-reply receives the whole text so far at offset 0, so replaying is harmless. */
  offset: z.number().int().nonnegative(),
  author: z.string().optional(),
});
export type DeltaData = z.infer<typeof DeltaData>;

export const ActivityKind = z.enum([
  "delegation.start",
  "delegation.end",
  "tool.start",
  "tool.end",
  "transfer",
  "handoff",
]);
export const ActivityData = z.object({
  runId: z.string(),
  agentId: z.string(),
  kind: ActivityKind,
  /** The agent a delegation or transfer goes to, or the tool being called. */
  target: z.string().optional(),
  targetName: z.string().optional(),
  status: z.enum(["ok", "error", "timeout", "cancelled", "refused"]).optional(),
  parentRunId: z.string().optional(),
});
export type ActivityData = z.infer<typeof ActivityData>;

export const StatusData = z.object({
  status: ConversationStatus,
  /** Name of the staff member who holds the conversation while `human`. */
  assignee: z.string().optional(),
  /** Nobody is available (outside hours, or no one claimed in time): ask for an email. */
  leadRequested: z.boolean().optional(),
});
export type StatusData = z.infer<typeof StatusData>;

export const ErrorData = z.object({
  code: z.string(),
  message: z.string(),
  /** For `rate_limited`: seconds until a retry can succeed. */
  retryAfter: z.number().optional(),
});
export type ErrorData = z.infer<typeof ErrorData>;

export const DoneData = z.object({
  turnId: z.string().optional(),
  /** The turn answered every visitor message up to this seq. */
  upTo: z.number().int().optional(),
  reason: z.enum(["complete", "stopped", "error", "deadline", "budget", "skipped"]).optional(),
});

export const AckData = z.object({
  clientMessageId: z.string(),
  seq: z.number().int(),
  messageId: z.string(),
  duplicate: z.boolean(),
});

export const TypingData = z.object({ who: z.enum(["visitor", "staff"]), name: z.string().optional() });

export const ReadyData = z.object({
  conversationId: z.string(),
  status: ConversationStatus,
  lastSeq: z.number().int().nonnegative(),
  /** `offline` when the offline provider answers this conversation, `openai` when a language
   * model does (whatever its family: see `family`). */
  provider: z.enum(["offline", "openai"]),
  /** Who answers: the model family of the conversation's agent, or `offline`. */
  family: z.string().optional(),
  /** A turn is running or about to (a client that reconnects mid-turn shows it is working). */
  working: z.boolean().optional(),
});

export const ServerEvent = z.discriminatedUnion("type", [
  z.object({ type: z.literal("message"), data: StoredMessage }),
  z.object({ type: z.literal("delta"), data: DeltaData }),
  z.object({ type: z.literal("activity"), data: ActivityData }),
  z.object({ type: z.literal("status"), data: StatusData }),
  z.object({ type: z.literal("error"), data: ErrorData }),
  z.object({ type: z.literal("done"), data: DoneData }),
  // WebSocket only: acknowledgements and presence.
  z.object({ type: z.literal("ready"), data: ReadyData }),
  z.object({ type: z.literal("ack"), data: AckData }),
  z.object({ type: z.literal("typing"), data: TypingData }),
  z.object({ type: z.literal("pong"), data: z.object({}) }),
  // Staff only: an internal note (never sent to visitors).
  z.object({
    type: z.literal("note"),
    data: z.object({ id: z.string(), text: z.string(), author: z.string(), authorId: z.string(), createdAt: z.string() }),
  }),
]);
export type ServerEvent = z.infer<typeof ServerEvent>;
export type ServerEventType = ServerEvent["type"];

export const SendMessageBody = z.object({ clientMessageId: ClientMessageId, text: MessageText });
export type SendMessageBody = z.infer<typeof SendMessageBody>;

/** Frames a client sends over the WebSocket. */
export const ClientFrame = z.discriminatedUnion("type", [
  z.object({ type: z.literal("send"), clientMessageId: ClientMessageId, text: MessageText }),
  /** Ask for every message after `after` (the client's last seq), then live events. */
  z.object({ type: z.literal("resume"), after: z.number().int().nonnegative() }),
  z.object({ type: z.literal("stop") }),
  z.object({ type: z.literal("typing") }),
  z.object({ type: z.literal("ping") }),
]);
export type ClientFrame = z.infer<typeof ClientFrame>;

/**
 * Who the visitor is, from the site's own login. `signature` is the hex HMAC-SHA256, under
 * the site's identity secret, of `userId + "\n" + (email ?? "")` — the user id, a line feed,
 * and the email or nothing — computed by the site's backend; Switchboard checks it, so a
 * visitor cannot claim to be someone else. Neither field may hold a control character, so
 * the line feed splits the message one way only.
 */
export const Identity = z
  .object({
    userId: z
      .string()
      .min(1)
      .max(128)
      .regex(/^[^\u0000-\u001f\u007f]+$/, "userId may not contain control characters"),
    name: z.string().max(120).optional(),
    email: z.email().max(254).optional(),
    signature: z.string().regex(/^[0-9a-fA-F]{64}$/, "signature must be a hex HMAC-SHA256").optional(),
  })
  .strict();
export type Identity = z.infer<typeof Identity>;

export const FeedbackBody = z.object({
  messageId: z.string().min(1).max(64),
  rating: z.union([z.literal(1), z.literal(-1)]),
});
export type FeedbackBody = z.infer<typeof FeedbackBody>;

/**
 * The visitor's satisfaction with the conversation (`POST /api/conversations/:id/csat`): a
 * rating from 1 (very unhappy) to 5 (very happy) and an optional comment. Accepted once the
 * conversation is resolved or the bot has answered; one per conversation, which the visitor
 * may change within CSAT_WINDOW_MS of the first rating.
 */
export const CsatBody = z
  .object({
    rating: z.number().int().min(1).max(5),
    comment: z.string().trim().max(1000).optional(),
  })
  .strict();
export type CsatBody = z.infer<typeof CsatBody>;

export const CsatResponse = z.object({
  conversationId: z.string(),
  rating: z.number().int(),
  comment: z.string().nullable(),
  /** This rating replaced an earlier one of the conversation. */
  replaced: z.boolean(),
  /** Until when a new rating replaces this one (ISO time). */
  replaceableUntil: z.string(),
});
export type CsatResponse = z.infer<typeof CsatResponse>;

/** How long after the first rating the visitor may still change it. */
export const CSAT_WINDOW_MS = 30 * 60_000;

export const StartConversationBody = z
  .object({
    /** The widget's anonymous visitor id, so one browser's conversations can be grouped. */
    visitorId: z.string().min(8).max(64).regex(/^[A-Za-z0-9_-]+$/).optional(),
    locale: z.string().max(16).optional(),
    /** The page the visitor started from, for staff context. */
    pageUrl: z.string().max(2048).optional(),
    identity: Identity.optional(),
  })
  .strict();
export type StartConversationBody = z.infer<typeof StartConversationBody>;

/** The email form the widget shows when nobody can answer now. */
export const LeadBody = z
  .object({
    email: z.email().max(254),
    name: z.string().trim().max(120).optional(),
    note: z.string().max(2000).optional(),
  })
  .strict();
export type LeadBody = z.infer<typeof LeadBody>;

/** A link to an attachment's bytes, valid until `expiresAt`. */
export const AttachmentLink = z.object({ url: z.string(), expiresAt: z.string() });

export const StartConversationResponse = z.object({
  conversationId: z.string(),
  token: z.string(),
});

export const TranscriptResponse = z.object({
  conversationId: z.string(),
  status: ConversationStatus,
  messages: z.array(StoredMessage),
  /** True when more messages follow this page: ask again with the last seq. */
  more: z.boolean(),
});
export type TranscriptResponse = z.infer<typeof TranscriptResponse>;

export const ApiError = z.object({ error: ErrorData });
