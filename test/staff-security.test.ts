/**
 * Staff sign-in and passwords, as an attacker would try them: login CSRF (a text/plain form
 * from another site), password guessing against one account (lockout with backoff, the same
 * answer whether the account exists or not), weak passwords, and a staff member changing
 * their own password (which signs their other sessions out).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ADMIN_TOKEN, staffLogin, startSwitchboard, type Switchboard } from "./helpers/switchboard";

let sb: Switchboard;
const PASSWORD = "Correct-Horse-42-battery";

const login = (body: unknown, headers: Record<string, string> = { "content-type": "application/json" }) =>
  sb.fetch("/api/staff/login", { method: "POST", headers, body: typeof body === "string" ? body : JSON.stringify(body) });

async function createStaff(orgId: string, email: string, password = PASSWORD, role = "agent") {
  return sb.admin(`/api/admin/orgs/${orgId}/staff`, { method: "POST", body: JSON.stringify({ email, name: email.split("@")[0], password, role }) });
}

beforeAll(async () => {
  sb = await startSwitchboard();
  await sb.admin("/api/admin/orgs", { method: "POST", body: JSON.stringify({ id: "desk", name: "Desk" }) });
  for (const email of ["lee@desk.example", "kai@desk.example", "mo@desk.example", "pat@desk.example"]) expect((await createStaff("desk", email)).status).toBe(201);
});
afterAll(async () => {
  await sb?.close();
});

describe("sign-in", () => {
  it("refuses a cross-site form (login CSRF): not JSON is 415, a foreign Origin is 403, and no session is made", async () => {
    const form = await login(`{"email":"lee@desk.example","password":"${PASSWORD}"}`, { "content-type": "text/plain", origin: "https://evil.example" });
    expect(form.status).toBe(415);
    expect(form.headers.get("set-cookie")).toBeNull();
    const urlencoded = await login(`email=lee%40desk.example&password=${PASSWORD}`, { "content-type": "application/x-www-form-urlencoded" });
    expect(urlencoded.status).toBe(415);
    const foreign = await login({ email: "lee@desk.example", password: PASSWORD }, { "content-type": "application/json", origin: "https://evil.example" });
    expect(foreign.status).toBe(403);
    expect(foreign.headers.get("set-cookie")).toBeNull();
    const fetchMetadata = await login({ email: "lee@desk.example", password: PASSWORD }, { "content-type": "application/json", "sec-fetch-site": "cross-site" });
    expect(fetchMetadata.status).toBe(403);
    // From our own pages (and from API clients, which send no Origin) it works.
    const own = await login({ email: "lee@desk.example", password: PASSWORD }, { "content-type": "application/json", origin: sb.url });
    expect(own.status).toBe(200);
    expect(own.headers.get("set-cookie")).toMatch(/HttpOnly; SameSite=Strict/);
    expect(own.headers.get("cache-control")).toBe("no-store");
    expect((await login({ email: "lee@desk.example", password: PASSWORD })).status).toBe(200);
  });

  it("locks an account after 5 failures, answering alike whether it exists or not, with a growing backoff", async () => {
    const attempt = (email: string, password = "wrong-password-x") => login({ email, password });
    for (const email of ["kai@desk.example", "ghost@desk.example"]) {
      for (let i = 0; i < 5; i++) expect((await attempt(email)).status, `${email} #${i + 1}`).toBe(401);
    }
    const real = await attempt("kai@desk.example");
    const ghost = await attempt("ghost@desk.example");
    expect(real.status).toBe(429);
    expect(ghost.status).toBe(429);
    // Alike but for the seconds left, which may tick between the two answers.
    const seconds = (body: unknown) => JSON.stringify(body).replace(/\d+/g, "N");
    expect(seconds(await real.json())).toBe(seconds(await ghost.json()));
    expect(Number(real.headers.get("retry-after"))).toBeGreaterThanOrEqual(25);
    expect(Number(real.headers.get("retry-after"))).toBeLessThanOrEqual(30);
    // While locked, even the right password is refused; other accounts are not affected.
    expect((await attempt("kai@desk.example", PASSWORD)).status).toBe(429);
    expect((await attempt("mo@desk.example", PASSWORD)).status).toBe(200);
    // When the lock runs out, the next failure locks again for twice as long.
    await sb.db.prepare("UPDATE staff_login_failures SET locked_until = 0").run();
    expect((await attempt("kai@desk.example")).status).toBe(401);
    const longer = await attempt("kai@desk.example", PASSWORD);
    expect(longer.status).toBe(429);
    expect(Number(longer.headers.get("retry-after"))).toBeGreaterThan(50);
    // Failures are counted by a hash of the email, never the email itself.
    expect(JSON.stringify(await sb.db.prepare("SELECT * FROM staff_login_failures").all())).not.toContain("kai@");
  });

  it("a success clears the count", async () => {
    for (let i = 0; i < 4; i++) expect((await login({ email: "pat@desk.example", password: "nope-nope-nope" })).status).toBe(401);
    expect((await login({ email: "pat@desk.example", password: PASSWORD })).status).toBe(200);
    for (let i = 0; i < 4; i++) expect((await login({ email: "pat@desk.example", password: "nope-nope-nope" })).status).toBe(401);
    expect((await login({ email: "pat@desk.example", password: PASSWORD })).status).toBe(200);
  });
});

describe("passwords", () => {
  it("refuses short, common, padded-common, repetitive and email-like passwords", async () => {
    const refused: [string, number][] = [
      ["short-1", 400],
      ["password123", 400],
      ["qwertyuiop", 400],
      ["1234567890", 400],
      ["monkey123456!", 400],
      ["Dragon2024!!", 400],
      ["aaaaaaaaaaaa", 400],
      ["abababababab", 400],
      ["newbie-lee@desk.example", 400],
    ];
    for (const [password, status] of refused) {
      const res = await createStaff("desk", "newbie@desk.example", password);
      expect(res.status, password).toBe(status);
    }
    expect((await createStaff("desk", "newbie@desk.example", "plum-kettle-orbit-7")).status).toBe(201);
  });

  it("staff change their own password: the current one is checked, the new one too, and their other sessions end", async () => {
    expect((await createStaff("desk", "rae@desk.example")).status).toBe(201);
    const here = await staffLogin(sb, "rae@desk.example", PASSWORD);
    const elsewhere = await staffLogin(sb, "rae@desk.example", PASSWORD);
    const change = (body: unknown, headers = {}) => here.post("/api/staff/password", body, headers);
    expect((await change({ currentPassword: "not-my-password", newPassword: "violet-anchor-39-sky" })).status).toBe(403);
    expect((await change({ currentPassword: PASSWORD, newPassword: "password1234" })).status).toBe(400);
    expect((await change({ currentPassword: PASSWORD, newPassword: "violet-anchor-39-sky" }, { "x-csrf-token": "forged" })).status).toBe(403);
    expect((await change({ currentPassword: PASSWORD, newPassword: "violet-anchor-39-sky" }, { origin: "https://evil.example" })).status).toBe(403);
    const ok = await change({ currentPassword: PASSWORD, newPassword: "violet-anchor-39-sky" });
    expect(ok.status).toBe(200);
    expect(await ok.json()).toEqual({ ok: true, otherSessionsEnded: true });
    expect((await here.get("/api/staff/me")).status).toBe(200);
    expect((await elsewhere.get("/api/staff/me")).status).toBe(401);
    expect((await login({ email: "rae@desk.example", password: PASSWORD })).status).toBe(401);
    expect((await login({ email: "rae@desk.example", password: "violet-anchor-39-sky" })).status).toBe(200);
    const row = await sb.db.prepare("SELECT password_hash, password_changed_at FROM staff WHERE email = 'rae@desk.example'").first<{ password_hash: string; password_changed_at: string }>();
    expect(row?.password_hash).toMatch(/^pbkdf2\$/);
    expect(row?.password_changed_at).toMatch(/^\d{4}-/);
  });

  it("the password form is a JSON-only, signed-in, CSRF-checked call", async () => {
    const anonymous = await sb.fetch("/api/staff/password", { method: "POST", headers: { "content-type": "application/json", origin: sb.url }, body: "{}" });
    expect(anonymous.status).toBe(401);
    const lee = await staffLogin(sb, "lee@desk.example", PASSWORD);
    const plain = await lee.post("/api/staff/password", { currentPassword: PASSWORD, newPassword: "x" }, { "content-type": "text/plain" });
    expect(plain.status).toBe(415);
  });
});

describe("the same email in two orgs", () => {
  it("is two independent accounts, and creating one says nothing about the other org", async () => {
    await sb.admin("/api/admin/orgs", { method: "POST", body: JSON.stringify({ id: "other-desk", name: "Other" }) });
    const orgToken = async (orgId: string) =>
      ((await (await sb.admin("/api/admin/tokens", { method: "POST", body: JSON.stringify({ name: orgId, orgId, scopes: ["*"] }) })).json()) as { token: string }).token;
    const other = await orgToken("other-desk");
    const create = (token: string, orgId: string, password: string) =>
      sb.fetch(`/api/admin/orgs/${orgId}/staff`, {
        method: "POST",
        headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
        body: JSON.stringify({ email: "lee@desk.example", name: "Lee", password }),
      });
    // lee@desk.example exists in org desk: org other-desk cannot tell.
    const fresh = await create(other, "other-desk", "second-life-orchid-8");
    expect(fresh.status).toBe(201);
    const never = await create(other, "other-desk", "second-life-orchid-8");
    expect(never.status).toBe(409);
    expect(((await never.json()) as { error: { message: string } }).error.message).toContain("in this org");
    // Each password opens its own account.
    const a = (await (await login({ email: "lee@desk.example", password: PASSWORD })).json()) as { staff: { orgId: string } };
    const b = (await (await login({ email: "lee@desk.example", password: "second-life-orchid-8" })).json()) as { staff: { orgId: string } };
    expect([a.staff.orgId, b.staff.orgId]).toEqual(["desk", "other-desk"]);
    // The same password in both: the org must be named.
    await create(ADMIN_TOKEN, "other-desk", PASSWORD).then(async (r) => expect(r.status).toBe(409));
    await sb.db.prepare("UPDATE staff SET password_hash = (SELECT password_hash FROM staff WHERE org_id = 'desk' AND email = 'lee@desk.example') WHERE org_id = 'other-desk'").run();
    expect((await login({ email: "lee@desk.example", password: PASSWORD })).status).toBe(400);
    const chosen = (await (await login({ email: "lee@desk.example", password: PASSWORD, orgId: "other-desk" })).json()) as { staff: { orgId: string } };
    expect(chosen.staff.orgId).toBe("other-desk");
  });
});
