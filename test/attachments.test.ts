/**
 * Attachments end to end against the real worker and its R2 bucket: a visitor's screenshot
 * and a staff member's PDF, stored, sent live, linked for a few minutes and served as what
 * their bytes are; hostile uploads refused before anything is stored; links only for the
 * conversation's participants.
 */
import { createHmac } from "node:crypto";
import { beforeAll, describe, expect, it } from "vitest";
import type { StoredMessage } from "../shared/protocol";
import { useScriptedSwitchboard } from "./helpers/fixtures";
import { agent } from "./helpers/model-server";
import { addStaff, LOCAL_ORIGIN, SESSION_SECRET, setupOrg, staffLogin, type StaffClient, startConversation, type Switchboard, testAgent, transcript } from "./helpers/switchboard";
import { WsClient, wsUrl } from "./helpers/ws-client";

const scripted = useScriptedSwitchboard();
let sb: Switchboard;
let kim: StaffClient;
let outsider: StaffClient;

/** A 1×1 PNG. */
export const PNG = Buffer.from("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==", "base64");
export const PDF = Buffer.from("%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj 2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n");

beforeAll(async () => {
  ({ sb } = scripted);
  await setupOrg(sb, "files", [testAgent("router")], "router");
  await setupOrg(sb, "rival", [testAgent("router")], "router");
  await addStaff(sb, "files", "kim@files.example", "Kim Lee");
  await addStaff(sb, "rival", "rex@rival.example", "Rex");
  kim = await staffLogin(sb, "kim@files.example");
  outsider = await staffLogin(sb, "rex@rival.example");
});

function form(file: { bytes: Uint8Array; name: string; type: string } | null, fields: Record<string, string> = {}): FormData {
  const body = new FormData();
  if (file) body.append("file", new Blob([new Uint8Array(file.bytes)], { type: file.type }), file.name);
  for (const [k, v] of Object.entries(fields)) body.append(k, v);
  return body;
}

const upload = (conv: { id: string; token: string }, body: BodyInit, headers: Record<string, string> = {}) =>
  sb.fetch(`/api/conversations/${conv.id}/attachments`, { method: "POST", headers: { authorization: `Bearer ${conv.token}`, origin: LOCAL_ORIGIN, ...headers }, body });

const staffUpload = (staff: StaffClient, conversationId: string, body: FormData) =>
  sb.fetch(`/api/staff/conversations/${conversationId}/attachments`, { method: "POST", headers: { cookie: staff.cookie, "x-csrf-token": staff.csrf, origin: sb.url }, body });

const link = async (conv: { id: string; token: string }, attachmentId: string) =>
  sb.fetch(`/api/conversations/${conv.id}/attachments/${attachmentId}`, { headers: { authorization: `Bearer ${conv.token}` } });

const sign = (conversationId: string, attachmentId: string, exp: number) =>
  createHmac("sha256", SESSION_SECRET).update(`attachment:${conversationId}:${attachmentId}:${exp}`).digest("base64url");

describe("a visitor's screenshot", () => {
  it("is stored in R2, sent live as a message, and served through a short-lived link as the image it is", async () => {
    const conv = await startConversation(sb, "files");
    const visitor = await WsClient.connect(wsUrl(sb.url, conv.id, conv.token, 0));
    await visitor.waitFor("ready");
    const res = await upload(conv, form({ bytes: PNG, name: "../../home/ada/screen shot.png", type: "image/png" }, { clientMessageId: "shot-000001" }));
    expect(res.status).toBe(201);
    const { message, duplicate } = (await res.json()) as { message: StoredMessage; duplicate: boolean };
    expect(duplicate).toBe(false);
    expect(message.role).toBe("user");
    expect(message.attachments).toEqual([{ id: expect.stringMatching(/^att_/), name: "screen shot.png", type: "image/png", size: PNG.byteLength }]);
    expect(message.text).toBe("📎 screen shot.png");
    const live = await visitor.waitFor("message", (e) => e.data.id === message.id);
    expect(live.data.attachments).toEqual(message.attachments);
    // A file without words asks the bot nothing.
    expect(scripted.model.requests).toHaveLength(0);
    expect(await sb.r2Keys(`attachments/${conv.id}/`)).toEqual([`attachments/${conv.id}/${message.attachments?.[0]?.id}`]);

    const id = message.attachments?.[0]?.id as string;
    const linked = await link(conv, id);
    expect(linked.status).toBe(200);
    const { url, expiresAt } = (await linked.json()) as { url: string; expiresAt: string };
    expect(Date.parse(expiresAt) - Date.now()).toBeGreaterThan(5 * 60_000);
    expect(Date.parse(expiresAt) - Date.now()).toBeLessThanOrEqual(10 * 60_000);
    const file = await fetch(url);
    expect(file.status).toBe(200);
    expect(Buffer.from(await file.arrayBuffer()).equals(PNG)).toBe(true);
    expect(file.headers.get("content-type")).toBe("image/png");
    expect(file.headers.get("content-disposition")).toMatch(/^inline; filename="screen shot.png"/);
    expect(file.headers.get("x-content-type-options")).toBe("nosniff");
    expect(file.headers.get("content-security-policy")).toContain("sandbox");
    expect(file.headers.get("cross-origin-resource-policy")).toBe("cross-origin");
    expect(file.headers.get("cache-control")).toMatch(/^private, max-age=\d+$/);

    // The org's staff see it with the transcript and get a link of their own.
    const detail = (await (await kim.get(`/api/staff/conversations/${conv.id}`)).json()) as { messages: StoredMessage[] };
    expect(detail.messages.find((m) => m.id === message.id)?.attachments).toEqual(message.attachments);
    const staffLink = await kim.get(`/api/staff/conversations/${conv.id}/attachments/${id}`);
    expect(staffLink.status).toBe(200);
    expect((await fetch(((await staffLink.json()) as { url: string }).url)).status).toBe(200);
    visitor.close();
  });

  it("sent again with the same clientMessageId is the first message, and one file is kept", async () => {
    const conv = await startConversation(sb, "files");
    const first = (await (await upload(conv, form({ bytes: PNG, name: "a.png", type: "image/png" }, { clientMessageId: "again-00001" }))).json()) as { message: StoredMessage };
    const second = await upload(conv, form({ bytes: PNG, name: "a.png", type: "image/png" }, { clientMessageId: "again-00001" }));
    expect(second.status).toBe(201);
    expect(await second.json()).toEqual({ message: first.message, duplicate: true });
    expect(await sb.r2Keys(`attachments/${conv.id}/`)).toHaveLength(1);
    expect((await transcript(sb, conv)).messages).toHaveLength(1);
  });

  it("with words, is a message the bot answers", async () => {
    scripted.model.on(agent("[router]"), { text: "That error means your session expired." });
    const conv = await startConversation(sb, "files");
    const visitor = await WsClient.connect(wsUrl(sb.url, conv.id, conv.token, 0));
    const res = await upload(conv, form({ bytes: PNG, name: "error.png", type: "image/png" }, { clientMessageId: "words-00001", text: "What does this error mean?" }));
    expect(res.status).toBe(201);
    expect(((await res.json()) as { message: StoredMessage }).message.text).toBe("What does this error mean?");
    await visitor.waitFor("message", (e) => e.data.role === "assistant");
    expect(scripted.model.requests[0]?.user).toBe("What does this error mean?");
    visitor.close();
  });

  it("a visitor attaches at most 20 files to one conversation", async () => {
    const conv = await startConversation(sb, "files");
    for (let i = 0; i < 20; i++) expect((await upload(conv, form({ bytes: PNG, name: `p${i}.png`, type: "image/png" }, { clientMessageId: `many-${String(i).padStart(5, "0")}` }))).status).toBe(201);
    const refused = await upload(conv, form({ bytes: PNG, name: "p20.png", type: "image/png" }, { clientMessageId: "many-00020" }));
    expect(refused.status).toBe(409);
    expect(((await refused.json()) as { error: { code: string } }).error.code).toBe("too_many_attachments");
    expect(await sb.r2Keys(`attachments/${conv.id}/`)).toHaveLength(20);
  });
});

describe("a staff member's PDF", () => {
  it("is a reply the visitor downloads (never opened in our origin), and it claims the conversation", async () => {
    const conv = await startConversation(sb, "files");
    const visitor = await WsClient.connect(wsUrl(sb.url, conv.id, conv.token, 0));
    const res = await staffUpload(kim, conv.id, form({ bytes: PDF, name: "invoice INV-1001.pdf", type: "application/pdf" }, { text: "Here is your invoice." }));
    expect(res.status).toBe(201);
    const { message } = (await res.json()) as { message: StoredMessage };
    expect(message).toMatchObject({ role: "human", author: "Kim Lee", text: "Here is your invoice.", attachments: [{ name: "invoice INV-1001.pdf", type: "application/pdf", size: PDF.byteLength }] });
    await visitor.waitFor("status", (e) => e.data.status === "human" && e.data.assignee === "Kim Lee");
    await visitor.waitFor("message", (e) => e.data.id === message.id);
    const { url } = (await (await link(conv, message.attachments?.[0]?.id as string)).json()) as { url: string };
    const file = await fetch(url);
    expect(file.headers.get("content-type")).toBe("application/pdf");
    expect(file.headers.get("content-disposition")).toBe(`attachment; filename="invoice INV-1001.pdf"; filename*=UTF-8''invoice%20INV-1001.pdf`);
    expect(Buffer.from(await file.arrayBuffer()).equals(PDF)).toBe(true);
    visitor.close();
  });

  it("another org's staff cannot attach to the conversation, and nothing is stored", async () => {
    const conv = await startConversation(sb, "files");
    const res = await staffUpload(outsider, conv.id, form({ bytes: PDF, name: "x.pdf", type: "application/pdf" }));
    expect(res.status).toBe(404);
    expect(await sb.r2Keys(`attachments/${conv.id}/`)).toEqual([]);
  });
});

describe("hostile uploads", () => {
  it("are refused with a clear 4xx before anything is stored", async () => {
    const conv = await startConversation(sb, "files");
    const svg = Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>');
    const html = Buffer.from("<!doctype html><script>alert(1)</script>");
    const big = new Uint8Array(10 * 1024 * 1024 + 1);
    big.set(PNG);
    const twoFiles = form({ bytes: PNG, name: "a.png", type: "image/png" }, { clientMessageId: "hostile-0002" });
    twoFiles.append("file", new Blob([PNG], { type: "image/png" }), "b.png");
    const cases: [string, BodyInit, number, string, Record<string, string>?][] = [
      ["svg", form({ bytes: svg, name: "x.svg", type: "image/svg+xml" }, { clientMessageId: "hostile-0001" }), 415, "unsupported_type"],
      ["html called png", form({ bytes: html, name: "x.png", type: "image/png" }, { clientMessageId: "hostile-0001" }), 415, "unsupported_type"],
      ["png called pdf", form({ bytes: PNG, name: "x.pdf", type: "application/pdf" }, { clientMessageId: "hostile-0001" }), 415, "type_mismatch"],
      ["over 10 MB", form({ bytes: big, name: "big.png", type: "image/png" }, { clientMessageId: "hostile-0001" }), 413, "payload_too_large"],
      ["empty", form({ bytes: new Uint8Array(), name: "e.png", type: "image/png" }, { clientMessageId: "hostile-0001" }), 400, "invalid_request"],
      ["no file", form(null, { clientMessageId: "hostile-0001" }), 400, "invalid_request"],
      ["two files", twoFiles, 400, "invalid_request"],
      ["no clientMessageId", form({ bytes: PNG, name: "a.png", type: "image/png" }), 400, "invalid_request"],
      ["bad clientMessageId", form({ bytes: PNG, name: "a.png", type: "image/png" }, { clientMessageId: "../../x" }), 400, "invalid_request"],
      ["text over 8 KB", form({ bytes: PNG, name: "a.png", type: "image/png" }, { clientMessageId: "hostile-0001", text: "x".repeat(9000) }), 413, "payload_too_large"],
      ["json", JSON.stringify({ file: "iVBOR" }), 415, "unsupported_media_type", { "content-type": "application/json" }],
      ["not multipart at all", "garbage", 400, "invalid_request", { "content-type": "multipart/form-data; boundary=nothing" }],
    ];
    for (const [label, body, status, code, headers] of cases) {
      const res = await upload(conv, body, headers);
      expect([label, res.status, ((await res.json()) as { error: { code: string } }).error.code]).toEqual([label, status, code]);
    }
    expect((await transcript(sb, conv)).messages).toEqual([]);
    expect(await sb.r2Keys(`attachments/${conv.id}/`)).toEqual([]);
  });

  it("a PNG that carries HTML after its signature is only ever served as an image, never sniffed", async () => {
    const conv = await startConversation(sb, "files");
    const polyglot = Buffer.concat([PNG.subarray(0, 8), Buffer.from("<html><script>alert(1)</script></html>")]);
    const { message } = (await (await upload(conv, form({ bytes: polyglot, name: "p.html", type: "" }, { clientMessageId: "poly-000001" }))).json()) as { message: StoredMessage };
    const { url } = (await (await link(conv, message.attachments?.[0]?.id as string)).json()) as { url: string };
    const file = await fetch(url);
    expect(file.headers.get("content-type")).toBe("image/png");
    expect(file.headers.get("x-content-type-options")).toBe("nosniff");
    expect(file.headers.get("content-security-policy")).toMatch(/default-src 'none'.*sandbox/);
  });
});

describe("links", () => {
  it("are given only to the conversation's participants, and work for a few minutes only", async () => {
    const conv = await startConversation(sb, "files");
    const other = await startConversation(sb, "files");
    const { message } = (await (await upload(conv, form({ bytes: PNG, name: "a.png", type: "image/png" }, { clientMessageId: "links-00001" }))).json()) as { message: StoredMessage };
    const id = message.attachments?.[0]?.id as string;
    // Another conversation's token opens neither this conversation nor, through its own path, this file.
    expect((await sb.fetch(`/api/conversations/${conv.id}/attachments/${id}`, { headers: { authorization: `Bearer ${other.token}` } })).status).toBe(401);
    expect((await link(other, id)).status).toBe(404);
    expect((await sb.fetch(`/api/conversations/${conv.id}/attachments/${id}`)).status).toBe(401);
    // Staff of another org, or nobody signed in.
    expect((await outsider.get(`/api/staff/conversations/${conv.id}/attachments/${id}`)).status).toBe(404);
    expect((await sb.fetch(`/api/staff/conversations/${conv.id}/attachments/${id}`)).status).toBe(401);
    // A link altered, expired, or valid for longer than links are given for, is refused.
    const { url } = (await (await link(conv, id)).json()) as { url: string };
    const good = new URL(url);
    const exp = Number(good.searchParams.get("exp"));
    const at = (path: string) => fetch(new URL(path, sb.url));
    expect((await at(`${good.pathname}?exp=${exp}&sig=${good.searchParams.get("sig")}`)).status).toBe(200);
    expect((await at(`${good.pathname}?exp=${exp + 1}&sig=${good.searchParams.get("sig")}`)).status).toBe(403);
    expect((await at(`${good.pathname}?exp=${exp}&sig=${sign(conv.id, id, exp + 1)}`)).status).toBe(403);
    const past = Math.floor(Date.now() / 1000) - 5;
    expect((await at(`/api/files/${conv.id}/${id}?exp=${past}&sig=${sign(conv.id, id, past)}`)).status).toBe(403);
    const later = Math.floor(Date.now() / 1000) + 86_400;
    expect((await at(`/api/files/${conv.id}/${id}?exp=${later}&sig=${sign(conv.id, id, later)}`)).status).toBe(403);
    // A link for this file does not open another file of the conversation.
    expect((await at(`/api/files/${other.id}/${id}?exp=${exp}&sig=${good.searchParams.get("sig")}`)).status).toBe(403);
  });
});
