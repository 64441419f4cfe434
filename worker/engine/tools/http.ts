/**
 * HTTP tools declared in an agent's config. The model's arguments are checked against the
 * tool's JSON Schema (only declared properties are sent); they fill `{name}` placeholders in
 * the URL (a `.` or `..` segment is refused, so a prompt-injected argument cannot walk the
 * path) and the rest go in the query (GET) or a JSON body (POST). Secret headers are the
 * org's own secrets (config/secrets.ts), read at call time, never shown to a model, and
 * scrubbed from what the endpoint answers in every encoding (scrub.ts). A verified visitor
 * identity is passed on, so the backend can authorize. An absolute URL goes out through the
 * outbound guard (no private addresses, redirects checked, secrets never sent to another
 * origin); a relative one is served in-process. The call is bounded by the tool's timeout and
 * by the run's deadline, and the response by a size cap.
 */
import { z } from "zod";
import type { HttpToolConfig } from "../../../shared/config";
import { orgSecret } from "../../config/secrets";
import { readLimited } from "../../http/read-limited";
import { fetchLocally } from "../../local-app";
import { FetchFailed, guardedFetch, UrlRefused } from "../../net/outbound";
import { DeadlineExceeded, raceSignal, RunCancelled } from "../abort";
import { secretScrubber } from "./scrub";
import { type RunContext, type ToolHandler, toolError, toolOk } from "../types";

export function httpTool(config: HttpToolConfig): ToolHandler {
  return {
    spec: { name: config.name, description: config.description, parameters: config.parameters },
    // runTool records this call's span; the outcome says how it went.
    run: (ctx, _call, args) => callHttpTool(ctx, config, args),
  };
}

const validators = new Map<string, z.ZodType | null>();

/** The tool's parameters as a zod validator (null when the schema cannot be used). */
function validatorFor(config: HttpToolConfig): z.ZodType | null {
  const key = JSON.stringify(config.parameters);
  if (!validators.has(key)) {
    try {
      validators.set(key, z.fromJSONSchema(config.parameters as Parameters<typeof z.fromJSONSchema>[0]));
    } catch {
      validators.set(key, null);
    }
  }
  return validators.get(key) ?? null;
}

/** What one call needs of its run (the console's "try it" calls it outside any run). */
export type HttpCallContext = Pick<RunContext, "env" | "orgId" | "conversationId" | "visitor" | "deadline" | "signal">;

export async function callHttpTool(ctx: HttpCallContext, config: HttpToolConfig, raw: Record<string, unknown>) {
  const checked = validatorFor(config)?.safeParse(raw);
  if (checked && !checked.success) {
    return toolError("invalid_arguments", checked.error.issues.map((i) => `${i.path.join(".") || "arguments"}: ${i.message}`).join("; "));
  }
  const declared = (config.parameters as { properties?: Record<string, unknown> }).properties;
  const rest: Record<string, unknown> = declared ? Object.fromEntries(Object.entries(raw).filter(([k]) => k in declared)) : { ...raw };
  let badSegment = false;
  const path = config.url.replace(/\{(\w+)\}/g, (_, name: string) => {
    const value = rest[name] === undefined ? "" : String(rest[name]);
    delete rest[name];
    if (value === "." || value === "..") badSegment = true;
    return encodeURIComponent(value);
  });
  if (badSegment) return toolError("invalid_arguments", "a path argument may not be '.' or '..'");
  const url = new URL(path, "http://switchboard.internal");
  if (config.method === "GET") {
    for (const [k, v] of Object.entries(rest)) if (v !== undefined && v !== null) url.searchParams.set(k, String(v));
  }
  const headers = new Headers(config.headers);
  const secrets: string[] = [];
  for (const [header, secretName] of Object.entries(config.secretHeaders)) {
    const value = await orgSecret(ctx.env, ctx.orgId, secretName);
    if (!value) return toolError("misconfigured", `the secret ${secretName} for header ${header} is not set for this org`);
    headers.set(header, value);
    secrets.push(value);
  }
  headers.set("x-switchboard-conversation", ctx.conversationId);
  if (ctx.visitor) {
    headers.set("x-switchboard-user-id", ctx.visitor.userId);
    if (ctx.visitor.email) headers.set("x-switchboard-user-email", ctx.visitor.email);
  }
  if (config.method === "POST") headers.set("content-type", "application/json");
  // An endpoint that echoes its request must not hand a secret to the model, in any encoding.
  const scrub = secretScrubber(secrets);

  const budget = Math.min(config.timeoutMs, ctx.deadline - Date.now());
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(new DeadlineExceeded(`no answer within ${budget} ms`)), Math.max(0, budget));
  const onAbort = () => controller.abort(ctx.signal.reason);
  ctx.signal.addEventListener("abort", onAbort, { once: true });
  try {
    const payload = config.method === "POST" ? JSON.stringify(rest) : undefined;
    // A relative URL is one of Switchboard's own endpoints: serve it in-process. Anything
    // else goes out through the guard, which keeps the secret and visitor headers from
    // following a redirect to another origin.
    const response = config.url.startsWith("/")
      ? await raceSignal(fetchLocally(new Request(url.href, { method: config.method, headers, body: payload, signal: controller.signal }), ctx.env), controller.signal)
      : (
          await guardedFetch(ctx.env, url.href, {
            method: config.method,
            headers,
            body: payload,
            signal: controller.signal,
            secretHeaders: [...Object.keys(config.secretHeaders), "x-switchboard-user-id", "x-switchboard-user-email"],
          })
        ).response;
    const { bytes, truncated, reader } = await readLimited(response.body, config.maxResponseBytes, controller.signal);
    if (truncated) await reader?.cancel();
    const text = scrub.text(new TextDecoder().decode(bytes));
    if (!response.ok) {
      return toolError("http_error", `the endpoint answered ${response.status}`, "error", { status: response.status, body: text.slice(0, 500) });
    }
    let body: unknown = text;
    if (!truncated && (response.headers.get("content-type") ?? "").includes("json")) {
      try {
        // Parsed, escapes are undone: the tree is scrubbed again, value by value.
        body = scrub.value(JSON.parse(text));
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
    if (reason instanceof UrlRefused) return toolError("url_refused", reason.message);
    if (reason instanceof FetchFailed) return toolError("http_error", reason.message);
    return toolError("http_error", `${config.name} failed`);
  } finally {
    clearTimeout(timer);
    ctx.signal.removeEventListener("abort", onAbort);
  }
}
