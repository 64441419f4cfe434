/**
 * Delegated runs. An org's delegations are spread over a few long-lived objects
 * (`runObjectName` in engine/run-result.ts: the org and a shard of the conversation), each
 * running many at once, rather than one new object per delegation: creating a Durable
 * Object is the most expensive step of a delegation (measured locally, ~13 ms of a hop's
 * ~15 ms dispatch; a new object also means a placement and a new database in production),
 * while an object that is already running answers in a millisecond or two.
 *
 * A run is known by its id, derived from the parent run and the tool-call id, so the same
 * delegation always reaches the same run: a retried call gets the first call's result (from
 * memory while running, from storage afterwards) and never starts a second model
 * conversation. Results are kept for `KEEP_RUNS_MS`, long past any retry, then the alarm
 * deletes them. A run's spans travel back with its result and the parent adds them to the
 * conversation's execution log; a cancelled run (its result unread) sends them to the
 * conversation's object itself before its cancel returns. Its spend goes to the org's
 * object.
 */
import { DurableObject } from "cloudflare:workers";
import type { ActivityData } from "../../shared/protocol";
import { cachedAgent } from "../config/store";
import { runController, sleep } from "../engine/abort";
import type { ChildRunRequest } from "../engine/run-result";
import { runAgent } from "../engine/run-agent";
import { delegatedPrompt } from "../engine/tools/delegate";
import type { ConversationPort, RunResult } from "../engine/types";
import type { Env } from "../env";
import { SpanLog } from "../log/spans";
import { orgBudget } from "../org/budget-client";
import type { AgentRunRpc } from "./rpc";

const CANCEL_GRACE_MS = 5_000;
/** How long a run's result is kept for a retried call (retries come within the parent's run, seconds later). */
const KEEP_RUNS_MS = 30 * 60 * 1000;
/** How often the alarm sweeps out older results while there are any. */
const SWEEP_MS = 10 * 60 * 1000;
const startedKey = (runId: string) => `started:${runId}`;
const resultKey = (runId: string) => `result:${runId}`;

interface ActiveRun {
  result: Promise<RunResult>;
  cancel: (() => void) | null;
  children: Set<() => Promise<void>>;
  cancelled: boolean;
}

export class AgentRunDO extends DurableObject<Env> implements AgentRunRpc {
  private readonly runs = new Map<string, ActiveRun>();
  /** Cancels that arrived before their run did (it starts cancelled). */
  private readonly cancelledEarly = new Set<string>();
  private sweepScheduled = false;

  async run(request: ChildRunRequest): Promise<RunResult> {
    const { runId } = request;
    const active = this.runs.get(runId);
    if (active) return active.result;
    const seen = await this.ctx.storage.get<RunResult | number>([resultKey(runId), startedKey(runId)]);
    const stored = seen.get(resultKey(runId)) as RunResult | undefined;
    if (stored) return stored;
    // Started before but neither running nor finished: this object was reset mid-run. Its
    // work (model spend, HTTP calls) may have happened; doing it again could do it twice.
    if (seen.get(startedKey(runId))) return interrupted;
    if (this.runs.has(runId)) return (this.runs.get(runId) as ActiveRun).result;
    const run: ActiveRun = { result: Promise.resolve(interrupted), cancel: null, children: new Set(), cancelled: this.cancelledEarly.delete(runId) };
    this.runs.set(runId, run);
    // Durable before any of the run's work leaves the object, but not waited for here: the
    // run's first reservation goes out at once, and it returns only once this is stored (see
    // `execute`). The engine reserves before every model call, so nothing the run does
    // outside (a model call, a tool) can happen before a restart would find it started.
    void this.ctx.storage.put(startedKey(runId), Date.now(), { allowUnconfirmed: true });
    run.result = this.execute(request, run)
      .catch(failed)
      .then(async (result) => {
        // Not waited for before the answer goes out (one storage round trip fewer on a
        // delegation's way back). If the object died before this is stored, a retry finds
        // the run started and unfinished and answers `interrupted`: never a second run.
        void this.ctx.storage.put(resultKey(runId), result, { allowUnconfirmed: true });
        this.runs.delete(runId);
        // A stopped run's result is not read: its spans go to the conversation's log now,
        // before `cancel` returns (if the parent did read them too, span ids keep them once).
        if (run.cancelled && result.spans?.length) {
          const conversation = this.env.CONVERSATION.get(this.env.CONVERSATION.idFromName(request.conversationId));
          await conversation.recordSpans(result.spans).catch((e: unknown) => console.error("span flush failed", e));
        }
        return result;
      });
    if (!this.sweepScheduled) {
      this.sweepScheduled = true;
      this.ctx.waitUntil(this.scheduleSweep());
    }
    return run.result;
  }

  /**
   * Stops a run and, through it, every run it started; returns once the run has unwound
   * and written its spans (or after a grace period), so a stop's trace is complete.
   */
  async cancel(runId: string, conversationId: string): Promise<void> {
    const run = this.runs.get(runId);
    if (!run) {
      const seen = await this.ctx.storage.get<RunResult | number>([resultKey(runId), startedKey(runId)]);
      const stored = seen.get(resultKey(runId)) as RunResult | undefined;
      // Finished just before the stop came: its parent stopped waiting, so it has not read
      // the spans; they go to the conversation now (once: span ids are unique).
      if (stored?.spans?.length) {
        const conversation = this.env.CONVERSATION.get(this.env.CONVERSATION.idFromName(conversationId));
        await conversation.recordSpans(stored.spans).catch((e: unknown) => console.error("span flush failed", e));
      }
      // Not here yet: if it comes, it comes stopped.
      else if (!seen.get(startedKey(runId))) this.cancelledEarly.add(runId);
      return;
    }
    run.cancelled = true;
    run.cancel?.();
    await Promise.all([...run.children].map((cancel) => cancel()));
    await Promise.race([run.result.catch(() => {}), sleep(CANCEL_GRACE_MS)]);
  }

  private async scheduleSweep(): Promise<void> {
    try {
      if ((await this.ctx.storage.getAlarm()) === null) await this.ctx.storage.setAlarm(Date.now() + SWEEP_MS);
    } catch (error) {
      this.sweepScheduled = false;
      console.error("run sweep not scheduled", error);
    }
  }

  /** Forgets runs started long ago, a page at a time; comes back while any are left. */
  override async alarm(): Promise<void> {
    const cutoff = Date.now() - KEEP_RUNS_MS;
    let left = 0;
    let startAfter: string | undefined;
    while (true) {
      const page = await this.ctx.storage.list<number>({ prefix: "started:", limit: 500, ...(startAfter ? { startAfter } : {}) });
      const expired: string[] = [];
      for (const [key, startedAt] of page) {
        const runId = key.slice("started:".length);
        if (startedAt < cutoff && !this.runs.has(runId)) expired.push(key, resultKey(runId));
        else left++;
        startAfter = key;
      }
      for (let i = 0; i < expired.length; i += 128) await this.ctx.storage.delete(expired.slice(i, i + 128));
      if (page.size < 500) break;
    }
    this.cancelledEarly.clear();
    if (left) await this.ctx.storage.setAlarm(Date.now() + SWEEP_MS);
    else this.sweepScheduled = false;
  }

  private async execute(request: ChildRunRequest, run: ActiveRun): Promise<RunResult> {
    const conversation = this.env.CONVERSATION.get(this.env.CONVERSATION.idFromName(request.conversationId));
    const log = new SpanLog((records) => conversation.recordSpans(records), {
      conversationId: request.conversationId,
      orgId: request.orgId,
      turnId: request.turnId,
    });
    // The parent's run read the target's config when it started; an older parent did not send it.
    const agent = request.agent ?? (await cachedAgent(this.env, request.orgId, request.agentId, { drafts: request.drafts }));
    if (!agent) {
      return { status: "error", code: "not_found", message: `no agent "${request.agentId}"`, text: "", sources: [], replies: [], failedDelegations: 0 };
    }
    // A child can never outlive its parent.
    const deadline = Math.min(Date.now() + agent.timeoutMs, request.deadline);
    const control = runController(deadline);
    run.cancel = () => control.cancel();
    if (run.cancelled) control.cancel();

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
    // The org's rules, and the conversation's ceiling (kept by the conversation's object).
    const budget = orgBudget(this.env, request.orgId, agent.team, conversation, {
      // A settlement that touches no counter does not hold up the answer.
      background: (settling) => this.ctx.waitUntil(settling),
      // Every reservation returns only once what this object wrote (the run's
      // `started` mark) is durable; the write and the round trip overlap. (A run told that
      // no org rule applies makes no reservation there: its model call, held by the output
      // gate until that write is durable, is then the first thing to leave.)
      ledger: (stub) => ({
        reserve: async (r) => (await Promise.all([stub.reserve(r), this.ctx.storage.sync()]))[0],
        settle: (r) => stub.settle(r),
        release: (r) => stub.release(r),
        check: (r) => stub.check(r),
      }),
    });
    if (request.noOrgRule) budget.orgHasNoRule();
    let result: RunResult;
    try {
      result = await runAgent(
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
          budget,
          conversation: port,
          isRoot: false,
          ...(request.drafts ? { drafts: true } : {}),
          children: run.children,
        },
        [{ role: "user", content }],
        request.outputSchema ? { outputSchema: request.outputSchema } : {},
      );
    } catch (error) {
      result = failed(error);
    } finally {
      control.dispose();
    }
    // The spans go back with the result: the parent adds them to the conversation's log, so
    // its trace is whole before the turn's `done`.
    return { ...result, spans: log.take() };
  }
}

const failed = (error: unknown): RunResult => ({
  status: "error",
  code: "failed",
  message: error instanceof Error ? error.message : String(error),
  text: "",
  sources: [],
  replies: [],
  failedDelegations: 0,
});

const interrupted: RunResult = {
  status: "error",
  code: "failed",
  message: "the run was interrupted and is not repeated, so its work is not done twice",
  text: "",
  sources: [],
  replies: [],
  failedDelegations: 0,
};
