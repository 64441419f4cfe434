/**
 * The CSAT rule inside the conversation's object: not before the bot has answered (or the
 * conversation is resolved), one rating per conversation that a new one replaces within
 * CSAT_WINDOW_MS of the first, and refused after it. The window is reached by moving the
 * stored first rating back in time (the object's own storage), not by waiting.
 */
import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { CSAT_WINDOW_MS } from "../../shared/protocol";
import { ORG_HEADER } from "../../worker/durable/rpc";
import type { Env } from "../../worker/env";

const e = env as unknown as Env;
const ORG = "csat-org";

const rate = (stub: { fetch(r: Request): Promise<Response> }, body: unknown) =>
  stub.fetch(new Request("https://conversation/csat", { method: "POST", headers: { "content-type": "application/json", [ORG_HEADER]: ORG }, body: JSON.stringify(body) }));

describe("a conversation's rating", () => {
  it("waits for an answer, is replaceable for a while, then fixed", async () => {
    const id = "c_csatcsatcsatcsatcsat01";
    const stub = e.CONVERSATION.get(e.CONVERSATION.idFromName(id));
    await stub.init({ conversationId: id, siteKey: ORG, orgId: ORG, entryAgent: "router" });
    const early = await rate(stub, { rating: 4 });
    expect(early.status).toBe(409);
    expect(await early.json()).toMatchObject({ error: { code: "not_ready" } });

    await runInDurableObject(stub as unknown as DurableObjectStub<never>, (_instance, state) => {
      state.storage.sql.exec("INSERT INTO messages (id, role, text, created_at) VALUES ('m_a', 'assistant', 'Here you go.', ?)", new Date().toISOString());
    });
    const first = await rate(stub, { rating: 2, comment: "meh" });
    expect(first.status).toBe(200);
    expect(await first.json()).toMatchObject({ conversationId: id, rating: 2, comment: "meh", replaced: false });
    const second = await rate(stub, { rating: 5 });
    expect(await second.json()).toMatchObject({ rating: 5, comment: null, replaced: true });

    // The first rating was given longer ago than the window: the rating stands.
    await runInDurableObject(stub as unknown as DurableObjectStub<never>, (_instance, state) => {
      state.storage.sql.exec("UPDATE csat SET first_at = ?", Date.now() - CSAT_WINDOW_MS - 1_000);
    });
    const late = await rate(stub, { rating: 1 });
    expect(late.status).toBe(409);
    expect(await late.json()).toMatchObject({ error: { code: "already_rated" } });
    // Another org asking answers like a conversation that does not exist.
    const other = await stub.fetch(new Request("https://conversation/csat", { method: "POST", headers: { "content-type": "application/json", [ORG_HEADER]: "someone-else" }, body: "{}" }));
    expect(other.status).toBe(404);
  });
});
