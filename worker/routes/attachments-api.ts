/**
 * Attachments: visitors and staff upload a file with a message (multipart), participants
 * ask for a short-lived link to one, and the link serves the bytes. The upload is checked
 * (size, type by its bytes) and stored in R2 before the conversation's object adds the
 * message; a message the object refuses leaves no file behind.
 */
import type { Context } from "hono";
import { z } from "zod";
import { attachmentText } from "../../shared/attachments";
import { AttachmentLink, StoredMessage } from "../../shared/protocol";
import { requireStaff } from "../auth/staff-session";
import { signedLink, checkLink } from "../attachments/links";
import { deleteAttachment, findAttachment, putAttachment, readAttachment } from "../attachments/store";
import { readUpload } from "../attachments/upload";
import { ApiError, notFound } from "../http/errors";
import type { ApiRoutes, AppEnv } from "../http/openapi";
import { clientIp, limitIp } from "../http/rate-limit";
import { CONVERSATION_ID, Ids } from "../http/params";
import { openConversation } from "./visitor-access";

const CONVERSATION = { id: Ids.conversation };
const ATTACHMENT = { id: Ids.conversation, attachment: Ids.attachment };
const UPLOAD = "multipart/form-data: `file` (PNG, JPEG, GIF, WebP or PDF, at most 10 MB, recognised by its bytes)";

const origin = (c: Context<AppEnv>) => new URL(c.req.url).origin;

export function attachmentsApi(api: ApiRoutes): void {
  api.add(
    {
      method: "post",
      path: "/api/conversations/{id}/attachments",
      operationId: "uploadAttachment",
      params: CONVERSATION,
      rateLimited: true,
      errors: [400, 403, 409, 413, 415],
      summary: `Send a file as a visitor message. Body ${UPLOAD}, \`clientMessageId\` (required: a resend returns the first message) and optional \`text\``,
      tag: "visitor",
      auth: "visitor",
      status: 201,
      response: z.object({ message: StoredMessage, duplicate: z.boolean() }),
    },
    async (c, { reply }) => {
      const conversation = await openConversation(c);
      await limitIp(c.env, clientIp(c.req.raw), "sendsPerIp", "messages");
      const upload = await readUpload(c.req.raw);
      if (!upload.clientMessageId) throw new ApiError(400, "invalid_request", "clientMessageId: required");
      const attachment = await putAttachment(c.env, { orgId: conversation.site.orgId, conversationId: conversation.id, by: "visitor", ...upload });
      const res = await conversation.stub.fetch(
        new Request("https://conversation/attachments", {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ clientMessageId: upload.clientMessageId, text: upload.text ?? attachmentText([attachment.name]), attachments: [attachment] }),
        }),
      );
      const body = (await res.json()) as { message?: StoredMessage; duplicate?: boolean; error?: { code: string; message: string } };
      // Refused, or a resend of a message already stored with its own file: keep no copy.
      if (res.status !== 201 || body.duplicate) await deleteAttachment(c.env, conversation.id, attachment.id);
      if (!body.message) throw new ApiError(res.status as 404, body.error?.code ?? "refused", body.error?.message ?? "the conversation refused the file");
      return reply({ message: body.message, duplicate: !!body.duplicate });
    },
  );

  api.add(
    {
      method: "get",
      path: "/api/conversations/{id}/attachments/{attachment}",
      operationId: "getAttachmentLink",
      params: ATTACHMENT,
      errors: [403],
      summary: "A link to a file of this conversation, valid for a few minutes",
      tag: "visitor",
      auth: "visitor",
      response: AttachmentLink,
    },
    async (c, { params, reply }) => {
      const conversation = await openConversation(c);
      if (!(await findAttachment(c.env, conversation.site.orgId, conversation.id, params.attachment))) throw notFound("attachment");
      return reply(await signedLink(c.env, origin(c), conversation.id, params.attachment));
    },
  );

  api.add(
    {
      method: "post",
      path: "/api/staff/conversations/{id}/attachments",
      operationId: "staffUploadAttachment",
      params: CONVERSATION,
      errors: [400, 409, 413, 415],
      summary: `Send a file to the visitor (claims an unclaimed conversation, like a reply). Body ${UPLOAD} and optional \`text\``,
      tag: "staff",
      auth: "staff",
      status: 201,
      response: z.object({ message: StoredMessage }),
    },
    async (c, { params, reply }) => {
      const { staff } = await requireStaff(c, { mutating: true });
      const stub = c.env.CONVERSATION.get(c.env.CONVERSATION.idFromName(params.id));
      // Nothing is stored for a conversation of another org (it answers like one that does not exist).
      if ((await stub.owner()) !== staff.orgId) throw notFound("conversation");
      const upload = await readUpload(c.req.raw);
      const attachment = await putAttachment(c.env, { orgId: staff.orgId, conversationId: params.id, by: "staff", ...upload });
      const result = await stub.staffReply(staff, upload.text ?? attachmentText([attachment.name]), [attachment]);
      if (!result.ok) {
        await deleteAttachment(c.env, params.id, attachment.id);
        throw new ApiError(result.httpStatus, result.code, result.message);
      }
      return reply({ message: result.stored as StoredMessage });
    },
  );

  api.add(
    {
      method: "get",
      path: "/api/staff/conversations/{id}/attachments/{attachment}",
      operationId: "staffGetAttachmentLink",
      params: ATTACHMENT,
      summary: "A link to a file of one of your org's conversations, valid for a few minutes",
      tag: "staff",
      auth: "staff",
      response: AttachmentLink,
    },
    async (c, { params, reply }) => {
      const { staff } = await requireStaff(c, { mutating: false });
      if (!(await findAttachment(c.env, staff.orgId, params.id, params.attachment))) throw notFound("attachment");
      return reply(await signedLink(c.env, origin(c), params.id, params.attachment));
    },
  );

  api.add(
    {
      method: "get",
      path: "/api/files/{id}/{attachment}",
      operationId: "getAttachmentFile",
      params: ATTACHMENT,
      query: z.object({ exp: z.coerce.number().int().positive().max(1e11), sig: z.string().min(1).max(100) }),
      errors: [403],
      summary: "A file's bytes, through a link from getAttachmentLink (images inline, PDFs as a download)",
      tag: "visitor",
      auth: "none",
      response: { contentType: "application/octet-stream", description: "the file, with its recognised type" },
    },
    async (c, { params, query }) => {
      if (!CONVERSATION_ID.test(params.id)) throw notFound("attachment");
      const left = await checkLink(c.env, params.id, params.attachment, query.exp, query.sig);
      if (left === null) throw new ApiError(403, "link_expired", "this link has expired or is not valid: ask for a new one");
      const file = await readAttachment(c.env, params.id, params.attachment);
      if (!file) throw notFound("attachment");
      const image = file.info.type.startsWith("image/");
      const ascii = file.info.name.replace(/[^\x20-\x7e]/g, "_").replace(/["\\]/g, "_");
      return new Response(file.body, {
        headers: {
          "content-type": file.info.type,
          "content-length": String(file.info.size),
          // Images are shown; a PDF is downloaded rather than opened in our origin.
          "content-disposition": `${image ? "inline" : "attachment"}; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(file.info.name)}`,
          "cache-control": `private, max-age=${left}`,
          // The widget shows images on the customer's page, another origin.
          "cross-origin-resource-policy": "cross-origin",
          // Opened on its own, it runs nothing: no script, a sandbox, only its own image shown.
          "content-security-policy": "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; sandbox",
        },
      });
    },
  );
}
