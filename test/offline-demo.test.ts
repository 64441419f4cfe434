/**
 * The seeded demo with no model configured: the offline provider routes billing questions
 * to the billing specialist (which calls its invoice lookup tool), technical ones to the
 * technical specialist, answers general ones itself from the FAQ, hands off when asked,
 * and says it is offline. The trace shows each path.
 */
import { createHmac } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { flatten, paths, send, startConversation, startSwitchboard, type Switchboard, trace } from "./helpers/switchboard";

let sb: Switchboard;
beforeAll(async () => {
  sb = await startSwitchboard({ seed: true });
});
afterAll(async () => {
  await sb?.close();
});

describe("offline demo", () => {
  it("a billing question reaches the billing specialist, which looks the invoice up", async () => {
    const conv = await startConversation(sb);
    const { reply, events } = await send(sb, conv, "I was charged twice on invoice INV-1001");
    expect(reply?.text).toContain("INV-1001");
    expect(reply?.text).toMatch(/charged \*\*2 times\*\*/);
    expect(reply?.offline).toBe(true);
    // Beside the lookup, the specialist searched its own (billing) articles for one to cite.
    expect(reply?.sources?.length).toBe(1);
    expect(["Invoices and receipts", "Refunds and duplicate charges"]).toContain(reply?.sources?.[0]?.title);

    // Visitors saw the delegation as activity.
    const activity = events.filter((e) => e.type === "activity").map((e) => (e.data as { kind: string; targetName?: string }));
    expect(activity).toEqual([
      expect.objectContaining({ kind: "delegation.start", targetName: "Billing" }),
      expect.objectContaining({ kind: "delegation.end", targetName: "Billing", status: "ok" }),
    ]);

    const p = paths(await trace(sb, conv.id));
    expect(p).toContain("turn:turn > run:router > tool:delegate > delegation:billing > run:billing > tool:lookup_invoices");
    expect(p).toContain("turn:turn > run:router > tool:delegate > delegation:billing > run:billing > tool:search_knowledge > retrieval:search_knowledge");
  });

  it("the billing lookup by email answers only the signed-in customer, and says when nothing matches", async () => {
    // Anyone can type an email: an anonymous visitor is asked to sign in, and learns nothing.
    const conv = await startConversation(sb);
    const anonymous = await send(sb, conv, "Can you check the invoices for sam@example.com? I want a refund");
    expect(anonymous.reply?.text).not.toContain("INV-1003");
    expect(anonymous.reply?.text).toContain("signed-in customer");
    const missing = await send(sb, conv, "What about invoice INV-9999, was I charged?");
    expect(missing.reply?.text).toContain("couldn't find an invoice");

    // The same question from Sam, whom the site's backend vouched for (a signed identity).
    const secret = "demo-identity-secret-0123456789";
    await sb.putSite({ key: "demo-signed", orgId: "demo", name: "Lumen Notes", allowedOrigins: ["http://localhost:*"], entryAgent: "router", identitySecret: secret });
    const identity = { userId: "u-sam", email: "sam@example.com" };
    const signature = createHmac("sha256", secret).update(`${identity.userId}\n${identity.email}`).digest("hex");
    const started = await sb.fetch("/api/sites/demo-signed/conversations", {
      method: "POST",
      headers: { origin: "http://localhost:5173", "content-type": "application/json" },
      body: JSON.stringify({ identity: { ...identity, signature } }),
    });
    expect(started.status).toBe(201);
    const { conversationId, token } = (await started.json()) as { conversationId: string; token: string };
    const signed = await send(sb, { id: conversationId, token }, "Can you check the invoices for sam@example.com? I want a refund");
    expect(signed.reply?.text).toContain("INV-1003");
  });

  it("a technical question reaches the technical specialist", async () => {
    const conv = await startConversation(sb);
    const { reply } = await send(sb, conv, "the app crashes when I log in");
    expect(reply?.text).toContain("Troubleshooting login problems");
    expect(reply?.sources?.[0]).toMatchObject({ title: "Troubleshooting login problems", url: "/help/troubleshooting-login" });
    const p = paths(await trace(sb, conv.id));
    expect(p).toContain("turn:turn > run:router > tool:delegate > delegation:technical > run:technical > tool:search_knowledge");
    expect(p.some((x) => x.includes("delegation:billing"))).toBe(false);
  });

  it("without a keyword, the specialist whose knowledge answers better than the router's gets the question", async () => {
    const conv = await startConversation(sb);
    const money = await send(sb, conv, "Can I get my money back for my yearly plan?");
    expect(money.reply?.sources?.[0]?.title).toBe("Refunds and duplicate charges");
    expect(paths(await trace(sb, conv.id)).some((x) => x.includes("delegation:billing"))).toBe(true);
    const conv2 = await startConversation(sb);
    await send(sb, conv2, "My notes are not showing up on my phone");
    expect(paths(await trace(sb, conv2.id)).some((x) => x.includes("delegation:technical"))).toBe(true);
  });

  it("a general question is answered by the router from the FAQ, without delegating", async () => {
    const conv = await startConversation(sb);
    const { reply } = await send(sb, conv, "How do I export my notes to Markdown?");
    expect(reply?.text).toContain("Exporting your notes");
    expect(reply?.sources?.[0]?.title).toBe("Exporting your notes");
    const p = paths(await trace(sb, conv.id));
    expect(p).toContain("turn:turn > run:router > tool:search_knowledge > retrieval:search_knowledge");
    expect(p.some((x) => x.includes("delegation"))).toBe(false);
  });

  it("asking for a person hands the conversation off", async () => {
    const conv = await startConversation(sb);
    const { reply, events } = await send(sb, conv, "Can I talk to a person please?");
    expect(events.some((e) => e.type === "status" && e.data.status === "waiting")).toBe(true);
    expect(reply?.text).toBe("I'm passing your conversation to our team.");
    const p = paths(await trace(sb, conv.id));
    expect(p.some((x) => x.endsWith("tool:handoff_to_human"))).toBe(true);
    expect(p.some((x) => x.includes("handoff:bot→waiting"))).toBe(true);
  });

  it("says honestly when it cannot answer, cites nothing, and marks the abstention in the trace", async () => {
    const conv = await startConversation(sb);
    const { reply } = await send(sb, conv, "zxqv blorp");
    expect(reply?.text).toMatch(/help center doesn't cover that/);
    expect(reply?.text).toMatch(/bring in a person/);
    expect(reply?.sources ?? []).toEqual([]);
    const model = flatten(await trace(sb, conv.id)).filter((s) => s.kind === "model");
    expect(model.at(-1)?.data).toMatchObject({ abstained: true });
  });

  it("answers in the visitor's language when the site has the article in it, and says so in theirs when it does not", async () => {
    const fr = await send(sb, await startConversation(sb), "Combien coûte la formule Pro ?");
    expect(fr.reply?.text).toMatch(/^D'après \*\*Formules et tarifs\*\* :/);
    expect(fr.reply?.text).toContain("8 $ par mois");
    expect(fr.reply?.sources).toEqual([expect.objectContaining({ title: "Formules et tarifs", url: "/help/fr-plans-and-pricing" })]);
    const es = await send(sb, await startConversation(sb), "¿Cuánto cuesta el plan Pro?");
    expect(es.reply?.text).toMatch(/^Nuestro centro de ayuda está en inglés/);
    expect(es.reply?.text).toContain("$8 per month");
    expect(es.reply?.sources?.map((s) => s.title)).toEqual(["Plans and pricing"]);
  });

  it("small talk gets a short reply without looking anything up; an angry message an apology and a person", async () => {
    const conv = await startConversation(sb);
    const hi = await send(sb, conv, "Hi there!");
    expect(hi.reply?.text).toBe("Hello! What can I help you with today?");
    expect(hi.reply?.sources ?? []).toEqual([]);
    const thanks = await send(sb, conv, "thanks, that helped!");
    expect(thanks.reply?.text).toMatch(/^You're welcome/);
    expect(paths(await trace(sb, conv.id)).some((p) => p.includes("tool:"))).toBe(false);

    const angry = await send(sb, await startConversation(sb), "This is ridiculous, your app lost all my work!!!");
    expect(angry.reply?.text).toMatch(/^I'm really sorry about this/);
    expect(angry.reply?.text).toMatch(/bring in a person from our team/);
  });

  it("a question no article answers is declined, never given a random article; a yes to the offer brings a person", async () => {
    const conv = await startConversation(sb);
    for (const question of ["Are you GDPR compliant?", "How do I delete my account?"]) {
      const { reply } = await send(sb, conv, question);
      expect(reply?.text).toMatch(/^I'm sorry, our help center doesn't cover that/);
      expect(reply?.sources ?? []).toEqual([]);
    }
    const { events, reply } = await send(sb, conv, "yes please");
    expect(events.some((e) => e.type === "status" && e.data.status === "waiting")).toBe(true);
    expect(reply?.text).toBe("I'm passing your conversation to our team.");
  });

  it("a specialist's decline is the router's too: nothing cited, the abstention marked on both runs", async () => {
    const conv = await startConversation(sb);
    const { reply } = await send(sb, conv, "Can I pay my invoice in bitcoin?");
    expect(reply?.text).toMatch(/help center doesn't cover that/);
    expect(reply?.sources ?? []).toEqual([]);
    const spans = flatten(await trace(sb, conv.id));
    expect(spans.some((s) => s.kind === "delegation" && s.name === "billing")).toBe(true);
    const abstained = spans.filter((s) => s.kind === "model" && s.data?.abstained === true).map((s) => s.agentId);
    expect(abstained.sort()).toEqual(["billing", "router"]);
  });

  it("a message that asks two things goes to both specialists at once and cites both answers", async () => {
    const conv = await startConversation(sb);
    const { reply } = await send(sb, conv, "I was charged twice and also the app keeps crashing on startup");
    expect(reply?.sources?.map((s) => s.title).sort()).toEqual(["Refunds and duplicate charges", "The app crashes or won't start"]);
    const roots = await trace(sb, conv.id);
    const delegations = flatten(roots).filter((s) => s.kind === "delegation").map((s) => s.name);
    expect(delegations.sort()).toEqual(["billing", "technical"]);
    // Both delegate calls came from one model turn of the router (so they ran in parallel).
    const routerModel = flatten(roots).filter((s) => s.kind === "model" && s.agentId === "router");
    expect(routerModel[0]?.data).toMatchObject({ toolCalls: ["delegate", "delegate"] });
  });
});
