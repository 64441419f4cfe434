/**
 * Statements with named parameters (`:org`, `:site`…) for the insights queries, which add a
 * clause or leave it out (a site filter): each name becomes a numbered `?N` bound once, so
 * a query never binds a value it does not use and the planner sees a plain equality it can
 * take an index for. Names only ever come from the code, values are always bound.
 */
export function stmt(db: D1Database, sql: string, params: Record<string, unknown>): D1PreparedStatement {
  const order: string[] = [];
  const text = sql.replace(/(?<![:\w]):([a-z][a-zA-Z0-9]*)/g, (_m, name: string) => {
    if (!(name in params)) throw new Error(`no value for :${name}`);
    let i = order.indexOf(name);
    if (i < 0) i = order.push(name) - 1;
    return `?${i + 1}`;
  });
  return db.prepare(text).bind(...order.map((n) => params[n] ?? null));
}

export async function rows<T>(db: D1Database, sql: string, params: Record<string, unknown>): Promise<T[]> {
  return (await stmt(db, sql, params).all<T>()).results;
}

/** `AND <column> = :site` when a site is asked for, else nothing. */
export const bySite = (site: string | null, column = "site_key") => (site ? `AND ${column} = :site` : "");
