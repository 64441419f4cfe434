/**
 * The inbox's keyboard shortcuts: one table, read by the key handler and by the help
 * overlay (`?`), so what the overlay says is what the keys do.
 */
export type Command = "next" | "previous" | "claim" | "resolve" | "reply" | "note" | "canned" | "reassign" | "details" | "search" | "help" | "back";

export const SHORTCUTS: { keys: string[]; command: Command; what: string }[] = [
  { keys: ["j"], command: "next", what: "Next conversation" },
  { keys: ["k"], command: "previous", what: "Previous conversation" },
  { keys: ["c"], command: "claim", what: "Claim (or take over)" },
  { keys: ["e"], command: "resolve", what: "Resolve" },
  { keys: ["r"], command: "reply", what: "Write a reply" },
  { keys: ["n"], command: "note", what: "Write an internal note" },
  { keys: ["#"], command: "canned", what: "Insert a canned reply" },
  { keys: ["a"], command: "reassign", what: "Reassign to a colleague or team" },
  { keys: ["i"], command: "details", what: "Show or hide the visitor and trace panel" },
  { keys: ["/"], command: "search", what: "Search conversations" },
  { keys: ["?"], command: "help", what: "Show these shortcuts" },
  { keys: ["Esc"], command: "back", what: "Close a menu or panel; back to the list on a phone" },
];

/** In the composer: Ctrl/⌘ + Enter sends; `/` at the start or `#` after a space opens canned replies. */
export const COMPOSER_HINTS = [
  { keys: ["Ctrl", "Enter"], what: "Send (⌘ + Enter on a Mac)" },
  { keys: ["/shortcut"], what: "At the start of the box: a canned reply (↑ ↓ to pick, Enter or Tab to insert)" },
  { keys: ["#shortcut"], what: "Anywhere in the box: the same" },
];

const BY_KEY = new Map(SHORTCUTS.flatMap((s) => s.keys.map((k) => [k === "Esc" ? "Escape" : k, s.command] as const)));

/** The command a key press means, unless the person is typing somewhere (Escape always counts). */
export function commandFor(e: KeyboardEvent): Command | null {
  if (e.ctrlKey || e.metaKey || e.altKey) return null;
  const target = e.target as HTMLElement | null;
  const typing = !!target && (target.isContentEditable || ["INPUT", "TEXTAREA", "SELECT"].includes(target.tagName));
  if (typing && e.key !== "Escape") return null;
  return BY_KEY.get(e.key) ?? null;
}
