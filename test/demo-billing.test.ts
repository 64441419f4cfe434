/**
 * The demo billing API answers for the visitor the site vouched for: a lookup by email needs
 * the verified visitor's email (`x-switchboard-user-email`, which Switchboard sends only for
 * a signed identity) to be that email; a lookup by invoice number shows only that visitor's
 * invoices when one is signed in, and — so the offline demo works without signing in — an
 * anonymous visitor the invoice with its customer's email masked.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BILLING_API_KEY, startSwitchboard, type Switchboard } from "./helpers/switchboard";

let sb: Switchboard;
beforeAll(async () => {
  sb = await startSwitchboard({ seed: true });
});
afterAll(async () => {
  await sb?.close();
});

type Answer = { invoices: { number: string; customerEmail: string }[]; summary: string };
async function lookup(query: string, verifiedEmail?: string): Promise<Answer> {
  const res = await sb.fetch(`/api/demo/billing/invoices?${query}`, {
    headers: { "x-billing-key": BILLING_API_KEY, ...(verifiedEmail ? { "x-switchboard-user-email": verifiedEmail } : {}) },
  });
  expect(res.status).toBe(200);
  return (await res.json()) as Answer;
}

describe("demo billing API", () => {
  it("by email: nothing for an anonymous visitor or another customer, the invoices for the verified customer", async () => {
    const anonymous = await lookup("email=dana@example.com");
    expect(anonymous.invoices).toEqual([]);
    expect(anonymous.summary).toMatch(/signed-in customer/);
    const someoneElse = await lookup("email=dana@example.com", "sam@example.com");
    expect(someoneElse.invoices).toEqual([]);
    expect(JSON.stringify(someoneElse)).not.toContain("INV-100");
    const dana = await lookup("email=Dana@Example.com", "dana@example.com");
    expect(dana.invoices.map((i) => i.number)).toEqual(["INV-1001", "INV-1002"]);
    expect(dana.invoices[0]?.customerEmail).toBe("dana@example.com");
  });

  it("by invoice number: the verified customer's own only; an anonymous visitor sees the invoice with the email masked", async () => {
    const own = await lookup("invoice=INV-1003", "sam@example.com");
    expect(own.invoices).toMatchObject([{ number: "INV-1003", customerEmail: "sam@example.com" }]);
    const notTheirs = await lookup("invoice=INV-1001", "sam@example.com");
    expect(notTheirs.invoices).toEqual([]);
    expect(notTheirs.summary).toMatch(/couldn't find an invoice/);
    const anonymous = await lookup("invoice=INV-1001");
    expect(anonymous.invoices).toMatchObject([{ number: "INV-1001", customerEmail: "d***@example.com" }]);
    expect(JSON.stringify(anonymous)).not.toContain("dana@");
  });
});
