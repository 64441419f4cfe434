#!/usr/bin/env node
// `npm run admin -- <command>`: a command-line helper over the admin API of a running
// Switchboard (by default the local one `npm start` runs, with ADMIN_TOKEN from .dev.vars).
//
//   token create --name NAME [--org ORG] [--scopes agents:write,knowledge:*]
//   staff create --org ORG --email EMAIL --name NAME [--password PASSWORD] [--role agent|admin|owner]
//   secret set --org ORG NAME [--value VALUE]   (without --value: read from stdin, trailing newline dropped)
//   secret list --org ORG          secret delete --org ORG NAME
//   ingest --org ORG --collection COLLECTION FOLDER   (.md .markdown .txt .html .htm, recursively)
//
// Options: --url URL (default http://127.0.0.1:$PORT, PORT defaulting to 8787)
//          --token TOKEN (default $ADMIN_TOKEN, then ADMIN_TOKEN in .dev.vars)
import { randomBytes } from "node:crypto";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { extname, join, relative, resolve } from "node:path";
import { readDevVars } from "./dev-vars.mjs";

function parse(argv) {
  const positional = [];
  const options = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a.startsWith("--")) {
      const [key, inline] = a.slice(2).split("=", 2);
      options[key] = inline ?? argv[++i];
    } else positional.push(a);
  }
  return { positional, options };
}

function fail(message) {
  console.error(`admin: ${message}`);
  process.exit(1);
}

const { positional, options } = parse(process.argv.slice(2));
const base = (options.url ?? `http://127.0.0.1:${process.env.PORT ?? 8787}`).replace(/\/$/, "");
const token = options.token ?? process.env.ADMIN_TOKEN ?? readDevVars(".dev.vars").ADMIN_TOKEN;
if (!token) fail("no admin token: pass --token, set ADMIN_TOKEN, or run `npm start` once to create .dev.vars");

async function call(method, path, body) {
  let res;
  try {
    res = await fetch(`${base}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body ? { "content-type": "application/json" } : {}) },
      body: body ? JSON.stringify(body) : undefined,
    });
  } catch (error) {
    fail(`cannot reach ${base} (${error.cause?.code ?? error.message}); is Switchboard running (npm start)?`);
  }
  const data = await res.json().catch(() => ({}));
  if (!res.ok) fail(`${method} ${path}: ${res.status} ${data.error?.code ?? ""} ${data.error?.message ?? ""}`.trim());
  return data;
}

const need = (name) => options[name] ?? fail(`--${name} is required`);

const FORMATS = { ".md": "markdown", ".markdown": "markdown", ".txt": "text", ".html": "html", ".htm": "html" };

function filesUnder(dir) {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? filesUnder(path) : [path];
  });
}

const [what, verb] = positional;
if (what === "token" && verb === "create") {
  const scopes = (options.scopes ?? "*").split(",").map((s) => s.trim()).filter(Boolean);
  const created = await call("POST", "/api/admin/tokens", { name: need("name"), orgId: options.org ?? null, scopes });
  console.log(`Token ${created.id} (${created.name}) for ${created.orgId ?? "every org"}, scopes ${created.scopes.join(" ")}:`);
  console.log(created.token);
  console.log("Shown once: store it now.");
} else if (what === "staff" && verb === "create") {
  const password = options.password ?? randomBytes(12).toString("base64url");
  const staff = await call("POST", `/api/admin/orgs/${encodeURIComponent(need("org"))}/staff`, {
    email: need("email"),
    name: need("name"),
    password,
    role: options.role ?? "agent",
  });
  console.log(`Staff ${staff.name} <${staff.email}> in ${staff.orgId} (${staff.role})${options.password ? "" : `, password: ${password}`}`);
} else if (what === "secret" && ["set", "list", "delete"].includes(verb)) {
  const org = encodeURIComponent(need("org"));
  if (verb === "list") {
    const { secrets } = await call("GET", `/api/admin/orgs/${org}/secrets`);
    for (const s of secrets) console.log(`${s.name}\t${s.updatedAt}`);
    if (secrets.length === 0) console.log(`no secrets in ${options.org}`);
  } else {
    const name = positional[2] ?? fail("give the secret's NAME (A-Z, 0-9, _)");
    if (verb === "delete") {
      await call("DELETE", `/api/admin/orgs/${org}/secrets/${encodeURIComponent(name)}`);
      console.log(`Deleted ${name} from ${options.org}`);
    } else {
      const value = options.value ?? (process.stdin.isTTY ? fail("give --value, or pipe the value in") : readFileSync(0, "utf8").replace(/\r?\n$/, ""));
      if (!value) fail("the value is empty");
      const saved = await call("PUT", `/api/admin/orgs/${org}/secrets/${encodeURIComponent(name)}`, { value });
      console.log(`Set ${saved.name} for ${options.org} (encrypted at rest; it cannot be read back)`);
    }
  }
} else if (what === "ingest") {
  const folder = positional[1] ?? fail("give the folder to ingest");
  const org = need("org");
  const collection = need("collection");
  const root = resolve(folder);
  const files = filesUnder(root).filter((f) => FORMATS[extname(f).toLowerCase()]);
  if (files.length === 0) fail(`no .md, .markdown, .txt, .html or .htm files under ${folder}`);
  let chunks = 0;
  for (const file of files) {
    const source = relative(root, file);
    const result = await call("POST", `/api/admin/orgs/${encodeURIComponent(org)}/collections/${encodeURIComponent(collection)}/documents`, {
      format: FORMATS[extname(file).toLowerCase()],
      content: readFileSync(file, "utf8"),
      source,
    });
    const doc = result.documents[0];
    chunks += doc.chunks;
    console.log(`${doc.replaced ? "replaced" : "added   "} ${source} → "${doc.title}" (${doc.chunks} chunks)`);
  }
  console.log(`${files.length} documents, ${chunks} chunks in ${org}/${collection}`);
} else {
  console.log(readFileSync(new URL(import.meta.url), "utf8").split("\n").slice(1, 12).map((l) => l.replace(/^\/\/ ?/, "")).join("\n"));
  process.exit(what ? 1 : 0);
}
