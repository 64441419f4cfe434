/**
 * Reading the API's Server-Sent Events (`event: <type>\ndata: <json>\n\n` frames, as
 * worker/http/sse.ts writes them) from a fetch body: the console's playground, the eval
 * client and the tests read a turn's stream with this one reader.
 */
export interface SseFrame {
  type: string;
  /** The frame's `data:` line as sent (JSON in this API); the caller parses it. */
  data: string;
}

/**
 * Yields each complete frame as it arrives. Leaving the loop early (a `break` or `return`
 * after `done`) cancels the body, so the connection is not held open for nothing.
 */
export async function* sseFrames(body: ReadableStream<Uint8Array>): AsyncGenerator<SseFrame> {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let buffer = "";
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      buffer += decoder.decode(value, { stream: true });
      let cut: number;
      while ((cut = buffer.indexOf("\n\n")) >= 0) {
        const frame = buffer.slice(0, cut);
        buffer = buffer.slice(cut + 2);
        const type = frame.match(/^event: (.*)$/m)?.[1];
        const data = frame.match(/^data: (.*)$/m)?.[1];
        if (type && data !== undefined) yield { type, data };
      }
    }
  } finally {
    await reader.cancel().catch(() => {});
  }
}
