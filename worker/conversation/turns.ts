/**
 * The bot's turns. A turn answers every visitor message up to a seq: it runs the
 * conversation's agent (the engine; delegated runs go to their own objects), streams the
 * reply to every client, stores it, applies the handoff policies, says `done` once the
 * whole execution log is stored, and then puts one fact record on the FACTS queue.
 *
 * Recovery: a turn in progress is written down (`meta.turnAttempts`, with the id its reply
 * will have) before it runs, and the object's alarm is kept a few seconds ahead while it
 * runs. If the process dies mid-turn, the object resumes the turn as soon as it wakes —
 * on the next request (a client reconnecting) or on that alarm, whichever comes first —
 * under the same reply id, so the reply the visitor saw streaming is replaced, never stored
 * half. A reply stored just before the crash is recognised and not produced twice.
 */
import type { AgentConfig } from "../../shared/config";
import type { StoredMessage } from "../../shared/protocol";
import { cachedAgent } from "../config/store";
import { RunCancelled, runController, sleep } from "../engine/abort";
import { runAgent } from "../engine/run-agent";
import type { ConversationPort, RunResult } from "../engine/types";
import { turnFact, type TurnEnd } from "../facts/turn-fact";
import { randomId } from "../ids";
import type { SpanLog } from "../log/spans";
import { orgBudget } from "../org/budget-client";
import { providerFor } from "../providers/select";
import type { ChatMessage } from "../providers/types";
import type { Delivery } from "./delivery";
import type { StatusMachine } from "./handoff";
import { REPLIES, relayReplies } from "./replies";
import type { ConversationState, Turn } from "./state";

/** History the agent sees: the last this many messages. */
const HISTORY = 40;
/** Transfers allowed within one turn (A → B → C), so two agents cannot bounce forever. */
const MAX_TRANSFERS = 2;
/** How long a stop waits for the turn to wind down. */
const STOP_GRACE_MS = 5_000;
/** A turn whose object keeps crashing is given up after this many tries. */
const MAX_TURN_ATTEMPTS = 3;
/** Turns in a row that fail, or delegations failing in one turn, before a person is called. */
const FAILURE_POLICY = 2;
/** While a turn runs, the object's alarm stays this far ahead: a process that dies mid-turn is back on it within this. */
export const TURN_LEASE_MS = 5_000;
/** A config read when a message arrived serves the turn that starts within this. */
const PREPARED_MS = 1_000;

export class Turns {
  private loop: Promise<void> | null = null;
  /** The active agent's config, being read since a visitor message arrived (see `prepare`). */
  private prepared: { orgId: string; agentId: string; at: number; config: Promise<AgentConfig | null> } | null = null;

  constructor(
    private readonly c: ConversationState,
    private readonly delivery: Delivery,
    private readonly status: StatusMachine,
    private readonly scheduleAlarm: () => Promise<void>,
    private readonly port: ConversationPort,
  ) {}

  get running(): boolean {
    return this.loop !== null;
  }

  /** Visitor messages the bot has yet to answer (only while the bot has the conversation). */
  hasPending(): boolean {
    const meta = this.c.meta.get();
    return !!meta && meta.status === "bot" && this.c.transcript.lastSeqOf("user") > meta.answeredSeq;
  }

  /** Starts the turn loop unless it is already running (it picks up new messages itself). */
  kick(): void {
    if (this.loop) return;
    this.loop = (async () => {
      try {
        while (this.hasPending()) {
          await this.scheduleAlarm();
          await this.runTurn(this.c.transcript.lastSeqOf("user"));
        }
      } finally {
        this.loop = null;
        await this.scheduleAlarm();
      }
    })();
  }

  /**
   * A visitor message has arrived: start reading the config of the agent that will answer
   * it, before the message is stored. A read that leaves before the object writes is not
   * held until the write is durable (the output gate), so it overlaps the limit checks and
   * the write instead of following them. The turn uses it only if it starts within
   * PREPARED_MS and for the same agent; otherwise it reads again.
   */
  prepare(): void {
    const meta = this.c.meta.get();
    if (!meta || meta.status !== "bot" || this.loop) return;
    if (this.prepared && this.prepared.agentId === meta.activeAgent && Date.now() - this.prepared.at < PREPARED_MS) return;
    const config = cachedAgent(this.c.env, meta.orgId, meta.activeAgent);
    config.catch(() => {});
    this.prepared = { orgId: meta.orgId, agentId: meta.activeAgent, at: Date.now(), config };
  }

  /** The agent's config: the one being read since the message arrived if it is fresh, else read now. */
  private agentConfig(orgId: string, agentId: string): Promise<AgentConfig | null> {
    const prepared = this.prepared;
    this.prepared = null;
    if (prepared && prepared.orgId === orgId && prepared.agentId === agentId && Date.now() - prepared.at < PREPARED_MS) return prepared.config;
    return cachedAgent(this.c.env, orgId, agentId);
  }

  /** After a restart (or from the alarm): unanswered messages get their turn now. */
  resume(): void {
    if (!this.loop && this.hasPending()) this.kick();
  }

  /** Stops the turn in flight and waits (a few seconds at most) until it has stored its partial reply. */
  async stop(): Promise<void> {
    const turn = this.c.turn;
    if (!turn) return;
    turn.abort.abort();
    await Promise.all([...turn.children].map((cancel) => cancel()));
    await Promise.race([turn.settled, sleep(STOP_GRACE_MS)]);
  }

  private async runTurn(upTo: number): Promise<void> {
    const meta = this.c.requireMeta();
    const previous = meta.turnAttempts?.upTo === upTo ? meta.turnAttempts : undefined;
    const messageId = previous?.messageId ?? randomId("m_");
    // The reply was stored before the process died, but the turn was not closed: close it.
    if (previous && this.c.transcript.byId(messageId)) {
      this.c.meta.update({ answeredSeq: Math.max(upTo, meta.answeredSeq), turnAttempts: undefined });
      return;
    }
    // If the object crashed in this turn before, it may crash again: give up after a few tries.
    const attempts = (previous?.count ?? 0) + 1;
    this.c.meta.update({ turnAttempts: { upTo, count: attempts, messageId } });

    const turnId = randomId("t_", 12);
    const log = this.c.spanLog(turnId);
    const turnSpan = log.start("turn", "turn", { runId: `run_${turnId}`, data: { upTo, ...(attempts > 1 ? { attempt: attempts } : {}) } });
    let settle: () => void = () => {};
    const turn: Turn = {
      id: turnId,
      upTo,
      messageId,
      author: "",
      text: "",
      startedAt: Date.now(),
      firstDeltaAt: null,
      family: null,
      handoff: null,
      abort: new AbortController(),
      children: new Set(),
      settled: new Promise<void>((resolve) => (settle = resolve)),
    };
    this.c.turn = turn;
    const question = this.c.transcript
      .userMessages(meta.answeredSeq, upTo)
      .map((m) => m.text)
      .join("\n");
    let end: TurnEnd = "complete";
    let result: RunResult | null = null;
    let agent: AgentConfig | null = null;
    let error: string | null = null;
    const stillOurs = () => !turn.abort.signal.aborted && this.c.requireMeta().status === "bot";
    try {
      if (attempts > MAX_TURN_ATTEMPTS) throw new Error(`the turn failed ${attempts - 1} times`);
      agent = await this.agentConfig(meta.orgId, meta.activeAgent);
      // The site is read only when its entry agent is needed (the active one is gone): one
      // config read fewer before the model call on every ordinary turn.
      if (!agent) {
        const site = await this.status.ownSite();
        if (site && site.entryAgent !== meta.activeAgent) agent = await cachedAgent(this.c.env, meta.orgId, site.entryAgent);
      }
      if (!agent) {
        end = "error";
        error = "agent_not_found";
        this.finishReply(turn, { text: REPLIES.error });
        turnSpan.end("error", { error: `agent ${meta.activeAgent} not found` });
        return;
      }
      const history = this.history(upTo);
      for (let hop = 0; hop <= MAX_TRANSFERS; hop++) {
        // Stopped, or a person took over, while this turn was still getting ready.
        if (!stillOurs()) break;
        result = await this.runRoot(turn, agent, history, log, turnSpan.id, hop);
        if (result.status !== "ok" || !result.transferTo || hop === MAX_TRANSFERS) break;
        const next = await cachedAgent(this.c.env, meta.orgId, result.transferTo);
        if (!next) break;
        this.c.meta.update({ activeAgent: next.id });
        agent = next;
      }
      end = result ? await this.conclude(turn, agent, result) : "stopped";
      turnSpan.end(end === "complete" ? "ok" : end === "stopped" ? "cancelled" : end === "deadline" ? "timeout" : "error", { data: { reason: end } });
    } catch (failure) {
      end = "error";
      error = failure instanceof Error ? failure.message : String(failure);
      console.error("turn failed", failure);
      turnSpan.end("error", { error });
      if (!this.c.transcript.byId(turn.messageId)) this.finishReply(turn, { text: turn.text || REPLIES.error });
    } finally {
      // A closed turn leaves nothing running under it.
      await Promise.all([...turn.children].map((cancel) => cancel()));
      this.c.meta.update({ answeredSeq: Math.max(upTo, this.c.requireMeta().answeredSeq), turnAttempts: undefined });
      this.c.turn = null;
      // The trace is whole before the client hears `done`.
      await log.flush().catch((e) => console.error("span flush failed", e));
      this.c.clients.broadcast({ type: "done", data: { turnId, reason: end, upTo } });
      settle();
      this.emitFact(turn, { end, result, agent, error, question });
    }
  }

  private async runRoot(turn: Turn, agent: AgentConfig, history: ChatMessage[], log: SpanLog, turnSpanId: string, hop: number): Promise<RunResult> {
    const meta = this.c.requireMeta();
    const deadline = Date.now() + agent.timeoutMs;
    const control = runController(deadline);
    // The turn's stop reaches this hop's run (and, through it, every delegated run).
    const onStop = () => control.cancel(new RunCancelled());
    turn.abort.signal.addEventListener("abort", onStop, { once: true });
    if (turn.abort.signal.aborted) onStop();
    turn.author = agent.name;
    try {
      return await runAgent(
        {
          env: this.c.env,
          orgId: meta.orgId,
          siteKey: meta.siteKey,
          conversationId: meta.conversationId,
          turnId: turn.id,
          runId: hop === 0 ? `run_${turn.id}` : `run_${turn.id}_${hop}`,
          parentSpanId: turnSpanId,
          agent,
          chain: [agent.id],
          ...(meta.identity?.verified ? { visitor: { userId: meta.identity.userId, ...(meta.identity.email ? { email: meta.identity.email } : {}) } } : {}),
          deadline,
          signal: control.signal,
          log,
          budget: orgBudget(this.c.env, meta.orgId, agent.team),
          conversation: this.port,
          isRoot: true,
          children: turn.children,
          onText: (piece) => {
            const offset = turn.text.length;
            turn.text += piece;
            turn.firstDeltaAt ??= Date.now();
            this.c.clients.broadcast({ type: "delta", data: { messageId: turn.messageId, text: piece, offset, author: turn.author } });
          },
        },
        history,
      );
    } finally {
      turn.abort.signal.removeEventListener("abort", onStop);
      control.dispose();
    }
  }

  /** Stores the turn's reply (or the graceful words for how it ended) and applies policies. */
  private async conclude(turn: Turn, agent: AgentConfig, result: RunResult): Promise<TurnEnd> {
    turn.family = (await providerFor(this.c.env, agent, this.c.requireMeta().orgId)).kind;
    const offline = turn.family === "offline";
    const base = { sources: result.sources, agentId: agent.id, offline };
    const bot = () => this.c.requireMeta().status === "bot";
    if (result.status === "ok") {
      this.finishReply(turn, { ...base, text: turn.text || result.text || REPLIES.error });
      if (result.failedDelegations >= FAILURE_POLICY && bot()) await this.status.policyHandoff(`${result.failedDelegations} delegations failed in one turn.`);
      else this.c.meta.update({ failures: 0 });
      return "complete";
    }
    switch (result.code) {
      case "cancelled":
        if (turn.text) this.finishReply(turn, { ...base, text: turn.text });
        return "stopped";
      case "timeout":
        this.finishReply(turn, { ...base, text: join(turn.text, REPLIES.deadline) });
        return "deadline";
      case "budget_exceeded": {
        // The specialists' answers that did come back are still delivered.
        const relayed = result.replies.length ? relayReplies(result.replies) : "";
        this.finishReply(turn, { ...base, text: join(turn.text, relayed, bot() ? REPLIES.budget : REPLIES.budgetNoHuman) });
        if (bot()) await this.status.setStatus("waiting", { reason: "policy", summary: "The token budget is used up.", from: ["bot"] });
        return "budget";
      }
      case "max_turns":
        this.finishReply(turn, { ...base, text: turn.text || result.text || REPLIES.maxTurns });
        return "error";
      default: {
        this.finishReply(turn, { ...base, text: join(turn.text, REPLIES.error) });
        const failures = this.c.requireMeta().failures + 1;
        this.c.meta.update({ failures });
        if (bot() && (failures >= FAILURE_POLICY || result.failedDelegations >= FAILURE_POLICY)) {
          await this.status.policyHandoff(`The assistant failed ${failures} times in a row (${result.code}: ${result.message}).`);
        }
        return "error";
      }
    }
  }

  /** The reply is stored and the turn's messages marked answered in one step: a crash cannot split them. */
  private finishReply(turn: Turn, reply: { text: string; sources?: StoredMessage["sources"]; agentId?: string; offline?: boolean }): void {
    this.delivery.append({
      id: turn.messageId,
      role: "assistant",
      text: reply.text,
      ...(turn.author ? { author: turn.author } : {}),
      ...(reply.agentId ? { agentId: reply.agentId } : {}),
      ...(reply.sources?.length ? { sources: reply.sources } : {}),
      ...(reply.offline ? { offline: true } : {}),
    });
    this.c.meta.update({ answeredSeq: Math.max(turn.upTo, this.c.requireMeta().answeredSeq) });
  }

  /** One fact record for the turn, after `done`: never on the visitor's path. */
  private emitFact(turn: Turn, how: { end: TurnEnd; result: RunResult | null; agent: AgentConfig | null; error: string | null; question: string }): void {
    try {
      this.c.ctx.waitUntil(this.c.env.FACTS.send(this.fact(turn, how)).catch((e: unknown) => console.error("fact not queued", e)));
    } catch (error) {
      console.error("fact not built", error);
    }
  }

  private fact(turn: Turn, how: { end: TurnEnd; result: RunResult | null; agent: AgentConfig | null; error: string | null; question: string }) {
    const meta = this.c.requireMeta();
    const reply = this.c.transcript.byId(turn.messageId);
    const family = how.agent ? turn.family : null;
    return turnFact(
      {
        turnId: turn.id,
        conversationId: meta.conversationId,
        orgId: meta.orgId,
        siteKey: meta.siteKey,
        startedAt: turn.startedAt,
        endedAt: Date.now(),
        firstDeltaAt: turn.firstDeltaAt,
        question: how.question,
        answeredBy: reply?.agentId ?? how.agent?.id ?? null,
        replyMessageId: reply?.id ?? null,
        cited: (reply?.sources ?? []).map((s) => s.id),
        end: how.end,
        result: how.result,
        handoff: turn.handoff,
        error: how.error,
        model: how.agent ? (family === "offline" ? "offline" : how.agent.model.name) : null,
        family,
      },
      this.c.spans.ofTurn(turn.id),
    );
  }

  private history(upTo: number): ChatMessage[] {
    const out: ChatMessage[] = [];
    for (const m of this.c.transcript.recent(upTo, HISTORY)) {
      if (m.role === "user") out.push({ role: "user", content: m.text });
      else if (m.role === "assistant") out.push({ role: "assistant", content: m.text });
      else if (m.role === "human") out.push({ role: "assistant", content: `[${m.author ?? "Support"}, from the support team]: ${m.text}` });
    }
    return out;
  }
}

function join(...parts: string[]): string {
  return parts.filter((p) => p.trim()).join("\n\n");
}
