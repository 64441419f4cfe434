/**
 * What each Durable Object answers over RPC: the calls the worker, the engine and other
 * objects make, as interfaces the classes implement. Kept apart from the classes (and
 * depending on nothing that depends on the environment) so that env.ts — and so every
 * module typed by it — never imports an object's implementation: imports flow one way.
 */
import type { ActivityData, Attachment, ConversationStatus, StoredMessage } from "../../shared/protocol";
import type { ConversationDetail, ConversationHit, InboxEvent, Note, Presence, StaffMember } from "../../shared/staff";
import type { TraceNode } from "../../shared/trace";
import type { CheckedIdentity } from "../auth/identity";
import type { BudgetLedger, BudgetRule, CeilingLedger } from "../engine/budget";
import type { ChildRunRequest, RunResult } from "../engine/run-result";
import type { SpanRecord } from "../log/spans";
import type { RuleSummary } from "../org/budget-book";

// ---- ConversationDO: one per conversation -------------------------------------------------

export interface InitRequest {
  conversationId: string;
  siteKey: string;
  orgId: string;
  entryAgent: string;
  visitorId?: string;
  locale?: string;
  pageUrl?: string;
  identity?: CheckedIdentity;
  /** A playground conversation (the console's): its turns run agent drafts first. */
  drafts?: boolean;
}

/** What a staff action answers: the worker turns a refusal into a 4xx. */
export type StaffResult = { ok: true; status: ConversationStatus } | { ok: false; httpStatus: 403 | 404 | 409; code: string; message: string };

export interface HandoffRequest {
  summary: string;
  reason: "agent" | "visitor" | "policy";
  runId: string;
  spanId?: string;
  /** The team whose queue it goes to (the agent's choice); else the site's team, if any. */
  team?: string;
}

/** Who may take a conversation from its assignee, as the org's inbox sees it now. */
export interface TakeoverContext {
  /** Staff with the inbox open and not away. */
  available: string[];
  /** An agent may take over once the visitor has waited this long for an answer. */
  takeoverAfterSec: number;
}

/** Where a reassignment sends the conversation: a colleague, or a team's queue. */
export type ReassignTarget = { staff: { id: string; name: string } } | { team: { id: string; name: string } };

/**
 * The org's inbox assigning on its own (round robin, or an agent gone away): `to` a staff
 * member, or null for back to the queue; only while the conversation is still as the inbox
 * saw it (`expect`: waiting and unassigned, or held by that staff member).
 */
export interface SystemAssignment {
  orgId: string;
  to: { id: string; name: string } | null;
  teamId: string | null;
  expect: { status: "waiting" } | { status: "human"; assigneeId: string };
  reason: "auto-assign" | "assignee away";
}

export interface LeadRequest {
  name?: string;
  email: string;
  note?: string;
  agentId?: string;
  source?: string;
}

/**
 * The request header that carries the org a forwarded visitor or staff request was checked
 * against; the conversation answers 404 unless it is its own org. Set by the worker only.
 */
export const ORG_HEADER = "x-switchboard-org";
/** The visitor's IP, as the worker read it (for the per-IP limits the conversation applies). Set by the worker only. */
export const IP_HEADER = "x-switchboard-ip";

/** A conversation also keeps its token ceiling (CeilingLedger): delegated runs reserve and settle there. */
export interface ConversationRpc extends Rpc.DurableObjectBranded, CeilingLedger {
  fetch(request: Request): Promise<Response>;
  init(request: InitRequest): Promise<void>;
  /** The org the conversation belongs to (null when it does not exist). */
  owner(): Promise<string | null>;
  /** False when the conversation is not `orgId`'s. */
  identify(orgId: string, identity: CheckedIdentity): Promise<boolean>;
  activity(data: ActivityData): Promise<void>;
  handoff(request: HandoffRequest): Promise<{ status: string }>;
  captureLead(lead: LeadRequest): Promise<{ id: string }>;
  /** Which of these connection leases (http/connection-caps.ts) are still open here. */
  liveConnections(leaseIds: string[]): Promise<string[]>;
  /** A delegated run's spans, sent before it reports its result. */
  recordSpans(records: SpanRecord[]): Promise<void>;
  /** Transcript, notes and (with `withTrace`) the execution log; null unless it is `orgId`'s. */
  detail(orgId: string, withTrace: boolean): Promise<(ConversationDetail & { trace?: TraceNode[] }) | null>;
  /** The execution log as a tree; null unless it is `orgId`'s. (Not `trace`: that name is a worker handler's.) */
  executionLog(orgId: string): Promise<{ roots: TraceNode[]; spans: number } | null>;
  claim(staff: StaffMember): Promise<StaffResult>;
  /** A reply (with files already stored in R2, when `attachments` is given). */
  staffReply(staff: StaffMember, text: string, attachments?: Attachment[]): Promise<StaffResult & { stored?: StoredMessage }>;
  addNote(staff: StaffMember, text: string): Promise<Note | null>;
  resolve(staff: StaffMember): Promise<StaffResult>;
  returnToBot(staff: StaffMember): Promise<StaffResult>;
  markRead(staff: StaffMember): Promise<boolean>;
  /** Takes the conversation from its assignee (the rules are staff-actions.ts's). */
  takeOver(staff: StaffMember, context: TakeoverContext): Promise<StaffResult>;
  reassign(staff: StaffMember, target: ReassignTarget, context: TakeoverContext): Promise<StaffResult>;
  /** The inbox's own assignments; refused (409) when the conversation moved on meanwhile. */
  systemAssign(assignment: SystemAssignment): Promise<StaffResult>;
  /** Replaces the conversation's labels; null unless it is the staff member's org's. */
  setLabels(staff: StaffMember, labels: string[]): Promise<string[] | null>;
}

// ---- AgentRunDO: an org's delegated runs, over a few objects (runObjectName) -----------------

export interface AgentRunRpc extends Rpc.DurableObjectBranded {
  /** Runs (or, for a run id seen before, answers what it answered) a delegation. */
  run(request: ChildRunRequest): Promise<RunResult>;
  /** Stops the run with this id (of this conversation) and every run it started. */
  cancel(runId: string, conversationId: string): Promise<void>;
}

// ---- InboxDO: one per org — its conversation index and the inbox's live feed --------------

/** One conversation's row in its org's index (what lists show). */
export interface IndexEntry {
  id: string;
  siteKey: string;
  visitorId: string | null;
  status: ConversationStatus;
  summary: string | null;
  lastMessage: string | null;
  messageCount: number;
  assigneeId: string | null;
  assigneeName: string | null;
  unread: number;
  waitingSince: string | null;
  userId: string | null;
  visitorName: string | null;
  visitorEmail: string | null;
  identityVerified: boolean;
  teamId: string | null;
  labels: string[];
  createdAt: string;
  updatedAt: string;
  /** Grows with every change the conversation sends; an older row never replaces a newer. */
  rev: number;
}

export interface IndexQuery {
  orgId: string;
  /** A status, `open` (waiting or human), or `all`. */
  status?: ConversationStatus | "open" | "all";
  assigneeId?: string;
  siteKey?: string;
  /** Only conversations created before this ISO time (paging the admin list). */
  createdBefore?: string;
  /** Held by nobody. */
  unassigned?: boolean;
  /** Routed to this team (by the conversation, or by its site's team). */
  teamId?: string;
  label?: string;
  /** Words in the messages, the visitor's name or email, the handoff summary (full-text). */
  text?: string;
  /** Only conversations created at or after this ISO time (a date range in the console). */
  createdAfter?: string;
  /** `queue`: waiting, then human, then the rest, oldest first; `queue-recent`: the same, newest first; `newest`: by creation. */
  order: "queue" | "queue-recent" | "newest";
  limit: number;
}

export type VisitorMatch = "user" | "email" | "visitor";

/** Who a visitor is, for their other conversations: a verified user id, else an email, else the browser. */
export interface VisitorKey {
  userId: string | null;
  identityVerified: boolean;
  email: string | null;
  visitorId: string | null;
}

export interface StaffPresence {
  staffId: string;
  presence: Presence;
  /** Conversations they hold (status human). */
  open: number;
}

export interface InboxRpc extends Rpc.DurableObjectBranded {
  fetch(request: Request): Promise<Response>;
  /** Stores the conversation's row (unless a newer one is there) and tells staff: `event`, or the row's summary. */
  update(orgId: string, entry: IndexEntry, event: InboxEvent | null): Promise<void>;
  list(query: IndexQuery): Promise<IndexEntry[]>;
  /** `list` with `text`: rows with the best matching passage, best match first. */
  search(query: IndexQuery & { text: string }): Promise<ConversationHit[]>;
  /**
   * The other conversations of this one's visitor, newest first: by verified user id, else
   * email, else the widget's visitor id (`matchedBy`); null when the org has no such conversation.
   */
  history(orgId: string, conversationId: string, limit: number): Promise<{ matchedBy: VisitorMatch | null; entries: IndexEntry[] } | null>;
  presence(orgId: string): Promise<StaffPresence[]>;
  takeoverContext(orgId: string): Promise<TakeoverContext>;
  /** A staff member says they are away (their conversations are reassigned when auto-assignment is on) or back. */
  setAway(orgId: string, staffId: string, away: boolean): Promise<Presence>;
  /** Teams, members or settings changed in D1: read them again and assign what waits. */
  configChanged(orgId: string): Promise<void>;
}

// ---- OrgDO: one per org — budgets and the usage ledger ---------------------------------------

export interface NewRule {
  team: string | null;
  period: BudgetRule["period"];
  limitTokens: number;
}

export interface OrgRpc extends Rpc.DurableObjectBranded, BudgetLedger {
  rules(orgId: string): Promise<RuleSummary[]>;
  addRule(orgId: string, rule: NewRule): Promise<{ id: string }>;
  deleteRule(orgId: string, id: string): Promise<boolean>;
  /** Writes every pending ledger row to D1 now; resolves when they are there. */
  flushLedger(): Promise<{ written: number }>;
}

// ---- WebhookDO: one per site — the webhook outbox ----------------------------------------------

export interface WebhookEvent {
  /** Unique per event: the idempotency key receivers see in `x-switchboard-delivery`. */
  id: string;
  /** `webhook.test`: the console's "send test event"; `insights.digest`: the weekly digest. */
  type: "conversation.handoff" | "message.human" | "conversation.resolved" | "webhook.test" | "insights.digest";
  url: string;
  secret: string;
  payload: Record<string, unknown>;
}

export interface WebhookRpc extends Rpc.DurableObjectBranded {
  enqueue(event: WebhookEvent): Promise<void>;
  /** Deliveries, newest first (at most `limit`). */
  deliveries(limit?: number): Promise<{ id: string; type: string; attempts: number; status: string; lastError: string | null; createdAt: string | null }[]>;
}

// ---- RateLimiterDO: one per key (an IP address) --------------------------------------------

export interface Bucket {
  name: string;
  limit: number;
  windowMs: number;
}

export interface RateLimiterRpc extends Rpc.DurableObjectBranded {
  /** Counts one event against every bucket (sliding windows), or against none and says when one fits. */
  hit(buckets: Bucket[]): Promise<{ ok: true } | { ok: false; retryAfterMs: number; bucket: string }>;
  /** Takes a lease for one open connection of this IP unless it holds `cap` already. */
  openConnection(lease: { id: string; conversationId: string }, cap: number): Promise<boolean>;
  closeConnection(leaseId: string): Promise<void>;
}
