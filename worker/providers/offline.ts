/**
 * The offline provider: what serves when no model is configured, and what every newcomer
 * meets first. It is honest about what it is (every reply it writes is marked offline) and
 * about what it knows: it answers only with a passage that really answers the question
 * (relevance.ts), in the visitor's language when the site has it, and otherwise says
 * plainly that the help center does not cover it and offers a person. Small talk gets a
 * short reply, an angry message an apology and the offer of a person.
 *
 * It drives the same engine as a model would: it routes each question to whoever has the
 * best evidence — the router's own knowledge, or a specialist whose words or knowledge match
 * better — splits a message that asks several things, calls tools whose arguments it can
 * read off the question (a JSON-Schema `pattern` or an email), and writes answers from what
 * the tools returned. When it found nothing that answers it says so to the engine too: a
 * `grounding` chunk with `abstained: true`.
 */
import { classify, isQuestion, splitParts } from "./intent";
import { detectLanguage, type Lang } from "./language";
import { correctTypo, englishWords, terms } from "./lexicon";
import { declined as declinedKind, type PhraseKey, say } from "./offline-phrases";
import { judge, type Verdict, weighTerms } from "./relevance";
import type { ChatMessage, ModelChunk, ModelProvider, ModelRequest, ToolCall, ToolSpec } from "./types";
import { matchScore } from "./words";

/** A delegate's words must match at least this well to take a question no knowledge answers. */
const ROUTE_THRESHOLD = 2;
/** How many articles a search returns for the offline provider to judge. */
const SEARCH_LIMIT = 8;
/** A specialist whose words match keeps a question when its evidence is this close to the best. */
const KEYWORD_TOLERANCE = 0.1;

let callCounter = 0;
const nextCallId = () => `offline_${Date.now().toString(36)}_${(callCounter++).toString(36)}`;

/** Rough token count (4 characters per token), so budgets and the ledger work offline too. */
export const estimateTokens = (text: string) => Math.ceil(text.length / 4);

type Grounding = Extract<ModelChunk, { type: "grounding" }>;
type Decision = { kind: "call"; calls: ToolCall[] } | { kind: "text"; text: string; grounding: Grounding };

export class OfflineProvider implements ModelProvider {
  readonly kind = "offline" as const;

  async *stream(request: ModelRequest): AsyncIterable<ModelChunk> {
    const decision = await decide(request);
    const input = request.messages.reduce((n, m) => n + estimateTokens(JSON.stringify(m)), 0);
    if (decision.kind === "call") {
      for (const call of decision.calls) yield { type: "tool_call", call };
      yield { type: "usage", inputTokens: input, outputTokens: decision.calls.reduce((n, c) => n + estimateTokens(c.arguments), 0) };
      return;
    }
    // Stream word by word so offline answers behave like model answers in the UI.
    for (const piece of decision.text.match(/\S+\s*|\s+/g) ?? []) {
      if (request.signal.aborted) throw request.signal.reason;
      yield { type: "text", text: piece };
    }
    yield decision.grounding;
    yield { type: "usage", inputTokens: input, outputTokens: estimateTokens(decision.text) };
  }
}

/** What this turn is about, worked out the same way on every model call of the run. */
interface Turn {
  request: ModelRequest;
  /** Everything the visitor wrote since our last reply (a turn may answer several messages). */
  message: string;
  lang: Lang;
  tool: (name: string) => ToolSpec | undefined;
}

async function decide(request: ModelRequest): Promise<Decision> {
  const { messages, tools } = request;
  const message = visitorMessage(messages);
  const turn: Turn = { request, message, lang: detectLanguage(message), tool: (name) => tools.find((t) => t.name === name) };
  if (messages[messages.length - 1]?.role === "tool") return answerFromTools(turn);
  return firstMove(turn);
}

const text = (body: string, abstained = false, cites = false): Decision => ({
  kind: "text",
  text: body,
  // Without a title named in the reply, nothing retrieved is cited.
  grounding: { type: "grounding", abstained, ...(cites ? {} : { sources: [] }) },
});
const toolCall = (name: string, args: Record<string, unknown>): ToolCall => ({ id: nextCallId(), name, arguments: JSON.stringify(args) });

async function firstMove(turn: Turn): Promise<Decision> {
  const { request, lang, tool } = turn;
  const intent = classify(turn.message, lang, previousReply(request.messages));
  if (intent.kind === "handoff") {
    if (tool("handoff_to_human")) {
      return { kind: "call", calls: [toolCall("handoff_to_human", { summary: `The visitor asked for a person: "${clip(turn.message, 300)}"` })] };
    }
    return text(say(lang, "notCovered"), true);
  }
  if (intent.kind === "small-talk") return text(say(lang, intent.reply));
  if (!intent.text || terms(intent.text, lang).length === 0) {
    // Nothing to look up: an angry message gets an apology and a person; a vague one a question back.
    if (intent.angry) return text(join(say(lang, "apology"), offerPerson(turn)));
    return text(say(lang, "clarify"), true);
  }

  // A tool whose arguments can be read off the question, with a knowledge search beside it
  // (in the same turn, so both run in parallel) for an article to cite.
  for (const t of request.tools) {
    const read = argumentsFromQuestion(intent.text, t.parameters);
    if (read) {
      const calls = [toolCall(t.name, read.args)];
      const rest = read.rest.trim();
      if (tool("search_knowledge") && rest) calls.push(searchCall(rest, lang));
      return { kind: "call", calls };
    }
  }

  const plan = await route(turn, intent.text);
  if (plan.length === 0) {
    if (tool("search_knowledge")) return { kind: "call", calls: [searchCall(intent.text, lang)] };
    return text(say(lang, "noHelp", { name: request.agent.name }) + (tool("handoff_to_human") ? ` ${say(lang, "offerPerson")}` : ""), true);
  }
  const calls: ToolCall[] = [];
  const byDelegate = new Map<string, string[]>();
  for (const { target, part } of plan) {
    if (target === null) calls.push(searchCall(part, lang));
    else byDelegate.set(target, [...(byDelegate.get(target) ?? []), part]);
  }
  for (const [agent, parts] of byDelegate) calls.push(toolCall("delegate", { agent, prompt: parts.join(" ") }));
  return { kind: "call", calls };
}

/** The search the offline provider sends: the visitor's words, then (a line below) the English words of what they asked. */
function searchCall(part: string, lang: Lang): ToolCall {
  return toolCall("search_knowledge", { query: expandedQuery(part, lang), limit: SEARCH_LIMIT });
}

function expandedQuery(part: string, lang: Lang): string {
  const flat = part.replace(/\s+/g, " ").trim();
  const present = new Set(flat.toLowerCase().split(/[^\p{L}\p{N}]+/u));
  // Concepts asked about, and what a misspelt word may have meant ("invoces"), in English words.
  const concepts = terms(flat, lang).map((t) => (t.concept ? t.key : correctTypo(t.surface, lang))).filter((k): k is string => !!k);
  const extra = [...new Set(concepts.flatMap((k) => englishWords(k)))].filter((w) => !present.has(w));
  return extra.length ? `${flat}\n${extra.join(" ")}` : flat;
}

/** The visitor's words in a search query (the line the offline provider's own searches start with). */
const queryPart = (query: string) => query.split("\n")[0] ?? query;

interface Step {
  /** null: this agent answers from its own knowledge. */
  target: string | null;
  part: string;
}

/**
 * Who takes which part of the question. Each part goes to whoever has the best evidence: the
 * agent's own knowledge or a specialist's, judged by the same relevance test; a specialist
 * whose words (keywords, description) match takes it when its evidence is as good, or when
 * no knowledge answers (it may have tools for it). Parts nobody can answer are left out when
 * another part is answered; a single question nobody answers stays here, to be declined.
 * Empty: nobody to route to, search here.
 */
async function route(turn: Turn, question: string): Promise<Step[]> {
  const { request, lang, tool } = turn;
  const probe = request.knowledge;
  const candidates = tool("delegate")?.offline?.candidates ?? [];
  const searchHere = !!tool("search_knowledge");
  if (!probe) return candidates.length ? keywordRoute(candidates, question) : [];

  const decideFor = async (part: string): Promise<{ target: string | null; answered: boolean }> => {
    const targets = [
      ...(searchHere ? [{ id: null as string | null, collections: request.agent.knowledge, keyword: 0 }] : []),
      ...candidates.map((c) => ({ id: c.id as string | null, collections: c.knowledge, keyword: matchScore(part, [...c.keywords, c.name], c.description) })),
    ];
    const weighted = await weighTerms(part, lang, probe);
    const evidence = await Promise.all(
      targets.map(async (t) => {
        if (!t.collections.length) return { t, verdict: null as Verdict | null };
        const passages = await probe.search(t.collections, expandedQuery(part, lang), SEARCH_LIMIT);
        return { t, verdict: judge(weighted, passages, lang) };
      }),
    );
    const answering = evidence.filter((e) => e.verdict?.best).sort((a, b) => (b.verdict?.best?.score ?? 0) - (a.verdict?.best?.score ?? 0));
    const top = answering[0];
    const keywordBest = [...targets].filter((t) => t.id !== null).sort((a, b) => b.keyword - a.keyword)[0];
    if (top) {
      const topScore = top.verdict?.best?.score ?? 0;
      const byWords = answering.find((e) => e.t.keyword >= ROUTE_THRESHOLD && (e.verdict?.best?.score ?? 0) >= topScore - KEYWORD_TOLERANCE);
      return { target: (byWords ?? top).t.id, answered: true };
    }
    if (keywordBest && keywordBest.keyword >= ROUTE_THRESHOLD) return { target: keywordBest.id, answered: false };
    return { target: null, answered: false };
  };

  const parts = splitParts(question);
  if (parts.length > 1) {
    const decided = await Promise.all(parts.map(async (part) => ({ part, ...(await decideFor(part)) })));
    // Parts someone answers, or that a specialist's words claim (it may have a tool for them);
    // parts that ask something nobody takes are declined in the reply; context is dropped.
    const taken = decided.filter((d) => d.answered || d.target !== null);
    if (decided.some((d) => d.answered)) return taken.map(({ target, part }) => ({ target, part }));
  }
  const whole = await decideFor(question);
  if (whole.target === null && !searchHere) return [];
  return [{ target: whole.target, part: question }];
}

function keywordRoute(candidates: NonNullable<NonNullable<ToolSpec["offline"]>["candidates"]>, question: string): Step[] {
  const best = candidates.map((c) => ({ c, score: matchScore(question, [...c.keywords, c.name], c.description) })).sort((a, b) => b.score - a.score)[0];
  return best && best.score >= ROUTE_THRESHOLD ? [{ target: best.c.id, part: question }] : [];
}

/**
 * Fills a tool's arguments from the question when the schema says how: a property with a
 * `pattern` takes the first match, a property with `format: "email"` the first email.
 * Only tools with such properties are candidates, and only when at least one is found.
 * `rest` is the question without what was read (an invoice number means nothing to a search).
 */
function argumentsFromQuestion(question: string, schema: Record<string, unknown>): { args: Record<string, string>; rest: string } | null {
  const properties = (schema.properties ?? {}) as Record<string, { pattern?: string; format?: string }>;
  const required = (schema.required ?? []) as string[];
  const args: Record<string, string> = {};
  let readable = false;
  let rest = question;
  for (const [name, prop] of Object.entries(properties)) {
    let re: RegExp | null = null;
    if (prop.pattern) re = new RegExp(prop.pattern.replace(/^\^/, "").replace(/\$$/, ""), "i");
    else if (prop.format === "email") re = /[\w.+-]+@[\w-]+(\.[\w-]+)+/;
    if (!re) continue;
    readable = true;
    const match = question.match(re);
    if (match) {
      args[name] = prop.pattern && /[A-Z]/.test(prop.pattern) ? match[0].toUpperCase() : match[0];
      rest = rest.replace(match[0], " ");
    }
  }
  if (!readable || Object.keys(args).length === 0) return null;
  if (required.some((r) => !(r in args))) return null;
  return { args, rest: rest.replace(/\s+/g, " ") };
}

interface Block {
  text: string;
  /** The reply rests on it: a passage that answers, a specialist's answer, a tool's result. */
  answered: boolean;
  /** It names a source by title (so the engine cites by title). */
  cites: boolean;
  /** The call came back declined (not covered, ambiguous, too vague to look up). */
  declined?: "notCovered" | "ambiguous" | "clarify";
  /** The call failed. */
  failed?: boolean;
  /** An English passage given to a visitor who wrote in another language. */
  english?: boolean;
}

interface Result {
  name: string;
  args: Record<string, unknown>;
  result: Record<string, unknown>;
}

async function answerFromTools(turn: Turn): Promise<Decision> {
  const { request, lang, tool } = turn;
  const { messages } = request;
  // The results of the latest batch of tool calls, with the calls that asked for them.
  let i = messages.length - 1;
  while (i >= 0 && messages[i]?.role === "tool") i--;
  const assistant = messages[i];
  const calls = assistant?.role === "assistant" ? (assistant.tool_calls ?? []) : [];
  const results: Result[] = messages.slice(i + 1).flatMap((m) => {
    if (m.role !== "tool") return [];
    const call = calls.find((c) => c.id === m.tool_call_id);
    return [{ name: call?.name ?? "tool", args: parseObject(call?.arguments ?? "{}"), result: parseObject(m.content) }];
  });

  const intent = classify(turn.message, lang, previousReply(messages));
  const angry = intent.kind === "question" && intent.angry;
  // Beside another tool's answer, a knowledge search only adds a pointer to an article.
  const brief = results.some((r) => r.name !== "search_knowledge" && r.name !== "delegate" && !r.result.error);
  const blocks = await Promise.all(results.map((r) => blockFor(turn, r, brief)));
  const answered = blocks.filter((b): b is Block => !!b?.answered && !!b.text);

  if (answered.length === 0) {
    // Every tool failed: search knowledge if that has not been tried yet.
    const searched = messages.some((m) => m.role === "assistant" && m.tool_calls?.some((c) => c.name === "search_knowledge"));
    if (blocks.some((b) => b?.failed) && !searched && tool("search_knowledge")) {
      return { kind: "call", calls: [searchCall(intent.kind === "question" ? intent.text || turn.message : turn.message, lang)] };
    }
    const declined = blocks.map((b) => b?.declined).filter((d): d is NonNullable<Block["declined"]> => !!d);
    const kind: PhraseKey = declined.length && declined.every((d) => d === "clarify") ? "clarify" : declined.includes("ambiguous") && !declined.includes("notCovered") ? "ambiguous" : "notCovered";
    const offer = kind === "notCovered" || angry ? offerPerson(turn) : "";
    return text(join(angry ? say(lang, "apology") : "", say(lang, kind), offer), true);
  }

  // Parts of the question that no call took, or that came back declined, are named as not covered.
  const asked = intent.kind === "question" ? splitParts(intent.text) : [];
  const takenBy = (part: string) => results.findIndex((r) => r.name === "search_knowledge" || r.name === "delegate" ? queryPart(String(r.args.query ?? r.args.prompt ?? "")).includes(part) : false);
  const declinedParts = asked.length > 1 ? asked.filter((p) => isQuestion(p) && (takenBy(p) < 0 || !!blocks[takenBy(p)]?.declined)) : [];
  const body = join(
    angry ? say(lang, "apology") : "",
    answered.some((b) => b.english) ? say(lang, "englishOnly") : "",
    ...answered.map((b) => b.text),
    ...declinedParts.map((part) => say(lang, "partNotCovered", { part: clip(part, 120) })),
    angry ? offerPerson(turn) : "",
  );
  return text(body, false, answered.some((b) => b.cites));
}

/** What one tool result adds to the reply (null: nothing worth saying). */
async function blockFor(turn: Turn, { name, args, result }: Result, brief: boolean): Promise<Block | null> {
  const { request, lang } = turn;
  if (result.error) return { text: "", answered: false, cites: false, failed: true };
  switch (name) {
    case "search_knowledge": {
      const part = queryPart(String(args.query ?? ""));
      const verdict = request.knowledge ? judge(await weighTerms(part, lang, request.knowledge), passagesOf(result), lang) : null;
      const best = verdict?.best;
      if (!best) return brief ? null : { text: "", answered: false, cites: false, declined: verdict?.vague ? "clarify" : verdict?.ambiguous ? "ambiguous" : "notCovered" };
      // A PDF page or a video moment is part of the citation: "According to **Manual, page 4**".
      const cite = (Array.isArray(result.results) ? (result.results as { ref?: unknown; cite?: unknown }[]) : []).find((p) => p?.ref === best.passage.ref)?.cite;
      const title = typeof cite === "string" && cite ? `${best.passage.title}, ${cite}` : best.passage.title;
      const body = brief ? say(lang, "seeAlso", { title }) : `${say(lang, "according", { title })}\n\n${best.excerpt}`;
      return { text: body, answered: true, cites: true, english: lang !== "en" && best.lang === "en" };
    }
    case "delegate": {
      // A specialist's decline is ours too; its note that the answer is in English is said once, by us.
      const reply = String(result.reply ?? "").trim();
      const declined = reply ? declinedKind(reply) : "notCovered";
      if (declined) return { text: "", answered: false, cites: false, declined };
      const note = say(lang, "englishOnly");
      const english = !!note && reply.includes(note);
      return { text: english ? reply.replace(note, "").trim() : reply, answered: true, cites: true, english };
    }
    case "handoff_to_human":
      return { text: say(lang, "handoffDone"), answered: true, cites: false };
    case "capture_lead":
      return { text: say(lang, "leadDone"), answered: true, cites: false };
    default:
      return { text: typeof result.summary === "string" ? result.summary : readable(result), answered: true, cites: false };
  }
}

function offerPerson(turn: Turn): string {
  return turn.tool("handoff_to_human") ? say(turn.lang, "offerPerson") : "";
}

function passagesOf(result: Record<string, unknown>) {
  const list = Array.isArray(result.results) ? result.results : [];
  return list
    .filter((p): p is { ref: string; title: string; url?: string; text: string } => !!p && typeof p === "object" && typeof p.text === "string")
    .map((p) => ({ ref: String(p.ref), title: String(p.title ?? ""), text: p.text, ...(p.url ? { url: String(p.url) } : {}) }));
}

/** A tool result without a summary, as a short list a visitor can read (not JSON). */
function readable(result: Record<string, unknown>): string {
  const lines = Object.entries(result)
    .filter(([, v]) => v === null || ["string", "number", "boolean"].includes(typeof v))
    .slice(0, 12)
    .map(([k, v]) => `- ${k.replace(/[_-]+/g, " ")}: ${clip(String(v), 200)}`);
  return lines.length ? `Here is what I found:\n\n${lines.join("\n")}` : "I looked that up, but the answer is not something I can show here.";
}

/** Everything the visitor wrote since the last reply (for a delegated run: its task, without the context block). */
function visitorMessage(messages: ChatMessage[]): string {
  const parts: string[] = [];
  for (let i = messages.length - 1; i >= 0; i--) {
    const m = messages[i];
    if (!m || m.role === "tool" || (m.role === "assistant" && m.tool_calls?.length)) continue;
    if (m.role !== "user") {
      if (parts.length) break;
      continue;
    }
    parts.unshift(m.content.split("\n\nContext:")[0] ?? m.content);
  }
  return parts.join("\n");
}

/** Our reply before this turn, if any (a "yes" may answer its offer of a person). */
function previousReply(messages: ChatMessage[]): string | undefined {
  let seenUser = false;
  for (let i = messages.length - 1; i >= 0; i--) {
    const m = messages[i];
    if (m?.role === "user") seenUser = true;
    else if (seenUser && m?.role === "assistant" && typeof m.content === "string" && m.content) return m.content;
  }
  return undefined;
}

function parseObject(text: string): Record<string, unknown> {
  try {
    const value = JSON.parse(text);
    return value && typeof value === "object" && !Array.isArray(value) ? value : { value };
  } catch {
    return { summary: text };
  }
}

function join(...parts: string[]): string {
  return parts.filter((p) => p.trim()).join("\n\n");
}

function clip(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1).trimEnd()}…`;
}
