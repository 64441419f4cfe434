/**
 * `identify` and feedback over HTTP, hostile cases included: a forged or missing
 * signature is refused when the site has an identity secret; feedback only on replies of
 * the caller's own conversation.
 */
import { createHmac } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eventually, LOCAL_ORIGIN, send, setupOrg, startConversation, startSwitchboard, type Switchboard, testAgent } from "./helpers/switchboard";

let sb: Switchboard;
const SECRET = "site-identity-secret-0123456789";
const sign = (message: string, secret = SECRET) => createHmac("sha256", secret).update(message).digest("hex");
/** The documented message: the user id, a line feed, the email or nothing. */
const signIdentity = (userId: string, email = "", secret = SECRET) => sign(`${userId}\n${email}`, secret);

beforeAll(async () => {
  sb = await startSwitchboard({ seed: true });
  await setupOrg(sb, "signed", [testAgent("router", { model: { provider: "offline" } })], "router", { identitySecret: SECRET });
});
afterAll(async () => {
  await sb?.close();
});

/** The org's conversation index, as the admin API lists it. */
async function indexed(orgId: string): Promise<{ id: string; siteKey: string; userId: string | null; identityVerified: boolean }[]> {
  const res = await sb.admin(`/api/admin/orgs/${orgId}/conversations?limit=500`);
  return ((await res.json()) as { conversations: { id: string; siteKey: string; userId: string | null; identityVerified: boolean }[] }).conversations;
}
const identityOf = async (orgId: string, id: string) => {
  const row = (await indexed(orgId)).find((c) => c.id === id);
  return row && { userId: row.userId, identityVerified: row.identityVerified };
};

const start = (siteKey: string, identity: unknown) =>
  sb.fetch(`/api/sites/${siteKey}/conversations`, { method: "POST", headers: { origin: LOCAL_ORIGIN }, body: JSON.stringify({ identity }) });

describe("identify", () => {
  it("accepts a correctly signed identity and marks it verified", async () => {
    const res = await start("signed", { userId: "u-1", name: "Ada", email: "ada@example.com", signature: signIdentity("u-1", "ada@example.com") });
    expect(res.status).toBe(201);
    const { conversationId } = (await res.json()) as { conversationId: string };
    expect(await identityOf("signed", conversationId)).toEqual({ userId: "u-1", identityVerified: true });
  });

  it("refuses a forged, borrowed or missing signature, and creates nothing", async () => {
    const count = async () => (await indexed("signed")).filter((c) => c.siteKey === "signed").length;
    const before = await count();
    for (const identity of [
      { userId: "u-2", signature: signIdentity("u-2", "", "wrong-secret-0123456789") },
      { userId: "u-2", signature: signIdentity("u-1") },
      { userId: "u-2" },
      // A valid signature for the user id alone does not vouch for an email.
      { userId: "u-1", email: "victim@example.com", signature: signIdentity("u-1") },
    ]) {
      const res = await start("signed", identity);
      expect(res.status).toBe(403);
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe("forbidden");
    }
    const malformed = await start("signed", { userId: "u-2", signature: "not-hex" });
    expect(malformed.status).toBe(400);
    expect(await count()).toBe(before);
  });

  it("signs an unambiguous message: a signed user id that holds ':' and an email is not that user with that email", async () => {
    // What the site's backend signs for a user whose id is "victim:victim@corp.example".
    const signedForAttacker = signIdentity("victim:victim@corp.example");
    const asVictim = await start("signed", { userId: "victim", email: "victim@corp.example", signature: signedForAttacker });
    expect(asVictim.status).toBe(403);
    // The old form (`userId:email`) is not accepted either.
    const oldForm = await start("signed", { userId: "victim", email: "victim@corp.example", signature: sign("victim:victim@corp.example") });
    expect(oldForm.status).toBe(403);
    // A line feed (or any control character) in a user id is refused outright.
    const smuggled = await start("signed", { userId: "victim\nvictim@corp.example", signature: signIdentity("victim\nvictim@corp.example") });
    expect(smuggled.status).toBe(400);
    // The attacker's own identity still verifies as what it is.
    const own = await start("signed", { userId: "victim:victim@corp.example", signature: signedForAttacker });
    expect(own.status).toBe(201);
  });

  it("identifies an existing conversation; without a site secret the identity is kept unverified", async () => {
    const conv = await startConversation(sb);
    const res = await sb.fetch(`/api/conversations/${conv.id}/identify`, {
      method: "POST",
      headers: { authorization: `Bearer ${conv.token}`, "content-type": "application/json" },
      body: JSON.stringify({ userId: "demo-user", email: "d@example.com" }),
    });
    expect(await res.json()).toEqual({ verified: false });
    expect(await identityOf("demo", conv.id)).toEqual({ userId: "demo-user", identityVerified: false });
  });
});

describe("feedback", () => {
  it("stores a vote on a reply of this conversation only", async () => {
    const conv = await startConversation(sb);
    const other = await startConversation(sb);
    const { reply } = await send(sb, conv, "Is my data encrypted?");
    const otherReply = (await send(sb, other, "Can I share a note?")).reply;
    const vote = (c: { id: string; token: string }, body: unknown) =>
      sb.fetch(`/api/conversations/${c.id}/feedback`, { method: "POST", headers: { authorization: `Bearer ${c.token}`, "content-type": "application/json" }, body: JSON.stringify(body) });
    expect((await vote(conv, { messageId: reply?.id, rating: 1 })).status).toBe(200);
    expect((await vote(conv, { messageId: reply?.id, rating: 5 })).status).toBe(400);
    expect((await vote(conv, { messageId: otherReply?.id, rating: -1 })).status).toBe(404);
    const userMessage = (await (await sb.fetch(`/api/conversations/${conv.id}/messages`, { headers: { authorization: `Bearer ${conv.token}` } })).json()) as { messages: { id: string; role: string }[] };
    expect((await vote(conv, { messageId: userMessage.messages[0]?.id, rating: 1 })).status).toBe(404);
    // The accepted vote reaches D1 through the FACTS queue; the refused ones were never queued.
    const rows = await eventually(async () => {
      const r = await sb.db.prepare("SELECT conversation_id, rating, org_id, site_key, day FROM feedback").all();
      return r.results.length ? r.results : undefined;
    }, "the vote in D1");
    expect(rows).toEqual([{ conversation_id: conv.id, rating: 1, org_id: "demo", site_key: "demo", day: expect.stringMatching(/^\d{4}-\d{2}-\d{2}$/) }]);
  });
});
