/**
 * A scripted Anthropic Messages API (`POST /v1/messages`, streamed): message_start,
 * content blocks (thinking with its signature, text, tool_use with its JSON in pieces),
 * message_delta with the usage, message_stop. It refuses what Anthropic refuses: no
 * `x-api-key`, no `max_tokens`, a thinking budget under 1,024 or not under `max_tokens`,
 * tool_use blocks whose results are not in the next message, and — with thinking on — an
 * assistant tool-use turn sent back without its thinking block and the signature it came with.
 */
import type { ServerResponse } from "node:http";
import { argsText, type RecordedRequest, ScriptedServer, type StreamedScript, words } from "./model-server";

type Block =
  | { type: "text"; text: string }
  | { type: "thinking"; thinking: string; signature?: string }
  | { type: "redacted_thinking"; data: string }
  | { type: "tool_use"; id: string; name: string; input: unknown }
  | { type: "tool_result"; tool_use_id: string; content: unknown };

export interface AnthropicBody {
  model: string;
  max_tokens?: number;
  system?: string | { type: "text"; text: string }[];
  messages: { role: "user" | "assistant"; content: string | Block[] }[];
  tools?: { name: string; description?: string; input_schema: unknown }[];
  stream?: boolean;
  temperature?: number;
  thinking?: { type: string; budget_tokens?: number };
}

const blocks = (content: string | Block[]): Block[] => (typeof content === "string" ? [{ type: "text", text: content }] : content);

export class ScriptedAnthropic extends ScriptedServer<AnthropicBody> {
  protected readonly basePath = "/v1";
  /** Signatures of the thinking blocks this server streamed. */
  readonly signatures = new Set<string>();

  protected routes(url: string) {
    return url === "/v1/messages";
  }

  protected summarize(body: AnthropicBody) {
    const system = typeof body.system === "string" ? body.system : (body.system ?? []).map((b) => b.text).join("\n");
    const lastUser = [...(body.messages ?? [])].reverse().find((m) => m.role === "user" && blocks(m.content).some((b) => b.type === "text"));
    const user = lastUser ? blocks(lastUser.content).flatMap((b) => (b.type === "text" ? [b.text] : [])).join("\n") : "";
    return { system, user };
  }

  protected errorBody(status: number, message: string) {
    const type = status === 401 ? "authentication_error" : status === 429 ? "rate_limit_error" : status >= 500 ? "api_error" : "invalid_request_error";
    return { type: "error", error: { type, message } };
  }

  protected override check({ body, headers }: RecordedRequest<AnthropicBody>) {
    if (!headers["x-api-key"]) return { status: 401, error: "x-api-key header is required" };
    if (!headers["anthropic-version"]) return { status: 400, error: "anthropic-version: header is required" };
    if (typeof body.max_tokens !== "number") return { status: 400, error: "max_tokens: Field required" };
    const thinking = body.thinking?.type === "enabled";
    if (thinking) {
      const budget = body.thinking?.budget_tokens ?? 0;
      if (budget < 1024) return { status: 400, error: "thinking.enabled.budget_tokens: Input should be greater than or equal to 1024" };
      if (body.max_tokens <= budget) return { status: 400, error: "`max_tokens` must be greater than `thinking.budget_tokens`." };
    }
    for (const [i, m] of body.messages.entries()) {
      if (m.role !== "assistant") continue;
      const content = blocks(m.content);
      const uses = content.filter((b): b is Extract<Block, { type: "tool_use" }> => b.type === "tool_use");
      if (uses.length === 0) continue;
      const next = body.messages[i + 1];
      const answered = new Set(next?.role === "user" ? blocks(next.content).flatMap((b) => (b.type === "tool_result" ? [b.tool_use_id] : [])) : []);
      const missing = uses.filter((u) => !answered.has(u.id)).map((u) => u.id);
      if (missing.length) {
        return {
          status: 400,
          error: `messages.${i}: \`tool_use\` ids were found without \`tool_result\` blocks immediately after: ${missing.join(", ")}. Each \`tool_use\` block must have a corresponding \`tool_result\` block in the next message.`,
        };
      }
      if (thinking) {
        const first = content[0];
        if (first?.type !== "thinking" && first?.type !== "redacted_thinking") {
          return {
            status: 400,
            error: `messages.${i}.content.0.type: Expected \`thinking\` or \`redacted_thinking\`, but found \`${first?.type}\`. When \`thinking\` is enabled, a final \`assistant\` message must start with a thinking block (preceeding the lastmost set of \`tool_use\` and \`tool_result\` blocks). We recommend you include thinking blocks from previous turns. To avoid this requirement, disable \`thinking\`. Please consult our documentation at https://docs.claude.com/en/docs/build-with-claude/extended-thinking`,
          };
        }
        if (first.type === "thinking" && !(first.signature && this.signatures.has(first.signature))) {
          return { status: 400, error: `messages.${i}.content.0: Invalid \`signature\` in \`thinking\` block` };
        }
      }
    }
    return null;
  }

  protected async stream(res: ServerResponse, record: RecordedRequest<AnthropicBody>, reply: StreamedScript) {
    const { body } = record;
    const send = (event: string, data: Record<string, unknown>) => this.frame(res, reply, { type: event, ...data }, event);
    const usage = reply.usage ?? { prompt: 10, completion: 5 };
    const message = {
      id: `msg_${record.index}`,
      type: "message",
      role: "assistant",
      model: body.model,
      content: [],
      stop_reason: null,
      stop_sequence: null,
      usage: { input_tokens: usage.prompt, output_tokens: 1 },
    };
    if (!(await send("message_start", { message }))) return;
    let index = 0;
    if (body.thinking?.type === "enabled") {
      const signature = `sig_${record.index}_${index}`;
      this.signatures.add(signature);
      if (!(await send("content_block_start", { index, content_block: { type: "thinking", thinking: "", signature: "" } }))) return;
      for (const piece of words(reply.reasoning ?? "Let me think about which tools answer this.")) {
        if (!(await send("content_block_delta", { index, delta: { type: "thinking_delta", thinking: piece } }))) return;
      }
      if (!(await send("content_block_delta", { index, delta: { type: "signature_delta", signature } }))) return;
      if (!(await send("content_block_stop", { index }))) return;
      index++;
    }
    const pieces = words(reply.text);
    if (pieces.length) {
      if (!(await send("content_block_start", { index, content_block: { type: "text", text: "" } }))) return;
      if (reply.stall) {
        await send("content_block_delta", { index, delta: { type: "text_delta", text: pieces[0] } });
        return this.hold(res);
      }
      for (const text of pieces) if (!(await send("content_block_delta", { index, delta: { type: "text_delta", text } }))) return;
      if (!(await send("content_block_stop", { index }))) return;
      index++;
    } else if (reply.stall) return this.hold(res);
    const calls = reply.toolCalls ?? [];
    for (const [n, call] of calls.entries()) {
      const args = argsText(call);
      const id = call.id ?? `toolu_${record.index}_${n}`;
      if (!(await send("content_block_start", { index, content_block: { type: "tool_use", id, name: call.name, input: {} } }))) return;
      const half = Math.ceil(args.length / 2);
      for (const part of [args.slice(0, half), args.slice(half)]) {
        if (part && !(await send("content_block_delta", { index, delta: { type: "input_json_delta", partial_json: part } }))) return;
      }
      if (!(await send("content_block_stop", { index }))) return;
      index++;
    }
    const stop = calls.length ? "tool_use" : "end_turn";
    if (!(await send("message_delta", { delta: { stop_reason: stop, stop_sequence: null }, usage: { output_tokens: usage.completion } }))) return;
    if (!(await send("message_stop", {}))) return;
    res.end();
    record.completed = true;
  }
}
