/**
 * HTTP tools declared in an agent's config. Arguments fill `{name}` placeholders in the URL
 * and the rest go in the query (GET) or a JSON body (POST). Secret headers are read from the
 * environment at call time and never shown to a model. The call is bounded by the tool's
 * timeout and by the run's deadline, and the response by a size cap.
 */
import type { HttpToolConfig } from "../../../shared/config";
import { app } from "../../app";
import { readLimited } from "../../http/read-limited";
import { DeadlineExceeded, raceSignal, RunCancelled } from "../abort";
import { type RunContext, type ToolHandler, toolError, toolOk } from "../types";

export function httpTool(config: HttpToolConfig): ToolHandler {
  return {
    spec: { name: config.name, description: config.description, parameters: config.parameters },
    // runTool records this call's span; the outcome says how it went.
    run: (ctx, _call, args) => callHttpTool(ctx, config, args),
  };
}

async function callHttpTool(ctx: RunContext, config: HttpToolConfig, args: Record<string, unknown>) {
  const rest: Record<string, unknown> = { ...args };
  const path = config.url.replace(/\{(\w+)\}/g, (_, name: string) => {
    const value = rest[name];
    delete rest[name];
    return encodeURIComponent(value === undefined ? "" : String(value));
  });
  const url = new URL(path, "http://switchboard.internal");
  if (config.method === "GET") {
    for (const [k, v] of Object.entries(rest)) if (v !== undefined && v !== null) url.searchParams.set(k, String(v));
  }
  const headers = new Headers(config.headers);
  for (const [header, secretName] of Object.entries(config.secretHeaders)) {
    const value = ctx.env[secretName];
    if (typeof value !== "string" || !value) {
      return toolError("misconfigured", `the secret ${secretName} for header ${header} is not set`);
    }
    headers.set(header, value);
  }
  if (config.method === "POST") headers.set("content-type", "application/json");

  const budget = Math.min(config.timeoutMs, ctx.deadline - Date.now());
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(new DeadlineExceeded(`no answer within ${budget} ms`)), Math.max(0, budget));
  const onAbort = () => controller.abort(ctx.signal.reason);
  ctx.signal.addEventListener("abort", onAbort, { once: true });
  try {
    const request = new Request(url.href, {
      method: config.method,
      headers,
      body: config.method === "POST" ? JSON.stringify(rest) : undefined,
      signal: controller.signal,
    });
    // A relative URL is one of Switchboard's own endpoints: serve it in-process.
    const response = config.url.startsWith("/")
      ? await raceSignal(Promise.resolve(app.fetch(request, ctx.env)), controller.signal)
      : await fetch(request);
    const { bytes, truncated, reader } = await readLimited(response.body, config.maxResponseBytes, controller.signal);
    if (truncated) await reader?.cancel();
    const text = new TextDecoder().decode(bytes);
    if (!response.ok) {
      return toolError("http_error", `the endpoint answered ${response.status}`, "error", { status: response.status, body: text.slice(0, 500) });
    }
    let body: unknown = text;
    if (!truncated && (response.headers.get("content-type") ?? "").includes("json")) {
      try {
        body = JSON.parse(text);
      } catch {
        body = text;
      }
    }
    if (body && typeof body === "object" && !Array.isArray(body) && !truncated) return toolOk(body);
    return toolOk({ status: response.status, body, ...(truncated ? { truncated: true, note: `response cut at ${config.maxResponseBytes} bytes` } : {}) });
  } catch (error) {
    const reason = controller.signal.aborted ? controller.signal.reason : error;
    if (reason instanceof RunCancelled) return toolError("cancelled", "the run was cancelled", "cancelled");
    if (reason instanceof DeadlineExceeded) return toolError("timeout", `${config.name} timed out`, "timeout");
    return toolError("http_error", reason instanceof Error ? reason.message : String(reason));
  } finally {
    clearTimeout(timer);
    ctx.signal.removeEventListener("abort", onAbort);
  }
}
