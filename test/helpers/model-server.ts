/**
 * Scripted model servers on loopback: the one stand-in the tests use, because no model is
 * reachable here. The worker's real provider packages talk to them over HTTP. Each test
 * scripts what the "model" answers (streamed text, reasoning, tool calls, usage, 429/500,
 * slow or stalled streams), routed by a matcher on the request (usually a phrase of the
 * agent's instructions, since parallel agents call concurrently), and reads back every
 * request it received, including whether the client hung up before the end.
 *
 * `ScriptedServer` holds what every wire format shares; `ScriptedModel` speaks OpenAI chat
 * completions, with a `dialect` that reproduces what each OpenAI-compatible provider does
 * differently (and refuses what it refuses). The Anthropic and Gemini servers live in
 * model-server-anthropic.ts and model-server-gemini.ts.
 */
import { once } from "node:events";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export interface ToolCallScript {
  id?: string;
  name: string;
  arguments: Record<string, unknown> | string;
}

/** Token counts a reply reports; `null`: the stream carries none. */
export type UsageScript = { prompt: number; completion: number } | null;

interface StreamedReply {
  /** Thinking, streamed before the answer where the family streams it (and asked for it). */
  reasoning?: string;
  usage?: UsageScript;
  /** Delay before each chunk. */
  chunkDelayMs?: number;
  /** Delay before the response starts. */
  delayMs?: number;
  /** Send the first chunk, then never finish (until the client goes away). */
  stall?: boolean;
}

export type Reply =
  | (StreamedReply & {
      /** Streamed text, in these pieces (or split by words when a string). */
      text: string | string[];
      toolCalls?: ToolCallScript[];
    })
  | (StreamedReply & { toolCalls: ToolCallScript[]; text?: undefined })
  | { status: number; error?: string; retryAfter?: number };

export type StreamedScript = Exclude<Reply, { status: number }>;

export interface ChatMessageBody {
  role: string;
  content: string | null;
  reasoning_content?: string;
  tool_calls?: {
    id: string;
    index?: number;
    function: { name: string; arguments: string };
    extra_content?: { google?: { thought_signature?: string } };
  }[];
  tool_call_id?: string;
}

/** An OpenAI chat-completions request, with the fields the dialects add. */
export interface ChatBody {
  model: string;
  messages: ChatMessageBody[];
  tools?: { function: { name: string; description: string; parameters: unknown } }[];
  stream?: boolean;
  stream_options?: { include_usage?: boolean };
  max_tokens?: number;
  max_completion_tokens?: number;
  temperature?: number;
  reasoning_effort?: string;
  /** DeepSeek and GLM. */
  thinking?: { type?: string };
  /** Qwen. */
  enable_thinking?: boolean;
  thinking_budget?: number;
  /** GLM. */
  tool_stream?: boolean;
  [extra: string]: unknown;
}

export interface RecordedRequest<B = ChatBody> {
  index: number;
  /** Path and query, e.g. /v1/chat/completions. */
  url: string;
  body: B;
  headers: IncomingMessage["headers"];
  startedAt: number;
  endedAt?: number;
  /** The client closed the connection before the response was complete. */
  aborted: boolean;
  /** The response was written to the end. */
  completed: boolean;
  status: number;
  /** Why the server refused the request, as the provider would word it. */
  rejected?: string;
  /** The system prompt (the agent's instructions). */
  system: string;
  /** The last user message. */
  user: string;
}

export type Matcher<B = ChatBody> = string | RegExp | ((request: RecordedRequest<B>) => boolean);

interface Rule<B> {
  match: Matcher<B>;
  replies: Reply[];
  /** The last reply repeats when the queue runs dry. */
  repeat: boolean;
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
export const words = (text: string | string[] | undefined) =>
  text === undefined ? [] : Array.isArray(text) ? text : (text.match(/\S+\s*|\s+/g) ?? []);
export const argsText = (call: ToolCallScript) => (typeof call.arguments === "string" ? call.arguments : JSON.stringify(call.arguments));

export abstract class ScriptedServer<B> {
  readonly requests: RecordedRequest<B>[] = [];
  private rules: Rule<B>[] = [];
  private server: Server | null = null;
  private waiters: (() => void)[] = [];
  url = "";

  /** The path prefix the provider package appends its routes to (the `baseURL`'s path). */
  protected abstract readonly basePath: string;
  /** The agent's instructions and the visitor's last words, from this wire format's body. */
  protected abstract summarize(body: B): { system: string; user: string };
  protected abstract routes(url: string): boolean;
  /** A refusal the real provider would give this request, or null. */
  protected check(_record: RecordedRequest<B>): { status: number; error: string } | null {
    return null;
  }
  protected abstract errorBody(status: number, message: string): unknown;
  protected abstract stream(res: ServerResponse, record: RecordedRequest<B>, reply: StreamedScript): Promise<void>;

  async start(): Promise<this> {
    this.server = createServer((req, res) => void this.handle(req, res));
    this.server.listen(0, "127.0.0.1");
    await once(this.server, "listening");
    const { port } = this.server.address() as AddressInfo;
    this.url = `http://127.0.0.1:${port}${this.basePath}`;
    return this;
  }

  /** `host:port`, for the outbound guard's allow-list (ALLOW_PRIVATE_URLS). */
  get host(): string {
    return new URL(this.url).host;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => this.server?.close(() => resolve()) ?? resolve());
  }

  /** Answers requests that match with these replies, in order. */
  on(match: Matcher<B>, ...replies: Reply[]): this {
    this.rules.push({ match, replies, repeat: false });
    return this;
  }

  /** Answers every request that matches with this reply. */
  always(match: Matcher<B>, reply: Reply): this {
    this.rules.push({ match, replies: [reply], repeat: true });
    return this;
  }

  reset(): void {
    this.rules = [];
    this.requests.length = 0;
  }

  /** Requests whose system prompt or last user message contains `text`. */
  requestsFor(text: string): RecordedRequest<B>[] {
    return this.requests.filter((r) => r.system.includes(text) || r.user.includes(text));
  }

  /** Resolves when `predicate` holds (checked on every request start and end). */
  async until(predicate: () => boolean, timeoutMs = 15_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!predicate()) {
      if (Date.now() > deadline) throw new Error("ScriptedServer.until: timed out");
      await new Promise<void>((resolve) => {
        this.waiters.push(resolve);
        setTimeout(resolve, 50);
      });
    }
  }

  private notify(): void {
    for (const w of this.waiters.splice(0)) w();
  }

  private pick(request: RecordedRequest<B>): Reply | null {
    for (const rule of this.rules) {
      const m = rule.match;
      const hit =
        typeof m === "string"
          ? request.system.includes(m) || request.user.includes(m)
          : m instanceof RegExp
            ? m.test(request.system) || m.test(request.user)
            : m(request);
      if (!hit || rule.replies.length === 0) continue;
      if (rule.repeat || rule.replies.length === 1) {
        const reply = rule.replies[0] as Reply;
        if (!rule.repeat) rule.replies.shift();
        return reply;
      }
      return rule.replies.shift() as Reply;
    }
    return null;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    let body: B;
    try {
      body = JSON.parse(Buffer.concat(chunks).toString("utf8"));
    } catch {
      res.writeHead(400).end();
      return;
    }
    const record: RecordedRequest<B> = {
      index: this.requests.length,
      url: req.url ?? "",
      body,
      headers: req.headers,
      startedAt: Date.now(),
      aborted: false,
      completed: false,
      status: 200,
      ...this.summarize(body),
    };
    this.requests.push(record);
    res.on("close", () => {
      record.endedAt = Date.now();
      if (!res.writableFinished) record.aborted = true;
      this.notify();
    });
    this.notify();

    const fail = (status: number, message: string, headers: Record<string, string> = {}) => {
      record.status = status;
      res.writeHead(status, { "content-type": "application/json", ...headers }).end(JSON.stringify(this.errorBody(status, message)));
      record.completed = true;
    };
    if (!this.routes(record.url)) return fail(404, `no route for ${record.url}`);
    const refusal = this.check(record);
    if (refusal) {
      record.rejected = refusal.error;
      return fail(refusal.status, refusal.error);
    }
    const reply = this.pick(record);
    if (!reply) return fail(500, "unscripted request");
    if ("status" in reply) {
      return fail(reply.status, reply.error ?? `scripted ${reply.status}`, reply.retryAfter !== undefined ? { "retry-after": String(reply.retryAfter) } : {});
    }
    if (reply.delayMs) await sleep(reply.delayMs);
    if (res.destroyed) return;
    res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache", connection: "keep-alive" });
    await this.stream(res, record, reply);
  }

  /** Writes one SSE frame after the reply's chunk delay; false once the client is gone. */
  protected async frame(res: ServerResponse, reply: StreamedScript, data: unknown, event?: string): Promise<boolean> {
    if (reply.chunkDelayMs) await sleep(reply.chunkDelayMs);
    if (res.destroyed) return false;
    res.write(`${event ? `event: ${event}\n` : ""}data: ${typeof data === "string" ? data : JSON.stringify(data)}\n\n`);
    return true;
  }

  /** Holds the stream open until the client goes away. */
  protected hold(res: ServerResponse): Promise<void> {
    return new Promise<void>((resolve) => (res.destroyed ? resolve() : res.on("close", () => resolve())));
  }
}

/**
 * What an OpenAI-compatible provider does its own way:
 * - `openai`: gpt-5 and o-series refuse `max_tokens` (they take `max_completion_tokens`) and
 *   a temperature other than 1; usage only with `stream_options.include_usage`.
 * - `xai`: grok-3-mini streams `reasoning_content` when given `reasoning_effort`; grok-4
 *   refuses `reasoning_effort`; each tool call arrives whole, in one chunk.
 * - `deepseek`: thinking (`deepseek-reasoner`, or `thinking.type: "enabled"`) streams
 *   `reasoning_content`, which must come back with the turn's tool calls (else 400).
 * - `qwen`: thinks unless `enable_thinking: false`; thinking counts against `max_tokens`.
 * - `glm`: thinks unless `thinking.type: "disabled"` (same budget); streams tool arguments
 *   only with `tool_stream: true` (else each call arrives whole at the end); ignores
 *   `stream_options` and puts usage in its last chunk.
 * - `gemini`: Gemini's OpenAI endpoint: parallel tool calls without `index`, each whole, the
 *   first with a thought signature (`extra_content.google.thought_signature`) that Gemini 3
 *   models require back.
 * - `compatible`: Ollama / vLLM: plain chat completions.
 */
export type Dialect = "openai" | "xai" | "deepseek" | "qwen" | "glm" | "gemini" | "compatible";

/** Thinking long enough to eat a 1,024-token answer budget (4 characters a token). */
export const LONG_THOUGHT = "Let me consider every angle of this question carefully. ".repeat(80);

export class ScriptedModel extends ScriptedServer<ChatBody> {
  protected readonly basePath = "/v1";
  /** Thought signatures this server handed out (Gemini dialect). */
  readonly signatures = new Set<string>();
  /** Reasoning this server streamed (DeepSeek dialect checks it comes back whole). */
  readonly reasonings = new Set<string>();

  constructor(readonly dialect: Dialect = "openai") {
    super();
  }

  protected routes(url: string) {
    return url === "/v1/chat/completions";
  }

  protected summarize(body: ChatBody) {
    const messages = body.messages ?? [];
    return {
      system: messages.filter((m) => m.role === "system" || m.role === "developer").map((m) => m.content ?? "").join("\n"),
      user: [...messages].reverse().find((m) => m.role === "user")?.content ?? "",
    };
  }

  protected errorBody(status: number, message: string) {
    return { error: { message, type: status === 400 ? "invalid_request_error" : "scripted", code: null } };
  }

  private thinks(body: ChatBody): boolean {
    switch (this.dialect) {
      case "deepseek":
        return body.thinking?.type === "enabled" || (body.model === "deepseek-reasoner" && body.thinking?.type !== "disabled");
      case "qwen":
        return body.enable_thinking !== false;
      case "glm":
        return body.thinking?.type !== "disabled";
      case "xai":
        return /grok-3-mini/.test(body.model) && body.reasoning_effort !== undefined;
      default:
        return false;
    }
  }

  protected override check({ body }: RecordedRequest<ChatBody>) {
    const reasoningModel = /^(o\d|gpt-5)(?!-chat)/.test(body.model);
    if (this.dialect === "openai" && reasoningModel && body.max_tokens !== undefined) {
      return {
        status: 400,
        error: "Unsupported parameter: 'max_tokens' is not supported with this model. Use 'max_completion_tokens' instead.",
      };
    }
    if (this.dialect === "openai" && reasoningModel && body.temperature !== undefined && body.temperature !== 1) {
      return { status: 400, error: `Unsupported value: 'temperature' does not support ${body.temperature} with this model. Only the default (1) value is supported.` };
    }
    if (this.dialect === "xai" && /^grok-4/.test(body.model) && body.reasoning_effort !== undefined) {
      return { status: 400, error: `Model ${body.model} does not support parameter reasoningEffort.` };
    }
    if (this.dialect === "deepseek" && this.thinks(body)) {
      const lastUser = body.messages.map((m) => m.role).lastIndexOf("user");
      for (const [i, m] of body.messages.entries()) {
        if (i > lastUser && m.role === "assistant" && m.tool_calls?.length && !(m.reasoning_content && this.reasonings.has(m.reasoning_content))) {
          return {
            status: 400,
            error: `Missing \`reasoning_content\` field in the assistant message at message index ${i}. For more information, please refer to https://api-docs.deepseek.com/guides/thinking_mode#tool-calls`,
          };
        }
      }
    }
    if (this.dialect === "gemini" && /^gemini-3/.test(body.model)) {
      for (const [i, m] of body.messages.entries()) {
        const first = m.role === "assistant" ? m.tool_calls?.[0] : undefined;
        const signature = first?.extra_content?.google?.thought_signature;
        if (first && !(signature && this.signatures.has(signature))) {
          return {
            status: 400,
            error: `Function call is missing a thought_signature in functionCall parts. This is required for tools to work correctly, and missing thought_signature may lead to degraded model performance. Additional data, function call \`default_api:${first.function.name}\` , position ${i + 1}. Please refer to https://ai.google.dev/gemini-api/docs/thought-signatures for more details.`,
          };
        }
      }
    }
    return null;
  }

  protected async stream(res: ServerResponse, record: RecordedRequest<ChatBody>, reply: StreamedScript) {
    const { body } = record;
    const model = body.model;
    const id = `chatcmpl-${record.index}`;
    const created = Math.floor(Date.now() / 1000);
    const chunk = (delta: Record<string, unknown>, finish: string | null = null, extra: Record<string, unknown> = {}) => ({
      id,
      object: "chat.completion.chunk",
      created,
      model,
      choices: [{ index: 0, delta, finish_reason: finish }],
      ...extra,
    });
    const send = (delta: Record<string, unknown>, finish: string | null = null, extra: Record<string, unknown> = {}) =>
      this.frame(res, reply, chunk(delta, finish, extra));
    const pieces = words(reply.text);
    const calls = reply.toolCalls ?? [];
    const usage = reply.usage === undefined ? { prompt: 10, completion: 5 } : reply.usage;
    const usageJson = usage && { prompt_tokens: usage.prompt, completion_tokens: usage.completion, total_tokens: usage.prompt + usage.completion };
    // GLM ignores stream_options and puts usage in its last chunk; the others send a
    // usage-only chunk at the end when asked to.
    const separateUsage = this.dialect !== "glm" && body.stream_options?.include_usage === true;

    if (!(await send({ role: "assistant", content: "" }))) return;
    if (reply.stall) {
      if (pieces[0]) await send({ content: pieces[0] });
      return this.hold(res);
    }
    const thinking = this.thinks(body) ? (reply.reasoning ?? (this.dialect === "qwen" || this.dialect === "glm" ? LONG_THOUGHT : "Thinking it over.")) : "";
    if (thinking) {
      this.reasonings.add(thinking);
      const limit = (body.max_tokens ?? body.max_completion_tokens ?? Number.POSITIVE_INFINITY) * 4;
      // Qwen and GLM count thinking against max_tokens: a long thought leaves no answer.
      const shown = this.dialect === "qwen" || this.dialect === "glm" ? thinking.slice(0, limit) : thinking;
      for (const part of shown.match(/[\s\S]{1,200}/g) ?? []) if (!(await send({ reasoning_content: part }))) return;
      if (shown.length < thinking.length) {
        if (!(await send({}, "length", usageJson && !separateUsage ? { usage: usageJson } : {}))) return;
        return this.finish(res, record, separateUsage && usageJson ? chunk({}, null, { choices: [], usage: usageJson }) : null);
      }
    }
    for (const piece of pieces) if (!(await send({ content: piece }))) return;
    for (const [index, call] of calls.entries()) {
      const args = argsText(call);
      const callId = call.id ?? `call_${record.index}_${index}`;
      if (this.dialect === "gemini") {
        // Whole, without index; the first call of the turn carries the signature.
        const signature = index === 0 ? `sig-${record.index}-${index}` : undefined;
        if (signature) this.signatures.add(signature);
        const delta = { id: callId, type: "function", function: { name: call.name, arguments: args }, ...(signature ? { extra_content: { google: { thought_signature: signature } } } : {}) };
        if (!(await send({ tool_calls: [delta] }))) return;
      } else if (this.dialect === "xai" || (this.dialect === "glm" && body.tool_stream !== true)) {
        if (!(await send({ tool_calls: [{ index, id: callId, type: "function", function: { name: call.name, arguments: args } }] }))) return;
      } else {
        if (!(await send({ tool_calls: [{ index, id: callId, type: "function", function: { name: call.name, arguments: "" } }] }))) return;
        // Arguments arrive in pieces, as real models send them.
        const half = Math.ceil(args.length / 2);
        for (const part of [args.slice(0, half), args.slice(half)]) {
          if (part && !(await send({ tool_calls: [{ index, function: { arguments: part } }] }))) return;
        }
      }
    }
    if (!(await send({}, calls.length ? "tool_calls" : "stop", usageJson && !separateUsage && this.dialect === "glm" ? { usage: usageJson } : {}))) return;
    await this.finish(res, record, separateUsage && usageJson ? chunk({}, null, { choices: [], usage: usageJson }) : null);
  }

  private async finish(res: ServerResponse, record: RecordedRequest<ChatBody>, usageChunk: unknown) {
    if (res.destroyed) return;
    if (usageChunk) res.write(`data: ${JSON.stringify(usageChunk)}\n\n`);
    res.end("data: [DONE]\n\n");
    record.completed = true;
  }
}

/** Matches requests from the agent whose instructions contain `tag` (the system prompt only). */
export const agent =
  (tag: string) =>
  <B>(request: RecordedRequest<B>) =>
    request.system.includes(tag);

/** Whether two requests were in flight at the same time. */
export const overlapped = <B>(a: RecordedRequest<B>, b: RecordedRequest<B>) =>
  a.startedAt < (b.endedAt ?? Number.POSITIVE_INFINITY) && b.startedAt < (a.endedAt ?? Number.POSITIVE_INFINITY);

/** The most requests in flight at once among `requests`. */
export function maxConcurrency<B>(requests: RecordedRequest<B>[]): number {
  const edges = requests.flatMap((r) => [
    { t: r.startedAt, d: 1 },
    { t: r.endedAt ?? Number.POSITIVE_INFINITY, d: -1 },
  ]);
  edges.sort((a, b) => a.t - b.t || a.d - b.d);
  let now = 0;
  let max = 0;
  for (const e of edges) {
    now += e.d;
    max = Math.max(max, now);
  }
  return max;
}
