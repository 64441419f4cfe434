/**
 * Model configs inside workerd: configs from before model families still read, each
 * family's provider is chosen by key and endpoint (never a platform key for an agent's own
 * endpoint), and what the budget reserves per call covers the family's thinking.
 */
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { AgentConfig, ModelConfig } from "../../shared/config";
import type { Env } from "../../worker/env";
import { outputCeiling } from "../../worker/providers/families";
import { providerFor } from "../../worker/providers/select";
import { putOrgSecret } from "../../worker/config/secrets";

const e = env as unknown as Env;
const agentWith = (model: unknown) => AgentConfig.parse({ id: "a", name: "A", description: "A.", model });

describe("model config", () => {
  it("reads the old shape (provider, maxTokens) as the new one", () => {
    expect(ModelConfig.parse({ provider: "openai", name: "gpt-4o", maxTokens: 300 })).toEqual({ family: "openai", name: "gpt-4o", maxOutputTokens: 300 });
    expect(ModelConfig.parse({ provider: "offline" })).toMatchObject({ family: "offline", maxOutputTokens: 1024 });
    expect(ModelConfig.parse({})).toEqual({ family: "openai", name: "gpt-4o-mini", maxOutputTokens: 1024 });
    // What a write stores reads back the same.
    const stored = ModelConfig.parse({ family: "glm", name: "glm-4.6", thinking: true });
    expect(ModelConfig.parse(JSON.parse(JSON.stringify(stored)))).toEqual(stored);
  });

  it("reserves the thinking a family adds on top of the answer", () => {
    expect(outputCeiling(ModelConfig.parse({ family: "anthropic", name: "claude-sonnet-4-5", maxOutputTokens: 500, thinking: true, thinkingBudget: 2000 }))).toBe(2500);
    expect(outputCeiling(ModelConfig.parse({ family: "anthropic", name: "claude-sonnet-4-5", maxOutputTokens: 500, thinking: true }))).toBe(1524);
    expect(outputCeiling(ModelConfig.parse({ family: "qwen", name: "qwen-plus", maxOutputTokens: 500, thinking: true }))).toBe(1000);
    expect(outputCeiling(ModelConfig.parse({ family: "qwen", name: "qwen-plus", maxOutputTokens: 500 }))).toBe(500);
    // Gemini counts thinking inside maxOutputTokens.
    expect(outputCeiling(ModelConfig.parse({ family: "google", name: "gemini-2.5-flash", maxOutputTokens: 500, thinking: true, thinkingBudget: 400 }))).toBe(500);
  });
});

describe("providerFor", () => {
  it("serves offline without a key, the family's provider with one", async () => {
    const anthropic = agentWith({ family: "anthropic", name: "claude-haiku-4-5" });
    expect((await providerFor(e, anthropic, "org")).kind).toBe("offline");
    expect((await providerFor({ ...e, ANTHROPIC_API_KEY: "k" }, anthropic, "org")).kind).toBe("anthropic");
    // A named org secret that is not set: offline, not the platform key.
    const named = agentWith({ family: "anthropic", name: "claude-haiku-4-5", apiKeySecret: "MISSING" });
    expect((await providerFor({ ...e, ANTHROPIC_API_KEY: "k" }, named, "org")).kind).toBe("offline");
    // Once the org stores that secret, the agent uses it (and only that org's).
    await putOrgSecret(e, "org", "MISSING", "k", "test");
    expect((await providerFor(e, named, "org")).kind).toBe("anthropic");
    expect((await providerFor(e, named, "other-org")).kind).toBe("offline");
    // Self-hosted: an endpoint of the agent's own needs no key.
    const own = agentWith({ family: "openai-compatible", name: "llama3.1", baseURL: "http://10.0.0.5:11434/v1" });
    expect((await providerFor(e, own, "org")).kind).toBe("openai-compatible");
    expect((await providerFor(e, agentWith({ family: "offline" }), "org")).kind).toBe("offline");
  });
});
