/**
 * What model tokens cost: list prices in US dollars per million tokens (input / output), as
 * each provider published them on its pricing page in late 2025 — the same figures as README
 * "Model families", not re-checked since: prices change, and an org overrides any of them. Cached-input
 * discounts, batch prices and long-context surcharges are left out: this is the standard
 * rate of a chat call. An org can override any entry (and add its own models, a negotiated
 * rate, a self-hosted model's cost) in its insights settings (`prices`); a model found in
 * neither has no cost, and the API says so rather than guessing.
 *
 * Entries match a model name by prefix, longest first: `gpt-4o-mini-2024-07-18` is
 * `gpt-4o-mini`, `claude-sonnet-4-5-20250929` is `claude-sonnet-4-5`.
 */
/** When the list prices below are from. */
export const PRICES_AS_OF = "late 2025";

export interface Price {
  /** USD per million input tokens. */
  input: number;
  /** USD per million output tokens. */
  output: number;
}

export const LIST_PRICES: Record<string, Price> = {
  // OpenAI
  "gpt-5-nano": { input: 0.05, output: 0.4 },
  "gpt-5-mini": { input: 0.25, output: 2 },
  "gpt-5": { input: 1.25, output: 10 },
  "gpt-4.1-nano": { input: 0.1, output: 0.4 },
  "gpt-4.1-mini": { input: 0.4, output: 1.6 },
  "gpt-4.1": { input: 2, output: 8 },
  "gpt-4o-mini": { input: 0.15, output: 0.6 },
  "gpt-4o": { input: 2.5, output: 10 },
  "o4-mini": { input: 1.1, output: 4.4 },
  "o3-mini": { input: 1.1, output: 4.4 },
  o3: { input: 2, output: 8 },
  // Anthropic
  "claude-opus-4": { input: 15, output: 75 },
  "claude-sonnet-4": { input: 3, output: 15 },
  "claude-3-7-sonnet": { input: 3, output: 15 },
  "claude-3-5-sonnet": { input: 3, output: 15 },
  "claude-3-5-haiku": { input: 0.8, output: 4 },
  "claude-haiku-4": { input: 1, output: 5 },
  // Google
  "gemini-2.5-pro": { input: 1.25, output: 10 },
  "gemini-2.5-flash-lite": { input: 0.1, output: 0.4 },
  "gemini-2.5-flash": { input: 0.3, output: 2.5 },
  "gemini-2.0-flash-lite": { input: 0.075, output: 0.3 },
  "gemini-2.0-flash": { input: 0.1, output: 0.4 },
  // xAI
  "grok-4-fast": { input: 0.2, output: 0.5 },
  "grok-4": { input: 3, output: 15 },
  "grok-3-mini": { input: 0.3, output: 0.5 },
  "grok-3": { input: 3, output: 15 },
  // DeepSeek
  // V3.2: one price for both.
  "deepseek-chat": { input: 0.28, output: 0.42 },
  "deepseek-reasoner": { input: 0.28, output: 0.42 },
  // Qwen (Alibaba Cloud Model Studio, international)
  "qwen3-max": { input: 1.2, output: 6 },
  "qwen-max": { input: 1.6, output: 6.4 },
  "qwen-plus": { input: 0.4, output: 1.2 },
  "qwen-turbo": { input: 0.05, output: 0.2 },
  "qwen-flash": { input: 0.05, output: 0.4 },
  // GLM (Z.ai)
  "glm-4.6": { input: 0.6, output: 2.2 },
  "glm-4.5-air": { input: 0.2, output: 1.1 },
  "glm-4.5": { input: 0.6, output: 2.2 },
  // The offline provider costs nothing.
  offline: { input: 0, output: 0 },
};

/** The price of a model: the org's override, else the list price; null when neither knows it. */
export function priceOf(model: string, overrides: Record<string, Price> = {}): Price | null {
  const name = model.toLowerCase();
  // The org's own prices first (an entry of theirs for `gpt-4o` prices `gpt-4o-mini` too), then the list.
  for (const table of [overrides, LIST_PRICES]) {
    if (table[model]) return table[model] ?? null;
    let best: string | null = null;
    for (const key of Object.keys(table)) if (name.startsWith(key.toLowerCase()) && (!best || key.length > best.length)) best = key;
    if (best) return table[best] ?? null;
  }
  return null;
}

/** A model's price and whether it is the org's own, the list price, or unknown. */
export function priceSourceOf(model: string, overrides: Record<string, Price>): { price: Price | null; priceSource: "org" | "list" | "unknown" } {
  const own = Object.keys(overrides).some((k) => model.toLowerCase().startsWith(k.toLowerCase()));
  const price = priceOf(model, overrides);
  return { price, priceSource: price === null ? "unknown" : own ? "org" : "list" };
}

/** USD for these tokens, or null when the model's price is unknown. */
export function costOf(model: string, tokensIn: number, tokensOut: number, overrides: Record<string, Price> = {}): number | null {
  const price = priceOf(model, overrides);
  if (!price) return null;
  return (tokensIn * price.input + tokensOut * price.output) / 1_000_000;
}
