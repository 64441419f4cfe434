/**
 * For the bench only: counts every D1 statement the worker runs, from outside its code. It
 * writes an entry module next to the deployable bundle that re-exports the real worker
 * with its `DB` binding wrapped — in the fetch and queue handlers and in every Durable
 * Object class (subclassed only to hand their constructor the wrapped env). The worker's own
 * code is the bundle, byte for byte; `GET /__bench/d1` answers the running totals.
 *
 * A statement is a read when D1 reports it wrote no rows and changed nothing; everything
 * else is a write. `rowsWritten` is D1's own `meta.rows_written` (index entries included).
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { BUNDLE_DIR } from "../test/helpers/switchboard";

export const COUNTED_ENTRY = "d1-counted.js";

export interface D1Counts {
  statements: number;
  reads: number;
  writes: number;
  rowsWritten: number;
  /** The SQL of each write, first 60 characters, with how often it ran. */
  writeSql: Record<string, number>;
}

export function writeCountingEntry(durableObjectClasses: string[]): string {
  const classes = durableObjectClasses
    .map((name) => `export class ${name} extends app.${name} { constructor(ctx, env) { super(ctx, wrapEnv(env)); } }`)
    .join("\n");
  const source = `
import * as app from "./index.js";
const counts = { statements: 0, reads: 0, writes: 0, rowsWritten: 0, writeSql: {} };
const real = new WeakMap();
function record(sql, meta) {
  counts.statements++;
  const wrote = meta && (meta.rows_written > 0 || meta.changes > 0 || meta.changed_db);
  if (wrote || (!meta && !/^\\s*(select|with)\\b/i.test(sql))) {
    counts.writes++;
    const key = sql.replace(/\\s+/g, " ").trim().slice(0, 60);
    counts.writeSql[key] = (counts.writeSql[key] ?? 0) + 1;
  } else counts.reads++;
  counts.rowsWritten += meta?.rows_written ?? 0;
}
function wrapStatement(statement, sql) {
  const wrapped = {
    bind: (...params) => wrapStatement(statement.bind(...params), sql),
    first: async (...a) => { const r = await statement.first(...a); record(sql, null); return r; },
    raw: async (...a) => { const r = await statement.raw(...a); record(sql, null); return r; },
    all: async () => { const r = await statement.all(); record(sql, r.meta); return r; },
    run: async () => { const r = await statement.run(); record(sql, r.meta); return r; },
  };
  real.set(wrapped, { statement, sql });
  return wrapped;
}
function wrapDb(db) {
  return {
    prepare: (sql) => wrapStatement(db.prepare(sql), sql),
    batch: async (statements) => {
      const inner = statements.map((s) => real.get(s) ?? { statement: s, sql: "" });
      const results = await db.batch(inner.map((s) => s.statement));
      results.forEach((r, i) => record(inner[i].sql, r.meta));
      return results;
    },
    exec: async (sql) => { const r = await db.exec(sql); record(sql, null); return r; },
    dump: () => db.dump(),
    withSession: (...a) => db.withSession(...a),
  };
}
const wrapped = new WeakMap();
function wrapEnv(env) {
  if (!env || !env.DB) return env;
  let out = wrapped.get(env);
  if (!out) {
    out = { ...env, DB: wrapDb(env.DB) };
    wrapped.set(env, out);
  }
  return out;
}
${classes}
const handler = app.default;
export default {
  ...handler,
  fetch(request, env, ctx) {
    if (new URL(request.url).pathname === "/__bench/d1") return Response.json(counts);
    return handler.fetch(request, wrapEnv(env), ctx);
  },
  ...(handler.queue ? { queue: (batch, env, ctx) => handler.queue(batch, wrapEnv(env), ctx) } : {}),
};
`;
  writeFileSync(join(BUNDLE_DIR, COUNTED_ENTRY), source);
  return COUNTED_ENTRY;
}
