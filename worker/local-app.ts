/**
 * Switchboard's own HTTP app, for code below the route layer that must call it in-process
 * (an HTTP tool whose URL is relative, like the demo's billing lookup). The entry point
 * (index.ts) hands the app over when the worker loads, so the engine never imports the
 * routes — imports keep flowing one way — and no binding has to point the worker at itself
 * (a self-referencing service binding cannot be deployed before the worker exists).
 */
import type { Env } from "./env";

type Handler = (request: Request, env: Env) => Response | Promise<Response>;

let app: Handler | null = null;

export function serveLocally(handler: Handler): void {
  app = handler;
}

export async function fetchLocally(request: Request, env: Env): Promise<Response> {
  if (!app) throw new Error("Switchboard's own app is not registered (worker/index.ts registers it)");
  return app(request, env);
}
