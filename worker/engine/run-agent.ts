/**
 * The agent run loop, shared by the conversation's own run (ConversationDO) and every
 * delegated run (AgentRunDO): model call (streaming) → tool calls → model call … until a
 * final reply, a cap, the deadline, a stop or the budget ends it. Every step is a span.
 */
import { z } from "zod";
import type { Source } from "../../shared/protocol";
import { knowledgeProbe } from "../knowledge/search";
import { estimateTokens } from "../providers/offline";
import { providerFor } from "../providers/select";
import { type ChatMessage, type ModelChunk, ModelError, type ModelProvider, type ToolCall, type ToolSpec } from "../providers/types";
import { DeadlineExceeded, mapLimit, raceSignal, RunCancelled } from "./abort";
import { type BudgetHit, describeHit, isBudgetHit } from "./budget";
import { callEstimate, promptEstimate } from "./estimate";
import { toolNames, toolsFor } from "./tools";
import type { DelegateReply, RunContext, RunErrorCode, RunResult, ToolHandler, ToolOutcome } from "./types";
import { toolError } from "./types";

export interface RunOptions {
  /** A JSON Schema the final reply must match (asked for by the parent's `delegate`). */
  outputSchema?: Record<string, unknown>;
}

/** Passages carried back for scoring a reply (each a chunk of at most ~900 characters). */
const MAX_EVIDENCE = 16;

interface ModelTurn {
  text: string;
  calls: ToolCall[];
  tokensIn: number;
  tokensOut: number;
  providerData?: unknown;
  grounding?: Extract<ModelChunk, { type: "grounding" }>;
}

export async function runAgent(ctx: RunContext, input: ChatMessage[], options: RunOptions = {}): Promise<RunResult> {
  try {
    return await run(ctx, input, options);
  } finally {
    // Nobody hears a run's result before its spend is in the org's counters and ledger.
    await ctx.budget.drain();
  }
}

async function run(ctx: RunContext, input: ChatMessage[], options: RunOptions): Promise<RunResult> {
  const { agent } = ctx;
  const runSpan = ctx.log.start("run", agent.id, {
    runId: ctx.runId,
    ...(ctx.parentSpanId ? { parentId: ctx.parentSpanId } : {}),
    agentId: agent.id,
    data: { chain: ctx.chain, deadline: ctx.deadline },
  });
  // The tools load (a delegate's candidates are configs to read) while the first
  // reservation is on its way: the system prompt needs only their names.
  const loading = toolsFor(ctx);
  loading.catch(() => {});
  let tools: Map<string, ToolHandler> | null = null;
  const messages: ChatMessage[] = [{ role: "system", content: systemPrompt(ctx, toolNames(ctx)) }, ...input];
  const sources = new Map<string, Source>();
  const replies: DelegateReply[] = [];
  const texts: string[] = [];
  /** What was retrieved for the reply: goes back with it, so the turn can score how well the reply rests on it. */
  const evidence: string[] = [];
  let turns = 0;
  let toolCalls = 0;
  let failedDelegations = 0;
  let schemaRetried = false;

  const finish = (result: RunResult): RunResult => {
    const status = result.status === "ok" ? "ok" : result.code === "timeout" ? "timeout" : result.code === "cancelled" ? "cancelled" : "error";
    runSpan.end(status, {
      ...(result.status === "error" ? { error: `${result.code}: ${result.message}` } : {}),
      data: { turns, toolCalls },
    });
    return result;
  };
  const fail = (code: RunErrorCode, message: string, issues?: string[], hit?: BudgetHit): RunResult =>
    finish({ status: "error", code, message, text: texts.join("\n\n"), sources: [...sources.values()], replies, failedDelegations, ...(issues ? { issues } : {}), ...(hit ? { hit } : {}) });

  try {
    while (true) {
      if (ctx.signal.aborted) throw ctx.signal.reason;
      turns++;
      // The last allowed model call gets no tools, so the model has to answer.
      const lastTurn = turns >= agent.maxTurns || toolCalls >= agent.maxToolCalls;

      const promptTokens = promptEstimate(messages);
      const reservation = await ctx.budget.reserve(callEstimate(agent, messages));
      if (isBudgetHit(reservation)) {
        ctx.log.event("budget", "reserve", "blocked", { runId: ctx.runId, parentId: runSpan.id, agentId: agent.id }, {
          error: describeHit(reservation),
          data: { ...reservation },
        });
        return fail("budget_exceeded", describeHit(reservation), undefined, reservation);
      }
      const toolbox = (tools ??= await loading);
      const offered = lastTurn ? [] : [...toolbox.values()].map((t) => t.spec);

      const provider = await providerFor(ctx.env, agent, ctx.orgId);
      const modelSpan = ctx.log.start("model", provider.kind === "offline" ? "offline" : agent.model.name, {
        runId: ctx.runId,
        parentId: runSpan.id,
        agentId: agent.id,
        data: { turn: turns, tools: offered.map((t) => t.name) },
      });
      const usage = { conversationId: ctx.conversationId, runId: ctx.runId, agentId: agent.id };
      const streamed = { text: "" };
      let out: ModelTurn;
      try {
        out = await callModel(ctx, provider, messages, offered, texts.length > 0, streamed);
      } catch (error) {
        const { status, code, message } = describeError(error);
        // The provider's own words go to the trace only (never to the visitor or a parent model).
        const spanError = error instanceof ModelError && error.detail ? `${message}: ${error.detail}` : message;
        // A call cut by a stop or the deadline still used tokens: charge the prompt and what
        // streamed (estimated), so stopping near the end is not a way around the budget.
        const interrupted = code === "timeout" || code === "cancelled";
        const charged = interrupted ? promptTokens + estimateTokens(streamed.text) : 0;
        await (charged ? ctx.budget.settle(reservation, { ...usage, tokens: charged }) : ctx.budget.release(reservation)).catch((e: unknown) =>
          console.error("budget bookkeeping failed", e),
        );
        modelSpan.end(status, { error: spanError, ...(charged ? { tokensIn: promptTokens, tokensOut: charged - promptTokens } : {}) });
        if (interrupted) throw error;
        return fail(code, message);
      }
      // Settled on the way (the budget waits for it before its next question, and the run
      // before it returns). If it fails, the answer stands; this call is missing from the
      // ledger and the counters alike (they change in one transaction), and its
      // reservation is given back.
      ctx.budget.settleLater(reservation, { ...usage, tokens: out.tokensIn + out.tokensOut }, async (error) => {
        console.error("budget settle failed", error);
        await ctx.budget.release(reservation).catch(() => {});
      });
      // An abstention (the provider found nothing that answers and said so) is marked on its span.
      modelSpan.end("ok", {
        tokensIn: out.tokensIn,
        tokensOut: out.tokensOut,
        data: { toolCalls: out.calls.map((c) => c.name), ...(out.grounding?.abstained ? { abstained: true } : {}) },
      });
      if (out.text) texts.push(out.text);

      if (out.calls.length === 0) {
        if (options.outputSchema) {
          const check = validateOutput(out.text, options.outputSchema);
          if (!check.ok) {
            if (schemaRetried) return fail("invalid_output", "the reply did not match the requested schema", check.issues);
            schemaRetried = true;
            ctx.log.event("refusal", "invalid_output", "refused", { runId: ctx.runId, parentId: runSpan.id, agentId: agent.id }, { error: check.issues.join("; ") });
            messages.push({ role: "assistant", content: out.text });
            messages.push({
              role: "user",
              content: `Your reply did not match the required JSON Schema:\n- ${check.issues.join("\n- ")}\nReply again with only the JSON value.`,
            });
            texts.length = 0;
            continue;
          }
          return finish({ status: "ok", text: out.text, structured: check.value, sources: [...sources.values()], replies, failedDelegations, ...(evidence.length ? { evidence } : {}) });
        }
        const text = texts.join("\n\n");
        return finish({
          status: "ok",
          text,
          sources: replySources(text, [...sources.values()], out.grounding),
          replies,
          failedDelegations,
          // The provider said it found nothing that answers (the turn's fact records it).
          ...(out.grounding?.abstained ? { abstained: true } : {}),
          ...(evidence.length ? { evidence } : {}),
        });
      }

      messages.push({ role: "assistant", content: out.text || null, tool_calls: out.calls, ...(out.providerData !== undefined ? { providerData: out.providerData } : {}) });
      if (lastTurn) {
        for (const call of out.calls) {
          const reason = turns >= agent.maxTurns ? `the limit of ${agent.maxTurns} model turns` : `the limit of ${agent.maxToolCalls} tool calls`;
          ctx.log.event("refusal", "max_turns", "refused", { runId: ctx.runId, parentId: runSpan.id, agentId: agent.id }, {
            error: `${call.name} refused: ${reason} is reached`,
          });
        }
        return fail("max_turns", `stopped at ${turns >= agent.maxTurns ? `${agent.maxTurns} model turns` : `${agent.maxToolCalls} tool calls`}`);
      }

      // A tool's result is worth fetching only if the call that reads it can be made.
      const nextCall = callEstimate(agent, messages);
      const outcomes = await mapLimit(out.calls, agent.maxParallel, async (call) => {
        const number = ++toolCalls;
        return runTool(ctx, toolbox, call, number, runSpan.id, nextCall);
      });
      let transferTo: string | undefined;
      out.calls.forEach((call, i) => {
        const outcome = outcomes[i] as ToolOutcome;
        messages.push({ role: "tool", tool_call_id: call.id, content: outcome.content });
        for (const s of outcome.sources ?? []) sources.set(s.id, s);
        if (outcome.reply) replies.push(outcome.reply);
        for (const passage of outcome.evidence ?? []) if (evidence.length < MAX_EVIDENCE) evidence.push(passage);
        if (call.name === "delegate" && (outcome.status === "error" || outcome.status === "timeout")) failedDelegations++;
        transferTo ??= outcome.transferTo;
      });
      if (ctx.signal.aborted) throw ctx.signal.reason;
      if (transferTo) return finish({ status: "ok", text: texts.join("\n\n"), sources: [...sources.values()], replies, transferTo, failedDelegations });
    }
  } catch (error) {
    const { code, message } = describeError(error);
    const kind = code === "timeout" ? "timeout" : code === "cancelled" ? "cancel" : null;
    if (kind) ctx.log.event(kind, agent.id, code === "timeout" ? "timeout" : "cancelled", { runId: ctx.runId, parentId: runSpan.id, agentId: agent.id }, { error: message });
    return fail(code, message);
  }
}

async function runTool(ctx: RunContext, tools: Map<string, ToolHandler>, call: ToolCall, number: number, runSpanId: string, nextCall: number): Promise<ToolOutcome> {
  const span = ctx.log.start("tool", call.name, { runId: ctx.runId, parentId: runSpanId, agentId: ctx.agent.id, data: { callId: call.id, number } });
  const end = (outcome: ToolOutcome) => {
    span.end(outcome.status === "blocked" ? "blocked" : outcome.status, outcome.status === "ok" ? {} : { error: outcome.content.slice(0, 1000) });
    return outcome;
  };
  const refuse = (code: string, message: string, status: ToolOutcome["status"] = "refused", outcome = toolError(code, message, status)) => {
    ctx.log.event(status === "blocked" ? "budget" : "refusal", code, status === "blocked" ? "blocked" : "refused", {
      runId: ctx.runId,
      parentId: span.id,
      agentId: ctx.agent.id,
    }, { error: message });
    return end({ ...outcome, status });
  };

  if (number > ctx.agent.maxToolCalls) return refuse("max_tool_calls", `the limit of ${ctx.agent.maxToolCalls} tool calls per run is reached`);
  const handler = tools.get(call.name);
  if (!handler) return refuse("unknown_tool", `there is no tool named "${call.name}"`);
  let args: Record<string, unknown>;
  try {
    const parsed = JSON.parse(call.arguments || "{}");
    if (!parsed || typeof parsed !== "object" || Array.isArray(parsed)) throw new Error("arguments must be a JSON object");
    args = parsed;
  } catch (error) {
    return refuse("invalid_arguments", `arguments are not a JSON object: ${(error as Error).message}`);
  }
  try {
    const hit = await ctx.budget.check(nextCall);
    if (hit) return refuse("budget_exceeded", describeHit(hit), "blocked");
    const running = handler.run(ctx, call, args, span.id);
    const outcome = await (handler.handlesAbort ? running : raceSignal(running, ctx.signal));
    // A tool that ran into a budget (a delegation whose child had no room) is the same refusal.
    if (outcome.status === "blocked") return refuse("budget_exceeded", errorOf(outcome)?.message ?? "a token budget is used up", "blocked", outcome);
    // A tool that refuses by rule (bad arguments, a refused URL) is a refusal like the engine's own.
    const refusal = outcome.status === "ok" || outcome.status === "refused" ? null : refusalOf(outcome);
    if (refusal) return refuse(refusal.code, refusal.message, "refused", outcome);
    return end(outcome);
  } catch (error) {
    const { status, code, message } = describeError(error);
    return end(toolError(code, message, status === "timeout" ? "timeout" : status === "cancelled" ? "cancelled" : "error"));
  }
}

/** Tool error codes that mean "refused by a rule"; each is written as a `refusal` span. */
const REFUSAL_CODES = new Set(["invalid_arguments", "url_refused"]);

function refusalOf(outcome: ToolOutcome): { code: string; message: string } | null {
  const error = errorOf(outcome);
  return error && REFUSAL_CODES.has(error.code) ? error : null;
}

function errorOf(outcome: ToolOutcome): { code: string; message: string } | null {
  try {
    const error = (JSON.parse(outcome.content) as { error?: { code?: unknown; message?: unknown } }).error;
    return typeof error?.code === "string" ? { code: error.code, message: String(error.message ?? error.code) } : null;
  } catch {
    return null;
  }
}

async function callModel(
  ctx: RunContext,
  provider: ModelProvider,
  messages: ChatMessage[],
  tools: ToolSpec[],
  continuing: boolean,
  streamed: { text: string },
): Promise<ModelTurn> {
  const turn: ModelTurn = { text: "", calls: [], tokensIn: 0, tokensOut: 0 };
  // Text of a later model turn is a new paragraph of the same visible reply.
  let separator = continuing ? "\n\n" : "";
  const knowledge = knowledgeProbe(ctx.env, ctx.orgId);
  for await (const chunk of provider.stream({ agent: ctx.agent, messages, tools, signal: ctx.signal, knowledge })) {
    if (ctx.signal.aborted) throw ctx.signal.reason;
    if (chunk.type === "text") {
      turn.text += chunk.text;
      streamed.text = turn.text;
      if (ctx.onText && chunk.text) {
        ctx.onText(separator + chunk.text);
        separator = "";
      }
    } else if (chunk.type === "tool_call") turn.calls.push(chunk.call);
    else if (chunk.type === "provider_data") turn.providerData = chunk.data;
    else if (chunk.type === "grounding") turn.grounding = chunk;
    else {
      turn.tokensIn = chunk.inputTokens;
      turn.tokensOut = chunk.outputTokens;
    }
  }
  // A stream cut by an abort can end quietly: what arrived is not a whole answer.
  if (ctx.signal.aborted) throw ctx.signal.reason;
  return turn;
}

function describeError(error: unknown): { status: "timeout" | "cancelled" | "error"; code: RunErrorCode; message: string } {
  if (error instanceof DeadlineExceeded) return { status: "timeout", code: "timeout", message: error.message };
  if (error instanceof RunCancelled) return { status: "cancelled", code: "cancelled", message: error.message };
  if (error instanceof ModelError) return { status: "error", code: error.code === "rate_limited" ? "rate_limited" : "model_error", message: error.message };
  return { status: "error", code: "failed", message: error instanceof Error ? error.message : String(error) };
}

function systemPrompt(ctx: RunContext, tools: string[]): string {
  const has = (name: string) => tools.includes(name);
  const lines = [ctx.agent.instructions.trim() || `You are ${ctx.agent.name}. ${ctx.agent.description}`];
  if (has("delegate")) lines.push("Delegate to a specialist when the question is in its field; the specialist sees only what you send it.");
  if (has("search_knowledge")) lines.push("Look answers up with search_knowledge before answering from memory, and cite the article titles you use.");
  if (has("handoff_to_human")) lines.push("If the visitor asks for a person, or you cannot help, call handoff_to_human with a short summary.");
  return lines.join("\n\n");
}

/**
 * The sources a reply cites by title (agents are told to cite what they use); when it names
 * none, the top three retrieved, so an answer is never shown without where it came from.
 */
export function cited(text: string, sources: Source[]): Source[] {
  const lower = text.toLowerCase();
  const named = sources.filter((s) => lower.includes(s.title.toLowerCase()));
  return named.length ? named : sources.slice(0, 3);
}

/** What a reply cites: nothing after an abstention, the sources the provider names, else by title. */
function replySources(text: string, sources: Source[], grounding?: ModelTurn["grounding"]): Source[] {
  if (grounding?.abstained) return [];
  if (grounding?.sources) return sources.filter((s) => grounding.sources?.includes(s.id));
  return cited(text, sources);
}

/** Parses the reply as JSON (a fenced block is accepted) and checks it against the schema. */
export function validateOutput(text: string, schema: Record<string, unknown>): { ok: true; value: unknown } | { ok: false; issues: string[] } {
  const fenced = text.match(/```(?:json)?\s*([\s\S]*?)```/);
  let value: unknown;
  try {
    value = JSON.parse((fenced?.[1] ?? text).trim());
  } catch {
    return { ok: false, issues: ["the reply is not valid JSON"] };
  }
  let validator: z.ZodType;
  try {
    validator = z.fromJSONSchema(schema as Parameters<typeof z.fromJSONSchema>[0]);
  } catch (error) {
    return { ok: false, issues: [`the output schema is not usable: ${(error as Error).message}`] };
  }
  const result = validator.safeParse(value);
  if (result.success) return { ok: true, value: result.data };
  return { ok: false, issues: result.error.issues.map((i) => `${i.path.join(".") || "(root)"}: ${i.message}`) };
}
