/**
 * Staff passwords: PBKDF2-SHA256 through WebCrypto (the Workers runtime caps iterations at
 * 100 000), a random 16-byte salt per password, compared in constant time.
 * Stored as `pbkdf2$<iterations>$<salt>$<hash>` (base64url), so the cost can be raised later.
 */
import { base64url, base64urlDecode } from "../ids";
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
