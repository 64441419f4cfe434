import { z } from "zod";
import { type ToolHandler, toolError, toolOk } from "../types";

const LeadArgs = z.object({
  email: z.email(),
  name: z.string().max(200).optional(),
  note: z.string().max(2000).optional(),
});

export const captureLeadTool: ToolHandler = {
  spec: {
    name: "capture_lead",
    description: "Save the visitor's contact details so the team can follow up by email. Only with the visitor's consent.",
    parameters: {
      type: "object",
      properties: {
        email: { type: "string", format: "email" },
        name: { type: "string" },
        note: { type: "string", description: "What the visitor is interested in." },
      },
      required: ["email"],
    },
  },
  async run(ctx, _call, args) {
    const parsed = LeadArgs.safeParse(args);
    if (!parsed.success) return toolError("invalid_arguments", z.prettifyError(parsed.error));
    const lead = await ctx.conversation.captureLead({ ...parsed.data, agentId: ctx.agent.id });
    return toolOk({ saved: true, leadId: lead.id });
  },
};
