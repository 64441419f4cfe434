/**
 * The demo org's inbox: a few canned replies, labels and a Billing team (Sam), so the demo
 * shows them. Idempotent: what exists is left alone.
 */
import type { Env } from "../env";
import { randomId } from "../ids";

const CANNED = [
  { shortcut: "hello", title: "Greeting", text: "Hi, thanks for reaching out! I'm looking at your conversation now." },
  { shortcut: "refund", title: "Refund on its way", text: "I've issued the refund: it reaches your card in 3–5 working days." },
  { shortcut: "export", title: "How to export", text: "You can export any notebook from **Settings → Export** as Markdown, PDF or HTML." },
];
const LABELS = [
  { name: "billing", color: "red" },
  { name: "bug", color: "blue" },
  { name: "feature request", color: "purple" },
];

export async function seedDemoInbox(env: Env, orgId: string): Promise<void> {
  const now = new Date().toISOString();
  const sam = await env.DB.prepare("SELECT id FROM staff WHERE org_id = ? AND email = ?").bind(orgId, "sam@lumen.example").first<{ id: string }>();
  await env.DB.batch([
    ...CANNED.map((c) =>
      env.DB.prepare("INSERT OR IGNORE INTO canned_replies (id, org_id, shortcut, title, text, created_by, updated_at) VALUES (?, ?, ?, ?, ?, NULL, ?)").bind(randomId("cr_", 12), orgId, c.shortcut, c.title, c.text, now),
    ),
    ...LABELS.map((l) => env.DB.prepare("INSERT OR IGNORE INTO inbox_labels (org_id, name, color) VALUES (?, ?, ?)").bind(orgId, l.name, l.color)),
    env.DB.prepare("INSERT OR IGNORE INTO teams (org_id, id, name) VALUES (?, 'billing', 'Billing')").bind(orgId),
    ...(sam ? [env.DB.prepare("INSERT OR IGNORE INTO team_members (org_id, team_id, staff_id) VALUES (?, 'billing', ?)").bind(orgId, sam.id)] : []),
  ]);
}
