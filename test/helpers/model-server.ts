/**
 * A scripted OpenAI-compatible chat-completions server on loopback: the one stand-in the
 * tests use, because no model is reachable here. The worker's real `openai` SDK talks to
 * it over HTTP. Each test scripts what the "model" answers (streamed text, tool calls,
 * usage, 429/500, slow or stalled streams), routed by a matcher on the request (usually a
 * phrase of the agent's instructions, since parallel agents call concurrently), and reads
 * back every request it received, including whether the client hung up before the end.
 */
import { once } from "node:events";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export interface ToolCallScript {
  id?: string;
  name: string;
  arguments: Record<string, unknown> | string;
}

export type Reply =
  | {
      /** Streamed text, in these pieces (or split by words when a string). */
      text: string | string[];
      toolCalls?: ToolCallScript[];
      usage?: { prompt: number; completion: number };
      /** Delay before each chunk. */
      chunkDelayMs?: number;
      /** Delay before the response starts. */
      delayMs?: number;
      /** Send the first chunk, then never finish (until the client goes away). */
      stall?: boolean;
    }
  | { toolCalls: ToolCallScript[]; text?: undefined; usage?: { prompt: number; completion: number }; delayMs?: number; chunkDelayMs?: number; stall?: boolean }
  | { status: number; error?: string; retryAfter?: number };

export type Matcher = string | RegExp | ((request: RecordedRequest) => boolean);

export interface ChatMessageBody {
  role: string;
  content: string | null;
  tool_calls?: { id: string; function: { name: string; arguments: string } }[];
  tool_call_id?: string;
}

export interface RecordedRequest {
  index: number;
  body: {
    model: string;
    messages: ChatMessageBody[];
    tools?: { function: { name: string; description: string; parameters: unknown } }[];
    stream?: boolean;
    max_tokens?: number;
  };
  headers: IncomingMessage["headers"];
  startedAt: number;
  endedAt?: number;
  /** The client closed the connection before the response was complete. */
  aborted: boolean;
  /** The response was written to the end. */
  completed: boolean;
  status: number;
  /** The system prompt (the agent's instructions). */
  system: string;
  /** The last user message. */
  user: string;
}

interface Rule {
  match: Matcher;
  replies: Reply[];
  /** The last reply repeats when the queue runs dry. */
  repeat: boolean;
}

export class ScriptedModel {
  readonly requests: RecordedRequest[] = [];
  private rules: Rule[] = [];
  private server: Server | null = null;
  private waiters: (() => void)[] = [];
  url = "";

  async start(): Promise<this> {
    this.server = createServer((req, res) => void this.handle(req, res));
    this.server.listen(0, "127.0.0.1");
    await once(this.server, "listening");
    const { port } = this.server.address() as AddressInfo;
    this.url = `http://127.0.0.1:${port}/v1`;
    return this;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => this.server?.close(() => resolve()) ?? resolve());
  }

  /** Answers requests that match with these replies, in order. */
  on(match: Matcher, ...replies: Reply[]): this {
    this.rules.push({ match, replies, repeat: false });
    return this;
  }

  /** Answers every request that matches with this reply. */
  always(match: Matcher, reply: Reply): this {
    this.rules.push({ match, replies: [reply], repeat: true });
    return this;
  }

  reset(): void {
    this.rules = [];
    this.requests.length = 0;
  }

  /** Requests whose system prompt or last user message contains `text`. */
  requestsFor(text: string): RecordedRequest[] {
    return this.requests.filter((r) => r.system.includes(text) || r.user.includes(text));
  }

  /** Resolves when `predicate` holds (checked on every request start and end). */
  async until(predicate: () => boolean, timeoutMs = 15_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!predicate()) {
      if (Date.now() > deadline) throw new Error("ScriptedModel.until: timed out");
      await new Promise<void>((resolve) => {
        this.waiters.push(resolve);
        setTimeout(resolve, 50);
      });
    }
  }

  private notify(): void {
    for (const w of this.waiters.splice(0)) w();
  }

  private pick(request: RecordedRequest): Reply | null {
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
    let body: RecordedRequest["body"];
    try {
      body = JSON.parse(Buffer.concat(chunks).toString("utf8"));
    } catch {
      res.writeHead(400).end();
      return;
    }
    const messages = body.messages ?? [];
    const record: RecordedRequest = {
      index: this.requests.length,
      body,
      headers: req.headers,
      startedAt: Date.now(),
      aborted: false,
      completed: false,
      status: 200,
      system: messages.filter((m) => m.role === "system").map((m) => m.content ?? "").join("\n"),
      user: [...messages].reverse().find((m) => m.role === "user")?.content ?? "",
    };
    this.requests.push(record);
    res.on("close", () => {
      record.endedAt = Date.now();
      if (!res.writableFinished) record.aborted = true;
      this.notify();
    });
    this.notify();

    if (req.url !== "/v1/chat/completions") {
      res.writeHead(404, { "content-type": "application/json" }).end(JSON.stringify({ error: { message: "not found" } }));
      return;
    }
    const reply = this.pick(record);
    if (!reply) {
      record.status = 500;
      res.writeHead(500, { "content-type": "application/json" }).end(JSON.stringify({ error: { message: "unscripted request" } }));
      return;
    }
    if ("status" in reply) {
      record.status = reply.status;
      res
        .writeHead(reply.status, {
          "content-type": "application/json",
          ...(reply.retryAfter !== undefined ? { "retry-after": String(reply.retryAfter) } : {}),
        })
        .end(JSON.stringify({ error: { message: reply.error ?? `scripted ${reply.status}`, type: "scripted" } }));
      record.completed = true;
      return;
    }
    await this.stream(res, record, reply, body.model);
  }

  private async stream(res: ServerResponse, record: RecordedRequest, reply: Exclude<Reply, { status: number }>, model: string) {
    const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
    if (reply.delayMs) await sleep(reply.delayMs);
    if (res.destroyed) return;
    res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache", connection: "keep-alive" });
    const id = `chatcmpl-${record.index}`;
    const created = Math.floor(Date.now() / 1000);
    const send = async (delta: Record<string, unknown>, finish: string | null = null) => {
      if (reply.chunkDelayMs) await sleep(reply.chunkDelayMs);
      if (res.destroyed) return false;
      res.write(`data: ${JSON.stringify({ id, object: "chat.completion.chunk", created, model, choices: [{ index: 0, delta, finish_reason: finish }] })}\n\n`);
      return true;
    };
    const pieces = reply.text === undefined ? [] : Array.isArray(reply.text) ? reply.text : (reply.text.match(/\S+\s*|\s+/g) ?? []);
    if (!(await send({ role: "assistant", content: "" }))) return;
    if (reply.stall) {
      if (pieces[0]) await send({ content: pieces[0] });
      await new Promise<void>((resolve) => res.on("close", () => resolve()));
      return;
    }
    for (const piece of pieces) if (!(await send({ content: piece }))) return;
    const calls = reply.toolCalls ?? [];
    for (const [index, call] of calls.entries()) {
      const args = typeof call.arguments === "string" ? call.arguments : JSON.stringify(call.arguments);
      const callId = call.id ?? `call_${record.index}_${index}`;
      if (!(await send({ tool_calls: [{ index, id: callId, type: "function", function: { name: call.name, arguments: "" } }] }))) return;
      // Arguments arrive in pieces, as real models send them.
      const half = Math.ceil(args.length / 2);
      for (const part of [args.slice(0, half), args.slice(half)]) {
        if (part && !(await send({ tool_calls: [{ index, function: { arguments: part } }] }))) return;
      }
    }
    if (!(await send({}, calls.length ? "tool_calls" : "stop"))) return;
    const usage = reply.usage ?? { prompt: 10, completion: 5 };
    res.write(
      `data: ${JSON.stringify({ id, object: "chat.completion.chunk", created, model, choices: [], usage: { prompt_tokens: usage.prompt, completion_tokens: usage.completion, total_tokens: usage.prompt + usage.completion } })}\n\n`,
    );
    res.end("data: [DONE]\n\n");
    record.completed = true;
  }
}

/** Matches requests from the agent whose instructions contain `tag` (the system prompt only). */
export const agent = (tag: string) => (request: RecordedRequest) => request.system.includes(tag);

/** Whether two requests were in flight at the same time. */
export const overlapped = (a: RecordedRequest, b: RecordedRequest) =>
  a.startedAt < (b.endedAt ?? Number.POSITIVE_INFINITY) && b.startedAt < (a.endedAt ?? Number.POSITIVE_INFINITY);

/** The most requests in flight at once among `requests`. */
export function maxConcurrency(requests: RecordedRequest[]): number {
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
