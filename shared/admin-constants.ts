/**
 * Constants of the admin API the console needs at run time, in a module without zod (the
 * console imports only types from shared/admin.ts, so its bundle carries no schema code).
 */

/** What the admin API shows in place of a write-only secret that is set. */
export const WRITE_ONLY = "••••";
