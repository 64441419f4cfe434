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
import { type AgentConfig, DEFAULT_CONVERSATION_TOKEN_LIMIT, DEFAULT_HISTORY_TOKEN_LIMIT, type SiteConfig } from "../../shared/config";
import type { StoredMessage } from "../../shared/protocol";
import { cachedAgent } from "../config/store";
import { RunCancelled, runController, sleep } from "../engine/abort";
import { runAgent } from "../engine/run-agent";
import { withTone } from "../engine/tone";
import type { ConversationPort, RunResult } from "../engine/types";
import { turnFact, type TurnEnd } from "../facts/turn-fact";
import { randomId } from "../ids";
import { answerSignals, gradeAnswer } from "../insights/turn-end";
import type { SpanLog } from "../log/spans";
import { noOrgRule, orgBudget } from "../org/budget-client";
import { providerFor } from "../providers/select";
import type { ChatMessage } from "../providers/types";
import type { Delivery } from "./delivery";
import type { StatusMachine } from "./handoff";
import { buildHistory } from "./history";
import { REPLIES, relayReplies } from "./replies";
import { KEPT_TURN_ENDS } from "./meta";
import type { ConversationState, Turn } from "./state";
import type { TokenCeiling } from "./token-ceiling";

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
/** Configs read when a message arrived serve the turn that starts within this. */
const PREPARED_MS = 1_000;

export class Turns {
  private loop: Promise<void> | null = null;
  /** The active agent's config and the site's, and whether an org budget rule applies to it, being read since a visitor message arrived (see `prepare`). */
  private prepared: {
    orgId: string;
    agentId: string;
    drafts: boolean;
    at: number;
    agent: Promise<AgentConfig | null>;
    site: Promise<SiteConfig | null>;
    noRule: Promise<boolean>;
  } | null = null;

  constructor(
    private readonly c: ConversationState,
    private readonly delivery: Delivery,
    private readonly status: StatusMachine,
    private readonly scheduleAlarm: () => Promise<void>,
    private readonly port: ConversationPort,
    /** What the conversation may still spend (its runs and every delegated run reserve here). */
    private readonly ceiling: TokenCeiling,
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
   * A visitor message has arrived: start reading the configs the turn that answers it needs
   * (its agent's and its site's) and asking the org's object whether a budget rule applies
   * to that agent, before the message is stored. A read that leaves before the object writes
   * is not held until the write is durable (the output gate), so it overlaps the limit
   * checks and the write instead of following them. The turn uses them only if it starts
   * within PREPARED_MS and for the same agent; otherwise it reads again (and reserves as usual).
   */
  prepare(): void {
    const meta = this.c.meta.get();
    if (!meta || meta.status !== "bot" || this.loop) return;
    const drafts = meta.drafts === true;
    if (this.fresh(meta.orgId, meta.activeAgent, drafts)) return;
    const agent = cachedAgent(this.c.env, meta.orgId, meta.activeAgent, { drafts });
    agent.catch(() => {});
    // A cached config has been read already: the question leaves at once, before any write.
    const noRule = agent.then((config) => (config ? noOrgRule(this.c.env, meta.orgId, config.team) : false)).catch(() => false);
    this.prepared = { orgId: meta.orgId, agentId: meta.activeAgent, drafts, at: Date.now(), agent, site: this.status.ownSite(), noRule };
  }

  private fresh(orgId: string, agentId: string, drafts: boolean): boolean {
    const p = this.prepared;
    return !!p && p.orgId === orgId && p.agentId === agentId && p.drafts === drafts && Date.now() - p.at < PREPARED_MS;
  }

  /**
   * The agent's config and the site's: the ones being read since the message arrived if
   * fresh, else both read now; and, if prepared, whether no org budget rule applies to the agent.
   */
  private async configs(orgId: string, agentId: string, drafts: boolean): Promise<[AgentConfig | null, SiteConfig | null, Promise<boolean> | null]> {
    const prepared = this.fresh(orgId, agentId, drafts) ? this.prepared : null;
    this.prepared = null;
    if (prepared) return [...(await Promise.all([prepared.agent, prepared.site])), prepared.noRule];
    return [...(await Promise.all([cachedAgent(this.c.env, orgId, agentId, { drafts }), this.status.ownSite()])), null];
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
    // The span's data is read when it is written, so what the turn learns later (what history it sent) joins it.
    const turnData: Record<string, unknown> = { upTo, ...(attempts > 1 ? { attempt: attempts } : {}) };
    const turnSpan = log.start("turn", "turn", { runId: `run_${turnId}`, data: turnData });
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
    // The visitor's question before this one (insights: is this the same question again?).
    const previousQuestion = this.c.transcript.recent(meta.answeredSeq, 8).filter((m) => m.role === "user").pop()?.text ?? null;
    let end: TurnEnd = "complete";
    let result: RunResult | null = null;
    let agent: AgentConfig | null = null;
    let error: string | null = null;
    const stillOurs = () => !turn.abort.signal.aborted && this.c.requireMeta().status === "bot";
    try {
      if (attempts > MAX_TURN_ATTEMPTS) throw new Error(`the turn failed ${attempts - 1} times`);
      // A playground conversation (the console's) runs agent drafts first.
      const lookup = { drafts: meta.drafts === true };
      // The agent and the site (tone, history and token limits) are read at once.
      const [active, site, noRule] = await this.configs(meta.orgId, meta.activeAgent, lookup.drafts);
      agent = active;
      if (!agent && site && site.entryAgent !== meta.activeAgent) agent = await cachedAgent(this.c.env, meta.orgId, site.entryAgent, lookup);
      if (!agent) {
        end = "error";
        error = "agent_not_found";
        this.finishReply(turn, { text: REPLIES.error });
        turnSpan.end("error", { error: `agent ${meta.activeAgent} not found` });
        return;
      }
      this.ceiling.limit = site?.conversationTokenLimit ?? DEFAULT_CONVERSATION_TOKEN_LIMIT;
      const { messages: history, note } = buildHistory(this.c.transcript, upTo, site?.historyTokenLimit ?? DEFAULT_HISTORY_TOKEN_LIMIT);
      turnData.history = note;
      for (let hop = 0; hop <= MAX_TRANSFERS; hop++) {
        // Stopped, or a person took over, while this turn was still getting ready.
        if (!stillOurs()) break;
        // What the org's object said of budget rules holds for the agent it was asked about.
        const unruled = hop === 0 && agent === active ? noRule : null;
        result = await this.runRoot(turn, agent, history, log, turnSpan.id, hop, site?.tone, unruled);
        if (result.status !== "ok" || !result.transferTo || hop === MAX_TRANSFERS) break;
        const next = await cachedAgent(this.c.env, meta.orgId, result.transferTo, lookup);
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
      const before = this.c.requireMeta();
      this.c.meta.update({
        answeredSeq: Math.max(upTo, before.answeredSeq),
        turnAttempts: undefined,
        turnEnds: [...(before.turnEnds ?? []), { turnId, upTo, reason: end }].slice(-KEPT_TURN_ENDS),
      });
      this.c.turn = null;
      // The trace is whole before the client hears `done`.
      await log.flush().catch((e) => console.error("span flush failed", e));
      this.c.clients.broadcast({ type: "done", data: { turnId, reason: end, upTo } });
      settle();
      this.emitFact(turn, { end, result, agent, error, question, previous: previousQuestion });
    }
  }

  private async runRoot(
    turn: Turn,
    agent: AgentConfig,
    history: ChatMessage[],
    log: SpanLog,
    turnSpanId: string,
    hop: number,
    tone: SiteConfig["tone"] | undefined,
    noRule: Promise<boolean> | null,
  ): Promise<RunResult> {
    const meta = this.c.requireMeta();
    const budget = orgBudget(this.c.env, meta.orgId, agent.team, this.ceiling);
    if (noRule && (await noRule)) budget.orgHasNoRule();
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
          // The agent speaking to the visitor speaks in the site's tone.
          agent: withTone(agent, tone),
          chain: [agent.id],
          ...(meta.drafts ? { drafts: true } : {}),
          ...(meta.identity?.verified ? { visitor: { userId: meta.identity.userId, ...(meta.identity.email ? { email: meta.identity.email } : {}) } } : {}),
          deadline,
          signal: control.signal,
          log,
          budget,
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
        const ceiling = result.hit?.period === "conversation";
        const words = ceiling ? (bot() ? REPLIES.ceiling : REPLIES.ceilingNoHuman) : bot() ? REPLIES.budget : REPLIES.budgetNoHuman;
        this.finishReply(turn, { ...base, text: join(turn.text, relayed, words) });
        const summary = ceiling ? `The conversation reached its ceiling of ${result.hit?.limit} tokens.` : "The token budget is used up.";
        if (bot()) await this.status.setStatus("waiting", { reason: "policy", summary, from: ["bot"] });
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

  /** One fact record for the turn, after `done`: never on the visitor's path (then, where the org has one, a model's grade of the answer). */
  private emitFact(turn: Turn, how: FactInput): void {
    // A playground conversation tries drafts: it is no visitor's, and insights must not count it.
    if (this.c.meta.get()?.drafts) return;
    try {
      const fact = this.fact(turn, how);
      const reply = this.c.transcript.byId(turn.messageId)?.text ?? "";
      const evidence = how.result?.status === "ok" ? (how.result.evidence ?? []) : [];
      this.c.ctx.waitUntil(
        this.c.env.FACTS.send(fact)
          .then(() => gradeAnswer(this.c.env, fact, reply, evidence))
          .catch((e: unknown) => console.error("fact not queued", e)),
      );
    } catch (error) {
      console.error("fact not built", error);
    }
  }

  private fact(turn: Turn, how: FactInput) {
    const meta = this.c.requireMeta();
    const reply = this.c.transcript.byId(turn.messageId);
    const family = how.agent ? turn.family : null;
    const evidence = how.result?.status === "ok" ? (how.result.evidence ?? []) : [];
    const signals = answerSignals(how.question, how.previous, reply?.role === "assistant" ? reply.text : "", evidence);
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
        ...signals,
        conversationStartedAt: Date.parse(meta.createdAt),
      },
      this.c.spans.ofTurn(turn.id),
    );
  }
}

interface FactInput {
  end: TurnEnd;
  result: RunResult | null;
  agent: AgentConfig | null;
  error: string | null;
  question: string;
  previous: string | null;
}

function join(...parts: string[]): string {
  return parts.filter((p) => p.trim()).join("\n\n");
}
