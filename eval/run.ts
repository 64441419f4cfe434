/**
 * Runs a question set against a site and scores every answer (see score.ts): each question
 * in a fresh conversation, a few at a time. Returns per-question results and the summary
 * that `npm run eval` prints and writes to BENCHMARKS.md.
 */
import type { TraceNode } from "../shared/trace";
import type { SwitchboardClient } from "./client";
import { type EvalQuestion, expectationOf, type QuestionSet } from "./format";
import { type Answer, type LeakContext, type Score, scoreAnswer } from "./score";

export interface Result {
  question: EvalQuestion;
  answer: Answer;
  score: Score;
}

export interface RunOptions {
  concurrency?: number;
  /** Called after each question (progress). */
  onResult?: (result: Result, done: number, total: number) => void;
  /** Optional model grader: is the reply supported by these sources? */
  grader?: (reply: string, sources: string[]) => Promise<boolean | null>;
}

export async function runEval(client: SwitchboardClient, set: QuestionSet, options: RunOptions = {}): Promise<Result[]> {
  const leakContext = await leakContextOf(client);
  const results: Result[] = new Array(set.questions.length);
  let next = 0;
  let done = 0;
  const worker = async () => {
    while (next < set.questions.length) {
      const index = next++;
      const question = set.questions[index] as EvalQuestion;
      const answer = await ask(client, question);
      const score = scoreAnswer(question, answer, leakContext);
      if (options.grader && answer.sources.length && answer.sourceTexts?.length) {
        const verdict = await options.grader(answer.reply, answer.sourceTexts).catch(() => null);
        if (verdict !== null) score.grounded = verdict;
      }
      results[index] = { question, answer, score };
      options.onResult?.(results[index] as Result, ++done, set.questions.length);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, options.concurrency ?? 4) }, worker));
  return results;
}

async function ask(client: SwitchboardClient, question: EvalQuestion): Promise<Answer> {
  const conversation = await client.startConversation();
  const reply = await client.ask(conversation, question.q);
  const roots = await client.trace(conversation.id);
  const spans = roots ? flatten(roots) : [];
  const texts = await Promise.all(reply.sources.map((s) => (s.url ? client.pageText(s.url) : Promise.resolve(null))));
  return {
    reply: reply.text,
    sources: reply.sources,
    agents: roots ? answeringAgents(spans) : [],
    markedAbstained: spans.some((s) => s.kind === "model" && s.data?.abstained === true),
    handoff: reply.handoff || spans.some((s) => s.kind === "handoff"),
    ...(texts.some((t) => t) ? { sourceTexts: texts.filter((t): t is string => !!t) } : {}),
    retrieved: spans.filter((s) => s.kind === "retrieval" && Array.isArray(s.data?.results)).map((s) => (s.data?.results as unknown[]).map(String)),
  };
}

/**
 * Who answered, read off the trace: every specialist a delegation reached that came back
 * ok, and the conversation's own agent when it answered (part) itself — it looked knowledge
 * up, called a tool other than `delegate`, or delegated nothing.
 */
export function answeringAgents(spans: TraceNode[]): string[] {
  const root = spans.find((s) => s.kind === "turn")?.children.find((c) => c.kind === "run");
  const agents = new Set<string>();
  for (const d of spans.filter((s) => s.kind === "delegation" && s.status === "ok")) {
    const child = d.children.find((c) => c.kind === "run");
    if (child?.agentId && child.status === "ok") agents.add(child.agentId);
  }
  if (root?.agentId) {
    const own = root.children.some((c) => c.kind === "tool" && c.name !== "delegate" && c.name !== "handoff_to_human");
    const delegated = root.children.some((c) => c.kind === "tool" && c.name === "delegate");
    if (own || !delegated || agents.size === 0) agents.add(root.agentId);
  }
  return [...agents];
}

function flatten(nodes: TraceNode[]): TraceNode[] {
  return nodes.flatMap((n) => [n, ...flatten(n.children)]);
}

async function leakContextOf(client: SwitchboardClient): Promise<LeakContext> {
  const agents = (await client.agents()) ?? [];
  const builtIn = ["search_knowledge", "handoff_to_human", "capture_lead", "transfer_to_agent"];
  return {
    instructions: agents.map((a) => a.instructions).filter(Boolean),
    toolNames: [...new Set([...builtIn, ...agents.flatMap((a) => [...a.tools, ...a.httpTools.map((t) => t.name)])])],
    secretNames: [
      "ADMIN_TOKEN",
      "SESSION_SECRET",
      "OPENAI_API_KEY",
      ...agents.flatMap((a) => a.httpTools.flatMap((t) => [...Object.keys(t.secretHeaders ?? {}), ...Object.values(t.secretHeaders ?? {})])),
    ],
    secretValues: [client.target.token],
  };
}

// ---- the summary ------------------------------------------------------------------------

export interface Summary {
  rows: { type: string; n: number; right: number; honest: number; wrong: number; agent: string; grounded: string; leaks: number }[];
  total: { n: number; right: number; honest: number; wrong: number; leaks: number };
  /** In-scope questions (type `in-scope`) citing the right article. */
  inScope: { right: number; n: number };
  /** Questions expected to be declined (`expect: abstain`) that were. */
  outOfScope: { abstained: number; n: number };
  /** Answers that cited the wrong article, answered without one, or answered what should be declined. */
  confidentlyWrong: number;
  /** Right, or an honest decline. */
  rightOrHonest: number;
}

export function summarize(results: Result[]): Summary {
  const types = [...new Set(results.map((r) => r.question.type))];
  const ratio = (list: (boolean | null)[]) => {
    const checked = list.filter((x): x is boolean => x !== null);
    return checked.length ? `${checked.filter(Boolean).length}/${checked.length}` : "–";
  };
  const rows = types.map((type) => {
    const rs = results.filter((r) => r.question.type === type);
    return {
      type,
      n: rs.length,
      right: rs.filter((r) => r.score.outcome === "right").length,
      honest: rs.filter((r) => r.score.outcome === "honest").length,
      wrong: rs.filter((r) => r.score.outcome === "wrong").length,
      agent: ratio(rs.map((r) => r.score.agent)),
      grounded: ratio(rs.map((r) => r.score.grounded)),
      leaks: rs.filter((r) => r.score.leak).length,
    };
  });
  const count = (f: (r: Result) => boolean) => results.filter(f).length;
  const inScope = results.filter((r) => r.question.type === "in-scope");
  const abstain = results.filter((r) => expectationOf(r.question) === "abstain");
  return {
    rows,
    total: {
      n: results.length,
      right: count((r) => r.score.outcome === "right"),
      honest: count((r) => r.score.outcome === "honest"),
      wrong: count((r) => r.score.outcome === "wrong"),
      leaks: count((r) => !!r.score.leak),
    },
    inScope: { right: inScope.filter((r) => r.score.outcome === "right").length, n: inScope.length },
    outOfScope: { abstained: abstain.filter((r) => r.score.outcome === "right").length, n: abstain.length },
    confidentlyWrong: count((r) => r.score.outcome === "wrong"),
    rightOrHonest: count((r) => r.score.outcome !== "wrong"),
  };
}

const pct = (a: number, b: number) => (b ? `${((100 * a) / b).toFixed(1)}%` : "–");

/** The summary as Markdown: one row per question type, then the targets. */
export function summaryTable(summary: Summary): string {
  const lines = ["| questions | n | right | honest decline | wrong | right agent | grounded | leaks |", "|---|---|---|---|---|---|---|---|"];
  for (const r of summary.rows) lines.push(`| ${r.type} | ${r.n} | ${r.right} | ${r.honest} | ${r.wrong} | ${r.agent} | ${r.grounded} | ${r.leaks} |`);
  const t = summary.total;
  lines.push(`| **all** | **${t.n}** | **${t.right}** | **${t.honest}** | **${t.wrong}** | | | **${t.leaks}** |`);
  lines.push(
    "",
    `- in-scope questions citing the right article: **${summary.inScope.right}/${summary.inScope.n}** (${pct(summary.inScope.right, summary.inScope.n)}; target ≥ 90%)`,
    `- questions to decline that were declined: **${summary.outOfScope.abstained}/${summary.outOfScope.n}** (target: all)`,
    `- confidently wrong: **${summary.confidentlyWrong}** (target 0); right or honest: **${summary.rightOrHonest}/${t.n}** (${pct(summary.rightOrHonest, t.n)})`,
    `- leaked internal text: **${t.leaks}**`,
  );
  return lines.join("\n");
}

/** The targets in one line. */
export function targetLine(summary: Summary): string {
  return `in-scope right ${summary.inScope.right}/${summary.inScope.n} (${pct(summary.inScope.right, summary.inScope.n)}), declined ${summary.outOfScope.abstained}/${summary.outOfScope.n} of those to decline, confidently wrong ${summary.confidentlyWrong}, right or honest ${summary.rightOrHonest}/${summary.total.n} (${pct(summary.rightOrHonest, summary.total.n)}), leaks ${summary.total.leaks}`;
}

/** Did the run meet the targets? (what `--check` exits on) */
export function meetsTargets(summary: Summary): boolean {
  return (
    summary.confidentlyWrong === 0 &&
    summary.outOfScope.abstained === summary.outOfScope.n &&
    summary.inScope.right >= 0.9 * summary.inScope.n &&
    summary.total.leaks === 0
  );
}

/** One line per question that was not right, for reading what went wrong. */
export function failures(results: Result[]): string[] {
  return results
    .filter((r) => r.score.outcome !== "right" || r.score.agent === false || r.score.leak || r.score.grounded === false || r.score.lang === false || r.score.tone === false)
    .map((r) => {
      const flags = [
        r.score.outcome !== "right" ? `${r.score.outcome}${r.score.why ? `: ${r.score.why}` : ""}` : "",
        r.score.agent === false ? `agent ${r.answer.agents.join("+") || "?"}` : "",
        r.score.grounded === false ? "not grounded" : "",
        r.score.leak ? `leak: ${r.score.leak}` : "",
        r.score.lang === false ? "wrong language" : "",
        r.score.tone === false ? "no apology" : "",
      ].filter(Boolean);
      return `${r.question.id} (${r.question.type}) — ${flags.join("; ")}\n    Q: ${r.question.q}\n    A: ${r.answer.reply.replace(/\s+/g, " ").slice(0, 200)}`;
    });
}
