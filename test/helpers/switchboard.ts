/**
 * Starts the real worker in workerd (Miniflare) from the bundle `wrangler deploy --dry-run`
 * produced (see global-setup.ts), with real Durable Objects, D1 and KV in memory, the
 * migrations applied, and optionally the demo seeded. Tests talk to it from outside, over
 * HTTP and WebSocket, like any client, and read D1/KV directly to check what was stored.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { Log, LogLevel, Miniflare } from "miniflare";
import { unstable_getMiniflareWorkerOptions, unstable_splitSqlQuery } from "wrangler";
import type { AgentConfigInput, SiteConfigInput } from "../../shared/config";
import type { ServerEvent } from "../../shared/protocol";
import type { TraceNode } from "../../shared/trace";

export const ROOT = join(import.meta.dirname, "..", "..");
export const BUNDLE_DIR = join(ROOT, ".build", "worker");
export const ADMIN_TOKEN = "test-admin-token-0123456789";
export const SESSION_SECRET = "test-session-secret-0123456789";
export const BILLING_API_KEY = "test-billing-key-0123456789";
export const STAFF_PASSWORD = "staff-password-123";

export const SECRETS_KEY = "test-secrets-key-0123456789abcdefghij";

export interface StartOptions {
  vars?: Record<string, string>;
  /** Loopback servers this suite's tenants may reach (URLs or host:port): ALLOW_PRIVATE_URLS. */
  allowPrivate?: string[];
  seed?: boolean;
  /** A fixed port (browser tests that reload pages keep one); default: any free port. */
  port?: number;
  /** Another entry module inside the bundle directory (the bench's D1-counting wrapper). */
  main?: string;
  /** Options laid over the worker's own (from wrangler.toml), e.g. a queue consumer's batching. */
  worker?: Record<string, unknown>;
}

/** The subset of D1's API the tests use, served by the test gate over HTTP. */
export interface TestD1 {
  prepare(sql: string): TestStatement;
}
export interface TestStatement {
  bind(...params: unknown[]): TestStatement;
  first<T = Record<string, unknown>>(): Promise<T | null>;
  all<T = Record<string, unknown>>(): Promise<{ results: T[] }>;
  run(): Promise<{ meta: { changes: number } }>;
}
export interface TestKV {
  get(key: string, type?: "json" | "text"): Promise<unknown>;
  put(key: string, value: string): Promise<void>;
  delete(key: string): Promise<void>;
}

export interface Switchboard {
  /** The worker's origin (it changes when the process is restarted). */
  readonly url: string;
  mf: Miniflare;
  db: TestD1;
  kv: TestKV;
  fetch(path: string, init?: RequestInit): Promise<Response>;
  admin(path: string, init?: RequestInit): Promise<Response>;
  putAgent(orgId: string, agent: AgentConfigInput): Promise<void>;
  putSite(site: SiteConfigInput): Promise<void>;
  /** Stores an org secret through the admin API. */
  putSecret(orgId: string, name: string, value: string): Promise<void>;
  /** The keys of the objects in the ATTACHMENTS bucket under a prefix. */
  r2Keys(prefix: string): Promise<string[]>;
  /** Writes the org's pending usage-ledger rows to D1 now (they are batched otherwise). */
  flushUsage(orgId: string): Promise<number>;
  /**
   * Kills workerd (SIGKILL, like a crash) and starts it again on the same storage: what was
   * in memory is gone, what was stored is there.
   */
  restart(): Promise<void>;
  close(): Promise<void>;
}

/**
 * Waits until `check` answers something other than undefined/false, asking again every 50 ms,
 * for at most `timeoutMs` — for what the worker finishes after answering (queued facts, a
 * batched ledger). Fails with `what` when it does not happen.
 */
export async function eventually<T>(check: () => Promise<T | undefined | false>, what: string, timeoutMs = 20_000): Promise<T> {
  const until = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < until) {
    try {
      const value = await check();
      if (value !== undefined && value !== false) return value;
    } catch (error) {
      last = error;
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`timed out waiting for ${what}${last ? ` (last error: ${String(last)})` : ""}`);
}

/** Waits until D1 holds `count` turn fact rows for the conversation (written by the queue's consumer). */
export async function waitForTurnFacts(sb: Switchboard, conversationId: string, count: number) {
  return eventually(async () => {
    const rows = await sb.db.prepare("SELECT * FROM turn_facts WHERE conversation_id = ? ORDER BY ended_at").bind(conversationId).all<Record<string, unknown>>();
    return rows.results.length >= count ? rows.results : undefined;
  }, `${count} turn fact(s) of ${conversationId}`);
}

// No network in tests: skip miniflare's download of a sample `request.cf` object.
process.env.CLOUDFLARE_CF_FETCH_ENABLED ??= "false";

/**
 * A tiny worker in front of the app, for tests only: `/__test/*` reads and writes the same D1
 * and KV the app uses (over plain HTTP: Miniflare's synchronous binding proxy is racy under
 * load), everything else goes to the app through a service binding.
 */
const GATE = `
export default {
  async fetch(request, env) {
    const url = new URL(request.url);
    if (url.pathname === "/__test/d1") {
      const { sql, params, method } = await request.json();
      const statement = env.DB.prepare(sql).bind(...params);
      const result = method === "first" ? await statement.first() : method === "all" ? await statement.all() : await statement.run();
      return Response.json({ result });
    }
    if (url.pathname === "/__test/flush-usage") {
      const { orgId } = await request.json();
      return Response.json({ result: await env.ORG.get(env.ORG.idFromName(orgId)).flushLedger() });
    }
    if (url.pathname === "/__test/r2") {
      const { prefix } = await request.json();
      return Response.json({ result: (await env.ATTACHMENTS.list({ prefix })).objects.map((o) => o.key) });
    }
    if (url.pathname === "/__test/kv") {
      const { op, key, value, type } = await request.json();
      if (op === "get") return Response.json({ result: await env.CONFIG.get(key, type) });
      if (op === "put") await env.CONFIG.put(key, value);
      if (op === "delete") await env.CONFIG.delete(key);
      return Response.json({ result: null });
    }
    return env.APP.fetch(request);
  },
};`;

export async function startSwitchboard(options: StartOptions = {}): Promise<Switchboard> {
  const { workerOptions } = unstable_getMiniflareWorkerOptions(join(ROOT, "wrangler.toml"));
  const dbId = "test-d1";
  const kvId = "test-kv";
  const mfOptions = {
    host: "127.0.0.1",
    // SB_LOG=1 shows workerd's own output (the worker's console) in the test's output.
    ...(process.env.SB_LOG
      ? {
          log: new Log(LogLevel.DEBUG),
          handleRuntimeStdio: (out: NodeJS.ReadableStream, err: NodeJS.ReadableStream) => {
            out.on("data", (d) => console.log(String(d)));
            err.on("data", (d) => console.error(String(d)));
          },
        }
      : {}),
    port: options.port ?? 0,
    workers: [
      {
        name: "test-gate",
        modules: true,
        script: GATE,
        compatibilityDate: workerOptions.compatibilityDate,
        serviceBindings: { APP: "switchboard" },
        d1Databases: { DB: dbId },
        kvNamespaces: { CONFIG: kvId },
        r2Buckets: workerOptions.r2Buckets,
        durableObjects: { ORG: { className: "OrgDO", scriptName: "switchboard" } },
      },
      {
        ...workerOptions,
        name: "switchboard",
        modules: [{ type: "ESModule", path: join(BUNDLE_DIR, options.main ?? "index.js") }, ...(options.main ? [{ type: "ESModule" as const, path: join(BUNDLE_DIR, "index.js") }] : [])],
        modulesRoot: BUNDLE_DIR,
        d1Databases: { DB: dbId },
        kvNamespaces: { CONFIG: kvId },
        // Only what the test says: never the developer's .dev.vars.
        bindings: {
          APP_VERSION: "test",
          ADMIN_TOKEN,
          SESSION_SECRET,
          SECRETS_KEY,
          DEMO_BILLING_API_KEY: BILLING_API_KEY,
          ...(options.allowPrivate?.length ? { ALLOW_PRIVATE_URLS: options.allowPrivate.map(hostPort).join(",") } : {}),
          DEMO_STAFF_PASSWORD: STAFF_PASSWORD,
          WEBHOOK_RETRY_BASE_MS: "200",
          // Suites share one loopback IP; the rate-limit suite sets its own low limits.
          RATE_LIMIT_STARTS_PER_IP: "100000",
          RATE_LIMIT_SENDS_PER_IP: "100000",
          RATE_LIMIT_SENDS_PER_VISITOR: "100000",
          RATE_LIMIT_LOGINS_PER_IP: "100000",
          RATE_LIMIT_ACTIONS_PER_IP: "100000",
          ...options.vars,
        },
        assets: workerOptions.assets ? { ...workerOptions.assets, directory: join(ROOT, "dist", "public") } : undefined,
        ...options.worker,
      },
    ],
  } as ConstructorParameters<typeof Miniflare>[0];
  const mf = new Miniflare(mfOptions);
  let url = (await mf.ready).origin;
  const gate = async (path: string, body: unknown) => {
    const res = await fetch(`${url}${path}`, { method: "POST", body: JSON.stringify(body) });
    if (!res.ok) throw new Error(`${path}: ${res.status} ${await res.text()}`);
    return ((await res.json()) as { result: unknown }).result;
  };
  const db: TestD1 = {
    prepare(sql) {
      const statement = (params: unknown[]): TestStatement => ({
        bind: (...more) => statement([...params, ...more]),
        first: async <T>() => (await gate("/__test/d1", { sql, params, method: "first" })) as T | null,
        all: async <T>() => (await gate("/__test/d1", { sql, params, method: "all" })) as { results: T[] },
        run: async () => (await gate("/__test/d1", { sql, params, method: "run" })) as { meta: { changes: number } },
      });
      return statement([]);
    },
  };
  const kv: TestKV = {
    get: (key, type = "text") => gate("/__test/kv", { op: "get", key, type }),
    put: async (key, value) => void (await gate("/__test/kv", { op: "put", key, value })),
    delete: async (key) => void (await gate("/__test/kv", { op: "delete", key })),
  };
  await applyMigrations(db);

  const sb: Switchboard = {
    get url() {
      return url;
    },
    mf,
    db,
    kv,
    fetch: (path, init) => fetch(`${sb.url}${path}`, init),
    admin: (path, init = {}) =>
      fetch(`${url}${path}`, {
        ...init,
        headers: { authorization: `Bearer ${ADMIN_TOKEN}`, ...(init.body ? { "content-type": "application/json" } : {}), ...init.headers },
      }),
    async putAgent(orgId, agent) {
      const current = (await kv.get(`agent:${orgId}:${agent.id}`, "json")) as { version: number } | null;
      const stored = JSON.stringify({ version: (current?.version ?? 0) + 1, updatedAt: new Date().toISOString(), config: await parseAgent(agent) });
      await kv.put(`agent:${orgId}:${agent.id}`, stored);
    },
    async putSite(site) {
      await kv.put(`site:${site.key}`, JSON.stringify(await parseSite(site)));
      await db.prepare("INSERT OR IGNORE INTO orgs (id, name) VALUES (?, ?)").bind(site.orgId, site.orgId).run();
      await db.prepare("INSERT OR IGNORE INTO sites (key, org_id, name) VALUES (?, ?, ?)").bind(site.key, site.orgId, site.name).run();
    },
    async putSecret(orgId, name, value) {
      await db.prepare("INSERT OR IGNORE INTO orgs (id, name) VALUES (?, ?)").bind(orgId, orgId).run();
      const res = await sb.admin(`/api/admin/orgs/${orgId}/secrets/${name}`, { method: "PUT", body: JSON.stringify({ value }) });
      if (!res.ok) throw new Error(`put secret ${orgId}/${name}: ${res.status} ${await res.text()}`);
    },
    r2Keys: async (prefix) => (await gate("/__test/r2", { prefix })) as string[],
    flushUsage: async (orgId) => ((await gate("/__test/flush-usage", { orgId })) as { written: number }).written,
    async restart() {
      // setOptions stops the runtime with SIGKILL and starts a new one on the same storage.
      await mf.setOptions(mfOptions);
      url = (await mf.ready).origin;
    },
    close: () => mf.dispose(),
  };
  if (options.seed) {
    const res = await sb.admin("/api/admin/demo/seed", { method: "POST" });
    if (!res.ok) throw new Error(`seed failed: ${res.status} ${await res.text()}`);
  }
  return sb;
}

/** `http://127.0.0.1:4321/v1` → `127.0.0.1:4321` (a host:port is kept as it is). */
export function hostPort(urlOrHost: string): string {
  return /^[a-z]+:\/\//i.test(urlOrHost) ? new URL(urlOrHost).host : urlOrHost;
}

async function parseAgent(agent: AgentConfigInput) {
  const { AgentConfig } = await import("../../shared/config");
  return AgentConfig.parse(agent);
}
async function parseSite(site: SiteConfigInput) {
  const { SiteConfig } = await import("../../shared/config");
  return SiteConfig.parse(site);
}

async function applyMigrations(db: TestD1): Promise<void> {
  const dir = join(ROOT, "migrations");
  for (const file of readdirSync(dir).filter((f) => f.endsWith(".sql")).sort()) {
    for (const statement of unstable_splitSqlQuery(readFileSync(join(dir, file), "utf8"))) {
      await db.prepare(statement).run();
    }
  }
}

// ---- visitor helpers ----------------------------------------------------------------

export const LOCAL_ORIGIN = "http://localhost:5173";

export async function startConversation(sb: Switchboard, siteKey = "demo", origin = LOCAL_ORIGIN): Promise<{ id: string; token: string }> {
  const res = await sb.fetch(`/api/sites/${siteKey}/conversations`, {
    method: "POST",
    headers: { origin, "content-type": "application/json" },
    body: "{}",
  });
  if (res.status !== 201) throw new Error(`start conversation: ${res.status} ${await res.text()}`);
  const body = (await res.json()) as { conversationId: string; token: string };
  return { id: body.conversationId, token: body.token };
}

/** Reads an SSE response to its end (or until `until` says stop) as parsed events. */
export async function readSse(res: Response, until?: (e: ServerEvent) => boolean): Promise<ServerEvent[]> {
  const events: ServerEvent[] = [];
  const reader = (res.body as ReadableStream<Uint8Array>).getReader();
  const decoder = new TextDecoder();
  let buffer = "";
  while (true) {
    const { done, value } = await reader.read();
    if (done) break;
    buffer += decoder.decode(value, { stream: true });
    let cut: number;
    while ((cut = buffer.indexOf("\n\n")) >= 0) {
      const frame = buffer.slice(0, cut);
      buffer = buffer.slice(cut + 2);
      const type = frame.match(/^event: (.*)$/m)?.[1];
      const data = frame.match(/^data: (.*)$/m)?.[1];
      if (!type || data === undefined) continue;
      const event = { type, data: JSON.parse(data) } as ServerEvent;
      events.push(event);
      if (until?.(event)) {
        await reader.cancel();
        return events;
      }
    }
  }
  return events;
}

export async function send(sb: Switchboard, conv: { id: string; token: string }, text: string, clientMessageId = randomClientId()) {
  const post = () =>
    sb.fetch(`/api/conversations/${conv.id}/messages`, {
      method: "POST",
      headers: { authorization: `Bearer ${conv.token}`, "content-type": "application/json" },
      body: JSON.stringify({ clientMessageId, text }),
    });
  // Under many concurrent requests workerd can close a pooled keep-alive connection just as
  // it is reused, before the request is read; a send is idempotent on its clientMessageId,
  // so it is simply sent again, as the widget would.
  const resend = (attempt: number) => (error: { cause?: { code?: string } }): Promise<Response> => {
    if (attempt < 3 && ["UND_ERR_SOCKET", "ECONNRESET", "EPIPE"].includes(error.cause?.code ?? "")) return post().catch(resend(attempt + 1));
    throw error;
  };
  const res = await post().catch(resend(1));
  if (!res.ok) throw new Error(`send: ${res.status} ${await res.text()}`);
  const events = await readSse(res);
  const reply = events.filter((e) => e.type === "message" && e.data.role !== "user").map((e) => (e as Extract<ServerEvent, { type: "message" }>).data);
  return { events, reply: reply[reply.length - 1], clientMessageId };
}

export function randomClientId(): string {
  return `cm_${Math.random().toString(36).slice(2)}${Date.now().toString(36)}`;
}

export async function transcript(sb: Switchboard, conv: { id: string; token: string }, after = 0) {
  const res = await sb.fetch(`/api/conversations/${conv.id}/messages?after=${after}`, { headers: { authorization: `Bearer ${conv.token}` } });
  if (!res.ok) throw new Error(`transcript: ${res.status}`);
  return (await res.json()) as { status: string; messages: { id: string; seq: number; role: string; text: string; clientMessageId?: string; sources?: { id: string; title: string; url?: string }[]; author?: string; offline?: boolean }[]; more: boolean };
}


export async function trace(sb: Switchboard, conversationId: string): Promise<TraceNode[]> {
  const res = await sb.admin(`/api/admin/conversations/${conversationId}/trace`);
  if (!res.ok) throw new Error(`trace: ${res.status} ${await res.text()}`);
  return ((await res.json()) as { roots: TraceNode[] }).roots;
}

/** Every span of a trace, depth first. */
export function flatten(nodes: TraceNode[]): TraceNode[] {
  return nodes.flatMap((n) => [n, ...flatten(n.children)]);
}

/** The path of span kinds:names from a root to each span, for readable assertions. */
export function paths(nodes: TraceNode[], prefix = ""): string[] {
  return nodes.flatMap((n) => {
    const p = `${prefix}${prefix ? " > " : ""}${n.kind}:${n.name}`;
    return [p, ...paths(n.children, p)];
  });
}

/** A test org with its own site (allowed origin: LOCAL_ORIGIN) and agents. */
export async function setupOrg(
  sb: Switchboard,
  orgId: string,
  agents: AgentConfigInput[],
  entryAgent = agents[0]?.id ?? "router",
  site: Partial<SiteConfigInput> = {},
) {
  await sb.putSite({ key: orgId, orgId, name: orgId, allowedOrigins: [LOCAL_ORIGIN, "http://127.0.0.1:*"], entryAgent, ...site });
  for (const a of agents) await sb.putAgent(orgId, a);
}

/** A minimal agent config for scripted-model tests: its instructions carry `[id]` to route on. */
export function testAgent(id: string, extra: Partial<AgentConfigInput> = {}): AgentConfigInput {
  return {
    id,
    name: id[0]?.toUpperCase() + id.slice(1),
    description: `The ${id} agent.`,
    instructions: `You are [${id}].`,
    model: { name: `model-${id}`, maxTokens: 50 },
    ...extra,
  };
}

// ---- staff helpers --------------------------------------------------------------------

export interface StaffClient {
  cookie: string;
  csrf: string;
  staff: { id: string; name: string; orgId: string };
  get(path: string): Promise<Response>;
  post(path: string, body?: unknown, headers?: Record<string, string>): Promise<Response>;
}

/** Signs a staff member in through the API and keeps the session cookie and CSRF token. */
export async function staffLogin(sb: Switchboard, email: string, password = STAFF_PASSWORD): Promise<StaffClient> {
  const res = await sb.fetch("/api/staff/login", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ email, password }) });
  if (!res.ok) throw new Error(`login ${email}: ${res.status} ${await res.text()}`);
  const cookie = (res.headers.get("set-cookie") ?? "").split(";")[0] ?? "";
  const body = (await res.json()) as { csrfToken: string; staff: StaffClient["staff"] };
  return {
    cookie,
    csrf: body.csrfToken,
    staff: body.staff,
    get: (path) => sb.fetch(path, { headers: { cookie } }),
    post: (path, payload = {}, headers = {}) =>
      sb.fetch(path, {
        method: "POST",
        headers: { cookie, "x-csrf-token": body.csrfToken, "content-type": "application/json", origin: sb.url, ...headers },
        body: JSON.stringify(payload),
      }),
  };
}

/** Creates a staff account directly in D1 (the admin API comes in a later issue). */
export async function addStaff(sb: Switchboard, orgId: string, email: string, name: string, password = STAFF_PASSWORD) {
  const { pbkdf2Sync, randomBytes } = await import("node:crypto");
  const salt = randomBytes(16);
  const hash = pbkdf2Sync(password, salt, 100_000, 32, "sha256").toString("base64url");
  await sb.db
    .prepare("INSERT INTO staff (id, org_id, email, name, password_hash, role) VALUES (?, ?, ?, ?, ?, 'agent')")
    .bind(`st_${email.replace(/\W/g, "")}`, orgId, email, name, `pbkdf2$100000$${salt.toString("base64url")}$${hash}`)
    .run();
}
