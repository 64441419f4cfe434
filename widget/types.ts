/**
 * The contract between the tiny loader (widget.js) and the lazily loaded app: what the
 * loader hands over when it mounts the app, and what the app gives back.
 */
import type { PublicSiteConfig } from "../shared/config";
import type { Identity } from "../shared/protocol";

export type { Identity };

export type WidgetEvent = "ready" | "open" | "close" | "message" | "status";

export interface MountOptions {
  /** Where the panel renders (inside the loader's shadow root). */
  container: HTMLElement;
  shadow: ShadowRoot;
  base: string;
  siteKey: string;
  config: PublicSiteConfig;
  mode: "widget" | "page";
  emit(event: WidgetEvent, payload?: unknown): void;
  /** The loader shows the unread count on the launcher. */
  setUnread(count: number): void;
  /** The panel asks to be closed (its close button, Escape). */
  requestClose(): void;
  /** The launcher's labels in the visitor's language (`unread` has `{n}`). */
  setLabels?(labels: { open: string; close: string; unread: string }): void;
}

export interface AppController {
  setOpen(open: boolean): void;
  send(text: string): void;
  identify(identity: Identity): void;
  reset(): void;
  /** Draws the panel with another config (the console's live preview of unsaved changes). */
  preview?(config: PublicSiteConfig): void;
}
