/**
 * The staff inbox's wire types: shared by the inbox page (widget/inbox) and the worker.
 */
import { z } from "zod";
import { MIN_PASSWORD_LENGTH } from "./limits";
import { ConversationStatus, MessageText, StoredMessage } from "./protocol";

export const LoginBody = z.object({
  email: z.email().max(254),
  password: z.string().min(1).max(256),
  /** Needed only when this email has accounts in several orgs with this same password. */
  orgId: z.string().min(1).max(64).optional(),
});

export { MIN_PASSWORD_LENGTH };
export const NewPassword = z.string().min(MIN_PASSWORD_LENGTH, `the password must be at least ${MIN_PASSWORD_LENGTH} characters`).max(256);

export const PasswordChangeBody = z.object({
  currentPassword: z.string().min(1).max(256),
  newPassword: NewPassword,
});

/** `owner`: everything in the org's admin API; `admin`: all but tokens and secrets; `agent`: the inbox only. */
export const StaffRole = z.enum(["owner", "admin", "agent"]);
export type StaffRole = z.infer<typeof StaffRole>;

export const StaffReplyBody = z.object({ text: MessageText });
export const StaffNoteBody = z.object({ text: MessageText });

export interface StaffMember {
  id: string;
  orgId: string;
  email: string;
  name: string;
  role: StaffRole;
}

export const Note = z.object({
  id: z.string(),
  text: z.string(),
  author: z.string(),
  authorId: z.string(),
  createdAt: z.string(),
});
export type Note = z.infer<typeof Note>;

/** One row of the inbox queue. */
export const ConversationSummary = z.object({
  id: z.string(),
  siteKey: z.string(),
  status: ConversationStatus,
  summary: z.string().nullable(),
  lastMessage: z.string().nullable(),
  assigneeId: z.string().nullable(),
  assigneeName: z.string().nullable(),
  /** Visitor messages since staff last replied or read. */
  unread: z.number(),
  waitingSince: z.string().nullable(),
  updatedAt: z.string(),
  visitorName: z.string().nullable(),
  visitorEmail: z.string().nullable(),
});
export type ConversationSummary = z.infer<typeof ConversationSummary>;

export const ConversationDetail = z.object({
  conversation: ConversationSummary.extend({
    identityVerified: z.boolean(),
    pageUrl: z.string().nullable(),
    leadRequested: z.boolean(),
  }),
  messages: z.array(StoredMessage),
  notes: z.array(Note),
});
export type ConversationDetail = z.infer<typeof ConversationDetail>;

/** A signed-in staff member and the session's CSRF token (login, me). */
export const StaffSessionInfo = z.object({
  staff: z.object({ id: z.string(), orgId: z.string(), email: z.string(), name: z.string(), role: StaffRole }),
  csrfToken: z.string(),
});

/** Events on the inbox WebSocket (one Durable Object per org fans them out). */
export type InboxEvent =
  | { type: "conversation"; data: ConversationSummary }
  | { type: "message"; data: { conversationId: string; message: StoredMessage } }
  | { type: "ready"; data: { staffId: string } };

export const SESSION_COOKIE = "sb_session";
export const CSRF_HEADER = "x-csrf-token";
