/**
 * The staff inbox's wire types: shared by the inbox page (widget/inbox) and the worker.
 */
import { z } from "zod";
import { MessageText } from "./protocol";
import type { ConversationStatus, StoredMessage } from "./protocol";

export const LoginBody = z.object({
  email: z.email().max(254),
  password: z.string().min(1).max(256),
});

export const StaffReplyBody = z.object({ text: MessageText });
export const StaffNoteBody = z.object({ text: MessageText });

export interface StaffMember {
  id: string;
  orgId: string;
  email: string;
  name: string;
  role: "agent" | "admin";
}

export interface Note {
  id: string;
  text: string;
  author: string;
  authorId: string;
  createdAt: string;
}

/** One row of the inbox queue. */
export interface ConversationSummary {
  id: string;
  siteKey: string;
  status: ConversationStatus;
  summary: string | null;
  lastMessage: string | null;
  assigneeId: string | null;
  assigneeName: string | null;
  /** Visitor messages since staff last replied or read. */
  unread: number;
  waitingSince: string | null;
  updatedAt: string;
  visitorName: string | null;
  visitorEmail: string | null;
}

export interface ConversationDetail {
  conversation: ConversationSummary & {
    identityVerified: boolean;
    pageUrl: string | null;
    leadRequested: boolean;
  };
  messages: StoredMessage[];
  notes: Note[];
}

/** Events on the inbox WebSocket (one Durable Object per org fans them out). */
export type InboxEvent =
  | { type: "conversation"; data: ConversationSummary }
  | { type: "message"; data: { conversationId: string; message: StoredMessage } }
  | { type: "ready"; data: { staffId: string } };

export const SESSION_COOKIE = "sb_session";
export const CSRF_HEADER = "x-csrf-token";
