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

/** A label on a conversation: lowercase words, digits, spaces, '-' and '_'. */
export const LabelName = z
  .string()
  .trim()
  .toLowerCase()
  .min(1)
  .max(32)
  .regex(/^[\p{Ll}\p{Lo}\p{N}][\p{Ll}\p{Lo}\p{N} _-]*$/u, "use letters, digits, spaces, '-' and '_'");
export const MAX_LABELS = 10;

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
  /** The widget's id for this browser (anonymous visitors are told apart by it). */
  visitorId: z.string().nullable(),
  /** The site's id for the visitor, when it identified them. */
  userId: z.string().nullable(),
  /** The identity was signed by the site (an unverified one is only what the page said). */
  identityVerified: z.boolean(),
  /** The team the conversation is routed to (by the handoff, a reassignment, or its site). */
  teamId: z.string().nullable(),
  labels: z.array(z.string()),
});
export type ConversationSummary = z.infer<typeof ConversationSummary>;

/** A queue row found by a search: the best matching passage, matches between \u0002 and \u0003. */
export const ConversationHit = ConversationSummary.extend({ snippet: z.string().nullable() });
export type ConversationHit = z.infer<typeof ConversationHit>;

export const PageView = z.object({ url: z.string(), at: z.string() });

export const ConversationDetail = z.object({
  conversation: ConversationSummary.extend({
    pageUrl: z.string().nullable(),
    /** Pages the visitor was on: the page the conversation started on, then any they reported. */
    pages: z.array(PageView),
    leadRequested: z.boolean(),
    createdAt: z.string(),
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

/** `available`: signed in with the inbox open and not away; `away`: said so; `offline`: no inbox open. */
export const Presence = z.enum(["available", "away", "offline"]);
export type Presence = z.infer<typeof Presence>;
export const PresenceBody = z.object({ status: z.enum(["available", "away"]) });

/** Events on the inbox WebSocket (one Durable Object per org fans them out). */
export type InboxEvent =
  | { type: "conversation"; data: ConversationSummary }
  | { type: "message"; data: { conversationId: string; message: StoredMessage } }
  | { type: "presence"; data: { staffId: string; presence: Presence } }
  | { type: "ready"; data: { staffId: string; presence: Presence } };

// ---- reassigning, teams, canned replies, labels ------------------------------------------

/** A team's id: a slug, the same names budget rules use for teams. */
export const TeamId = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[a-z0-9][a-z0-9_-]*$/, "use lowercase letters, digits, '-' and '_'");
const StaffId = z
  .string()
  .max(80)
  .regex(/^st_[A-Za-z0-9_-]{1,64}$/, "a staff id (st_…)");

/** Hand a conversation to a colleague (`staffId`) or to a team's queue (`teamId`): one of them. */
export const ReassignBody = z
  .object({ staffId: StaffId.optional(), teamId: TeamId.optional() })
  .refine((b) => (b.staffId === undefined) !== (b.teamId === undefined), "give either staffId or teamId");

export const LabelsBody = z.object({ labels: z.array(LabelName).max(MAX_LABELS) });

export const Team = z.object({
  id: TeamId,
  name: z.string(),
  /** Conversations from these sites go to this team's queue. */
  siteKeys: z.array(z.string()),
  memberIds: z.array(z.string()),
});
export type Team = z.infer<typeof Team>;

export const Colleague = z.object({
  id: z.string(),
  name: z.string(),
  role: StaffRole,
  presence: Presence,
  /** Conversations they hold now (status human). */
  open: z.number(),
  /** How many they take at once before auto-assignment passes them by. */
  capacity: z.number(),
});
export type Colleague = z.infer<typeof Colleague>;

/** A shortcut: what follows `/` or `#` in the composer. */
export const Shortcut = z
  .string()
  .trim()
  .toLowerCase()
  .min(1)
  .max(32)
  .regex(/^[a-z0-9][a-z0-9_-]*$/, "use lowercase letters, digits, '-' and '_'");

export const CannedReplyId = z
  .string()
  .max(80)
  .regex(/^cr_[A-Za-z0-9_-]{1,64}$/, "a canned reply id (cr_…)");

export const CannedReplyBody = z.object({
  shortcut: Shortcut,
  title: z.string().trim().min(1).max(120),
  text: MessageText,
});
export const CannedReply = z.object({
  id: z.string(),
  shortcut: z.string(),
  title: z.string(),
  text: z.string(),
  createdBy: z.string().nullable(),
  updatedAt: z.string(),
});
export type CannedReply = z.infer<typeof CannedReply>;

export const LabelColor = z.enum(["gray", "red", "orange", "green", "blue", "purple"]);
export const Label = z.object({ name: z.string(), color: LabelColor });
export type Label = z.infer<typeof Label>;

export const SESSION_COOKIE = "sb_session";
export const CSRF_HEADER = "x-csrf-token";
