/**
 * The conversation's status machine: bot → waiting (queued for a person) → human (claimed)
 * → resolved, or back to bot. The server enforces it; a request for any other move is
 * refused.
 */
import type { ConversationStatus } from "../../shared/protocol";

const ALLOWED: Record<ConversationStatus, ConversationStatus[]> = {
  bot: ["waiting", "human"],
  waiting: ["human", "resolved", "bot"],
  human: ["resolved", "bot", "waiting"],
  resolved: ["bot", "waiting", "human"],
};

export function canMove(from: ConversationStatus, to: ConversationStatus): boolean {
  return ALLOWED[from].includes(to);
}
