/**
 * The offline provider: what serves when no model is configured. It is honest about what it
 * is (every reply it writes is marked offline) and it drives the same engine as a model
 * would: it routes by matching the question against the specialists' keywords and
 * descriptions, then against their knowledge (a specialist whose articles match the question
 * better than the router's own gets it), calls
 * tools whose arguments it can read off the question (a JSON-Schema `pattern` or an email),
 * searches knowledge, and writes answers from what the tools returned, with their sources.
 */
import type { AgentConfig } from "../../shared/config";
import type { ChatMessage, ModelChunk, ModelProvider, ModelRequest, ToolCall, ToolSpec } from "./types";
import { matchScore } from "./words";

/** A delegate must match at least this well before the router hands a question over. */
const ROUTE_THRESHOLD = 2;
const HUMAN_REQUEST =
  /\b(human|a person|real person|someone real|live agent|an agent|representative|operator|talk to (?:someone|somebody|support|a person|staff)|speak to (?:someone|somebody|a person))\b/i;

let callCounter = 0;
const nextCallId = () => `offline_${Date.now().toString(36)}_${(callCounter++).toString(36)}`;

/** Rough token count (4 characters per token), so budgets and the ledger work offline too. */
export const estimateTokens = (text: string) => Math.ceil(text.length / 4);

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
    yield { type: "usage", inputTokens: input, outputTokens: estimateTokens(decision.text) };
  }
}

type Decision = { kind: "call"; calls: ToolCall[] } | { kind: "text"; text: string };

async function decide({ messages, tools, agent, knowledgeScore }: ModelRequest): Promise<Decision> {
  const last = messages[messages.length - 1];
  const question = lastUserText(messages);
  if (last?.role === "tool") return answerFromTools(messages, tools, question);
  return firstMove(question, tools, agent, knowledgeScore);
}

async function firstMove(question: string, tools: ToolSpec[], agent: AgentConfig, knowledgeScore: ModelRequest["knowledgeScore"]): Promise<Decision> {
  const tool = (name: string) => tools.find((t) => t.name === name);
  const toolCall = (name: string, args: Record<string, unknown>): ToolCall => ({ id: nextCallId(), name, arguments: JSON.stringify(args) });
  const call = (name: string, args: Record<string, unknown>): Decision => ({ kind: "call", calls: [toolCall(name, args)] });

  if (HUMAN_REQUEST.test(question) && tool("handoff_to_human")) {
    return call("handoff_to_human", { summary: `The visitor asked for a person: "${clip(question, 300)}"` });
  }

  const delegate = tool("delegate");
  if (delegate?.offline?.candidates?.length) {
    const ranked = delegate.offline.candidates
      .map((c) => ({ c, score: matchScore(question, [...c.keywords, c.name], c.description) }))
      .sort((a, b) => b.score - a.score);
    const best = ranked[0];
    if (best && best.score >= ROUTE_THRESHOLD) return call("delegate", { agent: best.c.id, prompt: question });
    // No specialist's words match: whose knowledge answers this better than the router's own?
    if (knowledgeScore) {
      const own = agent.knowledge.length ? await knowledgeScore(agent.knowledge, question) : null;
      let pick: { id: string; score: number } | null = null;
      for (const c of delegate.offline.candidates) {
        const score = c.knowledge.length ? await knowledgeScore(c.knowledge, question) : null;
        if (score !== null && (pick === null || score < pick.score)) pick = { id: c.id, score };
      }
      if (pick && (own === null || pick.score < own)) return call("delegate", { agent: pick.id, prompt: question });
    }
  }

  // A tool whose arguments can be read off the question, with a knowledge search beside it
  // (in the same turn, so both run in parallel) for an article to cite.
  for (const t of tools) {
    const args = argumentsFromQuestion(question, t.parameters);
    if (args) {
      const calls = [toolCall(t.name, args)];
      if (tool("search_knowledge")) calls.push(toolCall("search_knowledge", { query: question }));
      return { kind: "call", calls };
    }
  }

  if (tool("search_knowledge")) return call("search_knowledge", { query: question });

  return {
    kind: "text",
    text:
      `I'm ${agent.name}, running in offline mode without a language model, and I can't answer that myself.` +
      (tool("handoff_to_human") ? " Ask for a person and I'll bring in our team." : ""),
  };
}

/**
 * Fills a tool's arguments from the question when the schema says how: a property with a
 * `pattern` takes the first match, a property with `format: "email"` the first email.
 * Only tools with such properties are candidates, and only when at least one is found.
 */
function argumentsFromQuestion(question: string, schema: Record<string, unknown>): Record<string, string> | null {
  const properties = (schema.properties ?? {}) as Record<string, { pattern?: string; format?: string }>;
  const required = (schema.required ?? []) as string[];
  const args: Record<string, string> = {};
  let readable = false;
  for (const [name, prop] of Object.entries(properties)) {
    let re: RegExp | null = null;
    if (prop.pattern) re = new RegExp(prop.pattern.replace(/^\^/, "").replace(/\$$/, ""), "i");
    else if (prop.format === "email") re = /[\w.+-]+@[\w-]+(\.[\w-]+)+/;
    if (!re) continue;
    readable = true;
    const match = question.match(re);
    if (match) args[name] = prop.pattern && /[A-Z]/.test(prop.pattern) ? match[0].toUpperCase() : match[0];
  }
  if (!readable || Object.keys(args).length === 0) return null;
  if (required.some((r) => !(r in args))) return null;
  return args;
}

function answerFromTools(messages: ChatMessage[], tools: ToolSpec[], question: string): Decision {
  // The results of the latest batch of tool calls, with the calls that asked for them.
  const results: { name: string; result: Record<string, unknown> }[] = [];
  let i = messages.length - 1;
  while (i >= 0 && messages[i]?.role === "tool") i--;
  const assistant = messages[i];
  const calls = assistant?.role === "assistant" ? (assistant.tool_calls ?? []) : [];
  for (const m of messages.slice(i + 1)) {
    if (m.role !== "tool") continue;
    const name = calls.find((c) => c.id === m.tool_call_id)?.name ?? "tool";
    results.push({ name, result: parseObject(m.content) });
  }

  const parts: string[] = [];
  let failed = false;
  // Beside another tool's answer, a knowledge search only adds a pointer to the article.
  const brief = results.some((r) => r.name !== "search_knowledge" && !r.result.error);
  for (const { name, result } of results) {
    if (result.error) {
      failed = true;
      continue;
    }
    if (name === "delegate") parts.push(String(result.reply ?? ""));
    else if (name === "search_knowledge") parts.push(knowledgeAnswer(result, brief));
    else if (name === "handoff_to_human") {
      parts.push("I've asked a member of our team to join this conversation. They'll reply right here.");
    } else if (name === "capture_lead") parts.push("Thanks, we've noted your details and will follow up by email.");
    else if (typeof result.summary === "string") parts.push(result.summary);
    else parts.push(`Here is what I found:\n\n${"```"}\n${clip(JSON.stringify(result, null, 2), 1500)}\n${"```"}`);
  }
  const text = parts.filter(Boolean).join("\n\n");
  if (text) return { kind: "text", text };

  // Every tool failed: search knowledge if that has not been tried yet, else say so.
  const searched = messages.some((m) => m.role === "assistant" && m.tool_calls?.some((c) => c.name === "search_knowledge"));
  if (failed && !searched && tools.some((t) => t.name === "search_knowledge")) {
    return { kind: "call", calls: [{ id: nextCallId(), name: "search_knowledge", arguments: JSON.stringify({ query: question }) }] };
  }
  const canHandOff = tools.some((t) => t.name === "handoff_to_human");
  return {
    kind: "text",
    text:
      "I couldn't find an answer to that in our help center." +
      (canHandOff ? " Would you like to talk to a person? Just ask and I'll bring in our team." : ""),
  };
}

function knowledgeAnswer(result: Record<string, unknown>, brief: boolean): string {
  const passages = (Array.isArray(result.results) ? result.results : []) as { title?: string; text?: string }[];
  const best = passages[0];
  if (!best?.text) return "";
  if (brief) return `More in our help center: **${best.title ?? "this article"}**.`;
  const more = passages
    .slice(1, 3)
    .map((p) => p.title)
    .filter((t, i, all): t is string => !!t && t !== best.title && all.indexOf(t) === i);
  return (
    `From our help center, **${best.title ?? "an article"}**:\n\n${clip(best.text, 900)}` +
    (more.length ? `\n\nRelated: ${more.join("; ")}.` : "")
  );
}

function lastUserText(messages: ChatMessage[]): string {
  for (let i = messages.length - 1; i >= 0; i--) {
    const m = messages[i];
    if (m?.role === "user") return m.content.split("\n\nContext:")[0] ?? m.content;
  }
  return "";
}

function parseObject(text: string): Record<string, unknown> {
  try {
    const value = JSON.parse(text);
    return value && typeof value === "object" && !Array.isArray(value) ? value : { value };
  } catch {
    return { summary: text };
  }
}

function clip(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1).trimEnd()}…`;
}
