import { type ToolHandler, toolError, toolOk } from "../types";

export const handoffTool: ToolHandler = {
  spec: {
    name: "handoff_to_human",
    description:
      "Hand the conversation to a person on the support team. Use it when the visitor asks for a person or when you cannot help. Write a short summary for the staff member who picks it up.",
    parameters: {
      type: "object",
      properties: {
        summary: { type: "string", description: "What the visitor needs and what has been tried." },
        team: { type: "string", description: "Optional: the id of the support team to hand it to, when your instructions name one." },
      },
      required: ["summary"],
    },
  },
  async run(ctx, _call, args, parentSpanId) {
    const summary = typeof args.summary === "string" ? args.summary.trim().slice(0, 2000) : "";
    if (!summary) return toolError("invalid_arguments", "summary must be a non-empty string");
    const team = typeof args.team === "string" && /^[a-z0-9][a-z0-9_-]{0,63}$/.test(args.team) ? args.team : undefined;
    const result = await ctx.conversation.handoff({ summary, reason: "agent", runId: ctx.runId, spanId: parentSpanId, ...(team ? { team } : {}) });
    return toolOk({ status: result.status, message: "The support team takes over. The visitor is told separately when a person will reply (or asked for an email when nobody is available): say briefly that you are passing the conversation on, and promise no time or reply." });
  },
};
