/**
 * What the bot says when a turn cannot end normally. Kept in one place so the wording is
 * consistent and easy to change.
 */
export const REPLIES = {
  deadline: "Sorry, this is taking longer than it should. Please try again in a moment, or ask for a person.",
  budget: "I've reached my usage limit for now, so I've passed your conversation to our team. Someone will reply here.",
  budgetNoHuman: "I've reached my usage limit for now. Please try again later.",
  ceiling: "This conversation has reached the limit of what I can answer in one chat, so I've passed it to a person from our team. They'll reply here.",
  ceilingNoHuman: "This conversation has reached the limit of what I can answer in one chat. Please ask for a person, or start a new conversation.",
  error: "Sorry, I ran into a problem answering that. Please try again, or ask for a person.",
  maxTurns: "Sorry, I couldn't finish working that out. Please rephrase, or ask for a person.",
  visitorHandoff: "You asked for a person. Someone from our team will reply here.",
  policyHandoff: "I'm having trouble with this one, so I've asked a person from our team to help. They'll reply here.",
  backToBot: "You're chatting with our assistant again.",
  afterHours: "Our team is away right now. Leave your email and we'll get back to you.",
  noOneYet: "Everyone on our team is busy at the moment. Leave your email and we'll get back to you, or keep waiting here.",
} as const;

/** A specialist's answer delivered as-is when the router cannot consolidate (e.g. out of budget). */
export function relayReplies(replies: { agentName: string; text: string }[]): string {
  if (replies.length === 1) return replies[0]?.text ?? "";
  return replies.map((r) => `**${r.agentName}:** ${r.text}`).join("\n\n");
}
