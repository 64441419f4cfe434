/**
 * Talking to a conversation as its visitor does (the playground): POST a message with the
 * visitor token and read the turn's Server-Sent Events as they come.
 */
import type { StoredMessage } from "../../shared/protocol";

export type TurnEvent =
  | { type: "message"; data: StoredMessage }
  | { type: "delta"; data: { messageId: string; text: string; offset: number; author?: string } }
  | { type: "activity"; data: { agentId: string; kind: string; target?: string; targetName?: string } }
  | { type: "status"; data: { status: string } }
  | { type: "error"; data: { code: string; message: string } }
  | { type: "done"; data: { turnId?: string; reason?: string } };

export async function sendAsVisitor(conversationId: string, token: string, text: string, onEvent: (e: TurnEvent) => void): Promise<void> {
  const res = await fetch(`/api/conversations/${encodeURIComponent(conversationId)}/messages`, {
    method: "POST",
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    body: JSON.stringify({ clientMessageId: `pg_${crypto.randomUUID().replace(/-/g, "")}`, text }),
  });
  if (!res.ok || !res.body) {
    const data = (await res.json().catch(() => ({}))) as { error?: { message?: string } };
    throw new Error(data.error?.message ?? `the server answered ${res.status}`);
  }
  const reader = res.body.getReader();
  const decoder = new TextDecoder();
  let buffer = "";
  for (;;) {
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
      try {
        onEvent({ type, data: JSON.parse(data) } as TurnEvent);
      } catch {
        // a frame we cannot read is skipped
      }
    }
  }
}
