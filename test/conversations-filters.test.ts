/**
 * The admin conversation list filtered by agent and by feedback (the console's Conversations
 * page): conversations driven through the visitor API on the offline demo — one the router
 * answers and the visitor votes up, one the billing specialist answers and is voted down, one
 * with no vote — and each filter must return exactly the conversations the facts say.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eventually, send, startConversation, startSwitchboard, type Switchboard } from "./helpers/switchboard";

let sb: Switchboard;
const convs: Record<"up" | "down" | "none", { id: string; token: string }> = {} as never;

async function vote(conv: { id: string; token: string }, messageId: string, rating: 1 | -1) {
  const res = await sb.fetch(`/api/conversations/${conv.id}/feedback`, {
    method: "POST",
    headers: { authorization: `Bearer ${conv.token}`, "content-type": "application/json" },
    body: JSON.stringify({ messageId, rating }),
  });
  expect(res.status).toBe(200);
}

const list = async (query: string) => {
  const res = await sb.admin(`/api/admin/orgs/demo/conversations?${query}`);
  expect(res.status).toBe(200);
  return ((await res.json()) as { conversations: { id: string }[] }).conversations.map((c) => c.id);
};

beforeAll(async () => {
  sb = await startSwitchboard({ seed: true });
  convs.up = await startConversation(sb);
  const up = await send(sb, convs.up, "How do I export my notes?");
  await vote(convs.up, up.reply?.id ?? "", 1);
  convs.down = await startConversation(sb);
  const down = await send(sb, convs.down, "I was charged twice on invoice INV-1001");
  await vote(convs.down, down.reply?.id ?? "", -1);
  convs.none = await startConversation(sb);
  await send(sb, convs.none, "Is my data encrypted?");
  // The filters read the facts, which the FACTS queue writes in batches.
  await eventually(async () => {
    const n = async (sql: string) => Number((await sb.db.prepare(sql).bind("demo").first<{ n: number }>())?.n ?? 0);
    return (await n("SELECT COUNT(*) AS n FROM turn_facts WHERE org_id = ?")) === 3 && (await n("SELECT COUNT(*) AS n FROM feedback WHERE org_id = ? AND day IS NOT NULL")) === 2;
  }, "the facts of the three conversations", 60_000);
}, 120_000);

afterAll(async () => {
  await sb?.close();
});

describe("conversations filtered by agent and feedback", () => {
  it("by agent: the conversations where that agent ran a turn", async () => {
    expect(await list("agent=billing")).toEqual([convs.down.id]);
    expect(new Set(await list("agent=router"))).toEqual(new Set([convs.up.id, convs.down.id, convs.none.id]));
    expect(await list("agent=technical")).toEqual([]);
  });

  it("by feedback: a thumbs-up, a thumbs-down, or no vote", async () => {
    expect(await list("feedback=up")).toEqual([convs.up.id]);
    expect(await list("feedback=down")).toEqual([convs.down.id]);
    const none = await list("feedback=none&limit=500");
    expect(none).toContain(convs.none.id);
    expect(none).not.toContain(convs.up.id);
    expect(none).not.toContain(convs.down.id);
  });

  it("combines with each other and with the other filters, newest first, within the limit", async () => {
    expect(await list("agent=router&feedback=none")).toEqual([convs.none.id]);
    expect(await list("agent=billing&feedback=up")).toEqual([]);
    expect(await list("agent=router&limit=2")).toEqual([convs.none.id, convs.down.id]);
    expect(await list("agent=router&status=resolved")).toEqual([]);
    expect(await list("agent=router&site=demo&after=2000-01-01T00:00:00Z")).toHaveLength(3);
    expect(await list("agent=router&after=2999-01-01T00:00:00Z")).toEqual([]);
  });

  it("refuses a bad filter with a clear 400, and another org learns nothing", async () => {
    for (const q of ["feedback=maybe", "agent=..%2Fx", `agent=${"a".repeat(200)}`]) {
      const res = await sb.admin(`/api/admin/orgs/demo/conversations?${q}`);
      expect(res.status).toBe(400);
      expect(((await res.json()) as { error: { code: string } }).error.code).toBeTruthy();
    }
    await sb.putSite({ key: "other-site", orgId: "other", name: "Other", allowedOrigins: ["http://localhost:*"], entryAgent: "router" });
    expect(await sb.admin("/api/admin/orgs/other/conversations?agent=billing").then((r) => r.json())).toEqual({ conversations: [] });
  });
});
