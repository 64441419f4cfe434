/**
 * `delegate`: the sub-agents tool. Each call starts a child run in an AgentRunDO (one of the
 * org's few, see `runObjectName`), with an id made from this run and the tool-call id, so a
 * retried call reaches the same child run (which answers with its first result) instead of
 * starting a second one. The child sees only
 * the prompt and context sent here; its deadline is capped by this run's; a stop reaches
 * it through `cancel`. Loop rules (depth, no agent twice in a chain) are checked here and
 * refused as tool errors the model can read.
 */
import { z } from "zod";
import type { AgentConfig } from "../../../shared/config";
import { cachedAgent } from "../../config/store";
import type { AgentRunRpc } from "../../durable/rpc";
import { candidateHints } from "./offline-hints";
import { DeadlineExceeded, raceSignal, RunCancelled } from "../abort";
import { describeHit } from "../budget";
import { firstCallEstimate } from "../estimate";
import { runObjectName } from "../run-result";
import { type ChildRunRequest, type RunContext, type RunResult, type ToolHandler, type ToolOutcome, toolError, toolOk } from "../types";

export const DEFAULT_MAX_DEPTH = 3;

const DelegateArgs = z.object({
  agent: z.string().min(1),
  prompt: z.string().min(1).max(20_000),
  context: z.record(z.string(), z.unknown()).optional(),
  output_schema: z.record(z.string(), z.unknown()).optional(),
});

export function maxDepth(ctx: RunContext): number {
  const configured = Number(ctx.env.MAX_DELEGATION_DEPTH);
  return Number.isInteger(configured) && configured > 0 ? configured : DEFAULT_MAX_DEPTH;
}

export function delegateTool(candidates: AgentConfig[]): ToolHandler {
  return {
    spec: {
      name: "delegate",
      description:
        "Ask a specialist agent to handle part of the job. The specialist sees only the prompt and context you send, not this conversation, so include every detail it needs. Its final reply comes back as the result. Several delegate calls in one turn run in parallel.\n\nSpecialists:\n" +
        candidates.map((c) => `- ${c.id} (${c.name}): ${c.description}`).join("\n"),
      parameters: {
        type: "object",
        properties: {
          agent: { type: "string", enum: candidates.map((c) => c.id), description: "Which specialist." },
          prompt: { type: "string", description: "The task for the specialist, self-contained." },
          context: { type: "object", description: "Facts the specialist needs (customer email, order id, …).", additionalProperties: true },
          output_schema: { type: "object", description: "Optional JSON Schema the specialist's reply must match." },
        },
        required: ["agent", "prompt"],
      },
      offline: candidateHints(candidates),
    },

    handlesAbort: true,

    async run(ctx, call, rawArgs, toolSpanId) {
      const parsed = DelegateArgs.safeParse(rawArgs);
      if (!parsed.success) return toolError("invalid_arguments", z.prettifyError(parsed.error));
      const args = parsed.data;
      if (!ctx.agent.delegates.includes(args.agent)) {
        return refuse(ctx, toolSpanId, "unknown_agent", `${ctx.agent.id} may not delegate to "${args.agent}"; allowed: ${ctx.agent.delegates.join(", ") || "none"}`);
      }
      // The same call (a retry) reaches the same child; the agent is part of the name so a
      // model that reuses call ids across different delegations cannot collide them.
      const childName = `${ctx.runId}/${call.id}:${args.agent}`;
      const first = await attempt(ctx, toolSpanId, args.agent, childName, args, candidates);
      // A fallback would meet the same budget: a budget refusal ends the delegation.
      if (first.status !== "error" && first.status !== "timeout") return first;
      if (ctx.signal.aborted) return first;

      // The failed specialist's configured fallback gets the same task once.
      const failed = candidates.find((c) => c.id === args.agent) ?? (await cachedAgent(ctx.env, ctx.orgId, args.agent, { drafts: ctx.drafts }));
      const fallback = failed?.fallbackAgent;
      if (!fallback) return first;
      ctx.log.event("delegation", `fallback:${fallback}`, "ok", {
        runId: ctx.runId,
        parentId: toolSpanId,
        agentId: ctx.agent.id,
        data: { from: args.agent, to: fallback, reason: JSON.parse(first.content).error?.code },
      });
      const second = await attempt(ctx, toolSpanId, fallback, `${childName}/fallback:${fallback}`, args, candidates);
      if (second.status === "ok") {
        const body = JSON.parse(second.content);
        return { ...second, content: JSON.stringify({ ...body, fallbackFrom: args.agent }) };
      }
      return second;
    },
  };
}

function refuse(ctx: RunContext, parentSpanId: string, code: string, message: string): ToolOutcome {
  ctx.log.event("refusal", code, "refused", { runId: ctx.runId, parentId: parentSpanId, agentId: ctx.agent.id }, { error: message });
  return toolError(code, message, "refused");
}

async function attempt(
  ctx: RunContext,
  toolSpanId: string,
  target: string,
  childName: string,
  args: z.infer<typeof DelegateArgs>,
  candidates: AgentConfig[],
): Promise<ToolOutcome> {
  if (ctx.chain.includes(target)) {
    return refuse(ctx, toolSpanId, "loop_detected", `${target} is already in this chain (${[...ctx.chain, target].join(" → ")}); an agent may appear only once`);
  }
  const depth = maxDepth(ctx);
  if (ctx.chain.length > depth) {
    return refuse(ctx, toolSpanId, "depth_exceeded", `the chain ${[...ctx.chain, target].join(" → ")} would exceed ${depth} hops`);
  }
  // A candidate's config was read when this run started (no second read on the hop's way);
  // a fallback that is not a candidate is read now.
  const config = candidates.find((c) => c.id === target) ?? (await cachedAgent(ctx.env, ctx.orgId, target, { drafts: ctx.drafts }));
  if (!config) return refuse(ctx, toolSpanId, "unknown_agent", `no agent "${target}" exists`);
  // The budget rule every step obeys: the child starts only if its first model call fits.
  const content = delegatedPrompt(args);
  const hit = await ctx.budget.check(firstCallEstimate(config, content));
  if (hit) return toolError("budget_exceeded", `${target}: ${describeHit(hit)}`, "blocked", { agent: target });

  const span = ctx.log.start("delegation", target, {
    runId: ctx.runId,
    parentId: toolSpanId,
    agentId: ctx.agent.id,
    data: { target, childRunId: childName, prompt: args.prompt.slice(0, 500) },
  });
  const activity = { runId: ctx.runId, agentId: ctx.agent.id, target, targetName: config.name, ...(ctx.parentRunId ? { parentRunId: ctx.parentRunId } : {}) };
  await ctx.conversation.activity({ ...activity, kind: "delegation.start" }).catch(() => {});

  // The conversation's run object among its org's few (warm, not created for this call).
  const stub = ctx.env.AGENT_RUN.get(ctx.env.AGENT_RUN.idFromName(runObjectName(ctx.orgId, ctx.conversationId)));
  const cancel = async () => {
    await stub.cancel(childName, ctx.conversationId).catch(() => {});
  };
  ctx.children.add(cancel);
  const request: ChildRunRequest = {
    runId: childName,
    parentRunId: ctx.runId,
    parentSpanId: span.id,
    orgId: ctx.orgId,
    siteKey: ctx.siteKey,
    conversationId: ctx.conversationId,
    turnId: ctx.turnId,
    agentId: target,
    prompt: args.prompt,
    ...(args.context ? { context: args.context } : {}),
    ...(args.output_schema ? { outputSchema: args.output_schema } : {}),
    deadline: ctx.deadline,
    chain: ctx.chain,
    ...(ctx.visitor ? { visitor: ctx.visitor } : {}),
    ...(ctx.drafts ? { drafts: true } : {}),
    agent: config,
    // Rules apply by team: what this run learnt of them holds for a child of its own team.
    ...(ctx.budget.knowsNoOrgRule && (config.team ?? null) === (ctx.budget.team ?? null) ? { noOrgRule: true as const } : {}),
  };

  let result: RunResult;
  try {
    const { spans, ...answer } = await raceSignal(runChild(stub, request), ctx.signal);
    // The child's spans come back with its result; they go out with this run's own.
    if (spans) ctx.log.adopt(spans);
    result = answer;
  } catch (error) {
    const reason = ctx.signal.aborted ? ctx.signal.reason : error;
    const status = reason instanceof DeadlineExceeded ? "timeout" : reason instanceof RunCancelled ? "cancelled" : "error";
    const message = reason instanceof Error ? reason.message : String(reason);
    span.end(status, { error: message });
    await ctx.conversation.activity({ ...activity, kind: "delegation.end", status }).catch(() => {});
    // Waits until the child (and its children) have stopped and written their spans.
    await cancel();
    return toolError(status === "error" ? "failed" : status, `${target}: ${message}`, status);
  } finally {
    ctx.children.delete(cancel);
  }

  // A child refused by a budget (one that filled up after the check above) is that refusal.
  const status =
    result.status === "ok" ? "ok" : result.code === "timeout" ? "timeout" : result.code === "cancelled" ? "cancelled" : result.code === "budget_exceeded" ? "blocked" : "error";
  span.end(status, result.status === "error" ? { error: `${result.code}: ${result.message}` } : {});
  await ctx.conversation.activity({ ...activity, kind: "delegation.end", status: status === "blocked" ? "refused" : status }).catch(() => {});

  if (result.status === "ok") {
    return toolOk(
      { agent: target, status: "ok", reply: result.text, ...(result.structured !== undefined ? { structured: result.structured } : {}) },
      { sources: result.sources, reply: { agentId: target, agentName: config.name, text: result.text }, ...(result.evidence ? { evidence: result.evidence } : {}) },
    );
  }
  return {
    ...toolError(result.code, `${target}: ${result.message}`, status === "ok" ? "error" : status, {
      agent: target,
      ...(result.issues ? { issues: result.issues } : {}),
    }),
    sources: result.sources,
  };
}

/** A Durable Object call can fail in transit (the object was reset); the child is idempotent, so try once more. */
async function runChild(stub: DurableObjectStub<AgentRunRpc>, request: ChildRunRequest): Promise<RunResult> {
  try {
    return (await stub.run(request)) as RunResult;
  } catch (error) {
    if ((error as { retryable?: boolean }).retryable) return (await stub.run(request)) as RunResult;
    throw error;
  }
}

/** What the child is asked: the prompt, the explicit context, and the schema its reply must match. */
export function delegatedPrompt(request: { prompt: string; context?: Record<string, unknown>; output_schema?: Record<string, unknown> }): string {
  return (
    request.prompt +
    (request.context && Object.keys(request.context).length ? `\n\nContext:\n${JSON.stringify(request.context, null, 2)}` : "") +
    (request.output_schema ? `\n\nReply with only a JSON value that matches this JSON Schema:\n${JSON.stringify(request.output_schema)}` : "")
  );
}
