/**
 * `npm start` end to end: scripts/start.mjs in a directory of its own (state, .dev.vars) on
 * a free port — the worker on workerd through Miniflare, local D1 migrated, the demo seeded,
 * the banner printed. A visitor chats with the offline demo; a RATE_LIMIT_* variable given
 * to `npm start` reaches the worker; a second start on the same state still has the first
 * one's conversation.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { LOCAL_ORIGIN, readSse, ROOT } from "./helpers/switchboard";

const dir = mkdtempSync(join(tmpdir(), "switchboard-start-"));
const running: ChildProcess[] = [];

afterAll(() => {
  for (const child of running) if (child.exitCode === null) child.kill("SIGKILL");
  rmSync(dir, { recursive: true, force: true });
});

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** Starts `npm start`'s script; resolves with its origin and output once the banner is out. */
async function npmStart(port: number) {
  const child = spawn(process.execPath, [join(ROOT, "scripts", "start.mjs")], {
    cwd: ROOT,
    env: {
      ...process.env,
      PORT: String(port),
      SWITCHBOARD_STATE: join(dir, "state"),
      SWITCHBOARD_DEV_VARS: join(dir, ".dev.vars"),
      // The worker bundle is built by npm start itself, into this test's directory, as on a
      // fresh clone (the second start reuses it); the widget was built by the suite.
      SWITCHBOARD_BUNDLE: join(dir, "bundle"),
      SKIP_BUILD: "1",
      RATE_LIMIT_STARTS_PER_IP: "2",
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  running.push(child);
  let output = "";
  child.stdout?.on("data", (d) => (output += String(d)));
  child.stderr?.on("data", (d) => (output += String(d)));
  await new Promise<void>((resolve, reject) => {
    const check = () => {
      if (output.includes("Ctrl+C stops.")) return resolve();
      if (child.exitCode !== null) return reject(new Error(`npm start exited with ${child.exitCode}:\n${output}`));
      setTimeout(check, 100);
    };
    check();
  });
  const stop = async () => {
    const exited = new Promise((resolve) => child.once("exit", resolve));
    child.kill("SIGTERM");
    await exited;
  };
  return { origin: `http://127.0.0.1:${port}`, output: () => output, child, stop };
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
