/**
 * What `npm run eval` needs of a running Switchboard, through its public and admin API only:
 * a conversation per question (as a visitor on an allowed origin), the reply, its trace, the
 * agents' configs (for the leak check) and the cited pages (for the grounding check).
 */
import type { TraceNode } from "../shared/trace";

export interface Target {
  url: string;
  token: string;
  site: string;
  org: string;
  /** An origin the site allows (visitors' requests carry one). */
  origin: string;
}

export interface Reply {
  text: string;
  sources: { id: string; title: string; url?: string }[];
  handoff: boolean;
}

interface SseEvent {
  type: string;
  data: Record<string, unknown>;
}

export class SwitchboardClient {
  private pages = new Map<string, Promise<string | null>>();

  constructor(readonly target: Target) {}

  private admin(path: string, init: RequestInit = {}): Promise<Response> {
    return fetch(`${this.target.url}${path}`, {
      ...init,
      headers: { authorization: `Bearer ${this.target.token}`, ...(init.body ? { "content-type": "application/json" } : {}), ...init.headers },
    });
  }

  async startConversation(): Promise<{ id: string; token: string }> {
    for (let attempt = 0; ; attempt++) {
      const res = await fetch(`${this.target.url}/api/sites/${encodeURIComponent(this.target.site)}/conversations`, {
        method: "POST",
        headers: { origin: this.target.origin, "content-type": "application/json" },
        body: "{}",
      });
      if (res.status === 429 && attempt < 5) {
        // The site's visitor rate limit (RATE_LIMIT_STARTS_PER_IP): wait as told, then go on.
        const wait = Number(res.headers.get("retry-after") ?? "10");
        console.warn(`rate limited: waiting ${wait} s (raise RATE_LIMIT_STARTS_PER_IP for eval runs)`);
        await new Promise((r) => setTimeout(r, Math.min(wait, 120) * 1000));
        continue;
      }
      if (res.status !== 201) throw new Error(`starting a conversation on site ${this.target.site}: ${res.status} ${await res.text()}`);
      const body = (await res.json()) as { conversationId: string; token: string };
      return { id: body.conversationId, token: body.token };
    }
  }

  /** Sends one message and reads the turn's SSE stream to its `done`. */
  async ask(conversation: { id: string; token: string }, text: string): Promise<Reply> {
    const res = await fetch(`${this.target.url}/api/conversations/${conversation.id}/messages`, {
      method: "POST",
      headers: { authorization: `Bearer ${conversation.token}`, "content-type": "application/json", origin: this.target.origin },
      body: JSON.stringify({ clientMessageId: `eval-${Math.random().toString(36).slice(2)}${Date.now().toString(36)}`, text }),
    });
    if (!res.ok) throw new Error(`sending: ${res.status} ${await res.text()}`);
    const events = await readSse(res);
    const replies = events.filter((e) => e.type === "message" && e.data.role === "assistant");
    const last = replies[replies.length - 1]?.data as { text?: string; sources?: Reply["sources"] } | undefined;
    const handoff = events.some((e) => e.type === "status" && (e.data.status === "waiting" || e.data.status === "human"));
    return { text: last?.text ?? "", sources: last?.sources ?? [], handoff };
  }

  async trace(conversationId: string): Promise<TraceNode[] | null> {
    const res = await this.admin(`/api/admin/conversations/${conversationId}/trace`);
    if (!res.ok) return null;
    return ((await res.json()) as { roots: TraceNode[] }).roots;
  }

  async agents(): Promise<{ id: string; instructions: string; tools: string[]; httpTools: { name: string; secretHeaders?: Record<string, string>; headers?: Record<string, string> }[]; model: Record<string, unknown> }[] | null> {
    const res = await this.admin(`/api/admin/orgs/${encodeURIComponent(this.target.org)}/agents`);
    if (!res.ok) return null;
    return ((await res.json()) as { agents: never[] }).agents;
  }

  /** The site's stored eval set (`GET …/sites/:site/eval-cases`), or null when it cannot be read. */
  async evalCases(): Promise<{ id: string; question: string; expect: string; sources: string[]; contains: string[] }[] | null> {
    const res = await this.admin(`/api/admin/orgs/${encodeURIComponent(this.target.org)}/sites/${encodeURIComponent(this.target.site)}/eval-cases`);
    if (!res.ok) return null;
    return ((await res.json()) as { cases: never[] }).cases;
  }

  async putAgent(agent: { id: string } & Record<string, unknown>): Promise<void> {
    const res = await this.admin(`/api/admin/orgs/${encodeURIComponent(this.target.org)}/agents/${encodeURIComponent(agent.id)}`, { method: "PUT", body: JSON.stringify(agent) });
    if (!res.ok) throw new Error(`updating agent ${agent.id}: ${res.status} ${await res.text()}`);
  }

  /** The readable text of a cited page (relative URLs are the instance's own), or null. */
  pageText(url: string): Promise<string | null> {
    const absolute = new URL(url, this.target.url).toString();
    let page = this.pages.get(absolute);
    if (!page) {
      page = fetch(absolute)
        .then(async (res) => (res.ok ? htmlText(await res.text()) : null))
        .catch(() => null);
      this.pages.set(absolute, page);
    }
    return page;
  }
}

/** The site's first allowed origin a browser could have (a `:*` port pattern becomes a port). */
export async function siteOrigin(url: string, token: string, org: string, site: string): Promise<string | null> {
  const res = await fetch(`${url}/api/admin/orgs/${encodeURIComponent(org)}/sites/${encodeURIComponent(site)}`, { headers: { authorization: `Bearer ${token}` } });
  if (!res.ok) return null;
  const { allowedOrigins = [] } = (await res.json()) as { allowedOrigins?: string[] };
  const first = allowedOrigins[0];
  return first ? first.replace(/:\*$/, ":3000") : null;
}

async function readSse(res: Response): Promise<SseEvent[]> {
  const events: SseEvent[] = [];
  const reader = (res.body as ReadableStream<Uint8Array>).getReader();
  const decoder = new TextDecoder();
  let buffer = "";
  while (true) {
    const { done, value } = await reader.read();
    if (done) break;
    buffer += decoder.decode(value, { stream: true });
    let cut: number;
    while ((cut = buffer.indexOf("\n\n")) >= 0) {
      const frame = buffer.slice(0, cut);
      buffer = buffer.slice(cut + 2);
      const type = frame.match(/^event: (.*)$/m)?.[1];
      const data = frame.match(/^data: (.*)$/m)?.[1];
      if (!type || data === undefined) continue;
      events.push({ type, data: JSON.parse(data) });
      if (type === "done") {
        await reader.cancel();
        return events;
      }
    }
  }
  return events;
}

function htmlText(html: string): string {
  return html
    .replace(/<(script|style|nav|header|footer)[\s\S]*?<\/\1>/gi, " ")
    .replace(/<[^>]+>/g, " ")
    .replace(/&nbsp;/g, " ")
    .replace(/&amp;/g, "&")
    .replace(/&lt;/g, "<")
    .replace(/&gt;/g, ">")
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/\s+/g, " ")
    .trim();
}
