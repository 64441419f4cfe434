/**
 * Per-account lockout for staff sign-in, on top of the per-IP limit: after LOCK_AFTER failed
 * attempts on one email, that email is locked for 30 s, doubling with every further failure
 * up to an hour; a success clears the count, and a day without failures forgets it.
 *
 * Failures are counted by the SHA-256 of the lowercased email whether or not an account has
 * it, so a locked account and an unknown email answer alike (401 while counting, then 429).
 * Counts live in D1 and change in one statement (no read-modify-write), so parallel guesses
 * all count. The cost: anyone can lock a known email out for a while — the usual trade.
 */
import { sha256Hex } from "./hmac";

export const LOCK_AFTER = 5;
const BASE_MS = 30_000;
const MAX_MS = 3_600_000;
const FORGET_MS = 86_400_000;

const key = (email: string) => sha256Hex(`staff-login:${email.trim().toLowerCase()}`);

/** Milliseconds until this email may try again (0: now). */
export async function lockedFor(db: D1Database, email: string): Promise<number> {
  const row = await db.prepare("SELECT locked_until FROM staff_login_failures WHERE email_hash = ?").bind(await key(email)).first<{ locked_until: number }>();
  return Math.max(0, (row?.locked_until ?? 0) - Date.now());
}

export async function recordFailure(db: D1Database, email: string): Promise<void> {
  // In an upsert's SET, column names read the row as it was: `n` below is the new count.
  const n = "(CASE WHEN last_failure_at < ?2 - ?3 THEN 1 ELSE failures + 1 END)";
  await db
    .prepare(
      `INSERT INTO staff_login_failures (email_hash, failures, locked_until, last_failure_at) VALUES (?1, 1, 0, ?2)
       ON CONFLICT (email_hash) DO UPDATE SET
         failures = ${n},
         locked_until = CASE WHEN ${n} >= ?4 THEN ?2 + MIN(?6, ?5 * (1 << MIN(${n} - ?4, 7))) ELSE locked_until END,
         last_failure_at = ?2`,
    )
    .bind(await key(email), Date.now(), FORGET_MS, LOCK_AFTER, BASE_MS, MAX_MS)
    .run();
}

export async function clearFailures(db: D1Database, email: string): Promise<void> {
  await db.prepare("DELETE FROM staff_login_failures WHERE email_hash = ?").bind(await key(email)).run();
}
