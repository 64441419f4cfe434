/**
 * For the bench only: counts every D1 statement the worker runs, from outside its code. It
 * writes an entry module next to the deployable bundle that re-exports the real worker
 * with its `DB` binding wrapped — in the fetch and queue handlers and in every Durable
 * Object class (subclassed only to hand their constructor the wrapped env). The worker's own
 * code is the bundle, byte for byte; `GET /__bench/d1` answers the running totals.
 *
 * A statement is a read when its SQL is a SELECT (or WITH … SELECT); everything else is a
 * write, whether or not it changed a row. `rowsWritten` is D1's own `meta.rows_written`
 * (index entries included). Counts are kept per origin as well — the handler or Durable
 * Object class whose code ran the statement (`fetch`, `queue`, `ConversationDO`, …) — so the
 * queue consumer's batches, which run in their own invocations after a turn, can be told
 * from the turn's own statements.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { BUNDLE_DIR } from "../test/helpers/switchboard";

export const COUNTED_ENTRY = "d1-counted.js";

export interface D1Tally {
  statements: number;
  reads: number;
  writes: number;
  rowsWritten: number;
}

export interface D1Counts extends D1Tally {
  /** The SQL of each write and each read, first 60 characters after its origin, with how often it ran. */
  writeSql: Record<string, number>;
  readSql: Record<string, number>;
  byOrigin: Record<string, D1Tally>;
}

export function writeCountingEntry(durableObjectClasses: string[]): string {
  const classes = durableObjectClasses
    .map((name) => `export class ${name} extends app.${name} { constructor(ctx, env) { super(ctx, wrapEnv(env, "${name}")); } }`)
    .join("\n");
  const source = `
import * as app from "./index.js";
const tally = () => ({ statements: 0, reads: 0, writes: 0, rowsWritten: 0 });
const counts = { ...tally(), writeSql: {}, readSql: {}, byOrigin: {} };
const real = new WeakMap();
function record(origin, sql, meta) {
  const by = (counts.byOrigin[origin] ??= tally());
  const write = !/^\\s*(select|with)\\b/i.test(sql);
  for (const t of [counts, by]) {
    t.statements++;
    if (write) t.writes++;
    else t.reads++;
    t.rowsWritten += meta?.rows_written ?? 0;
  }
  const key = origin + ": " + sql.replace(/\\s+/g, " ").trim().slice(0, 60);
  const bySql = write ? counts.writeSql : counts.readSql;
  bySql[key] = (bySql[key] ?? 0) + 1;
}
function wrapStatement(origin, statement, sql) {
  const wrapped = {
    bind: (...params) => wrapStatement(origin, statement.bind(...params), sql),
    first: async (...a) => { const r = await statement.first(...a); record(origin, sql, null); return r; },
    raw: async (...a) => { const r = await statement.raw(...a); record(origin, sql, null); return r; },
    all: async () => { const r = await statement.all(); record(origin, sql, r.meta); return r; },
    run: async () => { const r = await statement.run(); record(origin, sql, r.meta); return r; },
  };
  real.set(wrapped, { statement, sql });
  return wrapped;
}
function wrapDb(db, origin) {
  return {
    prepare: (sql) => wrapStatement(origin, db.prepare(sql), sql),
    batch: async (statements) => {
      const inner = statements.map((s) => real.get(s) ?? { statement: s, sql: "" });
      const results = await db.batch(inner.map((s) => s.statement));
      results.forEach((r, i) => record(origin, inner[i].sql, r.meta));
      return results;
    },
    exec: async (sql) => { const r = await db.exec(sql); record(origin, sql, null); return r; },
    dump: () => db.dump(),
    withSession: (...a) => db.withSession(...a),
  };
}
const wrapped = new WeakMap();
function wrapEnv(env, origin) {
  if (!env || !env.DB) return env;
  let byOrigin = wrapped.get(env);
  if (!byOrigin) wrapped.set(env, (byOrigin = {}));
  return (byOrigin[origin] ??= { ...env, DB: wrapDb(env.DB, origin) });
}
${classes}
const handler = app.default;
export default {
  ...handler,
  fetch(request, env, ctx) {
    if (new URL(request.url).pathname === "/__bench/d1") return Response.json(counts);
    return handler.fetch(request, wrapEnv(env, "fetch"), ctx);
  },
  ...(handler.queue ? { queue: (batch, env, ctx) => handler.queue(batch, wrapEnv(env, "queue"), ctx) } : {}),
};
`;
  writeFileSync(join(BUNDLE_DIR, COUNTED_ENTRY), source);
  return COUNTED_ENTRY;
}
