/**
 * The demo billing system's API: invoices and charges by invoice number or customer email.
 * The billing specialist calls it as an HTTP tool with a secret header (the demo org's
 * secret BILLING_API_KEY, from the org secrets store), the way it would call a real billing
 * backend. Without the secret (the demo not seeded) nobody is let in.
 *
 * It answers for the visitor the site vouched for, as a real backend should: Switchboard
 * sends a verified visitor's email as `x-switchboard-user-email` (only when the site's
 * identity secret signed it), and only that email's invoices are shown — a lookup by any
 * other email finds nothing, and an anonymous visitor cannot look up by email at all. By
 * invoice number an anonymous visitor still gets the invoice (the offline demo's "charged
 * twice on INV-1001" needs no sign-in), with the customer's email masked: acceptable for a
 * table of made-up invoices, not for real ones.
 */
import { z } from "zod";
import { timingSafeEqual } from "../auth/hmac";
import { orgSecret } from "../config/secrets";
import { unauthorized } from "../http/errors";
import type { ApiRoutes } from "../http/openapi";
import { DEMO_ORG } from "./seed";

const Query = z
  .object({
    invoice: z.string().regex(/^INV-\d{4}$/i).optional(),
    email: z.email().optional(),
  })
  .refine((q) => q.invoice || q.email, "give an invoice number or an email");

interface InvoiceRow {
  number: string;
  customer_email: string;
  amount_cents: number;
  currency: string;
  status: string;
  issued_on: string;
  description: string;
}
interface ChargeRow {
  id: string;
  invoice_number: string;
  amount_cents: number;
  charged_at: string;
  status: string;
}

const money = (cents: number, currency: string) => `${currency === "USD" ? "$" : `${currency} `}${(cents / 100).toFixed(2)}`;

export function demoBillingApi(api: ApiRoutes): void {
  api.add(
    {
      method: "get",
      path: "/api/demo/billing/invoices",
      summary: "Demo billing backend: invoices and charges (header x-billing-key)",
      tag: "demo",
      auth: "none",
      operationId: "demoBillingInvoices",
      query: Query,
      response: z.object({
        invoices: z.array(
          z.object({
            number: z.string(),
            customerEmail: z.string(),
            amount: z.string(),
            status: z.string(),
            issuedOn: z.string(),
            description: z.string(),
            charges: z.array(z.object({ id: z.string(), amount: z.string(), chargedAt: z.string(), status: z.string() })),
          }),
        ),
        summary: z.string(),
      }),
      errors: [401],
    },
    async (c, { query, reply }) => {
      const key = await orgSecret(c.env, DEMO_ORG, "BILLING_API_KEY");
      if (!key || !timingSafeEqual(c.req.header("x-billing-key") ?? "", key)) throw unauthorized("wrong billing key");

      const verified = c.req.header("x-switchboard-user-email")?.trim().toLowerCase() || null;
      const email = query.email?.toLowerCase() ?? null;
      if (email && email !== verified) {
        return reply({ invoices: [], summary: verified ? OTHER_EMAIL : SIGN_IN_FOR_EMAIL });
      }
      const invoices = (
        await c.env.DB.prepare(
          `SELECT * FROM demo_invoices WHERE org_id = ? AND (number = ? OR customer_email = ?) ORDER BY issued_on`,
        )
          .bind(DEMO_ORG, query.invoice?.toUpperCase() ?? null, email)
          .all<InvoiceRow>()
      ).results
        // A signed-in visitor sees their own invoices only.
        .filter((i) => !verified || i.customer_email.toLowerCase() === verified);
      const charges = invoices.length
        ? (
            await c.env.DB.prepare(
              `SELECT * FROM demo_charges WHERE invoice_number IN (${invoices.map(() => "?").join(",")}) ORDER BY charged_at`,
            )
              .bind(...invoices.map((i) => i.number))
              .all<ChargeRow>()
          ).results
        : [];

      const result = invoices.map((i) => ({
        number: i.number,
        customerEmail: verified ? i.customer_email : maskEmail(i.customer_email),
        amount: money(i.amount_cents, i.currency),
        status: i.status,
        issuedOn: i.issued_on,
        description: i.description,
        charges: charges
          .filter((ch) => ch.invoice_number === i.number)
          .map((ch) => ({ id: ch.id, amount: money(ch.amount_cents, i.currency), chargedAt: ch.charged_at, status: ch.status })),
      }));
      return reply({ invoices: result, summary: summarize(result) });
    },
  );
}

const SIGN_IN_FOR_EMAIL =
  "I can only look invoices up by email for a signed-in customer, and only their own. Please sign in to your account, or give me the invoice number (it looks like INV-1234).";
const OTHER_EMAIL = "I can only show the invoices of the account you're signed in with. Please give me one of your invoice numbers, or sign in with that account.";

/** `dana@example.com` → `d***@example.com`: enough to recognise one's own, not to learn someone's. */
function maskEmail(email: string): string {
  const at = email.indexOf("@");
  return at > 0 ? `${email[0]}***${email.slice(at)}` : "***";
}

/** A plain-language account of what the lookup found (what a billing agent would say). */
function summarize(invoices: { number: string; amount: string; description: string; issuedOn: string; status: string; charges: { amount: string; status: string; chargedAt: string }[] }[]): string {
  if (invoices.length === 0) return "I couldn't find an invoice matching that. Please check the invoice number (it looks like INV-1234) or the email on the account.";
  return invoices
    .map((i) => {
      const ok = i.charges.filter((ch) => ch.status === "succeeded");
      const head = `Invoice **${i.number}** (${i.description}, ${i.amount}, issued ${i.issuedOn}) is ${i.status}.`;
      if (ok.length > 1) {
        return `${head} It was charged **${ok.length} times** (${ok.map((ch) => `${ch.amount} at ${ch.chargedAt.slice(11, 16)} UTC`).join(" and ")}), so ${ok.length - 1 === 1 ? "one charge is a duplicate" : `${ok.length - 1} charges are duplicates`}. Duplicate charges are refunded in full to the original card, usually within 5–10 business days.`;
      }
      if (i.charges.some((ch) => ch.status === "failed") && ok.length === 0) {
        return `${head} The last payment attempt failed; we retry three times over 7 days, and the plan stays active meanwhile.`;
      }
      return `${head} It was charged once${ok[0] ? ` (${ok[0].amount} on ${ok[0].chargedAt.slice(0, 10)})` : ""}.`;
    })
    .join("\n\n");
}
