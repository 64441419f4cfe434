/**
 * A same-origin WebSocket that reconnects with backoff (the session cookie authenticates it).
 */
export function liveSocket(path: string, onMessage: (data: unknown) => void, onState: (up: boolean) => void): { send(frame: unknown): void; close(): void } {
  let ws: WebSocket | null = null;
  let closed = false;
  let failures = 0;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const open = () => {
    ws = new WebSocket(`${location.protocol === "https:" ? "wss" : "ws"}://${location.host}${path}`);
    ws.onopen = () => {
      failures = 0;
      onState(true);
    };
    ws.onmessage = (e) => {
      try {
        onMessage(JSON.parse(String(e.data)));
      } catch {
        // ignore
      }
    };
    ws.onclose = () => {
      onState(false);
      if (closed) return;
      failures++;
      timer = setTimeout(open, Math.min(15_000, 500 * 2 ** failures));
    };
  };
  open();
  return {
    send: (frame) => {
      if (ws?.readyState === WebSocket.OPEN) ws.send(JSON.stringify(frame));
    },
    close: () => {
      closed = true;
      clearTimeout(timer);
      ws?.close();
    },
  };
}
