/**
 * The question-set format of `npm run eval` (a JSON file; eval/demo-set.json is the demo's):
 *
 * ```json
 * { "name": "…", "site": "demo", "org": "demo",
 *   "questions": [
 *     { "id": "price", "type": "in-scope", "q": "how much is pro?", "sources": ["plans-and-pricing"], "agent": "router" },
 *     { "id": "gdpr", "type": "out-of-scope", "q": "Are you GDPR compliant?", "expect": "abstain" } ] }
 * ```
 *
 * - `sources`: what the answer must cite, one entry per part of the question; an entry is a
 *   title, a URL or the URL's last segment, or a list of those any of which will do.
 * - `agent`: who must answer — an agent id, or one entry per part like `sources`.
 * - `expect`: `answer` (the default when `sources` or `contains` is given), `abstain` (the
 *   default otherwise), `small-talk`, `handoff`, or `answer-or-abstain` (either is right).
 * - `contains`: strings the reply must include (e.g. what a tool looked up); `lang`: the
 *   language the reply must be in; `tone: "apology"`: the reply must apologise and offer a person.
 */
import { z } from "zod";

const Alternatives = z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]);

export const EvalQuestion = z.object({
  id: z.string().min(1).max(100),
  type: z.string().min(1).max(40).default("in-scope"),
  q: z.string().min(1).max(8000),
  expect: z.enum(["answer", "abstain", "small-talk", "handoff", "answer-or-abstain"]).optional(),
  sources: z.array(Alternatives).optional(),
  agent: z.union([z.string().min(1), z.array(Alternatives).min(1)]).optional(),
  contains: z.array(z.string().min(1)).optional(),
  lang: z.string().min(2).max(5).optional(),
  tone: z.literal("apology").optional(),
});
export type EvalQuestion = z.infer<typeof EvalQuestion>;

export const QuestionSet = z
  .object({
    name: z.string().optional(),
    site: z.string().optional(),
    org: z.string().optional(),
    questions: z.array(EvalQuestion).min(1),
  })
  .refine((s) => new Set(s.questions.map((q) => q.id)).size === s.questions.length, "question ids must be unique");
export type QuestionSet = z.infer<typeof QuestionSet>;

export type Expectation = NonNullable<EvalQuestion["expect"]>;

export function expectationOf(q: EvalQuestion): Expectation {
  return q.expect ?? (q.sources?.length || q.contains?.length ? "answer" : "abstain");
}

/** `agent` as one entry (a list of acceptable ids) per required answerer. */
export function agentEntries(q: EvalQuestion): string[][] {
  if (q.agent === undefined) return [];
  if (typeof q.agent === "string") return [[q.agent]];
  return q.agent.map((a) => (typeof a === "string" ? [a] : a));
}

export function sourceEntries(q: EvalQuestion): string[][] {
  return (q.sources ?? []).map((s) => (typeof s === "string" ? [s] : s));
}

/** The type a site's stored eval case is counted under, by what it expects. */
const CASE_TYPES: Record<string, string> = { answer: "in-scope", abstain: "out-of-scope", "answer-or-abstain": "in-scope", handoff: "handoff", "small-talk": "small-talk" };

/** A site's stored eval set (the admin API's eval cases) as a question set. */
export function siteQuestionSet(site: string, org: string, cases: { id: string; question: string; expect: string; sources: string[]; contains: string[] }[]): QuestionSet {
  if (!cases.length) throw new Error(`site ${site} has no eval cases (add some with POST /api/admin/orgs/${org}/sites/${site}/eval-cases, or from a content gap)`);
  return parseQuestionSet({
    name: `${site}: stored eval set`,
    site,
    org,
    questions: cases.map((c) => ({
      id: c.id,
      type: CASE_TYPES[c.expect] ?? "in-scope",
      q: c.question,
      expect: c.expect,
      ...(c.sources.length ? { sources: c.sources } : {}),
      ...(c.contains.length ? { contains: c.contains } : {}),
    })),
  });
}

export function parseQuestionSet(json: unknown): QuestionSet {
  const parsed = QuestionSet.safeParse(json);
  if (!parsed.success) throw new Error(`invalid question set: ${z.prettifyError(parsed.error)}`);
  return parsed.data;
}
