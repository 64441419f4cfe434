/**
 * One delegated run. Its name is derived from the parent run and the tool-call id, so the
 * same delegation always reaches the same object: a retried call gets the first call's
 * result (from memory while running, from storage afterwards) and never starts a second
 * model conversation. Its spans go to the conversation's object (which keeps the whole
 * execution log) before it reports its result; its spend goes to the org's object.
 */
import { DurableObject } from "cloudflare:workers";
import type { ActivityData } from "../../shared/protocol";
import { getAgent } from "../config/store";
import { runController, sleep } from "../engine/abort";
import type { ChildRunRequest } from "../engine/run-result";
import { runAgent } from "../engine/run-agent";
import { delegatedPrompt } from "../engine/tools/delegate";
import type { ConversationPort, RunResult } from "../engine/types";
import type { Env } from "../env";
import { SpanLog } from "../log/spans";
import { orgBudget } from "../org/budget-client";
import type { AgentRunRpc } from "./rpc";

const RESULT_KEY = "result";
const STARTED_KEY = "started";
const CANCEL_GRACE_MS = 5_000;

export class AgentRunDO extends DurableObject<Env> implements AgentRunRpc {
  private running: Promise<RunResult> | null = null;
  private cancelRun: (() => void) | null = null;
  private children = new Set<() => Promise<void>>();
  private cancelled = false;

  async run(request: ChildRunRequest): Promise<RunResult> {
    const stored = await this.ctx.storage.get<RunResult>(RESULT_KEY);
    if (stored) return stored;
    if (this.running) return this.running;
    // Started before but neither running nor finished: this object was reset mid-run. Its
    // work (model spend, HTTP calls) may have happened; doing it again could do it twice.
    if (await this.ctx.storage.get(STARTED_KEY)) return interrupted;
    await this.ctx.storage.put(STARTED_KEY, Date.now());
    this.running = this.execute(request)
      .catch((error): RunResult => ({
        status: "error",
        code: "failed",
        message: error instanceof Error ? error.message : String(error),
        text: "",
        sources: [],
        replies: [],
        failedDelegations: 0,
      }))
      .then(async (result) => {
        await this.ctx.storage.put(RESULT_KEY, result);
        return result;
      });
    return this.running;
  }

  /**
   * Stops this run and, through it, every run it started; returns once the run has unwound
   * and written its spans (or after a grace period), so a stop's trace is complete.
   */
  async cancel(): Promise<void> {
    this.cancelled = true;
    this.cancelRun?.();
    await Promise.all([...this.children].map((cancel) => cancel()));
    if (this.running) await Promise.race([this.running.catch(() => {}), sleep(CANCEL_GRACE_MS)]);
  }

  private async execute(request: ChildRunRequest): Promise<RunResult> {
    const conversation = this.env.CONVERSATION.get(this.env.CONVERSATION.idFromName(request.conversationId));
    const log = new SpanLog((records) => conversation.recordSpans(records), {
      conversationId: request.conversationId,
      orgId: request.orgId,
      turnId: request.turnId,
    });
    const agent = await getAgent(this.env, request.orgId, request.agentId, { drafts: request.drafts });
    if (!agent) {
      return { status: "error", code: "not_found", message: `no agent "${request.agentId}"`, text: "", sources: [], replies: [], failedDelegations: 0 };
    }
    // A child can never outlive its parent.
    const deadline = Math.min(Date.now() + agent.timeoutMs, request.deadline);
    const control = runController(deadline);
    this.cancelRun = () => control.cancel();
    if (this.cancelled) control.cancel();

    const port: ConversationPort = {
      activity: (data: ActivityData) => conversation.activity(data),
      handoff: (req) => conversation.handoff(req),
      captureLead: (lead) => conversation.captureLead(lead),
    };
    const content = delegatedPrompt({
      prompt: request.prompt,
      ...(request.context ? { context: request.context } : {}),
      ...(request.outputSchema ? { output_schema: request.outputSchema } : {}),
    });
    try {
      return await runAgent(
        {
          env: this.env,
          orgId: request.orgId,
          siteKey: request.siteKey,
          conversationId: request.conversationId,
          turnId: request.turnId,
          runId: request.runId,
          parentRunId: request.parentRunId,
          parentSpanId: request.parentSpanId,
          agent,
          chain: [...request.chain, agent.id],
          ...(request.visitor ? { visitor: request.visitor } : {}),
          deadline,
          signal: control.signal,
          log,
          // The org's rules, and the conversation's ceiling (kept by the conversation's object).
          budget: orgBudget(this.env, request.orgId, agent.team, conversation),
          conversation: port,
          isRoot: false,
          ...(request.drafts ? { drafts: true } : {}),
          children: this.children,
        },
        [{ role: "user", content }],
        request.outputSchema ? { outputSchema: request.outputSchema } : {},
      );
    } finally {
      control.dispose();
      // Spans are written before the parent hears the result, so its trace is whole.
      await log.flush().catch((e) => console.error("span flush failed", e));
    }
  }
}

const interrupted: RunResult = {
  status: "error",
  code: "failed",
  message: "the run was interrupted and is not repeated, so its work is not done twice",
  text: "",
  sources: [],
  replies: [],
  failedDelegations: 0,
};
