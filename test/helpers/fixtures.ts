/**
 * Suite fixtures: each registers its own beforeAll / afterAll (and resets between tests),
 * so a test file states what it needs in one line.
 */
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, beforeEach } from "vitest";
import { type HostPages, hostPages, launchChromium } from "./browser";
import { ScriptedModel } from "./model-server";
import { type StartOptions, startSwitchboard, type Switchboard } from "./switchboard";

/**
 * The worker with the openai provider pointed at a scripted model (reset before each test).
 * `allowModel`: agents may also name the model server as their own `baseURL` (it is on
 * loopback, which tenant URLs may not reach unless opened).
 */
export function useScriptedSwitchboard(options: StartOptions & { allowModel?: boolean } = {}) {
  const fx = { model: new ScriptedModel(), sb: undefined as unknown as Switchboard };
  beforeAll(async () => {
    await fx.model.start();
    // The scripted model is the operator's OPENAI_BASE_URL (trusted); agents that name it as
    // their own endpoint pass the outbound guard only when the suite opens it (allowModel).
    const allowPrivate = [...(options.allowPrivate ?? []), ...(options.allowModel ? [fx.model.url] : [])];
    fx.sb = await startSwitchboard({ ...options, allowPrivate, vars: { OPENAI_API_KEY: "sk-test", OPENAI_BASE_URL: fx.model.url, ...options.vars } });
  });
  afterAll(async () => {
    await fx.sb?.close();
    await fx.model.stop();
  });
  beforeEach(() => fx.model.reset());
  return fx;
}

/** Chromium and a host-page server on another loopback port. */
export function useBrowser() {
  const fx = { browser: undefined as unknown as Browser, host: undefined as unknown as HostPages };
  beforeAll(async () => {
    [fx.browser, fx.host] = await Promise.all([launchChromium(), hostPages()]);
  });
  afterAll(async () => {
    await fx.browser?.close();
    await fx.host?.close();
  });
  return fx;
}
