/**
 * A scripted native Gemini API (`POST /v1beta/models/MODEL:streamGenerateContent?alt=sse`):
 * chunks of `candidates[0].content.parts` (text, thoughts, function calls — parallel calls
 * as sibling parts, with no index to key on) and `usageMetadata`. For Gemini 3 models the
 * first function call of a turn carries a `thoughtSignature`, and a later request whose
 * history holds that turn without the very signature is refused, as Google refuses it
 * (stricter than Google: the SDK's "skip validation" sentinel is refused too, so a test
 * passes only when the real signature came back). Function responses must match the calls
 * of the turn before them in number.
 */
import type { ServerResponse } from "node:http";
import { type RecordedRequest, ScriptedServer, type StreamedScript, words } from "./model-server";

type Part =
  | { text: string; thought?: boolean; thoughtSignature?: string }
  | { functionCall: { id?: string; name: string; args: unknown }; thoughtSignature?: string }
  | { functionResponse: { id?: string; name: string; response: unknown } };

export interface GeminiBody {
  /** From the URL (the body has none). */
  model: string;
  contents: { role: "user" | "model"; parts: Part[] }[];
  systemInstruction?: { parts: { text: string }[] };
  tools?: { functionDeclarations?: { name: string; description?: string; parameters?: unknown }[] }[];
  generationConfig?: {
    maxOutputTokens?: number;
    temperature?: number;
    thinkingConfig?: { thinkingBudget?: number; includeThoughts?: boolean; thinkingLevel?: string };
  };
}

const ROUTE = /^\/v1beta\/models\/([^/:]+):streamGenerateContent\?alt=sse$/;

export class ScriptedGemini extends ScriptedServer<GeminiBody> {
  protected readonly basePath = "/v1beta";
  /** Signatures this server handed out. */
  readonly signatures = new Set<string>();

  protected routes(url: string) {
    return ROUTE.test(url);
  }

  protected summarize(body: GeminiBody) {
    const lastUser = [...(body.contents ?? [])].reverse().find((c) => c.role === "user" && c.parts.some((p) => "text" in p));
    return {
      system: (body.systemInstruction?.parts ?? []).map((p) => p.text).join("\n"),
      user: (lastUser?.parts ?? []).flatMap((p) => ("text" in p ? [p.text] : [])).join("\n"),
    };
  }

  protected errorBody(status: number, message: string) {
    const name = status === 400 ? "INVALID_ARGUMENT" : status === 403 ? "PERMISSION_DENIED" : status === 429 ? "RESOURCE_EXHAUSTED" : "INTERNAL";
    return { error: { code: status, message, status: name } };
  }

  protected override check(record: RecordedRequest<GeminiBody>) {
    record.body.model = ROUTE.exec(record.url)?.[1] ?? "";
    const { body, headers } = record;
    if (!headers["x-goog-api-key"]) return { status: 403, error: "Method doesn't allow unregistered callers (callers without established identity). Please use API Key or other form of API consumer identity to call this API." };
    const gemini3 = /^gemini-3/.test(body.model);
    for (const [i, content] of body.contents.entries()) {
      if (content.role !== "model") continue;
      const calls = content.parts.filter((p): p is Extract<Part, { functionCall: unknown }> => "functionCall" in p);
      if (calls.length === 0) continue;
      const first = calls[0];
      if (gemini3 && first && !(first.thoughtSignature && this.signatures.has(first.thoughtSignature))) {
        return {
          status: 400,
          error: `Function call is missing a thought_signature in functionCall parts. This is required for tools to work correctly, and missing thought_signature may lead to degraded model performance. Additional data, function call \`default_api:${first.functionCall.name}\` , position ${i + 1}. Please refer to https://ai.google.dev/gemini-api/docs/thought-signatures for more details.`,
        };
      }
      const responses = (body.contents[i + 1]?.parts ?? []).filter((p) => "functionResponse" in p).length;
      if (responses !== calls.length) {
        return {
          status: 400,
          error: "Please ensure that the number of function response parts is equal to the number of function call parts of the function call turn.",
        };
      }
    }
    return null;
  }

  protected async stream(res: ServerResponse, record: RecordedRequest<GeminiBody>, reply: StreamedScript) {
    const { body } = record;
    const usage = reply.usage === undefined ? { prompt: 10, completion: 5 } : reply.usage;
    const usageMetadata = usage && { promptTokenCount: usage.prompt, candidatesTokenCount: usage.completion, totalTokenCount: usage.prompt + usage.completion };
    const send = (parts: Part[], finishReason?: string) =>
      this.frame(res, reply, {
        candidates: [{ content: { role: "model", parts }, ...(finishReason ? { finishReason } : {}), index: 0 }],
        ...(finishReason && usageMetadata ? { usageMetadata } : {}),
        modelVersion: body.model,
        responseId: `resp-${record.index}`,
      });
    if (body.generationConfig?.thinkingConfig?.includeThoughts) {
      if (!(await send([{ text: reply.reasoning ?? "Thinking it over.", thought: true }]))) return;
    }
    const pieces = words(reply.text);
    if (reply.stall) {
      await send([{ text: pieces[0] ?? "" }]);
      return this.hold(res);
    }
    for (const text of pieces) if (!(await send([{ text }]))) return;
    const calls = reply.toolCalls ?? [];
    if (calls.length) {
      // One chunk with every call of the turn; Gemini 3 signs the first.
      const parts: Part[] = calls.map((call, n) => {
        const signature = /^gemini-3/.test(body.model) && n === 0 ? `sig-${record.index}` : undefined;
        if (signature) this.signatures.add(signature);
        const args = typeof call.arguments === "string" ? JSON.parse(call.arguments) : call.arguments;
        return { functionCall: { name: call.name, args }, ...(signature ? { thoughtSignature: signature } : {}) };
      });
      if (!(await send(parts))) return;
    }
    if (!(await send([{ text: "" }], "STOP"))) return;
    res.end();
    record.completed = true;
  }
}
