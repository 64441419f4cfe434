/**
 * A store written by the previous version keeps working: what that version kept in D1 on
 * every turn (the conversation index, the spans, the budget rules and counters) is written
 * here in its old shape — and the conversation's own object as that version left it (its
 * meta without a storage version) — before anything of this version touches it. Then the
 * org's objects and the conversation's object take it over on first use: old conversations
 * are listed, old traces read, budget counters carried on, and the conversation goes on.
 */
import { evictDurableObject, runDurableObjectAlarm, runInDurableObject, SELF } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { issueVisitorToken } from "../../worker/auth/visitor-token";
import { putAgent, putSite } from "../../worker/config/store";
import type { Env } from "../../worker/env";

const e = env as unknown as Env;
const ADMIN = { authorization: "Bearer workers-pool-admin-token", "content-type": "application/json" };
const ORG = "legacy";
const CONV = "c_legacyConversation0001";
const today = new Date().toISOString().slice(0, 10);
const created = "2026-01-02T03:04:05.000Z";

async function writeOldStore(): Promise<void> {
  await e.DB.batch([
    e.DB.prepare("INSERT INTO orgs (id, name) VALUES (?, 'Legacy Inc')").bind(ORG),
    e.DB.prepare("INSERT INTO sites (key, org_id, name) VALUES (?, ?, 'Legacy site')").bind(ORG, ORG),
    e.DB.prepare(
      `INSERT INTO conversations (id, org_id, site_key, visitor_id, status, summary, last_message, message_count, created_at, updated_at,
         user_id, visitor_name, visitor_email, identity_verified, assignee_name, unread)
       VALUES (?, ?, ?, 'v-1', 'bot', NULL, 'Sure, here is how.', 2, ?, ?, 'u-9', 'Old Timer', 'old@example.com', 1, NULL, 0)`,
    ).bind(CONV, ORG, ORG, created, created),
    e.DB.prepare(
      `INSERT INTO spans (id, conversation_id, org_id, turn_id, run_id, parent_id, kind, name, agent_id, status, started_at, ended_at, tokens_in, tokens_out, error, data)
       VALUES ('sp_old_turn', ?, ?, 't_old', 'run_t_old', NULL, 'turn', 'turn', NULL, 'ok', ?, ?, 0, 0, NULL, '{"upTo":1}'),
              ('sp_old_run', ?, ?, 't_old', 'run_t_old', 'sp_old_turn', 'run', 'router', 'router', 'ok', ?, ?, 10, 5, NULL, NULL)`,
    ).bind(CONV, ORG, Date.now() - 60_000, Date.now() - 59_000, CONV, ORG, Date.now() - 60_000, Date.now() - 59_500),
    e.DB.prepare("INSERT INTO budget_rules (id, org_id, team, period, limit_tokens) VALUES ('rule_old', ?, NULL, 'day', 1000000)").bind(ORG),
    e.DB.prepare("INSERT INTO budget_counters (rule_id, window, used, reserved) VALUES ('rule_old', ?, 300, 40)").bind(today),
  ]);
  // The conversation's object as the previous version left it: the same tables, a meta without `version`.
  const stub = e.CONVERSATION.get(e.CONVERSATION.idFromName(CONV));
  await runInDurableObject(stub as unknown as DurableObjectStub<never>, (_instance, state) => {
    const meta = { conversationId: CONV, siteKey: ORG, orgId: ORG, visitorId: "v-1", status: "bot", activeAgent: "router", answeredSeq: 1, createdAt: created, failures: 0, unread: 0 };
    state.storage.sql.exec("INSERT INTO meta (id, value) VALUES (1, ?)", JSON.stringify(meta));
    state.storage.sql.exec("INSERT INTO messages (id, client_message_id, role, text, created_at) VALUES ('m_old_1', 'old-client-0001', 'user', 'How do I export?', ?)", created);
    state.storage.sql.exec("INSERT INTO messages (id, role, text, author, agent_id, created_at) VALUES ('m_old_2', 'assistant', 'Sure, here is how.', 'Router', 'router', ?)", created);
  });
  await evictDurableObject(stub as unknown as DurableObjectStub);
}

const get = async <T>(path: string) => {
  const res = await SELF.fetch(`https://switchboard.test${path}`, { headers: ADMIN });
  expect(res.status, path).toBe(200);
  return (await res.json()) as T;
};

describe("a store from the previous version", () => {
  it("is taken over on first use: old conversations listed, old traces read, counters carried over, and the conversation goes on", async () => {
    await writeOldStore();
    await putSite(e, { key: ORG, orgId: ORG, name: "Legacy site", allowedOrigins: ["https://legacy.example"], entryAgent: "router" });
    await putAgent(e, ORG, { id: "router", name: "Router", description: "Answers.", model: { provider: "offline", name: "offline" } });

    // The index, from the org's inbox object.
    const list = await get<{ conversations: Record<string, unknown>[] }>(`/api/admin/orgs/${ORG}/conversations`);
    expect(list.conversations).toEqual([
      expect.objectContaining({ id: CONV, siteKey: ORG, status: "bot", lastMessage: "Sure, here is how.", messages: 2, userId: "u-9", visitorName: "Old Timer", identityVerified: true, createdAt: created }),
    ]);
    expect(await e.DB.prepare("SELECT COUNT(*) AS n FROM conversations WHERE org_id = ?").bind(ORG).first()).toEqual({ n: 0 });

    // The old trace, from the conversation's object.
    const trace = await get<{ spans: number; roots: { id: string; kind: string; children: { id: string; tokensIn: number }[] }[] }>(`/api/admin/conversations/${CONV}/trace`);
    expect(trace.spans).toBe(2);
    expect(trace.roots).toEqual([expect.objectContaining({ id: "sp_old_turn", kind: "turn", children: [expect.objectContaining({ id: "sp_old_run", tokensIn: 10 })] })]);
    expect(await e.DB.prepare("SELECT COUNT(*) AS n FROM spans WHERE conversation_id = ?").bind(CONV).first()).toEqual({ n: 0 });

    // Budgets, from the org's budget object: spend carried over, stale reservations not.
    const budgets = await get<{ rules: { id: string; used: number; reserved: number; window: string }[] }>(`/api/admin/orgs/${ORG}/budgets`);
    expect(budgets.rules).toEqual([expect.objectContaining({ id: "rule_old", used: 300, reserved: 0, window: today })]);
    expect(await e.DB.prepare("SELECT COUNT(*) AS n FROM budget_rules WHERE org_id = ?").bind(ORG).first()).toEqual({ n: 0 });

    // The old conversation goes on: a new turn, its spans after the old ones, its spend on the old counter.
    const token = await issueVisitorToken(e, CONV, ORG);
    const res = await SELF.fetch(`https://switchboard.test/api/conversations/${CONV}/messages`, {
      method: "POST",
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json", origin: "https://legacy.example" },
      body: JSON.stringify({ clientMessageId: "new-client-0001", text: "And import?" }),
    });
    const stream = await res.text();
    expect(stream).toContain("event: done");
    const after = await get<{ messages: { id: string; role: string }[] }>(`/api/admin/orgs/${ORG}/conversations/${CONV}`);
    expect(after.messages.map((m) => m.id).slice(0, 2)).toEqual(["m_old_1", "m_old_2"]);
    expect(after.messages.map((m) => m.role)).toEqual(["user", "assistant", "user", "assistant"]);
    const traced = await get<{ spans: number; roots: { id: string }[] }>(`/api/admin/conversations/${CONV}/trace`);
    expect(traced.spans).toBeGreaterThan(2);
    expect(traced.roots[0]?.id).toBe("sp_old_turn");
    const spent = (await get<{ rules: { id: string; used: number }[] }>(`/api/admin/orgs/${ORG}/budgets`)).rules[0]?.used ?? 0;
    expect(spent).toBeGreaterThan(300);
    const relisted = await get<{ conversations: { id: string; messages: number }[] }>(`/api/admin/orgs/${ORG}/conversations`);
    expect(relisted.conversations).toEqual([expect.objectContaining({ id: CONV, messages: 4 })]);
  });
});

describe("trace retention", () => {
  it("the conversation's alarm deletes spans older than TRACE_RETENTION_DAYS (30 by default)", async () => {
    const stub = e.CONVERSATION.get(e.CONVERSATION.idFromName(CONV));
    const before = await get<{ spans: number }>(`/api/admin/conversations/${CONV}/trace`);
    expect(before.spans).toBeGreaterThan(2);
    // Age the old turn's spans past the retention; the newer ones stay.
    await runInDurableObject(stub as unknown as DurableObjectStub<never>, (_instance, state) => {
      state.storage.sql.exec("UPDATE spans SET started_at = started_at - 31 * 86400000 WHERE turn_id = 't_old'");
    });
    expect(await runDurableObjectAlarm(stub as unknown as DurableObjectStub)).toBe(true);
    const after = await get<{ spans: number; roots: { id: string }[] }>(`/api/admin/conversations/${CONV}/trace`);
    expect(after.spans).toBe(before.spans - 2);
    expect(after.roots.some((r) => r.id === "sp_old_turn")).toBe(false);
  });
});
