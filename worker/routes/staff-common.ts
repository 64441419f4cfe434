/**
 * What the staff routes share: the conversation a path names (its object checks the org),
 * a staff action's answer, and the inbox's view of who may take a conversation over.
 */
import type { Context } from "hono";
import type { StaffMember } from "../../shared/staff";
import type { StaffResult, TakeoverContext } from "../durable/rpc";
import { ApiError, notFound } from "../http/errors";
import type { AppEnv } from "../http/openapi";
import { CONVERSATION_ID } from "../http/params";

/**
 * The conversation's object. Every call names the staff member, whose org the object
 * compares with its own: another org's conversation answers exactly like one that does not
 * exist (404), without a lookup anywhere else.
 */
export function staffConversation(c: Context<AppEnv>) {
  const id = c.req.param("id") ?? "";
  if (!CONVERSATION_ID.test(id)) throw notFound("conversation");
  return { id, stub: c.env.CONVERSATION.get(c.env.CONVERSATION.idFromName(id)) };
}

/** Who is available and the org's takeover time, from its inbox object (take over and reassign need them). */
export function takeoverContext(c: Context<AppEnv>, staff: StaffMember): Promise<TakeoverContext> {
  return c.env.INBOX.get(c.env.INBOX.idFromName(staff.orgId)).takeoverContext(staff.orgId);
}

export function answer(result: StaffResult) {
  if (!result.ok) throw new ApiError(result.httpStatus, result.code, result.message);
  return { status: result.status };
}
