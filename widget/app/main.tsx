/**
 * widget/app.js: the chat app the loader imports on first open (or when idle).
 */
import { render } from "preact";
import { useEffect, useState } from "preact/hooks";
import type { AppController, MountOptions } from "../types";
import { ChatClient } from "./chat";
import { isRtl, loadStrings, pickLocale, siteTexts, type Strings } from "./i18n";
import { Panel } from "./Panel";
import { adopt, APP_CSS } from "./styles";
import { followKeyboard } from "./viewport";

function App({ chat, options, t, locale }: { chat: ChatClient; options: MountOptions; t: Strings; locale: string }) {
  const [state, setState] = useState(chat.state);
  useEffect(() => {
    // Changes made between the first render and this subscription (the loader replays
    // queued commands right after mounting) must not be missed.
    setState(chat.state);
    return chat.subscribe(() => setState(chat.state));
  }, [chat]);
  return (
    <Panel
      chat={chat}
      state={state}
      config={options.config}
      texts={siteTexts(options.config, locale, navigator.languages ?? [])}
      t={t}
      locale={locale}
      dir={isRtl(locale) ? "rtl" : "ltr"}
      base={options.base}
      page={options.mode === "page"}
      onClose={options.requestClose}
    />
  );
}

export function mount(options: MountOptions): AppController {
  adopt(APP_CSS, options.shadow);
  const languages = () => navigator.languages ?? [navigator.language];
  let locale = pickLocale(options.config.locale, languages());
  const chat = new ChatClient({ ...options, locale });
  // A locale other than English is a chunk of its own: the panel draws once it is here
  // (commands given meanwhile act on the chat client at once). Only the latest draw counts.
  let drawn = 0;
  const draw = () => {
    const mine = ++drawn;
    void loadStrings(locale).then((t) => {
      if (mine !== drawn) return;
      options.setLabels?.(t);
      render(<App chat={chat} options={options} t={t} locale={locale} />, options.container);
    });
  };
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
