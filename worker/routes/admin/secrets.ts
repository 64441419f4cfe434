/**
 * An org's secrets (config/secrets.ts): values are written and deleted here, never read back;
 * the list gives names and update times.
 */
import { z } from "zod";
import { deleteOrgSecret, listOrgSecrets, MAX_SECRET_BYTES, putOrgSecret } from "../../config/secrets";
import { notFound } from "../../http/errors";
import type { ApiRoutes } from "../../http/openapi";
import { Ids } from "../../http/params";
import { ORG, ORG_PARAMS, orgAccess } from "./common";

const utf8 = new TextEncoder();
const SecretValue = z.object({
  value: z
    .string()
    .min(1)
    .refine((v) => utf8.encode(v).byteLength <= MAX_SECRET_BYTES, `value must be at most ${MAX_SECRET_BYTES} bytes`),
});
const SecretInfo = z.object({ name: z.string(), updatedAt: z.string() });
const SECRET_PARAMS = { ...ORG_PARAMS, name: Ids.secretName };

export function secretsAdmin(api: ApiRoutes): void {
  api.add(
    {
      method: "get",
      path: `${ORG}/secrets`,
      operationId: "listSecrets",
      summary: "An org's secrets: names and update times, never values",
      tag: "admin",
      auth: "admin",
      params: ORG_PARAMS,
      response: z.object({ secrets: z.array(SecretInfo) }),
    },
    async (c, { reply }) => {
      const { orgId } = await orgAccess(c, "secrets", "read");
      return reply({ secrets: await listOrgSecrets(c.env, orgId) });
    },
  );

  api.add(
    {
      method: "put",
      path: `${ORG}/secrets/{name}`,
      operationId: "putSecret",
      summary: "Set an org secret (write-only; encrypted at rest; agents name it in apiKeySecret and secretHeaders)",
      tag: "admin",
      auth: "admin",
      params: SECRET_PARAMS,
      body: SecretValue,
      maxBytes: MAX_SECRET_BYTES * 6 + 1024,
      response: SecretInfo,
    },
    async (c, { params, body, reply }) => {
      const { orgId, admin } = await orgAccess(c, "secrets", "write");
      return reply(await putOrgSecret(c.env, orgId, params.name, body.value, admin.name));
    },
  );

  api.add(
    {
      method: "delete",
      path: `${ORG}/secrets/{name}`,
      operationId: "deleteSecret",
      summary: "Delete an org secret",
      tag: "admin",
      auth: "admin",
      params: SECRET_PARAMS,
      response: z.object({ deleted: z.boolean() }),
    },
    async (c, { params, reply }) => {
      const { orgId } = await orgAccess(c, "secrets", "write");
      if (!(await deleteOrgSecret(c.env, orgId, params.name))) throw notFound("secret");
      return reply({ deleted: true });
    },
  );
}
