/**
 * The peer for `npm run bench`: a minimal chat app on Cloudflare's own `agents` framework —
 * an `AIChatAgent` (from `@cloudflare/ai-chat`) whose turn is the AI SDK's `streamText`
 * with the OpenAI-compatible provider, against the same scripted model the bench points
 * Switchboard at. Bench code only: bundled on its own (bench/peer/wrangler.toml), never
 * imported by the worker. It is the framework's quick start, nothing tuned either way.
 */
import { createOpenAICompatible } from "@ai-sdk/openai-compatible";
import { AIChatAgent } from "@cloudflare/ai-chat";
import { routeAgentRequest } from "agents";
import { convertToModelMessages, streamText } from "ai";

interface PeerEnv {
  ChatAgent: DurableObjectNamespace;
  MODEL_BASE_URL: string;
}

export class ChatAgent extends AIChatAgent<PeerEnv> {
  override async onChatMessage(): Promise<Response> {
    const model = createOpenAICompatible({ name: "scripted", baseURL: this.env.MODEL_BASE_URL, apiKey: "sk-bench", includeUsage: true });
    const result = streamText({
      model: model.chatModel("bench-model"),
      system: "bench peer",
      messages: await convertToModelMessages(this.messages),
    });
    return result.toUIMessageStreamResponse();
  }
}

export default {
  async fetch(request: Request, env: PeerEnv): Promise<Response> {
    return (await routeAgentRequest(request, env)) ?? new Response("not found", { status: 404 });
  },
};
