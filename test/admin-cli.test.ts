/**
 * `npm run admin -- …` against a running Switchboard: issue a token, create a staff
 * account, ingest a folder of documents — then use what it made.
 */
import { execFile } from "node:child_process";
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ADMIN_TOKEN, ROOT, send, setupOrg, startConversation, startSwitchboard, type Switchboard, testAgent } from "./helpers/switchboard";

const run = promisify(execFile);
let sb: Switchboard;

beforeAll(async () => {
  sb = await startSwitchboard();
  await setupOrg(sb, "cli", [testAgent("router", { tools: ["search_knowledge"], knowledge: ["handbook"], model: { provider: "offline" } })]);
});
afterAll(async () => {
  await sb?.close();
});

const admin = (...args: string[]) => run("node", ["scripts/admin.mjs", "--url", sb.url, "--token", ADMIN_TOKEN, ...args], { cwd: ROOT });

describe("admin CLI", () => {
  it("creates a token that works with its scopes", async () => {
    const { stdout } = await admin("token", "create", "--name", "deploy bot", "--org", "cli", "--scopes", "knowledge:write,agents:read");
    const token = stdout.match(/sbat_\S+/)?.[0] ?? "";
    expect(token).not.toBe("");
    const ok = await sb.fetch("/api/admin/orgs/cli/agents", { headers: { authorization: `Bearer ${token}` } });
    expect(ok.status).toBe(200);
    const denied = await sb.fetch("/api/admin/orgs/cli/staff", { headers: { authorization: `Bearer ${token}` } });
    expect(denied.status).toBe(403);
  });

  it("creates a staff account that can sign in", async () => {
    const { stdout } = await admin("staff", "create", "--org", "cli", "--email", "kim@cli.example", "--name", "Kim");
    const password = stdout.match(/password: (\S+)/)?.[1] ?? "";
    expect(password.length).toBeGreaterThanOrEqual(8);
    const login = await sb.fetch("/api/staff/login", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ email: "kim@cli.example", password }) });
    expect(login.status).toBe(200);
  });

  it("ingests a folder (Markdown, text, HTML; other files skipped) into a collection the agent answers from", async () => {
    const dir = mkdtempSync(join(tmpdir(), "sb-ingest-"));
    mkdirSync(join(dir, "policies"));
    writeFileSync(join(dir, "vacation.md"), "# Vacation policy\n\nEvery employee gets 28 days of paid vacation per year.");
    writeFileSync(join(dir, "policies", "expenses.txt"), "Expenses over 500 euros need a manager's approval before purchase.");
    writeFileSync(join(dir, "policies", "laptops.html"), "<html><head><title>Laptop refresh</title></head><body><p>Laptops are replaced every three years.</p></body></html>");
    writeFileSync(join(dir, "photo.png"), "not text");
    const { stdout } = await admin("ingest", "--org", "cli", "--collection", "handbook", dir);
    expect(stdout).toContain("3 documents");
    expect(stdout).toContain('"Vacation policy"');
    expect(stdout).toContain('"Laptop refresh"');
    const conv = await startConversation(sb, "cli");
    const { reply } = await send(sb, conv, "How many vacation days do I get?");
    expect(reply?.text).toContain("28 days");
    expect(reply?.sources?.[0]?.title).toBe("Vacation policy");
    // Running it again replaces rather than duplicates.
    const again = await admin("ingest", "--org", "cli", "--collection", "handbook", dir);
    expect(again.stdout).toContain("replaced vacation.md");
    const count = await sb.db.prepare("SELECT COUNT(*) AS n FROM knowledge_documents WHERE org_id = 'cli'").first<{ n: number }>();
    expect(count?.n).toBe(3);
  });

  it("sets, lists and deletes an org's secrets (values piped in are never printed)", async () => {
    const set = await admin("secret", "set", "--org", "cli", "ORDERS_KEY", "--value", "cli-secret-value-123");
    expect(set.stdout).toContain("Set ORDERS_KEY for cli");
    const piped = await new Promise<string>((resolve, reject) => {
      const child = execFile("node", ["scripts/admin.mjs", "--url", sb.url, "--token", ADMIN_TOKEN, "secret", "set", "--org", "cli", "PIPED_KEY"], { cwd: ROOT }, (error, stdout) =>
        error ? reject(error) : resolve(stdout),
      );
      child.stdin?.end("piped-secret-value-456\n");
    });
    expect(piped).toContain("Set PIPED_KEY");
    const list = await admin("secret", "list", "--org", "cli");
    expect(list.stdout).toMatch(/^ORDERS_KEY\t\d{4}-/m);
    expect(list.stdout).toMatch(/^PIPED_KEY\t/m);
    expect(list.stdout).not.toContain("secret-value");
    const row = await sb.db.prepare("SELECT * FROM org_secrets WHERE org_id = 'cli' AND name = 'PIPED_KEY'").first();
    expect(JSON.stringify(row)).not.toContain("piped-secret-value");
    await admin("secret", "delete", "--org", "cli", "ORDERS_KEY");
    expect((await admin("secret", "list", "--org", "cli")).stdout).not.toContain("ORDERS_KEY");
  });

  it("says clearly what is wrong", async () => {
    await expect(admin("staff", "create", "--org", "cli")).rejects.toMatchObject({ stderr: expect.stringContaining("--email is required") });
    await expect(run("node", ["scripts/admin.mjs", "--url", sb.url, "--token", "wrong", "token", "create", "--name", "x"], { cwd: ROOT })).rejects.toMatchObject({
      stderr: expect.stringContaining("401"),
    });
  });
});
