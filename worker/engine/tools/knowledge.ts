import { passageSource, searchKnowledge } from "../../knowledge/search";
import { type ToolHandler, toolError, toolOk } from "../types";

export const searchKnowledgeTool: ToolHandler = {
  spec: {
    name: "search_knowledge",
    description:
      "Search this agent's knowledge base (help-center articles, documents, video transcripts). Returns passages with the title and url of their source, and where in it (`cite`: a PDF page such as \"page 4\", or a video moment such as \"1:33\"). Cite the titles you use, with the page or moment when there is one.",
    parameters: {
      type: "object",
      properties: {
        query: { type: "string", description: "What to look for, in the visitor's words." },
        limit: { type: "integer", minimum: 1, maximum: 10, description: "How many articles to return (default 4)." },
      },
      required: ["query"],
    },
  },
  async run(ctx, _call, args, parentSpanId) {
    const query = typeof args.query === "string" ? args.query.trim() : "";
    if (!query) return toolError("invalid_arguments", "query must be a non-empty string");
    const limit = args.limit === undefined || args.limit === null ? 4 : Number(args.limit);
    if (!Number.isInteger(limit) || limit < 1 || limit > 10) return toolError("invalid_arguments", "limit must be an integer from 1 to 10");
    const span = ctx.log.start("retrieval", "search_knowledge", {
      runId: ctx.runId,
      parentId: parentSpanId,
      agentId: ctx.agent.id,
      data: { query, collections: ctx.agent.knowledge },
    });
    let passages;
    try {
      passages = await searchKnowledge(ctx.env, ctx.orgId, ctx.agent.knowledge, query, limit);
    } catch (error) {
      span.end("error", { error: error instanceof Error ? error.message : String(error) });
      throw error;
    }
    // Scores (BM25, lower is better) go with the ids: the turn's fact record reports both.
    span.end("ok", { data: { results: passages.map((p) => p.ref), scores: passages.map((p) => p.score) } });
    return toolOk(
      {
        results: passages.map((p) => ({
          ref: p.ref,
          title: p.title,
          url: p.url,
          ...(p.cite ? { cite: p.cite } : {}),
          ...(p.heading ? { heading: p.heading } : {}),
          ...(p.page != null ? { page: p.page } : {}),
          ...(p.startSec != null ? { startSec: p.startSec } : {}),
          text: p.text,
        })),
      },
      { sources: passages.map(passageSource), evidence: passages.map((p) => p.text) },
    );
  },
};
