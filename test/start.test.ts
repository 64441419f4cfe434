/**
 * `npm start` end to end: scripts/start.mjs in a directory of its own (state, .dev.vars) on
 * a free port — the worker on workerd through Miniflare, local D1 migrated, the demo seeded,
 * the banner printed. A visitor chats with the offline demo; a RATE_LIMIT_* variable given
 * to `npm start` reaches the worker; a second start on the same state still has the first
 * one's conversation.
 */
import type { ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { freePort, runNpmStart } from "./helpers/npm-start";
import { LOCAL_ORIGIN, readSse } from "./helpers/switchboard";

const dir = mkdtempSync(join(tmpdir(), "switchboard-start-"));
const running: ChildProcess[] = [];

afterAll(() => {
  for (const child of running) if (child.exitCode === null) child.kill("SIGKILL");
  rmSync(dir, { recursive: true, force: true });
});

/** `npm start` in this test's directory; the worker bundle is built by start.mjs itself, as on a fresh clone (the second start reuses it). */
async function npmStart(port: number) {
  const app = await runNpmStart(dir, port, { SWITCHBOARD_BUNDLE: join(dir, "bundle"), RATE_LIMIT_STARTS_PER_IP: "2" });
  running.push(app.child);
  return app;
}

describe("npm start", () => {
  it("serves the seeded demo on workerd with local state, passing the environment's variables through", async () => {
    const port = await freePort();
    const first = await npmStart(port);
    expect(first.output()).toContain(`Switchboard is running — ${first.origin}`);
    expect(first.output()).toMatch(/Admin token\s+\S{16,}/);
    expect(existsSync(join(dir, "state", "v3", "d1"))).toBe(true);
    expect(existsSync(join(dir, ".dev.vars"))).toBe(true);
    expect(await (await fetch(`${first.origin}/api/health`)).json()).toMatchObject({ ok: true, provider: "offline" });

    // The banner's console login works: the demo's owner reaches the admin API with it.
    const login = first.output().match(/Console: \/admin\s+(\S+)\s+(alex@lumen\.example) \/ (\S+)/);
    expect(login?.[1]).toBe(`${first.origin}/admin`);
    expect((await fetch(`${first.origin}/admin`)).status).toBe(200);
    const signedIn = await fetch(`${first.origin}/api/staff/login`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ email: login?.[2], password: login?.[3] }),
    });
    expect(((await signedIn.json()) as { staff: { role: string } }).staff.role).toBe("owner");
    const cookie = (signedIn.headers.get("set-cookie") ?? "").split(";")[0] ?? "";
    expect(await (await fetch(`${first.origin}/api/admin/orgs/demo/sites`, { headers: { cookie } })).json()).toMatchObject({ sites: [{ key: "demo" }] });
    // Locally, sign-up of a new org is open.
    expect(await (await fetch(`${first.origin}/api/signup`)).json()).toEqual({ open: true });

    const start = () => fetch(`${first.origin}/api/sites/demo/conversations`, { method: "POST", headers: { origin: LOCAL_ORIGIN }, body: "{}" });
    const created = await start();
    expect(created.status).toBe(201);
    const conv = (await created.json()) as { conversationId: string; token: string };
    const events = await readSse(
      await fetch(`${first.origin}/api/conversations/${conv.conversationId}/messages`, {
        method: "POST",
        headers: { authorization: `Bearer ${conv.token}`, "content-type": "application/json" },
        body: JSON.stringify({ clientMessageId: "start-test-0001", text: "How do I export my notes?" }),
      }),
    );
    const reply = events.find((e) => e.type === "message" && e.data.role === "assistant");
    expect(reply?.type === "message" && reply.data.text.length).toBeGreaterThan(20);
    expect(events.at(-1)).toMatchObject({ type: "done", data: { reason: "complete" } });

    // RATE_LIMIT_STARTS_PER_IP=2 from the environment: the third start in the window is refused.
    expect((await start()).status).toBe(201);
    const third = await start();
    expect(third.status).toBe(429);
    expect(third.headers.get("retry-after")).toBeTruthy();

    await first.stop();
    expect(first.child.exitCode).toBe(0);

    // The same state, started again: the conversation and its reply are still there.
    const second = await npmStart(port);
    expect(second.output()).not.toContain("(just seeded)");
    const transcript = (await (await fetch(`${second.origin}/api/conversations/${conv.conversationId}/messages?after=0`, { headers: { authorization: `Bearer ${conv.token}` } })).json()) as {
      messages: { role: string }[];
    };
    expect(transcript.messages.map((m) => m.role)).toEqual(["user", "assistant"]);
    await second.stop();
  }, 180_000);
});
