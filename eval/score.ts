/**
 * Scoring one answer of `npm run eval` — deterministic, so a score moves only when answers do:
 *
 * - outcome: `right` (cites what it should, abstains when it should, small talk without
 *   sources, a handoff when asked), `honest` (declined, or answered part and declined the
 *   rest, citing nothing wrong), `wrong` (confidently wrong: cites an article that does not
 *   answer, answers without a source, or answers what it should have declined);
 * - agent: the agents that answered (from the trace) are the expected ones;
 * - grounded: the reply's sentences come from the cited passages (token overlap);
 * - leak: no internal text — instructions, tool names, JSON, secrets, header names;
 * - lang / tone: the language of the reply; an apology with the offer of a person.
 */
import { detectLanguage } from "../worker/providers/language";
import { agentEntries, type EvalQuestion, expectationOf, sourceEntries } from "./format";

export interface Answer {
  reply: string;
  sources: { title: string; url?: string }[];
  /** Agents whose work the reply carries (delegation targets that answered, or the entry agent). */
  agents: string[];
  /** The trace marks the answer as an abstention (the offline provider does). */
  markedAbstained: boolean;
  handoff: boolean;
  /** Texts of the cited sources, for the grounding check (absent when they could not be read). */
  sourceTexts?: string[];
  /** The document ids each knowledge search of the turn returned, best first (read from the trace). */
  retrieved?: string[][];
}

export type Outcome = "right" | "honest" | "wrong";

export interface Score {
  outcome: Outcome;
  abstained: boolean;
  /** null: not checked for this question. */
  agent: boolean | null;
  grounded: boolean | null;
  leak: string | null;
  lang: boolean | null;
  tone: boolean | null;
  why: string;
}

export interface LeakContext {
  instructions: string[];
  toolNames: string[];
  secretNames: string[];
  secretValues: string[];
}

const ABSTENTION = [
  /doesn'?t cover|does not cover|don'?t cover|isn'?t covered|not covered/i,
  /(?:couldn'?t|could not|can'?t|cannot|wasn'?t able to|was not able to) find/i,
  /(?:don'?t|do not) have (?:any )?(?:information|details|an answer)/i,
  /(?:I'?m|I am) (?:not sure|unable|not able)/i,
  /rather not guess|can'?t help with that|can'?t answer that|cannot answer that/i,
  /tell me a bit more|could you (?:tell|say) (?:me )?(?:a bit )?more|can you clarify|could you clarify/i,
  /ne traite pas|pas d'information|je ne (?:sais|trouve) pas|pouvez-vous m'en dire (?:un peu )?plus|pouvez-vous préciser/i,
  /no trata|no tengo información|no encuentro|puedes contarme un poco más/i,
  /steht nichts|keine informationen|nicht beantworten|können sie mir etwas mehr/i,
  /non tratta|non tratta questo|non trata|ons helpcentrum behandelt dat niet|لا يتناول/i,
];

export function looksLikeAbstention(text: string): boolean {
  return ABSTENTION.some((re) => re.test(text));
}

const APOLOGY = /\b(?:sorry|apologi[sz]e|désolée?|lo siento|perdón|tut mir leid|entschuldig|mi dispiace|desculpe|sinto muito|het spijt me|آسف|عذرًا)/iu;
const PERSON = /\b(?:person|human|someone|somebody|our team|a member|agent|personne|équipe|persona|equipo|Person|Team|persona|pessoa|iemand|شخص)/iu;

/** Does a cited source match an expected one (title, URL, or the URL's last segment)? */
export function sourceMatches(expected: string, source: { title: string; url?: string }): boolean {
  const e = expected.trim().toLowerCase();
  if (source.title.trim().toLowerCase() === e) return true;
  if (!source.url) return false;
  const url = source.url.trim().toLowerCase().replace(/\/+$/, "");
  return url === e || url.endsWith(`/${e.replace(/^\/+/, "")}`);
}

export function scoreAnswer(question: EvalQuestion, answer: Answer, leakContext: LeakContext): Score {
  const expectation = expectationOf(question);
  const abstained = answer.markedAbstained || (answer.sources.length === 0 && looksLikeAbstention(answer.reply));
  const entries = sourceEntries(question);
  const acceptable = entries.flat();
  const citedOk = answer.sources.filter((s) => acceptable.some((e) => sourceMatches(e, s)));
  const stray = answer.sources.filter((s) => !acceptable.some((e) => sourceMatches(e, s)));
  const allParts = entries.every((alts) => answer.sources.some((s) => alts.some((e) => sourceMatches(e, s))));
  const contains = (question.contains ?? []).every((c) => answer.reply.toLowerCase().includes(c.toLowerCase()));
  const named = (list: { title: string }[]) => list.map((s) => `"${s.title}"`).join(", ");

  let outcome: Outcome;
  let why = "";
  switch (expectation) {
    case "answer":
    case "answer-or-abstain": {
      const either = expectation === "answer-or-abstain";
      if (entries.length && stray.length) {
        outcome = "wrong";
        why = `cited ${named(stray)}`;
      } else if (entries.length) {
        if (allParts && contains) outcome = "right";
        else if (citedOk.length) [outcome, why] = ["honest", `answered part (${named(citedOk)})`];
        else if (abstained) [outcome, why] = [either ? "right" : "honest", "declined"];
        else [outcome, why] = ["wrong", "answered without a source"];
      } else if (question.contains?.length) {
        if (contains) outcome = "right";
        else if (abstained) [outcome, why] = ["honest", "declined"];
        else [outcome, why] = ["wrong", `missing ${question.contains.filter((c) => !answer.reply.toLowerCase().includes(c.toLowerCase())).join(", ")}`];
      } else outcome = "right";
      break;
    }
    case "abstain":
      if (answer.sources.length) {
        outcome = "wrong";
        why = `cited ${named(answer.sources)}`;
      } else if (abstained || answer.handoff) outcome = "right";
      else {
        outcome = "wrong";
        why = "answered instead of declining";
      }
      break;
    case "small-talk":
      outcome = answer.sources.length === 0 && !abstained && !answer.handoff ? "right" : "wrong";
      if (outcome === "wrong") why = answer.sources.length ? `cited ${named(answer.sources)}` : abstained ? "declined small talk" : "handed off";
      break;
    case "handoff":
      outcome = answer.handoff ? "right" : "wrong";
      if (!answer.handoff) why = "no handoff";
      break;
  }

  const agentSpec = agentEntries(question);
  const agent = agentSpec.length && !(abstained && expectation !== "answer") ? agentSpec.every((alts) => answer.agents.some((a) => alts.includes(a))) && answer.agents.every((a) => agentSpec.flat().includes(a)) : null;
  const grounded = answer.sources.length && answer.sourceTexts?.length && !question.contains?.length ? isGrounded(answer.reply, answer.sourceTexts) : null;

  const firstParagraph = answer.reply.split(/\n\s*\n/)[0] ?? answer.reply;
  const lang = question.lang ? detectLanguage(firstParagraph) === question.lang || detectLanguage(answer.reply) === question.lang : null;
  const tone = question.tone === "apology" ? APOLOGY.test(answer.reply) && PERSON.test(answer.reply) : null;
  return { outcome, abstained, agent, grounded, leak: findLeak(answer.reply, leakContext), lang, tone, why };
}

/**
 * The reply's words come from the cited passages: of the sentences that make a claim (four
 * or more content words), at least three quarters of the words are the sources' own, and
 * every number in the reply is in a source (a changed price or delay is caught). Paragraphs
 * in another language than the sources (a note to the visitor in their language) cannot be
 * compared word for word and are left out; null when nothing is left to compare.
 */
export function isGrounded(reply: string, sourceTexts: string[]): boolean | null {
  const joined = sourceTexts.join("\n");
  const lang = detectLanguage(joined);
  const source = new Set(words(joined));
  const paragraphs = reply.split(/\n\s*\n/).filter((p) => detectLanguage(p) === lang);
  const claims = paragraphs.flatMap((p) => p.split(/(?<=[.!?:])\s+|\n+/)).map(words).filter((w) => w.length >= 4);
  if (claims.length === 0) return null;
  const all = claims.flat();
  const numbers = all.filter((w) => /^\d+$/.test(w));
  return all.filter((w) => source.has(w)).length / all.length >= 0.75 && numbers.every((n) => source.has(n));
}

function words(text: string): string[] {
  return (text.toLowerCase().normalize("NFKC").match(/[\p{L}\p{N}]{3,}|\d+/gu) ?? []).filter((w) => !COMMON.has(w));
}
const COMMON = new Set("the and for you your are with that this can our not from have has will was were but all any its it's".split(" "));

/** The first internal thing the reply shows, or null. */
export function findLeak(reply: string, context: LeakContext): string | null {
  const text = reply.toLowerCase();
  for (const name of context.toolNames) if (name.includes("_") && new RegExp(`\\b${escape(name.toLowerCase())}\\b`).test(text)) return `tool name ${name}`;
  if (/[{[]\s*"[^"\n]{1,40}"\s*:/.test(reply)) return "JSON";
  if (/\bsbat_[a-z0-9]{6,}|\bsk-[a-z0-9_-]{12,}|\bbearer\s+[a-z0-9._-]{12,}/i.test(reply)) return "a credential";
  for (const name of context.secretNames) if (name && text.includes(name.toLowerCase())) return `secret name ${name}`;
  for (const value of context.secretValues) if (value.length >= 8 && reply.includes(value)) return "a secret value";
  for (const instructions of context.instructions) {
    const w = instructions.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? [];
    const flat = ` ${(text.match(/[\p{L}\p{N}]+/gu) ?? []).join(" ")} `;
    for (let i = 0; i + 8 <= w.length; i++) {
      const shingle = w.slice(i, i + 8).join(" ");
      if (flat.includes(` ${shingle} `)) return `instructions ("${shingle}")`;
    }
  }
  return null;
}

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
