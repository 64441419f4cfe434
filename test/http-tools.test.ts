/**
 * HTTP tools declared in an agent's config, against a real endpoint on loopback: arguments
 * into the URL and query, secret headers sent but never shown to the model, the timeout
 * bounded by the tool's own limit, the response cut at its size cap, errors as tool errors.
 */
import { once } from "node:events";
import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { agent, ScriptedModel } from "./helpers/model-server";
import { ADMIN_TOKEN, flatten, send, setupOrg, startConversation, startSwitchboard, type Switchboard, testAgent, trace } from "./helpers/switchboard";

const SECRET = "orders-secret-value-9f8e7d";
/** With the characters JSON and URLs escape: `/`, `+`, `=`. */
const ENC_SECRET = "enc/secret+value=42/xyz";
let sb: Switchboard;
let api: Server;
let apiUrl = "";
const seen: { url: string; headers: IncomingHttpHeaders }[] = [];
const model = new ScriptedModel();

beforeAll(async () => {
  api = createServer((req, res) => {
    seen.push({ url: req.url ?? "", headers: req.headers });
    if (req.url?.startsWith("/slow")) return void setTimeout(() => res.end("{}"), 5_000);
    if (req.url?.startsWith("/huge")) return void res.writeHead(200, { "content-type": "text/plain" }).end("x".repeat(100_000));
    if (req.url?.startsWith("/missing")) return void res.writeHead(404, { "content-type": "application/json" }).end('{"error":"no such order"}');
    if (req.url?.startsWith("/encoded")) {
      // The secret header echoed back in every form an echo commonly takes, escapes and all.
      const k = String(req.headers["x-api-key"]);
      const b = Buffer.from(k);
      const unicode = [...k].map((ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, "0")}`).join("");
      const raw = `{"escaped":"${k.replace(/\//g, "\\/")}","unicode":"${unicode}","b64":"${b.toString("base64")}","b64url":"${b.toString("base64url")}",` +
        `"b64inside":"${Buffer.from(`x${k}yz`).toString("base64")}","url":"${encodeURIComponent(k)}","hex":"${b.toString("hex")}","HEX":"${b.toString("hex").toUpperCase()}",` +
        `"nested":{"deep":["prefix ${k.replace(/\//g, "\\/")} suffix"]},"${k}":"as a key","authorization":"Basic ${Buffer.from(`user:${k}`).toString("base64")}"}`;
      const type = req.url.includes("text") ? "text/plain" : "application/json";
      return void res.writeHead(200, { "content-type": type }).end(raw);
    }
    if (req.url?.startsWith("/echo")) return void res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ headers: req.headers }));
    res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ order: req.url, status: "shipped" }));
  });
  api.listen(0, "127.0.0.1");
  await once(api, "listening");
  apiUrl = `http://127.0.0.1:${(api.address() as AddressInfo).port}`;
  await model.start();
  // The tool endpoint is on loopback: opened for this suite only.
  sb = await startSwitchboard({ vars: { OPENAI_API_KEY: "sk-test", OPENAI_BASE_URL: model.url }, allowPrivate: [apiUrl] });
  // The "tools" org's secret ORDERS_KEY (ADMIN_TOKEN is a platform secret an agent must never reach).
  await sb.putSecret("tools", "ORDERS_KEY", SECRET);
  await sb.putSecret("tools", "ENC_KEY", ENC_SECRET);
  const tool = (name: string, path: string, extra = {}) => ({
    name,
    description: `${name} tool`,
    parameters: { type: "object", properties: { orderId: { type: "string" }, verbose: { type: "boolean" } } },
    url: `${apiUrl}${path}`,
    secretHeaders: { "x-api-key": "ORDERS_KEY" },
    ...extra,
  });
  await setupOrg(sb, "tools", [
    testAgent("router", {
      httpTools: [
        tool("get_order", "/orders/{orderId}"),
        tool("slow_lookup", "/slow", { timeoutMs: 500 }),
        tool("huge_lookup", "/huge", { maxResponseBytes: 1000 }),
        tool("missing_lookup", "/missing"),
        tool("unset_secret", "/orders/x", { secretHeaders: { "x-api-key": "NOT_CONFIGURED" } }),
        tool("echo", "/echo"),
        tool("steal_admin", "/echo", { secretHeaders: { "x-api-key": "ADMIN_TOKEN" } }),
        tool("encoded_json", "/encoded", { secretHeaders: { "x-api-key": "ENC_KEY" } }),
        tool("encoded_text", "/encoded?text", { secretHeaders: { "x-api-key": "ENC_KEY" } }),
        {
          name: "typed",
          description: "typed tool",
          parameters: { type: "object", properties: { orderId: { type: "string", pattern: "^[A-Z]-\\d+$" } }, required: ["orderId"] },
          url: `${apiUrl}/orders/{orderId}`,
        },
      ],
    }),
  ]);
});
afterAll(async () => {
  await sb?.close();
  await model.stop();
  api?.closeAllConnections();
  api?.close();
});
beforeEach(() => {
  model.reset();
  seen.length = 0;
});

const results = () => (model.requests.at(-1)?.body.messages.filter((m) => m.role === "tool") ?? []).map((m) => JSON.parse(m.content ?? "{}"));

describe("HTTP tools", () => {
  it("fills the URL and query from the arguments and sends the secret header, which the model never sees", async () => {
    model.on(agent("[router]"), { toolCalls: [{ name: "get_order", arguments: { orderId: "A/17", verbose: true } }] }, { text: "Your order shipped." });
    const conv = await startConversation(sb, "tools");
    await send(sb, conv, "where is order A/17?");
    expect(seen[0]?.url).toBe("/orders/A%2F17?verbose=true");
    expect(seen[0]?.headers["x-api-key"]).toBe(SECRET);
    expect(results()[0]).toEqual({ order: "/orders/A%2F17?verbose=true", status: "shipped" });
    expect(JSON.stringify(model.requests.map((r) => r.body))).not.toContain(SECRET);
    const spans = flatten(await trace(sb, conv.id));
    expect(JSON.stringify(spans)).not.toContain(SECRET);
    expect(spans.find((s) => s.kind === "tool")).toMatchObject({ name: "get_order", status: "ok" });
  });

  it("times out at the tool's limit, cuts a large response, and reports HTTP and configuration errors", async () => {
    model.on(
      agent("[router]"),
      {
        toolCalls: [
          { name: "slow_lookup", arguments: {} },
          { name: "huge_lookup", arguments: {} },
          { name: "missing_lookup", arguments: {} },
          { name: "unset_secret", arguments: {} },
        ],
      },
      { text: "Some lookups failed." },
    );
    const conv = await startConversation(sb, "tools");
    const started = Date.now();
    await send(sb, conv, "look everything up");
    expect(Date.now() - started).toBeLessThan(4_500); // the 5 s endpoint did not hold the turn
    const [slow, huge, missing, unset] = results();
    expect(slow).toMatchObject({ error: { code: "timeout" } });
    expect(huge).toMatchObject({ truncated: true });
    expect(String(huge.body).length).toBe(1000);
    expect(missing).toMatchObject({ error: { code: "http_error", status: 404 } });
    expect(unset).toMatchObject({ error: { code: "misconfigured" } });
    expect(seen.some((s) => s.url.startsWith("/orders/x"))).toBe(false);
    const statuses = flatten(await trace(sb, conv.id)).filter((s) => s.kind === "tool").map((s) => `${s.name}:${s.status}`);
    expect(statuses.sort()).toEqual(["huge_lookup:ok", "missing_lookup:error", "slow_lookup:timeout", "unset_secret:error"]);
  });
});

describe("HTTP tool safety", () => {
  it("checks arguments against the tool's schema, sends only declared ones, and refuses '..' in the path", async () => {
    model.on(
      agent("[router]"),
      {
        toolCalls: [
          { id: "t1", name: "typed", arguments: { orderId: 42 } },
          { id: "t2", name: "typed", arguments: { orderId: "a/b" } },
          { id: "t3", name: "get_order", arguments: { orderId: ".." } },
          { id: "t4", name: "get_order", arguments: { orderId: "B-7", admin: "true" } },
        ],
      },
      { text: "checked" },
    );
    const conv = await startConversation(sb, "tools");
    await send(sb, conv, "look up");
    const [wrongType, wrongPattern, dots, extra] = results();
    expect(wrongType).toMatchObject({ error: { code: "invalid_arguments" } });
    expect(wrongPattern).toMatchObject({ error: { code: "invalid_arguments" } });
    expect(dots).toMatchObject({ error: { code: "invalid_arguments" } });
    expect(extra).toMatchObject({ status: "shipped" });
    // Only the valid call reached the endpoint, without the undeclared argument.
    expect(seen.map((s) => s.url)).toEqual(["/orders/B-7"]);
  });

  it("never reaches platform secrets, scrubs secrets from echoed answers, and passes the conversation id", async () => {
    model.on(agent("[router]"), { toolCalls: [{ name: "steal_admin", arguments: {} }, { name: "echo", arguments: {} }] }, { text: "done" });
    const conv = await startConversation(sb, "tools");
    await send(sb, conv, "echo");
    const [steal, echo] = results();
    expect(steal).toMatchObject({ error: { code: "misconfigured" } });
    expect(seen.some((s) => JSON.stringify(s.headers).includes(ADMIN_TOKEN))).toBe(false);
    // The endpoint got the real secret; the model sees it scrubbed.
    expect(seen.at(-1)?.headers["x-api-key"]).toBe(SECRET);
    expect(echo.headers["x-api-key"]).toBe("[secret]");
    expect(echo.headers["x-switchboard-conversation"]).toBe(conv.id);
    expect(JSON.stringify(model.requests.map((r) => r.body))).not.toContain(SECRET);
  });
});

describe("secret scrubbing", () => {
  /** Every form of the secret an answer must not carry to the model. */
  const forms = () => {
    const b = Buffer.from(ENC_SECRET);
    return [
      ENC_SECRET,
      ENC_SECRET.replace(/\//g, "\\/"),
      b.toString("base64"),
      b.toString("base64url"),
      Buffer.from(`x${ENC_SECRET}yz`).toString("base64").slice(4, 24),
      encodeURIComponent(ENC_SECRET),
      b.toString("hex"),
      b.toString("hex").toUpperCase(),
      "secret+value",
      "c2VjcmV0K3ZhbHVl", // base64 of a stretch of it
    ];
  };

  it("scrubs JSON-escaped, unicode-escaped, base64, URL-encoded and hex forms, in values, keys and nested strings", async () => {
    model.on(agent("[router]"), { toolCalls: [{ name: "encoded_json", arguments: {} }, { name: "encoded_text", arguments: {} }] }, { text: "done" });
    const conv = await startConversation(sb, "tools");
    await send(sb, conv, "echo it back");
    const toModel = JSON.stringify(model.requests.map((r) => r.body));
    for (const form of forms()) expect(toModel, form).not.toContain(form);
    const [json, text] = results();
    // What was not a secret is still there.
    expect(Object.keys(json)).toContain("escaped");
    expect(json.nested.deep[0]).toBe("prefix [secret] suffix");
    expect(json.escaped).toBe("[secret]");
    expect(json.unicode).toBe("[secret]");
    expect(json.authorization).toContain("[secret]");
    expect(json["[secret]"]).toBe("as a key");
    expect(String(text.body)).toContain('"escaped":"[secret]"');
    const spans = JSON.stringify(flatten(await trace(sb, conv.id)));
    for (const form of forms()) expect(spans, form).not.toContain(form);
  });
});
