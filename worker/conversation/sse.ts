import type { ServerEvent } from "../../shared/protocol";

const encoder = new TextEncoder();

/** One event in text/event-stream framing; stored messages carry their seq as the event id. */
export function sseFrame(event: ServerEvent): Uint8Array {
  const id = event.type === "message" ? `id: ${event.data.seq}\n` : "";
  return encoder.encode(`${id}event: ${event.type}\ndata: ${JSON.stringify(event.data)}\n\n`);
}

export const sseComment = (text: string) => encoder.encode(`: ${text}\n\n`);

export const SSE_HEADERS = {
  "content-type": "text/event-stream; charset=utf-8",
  "cache-control": "no-cache, no-transform",
  "x-accel-buffering": "no",
};
