/**
 * An org's secrets (config/secrets.ts): values are written and deleted here, never read back;
 * the list gives names and update times.
 */
import { z } from "zod";
import { requireAdmin } from "../../auth/admin";
import { deleteOrgSecret, listOrgSecrets, MAX_SECRET_BYTES, putOrgSecret, SECRET_NAME } from "../../config/secrets";
import { ApiError, notFound } from "../../http/errors";
import type { ApiRoutes } from "../../http/openapi";
import { ORG, orgFromPath } from "./common";

const utf8 = new TextEncoder();
const SecretValue = z.object({
  value: z
    .string()
    .min(1)
    .refine((v) => utf8.encode(v).byteLength <= MAX_SECRET_BYTES, `value must be at most ${MAX_SECRET_BYTES} bytes`),
});
const SecretInfo = z.object({ name: z.string(), updatedAt: z.string() });

function secretName(raw: string | undefined): string {
  if (!raw || !SECRET_NAME.test(raw)) throw notFound("secret");
  return raw;
}

export function secretsAdmin(api: ApiRoutes): void {
  api.add(
    { method: "get", path: `${ORG}/secrets`, summary: "An org's secrets: names and update times, never values", tag: "admin", auth: "admin", response: z.object({ secrets: z.array(SecretInfo) }) },
    async (c) => {
      const orgId = await orgFromPath(c);
      await requireAdmin(c, { resource: "secrets", action: "read", orgId });
      return c.json({ secrets: await listOrgSecrets(c.env, orgId) });
    },
  );

  api.add(
    { method: "put", path: `${ORG}/secrets/{name}`, summary: "Set an org secret (write-only; encrypted at rest)", tag: "admin", auth: "admin", body: SecretValue, response: SecretInfo },
    async (c, { body }) => {
      const orgId = await orgFromPath(c);
      const admin = await requireAdmin(c, { resource: "secrets", action: "write", orgId });
      const name = c.req.param("name");
      if (!name || !SECRET_NAME.test(name)) throw new ApiError(400, "invalid_request", "name: use A-Z, 0-9 and _, starting with a letter (at most 64)");
      return c.json(await putOrgSecret(c.env, orgId, name, body.value, admin.name));
    },
  );

  api.add(
    { method: "delete", path: `${ORG}/secrets/{name}`, summary: "Delete an org secret", tag: "admin", auth: "admin", response: z.object({ deleted: z.boolean() }) },
    async (c) => {
      const orgId = await orgFromPath(c);
      await requireAdmin(c, { resource: "secrets", action: "write", orgId });
      if (!(await deleteOrgSecret(c.env, orgId, secretName(c.req.param("name"))))) throw notFound("secret");
      return c.json({ deleted: true });
    },
  );
}
