/**
 * Who holds a conversation, over the staff and admin APIs: reassigning to a colleague or a
 * team, taking over (who may, and when), teams and their admin API, round-robin
 * auto-assignment with a capacity per agent, presence (away, and an inbox closed past the
 * grace period), and the hostile cases (another org's conversation, CSRF, Origin).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ServerEvent } from "../shared/protocol";
import {
  addStaff,
  eventually,
  LOCAL_ORIGIN,
  setupOrg,
  staffLogin,
  type StaffClient,
  startConversation,
  startSwitchboard,
  type Switchboard,
  testAgent,
  transcript,
} from "./helpers/switchboard";
import { WsClient } from "./helpers/ws-client";

let sb: Switchboard;
let alex: StaffClient;
let sam: StaffClient;
let kim: StaffClient;
let olga: StaffClient;
let owen: StaffClient;

interface Row {
  id: string;
  status: string;
  assigneeId: string | null;
  assigneeName: string | null;
  teamId: string | null;
}

beforeAll(async () => {
  sb = await startSwitchboard();
  for (const org of ["desk", "desk2", "other"]) await setupOrg(sb, org, [testAgent("router")]);
  await setupOrg(sb, "desk-billing", [], "router", { orgId: "desk" });
  await addStaff(sb, "desk", "alex@desk.example", "Alex");
  await addStaff(sb, "desk", "sam@desk.example", "Sam");
  await addStaff(sb, "desk", "kim@desk.example", "Kim");
  await addStaff(sb, "other", "olga@other.example", "Olga");
  await sb.db.prepare("INSERT INTO staff (id, org_id, email, name, password_hash, role) SELECT 'st_owen', 'desk', 'owen@desk.example', 'Owen', password_hash, 'owner' FROM staff WHERE id = 'st_alexdeskexample'").run();
  [alex, sam, kim, olga, owen] = await Promise.all([
    staffLogin(sb, "alex@desk.example"),
    staffLogin(sb, "sam@desk.example"),
    staffLogin(sb, "kim@desk.example"),
    staffLogin(sb, "olga@other.example"),
    staffLogin(sb, "owen@desk.example"),
  ]);
});
afterAll(async () => {
  await sb?.close();
});

const ws = (path: string, cookie: string) => WsClient.connect(`${sb.url.replace("http", "ws")}${path}`, { cookie, origin: sb.url });
const inboxSocket = async (who: StaffClient) => {
  const socket = await ws("/api/staff/inbox/ws", who.cookie);
  await socket.waitFor("ready" as ServerEvent["type"]);
  return socket;
};

async function waiting(site = "desk", body: Record<string, unknown> = {}) {
  const res = await sb.fetch(`/api/sites/${site}/conversations`, { method: "POST", headers: { origin: LOCAL_ORIGIN, "content-type": "application/json" }, body: JSON.stringify(body) });
  const started = (await res.json()) as { conversationId: string; token: string };
  const conv = { id: started.conversationId, token: started.token };
  const handoff = await sb.fetch(`/api/conversations/${conv.id}/handoff`, { method: "POST", headers: { authorization: `Bearer ${conv.token}` } });
  expect(handoff.status).toBe(200);
  return conv;
}

async function row(who: StaffClient, id: string): Promise<Row | undefined> {
  const res = await who.get("/api/staff/conversations?status=all&limit=200");
  return ((await res.json()) as { conversations: Row[] }).conversations.find((c) => c.id === id);
}

const put = (who: StaffClient, path: string, body: unknown, headers: Record<string, string> = {}) =>
  sb.fetch(path, { method: "PUT", headers: { cookie: who.cookie, "x-csrf-token": who.csrf, "content-type": "application/json", origin: sb.url, ...headers }, body: JSON.stringify(body) });

async function settings(orgId: string, body: Record<string, unknown>) {
  const res = await sb.admin(`/api/admin/orgs/${orgId}/inbox-settings`, { method: "PUT", body: JSON.stringify(body) });
  expect(res.status).toBe(200);
}

async function visitorSend(conv: { id: string; token: string }, text: string) {
  const res = await sb.fetch(`/api/conversations/${conv.id}/messages`, {
    method: "POST",
    headers: { authorization: `Bearer ${conv.token}`, "content-type": "application/json" },
    body: JSON.stringify({ clientMessageId: `cm_${Math.random().toString(36).slice(2)}`, text }),
  });
  expect(res.ok).toBe(true);
  await res.text();
}

describe("reassign and take over", () => {
  it("reassigns to a named colleague: the visitor is told, the inbox shows it, the old assignee can no longer reply", async () => {
    const conv = await waiting();
    const visitor = await WsClient.connect(`${sb.url.replace("http", "ws")}/api/conversations/${conv.id}/ws?token=${conv.token}`, { origin: LOCAL_ORIGIN });
    const inbox = await inboxSocket(kim);
    expect((await alex.post(`/api/staff/conversations/${conv.id}/claim`)).status).toBe(200);
    const moved = await alex.post(`/api/staff/conversations/${conv.id}/reassign`, { staffId: sam.staff.id });
    expect(moved.status).toBe(200);
    expect(await moved.json()).toEqual({ status: "human" });
    await visitor.waitFor("status", (e) => e.data.assignee === "Sam");
    await visitor.waitFor("message", (e) => e.data.role === "system" && e.data.text === "Sam joined the conversation.");
    await inbox.waitFor("conversation" as ServerEvent["type"], (e) => (e.data as unknown as Row).id === conv.id && (e.data as unknown as Row).assigneeName === "Sam");
    const refused = await alex.post(`/api/staff/conversations/${conv.id}/reply`, { text: "still me?" });
    expect(refused.status).toBe(409);
    expect((await sam.post(`/api/staff/conversations/${conv.id}/reply`, { text: "Sam here" })).status).toBe(201);
    expect((await row(alex, conv.id))?.assigneeId).toBe(sam.staff.id);
    visitor.close();
    inbox.close();
  });

  it("reassigns to a team: back in the queue, routed to that team, and listed under it", async () => {
    const created = await sb.admin("/api/admin/orgs/desk/teams", { method: "POST", body: JSON.stringify({ id: "vip", name: "VIP", memberIds: [kim.staff.id] }) });
    expect(created.status).toBe(201);
    const conv = await waiting();
    await alex.post(`/api/staff/conversations/${conv.id}/claim`);
    const moved = await alex.post(`/api/staff/conversations/${conv.id}/reassign`, { teamId: "vip" });
    expect(await moved.json()).toEqual({ status: "waiting" });
    expect(await row(alex, conv.id)).toMatchObject({ status: "waiting", assigneeId: null, teamId: "vip" });
    const vip = (await (await kim.get("/api/staff/conversations?status=waiting&team=vip")).json()) as { conversations: Row[] };
    expect(vip.conversations.map((c) => c.id)).toContain(conv.id);
    const { messages } = await transcript(sb, conv);
    expect(messages.at(-1)?.text).toContain("our VIP team");
    // Unknown targets are a clear 400 that changes nothing.
    for (const body of [{ teamId: "nope" }, { staffId: olga.staff.id }, { staffId: "st_ghost" }, {}, { staffId: sam.staff.id, teamId: "vip" }]) {
      const res = await alex.post(`/api/staff/conversations/${conv.id}/reassign`, body);
      expect(res.status, JSON.stringify(body)).toBe(400);
    }
    expect(await row(alex, conv.id)).toMatchObject({ status: "waiting", teamId: "vip" });
  });

  it("an agent takes over only when the assignee is away, offline, or the visitor waited too long; owners always", async () => {
    await settings("desk", { takeoverAfterSec: 3600 });
    const conv = await waiting();
    await alex.post(`/api/staff/conversations/${conv.id}/claim`);
    const alexInbox = await inboxSocket(alex);
    // Alex is available: Sam (an agent) may not take it, nor hand it elsewhere.
    const refused = await sam.post(`/api/staff/conversations/${conv.id}/take-over`);
    expect(refused.status).toBe(403);
    expect(((await refused.json()) as { error: { code: string } }).error.code).toBe("takeover_not_allowed");
    expect((await sam.post(`/api/staff/conversations/${conv.id}/reassign`, { staffId: kim.staff.id })).status).toBe(403);
    expect((await row(sam, conv.id))?.assigneeName).toBe("Alex");
    // Alex steps away: now Sam may.
    expect(await (await put(alex, "/api/staff/presence", { status: "away" })).json()).toEqual({ presence: "away" });
    const taken = await sam.post(`/api/staff/conversations/${conv.id}/take-over`);
    expect(taken.status).toBe(200);
    expect((await row(sam, conv.id))?.assigneeName).toBe("Sam");
    expect((await transcript(sb, conv)).messages.at(-1)?.text).toBe("Sam took over the conversation.");
    await put(alex, "/api/staff/presence", { status: "available" });

    // An owner takes over from an available colleague.
    const samInbox = await inboxSocket(sam);
    expect((await owen.post(`/api/staff/conversations/${conv.id}/take-over`)).status).toBe(200);
    expect((await row(sam, conv.id))?.assigneeName).toBe("Owen");
    // Owen has no inbox open (offline): Sam may take it back.
    expect((await sam.post(`/api/staff/conversations/${conv.id}/take-over`)).status).toBe(200);

    // Once the visitor's message has waited the takeover time unanswered, an agent may.
    await settings("desk", { takeoverAfterSec: 0 });
    expect((await kim.post(`/api/staff/conversations/${conv.id}/take-over`)).status).toBe(403);
    await visitorSend(conv, "hello? anyone?");
    expect((await kim.post(`/api/staff/conversations/${conv.id}/take-over`)).status).toBe(200);
    expect((await row(kim, conv.id))?.assigneeName).toBe("Kim");
    await settings("desk", { takeoverAfterSec: 300 });

    // Kim has no inbox open, so Alex may take it.
    expect((await alex.post(`/api/staff/conversations/${conv.id}/take-over`)).status).toBe(200);
    alexInbox.close();
    samInbox.close();
  });

  it("of two staff taking over at once, each change is whole: the conversation ends with one of them and says so", async () => {
    const conv = await waiting();
    await kim.post(`/api/staff/conversations/${conv.id}/claim`);
    const [a, b] = await Promise.all([alex.post(`/api/staff/conversations/${conv.id}/claim`), sam.post(`/api/staff/conversations/${conv.id}/claim`)]);
    // Claims stay exclusive: Kim holds it, both are refused.
    expect([a.status, b.status]).toEqual([409, 409]);
    const [x, y] = await Promise.all([owen.post(`/api/staff/conversations/${conv.id}/take-over`), alex.post(`/api/staff/conversations/${conv.id}/take-over`)]);
    expect([x.status, y.status]).toEqual([200, 200]);
    const final = await row(alex, conv.id);
    expect(["Owen", "Alex"]).toContain(final?.assigneeName);
    const last = (await transcript(sb, conv)).messages.filter((m) => m.role === "system").at(-1);
    expect(last?.text).toBe(`${final?.assigneeName} took over the conversation.`);
  });
});

describe("teams", () => {
  it("admin API: create, read, replace, delete; members and sites must be the org's; a site goes to one team", async () => {
    const create = (body: unknown, org = "desk") => sb.admin(`/api/admin/orgs/${org}/teams`, { method: "POST", body: JSON.stringify(body) });
    const billing = await create({ id: "billing", name: "Billing", memberIds: [sam.staff.id], siteKeys: ["desk-billing"] });
    expect(billing.status).toBe(201);
    expect(await billing.json()).toEqual({ id: "billing", name: "Billing", memberIds: [sam.staff.id], siteKeys: ["desk-billing"] });
    expect((await create({ id: "billing", name: "Again" })).status).toBe(409);
    expect((await create({ id: "other-site", name: "X", siteKeys: ["desk-billing"] })).status).toBe(409);
    expect((await create({ id: "foreign", name: "X", memberIds: [olga.staff.id] })).status).toBe(400);
    expect((await create({ id: "foreign", name: "X", siteKeys: ["other"] })).status).toBe(400);
    expect((await create({ id: "Bad Id", name: "X" })).status).toBe(400);
    const replaced = await sb.admin("/api/admin/orgs/desk/teams/billing", { method: "PUT", body: JSON.stringify({ name: "Billing team", memberIds: [sam.staff.id, kim.staff.id], siteKeys: ["desk-billing"] }) });
    expect(await replaced.json()).toMatchObject({ name: "Billing team", memberIds: expect.arrayContaining([sam.staff.id, kim.staff.id]) });
    // Staff read them; another org sees none of them.
    const teams = (await (await alex.get("/api/staff/teams")).json()) as { teams: { id: string }[] };
    expect(teams.teams.map((t) => t.id)).toEqual(expect.arrayContaining(["billing", "vip"]));
    expect(await (await olga.get("/api/staff/teams")).json()).toEqual({ teams: [] });
    expect((await sb.admin("/api/admin/orgs/other/teams/billing")).status).toBe(404);
    // An agent cannot manage teams; an owner can, through the session.
    expect((await sam.post("/api/admin/orgs/desk/teams", { id: "mine", name: "Mine" })).status).toBe(403);
    expect((await owen.post("/api/admin/orgs/desk/teams", { id: "temp", name: "Temp" })).status).toBe(201);
    expect((await sb.admin("/api/admin/orgs/desk/teams/temp", { method: "DELETE" })).status).toBe(200);
    expect((await sb.admin("/api/admin/orgs/desk/teams/temp")).status).toBe(404);
  });
});

describe("round-robin auto-assignment", () => {
  it("assigns each waiting conversation to the next available agent with room, in turn; the rest wait; a freed place is filled", async () => {
    await setupOrg(sb, "rr", [testAgent("router")]);
    await addStaff(sb, "rr", "ann@rr.example", "Ann");
    await addStaff(sb, "rr", "bob@rr.example", "Bob");
    const [ann, bob] = await Promise.all([staffLogin(sb, "ann@rr.example"), staffLogin(sb, "bob@rr.example")]);
    await settings("rr", { autoAssign: true, defaultCapacity: 2 });
    // Nobody is there: it waits.
    const first = await waiting("rr");
    expect((await row(ann, first.id))?.status).toBe("waiting");
    // Ann opens the inbox: it is hers at once.
    const annInbox = await inboxSocket(ann);
    await eventually(async () => (await row(ann, first.id))?.assigneeName === "Ann", "first to Ann");
    const bobInbox = await inboxSocket(bob);
    const more: { id: string; token: string }[] = [];
    for (let i = 0; i < 4; i++) more.push(await waiting("rr"));
    await eventually(async () => {
      const rows = await Promise.all(more.map((c) => row(ann, c.id)));
      return rows.filter((r) => r?.status === "human").length === 3;
    }, "three more assigned");
    const rows = await Promise.all([first, ...more].map((c) => row(ann, c.id)));
    const held = (name: string) => rows.filter((r) => r?.assigneeName === name).length;
    // Capacity 2 each: four assigned, one waits.
    expect([held("Ann"), held("Bob")]).toEqual([2, 2]);
    const left = rows.find((r) => r?.status === "waiting");
    expect(left).toBeTruthy();
    // Ann resolves one: the one waiting is hers.
    const annsFirst = rows.find((r) => r?.assigneeName === "Ann") as Row;
    expect((await ann.post(`/api/staff/conversations/${annsFirst.id}/resolve`)).status).toBe(200);
    await eventually(async () => (await row(ann, left?.id ?? ""))?.assigneeName === "Ann", "the waiting one to Ann");
    annInbox.close();
    bobInbox.close();
  });

  it("a team's conversations go to its members only; an agent going away hands theirs on (or back to the queue)", async () => {
    await setupOrg(sb, "tm", [testAgent("router")]);
    await setupOrg(sb, "tm-billing", [], "router", { orgId: "tm" });
    await addStaff(sb, "tm", "ada@tm.example", "Ada");
    await addStaff(sb, "tm", "ben@tm.example", "Ben");
    await addStaff(sb, "tm", "cy@tm.example", "Cy");
    const [ada, ben, cy] = await Promise.all([staffLogin(sb, "ada@tm.example"), staffLogin(sb, "ben@tm.example"), staffLogin(sb, "cy@tm.example")]);
    await settings("tm", { autoAssign: true, defaultCapacity: 5 });
    expect((await sb.admin("/api/admin/orgs/tm/teams", { method: "POST", body: JSON.stringify({ id: "billing", name: "Billing", memberIds: [ben.staff.id, cy.staff.id], siteKeys: ["tm-billing"] }) })).status).toBe(201);
    const sockets = await Promise.all([ada, ben, cy].map(inboxSocket));
    const convs: { id: string; token: string }[] = [];
    for (let i = 0; i < 4; i++) convs.push(await waiting("tm-billing"));
    await eventually(async () => (await Promise.all(convs.map((c) => row(ada, c.id)))).every((r) => r?.status === "human"), "billing assigned");
    const rows = await Promise.all(convs.map((c) => row(ada, c.id)));
    expect(rows.every((r) => r?.teamId === "billing")).toBe(true);
    expect(rows.filter((r) => r?.assigneeName === "Ben").length).toBe(2);
    expect(rows.filter((r) => r?.assigneeName === "Cy").length).toBe(2);
    // Ben goes away: his go to Cy (the only other member), never to Ada.
    await put(ben, "/api/staff/presence", { status: "away" });
    await eventually(async () => (await Promise.all(convs.map((c) => row(ada, c.id)))).every((r) => r?.assigneeName === "Cy"), "Ben's to Cy");
    // Cy goes away too: nobody in the team is left, so they wait in the queue.
    await put(cy, "/api/staff/presence", { status: "away" });
    await eventually(async () => (await Promise.all(convs.map((c) => row(ada, c.id)))).every((r) => r?.status === "waiting" && r.assigneeId === null), "back to the queue");
    const { messages } = await transcript(sb, convs[0] as (typeof convs)[number]);
    expect(messages.at(-1)?.text).toContain("had to step away");
    // Ben is back: they are his.
    await put(ben, "/api/staff/presence", { status: "available" });
    await eventually(async () => (await Promise.all(convs.map((c) => row(ada, c.id)))).every((r) => r?.assigneeName === "Ben"), "all to Ben");
    for (const s of sockets) s.close();
  });

  it("an agent whose inbox stays closed past the grace period has their conversations handed on", async () => {
    await setupOrg(sb, "gr", [testAgent("router")]);
    await addStaff(sb, "gr", "dee@gr.example", "Dee");
    await addStaff(sb, "gr", "eli@gr.example", "Eli");
    const [dee, eli] = await Promise.all([staffLogin(sb, "dee@gr.example"), staffLogin(sb, "eli@gr.example")]);
    await settings("gr", { autoAssign: true, offlineGraceSec: 1 });
    const deeInbox = await inboxSocket(dee);
    const conv = await waiting("gr");
    await eventually(async () => (await row(eli, conv.id))?.assigneeName === "Dee", "to Dee");
    const eliInbox = await inboxSocket(eli);
    const directory = (await (await eli.get("/api/staff/directory")).json()) as { colleagues: { name: string; presence: string; open: number; capacity: number }[]; autoAssign: boolean };
    expect(directory.autoAssign).toBe(true);
    expect(directory.colleagues.find((c) => c.name === "Dee")).toMatchObject({ presence: "available", open: 1, capacity: 5 });
    deeInbox.close();
    await eliInbox.waitFor("presence" as ServerEvent["type"], (e) => (e.data as unknown as { presence: string }).presence === "offline");
    await eventually(async () => (await row(eli, conv.id))?.assigneeName === "Eli", "to Eli after the grace period");
    eliInbox.close();
  });

  it("settings are validated: capacities name the org's staff, numbers in range", async () => {
    const bad = [{ defaultCapacity: 0 }, { takeoverAfterSec: -1 }, { capacities: { [olga.staff.id]: 3 } }, { capacities: { nope: 3 } }, { autoAssign: "yes" }];
    for (const body of bad) {
      const res = await sb.admin("/api/admin/orgs/desk/inbox-settings", { method: "PUT", body: JSON.stringify(body) });
      expect(res.status, JSON.stringify(body)).toBe(400);
    }
    const ok = await sb.admin("/api/admin/orgs/desk/inbox-settings", { method: "PUT", body: JSON.stringify({ capacities: { [sam.staff.id]: 1 } }) });
    expect(await ok.json()).toMatchObject({ autoAssign: false, defaultCapacity: 5, capacities: { [sam.staff.id]: 1 } });
    expect((await sb.admin("/api/admin/orgs/other/inbox-settings")).status).toBe(200);
    expect(await (await sb.admin("/api/admin/orgs/other/inbox-settings")).json()).toMatchObject({ capacities: {} });
  });
});

describe("hostile", () => {
  it("another org's conversation answers 404 to take over, reassign, labels and history", async () => {
    const conv = await waiting();
    for (const res of [
      await olga.post(`/api/staff/conversations/${conv.id}/take-over`),
      await olga.post(`/api/staff/conversations/${conv.id}/reassign`, { staffId: olga.staff.id }),
      await put(olga, `/api/staff/conversations/${conv.id}/labels`, { labels: [] }),
      await olga.get(`/api/staff/conversations/${conv.id}/history`),
    ]) {
      expect(res.status).toBe(404);
    }
    expect((await row(alex, conv.id))?.status).toBe("waiting");
  });

  it("writes need the CSRF token and our Origin; the inbox socket needs our Origin", async () => {
    const conv = await waiting();
    const noCsrf = await sb.fetch(`/api/staff/conversations/${conv.id}/take-over`, { method: "POST", headers: { cookie: alex.cookie, origin: sb.url } });
    expect(noCsrf.status).toBe(403);
    const foreign = await alex.post(`/api/staff/conversations/${conv.id}/reassign`, { staffId: sam.staff.id }, { origin: "https://evil.example" });
    expect(foreign.status).toBe(403);
    const presence = await put(alex, "/api/staff/presence", { status: "away" }, { origin: "https://evil.example" });
    expect(presence.status).toBe(403);
    await expect(WsClient.connect(`${sb.url.replace("http", "ws")}/api/staff/inbox/ws`, { cookie: alex.cookie, origin: "https://evil.example" })).rejects.toMatchObject({ status: 403 });
    expect((await row(alex, conv.id))?.status).toBe("waiting");
  });
});
