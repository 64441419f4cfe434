/**
 * What a conversation's object works out about a turn when it ends — where the question, the
 * visitor's previous question, the reply and the passages retrieved for it are all at hand —
 * so the fact record carries it and nothing needs the transcript later: the question's
 * language, whether it repeats the previous one, and how grounded the reply is. Then, where
 * the org has a model grader, the model's grade of the answer as a fact of its own.
 */
import type { Env } from "../env";
import type { GradeFact, TurnFact } from "../facts/schema";
import { insightsModel, jsonIn } from "./model";
import { groundedness, MAX_EVIDENCE } from "./quality";
import { getInsightsSettings } from "./settings";
import { signatureOf, similarity } from "./signature";

/** Two questions this similar (weighted Jaccard over their terms) are the same question asked again. */
export const REPEAT_AT = 0.6;

export function answerSignals(question: string, previous: string | null, reply: string, evidence: readonly string[]) {
  const asked = signatureOf(question);
  const before = previous ? signatureOf(previous) : null;
  return {
    lang: asked.lang,
    repeated: !!before && asked.terms.length > 0 && similarity(asked.terms, before.terms) >= REPEAT_AT,
    grounded: reply ? groundedness(reply, evidence) : null,
  };
}

const GRADER = [
  "You grade a support assistant's answer against the passages it retrieved.",
  "Score how well the passages support every factual claim of the answer: 1 = fully supported, 0 = unsupported or contradicted.",
  'Reply with JSON only: {"score": <number from 0 to 1>, "reason": "<a few words>"}',
].join("\n");

/**
 * Asks the org's grader about an answered turn (a share of them, as its settings say) and
 * queues its grade. Runs after the turn's fact is queued, never on the visitor's path.
 */
export async function gradeAnswer(env: Env, fact: TurnFact, reply: string, evidence: readonly string[]): Promise<void> {
  if (fact.outcome !== "answered" || fact.grounded === null || fact.grounded === undefined) return;
  const settings = await getInsightsSettings(env, fact.orgId);
  if (!settings.modelAgent || settings.gradeShare <= 0 || !sampled(fact.turnId, settings.gradeShare)) return;
  const model = await insightsModel(env, fact.orgId, settings.modelAgent);
  if (!model) return;
  const passages = evidence.slice(0, MAX_EVIDENCE).map((p, i) => `[${i + 1}] ${p}`).join("\n\n");
  const answer = await model.ask(GRADER, `Question:\n${fact.question}\n\nPassages:\n${passages || "(none)"}\n\nAnswer:\n${reply.slice(0, 4000)}`, { maxTokens: 200 });
  const parsed = jsonIn(answer) as { score?: unknown } | null;
  const score = typeof parsed?.score === "number" && parsed.score >= 0 && parsed.score <= 1 ? parsed.score : null;
  if (score === null) return;
  const at = Date.now();
  const grade: GradeFact = { type: "grade", v: 1, turnId: fact.turnId, conversationId: fact.conversationId, orgId: fact.orgId, siteKey: fact.siteKey, score, model: model.name.slice(0, 128), at };
  await env.FACTS.send(grade);
}

/** The same turn is always in or out of the sample (its id hashed to 0..1). */
function sampled(turnId: string, share: number): boolean {
  if (share >= 1) return true;
  let h = 2166136261;
  for (let i = 0; i < turnId.length; i++) h = Math.imul(h ^ turnId.charCodeAt(i), 16777619) >>> 0;
  return h / 2 ** 32 < share;
}
