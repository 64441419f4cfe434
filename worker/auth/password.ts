/**
 * Staff passwords: PBKDF2-SHA256 through WebCrypto (the Workers runtime caps iterations at
 * 100 000), a random 16-byte salt per password, compared in constant time.
 * Stored as `pbkdf2$<iterations>$<salt>$<hash>` (base64url), so the cost can be raised later.
 */
import { MIN_PASSWORD_LENGTH } from "../../shared/staff";
import { base64url, base64urlDecode } from "../ids";
import { COMMON_LONG_PASSWORDS, COMMON_PASSWORD_WORDS } from "./common-passwords";
import { timingSafeEqual } from "./hmac";

const ITERATIONS = 100_000;

async function derive(password: string, salt: Uint8Array<ArrayBuffer>, iterations: number): Promise<string> {
  const key = await crypto.subtle.importKey("raw", new TextEncoder().encode(password), "PBKDF2", false, ["deriveBits"]);
  const bits = await crypto.subtle.deriveBits({ name: "PBKDF2", hash: "SHA-256", salt, iterations }, key, 256);
  return base64url(bits);
}

export async function hashPassword(password: string): Promise<string> {
  const salt = crypto.getRandomValues(new Uint8Array(16));
  return `pbkdf2$${ITERATIONS}$${base64url(salt)}$${await derive(password, salt, ITERATIONS)}`;
}

export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const [scheme, iterations, salt, hash] = stored.split("$");
  if (scheme !== "pbkdf2" || !iterations || !salt || !hash) return false;
  const candidate = await derive(password, base64urlDecode(salt), Number(iterations));
  return timingSafeEqual(candidate, hash);
}

/** Spends the same time as a real check, so a wrong email is not faster than a wrong password. */
export async function burnPasswordCheck(password: string): Promise<void> {
  await derive(password, new Uint8Array(16), ITERATIONS);
}

let common: { long: Set<string>; words: Set<string> } | null = null;

/**
 * Why a new staff password is too weak, or null: at least MIN_PASSWORD_LENGTH characters,
 * not a common password (nor a common word padded with digits and symbols), not one or two
 * characters repeated, and not the account's own email.
 */
export function passwordProblem(password: string, email?: string): string | null {
  if (password.length < MIN_PASSWORD_LENGTH) return `the password must be at least ${MIN_PASSWORD_LENGTH} characters`;
  common ??= { long: new Set(COMMON_LONG_PASSWORDS), words: new Set(COMMON_PASSWORD_WORDS) };
  const lower = password.toLowerCase();
  const core = lower.replace(/^[^a-z]+|[^a-z]+$/g, "");
  if (common.long.has(lower) || common.words.has(core)) return "the password is one of the most common passwords; choose another";
  if (new Set(password).size < 4) return "the password repeats too few different characters";
  const local = email?.toLowerCase().split("@")[0] ?? "";
  if (email && (lower.includes(email.toLowerCase()) || (local.length >= 4 && lower.includes(local)))) return "the password may not contain the email address";
  return null;
}
