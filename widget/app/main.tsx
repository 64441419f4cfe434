/**
 * widget/app.js: the chat app the loader imports on first open (or when idle).
 */
import { render } from "preact";
import { useEffect, useState } from "preact/hooks";
import type { AppController, MountOptions } from "../types";
import { ChatClient } from "./chat";
import { isRtl, pickLocale, strings } from "./i18n";
import { Panel } from "./Panel";
import { APP_CSS } from "./styles";
import { followKeyboard } from "./viewport";

function App({ chat, options }: { chat: ChatClient; options: MountOptions }) {
  const [state, setState] = useState(chat.state);
  useEffect(() => {
    // Changes made between the first render and this subscription (the loader replays
    // queued commands right after mounting) must not be missed.
    setState(chat.state);
    return chat.subscribe(() => setState(chat.state));
  }, [chat]);
  const locale = pickLocale(options.config.locale, navigator.languages ?? [navigator.language]);
  return (
    <Panel
      chat={chat}
      state={state}
      config={options.config}
      t={strings(locale)}
      dir={isRtl(locale) ? "rtl" : "ltr"}
      base={options.base}
      page={options.mode === "page"}
      onClose={options.requestClose}
    />
  );
}

export function mount(options: MountOptions): AppController {
  const sheet = new CSSStyleSheet();
  sheet.replaceSync(APP_CSS);
  options.shadow.adoptedStyleSheets = [...options.shadow.adoptedStyleSheets, sheet];
  const chat = new ChatClient(options);
  const draw = () => render(<App chat={chat} options={options} />, options.container);
  draw();
  if (options.mode === "widget") followKeyboard(options.container);
  return {
    preview: (config) => {
      options.config = config;
      draw();
    },
    setOpen: (open) => chat.setOpen(open),
    send: (text) => void chat.send(text),
    identify: (identity) => chat.identify(identity),
    reset: () => chat.reset(),
  };
}
