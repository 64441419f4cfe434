/**
 * What each Durable Object answers over RPC: the calls the worker, the engine and other
 * objects make, as interfaces the classes implement. Kept apart from the classes (and
 * depending on nothing that depends on the environment) so that env.ts — and so every
 * module typed by it — never imports an object's implementation: imports flow one way.
 */
import type { ActivityData, ConversationStatus, StoredMessage } from "../../shared/protocol";
import type { ConversationDetail, InboxEvent, Note, StaffMember } from "../../shared/staff";
import type { TraceNode } from "../../shared/trace";
import type { CheckedIdentity } from "../auth/identity";
import type { BudgetLedger, BudgetRule } from "../engine/budget";
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
  pageUrl?: string;
  identity?: CheckedIdentity;
}

/** What a staff action answers: the worker turns a refusal into a 4xx. */
export type StaffResult = { ok: true; status: ConversationStatus } | { ok: false; httpStatus: 404 | 409; code: string; message: string };

export interface HandoffRequest {
  summary: string;
  reason: "agent" | "visitor" | "policy";
  runId: string;
  spanId?: string;
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

export interface ConversationRpc extends Rpc.DurableObjectBranded {
  fetch(request: Request): Promise<Response>;
  init(request: InitRequest): Promise<void>;
  /** The org the conversation belongs to (null when it does not exist). */
  owner(): Promise<string | null>;
  /** False when the conversation is not `orgId`'s. */
  identify(orgId: string, identity: CheckedIdentity): Promise<boolean>;
  activity(data: ActivityData): Promise<void>;
  handoff(request: HandoffRequest): Promise<{ status: string }>;
  captureLead(lead: LeadRequest): Promise<{ id: string }>;
  /** A delegated run's spans, sent before it reports its result. */
  recordSpans(records: SpanRecord[]): Promise<void>;
  /** Transcript, notes and (with `withTrace`) the execution log; null unless it is `orgId`'s. */
  detail(orgId: string, withTrace: boolean): Promise<(ConversationDetail & { trace?: TraceNode[] }) | null>;
  /** The execution log as a tree; null unless it is `orgId`'s. (Not `trace`: that name is a worker handler's.) */
  executionLog(orgId: string): Promise<{ roots: TraceNode[]; spans: number } | null>;
  claim(staff: StaffMember): Promise<StaffResult>;
  staffReply(staff: StaffMember, text: string): Promise<StaffResult & { stored?: StoredMessage }>;
  addNote(staff: StaffMember, text: string): Promise<Note | null>;
  resolve(staff: StaffMember): Promise<StaffResult>;
  returnToBot(staff: StaffMember): Promise<StaffResult>;
  markRead(staff: StaffMember): Promise<boolean>;
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
  /** `queue`: waiting, then human, then the rest, oldest first; `queue-recent`: the same, newest first; `newest`: by creation. */
  order: "queue" | "queue-recent" | "newest";
  limit: number;
}

export interface InboxRpc extends Rpc.DurableObjectBranded {
  fetch(request: Request): Promise<Response>;
  /** Stores the conversation's row (unless a newer one is there) and tells staff: `event`, or the row's summary. */
  update(orgId: string, entry: IndexEntry, event: InboxEvent | null): Promise<void>;
  list(query: IndexQuery): Promise<IndexEntry[]>;
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
  type: "conversation.handoff" | "message.human" | "conversation.resolved";
  url: string;
  secret: string;
  payload: Record<string, unknown>;
}

export interface WebhookRpc extends Rpc.DurableObjectBranded {
  enqueue(event: WebhookEvent): Promise<void>;
  deliveries(): Promise<{ id: string; type: string; attempts: number; status: string; lastError: string | null }[]>;
}

// ---- RateLimiterDO: one per key (an IP address) --------------------------------------------

export interface Bucket {
  name: string;
  limit: number;
  windowMs: number;
}

export interface RateLimiterRpc extends Rpc.DurableObjectBranded {
  hit(buckets: Bucket[]): Promise<{ ok: true } | { ok: false; retryAfterMs: number; bucket: string }>;
}
