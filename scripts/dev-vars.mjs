// Reads and writes .dev.vars (wrangler's KEY=value file of local secrets).
import { randomBytes } from "node:crypto";
import { existsSync, readFileSync, writeFileSync } from "node:fs";

export function readDevVars(path) {
  const vars = {};
  if (!existsSync(path)) return vars;
  for (const line of readFileSync(path, "utf8").split("\n")) {
    const m = line.match(/^\s*([A-Z0-9_]+)\s*=\s*(.*)\s*$/);
    if (m) vars[m[1]] = m[2].replace(/^"(.*)"$/, "$1");
  }
  return vars;
}

export const randomSecret = () => randomBytes(24).toString("base64url");

/** Adds any missing local secret with a random value; keeps what is there. */
export function ensureDevVars(path) {
  const vars = readDevVars(path);
  const wanted = {
    ADMIN_TOKEN: randomSecret,
    SESSION_SECRET: randomSecret,
    // Org secrets are encrypted at rest under a key derived from this one.
    SECRETS_KEY: () => randomBytes(32).toString("base64url"),
    // Short enough to type, long enough for the password rules: the demo staff's password.
    DEMO_STAFF_PASSWORD: () => randomBytes(9).toString("base64url"),
    // Locally anyone may sign a new org up in the console (a deployment leaves it unset: off).
    OPEN_SIGNUP: () => "1",
  };
  const added = [];
  for (const [key, make] of Object.entries(wanted)) {
    if (!vars[key]) {
      vars[key] = make();
      added.push(key);
    }
  }
  if (added.length) {
    const body = [
      "# Local secrets for `npm start` (wrangler dev). Not committed.",
      ...Object.entries(vars).map(([k, v]) => `${k}=${v}`),
      "",
    ].join("\n");
    writeFileSync(path, body, { mode: 0o600 });
  }
  return { vars, added };
}
