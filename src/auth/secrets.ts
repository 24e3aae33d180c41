// Client secrets: random, shown once, stored only as a salted scrypt hash.
import { randomBytes, scrypt, timingSafeEqual } from 'node:crypto';

/** 256 bits: far beyond guessing, so the hash below only has to keep a leaked table from being replayed. */
const SECRET_BYTES = 32;
const SALT_BYTES = 16;
const HASH_BYTES = 32;

interface Cost {
  readonly N: number;
  readonly r: number;
  readonly p: number;
}

/**
 * N = 2^14, r = 8 (16 MiB, tens of milliseconds): the secrets are random, not passwords, so a
 * heavier setting would buy nothing against brute force and only make the token endpoint costlier.
 */
const COST: Cost = { N: 16_384, r: 8, p: 1 };
const SCHEME = 'scrypt';

/** Bounds on parameters read back from the table, so a damaged row cannot ask for gigabytes. */
const MAX_N = 2 ** 20;
const MAX_R = 32;
const MAX_P = 16;

/** A fresh random secret, base64url (43 characters). */
export function newSecret(): string {
  return randomBytes(SECRET_BYTES).toString('base64url');
}

function derive(secret: string, salt: Buffer, length: number, cost: Cost): Promise<Buffer> {
  // scrypt needs 128·N·r bytes; Node's default ceiling (32 MiB) would refuse the larger allowed settings.
  const maxmem = 256 * cost.N * cost.r;
  return new Promise((done, fail) => scrypt(secret, salt, length, { ...cost, maxmem }, (e, key) => (e ? fail(e) : done(key))));
}

/** `scrypt$N$r$p$salt$hash`, salt and hash in base64url. */
export async function hashSecret(secret: string): Promise<string> {
  const salt = randomBytes(SALT_BYTES);
  const hash = await derive(secret, salt, HASH_BYTES, COST);
  return [SCHEME, COST.N, COST.r, COST.p, salt.toString('base64url'), hash.toString('base64url')].join('$');
}

interface ParsedHash {
  readonly cost: Cost;
  readonly salt: Buffer;
  readonly hash: Buffer;
}

function parseHash(stored: string): ParsedHash | undefined {
  const parts = stored.split('$');
  if (parts.length !== 6 || parts[0] !== SCHEME) return undefined;
  const [N, r, p] = parts.slice(1, 4).map(Number);
  const powerOfTwo = Number.isInteger(N) && N > 1 && N <= MAX_N && (N & (N - 1)) === 0;
  if (!powerOfTwo || !Number.isInteger(r) || r < 1 || r > MAX_R || !Number.isInteger(p) || p < 1 || p > MAX_P) return undefined;
  const salt = Buffer.from(parts[4], 'base64url');
  const hash = Buffer.from(parts[5], 'base64url');
  if (salt.length < SALT_BYTES || hash.length < 16 || hash.length > 64) return undefined;
  return { cost: { N, r, p }, salt, hash };
}

/**
 * Stands in for the hash of an unknown client, so that a wrong id costs one scrypt like a wrong
 * secret does and response times do not tell which ids exist.
 */
const STAND_IN: ParsedHash = { cost: COST, salt: Buffer.alloc(SALT_BYTES), hash: Buffer.alloc(HASH_BYTES) };

/**
 * Whether `secret` hashes to `stored` (a hashSecret() result). False, after the same work, when
 * `stored` is undefined (no such client) or malformed.
 */
export async function secretMatches(secret: string, stored: string | undefined): Promise<boolean> {
  const parsed = stored === undefined ? undefined : parseHash(stored);
  const { cost, salt, hash } = parsed ?? STAND_IN;
  const candidate = await derive(secret, salt, hash.length, cost);
  return timingSafeEqual(candidate, hash) && parsed !== undefined;
}
