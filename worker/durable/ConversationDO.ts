/**
 * One conversation: a thin shell over its parts in worker/conversation/ — its stores
 * (state.ts: transcript, notes, meta, execution log, all in this object's SQLite), what
 * leaves it (delivery.ts), its status and handoffs (handoff.ts), the bot's turns
 * (turns.ts), what staff and visitors do (staff-actions.ts, visitor-actions.ts) and how
 * clients reach it (transport.ts). This file wires them, answers RPC, checks that a caller
 * asks about its own org's conversation, and keeps the one alarm the parts share.
 *
 * Nothing a visitor does waits on a shared store: the index row goes to the org's inbox
 * object, spans stay here, budgets are the org's object's, facts go on a queue.
 */
import { DurableObject } from "cloudflare:workers";
import type { ActivityData, Attachment, CsatBody } from "../../shared/protocol";
import type { Note, StaffMember } from "../../shared/staff";
import type { CheckedIdentity } from "../auth/identity";
import { Csat } from "../conversation/csat";
import { Delivery } from "../conversation/delivery";
import { StatusMachine } from "../conversation/handoff";
import { moveLegacySpans } from "../conversation/legacy";
import { StaffActions, notFound } from "../conversation/staff-actions";
import { ConversationState } from "../conversation/state";
import { TokenCeiling } from "../conversation/token-ceiling";
import { Transport } from "../conversation/transport";
import { TURN_LEASE_MS, Turns } from "../conversation/turns";
import { VisitorActions } from "../conversation/visitor-actions";
import type { BudgetHit } from "../engine/budget";
import type { ConversationPort } from "../engine/types";
import type { Env } from "../env";
import { errorResponse } from "../http/errors";
import type { SpanRecord } from "../log/spans";
import { retentionMs } from "../log/span-store";
import { type Trace, traceTree } from "../log/trace";
import {
  type ConversationRpc,
  type HandoffRequest,
  type InitRequest,
  type LeadRequest,
  ORG_HEADER,
  type ReassignTarget,
  type StaffResult,
  type SystemAssignment,
  type TakeoverContext,
} from "./rpc";

const PING = '{"type":"ping"}';
const PONG = '{"type":"pong","data":{}}';

export class ConversationDO extends DurableObject<Env> implements ConversationRpc {
  private readonly c: ConversationState;
  private readonly delivery: Delivery;
  private readonly status: StatusMachine;
  private readonly turns: Turns;
  private readonly staff: StaffActions;
  private readonly visitor: VisitorActions;
  private readonly transport: Transport;
  private readonly ceiling: TokenCeiling;
  private readonly csat: Csat;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    const schedule = () => this.scheduleAlarm();
    this.c = new ConversationState(ctx, env);
    this.delivery = new Delivery(this.c);
    this.status = new StatusMachine(this.c, this.delivery, schedule);
    // What the engine may ask of this conversation (a delegated run asks over RPC instead).
    const port: ConversationPort = {
      activity: (data) => this.activity(data),
      handoff: (request) => this.handoff(request),
      captureLead: (lead) => this.captureLead(lead),
    };
    this.ceiling = new TokenCeiling(ctx.storage.sql);
    this.turns = new Turns(this.c, this.delivery, this.status, schedule, port, this.ceiling);
    this.staff = new StaffActions(this.c, this.delivery, this.status, this.turns);
    this.visitor = new VisitorActions(this.c, this.delivery, this.status, this.turns);
    this.transport = new Transport(this.c, this.visitor, this.status, this.turns);
    this.csat = new Csat(this.c);
    // Keep-alive pings are answered without waking a hibernated object.
    ctx.setWebSocketAutoResponse(new WebSocketRequestResponsePair(PING, PONG));
    // Back after a restart with a turn unfinished: resume it now, not on a timer.
    void ctx.blockConcurrencyWhile(async () => this.turns.resume());
  }

  // ---- RPC: the worker, delegated runs ------------------------------------------------------

  async init(request: InitRequest): Promise<void> {
    await this.visitor.init(request);
  }

  async owner(): Promise<string | null> {
    return this.c.meta.get()?.orgId ?? null;
  }

  async identify(orgId: string, identity: CheckedIdentity): Promise<boolean> {
    if (!this.c.owns(orgId)) return false;
    await this.visitor.identify(identity);
    return true;
  }

  /** A delegated run reports what it is doing; visitors see it as an activity line. */
  async activity(data: ActivityData): Promise<void> {
    this.c.clients.broadcast({ type: "activity", data });
  }

  async handoff(request: HandoffRequest): Promise<{ status: string }> {
    // The agent may name the team whose queue it goes to.
    if (request.team && this.c.meta.get()?.status === "bot") this.c.meta.update({ teamId: request.team });
    return this.visitor.agentHandoff(request);
  }

  async captureLead(lead: LeadRequest): Promise<{ id: string }> {
    return this.visitor.captureLead(lead);
  }

  // The token ceiling, for delegated runs (the conversation's own run holds it directly).
  async reserveTokens(estimate: number): Promise<BudgetHit | null> {
    return this.ceiling.reserveTokens(estimate);
  }

  async settleTokens(estimate: number, tokens: number): Promise<void> {
    await this.ceiling.settleTokens(estimate, tokens);
  }

  async releaseTokens(estimate: number): Promise<void> {
    await this.ceiling.releaseTokens(estimate);
  }

  async checkTokens(estimate: number): Promise<BudgetHit | null> {
    return this.ceiling.checkTokens(estimate);
  }

  async recordSpans(records: SpanRecord[]): Promise<void> {
    if (this.c.meta.get()) this.c.spans.insert(records);
  }

  async detail(orgId: string, withTrace: boolean) {
    if (!this.c.owns(orgId)) return null;
    const detail = this.staff.detail();
    return withTrace ? { ...detail, trace: (await this.readTrace()).roots } : detail;
  }

  async executionLog(orgId: string): Promise<Trace | null> {
    if (!this.c.owns(orgId)) return null;
    return this.readTrace();
  }

  // ---- RPC: staff actions (the worker has checked the session; the org is checked here) -----

  async claim(staff: StaffMember): Promise<StaffResult> {
    return this.c.owns(staff.orgId) ? this.staff.claim(staff) : notFound();
  }

  async staffReply(staff: StaffMember, text: string, attachments?: Attachment[]) {
    return this.c.owns(staff.orgId) ? this.staff.reply(staff, text, attachments) : notFound();
  }

  async addNote(staff: StaffMember, text: string): Promise<Note | null> {
    return this.c.owns(staff.orgId) ? this.staff.addNote(staff, text) : null;
  }

  async resolve(staff: StaffMember): Promise<StaffResult> {
    return this.c.owns(staff.orgId) ? this.staff.resolve(staff) : notFound();
  }

  async returnToBot(staff: StaffMember): Promise<StaffResult> {
    return this.c.owns(staff.orgId) ? this.staff.returnToBot(staff) : notFound();
  }

  async markRead(staff: StaffMember): Promise<boolean> {
    if (!this.c.owns(staff.orgId)) return false;
    await this.staff.markRead();
    return true;
  }

  async takeOver(staff: StaffMember, context: TakeoverContext): Promise<StaffResult> {
    return this.c.owns(staff.orgId) ? this.staff.takeOver(staff, context) : notFound();
  }

  async reassign(staff: StaffMember, target: ReassignTarget, context: TakeoverContext): Promise<StaffResult> {
    return this.c.owns(staff.orgId) ? this.staff.reassign(staff, target, context) : notFound();
  }

  async systemAssign(assignment: SystemAssignment): Promise<StaffResult> {
    return this.c.owns(assignment.orgId) ? this.staff.systemAssign(assignment) : notFound();
  }

  async setLabels(staff: StaffMember, labels: string[]): Promise<string[] | null> {
    return this.c.owns(staff.orgId) ? this.staff.setLabels(labels) : null;
  }

  // ---- HTTP and WebSockets (forwarded by the worker with the org it checked) ------------------

  override async fetch(request: Request): Promise<Response> {
    // Another org's conversation answers exactly like one that does not exist.
    if (!this.c.owns(request.headers.get(ORG_HEADER))) return errorResponse(404, "not_found", "conversation not found");
    if (request.method === "POST" && new URL(request.url).pathname === "/csat") return this.csat.submit((await request.json()) as CsatBody);
    return this.transport.fetch(request);
  }

  override async webSocketMessage(ws: WebSocket, raw: string | ArrayBuffer): Promise<void> {
    await this.transport.webSocketMessage(ws, raw);
  }

  override async webSocketClose(ws: WebSocket, code: number): Promise<void> {
    await this.transport.webSocketClose(ws, code);
  }

  override async webSocketError(ws: WebSocket): Promise<void> {
    // The socket leaves the object's list by itself; its lease on the IP's cap is given back.
    await this.transport.webSocketClose(ws, 1011);
  }

  async liveConnections(leaseIds: string[]): Promise<string[]> {
    return this.transport.liveConnections(leaseIds);
  }

  // ---- the alarm: a turn's lease, a wait's timer, the log's retention ------------------------

  override async alarm(): Promise<void> {
    if (!this.c.meta.get()) return;
    await this.status.onAlarm();
    this.c.spans.prune(Date.now() - retentionMs(this.env.TRACE_RETENTION_DAYS));
    this.turns.resume();
    await this.scheduleAlarm();
  }

  private async scheduleAlarm(): Promise<void> {
    const times: number[] = [];
    if (this.turns.running || this.turns.hasPending()) times.push(Date.now() + TURN_LEASE_MS);
    const deadline = this.status.deadline();
    if (deadline) times.push(deadline);
    const oldest = this.c.spans.oldest();
    if (oldest !== null) times.push(oldest + retentionMs(this.env.TRACE_RETENTION_DAYS));
    if (times.length) await this.ctx.storage.setAlarm(Math.min(...times));
    else await this.ctx.storage.deleteAlarm();
  }

  private async readTrace(): Promise<Trace> {
    await moveLegacySpans(this.c);
    return traceTree(this.c.spans.all());
  }
}
