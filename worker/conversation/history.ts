/**
 * What the conversation's agent is sent of the transcript: the newest messages whose
 * estimated tokens fit the site's `historyTokenLimit`, oldest first. Bounded by size, not
 * by count, so twenty 8 KB messages cost what a few do. The visitor's latest message is
 * always sent — cut to the limit when it alone is larger. What was left out is said in the
 * turn's span, so a trace shows what the model did not see.
 */
import type { StoredMessage } from "../../shared/protocol";
import type { ChatMessage } from "../providers/types";
import type { Transcript } from "./transcript";

/** Messages read per step while walking back through the transcript. */
const PAGE = 20;
/** What a message costs beyond its text (role, framing). */
const MESSAGE_OVERHEAD = 4;
/** Appended where a message was cut, so the model knows it was. */
const CUT_NOTE = "\n\n[…the rest of this message was cut: it is longer than the assistant reads]";

const encoder = new TextEncoder();

/**
 * Tokens a text is estimated at: 4 UTF-8 bytes a token. Bytes rather than characters, so a
 * script that takes several bytes (and about a token) per character is not under-counted.
 */
export const textTokens = (text: string) => Math.ceil(encoder.encode(text).length / 4) + MESSAGE_OVERHEAD;

export interface HistoryNote {
  /** Messages sent, and their estimate. */
  kept: number;
  tokens: number;
  limit: number;
  /** Older messages left out: how many, and the newest of them. */
  dropped?: number;
  droppedThroughSeq?: number;
  /** The visitor's latest message was cut to fit: its seq and estimate before and after. */
  cut?: { seq: number; from: number; to: number };
}

export function buildHistory(transcript: Transcript, upTo: number, limit: number): { messages: ChatMessage[]; note: HistoryNote } {
  const newestFirst: ChatMessage[] = [];
  let tokens = 0;
  let droppedThroughSeq: number | undefined;
  let cut: HistoryNote["cut"];
  let cursor = upTo;
  walk: while (cursor > 0) {
    const page = transcript.recent(cursor, PAGE);
    for (let i = page.length - 1; i >= 0; i--) {
      const m = page[i] as StoredMessage;
      const message = asChat(m);
      if (!message) continue;
      let cost = textTokens(message.content);
      if (newestFirst.length === 0) {
        // The visitor's latest message goes whatever its size, cut to the limit if need be.
        if (cost > limit) {
          message.content = cutTo(message.content, limit);
          cut = { seq: m.seq, from: cost, to: textTokens(message.content) };
          cost = cut.to;
        }
      } else if (tokens + cost > limit) {
        droppedThroughSeq = m.seq;
        break walk;
      }
      newestFirst.push(message);
      tokens += cost;
    }
    if (page.length < PAGE) break;
    cursor = (page[0]?.seq ?? 1) - 1;
  }
  const note: HistoryNote = { kept: newestFirst.length, tokens, limit };
  if (droppedThroughSeq !== undefined) {
    note.dropped = transcript.countThrough(droppedThroughSeq, ["user", "assistant", "human"]);
    note.droppedThroughSeq = droppedThroughSeq;
  }
  if (cut) note.cut = cut;
  return { messages: newestFirst.reverse(), note };
}

function asChat(m: StoredMessage): (ChatMessage & { content: string }) | null {
  if (m.role === "user") return { role: "user", content: m.text };
  if (m.role === "assistant") return { role: "assistant", content: m.text };
  if (m.role === "human") return { role: "assistant", content: `[${m.author ?? "Support"}, from the support team]: ${m.text}` };
  return null;
}

/** The start of `text` that fits `limit` tokens with the note, never splitting a character. */
function cutTo(text: string, limit: number): string {
  const room = Math.max(0, (limit - MESSAGE_OVERHEAD) * 4 - encoder.encode(CUT_NOTE).length);
  const { read } = encoder.encodeInto(text, new Uint8Array(room));
  return text.slice(0, read) + CUT_NOTE;
}
